# states.sh -- sourced by run.sh: what status, historik, kvitto and the
# expedieringslista tell the nämndsekreterare (SPEC 2.2, 5, 7).  Every state
# and route in the text is Swedish (the JSON keeps its ids), "delgiven" is
# said once, the rekommenderat försändelser are marked, and a kvitto gives an
# appeal deadline and laga kraft only for a decision appealed by
# förvaltningsbesvär: an ej-överklagbart decision gets none, an underställt
# one the underställning's due day (when the appeal table knows it) instead.
# Runs on its own (EXPEDIERA=path/to/binary to try another build).

export TZ=Europe/Stockholm
S=$tmp/states
mkwork "$S"
spkg=$tmp/states-paket
rm -rf "$spkg"
cp -r examples/sammantrade-2026-11-18 "$spkg"
# § 122 (förvaltningsbesvär): Mikael is served by registered mail.
# § 128 (ej-överklagbart): Camilla is served.  § 121 (6 § LVU, made
# understalls here whatever the example says): Jessica is served, Tobias
# has kanal="rekommenderat" already.  § 124 is held (kanal=digital, no mailbox).
python3 - "$spkg" <<'PY'
import sys
d = sys.argv[1]
def edit(f, old, new):
    p = f"{d}/{f}"
    s = open(p, encoding="utf-8").read()
    assert old in s, (f, old)
    open(p, "w", encoding="utf-8").write(s.replace(old, new, 1))
edit("forsattsblad/sn-2026-404.xml", '<mottagare roll="vardnadshavare" kanal="auto">\n    <namn>Mikael',
     '<mottagare roll="vardnadshavare" kanal="rekommenderat" delgivning="true">\n    <namn>Mikael')
edit("forsattsblad/sn-2026-441.xml", '<mottagare roll="vardnadshavare" kanal="auto">\n    <namn>Camilla',
     '<mottagare roll="vardnadshavare" kanal="auto" delgivning="true">\n    <namn>Camilla')
edit("forsattsblad/sn-2026-431.xml", '<mottagare roll="vardnadshavare" kanal="auto">\n    <namn>Jessica',
     '<mottagare roll="vardnadshavare" kanal="auto" delgivning="true">\n    <namn>Jessica')
p = f"{d}/protokoll.xml"
s = open(p, encoding="utf-8").read()
i = s.index('<paragraf nr="121"')
j = s.index("</paragraf>", i)
k = s.index("<overklagande ", i)
assert k < j
e = s.index("/>", k)
s = s[:k] + '<overklagande typ="understalls"' + s[e:]
open(p, "w", encoding="utf-8").write(s)
PY
# sx CMD ARGS...: expediera CMD with S's configuration; out, err, rc in $tmp.
sx() {
	c=$1
	shift
	"$bin" "$c" --config "$S/expediera.conf" "$@" >"$tmp/out" 2>"$tmp/err"
	echo $? >"$tmp/rc"
}
# sid NAME: the short id of NAME's försändelse, from historik --json.
sid() {
	"$bin" historik --json --config "$S/expediera.conf" |
	    python3 -c 'import json,sys; print([r["id"] for r in json.load(sys.stdin)["forsandelser"] if r["mottagare"].startswith(sys.argv[1])][0])' "$1"
}
# english FILE: true when FILE shows a state or route by its English id.
english() { grep -Ewq '(held|print|print-skatteverket|archive|pending|sending|sent|failed|manual|uncertain|returned|delivered)' "$1"; }

EXPEDIERA_AUDIT_NOW=2026-11-20T10:00:00Z sx send "$spkg"
[ "$(rc)" -eq 3 ] && ok || { bad "states: the send (exit $(rc))"; head -n 5 "$tmp/err"; }

# ---- kvitto: dates only for förvaltningsbesvär ----
mikael=$(sid Mikael)
camilla=$(sid Camilla)
jessica=$(sid Jessica)
EXPEDIERA_AUDIT_NOW=2026-12-05T10:00:00Z sx kvitto "$mikael" --datum 2026-12-03
if [ "$(rc)" -eq 0 ] && grep -q "delgiven 2026-12-03; sista dag att överklaga 2026-12-28; laga kraft tidigast 2026-12-29" "$tmp/out"; then ok; else
	bad "states: kvitto on a förvaltningsbesvär decision does not give the dates"; cat "$tmp/out" "$tmp/err"
fi
EXPEDIERA_AUDIT_NOW=2026-12-05T10:00:00Z sx kvitto "$camilla" --datum 2026-12-03
if [ "$(rc)" -eq 0 ] && grep -q 'delgiven 2026-12-03; beslutet kan inte överklagas' "$tmp/out" &&
    ! grep -Eq 'sista dag|laga kraft|2026-12-2[0-9]' "$tmp/out"; then ok; else
	bad "states: kvitto on an ej-överklagbart decision states an appeal time"; cat "$tmp/out" "$tmp/err"
fi
EXPEDIERA_AUDIT_NOW=2026-12-05T10:00:00Z sx kvitto "$jessica" --datum 2026-12-03
# The appeal table (templates/overklagande.conf, 7 § LVU: within a week)
# makes the due day the meeting plus seven days.
if [ "$(rc)" -eq 0 ] && grep -q 'kan inte överklagas; det ska underställas förvaltningsrätten' "$tmp/out" &&
    ! grep -Eq 'sista dag att överklaga|laga kraft' "$tmp/out" &&
    grep -q 'senast 2026-11-25' "$tmp/out" && ! grep -q 'ingen tidsfrist' "$tmp/out"; then ok; else
	bad "states: kvitto on an underställt decision"; cat "$tmp/out" "$tmp/err"
fi
# The event recorded: no appeal dates for the decisions that have none.
sqlite3 "$S/out/expediera.db" "SELECT data FROM event WHERE kind = 'kvitto'" >"$tmp/kv"
if [ "$(grep -c '"sista_dag"' "$tmp/kv")" -eq 1 ] && [ "$(grep -c '"overklagande":"ej-overklagbart"' "$tmp/kv")" -eq 1 ] &&
    [ "$(grep -c '"overklagande":"understalls"' "$tmp/kv")" -eq 1 ]; then ok; else
	bad "states: the kvitto events"; cat "$tmp/kv"
fi
peter=$(sid Peter)
EXPEDIERA_AUDIT_NOW=2026-12-05T10:00:00Z sx retur "$peter" --datum 2026-11-30 --orsak "Okänd på adressen"
[ "$(rc)" -eq 0 ] && ok || { bad "states: retur"; cat "$tmp/err"; }

# ---- status: Swedish words, delgiven once; the JSON keeps its ids ----
EXPEDIERA_AUDIT_NOW=2026-12-05T10:00:00Z sx status
cp "$tmp/out" "$tmp/status.txt"
if [ "$(rc)" -eq 3 ] && ! english "$tmp/status.txt" && ! grep -q 'delgiven:\? delgiven' "$tmp/status.txt" &&
    grep -Eq '^§ 124 +ingen väg +hålls +kanal=digital' "$tmp/status.txt" &&
    grep -Eq '^§ 128 +post +returnerad +posten kom tillbaka 2026-11-30' "$tmp/status.txt" &&
    grep -Eq '^§ 122 +rekommenderat brev +delgiven +2026-12-03; sista dag att överklaga 2026-12-28' "$tmp/status.txt" &&
    grep -Eq '^§ 128 +post +delgiven +2026-12-03; beslutet kan inte överklagas$' "$tmp/status.txt" &&
    grep -q 'Mikael Järvinen (19861219-\*\*\*\*), Vårdnadshavare, SN/2026:404' "$tmp/status.txt" &&
    grep -q ' 1 hålls, 0 misslyckades, 1 returnerade utan ny adress' "$tmp/status.txt" &&
    ! unmasked <"$tmp/status.txt"; then ok; else
	bad "states: status text (exit $(rc))"; cat "$tmp/status.txt"
fi
EXPEDIERA_AUDIT_NOW=2026-12-05T10:00:00Z sx status --json
if python3 - "$tmp/out" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
items = doc["items"]
ids = {"pending", "sending", "sent", "held", "failed"}
routes = {"manual", "print", "print-skatteverket", "digital", "archive", "held"}
assert all(i["state"] in ids and i["route"] in routes for i in items), items
held = [i for i in items if i["paragraf"] == 124 and i["state"] == "held"]
assert held and held[0]["route"] == "held" and held[0]["label"] == "hålls", held
assert held[0]["route_label"] == "ingen väg", held
arch = [i for i in items if i["route"] == "archive"]
assert arch and all(i["label"] == "arkiverad" and i["route_label"] == "akt" for i in arch), arch
rek = [i for i in items if i["rekommenderat"]]
assert sorted(i["paragraf"] for i in rek) == [121, 122], rek
assert all(i["route"] == "print" and i["route_label"] == "rekommenderat brev" for i in rek), rek
m = [i for i in items if i["mottagare"].startswith("Mikael")][0]
assert m["now"] == "delgiven" and m["label"] == "delgiven", m
assert m["note"].startswith("2026-12-03; sista dag att överklaga 2026-12-28"), m
assert doc["held"] == 1 and doc["returned"] == 1, doc
PY
then ok; else bad "states: status --json"; fi

# ---- historik: the same words, rekommenderat, the underställning ----
sx historik
cp "$tmp/out" "$tmp/hist.txt"
if [ "$(rc)" -eq 0 ] && ! english "$tmp/hist.txt" && ! grep -q 'delgiven:\? delgiven' "$tmp/hist.txt" &&
    grep -q 'Mikael Järvinen (19861219-\*\*\*\*), Vårdnadshavare; rekommenderat brev till Exempelby' "$tmp/hist.txt" &&
    grep -q 'Tobias Nyström (19911028-\*\*\*\*), Vårdnadshavare; rekommenderat brev till Exempelby' "$tmp/hist.txt" &&
    [ "$(grep -c 'rekommenderat brev' "$tmp/hist.txt")" -eq 2 ] &&
    grep -q '^    delgiven: 2026-12-03; sista dag att överklaga 2026-12-28; laga kraft tidigast 2026-12-29' "$tmp/hist.txt" &&
    grep -q '^    delgiven: 2026-12-03; beslutet kan inte överklagas;' "$tmp/hist.txt" &&
    grep -q '^    hålls: kanal=digital' "$tmp/hist.txt" && grep -q '^    arkiverad; sha256' "$tmp/hist.txt" &&
    grep -q '^    returnerad: posten kom tillbaka 2026-11-30' "$tmp/hist.txt" &&
    ! unmasked <"$tmp/hist.txt"; then ok; else
	bad "states: historik text"; cat "$tmp/hist.txt" | head -n 80
fi
# Tobias (§ 121, not served) still reads when the underställning is due.
if awk '/Tobias Nyström/ {f = 1} f && /^[0-9a-f]{4}-/ && !/Tobias/ {exit} f' "$tmp/hist.txt" |
    grep -Eq '^    beslutet kan inte överklagas; det ska underställas förvaltningsrätten senast 2026-11-25'; then ok; else
	bad "states: historik does not show the underställning for § 121"; grep -A4 Tobias "$tmp/hist.txt"
fi
sx historik --json
if python3 - "$tmp/out" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))["forsandelser"]
by = lambda n: [r for r in rows if r["mottagare"].startswith(n)][0]
m, c, j, t = by("Mikael"), by("Camilla"), by("Jessica"), by("Tobias")
assert m["kanal"] == "rekommenderat" and m["rekommenderat"] is True and m["route"] == "print", m
assert m["route_label"] == "rekommenderat brev" and m["outbox"] == "sent", m
assert m["overklagande"] == "forvaltningsbesvar" and m["state"] == "delgiven", m
assert m["delgiven"] == "2026-12-03" and m["sista_dag_att_overklaga"] == "2026-12-28", m
assert m["laga_kraft"] == "2026-12-29", m
assert c["overklagande"] == "ej-overklagbart" and c["delgiven"] == "2026-12-03", c
assert c["sista_dag_att_overklaga"] is None and c["laga_kraft"] is None, c
assert j["overklagande"] == "understalls" and j["sista_dag_att_overklaga"] is None, j
assert j["laga_kraft"] is None, j
for r in (j, t):
    assert r.get("understalls_senast") == "2026-11-25", r
    assert r.get("understalls_lag") == "7 § LVU", r
assert t["rekommenderat"] is True and t["kanal"] == "rekommenderat", t
assert sum(1 for r in rows if r["rekommenderat"]) == 2, [r for r in rows if r["rekommenderat"]]
assert all(r["outbox"] in ("sent", "held") for r in rows), rows
assert all("understalls_senast" not in r for r in rows if r["paragraf"] != 121), rows
PY
then ok; else bad "states: historik --json"; fi

# ---- the expedieringslista: Swedish states, the rekommenderat ones marked ----
lcsv=$(ls "$S"/out/arkiv/expedieringslista-*.csv)
lpdf=${lcsv%.csv}.pdf
pdftotext -layout "$lpdf" "$tmp/lista.txt"
if [ "$(grep -c 'Rekommenderat brev, Exempelby: skickad' "$tmp/lista.txt")" -eq 2 ] &&
    grep -A1 'Mikael Järvinen' "$tmp/lista.txt" | grep -q 'Rekommenderat brev, Exempelby: skickad' &&
    grep -A1 'Kristina Dahl' "$tmp/lista.txt" | grep -q 'Post, Exempelby: skickad' &&
    grep -A1 'Johan Ekström' "$tmp/lista.txt" | grep -q 'Ingen väg, Exempelby: hålls' &&
    grep -q 'Akt: arkiverad' "$tmp/lista.txt" && grep -q 'Rekommenderat brev: 2 skickad' "$tmp/lista.txt" &&
    ! english "$tmp/lista.txt" && ! unmasked <"$tmp/lista.txt"; then ok; else
	bad "states: the expedieringslista PDF"; head -c 3000 "$tmp/lista.txt"
fi
if python3 - "$lcsv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
rek = [r for r in rows if r["rekommenderat"] == "ja"]
assert sorted(r["paragraf"] for r in rek) == ["121", "122"], rek
assert all(r["vag"] == "rekommenderat brev" for r in rek), rek
assert all(r["rekommenderat"] == "nej" for r in rows if r not in rek), rows
assert {r["status"] for r in rows} <= {"skickad", "arkiverad", "överlämnad", "hålls", "misslyckad", "väntar"}, rows
PY
then ok; else bad "states: the expedieringslista CSV"; fi

# ---- a log from before the appeal route was recorded ----
# tests/fold/legacy's route events have no "overklagande": historik and
# status still answer, and state no underställning or deadline.
SL=$tmp/states-legacy
rm -rf "$SL"
cp -r tests/fold/legacy "$SL"
chmod 0700 "$SL" "$SL/out"
chmod 0600 "$SL/out/expediera.key" "$SL/out/expediera.db"
"$bin" historik --json --config "$SL/expediera.conf" >"$tmp/out" 2>"$tmp/err"
if [ $? -eq 0 ] && python3 - "$tmp/out" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))["forsandelser"]
assert rows and all(r["overklagande"] is None and "understalls_senast" not in r for r in rows)
# The kanal was recorded then too: § 121's registered letter is still marked.
assert [r["mottagare"][:14] for r in rows if r["rekommenderat"]] == ["Tobias Nyström"]
PY
then ok; else bad "states: historik --json of an old log"; cat "$tmp/err"; fi
"$bin" historik --config "$SL/expediera.conf" >"$tmp/out" 2>"$tmp/err"
if [ $? -eq 0 ] && ! english "$tmp/out" && ! grep -q 'underställ' "$tmp/out"; then ok; else
	bad "states: historik of an old log"; head -n 20 "$tmp/out" "$tmp/err"
fi
unset TZ
