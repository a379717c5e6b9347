#!/bin/sh
# walls.sh -- run by `make lint`: the rooms of pipeline/ (README, Layout) kept
# apart.  Prints each breach as file: what, and exits 1 when there is one.
cd "$(dirname "$0")/../pipeline" || exit 4
rc=0
breach() {
	echo "walls: $*" >&2
	rc=1
}
# only 'PATTERN...' HEADER: only files matching a pattern may include HEADER.
only() {
	for f in *.c *.h; do
		mine=
		set -f
		for p in $1; do
			# shellcheck disable=SC2254
			case "$f" in $p) mine=1 ;; esac
		done
		set +f
		[ -n "$mine" ] && continue
		grep -q "#include [<\"]$2[>\"]" "$f" && breach "$f includes $2 (only $1 may)"
	done
}
only 'store_*.c' 'sqlite3.h'
only 'store_*.c' 'libpq-fe.h'
only 'db.c store_*.c' 'db_impl.h'
only 'audit*.c' 'audit_impl.h'
only 'pdf*.c pdf_impl.h' 'hpdf.h'
only 'pdf*.c' 'pdf_impl.h'
only 'render*.c' 'render_impl.h'
only 'read*.c' 'read_int.h'
only 'validate*.c' 'validate_int.h'
only 'deliver*.c' 'deliver_run.h'
only 'mm*.c' 'mm_int.h'
only 'record*.c' 'record_int.h'
only 'print_cups.c' 'cups/cups.h'
# The documents know nothing of delivery, the log or the command line.
for f in render*.c pdf*.c layout.c address.c template.c; do
	for h in deliver deliver_run audit db cmd print mm deliver_mm record spool; do
		grep -q "#include \"$h.h\"" "$f" && breach "$f includes $h.h (a document knows nothing of it)"
	done
done
# The store is reached through audit.h: db.h only inside it, and the watch
# and commands ask audit.h what the log supports.
only 'audit*.c db.c db.h store_*.c db_impl.h audit_impl.h' 'db.h'
# The environment: the user's settings, and test hooks through hook.h only.
grep -n 'getenv(' *.c | grep -vE 'getenv\("EXPEDIERA_(TEMPLATES|FONTS|PART)"\)' |
	while read -r l; do echo "walls: $l: getenv outside hook.h (test_hook)" >&2; echo x; done |
	grep -q x && rc=1
# Sizes: no file over 1,200 lines, the driver under 500.
for f in *.c; do
	n=$(wc -l <"$f")
	[ "$n" -gt 1200 ] && breach "$f has $n lines (at most 1,200)"
done
[ "$(wc -l <main.c)" -lt 500 ] || breach "main.c has $(wc -l <main.c) lines (under 500)"
exit $rc
