"""check_headings.py PROTOKOLL_XML TEXTS_CONF PDF... -- headings never stand
alone at the foot of a page (SPEC 4), read page by page through
pdftotext -layout on the pages of the protocol (internal or public) and of
the protokollsutdrag in each PDF (a försändelse's other pages are skipped):

- a paragraph's head (the "§ nr  Dnr ..." line and its rubrik) has at least
  two lines of its body under it on the same page (a line of a heading under
  it, "Beslut", does not count);
- a section heading ("Beslut", "Skäl för beslutet", "Beslutet skickas till",
  "Underskrifter"...) has at least two of its lines under it on its page, or
  all of them when it has fewer (its section ends where the next page starts
  with a heading).

The page's text is what lies between the running header (to "Sida n (m)" and
the marks set right under it) and the "Justerandes sign" box.  Prints one
line per problem and "N passed, N failed" last."""
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

from tally import check, summary

P = "{urn:expediera:protokoll:1}"


def norm(s):
    return " ".join(s.split())


root = ET.parse(sys.argv[1]).getroot()
rubriker = set()
for p in root.findall(P + "paragraf"):
    for tag in ("rubrik", "offentlig-rubrik"):
        e = p.find(P + tag)
        if e is not None and e.text:
            rubriker.add(norm(e.text))

# The headings of the extract and the protocol, as texts.conf words them.
headings = set()
ends = set()  # headings of what comes after the last paragraph
section = None
for line in open(sys.argv[2], encoding="utf-8"):
    m = re.match(r"^\[(\w+)\]", line)
    if m:
        section = m.group(1)
        continue
    m = re.match(r"^(\w+)\s*=\s*(.*)$", line)
    if not m:
        continue
    key, val = m.group(1), m.group(2).strip()
    if section == "utdrag" and key.endswith("_rubrik") and key != "bestyrkande_rubrik":
        headings.add(val)
    if section == "protokoll" and key in ("narvarande", "underskrifter", "anslag_titel"):
        headings.add(val)
        ends.add(val)
    if section == "protokoll" and key == "sekretess_rubrik":
        rubriker.add(val)

HEAD = re.compile(r"^§ \d+(\s+Dnr .*)?$")


def page_lines(pdf, n):
    """The body lines of page n, or None when it is no protocol or extract page."""
    out = subprocess.run(["pdftotext", "-layout", "-f", str(n), "-l", str(n), pdf, "-"],
                         capture_output=True, text=True).stdout
    raw = [l for l in out.split("\n") if l.strip()]
    if not raw or not re.search(r"\bPROTOKOLL(SUTDRAG)?\s*$", raw[0]):
        return None
    i = next((k for k, l in enumerate(raw) if re.search(r"Sida \d+ \(\d+\)", l)), -1) + 1
    while i < len(raw) and len(raw[i]) - len(raw[i].lstrip()) >= 20:
        i += 1  # the version or secrecy mark, set right under the page number
    end = next((k for k, l in enumerate(raw) if "Justerandes sign" in l), len(raw))
    return [norm(l) for l in raw[i:end]]


def kinds(lines):
    """Each line as "head" (a paragraph's § line or rubrik), "heading" or "body"."""
    out = []
    k = 0
    while k < len(lines):
        if HEAD.match(lines[k]):
            out.append("head")
            k += 1
            # the rubrik, wrapped over as many lines as it takes
            acc = ""
            while k < len(lines):
                t = (acc + " " + lines[k]).strip()
                if any(r.startswith(t) for r in rubriker):
                    out.append("head")
                    acc = t
                    k += 1
                    if t in rubriker:
                        break
                else:
                    break
            continue
        out.append("heading" if lines[k] in headings else "body")
        k += 1
    return out


def pages(pdf):
    info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True).stdout
    m = re.search(r"^Pages:\s+(\d+)", info, re.M)
    return int(m.group(1)) if m else 0


checked = 0
for pdf in sys.argv[3:]:
    doc = []
    for n in range(1, pages(pdf) + 1):
        lines = page_lines(pdf, n)
        if lines is not None:
            doc.append((n, lines, kinds(lines)))
    for j, (n, lines, kind) in enumerate(doc):
        checked += 1
        nxt = doc[j + 1][2] if j + 1 < len(doc) else []
        for k, what in enumerate(kind):
            if what == "head" and (k == 0 or kind[k - 1] != "head"):
                g = k
                while g < len(kind) and kind[g] == "head":
                    g += 1
                rest = kind[g:]
                # the paragraph ends on this page: the next starts here, or
                # the next page starts with the next or with the signatures
                whole = "head" in rest or not nxt or nxt[0] == "head" or \
                    doc[j + 1][1][0] in ends
                if "head" in rest:
                    rest = rest[:rest.index("head")]
                body = rest.count("body")
                check(body >= 2 or (whole and body >= 1),
                      f"{pdf} page {n}: {lines[k]!r} with {body} line(s) of its body under it")
            if what == "heading":
                rest = kind[k + 1:]
                b = 0
                while b < len(rest) and rest[b] == "body":
                    b += 1
                if b < len(rest):
                    check(b >= 1, f"{pdf} page {n}: {lines[k]!r} with nothing under it")
                else:
                    ended = not nxt or nxt[0] != "body"
                    check(b >= 2 or (ended and b >= 1),
                          f"{pdf} page {n}: {lines[k]!r} at the foot with {b} line(s) under it")
check(checked > 0, "no protocol or extract page read")
summary()
