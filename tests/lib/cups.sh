# cups.sh -- sourced by run.sh: printing through CUPS, against a real cupsd
# that this fragment starts on 127.0.0.1 (its own ServerRoot, spool, cache
# and state under $tmp) and stops again, with a real cups-pdf queue.
#
# cups-pdf reads its settings only from /etc/cups/cups-pdf.conf (compiled
# in, not from cupsd's ServerRoot).  So cupsd runs in a private mount
# namespace (unshare -m) where a copy under $tmp, with Out in $tmp, is
# bind-mounted over that one file: cupsd and its backends see the copy,
# the rest of the system sees nothing change.
#
# protokoll --print: the PDF that comes out has the protocol's page count.
# send with driver = cups: the print batch comes out with its page count,
# and the manifest stays in the folder.  An unknown queue: a Swedish error,
# nothing marked sent, and the next run with the right queue prints it.

C=$tmp/cups
cups_pid=
cups_port=

cups_stop() {
	if [ -n "$cups_pid" ]; then
		kill "$cups_pid" 2>/dev/null
		wait "$cups_pid" 2>/dev/null
		cups_pid=
	fi
}

# cups_wait: until the queue has no pending job (at most 60 s); 0 when empty.
cups_wait() {
	i=0
	while [ $i -lt 600 ]; do
		[ -z "$(lpstat -h "127.0.0.1:$cups_port" -o expediera-test 2>/dev/null)" ] && return 0
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

# pages FILE: the page count pdfinfo sees, or nothing.
pages() { pdfinfo "$1" 2>/dev/null | awk '/^Pages:/ {print $2}'; }

# cups_out PREFIX: the one cups-pdf output whose name starts with PREFIX.
cups_out() { ls "$C/pdf/$1"*.pdf 2>/dev/null | head -n 1; }

cups_start() {
	if [ ! -x /usr/sbin/cupsd ] || [ ! -x /usr/lib/cups/backend/cups-pdf ]; then
		bad "cups: cupsd or cups-pdf is not installed (scripts/install-deps.sh check)"
		return 1
	fi
	mkdir -p "$C/root" "$C/spool/tmp" "$C/cache" "$C/state" "$C/log" "$C/pdf" "$C/cpdf"
	# The filters run as lp and read the spool: they must get through $tmp.
	chmod 711 "$tmp" "$C"
	cups_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	cat >"$C/root/cups-files.conf" <<CONF
ServerRoot $C/root
RequestRoot $C/spool
TempDir $C/spool/tmp
CacheDir $C/cache
StateDir $C/state
ErrorLog $C/log/error_log
AccessLog $C/log/access_log
PageLog $C/log/page_log
FileDevice Yes
User lp
Group lp
SystemGroup root lpadmin
CONF
	# Only 127.0.0.1, no browsing, no web interface, nobody but us.
	cat >"$C/root/cupsd.conf" <<CONF
Listen 127.0.0.1:$cups_port
Browsing No
BrowseLocalProtocols none
DefaultAuthType None
WebInterface No
LogLevel warn
<Location />
  Order allow,deny
  Allow from 127.0.0.1
</Location>
<Location /admin>
  Order allow,deny
  Allow from 127.0.0.1
</Location>
<Policy default>
  JobPrivateAccess default
  JobPrivateValues default
  SubscriptionPrivateAccess default
  SubscriptionPrivateValues default
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
CONF
	{
		grep -v '^Out ' /etc/cups/cups-pdf.conf
		printf 'Out %s\nAnonDirName %s\nSpool %s\nLog %s\n' "$C/pdf" "$C/pdf" "$C/cpdf" "$C/log"
	} >"$C/root/cups-pdf.conf"
	unshare -m sh -c 'mount --bind "$1" /etc/cups/cups-pdf.conf && exec /usr/sbin/cupsd -f -c "$2" -s "$3"' \
	    sh "$C/root/cups-pdf.conf" "$C/root/cupsd.conf" "$C/root/cups-files.conf" \
	    >"$C/log/cupsd.out" 2>&1 &
	cups_pid=$!
	i=0
	while [ $i -lt 100 ] && ! lpstat -h "127.0.0.1:$cups_port" -r >/dev/null 2>&1; do
		sleep 0.1
		i=$((i + 1))
	done
	if ! lpstat -h "127.0.0.1:$cups_port" -r >/dev/null 2>&1; then
		bad "cups: cupsd did not start"
		cat "$C/log/cupsd.out" "$C/log/error_log" 2>/dev/null | tail -n 20
		cups_stop
		return 1
	fi
	ppd=$(dpkg -L printer-driver-cups-pdf | grep 'CUPS-PDF_opt\.ppd$' | head -n 1)
	if ! lpadmin -h "127.0.0.1:$cups_port" -p expediera-test -E -v cups-pdf:/ -P "$ppd" \
	    >"$C/log/lpadmin.out" 2>&1; then
		bad "cups: lpadmin could not add the cups-pdf queue"
		cat "$C/log/lpadmin.out"
		cups_stop
		return 1
	fi
	ok
}

# cups_conf WORK QUEUE: a send configuration printing through CUPS.
cups_conf() {
	mkwork "$1"
	sed -i "s|^driver = folder|driver = cups\ncups_queue = $2|" "$1/expediera.conf"
}

if cups_start; then
	# If run.sh dies in between, cupsd goes with it.
	trap 'cups_stop; rm -rf "$tmp"' EXIT
	cups=127.0.0.1:$cups_port

	# ---- protokoll --print ----
	org='[organisation]\nname = Exempelby kommun\nnamnd = Socialnämnden\naddress = Box 100, 641 21 Exempelby\n'
	printf "$org"'[print]\ncups_queue = expediera-test\n' >"$C/print.conf"
	CUPS_SERVER=$cups "$bin" protokoll "$ex" -o "$C/protokoll.pdf" --print \
	    --config "$C/print.conf" >"$tmp/out" 2>"$tmp/err"
	r=$?
	cups_wait
	out=$(cups_out protokoll)
	want=$(pages "$C/protokoll.pdf")
	if [ $r -eq 0 ] && grep -q 'som jobb [1-9]' "$tmp/out" && [ -n "$out" ] &&
	    [ -n "$want" ] && [ "$(pages "$out")" = "$want" ]; then ok; else
		bad "cups: protokoll --print (exit $r, ${want:-?} pages, out: ${out:-none})"
		cat "$tmp/err"
		tail -n 5 "$C/log/error_log" 2>/dev/null
	fi

	# --print without a queue configured: a usage error, nothing sent.
	printf "$org"'[print]\ndriver = folder\n' >"$C/noqueue.conf"
	CUPS_SERVER=$cups "$bin" protokoll "$ex" -o "$C/p2.pdf" --print --config "$C/noqueue.conf" \
	    >"$tmp/out" 2>"$tmp/err"
	r=$?
	[ $r -eq 2 ] && grep -q 'cups_queue' "$tmp/err" && ok || bad "cups: --print without cups_queue (exit $r)"
	"$bin" check "$ex" --print >/dev/null 2>"$tmp/err"
	r=$?
	[ $r -eq 2 ] && grep -q 'hör till kommandot protokoll' "$tmp/err" && ok ||
	    bad "cups: --print accepted outside protokoll (exit $r)"

	# ---- send with driver = cups ----
	W=$tmp/cups-send
	cups_conf "$W" expediera-test
	CUPS_SERVER=$cups send_in "$W" "$ex"
	cups_wait
	batch=$(ls "$W"/out/print/utskrift-*.pdf 2>/dev/null | head -n 1)
	out=$(cups_out utskrift)
	if [ "$(rc)" -eq 3 ] && [ -n "$batch" ] && [ -f "${batch%.pdf}.csv" ] && [ -n "$out" ] &&
	    [ "$(pages "$out")" = "$(pages "$batch")" ]; then ok; else
		bad "cups: send did not print the batch (exit $(rc), out: ${out:-none})"
		head -n 5 "$tmp/err"
	fi
	skv=$(ls "$W"/out/print/skatteverket-*.pdf 2>/dev/null | head -n 1)
	out=$(cups_out skatteverket)
	[ -n "$skv" ] && [ -n "$out" ] && [ "$(pages "$out")" = "$(pages "$skv")" ] && ok ||
	    bad "cups: the Skatteverket batch was not printed"
	# A rerun prints nothing again.
	n=$(ls "$C"/pdf/*.pdf | wc -l)
	CUPS_SERVER=$cups send_in "$W" "$ex"
	cups_wait
	[ "$(ls "$C"/pdf/*.pdf | wc -l)" -eq "$n" ] && ok || bad "cups: a rerun printed again"

	# ---- an unknown queue: a Swedish error, nothing marked sent ----
	W=$tmp/cups-unknown
	cups_conf "$W" finns-inte
	n=$(ls "$C"/pdf/*.pdf | wc -l)
	CUPS_SERVER=$cups send_in "$W" "$ex"
	"$bin" status --config "$W/expediera.conf" >"$tmp/status" 2>&1
	# No print or Skatteverket försändelse is sent: each failed, naming the
	# queue, or (the batch after the failed one) is still pending.
	want=$("$bin" send --dry-run --json "$ex" 2>/dev/null | python3 -c 'import json,sys; print(sum(1 for r in json.load(sys.stdin)["routes"] if r["route"] in ("print", "print-skatteverket")))')
	if [ "$(rc)" -eq 3 ] && grep -q 'CUPS-kön "finns-inte" finns inte' "$tmp/err" &&
	    [ -z "$(ls "$W"/out/print/*.pdf 2>/dev/null)" ] &&
	    [ "$(grep -Ec '^§ [0-9]+ +(post|rekommenderat brev)( via Skatteverket)? +(misslyckad|väntar) ' "$tmp/status")" -eq "$want" ] &&
	    grep -Eq '^§ [0-9]+ +post +misslyckad +CUPS-kön "finns-inte" finns inte' "$tmp/status"; then ok; else
		bad "cups: an unknown queue (exit $(rc))"
		head -n 5 "$tmp/err"
		tail -n 3 "$tmp/status"
	fi
	if unmasked <"$tmp/err"; then bad "cups: personnummer on stderr"; else ok; fi
	# The right queue now: the next run prints the batch, once.
	sed -i 's|^cups_queue = .*|cups_queue = expediera-test|' "$W/expediera.conf"
	CUPS_SERVER=$cups send_in "$W" "$ex"
	cups_wait
	batch=$(ls "$W"/out/print/utskrift-*.pdf 2>/dev/null | head -n 1)
	[ "$(rc)" -eq 3 ] && [ -n "$batch" ] && [ "$(ls "$C"/pdf/utskrift-*.pdf | wc -l)" -eq 2 ] && ok ||
	    bad "cups: the failed batch was not printed by the next run"

	# ---- a server nobody answers on ----
	W=$tmp/cups-down
	cups_conf "$W" expediera-test
	CUPS_SERVER=127.0.0.1:1 send_in "$W" "$ex"
	[ "$(rc)" -eq 3 ] && grep -q 'kan inte nå skrivarservern' "$tmp/err" && ok ||
	    bad "cups: an unreachable server (exit $(rc))"

	# ---- a server that accepts and never answers ----
	# Every exchange is bounded by [print] timeout: the run ends, says the
	# server was silent (not that the queue is missing), and nothing is sent.
	python3 tests/tools/silent_server.py "$C/silent.port" &
	silent_pid=$!
	i=0
	while [ ! -s "$C/silent.port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	W=$tmp/cups-silent
	cups_conf "$W" expediera-test
	sed -i 's|^cups_queue = \(.*\)|cups_queue = \1\ntimeout = 2|' "$W/expediera.conf"
	CUPS_SERVER=127.0.0.1:$(cat "$C/silent.port") send_in "$W" "$ex"
	"$bin" status --config "$W/expediera.conf" >"$tmp/status" 2>&1
	if [ "$(rc)" -eq 3 ] && grep -q 'svarade inte inom 2 sekunder' "$tmp/err" &&
	    ! grep -q 'finns inte' "$tmp/err" && ! grep -Eq '^§ [0-9]+ +(post|rekommenderat brev) +skickad' "$tmp/status" &&
	    grep -Eq '^§ [0-9]+ +post +misslyckad' "$tmp/status"; then ok; else
		bad "cups: a silent server (exit $(rc))"
		head -n 5 "$tmp/err"
	fi
	# The operator gives up on the silent server and kills the run in the
	# middle of the hand-over; the next run, with the real server, prints
	# the batch: a file in the print folder is no proof that CUPS had it.
	W=$tmp/cups-cutoff
	cups_conf "$W" expediera-test
	before=$(ls "$C"/pdf/utskrift-*.pdf 2>/dev/null | wc -l)
	CUPS_SERVER=127.0.0.1:$(cat "$C/silent.port") "$bin" send --config "$W/expediera.conf" \
	    "$ex" >/dev/null 2>&1 &
	kill_in_handover $! "$W"
	CUPS_SERVER=$cups send_in "$W" "$ex"
	cups_wait
	after=$(ls "$C"/pdf/utskrift-*.pdf 2>/dev/null | wc -l)
	if [ $((after - before)) -eq 1 ] && ! grep -q 'filen fanns' "$tmp/out"; then ok; else
		bad "cups: a hand-over cut off: $((after - before)) print batches printed by the next run, want 1"
		cat "$tmp/out" | head -n 3
	fi
	kill "$silent_pid" 2>/dev/null
	wait "$silent_pid" 2>/dev/null

	# ---- a run killed around the hand-over ----
	# Before it (the batch written locally, CUPS not yet asked): the file is
	# no proof, so the next run prints the batch, once.  After it (CUPS has
	# the job, the outbox not yet told): the next run finds the job by its
	# name and prints nothing again.
	for point in batch-handover batch-written; do
		W=$tmp/cups-crash-$point
		cups_conf "$W" expediera-test
		before=$(ls "$C"/pdf/utskrift-*.pdf 2>/dev/null | wc -l)
		CUPS_SERVER=$cups EXPEDIERA_CRASH_AT=$point "$bin" send --config "$W/expediera.conf" \
		    "$ex" >/dev/null 2>&1
		CUPS_SERVER=$cups send_in "$W" "$ex"
		CUPS_SERVER=$cups send_in "$W" "$ex"
		cups_wait
		after=$(ls "$C"/pdf/utskrift-*.pdf 2>/dev/null | wc -l)
		if [ $((after - before)) -eq 1 ] && grep -q ' 0 skickade' "$tmp/out"; then ok; else
			bad "cups: killed at $point: $((after - before)) print batches printed, want 1"
			cat "$tmp/out" "$tmp/err" | head -n 8
		fi
	done

	cups_stop
	trap 'rm -rf "$tmp"' EXIT
fi
