#!/usr/bin/env python3
"""Writes job-batch-v1.json: the Kubernetes API's strict JSON schema of a batch/v1 Job, made
self-contained (the definitions it reaches, and only those, under $defs) and without the
API's prose descriptions.

The source is the `kubernetes-validate` package on PyPI (Apache-2.0), which converts each
Kubernetes release's OpenAPI document into JSON schemas; "strict" forbids properties the API does
not define, so a misspelt field is an error, as `kubectl apply --validate=strict` makes it.
    python3 -m pip install kubernetes-validate==1.37.0
    python3 Tests/Fixtures/kubernetes/extract.py [KUBERNETES_VERSION]   # default 1.34.0
The tests read only the file this writes; they need neither the package nor a network.
"""
import json, os, re, sys

import kubernetes_validate

version = sys.argv[1] if len(sys.argv) > 1 else "1.34.0"
root = os.path.join(os.path.dirname(kubernetes_validate.__file__), "kubernetes-json-schema", f"v{version}-local-strict")
with open(os.path.join(root, "job-batch-v1.json")) as f:
    job = json.load(f)
with open(os.path.join(root, "_definitions.json")) as f:
    definitions = json.load(f)["$defs"]

# The Job refers to the shared file, the definitions to each other within it.
prefixes = ("/api/_definitions.json#/$defs/", "#/$defs/")

def local(node, reached):
    """node with every reference to a shared definition made local; reached gains the names.
    Descriptions (annotations only: they validate nothing) are left out to keep the file small."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "description" and isinstance(value, str):
                continue
            prefix = next((p for p in prefixes if isinstance(value, str) and value.startswith(p)), None)
            if key == "$ref" and prefix:
                name = value[len(prefix):]
                reached.add(name)
                out[key] = "#/$defs/" + name
            else:
                out[key] = local(value, reached)
        return out
    if isinstance(node, list):
        return [local(item, reached) for item in node]
    return node

reached, done, defs = set(), set(), {}
schema = local(job, reached)
while reached - done:
    name = sorted(reached - done)[0]
    done.add(name)
    defs[name] = local(definitions[name], reached)
schema.pop("$id", None)
schema["$comment"] = (f"Kubernetes v{version} batch/v1 Job, strict, from kubernetes-validate "
                      f"{kubernetes_validate.__version__} (Apache-2.0); made by Tests/Fixtures/kubernetes/extract.py")
schema["$defs"] = dict(sorted(defs.items()))
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "job-batch-v1.json")
with open(out, "w") as f:
    json.dump(schema, f, indent=1, sort_keys=False)
    f.write("\n")
print(f"{out}: {len(defs)} definitions, {os.path.getsize(out)} bytes")
