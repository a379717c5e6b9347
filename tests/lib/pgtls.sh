# pgtls.sh -- sourced by run.sh: TLS to PostgreSQL is judged on what libpq
# would really use (the URI, a service file, the environment), before a byte
# goes to a server on another machine (store_pgtls.c, docs/postgresql.md).
#
# A listener of ours stands in for a server: on 127.0.0.1 behind a host name
# that is not local (host=db.example.se hostaddr=127.0.0.1, so libpq must
# treat it as another machine), and on this machine's own non-loopback
# address when it has one.  It answers an SSLRequest with 'N' (no TLS here)
# and records every byte, so a startup message sent in clear shows.
#   - a non-local host only from PGHOST/PGHOSTADDR with PGSSLMODE=disable,
#     from a service file (PGSERVICEFILE + service=) with sslmode=require, or
#     on the machine's own address: refused at once, no byte sent;
#   - PGHOST alone with nothing choosing a mode: TLS is demanded (only the
#     SSLRequest, never a startup message);
#   - PGSSLMODE=disable does not weaken a URI that says verify-full;
#   - sslpassword=, password= and a password in the userinfo refused and
#     never shown, a malformed URI not echoed;
#   - 127.0.0.0/8 and the suite's own server on a Unix socket (given in the
#     URI or only in PGHOST) still work.
# Needs python3; the last part needs PostgreSQL (pgserver.sh).

PT=$tmp/pgtls
mkdir -p "$PT"
printf 'not a real CA, only readable\n' >"$PT/ca.pem"

cat >"$PT/listen.py" <<'PY'
import socket, sys, threading
addr, portfile, log = sys.argv[1], sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_INET6 if ':' in addr else socket.AF_INET)
s.bind((addr, 0))
s.listen(8)
open(portfile + '.tmp', 'w').write(str(s.getsockname()[1]))
import os
os.rename(portfile + '.tmp', portfile)
def serve(c):
    c.settimeout(3)
    try:
        while True:
            b = c.recv(4096)
            if not b:
                break
            with open(log, 'ab') as f:
                f.write(b)
            if b[:8] == bytes.fromhex('0000000804d2162f'):
                c.sendall(b'N')
    except OSError:
        pass
    c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
PY

# listen ADDR NAME: a listener on ADDR; sets lport, logs to $PT/NAME.bytes.
listen() {
	rm -f "$PT/$2.port" "$PT/$2.bytes"
	python3 "$PT/listen.py" "$1" "$PT/$2.port" "$PT/$2.bytes" &
	lpids="$lpids $!"
	for _ in $(seq 50); do [ -s "$PT/$2.port" ] && break; sleep 0.1; done
	lport=$(cat "$PT/$2.port" 2>/dev/null)
}
lpids=

# verify NAME URI [ENV=VAL...]: audit verify against URI, output in $PT/NAME.out.
verify() {
	local name=$1 uri=$2
	shift 2
	printf '[audit]\ndatabase = %s\nkey_file = %s/o.key\n' "$uri" "$PT" >"$PT/$name.conf"
	env -u PGHOST -u PGHOSTADDR -u PGPORT -u PGSSLMODE -u PGSERVICE -u PGSERVICEFILE \
	    -u PGSSLROOTCERT -u PGREQUIRESSL "$@" timeout 20 "$bin" audit verify \
	    --config "$PT/$name.conf" >"$PT/$name.out" 2>&1
	echo $? >"$PT/$name.rc"
}
# The listener saw nothing at all / a startup message (protocol 3.0, "user").
silent() { [ ! -s "$PT/$1.bytes" ]; }
startup() { [ -s "$PT/$1.bytes" ] && grep -aq 'user' "$PT/$1.bytes"; }
sayso() { echo "exit $(cat "$PT/$1.rc"): $(head -c 400 "$PT/$1.out")"; }

if ! command -v python3 >/dev/null 2>&1; then
	echo "pgtls: python3 saknas; hoppar över"
else
	listen 127.0.0.1 lo

	# ---- a host from PGHOST/PGHOSTADDR, the mode from PGSSLMODE ----
	rm -f "$PT/lo.bytes"
	verify env 'postgresql:///x' PGHOST=db.example.se PGHOSTADDR=127.0.0.1 PGPORT="$lport" \
	    PGSSLMODE=disable
	if [ "$(cat "$PT/env.rc")" -ne 0 ] && grep -q 'sslmode=disable' "$PT/env.out" &&
	    grep -q 'verify-full' "$PT/env.out" && silent lo; then ok; else
		bad "pgtls: PGHOST to another machine with PGSSLMODE=disable: $(sayso env)" \
		    "bytes: $(od -c "$PT/lo.bytes" 2>/dev/null | head -n 2)"
	fi

	# ---- PGHOST alone: nobody chose a mode, so TLS is checked ----
	rm -f "$PT/lo.bytes"
	verify dflt 'postgresql:///x' PGHOST=db.example.se PGHOSTADDR=127.0.0.1 PGPORT="$lport" \
	    PGSSLROOTCERT="$PT/ca.pem"
	if [ "$(cat "$PT/dflt.rc")" -ne 0 ] && [ -s "$PT/lo.bytes" ] && ! startup lo; then ok; else
		bad "pgtls: PGHOST alone sent a startup message in clear: $(sayso dflt)"
	fi
	# ... and without a root certificate to check it with: refused before a byte
	rm -f "$PT/lo.bytes"
	verify noca 'postgresql:///x' PGHOST=db.example.se PGHOSTADDR=127.0.0.1 PGPORT="$lport" \
	    PGSSLROOTCERT="$PT/nowhere.pem"
	if [ "$(cat "$PT/noca.rc")" -ne 0 ] && grep -q 'CA-certifikat' "$PT/noca.out" &&
	    silent lo; then ok; else
		bad "pgtls: no root certificate for another machine: $(sayso noca)"
	fi

	# ---- PGSSLMODE=disable does not weaken a URI that says verify-full ----
	rm -f "$PT/lo.bytes"
	verify over "postgresql://db.example.se:$lport/x?hostaddr=127.0.0.1&sslmode=verify-full&sslrootcert=$PT/ca.pem" \
	    PGSSLMODE=disable
	if [ "$(cat "$PT/over.rc")" -ne 0 ] && [ -s "$PT/lo.bytes" ] && ! startup lo; then ok; else
		bad "pgtls: PGSSLMODE=disable over a verify-full URI: $(sayso over)"
	fi

	# ---- a service file ----
	printf '[fjarr]\nhost=db.example.se\nhostaddr=127.0.0.1\nport=%s\nsslmode=require\n' \
	    "$lport" >"$PT/services.conf"
	rm -f "$PT/lo.bytes"
	verify svc 'postgresql:///x?service=fjarr' PGSERVICEFILE="$PT/services.conf"
	if [ "$(cat "$PT/svc.rc")" -ne 0 ] && grep -q 'sslmode=require' "$PT/svc.out" &&
	    silent lo; then ok; else
		bad "pgtls: a service file to another machine with sslmode=require: $(sayso svc)"
	fi
	rm -f "$PT/lo.bytes"
	verify svcenv 'postgresql:///x' PGSERVICEFILE="$PT/services.conf" PGSERVICE=fjarr
	if [ "$(cat "$PT/svcenv.rc")" -ne 0 ] && grep -q 'sslmode=require' "$PT/svcenv.out" &&
	    silent lo; then ok; else
		bad "pgtls: PGSERVICE to another machine with sslmode=require: $(sayso svcenv)"
	fi

	# ---- this machine's own address is not loopback: another machine's rules ----
	own=$(hostname -I 2>/dev/null | tr ' ' '\n' | grep -E '^[0-9.]+$' | grep -v '^127\.' | head -n 1)
	if [ -n "$own" ]; then
		listen "$own" own
		verify own 'postgresql:///x' PGHOST="$own" PGPORT="$lport" PGSSLMODE=disable
		if [ "$(cat "$PT/own.rc")" -ne 0 ] && grep -q 'sslmode=disable' "$PT/own.out" &&
		    silent own; then ok; else
			bad "pgtls: PGHOST=$own with PGSSLMODE=disable: $(sayso own)"
		fi
	fi

	# ---- TEST-NET, nothing listens: refused at once, not after a timeout ----
	start=$(date +%s)
	verify testnet 'postgresql:///x' PGHOST=192.0.2.1 PGSSLMODE=allow
	if [ "$(cat "$PT/testnet.rc")" -ne 0 ] && grep -q 'sslmode=allow' "$PT/testnet.out" &&
	    [ $(($(date +%s) - start)) -lt 10 ]; then ok; else
		bad "pgtls: PGHOST=192.0.2.1 PGSSLMODE=allow: $(sayso testnet)"
	fi

	# ---- secrets in the URI: refused, never shown ----
	verify sslpw "postgresql://db.example.se/x?sslmode=verify-full&sslrootcert=$PT/ca.pem&sslpassword=hemligt42"
	if [ "$(cat "$PT/sslpw.rc")" -ne 0 ] && grep -q 'sslpassword' "$PT/sslpw.out" &&
	    ! grep -q hemligt42 "$PT/sslpw.out"; then ok; else
		bad "pgtls: sslpassword= in the URI: $(sayso sslpw)"
	fi
	verify pwq "postgresql://127.0.0.1:$lport/x?password=hemligt42"
	if [ "$(cat "$PT/pwq.rc")" -ne 0 ] && grep -q 'lösenordet hör inte hemma' "$PT/pwq.out" &&
	    ! grep -q hemligt42 "$PT/pwq.out"; then ok; else
		bad "pgtls: password= in the URI: $(sayso pwq)"
	fi
	verify pwu 'postgresql://u:hemligt%zz42@db.example.se/x'
	if [ "$(cat "$PT/pwu.rc")" -ne 0 ] && grep -q 'ogiltig PostgreSQL-adress' "$PT/pwu.out" &&
	    ! grep -q hemligt "$PT/pwu.out"; then ok; else
		bad "pgtls: a malformed password in the userinfo was echoed: $(sayso pwu)"
	fi

	# ---- 127.0.0.0/8 is this machine: no TLS needed ----
	listen 127.0.0.2 lo2
	verify lo2 "postgresql://127.0.0.2:$lport/x?sslmode=disable"
	if startup lo2; then ok; else
		bad "pgtls: 127.0.0.2 with sslmode=disable was refused: $(sayso lo2)"
	fi

	for p in $lpids; do kill "$p" 2>/dev/null; done
	wait $lpids 2>/dev/null
fi

# ---- the suite's own server on a Unix socket still works ----
. tests/lib/pgserver.sh
if ! pg_find; then
	echo "pgtls: PostgreSQL saknas; hoppar över den lokala servern"
elif ! pg_start; then
	bad "pgtls: could not start a PostgreSQL server"
else
	verify sock "$PGOWNER" PGSSLMODE=disable
	if [ "$(cat "$PT/sock.rc")" -eq 0 ]; then ok; else
		bad "pgtls: the local server on a Unix socket: $(sayso sock)"
	fi
	verify sockenv 'postgresql:///expediera?user=expediera' PGHOST="$PGSOCK"
	if [ "$(cat "$PT/sockenv.rc")" -eq 0 ]; then ok; else
		bad "pgtls: the local server named only by PGHOST: $(sayso sockenv)"
	fi
	pg_stop
fi
