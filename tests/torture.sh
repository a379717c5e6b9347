#!/bin/bash
# torture.sh -- exactly once under everything at once: several `send` and
# `watch` runs against one audit log, started together, killed with SIGKILL
# at random moments, while the disk under the log and the print folder fills
# up and empties at random moments.  Afterwards, with room again, the runs
# are repeated until nothing is left to send; then every försändelse of every
# package is in exactly one complete print batch, nothing else was printed,
# and `audit verify` finds the chain intact.
#
#   tests/torture.sh [SECONDS]     default 40; `make torture` runs 600
#
# Ends with "torture: N passed, N failed".  Runs as root (a tmpfs in a mount
# namespace of its own stands for the small disk).  The random choices come
# from $RANDOM, seeded by TORTURE_SEED (printed, so a failure can be replayed).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 4
bin=${EXPEDIERA:-build/asan/expediera}
case $bin in /*) ;; *) bin=$top/$bin ;; esac
seconds=${1:-40}
seed=${TORTURE_SEED:-$$}
RANDOM=$seed
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=0:exitcode=99}
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL: torture: $*"
}

# Inside a mount namespace of its own: $T/disk is a small tmpfs.
if [ "${TORTURE_INSIDE:-}" != 1 ]; then
	T=$(mktemp -d)
	trap 'rm -rf "$T"' EXIT
	mkdir -p "$T/disk"
	TORTURE_INSIDE=1 T=$T unshare -m bash "$0" "$@"
	exit $?
fi
mount -t tmpfs -o size=8m,mode=0700 tmpfs "$T/disk" || { echo "torture: no tmpfs"; exit 4; }
echo "torture: seed $seed, $seconds s"

W=$T/work
mkdir -p "$W"
cat >"$W/expediera.conf" <<CONF
[organisation]
name = Exempelby kommun
namnd = Socialnämnden
address = Box 100, 641 21 Exempelby
[print]
driver = folder
folder = $T/disk/print
[archive]
folder = $T/disk/arkiv
[manual]
folder = $T/disk/manuell
[audit]
database = $T/disk/expediera.db
CONF

# Three packages, each another organ's meeting, each copied to the spool for
# watch and kept beside it for send: the same decisions by two ways in.
pkgs=""
for k in 1 2 3; do
	p=$W/paket-$k
	python3 tests/bench/gen_session.py $((10 + 4 * k)) "$p" >/dev/null
	sed -i "s|<organ>Socialnämndens individutskott</organ>|<organ>Socialnämndens utskott $k</organ>|" \
	    "$p/protokoll.xml"
	pkgs="$pkgs $p"
done
want=0
for p in $pkgs; do
	n=$("$bin" send --dry-run --json --config "$W/expediera.conf" "$p" 2>/dev/null |
	    python3 -c 'import json,sys; print(sum(1 for r in json.load(sys.stdin)["routes"] if r["route"] in ("print", "print-skatteverket")))')
	want=$((want + n))
done
SP=$W/spool
mkdir -p "$SP/inkommande"
for p in $pkgs; do
	cp -r "$p" "$SP/inkommande/$(basename "$p")"
	touch "$SP/inkommande/$(basename "$p")/KLAR"
done

# The disk fills: a ballast file takes all that is free, and goes again.
ballast() {
	while :; do
		sleep "0.$((RANDOM % 10))"
		dd if=/dev/zero of="$T/disk/ballast" bs=4k 2>/dev/null
		sleep "0.$((RANDOM % 5))"
		rm -f "$T/disk/ballast"
	done
}

run_one() {
	case $((RANDOM % 4)) in
	0) "$bin" watch --once --config "$W/expediera.conf" "$SP" ;;
	*) set -- $pkgs
	   shift $((RANDOM % 3))
	   "$bin" send --config "$W/expediera.conf" "$1" ;;
	esac >/dev/null 2>>"$W/stderr"
}

rounds=0
end=$((SECONDS + seconds))
ballast &
bpid=$!
while [ $SECONDS -lt $end ]; do
	pids=""
	for i in 1 2 3; do
		run_one &
		pids="$pids $!"
	done
	sleep "0.$((RANDOM % 10))$((RANDOM % 10))"
	for p in $pids; do
		[ $((RANDOM % 2)) -eq 0 ] && kill -KILL "$p" 2>/dev/null
	done
	wait $pids 2>/dev/null
	rounds=$((rounds + 1))
done
kill "$bpid" 2>/dev/null
wait "$bpid" 2>/dev/null
rm -f "$T/disk/ballast"

# Room again: repeat until every run says nothing was left.
settled=no
for i in 1 2 3 4 5 6; do
	left=0
	for p in $pkgs; do
		out=$("$bin" send --config "$W/expediera.conf" "$p" 2>>"$W/stderr")
		case $out in *" 0 skickade, "*) ;; *) left=1 ;; esac
	done
	if [ $left -eq 0 ]; then
		settled=yes
		break
	fi
done
[ $settled = yes ] && ok || bad "the runs never settled (seed $seed)"

# Every försändelse in exactly one complete batch; nothing else printed.
for m in "$T"/disk/print/*.csv; do
	[ -f "$m" ] && [ -f "${m%.csv}.pdf" ] && tail -n +2 "$m" | cut -d, -f1
done | sort >"$W/printed"
n=$(wc -l <"$W/printed")
twice=$(uniq -d "$W/printed" | wc -l)
if [ "$n" -eq "$want" ] && [ "$twice" -eq 0 ]; then ok; else
	bad "$n printed, $twice twice, want $want once each (seed $seed, $rounds rounds)"
	uniq -d "$W/printed" | head -n 5
fi
# A batch with no manifest or a manifest with no batch is no hand-over.
orphans=0
for f in "$T"/disk/print/*.pdf "$T"/disk/print/*.csv; do
	[ -f "$f" ] || continue
	case $f in
	*.pdf) [ -f "${f%.pdf}.csv" ] || orphans=$((orphans + 1)) ;;
	*.csv) [ -f "${f%.csv}.pdf" ] || orphans=$((orphans + 1)) ;;
	esac
done
[ $orphans -eq 0 ] && ok || bad "$orphans batches or manifests without their other half"
if "$bin" audit verify --config "$W/expediera.conf" >"$W/verify" 2>&1; then ok; else
	bad "audit verify after $rounds rounds (seed $seed)"
	cat "$W/verify"
fi
if grep -q 'ERROR: AddressSanitizer\|runtime error:' "$W/stderr"; then
	bad "a sanitizer reported an error"
	grep -m 5 'ERROR: AddressSanitizer\|runtime error:' "$W/stderr"
else ok; fi
full=$(grep -c 'kunde inte skrivas\|No space left\|inget mer lämnas över' "$W/stderr")
echo "torture: $rounds rounds, $full messages of a full disk, $want försändelser printed once each"
echo "torture: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
