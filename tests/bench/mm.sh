#!/bin/sh
# mm.sh -- the digital delivery benchmark (called by run.sh, or on its own):
# N försändelser delivered through the reference mailbox service with added
# latency, one in flight at a time and many at once, side by side in every
# repetition; medians printed with the ratio.  Never part of `make check`:
# timings on a shared machine are for reading, not for asserting.
#
#   sh tests/bench/mm.sh
#
#   BENCH_MM=N             digital försändelser per run (default 400)
#   BENCH_MM_PARALLEL=P    the concurrent setting of max_parallel (default 64)
#   BENCH_MM_RUNS=R        repetitions; medians are printed (default 3)
#   BENCH_MM_LATENCY=MS    added by the service to every request (default 50)
#
# Two rates per run: "leverans/s" counts the deliveries the service accepted
# over the time from the start of the first deliverSecure to the end of the
# last one (its log), i.e. delivery alone; "kommando/s" divides the same count
# by the whole `expediera send` (reading, checking, rendering, the register,
# printing the other recipients, the audit log).  A fresh service and working
# directory for every run, so nothing is a duplicate of an earlier run.
#
# expediera works in build/bench/mm, on disk like a real installation (the
# audit log's fsyncs count).  The reference service stands in for an operator
# on another machine, yet shares these two cores: its store and log go to a
# tmpfs (/dev/shm) when there is one, so that its file creation, slowed by
# whatever else the disk is doing, is not what gets measured.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
bin=$top/expediera
py=/usr/bin/python3
want=${BENCH_MM:-400}
par=${BENCH_MM_PARALLEL:-64}
runs=${BENCH_MM_RUNS:-3}
latency=${BENCH_MM_LATENCY:-50}
m=$top/build/bench/mm
contracts=$top/schemas/mina-meddelanden

if ! [ -x "$py" ] || ! "$py" -c 'import lxml, xmlsec' 2>/dev/null; then
	echo "mm.sh: needs /usr/bin/python3 with lxml and xmlsec (scripts/install-deps.sh check)" >&2
	exit 2
fi
[ -x "$bin" ] || { echo "mm.sh: build ./expediera first (make all)" >&2; exit 2; }
rm -rf "$m" && mkdir -p "$m"
sh tests/mailbox/mkcerts.sh "$m/certs" >/dev/null 2>&1
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
	svc=$(mktemp -d /dev/shm/expediera-mm.XXXXXX)
else
	svc=$m/service
	mkdir -p "$svc"
fi
spid=
trap '[ -n "$spid" ] && kill "$spid" 2>/dev/null; rm -rf "$svc"' EXIT
trap 'exit 1' INT TERM

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# conf DIR PORT PARALLEL: a working directory's expediera.conf
conf() {
	cat >"$1/expediera.conf" <<CONF
[organisation]
name = Exempelby kommun
namnd = Socialnämnden
sender_id = 162120002411
[mailbox]
reachability_url = https://127.0.0.1:$2/recipient
client_cert = $m/certs/client.pem
client_key = $m/certs/client.key
ca_file = $m/certs/ca.pem
signing_cert = $m/certs/signer.pem
signing_key = $m/certs/signer.key
max_parallel = $3
[print]
folder = $1/print
[archive]
folder = $1/arkiv
[audit]
database = $1/expediera.db
CONF
}

# start NAME [ARGS...]: the reference service for one run, its files in
# $svc/NAME (port, store, log.jsonl, server.out)
start() {
	sdir=$svc/$1
	shift
	rm -rf "$sdir" && mkdir -p "$sdir"
	"$py" tests/mailbox/refserver.py --certs "$m/certs" --port-file "$sdir/port" \
	    --store "$sdir/store" --log "$sdir/log.jsonl" --trusted-signer "$m/certs/signer.pem" \
	    --contracts "$contracts" "$@" >"$sdir/server.out" 2>&1 &
	spid=$!
	i=0
	while [ ! -s "$sdir/port" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
	if ! [ -s "$sdir/port" ]; then
		echo "mm.sh: the reference service did not start:" >&2
		cat "$sdir/server.out" >&2
		exit 1
	fi
}
stop() {
	kill "$spid" 2>/dev/null || true
	wait "$spid" 2>/dev/null || true
	spid=
}

# The package: the generator's argument is scaled until N försändelser go
# digital (today one per paragraph; whatever it counts, the dry run says).
pkg=$m/session
arg=$want
mkdir -p "$m/dry"
start dry
conf "$m/dry" "$(cat "$svc/dry/port")" 1
i=0
while :; do
	rm -rf "$pkg"
	python3 tests/bench/gen_session.py "$arg" "$pkg"
	got=$("$bin" send --dry-run --json --config "$m/dry/expediera.conf" "$pkg" 2>/dev/null |
	    "$py" -c 'import json, sys
print(sum(1 for r in json.load(sys.stdin)["routes"] if r["route"] == "digital"))')
	if [ "$got" -ge "$want" ] || [ "$got" -eq 0 ] || [ $i -ge 3 ]; then break; fi
	arg=$(( (arg * want + got - 1) / got ))
	i=$((i + 1))
done
stop
if [ "$got" -eq 0 ]; then
	echo "mm.sh: the generated package has no digital försändelse" >&2
	exit 1
fi

# run PARALLEL R: one send against a fresh service; appends a line
# "PARALLEL delivered window_s command_s" to $m/results
run() {
	w=$m/w$1-$2
	rm -rf "$w" && mkdir -p "$w"
	start "w$1-$2" --latency-ms "$latency"
	conf "$w" "$(cat "$svc/w$1-$2/port")" "$1"
	t0=$(date +%s%N)
	"$bin" send --config "$w/expediera.conf" "$pkg" >"$w/send.out" 2>&1 || true
	t1=$(date +%s%N)
	stop
	cp "$svc/w$1-$2/log.jsonl" "$w/service.jsonl"
	rm -rf "$svc/w$1-$2"
	"$py" - "$w/service.jsonl" "$1" "$t0" "$t1" >>"$m/results" <<'PY'
import datetime, json, sys
first = last = None
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    d = json.loads(line)
    if d.get("endpoint") != "deliversecure":
        continue
    end = datetime.datetime.fromisoformat(d["ts"]).timestamp()
    start = end - d.get("ms", 0) / 1000.0
    first = start if first is None else min(first, start)
    last = end if last is None else max(last, end)
    n += d.get("verdict") == "accepted"
window = (last - first) if n else 0.0
print(sys.argv[2], n, f"{window:.3f}", f"{(int(sys.argv[4]) - int(sys.argv[3])) / 1e9:.3f}")
PY
}

: >"$m/results"
r=1
while [ $r -le "$runs" ]; do
	run 1 $r
	run "$par" $r
	r=$((r + 1))
done

echo
printf 'Digital leverans, %s ms latens hos tjänsten, median av %s körningar\n' "$latency" "$runs"
printf '%-20s %8s %12s %12s %12s %12s\n' "" "antal" "leverans s" "leverans/s" "kommando s" "kommando/s"
for p in 1 "$par"; do
	awk -v p="$p" '$1 == p' "$m/results" >"$m/r$p"
	n=$(awk '{print $2}' "$m/r$p" | median)
	ws=$(awk '{print $3}' "$m/r$p" | median)
	wr=$(awk '$3 > 0 {printf "%.2f\n", $2 / $3}' "$m/r$p" | median)
	cs=$(awk '{print $4}' "$m/r$p" | median)
	cr=$(awk '$4 > 0 {printf "%.2f\n", $2 / $4}' "$m/r$p" | median)
	printf '%-20s %8s %12s %12s %12s %12s\n' "max_parallel = $p" "$n" "$ws" "$wr" "$cs" "$cr"
	eval "wr$p=\$wr cr$p=\$cr"
done
eval "wa=\$wr$par ca=\$cr$par"
# shellcheck disable=SC2154
awk -v a="$wr1" -v b="$wa" -v c="$cr1" -v d="$ca" -v p="$par" 'BEGIN {
	if (a > 0 && c > 0) printf "förhållande max_parallel = %s mot 1: %.1f× (leverans), %.1f× (kommando)\n", p, b / a, d / c }'
if [ "$(awk '{print $2}' "$m/results" | sort -u | wc -l)" -ne 1 ]; then
	echo "mm.sh: not every run delivered the same number; see $m/w*/send.out" >&2
fi
