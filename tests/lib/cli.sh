# cli.sh -- sourced by run.sh: the command line and the configuration file.

expect_rc() {
	if [ "$(rc)" -eq "$2" ]; then ok; else bad "cli/$1: exit $(rc), want $2"; head -n 5 "$tmp/err"; fi
}

"$bin" >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
expect_rc no-arguments 2
"$bin" skicka x >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
expect_rc unknown-command 2
run_check
expect_rc check-without-session 2
run_check --bogus tests/check/valid-minimal/session
expect_rc unknown-flag 2
"$bin" --version >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/rc"
expect_rc version 0
grep -q '^expediera [0-9]' "$tmp/out" && ok || bad "cli/version: no version printed"

# A bad line in the configuration names the file and line; exit 2.
printf '[organisation]\nname = Exempelby kommun\nnamn = fel nyckel\n' >"$tmp/bad.conf"
run_check --config "$tmp/bad.conf" tests/check/valid-minimal/session
expect_rc bad-config 2
grep -q "bad.conf:3:" "$tmp/err" && ok || bad "cli/bad-config: no file:line in message"

# The dnr pattern comes from the configuration.
printf '[dnr]\npattern = ^KS/\\d{4}:\\d+$\n' >"$tmp/dnr.conf"
run_check --config "$tmp/dnr.conf" tests/check/valid-minimal/session
if [ "$(rc)" -eq 1 ] && grep -q 'dnr-format' "$tmp/err"; then ok; else bad "cli/dnr-pattern: pattern from config not used"; fi
printf '[dnr]\npattern = ^(SN\n' >"$tmp/dnr.conf"
run_check --config "$tmp/dnr.conf" tests/check/valid-minimal/session
expect_rc bad-dnr-pattern 2

# The internal names of <skickas-till> come from the configuration: with the
# authority added, only the entry holding a number is left; without the
# configuration the default list leaves the authority too.
printf '[archive]\ninternal = AKT,handläggare , Enhetschef,Inspektionen för vård och omsorg\n' >"$tmp/internal.conf"
run_check --config "$tmp/internal.conf" tests/check/unknown-internal-recipient/session
if [ "$(rc)" -eq 1 ] && [ "$(grep -c 'unknown-internal-recipient' "$tmp/err")" -eq 1 ] &&
    ! grep -q '"Inspektionen' "$tmp/err"; then ok; else bad "cli/internal-names: [archive] internal not used"; cat "$tmp/err"; fi
run_check tests/check/unknown-internal-recipient/session
if [ "$(rc)" -eq 1 ] && [ "$(grep -c 'unknown-internal-recipient' "$tmp/err")" -eq 2 ]; then ok; else
	bad "cli/internal-names: the default list not used without a configuration"; cat "$tmp/err"; fi

# ./expediera.conf is read when no --config is given.
mkdir -p "$tmp/cwd"
printf '[dnr]\npattern = ^KS/\\d{4}:\\d+$\n' >"$tmp/cwd/expediera.conf"
(cd "$tmp/cwd" && "$top/$bin" check "$top/tests/check/valid-minimal/session" >/dev/null 2>&1)
[ $? -eq 1 ] && ok || bad "cli/default-config: ./expediera.conf not read"

# --help after a command shows that command's help.
for c in check render protokoll send status audit watch; do
	"$bin" "$c" --help >"$tmp/out" 2>&1
	if [ $? -eq 0 ] && grep -q "expediera $c" "$tmp/out"; then ok; else bad "cli/$c --help"; fi
done

# ---- a letter never goes out half configured (issue: blank return address) ----
# render, protokoll, send and watch need [organisation] name, namnd and address:
# without one they stop with exit 2, name the key, and write nothing at all.
# check needs none of them.
ex=$top/examples/sammantrade-2026-11-18
for key in name namnd address; do
	for cmd in render protokoll send; do
		w=$tmp/nokey-$cmd-$key
		rm -rf "$w"
		mkdir -p "$w/etc"
		sed "/^$key = /d" examples/expediera.conf >"$w/etc/expediera.conf"
		case $cmd in
		render) set -- "$ex" -o "$w/ut" ;;
		protokoll) set -- "$ex" -o "$w/protokoll.pdf" ;;
		send) set -- "$ex" ;;
		esac
		(cd "$w" && "$top/$bin" "$cmd" --config etc/expediera.conf "$@" >"$tmp/out" 2>"$tmp/err")
		echo $? >"$tmp/rc"
		expect_rc "$cmd-without-$key" 2
		if grep -q "etc/expediera.conf: \[organisation\] $key saknas" "$tmp/err"; then ok; else
			bad "cli/$cmd-without-$key: the message does not name [organisation] $key"
			cat "$tmp/err"
		fi
		# Nothing written: no documents, no print batch, no audit log.
		left=$(cd "$w" && find . -mindepth 1 ! -path ./etc ! -path ./etc/expediera.conf)
		if [ -z "$left" ]; then ok; else bad "cli/$cmd-without-$key wrote: $left"; fi
	done
done
cp "$tmp/nokey-send-address/etc/expediera.conf" "$tmp/nokey-address.conf"
# The same without any configuration file at all.
mkdir -p "$tmp/noconf"
(cd "$tmp/noconf" && "$top/$bin" render "$ex" -o ut >"$tmp/out" 2>"$tmp/err")
echo $? >"$tmp/rc"
expect_rc render-without-config 2
if grep -q 'inga inställningar: \[organisation\] name saknas' "$tmp/err" &&
    [ ! -e "$tmp/noconf/ut" ]; then ok; else bad "cli/render-without-config"; cat "$tmp/err"; fi
# watch stops before it touches the spool.
mkdir -p "$tmp/nospool/inkommande"
cp -r "$ex" "$tmp/nospool/inkommande/paket"
touch "$tmp/nospool/inkommande/paket/KLAR"
"$bin" watch "$tmp/nospool" --once --config "$tmp/nokey-address.conf" >"$tmp/out" 2>"$tmp/err"
echo $? >"$tmp/rc"
expect_rc watch-without-address 2
if [ -d "$tmp/nospool/inkommande/paket" ] && [ ! -e "$tmp/nospool/avvisade" ] &&
    [ ! -e "$tmp/nospool/klara" ]; then ok; else bad "cli/watch-without-address moved the package"; fi
# check still works without a configuration; a dry run warns and goes on.
(cd "$tmp/noconf" && "$top/$bin" check "$ex" >"$tmp/out" 2>"$tmp/err")
echo $? >"$tmp/rc"
expect_rc check-without-config 0
(cd "$tmp/noconf" && "$top/$bin" send --dry-run "$ex" >"$tmp/out" 2>"$tmp/err")
echo $? >"$tmp/rc"
expect_rc dry-run-without-config 0
grep -q 'varning: inga inställningar' "$tmp/err" && ok || bad "cli/dry-run-without-config: no warning"
[ -z "$(ls -A "$tmp/noconf")" ] && ok || bad "cli/dry-run-without-config wrote $(ls -A "$tmp/noconf")"

# ---- the project stands alone: nothing reads beside the repository ----
if grep -rIn --exclude-dir=.git --exclude-dir=build '\.\.[/]shared' . >"$tmp/out"; then
	bad "something in the project reads a folder beside the repository"
	cat "$tmp/out"
else ok; fi
for f in LICENSE.MinaMeddelanden LICENSE.Sundsvall SOURCES.md Recipient.wsdl Service.wsdl \
    schema/v3/Service.xsd schema/v3/Recipient.xsd samples/SealedDeliveryWithSignature.xml; do
	[ -s "schemas/mina-meddelanden/$f" ] && ok || bad "schemas/mina-meddelanden/$f is missing"
done
