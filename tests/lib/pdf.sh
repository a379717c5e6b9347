# pdf.sh -- sourced by run.sh: the PDFs pipeline/pdf.c makes, checked from
# outside with the tools a reader would use.  build/asan/test_pdf writes them
# (see tests/unit/test_pdf.c for what each holds) into $tmp/pdf; then:
#   pdftotext    every line drawn comes back exactly (Sámi, Polish, Turkish,
#                Greek, Cyrillic, Vietnamese, quotes, dashes, §, €)
#   PDFBox       a no-break space comes back as U+00A0 (poppler turns it into
#                a space, so pdftotext cannot tell)
#   pdftotext -bbox   lines end where pdf_text_width() said they would
#   qpdf --check, pdffonts (all embedded, all subsets), cmp (the same bytes
#                twice in one process, and again in a second run),
#   Apache PDFBox Preflight (PDF/A-1b), pdftoppm (page 1 renders)
#   pdfinfo, pdftotext   streamed documents (stream-*.pdf, up to 8,300
#                pages): the page count and every page's text, page by page;
#                no /Kids array longer than PDF/A-1's 8,191 elements
# The packages are in scripts/install-deps.sh's check line.

pdfdir=$tmp/pdf
rm -rf "$pdfdir"
mkdir -p "$pdfdir"
preflight_cp=
for j in pdfbox2 pdfbox2-tools preflight fontbox2 xmpbox commons-logging javax.activation jaxb-api; do
	preflight_cp=$preflight_cp${preflight_cp:+:}/usr/share/java/$j.jar
done

if build/asan/test_pdf "$pdfdir" >"$tmp/pdf.out" 2>&1; then
	ok
else
	bad "pdf: build/asan/test_pdf $pdfdir failed"
	tail -n 20 "$tmp/pdf.out"
fi

for f in "$pdfdir"/*.pdf; do
	[ -e "$f" ] || { bad "pdf: test_pdf wrote no PDF"; break; }
	name=$(basename "$f" .pdf)

	if qpdf --check "$f" >"$tmp/pdf.qpdf" 2>&1; then ok; else
		bad "pdf/$name: qpdf --check"
		head -n 5 "$tmp/pdf.qpdf"
	fi

	# Every font embedded, every font a subset (ABCDEF+Name).
	pdffonts "$f" >"$tmp/pdf.fonts" 2>&1
	if awk 'NR > 2 && !($0 ~ /^[A-Z][A-Z][A-Z][A-Z][A-Z][A-Z]\+[A-Za-z-]+ / &&
	    $(NF - 4) == "yes" && $(NF - 3) == "yes") { bad = 1 } NR > 2 { n++ }
	    END { exit bad || n == 0 }' "$tmp/pdf.fonts"; then ok; else
		bad "pdf/$name: a font not embedded or not a subset"
		cat "$tmp/pdf.fonts"
	fi

	# The text comes back line by line (pages end in a form feed).
	if [ -f "$pdfdir/$name.lines" ]; then
		pdftotext -enc UTF-8 "$f" - 2>/dev/null | tr -d '\f' >"$tmp/pdf.txt"
		missing=0
		while IFS= read -r want; do
			want=$(printf '%s' "$want" | sed 's/\xc2\xa0/ /g')
			grep -qxF -- "$want" "$tmp/pdf.txt" || {
				missing=1
				echo "pdf/$name: not extracted: $want"
			}
		done <"$pdfdir/$name.lines"
		if [ "$missing" -eq 0 ]; then ok; else bad "pdf/$name: pdftotext lost text"; fi
	fi

	# Streamed documents: the page count, and each page's text in the
	# final order (NAME.pages: the lines of a page, then "@@").
	if [ -f "$pdfdir/$name.pages" ]; then
		want=$(grep -c '^@@$' "$pdfdir/$name.pages")
		got=$(pdfinfo "$f" 2>/dev/null | sed -n 's/^Pages: *//p')
		if [ "$got" = "$want" ]; then ok; else bad "pdf/$name: $got pages, $want drawn"; fi
		if pdftotext -enc UTF-8 "$f" - 2>/dev/null | sed 's/\f/@@\n/g' | grep -v '^$' |
		    diff - "$pdfdir/$name.pages" >"$tmp/pdf.diff"; then ok; else
			bad "pdf/$name: pdftotext gives other pages, or in another order"
			head -n 10 "$tmp/pdf.diff"
		fi
	fi

	if java -cp "$preflight_cp" org.apache.pdfbox.preflight.Validator_A1b "$f" \
	    >"$tmp/pdf.preflight" 2>&1 && grep -q 'is a valid PDF/A-1b file' "$tmp/pdf.preflight"; then
		ok
	else
		bad "pdf/$name: not PDF/A-1b according to Preflight"
		head -n 10 "$tmp/pdf.preflight"
	fi
done

# PDF/A-1 (and so Preflight) allows no array of more than 8,191 elements:
# the 8,300 pages of stream-big hang from leaves of the page tree.
if python3 - "$pdfdir/stream-big.pdf" <<'PY'
import re, sys
d = open(sys.argv[1], 'rb').read()
kids = [len(k.split()) // 3 for k in re.findall(rb'/Kids\s*\[([^\]]*)\]', d)]
sys.exit(0 if kids and max(kids) <= 8191 and sum(kids) > 8191 else 1)
PY
then ok; else bad "pdf/stream-big: a /Kids array of more than 8,191 pages"; fi

# The fast fonts are TrueType with WinAnsiEncoding; the names need the
# fallback, a CID font.
pdffonts "$pdfdir/letter.pdf" 2>/dev/null | grep -q 'TrueType *WinAnsi' && ok ||
	bad "pdf/letter: no WinAnsi TrueType font"
pdffonts "$pdfdir/letter.pdf" 2>/dev/null | grep -q 'CID' && bad "pdf/letter: a CID font for Swedish text" || ok
pdffonts "$pdfdir/names.pdf" 2>/dev/null | grep -q 'CID TrueType *Identity-H' && ok ||
	bad "pdf/names: no CID fallback font"

# Metadata: /Info and XMP agree (Preflight checks it too) and XML is escaped.
pdfinfo "$pdfdir/meta.pdf" 2>/dev/null | grep -qxF 'Title:           A & B <c> "d" '"'"'e'"'"' – Αθηνά' && ok ||
	bad "pdf/meta: /Title differs"
pdfinfo -meta "$pdfdir/meta.pdf" 2>/dev/null | grep -qF 'A &amp; B &lt;c&gt;' && ok ||
	bad "pdf/meta: XMP title not escaped"
# (an element or, as pdf.c writes it, an attribute: RDF allows both)
pdfinfo -meta "$pdfdir/letter.pdf" 2>/dev/null | grep -Eq 'pdfaid:part(>1<|="1")' && ok ||
	bad "pdf/letter: no pdfaid:part in XMP"

# The same input, the same bytes: within a process, and in another process.
if cmp -s "$pdfdir/same-a.pdf" "$pdfdir/same-b.pdf"; then ok; else bad "pdf: same document, different bytes"; fi
mkdir -p "$tmp/pdf2"
build/asan/test_pdf "$tmp/pdf2" >/dev/null 2>&1
differ=
for f in "$pdfdir"/*.pdf; do
	cmp -s "$f" "$tmp/pdf2/$(basename "$f")" || differ="$differ $(basename "$f")"
done
if [ -z "$differ" ]; then ok; else bad "pdf: a second run gave other bytes:$differ"; fi

# A no-break space is extracted as U+00A0 by PDFBox.
if java -cp "$preflight_cp" org.apache.pdfbox.tools.ExtractText -console "$pdfdir/letter.pdf" \
    2>/dev/null | grep -qF "$(printf '4\302\240kap. 1\302\240\302\247 SoL')"; then ok; else
	bad "pdf/letter: no-break space not extracted as U+00A0"
fi

# Lines end where pdf_text_width() said: the last word's right edge.
pdftotext -bbox "$pdfdir/widths.pdf" - 2>/dev/null >"$tmp/pdf.bbox"
while read -r want word; do
	got=$(grep -F ">$word</word>" "$tmp/pdf.bbox" | sed -n 's/.*xMax="\([0-9.]*\)".*/\1/p' | head -n 1)
	if [ -n "$got" ] && awk -v a="$got" -v b="$want" 'BEGIN { d = a - b; exit !(d < 0.01 && d > -0.01) }'; then
		ok
	else
		bad "pdf/widths: \"$word\" ends at ${got:-?}, pdf_text_width says $want"
	fi
done <"$pdfdir/widths.txt"

# Page 1 renders.
if pdftoppm -png -r 60 -f 1 -l 1 "$pdfdir/letter.pdf" "$pdfdir/letter" 2>/dev/null &&
    [ -s "$pdfdir/letter-1.png" ]; then ok; else bad "pdf/letter: pdftoppm cannot render page 1"; fi
