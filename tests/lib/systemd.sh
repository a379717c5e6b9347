# systemd.sh -- sourced by run.sh: the units in contrib/systemd/ pass
# `systemd-analyze verify`, with the binary path pointed at this build (the
# units name the installed one) and the manual pages left to mandoc's test.

U=$tmp/units
mkdir -p "$U"
for f in contrib/systemd/*; do
	sed "s|/usr/local/bin/expediera|$top/expediera|" "$f" >"$U/$(basename "$f")"
done
if systemd-analyze verify --man=no "$U"/expediera-watch.service "$U"/expediera-watch.path \
    "$U"/expediera-watch.timer >"$tmp/sd.log" 2>&1; then ok; else
	bad "systemd-analyze verify"
	cat "$tmp/sd.log"
fi
# The sandbox the units promise is really there.
for want in 'ProtectSystem=strict' 'PrivateTmp=yes' 'NoNewPrivileges=yes' 'User=expediera' \
    'ReadWritePaths=/var/spool/expediera /var/lib/expediera'; do
	grep -qx "$want" contrib/systemd/expediera-watch.service && ok || bad "systemd: no '$want'"
done
# The configuration the units are installed with makes the service write only
# where the sandbox lets it: every path it writes to lies under ReadWritePaths.
conf=contrib/systemd/expediera.conf
rw=$(sed -n 's/^ReadWritePaths=//p' contrib/systemd/expediera-watch.service)
"$bin" check --config "$conf" tests/check/valid-minimal/session >/dev/null 2>"$tmp/sd.err"
[ $? -eq 0 ] && ok || { bad "systemd: $conf is not a valid configuration"; cat "$tmp/sd.err"; }
for key in '\[print\]:folder' '\[archive\]:folder' '\[manual\]:folder' '\[audit\]:database'; do
	sec=${key%%:*}
	k=${key#*:}
	val=$(sed -n "/^$sec/,/^\[/s/^$k *= *\([^ ;#]*\).*/\1/p" "$conf" | head -n 1)
	inside=no
	for d in $rw; do
		case $val in "$d"/*) inside=yes ;; esac
	done
	[ "$inside" = yes ] && ok || bad "systemd: $sec $k = '$val' is not under ReadWritePaths ($rw)"
done
