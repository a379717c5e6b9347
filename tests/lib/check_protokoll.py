"""check_protokoll.py PROTOKOLL_XML INTERN_TXT OFFENTLIG_TXT -- reads the two
versions of the protocol (pdftotext output) against protokoll.xml and checks
the masking of SPEC section 2.1:

- a paragraph is masked in the public version when sekretess="true" (with or
  without <galler>), or when it has <galler> and no sekretess attribute; only
  sekretess="false" publishes a <galler> paragraph;
- a masked paragraph shows its number, dnr, <offentlig-rubrik> (else
  "Sekretess") and "Sekretess enligt 26 kap. 1 § OSL"; with
  offentligt-beslut="true" also its decision points; nothing else of it: not
  its rubrik, galler, lagrum, beslutsgång, description, reasons or documents,
  and no name or personnummer of the galler, not even in the decision points
  (SPEC 4: "den unge" or "den enskilde" stands in their place);
- the public version prints no personnummer at all;
- the internal version shows every part of every paragraph.

Prints one line per problem and "N passed, N failed" last."""
import re
import sys
import xml.etree.ElementTree as ET

from tally import check, summary

P = "{urn:expediera:protokoll:1}"
root = ET.parse(sys.argv[1]).getroot()
intern = open(sys.argv[2], encoding="utf-8").read()
public = open(sys.argv[3], encoding="utf-8").read()


def text(e):
    return " ".join((e.text or "").split()) if e is not None else ""


def bare(s):
    # pdftotext joins a word broken at a line end ("hälso-" + "och"): compare
    # without white space and dashes.
    return re.sub(r"[\s\-–]", "", s)


def segments(doc, paragrafer):
    """The text of each paragraph, from its "§ nr  Dnr dnr" head to the next."""
    # Without the page furniture between two pages (the "Justerandes sign"
    # box, the footer, the next page's header down to its version mark): a
    # decision point broken over a page reads as one.
    doc = re.sub(r"Justerandes sign.*?(Intern|Offentlig) version – [^\n]*\n", " ", doc, flags=re.S)
    flat = " ".join(doc.split())
    heads = []
    for p in paragrafer:
        head = f"§ {p.get('nr')}"
        if p.get("dnr"):
            head += f" Dnr {' '.join(p.get('dnr').split())}"
        heads.append(flat.find(head))
    out = {}
    for i, p in enumerate(paragrafer):
        end = min([h for h in heads[i + 1:] if h > heads[i]] + [flat.find("Underskrifter", heads[i])
                   if flat.find("Underskrifter", heads[i]) > 0 else len(flat)])
        out[p.get("nr")] = flat[heads[i]:end] if heads[i] >= 0 else None
    return out


paragrafer = root.findall(P + "paragraf")
pub = segments(public, paragrafer)
inn = segments(intern, paragrafer)
PNR = re.compile(r"(?<![0-9])(\d{8}|\d{6})[-+]?\d{4}(?![0-9])")
check(not PNR.search(public), "the public protocol prints a personnummer")

for p in paragrafer:
    nr = p.get("nr")
    g = p.find(P + "galler")
    sek = p.get("sekretess")
    masked = sek in ("true", "1") or (sek is None and g is not None)
    punkter = [text(x) for x in p.findall(P + "beslut/" + P + "punkt")]
    private = [text(x) for x in p.findall(P + "skal/" + P + "stycke")]
    private += [text(x) for x in p.findall(P + "beskrivning/" + P + "stycke")]
    private += [text(x) for x in p.findall(P + "beslutsunderlag/" + P + "handling")]
    private += [text(x) for x in p.findall(P + "beslutsgang")]
    private += [text(x) for x in p.findall(P + "lagrum")]
    seg, iseg = pub[nr], inn[nr]
    check(seg is not None, f"§ {nr}: not in the public protocol with its dnr")
    check(iseg is not None, f"§ {nr}: not in the internal protocol with its dnr")
    if seg is None or iseg is None:
        continue
    # The internal protocol shows everything.
    every = [text(p.find(P + "rubrik"))] + punkter + private
    if g is not None:
        every += [text(g.find(P + "namn")), text(g.find(P + "personnummer"))]
    for x in every:
        check(bare(x) in bare(iseg), f"§ {nr}: the internal protocol lacks {x[:40]!r}")
    if not masked:
        for x in [text(p.find(P + "rubrik"))] + punkter:
            check(bare(x) in bare(seg), f"§ {nr}: published but lacks {x[:40]!r}")
        check("Sekretess enligt 26 kap. 1 § OSL" not in seg, f"§ {nr}: published but masked")
        continue
    rubrik = text(p.find(P + "offentlig-rubrik")) or "Sekretess"
    check(rubrik in seg, f"§ {nr}: masked without {rubrik!r}")
    check(text(p.find(P + "rubrik")) not in seg, f"§ {nr}: masked but shows its rubrik")
    check("Sekretess enligt 26 kap. 1 § OSL" in seg, f"§ {nr}: masked without the ground")
    shown = p.get("offentligt-beslut") in ("true", "1")
    namn = text(g.find(P + "namn")) if g is not None else ""
    pnr = re.sub(r"\D", "", text(g.find(P + "personnummer"))) if g is not None else ""
    # The galler's name parts as whole words, and the number in any form.
    parts = [w for w in re.split(r"[\s\-]+", namn) if len(w) >= 2]
    names = re.compile(r"(?<!\w)(%s)(s|'s|’s)?(?!\w)" % "|".join(map(re.escape, parts)), re.I) \
        if parts else None
    number = re.compile(r"(?<!\d)(%s)?%s[-+ –]?%s(?!\d)" % (pnr[:2], pnr[2:8], pnr[8:])) \
        if len(pnr) == 12 else None

    def names_galler(x):
        return (names is not None and names.search(x)) or (number is not None and number.search(x))

    for x in punkter:
        if shown and names_galler(x):
            # SPEC 4: shown with "den unge" / "den enskilde" in the galler's place
            check(re.search(r"den (unge|enskilde)", seg, re.I),
                  f"§ {nr}: offentligt-beslut but no 'den unge'/'den enskilde' for {x[:40]!r}")
        elif shown:
            check(bare(x) in bare(seg), f"§ {nr}: offentligt-beslut but lacks {x[:40]!r}")
        else:
            check(bare(x) not in bare(seg), f"§ {nr}: masked but shows {x[:40]!r}")
    # What is left when the decision points shown are taken away.
    rest = bare(seg)
    for x in punkter if shown else []:
        # a point that names the galler is shown in pieces around "den unge"
        pieces = [x]
        for rx in (names, number):
            if rx is not None:
                pieces = [q for piece in pieces for q in rx.split(piece)[::rx.groups + 1]]
        for q in pieces:
            if bare(q):
                rest = rest.replace(bare(q), "", 1)
    for x in private:
        check(bare(x) not in rest, f"§ {nr}: masked but shows {x[:40]!r}")
    # Not the galler's name or number anywhere, the decision points included.
    if names is not None:
        check(not names.search(seg), f"§ {nr}: masked but names the galler ({namn!r})")
    if number is not None:
        check(not number.search(seg.replace(" ", "")) and not number.search(seg),
              f"§ {nr}: masked but shows the galler's personnummer")
summary()
