# render.sh -- sourced by run.sh: the documents of SPEC section 4, read back
# through pdftotext, qpdf and pdffonts, rendered twice for determinism, and
# checked by PDFBox Preflight for PDF/A-1b.

ex=examples/sammantrade-2026-11-18
conf=examples/expediera.conf

"$bin" render --json --config "$conf" "$ex" -o "$tmp/r1" >"$tmp/r1.json" 2>"$tmp/err"
echo $? >"$tmp/rc"
if [ "$(rc)" -eq 0 ] && [ "$(ls "$tmp/r1" | wc -l)" -eq 17 ]; then ok; else bad "render: exit $(rc), $(ls "$tmp/r1" 2>/dev/null | wc -l) files"; head -n 5 "$tmp/err"; fi

# What each recipient may and may not see.
# The left window preset of templates/layout.conf: 20, 45, 90 x 40 mm.
python3 tests/lib/check_forsandelser.py "$ex" "$tmp/r1.json" "$tmp/r1" 20 45 90 40 >"$tmp/cf" 2>&1
last=$(tail -n 1 "$tmp/cf")
if printf '%s\n' "$last" | grep -q ' 0 failed$'; then ok; else bad "render: försändelser ($last)"; grep FAIL "$tmp/cf" | head -n 20; fi

# The right window preset puts every address in the right window instead.
sed 's/^window = left.*/window = right/' "$conf" >"$tmp/right.conf"
sed -i "s|^folder = out/|folder = $top/examples/out/|; s|^database = out/|database = $top/examples/out/|" "$tmp/right.conf"
"$bin" render --json --config "$tmp/right.conf" "$ex" -o "$tmp/rr" >"$tmp/rr.json" 2>"$tmp/err"
python3 tests/lib/check_forsandelser.py "$ex" "$tmp/rr.json" "$tmp/rr" 110 45 90 40 >"$tmp/cf" 2>&1
last=$(tail -n 1 "$tmp/cf")
if printf '%s\n' "$last" | grep -q ' 0 failed$'; then ok; else bad "render: right window ($last)"; grep FAIL "$tmp/cf" | head -n 5; fi

# File names say paragraph and recipient but hold no personnummer.
if ls "$tmp/r1" | grep -Eq '[0-9]{6}'; then bad "render: a file name holds a number like a personnummer"; else ok; fi
# Personal data: the files are readable by their owner only.
if find "$tmp/r1" -type f ! -perm 600 | grep -q .; then bad "render: files not 0600"; else ok; fi

# Every försändelse passes qpdf --check and embeds every font.
qfail=0 ffail=0
for f in "$tmp"/r1/*.pdf; do
	qpdf --check "$f" >/dev/null 2>&1 || qfail=$((qfail + 1))
	pdffonts "$f" 2>/dev/null | awk 'NR > 2 && $(NF-4) != "yes" {bad = 1} END {exit bad}' || ffail=$((ffail + 1))
done
[ "$qfail" -eq 0 ] && ok || bad "render: qpdf --check fails on $qfail files"
[ "$ffail" -eq 0 ] && ok || bad "render: fonts not embedded in $ffail files"

# The same input gives the same bytes.
"$bin" render --config "$conf" "$ex" -o "$tmp/r2" >/dev/null 2>&1
if diff -r "$tmp/r1" "$tmp/r2" >/dev/null; then ok; else bad "render: output differs between two runs"; fi

# A protected recipient's letter has no address at all: the skyddad recipient
# of § 122 has none in the package, and its page 1 shows no postnummer.
f=$(ls "$tmp"/r1/122-1-*.pdf)
pdftotext -f 1 -l 1 "$f" - 2>/dev/null | grep -Eq '^[1-9][0-9]{2} [0-9]{2}' &&
	bad "render: protected recipient's letter shows an address" || ok

# Who may appeal is told so, and no one else (SPEC 2.2): a vårdnadshavare's
# försändelse has the appeal text and page, a family home's and an HVB's have
# no word of appealing and not the reasons (an HVB would read of a drug test
# in those of § 125).
txt() { pdftotext -enc UTF-8 "$(ls "$tmp"/r1/"$1"-*.pdf)" - 2>/dev/null | tr '\n' ' '; }
txt 122-2 | grep -q 'Du kan överklaga beslutet' && txt 122-2 | grep -q 'tre veckor' && ok ||
	bad "render: a vårdnadshavare's försändelse lacks the appeal text"
for f in 122-3 123-2 125-2 126-2 126-3 128-3; do
	t=$(txt "$f")
	if printf '%s' "$t" | grep -qi 'överklag'; then bad "render: $f is told of appealing"; else ok; fi
	printf '%s' "$t" | grep -q 'UNDERRÄTTELSE OM BESLUT' && ok || bad "render: $f is no underrättelse"
	printf '%s' "$t" | grep -q 'Skäl för beslutet' && bad "render: $f has the reasons" || ok
done
txt 125-2 | grep -q 'narkotikaprov' && bad "render: the HVB of § 125 reads of the drug test" || ok

# What a role gets is the municipality's choice, in templates/roller.conf:
# give the HVB the reasons, and its försändelse has them (still no appeal).
mkdir -p "$tmp/tpl"
cp templates/* "$tmp/tpl/"
sed -i 's/^hvb = .*/hvb = rubrik galler beslut skal lagrum/' "$tmp/tpl/roller.conf"
{ cat "$conf"; printf '[templates]\nfolder = %s\n' "$tmp/tpl"; } >"$tmp/tpl.conf"
sed -i "s|^folder = out/|folder = $top/examples/out/|; s|^database = out/|database = $top/examples/out/|" "$tmp/tpl.conf"
"$bin" render --config "$tmp/tpl.conf" "$ex" -o "$tmp/rt" >/dev/null 2>"$tmp/err"
t=$(pdftotext -enc UTF-8 "$(ls "$tmp"/rt/125-2-*.pdf)" - 2>/dev/null | tr '\n' ' ')
if printf '%s' "$t" | grep -q 'narkotikaprov' && ! printf '%s' "$t" | grep -qi 'överklag'; then ok; else
	bad "render: roller.conf giving the HVB the reasons is not followed"; head -n 3 "$tmp/err"
fi
# A party is never left without the reasons: such a roller.conf stops the run.
sed -i 's/^vardnadshavare = .*/vardnadshavare = rubrik beslut lagrum/' "$tmp/tpl/roller.conf"
"$bin" render --config "$tmp/tpl.conf" "$ex" -o "$tmp/rt2" >/dev/null 2>"$tmp/err"
echo $? >"$tmp/rc"
if [ "$(rc)" -ne 0 ] && grep -q 'roller.conf:[0-9]*: vardnadshavare är part' "$tmp/err" && [ ! -e "$tmp/rt2" ]; then ok; else
	bad "render: a roller.conf without reasons for a party: exit $(rc)"; cat "$tmp/err"
fi

# The date of a letter is the day its paragraph was justerat: the meeting day
# for § 121 (omedelbart justerad), whether the protocol is justerat yet or
# not, to the byte; the justering date for the others.
txt 121-1 | grep -q 'Datum 2026-11-18' && ok || bad "render: § 121 is not dated the meeting day"
txt 122-2 | grep -q 'Datum 2026-11-20' && ok || bad "render: § 122 is not dated the justering day"
mkdir -p "$tmp/ej"
cp -r "$ex/." "$tmp/ej/"
sed -i '/<justerad datum=/d' "$tmp/ej/protokoll.xml"
"$bin" render --config "$conf" "$tmp/ej" -o "$tmp/rej" >/dev/null 2>&1
same=$(ls "$tmp"/rej/121-*.pdf 2>/dev/null | wc -l)
for f in "$tmp"/rej/121-*.pdf; do
	cmp -s "$f" "$tmp/r1/$(basename "$f")" || same=0
done
if [ "$same" -eq 2 ]; then ok; else bad "render: § 121 before justering differs from § 121 after"; fi

# The protocol: the internal version shows everything; the public one masks
# as SPEC 2.1 says (check_protokoll.py): § 121 shows its decision points
# (offentligt-beslut) and § 122 its offentlig-rubrik, § 124 is masked for its
# <galler> alone (no sekretess attribute), and no personnummer is printed.
"$bin" protokoll --config "$conf" "$ex" -o "$tmp/prot-intern.pdf" >/dev/null 2>"$tmp/err"
echo $? >"$tmp/rc"
"$bin" protokoll --public --config "$conf" "$ex" -o "$tmp/prot-offentlig.pdf" >/dev/null 2>>"$tmp/err"
if [ "$(rc)" -eq 0 ] && [ $? -eq 0 ] && [ -s "$tmp/prot-intern.pdf" ] && [ -s "$tmp/prot-offentlig.pdf" ]; then ok; else bad "protokoll: not written"; cat "$tmp/err"; fi
pdftotext "$tmp/prot-intern.pdf" "$tmp/intern.txt" 2>/dev/null
pdftotext "$tmp/prot-offentlig.pdf" "$tmp/offentlig.txt" 2>/dev/null
python3 tests/lib/check_protokoll.py "$ex/protokoll.xml" "$tmp/intern.txt" "$tmp/offentlig.txt" >"$tmp/pcheck" 2>&1
if tail -n 1 "$tmp/pcheck" | grep -q ' 0 failed$'; then ok; else bad "protokoll: public/internal content ($(tail -n 1 "$tmp/pcheck"))"; grep FAIL "$tmp/pcheck" | head -n 20; fi
grep -q 'Beslut om var vården ska ges enligt LVU' "$tmp/offentlig.txt" && ok || bad "protokoll: § 122 without its offentlig-rubrik"

# The other ways a sekretessprövning can go: § 127 marked secret though it
# has no <galler>, § 123 published by an explicit sekretess="false" (without
# its personnummer), § 125 public decision points with no offentlig-rubrik
# ("Sekretess" in its place), § 126 with no sekretess attribute at all.
mkdir -p "$tmp/sek"
cp -r "$ex/." "$tmp/sek/"
sed -i -e 's/<paragraf nr="127" dnr="SN\/2026:398" sekretess="false">/<paragraf nr="127" dnr="SN\/2026:398" sekretess="true">/' \
    -e 's/<paragraf nr="123" dnr="SN\/2026:387" sekretess="true">/<paragraf nr="123" dnr="SN\/2026:387" sekretess="false">/' \
    -e 's/<paragraf nr="125" dnr="SN\/2026:418" sekretess="true">/<paragraf nr="125" dnr="SN\/2026:418" sekretess="true" offentligt-beslut="true">/' \
    -e 's/<paragraf nr="126" dnr="SN\/2026:426" sekretess="true">/<paragraf nr="126" dnr="SN\/2026:426">/' "$tmp/sek/protokoll.xml"
[ "$(grep -c 'nr="127" dnr="SN/2026:398" sekretess="true"\|nr="123" dnr="SN/2026:387" sekretess="false"\|offentligt-beslut="true">\|nr="126" dnr="SN/2026:426">' "$tmp/sek/protokoll.xml")" -eq 4 ] ||
	bad "protokoll: the secrecy variants of the example were not made"
"$bin" protokoll --config "$conf" "$tmp/sek" -o "$tmp/sek-intern.pdf" >/dev/null 2>"$tmp/err" &&
    "$bin" protokoll --public --config "$conf" "$tmp/sek" -o "$tmp/sek-offentlig.pdf" >/dev/null 2>>"$tmp/err" || {
	bad "protokoll: secrecy variants not written"; cat "$tmp/err"
}
pdftotext "$tmp/sek-intern.pdf" "$tmp/sek-intern.txt" 2>/dev/null
pdftotext "$tmp/sek-offentlig.pdf" "$tmp/sek-offentlig.txt" 2>/dev/null
python3 tests/lib/check_protokoll.py "$tmp/sek/protokoll.xml" "$tmp/sek-intern.txt" "$tmp/sek-offentlig.txt" >"$tmp/pcheck" 2>&1
if tail -n 1 "$tmp/pcheck" | grep -q ' 0 failed$'; then ok; else bad "protokoll: secrecy variants ($(tail -n 1 "$tmp/pcheck"))"; grep FAIL "$tmp/pcheck" | head -n 20; fi
tr '\n' ' ' <"$tmp/sek-offentlig.txt" | grep -q 'IVO har den 7 oktober' && bad "protokoll: § 127 with sekretess=\"true\" is published" || ok
tr '\n' ' ' <"$tmp/sek-offentlig.txt" | grep -q 'Wilma Håkansson' && ok || bad "protokoll: § 123 with sekretess=\"false\" is not published"
for f in "$tmp/prot-intern.pdf" "$tmp/prot-offentlig.pdf"; do
	qpdf --check "$f" >/dev/null 2>&1 && ok || bad "protokoll: qpdf --check $f"
done

# Like the real ones: "Justerandes sign" on every page; tid and närvarande;
# the signatures together on one page; the public version ends with the
# anslagsbevis, the internal one has none.
for f in "$tmp/prot-intern.pdf" "$tmp/prot-offentlig.pdf"; do
	n=$(pdfinfo "$f" | awk '/^Pages:/ {print $2}')
	signed=0
	for i in $(seq 1 "$n"); do
		pdftotext -f "$i" -l "$i" "$f" - | grep -q 'Justerandes sign' && signed=$((signed + 1))
	done
	last=$(pdftotext -f "$n" -l "$n" "$f" - | tr '\n' ' ')
	sigpage=$(for i in $(seq 1 "$n"); do pdftotext -f "$i" -l "$i" "$f" - | grep -q '^Underskrifter$' && echo "$i"; done)
	sigtext=$(pdftotext -f "${sigpage:-1}" -l "${sigpage:-1}" "$f" - | tr '\n' ' ')
	if [ "$n" -gt 1 ] && [ "$signed" -eq "$n" ] && [ -n "$sigpage" ] &&
	    echo "$sigtext" | grep -q 'Elin Grönberg Sekreterare' && echo "$sigtext" | grep -q 'Gunilla Sjöström Ordförande' &&
	    echo "$sigtext" | grep -q 'Per Åström Justerare'; then ok; else
		bad "protokoll: $(basename "$f"): Justerandes sign on $signed of $n pages, signatures on page '${sigpage}'"
	fi
	all=$(pdftotext "$f" - | tr '\n' ' ')
	if echo "$all" | grep -q 'Tid: 13.15–15.40' && echo "$all" | grep -q 'Närvarande' &&
	    echo "$all" | grep -q 'Ledamöter: Gunilla Sjöström (ordförande), Per Åström (vice ordförande), Hassan Ali' &&
	    echo "$all" | grep -q 'Ersättare: Karin Lund'; then ok; else bad "protokoll: $(basename "$f"): no tid or närvarande"; fi
	case $f in
	*offentlig*)
		if echo "$last" | grep -q 'ANSLAGSBEVIS' && echo "$last" | grep -q 'Datum då anslaget sätts upp: 2026-11-21' &&
		    echo "$last" | grep -q 'Datum då anslaget tas ned: 2026-12-13' &&
		    echo "$last" | grep -q 'Förvaringsplats för protokollet: Socialförvaltningen'; then ok; else
			bad "protokoll: the public version does not end with the anslagsbevis"; echo "$last" | head -c 600
		fi ;;
	*) echo "$all" | grep -q ANSLAGSBEVIS && bad "protokoll: an anslagsbevis in the internal version" || ok ;;
	esac
done
# Without <anslag>, no anslagsbevis; without <narvarande> and <tid>, neither heading.
rm -rf "$tmp/noanslag"
cp -r "$ex" "$tmp/noanslag"
sed -i '/<anslag /d; /<tid>/d; /<narvarande>/,/<\/narvarande>/d' "$tmp/noanslag/protokoll.xml"
"$bin" protokoll --public --config "$conf" "$tmp/noanslag" -o "$tmp/noanslag.pdf" >/dev/null 2>"$tmp/err"
t=$(pdftotext "$tmp/noanslag.pdf" - 2>/dev/null | tr '\n' ' ')
if [ -n "$t" ] && ! echo "$t" | grep -q 'ANSLAGSBEVIS\|Närvarande\|Tid:'; then ok; else bad "protokoll: anslagsbevis or närvarande without them in the XML"; cat "$tmp/err"; fi

# A paragraph's last page never holds only its "Beslutet skickas till"
# list: § 128's description grown a sentence at a time moves its page breaks
# over every position (with the list kept apart, variants 24-27 and 32-35 put
# it alone at the top of a page).
rm -rf "$tmp/tail"
mkdir -p "$tmp/tail"
for k in $(seq 20 36); do
	cp -r "$ex" "$tmp/tail/p$k"
	words=$(python3 -c "print(' '.join(['Ytterligare uppgifter om ärendet.'] * $k * 3))")
	sed -i "/<stycke>Alicia har vårdats/s|</stycke>|</stycke><stycke>$words</stycke>|" "$tmp/tail/p$k/protokoll.xml"
	"$bin" protokoll --config "$conf" "$tmp/tail/p$k" -o "$tmp/tail/p$k.pdf" >/dev/null 2>&1 || bad "protokoll: tail variant $k not written"
done
python3 tests/lib/check_tail.py "$tmp"/tail/p*.pdf "$tmp"/r1/*.pdf >"$tmp/tailc" 2>&1 && ok || { bad "protokoll: a page holds only the 'Beslutet skickas till' list"; head -n 5 "$tmp/tailc"; }

# Language, as a recipient reads it: the number inside the sentence, a title
# as a noun with its unit, dates in words in running text, the attachment
# named as it is titled, and the court a laglighetsprövning goes to.
grep -q 'Ärendet gäller Liam Åkesson (20200509-9813)\.' "$tmp/intern.txt" && ok || bad "protokoll: the full stop of 'Ärendet gäller' is misplaced"
l122=$(pdftotext "$(ls "$tmp"/r1/122-2-*.pdf)" - | tr '\n' ' ' | tr -s ' ')
if echo "$l122" | grep -q 'sammanträde den 18 november 2026 (§ 122)' &&
    echo "$l122" | grep -q 'Sofia Bäckström, socialsekreterare vid Barn och unga' &&
    echo "$l122" | grep -q 'står i bilagan ”Hur man överklagar”' && ! echo "$l122" | grep -q 'den 2026-'; then ok; else
	bad "render: the letter's language"; echo "$l122" | head -c 1500
fi
# The example's one laglighetsprövning (§ 120) goes to no party: make § 122 one
# (the first forvaltningsbesvar; § 121 is underställd, and 6 § LVU may not be
# laglighetsprövad: appeal-route-mismatch would stop it).
rm -rf "$tmp/lag" "$tmp/lag-out"
cp -r "$ex" "$tmp/lag"
sed -i '0,/<overklagande typ="forvaltningsbesvar"\/>/s//<overklagande typ="laglighetsprovning"\/>/' "$tmp/lag/protokoll.xml"
"$bin" render --config "$conf" "$tmp/lag" -o "$tmp/lag-out" >/dev/null 2>"$tmp/err"
grep -q '<overklagande typ="understalls"/>' "$tmp/lag/protokoll.xml" || bad "render: the example's § 121 is no longer understalls"
lpf=$(ls "$tmp"/lag-out/122-2-*.pdf 2>/dev/null)
lt=$(pdftotext "$lpf" - 2>/dev/null | tr '\n' ' ' | tr -s ' ')
if echo "$lt" | grep -q 'Hur man begär laglighetsprövning' && echo "$lt" | grep -q 'skickas till Förvaltningsrätten i Linköping' &&
    echo "$lt" | grep -q 'står i bilagan ”Hur man begär laglighetsprövning”'; then ok; else
	bad "render: the laglighetsprövning page does not name the court"; cat "$tmp/err"
fi

# PDF/A-1b, checked by Apache PDFBox Preflight.
pf_cp=
for j in pdfbox2 preflight fontbox2 xmpbox commons-logging javax.activation jaxb-api; do
	pf_cp=$pf_cp${pf_cp:+:}/usr/share/java/$j.jar
done
preflight() {
	java -cp "$pf_cp" org.apache.pdfbox.preflight.Validator_A1b "$1" >"$tmp/preflight" 2>&1
}
for f in "$(ls "$tmp"/r1/122-2-*.pdf)" "$(ls "$tmp"/r1/126-1-*.pdf)" "$tmp/prot-intern.pdf" \
    "$tmp/prot-offentlig.pdf"; do
	if preflight "$f" && grep -q 'is a valid PDF/A-1b' "$tmp/preflight"; then ok; else
		bad "preflight: $(basename "$f")"
		head -n 15 "$tmp/preflight"
	fi
done
