# RVM: one non-recursive Makefile. Everything is built out of tree under build/.
#
#   make run      build build/<profile>.img and boot it from QEMU's flash (monitor on the UART);
#                 the Seed (no RVF boot) boots its rvm.bin, partitions linked in, with -kernel
#   make run-kernel  boot rvm.bin alone with -kernel (appliance: no image, so no partitions)
#   make test     host unit tests, QEMU integration tests, WebAssembly spec tests
#   make check    cheap gates: assembly budget, clang-format, both toolchains, no
#                 sysreg/MMIO outside arch/ and hal/
#   make bench    benchmarks, printed as BENCH lines and saved to build/bench.txt
#   make fuzz     the libFuzzer targets: the fast ones to 10^7 executions each, the slow ones
#                 for a minute each (about 30 minutes; FUZZ_RUNS=, FUZZ_SECONDS=)
#   make tools    host tools (build/tools/witness, build/tools/mincut, build/tools/rvm-wasm,
#                 build/tools/rvf)
#   make image    build/<profile>.img: RVM and its signed RVF image (PROFILE=, RVF_KEY=); not
#                 for a profile without RVF boot (the Seed)
#   make debug    QEMU halted with a gdb stub
#   make clean
#
# Variables: PROFILE=appliance|seed  TOOLCHAIN=gnu|llvm  SMP=N  MEM=1G (Seed 5M)  WITNESS_IMG=path

PROFILE     ?= appliance
TOOLCHAIN   ?= gnu
SMP         ?= 1
# The Seed boots in the least RAM QEMU virt gives it room in: RVM is loaded at RAM + 2 MiB
# and QEMU puts the DTB at the next 2 MiB boundary after it, so 5 MiB (docs/boards.md).
MEM         ?= $(if $(filter seed,$(PROFILE)),5M,1G)
WITNESS_IMG ?= build/witness.img
QEMU        ?= qemu-system-aarch64
V           ?= 0

ifeq ($(filter $(PROFILE),appliance seed),)
$(error PROFILE must be appliance or seed, not '$(PROFILE)')
endif
ifeq ($(filter $(TOOLCHAIN),gnu llvm),)
$(error TOOLCHAIN must be gnu or llvm, not '$(TOOLCHAIN)')
endif

Q := $(if $(filter 1,$(V)),,@)
# The key RVF images are signed with (make image); RVM is built to trust KEY.pub
# (boot/rvf_boot.c). The development key is generated into build/ on first use.
RVF_DEV_KEY := build/rvf-dev.key
RVF_KEY ?= $(RVF_DEV_KEY)
TP := build/third_party
SETUP_STAMP := build/.setup.mk

.DEFAULT_GOAL := all

# Before anything else, tools/setup installs what is missing (quietly when nothing is).
# It is an included makefile so make runs it first and then restarts, seeing the tools.
ifeq ($(filter clean distclean,$(MAKECMDGOALS)),)
-include $(SETUP_STAMP)
endif
$(SETUP_STAMP): tools/setup
	@tools/setup
	@mkdir -p build && echo "# tools/setup ran" > $@

# ---------------------------------------------------------------------------
# toolchains
ifeq ($(TOOLCHAIN),gnu)
KCC      := aarch64-linux-gnu-gcc
KLD      := aarch64-linux-gnu-ld
KAR      := aarch64-linux-gnu-ar
KOBJCOPY := aarch64-linux-gnu-objcopy
KCC_ARCH := -march=armv8-a -mno-outline-atomics
else
KCC      := clang --target=aarch64-none-elf
KLD      := ld.lld
KAR      := llvm-ar
KOBJCOPY := llvm-objcopy
KCC_ARCH := -march=armv8-a
endif
HOSTCC := cc

# ---------------------------------------------------------------------------
# modules: the policy and partition modules the kernel links (each listed once it is
# wired into the boot phases); coherence/ and wasm/ are optional and left out of seed.
CORE_MODULES := cap proof witness partition sched
OPTIONAL_MODULES := wasm coherence
MODULES := $(CORE_MODULES) $(if $(filter appliance,$(PROFILE)),$(OPTIONAL_MODULES),)
# Optional features inside the core (docs/ARCHITECTURE.md, "Profiles"), each compiled out
# of the Seed with its sources; what is left answers "not in this profile", witnessed:
#   tiers  checkpoints, restore, scrub, dormant pages (partition/checkpoint.c, memory/tier.c,
#          lz4)
#   linux  what Linux guests need beyond the guest SDK's: the guest DTB (libfdt's writer)
#          and the GICv3 distributor/redistributor emulation (partition/vgic.c)
#   rvf    the signed RVF image verified at boot (boot/rvf*.c, mbedTLS ECDSA P-256)
#   leases device leases: a board device lent to a partition for a time (kernel/leases.c,
#          partition/lease.c); the Seed's partitions own no device
#   attach the monitor's `console`, the terminal attached to a partition's PL011 (guarded
#          in kernel/console_cmd.c); the Seed's guests' output still reaches the console
#   share  zero-copy memory regions between partitions (the mem_* calls, refused without it:
#          kernel/mem_calls.c); the Seed's partitions talk over their CommEdge only
#   dtb    the board read from the DTB at boot (hal/board.c, libfdt's reader); without it the
#          board is compiled in (hal/board_fixed.c: $(OUT)/gen/board_fixed.h, below)
#   lookback F4's look back at boot (witness/escalate.c): how the boots before ended, and
#          safe mode after failed boots in a row; without it the failures are in the log only
OPTIONAL_FEATURES := tiers linux rvf leases attach share inspect dtb lookback
FEATURES := $(if $(filter appliance,$(PROFILE)),$(OPTIONAL_FEATURES),)
MODULE_DEFS := $(foreach m,$(MODULES) $(FEATURES),-DRVM_HAVE_$(shell echo $(m) | tr a-z A-Z)=1) \
	-DRVM_PROFILE_$(shell echo $(PROFILE) | tr a-z A-Z)=1
FEATURE_SRCS_tiers := memory/tier.c memory/tier_idle.c memory/cold.c partition/checkpoint.c \
	partition/tiers.c partition/tiers_cold.c kernel/tier_cmds.c kernel/tier_idle.c kernel/cold_cmds.c \
	kernel/ckpt_cmds.c
FEATURE_SRCS_linux := partition/vgic.c partition/guest_dtb.c
FEATURE_SRCS_rvf   := $(wildcard boot/rvf*.c)
FEATURE_SRCS_leases := kernel/leases.c partition/lease.c
FEATURE_SRCS_attach :=
FEATURE_SRCS_share :=
FEATURE_SRCS_inspect := kernel/exits_cmd.c
FEATURE_SRCS_dtb := hal/board.c
FEATURE_SRCS_lookback := witness/escalate.c
FEATURE_OUT_SRCS := $(foreach f,$(filter-out $(FEATURES),$(OPTIONAL_FEATURES)),$(FEATURE_SRCS_$(f)))
# The Seed is built for size (its 64 KiB image budget); the appliance for speed.
# clang's -Oz (calls outlined, less inlining) takes 11 KiB more off the Seed than its -Os;
# gcc 12's -Oz is its -Os here. Without frame pointers (nothing in RVM walks them): ~1 KiB
# less; and in the tiny code model (the image, .bss included, within 1 MiB: a global's
# address is one ADR, a load from it one literal LDR, instead of ADRP and a second
# instruction): 1 KiB less with gcc, 3.4 KiB with clang. gcc without shrink-wrapping (each
# function's register saves once at its entry, not moved, and copied, onto the paths that
# need them): 0.7 KiB less; clang's -Oz gains nothing from it. gcc without moving loop
# invariants out of loops (into registers saved around the loop) and without its "expensive"
# passes (CSE and value numbering that trade size for speed): 340 bytes less.
KOPT_SEED_GNU := -Os -fno-shrink-wrap -fno-move-loop-invariants -fno-expensive-optimizations
KOPT := $(if $(filter seed,$(PROFILE)),$(if $(filter llvm,$(TOOLCHAIN)),-Oz,$(KOPT_SEED_GNU)) -fomit-frame-pointer -mcmodel=tiny,-O2)
# Both with link-time optimisation (gcc's LTO plugin through the gcc driver and gcc-ar;
# clang's bitcode, which ld.lld links itself): the Seed for its size, the appliance for the
# world switch, where the yield's path is inlined into the trap's across kernel/trap.c,
# kernel/run.c and sched/ (make bench, vcpu_switch: 445 -> 424 instructions with gcc, 446 ->
# 428 with clang). Code built without FP/SIMD stays without it (each function keeps the
# options it was compiled with; `make check` scans the image: tools/check). KLINK links
# rvm.elf, with the map $(1) and the linker script $(2).
KLTO := -flto
ifneq ($(KLTO),)
ifeq ($(TOOLCHAIN),gnu)
KAR := aarch64-linux-gnu-gcc-ar
KLINK = $(KCC) $(KCC_ARCH) $(KOPT) $(KCFLAGS_NOFP) -mstrict-align -fno-pie -no-pie $(KLTO) \
	-flto-partition=one -nostdlib -static -Wl,--gc-sections,--build-id=none -T $(2) -Wl,-Map,$(1)
endif
endif
# ld.lld links the LLVM Seed's bitcode with identical code folding (functions whose code
# came out the same, and whose address nothing compares, kept once: 260 bytes less) and
# -O2 (a string that ends another is merged into it: 104 bytes of .rodata less); its LTO
# inlines only what costs no code (-inline-threshold=0: -Oz's threshold is kept at link
# time, where inlining across files still grew the Seed) and runs the machine outliner
# twice (repeated sequences in what it outlined the first time): 260 bytes less.
KLINK_SEED_LLVM := --icf=safe -O2 -mllvm -inline-threshold=0 -mllvm -machine-outliner-reruns=2
KLINK_SEED := $(if $(filter seed,$(PROFILE)),$(if $(filter llvm,$(TOOLCHAIN)),$(KLINK_SEED_LLVM),),)
KLINK ?= $(KLD) -T $(2) --gc-sections -nostdlib -static -Map $(1) $(KLINK_SEED)
# Not kernel/libc: the compiler emits calls to memcpy/memset after LTO has resolved symbols.
KLTO_FOR = $(if $(filter kernel/libc/% $(SIMD_SRCS),$(1)),,$(KLTO))

KERNEL_DIRS := arch/aarch64 hal kernel kernel/libc boot memory configs/$(PROFILE) $(MODULES)
KERNEL_SRCS := $(filter-out arch/aarch64/asm_offsets.c,$(foreach d,$(KERNEL_DIRS),$(wildcard $(d)/*.c)))
KERNEL_ASM  := $(wildcard arch/aarch64/*.S)
# Kernel files not yet wired in.
KERNEL_PENDING :=
# Files of a module that only the host tools use.
KERNEL_SRCS := $(filter-out %_host.c $(KERNEL_PENDING) $(FEATURE_OUT_SRCS),$(KERNEL_SRCS))
# The agent runtime exists only where the interpreter is built in.
KERNEL_SRCS := $(if $(filter wasm,$(MODULES)),$(KERNEL_SRCS),$(filter-out kernel/agents.c kernel/agent_edges.c,$(KERNEL_SRCS)))

LIBFDT_SRCS := $(addprefix $(TP)/libfdt/,fdt.c fdt_ro.c fdt_rw.c fdt_sw.c fdt_wip.c \
                 fdt_addresses.c fdt_strerror.c fdt_empty_tree.c)
MBEDTLS_SRCS := $(addprefix $(TP)/mbedtls/library/,sha256.c md.c platform.c platform_util.c \
                 memory_buffer_alloc.c constant_time.c bignum.c ecp.c ecp_curves.c ecdsa.c \
                 asn1parse.c asn1write.c)
MBEDTLS_CFG := -I$(TP)/mbedtls/include '-DMBEDTLS_CONFIG_FILE="witness/mbedtls_config.h"'
# The Seed's SHA-256 in RVM is mbedTLS's rolled loop: 1.6 KiB less code, slower hashing.
KTP_CFLAGS := $(if $(filter seed,$(PROFILE)),-DMBEDTLS_SHA256_SMALLER)
# lz4 (memory/tier.c's dormant pages): its block format only, freestanding (no heap, no libc).
LZ4_SRCS := $(TP)/lz4/lz4.c
LZ4_CFG := -I$(TP)/lz4 -DLZ4_FREESTANDING=1 -DLZ4_memcpy=__builtin_memcpy \
	-DLZ4_memset=__builtin_memset -DLZ4_memmove=__builtin_memmove

KCC_INC := $(shell $(KCC) -print-file-name=include 2>/dev/null)
KCFLAGS_BASE := -std=c11 -ffreestanding -nostdinc -isystem $(KCC_INC) -Ikernel/libc/include \
	-I. -I$(TP)/libfdt $(MBEDTLS_CFG) $(LZ4_CFG) $(KCC_ARCH) $(KOPT) -g -fno-pie -fno-pic \
	-fno-stack-protector -fno-common -ffunction-sections -fdata-sections -mstrict-align -fno-math-errno \
	-DRVM_KERNEL -DRVM_PROFILE='"$(PROFILE)"' $(MODULE_DEFS) -MMD -MP
# (mbedTLS's one heap arena, witness/crypto.c, is sized by configs/<profile>/limits.h.)
KWARN := -Wall -Wextra -Werror
# The WASM interpreter needs FP/SIMD; all other kernel code is kept off those registers
# so that guest FP state can be switched lazily (the agents' lifecycle, wasm/agent*.c, too:
# the monitor and doorbells call it with a guest's FP state live).
KCFLAGS_NOFP := -mgeneral-regs-only
WASM_FP = $(filter-out wasm/agent%,$(filter wasm/%,$(1)))
# ... and the SHA-256 compression on the CPU's SHA-256 instructions (ACLE intrinsics, with
# +crypto), which arch/aarch64/sha256.c calls with the FP/SIMD registers saved or trapped.
# Not link-time optimised: its code must stay in its own function, behind that guard. Its
# unaligned vector loads are allowed (-mno-strict-align): it only runs with the MMU on.
SIMD_SRCS := arch/aarch64/sha256_ce.c
KCC_SIMD := -march=armv8-a+crypto $(if $(filter gnu,$(TOOLCHAIN)),-mno-strict-align,-munaligned-access)
KERNEL_FP = $(or $(call WASM_FP,$(1)),$(filter $(SIMD_SRCS),$(1)))
# The interpreter loop (wasm/exec.c) built by clang: its register coalescer gives up on a live
# range of more than 100 segments (a compile-time guard), and every value of the loop (pc, sp,
# fp, fuel, ...) has one per handler, ~700; clang then copied them from register to register at
# the start of most handlers (CoreMark 3.41 M -> 3.10 M x86 instructions per iteration with
# this; docs/PERFORMANCE.md). GCC needs nothing.
WASM_EXEC_LLVM := -mllvm -large-interval-size-threshold=100000

# ---------------------------------------------------------------------------
# Guests: small EL1 programs, one .c each in a guests/ folder, built with the kernel's
# toolchain, linked at the partition RAM base (arch/aarch64/guest/guest.ld) and flattened:
# make image packs them as KERNEL_SEGs; the test images and the Seed embed them as C arrays
# (build/<cfg>/guests/<name>_blob.c) in their own section, which linker.ld puts in pages of
# its own after RVM's .rodata: read-only, measured with the image, not counted in RVM's.
GUEST_LIB := kernel/fmt.c kernel/libc/string.c
GUEST_CFLAGS = -std=c11 -ffreestanding -nostdinc -isystem $(KCC_INC) -Ikernel/libc/include -I. \
	$(KCC_ARCH) $(KOPT) -fno-pie -fno-pic -fno-stack-protector -mstrict-align \
	-ffunction-sections -Wall -Wextra -Werror -DRVM_GUEST
# The Seed's guests keep their own code in one .text, which the linker puts before the 2 KiB-
# aligned vector table (.text.vectors), in the gap below it instead of after it: the sensor
# takes 4.2 KiB instead of 4.6.
GUEST_OWN_CFLAGS := $(if $(filter seed,$(PROFILE)),-fno-function-sections)

# guest_rules OUTDIR SRCDIR
define guest_rules
$(1)/guests/%.elf: $(2)/%.c $$(GUEST_LIB) arch/aarch64/guest/guest.ld arch/aarch64/guest/rvm_guest.h $(SETUP_STAMP)
	@mkdir -p $$(dir $$@)
	@$$(if $$(filter 1,$$(V)),,echo "  GUEST   $$<")
	$$(Q)$$(KCC) $$(GUEST_CFLAGS) $$(GUEST_OWN_CFLAGS) -c $$< -o $$@.$$(basename $$(notdir $$<)).o
	$$(Q)for f in $$(GUEST_LIB); do \
		$$(KCC) $$(GUEST_CFLAGS) -c $$$$f -o $$@.$$$$(basename $$$$f .c).o || exit 1; done
	$$(Q)$$(KLD) -T arch/aarch64/guest/guest.ld -z max-page-size=4096 --gc-sections -nostdlib -static \
		-o $$@ $$@.*.o
endef

# WebAssembly agents: one file each in configs/<profile>/agents/, C compiled to wasm32 (MVP)
# by clang, or WebAssembly text assembled by wat2wasm; make image packs them as WASM_SEGs (the
# test images embed them as agent_<name>).
AGENT_CFLAGS := --target=wasm32 -mcpu=mvp -O2 -nostdlib -I. -Wall -Wextra -Werror \
	-Wl,--no-entry -Wl,--allow-undefined -Wl,--export=run
AGENT_DIR := configs/$(PROFILE)/agents

# kernel image: $(1) = output dir, $(2) = extra sources, $(3) = extra flags, $(4) = guest dirs,
# $(5) = "linked": the profile's partition table and its guests' and agents' images are linked
# into RVM (the test images, with -DRVM_LINKED_PROFILE). Otherwise (the appliance's rvm.bin,
# the release) they are only built, for make image: RVM starts partitions and agents from its
# RVF image alone. A profile without the rvf feature (the Seed) has no image to start them
# from, so its release rvm.bin is linked too (RELEASE_LINKED below; docs/boards.md).
# $(eval $(call remember,FILE,VAR)): FILE holds VAR's value (stripped of outer blanks),
# rewritten (as the Makefile is read) only when it differs, so that what depends on FILE is
# remade when VAR changes and only then (make sees files, not the options or settings they
# were made with).
define remember
ifneq ($$(strip $$(file <$(1))),$$(strip $$($(2))))
$$(shell mkdir -p $$(dir $(1)))
$$(file >$(1),$$(strip $$($(2))))
endif
endef

define kernel_image
$(1)_GUESTS := $$(foreach d,$(4),$$(patsubst $$(d)/%.c,%,$$(wildcard $$(d)/*.c)))
$(1)_AGENTS := $$(if $$(filter wasm,$$(MODULES)),$$(basename $$(notdir $$(wildcard $$(AGENT_DIR)/*.c $$(AGENT_DIR)/*.wat))),)
$(1)_OBJS := $$(patsubst %.c,$(1)/%.o,$$(filter-out $$(if $(5),,configs/$$(PROFILE)/partitions.c),$$(KERNEL_SRCS)) $(2)) \
	$$(patsubst %.S,$(1)/%.o,$$(KERNEL_ASM)) $(1)/rvf_key.o \
	$$(if $(5),$$(patsubst %,$(1)/guests/%_blob.o,$$($(1)_GUESTS)) $$(patsubst %,$(1)/agents/%_blob.o,$$($(1)_AGENTS)))

# The options this build's objects and link are made with, in $(1)/flags (remember): the
# objects and the link depend on it, so that changed options (the profile's KOPT or KLTO,
# the Seed's link flags, the features) rebuild what they shaped instead of linking objects
# compiled the old way.
$(1)_FLAGS := $$(KCC) $$(KCFLAGS_BASE) $$(KLTO) $$(KTP_CFLAGS) $$(KWARN) $$(KCFLAGS_NOFP) \
	$$(KCC_SIMD) $$(WASM_EXEC_LLVM) $(3) $$(KLD) $$(KLINK_SEED)
$$(eval $$(call remember,$(1)/flags,$(1)_FLAGS))

# The public key RVM trusts for the RVF image in its boot flash (boot/rvf_boot.c).
$(1)/rvf_key.c: $(RVF_KEY)
	@mkdir -p $$(dir $$@)
	$$(Q)test -f $(RVF_KEY).pub || { echo "no $(RVF_KEY).pub (rvf keygen writes KEY and KEY.pub)"; exit 1; }
	$$(Q){ echo '/* generated from $(RVF_KEY).pub: do not edit */'; echo '#include <stdint.h>'; \
	  echo 'const uint8_t rvf_trusted_key[65] = {'; \
	  od -An -v -tx1 $(RVF_KEY).pub | sed 's/ \([0-9a-f][0-9a-f]\)/0x\1,/g'; echo '};'; } > $$@.tmp
	$$(Q)if cmp -s $$@.tmp $$@; then rm $$@.tmp; else mv $$@.tmp $$@; fi
$(1)/rvf_key.o: $(1)/rvf_key.c
	$$(Q)$$(KCC) $$(KCFLAGS_BASE) $$(KCFLAGS_NOFP) -c $$< -o $$@

$(1)/agents/%.wasm: $$(AGENT_DIR)/%.c arch/aarch64/guest/agent_io.h $(SETUP_STAMP)
	@mkdir -p $$(dir $$@)
	@$$(if $$(filter 1,$$(V)),,echo "  AGENT   $$<")
	$$(Q)clang $$(AGENT_CFLAGS) -o $$@ $$<

$(1)/agents/%.wasm: $$(AGENT_DIR)/%.wat $(SETUP_STAMP)
	@mkdir -p $$(dir $$@)
	@$$(if $$(filter 1,$$(V)),,echo "  WAT     $$<")
	$$(Q)wat2wasm -o $$@ $$<

$(1)/agents/%_blob.c: $(1)/agents/%.wasm
	$$(Q){ echo '/* generated from $$<: do not edit */'; echo '#include <stddef.h>'; \
	  echo '#include <stdint.h>'; \
	  echo 'const uint8_t agent_$$*[] __attribute__((aligned(16))) = {'; \
	  od -An -v -tx1 $$< | sed 's/ \([0-9a-f][0-9a-f]\)/0x\1,/g'; echo '};'; \
	  echo 'const size_t agent_$$*_size = sizeof(agent_$$*);'; } > $$@

$(1)/agents/%_blob.o: $(1)/agents/%_blob.c $(1)/flags
	$$(Q)$$(KCC) $$(KCFLAGS_BASE) $$(KCFLAGS_NOFP) -c $$< -o $$@
$$(foreach d,$(4),$$(eval $$(call guest_rules,$(1),$$(d))))

$(1)/guests/%.bin: $(1)/guests/%.elf
	$$(Q)$$(KOBJCOPY) -O binary $$< $$@

$(1)/guests/%_blob.c: $(1)/guests/%.bin
	$$(Q){ echo '/* generated from $$<: do not edit */'; echo '#include <stddef.h>'; \
	  echo '#include <stdint.h>'; \
	  echo 'const uint8_t guest_$$*[] __attribute__((aligned(16), section("rvm_guests"))) = {'; \
	  od -An -v -tx1 $$< | sed 's/ \([0-9a-f][0-9a-f]\)/0x\1,/g'; echo '};'; \
	  echo 'const size_t guest_$$*_size = sizeof(guest_$$*);'; } > $$@

$(1)/guests/%_blob.o: $(1)/guests/%_blob.c $(1)/flags
	$$(Q)$$(KCC) $$(KCFLAGS_BASE) $$(KCFLAGS_NOFP) -c $$< -o $$@
$(1)_TP   := $(1)/third_party/libfdt.a $(1)/third_party/libmbedcrypto.a $(1)/third_party/liblz4.a

$(1)/%.o: %.c $(SETUP_STAMP) $(1)/flags
	@mkdir -p $$(dir $$@)
	@$$(if $$(filter 1,$$(V)),,echo "  CC      $$<")
	$$(Q)$$(KCC) $$(KCFLAGS_BASE) $$(call KLTO_FOR,$$<) $(3) $$(KWARN) $$(if $$(call KERNEL_FP,$$<),,$$(KCFLAGS_NOFP)) \
		$$(if $$(filter $$(SIMD_SRCS),$$<),$$(KCC_SIMD)) $$(if $$(filter hal/board_fixed.c,$$<),-I$(1)/gen) \
		$$(if $$(filter llvm,$$(TOOLCHAIN)),$$(if $$(filter wasm/exec.c,$$<),$$(WASM_EXEC_LLVM))) -c $$< -o $$@

$(1)/%.o: %.S $(1)/gen/asm_offsets.h $(1)/flags
	@mkdir -p $$(dir $$@)
	@$$(if $$(filter 1,$$(V)),,echo "  AS      $$<")
	$$(Q)$$(KCC) $$(KCFLAGS_BASE) $(3) -I$(1)/gen -D__ASSEMBLY__ -c $$< -o $$@

$(1)/gen/asm_offsets.h: arch/aarch64/asm_offsets.c arch/aarch64/arch.h $(SETUP_STAMP) $(1)/flags
	@mkdir -p $$(dir $$@)
	$$(Q)$$(KCC) $$(KCFLAGS_BASE) $(3) $$(KCFLAGS_NOFP) -S $$< -o $$@.s
	$$(Q)sed -n 's/.*"->\([A-Z0-9_]*\) [#$$$$]\{0,1\}\([0-9]*\).*/#define \1 \2/p' $$@.s > $$@.tmp
	$$(Q)mv $$@.tmp $$@

$(1)/third_party/%.o: $(TP)/%.c $(SETUP_STAMP) witness/mbedtls_config.h $(1)/flags
	@mkdir -p $$(dir $$@)
	$$(Q)$$(KCC) $$(KCFLAGS_BASE) $$(KLTO) $$(KTP_CFLAGS) $$(KCFLAGS_NOFP) -w -c $$< -o $$@

$(1)/third_party/libfdt.a: $$(patsubst $(TP)/%.c,$(1)/third_party/%.o,$$(LIBFDT_SRCS))
	$$(Q)rm -f $$@ && $$(KAR) rcs $$@ $$^

# mbedTLS's SHA-256 compression alone, the fallback witness/crypto.c calls: sha256.c again
# without MBEDTLS_SHA256_PROCESS_ALT, every symbol but that function made local, and it
# renamed (not link-time optimised, so objcopy sees real symbols); clang's address-significance
# table goes (objcopy's edits make it stale: ld.lld's --icf=safe then folds nothing of this
# object, as it would with the table, but warns).
$(1)/third_party/sha256_portable.o: $(TP)/mbedtls/library/sha256.c $(SETUP_STAMP) witness/mbedtls_config.h \
		$(1)/flags
	@mkdir -p $$(dir $$@)
	$$(Q)$$(KCC) $$(KCFLAGS_BASE) $$(KTP_CFLAGS) $$(KCFLAGS_NOFP) -DRVM_SHA256_PORTABLE -w -c $$< -o $$@.tmp.o
	$$(Q)$$(KOBJCOPY) --keep-global-symbol=mbedtls_internal_sha256_process $$@.tmp.o $$@.tmp2.o
	$$(Q)$$(KOBJCOPY) --redefine-sym mbedtls_internal_sha256_process=witness_sha256_portable_block \
		--remove-section=.llvm_addrsig $$@.tmp2.o $$@
	$$(Q)rm -f $$@.tmp.o $$@.tmp2.o

$(1)/third_party/libmbedcrypto.a: $$(patsubst $(TP)/%.c,$(1)/third_party/%.o,$$(MBEDTLS_SRCS)) \
		$(1)/third_party/sha256_portable.o
	$$(Q)rm -f $$@ && $$(KAR) rcs $$@ $$^

$(1)/third_party/liblz4.a: $$(patsubst $(TP)/%.c,$(1)/third_party/%.o,$$(LZ4_SRCS))
	$$(Q)rm -f $$@ && $$(KAR) rcs $$@ $$^

$(1)/rvm.elf: $$($(1)_OBJS) $$($(1)_TP) linker.ld $(1)/flags
	@$$(if $$(filter 1,$$(V)),,echo "  LD      $$@")
	$$(Q)$$(call KLINK,$$(@:.elf=.map),linker.ld) -o $$@ $$($(1)_OBJS) $$($(1)_TP)

$(1)/rvm.bin: $(1)/rvm.elf
	$$(Q)$$(KOBJCOPY) -O binary $$< $$@
	@echo "  IMAGE   $$@ ($$$$(wc -c < $$@) bytes)"

-include $$($(1)_OBJS:.o=.d)
endef

OUT      := build/$(TOOLCHAIN)-$(PROFILE)
OUT_TEST := build/$(TOOLCHAIN)-$(PROFILE)-ktest
# The test image again, measuring how long run_lock is held (kernel/lockstat.c).
OUT_LOCK := build/$(TOOLCHAIN)-$(PROFILE)-lockstat
# make image's RVF and flash file (set before `run` names it: a rule's prerequisites are
# expanded as it is read).
IMG_DIR  := $(OUT)/image
KTEST_SRCS := $(wildcard tests/qemu/*.c)

# The release rvm.bin links its partitions only where there is no RVF boot (the Seed).
RELEASE_LINKED := $(if $(filter rvf,$(FEATURES)),,linked)
$(eval $(call kernel_image,$(OUT),,$(if $(RELEASE_LINKED),-DRVM_LINKED_PROFILE),configs/$(PROFILE)/guests,$(RELEASE_LINKED)))
$(eval $(call kernel_image,$(OUT_TEST),$(KTEST_SRCS),-DRVM_KTEST -DRVM_LINKED_PROFILE,configs/$(PROFILE)/guests tests/guests,linked))
$(eval $(call kernel_image,$(OUT_LOCK),$(KTEST_SRCS),-DRVM_KTEST -DRVM_LINKED_PROFILE -DRVM_LOCK_STATS,configs/$(PROFILE)/guests tests/guests,linked))

# The Linux guest (tools/setup: build/linux/Image, tools/linux/initramfs) linked into the
# test image as binary objects (linux_image, linux_initrd and their sizes), when present,
# in their own section after .rodata: outside the measured image (boot_measure_image). Only
# where Linux guests are built in: the Seed's test image stays within its 1 MiB code model.
LINUX_IMAGE := $(if $(filter linux,$(FEATURES)),$(wildcard build/linux/Image))
ifneq ($(LINUX_IMAGE),)
LINUX_BLOBS := $(OUT_TEST)/linux/image.o $(OUT_TEST)/linux/initrd.o $(OUT_TEST)/linux/sizes.o
$(OUT_TEST)/rvm.elf: $(LINUX_BLOBS)
$(OUT_TEST)_TP += $(LINUX_BLOBS)
build/linux/initramfs-test.cpio: tools/linux/initramfs tools/linux/test.sh build/linux/busybox
	$(Q)tools/linux/initramfs $@ tools/linux/test.sh
$(OUT_TEST)/linux/%.o: $(OUT_TEST)/linux/%.bin
	$(Q)$(KOBJCOPY) -I binary -O elf64-littleaarch64 --rename-section .data=.linux_payload,alloc,load,readonly,data,contents \
		--redefine-sym _binary_$(subst /,_,$(subst -,_,$(OUT_TEST)))_linux_$*_bin_start=linux_$* $< $@
$(OUT_TEST)/linux/image.bin: build/linux/Image
	@mkdir -p $(dir $@) && cp $< $@
$(OUT_TEST)/linux/initrd.bin: build/linux/initramfs-test.cpio
	@mkdir -p $(dir $@) && cp $< $@
$(OUT_TEST)/linux/sizes.o: $(OUT_TEST)/linux/image.bin $(OUT_TEST)/linux/initrd.bin
	$(Q)printf '#include <stddef.h>\nconst size_t linux_image_size = %s;\nconst size_t linux_initrd_size = %s;\n' \
		$$(wc -c < $(OUT_TEST)/linux/image.bin) $$(wc -c < $(OUT_TEST)/linux/initrd.bin) > $(OUT_TEST)/linux/sizes.c
	$(Q)$(KCC) $(KCFLAGS_BASE) -c $(OUT_TEST)/linux/sizes.c -o $@
endif

.PHONY: all image kernel ktest-image lockstat-image
all: $(OUT)/rvm.bin
kernel: $(OUT)/rvm.bin
ktest-image: $(OUT_TEST)/rvm.bin
lockstat-image: $(OUT_LOCK)/rvm.bin

.PHONY: setup
setup:
	@tools/setup

# ---------------------------------------------------------------------------
# running
QEMU_MACHINE := -M virt,virtualization=on,gic-version=3 -cpu cortex-a72 -m $(MEM) -smp $(SMP) -nic none
# The witness root key: generated once per machine into build/ (never in an image or the
# repository) and handed to RVM as a board's secure world would, in a RAM page
# (hal/wkey.h, docs/boards.md). WITNESS_KEY= (empty) runs without one: development seals.
WITNESS_KEY ?= build/witness.key
WITNESS_KEY_PAGE := 0x401ff000
# tests/qemu/nudged wakes QEMU's main loop once a second: QEMU 7.2 can sleep through its timers
# after a flash write (docs/ARCHITECTURE.md, known problems), and the console would freeze.
QEMU_BOARD = tests/qemu/nudged $(QEMU) $(QEMU_MACHINE) -nographic -semihosting-config enable=on,target=native \
	-drive if=pflash,format=raw,unit=1,file=$(WITNESS_IMG) \
	$(if $(WITNESS_KEY),-device loader$(comma)file=$(WITNESS_KEY)$(comma)addr=$(WITNESS_KEY_PAGE)$(comma)force-raw=on)
QEMU_RUN = $(QEMU_BOARD) -append "semihosting"
comma := ,
# make run boots build/<profile>.img as a board boots its flash: pflash bank 0 read-only,
# the CPU starting at its first byte (RVM copies itself to RAM, then verifies slot A and
# starts the partitions and agents of its PROFILE; docs/boards.md). No -kernel, so no
# -append: RVM ends with PSCI, not semihosting.
IMG_FLASH = -drive if=pflash,format=raw,unit=0,file=$(IMG_DIR)/$(PROFILE).img

$(WITNESS_IMG):
	@mkdir -p $(dir $@)
	@truncate -s 64M $@

build/witness.key: | build/tools/witness
	@build/tools/witness keygen $@

.PHONY: run run-kernel debug
ifneq ($(filter rvf,$(FEATURES)),)
run: $(IMG_DIR)/$(PROFILE).img $(WITNESS_IMG) $(WITNESS_KEY)
	@echo "  QEMU    $(IMG_DIR)/$(PROFILE).img as flash bank 0 (SMP=$(SMP), MEM=$(MEM)); leave with Ctrl-A X, or 'poweroff'"
	@$(QEMU_BOARD) $(IMG_FLASH)
else
# A profile without RVF boot (the Seed) has no image to start partitions from: its rvm.bin
# links them (RVM_LINKED_PROFILE), so make run is RVM alone, as run-kernel.
run: run-kernel
endif

# RVM alone, loaded by QEMU's -kernel: no image in flash, so in the appliance no partitions
# (its rvm.bin links none); the Seed's, linked into its rvm.bin.
run-kernel: $(OUT)/rvm.bin $(WITNESS_IMG) $(WITNESS_KEY)
	@echo "  QEMU    $(OUT)/rvm.bin (SMP=$(SMP), MEM=$(MEM)); leave with Ctrl-A X, or 'poweroff'"
	@$(QEMU_RUN) -kernel $(OUT)/rvm.bin

debug: $(OUT)/rvm.bin $(WITNESS_IMG) $(WITNESS_KEY)
	@echo "QEMU is halted at the first instruction with a gdb stub on :1234. Attach with:"
	@echo "  gdb-multiarch -q $(OUT)/rvm.elf -ex 'target remote localhost:1234'"
	@$(QEMU_RUN) -kernel $(OUT)/rvm.bin -S -gdb tcp::1234

# ---------------------------------------------------------------------------
# host builds: unit tests (ASan+UBSan), tools, benchmarks, fuzzers
HOST_OUT := build/host
HOST_CFLAGS := -std=c11 -D_DEFAULT_SOURCE -g -O1 -Wall -Wextra -Werror -I. -I$(TP)/libfdt \
	$(MBEDTLS_CFG) $(LZ4_CFG) -DRVM_HOST
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
HOST_TP_CFLAGS := -std=c11 -D_DEFAULT_SOURCE -g -O2 -w -I$(TP)/libfdt $(MBEDTLS_CFG) $(LZ4_CFG) -I.

$(HOST_OUT)/san/third_party/%.o: $(TP)/%.c $(SETUP_STAMP) witness/mbedtls_config.h
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(HOST_TP_CFLAGS) $(SAN) -c $< -o $@
$(HOST_OUT)/opt/third_party/%.o: $(TP)/%.c $(SETUP_STAMP) witness/mbedtls_config.h
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(HOST_TP_CFLAGS) -c $< -o $@
$(HOST_OUT)/san/%.o: %.c $(SETUP_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(filter 1,$(V)),,echo "  HOSTCC  $<")
	$(Q)$(HOSTCC) $(HOST_CFLAGS) $(SAN) -MMD -MP -c $< -o $@
$(HOST_OUT)/opt/%.o: %.c $(SETUP_STAMP)
	@mkdir -p $(dir $@)
	@$(if $(filter 1,$(V)),,echo "  HOSTCC  $<")
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -O2 -DNDEBUG -MMD -MP -c $< -o $@

HOST_LIBFDT_SAN  := $(patsubst $(TP)/%.c,$(HOST_OUT)/san/third_party/%.o,$(LIBFDT_SRCS))
HOST_MBEDTLS_SRCS := $(filter-out %memory_buffer_alloc.c,$(MBEDTLS_SRCS))
HOST_MBEDTLS_SAN := $(patsubst $(TP)/%.c,$(HOST_OUT)/san/third_party/%.o,$(HOST_MBEDTLS_SRCS))
HOST_MBEDTLS_OPT := $(patsubst $(TP)/%.c,$(HOST_OUT)/opt/third_party/%.o,$(HOST_MBEDTLS_SRCS))

# Unit tests: tests/unit/<name>_test.c, linked with the sources UT_<name> lists.
# A module whose tests are split by topic keeps its lists under the module's name:
# $(call unit_split,<module>,<names>,<fixture>) gives each <name> the module's UT_, UT_EXTRA_
# and UT_LIBS_ lists plus the fixture sources its topics share (tests/unit/<module>_fixture.c).
define unit_topic
UT_$(2)       := $$(UT_$(1)) $(3)
UT_EXTRA_$(2) := $$(UT_EXTRA_$(1))
UT_LIBS_$(2)  := $$(UT_LIBS_$(1))
endef
unit_split = $(foreach t,$(2),$(eval $(call unit_topic,$(1),$(t),$(3))))

FAKE_SRCS := tests/fake/fake_hal.c tests/fake/arch_fake.c tests/fake/kernel_fake.c
UT_memory  := memory/palloc.c memory/memory.c
UT_regionmod := memory/region.c
REGION_TESTS := region region_limits
$(call unit_split,regionmod,$(REGION_TESTS),tests/unit/region_fixture.c)
UT_tier    := memory/tier.c
UT_tier_idle := memory/tier_idle.c
UT_EXTRA_tier := $(patsubst $(TP)/%.c,$(HOST_OUT)/san/third_party/%.o,$(LZ4_SRCS))
# The cold tier and `witness ckpt-diff` over what it writes (the tool's code with the witness).
UT_cold     = $(WITNESS_SRCS) $(WITNESS_TOOL_CORE)
UT_EXTRA_cold := $(HOST_MBEDTLS_SAN)
UT_mmio    := arch/aarch64/mmio.c
UT_s2_table := arch/aarch64/s2_table.c
UT_fmt     := kernel/fmt.c
UT_monitor := kernel/monitor.c kernel/absent_cmds.c kernel/console.c kernel/fmt.c $(FAKE_SRCS)
UT_board   := hal/board.c hal/board_args.c
UT_uart    := hal/uart.c
UT_EXTRA_board := $(HOST_LIBFDT_SAN)
WITNESS_SRCS := $(wildcard witness/*.c)
# The replay's graph is the kernel's own coherence engine (coherence/, plain C).
WITNESS_TOOL_CORE := tools/witness/kinds.c tools/witness/files.c tools/witness/input.c tools/witness/verify.c tools/witness/replay.c tools/witness/cli.c \
	tools/witness/table.c tools/witness/members.c tools/witness/who.c tools/witness/who_follow.c \
	tools/witness/ckpt_diff.c tools/witness/wall.c memory/cold.c $(wildcard coherence/*.c)
UT_witness := $(WITNESS_SRCS) $(WITNESS_TOOL_CORE)
UT_EXTRA_witness := $(HOST_MBEDTLS_SAN)
UT_witness_lock := $(WITNESS_SRCS)
UT_EXTRA_witness_lock := $(HOST_MBEDTLS_SAN)
WITNESS_TESTS := witness_chain witness_store witness_ring witness_tool witness_replay witness_budget witness_rotate witness_escalate witness_who witness_wall
$(call unit_split,witness,$(WITNESS_TESTS),tests/unit/witness_fixture.c)
# The engine alone (wasm/agent*.c, the agents' lifecycle, needs cap/ and the witness).
WASM_ENGINE := $(filter-out wasm/agent%,$(wildcard wasm/*.c))
UT_wasm    := $(WASM_ENGINE)
WASM_TESTS := wasm_run wasm_snapshot wasm_decode
$(call unit_split,wasm,$(WASM_TESTS),tests/unit/wasm_fixture.c)
UT_sched   := $(wildcard sched/*.c)
SCHED_TESTS := sched_priority sched_mode sched_queue sched_smp sched_epoch
$(call unit_split,sched,$(SCHED_TESTS),tests/unit/sched_fixture.c)
UT_vmid    := partition/vmid.c
UT_cap     := cap/cap.c cap/tree.c tests/fake/wit_log.c
UT_proof   := cap/cap.c cap/tree.c proof/proof.c proof/nonce.c
UT_gatemod := kernel/gate.c cap/cap.c cap/tree.c proof/proof.c proof/nonce.c witness/budget.c
GATE_TESTS := gate gate_action
$(call unit_split,gatemod,$(GATE_TESTS),tests/unit/gate_fixture.c)
UT_coherence := $(wildcard coherence/*.c)
COHERENCE_TESTS := coherence_mincut coherence_graph coherence_decision coherence_dot coherence_engine
$(call unit_split,coherence,$(COHERENCE_TESTS),tests/unit/coherence_fixture.c)
# The Linux guest's platform: device tree writer and GICv3 emulation.
UT_guest_dtb := partition/guest_dtb.c
UT_EXTRA_guest_dtb := $(HOST_LIBFDT_SAN)
UT_vgic    := partition/vgic.c
UT_pl011   := partition/pl011.c
# Virtual interrupts over a model of the list registers and a fake run loop (its virq_env).
UT_virq    := partition/virq.c partition/vgic.c
# The memory tiers applied to a partition over the fake arch layer and a real page allocator.
UT_tiers   := partition/tiers.c partition/tiers_cold.c memory/tier.c memory/cold.c memory/palloc.c \
	memory/memory.c witness/crypto.c tests/fake/arch_fake.c tests/fake/wit_log.c
UT_EXTRA_tiers := $(patsubst $(TP)/%.c,$(HOST_OUT)/san/third_party/%.o,$(LZ4_SRCS)) $(HOST_MBEDTLS_SAN)
# Split and merge's mechanism over real partitions and CommEdges on the fake arch layer.
UT_reshape := partition/reshape.c partition/partition.c partition/vmid.c partition/edge.c \
	partition/share.c partition/guest_dtb.c memory/region.c cap/cap.c cap/tree.c kernel/fmt.c \
	tests/fake/arch_fake.c tests/fake/wit_log.c
UT_EXTRA_reshape := $(HOST_LIBFDT_SAN)
UT_agent   := wasm/agent.c wasm/agent_ops.c wasm/agent_recover.c wasm/agent_calls.c $(WASM_ENGINE) cap/cap.c cap/tree.c
AGENT_TESTS := agent_lifecycle agent_move agent_calls agent_random agent_spawn agent_hold
$(call unit_split,agent,$(AGENT_TESTS),tests/unit/agent_fixture.c tests/unit/agent_modules.c)

# RVF: the parser and verifier RVM runs (boot/), and the host tool's writer, keys and CLI.
RVF_TOOL_CORE := boot/rvf.c boot/rvf_payload.c boot/rvf_profile.c boot/rvf_verify.c boot/rvf_update.c \
	tools/rvf/write.c tools/rvf/keys.c tools/rvf/cli.c tools/rvf/build.c tools/rvf/inspect.c \
	tools/rvf/flash.c
UT_rvf     := $(RVF_TOOL_CORE)
UT_EXTRA_rvf := $(HOST_MBEDTLS_SAN) $(patsubst $(TP)/%.c,$(HOST_OUT)/san/third_party/%.o,$(LZ4_SRCS))
UT_LIBS_rvf := -lz
RVF_TESTS := rvf_parse rvf_kernel rvf_update rvf_tool
$(call unit_split,rvf,$(RVF_TESTS),tests/unit/rvf_fixture.c)

# The hypercall handlers and partition mechanisms over the fake arch layer (tests/fake/).
UT_hvc := kernel/hvc.c kernel/gate.c kernel/ipc.c kernel/mem_calls.c kernel/guest.c \
	kernel/console.c kernel/fmt.c partition/partition.c partition/vmid.c partition/edge.c \
	partition/share.c partition/psci.c partition/vdev.c partition/lease.c memory/region.c \
	partition/vgic.c partition/pl011.c partition/guest_dtb.c \
	arch/aarch64/mmio.c cap/cap.c cap/tree.c proof/proof.c proof/nonce.c witness/budget.c \
	$(FAKE_SRCS) tests/fake/hvc_world.c
UT_EXTRA_hvc := $(HOST_LIBFDT_SAN)
HVC_TESTS := hvc_calls hvc_edge
$(call unit_split,hvc,$(HVC_TESTS),tests/unit/hvc_fixture.c)

UNIT_NAMES := fmt memory $(REGION_TESTS) mmio s2_table monitor board cap proof $(GATE_TESTS) $(WITNESS_TESTS) $(SCHED_TESTS)
UNIT_NAMES += $(WASM_TESTS) vmid $(AGENT_TESTS) $(HVC_TESTS) $(COHERENCE_TESTS) guest_dtb vgic pl011 tier cold
UNIT_NAMES += reshape tier_idle virq tiers
UNIT_NAMES += $(RVF_TESTS) witness_lock uart
UNIT_BINS  := $(addprefix $(HOST_OUT)/unit/,$(addsuffix _test,$(UNIT_NAMES)))

define unit_test
$(HOST_OUT)/unit/$(1)_test: $(HOST_OUT)/san/tests/unit/$(1)_test.o $$(patsubst %.c,$(HOST_OUT)/san/%.o,$$(UT_$(1))) $$(UT_EXTRA_$(1))
	@mkdir -p $$(dir $$@)
	$$(Q)$$(HOSTCC) $$(SAN) -o $$@ $$^ -lcmocka -lm $$(UT_LIBS_$(1))
endef
$(foreach u,$(UNIT_NAMES),$(eval $(call unit_test,$(u))))

-include $(shell find $(HOST_OUT) -name '*.d' 2>/dev/null)

# The capability model test: one translation unit (it includes cap/ and proof/ itself
# with small capacities); a plain program whose exit status is the verdict.
$(HOST_OUT)/model/cap_model_test: tests/model/cap_model_test.c tests/model/cap_model.c \
		tests/model/cap_model.h $(wildcard cap/*.c cap/*.h proof/*.c proof/*.h) $(SETUP_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) $(SAN) -o $@ tests/model/cap_model_test.c

# Host tools: optimised, sharing the kernel's witness/ code and mbedTLS subset.
.PHONY: tools
tools: build/tools/witness build/tools/mincut build/tools/rvm-wasm build/tools/rvf
# The Linux guest's device tree for QEMU virt's addresses (tools/linux/boot_time --dtb).
build/tools/guest_dtb_virt: $(patsubst %.c,$(HOST_OUT)/opt/%.o,partition/guest_dtb.c tools/linux/guest_dtb_virt.c) \
		$(patsubst $(TP)/%.c,$(HOST_OUT)/opt/third_party/%.o,$(LIBFDT_SRCS))
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) -o $@ $^
build/tools/witness: $(patsubst %.c,$(HOST_OUT)/opt/%.o,$(WITNESS_SRCS) $(WITNESS_TOOL_CORE) tools/witness/main.c) $(HOST_MBEDTLS_OPT)
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) -o $@ $^
	@echo "  TOOL    $@"
# The tamper sweep tests/run drives on a store written by three boots.
build/tools/witness-sweep: $(patsubst %.c,$(HOST_OUT)/opt/%.o,$(WITNESS_SRCS) $(WITNESS_TOOL_CORE) tools/witness/sweep.c) $(HOST_MBEDTLS_OPT)
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) -o $@ $^

# The Seed's board generator (hal/board_fixed.c): RVM's DTB parser over a DTB file.
$(HOST_OUT)/boardgen: $(patsubst %.c,$(HOST_OUT)/opt/%.o,hal/board.c hal/board_args.c tools/boardgen/main.c) \
		$(patsubst $(TP)/%.c,$(HOST_OUT)/opt/third_party/%.o,$(LIBFDT_SRCS))
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) -o $@ $^

# A profile without the `dtb` feature has its board compiled in (hal/board_fixed.c): the DTB
# QEMU dumps for the machine `make run` starts (QEMU_MACHINE: its MEM and SMP too, kept in
# board.machine by remember, so that other ones make the board again), read by boardgen with
# the appliance's own parser. The DTB's random seeds in /chosen differ run to run; the board,
# which leaves them out, does not.
define board_fixed
$(1)/hal/board_fixed.o: $(1)/gen/board_fixed.h
$$(eval $$(call remember,$(1)/gen/board.machine,QEMU_MACHINE))
$(1)/gen/board_fixed.h: $(1)/gen/board.machine $(HOST_OUT)/boardgen $(SETUP_STAMP)
	@$$(if $$(filter 1,$$(V)),,echo "  BOARD   $$@ ($$(QEMU_MACHINE))")
	$$(Q)$$(QEMU) $$(QEMU_MACHINE) -machine dumpdtb=$$@.dtb -nographic >/dev/null 2>&1
	$$(Q)$(HOST_OUT)/boardgen $$@.dtb $$(QEMU_MACHINE) > $$@.tmp && mv $$@.tmp $$@
endef
ifeq ($(filter dtb,$(FEATURES)),)
$(foreach o,$(OUT) $(OUT_TEST) $(OUT_LOCK),$(eval $(call board_fixed,$(o))))
endif

# The min-cut tool: the kernel's coherence/mincut.c behind a strict text reader.
build/tools/mincut: $(patsubst %.c,$(HOST_OUT)/opt/%.o,coherence/mincut.c tools/mincut/main.c)
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) -o $@ $^
	@echo "  TOOL    $@"

# rvm-wasm: an export of a module run metered as in RVM. make bench counts its instructions
# built by both compilers (build/tools/rvm-wasm-clang: clang -O3).
RVM_WASM_DEPS := tools/rvm-wasm/main.c $(wildcard wasm/*.c wasm/*.h wasm/*.inc) $(SETUP_STAMP)
build/tools/rvm-wasm: $(RVM_WASM_DEPS)
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -O2 -DNDEBUG -o $@ tools/rvm-wasm/main.c $(WASM_ENGINE) -lm
	@echo "  TOOL    $@"
build/tools/rvm-wasm-clang: $(RVM_WASM_DEPS)
	@mkdir -p $(dir $@)
	$(Q)clang $(HOST_CFLAGS) -gdwarf-4 -O3 -DNDEBUG $(WASM_EXEC_LLVM) -o $@ tools/rvm-wasm/main.c \
		$(WASM_ENGINE) -lm
	@echo "  TOOL    $@"

# tools/rvf: gzip'd kernels are read through the system's zlib (zlib1g-dev, tools/setup), lz4
# ones through liblz4 (built from Debian's source as for RVM).
build/tools/rvf: $(patsubst %.c,$(HOST_OUT)/opt/%.o,$(RVF_TOOL_CORE) tools/rvf/main.c) $(HOST_MBEDTLS_OPT) \
		$(patsubst $(TP)/%.c,$(HOST_OUT)/opt/third_party/%.o,$(LZ4_SRCS))
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) -o $@ $^ -lz
	@echo "  TOOL    $@"

# ---------------------------------------------------------------------------
# make image: build/<profile>.img, one 64 MiB flash file (QEMU pflash bank 0; layout in
# boot/rvf.h and docs/boards.md): RVM at 0 and slot A = a signed RVF holding each guest
# program as a KERNEL_SEG, each agent as a WASM_SEG and the partition table (from
# configs/<profile>/partitions.c) as a PROFILE segment. The development key is generated
# into build/ on first use; RVF_KEY= signs with another (32-byte P-256 scalar, rvf keygen).
RVF_IMAGE_VERSION ?= 1
IMG_GUEST_BINS := $(patsubst %,$(OUT)/guests/%.bin,$($(OUT)_GUESTS))
IMG_AGENT_WASMS := $(patsubst %,$(OUT)/agents/%.wasm,$($(OUT)_AGENTS))

$(RVF_DEV_KEY): | build/tools/rvf
	$(Q)build/tools/rvf keygen $@

# One placeholder per guest/agent image and the address -> name tables profile_spec reads.
$(IMG_DIR)/names.c: Makefile
	@mkdir -p $(dir $@)
	$(Q){ echo '/* generated by make image: do not edit */'; echo '#include <stddef.h>'; \
	  echo '#include <stdint.h>'; \
	  echo 'struct rvf_name { const void *addr; const char *name; };'; \
	  for g in $($(OUT)_GUESTS); do echo "const uint8_t guest_$$g[1]; const size_t guest_$${g}_size = 1;"; done; \
	  for a in $($(OUT)_AGENTS); do echo "const uint8_t agent_$$a[1]; const size_t agent_$${a}_size = 1;"; done; \
	  echo 'const struct rvf_name rvf_guest_names[] = {'; \
	  for g in $($(OUT)_GUESTS); do echo "{guest_$$g, \"$$g\"},"; done; echo '{NULL, NULL}};'; \
	  echo 'const struct rvf_name rvf_agent_names[] = {'; \
	  for a in $($(OUT)_AGENTS); do echo "{agent_$$a, \"$$a\"},"; done; echo '{NULL, NULL}};'; } > $@

$(IMG_DIR)/profile_spec: tools/rvf/profile_spec.c configs/$(PROFILE)/partitions.c $(IMG_DIR)/names.c configs/partitions.h $(SETUP_STAMP)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -o $@ tools/rvf/profile_spec.c configs/$(PROFILE)/partitions.c $(IMG_DIR)/names.c

# The appliance's Linux partition: Debian's kernel (tools/setup) as a KERNEL_SEG of type
# linux, one LZ4 block (27 MB inflate from 15), with its initramfs after the command line;
# partition 7, 256 MiB, stopped (not restarted) when it powers off. Left out when
# build/linux/Image is missing.
LINUX_BOOTARGS := console=ttyAMA0 panic=-1 quiet printk.time=1
LINUX_APPLIANCE := $(if $(filter appliance,$(PROFILE)),$(LINUX_IMAGE))
LINUX_APPLIANCE_RD := $(if $(LINUX_APPLIANCE),build/linux/initramfs-appliance.cpio)
build/linux/initramfs-appliance.cpio: tools/linux/initramfs tools/linux/appliance.sh build/linux/busybox
	$(Q)tools/linux/initramfs $@ tools/linux/appliance.sh

$(IMG_DIR)/$(PROFILE).spec: $(IMG_DIR)/profile_spec Makefile
	$(Q){ $< $(OUT)/guests $(OUT)/agents $(RVF_IMAGE_VERSION) && \
	  if [ -n "$(LINUX_APPLIANCE)" ]; then \
	    echo 'kernel linux $(LINUX_APPLIANCE) type=linux compress=lz4 initrd=$(LINUX_APPLIANCE_RD) min_mem=256 cmdline="$(LINUX_BOOTARGS)"'; \
	    echo 'partition linux guest kernel=linux mem=256M fault=stop restarts=0'; \
	  fi; } > $@.tmp && mv $@.tmp $@

$(IMG_DIR)/$(PROFILE).rvf: $(IMG_DIR)/$(PROFILE).spec $(IMG_GUEST_BINS) $(IMG_AGENT_WASMS) $(RVF_KEY) build/tools/rvf \
		$(LINUX_APPLIANCE) $(LINUX_APPLIANCE_RD)
	$(Q)build/tools/rvf build -o $@ $(IMG_DIR)/$(PROFILE).spec --key $(RVF_KEY) >/dev/null
	$(Q)build/tools/rvf verify $@ --key $(RVF_KEY) --boot >/dev/null

# One flash file per toolchain (its own RVM and guests); make image copies it to build/. A
# profile without RVF boot (the Seed) has no image to put in a slot: its file is RVM alone,
# partitions linked in, and the flash header (RVM's length and hash, both slots empty).
ifneq ($(filter rvf,$(FEATURES)),)
$(IMG_DIR)/$(PROFILE).img: $(OUT)/rvm.bin $(IMG_DIR)/$(PROFILE).rvf build/tools/rvf
	$(Q)build/tools/rvf flash -o $@ --rvm $(OUT)/rvm.bin --slot-a $(IMG_DIR)/$(PROFILE).rvf
else
$(IMG_DIR)/$(PROFILE).img: $(OUT)/rvm.bin build/tools/rvf
	@mkdir -p $(dir $@)
	$(Q)build/tools/rvf flash -o $@ --rvm $(OUT)/rvm.bin
endif

image: $(IMG_DIR)/$(PROFILE).img
	$(Q)cp $< build/$(PROFILE).img

# Fuzzers (libFuzzer, clang, ASan and UBSan on all they run). `make fuzz` runs the fast
# targets (wasm, hvc, monitor: 20,000 to 60,000 executions a second on one core) to FUZZ_RUNS
# executions each, 10^7, failing one that has not got there in FUZZ_MAX_SECONDS, and the
# slow ones (rvf, witness: a signature check or a key derivation per input, 500 to 1,000 a
# second) for FUZZ_SECONDS each: about 30 minutes in all. Each prints its executions, time,
# executions a second and edges covered. make test runs each for 10 s.
FUZZ_SECONDS ?= 60
FUZZ_RUNS ?= 10000000
FUZZ_MAX_SECONDS ?= 1200
FUZZ_FLAGS := -std=c11 -D_DEFAULT_SOURCE -g -O1 -fno-sanitize-recover=all -Wall -Wextra -Werror \
	-I. $(MBEDTLS_CFG) -DRVM_HOST
FUZZ_CC := clang $(FUZZ_FLAGS) -fsanitize=fuzzer,address,undefined
# libFuzzer's comparison tracing (trace-cmp: the operands its mutations learn values from)
# is left out of the output path (kernel/fmt.c, kernel/console.c), the host fakes
# (tests/fake/) and mbedTLS: they compare per character printed, per fake page looked up,
# per bignum limb and hash round, nothing an input aims at, and that tracing was two thirds
# of monitor_fuzz's time and half of rvf_fuzz's. They keep the edge counters, ASan and UBSan.
FUZZ_QUIET := clang $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-coverage=trace-cmp
FUZZ_QUIET_SRCS := kernel/fmt.c kernel/console.c $(FAKE_SRCS) tests/fake/hvc_world.c
$(HOST_OUT)/fuzz/quiet/%.o: %.c $(SETUP_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(FUZZ_QUIET) -I$(TP)/libfdt -MMD -MP -c $< -o $@
fuzz_srcs = $(filter-out $(FUZZ_QUIET_SRCS),$(1)) \
	$(patsubst %.c,$(HOST_OUT)/fuzz/quiet/%.o,$(filter $(FUZZ_QUIET_SRCS),$(1)))
FUZZ_MBEDTLS := $(patsubst $(TP)/%.c,$(HOST_OUT)/fuzz/quiet/third_party/%.o,$(HOST_MBEDTLS_SRCS))
$(HOST_OUT)/fuzz/quiet/third_party/%.o: $(TP)/%.c $(SETUP_STAMP) witness/mbedtls_config.h
	@mkdir -p $(dir $@)
	$(Q)$(FUZZ_QUIET) -w -Wno-error -c $< -o $@
$(HOST_OUT)/fuzz/witness_fuzz: tests/fuzz/witness_fuzz.c $(WITNESS_SRCS) $(WITNESS_TOOL_CORE) $(FUZZ_MBEDTLS) $(wildcard witness/*.h tools/witness/*.h) $(SETUP_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) -o $@ tests/fuzz/witness_fuzz.c $(WITNESS_SRCS) $(WITNESS_TOOL_CORE) \
		$(FUZZ_MBEDTLS) -w -Wno-error
$(HOST_OUT)/fuzz/wasm_fuzz: tests/fuzz/wasm_fuzz.c $(wildcard wasm/*.c wasm/*.h wasm/*.inc) $(SETUP_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) -o $@ tests/fuzz/wasm_fuzz.c $(WASM_ENGINE) -lm
# The hypercall path a guest reaches, over the fake arch layer (as tests/unit/hvc_*_test.c).
$(HOST_OUT)/fuzz/hvc_fuzz: tests/fuzz/hvc_fuzz.c $(call fuzz_srcs,$(UT_hvc)) $(wildcard kernel/*.h partition/*.h tests/fake/*.h) $(SETUP_STAMP)
	@mkdir -p $(dir $@)
	$(Q)mkdir -p $@.tp && for f in $(LIBFDT_SRCS); do \
		$(FUZZ_CC) -I$(TP)/libfdt -w -Wno-error -c $$f -o $@.tp/$$(basename $$f .c).o || exit 1; done
	$(Q)$(FUZZ_CC) -I$(TP)/libfdt -o $@ tests/fuzz/hvc_fuzz.c $(call fuzz_srcs,$(UT_hvc)) $@.tp/*.o
# The monitor's line discipline and the commands' argument parsing, over the same machine.
MONITOR_FUZZ_SRCS := kernel/monitor.c kernel/absent_cmds.c kernel/leases.c kernel/part_cmds.c $(UT_hvc)
$(HOST_OUT)/fuzz/monitor_fuzz: tests/fuzz/monitor_fuzz.c $(call fuzz_srcs,$(MONITOR_FUZZ_SRCS)) \
		$(HOST_OUT)/fuzz/hvc_fuzz $(wildcard kernel/*.h partition/*.h tests/fake/*.h)
	$(Q)$(FUZZ_CC) -I$(TP)/libfdt -o $@ tests/fuzz/monitor_fuzz.c $(call fuzz_srcs,$(MONITOR_FUZZ_SRCS)) \
		$(HOST_OUT)/fuzz/hvc_fuzz.tp/*.o
# The RVF fuzzer also writes a valid signed file into its corpus as the seed.
RVF_FUZZ_SRCS := boot/rvf.c boot/rvf_payload.c boot/rvf_profile.c boot/rvf_verify.c tools/rvf/write.c tools/rvf/keys.c
$(HOST_OUT)/fuzz/rvf_fuzz: tests/fuzz/rvf_fuzz.c $(RVF_FUZZ_SRCS) $(FUZZ_MBEDTLS) $(wildcard boot/rvf*.h tools/rvf/*.h) $(SETUP_STAMP)
	@mkdir -p $(dir $@) $@.corpus
	$(Q)$(FUZZ_CC) $(LZ4_CFG) -o $@ tests/fuzz/rvf_fuzz.c $(RVF_FUZZ_SRCS) $(FUZZ_MBEDTLS) $(LZ4_SRCS) -lz -w -Wno-error
	$(Q)RVF_FUZZ_SEED=$@.corpus/seed.rvf $@ -runs=0 >/dev/null 2>&1
FUZZ_SLOW := $(HOST_OUT)/fuzz/witness_fuzz $(HOST_OUT)/fuzz/rvf_fuzz
FUZZ_FAST := $(HOST_OUT)/fuzz/wasm_fuzz $(HOST_OUT)/fuzz/hvc_fuzz $(HOST_OUT)/fuzz/monitor_fuzz
FUZZERS := $(FUZZ_SLOW) $(FUZZ_FAST)
.PHONY: fuzz
# The WASM fuzzer starts from the spec suite's modules (converted by the wasm-spec tier of
# make test) and the agents.
WASM_SEEDS := build/wasm-spec $(OUT)/agents
fuzz: $(FUZZERS) $(OUT)/rvm.bin
	@WASM_SEEDS="$(WASM_SEEDS)" tests/fuzz/run $(FUZZ_SECONDS) $(FUZZ_SLOW) \
		--runs $(FUZZ_RUNS) $(FUZZ_MAX_SECONDS) $(FUZZ_FAST)

# The WebAssembly spec-test runner (host, sanitized) and the pinned suite beside the repo.
WASM_TESTSUITE ?= ../shared/wasm-testsuite/mvp
$(HOST_OUT)/wasm/spec_runner: tests/wasm/spec_runner.c tests/wasm/json.c tests/wasm/json.h $(wildcard wasm/*.c wasm/*.h wasm/*.inc) $(SETUP_STAMP)
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) $(SAN) -o $@ tests/wasm/spec_runner.c tests/wasm/json.c $(WASM_ENGINE) -lm

# Host benchmarks: optimised, no sanitizers.
$(HOST_OUT)/bench/sched_bench: tools/bench/sched_bench.c $(wildcard sched/*.c sched/*.h)
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -O2 -DNDEBUG -o $@ tools/bench/sched_bench.c $(wildcard sched/*.c)
$(HOST_OUT)/bench/wasm_bench: tools/bench/wasm_bench.c $(wildcard wasm/*.c wasm/*.h wasm/*.inc) build/wasm/bench.wasm
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -O2 -DNDEBUG -o $@ tools/bench/wasm_bench.c $(WASM_ENGINE) -lm
# The same workload compiled to WebAssembly, for the interpreter to run.
build/wasm/bench.wasm: tools/bench/wasm_bench.c $(SETUP_STAMP)
	@mkdir -p $(dir $@)
	$(Q)clang --target=wasm32 -mcpu=mvp -O2 -nostdlib -DWASM_WORKLOAD -Wl,--no-entry \
		-Wl,--export=bench_core -Wl,--export=bench_fib -o $@ tools/bench/wasm_bench.c
$(HOST_OUT)/bench/witness_bench: tools/bench/witness_bench.c $(patsubst %.c,$(HOST_OUT)/opt/%.o,$(WITNESS_SRCS)) $(HOST_MBEDTLS_OPT)
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -O2 -DNDEBUG -o $@ $^
$(HOST_OUT)/bench/mincut_bench: tools/bench/mincut_bench.c $(wildcard coherence/*.c coherence/*.h)
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -O2 -DNDEBUG -o $@ tools/bench/mincut_bench.c coherence/mincut.c
$(HOST_OUT)/bench/cap_bench: tools/bench/cap_bench.c kernel/gate.c $(wildcard cap/*.c proof/*.c cap/*.h proof/*.h kernel/gate.h)
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -O2 -DNDEBUG -o $@ tools/bench/cap_bench.c kernel/gate.c cap/*.c proof/*.c \
		witness/budget.c

# QEMU's own description of the board, for the DTB parser's host test.
# (-append needs a -kernel; QEMU writes the DTB and exits before running it.)
$(HOST_OUT)/virt-smp4.dtb: $(OUT)/rvm.bin
	@mkdir -p $(dir $@)
	$(Q)$(QEMU) -M virt,virtualization=on,gic-version=3,dumpdtb=$@ -cpu cortex-a72 -smp 4 -m 1G \
		-nic none -kernel $(OUT)/rvm.bin -append "semihosting ktest=x" -nographic >/dev/null

# ---------------------------------------------------------------------------
# tests
.PHONY: test unit-tests qemu-tests
# The Seed profile's images, both toolchains (tests/qemu/seed.sh boots them; make bench
# reports their sizes). Set before TEST_TIERS, which := expands at once.
SEED_ELFS := build/gnu-seed/rvm.elf build/llvm-seed/rvm.elf
TEST_TIERS := "cap-model sh -c '$(HOST_OUT)/model/cap_model_test && echo \"cap-model: 1 passed, 0 failed\" || echo \"cap-model: 0 passed, 1 failed\"'" \
	--tier "wasm-spec tests/wasm/run-spec $(HOST_OUT)/wasm/spec_runner $(WASM_TESTSUITE) build/wasm-spec" \
	--tier "fuzz env WASM_SEEDS='$(WASM_SEEDS)' tests/fuzz/run 10 $(FUZZERS)" \
	--tier "mincut-tool tests/tools/mincut_tool build/tools/mincut" \
	--tier "cold-flash tests/qemu/cold_flash.sh $(QEMU) $(OUT)/rvm.bin $(OUT_TEST)/guests/ckpt_counter.bin $(RVF_KEY) build/witness.key" \
	--tier "rvf-boot tests/qemu/rvf_boot.sh $(QEMU) $(IMG_DIR)/$(PROFILE).img $(IMG_DIR)/$(PROFILE).rvf $(OUT)/rvm.bin $(RVF_KEY) build/witness.key" \
	--tier "seed tests/qemu/seed.sh $(QEMU) build/tools/witness build/witness.key $(SEED_ELFS)"
.PHONY: seed-images
seed-images:
	@$(MAKE) --no-print-directory TOOLCHAIN=gnu PROFILE=seed kernel build/gnu-seed/image/seed.img
	@$(MAKE) --no-print-directory TOOLCHAIN=llvm PROFILE=seed kernel build/llvm-seed/image/seed.img
test: $(SETUP_STAMP) $(UNIT_BINS) $(HOST_OUT)/virt-smp4.dtb $(OUT)/rvm.bin $(OUT_TEST)/rvm.bin \
		build/tools/rvf \
		$(OUT_LOCK)/rvm.bin \
		$(HOST_OUT)/model/cap_model_test build/tools/witness $(FUZZERS) $(HOST_OUT)/wasm/spec_runner \
		build/tools/mincut build/witness.key build/tools/witness-sweep $(IMG_DIR)/$(PROFILE).img \
		$(IMG_DIR)/$(PROFILE).rvf
	@$(MAKE) --no-print-directory toolchain-images seed-images
	@tests/run --unit "$(UNIT_BINS)" --dtb $(HOST_OUT)/virt-smp4.dtb \
		--image $(OUT)/rvm.bin --ktest $(OUT_TEST)/rvm.bin --witness-tool build/tools/witness \
		--lockstat $(OUT_LOCK)/rvm.bin --witness-key build/witness.key \
		--toolchain-images "build/gnu-$(PROFILE)/rvm.bin build/llvm-$(PROFILE)/rvm.bin" \
		--qemu "$(QEMU)" --tier $(TEST_TIERS)

# tier (c): both toolchains must produce an image that boots
.PHONY: toolchain-images
toolchain-images:
	@$(MAKE) --no-print-directory TOOLCHAIN=gnu PROFILE=$(PROFILE) kernel
	@$(MAKE) --no-print-directory TOOLCHAIN=llvm PROFILE=$(PROFILE) kernel

# ---------------------------------------------------------------------------
# check: the cheap gates
.PHONY: check abi-table
$(HOST_OUT)/abi_table: tools/abi/abi_table.c arch/aarch64/guest/rvm_calls.h
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) -std=c11 -Wall -Wextra -Werror -I. -o $@ tools/abi/abi_table.c
# docs/ABI.md's call table, rewritten from arch/aarch64/guest/rvm_calls.h.
abi-table: $(HOST_OUT)/abi_table
	@$< > build/abi-table.md
	@sed -i -e '/<!-- calls:begin -->/,/<!-- calls:end -->/{//!d}' \
		-e '/<!-- calls:begin -->/r build/abi-table.md' docs/ABI.md
	@echo "  DOC     docs/ABI.md (call table)"
check: $(SETUP_STAMP) $(HOST_OUT)/abi_table
	@tools/check
	@sed -n '/<!-- calls:begin -->/,/<!-- calls:end -->/{//!p}' docs/ABI.md > build/abi-doc.md
	@if $(HOST_OUT)/abi_table | cmp -s - build/abi-doc.md; then \
		echo "check: docs/ABI.md's call table matches arch/aarch64/guest/rvm_calls.h"; \
	else echo "check: FAIL docs/ABI.md's call table differs from rvm_calls.h (make abi-table):"; \
		$(HOST_OUT)/abi_table | diff build/abi-doc.md - | head -20; exit 1; fi
	@for t in run run-kernel image; do for p in appliance seed; do \
		$(MAKE) -n --no-print-directory PROFILE=$$p $$t >/dev/null 2>build/check-make-n.log || \
		{ echo "check: FAIL make -n $$t PROFILE=$$p:"; cat build/check-make-n.log; exit 1; }; \
	done; done; echo "check: make run, run-kernel and image resolve their prerequisites"
	@for tc in gnu llvm; do for p in appliance seed; do \
		$(MAKE) --no-print-directory TOOLCHAIN=$$tc PROFILE=$$p kernel ktest-image || exit 1; \
	done; done
	@tools/check --fp $(foreach d,$(foreach tc,gnu llvm,$(foreach p,appliance seed,$(tc)-$(p) $(tc)-$(p)-ktest)),build/$(d)/rvm.elf)
	@echo "check: all gates passed"

# ---------------------------------------------------------------------------
# make soak: the appliance's agents and hostile partitions on two CPUs for SOAK_SECONDS
# (default 600); not part of make test (tools/soak/run).
.PHONY: soak
soak: $(SETUP_STAMP) $(OUT_LOCK)/rvm.bin build/tools/witness build/witness.key
	@tools/soak/run "$(QEMU)" $(OUT_LOCK)/rvm.bin build/tools/witness build/witness.key

# ---------------------------------------------------------------------------
# bench
.PHONY: bench
BENCH_HOST := $(HOST_OUT)/bench/cap_bench $(HOST_OUT)/bench/witness_bench \
	$(HOST_OUT)/bench/sched_bench $(HOST_OUT)/bench/wasm_bench
BENCH_HOST += $(HOST_OUT)/bench/mincut_bench
bench: $(OUT_TEST)/rvm.bin $(OUT_LOCK)/rvm.bin $(BENCH_HOST) build/tools/rvm-wasm \
		build/tools/rvm-wasm-clang $(IMG_DIR)/$(PROFILE).img
	@mkdir -p build
	@$(MAKE) --no-print-directory seed-images
	@$(MAKE) --no-print-directory TOOLCHAIN=$(TOOLCHAIN) PROFILE=appliance kernel
	@tools/bench/run --ktest $(OUT_TEST)/rvm.bin --lockstat $(OUT_LOCK)/rvm.bin \
		$(if $(filter appliance,$(PROFILE)),--flash $(IMG_DIR)/$(PROFILE).img) \
		--sizes "$(SEED_ELFS) build/$(TOOLCHAIN)-appliance/rvm.elf" \
		--host "$(BENCH_HOST)" --qemu "$(QEMU)" \
		--insns "$(HOST_OUT)/bench/wasm_bench build/wasm/bench.wasm build/tools/rvm-wasm build/tools/rvm-wasm-clang" \
		>build/bench.txt; status=$$?; \
	$(MAKE) --no-print-directory bench-placement >>build/bench.txt || status=1; \
	cat build/bench.txt; exit $$status

# remote_traffic_over_naive: the default appliance on 4 CPUs (traffic shifts as the engine
# splits and merges), then the doorbells' messages whose receiver is queued on another CPU
# than the sender's, counted under the engine's placement and under round-robin
# (`coherence placement naive`) in the same boot; the ratio of the two shares (goal <= 0.8).
# Under -icount (8 ns an instruction: epochs come from instructions, not from a loaded
# host's timer). docs/COHERENCE.md.
.PHONY: bench-placement
BENCH_PLACEMENT_IN := sleep 8000\rcoherence placement engine\rsleep 6000\rcoherence placement\r$\
	coherence placement naive\rsleep 6000\rcoherence placement\rpoweroff\r
bench-placement: $(OUT_TEST)/rvm.bin
	@dir=$$(mktemp -d) && truncate -s 64M $$dir/w.img && \
	printf '$(BENCH_PLACEMENT_IN)' >$$dir/in && \
	timeout 600 $(QEMU) -M virt,virtualization=on,gic-version=3 -cpu cortex-a72 -m 1G -nic none \
		-smp 4 -icount shift=3,sleep=off -display none -monitor none -serial stdio \
		-semihosting-config enable=on,target=native -append "semihosting run" \
		-drive if=pflash,format=raw,unit=1,file=$$dir/w.img -kernel $(OUT_TEST)/rvm.bin \
		<$$dir/in >$$dir/out 2>&1; rc=$$?; \
	tr -d '\r' <$$dir/out | awk -v rc=$$rc ' \
		/^placement engine: / { e = $$3; er = $$5 } \
		/^placement naive: / { n = $$3; nr = $$5 } \
		END { if (rc != 0 || e == 0 || n == 0 || nr == 0) { \
			print "bench-placement: no figures (QEMU exit " rc ")" > "/dev/stderr"; exit 1 } \
		      printf "BENCH remote_share_engine_bp %d bp\n", 10000 * er / e; \
		      printf "BENCH remote_share_naive_bp %d bp\n", 10000 * nr / n; \
		      printf "BENCH remote_traffic_over_naive %.3f ratio\n", (er / e) / (nr / n) }'; \
	status=$$?; cp $$dir/out build/bench-placement.log; rm -rf $$dir; exit $$status

# Guest ELF/binary/blob files are intermediates worth keeping (and not announcing removed).
.SECONDARY:

.PHONY: clean
clean:
	rm -rf build/gnu-* build/llvm-* build/host build/tools build/bench.txt

.PHONY: distclean
distclean:
	rm -rf build
