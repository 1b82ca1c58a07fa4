/*
 * tools/rvf/main.c: entry point of the host tool `rvf` (build/tools/rvf).
 */
#include "tools/rvf/rvf_tool.h"

int main(int argc, char **argv)
{
        return rvf_tool_run(argc, argv, stdout, stderr);
}
