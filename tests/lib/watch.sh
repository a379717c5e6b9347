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
[ "$r" -eq 137 ] && [ -d "$SP/inkommande/a-ren" ] && ok || bad "watch: the first pass was not killed mid-send (exit $r)"
"$bin" watch --once --config "$W/expediera.conf" "$SP" >"$tmp/out" 2>"$tmp/err"
echo $? >"$tmp/rc"
if [ "$(rc)" -eq 0 ] && [ -d "$SP/klara/a-ren" ] && [ -f "$SP/avvisade/b-fel/felrapport.txt" ] &&
    [ -d "$SP/inkommande/c-ej-justerad" ] && [ -d "$SP/inkommande/d-halvfardig" ]; then ok; else
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
