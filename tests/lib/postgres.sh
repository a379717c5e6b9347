# postgres.sh -- sourced by run.sh after promises.sh: the outbox and audit log
# in PostgreSQL (SPEC 7), against a real server the suite starts itself
# (pgserver.sh: initdb in a temporary folder, a Unix socket only).
#
#   - the same exactly-once and tamper tests on both back-ends (store_suite
#     sqlite, store_suite pg): two runs at once on one outbox print every
#     försändelse once, audit verify finds an edited event with the triggers
#     bypassed, the triggers refuse an edit, no personnummer in any table;
#   - PostgreSQL only: the worker role cannot change or delete an event even
#     with the triggers gone (grants), a wrong schema version and an
#     unreachable server stop the run with a Swedish message, a password in
#     the configuration is refused; four workers on one large package at
#     once, one killed with SIGKILL mid-run: once its lease has run out its
#     claims are taken over, and every försändelse is printed exactly once.
# Without PostgreSQL installed it says so and runs nothing.
# Needs mkwork and printed from send.sh, unmasked from run.sh.

. tests/lib/pgserver.sh
PGT=$tmp/pg

# A working directory whose log is $2 ("sqlite" beside the first, or a URI).
mkwork_db() {
	local db=$2
	mkwork "$1"
	[ "$db" = sqlite ] && db=$PGT/sqlite.db
	sed -i '/^database = /d' "$1/expediera.conf"
	printf 'database = %s\nkey_file = %s\n' "$db" "$PGT/shared.key" >>"$1/expediera.conf"
	[ "$2" = sqlite ] || printf 'lease = 3\n' >>"$1/expediera.conf"
}

# Every table, as text: the SQLite dump, or the PostgreSQL data dump.
dump_all() {
	if [ "$1" = sqlite ]; then sqlite3 "$PGT/sqlite.db" .dump; else
		pg_dump --data-only "$PGSU"
	fi
}

# Raw SQL on the log with the append-only triggers out of the way, as
# someone with the owner's rights would do it.
tamper() {
	if [ "$1" = sqlite ]; then
		sqlite3 "$PGT/sqlite.db" "DROP TRIGGER event_no_update; $2"
	else
		pg_sql -c "SET session_replication_role = replica; $2"
	fi
}

# Plain SQL as the log's writer, triggers in place: must be refused.
plain() {
	if [ "$1" = sqlite ]; then sqlite3 "$PGT/sqlite.db" "$2" 2>&1; else
		psql -q -X -v ON_ERROR_STOP=1 "$PGOWNER" -c "$2" 2>&1
	fi
}

store_suite() {
	local be=$1 db=$1 n d r1 r2
	[ "$be" = pg ] && db=$PGWORKER
	# ---- two workers at once on one outbox ----
	mkwork_db "$PGT/$be-a" "$db"
	mkwork_db "$PGT/$be-b" "$db"
	"$bin" send --config "$PGT/$be-a/expediera.conf" "$PGT/paket" >"$PGT/a.out" 2>"$PGT/a.err" &
	pa=$!
	sleep 0.3
	"$bin" send --config "$PGT/$be-b/expediera.conf" "$PGT/paket" >"$PGT/b.out" 2>"$PGT/b.err" &
	pb=$!
	wait $pa
	r1=$?
	wait $pb
	r2=$?
	n=$({ printed "$PGT/$be-a"; printed "$PGT/$be-b"; } | sort | wc -l)
	d=$({ printed "$PGT/$be-a"; printed "$PGT/$be-b"; } | sort | uniq -d | wc -l)
	if [ "$r1" -le 3 ] && [ "$r2" -le 3 ] && [ "$n" -eq 200 ] && [ "$d" -eq 0 ]; then ok; else
		bad "postgres/$be: two workers at once: exit $r1 and $r2, $n printed, $d twice"
		tail -n 3 "$PGT/a.err" "$PGT/b.err"
	fi
	if "$bin" audit verify --config "$PGT/$be-a/expediera.conf" >"$PGT/v.out" 2>&1; then ok; else
		bad "postgres/$be: audit verify after two workers"
		cat "$PGT/v.out"
	fi
	# A rerun sends nothing more.
	"$bin" send --config "$PGT/$be-a/expediera.conf" "$PGT/paket" >"$PGT/a.out" 2>&1
	n=$({ printed "$PGT/$be-a"; printed "$PGT/$be-b"; } | wc -l)
	if [ "$n" -eq 200 ] && grep -q ': 0 skickade, ' "$PGT/a.out"; then ok; else
		bad "postgres/$be: a rerun printed again ($n printed)"
		tail -n 3 "$PGT/a.out"
	fi
	# ---- the log gives no personnummer back ----
	if dump_all "$be" | unmasked; then bad "postgres/$be: a personnummer in a table"; else ok; fi
	# historik answers the same on both.
	"$bin" historik --config "$PGT/$be-a/expediera.conf" --json --dnr 'SN/2026:1' \
	    2>&1 | sed -E 's/"tid": "[^"]*"//' >"$PGT/$be.hist"
	# ---- the triggers refuse an edit ----
	if plain "$be" "UPDATE event SET data = '{}' WHERE id = 3" | grep -q 'ändras aldrig'; then ok; else
		bad "postgres/$be: an event was changed with the triggers in place"
	fi
	# ---- an edited event is found ----
	tamper "$be" "UPDATE event SET data = replace(data, 'print', 'prynt') WHERE id = (SELECT min(id) FROM event WHERE kind = 'route')"
	"$bin" audit verify --config "$PGT/$be-a/expediera.conf" >"$PGT/v.out" 2>&1
	r1=$?
	if [ "$r1" -eq 1 ] && grep -q 'inte intakt' "$PGT/v.out"; then ok; else
		bad "postgres/$be: audit verify missed an edited event (exit $r1)"
		cat "$PGT/v.out"
	fi
}

if ! pg_find; then
	echo "postgres: PostgreSQL finns inte på den här datorn (Debian-paketet postgresql);" \
	    "testerna mot PostgreSQL kördes inte"
else
	mkdir -p "$PGT"
	python3 tests/bench/gen_session.py 200 "$PGT/paket" >/dev/null
	if ! pg_start; then
		bad "postgres: the server did not start"
	else
		trap 'pg_stop; rm -rf "$tmp"' EXIT
		# First use by the owner creates the schema; the worker role gets its grants.
		printf '[audit]\ndatabase = %s\nkey_file = %s/owner.key\n' "$PGOWNER" "$PGT" \
		    >"$PGT/owner.conf"
		if "$bin" audit verify --config "$PGT/owner.conf" >"$PGT/v.out" 2>&1 &&
		    pg_grant; then ok; else
			bad "postgres: schema on first use"
			cat "$PGT/v.out"
		fi
		store_suite sqlite
		store_suite pg
		if cmp -s "$PGT/sqlite.hist" "$PGT/pg.hist" && [ -s "$PGT/pg.hist" ]; then ok; else
			bad "postgres: historik differs between the back-ends"
			diff "$PGT/sqlite.hist" "$PGT/pg.hist" | head -n 5
		fi

		# ---- the grants: the worker role cannot change events, triggers or not ----
		out=$(psql -q -X "$PGWORKER" -c "SET session_replication_role = replica" \
		    -c "UPDATE event SET data = '{}' WHERE id = 1" -c "DELETE FROM event" 2>&1)
		if [ "$(printf '%s\n' "$out" | grep -c 'permission denied')" -ge 2 ]; then ok; else
			bad "postgres: the worker role may change events: $out"
		fi

		# ---- a schema newer than the program, a server not there, a password ----
		pg_sql -c "UPDATE schema_version SET version = 99"
		"$bin" audit verify --config "$PGT/pg-a/expediera.conf" >"$PGT/v.out" 2>&1
		r=$?
		if [ $r -ne 0 ] && grep -q 'schemaversion 99' "$PGT/v.out"; then ok; else
			bad "postgres: a newer schema version was accepted (exit $r)"
		fi
		pg_sql -c "UPDATE schema_version SET version = 1"
		printf '[audit]\ndatabase = postgresql:///x?host=%s/nowhere\nkey_file = %s/owner.key\n' \
		    "$PGT" "$PGT" >"$PGT/gone.conf"
		"$bin" audit verify --config "$PGT/gone.conf" >"$PGT/v.out" 2>&1
		if grep -q 'kan inte nå granskningsdatabasen' "$PGT/v.out"; then ok; else
			bad "postgres: an unreachable server: $(cat "$PGT/v.out")"
		fi
		printf '[audit]\ndatabase = postgresql://u:hemligt@db.example/x\nkey_file = %s/o.key\n' \
		    "$PGT" >"$PGT/pw.conf"
		"$bin" audit verify --config "$PGT/pw.conf" >"$PGT/v.out" 2>&1
		if grep -q 'lösenordet hör inte hemma' "$PGT/v.out" && ! grep -q hemligt "$PGT/v.out"; then
			ok
		else
			bad "postgres: a password in the configuration: $(cat "$PGT/v.out")"
		fi
		printf '[audit]\ndatabase = postgresql://db.example/x?sslmode=require\nkey_file = %s/o.key\n' \
		    "$PGT" >"$PGT/tls.conf"
		"$bin" audit verify --config "$PGT/tls.conf" >"$PGT/v.out" 2>&1
		if grep -q 'verify-full' "$PGT/v.out"; then ok; else
			bad "postgres: sslmode=require to another host was accepted"
		fi

		# ---- four workers on one large package, one killed mid-run ----
		pg_sql -c "SET session_replication_role = replica; TRUNCATE claim, lookup, outbox, event, batch; UPDATE chain_head SET rows = 0, hash = repeat('0', 64)"
		rm -f "$PGT/shared.key"
		python3 tests/bench/gen_session.py 600 "$PGT/stort" >/dev/null
		pids=
		for k in 1 2 3 4; do
			mkwork_db "$PGT/w$k" "$PGWORKER"
			"$bin" send --config "$PGT/w$k/expediera.conf" "$PGT/stort" >"$PGT/w$k.out" \
			    2>"$PGT/w$k.err" &
			pids="$pids $!"
			[ $k -eq 1 ] && sleep 1 # the key file, made by the first
		done
		victim=$(echo $pids | cut -d' ' -f2)
		# Killed once it holds claims of its own, before it could hand its
		# batch over (it may start after the others: wait for its claims).
		i=0
		while [ "$(pg_sql -c "SELECT count(*) FROM claim WHERE worker LIKE '%:$victim:%'")" -lt 10 ] &&
		    [ $i -lt 1200 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -KILL "$victim"
		held=$(pg_sql -c "SELECT count(*) FROM claim WHERE worker LIKE '%:$victim:%'")
		for p in $pids; do wait "$p" 2>/dev/null; done
		# Its lease (3 s) runs out; the next worker takes its claims over.
		sleep 4
		mkwork_db "$PGT/w5" "$PGWORKER"
		"$bin" send --config "$PGT/w5/expediera.conf" "$PGT/stort" >"$PGT/w5.out" 2>"$PGT/w5.err"
		r=$?
		all() { for k in 1 2 3 4 5; do printed "$PGT/w$k"; done | sort; }
		n=$(all | wc -l)
		d=$(all | uniq -d | wc -l)
		taken=$(printed "$PGT/w5" | wc -l)
		if [ "$held" -gt 0 ] && [ "$taken" -gt 0 ] && [ "$n" -eq 600 ] && [ "$d" -eq 0 ] &&
		    [ "$r" -eq 0 ]; then ok; else
			bad "postgres: four workers, one killed holding $held claims: $n printed," \
			    "$d twice, $taken taken over (exit $r)"
			tail -n 3 "$PGT"/w*.err
		fi
		if "$bin" audit verify --config "$PGT/w5/expediera.conf" >"$PGT/v.out" 2>&1; then ok; else
			bad "postgres: audit verify after four workers"
			cat "$PGT/v.out"
		fi
		if pg_dump --data-only "$PGSU" | unmasked; then
			bad "postgres: a personnummer in a table after four workers"
		else ok; fi
		pg_stop
		trap 'rm -rf "$tmp"' EXIT
	fi
fi
