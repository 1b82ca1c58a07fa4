#!/bin/sh
# The Linux guest's test script under RVM (tools/linux/initramfs puts it at /test.sh):
# evidence that the timer ticks and a command's output comes back, one message to an agent
# and its answer over a CommEdge with busybox devmem alone, then power off.
# With rvm.shell on the kernel command line (test scenario linux_console) it does nothing:
# /init goes on to the shell, for a terminal the monitor's `console` attaches.
grep -qw rvm.shell /proc/cmdline && exit 0
# With rvm.count (test scenario linux_ckpt): count once a second, for ever, for a checkpoint
# and a restore to be seen from the numbers.
if grep -qw rvm.count /proc/cmdline; then
	i=0
	while :; do
		i=$((i + 1))
		echo "RVM-LINUX-COUNT $i"
		sleep 1
	done
fi
grep -E 'arch_timer|GIC' /proc/interrupts
sleep 1
grep -E 'arch_timer' /proc/interrupts
uname -r

# CommEdges without a driver (docs/ABI.md, "CommEdge doorbell registers"): RVM places the
# window from the partition's layout and says where in the device tree (a node compatible
# "rvm,commedge", reg = window, size, doorbell page, size, 64-bit big-endian cells): edge n's
# rings at window + n * 0x2000 (our page, then the peer's, or the other way: END says), its
# doorbell registers at doorbell + 0x100 + n * 0x10, outside Linux's RAM.
# be64 FILE SKIP: the 64-bit big-endian number at byte SKIP of FILE, in hex.
be64() {
	# shellcheck disable=SC2046 # word splitting wanted: one byte a word
	set -- $(od -An -tx1 -v -j "$2" -N 8 "$1")
	[ $# = 8 ] && echo "0x$1$2$3$4$5$6$7$8"
}
window="" db=""
for node in /proc/device-tree/*; do
	grep -qs rvm,commedge "$node/compatible" || continue
	window=$(be64 "$node/reg" 0) && db=$(be64 "$node/reg" 16)
done
if [ -z "$window" ] || [ -z "$db" ]; then # on bare QEMU (tools/linux/boot_time): no node
	echo "RVM-DEVMEM none (no rvm,commedge node)"
	poweroff -f
	exit 0
fi
r32() { devmem "$1" 32; }
hex() { printf '0x%x' "$1"; }
edges=$(r32 $db 2>/dev/null)
echo "RVM-DEVMEM window $window doorbell $db"
if [ $((${edges:-0} & 1)) = 0 ]; then
	echo "RVM-DEVMEM none (edges ${edges:-unreadable})"
	poweroff -f
	exit 0
fi
regs=$((db + 0x100))
end=$(r32 $(hex $((regs + 4))))
out=$((window + end * 0x1000))
in=$((window + (1 - end) * 0x1000))
value=0x2a5e1234
head=$(r32 $(hex $out))
slot=$((out + 64 + (head % 32) * 64))
devmem $(hex $((slot + 8))) 32 $value
devmem $(hex $((slot + 12))) 32 0
devmem $(hex $out) 32 $((head + 1))
devmem $(hex $regs) 32 1 # the doorbell
tries=0
while [ $(($(r32 $(hex $regs)))) = 0 ] && [ $tries -lt 30 ]; do
	sleep 1
	tries=$((tries + 1))
done
ack=$(r32 $(hex $((out + 4))))
reply=$(r32 $(hex $((in + 64 + (ack % 32) * 64 + 8))))
devmem $(hex $((out + 4))) 32 $((ack + 1))
echo "RVM-DEVMEM-REPLY $reply to $value (edges $edges, end $end, waited ${tries}s, left $(r32 $(hex $regs)))"
# Refused, witnessed, and the guest goes on: a byte read, a reserved word, an edge it is
# not an end of, a write to a read-only register.
echo "RVM-DEVMEM-REFUSED $(devmem $db 8) $(r32 $(hex $((regs + 0xc)))) $(r32 $(hex $((regs + 0x10)))) $(devmem $(hex $((regs + 4))) 32 5; echo ok)"
poweroff -f
