# volume.sh -- sourced by run.sh: print volumes whose sheets cannot be mixed
# up (issue 23, item 6).  Every page of every print volume, blank backs and
# the Skatteverket instruction sheet included, carries its försändelse's id
# (the one on the delgivningskvitto and in `retur`) and "blad n av m", n and
# m counting duplex sheets, as the manifest's markning and blad columns say;
# the id changes exactly where the next försändelse starts; a rekommenderat
# one says REK on every sheet.  The instruction sheet never shares a sheet
# with the letter it is about.  The mark's words come from texts.conf.  The
# försändelse as a document (hand-over and archive copies) has no mark.
# The volumes stay valid (qpdf), their fonts embedded, and a page looks right.

vex=examples/sammantrade-2026-11-18

# The example with one recipient who gets a delgivningskvitto (its id must be
# the mark's), in volumes of 3 försändelser.
VP=$tmp/volume-pkg
rm -rf "$VP"
cp -r "$vex" "$VP"
sed -i '0,/roll="vardnadshavare" kanal="auto">/s//roll="vardnadshavare" kanal="auto" delgivning="true">/' \
    "$VP/forsattsblad/sn-2026-387.xml"
grep -q 'delgivning="true"' "$VP/forsattsblad/sn-2026-387.xml" && ok || bad "volume: the test package has no delgivning"

W=$tmp/volume
mkwork "$W"
printf '[print]\nvolume = 3\n' >>"$W/expediera.conf"
"$bin" send --config "$W/expediera.conf" "$VP" >"$tmp/out" 2>"$tmp/err"
r=$?
if [ $r -eq 3 ] && [ "$(ls "$W"/out/print/utskrift-*-v[0-9][0-9][0-9].pdf 2>/dev/null | wc -l)" -ge 3 ] &&
    ls "$W"/out/print/skatteverket-*.pdf >/dev/null 2>&1; then ok; else
	bad "volume: send (exit $r) made no volumes of 3 and Skatteverket batch"; cat "$tmp/err"; ls "$W/out/print"
fi

# Every page of every volume (and of the Skatteverket batch) against its manifest.
python3 - "$W/out/print" <<'PY' >"$tmp/volcheck" 2>&1
import csv, glob, os, re, subprocess, sys

d = sys.argv[1]
MARK = re.compile(r"Försändelse (\S+) · blad (\d+) av (\d+)( · REK)?")

def pages(pdf):
    out = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True).stdout
    return int([l for l in out.splitlines() if l.startswith("Pages:")][0].split()[1])

def text(pdf, i):
    return subprocess.run(["pdftotext", "-f", str(i), "-l", str(i), pdf, "-"],
                          capture_output=True, text=True).stdout

vols = sorted(glob.glob(os.path.join(d, "utskrift-*-v[0-9][0-9][0-9].pdf")))
skv = glob.glob(os.path.join(d, "skatteverket-*.pdf"))
assert len(vols) >= 3 and len(skv) == 1, (vols, skv)
ids, kvitto_ids, rek_seen, sizes = set(), 0, 0, set()
for vol in vols + skv:
    rows = list(csv.DictReader(open(vol[:-4] + ".csv", encoding="utf-8")))
    assert list(rows[0].keys()) == ["forsandelse", "namn", "postnummer", "sidor", "sha256",
                                    "rekommenderat", "markning", "blad", "volym"], rows[0].keys()
    if vol in vols:
        assert len(rows) == 3 or vol == vols[-1], (vol, len(rows))
    n = pages(vol)
    assert n == sum(2 * int(r["blad"]) for r in rows), (vol, n, [r["blad"] for r in rows])
    page = 1
    prev = None
    for r in rows:
        sid, m = r["markning"], int(r["blad"])
        assert re.fullmatch(r"[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}", sid), sid
        assert sid not in ids, f"{sid} twice"
        ids.add(sid)
        assert m == (int(r["sidor"]) + 1) // 2, r
        sizes.add(m)
        rek = r["rekommenderat"] == "ja"
        rek_seen += rek
        assert sid != prev, f"{vol}: page {page} starts a försändelse with the last one's id"
        for k in range(2 * m):
            t = text(vol, page)
            marks = MARK.findall(t)
            assert len(marks) == 1, f"{os.path.basename(vol)} page {page}: marks {marks}"
            got = marks[0]
            want = (sid, str(k // 2 + 1), str(m), " · REK" if rek else "")
            assert got == want, f"{os.path.basename(vol)} page {page}: {got}, want {want}"
            # The delgivningskvitto names the same försändelse as the mark.
            if "DELGIVNINGSKVITTO" in t:
                assert f"Försändelse: {sid}" in t, f"page {page}: kvitto names another id"
                kvitto_ids += 1
            # The Skatteverket instruction sheet is alone on its sheet: an odd
            # page, its back blank but for the mark.
            if "Försändelse till person med skyddade personuppgifter" in t:
                assert page % 2 == 1 and k == 0, (vol, page)
                back = " ".join(text(vol, page + 1).split())
                assert MARK.sub("", back).strip() == "", f"instruction sheet's back: {back!r}"
            page += 1
        prev = sid
        if vol in vols:
            first = " ".join(text(vol, page - 2 * m).split())
            assert r["namn"] in first, f"{vol}: page {page - 2 * m} is not {r['namn']}'s"
    assert page == n + 1
assert kvitto_ids >= 1, "no delgivningskvitto in the volumes"
assert rek_seen >= 1, "no rekommenderat försändelse in the volumes"
assert len(sizes) >= 2 and max(sizes) >= 2, f"försändelser all of one size: {sizes}"
print(len(ids), "försändelser checked")
PY
if [ $? -eq 0 ]; then ok; else bad "volume: marks on the pages"; cat "$tmp/volcheck"; fi

# A volume of försändelser 2-4 pages each (the issue's acceptance): one exists.
python3 - "$W/out/print" <<'PY' && ok || bad "volume: no volume of 3 försändelser of 2-4 pages"
import csv, glob, os, sys
for m in glob.glob(os.path.join(sys.argv[1], "utskrift-*-v[0-9][0-9][0-9].csv")):
    rows = list(csv.DictReader(open(m, encoding="utf-8")))
    if len(rows) == 3 and all(2 <= int(r["sidor"]) <= 4 for r in rows):
        sys.exit(0)
sys.exit(1)
PY

# No page of a volume holds only the list of attachments (Bilagor): a page's
# body is what is left without the sheet mark, the running head and the foot.
only_bilagor=
for v in "$W"/out/print/utskrift-*-v[0-9][0-9][0-9].pdf; do
	n=$(pdfinfo "$v" 2>/dev/null | awk '/^Pages:/ {print $2}') i=1
	while [ "$i" -le "${n:-0}" ]; do
		body=$(pdftotext -layout -f "$i" -l "$i" "$v" - 2>/dev/null | sed 's/^ *//' | grep -v '^$' |
			grep -Ev '^(Exempelby kommun|Socialnämnden|Postadress|Box 100)|(BESLUT|UNDERRÄTTELSE OM BESLUT|Datum [0-9-]+|Dnr .*|Sida [0-9]+ \([0-9]+\)|Sekretess enligt .*)$' |
			grep -v ' · blad [0-9]')
		if printf '%s\n' "$body" | head -n 1 | grep -q '^Bilagor$' &&
		    ! printf '%s\n' "$body" | grep -Eqv '^(Bilagor|– .*)$'; then
			only_bilagor="$only_bilagor $(basename "$v"):$i"
		fi
		i=$((i + 1))
	done
done
[ -z "$only_bilagor" ] && ok || bad "volume: pages holding only Bilagor:$only_bilagor"

# Valid, fonts embedded.
good=1
for v in "$W"/out/print/*.pdf; do
	qpdf --check "$v" >/dev/null 2>&1 || { good=0; echo "qpdf: $v"; }
	pdffonts "$v" 2>/dev/null | tail -n +3 | awk '$(NF-4) != "yes" {bad = 1} END {exit bad}' ||
	    { good=0; echo "fonts: $v"; pdffonts "$v"; }
done
[ "$good" -eq 1 ] && ok || bad "volume: a volume is invalid or has a font not embedded"

# The mark stays in the top margin: above everything else on the page, and
# within the text column at the right.
v=$(ls "$W"/out/print/utskrift-*-v001.pdf)
pdftotext -bbox-layout -f 1 -l 2 "$v" "$tmp/vol-bbox.html" 2>/dev/null
python3 - "$tmp/vol-bbox.html" <<'PY' && ok || bad "volume: the mark is not alone in the top margin"
import re, sys
h = open(sys.argv[1], encoding="utf-8").read()
for page in h.split("<page ")[1:]:
    lines = re.findall(r'<line xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</line>', page, re.S)
    words = [(float(a), float(b), float(c), float(e), " ".join(re.findall(r">([^<]*)</word>", t))) for a, b, c, e, t in lines]
    mark = [w for w in words if w[4].startswith("Försändelse ") and " blad " in w[4]]
    assert len(mark) == 1, words[:3]
    x0, y0, x1, y1, _ = mark[0]
    # A4 is 595 x 842 points; the right margin 20 mm (56.7 pt).
    assert y1 < 15 / 25.4 * 72 and x1 <= 595.3 - 56.6 and y0 > 4 / 25.4 * 72, mark
    others = [w for w in words if w is not mark[0]]
    assert all(w[1] > y1 + 2 for w in others), [w for w in others if w[1] <= y1 + 2]
PY
pdftoppm -png -r 70 -f 1 -l 1 "$v" "$tmp/vol-page" 2>/dev/null
[ -s "$tmp/vol-page-1.png" ] || [ -s "$tmp/vol-page-01.png" ] && ok || bad "volume: pdftoppm drew no page"

# The försändelse as a document (the manual hand-over's file, the archive
# copies) has no mark: it is only for the print house's envelopes.
good=1
n=0
for f in "$W"/out/manuell/*/*.pdf "$W"/out/arkiv/*-protokollsutdrag.pdf; do
	[ -f "$f" ] || continue
	n=$((n + 1))
	pdftotext "$f" - 2>/dev/null | grep -q ' · blad [0-9]' && { good=0; echo "marked: $f"; }
done
[ "$good" -eq 1 ] && [ "$n" -ge 2 ] && ok || bad "volume: a document outside the volumes carries the mark ($n checked)"

# The mark's words are the templates': a municipality's own wording is used.
VT=$tmp/volume-tmpl
rm -rf "$VT"
cp -r templates "$VT"
sed -i 's/^blad = .*/blad = Kuvert {forsandelse}, ark {n}\/{m}/; s/^blad_rek = .*/blad_rek = REK kuvert {forsandelse}, ark {n}\/{m}/' "$VT/texts.conf"
W=$tmp/volume-words
mkwork "$W"
printf '[templates]\nfolder = %s\n' "$VT" >>"$W/expediera.conf"
"$bin" send --config "$W/expediera.conf" "$VP" >"$tmp/out" 2>"$tmp/err"
v=$(ls "$W"/out/print/utskrift-*.pdf 2>/dev/null)
t=$(pdftotext -f 1 -l 1 "$v" - 2>/dev/null)
sid=$(sed -n 2p "${v%.pdf}.csv" | awk -F, '{print $(NF-2)}')
if [ -n "$sid" ] && echo "$t" | grep -q "^Kuvert $sid, ark 1/" && ! echo "$t" | grep -q 'Försändelse .* · blad' &&
    pdftotext "$v" - | grep -q "REK kuvert [0-9a-f-]*, ark 1/"; then ok; else
	bad "volume: the mark does not follow texts.conf"; echo "$t" | head -n 3; cat "$tmp/err"
fi
# An unknown placeholder in it: the batch fails, in Swedish, naming the key;
# nothing is marked sent and nothing half-drawn is left in the print folder.
sed -i 's/^blad = .*/blad = {forsandelse} {dnr}/' "$VT/texts.conf"
W=$tmp/volume-badword
mkwork "$W"
printf '[templates]\nfolder = %s\n' "$VT" >>"$W/expediera.conf"
"$bin" send --config "$W/expediera.conf" "$VP" >"$tmp/out" 2>"$tmp/err"
r=$?
if [ $r -eq 3 ] && grep -q 'texts.conf \[dokument\] blad' "$tmp/err" &&
    [ -z "$(ls "$W"/out/print/utskrift-* 2>/dev/null)" ]; then ok; else
	bad "volume: a bad mark template (exit $r)"; cat "$tmp/err"; ls "$W/out/print"
fi
