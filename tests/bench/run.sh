#!/bin/sh
# run.sh -- `make bench`: generated session packages of growing size; check,
# render and send (to the print folder) timed as medians, with peak RSS and
# bytes per försändelse, printed as a table.  Never part of `make check`:
# timings on a shared machine are for reading, not for asserting.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
bin=$top/expediera
dir=$top/build/bench
runs=${BENCH_RUNS:-5}
mkdir -p "$dir"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# measure N STEP ITEMS CMD...: prints a table row: ITEMS per second (försändelser,
# or försättsblad for check), bytes per försändelse rendered, peak RSS.
measure() {
	n=$1 step=$2 items=$3
	shift 3
	times=
	i=0
	while [ $i -lt "$runs" ]; do
		rm -rf "$dir/work" && mkdir -p "$dir/work"
		# render and send need a sender: ./expediera.conf, read by default.
		printf '[organisation]\nname = Exempelby kommun\nnamnd = Socialnämnden\naddress = Box 100, 641 21 Exempelby\n' \
		    >"$dir/work/expediera.conf"
		t0=$(date +%s%N)
		(cd "$dir/work" && /usr/bin/time -o "$dir/time" -f '%M' "$@" >/dev/null 2>&1) || true
		t1=$(date +%s%N)
		times="$times$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f", (b - a) / 1e9}') $(tail -n 1 "$dir/time")
"
		i=$((i + 1))
	done
	sec=$(printf '%s' "$times" | awk 'NF {print $1}' | median)
	rss=$(printf '%s' "$times" | awk 'NF {print $2}' | median)
	rate=$(awk -v n="$items" -v s="$sec" 'BEGIN { if (s > 0) printf "%d", n / s; else print "-" }')
	bytes=-
	if [ -d "$dir/work/r" ]; then
		bytes=$(find "$dir/work/r" -type f -printf '%s\n' |
		    awk -v n="$items" '{s += $1} END {printf "%d", s / n}')
	fi
	printf '%-8s %-8s %12s %10s %14s %10s %12s\n' "$n" "$step" "$items" "$sec" "$rate" "$bytes" "$rss"
}

printf '%-8s %-8s %12s %10s %14s %10s %12s\n' "paket" "steg" "antal" "median s" "per sekund" "byte/st" "max RSS KiB"
# Sizes are försändelser; a package of n has n/2 paragraphs and försättsblad.
for n in ${BENCH_SIZES:-1 100 10000 100000}; do
	pkg=$dir/session-$n
	[ -f "$pkg/protokoll.xml" ] || python3 tests/bench/gen_session.py "$n" "$pkg"
	"$bin" check "$pkg" >/dev/null 2>&1 || { echo "bench: $pkg does not check clean" >&2; exit 1; }
	# The largest size takes minutes a run: fewer runs.
	saved=$runs
	[ "$n" -ge 100000 ] && runs=${BENCH_RUNS_LARGE:-3}
	measure "$n" check $(((n + 1) / 2)) "$bin" check "$pkg"
	measure "$n" render "$n" "$bin" render "$pkg" -o r
	measure "$n" send "$n" "$bin" send "$pkg"
	runs=$saved
done

# The peer, side by side: WeasyPrint (the HTML/CSS renderer GOV.UK Notify uses
# for letters) on the same one-page letter, against expediera's renderer.
if command -v weasyprint >/dev/null 2>&1; then
	html=$dir/letter.html
	python3 tests/bench/letter_html.py >"$html"
	k=${BENCH_PEER_DOCS:-20}
	t0=$(date +%s%N)
	i=0
	while [ $i -lt "$k" ]; do
		weasyprint "$html" "$dir/peer.pdf" 2>/dev/null
		i=$((i + 1))
	done
	t1=$(date +%s%N)
	peer=$(awk -v a="$t0" -v b="$t1" -v k="$k" 'BEGIN {printf "%.4f", (b - a) / 1e9 / k}')
	pbytes=$(stat -c %s "$dir/peer.pdf")
	pkg=$dir/session-1
	[ -f "$pkg/protokoll.xml" ] || python3 tests/bench/gen_session.py 1 "$pkg"
	rm -rf "$dir/work" && mkdir -p "$dir/work"
	t0=$(date +%s%N)
	i=0
	while [ $i -lt "$k" ]; do
		"$bin" render --config examples/expediera.conf "$pkg" -o "$dir/work/r" >/dev/null 2>&1
		i=$((i + 1))
	done
	t1=$(date +%s%N)
	ours=$(awk -v a="$t0" -v b="$t1" -v k="$k" 'BEGIN {printf "%.4f", (b - a) / 1e9 / k}')
	obytes=$(ls "$dir"/work/r/*.pdf | head -n 1 | xargs stat -c %s)
	echo
	printf 'WeasyPrint, one letter:          %s s, %s byte\n' "$peer" "$pbytes"
	printf 'expediera, one försändelse:      %s s, %s byte (a whole process per run)\n' "$ours" "$obytes"
	awk -v a="$peer" -v b="$ours" 'BEGIN {if (b > 0) printf "ratio (WeasyPrint / expediera): %.0f×\n", a / b}'
fi

# Digital delivery against the reference mailbox service with 50 ms added
# latency: one delivery in flight at a time, then many, side by side.
sh tests/bench/mm.sh
