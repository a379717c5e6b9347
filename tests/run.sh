#!/bin/bash
# run.sh -- expediera's test suite, run by `make check` (under ASan and UBSan).
#
#   tests/run.sh           run everything, end with "N passed, N failed"
#   tests/run.sh --regen   rewrite tests/check/*/expected from the current output
#   ONLY="unit send cli" tests/run.sh
#                          only those areas (the names below: unit, lint, pdf,
#                          golden, example, route, and each tests/lib/NAME.sh)
#
# Areas: unit tests (tests/unit), golden session packages (tests/check: one
# per rule, with the findings expected as file:line: severity: rule), the
# bundled example, hostile input, the command line, and a short fuzz run.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 4

bin=${EXPEDIERA:-build/asan/expediera}
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=99
pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL: $*"
}

# Findings as "file:line: severity: rule", without the message.
strip() { sed -E 's/^([^:]+:[0-9]+: [a-z]+: [a-z-]+): .*/\1/'; }

# Any personnummer in its 12-digit form, unmasked (the forms expediera writes;
# a 10-digit organisationsnummer is not personal data).
unmasked() { grep -Eq '(^|[^0-9A-Za-z])(18|19|20)[0-9]{6}[-+]?[0-9]{4}([^0-9A-Za-z]|$)'; }

# check SESSION [ARGS...]: runs check, leaving stdout, stderr, rc in $tmp.
run_check() {
	"$bin" check "$@" >"$tmp/out" 2>"$tmp/err"
	echo $? >"$tmp/rc"
}
rc() { cat "$tmp/rc"; }

. tests/lib/mkwork.sh

# want AREA: true when $ONLY is empty or names AREA.
want() { [ -z "${ONLY:-}" ] || case " $ONLY " in *" $1 "*) true ;; *) false ;; esac; }
# part NAME: sources tests/lib/NAME.sh when it is wanted.
part() { if want "$1"; then . "tests/lib/$1.sh"; fi; }

if [ "${1:-}" = --regen ]; then
	for c in tests/check/*/; do
		run_check "$c/session"
		strip <"$tmp/err" >"$c/expected"
	done
	echo "regenerated tests/check/*/expected; review with git diff"
	exit 0
fi

# ---- unit tests ----
want unit && for t in build/asan/test_*; do
	out=$("$t" 2>&1)
	r=$?
	last=$(printf '%s\n' "$out" | tail -n 1)
	p=$(printf '%s\n' "$last" | sed -nE 's/.* ([0-9]+) passed, ([0-9]+) failed$/\1/p')
	f=$(printf '%s\n' "$last" | sed -nE 's/.* ([0-9]+) passed, ([0-9]+) failed$/\2/p')
	if [ -z "$p" ]; then
		bad "$t: no summary (exit $r)"
		printf '%s\n' "$out" | tail -n 20
		continue
	fi
	pass=$((pass + p))
	fail=$((fail + f))
	if [ "$r" -ne 0 ] || [ "$f" -ne 0 ]; then
		printf '%s\n' "$out" | grep -v '^ok' | tail -n 30
		[ "$f" -eq 0 ] && bad "$t: exit $r"
	fi
done

# ---- no banned function (sprintf, strcpy, atoi ...) in the sources ----
if ! want lint; then :; elif make -s lint >"$tmp/lint" 2>&1; then ok; else
	bad "make lint"
	cat "$tmp/lint"
fi

# ---- PDF output: fonts, text extraction, PDF/A ----
part pdf

# ---- golden session packages, one per rule ----
want golden && for c in tests/check/*/; do
	name=$(basename "$c")
	run_check "$c/session"
	want_rc=0
	grep -q ': fel: ' "$c/expected" && want_rc=1
	if ! strip <"$tmp/err" | diff -u "$c/expected" - >"$tmp/diff"; then
		bad "check/$name: findings differ"
		cat "$tmp/diff"
	elif [ "$(rc)" -ne "$want_rc" ]; then
		bad "check/$name: exit $(rc), want $want_rc"
	else
		ok
	fi
	if unmasked <"$tmp/err" || unmasked <"$tmp/out"; then
		bad "check/$name: unmasked personnummer in output"
	else
		ok
	fi
	# The same findings through --json, which must be valid JSON.
	"$bin" check --json "$c/session" >"$tmp/json" 2>"$tmp/jerr"
	if ! python3 tests/lib/json_findings.py <"$tmp/json" >"$tmp/jlines" 2>"$tmp/jerr2"; then
		bad "check/$name: --json output is not the SPEC shape"
		cat "$tmp/jerr2"
	elif ! diff -u "$c/expected" "$tmp/jlines" >"$tmp/diff"; then
		bad "check/$name: --json findings differ"
		cat "$tmp/diff"
	elif [ -s "$tmp/jerr" ]; then
		bad "check/$name: --json wrote to stderr"
	else
		ok
	fi
done

# ---- the bundled example passes clean ----
want example && for conf in "" "--config examples/expediera.conf"; do
	# shellcheck disable=SC2086
	run_check $conf examples/sammantrade-2026-11-18
	if [ "$(rc)" -eq 0 ] && [ ! -s "$tmp/err" ] && grep -q 'inga fel, inga varningar' "$tmp/out"; then
		ok
	else
		bad "example ${conf:-(defaults)}: exit $(rc)"
		cat "$tmp/err"
	fi
done

# ---- when a sheet was filled in; samordningsnummer past the month's end ----
part dates

# ---- routing: one route per recipient, with its reason ----
want route && for c in tests/route/*/; do
	"$bin" send --dry-run --json "$c/session" >"$tmp/json" 2>/dev/null
	if python3 tests/lib/routes.py <"$tmp/json" >"$tmp/routes" 2>"$tmp/jerr" &&
	    diff -u "$c/expected" "$tmp/routes" >"$tmp/diff"; then
		ok
	else
		bad "route/$(basename "$c"): routes differ"
		cat "$tmp/diff" "$tmp/jerr"
	fi
done
if want route; then
	"$bin" send --dry-run examples/sammantrade-2026-11-18 >"$tmp/out" 2>"$tmp/err"
	if [ $? -eq 0 ] && grep -q 'provkörning' "$tmp/out" && ! unmasked <"$tmp/out"; then ok; else
		bad "send --dry-run on the example"
	fi
fi

# ---- a large package a part at a time ----
part parts

# ---- documents ----
part render
part address
part appeal
part letter
part protocol

# ---- send: delivery, exactly once, audit ----
part send
part promises
part tmpfiles
part volume

# ---- the outbox and log in PostgreSQL, several workers (when it is installed) ----
part postgres
part pgtls
# The randomized torture test, bounded: `make torture` runs it for ten minutes.
if ! want torture; then :; elif EXPEDIERA=$bin bash tests/torture.sh "${TORTURE_SECONDS:-30}" >"$tmp/torture.log" 2>&1; then ok; else
	bad "tests/torture.sh ($(grep -m 1 'seed' "$tmp/torture.log"))"
	grep 'FAIL' "$tmp/torture.log" | head -n 10
fi
part print_sftp
part cups
part watch
# ---- several hosts on one spool, one PostgreSQL log (when it is installed) ----
part spool
part hostid
part status
part after
part states
part fold
part rattelse
part protect
part systemd
part install
part sftp

# ---- digital delivery through the reference mailbox service ----
if ! want selftest; then :; elif bash tests/mailbox/selftest.sh >"$tmp/selftest.log" 2>&1; then ok; else
	bad "the reference mailbox service's self-test"
	tail -n 20 "$tmp/selftest.log"
fi
part mailbox

# ---- hostile and broken input ----
part hostile

# ---- command line and configuration ----
part cli

# ---- the försättsblad form, in a real browser ----
part blankett

# ---- short fuzz runs, seeded from the inputs above ----
# fuzz NAME SEEDS MAX_LEN SECONDS: one libFuzzer target for a while.
fuzz1() {
	f=build/fuzz/$1
	if [ ! -x "$f" ]; then
		bad "no fuzzer built ($f)"
		return
	fi
	mkdir -p "$tmp/$1-corpus"
	if "$f" -max_total_time="$4" -max_len="$3" -timeout=10 -artifact_prefix="$tmp/" \
	    "$tmp/$1-corpus" "$2" >"$tmp/fuzz.log" 2>&1; then
		ok
	else
		bad "$1 found a crash"
		tail -n 40 "$tmp/fuzz.log"
	fi
}
want fuzz || FUZZ_OFF=1
fuzz() { [ -n "${FUZZ_OFF:-}" ] || fuzz1 "$@"; }
sh tests/fuzz/seed.sh "$tmp/seeds"
mkdir -p "$tmp/ini-seeds" "$tmp/mm-seeds"
cp examples/expediera.conf templates/*.conf "$tmp/ini-seeds/"
cp schemas/mina-meddelanden/samples/*Response.xml "$tmp/mm-seeds/" 2>/dev/null
fuzz fuzz_session "$tmp/seeds" 65536 "${FUZZ_SECONDS:-30}"
fuzz fuzz_ini "$tmp/ini-seeds" 8192 "${FUZZ_INI_SECONDS:-10}"
fuzz fuzz_mm "$tmp/mm-seeds" 16384 "${FUZZ_MM_SECONDS:-10}"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
