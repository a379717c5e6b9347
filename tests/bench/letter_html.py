"""letter_html.py -- the benchmark's one-page Swedish letter as HTML/CSS, the
equivalent of expediera's beslut page, for WeasyPrint."""
STYCKE = ("Av utredningen framgår att barnet under en längre tid har levt i en miljö där "
          "föräldrarnas förmåga att tillgodose hens behov av trygghet, omsorg och stöd i "
          "skolgången har varit bristande. Nämnden bedömer att det finns en påtaglig risk för "
          "att barnets hälsa och utveckling skadas.")
print(f"""<!doctype html><html lang="sv"><head><meta charset="utf-8"><style>
@page {{ size: A4; margin: 15mm 20mm 25mm 25mm; }}
body {{ font-family: "Liberation Sans", sans-serif; font-size: 10.5pt; line-height: 1.3; }}
.head {{ display: flex; justify-content: space-between; }}
.addr {{ position: absolute; top: 30mm; left: -5mm; width: 82mm; }}
h1 {{ font-size: 12.5pt; margin-top: 70mm; }} h2 {{ font-size: 11.5pt; }}
</style></head><body>
<div class="head"><div><b>Exempelby kommun</b><br>Socialnämnden</div>
<div style="text-align:right"><b>BESLUT</b><br>Datum 2026-11-20<br>Dnr SN/2026:412</div></div>
<div class="addr">Eva Exempel<br>Storgatan 1 lgh 1101<br>641 30 Exempelby</div>
<h1>Vård enligt 2 § LVU – beslut</h1>
<p>Socialnämndens individutskott har vid sitt sammanträde den 2026-11-18 (§ 126) beslutat följande.</p>
<h2>Beslut</h2><p>Socialnämndens individutskott beslutar att ansöka hos förvaltningsrätten om vård.</p>
<h2>Skäl för beslutet</h2><p>{STYCKE}</p><p>{STYCKE}</p>
<h2>Lagrum</h2><p>– 2 § LVU</p>
<h2>Frågor</h2><p>Har du frågor om beslutet är du välkommen att kontakta Sara Lind, Socialsekreterare, telefon 0150-123 45.</p>
</body></html>""")
