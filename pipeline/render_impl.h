/*
 * render_impl.h -- what the renderers share (render.c, render_letter.c,
 * render_protocol.c, render_lista.c); nothing else includes it.  Every
 * document is drawn with a struct doc: the session's parts it is about, the
 * templates' variables, its dates, and its first error.
 */
#ifndef EXPEDIERA_RENDER_IMPL_H
#define EXPEDIERA_RENDER_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "layout.h"
#include "render.h"

#define VARS_MAX 48

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
	char brevdatum[11];             /* the letter's own date (a rättelse: its day) */
	/* The dates as running text writes them: "18 november 2026". */
	char datum_lang[32], expedierad_lang[32], justerad_lang[32];
	/* When protokoll.xml has <anslag>: the day it was put up, and the last
	 * day of the three weeks of a laglighetsprövning; else "". */
	char anslag_lang[32], sista_dag_lang[32];
	char *handlaggare;
	char *err;
	size_t errlen;
	int failed;
	int stamp_line;                 /* header line for "Sida n (m)" */
	enum pdf_font title_font;
};

/* ---- render.c: a document's texts ---- */

/*
 * d for the session of r, paragraph p (NULL for the protocol's own pages),
 * its försättsblad fb, recipient m (NULL: the nämnd's own copy, with every
 * part) and mark; errors go to err.
 */
void doc_init(struct doc *d, const struct render *r, const struct paragraf *p,
    const struct forsattsblad *fb, const struct mottagare *m, const struct render_mark *mark,
    char *err, size_t errlen);
void doc_free(struct doc *);
/* Sets a variable of the templates (value is not copied); a name set again takes the new value. */
void doc_var(struct doc *, const char *name, const char *value);
/* Template text s expanded (malloc'd); on error records it and returns "". */
char *doc_expand(struct doc *, const char *s);

/* Text i of the templates, expanded (malloc'd). */
static inline char *
T(struct doc *d, enum text i)
{
	return doc_expand(d, d->r->t->text[i]);
}

static inline const char *
org_or(const char *a, const char *b)
{
	return a != NULL ? a : b;
}

/* The nämnd as its letters name it: [organisation] namnd, else the protocol's organ. */
static inline const char *
namnd(const struct render *r)
{
	return org_or(r->cfg->org_namnd, r->s->protokoll.organ);
}

/* ---- render.c: pieces of a page ---- */

static inline float
mm_y(float mm_from_top)
{
	return PDF_A4_HEIGHT - PDF_MM(mm_from_top);
}

/* "Dnr SN/2026:404": text label of the templates, a space and value (malloc'd). */
char *doc_label(struct doc *, enum text label, const char *value);
/* s with its baseline starting at (x, y), or ending at right. */
void doc_text_at(struct layout *, enum pdf_font f, float size, float x, float y, const char *s);
void doc_text_right(struct layout *, enum pdf_font f, float size, float right, float y,
    const char *s);
/* The footer of every page: the organisation's contact details. */
void doc_footer(struct layout *, struct doc *);
/*
 * "Sida n (m)" on line d->stamp_line under the title: the layout_stamp_fn of
 * every document (arg a struct doc, which the protocol's and the lists' own
 * structs begin with).
 */
void doc_stamp(struct layout *, struct pdf_page *, size_t n, size_t m, void *arg);
/* The title and lines under it at the top right; the y of the last. */
float doc_header_right(struct layout *, struct doc *, enum text title,
    const char *const *lines, size_t n);
/* The organisation at the top left, and under it under (NULL: nothing). */
float doc_letterhead(struct layout *, struct doc *, const char *under);
/*
 * The head of a page of a paragraph's documents: doc_header_right,
 * doc_letterhead, and the secrecy mark under the lines when the paragraph
 * has sekretess.  Returns the y of the header's last line.
 */
float doc_page_head(struct layout *, struct doc *, enum text title, const char *const *lines,
    size_t n, const char *under);
/* Ends a part (layout_part_end), stamping its pages on line stamp_line. */
void doc_part_end(struct layout *, struct doc *, int stamp_line);
/* Text i as a heading of size points; doc_heading: a section's, with space above. */
void doc_title(struct layout *, struct doc *, enum text i, float size);
void doc_heading(struct layout *, struct doc *, enum text i);
/* A paragraph of body text: s, or text i of the templates. */
void doc_para(struct layout *, const char *s);
void doc_para_t(struct layout *, struct doc *, enum text i);
/* Text i of the templates, expanded, drawn by fn. */
void doc_with_text(struct layout *, struct doc *, enum text i,
    void (*fn)(struct layout *, const char *));
/* The decision points: numbered when there are several. */
void doc_punkter(struct layout *, const struct paragraf *);
/* An item of a list, after a dash; doc_lines: a list of them, and space after it. */
void doc_item(struct layout *, const char *s);
void doc_lines(struct layout *, const char *const *v, size_t n);
/* What a rättelse says first: what it corrects, and which sending it replaces. */
void doc_rattelse_mark(struct layout *, struct doc *);
/* A line to write on, with its label under it. */
void doc_sign_line(struct layout *, const char *label);

/* ---- render.c: the PDF ---- */

/*
 * The metadata of a document about paragraph p (NULL: the protocol), dated
 * as its letters are, in date: never names, only what the title says.
 */
void doc_meta(struct pdf_meta *, char date[32], const struct render *,
    const struct paragraf *p, const char *title, const char *subject, const char *seed);
/* A new document with doc_meta's metadata; NULL with err. */
struct pdf *doc_pdf(const struct render *, const struct paragraf *p, const char *title,
    const char *subject, const char *seed, char *err, size_t errlen);
/* Saves pdf into *out (malloc'd); -1 with err. */
int doc_finish(struct pdf *, unsigned char **out, size_t *len, char *err, size_t errlen);

/* ---- render_protocol.c ---- */

/* The protokollsutdrag of d's paragraph, as its reader may see it. */
void render_utdrag(struct layout *, struct doc *);

#endif
