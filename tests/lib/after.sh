# after.sh -- sourced by run.sh after send.sh: what happens after the send
# (SPEC 3, 4 and 7; the scenarios of a lex Sarah investigation).  A sheet
# changed after the send is changed-after-send and sends nothing; rattelse
# sends the corrected försändelser (only to whom it changed for), marked, and
# records what they replace, a wrong recipient as felaktigt utskickad; retur holds a recipient until a
# new address is on the sheet; kvitto registers delgivning and the appeal
# time; historik answers by dnr, meeting and personnummer without any number
# in the database; send --dry-run says what already went out.

export TZ=Europe/Stockholm
A=$tmp/after
mkwork "$A"
apkg=$tmp/after-paket
rm -rf "$apkg"
cp -r "$ex" "$apkg"
asheet=$apkg/forsattsblad/sn-2026-404.xml
# The family home of § 122 is served (delgivning) and gets a kvitto.
sed -i '0,/<mottagare roll="familjehem"/s//<mottagare roll="familjehem" delgivning="true"/' "$asheet"
# x CMD ARGS...: runs expediera CMD with A's configuration; out, err, rc in $tmp.
x() {
	c=$1
	shift
	"$bin" "$c" --config "$A/expediera.conf" "$@" >"$tmp/out" 2>"$tmp/err"
	echo $? >"$tmp/rc"
}
# hist ARGS...: historik --json into $tmp/hist.json
hist() { "$bin" historik --json --config "$A/expediera.conf" "$@" >"$tmp/hist.json" 2>"$tmp/err"; }
nfiles() { find "$A/out" -type f -name '*.pdf' | wc -l; }

EXPEDIERA_AUDIT_NOW=2026-11-20T10:00:00Z x send "$apkg"
[ "$(rc)" -eq 3 ] && ok || { bad "after: the first send (exit $(rc))"; cat "$tmp/err"; }
first_files=$(nfiles)

# ---- the dry run after a send says what already went, when and how ----
x send --dry-run "$apkg"
if [ "$(rc)" -eq 0 ] && grep -q 'redan skickad 2026-11-20 11:00 (print); skickas inte igen' "$tmp/out" &&
    grep -q 'redan skickade 36' "$tmp/out" && ! grep -q ' print 1[0-9]' "$tmp/out"; then ok; else
	bad "after: send --dry-run after the send does not say what was sent"
	tail -n 3 "$tmp/out"
fi
x send --dry-run --json "$apkg"
if python3 - "$tmp/out" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
sent = [r for r in doc["routes"] if "already_sent" in r]
assert len(sent) == 36, len(sent)
assert all(r["already_sent"]["when"] == "2026-11-20 11:00" for r in sent), sent[0]
PY
then ok; else bad "after: send --dry-run --json has no already_sent"; fi

# ---- a name spelled anew is no change; the address is ----
sed -i 's|<namn>Kristina Dahl</namn>|<namn>Kristina  Dahl</namn>|' "$asheet"
x check "$apkg"
[ "$(rc)" -eq 0 ] && ok || { bad "after: a name's spelling counted as a change"; cat "$tmp/err"; }
sed -i 's|Ekhaga 4|Ekhaga 6|' "$asheet"
x check "$apkg"
if [ "$(rc)" -eq 1 ] && grep -q 'sn-2026-404.xml:[0-9]*: fel: changed-after-send: § 122 skickades 2026-11-20 11:00 till Kristina Dahl (19720426-\*\*\*\*) (Familjehem) på en annan adress' "$tmp/err" &&
    ! grep -q 'Ekhaga' "$tmp/err" && ! unmasked <"$tmp/err"; then ok; else
	bad "after: an address changed after the send is not changed-after-send"
	cat "$tmp/err"
fi
EXPEDIERA_AUDIT_NOW=2026-11-21T10:00:00Z x send "$apkg"
if [ "$(rc)" -eq 1 ] && [ "$(nfiles)" -eq "$first_files" ] && grep -q 'changed-after-send' "$tmp/err"; then ok; else
	bad "after: send after an address change sent something (exit $(rc))"
fi
# The JSON findings carry the rule too.
x check --json "$apkg"
grep -q '"rule": "changed-after-send"' "$tmp/out" && ok || bad "after: check --json lacks changed-after-send"

# ---- kanal, role, removal ----
cp "$asheet" "$tmp/after-sheet.xml"
sed -i '0,/roll="familjehem" delgivning="true" kanal="[a-z]*"/s//roll="familjehem" delgivning="true" kanal="post"/; 0,/roll="familjehem" delgivning="true">/s//roll="familjehem" delgivning="true" kanal="rekommenderat">/' "$asheet"
sed -i 's|Ekhaga 6|Ekhaga 4|' "$asheet"
x check "$apkg"
if [ "$(rc)" -eq 1 ] && grep -q 'changed-after-send: .*med kanal=' "$tmp/err"; then ok; else
	bad "after: another kanal is not changed-after-send"; cat "$tmp/err"
fi
cp "$tmp/after-sheet.xml" "$asheet"
sed -i 's|Ekhaga 6|Ekhaga 4|' "$asheet"
python3 - "$asheet" <<'PY'
import re, sys
p = sys.argv[1]
s = open(p, encoding="utf-8").read()
# the family home's whole <mottagare> goes
s2 = re.sub(r'<mottagare roll="familjehem"[^>]*>.*?</mottagare>\s*', '', s, count=1, flags=re.S)
assert s2 != s
open(p, "w", encoding="utf-8").write(s2)
PY
x check "$apkg"
if [ "$(rc)" -eq 1 ] && grep -q 'changed-after-send: .*Kristina Dahl .*som inte längre finns på försättsbladet' "$tmp/err"; then ok; else
	bad "after: a recipient removed after the send is not changed-after-send"; cat "$tmp/err"
fi

# ---- the family home replaced: rattelse --fel-mottagare ----
cp "$tmp/after-sheet.xml" "$asheet"
sed -i 's|Ekhaga 6|Ekhaga 4|; s|<namn>Kristina  Dahl</namn>|<namn>Karl Dahl</namn>|; s|19720426-[0-9]\{4\}|19700101-1233|' "$asheet"
x check "$apkg"
if [ "$(rc)" -eq 1 ] && grep -q 'changed-after-send: .*Kristina Dahl .*försättsbladet anger nu Karl Dahl i samma roll' "$tmp/err"; then ok; else
	bad "after: the family home replaced is not changed-after-send"; cat "$tmp/err"
fi
# A rättelse of a paragraph never sent, or pointing at nobody, is refused.
x rattelse "$apkg" --paragraf 999 --orsak "x"
[ "$(rc)" -eq 1 ] && grep -q '§ 999 finns inte' "$tmp/err" && ok || { bad "after: rattelse of a missing §"; cat "$tmp/err"; }
x rattelse "$apkg" --paragraf 121 --orsak "x" --fel-mottagare
[ "$(rc)" -eq 1 ] && grep -q 'ingen pekas ut som felaktigt utskickad' "$tmp/err" && ok || { bad "after: rattelse --fel-mottagare with nobody wrong"; cat "$tmp/err"; }
x rattelse "$apkg" --paragraf 122
[ "$(rc)" -eq 2 ] && ok || bad "after: rattelse without --orsak is not a usage error"
before=$(nfiles)
EXPEDIERA_AUDIT_NOW=2026-11-22T10:00:00Z x rattelse "$apkg" --paragraf 122 --orsak "Beslutet gick till fel familjehem" --fel-mottagare
if [ "$(rc)" -eq 0 ] && grep -q '1 registrerade som felaktigt utskickade' "$tmp/err" &&
    grep -q ': 1 skickade, 0 redan' "$tmp/out"; then ok; else
	bad "after: rattelse --fel-mottagare (exit $(rc))"; cat "$tmp/out" "$tmp/err"
fi
# The corrected försändelse says so on its first page, with the date of the
# sending it corrects; the internal reason is the log's, not the letter's.
rfile=$(ls "$A"/out/print/utskrift-*.pdf | while read -r f; do
	pdftotext "$f" - 2>/dev/null | grep -q 'Rättelse' && echo "$f"; done | head -n 1)
if [ -n "$rfile" ] && pdftotext "$rfile" - | tr '\n' ' ' | grep -q 'Rättelse av utskick Beslutet skickades den 20 november 2026' &&
    ! pdftotext "$rfile" - | tr '\n' ' ' | grep -q 'Beslutet gick till fel familjehem'; then ok; else
	bad "after: the corrected försändelse does not read Rättelse with date, or shows the reason"
fi
# Again with the same reason: nothing new (a rerun of a rättelse that stopped).
x rattelse "$apkg" --paragraf 122 --orsak "Beslutet gick till fel familjehem" --fel-mottagare
if [ "$(rc)" -eq 0 ] && grep -q ': 0 skickade, 1 redan' "$tmp/out"; then ok; else
	bad "after: a repeated rattelse sent again"; cat "$tmp/out" "$tmp/err"
fi
x check "$apkg"
[ "$(rc)" -eq 0 ] && ok || { bad "after: the sheet still differs after the rättelse"; cat "$tmp/err"; }
x send "$apkg"
if grep -q ': 0 skickade, 36 redan' "$tmp/out"; then ok; else bad "after: send after the rättelse"; cat "$tmp/out"; fi
hist --dnr SN/2026:404
if python3 - "$tmp/hist.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
rows = doc["forsandelser"]
assert all(r["dnr"] == "SN/2026:404" and r["paragraf"] == 122 for r in rows), rows
kristina = [r for r in rows if r["mottagare"].startswith("Kristina Dahl")]
karl = [r for r in rows if r["mottagare"].startswith("Karl Dahl")]
assert len(kristina) == 1 and kristina[0]["state"] == "felaktigt utskickad", kristina
assert kristina[0]["felaktigt_utskickad"] is True and kristina[0]["postort"], kristina
assert kristina[0]["tid"] == "2026-11-20 11:00" and len(kristina[0]["sha256"]) == 64, kristina
# Karl is served (delgivning): sent, and waiting for his kvitto.
assert len(karl) == 1 and karl[0]["state"] == "väntar på kvitto" and karl[0]["rattelse"] == 1, karl
assert karl[0]["tid"] == "2026-11-22 11:00", karl
states = sorted(r["state"] for r in rows)
# Only the family home changed: the others' försändelser stand.
assert states.count("ersatt") == 0 and states.count("skickad") == 2, states
assert states.count("arkiverad") == 2, states
PY
then ok; else bad "after: historik --dnr does not show both sendings with their states"; cat "$tmp/hist.json" | head -c 3000; fi
x historik --dnr SN/2026:404
if grep -q 'felaktigt utskickad: ersatt genom rättelse 2026-11-22: Beslutet gick till fel familjehem' "$tmp/out" && ! unmasked <"$tmp/out"; then ok; else
	bad "after: historik text"; cat "$tmp/out"
fi

# ---- a kvitto not back: status reminds after [delgivning] paminnelse_dagar ----
# Karl's försändelse went out 2026-11-22; four weeks on, no kvitto yet.
EXPEDIERA_AUDIT_NOW=2026-12-20T10:00:00Z x status
if grep -q 'delgivningskvittot har inte kommit tillbaka' "$tmp/out" && [ "$(rc)" -eq 3 ]; then ok; else
	bad "after: status does not remind of a kvitto not back"; cat "$tmp/out"
fi
printf '[delgivning]\npaminnelse_dagar = 365\n' >>"$A/expediera.conf"
EXPEDIERA_AUDIT_NOW=2026-12-20T10:00:00Z x status
! grep -q 'delgivningskvittot har inte kommit tillbaka' "$tmp/out" && ok || bad "after: paminnelse_dagar is not read"

# ---- kvitto: the served date and the last day to appeal ----
kid=$(python3 -c 'import json,sys; print([r["id"] for r in json.load(open(sys.argv[1]))["forsandelser"] if r["mottagare"].startswith("Karl") and r["delgivning"]][0])' "$tmp/hist.json")
kfile=$(ls "$A"/out/print/utskrift-*.pdf | tail -n 1)
if pdftotext "$kfile" - | grep -q 'DELGIVNINGSKVITTO' && pdftotext "$kfile" - | grep -q "$kid"; then ok; else
	bad "after: the delgivningskvitto does not name the försändelse $kid"
fi
x kvitto "$kid" --datum 2026-11-19
[ "$(rc)" -eq 2 ] && grep -q 'före utskicket' "$tmp/err" && ok || { bad "after: a kvitto dated before the sending"; cat "$tmp/err"; }
# Served 2026-12-03: three weeks on is julafton, then jul, a weekend: Monday 28 December.
EXPEDIERA_AUDIT_NOW=2026-12-05T10:00:00Z x kvitto "$kid" --datum 2026-12-03
if [ "$(rc)" -eq 0 ] && grep -q 'sista dag att överklaga 2026-12-28' "$tmp/out"; then ok; else
	bad "after: kvitto (exit $(rc))"; cat "$tmp/out" "$tmp/err"
fi
EXPEDIERA_AUDIT_NOW=2026-12-05T10:00:00Z x kvitto "$kid" --datum 2026-12-03
[ "$(rc)" -eq 2 ] && grep -q 'redan registrerat' "$tmp/err" && ok || bad "after: a kvitto registered twice"
hist --sammantrade 2026-11-18
if python3 - "$tmp/hist.json" "$kid" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))["forsandelser"]
k = [r for r in rows if r["id"] == sys.argv[2]]
assert len(k) == 1 and k[0]["state"] == "delgiven", k
assert k[0]["delgiven"] == "2026-12-03" and k[0]["sista_dag_att_overklaga"] == "2026-12-28", k
assert k[0]["laga_kraft"] == "2026-12-29", k
assert len(rows) > 36, len(rows)
PY
then ok; else bad "after: historik --json lacks the delgivning"; fi
hist --sammantrade 2025-01-01
grep -q '"antal": 0' "$tmp/hist.json" && ok || bad "after: historik --sammantrade does not filter"

# ---- retur, then a new address: sent there once ----
hist --dnr SN/2026:404
mid=$(python3 -c 'import json,sys; print([r["id"] for r in json.load(open(sys.argv[1]))["forsandelser"] if r["mottagare"].startswith("Mikael") and r["state"] == "skickad"][0])' "$tmp/hist.json")
aid=$(python3 -c 'import json,sys; print([r["id"] for r in json.load(open(sys.argv[1]))["forsandelser"] if r["roll"] == "intern" and r["state"] == "arkiverad"][0])' "$tmp/hist.json")
x retur "$aid" --datum 2026-11-24
[ "$(rc)" -eq 2 ] && grep -q 'gick inte med post' "$tmp/err" && ok || bad "after: retur of an archive copy"
x retur 0000-0000-0000 --datum 2026-11-24
[ "$(rc)" -eq 2 ] && grep -q 'ingen skickad försändelse' "$tmp/err" && ok || bad "after: retur of an unknown id"
EXPEDIERA_AUDIT_NOW=2026-11-25T10:00:00Z x retur "$mid" --datum 2026-11-24 --orsak "Okänd på adressen"
[ "$(rc)" -eq 0 ] && ok || { bad "after: retur (exit $(rc))"; cat "$tmp/err"; }
EXPEDIERA_AUDIT_NOW=2026-11-25T10:00:00Z x send "$apkg"
if [ "$(rc)" -eq 3 ] && grep -q ': 0 skickade, 35 redan skickade tidigare, 2 hålls' "$tmp/out"; then ok; else
	bad "after: a returned recipient is not held"; cat "$tmp/out"
fi
x status
if [ "$(rc)" -eq 3 ] && grep -Eq 'returnerad +posten kom tillbaka 2026-11-24; hålls tills försättsbladet har en ny' "$tmp/out" &&
    grep -q '1 returnerade utan ny adress' "$tmp/out"; then ok; else
	bad "after: status does not show the returned post"; cat "$tmp/out"
fi
sed -i 's|Södra Linvägen 8|Norra Linvägen 2|' "$asheet"
x check "$apkg"
[ "$(rc)" -eq 0 ] && ok || { bad "after: a new address after a retur is changed-after-send"; cat "$tmp/err"; }
before=$(nfiles)
EXPEDIERA_AUDIT_NOW=2026-11-26T10:00:00Z x send "$apkg"
if grep -q ': 1 skickade, 35 redan' "$tmp/out" && [ "$(nfiles)" -eq $((before + 2)) ] &&
    ls "$A"/out/print/*.csv | xargs cat | grep -q 'retur1'; then ok; else
	bad "after: the new address was not sent to once ($before → $(nfiles) files)"; cat "$tmp/out"; ls "$A"/out/print; ls "$A"/out/print/*.csv | xargs tail -n 2
fi
x send "$apkg"
grep -q ': 0 skickade, 36 redan' "$tmp/out" && ok || { bad "after: the retur was sent twice"; cat "$tmp/out"; }
x status
if ! grep -q 'returnerad.*hålls' "$tmp/out" && grep -q ' 1 hålls, 0 misslyckades' "$tmp/out"; then ok; else
	bad "after: status still holds the returned försändelse"; cat "$tmp/out"
fi

# ---- historik by personnummer; no number in the database ----
hist --person 19861219-9854
if python3 - "$tmp/hist.json" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))["forsandelser"]
assert rows and all(r["mottagare"].startswith("Mikael Järvinen (19861219-****)") for r in rows), rows
assert sorted(r["state"] for r in rows) == ["returnerad", "skickad"], rows
PY
then ok; else bad "after: historik --person"; cat "$tmp/hist.json" | head -c 2000; fi
# The child the case concerns finds the decisions about them too.
hist --person "$(grep -o '<personnummer>[0-9-]*' "$apkg/forsattsblad/sn-2026-404.xml" | head -n 1 | cut -d'>' -f2)"
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["antal"] >= 5' "$tmp/hist.json" && ok || bad "after: historik --person of whom the case concerns"
x historik --person 19861219-9855
[ "$(rc)" -eq 2 ] && ok || bad "after: historik --person with a bad number"
sqlite3 "$A/out/expediera.db" .dump >"$tmp/after.dump"
cat "$A/out/expediera.db" "$A/out/expediera.db-wal" >>"$tmp/after.dump" 2>/dev/null
found=""
for p in $(grep -rho '<personnummer>[0-9-]*' "$apkg" | cut -d'>' -f2 | sort -u); do
	d=$(printf '%s' "$p" | tr -d -)
	for form in "$p" "$d"; do
		h=$(printf '%s' "$form" | sha256sum | cut -c1-64)
		h2=$(printf 'id:%s' "$form" | sha256sum | cut -c1-64)
		if grep -aq -e "$form" -e "$h" -e "${h:0:32}" -e "${h2:0:32}" "$tmp/after.dump"; then found="$found $form"; fi
	done
done
[ -z "$found" ] && ok || bad "after: the database holds personnummer or their plain hashes:$found"
grep -aq 'Ekhaga' "$tmp/after.dump" && bad "after: the database holds an address" || ok
x audit verify
[ "$(rc)" -eq 0 ] && ok || { bad "after: audit verify after the commands after the send"; cat "$tmp/out"; }
# The lookup table is checked against the events it came from.
sqlite3 "$A/out/expediera.db" "DROP TRIGGER lookup_no_delete; DELETE FROM lookup WHERE event = (SELECT max(event) FROM lookup)" 2>/dev/null
x audit verify
[ "$(rc)" -eq 1 ] && cat "$tmp/out" "$tmp/err" | grep -q 'uppslagstabellen' && ok || { bad "after: audit verify misses a lookup row taken away (exit $(rc))"; cat "$tmp/out" "$tmp/err"; }
unset TZ
