/*
 * pdf.c -- PDF/A-1b documents through libharu: pages, UTF-8 text in any
 * language, lines, metadata, deterministic bytes.  The only file that
 * includes hpdf.h (see pdf.h for the interface).
 *
 * Reads: the build's font files and sRGB profile in fontdir (fonts/fonts.mk,
 * fonts/README.md), once per process and fontdir; nothing else.
 * Writes: the document, to a file or a malloc'd buffer, at pdf_save*().
 * Trusts: the files in fontdir to be the build's (they are still parsed with
 * every offset checked); callers' text and metadata not at all: any bytes are
 * drawn or escaped, never interpreted.
 *
 * libharu builds the object tree (catalog, pages, info, xref) and writes the
 * file; this file makes the fonts, the page content and the PDF/A parts
 * itself, because libharu 2.3.0 cannot make them fast, small and PDF/A:
 *
 *  - Text in WinAnsiEncoding's repertoire (all Swedish, most Western names)
 *    is drawn with a simple TrueType font, one byte a character.  Anything
 *    else goes to a Type0 (CIDFontType2, Identity-H) font made per document
 *    with one CID per distinct character, a CIDToGIDMap, /W, a CIDSet and a
 *    ToUnicode CMap.  pdf_text() splits UTF-8 into runs of either font, so
 *    callers never see it.
 *  - The font files are parsed once per process; widths are measured from
 *    our own tables.  At save, each font used gets a font program holding only
 *    the glyphs the document drew, renumbered, and only the tables readers
 *    use.
 *  - Streams are deflated here with one z_stream reused for the whole
 *    process (libharu would set up zlib anew for each stream).  The sRGB
 *    profile is deflated once per process.
 *  - XMP, /Info, the output intent and the trailer /ID are written here, in
 *    step with each other; dates come from the metadata, ids from a hash of
 *    id_seed, subset tags from a hash of the glyph set, so the same input
 *    gives the same bytes.
 *
 * Not thread-safe: the font cache and the compressor are process-wide.
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
#include <hpdf_doc.h>
#include <hpdf_objects.h>
#include <hpdf_pages.h>
#include <hpdf_streams.h>

#include "pdf.h"
#include "xmalloc.h"

#define PDF_PRODUCER   "expediera (libharu " HPDF_VERSION_TEXT ")"
#define PDF_CREATOR    "expediera"
#define FONT_MAX_SIZE  (8u << 20)    /* a font file larger than this is refused */
#define ICC_MAX_SIZE   (1u << 20)
#define PAGE_MAX_BYTES (64u << 20)   /* content of one page, before compression */
#define MAX_CIDS       65535u        /* distinct fallback characters per style */
#define COORD_MAX      1.0e6         /* coordinates and sizes beyond this are refused */
#define META_MAX       2000          /* bytes of one metadata string */

/* What fontdir holds; the same names as in fonts/fonts.mk. */
static const char *const font_win_file[PDF__FONTS] = {
	"LiberationSans-Regular-winansi.ttf",
	"LiberationSans-Bold-winansi.ttf",
	"LiberationSans-Italic-winansi.ttf",
};
static const char *const font_ext_file[PDF__FONTS] = {
	"LiberationSans-Regular-ext.ttf",
	"LiberationSans-Bold-ext.ttf",
	"LiberationSans-Italic-ext.ttf",
};
static const char icc_file[] = "sRGB.icc";

/* Resource names in the content streams. */
static const char *const res_win[PDF__FONTS] = {"R", "B", "I"};
static const char *const res_ext[PDF__FONTS] = {"XR", "XB", "XI"};

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

/* The TrueType tables this file reads. */
enum tab { T_OS2, T_CMAP, T_GLYF, T_HEAD, T_HHEA, T_HMTX, T_LOCA, T_MAXP, T_NAME, T_POST, T__N };
static const char tab_tag[T__N][5] = {"OS/2", "cmap", "glyf", "head", "hhea",
    "hmtx", "loca", "maxp", "name", "post"};

/* One font file, parsed once per process. */
struct face {
	unsigned char *data;
	size_t size;
	uint32_t toff[T__N], tlen[T__N];
	unsigned upem, nglyphs, nhmetrics;
	int loca_long;
	uint32_t *goff;      /* nglyphs + 1 glyph offsets in glyf */
	uint16_t *w;         /* advance of each glyph in 1/1000 em, truncated */
	uint32_t cmap_off;   /* the (3,1) or (0,3) format 4 subtable, in data */
	uint32_t cmap_len;
	int ascent, descent, cap_height, x_height, stemv;
	int bbox[4];
	double italic_angle;
	char psname[64];
};

/* Everything read from one fontdir. */
struct fontset {
	char *dir;
	struct face win[PDF__FONTS];
	struct face ext[PDF__FONTS];
	uint16_t win_gid[PDF__FONTS][256];   /* code -> glyph, as a viewer maps it */
	uint16_t win_gid2[PDF__FONTS][256];  /* code -> glyph of its own character */
	uint16_t win_w[PDF__FONTS][256];     /* code -> width in 1/1000 em */
	uint16_t tofu_gid[PDF__FONTS];       /* drawn for characters no font has */
	unsigned char *icc_z;                /* the sRGB profile, deflated */
	size_t icc_zlen;
	struct fontset *next;
};

static struct fontset *fontsets;

/* A growing byte buffer. */
struct buf {
	char *p;
	size_t len, cap;
};

/* The fallback font of one style in one document. */
struct cidfont {
	uint32_t *cp;        /* character of CID i + 1 */
	uint16_t *gid;       /* glyph of CID i + 1 */
	size_t n, cap;
	uint32_t *hkey;      /* open addressing: character + 1, 0 empty */
	uint16_t *hval;      /* CID */
	size_t hcap;
};

struct pdf_page {
	struct pdf *pdf;
	HPDF_Page page;
	size_t index;        /* 0-based */
	struct buf content;
	int font;            /* current font: 0 none, 1 + style (win), 4 + style (ext) */
	float size;
};

struct pdf {
	HPDF_Doc doc;
	struct fontset *fs;
	struct pdf_page **pages;
	size_t npages, pagecap;
	HPDF_Dict fontres;   /* the /Font resources all pages share */
	unsigned char win_used[PDF__FONTS][32];
	struct cidfont cid[PDF__FONTS];
	char *title, *author, *subject, *keywords, *language;
	char date[20];       /* "YYYY-MM-DDTHH:MM:SS", or empty */
	unsigned char id[16];
	FILE *out;           /* a streamed document's file, else NULL */
	size_t flushed;      /* pages before this one are written */
	int finished;
	int failed;
	char err[256];
};

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

/* libharu's handler: records the first status; never longjmps. */
static void
pdf_hpdf_error(HPDF_STATUS status, HPDF_STATUS detail, void *arg)
{
	pdf_fail(arg, "libharu-fel 0x%04lX (detalj %lu)", (unsigned long)status,
	    (unsigned long)detail);
}

/* After a failed libharu call that did not call the handler. */
static int
pdf_hfail(struct pdf *p, const char *what)
{
	pdf_fail(p, "libharu-fel 0x%04lX i %s", (unsigned long)HPDF_GetError(p->doc), what);
	return -1;
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

/* A number with at most three decimals, locale-free ("-12.5", "595.276"). */
static void
buf_num(struct buf *b, double v)
{
	char tmp[32], digs[24];
	long long n, ip;
	size_t k = 0, nd = 0;
	int frac;

	n = (long long)(v * 1000.0 + (v < 0 ? -0.5 : 0.5));
	if (n < 0) {
		tmp[k++] = '-';
		n = -n;
	}
	ip = n / 1000;
	frac = (int)(n % 1000);
	do
		digs[nd++] = (char)('0' + ip % 10);
	while ((ip /= 10) != 0);
	while (nd > 0)
		tmp[k++] = digs[--nd];
	if (frac != 0) {
		tmp[k++] = '.';
		tmp[k++] = (char)('0' + frac / 100);
		tmp[k++] = (char)('0' + frac / 10 % 10);
		tmp[k++] = (char)('0' + frac % 10);
		while (tmp[k - 1] == '0')
			k--;
	}
	buf_add(b, tmp, k);
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

/*
 * The character a viewer looks up in the font's cmap for a WinAnsi code:
 * annex D names 0xA0 "space" and 0xAD "hyphen".
 */
static uint32_t
winansi_lookup(unsigned code)
{
	if (code == 0xA0)
		return 0x20;
	if (code == 0xAD)
		return 0x2D;
	if (code >= 0x80 && code < 0xA0)
		return winansi_high[code - 0x80];
	if (code < 0x20 || code == 0x7F)
		return 0;
	return code;
}

/* The Unicode text of a WinAnsi code, for ToUnicode. */
static uint32_t
winansi_unicode(unsigned code)
{
	if (code >= 0x80 && code < 0xA0)
		return winansi_high[code - 0x80];
	return code;
}

/* ---- TrueType ---- */

static unsigned
rd16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

static int
rds16(const unsigned char *p)
{
	return (int)(int16_t)rd16(p);
}

static uint32_t
rd32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void
wr16(unsigned char *p, unsigned v)
{
	p[0] = (unsigned char)(v >> 8);
	p[1] = (unsigned char)v;
}

static void
wr32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* Glyph of character c, 0 when the font has none. */
static unsigned
face_gid(const struct face *fc, uint32_t c)
{
	const unsigned char *sub = fc->data + fc->cmap_off;
	unsigned segs = rd16(sub + 6) / 2, lo = 0, hi, i, start, delta, ro, g;
	const unsigned char *ends = sub + 14, *starts = ends + 2 * segs + 2;
	const unsigned char *deltas = starts + 2 * segs, *ros = deltas + 2 * segs;
	size_t at;

	if (c > 0xFFFF)
		return 0;
	hi = segs;
	while (lo < hi) {
		i = (lo + hi) / 2;
		if (rd16(ends + 2 * i) < c)
			lo = i + 1;
		else
			hi = i;
	}
	if (lo == segs)
		return 0;
	i = lo;
	start = rd16(starts + 2 * i);
	if (c < start)
		return 0;
	delta = rd16(deltas + 2 * i);
	ro = rd16(ros + 2 * i);
	if (ro == 0)
		g = (c + delta) & 0xFFFF;
	else {
		at = (size_t)(ros + 2 * i - sub) + ro + 2 * (c - start);
		if (at + 2 > fc->cmap_len)
			return 0;
		g = rd16(sub + at);
		if (g != 0)
			g = (g + delta) & 0xFFFF;
	}
	return g < fc->nglyphs ? g : 0;
}

static int
face_read(struct face *fc, const char *path, char *err, size_t errlen)
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
	if ((unsigned long)n > FONT_MAX_SIZE || n < 12) {
		snprintf(err, errlen, "%s: orimlig storlek (%ld byte)", path, n);
		fclose(f);
		return -1;
	}
	fc->size = (size_t)n;
	fc->data = xmalloc(fc->size);
	if (fread(fc->data, 1, fc->size, f) != fc->size) {
		snprintf(err, errlen, "kan inte läsa %s", path);
		free(fc->data);
		fc->data = NULL;
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

/* Reads and checks one TrueType file; every offset used later is checked here. */
static int
face_load(struct face *fc, const char *path, char *err, size_t errlen)
{
	const unsigned char *d, *t;
	unsigned ntab, i, j, k, nsub, nrec, soff;
	uint32_t off, len;
	int found[T__N] = {0};

	if (face_read(fc, path, err, errlen) == -1)
		return -1;
	d = fc->data;
	ntab = rd16(d + 4);
	if (rd32(d) != 0x00010000 || 12 + 16 * (size_t)ntab > fc->size)
		goto bad;
	for (i = 0; i < ntab; i++) {
		t = d + 12 + 16 * i;
		off = rd32(t + 8);
		len = rd32(t + 12);
		if (off > fc->size || len > fc->size - off)
			goto bad;
		for (j = 0; j < T__N; j++)
			if (memcmp(t, tab_tag[j], 4) == 0) {
				fc->toff[j] = off;
				fc->tlen[j] = len;
				found[j] = 1;
			}
	}
	for (j = 0; j < T__N; j++)
		if (!found[j]) {
			snprintf(err, errlen, "%s: tabellen '%s' saknas", path, tab_tag[j]);
			return -1;
		}

	/* head, hhea, maxp, post */
	if (fc->tlen[T_HEAD] < 54 || fc->tlen[T_HHEA] < 36 || fc->tlen[T_MAXP] < 6 ||
	    fc->tlen[T_POST] < 32 || fc->tlen[T_OS2] < 78)
		goto bad;
	t = d + fc->toff[T_HEAD];
	fc->upem = rd16(t + 18);
	if (fc->upem < 16 || fc->upem > 16384)
		goto bad;
	for (i = 0; i < 4; i++)
		fc->bbox[i] = rds16(t + 36 + 2 * i) * 1000 / (int)fc->upem;
	fc->loca_long = rds16(t + 50) != 0;
	t = d + fc->toff[T_HHEA];
	fc->ascent = rds16(t + 4) * 1000 / (int)fc->upem;
	fc->descent = rds16(t + 6) * 1000 / (int)fc->upem;
	fc->nhmetrics = rd16(t + 34);
	fc->nglyphs = rd16(d + fc->toff[T_MAXP] + 4);
	if (fc->nglyphs == 0 || fc->nhmetrics == 0 || fc->nhmetrics > fc->nglyphs)
		goto bad;
	fc->italic_angle = (double)(int32_t)rd32(d + fc->toff[T_POST] + 4) / 65536.0;

	/* OS/2: embedding rights, weight, cap and x height */
	t = d + fc->toff[T_OS2];
	if (rd16(t + 8) & 0x0002) {
		snprintf(err, errlen, "%s: typsnittet får inte bäddas in", path);
		return -1;
	}
	i = rd16(t + 4);
	fc->stemv = 50 + (int)(i * i / 4225);   /* the usual guess from the weight */
	if (rd16(t) >= 2 && fc->tlen[T_OS2] >= 90) {
		fc->x_height = rds16(t + 86) * 1000 / (int)fc->upem;
		fc->cap_height = rds16(t + 88) * 1000 / (int)fc->upem;
	} else {
		fc->x_height = fc->ascent / 2;
		fc->cap_height = fc->ascent;
	}

	/* hmtx */
	if (fc->tlen[T_HMTX] <
	    4 * (size_t)fc->nhmetrics + 2 * (size_t)(fc->nglyphs - fc->nhmetrics))
		goto bad;
	fc->w = xreallocarray(NULL, fc->nglyphs, sizeof(*fc->w));
	t = d + fc->toff[T_HMTX];
	for (i = 0; i < fc->nglyphs; i++)
		fc->w[i] = (uint16_t)(rd16(t + 4 * (i < fc->nhmetrics ? i : fc->nhmetrics - 1)) *
		    1000u / fc->upem);

	/* loca */
	if (fc->tlen[T_LOCA] < ((size_t)fc->nglyphs + 1) * (fc->loca_long ? 4 : 2))
		goto bad;
	fc->goff = xreallocarray(NULL, fc->nglyphs + 1, sizeof(*fc->goff));
	t = d + fc->toff[T_LOCA];
	for (i = 0; i <= fc->nglyphs; i++) {
		fc->goff[i] = fc->loca_long ? rd32(t + 4 * i) : 2 * rd16(t + 2 * i);
		if (fc->goff[i] > fc->tlen[T_GLYF] || (i > 0 && fc->goff[i] < fc->goff[i - 1]))
			goto bad;
	}

	/* cmap: the Unicode BMP subtable, format 4 */
	t = d + fc->toff[T_CMAP];
	if (fc->tlen[T_CMAP] < 4)
		goto bad;
	nsub = rd16(t + 2);
	if (4 + 8 * (size_t)nsub > fc->tlen[T_CMAP])
		goto bad;
	for (i = 0; i < nsub && fc->cmap_len == 0; i++) {
		unsigned pid = rd16(t + 4 + 8 * i), eid = rd16(t + 6 + 8 * i);

		off = rd32(t + 8 + 8 * i);
		if (!((pid == 3 && eid == 1) || (pid == 0 && eid == 3)))
			continue;
		if (fc->tlen[T_CMAP] < 14 || off > fc->tlen[T_CMAP] - 14 || rd16(t + off) != 4)
			continue;
		len = rd16(t + off + 2);
		j = rd16(t + off + 6) / 2;
		if (len > fc->tlen[T_CMAP] - off || 16 + 8 * (size_t)j > len || j == 0)
			continue;
		fc->cmap_off = fc->toff[T_CMAP] + off;
		fc->cmap_len = len;
	}
	if (fc->cmap_len == 0) {
		snprintf(err, errlen, "%s: ingen Unicode-cmap (format 4)", path);
		return -1;
	}

	/* name: the PostScript name, kept to characters safe in a PDF name */
	t = d + fc->toff[T_NAME];
	if (fc->tlen[T_NAME] < 6)
		goto bad;
	nrec = rd16(t + 2);
	soff = rd16(t + 4);
	if (6 + 12 * (size_t)nrec > fc->tlen[T_NAME])
		goto bad;
	for (i = 0; i < nrec && fc->psname[0] == '\0'; i++) {
		const unsigned char *r = t + 6 + 12 * i;
		unsigned pid = rd16(r), nid = rd16(r + 6), nlen = rd16(r + 8);
		size_t at = (size_t)soff + rd16(r + 10);

		if (nid != 6 || at > fc->tlen[T_NAME] || nlen > fc->tlen[T_NAME] - at)
			continue;
		for (j = 0, k = 0; j < nlen && k < sizeof(fc->psname) - 1;) {
			unsigned ch;

			if (pid == 3 || pid == 0) {
				if (j + 1 >= nlen)
					break;
				ch = rd16(t + at + j);
				j += 2;
			} else
				ch = t[at + j++];
			if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
			    (ch >= '0' && ch <= '9') || ch == '-')
				fc->psname[k++] = (char)ch;
		}
		fc->psname[k] = '\0';
	}
	if (fc->psname[0] == '\0')
		snprintf(fc->psname, sizeof(fc->psname), "Font");
	return 0;
bad:
	snprintf(err, errlen, "%s: trasig TrueType-fil", path);
	return -1;
}

static void
face_free(struct face *fc)
{
	free(fc->data);
	free(fc->w);
	free(fc->goff);
	memset(fc, 0, sizeof(*fc));
}

/*
 * Calls fn with the offset in glyf of each component's glyph index, when g
 * is a composite glyph.
 */
static void
glyph_components(const struct face *fc, unsigned g, void (*fn)(size_t, void *), void *arg)
{
	const unsigned char *glyf = fc->data + fc->toff[T_GLYF];
	size_t at = fc->goff[g], end = fc->goff[g + 1];
	unsigned flags;

	if (end - at < 10 || rds16(glyf + at) >= 0)
		return;
	at += 10;
	do {
		if (end - at < 4)
			return;
		flags = rd16(glyf + at);
		fn(at + 2, arg);
		at += 4 + ((flags & 0x0001) ? 4 : 2);
		if (flags & 0x0008)
			at += 2;
		else if (flags & 0x0040)
			at += 4;
		else if (flags & 0x0080)
			at += 8;
	} while ((flags & 0x0020) && at <= end);
}

struct closure {
	const struct face *fc;
	unsigned char *used;
	unsigned g;
	int again;
};

static void
closure_mark(size_t at, void *arg)
{
	struct closure *c = arg;
	unsigned comp = rd16(c->fc->data + c->fc->toff[T_GLYF] + at);

	if (comp < c->fc->nglyphs && !(c->used[comp / 8] & (1u << (comp % 8)))) {
		c->used[comp / 8] |= (unsigned char)(1u << (comp % 8));
		if (comp < c->g)
			c->again = 1;
	}
}

/* Marks the components of composite glyphs, recursively, in the bitset. */
static void
glyph_closure(const struct face *fc, unsigned char *used)
{
	struct closure c = {fc, used, 0, 1};

	while (c.again) {
		c.again = 0;
		for (c.g = 0; c.g < fc->nglyphs; c.g++)
			if (used[c.g / 8] & (1u << (c.g % 8)))
				glyph_components(fc, c.g, closure_mark, &c);
	}
}

struct renumber {
	const struct face *fc;
	const uint16_t *newgid;
	unsigned char *out;      /* the glyph's copy */
	size_t base;             /* its offset in the source glyf */
};

static void
renumber_component(size_t at, void *arg)
{
	struct renumber *r = arg;
	unsigned comp = rd16(r->fc->data + r->fc->toff[T_GLYF] + at);

	wr16(r->out + (at - r->base), comp < r->fc->nglyphs ? r->newgid[comp] : 0);
}

static uint32_t
tt_checksum(const unsigned char *p, size_t n)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 4 <= n; i += 4)
		sum += rd32(p + i);
	if (i < n) {
		unsigned char last[4] = {0};

		memcpy(last, p + i, n - i);
		sum += rd32(last);
	}
	return sum;
}

struct umap {
	uint32_t u;
	unsigned gid;
};

static int
umap_cmp(const void *a, const void *b)
{
	const struct umap *x = a, *y = b;

	return x->u < y->u ? -1 : x->u > y->u;
}

/*
 * A (3,1) format 4 cmap for the pairs in m (sorted here; BMP only), one
 * segment for each run of characters with consecutive glyphs.
 */
static void
cmap_build(struct buf *b, struct umap *m, size_t n)
{
	unsigned char *t;
	size_t i, k, segs = 1, sr = 1, es = 0, len;

	qsort(m, n, sizeof(*m), umap_cmp);
	for (i = 0; i < n; i++)
		if (i == 0 || m[i].u != m[i - 1].u + 1 || m[i].gid != m[i - 1].gid + 1)
			segs++;
	while (sr * 2 <= segs)
		sr *= 2, es++;
	len = 16 + 8 * segs;
	buf_grow(b, 12 + len);
	t = (unsigned char *)b->p + b->len;
	memset(t, 0, 12 + len);
	wr16(t + 2, 1);                /* one subtable: (3,1) at offset 12 */
	wr16(t + 4, 3);
	wr16(t + 6, 1);
	wr32(t + 8, 12);
	t += 12;
	wr16(t, 4);
	wr16(t + 2, (unsigned)len);
	wr16(t + 6, (unsigned)(2 * segs));
	wr16(t + 8, (unsigned)(2 * sr));
	wr16(t + 10, (unsigned)es);
	wr16(t + 12, (unsigned)(2 * segs - 2 * sr));
	for (i = 0, k = 0; i < n; i++) {
		if (i == 0 || m[i].u != m[i - 1].u + 1 || m[i].gid != m[i - 1].gid + 1) {
			if (i > 0)
				k++;
			wr16(t + 16 + 2 * segs + 2 * k, m[i].u);               /* startCode */
			wr16(t + 16 + 4 * segs + 2 * k, (m[i].gid - m[i].u) & 0xFFFF);
		}
		wr16(t + 14 + 2 * k, m[i].u);                             /* endCode */
	}
	k = segs - 1;                  /* the closing 0xFFFF segment */
	wr16(t + 14 + 2 * k, 0xFFFF);
	wr16(t + 16 + 2 * segs + 2 * k, 0xFFFF);
	wr16(t + 16 + 4 * segs + 2 * k, 1);
	b->len += 12 + len;
}

/*
 * A font program with only the glyphs in used (closed over composites here),
 * renumbered from 0 in their old order; newgid (nglyphs entries) gets the new
 * numbers.  With nchars > 0 it gets a cmap for chars (a simple font needs
 * one; CIDFontType2 maps through CIDToGIDMap).  Only the tables PDF readers
 * use are written: cmap, glyf, head, hhea, hmtx, loca, maxp, as pdfTeX does.
 * Returns a malloc'd buffer.
 */
static unsigned char *
subset_build(const struct face *fc, unsigned char *used, uint16_t *newgid, struct umap *chars,
    size_t nchars, size_t *lenp)
{
	enum { S_CMAP, S_GLYF, S_HEAD, S_HHEA, S_HMTX, S_LOCA, S_MAXP, S__N };
	static const char tags[S__N][5] = {"cmap", "glyf", "head", "hhea", "hmtx", "loca", "maxp"};
	const unsigned char *d = fc->data, *hm = d + fc->toff[T_HMTX];
	struct buf t[S__N] = {{0}};
	struct renumber r = {fc, newgid, NULL, 0};
	unsigned char *out, *dir;
	unsigned g, n = 0, ntab, sr = 1, es = 0, i, adv;
	uint32_t off, pos, sum, head_at = 0;
	size_t k, gl;
	int j;

	glyph_closure(fc, used);
	for (g = 0; g < fc->nglyphs; g++)
		newgid[g] = (used[g / 8] & (1u << (g % 8))) ? (uint16_t)n++ : 0;
	for (k = 0; k < nchars; k++)
		chars[k].gid = newgid[chars[k].gid];

	/* glyf, loca (long), hmtx */
	buf_grow(&t[S_LOCA], 4 * ((size_t)n + 1));
	buf_grow(&t[S_HMTX], 4 * (size_t)n);
	for (g = 0, pos = 0; g < fc->nglyphs; g++) {
		if (!(used[g / 8] & (1u << (g % 8))))
			continue;
		wr32((unsigned char *)t[S_LOCA].p + t[S_LOCA].len, pos);
		t[S_LOCA].len += 4;
		i = g < fc->nhmetrics ? g : fc->nhmetrics - 1;
		adv = rd16(hm + 4 * i);
		wr16((unsigned char *)t[S_HMTX].p + t[S_HMTX].len, adv);
		wr16((unsigned char *)t[S_HMTX].p + t[S_HMTX].len + 2, g < fc->nhmetrics ?
		    rd16(hm + 4 * g + 2) : rd16(hm + 4 * fc->nhmetrics + 2 * (g - fc->nhmetrics)));
		t[S_HMTX].len += 4;
		gl = fc->goff[g + 1] - fc->goff[g];
		if (gl == 0)
			continue;
		buf_grow(&t[S_GLYF], (gl + 3) & ~(size_t)3);
		r.out = (unsigned char *)t[S_GLYF].p + t[S_GLYF].len;
		r.base = fc->goff[g];
		memcpy(r.out, d + fc->toff[T_GLYF] + fc->goff[g], gl);
		memset(r.out + gl, 0, ((gl + 3) & ~(size_t)3) - gl);
		glyph_components(fc, g, renumber_component, &r);
		t[S_GLYF].len += (gl + 3) & ~(size_t)3;
		pos = (uint32_t)t[S_GLYF].len;
	}
	wr32((unsigned char *)t[S_LOCA].p + t[S_LOCA].len, pos);
	t[S_LOCA].len += 4;

	/* head (long loca), hhea, maxp with the new counts */
	buf_add(&t[S_HEAD], d + fc->toff[T_HEAD], 54);
	wr32((unsigned char *)t[S_HEAD].p + 8, 0);
	wr16((unsigned char *)t[S_HEAD].p + 50, 1);
	buf_add(&t[S_HHEA], d + fc->toff[T_HHEA], 36);
	wr16((unsigned char *)t[S_HHEA].p + 34, n);
	buf_add(&t[S_MAXP], d + fc->toff[T_MAXP], fc->tlen[T_MAXP] < 32 ? fc->tlen[T_MAXP] : 32);
	wr16((unsigned char *)t[S_MAXP].p + 4, n);
	if (nchars > 0)
		cmap_build(&t[S_CMAP], chars, nchars);

	ntab = nchars > 0 ? S__N : S__N - 1;
	while (sr * 2 <= ntab)
		sr *= 2, es++;
	for (off = 12 + 16 * ntab, j = 0; j < S__N; j++)
		if (j != S_CMAP || nchars > 0)
			off += (uint32_t)((t[j].len + 3) & ~(size_t)3);
	out = xcalloc(1, off);
	wr32(out, 0x00010000);
	wr16(out + 4, ntab);
	wr16(out + 6, sr * 16);
	wr16(out + 8, es);
	wr16(out + 10, ntab * 16 - sr * 16);
	dir = out + 12;
	pos = 12 + 16 * ntab;
	for (j = 0; j < S__N; j++) {
		if (j == S_CMAP && nchars == 0)
			continue;
		if (t[j].len > 0)
			memcpy(out + pos, t[j].p, t[j].len);
		memcpy(dir, tags[j], 4);
		wr32(dir + 4, tt_checksum(out + pos, t[j].len));
		wr32(dir + 8, pos);
		wr32(dir + 12, (uint32_t)t[j].len);
		if (j == S_HEAD)
			head_at = pos;
		dir += 16;
		pos += (uint32_t)((t[j].len + 3) & ~(size_t)3);
		free(t[j].p);
	}
	sum = tt_checksum(out, off);
	wr32(out + head_at + 8, 0xB1B0AFBAu - sum);
	*lenp = off;
	return out;
}

/* ---- compression ---- */

static z_stream zs;
static int zs_ready;
static unsigned char *zbuf;
static size_t zbufcap;

/* Deflates in into the process-wide zbuf; returns its length, or 0 on failure. */
static size_t
deflate_buf(const void *in, size_t inlen)
{
	size_t need;

	if (!zs_ready) {
		memset(&zs, 0, sizeof(zs));
		if (deflateInit(&zs, Z_DEFAULT_COMPRESSION) != Z_OK)
			return 0;
		zs_ready = 1;
	} else if (deflateReset(&zs) != Z_OK)
		return 0;
	if (inlen > UINT32_MAX / 2)
		return 0;
	need = deflateBound(&zs, (uLong)inlen);
	if (need > zbufcap) {
		zbuf = xreallocarray(zbuf, need, 1);
		zbufcap = need;
	}
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)inlen;
	zs.next_out = zbuf;
	zs.avail_out = (uInt)zbufcap;
	if (deflate(&zs, Z_FINISH) != Z_STREAM_END)
		return 0;
	return zbufcap - zs.avail_out;
}

/* libharu removes /Filter from streams it did not compress; this adds it back. */
static HPDF_STATUS
write_flate_filter(HPDF_Dict obj, HPDF_Stream s)
{
	(void)obj;
	return HPDF_Stream_WriteStr(s, "/Filter /FlateDecode\012");
}

/* A new stream object holding data deflated. */
static HPDF_Dict
stream_deflated(struct pdf *p, const void *data, size_t len)
{
	HPDF_Dict d;
	size_t zlen;

	if ((zlen = deflate_buf(data, len)) == 0) {
		pdf_fail(p, "kan inte komprimera (zlib)");
		return NULL;
	}
	if ((d = HPDF_DictStream_New(p->doc->mmgr, p->doc->xref)) == NULL) {
		pdf_hfail(p, "HPDF_DictStream_New");
		return NULL;
	}
	if (HPDF_Stream_Write(d->stream, zbuf, (HPDF_UINT)zlen) != HPDF_OK) {
		pdf_hfail(p, "HPDF_Stream_Write");
		return NULL;
	}
	d->write_fn = write_flate_filter;
	return d;
}

/* A new stream object holding data as it is. */
static HPDF_Dict
stream_raw(struct pdf *p, const void *data, size_t len)
{
	HPDF_Dict d;

	if ((d = HPDF_DictStream_New(p->doc->mmgr, p->doc->xref)) == NULL) {
		pdf_hfail(p, "HPDF_DictStream_New");
		return NULL;
	}
	if (len > 0 && HPDF_Stream_Write(d->stream, data, (HPDF_UINT)len) != HPDF_OK) {
		pdf_hfail(p, "HPDF_Stream_Write");
		return NULL;
	}
	return d;
}

/* ---- the font cache ---- */

static void
fontset_free(struct fontset *fs)
{
	int f;

	for (f = 0; f < PDF__FONTS; f++) {
		face_free(&fs->win[f]);
		face_free(&fs->ext[f]);
	}
	free(fs->icc_z);
	free(fs->dir);
	free(fs);
}

static struct fontset *
fontset_load(const char *dir, char *err, size_t errlen)
{
	struct fontset *fs;
	struct face icc;
	char *path;
	unsigned code, g, g2;
	uint32_t c;
	uLong zlen;
	int f, rc;

	for (fs = fontsets; fs != NULL; fs = fs->next)
		if (strcmp(fs->dir, dir) == 0)
			return fs;
	fs = xcalloc(1, sizeof(*fs));
	fs->dir = xstrdup(dir);
	for (f = 0; f < PDF__FONTS; f++) {
		path = xasprintf("%s/%s", dir, font_win_file[f]);
		rc = face_load(&fs->win[f], path, err, errlen);
		free(path);
		if (rc == -1)
			goto fail;
		path = xasprintf("%s/%s", dir, font_ext_file[f]);
		rc = face_load(&fs->ext[f], path, err, errlen);
		free(path);
		if (rc == -1)
			goto fail;
		for (code = 0; code < 256; code++) {
			if ((c = winansi_lookup(code)) == 0)
				continue;
			if (code == 0x7F ||
			    (code >= 0x80 && code < 0xA0 && winansi_high[code - 0x80] == 0))
				continue;
			if ((g = face_gid(&fs->win[f], c)) == 0) {
				snprintf(err, errlen, "%s/%s saknar tecknet U+%04X", dir,
				    font_win_file[f], (unsigned)c);
				goto fail;
			}
			fs->win_gid[f][code] = (uint16_t)g;
			/*
			 * Some readers (PDFBox) look 0xA0 up as U+00A0, not as
			 * "space": both glyphs go into subsets, so they must agree.
			 */
			g2 = face_gid(&fs->win[f], winansi_unicode(code));
			fs->win_gid2[f][code] = (uint16_t)(g2 ? g2 : g);
			fs->win_w[f][code] = fs->win[f].w[g];
			if (fs->win[f].w[g2 ? g2 : g] != fs->win[f].w[g]) {
				snprintf(err, errlen, "%s/%s: U+%04X och U+%04X har olika bredd",
				    dir, font_win_file[f], (unsigned)winansi_unicode(code),
				    (unsigned)c);
				goto fail;
			}
		}
		fs->tofu_gid[f] = (uint16_t)face_gid(&fs->ext[f], 0x25A1);
		if (fs->tofu_gid[f] == 0)
			fs->tofu_gid[f] = (uint16_t)face_gid(&fs->ext[f], '?');
	}

	memset(&icc, 0, sizeof(icc));
	path = xasprintf("%s/%s", dir, icc_file);
	rc = face_read(&icc, path, err, errlen);
	free(path);
	if (rc == -1)
		goto fail;
	/* PDF/A-1 (PDF 1.4) takes RGB profiles of ICC version 2 */
	if (icc.size < 128 || icc.size > ICC_MAX_SIZE || memcmp(icc.data + 36, "acsp", 4) != 0 ||
	    rd32(icc.data) != icc.size || icc.data[8] > 2 ||
	    memcmp(icc.data + 16, "RGB ", 4) != 0) {
		snprintf(err, errlen, "%s/%s är ingen RGB-profil av ICC version 2", dir, icc_file);
		free(icc.data);
		goto fail;
	}
	/* once per process, so the best compression */
	zlen = compressBound((uLong)icc.size);
	fs->icc_z = xmalloc(zlen);
	rc = compress2(fs->icc_z, &zlen, icc.data, (uLong)icc.size, Z_BEST_COMPRESSION);
	free(icc.data);
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
	if (zs_ready)
		deflateEnd(&zs);
	zs_ready = 0;
	free(zbuf);
	zbuf = NULL;
	zbufcap = 0;
}

/* ---- the fallback font's CIDs ---- */

static void
cid_rehash(struct cidfont *cf, size_t hcap)
{
	size_t i, h;

	free(cf->hkey);
	free(cf->hval);
	cf->hcap = hcap;
	cf->hkey = xcalloc(hcap, sizeof(*cf->hkey));
	cf->hval = xcalloc(hcap, sizeof(*cf->hval));
	for (i = 0; i < cf->n; i++) {
		h = (cf->cp[i] * 2654435761u) & (hcap - 1);
		while (cf->hkey[h] != 0)
			h = (h + 1) & (hcap - 1);
		cf->hkey[h] = cf->cp[i] + 1;
		cf->hval[h] = (uint16_t)(i + 1);
	}
}

/* The CID of character c in style f, made on first use; 0 when full. */
static unsigned
cid_of(struct pdf *p, int f, uint32_t c)
{
	struct cidfont *cf = &p->cid[f];
	unsigned g;
	size_t h;

	if (cf->hcap == 0)
		cid_rehash(cf, 64);
	h = (c * 2654435761u) & (cf->hcap - 1);
	while (cf->hkey[h] != 0) {
		if (cf->hkey[h] == c + 1)
			return cf->hval[h];
		h = (h + 1) & (cf->hcap - 1);
	}
	if (cf->n >= MAX_CIDS)
		return 0;
	if (cf->n == cf->cap) {
		cf->cap = cf->cap ? 2 * cf->cap : 32;
		cf->cp = xreallocarray(cf->cp, cf->cap, sizeof(*cf->cp));
		cf->gid = xreallocarray(cf->gid, cf->cap, sizeof(*cf->gid));
	}
	g = face_gid(&p->fs->ext[f], c);
	cf->cp[cf->n] = c;
	cf->gid[cf->n] = (uint16_t)(g ? g : p->fs->tofu_gid[f]);
	cf->n++;
	cf->hkey[h] = c + 1;
	cf->hval[h] = (uint16_t)cf->n;
	if (2 * cf->n > cf->hcap)
		cid_rehash(cf, 2 * cf->hcap);
	return (unsigned)cf->n;
}

static void
cid_free(struct cidfont *cf)
{
	free(cf->cp);
	free(cf->gid);
	free(cf->hkey);
	free(cf->hval);
	memset(cf, 0, sizeof(*cf));
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

struct pdf *
pdf_new(const char *fontdir, const struct pdf_meta *meta, char *err, size_t errlen)
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
	p->title = clean_text(meta->title);
	p->author = clean_text(meta->author);
	p->subject = clean_text(meta->subject);
	p->keywords = clean_text(meta->keywords);
	p->language = clean_text(meta->language);
	if (meta->date != NULL)
		memcpy(p->date, meta->date, 20);

	/* no memory pool: libharu's pool hands out misaligned blocks */
	p->doc = HPDF_NewEx(pdf_hpdf_error, NULL, NULL, 0, p);
	if (p->doc == NULL) {
		snprintf(err, errlen, "kan inte skapa PDF-dokument (libharu)");
		pdf_free(p);
		return NULL;
	}
	if (HPDF_SetCompressionMode(p->doc, HPDF_COMP_NONE) != HPDF_OK)
		pdf_hfail(p, "HPDF_SetCompressionMode");
	p->doc->pdf_version = HPDF_VER_14;
	if (!p->failed && ((p->fontres = HPDF_Dict_New(p->doc->mmgr)) == NULL ||
	    HPDF_Xref_Add(p->doc->xref, p->fontres) != HPDF_OK))
		pdf_hfail(p, "fontresurserna");
	if (p->failed) {
		snprintf(err, errlen, "%s", p->err);
		pdf_free(p);
		return NULL;
	}
	return p;
}

void
pdf_free(struct pdf *p)
{
	size_t i;
	int f;

	if (p == NULL)
		return;
	if (p->doc != NULL)
		HPDF_Free(p->doc);
	for (i = 0; i < p->npages; i++) {
		if (p->pages[i] == NULL)
			continue;
		free(p->pages[i]->content.p);
		free(p->pages[i]);
	}
	free(p->pages);
	for (f = 0; f < PDF__FONTS; f++)
		cid_free(&p->cid[f]);
	free(p->title);
	free(p->author);
	free(p->subject);
	free(p->keywords);
	free(p->language);
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

struct pdf_page *
pdf_add_page(struct pdf *p)
{
	struct pdf_page *pg;
	HPDF_Page page;
	HPDF_Dict res;

	if (pdf_closed(p) == -1)
		return NULL;
	if ((page = HPDF_AddPage(p->doc)) == NULL) {
		pdf_hfail(p, "HPDF_AddPage");
		return NULL;
	}
	if (HPDF_Page_SetWidth(page, PDF_A4_WIDTH) != HPDF_OK ||
	    HPDF_Page_SetHeight(page, PDF_A4_HEIGHT) != HPDF_OK) {
		pdf_hfail(p, "sidstorleken");
		return NULL;
	}
	/* libharu adds the obsolete /ProcSet; PDF 1.4 readers ignore it */
	res = HPDF_Page_GetInheritableItem(page, "Resources", HPDF_OCLASS_DICT);
	if (res == NULL || HPDF_Dict_RemoveElement(res, "ProcSet") != HPDF_OK ||
	    HPDF_Dict_Add(res, "Font", p->fontres) != HPDF_OK) {
		pdf_hfail(p, "sidans resurser");
		return NULL;
	}
	if (p->npages == p->pagecap) {
		p->pagecap = p->pagecap ? 2 * p->pagecap : 4;
		p->pages = xreallocarray(p->pages, p->pagecap, sizeof(*p->pages));
	}
	pg = xcalloc(1, sizeof(*pg));
	pg->pdf = p;
	pg->page = page;
	pg->index = p->npages;
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
	return i < p->npages && i >= p->flushed ? p->pages[i] : NULL;
}

/* Width in 1/1000 em of one character in style f. */
static unsigned
char_width(const struct fontset *fs, int f, uint32_t c)
{
	unsigned code, g;

	switch (classify(c, &code)) {
	case CH_SKIP:
		return 0;
	case CH_WIN:
		return fs->win_w[f][code];
	default:
		g = face_gid(&fs->ext[f], c);
		return fs->ext[f].w[g ? g : fs->tofu_gid[f]];
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
	uint32_t c;

	while (i < len) {
		c = utf8_next((const unsigned char *)s, len, &i);
		if (classify(c, &code) == CH_EXT && face_gid(&p->fs->ext[PDF_REGULAR], c) == 0)
			return 0;
	}
	return 1;
}

float
pdf_ascent(struct pdf *p, enum pdf_font f, float size)
{
	if (!font_ok((int)f))
		return 0;
	return (float)p->fs->win[f].ascent * size / 1000.0f;
}

float
pdf_descent(struct pdf *p, enum pdf_font f, float size)
{
	if (!font_ok((int)f))
		return 0;
	return (float)-p->fs->win[f].descent * size / 1000.0f;
}

static int
coord_ok(double v)
{
	return v > -COORD_MAX && v < COORD_MAX;
}

/* Switches the page's font when it differs. */
static void
page_font(struct pdf_page *pg, int font, float size)
{
	struct buf *b = &pg->content;

	if (pg->font == font && pg->size == size)
		return;
	buf_chr(b, '/');
	buf_str(b, font < 4 ? res_win[font - 1] : res_ext[font - 4]);
	buf_chr(b, ' ');
	buf_num(b, size);
	buf_str(b, " Tf\n");
	pg->font = font;
	pg->size = size;
}

/* -1 when extra more bytes would make the page's content too large. */
static int
page_full(struct pdf_page *pg, size_t extra)
{
	if (extra > PAGE_MAX_BYTES || pg->content.len > PAGE_MAX_BYTES - extra) {
		pdf_fail(pg->pdf, "sidan %zu har för mycket innehåll", pg->index + 1);
		return -1;
	}
	return 0;
}

void
pdf_text(struct pdf_page *pg, enum pdf_font f, float size, float x, float y, const char *s,
    size_t len)
{
	struct pdf *p;
	struct buf *b;
	enum chclass cl, run = CH_SKIP;
	unsigned code, cid;
	size_t i = 0;
	uint32_t c;

	if (pg == NULL || pdf_closed(p = pg->pdf) == -1)
		return;
	if (!font_ok((int)f) || !(size > 0 && size < COORD_MAX) || !coord_ok(x) || !coord_ok(y) ||
	    (s == NULL && len > 0)) {
		pdf_fail(p, "pdf_text: ogiltigt typsnitt, storlek eller läge");
		return;
	}
	/* at worst a font switch for every byte */
	if (page_full(pg, len > PAGE_MAX_BYTES ? len : 32 * len + 64) == -1)
		return;
	b = &pg->content;
	buf_str(b, "BT\n");
	buf_num(b, x);
	buf_chr(b, ' ');
	buf_num(b, y);
	buf_str(b, " Td\n");
	while (i < len) {
		c = utf8_next((const unsigned char *)s, len, &i);
		if ((cl = classify(c, &code)) == CH_SKIP)
			continue;
		if (cl != run) {
			if (run == CH_WIN)
				buf_str(b, ")Tj\n");
			else if (run == CH_EXT)
				buf_str(b, ">Tj\n");
			page_font(pg, cl == CH_WIN ? 1 + (int)f : 4 + (int)f, size);
			buf_chr(b, cl == CH_WIN ? '(' : '<');
			run = cl;
		}
		if (cl == CH_WIN) {
			if (code == '(' || code == ')' || code == '\\')
				buf_chr(b, '\\');
			buf_chr(b, (char)code);
			p->win_used[f][code / 8] |= (unsigned char)(1u << (code % 8));
		} else {
			if ((cid = cid_of(p, (int)f, c)) == 0) {
				pdf_fail(p, "för många olika tecken i dokumentet");
				return;
			}
			buf_hex16(b, cid);
		}
	}
	if (run == CH_WIN)
		buf_str(b, ")Tj\n");
	else if (run == CH_EXT)
		buf_str(b, ">Tj\n");
	buf_str(b, "ET\n");
}

static void
page_width(struct pdf_page *pg, float w)
{
	buf_num(&pg->content, w);
	buf_str(&pg->content, " w\n");
}

void
pdf_line(struct pdf_page *pg, float x0, float y0, float x1, float y1, float w)
{
	struct buf *b;

	if (pg == NULL || pdf_closed(pg->pdf) == -1)
		return;
	if (!coord_ok(x0) || !coord_ok(y0) || !coord_ok(x1) || !coord_ok(y1) ||
	    !(w >= 0 && w < COORD_MAX)) {
		pdf_fail(pg->pdf, "pdf_line: ogiltiga koordinater");
		return;
	}
	if (page_full(pg, 128) == -1)
		return;
	b = &pg->content;
	page_width(pg, w);
	buf_num(b, x0);
	buf_chr(b, ' ');
	buf_num(b, y0);
	buf_str(b, " m ");
	buf_num(b, x1);
	buf_chr(b, ' ');
	buf_num(b, y1);
	buf_str(b, " l S\n");
}

void
pdf_rect(struct pdf_page *pg, float x, float y, float w, float h, float lw)
{
	struct buf *b;

	if (pg == NULL || pdf_closed(pg->pdf) == -1)
		return;
	if (!coord_ok(x) || !coord_ok(y) || !coord_ok(w) || !coord_ok(h) ||
	    !(lw >= 0 && lw < COORD_MAX)) {
		pdf_fail(pg->pdf, "pdf_rect: ogiltiga koordinater");
		return;
	}
	if (page_full(pg, 128) == -1)
		return;
	b = &pg->content;
	page_width(pg, lw);
	buf_num(b, x);
	buf_chr(b, ' ');
	buf_num(b, y);
	buf_chr(b, ' ');
	buf_num(b, w);
	buf_chr(b, ' ');
	buf_num(b, h);
	buf_str(b, " re S\n");
}

/* ---- fonts at save ---- */

/* Six capital letters from the glyph set: the same subset, the same tag. */
static void
subset_tag(char tag[8], int kind, int f, const unsigned char *set, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	size_t i;

	h = (h ^ (uint64_t)(kind * 8 + f)) * 1099511628211ull;
	for (i = 0; i < n; i++)
		h = (h ^ set[i]) * 1099511628211ull;
	for (i = 0; i < 6; i++, h /= 26)
		tag[i] = (char)('A' + h % 26);
	tag[6] = '+';
	tag[7] = '\0';
}

/* The FontDescriptor with font program prog; name is "TAG+PSName". */
static HPDF_Dict
font_descriptor(struct pdf *p, const struct face *fc, const char *name, int flags,
    const unsigned char *prog, size_t plen)
{
	HPDF_MMgr mm = p->doc->mmgr;
	HPDF_Dict desc, file;
	HPDF_Array bbox;
	int ok, i;

	if ((file = stream_deflated(p, prog, plen)) == NULL)
		return NULL;
	if (HPDF_Dict_AddNumber(file, "Length1", (HPDF_INT32)plen) != HPDF_OK) {
		pdf_hfail(p, "FontFile2");
		return NULL;
	}
	if ((desc = HPDF_Dict_New(mm)) == NULL || HPDF_Xref_Add(p->doc->xref, desc) != HPDF_OK ||
	    (bbox = HPDF_Array_New(mm)) == NULL) {
		pdf_hfail(p, "FontDescriptor");
		return NULL;
	}
	ok = HPDF_Dict_AddName(desc, "Type", "FontDescriptor") == HPDF_OK;
	ok = ok && HPDF_Dict_AddName(desc, "FontName", name) == HPDF_OK;
	ok = ok && HPDF_Dict_AddNumber(desc, "Flags", flags) == HPDF_OK;
	for (i = 0; i < 4 && ok; i++)
		ok = HPDF_Array_AddNumber(bbox, fc->bbox[i]) == HPDF_OK;
	ok = ok && HPDF_Dict_Add(desc, "FontBBox", bbox) == HPDF_OK;
	ok = ok && HPDF_Dict_AddReal(desc, "ItalicAngle", (HPDF_REAL)fc->italic_angle) == HPDF_OK;
	ok = ok && HPDF_Dict_AddNumber(desc, "Ascent", fc->ascent) == HPDF_OK;
	ok = ok && HPDF_Dict_AddNumber(desc, "Descent", fc->descent) == HPDF_OK;
	ok = ok && HPDF_Dict_AddNumber(desc, "CapHeight", fc->cap_height) == HPDF_OK;
	ok = ok && HPDF_Dict_AddNumber(desc, "XHeight", fc->x_height) == HPDF_OK;
	ok = ok && HPDF_Dict_AddNumber(desc, "StemV", fc->stemv) == HPDF_OK;
	ok = ok && HPDF_Dict_Add(desc, "FontFile2", file) == HPDF_OK;
	if (!ok) {
		pdf_hfail(p, "FontDescriptor");
		return NULL;
	}
	return desc;
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

/* Appends "<code> <utf-16be>" for a ToUnicode bfchar line. */
static void
cmap_char(struct buf *b, unsigned code, int bytes, uint32_t c)
{
	static const char hex[] = "0123456789ABCDEF";

	buf_chr(b, '<');
	if (bytes == 1) {
		buf_chr(b, hex[code >> 4]);
		buf_chr(b, hex[code & 15]);
	} else
		buf_hex16(b, code);
	buf_str(b, "> <");
	if (c >= 0x10000) {
		c -= 0x10000;
		buf_hex16(b, 0xD800 + (c >> 10));
		buf_hex16(b, 0xDC00 + (c & 0x3FF));
	} else
		buf_hex16(b, c);
	buf_str(b, ">\n");
}

/* A ToUnicode CMap: code codes[i] (bytes wide) is character chars[i]. */
static HPDF_Dict
tounicode(struct pdf *p, int bytes, const unsigned *codes, const uint32_t *chars, size_t n)
{
	struct buf b = {0};
	HPDF_Dict d;
	size_t i, k, end;

	buf_str(&b, cmap_head);
	buf_str(&b, bytes == 1 ? "<00> <FF>\n" : "<0000> <FFFF>\n");
	buf_str(&b, "endcodespacerange\n");
	for (i = 0; i < n;) {
		/* at most 100 lines a block */
		k = n - i < 100 ? n - i : 100;
		buf_num(&b, (double)k);
		buf_str(&b, " beginbfchar\n");
		for (end = i + k; i < end; i++)
			cmap_char(&b, codes[i], bytes, chars[i]);
		buf_str(&b, "endbfchar\n");
	}
	buf_str(&b, cmap_tail);
	d = stream_deflated(p, b.p, b.len);
	free(b.p);
	return d;
}

/* The simple TrueType font of style f, WinAnsiEncoding. */
static int
font_simple(struct pdf *p, int f)
{
	const struct face *fc = &p->fs->win[f];
	const unsigned char *codes = p->win_used[f];
	HPDF_MMgr mm = p->doc->mmgr;
	HPDF_Dict font, desc, tu;
	HPDF_Array widths;
	unsigned char *glyphs, *prog;
	unsigned first = 256, last = 0, c, g, g2, ucodes[256];
	uint32_t uchars[256];
	struct umap map[512];
	uint16_t *newgid;
	size_t nu = 0, nmap = 0, plen, i, j, k;
	char tag[8], *name;
	int ok, need_tu = 0;

	glyphs = xcalloc((fc->nglyphs + 7) / 8, 1);
	glyphs[0] |= 1;
	for (c = 0; c < 256; c++) {
		if (!(codes[c / 8] & (1u << (c % 8))))
			continue;
		if (c < first)
			first = c;
		last = c;
		g = p->fs->win_gid[f][c];
		g2 = p->fs->win_gid2[f][c];
		glyphs[g / 8] |= (unsigned char)(1u << (g % 8));
		glyphs[g2 / 8] |= (unsigned char)(1u << (g2 % 8));
		/* the cmap: what readers look up for the code, and its own character */
		map[nmap].u = winansi_lookup(c);
		map[nmap++].gid = g;
		if (winansi_unicode(c) != winansi_lookup(c)) {
			map[nmap].u = winansi_unicode(c);
			map[nmap++].gid = g2;
		}
		ucodes[nu] = c;
		uchars[nu++] = winansi_unicode(c);
		if (c == 0xA0)
			need_tu = 1;
	}
	/* a character may come from two codes (0x20 and 0xA0 are both "space") */
	for (i = 0, k = 0; i < nmap; i++) {
		for (j = 0; j < k && map[j].u != map[i].u; j++)
			;
		if (j == k)
			map[k++] = map[i];
	}
	nmap = k;
	subset_tag(tag, 0, f, glyphs, (fc->nglyphs + 7) / 8);
	name = xasprintf("%s%s", tag, fc->psname);
	newgid = xreallocarray(NULL, fc->nglyphs, sizeof(*newgid));
	prog = subset_build(fc, glyphs, newgid, map, nmap, &plen);
	free(glyphs);
	free(newgid);
	/* symbolic never; nonsymbolic always (WinAnsiEncoding); italic */
	desc = font_descriptor(p, fc, name, 32 | (fc->italic_angle != 0 ? 64 : 0), prog, plen);
	free(prog);
	if (desc == NULL) {
		free(name);
		return -1;
	}
	if ((font = HPDF_Dict_New(mm)) == NULL || HPDF_Xref_Add(p->doc->xref, font) != HPDF_OK ||
	    (widths = HPDF_Array_New(mm)) == NULL) {
		free(name);
		return pdf_hfail(p, "fonten");
	}
	ok = HPDF_Dict_AddName(font, "Type", "Font") == HPDF_OK;
	ok = ok && HPDF_Dict_AddName(font, "Subtype", "TrueType") == HPDF_OK;
	ok = ok && HPDF_Dict_AddName(font, "BaseFont", name) == HPDF_OK;
	ok = ok && HPDF_Dict_AddNumber(font, "FirstChar", (HPDF_INT32)first) == HPDF_OK;
	ok = ok && HPDF_Dict_AddNumber(font, "LastChar", (HPDF_INT32)last) == HPDF_OK;
	/* codes not drawn get 0: nothing reads them, and the file is smaller */
	for (c = first; c <= last && ok; c++)
		ok = HPDF_Array_AddNumber(widths, (codes[c / 8] & (1u << (c % 8))) ?
		    fc->w[p->fs->win_gid[f][c]] : 0) == HPDF_OK;
	ok = ok && HPDF_Dict_Add(font, "Widths", widths) == HPDF_OK;
	ok = ok && HPDF_Dict_AddName(font, "Encoding", "WinAnsiEncoding") == HPDF_OK;
	ok = ok && HPDF_Dict_Add(font, "FontDescriptor", desc) == HPDF_OK;
	free(name);
	if (!ok)
		return pdf_hfail(p, "fonten");
	/*
	 * WinAnsiEncoding names 0xA0 "space": without a ToUnicode a no-break
	 * space comes back as a space.
	 */
	if (need_tu) {
		if ((tu = tounicode(p, 1, ucodes, uchars, nu)) == NULL)
			return -1;
		if (HPDF_Dict_Add(font, "ToUnicode", tu) != HPDF_OK)
			return pdf_hfail(p, "ToUnicode");
	}
	if (HPDF_Dict_Add(p->fontres, res_win[f], font) != HPDF_OK)
		return pdf_hfail(p, "fontresurserna");
	return 0;
}

/* The Type0 font of style f: CIDFontType2, one CID per character. */
static int
font_type0(struct pdf *p, int f)
{
	const struct face *fc = &p->fs->ext[f];
	const struct cidfont *cf = &p->cid[f];
	HPDF_MMgr mm = p->doc->mmgr;
	HPDF_Dict font, cidfont, desc, sysinfo, map, set, tu;
	HPDF_Array desc_arr, w, ws;
	unsigned char *glyphs, *bytes, *prog;
	unsigned *codes;
	uint16_t *newgid;
	char tag[8], *name;
	size_t i, nset, plen;
	int ok;

	glyphs = xcalloc((fc->nglyphs + 7) / 8, 1);
	glyphs[0] |= 1;
	for (i = 0; i < cf->n; i++)
		glyphs[cf->gid[i] / 8] |= (unsigned char)(1u << (cf->gid[i] % 8));
	subset_tag(tag, 1, f, glyphs, (fc->nglyphs + 7) / 8);
	name = xasprintf("%s%s", tag, fc->psname);
	newgid = xreallocarray(NULL, fc->nglyphs, sizeof(*newgid));
	prog = subset_build(fc, glyphs, newgid, NULL, 0, &plen);
	free(glyphs);
	desc = font_descriptor(p, fc, name, 4 | (fc->italic_angle != 0 ? 64 : 0), prog, plen);
	free(prog);
	if (desc == NULL) {
		free(newgid);
		free(name);
		return -1;
	}

	/* CIDToGIDMap and CIDSet: CID 0 is .notdef, CIDs 1..n the characters */
	bytes = xcalloc(2 * (cf->n + 1), 1);
	for (i = 0; i < cf->n; i++)
		wr16(bytes + 2 * (i + 1), newgid[cf->gid[i]]);
	free(newgid);
	map = stream_raw(p, bytes, 2 * (cf->n + 1));
	nset = (cf->n + 1 + 7) / 8;
	memset(bytes, 0, nset);
	for (i = 0; i <= cf->n; i++)
		bytes[i / 8] |= (unsigned char)(0x80u >> (i % 8));
	set = map ? stream_raw(p, bytes, nset) : NULL;
	free(bytes);
	if (set == NULL) {
		free(name);
		return -1;
	}
	if (HPDF_Dict_Add(desc, "CIDSet", set) != HPDF_OK) {
		free(name);
		return pdf_hfail(p, "CIDSet");
	}

	codes = xreallocarray(NULL, cf->n ? cf->n : 1, sizeof(*codes));
	for (i = 0; i < cf->n; i++)
		codes[i] = (unsigned)(i + 1);
	tu = tounicode(p, 2, codes, cf->cp, cf->n);
	free(codes);
	if (tu == NULL) {
		free(name);
		return -1;
	}

	if ((font = HPDF_Dict_New(mm)) == NULL || HPDF_Xref_Add(p->doc->xref, font) != HPDF_OK ||
	    (cidfont = HPDF_Dict_New(mm)) == NULL ||
	    HPDF_Xref_Add(p->doc->xref, cidfont) != HPDF_OK ||
	    (desc_arr = HPDF_Array_New(mm)) == NULL || (sysinfo = HPDF_Dict_New(mm)) == NULL ||
	    (w = HPDF_Array_New(mm)) == NULL || (ws = HPDF_Array_New(mm)) == NULL) {
		free(name);
		return pdf_hfail(p, "Type0-fonten");
	}
	ok = HPDF_Dict_AddName(font, "Type", "Font") == HPDF_OK;
	ok = ok && HPDF_Dict_AddName(font, "Subtype", "Type0") == HPDF_OK;
	ok = ok && HPDF_Dict_AddName(font, "BaseFont", name) == HPDF_OK;
	ok = ok && HPDF_Dict_AddName(font, "Encoding", "Identity-H") == HPDF_OK;
	ok = ok && HPDF_Array_Add(desc_arr, cidfont) == HPDF_OK;
	ok = ok && HPDF_Dict_Add(font, "DescendantFonts", desc_arr) == HPDF_OK;
	ok = ok && HPDF_Dict_Add(font, "ToUnicode", tu) == HPDF_OK;

	ok = ok && HPDF_Dict_AddName(cidfont, "Type", "Font") == HPDF_OK;
	ok = ok && HPDF_Dict_AddName(cidfont, "Subtype", "CIDFontType2") == HPDF_OK;
	ok = ok && HPDF_Dict_AddName(cidfont, "BaseFont", name) == HPDF_OK;
	ok = ok && HPDF_Dict_Add(sysinfo, "Registry",
	    HPDF_String_New(mm, "Adobe", NULL)) == HPDF_OK;
	ok = ok && HPDF_Dict_Add(sysinfo, "Ordering",
	    HPDF_String_New(mm, "Identity", NULL)) == HPDF_OK;
	ok = ok && HPDF_Dict_AddNumber(sysinfo, "Supplement", 0) == HPDF_OK;
	ok = ok && HPDF_Dict_Add(cidfont, "CIDSystemInfo", sysinfo) == HPDF_OK;
	ok = ok && HPDF_Dict_Add(cidfont, "FontDescriptor", desc) == HPDF_OK;
	ok = ok && HPDF_Dict_AddNumber(cidfont, "DW", fc->w[0]) == HPDF_OK;
	ok = ok && HPDF_Array_AddNumber(w, 1) == HPDF_OK;
	for (i = 0; i < cf->n && ok; i++)
		ok = HPDF_Array_AddNumber(ws, fc->w[cf->gid[i]]) == HPDF_OK;
	ok = ok && HPDF_Array_Add(w, ws) == HPDF_OK;
	ok = ok && HPDF_Dict_Add(cidfont, "W", w) == HPDF_OK;
	ok = ok && HPDF_Dict_Add(cidfont, "CIDToGIDMap", map) == HPDF_OK;
	ok = ok && HPDF_Dict_Add(p->fontres, res_ext[f], font) == HPDF_OK;
	free(name);
	if (!ok)
		return pdf_hfail(p, "Type0-fonten");
	return 0;
}

/* ---- metadata at save ---- */

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

/*
 * A text string for /Info: PDFDocEncoding when every character has a byte
 * there (all Swedish does), else UTF-16BE.
 */
static int
info_text(struct pdf *p, const char *key, const char *s)
{
	HPDF_MMgr mm = p->doc->mmgr;
	struct buf b = {0};
	size_t i = 0, n = strlen(s);
	uint32_t c;
	void *obj;
	int byte = 0, rc;

	while (i < n && (byte = pdfdoc_byte(utf8_next((const unsigned char *)s, n, &i))) != -1)
		buf_chr(&b, (char)byte);
	if (byte != -1) {
		/* HPDF_String escapes bytes outside ASCII as \ooo */
		buf_chr(&b, '\0');
		obj = HPDF_String_New(mm, b.p, NULL);
	} else {
		b.len = 0;
		buf_add(&b, "\xFE\xFF", 2);
		for (i = 0; i < n;) {
			unsigned char u[4];

			c = utf8_next((const unsigned char *)s, n, &i);
			if (c >= 0x10000) {
				c -= 0x10000;
				wr16(u, 0xD800 + (c >> 10));
				wr16(u + 2, 0xDC00 + (c & 0x3FF));
				buf_add(&b, u, 4);
			} else {
				wr16(u, c);
				buf_add(&b, u, 2);
			}
		}
		obj = HPDF_Binary_New(mm, (HPDF_BYTE *)b.p, (HPDF_UINT)b.len);
	}
	free(b.p);
	rc = obj != NULL && HPDF_Dict_Add(p->doc->info, key, obj) == HPDF_OK ? 0 : -1;
	return rc == 0 ? 0 : pdf_hfail(p, "Info");
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
	buf_str(b, ">\n");
}

static void
uuid_str(char out[37], const unsigned char id[16])
{
	static const char hex[] = "0123456789abcdef";
	int i, k = 0;

	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[k++] = '-';
		out[k++] = hex[id[i] >> 4];
		out[k++] = hex[id[i] & 15];
	}
	out[k] = '\0';
}

/* XMP (PDF/A-1b: uncompressed), /Info with the same values, /ID, /Lang. */
static int
pdf_metadata(struct pdf *p)
{
	static const char li_alt[] = "<rdf:Alt><rdf:li xml:lang=\"x-default\">";
	static const char li_alt_end[] = "</rdf:li></rdf:Alt>";
	HPDF_MMgr mm = p->doc->mmgr;
	struct buf b = {0};
	HPDF_Dict xmp;
	HPDF_Array id;
	char uuid[37], date[32];
	int ok;

	uuid_str(uuid, p->id);
	if (p->date[0] != '\0')
		snprintf(date, sizeof(date), "%sZ", p->date);

	/* one rdf:Description for all schemas: PDF/A-1 keeps XMP uncompressed */
	buf_str(&b, "<?xpacket begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n"
		    "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">"
		    "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n"
		    "<rdf:Description rdf:about=\"\""
		    " xmlns:dc=\"http://purl.org/dc/elements/1.1/\""
		    " xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\""
		    " xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\""
		    " xmlns:xmpMM=\"http://ns.adobe.com/xap/1.0/mm/\""
		    " xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\">\n");
	if (p->title)
		xmp_prop(&b, "dc:title", li_alt, li_alt_end, p->title);
	if (p->author)
		xmp_prop(&b, "dc:creator", "<rdf:Seq><rdf:li>", "</rdf:li></rdf:Seq>", p->author);
	if (p->subject)
		xmp_prop(&b, "dc:description", li_alt, li_alt_end, p->subject);
	if (p->language)
		xmp_prop(&b, "dc:language", "<rdf:Bag><rdf:li>", "</rdf:li></rdf:Bag>",
		    p->language);
	xmp_prop(&b, "xmp:CreatorTool", "", "", PDF_CREATOR);
	if (p->date[0] != '\0') {
		xmp_prop(&b, "xmp:CreateDate", "", "", date);
		xmp_prop(&b, "xmp:ModifyDate", "", "", date);
	}
	xmp_prop(&b, "pdf:Producer", "", "", PDF_PRODUCER);
	if (p->keywords)
		xmp_prop(&b, "pdf:Keywords", "", "", p->keywords);
	buf_str(&b, "<xmpMM:DocumentID>uuid:");
	buf_str(&b, uuid);
	buf_str(&b, "</xmpMM:DocumentID>\n"
		    "<pdfaid:part>1</pdfaid:part>\n"
		    "<pdfaid:conformance>B</pdfaid:conformance>\n"
		    "</rdf:Description>\n"
		    "</rdf:RDF></x:xmpmeta>\n"
		    "<?xpacket end=\"w\"?>");
	xmp = stream_raw(p, b.p, b.len);
	free(b.p);
	if (xmp == NULL)
		return -1;
	ok = HPDF_Dict_AddName(xmp, "Type", "Metadata") == HPDF_OK;
	ok = ok && HPDF_Dict_AddName(xmp, "Subtype", "XML") == HPDF_OK;
	ok = ok && HPDF_Dict_Add(p->doc->catalog, "Metadata", xmp) == HPDF_OK;
	if (ok && p->language)
		ok = HPDF_Dict_Add(p->doc->catalog, "Lang",
		    HPDF_String_New(mm, p->language, NULL)) == HPDF_OK;
	if (!ok)
		return pdf_hfail(p, "Metadata");

	/* /Info: the same values, so PDF/A's synchronisation holds */
	if (HPDF_SetInfoAttr(p->doc, HPDF_INFO_PRODUCER, PDF_PRODUCER) != HPDF_OK ||
	    HPDF_SetInfoAttr(p->doc, HPDF_INFO_CREATOR, PDF_CREATOR) != HPDF_OK)
		return pdf_hfail(p, "Info");
	if ((p->title && info_text(p, "Title", p->title) == -1) ||
	    (p->author && info_text(p, "Author", p->author) == -1) ||
	    (p->subject && info_text(p, "Subject", p->subject) == -1) ||
	    (p->keywords && info_text(p, "Keywords", p->keywords) == -1))
		return -1;
	if (p->date[0] != '\0') {
		char d[24];

		snprintf(d, sizeof(d), "D:%.4s%.2s%.2s%.2s%.2s%.2sZ", p->date, p->date + 5,
		    p->date + 8, p->date + 11, p->date + 14, p->date + 17);
		if (info_text(p, "CreationDate", d) == -1 || info_text(p, "ModDate", d) == -1)
			return -1;
	}

	/* /ID: two equal strings, a hash of id_seed */
	if ((id = HPDF_Array_New(mm)) == NULL ||
	    HPDF_Array_Add(id, HPDF_Binary_New(mm, p->id, 16)) != HPDF_OK ||
	    HPDF_Array_Add(id, HPDF_Binary_New(mm, p->id, 16)) != HPDF_OK ||
	    HPDF_Dict_Add(p->doc->trailer, "ID", id) != HPDF_OK)
		return pdf_hfail(p, "ID");
	return 0;
}

/* The sRGB output intent PDF/A requires. */
static int
pdf_output_intent(struct pdf *p)
{
	static const char cond[] = "sRGB IEC61966-2.1";
	HPDF_MMgr mm = p->doc->mmgr;
	HPDF_Dict icc, intent;
	HPDF_Array arr;
	int ok;

	if ((icc = HPDF_DictStream_New(mm, p->doc->xref)) == NULL ||
	    HPDF_Stream_Write(icc->stream, p->fs->icc_z, (HPDF_UINT)p->fs->icc_zlen) != HPDF_OK)
		return pdf_hfail(p, "ICC-profilen");
	icc->write_fn = write_flate_filter;
	if ((intent = HPDF_Dict_New(mm)) == NULL || (arr = HPDF_Array_New(mm)) == NULL)
		return pdf_hfail(p, "OutputIntent");
	ok = HPDF_Dict_AddNumber(icc, "N", 3) == HPDF_OK;
	ok = ok && HPDF_Dict_AddName(intent, "Type", "OutputIntent") == HPDF_OK;
	ok = ok && HPDF_Dict_AddName(intent, "S", "GTS_PDFA1") == HPDF_OK;
	ok = ok && HPDF_Dict_Add(intent, "OutputConditionIdentifier", HPDF_String_New(mm, cond,
	    NULL)) == HPDF_OK;
	ok = ok && HPDF_Dict_Add(intent, "Info", HPDF_String_New(mm, cond, NULL)) == HPDF_OK;
	ok = ok && HPDF_Dict_Add(intent, "RegistryName", HPDF_String_New(mm,
	    "http://www.color.org", NULL)) == HPDF_OK;
	ok = ok && HPDF_Dict_Add(intent, "DestOutputProfile", icc) == HPDF_OK;
	ok = ok && HPDF_Array_Add(arr, intent) == HPDF_OK;
	ok = ok && HPDF_Dict_Add(p->doc->catalog, "OutputIntents", arr) == HPDF_OK;
	return ok ? 0 : pdf_hfail(p, "OutputIntent");
}

/* Each page's content, deflated into the stream libharu made for it. */
static int
page_finish(struct pdf *p, struct pdf_page *pg)
{
	HPDF_PageAttr attr = (HPDF_PageAttr)pg->page->attr;
	size_t zlen;

	if (pg->content.len == 0)
		return 0;
	if ((zlen = deflate_buf(pg->content.p, pg->content.len)) == 0) {
		pdf_fail(p, "kan inte komprimera sidan (zlib)");
		return -1;
	}
	if (HPDF_Stream_Write(attr->stream, zbuf, (HPDF_UINT)zlen) != HPDF_OK)
		return pdf_hfail(p, "sidans innehåll");
	attr->contents->write_fn = write_flate_filter;
	free(pg->content.p);
	memset(&pg->content, 0, sizeof(pg->content));
	return 0;
}

/* Turns what was drawn into PDF objects; once. */
static int
pdf_finish(struct pdf *p)
{
	size_t i;
	int f, used;

	if (p->failed)
		return -1;
	if (p->finished)
		return 0;
	p->finished = 1;
	if (p->npages == 0) {
		pdf_fail(p, "dokumentet har inga sidor");
		return -1;
	}
	for (f = 0; f < PDF__FONTS; f++) {
		for (used = 0, i = 0; i < 32; i++)
			used |= p->win_used[f][i];
		if (used && font_simple(p, f) == -1)
			return -1;
	}
	for (f = 0; f < PDF__FONTS; f++)
		if (p->cid[f].n > 0 && font_type0(p, f) == -1)
			return -1;
	for (i = p->flushed; i < p->npages; i++)
		if (page_finish(p, p->pages[i]) == -1)
			return -1;
	if (pdf_output_intent(p) == -1 || pdf_metadata(p) == -1)
		return -1;
	return p->failed ? -1 : 0;
}

int
pdf_save_mem(struct pdf *p, unsigned char **bufp, size_t *lenp)
{
	unsigned char *out;
	HPDF_UINT32 size, got;

	if (p->out != NULL) {
		pdf_fail(p, "ett strömmat dokument avslutas med pdf_finish_stream");
		return -1;
	}
	if (pdf_finish(p) == -1)
		return -1;
	if (HPDF_SaveToStream(p->doc) != HPDF_OK)
		return pdf_hfail(p, "HPDF_SaveToStream");
	size = HPDF_GetStreamSize(p->doc);
	if (size == 0 || HPDF_ResetStream(p->doc) != HPDF_OK)
		return pdf_hfail(p, "HPDF_ResetStream");
	out = xmalloc(size);
	got = size;
	if (HPDF_ReadFromStream(p->doc, out, &got) != HPDF_OK || got != size) {
		free(out);
		return pdf_hfail(p, "HPDF_ReadFromStream");
	}
	if (p->failed) {
		free(out);
		return -1;
	}
	*bufp = out;
	*lenp = size;
	return 0;
}

int
pdf_save(struct pdf *p, const char *path)
{
	unsigned char *data;
	size_t len;
	FILE *f;
	int rc = 0;

	if (pdf_save_mem(p, &data, &len) == -1)
		return -1;
	if ((f = fopen(path, "wb")) == NULL) {
		pdf_fail(p, "kan inte skapa %s: %s", path, strerror(errno));
		free(data);
		return -1;
	}
	if (fwrite(data, 1, len, f) != len || fflush(f) != 0) {
		pdf_fail(p, "kan inte skriva %s: %s", path, strerror(errno));
		rc = -1;
	}
	if (fclose(f) != 0 && rc == 0) {
		pdf_fail(p, "kan inte skriva %s: %s", path, strerror(errno));
		rc = -1;
	}
	free(data);
	return rc;
}

/* ---- streamed documents ---- */

struct pdf *
pdf_new_stream(const char *fontdir, const struct pdf_meta *meta, FILE *out, char *err,
    size_t errlen)
{
	struct pdf *p;

	if (out == NULL) {
		snprintf(err, errlen, "ingen fil att skriva PDF-dokumentet till");
		return NULL;
	}
	if ((p = pdf_new(fontdir, meta, err, errlen)) != NULL)
		p->out = out;
	return p;
}

int
pdf_flush(struct pdf *p)
{
	size_t i;

	if (p->out == NULL)
		return p->failed ? -1 : 0;
	if (pdf_closed(p) == -1)
		return -1;
	for (i = p->flushed; i < p->npages; i++) {
		if (page_finish(p, p->pages[i]) == -1)
			return -1;
		free(p->pages[i]);
		p->pages[i] = NULL;
	}
	p->flushed = p->npages;
	return 0;
}

/* 0 when order[0..n) is a permutation of the document's pages. */
static int
order_ok(struct pdf *p, const size_t *order, size_t n)
{
	unsigned char *seen;
	size_t i;
	int rc = 0;

	if (n != p->npages) {
		pdf_fail(p, "sidordningen har %zu sidor, dokumentet %zu", n, p->npages);
		return -1;
	}
	seen = xcalloc(n / 8 + 1, 1);
	for (i = 0; i < n && rc == 0; i++) {
		if (order[i] >= n || (seen[order[i] / 8] & (1u << (order[i] % 8)))) {
			pdf_fail(p, "sidordningen är ingen omkastning av sidorna (plats %zu)", i + 1);
			rc = -1;
		} else
			seen[order[i] / 8] |= (unsigned char)(1u << (order[i] % 8));
	}
	free(seen);
	return rc;
}

int
pdf_finish_stream(struct pdf *p, const size_t *order, size_t n)
{
	unsigned char chunk[65536];
	HPDF_Array kids;
	HPDF_UINT32 got;
	size_t i;

	if (p->out == NULL) {
		pdf_fail(p, "pdf_finish_stream: dokumentet är inte strömmat");
		return -1;
	}
	if (pdf_flush(p) == -1)
		return -1;
	if (order != NULL && order_ok(p, order, n) == -1)
		return -1;
	if (pdf_finish(p) == -1)
		return -1;
	if (order != NULL) {
		if ((kids = HPDF_Array_New(p->doc->mmgr)) == NULL)
			return pdf_hfail(p, "sidträdet");
		for (i = 0; i < n; i++)
			if (HPDF_Array_Add(kids, HPDF_List_ItemAt(p->doc->page_list,
			    (HPDF_UINT)order[i])) != HPDF_OK)
				return pdf_hfail(p, "sidträdet");
		if (HPDF_Dict_Add(p->doc->root_pages, "Kids", kids) != HPDF_OK)
			return pdf_hfail(p, "sidträdet");
	}
	if (HPDF_SaveToStream(p->doc) != HPDF_OK || HPDF_ResetStream(p->doc) != HPDF_OK)
		return pdf_hfail(p, "HPDF_SaveToStream");
	for (;;) {
		HPDF_STATUS st;

		got = sizeof(chunk);
		st = HPDF_ReadFromStream(p->doc, chunk, &got);
		if (got > 0 && fwrite(chunk, 1, got, p->out) != got) {
			pdf_fail(p, "kan inte skriva PDF-filen: %s", strerror(errno));
			return -1;
		}
		if (st == HPDF_STREAM_EOF)
			break;
		if (st != HPDF_OK)
			return pdf_hfail(p, "HPDF_ReadFromStream");
	}
	if (fflush(p->out) != 0 || ferror(p->out)) {
		pdf_fail(p, "kan inte skriva PDF-filen: %s", strerror(errno));
		return -1;
	}
	return p->failed ? -1 : 0;
}
