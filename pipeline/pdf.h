/*
 * pdf.h -- PDF output: documents, pages, fonts and text in UTF-8, PDF/A-1b
 * and deterministic output, saved to memory or a file, or written to a
 * FILE at the end.  The layout engine (layout.c) and the renderers draw
 * through this; only pdf*.c know the PDF library (libharu) and the format.
 *
 * Coordinates are PDF points (1/72 inch) from the bottom-left corner of an
 * A4 page (595.276 x 841.89); use PDF_MM() to convert from millimetres.
 *
 * Errors: the first error is recorded in the struct pdf, with a Swedish
 * message; every call after it is a no-op, and pdf_save(), pdf_flush() and
 * pdf_finish_stream() return -1 with the message from pdf_error().
 */
#ifndef EXPEDIERA_PDF_H
#define EXPEDIERA_PDF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PDF_MM(mm) ((float)(mm) * 72.0f / 25.4f)
#define PDF_A4_WIDTH  595.276f
#define PDF_A4_HEIGHT 841.89f

enum pdf_font { PDF_REGULAR, PDF_BOLD, PDF_ITALIC, PDF__FONTS };

struct pdf;
struct pdf_page;

/* Document metadata; every field is copied.  NULL strings are left out. */
struct pdf_meta {
	const char *title;     /* dc:title and /Title */
	const char *author;    /* the organisation: dc:creator and /Author */
	const char *subject;   /* /Subject */
	const char *keywords;  /* /Keywords */
	const char *language;  /* "sv-SE" */
	/*
	 * The document's date and time, "YYYY-MM-DDTHH:MM:SS" (UTC), taken from
	 * the session, never from the clock: the same input gives the same bytes.
	 */
	const char *date;
	/*
	 * Bytes that identify the document (e.g. dnr, § and recipient); the
	 * trailer /ID and the XMP DocumentID are derived from them by hashing,
	 * so ids are stable and distinct without any randomness.
	 */
	const void *id_seed;
	size_t id_seed_len;
};

/*
 * A new document.  Fonts and the ICC profile come from fontdir (the build's
 * build/fonts, see fonts/README.md); they are read once per process and
 * fontdir and cached; each document hands libharu its own copy of the
 * fonts it draws with, to subset.  meta may be NULL.
 * Returns NULL with a Swedish message in err when the fonts cannot be read,
 * or meta->date is not a real "YYYY-MM-DDTHH:MM:SS".
 */
struct pdf *pdf_new(const char *fontdir, const struct pdf_meta *meta, char *err, size_t errlen);

/* A new A4 portrait page at the end of the document. */
struct pdf_page *pdf_add_page(struct pdf *);

/* Number of pages so far, and page i (0-based) to draw on again later. */
size_t pdf_page_count(const struct pdf *);
struct pdf_page *pdf_page_at(struct pdf *, size_t i);

/*
 * Width in points of UTF-8 text s (len bytes) in font f at size pt: exactly
 * the advance pdf_text() gives the same text.  Still measures after an error.
 */
float pdf_text_width(struct pdf *, enum pdf_font f, float size, const char *s, size_t len);

/*
 * Draws UTF-8 text s (len bytes) with its baseline starting at (x, y).  Every
 * character is extracted again (pdftotext, PDFBox) as itself; all Latin,
 * Greek and Cyrillic text is drawn with real glyphs, anything the fonts lack
 * (see pdf_can_draw) as a box.  A tab is drawn as a space; control
 * characters, soft hyphens and zero-width format characters are not drawn
 * (put a real hyphen where a line breaks).  Invalid UTF-8 is drawn as U+FFFD.
 */
void pdf_text(struct pdf_page *, enum pdf_font f, float size, float x, float y, const char *s,
    size_t len);

/*
 * 1 when every character of UTF-8 text s has a glyph of its own; 0 when some
 * character (Chinese, Arabic, an emoji ...) would be drawn as a box.  It is
 * still extracted as itself.  For checking names before a letter is made.
 */
int pdf_can_draw(struct pdf *, const char *s, size_t len);

/*
 * How one character (a Unicode code point) comes out in font f, exactly as
 * pdf_text() draws it: with a glyph of its own; not at all because it is an
 * invisible format character meant not to show (soft hyphen, zero-width and
 * direction marks, variation selectors, byte order mark); not at all because
 * it is a control character (U+0000-001F but tab, U+007F-009F: a letter
 * lost, usually text decoded with the wrong encoding); or as a box because
 * no letter font has it.  For the rule that checks an address before any
 * letter is made (address-unprintable).
 */
enum pdf_char { PDF_CHAR_GLYPH, PDF_CHAR_INVISIBLE, PDF_CHAR_CONTROL, PDF_CHAR_BOX };
enum pdf_char pdf_char_class(struct pdf *, enum pdf_font f, uint32_t c);

/*
 * The first character of UTF-8 text s (len bytes) that font f would not
 * print as itself (PDF_CHAR_CONTROL or PDF_CHAR_BOX): 1 with it in *c and
 * its class in *cls, or 0 when every character prints.  Invalid UTF-8 counts
 * as U+FFFD, as pdf_text() draws it.
 */
int pdf_find_unprintable(struct pdf *, enum pdf_font f, const char *s, size_t len, uint32_t *c,
    enum pdf_char *cls);

/* Font metrics at size pt: ascent above and descent below the baseline (> 0). */
float pdf_ascent(struct pdf *, enum pdf_font f, float size);
float pdf_descent(struct pdf *, enum pdf_font f, float size);

/* A straight line, width w points, in black. */
void pdf_line(struct pdf_page *, float x0, float y0, float x1, float y1, float w);

/* A rectangle outline (for tests of window positions and form boxes). */
void pdf_rect(struct pdf_page *, float x, float y, float w, float h, float lw);

/*
 * Saves the document, whole and mode 0600 (file_write_path); 0 on success.
 * pdf_save_mem gives a malloc'd buffer for free().  The first save fixes the document: it may be saved again
 * (the same bytes), but not drawn on.
 */
int pdf_save(struct pdf *, const char *path);
int pdf_save_mem(struct pdf *, unsigned char **buf, size_t *len);

/*
 * Streamed documents, for print batches: pages are drawn as on any
 * document (pdf_add_page, pdf_text, pdf_page_at ...), then put in any order
 * and written to out in one go.  libharu, which writes the file, keeps a
 * whole document in memory until it is written, so memory grows with the
 * page count (a few kilobytes a page, the pages' content deflated only at
 * the end): callers cut a large print run into volumes of some thousands
 * of pages, each a document of its own.  The fonts, metadata and output
 * intent are the same as an ordinary document's, and so is determinism
 * (same input, same bytes; a streamed document and an ordinary one with
 * the same pages are the same bytes).
 *
 * pdf_new_stream: like pdf_new, writing to out, which must be positioned at
 * the start of an empty file (out may be a pipe).  out stays the caller's:
 * it is never closed.  The header is written at once; NULL with err also
 * when that fails.
 *
 * pdf_flush: closes every page drawn so far for drawing: pdf_page_at
 * returns NULL for them and drawing on them is an error; pdf_page_count
 * still counts them.  Nothing is written and no memory is freed (libharu
 * cannot write a page before the document).  Call it after each whole
 * försändelse (the renderers go back to its earlier pages to stamp "Sida n
 * (m)" first).  Returns 0, or -1 with pdf_error() when the document has an
 * error.  On an ordinary document it does nothing (its pages stay open
 * until pdf_save) and returns 0, or -1 when the document already has an
 * error, so the same code can draw both.
 *
 * pdf_finish_stream: ends the document and writes all of it after the
 * header, the pages in the order they were added (print runs are sorted
 * before they are drawn: see the recorder below).  The fonts are subsets
 * of every glyph any page used; out is
 * flushed (fflush), not closed.  Returns 0, or -1 with pdf_error(): out
 * then holds no complete PDF and the caller removes it.  Once only; -1 on
 * an ordinary document (use pdf_save).
 *
 * Errors stick, as everywhere here: after a write error the document can
 * only be freed.  pdf_save and pdf_save_mem refuse a
 * streamed document; pdf_free frees it without writing anything more.
 */
struct pdf *pdf_new_stream(const char *fontdir, const struct pdf_meta *meta, FILE *out, char *err,
    size_t errlen);
int pdf_flush(struct pdf *);
int pdf_finish_stream(struct pdf *);

/*
 * Recorded documents, for print volumes: a run's print försändelser come in
 * the order the session is read, but go to the printer in postnummer order,
 * in volumes of a few hundred, each a document of its own that libharu
 * holds in memory until it is saved.  So the run draws each försändelse on
 * a recorder, which measures like any document and keeps what is drawn on
 * its pages (text, lines, rectangles) as compact ops; pdf_flush after each
 * försändelse seals its pages as one chunk, deflated into a temporary file.
 * At the end pdf_replay draws the chunks, in any order, into the volume
 * documents, exactly as drawing them there directly would (the same calls,
 * so the same bytes).  Memory holds the unsealed pages' ops and a few
 * numbers a chunk.
 *
 * pdf_new_recorder: a recorder; NULL with err when the fonts cannot be read
 * or no temporary file can be made.  It cannot be saved.
 *
 * pdf_replay: adds pages [first, first + n) of the recorder rec, which must
 * be whole chunks (what one pdf_flush sealed), at the end of into.  Returns
 * 0, or -1 with pdf_error(into).
 */
struct pdf *pdf_new_recorder(const char *fontdir, char *err, size_t errlen);
int pdf_replay(struct pdf *rec, size_t first, size_t n, struct pdf *into);

/* The first error, in Swedish, or NULL. */
const char *pdf_error(const struct pdf *);

void pdf_free(struct pdf *);

/* Releases the fonts and buffers cached for the process (not thread-safe). */
void pdf_cleanup(void);

#endif
