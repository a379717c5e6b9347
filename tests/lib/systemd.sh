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
