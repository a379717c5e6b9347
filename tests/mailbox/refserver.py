#!/usr/bin/python3
"""refserver.py -- a reference Mina meddelanden mailbox service for expediera's tests
and for `make demo`.

It plays both parts expediera talks to when it delivers digitally (SPEC.md section 6):
the address register's Recipient v3 service (isReachable) and a mailbox operator's
Service v3 endpoint (deliverSecure), with the contracts vendored in
schemas/mina-meddelanden.  It is strict about what it receives, so that a test
that passes against it says something:

  * HTTPS on 127.0.0.1 only, mutual TLS: a client certificate from the test CA is
    required (tests/mailbox/mkcerts.sh makes the certificates).
  * Every request body must be well-formed XML without a DOCTYPE, a SOAP 1.1 envelope
    (Content-Type text/xml), whose Body holds exactly one payload element that is valid
    against the official XSDs (lxml, schemas loaded from files, no network).
  * deliverSecure: both enveloped XML signatures (the one inside SignedDelivery and the
    Seal's over SealedDelivery) are checked for the algorithms SPEC.md names
    (RSA-SHA256, exclusive C14N, SHA-256 digest, one Reference URI="" with the
    enveloped-signature transform, the certificate in KeyInfo/X509Data) and verified
    with xmlsec1's library in this process (python3-xmlsec, the same libxmlsec1 the
    xmlsec1 command uses); see "Signatures" below.
  * An invalid request gets a SOAP 1.1 Fault (HTTP 500) whose faultstring says what
    is wrong, and is logged as rejected.

Usage

  tests/mailbox/refserver.py --certs DIR [--port N] [--port-file FILE]
        [--store DIR] [--log FILE] [--recipients FILE] [--faults FILE]
        [--trusted-signer CERT] [--latency-ms MS] [--contracts DIR] [-v]

  --certs DIR         the directory mkcerts.sh wrote: server.pem/server.key are the TLS
                      identity, ca.pem verifies client certificates.  (Or give them
                      one by one: --cert, --key, --client-ca.)
  --port N            TCP port on 127.0.0.1; 0 (the default) picks a free one.
  --port-file FILE    write the port there (atomically) once the server listens;
                      removed again on a clean exit.  The port is also printed.
  --store DIR         each accepted delivery is stored there as NNNNNN-<message id>.xml
                      (the raw request body, mode 0600); DIR/index.jsonl remembers
                      what was stored, so duplicates are recognised across restarts.
  --log FILE          JSON lines, one record per request (see "Log").
  --recipients FILE   JSON: {"198101052382": {"reachable": false}, "*": {...}}; see
                      "Recipients".  Re-read when it changes.
  --faults FILE       JSON fault-injection rules; re-read on every request (see
                      "Fault injection").
  --trusted-signer CERT   verify XML signatures against CERT (see "Signatures").
  --latency-ms MS     added to every request (the benchmark uses 50).
  --contracts DIR     the Mina meddelanden contracts; default
                      <repo>/schemas/mina-meddelanden.
  --max-message-bytes N   decoded body + attachments of one Message (default 2 MiB,
                      SPEC.md's 2 MB per message); larger ones are refused.
  --max-request-bytes N   whole request body (default 32 MiB; HTTP 413 beyond).
  -v, --verbose       one line per request on stderr.

  It exits 0 on SIGTERM or SIGINT.  GET /status answers a JSON summary (counts);
  the SOAP endpoints are POST /recipient and POST /deliversecure.

Recipients

  Every recipient id is reachable, not pending, and accepts the sender, unless the
  --recipients file says otherwise.  Keys are recipient ids (exact) or "*" (the
  default for ids not listed); values are objects with any of
  "reachable" (true), "pending" (false) and "sender_accepted" (true when reachable,
  false otherwise).  isReachable reports exactly that; deliverSecure accepts a
  delivery only for a recipient that is reachable, not pending and accepts the sender,
  and answers a SOAP Fault otherwise.

Signatures

  Each signature has Reference URI="", i.e. it covers the whole document it was made
  in.  The server therefore verifies each one on a standalone document:

    SignedDelivery: the SignedDelivery element as it stands in the request;
    Seal:           the inner deliverSecure element (type SealedDelivery, in the
                    Service v3 namespace on the wire) renamed to
                    {http://minameddelanden.gov.se/schema/Message/v3}SealedDelivery,
                    with the prefix its SignedDelivery child uses, i.e. the document
                    the sender signed before putting it into the SOAP body.

  On each standalone document the Signature that is a child of its root is
  verified, so the inner one is left alone when checking the Seal.  Besides the
  form checks above, xmlsec1's library is told to accept no other algorithms:
  RSA-SHA256 and exclusive C14N for SignedInfo; enveloped-signature, exclusive
  C14N and SHA-256 in the Reference.  The key it verifies with is

    (no --trusted-signer) the key of the certificate in the signature's own
        KeyInfo; proves integrity, not who signed (as `xmlsec1 --verify --insecure
        --enabled-key-data x509`).  This is what lets the contract's sample
        SealedDeliveryWithSignature.xml, signed by a foreign test CA whose
        certificate has expired, verify.
    (--trusted-signer CERT, CERT a CA certificate) the key of the certificate in
        KeyInfo/X509Data, which must chain to CERT and be valid now (as
        `--trusted-pem CERT --enabled-key-data x509`).
    (--trusted-signer CERT, CERT an end-entity certificate) pinned: the signature
        must verify with CERT's key; whatever KeyInfo says is not used (as
        `--pubkey-cert-pem CERT --enabled-key-data key-name`).

  The trusted certificate, the pinned key and the XSDs are loaded once, at start;
  a KeyInfo certificate's public key is taken out of it (openssl) once per
  certificate.  Keys are held without their certificates, because xmlsec copies
  the key it is given for every verification.  When a signature fails, the fault
  says why: the digest does not match (recomputed here with lxml, only to
  explain), the signature value does not verify with the key, or the signer's
  certificate is not trusted (with `openssl verify`'s reason).
  tests/lib/mailbox.sh checks stored deliveries again with the xmlsec1 command.

  Namespaces: with only the enveloped-signature transform in the Reference (as in
  the contract's samples) the digest is over the INCLUSIVE canonical form, so
  namespace declarations count.  The standalone document keeps the declarations the
  element carries itself and declares again only those it uses from the envelope
  around it.  A client is safe when it puts the signed documents' elements into the
  SOAP body as they were signed, without relying on declarations of the envelope
  for unused prefixes; adding exclusive C14N as a second Reference transform
  (accepted) makes the digest independent of that.

Fault injection

  The --faults file is a JSON object mapping an endpoint ("recipient",
  "deliversecure", or "*" for both) to a list of rules, tried in order for every
  request to that endpoint (the endpoint's own rules first, then "*"):

    {"deliversecure": [
        {"request": 1, "reset": true, "after_store": true},
        {"recipients": ["199001012384"], "soap_fault": "Server busy", "times": 2},
        {"status": 503, "retry_after": 1, "times": 1},
        {"latency_ms": 50}
     ],
     "recipient": [{"not_reachable": ["199001012384", "1990*"]},
                   {"sender_not_accepted": true, "recipients": ["198101052382"]}]}

  Which requests a rule applies to:
    "request": N or [N, ...]   only the Nth request(s) to the endpoint, counted from 1
                               since the faults file last changed (or the start);
                               absent: every request.
    "recipients": [ID, ...]    only requests about one of these recipients ("1990*"
                               is a prefix, "*" any).
    "times": N                 only the first N requests the rule matched (again
                               counted since the file last changed).
  What it does:
    "latency_ms": MS           wait MS milliseconds (adds up over rules).
    "status": CODE             answer this HTTP status (e.g. 503) with a short text
                               body; optional "retry_after": SECONDS header.
    "reset": true              read the request, then close the TCP connection with
                               a reset and no answer.
    "bad_xml": true | "TEXT"   HTTP 200, text/xml, but a body that is not XML.
    "soap_fault": "TEXT"       HTTP 500 with a SOAP Fault (faultcode Server).
    "not_reachable": [ID,...]  these recipients are not reachable (isReachable says
                               so; deliverSecure to them faults).
    "sender_not_accepted": true   the recipients (of "recipients", or all) do not
                               accept the sender.
    "after_store": true        with status/reset/bad_xml/soap_fault: first handle the
                               request normally (a deliverSecure is stored), then fail.
                               A correct client retries with the same message Id; the
                               retry is answered Delivered and not stored again.
  status, reset, bad_xml and soap_fault end the request: the first rule with one of
  them that applies stops the scan.  Write the file atomically (write a temporary
  file, then rename it) when changing it while the server runs.  A file that is not
  valid is reported on stderr and in the log ("faults_error") and otherwise ignored.

Log

  One JSON object per line and request: ts, endpoint, seq (per endpoint since start),
  client (CN of the TLS client certificate), connection (the number of the TLS
  connection it came on, counted from 1 since start: requests on a kept-alive
  connection share it), tls_resumed (the connection's handshake resumed a TLS
  session), http_status (null after a reset), ms,
  verdict ("accepted", "duplicate", "rejected", "failed" for an injected failure
  before processing, "tls-refused" for a refused handshake, which has endpoint null,
  "error" for a bug in this server, with a traceback on stderr),
  reason (why rejected), rules (the fault rules applied, as "endpoint[index]"),
  injected (the failure applied, if any; with after_store the verdict is the one of
  the normal handling), faults_error; for deliverSecure: sender, recipient,
  message_id (list), attachment_sha256 (list, decoded attachments in order),
  attachments (message_id, filename, content_type, bytes, sha256, is_pdf,
  checksum_md5_ok), signer_cert_sha256 (of the KeyInfo certificates), stored (file
  name), trans_id, duplicates (how often this delivery came again) and, for a
  duplicate, content_differs (its attachments differ from the stored ones); for
  isReachable: sender, recipients, reachable (the ids answered reachable, not
  pending and accepting the sender).

  Duplicates: a delivery is identified by its recipient and its message Id(s).  A
  second one is answered Delivered with the first one's TransId and is not stored.

SOAP Fault ErrorCodes (applicationFault detail): 1001 not XML / DOCTYPE, 1002 not a
SOAP 1.1 envelope, 1003 unsupported operation, 1004 not valid against the XSD,
2001 signature, 3001 recipient not reachable, 3002 sender not accepted, 3003 message
too large, 9000 injected soap_fault, 9998 internal error of this server.
Personnummer in faultstrings are masked as YYYYMMDD-****, as expediera masks them.
"""

import argparse
import base64
import copy
import datetime
import fnmatch
import hashlib
import http.server
import json
import os
import re
import signal
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time
import traceback
import uuid
from xml.sax.saxutils import escape

try:
    from lxml import etree
    import xmlsec
except ImportError:  # e.g. a pyenv python3 first in PATH: use Debian's, which has both
    if os.path.exists("/usr/bin/python3") and \
            os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    sys.exit("refserver: needs lxml and xmlsec (Debian packages python3-lxml, python3-xmlsec)")


# --- namespaces and constants ------------------------------------------------------

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
DS = "http://www.w3.org/2000/09/xmldsig#"
RECIPIENT_V3 = "http://minameddelanden.gov.se/schema/Recipient/v3"
RECIPIENT = "http://minameddelanden.gov.se/schema/Recipient"
SERVICE_V3 = "http://minameddelanden.gov.se/schema/Service/v3"
SERVICE = "http://minameddelanden.gov.se/schema/Service"
MESSAGE_V3 = "http://minameddelanden.gov.se/schema/Message/v3"
MESSAGE_V2 = "http://minameddelanden.gov.se/schema/Message/v2"
MESSAGE = "http://minameddelanden.gov.se/schema/Message"
SENDER = "http://minameddelanden.gov.se/schema/Sender"
COMMON_V3 = "http://minameddelanden.gov.se/schema/Common/v3"

NS = {"s": SOAP11, "ds": DS, "r3": RECIPIENT_V3, "sv3": SERVICE_V3, "m3": MESSAGE_V3,
      "m2": MESSAGE_V2, "m": MESSAGE, "snd": SENDER}

# The only algorithms SPEC.md section 6 allows for the two signatures.
ALG_EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
ALG_RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
ALG_SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
ALG_ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"


# Who the server says it is in isReachable's ServiceSupplier.
SUPPLIER_ID = "165500000001"
SUPPLIER_NAME = "expediera reference mailbox"

ENDPOINTS = {"/recipient": "recipient", "/deliversecure": "deliversecure"}
TERMINAL = ("status", "reset", "bad_xml", "soap_fault")
RULE_KEYS = {"request", "recipients", "times", "latency_ms", "status", "retry_after",
             "reset", "bad_xml", "soap_fault", "not_reachable", "sender_not_accepted",
             "after_store", "comment"}

PERSONNUMMER = re.compile(r"\b((?:18|19|20)\d{6})-?\d{4}\b")


def mask(text):
    """Personnummer as YYYYMMDD-**** (organisationsnummer 16... are left alone)."""
    return PERSONNUMMER.sub(lambda m: m.group(1) + "-****", text)


def now_iso():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds")


def id_matches(rid, patterns):
    """Exact id, "PREFIX*", or "*"."""
    return any(fnmatch.fnmatchcase(rid, p) for p in patterns)


class Reject(Exception):
    """An invalid request: answered with a SOAP Fault (HTTP 500), logged as rejected."""

    def __init__(self, error_code, text, faultcode="Client"):
        super().__init__(text)
        self.error_code = error_code
        self.text = text
        self.faultcode = faultcode


# --- SOAP answers ------------------------------------------------------------------

def envelope(payload):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<S:Envelope xmlns:S="{SOAP11}"><S:Body>{payload}</S:Body></S:Envelope>\n'
            ).encode("utf-8")


def fault_payload(faultcode, text, error_code):
    """A SOAP 1.1 Fault whose detail is the contract's commonv3:applicationFault."""
    t = escape(mask(text))
    return (f"<S:Fault><faultcode>S:{faultcode}</faultcode><faultstring>{t}</faultstring>"
            f'<detail><c:applicationFault xmlns:c="{COMMON_V3}">'
            f"<c:ErrorCode>{int(error_code)}</c:ErrorCode><c:Description>{t}</c:Description>"
            f"<c:CallId>{uuid.uuid4()}</c:CallId></c:applicationFault></detail></S:Fault>")


def fault_body(faultcode, text, error_code):
    return envelope(fault_payload(faultcode, text, error_code))


def standalone(elem, rename=None):
    """ELEM as a document of its own, the document its enveloped signature was made in
    (the root element of a new lxml document; what would be written to a file and
    read back, without writing and reading it).

    The signatures' Reference has no C14N transform of its own, so the digest is over
    the INCLUSIVE canonical form: every namespace declaration in scope on the document
    element counts.  The declarations that ELEM carries itself are kept; of those it
    inherits from the SOAP envelope only the ones its subtree uses are declared again
    (which is what lxml's deepcopy does).  RENAME = (prefix, namespace, localname)
    gives the element another name, for the SealedDelivery that travels as
    sv3:deliverSecure; the wire-only namespaces are then not declared on it."""
    if rename is None:
        doc = copy.deepcopy(elem)
    else:
        prefix, ns, name = rename
        parent = elem.getparent()
        inherited = parent.nsmap if parent is not None else {}
        own = {p: u for p, u in elem.nsmap.items()
               if inherited.get(p) != u and u not in (SOAP11, SERVICE_V3) and p != prefix}
        doc = etree.Element(etree.QName(ns, name), nsmap={prefix: ns, **own},
                            attrib=dict(elem.attrib))
        doc.text = elem.text
        for child in elem:
            doc.append(copy.deepcopy(child))
    doc.tail = None
    return doc


# --- configuration files re-read while running --------------------------------------

class JsonFile:
    """A JSON file read again whenever it changes (mtime, size or inode)."""

    def __init__(self, path):
        self.path = path
        self.stamp = None
        self.value = None
        self.error = None
        self.lock = threading.Lock()

    def get(self):
        """(value, changed, error); value None when there is no file (or it is bad)."""
        with self.lock:
            if not self.path:
                return None, False, None
            try:
                st = os.stat(self.path)
                stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
            except FileNotFoundError:
                stamp = None
            if stamp == self.stamp and self.error is None:
                return self.value, False, None
            value, error = None, None
            if stamp is not None:
                try:
                    with open(self.path, encoding="utf-8") as f:
                        value = json.load(f)
                    error = self.check(value)
                except (OSError, ValueError) as e:
                    error = f"{self.path}: {e}"
                if error:
                    value = None
            # A bad file is not remembered as read: the next request tries again
            # (it may have been caught half-written).
            changed = stamp != self.stamp
            self.stamp, self.value, self.error = stamp, value, error
            return value, changed, error

    def check(self, value):
        return None


class RecipientsFile(JsonFile):
    def check(self, value):
        if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
            return f"{self.path}: must be an object of objects"
        for rid, v in value.items():
            bad = set(v) - {"reachable", "pending", "sender_accepted"}
            if bad:
                return f"{self.path}: {rid}: unknown key(s) {sorted(bad)}"
        return None


class FaultsFile(JsonFile):
    def check(self, value):
        if not isinstance(value, dict):
            return f"{self.path}: must be an object mapping endpoints to lists of rules"
        for ep, rules in value.items():
            if ep not in ("recipient", "deliversecure", "*"):
                return f"{self.path}: unknown endpoint {ep!r}"
            if not isinstance(rules, list) or not all(isinstance(r, dict) for r in rules):
                return f"{self.path}: {ep}: must be a list of objects"
            for i, r in enumerate(rules):
                bad = set(r) - RULE_KEYS
                if bad:
                    return f"{self.path}: {ep}[{i}]: unknown key(s) {sorted(bad)}"
                if sum(1 for k in TERMINAL if r.get(k)) > 1:
                    return f"{self.path}: {ep}[{i}]: at most one of {', '.join(TERMINAL)}"
                problem = self.check_types(r)
                if problem:
                    return f"{self.path}: {ep}[{i}]: {problem}"
        return None


    @staticmethod
    def check_types(r):
        def ints(v):
            return isinstance(v, int) and not isinstance(v, bool) and v >= 0

        def strings(v):
            return isinstance(v, list) and all(isinstance(x, str) for x in v)

        req = r.get("request", 1)
        if not (ints(req) or (isinstance(req, list) and all(ints(x) for x in req))):
            return '"request" must be a number or a list of numbers'
        for k in ("times", "latency_ms", "retry_after"):
            if k in r and not ints(r[k]):
                return f'"{k}" must be a number'
        if "status" in r and not (ints(r["status"]) and 100 <= r["status"] <= 599):
            return '"status" must be an HTTP status code'
        for k in ("recipients", "not_reachable"):
            if k in r and not strings(r[k]):
                return f'"{k}" must be a list of recipient ids'
        if "soap_fault" in r and not isinstance(r["soap_fault"], str):
            return '"soap_fault" must be the faultstring'
        return None


class Plan:
    """What the fault rules decided for one request."""

    def __init__(self):
        self.latency_ms = 0
        self.terminal = None          # the rule that ends the request, if any
        self.not_reachable = []       # id patterns
        self.not_accepted = []        # id patterns ("*" = all)
        self.applied = []             # "endpoint[index]" of every rule applied
        self.error = None             # the faults file could not be used


class Faults:
    """Fault-injection rules and their counters."""

    def __init__(self, path):
        self.file = FaultsFile(path)
        self.lock = threading.Lock()
        self.count = {}               # endpoint -> requests since the file changed
        self.used = {}                # (endpoint key, index) -> times applied

    def plan(self, endpoint, recipients_of):
        """Decide for the next request to ENDPOINT.  RECIPIENTS_OF() lists the
        request's recipient ids; it is called only when some rule filters on them."""
        plan = Plan()
        rules, changed, error = self.file.get()
        plan.error = error
        # The request's recipients, parsed outside the lock and only when needed.
        ids = None
        if rules and any("recipients" in r for lst in rules.values() for r in lst):
            ids = recipients_of()
        with self.lock:
            if changed:
                self.count.clear()
                self.used.clear()
            n = self.count[endpoint] = self.count.get(endpoint, 0) + 1
            if not rules:
                return plan
            todo = [(endpoint, i, r) for i, r in enumerate(rules.get(endpoint, []))]
            todo += [("*", i, r) for i, r in enumerate(rules.get("*", []))]
            for key, i, rule in todo:
                want = rule.get("request")
                if want is not None and n not in (want if isinstance(want, list) else [want]):
                    continue
                if "recipients" in rule:
                    if not any(id_matches(rid, rule["recipients"]) for rid in ids):
                        continue
                if "times" in rule and self.used.get((key, i), 0) >= rule["times"]:
                    continue
                self.used[(key, i)] = self.used.get((key, i), 0) + 1
                plan.applied.append(f"{key}[{i}]")
                plan.latency_ms += int(rule.get("latency_ms", 0))
                plan.not_reachable += list(rule.get("not_reachable", []))
                if rule.get("sender_not_accepted"):
                    plan.not_accepted += list(rule.get("recipients", ["*"]))
                if any(rule.get(k) for k in TERMINAL):
                    plan.terminal = rule
                    break
        return plan


# --- signatures ----------------------------------------------------------------------

class Verifier:
    """Verifies the enveloped signature under the root of a standalone document with
    xmlsec1's library, against the trust --trusted-signer names (see "Signatures").
    Everything it needs is loaded once; check() may be called from any thread."""

    def __init__(self, cert):
        k = xmlsec.constants
        self.cert = cert
        self.mode = "keyinfo"
        self.manager = None
        self.pinned = None
        # One KeysManager for all requests (making one costs ~25 ms of OpenSSL store
        # setup); xmlsec1 does not promise that two threads may share it, so a lock.
        self.lock = threading.Lock()
        # KeyInfo certificate (DER) -> its public key, for the mode without a trusted
        # signer.  Keys are held without their certificate: a context copies the key
        # it is given, and copying a certificate costs more than the verification.
        self.keys = {}
        if cert:
            out = subprocess.run(["openssl", "x509", "-in", cert, "-noout", "-ext",
                                  "basicConstraints"], capture_output=True, text=True)
            if out.returncode != 0:
                sys.exit(f"refserver: --trusted-signer {cert}: not a PEM certificate")
            try:
                if "CA:TRUE" in out.stdout:
                    self.mode = "ca"
                    self.manager = xmlsec.KeysManager()
                    self.manager.load_cert(cert, k.KeyDataFormatCertPem, k.KeyDataTypeTrusted)
                else:
                    self.mode = "pinned"
                    with open(cert, "rb") as f:
                        self.pinned = self.public_key(f.read(), "PEM")
                    if self.pinned is None:
                        sys.exit(f"refserver: --trusted-signer {cert}: no public key in it")
            except xmlsec.Error as e:
                sys.exit(f"refserver: --trusted-signer {cert}: xmlsec cannot load it: {e}")

    @staticmethod
    def public_key(cert, form):
        """The public key of certificate CERT (bytes, FORM "PEM" or "DER") as an
        xmlsec key without the certificate; None when CERT is not a certificate."""
        out = subprocess.run(["openssl", "x509", "-inform", form, "-noout", "-pubkey"],
                             input=cert, capture_output=True)
        if out.returncode != 0:
            return None
        try:
            return xmlsec.Key.from_memory(out.stdout, xmlsec.constants.KeyDataFormatPem)
        except xmlsec.Error:
            return None

    def keyinfo_key(self, der):
        """The key of the KeyInfo certificate DER, cached."""
        with self.lock:
            key = self.keys.get(der)
        if key is None:
            key = self.public_key(der, "DER")
            if key is not None:
                with self.lock:
                    if len(self.keys) >= 256:
                        self.keys.clear()
                    self.keys[der] = key
        return key

    @staticmethod
    def restrict(ctx):
        """Only the algorithms SPEC.md names, whatever the Signature asks for."""
        k = xmlsec.constants
        for t in (k.TransformExclC14N, k.TransformRsaSha256):
            ctx.enable_signature_transform(t)
        for t in (k.TransformEnveloped, k.TransformExclC14N, k.TransformSha256):
            ctx.enable_reference_transform(t)

    @staticmethod
    def signature_of(root):
        """The ds:Signature that is a child of ROOT."""
        sigs = [c for c in root if c.tag == f"{{{DS}}}Signature"]
        if len(sigs) != 1:
            raise Reject(2001, f"{len(sigs)} ds:Signature elements under the root, "
                               "expected exactly one")
        return sigs[0]

    def check(self, root, keyinfo_der):
        """Verifies the signature under ROOT, the root of a standalone document;
        returns None when the signature holds, else why not (text)."""
        k = xmlsec.constants
        sig = self.signature_of(root)
        if self.mode == "ca":
            ctx = xmlsec.SignatureContext(self.manager)
            ctx.set_enabled_key_data([k.KeyDataX509])
        else:
            ctx = xmlsec.SignatureContext()
            key = self.pinned if self.mode == "pinned" else self.keyinfo_key(keyinfo_der)
            if key is None:
                return "the certificate in KeyInfo holds no usable key"
            ctx.key = key
        self.restrict(ctx)
        try:
            if self.mode == "ca":
                with self.lock:
                    ctx.verify(sig)
            else:
                ctx.verify(sig)
            return None
        except xmlsec.VerificationError:
            return self.explain(root, sig)
        except xmlsec.Error as e:
            if self.mode == "ca":
                # No key came out of KeyInfo: is it the certificate, or the signature?
                why = self.check_untrusted(root, sig, keyinfo_der)
                if why is not None:
                    return why
            return f"xmlsec: {e.args[-1] if e.args else e}"

    def check_untrusted(self, root, sig, der):
        """CA mode failed without a verdict: verified with the KeyInfo certificate's own
        key, does the signature hold?  Then the certificate is what is not trusted."""
        ctx = xmlsec.SignatureContext()
        key = self.keyinfo_key(der)
        if key is None:
            return None
        try:
            ctx.key = key
            self.restrict(ctx)
            ctx.verify(sig)
        except xmlsec.VerificationError:
            return self.explain(root, sig)
        except xmlsec.Error:
            return None
        pem = ("-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(der).decode("ascii")
               + "-----END CERTIFICATE-----\n")
        out = subprocess.run(["openssl", "verify", "-CAfile", self.cert], input=pem,
                             capture_output=True, text=True)
        m = re.search(r"error \d+ at \d+ depth lookup: ([^\n]*)", out.stdout + out.stderr)
        return "signer certificate not trusted" + (f": {m.group(1)}" if m else "")

    @staticmethod
    def explain(root, sig):
        """Why a signature that xmlsec1 found invalid is: the digest of the document
        (recomputed: enveloped-signature, then the C14N the Reference names or the
        inclusive default) or the signature value."""
        ref = sig.find("ds:SignedInfo/ds:Reference", namespaces=NS)
        want = (ref.findtext("ds:DigestValue", namespaces=NS) or "").strip() \
            if ref is not None else ""
        exclusive = ref is not None and any(
            t.get("Algorithm") == ALG_EXC_C14N
            for t in ref.findall("ds:Transforms/ds:Transform", namespaces=NS))
        doc = copy.deepcopy(root)
        for s in doc.findall("ds:Signature", namespaces=NS):
            # Remove the element, not the text after it.
            prev, parent = s.getprevious(), s.getparent()
            if s.tail:
                if prev is not None:
                    prev.tail = (prev.tail or "") + s.tail
                else:
                    parent.text = (parent.text or "") + s.tail
            parent.remove(s)
        c14n = etree.tostring(doc.getroottree(), method="c14n", exclusive=exclusive)
        got = base64.b64encode(hashlib.sha256(c14n).digest()).decode("ascii")
        if got != want:
            return ("digest mismatch: the signed content differs from what was signed "
                    "(changed after signing, or signed in another form)")
        return "the signature value does not verify with the signer's key"


# --- the mailbox: validation, signatures, store, log ---------------------------------

class Mailbox:
    def __init__(self, args):
        self.args = args
        schema_dir = os.path.join(args.contracts, "schema", "v3")
        # The v3 XSDs import the others by relative path: parse them from files so
        # the base URL is right.  lxml never fetches over the network by default.
        self.schemas = {
            "recipient": etree.XMLSchema(etree.parse(os.path.join(schema_dir, "Recipient.xsd"))),
            "deliversecure": etree.XMLSchema(etree.parse(os.path.join(schema_dir, "Service.xsd"))),
        }
        self.schema_lock = threading.Lock()   # one XMLSchema is not used by two threads
        self.recipients = RecipientsFile(args.recipients)
        self.faults = Faults(args.faults)
        self.verifier = Verifier(args.trusted_signer)
        self.port = None
        self.lock = threading.Lock()          # store, index, counters
        self.seq = {}
        self.stats = {"requests": 0, "accepted": 0, "duplicate": 0, "rejected": 0,
                      "failed": 0, "tls-refused": 0, "stored": 0}
        self.index = {}                       # delivery key -> index record
        self.stored = 0
        self.log_file = None
        if args.log:
            self.log_file = open(args.log, "a", encoding="utf-8")
        if args.store:
            os.makedirs(args.store, mode=0o700, exist_ok=True)
            self.load_index()

    # -- log -----------------------------------------------------------------------

    def next_seq(self, endpoint):
        with self.lock:
            self.seq[endpoint] = self.seq.get(endpoint, 0) + 1
            return self.seq[endpoint]

    def log(self, record):
        record = {"ts": now_iso(), **record}
        line = json.dumps(record, ensure_ascii=False)
        with self.lock:
            if record.get("endpoint") is not None:       # an HTTP request, not a handshake
                self.stats["requests"] += 1
            if record.get("verdict") in self.stats:
                self.stats[record["verdict"]] += 1
            if self.log_file:
                self.log_file.write(line + "\n")
                self.log_file.flush()
        if self.args.verbose and record.get("endpoint") is None:
            print(f"refserver: TLS handshake refused: {record.get('reason')}",
                  file=sys.stderr, flush=True)
        elif self.args.verbose:
            print(f"refserver: {record.get('endpoint')} #{record.get('seq')} "
                  f"{record.get('http_status')} {record.get('verdict')}"
                  f"{': ' + mask(record['reason']) if record.get('reason') else ''}",
                  file=sys.stderr, flush=True)

    # -- parsing -------------------------------------------------------------------

    @staticmethod
    def parse(body):
        """Well-formed XML without DOCTYPE; no entity expansion, no network."""
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                                 dtd_validation=False, huge_tree=False)
        try:
            doc = etree.fromstring(body, parser).getroottree()
        except etree.XMLSyntaxError as e:
            raise Reject(1001, f"request is not well-formed XML: {e}")
        info = doc.docinfo
        if info.doctype or info.internalDTD is not None or info.externalDTD is not None:
            raise Reject(1001, "request has a DOCTYPE; SOAP messages must not have one")
        return doc

    def payload(self, endpoint, body):
        """Parse BODY, check the SOAP 1.1 envelope and validate its payload."""
        root = self.parse(body).getroot()
        if root.tag == f"{{{SOAP12}}}Envelope":
            raise Reject(1002, "SOAP 1.2 envelope; this service speaks SOAP 1.1 "
                               f"(namespace {SOAP11})")
        if root.tag != f"{{{SOAP11}}}Envelope":
            raise Reject(1002, f"root element is {root.tag}, expected a SOAP 1.1 Envelope")
        kids = [k for k in root if isinstance(k.tag, str)]
        names = [etree.QName(k).localname if etree.QName(k).namespace == SOAP11 else k.tag
                 for k in kids]
        if names not in (["Body"], ["Header", "Body"]):
            raise Reject(1002, f"Envelope must hold an optional Header and one Body, has {names}")
        soap_body = kids[-1]
        if (soap_body.text or "").strip() or any((k.tail or "").strip() for k in soap_body):
            raise Reject(1002, "text directly inside soap:Body")
        elements = [k for k in soap_body if isinstance(k.tag, str)]
        if len(elements) != 1:
            raise Reject(1002, f"soap:Body must hold exactly one element, holds {len(elements)}")
        payload = elements[0]
        want = {"recipient": f"{{{RECIPIENT_V3}}}isReachable",
                "deliversecure": f"{{{SERVICE_V3}}}deliverSecure"}[endpoint]
        if payload.tag != want:
            raise Reject(1003, f"operation {payload.tag} is not served at /{endpoint} "
                               f"(expected {want})")
        schema = self.schemas[endpoint]
        with self.schema_lock:
            ok = schema.validate(payload)
            errors = [f"line {e.line}: {e.message}" for e in schema.error_log][:3]
        if not ok:
            raise Reject(1004, "not valid against the Mina meddelanden XSD: " + "; ".join(errors))
        return payload

    def self_check(self, endpoint, answer):
        """Our own answers must be valid too; a failure here is a bug in this file."""
        payload = etree.fromstring(answer)[0][0]
        schema = self.schemas[endpoint]
        with self.schema_lock:
            if not schema.validate(payload):
                raise RuntimeError(f"refserver produced an invalid answer: {schema.error_log}")

    # -- recipients ----------------------------------------------------------------

    def account(self, rid, plan):
        """(reachable, pending, sender_accepted) of recipient RID for this request."""
        table, _, error = self.recipients.get()
        if error:
            print(f"refserver: {error}", file=sys.stderr, flush=True)
        table = table or {}
        entry = {**table.get("*", {}), **table.get(rid, {})}
        reachable = bool(entry.get("reachable", True))
        pending = bool(entry.get("pending", False))
        accepted = bool(entry.get("sender_accepted", reachable))
        if id_matches(rid, plan.not_reachable):
            reachable, accepted = False, False
        if id_matches(rid, plan.not_accepted):
            accepted = False
        return reachable, pending, accepted

    # -- isReachable ---------------------------------------------------------------

    def is_reachable(self, body, plan, record):
        req = self.payload("recipient", body)
        sender = req.findtext("r3:senderOrgNr", namespaces=NS)
        ids = [e.text for e in req.findall("r3:recipientId", namespaces=NS)]
        record.update(sender=sender, recipients=ids, reachable=[])
        base = f"https://127.0.0.1:{self.port}"
        parts = []
        for rid in ids:
            reachable, pending, accepted = self.account(rid, plan)
            if reachable and accepted and not pending:
                record["reachable"].append(rid)
            supplier = ""
            if reachable:
                supplier = (f"<r:ServiceSupplier><r:Id>{SUPPLIER_ID}</r:Id>"
                            f"<r:Name>{SUPPLIER_NAME}</r:Name>"
                            f"<r:ServiceAdress>{base}/deliversecure</r:ServiceAdress>"
                            f"<r:UIAdress>{base}/</r:UIAdress>"
                            f"<r:InternalServiceAdress/></r:ServiceSupplier>"
                            f"<r:LastRegistration>2020-01-01T12:00:00.000+01:00</r:LastRegistration>")
            parts.append(
                f"<ns1:return><r:AccountStatus><r:RecipientId>{escape(rid)}</r:RecipientId>"
                f"<r:Type>{'Secure' if reachable else 'Not'}</r:Type>"
                f"<r:Pending>{str(pending).lower()}</r:Pending>{supplier}</r:AccountStatus>"
                f"<r:SenderAccepted>{str(accepted).lower()}</r:SenderAccepted></ns1:return>")
        answer = envelope(f'<ns1:isReachableResponse xmlns:ns1="{RECIPIENT_V3}" '
                          f'xmlns:r="{RECIPIENT}">{"".join(parts)}</ns1:isReachableResponse>')
        self.self_check("recipient", answer)
        record["verdict"] = "accepted"
        return answer

    # -- deliverSecure: signatures -------------------------------------------------

    @staticmethod
    def check_signature_form(parent, what):
        """The Signature child of PARENT uses exactly the algorithms SPEC.md allows."""
        sig = parent.find("ds:Signature", namespaces=NS)
        if sig is None:
            raise Reject(2001, f"{what}: no ds:Signature")

        def alg(path):
            e = sig.find(path, namespaces=NS)
            return None if e is None else e.get("Algorithm")

        if alg("ds:SignedInfo/ds:CanonicalizationMethod") != ALG_EXC_C14N:
            raise Reject(2001, f"{what} signature: CanonicalizationMethod must be {ALG_EXC_C14N}")
        if alg("ds:SignedInfo/ds:SignatureMethod") != ALG_RSA_SHA256:
            raise Reject(2001, f"{what} signature: SignatureMethod must be {ALG_RSA_SHA256}")
        refs = sig.findall("ds:SignedInfo/ds:Reference", namespaces=NS)
        if len(refs) != 1 or refs[0].get("URI") != "":
            raise Reject(2001, f'{what} signature: must have exactly one Reference, with '
                               f'URI="" (the whole {what})')
        transforms = [t.get("Algorithm") for t in
                      refs[0].findall("ds:Transforms/ds:Transform", namespaces=NS)]
        if transforms not in ([ALG_ENVELOPED], [ALG_ENVELOPED, ALG_EXC_C14N]):
            raise Reject(2001, f"{what} signature: Transforms must be enveloped-signature "
                               f"(optionally followed by exclusive C14N), are {transforms}")
        if alg("ds:SignedInfo/ds:Reference/ds:DigestMethod") != ALG_SHA256:
            raise Reject(2001, f"{what} signature: DigestMethod must be {ALG_SHA256}")
        certs = sig.findall("ds:KeyInfo/ds:X509Data/ds:X509Certificate", namespaces=NS)
        if not certs or not (certs[0].text or "").strip():
            raise Reject(2001, f"{what} signature: KeyInfo must carry the signer's "
                               "certificate (X509Data/X509Certificate)")
        try:
            der = base64.b64decode("".join(certs[0].text.split()), validate=True)
        except ValueError:
            raise Reject(2001, f"{what} signature: X509Certificate is not base64")
        return der

    def xmlsec_verify(self, root, der, what):
        """Verify the signature that is a child of ROOT (see "Signatures")."""
        why = self.verifier.check(root, der)
        if why is not None:
            raise Reject(2001, f"{what} signature does not verify: {why}")

    def verify_signatures(self, sealed):
        """SEALED: the inner deliverSecure element (type SealedDelivery)."""
        signed = sealed.find("m3:SignedDelivery", namespaces=NS)
        inner_der = self.check_signature_form(signed, "SignedDelivery")
        seal_der = self.check_signature_form(sealed, "SealedDelivery")
        # SignedDelivery: the element as it stands, as its own document.
        self.xmlsec_verify(standalone(signed), inner_der, "SignedDelivery")
        # Seal: the SealedDelivery document the sender signed, i.e. the wire element
        # renamed back to m3:SealedDelivery with the prefix its SignedDelivery uses.
        self.xmlsec_verify(standalone(sealed, rename=(signed.prefix, MESSAGE_V3, "SealedDelivery")),
                           seal_der, "Seal (SealedDelivery)")
        return {"signed_delivery": hashlib.sha256(inner_der).hexdigest(),
                "seal": hashlib.sha256(seal_der).hexdigest()}

    # -- deliverSecure: store --------------------------------------------------------

    def load_index(self):
        path = os.path.join(self.args.store, "index.jsonl")
        if not os.path.exists(path):
            return
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    rec = json.loads(line)
                    self.index[rec["key"]] = rec
                    self.stored = max(self.stored, rec["n"])

    def store(self, key, body, message_ids, trans_id, attachments):
        """Store BODY unless KEY was stored before; returns (index record, duplicate)."""
        with self.lock:
            rec = self.index.get(key)
            if rec is not None:
                rec["duplicates"] = rec.get("duplicates", 0) + 1
                return rec, True
            self.stored += 1
            name = None
            if self.args.store:
                safe = re.sub(r"[^A-Za-z0-9._-]", "_", message_ids[0])[:100] or "message"
                name = f"{self.stored:06d}-{safe}.xml"
                fd = os.open(os.path.join(self.args.store, name),
                             os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as f:
                    f.write(body)
            rec = {"key": key, "n": self.stored, "file": name, "trans_id": trans_id,
                   "message_id": message_ids,
                   "attachment_sha256": [a["sha256"] for a in attachments], "duplicates": 0}
            self.index[key] = rec
            self.stats["stored"] += 1
            if self.args.store:
                fd = os.open(os.path.join(self.args.store, "index.jsonl"),
                             os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
                with os.fdopen(fd, "w", encoding="utf-8") as f:
                    f.write(json.dumps({k: v for k, v in rec.items() if k != "duplicates"})
                            + "\n")
            return rec, False

    # -- deliverSecure -------------------------------------------------------------

    def deliver_secure(self, body, plan, record):
        req = self.payload("deliversecure", body)
        sealed = req.find("sv3:deliverSecure", namespaces=NS)
        header = sealed.find("m3:SignedDelivery/m3:Delivery/m3:Header", namespaces=NS)
        sender = header.findtext("m2:Sender/snd:Id", namespaces=NS)
        rid = header.findtext("m2:Recipient", namespaces=NS)
        messages = sealed.findall("m3:SignedDelivery/m3:Delivery/m3:Message", namespaces=NS)
        ids = [m.findtext("m3:Header/m3:Id", namespaces=NS) for m in messages]
        record.update(sender=sender, recipient=rid, message_id=ids)

        # What was sent: attachment hashes, sizes, the MD5 Checksum (logged, not enforced:
        # the contract's own sample does not carry an MD5 there).
        attachments = []
        for mid, m in zip(ids, messages):
            total = len(base64.b64decode("".join(
                (m.findtext("m3:Body/m:Body", namespaces=NS) or "").split())))
            for a in m.findall("m3:Attachment", namespaces=NS):
                data = base64.b64decode("".join((a.findtext("m:Body", namespaces=NS) or "").split()))
                total += len(data)
                attachments.append({
                    "message_id": mid,
                    "filename": a.findtext("m:Filename", namespaces=NS),
                    "content_type": a.findtext("m:ContentType", namespaces=NS),
                    "bytes": len(data),
                    "sha256": hashlib.sha256(data).hexdigest(),
                    "is_pdf": data.startswith(b"%PDF-"),
                    "checksum_md5_ok": (a.findtext("m:Checksum", namespaces=NS) or "").strip().lower()
                    == hashlib.md5(data).hexdigest(),
                })
            if total > self.args.max_message_bytes:
                record.update(attachment_sha256=[x["sha256"] for x in attachments],
                              attachments=attachments)
                raise Reject(3003, f"message {mid} is {total} bytes; the limit is "
                                   f"{self.args.max_message_bytes}")
        record.update(attachment_sha256=[a["sha256"] for a in attachments],
                      attachments=attachments)

        record["signer_cert_sha256"] = self.verify_signatures(sealed)

        reachable, pending, accepted = self.account(rid, plan)
        if not reachable or pending:
            raise Reject(3001, f"recipient {rid} has no {'active ' if pending else ''}"
                               "mailbox at this operator")
        if not accepted:
            raise Reject(3002, f"recipient {rid} does not accept messages from sender {sender}")

        key = rid + "/" + "+".join(sorted(ids))
        trans_id = str(uuid.uuid4())
        rec, duplicate = self.store(key, body, ids, trans_id, attachments)
        record.update(stored=rec["file"], trans_id=rec["trans_id"],
                      duplicates=rec.get("duplicates", 0),
                      verdict="duplicate" if duplicate else "accepted")
        if duplicate:
            record["content_differs"] = rec["attachment_sha256"] != record["attachment_sha256"]
        answer = envelope(
            f'<ns8:deliverSecureResponse xmlns:ns8="{SERVICE_V3}" xmlns:ns10="{SERVICE}">'
            f"<ns8:return><ns10:TransId>{rec['trans_id']}</ns10:TransId>"
            f"<ns10:Status><ns10:RecipientId>{escape(rid)}</ns10:RecipientId>"
            f"<ns10:Delivered>true</ns10:Delivered></ns10:Status></ns8:return>"
            f"</ns8:deliverSecureResponse>")
        self.self_check("deliversecure", answer)
        return answer

    @staticmethod
    def peek_recipients(endpoint, body):
        """Recipient ids of a request, leniently, for rules with "recipients"."""
        try:
            root = Mailbox.parse(body).getroot()
        except Reject:
            return []
        path = ".//r3:recipientId" if endpoint == "recipient" else ".//m2:Recipient"
        return [e.text or "" for e in root.iterfind(path, namespaces=NS)]


# --- HTTP ----------------------------------------------------------------------------

class TooLarge(Exception):
    pass


# The TLS connection a handler thread serves (Server.finish_request sets it).
CONNECTION = threading.local()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"      # keep-alive: libcurl reuses connections
    # An answer leaves at once, in one write: without these the headers go first
    # and the body waits for the client's delayed ACK (Nagle), 40 ms per request
    # on a kept-alive connection.  handle_one_request() flushes after each request.
    disable_nagle_algorithm = True
    wbufsize = 64 * 1024
    server_version = "expediera-refserver"
    sys_version = ""
    timeout = 120                      # a silent client does not hold a thread forever

    def log_message(self, fmt, *args):  # the JSON log says it all; keep stderr quiet
        pass

    def handle_expect_100(self):
        # "100 Continue" must leave now, not with the answer: the client waits for it
        # before it sends the body (curl does for bodies over 1 MB).
        ok = super().handle_expect_100()
        self.wfile.flush()
        return ok

    @property
    def box(self):
        return self.server.mailbox

    def client_cn(self):
        try:
            cert = self.connection.getpeercert()
            for rdn in cert.get("subject", ()):
                for k, v in rdn:
                    if k == "commonName":
                        return v
        except (AttributeError, ValueError):
            pass
        return None

    def read_body(self):
        limit = self.box.args.max_request_bytes
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts, size = [], 0
            while True:
                line = self.rfile.readline(1024)
                n = int(line.split(b";")[0].strip() or b"0", 16)
                if n == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                size += n
                if size > limit:
                    raise TooLarge()
                parts.append(self.rfile.read(n))
                self.rfile.readline(1024)
        length = self.headers.get("Content-Length")
        if length is None:
            return None
        if int(length) > limit:
            raise TooLarge()
        return self.rfile.read(int(length))

    def send(self, status, body, ctype="text/xml; charset=utf-8", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def reset(self):
        """Close the TCP connection with a RST and no answer."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.connection.close()
        except OSError:
            pass

    def do_GET(self):
        if self.path.split("?")[0] == "/status":
            with self.box.lock:
                body = json.dumps({"port": self.box.port, **self.box.stats}).encode() + b"\n"
            self.send(200, body, "application/json")
        else:
            self.send(405, b"POST a SOAP request to /recipient or /deliversecure\n",
                      "text/plain; charset=utf-8", [("Allow", "POST")])

    def do_POST(self):
        started = time.monotonic()
        endpoint = ENDPOINTS.get(self.path.split("?")[0])
        record = {"endpoint": endpoint or self.path[:200], "client": self.client_cn(),
                  "connection": getattr(CONNECTION, "number", None),
                  "tls_resumed": getattr(CONNECTION, "resumed", None)}
        if endpoint:
            record["seq"] = self.box.next_seq(endpoint)
        try:
            body = self.read_body()
        except (TooLarge, ValueError) as e:
            self.close_connection = True
            status = 413 if isinstance(e, TooLarge) else 400
            record.update(http_status=status, verdict="rejected",
                          reason="request too large" if status == 413 else "bad chunked body")
            self.send(status, (record["reason"] + "\n").encode(), "text/plain; charset=utf-8")
            self.box.log(record)
            return
        if body is None:
            self.close_connection = True
            record.update(http_status=411, verdict="rejected", reason="no Content-Length")
            self.send(411, b"Content-Length required\n", "text/plain; charset=utf-8")
            self.box.log(record)
            return
        if endpoint is None:
            record.update(http_status=404, verdict="rejected", reason="no such endpoint")
            self.send(404, b"no such endpoint; use /recipient or /deliversecure\n",
                      "text/plain; charset=utf-8")
            self.box.log(record)
            return

        plan = self.box.faults.plan(endpoint, lambda: Mailbox.peek_recipients(endpoint, body))
        if plan.error:
            record["faults_error"] = plan.error
            print(f"refserver: faults ignored: {plan.error}", file=sys.stderr, flush=True)
        if plan.applied:
            record["rules"] = plan.applied
        delay = self.box.args.latency_ms + plan.latency_ms
        if delay > 0:
            time.sleep(delay / 1000.0)

        rule = plan.terminal
        if rule and not rule.get("after_store"):
            # Not handled, but say whom it was about (parsed leniently).
            ids = Mailbox.peek_recipients(endpoint, body)
            if endpoint == "deliversecure":
                record["recipient"] = ids[0] if ids else None
            else:
                record["recipients"] = ids
            record["verdict"] = "failed"
            self.inject(rule, record)
        else:
            status, answer = self.process(endpoint, body, plan, record)
            if rule:
                self.inject(rule, record)
            else:
                record["http_status"] = status
                self.send(status, answer)
        record["ms"] = round((time.monotonic() - started) * 1000, 1)
        self.box.log(record)

    def process(self, endpoint, body, plan, record):
        """Handle a request normally: (HTTP status, answer)."""
        ctype = self.headers.get("Content-Type", "")
        try:
            if not ctype.lower().startswith("text/xml"):
                raise Reject(1002, f"Content-Type is {ctype!r}; SOAP 1.1 over HTTP "
                                   "wants text/xml")
            if endpoint == "recipient":
                return 200, self.box.is_reachable(body, plan, record)
            return 200, self.box.deliver_secure(body, plan, record)
        except Reject as r:
            record.update(verdict="rejected", reason=r.text)
            return 500, fault_body(r.faultcode, r.text, r.error_code)
        except Exception as e:  # a bug here, or the store's disk: say so, keep serving
            traceback.print_exc()
            record.update(verdict="error", reason=f"refserver internal error: {e!r}")
            return 500, fault_body("Server", record["reason"], 9998)

    def inject(self, rule, record):
        """Fail the request as RULE says."""
        if rule.get("reset"):
            record.update(injected="reset", http_status=None)
            self.reset()
        elif rule.get("status"):
            status = int(rule["status"])
            headers = [("Retry-After", str(rule["retry_after"]))] if "retry_after" in rule else []
            record.update(injected=f"status {status}", http_status=status)
            self.send(status, f"refserver: injected HTTP {status}\n".encode(),
                      "text/plain; charset=utf-8", headers)
        elif rule.get("bad_xml"):
            junk = rule["bad_xml"] if isinstance(rule["bad_xml"], str) else \
                f'<?xml version="1.0"?>\n<S:Envelope xmlns:S="{SOAP11}"><S:Body><ns8:deliver'
            record.update(injected="bad_xml", http_status=200)
            self.send(200, junk.encode("utf-8") + b"\x00<<&&>>\n")
        elif rule.get("soap_fault"):
            record.update(injected=f"soap_fault {rule['soap_fault']}", http_status=500)
            self.send(500, fault_body("Server", str(rule["soap_fault"]), 9000))


class Server(http.server.ThreadingHTTPServer):
    """Threaded HTTPS server; the TLS handshake runs in the request's own thread."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    # socketserver's default backlog is 5: a client opening more connections at once
    # than that loses the SYNs beyond it and retries a second later.
    request_queue_size = socket.SOMAXCONN

    def __init__(self, port, context, mailbox):
        self.context = context
        self.mailbox = mailbox
        self.connections = 0                  # TLS connections accepted, for the log
        self.connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", port), Handler)   # never anything but 127.0.0.1

    def finish_request(self, request, client_address):
        request.settimeout(30)
        with self.connections_lock:
            self.connections += 1
            number = self.connections
        try:
            tls = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as e:
            # No client certificate, one from another CA, not TLS at all, ...
            self.mailbox.log({"endpoint": None, "verdict": "tls-refused",
                              "reason": str(e), "peer": client_address[0],
                              "connection": number})
            return
        # The handler runs in this thread: it finds the connection's facts here.
        CONNECTION.number = number
        CONNECTION.resumed = tls.session_reused
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            try:
                tls.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        # A client that hangs up mid-answer is no server error; anything else is.
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, ssl.SSLError, socket.timeout, TimeoutError)):
            return
        super().handle_error(request, client_address)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser(description="Reference Mina meddelanden mailbox service "
                                 "(isReachable + deliverSecure) for expediera's tests.")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--certs", help="directory written by mkcerts.sh")
    ap.add_argument("--cert", help="server certificate (PEM)")
    ap.add_argument("--key", help="server key (PEM)")
    ap.add_argument("--client-ca", help="CA that client certificates must chain to")
    ap.add_argument("--contracts",
                    default=os.path.join(repo, "schemas", "mina-meddelanden"))
    ap.add_argument("--recipients")
    ap.add_argument("--faults")
    ap.add_argument("--store")
    ap.add_argument("--log")
    ap.add_argument("--trusted-signer")
    ap.add_argument("--latency-ms", type=int, default=0)
    ap.add_argument("--max-message-bytes", type=int, default=2 * 1024 * 1024,
                    help="decoded body + attachments per Message (default 2 MiB)")
    ap.add_argument("--max-request-bytes", type=int, default=32 * 1024 * 1024)
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()

    if args.certs:
        args.cert = args.cert or os.path.join(args.certs, "server.pem")
        args.key = args.key or os.path.join(args.certs, "server.key")
        args.client_ca = args.client_ca or os.path.join(args.certs, "ca.pem")
    if not (args.cert and args.key and args.client_ca):
        ap.error("give --certs DIR, or --cert, --key and --client-ca")
    if not os.path.isdir(os.path.join(args.contracts, "schema", "v3")):
        ap.error(f"no contracts at {args.contracts} (--contracts DIR)")

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(args.cert, args.key)
    context.load_verify_locations(cafile=args.client_ca)
    context.verify_mode = ssl.CERT_REQUIRED        # mutual TLS: no certificate, no talk

    mailbox = Mailbox(args)
    server = Server(args.port, context, mailbox)
    mailbox.port = server.server_address[1]

    def stop(signum, frame):
        # shutdown() waits for serve_forever() to return: call it from another thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{mailbox.port}\n")
        os.replace(tmp, args.port_file)
    print(f"refserver: listening on https://127.0.0.1:{mailbox.port}/ "
          "(POST /recipient, POST /deliversecure)", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
        if args.port_file:
            try:
                os.unlink(args.port_file)
            except OSError:
                pass
        if mailbox.log_file:
            mailbox.log_file.close()
    print("refserver: stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
