"""Reads `expediera check --json` on stdin, checks the shape SPEC section 8
promises, and prints the findings as "file:line: severity: rule" lines, the
form of the golden files."""
import json
import sys

doc = json.load(sys.stdin)
assert isinstance(doc, dict), "top level is not an object"
assert isinstance(doc.get("findings"), list), "no findings array"
sev = {"error": "fel", "warning": "varning", "wait": "avvaktar", "info": "info"}
for f in doc["findings"]:
    for key, kind in (("rule", str), ("severity", str), ("file", str), ("line", int),
                      ("message", str)):
        assert isinstance(f.get(key), kind), f"finding without {key}: {f}"
    assert f["severity"] in sev, f
    assert "paragraf" in f and (f["paragraf"] is None or isinstance(f["paragraf"], int)), f
    assert f["message"], f
    print(f'{f["file"]}:{f["line"]}: {sev[f["severity"]]}: {f["rule"]}')
