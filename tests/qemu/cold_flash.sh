#!/bin/sh
# tests/qemu/cold_flash.sh QEMU RVM_BIN GUEST_BIN RVF_KEY [WITNESS_KEY]: a `make test` tier.
# Flash checkpoints end to end, through the file QEMU writes: a small signed image (one guest,
# tests/guests/ckpt_counter, 1 MiB) is booted from flash bank 0 (as `make run` does); the monitor
# takes `checkpoint 1 flash` twice with the guest running between, then twice with it
# suspended, each written to the cold area of bank 0 (memory/cold.h). After poweroff
# `tools/witness ckpt-diff` reads the bank 0 file: it must list 4 segments, and between the
# running pair exactly the pages whose bytes differ in the file (found here with cmp, page by
# page): at least one (its count), at most 8 (its data and stack), never page 0 (its code);
# between the suspended pair none. A page of a segment damaged in a copy, a truncated copy and a copy
# with the RVF magic changed each exit 2. The witness store holds the 4 WK_MEM_COLD records.
# Prints "cold-flash: P passed, F failed".
set -u
qemu=$1 rvm=$2 guest=$3 key=$4 wkey=${5:-}
keydev=""
if [ -n "$wkey" ] && [ -f "$wkey" ]; then
	keydev="-device loader,file=$wkey,addr=0x401ff000,force-raw=on"
	export RVM_WITNESS_KEY_FILE="$wkey"
fi
rvft=build/tools/rvf
wtool=build/tools/witness
work=build/test-logs/cold-flash
rm -rf "$work" && mkdir -p "$work"
passed=0 failed=0
pass() { passed=$((passed + 1)); printf '  pass  %s\n' "$1"; }
fail() { failed=$((failed + 1)); printf '  FAIL  %s\n' "$1"; [ -n "${2:-}" ] && printf '        %s\n' "$2"; }
finish() { echo "cold-flash: $passed passed, $failed failed"; exit 0; }

echo "== flash checkpoints and witness ckpt-diff over bank 0's file"
printf 'image_version 1\nprofile\nkernel tg %s vcpus=1 min_mem=1 entry=0x40000000\npartition tg guest kernel=tg mem=1M\n' \
	"$guest" >"$work/cold.spec"
if ! "$rvft" build -o "$work/cold.rvf" "$work/cold.spec" --key "$key" >/dev/null ||
	! "$rvft" flash -o "$work/bank0.img" --rvm "$rvm" --slot-a "$work/cold.rvf" >/dev/null; then
	fail "the test image (rvf build, rvf flash)"
	finish
fi
rm -f "$work/wit.img" && truncate -s 64M "$work/wit.img"
printf 'sleep 1500\rcheckpoint 1 flash\rsleep 2500\rcheckpoint 1 flash\rsuspend 1\rcheckpoint 1 flash\rcheckpoint 1 flash\rpoweroff\r' >"$work/in"
log=$work/boot.log
timeout 240 "$(dirname "$0")/nudged" "$qemu" -M virt,virtualization=on,gic-version=3 -cpu cortex-a72 -m 1G -nic none \
	-display none -monitor none -serial stdio \
	-drive if=pflash,format=raw,unit=0,file="$work/bank0.img" \
	-drive if=pflash,format=raw,unit=1,file="$work/wit.img" $keydev <"$work/in" >"$log" 2>&1
rc=$?
written=$(tr -d '\r' <"$log" | grep -c '^checkpoint 1 (tg): written to flash, slot [0-3], seq [1-4], root')
if [ $rc -eq 0 ] && [ "$written" = 4 ]; then
	pass "four checkpoints of a running, then suspended guest written to bank 0's cold area"
else
	fail "flash checkpoints (rc $rc, $written written)" "see $log"
	finish
fi

list=$("$wtool" ckpt-diff "$work/bank0.img")
if [ "$(echo "$list" | grep -c ' checkpoint  1    256   0x0000000040000000')" = 4 ] &&
	echo "$list" | grep -q '^4 segment(s)$' && ! echo "$list" | grep -q DAMAGED; then
	pass "ckpt-diff lists the 4 segments, each verified (content hash, root, every page)"
else
	fail "ckpt-diff list" "$list"
fi

# page I of segment SEQ, from the file: the slot that holds it (the list's first column)
slot_of() { echo "$list" | awk -v s="$1" '$2 == s { print $1 }'; }
page_of() { # SLOT I OUT
	dd if="$work/bank0.img" of="$3" bs=4096 count=1 \
		skip=$(((0xA00000 + $1 * 0x140000 + 0x3000) / 4096 + $2)) 2>/dev/null
}
expected() { # SEQ_A SEQ_B: the pages that differ, by cmp
	sa=$(slot_of "$1") sb=$(slot_of "$2") i=0
	while [ $i -lt 256 ]; do
		page_of "$sa" $i "$work/pa" && page_of "$sb" $i "$work/pb"
		cmp -s "$work/pa" "$work/pb" || echo "changed page $i ipa 0x$(printf '%x' $((0x40000000 + i * 4096)))"
		i=$((i + 1))
	done
}
got=$("$wtool" ckpt-diff "$work/bank0.img" 1 2 | grep '^changed page')
want=$(expected 1 2)
n=$(echo "$got" | grep -c 'changed page')
if [ -n "$got" ] && [ "$got" = "$want" ] &&
	[ "$n" -le 8 ] && ! echo "$got" | grep -q '^changed page 0 '; then
	pass "ckpt-diff 1 2 (guest counting between): exactly the $n page(s) whose bytes differ in the file, not its code"
else
	fail "ckpt-diff 1 2" "tool: $(echo $got) / cmp: $(echo $want)"
fi
if "$wtool" ckpt-diff "$work/bank0.img" 3 4 | grep -q '^0 of 256 pages changed$'; then
	pass "ckpt-diff 3 4 (guest suspended between): no page changed"
else
	fail "ckpt-diff 3 4"
fi

cp "$work/bank0.img" "$work/bad.img"
s2=$(slot_of 2)
printf 'X' | dd of="$work/bad.img" bs=1 seek=$((0xA00000 + s2 * 0x140000 + 0x3000 + 7 * 4096 + 5)) conv=notrunc 2>/dev/null
"$wtool" ckpt-diff "$work/bad.img" 1 2 >/dev/null 2>"$work/bad.err"
r1=$?
head -c $((0xA00000 + 0x1000)) "$work/bank0.img" >"$work/short.img"
"$wtool" ckpt-diff "$work/short.img" 1 2 >/dev/null 2>&1
r2=$?
cp "$work/bank0.img" "$work/magic.img"
s1=$(slot_of 1)
printf 'Z' | dd of="$work/magic.img" bs=1 seek=$((0xA00000 + s1 * 0x140000)) conv=notrunc 2>/dev/null
"$wtool" ckpt-diff "$work/magic.img" 1 2 >/dev/null 2>&1
r3=$?
if [ $r1 = 2 ] && grep -q "segment 2 (slot $s2): hash mismatch (damaged)" "$work/bad.err" &&
	[ $r2 = 2 ] && [ $r3 = 2 ]; then
	pass "a damaged page, a truncated file and a wrong magic each exit 2 with a message"
else
	fail "ckpt-diff on bad input (status $r1 $r2 $r3)" "$(cat "$work/bad.err")"
fi

recs=$("$wtool" show "$work/wit.img" --kind MEM_COLD 2>/dev/null | grep -c 'flags=0x00 ')
if [ "$recs" = 4 ]; then
	pass "the 4 flash checkpoints witnessed (WK_MEM_COLD, seq and root)"
else
	fail "WK_MEM_COLD records ($recs)"
fi
finish
