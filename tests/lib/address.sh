# address.sh -- sourced by run.sh: rule address-unprintable against the
# letters.  check measures the address in the window the configuration
# picks (its templates, [print] window); send refuses a package with such an
# address before anything is written, rather than stop in the middle of the
# run; and names in Polish, Nordic and Sámi letters pass check and come out of
# the letter as themselves.

au_long=tests/check/address-unprintable-long/session
au_nordic=tests/check/valid-address-nordic/session

# A configuration in its own directory, with a copy of the templates whose
# right window is 23 mm high (15 mm inside the padding: four lines at 8 pt).
au=$tmp/address
rm -rf "$au"
mkdir -p "$au"
cp -r templates "$au/templates"
awk '/^\[window\.right\]/ {s = 1} /^\[address\]/ {s = 0} s && /^height/ {$0 = "height = 23"} {print}' \
	templates/layout.conf >"$au/templates/layout.conf"
au_conf() { # au_conf FILE WINDOW
	cat >"$1" <<CONF
[organisation]
name = Exempelby kommun
namnd = Socialnämnden
address = Box 100, 641 21 Exempelby
[print]
driver = folder
folder = out/print
window = $2
[archive]
folder = out/arkiv
[manual]
folder = out/manuell
[audit]
database = out/expediera.db
[templates]
folder = templates
CONF
}
au_conf "$au/left.conf" left
au_conf "$au/right.conf" right

# The left window is the default one: the five lines of the familjehem fit.
run_check --config "$au/left.conf" "$au_nordic"
if [ "$(rc)" -eq 0 ] && [ ! -s "$tmp/err" ]; then ok; else
	bad "address: left window of the configured templates: exit $(rc)"
	cat "$tmp/err"
fi
# The low right window holds three lines: the familjehem's five do not fit,
# reported at its <adress>, without the address itself.
run_check --config "$au/right.conf" "$au_nordic"
if [ "$(rc)" -eq 1 ] && [ "$(strip <"$tmp/err")" = "forsattsblad/a.xml:35: fel: address-unprintable" ] &&
    grep -q 'har 5 rader' "$tmp/err" && ! grep -Eq 'Gáisi|Postbox|981 31|Kiruna' "$tmp/err"; then
	ok
else
	bad "address: configured right window not used by check: exit $(rc)"
	cat "$tmp/err"
fi

# send refuses the whole package before it writes anything: no print batch,
# no archive copy, no audit log.
"$bin" send --config "$au/left.conf" "$au_long" >"$tmp/out" 2>"$tmp/err"
echo $? >"$tmp/rc"
if [ "$(rc)" -eq 1 ] && grep -q 'inget skickades' "$tmp/err" &&
    grep -q 'address-unprintable' "$tmp/err" && [ ! -e "$au/out" ]; then
	ok
else
	bad "address: send of an address too long for the window: exit $(rc)"
	cat "$tmp/err"
	find "$au/out" -type f 2>/dev/null | head
fi
# The message names the line and never prints the address or the number.
if grep -q 'Utdelningsadressen till mottagaren' "$tmp/err" &&
    ! grep -q 'Lagercrantz' "$tmp/err" && ! unmasked <"$tmp/err"; then ok; else
	bad "address: message shows the address or an unmasked personnummer"
	cat "$tmp/err"
fi

# What check lets through, the letter prints: every name and address line of
# the Polish, Nordic and Sámi recipients is on page 1, as itself, no box.
"$bin" render --config "$au/left.conf" "$au_nordic" -o "$tmp/au-render" >/dev/null 2>"$tmp/err"
echo $? >"$tmp/rc"
au_text=
for f in "$tmp"/au-render/*.pdf; do
	[ -f "$f" ] && au_text="$au_text$(pdftotext -f 1 -l 1 "$f" - 2>/dev/null)"
done
au_missing=
for want in 'Łukasz Żółć' 'c/o Żółć-Nyström' 'Överste Lagercrantz väg 117 B, lägenhet 1204' \
    'Zoë Ñúñez Ångström' 'Jyväskylä' 'FINLAND' 'Áilu ja Máret Ŋuolla-Čuđe' 'c/o Ŧeahkká Šiellaš'; do
	printf '%s\n' "$au_text" | grep -qF "$want" || au_missing="$au_missing [$want]"
done
if [ "$(rc)" -eq 0 ] && [ -z "$au_missing" ] && ! printf '%s\n' "$au_text" | grep -q '□'; then ok; else
	bad "address: render of the Nordic names: exit $(rc), missing$au_missing"
	cat "$tmp/err"
fi
