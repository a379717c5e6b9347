# watch.sh -- sourced by run.sh: `expediera watch SPOOL`, the automated
# dispatch.  Three packages arrive (clean, with errors, not yet justerat); the
# first pass is killed with SIGKILL in the middle of sending; the next pass
# finds each package where it belongs, every försändelse sent exactly once, and
# the audit chain intact.  Packages without KLAR are left alone.

SP=$tmp/spool
W=$tmp/watch
mkwork "$W"
mkdir -p "$SP/inkommande"
cp -r "$ex" "$SP/inkommande/a-ren"
cp -r tests/check/many-faults/session "$SP/inkommande/b-fel"
cp -r tests/check/not-adjusted/session "$SP/inkommande/c-ej-justerad"
cp -r "$ex" "$SP/inkommande/d-halvfardig"
touch "$SP/inkommande/a-ren/KLAR" "$SP/inkommande/b-fel/KLAR" "$SP/inkommande/c-ej-justerad/KLAR"

r=$( { EXPEDIERA_CRASH_AT=batch-written "$bin" watch --once --config "$W/expediera.conf" "$SP" >/dev/null 2>&1; echo $?; } 2>/dev/null)
# The killed pass held a-ren: it waits in behandlas/ under the dead worker's claim.
[ "$r" -eq 137 ] && ls -d "$SP"/behandlas/a-ren~* >/dev/null 2>&1 && [ ! -d "$SP/inkommande/a-ren" ] &&
    ok || bad "watch: the first pass was not killed mid-send holding a-ren (exit $r)"
"$bin" watch --once --config "$W/expediera.conf" "$SP" >"$tmp/out" 2>"$tmp/err"
echo $? >"$tmp/rc"
# Its process is gone (this host): the next pass takes it over at once.
if [ "$(rc)" -eq 0 ] && [ -d "$SP/klara/a-ren" ] && [ -f "$SP/avvisade/b-fel/felrapport.txt" ] &&
    [ -d "$SP/inkommande/c-ej-justerad" ] && [ -d "$SP/inkommande/d-halvfardig" ] &&
    [ -z "$(ls -A "$SP/behandlas")" ] && grep -q 'a-ren: tas över' "$tmp/out"; then ok; else
	bad "watch: packages not where they belong (exit $(rc))"
	find "$SP" -maxdepth 2 | sort
	head -n 5 "$tmp/err"
fi
grep -q 'not-adjusted\|dnr-format' "$SP/avvisade/b-fel/felrapport.txt" && ok || bad "watch: the report lacks the findings"
pdftotext "$SP/avvisade/b-fel/felrapport.pdf" - 2>/dev/null | grep -q 'dnr-format' && ok || bad "watch: no PDF report with the findings"
unmasked <"$SP/avvisade/b-fel/felrapport.txt" && bad "watch: a personnummer in the report" || ok
ls "$SP"/klara/a-ren/expedieringslista-*.pdf >/dev/null 2>&1 && ok || bad "watch: no expedieringslista beside the sent package"
# Exactly once: the same försändelser as a plain send, each in one batch.
if [ "$(printed "$W")" = "$(cd "$tmp/send1" && printed .)" ]; then ok; else bad "watch: försändelser not exactly once"; fi
"$bin" audit verify --config "$W/expediera.conf" >/dev/null 2>&1 && ok || bad "watch: audit verify"
# Once justerat, the waiting package goes too.
sed -i 's|</justerare>|</justerare><justerad datum="2026-11-20"/>|' "$SP/inkommande/c-ej-justerad/protokoll.xml"
"$bin" watch --once --config "$W/expediera.conf" "$SP" >"$tmp/out" 2>&1
[ -d "$SP/klara/c-ej-justerad" ] && ok || { bad "watch: the justerat package was not sent"; cat "$tmp/out"; }

# ---- an urgent decision does not wait for the rest ----
# The example before its justering: § 121 (omedelbart justerad at the
# meeting) goes at once, by send and by watch; the rest waits, check exits 0,
# and once <justerad> is added the rest goes, each försändelse once.
ej=$tmp/ej-justerat
rm -rf "$ej"
cp -r "$ex" "$ej"
sed -i '/<justerad datum=/d' "$ej/protokoll.xml"
run_check "$ej"
if [ "$(rc)" -eq 0 ] && grep -q 'avvaktar: not-adjusted' "$tmp/err" &&
    grep -q 'väntar på justering' "$tmp/out"; then ok; else
	bad "wait: check of a package waiting for its justering (exit $(rc))"
	cat "$tmp/out"
fi
W=$tmp/wait-send
mkwork "$W"
send_in "$W" "$ej"
sent_121=$(printed "$W" | grep -c -- '-121-' || true)
other=$(printed "$W" | grep -vc -- '-121-' || true)
if [ "$(rc)" -eq 3 ] && [ "$sent_121" -gt 0 ] && [ "$other" -eq 0 ] &&
    grep -q 'väntar på justering' "$tmp/out"; then ok; else
	bad "wait: send did not send § 121 alone (exit $(rc), § 121: $sent_121, others: $other)"
	cat "$tmp/out" "$tmp/err" | head -n 8
fi
sed -i 's|</justerare>|</justerare><justerad datum="2026-11-20"/>|' "$ej/protokoll.xml"
send_in "$W" "$ej"
if [ "$(printed "$W" | uniq -d | wc -l)" -eq 0 ] &&
    [ "$(printed "$W")" = "$(cd "$tmp/send1" && printed .)" ]; then ok; else
	bad "wait: after the justering the rest did not go exactly once"
	cat "$tmp/out"
fi
# The same through watch: § 121 at once, the package kept, no new run on
# each pass while nothing changed, the rest after the justering.
SP=$tmp/wait-spool
W=$tmp/wait-watch
mkwork "$W"
mkdir -p "$SP/inkommande"
cp -r "$ex" "$SP/inkommande/paket"
sed -i '/<justerad datum=/d' "$SP/inkommande/paket/protokoll.xml"
touch "$SP/inkommande/paket/KLAR"
"$bin" watch --once --config "$W/expediera.conf" "$SP" >"$tmp/out" 2>&1
first=$(printed "$W" | wc -l)
"$bin" watch --once --config "$W/expediera.conf" "$SP" >"$tmp/out2" 2>&1
runs=$(sqlite3 "$W/out/expediera.db" "SELECT count(*) FROM batch")
if [ -d "$SP/inkommande/paket" ] && [ "$first" -gt 0 ] && [ "$(printed "$W" | grep -vc -- '-121-')" -eq 0 ] &&
    grep -q 'väntar på justering' "$tmp/out2" && [ "$runs" -eq 1 ]; then ok; else
	bad "wait: watch before the justering ($first printed, $runs runs)"
	cat "$tmp/out" "$tmp/out2"
fi
sed -i 's|</justerare>|</justerare><justerad datum="2026-11-20"/>|' "$SP/inkommande/paket/protokoll.xml"
"$bin" watch --once --config "$W/expediera.conf" "$SP" >"$tmp/out" 2>&1
if [ -d "$SP/klara/paket" ] && [ "$(printed "$W" | uniq -d | wc -l)" -eq 0 ] &&
    [ "$(printed "$W")" = "$(cd "$tmp/send1" && printed .)" ]; then ok; else
	bad "wait: watch after the justering"
	cat "$tmp/out"
fi
