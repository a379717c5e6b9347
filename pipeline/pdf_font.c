/*
 * pdf_font.c -- the fonts of pdf.h: the TrueType files of a fontdir read
 * once per process, what each character is drawn with and how wide it is,
 * each document's own copy of a font loaded on first use, and at the end the
 * subsets mended where libharu 2.3.0 falls short (see pdf.c's overview).
 *
 * Reads: the font files in fontdir (fonts/fonts.mk), and its ICC profile,
 * which pdf_meta.c checks.
 * Trusts: those files to be the build's (libharu parses them); callers'
 * text not at all.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include <hpdf.h>
#include <hpdf_font.h>
#include <hpdf_fontdef.h>
#include <hpdf_objects.h>
#include <hpdf_streams.h>

#include "pdf_impl.h"
#include "xmalloc.h"

#define FONT_MAX_SIZE  (8u << 20)    /* a font file larger than this is refused */

/* What fontdir holds; the same names as in fonts/fonts.mk. */
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

/* Every fontdir read so far. */
static struct fontset *fontsets;

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

/* A handler for the measuring document, which has no struct pdf. */
static void
haru_quiet(HPDF_STATUS no, HPDF_STATUS detail, void *arg)
{
	(void)no;
	(void)detail;
	(void)arg;
}

struct fontset *
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

/* ---- measuring ---- */

enum drawn
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

int
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
HPDF_Font
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

/* ---- fonts, at the end ---- */

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
			buf_hex(b, codes[i], 2 * bytes);
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

/* The document's fonts, mended for the save: each font that a page used. */
void
fonts_finish(struct pdf *p)
{
	int f;

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
}
