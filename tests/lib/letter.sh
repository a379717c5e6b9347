# letter.sh -- sourced by run.sh: what the letter tells a party (SPEC 2.1, 4),
# read back page by page with pdftotext.  A copy of the example with:
#   § 121  typ="understalls" (6 § LVU), its first vårdnadshavare served
#          (delgivning, so a delgivningskvitto goes last);
#   § 124  typ="laglighetsprovning" (with avvikelse), for the sheet's dates;
#   § 125  typ="understalls" with only 13 § LVM as lagrum.
# § 121's second vårdnadshavare is sent kanal="rekommenderat" and § 122's
# first has a protected identity, as in the example itself.

ex=examples/sammantrade-2026-11-18
conf=examples/expediera.conf
L=$tmp/letter
rm -rf "$L"
mkdir -p "$L"
cp -r "$ex" "$L/pkg"
python3 - "$L/pkg/protokoll.xml" <<'EOF'
import re, sys
path = sys.argv[1]
s = open(path, encoding="utf-8").read()
def para(nr, f):
    global s
    i = s.index('<paragraf nr="%d"' % nr)
    j = s.index('</paragraf>', i)
    s = s[:i] + f(s[i:j]) + s[j:]
fb = '<overklagande typ="forvaltningsbesvar"/>'
para(121, lambda t: t.replace(fb, '<overklagande typ="understalls"/>'))
para(124, lambda t: t.replace(fb, '<overklagande typ="laglighetsprovning" '
                              'avvikelse="Prov av bladet om laglighetsprövning."/>'))
para(125, lambda t: re.sub(r'(\s*<lagrum>[^<]*</lagrum>)+', '\n    <lagrum>13 § LVM</lagrum>', t,
                           count=1).replace(fb, '<overklagande typ="understalls"/>'))
open(path, "w", encoding="utf-8").write(s)
EOF
sed -i '0,/<mottagare roll="vardnadshavare" kanal="auto">/s//<mottagare roll="vardnadshavare" kanal="auto" delgivning="true">/' \
	"$L/pkg/forsattsblad/sn-2026-431.xml"

# A configuration beside the files, with the reply-paid envelope's texts.
sed "s|^folder = out/|folder = $top/examples/out/|; s|^database = out/|database = $top/examples/out/|" \
	"$conf" >"$L/svar.conf"
printf '[delgivning]\nsvarsforsandelse = Svarsförsändelse\nporto = Kundnummer 20012345. Mottagaren betalar portot.\n' \
	>>"$L/svar.conf"

"$bin" check "$L/pkg" >"$tmp/out" 2>"$tmp/err" && ok || { bad "letter: the test package does not pass check"; cat "$tmp/err"; }
"$bin" render --config "$conf" "$L/pkg" -o "$L/r" >/dev/null 2>"$tmp/err" &&
	"$bin" render --config "$conf" "$ex" -o "$L/ex" >/dev/null 2>>"$tmp/err" &&
	"$bin" render --config "$L/svar.conf" "$L/pkg" -o "$L/svar" >/dev/null 2>>"$tmp/err" && ok ||
	{ bad "letter: render failed"; head -n 5 "$tmp/err"; }

pages() { pdfinfo "$1" 2>/dev/null | awk '/^Pages:/ {print $2}'; }
page() { pdftotext -enc UTF-8 -layout -f "$2" -l "$2" "$1" - 2>/dev/null | tr -d '\f'; }
pdf() { ls "$L/$1"/"$2"-*.pdf 2>/dev/null | head -n 1; }
# The letter alone: its pages up to the protokollsutdrag, joined to one line.
letter() {
	n=$(pages "$1") i=1
	while [ "$i" -le "${n:-0}" ]; do
		t=$(page "$1" "$i")
		printf '%s' "$t" | grep -q 'PROTOKOLLSUTDRAG' && break
		printf '%s\n' "$t"
		i=$((i + 1))
	done | tr -s ' \n' '  '
}
# The whole försändelse as one line.
whole() { pdftotext -enc UTF-8 "$1" - 2>/dev/null | tr -s ' \n' '  '; }

# ---- § 121 underställs: not appealable, the court tries it (7 § LVU, 39 § LVU) ----
for i in 1 2; do
	f=$(pdf r 121-$i)
	l=$(letter "$f")
	w=$(whole "$f")
	for want in 'Beslutet kan inte överklagas.' 'Förvaltningsrättens prövning' 'underställs' \
	    'Förvaltningsrätten i Linköping' 'Rätten prövar om beslutet ska fortsätta att gälla.' \
	    'berätta för rätten' 'offentligt biträde (39 § LVU)' 'staten betalar'; do
		case $l in *"$want"*) ok ;; *) bad "letter: 121-$i does not say '$want'" ;; esac
	done
	for never in 'tre veckor' 'Hur man överklagar' 'Om du vill överklaga' 'Du kan överklaga'; do
		case $w in *"$never"*) bad "letter: 121-$i, underställt, says '$never'" ;; *) ok ;; esac
	done
done
# The second vårdnadshavare is not served: her försändelse is the letter and
# the extract only (2 + 2 pages), with no appeal sheet after it.
[ "$(pages "$(pdf r 121-2)")" = 4 ] && ok || bad "letter: 121-2 has $(pages "$(pdf r 121-2)") pages, want 4"

# The deadline and statute of the underställning come from
# templates/overklagande.conf; without it they are left out, never guessed.
l=$(letter "$(pdf r 121-1)")
if [ -f templates/overklagande.conf ]; then
	case $l in *'inom en vecka'*'7 § LVU'*) ok ;; *) bad "letter: 121-1 lacks 'inom en vecka' and 7 § LVU" ;; esac
else
	case $l in *'Socialnämnden ska lämna beslutet till'*) ok ;; *) bad "letter: 121-1 without a deadline" ;; esac
fi

# ---- § 125 under LVM: 45 § LVM, and "genast" (15 § LVM) ----
l=$(letter "$(pdf r 125-1)")
case $l in *'offentligt biträde (45 § LVM)'*) ok ;; *) bad "letter: the LVM letter does not name 45 § LVM" ;; esac
case $l in *'39 § LVU'*) bad "letter: the LVM letter names 39 § LVU" ;; *) ok ;; esac
if [ -f templates/overklagande.conf ]; then
	case $l in *'ska genast lämna beslutet'*'15 § LVM'*) ok ;; *) bad "letter: the LVM letter lacks 'genast' and 15 § LVM" ;; esac
fi
# Its HVB is informed: no word of appealing, the court's prövning or a biträde.
w=$(whole "$(pdf r 125-2)")
for never in 'överklag' 'Förvaltningsrättens prövning' 'offentligt biträde'; do
	case $w in *"$never"*) bad "letter: 125-2 (hvb) reads '$never'" ;; *) ok ;; esac
done

# ---- § 128 ej-overklagbart: one sentence, under no appeal heading ----
for i in 1 2; do
	l=$(letter "$(pdf ex 128-$i)")
	case $l in *'Beslutet kan inte överklagas.'*) ok ;; *) bad "letter: 128-$i lacks 'Beslutet kan inte överklagas.'" ;; esac
	rest=$(printf '%s' "$l" | sed 's/Beslutet kan inte överklagas\.//')
	case $rest in *[Öö]verklag*) bad "letter: 128-$i speaks of appealing besides 'kan inte överklagas'" ;; *) ok ;; esac
done

# ---- no page holds only the list of attachments, in any letter ----
# A page's body is what is left without the running head and foot.
only_bilagor=
for f in "$L"/ex/*.pdf "$L"/r/*.pdf; do
	n=$(pages "$f") i=1
	while [ "$i" -le "${n:-0}" ]; do
		body=$(page "$f" "$i" | sed 's/^ *//' | grep -v '^$' |
			grep -Ev '^(Exempelby kommun|Socialnämnden|Postadress|Box 100)|(BESLUT|UNDERRÄTTELSE OM BESLUT|Datum [0-9-]+|Dnr .*|Sida [0-9]+ \([0-9]+\)|Sekretess enligt .*)$')
		if printf '%s\n' "$body" | head -n 1 | grep -q '^Bilagor$' &&
		    ! printf '%s\n' "$body" | grep -Eqv '^(Bilagor|– .*)$'; then
			only_bilagor="$only_bilagor $(basename "$f"):$i"
		fi
		i=$((i + 1))
	done
done
[ -z "$only_bilagor" ] && ok || bad "letter: pages holding only Bilagor:$only_bilagor"
# ... and the list is still there, after Frågor.
l=$(letter "$(pdf ex 122-2)")
case $l in *'Frågor '*'Bilagor – Protokollsutdrag, § 122 – Hur man överklagar'*) ok ;; *) bad "letter: 122-2's Bilagor after Frågor" ;; esac

# ---- the delgivningskvitto: its title once, the kommun in the return address ----
f=$(pdf r 121-1)
k=$(page "$f" "$(pages "$f")")
[ "$(printf '%s' "$k" | grep -oi 'delgivningskvitto' | wc -l)" -eq 1 ] && ok ||
	bad "letter: the delgivningskvitto's title is not there exactly once"
ret=$(printf '%s\n' "$k" | sed 's/^ *//' | sed -n '/^Skickas tillbaka till$/,/^Postadress/p' | grep -v '^$')
if [ "$(printf '%s\n' "$ret" | sed -n 2p)" = 'Exempelby kommun' ] &&
    [ "$(printf '%s\n' "$ret" | sed -n 3p)" = 'Socialnämnden' ] &&
    printf '%s\n' "$ret" | grep -qx 'Box 100' && printf '%s\n' "$ret" | grep -qx '641 21 Exempelby'; then ok; else
	bad "letter: the kvitto's return address is not kommun, nämnd, address"; printf '%s\n' "$ret"
fi
case $k in *Svarsförsändelse*|*Kundnummer*) bad "letter: the kvitto has a reply-paid text nobody configured" ;; *) ok ;; esac
# [delgivning] svarsforsandelse and porto: above and under the return address.
f=$(pdf svar 121-1)
ret=$(page "$f" "$(pages "$f")" | sed 's/^ *//' | sed -n '/^Skickas tillbaka till$/,/^Postadress/p' | grep -v '^$')
if [ "$(printf '%s\n' "$ret" | sed -n 2p)" = 'Svarsförsändelse' ] &&
    [ "$(printf '%s\n' "$ret" | sed -n 3p)" = 'Exempelby kommun' ] &&
    printf '%s\n' "$ret" | grep -B1 -x 'Kundnummer 20012345. Mottagaren betalar portot.' | grep -qx '641 21 Exempelby'; then ok; else
	bad "letter: [delgivning] svarsforsandelse and porto are not on the kvitto"; printf '%s\n' "$ret"
fi

# ---- the protected identity's letter names her, with no address ----
p1=$(page "$(pdf ex 122-1)" 1)
printf '%s' "$p1" | grep -q 'Sanna Järvinen' && ok || bad "letter: the protected letter does not name its recipient"
printf '%s' "$p1" | grep -Eq '^ *[1-9][0-9]{2} [0-9]{2} ' && bad "letter: the protected letter shows a postnummer" || ok

# ---- kanal="rekommenderat": REKOMMENDERAT in the window, above the address ----
# The left window of templates/layout.conf: x 20, y 45, 90 x 40 mm.
bbox() { pdftotext -bbox -f 1 -l 1 "$1" - 2>/dev/null | grep '>REKOMMENDERAT<'; }
w=$(bbox "$(pdf ex 121-2)")
if [ -n "$w" ] && printf '%s' "$w" | awk -F'"' '{x0 = $2; y0 = $4; x1 = $6; y1 = $8}
    END {mm = 72 / 25.4; exit !(x0 >= 20 * mm && x1 <= 110 * mm && y0 >= 45 * mm && y1 <= 85 * mm)}'; then ok; else
	bad "letter: REKOMMENDERAT is not inside the window of 121-2 ($w)"
fi
page "$(pdf ex 121-2)" 1 | sed 's/^ *//' | grep -A1 -x 'REKOMMENDERAT' | grep -qx 'Tobias Nyström' && ok ||
	bad "letter: REKOMMENDERAT is not right above the name"
[ -z "$(bbox "$(pdf ex 121-1)")" ] && ok || bad "letter: a letter sent kanal=auto says REKOMMENDERAT"

# ---- the laglighetsprövning sheet: the anslag date and the last day ----
# 21 November 2026 + three weeks is Saturday 12 December: the last day is Monday 14 December.
w=$(whole "$(pdf r 124-1)")
case $w in *'Hur man begär laglighetsprövning'*'den 21 november 2026'*'senast den 14 december 2026'*) ok ;;
*) bad "letter: the laglighetsprövning sheet lacks the anslag date and last day" ;; esac
# Without <anslag> the sheet says from when the weeks run, and no date.
cp -r "$L/pkg" "$L/noanslag"
sed -i '/<anslag /d' "$L/noanslag/protokoll.xml"
"$bin" render --config "$conf" "$L/noanslag" -o "$L/na" >/dev/null 2>"$tmp/err" || { bad "letter: render without anslag"; head -n 3 "$tmp/err"; }
w=$(whole "$(pdf na 124-1)")
case $w in *'inom tre veckor från den dag då det tillkännagavs på kommunens anslagstavla att protokollet justerats.'*) ok ;;
*) bad "letter: the sheet without anslag does not say from when the weeks run" ;; esac
case $w in *'Tillkännagivandet'*|*'senast den'*) bad "letter: the sheet without anslag states a date" ;; *) ok ;; esac

# ---- the same input, the same bytes ----
"$bin" render --config "$conf" "$L/pkg" -o "$L/r2" >/dev/null 2>&1
diff -r "$L/r" "$L/r2" >/dev/null && ok || bad "letter: output differs between two runs"

# ---- the REKOMMENDERAT line takes room check must count ----
# In a window 27 mm high, five address lines fit at the smallest size only
# without the mark: check refuses the rekommenderat letter it could not draw,
# and lets the same address through by ordinary post.
rm -rf "$L/rk" "$L/rkt"
cp -r "$L/pkg" "$L/rk"
cp -r templates "$L/rkt"
sed -i '/^\[window.left\]/,/^height/ s/^height = 40/height = 27/' "$L/rkt/layout.conf"
python3 - "$L/rk/forsattsblad/sn-2026-431.xml" <<'PY'
import sys
f = sys.argv[1]; s = open(f).read()
s = s.replace("""      <utdelningsadress>Bruksgatan 5</utdelningsadress>""",
"""      <co>c/o Familjen Andersson-Lindqvist</co>
      <utdelningsadress>Bruksgatan 5 lgh 1203, uppgång B</utdelningsadress>
      <utdelningsadress>Gamla industriområdet, Norra porten</utdelningsadress>""")
open(f, "w").write(s)
PY
EXPEDIERA_TEMPLATES=$L/rkt "$bin" check --config "$conf" "$L/rk" >/dev/null 2>"$tmp/err"
r=$?
if [ "$r" -eq 1 ] && grep -q 'sn-2026-431.xml:[0-9]*: fel: address-unprintable: .*Tobias Nyström.*REKOMMENDERAT' "$tmp/err"; then ok; else
	bad "letter: check lets through a rekommenderat address the window cannot hold with its mark (exit $r)"; head -n 3 "$tmp/err"
fi
sed -i 's/kanal="rekommenderat"/kanal="post"/' "$L/rk/forsattsblad/sn-2026-431.xml"
EXPEDIERA_TEMPLATES=$L/rkt "$bin" check --config "$conf" "$L/rk" >/dev/null 2>"$tmp/err"
r=$?
[ "$r" -eq 0 ] && ok || { bad "letter: the same address by post is refused (exit $r)"; head -n 3 "$tmp/err"; }
