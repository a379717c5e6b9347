/*
 * render.c -- stage 3: what every document of render.h shares: the texts of
 * the templates with their variables, the dates, the head and foot of a
 * page, "Sida n (m)", headings and paragraphs, and the PDF's metadata.  The
 * documents themselves are in render_letter.c (beslut, underrättelse,
 * överklagandehänvisning, delgivningskvitto, the Skatteverket sheet),
 * render_protocol.c (the protokoll, its extracts and the archive copy) and
 * render_lista.c (the expedieringslista and the felrapport).
 *
 * Reads: the validated session (only paragraphs the caller chose), the
 * configuration's [organisation], the templates.
 * Writes: pages through layout.h and pdf.h.
 * Trusts: the records (validated); nothing about their length.
 *
 * What a recipient sees is decided in these files, so the rules are strict:
 * the letter's window shows only this recipient's address (for a protected
 * identity only the name, never an address); no personnummer is printed on a försändelse
 * (the recipient's own is not needed, anyone else's is not theirs to see);
 * other recipients appear only as roles in "Beslutet skickas till", never by
 * name, so a parent never learns who the family home is.  A party gets the
 * beslut and how to appeal (or, for an underställt decision, what the
 * court's prövning means for it); an informed recipient (a family home, an HVB, an
 * authority) gets an underrättelse om beslut with no appeal text, and every
 * recipient only the parts of the paragraph that roller.conf gives its role.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lagtid.h"
#include "render_impl.h"
#include "xmalloc.h"

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

void
doc_var(struct doc *d, const char *name, const char *value)
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
char *
doc_expand(struct doc *d, const char *s)
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

/*
 * The anslag of the protocol's justering and the last day to ask for
 * laglighetsprövning: three weeks from the day it was put up (13 kap. 5 §
 * kommunallagen), moved past a closed day (lagtid.h).
 */
static void
anslag_dates(const struct protokoll *pr, struct doc *d)
{
	struct ymd last;
	char ymd[11];

	d->anslag_lang[0] = d->sista_dag_lang[0] = '\0';
	if (!pr->has_anslag)
		return;
	ymd_format(&pr->anslag_uppsatt, ymd);
	long_date(ymd, d->anslag_lang, sizeof(d->anslag_lang));
	lagtid_last_day(&pr->anslag_uppsatt, 21, &last);
	ymd_format(&last, ymd);
	long_date(ymd, d->sista_dag_lang, sizeof(d->sista_dag_lang));
}

/*
 * The date the letter itself carries ("YYYY-MM-DD"): letter_date, but a
 * rättelse is dated the day it was made, as the log recorded it (so a
 * rendering again gives the same bytes).  The protokollsutdrag behind it
 * keeps its own dates: the decision is the one of the meeting.
 */
static void
letter_day(const struct protokoll *pr, const struct paragraf *p, const struct render_mark *mark,
    char out[11])
{
	struct ymd y;

	if (mark != NULL && mark->rattelse.datum != NULL && ymd_parse(mark->rattelse.datum, &y)) {
		ymd_format(&y, out);
		return;
	}
	ymd_format(letter_date(pr, p), out);
}

void
doc_init(struct doc *d, const struct render *r, const struct paragraf *p,
    const struct forsattsblad *fb, const struct mottagare *m, const struct render_mark *mark,
    char *err, size_t errlen)
{
	const struct protokoll *pr = &r->s->protokoll;

	*d = (struct doc){.r = r, .p = p, .fb = fb, .m = m, .mark = mark, .err = err,
	    .errlen = errlen};
	/* The protocol and the archive copy are the nämnd's own: everything. */
	d->party = m == NULL || roll_is_party(m->roll);
	d->delar = m != NULL ? r->t->delar[m->roll] : DEL_ALLA;
	ymd_format(&pr->sammantradesdatum, d->datum);
	ymd_format(letter_date(pr, p), d->expedierad);
	letter_day(pr, p, mark, d->brevdatum);
	ymd_format(pr->justerad ? &pr->justerad_datum : &pr->sammantradesdatum, d->justerad);
	d->handlaggare = handlaggare_text(fb != NULL ? &fb->handlaggare :
						       &(struct handlaggare){0});
	doc_var(d, "kommun", pr->kommun);
	doc_var(d, "namnd", namnd(r));
	doc_var(d, "organ", pr->organ);
	/* In a sentence a date reads "den 18 november 2026"; the header fields
	 * (Datum, Sammanträdesdatum) keep the ISO form of a form's field. */
	long_date(d->datum, d->datum_lang, sizeof(d->datum_lang));
	long_date(d->expedierad, d->expedierad_lang, sizeof(d->expedierad_lang));
	long_date(d->justerad, d->justerad_lang, sizeof(d->justerad_lang));
	doc_var(d, "datum", d->datum_lang);
	doc_var(d, "justerad_datum", d->justerad_lang);
	doc_var(d, "bestyrkt_datum", d->expedierad_lang);
	doc_var(d, "sekreterare", pr->sekreterare);
	doc_var(d, "handlaggare", d->handlaggare);
	doc_var(d, "org_address", r->cfg->org_address);
	doc_var(d, "org_phone", r->cfg->org_phone);
	doc_var(d, "org_email", r->cfg->org_email);
	doc_var(d, "org_web", r->cfg->org_web);
	/* "Förvaltningsrätten i Linköping" ([forvaltningsratt] namn, or the older
	 * [organisation] forvaltningsratt); without it the court is named by kind. */
	doc_var(d, "forvaltningsratt", org_or(r->cfg->fr_namn, org_or(r->cfg->org_forvaltningsratt,
	    "förvaltningsrätten")));
	anslag_dates(pr, d);
	doc_var(d, "anslag_datum", d->anslag_lang);
	doc_var(d, "sista_dag", d->sista_dag_lang);
	/* Set by render_letter.c where they are known (texts.conf says where). */
	doc_var(d, "anslag_frist", NULL);
	doc_var(d, "frist", NULL);
	doc_var(d, "dagar", NULL);
	doc_var(d, "lag", NULL);
	doc_var(d, "bitrade_lag", NULL);
	doc_var(d, "n", d->n);
	doc_var(d, "m", d->mm);
	doc_var(d, "mottagare", m != NULL ? m->namn : "");
	doc_var(d, "forsandelse", mark != NULL ? mark->forsandelse : NULL);
	if (p != NULL) {
		snprintf(d->nr, sizeof(d->nr), "%lu", p->nr);
		doc_var(d, "nr", d->nr);
		doc_var(d, "dnr", p->dnr != NULL ? p->dnr : "");
		doc_var(d, "rubrik", p->rubrik);
		doc_var(d, "galler", p->has_galler ? p->galler.namn : "");
	} else {
		doc_var(d, "nr", "");
		doc_var(d, "dnr", "");
		doc_var(d, "rubrik", "");
		doc_var(d, "galler", "");
	}
}

void
doc_free(struct doc *d)
{
	free(d->handlaggare);
}

/* ---- pieces shared by the documents ---- */

char *
doc_label(struct doc *d, enum text label, const char *value)
{
	char *l = T(d, label), *s = xasprintf("%s %s", l, value);

	free(l);
	return s;
}

void
doc_text_at(struct layout *L, enum pdf_font f, float size, float x, float y, const char *s)
{
	pdf_text(L->page, f, size, x, y, s, strlen(s));
}

/* s ending at right. */
void
doc_text_right(struct layout *L, enum pdf_font f, float size, float right, float y,
    const char *s)
{
	float w = pdf_text_width(L->pdf, f, size, s, strlen(s));

	pdf_text(L->page, f, size, right - w, y, s, strlen(s));
}

/*
 * The footer of every page: the organisation's contact details in columns as
 * wide as their contents need.  A value is shrunk, then wrapped to two lines,
 * never drawn past its column.
 */
void
doc_footer(struct layout *L, struct doc *d)
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
		doc_text_at(L, PDF_BOLD, size, x, y, label[i]);
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
void
doc_stamp(struct layout *L, struct pdf_page *page, size_t n, size_t m, void *arg)
{
	struct doc *d = arg;
	const struct geometry *g = L->g;
	struct pdf_page *saved = L->page;
	char *s;

	snprintf(d->n, sizeof(d->n), "%zu", n);
	snprintf(d->mm, sizeof(d->mm), "%zu", m);
	s = T(d, T_DOKUMENT_SIDA);
	L->page = page;
	doc_text_right(L, PDF_REGULAR, g->body_size, L->right, mm_y(g->margin_top) -
	    g->title_size - (float)d->stamp_line * g->body_size * g->line_height, s);
	L->page = saved;
	free(s);
}

/* Header block at the top right: title and lines under it. */
float
doc_header_right(struct layout *L, struct doc *d, enum text title, const char *const *lines,
    size_t n)
{
	const struct geometry *g = L->g;
	float y = mm_y(g->margin_top) - g->title_size, x = L->right;
	char *t = T(d, title);
	size_t i;

	doc_text_right(L, PDF_BOLD, g->title_size, x, y, t);
	free(t);
	for (i = 0; i < n; i++) {
		y -= g->body_size * g->line_height;
		if (lines[i] != NULL)
			doc_text_right(L, PDF_REGULAR, g->body_size, x, y, lines[i]);
	}
	return y;
}

/* The organisation at the top left. */
float
doc_letterhead(struct layout *L, struct doc *d, const char *under)
{
	const struct geometry *g = L->g;
	const struct protokoll *pr = &d->r->s->protokoll;
	float y = mm_y(g->margin_top) - g->title_size;

	doc_text_at(L, PDF_BOLD, g->title_size, L->left, y,
	    org_or(org_or(d->r->cfg->org_name, pr->kommun), ""));
	if (under != NULL) {
		y -= g->body_size * g->line_height;
		doc_text_at(L, PDF_REGULAR, g->body_size, L->left, y, under);
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
	doc_text_right(L, PDF_BOLD, L->g->small_size + 1, L->right, y, s);
	free(s);
}

float
doc_page_head(struct layout *L, struct doc *d, enum text title, const char *const *lines,
    size_t n, const char *under)
{
	float y = doc_header_right(L, d, title, lines, n);

	doc_letterhead(L, d, under);
	secrecy_mark(L, d, y - L->g->body_size * L->g->line_height);
	return y;
}

void
doc_part_end(struct layout *L, struct doc *d, int stamp_line)
{
	d->stamp_line = stamp_line;
	layout_part_end(L, doc_stamp, d);
}

void
doc_title(struct layout *L, struct doc *d, enum text i, float size)
{
	char *s = T(d, i);

	layout_heading(L, PDF_BOLD, size, s);
	free(s);
}

void
doc_heading(struct layout *L, struct doc *d, enum text i)
{
	layout_gap(L, L->g->body_size * 0.6f);
	doc_title(L, d, i, L->g->heading_size);
}

void
doc_para(struct layout *L, const char *s)
{
	layout_text(L, PDF_REGULAR, L->g->body_size, s, 0, NULL);
	layout_gap(L, L->g->body_size * 0.4f);
}

/* Text i of the templates, expanded, drawn by fn. */
void
doc_with_text(struct layout *L, struct doc *d, enum text i,
    void (*fn)(struct layout *, const char *))
{
	char *s = T(d, i);

	fn(L, s);
	free(s);
}

void
doc_para_t(struct layout *L, struct doc *d, enum text i)
{
	doc_with_text(L, d, i, doc_para);
}

/* The decision points: numbered when there are several. */
void
doc_punkter(struct layout *L, const struct paragraf *p)
{
	char num[24];
	size_t i;

	for (i = 0; i < p->n_punkter; i++) {
		if (p->n_punkter == 1) {
			doc_para(L, p->punkter[0]);
			break;
		}
		snprintf(num, sizeof(num), "%zu.", i + 1);
		layout_text(L, PDF_REGULAR, L->g->body_size, p->punkter[i], 0, num);
		layout_gap(L, L->g->body_size * 0.3f);
	}
}

void
doc_item(struct layout *L, const char *s)
{
	layout_text(L, PDF_REGULAR, L->g->body_size, s, 0, "–");
}

void
doc_lines(struct layout *L, const char *const *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		doc_item(L, v[i]);
	layout_gap(L, L->g->body_size * 0.4f);
}

/*
 * A rättelse says so first, before anything else on its first page: what it
 * corrects -- the sending (a wrong recipient or address: the decision is the
 * same) or the decision's text -- and which sending it replaces, so that no
 * reader takes it for a second decision, nor a corrected sending for a
 * changed decision.  A recipient who never got it is told it went wrong
 * before, never to whom.  The nämnd's words to recipients follow when it
 * gave any; its internal reason (the log's) never does.
 */
void
doc_rattelse_mark(struct layout *L, struct doc *d)
{
	const struct render_rattelse *rt;
	bool ny;

	if (d->mark == NULL || d->mark->rattelse.datum == NULL)
		return;
	rt = &d->mark->rattelse;
	ny = rt->ersatt_id == NULL;
	d->ersatt[0] = '\0';
	if (rt->ersatter != NULL)
		long_date(rt->ersatter, d->ersatt, sizeof(d->ersatt));
	doc_var(d, "ersatt_datum", d->ersatt);
	doc_var(d, "ersatt_forsandelse", ny ? "" : rt->ersatt_id);
	doc_var(d, "till_mottagaren", rt->till_mottagaren != NULL ? rt->till_mottagaren : "");
	doc_title(L, d, rt->beslutet_rattat ? T_RATTELSE_RUBRIK_BESLUT : T_RATTELSE_RUBRIK_UTSKICK,
	    L->g->heading_size);
	doc_para_t(L, d, rt->beslutet_rattat ? (ny ? T_RATTELSE_BESLUT_NY : T_RATTELSE_BESLUT) :
	    ny ? T_RATTELSE_UTSKICK_NY : T_RATTELSE_UTSKICK);
	if (rt->till_mottagaren != NULL && rt->till_mottagaren[0] != '\0')
		doc_para_t(L, d, T_RATTELSE_TILL_MOTTAGAREN);
	layout_gap(L, L->g->body_size * 0.5f);
}

/* A line to write on, with its label under it. */
void
doc_sign_line(struct layout *L, const char *label)
{
	const struct geometry *g = L->g;

	layout_need(L, 3.2f * g->body_size * g->line_height);
	L->y -= 2.2f * g->body_size * g->line_height;
	pdf_line(L->page, L->left, L->y, L->left + PDF_MM(110), L->y, 0.5f);
	L->y -= 0.2f * g->body_size;
	layout_text(L, PDF_REGULAR, g->small_size, label, 0, NULL);
}

/* ---- the PDF ---- */

void
doc_meta(struct pdf_meta *meta, char date[32], const struct render *r,
    const struct paragraf *p, const char *title, const char *subject, const char *seed)
{
	char ymd[11];

	ymd_format(letter_date(&r->s->protokoll, p), ymd);
	snprintf(date, 32, "%sT00:00:00", ymd);
	*meta = (struct pdf_meta){.title = title,
	    .author = org_or(r->cfg->org_name, r->s->protokoll.kommun), .subject = subject,
	    .language = "sv-SE", .date = date, .id_seed = seed, .id_seed_len = strlen(seed)};
}

struct pdf *
doc_pdf(const struct render *r, const struct paragraf *p, const char *title,
    const char *subject, const char *seed, char *err, size_t errlen)
{
	struct pdf_meta meta;
	char date[32];

	doc_meta(&meta, date, r, p, title, subject, seed);
	return pdf_new(r->fontdir, &meta, err, errlen);
}

int
doc_finish(struct pdf *pdf, unsigned char **out, size_t *len, char *err, size_t errlen)
{
	if (pdf_save_mem(pdf, out, len) == -1) {
		snprintf(err, errlen, "%s", pdf_error(pdf) != NULL ? pdf_error(pdf) :
								     "PDF-filen kunde inte skapas");
		return -1;
	}
	return 0;
}
