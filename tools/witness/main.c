/*
 * tools/witness/main.c — entry point of the host tool `witness` (build/tools/witness).
 */
#include "tools/witness/witness_tool.h"

int main(int argc, char **argv)
{
        return witness_tool_run(argc, argv, stdout, stderr);
}
