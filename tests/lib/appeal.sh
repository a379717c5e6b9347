# appeal.sh -- sourced by run.sh: the appeal table (templates/overklagande.conf)
# as check, render and send meet it.  A broken table is a configuration error
# (exit 2) naming its file and line; a paragraph that contradicts the table is
# stopped (appeal-route-mismatch) unless avvikelse gives the nämnd's reason,
# which check shows as information and which stops nothing.  The golden
# packages tests/check/appeal-route-mismatch* and the unit test test_appeal
# hold the rest.

ex=examples/sammantrade-2026-11-18
mkwork "$tmp/ap"
apconf=$tmp/ap/expediera.conf

# ap_run NAME CMD...: runs expediera, stdout/stderr/rc in $tmp/ap-NAME.{out,err,rc}.
ap_run() {
	n=$1
	shift
	"$bin" "$@" >"$tmp/ap-$n.out" 2>"$tmp/ap-$n.err"
	echo $? >"$tmp/ap-$n.rc"
}
ap_rc() { cat "$tmp/ap-$1.rc"; }

# ---- a broken table stops every command that reads a package ----
# broken NAME SED-SCRIPT LINE WORDS: the shipped table changed by SED-SCRIPT
# must be refused by check, render and send --dry-run with exit 2 and
# "overklagande.conf:LINE:" and WORDS in the message.
broken() {
	rm -rf "$tmp/ap-tpl"
	cp -r templates "$tmp/ap-tpl"
	sed -i "$2" "$tmp/ap-tpl/overklagande.conf"
	for c in check render send; do
		case $c in
		check) EXPEDIERA_TEMPLATES=$tmp/ap-tpl ap_run b check "$ex" ;;
		render) EXPEDIERA_TEMPLATES=$tmp/ap-tpl ap_run b render --config "$apconf" "$ex" \
		    -o "$tmp/ap-broken-out" ;;
		send) EXPEDIERA_TEMPLATES=$tmp/ap-tpl ap_run b send --dry-run --config "$apconf" "$ex" ;;
		esac
		if [ "$(ap_rc b)" -eq 2 ] && grep -q "overklagande.conf:$3: .*$4" "$tmp/ap-b.err" &&
		    [ ! -e "$tmp/ap-broken-out" ]; then ok; else
			bad "appeal: $1: $c exit $(ap_rc b), want 2 naming overklagande.conf:$3 ($4)"
			head -n 3 "$tmp/ap-b.err"
		fi
	done
}
l6=$(grep -n '^\[6 § LVU\]' templates/overklagande.conf | cut -d: -f1)
l13=$(grep -n '^\[13 § LVM\]' templates/overklagande.conf | cut -d: -f1)
broken "bad pattern" "$((l6 + 1))s/§(/§((/" "$((l6 + 1))" "ogiltigt lagrum-mönster"
broken "unknown route" "$((l6 + 2))s/understalls/underställs/" "$((l6 + 2))" 'okänd väg'
broken "no source" "$((l13 + 5))d" "$l13" 'saknar kalla'
broken "no deadline" "$((l13 + 4))d" "$l13" 'saknar frist'
broken "no statute" "$((l6 + 3))d" "$l6" 'saknar lag'
# No table at all.
rm -f "$tmp/ap-tpl/overklagande.conf"
EXPEDIERA_TEMPLATES=$tmp/ap-tpl ap_run b check "$ex"
if [ "$(ap_rc b)" -eq 2 ] && grep -q 'overklagande.conf: kan inte läsa' "$tmp/ap-b.err"; then ok; else
	bad "appeal: a missing table: check exit $(ap_rc b), want 2"
fi

# ---- the example's § 121 marked appealable is stopped ----
rm -rf "$tmp/ap-ex"
cp -r "$ex" "$tmp/ap-ex"
grep -q '<overklagande typ="understalls"/>' "$tmp/ap-ex/protokoll.xml" ||
	bad "appeal: the example's § 121 is not typ=\"understalls\""
sed -i '0,/<overklagande typ="understalls"\/>/s//<overklagande typ="forvaltningsbesvar"\/>/' \
    "$tmp/ap-ex/protokoll.xml"
line=$(grep -n '<overklagande typ="forvaltningsbesvar"/>' "$tmp/ap-ex/protokoll.xml" | head -n 1 | cut -d: -f1)
ap_run m check "$tmp/ap-ex"
if [ "$(ap_rc m)" -eq 1 ] && grep -q "^protokoll.xml:$line: fel: appeal-route-mismatch: § 121 .*7 § LVU" "$tmp/ap-m.err" &&
    [ "$(grep -c ': fel: ' "$tmp/ap-m.err")" -eq 1 ]; then ok; else
	bad "appeal: § 121 forvaltningsbesvar: check exit $(ap_rc m), want 1 and one appeal-route-mismatch at line $line"
	cat "$tmp/ap-m.err"
fi
# render makes no letter for it, and every other one.
ap_run mr render --config "$apconf" "$tmp/ap-ex" -o "$tmp/ap-mr"
if [ "$(ap_rc mr)" -eq 1 ] && ! ls "$tmp/ap-mr" | grep -q '^121-' && ls "$tmp/ap-mr" | grep -q '^122-'; then ok; else
	bad "appeal: render of a mismatched § 121: exit $(ap_rc mr), files: $(ls "$tmp/ap-mr" 2>/dev/null | tr '\n' ' ')"
fi
# send holds § 121, as for any error, and routes the rest.
ap_run ms send --dry-run --json --config "$apconf" "$tmp/ap-ex"
if python3 - "$tmp/ap-ms.out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
f = [x for x in d["findings"] if x["rule"] == "appeal-route-mismatch"]
assert len(f) == 1 and f[0]["severity"] == "error" and f[0]["paragraf"] == 121, f
r = [x for x in d["routes"] if x["paragraf"] == 121]
assert r and all(x["route"] == "held" for x in r), r
assert any(x["route"] != "held" for x in d["routes"] if x["paragraf"] == 122), "§ 122 held too"
PY
then ok; else bad "appeal: send --dry-run --json of a mismatched § 121"; head -c 600 "$tmp/ap-ms.out"; fi

# A lagrum written with no-break spaces, as a word processor does, is the same lagrum.
sed -i 's|<lagrum>6 § LVU</lagrum>|<lagrum>6\xc2\xa0§\xc2\xa0LVU</lagrum>|' "$tmp/ap-ex/protokoll.xml"
grep -q "$(printf '6\302\240')" "$tmp/ap-ex/protokoll.xml" || bad "appeal: sed wrote no no-break space"
ap_run nb check "$tmp/ap-ex"
if [ "$(ap_rc nb)" -eq 1 ] && grep -q 'appeal-route-mismatch' "$tmp/ap-nb.err"; then ok; else
	bad "appeal: 6 § LVU with no-break spaces is not matched"
fi

# ---- with the nämnd's reason: information, nothing stopped ----
sed -i "0,/<overklagande typ=\"forvaltningsbesvar\"\\/>/s//<overklagande typ=\"forvaltningsbesvar\" avvikelse=\"Förvaltningsrätten har i dom den 2 november 2026 ansett beslutet överklagbart.\"\\/>/" \
    "$tmp/ap-ex/protokoll.xml"
ap_run a check "$tmp/ap-ex"
if [ "$(ap_rc a)" -eq 0 ] && grep -q "^protokoll.xml:$line: info: appeal-route-mismatch: § 121 .*Förvaltningsrätten har i dom den 2 november 2026" "$tmp/ap-a.err" &&
    grep -q 'inga fel, inga varningar, 1 upplysning\.' "$tmp/ap-a.out"; then ok; else
	bad "appeal: avvikelse: check exit $(ap_rc a), want 0 with an info naming the reason"
	cat "$tmp/ap-a.err" "$tmp/ap-a.out"
fi
ap_run aj check --json "$tmp/ap-ex"
if [ "$(ap_rc aj)" -eq 0 ] && python3 - "$tmp/ap-aj.out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
f = d["findings"]
assert len(f) == 1, f
assert f[0]["rule"] == "appeal-route-mismatch" and f[0]["severity"] == "info", f
assert f[0]["paragraf"] == 121 and f[0]["file"] == "protokoll.xml", f
assert d["errors"] == 0 and d["warnings"] == 0 and d["infos"] == 1, d
PY
then ok; else bad "appeal: avvikelse: check --json"; head -c 600 "$tmp/ap-aj.out"; fi
ap_run ar render --config "$apconf" "$tmp/ap-ex" -o "$tmp/ap-ar"
if [ "$(ap_rc ar)" -eq 0 ] && ls "$tmp/ap-ar" | grep -q '^121-'; then ok; else
	bad "appeal: avvikelse: render exit $(ap_rc ar), § 121 letters: $(ls "$tmp/ap-ar" 2>/dev/null | grep -c '^121-')"
fi
ap_run as send --dry-run --json --config "$apconf" "$tmp/ap-ex"
if python3 - "$tmp/ap-as.out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
r = [x for x in d["routes"] if x["paragraf"] == 121]
assert r and not any(x["route"] == "held" for x in r), r
PY
then ok; else bad "appeal: avvikelse: send --dry-run holds § 121"; head -c 600 "$tmp/ap-as.out"; fi
