/*
 * pdf.c -- PDF/A-1b documents: pages, UTF-8 text in any language, lines,
 * metadata, deterministic bytes, in memory or streamed to a file page by
 * page (see pdf.h for the interface).
 *
 * Reads: the build's font files and ICC profile in fontdir (fonts/fonts.mk,
 * fonts/README.md), once per process and fontdir; nothing else.
 * Writes: the document, to a malloc'd buffer at pdf_save*(), or to the
 * caller's FILE as pages are flushed and at pdf_finish_stream().
 * Trusts: the files in fontdir to be the build's (they are still parsed with
 * every offset checked); callers' text and metadata not at all: any bytes are
 * drawn or escaped, never interpreted.
 *
 * The file is written here, object by object, as PDF/A-1 (ISO 19005-1 6.1)
 * wants it: a binary header comment, exact stream lengths, a classic xref
 * table and a trailer with /ID.  Nothing needs an object tree in memory:
 * an ordinary document is a streamed one whose sink is a buffer and whose
 * pages are all flushed at save, so both kinds share every builder below.
 *
 *  - Text in WinAnsiEncoding's repertoire (all Swedish, most Western names)
 *    is drawn with a simple TrueType font, one byte a character.  Anything
 *    else goes to a Type0 (CIDFontType2, Identity-H) font made per document
 *    with one CID per distinct character, a CIDToGIDMap, /W, a CIDSet and a
 *    ToUnicode CMap.  pdf_text() splits UTF-8 into runs of either font, so
 *    callers never see it.
 *  - The font files are parsed once per process; widths are measured from
 *    our own tables.  At the end, each font used gets a font program holding
 *    only the glyphs the document drew, renumbered, and only the tables
 *    readers use.  Fonts come after the pages, so a streamed document's
 *    subsets cover every page without keeping any page.
 *  - Page objects and the page tree are written at the end too (a page
 *    costs its content's object number until then), so a print batch may be
 *    drawn in any order and put in postnummer order by the page tree.
 *  - Streams are deflated here with one z_stream reused for the whole
 *    process; the ICC profile is deflated once per process.
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

#include "pdf.h"
#include "xmalloc.h"

#define PDF_PRODUCER   "expediera"
#define FONT_MAX_SIZE  (8u << 20)    /* a font file larger than this is refused */
#define ICC_MAX_SIZE   (1u << 20)
#define PAGE_MAX_BYTES (64u << 20)   /* content of one page, before compression */
#define MAX_CIDS       65535u        /* distinct fallback characters per style */
#define COORD_MAX      1.0e6         /* coordinates and sizes beyond this are refused */
#define META_MAX       2000          /* bytes of one metadata string */
/*
 * PDF 1.4's limits, which PDF/A-1 makes binding (ISO 19005-1 6.1.12): at
 * most 8,388,607 indirect objects and 8,191 elements in an array; the xref
 * table has ten digits for an offset.
 */
#define MAX_OBJECTS    8388607u
#define ARRAY_MAX      8191u
#define OFFSET_MAX     9999999999ull
/* Kids per node of the page tree, well within ARRAY_MAX. */
#define TREE_FANOUT    32u


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
/*
 * The output intent's profile.  Every page is black text and lines in
 * DeviceGray, so a grey profile serves (PDF/A-1 takes any output intent
 * for DeviceGray, ISO 19005-1 6.2.3.3): 420 bytes where sRGB takes 6,922.
 */
static const char icc_file[] = "Gray.icc";

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
	int ascent, descent, cap_height, stemv;
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
	size_t index;        /* 0-based */
	struct buf content;
	int font;            /* current font: 0 none, 1 + style (win), 4 + style (ext) */
	float size;
	int in_text;         /* inside BT ... ET */
	long long tx, ty;    /* there: where the last line started, in 1/1000 pt */
};

struct pdf {
	struct fontset *fs;
	/*
	 * Pages [flushed, npages) are still drawn on: live[i - flushed].  Every
	 * page's content stream has object number cobj[i] once written (0 for
	 * a blank page): all a flushed page costs.
	 */
	struct pdf_page **live;
	size_t nlive, livecap;
	size_t npages, flushed;
	uint32_t *cobj;
	size_t cobjcap;
	unsigned char win_used[PDF__FONTS][32];
	struct cidfont cid[PDF__FONTS];
	uint32_t font_win[PDF__FONTS], font_ext[PDF__FONTS];  /* font objects, 0 unused */
	char *title, *author, *subject, *keywords, *language;
	char date[20];       /* "YYYY-MM-DDTHH:MM:SS", or empty */
	unsigned char id[16];
	/*
	 * The file: out (streamed, the caller's) or file (ordinary, the whole
	 * document once saved); pos bytes so far; xref[n] the offset of object
	 * n, 1 <= n <= nobj (0 while not written).
	 */
	FILE *out;
	struct buf file;
	uint64_t pos;
	uint64_t *xref;
	size_t nobj, xrefcap;
	struct buf d;        /* scratch: the dictionary being written */
	struct buf h;        /* scratch: an object's first line */
	int streamed;
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

/* n / 1000 with at most three decimals, locale-free ("-12.5", "595.276"). */
static void
buf_milli(struct buf *b, long long n)
{
	char tmp[32], digs[24];
	long long ip;
	size_t k = 0, nd = 0;
	int frac;

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

/* v in thousandths, rounded as buf_num writes it. */
static long long
milli(double v)
{
	return (long long)(v * 1000.0 + (v < 0 ? -0.5 : 0.5));
}

static void
buf_num(struct buf *b, double v)
{
	buf_milli(b, milli(v));
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

	/* OS/2: embedding rights, weight, cap height */
	t = d + fc->toff[T_OS2];
	if (rd16(t + 8) & 0x0002) {
		snprintf(err, errlen, "%s: typsnittet får inte bäddas in", path);
		return -1;
	}
	i = rd16(t + 4);
	fc->stemv = 50 + (int)(i * i / 4225);   /* the usual guess from the weight */
	/* (XHeight is optional in a FontDescriptor, and left out) */
	if (rd16(t) >= 2 && fc->tlen[T_OS2] >= 90)
		fc->cap_height = rds16(t + 88) * 1000 / (int)fc->upem;
	else
		fc->cap_height = fc->ascent;

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
 * notdef 0: glyph 0 (.notdef) is left without an outline, because nothing
 * draws it (every code and CID a page uses has a glyph of its own).
 * Returns a malloc'd buffer.
 */
static unsigned char *
subset_build(const struct face *fc, unsigned char *used, uint16_t *newgid, struct umap *chars,
    size_t nchars, int notdef, size_t *lenp)
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
	int j, short_loca;

	glyph_closure(fc, used);
	for (g = 0; g < fc->nglyphs; g++)
		newgid[g] = (used[g / 8] & (1u << (g % 8))) ? (uint16_t)n++ : 0;
	for (k = 0; k < nchars; k++)
		chars[k].gid = newgid[chars[k].gid];

	/* glyf, loca (long, shortened below), hmtx */
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
		if (gl == 0 || (g == 0 && !notdef))
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
	/*
	 * Short loca (offset / 2 in 16 bits) whenever glyf allows, as it
	 * almost always does for a subset: half the bytes.  Glyphs are padded
	 * to four bytes, so every offset is even.
	 */
	short_loca = pos < 0x20000;
	if (short_loca) {
		unsigned char *l = (unsigned char *)t[S_LOCA].p;

		for (k = 0; k <= n; k++)
			wr16(l + 2 * k, rd32(l + 4 * k) / 2);
		t[S_LOCA].len = 2 * ((size_t)n + 1);
	}

	/* head (loca format), hhea, maxp with the new counts */
	buf_add(&t[S_HEAD], d + fc->toff[T_HEAD], 54);
	wr32((unsigned char *)t[S_HEAD].p + 8, 0);
	wr16((unsigned char *)t[S_HEAD].p + 50, short_loca ? 0 : 1);
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


/* ---- the file ---- */

/* An unsigned integer, at least width digits (zero-padded). */
static void
buf_uint(struct buf *b, uint64_t v, int width)
{
	char digs[24];
	int n = 0;

	do
		digs[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	while (n < width)
		digs[n++] = '0';
	buf_grow(b, (size_t)n);
	while (n > 0)
		b->p[b->len++] = digs[--n];
}

/* "N 0 R" */
static void
buf_ref(struct buf *b, uint32_t num)
{
	buf_uint(b, num, 0);
	buf_str(b, " 0 R");
}

/* Bytes to the file; after the first failure nothing more is written. */
static void
out_bytes(struct pdf *p, const void *s, size_t n)
{
	if (p->failed || n == 0)
		return;
	if (p->out != NULL) {
		errno = 0;
		if (fwrite(s, 1, n, p->out) != n) {
			pdf_fail(p, "kan inte skriva PDF-filen: %s",
			    errno != 0 ? strerror(errno) : "skrivfel");
			return;
		}
	} else
		buf_add(&p->file, s, n);
	p->pos += n;
}

static void
out_str(struct pdf *p, const char *s)
{
	out_bytes(p, s, strlen(s));
}

/*
 * A new object number.  Every number handed out must be written (the xref
 * has no free entries but 0); 0 after an error.
 */
static uint32_t
obj_new(struct pdf *p)
{
	if (p->failed)
		return 0;
	if (p->nobj >= MAX_OBJECTS) {
		pdf_fail(p, "dokumentet har för många sidor: fler än %u PDF-objekt", MAX_OBJECTS);
		return 0;
	}
	if (p->nobj + 1 >= p->xrefcap) {
		p->xrefcap = p->xrefcap ? 2 * p->xrefcap : 64;
		p->xref = xreallocarray(p->xref, p->xrefcap, sizeof(*p->xref));
	}
	p->xref[++p->nobj] = 0;
	return (uint32_t)p->nobj;
}

/* "N 0 obj" for object num, noting where it starts. */
static void
obj_begin(struct pdf *p, uint32_t num)
{
	struct buf *h = &p->h;

	if (p->failed)
		return;
	if (num == 0 || num > p->nobj || p->xref[num] != 0) {
		pdf_fail(p, "internt fel: PDF-objekt %u skrivs två gånger", (unsigned)num);
		return;
	}
	if (p->pos > OFFSET_MAX) {
		pdf_fail(p, "PDF-filen blir för stor (över %llu byte)", (unsigned long long)OFFSET_MAX);
		return;
	}
	p->xref[num] = p->pos;
	h->len = 0;
	buf_uint(h, num, 0);
	buf_str(h, " 0 obj\n");
	out_bytes(p, h->p, h->len);
}

/* Object num holding d's text (a dictionary, an array ...). */
static void
obj_put(struct pdf *p, uint32_t num, const struct buf *d)
{
	obj_begin(p, num);
	out_bytes(p, d->p, d->len);
	out_str(p, "\nendobj\n");
}

/*
 * Object num, a stream of data; dict holds its dictionary's other entries
 * (or is NULL).  deflate: compressed here, with /Filter, unless that would
 * not make it smaller (a few bytes of CIDToGIDMap).
 */
static void
obj_stream(struct pdf *p, uint32_t num, const struct buf *dict, const void *data, size_t len,
    int deflate)
{
	struct buf *h = &p->h;
	size_t zlen;

	if (deflate) {
		if ((zlen = deflate_buf(data, len)) == 0) {
			pdf_fail(p, "kan inte komprimera (zlib)");
			return;
		}
		/* "/Filter/FlateDecode" costs 19 bytes */
		if (zlen + 19 < len) {
			data = zbuf;
			len = zlen;
		} else
			deflate = 0;
	}
	obj_begin(p, num);
	out_str(p, "<<");
	if (dict != NULL)
		out_bytes(p, dict->p, dict->len);
	h->len = 0;
	buf_str(h, "/Length ");
	buf_uint(h, len, 0);
	if (deflate)
		buf_str(h, "/Filter/FlateDecode");
	buf_str(h, ">>\nstream\n");
	out_bytes(p, h->p, h->len);
	out_bytes(p, data, len);
	out_str(p, "\nendstream\nendobj\n");
}

/* Starts the scratch dictionary p->d. */
static struct buf *
dict_begin(struct pdf *p)
{
	p->d.len = 0;
	return &p->d;
}

/* The xref table and the trailer; root and info are object numbers. */
static void
out_xref(struct pdf *p, uint32_t root, uint32_t info)
{
	struct buf *b = dict_begin(p);
	uint64_t at = p->pos;
	size_t i;
	static const char hex[] = "0123456789abcdef";

	if (p->failed)
		return;
	buf_str(b, "xref\n0 ");
	buf_uint(b, p->nobj + 1, 0);
	buf_str(b, "\n0000000000 65535 f\r\n");
	for (i = 1; i <= p->nobj; i++) {
		if (p->xref[i] == 0) {
			pdf_fail(p, "internt fel: PDF-objekt %zu skrevs aldrig", i);
			return;
		}
		buf_uint(b, p->xref[i], 10);
		buf_str(b, " 00000 n\r\n");
		if (b->len >= 32768) {
			out_bytes(p, b->p, b->len);
			b->len = 0;
		}
	}
	buf_str(b, "trailer\n<</Size ");
	buf_uint(b, p->nobj + 1, 0);
	buf_str(b, "/Root ");
	buf_ref(b, root);
	buf_str(b, "/Info ");
	buf_ref(b, info);
	/* two equal strings: the document's identity, a hash of id_seed */
	buf_str(b, "/ID[");
	for (i = 0; i < 2; i++) {
		size_t k;

		buf_chr(b, '<');
		for (k = 0; k < 16; k++) {
			buf_chr(b, hex[p->id[k] >> 4]);
			buf_chr(b, hex[p->id[k] & 15]);
		}
		buf_chr(b, '>');
	}
	buf_str(b, "]>>\nstartxref\n");
	buf_uint(b, at, 0);
	buf_str(b, "\n%%EOF\n");
	out_bytes(p, b->p, b->len);
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

/*
 * What PDF/A-1 takes as an output intent's profile (ISO 19005-1 6.2.2):
 * ICC version 2 (PDF 1.4), a monitor or printer profile; its colour space
 * gives /N.  The 'desc' tag's ASCII text, kept to safe characters, names
 * the output condition.
 */
static int
icc_check(const struct face *icc, struct fontset *fs)
{
	const unsigned char *d = icc->data;
	uint32_t ntag, i, off, len, count, k;
	size_t n = 0;

	if (icc->size < 132 || icc->size > ICC_MAX_SIZE || memcmp(d + 36, "acsp", 4) != 0 ||
	    rd32(d) != icc->size || d[8] > 2 ||
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
	if (ntag > (icc->size - 132) / 12)
		return -1;
	for (i = 0; i < ntag && n == 0; i++) {
		off = rd32(d + 132 + 12 * i + 4);
		len = rd32(d + 132 + 12 * i + 8);
		if (memcmp(d + 132 + 12 * i, "desc", 4) != 0 || off > icc->size ||
		    len > icc->size - off || len < 12 || memcmp(d + off, "desc", 4) != 0)
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
	if (icc_check(&icc, fs) == -1) {
		snprintf(err, errlen, "%s/%s är ingen ICC-profil av version 2 för en bildskärm eller "
		    "skrivare i gråskala, RGB eller CMYK", dir, icc_file);
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


static const char pdf_header[] = "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n";

/* A document writing to out, or to a buffer when out is NULL. */
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
	p->title = clean_text(meta->title);
	p->author = clean_text(meta->author);
	p->subject = clean_text(meta->subject);
	p->keywords = clean_text(meta->keywords);
	p->language = clean_text(meta->language);
	if (meta->date != NULL)
		memcpy(p->date, meta->date, 20);
	p->out = out;
	p->streamed = out != NULL;
	/* PDF/A-1: a comment of four bytes above 127 right after the header */
	out_str(p, pdf_header);
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

static void
page_free(struct pdf_page *pg)
{
	free(pg->content.p);
	free(pg);
}

void
pdf_free(struct pdf *p)
{
	size_t i;
	int f;

	if (p == NULL)
		return;
	for (i = 0; i < p->nlive; i++)
		page_free(p->live[i]);
	free(p->live);
	free(p->cobj);
	for (f = 0; f < PDF__FONTS; f++)
		cid_free(&p->cid[f]);
	free(p->title);
	free(p->author);
	free(p->subject);
	free(p->keywords);
	free(p->language);
	free(p->file.p);
	free(p->xref);
	free(p->d.p);
	free(p->h.p);
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

	if (pdf_closed(p) == -1)
		return NULL;
	/* the page tree counts pages in PDF integers */
	if (p->npages >= MAX_OBJECTS) {
		pdf_fail(p, "dokumentet har för många sidor (över %u)", MAX_OBJECTS);
		return NULL;
	}
	if (p->nlive == p->livecap) {
		p->livecap = p->livecap ? 2 * p->livecap : 4;
		p->live = xreallocarray(p->live, p->livecap, sizeof(*p->live));
	}
	if (p->npages == p->cobjcap) {
		p->cobjcap = p->cobjcap ? 2 * p->cobjcap : 4;
		p->cobj = xreallocarray(p->cobj, p->cobjcap, sizeof(*p->cobj));
	}
	pg = xcalloc(1, sizeof(*pg));
	pg->pdf = p;
	pg->index = p->npages;
	p->cobj[p->npages++] = 0;
	p->live[p->nlive++] = pg;
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
	return i >= p->flushed && i < p->npages ? p->live[i - p->flushed] : NULL;
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

enum pdf_char
pdf_char_class(struct pdf *p, enum pdf_font f, uint32_t c)
{
	unsigned code;

	if (!font_ok((int)f))
		f = PDF_REGULAR;
	switch (classify(c, &code)) {
	case CH_SKIP:
		/* The same set classify() leaves out, split by why. */
		return c < 0x20 || (c >= 0x7F && c < 0xA0) ? PDF_CHAR_CONTROL :
							       PDF_CHAR_INVISIBLE;
	case CH_WIN:
		return PDF_CHAR_GLYPH;
	default:
		return face_gid(&p->fs->ext[f], c) != 0 ? PDF_CHAR_GLYPH : PDF_CHAR_BOX;
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
	/*
	 * One text object for a run of pdf_text calls, each line placed
	 * relative to the last (Td moves from the start of the previous
	 * line), in exact thousandths: the same positions in fewer bytes, and
	 * the steps from line to line repeat, which deflate likes (about 100
	 * bytes a page).  Readers add the steps up in floating point, so a
	 * glyph may land 1e-13 pt from where an absolute Td puts it.
	 */
	if (!pg->in_text) {
		buf_str(b, "BT\n");
		pg->in_text = 1;
		pg->tx = pg->ty = 0;
	}
	buf_milli(b, milli(x) - pg->tx);
	buf_chr(b, ' ');
	buf_milli(b, milli(y) - pg->ty);
	buf_str(b, " Td\n");
	pg->tx = milli(x);
	pg->ty = milli(y);
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
}

/* Ends the page's text object, before a path (not allowed inside one) or the end. */
static void
page_end_text(struct pdf_page *pg)
{
	if (pg->in_text) {
		buf_str(&pg->content, "ET\n");
		pg->in_text = 0;
	}
}

static void
page_width(struct pdf_page *pg, float w)
{
	page_end_text(pg);
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

/* ---- fonts, at the end ---- */

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

/*
 * The FontDescriptor of a font program prog; name is "TAG+PSName", cidset
 * the CIDSet stream's object or 0.  Returns the descriptor's object.
 */
static uint32_t
font_descriptor(struct pdf *p, const struct face *fc, const char *name, int flags,
    const unsigned char *prog, size_t plen, uint32_t cidset)
{
	uint32_t file = obj_new(p), desc;
	struct buf *d;
	int i;

	d = dict_begin(p);
	buf_str(d, "/Length1 ");
	buf_uint(d, plen, 0);
	obj_stream(p, file, d, prog, plen, 1);

	desc = obj_new(p);
	d = dict_begin(p);
	buf_str(d, "<</Type/FontDescriptor/FontName/");
	buf_str(d, name);
	buf_str(d, "/Flags ");
	buf_uint(d, (unsigned)flags, 0);
	buf_str(d, "/FontBBox[");
	for (i = 0; i < 4; i++) {
		if (i > 0)
			buf_chr(d, ' ');
		buf_num(d, fc->bbox[i]);
	}
	buf_str(d, "]/ItalicAngle ");
	buf_num(d, fc->italic_angle);
	buf_str(d, "/Ascent ");
	buf_num(d, fc->ascent);
	buf_str(d, "/Descent ");
	buf_num(d, fc->descent);
	buf_str(d, "/CapHeight ");
	buf_num(d, fc->cap_height);
	buf_str(d, "/StemV ");
	buf_num(d, fc->stemv);
	buf_str(d, "/FontFile2 ");
	buf_ref(d, file);
	if (cidset != 0) {
		buf_str(d, "/CIDSet ");
		buf_ref(d, cidset);
	}
	buf_str(d, ">>");
	obj_put(p, desc, d);
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
	buf_utf16(b, c);
	buf_str(b, ">\n");
}

/* A ToUnicode CMap: code codes[i] (bytes wide) is character chars[i]. */
static uint32_t
tounicode(struct pdf *p, int bytes, const unsigned *codes, const uint32_t *chars, size_t n)
{
	struct buf b = {0};
	uint32_t num = obj_new(p);
	size_t i, k, end;

	buf_str(&b, cmap_head);
	buf_str(&b, bytes == 1 ? "<00> <FF>\n" : "<0000> <FFFF>\n");
	buf_str(&b, "endcodespacerange\n");
	for (i = 0; i < n;) {
		/* at most 100 lines a block */
		k = n - i < 100 ? n - i : 100;
		buf_uint(&b, k, 0);
		buf_str(&b, " beginbfchar\n");
		for (end = i + k; i < end; i++)
			cmap_char(&b, codes[i], bytes, chars[i]);
		buf_str(&b, "endbfchar\n");
	}
	buf_str(&b, cmap_tail);
	obj_stream(p, num, NULL, b.p, b.len, 1);
	free(b.p);
	return num;
}

/* The simple TrueType font of style f, WinAnsiEncoding. */
static void
font_simple(struct pdf *p, int f)
{
	const struct face *fc = &p->fs->win[f];
	const unsigned char *codes = p->win_used[f];
	unsigned char *glyphs, *prog;
	unsigned first = 256, last = 0, c, g, g2, ucodes[256];
	uint32_t uchars[256], desc, tu = 0;
	struct umap map[512];
	uint16_t *newgid;
	size_t nu = 0, nmap = 0, plen, i, j, k;
	char tag[8], *name;
	struct buf *d;
	int need_tu = 0;

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
	prog = subset_build(fc, glyphs, newgid, map, nmap, 0, &plen);
	free(glyphs);
	free(newgid);
	/* symbolic never; nonsymbolic always (WinAnsiEncoding); italic */
	desc = font_descriptor(p, fc, name, 32 | (fc->italic_angle != 0 ? 64 : 0), prog, plen, 0);
	free(prog);
	/*
	 * WinAnsiEncoding names 0xA0 "space": without a ToUnicode a no-break
	 * space comes back as a space.
	 */
	if (need_tu)
		tu = tounicode(p, 1, ucodes, uchars, nu);

	p->font_win[f] = obj_new(p);
	d = dict_begin(p);
	buf_str(d, "<</Type/Font/Subtype/TrueType/BaseFont/");
	buf_str(d, name);
	buf_str(d, "/FirstChar ");
	buf_uint(d, first, 0);
	buf_str(d, "/LastChar ");
	buf_uint(d, last, 0);
	/* codes not drawn get 0: nothing reads them, and the file is smaller */
	buf_str(d, "/Widths[");
	for (c = first; c <= last; c++) {
		if (c > first)
			buf_chr(d, ' ');
		buf_uint(d, (codes[c / 8] & (1u << (c % 8))) ? fc->w[p->fs->win_gid[f][c]] : 0, 0);
	}
	buf_str(d, "]/Encoding/WinAnsiEncoding/FontDescriptor ");
	buf_ref(d, desc);
	if (tu != 0) {
		buf_str(d, "/ToUnicode ");
		buf_ref(d, tu);
	}
	buf_str(d, ">>");
	obj_put(p, p->font_win[f], d);
	free(name);
}

/* The Type0 font of style f: CIDFontType2, one CID per character. */
static void
font_type0(struct pdf *p, int f)
{
	const struct face *fc = &p->fs->ext[f];
	const struct cidfont *cf = &p->cid[f];
	unsigned char *glyphs, *bytes, *prog;
	uint32_t map, set, desc, tu, cidfont;
	unsigned *codes;
	uint16_t *newgid;
	char tag[8], *name;
	size_t i, nset, plen;
	struct buf *d;

	glyphs = xcalloc((fc->nglyphs + 7) / 8, 1);
	glyphs[0] |= 1;
	for (i = 0; i < cf->n; i++)
		glyphs[cf->gid[i] / 8] |= (unsigned char)(1u << (cf->gid[i] % 8));
	subset_tag(tag, 1, f, glyphs, (fc->nglyphs + 7) / 8);
	name = xasprintf("%s%s", tag, fc->psname);
	newgid = xreallocarray(NULL, fc->nglyphs, sizeof(*newgid));
	/* .notdef is drawn only for a character no font has, when there is no □ */
	prog = subset_build(fc, glyphs, newgid, NULL, 0, p->fs->tofu_gid[f] == 0, &plen);
	free(glyphs);

	/* CIDToGIDMap and CIDSet: CID 0 is .notdef, CIDs 1..n the characters */
	bytes = xcalloc(2 * (cf->n + 1), 1);
	for (i = 0; i < cf->n; i++)
		wr16(bytes + 2 * (i + 1), newgid[cf->gid[i]]);
	free(newgid);
	map = obj_new(p);
	obj_stream(p, map, NULL, bytes, 2 * (cf->n + 1), 1);
	nset = (cf->n + 1 + 7) / 8;
	memset(bytes, 0, nset);
	for (i = 0; i <= cf->n; i++)
		bytes[i / 8] |= (unsigned char)(0x80u >> (i % 8));
	set = obj_new(p);
	obj_stream(p, set, NULL, bytes, nset, 0);
	free(bytes);
	desc = font_descriptor(p, fc, name, 4 | (fc->italic_angle != 0 ? 64 : 0), prog, plen, set);
	free(prog);

	codes = xreallocarray(NULL, cf->n ? cf->n : 1, sizeof(*codes));
	for (i = 0; i < cf->n; i++)
		codes[i] = (unsigned)(i + 1);
	tu = tounicode(p, 2, codes, cf->cp, cf->n);
	free(codes);

	cidfont = obj_new(p);
	d = dict_begin(p);
	buf_str(d, "<</Type/Font/Subtype/CIDFontType2/BaseFont/");
	buf_str(d, name);
	buf_str(d, "/CIDSystemInfo<</Registry(Adobe)/Ordering(Identity)/Supplement 0>>"
		   "/FontDescriptor ");
	buf_ref(d, desc);
	buf_str(d, "/DW ");
	buf_uint(d, fc->w[0], 0);
	/* /W in runs short enough for PDF/A-1's arrays */
	buf_str(d, "/W[");
	for (i = 0; i < cf->n; i++) {
		if (i % (ARRAY_MAX / 2) == 0) {
			if (i > 0)
				buf_str(d, "] ");
			buf_uint(d, i + 1, 0);
			buf_chr(d, '[');
		} else
			buf_chr(d, ' ');
		buf_uint(d, fc->w[cf->gid[i]], 0);
	}
	if (cf->n > 0)
		buf_chr(d, ']');
	buf_str(d, "]/CIDToGIDMap ");
	buf_ref(d, map);
	buf_str(d, ">>");
	obj_put(p, cidfont, d);

	p->font_ext[f] = obj_new(p);
	d = dict_begin(p);
	buf_str(d, "<</Type/Font/Subtype/Type0/BaseFont/");
	buf_str(d, name);
	buf_str(d, "/Encoding/Identity-H/DescendantFonts[");
	buf_ref(d, cidfont);
	buf_str(d, "]/ToUnicode ");
	buf_ref(d, tu);
	buf_str(d, ">>");
	obj_put(p, p->font_ext[f], d);
	free(name);
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

/*
 * A text string: PDFDocEncoding when every character has a byte there (all
 * Swedish does), else UTF-16BE in hex.
 */
static void
buf_text(struct buf *b, const char *s)
{
	size_t i = 0, n = strlen(s), start = b->len;
	uint32_t c;
	int byte = 0;

	buf_chr(b, '(');
	while (i < n && (byte = pdfdoc_byte(utf8_next((const unsigned char *)s, n, &i))) != -1) {
		if (byte == '(' || byte == ')' || byte == '\\')
			buf_chr(b, '\\');
		buf_chr(b, (char)byte);
	}
	if (byte != -1) {
		buf_chr(b, ')');
		return;
	}
	b->len = start;
	buf_str(b, "<FEFF");
	for (i = 0; i < n;) {
		c = utf8_next((const unsigned char *)s, n, &i);
		buf_utf16(b, c);
	}
	buf_chr(b, '>');
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
 * XMP, uncompressed as PDF/A-1 wants it, with only what PDF/A-1b asks
 * for: pdfaid, and each /Info entry mirrored (ISO 19005-1 6.7.3); simple
 * values as attributes, which RDF allows and is shorter.  Returns its
 * object.
 */
static uint32_t
pdf_xmp(struct pdf *p)
{
	static const char li_alt[] = "<rdf:Alt><rdf:li xml:lang=\"x-default\">";
	static const char li_alt_end[] = "</rdf:li></rdf:Alt>";
	struct buf b = {0}, *d;
	uint32_t num = obj_new(p);
	char date[32];
	int dc = p->title || p->author || p->subject;

	buf_str(&b, "<?xpacket begin=\"\xEF\xBB\xBF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>"
		    "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">"
		    "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">"
		    "<rdf:Description rdf:about=\"\""
		    " xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\" pdfaid:part=\"1\""
		    " pdfaid:conformance=\"B\" xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\"");
	xml_attr(&b, "pdf:Producer", PDF_PRODUCER);
	if (p->keywords)
		xml_attr(&b, "pdf:Keywords", p->keywords);
	if (p->date[0] != '\0') {
		snprintf(date, sizeof(date), "%sZ", p->date);
		buf_str(&b, " xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"");
		xml_attr(&b, "xmp:CreateDate", date);
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
		buf_str(&b, "</rdf:Description>");
	} else
		buf_str(&b, "/>");
	buf_str(&b, "</rdf:RDF></x:xmpmeta><?xpacket end=\"w\"?>");
	d = dict_begin(p);
	buf_str(d, "/Type/Metadata/Subtype/XML");
	obj_stream(p, num, d, b.p, b.len, 0);
	free(b.p);
	return num;
}

/* /Info with the values of the XMP, so PDF/A's synchronisation holds. */
static uint32_t
pdf_info(struct pdf *p)
{
	uint32_t num = obj_new(p);
	struct buf *d = dict_begin(p);
	char date[24];

	buf_str(d, "<</Producer");
	buf_text(d, PDF_PRODUCER);
	if (p->title) {
		buf_str(d, "/Title");
		buf_text(d, p->title);
	}
	if (p->author) {
		buf_str(d, "/Author");
		buf_text(d, p->author);
	}
	if (p->subject) {
		buf_str(d, "/Subject");
		buf_text(d, p->subject);
	}
	if (p->keywords) {
		buf_str(d, "/Keywords");
		buf_text(d, p->keywords);
	}
	if (p->date[0] != '\0') {
		snprintf(date, sizeof(date), "D:%.4s%.2s%.2s%.2s%.2s%.2sZ", p->date, p->date + 5,
		    p->date + 8, p->date + 11, p->date + 14, p->date + 17);
		buf_str(d, "/CreationDate");
		buf_text(d, date);
	}
	buf_str(d, ">>");
	obj_put(p, num, d);
	return num;
}

/* The ICC profile of the output intent PDF/A requires; returns its object. */
static uint32_t
pdf_icc(struct pdf *p)
{
	uint32_t num = obj_new(p);
	struct buf *d = dict_begin(p);

	buf_str(d, "/N ");
	buf_uint(d, (unsigned)p->fs->icc_n, 0);
	buf_str(d, "/Filter/FlateDecode");
	/* deflated once per process already */
	obj_stream(p, num, d, p->fs->icc_z, p->fs->icc_zlen, 0);
	return num;
}

/* ---- pages ---- */

/*
 * Deflates and writes the content of every page not yet written.  release:
 * frees the pages too (pdf_flush); else they stay, empty, for pointers
 * callers still hold (at the end, where drawing is refused anyway).
 */
static void
pages_flush(struct pdf *p, int release)
{
	struct pdf_page *pg;
	size_t i;

	for (i = 0; i < p->nlive; i++) {
		pg = p->live[i];
		page_end_text(pg);
		if (pg->content.len > 0 && !p->failed) {
			p->cobj[pg->index] = obj_new(p);
			obj_stream(p, p->cobj[pg->index], NULL, pg->content.p, pg->content.len, 1);
		}
		if (release)
			page_free(pg);
		else {
			free(pg->content.p);
			memset(&pg->content, 0, sizeof(pg->content));
		}
	}
	if (release) {
		p->flushed = p->npages;
		p->nlive = 0;
	}
}

int
pdf_flush(struct pdf *p)
{
	/* an ordinary document keeps its pages until pdf_save */
	if (!p->streamed)
		return p->failed ? -1 : 0;
	if (pdf_closed(p) == -1)
		return -1;
	pages_flush(p, 1);
	return p->failed ? -1 : 0;
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

/*
 * The page objects and the page tree, written last: a balanced tree of
 * TREE_FANOUT kids a node, whose leaves list the pages in order (order
 * NULL: drawing order).  Every number is computed before anything is
 * written, so each page knows its /Parent: page i (in order) is object
 * base + i; level l (1 = just above the pages) starts at lvl[l], node j
 * of it holds kids j * FANOUT ... of level l - 1 and pages
 * [j * FANOUT^l, (j + 1) * FANOUT^l).  The root, the one node of the top
 * level, carries MediaBox and the font resources every page inherits.
 * Returns the root's object.
 */
static uint32_t
pages_tree(struct pdf *p, const size_t *order)
{
	uint64_t span[8], lo, hi;
	size_t size[8], n = p->npages, i, j, k;
	uint32_t lvl[8], base, parent;
	struct buf *d;
	int levels = 0, l, f;

	/* levels above the pages until one node holds all (32^6 > MAX_OBJECTS) */
	size[0] = n;
	span[0] = 1;
	do {
		levels++;
		size[levels] = (size[levels - 1] + TREE_FANOUT - 1) / TREE_FANOUT;
		span[levels] = span[levels - 1] * TREE_FANOUT;
	} while (size[levels] > 1 && levels < 7);
	base = obj_new(p);
	for (i = 1; i < n; i++)
		obj_new(p);
	for (l = 1; l <= levels; l++) {
		lvl[l] = obj_new(p);
		for (j = 1; j < size[l]; j++)
			obj_new(p);
	}
	lvl[0] = base;
	if (p->failed)
		return 0;

	for (i = 0; i < n; i++) {
		uint32_t c = p->cobj[order != NULL ? order[i] : i];

		d = dict_begin(p);
		buf_str(d, "<</Type/Page/Parent ");
		buf_ref(d, lvl[1] + (uint32_t)(i / TREE_FANOUT));
		if (c != 0) {
			buf_str(d, "/Contents ");
			buf_ref(d, c);
		}
		buf_str(d, ">>");
		obj_put(p, base + (uint32_t)i, d);
	}
	for (l = 1; l <= levels; l++)
		for (j = 0; j < size[l]; j++) {
			d = dict_begin(p);
			buf_str(d, "<</Type/Pages");
			if (l < levels) {
				parent = lvl[l + 1] + (uint32_t)(j / TREE_FANOUT);
				buf_str(d, "/Parent ");
				buf_ref(d, parent);
			}
			buf_str(d, "/Kids[");
			for (k = j * TREE_FANOUT; k < size[l - 1] && k < (j + 1) * TREE_FANOUT; k++) {
				if (k > j * TREE_FANOUT)
					buf_chr(d, ' ');
				buf_ref(d, lvl[l - 1] + (uint32_t)k);
			}
			lo = j * span[l];
			hi = (j + 1) * span[l] < n ? (j + 1) * span[l] : n;
			buf_str(d, "]/Count ");
			buf_uint(d, hi - lo, 0);
			if (l == levels) {
				buf_str(d, "/MediaBox[0 0 ");
				buf_num(d, PDF_A4_WIDTH);
				buf_chr(d, ' ');
				buf_num(d, PDF_A4_HEIGHT);
				buf_str(d, "]/Resources<</Font<<");
				for (f = 0; f < PDF__FONTS; f++) {
					if (p->font_win[f] != 0) {
						buf_chr(d, '/');
						buf_str(d, res_win[f]);
						buf_chr(d, ' ');
						buf_ref(d, p->font_win[f]);
					}
					if (p->font_ext[f] != 0) {
						buf_chr(d, '/');
						buf_str(d, res_ext[f]);
						buf_chr(d, ' ');
						buf_ref(d, p->font_ext[f]);
					}
				}
				buf_str(d, ">>>>");
			}
			buf_str(d, ">>");
			obj_put(p, lvl[l] + (uint32_t)j, d);
		}
	return lvl[levels];
}

/*
 * Ends the document: the pages left, the fonts (subsets of everything any
 * page drew), the page tree in order, metadata, output intent, catalog,
 * xref and trailer.  Once.
 */
static int
pdf_finish(struct pdf *p, const size_t *order, size_t n)
{
	uint32_t pages, xmp, info, icc, catalog;
	struct buf *d;
	size_t i;
	int f, used;

	if (p->failed)
		return -1;
	if (p->finished)
		return 0;
	if (p->npages == 0) {
		pdf_fail(p, "dokumentet har inga sidor");
		return -1;
	}
	if (order != NULL && order_ok(p, order, n) == -1)
		return -1;
	p->finished = 1;
	pages_flush(p, 0);
	for (f = 0; f < PDF__FONTS; f++) {
		for (used = 0, i = 0; i < 32; i++)
			used |= p->win_used[f][i];
		if (used)
			font_simple(p, f);
	}
	for (f = 0; f < PDF__FONTS; f++)
		if (p->cid[f].n > 0)
			font_type0(p, f);
	pages = pages_tree(p, order);
	icc = pdf_icc(p);
	xmp = pdf_xmp(p);
	info = pdf_info(p);

	catalog = obj_new(p);
	d = dict_begin(p);
	buf_str(d, "<</Type/Catalog/Pages ");
	buf_ref(d, pages);
	buf_str(d, "/Metadata ");
	buf_ref(d, xmp);
	buf_str(d, "/OutputIntents[<</Type/OutputIntent/S/GTS_PDFA1/OutputConditionIdentifier(");
	buf_str(d, p->fs->icc_desc);
	buf_str(d, ")/DestOutputProfile ");
	buf_ref(d, icc);
	buf_str(d, ">>]");
	if (p->language) {
		buf_str(d, "/Lang");
		buf_text(d, p->language);
	}
	buf_str(d, ">>");
	obj_put(p, catalog, d);
	out_xref(p, catalog, info);
	if (p->out != NULL && !p->failed && (fflush(p->out) != 0 || ferror(p->out)))
		pdf_fail(p, "kan inte skriva PDF-filen: %s", errno != 0 ? strerror(errno) : "skrivfel");
	return p->failed ? -1 : 0;
}

int
pdf_finish_stream(struct pdf *p, const size_t *order, size_t n)
{
	if (!p->streamed) {
		pdf_fail(p, "pdf_finish_stream: dokumentet är inte strömmat (spara med pdf_save)");
		return -1;
	}
	if (p->finished && !p->failed) {
		pdf_fail(p, "dokumentet är redan avslutat");
		return -1;
	}
	return pdf_finish(p, order, n);
}

int
pdf_save_mem(struct pdf *p, unsigned char **bufp, size_t *lenp)
{
	if (p->streamed) {
		pdf_fail(p, "ett strömmat dokument avslutas med pdf_finish_stream");
		return -1;
	}
	if (pdf_finish(p, NULL, 0) == -1)
		return -1;
	*bufp = xmalloc(p->file.len);
	memcpy(*bufp, p->file.p, p->file.len);
	*lenp = p->file.len;
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
	if (pdf_finish(p, NULL, 0) == -1)
		return -1;
	if ((f = fopen(path, "wb")) == NULL) {
		pdf_fail(p, "kan inte skapa %s: %s", path, strerror(errno));
		return -1;
	}
	if (fwrite(p->file.p, 1, p->file.len, f) != p->file.len || fflush(f) != 0) {
		pdf_fail(p, "kan inte skriva %s: %s", path, strerror(errno));
		rc = -1;
	}
	if (fclose(f) != 0 && rc == 0) {
		pdf_fail(p, "kan inte skriva %s: %s", path, strerror(errno));
		rc = -1;
	}
	return rc;
}
