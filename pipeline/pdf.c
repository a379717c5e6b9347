/*
 * pdf.c -- PDF/A-1b documents: pages, UTF-8 text in any language, lines,
 * metadata, deterministic bytes (see pdf.h for the interface), made with
 * libharu (libhpdf 2.3.0, Debian's libhpdf-dev).
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
 * used are left out).  This file decides what is drawn with which font and
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
 *  - XMP, /Info, the output intent and the trailer /ID are made here, in
 *    step with each other; dates come from the metadata, ids from a hash of
 *    id_seed, subset tags from a hash of the document id and the font, so
 *    the same input gives the same bytes.
 *
 * Not thread-safe: the font cache is process-wide.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <zlib.h>

#include <hpdf.h>
#include <hpdf_font.h>
#include <hpdf_fontdef.h>
#include <hpdf_objects.h>
#include <hpdf_pages.h>
#include <hpdf_streams.h>

#include "pdf.h"
#include "xmalloc.h"

#define PDF_PRODUCER   "expediera"
#define FONT_MAX_SIZE  (8u << 20)    /* a font file larger than this is refused */
#define ICC_MAX_SIZE   (1u << 20)
#define COORD_MAX      1.0e6         /* coordinates and sizes beyond this are refused */
#define TEXT_MAX       60000u        /* bytes of one pdf_text call (libharu's strings stop at 65535) */
#define META_MAX       2000          /* bytes of one metadata string */
/*
 * PDF 1.4's limits, which PDF/A-1 makes binding (ISO 19005-1 6.1.12): at
 * most 8,388,607 indirect objects and 8,191 elements in an array.  A page
 * tree wider than ARRAY_MAX gets leaves of TREE_LEAF pages.
 */
#define MAX_PAGES      2000000u
#define ARRAY_MAX      8191u
#define TREE_LEAF      1024u
#define BOX_CHAR       0x25A1        /* □, drawn for characters no font has */

/* What fontdir holds; the same names as in fonts/fonts.mk. */
enum { K_WIN, K_EXT };
static const char *const font_file[2][PDF__FONTS] = {
	{"LiberationSans-Regular-winansi.ttf", "LiberationSans-Bold-winansi.ttf",
	    "LiberationSans-Italic-winansi.ttf"},
	{"LiberationSans-Regular-ext.ttf", "LiberationSans-Bold-ext.ttf",
	    "LiberationSans-Italic-ext.ttf"},
};
/*
 * The output intent's profile.  Every page is black text and lines in
 * DeviceGray, so a grey profile serves (PDF/A-1 takes any output intent
 * for DeviceGray, ISO 19005-1 6.2.3.3): 420 bytes where sRGB takes 6,922.
 */
static const char icc_file[] = "Gray.icc";

/*
 * WinAnsiEncoding's codes 0x80-0x9F (PDF 32000-1:2008 annex D); the rest of
 * the repertoire is 0x20-0x7E and 0xA0-0xFF, the same as Unicode.
 */
static const uint16_t winansi_high[32] = {
	0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
	0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
};

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

static struct fontset *fontsets;

/* A growing byte buffer. */
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

/*
 * A recorded document: what each page draws, as ops in a buffer until
 * pdf_flush, then deflated into a spool file as one chunk (one försändelse
 * of a print run), to be drawn again by pdf_replay into the volume it goes
 * in.  Memory holds one chunk's ops and an index entry per chunk.
 */
struct chunk {
	long off;             /* in the spool */
	unsigned long zlen, rawlen;
	size_t first, npages;
};

struct recorder {
	FILE *spool;
	struct buf ops;       /* the unflushed pages' ops */
	struct chunk *v;
	size_t n, cap;
};

/* The ops: a byte, the page (relative to the chunk), then their arguments. */
enum { OP_PAGE = 'P', OP_TEXT = 'T', OP_LINE = 'L', OP_RECT = 'R' };

/* ---- errors ---- */

static void
pdf_fail(struct pdf *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
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

static void
buf_add(struct buf *b, const void *s, size_t n)
{
	buf_grow(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

static void
buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void
buf_chr(struct buf *b, char c)
{
	buf_grow(b, 1);
	b->p[b->len++] = c;
}

static void
buf_hex16(struct buf *b, unsigned v)
{
	static const char hex[] = "0123456789ABCDEF";
	char s[4];

	s[0] = hex[(v >> 12) & 15];
	s[1] = hex[(v >> 8) & 15];
	s[2] = hex[(v >> 4) & 15];
	s[3] = hex[v & 15];
	buf_add(b, s, 4);
}

/* c in UTF-16BE as hex: a surrogate pair beyond the BMP. */
static void
buf_utf16(struct buf *b, uint32_t c)
{
	if (c >= 0x10000) {
		c -= 0x10000;
		buf_hex16(b, 0xD800 + (c >> 10));
		buf_hex16(b, 0xDC00 + (c & 0x3FF));
	} else
		buf_hex16(b, c);
}

/* ---- UTF-8 ---- */

/* The next character of s[*i..len); bad bytes come out as U+FFFD, one each. */
static uint32_t
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

static void
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

/*
 * How a character is drawn: CH_SKIP (controls and invisible format
 * characters, soft hyphen included: the layout engine puts a real hyphen
 * where it breaks), CH_WIN with *code its WinAnsi byte, or CH_EXT.
 */
enum chclass { CH_SKIP, CH_WIN, CH_EXT };

static enum chclass
classify(uint32_t c, unsigned *code)
{
	unsigned i;

	if (c == '\t')
		c = ' ';
	if ((c >= 0x20 && c <= 0x7E) || (c >= 0xA0 && c <= 0xFF && c != 0xAD)) {
		*code = c;
		return CH_WIN;
	}
	if (c < 0xA0 || c == 0xAD || (c >= 0x200B && c <= 0x200F) ||
	    (c >= 0x2028 && c <= 0x202E) || (c >= 0x2060 && c <= 0x2064) ||
	    (c >= 0xFE00 && c <= 0xFE0F) || c == 0xFEFF)
		return CH_SKIP;
	if (c >= 0x0152 && c <= 0x2122)
		for (i = 0; i < 32; i++)
			if (winansi_high[i] == c) {
				*code = 0x80 + i;
				return CH_WIN;
			}
	return CH_EXT;
}

/* The Unicode text of a WinAnsi code, for ToUnicode. */
static uint32_t
winansi_unicode(unsigned code)
{
	if (code >= 0x80 && code < 0xA0)
		return winansi_high[code - 0x80];
	return code;
}

/* ---- fonts, once per process ---- */

static uint32_t
rd32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int
file_read(const char *path, size_t max, unsigned char **data, size_t *size, char *err,
    size_t errlen)
{
	FILE *f;
	long n;

	if ((f = fopen(path, "rb")) == NULL) {
		snprintf(err, errlen, "kan inte öppna %s: %s", path, strerror(errno));
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		snprintf(err, errlen, "kan inte läsa %s: %s", path, strerror(errno));
		fclose(f);
		return -1;
	}
	if ((unsigned long)n > max || n < 12) {
		snprintf(err, errlen, "%s: orimlig storlek (%ld byte)", path, n);
		fclose(f);
		return -1;
	}
	*size = (size_t)n;
	*data = xmalloc(*size);
	if (fread(*data, 1, *size, f) != *size) {
		snprintf(err, errlen, "kan inte läsa %s", path);
		free(*data);
		*data = NULL;
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

/* libharu's definition of a font file, from bytes in memory. */
static HPDF_FontDef
fontdef_load(HPDF_Doc doc, const unsigned char *data, size_t len, int embedding)
{
	HPDF_Stream s;

	if ((s = HPDF_MemStream_New(doc->mmgr, (HPDF_UINT)len)) == NULL)
		return NULL;
	if (HPDF_Stream_Write(s, data, (HPDF_UINT)len) != HPDF_OK) {
		HPDF_Stream_Free(s);
		return NULL;
	}
	/* the definition owns the stream from here on, also when it fails */
	return HPDF_TTFontDef_Load(doc->mmgr, s, embedding ? HPDF_TRUE : HPDF_FALSE);
}

/* Glyph of character c in a font, 0 when it has none. */
static unsigned
def_gid(HPDF_FontDef def, uint32_t c)
{
	HPDF_TTFontDefAttr a = (HPDF_TTFontDefAttr)def->attr;
	unsigned g;

	if (c > 0xFFFF)
		return 0;
	g = HPDF_TTFontDef_GetGlyphid(def, (HPDF_UINT16)c);
	return g < a->num_glyphs ? g : 0;
}

static void
fontset_free(struct fontset *fs)
{
	int k, f;

	for (k = 0; k < 2; k++)
		for (f = 0; f < PDF__FONTS; f++) {
			if (fs->mdef[k][f] != NULL)
				HPDF_FontDef_Free(fs->mdef[k][f]);
			free(fs->ttf[k][f]);
		}
	if (fs->mdoc != NULL)
		HPDF_Free(fs->mdoc);
	free(fs->icc_z);
	free(fs->dir);
	free(fs);
}

/*
 * What PDF/A-1 takes as an output intent's profile (ISO 19005-1 6.2.2):
 * ICC version 2 (PDF 1.4), a monitor or printer profile; its colour space
 * gives /N.  The 'desc' tag's ASCII text, kept to safe characters, names
 * the output condition.
 */
static int
icc_check(const unsigned char *d, size_t size, struct fontset *fs)
{
	uint32_t ntag, i, off, len, count, k;
	size_t n = 0;

	if (size < 132 || size > ICC_MAX_SIZE || memcmp(d + 36, "acsp", 4) != 0 ||
	    rd32(d) != size || d[8] > 2 ||
	    (memcmp(d + 12, "mntr", 4) != 0 && memcmp(d + 12, "prtr", 4) != 0))
		return -1;
	if (memcmp(d + 16, "GRAY", 4) == 0)
		fs->icc_n = 1;
	else if (memcmp(d + 16, "RGB ", 4) == 0)
		fs->icc_n = 3;
	else if (memcmp(d + 16, "CMYK", 4) == 0)
		fs->icc_n = 4;
	else
		return -1;
	ntag = rd32(d + 128);
	if (ntag > (size - 132) / 12)
		return -1;
	for (i = 0; i < ntag && n == 0; i++) {
		off = rd32(d + 132 + 12 * i + 4);
		len = rd32(d + 132 + 12 * i + 8);
		if (memcmp(d + 132 + 12 * i, "desc", 4) != 0 || off > size ||
		    len > size - off || len < 12 || memcmp(d + off, "desc", 4) != 0)
			continue;
		count = rd32(d + off + 8);
		for (k = 0; k < count && k < len - 12 && n < sizeof(fs->icc_desc) - 1; k++) {
			unsigned char c = d[off + 12 + k];

			if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			    (c >= '0' && c <= '9') || c == ' ' || c == '-' || c == '.')
				fs->icc_desc[n++] = (char)c;
			else if (c == '\0')
				break;
		}
	}
	fs->icc_desc[n] = '\0';
	if (n == 0)
		snprintf(fs->icc_desc, sizeof(fs->icc_desc), "Custom");
	return 0;
}

/* A handler for the measuring document, which has no struct pdf. */
static void
haru_quiet(HPDF_STATUS no, HPDF_STATUS detail, void *arg)
{
	(void)no;
	(void)detail;
	(void)arg;
}

static struct fontset *
fontset_load(const char *dir, char *err, size_t errlen)
{
	struct fontset *fs;
	unsigned char *icc;
	size_t icclen;
	char *path;
	unsigned code, g, g2;
	uint32_t c;
	uLong zlen;
	int f, k, rc;

	for (fs = fontsets; fs != NULL; fs = fs->next)
		if (strcmp(fs->dir, dir) == 0)
			return fs;
	fs = xcalloc(1, sizeof(*fs));
	fs->dir = xstrdup(dir);
	if ((fs->mdoc = HPDF_New(haru_quiet, NULL)) == NULL) {
		snprintf(err, errlen, "PDF-biblioteket libharu kan inte starta");
		goto fail;
	}
	for (k = 0; k < 2; k++)
		for (f = 0; f < PDF__FONTS; f++) {
			path = xasprintf("%s/%s", dir, font_file[k][f]);
			rc = file_read(path, FONT_MAX_SIZE, &fs->ttf[k][f], &fs->ttflen[k][f], err,
			    errlen);
			if (rc == 0 && (fs->mdef[k][f] = fontdef_load(fs->mdoc, fs->ttf[k][f],
			    fs->ttflen[k][f], 0)) == NULL) {
				snprintf(err, errlen, "%s: trasig TrueType-fil (libharu kan inte läsa den)",
				    path);
				rc = -1;
			}
			free(path);
			if (rc == -1)
				goto fail;
		}
	for (f = 0; f < PDF__FONTS; f++) {
		HPDF_FontDef win = fs->mdef[K_WIN][f], ext = fs->mdef[K_EXT][f];

		for (code = 0x20; code < 256; code++) {
			if (code == 0x7F || (code >= 0x80 && code < 0xA0 &&
			    winansi_high[code - 0x80] == 0))
				continue;
			c = winansi_unicode(code);
			if ((g = def_gid(win, c)) == 0) {
				snprintf(err, errlen, "%s/%s saknar tecknet U+%04X", dir,
				    font_file[K_WIN][f], (unsigned)c);
				goto fail;
			}
			fs->win_w[f][code] = (uint16_t)HPDF_TTFontDef_GetGidWidth(win, (HPDF_UINT16)g);
		}
		/*
		 * Some readers look 0xA0 up as "space" (annex D's name for it),
		 * others as U+00A0: the two glyphs must be equally wide.
		 */
		g = def_gid(win, 0x20);
		g2 = def_gid(win, 0xA0);
		if (HPDF_TTFontDef_GetGidWidth(win, (HPDF_UINT16)g) !=
		    HPDF_TTFontDef_GetGidWidth(win, (HPDF_UINT16)g2)) {
			snprintf(err, errlen, "%s/%s: U+0020 och U+00A0 har olika bredd", dir,
			    font_file[K_WIN][f]);
			goto fail;
		}
		if ((g = def_gid(ext, BOX_CHAR)) == 0) {
			snprintf(err, errlen, "%s/%s saknar tecknet U+%04X", dir, font_file[K_EXT][f],
			    BOX_CHAR);
			goto fail;
		}
		fs->box_w[f] = (uint16_t)HPDF_TTFontDef_GetGidWidth(ext, (HPDF_UINT16)g);
		fs->ascent[f] = (float)win->ascent;
		fs->descent[f] = (float)-win->descent;
	}

	path = xasprintf("%s/%s", dir, icc_file);
	rc = file_read(path, ICC_MAX_SIZE, &icc, &icclen, err, errlen);
	free(path);
	if (rc == -1)
		goto fail;
	if (icc_check(icc, icclen, fs) == -1) {
		snprintf(err, errlen, "%s/%s är ingen ICC-profil av version 2 för en bildskärm eller "
		    "skrivare i gråskala, RGB eller CMYK", dir, icc_file);
		free(icc);
		goto fail;
	}
	/* once per process, so the best compression */
	zlen = compressBound((uLong)icclen);
	fs->icc_z = xmalloc(zlen);
	rc = compress2(fs->icc_z, &zlen, icc, (uLong)icclen, Z_BEST_COMPRESSION);
	free(icc);
	if (rc != Z_OK) {
		snprintf(err, errlen, "kan inte komprimera ICC-profilen (zlib)");
		goto fail;
	}
	fs->icc_zlen = zlen;

	fs->next = fontsets;
	fontsets = fs;
	return fs;
fail:
	fontset_free(fs);
	return NULL;
}

void
pdf_cleanup(void)
{
	struct fontset *fs;

	while ((fs = fontsets) != NULL) {
		fontsets = fs->next;
		fontset_free(fs);
	}
}

/* ---- documents ---- */

/*
 * A copy of s as valid UTF-8 without control characters, cut after
 * META_MAX bytes, or NULL.
 */
static char *
clean_text(const char *s)
{
	struct buf b = {0};
	size_t i = 0, n;
	uint32_t c;

	if (s == NULL)
		return NULL;
	n = strlen(s);
	while (i < n && b.len < META_MAX) {
		c = utf8_next((const unsigned char *)s, n, &i);
		if (c < 0x20 || (c >= 0x7F && c < 0xA0) || c == 0xFFFE || c == 0xFFFF)
			c = ' ';
		utf8_put(&b, c);
	}
	buf_chr(&b, '\0');
	return b.p;
}

static int
digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* "YYYY-MM-DDTHH:MM:SS", a real date and time. */
static int
date_ok(const char *s)
{
	static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, mo, d;

	if (strlen(s) != 19 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) ||
	    s[7] != '-' || !digits(s + 8, 2) || s[10] != 'T' || !digits(s + 11, 2) ||
	    s[13] != ':' || !digits(s + 14, 2) || s[16] != ':' || !digits(s + 17, 2))
		return 0;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	mo = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	if (y < 1900 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1])
		return 0;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return 0;
	return (s[11] - '0') * 10 + (s[12] - '0') < 24 && (s[14] - '0') * 10 + (s[15] - '0') < 60 &&
	    (s[17] - '0') * 10 + (s[18] - '0') < 60;
}

static int
make_id(const struct pdf_meta *m, unsigned char id[16])
{
	static const char domain[] = "expediera pdf id\n";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	EVP_MD_CTX *ctx;
	int ok;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(ctx, domain, sizeof(domain) - 1) == 1;
	if (ok && m->id_seed != NULL && m->id_seed_len > 0)
		ok = EVP_DigestUpdate(ctx, m->id_seed, m->id_seed_len) == 1;
	else if (ok) {
		/* No seed: the visible metadata is the best identity there is. */
		const char *f[3] = {m->title, m->author, m->date};
		int i;

		for (i = 0; i < 3 && ok; i++)
			ok = f[i] == NULL ? EVP_DigestUpdate(ctx, "", 1) == 1 :
			    EVP_DigestUpdate(ctx, f[i], strlen(f[i]) + 1) == 1;
	}
	ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen >= 16;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return -1;
	memcpy(id, md, 16);
	id[6] = (unsigned char)((id[6] & 0x0F) | 0x50);   /* a name-based UUID */
	id[8] = (unsigned char)((id[8] & 0x3F) | 0x80);
	return 0;
}


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
	if (meta->date != NULL && !date_ok(meta->date)) {
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
	if (make_id(meta, p->id) == -1) {
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
	p->title = clean_text(meta->title);
	p->author = clean_text(meta->author);
	p->subject = clean_text(meta->subject);
	p->keywords = clean_text(meta->keywords);
	p->language = clean_text(meta->language);
	if (meta->date != NULL)
		memcpy(p->date, meta->date, 20);
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
	if (p->rec != NULL) {
		if (p->rec->spool != NULL)
			fclose(p->rec->spool);
		free(p->rec->ops.p);
		free(p->rec->v);
		free(p->rec);
	}
	if (p->doc != NULL)
		HPDF_Free(p->doc);
	free(p->title);
	free(p->author);
	free(p->subject);
	free(p->keywords);
	free(p->language);
	free(p->file);
	free(p);
}

const char *
pdf_error(const struct pdf *p)
{
	return p->failed ? p->err : NULL;
}

/* 0 when the document may still be drawn on. */
static int
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

/* ---- recorded documents ---- */

/* Appends one op of the page at absolute index page to the recorder. */
static void
rec_op(struct pdf *p, char op, size_t page, const float *a, size_t na, const char *s,
    size_t len)
{
	struct recorder *r = p->rec;
	uint32_t rel = (uint32_t)(page - p->flushed), l = (uint32_t)len;

	buf_chr(&r->ops, op);
	buf_add(&r->ops, &rel, sizeof(rel));
	if (na > 0)
		buf_add(&r->ops, a, na * sizeof(*a));
	if (op == OP_TEXT) {
		buf_add(&r->ops, &l, sizeof(l));
		buf_add(&r->ops, s, len);
	}
}

/* Seals the pages drawn since the last flush as one chunk in the spool. */
static int
rec_flush(struct pdf *p)
{
	struct recorder *r = p->rec;
	struct chunk *c;
	uLongf zlen;
	unsigned char *z;
	size_t i;

	if (p->failed)
		return -1;
	if (p->npages == p->flushed)
		return 0;
	zlen = compressBound(r->ops.len);
	z = xmalloc(zlen);
	if (compress2(z, &zlen, (const Bytef *)r->ops.p, r->ops.len, 1) != Z_OK) {
		free(z);
		pdf_fail(p, "kan inte packa sidorna (zlib)");
		return -1;
	}
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 256;
		r->v = xreallocarray(r->v, r->cap, sizeof(*r->v));
	}
	c = &r->v[r->n];
	if (fseek(r->spool, 0, SEEK_END) == -1 || (c->off = ftell(r->spool)) == -1 ||
	    fwrite(z, 1, zlen, r->spool) != zlen) {
		free(z);
		pdf_fail(p, "kan inte skriva den tillfälliga filen: %s", strerror(errno));
		return -1;
	}
	free(z);
	c->zlen = zlen;
	c->rawlen = r->ops.len;
	c->first = p->flushed;
	c->npages = p->npages - p->flushed;
	r->n++;
	r->ops.len = 0;
	/* Nothing draws on them again: only their number stays. */
	for (i = p->flushed; i < p->npages; i++) {
		free(p->pages[i]);
		p->pages[i] = NULL;
	}
	p->flushed = p->npages;
	return 0;
}

struct pdf *
pdf_new_recorder(const char *fontdir, char *err, size_t errlen)
{
	struct pdf *p = xcalloc(1, sizeof(*p));

	if ((p->fs = fontset_load(fontdir ? fontdir : ".", err, errlen)) == NULL) {
		free(p);
		return NULL;
	}
	p->rec = xcalloc(1, sizeof(*p->rec));
	if ((p->rec->spool = tmpfile()) == NULL) {
		snprintf(err, errlen, "kan inte skapa en tillfällig fil: %s", strerror(errno));
		pdf_free(p);
		return NULL;
	}
	return p;
}

/* Reads n bytes at *pos of the ops, or fails. */
static int
rec_take(const unsigned char *ops, size_t len, size_t *pos, void *out, size_t n)
{
	if (len - *pos < n)
		return -1;
	memcpy(out, ops + *pos, n);
	*pos += n;
	return 0;
}

/* Draws one chunk's ops onto new pages at the end of into. */
static int
rec_replay_chunk(const unsigned char *ops, size_t len, size_t npages, struct pdf *into)
{
	struct pdf_page **pg = xcalloc(npages > 0 ? npages : 1, sizeof(*pg));
	size_t pos = 0, made = 0;
	int rc = 0;

	while (pos < len && rc == 0 && !into->failed) {
		unsigned char op = ops[pos++];
		uint32_t rel, l;
		float a[5];

		if (rec_take(ops, len, &pos, &rel, sizeof(rel)) == -1 ||
		    (op != OP_PAGE && rel >= made)) {
			rc = -1;
			break;
		}
		switch (op) {
		case OP_PAGE:
			if (made == npages) {
				rc = -1;
				break;
			}
			pg[made++] = pdf_add_page(into);
			break;
		case OP_TEXT:
			if (rec_take(ops, len, &pos, a, 4 * sizeof(float)) == -1 ||
			    rec_take(ops, len, &pos, &l, sizeof(l)) == -1 || len - pos < l) {
				rc = -1;
				break;
			}
			pdf_text(pg[rel], (enum pdf_font)(int)a[0], a[1], a[2], a[3],
			    (const char *)ops + pos, l);
			pos += l;
			break;
		case OP_LINE:
		case OP_RECT:
			if (rec_take(ops, len, &pos, a, 5 * sizeof(float)) == -1) {
				rc = -1;
				break;
			}
			if (op == OP_LINE)
				pdf_line(pg[rel], a[0], a[1], a[2], a[3], a[4]);
			else
				pdf_rect(pg[rel], a[0], a[1], a[2], a[3], a[4]);
			break;
		default:
			rc = -1;
			break;
		}
	}
	free(pg);
	if (rc == 0 && made != npages)
		rc = -1;
	return rc;
}

int
pdf_replay(struct pdf *p, size_t first, size_t n, struct pdf *into)
{
	struct recorder *r = p->rec;
	size_t lo = 0, hi, done = 0;
	unsigned char *z = NULL, *raw = NULL;
	int rc = -1;

	if (r == NULL || into->rec != NULL) {
		pdf_fail(into, "pdf_replay: inget inspelat dokument");
		return -1;
	}
	if (pdf_closed(into) == -1)
		return -1;
	/* The chunk that begins at first: chunks are in page order. */
	hi = r->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->v[mid].first < first)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; done < n; lo++) {
		const struct chunk *c = &r->v[lo];
		uLongf rawlen;

		if (lo >= r->n || c->first != first + done || c->npages > n - done)
			goto bad;
		z = xreallocarray(z, c->zlen > 0 ? c->zlen : 1, 1);
		raw = xreallocarray(raw, c->rawlen > 0 ? c->rawlen : 1, 1);
		rawlen = c->rawlen;
		if (fseek(r->spool, c->off, SEEK_SET) == -1 ||
		    fread(z, 1, c->zlen, r->spool) != c->zlen ||
		    uncompress(raw, &rawlen, z, c->zlen) != Z_OK || rawlen != c->rawlen ||
		    rec_replay_chunk(raw, c->rawlen, c->npages, into) == -1)
			goto bad;
		done += c->npages;
	}
	rc = into->failed ? -1 : 0;
	goto out;
bad:
	if (!into->failed)
		pdf_fail(into, "de inspelade sidorna %zu–%zu kunde inte läsas tillbaka", first + 1,
		    first + n);
out:
	free(z);
	free(raw);
	return rc;
}

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

/* ---- measuring ---- */

/*
 * How a character is drawn in style f: CH_SKIP, CH_WIN (*code its
 * WinAnsi byte), CH_EXT (the fallback font has it) or CH_BOX (drawn as □).
 */
enum drawn { D_SKIP, D_WIN, D_EXT, D_BOX };

static enum drawn
drawn_as(const struct fontset *fs, int f, uint32_t c, unsigned *code)
{
	switch (classify(c, code)) {
	case CH_SKIP:
		return D_SKIP;
	case CH_WIN:
		return D_WIN;
	default:
		return def_gid(fs->mdef[K_EXT][f], c) != 0 ? D_EXT : D_BOX;
	}
}

/* Width in 1/1000 em of one character in style f, as libharu writes it. */
static unsigned
char_width(const struct fontset *fs, int f, uint32_t c)
{
	unsigned code;

	switch (drawn_as(fs, f, c, &code)) {
	case D_SKIP:
		return 0;
	case D_WIN:
		return fs->win_w[f][code];
	case D_EXT:
		return (unsigned)HPDF_TTFontDef_GetGidWidth(fs->mdef[K_EXT][f],
		    (HPDF_UINT16)def_gid(fs->mdef[K_EXT][f], c));
	default:
		return fs->box_w[f];
	}
}

static int
font_ok(int f)
{
	return f >= 0 && f < PDF__FONTS;
}

float
pdf_text_width(struct pdf *p, enum pdf_font f, float size, const char *s, size_t len)
{
	unsigned long sum = 0;
	size_t i = 0;

	if (!font_ok((int)f) || s == NULL || !(size > 0 && size < COORD_MAX))
		return 0;
	while (i < len) {
		if ((unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7F) {
			/* the common case, without the decoder */
			sum += p->fs->win_w[f][(unsigned char)s[i]];
			i++;
		} else
			sum += char_width(p->fs, (int)f,
			    utf8_next((const unsigned char *)s, len, &i));
	}
	return (float)((double)sum * size / 1000.0);
}

/* 1 when every character of s has a glyph of its own (none drawn as □). */
int
pdf_can_draw(struct pdf *p, const char *s, size_t len)
{
	unsigned code;
	size_t i = 0;

	while (i < len)
		if (drawn_as(p->fs, PDF_REGULAR, utf8_next((const unsigned char *)s, len, &i),
		    &code) == D_BOX)
			return 0;
	return 1;
}

enum pdf_char
pdf_char_class(struct pdf *p, enum pdf_font f, uint32_t c)
{
	unsigned code;

	if (!font_ok((int)f))
		f = PDF_REGULAR;
	switch (drawn_as(p->fs, (int)f, c, &code)) {
	case D_SKIP:
		/* The same set classify() leaves out, split by why. */
		return c < 0x20 || (c >= 0x7F && c < 0xA0) ? PDF_CHAR_CONTROL :
							       PDF_CHAR_INVISIBLE;
	case D_BOX:
		return PDF_CHAR_BOX;
	default:
		return PDF_CHAR_GLYPH;
	}
}

int
pdf_find_unprintable(struct pdf *p, enum pdf_font f, const char *s, size_t len, uint32_t *c,
    enum pdf_char *cls)
{
	enum pdf_char k;
	size_t i = 0;
	uint32_t u;

	while (i < len) {
		u = utf8_next((const unsigned char *)s, len, &i);
		k = pdf_char_class(p, f, u);
		if (k == PDF_CHAR_CONTROL || k == PDF_CHAR_BOX) {
			*c = u;
			*cls = k;
			return 1;
		}
	}
	return 0;
}

float
pdf_ascent(struct pdf *p, enum pdf_font f, float size)
{
	if (!font_ok((int)f))
		return 0;
	return p->fs->ascent[f] * size / 1000.0f;
}

float
pdf_descent(struct pdf *p, enum pdf_font f, float size)
{
	if (!font_ok((int)f))
		return 0;
	return p->fs->descent[f] * size / 1000.0f;
}

/* ---- drawing ---- */

static int
coord_ok(double v)
{
	return v > -COORD_MAX && v < COORD_MAX;
}

/* Six capital letters from the document's id and the font: a subset's tag. */
static void
subset_tag(char tag[7], const unsigned char id[16], int kind, int f)
{
	uint64_t h = 1469598103934665603ull;
	size_t i;

	h = (h ^ (uint64_t)(kind * 8 + f)) * 1099511628211ull;
	for (i = 0; i < 16; i++)
		h = (h ^ id[i]) * 1099511628211ull;
	for (i = 0; i < 6; i++, h /= 26)
		tag[i] = (char)('A' + h % 26);
	tag[6] = '\0';
}

/*
 * The document's font of a kind and style, loaded on first use from the
 * cached bytes.  Not HPDF_LoadTTFontFromFile: it reads the file again for
 * every document, names subsets HPDFAA, HPDFAB ... in the order fonts are
 * loaded, and refuses a second font with the same PostScript name (the
 * WinAnsi and the fallback cut of a style share one).  Here each gets a
 * lookup name of its own and a tag from the document's id.
 */
static HPDF_Font
font_get(struct pdf *p, int kind, int f)
{
	HPDF_TTFontDefAttr attr;
	HPDF_FontDef def;
	char tag[7], name[32], *comma;

	if (p->font[kind][f] != NULL)
		return p->font[kind][f];
	def = fontdef_load(p->doc, p->fs->ttf[kind][f], p->fs->ttflen[kind][f], 1);
	if (def == NULL) {
		pdf_fail(p, "kan inte läsa in typsnittet %s (libharu)", font_file[kind][f]);
		return NULL;
	}
	subset_tag(tag, p->id, kind, f);
	HPDF_TTFontDef_SetTagName(def, tag);
	/*
	 * libharu appends ",Bold" or ",Italic" to the name of a bold or italic
	 * font; a subset's name is the tag and the PostScript name (ISO
	 * 32000-1 9.6.4), which readers check as such.
	 */
	attr = (HPDF_TTFontDefAttr)def->attr;
	if ((comma = strchr(attr->base_font, ',')) != NULL)
		*comma = '\0';
	snprintf(name, sizeof(name), "expediera-%s-%d", kind == K_WIN ? "win" : "ext", f);
	snprintf(def->base_font, sizeof(def->base_font), "%s", name);
	if (HPDF_Doc_RegisterFontDef(p->doc, def) != HPDF_OK) {
		HPDF_FontDef_Free(def);
		pdf_fail(p, "kan inte läsa in typsnittet %s (libharu)", font_file[kind][f]);
		return NULL;
	}
	p->def[kind][f] = def;
	p->font[kind][f] = HPDF_GetFont(p->doc, name, kind == K_WIN ? "WinAnsiEncoding" : "UTF-8");
	if (p->font[kind][f] == NULL)
		pdf_fail(p, "kan inte använda typsnittet %s (libharu)", font_file[kind][f]);
	return p->font[kind][f];
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

void
pdf_line(struct pdf_page *pg, float x0, float y0, float x1, float y1, float w)
{
	if (page_open(pg) == -1)
		return;
	if (!coord_ok(x0) || !coord_ok(y0) || !coord_ok(x1) || !coord_ok(y1) ||
	    !(w >= 0 && w < COORD_MAX)) {
		pdf_fail(pg->pdf, "pdf_line: ogiltiga koordinater");
		return;
	}
	if (pg->pdf->rec != NULL) {
		float a[5] = {x0, y0, x1, y1, w};

		rec_op(pg->pdf, OP_LINE, pg->index, a, 5, NULL, 0);
		return;
	}
	page_end_text(pg);
	HPDF_Page_SetLineWidth(pg->hp, w);
	HPDF_Page_MoveTo(pg->hp, x0, y0);
	HPDF_Page_LineTo(pg->hp, x1, y1);
	HPDF_Page_Stroke(pg->hp);
}

void
pdf_rect(struct pdf_page *pg, float x, float y, float w, float h, float lw)
{
	if (page_open(pg) == -1)
		return;
	if (!coord_ok(x) || !coord_ok(y) || !coord_ok(w) || !coord_ok(h) ||
	    !(lw >= 0 && lw < COORD_MAX)) {
		pdf_fail(pg->pdf, "pdf_rect: ogiltiga koordinater");
		return;
	}
	if (pg->pdf->rec != NULL) {
		float a[5] = {x, y, w, h, lw};

		rec_op(pg->pdf, OP_RECT, pg->index, a, 5, NULL, 0);
		return;
	}
	page_end_text(pg);
	HPDF_Page_SetLineWidth(pg->hp, lw);
	HPDF_Page_Rectangle(pg->hp, x, y, w, h);
	HPDF_Page_Stroke(pg->hp);
}

/* ---- fonts, at the end ---- */

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

enum { ST_PLAIN, ST_DEFLATE, ST_DEFLATED };

/*
 * A stream object of the document: its bytes as they are (ST_PLAIN), deflated
 * by libharu (ST_DEFLATE), or deflated already (ST_DEFLATED).
 */
static HPDF_Dict
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

static const char cmap_head[] =
    "/CIDInit /ProcSet findresource begin\n"
    "12 dict begin\n"
    "begincmap\n"
    "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
    "/CMapName /Adobe-Identity-UCS def\n"
    "/CMapType 2 def\n"
    "1 begincodespacerange\n";
static const char cmap_tail[] =
    "endcmap\n"
    "CMapName currentdict /CMap defineresource pop\n"
    "end\n"
    "end\n";

/*
 * A ToUnicode CMap into b: code codes[i] (bytes wide) is character
 * chars[i].
 */
static void
tounicode(struct buf *b, int bytes, const unsigned *codes, const uint32_t *chars, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t i, k, end;
	char num[24];

	buf_str(b, cmap_head);
	buf_str(b, bytes == 1 ? "<00> <FF>\n" : "<0000> <FFFF>\n");
	buf_str(b, "endcodespacerange\n");
	for (i = 0; i < n;) {
		/* at most 100 lines a block */
		k = n - i < 100 ? n - i : 100;
		snprintf(num, sizeof(num), "%zu", k);
		buf_str(b, num);
		buf_str(b, " beginbfchar\n");
		for (end = i + k; i < end; i++) {
			buf_chr(b, '<');
			if (bytes == 1) {
				buf_chr(b, hex[codes[i] >> 4]);
				buf_chr(b, hex[codes[i] & 15]);
			} else
				buf_hex16(b, codes[i]);
			buf_str(b, "> <");
			buf_utf16(b, chars[i]);
			buf_str(b, ">\n");
		}
		buf_str(b, "endbfchar\n");
	}
	buf_str(b, cmap_tail);
}

/* Big-endian 16 bits at d[o]; 0 past the end of a font of len bytes. */
static unsigned
be16(const unsigned char *d, size_t len, size_t o)
{
	return o + 2 <= len ? (unsigned)d[o] << 8 | d[o + 1] : 0;
}

/* The same, 32 bits. */
static size_t
be32(const unsigned char *d, size_t len, size_t o)
{
	return o + 4 <= len ? (size_t)be16(d, len, o) << 16 | be16(d, len, o + 2) : 0;
}

/* Offset and length of table tag in a TrueType font; -1 when it has none. */
static int
ttf_table(const unsigned char *d, size_t len, const char *tag, size_t *off, size_t *tlen)
{
	unsigned i, n = be16(d, len, 4);

	for (i = 0; i < n; i++) {
		size_t e = 12 + 16 * (size_t)i;

		if (e + 16 <= len && memcmp(d + e, tag, 4) == 0) {
			*off = be32(d, len, e + 8);
			*tlen = be32(d, len, e + 12);
			if (*off > len || *tlen > len - *off)
				return -1;
			return 0;
		}
	}
	return -1;
}

/*
 * Marks in used the glyphs that the composite glyphs marked there are built
 * from (again for composites of composites, to a depth of 8).
 */
static void
ttf_components(const unsigned char *d, size_t len, unsigned char *used, unsigned ng)
{
	size_t loca, localen, glyf, glyflen, head, headlen, o, a, b;
	unsigned g, flags, c, pass, long_loca;

	if (ttf_table(d, len, "loca", &loca, &localen) == -1 ||
	    ttf_table(d, len, "glyf", &glyf, &glyflen) == -1 ||
	    ttf_table(d, len, "head", &head, &headlen) == -1 || headlen < 54)
		return;
	long_loca = be16(d, len, head + 50) != 0;
	for (pass = 0; pass < 8; pass++) {
		int more = 0;

		for (g = 0; g < ng; g++) {
			if (used[g] != 1)
				continue;
			used[g] = 2;                 /* looked at */
			a = long_loca ? be32(d, len, loca + 4 * (size_t)g) :
			    2 * (size_t)be16(d, len, loca + 2 * (size_t)g);
			b = long_loca ? be32(d, len, loca + 4 * (size_t)g + 4) :
			    2 * (size_t)be16(d, len, loca + 2 * (size_t)g + 2);
			if (b < a + 10 || b > glyflen || (be16(d, len, glyf + a) & 0x8000) == 0)
				continue;            /* empty or simple */
			o = glyf + a + 10;
			do {
				flags = be16(d, len, o);
				c = be16(d, len, o + 2);
				if (c < ng && used[c] == 0) {
					used[c] = 1;
					more = 1;
				}
				o += 4 + (flags & 1 ? 4 : 2);
				o += flags & 8 ? 2 : flags & 0x40 ? 4 : flags & 0x80 ? 8 : 0;
			} while ((flags & 0x20) && o < glyf + b);
		}
		if (!more)
			break;
	}
}

/*
 * The horizontal metrics of the glyphs no page of this document uses, set
 * to zero in the font program libharu embeds.  libharu 2.3.0 leaves those
 * glyphs' outlines out but copies 'hmtx' whole, four bytes a glyph of the
 * font: about 400 bytes of every document's font stream, compressed, that
 * no reader looks at.  Done here in the document's own copy of the font
 * (libharu reads the table from that stream when it saves), keeping the
 * metrics of every glyph drawn, of the glyphs composites are built from,
 * of .notdef and of the last long metric (its advance serves the glyphs
 * after it).  Layout and /Widths use the metrics libharu parsed at load.
 */
static void
font_hmtx(struct pdf *p, int kind, int f)
{
	HPDF_TTFontDefAttr attr = (HPDF_TTFontDefAttr)p->def[kind][f]->attr;
	const unsigned char *d = p->fs->ttf[kind][f];
	size_t len = p->fs->ttflen[kind][f], off, tlen, o;
	unsigned ng = attr->num_glyphs, nh = attr->num_h_metric, g;
	unsigned char *used, *h;

	if (attr->glyph_tbl.flgs == NULL || nh == 0 || nh > ng ||
	    ttf_table(d, len, "hmtx", &off, &tlen) == -1 || tlen < 4 * (size_t)nh)
		return;
	used = xcalloc(ng, 1);
	for (g = 0; g < ng; g++)
		used[g] = attr->glyph_tbl.flgs[g] != 0;
	used[0] = 1;
	ttf_components(d, len, used, ng);
	h = xmalloc(tlen);
	memcpy(h, d + off, tlen);
	for (g = 0; g < ng; g++) {
		if (used[g] || g == nh - 1)
			continue;
		o = g < nh ? 4 * (size_t)g : 4 * (size_t)nh + 2 * (size_t)(g - nh);
		if (o + (g < nh ? 4 : 2) <= tlen)
			memset(h + o, 0, g < nh ? 4 : 2);
	}
	if (HPDF_Stream_Seek(attr->stream, (HPDF_INT)off, HPDF_SEEK_SET) != HPDF_OK ||
	    HPDF_MemStream_Rewrite(attr->stream, h, (HPDF_UINT)tlen) != HPDF_OK)
		pdf_fail(p, "kan inte skriva typsnittet %s (libharu)", font_file[kind][f]);
	free(h);
	free(used);
}

/*
 * /Widths of a simple font, written in place of libharu's (its write
 * function for TrueType fonts, hpdf_font_tt.c OnWrite): from /FirstChar
 * to /LastChar as the dictionary holds them, which font_simple() narrows
 * to the codes drawn.  libharu writes all 224 codes of WinAnsiEncoding.
 */
static HPDF_STATUS
font_simple_write(HPDF_Dict obj, HPDF_Stream stream)
{
	HPDF_FontAttr attr = (HPDF_FontAttr)obj->attr;
	HPDF_Number first = HPDF_Dict_GetItem(obj, "FirstChar", HPDF_OCLASS_NUMBER);
	HPDF_Number last = HPDF_Dict_GetItem(obj, "LastChar", HPDF_OCLASS_NUMBER);
	char num[16];
	HPDF_INT32 c;

	if (first == NULL || last == NULL || first->value < 0 || last->value > 255)
		return HPDF_INVALID_OBJECT;
	if (HPDF_Stream_WriteStr(stream, "/Widths [") != HPDF_OK)
		return HPDF_Error_GetCode(obj->error);
	for (c = first->value; c <= last->value; c++) {
		snprintf(num, sizeof(num), "%s%d", c > first->value ? " " : "",
		    (int)attr->widths[c]);
		if (HPDF_Stream_WriteStr(stream, num) != HPDF_OK)
			return HPDF_Error_GetCode(obj->error);
	}
	if (HPDF_Stream_WriteStr(stream, "]\012") != HPDF_OK)
		return HPDF_Error_GetCode(obj->error);
	return attr->encoder->write_fn(attr->encoder, stream);
}

/*
 * The simple font of style f.  /FirstChar and /LastChar narrowed to the
 * codes drawn, /Widths written for those (font_simple_write).  libharu
 * gives it no ToUnicode, and WinAnsiEncoding names 0xA0 "space": without
 * one a no-break space comes back as a space.  So when 0xA0 was drawn, a
 * ToUnicode of every code used.
 */
static void
font_simple(struct pdf *p, int f)
{
	const unsigned char *used = p->win_used[f];
	unsigned codes[256];
	uint32_t chars[256];
	struct buf b = {0};
	size_t n = 0;
	unsigned c;
	HPDF_Dict tu;

	for (c = 0; c < 256; c++)
		if (used[c / 8] & (1u << (c % 8))) {
			if (n++ == 0)
				HPDF_Dict_AddNumber(p->font[K_WIN][f], "FirstChar", (HPDF_INT32)c);
			HPDF_Dict_AddNumber(p->font[K_WIN][f], "LastChar", (HPDF_INT32)c);
		}
	if (n > 0)
		p->font[K_WIN][f]->write_fn = font_simple_write;
	n = 0;
	if (!(used[0xA0 / 8] & (1u << (0xA0 % 8))))
		return;
	for (c = 0; c < 256; c++)
		if (used[c / 8] & (1u << (c % 8))) {
			codes[n] = c;
			chars[n++] = winansi_unicode(c);
		}
	tounicode(&b, 1, codes, chars, n);
	if ((tu = stream_new(p, b.p, b.len, ST_DEFLATE)) != NULL)
		HPDF_Dict_Add(p->font[K_WIN][f], "ToUnicode", tu);
	free(b.p);
}

/*
 * The fallback (Type0) font of style f, mended where libharu 2.3.0 falls
 * short of PDF/A-1b and of readers:
 *  - /W and /CIDToGIDMap: libharu writes them for every character of the
 *    font (a 128 KB map and some 1,900 widths in every document) and
 *    leaves out the font's last character (it counts to max, not to max
 *    inclusive); here they cover the codes drawn.
 *  - ToUnicode: libharu's is a copy of its encoding CMap (cidrange), not
 *    a map to Unicode; here a bfchar for every code drawn (the codes are
 *    the characters, □ included: what it stands for is in /ActualText).
 *  - CIDSystemInfo /Ordering: libharu writes "Identity-H", the name of the
 *    encoding; Identity-H's is "Identity" (ISO 19005-1 6.3.3.1 wants them
 *    to agree).
 *  - The FontDescriptor: /CapHeight, which libharu's CID path leaves out,
 *    and /CIDSet, which PDF/A-1 wants for every CID font subset (6.3.5).
 * The descriptor is made by libharu's own before-write function, called
 * here ahead of the save (it makes it once), so it can be amended.
 */
static void
font_type0(struct pdf *p, int f)
{
	HPDF_Font font = p->font[K_EXT][f];
	HPDF_FontAttr attr = (HPDF_FontAttr)font->attr;
	HPDF_FontDef def = p->def[K_EXT][f];
	HPDF_Dict cid = attr->descendant_font, csi, desc, set;
	HPDF_MMgr mm = p->doc->mmgr;
	const unsigned char *used = p->ext_used[f];
	unsigned char *map, *bits;
	unsigned *codes;
	uint32_t *chars;
	HPDF_Array w = NULL, run = NULL;
	struct buf b = {0};
	size_t n = 0, last = 0, c, prev = 0;
	unsigned g;

	codes = xreallocarray(NULL, 65536, sizeof(*codes));
	chars = xreallocarray(NULL, 65536, sizeof(*chars));
	for (c = 0; c < 65536; c++)
		if (used[c / 8] & (1u << (c % 8))) {
			codes[n] = (unsigned)c;
			chars[n++] = (uint32_t)c;
			last = c;
		}
	/* CIDToGIDMap: code (= CID) to glyph, up to the last code drawn */
	map = xcalloc(2 * (last + 1), 1);
	bits = xcalloc(last / 8 + 1, 1);
	bits[0] = 0x80;                      /* CID 0, .notdef */
	if ((w = HPDF_Array_New(mm)) == NULL)
		goto done;
	for (c = 0; c < n; c++) {
		g = def_gid(def, codes[c]);
		map[2 * codes[c]] = (unsigned char)(g >> 8);
		map[2 * codes[c] + 1] = (unsigned char)g;
		bits[codes[c] / 8] |= (unsigned char)(0x80u >> (codes[c] % 8));
		/* /W in runs of consecutive codes: first [w1 w2 ...] */
		if (run == NULL || codes[c] != prev + 1 || HPDF_Array_Items(run) >= ARRAY_MAX) {
			HPDF_Array_AddNumber(w, codes[c]);
			if ((run = HPDF_Array_New(mm)) == NULL || HPDF_Array_Add(w, run) != HPDF_OK)
				goto done;
		}
		HPDF_Array_AddNumber(run, HPDF_TTFontDef_GetGidWidth(def, (HPDF_UINT16)g));
		prev = codes[c];
	}
	HPDF_Dict_Add(cid, "W", w);
	w = NULL;
	if (attr->map_stream != NULL) {
		HPDF_MemStream_FreeData(attr->map_stream->stream);
		HPDF_Stream_Write(attr->map_stream->stream, map, (HPDF_UINT)(2 * (last + 1)));
	}
	if ((csi = HPDF_Dict_GetItem(cid, "CIDSystemInfo", HPDF_OCLASS_DICT)) != NULL)
		HPDF_Dict_Add(csi, "Ordering", HPDF_String_New(mm, "Identity", NULL));
	tounicode(&b, 2, codes, chars, n);
	if (attr->cmap_stream != NULL) {
		/* the same object, its content replaced, and no /Type /CMap left */
		HPDF_MemStream_FreeData(attr->cmap_stream->stream);
		HPDF_Stream_Write(attr->cmap_stream->stream, (const HPDF_BYTE *)b.p,
		    (HPDF_UINT)b.len);
		HPDF_Dict_RemoveElement(attr->cmap_stream, "Type");
		HPDF_Dict_RemoveElement(attr->cmap_stream, "CMapName");
		HPDF_Dict_RemoveElement(attr->cmap_stream, "CIDSystemInfo");
		HPDF_Dict_RemoveElement(attr->cmap_stream, "WMode");
	}
	if (font->before_write_fn(font) != HPDF_OK || (desc = def->descriptor) == NULL)
		goto done;
	HPDF_Dict_AddNumber(desc, "CapHeight", def->cap_height);
	if ((set = stream_new(p, bits, last / 8 + 1, ST_DEFLATE)) != NULL)
		HPDF_Dict_Add(desc, "CIDSet", set);
done:
	if (w != NULL)
		HPDF_Array_Free(w);
	free(b.p);
	free(map);
	free(bits);
	free(codes);
	free(chars);
}

/* ---- metadata, at the end ---- */

/* PDFDocEncoding's 0x80-0xA0, where it differs from Latin-1 (ISO 32000-1 D.2). */
static const uint16_t pdfdoc_high[33] = {
	0x2022, 0x2020, 0x2021, 0x2026, 0x2014, 0x2013, 0x0192, 0x2044,
	0x2039, 0x203A, 0x2212, 0x2030, 0x201E, 0x201C, 0x201D, 0x2018,
	0x2019, 0x201A, 0x2122, 0xFB01, 0xFB02, 0x0141, 0x0152, 0x0160,
	0x0178, 0x017D, 0x0131, 0x0142, 0x0153, 0x0161, 0x017E, 0, 0x20AC,
};

/* The PDFDocEncoding byte of c, or -1. */
static int
pdfdoc_byte(uint32_t c)
{
	int i;

	if ((c >= 0x20 && c <= 0x7E) || (c >= 0xA1 && c <= 0xFF && c != 0xAD))
		return (int)c;
	for (i = 0; i < 33; i++)
		if (pdfdoc_high[i] != 0 && pdfdoc_high[i] == c)
			return 0x80 + i;
	return -1;
}

/* XML character data. */
static void
xml_text(struct buf *b, const char *s)
{
	for (; *s; s++)
		switch (*s) {
		case '&':
			buf_str(b, "&amp;");
			break;
		case '<':
			buf_str(b, "&lt;");
			break;
		case '>':
			buf_str(b, "&gt;");
			break;
		default:
			buf_chr(b, *s);
		}
}

static void
xmp_prop(struct buf *b, const char *tag, const char *open, const char *close, const char *v)
{
	buf_str(b, "<");
	buf_str(b, tag);
	buf_str(b, ">");
	buf_str(b, open);
	xml_text(b, v);
	buf_str(b, close);
	buf_str(b, "</");
	buf_str(b, tag);
	buf_chr(b, '>');
}

/* XML text in an attribute's quotes. */
static void
xml_attr(struct buf *b, const char *name, const char *v)
{
	buf_chr(b, ' ');
	buf_str(b, name);
	buf_str(b, "=\"");
	for (; *v; v++)
		if (*v == '"')
			buf_str(b, "&quot;");
		else {
			char c[2] = {*v, '\0'};

			xml_text(b, c);
		}
	buf_chr(b, '"');
}


/*
 * A text string object: PDFDocEncoding when every character has a byte
 * there (all Swedish does), else UTF-16BE with its byte order mark.
 * libharu's HPDF_SetInfoAttr would write the UTF-8 bytes as they are.
 */
static void *
text_obj(struct pdf *p, const char *s)
{
	struct buf b = {0};
	size_t i = 0, n = strlen(s);
	void *obj;
	int byte = 0;

	while (i < n && (byte = pdfdoc_byte(utf8_next((const unsigned char *)s, n, &i))) != -1)
		buf_chr(&b, (char)byte);
	if (byte != -1) {
		buf_chr(&b, '\0');
		obj = HPDF_String_New(p->doc->mmgr, b.p, NULL);
	} else {
		b.len = 0;
		buf_chr(&b, (char)0xFE);
		buf_chr(&b, (char)0xFF);
		for (i = 0; i < n;) {
			uint32_t c = utf8_next((const unsigned char *)s, n, &i);

			if (c >= 0x10000) {
				c -= 0x10000;
				buf_chr(&b, (char)((0xD800 + (c >> 10)) >> 8));
				buf_chr(&b, (char)((0xD800 + (c >> 10)) & 0xFF));
				c = 0xDC00 + (c & 0x3FF);
			}
			buf_chr(&b, (char)(c >> 8));
			buf_chr(&b, (char)(c & 0xFF));
		}
		obj = HPDF_Binary_New(p->doc->mmgr, (HPDF_BYTE *)b.p, (HPDF_UINT)b.len);
	}
	free(b.p);
	return obj;
}

/* The id as a UUID, "xxxxxxxx-xxxx-...". */
static void
uuid_str(char s[37], const unsigned char id[16])
{
	static const char hex[] = "0123456789abcdef";
	size_t i, k = 0;

	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			s[k++] = '-';
		s[k++] = hex[id[i] >> 4];
		s[k++] = hex[id[i] & 15];
	}
	s[k] = '\0';
}

/*
 * XMP, uncompressed as PDF/A-1 wants it, with only what PDF/A-1b asks
 * for: pdfaid, and each /Info entry mirrored (ISO 19005-1 6.7.3); simple
 * values as attributes, which RDF allows and is shorter.  Made here, not
 * by HPDF_PDFA_SetPDFAConformance: libharu 2.3.0 writes the metadata
 * without XML escapes (a title "A & B" makes it unreadable), under
 * /SubType instead of /Subtype, and gives the trailer an /ID from the clock.
 */
static HPDF_Dict
pdf_xmp(struct pdf *p)
{
	static const char li_alt[] = "<rdf:Alt><rdf:li xml:lang=\"x-default\">";
	static const char li_alt_end[] = "</rdf:li></rdf:Alt>";
	struct buf b = {0};
	HPDF_Dict x;
	char date[32], uuid[48];
	int dc = p->title || p->author || p->subject || p->language;

	buf_str(&b, "<?xpacket begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>"
		    "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">"
		    "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">"
		    "<rdf:Description rdf:about=\"\""
		    " xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\" pdfaid:part=\"1\""
		    " pdfaid:conformance=\"B\" xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\"");
	xml_attr(&b, "pdf:Producer", PDF_PRODUCER);
	if (p->keywords)
		xml_attr(&b, "pdf:Keywords", p->keywords);
	/* the document's own id, the same as the trailer's */
	snprintf(uuid, sizeof(uuid), "uuid:");
	uuid_str(uuid + 5, p->id);
	buf_str(&b, " xmlns:xmpMM=\"http://ns.adobe.com/xap/1.0/mm/\"");
	xml_attr(&b, "xmpMM:DocumentID", uuid);
	if (p->date[0] != '\0') {
		snprintf(date, sizeof(date), "%sZ", p->date);
		buf_str(&b, " xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"");
		xml_attr(&b, "xmp:CreateDate", date);
		xml_attr(&b, "xmp:ModifyDate", date);
	}
	if (dc) {
		buf_str(&b, " xmlns:dc=\"http://purl.org/dc/elements/1.1/\">");
		if (p->title)
			xmp_prop(&b, "dc:title", li_alt, li_alt_end, p->title);
		if (p->author)
			xmp_prop(&b, "dc:creator", "<rdf:Seq><rdf:li>", "</rdf:li></rdf:Seq>",
			    p->author);
		if (p->subject)
			xmp_prop(&b, "dc:description", li_alt, li_alt_end, p->subject);
		if (p->language)
			xmp_prop(&b, "dc:language", "<rdf:Bag><rdf:li>", "</rdf:li></rdf:Bag>",
			    p->language);
		buf_str(&b, "</rdf:Description>");
	} else
		buf_str(&b, "/>");
	buf_str(&b, "</rdf:RDF></x:xmpmeta><?xpacket end=\"w\"?>");
	if ((x = stream_new(p, b.p, b.len, ST_PLAIN)) != NULL) {
		HPDF_Dict_AddName(x, "Type", "Metadata");
		HPDF_Dict_AddName(x, "Subtype", "XML");
	}
	free(b.p);
	return x;
}

/*
 * /Info with the values of the XMP, so PDF/A's synchronisation holds; the
 * dates from the metadata (libharu's HPDF_SetInfoDateAttr would do, but
 * takes the date apart first; here it is one string).
 */
static void
pdf_info(struct pdf *p)
{
	HPDF_Dict info;
	char date[24];

	/* makes the /Info dictionary, with our producer instead of libharu's */
	if (HPDF_SetInfoAttr(p->doc, HPDF_INFO_PRODUCER, PDF_PRODUCER) != HPDF_OK ||
	    (info = p->doc->info) == NULL)
		return;
	if (p->title)
		HPDF_Dict_Add(info, "Title", text_obj(p, p->title));
	if (p->author)
		HPDF_Dict_Add(info, "Author", text_obj(p, p->author));
	if (p->subject)
		HPDF_Dict_Add(info, "Subject", text_obj(p, p->subject));
	if (p->keywords)
		HPDF_Dict_Add(info, "Keywords", text_obj(p, p->keywords));
	if (p->date[0] != '\0') {
		snprintf(date, sizeof(date), "D:%.4s%.2s%.2s%.2s%.2s%.2sZ", p->date, p->date + 5,
		    p->date + 8, p->date + 11, p->date + 14, p->date + 17);
		HPDF_Dict_Add(info, "CreationDate", HPDF_String_New(p->doc->mmgr, date, NULL));
		HPDF_Dict_Add(info, "ModDate", HPDF_String_New(p->doc->mmgr, date, NULL));
	}
}

/*
 * The output intent PDF/A requires, with the ICC profile deflated once per
 * process (its stream carries /Filter itself; libharu writes the bytes as
 * they are).  Not HPDF_PDFA_AppendOutputIntents: libharu 2.3.0 names the
 * key "DestOutputProfile " with a space, so readers find no profile.
 */
static void
pdf_intent(struct pdf *p)
{
	HPDF_MMgr mm = p->doc->mmgr;
	HPDF_Dict icc, intent;
	HPDF_Array list;

	if ((icc = stream_new(p, p->fs->icc_z, p->fs->icc_zlen, ST_DEFLATED)) == NULL ||
	    (intent = HPDF_Dict_New(mm)) == NULL || (list = HPDF_Array_New(mm)) == NULL)
		return;
	HPDF_Dict_AddNumber(icc, "N", (HPDF_INT32)p->fs->icc_n);
	HPDF_Dict_AddName(intent, "Type", "OutputIntent");
	HPDF_Dict_AddName(intent, "S", "GTS_PDFA1");
	HPDF_Dict_Add(intent, "OutputConditionIdentifier",
	    HPDF_String_New(mm, p->fs->icc_desc, NULL));
	HPDF_Dict_Add(intent, "DestOutputProfile", icc);
	HPDF_Array_Add(list, intent);
	HPDF_Dict_Add(p->doc->catalog, "OutputIntents", list);
}

/* The trailer's /ID, both halves the hash of id_seed: stable, never the clock. */
static void
pdf_id(struct pdf *p)
{
	HPDF_Array id;

	if ((id = HPDF_Array_New(p->doc->mmgr)) == NULL)
		return;
	HPDF_Array_Add(id, HPDF_Binary_New(p->doc->mmgr, p->id, 16));
	HPDF_Array_Add(id, HPDF_Binary_New(p->doc->mmgr, p->id, 16));
	HPDF_Dict_Add(p->doc->trailer, "ID", id);
}

/* ---- pages ---- */

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
	HPDF_Dict xmp;
	size_t k;
	int f;

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
	for (f = 0; f < PDF__FONTS; f++) {
		if (p->font[K_WIN][f] != NULL)
			font_simple(p, f);
		if (p->font[K_EXT][f] != NULL && p->ext_used[f] != NULL)
			font_type0(p, f);
		if (p->def[K_WIN][f] != NULL)
			font_hmtx(p, K_WIN, f);
		if (p->def[K_EXT][f] != NULL)
			font_hmtx(p, K_EXT, f);
	}
	pages_tree(p);
	pdf_info(p);
	pdf_intent(p);
	pdf_id(p);
	if ((xmp = pdf_xmp(p)) != NULL)
		HPDF_Dict_Add(p->doc->catalog, "Metadata", xmp);
	if (p->language)
		HPDF_Dict_Add(p->doc->catalog, "Lang", text_obj(p, p->language));
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
	FILE *f;
	int rc = 0;

	if (p->streamed) {
		pdf_fail(p, "ett strömmat dokument avslutas med pdf_finish_stream");
		return -1;
	}
	if (pdf_finish(p) == -1)
		return -1;
	if ((f = fopen(path, "wb")) == NULL) {
		pdf_fail(p, "kan inte skapa %s: %s", path, strerror(errno));
		return -1;
	}
	if (fwrite(p->file, 1, p->filelen, f) != p->filelen || fflush(f) != 0) {
		pdf_fail(p, "kan inte skriva %s: %s", path, strerror(errno));
		rc = -1;
	}
	if (fclose(f) != 0 && rc == 0) {
		pdf_fail(p, "kan inte skriva %s: %s", path, strerror(errno));
		rc = -1;
	}
	return rc;
}
