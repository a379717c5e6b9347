"""gen_session.py N DIR -- write a session package of N försändelser: N/2
paragraphs (rounded up), each with galler and one försättsblad of two
recipients (the last of one when N is odd), with realistic text lengths and
Swedish characters.  Every personnummer is a valid test number (födelsenummer
980-999), so the package checks clean and the benchmark measures the whole
path, not an early exit."""
import os
import random
import sys

FIRST = ["Åsa", "Björn", "Märta", "Öjvind", "Elsa", "Jönsson", "Anna", "Erik", "Linnéa", "Göran"]
LAST = ["Ekström", "Åberg", "Lindqvist", "Sjöberg", "Nyström", "Håkansson", "Öhman", "Karlsson"]
STREETS = ["Storgatan", "Kyrkvägen", "Ängsvägen", "Björkallén", "Södra Långgatan", "Östra vägen"]


def luhn(nine):
    s = 0
    for i, ch in enumerate(nine):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        s += d - 9 if d > 9 else d
    return str((10 - s % 10) % 10)


def pnr(rnd, year):
    m, d = rnd.randint(1, 12), rnd.randint(1, 28)
    serial = f"{rnd.randint(980, 999):03d}"
    short = f"{year % 100:02d}{m:02d}{d:02d}{serial}"
    return f"{year}{m:02d}{d:02d}-{serial}{luhn(short)}"


def name(rnd):
    return f"{rnd.choice(FIRST)} {rnd.choice(LAST)}"


def adress(rnd):
    return (f'<adress typ="folkbokforing">\n'
            f'      <utdelningsadress>{rnd.choice(STREETS)} {rnd.randint(1, 120)} lgh {rnd.randint(1001, 1999)}</utdelningsadress>\n'
            f'      <postnummer>{rnd.randint(100, 989)} {rnd.randint(10, 99)}</postnummer>\n'
            f'      <postort>Exempelby</postort>\n'
            f'    </adress>')


def familjehem(rnd):
    return (f'  <mottagare roll="familjehem" kanal="post">\n'
            f'    <namn>Familjehemmet {rnd.choice(LAST)}</namn>\n'
            f'    {adress(rnd)}\n'
            f'  </mottagare>\n')


STYCKE = ("Av utredningen framgår att barnet under en längre tid har levt i en miljö där "
          "föräldrarnas förmåga att tillgodose hens behov av trygghet, omsorg och stöd i "
          "skolgången har varit bristande. Nämnden bedömer att det finns en påtaglig risk för "
          "att barnets hälsa och utveckling skadas och att behövlig vård inte kan ges med "
          "samtycke. ")


def main():
    total, out = int(sys.argv[1]), sys.argv[2]
    n = (total + 1) // 2
    rnd = random.Random(total)
    os.makedirs(os.path.join(out, "forsattsblad"), exist_ok=True)
    par = []
    for i in range(n):
        dnr = f"SN/2026:{i + 1}"
        child, parent = name(rnd), name(rnd)
        cp, pp = pnr(rnd, 2014), pnr(rnd, 1988)
        par.append(f'''  <paragraf nr="{i + 1}" dnr="{dnr}" sekretess="true">
    <rubrik>Vård enligt 2 § LVU för {child}</rubrik>
    <galler><namn>{child}</namn><personnummer>{cp}</personnummer></galler>
    <beslut>
      <punkt>Socialnämndens individutskott beslutar att ansöka hos förvaltningsrätten om att {child} ska beredas vård enligt 2 § LVU.</punkt>
      <punkt>Beslutet gäller omedelbart.</punkt>
    </beslut>
    <lagrum>2 § LVU</lagrum>
    <beskrivning><stycke>{STYCKE}</stycke></beskrivning>
    <skal><stycke>{STYCKE}</stycke><stycke>{STYCKE[:200]}</stycke></skal>
    <beslutsunderlag><handling>Utredning, 2026-11-02</handling></beslutsunderlag>
    <overklagande typ="forvaltningsbesvar"/>
    <skickas-till><mottagare>Akt</mottagare></skickas-till>
  </paragraf>''')
        with open(os.path.join(out, "forsattsblad", f"fb-{i + 1:06d}.xml"), "w") as f:
            f.write(f'''<?xml version="1.0" encoding="UTF-8"?>
<forsattsblad xmlns="urn:expediera:forsattsblad:1">
  <arende dnr="{dnr}"/>
  <galler><namn>{child}</namn><personnummer>{cp}</personnummer></galler>
  <handlaggare>
    <namn>Sara Lind</namn><titel>Socialsekreterare</titel><enhet>Barn och unga</enhet>
    <telefon>0150-123 45</telefon><epost>sara.lind@exempelby.se</epost>
  </handlaggare>
  <vardnadshavare>
    <person><namn>{parent}</namn><personnummer>{pp}</personnummer></person>
  </vardnadshavare>
  <mottagare roll="vardnadshavare" kanal="auto">
    <namn>{parent}</namn>
    <personnummer>{pp}</personnummer>
    {adress(rnd)}
  </mottagare>
{familjehem(rnd) if 2 * i + 2 <= total else ""}  <avsandare>namndsekreterare</avsandare>
  <ifylld av="Sara Lind" datum="2026-11-03"/>
</forsattsblad>
''')
    with open(os.path.join(out, "protokoll.xml"), "w") as f:
        f.write(f'''<?xml version="1.0" encoding="UTF-8"?>
<protokoll xmlns="urn:expediera:protokoll:1">
  <kommun>Exempelby kommun</kommun>
  <organ>Socialnämndens individutskott</organ>
  <sammantradesdatum>2026-11-18</sammantradesdatum>
  <plats>Solrosen, kommunhuset</plats>
  <ordforande>Anna Ek</ordforande>
  <sekreterare>Madeleine Berg</sekreterare>
  <justerare>Per Ås</justerare>
  <justerad datum="2026-11-20"/>
{chr(10).join(par)}
</protokoll>
''')


main()
