/*
 * kernel/version.h: RVM's version and what built it, for the banner and `info`.
 */
#ifndef RVM_KERNEL_VERSION_H
#define RVM_KERNEL_VERSION_H

#define RVM_VERSION "0.1.0"

#if defined(__clang__)
#define RVM_COMPILER  "clang " __clang_version__
#define RVM_TOOLCHAIN "llvm"
#else
#define RVM_COMPILER  "gcc " __VERSION__
#define RVM_TOOLCHAIN "gnu"
#endif

#endif
