# tmpfiles.sh -- sourced by run.sh: temporary files cannot be guessed.  In output folders anyone may
# write to (mode 0777), every name the old scheme would use (".NAME.tmpPID"
# for the next few hundred pids) is planted first, as a file readable by all
# or as a symbolic link to a file elsewhere; render -o, protokoll -o and send
# (print folder, archive, hand-over) must leave every planted name and the
# link target as they were, write their own outputs whole and 0600, and leave
# no temporary file behind, neither after success nor after a SIGKILL.

ex=examples/sammantrade-2026-11-18
T=$tmp/tmpfiles
mkdir -p "$T/elsewhere"
printf 'målfilen\n' >"$T/elsewhere/target"
chmod 0644 "$T/elsewhere/target"

# plant LIST DIR...: in each DIR (made 0777), for every name in the file LIST
# and the next 300 pids, ".NAME.tmpPID": a file "planterad" mode 0666 for an
# even pid, a link to the target for an odd one.  The planted paths go to
# $T/planted (appended).
plant() {
	python3 - "$T" "$@" <<'PY'
import os, sys
t, names, dirs = sys.argv[1], open(sys.argv[2]).read().split(), sys.argv[3:]
base = os.getpid()
with open(os.path.join(t, "planted"), "a") as out:
    for d in dirs:
        os.makedirs(d, exist_ok=True)
        os.chmod(d, 0o777)
        for n in names:
            for pid in range(base + 1, base + 301):
                p = os.path.join(d, ".%s.tmp%d" % (n, pid))
                if pid % 2:
                    os.symlink(os.path.join(t, "elsewhere", "target"), p)
                else:
                    with open(p, "w") as f:
                        f.write("planterad")
                    os.chmod(p, 0o666)
                out.write(p + "\n")
PY
}

# untouched: every planted name is as planted, and the target too.
untouched() {
	python3 - "$T" <<'PY'
import os, stat, sys
t = sys.argv[1]
target = os.path.join(t, "elsewhere", "target")
st = os.stat(target)
if open(target, encoding="utf-8").read() != "målfilen\n" or stat.S_IMODE(st.st_mode) != 0o644:
    sys.exit("the link target was changed")
for p in open(os.path.join(t, "planted")).read().split("\n"):
    if not p:
        continue
    pid = int(p.rsplit(".tmp", 1)[1])
    st = os.lstat(p)
    if pid % 2:
        if not stat.S_ISLNK(st.st_mode) or os.readlink(p) != target:
            sys.exit("%s: not the planted link" % p)
    elif not stat.S_ISREG(st.st_mode) or stat.S_IMODE(st.st_mode) != 0o666 or \
            open(p).read() != "planterad":
        sys.exit("%s: not the planted file" % p)
PY
}

# leftovers DIR...: names under DIR (one level of subfolders) that start with
# a dot and were not planted: a temporary file left behind.
leftovers() {
	find "$@" -maxdepth 2 -name '.*' \( -type f -o -type l \) | sort >"$T/dots"
	sort "$T/planted" | comm -23 "$T/dots" -
}

# private DIR...: the regular files under DIR not planted that are not 0600.
private() {
	find "$@" -maxdepth 2 -type f ! -name '.*' ! -perm 0600
}

# ---- render -o and protokoll -o ----
"$bin" render --config examples/expediera.conf "$ex" -o "$T/learn-render" >/dev/null 2>&1
ls "$T/learn-render" >"$T/render-names"
echo protokoll.pdf >>"$T/render-names"
: >"$T/planted"
plant "$T/render-names" "$T/render" "$T/prot"
"$bin" render --config examples/expediera.conf "$ex" -o "$T/render" >"$tmp/out" 2>"$tmp/err"
echo $? >"$tmp/rc"
ls "$T/render" >"$T/got-names"
if [ "$(rc)" -eq 0 ] && cmp -s "$T/got-names" <(grep -v '^protokoll.pdf$' "$T/render-names") &&
    [ -s "$T/render-names" ]; then ok; else
	bad "tmpfiles: render -o into a folder with planted names (exit $(rc))"
	head -n 3 "$tmp/err"
fi
bad_pdf=$(for f in "$T"/render/*.pdf; do head -c 5 "$f" | grep -q '%PDF-' || echo "$f"; done)
[ -z "$bad_pdf" ] && [ -z "$(private "$T/render")" ] && ok ||
	bad "tmpfiles: render -o: outputs not whole PDFs or not 0600: $bad_pdf $(private "$T/render")"
ln -s "$T/elsewhere/target" "$T/prot/protokoll.pdf"
"$bin" protokoll --config examples/expediera.conf "$ex" -o "$T/prot/protokoll.pdf" >"$tmp/out" 2>"$tmp/err"
echo $? >"$tmp/rc"
if [ "$(rc)" -eq 0 ] && [ ! -L "$T/prot/protokoll.pdf" ] && head -c 5 "$T/prot/protokoll.pdf" | grep -q '%PDF-' &&
    [ -z "$(private "$T/prot")" ]; then ok; else
	bad "tmpfiles: protokoll -o into a folder with planted names (exit $(rc))"
	head -n 3 "$tmp/err"
fi
u=$(untouched 2>&1) && ok || bad "tmpfiles: render/protokoll -o: $u"
l=$(leftovers "$T/render" "$T/prot")
[ -z "$l" ] && ok || bad "tmpfiles: render/protokoll -o left temporary files: $l"

# ---- send: print folder, archive, hand-over ----
W=$T/learn-send
mkwork "$W"
send_in "$W" "$ex"
want_rc=$(rc)
expected=$(printed "$W")
(cd "$W/out" && find . -type f ! -name '.*' ! -name '*.db*' -printf '%f\n' | sort -u) >"$T/send-names"
n_arkiv=$(ls "$W"/out/arkiv | wc -l)
sends=ok
for point in none file-sending file-written batch-sending batch-written; do
	W=$T/send-$point
	mkwork "$W"
	: >"$T/planted"
	mkdir -p "$W/out/manuell"
	subs=$(cd "$T/learn-send/out/manuell" && find . -mindepth 1 -maxdepth 1 -type d -printf "$W/out/manuell/%f\n")
	# shellcheck disable=SC2086
	plant "$T/send-names" "$W/out/print" "$W/out/arkiv" "$W/out/manuell" $subs
	chmod 0777 "$W/out"
	if [ "$point" = none ]; then
		send_in "$W" "$ex"
		r=$(rc)
	else
		r=$( { EXPEDIERA_CRASH_AT=$point "$bin" send --config "$W/expediera.conf" "$ex" >/dev/null 2>&1; echo $?; } 2>/dev/null)
		l=$(leftovers "$W/out/print" "$W/out/arkiv" "$W/out/manuell")
		[ "$r" -eq 137 ] && [ -z "$l" ] && ok ||
			bad "tmpfiles: send killed at $point (exit $r) left temporary files: $l"
		send_in "$W" "$ex"
		r=$(rc)
	fi
	if [ "$r" -eq "$want_rc" ] && [ "$(printed "$W")" = "$expected" ] &&
	    [ "$(ls "$W"/out/arkiv | wc -l)" -eq "$n_arkiv" ]; then ok; else
		bad "tmpfiles: send ($point) into folders with planted names: exit $r, want $want_rc"
		head -n 3 "$tmp/err"
		sends=
	fi
	p=$(private "$W/out/print" "$W/out/arkiv" "$W/out/manuell")
	[ -z "$p" ] && ok || bad "tmpfiles: send ($point): not 0600: $p"
	u=$(untouched 2>&1) && ok || bad "tmpfiles: send ($point): $u"
	l=$(leftovers "$W/out/print" "$W/out/arkiv" "$W/out/manuell")
	[ -z "$l" ] && ok || bad "tmpfiles: send ($point) left temporary files: $l"
done
[ -n "$sends" ] && [ "$(wc -l <"$T/send-names")" -gt 3 ] && ok || bad "tmpfiles: send learned no names"

# ---- what a killed run leaves under the new names is still swept ----
W=$T/sweep
mkwork "$W"
mkdir -p "$W/out/print"
sleep 30 & live=$!
dead=$(sh -c 'echo $$')
printf 'personuppgifter' >"$W/out/print/.utskrift-x.pdf.tmp$dead-0123456789abcdef"
printf 'personuppgifter' >"$W/out/print/.utskrift-y.pdf.tmp$live-0123456789abcdef"
printf 'personuppgifter' >"$W/out/print/.utskrift-z.pdf.tmp$dead-0123456789abcdef.new"
touch -d '1 hour ago' "$W"/out/print/.utskrift-*
send_in "$W" "$ex"
kill "$live" 2>/dev/null
wait "$live" 2>/dev/null
if [ ! -e "$W/out/print/.utskrift-x.pdf.tmp$dead-0123456789abcdef" ] &&
    [ -e "$W/out/print/.utskrift-y.pdf.tmp$live-0123456789abcdef" ] &&
    [ -e "$W/out/print/.utskrift-z.pdf.tmp$dead-0123456789abcdef.new" ]; then ok; else
	bad "tmpfiles: sweep: a dead run's temporary file left, or a live one removed"
	ls -la "$W/out/print"
fi
