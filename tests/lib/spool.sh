# spool.sh -- sourced by run.sh after watch.sh: `watch` on one spool shared by
# several hosts (SPEC 7), against one PostgreSQL log (pgserver.sh).  Two
# hosts are two watcher processes on this machine, told apart by
# EXPEDIERA_TEST_HOST.
#
#   - both hosts start at once on seven packages: each package is claimed and
#     processed by one of them only (one batch each, one "skickat" line each,
#     each in klara/ once), every försändelse printed exactly once, audit
#     verify intact;
#   - a host killed (SIGKILL) while it holds a package: the other leaves it
#     while the lease runs, takes it over once it ran out, and finishes it,
#     nothing printed twice;
#   - a host whose log is a SQLite file refuses to watch a spool another host
#     watches, in Swedish, and moves nothing.
# Without PostgreSQL installed it says so and runs nothing.
# Needs mkwork and printed from send.sh, unmasked from run.sh.

. tests/lib/pgserver.sh
SPT=$tmp/spool-pg

# A host's working folder: its own output, the shared log and key, lease $3.
mkhost() {
	mkwork "$1"
	sed -i '/^database = /d' "$1/expediera.conf"
	printf 'database = %s\nkey_file = %s\nlease = %s\n' "$2" "$SPT/shared.key" "$3" \
	    >>"$1/expediera.conf"
}

# watch HOST WORK [ARGS...]: one pass as host HOST on the shared spool.
watch_as() {
	local host=$1 work=$2
	shift 2
	EXPEDIERA_TEST_HOST=$host "$bin" watch --once --config "$work/expediera.conf" "$@" "$SPT/spool"
}

if ! pg_find; then
	echo "spool: PostgreSQL finns inte på den här datorn (Debian-paketet postgresql);" \
	    "testerna med flera datorer på en spool kördes inte"
else
	mkdir -p "$SPT/spool/inkommande"
	python3 tests/bench/gen_session.py 16 "$SPT/base" >/dev/null
	# Seven packages, seven meetings: different försändelser in each.
	for k in 1 2 3 4 5 6 7; do
		cp -r "$SPT/base" "$SPT/p$k"
		sed -i "s|<sammantradesdatum>2026-11-18<|<sammantradesdatum>2026-11-1$k<|" \
		    "$SPT/p$k/protokoll.xml"
		touch "$SPT/p$k/KLAR"
	done
	(umask 077 && python3 -c 'import secrets; print(secrets.token_hex(32))' >"$SPT/shared.key")
	if ! pg_start; then
		bad "spool: the server did not start"
	else
		trap 'pg_stop; rm -rf "$tmp"' EXIT
		printf '[audit]\ndatabase = %s\nkey_file = %s/shared.key\n' "$PGOWNER" "$SPT" \
		    >"$SPT/owner.conf"
		"$bin" audit verify --config "$SPT/owner.conf" >"$SPT/v.out" 2>&1 && pg_grant ||
		    bad "spool: schema on first use: $(cat "$SPT/v.out")"
		mkhost "$SPT/a" "$PGWORKER" 5
		mkhost "$SPT/b" "$PGWORKER" 5

		# ---- two hosts at once on six packages ----
		for k in 1 2 3 4 5 6; do mv "$SPT/p$k" "$SPT/spool/inkommande/"; done
		watch_as vard-a "$SPT/a" >"$SPT/a.out" 2>"$SPT/a.err" &
		pa=$!
		watch_as vard-b "$SPT/b" >"$SPT/b.out" 2>"$SPT/b.err" &
		pb=$!
		wait $pa
		ra=$?
		wait $pb
		rb=$?
		both() { { printed "$SPT/a"; printed "$SPT/b"; } | sort; }
		n=$(both | wc -l)
		d=$(both | uniq -d | wc -l)
		sent=$(cat "$SPT/a.out" "$SPT/b.out" | grep -c ': skickat, flyttat')
		once=$(cat "$SPT/a.out" "$SPT/b.out" | sed -n 's/: skickat, flyttat.*//p' | sort -u | wc -l)
		batches=$(pg_sql -c "SELECT count(*) FROM batch")
		klara=$(ls "$SPT/spool/klara" | tr '\n' ' ')
		if [ "$ra" -eq 0 ] && [ "$rb" -eq 0 ] && [ "$n" -eq 96 ] && [ "$d" -eq 0 ] &&
		    [ "$sent" -eq 6 ] && [ "$once" -eq 6 ] && [ "$batches" -eq 6 ] &&
		    [ "$klara" = "p1 p2 p3 p4 p5 p6 " ] && [ -z "$(ls -A "$SPT/spool/inkommande")" ] &&
		    [ -z "$(ls -A "$SPT/spool/behandlas")" ]; then ok; else
			bad "spool: two hosts at once: exit $ra and $rb, $n printed, $d twice," \
			    "$sent packages sent ($once different), $batches batches, klara: $klara"
			tail -n 3 "$SPT/a.out" "$SPT/b.out" "$SPT/a.err" "$SPT/b.err"
		fi
		if "$bin" audit verify --config "$SPT/a/expediera.conf" >"$SPT/v.out" 2>&1; then ok; else
			bad "spool: audit verify after two hosts"
			cat "$SPT/v.out"
		fi

		# ---- a host killed holding a package; the other takes it over ----
		mv "$SPT/p7" "$SPT/spool/inkommande/"
		EXPEDIERA_CRASH_AT=batch-written watch_as vard-a "$SPT/a" >/dev/null 2>&1
		r=$?
		held=$(ls "$SPT/spool/behandlas" | grep -c '^p7~vard-a~')
		# Its lease (5 s) has not run out: vard-b leaves it where it is.
		watch_as vard-b "$SPT/b" >"$SPT/b.out" 2>"$SPT/b.err"
		left=$(ls "$SPT/spool/behandlas" | grep -c '^p7~vard-a~')
		if [ "$r" -eq 137 ] && [ "$held" -eq 1 ] && [ "$left" -eq 1 ] &&
		    ! grep -q 'p7' "$SPT/b.out"; then ok; else
			bad "spool: a killed host's package (exit $r, held $held, left $left)"
			cat "$SPT/b.out"
		fi
		sleep 6
		watch_as vard-b "$SPT/b" >"$SPT/b.out" 2>"$SPT/b.err"
		r=$?
		n=$(both | wc -l)
		d=$(both | uniq -d | wc -l)
		if [ "$r" -eq 0 ] && grep -q '^p7: tas över från vard-a' "$SPT/b.out" &&
		    grep -q '^p7: skickat, flyttat' "$SPT/b.out" && [ -d "$SPT/spool/klara/p7" ] &&
		    [ ! -e "$SPT/spool/klara/p7-2" ] && [ "$n" -eq 112 ] && [ "$d" -eq 0 ] &&
		    [ -z "$(ls -A "$SPT/spool/behandlas")" ]; then ok; else
			bad "spool: the package of a killed host was not taken over once" \
			    "(exit $r, $n printed, $d twice)"
			cat "$SPT/b.out" "$SPT/b.err" | tail -n 5
		fi
		if "$bin" audit verify --config "$SPT/b/expediera.conf" >"$SPT/v.out" 2>&1; then ok; else
			bad "spool: audit verify after a takeover"
			cat "$SPT/v.out"
		fi
		if pg_dump --data-only "$PGSU" | unmasked || cat "$SPT"/*.out "$SPT"/*.err | unmasked; then
			bad "spool: a personnummer in a table or a message"
		else ok; fi

		# ---- a host with its own SQLite log is refused ----
		mkwork "$SPT/c"
		cp -r "$SPT/base" "$SPT/spool/inkommande/p8"
		touch "$SPT/spool/inkommande/p8/KLAR"
		watch_as vard-c "$SPT/c" >"$SPT/c.out" 2>"$SPT/c.err"
		r=$?
		if [ "$r" -eq 2 ] && grep -q 'vard-b.*kräver granskningsloggen i PostgreSQL' "$SPT/c.err" &&
		    [ -d "$SPT/spool/inkommande/p8" ] && [ -z "$(printed "$SPT/c")" ] &&
		    [ ! -e "$SPT/spool/.vaktare/vard-c" ]; then ok; else
			bad "spool: a second host with a SQLite log was not refused (exit $r)"
			cat "$SPT/c.err"
		fi
		pg_stop
		trap 'rm -rf "$tmp"' EXIT
	fi
fi
