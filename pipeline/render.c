/*
 * render.c -- stage 3: beslut, protokollsutdrag, överklagandehänvisning and
 * the protokoll, laid out from the templates; see render.h.
 *
 * Reads: the validated session (only paragraphs the caller chose), the
 * configuration's [organisation], the templates.
 * Writes: pages through layout.h and pdf.h.
 * Trusts: the records (validated); nothing about their length.
 *
 * What a recipient sees is decided here, so the rules are strict: the
 * letter's window shows only this recipient's address (nothing at all for a
 * protected identity); no personnummer is printed on a försändelse (the
 * recipient's own is not needed, anyone else's is not theirs to see); other
 * recipients appear only as roles in "Beslutet skickas till", never by name,
 * so a parent never learns who the family home is.  A party gets the beslut
 * and how to appeal; an informed recipient (a family home, an HVB, an
 * authority) gets an underrättelse om beslut with no appeal text, and every
 * recipient only the parts of the paragraph that roller.conf gives its role.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "layout.h"
#include "render.h"
#include "xmalloc.h"

#define VARS_MAX 32

/* Everything one document's texts may refer to. */
struct doc {
	const struct render *r;
	const struct paragraf *p;       /* NULL for the protocol's own pages */
	const struct forsattsblad *fb;
	const struct mottagare *m;
	const struct render_mark *mark; /* what the log adds; NULL none */
	bool party;                     /* beslut and appeal, or underrättelse */
	unsigned delar;                 /* enum del: the parts this reader gets */
	struct tmpl_var vars[VARS_MAX];
	size_t nvars;
	char nr[24], datum[11], expedierad[11], justerad[11], n[12], mm[12];
	char ersatt[32];                /* "20 november 2026" */
	/* The dates as running text writes them: "18 november 2026". */
	char datum_lang[32], expedierad_lang[32], justerad_lang[32];
	char *handlaggare;
	char *err;
	size_t errlen;
	int failed;
	int stamp_line;                 /* header line for "Sida n (m)" */
	enum pdf_font title_font;
};

static void
fmt_ymd(char out[11], const struct ymd *d)
{
	ymd_format(d, out);
}

/* "2026-11-20" as "20 november 2026", for running text; other text as it is. */
static void
long_date(const char *ymd, char *out, size_t n)
{
	static const char *const month[12] = {"januari", "februari", "mars", "april", "maj",
	    "juni", "juli", "augusti", "september", "oktober", "november", "december"};
	int y, m, d;
	char c;

	if (sscanf(ymd, "%4d-%2d-%2d%c", &y, &m, &d, &c) == 3 && m >= 1 && m <= 12 && d >= 1 &&
	    d <= 31)
		snprintf(out, n, "%d %s %d", d, month[m - 1], y);
	else
		snprintf(out, n, "%s", ymd);
}

static void
var(struct doc *d, const char *name, const char *value)
{
	size_t i;

	/* A name set again takes the new value. */
	for (i = 0; i < d->nvars; i++)
		if (strcmp(d->vars[i].name, name) == 0) {
			d->vars[i].value = value;
			return;
		}
	if (d->nvars < VARS_MAX) {
		d->vars[d->nvars].name = name;
		d->vars[d->nvars].value = value;
		d->nvars++;
	}
}

/* Expands text i of the templates; on error records it and returns "". */
static char *
tx(struct doc *d, const char *s)
{
	char msg[256], *out;

	out = tmpl_expand(s, d->vars, d->nvars, msg, sizeof(msg));
	if (out == NULL) {
		if (!d->failed)
			snprintf(d->err, d->errlen, "mallen %s: %s", d->r->t->dir, msg);
		d->failed = 1;
		return xstrdup("");
	}
	return out;
}

static char *
T(struct doc *d, enum text i)
{
	return tx(d, d->r->t->text[i]);
}

/* "Sara Lind, socialsekreterare, Barn och unga, telefon 0150-123 45, ..." */
static char *
handlaggare_text(const struct handlaggare *h)
{
	char *out, *tmp;

	if (h->namn == NULL)
		return xstrdup("nämndens handläggare");
	out = xstrdup(h->namn);
	/* "Sofia Bäckström, socialsekreterare vid Barn och unga, placering":
	 * a title is a common noun in running text, and the unit is where the
	 * title is, not one more item of a list. */
	if (h->titel != NULL) {
		char *titel = xstrdup(h->titel);
		unsigned char *u = (unsigned char *)titel;

		/* "Socialsekreterare" → "socialsekreterare"; "IFO-chef" stays. */
		if (u[0] < 0x80 && isupper(u[0]) && u[1] != '\0' && !isupper(u[1]))
			u[0] = (unsigned char)tolower(u[0]);
		else if (u[0] == 0xc3 && u[1] >= 0x80 && u[1] <= 0x9e && u[1] != 0x97 &&
		    !(u[2] >= 'A' && u[2] <= 'Z'))
			u[1] += 0x20;
		tmp = h->enhet != NULL ? xasprintf("%s, %s vid %s", out, titel, h->enhet) :
		    xasprintf("%s, %s", out, titel);
		free(titel);
		free(out);
		out = tmp;
	} else if (h->enhet != NULL) {
		tmp = xasprintf("%s, %s", out, h->enhet);
		free(out);
		out = tmp;
	}
	if (h->telefon != NULL) {
		tmp = xasprintf("%s, telefon %s", out, h->telefon);
		free(out);
		out = tmp;
	}
	if (h->epost != NULL) {
		tmp = xasprintf("%s, e-post %s", out, h->epost);
		free(out);
		out = tmp;
	}
	return out;
}

static const char *
org_or(const char *a, const char *b)
{
	return a != NULL ? a : b;
}

/*
 * The date a paragraph's letter and extract carry: the day it was justerat,
 * which is the meeting day for a paragraph justerad at the meeting
 * (omedelbart justerad) and otherwise the protocol's justering date; never
 * the day it happens to be rendered, so that a letter sent before and after
 * the protocol was justerat reads the same, and the same input gives the
 * same bytes.  A protocol not yet justerat has only its meeting day.
 */
static const struct ymd *
letter_date(const struct protokoll *pr, const struct paragraf *p)
{
	if ((p != NULL && p->omedelbart_justerad) || !pr->justerad)
		return &pr->sammantradesdatum;
	return &pr->justerad_datum;
}

static void
doc_init(struct doc *d, const struct render *r, const struct paragraf *p,
    const struct forsattsblad *fb, const struct mottagare *m, const struct render_mark *mark,
    char *err, size_t errlen)
{
	const struct protokoll *pr = &r->s->protokoll;

	memset(d, 0, sizeof(*d));
	d->r = r;
	d->p = p;
	d->fb = fb;
	d->m = m;
	d->mark = mark;
	/* The protocol and the archive copy are the nämnd's own: everything. */
	d->party = m == NULL || roll_is_party(m->roll);
	d->delar = m != NULL ? r->t->delar[m->roll] : DEL_ALLA;
	d->err = err;
	d->errlen = errlen;
	fmt_ymd(d->datum, &pr->sammantradesdatum);
	fmt_ymd(d->expedierad, letter_date(pr, p));
	fmt_ymd(d->justerad, pr->justerad ? &pr->justerad_datum : &pr->sammantradesdatum);
	d->handlaggare = handlaggare_text(fb != NULL ? &fb->handlaggare :
						       &(struct handlaggare){0});
	var(d, "kommun", pr->kommun);
	var(d, "namnd", org_or(r->cfg->org_namnd, pr->organ));
	var(d, "organ", pr->organ);
	/* In a sentence a date reads "den 18 november 2026"; the header fields
	 * (Datum, Sammanträdesdatum) keep the ISO form of a form's field. */
	long_date(d->datum, d->datum_lang, sizeof(d->datum_lang));
	long_date(d->expedierad, d->expedierad_lang, sizeof(d->expedierad_lang));
	long_date(d->justerad, d->justerad_lang, sizeof(d->justerad_lang));
	var(d, "datum", d->datum_lang);
	var(d, "justerad_datum", d->justerad_lang);
	var(d, "bestyrkt_datum", d->expedierad_lang);
	var(d, "sekreterare", pr->sekreterare);
	var(d, "handlaggare", d->handlaggare);
	var(d, "org_address", r->cfg->org_address);
	var(d, "org_phone", r->cfg->org_phone);
	var(d, "org_email", r->cfg->org_email);
	var(d, "org_web", r->cfg->org_web);
	/* "Förvaltningsrätten i Linköping"; without it the court is named by kind. */
	var(d, "forvaltningsratt", org_or(r->cfg->org_forvaltningsratt, "förvaltningsrätten"));
	var(d, "n", d->n);
	var(d, "m", d->mm);
	if (mark != NULL && mark->ersatter != NULL)
		long_date(mark->ersatter, d->ersatt, sizeof(d->ersatt));
	var(d, "ersatt_datum", d->ersatt);
	var(d, "orsak", mark != NULL && mark->orsak != NULL ? mark->orsak : "");
	var(d, "mottagare", m != NULL ? m->namn : "");
	var(d, "forsandelse", mark != NULL ? mark->forsandelse : NULL);
	if (p != NULL) {
		snprintf(d->nr, sizeof(d->nr), "%lu", p->nr);
		var(d, "nr", d->nr);
		var(d, "dnr", p->dnr != NULL ? p->dnr : "");
		var(d, "rubrik", p->rubrik);
		var(d, "galler", p->has_galler ? p->galler.namn : "");
	} else {
		var(d, "nr", "");
		var(d, "dnr", "");
		var(d, "rubrik", "");
		var(d, "galler", "");
	}
}

static void
doc_free(struct doc *d)
{
	free(d->handlaggare);
}

/* ---- pieces shared by the documents ---- */

static float
mm_y(float mm_from_top)
{
	return PDF_A4_HEIGHT - PDF_MM(mm_from_top);
}

static void
text_at(struct layout *L, enum pdf_font f, float size, float x, float y, const char *s)
{
	pdf_text(L->page, f, size, x, y, s, strlen(s));
}

static void
text_right(struct layout *L, enum pdf_font f, float size, float right, float y, const char *s)
{
	float w = pdf_text_width(L->pdf, f, size, s, strlen(s));

	pdf_text(L->page, f, size, right - w, y, s, strlen(s));
}

/*
 * The footer of every page: the organisation's contact details in columns as
 * wide as their contents need.  A value is shrunk, then wrapped to two lines,
 * never drawn past its column.
 */
static void
footer(struct layout *L, struct doc *d)
{
	const struct config *c = d->r->cfg;
	const struct geometry *g = L->g;
	const char *vals[4] = {c->org_address, c->org_phone, c->org_email, c->org_web};
	enum text labels[4] = {T_DOKUMENT_SIDFOT_POSTADRESS, T_DOKUMENT_SIDFOT_TELEFON,
	    T_DOKUMENT_SIDFOT_EPOST, T_DOKUMENT_SIDFOT_WEBB};
	float want[4], total = 0, x = L->left, y = PDF_MM(g->margin_bottom) - PDF_MM(9);
	float avail = L->right - L->left, size = g->small_size, gap = PDF_MM(4);
	char *label[4] = {NULL, NULL, NULL, NULL};
	size_t i, ncol = 0;

	pdf_line(L->page, L->left, y + size * 1.6f, L->right, y + size * 1.6f, 0.4f);
	for (i = 0; i < 4; i++) {
		float lw, vw;

		if (vals[i] == NULL)
			continue;
		label[i] = T(d, labels[i]);
		lw = pdf_text_width(L->pdf, PDF_BOLD, size, label[i], strlen(label[i]));
		vw = pdf_text_width(L->pdf, PDF_REGULAR, size, vals[i], strlen(vals[i]));
		want[i] = (lw > vw ? lw : vw) + gap;
		total += want[i];
		ncol++;
	}
	for (i = 0; i < 4; i++) {
		float colw, vs = size;
		struct layout_line lines[2];
		size_t n, k;

		if (vals[i] == NULL)
			continue;
		colw = total <= avail ? want[i] + (avail - total) / (float)ncol :
					want[i] * avail / total;
		while (vs > 5.5f && pdf_text_width(L->pdf, PDF_REGULAR, vs, vals[i],
			strlen(vals[i])) > colw - gap)
			vs -= 0.5f;
		text_at(L, PDF_BOLD, size, x, y, label[i]);
		n = layout_wrap(L->pdf, PDF_REGULAR, vs, vals[i], strlen(vals[i]), colw - gap,
		    lines, 2);
		for (k = 0; k < n && k < 2; k++)
			pdf_text(L->page, PDF_REGULAR, vs, x, y - (k + 1) * size * 1.25f,
			    vals[i] + lines[k].off, lines[k].len);
		x += colw;
		free(label[i]);
	}
}

/*
 * "Sida n (m)" at the right of the header, on line d->stamp_line under the
 * title: a layout_stamp_fn for every document (arg is the struct doc, which
 * the protocol's and the lists' own structs begin with).
 */
static void
stamp_page(struct layout *L, struct pdf_page *page, size_t n, size_t m, void *arg)
{
	struct doc *d = arg;
	const struct geometry *g = L->g;
	struct pdf_page *saved = L->page;
	char *s;

	snprintf(d->n, sizeof(d->n), "%zu", n);
	snprintf(d->mm, sizeof(d->mm), "%zu", m);
	s = T(d, T_DOKUMENT_SIDA);
	L->page = page;
	text_right(L, PDF_REGULAR, g->body_size, L->right, mm_y(g->margin_top) - g->title_size -
	    (float)d->stamp_line * g->body_size * g->line_height, s);
	L->page = saved;
	free(s);
}

/* Header block at the top right: title and lines under it. */
static float
header_right(struct layout *L, struct doc *d, enum text title, const char *const *lines,
    size_t n)
{
	const struct geometry *g = L->g;
	float y = mm_y(g->margin_top) - g->title_size, x = L->right;
	char *t = T(d, title);
	size_t i;

	text_right(L, PDF_BOLD, g->title_size, x, y, t);
	free(t);
	for (i = 0; i < n; i++) {
		y -= g->body_size * g->line_height;
		if (lines[i] != NULL)
			text_right(L, PDF_REGULAR, g->body_size, x, y, lines[i]);
	}
	return y;
}

/* The organisation at the top left. */
static float
letterhead(struct layout *L, struct doc *d, const char *under)
{
	const struct geometry *g = L->g;
	const struct protokoll *pr = &d->r->s->protokoll;
	float y = mm_y(g->margin_top) - g->title_size;

	text_at(L, PDF_BOLD, g->title_size, L->left, y,
	    org_or(org_or(d->r->cfg->org_name, pr->kommun), ""));
	if (under != NULL) {
		y -= g->body_size * g->line_height;
		text_at(L, PDF_REGULAR, g->body_size, L->left, y, under);
	}
	return y;
}

static void
secrecy_mark(struct layout *L, struct doc *d, float y)
{
	char *s;

	if (d->p == NULL || !d->p->sekretess)
		return;
	s = T(d, T_DOKUMENT_SEKRETESS);
	text_right(L, PDF_BOLD, L->g->small_size + 1, L->right, y, s);
	free(s);
}

static void
heading(struct layout *L, struct doc *d, enum text i)
{
	char *s = T(d, i);

	layout_gap(L, L->g->body_size * 0.6f);
	layout_heading(L, PDF_BOLD, L->g->heading_size, s);
	free(s);
}

static void
para(struct layout *L, const char *s)
{
	layout_text(L, PDF_REGULAR, L->g->body_size, s, 0, NULL);
	layout_gap(L, L->g->body_size * 0.4f);
}

/* Text i of the templates, expanded, drawn by fn. */
static void
with_text(struct layout *L, struct doc *d, enum text i, void (*fn)(struct layout *, const char *))
{
	char *s = T(d, i);

	fn(L, s);
	free(s);
}

static void
para_t(struct layout *L, struct doc *d, enum text i)
{
	with_text(L, d, i, para);
}

/* The decision points: numbered when there are several. */
static void
punkter(struct layout *L, const struct paragraf *p)
{
	char num[24];
	size_t i;

	for (i = 0; i < p->n_punkter; i++) {
		if (p->n_punkter == 1) {
			para(L, p->punkter[0]);
			break;
		}
		snprintf(num, sizeof(num), "%zu.", i + 1);
		layout_text(L, PDF_REGULAR, L->g->body_size, p->punkter[i], 0, num);
		layout_gap(L, L->g->body_size * 0.3f);
	}
}

static void
lines_list(struct layout *L, const char *const *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		layout_text(L, PDF_REGULAR, L->g->body_size, v[i], 0, "–");
	layout_gap(L, L->g->body_size * 0.4f);
}

/* The height lines_list takes. */
static float
list_height(struct layout *L, const char *const *v, size_t n)
{
	float h = L->g->body_size * 0.4f;
	size_t i;

	for (i = 0; i < n; i++)
		h += layout_text_height(L, PDF_REGULAR, L->g->body_size, v[i], 0, "–");
	return h;
}

/* The height heading() takes. */
static float
heading_height(struct layout *L)
{
	return L->g->body_size * 0.6f + layout_line_height(L, L->g->heading_size);
}

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
	char *dnr = T(d, T_BESLUT_DNR);
	char *s = xasprintf("%s %s", dnr, d->p->dnr != NULL ? d->p->dnr : "");

	free(dnr);
	return s;
}

static void
beslut_page(struct layout *L, void *arg, size_t n)
{
	struct doc *d = arg;
	const struct geometry *g = L->g;
	char *datum = T(d, T_BESLUT_DATUM);
	char *l1 = xasprintf("%s %s", datum, d->expedierad);
	char *l2 = dnr_line(d);
	const char *lines[3] = {l1, l2, NULL};
	float y;

	y = header_right(L, d, d->party ? T_BESLUT_TITEL : T_UNDERRATTELSE_TITEL, lines, 3);
	letterhead(L, d, org_or(d->r->cfg->org_namnd, d->r->s->protokoll.organ));
	secrecy_mark(L, d, y - g->body_size * g->line_height);
	footer(L, d);
	if (n == 1) {
		window_address(L, d);
		L->y = mm_y(g->letter_body_top);
	} else
		L->y = y - 2.5f * g->body_size * g->line_height;
	free(datum);
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

/*
 * A rättelse says so first, before anything else on its first page: which
 * sending it replaces and why, so that no reader takes it for a second
 * decision.
 */
static void
rattelse_mark(struct layout *L, struct doc *d)
{
	char *s;

	if (d->mark == NULL || d->mark->ersatter == NULL)
		return;
	s = T(d, T_RATTELSE_RUBRIK);
	layout_heading(L, PDF_BOLD, L->g->heading_size, s);
	free(s);
	if (d->mark->orsak != NULL && d->mark->orsak[0] != '\0')
		para_t(L, d, T_RATTELSE_SKAL);
	layout_gap(L, L->g->body_size * 0.5f);
}

static void
render_beslut(struct layout *L, struct doc *d)
{
	const struct paragraf *p = d->p;
	char *s, *b;

	layout_part_begin(L, beslut_page, d);
	rattelse_mark(L, d);
	if (d->delar & DEL_RUBRIK) {
		s = T(d, T_BESLUT_RUBRIK);
		layout_heading(L, PDF_BOLD, L->g->heading_size + 1, s);
		free(s);
		layout_gap(L, L->g->body_size * 0.5f);
	}
	if (p->has_galler && (d->delar & DEL_GALLER))
		para_t(L, d, T_BESLUT_GALLER);
	para_t(L, d, d->party ? T_BESLUT_INLEDNING : T_UNDERRATTELSE_INLEDNING);
	heading(L, d, T_BESLUT_BESLUT_RUBRIK);
	punkter(L, p);
	if (p->n_skal > 0 && (d->delar & DEL_SKAL)) {
		size_t i;

		heading(L, d, T_BESLUT_SKAL_RUBRIK);
		for (i = 0; i < p->n_skal; i++)
			para(L, p->skal[i]);
	}
	if (p->n_lagrum > 0 && (d->delar & DEL_LAGRUM)) {
		heading(L, d, T_BESLUT_LAGRUM_RUBRIK);
		lines_list(L, p->lagrum, p->n_lagrum);
	}
	if (d->party && p->overklagande != OVERKLAGANDE_EJ_ANGIVET) {
		heading(L, d, T_BESLUT_OVERKLAGANDE_RUBRIK);
		para_t(L, d, p->overklagande == OVERKLAGANDE_FORVALTNINGSBESVAR ?
			      T_BESLUT_FORVALTNINGSBESVAR :
			  p->overklagande == OVERKLAGANDE_LAGLIGHETSPROVNING ?
			      T_BESLUT_LAGLIGHETSPROVNING :
			      T_BESLUT_EJ_OVERKLAGBART);
	}
	heading(L, d, T_BESLUT_KONTAKT_RUBRIK);
	para_t(L, d, d->party ? T_BESLUT_KONTAKT : T_UNDERRATTELSE_KONTAKT);
	heading(L, d, T_BESLUT_BILAGOR_RUBRIK);
	s = T(d, d->party ? T_BESLUT_BILAGA_UTDRAG : T_UNDERRATTELSE_BILAGA_UTDRAG);
	layout_text(L, PDF_REGULAR, L->g->body_size, s, 0, "–");
	free(s);
	if (d->party && appealable(p)) {
		b = T(d, p->overklagande == OVERKLAGANDE_LAGLIGHETSPROVNING ?
		    T_BESLUT_BILAGA_LAGLIGHETSPROVNING : T_BESLUT_BILAGA_OVERKLAGANDE);
		layout_text(L, PDF_REGULAR, L->g->body_size, b, 0, "–");
		free(b);
	}
	d->stamp_line = 3;
	layout_part_end(L, stamp_page, d);
}

/* ---- protokollsutdrag ---- */

#define BOX_HEIGHT 18.0f /* mm, the sign and certification boxes */

/*
 * The "Justerandes sign" box at the foot of a page, where the justerare
 * initial each page of the signed copy: on the protocol's every page and on
 * an extract's.  Returns its top; the text must stay above it.
 */
static float
justerandes_box(struct layout *L, struct doc *d)
{
	const struct geometry *g = L->g;
	float top = PDF_MM(g->margin_bottom) + PDF_MM(BOX_HEIGHT) + PDF_MM(2);
	float h = PDF_MM(BOX_HEIGHT), w1 = (L->right - L->left) * 0.3f;
	char *sign = T(d, T_UTDRAG_JUSTERANDES_SIGN);

	pdf_rect(L->page, L->left, top - h, w1, h, 0.5f);
	text_at(L, PDF_BOLD, g->small_size, L->left + 4, top - g->small_size - 3, sign);
	free(sign);
	return top;
}

static void
utdrag_boxes(struct layout *L, struct doc *d)
{
	const struct geometry *g = L->g;
	float top = justerandes_box(L, d);
	float h = PDF_MM(BOX_HEIGHT), w1 = (L->right - L->left) * 0.3f;
	float size = g->small_size, x2 = L->left + w1, w2 = L->right - x2;
	char *rub = T(d, T_UTDRAG_BESTYRKANDE_RUBRIK), *best = T(d, T_UTDRAG_BESTYRKANDE);
	struct layout_line lines[4];
	size_t n, i;

	pdf_rect(L->page, x2, top - h, w2, h, 0.5f);
	text_at(L, PDF_BOLD, size, x2 + 4, top - size - 3, rub);
	n = layout_wrap(L->pdf, PDF_REGULAR, size, best, strlen(best), w2 - 8, lines, 4);
	for (i = 0; i < n && i < 4; i++)
		pdf_text(L->page, PDF_REGULAR, size, x2 + 4, top - size - 3 - (i + 1) * size * 1.3f,
		    best + lines[i].off, lines[i].len);
	free(rub);
	free(best);
}

static void
utdrag_page(struct layout *L, void *arg, size_t n)
{
	struct doc *d = arg;
	const struct geometry *g = L->g;
	char *sd = T(d, T_UTDRAG_SAMMANTRADESDATUM);
	char *l1 = xasprintf("%s %s", sd, d->datum);
	const char *lines[2] = {l1, NULL};
	float y;

	(void)n;
	y = header_right(L, d, T_UTDRAG_TITEL, lines, 2);
	letterhead(L, d, d->r->s->protokoll.organ);
	secrecy_mark(L, d, y - g->body_size * g->line_height);
	utdrag_boxes(L, d);
	footer(L, d);
	L->y = y - 2.5f * g->body_size * g->line_height;
	L->bottom = PDF_MM(g->margin_bottom) + PDF_MM(BOX_HEIGHT) + PDF_MM(6);
	free(sd);
	free(l1);
}

#define SKICKAS_MAX (ROLL__MAX + 64)

/* "Vårdnadshavare, Familjehemmet, Akt": roles once each, then skickas-till. */
static size_t
skickas_list(struct doc *d, const char *v[SKICKAS_MAX])
{
	bool seen[ROLL__MAX] = {false};
	size_t n = 0, i;

	if (d->fb != NULL)
		for (i = 0; i < d->fb->n_mottagare; i++) {
			enum roll r = d->fb->mottagare[i].roll;

			if (!seen[r]) {
				seen[r] = true;
				v[n++] = d->r->t->text[T_ROLL_FIRST + r];
			}
		}
	for (i = 0; i < d->p->n_skickas_till && n < SKICKAS_MAX; i++)
		v[n++] = d->p->skickas_till[i];
	return n;
}

/*
 * What ends a paragraph: "Beslutet skickas till" with its list (v, n) and
 * the note that it was justerad at once; with L NULL only its height.
 */
static float
paragraf_tail(struct layout *L, struct layout *M, struct doc *d, const char *const *v,
    size_t n)
{
	float h = 0;
	char *s;

	if (n > 0) {
		h += heading_height(M) + list_height(M, v, n);
		if (L != NULL) {
			heading(L, d, T_UTDRAG_SKICKAS_RUBRIK);
			lines_list(L, v, n);
		}
	}
	if (d->p->omedelbart_justerad) {
		s = T(d, T_UTDRAG_OMEDELBART);
		h += layout_text_height(M, PDF_REGULAR, M->g->body_size, s, 0, NULL) +
		    M->g->body_size * 0.4f;
		if (L != NULL)
			para(L, s);
		free(s);
	}
	return h;
}

/*
 * Keeps the paragraph's last section on one page with the tail (the
 * "Beslutet skickas till" list and what follows it), so that a page never
 * holds only the tail: a new page now when the two do not fit together
 * below, unless together they would not fit on any page.
 */
static void
keep_with_tail(struct layout *L, float last, float tail)
{
	float room = PDF_A4_HEIGHT * 0.5f;

	if (tail > 0 && last + tail < room)
		layout_need(L, last + tail);
}

static void
paragraf_body(struct layout *L, struct doc *d, bool with_galler_pnr, float tail)
{
	const struct paragraf *p = d->p;
	bool lagrum = p->n_lagrum > 0 && (d->delar & DEL_LAGRUM);
	bool underlag = p->n_beslutsunderlag > 0 && (d->delar & DEL_BESLUTSUNDERLAG);
	size_t i;

	if (p->has_galler && (d->delar & DEL_GALLER)) {
		/* "Ärendet gäller Liam Åkesson (20200509-9813).": the number inside the sentence. */
		char *who = with_galler_pnr && p->galler.pnr.raw != NULL ?
		    xasprintf("%s (%s)", p->galler.namn, p->galler.pnr.raw) : NULL;

		if (who != NULL)
			var(d, "galler", who);
		para_t(L, d, T_UTDRAG_GALLER);
		if (who != NULL)
			var(d, "galler", p->galler.namn);
		free(who);
	}
	heading(L, d, T_UTDRAG_BESLUT_RUBRIK);
	punkter(L, p);
	if (p->beslutsgang != NULL && (d->delar & DEL_BESLUTSGANG)) {
		heading(L, d, T_UTDRAG_BESLUTSGANG_RUBRIK);
		para(L, p->beslutsgang);
	}
	if (p->n_beskrivning > 0 && (d->delar & DEL_BESKRIVNING)) {
		heading(L, d, T_UTDRAG_BESKRIVNING_RUBRIK);
		for (i = 0; i < p->n_beskrivning; i++)
			para(L, p->beskrivning[i]);
	}
	if (p->n_skal > 0 && (d->delar & DEL_SKAL)) {
		heading(L, d, T_UTDRAG_SKAL_RUBRIK);
		for (i = 0; i < p->n_skal; i++) {
			/* The last reason goes with the tail when no list follows. */
			if (i + 1 == p->n_skal && !lagrum && !underlag)
				keep_with_tail(L, layout_text_height(L, PDF_REGULAR,
				    L->g->body_size, p->skal[i], 0, NULL), tail);
			para(L, p->skal[i]);
		}
	}
	if (lagrum) {
		if (!underlag)
			keep_with_tail(L, heading_height(L) + list_height(L, p->lagrum,
			    p->n_lagrum), tail);
		heading(L, d, T_UTDRAG_LAGRUM_RUBRIK);
		lines_list(L, p->lagrum, p->n_lagrum);
	}
	if (underlag) {
		keep_with_tail(L, heading_height(L) + list_height(L, p->beslutsunderlag,
		    p->n_beslutsunderlag), tail);
		heading(L, d, T_UTDRAG_UNDERLAG_RUBRIK);
		lines_list(L, p->beslutsunderlag, p->n_beslutsunderlag);
	}
}

/* "§ 126   SN/2026:412" and under it rubrik, unless NULL. */
static void
paragraf_head(struct layout *L, struct doc *d, const char *rubrik)
{
	char *nr = T(d, T_UTDRAG_PARAGRAF), *dnr = T(d, T_UTDRAG_DNR);
	float lh = layout_line_height(L, L->g->heading_size + 1);

	layout_need(L, lh + 3 * layout_line_height(L, L->g->body_size));
	text_at(L, PDF_BOLD, L->g->heading_size + 1, L->left,
	    L->y - pdf_ascent(L->pdf, PDF_BOLD, L->g->heading_size + 1), nr);
	if (d->p->dnr != NULL)
		text_at(L, PDF_REGULAR, L->g->body_size, L->left + PDF_MM(25),
		    L->y - pdf_ascent(L->pdf, PDF_BOLD, L->g->heading_size + 1), dnr);
	L->y -= lh;
	if (rubrik != NULL)
		layout_heading(L, PDF_BOLD, L->g->heading_size, rubrik);
	layout_gap(L, L->g->body_size * 0.4f);
	free(nr);
	free(dnr);
}

/* Does the paragraph have a part that delar leaves out? */
static bool
left_out(const struct paragraf *p, unsigned delar)
{
	return (!(delar & DEL_RUBRIK)) || (p->has_galler && !(delar & DEL_GALLER)) ||
	    (p->beslutsgang != NULL && !(delar & DEL_BESLUTSGANG)) ||
	    (p->n_beskrivning > 0 && !(delar & DEL_BESKRIVNING)) ||
	    (p->n_skal > 0 && !(delar & DEL_SKAL)) ||
	    (p->n_lagrum > 0 && !(delar & DEL_LAGRUM)) ||
	    (p->n_beslutsunderlag > 0 && !(delar & DEL_BESLUTSUNDERLAG));
}

static void
render_utdrag(struct layout *L, struct doc *d)
{
	const char *v[SKICKAS_MAX];
	size_t n;

	layout_part_begin(L, utdrag_page, d);
	/* The archive copy of a rättelse carries the mark itself: it has no
	 * letter in front of it. */
	if (d->m == NULL)
		rattelse_mark(L, d);
	paragraf_head(L, d, d->delar & DEL_RUBRIK ? d->p->rubrik : NULL);
	/* An extract with parts left out says so first: it is not the whole
	 * paragraph, and the reader should not take it for one. */
	if (left_out(d->p, d->delar))
		para_t(L, d, T_UTDRAG_DELVIS);
	n = skickas_list(d, v);
	paragraf_body(L, d, false, paragraf_tail(NULL, L, d, v, n));
	paragraf_tail(L, L, d, v, n);
	d->stamp_line = 2;
	layout_part_end(L, stamp_page, d);
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
	letterhead(L, d, org_or(d->r->cfg->org_namnd, d->r->s->protokoll.organ));
	text_right(L, PDF_REGULAR, g->body_size, L->right, y, l1);
	footer(L, d);
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
		para(L, buf);
	*blen = 0;
	buf[0] = '\0';
}

static void
render_longtext(struct layout *L, struct doc *d, const char *src)
{
	char *text = tx(d, src), *p = text, *nl, *line;
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
			layout_text(L, PDF_REGULAR, L->g->body_size, line + 2, 0, "–");
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
	d->stamp_line = 1;
	layout_part_end(L, stamp_page, d);
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
	y = header_right(L, d, T_KVITTO_TITEL, lines, 2);
	letterhead(L, d, org_or(d->r->cfg->org_namnd, d->r->s->protokoll.organ));
	secrecy_mark(L, d, y - g->body_size * g->line_height);
	footer(L, d);
	L->y = y - 3 * g->body_size * g->line_height;
	free(l1);
}

/* A line to write on, with its label under it. */
static void
sign_line(struct layout *L, const char *label)
{
	const struct geometry *g = L->g;

	layout_need(L, 3.2f * g->body_size * g->line_height);
	L->y -= 2.2f * g->body_size * g->line_height;
	pdf_line(L->page, L->left, L->y, L->left + PDF_MM(110), L->y, 0.5f);
	L->y -= 0.2f * g->body_size;
	layout_text(L, PDF_REGULAR, g->small_size, label, 0, NULL);
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
	char *s, *label, *value;

	layout_part_begin(L, kvitto_page, d);
	s = T(d, T_KVITTO_INLEDNING);
	layout_heading(L, PDF_BOLD, g->title_size, s);
	free(s);
	layout_gap(L, g->body_size * 0.5f);
	para_t(L, d, T_KVITTO_ARENDE);
	if ((d->delar & DEL_RUBRIK) && d->p->rubrik != NULL)
		para(L, d->p->rubrik);
	para_t(L, d, T_KVITTO_MOTTAGARE);
	if (d->mark == NULL || d->mark->forsandelse == NULL) {
		/* No id yet (a preview): say where it will be, not a made-up one. */
		value = T(d, T_KVITTO_FORSANDELSE_OKAND);
		var(d, "forsandelse", value);
		para_t(L, d, T_KVITTO_FORSANDELSE);
		var(d, "forsandelse", NULL);
		free(value);
	} else
		para_t(L, d, T_KVITTO_FORSANDELSE);
	with_text(L, d, T_KVITTO_DATUM, sign_line);
	with_text(L, d, T_KVITTO_NAMNTECKNING, sign_line);
	with_text(L, d, T_KVITTO_NAMNFORTYDLIGANDE, sign_line);
	layout_gap(L, g->body_size * 1.5f);
	para_t(L, d, T_KVITTO_INSTRUKTION);
	label = T(d, T_KVITTO_RETUR_RUBRIK);
	layout_heading(L, PDF_BOLD, g->body_size, label);
	free(label);
	layout_text(L, PDF_REGULAR, g->body_size,
	    org_or(d->r->cfg->org_namnd, d->r->s->protokoll.organ), 0, NULL);
	/* "Box 1, 123 45 Ort" is written one part to a line, as on an envelope. */
	for (p = addr; p != NULL && *p != '\0'; p = q != NULL ? q + 2 : NULL) {
		q = strstr(p, ", ");
		s = q != NULL ? xstrndup(p, (size_t)(q - p)) : xstrdup(p);
		layout_text(L, PDF_REGULAR, g->body_size, s, 0, NULL);
		free(s);
	}
	d->stamp_line = 2;
	layout_part_end(L, stamp_page, d);
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

	fmt_ymd(date, &s->protokoll.sammantradesdatum);
	return xasprintf("%s|%s|%s|%lu|%s|%s|%s|%s|%s", s->protokoll.kommun, s->protokoll.organ,
	    date, p->nr, p->dnr != NULL ? p->dnr : "", roll_names[m->roll], m->namn,
	    m->pnr.ok ? m->pnr.pnr.digits : "", m->orgnr_ok ? m->orgnr : "");
}

static int
finish(struct pdf *pdf, unsigned char **out, size_t *len, char *err, size_t errlen)
{
	if (pdf_save_mem(pdf, out, len) == -1) {
		snprintf(err, errlen, "%s", pdf_error(pdf) != NULL ? pdf_error(pdf) :
								     "PDF-filen kunde inte skapas");
		return -1;
	}
	return 0;
}

int
render_forsandelse(const struct render *r, const struct paragraf *p,
    const struct forsattsblad *fb, const struct mottagare *m, const struct render_mark *mark,
    unsigned char **out, size_t *len, char *err, size_t errlen)
{
	struct pdf_meta meta;
	struct pdf *pdf;
	char date[32], ymd[11], *title, *seed;
	int rc;

	fmt_ymd(ymd, letter_date(&r->s->protokoll, p));
	snprintf(date, sizeof(date), "%sT00:00:00", ymd);
	/* Metadata is visible to anyone with the file: no names in it. */
	title = xasprintf("%s § %lu, %s", roll_is_party(m->roll) ? "Beslut" :
	    "Underrättelse om beslut", p->nr, p->dnr != NULL ? p->dnr : "");
	seed = id_seed(r->s, p, m);
	memset(&meta, 0, sizeof(meta));
	meta.title = title;
	meta.author = org_or(r->cfg->org_name, r->s->protokoll.kommun);
	meta.subject = roll_is_party(m->roll) ? "Beslut med protokollsutdrag" :
	    "Underrättelse om beslut med protokollsutdrag";
	meta.language = "sv-SE";
	meta.date = date;
	meta.id_seed = seed;
	meta.id_seed_len = strlen(seed);
	pdf = pdf_new(r->fontdir, &meta, err, errlen);
	free(title);
	free(seed);
	if (pdf == NULL)
		return -1;
	rc = render_forsandelse_pages(r, pdf, p, fb, m, mark, err, errlen);
	if (rc == 0)
		rc = finish(pdf, out, len, err, errlen);
	pdf_free(pdf);
	return rc;
}

/* ASCII letters and digits of s, lower case, others as '-'; å ä ö as a a o. */
static void
slug(char *out, size_t n, const char *s)
{
	size_t o = 0;
	const unsigned char *p = (const unsigned char *)s;

	while (*p != '\0' && o + 1 < n) {
		char c = 0;

		if (isalnum(*p) && *p < 0x80)
			c = (char)tolower(*p);
		else if (p[0] == 0xc3 && p[1] != '\0') {
			/* Latin-1 supplement letters, folded to their base. */
			static const char fold[] = "aaaaaaaceeeeiiiidnooooo/ouuuuyty";
			unsigned v = (p[1] & 0x3f) | 0x40; /* 0xc0..0xff -> 0x40.. */

			if (p[1] >= 0x80 && p[1] <= 0xbf)
				c = fold[(v - 0x40) & 0x1f];
			if (c == '/')
				c = 0;
			p++;
		}
		if (c != 0)
			out[o++] = c;
		else if (o > 0 && out[o - 1] != '-')
			out[o++] = '-';
		p++;
	}
	while (o > 0 && out[o - 1] == '-')
		o--;
	out[o] = '\0';
}

char *
render_filename(const struct paragraf *p, size_t index, const struct mottagare *m)
{
	char name[64];

	/* A protected person's name is not written where a print house or a
	 * file listing would show it. */
	if (m->skyddad)
		return xasprintf("%lu-%zu-%s-skyddad.pdf", p->nr, index, roll_names[m->roll]);
	slug(name, sizeof(name), m->namn);
	return xasprintf("%lu-%zu-%s-%s.pdf", p->nr, index, roll_names[m->roll],
	    name[0] != '\0' ? name : "mottagare");
}

/* ---- protokoll ---- */

struct proto {
	struct doc d;
	bool public;
};

static void
protokoll_page(struct layout *L, void *arg, size_t n)
{
	struct proto *pp = arg;
	struct doc *d = &pp->d;
	const struct geometry *g = L->g;
	char *sd = T(d, T_UTDRAG_SAMMANTRADESDATUM);
	char *l1 = xasprintf("%s %s", sd, d->datum);
	char *mark = T(d, pp->public ? T_PROTOKOLL_OFFENTLIG : T_PROTOKOLL_INTERN);
	const char *lines[2] = {l1, NULL};
	float y;

	(void)n;
	y = header_right(L, d, T_PROTOKOLL_TITEL, lines, 2);
	letterhead(L, d, d->r->s->protokoll.organ);
	y -= g->body_size * g->line_height;
	text_right(L, PDF_BOLD, g->small_size + 1, L->right, y, mark);
	justerandes_box(L, d);
	footer(L, d);
	L->y = y - 2 * g->body_size * g->line_height;
	L->bottom = PDF_MM(g->margin_bottom) + PDF_MM(BOX_HEIGHT) + PDF_MM(6);
	free(sd);
	free(l1);
	free(mark);
}

static void
labelled(struct layout *L, struct doc *d, enum text label, const char *value)
{
	char *l = T(d, label), *s = xasprintf("%s: %s", l, value != NULL ? value : "");

	layout_text(L, PDF_REGULAR, L->g->body_size, s, 0, NULL);
	free(l);
	free(s);
}

/*
 * A paragraph the public protocol masks (SPEC 2.1): its number, dnr, public
 * rubrik (or "Sekretess") and the ground for secrecy; with offentligt-beslut
 * also the decision points, which OSL 26 kap. 7 § leaves outside
 * socialtjänstsekretess.  Nothing else of it: no galler, reasons, description
 * or documents.
 */
static void
masked_paragraf(struct layout *L, struct doc *d)
{
	const struct paragraf *p = d->p;
	char *rubrik;

	rubrik = p->offentlig_rubrik != NULL ? xstrdup(p->offentlig_rubrik) :
					       T(d, T_PROTOKOLL_SEKRETESS_RUBRIK);
	paragraf_head(L, d, rubrik);
	free(rubrik);
	if (p->offentligt_beslut) {
		heading(L, d, T_UTDRAG_BESLUT_RUBRIK);
		punkter(L, p);
		layout_gap(L, L->g->body_size * 0.4f);
	}
	para_t(L, d, T_PROTOKOLL_SEKRETESS);
}

static void
signature(struct layout *L, const char *role, const char *name)
{
	float lh = layout_line_height(L, L->g->body_size);

	layout_need(L, 4 * lh);
	L->y -= 2 * lh;
	pdf_line(L->page, L->left, L->y, L->left + PDF_MM(70), L->y, 0.5f);
	L->y -= 2;
	layout_text(L, PDF_REGULAR, L->g->body_size, name, 0, NULL);
	layout_text(L, PDF_REGULAR, L->g->small_size, role, 0, NULL);
}

/* "Ledamöter: Anna Berg (ordförande), Per Olsson": who was there, of one kind. */
static void
people(struct layout *L, struct doc *d, enum text label, const struct narvarande *v, size_t n)
{
	char *l, *s, *t;
	size_t i;

	if (n == 0)
		return;
	l = T(d, label);
	s = xasprintf("%s:", l);
	for (i = 0; i < n; i++) {
		t = v[i].roll != NULL ? xasprintf("%s%s %s (%s)", s, i > 0 ? "," : "", v[i].namn,
		    v[i].roll) : xasprintf("%s%s %s", s, i > 0 ? "," : "", v[i].namn);
		free(s);
		s = t;
	}
	layout_text(L, PDF_REGULAR, L->g->body_size, s, 0, NULL);
	free(l);
	free(s);
}

/* The signatures: sekreterare, ordförande, justerare, kept on one page. */
static void
signatures(struct layout *L, struct doc *d)
{
	const struct protokoll *pr = &d->r->s->protokoll;
	float lh = layout_line_height(L, L->g->body_size);
	char *s;
	size_t i;

	layout_gap(L, L->g->body_size);
	layout_need(L, layout_line_height(L, L->g->heading_size) +
	    (float)(2 + pr->n_justerare) * 4.2f * lh);
	s = T(d, T_PROTOKOLL_UNDERSKRIFTER);
	layout_heading(L, PDF_BOLD, L->g->heading_size, s);
	free(s);
	s = T(d, T_PROTOKOLL_SEKRETERARE);
	signature(L, s, pr->sekreterare);
	free(s);
	s = T(d, T_PROTOKOLL_ORDFORANDE);
	signature(L, s, pr->ordforande);
	free(s);
	s = T(d, T_PROTOKOLL_JUSTERARE);
	for (i = 0; i < pr->n_justerare; i++)
		signature(L, s, pr->justerare[i]);
	free(s);
}

/*
 * The anslagsbevis (SPEC 2.1) that ends the public protocol: that the
 * justering was announced, when the notice went up and comes down, and where
 * the protocol is kept; the time to ask for laglighetsprövning runs from the
 * day it went up.  Kept whole on one page.
 */
static void
anslagsbevis(struct layout *L, struct doc *d)
{
	const struct protokoll *pr = &d->r->s->protokoll;
	float lh = layout_line_height(L, L->g->body_size);
	char uppsatt[11], nedtas[11], *s;

	ymd_format(&pr->anslag_uppsatt, uppsatt);
	layout_gap(L, L->g->body_size * 1.5f);
	layout_need(L, layout_line_height(L, L->g->heading_size) + 13 * lh);
	s = T(d, T_PROTOKOLL_ANSLAG_TITEL);
	layout_heading(L, PDF_BOLD, L->g->heading_size, s);
	free(s);
	para_t(L, d, T_PROTOKOLL_ANSLAG_INLEDNING);
	labelled(L, d, T_PROTOKOLL_ANSLAG_ORGAN, pr->organ);
	labelled(L, d, T_PROTOKOLL_ANSLAG_SAMMANTRADESDATUM, d->datum);
	labelled(L, d, T_PROTOKOLL_ANSLAG_UPPSATT, uppsatt);
	if (pr->has_anslag_nedtas) {
		ymd_format(&pr->anslag_nedtas, nedtas);
		labelled(L, d, T_PROTOKOLL_ANSLAG_NEDTAS, nedtas);
	}
	if (pr->anslag_forvaring != NULL)
		labelled(L, d, T_PROTOKOLL_ANSLAG_FORVARING, pr->anslag_forvaring);
	s = T(d, T_PROTOKOLL_ANSLAG_UNDERSKRIFT);
	signature(L, s, "");
	free(s);
}

int
render_protokoll(const struct render *r, bool public, unsigned char **out, size_t *len,
    char *err, size_t errlen)
{
	const struct protokoll *pr = &r->s->protokoll;
	struct pdf_meta meta;
	struct proto pp;
	struct layout L;
	struct pdf *pdf;
	char date[32], *seed, *s;
	size_t i;
	int rc = 0;

	memset(&pp, 0, sizeof(pp));
	doc_init(&pp.d, r, NULL, NULL, NULL, NULL, err, errlen);
	pp.public = public;
	snprintf(date, sizeof(date), "%sT00:00:00", pp.d.justerad);
	seed = xasprintf("protokoll|%s|%s|%s|%d", pr->kommun, pr->organ, pp.d.datum, public);
	memset(&meta, 0, sizeof(meta));
	meta.title = public ? "Protokoll (offentlig version)" : "Protokoll";
	meta.author = org_or(r->cfg->org_name, pr->kommun);
	meta.subject = pr->organ;
	meta.language = "sv-SE";
	meta.date = date;
	meta.id_seed = seed;
	meta.id_seed_len = strlen(seed);
	pdf = pdf_new(r->fontdir, &meta, err, errlen);
	free(seed);
	if (pdf == NULL) {
		doc_free(&pp.d);
		return -1;
	}
	layout_init(&L, pdf, &r->t->geo);
	layout_part_begin(&L, protokoll_page, &pp);
	labelled(&L, &pp.d, T_PROTOKOLL_PLATS, pr->plats);
	if (pr->tid != NULL)
		labelled(&L, &pp.d, T_PROTOKOLL_TID, pr->tid);
	labelled(&L, &pp.d, T_PROTOKOLL_ORDFORANDE, pr->ordforande);
	labelled(&L, &pp.d, T_PROTOKOLL_SEKRETERARE, pr->sekreterare);
	for (i = 0; i < pr->n_justerare; i++)
		labelled(&L, &pp.d, T_PROTOKOLL_JUSTERARE, pr->justerare[i]);
	if (pr->n_ledamoter + pr->n_ersattare + pr->n_tjansteman > 0) {
		heading(&L, &pp.d, T_PROTOKOLL_NARVARANDE);
		people(&L, &pp.d, T_PROTOKOLL_LEDAMOTER, pr->ledamoter, pr->n_ledamoter);
		people(&L, &pp.d, T_PROTOKOLL_ERSATTARE, pr->ersattare, pr->n_ersattare);
		people(&L, &pp.d, T_PROTOKOLL_TJANSTEMAN, pr->tjansteman, pr->n_tjansteman);
	}
	s = T(&pp.d, pr->justerad ? T_PROTOKOLL_JUSTERAD : T_PROTOKOLL_EJ_JUSTERAD);
	layout_gap(&L, L.g->body_size * 0.5f);
	para(&L, s);
	free(s);

	for (i = 0; i < pr->n_paragrafer; i++) {
		const struct paragraf *p = &pr->paragrafer[i];
		struct doc *d = &pp.d;
		size_t k;

		/* Re-point the paragraph's placeholders. */
		d->p = p;
		snprintf(d->nr, sizeof(d->nr), "%lu", p->nr);
		for (k = 0; k < d->nvars; k++) {
			if (strcmp(d->vars[k].name, "dnr") == 0)
				d->vars[k].value = p->dnr != NULL ? p->dnr : "";
			else if (strcmp(d->vars[k].name, "nr") == 0)
				d->vars[k].value = d->nr;
			else if (strcmp(d->vars[k].name, "galler") == 0)
				d->vars[k].value = p->has_galler ? p->galler.namn : "";
			else if (strcmp(d->vars[k].name, "rubrik") == 0)
				d->vars[k].value = p->rubrik;
		}
		layout_gap(&L, L.g->body_size);
		if (public && p->sekretess) {
			masked_paragraf(&L, d);
			continue;
		}
		paragraf_head(&L, d, p->rubrik);
		/* A paragraph published after a sekretessprövning still shows no
		 * personnummer: the public protocol is read by anyone. */
		paragraf_body(&L, d, !public, paragraf_tail(NULL, &L, d, p->skickas_till,
		    p->n_skickas_till));
		paragraf_tail(&L, &L, d, p->skickas_till, p->n_skickas_till);
	}
	pp.d.p = NULL;
	signatures(&L, &pp.d);
	if (public && pr->has_anslag)
		anslagsbevis(&L, &pp.d);
	pp.d.stamp_line = 2;
	layout_part_end(&L, stamp_page, &pp.d);
	if (pp.d.failed)
		rc = -1;
	else if (pdf_error(pdf) != NULL) {
		snprintf(err, errlen, "%s", pdf_error(pdf));
		rc = -1;
	} else
		rc = finish(pdf, out, len, err, errlen);
	pdf_free(pdf);
	doc_free(&pp.d);
	return rc;
}

/* ---- archive copy, Skatteverket sheet, expedieringslista ---- */

/* A PDF dated as the paragraph p's letters are (p NULL: the protocol's). */
static struct pdf *
simple_pdf(const struct render *r, const struct paragraf *p, const char *title,
    const char *seed, char *err, size_t errlen)
{
	struct pdf_meta meta;
	char date[32], ymd[11];

	fmt_ymd(ymd, letter_date(&r->s->protokoll, p));
	snprintf(date, sizeof(date), "%sT00:00:00", ymd);
	memset(&meta, 0, sizeof(meta));
	meta.title = title;
	meta.author = org_or(r->cfg->org_name, r->s->protokoll.kommun);
	meta.language = "sv-SE";
	meta.date = date;
	meta.id_seed = seed;
	meta.id_seed_len = strlen(seed);
	return pdf_new(r->fontdir, &meta, err, errlen);
}

int
render_arkivkopia(const struct render *r, const struct paragraf *p,
    const struct render_mark *mark, unsigned char **out, size_t *len, char *err, size_t errlen)
{
	struct layout L;
	struct pdf *pdf;
	struct doc d;
	char *title = xasprintf("Protokollsutdrag § %lu, %s", p->nr, p->dnr != NULL ? p->dnr : "");
	char *seed = xasprintf("arkiv|%s|%s|%lu|%s", r->s->protokoll.kommun,
	    r->s->protokoll.organ, p->nr, p->dnr != NULL ? p->dnr : "");
	int rc = -1;

	pdf = simple_pdf(r, p, title, seed, err, errlen);
	free(title);
	free(seed);
	if (pdf == NULL)
		return -1;
	doc_init(&d, r, p, p->fb, NULL, mark, err, errlen);
	layout_init(&L, pdf, &r->t->geo);
	render_utdrag(&L, &d);
	if (!d.failed)
		rc = finish(pdf, out, len, err, errlen);
	doc_free(&d);
	pdf_free(pdf);
	return rc;
}

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
	snprintf(line, sizeof(line), "Skriv nämndens adress på baksidan: %s, %s.",
	    org_or(r->cfg->org_namnd, r->s->protokoll.organ),
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

	letterhead(L, &li->d, org_or(li->d.r->cfg->org_namnd, li->d.r->s->protokoll.organ));
	text_right(L, PDF_BOLD, g->title_size, L->right, y, "EXPEDIERINGSLISTA");
	text_right(L, PDF_REGULAR, g->body_size, L->right, y - line, li->title);
	/* Every page: it names who got which decision of a socialnämnd. */
	text_right(L, PDF_BOLD, g->small_size + 1, L->right, y - 3 * line, sek);
	free(sek);
	footer(L, &li->d);
	L->y = y - 4.5f * line;
	if (li->m > 0)
		stamp_page(L, L->page, n, li->m, &li->d);
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
		layout_text(&L, PDF_REGULAR, L.g->small_size + 1, line, PDF_MM(5), NULL);
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
	sign_line(&L, "Datum");
	sign_line(&L, "Nämndsekreterarens underskrift");
	sign_line(&L, "Namnförtydligande");
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
	char date[32], ymd[11], *seed = xasprintf("lista|%s|%s", r->s->protokoll.kommun, title);
	FILE *null = fopen("/dev/null", "w");
	size_t m = 0;
	int rc = -1;

	fmt_ymd(ymd, r->s->protokoll.justerad ? &r->s->protokoll.justerad_datum :
						&r->s->protokoll.sammantradesdatum);
	snprintf(date, sizeof(date), "%sT00:00:00", ymd);
	memset(&meta, 0, sizeof(meta));
	meta.title = "Expedieringslista";
	meta.author = org_or(r->cfg->org_name, r->s->protokoll.kommun);
	meta.language = "sv-SE";
	meta.date = date;
	meta.id_seed = seed;
	meta.id_seed_len = strlen(seed);
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

static void
rapport_page(struct layout *L, void *arg, size_t n)
{
	struct lista *li = arg;
	const struct geometry *g = L->g;
	float y = mm_y(g->margin_top) - g->title_size;

	(void)n;
	letterhead(L, &li->d, org_or(li->d.r->cfg->org_namnd, li->d.r->s->protokoll.organ));
	text_right(L, PDF_BOLD, g->title_size, L->right, y, "FELRAPPORT");
	text_right(L, PDF_REGULAR, g->body_size, L->right, y - g->body_size * g->line_height,
	    li->title);
	footer(L, &li->d);
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

	pdf = simple_pdf(r, NULL, "Felrapport", seed, err, errlen);
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
	li.d.stamp_line = 2;
	layout_part_end(&L, stamp_page, &li.d);
	if (!li.d.failed)
		rc = finish(pdf, out, len, err, errlen);
	doc_free(&li.d);
	pdf_free(pdf);
	return rc;
}
