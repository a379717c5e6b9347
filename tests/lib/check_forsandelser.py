"""check_forsandelser.py SESSION RENDER_JSON DIR [X Y W H] -- reads every försändelse
that `expediera render --json` wrote, through pdftotext, and checks what a
recipient may and may not see (SPEC section 4):

- their own name and address are there (no address at all for a protected
  identity);
- no other recipient's name or address line is there, and no personnummer of
  anyone (a recipient's own is not printed either);
- the §, the dnr, "Protokollsutdrag", "Utdragsbestyrkande";
- a party (den-enskilde, vardnadshavare, …, ombud) gets a BESLUT with its
  reasons, and the appeal text when the paragraph can be appealed (and no
  word of an appeal time or sheet when it is understalls or
  ej-overklagbart); an
  informed recipient (familjehem, hvb, myndighet, annan) gets an
  UNDERRÄTTELSE OM BESLUT with the decision and lagrum, and no word of
  appealing, no reasons, no description, no beslutsgång and no
  beslutsunderlag (the defaults of templates/roller.conf);
- with a window X Y W H (mm from the top-left corner), every word of the
  address block on page 1 lies inside that envelope window.

Prints one line per problem and "N passed, N failed" last."""
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

from tally import check, summary

P = "{urn:expediera:protokoll:1}"
F = "{urn:expediera:forsattsblad:1}"

session, render_json, outdir = sys.argv[1:4]
window = [float(v) * 72 / 25.4 for v in sys.argv[4:8]] if len(sys.argv) >= 8 else None
doc = json.load(open(render_json))
prot = ET.parse(os.path.join(session, "protokoll.xml")).getroot()
paragrafer = {int(p.get("nr")): p for p in prot.findall(P + "paragraf")}

fbs = {}
fbdir = os.path.join(session, "forsattsblad")
for name in sorted(os.listdir(fbdir)) if os.path.isdir(fbdir) else []:
    if name.endswith(".xml"):
        root = ET.parse(os.path.join(fbdir, name)).getroot()
        fbs[root.find(F + "arende").get("dnr")] = root


PARTIES = {"den-enskilde", "vardnadshavare", "sarskilt-forordnad-vardnadshavare", "god-man",
           "forvaltare", "ombud"}


def text(e):
    return " ".join((e.text or "").split()) if e is not None else ""


def recipient(m):
    a = m.find(F + "adress")
    lines = []
    if a is not None:
        for tag in ("co", "utdelningsadress"):
            lines += [text(x) for x in a.findall(F + tag)]
        lines.append(f'{text(a.find(F + "postnummer"))} {text(a.find(F + "postort"))}'.strip())
    pnr = text(m.find(F + "personnummer"))
    return {"namn": text(m.find(F + "namn")), "adress": [l for l in lines if l],
            "pnr": pnr, "skyddad": m.find(F + "skyddad-identitet") is not None}


everyone = []
for fb in fbs.values():
    everyone += [recipient(m) for m in fb.findall(F + "mottagare")]

PNR = re.compile(r"(?<![0-9])(\d{8}|\d{6})[-+]?\d{4}(?![0-9])")


for d in doc["documents"]:
    p = paragrafer[d["paragraf"]]
    galler = text(p.find(P + "galler/" + P + "namn"))
    dnr = p.get("dnr")
    mine = [recipient(m) for m in fbs[dnr].findall(F + "mottagare")][d["index"] - 1]
    roll = fbs[dnr].findall(F + "mottagare")[d["index"] - 1].get("roll")
    path = os.path.join(outdir, d["file"])
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", path, "-"], capture_output=True,
                         text=True, check=True).stdout
    flat = " ".join(out.split())
    f = d["file"]
    check(mine["namn"] in flat or mine["skyddad"], f"{f}: own name missing")
    for line in mine["adress"]:
        check(line in flat, f"{f}: own address line {line!r} missing")
    check(not PNR.search(flat), f"{f}: a personnummer is printed")
    for other in everyone:
        if other is mine or other["namn"] in (mine["namn"], galler):
            continue
        check(other["namn"] not in flat, f"{f}: another recipient's name {other['namn']!r}")
        for line in other["adress"]:
            if line not in mine["adress"]:
                check(line not in flat, f"{f}: another recipient's address {line!r}")
    if window and mine["adress"] and not mine["skyddad"]:
        bbox = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", path, "-"],
                              capture_output=True, text=True, check=True).stdout
        words = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                           r'yMax="([\d.]+)">([^<]*)</word>', bbox)
        wanted = set(" ".join([mine["namn"]] + mine["adress"]).split())
        x, y, w, h = window
        placed = [(float(a), float(b), float(c), float(e), t) for a, b, c, e, t in words
                  if t in wanted and float(b) > y - 5 and float(e) < y + h + 30]
        check(placed, f"{f}: no address words found near the window")
        for a, b, c, e, t in placed:
            check(a >= x and c <= x + w and b >= y and e <= y + h,
                  f"{f}: address word {t!r} outside the window")
    check(f"§ {d['paragraf']}" in flat, f"{f}: § missing")
    check(dnr in flat, f"{f}: dnr missing")
    check("protokollsutdrag" in flat.lower(), f"{f}: Protokollsutdrag missing")
    check("Utdragsbestyrkande" in flat, f"{f}: Utdragsbestyrkande missing")
    ovk = p.find(P + "overklagande")
    punkter = [text(x) for x in p.findall(P + "beslut/" + P + "punkt")]
    for x in punkter + [text(x) for x in p.findall(P + "lagrum")]:
        check(re.sub(r"[\s\-–]", "", x) in re.sub(r"[\s\-–]", "", out),
              f"{f}: decision point or lagrum missing: {x[:40]!r}")
    private = [text(x) for x in p.findall(P + "skal/" + P + "stycke")]
    private += [text(x) for x in p.findall(P + "beskrivning/" + P + "stycke")]
    private += [text(x) for x in p.findall(P + "beslutsunderlag/" + P + "handling")]
    private += [text(x) for x in p.findall(P + "beslutsgang")]
    # pdftotext joins "hälso-" at a line end with the next line: compare
    # without spaces and dashes.
    bare = re.sub(r"[\s\-–]", "", out)
    if roll in PARTIES:
        check(re.search(r"(?m)^BESLUT$", out), f"{f}: a party's letter is not a BESLUT")
        check("UNDERRÄTTELSE" not in flat, f"{f}: a party gets an underrättelse")
        for x in private:
            check(re.sub(r"[\s\-–]", "", x) in bare, f"{f}: a party's försändelse lacks {x[:40]!r}")
        if ovk is not None and ovk.get("typ") == "forvaltningsbesvar":
            check("tre veckor" in flat and "förvaltningsrätten" in flat and
                  "Du kan överklaga beslutet" in flat, f"{f}: appeal text missing")
        # A decision that cannot be appealed (or is underställt the court)
        # gives no appeal time and no appeal sheet (SPEC 2.1).
        if ovk is None or ovk.get("typ") in ("understalls", "ej-overklagbart"):
            check("tre veckor" not in flat and "Hur man överklagar" not in flat and
                  "Du kan överklaga" not in flat,
                  f"{f}: a decision that cannot be appealed gets the appeal text")
        # Underställt (SPEC 2.1): not appealed, tried by the court; no appeal sheet.
        if ovk is not None and ovk.get("typ") == "understalls":
            check("kan inte överklagas" in flat and "underställs" in flat and
                  "offentligt biträde" in flat, f"{f}: what underställning means is missing")
            check("tre veckor" not in flat and "Hur man överklagar" not in flat and
                  "Om du vill överklaga" not in flat, f"{f}: an underställt decision is "
                  "said to be appealable")
        if ovk is not None and ovk.get("typ") == "ej-overklagbart":
            check("Om du vill överklaga" not in flat, f"{f}: an appeal heading above "
                  "'kan inte överklagas'")
    else:
        check("UNDERRÄTTELSE OM BESLUT" in flat, f"{f}: an informed recipient's letter is "
              "not an underrättelse om beslut")
        check("överklag" not in flat.lower(), f"{f}: an informed recipient is told of appealing")
        check("tre veckor" not in flat, f"{f}: an informed recipient gets the appeal page")
        for x in private:
            check(re.sub(r"[\s\-–]", "", x) not in bare,
                  f"{f}: an informed recipient reads {x[:40]!r}")
summary()
