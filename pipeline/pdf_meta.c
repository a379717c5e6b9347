/*
 * pdf_meta.c -- what PDF/A-1b asks of a document beyond its pages (ISO
 * 19005-1): the metadata checked and copied when the document is made, and
 * when it is saved the XMP, /Info in step with it, the output intent with
 * the ICC profile, the trailer's /ID and /Lang.  Dates come from the
 * metadata and ids from a hash of id_seed, so the same input gives the
 * same bytes.
 *
 * Reads: the ICC profile's bytes, which pdf_font.c reads with the fonts.
 * Trusts: callers' metadata not at all: any text is cleaned and escaped.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hpdf.h>
#include <hpdf_objects.h>

#include "pdf_impl.h"
#include "text.h"
#include "xmalloc.h"

#define PDF_PRODUCER   "expediera"
#define META_MAX       2000          /* bytes of one metadata string */

/* ---- at the start ---- */

static uint32_t
rd32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * What PDF/A-1 takes as an output intent's profile (ISO 19005-1 6.2.2):
 * ICC version 2 (PDF 1.4), a monitor or printer profile; its colour space
 * gives /N.  The 'desc' tag's ASCII text, kept to safe characters, names
 * the output condition.
 */
int
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
int
meta_date_ok(const char *s)
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

/*
 * The document's id: SHA-256 of a domain and id_seed, or without a seed of
 * the visible metadata, each string with its NUL; 16 bytes of it, marked as
 * a name-based UUID.
 */
int
meta_id(const struct pdf_meta *m, unsigned char id[16])
{
	static const char domain[] = "expediera pdf id\n";
	unsigned char md[32];
	struct buf b = {0};
	int rc;

	buf_add(&b, domain, sizeof(domain) - 1);
	if (m->id_seed != NULL && m->id_seed_len > 0)
		buf_add(&b, m->id_seed, m->id_seed_len);
	else {
		/* No seed: the visible metadata is the best identity there is. */
		const char *f[3] = {m->title, m->author, m->date};
		int i;

		for (i = 0; i < 3; i++)
			buf_add(&b, f[i] != NULL ? f[i] : "", f[i] != NULL ? strlen(f[i]) + 1 : 1);
	}
	rc = text_sha256(b.p, b.len, md);
	free(b.p);
	if (rc == -1)
		return -1;
	memcpy(id, md, 16);
	id[6] = (unsigned char)((id[6] & 0x0F) | 0x50);   /* a name-based UUID */
	id[8] = (unsigned char)((id[8] & 0x3F) | 0x80);
	return 0;
}

/* The metadata strings of a new document, cleaned (see pdf_new). */
void
meta_copy(struct pdf *p, const struct pdf_meta *meta)
{
	p->title = clean_text(meta->title);
	p->author = clean_text(meta->author);
	p->subject = clean_text(meta->subject);
	p->keywords = clean_text(meta->keywords);
	p->language = clean_text(meta->language);
	if (meta->date != NULL)
		memcpy(p->date, meta->date, 20);
}

/* What meta_copy made. */
void
meta_free(struct pdf *p)
{
	free(p->title);
	free(p->author);
	free(p->subject);
	free(p->keywords);
	free(p->language);
}

/* ---- at the end ---- */

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
	char hex[33];

	text_hex(id, 16, hex);
	snprintf(s, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
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

/*
 * The metadata of a document being saved, after its pages: /Info, the
 * output intent, /ID, the XMP and /Lang.
 */
void
meta_finish(struct pdf *p)
{
	HPDF_Dict xmp;

	pdf_info(p);
	pdf_intent(p);
	pdf_id(p);
	if ((xmp = pdf_xmp(p)) != NULL)
		HPDF_Dict_Add(p->doc->catalog, "Metadata", xmp);
	if (p->language)
		HPDF_Dict_Add(p->doc->catalog, "Lang", text_obj(p, p->language));
}
