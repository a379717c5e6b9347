# print_sftp.sh -- sourced by run.sh: `send` with [print] driver = sftp against
# a real OpenSSH sshd that this fragment starts on 127.0.0.1 and stops again.
# The batch and its manifest arrive whole, under their own names; a server
# with another host key than the pinned one gets nothing; a client key the
# server does not know is refused; without a pinned key nothing is tried.

S=$tmp/sftp
mkdir -p "$S/inkorg"
mkdir -p /run/sshd 2>/dev/null
ssh-keygen -q -t ed25519 -N '' -f "$S/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$S/other_host_key"
ssh-keygen -q -t ed25519 -N '' -f "$S/client_key"
ssh-keygen -q -t ed25519 -N '' -f "$S/stranger_key"
cp "$S/client_key.pub" "$S/authorized_keys"
sftp_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$S/sshd_config" <<CONF
Port $sftp_port
ListenAddress 127.0.0.1
HostKey $S/host_key
PidFile $S/sshd.pid
AuthorizedKeysFile $S/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
Subsystem sftp internal-sftp
ForceCommand internal-sftp
CONF

sftp_stop() {
	[ -f "$S/sshd.pid" ] && kill "$(cat "$S/sshd.pid")" 2>/dev/null
	rm -f "$S/sshd.pid"
}

if /usr/sbin/sshd -f "$S/sshd_config" -E "$S/sshd.log"; then
	i=0
	while [ $i -lt 50 ] && ! python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2)' "$sftp_port" 2>/dev/null; do
		sleep 0.1
		i=$((i + 1))
	done
	ok
else
	bad "sftp: sshd did not start"
	cat "$S/sshd.log"
fi

fingerprint() { ssh-keygen -lf "$1" -E sha256 | awk '{print $2}'; }

# sftp_conf WORK HOSTKEY_FP KEY
sftp_conf() {
	mkwork "$1"
	sed -i "s|^driver = folder|driver = sftp\nsftp_url = sftp://127.0.0.1:$sftp_port$S/inkorg/\nsftp_user = $(id -un)\nsftp_key = $3\nsftp_host_key = $2|" "$1/expediera.conf"
	[ -n "$2" ] || sed -i '/^sftp_host_key = $/d' "$1/expediera.conf"
}

# The right host key: the batch and its manifest arrive, whole, no .part left.
W=$tmp/sftp-ok
sftp_conf "$W" "$(fingerprint "$S/host_key.pub")" "$S/client_key"
send_in "$W" "$ex"
batch=$(ls "$W"/out/print/utskrift-*.pdf 2>/dev/null | head -n 1)
if [ "$(rc)" -eq 3 ] && [ -n "$batch" ] && cmp -s "$batch" "$S/inkorg/$(basename "$batch")" &&
    cmp -s "${batch%.pdf}.csv" "$S/inkorg/$(basename "${batch%.pdf}.csv")"; then ok; else
	bad "sftp: batch not uploaded (exit $(rc))"
	cat "$tmp/err" | head -n 5
fi
ls -a "$S/inkorg" | grep -q '\.part$' && bad "sftp: a .part file was left" || ok

# Another host key than the pinned one: refused, nothing written, nothing sent.
rm -f "$S"/inkorg/*
W=$tmp/sftp-wrongkey
sftp_conf "$W" "$(fingerprint "$S/other_host_key.pub")" "$S/client_key"
send_in "$W" "$ex"
if [ "$(rc)" -eq 3 ] && grep -q 'värdnyckel' "$tmp/err" && [ -z "$(ls -A "$S/inkorg")" ] &&
    "$bin" status --config "$W/expediera.conf" 2>/dev/null | grep -q 'värdnyckel'; then ok; else
	bad "sftp: a wrong host key was not refused (exit $(rc))"
	head -n 5 "$tmp/err"
fi
if unmasked <"$tmp/err"; then bad "sftp: personnummer on stderr"; else ok; fi

# A client key the server does not know: refused.
W=$tmp/sftp-stranger
sftp_conf "$W" "$(fingerprint "$S/host_key.pub")" "$S/stranger_key"
send_in "$W" "$ex"
[ "$(rc)" -eq 3 ] && [ -z "$(ls -A "$S/inkorg")" ] && ok || bad "sftp: an unknown client key was accepted"

# No pinned host key: nothing is even tried.
W=$tmp/sftp-nokey
sftp_conf "$W" "" "$S/client_key"
send_in "$W" "$ex"
grep -q 'sftp_host_key' "$tmp/err" && [ -z "$(ls -A "$S/inkorg")" ] && ok || bad "sftp: sent without a pinned host key"

# A failed upload is retried by the next run, exactly once.
W=$tmp/sftp-wrongkey
sed -i "s|^sftp_host_key = .*|sftp_host_key = $(fingerprint "$S/host_key.pub")|" "$W/expediera.conf"
send_in "$W" "$ex"
if [ "$(ls "$S"/inkorg/utskrift-*.pdf 2>/dev/null | wc -l)" -eq 1 ]; then ok; else bad "sftp: the retried batch did not arrive once"; ls "$S/inkorg"; fi

# A run killed after the batch was written locally but before the upload:
# the file in the print folder is no proof of a hand-over to the print house,
# so the next run uploads it, once.  Killed after the upload but before the
# outbox said so: the next run finds the batch at the print house and sends
# nothing again.
for point in batch-handover batch-written; do
	rm -f "$S"/inkorg/*
	W=$tmp/sftp-crash-$point
	sftp_conf "$W" "$(fingerprint "$S/host_key.pub")" "$S/client_key"
	EXPEDIERA_CRASH_AT=$point "$bin" send --config "$W/expediera.conf" "$ex" >/dev/null 2>&1
	send_in "$W" "$ex"
	send_in "$W" "$ex"
	n=$(ls "$S"/inkorg/utskrift-*.pdf 2>/dev/null | wc -l)
	if [ "$n" -eq 1 ] && grep -q ' 0 skickade' "$tmp/out"; then ok; else
		bad "sftp: killed at $point: $n print batches at the print house, want 1"
		ls "$S/inkorg"
		cat "$tmp/out"
	fi
done

# Killed after the upload, and the print house cannot be asked on the next
# run: that run neither uploads again nor counts the batch sent (it holds it,
# once for the whole batch); the run after, with the print house back, finds
# the batch there and sends nothing again.
rm -f "$S"/inkorg/*
W=$tmp/sftp-unknown
sftp_conf "$W" "$(fingerprint "$S/host_key.pub")" "$S/client_key"
EXPEDIERA_CRASH_AT=batch-written "$bin" send --config "$W/expediera.conf" "$ex" >/dev/null 2>&1
sed "s|127.0.0.1:$sftp_port|127.0.0.1:1|" "$W/expediera.conf" >"$W/down.conf"
batches=$(sqlite3 "$W/out/expediera.db" "SELECT count(DISTINCT reason) FROM outbox WHERE state = 'sending'")
"$bin" send --config "$W/down.conf" "$ex" >"$tmp/out" 2>"$tmp/err"
echo $? >"$tmp/rc"
n=$(ls "$S"/inkorg/utskrift-*.pdf 2>/dev/null | wc -l)
said=$(grep -c 'kunde inte bekräftas' "$tmp/err")
if [ "$(rc)" -ne 0 ] && [ "$n" -eq 1 ] && [ "$said" -ge 1 ] && [ "$said" -le "$batches" ] &&
    [ "$(sqlite3 "$W/out/expediera.db" "SELECT count(*) FROM outbox WHERE state = 'sent' AND route LIKE 'print%'")" -eq 0 ]; then ok; else
	bad "sftp: a hand-over that cannot be confirmed (exit $(rc), $n batches, $said messages for $batches batches)"
	head -n 5 "$tmp/err"
fi
send_in "$W" "$ex"
n=$(ls "$S"/inkorg/utskrift-*.pdf 2>/dev/null | wc -l)
k=$(ls "$S"/inkorg/skatteverket-*.pdf 2>/dev/null | wc -l)
# (the Skatteverket batch was never uploaded: the kill came first; it goes now)
if [ "$n" -eq 1 ] && [ "$k" -eq 1 ] && [ "$(rc)" -eq 3 ]; then ok; else
	bad "sftp: after the print house came back: $n print and $k Skatteverket batches"
	cat "$tmp/out"
fi

# The operator kills a run whose print house does not answer (a server that
# accepts and never speaks): the batch file in the print folder is no proof,
# and the next run, with the print house back, uploads it once.
rm -f "$S"/inkorg/*
python3 tests/tools/silent_server.py "$S/silent.port" &
silent_pid=$!
i=0
while [ ! -s "$S/silent.port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
W=$tmp/sftp-cutoff
sftp_conf "$W" "$(fingerprint "$S/host_key.pub")" "$S/client_key"
sed "s|127.0.0.1:$sftp_port|127.0.0.1:$(cat "$S/silent.port")|" "$W/expediera.conf" >"$W/silent.conf"
"$bin" send --config "$W/silent.conf" "$ex" >/dev/null 2>&1 &
kill_in_handover $! "$W"
kill "$silent_pid" 2>/dev/null
wait "$silent_pid" 2>/dev/null
send_in "$W" "$ex"
n=$(ls "$S"/inkorg/utskrift-*.pdf 2>/dev/null | wc -l)
if [ "$n" -eq 1 ] && ! grep -q 'filen fanns' "$tmp/out"; then ok; else
	bad "sftp: a hand-over cut off: $n print batches at the print house after the next run, want 1"
	cat "$tmp/out" "$tmp/err" | head -n 6
fi
sftp_stop
