#!/usr/bin/env python3
"""Reads a certify report's latency samples without certify: latency.bin, or inline samples.

usage: scripts/latency_samples.py REPORT_FOLDER [CASE_ID]

Prints {case id: [nanoseconds, ...]} as JSON, or one case's samples. A report that names a
latency.bin (predicate.latencySamples) is read from it after its SHA-256 is checked against the
one report.json records (this does not check the envelope's signature: scripts/verify_envelope.py
does); an older report's samples are inline in each case's latency. The layout, from the README:
b"CLAT", a version byte (1), then unsigned LEB128 varints: the number of cases, and per case the
byte length of its id, the id in UTF-8, the number of samples, and each sample as the
zigzag-encoded difference from the one before (the first from 0).
"""
import json
import os
import sys

import certify_report  # beside this script: reading a side file by its recorded digest


def decode(data: bytes) -> dict:
    if data[:4] != b"CLAT" or len(data) < 5:
        raise ValueError("not a latency sample file")
    if data[4] != 1:
        raise ValueError("latency sample file version %d; this reads version 1" % data[4])
    pos = 5

    def varint() -> int:
        nonlocal pos
        value = shift = 0
        while True:
            byte = data[pos]
            pos += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return value

    samples = {}
    for _ in range(varint()):
        length = varint()
        case = data[pos:pos + length].decode("utf-8")
        pos += length
        previous, values = 0, []
        for _ in range(varint()):
            zigzag = varint()
            previous = (previous + ((zigzag >> 1) ^ -(zigzag & 1))) % 2**64
            values.append(previous)
        samples[case] = values
    if pos != len(data):
        raise ValueError("%d bytes follow the last case" % (len(data) - pos))
    return samples


def read(folder: str) -> dict:
    """Every timed case's samples in the report folder `folder`."""
    with open(os.path.join(folder, "report.json"), "rb") as f:
        predicate = json.load(f)["predicate"]
    record = predicate.get("latencySamples")
    if record is None:
        return {c["id"]: c["latency"]["samples"] for c in predicate["cases"] if c.get("latency")}
    return decode(certify_report.side_file(folder, record))


def main() -> int:
    if len(sys.argv) not in (2, 3):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    samples = read(sys.argv[1])
    print(json.dumps(samples[sys.argv[2]] if len(sys.argv) == 3 else samples))
    return 0


if __name__ == "__main__":
    sys.exit(main())
