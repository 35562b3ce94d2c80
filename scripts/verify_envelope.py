#!/usr/bin/env python3
"""Independent verifier of a certify report, using only Python's `cryptography`.

usage: scripts/verify_envelope.py REPORT_FOLDER|ENVELOPE ROOT_PEM

Checks, without any certify code: the DSSE envelope form, keyid = SHA-256 of the raw Ed25519
public key, the Ed25519 signature over PAE(payloadType, payload), and the signer's chain, issuer
by issuer (each issuer a CA, each signature checked), up to ROOT_PEM, every certificate valid at
the signing time recorded in the signed statement. Given a report folder it needs nothing else
from it: the envelope is report.dsse.json, the chain is signer-chain.pem (which must be the chain
the envelope carries) and report.json must be exactly the signed payload. When the statement
keeps its case records or its latency samples in side files (predicate.caseRecords,
predicate.latencySamples: cases.json and latency.bin), each, next to the envelope, must have the
SHA-256 the statement records. Prints OK with the signer and the root and
exits 0, or prints the failure and exits 1.
"""
import base64
import datetime
import hashlib
import json
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def pae(payload_type: bytes, payload: bytes) -> bytes:
    return b"DSSEv1 %d %s %d %s" % (len(payload_type), payload_type, len(payload), payload)


def read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def verify(report_path: str, root_path: str) -> str:
    folder = report_path if os.path.isdir(report_path) else None
    envelope = json.loads(read(os.path.join(folder, "report.dsse.json") if folder else report_path))
    if envelope["payloadType"] != "application/vnd.in-toto+json":
        raise ValueError("payloadType is not in-toto")
    payload = base64.b64decode(envelope["payload"], validate=True)
    (signature,) = envelope["signatures"]
    carried = [x509.load_der_x509_certificate(base64.b64decode(c, validate=True))
               for c in signature.get("extension", {}).get("ext", {}).get("certificates", [])]
    if folder:
        chain = x509.load_pem_x509_certificates(read(os.path.join(folder, "signer-chain.pem")))
        if carried and carried != chain:
            raise ValueError("signer-chain.pem is not the chain the envelope carries")
        if read(os.path.join(folder, "report.json")) != payload:
            raise ValueError("report.json is not the signed payload")
    else:
        chain = carried
    leaf = chain[0]
    key = leaf.public_key()
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("the signer's key is not Ed25519")
    raw = key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    if signature["keyid"] != hashlib.sha256(raw).hexdigest():
        raise ValueError("keyid is not SHA-256 of the signer's public key")
    key.verify(base64.b64decode(signature["sig"], validate=True),
               pae(envelope["payloadType"].encode(), payload))  # raises InvalidSignature
    statement = json.loads(payload)  # parsed only after the signature verified
    signed_at = datetime.datetime.strptime(
        statement["predicate"]["signer"]["signedAt"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    root = x509.load_pem_x509_certificate(read(root_path))
    path = chain + [root]
    for subject, issuer in zip(path, path[1:]):
        subject.verify_directly_issued_by(issuer)  # raises on a wrong issuer or signature
        if not issuer.extensions.get_extension_for_class(x509.BasicConstraints).value.ca:
            raise ValueError("issuer %s is not a CA" % issuer.subject.rfc4514_string())
    for cert in path:
        if not cert.not_valid_before_utc <= signed_at <= cert.not_valid_after_utc:
            raise ValueError("certificate %s not valid at %s" % (cert.subject.rfc4514_string(), signed_at))
    for key in ("caseRecords", "latencySamples"):
        record = statement["predicate"].get(key)
        if record is None:
            continue
        name = record["file"]
        if name in ("", ".", "..") or "/" in name:
            raise ValueError("%s names %r, not a file in the report folder" % (key, name))
        side = os.path.join(folder or os.path.dirname(os.path.abspath(report_path)), name)
        if not os.path.isfile(side):
            raise ValueError("%s is missing; the statement records its sha256 %s" % (name, record["sha256"]))
        if hashlib.sha256(read(side)).hexdigest() != record["sha256"]:
            raise ValueError("%s is not the file whose sha256 the statement records" % name)
    return "%s (root %s)" % (leaf.subject.rfc4514_string(), root.subject.rfc4514_string())


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    try:
        signer = verify(sys.argv[1], sys.argv[2])
    except Exception as error:  # any failure is a rejection
        print("REJECTED: %s: %s" % (type(error).__name__, error))
        return 1
    print("OK %s" % signer)
    return 0


if __name__ == "__main__":
    sys.exit(main())
