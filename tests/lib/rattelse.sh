# rattelse.sh -- sourced by run.sh: expediera rattelse (SPEC 4, 7 and 8).
# A rättelse of the sending goes only to the recipients whose försändelse
# changed; it is dated the day it is made, says what it corrects and which
# försändelse it replaces, says the decision is unchanged, and never prints
# the nämnd's internal reason (--orsak), only --till-mottagaren.  A rättelse
# of the decision's text (--beslutet-rattat) goes to every recipient.  Text
# with control characters, blank or too long is refused before anything is
# opened.  The example's § 122 (SN/2026:404): Mikael Järvinen (post), Sanna
# Järvinen (protected: via Skatteverket), the family home Kristina Dahl, and
# two archive copies (Akt, Handläggare).

export TZ=Europe/Stockholm
R=$tmp/rattelse
mkwork "$R"
rpkg=$tmp/rattelse-paket
rm -rf "$rpkg"
cp -r examples/sammantrade-2026-11-18 "$rpkg"
rsheet=$rpkg/forsattsblad/sn-2026-404.xml
# r CMD ARGS...: runs expediera CMD with R's configuration; out, err, rc in $tmp.
r() {
	c=$1
	shift
	"$bin" "$c" --config "$R/expediera.conf" "$@" >"$tmp/out" 2>"$tmp/err"
	echo $? >"$tmp/rc"
}
# rhist: historik --json of SN/2026:404 into $tmp/rhist.json
rhist() { "$bin" historik --json --config "$R/expediera.conf" --dnr SN/2026:404 >"$tmp/rhist.json" 2>"$tmp/err"; }
# Every PDF of R's outputs, one a line, sorted; events in the log.
rfiles() { find "$R/out" -type f -name '*.pdf' ! -name 'expedieringslista-*' | sort; }
revents() { sqlite3 "$R/out/expediera.db" 'SELECT count(*) FROM event' 2>/dev/null; }
# revkind KIND: the log's events of that kind.
revkind() { sqlite3 "$R/out/expediera.db" "SELECT count(*) FROM event WHERE kind = '$1'"; }
# The försändelser of the print batches new since the list in $1, one a line.
rnew_rows() {
	for m in "$R"/out/print/*.csv; do
		grep -qxF "${m%.csv}.pdf" "$1" || tail -n +2 "$m"
	done
}
# rtext PDF: its text on one line.
rtext() { pdftotext "$1" - 2>/dev/null | tr '\n' ' ' | tr -s ' '; }

EXPEDIERA_AUDIT_NOW=2026-11-20T10:00:00Z r send "$rpkg"
[ "$(rc)" -eq 3 ] && ok || { bad "rattelse: the first send (exit $(rc))"; cat "$tmp/err"; }
rhist
mikael_id=$(python3 -c 'import json,sys; print([r["id"] for r in json.load(open(sys.argv[1]))["forsandelser"] if r["mottagare"].startswith("Mikael") and r["paragraf"] == 122][0])' "$tmp/rhist.json")
[ -n "$mikael_id" ] && ok || bad "rattelse: no försändelse to Mikael Järvinen in § 122"

# ---- refused before anything is opened: control characters, blank, too long ----
rfiles >"$tmp/rfiles0"
ev0=$(revents)
long=$(python3 -c 'print("å" * 501)')
n=0
for orsak in "$(printf 'Fel adress\tintern')" "$(printf 'Fel\nadress')" "$(printf '\033[31mFel adress\033[0m')" \
    "$(printf 'Fel \302\23331m adress')" "$(printf 'Fel \302\205 adress')" "$(printf 'Fel \177 adress')" \
    "$(printf 'Fel \342\200\256 adress')" "$(printf 'Fel \377 adress')" "$(printf 'Fel \300\240 adress')" \
    "   " "$(printf ' \302\240 ')" "$long"; do
	n=$((n + 1))
	r rattelse "$rpkg" --paragraf 122 --orsak "$orsak"
	if [ "$(rc)" -eq 2 ] && grep -q -e 'styrtecken' -e 'UTF-8' -e 'tom' -e 'högst 500' "$tmp/err" &&
	    [ "$(wc -l <"$tmp/err")" -eq 1 ] && ! grep -q "$(printf '\033')" "$tmp/err"; then ok; else
		bad "rattelse: --orsak number $n is not refused (exit $(rc))"; cat "$tmp/err"
	fi
	r rattelse "$rpkg" --paragraf 122 --orsak "Fel adress" --till-mottagaren "$orsak"
	[ "$(rc)" -eq 2 ] && grep -q -- '--till-mottagaren' "$tmp/err" && ok || bad "rattelse: --till-mottagaren number $n is not refused (exit $(rc))"
done
# Before anything is opened: a session or configuration that is not there is not reached.
"$bin" rattelse "$tmp/finns-inte" --config "$tmp/finns-inte.conf" --paragraf 122 --orsak "$(printf '\033[2J')" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 2 ] && grep -q 'styrtecken' "$tmp/err" && ok || { bad "rattelse: a bad --orsak is looked at after the session is opened"; cat "$tmp/err"; }
r rattelse "$rpkg" --paragraf 122 --orsak "Fel" --fel-mottagare --beslutet-rattat
[ "$(rc)" -eq 2 ] && grep -q 'går inte att ange tillsammans' "$tmp/err" && ok || bad "rattelse: --fel-mottagare with --beslutet-rattat (exit $(rc))"
r rattelse "$rpkg" --paragraf 122 --orsak "Fel" --till-mottagaren
[ "$(rc)" -eq 2 ] && ok || bad "rattelse: --till-mottagaren without a text (exit $(rc))"
r send "$rpkg" --beslutet-rattat
[ "$(rc)" -eq 2 ] && grep -q 'hör till kommandot rattelse' "$tmp/err" && ok || bad "rattelse: send takes --beslutet-rattat"
[ "$(revents)" -eq "$ev0" ] && ok || bad "rattelse: a refused command line wrote to the log"
# The exact limit: 500 characters (Å is two bytes, one character) go (and then
# find nothing changed).
r rattelse "$rpkg" --paragraf 122 --orsak "$(python3 -c 'print("Å" * 500)')"
[ "$(rc)" -eq 1 ] && grep -q 'utskicket har inte ändrats' "$tmp/err" && ok || { bad "rattelse: 500 characters are refused"; cat "$tmp/err"; }

# ---- nothing changed: refused, nothing sent ----
r rattelse "$rpkg" --paragraf 122 --orsak "Ingen ändring"
if [ "$(rc)" -eq 1 ] && grep -q 'utskicket har inte ändrats' "$tmp/err" && grep -q -- '--beslutet-rattat' "$tmp/err"; then ok; else
	bad "rattelse: a rättelse of a sending that did not change (exit $(rc))"; cat "$tmp/err"
fi
rfiles >"$tmp/rfiles1"
if cmp -s "$tmp/rfiles0" "$tmp/rfiles1" && [ "$(revkind rattelse)" -eq 0 ] && [ "$(revkind ersatt)" -eq 0 ]; then ok; else
	bad "rattelse: a refused rättelse left something behind"
	diff "$tmp/rfiles0" "$tmp/rfiles1"
fi

# ---- one address changed: exactly one new försändelse, to that recipient ----
sed -i 's|Södra Linvägen 8|Norra Linvägen 2|' "$rsheet"
EXPEDIERA_AUDIT_NOW=2026-11-25T10:00:00Z r rattelse "$rpkg" --paragraf 122 --orsak "Internt: handläggaren skrev fel adress" \
    --till-mottagaren "Vi ber om ursäkt för besväret."
if [ "$(rc)" -eq 0 ] && grep -q ': 1 skickade, 0 redan' "$tmp/out" &&
    grep -q 'rättelse 1 av utskicket; 1 mottagare får en ny försändelse, 1 tidigare' "$tmp/err"; then ok; else
	bad "rattelse: an address changed (exit $(rc))"; cat "$tmp/out" "$tmp/err"
fi
rfiles >"$tmp/rfiles2"
new=$(comm -13 "$tmp/rfiles1" "$tmp/rfiles2")
rows=$(rnew_rows "$tmp/rfiles1")
if [ "$(printf '%s\n' "$new" | grep -c .)" -eq 1 ] && [ "$(printf '%s\n' "$rows" | grep -c .)" -eq 1 ] &&
    printf '%s' "$rows" | grep -q 'mikael-jarvinen-rattelse1.pdf,Mikael Järvinen,'; then ok; else
	bad "rattelse: not exactly one new försändelse, to Mikael Järvinen:"; printf '%s\n' "$new" "$rows"
fi
t=$(rtext "$(printf '%s\n' "$new" | head -n 1)")
for want in 'Datum 2026-11-25' 'Rättelse av utskick' 'Beslutet är inte ändrat' \
    "ersätter försändelse $mikael_id som skickades den 20 november 2026" \
    'Beslutet skickades den 20 november 2026 till fel mottagare eller fel adress' \
    'Vi ber om ursäkt för besväret.' 'Sammanträdesdatum 2026-11-18' 'Norra Linvägen 2'; do
	case "$t" in *"$want"*) ok ;; *) bad "rattelse: the corrected letter lacks \"$want\"" ;; esac
done
for nope in 'handläggaren skrev fel' 'Internt' 'Datum 2026-11-18' 'Södra Linvägen' 'Rättelse av beslutets text'; do
	case "$t" in *"$nope"*) bad "rattelse: the corrected letter says \"$nope\"" ;; *) ok ;; esac
done
# The log keeps the internal reason for the secretary.
r historik --dnr SN/2026:404
if grep -q "ersatt: genom rättelse 2026-11-25: Internt: handläggaren skrev fel adress" "$tmp/out" && ! unmasked <"$tmp/out"; then ok; else
	bad "rattelse: historik lacks the rättelse's internal reason"; cat "$tmp/out"
fi
# Again: nothing new; and a send after it sends nothing.
EXPEDIERA_AUDIT_NOW=2026-11-25T11:00:00Z r rattelse "$rpkg" --paragraf 122 --orsak "Internt: handläggaren skrev fel adress" \
    --till-mottagaren "Vi ber om ursäkt för besväret."
[ "$(rc)" -eq 0 ] && grep -q ': 0 skickade, 1 redan' "$tmp/out" && ok || { bad "rattelse: the same rättelse again sent something"; cat "$tmp/out" "$tmp/err"; }
r check "$rpkg"
[ "$(rc)" -eq 0 ] && ok || { bad "rattelse: the sheet still differs after the rättelse"; cat "$tmp/err"; }
r send "$rpkg"
grep -q ': 0 skickade, 36 redan' "$tmp/out" && ok || { bad "rattelse: send after the rättelse"; cat "$tmp/out"; }
r rattelse "$rpkg" --paragraf 122 --orsak "Igen"
[ "$(rc)" -eq 1 ] && grep -q 'utskicket har inte ändrats' "$tmp/err" && ok || { bad "rattelse: a second rättelse with nothing changed"; cat "$tmp/err"; }

# ---- the family home replaced: only the new one gets it, not told who had it ----
sed -i 's|<namn>Kristina Dahl</namn>|<namn>Karl Dahl</namn>|; s|19720426-[0-9]\{4\}|19700101-1233|' "$rsheet"
rfiles >"$tmp/rfiles3"
EXPEDIERA_AUDIT_NOW=2026-11-26T10:00:00Z r rattelse "$rpkg" --paragraf 122 --orsak "Beslutet gick till fel familjehem" --fel-mottagare
if [ "$(rc)" -eq 0 ] && grep -q ': 1 skickade, 0 redan' "$tmp/out" && grep -q '1 registrerade som felaktigt utskickade' "$tmp/err"; then ok; else
	bad "rattelse: the family home replaced (exit $(rc))"; cat "$tmp/out" "$tmp/err"
fi
rfiles >"$tmp/rfiles4"
new=$(comm -13 "$tmp/rfiles3" "$tmp/rfiles4")
t=$(rtext "$(printf '%s\n' "$new" | head -n 1)")
if [ "$(printf '%s\n' "$new" | grep -c .)" -eq 1 ] && case "$t" in *'Datum 2026-11-26'*'Karl Dahl'*) true ;; *) false ;; esac &&
    case "$t" in *'skickas därför nu till dig. Beslutet är inte ändrat.'*) true ;; *) false ;; esac &&
    case "$t" in *Kristina*|*'fel familjehem'*|*'ersätter försändelse'*) false ;; *) true ;; esac; then ok; else
	bad "rattelse: the new family home's letter:"; printf '%s\n' "$new"; printf '%s\n' "$t" | head -c 1500
fi
rhist
if python3 - "$tmp/rhist.json" <<'PY'
import json, sys
rows = [r for r in json.load(open(sys.argv[1]))["forsandelser"] if r["paragraf"] == 122]
k = [r for r in rows if r["mottagare"].startswith("Kristina")]
assert len(k) == 1 and k[0]["state"] == "felaktigt utskickad" and k[0]["felaktigt_utskickad"], k
assert "Beslutet gick till fel familjehem" in k[0]["reason"], k
karl = [r for r in rows if r["mottagare"].startswith("Karl")]
assert len(karl) == 1 and karl[0]["rattelse"] == 2 and karl[0]["tid"] == "2026-11-26 11:00", karl
# Sanna and the archive copies were not sent again.
assert len([r for r in rows if r["mottagare"].startswith("Sanna")]) == 1, rows
assert len([r for r in rows if r["roll"] == "intern"]) == 2, rows
PY
then ok; else bad "rattelse: historik after the family home was replaced"; fi

# ---- the decision's text corrected: every recipient, each told what it replaces ----
sed -i 's|senast den 18 december 2026|senast den 17 december 2026|' "$rpkg/protokoll.xml"
rfiles >"$tmp/rfiles5"
EXPEDIERA_AUDIT_NOW=2026-11-27T10:00:00Z r rattelse "$rpkg" --paragraf 122 --orsak "Fel datum i punkt 2" --beslutet-rattat
if [ "$(rc)" -eq 0 ] && grep -q ': 5 skickade, 0 redan' "$tmp/out" &&
    grep -q 'rättelse 3 av beslutets text; 5 mottagare får en ny försändelse, 5 tidigare' "$tmp/err"; then ok; else
	bad "rattelse: --beslutet-rattat does not go to every recipient (exit $(rc))"; cat "$tmp/out" "$tmp/err"
fi
rfiles >"$tmp/rfiles6"
comm -13 "$tmp/rfiles5" "$tmp/rfiles6" >"$tmp/rnew"
rhist
# Each letter names its own recipient's försändelse it replaces, and that one's date.
if python3 - "$tmp/rhist.json" "$tmp/rnew" <<'PY'
import json, subprocess, sys
rows = [r for r in json.load(open(sys.argv[1]))["forsandelser"] if r["paragraf"] == 122]
new = [r for r in rows if r["rattelse"] == 3]
assert len(new) == 5, [(r["mottagare"], r["rattelse"]) for r in rows]
months = {"11": "november"}
def long(d):
    return "%d %s %s" % (int(d[8:10]), months[d[5:7]], d[:4])
texts = []
for f in open(sys.argv[2]).read().split():
    t = subprocess.run(["pdftotext", f, "-"], capture_output=True, text=True).stdout
    texts.append(" ".join(t.split()))
for who, before in (("Mikael", "2026-11-25"), ("Karl", "2026-11-26"), ("Sanna", "2026-11-20")):
    old = [r for r in rows if r["mottagare"].startswith(who) and r["rattelse"] < 3]
    old = [max(old, key=lambda r: r["rattelse"])]
    assert old[0]["state"] == "ersatt" and old[0]["tid"].startswith(before), (who, old)
    want = "Detta brev ersätter försändelse %s från den %s" % (old[0]["id"], long(before))
    assert any(want in t and "Rättelse av beslutets text" in t and "Datum 2026-11-27" in t
               for t in texts), (who, want)
assert all("Fel datum i punkt 2" not in t and "Beslutet är inte ändrat" not in t for t in texts)
assert any("senast den 17 december 2026" in t for t in texts)
PY
then ok; else bad "rattelse: the letters of --beslutet-rattat"; fi
r audit verify
[ "$(rc)" -eq 0 ] && ok || { bad "rattelse: audit verify after the rättelser"; cat "$tmp/out"; }
unset TZ
