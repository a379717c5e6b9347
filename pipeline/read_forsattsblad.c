/*
 * read_forsattsblad.c -- stage 1 for the cover sheets: list them, read each
 * one whole and validate it against its XSD, copy its fields; and find a
 * sheet's dnr without a full read (read.h, read_int.h).
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlschemas.h>

#include "read.h"
#include "read_int.h"
#include "xmalloc.h"

/*
 * One parser and one validator for every försättsblad of a thread: setting
 * one up costs as much as a small file.  Per thread, since parts.c reads
 * sheets in a second thread; the compiled schema is only read, and shared.
 */
static _Thread_local xmlParserCtxtPtr fb_ctxt;
static _Thread_local xmlSchemaValidCtxtPtr fb_valid;

/*
 * Parses buf as one UTF-8 XML document and validates it against sc.  Returns
 * the document when it is well-formed (valid or not: *valid says which), or
 * NULL after adding findings.
 */
static xmlDocPtr
parse_and_validate(struct session *s, const char *file, const char *buf, size_t len,
    struct schema *sc, bool *valid)
{
	struct errctx ec = {s, file, 0, false, false, false, NULL};
	xmlSchemaValidCtxtPtr vc = fb_valid;
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc;
	int opts = XML_PARSE_NONET | XML_PARSE_BIG_LINES | XML_PARSE_NOCDATA | XML_PARSE_NOBLANKS |
	    XML_PARSE_COMPACT;

	*valid = false;
	if (only_space(buf, len)) {
		diag_add(&s->diag, RULE_SCHEMA, file, 0, 0, "Filen är tom.");
		return NULL;
	}
	/* UTF-16 and UTF-32 have NUL bytes; UTF-8 text never does. */
	if (memchr(buf, '\0', len) != NULL) {
		diag_add(&s->diag, RULE_SCHEMA, file, 1, 0, "Filen är inte UTF-8 (den innehåller "
		    "NUL-tecken, kanske är den sparad som UTF-16); spara den som UTF-8.");
		return NULL;
	}
	if (fb_ctxt == NULL && (fb_ctxt = xmlNewParserCtxt()) == NULL) {
		diag_add(&s->diag, RULE_SCHEMA, file, 0, 0, "Filen kunde inte läsas (slut på minne).");
		return NULL;
	}
	ctxt = fb_ctxt;
	ctxt->_private = &ec;
	ctxt->sax->internalSubset = refuse_doctype;
	xmlSetStructuredErrorFunc(&ec, on_xml_error);
	/* The encoding is forced: a package is UTF-8, whatever a declaration says. */
	doc = xmlCtxtReadMemory(ctxt, buf, (int)len, file, "UTF-8", opts);
	if (doc != NULL && (ec.errors > 0 || !ctxt->wellFormed)) {
		xmlFreeDoc(doc);
		doc = NULL;
	}
	if (doc == NULL && ec.errors == 0)
		diag_add(&s->diag, RULE_SCHEMA, file, 0, 0, "Filen är inte välformad XML.");
	ctxt->_private = NULL;
	if (doc == NULL) {
		xmlSetStructuredErrorFunc(NULL, NULL);
		return NULL;
	}
	ec.schema_phase = true;
	if (vc == NULL && (vc = xmlSchemaNewValidCtxt(sc->schema)) == NULL) {
		diag_add(&s->diag, RULE_SCHEMA, file, 0, 0, "Filen kunde inte läsas (slut på minne).");
		xmlFreeDoc(doc);
		xmlSetStructuredErrorFunc(NULL, NULL);
		return NULL;
	}
	fb_valid = vc;
	xmlSchemaSetValidStructuredErrors(vc, on_xml_error, &ec);
	*valid = xmlSchemaValidateDoc(vc, doc) == 0 && ec.errors == 0;
	xmlSchemaSetValidStructuredErrors(vc, NULL, NULL);
	xmlSetStructuredErrorFunc(NULL, NULL);
	if (!*valid && ec.errors == 0)
		diag_add(&s->diag, RULE_SCHEMA, file, 0, 0, "Filen följer inte formatet.");
	return doc;
}

/* ---- copying the fields of a valid sheet ---- */

static int
name_index(const char *const *names, int n, const char *v, int dflt)
{
	int i;

	if (v == NULL)
		return dflt;
	for (i = 0; i < n; i++)
		if (strcmp(names[i], v) == 0)
			return i;
	return dflt;
}

static void
read_adress(struct session *s, const xmlNode *n, struct adress *a)
{
	xmlNode *c;

	a->typ = (enum adresstyp)name_index(adresstyp_names, ADRESS__MAX,
	    attr_of(s, n, "typ"), ADRESS_FOLKBOKFORING);
	a->osaker = attr_bool(s, n, "osaker");
	a->co = child_text(s, n, "co");
	a->co_line = child_line(n, "co");
	for (c = n->children; c != NULL; c = c->next)
		if (is_elem(c, "utdelningsadress") && a->n_utdelningsadress < 2) {
			a->utdelningsadress_line[a->n_utdelningsadress] = line_of(c);
			a->utdelningsadress[a->n_utdelningsadress++] = text_of(s, c);
		}
	a->postnummer = child_text(s, n, "postnummer");
	a->postnummer_line = child_line(n, "postnummer");
	a->postort = child_text(s, n, "postort");
	a->postort_line = child_line(n, "postort");
	a->land = child_text(s, n, "land");
	a->land_line = child_line(n, "land");
	a->line = line_of(n);
}

static void
read_mottagare(struct session *s, const xmlNode *n, struct mottagare *m)
{
	const char *a;
	xmlNode *c;
	size_t i = 0;

	m->roll = (enum roll)name_index(roll_names, ROLL__MAX, attr_of(s, n, "roll"),
	    ROLL_ANNAN);
	m->kanal = (enum kanal)name_index(kanal_names, KANAL__MAX, attr_of(s, n, "kanal"),
	    KANAL_AUTO);
	m->delgivning = attr_bool(s, n, "delgivning");
	m->namn = child_text(s, n, "namn");
	m->namn_line = child_line(n, "namn");
	read_ident(s, n, "personnummer", &m->pnr);
	if ((c = first_elem(n, "organisationsnummer")) != NULL) {
		m->orgnr_raw = text_of(s, c);
		m->orgnr_line = line_of(c);
	}
	m->skyddad = first_elem(n, "skyddad-identitet") != NULL;
	/* The schema's pattern makes it YYYY-MM-DD; a day the calendar lacks is
	 * left {0, 0, 0} and lifts nothing (validate_protected_identity_exposed). */
	if ((a = attr_of(s, n, "skydd-upphort")) != NULL)
		ymd_parse(a, &m->skydd_upphort);
	m->n_adresser = count_elems(n, "adress");
	m->adresser = arena_array(&s->arena, m->n_adresser, sizeof(*m->adresser));
	for (c = n->children; c != NULL; c = c->next)
		if (is_elem(c, "adress"))
			read_adress(s, c, &m->adresser[i++]);
	m->line = line_of(n);
}

/*
 * <ifylld datum> is an xs:date, which may carry a time zone ("2026-11-03Z",
 * "2026-11-03+01:00"): the day written is the day it was filled in.
 */
static void
ifylld_date(const char *d, struct ymd *out)
{
	char day[11];

	if (ymd_parse(d, out))
		return;
	if (strlen(d) <= 10 || (d[10] != 'Z' && d[10] != '+' && d[10] != '-'))
		return;
	memcpy(day, d, 10);
	day[10] = '\0';
	ymd_parse(day, out);
}

static void
copy_forsattsblad(struct session *s, const xmlNode *root, struct forsattsblad *fb)
{
	xmlNode *c, *av;
	size_t i;

	fb->galler.namn = NULL;
	if ((c = first_elem(root, "galler")) != NULL)
		read_person(s, c, &fb->galler);
	if ((c = first_elem(root, "handlaggare")) != NULL) {
		fb->handlaggare.namn = child_text(s, c, "namn");
		fb->handlaggare.titel = child_text(s, c, "titel");
		fb->handlaggare.enhet = child_text(s, c, "enhet");
		fb->handlaggare.telefon = child_text(s, c, "telefon");
		fb->handlaggare.epost = child_text(s, c, "epost");
	}
	if ((c = first_elem(root, "vardnadshavare")) != NULL) {
		xmlNode *p;

		fb->vh = VH_ANGIVNA;
		fb->n_vardnadshavare = count_elems(c, "person");
		fb->vardnadshavare = arena_array(&s->arena, fb->n_vardnadshavare,
		    sizeof(*fb->vardnadshavare));
		i = 0;
		for (p = c->children; p != NULL; p = p->next)
			if (is_elem(p, "person"))
				read_person(s, p, &fb->vardnadshavare[i++]);
	} else if ((c = first_elem(root, "ingen-vardnadshavare")) != NULL) {
		fb->vh = VH_INGEN;
		fb->ingen_orsak = attr_of(s, c, "orsak");
	}
	fb->n_mottagare = count_elems(root, "mottagare");
	fb->mottagare = arena_array(&s->arena, fb->n_mottagare, sizeof(*fb->mottagare));
	i = 0;
	for (c = root->children; c != NULL; c = c->next)
		if (is_elem(c, "mottagare"))
			read_mottagare(s, c, &fb->mottagare[i++]);
	if ((av = first_elem(root, "avsandare")) != NULL) {
		fb->avsandare_line = line_of(av);
		if ((c = first_elem(av, "namn")) != NULL)
			fb->avsandare = text_of(s, c);
		else if (strcmp(text_of(s, av), "namndsekreterare") != 0)
			diag_add(&s->diag, RULE_SCHEMA, fb->file, fb->avsandare_line, 0,
			    "<avsandare> ska vara \"namndsekreterare\" eller innehålla <namn> "
			    "på den som skickar beslutet.");
	}
	if ((c = first_elem(root, "ifylld")) != NULL) {
		const char *d = attr_of(s, c, "datum");

		fb->ifylld_av = attr_of(s, c, "av");
		fb->ifylld_line = line_of(c);
		if (d != NULL)
			ifylld_date(d, &fb->ifylld_datum);
	}
}

/* ---- the sheets of a package ---- */


static struct forsattsblad *
new_forsattsblad(struct session *s, const char *file)
{
	struct forsattsblad *fb;

	if (s->n_fb == s->cap_fb) {
		s->cap_fb = s->cap_fb ? s->cap_fb * 2 : 64;
		s->fb = xreallocarray(s->fb, s->cap_fb, sizeof(*s->fb));
	}
	fb = &s->fb[s->n_fb++];
	memset(fb, 0, sizeof(*fb));
	fb->file = arena_strdup(&s->arena, file);
	return fb;
}

void
read_forsattsblad_buf(struct session *s, const char *file, const char *buf, size_t len)
{
	struct forsattsblad *fb = new_forsattsblad(s, file);
	xmlDocPtr doc;
	xmlNode *root, *arende;
	bool valid;

	doc = parse_and_validate(s, fb->file, buf, len, &schema_forsattsblad, &valid);
	if (doc == NULL)
		return;
	/*
	 * Even an invalid cover sheet says which case it is for when its
	 * <arende> can be found: the paragraph is then blocked by the schema
	 * finding, instead of also being reported as having no cover sheet.
	 */
	root = xmlDocGetRootElement(doc);
	if (root != NULL && is_elem(root, "forsattsblad") && root->ns != NULL &&
	    xmlStrEqual(root->ns->href, BAD_CAST NS_FORSATTSBLAD) &&
	    (arende = first_elem(root, "arende")) != NULL) {
		fb->dnr = attr_of(s, arende, "dnr");
		fb->arende_line = line_of(arende);
	}
	if (valid) {
		fb->valid = true;
		copy_forsattsblad(s, root, fb);
	}
	xmlFreeDoc(doc);
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
has_xml_suffix(const char *name)
{
	size_t len = strlen(name);

	return len > 4 && strcasecmp(name + len - 4, ".xml") == 0;
}

int
read_forsattsblad_names(const char *dir, int dfd, struct fb_names *out, char *err,
    size_t errlen)
{
	struct dirent *de;
	struct stat st;
	DIR *dp;
	int fbfd;

	memset(out, 0, sizeof(*out));
	out->fd = -1;
	fbfd = openat(dfd, "forsattsblad", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fbfd == -1) {
		if (errno != ENOENT && !(fstatat(dfd, "forsattsblad", &st, AT_SYMLINK_NOFOLLOW) ==
		    0 && !S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode))) {
			snprintf(err, errlen, "kan inte läsa %s/forsattsblad: %s", dir,
			    strerror(errno));
			return -1;
		}
		return 0;
	}
	if ((dp = fdopendir(fbfd)) == NULL) {
		snprintf(err, errlen, "kan inte läsa %s/forsattsblad: %s", dir, strerror(errno));
		close(fbfd);
		return -1;
	}
	while ((de = readdir(dp)) != NULL) {
		size_t cap = out->n;

		if (de->d_name[0] == '.' || !has_xml_suffix(de->d_name))
			continue;
		if (out->n == FORSATTSBLAD_MAX_FILES) {
			snprintf(err, errlen, "%s/forsattsblad innehåller fler än %d filer", dir,
			    FORSATTSBLAD_MAX_FILES);
			closedir(dp);
			read_forsattsblad_names_free(out);
			return -1;
		}
		/* a power of two: grow */
		if (cap == 0 || (cap & (cap - 1)) == 0)
			out->v = xreallocarray(out->v, cap ? 2 * cap : 64, sizeof(*out->v));
		out->v[out->n++] = xstrdup(de->d_name);
	}
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), cmp_names);
	/* the directory stream owns fbfd; keep one of our own for the files */
	out->fd = dup(dirfd(dp));
	closedir(dp);
	if (out->fd == -1) {
		snprintf(err, errlen, "kan inte läsa %s/forsattsblad: %s", dir, strerror(errno));
		read_forsattsblad_names_free(out);
		return -1;
	}
	return 0;
}

void
read_forsattsblad_names_free(struct fb_names *names)
{
	size_t i;

	for (i = 0; i < names->n; i++)
		free(names->v[i]);
	free(names->v);
	if (names->fd != -1)
		close(names->fd);
	memset(names, 0, sizeof(*names));
	names->fd = -1;
}

void
read_forsattsblad_file(struct session *s, const struct fb_names *names, size_t i)
{
	char why[256], *rel = xasprintf("forsattsblad/%s", names->v[i]), *buf;
	size_t len;

	buf = slurp(names->fd, names->v[i], FORSATTSBLAD_MAX_BYTES, &len, why, sizeof(why));
	if (buf == NULL) {
		new_forsattsblad(s, rel);
		diag_add(&s->diag, RULE_SCHEMA, rel, 0, 0, "%s", why);
	} else {
		read_forsattsblad_buf(s, rel, buf, len);
		free(buf);
	}
	free(rel);
}

static xmlTextReaderPtr scan_reader;

/* buf[0..len) holds the bytes of s (memmem is not in C or POSIX). */
static bool
contains(const char *buf, size_t len, const char *s)
{
	size_t n = strlen(s);
	const char *p = buf, *end = buf + len;

	while ((size_t)(end - p) >= n) {
		p = memchr(p, s[0], (size_t)(end - p) - n + 1);
		if (p == NULL)
			return false;
		if (memcmp(p, s, n) == 0)
			return true;
		p++;
	}
	return false;
}

static void
ignore_error(void *arg, xmlErrorPtr e)
{
	(void)arg;
	(void)e;
}

/* buf at p starts with s: then past it. */
static bool
eat(const char **p, const char *end, const char *s)
{
	size_t n = strlen(s);

	if ((size_t)(end - *p) < n || memcmp(*p, s, n) != 0)
		return false;
	*p += n;
	return true;
}

static void
eat_space(const char **p, const char *end)
{
	while (*p < end && (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r'))
		(*p)++;
}

/* White space, comments: what may stand between the prolog's parts. */
static bool
eat_misc(const char **p, const char *end)
{
	for (;;) {
		eat_space(p, end);
		if (!eat(p, end, "<!--"))
			return true;
		while (*p + 3 <= end && memcmp(*p, "-->", 3) != 0)
			(*p)++;
		if (!eat(p, end, "-->"))
			return false;
	}
}

/*
 * The dnr of a försättsblad written the plain way, as the generator of every
 * meeting system writes it: an XML declaration, the root with only the
 * default namespace, <arende dnr="..."> first.  NULL for anything else
 * (entities, prefixes, other attributes ...), which libxml2 then reads: the
 * answer must be the one the full parse gives, or none.
 */
static char *
plain_dnr(const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len, *v;
	struct arena a = {0};
	char *raw, *dnr, *c;

	eat(&p, end, "\xEF\xBB\xBF");
	if (eat(&p, end, "<?xml")) {
		while (p + 2 <= end && memcmp(p, "?>", 2) != 0 && *p != '<')
			p++;
		if (!eat(&p, end, "?>"))
			return NULL;
	}
	if (!eat_misc(&p, end) || !eat(&p, end, "<forsattsblad"))
		return NULL;
	eat_space(&p, end);
	if (!eat(&p, end, "xmlns=\"" NS_FORSATTSBLAD "\""))
		return NULL;
	eat_space(&p, end);
	if (!eat(&p, end, ">") || !eat_misc(&p, end) || !eat(&p, end, "<arende"))
		return NULL;
	if (p >= end || (*p != ' ' && *p != '\t' && *p != '\n' && *p != '\r'))
		return NULL;
	eat_space(&p, end);
	if (!eat(&p, end, "dnr=\""))
		return NULL;
	for (v = p; p < end && *p != '"'; p++)
		if (*p == '&' || *p == '<')
			return NULL;
	if (p >= end)
		return NULL;
	raw = xstrndup(v, (size_t)(p - v));
	p++;
	eat_space(&p, end);
	if (!eat(&p, end, "/>") && !eat(&p, end, ">")) {
		free(raw);
		return NULL;
	}
	/* as the parser normalizes an attribute value, then as attr_of does */
	for (c = raw; *c != '\0'; c++)
		if (*c == '\t' || *c == '\n' || *c == '\r')
			*c = ' ';
	dnr = xstrdup(norm_dup(&a, raw));
	arena_free(&a);
	free(raw);
	return dnr;
}

char *
read_forsattsblad_dnr(const struct fb_names *names, size_t i, bool *skyddad)
{
	char why[256], *buf, *dnr = NULL;
	xmlTextReaderPtr rd;
	size_t len;
	int ret;

	*skyddad = false;
	buf = slurp(names->fd, names->v[i], FORSATTSBLAD_MAX_BYTES, &len, why, sizeof(why));
	/*
	 * An element is named by its bytes (no reference can spell a name), so a
	 * file without these has no <skyddad-identitet/>; one that cannot be
	 * read has nothing the full read would use.
	 */
	if (buf != NULL)
		*skyddad = contains(buf, len, "skyddad-identitet");
	if (buf == NULL || memchr(buf, '\0', len) != NULL) {
		free(buf);
		return NULL;
	}
	if ((dnr = plain_dnr(buf, len)) != NULL) {
		free(buf);
		return dnr;
	}
	/* A DTD could declare entities: such a file is for the full parse to refuse. */
	if (strstr(buf, "<!DOCTYPE") != NULL) {
		free(buf);
		return NULL;
	}
	/* one reader for every file: setting one up costs more than the scan */
	if (scan_reader == NULL)
		rd = scan_reader = xmlReaderForMemory(buf, (int)len, names->v[i], "UTF-8",
		    XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_IGNORE_ENC);
	else if (xmlReaderNewMemory(scan_reader, buf, (int)len, names->v[i], "UTF-8",
	    XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_IGNORE_ENC) == 0)
		rd = scan_reader;
	else
		rd = NULL;
	if (rd == NULL) {
		free(buf);
		return NULL;
	}
	xmlTextReaderSetStructuredErrorHandler(rd, ignore_error, NULL);
	ret = xmlTextReaderRead(rd);
	/* the root, in its namespace; then its children, their subtrees skipped */
	if (ret == 1 && xmlTextReaderNodeType(rd) == XML_READER_TYPE_ELEMENT &&
	    xmlStrEqual(xmlTextReaderConstLocalName(rd), BAD_CAST "forsattsblad") &&
	    xmlStrEqual(xmlTextReaderConstNamespaceUri(rd), BAD_CAST NS_FORSATTSBLAD) &&
	    !xmlTextReaderIsEmptyElement(rd)) {
		ret = xmlTextReaderRead(rd);
		while (ret == 1 && xmlTextReaderDepth(rd) >= 1) {
			if (xmlTextReaderDepth(rd) == 1 &&
			    xmlTextReaderNodeType(rd) == XML_READER_TYPE_ELEMENT &&
			    xmlStrEqual(xmlTextReaderConstLocalName(rd), BAD_CAST "arende")) {
				xmlChar *v = xmlTextReaderGetAttribute(rd, BAD_CAST "dnr");

				if (v != NULL) {
					struct arena a = {0};

					dnr = xstrdup(norm_dup(&a, (const char *)v));
					arena_free(&a);
					xmlFree(v);
				}
				break;
			}
			ret = xmlTextReaderNext(rd);
		}
	}
	/* the reader keeps no pointer into buf past this: the next file resets it */
	xmlTextReaderClose(rd);
	free(buf);
	return dnr;
}

void
read_thread_done(void)
{
	if (fb_ctxt != NULL) {
		xmlFreeParserCtxt(fb_ctxt);
		fb_ctxt = NULL;
	}
	if (fb_valid != NULL) {
		xmlSchemaFreeValidCtxt(fb_valid);
		fb_valid = NULL;
	}
}


void
read_forsattsblad_cleanup(void)
{
	if (scan_reader != NULL) {
		xmlFreeTextReader(scan_reader);
		scan_reader = NULL;
	}
	read_thread_done();
}
