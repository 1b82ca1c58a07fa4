/*
 * tools/abi/abi_table.c: prints the call table of docs/ABI.md from the one list of calls,
 * arch/aarch64/guest/rvm_calls.h. `make check` compares its output with the block between
 * the "calls:begin" and "calls:end" markers in docs/ABI.md, so the document cannot disagree
 * with the kernel's table.
 */
#include <stdio.h>
#include <string.h>

#include "arch/aarch64/guest/rvm_calls.h"

/* A cell: the C expression as written in the table, less the prefixes every name shares,
 * with the pipe escaped for Markdown. */
static void cell(const char *expr)
{
        static const char *const prefixes[] = {"CAP_T_", "CAP_R_", "PROOF_TIER_", "GATE_F_",
                                               "GATE_RIGHTS_"};
        const char *p = expr;

        putchar(' ');
        while (*p != '\0') {
                size_t skip = 0;
                for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
                        size_t n = strlen(prefixes[i]);
                        if (strncmp(p, prefixes[i], n) == 0 && (p == expr || p[-1] == ' ')) {
                                skip = n;
                        }
                }
                if (skip != 0) {
                        p += skip;
                        continue;
                }
                if (*p == '|') {
                        putchar('\\');
                }
                putchar(*p++);
        }
        fputs(" |", stdout);
}

static void row(unsigned long fid, const char *name, const char *type, const char *rights,
                const char *tier, const char *range, const char *witness, const char *flags)
{
        printf("| 0x%08lX | `%s` |", fid, name);
        cell(type);
        cell(rights);
        cell(tier);
        cell(range);
        cell(witness);
        cell(flags);
        putchar('\n');
}

#define ROW(n, id, nm, ty, rt, tr, ro, rl, wk, fl, fn) \
        row(RVM_FID(n), nm, #ty, #rt, #tr, (ro) != 0 ? "x" #ro ", x" #rl : "-", #wk, #fl);
#define PSCI_ROW(n, id, nm, ty, rt, tr, ro, rl, wk, fl, fn) \
        row(n, nm, #ty, #rt, #tr, "-", #wk, #fl);

int main(void)
{
        puts(
            "| function id | call | object type | rights | tier | P2 range | witness kind | "
            "flags |");
        puts("|---|---|---|---|---|---|---|---|");
        RVM_GUEST_CALLS(ROW)
        RVM_AGENT_CALLS(ROW)
        RVM_PSCI_CALLS(PSCI_ROW)
        return 0;
}
