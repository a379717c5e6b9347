#!/bin/bash
# paket.sh DIR -- the package the log in tests/fold/legacy/ was made from
# (mklegacy.sh) and tests/lib/fold.sh sends again: the bundled example with
# two addresses in capital Å Ä Ö, which the earlier address key kept as they
# were.  Mikael Järvinen (§ 122, whose post came back): "ÅSVÄGEN 1", 352 30
# "VÄXJÖ".  Maria Sjöberg (§ 123): "Östra vägen 14", 702 11 "ÖREBRO".
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$1"
cp -r "$top/examples/sammantrade-2026-11-18" "$1"
python3 - "$1/forsattsblad" <<'PY'
import sys

def edit(path, after, pairs):
    s = open(path, encoding="utf-8").read()
    i = s.index(after)
    for old, new in pairs:
        j = s.index(old, i)
        s = s[:j] + new + s[j + len(old):]
    open(path, "w", encoding="utf-8").write(s)

d = sys.argv[1]
edit(d + "/sn-2026-404.xml", "<namn>Mikael Järvinen</namn>\n", [
    ("<utdelningsadress>Södra Linvägen 8</utdelningsadress>",
     "<utdelningsadress>ÅSVÄGEN 1</utdelningsadress>"),
    ("<postnummer>641 39</postnummer>", "<postnummer>352 30</postnummer>"),
    ("<postort>Exempelby</postort>", "<postort>VÄXJÖ</postort>")])
edit(d + "/sn-2026-387.xml", "<namn>Maria Sjöberg</namn>\n", [
    ("<utdelningsadress>Lövåsvägen 14</utdelningsadress>",
     "<utdelningsadress>Östra vägen 14</utdelningsadress>"),
    ("<postnummer>643 91</postnummer>", "<postnummer>702 11</postnummer>"),
    ("<postort>Vingåker</postort>", "<postort>ÖREBRO</postort>")])
PY
