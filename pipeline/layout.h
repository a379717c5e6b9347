/*
 * layout.h -- a small layout engine over pdf.h: word wrap with real glyph
 * widths, page breaks that repeat the running header and footer, headings
 * kept with what follows, and page numbers "n (m)" per document part.
 * Nothing is ever drawn outside the text column or below the bottom margin.
 */
#ifndef EXPEDIERA_LAYOUT_H
#define EXPEDIERA_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>

#include "pdf.h"
#include "template.h"

struct layout;

/*
 * Called for every new page of a part, with its number in the part (1-based):
 * draws the running header and footer and sets L->y (where text starts) and
 * L->bottom (where it must stop).
 */
typedef void (*layout_page_fn)(struct layout *L, void *arg, size_t n);

/* Called for each page of a finished part, with n and m of "n (m)". */
typedef void (*layout_stamp_fn)(struct layout *L, struct pdf_page *page, size_t n, size_t m,
    void *arg);

struct layout {
	struct pdf *pdf;
	const struct geometry *g;
	float left, right;    /* the text column, points from the left edge */
	float y;              /* top of the next line, points from the bottom edge */
	float bottom;         /* text may not go below this */
	struct pdf_page *page;
	size_t first_page;    /* index of the part's first page */
	layout_page_fn on_page;
	void *arg;
	/*
	 * A streamed document (pdf_new_stream): the pages before a new one are
	 * written out, so nothing may go back to them (no layout_part_end
	 * stamps: the page callback draws "n (m)" itself).
	 */
	bool flush;
};

/* One line of wrapped text: bytes [off, off+len) of the input. */
struct layout_line {
	size_t off, len;
};

void layout_init(struct layout *, struct pdf *, const struct geometry *);

/* Starts a part (a document within the försändelse) on a new page. */
void layout_part_begin(struct layout *, layout_page_fn, void *arg);

/* Ends the part: calls stamp for each of its pages. */
void layout_part_end(struct layout *, layout_stamp_fn stamp, void *arg);

/* Moves to a new page unless h points fit above the bottom. */
void layout_need(struct layout *, float h);

/* Vertical space. */
void layout_gap(struct layout *, float pt);

/*
 * A paragraph of UTF-8 text, wrapped to the column less indent (points).
 * With a bullet (e.g. "–"), the bullet hangs at indent and the text follows.
 */
void layout_text(struct layout *, enum pdf_font, float size, const char *text, float indent,
    const char *bullet);

/* The height layout_text would take for the same arguments. */
float layout_text_height(struct layout *, enum pdf_font, float size, const char *text,
    float indent, const char *bullet);

/*
 * A heading: all its lines kept on the same page as at least two lines of
 * what follows.  layout_heading_keep: as at least follow points of it (the
 * height of a sub-heading and its first lines, say, when the heading heads
 * a section that opens with one).
 */
void layout_heading(struct layout *, enum pdf_font, float size, const char *text);
void layout_heading_keep(struct layout *, enum pdf_font, float size, const char *text,
    float follow);

/* The height of one line at size. */
float layout_line_height(const struct layout *, float size);

/*
 * Wraps text (len bytes) to width points; fills at most max lines and returns
 * how many the text needs (which may be more than max).  A word wider than
 * the width is broken between characters.
 */
size_t layout_wrap(struct pdf *, enum pdf_font, float size, const char *text, size_t len,
    float width, struct layout_line *lines, size_t max);

#endif
