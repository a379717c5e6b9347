# protocol.sh -- sourced by run.sh: the protocol (internal and public) and
# the certified protokollsutdrag (SPEC 4, issue 23 items 5, 7 and 8), read
# back through pdftotext:
#
# - the certified extract's "Beslutet skickas till" is the protocol's own
#   <skickas-till>, not who the försättsblad sends it to;
# - the public protocol names no one in an offentligt-beslut paragraph's
#   decision points: "den unge" (under 18) or "den enskilde" in their place;
# - no page ends in a heading: a paragraph's head keeps two lines of its body,
#   a section heading two of its lines (check_headings.py), however the page
#   breaks fall.

ex=examples/sammantrade-2026-11-18
conf=examples/expediera.conf
P=$tmp/protocol
mkdir -p "$P"

# punkter NR TEXT...: the decision points of § NR in $P/pkg/protokoll.xml, replaced.
punkter() {
	python3 - "$P/pkg/protokoll.xml" "$@" <<'PY'
import re, sys
from xml.sax.saxutils import escape
f, nr, texts = sys.argv[1], sys.argv[2], sys.argv[3:]
s = open(f, encoding="utf-8").read()
m = re.search(r'<paragraf nr="%s".*?</paragraf>' % nr, s, re.S)
para = re.sub(r"<beslut>.*?</beslut>", lambda _: "<beslut>" + "".join(
    "<punkt>%s</punkt>" % escape(t) for t in texts) + "</beslut>", m.group(0), flags=re.S)
open(f, "w", encoding="utf-8").write(s[:m.start()] + para + s[m.end():])
PY
}
# attr NR ATTR VALUE: sets an attribute of § NR's <paragraf>.
attr() {
	sed -i -E "s/(<paragraf nr=\"$1\"[^>]*) $2=\"[^\"]*\"/\1/; s/<paragraf nr=\"$1\"/<paragraf nr=\"$1\" $2=\"$3\"/" \
	    "$P/pkg/protokoll.xml"
}
# prot DIR NAME: the internal and public protocol of DIR as $P/NAME-{intern,offentlig}.{pdf,txt}.
prot() {
	"$bin" protokoll --config "$conf" "$1" -o "$P/$2-intern.pdf" >/dev/null 2>"$P/err" &&
	    "$bin" protokoll --public --config "$conf" "$1" -o "$P/$2-offentlig.pdf" >/dev/null 2>>"$P/err"
	r=$?
	pdftotext -enc UTF-8 "$P/$2-intern.pdf" "$P/$2-intern.txt" 2>/dev/null
	pdftotext -enc UTF-8 "$P/$2-offentlig.pdf" "$P/$2-offentlig.txt" 2>/dev/null
	return $r
}

# ---- 5: the certified extract certifies what the protocol says ----
"$bin" render --config "$conf" "$ex" -o "$P/r" >/dev/null 2>"$P/err" || {
	bad "protocol: render of the example"; head -n 5 "$P/err"
}
# The parents' extract of § 122: between "Beslutet skickas till" and the
# certification only the protocol's own entries, no role from the försättsblad.
f=$(ls "$P"/r/122-2-vardnadshavare-*.pdf 2>/dev/null | head -n 1)
between=$(pdftotext -enc UTF-8 "$f" - 2>/dev/null | sed -n '/^Beslutet skickas till$/,/Utdraget överensstämmer/p')
want=$(python3 -c '
import sys, xml.etree.ElementTree as ET
P = "{urn:expediera:protokoll:1}"
for p in ET.parse(sys.argv[1]).getroot().findall(P + "paragraf"):
    if p.get("nr") == "122":
        print(" ".join("– " + m.text.strip() for m in p.findall(P + "skickas-till/" + P + "mottagare")))
' "$ex/protokoll.xml")
# the list's items; the rest is the boxes and footer of the page
got=$(printf '%s\n' "$between" | grep '^– ' | tr '\n' ' ' | sed 's/ $//')
if [ -n "$want" ] && [ "$got" = "$want" ]; then ok; else
	bad "protocol: § 122 parents' extract lists \"$got\" under Beslutet skickas till, the protocol \"$want\""
fi
printf '%s' "$between" | grep -qiE 'Vårdnadshavare|Familjehem' &&
	bad "protocol: § 122 parents' extract certifies a försättsblad role" || ok
# Every extract of every försändelse: its list is its paragraph's <skickas-till>.
python3 - "$ex/protokoll.xml" "$P"/r/*.pdf >"$P/sk" 2>&1 <<'PY'
import re, subprocess, sys, os, xml.etree.ElementTree as ET
P = "{urn:expediera:protokoll:1}"
want = {p.get("nr"): [m.text.strip() for m in p.findall(P + "skickas-till/" + P + "mottagare")]
        for p in ET.parse(sys.argv[1]).getroot().findall(P + "paragraf")}
bad = n = 0
for f in sys.argv[2:]:
    nr = os.path.basename(f).split("-")[0]
    t = subprocess.run(["pdftotext", "-enc", "UTF-8", f, "-"], capture_output=True, text=True).stdout
    m = re.search(r"Beslutet skickas till\n(.*?)(\n\n|Paragrafen förklarades|Justerandes sign)", t, re.S)
    got = [l[1:].strip() for l in (m.group(1) if m else "").split("\n") if l.startswith("–")]
    n += 1
    if got != want[nr]:
        bad += 1
        print(f"FAIL: {os.path.basename(f)}: {got} under Beslutet skickas till, the protocol {want[nr]}")
print(f"{n} read, {bad} failed")
PY
if tail -n 1 "$P/sk" | grep -qE '^[1-9][0-9]* read, 0 failed$'; then ok; else
	bad "protocol: an extract's Beslutet skickas till is not its paragraph's ($(tail -n 1 "$P/sk"))"
	grep FAIL "$P/sk" | head -n 5
fi

# ---- 8: the public protocol names no one in offentligt-beslut points ----
rm -rf "$P/pkg"
cp -r "$ex" "$P/pkg"
attr 121 sekretess true
attr 121 offentligt-beslut true
punkter 121 \
    "Socialnämndens individutskott beslutar att Liam Åkesson (20200509-9813) omedelbart ska omhändertas." \
    "Liams vårdnadshavare ska underrättas om beslutet, som gäller 200509-9813 och LIAM ÅKESSON." \
    "Åkessons skolgång ska tryggas under placeringen."
# An adult's offentligt-beslut paragraph: den enskilde.
attr 129 sekretess true
attr 129 offentligt-beslut true
punkter 129 "Socialnämndens individutskott beslutar att bevilja Sara Mäkelä (19920409-9825) fortsatt bistånd." \
    "Mäkeläs ansökan i övrigt avslås."
if prot "$P/pkg" named; then ok; else bad "protocol: protokoll of the named package"; head -n 5 "$P/err"; fi
pub=$(tr '\n' ' ' <"$P/named-offentlig.txt")
int=$(tr '\n' ' ' <"$P/named-intern.txt")
for w in Liam Åkesson 200509 Mäkelä 920409; do
	printf '%s' "$pub" | grep -qi -- "$w" && bad "protocol: the public protocol shows \"$w\"" || ok
	printf '%s' "$int" | grep -q -- "$w" && ok || bad "protocol: the internal protocol lacks \"$w\""
done
for w in 'beslutar att den unge omedelbart ska omhändertas' 'Den unges vårdnadshavare' \
    'som gäller den unge och den unge' 'Den unges skolgång' \
    'beslutar att bevilja den enskilde fortsatt' 'Den enskildes ansökan'; do
	printf '%s' "$pub" | grep -q -- "$w" && ok || bad "protocol: the public protocol lacks \"$w\""
done
python3 tests/lib/check_protokoll.py "$P/pkg/protokoll.xml" "$P/named-intern.txt" "$P/named-offentlig.txt" >"$P/pcheck" 2>&1
if tail -n 1 "$P/pcheck" | grep -q ' 0 failed$'; then ok; else
	bad "protocol: named package public/internal content ($(tail -n 1 "$P/pcheck"))"
	grep FAIL "$P/pcheck" | head -n 10
fi

# ---- 7: no heading alone at the foot of a page ----
# The example as it is, then with § 120 and § 121 longer by 1..7 stycken, so
# that the page breaks of the protocols and of § 121's extracts fall
# everywhere in the heads and sections after them.
if prot "$ex" ex; then ok; else bad "protocol: protokoll of the example"; fi
python3 tests/lib/check_headings.py "$ex/protokoll.xml" templates/texts.conf "$P/ex-intern.pdf" \
    "$P/ex-offentlig.pdf" "$P"/r/*.pdf >"$P/hcheck" 2>&1
if tail -n 1 "$P/hcheck" | grep -q ' 0 failed$'; then ok; else
	bad "protocol: headings at a page foot in the example ($(tail -n 1 "$P/hcheck"))"
	grep FAIL "$P/hcheck" | head -n 10
fi
stycke='<stycke>Förvaltningen har i sin redovisning gått igenom varje beslut och funnit att de fattats av rätt delegat.</stycke>'
for n in 1 2 3 4 5 6 7; do
	rm -rf "$P/pad"
	cp -r "$ex" "$P/pad"
	python3 - "$P/pad/protokoll.xml" "$n" "$stycke" <<'PY'
import re, sys
f, n, st = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = open(f, encoding="utf-8").read()
# § 120 grows by n stycken, § 121 by 7 - n: heads and headings land everywhere.
for nr, k in (("120", n), ("121", 7 - n)):
    m = re.search(r'<paragraf nr="%s".*?</beskrivning>' % nr, s, re.S)
    s = s[:m.end() - len("</beskrivning>")] + st * k + s[m.end() - len("</beskrivning>"):]
open(f, "w", encoding="utf-8").write(s)
PY
	prot "$P/pad" "pad$n" || bad "protocol: protokoll of padded package $n"
	rm -rf "$P/padr"
	"$bin" render --config "$conf" "$P/pad" -o "$P/padr" >/dev/null 2>"$P/err" ||
	    bad "protocol: render of padded package $n"
	python3 tests/lib/check_headings.py "$P/pad/protokoll.xml" templates/texts.conf "$P/pad$n-intern.pdf" \
	    "$P/pad$n-offentlig.pdf" "$P"/padr/121-*.pdf >"$P/hcheck" 2>&1
	if tail -n 1 "$P/hcheck" | grep -q ' 0 failed$'; then ok; else
		bad "protocol: headings at a page foot, padded by $n ($(tail -n 1 "$P/hcheck"))"
		grep FAIL "$P/hcheck" | head -n 5
	fi
done

# "6 §" and "§ 122" are never broken over two lines: no line of the
# protocols or the extracts starts with a § that is not a paragraph's head.
for f in "$P/ex-intern.pdf" "$P/ex-offentlig.pdf" "$P"/r/*.pdf; do
	pdftotext -layout -enc UTF-8 "$f" - 2>/dev/null
done | grep -E '^ *([0-9]+\. +)?§' | grep -vE '^§ [0-9]+ +Dnr ' >"$P/para" || true
if [ -s "$P/para" ]; then bad "protocol: a line starts with a § parted from its number: $(head -n 1 "$P/para")"; else ok; fi
