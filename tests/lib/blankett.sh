# blankett.sh -- sourced by run.sh: the försättsblad form (expediera blankett,
# SPEC section 10).  The page is written, checked for what it must not hold,
# and then used in a real browser (tests/lib/blankett.py: Debian's chromium,
# headless, through chromedriver and python3-selenium): filled in and saved
# as a sheet that check accepts, shown the faults check would find in
# check's own words, opened again, changed and saved; all with the network
# and the console watched.

B=$tmp/blankett
mkdir -p "$B"

# The page, for the example configuration: readable by all (it goes on a
# file share), with the municipality's name.
"$bin" blankett -o "$B/forsattsblad.html" --config examples/expediera.conf >"$tmp/out" 2>"$tmp/err"
echo $? >"$tmp/rc"
if [ "$(rc)" -eq 0 ] && [ "$(stat -c %a "$B/forsattsblad.html")" = 644 ] &&
    grep -q '<title>Försättsblad – Exempelby kommun</title>' "$B/forsattsblad.html"; then
	ok
else
	bad "blankett: exit $(rc), or no page for Exempelby kommun"
	cat "$tmp/err"
fi

# Nothing from elsewhere: no address to load, and a policy that forbids it.
if grep -Eiq '(src|href|action)=["'\'']?(https?:|//|ftp:)|@import|(^|[^a-z.])url\(' "$B/forsattsblad.html"; then
	bad "blankett: the page refers to something outside itself"
	grep -Eino '(src|href|action)=["'\'']?(https?:|//|ftp:)|@import|(^|[^a-z.])url\(' "$B/forsattsblad.html" | head -n 5
elif ! grep -q "Content-Security-Policy\" content=\"default-src 'none'" "$B/forsattsblad.html"; then
	bad "blankett: no content security policy forbidding loads"
else
	ok
fi

# The configuration's name and dnr pattern go in escaped for where they stand.
printf '[organisation]\nname = Prov <kommun> & "grannar"\n[dnr]\npattern = ^KS/\\d{4}:\\d+</script>$\n' \
    >"$B/prov.conf"
"$bin" blankett -o "$B/prov/blad.html" --config "$B/prov.conf" >"$tmp/out" 2>"$tmp/err"
echo $? >"$tmp/rc"
if [ "$(rc)" -eq 0 ] &&
    grep -q '<title>Försättsblad – Prov &lt;kommun&gt; &amp; &quot;grannar&quot;</title>' "$B/prov/blad.html" &&
    grep -q '"dnrPattern": "^KS/\\\\d{4}:\\\\d+\\u003c/script\\u003e\$"' "$B/prov/blad.html" &&
    [ "$(grep -c '</script>' "$B/prov/blad.html")" -eq 2 ]; then
	ok
else
	bad "blankett: configuration not escaped in the page (exit $(rc))"
	cat "$tmp/err"
fi

# Without a configuration (none in the working directory): the page, and a
# warning that it carries no municipality's name.
mkdir -p "$B/utan"
case $bin in /*) absbin=$bin ;; *) absbin=$top/$bin ;; esac
(cd "$B/utan" && "$absbin" blankett -o blad.html) >"$tmp/out" 2>"$tmp/err"
echo $? >"$tmp/rc"
if [ "$(rc)" -eq 0 ] && [ -s "$B/utan/blad.html" ] &&
    grep -q 'varning: \[organisation\] name saknas' "$tmp/err"; then ok; else
	bad "blankett without configuration: exit $(rc), or no warning"
	cat "$tmp/err"
fi

# Usage: -o is required, no session, no flags of other commands.
for args in "" "examples/sammantrade-2026-11-18 -o $B/x.html" "-o $B/x.html --json"; do
	# shellcheck disable=SC2086
	"$bin" blankett $args >"$tmp/out" 2>"$tmp/err"
	echo $? >"$tmp/rc"
	if [ "$(rc)" -eq 2 ] && [ -s "$tmp/err" ] && [ ! -e "$B/x.html" ]; then ok; else
		bad "blankett $args: exit $(rc), want 2"
	fi
done

# The browser.  Debian's python3 has python3-selenium; another python3 first
# in PATH (pyenv, a venv) may not, so every python3 in PATH is asked.
py=
for p in $(type -ap python3); do
	if "$p" -c 'import selenium' 2>/dev/null; then
		py=$p
		break
	fi
done
if [ -z "$py" ] || ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
	bad "blankett: chromium, chromium-driver or python3-selenium is not installed, so the" \
	    "form was not tried in a browser (scripts/install-deps.sh check installs them)"
else
	mkdir -p "$B/work"
	timeout 300 "$py" tests/lib/blankett.py "$B/forsattsblad.html" "$bin" \
	    examples/sammantrade-2026-11-18 "$B/work" >"$B/browser.log" 2>"$B/browser.err"
	echo $? >"$tmp/rc"
	while IFS= read -r line; do
		case $line in
		"ok "*) ok ;;
		"FAIL "*) bad "blankett: ${line#FAIL }" ;;
		esac
	done <"$B/browser.log"
	if [ "$(rc)" -ne 0 ] || ! grep -q '^done ' "$B/browser.log"; then
		bad "blankett: the browser test did not finish (exit $(rc))"
		tail -n 20 "$B/browser.err"
	elif ! grep -q '^ok ' "$B/browser.log"; then
		bad "blankett: the browser test passed nothing"
	else
		ok
	fi
	if unmasked <"$B/browser.log" || unmasked <"$B/browser.err"; then
		bad "blankett: unmasked personnummer in the browser test's output"
	else
		ok
	fi
fi
