#!/bin/sh
# tests/qemu/seed.sh QEMU WITNESS_TOOL KEY ELF...: the `make test` tier for the Seed profile.
# For each Seed image (build/<toolchain>-seed/rvm.elf, rvm.bin beside it):
#   - the image from the link result (.text + .rodata + .data, each padded to its 4 KiB page)
#     within 64 KiB, and how much room each section has left in its last page;
#   - boots it in 5 MiB (MEM for PROFILE=seed; no -append: the Seed reads no command line,
#     and its `poweroff` is PSCI's SYSTEM_OFF, which ends QEMU with status 0), lets the sensor node run eight seconds (40 readings need four; the rest is margin for a loaded machine), and
#     checks its traffic: the aggregator's reports (every reading in order, no errors), the
#     CommEdge's message count (`edges`), both partitions running (`ps`);
#   - the RAM budget from RVM's own accounting (`mem`: "N bytes in use by RVM of its
#     1048576-byte budget (within)"), which is sizes, the same every run;
#   - `checkpoint`, `image`, `leases` and `console` (tiers, RVF boot, device leases and
#     console attach compiled out) and `mode` (the scheduling controls, `inspect`) are
#     refused, saying so, and witnessed as denied; `info` says RVF boot is not in this
#     profile; the views left out (`exits`, `witness tail`, `witness verify`) say so too;
#   - the witness log on the flash verifies with tools/witness and the key;
#   - its flashable file (<dir>/image/seed.img, make image) boots from flash bank 0 and the
#     sensor node runs.
# Prints "seed: P passed, F failed, S skipped" (tests/run adds the skips in).
set -u
qemu=$1 wtool=$2 key=$3
shift 3
work=build/test-logs/seed
rm -rf "$work" && mkdir -p "$work"
passed=0 failed=0 skipped=0
pass() { passed=$((passed + 1)); echo "  pass  $1"; }
skip() { skipped=$((skipped + 1)); echo "  skip  $1"; }
fail() { failed=$((failed + 1)); echo "  FAIL  $1"; [ -n "${2:-}" ] && echo "        $2"; }
printf 'sleep 8000\rps\redges\rmem\rcheckpoint 1\rimage\rleases\rconsole 1\rmode 1 flow\rinfo\rexits 1\rwitness tail\rwitness verify\rwitness stats\rpoweroff\r' \
	>"$work/session.in"
size_tool=$(command -v aarch64-linux-gnu-size || command -v llvm-size)
BUDGET_IMAGE=65536
BUDGET_RAM=1048576

[ $# -gt 0 ] || fail "no Seed image given (the Makefile's SEED_ELFS)"
for elf in "$@"; do
	tc=$(basename "$(dirname "$elf")")
	sections=$("$size_tool" -A "$elf")
	sz() { echo "$sections" | awk -v s="$1" '$1 == s { print $2 }'; }
	text=$(sz .text) rodata=$(sz .rodata) data=$(sz .data)
	image=$((text + rodata + ${data:-0}))
	echo "    $tc: image $image bytes (.text $text, .rodata $rodata, .data ${data:-0}; budget $BUDGET_IMAGE)"
	if [ "$image" -le "$BUDGET_IMAGE" ]; then
		pass "$tc: Seed image $image bytes, within the 64 KiB budget"
	else
		fail "$tc: Seed image $image bytes, over the $BUDGET_IMAGE-byte budget by $((image - BUDGET_IMAGE))" \
			"docs/ARCHITECTURE.md, \"Profiles\", says what was taken off to fit"
	fi
	# Room left: each section's padding after its last symbol (size -A's third column is the
	# address), what the next addition can take before the section needs another page.
	nm_tool=$(command -v aarch64-linux-gnu-nm || command -v llvm-nm)
	for sec in .text .rodata; do
		room=$("$nm_tool" -S -t d "$elf" | awk -v lo="$(echo "$sections" | awk -v s=$sec '$1 == s { print $3 }')" \
			-v size="$(sz $sec)" '
			NF == 4 && $1 + 0 >= lo + 0 && $1 + 0 < lo + size { e = $1 + $2 - lo; if (e > end) end = e }
			END { print size - end }')
		echo "    $tc: $sec has $room bytes left in its last page"
	done

	log=$work/$tc.log flash=$work/$tc-witness.img
	truncate -s 64M "$flash"
	timeout 60 "$(dirname "$0")/nudged" "$qemu" -M virt,virtualization=on,gic-version=3 -cpu cortex-a72 -m 5M -smp 1 \
		-nic none -display none -monitor none -serial stdio \
		-device loader,file="$key",addr=0x401ff000,force-raw=on \
		-drive if=pflash,format=raw,unit=1,file="$flash" -kernel "${elf%.elf}.bin" \
		<"$work/session.in" >"$log" 2>&1
	rc=$?
	tr -d '\r' <"$log" >"$log.txt"
	if [ $rc -eq 0 ] && grep -q 'powering off' "$log.txt" && ! grep -q PANIC "$log.txt"; then
		pass "$tc: boots in 5 MiB and powers off cleanly"
	else
		fail "$tc: boots in 5 MiB and powers off cleanly (exit $rc)" "see $log"
	fi
	last=$(grep -a 'aggregator: [0-9]* readings in order' "$log.txt" | tail -n 1)
	n=$(echo "$last" | sed -n 's/.*aggregator: \([0-9]*\) readings in order, \([0-9]*\) errors.*/\1/p')
	errs=$(echo "$last" | sed -n 's/.*readings in order, \([0-9]*\) errors.*/\1/p')
	if [ "${n:-0}" -ge 40 ] && [ "${errs:-1}" -eq 0 ] && grep -q 'sensor: [0-9]* readings sent' "$log.txt"; then
		pass "$tc: the aggregator got ${n} readings from the sensor in order, none damaged"
	else
		fail "$tc: the aggregator gets the sensor's readings in order (last: '$last')" "see $log"
	fi
	msgs=$(awk '$1 == "0" && $2 == "1" && $3 == "->" && $4 == "2" { print $5 }' "$log.txt" | tail -n 1)
	running=$(grep -Ec '^[12] +(sensor|aggregator) +running' "$log.txt")
	if [ "${msgs:-0}" -ge "${n:-1}" ] && [ "$running" -eq 2 ]; then
		pass "$tc: RVM counted ${msgs} messages on the CommEdge; both partitions running"
	else
		fail "$tc: CommEdge traffic and partitions (messages '${msgs:-}', running $running)" "see $log"
	fi
	line=$(grep -a 'bytes in use by RVM' "$log.txt" | tail -n 1)
	ram=$(echo "$line" | sed -n 's/^rvm: \([0-9]*\) bytes in use by RVM.*/\1/p')
	echo "    $tc: $line"
	if [ -n "$ram" ] && [ "$ram" -le "$BUDGET_RAM" ] && echo "$line" | grep -q '(within)'; then
		pass "$tc: RVM uses $ram bytes of RAM, within 1 MiB (its own accounting)"
	else
		fail "$tc: RVM's RAM within 1 MiB (got '${line}')" "see $log"
	fi
	if grep -q '^checkpoint: not in this profile' "$log.txt" &&
		grep -q '^image: not in this profile' "$log.txt" &&
		grep -q '^leases: not in this profile' "$log.txt" &&
		grep -q '^console: not in this profile' "$log.txt" &&
		grep -q '^mode: not in this profile' "$log.txt" &&
		grep -q '^exits: not in this profile' "$log.txt" &&
		grep -q '^witness tail: not in this profile' "$log.txt" &&
		grep -q '^witness verify: not in this profile' "$log.txt" &&
		grep -q '^rvf image: not in this profile' "$log.txt"; then
		pass "$tc: commands of features compiled out (checkpoint, image, leases, console, mode, exits, witness tail, witness verify) are refused: not in this profile"
	else
		fail "$tc: 'checkpoint', 'image', 'leases', 'console', 'mode', 'exits', 'witness tail' and 'witness verify' refused, 'info' says no RVF boot in this profile" "see $log"
	fi
	denied=0
	for kind in WK_MEM_CHECKPOINT WK_BOOT_RVF WK_DEV_LEASE WK_DEV_CONSOLE WK_SCHED_MODE; do
		"$wtool" show "$flash" --kind $kind 2>/dev/null | grep -q 'flags=0x01(denied) actor=0 ' &&
			denied=$((denied + 1))
	done
	if [ "$denied" -eq 5 ]; then
		pass "$tc: the five refusals are witnessed, flagged denied (WK_MEM_CHECKPOINT, WK_BOOT_RVF, WK_DEV_LEASE, WK_DEV_CONSOLE, WK_SCHED_MODE)"
	else
		fail "$tc: the refusals of checkpoint, image, leases, console and mode are witnessed as denied ($denied of 5)" "see $flash"
	fi
	out=$("$wtool" verify "$flash" --key-file "$key" 2>&1)
	if [ $? -eq 0 ]; then
		pass "$tc: the witness log on flash verifies with tools/witness and the key"
	else
		fail "$tc: the witness log on flash verifies" "$(echo "$out" | tail -n 2)"
	fi

	# The flashable file (make image PROFILE=seed: RVM at 0, the flash header, no RVF slot)
	# booted as a board boots its flash: bank 0, no -kernel, the CPU starting at its first
	# byte (head.S copies RVM to RAM); the sensor node runs from it.
	img=$(dirname "$elf")/image/seed.img flog=$work/$tc-flash.log fstore=$work/$tc-flash-witness.img
	rm -f "$fstore" && truncate -s 64M "$fstore"
	printf 'sleep 3000\rpoweroff\r' >"$work/flash.in"
	timeout 60 "$(dirname "$0")/nudged" "$qemu" -M virt,virtualization=on,gic-version=3 -cpu cortex-a72 -m 5M -smp 1 \
		-nic none -display none -monitor none -serial stdio \
		-device loader,file="$key",addr=0x401ff000,force-raw=on \
		-drive if=pflash,format=raw,unit=0,file="$img",readonly=on \
		-drive if=pflash,format=raw,unit=1,file="$fstore" <"$work/flash.in" 2>&1 | tr -d '\r' >"$flog"
	if [ -f "$img" ] && grep -q 'aggregator: 20 readings in order, 0 errors' "$flog" &&
		grep -q 'powering off' "$flog" && ! grep -q PANIC "$flog"; then
		pass "$tc: its flash image (make image) boots from flash bank 0 and the sensor node runs"
	else
		fail "$tc: its flash image (make image) boots from flash bank 0 and the sensor node runs" "see $flog"
	fi
done
echo "seed: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
