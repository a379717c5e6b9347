# dates.sh -- sourced by run.sh: when a försättsblad was filled in (rule
# cover-sheet-date, [check] max_alder_dagar) and samordningsnummer whose day
# is past their month's end, end to end through check and send --dry-run.
# The golden packages tests/check/cover-sheet-date-* hold the plain cases.

D=$tmp/dates
mkdir -p "$D"
ex=examples/sammantrade-2026-11-18

# dates_pkg NAME: a copy of valid-minimal in $D/NAME (its sheet: a.xml, line 23
# <ifylld>, meeting 2026-11-18).
dates_pkg() {
	rm -rf "${D:?}/$1"
	cp -r tests/check/valid-minimal/session "$D/$1"
}
# findings FILE: "file:line: severity: rule" of check's stderr in FILE.
cover_findings() { strip <"$tmp/err" | grep ': cover-sheet-date$'; }

# ---- today is the one clock's, and the test clock moves it ----
# The sheet says 2026-11-03: the day before, it is in the future; that day, not.
dates_pkg klocka
EXPEDIERA_AUDIT_NOW=2026-11-02T23:59:59Z run_check "$D/klocka"
if [ "$(rc)" -eq 1 ] && [ "$(cover_findings)" = "forsattsblad/a.xml:23: fel: cover-sheet-date" ] &&
    grep -q 'i dag är det 2026-11-02' "$tmp/err"; then ok; else
	bad "dates: a sheet dated the day after the test clock's today is no error (exit $(rc))"
	cat "$tmp/err"
fi
EXPEDIERA_AUDIT_NOW=2026-11-03T00:00:00Z run_check "$D/klocka"
if [ "$(rc)" -eq 0 ] && [ ! -s "$tmp/err" ]; then ok; else
	bad "dates: a sheet dated today is taken for the future (exit $(rc))"
	cat "$tmp/err"
fi

# ---- the issue's years: 2024 is stale, 2027 is in the future ----
dates_pkg ar2024
sed -i 's/datum="2026-11-03"/datum="2024-11-18"/' "$D/ar2024/forsattsblad/a.xml"
EXPEDIERA_AUDIT_NOW=2026-11-20T10:00:00Z run_check "$D/ar2024"
if [ "$(rc)" -eq 0 ] && [ "$(cover_findings)" = "forsattsblad/a.xml:23: varning: cover-sheet-date" ] &&
    grep -q '730 dagar före sammanträdet 2026-11-18; det får vara högst 90 dagar' "$tmp/err"; then ok; else
	bad "dates: a sheet of 2024 for a meeting of 2026 is not warned of (exit $(rc))"
	cat "$tmp/err"
fi
dates_pkg ar2027
sed -i 's/datum="2026-11-03"/datum="2027-01-05"/' "$D/ar2027/forsattsblad/a.xml"
EXPEDIERA_AUDIT_NOW=2026-11-20T10:00:00Z run_check "$D/ar2027"
if [ "$(rc)" -eq 1 ] && [ "$(cover_findings)" = "forsattsblad/a.xml:23: fel: cover-sheet-date" ]; then ok; else
	bad "dates: a sheet of 2027 checked in 2026 is no error (exit $(rc))"
	cat "$tmp/err"
fi

# ---- an xs:date with a time zone is the day written ----
dates_pkg zon
sed -i 's/datum="2026-11-03"/datum="2026-05-04+02:00"/' "$D/zon/forsattsblad/a.xml"
run_check "$D/zon"
if [ "$(rc)" -eq 0 ] && [ "$(cover_findings)" = "forsattsblad/a.xml:23: varning: cover-sheet-date" ] &&
    grep -q 'ifyllt 2026-05-04, 198 dagar' "$tmp/err"; then ok; else
	bad "dates: a date with a time zone is not judged (exit $(rc))"
	cat "$tmp/err"
fi
sed -i 's/datum="2026-05-04+02:00"/datum="2099-01-01Z"/' "$D/zon/forsattsblad/a.xml"
run_check "$D/zon"
if [ "$(rc)" -eq 1 ] && [ "$(cover_findings)" = "forsattsblad/a.xml:23: fel: cover-sheet-date" ]; then ok; else
	bad "dates: 2099-01-01Z is not in the future (exit $(rc))"
	cat "$tmp/err"
fi

# ---- [check] max_alder_dagar ----
# The example's oldest sheet, in days before its meeting, and how many
# sheets are that old: one day less warns of them, that many days of none.
python3 - "$ex" >"$D/oldest" <<'PY'
import datetime, glob, re, sys
meet = datetime.date.fromisoformat(
    re.search(r"<sammantradesdatum>([0-9-]+)<", open(sys.argv[1] + "/protokoll.xml").read()).group(1))
ages = [(meet - datetime.date.fromisoformat(m.group(1))).days
        for f in glob.glob(sys.argv[1] + "/forsattsblad/*.xml")
        for m in re.finditer(r'<ifylld [^>]*datum="([0-9-]{10})"', open(f).read())]
print(max(ages), ages.count(max(ages)))
PY
read -r oldest n_oldest <"$D/oldest"
printf '[check]\nmax_alder_dagar = %d\n' $((oldest - 1)) >"$D/less.conf"
run_check --config "$D/less.conf" "$ex"
if [ "$(rc)" -eq 0 ] && [ "$oldest" -gt 0 ] &&
    [ "$(cover_findings | grep -c ': varning: cover-sheet-date$')" -eq "$n_oldest" ] &&
    grep -q "$oldest dagar före sammanträdet 2026-11-18; det får vara högst $((oldest - 1)) dagar" "$tmp/err"; then ok; else
	bad "dates: max_alder_dagar = $((oldest - 1)) does not warn of the example's $n_oldest oldest sheets (exit $(rc))"
	head -n 5 "$tmp/err"
fi
printf '[check]\nmax_alder_dagar = %d\n' "$oldest" >"$D/same.conf"
run_check --config "$D/same.conf" "$ex"
if [ "$(rc)" -eq 0 ] && [ ! -s "$tmp/err" ]; then ok; else
	bad "dates: max_alder_dagar = $oldest warns of the example (exit $(rc))"
	head -n 5 "$tmp/err"
fi
# 0: a sheet filled in on the day of the meeting only.
dates_pkg noll
sed -i 's/datum="2026-11-03"/datum="2026-11-18"/' "$D/noll/forsattsblad/a.xml"
printf '[check]\nmax_alder_dagar = 0\n' >"$D/0.conf"
EXPEDIERA_AUDIT_NOW=2026-11-20T10:00:00Z run_check --config "$D/0.conf" "$D/noll"
rc_same=$(rc)
[ -s "$tmp/err" ] && rc_same="$rc_same, with findings"
sed -i 's/datum="2026-11-18"/datum="2026-11-17"/' "$D/noll/forsattsblad/a.xml"
EXPEDIERA_AUDIT_NOW=2026-11-20T10:00:00Z run_check --config "$D/0.conf" "$D/noll"
if [ "$rc_same" = 0 ] && [ "$(rc)" -eq 0 ] &&
    [ "$(cover_findings)" = "forsattsblad/a.xml:23: varning: cover-sheet-date" ]; then ok; else
	bad "dates: max_alder_dagar = 0 does not warn of a sheet of the day before (exit $rc_same, $(rc))"
fi
# Anything but a whole number of days, 0 to 3650, is a configuration error.
for v in -1 3651 90d +90 9.5 nittio; do
	printf '[check]\nmax_alder_dagar = %s\n' "$v" >"$D/bad.conf"
	run_check --config "$D/bad.conf" tests/check/valid-minimal/session
	if [ "$(rc)" -eq 2 ] && grep -q "bad.conf:2: ogiltigt värde \"$v\" för max_alder_dagar" "$tmp/err"; then ok; else
		bad "dates: max_alder_dagar = $v is not refused (exit $(rc))"
		cat "$tmp/err"
	fi
done

# ---- a sheet from the future blocks its paragraph, and only that ----
rm -rf "$D/fram"
cp -r "$ex" "$D/fram"
sed -i 's/\(<ifylld [^>]*datum=\)"[^"]*"/\1"2099-01-01"/' "$D/fram/forsattsblad/sn-2026-441.xml"
"$bin" send --dry-run --json "$D/fram" >"$tmp/out" 2>"$tmp/err"
if python3 - "$tmp/out" <<'PY'; then ok; else bad "dates: a sheet from the future does not hold § 128 alone"; fi
import json, sys
d = json.load(open(sys.argv[1]))
f = [x for x in d["findings"] if x["rule"] == "cover-sheet-date"]
held = {r["paragraf"] for r in d["routes"] if r["route"] == "held"}
sent = {r["paragraf"] for r in d["routes"] if r["route"] not in ("held", "archive")}
sys.exit(0 if len(f) == 1 and f[0]["severity"] == "error" and f[0]["paragraf"] == 128
         and 128 in held and 128 not in sent and 126 in sent else 1)
PY

# ---- samordningsnummer with a day past the month's end, in a package ----
# The guardian's 19510289-2394 (29 February 1951, no such day): check passes.
dates_pkg samordning
sed -i 's/19920715-9840/19510289-2394/g' "$D/samordning/forsattsblad/a.xml"
run_check "$D/samordning"
if [ "$(rc)" -eq 0 ] && [ ! -s "$tmp/err" ]; then ok; else
	bad "dates: samordningsnummer 19510289-**** refused (exit $(rc))"
	cat "$tmp/err"
fi
# The same day in a personnummer (29 February 1951) stays refused.
sed -i 's/19510289-2394/19510229-2397/g' "$D/samordning/forsattsblad/a.xml"
run_check "$D/samordning"
if [ "$(rc)" -eq 1 ] && strip <"$tmp/err" | grep -q ': fel: invalid-personnummer$' &&
    grep -q 'datumet finns inte' "$tmp/err"; then ok; else
	bad "dates: personnummer 19510229-**** accepted (exit $(rc))"
	cat "$tmp/err"
fi
# A child whose samordningsnummer says 31 February 2013 is 13 on the meeting
# day, born at the latest 28 February 2013: guardians still asked.
dates_pkg barn
sed -i 's/20130315-9824/20130291-2397/g' "$D/barn/forsattsblad/a.xml" "$D/barn/protokoll.xml"
sed -i 's|<vardnadshavare>|<!-- x -->|; s|</vardnadshavare>|<!-- y -->|; s|<person><namn>Eva Exempel</namn><personnummer>19920715-9840</personnummer></person>||' \
    "$D/barn/forsattsblad/a.xml"
run_check "$D/barn"
if [ "$(rc)" -eq 1 ] && [ "$(strip <"$tmp/err" | grep -v ': not-guardian$')" = "forsattsblad/a.xml:4: fel: guardian-missing" ] &&
    grep -q 'är 13 år på sammanträdesdagen' "$tmp/err"; then ok; else
	bad "dates: a child with samordningsnummer 20130291-**** is not aged 13 (exit $(rc))"
	cat "$tmp/err"
fi
if unmasked <"$tmp/err" || unmasked <"$tmp/out"; then bad "dates: unmasked personnummer"; else ok; fi
