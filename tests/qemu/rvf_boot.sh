#!/bin/sh
# tests/qemu/rvf_boot.sh QEMU FLASH_IMG RVF RVM_BIN KEY [WITNESS_KEY]: a `make test` tier. Boots `make image`'s
# flash file as a board boots its flash (pflash bank 0, no -kernel) and checks what
# boot/rvf_boot.c does with it:
#   - the good image verifies and the appliance's partitions and agents start from it (the
#     console, `ps`, `agents`, the agents' and guests' own lines) and its segments and verdict
#     are witnessed (tools/witness show on the witness store);
#   - a bit flipped in each segment of slot A, a signature by another key, a truncated slot, a
#     directory entry pointing outside the file and one pointing into another segment, and the
#     seed's layout (gzip'd x86_64 kernel, unaligned) signed with the right key are each
#     refused with their reason, start nothing, and leave a denied WK_BOOT_RVF record;
#   - tools/rvf inspect and verify on the image, and verify's exit status on corrupted copies.
# Prints "rvf-boot: P passed, F failed".
set -u
qemu=$1 flash=$2 rvf=$3 rvm=$4 key=$5 wkey=${6:-}
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

# boot FLASH LOG INPUT: RVM from FLASH as bank 0, a fresh witness store LOG.wit as bank 1,
# INPUT typed at the monitor (it ends with poweroff: PSCI, QEMU exits 0).
boot() {
	rm -f "$2.wit" && truncate -s 64M "$2.wit"
	timeout 90 "$qemu" -M virt,virtualization=on,gic-version=3 -cpu cortex-a72 -m 1G -nic none \
		-display none -monitor none -serial stdio \
		-drive if=pflash,format=raw,unit=0,file="$1",readonly=on \
		-drive if=pflash,format=raw,unit=1,file="$2.wit" $keydev <"$3" >"$2" 2>&1
}
has() { grep -q -- "$2" "$1"; }
# The witness store's WK_BOOT_RVF records (a denied one shows flags=0x01).
rvf_records() { "$wtool" show "$1.wit" --kind WK_BOOT_RVF 2>/dev/null; }

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
echo "== booting build/<profile>.img from flash (pflash bank 0)"
in=$work/good.in
printf 'sleep 3000\rps\ragents\rimage\rpoweroff\r' >"$in"
log=$work/good.log
boot "$flash" "$log" "$in"
rc=$?
if [ "$rc" -eq 0 ] && has "$log" "boot: rvf slot A" && has "$log" "verified: " &&
	has "$log" "6 partitions and 8 agents from it" &&
	has "$log" "6 partitions and 7 WebAssembly agents started"; then
	pass "image verified at boot; 6 partitions and 7 agents started from it"
else
	fail "image verified at boot (rc $rc)" "see $log"
fi
missing=""
for name in producer consumer worker agents echo agents2 counter looper pinger ponger bridge \
	supervisor rogue; do
	has "$log" " $name" || missing="$missing $name"
done
if [ -z "$missing" ] && has "$log" "\[echo\] echo: answering the bridge agent" &&
	has "$log" "\[agent 4 ponger\] ponger (WAT)" && has "$log" "spawned crunch as agents 8 and 9" &&
	has "$log" "\[producer\] producer: sending"; then
	pass "ps and agents list the image's partitions and agents; guests and agents run"
else
	fail "the image's partitions and agents run (missing:$missing)" "see $log"
fi
if has "$log" "slot A, [0-9]* bytes, image version 1: verified" && has "$log" " 14 CRYPTO "; then
	pass "the monitor's image command shows the verdict and the segments"
else
	fail "the monitor's image command" "see $log"
fi
segs=$("$tool" inspect "$rvf" --json | tr '{' '\n' | grep -c '"index":')
nseg=$("$wtool" show "$log.wit" --kind WK_BOOT_RVF_SEGMENT 2>/dev/null | grep -c WK_BOOT_RVF_SEGMENT)
if [ "$nseg" -eq "$segs" ] && rvf_records "$log" | grep -q 'flags=0x00'; then
	pass "each of the $segs segments and the verdict witnessed"
else
	fail "segments witnessed: $nseg of $segs" "$(rvf_records "$log" | head -3)"
fi

# ---- the host tool on the same file ----
if "$tool" inspect "$rvf" >"$work/inspect.txt" 2>&1 && has "$work/inspect.txt" "KERNEL" &&
	has "$work/inspect.txt" "WASM" && has "$work/inspect.txt" "PROFILE"; then
	pass "rvf inspect on the image"
else
	fail "rvf inspect" "see $work/inspect.txt"
fi
if "$tool" verify "$rvf" --key "$key.pub" --boot >"$work/verify.txt" 2>&1; then
	pass "rvf verify --boot on the image: exit 0"
else
	fail "rvf verify on the image: exit $?" "see $work/verify.txt"
fi

# refused FLASH NAME TEXT: boots, the verdict line holds TEXT, nothing started, a denied record.
refused() {
	log=$work/$(echo "$2" | tr -c 'a-zA-Z0-9\n' '_').log
	boot "$1" "$log" "$quick"
	line=$(grep -a -m 1 'boot: rvf' "$log" | tr -d '\r')
	case $line in
	*"REFUSED: "*"$3"*"nothing is started"*) ;;
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
	# The manifest's payload is the directory: structure is checked before any hash.
	want="segment $idx ($type): content_hash" code=3
	[ "$type" = MANIFEST ] && want="directory" code=2
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
refused "$work/other.img" "signed with another key" "key_id"
"$tool" verify "$work/other.rvf" --key "$key.pub" >/dev/null 2>&1
st=$?
if [ "$st" -eq 6 ]; then pass "rvf verify: another key, exit 6"; else fail "rvf verify: another key: exit $st"; fi

# ---- truncated: the flash header's slot A length 100 bytes short (rvf flash would refuse) ----
size=$(wc -c <"$rvf")
cp "$flash" "$work/trunc.img"
put64 "$work/trunc.img" $((0xF00000 + 0x40 + 8)) $((size - 100))
refused "$work/trunc.img" "truncated slot" "past end of file"
head -c $((size - 100)) "$rvf" >"$work/trunc.rvf"
"$tool" verify "$work/trunc.rvf" --key "$key.pub" >/dev/null 2>&1
st=$?
if [ "$st" -eq 2 ]; then pass "rvf verify: truncated, exit 2"; else fail "rvf verify: truncated: exit $st"; fi

# ---- the manifest's directory lies: entry 0 outside the file, entry 1 onto entry 0 ----
moff=$(awk '$2 == "MANIFEST" {print $3}' "$work/segs")
ent=$((0x1000000 + moff + 64 + 22)) # entry 0 in the flash file: id u64, offset u64, ...
cp "$flash" "$work/dir.img"
poke "$work/dir.img" $((ent + 8 + 6)) # entry 0's offset, byte 6
refused "$work/dir.img" "directory entry outside the file" "directory"
cp "$flash" "$work/overlap.img"
off0=$(awk '$1 == 0 {print $3}' "$work/segs")
put64 "$work/overlap.img" $((ent + 25 + 8)) "$off0"
refused "$work/overlap.img" "directory entry into another segment" "directory"

# ---- the seed's layout: gzip'd x86_64 kernel, packed without alignment, our key ----
head -c 4096 /dev/urandom >"$work/bz"
printf 'kernel k %s arch=x86_64 gzip cmdline="console=ttyS0"\nprofile\n' "$work/bz" >"$work/seed.spec"
"$tool" build -o "$work/seed.rvf" --no-align "$work/seed.spec" --key "$key" >/dev/null
"$tool" flash -o "$work/seed.img" --rvm "$rvm" --slot-a "$work/seed.rvf" >/dev/null
refused "$work/seed.img" "seed-layout x86_64 kernel" "x86_64 kernel"
"$tool" verify "$work/seed.rvf" --key "$key.pub" --boot >/dev/null 2>&1
st=$?
if [ "$st" -eq 9 ]; then pass "rvf verify --boot: x86_64 kernel, exit 9"; else fail "rvf verify --boot: x86_64: exit $st"; fi

rm -f "$work"/*.img "$work"/*.wit
echo "rvf-boot: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
