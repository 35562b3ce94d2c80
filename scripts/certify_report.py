#!/usr/bin/env python3
"""Reads a certify report's statement with its case records, without certify.

usage: scripts/certify_report.py REPORT_FOLDER|REPORT_JSON

Prints the statement as JSON with `predicate.cases` filled in. A report that names a side file of
case records (predicate.caseRecords: cases.json, a JSON array in the statement's case order) is
read from it after its SHA-256 is checked against the one report.json records; an older report's
cases are inline. This does not check the envelope's signature (scripts/verify_envelope.py does)
and leaves the latency samples where they are (scripts/latency_samples.py reads them).
"""
import hashlib
import json
import os
import sys


def side_file(folder: str, record: dict) -> bytes:
    """The bytes of the side file `record` (predicate.caseRecords or .latencySamples) names in
    `folder`, once their SHA-256 is the one the statement records."""
    with open(os.path.join(folder, record["file"]), "rb") as f:
        data = f.read()
    if hashlib.sha256(data).hexdigest() != record["sha256"]:
        raise ValueError("%s is not the file whose sha256 report.json records" % record["file"])
    return data


def load(path: str) -> dict:
    """The statement of the report folder (or report.json) `path`, its cases in predicate.cases."""
    folder = path if os.path.isdir(path) else os.path.dirname(os.path.abspath(path))
    with open(os.path.join(path, "report.json") if os.path.isdir(path) else path, "rb") as f:
        statement = json.load(f)
    record = statement["predicate"].get("caseRecords")
    if record is not None:
        statement["predicate"]["cases"] = json.loads(side_file(folder, record))
    return statement


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    print(json.dumps(load(sys.argv[1])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
