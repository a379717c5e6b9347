/*
 * layout.c -- word wrap and page flow over pdf.h; see layout.h.
 *
 * Reads: UTF-8 text from the records (already valid: libxml2 checked it) and
 * the template geometry.
 * Writes: text and lines on pages through pdf.h.
 * Trusts: nothing about text length: any word, however long, is broken to
 * fit, and any paragraph, however long, flows over as many pages as it needs.
 */
#include <stdlib.h>
#include <string.h>

#include "layout.h"
#include "xmalloc.h"

#define LINES_CHUNK 64

void
layout_init(struct layout *L, struct pdf *pdf, const struct geometry *g)
{
	memset(L, 0, sizeof(*L));
	L->pdf = pdf;
	L->g = g;
	L->left = PDF_MM(g->margin_left);
	L->right = PDF_A4_WIDTH - PDF_MM(g->margin_right);
}

float
layout_line_height(const struct layout *L, float size)
{
	return size * L->g->line_height;
}

static void
new_page(struct layout *L)
{
	size_t n;

	/* a failed write stays in the document's error, seen at its end */
	if (L->flush)
		pdf_flush(L->pdf);
	L->page = pdf_add_page(L->pdf);
	n = pdf_page_count(L->pdf) - L->first_page;
	L->y = PDF_A4_HEIGHT - PDF_MM(L->g->margin_top);
	L->bottom = PDF_MM(L->g->margin_bottom);
	if (L->on_page != NULL)
		L->on_page(L, L->arg, n);
}

void
layout_part_begin(struct layout *L, layout_page_fn fn, void *arg)
{
	L->on_page = fn;
	L->arg = arg;
	L->first_page = pdf_page_count(L->pdf);
	new_page(L);
}

void
layout_part_end(struct layout *L, layout_stamp_fn stamp, void *arg)
{
	size_t i, m = pdf_page_count(L->pdf) - L->first_page;

	for (i = 0; i < m && stamp != NULL; i++)
		stamp(L, pdf_page_at(L->pdf, L->first_page + i), i + 1, m, arg);
}

void
layout_need(struct layout *L, float h)
{
	if (L->y - h < L->bottom)
		new_page(L);
}

void
layout_gap(struct layout *L, float pt)
{
	/* A gap at the bottom of a page is not carried over to the next. */
	if (L->y - pt < L->bottom)
		new_page(L);
	else
		L->y -= pt;
}

/* Length of the UTF-8 character at s (1 for a stray continuation byte). */
static size_t
u8len(const char *s, size_t left)
{
	unsigned char c = (unsigned char)s[0];
	size_t n = c < 0xc0 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;

	return n <= left ? n : left;
}

/* How many bytes of s (len) fit in width, at least one character. */
static size_t
fit_chars(struct pdf *pdf, enum pdf_font f, float size, const char *s, size_t len, float width)
{
	size_t n = u8len(s, len), next;

	while (n < len) {
		next = n + u8len(s + n, len - n);
		if (pdf_text_width(pdf, f, size, s, next) > width)
			break;
		n = next;
	}
	return n;
}

/* "§" in UTF-8. */
#define PARA_SIGN "\xc2\xa7"

/*
 * The end of the unit that starts at pos and is never broken: a word, and
 * with it a "§" or "§§" after it and the number after that ("6 §",
 * "43 § första", "§ 122"), as Swedish typesetting keeps them together.
 */
static size_t
word_unit_end(const char *text, size_t len, size_t pos)
{
	size_t e = pos;

	for (;;) {
		while (e < len && text[e] != ' ')
			e++;
		if (e + 3 <= len && memcmp(text + e + 1, PARA_SIGN, 2) == 0) {
			e += 1; /* "6 §": the sign goes with the number before it */
			continue;
		}
		if (e >= 2 && memcmp(text + e - 2, PARA_SIGN, 2) == 0 && e + 1 < len &&
		    text[e + 1] >= '0' && text[e + 1] <= '9') {
			e += 1; /* "§ 122": and the number after it with the sign */
			continue;
		}
		return e;
	}
}

size_t
layout_wrap(struct pdf *pdf, enum pdf_font f, float size, const char *text, size_t len,
    float width, struct layout_line *lines, size_t max)
{
	size_t count = 0, pos = 0, line_start, line_end, word_end;
	float space = pdf_text_width(pdf, f, size, " ", 1), w, ww;

	while (pos < len) {
		while (pos < len && text[pos] == ' ')
			pos++;
		if (pos == len)
			break;
		line_start = line_end = pos;
		w = 0;
		for (;;) {
			word_end = word_unit_end(text, len, pos);
			ww = pdf_text_width(pdf, f, size, text + pos, word_end - pos);
			if (line_end == line_start && ww > width) {
				/* A word wider than the line: break it. */
				word_end = pos + fit_chars(pdf, f, size, text + pos, word_end - pos,
				    width);
				line_end = pos = word_end;
				break;
			}
			if (line_end != line_start && w + space + ww > width)
				break;
			w += (line_end != line_start ? space : 0) + ww;
			line_end = pos = word_end;
			while (pos < len && text[pos] == ' ')
				pos++;
			if (pos == len)
				break;
		}
		if (count < max) {
			lines[count].off = line_start;
			lines[count].len = line_end - line_start;
		}
		count++;
		pos = line_end;
	}
	return count;
}

/* Wraps into a growing array; *n lines. */
static struct layout_line *
wrap_all(struct pdf *pdf, enum pdf_font f, float size, const char *text, float width, size_t *n)
{
	size_t len = strlen(text), cap = LINES_CHUNK, got;
	struct layout_line *lines = xreallocarray(NULL, cap, sizeof(*lines));

	got = layout_wrap(pdf, f, size, text, len, width, lines, cap);
	if (got > cap) {
		cap = got;
		lines = xreallocarray(lines, cap, sizeof(*lines));
		layout_wrap(pdf, f, size, text, len, width, lines, cap);
	}
	*n = got;
	return lines;
}

void
layout_text(struct layout *L, enum pdf_font f, float size, const char *text, float indent,
    const char *bullet)
{
	float lh = layout_line_height(L, size), asc = pdf_ascent(L->pdf, f, size), hang = 0;
	struct layout_line *lines;
	size_t n, i;

	if (bullet != NULL)
		hang = pdf_text_width(L->pdf, f, size, bullet, strlen(bullet)) + size * 0.6f;
	lines = wrap_all(L->pdf, f, size, text, L->right - L->left - indent - hang, &n);
	for (i = 0; i < n; i++) {
		layout_need(L, lh);
		if (i == 0 && bullet != NULL)
			pdf_text(L->page, f, size, L->left + indent, L->y - asc, bullet,
			    strlen(bullet));
		pdf_text(L->page, f, size, L->left + indent + hang, L->y - asc,
		    text + lines[i].off, lines[i].len);
		L->y -= lh;
	}
	free(lines);
}

float
layout_text_height(struct layout *L, enum pdf_font f, float size, const char *text,
    float indent, const char *bullet)
{
	float hang = 0;

	if (bullet != NULL)
		hang = pdf_text_width(L->pdf, f, size, bullet, strlen(bullet)) + size * 0.6f;
	return (float)layout_wrap(L->pdf, f, size, text, strlen(text),
	    L->right - L->left - indent - hang, NULL, 0) * layout_line_height(L, size);
}

void
layout_heading(struct layout *L, enum pdf_font f, float size, const char *text)
{
	layout_heading_keep(L, f, size, text, 2 * layout_line_height(L, L->g->body_size));
}

void
layout_heading_keep(struct layout *L, enum pdf_font f, float size, const char *text,
    float follow)
{
	/* All of the heading's lines, however many it wraps to, and what follows. */
	layout_need(L, layout_text_height(L, f, size, text, 0, NULL) + follow);
	layout_text(L, f, size, text, 0, NULL);
}
