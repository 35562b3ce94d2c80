#!/usr/bin/env python3
"""Recomputes every row of the conversion tables with numpy and ml_dtypes, an implementation
independent of certify, and exits non-zero on the first disagreement.

    python3 -m pip install numpy ml_dtypes && python3 Tests/Fixtures/vectors/check.py
"""
import pathlib
import sys

import ml_dtypes
import numpy as np

here = pathlib.Path(__file__).resolve().parent


def rows(name):
    lines = [l for l in (here / name).read_text().splitlines() if l and not l.startswith("#")]
    return [l.split("\t") for l in lines[1:]]


def check_widening():
    table = rows("fp16_to_fp32.tsv")
    halves = np.array([int(r[0], 16) for r in table], dtype=np.uint16).view(np.float16)
    widened = halves.astype(np.float32).view(np.uint32)
    expected = np.array([int(r[1], 16) for r in table], dtype=np.uint32)
    assert len(table) == 65536, f"fp16_to_fp32.tsv has {len(table)} rows, not 65536"
    bad = np.nonzero(widened != expected)[0]
    assert bad.size == 0, f"fp16 {table[bad[0]][0]}: numpy gives {widened[bad[0]]:08x}, the table {table[bad[0]][1]}"
    return len(table)


def check_narrowing():
    table = rows("fp32_to_fp16_bf16.tsv")
    singles = np.array([int(r[0], 16) for r in table], dtype=np.uint32).view(np.float32)
    with np.errstate(over="ignore", invalid="ignore"):
        halves = singles.astype(np.float16)
        brains = singles.astype(ml_dtypes.bfloat16)
    for i, r in enumerate(table):
        for got, text, name in ((halves[i], r[1], "fp16"), (brains[i], r[2], "bf16")):
            bits = int(got.view(np.uint16))
            stored = np.array([int(text, 16)], dtype=np.uint16)
            if np.isnan(got):
                ok = np.isnan(stored.view(np.float16 if name == "fp16" else ml_dtypes.bfloat16)[0])
            else:
                ok = bits == int(text, 16)
            assert ok, f"fp32 {r[0]} -> {name}: numpy/ml_dtypes give {bits:04x}, the table {text}"
    return len(table)


if __name__ == "__main__":
    print(f"fp16_to_fp32.tsv: {check_widening()} rows agree with numpy {np.__version__}")
    print(f"fp32_to_fp16_bf16.tsv: {check_narrowing()} rows agree with numpy {np.__version__} and ml_dtypes {ml_dtypes.__version__}")
    sys.exit(0)
