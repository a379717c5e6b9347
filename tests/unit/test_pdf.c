/*
 * test_pdf.c -- unit test of pipeline/pdf*.c: errors, measuring, fonts,
 * metadata and deterministic output.
 *
 *   test_pdf [OUTDIR]
 *
 * Reads: the build's fonts in $EXPEDIERA_FONTS, else build/fonts.
 * Writes: with OUTDIR, the PDFs below and, beside each, NAME.lines (every
 * line of text drawn, for tests/lib/pdf.sh to find again with pdftotext)
 * and widths.txt (where lines should end, for pdftotext -bbox):
 *   letter.pdf     a Swedish letter: bold heading, body, italic footer, rules
 *   names.pdf      Sámi, Polish, Turkish, Czech, Croatian, Vietnamese,
 *                  Greek, Cyrillic names, and characters no font has
 *   twopage.pdf    two pages, page 1 drawn on again after page 2 exists
 *   meta.pdf       metadata with XML specials and Greek (UTF-16 /Info)
 *   many.pdf       six hundred distinct fallback characters
 *   same-a.pdf, same-b.pdf   one document made twice: must be equal bytes
 *   garbage.pdf    random bytes as text
 *   widths.pdf     lines whose ends widths.txt gives
 *   stream-*.pdf   streamed documents (pdf_new_stream, pdf_flush,
 *                  pdf_finish_stream), with NAME.pages: the lines of each
 *                  page, each page ended by "@@"; stream-big.pdf has
 *                  8,300 pages, more than one array of the page tree holds
 * Prints "FAIL: ..." for each failed check and "test_pdf: N passed, N failed";
 * exits 1 when anything failed.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pdf.h"
#include "xmalloc.h"

static int passed, failed;
static const char *fontdir = "build/fonts";
static const char *outdir;

static void
check(int ok, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		passed++;
		return;
	}
	failed++;
	printf("FAIL: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

static const struct pdf_meta letter_meta = {
	.title = "Beslut om ekonomiskt bistånd – § 126",
	.author = "Socialnämnden i Ånge kommun",
	.subject = "Protokollsutdrag",
	.keywords = "beslut; bistånd; SN/2026:412",
	.language = "sv-SE",
	.date = "2026-11-18T14:30:00",
	.id_seed = "SN/2026:412 § 126 mottagare 1",
	.id_seed_len = 30,
};

/* Files under outdir; NULL name when there is no outdir. */
static FILE *lines_file;

static void
lines_open(const char *name)
{
	char path[1024];

	if (outdir == NULL)
		return;
	snprintf(path, sizeof(path), "%s/%s.lines", outdir, name);
	if ((lines_file = fopen(path, "w")) == NULL)
		check(0, "cannot write %s", path);
}

static void
lines_close(void)
{
	if (lines_file != NULL)
		fclose(lines_file);
	lines_file = NULL;
}

/* Draws s and remembers it as a line pdftotext must give back. */
static void
line(struct pdf_page *pg, enum pdf_font f, float size, float x, float y, const char *s)
{
	pdf_text(pg, f, size, x, y, s, strlen(s));
	if (lines_file != NULL)
		fprintf(lines_file, "%s\n", s);
}

static void
save(struct pdf *p, const char *name)
{
	char path[1024];
	unsigned char *buf;
	size_t len;

	if (outdir == NULL) {
		check(pdf_save_mem(p, &buf, &len) == 0, "%s: pdf_save_mem: %s", name,
		    pdf_error(p) ? pdf_error(p) : "?");
		if (pdf_error(p) == NULL) {
			check(len > 1000 && memcmp(buf, "%PDF-1.4", 8) == 0, "%s: not a PDF 1.4",
			    name);
			free(buf);
		}
		return;
	}
	snprintf(path, sizeof(path), "%s/%s", outdir, name);
	check(pdf_save(p, path) == 0, "%s: pdf_save: %s", name, pdf_error(p) ? pdf_error(p) : "?");
}

static struct pdf *
new_doc(const struct pdf_meta *m)
{
	char err[256] = "";
	struct pdf *p;

	p = pdf_new(fontdir, m, err, sizeof(err));
	check(p != NULL, "pdf_new(%s): %s", fontdir, err);
	return p;
}

static const char *const letter_body[] = {
    "Socialnämnden har den 18 november 2026 beslutat att bevilja dig ekonomiskt",
    "bistånd enligt 4 kap. 1 § socialtjänstlagen (2001:453) för perioden",
    "1 december 2026 – 31 december 2026. Biståndet avser försörjningsstöd och",
    "utgår med 6 240 kronor per månad. Till detta kommer “skäliga” kostnader",
    "för boende och hushållsel — sammanlagt 14 055 kr. Anmäl förändringar",
    "i ‘inkomster’ eller hushåll. Citat: „så här” och «så här» • punkt € 12,50",
    "Åsa Öberg, Ärling Ek, Émile Müller, Ångström, ÅÄÖ åäö é ü ß ø æ",
    "Dnr SN/2026:412, § 126 — se bilaga (överklagandehänvisning).",
    "Finska: Jääskeläinen, Šarlota Žukovskij; Sámi á: Ánde Ámmon",
    "Specialtecken: ( ) \\ [ ] { } < > # % / & ~ ^ _ | @ ! ? * + = ; : ' \"",
    "Siffror: 0123456789 ½ ¼ ¾ ± × ÷ ° ² ³ µ ¶ © ® ™ ‰ † ‡ … ‹ › ƒ",
};

static void
make_letter(const char *name)
{
	struct pdf *p;
	struct pdf_page *pg;
	float y;
	size_t i;

	if ((p = new_doc(&letter_meta)) == NULL)
		return;
	lines_open("letter");
	pg = pdf_add_page(p);
	check(pg != NULL, "letter: pdf_add_page");
	line(pg, PDF_BOLD, 9, PDF_MM(20), PDF_A4_HEIGHT - PDF_MM(20), "Ånge kommun");
	line(pg, PDF_REGULAR, 9, PDF_MM(20), PDF_A4_HEIGHT - PDF_MM(24), "Socialförvaltningen");
	line(pg, PDF_REGULAR, 11, PDF_MM(110), PDF_A4_HEIGHT - PDF_MM(52), "Karin Öhman-Lindqvist");
	line(pg, PDF_REGULAR, 11, PDF_MM(110), PDF_A4_HEIGHT - PDF_MM(57), "Storgatan 12 B");
	line(pg, PDF_REGULAR, 11, PDF_MM(110), PDF_A4_HEIGHT - PDF_MM(62), "841 31 ÅNGE");
	pdf_rect(pg, PDF_MM(105), PDF_A4_HEIGHT - PDF_MM(67), PDF_MM(90), PDF_MM(25), 0.3f);
	line(pg, PDF_BOLD, 14, PDF_MM(20), PDF_A4_HEIGHT - PDF_MM(95),
	    "Beslut om ekonomiskt bistånd enligt 4 kap. 1 § SoL");
	pdf_line(pg, PDF_MM(20), PDF_A4_HEIGHT - PDF_MM(98), PDF_MM(190),
	    PDF_A4_HEIGHT - PDF_MM(98), 0.5f);
	y = PDF_A4_HEIGHT - PDF_MM(108);
	for (i = 0; i < sizeof(letter_body) / sizeof(letter_body[0]); i++, y -= 14)
		line(pg, PDF_REGULAR, 10.5f, PDF_MM(20), y, letter_body[i]);
	line(pg, PDF_ITALIC, 9, PDF_MM(20), PDF_MM(15), "Sida 1 av 1 – kursiv sidfot");
	/* a no-break space comes back as U+00A0 (pdf.sh checks it with PDFBox) */
	pdf_text(pg, PDF_REGULAR, 10.5f, PDF_MM(20), PDF_MM(30), "4\xc2\xa0kap. 1\xc2\xa0§ SoL",
	    strlen("4\xc2\xa0kap. 1\xc2\xa0§ SoL"));
	lines_close();
	save(p, name);
	pdf_free(p);
}

static const char *const names_lines[] = {
    "Sámi: Máret Čuđđ, Ŋunnje Šáŧŧ, Žánná Ođđasat, Áilu Niillas",
    "Polska: Łukasz Wiśniewski, Żaneta Źródłowska, Jędrzej Ślęzak, Ńoł",
    "Türkçe: Şükrü Ağaoğlu, Işık İnan, Gülşen Çağlar",
    "Čeština: Řehoř Dvořák, Věra Šťastná, Ůhel",
    "Hrvatski: Đurđa Ćosić, Dž Ljubičić, Nj",
    "Tiếng Việt: Nguyễn Thị Phương, Trần Đức Thắng, Lê Hoàng Yến",
    "Ελληνικά: Αθηνά Παπαδοπούλου, Γιώργος Οικονόμου",
    "Русский: Иван Петров, Ёлка Щукина; Українська: Їжак Ґудзь",
    "Română: Ștefan Țîrlea; Latviešu: Ķēniņš; Magyar: Ő Ű",
    "Mixed run: Anna-Łucja Ångström-Ŋuolla «ok»",
};

static void
make_names(const char *name)
{
	struct pdf_meta m = letter_meta;
	struct pdf *p;
	struct pdf_page *pg;
	size_t i;
	float y = PDF_A4_HEIGHT - PDF_MM(25);

	m.id_seed = "names";
	m.id_seed_len = 5;
	if ((p = new_doc(&m)) == NULL)
		return;
	lines_open("names");
	pg = pdf_add_page(p);
	for (i = 0; i < sizeof(names_lines) / sizeof(names_lines[0]); i++, y -= 16)
		line(pg, PDF_REGULAR, 11, PDF_MM(20), y, names_lines[i]);
	line(pg, PDF_BOLD, 11, PDF_MM(20), y, "Fet: Łukasz Ŋuolla Şükrü Αθηνά Иван");
	y -= 16;
	line(pg, PDF_ITALIC, 11, PDF_MM(20), y, "Kursiv: Łukasz Ŋuolla Şükrü Αθηνά Иван");
	y -= 16;
	/* no font has these: drawn as a box, still extracted as themselves */
	line(pg, PDF_REGULAR, 11, PDF_MM(20), y, "Utan glyf: 漢字 😀 slut");
	lines_close();
	check(pdf_can_draw(p, names_lines[0], strlen(names_lines[0])) == 1,
	    "pdf_can_draw(Sámi) != 1");
	check(pdf_can_draw(p, "漢字", strlen("漢字")) == 0, "pdf_can_draw(漢字) != 0");
	save(p, name);
	pdf_free(p);
}

static void
make_twopage(const char *name)
{
	struct pdf_meta m = letter_meta;
	struct pdf *p;
	struct pdf_page *p1, *p2;

	m.id_seed = "twopage";
	m.id_seed_len = 7;
	if ((p = new_doc(&m)) == NULL)
		return;
	lines_open("twopage");
	p1 = pdf_add_page(p);
	line(p1, PDF_BOLD, 14, 72, 770, "Sida ett: beslutet");
	p2 = pdf_add_page(p);
	line(p2, PDF_REGULAR, 11, 72, 770, "Sida två: hur man överklagar");
	check(pdf_page_count(p) == 2, "twopage: %zu pages", pdf_page_count(p));
	check(pdf_page_at(p, 0) == p1 && pdf_page_at(p, 1) == p2, "twopage: pdf_page_at");
	check(pdf_page_at(p, 2) == NULL, "twopage: pdf_page_at(2) != NULL");
	line(pdf_page_at(p, 0), PDF_REGULAR, 9, 72, 60, "Sida 1 av 2 (skrivet sist)");
	line(pdf_page_at(p, 1), PDF_REGULAR, 9, 72, 60, "Sida 2 av 2 – Łódź");
	lines_close();
	save(p, name);
	pdf_free(p);
}

static void
make_meta(const char *name)
{
	struct pdf_meta m = {
		.title = "A & B <c> \"d\" 'e' – Αθηνά",
		.author = "Nämnd & co <x>",
		.subject = "Ämne: \x01kontroll\x1f tecken",
		.keywords = "a&b; <c>",
		.language = "sv-SE",
		.date = "2024-02-29T23:59:59",
		.id_seed = "meta",
		.id_seed_len = 4,
	};
	struct pdf *p;
	struct pdf_page *pg;

	if ((p = new_doc(&m)) == NULL)
		return;
	lines_open("meta");
	pg = pdf_add_page(p);
	line(pg, PDF_REGULAR, 12, 72, 770, "Metadata med & < > och grekiska");
	lines_close();
	save(p, name);
	pdf_free(p);
}

/* Distinct characters beyond one ToUnicode block and one byte of CIDs. */
static void
make_many(const char *name)
{
	struct pdf_meta m = letter_meta;
	struct pdf *p;
	struct pdf_page *pg;
	char buf[4096];
	unsigned c, row = 0;
	size_t n = 0;
	float y = PDF_A4_HEIGHT - 40;

	m.id_seed = "many";
	m.id_seed_len = 4;
	if ((p = new_doc(&m)) == NULL)
		return;
	lines_open("many");
	pg = pdf_add_page(p);
	/* Latin Extended-A and -B, Greek, Cyrillic: 40 a line */
	for (c = 0x100; c < 0x500; c++) {
		if ((c >= 0x250 && c < 0x391) || (c >= 0x3D0 && c < 0x400) || c == 0x3A2)
			continue;
		buf[n++] = (char)(0xC0 | c >> 6);
		buf[n++] = (char)(0x80 | (c & 0x3F));
		if (++row == 40) {
			buf[n] = '\0';
			line(pg, PDF_REGULAR, 10, 30, y, buf);
			y -= 13;
			n = row = 0;
		}
	}
	if (n > 0) {
		buf[n] = '\0';
		line(pg, PDF_REGULAR, 10, 30, y, buf);
	}
	lines_close();
	save(p, name);
	pdf_free(p);
}

/* The same document twice: equal bytes.  A different seed: other bytes. */
static void
test_determinism(void)
{
	unsigned char *a = NULL, *b = NULL, *c = NULL, *d = NULL;
	size_t alen = 0, blen = 0, clen = 0, dlen = 0;
	struct pdf_meta m = letter_meta;
	char path[1024];
	int i;

	for (i = 0; i < 3; i++) {
		struct pdf *p;
		struct pdf_page *pg;
		unsigned char **out = i == 0 ? &a : i == 1 ? &b : &c;
		size_t *len = i == 0 ? &alen : i == 1 ? &blen : &clen;

		if (i == 2) {
			m.id_seed = "another recipient";
			m.id_seed_len = strlen(m.id_seed);
		}
		if ((p = new_doc(&m)) == NULL)
			return;
		pg = pdf_add_page(p);
		pdf_text(pg, PDF_BOLD, 14, 72, 770, "Beslut – Łukasz Ŋuolla",
		         strlen("Beslut – Łukasz Ŋuolla"));
		pdf_text(pg, PDF_REGULAR, 11, 72, 740, "Åsa Öberg § 126",
		         strlen("Åsa Öberg § 126"));
		pdf_line(pg, 72, 730, 500, 730, 0.5f);
		check(pdf_save_mem(p, out, len) == 0, "determinism: save %d: %s", i,
		    pdf_error(p) ? pdf_error(p) : "?");
		if (i == 0) {
			/* saving again gives the same bytes */
			check(pdf_save_mem(p, &d, &dlen) == 0 && dlen == alen &&
			    memcmp(a, d, alen) == 0, "determinism: second save differs");
			if (outdir != NULL) {
				snprintf(path, sizeof(path), "%s/same-a.pdf", outdir);
				check(pdf_save(p, path) == 0, "same-a.pdf: %s", pdf_error(p));
			}
		}
		if (i == 1 && outdir != NULL) {
			snprintf(path, sizeof(path), "%s/same-b.pdf", outdir);
			check(pdf_save(p, path) == 0, "same-b.pdf: %s", pdf_error(p));
		}
		pdf_free(p);
	}
	check(a && b && alen == blen && memcmp(a, b, alen) == 0, "determinism: two runs differ");
	check(a && c && (alen != clen || memcmp(a, c, alen) != 0),
	    "determinism: another id_seed gives the same bytes");
	free(a);
	free(b);
	free(c);
	free(d);
}

static int
near(float a, float b)
{
	return a - b < 0.001f && b - a < 0.001f;
}

static void
test_measure(void)
{
	struct pdf *p;
	float w, w2, sp, nb;

	if ((p = new_doc(&letter_meta)) == NULL)
		return;
	w = pdf_text_width(p, PDF_REGULAR, 10, "Å", strlen("Å"));
	check(w > 0, "width(Å) = %f", w);
	check(near(pdf_text_width(p, PDF_REGULAR, 10, "ÅÅ", 4), 2 * w), "width(ÅÅ) != 2 width(Å)");
	check(near(pdf_text_width(p, PDF_REGULAR, 20, "Å", 2), 2 * w), "width scales with size");
	/* Liberation Sans is metric-compatible with Arial: "A" is 1366/2048 em */
	check(near(pdf_text_width(p, PDF_REGULAR, 1000, "A", 1), 666), "width(A) at 1000 pt = %f",
	    pdf_text_width(p, PDF_REGULAR, 1000, "A", 1));
	check(pdf_text_width(p, PDF_BOLD, 10, "Socialnämnden", strlen("Socialnämnden")) >
	    pdf_text_width(p, PDF_REGULAR, 10, "Socialnämnden", strlen("Socialnämnden")),
	    "bold is not wider than regular");
	w = pdf_text_width(p, PDF_REGULAR, 10, "Łukasz", strlen("Łukasz"));
	check(w > pdf_text_width(p, PDF_REGULAR, 10, "ukasz", 5), "width(Ł) <= 0");
	sp = pdf_text_width(p, PDF_REGULAR, 10, " ", 1);
	nb = pdf_text_width(p, PDF_REGULAR, 10, "\xc2\xa0", 2);
	check(sp > 0 && near(sp, nb), "width(NBSP) %f != width(space) %f", nb, sp);
	check(near(pdf_text_width(p, PDF_REGULAR, 10, "\t", 1), sp), "tab is not a space");
	/* soft hyphens and control characters are not drawn */
	w = pdf_text_width(p, PDF_REGULAR, 10, "ab", 2);
	w2 = pdf_text_width(p, PDF_REGULAR, 10, "a\xc2\xad\x01\xe2\x80\x8b" "b", 8);
	check(near(w, w2), "soft hyphen, control, ZWSP have width (%f != %f)", w2, w);
	check(pdf_text_width(p, PDF_REGULAR, 10, "", 0) == 0, "width(\"\") != 0");
	check(pdf_text_width(p, (enum pdf_font)7, 10, "a", 1) == 0, "width in font 7 != 0");
	check(pdf_text_width(p, PDF_REGULAR, -1, "a", 1) == 0, "width at size -1 != 0");
	/* bad UTF-8 is measured as a box, never read past len */
	check(pdf_text_width(p, PDF_REGULAR, 10, "\xff\xc3", 2) > 0, "width(bad UTF-8) <= 0");
	check(near(pdf_text_width(p, PDF_REGULAR, 10, "\xc3\xa5zzz", 2),
	    pdf_text_width(p, PDF_REGULAR, 10, "å", 2)), "width reads past len");
	check(pdf_ascent(p, PDF_REGULAR, 10) > 8 && pdf_ascent(p, PDF_REGULAR, 10) < 10,
	    "ascent(10) = %f", pdf_ascent(p, PDF_REGULAR, 10));
	check(pdf_descent(p, PDF_REGULAR, 10) > 1 && pdf_descent(p, PDF_REGULAR, 10) < 3,
	    "descent(10) = %f", pdf_descent(p, PDF_REGULAR, 10));
	check(
	    pdf_can_draw(p, "Åsa Ŋuolla Αθηνά Иван Nguyễn", strlen("Åsa Ŋuolla Αθηνά Иван Nguyễn")),
	    "pdf_can_draw(names) != 1");
	check(!pdf_can_draw(p, "😀", 4), "pdf_can_draw(emoji) != 0");
	pdf_free(p);
}

/* How each character comes out: what rule address-unprintable asks. */
static void
test_char_class(void)
{
	static const struct {
		uint32_t c;
		enum pdf_char want;
	} cases[] = {
		{'a', PDF_CHAR_GLYPH}, {'\t', PDF_CHAR_GLYPH}, {0x00E5, PDF_CHAR_GLYPH}, /* å */
		{0x00EB, PDF_CHAR_GLYPH}, {0x00D1, PDF_CHAR_GLYPH},          /* ë Ñ */
		{0x0141, PDF_CHAR_GLYPH}, {0x017B, PDF_CHAR_GLYPH},          /* Ł Ż */
		{0x014A, PDF_CHAR_GLYPH}, {0x0111, PDF_CHAR_GLYPH},          /* Ŋ đ */
		{0x0161, PDF_CHAR_GLYPH}, {0x20AC, PDF_CHAR_GLYPH},          /* š € (WinAnsi) */
		{0x0416, PDF_CHAR_GLYPH}, {0x1EC5, PDF_CHAR_GLYPH},          /* Ж ễ */
		{0x0308, PDF_CHAR_GLYPH},                                    /* combining ¨ */
		{0x00AD, PDF_CHAR_INVISIBLE}, {0x200B, PDF_CHAR_INVISIBLE},  /* SHY, ZWSP */
		{0x202E, PDF_CHAR_INVISIBLE}, {0xFEFF, PDF_CHAR_INVISIBLE},  /* RLO, BOM */
		{0x01, PDF_CHAR_CONTROL}, {0x7F, PDF_CHAR_CONTROL}, {0x9A, PDF_CHAR_CONTROL},
		{0xFFFD, PDF_CHAR_BOX}, {0x1F600, PDF_CHAR_BOX}, {0x4E2D, PDF_CHAR_BOX},
		{0x0627, PDF_CHAR_BOX}, {0xE000, PDF_CHAR_BOX},              /* ا, private use */
	};
	struct pdf *p;
	enum pdf_char cls;
	uint32_t c = 0;
	size_t i;

	if ((p = new_doc(NULL)) == NULL)
		return;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		check(pdf_char_class(p, PDF_REGULAR, cases[i].c) == cases[i].want,
		    "pdf_char_class(U+%04X) = %d, want %d", (unsigned)cases[i].c,
		    (int)pdf_char_class(p, PDF_REGULAR, cases[i].c), (int)cases[i].want);
	check(!pdf_find_unprintable(p, PDF_REGULAR, "Łukasz Żółć\xc2\xad", 16, &c, &cls),
	    "pdf_find_unprintable(Łukasz Żółć) found U+%04X", (unsigned)c);
	check(pdf_find_unprintable(p, PDF_REGULAR, "Ale\xc2\x9a \xf0\x9f\x98\x80", 10, &c,
	    &cls) && c == 0x9A && cls == PDF_CHAR_CONTROL, "pdf_find_unprintable(Ale<9A>)");
	check(pdf_find_unprintable(p, PDF_REGULAR, "ab\xff", 3, &c, &cls) && c == 0xFFFD &&
	    cls == PDF_CHAR_BOX, "pdf_find_unprintable(bad UTF-8) != U+FFFD");
	pdf_free(p);
}

/* Where lines must end: x + pdf_text_width, for pdftotext -bbox. */
static void
write_widths(void)
{
	static const struct {
		enum pdf_font f;
		float size, x;
		const char *s;
	} rows[] = {
		{PDF_REGULAR, 11, 72, "Åsa Öberg – “citat” § 126 €"},
		{PDF_BOLD, 14, 72, "Beslut om bistånd"},
		{PDF_REGULAR, 11, 72, "Łukasz Ŋuolla-Wiśniewski Şükrü"},
		{PDF_ITALIC, 9, 100.5f, "Sida 1 av 2 Αθηνά"},
	};
	struct pdf_meta m = letter_meta;
	char path[1024];
	struct pdf *p;
	struct pdf_page *pg;
	FILE *f;
	size_t i;

	m.id_seed = "widths";
	m.id_seed_len = 6;
	if (outdir == NULL || (p = new_doc(&m)) == NULL)
		return;
	snprintf(path, sizeof(path), "%s/widths.txt", outdir);
	if ((f = fopen(path, "w")) == NULL) {
		check(0, "cannot write %s", path);
		pdf_free(p);
		return;
	}
	pg = pdf_add_page(p);
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		float y = 700 - 40 * (float)i;

		pdf_text(pg, rows[i].f, rows[i].size, rows[i].x, y, rows[i].s, strlen(rows[i].s));
		/* the last word's right edge, in pdftotext's units */
		fprintf(f, "%.3f %s\n", rows[i].x + pdf_text_width(p, rows[i].f, rows[i].size,
		    rows[i].s, strlen(rows[i].s)), strrchr(rows[i].s, ' ') + 1);
	}
	fclose(f);
	save(p, "widths.pdf");
	pdf_free(p);
}

static void
test_errors(void)
{
	struct pdf_meta m = letter_meta;
	char err[256];
	unsigned char *buf = NULL;
	size_t len;
	struct pdf *p;
	struct pdf_page *pg;

	err[0] = '\0';
	p = pdf_new("/nonexistent/fonts", &letter_meta, err, sizeof(err));
	check(p == NULL && strstr(err, "/nonexistent/fonts") != NULL,
	    "pdf_new(/nonexistent): %s", err);
	pdf_free(p);

	m.date = "2026-02-30T10:00:00";
	err[0] = '\0';
	p = pdf_new(fontdir, &m, err, sizeof(err));
	check(p == NULL && err[0] != '\0', "pdf_new(30 February) succeeded");
	pdf_free(p);
	m.date = "2026-11-18 10:00";
	p = pdf_new(fontdir, &m, err, sizeof(err));
	check(p == NULL, "pdf_new(date without T) succeeded");
	pdf_free(p);

	/* no metadata at all is fine */
	if ((p = pdf_new(fontdir, NULL, err, sizeof(err))) != NULL) {
		pg = pdf_add_page(p);
		pdf_text(pg, PDF_REGULAR, 10, 72, 700, "utan metadata", 13);
		check(pdf_save_mem(p, &buf, &len) == 0, "save without metadata: %s",
		    pdf_error(p) ? pdf_error(p) : "?");
		free(buf);
		buf = NULL;
		pdf_free(p);
	} else
		check(0, "pdf_new(NULL meta): %s", err);

	/* no pages */
	if ((p = new_doc(&letter_meta)) != NULL) {
		check(pdf_save_mem(p, &buf, &len) == -1 && pdf_error(p) != NULL,
		    "saving a document without pages succeeded");
		pdf_free(p);
	}

	/* a bad size is an error, and everything after it a no-op */
	if ((p = new_doc(&letter_meta)) != NULL) {
		pg = pdf_add_page(p);
		check(pdf_error(p) == NULL, "fresh document has an error");
		pdf_text(pg, PDF_REGULAR, 0, 72, 700, "noll", 4);
		check(pdf_error(p) != NULL, "size 0 is not an error");
		pdf_text(pg, PDF_REGULAR, 10, 72, 700, "sen", 3);
		check(pdf_add_page(p) == NULL, "pdf_add_page after an error");
		check(pdf_save_mem(p, &buf, &len) == -1, "saving after an error succeeded");
		pdf_free(p);
	}
	if ((p = new_doc(&letter_meta)) != NULL) {
		pg = pdf_add_page(p);
		pdf_text(pg, PDF_REGULAR, NAN, 72, 700, "nan", 3);
		check(pdf_error(p) != NULL, "size NaN is not an error");
		pdf_free(p);
	}
	if ((p = new_doc(&letter_meta)) != NULL) {
		pg = pdf_add_page(p);
		pdf_line(pg, 0, 0, INFINITY, 0, 1);
		check(pdf_error(p) != NULL, "an infinite line is not an error");
		pdf_free(p);
	}
	if ((p = new_doc(&letter_meta)) != NULL) {
		pg = pdf_add_page(p);
		pdf_text(pg, (enum pdf_font)3, 10, 72, 700, "x", 1);
		check(pdf_error(p) != NULL, "font 3 is not an error");
		pdf_free(p);
	}

	/* drawing after saving is an error */
	if ((p = new_doc(&letter_meta)) != NULL) {
		pg = pdf_add_page(p);
		pdf_text(pg, PDF_REGULAR, 10, 72, 700, "före", 5);
		check(pdf_save_mem(p, &buf, &len) == 0, "save: %s",
		      pdf_error(p) ? pdf_error(p) : "?");
		free(buf);
		buf = NULL;
		pdf_text(pg, PDF_REGULAR, 10, 72, 680, "efter", 5);
		check(pdf_error(p) != NULL, "drawing after saving is not an error");
		pdf_free(p);
	}

	/* a file that cannot be written */
	if ((p = new_doc(&letter_meta)) != NULL) {
		pg = pdf_add_page(p);
		check(pdf_save(p, "/nonexistent/dir/x.pdf") == -1 && pdf_error(p) != NULL,
		    "pdf_save to a missing directory succeeded");
		pdf_free(p);
	}
	pdf_text(NULL, PDF_REGULAR, 10, 0, 0, "x", 1);
	pdf_free(NULL);
}

/* Random bytes as text: drawn, measured and saved without a complaint. */
static void
test_garbage(void)
{
	unsigned long seed = 12345;
	unsigned char s[300];
	struct pdf *p;
	struct pdf_page *pg;
	unsigned char *buf = NULL;
	size_t len, n, i;
	int k;

	if ((p = new_doc(&letter_meta)) == NULL)
		return;
	pg = pdf_add_page(p);
	for (k = 0; k < 200; k++) {
		seed = seed * 6364136223846793005ul + 1442695040888963407ul;
		n = (seed >> 33) % sizeof(s);
		for (i = 0; i < n; i++) {
			seed = seed * 6364136223846793005ul + 1442695040888963407ul;
			s[i] = (unsigned char)(seed >> 56);
		}
		if (pdf_text_width(p, (enum pdf_font)(k % 3), 9, (const char *)s, n) < 0)
			check(0, "garbage %d: negative width", k);
		pdf_text(pg, (enum pdf_font)(k % 3), 9, 20, 800 - 3.5f * (float)k, (const char *)s,
		         n);
	}
	check(pdf_error(p) == NULL, "garbage: %s", pdf_error(p));
	check(pdf_save_mem(p, &buf, &len) == 0, "garbage: save: %s",
	      pdf_error(p) ? pdf_error(p) : "?");
	free(buf);
	if (outdir != NULL)
		save(p, "garbage.pdf");
	pdf_free(p);
}

/* ---- streamed documents ---- */

/*
 * Line `which` (0-3) of page k (0-based) of a försändelse of m pages, drawn
 * index-th: what is drawn and what pdftotext must give back.  0 if the page
 * has no such line.
 */
static int
stream_line(char *s, size_t len, int which, size_t index, size_t k, size_t m, int fallback)
{
	switch (which) {
	case 0:
		return snprintf(s, len, "Försändelse sida %zu av %zu, sida %zu i ritordning", k + 1,
		    m, index + 1);
	case 1:
		return snprintf(s, len, "Åsa Öberg, Ärling Ek, Émile åäö ÅÄÖ é nr %zu", index);
	case 2:
		return fallback ? snprintf(s, len, "Łukasz Ŋuolla Αθηνά Иван Nguyễn %zu", index) : 0;
	default:
		return snprintf(s, len, "Sida %zu (%zu)", k + 1, m);
	}
}

static const struct {
	enum pdf_font f;
	float size, y;
} stream_pos[4] = {{PDF_BOLD, 12, 770}, {PDF_REGULAR, 11, 740}, {PDF_ITALIC, 11, 720},
    {PDF_REGULAR, 9, 60}};

/*
 * A streamed document of nf försändelser of 1-3 pages, each drawn whole
 * (its "Sida n (m)" stamped once all its pages exist, as render.c does),
 * with a blank page after an odd one (duplex, as deliver.c does), and
 * flushed, all but the last: pdf_finish_stream writes that.  With lines,
 * writes what pdftotext must give, page by page, each page ended by "@@".
 * Returns pdf_finish_stream's status.
 */
static int
make_stream(FILE *out, const char *name, size_t nf, int fallback, FILE *lines)
{
	struct pdf_meta m = letter_meta;
	char err[256] = "", s[160];
	size_t *first, np = 0, i, k, pages, f, still_there = 0;
	struct pdf *p;
	int rc, w, n, flush_failed = 0;

	m.title = "Utskrift";
	m.id_seed = name;
	m.id_seed_len = strlen(name);
	if ((p = pdf_new_stream(fontdir, &m, out, err, sizeof(err))) == NULL) {
		check(0, "%s: pdf_new_stream: %s", name, err);
		return -1;
	}
	first = xreallocarray(NULL, nf + 1, sizeof(*first));
	for (i = 0; i < nf; i++) {
		first[i] = np;
		pages = 1 + i % 3;
		for (k = 0; k < pages; k++) {
			struct pdf_page *pg = pdf_add_page(p);

			for (w = 0; w < 3; w++)
				if ((n = stream_line(s, sizeof(s), w, np + k, k, pages, fallback)) > 0)
					pdf_text(pg, stream_pos[w].f, stream_pos[w].size, 72,
					    stream_pos[w].y, s, (size_t)n);
		}
		for (k = 0; k < pages; k++) {
			n = stream_line(s, sizeof(s), 3, np + k, k, pages, fallback);
			pdf_text(pdf_page_at(p, np + k), stream_pos[3].f, stream_pos[3].size, 72,
			    stream_pos[3].y, s, (size_t)n);
		}
		np += pages;
		/* a blank page after an odd one, as a duplex print batch has */
		if (pages % 2 == 1) {
			pdf_add_page(p);
			np++;
		}
		if (i + 1 == nf)
			break;
		if (pdf_flush(p) == -1)
			flush_failed++;
		if (pdf_page_at(p, np - 1) != NULL || pdf_page_at(p, first[i]) != NULL)
			still_there++;
	}
	first[nf] = np;
	check(flush_failed == 0, "%s: pdf_flush: %s", name, pdf_error(p) ? pdf_error(p) : "?");
	check(still_there == 0, "%s: pdf_page_at gives %zu flushed pages", name, still_there);
	check(pdf_page_count(p) == np, "%s: %zu pages counted, %zu drawn", name, pdf_page_count(p),
	    np);
	check(pdf_page_at(p, np - 1) != NULL, "%s: the last page, not flushed, is gone", name);
	rc = pdf_finish_stream(p);
	check(rc == 0, "%s: pdf_finish_stream: %s", name, pdf_error(p) ? pdf_error(p) : "?");
	check(pdf_finish_stream(p) == -1, "%s: pdf_finish_stream twice", name);
	for (i = 0, f = 0; i < np && lines != NULL; i++) {
		while (first[f + 1] <= i)
			f++;
		pages = 1 + f % 3;
		for (w = 0; w < 4 && i - first[f] < pages; w++)
			if (stream_line(s, sizeof(s), w, i, i - first[f], pages, fallback) > 0)
				fprintf(lines, "%s\n", s);
		fprintf(lines, "@@\n");
	}
	free(first);
	pdf_free(p);
	return rc;
}

/* The whole of a file, malloc'd. */
static unsigned char *
slurp(const char *path, size_t *len)
{
	unsigned char *b = NULL;
	size_t cap = 0, n;
	FILE *f;

	*len = 0;
	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	do {
		if (cap - *len < 65536)
			b = xreallocarray(b, cap = 2 * cap + 65536, 1);
		n = fread(b + *len, 1, cap - *len, f);
		*len += n;
	} while (n > 0);
	fclose(f);
	return b;
}

/*
 * Streamed documents: made into OUTDIR/NAME.pdf with NAME.pages for pdf.sh
 * (qpdf, pdfinfo's page count, pdftotext page by page, pdffonts, Preflight
 * on all but the big one), and made again in memory: the same bytes.
 */
static void
test_stream(void)
{
	static const struct {
		const char *name;
		size_t forsandelser;   /* 1, 2, 3, 1, 2, 3 ... pages and blanks: 8 in 3 */
		int fallback;          /* a line in the Type0 fallback font on every page */
	} cases[] = {
		{"stream-one", 1, 0},
		{"stream-order", 7, 0},
		{"stream-small", 24, 1},        /* 64 pages */
		{"stream-big", 3113, 1},        /* 8,300 pages: leaves of 1,024 */
	};
	char path[1024];
	unsigned char *a, *b;
	size_t alen, blen, i;
	FILE *out, *lines;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		lines = NULL;
		if (outdir != NULL) {
			snprintf(path, sizeof(path), "%s/%s.pages", outdir, cases[i].name);
			if ((lines = fopen(path, "w")) == NULL)
				check(0, "cannot write %s", path);
			snprintf(path, sizeof(path), "%s/%s.pdf", outdir, cases[i].name);
		} else
			snprintf(path, sizeof(path), "/tmp/test_pdf-%ld.pdf", (long)getpid());
		if ((out = fopen(path, "wb")) == NULL) {
			check(0, "cannot write %s", path);
			if (lines != NULL)
				fclose(lines);
			continue;
		}
		make_stream(out, cases[i].name, cases[i].forsandelser, cases[i].fallback, lines);
		check(fclose(out) == 0, "%s: fclose", path);
		if (lines != NULL)
			fclose(lines);

		/* the same document again, to memory: the same bytes */
		b = NULL;
		blen = 0;
		if ((out = open_memstream((char **)&b, &blen)) == NULL) {
			check(0, "open_memstream");
			continue;
		}
		make_stream(out, cases[i].name, cases[i].forsandelser, cases[i].fallback, NULL);
		fclose(out);
		a = slurp(path, &alen);
		check(a != NULL && alen == blen && memcmp(a, b, alen) == 0,
		    "%s: made twice, different bytes (%zu, %zu)", cases[i].name, alen, blen);
		check(alen > 1000 && memcmp(a, "%PDF-1.4\n", 9) == 0 &&
		    memcmp(a + alen - 6, "%%EOF\n", 6) == 0, "%s: not a PDF 1.4", cases[i].name);
		free(a);
		free(b);
		if (outdir == NULL)
			remove(path);
	}
}

/* Streamed and ordinary: the same pages give the same bytes. */
static void
test_stream_same(void)
{
	static const char *const text[] = {"Beslut – Åsa Öberg", "Łukasz Ŋuolla Αθηνά",
	    "Överklagande åäö ÅÄÖ é"};
	unsigned char *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0, i;
	char err[256];
	struct pdf *p;
	FILE *out;
	int flush;

	for (flush = 0; flush <= 1; flush++) {
		if ((p = new_doc(&letter_meta)) == NULL)
			return;
		for (i = 0; i < 3; i++)
			pdf_text(pdf_add_page(p), PDF_REGULAR, 11, 72, 700, text[i], strlen(text[i]));
		check(pdf_save_mem(p, &a, &alen) == 0, "same: pdf_save_mem");
		pdf_free(p);

		if ((out = open_memstream((char **)&b, &blen)) == NULL) {
			check(0, "open_memstream");
			free(a);
			return;
		}
		p = pdf_new_stream(fontdir, &letter_meta, out, err, sizeof(err));
		check(p != NULL, "pdf_new_stream: %s", err);
		for (i = 0; p != NULL && i < 3; i++) {
			pdf_text(pdf_add_page(p), PDF_REGULAR, 11, 72, 700, text[i], strlen(text[i]));
			if (flush)
				pdf_flush(p);
		}
		check(p != NULL && pdf_finish_stream(p) == 0, "same: pdf_finish_stream");
		pdf_free(p);
		fclose(out);
		check(a != NULL && b != NULL && alen == blen && memcmp(a, b, alen) == 0,
		    "same pages, streamed (flush %d) and ordinary: different bytes", flush);
		free(a);
		free(b);
		a = b = NULL;
	}
}

/* What streamed documents refuse, and write errors. */
static void
test_stream_errors(void)
{
	static const struct {
		const char *what;
		int unbuffered;        /* the first write fails: pdf_new_stream reports it */
		size_t pages;
	} full[] = {
		{"/dev/full, buffered", 0, 3},
		{"/dev/full, unbuffered", 1, 3},
		{"/dev/full, buffered, many pages", 0, 200},
	};
	char err[256], *mem = NULL;
	unsigned char *buf = NULL;
	size_t memlen = 0, len, i, k;
	struct pdf *p;
	struct pdf_page *pg;
	FILE *out;
	int rc;

	/* the kinds of documents do not mix */
	if ((p = new_doc(&letter_meta)) != NULL) {
		pg = pdf_add_page(p);
		check(pdf_flush(p) == 0 && pdf_page_at(p, 0) == pg,
		    "pdf_flush on an ordinary document is not a no-op");
		pdf_text(pg, PDF_REGULAR, 10, 72, 700, "kvar", 4);
		check(pdf_error(p) == NULL, "drawing after pdf_flush on an ordinary document");
		check(pdf_finish_stream(p) == -1, "pdf_finish_stream on an ordinary document");
		pdf_free(p);
	}
	if ((out = open_memstream(&mem, &memlen)) != NULL) {
		if ((p = pdf_new_stream(fontdir, &letter_meta, out, err, sizeof(err))) != NULL) {
			pdf_add_page(p);
			check(pdf_save_mem(p, &buf, &len) == -1, "pdf_save_mem on a streamed document");
			pdf_free(p);
		}
		fclose(out);
		free(mem);
		mem = NULL;
	}
	/* freed before the end: nothing more is written, nothing leaks */
	if ((out = open_memstream(&mem, &memlen)) != NULL) {
		if ((p = pdf_new_stream(fontdir, &letter_meta, out, err, sizeof(err))) != NULL) {
			pdf_text(pdf_add_page(p), PDF_REGULAR, 10, 72, 700, "ett", 3);
			pdf_flush(p);
			pdf_add_page(p);
			pdf_free(p);
		}
		fclose(out);
		check(memlen > 0 && memlen < 1000, "a freed streamed document wrote %zu bytes",
		    memlen);
		free(mem);
		mem = NULL;
	}
	err[0] = '\0';
	check(pdf_new_stream(fontdir, &letter_meta, NULL, err, sizeof(err)) == NULL &&
	    err[0] != '\0', "pdf_new_stream without a file");

	/* a disk that is full: reported, never a crash */
	for (i = 0; i < sizeof(full) / sizeof(full[0]); i++) {
		if ((out = fopen("/dev/full", "wb")) == NULL) {
			check(0, "cannot open /dev/full");
			continue;
		}
		if (full[i].unbuffered)
			setvbuf(out, NULL, _IONBF, 0);
		err[0] = '\0';
		p = pdf_new_stream(fontdir, &letter_meta, out, err, sizeof(err));
		if (full[i].unbuffered)
			check(p == NULL && strstr(err, "kan inte skriva") != NULL,
			    "%s: pdf_new_stream: %s", full[i].what, p == NULL ? err : "no error");
		else {
			rc = 0;
			for (k = 0; p != NULL && k < full[i].pages; k++) {
				pg = pdf_add_page(p);
				pdf_text(pg, PDF_REGULAR, 10, 72, 700, "Åsa Öberg Łukasz", 19);
				if (pdf_flush(p) == -1)
					rc = -1;
			}
			if (p != NULL && pdf_finish_stream(p) == -1)
				rc = -1;
			check(p != NULL && rc == -1 && pdf_error(p) != NULL &&
			    strstr(pdf_error(p), "kan inte skriva") != NULL, "%s: %s", full[i].what,
			    p && pdf_error(p) ? pdf_error(p) : "no error");
		}
		pdf_free(p);
		fclose(out);
	}
}

int
main(int argc, char *argv[])
{
	if (getenv("EXPEDIERA_FONTS") != NULL)
		fontdir = getenv("EXPEDIERA_FONTS");
	if (argc > 1)
		outdir = argv[1];
	test_errors();
	test_measure();
	test_char_class();
	test_determinism();
	test_garbage();
	make_letter("letter.pdf");
	make_names("names.pdf");
	make_twopage("twopage.pdf");
	make_meta("meta.pdf");
	make_many("many.pdf");
	write_widths();
	test_stream();
	test_stream_same();
	test_stream_errors();
	pdf_cleanup();
	printf("test_pdf: %d passed, %d failed\n", passed, failed);
	return failed == 0 ? 0 : 1;
}
