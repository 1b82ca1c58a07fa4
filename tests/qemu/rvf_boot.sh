#!/bin/sh
# tests/qemu/rvf_boot.sh QEMU FLASH_IMG RVF RVM_BIN KEY [WITNESS_KEY]: a `make test` tier.
# Boots `make image`'s flash file (build/<profile>.img) as a board boots its flash (pflash
# bank 0, no -kernel) and checks what boot/rvf_boot.c does with it:
#   - the good image verifies and the partitions and agents of its PROFILE start from it (the
#     boot line and the handoff agree; for the appliance also `ps`, `agents`, the agents' and
#     guests' own lines), the monitor's `image` command lists its segments, and each segment
#     and the verdict (cap 0) are witnessed (tools/witness show on the witness store);
#   - a bit flipped in each segment of slot A, a signature by another key, a truncated slot, a
#     directory entry pointing outside the file and one pointing into another segment, and the
#     seed's layout (gzip'd x86_64 kernel, unaligned) signed with the right key are each
#     refused with their reason (segment and field), start nothing, and leave a denied
#     WK_BOOT_RVF record naming the error and no WK_BOOT_RVF_SEGMENT record;
#   - downgrade protection: version 2 booted, then version 1 on the same witness store is
#     refused until the monitor's `image allow-downgrade 1` (witnessed), then it boots;
#   - A/B updates (rvf update): a good update tried and kept; one failing its self-test, one
#     whose try never confirmed and one signed with another key each back to the other slot;
#     each step witnessed and named by tools/witness replay;
#   - tools/rvf inspect and verify on the image, and verify's exit status on corrupted copies.
# Prints "rvf-boot: P passed, F failed".
set -u
qemu=$1 flash=$2 rvf=$3 rvm=$4 key=$5 wkey=${6:-}
profile=$(basename "$flash" .img)
keydev=""
if [ -n "$wkey" ] && [ -f "$wkey" ]; then
	keydev="-device loader,file=$wkey,addr=0x401ff000,force-raw=on"
	export RVM_WITNESS_KEY_FILE="$wkey"
fi
tool=build/tools/rvf
wtool=build/tools/witness
work=build/test-logs/rvf-boot
rm -rf "$work" && mkdir -p "$work"
passed=0 failed=0
pass() { passed=$((passed + 1)); printf '  pass  %s\n' "$1"; }
fail() { failed=$((failed + 1)); printf '  FAIL  %s\n' "$1"; [ -n "${2:-}" ] && printf '        %s\n' "$2"; }

# boot FLASH LOG INPUT [STORE]: RVM from FLASH as bank 0, a fresh witness store LOG.wit as
# bank 1 (or STORE, kept from boot to boot), INPUT typed at the monitor (it ends with
# poweroff: PSCI, QEMU exits 0).
boot() {
	store=${4:-$2.wit}
	[ -n "${4:-}" ] || { rm -f "$store" && truncate -s 64M "$store"; }
	timeout 90 "$(dirname "$0")/nudged" "$qemu" -M virt,virtualization=on,gic-version=3 -cpu cortex-a72 -m 1G -nic none \
		-display none -monitor none -serial stdio \
		-drive if=pflash,format=raw,unit=0,file="$1" \
		-drive if=pflash,format=raw,unit=1,file="$store" $keydev <"$3" >"$2" 2>&1
}
has() { grep -q -- "$2" "$1"; }
# The witness store's WK_BOOT_RVF records (a denied one shows flags=0x01), and how many
# WK_BOOT_RVF_SEGMENT records it holds.
rvf_records() { "$wtool" show "$1.wit" --kind WK_BOOT_RVF 2>/dev/null; }
seg_records() { "$wtool" show "$1.wit" --kind WK_BOOT_RVF_SEGMENT 2>/dev/null | grep -c 'kind=WK_BOOT_RVF_SEGMENT'; }

poke() { # FILE OFFSET: flip bit 0 of one byte
	b=$(od -An -tu1 -j "$2" -N 1 "$1" | tr -d ' ')
	printf "$(printf '\\%03o' $((b ^ 1)))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

put64() { # FILE OFFSET VALUE: a little-endian u64
	v=$3 i=0 bytes=""
	while [ $i -lt 8 ]; do
		bytes="$bytes$(printf '\\%03o' $((v & 255)))"
		v=$((v >> 8)) i=$((i + 1))
	done
	printf "$bytes" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

quick=$work/quick.in
printf 'image\rpoweroff\r' >"$quick"

# ---- the good image ----
echo "== booting the flash file (pflash bank 0)"
in=$work/good.in
# (then, on the appliance, the operator's split and migration on the image's partitions)
printf 'coherence auto off\rsleep 8000\rps\ragents\rimage\rsplit 4\ragent migrate 8 6\rsleep 1000\ragents\rpoweroff\r' >"$in"
log=$work/good.log
boot "$flash" "$log" "$in"
rc=$?
# "N partitions and M agents from it" (the image's PROFILE), then the handoff's "N partitions
# and K WebAssembly agents started" (K <= M: agents spawned on demand are not started at boot).
from=$(grep -a -m 1 -o 'verified: .* agents from it' "$log" | sed -n 's/.*; \([0-9]*\) partitions and \([0-9]*\) agents from it/\1 \2/p')
started=$(grep -a -m 1 -o '[0-9]* partitions\{0,1\} and [0-9]* WebAssembly agents\{0,1\} started' "$log" | sed 's/^\([0-9]*\) .* and \([0-9]*\) .*/\1 \2/')
if [ "$rc" -eq 0 ] && has "$log" "boot: rvf slot A" && has "$log" "verified: " && [ -n "$from" ] &&
	[ "${from% *}" = "${started% *}" ] && [ "${started#* }" -le "${from#* }" ]; then
	pass "image verified at boot; its ${from% *} partitions and ${started#* } agents started from it"
else
	fail "image verified at boot (rc $rc; from image '$from', started '$started')" "see $log"
fi
# The appliance holds Debian's Linux as partition 7 when tools/setup fetched it.
linux=no parts=6
if "$tool" inspect "$rvf" | grep -q 'kernel: aarch64 type 1 (linux), .*, lz4,'; then linux=yes parts=7; fi
if [ "$profile" = appliance ]; then
	missing=""
	for name in producer consumer worker agents echo agents2 counter looper pinger ponger bridge \
		supervisor rogue; do
		has "$log" " $name" || missing="$missing $name"
	done
	if [ -z "$missing" ] && [ "$from" = "$parts 8" ] && [ "$started" = "$parts 7" ] &&
		has "$log" "\[echo\] echo: answering the bridge agent" &&
		has "$log" "\[agent 4 ponger\] ponger (WAT)" && has "$log" "spawned crunch as agents 8 and 9" &&
		has "$log" "\[producer\] producer: sending"; then
		pass "appliance: ps and agents list its $parts partitions and 7 agents; guests and agents run"
	else
		fail "appliance: the image's partitions and agents run (missing:$missing)" "see $log"
	fi
	# The new partition takes the first free id: 8 beside Linux (7), else 7.
	if has "$log" "coherence: split partition 4: [0-9]* agents\{0,1\} -> new partition $((parts + 1))" &&
		has "$log" "agent 8 (crunch): running in partition 6"; then
		pass "appliance from its image: the operator splits partition 4 (new partition $((parts + 1))) and migrates agent 8"
	else
		fail "split and migrate on the image's partitions" "see $log"
	fi
fi
# Linux from its KERNEL_SEG (LZ4, inflated at boot, initramfs after the command line) reaches
# its marker and runs its script, and the agents and guests beside it go on reporting after.
if [ "$linux" = yes ]; then
	up=$(grep -a -n '^\[linux\] RVM-LINUX-UP' "$log" | head -n 1 | cut -d: -f1)
	after=$(tail -n +"${up:-999999}" "$log" | grep -a -c '^\[agent [0-9]* [a-z]*\] \|^\[producer\] producer: [0-9]* messages sent')
	if [ -n "$up" ] && has "$log" "\[linux\] nproc 1" && has "$log" "\[linux\] Linux 6\.1\..*-cloud-arm64" &&
		has "$log" "\[linux\] RVM-LINUX-TEST-DONE 0" && has "$log" "arch_timer" &&
		[ "$(tr -d '\r' <"$log" | awk '$1 == "7" && $2 == "linux" {print $3}')" = running ] &&
		[ "$after" -gt 0 ]; then
		pass "Linux boots from its LZ4 KERNEL_SEG as partition 7 to its marker; $after agent and guest reports after it"
	else
		fail "Linux from the image (marker line ${up:-none}, $after reports after it)" "see $log"
	fi
fi
segs=$("$tool" inspect "$rvf" --json | tr '{' '\n' | grep -c '"index":')
listed=$(grep -a -c '^ *[0-9]* [A-Z]* *id [0-9]* *content hash [0-9a-f]*\.\.\.' "$log")
if has "$log" "slot A, [0-9]* bytes, image version 1: verified" && [ "$listed" -eq "$segs" ] &&
	has "$log" "copied from flash in [0-9]* ns, checked in [0-9]* ns"; then
	pass "the monitor's image command shows the verdict and the $segs segments"
else
	fail "the monitor's image command ($listed of $segs segments listed)" "see $log"
fi
nseg=$(seg_records "$log")
if [ "$nseg" -eq "$segs" ] && rvf_records "$log" | grep -q 'flags=0x00 .*cap=0x0 '; then
	pass "each of the $segs verified segments and the verdict (cap 0) witnessed"
else
	fail "segments witnessed: $nseg of $segs" "$(rvf_records "$log" | head -3)"
fi

# ---- the host tool on the same file ----
# (every segment type the image holds: KERNEL, WASM, PROFILE, MANIFEST, CRYPTO for the appliance)
types=$("$tool" inspect "$rvf" --json | tr '{' '\n' | sed -n 's/.*"index":[0-9]*,"id":[0-9]*,"type":"\([A-Z]*\)".*/\1/p' | sort -u)
missing=""
if "$tool" inspect "$rvf" >"$work/inspect.txt" 2>&1 && has "$work/inspect.txt" "$segs segments"; then
	for t in $types; do has "$work/inspect.txt" " $t " || missing="$missing $t"; done
else
	missing=" (no output)"
fi
if [ -n "$types" ] && [ -z "$missing" ]; then
	pass "rvf inspect on the image: $segs segments, $(echo $types)"
else
	fail "rvf inspect (missing:$missing)" "see $work/inspect.txt"
fi
if "$tool" verify "$rvf" --key "$key.pub" --boot >"$work/verify.txt" 2>&1; then
	pass "rvf verify --boot on the image: exit 0"
else
	fail "rvf verify on the image: exit $?" "see $work/verify.txt"
fi

# refused FLASH NAME TEXT: boots, the verdict line holds "REFUSED: ", then TEXT (a glob: the
# segment and field), nothing started, a denied record. Each refusal's witness records are also
# tallied for the check after the last one: a WK_BOOT_RVF naming the error (cap != 0) and no
# WK_BOOT_RVF_SEGMENT.
refusals=0 witnessed_ok=0
refused() {
	log=$work/$(echo "$2" | tr -c 'a-zA-Z0-9\n' '_').log
	boot "$1" "$log" "$quick"
	refusals=$((refusals + 1))
	if [ "$(seg_records "$log")" -eq 0 ] &&
		rvf_records "$log" | grep -q 'kind=WK_BOOT_RVF .*flags=0x01.* cap=0x[0-9a-f]*[1-9a-f][0-9a-f]* '; then
		witnessed_ok=$((witnessed_ok + 1))
	fi
	line=$(grep -a -m 1 'boot: rvf' "$log" | tr -d '\r')
	# shellcheck disable=SC2254 # TEXT is a pattern
	case $line in
	*"REFUSED: "*) ;;
	*) fail "$2: not refused" "got '$line' (see $log)"; return ;;
	esac
	case $line in
	*$3*"; nothing is started from it"*) ;;
	*) fail "$2: wanted '$3'" "got '$line' (see $log)"; return ;;
	esac
	if has "$log" "0 partitions and 0 WebAssembly agents started" &&
		has "$log" "slot A, [0-9]* bytes, image version [0-9]*: REFUSED: " &&
		rvf_records "$log" | grep -q 'flags=0x01'; then
		pass "$2: refused ($3), nothing started, witnessed"
	else
		fail "$2: refusal not complete" "see $log"
	fi
}

# ---- a bit flipped in each segment (slot A starts at 0x1000000) ----
echo "== refused images"
"$tool" inspect "$rvf" --json | tr '{' '\n' |
	sed -n 's/.*"index":\([0-9]*\),"id":[0-9]*,"type":"\([A-Z]*\)".*"offset":\([0-9]*\),"length":\([0-9]*\).*/\1 \2 \3 \4/p' >"$work/segs"
[ -s "$work/segs" ] || fail "rvf inspect --json lists the segments" "see $work/segs"
exit3=0
while read -r idx type off len; do
	cp "$flash" "$work/flip.img"
	poke "$work/flip.img" $((0x1000000 + off + 64 + len / 2))
	# The manifest's payload is the directory: structure is checked before any hash, and
	# the entry that no longer matches names its segment.
	want="REFUSED: segment $idx ($type): content_hash" code=3
	[ "$type" = MANIFEST ] && want="REFUSED: segment * directory *" code=2
	refused "$work/flip.img" "bit flipped in segment $idx ($type)" "$want"
	# The host tool says the same with its exit status (3: content hash, 2: malformed).
	cp "$rvf" "$work/flip.rvf"
	poke "$work/flip.rvf" $((off + 64 + len / 2))
	"$tool" verify "$work/flip.rvf" --key "$key.pub" >/dev/null 2>&1
	st=$?
	[ "$st" -eq "$code" ] && exit3=$((exit3 + 1))
done <"$work/segs"
n=$(wc -l <"$work/segs")
if [ "$exit3" -eq "$n" ]; then pass "rvf verify exits 3 (2 for the manifest) on each flipped segment"; else
	fail "rvf verify's exit status right on $exit3 of $n flipped segments"; fi

# ---- signed with another key ----
"$tool" keygen "$work/other.key" >/dev/null
"$tool" sign "$rvf" --key "$work/other.key" -o "$work/other.rvf" >/dev/null
"$tool" flash -o "$work/other.img" --rvm "$rvm" --slot-a "$work/other.rvf" >/dev/null
refused "$work/other.img" "signed with another key" "REFUSED: segment * (CRYPTO): key_id: signed with another key"
"$tool" verify "$work/other.rvf" --key "$key.pub" >/dev/null 2>&1
st=$?
if [ "$st" -eq 6 ]; then pass "rvf verify: another key, exit 6"; else fail "rvf verify: another key: exit $st"; fi

# ---- truncated: the flash header's slot A length 100 bytes short (rvf flash would refuse) ----
size=$(wc -c <"$rvf")
cp "$flash" "$work/trunc.img"
put64 "$work/trunc.img" $((0xF00000 + 0x40 + 8)) $((size - 100))
refused "$work/trunc.img" "truncated slot" "REFUSED: segment *: past end of file"
head -c $((size - 100)) "$rvf" >"$work/trunc.rvf"
"$tool" verify "$work/trunc.rvf" --key "$key.pub" >/dev/null 2>&1
st=$?
if [ "$st" -eq 2 ]; then pass "rvf verify: truncated, exit 2"; else fail "rvf verify: truncated: exit $st"; fi

# ---- the manifest's directory lies: entry 0 outside the file, entry 1 onto entry 0 ----
moff=$(awk '$2 == "MANIFEST" {print $3}' "$work/segs")
ent=$((0x1000000 + moff + 64 + 22)) # entry 0 in the flash file: id u64, offset u64, ...
cp "$flash" "$work/dir.img"
poke "$work/dir.img" $((ent + 8 + 6)) # entry 0's offset, byte 6
refused "$work/dir.img" "directory entry outside the file" "REFUSED: segment 0 (*): directory offset/length: points outside"
# (the directory lists the segments before the manifest: 22 + 25 each + 4 bytes)
mlen=$(awk '$2 == "MANIFEST" {print $4}' "$work/segs")
if [ $(((mlen - 26) / 25)) -ge 2 ]; then
	cp "$flash" "$work/overlap.img"
	off0=$(awk '$1 == 0 {print $3}' "$work/segs")
	put64 "$work/overlap.img" $((ent + 25 + 8)) "$off0"
	refused "$work/overlap.img" "directory entry into another segment" "REFUSED: segment 1 (*): directory offset: overlaps another segment"
else
	echo "  skip  directory entry into another segment: the directory lists one segment"
fi

# ---- the seed's layout: gzip'd x86_64 kernel, packed without alignment, our key ----
head -c 4096 /dev/urandom >"$work/bz"
printf 'kernel k %s arch=x86_64 gzip cmdline="console=ttyS0"\nprofile\n' "$work/bz" >"$work/seed.spec"
"$tool" build -o "$work/seed.rvf" --no-align "$work/seed.spec" --key "$key" >/dev/null
"$tool" flash -o "$work/seed.img" --rvm "$rvm" --slot-a "$work/seed.rvf" >/dev/null
refused "$work/seed.img" "seed-layout x86_64 kernel" "REFUSED: segment 0 (KERNEL): arch: x86_64 kernel"
"$tool" verify "$work/seed.rvf" --key "$key.pub" --boot >/dev/null 2>&1
st=$?
if [ "$st" -eq 9 ]; then pass "rvf verify --boot: x86_64 kernel, exit 9"; else fail "rvf verify --boot: x86_64: exit $st"; fi

# ---- downgrade: version 2 boots, then version 1 is refused on the same witness store until
# the monitor allows it (witnessed), then it boots ----
"$tool" sign "$rvf" --key "$key" --image-version 2 -o "$work/v2.rvf" >/dev/null
"$tool" flash -o "$work/v2.img" --rvm "$rvm" --slot-a "$work/v2.rvf" >/dev/null
store=$work/downgrade.wit
rm -f "$store" && truncate -s 64M "$store"
boot "$work/v2.img" "$work/dg-v2.log" "$quick" "$store"
printf 'image allow-downgrade 1\rpoweroff\r' >"$work/allow.in"
boot "$flash" "$work/dg-v1.log" "$work/allow.in" "$store"
boot "$flash" "$work/dg-v1-allowed.log" "$quick" "$store"
denied=$("$wtool" show "$store" --kind WK_BOOT_RVF 2>/dev/null | grep -c 'flags=0x01')
allowed=$("$wtool" show "$store" --kind WK_BOOT_RVF_ALLOW 2>/dev/null | grep -c 'kind=WK_BOOT_RVF_ALLOW .*target=0x1 ')
if has "$work/dg-v2.log" "image version 2: verified" &&
	has "$work/dg-v1.log" "REFUSED: file: image_version: version 1 is older than version 2, the last this machine booted" &&
	has "$work/dg-v1.log" "0 partitions and 0 WebAssembly agents started" &&
	has "$work/dg-v1.log" "the next boot may run image version 1 or newer (witnessed)" &&
	has "$work/dg-v1-allowed.log" "image version 1: verified" &&
	has "$work/dg-v1-allowed.log" "images older than version 1 are refused" &&
	[ "$denied" -eq 1 ] && [ "$allowed" -eq 1 ] && "$wtool" verify "$store" >/dev/null 2>&1; then
	pass "downgrade: version 1 after 2 refused, nothing started, witnessed; allowed by the monitor (witnessed), it boots"
else
	fail "downgrade protection (denied records $denied, allow records $allowed)" "see $work/dg-v1.log"
fi
"$tool" verify "$rvf" --key "$key.pub" --min-version 2 >/dev/null 2>&1
st=$?
if [ "$st" -eq 8 ]; then pass "rvf verify --min-version 2 on version 1: exit 8"; else
	fail "rvf verify --min-version 2 on version 1: exit $st"; fi

# ---- A/B updates: a good one is tried and kept; one failing its self-test, one whose try
# never confirmed and one that does not verify each return to the slot that booted before ----
ab=$work/ab.img
cp "$flash" "$ab"
store=$work/ab.wit
rm -f "$store" && truncate -s 64M "$store"
abboot() { boot "$ab" "$work/ab-$1.log" "$quick" "$store"; }
line() { grep -a -m 1 "$2" "$work/ab-$1.log" | tr -d '\r'; }
"$tool" update "$ab" "$work/v2.rvf" >/dev/null
abboot 1
abboot 2
if has "$work/ab-1.log" "boot: update in slot B: booting it for the first time" &&
	has "$work/ab-1.log" "boot: rvf slot B .*image version 2" &&
	has "$work/ab-1.log" "boot: update in slot B: passed its self-test" &&
	has "$work/ab-2.log" "boot: rvf slot B .*: verified: .*image version 2" &&
	! has "$work/ab-2.log" "boot: update in slot"; then
	pass "A/B: an update in slot B is tried, passes its self-test, is kept: the next boot runs it"
else
	fail "A/B: a good update (try: '$(line 1 'update in slot')', then: '$(line 2 'boot: rvf')')" "see $work/ab-1.log"
fi
# Version 3 asks for more RAM than the machine has: it verifies, its partitions cannot all
# be created, so it fails its self-test; the next boot returns to slot B.
sed -e 's/^image_version .*/image_version 3/' \
	-e '0,/^partition .* guest .* mem=[0-9]*[KMG]* /s/ mem=[0-9]*[KMG]* / mem=2G /' \
	"$(dirname "$rvf")/$profile.spec" >"$work/v3.spec"
"$tool" build -o "$work/v3.rvf" "$work/v3.spec" --key "$key" >/dev/null 2>"$work/v3.err"
"$tool" update "$ab" "$work/v3.rvf" >/dev/null
abboot 3
abboot 4
if has "$work/ab-3.log" "boot: update in slot A: booting it for the first time" &&
	has "$work/ab-3.log" "boot: update in slot A: failed its self-test (.*); the next boot returns to slot B" &&
	has "$work/ab-4.log" "boot: rvf slot B .*: verified: .*image version 2"; then
	pass "A/B: an update that fails its self-test (version 3, more RAM than there is) is refused; the next boot returns to slot B"
else
	fail "A/B: a failing update (self-test: '$(line 3 'update in slot A: f')', then: '$(line 4 'boot: rvf')')" "see $work/ab-3.log"
fi
# Version 4, as if the boot trying it had died: TRYING already programmed, never confirmed.
"$tool" sign "$rvf" --key "$key" --image-version 4 -o "$work/v4.rvf" >/dev/null
"$tool" update "$ab" "$work/v4.rvf" >/dev/null
printf 'TRYG' | dd of="$ab" bs=1 seek=$((0xF00000 + 0x800 + 4)) conv=notrunc 2>/dev/null
abboot 5
if has "$work/ab-5.log" "boot: update in slot A: its first boot never passed its self-test: rolled back" &&
	has "$work/ab-5.log" "boot: rvf slot B .*: verified: .*image version 2"; then
	pass "A/B: an update whose first boot never confirmed (a crash) is rolled back to slot B"
else
	fail "A/B: rollback of an unconfirmed try ('$(line 5 'update in slot')')" "see $work/ab-5.log"
fi
# Signed with another key: refused as an update; slot B boots in the same boot.
"$tool" update "$ab" "$work/other.rvf" >/dev/null
abboot 6
if has "$work/ab-6.log" "boot: update in slot A: refused (REFUSED: segment .* (CRYPTO): key_id: signed with another key.*); booting slot B" &&
	has "$work/ab-6.log" "boot: rvf slot B .*: verified: .*image version 2"; then
	pass "A/B: an update signed with another key is refused; slot B boots in the same boot"
else
	fail "A/B: a refused update ('$(line 6 'update in slot')')" "see $work/ab-6.log"
fi
# Every step witnessed, and tools/witness replay names the image each boot ran.
steps=$("$wtool" show "$store" --kind WK_BOOT_RVF_SLOT 2>/dev/null | sed -n 's/.*target=\(0x[0-9a-f]*\) cap=\(0x[0-9a-f]*\) .*/\1:\2/p' | tr '\n' ' ')
"$wtool" replay "$store" --at 999999999 >"$work/ab-replay.txt" 2>&1
if [ "$steps" = "0x1:0x1 0x1:0x2 0x0:0x1 0x0:0x3 0x0:0x4 0x0:0x3 " ] &&
	grep -q "^  boot 2: image version 2 verified" "$work/ab-replay.txt" &&
	grep -q "^  boot 3: image refused .*update in slot A (version 3) refused or failed its self-test" "$work/ab-replay.txt" &&
	grep -q "^  boot 5: image version 2 verified .*update in slot A (version 4) rolled back" "$work/ab-replay.txt"; then
	pass "A/B: each step witnessed (try, confirm, try, fail, rollback, refuse); replay shows the image of each boot"
else
	fail "A/B: steps witnessed '$steps'" "see $work/ab-replay.txt"
fi

if [ "$witnessed_ok" -eq "$refusals" ]; then
	pass "each of the $refusals refusals witnessed: a denied WK_BOOT_RVF naming the error, no segment records"
else
	fail "refusals witnessed with the error and no segment records: $witnessed_ok of $refusals"
fi

rm -f "$work"/*.img "$work"/*.wit
echo "rvf-boot: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
