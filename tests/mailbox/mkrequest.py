#!/usr/bin/python3
"""mkrequest.py -- build SOAP requests for the reference mailbox service (refserver.py):
what a correct client sends, for the self-test and for comparing expediera's output.

  mkrequest.py isreachable --sender ORGNR ID [ID ...]
  mkrequest.py deliversecure --signer-cert PEM --signer-key PEM --recipient ID
        --message-id ID [--sender ORGNR] [--sender-name NAME] [--subject TEXT]
        [--attachment FILE] [--tamper]

Writes the request (a SOAP 1.1 envelope) to stdout.

deliversecure signs the way SPEC.md section 6 says and refserver.py checks: the
SignedDelivery is signed as a document of its own (enveloped signature, Reference
URI="", RSA-SHA256, exclusive C14N for SignedInfo, SHA-256 digest, the certificate in
KeyInfo), then put into a SealedDelivery with a Seal, which is signed the same way as a
document of its own; the SealedDelivery's children then travel inside
sv3:deliverSecure/sv3:deliverSecure.  Both signatures are made with

  xmlsec1 --sign --privkey-pem KEY,CERT --node-xpath "/*/*[local-name()='Signature']" ...

on a template.  --tamper changes the Subject after signing (the server must refuse it).
"""

import argparse
import base64
import datetime
import hashlib
import os
import subprocess
import sys
import tempfile

try:
    from lxml import etree
except ImportError:
    if os.path.exists("/usr/bin/python3") and \
            os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    sys.exit("mkrequest: needs lxml (Debian package python3-lxml)")

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
RECIPIENT_V3 = "http://minameddelanden.gov.se/schema/Recipient/v3"
SERVICE_V3 = "http://minameddelanden.gov.se/schema/Service/v3"
MESSAGE_V3 = "http://minameddelanden.gov.se/schema/Message/v3"
MESSAGE_V2 = "http://minameddelanden.gov.se/schema/Message/v2"
MESSAGE = "http://minameddelanden.gov.se/schema/Message"
SENDER = "http://minameddelanden.gov.se/schema/Sender"
DS = "http://www.w3.org/2000/09/xmldsig#"

SIGNATURE_TEMPLATE = (
    f'<Signature xmlns="{DS}"><SignedInfo>'
    '<CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>'
    '<SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>'
    '<Reference URI=""><Transforms>'
    '<Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>'
    '</Transforms><DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>'
    '<DigestValue/></Reference></SignedInfo><SignatureValue/>'
    '<KeyInfo><X509Data><X509Certificate/></X509Data></KeyInfo></Signature>')


def esc(text):
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


def sign(document, cert, key):
    """Fill in the Signature template that is a child of DOCUMENT's root."""
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = os.path.join(tmp, "in.xml"), os.path.join(tmp, "out.xml")
        with open(src, "wb") as f:
            f.write(document)
        subprocess.run(["xmlsec1", "--sign", "--privkey-pem", f"{key},{cert}",
                        "--node-xpath", f"/*/*[local-name()='Signature' and namespace-uri()='{DS}']",
                        "--output", dst, src], check=True)
        with open(dst, "rb") as f:
            return f.read()


def is_reachable(args):
    ids = "".join(f"<v3:recipientId>{esc(i)}</v3:recipientId>" for i in args.ids)
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<soapenv:Envelope xmlns:soapenv="{SOAP11}" '
            f'xmlns:v3="{RECIPIENT_V3}"><soapenv:Header/><soapenv:Body><v3:isReachable>'
            f"<v3:senderOrgNr>{esc(args.sender)}</v3:senderOrgNr>{ids}"
            "</v3:isReachable></soapenv:Body></soapenv:Envelope>\n").encode("utf-8")


def deliver_secure(args):
    if args.attachment:
        with open(args.attachment, "rb") as f:
            pdf = f.read()
    else:
        pdf = b"%PDF-1.4\n% refserver self-test attachment\n%%EOF\n"
    body = base64.b64encode("Ett beslut från socialnämnden finns som bilaga.".encode()).decode()
    signed = (
        f'<SignedDelivery xmlns="{MESSAGE_V3}"><Delivery><Header>'
        f'<Sender xmlns="{MESSAGE_V2}"><Id xmlns="{SENDER}">{esc(args.sender)}</Id>'
        f'<Name xmlns="{SENDER}">{esc(args.sender_name)}</Name></Sender>'
        f'<Recipient xmlns="{MESSAGE_V2}">{esc(args.recipient)}</Recipient></Header>'
        f"<Message><Header><Id>{esc(args.message_id)}</Id><Subject>{esc(args.subject)}</Subject>"
        "<Supportinfo><Text>Frågor om beslutet: ring kommunens kontaktcenter.</Text></Supportinfo>"
        "<Language>sv</Language></Header>"
        f'<Body><ContentType xmlns="{MESSAGE}">text/plain</ContentType>'
        f'<Body xmlns="{MESSAGE}">{body}</Body></Body>'
        f'<Attachment><ContentType xmlns="{MESSAGE}">application/pdf</ContentType>'
        f'<Body xmlns="{MESSAGE}">{base64.b64encode(pdf).decode()}</Body>'
        f'<Checksum xmlns="{MESSAGE}">{hashlib.md5(pdf).hexdigest()}</Checksum>'
        f'<Filename xmlns="{MESSAGE}">beslut.pdf</Filename></Attachment>'
        f"</Message></Delivery>{SIGNATURE_TEMPLATE}</SignedDelivery>").encode("utf-8")
    signed = sign(signed, args.signer_cert, args.signer_key)

    # The SealedDelivery document: the signed SignedDelivery (as signed), a Seal, and
    # the seal's signature template.
    inner = etree.fromstring(signed)
    sealed = etree.Element(f"{{{MESSAGE_V3}}}SealedDelivery", nsmap={None: MESSAGE_V3})
    sealed.append(inner)
    seal = etree.SubElement(sealed, f"{{{MESSAGE_V3}}}Seal")
    etree.SubElement(seal, f"{{{MESSAGE}}}ReceivedTime", nsmap={None: MESSAGE}).text = \
        datetime.date.today().isoformat()
    etree.SubElement(seal, f"{{{MESSAGE}}}SignaturesOK", nsmap={None: MESSAGE}).text = "true"
    sealed.append(etree.fromstring(SIGNATURE_TEMPLATE))
    sealed = etree.fromstring(sign(etree.tostring(sealed), args.signer_cert, args.signer_key))

    if args.tamper:
        subject = sealed.find(f".//{{{MESSAGE_V3}}}Subject")
        subject.text += " (changed after signing)"

    # On the wire: sv3:deliverSecure/sv3:deliverSecure holds the SealedDelivery's children.
    env = etree.Element(f"{{{SOAP11}}}Envelope", nsmap={"soapenv": SOAP11})
    soap_body = etree.SubElement(env, f"{{{SOAP11}}}Body")
    op = etree.SubElement(soap_body, f"{{{SERVICE_V3}}}deliverSecure", nsmap={"sv3": SERVICE_V3})
    wire = etree.SubElement(op, f"{{{SERVICE_V3}}}deliverSecure", nsmap={None: MESSAGE_V3})
    for child in list(sealed):
        wire.append(child)
    return etree.tostring(env, encoding="UTF-8", xml_declaration=True) + b"\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="op", required=True)
    r = sub.add_parser("isreachable")
    r.add_argument("--sender", default="162120000001")
    r.add_argument("ids", nargs="*")
    d = sub.add_parser("deliversecure")
    d.add_argument("--signer-cert", required=True)
    d.add_argument("--signer-key", required=True)
    d.add_argument("--recipient", required=True)
    d.add_argument("--message-id", required=True)
    d.add_argument("--sender", default="162120000001")
    d.add_argument("--sender-name", default="Testkommunen")
    d.add_argument("--subject", default="Beslut från socialnämnden")
    d.add_argument("--attachment")
    d.add_argument("--tamper", action="store_true")
    args = ap.parse_args()
    out = is_reachable(args) if args.op == "isreachable" else deliver_secure(args)
    sys.stdout.buffer.write(out)


if __name__ == "__main__":
    main()
