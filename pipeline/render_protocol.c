/*
 * render_protocol.c -- the protokoll, internal or public, and the
 * protokollsutdrag of one paragraph (in a försändelse, or alone as the
 * archive copy): the paragraph's head, body and "Beslutet skickas till",
 * the justerandes and certification boxes.  See render.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render_impl.h"
#include "text_person.h"
#include "xmalloc.h"

/* ---- protokollsutdrag ---- */

#define BOX_HEIGHT 18.0f /* mm, the sign and certification boxes */

/* Where the text of a page with the boxes at its foot must end. */
static float
above_boxes(const struct geometry *g)
{
	return PDF_MM(g->margin_bottom) + PDF_MM(BOX_HEIGHT) + PDF_MM(6);
}

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
	doc_text_at(L, PDF_BOLD, g->small_size, L->left + 4, top - g->small_size - 3, sign);
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
	doc_text_at(L, PDF_BOLD, size, x2 + 4, top - size - 3, rub);
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
	char *l1 = doc_label(d, T_UTDRAG_SAMMANTRADESDATUM, d->datum);
	const char *lines[2] = {l1, NULL};
	float y;

	(void)n;
	y = doc_page_head(L, d, T_UTDRAG_TITEL, lines, 2, d->r->s->protokoll.organ);
	utdrag_boxes(L, d);
	doc_footer(L, d);
	L->y = y - 2.5f * g->body_size * g->line_height;
	L->bottom = above_boxes(g);
	free(l1);
}

/* The height doc_lines takes. */
static float
list_height(struct layout *L, const char *const *v, size_t n)
{
	float h = L->g->body_size * 0.4f;
	size_t i;

	for (i = 0; i < n; i++)
		h += layout_text_height(L, PDF_REGULAR, L->g->body_size, v[i], 0, "–");
	return h;
}

/* The height doc_heading takes. */
static float
heading_height(struct layout *L)
{
	return L->g->body_size * 0.6f + layout_line_height(L, L->g->heading_size);
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
			doc_heading(L, d, T_UTDRAG_SKICKAS_RUBRIK);
			doc_lines(L, v, n);
		}
	}
	if (d->p->omedelbart_justerad) {
		s = T(d, T_UTDRAG_OMEDELBART);
		h += layout_text_height(M, PDF_REGULAR, M->g->body_size, s, 0, NULL) +
		    M->g->body_size * 0.4f;
		if (L != NULL)
			doc_para(L, s);
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

/*
 * "Ärendet gäller Liam Åkesson (20200509-9813).", the number inside the
 * sentence when with_pnr (malloc'd).
 */
static char *
galler_text(struct doc *d, bool with_pnr)
{
	const struct paragraf *p = d->p;
	char *who = with_pnr && p->galler.pnr.raw != NULL ?
	    xasprintf("%s (%s)", p->galler.namn, p->galler.pnr.raw) : NULL, *s;

	if (who != NULL)
		doc_var(d, "galler", who);
	s = T(d, T_UTDRAG_GALLER);
	if (who != NULL)
		doc_var(d, "galler", p->galler.namn);
	free(who);
	return s;
}

/* The height doc_para takes for s. */
static float
para_height(struct layout *L, const char *s)
{
	return layout_text_height(L, PDF_REGULAR, L->g->body_size, s, 0, NULL) +
	    L->g->body_size * 0.4f;
}

/*
 * The height of what opens a paragraph's body up to two lines of its
 * decision: the galler sentence (when this reader gets it), the "Beslut"
 * heading and the two lines layout_heading keeps with it.  The paragraph's
 * head keeps this much with it, so that no page ends in a § and its rubrik
 * (or those and "Ärendet gäller …" alone).
 */
static float
opening_height(struct layout *L, struct doc *d, bool with_galler_pnr)
{
	float h = heading_height(L) + 2 * layout_line_height(L, L->g->body_size);

	if (d->p->has_galler && (d->delar & DEL_GALLER)) {
		char *s = galler_text(d, with_galler_pnr);

		h += para_height(L, s);
		free(s);
	}
	return h;
}

static void
paragraf_body(struct layout *L, struct doc *d, bool with_galler_pnr, float tail)
{
	const struct paragraf *p = d->p;
	bool lagrum = p->n_lagrum > 0 && (d->delar & DEL_LAGRUM);
	bool underlag = p->n_beslutsunderlag > 0 && (d->delar & DEL_BESLUTSUNDERLAG);
	size_t i;

	if (p->has_galler && (d->delar & DEL_GALLER)) {
		char *s = galler_text(d, with_galler_pnr);

		doc_para(L, s);
		free(s);
	}
	doc_heading(L, d, T_UTDRAG_BESLUT_RUBRIK);
	doc_punkter(L, p);
	if (p->beslutsgang != NULL && (d->delar & DEL_BESLUTSGANG)) {
		doc_heading(L, d, T_UTDRAG_BESLUTSGANG_RUBRIK);
		doc_para(L, p->beslutsgang);
	}
	if (p->n_beskrivning > 0 && (d->delar & DEL_BESKRIVNING)) {
		doc_heading(L, d, T_UTDRAG_BESKRIVNING_RUBRIK);
		for (i = 0; i < p->n_beskrivning; i++)
			doc_para(L, p->beskrivning[i]);
	}
	if (p->n_skal > 0 && (d->delar & DEL_SKAL)) {
		doc_heading(L, d, T_UTDRAG_SKAL_RUBRIK);
		for (i = 0; i < p->n_skal; i++) {
			/* The last reason goes with the tail when no list follows. */
			if (i + 1 == p->n_skal && !lagrum && !underlag)
				keep_with_tail(L, layout_text_height(L, PDF_REGULAR,
				    L->g->body_size, p->skal[i], 0, NULL), tail);
			doc_para(L, p->skal[i]);
		}
	}
	if (lagrum) {
		if (!underlag)
			keep_with_tail(L, heading_height(L) + list_height(L, p->lagrum,
			    p->n_lagrum), tail);
		doc_heading(L, d, T_UTDRAG_LAGRUM_RUBRIK);
		doc_lines(L, p->lagrum, p->n_lagrum);
	}
	if (underlag) {
		keep_with_tail(L, heading_height(L) + list_height(L, p->beslutsunderlag,
		    p->n_beslutsunderlag), tail);
		doc_heading(L, d, T_UTDRAG_UNDERLAG_RUBRIK);
		doc_lines(L, p->beslutsunderlag, p->n_beslutsunderlag);
	}
}

/*
 * "§ 126   SN/2026:412" and under it rubrik, unless NULL; kept on one page
 * with follow points of what comes after it.
 */
static void
paragraf_head(struct layout *L, struct doc *d, const char *rubrik, float follow)
{
	char *nr = T(d, T_UTDRAG_PARAGRAF), *dnr = T(d, T_UTDRAG_DNR);
	float lh = layout_line_height(L, L->g->heading_size + 1), gap = L->g->body_size * 0.4f;
	float h = lh + gap + follow;

	if (rubrik != NULL)
		h += layout_text_height(L, PDF_BOLD, L->g->heading_size, rubrik, 0, NULL);
	/* a little slack: the parts are drawn one by one, summed in another order */
	layout_need(L, h + 1);
	doc_text_at(L, PDF_BOLD, L->g->heading_size + 1, L->left,
	    L->y - pdf_ascent(L->pdf, PDF_BOLD, L->g->heading_size + 1), nr);
	if (d->p->dnr != NULL)
		doc_text_at(L, PDF_REGULAR, L->g->body_size, L->left + PDF_MM(25),
		    L->y - pdf_ascent(L->pdf, PDF_BOLD, L->g->heading_size + 1), dnr);
	L->y -= lh;
	if (rubrik != NULL)
		layout_text(L, PDF_BOLD, L->g->heading_size, rubrik, 0, NULL);
	layout_gap(L, gap);
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

/*
 * The certified extract shows what the protocol says and nothing else (SPEC
 * 4): its "Beslutet skickas till" is the paragraph's own <skickas-till>, not
 * who the försättsblad sends it to.  A reader learns no other recipient of
 * the decision from it, not even by role (a parent must not learn of the
 * family home from the list).
 */
void
render_utdrag(struct layout *L, struct doc *d)
{
	const struct paragraf *p = d->p;
	bool delvis = left_out(p, d->delar);
	float follow = opening_height(L, d, false);
	char *s = NULL;

	layout_part_begin(L, utdrag_page, d);
	/* The archive copy of a rättelse carries the mark itself: it has no
	 * letter in front of it. */
	if (d->m == NULL)
		doc_rattelse_mark(L, d);
	/* An extract with parts left out says so first: it is not the whole
	 * paragraph, and the reader should not take it for one. */
	if (delvis) {
		s = T(d, T_UTDRAG_DELVIS);
		follow += para_height(L, s);
	}
	paragraf_head(L, d, d->delar & DEL_RUBRIK ? p->rubrik : NULL, follow);
	if (delvis)
		doc_para(L, s);
	free(s);
	paragraf_body(L, d, false, paragraf_tail(NULL, L, d, p->skickas_till, p->n_skickas_till));
	paragraf_tail(L, L, d, p->skickas_till, p->n_skickas_till);
	doc_part_end(L, d, 2);
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
	char *l1 = doc_label(d, T_UTDRAG_SAMMANTRADESDATUM, d->datum);
	char *mark = T(d, pp->public ? T_PROTOKOLL_OFFENTLIG : T_PROTOKOLL_INTERN);
	const char *lines[2] = {l1, NULL};
	float y;

	(void)n;
	y = doc_header_right(L, d, T_PROTOKOLL_TITEL, lines, 2);
	doc_letterhead(L, d, d->r->s->protokoll.organ);
	y -= g->body_size * g->line_height;
	doc_text_right(L, PDF_BOLD, g->small_size + 1, L->right, y, mark);
	justerandes_box(L, d);
	doc_footer(L, d);
	L->y = y - 2 * g->body_size * g->line_height;
	L->bottom = above_boxes(g);
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
 * The decision points as the public protocol shows them (SPEC 4): the
 * galler's name and personnummer replaced by "den unge" (under 18 on the
 * meeting day) or "den enskilde"; v[i] malloc'd.
 */
static void
public_punkter(struct doc *d, char **v)
{
	const struct paragraf *p = d->p;
	const struct ident *id = &p->galler.pnr;
	bool ung;
	struct text_person who;
	char *word, *genitive;
	size_t i;

	/* The paragraph's number, else the försättsblad's; unknown: not a child. */
	if (!id->ok && p->fb != NULL)
		id = &p->fb->galler.pnr;
	ung = id->ok && age_on(&id->pnr.birth, &d->r->s->protokoll.sammantradesdatum) < 18;
	who.namn = p->has_galler ? p->galler.namn : NULL;
	who.pnr = p->has_galler ? p->galler.pnr.raw : NULL;
	who.word = word = T(d, ung ? T_PROTOKOLL_DEN_UNGE : T_PROTOKOLL_DEN_ENSKILDE);
	who.genitive = genitive = T(d, ung ? T_PROTOKOLL_DEN_UNGES : T_PROTOKOLL_DEN_ENSKILDES);
	for (i = 0; i < p->n_punkter; i++)
		v[i] = text_replace_person(p->punkter[i], &who);
	free(word);
	free(genitive);
}

/*
 * A paragraph the public protocol masks (SPEC 2.1): its number, dnr, public
 * rubrik (or "Sekretess") and the ground for secrecy; with offentligt-beslut
 * also the decision points, which OSL 26 kap. 7 § leaves outside
 * socialtjänstsekretess, but with no name or number of whom they concern.
 * Nothing else of it: no galler, reasons, description or documents.
 */
static void
masked_paragraf(struct layout *L, struct doc *d)
{
	const struct paragraf *p = d->p;
	struct paragraf shown = *p;
	char *rubrik, *sekretess = T(d, T_PROTOKOLL_SEKRETESS), **v = NULL;
	float follow;
	size_t i;

	if (p->offentligt_beslut) {
		v = xreallocarray(NULL, p->n_punkter + 1, sizeof(*v));
		public_punkter(d, v);
		shown.punkter = (const char **)v;
		follow = heading_height(L) + 2 * layout_line_height(L, L->g->body_size);
	} else
		follow = para_height(L, sekretess);
	rubrik = p->offentlig_rubrik != NULL ? xstrdup(p->offentlig_rubrik) :
					       T(d, T_PROTOKOLL_SEKRETESS_RUBRIK);
	paragraf_head(L, d, rubrik, follow);
	free(rubrik);
	if (v != NULL) {
		doc_heading(L, d, T_UTDRAG_BESLUT_RUBRIK);
		doc_punkter(L, &shown);
		layout_gap(L, L->g->body_size * 0.4f);
		for (i = 0; i < p->n_punkter; i++)
			free(v[i]);
		free(v);
	}
	doc_para(L, sekretess);
	free(sekretess);
}

/* A line to sign on, with name and role (text i of the templates) under it. */
static void
signature(struct layout *L, struct doc *d, enum text role, const char *name)
{
	float lh = layout_line_height(L, L->g->body_size);
	char *s = T(d, role);

	layout_need(L, 4 * lh);
	L->y -= 2 * lh;
	pdf_line(L->page, L->left, L->y, L->left + PDF_MM(70), L->y, 0.5f);
	L->y -= 2;
	layout_text(L, PDF_REGULAR, L->g->body_size, name, 0, NULL);
	layout_text(L, PDF_REGULAR, L->g->small_size, s, 0, NULL);
	free(s);
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
	size_t i;

	layout_gap(L, L->g->body_size);
	layout_need(L, layout_line_height(L, L->g->heading_size) +
	    (float)(2 + pr->n_justerare) * 4.2f * lh);
	doc_title(L, d, T_PROTOKOLL_UNDERSKRIFTER, L->g->heading_size);
	signature(L, d, T_PROTOKOLL_SEKRETERARE, pr->sekreterare);
	signature(L, d, T_PROTOKOLL_ORDFORANDE, pr->ordforande);
	for (i = 0; i < pr->n_justerare; i++)
		signature(L, d, T_PROTOKOLL_JUSTERARE, pr->justerare[i]);
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
	char uppsatt[11], nedtas[11];

	ymd_format(&pr->anslag_uppsatt, uppsatt);
	layout_gap(L, L->g->body_size * 1.5f);
	layout_need(L, layout_line_height(L, L->g->heading_size) + 13 * lh);
	doc_title(L, d, T_PROTOKOLL_ANSLAG_TITEL, L->g->heading_size);
	doc_para_t(L, d, T_PROTOKOLL_ANSLAG_INLEDNING);
	labelled(L, d, T_PROTOKOLL_ANSLAG_ORGAN, pr->organ);
	labelled(L, d, T_PROTOKOLL_ANSLAG_SAMMANTRADESDATUM, d->datum);
	labelled(L, d, T_PROTOKOLL_ANSLAG_UPPSATT, uppsatt);
	if (pr->has_anslag_nedtas) {
		ymd_format(&pr->anslag_nedtas, nedtas);
		labelled(L, d, T_PROTOKOLL_ANSLAG_NEDTAS, nedtas);
	}
	if (pr->anslag_forvaring != NULL)
		labelled(L, d, T_PROTOKOLL_ANSLAG_FORVARING, pr->anslag_forvaring);
	signature(L, d, T_PROTOKOLL_ANSLAG_UNDERSKRIFT, "");
}

int
render_protokoll(const struct render *r, bool public, unsigned char **out, size_t *len,
    char *err, size_t errlen)
{
	const struct protokoll *pr = &r->s->protokoll;
	struct proto pp;
	struct layout L;
	struct pdf *pdf;
	char *seed, *s;
	size_t i;
	int rc = 0;

	memset(&pp, 0, sizeof(pp));
	doc_init(&pp.d, r, NULL, NULL, NULL, NULL, err, errlen);
	pp.public = public;
	seed = xasprintf("protokoll|%s|%s|%s|%d", pr->kommun, pr->organ, pp.d.datum, public);
	/* Dated the day it was justerat (the meeting's until then), as its letters. */
	pdf = doc_pdf(r, NULL, public ? "Protokoll (offentlig version)" : "Protokoll", pr->organ,
	    seed, err, errlen);
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
		doc_heading(&L, &pp.d, T_PROTOKOLL_NARVARANDE);
		people(&L, &pp.d, T_PROTOKOLL_LEDAMOTER, pr->ledamoter, pr->n_ledamoter);
		people(&L, &pp.d, T_PROTOKOLL_ERSATTARE, pr->ersattare, pr->n_ersattare);
		people(&L, &pp.d, T_PROTOKOLL_TJANSTEMAN, pr->tjansteman, pr->n_tjansteman);
	}
	s = T(&pp.d, pr->justerad ? T_PROTOKOLL_JUSTERAD : T_PROTOKOLL_EJ_JUSTERAD);
	layout_gap(&L, L.g->body_size * 0.5f);
	doc_para(&L, s);
	free(s);

	for (i = 0; i < pr->n_paragrafer; i++) {
		const struct paragraf *p = &pr->paragrafer[i];
		struct doc *d = &pp.d;

		/* Re-point the paragraph's placeholders. */
		d->p = p;
		snprintf(d->nr, sizeof(d->nr), "%lu", p->nr);
		doc_var(d, "nr", d->nr);
		doc_var(d, "dnr", p->dnr != NULL ? p->dnr : "");
		doc_var(d, "rubrik", p->rubrik);
		doc_var(d, "galler", p->has_galler ? p->galler.namn : "");
		layout_gap(&L, L.g->body_size);
		if (public && p->sekretess) {
			masked_paragraf(&L, d);
			continue;
		}
		paragraf_head(&L, d, p->rubrik, opening_height(&L, d, !public));
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
	doc_part_end(&L, &pp.d, 2);
	if (pp.d.failed)
		rc = -1;
	else if (pdf_error(pdf) != NULL) {
		snprintf(err, errlen, "%s", pdf_error(pdf));
		rc = -1;
	} else
		rc = doc_finish(pdf, out, len, err, errlen);
	pdf_free(pdf);
	doc_free(&pp.d);
	return rc;
}

/* ---- the archive copy ---- */

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

	pdf = doc_pdf(r, p, title, NULL, seed, err, errlen);
	free(title);
	free(seed);
	if (pdf == NULL)
		return -1;
	doc_init(&d, r, p, p->fb, NULL, mark, err, errlen);
	layout_init(&L, pdf, &r->t->geo);
	render_utdrag(&L, &d);
	if (!d.failed)
		rc = doc_finish(pdf, out, len, err, errlen);
	doc_free(&d);
	pdf_free(pdf);
	return rc;
}
