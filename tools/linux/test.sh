#!/bin/sh
# The Linux guest's test script under RVM (tools/linux/initramfs puts it at /test.sh):
# evidence that the timer ticks and a command's output comes back, then power off.
grep -E 'arch_timer|GIC' /proc/interrupts
sleep 1
grep -E 'arch_timer' /proc/interrupts
uname -r
poweroff -f
