# mailbox.sh -- sourced by run.sh: digital delivery through the reference
# mailbox service (tests/mailbox/refserver.py, started here on 127.0.0.1 with
# certificates made here).  Every captured delivery is valid against the
# official XSDs and both signatures verify with xmlsec1 (the server checks
# both; one is checked again here by hand); the attachment is the PDF render
# produced; no subject holds a name or a number; a missing client certificate
# or a server from another CA sends nothing; under injected faults every
# försändelse ends exactly once, and the audit log stays intact.

M=$tmp/mm
contracts=$top/schemas/mina-meddelanden
mkdir -p "$M"
bash tests/mailbox/mkcerts.sh "$M/certs" >"$M/mkcerts.log" 2>&1 || bad "mailbox: mkcerts.sh"
echo '{}' >"$M/recipients.json"
echo '{}' >"$M/faults.json"

mm_start() {
	rm -f "$M/port"
	/usr/bin/python3 tests/mailbox/refserver.py --certs "$M/certs" --port-file "$M/port" \
	    --store "$M/store" --log "$M/log.jsonl" --trusted-signer "$M/certs/signer.pem" \
	    --contracts "$contracts" --recipients "$M/recipients.json" \
	    --faults "$M/faults.json" "$@" >"$M/server.out" 2>&1 &
	mm_pid=$!
	i=0
	while [ ! -s "$M/port" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	mm_port=$(cat "$M/port" 2>/dev/null)
}
mm_stop() {
	kill "$mm_pid" 2>/dev/null
	wait "$mm_pid" 2>/dev/null || true
}

# mm_work WORK [CA] [CLIENT_CERT]: a working directory whose [mailbox] points
# at the reference service.
mm_work() {
	mkwork "$1"
	sed -i 's/^\[organisation\]$/[organisation]\nsender_id = 162120002411/' "$1/expediera.conf"
	cat >>"$1/expediera.conf" <<CONF
[mailbox]
reachability_url = https://127.0.0.1:$mm_port/recipient
client_cert = ${3:-$M/certs/client.pem}
client_key = $M/certs/client.key
ca_file = ${2:-$M/certs/ca.pem}
signing_cert = $M/certs/signer.pem
signing_key = $M/certs/signer.key
attempts = 4
CONF
}

# Accepted deliveries in the server's log, and distinct message ids stored.
accepted() { grep -c '"endpoint": "deliversecure".*"verdict": "accepted"' "$M/log.jsonl" 2>/dev/null || true; }
stored_ids() { ls "$M/store" 2>/dev/null | grep -v index | sed -E 's/^[0-9]+-//; s/\.xml$//' | sort -u | wc -l; }

mm_start
if [ -n "$mm_port" ]; then ok; else bad "mailbox: refserver did not start"; cat "$M/server.out"; fi

# ---- the example, with a mailbox ----
W=$tmp/mm-send
mm_work "$W"
"$bin" send --dry-run --json --config "$W/expediera.conf" "$ex" >"$tmp/mmdry.json" 2>/dev/null
want_digital=$(python3 -c 'import json,sys; print(sum(1 for r in json.load(open(sys.argv[1]))["routes"] if r["route"] == "digital"))' "$tmp/mmdry.json")
[ "$want_digital" -gt 5 ] && ok || bad "mailbox: only $want_digital digital routes"
echo "max_parallel = 2" >>"$W/expediera.conf"
# Latency, so that two deliveries are in flight at once.
echo '{"deliversecure": [{"latency_ms": 150}]}' >"$M/faults.tmp" && mv "$M/faults.tmp" "$M/faults.json"
before=$(wc -l <"$M/log.jsonl")
send_in "$W" "$ex"
echo '{}' >"$M/faults.tmp" && mv "$M/faults.tmp" "$M/faults.json"
if [ "$(rc)" -eq 0 ] && [ "$(accepted)" -eq "$want_digital" ] && [ "$(stored_ids)" -eq "$want_digital" ]; then ok; else
	bad "mailbox: send exit $(rc), $(accepted) accepted, want $want_digital"
	head -n 5 "$tmp/err"
	grep rejected "$M/log.jsonl" | head -n 3
fi
# One HTTPS client for the run: the register's question and every delivery on
# at most max_parallel kept-alive connections, the second resuming the TLS
# session of the first.
tail -n +$((before + 1)) "$M/log.jsonl" | python3 -c 'import json, sys
reqs = [json.loads(l) for l in sys.stdin if l.strip()]
conns = sorted({r["connection"] for r in reqs})
assert len(reqs) > 1 + 5 and len(conns) == 2, (len(reqs), conns)
assert all(r["tls_resumed"] for r in reqs if r["connection"] == conns[1]), \
    [(r["connection"], r["tls_resumed"]) for r in reqs]' \
    && ok || bad "mailbox: connections not kept alive, or TLS sessions not resumed"
# A child never goes digital.
python3 -c 'import json,sys; sys.exit(any(r["route"] == "digital" and r["mottagare"][:4] >= "2009" and len(r["mottagare"]) == 12 for r in json.load(open(sys.argv[1]))["routes"]))' "$tmp/mmdry.json" && ok || bad "mailbox: a minor routed digital"

# Both signatures again, by hand, on one stored delivery.
one=$(ls "$M"/store/*.xml | head -n 1)
/usr/bin/python3 - "$one" "$M" <<'PY' && ok || bad "mailbox: splitting a stored delivery"
import sys
from lxml import etree
M3 = "http://minameddelanden.gov.se/schema/Message/v3"
S3 = "http://minameddelanden.gov.se/schema/Service/v3"
doc = etree.parse(sys.argv[1])
signed = doc.find(".//{%s}SignedDelivery" % M3)
open(sys.argv[2] + "/signed.xml", "wb").write(etree.tostring(signed))
inner = doc.find(".//{%s}deliverSecure/{%s}deliverSecure" % (S3, S3))
sealed = etree.Element("{%s}SealedDelivery" % M3, nsmap={None: M3})
for child in inner:
    sealed.append(child)
open(sys.argv[2] + "/sealed.xml", "wb").write(etree.tostring(sealed))
PY
# The signer's own certificate is the key; the signature is the root's child.
xverify() {
	xmlsec1 --verify --enabled-reference-uris empty --pubkey-cert-pem "$M/certs/signer.pem" \
	    --enabled-key-data key-name --node-xpath "/*/*[local-name()='Signature']" "$1" >/dev/null 2>&1
}
xverify "$M/signed.xml" && ok || bad "mailbox: SignedDelivery signature does not verify"
xverify "$M/sealed.xml" && ok || bad "mailbox: Seal signature does not verify"
sed -i 's/<Subject>/<Subject>X/' "$M/signed.xml"
xverify "$M/signed.xml" && bad "mailbox: a changed subject still verifies" || ok

# The attachment is the PDF that render produced, byte for byte.
"$bin" render --config "$W/expediera.conf" "$ex" -o "$tmp/mm-render" >/dev/null 2>&1
sha256sum "$tmp"/mm-render/*.pdf | awk '{print $1}' | sort >"$tmp/rendered.sha"
python3 -c 'import json,sys
for l in open(sys.argv[1]):
    d = json.loads(l)
    if d.get("verdict") == "accepted" and d["endpoint"] == "deliversecure":
        for s in d.get("attachment_sha256") or []: print(s)' "$M/log.jsonl" | sort -u >"$tmp/attached.sha"
if [ -s "$tmp/attached.sha" ] && [ -z "$(comm -23 "$tmp/attached.sha" "$tmp/rendered.sha")" ]; then ok; else bad "mailbox: an attachment is not a rendered försändelse"; fi

# No subject holds a name or anything like a personnummer.
grep -ho '<Subject>[^<]*</Subject>' "$M"/store/*.xml | sort -u >"$tmp/subjects"
python3 - "$ex" "$tmp/subjects" <<'PY' && ok || bad "mailbox: a subject holds personal data"
import os, re, sys, xml.etree.ElementTree as ET
names = set()
for root, _, files in os.walk(sys.argv[1]):
    for f in files:
        if f.endswith(".xml"):
            for e in ET.parse(os.path.join(root, f)).iter():
                if e.tag.endswith("}namn") and e.text:
                    names.add(" ".join(e.text.split()))
subjects = open(sys.argv[2]).read()
assert subjects.strip(), "no subjects"
assert not re.search(r"\d{6}", subjects), subjects
# Every municipality has a Socialnämnden: the subject says whose.
assert "Beslut från Socialnämnden i Exempelby kommun" in subjects, subjects
for n in names:
    assert n not in subjects and n.split()[-1] not in subjects, n
PY

# A rerun sends nothing twice.
before=$(accepted)
send_in "$W" "$ex"
[ "$(accepted)" -eq "$before" ] && grep -q ': 0 skickade' "$tmp/out" && ok || bad "mailbox: rerun delivered again"

# ---- our certificates wrong: nothing is sent, by any route ----
W=$tmp/mm-nocert
mm_work "$W" "" "$M/certs/finns-inte.pem"
send_in "$W" "$ex"
if [ "$(rc)" -eq 2 ] && grep -q 'client_cert' "$tmp/err" && [ ! -d "$W/out/print" ]; then ok; else bad "mailbox: missing client certificate (exit $(rc))"; head -n 3 "$tmp/err"; fi
W=$tmp/mm-otherca
mm_work "$W" "$M/certs/other-ca.pem"
before=$(accepted)
send_in "$W" "$ex"
if [ "$(rc)" -eq 4 ] && grep -q 'verifieras' "$tmp/err" && [ ! -d "$W/out/print" ] &&
    [ "$(accepted)" -eq "$before" ]; then ok; else bad "mailbox: a server from another CA (exit $(rc))"; head -n 3 "$tmp/err"; fi

# A client certificate the register's CA did not issue: under TLS 1.3 the
# refusal comes after the handshake, and must stop the run, not pass for
# "no digital mailbox" and send everything to print.
W=$tmp/mm-otherclient
mm_work "$W" "" "$M/certs/other-client.pem"
sed -i "s|^client_key = .*|client_key = $M/certs/other-client.key|" "$W/expediera.conf"
before=$(accepted)
send_in "$W" "$ex"
if [ "$(rc)" -eq 4 ] && grep -q 'klientcertifikatet' "$tmp/err" &&
    [ ! -d "$W/out/print" ] && [ "$(accepted)" -eq "$before" ]; then ok; else
	bad "mailbox: a client certificate the server refuses (exit $(rc))"
	head -n 3 "$tmp/err"
fi

# ---- faults: every försändelse exactly once ----
mm_stop
rm -rf "$M/store" "$M/log.jsonl"
cat >"$M/faults.json" <<'JSON'
{"deliversecure": [
  {"status": 503, "times": 2},
  {"reset": true, "after_store": true, "times": 2},
  {"bad_xml": true, "times": 1},
  {"soap_fault": "Server busy", "times": 1},
  {"latency_ms": 20}
]}
JSON
mm_start
W=$tmp/mm-faults
mm_work "$W"
send_in "$W" "$ex"
if [ "$(rc)" -eq 0 ] && [ "$(stored_ids)" -eq "$want_digital" ]; then ok; else
	bad "mailbox: under faults: exit $(rc), $(stored_ids) distinct deliveries, want $want_digital"
	head -n 5 "$tmp/err"
fi
"$bin" audit verify --config "$W/expediera.conf" >/dev/null 2>&1 && ok || bad "mailbox: audit verify after faults"
sqlite3 "$W/out/expediera.db" "SELECT count(*) FROM event WHERE kind = 'attempt'" >"$tmp/attempts"
[ "$(cat "$tmp/attempts")" -gt "$want_digital" ] && ok || bad "mailbox: attempts not in the audit log"

# The operator down for good: kanal=auto prints instead, kanal=digital is held.
mm_stop
echo '{"deliversecure": [{"status": 503}]}' >"$M/faults.json"
mm_start
W=$tmp/mm-down
mm_work "$W"
sed -i 's/^attempts = 4/attempts = 2/' "$W/expediera.conf"
send_in "$W" "$ex"
printed_n=$(printed "$W" | wc -l)
if [ "$(rc)" -eq 3 ] && grep -q '1 hålls' "$tmp/out" && [ "$printed_n" -ge "$want_digital" ]; then ok; else
	bad "mailbox: operator down: exit $(rc), $printed_n printed"
	cat "$tmp/out"
fi
"$bin" audit verify --config "$W/expediera.conf" >/dev/null 2>&1 && ok || bad "mailbox: audit verify after fallback"

# Killed after SENDING was recorded: the rerun delivers each once (the same
# message Id), nothing prints twice.
mm_stop
echo '{}' >"$M/faults.json"
rm -rf "$M/store" "$M/log.jsonl"
mm_start
W=$tmp/mm-kill
mm_work "$W"
r=$( { EXPEDIERA_CRASH_AT=digital-sending "$bin" send --config "$W/expediera.conf" "$ex" >/dev/null 2>&1; echo $?; } 2>/dev/null)
send_in "$W" "$ex"
if [ "$r" -eq 137 ] && [ "$(stored_ids)" -eq "$want_digital" ] && [ "$(rc)" -eq 0 ]; then ok; else bad "mailbox: kill at digital-sending (exit $r then $(rc)), $(stored_ids) delivered"; fi
mm_stop
