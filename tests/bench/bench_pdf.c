/*
 * bench_pdf.c -- how fast pdf.c makes one-page letters, and how big they are;
 * and how much memory a streamed print batch takes.
 *
 *   bench_pdf [N [FONTDIR]]    N documents of each kind (default 2000),
 *                              fonts from FONTDIR (default build/fonts)
 *   bench_pdf --one FILE [FONTDIR]
 *                              one letter, written to FILE (to look at)
 *   bench_pdf --stream N [FONTDIR [FILE]]
 *                              N one-page letters as the pages of one
 *                              streamed document (pdf_new_stream, a
 *                              pdf_flush after each, pdf_finish_stream),
 *                              written to
 *                              FILE (default /dev/null); prints pages per
 *                              second, bytes, and the process's peak RSS
 *
 * Each document is a letter-like A4 page in the two fonts render.c draws
 * every document with: a bold heading, "Sida 1 (1)", about forty lines
 * of Swedish text broken with pdf_text_width() as a layout engine would, an
 * address block and a rule, made in memory with pdf_save_mem().  The second
 * run puts one name with characters outside WinAnsi (a Polish ł, a Sámi ŋ)
 * in each letter, so the fallback font is made too.  Prints documents per
 * second and bytes per document for each run.  Reads only FONTDIR; writes
 * nothing but stdout (and FILE with --stream).  Timings are for reading,
 * never asserted: the machine is shared.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/resource.h>

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

/* One letter on page pg of p; the fallback run has a name outside WinAnsi. */
static void
letter_page(struct pdf *p, struct pdf_page *pg, int i, int fallback)
{
	char line[160];
	float y;
	int n;

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
	/* in two fonts, as render.c draws every document: no italic */
	pdf_text(pg, PDF_REGULAR, 9, PDF_MM(170), PDF_A4_HEIGHT - PDF_MM(25), "Sida 1 (1)", 10);
}

static void
letter_meta(struct pdf_meta *m, int i, char *seed, size_t seedlen, char *title, size_t titlelen)
{
	snprintf(seed, seedlen, "SN/2026:%d §%d mottagare 1", 400 + i % 97, i);
	snprintf(title, titlelen, "Beslut SN/2026:%d, § %d", 400 + i % 97, i);
	memset(m, 0, sizeof(*m));
	m->title = title;
	m->author = "Socialnämnden i Ånge kommun";
	m->subject = "Protokollsutdrag";
	m->language = "sv-SE";
	m->date = "2026-11-18T14:00:00";
	m->id_seed = seed;
	m->id_seed_len = strlen(seed);
}

static int
letter(const char *fontdir, int i, int fallback, size_t *bytes, const char *path)
{
	char err[256], seed[64], title[96];
	struct pdf_meta m;
	struct pdf *p;
	unsigned char *out;
	size_t len;

	letter_meta(&m, i, seed, sizeof(seed), title, sizeof(title));
	if ((p = pdf_new(fontdir, &m, err, sizeof(err))) == NULL) {
		fprintf(stderr, "bench_pdf: %s\n", err);
		return -1;
	}
	letter_page(p, pdf_add_page(p), i, fallback);
	if (pdf_save_mem(p, &out, &len) == -1) {
		fprintf(stderr, "bench_pdf: %s\n", pdf_error(p));
		pdf_free(p);
		return -1;
	}
	*bytes += len;
	if (path != NULL) {
		FILE *f = fopen(path, "wb");

		if (f == NULL || fwrite(out, 1, len, f) != len || fclose(f) != 0) {
			fprintf(stderr, "bench_pdf: %s: cannot write\n", path);
			free(out);
			pdf_free(p);
			return -1;
		}
	}
	free(out);
	pdf_free(p);
	return 0;
}

/* --stream: one print batch of n one-page letters, every tenth with a fallback name. */
static int
stream(const char *fontdir, long n, const char *path)
{
	char err[256], seed[64], title[96];
	struct pdf_meta m;
	struct rusage ru;
	struct pdf *p;
	double t0;
	long i;
	FILE *f;
	int rc = 0;

	if ((f = fopen(path, "wb")) == NULL) {
		fprintf(stderr, "bench_pdf: %s: cannot write\n", path);
		return -1;
	}
	letter_meta(&m, 0, seed, sizeof(seed), title, sizeof(title));
	m.title = "Utskrift";
	t0 = now();
	if ((p = pdf_new_stream(fontdir, &m, f, err, sizeof(err))) == NULL) {
		fprintf(stderr, "bench_pdf: %s\n", err);
		fclose(f);
		return -1;
	}
	for (i = 0; i < n && rc == 0; i++) {
		letter_page(p, pdf_add_page(p), (int)i, i % 10 == 9);
		rc = pdf_flush(p);
	}
	if (rc == 0 && pdf_finish_stream(p) == -1)
		rc = -1;
	if (rc == -1)
		fprintf(stderr, "bench_pdf: %s\n", pdf_error(p) ? pdf_error(p) : "?");
	t0 = now() - t0;
	pdf_free(p);
	if (rc == 0) {
		long size = ftell(f);   /* 0 for /dev/null */

		getrusage(RUSAGE_SELF, &ru);
		printf("bench_pdf: streamed %ld one-page letters to %s: %.0f pages/s", n, path,
		    (double)n / t0);
		if (size > 0)
			printf(", %.0f bytes/page", (double)size / (double)n);
		printf(", peak RSS %ld KiB\n", ru.ru_maxrss);
	}
	fclose(f);
	pdf_cleanup();
	return rc;
}

int
main(int argc, char *argv[])
{
	const char *fontdir = argc > 2 ? argv[2] : "build/fonts";
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 2000;
	int fallback, i;

	if (argc > 2 && strcmp(argv[1], "--one") == 0) {
		size_t bytes = 0;

		return letter(argc > 3 ? argv[3] : "build/fonts", 0, 0, &bytes, argv[2]) == 0 ?
		    0 : 1;
	}
	if (argc > 2 && strcmp(argv[1], "--stream") == 0) {
		n = strtol(argv[2], NULL, 10);
		if (n <= 0 || n > 10000000) {
			fprintf(stderr, "usage: bench_pdf --stream N [FONTDIR [FILE]]\n");
			return 2;
		}
		return stream(argc > 3 ? argv[3] : "build/fonts", n,
		    argc > 4 ? argv[4] : "/dev/null") == 0 ? 0 : 1;
	}
	if (n <= 0 || n > 10000000) {
		fprintf(stderr, "usage: bench_pdf [N [FONTDIR]] | --stream N [FONTDIR [FILE]]\n");
		return 2;
	}
	for (fallback = 0; fallback <= 1; fallback++) {
		size_t bytes = 0;
		double t0;

		/* the first document loads the fonts: not part of the rate */
		if (letter(fontdir, 0, fallback, &bytes, NULL) == -1)
			return 1;
		bytes = 0;
		t0 = now();
		for (i = 0; i < n; i++)
			if (letter(fontdir, i, fallback, &bytes, NULL) == -1)
				return 1;
		t0 = now() - t0;
		printf("bench_pdf: %ld one-page letters%s: %.0f documents/s, %.0f bytes/document\n",
		    n, fallback ? " with a fallback character" : "", (double)n / t0,
		    (double)bytes / (double)n);
	}
	pdf_cleanup();
	return 0;
}
