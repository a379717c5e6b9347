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
 * What the print house reads in the window above the address: "REKOMMENDERAT"
 * for kanal="rekommenderat", in small capitals at the top of the window; the
 * address then has the rest of the window (address_window_for).
 */
static void
window_mark(struct layout *L, struct doc *d, const struct window *w)
{
	const struct geometry *g = L->g;
	char *s;

	if (d->m->kanal != KANAL_REKOMMENDERAT)
		return;
	s = T(d, T_BESLUT_REKOMMENDERAT);
	doc_text_at(L, PDF_BOLD, g->small_size, PDF_MM(w->x + g->address_padding),
	    mm_y(w->y + g->address_padding) - pdf_ascent(L->pdf, PDF_BOLD, g->small_size), s);
	free(s);
}

/*
 * Places the address inside the window, at the size address_fit picks (the
 * same measurement check makes for rule address-unprintable).  Fails rather
 * than let an address leave the window.  A protected identity has no address
 * on the letter: the window holds the recipient's name alone, so that the
 * letter still says whom it is for once the inner envelope is opened.
 */
static int
window_address(struct layout *L, struct doc *d)
{
	const struct geometry *g = L->g;
	struct window w = g->window[d->r->window];
	struct address_window aw = {L->pdf, g, &w};
	struct address_block b;
	struct layout_line wl[8];
	float size, width, x, y;
	size_t i, j, k;

	if (d->m->skyddad) {
		if (d->m->namn == NULL)
			return 0;
		x = PDF_MM(w.x + g->address_padding);
		y = mm_y(w.y + g->address_padding) - pdf_ascent(L->pdf, PDF_REGULAR,
		    g->address_size);
		k = layout_wrap(L->pdf, PDF_REGULAR, g->address_size, d->m->namn,
		    strlen(d->m->namn), address_room_width(&aw), wl, 2);
		for (j = 0; j < k && j < 2; j++) {
			pdf_text(L->page, PDF_REGULAR, g->address_size, x, y,
			    d->m->namn + wl[j].off, wl[j].len);
			y -= address_leading(g->address_size);
		}
		return 0;
	}
	address_block(d->m, &b);
	if (b.n == 0)
		return 0;
	window_mark(L, d, &w);
	address_window_for(g, d->m, &g->window[d->r->window], &w);
	if ((size = address_fit(&aw, &b)) == 0) {
		snprintf(d->err, d->errlen, "adressen till %s får inte plats i kuvertfönstret "
		    "(%g × %g mm)", d->m->namn, (double)g->window[d->r->window].width,
		    (double)g->window[d->r->window].height);
		d->failed = 1;
		address_block_free(&b);
		return -1;
	}
	width = address_room_width(&aw);
	x = PDF_MM(w.x + g->address_padding);
	y = mm_y(w.y + g->address_padding) - pdf_ascent(L->pdf, PDF_REGULAR, size);
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
 * The letter: a beslut to a party, with what the party may do about it; an
 * underrättelse om beslut to an informed recipient, which says nothing of
 * appealing (only a party may appeal, and telling a family home it may is
 * wrong and worrying).  Either shows only the parts the recipient's role
 * gets.  Only förvaltningsbesvar and laglighetsprövning are appealed, and
 * only they get an appeal sheet: an underställt decision cannot be appealed,
 * the court tries it anyway (7 § LVU, 15 § LVM).
 */
static bool
appealable(const struct paragraf *p)
{
	return p->overklagande == OVERKLAGANDE_FORVALTNINGSBESVAR ||
	    p->overklagande == OVERKLAGANDE_LAGLIGHETSPROVNING;
}

/* The law of an underställning, for the statute of the offentligt biträde. */
enum law { LAW_UNKNOWN, LAW_LVU, LAW_LVM };

static enum law
law_of(const struct paragraf *p)
{
	bool lvu = false, lvm = false;
	size_t i;

	/* overklagande.conf's statute says it; else the paragraph's lagrum,
	 * when they name one of the two laws and not the other. */
	if (p->understalls_lag != NULL)
		return strstr(p->understalls_lag, "LVU") != NULL ? LAW_LVU :
		    strstr(p->understalls_lag, "LVM") != NULL ? LAW_LVM : LAW_UNKNOWN;
	for (i = 0; i < p->n_lagrum; i++) {
		lvu = lvu || strstr(p->lagrum[i], "LVU") != NULL;
		lvm = lvm || strstr(p->lagrum[i], "LVM") != NULL;
	}
	return lvu == lvm ? LAW_UNKNOWN : lvu ? LAW_LVU : LAW_LVM;
}

/* "a b c": the texts joined into one paragraph (NULLs left out; malloc'd). */
static char *
join(char *const *v, size_t n)
{
	size_t i, len = 1, used = 0, k;
	char *out;

	for (i = 0; i < n; i++)
		len += v[i] != NULL ? strlen(v[i]) + 1 : 0;
	out = xmalloc(len);
	for (i = 0; i < n; i++) {
		if (v[i] == NULL || v[i][0] == '\0')
			continue;
		if (used > 0)
			out[used++] = ' ';
		k = strlen(v[i]);
		memcpy(out + used, v[i], k);
		used += k;
	}
	out[used] = '\0';
	return out;
}

/*
 * What underställning means for the party (SPEC 2.1): the decision cannot be
 * appealed; the nämnd submits it to the court by the statute's deadline; the
 * court tries whether it shall stand; the party is heard and has a right to
 * an offentligt biträde.  A deadline or statute that overklagande.conf does
 * not give is left out, never guessed.
 */
static void
understalls_part(struct layout *L, struct doc *d)
{
	const struct paragraf *p = d->p;
	enum law law = law_of(p);
	char dagar[12], *frist = NULL, *bitrade_lag = NULL, *v[3], *para;
	size_t i;

	snprintf(dagar, sizeof(dagar), "%d", p->understalls_dagar);
	doc_var(d, "dagar", dagar);
	doc_var(d, "lag", p->understalls_lag);
	if (p->understalls_dagar == 7)
		frist = T(d, T_UNDERSTALLS_FRIST_VECKA);
	else if (p->understalls_dagar == 0)
		frist = T(d, T_UNDERSTALLS_FRIST_GENAST);
	else if (p->understalls_dagar > 0)
		frist = T(d, T_UNDERSTALLS_FRIST_DAGAR);
	doc_var(d, "frist", frist);
	if (law != LAW_UNKNOWN)
		bitrade_lag = T(d, law == LAW_LVU ? T_UNDERSTALLS_BITRADE_LVU :
		    T_UNDERSTALLS_BITRADE_LVM);
	doc_var(d, "bitrade_lag", bitrade_lag);

	doc_heading(L, d, T_UNDERSTALLS_RUBRIK);
	v[0] = T(d, T_UNDERSTALLS_EJ_OVERKLAGBART);
	v[1] = T(d, frist != NULL ? T_UNDERSTALLS_UNDERSTALLNING :
	    T_UNDERSTALLS_UNDERSTALLNING_UTAN_FRIST);
	v[2] = p->understalls_lag != NULL ? T(d, T_UNDERSTALLS_LAG) : NULL;
	para = join(v, 3);
	doc_para(L, para);
	free(para);
	for (i = 0; i < 3; i++)
		free(v[i]);
	v[0] = T(d, T_UNDERSTALLS_PROVNING);
	v[1] = T(d, T_UNDERSTALLS_HORAS);
	para = join(v, 2);
	doc_para(L, para);
	free(para);
	free(v[0]);
	free(v[1]);
	doc_para_t(L, d, bitrade_lag != NULL ? T_UNDERSTALLS_BITRADE :
	    T_UNDERSTALLS_BITRADE_UTAN_LAG);
	doc_var(d, "frist", NULL);
	doc_var(d, "bitrade_lag", NULL);
	free(frist);
	free(bitrade_lag);
}

/* What a party may do about the decision, under its own heading. */
static void
appeal_part(struct layout *L, struct doc *d)
{
	switch (d->p->overklagande) {
	case OVERKLAGANDE_FORVALTNINGSBESVAR:
	case OVERKLAGANDE_LAGLIGHETSPROVNING:
		doc_heading(L, d, T_BESLUT_OVERKLAGANDE_RUBRIK);
		doc_para_t(L, d, d->p->overklagande == OVERKLAGANDE_FORVALTNINGSBESVAR ?
		    T_BESLUT_FORVALTNINGSBESVAR : T_BESLUT_LAGLIGHETSPROVNING);
		break;
	case OVERKLAGANDE_UNDERSTALLS:
		understalls_part(L, d);
		break;
	case OVERKLAGANDE_EJ_OVERKLAGBART: /* said under the decision itself */
	case OVERKLAGANDE_EJ_ANGIVET:
		break;
	}
}

/*
 * The end of the letter, "Frågor" and "Bilagor", kept on one page: a page
 * never holds only the list of attachments (SPEC 4).
 */
static void
closing_part(struct layout *L, struct doc *d)
{
	const struct geometry *g = L->g;
	enum text items[2] = {d->party ? T_BESLUT_BILAGA_UTDRAG : T_UNDERRATTELSE_BILAGA_UTDRAG,
	    d->p->overklagande == OVERKLAGANDE_LAGLIGHETSPROVNING ?
	    T_BESLUT_BILAGA_LAGLIGHETSPROVNING : T_BESLUT_BILAGA_OVERKLAGANDE};
	size_t n = d->party && appealable(d->p) ? 2 : 1, i;
	float h, list = 0, heading = 0.6f * g->body_size + layout_line_height(L, g->heading_size);
	char *s;

	/* What doc_heading, doc_para and doc_item below take, and at least the
	 * two lines layout_heading keeps with the last heading. */
	s = T(d, d->party ? T_BESLUT_KONTAKT : T_UNDERRATTELSE_KONTAKT);
	h = 2 * heading + layout_text_height(L, PDF_REGULAR, g->body_size, s, 0, NULL) +
	    0.4f * g->body_size;
	free(s);
	for (i = 0; i < n; i++) {
		s = T(d, items[i]);
		list += layout_text_height(L, PDF_REGULAR, g->body_size, s, 0, "–");
		free(s);
	}
	h += list > 2 * layout_line_height(L, g->body_size) ? list :
	    2 * layout_line_height(L, g->body_size);
	layout_need(L, h);
	doc_heading(L, d, T_BESLUT_KONTAKT_RUBRIK);
	doc_para_t(L, d, d->party ? T_BESLUT_KONTAKT : T_UNDERRATTELSE_KONTAKT);
	doc_heading(L, d, T_BESLUT_BILAGOR_RUBRIK);
	for (i = 0; i < n; i++)
		doc_with_text(L, d, items[i], doc_item);
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
	/* One sentence, under no heading that speaks of appealing (SPEC 4). */
	if (d->party && p->overklagande == OVERKLAGANDE_EJ_OVERKLAGBART)
		doc_para_t(L, d, T_BESLUT_EJ_OVERKLAGBART);
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
	if (d->party)
		appeal_part(L, d);
	closing_part(L, d);
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
	bool lp = d->p->overklagande == OVERKLAGANDE_LAGLIGHETSPROVNING;
	char *anslag = NULL;

	/* The three weeks of a laglighetsprövning run from the anslag: with
	 * its date known, the sheet says it and the last day. */
	if (lp && d->anslag_lang[0] != '\0') {
		anslag = T(d, T_BESLUT_LAGLIGHETSPROVNING_ANSLAG);
		doc_var(d, "anslag_frist", anslag);
	}
	layout_part_begin(L, hanvisning_page, d);
	render_longtext(L, d, d->r->t->longtext[lp ? L_LAGLIGHETSPROVNING :
	    L_FORVALTNINGSBESVAR]);
	doc_part_end(L, d, 1);
	doc_var(d, "anslag_frist", NULL);
	free(anslag);
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
	const struct config *c = d->r->cfg;
	const char *addr = c->org_address, *p, *q, *lines[16];
	char *value, *parts[12];
	size_t n = 0, np = 0, i;
	float h;

	layout_part_begin(L, kvitto_page, d);
	/* The title is the page head's, once. */
	doc_para_t(L, d, T_KVITTO_INLEDNING);
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

	/*
	 * The return address, as on an envelope: the kommun, the nämnd, then
	 * "Box 1, 123 45 Ort" one part to a line; for a reply-paid envelope
	 * [delgivning] svarsforsandelse above and porto under.  Kept on one page.
	 */
	if (c->delgivning_svarsforsandelse != NULL)
		lines[n++] = c->delgivning_svarsforsandelse;
	lines[n++] = org_or(c->org_name, d->r->s->protokoll.kommun);
	if (strcmp(namnd(d->r), lines[n - 1]) != 0)
		lines[n++] = namnd(d->r);
	for (p = addr; p != NULL && *p != '\0' && np < 12; p = q != NULL ? q + 2 : NULL) {
		q = strstr(p, ", ");
		parts[np] = q != NULL ? xstrndup(p, (size_t)(q - p)) : xstrdup(p);
		lines[n++] = parts[np++];
	}
	if (c->delgivning_porto != NULL)
		lines[n++] = c->delgivning_porto;
	h = layout_line_height(L, g->body_size) * (float)(n + 1) + g->body_size * 0.6f;
	layout_need(L, h);
	doc_title(L, d, T_KVITTO_RETUR_RUBRIK, g->body_size);
	for (i = 0; i < n; i++)
		layout_text(L, c->delgivning_svarsforsandelse != NULL && i == 0 ? PDF_BOLD :
		    PDF_REGULAR, g->body_size, lines[i], 0, NULL);
	for (i = 0; i < np; i++)
		free(parts[i]);
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
