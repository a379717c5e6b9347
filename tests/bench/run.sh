#!/bin/sh
# run.sh -- `make bench`: generated session packages of growing size, `check`
# timed as the median of five runs, with peak RSS.  Never part of `make check`:
# timings on a shared machine are for reading, not for asserting.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
bin=./expediera
dir=build/bench
mkdir -p "$dir"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

printf '%-8s %-10s %12s %14s %12s\n' "paket" "steg" "median s" "försättsblad/s" "max RSS KiB"
for n in ${BENCH_SIZES:-1 100 1000 10000}; do
	pkg=$dir/session-$n
	[ -f "$pkg/protokoll.xml" ] || python3 tests/bench/gen_session.py "$n" "$pkg"
	"$bin" check "$pkg" >/dev/null 2>&1 || { echo "bench: $pkg does not check clean" >&2; exit 1; }
	times=
	for i in 1 2 3 4 5; do
		t0=$(date +%s%N)
		/usr/bin/time -o "$dir/time" -f '%M' "$bin" check "$pkg" >/dev/null 2>&1
		t1=$(date +%s%N)
		times="$times$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f", (b - a) / 1e9}') $(tail -n 1 "$dir/time")
"
	done
	sec=$(printf '%s' "$times" | awk 'NF {print $1}' | median)
	rss=$(printf '%s' "$times" | awk 'NF {print $2}' | median)
	rate=$(awk -v n="$n" -v s="$sec" 'BEGIN { if (s > 0) printf "%d", n / s; else print "-" }')
	printf '%-8s %-10s %12s %14s %12s\n' "$n" "check" "$sec" "$rate" "$rss"
done
