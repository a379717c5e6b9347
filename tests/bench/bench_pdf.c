/*
 * bench_pdf.c -- how fast pdf.c makes one-page letters, and how big they are.
 *
 *   bench_pdf [N [FONTDIR]]    N documents of each kind (default 2000),
 *                              fonts from FONTDIR (default build/fonts)
 *
 * Each document is a letter-like A4 page: a bold heading, about forty lines
 * of Swedish text broken with pdf_text_width() as a layout engine would, an
 * address block and a rule, made in memory with pdf_save_mem().  The second
 * run puts one name with characters outside WinAnsi (a Polish ł, a Sámi ŋ)
 * in each letter, so the fallback font is made too.  Prints documents per
 * second and bytes per document for each run.  Reads only FONTDIR; writes
 * nothing but stdout.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pdf.h"

static const char body[] =
    "Socialnämnden har den 18 november 2026 beslutat att bevilja dig ekonomiskt bistånd "
    "enligt 4 kap. 1 § socialtjänstlagen (2001:453) för perioden 1 december 2026 – "
    "31 december 2026. Biståndet avser försörjningsstöd till livsmedel, kläder och skor, "
    "lek och fritid, förbrukningsvaror, hälsa och hygien samt dagstidning och telefon, "
    "och utgår med 6 240 kronor per månad. Till detta kommer skäliga kostnader för boende "
    "och hushållsel med 7 815 kronor. Nämnden bedömer att du inte själv kan tillgodose "
    "dina behov och att du genom biståndet tillförsäkras en skälig levnadsnivå. Du är "
    "skyldig att anmäla förändringar i dina inkomster eller i ditt hushåll, till exempel "
    "om du får arbete, “aktivitetsstöd” eller sjukpenning. Om du har frågor om beslutet "
    "är du välkommen att kontakta din handläggare. Hur man överklagar: om du inte är nöjd "
    "med beslutet kan du överklaga det hos förvaltningsrätten. Skrivelsen ska ha kommit "
    "in till socialnämnden inom tre veckor från den dag du fick del av beslutet. Ange "
    "vilket beslut du överklagar, varför du anser att beslutet ska ändras och vilken "
    "ändring du vill ha. Bifoga gärna handlingar som stöder din uppfattning. Underteckna "
    "skrivelsen och uppge namn, personnummer, adress och telefonnummer. Om du anlitar "
    "ombud ska fullmakt bifogas. Nämnden prövar först om beslutet ska ändras; gör den "
    "inte det skickas överklagandet vidare till förvaltningsrätten. Upplysningar om hur "
    "du överklagar lämnas av socialförvaltningen, telefon 0690-250 100, e-post "
    "socialnamnden@ange.se. Beslutet gäller omedelbart.";

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Greedy line breaking of s into lines of at most width points, each word
 * measured once, as a layout engine does.
 */
static int
draw_wrapped(struct pdf *p, struct pdf_page *pg, const char *s, float x, float y, float width,
    float size, float leading)
{
	size_t start = 0, end, n = strlen(s), w0, w1;
	float space = pdf_text_width(p, PDF_REGULAR, size, " ", 1), line = 0, ww;
	int lines = 0;

	while (start < n) {
		end = start;
		line = 0;
		for (;;) {
			w0 = end;
			while (w0 < n && s[w0] == ' ')
				w0++;
			if (w0 >= n)
				break;
			w1 = w0;
			while (w1 < n && s[w1] != ' ')
				w1++;
			ww = pdf_text_width(p, PDF_REGULAR, size, s + w0, w1 - w0);
			if (end > start && line + space + ww > width)
				break;
			line += (end > start ? space : 0) + ww;
			end = w1;
		}
		pdf_text(pg, PDF_REGULAR, size, x, y - (float)lines * leading, s + start,
		    end - start);
		lines++;
		start = end;
		while (start < n && s[start] == ' ')
			start++;
	}
	return lines;
}

static int
letter(const char *fontdir, int i, int fallback, size_t *bytes)
{
	char err[256], seed[64], title[96], line[160];
	struct pdf_meta m = {0};
	struct pdf *p;
	struct pdf_page *pg;
	unsigned char *out;
	size_t len;
	float y;
	int n;

	snprintf(seed, sizeof(seed), "SN/2026:%d §%d mottagare 1", 400 + i % 97, i);
	snprintf(title, sizeof(title), "Beslut SN/2026:%d, § %d", 400 + i % 97, i);
	m.title = title;
	m.author = "Socialnämnden i Ånge kommun";
	m.subject = "Protokollsutdrag";
	m.language = "sv-SE";
	m.date = "2026-11-18T14:00:00";
	m.id_seed = seed;
	m.id_seed_len = strlen(seed);
	if ((p = pdf_new(fontdir, &m, err, sizeof(err))) == NULL) {
		fprintf(stderr, "bench_pdf: %s\n", err);
		return -1;
	}
	pg = pdf_add_page(p);
	y = PDF_A4_HEIGHT - PDF_MM(25);
	pdf_text(pg, PDF_BOLD, 9, PDF_MM(20), y, "Ånge kommun", 12);
	pdf_text(pg, PDF_REGULAR, 9, PDF_MM(20), y - 11, "Socialförvaltningen", 20);
	n = snprintf(line, sizeof(line), "%s", fallback ? "Łukasz Ŋuolla-Wiśniewski" :
	    "Karin Öhman-Lindqvist");
	pdf_text(pg, PDF_REGULAR, 11, PDF_MM(110), PDF_A4_HEIGHT - PDF_MM(52), line, (size_t)n);
	pdf_text(pg, PDF_REGULAR, 11, PDF_MM(110), PDF_A4_HEIGHT - PDF_MM(57), "Storgatan 12 B",
	         14);
	pdf_text(pg, PDF_REGULAR, 11, PDF_MM(110), PDF_A4_HEIGHT - PDF_MM(62), "841 31  ÅNGE", 13);
	n = snprintf(line, sizeof(line), "Beslut om ekonomiskt bistånd, dnr SN/2026:%d",
	             400 + i % 97);
	pdf_text(pg, PDF_BOLD, 14, PDF_MM(20), PDF_A4_HEIGHT - PDF_MM(95), line, (size_t)n);
	pdf_line(pg, PDF_MM(20), PDF_A4_HEIGHT - PDF_MM(98), PDF_MM(190),
	         PDF_A4_HEIGHT - PDF_MM(98), 0.5f);
	y = PDF_A4_HEIGHT - PDF_MM(108);
	n = draw_wrapped(p, pg, body, PDF_MM(20), y, PDF_MM(170), 10.5f, 13.5f);
	y -= (float)n * 13.5f + 13.5f;
	n = draw_wrapped(p, pg, body + 500, PDF_MM(20), y, PDF_MM(170), 10.5f, 13.5f);
	pdf_text(pg, PDF_ITALIC, 9, PDF_MM(20), PDF_MM(15), "Sida 1 av 1", 11);
	if (pdf_save_mem(p, &out, &len) == -1) {
		fprintf(stderr, "bench_pdf: %s\n", pdf_error(p));
		pdf_free(p);
		return -1;
	}
	*bytes += len;
	free(out);
	pdf_free(p);
	return 0;
}

int
main(int argc, char *argv[])
{
	const char *fontdir = argc > 2 ? argv[2] : "build/fonts";
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 2000;
	int fallback, i;

	if (n <= 0 || n > 10000000) {
		fprintf(stderr, "usage: bench_pdf [N [FONTDIR]]\n");
		return 2;
	}
	for (fallback = 0; fallback <= 1; fallback++) {
		size_t bytes = 0;
		double t0;

		/* the first document loads the fonts: not part of the rate */
		if (letter(fontdir, 0, fallback, &bytes) == -1)
			return 1;
		bytes = 0;
		t0 = now();
		for (i = 0; i < n; i++)
			if (letter(fontdir, i, fallback, &bytes) == -1)
				return 1;
		t0 = now() - t0;
		printf("bench_pdf: %ld one-page letters%s: %.0f documents/s, %.0f bytes/document\n",
		    n, fallback ? " with a fallback character" : "", (double)n / t0,
		    (double)bytes / (double)n);
	}
	pdf_cleanup();
	return 0;
}
