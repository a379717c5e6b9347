/*
 * pdf_impl.h -- what the four files of pdf.h share; nothing else includes
 * it.  pdf.c is the glue to libharu (documents, pages, text, lines, saving),
 * pdf_font.c the fonts (reading, measuring, subsetting), pdf_record.c the
 * recorder and its replay, pdf_meta.c the PDF/A metadata (XMP, /Info, the
 * output intent and its ICC profile, the ids).
 */
#ifndef EXPEDIERA_PDF_IMPL_H
#define EXPEDIERA_PDF_IMPL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <hpdf.h>

#include "pdf.h"

#define ICC_MAX_SIZE   (1u << 20)
#define COORD_MAX      1.0e6         /* coordinates and sizes beyond this are refused */
/*
 * PDF 1.4's limits, which PDF/A-1 makes binding (ISO 19005-1 6.1.12): at
 * most 8,388,607 indirect objects and 8,191 elements in an array.  A page
 * tree wider than ARRAY_MAX gets leaves of TREE_LEAF pages.
 */
#define MAX_PAGES      2000000u
#define ARRAY_MAX      8191u
#define TREE_LEAF      1024u
#define BOX_CHAR       0x25A1        /* □, drawn for characters no font has */

/* The two cuts of each style in fontdir: WinAnsi and the fallback (fonts/fonts.mk). */
enum { K_WIN, K_EXT };

/*
 * Everything read from one fontdir: the font files' bytes (each document
 * hands libharu its own copy to subset), libharu's definitions of them for
 * measuring, and the ICC profile, deflated once.
 */
struct fontset {
	char *dir;
	unsigned char *ttf[2][PDF__FONTS];
	size_t ttflen[2][PDF__FONTS];
	/*
	 * Loaded without embedding into a document of their own, only for
	 * metrics and cmap lookups: HPDF_Font_TextWidth would need a font
	 * loaded into every document, even one that only measures, and it
	 * cannot say whether a font has a glyph for a character.
	 */
	HPDF_Doc mdoc;
	HPDF_FontDef mdef[2][PDF__FONTS];
	uint16_t win_w[PDF__FONTS][256];     /* code -> width in 1/1000 em */
	uint16_t box_w[PDF__FONTS];          /* width of □ in the fallback font */
	float ascent[PDF__FONTS], descent[PDF__FONTS];
	unsigned char *icc_z;                /* the ICC profile, deflated */
	size_t icc_zlen;
	int icc_n;                           /* its colour components */
	char icc_desc[64];                   /* its description, PDF-safe */
	struct fontset *next;
};

/* A growing byte buffer (buf_add ... in pdf.c). */
struct buf {
	char *p;
	size_t len, cap;
};

struct pdf_page {
	struct pdf *pdf;
	size_t index;        /* 0-based */
	HPDF_Page hp;
	HPDF_Font font;      /* current font and size, to switch only when they change */
	float size;
	int in_text;         /* inside BT ... ET */
	float tx, ty;        /* there: where the last line started */
};

struct pdf {
	struct fontset *fs;
	HPDF_Doc doc;
	HPDF_FontDef def[2][PDF__FONTS];     /* this document's, loaded on first use */
	HPDF_Font font[2][PDF__FONTS];
	unsigned char win_used[PDF__FONTS][32];
	unsigned char *ext_used[PDF__FONTS]; /* a bit for each BMP code drawn, or NULL */
	/* Pages [flushed, npages) may still be drawn on. */
	struct pdf_page **pages;
	size_t npages, pagecap, flushed;
	char *title, *author, *subject, *keywords, *language;
	char date[20];       /* "YYYY-MM-DDTHH:MM:SS", or empty */
	unsigned char id[16];
	FILE *out;           /* streamed: the caller's file */
	unsigned char *file; /* the whole document, once made */
	size_t filelen;
	int streamed;
	int finished;
	int failed;
	char err[256];
	/* A recorder (pdf_new_recorder): no libharu document, the drawing in ops. */
	struct recorder *rec;
};

/* A recorder's spool and chunks (pdf_record.c). */
struct recorder;

/* The recorder's ops: a byte, the page (relative to the chunk), then their arguments. */
enum { OP_PAGE = 'P', OP_TEXT = 'T', OP_LINE = 'L', OP_RECT = 'R' };

/*
 * How a character is drawn in style f: D_SKIP (not at all), D_WIN (*code its
 * WinAnsi byte), D_EXT (the fallback font has it) or D_BOX (drawn as □).
 */
enum drawn { D_SKIP, D_WIN, D_EXT, D_BOX };

/*
 * A stream object of the document: its bytes as they are (ST_PLAIN), deflated
 * by libharu (ST_DEFLATE), or deflated already (ST_DEFLATED).
 */
enum { ST_PLAIN, ST_DEFLATE, ST_DEFLATED };

/* pdf.c: errors, buffers, UTF-8, streams. */
void pdf_fail(struct pdf *, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int pdf_closed(struct pdf *);
void buf_add(struct buf *, const void *s, size_t n);
void buf_str(struct buf *, const char *s);
void buf_chr(struct buf *, char c);
void buf_hex(struct buf *, unsigned v, int digits);
void buf_utf16(struct buf *, uint32_t c);
uint32_t utf8_next(const unsigned char *s, size_t len, size_t *i);
void utf8_put(struct buf *, uint32_t c);
HPDF_Dict stream_new(struct pdf *, const void *data, size_t len, int z);

/* pdf_font.c: the fonts of a fontdir, and of a document. */
struct fontset *fontset_load(const char *dir, char *err, size_t errlen);
enum drawn drawn_as(const struct fontset *, int f, uint32_t c, unsigned *code);
int font_ok(int f);
HPDF_Font font_get(struct pdf *, int kind, int f);
void fonts_finish(struct pdf *);

/* pdf_record.c: the recorder's side of pdf_add_page, pdf_text ... and pdf_flush. */
void rec_op(struct pdf *, char op, size_t page, const float *a, size_t na, const char *s,
    size_t len);
int rec_flush(struct pdf *);
void rec_free(struct recorder *);

/* pdf_meta.c: the metadata, checked and copied at the start, written at the end. */
int meta_date_ok(const char *s);
int meta_id(const struct pdf_meta *, unsigned char id[16]);
void meta_copy(struct pdf *, const struct pdf_meta *);
void meta_free(struct pdf *);
int icc_check(const unsigned char *d, size_t size, struct fontset *);
void meta_finish(struct pdf *);

#endif
