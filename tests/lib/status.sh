# status.sh -- sourced by run.sh: `status` answers for the present, one line
# per försändelse that is not sent, naming who (masked number), role, dnr,
# meeting and the försändelse's id (for retur and kvitto).  A försändelse held when its paragraph had an error and sent once
# it was fixed is sent, not held.  (The example holds § 124 on purpose:
# kanal=digital without a mailbox, so status exits 3 for that one.)

W=$tmp/status
mkwork "$W"
pkg=$tmp/status-paket
rm -rf "$pkg"
cp -r "$ex" "$pkg"
sheet=$pkg/forsattsblad/sn-2026-387.xml
cp "$sheet" "$tmp/status-sheet.xml"
sed -i 's|<postort>Vingåker</postort>||' "$sheet"
send_in "$W" "$pkg" --skip-invalid
"$bin" status --config "$W/expediera.conf" >"$tmp/out" 2>&1
echo $? >"$tmp/rc"
if [ "$(rc)" -eq 3 ] && grep -Eq '^§ 123 +ingen väg +hålls ' "$tmp/out" &&
    grep -Eq '^        Maria Sjöberg \(19781130-\*\*\*\*\), Familjehem, SN/2026:387, Socialnämndens individutskott 2026-11-18, försändelse [0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}$' "$tmp/out" &&
    ! unmasked <"$tmp/out"; then ok; else
	bad "status: the held försändelse is not named with role, dnr and meeting (exit $(rc))"
	cat "$tmp/out"
fi
cp "$tmp/status-sheet.xml" "$sheet"
send_in "$W" "$pkg"
"$bin" status --config "$W/expediera.conf" >"$tmp/out" 2>&1
echo $? >"$tmp/rc"
if [ "$(rc)" -eq 3 ] && ! grep -q '^§ 123' "$tmp/out" && [ "$(grep -c '^§' "$tmp/out")" -eq 1 ] &&
    grep -q ' 1 hålls, 0 misslyckades' "$tmp/out"; then ok; else
	bad "status: a försändelse held, then sent, still counts (exit $(rc))"
	cat "$tmp/out"
fi
"$bin" status --json --config "$W/expediera.conf" >"$tmp/json" 2>&1
if python3 - "$tmp/json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
items = doc["items"]
assert doc["held"] == 1 and doc["failed"] == 0, doc
assert [i["paragraf"] for i in items if i["state"] != "sent"] == [124], items
assert len(set(i["forsandelse"].split(":")[0] for i in items)) == len(items), items
fam = [i for i in items if i["paragraf"] == 123 and i["roll"] == "familjehem"]
assert len(fam) == 1 and fam[0]["route"] == "print", fam
assert fam[0]["mottagare"] == "Maria Sjöberg (19781130-****)", fam
assert fam[0]["sammantrade"] == "2026-11-18" and fam[0]["dnr"] == "SN/2026:387", fam
PY
then ok; else bad "status --json: not one present state per försändelse"; fi
