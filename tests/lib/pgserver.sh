# pgserver.sh -- sourced by the PostgreSQL tests (postgres.sh) and the
# benchmark: a real PostgreSQL server of our own, started in a temporary
# folder and listening only on a Unix socket there (no TCP at all).
#
#   pg_find            sets PGBIN to Debian's server binaries; 1 when none
#   pg_start           initdb in a new folder under /tmp, start; sets PGSOCK, PGSU (superuser URI),
#                      PGOWNER (the role that owns the schema) and PGWORKER
#                      (a role with only the grants docs/postgresql.md gives)
#   pg_grant           the worker role's grants, once the owner created the schema
#   pg_sql SQL...      runs SQL as the superuser (psql, quiet, stops on error)
#   pg_stop            stops the server and removes DIR
#
# PostgreSQL refuses to run as root: as root, the server runs as nobody in a
# folder of its own; the clients (expediera, psql) stay root and reach the
# socket, which is all a test needs.

pg_find() {
	PGBIN=
	for d in /usr/lib/postgresql/*/bin; do
		[ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && PGBIN=$d
	done
	[ -n "$PGBIN" ] && command -v psql >/dev/null 2>&1
}

# Runs a server program as the server's user (from /: it may not enter the
# folder the suite runs in).
pg_as() {
	if [ "$(id -u)" -eq 0 ]; then
		(cd / && setpriv --reuid=nobody --regid=nogroup --clear-groups --reset-env -- "$@")
	else
		"$@"
	fi
}

pg_start() {
	# A folder of its own under /tmp: the server's user must reach it, and
	# a socket path must stay short.
	PGDIR=$(mktemp -d /tmp/expediera-pg.XXXXXX) || return 1
	[ "$(id -u)" -eq 0 ] && chown nobody:nogroup "$PGDIR"
	pg_as "$PGBIN/initdb" -D "$PGDIR/data" -U pgsu --auth=trust --no-sync -E UTF8 \
	    --locale=C.UTF-8 >"$PGDIR.initdb.log" 2>&1 || { cat "$PGDIR.initdb.log"; return 1; }
	pg_as "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/data/server.log" -w -t 60 \
	    -o "-c listen_addresses='' -c unix_socket_directories='$PGDIR' -c fsync=off -c max_connections=60" \
	    start >/dev/null || { cat "$PGDIR/data/server.log"; return 1; }
	PGSOCK=$PGDIR
	PGSU="postgresql:///expediera?host=$PGSOCK&user=pgsu"
	PGOWNER="postgresql:///expediera?host=$PGSOCK&user=expediera"
	PGWORKER="postgresql:///expediera?host=$PGSOCK&user=expediera_arbetare"
	psql -q -v ON_ERROR_STOP=1 "postgresql:///postgres?host=$PGSOCK&user=pgsu" <<'SQL' >/dev/null
CREATE ROLE expediera LOGIN;
CREATE ROLE expediera_arbetare LOGIN;
CREATE DATABASE expediera OWNER expediera;
SQL
	psql -q -v ON_ERROR_STOP=1 "$PGSU" -c 'REVOKE CREATE ON SCHEMA public FROM PUBLIC' >/dev/null
}

pg_sql() {
	psql -q -X -v ON_ERROR_STOP=1 -At "$PGSU" "$@"
}

# The grants of docs/postgresql.md, word for word.
pg_grant() {
	psql -q -X -v ON_ERROR_STOP=1 "$PGOWNER" <<'SQL' >/dev/null
GRANT USAGE ON SCHEMA public TO expediera_arbetare;
GRANT SELECT, INSERT ON event, lookup, schema_version TO expediera_arbetare;
GRANT SELECT, INSERT, UPDATE ON batch, outbox, claim TO expediera_arbetare;
GRANT SELECT, UPDATE ON chain_head TO expediera_arbetare;
GRANT USAGE ON SEQUENCE batch_id_seq TO expediera_arbetare;
SQL
}

pg_stop() {
	[ -n "${PGDIR:-}" ] || return 0
	pg_as "$PGBIN/pg_ctl" -D "$PGDIR/data" -m immediate -w stop >/dev/null 2>&1
	rm -rf "$PGDIR" "$PGDIR.initdb.log"
}
