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
