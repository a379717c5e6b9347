# install.sh -- sourced by run.sh: the manual pages pass mandoc -Tlint, and
# `make install PREFIX=$tmp/inst` gives a program that works with only what it
# installed: run from another directory, without EXPEDIERA_TEMPLATES and
# EXPEDIERA_FONTS, with the source tree hidden (a tmpfs over it in a private
# mount namespace, as cups.sh uses one), it checks and renders the example,
# byte for byte as the in-tree program does; no path of the tree is left in
# the binary; the installed pages are found by name (mman) and read (mandoc).
#
# mandoc -Tlint looks every .Xr up in /usr/share/man only (mandoc 1.14), where
# expediera(1) and expediera.conf(5) are not unless installed there, so it is
# run where a copy of both pages (and a mandoc.db) is bind-mounted over
# /usr/share/man: there the pages must give no output at all and exit 0.

I=$tmp/inst

# ---- mandoc -Tlint on both pages ----
mkdir -p "$tmp/lintman/man1" "$tmp/lintman/man5"
cp man/expediera.1 "$tmp/lintman/man1/"
cp man/expediera.conf.5 "$tmp/lintman/man5/"
makewhatis "$tmp/lintman" >/dev/null 2>&1
for page in man/expediera.1 man/expediera.conf.5; do
	unshare -m sh -c 'mount --bind "$1" /usr/share/man && exec mandoc -Tlint "$2"' \
	    sh "$tmp/lintman" "$page" >"$tmp/lint" 2>&1
	r=$?
	if [ "$r" -eq 0 ] && [ ! -s "$tmp/lint" ]; then ok; else
		bad "mandoc -Tlint $page: exit $r"
		head -n 20 "$tmp/lint"
	fi
done

# ---- make install ----
if make -s --no-print-directory install PREFIX="$I" >"$tmp/install.log" 2>&1; then ok; else
	bad "make install PREFIX=$I"
	tail -n 20 "$tmp/install.log"
fi
missing=
for f in bin/expediera share/man/man1/expediera.1 share/man/man5/expediera.conf.5 \
    share/expediera/fonts/Gray.icc share/expediera/fonts/LiberationSans-Regular-winansi.ttf \
    share/expediera/fonts/LiberationSans-Bold-ext.ttf share/expediera/templates/layout.conf \
    share/expediera/templates/texts.conf share/expediera/templates/overklagande.conf \
    share/expediera/templates/overklagande-forvaltningsbesvar.txt; do
	[ -f "$I/$f" ] || missing="$missing $f"
done
if [ -z "$missing" ] && [ -x "$I/bin/expediera" ]; then ok; else bad "make install: missing:$missing"; fi

# No path of the source tree in the installed program, the installed ones instead.
if strings "$I/bin/expediera" | grep -qF "$top"; then
	bad "installed expediera names the source tree $top"
	strings "$I/bin/expediera" | grep -F "$top" | head -n 5
else
	ok
fi
if strings "$I/bin/expediera" | grep -qxF "$I/share/expediera/templates" &&
    strings "$I/bin/expediera" | grep -qxF "$I/share/expediera/fonts"; then ok; else
	bad "installed expediera does not name $I/share/expediera/{templates,fonts}"
fi

# ---- the installed program on its own ----
# The example and its configuration copied out, the tree hidden under a tmpfs.
mkdir -p "$tmp/inst-cwd/examples"
cp -r examples/sammantrade-2026-11-18 examples/expediera.conf "$tmp/inst-cwd/examples/"
./expediera render --config examples/expediera.conf examples/sammantrade-2026-11-18 \
    -o "$tmp/inst-ref" >/dev/null 2>&1
(
	cd "$tmp/inst-cwd" || exit 4
	env -u EXPEDIERA_TEMPLATES -u EXPEDIERA_FONTS unshare -m sh -c '
		mount -t tmpfs none "$1" || exit 4
		"$2" check examples/sammantrade-2026-11-18 >"$3/inst-check.out" 2>"$3/inst-check.err"
		echo $? >"$3/inst-check.rc"
		"$2" render --config examples/expediera.conf examples/sammantrade-2026-11-18 \
		    -o "$3/inst-out" >"$3/inst-render.out" 2>"$3/inst-render.err"
		echo $? >"$3/inst-render.rc"' sh "$top" "$I/bin/expediera" "$tmp"
)
if [ "$(cat "$tmp/inst-check.rc" 2>/dev/null)" = 0 ] && [ ! -s "$tmp/inst-check.err" ] &&
    grep -q 'inga fel, inga varningar' "$tmp/inst-check.out"; then ok; else
	bad "installed expediera check: exit $(cat "$tmp/inst-check.rc" 2>/dev/null)"
	head -n 5 "$tmp/inst-check.err"
fi
n=$(ls "$tmp/inst-out" 2>/dev/null | wc -l)
if [ "$(cat "$tmp/inst-render.rc" 2>/dev/null)" = 0 ] && [ "$n" -eq 17 ]; then ok; else
	bad "installed expediera render: exit $(cat "$tmp/inst-render.rc" 2>/dev/null), $n files"
	head -n 5 "$tmp/inst-render.err"
fi
# Same templates and fonts, so the same bytes as the in-tree program.
if [ "$(ls "$tmp/inst-ref" 2>/dev/null | wc -l)" -eq 17 ] &&
    diff -r "$tmp/inst-ref" "$tmp/inst-out" >/dev/null 2>&1; then ok; else
	bad "installed expediera render: PDFs differ from the in-tree program's"
fi

# ---- the installed manual pages: found by name, and read ----
while read -r sec name page; do
	if [ "$(mman -M "$I/share/man" -w "$sec" "$name" 2>/dev/null)" = "$I/share/man/$page" ] &&
	    mandoc -Tutf8 "$I/share/man/$page" 2>&1 | sed "s/.\x08//g" |
	    grep -q "^     $name – "; then ok; else
		bad "installed manual page $name($sec) not found or not readable"
	fi
done <<'PAGES'
1 expediera man1/expediera.1
5 expediera.conf man5/expediera.conf.5
PAGES

# ---- the test hooks are in the test build only ----
# The suite's hooks (a fixed clock, a crash point, a second host name, a
# short lista) are compiled into the build make check runs, not into the
# installed program: its strings name none of them, and with the test clock
# set it still reads the real one.
hooks='EXPEDIERA_(AUDIT_NOW|CRASH_AT|TEST_HOST|TEST_MACHINE|LISTA_RADER)'
if strings "$bin" | grep -Eq "$hooks"; then ok; else
	bad "the test build has no test hooks (so the check below proves nothing)"
fi
if strings "$I/bin/expediera" | grep -Eq "$hooks"; then
	bad "the installed expediera names test hooks: $(strings "$I/bin/expediera" | grep -Eo "$hooks" | sort -u | tr '\n' ' ')"
else
	ok
fi
mkwork "$tmp/inst-clock"
(cd "$tmp/inst-clock" && EXPEDIERA_AUDIT_NOW=2001-01-01T00:00:00Z \
    "$I/bin/expediera" send --config expediera.conf "$top/examples/sammantrade-2026-11-18" \
	    >send.out 2>send.err
	"$I/bin/expediera" historik --json --config expediera.conf \
	    --sammantrade 2026-11-18 >hist.json 2>hist.err)
years="$(date -u +%Y)|$(date +%Y)"
if grep -Eq "\"tid\": \"($years)-" "$tmp/inst-clock/hist.json" &&
    ! grep -q '"tid": "2001-' "$tmp/inst-clock/hist.json"; then ok; else
	bad "the installed expediera with EXPEDIERA_AUDIT_NOW set does not read the real clock"
	grep -o '"tid": "[^"]*"' "$tmp/inst-clock/hist.json" | sort -u | head -n 3
fi
