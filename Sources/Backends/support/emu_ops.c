/*
 * emu_ops.c — how the emulator runs a checked op: cpu/ops.c compiled as
 * emu_run, on the emulator's kernels (emu_kernels.c). The checks both share
 * are op_table.c.
 */
#include "emu_internal.h"

#include "../cpu/ops.c"
