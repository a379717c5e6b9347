# protect.sh -- sourced by run.sh: a protected identity is remembered across
# meetings (SPEC 2.2, rule protected-identity-exposed from the log), and the
# smaller refusals of issue 24 item 12: kvitto and retur for one
# försändelse, audit export --since a day the calendar lacks, and a
# configuration others can write.
#
# Meeting 1 (2026-11-18) sends to Anna Andersson (19800101-9820) with
# <skyddad-identitet/>: via Skatteverket.  Meeting 2 (2026-12-16, another
# package) gives the same personnummer an address as ombud in § 124 (b.xml):
# check with the log configured and send both report it, and nothing goes
# to her (nor to anyone of that sheet).  skydd-upphort on or after the
# protected sending, and not after today, lets the address through.

export TZ=Europe/Stockholm
P=$tmp/protect
mkwork "$P"
src=tests/check/protected-identity-exposed/session
m1=$tmp/protect-m1
m2=$tmp/protect-m2
rm -rf "$m1" "$m2"
cp -r "$src" "$m1"
rm "$m1/forsattsblad/b.xml"
# Served (delgivning) by post: a.xml (Anna, via Skatteverket) and c.xml.
sed -i 's/<mottagare roll="\([a-z-]*\)" kanal="auto">/<mottagare roll="\1" kanal="auto" delgivning="true">/' \
    "$m1/forsattsblad/a.xml" "$m1/forsattsblad/c.xml"
cp -r "$src" "$m2"
rm "$m2/forsattsblad/a.xml"
sed -i 's/2026-11-18/2026-12-16/; s/justerad datum="2026-11-20"/justerad datum="2026-12-18"/' \
    "$m2/protokoll.xml"
# p CMD ARGS...: expediera CMD with P's configuration; out, err, rc in $tmp.
p() {
	c=$1
	shift
	"$bin" "$c" --config "$P/expediera.conf" "$@" >"$tmp/out" 2>"$tmp/err"
	echo $? >"$tmp/rc"
}
pevents() { sqlite3 "$P/out/expediera.db" 'SELECT count(*) FROM event'; }
# pexposed FILE:LINE: whether stderr reports protected-identity-exposed there.
pexposed() { grep -q "^forsattsblad/$1: fel: protected-identity-exposed" "$tmp/err"; }

EXPEDIERA_AUDIT_NOW=2026-11-21T10:00:00Z p send --skip-invalid "$m1"
if [ "$(rc)" -eq 3 ] && grep -q 'via Skatteverket' "$tmp/out"; then ok; else
	bad "protect: meeting 1 did not send Anna via Skatteverket (exit $(rc))"
	cat "$tmp/err"
fi

# ---- meeting 2: check without a log knows nothing; with the log it does ----
run_check "$m2"
pexposed b.xml:21 && bad "protect: check without a log reports the earlier protection" || ok
EXPEDIERA_AUDIT_NOW=2026-12-20T10:00:00Z p check "$m2"
if [ "$(rc)" -eq 1 ] && pexposed b.xml:21 && grep -q 'skydd-upphort' "$tmp/err"; then ok; else
	bad "protect: check with the log does not report Anna's address (exit $(rc))"
	cat "$tmp/err"
fi
if unmasked <"$tmp/err" || grep -q 'Storgatan' "$tmp/err"; then
	bad "protect: the finding shows a personnummer or the address"
else ok; fi
# The same finding through --json.
EXPEDIERA_AUDIT_NOW=2026-12-20T10:00:00Z "$bin" check --json --config "$P/expediera.conf" "$m2" \
    >"$tmp/json" 2>/dev/null
python3 tests/lib/json_findings.py <"$tmp/json" | grep -x 'forsattsblad/b.xml:21: fel: protected-identity-exposed' >/dev/null &&
    ok || bad "protect: check --json lacks the finding"

# ---- send: the finding, and nothing to her (or her sheet's § 124) ----
EXPEDIERA_AUDIT_NOW=2026-12-20T10:00:00Z p send --skip-invalid "$m2"
if pexposed b.xml:21 && [ "$(rc)" -eq 3 ]; then ok; else
	bad "protect: send of meeting 2 (exit $(rc))"
	cat "$tmp/err"
fi
if grep -q -- '-124-' "$P"/out/print/*.csv; then
	bad "protect: meeting 2 sent to the protected person"
else ok; fi
ls "$P"/out/arkiv | grep -q -- '-124-' && bad "protect: § 124 was archived as sent" || ok
ls "$P"/out/arkiv | grep -q '2026-12-16.*-125-' && ok || bad "protect: § 125 of meeting 2 was not sent"

# ---- skydd-upphort: lifted on or after the sending, and not after today ----
for d in 2026-12-01:0 2026-11-21:0 2026-11-20:1 2027-01-05:1; do
	day=${d%:*}
	want_exposed=${d#*:}
	rm -rf "$m2"
	cp -r "$src" "$m2"
	rm "$m2/forsattsblad/a.xml"
	sed -i 's/2026-11-18/2026-12-16/; s/justerad datum="2026-11-20"/justerad datum="2026-12-18"/' \
	    "$m2/protokoll.xml"
	sed -i "s/<mottagare roll=\"ombud\" kanal=\"auto\">/<mottagare roll=\"ombud\" kanal=\"auto\" skydd-upphort=\"$day\">/" \
	    "$m2/forsattsblad/b.xml"
	EXPEDIERA_AUDIT_NOW=2026-12-20T10:00:00Z p check "$m2"
	if grep -q ': fel: schema' "$tmp/err"; then
		bad "protect: skydd-upphort=\"$day\" is not valid against the schema"
	elif [ "$want_exposed" = 1 ] && ! pexposed b.xml:21; then
		bad "protect: skydd-upphort=\"$day\" lifted the protection"
	elif [ "$want_exposed" = 0 ] && pexposed b.xml:21; then
		bad "protect: skydd-upphort=\"$day\" did not lift the protection"
		cat "$tmp/err"
	else ok; fi
done
# Lifted: send goes to her at the address now.
sed -i 's/skydd-upphort="2027-01-05"/skydd-upphort="2026-12-01"/' "$m2/forsattsblad/b.xml"
EXPEDIERA_AUDIT_NOW=2026-12-20T10:00:00Z p send --skip-invalid "$m2"
if ! pexposed b.xml:21 && grep -q -- '-124-.*ombud' "$P"/out/print/*.csv; then ok; else
	bad "protect: with skydd-upphort the letter to the address did not go (exit $(rc))"
	cat "$tmp/err"
fi

# ---- kvitto and retur exclude each other, in either order ----
"$bin" historik --json --config "$P/expediera.conf" --dnr SN/2026:422 >"$tmp/ph422.json" 2>/dev/null
"$bin" historik --json --config "$P/expediera.conf" --dnr SN/2026:425 >"$tmp/ph425.json" 2>/dev/null
pid() { python3 -c 'import json,sys; print([r["id"] for r in json.load(open(sys.argv[1]))["forsandelser"] if r["mottagare"].startswith("Anna")][0])' "$1" 2>/dev/null; }
ka=$(pid "$tmp/ph422.json")
kc=$(pid "$tmp/ph425.json")
if [ -n "$ka" ] && [ -n "$kc" ]; then ok; else bad "protect: no försändelse ids in historik"; fi
export EXPEDIERA_AUDIT_NOW=2026-11-25T10:00:00Z
p retur "$ka" --datum 2026-11-24 --orsak "Okänd på adressen"
[ "$(rc)" -eq 0 ] && ok || { bad "protect: retur of $ka (exit $(rc))"; cat "$tmp/err"; }
ev=$(pevents)
p kvitto "$ka" --datum 2026-11-24
if [ "$(rc)" -eq 2 ] && grep -q 'kom tillbaka' "$tmp/err" && [ "$(pevents)" = "$ev" ]; then ok; else
	bad "protect: a kvitto after a retur was accepted (exit $(rc))"
	cat "$tmp/out" "$tmp/err"
fi
p kvitto "$kc" --datum 2026-11-24
[ "$(rc)" -eq 0 ] && ok || { bad "protect: kvitto of $kc (exit $(rc))"; cat "$tmp/err"; }
ev=$(pevents)
p retur "$kc" --datum 2026-11-24
if [ "$(rc)" -eq 2 ] && grep -q 'delgiven' "$tmp/err" && [ "$(pevents)" = "$ev" ]; then ok; else
	bad "protect: a retur after a kvitto was accepted (exit $(rc))"
	cat "$tmp/out" "$tmp/err"
fi
unset EXPEDIERA_AUDIT_NOW

# ---- audit export --since: a day the calendar has ----
for d in 2026-02-30 2026-02-29 2026-04-31 2026-13-01 2026-02-30T00:00:00Z; do
	p audit export --since "$d"
	if [ "$(rc)" -eq 2 ] && [ ! -s "$tmp/out" ] && grep -q 'ÅÅÅÅ-MM-DD' "$tmp/err"; then ok; else
		bad "protect: audit export --since $d (exit $(rc), $(wc -l <"$tmp/out") lines)"
	fi
done
# A real day still filters: meeting 1's events (2026-11-21) are left out.
p audit export --since 2026-11-22
[ "$(rc)" -eq 0 ] && grep -q 'retur' "$tmp/out" && ! grep -q '2026-11-21T' "$tmp/out" && ok ||
    bad "protect: audit export --since 2026-11-22 (exit $(rc))"

# ---- a configuration others can write is refused, and nothing is done ----
ev=$(pevents)
for mode in 666 664 646; do
	chmod "$mode" "$P/expediera.conf"
	EXPEDIERA_AUDIT_NOW=2026-12-20T10:00:00Z p send --skip-invalid "$m2"
	if [ "$(rc)" -eq 2 ] && grep -q 'konfigurationen används inte' "$tmp/err" &&
	    [ "$(pevents)" = "$ev" ]; then ok; else
		bad "protect: a configuration with mode $mode was used (exit $(rc))"
		cat "$tmp/err"
	fi
done
chmod 644 "$P/expediera.conf"
if [ "$(id -u)" -eq 0 ] && id nobody >/dev/null 2>&1; then
	chown nobody "$P/expediera.conf"
	p check "$m2"
	[ "$(rc)" -eq 2 ] && grep -q 'ägs av ett annat konto' "$tmp/err" && ok ||
	    bad "protect: a configuration owned by another account was used (exit $(rc))"
	chown 0 "$P/expediera.conf"
fi
p check "$m2"
[ "$(rc)" -ne 2 ] && ok || { bad "protect: a configuration of mode 644 was refused"; cat "$tmp/err"; }
