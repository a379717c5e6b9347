# hostid.sh -- sourced by run.sh: which host holds a spool claim is told by
# the host's identity (machine id, boot id, pid namespace), not its name
# (issue 24 item 4), and package names the spool cannot carry (item 12).
# Two clones are two watchers on this machine with one EXPEDIERA_TEST_HOST
# and two EXPEDIERA_TEST_MACHINE.
#
#   - with SQLite logs, a clone with our host name watching the same spool
#     is another host, and refused;
#   - a claim made under our host name by a clone whose process id is dead
#     here is left while its lease runs (SQLite and PostgreSQL), and taken
#     over once it ran out, every försändelse printed once (watch.sh shows
#     the holder's own machine taking it at once);
#   - an old claim (without identity) is still read: left while its lease
#     runs, reported (SQLite) or taken over (PostgreSQL) once it ran out;
#   - a package name longer than a claim can carry goes to avvisade/ with a
#     felrapport while the others are sent, and watch --once exits 0; one of
#     the longest name that fits is sent, from a 63-character host name;
#   - a hidden name in inkommande/ is reported once per service, not per pass.

HX=$tmp/hostid
ex=examples/sammantrade-2026-11-18
rm -rf "$HX"
mkdir -p "$HX"

# as MACHINE WORK SPOOL [ARGS...]: one pass as host "vard" on machine MACHINE.
as() {
	local m=$1 work=$2 spool=$3
	shift 3
	EXPEDIERA_TEST_HOST=vard EXPEDIERA_TEST_MACHINE=$m \
	    "$bin" watch --once --config "$work/expediera.conf" "$@" "$spool"
}
# Letters printed under WORK, one line each (manifest rows).
hx_printed() {
	for m in "$1"/out/print/*.csv; do
		[ -f "$m" ] && tail -n +2 "$m" | cut -d, -f1
	done
}
deadpid() { sh -c 'echo $$'; }

# ---- SQLite: a clone with our name is another host ----
S1=$HX/s1
mkdir -p "$S1/inkommande"
mkwork "$HX/m1"
mkwork "$HX/m2"
as m1 "$HX/m1" "$S1" >"$HX/1.out" 2>"$HX/1.err"
r1=$?
as m2 "$HX/m2" "$S1" >"$HX/2.out" 2>"$HX/2.err"
r2=$?
if [ "$r1" -eq 0 ] && [ "$r2" -eq 2 ] &&
    grep -q 'en annan dator (vard) bevakar också.*kräver granskningsloggen i PostgreSQL' "$HX/2.err" &&
    [ "$(ls "$S1/.vaktare" | wc -l)" -eq 1 ]; then ok; else
	bad "hostid: a clone with the same host name and its own SQLite log was not refused" \
	    "(exit $r1 and $r2)"
	cat "$HX/2.err"
	ls -A "$S1/.vaktare"
fi
# The same machine again (a restart) is this host, not another.
as m1 "$HX/m1" "$S1" >"$HX/1.out" 2>"$HX/1.err" && ok ||
    bad "hostid: the same machine was refused as another host: $(cat "$HX/1.err")"

# ---- SQLite: claims under our name by a clone, and old claims ----
S2=$HX/s2
mkdir -p "$S2/behandlas" "$S2/inkommande"
mkwork "$HX/m3"
dp=$(deadpid)
# A clone's claim (another identity, a pid dead here) inside its lease.
cp -r "$ex" "$S2/behandlas/klon~vard~$dp~0badc0de.1.0123456789abcdef~600"
# An old claim (no identity) under our name, its pid dead here, lease live.
cp -r "$ex" "$S2/behandlas/gammal~vard~$dp~0badc0de.2~600"
# An old claim whose lease ran out an hour ago.
cp -r "$ex" "$S2/behandlas/utgangen~vard~$dp~0badc0de.3~60"
touch -d '1 hour ago' "$S2/behandlas/utgangen~vard~$dp~0badc0de.3~60"
as m3 "$HX/m3" "$S2" >"$HX/3.out" 2>"$HX/3.err"
r=$?
if [ "$r" -eq 0 ] && [ -d "$S2/behandlas/klon~vard~$dp~0badc0de.1.0123456789abcdef~600" ] &&
    [ -d "$S2/behandlas/gammal~vard~$dp~0badc0de.2~600" ] &&
    [ -d "$S2/behandlas/utgangen~vard~$dp~0badc0de.3~60" ] &&
    ! grep -q 'klon\|gammal' "$HX/3.out" "$HX/3.err" &&
    grep -q 'utgangen: paketet togs av vard, som inte längre förnyar' "$HX/3.err" &&
    [ -z "$(hx_printed "$HX/m3")" ]; then ok; else
	bad "hostid: a live claim under our host name was taken, or an old one not read (exit $r)"
	cat "$HX/3.out" "$HX/3.err"
	ls "$S2/behandlas"
fi

# ---- long names and hidden names ----
S3=$HX/s3
mkdir -p "$S3/inkommande"
mkwork "$HX/m4"
long=$(printf 'x%.0s' $(seq 1 200))
fits=$(printf 'y%.0s' $(seq 1 128))
host63=$(printf 'h%.0s' $(seq 1 63))
for p in "$long" "$fits" a-ren; do
	cp -r "$ex" "$S3/inkommande/$p"
	touch "$S3/inkommande/$p/KLAR"
done
cp -r "$ex" "$S3/inkommande/.dold"
touch "$S3/inkommande/.dold/KLAR"
EXPEDIERA_TEST_HOST=$host63 "$bin" watch --once --config "$HX/m4/expediera.conf" "$S3" \
    >"$HX/4.out" 2>"$HX/4.err"
r=$?
if [ "$r" -eq 0 ] && [ -d "$S3/klara/a-ren" ] && [ -d "$S3/klara/$fits" ] &&
    grep -q 'för långt (200 byte, högst 128)' "$S3/avvisade/$long/felrapport.txt" &&
    grep -q "^$long: avvisat: namnet är för långt" "$HX/4.out" &&
    [ -d "$S3/inkommande/.dold" ] && [ -z "$(ls -A "$S3/behandlas")" ] &&
    [ "$(grep -c 'hoppar över .dold: namn som börjar med punkt' "$HX/4.err")" -eq 1 ] &&
    [ "$(hx_printed "$HX/m4" | sort | uniq -d)" = "" ]; then ok; else
	bad "hostid: a long name, the longest that fits, or a hidden name (exit $r)"
	cat "$HX/4.out" "$HX/4.err" | cut -c 1-200
	find "$S3" -maxdepth 2 | cut -c 1-200
fi
# A service says it once, not every pass (two passes, five seconds apart).
EXPEDIERA_TEST_HOST=$host63 "$bin" watch --config "$HX/m4/expediera.conf" "$S3" \
    >"$HX/5.out" 2>"$HX/5.err" &
wp=$!
sleep 7
kill -TERM $wp
wait $wp
r=$?
if [ "$r" -eq 0 ] && [ "$(grep -c 'hoppar över .dold' "$HX/5.err")" -eq 1 ]; then ok; else
	bad "hostid: the hidden name was not told exactly once by a service (exit $r)"
	cat "$HX/5.err"
fi

# ---- PostgreSQL: one log, two clones; a dead clone's package ----
. tests/lib/pgserver.sh
if ! pg_find; then
	echo "hostid: PostgreSQL finns inte på den här datorn; testet med två klonade" \
	    "datorer på en logg kördes inte"
else
	S4=$HX/s4
	mkdir -p "$S4/inkommande"
	(umask 077 && python3 -c 'import secrets; print(secrets.token_hex(32))' >"$HX/shared.key")
	if ! pg_start; then
		bad "hostid: the server did not start"
	else
		trap 'pg_stop; rm -rf "$tmp"' EXIT
		printf '[audit]\ndatabase = %s\nkey_file = %s/shared.key\n' "$PGOWNER" "$HX" \
		    >"$HX/owner.conf"
		"$bin" audit verify --config "$HX/owner.conf" >"$HX/v.out" 2>&1 && pg_grant ||
		    bad "hostid: schema on first use: $(cat "$HX/v.out")"
		for m in p1 p2; do
			mkwork "$HX/$m"
			sed -i '/^database = /d' "$HX/$m/expediera.conf"
			printf 'database = %s\nkey_file = %s\nlease = 5\n' "$PGWORKER" \
			    "$HX/shared.key" >>"$HX/$m/expediera.conf"
		done
		cp -r "$ex" "$S4/inkommande/paket"
		touch "$S4/inkommande/paket/KLAR"
		EXPEDIERA_CRASH_AT=batch-written as p1 "$HX/p1" "$S4" >/dev/null 2>&1
		r1=$?
		held=$(ls "$S4/behandlas" | grep -c '^paket~vard~')
		# The clone p2: same name, its pid dead here, lease (5 s) live.
		as p2 "$HX/p2" "$S4" >"$HX/p2.out" 2>"$HX/p2.err"
		r2=$?
		left=$(ls "$S4/behandlas" | grep -c '^paket~vard~')
		if [ "$r1" -eq 137 ] && [ "$held" -eq 1 ] && [ "$r2" -eq 0 ] && [ "$left" -eq 1 ] &&
		    ! grep -q 'paket' "$HX/p2.out" && [ -z "$(hx_printed "$HX/p2")" ]; then ok; else
			bad "hostid: a clone took over a live package (exit $r1 and $r2, held $held, left $left)"
			cat "$HX/p2.out" "$HX/p2.err"
		fi
		# Once the lease ran out (the log's claims on the försändelser too),
		# the package is taken over and every försändelse printed once.
		sleep 6
		as p1 "$HX/p1" "$S4" >"$HX/p1.out" 2>"$HX/p1.err"
		r=$?
		n=$({ hx_printed "$HX/p1"; hx_printed "$HX/p2"; } | wc -l)
		d=$({ hx_printed "$HX/p1"; hx_printed "$HX/p2"; } | sort | uniq -d | wc -l)
		if [ "$r" -eq 0 ] && grep -q '^paket: tas över från vard' "$HX/p1.out" &&
		    [ -d "$S4/klara/paket" ] && [ "$n" -gt 0 ] && [ "$d" -eq 0 ] &&
		    [ -z "$(ls -A "$S4/behandlas")" ]; then ok; else
			bad "hostid: a dead clone's package was not taken over once" \
			    "(exit $r, $n printed, $d twice)"
			cat "$HX/p1.out" "$HX/p1.err"
		fi
		# An old claim (no identity) whose lease ran out: taken over, sent once.
		cp -r "$ex" "$S4/behandlas/gammalt~vard~$(deadpid)~0badc0de.1~5"
		sed -i "s|<sammantradesdatum>2026-11-18<|<sammantradesdatum>2026-11-17<|" \
		    "$S4/behandlas/gammalt~vard~"*/protokoll.xml
		touch -d '1 hour ago' "$S4/behandlas/gammalt~vard~"*
		as p2 "$HX/p2" "$S4" >"$HX/p2.out" 2>"$HX/p2.err"
		r=$?
		d=$({ hx_printed "$HX/p1"; hx_printed "$HX/p2"; } | sort | uniq -d | wc -l)
		if [ "$r" -eq 0 ] && grep -q '^gammalt: tas över från vard' "$HX/p2.out" &&
		    grep -q '^gammalt: skickat' "$HX/p2.out" && [ "$d" -eq 0 ]; then ok; else
			bad "hostid: an old claim whose lease ran out was not taken over (exit $r, $d twice)"
			cat "$HX/p2.out" "$HX/p2.err"
		fi
		"$bin" audit verify --config "$HX/p1/expediera.conf" >"$HX/v.out" 2>&1 && ok ||
		    bad "hostid: audit verify: $(cat "$HX/v.out")"
		pg_stop
		trap 'rm -rf "$tmp"' EXIT
	fi
fi
