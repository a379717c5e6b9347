# fold.sh -- sourced by run.sh: an address is the same address whatever its
# case or spacing, Å Ä Ö as much as A-Z (SPEC 3, changed-after-send; SPEC 7,
# retur).  Post to "Åsvägen 1, Växjö" comes back; the sheet then gives
# "ÅSVÄGEN  1, VÄXJÖ": the address it came back from, so the recipient stays
# held.  A new address "Ängsgatan 3" is sent to once; the sheet then gives it
# as "ÄNGSGATAN  3, VÄXJÖ": no changed-after-send, and nothing goes out again.
# Runs on its own (EXPEDIERA=path/to/binary to try another build).

export TZ=Europe/Stockholm
F=$tmp/fold
mkwork "$F"
fpkg=$tmp/fold-paket
rm -rf "$fpkg"
cp -r examples/sammantrade-2026-11-18 "$fpkg"
fsheet=$fpkg/forsattsblad/sn-2026-404.xml
# Mikael Järvinen (§ 122) lives at Åsvägen 1, 352 30 Växjö.
sed -i 's|<utdelningsadress>Södra Linvägen 8</utdelningsadress>|<utdelningsadress>Åsvägen 1</utdelningsadress>|; s|<postnummer>641 39</postnummer>|<postnummer>352 30</postnummer>|' "$fsheet"
python3 - "$fsheet" <<'PY'
import sys
p = sys.argv[1]
s = open(p, encoding="utf-8").read()
i = s.index("<utdelningsadress>Åsvägen 1</utdelningsadress>")
j = s.index("<postort>Exempelby</postort>", i)
s = s[:j] + "<postort>Växjö</postort>" + s[j + len("<postort>Exempelby</postort>"):]
open(p, "w", encoding="utf-8").write(s)
PY
# f CMD ARGS...: runs expediera CMD with F's configuration; out, err, rc in $tmp.
# fx DIR CMD ARGS...: the same with DIR's configuration; fprinted DIR: its printed PDFs.
fx() {
	d=$1 c=$2
	shift 2
	"$bin" "$c" --config "$d/expediera.conf" "$@" >"$tmp/out" 2>"$tmp/err"
	echo $? >"$tmp/rc"
}
fprinted() { find "$1/out/print" -type f -name '*.pdf' 2>/dev/null | wc -l; }
f() { fx "$F" "$@"; }
fnfiles() { fprinted "$F"; }
# Mikael's försändelser in the log, as "state" lines.
fmikael() {
	"$bin" historik --json --config "$F/expediera.conf" --person 19861219-9854 |
	    python3 -c 'import json,sys; [print(r["state"]) for r in json.load(sys.stdin)["forsandelser"] if r["roll"] == "vardnadshavare"]' | sort
}

EXPEDIERA_AUDIT_NOW=2026-11-20T10:00:00Z f send "$fpkg"
[ "$(rc)" -eq 3 ] && ok || { bad "fold: the first send (exit $(rc))"; cat "$tmp/err"; }
fid=$("$bin" historik --json --config "$F/expediera.conf" --person 19861219-9854 |
    python3 -c 'import json,sys; print([r["id"] for r in json.load(sys.stdin)["forsandelser"] if r["roll"] == "vardnadshavare" and r["route"] == "print"][0])')
EXPEDIERA_AUDIT_NOW=2026-11-25T10:00:00Z f retur "$fid" --datum 2026-11-24 --orsak "Okänd på adressen"
[ "$(rc)" -eq 0 ] && ok || { bad "fold: retur (exit $(rc))"; cat "$tmp/err"; }

# ---- the address it came back from, in capitals and spaced: still held ----
sed -i 's|<utdelningsadress>Åsvägen 1</utdelningsadress>|<utdelningsadress>ÅSVÄGEN  1</utdelningsadress>|; s|<postort>Växjö</postort>|<postort>VÄXJÖ</postort>|' "$fsheet"
f check "$fpkg"
[ "$(rc)" -eq 0 ] && ok || { bad "fold: the returned address in capitals is changed-after-send"; cat "$tmp/err"; }
before=$(fnfiles)
EXPEDIERA_AUDIT_NOW=2026-11-25T10:00:00Z f send "$fpkg"
if [ "$(rc)" -eq 3 ] && grep -q ': 0 skickade, 35 redan skickade tidigare, 2 hålls' "$tmp/out" &&
    [ "$(fnfiles)" -eq "$before" ]; then ok; else
	bad "fold: post went again to the address it came back from, in capitals (exit $(rc))"; cat "$tmp/out" "$tmp/err"
fi

# ---- a new address: sent there once, then the same in capitals is no change ----
sed -i 's|<utdelningsadress>ÅSVÄGEN  1</utdelningsadress>|<utdelningsadress>Ängsgatan 3</utdelningsadress>|; s|<postort>VÄXJÖ</postort>|<postort>Växjö</postort>|' "$fsheet"
before=$(fnfiles)
EXPEDIERA_AUDIT_NOW=2026-11-26T10:00:00Z f send "$fpkg"
if [ "$(rc)" -eq 3 ] && grep -q ': 1 skickade, 35 redan' "$tmp/out" && [ "$(fnfiles)" -eq $((before + 1)) ]; then ok; else
	bad "fold: the new address was not sent to (exit $(rc))"; cat "$tmp/out" "$tmp/err"
fi
sed -i 's|<utdelningsadress>Ängsgatan 3</utdelningsadress>|<utdelningsadress>  ÄNGSGATAN  3 </utdelningsadress>|; s|<postort>Växjö</postort>|<postort>VÄXJÖ</postort>|' "$fsheet"
f check "$fpkg"
if [ "$(rc)" -eq 0 ] && ! grep -q 'changed-after-send' "$tmp/err"; then ok; else
	bad "fold: the new address in capitals is changed-after-send"; cat "$tmp/err"
fi
before=$(fnfiles)
EXPEDIERA_AUDIT_NOW=2026-11-27T10:00:00Z f send "$fpkg"
if [ "$(rc)" -eq 3 ] && grep -q ': 0 skickade, 36 redan' "$tmp/out" && [ "$(fnfiles)" -eq "$before" ] &&
    ! grep -q 'changed-after-send' "$tmp/err"; then ok; else
	bad "fold: send after the address in capitals (exit $(rc))"; cat "$tmp/out" "$tmp/err"
fi
# Two försändelser to Mikael in all: the one that came back, and one to Ängsgatan.
if [ "$(fmikael | tr '\n' ' ')" = "returnerad skickad " ]; then ok; else
	bad "fold: Mikael's försändelser are not one returned and one sent:" $(fmikael)
fi

# ---- a log written before Å Ä Ö were folded ----
# tests/fold/legacy (tests/fold/mklegacy.sh) is the log of an earlier
# expediera, whose address key folded A-Z only: the package of
# tests/fold/paket.sh sent, and the post to Mikael Järvinen at "ÅSVÄGEN 1,
# VÄXJÖ" returned.  Read now, the addresses the sheet still gives are the
# same addresses: Maria Sjöberg's "Östra vägen 14, ÖREBRO" is no
# changed-after-send, nor felaktigt utskickad in a rättelse, and Mikael is
# held; a new address for him is sent once.
L=$tmp/fold-legacy
rm -rf "$L"
cp -r tests/fold/legacy "$L"
chmod 0600 "$L/out/expediera.key"
lpkg=$tmp/fold-legacy-paket
bash tests/fold/paket.sh "$lpkg"
# l CMD ARGS...: runs expediera CMD with L's configuration; out, err, rc in $tmp.
l() { fx "$L" "$@"; }
lnfiles() { fprinted "$L"; }
l check "$lpkg"
if [ "$(rc)" -eq 0 ] && ! grep -q 'changed-after-send' "$tmp/err"; then ok; else
	bad "fold: an address in capitals in an earlier log is changed-after-send (exit $(rc))"; cat "$tmp/err"
fi
# Nor did § 123 go to a wrong address: a rättelse finds no one to point out.
EXPEDIERA_AUDIT_NOW=2026-11-26T10:00:00Z l rattelse "$lpkg" --paragraf 123 --orsak "Fel adress" --fel-mottagare
if [ "$(rc)" -eq 1 ] && grep -q 'alla som fick § 123 finns kvar på försättsbladet med samma adress' "$tmp/err" &&
    [ "$(lnfiles)" -eq 0 ]; then ok; else
	bad "fold: after an earlier log, an address in capitals is felaktigt utskickad (exit $(rc))"
	cat "$tmp/out" "$tmp/err"
fi
# --skip-invalid: Mikael's hold is tried on its own, whatever the check says of § 123.
EXPEDIERA_AUDIT_NOW=2026-11-26T10:00:00Z l send --skip-invalid "$lpkg"
if [ "$(rc)" -eq 3 ] && grep -q ': 0 skickade, 35 redan skickade tidigare, 2 hålls' "$tmp/out" &&
    [ "$(lnfiles)" -eq 0 ] && ! grep -q 'changed-after-send' "$tmp/err"; then ok; else
	bad "fold: after an earlier log, post went again to the address it came back from (exit $(rc))"
	cat "$tmp/out" "$tmp/err"
fi
sed -i 's|<utdelningsadress>ÅSVÄGEN 1</utdelningsadress>|<utdelningsadress>Ängsgatan 3</utdelningsadress>|' \
    "$lpkg/forsattsblad/sn-2026-404.xml"
EXPEDIERA_AUDIT_NOW=2026-11-27T10:00:00Z l send "$lpkg"
if [ "$(rc)" -eq 3 ] && grep -q ': 1 skickade, 35 redan' "$tmp/out" && [ "$(lnfiles)" -eq 1 ]; then ok; else
	bad "fold: after an earlier log, the new address was not sent to (exit $(rc))"; cat "$tmp/out" "$tmp/err"
fi
EXPEDIERA_AUDIT_NOW=2026-11-28T10:00:00Z l send "$lpkg"
if [ "$(rc)" -eq 3 ] && grep -q ': 0 skickade, 36 redan' "$tmp/out" && [ "$(lnfiles)" -eq 1 ]; then ok; else
	bad "fold: after an earlier log, the new address was sent to again (exit $(rc))"; cat "$tmp/out" "$tmp/err"
fi
unset TZ
