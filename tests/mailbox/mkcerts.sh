#!/bin/sh
# mkcerts.sh -- make the throw-away certificates the reference mailbox service
# (tests/mailbox/refserver.py) and its clients use.  Generated at test time;
# no key is ever committed.
#
#   tests/mailbox/mkcerts.sh DIR
#
# writes into DIR (created if missing; existing files are replaced):
#
#   ca.pem ca.key                  test CA ("expediera test CA")
#   server.pem server.key          TLS server cert from the test CA,
#                                  subjectAltName IP:127.0.0.1, DNS:localhost
#   client.pem client.key          TLS client cert from the test CA (mutual TLS)
#   signer.pem signer.key          XML-signature cert from the test CA (RSA 2048),
#                                  what expediera signs SignedDelivery and Seal with
#   other-ca.pem other-ca.key      a second, unrelated CA
#   other-server.pem other-server.key   server cert from the other CA (same names):
#                                  a client that trusts only ca.pem must refuse it
#   other-client.pem other-client.key   client cert from the other CA: the server
#                                  must refuse the handshake
#   other-signer.pem other-signer.key   signing cert from the other CA: signatures
#                                  made with it fail --trusted-signer ca.pem
#
# All keys are RSA 2048, unencrypted PEM, mode 0600; certificates are valid for
# 30 days from now, with random serial numbers.  Needs only the openssl command.
set -eu

if [ $# -ne 1 ]; then
	echo "usage: $0 DIR" >&2
	exit 2
fi
dir=$1
mkdir -p "$dir"
umask 077
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# Keep openssl away from the site configuration; everything is on the command line.
OPENSSL_CONF=/dev/null
export OPENSSL_CONF
DAYS=30

# newkey NAME: an RSA 2048 private key in DIR/NAME.key
newkey() {
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$dir/$1.key" 2>/dev/null
	chmod 600 "$dir/$1.key"
}

# mkca NAME SUBJECT: a self-signed CA certificate DIR/NAME.pem
mkca() {
	newkey "$1"
	cat >"$tmp/$1.ext" <<-EXT
	basicConstraints = critical, CA:TRUE
	keyUsage = critical, keyCertSign, cRLSign
	subjectKeyIdentifier = hash
	authorityKeyIdentifier = keyid:always
	EXT
	openssl req -new -key "$dir/$1.key" -subj "$2" -out "$tmp/$1.csr"
	openssl x509 -req -in "$tmp/$1.csr" -signkey "$dir/$1.key" -days $DAYS \
		-set_serial "0x$(openssl rand -hex 16)" -sha256 \
		-extfile "$tmp/$1.ext" -out "$dir/$1.pem" 2>/dev/null
}

# mkleaf NAME CA SUBJECT KIND: a certificate DIR/NAME.pem issued by CA;
# KIND is server, client or signer and decides the extensions.
mkleaf() {
	newkey "$1"
	{
		echo "basicConstraints = critical, CA:FALSE"
		echo "subjectKeyIdentifier = hash"
		echo "authorityKeyIdentifier = keyid"
		case $4 in
		server)
			echo "keyUsage = critical, digitalSignature, keyEncipherment"
			echo "extendedKeyUsage = serverAuth"
			echo "subjectAltName = IP:127.0.0.1, DNS:localhost"
			;;
		client)
			echo "keyUsage = critical, digitalSignature, keyEncipherment"
			echo "extendedKeyUsage = clientAuth"
			;;
		signer)
			echo "keyUsage = critical, digitalSignature, nonRepudiation"
			;;
		esac
	} >"$tmp/$1.ext"
	openssl req -new -key "$dir/$1.key" -subj "$3" -out "$tmp/$1.csr"
	openssl x509 -req -in "$tmp/$1.csr" -CA "$dir/$2.pem" -CAkey "$dir/$2.key" \
		-days $DAYS -set_serial "0x$(openssl rand -hex 16)" -sha256 \
		-extfile "$tmp/$1.ext" -out "$dir/$1.pem" 2>/dev/null
}

mkca ca "/C=SE/O=expediera test/CN=expediera test CA"
mkleaf server ca "/C=SE/O=expediera test/CN=localhost" server
mkleaf client ca "/C=SE/O=Testkommunen/CN=expediera test client" client
mkleaf signer ca "/C=SE/O=Testkommunen/serialNumber=162120000001/CN=Testkommunen socialnamnden" signer

mkca other-ca "/C=SE/O=Unrelated/CN=unrelated test CA"
mkleaf other-server other-ca "/C=SE/O=Unrelated/CN=localhost" server
mkleaf other-client other-ca "/C=SE/O=Unrelated/CN=unrelated client" client
mkleaf other-signer other-ca "/C=SE/O=Unrelated/serialNumber=162120000002/CN=unrelated signer" signer

chmod 644 "$dir"/*.pem
