# mkwork.sh -- sourced by run.sh (and tests/fold/mklegacy.sh): mkwork DIR, a
# working directory with the configuration most send tests use, and the
# helpers every area that sends shares (send_in, printed).

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

# send WORK [ARGS...]: runs send in WORK; stdout, stderr and rc in $tmp.
send_in() {
	w=$1
	shift
	"$bin" send --config "$w/expediera.conf" "$@" >"$tmp/out" 2>"$tmp/err"
	echo $? >"$tmp/rc"
}

# The försändelser of every complete print batch in WORK, one per line.
printed() {
	for m in "$1"/out/print/*.csv; do
		[ -f "$m" ] && [ -f "${m%.csv}.pdf" ] && tail -n +2 "$m" | cut -d, -f1
	done | sort
}
