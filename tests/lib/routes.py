"""Reads `expediera send --dry-run --json` on stdin and prints each route as
"paragraf mottagare roll route", the form of tests/route/*/expected."""
import json
import sys

doc = json.load(sys.stdin)
assert isinstance(doc.get("findings"), list) and isinstance(doc.get("routes"), list)
for r in doc["routes"]:
    assert r["reason"], r
    print(r["paragraf"], r["mottagare"], r["roll"], r["route"])
