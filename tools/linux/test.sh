#!/bin/sh
# The Linux guest's test script under RVM (tools/linux/initramfs puts it at /test.sh):
# evidence that the timer ticks and a command's output comes back, then power off.
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
poweroff -f
