/*
 * pdf.c -- PDF/A-1b documents: pages, UTF-8 text in any language, lines,
 * metadata, deterministic bytes (see pdf.h for the interface), made with
 * libharu (libhpdf 2.3.0, Debian's libhpdf-dev).  This file is the glue:
 * documents, pages, drawing, saving; the fonts are pdf_font.c's, the
 * recorder pdf_record.c's, the PDF/A metadata pdf_meta.c's (pdf_impl.h).
 *
 * Reads: the build's font files and ICC profile in fontdir (fonts/fonts.mk,
 * fonts/README.md), once per process and fontdir; nothing else.
 * Writes: the document, to a malloc'd buffer at pdf_save*(), or to the
 * caller's FILE at pdf_finish_stream().
 * Trusts: the files in fontdir to be the build's (libharu parses them);
 * callers' text and metadata not at all: any bytes are drawn or escaped,
 * never interpreted.
 *
 * libharu writes the file: objects, xref, trailer, page tree, content
 * streams (deflated), the TrueType fonts and their subsets (glyphs no page
 * used are left out).  These files decide what is drawn with which font and
 * adds, through libharu's own object API (hpdf_objects.h, hpdf_doc.h,
 * hpdf_font.h), what libharu 2.3.0 lacks for PDF/A-1b, for readers and for
 * determinism; each addition says why where it is made:
 *
 *  - Text in WinAnsiEncoding's repertoire (all Swedish, most Western names)
 *    is drawn with a simple TrueType font (HPDF_GetFont with
 *    "WinAnsiEncoding"), one byte a character.  Anything else goes to a
 *    Type0 (CIDFontType2, Identity-H) font through libharu's UTF-8 encoder
 *    (HPDF_UseUTFEncodings), whose codes are the characters' own; a
 *    character no font has is drawn as □ (U+25A1) inside a marked-content
 *    span whose /ActualText is the character, so it is still extracted as
 *    itself.  pdf_text() splits UTF-8 into runs of either font, so callers
 *    never see it.
 *  - Widths for layout are libharu's (HPDF_TTFontDef_GetGidWidth on font
 *    definitions loaded once per process), so a measurement is exactly the
 *    advance libharu writes into /Widths and /W.
 *  - Every document is built in memory and written at the end: a streamed
 *    document is an ordinary one whose bytes go to a FILE.
 *  - XMP, /Info, the output intent and the trailer /ID are made in
 *    pdf_meta.c, in step with each other; dates come from the metadata, ids
 *    from a hash of id_seed, subset tags from a hash of the document id and
 *    the font, so the same input gives the same bytes.
 *
 * Not thread-safe: the font cache is process-wide.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hpdf.h>
#include <hpdf_objects.h>
#include <hpdf_pages.h>
#include <hpdf_streams.h>

#include "file.h"
#include "pdf_impl.h"
#include "xmalloc.h"

/* bytes of one pdf_text call (libharu's strings stop at 65535) */
#define TEXT_MAX       60000u

/* ---- errors ---- */

/* Records the document's first error; every call after it is a no-op. */
void
pdf_fail(struct pdf *p, const char *fmt, ...)
{
	va_list ap;

	if (p->failed)
		return;
	p->failed = 1;
	va_start(ap, fmt);
	vsnprintf(p->err, sizeof(p->err), fmt, ap);
	va_end(ap);
}

/* libharu's error handler: its first error sticks like any other. */
static void
haru_error(HPDF_STATUS no, HPDF_STATUS detail, void *arg)
{
	struct pdf *p = arg;

	if (p != NULL)
		pdf_fail(p, "fel i PDF-biblioteket libharu (kod 0x%04X, %u)", (unsigned)no,
		    (unsigned)detail);
}

/* ---- buffers ---- */

static void
buf_grow(struct buf *b, size_t n)
{
	size_t cap;

	if (b->cap - b->len >= n)
		return;
	cap = b->cap ? b->cap : 1024;
	while (cap - b->len < n)
		cap *= 2;
	b->p = xreallocarray(b->p, cap, 1);
	b->cap = cap;
}

void
buf_add(struct buf *b, const void *s, size_t n)
{
	buf_grow(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

void
buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_chr(struct buf *b, char c)
{
	buf_grow(b, 1);
	b->p[b->len++] = c;
}

/*
 * v as digits hex digits in upper case, as PDF's hex strings are written
 * here (not text_hex, whose digits are lower case: the bytes would differ).
 */
void
buf_hex(struct buf *b, unsigned v, int digits)
{
	static const char hex[] = "0123456789ABCDEF";

	while (digits-- > 0)
		buf_chr(b, hex[(v >> (4 * digits)) & 15]);
}

/* c in UTF-16BE as hex: a surrogate pair beyond the BMP. */
void
buf_utf16(struct buf *b, uint32_t c)
{
	if (c >= 0x10000) {
		c -= 0x10000;
		buf_hex(b, 0xD800 + (c >> 10), 4);
		buf_hex(b, 0xDC00 + (c & 0x3FF), 4);
	} else
		buf_hex(b, c, 4);
}

/* ---- UTF-8 ---- */

/* The next character of s[*i..len); bad bytes come out as U+FFFD, one each. */
uint32_t
utf8_next(const unsigned char *s, size_t len, size_t *i)
{
	uint32_t c = s[*i], min;
	size_t n, k;

	if (c < 0x80) {
		(*i)++;
		return c;
	}
	if (c >= 0xC2 && c <= 0xDF)
		n = 1, c &= 0x1F, min = 0x80;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 2, c &= 0x0F, min = 0x800;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 3, c &= 0x07, min = 0x10000;
	else {
		(*i)++;
		return 0xFFFD;
	}
	if (len - *i <= n) {
		(*i)++;
		return 0xFFFD;
	}
	for (k = 1; k <= n; k++) {
		if ((s[*i + k] & 0xC0) != 0x80) {
			(*i)++;
			return 0xFFFD;
		}
		c = (c << 6) | (s[*i + k] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
		(*i)++;
		return 0xFFFD;
	}
	*i += n + 1;
	return c;
}

void
utf8_put(struct buf *b, uint32_t c)
{
	char s[4];

	if (c < 0x80) {
		buf_chr(b, (char)c);
		return;
	}
	if (c < 0x800) {
		s[0] = (char)(0xC0 | c >> 6);
		s[1] = (char)(0x80 | (c & 0x3F));
		buf_add(b, s, 2);
	} else if (c < 0x10000) {
		s[0] = (char)(0xE0 | c >> 12);
		s[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		s[2] = (char)(0x80 | (c & 0x3F));
		buf_add(b, s, 3);
	} else {
		s[0] = (char)(0xF0 | c >> 18);
		s[1] = (char)(0x80 | ((c >> 12) & 0x3F));
		s[2] = (char)(0x80 | ((c >> 6) & 0x3F));
		s[3] = (char)(0x80 | (c & 0x3F));
		buf_add(b, s, 4);
	}
}

/* ---- documents ---- */

/*
 * libharu's header for PDF 1.4, with PDF/A-1's comment of four bytes above
 * 127 (ISO 19005-1 6.1.2).  A streamed document writes it at once, so that
 * an unwritable file shows at pdf_new_stream; pdf_finish_stream writes the
 * rest of what libharu made.
 */
static const char pdf_header[] = "%PDF-1.4\n%\267\276\255\252\n";

/* A document writing to out, or kept in memory when out is NULL. */
static struct pdf *
doc_new(const char *fontdir, const struct pdf_meta *meta, FILE *out, char *err, size_t errlen)
{
	static const struct pdf_meta none;
	struct pdf *p;

	if (meta == NULL)
		meta = &none;
	if (meta->date != NULL && !meta_date_ok(meta->date)) {
		snprintf(err, errlen,
		    "ogiltigt datum i PDF-metadata: %.40s (ska vara ÅÅÅÅ-MM-DDTtt:mm:ss)",
		    meta->date);
		return NULL;
	}
	p = xcalloc(1, sizeof(*p));
	if ((p->fs = fontset_load(fontdir ? fontdir : ".", err, errlen)) == NULL) {
		free(p);
		return NULL;
	}
	if (meta_id(meta, p->id) == -1) {
		snprintf(err, errlen, "kan inte beräkna dokumentets id (OpenSSL)");
		free(p);
		return NULL;
	}
	if ((p->doc = HPDF_New(haru_error, p)) == NULL) {
		snprintf(err, errlen, "PDF-biblioteket libharu kan inte starta");
		free(p);
		return NULL;
	}
	HPDF_SetCompressionMode(p->doc, HPDF_COMP_ALL);
	/* PDF/A-1 is PDF 1.4; libharu starts at 1.3 */
	p->doc->pdf_version = HPDF_VER_14;
	HPDF_UseUTFEncodings(p->doc);
	meta_copy(p, meta);
	p->out = out;
	p->streamed = out != NULL;
	if (out != NULL && (fwrite(pdf_header, 1, sizeof(pdf_header) - 1, out) !=
	    sizeof(pdf_header) - 1 || ferror(out)))
		pdf_fail(p, "kan inte skriva PDF-filen: %s",
		    errno != 0 ? strerror(errno) : "skrivfel");
	if (p->failed) {
		snprintf(err, errlen, "%s", p->err);
		pdf_free(p);
		return NULL;
	}
	return p;
}

struct pdf *
pdf_new(const char *fontdir, const struct pdf_meta *meta, char *err, size_t errlen)
{
	return doc_new(fontdir, meta, NULL, err, errlen);
}

struct pdf *
pdf_new_stream(const char *fontdir, const struct pdf_meta *meta, FILE *out, char *err,
    size_t errlen)
{
	if (out == NULL) {
		snprintf(err, errlen, "ingen fil att skriva PDF-dokumentet till");
		return NULL;
	}
	return doc_new(fontdir, meta, out, err, errlen);
}

void
pdf_free(struct pdf *p)
{
	size_t i;
	int f;

	if (p == NULL)
		return;
	for (i = 0; i < p->npages; i++)
		free(p->pages[i]);
	free(p->pages);
	for (f = 0; f < PDF__FONTS; f++)
		free(p->ext_used[f]);
	rec_free(p->rec);
	if (p->doc != NULL)
		HPDF_Free(p->doc);
	meta_free(p);
	free(p->file);
	free(p);
}

const char *
pdf_error(const struct pdf *p)
{
	return p->failed ? p->err : NULL;
}

/* 0 when the document may still be drawn on. */
int
pdf_closed(struct pdf *p)
{
	if (p->failed)
		return -1;
	if (p->finished) {
		pdf_fail(p, "dokumentet är redan sparat; det går inte att rita mer");
		return -1;
	}
	return 0;
}

/* ---- pages ---- */

struct pdf_page *
pdf_add_page(struct pdf *p)
{
	struct pdf_page *pg;
	HPDF_Page hp;

	if (pdf_closed(p) == -1)
		return NULL;
	if (p->npages >= MAX_PAGES && p->rec == NULL) {
		pdf_fail(p, "dokumentet har för många sidor (över %u)", MAX_PAGES);
		return NULL;
	}
	if (p->rec != NULL) {
		hp = NULL;
		rec_op(p, OP_PAGE, p->npages, NULL, 0, NULL, 0);
	} else if ((hp = HPDF_AddPage(p->doc)) == NULL ||
	    HPDF_Page_SetSize(hp, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT) != HPDF_OK) {
		pdf_fail(p, "kan inte lägga till en sida (libharu)");
		return NULL;
	}
	if (p->npages == p->pagecap) {
		p->pagecap = p->pagecap ? 2 * p->pagecap : 4;
		p->pages = xreallocarray(p->pages, p->pagecap, sizeof(*p->pages));
	}
	pg = xcalloc(1, sizeof(*pg));
	pg->pdf = p;
	pg->index = p->npages;
	pg->hp = hp;
	p->pages[p->npages++] = pg;
	return pg;
}

size_t
pdf_page_count(const struct pdf *p)
{
	return p->npages;
}

struct pdf_page *
pdf_page_at(struct pdf *p, size_t i)
{
	return i >= p->flushed && i < p->npages ? p->pages[i] : NULL;
}

/* ---- drawing ---- */

static int
coord_ok(double v)
{
	return v > -COORD_MAX && v < COORD_MAX;
}

/* Raw content operators, for what libharu has no call for. */
static void
page_raw(struct pdf_page *pg, const char *s, size_t len)
{
	HPDF_PageAttr a = (HPDF_PageAttr)pg->hp->attr;

	if (HPDF_Stream_Write(a->stream, (const HPDF_BYTE *)s, (HPDF_UINT)len) != HPDF_OK)
		pdf_fail(pg->pdf, "kan inte skriva sidans innehåll (libharu)");
}

/*
 * Draws one run of text in one font: WinAnsi bytes (kind D_WIN), or UTF-8
 * for the fallback font (D_EXT, D_BOX).  A run of □ carries the characters
 * it stands for in actual (UTF-16BE hex) as /ActualText, so readers
 * extract them and not the box.
 */
static void
run_draw(struct pdf_page *pg, enum drawn kind, int f, float size, struct buf *text,
    struct buf *actual)
{
	struct pdf *p = pg->pdf;
	HPDF_Font font;
	HPDF_REAL w;

	if (text->len == 0 || p->failed)
		return;
	buf_chr(text, '\0');
	if ((font = font_get(p, kind == D_WIN ? K_WIN : K_EXT, f)) == NULL)
		return;
	if (pg->font != font || pg->size != size) {
		if (HPDF_Page_SetFontAndSize(pg->hp, font, size) != HPDF_OK)
			return;
		pg->font = font;
		pg->size = size;
	}
	if (kind == D_BOX) {
		/*
		 * Marked content with /ActualText (ISO 32000-1 14.9.4): libharu
		 * has no call for it, so the operators go to the page's stream.
		 */
		page_raw(pg, "/Span<</ActualText<FEFF", 23);
		page_raw(pg, actual->p, actual->len);
		page_raw(pg, ">>>BDC\n", 7);
	}
	w = HPDF_Page_TextWidth(pg->hp, text->p);
	if (w > 0)
		HPDF_Page_ShowText(pg->hp, text->p);
	else {
		/*
		 * HPDF_Page_ShowText draws nothing of no width, but a run of
		 * combining marks has none and must still be there: the same
		 * codes libharu's UTF-8 encoder would write (the characters'
		 * own), as a hex string.  HPDF_Page_TextWidth above has marked
		 * their glyphs for the subset.
		 */
		struct buf hex = {0};
		size_t i = 0;

		buf_chr(&hex, '<');
		while (i < text->len - 1)
			buf_utf16(&hex, utf8_next((const unsigned char *)text->p, text->len - 1, &i));
		buf_str(&hex, ">Tj\n");
		page_raw(pg, hex.p, hex.len);
		free(hex.p);
	}
	if (kind == D_BOX)
		page_raw(pg, "EMC\n", 4);
	text->len = 0;
	actual->len = 0;
}

/* Remembers that code was drawn in the fallback font of style f (for ToUnicode). */
static void
ext_mark(struct pdf *p, int f, uint32_t c)
{
	if (p->ext_used[f] == NULL)
		p->ext_used[f] = xcalloc(65536 / 8, 1);
	p->ext_used[f][c / 8] |= (unsigned char)(1u << (c % 8));
}

void
pdf_text(struct pdf_page *pg, enum pdf_font f, float size, float x, float y, const char *s,
    size_t len)
{
	struct buf text = {0}, actual = {0};
	enum drawn kind, run = D_SKIP;
	struct pdf *p;
	unsigned code;
	size_t i = 0;
	uint32_t c;

	if (pg == NULL || pdf_closed(p = pg->pdf) == -1)
		return;
	if (pg->index < p->flushed) {
		pdf_fail(p, "sidan %zu är redan skriven (pdf_flush)", pg->index + 1);
		return;
	}
	if (!font_ok((int)f) || !(size > 0 && size < COORD_MAX) || !coord_ok(x) || !coord_ok(y) ||
	    (s == NULL && len > 0)) {
		pdf_fail(p, "pdf_text: ogiltigt typsnitt, storlek eller läge");
		return;
	}
	if (len > TEXT_MAX) {
		pdf_fail(p, "sidan %zu: för lång text (%zu byte)", pg->index + 1, len);
		return;
	}
	if (p->rec != NULL) {
		float a[4] = {(float)f, size, x, y};

		rec_op(p, OP_TEXT, pg->index, a, 4, s, len);
		return;
	}
	/*
	 * One text object for a run of pdf_text calls, each line placed
	 * relative to the last (Td moves from the start of the previous line).
	 */
	if (!pg->in_text) {
		if (HPDF_Page_BeginText(pg->hp) != HPDF_OK)
			return;
		pg->in_text = 1;
		pg->tx = pg->ty = 0;
	}
	if (HPDF_Page_MoveTextPos(pg->hp, x - pg->tx, y - pg->ty) != HPDF_OK)
		return;
	pg->tx = x;
	pg->ty = y;
	while (i < len && !p->failed) {
		c = utf8_next((const unsigned char *)s, len, &i);
		if ((kind = drawn_as(p->fs, (int)f, c, &code)) == D_SKIP)
			continue;
		if (kind != run) {
			run_draw(pg, run, (int)f, size, &text, &actual);
			run = kind;
		}
		switch (kind) {
		case D_WIN:
			buf_chr(&text, (char)code);
			p->win_used[f][code / 8] |= (unsigned char)(1u << (code % 8));
			break;
		case D_EXT:
			utf8_put(&text, c);
			ext_mark(p, (int)f, c);
			break;
		default:
			utf8_put(&text, BOX_CHAR);
			buf_utf16(&actual, c);
			ext_mark(p, (int)f, BOX_CHAR);
			break;
		}
	}
	run_draw(pg, run, (int)f, size, &text, &actual);
	free(text.p);
	free(actual.p);
}

/* Ends the page's text object, before a path (not allowed inside one) or the end. */
static void
page_end_text(struct pdf_page *pg)
{
	if (pg->in_text) {
		HPDF_Page_EndText(pg->hp);
		pg->in_text = 0;
	}
}

/* 0 when pg may be drawn on. */
static int
page_open(struct pdf_page *pg)
{
	if (pg == NULL || pdf_closed(pg->pdf) == -1)
		return -1;
	if (pg->index < pg->pdf->flushed) {
		pdf_fail(pg->pdf, "sidan %zu är redan skriven (pdf_flush)", pg->index + 1);
		return -1;
	}
	return 0;
}

/*
 * The start of a path of pdf_line or pdf_rect (op): a[0..3] its numbers, a[4]
 * the line width.  0 when the caller draws it, the line width set; -1 when
 * the page is closed, a number is out of range (an error), or a recorder
 * has recorded it.
 */
static int
path_begin(struct pdf_page *pg, char op, const float a[5], const char *what)
{
	int i;

	if (page_open(pg) == -1)
		return -1;
	for (i = 0; i < 4; i++)
		if (!coord_ok(a[i]))
			break;
	if (i < 4 || !(a[4] >= 0 && a[4] < COORD_MAX)) {
		pdf_fail(pg->pdf, "%s: ogiltiga koordinater", what);
		return -1;
	}
	if (pg->pdf->rec != NULL) {
		rec_op(pg->pdf, op, pg->index, a, 5, NULL, 0);
		return -1;
	}
	page_end_text(pg);
	HPDF_Page_SetLineWidth(pg->hp, a[4]);
	return 0;
}

void
pdf_line(struct pdf_page *pg, float x0, float y0, float x1, float y1, float w)
{
	float a[5] = {x0, y0, x1, y1, w};

	if (path_begin(pg, OP_LINE, a, "pdf_line") == -1)
		return;
	HPDF_Page_MoveTo(pg->hp, x0, y0);
	HPDF_Page_LineTo(pg->hp, x1, y1);
	HPDF_Page_Stroke(pg->hp);
}

void
pdf_rect(struct pdf_page *pg, float x, float y, float w, float h, float lw)
{
	float a[5] = {x, y, w, h, lw};

	if (path_begin(pg, OP_RECT, a, "pdf_rect") == -1)
		return;
	HPDF_Page_Rectangle(pg->hp, x, y, w, h);
	HPDF_Page_Stroke(pg->hp);
}

/* ---- streams ---- */

/*
 * The /Filter of a stream whose bytes are deflated already.  libharu drops
 * a /Filter key from a stream it does not compress itself, but calls a
 * dictionary's write function after its keys: the key goes there.
 */
static HPDF_STATUS
write_deflated(HPDF_Dict d, HPDF_Stream s)
{
	(void)d;
	return HPDF_Stream_WriteStr(s, "/Filter /FlateDecode\012");
}

/* A stream object of the document, its bytes as z says (ST_PLAIN ...). */
HPDF_Dict
stream_new(struct pdf *p, const void *data, size_t len, int z)
{
	HPDF_Dict d;

	if ((d = HPDF_DictStream_New(p->doc->mmgr, p->doc->xref)) == NULL)
		return NULL;
	d->filter = z == ST_DEFLATE ? HPDF_STREAM_FILTER_FLATE_DECODE : HPDF_STREAM_FILTER_NONE;
	if (z == ST_DEFLATED)
		d->write_fn = write_deflated;
	if (len > 0 && HPDF_Stream_Write(d->stream, data, (HPDF_UINT)len) != HPDF_OK)
		return NULL;
	return d;
}

/* ---- flushing and saving ---- */

int
pdf_flush(struct pdf *p)
{
	size_t i;

	if (p->rec != NULL)
		return rec_flush(p);
	/* an ordinary document keeps its pages drawable until pdf_save */
	if (!p->streamed)
		return p->failed ? -1 : 0;
	if (pdf_closed(p) == -1)
		return -1;
	/*
	 * libharu keeps the whole document in memory until it is saved: the
	 * pages stay, only closed for drawing, as pdf.h promises.
	 */
	for (i = p->flushed; i < p->npages; i++)
		page_end_text(p->pages[i]);
	p->flushed = p->npages;
	return p->failed ? -1 : 0;
}

/*
 * The page tree.  libharu hangs every page on the root /Pages node as it
 * is added; that is the tree as long as the pages fit one array.  Past
 * PDF/A-1's 8,191 array elements the root's /Kids are emptied and filled
 * again with leaves of TREE_LEAF pages, through libharu's HPDF_Pages_New
 * and HPDF_Pages_AddKids; each page gets its new /Parent, and libharu
 * counts /Count when it writes the nodes.  (HPDF_SetPagesConfiguration
 * would do the same, but for every document, small ones included, and it
 * must be chosen before the first page.)
 */
static void
pages_tree(struct pdf *p)
{
	HPDF_Pages root = p->doc->root_pages, parent = root;
	HPDF_Array kids;
	HPDF_Page hp;
	size_t i;

	if (p->npages <= ARRAY_MAX)
		return;
	if ((kids = HPDF_Dict_GetItem(root, "Kids", HPDF_OCLASS_ARRAY)) == NULL) {
		pdf_fail(p, "PDF-dokumentet saknar sidträd (libharu)");
		return;
	}
	HPDF_Array_Clear(kids);
	for (i = 0; i < p->npages && !p->failed; i++) {
		hp = p->pages[i]->hp;
		if (i % TREE_LEAF == 0 &&
		    (parent = HPDF_Pages_New(p->doc->mmgr, root, p->doc->xref)) == NULL)
			return;
		HPDF_Dict_RemoveElement(hp, "Parent");
		HPDF_Pages_AddKids(parent, hp);
	}
}

/*
 * Ends the document: fonts mended, metadata, output intent, page tree, and
 * libharu's bytes in p->file.  Once; afterwards the same bytes.
 */
static int
pdf_finish(struct pdf *p)
{
	HPDF_Stream s;
	HPDF_UINT i, len, count;
	const HPDF_BYTE *b;
	size_t k;

	if (p->failed)
		return -1;
	if (p->rec != NULL) {
		pdf_fail(p, "ett inspelat dokument sparas inte; det ritas i andra med pdf_replay");
		return -1;
	}
	if (p->finished)
		return 0;
	if (p->npages == 0) {
		pdf_fail(p, "dokumentet har inga sidor");
		return -1;
	}
	p->finished = 1;
	for (k = 0; k < p->npages; k++)
		page_end_text(p->pages[k]);
	fonts_finish(p);
	pages_tree(p);
	meta_finish(p);
	if (p->failed || HPDF_SaveToStream(p->doc) != HPDF_OK || p->failed) {
		pdf_fail(p, "kan inte skriva PDF-dokumentet (libharu)");
		return -1;
	}
	/* libharu's memory stream, buffer by buffer */
	s = p->doc->stream;
	p->file = xmalloc(s->size > 0 ? s->size : 1);
	count = HPDF_MemStream_GetBufCount(s);
	for (i = 0; i < count; i++) {
		if ((b = HPDF_MemStream_GetBufPtr(s, i, &len)) == NULL ||
		    p->filelen + len > s->size) {
			pdf_fail(p, "kan inte läsa PDF-dokumentet från libharu");
			return -1;
		}
		memcpy(p->file + p->filelen, b, len);
		p->filelen += len;
	}
	HPDF_MemStream_FreeData(s);
	if (p->filelen < sizeof(pdf_header) - 1 ||
	    memcmp(p->file, pdf_header, sizeof(pdf_header) - 1) != 0) {
		pdf_fail(p, "libharu skrev ett annat PDF-huvud än väntat");
		return -1;
	}
	return 0;
}

int
pdf_finish_stream(struct pdf *p)
{
	size_t skip = sizeof(pdf_header) - 1;

	if (!p->streamed || p->rec != NULL) {
		pdf_fail(p, "pdf_finish_stream: dokumentet är inte strömmat (spara med pdf_save)");
		return -1;
	}
	if (p->finished && !p->failed) {
		pdf_fail(p, "dokumentet är redan avslutat");
		return -1;
	}
	if (pdf_finish(p) == -1)
		return -1;
	/* the header went out at pdf_new_stream */
	errno = 0;
	if (fwrite(p->file + skip, 1, p->filelen - skip, p->out) != p->filelen - skip ||
	    fflush(p->out) != 0 || ferror(p->out))
		pdf_fail(p, "kan inte skriva PDF-filen: %s", errno != 0 ? strerror(errno) : "skrivfel");
	return p->failed ? -1 : 0;
}

int
pdf_save_mem(struct pdf *p, unsigned char **bufp, size_t *lenp)
{
	if (p->streamed) {
		pdf_fail(p, "ett strömmat dokument avslutas med pdf_finish_stream");
		return -1;
	}
	if (pdf_finish(p) == -1)
		return -1;
	*bufp = xmalloc(p->filelen);
	memcpy(*bufp, p->file, p->filelen);
	*lenp = p->filelen;
	return 0;
}

int
pdf_save(struct pdf *p, const char *path)
{
	if (p->streamed) {
		pdf_fail(p, "ett strömmat dokument avslutas med pdf_finish_stream");
		return -1;
	}
	if (pdf_finish(p) == -1)
		return -1;
	if (file_write_path(path, p->file, p->filelen, 0600) == -1) {
		pdf_fail(p, "kan inte skriva %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}
