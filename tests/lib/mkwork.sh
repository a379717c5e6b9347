# mkwork.sh -- sourced by run.sh (and tests/fold/mklegacy.sh): mkwork DIR, a
# working directory with the configuration most send tests use.

# mkwork DIR: DIR anew, with its own configuration; paths relative to it.
mkwork() {
	rm -rf "$1"
	mkdir -p "$1"
	cat >"$1/expediera.conf" <<'CONF'
[organisation]
name = Exempelby kommun
namnd = Socialnämnden
address = Box 100, 641 21 Exempelby
phone = 0150-100 00
email = socialnamnden@exempelby.se
[print]
driver = folder
folder = out/print
[archive]
folder = out/arkiv
[manual]
folder = out/manuell
[audit]
database = out/expediera.db
CONF
}
