#!/bin/sh
# The appliance's Linux partition (make image packs it into the initramfs as /test.sh):
# what it runs on and that its timer ticks; /init then leaves a shell on its console.
uname -sr
grep -E 'arch_timer' /proc/interrupts
