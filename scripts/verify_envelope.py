#!/usr/bin/env python3
"""Independent verifier of a certify report envelope, using only Python's `cryptography`.

usage: scripts/verify_envelope.py ENVELOPE ROOT_PEM

Checks, without any certify code: the DSSE envelope form, keyid = SHA-256 of the raw Ed25519
public key, the Ed25519 signature over PAE(payloadType, payload), that the signer's certificate
is directly issued by the root and that both were valid at the signing time recorded in the
signed statement. Prints OK and exits 0, or prints the failure and exits 1.
"""
import base64
import datetime
import hashlib
import json
import sys

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def pae(payload_type: bytes, payload: bytes) -> bytes:
    return b"DSSEv1 %d %s %d %s" % (len(payload_type), payload_type, len(payload), payload)


def verify(envelope_path: str, root_path: str) -> str:
    with open(envelope_path, "rb") as f:
        envelope = json.loads(f.read())
    if envelope["payloadType"] != "application/vnd.in-toto+json":
        raise ValueError("payloadType is not in-toto")
    payload = base64.b64decode(envelope["payload"], validate=True)
    (signature,) = envelope["signatures"]
    chain = [x509.load_der_x509_certificate(base64.b64decode(c, validate=True))
             for c in signature["extension"]["ext"]["certificates"]]
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
    with open(root_path, "rb") as f:
        root = x509.load_pem_x509_certificate(f.read())
    leaf.verify_directly_issued_by(root)  # raises on a wrong issuer or signature
    for cert in (leaf, root):
        if not cert.not_valid_before_utc <= signed_at <= cert.not_valid_after_utc:
            raise ValueError("certificate %s not valid at %s" % (cert.subject.rfc4514_string(), signed_at))
    return leaf.subject.rfc4514_string()


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
