/*
 * render_letter.c -- what goes to a recipient of one paragraph: the beslut
 * to a party or the underrättelse om beslut to an informed recipient, with
 * the address in the envelope window, the överklagandehänvisning and the
 * delgivningskvitto; the protokollsutdrag between them is render_protocol.c's.
 * Also the file name of a försändelse and the instruction sheet before a
 * försändelse to a protected identity.  See render.h, and render.c for the
 * rules on what a recipient sees.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "render_impl.h"
#include "text.h"
#include "xmalloc.h"

/* ---- the address in the window ---- */

/*
 * Places the address inside the window, at the size address_fit picks (the
 * same measurement check makes for rule address-unprintable).  Fails rather
 * than let an address leave the window.
 */
static int
window_address(struct layout *L, struct doc *d)
{
	const struct geometry *g = L->g;
	const struct window *w = &g->window[d->r->window];
	struct address_window aw = {L->pdf, g, w};
	struct address_block b;
	struct layout_line wl[8];
	float size, width, x, y;
	size_t i, j, k;

	address_block(d->m, &b);
	if (b.n == 0)
		return 0;
	if ((size = address_fit(&aw, &b)) == 0) {
		snprintf(d->err, d->errlen, "adressen till %s får inte plats i kuvertfönstret "
		    "(%g × %g mm)", d->m->namn, (double)w->width, (double)w->height);
		d->failed = 1;
		address_block_free(&b);
		return -1;
	}
	width = address_room_width(&aw);
	x = PDF_MM(w->x + g->address_padding);
	y = mm_y(w->y + g->address_padding) - pdf_ascent(L->pdf, PDF_REGULAR, size);
	for (i = 0; i < b.n; i++) {
		k = layout_wrap(L->pdf, PDF_REGULAR, size, b.text[i], strlen(b.text[i]), width,
		    wl, 8);
		for (j = 0; j < k && j < 8; j++) {
			pdf_text(L->page, PDF_REGULAR, size, x, y, b.text[i] + wl[j].off,
			    wl[j].len);
			y -= address_leading(size);
		}
	}
	address_block_free(&b);
	return 0;
}

/* ---- beslut ---- */

/* "Dnr SN/2026:404", for the header of the paragraph's pages (malloc'd). */
static char *
dnr_line(struct doc *d)
{
	return doc_label(d, T_BESLUT_DNR, d->p->dnr != NULL ? d->p->dnr : "");
}

static void
beslut_page(struct layout *L, void *arg, size_t n)
{
	struct doc *d = arg;
	const struct geometry *g = L->g;
	char *l1 = doc_label(d, T_BESLUT_DATUM, d->brevdatum), *l2 = dnr_line(d);
	const char *lines[3] = {l1, l2, NULL};
	float y;

	y = doc_page_head(L, d, d->party ? T_BESLUT_TITEL : T_UNDERRATTELSE_TITEL, lines, 3,
	    namnd(d->r));
	doc_footer(L, d);
	if (n == 1) {
		window_address(L, d);
		L->y = mm_y(g->letter_body_top);
	} else
		L->y = y - 2.5f * g->body_size * g->line_height;
	free(l1);
	free(l2);
}

/*
 * The letter: a beslut to a party, with how to appeal; an underrättelse om
 * beslut to an informed recipient, which says nothing of appealing (only a
 * party may appeal, and telling a family home it may is wrong and worrying).
 * Either shows only the parts the recipient's role gets.
 */
static bool
appealable(const struct paragraf *p)
{
	return p->overklagande == OVERKLAGANDE_FORVALTNINGSBESVAR ||
	    p->overklagande == OVERKLAGANDE_LAGLIGHETSPROVNING;
}

static void
render_beslut(struct layout *L, struct doc *d)
{
	const struct paragraf *p = d->p;

	layout_part_begin(L, beslut_page, d);
	doc_rattelse_mark(L, d);
	if (d->delar & DEL_RUBRIK) {
		doc_title(L, d, T_BESLUT_RUBRIK, L->g->heading_size + 1);
		layout_gap(L, L->g->body_size * 0.5f);
	}
	if (p->has_galler && (d->delar & DEL_GALLER))
		doc_para_t(L, d, T_BESLUT_GALLER);
	doc_para_t(L, d, d->party ? T_BESLUT_INLEDNING : T_UNDERRATTELSE_INLEDNING);
	doc_heading(L, d, T_BESLUT_BESLUT_RUBRIK);
	doc_punkter(L, p);
	if (p->n_skal > 0 && (d->delar & DEL_SKAL)) {
		size_t i;

		doc_heading(L, d, T_BESLUT_SKAL_RUBRIK);
		for (i = 0; i < p->n_skal; i++)
			doc_para(L, p->skal[i]);
	}
	if (p->n_lagrum > 0 && (d->delar & DEL_LAGRUM)) {
		doc_heading(L, d, T_BESLUT_LAGRUM_RUBRIK);
		doc_lines(L, p->lagrum, p->n_lagrum);
	}
	if (d->party && p->overklagande != OVERKLAGANDE_EJ_ANGIVET) {
		doc_heading(L, d, T_BESLUT_OVERKLAGANDE_RUBRIK);
		doc_para_t(L, d, p->overklagande == OVERKLAGANDE_FORVALTNINGSBESVAR ?
			      T_BESLUT_FORVALTNINGSBESVAR :
			  p->overklagande == OVERKLAGANDE_LAGLIGHETSPROVNING ?
			      T_BESLUT_LAGLIGHETSPROVNING :
			      T_BESLUT_EJ_OVERKLAGBART);
	}
	doc_heading(L, d, T_BESLUT_KONTAKT_RUBRIK);
	doc_para_t(L, d, d->party ? T_BESLUT_KONTAKT : T_UNDERRATTELSE_KONTAKT);
	doc_heading(L, d, T_BESLUT_BILAGOR_RUBRIK);
	doc_with_text(L, d, d->party ? T_BESLUT_BILAGA_UTDRAG : T_UNDERRATTELSE_BILAGA_UTDRAG,
	    doc_item);
	if (d->party && appealable(p))
		doc_with_text(L, d, p->overklagande == OVERKLAGANDE_LAGLIGHETSPROVNING ?
		    T_BESLUT_BILAGA_LAGLIGHETSPROVNING : T_BESLUT_BILAGA_OVERKLAGANDE, doc_item);
	doc_part_end(L, d, 3);
}

/* ---- överklagandehänvisning ---- */

static void
hanvisning_page(struct layout *L, void *arg, size_t n)
{
	struct doc *d = arg;
	const struct geometry *g = L->g;
	char *l1 = dnr_line(d);
	float y = mm_y(g->margin_top) - g->title_size;

	(void)n;
	doc_letterhead(L, d, namnd(d->r));
	doc_text_right(L, PDF_REGULAR, g->body_size, L->right, y, l1);
	doc_footer(L, d);
	L->y = y - 3 * g->body_size * g->line_height;
	free(l1);
}

/*
 * The long text format: "# " a title, "## " a heading, "- " a list item,
 * other lines run together into paragraphs separated by blank lines.
 */
static void
flush(struct layout *L, char *buf, size_t *blen)
{
	if (*blen > 0)
		doc_para(L, buf);
	*blen = 0;
	buf[0] = '\0';
}

static void
render_longtext(struct layout *L, struct doc *d, const char *src)
{
	char *text = doc_expand(d, src), *p = text, *nl, *line;
	char *buf = xmalloc(strlen(text) + 1);
	size_t blen = 0, len;
	bool in_list = false;

	buf[0] = '\0';
	for (; p != NULL; p = nl != NULL ? nl + 1 : NULL) {
		if ((nl = strchr(p, '\n')) != NULL)
			*nl = '\0';
		line = p;
		len = strlen(line);
		if (len > 0 && line[len - 1] == '\r')
			line[--len] = '\0';
		/* A list ends with the same space as a paragraph. */
		if (in_list && strncmp(line, "- ", 2) != 0) {
			layout_gap(L, L->g->body_size * 0.4f);
			in_list = false;
		}
		if (len == 0) {
			flush(L, buf, &blen);
		} else if (strncmp(line, "# ", 2) == 0) {
			flush(L, buf, &blen);
			layout_heading(L, PDF_BOLD, L->g->title_size, line + 2);
			layout_gap(L, L->g->body_size * 0.5f);
		} else if (strncmp(line, "## ", 3) == 0) {
			flush(L, buf, &blen);
			layout_gap(L, L->g->body_size * 0.4f);
			layout_heading(L, PDF_BOLD, L->g->heading_size, line + 3);
		} else if (strncmp(line, "- ", 2) == 0) {
			flush(L, buf, &blen);
			doc_item(L, line + 2);
			in_list = true;
		} else {
			if (blen > 0)
				buf[blen++] = ' ';
			memcpy(buf + blen, line, len + 1);
			blen += len;
		}
	}
	flush(L, buf, &blen);
	free(buf);
	free(text);
}

static void
render_hanvisning(struct layout *L, struct doc *d)
{
	const char *src = d->r->t->longtext[d->p->overklagande ==
		    OVERKLAGANDE_LAGLIGHETSPROVNING ?
		L_LAGLIGHETSPROVNING :
		L_FORVALTNINGSBESVAR];

	layout_part_begin(L, hanvisning_page, d);
	render_longtext(L, d, src);
	doc_part_end(L, d, 1);
}

/* ---- delgivningskvitto ---- */

static void
kvitto_page(struct layout *L, void *arg, size_t n)
{
	struct doc *d = arg;
	const struct geometry *g = L->g;
	char *l1 = dnr_line(d);
	const char *lines[2] = {l1, NULL}; /* the second line is "Sida n (m)" */
	float y;

	(void)n;
	y = doc_page_head(L, d, T_KVITTO_TITEL, lines, 2, namnd(d->r));
	doc_footer(L, d);
	L->y = y - 3 * g->body_size * g->line_height;
	free(l1);
}

/*
 * The delgivningskvitto that goes last in a försändelse to a mottagare with
 * delgivning: what was received, lines to sign and date, where to send it
 * back, and the försändelse's id so that the kvitto can be registered
 * (expediera kvitto) when it comes back.
 */
static void
render_kvitto(struct layout *L, struct doc *d)
{
	const struct geometry *g = L->g;
	const char *addr = d->r->cfg->org_address, *p, *q;
	char *s, *value;

	layout_part_begin(L, kvitto_page, d);
	doc_title(L, d, T_KVITTO_INLEDNING, g->title_size);
	layout_gap(L, g->body_size * 0.5f);
	doc_para_t(L, d, T_KVITTO_ARENDE);
	if ((d->delar & DEL_RUBRIK) && d->p->rubrik != NULL)
		doc_para(L, d->p->rubrik);
	doc_para_t(L, d, T_KVITTO_MOTTAGARE);
	if (d->mark == NULL || d->mark->forsandelse == NULL) {
		/* No id yet (a preview): say where it will be, not a made-up one. */
		value = T(d, T_KVITTO_FORSANDELSE_OKAND);
		doc_var(d, "forsandelse", value);
		doc_para_t(L, d, T_KVITTO_FORSANDELSE);
		doc_var(d, "forsandelse", NULL);
		free(value);
	} else
		doc_para_t(L, d, T_KVITTO_FORSANDELSE);
	doc_with_text(L, d, T_KVITTO_DATUM, doc_sign_line);
	doc_with_text(L, d, T_KVITTO_NAMNTECKNING, doc_sign_line);
	doc_with_text(L, d, T_KVITTO_NAMNFORTYDLIGANDE, doc_sign_line);
	layout_gap(L, g->body_size * 1.5f);
	doc_para_t(L, d, T_KVITTO_INSTRUKTION);
	doc_title(L, d, T_KVITTO_RETUR_RUBRIK, g->body_size);
	layout_text(L, PDF_REGULAR, g->body_size, namnd(d->r), 0, NULL);
	/* "Box 1, 123 45 Ort" is written one part to a line, as on an envelope. */
	for (p = addr; p != NULL && *p != '\0'; p = q != NULL ? q + 2 : NULL) {
		q = strstr(p, ", ");
		s = q != NULL ? xstrndup(p, (size_t)(q - p)) : xstrdup(p);
		layout_text(L, PDF_REGULAR, g->body_size, s, 0, NULL);
		free(s);
	}
	doc_part_end(L, d, 2);
}

/* ---- entry points ---- */

int
render_forsandelse_pages(const struct render *r, struct pdf *pdf, const struct paragraf *p,
    const struct forsattsblad *fb, const struct mottagare *m, const struct render_mark *mark,
    char *err, size_t errlen)
{
	struct layout L;
	struct doc d;
	int rc;

	doc_init(&d, r, p, fb, m, mark, err, errlen);
	layout_init(&L, pdf, &r->t->geo);
	render_beslut(&L, &d);
	render_utdrag(&L, &d);
	if (d.party && appealable(p))
		render_hanvisning(&L, &d);
	if (m->delgivning)
		render_kvitto(&L, &d);
	rc = d.failed ? -1 : 0;
	if (rc == 0 && pdf_error(pdf) != NULL) {
		snprintf(err, errlen, "%s", pdf_error(pdf));
		rc = -1;
	}
	doc_free(&d);
	return rc;
}

/* What makes a försändelse's PDF ids: stable and distinct, no randomness. */
static char *
id_seed(const struct session *s, const struct paragraf *p, const struct mottagare *m)
{
	char date[11];

	ymd_format(&s->protokoll.sammantradesdatum, date);
	return xasprintf("%s|%s|%s|%lu|%s|%s|%s|%s|%s", s->protokoll.kommun, s->protokoll.organ,
	    date, p->nr, p->dnr != NULL ? p->dnr : "", roll_names[m->roll], m->namn,
	    m->pnr.ok ? m->pnr.pnr.digits : "", m->orgnr_ok ? m->orgnr : "");
}

int
render_forsandelse(const struct render *r, const struct paragraf *p,
    const struct forsattsblad *fb, const struct mottagare *m, const struct render_mark *mark,
    unsigned char **out, size_t *len, char *err, size_t errlen)
{
	struct pdf *pdf;
	char *title, *seed;
	int rc;

	/* Metadata is visible to anyone with the file: no names in it. */
	title = xasprintf("%s § %lu, %s", roll_is_party(m->roll) ? "Beslut" :
	    "Underrättelse om beslut", p->nr, p->dnr != NULL ? p->dnr : "");
	seed = id_seed(r->s, p, m);
	pdf = doc_pdf(r, p, title, roll_is_party(m->roll) ? "Beslut med protokollsutdrag" :
	    "Underrättelse om beslut med protokollsutdrag", seed, err, errlen);
	free(title);
	free(seed);
	if (pdf == NULL)
		return -1;
	rc = render_forsandelse_pages(r, pdf, p, fb, m, mark, err, errlen);
	if (rc == 0)
		rc = doc_finish(pdf, out, len, err, errlen);
	pdf_free(pdf);
	return rc;
}

char *
render_filename(const struct paragraf *p, size_t index, const struct mottagare *m)
{
	char name[64];

	/* A protected person's name is not written where a print house or a
	 * file listing would show it. */
	if (m->skyddad)
		return xasprintf("%lu-%zu-%s-skyddad.pdf", p->nr, index, roll_names[m->roll]);
	text_slug(name, sizeof(name), m->namn);
	return xasprintf("%lu-%zu-%s-%s.pdf", p->nr, index, roll_names[m->roll],
	    name[0] != '\0' ? name : "mottagare");
}

/* ---- the Skatteverket sheet ---- */

void
render_skatteverket_sheet(const struct render *r, struct pdf *pdf, const struct paragraf *p,
    const struct mottagare *m, bool rekommenderat)
{
	const struct geometry *g = &r->t->geo;
	const char *addr = r->cfg->print_skatteverket;
	struct layout L;
	char line[256];
	size_t i = 0;

	layout_init(&L, pdf, g);
	layout_part_begin(&L, NULL, NULL);
	layout_heading(&L, PDF_BOLD, g->title_size, "Försändelse till person med skyddade "
	    "personuppgifter");
	layout_gap(&L, g->body_size);
	snprintf(line, sizeof(line), "§ %lu, dnr %s.", p->nr, p->dnr != NULL ? p->dnr : "");
	layout_text(&L, PDF_REGULAR, g->body_size, line, 0, NULL);
	layout_gap(&L, g->body_size);
	layout_heading(&L, PDF_BOLD, g->heading_size, "1. Innerkuvert");
	layout_text(&L, PDF_REGULAR, g->body_size, "Lägg beslutet i ett kuvert, klistra igen "
	    "och skriv mottagarens personnummer på kuvertet:", 0, NULL);
	layout_gap(&L, g->body_size * 0.5f);
	layout_text(&L, PDF_BOLD, g->title_size + 4, m->pnr.ok ? m->pnr.pnr.digits : "", 0, NULL);
	layout_gap(&L, g->body_size * 0.5f);
	snprintf(line, sizeof(line), "Skriv nämndens adress på baksidan: %s, %s.", namnd(r),
	    r->cfg->org_address != NULL ? r->cfg->org_address : r->s->protokoll.kommun);
	layout_text(&L, PDF_REGULAR, g->body_size, line, 0, NULL);
	if (rekommenderat) {
		layout_gap(&L, g->body_size * 0.5f);
		layout_text(&L, PDF_BOLD, g->body_size, "Rekommenderat: skicka detta brev ensamt "
		    "i ett eget ytterkuvert som rekommenderat brev.", 0, NULL);
	}
	layout_gap(&L, g->body_size);
	layout_heading(&L, PDF_BOLD, g->heading_size, "2. Ytterkuvert till Skatteverket");
	layout_text(&L, PDF_REGULAR, g->body_size, "Lägg innerkuvertet i ett ytterkuvert "
	    "till Skatteverkets postförmedling, som skickar det vidare:", 0, NULL);
	layout_gap(&L, g->body_size * 0.5f);
	while (addr != NULL && addr[i] != '\0') {
		size_t n = strcspn(addr + i, "|");

		snprintf(line, sizeof(line), "%.*s", (int)n, addr + i);
		layout_text(&L, PDF_BOLD, g->body_size + 1, line, PDF_MM(10), NULL);
		i += n + (addr[i + n] == '|');
	}
	layout_part_end(&L, NULL, NULL);
}
