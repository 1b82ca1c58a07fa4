#!/bin/sh
# tests/qemu/rvf_boot.sh QEMU RVM_BIN FLASH_IMG RVF KEY: a `make test` tier. Boots RVM with
# the `make image` flash file as its initrd and checks what boot/rvf_boot.c says: the good
# image verifies; one byte changed in each segment of slot A, a signature by another key, a
# truncated image, a directory pointing outside the file, and a seed-layout file (gzip'd
# x86_64 kernel, unaligned, signed with the right key) are each refused with their reason.
# Prints "rvf-boot: P passed, F failed".
set -u
qemu=$1 rvm=$2 flash=$3 rvf=$4 key=$5
tool=build/tools/rvf
work=build/test-logs/rvf-boot
rm -rf "$work" && mkdir -p "$work"
passed=0 failed=0
printf 'poweroff\r' >"$work/poweroff.in"

# boot INITRD: the console's "boot: rvf image" line (RVM is powered off at its prompt).
boot() {
	truncate -s 0 "$work/wit.img" && truncate -s 64M "$work/wit.img"
	timeout 60 "$qemu" -M virt,virtualization=on,gic-version=3 -cpu cortex-a72 -m 1G -nic none \
		-nographic -semihosting-config enable=on,target=native \
		-drive if=pflash,format=raw,unit=1,file="$work/wit.img" -append semihosting \
		-kernel "$rvm" -initrd "$1" <"$work/poweroff.in" 2>/dev/null | grep -a -m 1 'boot: rvf image'
}
expect() { # NAME INITRD TEXT
	line=$(boot "$2")
	case $line in
	*"$3"*) passed=$((passed + 1)); echo "  pass  $1" ;;
	*) failed=$((failed + 1)); echo "  FAIL  $1: wanted '$3', got '$line'" ;;
	esac
}
poke() { # FILE OFFSET: flip the bits of one byte
	b=$(od -An -tu1 -j "$2" -N 1 "$1" | tr -d ' ')
	printf "$(printf '\\%03o' $((b ^ 0x5a)))" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

wtool=build/tools/witness
# witnessed WIT_IMG NAME SEGMENTS VERDICT: the boot's WK_BOOT_RVF_SEGMENT count and its verdict
witnessed() {
	segs=$("$wtool" show "$1" --kind BOOT_RVF_SEGMENT 2>/dev/null | grep -c 'kind=WK_BOOT_RVF_SEGMENT')
	verdict=$("$wtool" show "$1" --kind BOOT_RVF 2>/dev/null | grep -o 'kind=WK_BOOT_RVF .*cap=0x[0-9a-f]*' | grep -o 'cap=.*')
	if [ "$segs" -eq "$3" ] && case $verdict in $4) true ;; *) false ;; esac; then
		passed=$((passed + 1)); echo "  pass  $2"
	else
		failed=$((failed + 1)); echo "  FAIL  $2: $segs segment records, verdict '$verdict'"
	fi
}

expect "good image verifies" "$flash" "verified: "
nseg=$($tool inspect "$rvf" --json | grep -o '"index":' | wc -l)
witnessed "$work/wit.img" "each of the $nseg verified segments and the verdict witnessed" "$nseg" "cap=0x0"

# One byte of each segment's payload (slot A starts at 0x1000000).
$tool inspect "$rvf" --json | tr '{' '\n' | sed -n 's/.*"index":\([0-9]*\),"id":[0-9]*,"type":"\([A-Z]*\)".*"offset":\([0-9]*\),"length":\([0-9]*\).*/\1 \2 \3 \4/p' >"$work/segs"
while read -r idx type off len; do
	cp "$flash" "$work/flip.img"
	poke "$work/flip.img" $((0x1000000 + off + 64 + len / 2))
	# (the directory's bytes are fields checked before any hash: its own lie is named)
	want="REFUSED: segment $idx ($type): content_hash"
	[ "$type" = MANIFEST ] && want="REFUSED: segment"
	expect "byte flipped in segment $idx ($type)" "$work/flip.img" "$want"
done <"$work/segs"

# Signed with another key.
$tool keygen "$work/other.key" >/dev/null
$tool sign "$rvf" --key "$work/other.key" -o "$work/other.rvf" >/dev/null
expect "another key" "$work/other.rvf" "key_id: signed with another key"

# Truncated (a bare RVF as the initrd), and a directory entry pointing outside the file.
size=$(wc -c <"$rvf")
head -c $((size - 100)) "$rvf" >"$work/trunc.rvf"
expect "truncated image" "$work/trunc.rvf" "REFUSED: segment"
cp "$rvf" "$work/dir.rvf"
moff=$(awk '$2 == "MANIFEST" {print $3}' "$work/segs")
poke "$work/dir.rvf" $((moff + 64 + 22 + 8 + 7)) # entry 0's offset, top byte
expect "directory points outside the file" "$work/dir.rvf" "directory offset/length: points outside"

# The seed's layout: gzip'd x86_64 kernel, packed without alignment, signed with our key.
head -c 4096 /dev/urandom >"$work/bz"
printf 'kernel k %s arch=x86_64 gzip cmdline="console=ttyS0"\nprofile\n' "$work/bz" >"$work/seed.spec"
$tool build -o "$work/seed.rvf" --no-align "$work/seed.spec" --key "$key" >/dev/null
expect "seed-layout x86_64 kernel refused" "$work/seed.rvf" "x86_64 kernel"
witnessed "$work/wit.img" "the refusal witnessed (no segment records, a verdict naming the error)" 0 "cap=0x[1-9a-f]*"

echo "rvf-boot: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
