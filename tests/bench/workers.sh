#!/bin/bash
# workers.sh -- `make bench`: send throughput with 1, 2 and 4 workers at once
# on one package, against PostgreSQL (a server of our own, pgserver.sh) and,
# beside it, SQLite (where the run lock lets one worker at a time work).
# Försändelser a second, wall clock from the first start to the last end.
# A benchmark, not a test: nothing is asserted.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
bin=${BENCH_BIN:-$top/expediera} # BENCH_BIN: another build, to compare
n=${BENCH_WORKER_LETTERS:-2000}
dir=$(mktemp -d /tmp/expediera-bench.XXXXXX)
. tests/lib/pgserver.sh
if ! pg_find; then
	echo "workers: PostgreSQL finns inte (Debian-paketet postgresql); jämförelsen kördes inte"
	exit 0
fi
python3 tests/bench/gen_session.py "$n" "$dir/paket" >/dev/null
pg_start || exit 1
trap 'pg_stop; rm -rf "$dir"' EXIT

conf() { # DIR DATABASE
	mkdir -p "$1"
	printf '[organisation]\nname = Exempelby kommun\nnamnd = Socialnämnden\naddress = Box 100, 641 21 Exempelby\n[print]\nfolder = out/print\n[archive]\nfolder = out/arkiv\n[audit]\ndatabase = %s\nkey_file = %s/k.key\n' \
	    "$2" "$dir" >"$1/expediera.conf"
}

printf '%-10s %8s %14s\n' backend workers 'försändelser/s'
for be in ${BENCH_BACKENDS:-sqlite postgresql}; do
	for w in 1 2 4; do
		rm -rf "$dir/w" "$dir/k.key" "$dir/log.db"*
		if [ $be = sqlite ]; then db=$dir/log.db; else
			db=$PGSU
			pg_sql -c "DROP SCHEMA public CASCADE; CREATE SCHEMA public" >/dev/null 2>&1
		fi
		for k in $(seq 1 "$w"); do conf "$dir/w/$k" "$db"; done
		# The schema and the key exist before the clock starts.
		"$bin" audit verify --config "$dir/w/1/expediera.conf" >/dev/null 2>&1
		(umask 077 && openssl rand -hex 32 >"$dir/k.key")
		t0=$(date +%s%N)
		for k in $(seq 1 "$w"); do
			"$bin" send --config "$dir/w/$k/expediera.conf" "$dir/paket" >"$dir/w/$k.out" 2>&1 &
		done
		wait
		[ -n "${BENCH_DEBUG:-}" ] && tail -n 2 "$dir"/w/*.out
		t1=$(date +%s%N)
		printf '%-10s %8d %14s\n' $be "$w" \
		    "$(awk -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN {printf "%d", n / ((b - a) / 1e9)}')"
	done
done
