#!/bin/bash
# mklegacy.sh -- makes tests/fold/legacy/: the audit log (and its key) of an
# earlier expediera, whose address key folded ASCII letters only.  The
# package of paket.sh (addresses in capital Å Ä Ö) is sent, and the letter to
# Mikael Järvinen (§ 122) is registered as returned.  tests/lib/fold.sh reads
# the log with the present program.
#
#   EXPEDIERA_OLD=path/to/old/build/asan/expediera tests/fold/mklegacy.sh
#
# The binary must be a test build (EXPEDIERA_AUDIT_NOW) from before the
# address key folded Å Ä Ö (commit e5016fe).  The key is made from a fixed
# text.  What is kept must hold no personnummer, nor anything that looks like
# one: a hash in the log may happen to have twelve digits in a row.  The log
# is made again, with another phone number of the nämnd (which changes every
# document) and other random names of the printed files, until none has.  The
# batch rows keep the user and host name that made them.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
old=${EXPEDIERA_OLD:?EXPEDIERA_OLD=path to the earlier binary}
old=$(cd "$(dirname "$old")" && pwd)/$(basename "$old")
export TZ=Europe/Stockholm
. tests/lib/mkwork.sh
# The log keeps the absolute paths of the output folders: a fixed one, then,
# that names nothing of the machine it was made on.
w=/tmp/expediera-legacy
trap 'rm -rf "$w"' EXIT

# make_log N: one log in $w/out, phone number N; 1 when it holds something that looks like a
# personnummer, and the script ends on any other failure.
make_log() {
	mkwork "$w"
	chmod 0700 "$w"
	mkdir -m 0700 "$w/out"
	printf '%s\n' "$(printf 'expediera tests/fold/legacy' | sha256sum | cut -c1-64)" \
	    >"$w/out/expediera.key"
	chmod 0600 "$w/out/expediera.key"
	sed -i "s/^phone = .*/phone = 0150-100 $(printf %02d "$1")/" "$w/expediera.conf"
	bash "$top/tests/fold/paket.sh" "$w/paket"
	(
		cd "$w"
		rc=0
		EXPEDIERA_AUDIT_NOW=2026-11-20T10:00:00Z "$old" send --config expediera.conf paket \
		    >send.out 2>send.err || rc=$?
		if [ "$rc" -ne 3 ]; then
			echo "mklegacy: send exited $rc" >&2
			cat send.err >&2
			exit 2
		fi
		id=$("$old" historik --json --config expediera.conf --person 19861219-9854 |
		    python3 -c 'import json,sys; print([r["id"] for r in json.load(sys.stdin)["forsandelser"] if r["roll"] == "vardnadshavare" and r["route"] == "print"][0])') &&
		    EXPEDIERA_AUDIT_NOW=2026-11-25T10:00:00Z "$old" retur --config expediera.conf "$id" \
		    --datum 2026-11-24 --orsak "Okänd på adressen" >/dev/null &&
		    sqlite3 out/expediera.db 'PRAGMA wal_checkpoint(TRUNCATE); VACUUM' >/dev/null || exit 2
	) || exit 2
	if sqlite3 "$w/out/expediera.db" .dump | grep -Fq -e "$top" -e "$HOME"; then
		echo "mklegacy: the log holds a path of this machine" >&2
		exit 2
	fi
	! sqlite3 "$w/out/expediera.db" .dump | grep -Eq '(19|20)[0-9]{6}-?[0-9]{4}'
}

n=0
until make_log "$n"; do
	n=$((n + 1))
	if [ "$n" -ge 20 ]; then
		echo "mklegacy: every log made holds something that looks like a personnummer" >&2
		exit 1
	fi
done
rm -rf "$top/tests/fold/legacy"
mkdir -p "$top/tests/fold/legacy/out"
cp "$w/expediera.conf" "$top/tests/fold/legacy/"
cp "$w/out/expediera.db" "$w/out/expediera.key" "$top/tests/fold/legacy/out/"
ls -lR "$top/tests/fold/legacy"
