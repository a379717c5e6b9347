#!/usr/bin/env python3
"""blankett.py -- drives the försättsblad form (expediera blankett) in a real
browser: Debian's chromium, headless, through chromedriver and
python3-selenium.  Called by tests/lib/blankett.sh.

    blankett.py PAGE EXPEDIERA EXAMPLE WORKDIR [--screenshot PNG]

PAGE is the page `expediera blankett` wrote, EXPEDIERA the binary whose check
judges what the page saves, EXAMPLE the bundled session package (its
försättsblad for SN/2026:441 is made again with the form), WORKDIR a fresh
directory.  Prints one line per test, "ok NAME" or "FAIL NAME: why", and
"done" at the end; personnummer in what it prints are masked.
"""

import base64
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

DNR = "SN/2026:441"
SHEET = "sn-2026-441.xml"
PNR_RE = re.compile(r"((?:18|19|20)\d{6})[-+]?\d{4}")


def masked(s):
    return PNR_RE.sub(r"\1-****", str(s))


results = {"ok": 0, "fail": 0}


def result(name, ok, why=""):
    if ok:
        print("ok " + name)
        results["ok"] += 1
    else:
        print("FAIL " + name + ": " + masked(why))
        results["fail"] += 1
    sys.stdout.flush()


def first_sentence(s):
    """The statement of a message, up to its first ". " (what check and the
    form share word for word; the advice after it may name XML in check)."""
    i = s.find(". ")
    return s if i < 0 else s[: i + 1]


class Browser:
    def __init__(self, workdir):
        self.profile = tempfile.mkdtemp(prefix="chromium-", dir=workdir)
        opts = webdriver.ChromeOptions()
        opts.binary_location = shutil.which("chromium")
        for a in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--window-size=940,1400", "--lang=sv-SE",
                  "--user-data-dir=" + self.profile):
            opts.add_argument(a)
        opts.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
        # The page asks before unsaved work is left; the test leaves on purpose.
        opts.set_capability("unhandledPromptBehavior", "accept")
        # Swedish, as at the municipality: the file chooser's own button too.
        env = dict(os.environ, LANGUAGE="sv_SE:sv", LANG="sv_SE.UTF-8")
        service = Service(executable_path=shutil.which("chromedriver"),
                          env=env)
        self.d = webdriver.Chrome(service=service, options=opts)
        self.d.set_page_load_timeout(30)
        self.requests = []
        self.console = []

    def downloads_to(self, path):
        os.makedirs(path, exist_ok=True)
        self.d.execute_cdp_cmd("Browser.setDownloadBehavior",
                               {"behavior": "allow", "downloadPath": path})

    def collect_logs(self):
        for e in self.d.get_log("performance"):
            m = json.loads(e["message"])["message"]
            if m.get("method") == "Network.requestWillBeSent":
                self.requests.append(m["params"]["request"]["url"])
        for e in self.d.get_log("browser"):
            self.console.append(e)

    def quit(self):
        try:
            self.d.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)


def by_id(d, i):
    return d.find_element(By.ID, i)


def typed(d, i, text):
    el = by_id(d, i)
    el.send_keys(Keys.CONTROL, "a")
    el.send_keys(Keys.DELETE)
    el.send_keys(text)
    return el


def block_ids(d, container):
    return [e.get_attribute("id") for e in
            d.find_elements(By.CSS_SELECTOR, "#" + container + " > .kort-block")]


def shown_text(d, i):
    """What the error box says, without the hidden "Fel: " prefixes."""
    return d.execute_script(
        "const b = document.getElementById(arguments[0]);"
        "return b ? Array.from(b.querySelectorAll('p')).map((p) => p.lastChild.textContent) : [];", i)


def wait_for(d, what, fn, timeout=5):
    try:
        WebDriverWait(d, timeout).until(lambda _: fn())
        return True
    except TimeoutException:
        return False


def wait_file(path, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        if os.path.exists(path) and not os.path.exists(path + ".crdownload"):
            time.sleep(0.2)
            return True
        time.sleep(0.1)
    return False


def all_errors(d):
    return d.execute_script(
        "return Array.from(document.querySelectorAll('.fel[id]'))"
        ".filter((b) => b.textContent.trim() !== '')"
        ".map((b) => b.id + ': ' + b.textContent.trim());")


def fill_recipient(d, bid, roll, namn, idtyp, ident, adress, kanal="auto"):
    Select(by_id(d, bid + "-roll")).select_by_value(roll)
    if by_id(d, bid + "-namn").get_attribute("value") != namn:
        typed(d, bid + "-namn", namn)
    Select(by_id(d, bid + "-idtyp")).select_by_value(idtyp)
    if idtyp != "inget" and by_id(d, bid + "-id").get_attribute("value") != ident:
        typed(d, bid + "-id", ident)
    Select(by_id(d, bid + "-kanal")).select_by_value(kanal)
    u1, post, ort = adress
    typed(d, bid + "-u1", u1)
    typed(d, bid + "-postnummer", post)
    typed(d, bid + "-postort", ort)


def fill_valid(d):
    """The försättsblad of § 128 of the example, typed in as a handläggare would."""
    typed(d, "dnr", DNR)
    # Tab to the next field, as on a keyboard only.
    by_id(d, "dnr").send_keys(Keys.TAB)
    active = d.switch_to.active_element.get_attribute("id")
    d.switch_to.active_element.send_keys("2026-11-18")
    typed(d, "galler-namn", "Alicia Nordin")
    typed(d, "galler-pnr", "20130108-9981")
    typed(d, "hl-namn", "Sofia Bäckström")
    typed(d, "hl-titel", "Socialsekreterare")
    typed(d, "hl-enhet", "Barn och unga, placering")
    typed(d, "hl-telefon", "0150-100 44")
    typed(d, "hl-epost", "sofia.backstrom@exempelby.se")
    by_id(d, "vh-angivna").send_keys(Keys.SPACE)
    by_id(d, "ny-vh").send_keys(Keys.ENTER)
    g1 = block_ids(d, "vardnadshavare")[0]
    typed(d, g1 + "-namn", "Camilla Nordin")
    typed(d, g1 + "-pnr", "19850515-9809")
    by_id(d, "ny-vh").send_keys(Keys.ENTER)
    g2 = block_ids(d, "vardnadshavare")[1]
    typed(d, g2 + "-namn", "Peter Nordin")
    typed(d, g2 + "-pnr", "19830302-9931")
    # The page starts with one empty recipient; the guardians go in by their
    # own button, which copies name and number.
    m0 = block_ids(d, "mottagare")[0]
    d.find_element(By.CSS_SELECTOR, "#" + m0 + " [data-action=ta-bort]").send_keys(Keys.ENTER)
    for g in (g1, g2):
        d.find_element(By.CSS_SELECTOR, "#" + g + " [data-action=som-mottagare]").send_keys(Keys.ENTER)
    m1, m2 = block_ids(d, "mottagare")
    fill_recipient(d, m1, "vardnadshavare", "Camilla Nordin", "pnr", "19850515-9809",
                   ("Skogsstigen 9", "641 50", "Exempelby"))
    fill_recipient(d, m2, "vardnadshavare", "Peter Nordin", "pnr", "19830302-9931",
                   ("Järnvägsgatan 31 lgh 1201", "611 37", "Nyköping"))
    by_id(d, "ny-mottagare").send_keys(Keys.ENTER)
    m3 = block_ids(d, "mottagare")[2]
    fill_recipient(d, m3, "hvb", "Tallbacken Omsorg AB", "orgnr", "559118-6035",
                   ("Tallbacksvägen 6", "641 97", "Exempelby"))
    typed(d, "ifylld-av", "Sofia Bäckström")
    typed(d, "ifylld-datum", "2026-11-06")
    return active


def run_check(expediera, pkg):
    p = subprocess.run([expediera, "check", pkg], capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def package_with(example, workdir, name, sheet_text):
    """A copy of the example package whose sheet for § 128 is sheet_text."""
    pkg = os.path.join(workdir, name)
    shutil.rmtree(pkg, ignore_errors=True)
    shutil.copytree(example, pkg)
    with open(os.path.join(pkg, "forsattsblad", SHEET), "w", encoding="utf-8") as fp:
        fp.write(sheet_text)
    return pkg


def check_message(expediera, pkg, rule):
    """check's messages of one rule (the text after "rule: ")."""
    _, _, err = run_check(expediera, pkg)
    out = []
    for line in err.splitlines():
        m = re.match(r"^[^:]+:\d+: [a-z]+: ([a-z-]+): (.*)$", line)
        if m and m.group(1) == rule:
            out.append(m.group(2))
    return out


def luhn(d9):
    """The check digit of YYMMDDNNN."""
    total = 0
    for i, c in enumerate(d9):
        v = int(c) * (2 if i % 2 == 0 else 1)
        total += v - 9 if v > 9 else v
    return str((10 - total % 10) % 10)


def pnr(date8, nnn):
    return date8 + "-" + nnn + luhn(date8[2:] + nnn)


# Numbers the page and check must judge alike: every reason a number is
# wrong, samordningsnummer with unknown parts, leap days, white space.
PNR_CASES = [
    pnr("20130108", "998"), "20130108-9982", pnr("20130108", "998").replace("-", ""),
    " " + pnr("20130108", "998") + " ", "", "1301089981", "130108-9981", "130108+9981",
    "2013-01-08", "20130108-99812", pnr("20130230", "123"), pnr("19000229", "123"),
    pnr("20000229", "123"), pnr("18690101", "123"), pnr("20130108", "000"),
    pnr("20271201", "123"), pnr("20261118", "123"), pnr("20130168", "123"),
    pnr("20130060", "123"), pnr("20131160", "123"), pnr("20130092", "123"),
    pnr("20130431", "123"), pnr("20130491", "123"),
    # samordningsnummer past their month's end, as Skatteverket issues them;
    # the same days in a personnummer stay wrong
    pnr("19200491", "239"), pnr("19510289", "239"), pnr("20090289", "239"),
    pnr("20080289", "239"), pnr("20130291", "239"), pnr("20130492", "239"),
    pnr("19510229", "239"), pnr("20131191", "239"),
]


def check_pnr_messages(expediera, example, workdir, sheet):
    """What check says of each number in PNR_CASES as the galler's: one
    package with a sheet per number (they join no paragraph, but check reads
    and judges every sheet), the messages by case."""
    pkg = package_with(example, workdir, "paket-personnummer", sheet)
    for i, c in enumerate(PNR_CASES):
        t = sheet.replace('<arende dnr="SN/2026:441"/>', '<arende dnr="SN/2026:9%02d"/>' % i, 1)
        t = t.replace("<galler><namn>Alicia Nordin</namn><personnummer>20130108-9981</personnummer>",
                      "<galler><namn>Alicia Nordin</namn><personnummer>%s</personnummer>" % c, 1)
        with open(os.path.join(pkg, "forsattsblad", "zz-%02d.xml" % i), "w", encoding="utf-8") as fp:
            fp.write(t)
    _, _, err = run_check(expediera, pkg)
    found = {i: [] for i in range(len(PNR_CASES))}
    for line in err.splitlines():
        m = re.match(r"^forsattsblad/zz-(\d\d)\.xml:\d+: [a-z]+: invalid-personnummer: (.*)$", line)
        if m:
            found[int(m.group(1))].append(m.group(2))
    return found


def asks_before_leaving(d):
    return d.execute_script(
        "const e = new Event('beforeunload', {cancelable: true});"
        "window.dispatchEvent(e); return e.defaultPrevented;")


def xsd_valid(path, xsd):
    p = subprocess.run(["xmllint", "--noout", "--nonet", "--schema", xsd, path],
                       capture_output=True, text=True)
    return p.returncode == 0, p.stderr


def main():
    args = sys.argv[1:]
    shot = None
    if "--screenshot" in args:
        i = args.index("--screenshot")
        shot = args[i + 1]
        del args[i:i + 2]
    page, expediera, example, workdir = args
    page = os.path.abspath(page)
    xsd = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                       "schemas", "forsattsblad.xsd")
    url = "file://" + page

    b = Browser(workdir)
    d = b.d
    try:
        saved1 = os.path.join(workdir, "spara1")
        b.downloads_to(saved1)
        # What the browser's own first tab loaded is not the page's doing.
        d.get("about:blank")
        time.sleep(0.5)
        d.get_log("performance")
        d.get(url)
        result("page: loads with the municipality's name",
               "Exempelby kommun" in by_id(d, "kommun").text and "Exempelby kommun" in d.title,
               "kommun %r, title %r" % (by_id(d, "kommun").text, d.title))
        filled = by_id(d, "ifylld-datum").get_attribute("value")
        result("page: ifylld datum is today's date to start with",
               filled == datetime.date.today().isoformat(), "ifylld datum %r" % filled)

        # -- every control has a label, and is reached with Tab alone --
        unlabelled = d.execute_script(
            "return Array.from(document.querySelectorAll('input, select, textarea'))"
            ".filter((e) => e.labels.length === 0).map((e) => e.id || e.outerHTML);")
        result("a11y: every field has a label", not unlabelled, "without: %s" % unlabelled)

        active = fill_valid(d)
        result("keyboard: Tab goes from dnr to sammanträdesdatum", active == "sammantrade",
               "Tab went to %r" % active)
        d.execute_script("document.activeElement.blur(); window.scrollTo(0, 0);")
        reached = []
        for _ in range(120):
            ActionChains(d).send_keys(Keys.TAB).perform()
            reached.append(d.switch_to.active_element.get_attribute("id"))
        m_ids = block_ids(d, "mottagare")
        want = ["spara", "oppna", "dnr", "sammantrade", "galler-pnr", "vh-angivna", "ny-vh",
                m_ids[0] + "-roll", m_ids[2] + "-postort", "ny-mottagare", "ifylld-datum"]
        missing = [w for w in want if w not in reached]
        result("keyboard: Tab reaches every part of the form", not missing,
               "not reached: %s" % missing)

        errs = all_errors(d)
        result("valid sheet: the page shows no error", not errs, "; ".join(errs))

        # -- the dnr against the configuration's pattern --
        typed(d, "dnr", "Ärende 441")
        bad_dnr = shown_text(d, "dnr-fel")
        typed(d, "dnr", DNR)
        result("dnr: one not in the municipality's format is named, a right one is not",
               len(bad_dnr) == 1 and bad_dnr[0].startswith('Dnr "Ärende 441" följer inte kommunens format')
               and shown_text(d, "dnr-fel") == [], "page %s, then %s" % (bad_dnr, shown_text(d, "dnr-fel")))
        unsaved = asks_before_leaving(d)

        # -- save with the keyboard: Enter on Spara --
        by_id(d, "spara").send_keys(Keys.ENTER)
        f1 = os.path.join(saved1, SHEET)
        got = wait_file(f1)
        result("save: downloads %s, named after the dnr" % SHEET, got,
               "saved: %s" % os.listdir(saved1))
        status = ""
        wait_for(d, "status", lambda: "sparades" in by_id(d, "status").text)
        status = by_id(d, "status").text
        if shot:
            # The whole page as the handläggare has filled it in, for the README.
            d.execute_script("window.scrollTo(0, 0); document.activeElement.blur();")
            size = d.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
            png = d.execute_cdp_cmd("Page.captureScreenshot", {
                "format": "png", "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}})
            with open(shot, "wb") as fp:
                fp.write(base64.b64decode(png["data"]))
        result("unsaved work: the browser asks before the page is left, not after saving",
               unsaved and not asks_before_leaving(d), "asks before saving %s" % unsaved)
        result("save: says so in the status line (aria-live)",
               SHEET in status and by_id(d, "status").get_attribute("aria-live") == "polite",
               "status %r" % status)
        if got:
            ok, why = xsd_valid(f1, xsd)
            result("save: the XML is valid against forsattsblad.xsd", ok, why)
            with open(f1, encoding="utf-8") as fp:
                sheet = fp.read()
            pkg = package_with(example, workdir, "paket-giltigt", sheet)
            rc, out, err = run_check(expediera, pkg)
            result("check accepts the package with the saved sheet",
                   rc == 0 and err == "" and "inga fel, inga varningar" in out,
                   "exit %d: %s %s" % (rc, out.strip(), err.strip()))
        else:
            sheet = None
            for n in ("save: XML valid", "check accepts the package with the saved sheet"):
                result(n, False, "nothing was saved")

        # -- personnummer: the page judges as check does, in check's words --
        if sheet:
            want = check_pnr_messages(expediera, example, workdir, sheet)
            differ = []
            for i, c in enumerate(PNR_CASES):
                typed(d, "galler-pnr", c).send_keys(Keys.TAB)
                got = shown_text(d, "galler-pnr-fel")
                if got != want[i]:
                    differ.append("%r: check %s, page %s" % (c, want[i], got))
            wrong = sum(1 for i in want if want[i])
            result("personnummer: page and check agree on %d numbers (%d wrong)" % (len(PNR_CASES), wrong),
                   not differ and wrong >= 15, "; ".join(differ) or "only %d wrong" % wrong)
            typed(d, "galler-pnr", "20130108-9981")
        else:
            result("personnummer: page and check agree", False, "nothing was saved")

        # -- a wrong check digit: the page says what check says --
        pnr = typed(d, "galler-pnr", "20130108-9982")
        want_msgs = []
        if sheet:
            bad = sheet.replace("<personnummer>20130108-9981</personnummer>",
                                "<personnummer>20130108-9982</personnummer>", 1)
            want_msgs = check_message(expediera, package_with(example, workdir, "paket-kontroll", bad),
                                      "invalid-personnummer")
        shown = shown_text(d, "galler-pnr-fel")
        result("wrong check digit: the page shows check's message, word for word",
               len(want_msgs) == 1 and "fel kontrollsiffra" in want_msgs[0] and shown == want_msgs,
               "check %s, page %s" % (want_msgs, shown))
        desc = pnr.get_attribute("aria-describedby") or ""
        box = by_id(d, "galler-pnr-fel")
        result("wrong check digit: the field is aria-invalid and described by the message",
               pnr.get_attribute("aria-invalid") == "true" and "galler-pnr-fel" in desc.split()
               and box.get_attribute("aria-live") == "polite",
               "aria-invalid %r, aria-describedby %r" % (pnr.get_attribute("aria-invalid"), desc))
        by_id(d, "spara").click()
        summary = by_id(d, "sammanfattning")
        result("wrong check digit: Spara shows the summary and moves focus to it",
               summary.is_displayed() and d.switch_to.active_element.get_attribute("id") == "sammanfattning"
               and summary.get_attribute("role") == "alert"
               and any("fel kontrollsiffra" in li.text for li in summary.find_elements(By.TAG_NAME, "li")),
               "summary shown %s" % summary.is_displayed())
        typed(d, "galler-pnr", "20130108-9981")
        result("wrong check digit: the message goes when the number is right",
               shown_text(d, "galler-pnr-fel") == [] and pnr.get_attribute("aria-invalid") is None,
               "still %s" % shown_text(d, "galler-pnr-fel"))

        # -- an organisationsnummer of an enskild firma with a samordningsnummer --
        m3 = block_ids(d, "mottagare")[2]
        typed(d, m3 + "-id", "510289-2394")
        org_ok = shown_text(d, m3 + "-id-fel")
        typed(d, m3 + "-id", "510292-2399")
        org_bad = shown_text(d, m3 + "-id-fel")
        typed(d, m3 + "-id", "559118-6035")
        result("organisationsnummer: 29 February of a common year + 60 passes, day 92 does not",
               org_ok == [] and len(org_bad) == 1, "page %s, then %s" % (org_ok, org_bad))

        # -- cover-sheet-date: the date the sheet was filled in --
        ifylld_sheet = lambda datum: sheet.replace('datum="2026-11-06"', 'datum="%s"' % datum, 1)
        want_msgs = []
        if sheet:
            want_msgs = check_message(expediera, package_with(example, workdir, "paket-framtid",
                                                              ifylld_sheet("2099-01-01")), "cover-sheet-date")
        typed(d, "ifylld-datum", "2099-01-01")
        shown = shown_text(d, "ifylld-datum-fel")
        result("ifylld datum in the future: the page says cover-sheet-date as check does, as an error",
               len(want_msgs) == 1 and len(shown) == 1 and "2099-01-01" in want_msgs[0]
               and shown[0].startswith(first_sentence(want_msgs[0])) and "<" not in shown[0]
               and by_id(d, "ifylld-datum").get_attribute("aria-invalid") == "true",
               "check %s, page %s" % (want_msgs, shown))
        saved_future = os.path.join(workdir, "spara-framtid")
        b.downloads_to(saved_future)
        by_id(d, "spara").click()
        time.sleep(1.5)
        result("ifylld datum in the future: Spara saves nothing",
               not os.listdir(saved_future) and by_id(d, "sammanfattning").is_displayed()
               and any("2099-01-01" in li.text for li in
                       by_id(d, "sammanfattning").find_elements(By.TAG_NAME, "li")),
               "saved %s" % os.listdir(saved_future))
        want_msgs = []
        if sheet:
            want_msgs = check_message(expediera, package_with(example, workdir, "paket-gammalt",
                                                              ifylld_sheet("2026-05-04")), "cover-sheet-date")
        typed(d, "ifylld-datum", "2026-05-04")
        shown = shown_text(d, "ifylld-datum-varning")
        result("ifylld datum 198 days before the meeting: the page warns as check does, word for word",
               len(want_msgs) == 1 and "198 dagar" in want_msgs[0] and shown == want_msgs
               and shown_text(d, "ifylld-datum-fel") == []
               and by_id(d, "ifylld-datum").get_attribute("aria-invalid") is None,
               "check %s, page %s" % (want_msgs, shown))
        # Without the meeting's date, the page measures against today.
        typed(d, "sammantrade", "")
        shown = shown_text(d, "ifylld-datum-varning")
        days = (datetime.date.today() - datetime.date(2026, 5, 4)).days
        result("ifylld datum, no meeting date yet: measured against today",
               len(shown) == 1 and ("%d dagar före i dag, %s" % (days, datetime.date.today().isoformat())) in shown[0],
               "page %s" % shown)
        typed(d, "sammantrade", "2026-11-18")
        saved_old = os.path.join(workdir, "spara-gammalt")
        b.downloads_to(saved_old)
        by_id(d, "spara").click()
        result("ifylld datum 198 days old: a warning, so Spara still saves",
               wait_file(os.path.join(saved_old, SHEET)), "saved %s" % os.listdir(saved_old))
        typed(d, "ifylld-datum", "2026-11-06")
        result("ifylld datum 2026-11-06: neither error nor warning",
               shown_text(d, "ifylld-datum-fel") == [] and shown_text(d, "ifylld-datum-varning") == [],
               "still %s %s" % (shown_text(d, "ifylld-datum-fel"), shown_text(d, "ifylld-datum-varning")))

        # -- a child without guardians --
        by_id(d, "vh-ej").send_keys(Keys.SPACE)
        want_msgs = []
        if sheet:
            nog = re.sub(r"  <vardnadshavare>.*?</vardnadshavare>\n", "", sheet, flags=re.S)
            want_msgs = check_message(expediera, package_with(example, workdir, "paket-utan-vh", nog),
                                      "guardian-missing")
        shown = shown_text(d, "vh-fel")
        result("child without guardians: the page says guardian-missing as check does",
               len(want_msgs) == 1 and "13 år" in want_msgs[0] and len(shown) == 1
               and shown[0].startswith(first_sentence(want_msgs[0]))
               and "<" not in shown[0],
               "check %s, page %s" % (want_msgs, shown))
        by_id(d, "vh-angivna").send_keys(Keys.SPACE)
        result("child without guardians: gone when the guardians are given",
               shown_text(d, "vh-fel") == [], "still %s" % shown_text(d, "vh-fel"))

        # -- a guardian who is not notified --
        g2 = block_ids(d, "vardnadshavare")[1]
        m2 = block_ids(d, "mottagare")[1]
        d.find_element(By.CSS_SELECTOR, "#" + m2 + " [data-action=ta-bort]").send_keys(Keys.ENTER)
        want_msgs = []
        if sheet:
            nop = re.sub(r'  <mottagare roll="vardnadshavare" kanal="auto">\n    <namn>Peter Nordin.*?</mottagare>\n',
                         "", sheet, flags=re.S)
            want_msgs = check_message(expediera, package_with(example, workdir, "paket-ej-underrattad", nop),
                                      "guardian-not-notified")
        shown = shown_text(d, g2 + "-fel")
        result("unnotified guardian: the page says guardian-not-notified as check does",
               len(want_msgs) == 1 and "Peter Nordin" in want_msgs[0] and len(shown) == 1
               and shown[0].startswith(first_sentence(want_msgs[0])) and "<" not in shown[0],
               "check %s, page %s" % (want_msgs, shown))
        # A reason instead of a recipient is enough.
        by_id(d, g2 + "-ej").send_keys(Keys.SPACE)
        typed(d, g2 + "-orsak", "Vårdnadshavaren har avlidit.")
        result("unnotified guardian: a stated reason is enough",
               shown_text(d, g2 + "-fel") == [] and shown_text(d, g2 + "-orsak-fel") == [],
               "still %s %s" % (shown_text(d, g2 + "-fel"), shown_text(d, g2 + "-orsak-fel")))

        # -- an uncertain address cannot be saved --
        m1 = block_ids(d, "mottagare")[0]
        by_id(d, m1 + "-osaker").send_keys(Keys.SPACE)
        shown = shown_text(d, m1 + "-adress-fel")
        result("uncertain address: the page says address-uncertain",
               len(shown) == 1 and "markerad som osäker" in shown[0] and "osaker=" not in shown[0],
               "page %s" % shown)
        saved_bad = os.path.join(workdir, "spara-osaker")
        b.downloads_to(saved_bad)
        by_id(d, "spara").click()
        time.sleep(1.5)
        result("uncertain address: Spara saves nothing",
               not os.listdir(saved_bad) and by_id(d, "sammanfattning").is_displayed(),
               "saved %s" % os.listdir(saved_bad))

        # -- print: a clean sheet, without the buttons --
        d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        hidden = d.execute_script(
            "return ['spara', 'ny-mottagare', 'sammanfattning'].every((i) =>"
            " getComputedStyle(document.getElementById(i)).display === 'none')"
            " && getComputedStyle(document.getElementById('blad')).display !== 'none';")
        pdf = d.execute_cdp_cmd("Page.printToPDF", {"printBackground": False})
        d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        result("print: buttons and summary hidden, the form printed",
               hidden and len(pdf.get("data", "")) > 1000, "hidden %s" % hidden)

        # -- open the saved sheet, change it, save again --
        b.collect_logs()
        d.get(url)
        saved2 = os.path.join(workdir, "spara2")
        b.downloads_to(saved2)
        if sheet:
            by_id(d, "oppna").send_keys(f1)
            wait_for(d, "open", lambda: "öppnat" in by_id(d, "status").text)
            ms = block_ids(d, "mottagare")
            result("open: a saved sheet fills the form",
                   by_id(d, "dnr").get_attribute("value") == DNR
                   and by_id(d, "sammantrade").get_attribute("value") == "2026-11-18"
                   and by_id(d, "galler-namn").get_attribute("value") == "Alicia Nordin"
                   and len(ms) == 3 and len(block_ids(d, "vardnadshavare")) == 2
                   and by_id(d, ms[2] + "-id").get_attribute("value") == "559118-6035"
                   and not all_errors(d),
                   "status %r, %d recipients, errors %s" % (by_id(d, "status").text, len(ms), all_errors(d)))
            Select(by_id(d, ms[0] + "-kanal")).select_by_value("rekommenderat")
            by_id(d, ms[0] + "-delgivning").send_keys(Keys.SPACE)
            typed(d, ms[1] + "-u1", "Stationsgatan 4")
            by_id(d, "spara").click()
            f2 = os.path.join(saved2, SHEET)
            got = wait_file(f2)
            changed = ""
            if got:
                with open(f2, encoding="utf-8") as fp:
                    changed = fp.read()
            ok, why = xsd_valid(f2, xsd) if got else (False, "nothing saved")
            result("open, change, save: the new sheet has the change and is valid",
                   ok and 'kanal="rekommenderat" delgivning="true"' in changed
                   and "Stationsgatan 4" in changed and "Järnvägsgatan" not in changed,
                   why)
            if got:
                rc, out, err = run_check(expediera, package_with(example, workdir, "paket-andrat", changed))
                result("open, change, save: check accepts the package",
                       rc == 0 and "inga fel, inga varningar" in out,
                       "exit %d: %s %s" % (rc, out.strip(), err.strip()))
            else:
                result("open, change, save: check accepts the package", False, "nothing saved")
        else:
            for n in ("open: a saved sheet fills the form", "open, change, save: the new sheet",
                      "open, change, save: check accepts the package"):
                result(n, False, "nothing was saved to open")

        # -- nothing from the network, no console errors --
        b.collect_logs()
        outside = [u for u in b.requests if not re.match(r"^(file|data|blob):", u)]
        result("network: the page requests nothing but its own file",
               b.requests and not outside and any(u.startswith("file:") for u in b.requests),
               "requests %s" % (outside or "none seen at all"))
        errors = [e["message"] for e in b.console if e.get("level") == "SEVERE"]
        result("console: no errors", not errors, "; ".join(errors))
        # The console is really watched: an error made on purpose shows.
        d.execute_script("console.error('blankett-prov');")
        probe = [e for e in d.get_log("browser") if "blankett-prov" in e["message"]]
        result("console: the watch sees an error when there is one", bool(probe), "not seen")
    except WebDriverException as e:
        result("browser", False, "%s" % e.msg if hasattr(e, "msg") else e)
    finally:
        b.quit()
    print("done %d %d" % (results["ok"], results["fail"]))


if __name__ == "__main__":
    main()
