# parts.sh -- sourced by tests/run.sh: a package read a part at a time (parts.h)
# says and does exactly what it does read whole.  EXPEDIERA_PART sets the
# paragraphs per part; 1 makes every package of more than one paragraph
# many parts, with försättsblad read by the part that needs them and a last
# part of those no paragraph joins.

# Every golden package and the example: the same findings, messages, counts.
for c in tests/check/*/session tests/route/*/session examples/sammantrade-2026-11-18; do
	"$bin" check --json "$c" >"$tmp/whole" 2>&1
	r0=$?
	for k in 1 2; do
		EXPEDIERA_PART=$k "$bin" check --json "$c" >"$tmp/parts" 2>&1
		r=$?
		if [ "$r" -eq "$r0" ] && cmp -s "$tmp/whole" "$tmp/parts"; then ok; else
			bad "parts: $c read $k paragraph(s) at a time: exit $r (whole: $r0), or findings differ"
			diff "$tmp/whole" "$tmp/parts" | head -n 20
		fi
	done
done

# Skyddad identitet is a fact about the whole package.  protokoll.xml is read
# in pieces of 64 KiB, so a golden package is always one part; here 400
# paragraphs about no one are put between § 131 and § 132 of
# check/protected-identity-exposed-other-part, so that read a paragraph at a
# time the addresses (§ 130, § 131) are in the first part and the protection
# (§ 132, and a sheet that joins no paragraph) in later ones.  The findings
# must be the golden ones and the same in parts, in check and in the second
# reading that send does its work from.
c=tests/check/protected-identity-exposed-other-part
v=$tmp/parts-skyddad
rm -rf "$v" && cp -r "$c/session" "$v"
python3 - "$v/protokoll.xml" <<'PY'
import sys
p = sys.argv[1]
s = open(p, encoding="utf-8").read()
filler = "".join(
    f'  <paragraf nr="{n}" dnr="SN/2026:{n}" omedelbart-justerad="false">\n'
    "    <rubrik>Delegationsbeslut, anmälan</rubrik>\n"
    "    <beslut><punkt>Socialnämndens individutskott beslutar att lägga anmälan "
    "till handlingarna.</punkt></beslut>\n"
    "    <beskrivning><stycke>Anmälan om delegationsbeslut fattade under "
    "perioden.</stycke></beskrivning>\n"
    "  </paragraf>\n" for n in range(1001, 1401))
at = s.index('  <paragraf nr="132"')
open(p, "w", encoding="utf-8").write(s[:at] + filler + s[at:])
PY
"$bin" check "$v" >/dev/null 2>"$tmp/err"
strip <"$tmp/err" >"$tmp/found"
if [ "$(wc -c <"$v/protokoll.xml")" -gt 131072 ] && cmp -s "$c/expected" "$tmp/found"; then ok; else
	bad "parts: skyddad identitet, the large package read whole: other findings than $c/expected"
	diff "$c/expected" "$tmp/found" | head -n 10
fi
"$bin" check --json "$v" >"$tmp/whole" 2>&1
"$bin" send --dry-run --json "$v" >"$tmp/whole-routes" 2>/dev/null
for k in 1 2; do
	EXPEDIERA_PART=$k "$bin" check --json "$v" >"$tmp/parts" 2>&1
	EXPEDIERA_PART=$k "$bin" send --dry-run --json "$v" >"$tmp/parts-routes" 2>/dev/null
	if cmp -s "$tmp/whole" "$tmp/parts" && cmp -s "$tmp/whole-routes" "$tmp/parts-routes" &&
	    python3 tests/lib/routes.py <"$tmp/parts-routes" >"$tmp/routes" &&
	    grep -qx '130 197509709874 den-enskilde held' "$tmp/routes" &&
	    grep -qx '131 198803039893 den-enskilde held' "$tmp/routes" &&
	    grep -qx '132 197509709874 vardnadshavare print-skatteverket' "$tmp/routes"; then
		ok
	else
		bad "parts: skyddad identitet in a later part than the address, $k paragraph(s) at a time: findings or routes differ, or the address is not held"
		diff "$tmp/whole" "$tmp/parts" | head -n 10
		diff "$tmp/whole-routes" "$tmp/parts-routes" | head -n 10
	fi
done

# The same routes.
ex=examples/sammantrade-2026-11-18
"$bin" send --dry-run --json "$ex" >"$tmp/whole" 2>&1
for k in 1 3; do
	if EXPEDIERA_PART=$k "$bin" send --dry-run --json "$ex" >"$tmp/parts" 2>&1 &&
	    cmp -s "$tmp/whole" "$tmp/parts"; then ok; else
		bad "parts: send --dry-run, $k paragraph(s) at a time, routes differ"
		diff "$tmp/whole" "$tmp/parts" | head -n 20
	fi
done

# The same print batches, manifests, hand-overs and archive, byte for byte;
# the same expedieringslista but for the time.
for k in 0 1 3; do
	w=$tmp/parts-send-$k
	mkdir -p "$w"
	sed "s|^database = .*|database = expediera.db|" examples/expediera.conf >"$w/expediera.conf"
	# One person key for the three: the print volumes carry each försändelse's
	# id (made with it) on every sheet.
	[ "$k" -eq 0 ] || install -m 600 "$tmp/parts-send-0/expediera.key" "$w/expediera.key"
	(cd "$w" && EXPEDIERA_PART=$([ "$k" -eq 0 ] || echo "$k") EXPEDIERA_AUDIT_NOW=2026-11-20T10:00:00Z \
	    "$top/$bin" send "$top/$ex" >stdout 2>stderr)
	# Batch names carry the run's number and random id: not compared, in the
	# file names nor in the manifests' volym column.
	(cd "$w/out" && { find . -type f ! -name 'expedieringslista-*' ! -path './print/*.csv' \
	    -exec sha256sum {} +; for f in print/*.csv; do
		printf '%s  ./%s\n' "$(sed -E 's/-k[0-9]+-[0-9a-f]{16}/-k/g' "$f" | sha256sum | cut -c1-64)" "$f"
	done; } | sed -E 's/-k[0-9]+-[0-9a-f]{16}\./-k./' | sort -k 2 >"$w/sums")
	cut -d, -f1-6 "$w"/out/arkiv/expedieringslista-*.csv >"$w/lista"
done
for k in 1 3; do
	if [ -s "$tmp/parts-send-0/sums" ] && cmp -s "$tmp/parts-send-0/sums" "$tmp/parts-send-$k/sums" &&
	    cmp -s "$tmp/parts-send-0/lista" "$tmp/parts-send-$k/lista"; then ok; else
		bad "parts: send, $k paragraph(s) at a time, wrote other files"
		diff "$tmp/parts-send-0/sums" "$tmp/parts-send-$k/sums" | head -n 10
	fi
done

# Försättsblad written other ways than plainly: which part reads a sheet is
# decided from its dnr before it is read in full, and that look must agree
# with the full parse whatever the form (a prefix, a character reference, a
# line break in the value, a comment, another attribute first, one that is not
# well-formed after its <arende>).
v=$tmp/parts-forms
rm -rf "$v" && cp -r "$ex" "$v"
fbd=$v/forsattsblad
set -- "$fbd"/*.xml
sed -i 's|<forsattsblad xmlns="urn:expediera:forsattsblad:1">|<f:forsattsblad xmlns:f="urn:expediera:forsattsblad:1" xmlns="urn:expediera:forsattsblad:1">|; s|</forsattsblad>|</f:forsattsblad>|' "$1"
sed -i 's|<arende dnr="SN/2026:\([0-9]*\)"|<arende dnr="SN\&#47;2026:\1"|' "$2"
sed -i 's|<arende dnr="SN/2026:\([0-9]*\)"|<!-- ärendet --><arende\n  dnr="SN/2026:\1\n"|' "$3"
sed -i 's|<arende dnr=|<arende x="1" dnr=|' "$4"
sed -i 's|</forsattsblad>|</forsattsblad|' "$5"
"$bin" check --json "$v" >"$tmp/whole" 2>&1
r0=$?
EXPEDIERA_PART=1 "$bin" check --json "$v" >"$tmp/parts" 2>&1
r=$?
if [ "$r" -eq "$r0" ] && cmp -s "$tmp/whole" "$tmp/parts" && grep -q '"schema"' "$tmp/whole"; then
	ok
else
	bad "parts: försättsblad in other forms: exit $r (whole: $r0), or findings differ"
	diff "$tmp/whole" "$tmp/parts" | head -n 20
fi
