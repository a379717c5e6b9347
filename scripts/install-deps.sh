#!/bin/sh
# install-deps.sh -- install the Debian packages expediera builds and tests with,
# when any is missing.  Quiet and quick when everything is there already.
#
#   scripts/install-deps.sh build   what `make` needs
#   scripts/install-deps.sh check   also what `make check` needs (fuzzer, PDF tools,
#                                   a browser for the försättsblad form,
#                                   a PostgreSQL server)
#   scripts/install-deps.sh bench   also what `make bench` compares against
set -eu

build="gcc make pkg-config libhpdf-dev libxml2-dev libpcre2-dev libsqlite3-dev libssl-dev zlib1g-dev libcurl4-openssl-dev fonts-liberation2 fonttools icc-profiles-free libxmlsec1-dev libcups2-dev libpq-dev"
check="$build clang libclang-rt-dev python3 libxml2-utils time sqlite3 poppler-utils qpdf default-jre-headless libpdfbox2-java libactivation-java libjaxb-api-java openssh-server openssh-client python3-lxml python3-xmlsec xmlsec1 openssl curl systemd cups printer-driver-cups-pdf mandoc postgresql postgresql-client chromium chromium-driver python3-selenium"

# The benchmark also measures WeasyPrint side by side.
bench="$check weasyprint"

case "${1:-build}" in
build) want=$build ;;
check) want=$check ;;
bench) want=$bench ;;
*) echo "usage: $0 build|check|bench" >&2; exit 2 ;;
esac

missing=
for p in $want; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "expediera behöver Debian-paketen:$missing" >&2
	echo "installera dem som root: apt-get install -y$missing" >&2
	exit 1
fi
echo "installerar:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# Packages with daemons (openssh-server) must not start them: the tests start
# their own, on 127.0.0.1 only.  policy-rc.d is Debian's way to say so.
policy=
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
	chmod +x /usr/sbin/policy-rc.d
	policy=yes
fi
apt-get update -q >/dev/null
# shellcheck disable=SC2086
rc=0
apt-get install -y -q --no-install-recommends $missing >/dev/null || rc=$?
[ -n "$policy" ] && rm -f /usr/sbin/policy-rc.d
exit $rc
