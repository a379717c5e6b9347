#!/bin/bash
# selftest.sh -- checks the reference mailbox service (refserver.py) itself, with
# curl as the client: certificates made fresh by mkcerts.sh into a temporary
# directory, servers on free ports on 127.0.0.1, everything removed afterwards.
#
#   tests/mailbox/selftest.sh        ends with "selftest: N passed, N failed"
#   SELFTEST_KEEP=1 tests/mailbox/selftest.sh   keeps the temporary directory
#
# Needs openssl, curl, xmlsec1 and /usr/bin/python3 with lxml (Debian's python3 and
# python3-lxml; scripts/install-deps.sh check installs them).  CONTRACTS=DIR points at
# other Mina meddelanden contracts than those vendored in schemas/mina-meddelanden.
#
# Covers: isReachable (one answer per recipient, the ServiceAdress, the --recipients
# file); deliverSecure of the contract's sample SealedDeliveryWithSignature.xml
# (verified with the certificate in its own KeyInfo) and of deliveries signed here
# (mkrequest.py); storing, the log and de-duplication by message Id; refusals (XSD,
# DOCTYPE, not SOAP, wrong Content-Type, tampered signature); --trusted-signer with a
# CA and with a pinned certificate; mutual TLS (no client certificate, one from
# another CA, a server certificate from another CA); each kind of fault rule; a
# clean stop on SIGTERM.
# The checks with several conditions are given to eval in single quotes on purpose.
# shellcheck disable=SC2016
set -u
here=$(cd "$(dirname "$0")" && pwd)
contracts=${CONTRACTS:-$here/../../schemas/mina-meddelanden}
samples=$contracts/samples

pass=0
fail=0
tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	if [ -n "${SELFTEST_KEEP:-}" ]; then
		echo "selftest: kept $tmp" >&2
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT

ok() { pass=$((pass + 1)); }
bad() {
	fail=$((fail + 1))
	echo "FAIL: $*"
}
# check NAME COMMAND...: passes when COMMAND succeeds
check() {
	local name=$1
	shift
	if "$@"; then ok; else bad "$name"; fi
}
contains() { grep -q -- "$2" "$1"; }
count() { grep -o -- "$2" "$1" | wc -l; }

for tool in openssl curl xmlsec1; do
	if ! command -v $tool >/dev/null; then
		echo "selftest: needs $tool (see scripts/install-deps.sh)" >&2
		exit 2
	fi
done

certs=$tmp/certs
"$here/mkcerts.sh" "$certs" || { echo "selftest: mkcerts.sh failed" >&2; exit 2; }

# start NAME ARGS...: run refserver.py as server NAME, wait for its port in $port.
# Its files are $tmp/NAME.{out,err,log,port} and the store $tmp/NAME.store.
start() {
	local name=$1
	shift
	rm -f "$tmp/$name.port"
	"$here/refserver.py" --port 0 --port-file "$tmp/$name.port" --log "$tmp/$name.log" \
		--store "$tmp/$name.store" --contracts "$contracts" "$@" \
		>"$tmp/$name.out" 2>"$tmp/$name.err" &
	pid=$!
	pids+=("$pid")
	for _ in $(seq 100); do
		[ -s "$tmp/$name.port" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	port=$(cat "$tmp/$name.port" 2>/dev/null)
	if [ -z "$port" ]; then
		echo "selftest: server $name did not start:" >&2
		cat "$tmp/$name.err" >&2
		exit 2
	fi
}

tls=(--cacert "$certs/ca.pem" --cert "$certs/client.pem" --key "$certs/client.key")
# post PORT PATH FILE [CURL ARGS...]: POST FILE as SOAP 1.1 (Content-Type $ctype if
# set, else text/xml); the answer in $tmp/ans,
# the HTTP status in $code (000 when there was none), curl's exit status in $rc.
post() {
	local p=$1 path=$2 file=$3
	shift 3
	code=$(curl -sS --max-time 30 "${tls[@]}" -H "Content-Type: ${ctype:-text/xml; charset=utf-8}" \
		-H 'SOAPAction: ""' --data-binary @"$file" -o "$tmp/ans" -w '%{http_code}' "$@" \
		"https://127.0.0.1:$p$path" 2>"$tmp/curl.err")
	rc=$?
}
# faults JSON: replace the fault rules atomically (the server re-reads them)
faults() {
	printf '%s\n' "$1" >"$tmp/faults.tmp"
	mv "$tmp/faults.tmp" "$tmp/faults.json"
}
lastlog() { tail -n 1 "$tmp/$1.log"; }
# logfield NAME KEY: KEY of the last log record of server NAME
logfield() {
	lastlog "$1" | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin).get('$2'))"
}
stored() { find "$tmp/$1.store" -name '*.xml' | wc -l; }

# --- requests built by hand and from the contract's sample ------------------------

cat >"$tmp/reach.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:v3="http://minameddelanden.gov.se/schema/Recipient/v3">
  <soapenv:Header/>
  <soapenv:Body>
    <v3:isReachable>
      <v3:senderOrgNr>162120000001</v3:senderOrgNr>
      <v3:recipientId>198101052382</v3:recipientId>
      <v3:recipientId>199001012384</v3:recipientId>
      <v3:recipientId>200001012386</v3:recipientId>
    </v3:isReachable>
  </soapenv:Body>
</soapenv:Envelope>
EOF

# The sample SealedDelivery inside the SOAP envelope: its children go into
# sv3:deliverSecure/sv3:deliverSecure (the SealedDelivery type's element in Service v3).
{
	printf '<?xml version="1.0" encoding="UTF-8"?>\n'
	printf '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>'
	sed -e 's#<SealedDelivery xmlns="http://minameddelanden.gov.se/schema/Message/v3">#<sv3:deliverSecure xmlns:sv3="http://minameddelanden.gov.se/schema/Service/v3"><sv3:deliverSecure xmlns="http://minameddelanden.gov.se/schema/Message/v3">#' \
		-e 's#</SealedDelivery>#</sv3:deliverSecure></sv3:deliverSecure>#' \
		"$samples/SealedDeliveryWithSignature.xml"
	printf '</soapenv:Body></soapenv:Envelope>\n'
} >"$tmp/sample.xml"

mkreq() { "$here/mkrequest.py" deliversecure --signer-cert "$certs/$1.pem" --signer-key "$certs/$1.key" "${@:2}"; }
mkreq signer --recipient 199001012384 --message-id st-1 >"$tmp/d1.xml"
mkreq signer --recipient 199001012384 --message-id st-tamper --tamper >"$tmp/tampered.xml"
mkreq other-signer --recipient 199001012384 --message-id st-other >"$tmp/other.xml"
mkreq signer --recipient 200001012386 --message-id st-unreachable >"$tmp/unreachable.xml"
for i in 2 3 4 5 6; do
	mkreq signer --recipient 198101052382 --message-id "st-$i" >"$tmp/d$i.xml"
done

# --- server a: signatures checked against the certificate in KeyInfo ---------------

cat >"$tmp/recipients.json" <<'EOF'
{"200001012386": {"reachable": false}}
EOF
start a --certs "$certs" --recipients "$tmp/recipients.json" --faults "$tmp/faults.json"
a=$port

# isReachable: one ReachabilityStatus per recipientId, our ServiceAdress, the table.
post "$a" /recipient "$tmp/reach.xml"
check "isReachable answers 200" [ "$code" = 200 ]
check "isReachable: one return per recipient" [ "$(count "$tmp/ans" '<ns1:return>')" = 3 ]
check "isReachable: ServiceAdress" contains "$tmp/ans" "<r:ServiceAdress>https://127.0.0.1:$a/deliversecure</r:ServiceAdress>"
check "isReachable: --recipients makes 200001012386 not reachable" \
	contains "$tmp/ans" '<r:RecipientId>200001012386</r:RecipientId><r:Type>Not</r:Type>'
check "isReachable: two Secure accounts" [ "$(count "$tmp/ans" '<r:Type>Secure</r:Type>')" = 2 ]
check "isReachable: log lists the reachable" \
	[ "$(logfield a reachable)" = "['198101052382', '199001012384']" ]

# deliverSecure of the contract's sample: both signatures verify with KeyInfo's cert.
post "$a" /deliversecure "$tmp/sample.xml"
check "sample deliverSecure answers 200" [ "$code" = 200 ]
check "sample deliverSecure: Delivered true" contains "$tmp/ans" '<ns10:Delivered>true</ns10:Delivered>'
check "sample deliverSecure: RecipientId" contains "$tmp/ans" '<ns10:RecipientId>198101052382</ns10:RecipientId>'
check "sample deliverSecure: stored" [ "$(stored a)" = 1 ]
check "sample deliverSecure: logged accepted" [ "$(logfield a verdict)" = accepted ]
check "sample deliverSecure: attachment sha256 logged" \
	[ "$(logfield a attachment_sha256)" = "['65ccc5bfbca199de9d92a94848002b517f949d5a0b3282933bb68b7a73f831f2']" ]
check "stored file is the request body" \
	cmp -s "$tmp/sample.xml" "$(find "$tmp/a.store" -name '*.xml' | head -n 1)"

# A delivery signed here; then the same message Id again: Delivered, not stored twice.
post "$a" /deliversecure "$tmp/d1.xml"
check "signed delivery answers 200" [ "$code" = 200 ]
tid=$(grep -o '<ns10:TransId>[^<]*' "$tmp/ans")
post "$a" /deliversecure "$tmp/d1.xml"
check "duplicate answers 200 Delivered" contains "$tmp/ans" '<ns10:Delivered>true</ns10:Delivered>'
check "duplicate gets the first TransId" [ "$(grep -o '<ns10:TransId>[^<]*' "$tmp/ans")" = "$tid" ]
check "duplicate is not stored again" [ "$(stored a)" = 2 ]
check "duplicate is logged as such" [ "$(logfield a verdict)/$(logfield a duplicates)" = duplicate/1 ]

# Refusals: SOAP Fault, HTTP 500, a faultstring that says why, logged rejected.
post "$a" /deliversecure "$tmp/tampered.xml"
check "tampered: 500" [ "$code" = 500 ]
check "tampered: faultstring" contains "$tmp/ans" '<faultstring>SignedDelivery signature does not verify: digest mismatch'
check "tampered: logged rejected" [ "$(logfield a verdict)" = rejected ]

# The signatures are verified in the server's own process: each way of breaking
# one is still refused, and nothing refused is stored.
# variant IN OUT PYTHON: OUT is IN with the text changed by the expression
# PYTHON on the request body s (a str).
variant() {
	/usr/bin/python3 -c 'import sys
s = open(sys.argv[1], encoding="utf-8").read()
open(sys.argv[2], "w", encoding="utf-8").write(eval(sys.argv[3]))' "$1" "$2" "$3"
}
n=$(stored a)
# The first SignatureValue (SignedDelivery's) with one base64 character changed.
variant "$tmp/d1.xml" "$tmp/badvalue.xml" \
	'(lambda i: s[:i] + ("B" if s[i] == "A" else "A") + s[i + 1:])(s.index("<SignatureValue>") + 100)'
post "$a" /deliversecure "$tmp/badvalue.xml"
check "changed SignatureValue: refused" eval '[ "$code" = 500 ] && contains "$tmp/ans" "SignedDelivery signature does not verify: the signature value does not verify"'
# Only the Seal changed after signing: the inner signature holds, the Seal's not.
variant "$tmp/d1.xml" "$tmp/badseal.xml" 's.replace(">true</SignaturesOK>", ">false</SignaturesOK>")'
post "$a" /deliversecure "$tmp/badseal.xml"
check "changed Seal: refused" eval '[ "$code" = 500 ] && contains "$tmp/ans" "Seal (SealedDelivery) signature does not verify: digest mismatch"'
# Algorithms other than SPEC.md's are refused before any key is used.
variant "$tmp/d1.xml" "$tmp/sha1.xml" 's.replace("http://www.w3.org/2001/04/xmlenc#sha256", "http://www.w3.org/2000/09/xmldsig#sha1", 1)'
post "$a" /deliversecure "$tmp/sha1.xml"
check "SHA-1 digest: refused" eval '[ "$code" = 500 ] && contains "$tmp/ans" "DigestMethod must be"'
# Signature removed.
/usr/bin/python3 - "$tmp/d1.xml" "$tmp/nosig.xml" <<'PY'
import sys
from lxml import etree
doc = etree.parse(sys.argv[1])
ds = "{http://www.w3.org/2000/09/xmldsig#}Signature"
signed = doc.find(".//{http://minameddelanden.gov.se/schema/Message/v3}SignedDelivery")
signed.remove(signed.find(ds))
doc.write(sys.argv[2], xml_declaration=True, encoding="UTF-8")
PY
post "$a" /deliversecure "$tmp/nosig.xml"
check "no signature: refused" eval '[ "$code" = 500 ] && contains "$tmp/ans" "no ds:Signature\|not valid against"'
check "broken signatures: nothing stored" [ "$(stored a)" = "$n" ]

sed 's#<Supportinfo><Text>suppinfo</Text></Supportinfo>##' "$tmp/sample.xml" >"$tmp/noinfo.xml"
post "$a" /deliversecure "$tmp/noinfo.xml"
check "no Supportinfo: XSD fault" contains "$tmp/ans" 'not valid against the Mina meddelanden XSD'

{
	echo '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]>'
	sed 1d "$tmp/reach.xml"
} >"$tmp/doctype.xml"
post "$a" /recipient "$tmp/doctype.xml"
check "DOCTYPE refused" contains "$tmp/ans" 'has a DOCTYPE'

echo '<isReachable/>' >"$tmp/nosoap.xml"
post "$a" /recipient "$tmp/nosoap.xml"
check "not SOAP refused" contains "$tmp/ans" 'expected a SOAP 1.1 Envelope'

ctype='application/soap+xml; charset=utf-8' post "$a" /recipient "$tmp/reach.xml"
check "SOAP 1.2 Content-Type refused" contains "$tmp/ans" 'wants text/xml'

post "$a" /recipient "$tmp/d1.xml"
check "deliverSecure at /recipient refused" contains "$tmp/ans" 'is not served at /recipient'

post "$a" /deliversecure "$tmp/unreachable.xml"
check "delivery to an unreachable recipient refused" contains "$tmp/ans" 'recipient 20000101-\*\*\*\* has no mailbox'

check "nothing refused was stored" [ "$(stored a)" = 2 ]

# Mutual TLS.
curl -sS --max-time 10 --cacert "$certs/ca.pem" -H 'Content-Type: text/xml' \
	--data-binary @"$tmp/reach.xml" -o /dev/null "https://127.0.0.1:$a/recipient" 2>/dev/null
check "no client certificate: refused" [ $? -ne 0 ]
check "no client certificate: logged" [ "$(logfield a verdict)" = tls-refused ]
curl -sS --max-time 10 --cacert "$certs/ca.pem" --cert "$certs/other-client.pem" \
	--key "$certs/other-client.key" -H 'Content-Type: text/xml' \
	--data-binary @"$tmp/reach.xml" -o /dev/null "https://127.0.0.1:$a/recipient" 2>/dev/null
check "client certificate from another CA: refused" [ $? -ne 0 ]

# --- fault rules (server a re-reads $tmp/faults.json) ------------------------------

faults '{"deliversecure": [{"status": 503, "retry_after": 2, "times": 1}]}'
post "$a" /deliversecure "$tmp/d2.xml" -D "$tmp/headers"
check "status rule: 503" [ "$code" = 503 ]
check "status rule: Retry-After" grep -qi '^Retry-After: 2' "$tmp/headers"
check "status rule: not stored" [ "$(stored a)" = 2 ]
post "$a" /deliversecure "$tmp/d2.xml"
check "status rule: times 1, next one passes" [ "$code" = 200 ]

faults '{"deliversecure": [{"reset": true, "times": 1}]}'
post "$a" /deliversecure "$tmp/d3.xml"
check "reset rule: no answer" eval '[ "$code" = 000 ] && [ "$rc" -ne 0 ]'
check "reset rule: logged failed" [ "$(logfield a verdict)/$(logfield a injected)" = failed/reset ]

# after_store: the delivery is stored, the connection breaks; the retry with the same
# message Id is answered Delivered and not stored again.
faults '{"deliversecure": [{"request": 1, "reset": true, "after_store": true}]}'
n=$(stored a)
post "$a" /deliversecure "$tmp/d4.xml"
check "after_store reset: no answer" [ "$code" = 000 ]
check "after_store reset: stored" [ "$(stored a)" = $((n + 1)) ]
post "$a" /deliversecure "$tmp/d4.xml"
check "after_store reset: retry Delivered" contains "$tmp/ans" '<ns10:Delivered>true</ns10:Delivered>'
check "after_store reset: retry not stored again" [ "$(stored a)" = $((n + 1)) ]
check "after_store reset: retry logged duplicate" [ "$(logfield a verdict)" = duplicate ]

faults '{"deliversecure": [{"status": 502, "after_store": true, "times": 1}]}'
post "$a" /deliversecure "$tmp/d5.xml"
check "after_store 502: stored" eval '[ "$code" = 502 ] && [ "$(stored a)" = $((n + 2)) ]'
post "$a" /deliversecure "$tmp/d5.xml"
check "after_store 502: retry Delivered, not stored" eval '[ "$code" = 200 ] && [ "$(stored a)" = $((n + 2)) ]'

faults '{"*": [{"soap_fault": "Server busy"}]}'
post "$a" /recipient "$tmp/reach.xml"
check "soap_fault rule" eval '[ "$code" = 500 ] && contains "$tmp/ans" "<faultstring>Server busy</faultstring>"'

faults '{"recipient": [{"bad_xml": true}]}'
post "$a" /recipient "$tmp/reach.xml"
not_xml() { ! /usr/bin/python3 -c "import sys; from xml.dom import minidom; minidom.parse(sys.argv[1])" "$1" 2>/dev/null; }
check "bad_xml rule: 200 with garbage" eval '[ "$code" = 200 ] && not_xml "$tmp/ans"'

faults '{"recipient": [{"not_reachable": ["1990*"]}, {"sender_not_accepted": true, "recipients": ["198101052382"]}]}'
post "$a" /recipient "$tmp/reach.xml"
check "not_reachable rule" contains "$tmp/ans" '<r:RecipientId>199001012384</r:RecipientId><r:Type>Not</r:Type>'
check "sender_not_accepted rule" [ "$(count "$tmp/ans" '<r:SenderAccepted>true')" = 0 ]

faults '{"deliversecure": [{"sender_not_accepted": true, "recipients": ["198101052382"]}]}'
post "$a" /deliversecure "$tmp/d6.xml"
check "sender_not_accepted at deliverSecure" eval '[ "$code" = 500 ] && contains "$tmp/ans" "does not accept messages"'

faults '{"recipient": [{"latency_ms": 300}]}'
t0=$(date +%s%N)
post "$a" /recipient "$tmp/reach.xml"
elapsed_ms=$((($(date +%s%N) - t0) / 1000000))
check "latency rule: answered" [ "$code" = 200 ]
check "latency rule: took 300 ms or more" [ "$elapsed_ms" -ge 300 ]

faults '{"recipient": [{"bogus": 1}]}'
post "$a" /recipient "$tmp/reach.xml"
check "a bad faults file is reported and ignored" eval '[ "$code" = 200 ] && lastlog a | grep -q faults_error'
faults '{}'

# A body over 1 MB: curl asks "Expect: 100-continue" and waits (here up to 30 s)
# for the interim answer before it sends the body; the server sends it at once.
{ cat "$tmp/d2.xml"; head -c 1200000 /dev/zero | tr '\0' ' '; } >"$tmp/large.xml"
post "$a" /deliversecure "$tmp/large.xml" -v --expect100-timeout 30
check "large body: 100 Continue" eval '[ "$code" = 200 ] && grep -q "^< HTTP/1.1 100 Continue" "$tmp/curl.err"'

# Concurrent clients.
for i in 1 2 3 4 5 6 7 8; do
	curl -sS --max-time 30 "${tls[@]}" -H 'Content-Type: text/xml' --data-binary @"$tmp/reach.xml" \
		-o "$tmp/par.$i" -w '%{http_code}\n' "https://127.0.0.1:$a/recipient" >"$tmp/par.code.$i" &
done
wait_codes() {
	local i
	for i in 1 2 3 4 5 6 7 8; do
		while [ ! -s "$tmp/par.code.$i" ]; do sleep 0.05; done
		[ "$(cat "$tmp/par.code.$i")" = 200 ] || return 1
	done
}
check "eight concurrent requests" wait_codes

# --- server b: a server certificate from another CA -------------------------------

start b --cert "$certs/other-server.pem" --key "$certs/other-server.key" \
	--client-ca "$certs/ca.pem"
post "$port" /recipient "$tmp/reach.xml"
check "server certificate from another CA: client refuses (curl exit 60)" [ "$rc" = 60 ]

# --- servers c and d: --trusted-signer ----------------------------------------------

start c --certs "$certs" --trusted-signer "$certs/ca.pem"
c=$port
post "$c" /deliversecure "$tmp/d1.xml"
check "trusted CA: our signer accepted" [ "$code" = 200 ]
post "$c" /deliversecure "$tmp/other.xml"
check "trusted CA: other signer refused" contains "$tmp/ans" 'signer certificate not trusted'
post "$c" /deliversecure "$tmp/sample.xml"
check "trusted CA: the sample's foreign signer refused" [ "$code" = 500 ]

start d --certs "$certs" --trusted-signer "$certs/signer.pem"
post "$port" /deliversecure "$tmp/d1.xml"
check "pinned signer: accepted" [ "$code" = 200 ]
post "$port" /deliversecure "$tmp/other.xml"
check "pinned signer: other signer refused" eval '[ "$code" = 500 ] && contains "$tmp/ans" "does not verify"'

# --- a restart remembers what was stored; SIGTERM stops cleanly ---------------------

pid_c=${pids[2]}
kill -TERM "$pid_c"
wait "$pid_c"
check "SIGTERM: exit status 0" [ $? = 0 ]
check "SIGTERM: port file removed" [ ! -e "$tmp/c.port" ]
check "SIGTERM: said so" contains "$tmp/c.out" 'refserver: stopped'
start c --certs "$certs" --trusted-signer "$certs/ca.pem"
post "$port" /deliversecure "$tmp/d1.xml"
check "after a restart a stored delivery is a duplicate" \
	eval '[ "$code" = 200 ] && [ "$(logfield c verdict)" = duplicate ] && [ "$(stored c)" = 1 ]'

pid_a=${pids[0]}
kill -TERM "$pid_a"
wait "$pid_a"
check "SIGTERM after all that: exit 0" [ $? = 0 ]
check "server a wrote no traceback" eval '! grep -q Traceback "$tmp/a.err"'

echo "selftest: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
