#!/bin/sh
# demo.sh -- `make demo`: check the bundled example, then send it with a
# mailbox: the reference Mina meddelanden service (tests/mailbox/refserver.py)
# runs on 127.0.0.1 for the length of the demo with certificates made for it,
# some recipients have a digital mailbox and some do not, so part of the
# decisions go digital and the rest to print.  Everything lands in build/demo.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
ex=examples/sammantrade-2026-11-18
d=$top/build/demo

./expediera check "$ex"
rm -rf "$d"
mkdir -p "$d"
sh tests/mailbox/mkcerts.sh "$d/certs" >/dev/null 2>&1
# Two of the recipients have no digital mailbox.
cat >"$d/recipients.json" <<'JSON'
{"198612199854": {"reachable": false}, "198303029931": {"reachable": false}}
JSON
/usr/bin/python3 tests/mailbox/refserver.py --certs "$d/certs" --port-file "$d/port" \
    --store "$d/brevlada" --log "$d/brevlada.jsonl" --recipients "$d/recipients.json" \
    --trusted-signer "$d/certs/signer.pem" --contracts "$top/schemas/mina-meddelanden" \
    >"$d/refserver.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
i=0
while [ ! -s "$d/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
port=$(cat "$d/port")
sed -e "s|^folder = out/|folder = $d/out/|" -e "s|^database = out/|database = $d/out/|" \
    examples/expediera.conf >"$d/expediera.conf"
cat >>"$d/expediera.conf" <<CONF

[mailbox]
reachability_url = https://127.0.0.1:$port/recipient
client_cert = $d/certs/client.pem
client_key = $d/certs/client.key
ca_file = $d/certs/ca.pem
signing_cert = $d/certs/signer.pem
signing_key = $d/certs/signer.key
CONF
echo
echo "expediera send --config build/demo/expediera.conf $ex"
echo "  (en referenstjänst för Mina meddelanden körs på 127.0.0.1:$port)"
rc=0
./expediera send --config "$d/expediera.conf" "$ex" || rc=$?
echo
echo "Digitala brevlådan tog emot $(grep '"endpoint": "deliversecure"' "$d/brevlada.jsonl" | grep -c '"verdict": "accepted"' || true) försändelser (build/demo/brevlada)."
./expediera blankett --config "$d/expediera.conf" -o "$d/forsattsblad.html" >/dev/null &&
	echo "Försättsbladet som handläggaren fyller i: build/demo/forsattsblad.html (öppna i en webbläsare)."
echo "Allt ligger under build/demo; kör make demo igen för en ny körning."
# 3: something was held or failed, which the summary above names.
[ $rc -eq 0 ] || [ $rc -eq 3 ]
