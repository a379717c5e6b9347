/*
 * render_lista.c -- the expedieringslista of a run (streamed, in parts of at
 * most LISTA_RADER rows) and the felrapport of a rejected session package.
 * See render.h.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render_impl.h"
#include "xmalloc.h"

/* How many rows of one route came to one state, for the lista's totals. */
struct tally {
	char route[48], state[32];
	size_t n;
};

#define TALLY_MAX 48

struct lista {
	struct doc d;
	const char *title;
	size_t m;            /* pages, when known before: each is stamped as it starts */
	struct tally t[TALLY_MAX];
	size_t nt, rows;
};

static void
lista_page(struct layout *L, void *arg, size_t n)
{
	struct lista *li = arg;
	const struct geometry *g = L->g;
	float y = mm_y(g->margin_top) - g->title_size, line = g->body_size * g->line_height;
	char *sek = T(&li->d, T_DOKUMENT_SEKRETESS);

	doc_letterhead(L, &li->d, namnd(li->d.r));
	doc_text_right(L, PDF_BOLD, g->title_size, L->right, y, "EXPEDIERINGSLISTA");
	doc_text_right(L, PDF_REGULAR, g->body_size, L->right, y - line, li->title);
	/* Every page: it names who got which decision of a socialnämnd. */
	doc_text_right(L, PDF_BOLD, g->small_size + 1, L->right, y - 3 * line, sek);
	free(sek);
	doc_footer(L, &li->d);
	L->y = y - 4.5f * line;
	if (li->m > 0)
		doc_stamp(L, L->page, n, li->m, &li->d);
}

/*
 * s with its first letter in upper case (malloc'd): ASCII, or the two-byte
 * UTF-8 of Latin-1 letters (å ä ö é …), which is all a route's name begins with.
 */
static char *
capital(const char *s)
{
	char *t = xstrdup(s);
	unsigned char *u = (unsigned char *)t;

	if (u[0] < 0x80)
		u[0] = (unsigned char)toupper(u[0]);
	else if (u[0] == 0xc3 && u[1] >= 0xa0 && u[1] <= 0xbe && u[1] != 0xb7)
		u[1] -= 0x20;
	return t;
}

static void
tally(struct lista *li, const char *route, const char *state)
{
	size_t i;

	li->rows++;
	for (i = 0; i < li->nt; i++)
		if (strcmp(li->t[i].route, route) == 0 && strcmp(li->t[i].state, state) == 0) {
			li->t[i].n++;
			return;
		}
	if (li->nt == TALLY_MAX)
		return;
	snprintf(li->t[li->nt].route, sizeof(li->t[0].route), "%s", route);
	snprintf(li->t[li->nt].state, sizeof(li->t[0].state), "%s", state);
	li->t[li->nt++].n = 1;
}

/* "Post: 12 skickad, 2 skickad tidigare", a line for each route, in the order first met. */
static void
lista_totals(struct layout *L, struct lista *li)
{
	const struct geometry *g = L->g;
	bool done[TALLY_MAX] = {false};
	char line[512];
	size_t i, j, o;

	layout_gap(L, g->body_size * 0.8f);
	layout_heading(L, PDF_BOLD, g->heading_size, "Summering");
	for (i = 0; i < li->nt; i++) {
		char *route;

		if (done[i])
			continue;
		route = capital(li->t[i].route);
		o = (size_t)snprintf(line, sizeof(line), "%s:", route);
		free(route);
		for (j = i; j < li->nt && o < sizeof(line); j++) {
			if (done[j] || strcmp(li->t[j].route, li->t[i].route) != 0)
				continue;
			done[j] = true;
			o += (size_t)snprintf(line + o, sizeof(line) - o, "%s %zu %s", j == i ? "" :
			    ",", li->t[j].n, li->t[j].state);
		}
		layout_text(L, PDF_REGULAR, g->body_size, line, 0, NULL);
	}
	snprintf(line, sizeof(line), "Totalt %zu %s.", li->rows, li->rows == 1 ? "försändelse" :
	    "försändelser");
	layout_text(L, PDF_BOLD, g->body_size, line, 0, NULL);
}

/*
 * Lays the rows out into pdf, a streamed document; with m 0 only to count
 * the pages.  Returns the page count.
 */
static size_t
lista_layout(const struct render *r, struct pdf *pdf, const char *title, const char *head,
    int (*row)(void *arg, size_t i, struct lista_rad *), void *arg,
    const struct lista_del *del, size_t m, char *err, size_t errlen)
{
	struct layout L;
	struct lista *li = xcalloc(1, sizeof(*li));
	struct lista_rad x;
	char *line, *route;
	size_t i, pages;

	doc_init(&li->d, r, NULL, NULL, NULL, NULL, err, errlen);
	li->title = title;
	li->m = m;
	li->d.stamp_line = 2;
	layout_init(&L, pdf, &r->t->geo);
	L.flush = true;
	layout_part_begin(&L, lista_page, li);
	for (i = 0; row(arg, i, &x) == 1; i++) {
		/* The totals, in the last part, are the whole run's. */
		if (del->last)
			tally(li, x.route, x.state);
		if (i < del->from)
			continue;
		if (i - del->from >= del->count) {
			if (del->last)
				continue;
			break;
		}
		line = xasprintf("§ %lu  %s  –  %s, %s", x.paragraf, x.dnr != NULL ? x.dnr : "",
		    x.mottagare, x.roll);
		layout_need(&L, 4 * layout_line_height(&L, L.g->body_size));
		layout_text(&L, PDF_BOLD, L.g->body_size, line, 0, NULL);
		free(line);
		route = capital(x.route);
		line = xasprintf("%s%s%s: %s %s", route, x.postort != NULL ? ", " : "",
		    x.postort != NULL ? x.postort : "", x.state, x.when);
		free(route);
		/* Registered mail is handed in at the post office: it stands out. */
		layout_text(&L, x.rek ? PDF_BOLD : PDF_REGULAR, L.g->small_size + 1, line, PDF_MM(5),
		    NULL);
		free(line);
		if (x.reason != NULL) {
			line = xasprintf("Orsak: %s", x.reason);
			layout_text(&L, PDF_REGULAR, L.g->small_size + 1, line, PDF_MM(5), NULL);
			free(line);
		}
		if (x.sha256 != NULL) {
			line = xasprintf("Dokumentets SHA-256: %s", x.sha256);
			layout_text(&L, PDF_REGULAR, L.g->small_size, line, PDF_MM(5), NULL);
			free(line);
		}
		layout_gap(&L, L.g->body_size * 0.4f);
	}
	if (!del->last)
		goto done;
	lista_totals(&L, li);
	if (head != NULL) {
		/* Kept with the protocol's file, it finds a log rewritten from the start. */
		line = xasprintf("Granskningsloggens huvud när listan skrevs: %s. Kontrollera med "
		    "expediera audit verify --head %s", head, head);
		layout_need(&L, 3 * layout_line_height(&L, L.g->small_size));
		layout_gap(&L, L.g->body_size * 0.6f);
		layout_text(&L, PDF_REGULAR, L.g->small_size, line, 0, NULL);
		free(line);
	}
	/* The nämndsekreterare signs for the run, as on the paper list. */
	layout_need(&L, 8 * layout_line_height(&L, L.g->body_size));
	layout_gap(&L, L.g->body_size * 0.6f);
	doc_sign_line(&L, "Datum");
	doc_sign_line(&L, "Nämndsekreterarens underskrift");
	doc_sign_line(&L, "Namnförtydligande");
done:
	doc_free(&li->d);
	pages = li->d.failed ? 0 : pdf_page_count(pdf);
	free(li);
	return pages;
}

/*
 * A streamed expedieringslista: laid out twice, once into nothing to learn
 * the page count m, once for real with each page stamped "n (m)" as it
 * starts; memory holds one page, however long the run.
 */
int
render_lista_stream(const struct render *r, const char *title, const char *head,
    int (*row)(void *arg, size_t i, struct lista_rad *), void *arg,
    const struct lista_del *del, FILE *out, char *err, size_t errlen)
{
	struct pdf_meta meta;
	struct pdf *pdf;
	char date[32], *seed = xasprintf("lista|%s|%s", r->s->protokoll.kommun, title);
	FILE *null = fopen("/dev/null", "w");
	size_t m = 0;
	int rc = -1;

	doc_meta(&meta, date, r, NULL, "Expedieringslista", NULL, seed);
	if (null == NULL) {
		snprintf(err, errlen, "kan inte öppna /dev/null: %s", strerror(errno));
		goto out;
	}
	if ((pdf = pdf_new_stream(r->fontdir, &meta, null, err, errlen)) == NULL)
		goto out;
	m = lista_layout(r, pdf, title, head, row, arg, del, 0, err, errlen);
	pdf_free(pdf);
	if (m == 0 || (pdf = pdf_new_stream(r->fontdir, &meta, out, err, errlen)) == NULL)
		goto out;
	if (lista_layout(r, pdf, title, head, row, arg, del, m, err, errlen) == m &&
	    pdf_finish_stream(pdf) == 0)
		rc = 0;
	else if (pdf_error(pdf) != NULL)
		snprintf(err, errlen, "%s", pdf_error(pdf));
	pdf_free(pdf);
out:
	if (null != NULL)
		fclose(null);
	free(seed);
	return rc;
}

/* ---- felrapport ---- */

static void
rapport_page(struct layout *L, void *arg, size_t n)
{
	struct lista *li = arg;
	const struct geometry *g = L->g;
	float y = mm_y(g->margin_top) - g->title_size;

	(void)n;
	doc_letterhead(L, &li->d, namnd(li->d.r));
	doc_text_right(L, PDF_BOLD, g->title_size, L->right, y, "FELRAPPORT");
	doc_text_right(L, PDF_REGULAR, g->body_size, L->right, y - g->body_size * g->line_height,
	    li->title);
	doc_footer(L, &li->d);
	L->y = y - 3 * g->body_size * g->line_height;
}

int
render_felrapport(const struct render *r, const char *title, unsigned char **out, size_t *len,
    char *err, size_t errlen)
{
	const struct diag *dg = &r->s->diag;
	struct layout L;
	struct lista li;
	struct pdf *pdf;
	char *seed = xasprintf("felrapport|%s", title), *line;
	size_t i;
	int rc = -1;

	pdf = doc_pdf(r, NULL, "Felrapport", NULL, seed, err, errlen);
	free(seed);
	if (pdf == NULL)
		return -1;
	memset(&li, 0, sizeof(li));
	doc_init(&li.d, r, NULL, NULL, NULL, NULL, err, errlen);
	li.title = title;
	layout_init(&L, pdf, &r->t->geo);
	layout_part_begin(&L, rapport_page, &li);
	line = xasprintf("Sessionspaketet skickades inte: %zu fel och %zu varningar. Rätta "
	    "felen och lägg paketet i inkommande igen, med filen KLAR sist.", dg->errors,
	    dg->warnings);
	layout_text(&L, PDF_REGULAR, L.g->body_size, line, 0, NULL);
	free(line);
	layout_gap(&L, L.g->body_size);
	for (i = 0; i < dg->n; i++) {
		const struct finding *f = &dg->v[i];

		line = xasprintf("%s:%d: %s: %s", f->file, f->line, severity_name(f->severity),
		    rule_table[f->rule].id);
		layout_need(&L, 3 * layout_line_height(&L, L.g->body_size));
		layout_text(&L, PDF_BOLD, L.g->body_size, line, 0, NULL);
		free(line);
		layout_text(&L, PDF_REGULAR, L.g->body_size, f->message, PDF_MM(5), NULL);
		layout_gap(&L, L.g->body_size * 0.5f);
	}
	doc_part_end(&L, &li.d, 2);
	if (!li.d.failed)
		rc = doc_finish(pdf, out, len, err, errlen);
	doc_free(&li.d);
	pdf_free(pdf);
	return rc;
}
