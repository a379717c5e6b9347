# send.sh -- sourced by run.sh: `expediera send` end to end.  The routes are
# delivered (print batch and manifest, Skatteverket batch, hand-over, archive,
# expedieringslista), all-or-nothing and --skip-invalid, reruns send nothing
# twice, a run killed with SIGKILL at every point between recording and doing
# resumes with every försändelse exactly once, and the audit log verifies --
# and stops verifying when a row is edited or deleted.

ex=examples/sammantrade-2026-11-18

# kill_in_handover PID WORK: SIGKILL for the send PID once its print batch is
# in WORK's print folder and it has had a second in the hand-over.
kill_in_handover() {
	local i=0
	while [ -z "$(ls "$2"/out/print/utskrift-*.pdf 2>/dev/null)" ] && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	sleep 1
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}


"$bin" send --dry-run --json "$ex" >"$tmp/dry.json" 2>/dev/null
# The text columns stay aligned whatever the names (counted in characters, not bytes).
"$bin" send --dry-run "$ex" 2>/dev/null | python3 -c '
import re, sys
cols = set()
for line in sys.stdin:
    if line.startswith("§"):
        m = re.search(r" (akt|post via Skatteverket|post|digital brevlåda|överlämnas till annan avsändare|ingen väg) ", line)
        cols.add(m.start() if m else -1)
sys.exit(0 if len(cols) == 1 and -1 not in cols else 1)' && ok || bad "send --dry-run: the route column is not aligned"
want_print=$(python3 -c 'import json,sys; print(sum(1 for r in json.load(open(sys.argv[1]))["routes"] if r["route"] == "print"))' "$tmp/dry.json")
want_skv=$(python3 -c 'import json,sys; print(sum(1 for r in json.load(open(sys.argv[1]))["routes"] if r["route"] == "print-skatteverket"))' "$tmp/dry.json")
want_archive=$(python3 -c 'import json,sys; print(sum(1 for r in json.load(open(sys.argv[1]))["routes"] if r["route"] == "archive"))' "$tmp/dry.json")

# ---- the example, sent ----
W=$tmp/send1
mkwork "$W"
send_in "$W" "$ex"
# § 124 asks for kanal=digital and there is no mailbox: held, so exit 3.
if [ "$(rc)" -eq 3 ] && grep -q '1 hålls' "$tmp/out"; then ok; else bad "send: exit $(rc)"; cat "$tmp/out" "$tmp/err" | head; fi
if unmasked <"$tmp/out" || unmasked <"$tmp/err"; then bad "send: personnummer on stdout/stderr"; else ok; fi
batch=$(ls "$W"/out/print/utskrift-*.pdf 2>/dev/null)
[ "$(tail -n +2 "${batch%.pdf}.csv" | wc -l)" -eq "$want_print" ] && ok || bad "send: manifest has $(tail -n +2 "${batch%.pdf}.csv" | wc -l) rows, want $want_print"
skv=$(ls "$W"/out/print/skatteverket-*.pdf 2>/dev/null)
[ "$(tail -n +2 "${skv%.pdf}.csv" | wc -l)" -eq "$want_skv" ] && ok || bad "send: Skatteverket batch"
# The print house never sees a protected person's name or address.
if grep -q 'skyddad identitet' "${skv%.pdf}.csv"; then ok; else bad "send: Skatteverket manifest names the person"; fi
qpdf --check "$batch" >/dev/null 2>&1 && ok || bad "send: qpdf --check on the batch"
qpdf --check "$skv" >/dev/null 2>&1 && ok || bad "send: qpdf --check on the Skatteverket batch"
# Sorted by postnummer; pages as the manifest says, each försändelse on a new sheet.
python3 - "$batch" <<'PY' >"$tmp/bcheck" 2>&1
import csv, subprocess, sys
pdf = sys.argv[1]
rows = list(csv.DictReader(open(pdf[:-4] + ".csv", encoding="utf-8")))
post = [r["postnummer"].replace(" ", "") for r in rows]
assert post == sorted(post), f"not sorted by postnummer: {post}"
pages = int([l for l in subprocess.run(["pdfinfo", pdf], capture_output=True, text=True).stdout.splitlines() if l.startswith("Pages:")][0].split()[1])
want = sum(int(r["sidor"]) + int(r["sidor"]) % 2 for r in rows)
assert pages == want, f"batch has {pages} pages, manifest says {want}"
# Each försändelse starts on an odd page, and its first page names its recipient.
first = 1
for r in rows:
    text = subprocess.run(["pdftotext", "-f", str(first), "-l", str(first), pdf, "-"], capture_output=True, text=True).stdout
    assert r["namn"] in " ".join(text.split()), f"page {first} is not {r['namn']}'s letter"
    assert first % 2 == 1
    first += int(r["sidor"]) + int(r["sidor"]) % 2
assert any(r["rekommenderat"] == "ja" for r in rows), "rekommenderat not marked"
PY
if [ $? -eq 0 ]; then ok; else bad "send: print batch"; cat "$tmp/bcheck"; fi
[ "$(ls "$W"/out/arkiv/*-protokollsutdrag.pdf | wc -l)" -eq "$want_archive" ] && ok || bad "send: archive copies"
ls "$W"/out/arkiv/*-protokollsutdrag.json >/dev/null 2>&1 && grep -q '"sha256"' "$(ls "$W"/out/arkiv/*-protokollsutdrag.json | head -n 1)" && ok || bad "send: archive metadata"
ls "$W"/out/manuell/*/*.pdf >/dev/null 2>&1 && ok || bad "send: hand-over folder"
ls "$W"/out/arkiv/expedieringslista-*.pdf "$W"/out/arkiv/expedieringslista-*.csv >/dev/null 2>&1 && ok || bad "send: expedieringslista"
if find "$W/out" -type f ! -perm 600 | grep -q .; then bad "send: files not 0600"; else ok; fi
# The database holds no personnummer in clear, anywhere.
if sqlite3 "$W/out/expediera.db" .dump | unmasked; then bad "send: a personnummer in the audit database"; else ok; fi

# ---- a rerun sends nothing twice ----
before=$(printed "$W" | wc -l)
first_lista=$(ls "$W"/out/arkiv/expedieringslista-*.csv)
send_in "$W" "$ex"
if grep -q '^[^:]*: 0 skickade' "$tmp/out" && [ "$(printed "$W" | wc -l)" -eq "$before" ]; then ok; else bad "send: rerun sent again"; cat "$tmp/out"; fi

# ---- the expedieringslista as a record for the protocol's file ----
# Swedish words, local times, the postort, why a row is held; a row sent
# before keeps that sending's time and document hash.
second_lista=$(ls "$W"/out/arkiv/expedieringslista-*.csv | grep -vxF "$first_lista")
python3 - "$first_lista" "$second_lista" <<'PY' >"$tmp/lcheck" 2>&1
import csv, re, sys
first = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
second = list(csv.DictReader(open(sys.argv[2], encoding="utf-8")))
assert list(first[0].keys()) == ["paragraf", "dnr", "mottagare", "roll", "vag", "status", "tid", "sha256", "postort", "orsak", "rekommenderat"], first[0].keys()
for r in first + second:
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", r["tid"]), r
    assert r["vag"] in ("post", "rekommenderat brev", "post via Skatteverket", "akt", "överlämnas till annan avsändare", "digital brevlåda", "ingen väg"), r
    assert r["rekommenderat"] == ("ja" if r["vag"].startswith("rekommenderat") else "nej"), r
    assert r["roll"] != "" and not re.fullmatch(r"[a-z-]+", r["roll"]), r
states = {r["status"] for r in first}
assert {"skickad", "arkiverad", "överlämnad", "hålls"} <= states, states
held = [r for r in first if r["status"] == "hålls"]
assert held and all(r["orsak"] for r in held), held
posted = [r for r in first if r["vag"] == "post"]
assert posted and all(r["postort"] for r in posted), posted
assert all(r["postort"] == "skyddad" for r in first if r["vag"] == "post via Skatteverket")
assert all(r["postort"] == "" for r in first if r["roll"] == "Intern")
before = {(r["paragraf"], r["mottagare"], r["roll"]): r for r in first}
again = [r for r in second if r["status"].endswith("tidigare")]
assert len(again) == len([r for r in first if r["status"] != "hålls"]), (len(again), len(first))
for r in again:
    b = before[(r["paragraf"], r["mottagare"], r["roll"])]
    assert r["tid"] == b["tid"] and r["sha256"] == b["sha256"] and len(r["sha256"]) == 64, (r, b)
PY
if [ $? -eq 0 ]; then ok; else bad "send: the expedieringslista CSV"; cat "$tmp/lcheck"; fi
lpdf=${first_lista%.csv}.pdf
n=$(pdfinfo "$lpdf" | awk '/^Pages:/ {print $2}')
nsek=0
for i in $(seq 1 "$n"); do
	pdftotext -f "$i" -l "$i" "$lpdf" - | grep -q 'Sekretess enligt 26 kap. 1 § OSL' && nsek=$((nsek + 1))
done
ltext=$(pdftotext "$lpdf" - | tr '\n' ' ')
rows=$(($(wc -l <"$first_lista") - 1))
if [ "$n" -gt 1 ] && [ "$nsek" -eq "$n" ] && echo "$ltext" | grep -q "Totalt $rows försändelser" &&
    echo "$ltext" | grep -q 'Post: [0-9]* skickad' && echo "$ltext" | grep -q 'Akt: [0-9]* arkiverad' &&
    echo "$ltext" | grep -q 'Nämndsekreterarens underskrift' && echo "$ltext" | grep -q 'Orsak: ' &&
    ! echo "$ltext" | grep -Eq '[0-9]Z|\b(print|archive|manual)\b'; then ok; else
	bad "send: the expedieringslista PDF ($nsek of $n pages marked)"; echo "$ltext" | head -c 1500
fi

# ---- status and audit ----
"$bin" status --config "$W/expediera.conf" >"$tmp/out" 2>&1
grep -q 'hålls' "$tmp/out" && ok || bad "status: no held line"
"$bin" audit verify --config "$W/expediera.conf" >"$tmp/out" 2>&1 && ok || { bad "audit verify on an untouched log"; cat "$tmp/out"; }
"$bin" audit export --json --config "$W/expediera.conf" >"$tmp/export.json" 2>/dev/null
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["events"] and d["head"]["rows"] == len(d["events"])' "$tmp/export.json" && ok || bad "audit export --json"
unmasked <"$tmp/export.json" && bad "audit export shows a personnummer" || ok
for tamper in "UPDATE event SET data = data || ' ' WHERE id = 5" \
    "DELETE FROM event WHERE id = 7" "DELETE FROM event WHERE id = (SELECT max(id) FROM event)"; do
	cp "$W/out/expediera.db" "$tmp/t.db"
	# As someone with the sqlite3 tool would: drop the guards, then edit.
	drops=$(sqlite3 "$tmp/t.db" "SELECT 'DROP TRIGGER ' || name || ';' FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'event'")
	sqlite3 "$tmp/t.db" "$drops $tamper;" >/dev/null 2>&1 || bad "tampering itself failed: $tamper"
	printf '[audit]\ndatabase = %s\n' "$tmp/t.db" >"$tmp/t.conf"
	"$bin" audit verify --config "$tmp/t.conf" >"$tmp/out" 2>&1
	r=$?
	if [ $r -eq 1 ] && grep -q 'inte intakt' "$tmp/out"; then ok; else bad "audit verify missed: $tamper (exit $r)"; cat "$tmp/out"; fi
done

# ---- a long expedieringslista comes in parts, the totals in the last ----
W=$tmp/lista-parts
mkwork "$W"
EXPEDIERA_LISTA_RADER=10 "$bin" send --config "$W/expediera.conf" "$ex" >"$tmp/out" 2>"$tmp/err"
rows=$(($(wc -l <"$(ls "$W"/out/arkiv/expedieringslista-*.csv)") - 1))
nparts=$(( (rows + 9) / 10 ))
good=1
[ "$(ls "$W"/out/arkiv/expedieringslista-*-del[0-9][0-9][0-9].pdf 2>/dev/null | wc -l)" -eq "$nparts" ] || good=0
k=0
for f in "$W"/out/arkiv/expedieringslista-*-del[0-9][0-9][0-9].pdf; do
	k=$((k + 1))
	t=$(pdftotext "$f" - 2>/dev/null | tr '\n' ' ')
	echo "$t" | grep -q "del $k av $nparts" || good=0
	echo "$t" | grep -q 'Sekretess enligt 26 kap. 1 § OSL' || good=0
	if [ "$k" -eq "$nparts" ]; then
		echo "$t" | grep -q "Totalt $rows försändelser" && echo "$t" | grep -q 'Granskningsloggens huvud' &&
		    echo "$t" | grep -q 'Nämndsekreterarens underskrift' || good=0
	else
		echo "$t" | grep -q 'Summering\|Nämndsekreterarens' && good=0
	fi
done
if [ "$good" -eq 1 ] && [ "$nparts" -gt 1 ] && grep -q "del 1 av $nparts" "$tmp/out"; then ok; else
	bad "lista: $rows rows in parts of 10: want $nparts PDFs, the totals in the last"; ls "$W/out/arkiv" | grep lista
fi

# ---- print volumes: postnummer order across the run, cut every 3 ----
W=$tmp/volumes
mkwork "$W"
printf '[print]\nvolume = 3\n' >>"$W/expediera.conf"
send_in "$W" "$ex"
nvol=$(( (want_print + 2) / 3 ))
if [ "$(ls "$W"/out/print/utskrift-*-v[0-9][0-9][0-9].pdf 2>/dev/null | wc -l)" -eq "$nvol" ] &&
    [ "$(ls "$W"/out/print/utskrift-*-v[0-9][0-9][0-9].csv 2>/dev/null | wc -l)" -eq "$nvol" ] &&
    grep -q "volym 1 av $nvol" "$tmp/out"; then ok; else
	bad "volumes: want $nvol print volumes, each with its manifest"; ls "$W/out/print"; cat "$tmp/out"
fi
python3 - "$W/out/print" "$want_print" <<'PY' >"$tmp/vcheck" 2>&1
import csv, glob, os, subprocess, sys
d, want = sys.argv[1], int(sys.argv[2])
rows = []
for m in sorted(glob.glob(os.path.join(d, "utskrift-*-v[0-9][0-9][0-9].csv"))):
    vol = m[:-4] + ".pdf"
    mine = list(csv.DictReader(open(m, encoding="utf-8")))
    assert 1 <= len(mine) <= 3, (m, len(mine))
    assert all(r["volym"] == os.path.basename(vol) for r in mine), m
    pages = int([l for l in subprocess.run(["pdfinfo", vol], capture_output=True, text=True).stdout.splitlines() if l.startswith("Pages:")][0].split()[1])
    assert pages == sum(int(r["sidor"]) + int(r["sidor"]) % 2 for r in mine), (vol, pages)
    first = 1
    for r in mine:
        text = subprocess.run(["pdftotext", "-f", str(first), "-l", str(first), vol, "-"], capture_output=True, text=True).stdout
        assert r["namn"] in " ".join(text.split()), f"{vol} page {first} is not {r['namn']}'s letter"
        first += int(r["sidor"]) + int(r["sidor"]) % 2
    rows += mine
post = [r["postnummer"].replace(" ", "") for r in rows]
assert post == sorted(post), f"not in postnummer order across the volumes: {post}"
assert len(rows) == want and len({r["forsandelse"] for r in rows}) == want, len(rows)
PY
if [ $? -eq 0 ]; then ok; else bad "volumes: manifests and volumes"; cat "$tmp/vcheck"; fi
for v in "$W"/out/print/utskrift-*-v00[12].pdf; do
	qpdf --check "$v" >/dev/null 2>&1 && ok || bad "volumes: qpdf --check $(basename "$v")"
done
# A volume is drawn from the recording: PDF/A-1b like any document.
vcp=
for j in pdfbox2 preflight fontbox2 xmpbox commons-logging javax.activation jaxb-api; do
	vcp=$vcp${vcp:+:}/usr/share/java/$j.jar
done
v=$(ls "$W"/out/print/utskrift-*-v001.pdf)
if java -cp "$vcp" org.apache.pdfbox.preflight.Validator_A1b "$v" >"$tmp/vpf" 2>&1 &&
    grep -q 'is a valid PDF/A-1b' "$tmp/vpf"; then ok; else bad "volumes: Preflight on $(basename "$v")"; head -n 10 "$tmp/vpf"; fi
send_in "$W" "$ex"
grep -q ': 0 skickade' "$tmp/out" && ok || bad "volumes: a rerun sent again"
# Killed after the first volume went, before it was recorded sent: the
# next run finds it at the printer and sends only the others, once.
W=$tmp/volumes-kill
mkwork "$W"
printf '[print]\nvolume = 3\n' >>"$W/expediera.conf"
EXPEDIERA_CRASH_AT=batch-written "$bin" send --config "$W/expediera.conf" "$ex" >/dev/null 2>&1
first=$(ls "$W"/out/print/utskrift-*.pdf 2>/dev/null | wc -l)
send_in "$W" "$ex"
n=$(printed "$W" | wc -l)
d=$(printed "$W" | uniq -d | wc -l)
if [ "$first" -eq 1 ] && [ "$n" -eq $((want_print + want_skv)) ] && [ "$d" -eq 0 ]; then ok; else
	bad "volumes: killed after a volume: $first volume(s) before, then $n printed ($d twice), want $((want_print + want_skv)) once"
fi

# ---- all or nothing, and --skip-invalid ----
W=$tmp/send2
mkwork "$W"
send_in "$W" tests/route/all-routes/session
if [ "$(rc)" -eq 1 ] && [ ! -d "$W/out/print" ] && grep -q 'inget skickades' "$tmp/err"; then ok; else bad "send: not all-or-nothing (exit $(rc))"; fi
send_in "$W" tests/route/all-routes/session --skip-invalid
if [ "$(rc)" -eq 3 ] && [ -n "$(printed "$W")" ]; then ok; else bad "send --skip-invalid: exit $(rc)"; cat "$tmp/err"; fi
"$bin" status --config "$W/expediera.conf" >"$tmp/out" 2>&1
grep -q 'paragrafen har fel' "$tmp/out" && ok || bad "status: the held paragraph is not listed"

# ---- SIGKILL at every point between recording and doing ----
expected=$(cd "$tmp/send1" && printed . | sort)
for point in file-sending file-written batch-sending batch-written; do
	W=$tmp/kill-$point
	mkwork "$W"
	r=$( { EXPEDIERA_CRASH_AT=$point "$bin" send --config "$W/expediera.conf" "$ex" >/dev/null 2>&1; echo $?; } 2>/dev/null)
	send_in "$W" "$ex"
	got=$(printed "$W")
	if [ $r -eq 137 ] && [ "$got" = "$expected" ] &&
	    [ "$(ls "$W"/out/arkiv/*-protokollsutdrag.pdf | wc -l)" -eq "$want_archive" ]; then ok; else
		bad "kill at $point (exit $r): försändelser not exactly once"
		diff <(echo "$expected") <(echo "$got") | head
	fi
	"$bin" audit verify --config "$W/expediera.conf" >/dev/null 2>&1 && ok || bad "audit verify after kill at $point"
done
# And at moments nobody chose: kill -9 after a few milliseconds, three times.
W=$tmp/kill-random
mkwork "$W"
for ms in 20 60 120; do
	"$bin" send --config "$W/expediera.conf" "$ex" >/dev/null 2>&1 &
	pid=$!
	sleep "0.$(printf '%03d' "$ms")"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || true
done
send_in "$W" "$ex"
send_in "$W" "$ex"
if [ "$(printed "$W")" = "$expected" ]; then ok; else bad "random kills: försändelser not exactly once"; diff <(echo "$expected") <(printed "$W") | head; fi
"$bin" audit verify --config "$W/expediera.conf" >/dev/null 2>&1 && ok || bad "audit verify after random kills"
