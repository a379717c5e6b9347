# hostile.sh -- sourced by run.sh: input meant to hurt (XXE, entity bombs,
# huge, non-UTF-8, links, missing parts) gives a clear finding or error, never
# a crash, a hang, or a leak of what it tried to read.

# A package with a valid försättsblad-free protokoll to start from.
hostile_pkg() {
	rm -rf "$tmp/h"
	mkdir -p "$tmp/h/forsattsblad"
	cp tests/check/valid-minimal/session/protokoll.xml "$tmp/h/"
}

# expect_finding NAME RC PATTERN: the last run exited RC and stderr matches.
expect_finding() {
	if [ "$(rc)" -eq "$2" ] && grep -q -- "$3" "$tmp/err"; then
		ok
	else
		bad "hostile/$1: exit $(rc), want $2 and /$3/"
		head -n 5 "$tmp/err"
	fi
}

# XXE: an external entity must never be read, and the DOCTYPE is refused.
hostile_pkg
cat >"$tmp/h/protokoll.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE protokoll [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<protokoll xmlns="urn:expediera:protokoll:1"><kommun>&xxe;</kommun></protokoll>
XML
run_check "$tmp/h"
expect_finding xxe 1 'protokoll.xml:2: fel: schema:.*DOCTYPE'
if grep -q 'root:' "$tmp/out" "$tmp/err"; then bad "hostile/xxe: file content leaked"; else ok; fi
run_check --json "$tmp/h"
if grep -q 'root:' "$tmp/out" "$tmp/err"; then bad "hostile/xxe: leaked in --json"; else ok; fi

# An external DTD by URL: no network, refused all the same.
hostile_pkg
printf '<?xml version="1.0"?>\n<!DOCTYPE protokoll SYSTEM "http://127.0.0.1:9/x.dtd">\n<protokoll xmlns="urn:expediera:protokoll:1"/>\n' >"$tmp/h/protokoll.xml"
run_check "$tmp/h"
expect_finding external-dtd 1 'protokoll.xml:2: fel: schema:.*DOCTYPE'

# Billion laughs.
hostile_pkg
{
	echo '<?xml version="1.0"?>'
	echo '<!DOCTYPE lolz ['
	echo ' <!ENTITY lol "lol">'
	prev=lol
	for i in 1 2 3 4 5 6 7 8 9; do
		echo " <!ENTITY lol$i \"&$prev;&$prev;&$prev;&$prev;&$prev;&$prev;&$prev;&$prev;&$prev;&$prev;\">"
		prev=lol$i
	done
	echo ']>'
	echo '<protokoll xmlns="urn:expediera:protokoll:1"><kommun>&lol9;</kommun></protokoll>'
} >"$tmp/h/forsattsblad/bomb.xml"
run_check "$tmp/h"
expect_finding billion-laughs 1 'forsattsblad/bomb.xml:2: fel: schema:.*DOCTYPE'

# A 200 MB protokoll (sparse) and a 2 MB försättsblad are refused by size.
hostile_pkg
truncate -s 200M "$tmp/h/protokoll.xml"
run_check "$tmp/h"
expect_finding huge-protokoll 1 'protokoll.xml:0: fel: schema: Filen är för stor'
hostile_pkg
truncate -s 2M "$tmp/h/forsattsblad/stor.xml"
run_check "$tmp/h"
expect_finding huge-forsattsblad 1 'forsattsblad/stor.xml:0: fel: schema: Filen är för stor'

# Invalid UTF-8, and a Latin-1 file that says so: a package is UTF-8.
hostile_pkg
sed 's|<plats>[^<]*</plats>|<plats>Sammantr\xe4desrummet</plats>|' \
    tests/check/valid-minimal/session/protokoll.xml >"$tmp/h/protokoll.xml"
run_check "$tmp/h"
expect_finding invalid-utf8 1 'protokoll.xml:[0-9]*: fel: schema:.*UTF-8'
sed -e 's|<plats>[^<]*</plats>|<plats>Sammantr\xe4desrummet</plats>|' \
    -e 's|encoding="UTF-8"|encoding="ISO-8859-1"|' \
    tests/check/valid-minimal/session/protokoll.xml >"$tmp/h/protokoll.xml"
grep -q 'ISO-8859-1' "$tmp/h/protokoll.xml" ||
	sed -i '1s|^|<?xml version="1.0" encoding="ISO-8859-1"?>\n|' "$tmp/h/protokoll.xml"
run_check "$tmp/h"
expect_finding latin1 1 'fel: schema:.*UTF-8'

# Deep nesting stops at the parser's depth limit.
hostile_pkg
{
	printf '<protokoll xmlns="urn:expediera:protokoll:1">'
	for i in $(seq 1 3000); do printf '<a>'; done
	echo '</protokoll>'
} >"$tmp/h/protokoll.xml"
run_check "$tmp/h"
expect_finding deep-nesting 1 'protokoll.xml:[0-9]*: fel: schema'

# Empty file, missing protokoll, a försättsblad that is a symbolic link.
hostile_pkg
: >"$tmp/h/protokoll.xml"
run_check "$tmp/h"
expect_finding empty 1 'protokoll.xml:[0-9]*: fel: schema: Filen är tom'
hostile_pkg
rm "$tmp/h/protokoll.xml"
run_check "$tmp/h"
expect_finding no-protokoll 1 'protokoll.xml:0: fel: schema: Filen saknas'
hostile_pkg
ln -s /etc/passwd "$tmp/h/forsattsblad/lank.xml"
run_check "$tmp/h"
expect_finding symlink 1 'forsattsblad/lank.xml:0: fel: schema:.*symbolisk länk'

# A directory that does not exist, or is a file: a system error, exit 4.
run_check "$tmp/finns-inte"
expect_finding missing-dir 4 'finns inte'
run_check tests/check/valid-minimal/session/protokoll.xml
expect_finding not-a-dir 4 'ingen katalog'

# UTF-16 is named as such, not taken for an empty file.
hostile_pkg
printf '\377\376<\000p\000/\000>\000' >"$tmp/h/forsattsblad/utf16.xml"
run_check "$tmp/h"
expect_finding utf16 1 'forsattsblad/utf16.xml:1: fel: schema:.*UTF-16'
