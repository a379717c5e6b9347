"""check_tail.py PDF... -- no page of a protocol or protokollsutdrag begins
its body with "Beslutet skickas till": the list that ends a paragraph always
has some of the paragraph with it (SPEC 4).  The body is what lies below the
header and above the boxes and the footer.  Prints each such page; exits 1
when there is one."""
import subprocess, sys
bad = 0
for pdf in sys.argv[1:]:
    n = int([l for l in subprocess.run(["pdfinfo", pdf], capture_output=True, text=True).stdout.splitlines() if l.startswith("Pages:")][0].split()[1])
    for i in range(1, n + 1):
        # The body only: below the header, above the boxes and the footer.
        out = subprocess.run(["pdftotext", "-raw", "-f", str(i), "-l", str(i), "-x", "0", "-y", "125", "-W", "595", "-H", "560", pdf, "-"], capture_output=True, text=True).stdout
        lines = [l.strip() for l in out.splitlines() if l.strip() and not l.startswith(("Sida ", "Sekretess enligt"))]
        if "Beslutet skickas till" in lines and lines.index("Beslutet skickas till") == 0:
            print(f"{pdf}: page {i} holds only the 'Beslutet skickas till' list: {lines[:4]}")
            bad += 1
sys.exit(1 if bad else 0)
