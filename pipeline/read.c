/*
 * read.c -- stage 1: parse and schema-check the XML of a session package, then
 * copy its fields into the records of session.h.  This file holds what both
 * kinds of file share: libxml2's errors as Swedish findings, the helpers that
 * copy fields out of a valid document, opening files, and the set-up;
 * read_protokoll.c streams protokoll.xml, read_forsattsblad.c reads the
 * cover sheets (read_int.h).
 *
 * Reads: SESSION/protokoll.xml, SESSION/forsattsblad/NAME.xml (untrusted,
 * size-capped, opened without following links).
 * Writes: struct session records in the session arena; `schema' findings.
 * Trusts: nothing.  The parser runs with XML_PARSE_NONET and without NOENT or
 * DTDLOAD, and a document type declaration stops the parse at once, so no
 * entity is ever expanded (XXE, billion laughs).  Fields are copied only from
 * a document that is valid against its XSD, so the copy code may assume the
 * structure and needs no checks of its own beyond text normalization.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>

#include "read.h"
#include "read_int.h"
#include "schemas.h"
#include "xmalloc.h"

/* More errors than this from one file say nothing new. */
#define FILE_ERRORS_MAX 20

struct schema schema_protokoll, schema_forsattsblad;

/* ---- libxml2 errors into Swedish findings ---- */

/*
 * Copies src to dst (size n) without the namespace parts "{urn:...}" that
 * libxml2 puts before element names: a nämndsekreterare knows <namn>, not
 * {urn:expediera:forsattsblad:1}namn.
 */
static void
strip_namespaces(char *dst, size_t n, const char *src)
{
	size_t o = 0;

	while (*src != '\0' && o + 1 < n) {
		if (*src == '{') {
			const char *end = strchr(src, '}');

			if (end != NULL) {
				src = end + 1;
				continue;
			}
		}
		dst[o++] = *src++;
	}
	dst[o] = '\0';
	while (o > 0 && (dst[o - 1] == '\n' || dst[o - 1] == ' ' || dst[o - 1] == '.'))
		dst[--o] = '\0';
}

/* The text between the first two quotes (') after key in msg, or "". */
static void
quoted_after(char *dst, size_t n, const char *msg, const char *key)
{
	const char *p = strstr(msg, key), *end;
	size_t len;

	dst[0] = '\0';
	if (p == NULL || (p = strchr(p + strlen(key), '\'')) == NULL)
		return;
	p++;
	if ((end = strchr(p, '\'')) == NULL)
		return;
	len = (size_t)(end - p);
	if (len >= n)
		len = n - 1;
	memcpy(dst, p, len);
	dst[len] = '\0';
}

/* The part of a libxml2 message after "Expected is", as "<a>, <b>". */
static void
expected_list(char *dst, size_t n, const char *msg)
{
	const char *p = strstr(msg, "Expected is");
	size_t o = 0;
	bool in_name = false;

	dst[0] = '\0';
	if (p == NULL)
		return;
	for (p += strlen("Expected is"); *p != '\0' && *p != ')' && o + 4 < n; p++) {
		if (*p == '{') {
			const char *end = strchr(p, '}');

			if (end == NULL)
				break;
			p = end;
			continue;
		}
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '-' ||
		    (*p >= '0' && *p <= '9')) {
			if (!in_name) {
				if (o > 0) {
					dst[o++] = ',';
					dst[o++] = ' ';
				}
				dst[o++] = '<';
				in_name = true;
			}
			dst[o++] = *p;
		} else if (in_name) {
			dst[o++] = '>';
			in_name = false;
		}
		if (strncmp(p + 1, "one of", 6) == 0 && !in_name)
			p += 6;
	}
	if (in_name && o + 1 < n)
		dst[o++] = '>';
	dst[o] = '\0';
}

static const char *
type_hint(const char *msg)
{
	if (strstr(msg, "xs:date") != NULL)
		return "ett datum skrivet ÅÅÅÅ-MM-DD";
	if (strstr(msg, "xs:boolean") != NULL)
		return "true eller false";
	if (strstr(msg, "xs:positiveInteger") != NULL)
		return "ett positivt heltal";
	return "av rätt slag";
}

/* A Swedish message for a schema validation error. */
static char *
schema_message(const xmlError *e)
{
	char msg[1024], elem[128], value[256], list[512];
	const char *raw = e->message != NULL ? e->message : "";

	strip_namespaces(msg, sizeof(msg), raw);
	quoted_after(elem, sizeof(elem), msg, "Element");
	switch (e->code) {
	case XML_SCHEMAV_ELEMENT_CONTENT:
		expected_list(list, sizeof(list), raw);
		if (strstr(raw, "Missing child") != NULL)
			return xasprintf("Filen följer inte formatet: <%s> saknar %s.", elem,
			    list[0] ? list : "ett element som krävs");
		if (list[0] != '\0')
			return xasprintf("Filen följer inte formatet: <%s> får inte stå här; "
			    "här väntas %s.", elem, list);
		return xasprintf("Filen följer inte formatet: <%s> får inte stå här.", elem);
	case XML_SCHEMAV_CVC_COMPLEX_TYPE_3_2_1:
	case XML_SCHEMAV_CVC_COMPLEX_TYPE_3_2_2:
		quoted_after(value, sizeof(value), msg, "attribute");
		return xasprintf("Filen följer inte formatet: attributet %s är inte tillåtet på "
		    "<%s>.", value, elem);
	case XML_SCHEMAV_CVC_COMPLEX_TYPE_4:
		quoted_after(value, sizeof(value), msg, "attribute");
		return xasprintf("Filen följer inte formatet: <%s> saknar attributet %s.", elem,
		    value);
	case XML_SCHEMAV_CVC_DATATYPE_VALID_1_2_1:
	case XML_SCHEMAV_CVC_DATATYPE_VALID_1_2_2:
	case XML_SCHEMAV_CVC_DATATYPE_VALID_1_2_3:
		quoted_after(value, sizeof(value), msg, ":");
		if (strstr(msg, "attribute") != NULL) {
			char attr[128];

			quoted_after(attr, sizeof(attr), msg, "attribute");
			return xasprintf("Filen följer inte formatet: attributet %s på <%s> ska vara "
			    "%s.", attr, elem, type_hint(raw));
		}
		return xasprintf("Filen följer inte formatet: <%s> ska vara %s.", elem,
		    type_hint(raw));
	case XML_SCHEMAV_CVC_ENUMERATION_VALID: {
		const char *set = strchr(msg, '{');

		quoted_after(value, sizeof(value), msg, "value");
		return xasprintf("Filen följer inte formatet: värdet \"%s\" är inte tillåtet i "
		    "<%s>; tillåtna värden: %s.", value, elem, set != NULL ? set : "se schemat");
	}
	case XML_SCHEMAV_CVC_PATTERN_VALID:
		if (strstr(msg, "attribute") != NULL) {
			char attr[128];

			quoted_after(attr, sizeof(attr), msg, "attribute");
			quoted_after(value, sizeof(value), msg, "value");
			return xasprintf("Filen följer inte formatet: attributet %s på <%s> har "
			    "inte rätt form (\"%s\"); ett datum skrivs ÅÅÅÅ-MM-DD.", attr, elem,
			    value);
		}
		/* FALLTHROUGH */
	case XML_SCHEMAV_CVC_MINLENGTH_VALID:
		return xasprintf("Filen följer inte formatet: <%s> får inte vara tomt.", elem);
	case XML_SCHEMAV_CVC_MAXLENGTH_VALID:
		return xasprintf("Filen följer inte formatet: texten i <%s> är för lång.", elem);
	case XML_SCHEMAV_CVC_ELT_1:
		return xasprintf("Filen följer inte formatet: rotelementet <%s> är inte det "
		    "väntade (kontrollera elementets namn och namnrymd, xmlns).", elem);
	case XML_SCHEMAV_CVC_IDC:
		quoted_after(value, sizeof(value), msg, "key-sequence [");
		if (strstr(msg, "paragrafnummer") != NULL || strstr(msg, "Duplicate") != NULL)
			return xasprintf("Paragrafnummer %s förekommer mer än en gång i protokollet.",
			    value);
		break;
	case XML_SCHEMAV_CVC_COMPLEX_TYPE_2_1:
	case XML_SCHEMAV_CVC_COMPLEX_TYPE_2_3:
		return xasprintf("Filen följer inte formatet: <%s> får inte innehålla text.", elem);
	default:
		break;
	}
	return xasprintf("Filen följer inte formatet: %s.", msg);
}

/* A Swedish message for a well-formedness error. */
static char *
parse_message(const xmlError *e)
{
	char msg[1024];

	strip_namespaces(msg, sizeof(msg), e->message != NULL ? e->message : "");
	switch (e->code) {
	case XML_ERR_DOCUMENT_EMPTY:
		return xstrdup("Filen är tom.");
	case XML_ERR_INVALID_CHAR:
	case XML_ERR_INVALID_ENCODING:
	case XML_ERR_UNKNOWN_ENCODING:
	case XML_ERR_UNSUPPORTED_ENCODING:
		return xstrdup("Filen är inte giltig UTF-8 eller innehåller ett otillåtet tecken; "
		    "spara den som UTF-8.");
	case XML_ERR_TAG_NAME_MISMATCH:
		return xasprintf("Filen är inte välformad XML: start- och sluttagg stämmer inte "
		    "överens (%s).", msg);
	case XML_ERR_DOCUMENT_END:
		return xstrdup("Filen är inte välformad XML: det finns innehåll efter "
		    "rotelementets slut.");
	case XML_ERR_NAME_REQUIRED:
	case XML_ERR_ENTITYREF_SEMICOL_MISSING:
		if (strstr(msg, "EntityRef") != NULL)
			return xstrdup("Filen är inte välformad XML: ett &-tecken i texten ska "
			    "skrivas &amp;.");
		return xasprintf("Filen är inte välformad XML: %s.", msg);
	case XML_ERR_UNDECLARED_ENTITY:
	case XML_WAR_UNDECLARED_ENTITY:
		return xasprintf("Filen är inte välformad XML: okänd entitet (%s).", msg);
	default:
		return xasprintf("Filen är inte välformad XML: %s.", msg);
	}
}

/* The nr of the <paragraf> that node is in, or 0. */
static unsigned long
paragraf_of(const xmlNode *node)
{
	for (; node != NULL; node = node->parent) {
		if (node->type == XML_ELEMENT_NODE && xmlStrEqual(node->name, BAD_CAST "paragraf")) {
			xmlChar *nr = xmlGetProp(node, BAD_CAST "nr");
			unsigned long v = 0;

			if (nr != NULL) {
				char *end;

				v = strtoul((const char *)nr, &end, 10);
				if (*end != '\0')
					v = 0;
				xmlFree(nr);
			}
			return v;
		}
	}
	return 0;
}

void
on_xml_error(void *arg, xmlErrorPtr e)
{
	struct errctx *ec = arg;
	unsigned long par = 0;
	bool schema;
	char *msg;
	int line;

	if (e == NULL || e->level == XML_ERR_WARNING || ec->dtd || ec->quiet)
		return;
	if (++ec->errors > FILE_ERRORS_MAX)
		return;
	if (ec->errors == FILE_ERRORS_MAX) {
		diag_add(&ec->s->diag, RULE_SCHEMA, ec->file, e->line, 0,
		    "Filen har fler fel än så; rätta dessa först.");
		return;
	}
	schema = ec->schema_phase || e->domain == XML_FROM_SCHEMASV;
	msg = schema ? schema_message(e) : parse_message(e);
	line = e->line;
	if (schema)
		par = e->node != NULL ? paragraf_of(e->node) :
		    ec->reader != NULL ? reader_paragraf(ec->reader) : 0;
	diag_add(&ec->s->diag, RULE_SCHEMA, ec->file, line, par, "%s", msg);
	free(msg);
}

/*
 * SAX hook for <!DOCTYPE ...>: a session package never needs a DTD, and
 * refusing it here means no entity of any kind can be declared, let alone
 * expanded or fetched.
 */
void
refuse_doctype(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct errctx *ec = ctxt->_private;

	(void)name;
	(void)ext;
	(void)sys;
	if (ec != NULL && !ec->dtd) {
		diag_add(&ec->s->diag, RULE_SCHEMA, ec->file, xmlSAX2GetLineNumber(ctx), 0,
		    "Filen innehåller en dokumenttypdeklaration (<!DOCTYPE>); det är inte "
		    "tillåtet i ett sessionspaket.");
		ec->errors++;
		ec->dtd = true;
	}
	xmlStopParser(ctxt);
}

bool
only_space(const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\r' && buf[i] != '\n')
			return false;
	return true;
}

/* ---- copying fields out of a valid document ---- */

bool
is_elem(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && xmlStrEqual(n->name, BAD_CAST name);
}

xmlNode *
first_elem(const xmlNode *parent, const char *name)
{
	xmlNode *c;

	for (c = parent->children; c != NULL; c = c->next)
		if (is_elem(c, name))
			return c;
	return NULL;
}

size_t
count_elems(const xmlNode *parent, const char *name)
{
	xmlNode *c;
	size_t n = 0;

	for (c = parent->children; c != NULL; c = c->next)
		if (is_elem(c, name))
			n++;
	return n;
}

int
line_of(const xmlNode *n)
{
	long l = xmlGetLineNo(n);

	return l > 0 && l < 0x7fffffff ? (int)l : 0;
}

/*
 * Copies s with runs of XML white space folded to one space and trimmed at
 * both ends: line breaks in an exported file are formatting, not content.
 */
const char *
norm_dup(struct arena *a, const char *in)
{
	static const char space[] = " \t\n\r";
	char *out = arena_alloc(a, strlen(in) + 1), *o = out;
	size_t n;

	in += strspn(in, space);
	while (*in != '\0') {
		n = strcspn(in, space);
		memcpy(o, in, n);
		o += n;
		in += n + strspn(in + n, space);
		if (*in != '\0')
			*o++ = ' ';
	}
	*o = '\0';
	return out;
}

/* The normalized text content of n. */
const char *
text_of(struct session *s, const xmlNode *n)
{
	xmlChar *c = xmlNodeGetContent(n);
	const char *r;

	r = norm_dup(&s->arena, c != NULL ? (const char *)c : "");
	xmlFree(c);
	return r;
}

/* The text of the first child element name, or NULL. */
const char *
child_text(struct session *s, const xmlNode *parent, const char *name)
{
	xmlNode *c = first_elem(parent, name);

	return c != NULL ? text_of(s, c) : NULL;
}

/* The normalized value of attribute name, or NULL. */
const char *
attr_of(struct session *s, const xmlNode *n, const char *name)
{
	xmlChar *v = xmlGetProp(n, BAD_CAST name);
	const char *r;

	if (v == NULL)
		return NULL;
	r = norm_dup(&s->arena, (const char *)v);
	xmlFree(v);
	return r;
}

bool
attr_bool(struct session *s, const xmlNode *n, const char *name)
{
	const char *v = attr_of(s, n, name);

	return v != NULL && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

/* The texts of all children named name, as an arena array. */
const char **
child_texts(struct session *s, const xmlNode *parent, const char *name, size_t *n)
{
	const char **v;
	xmlNode *c;
	size_t i = 0;

	*n = parent != NULL ? count_elems(parent, name) : 0;
	v = arena_array(&s->arena, *n, sizeof(*v));
	if (parent == NULL)
		return v;
	for (c = parent->children; c != NULL; c = c->next)
		if (is_elem(c, name))
			v[i++] = text_of(s, c);
	return v;
}

void
read_ident(struct session *s, const xmlNode *parent, const char *name, struct ident *id)
{
	xmlNode *c = first_elem(parent, name);

	memset(id, 0, sizeof(*id));
	if (c == NULL)
		return;
	id->raw = text_of(s, c);
	id->line = line_of(c);
}

void
read_person(struct session *s, const xmlNode *n, struct person *p)
{
	const char *u = attr_of(s, n, "underrattas");

	p->namn = child_text(s, n, "namn");
	read_ident(s, n, "personnummer", &p->pnr);
	p->line = line_of(n);
	p->ej_underrattas = u != NULL && strcmp(u, "nej") == 0;
	p->orsak = attr_of(s, n, "orsak");
}

/* The line of the first child element name, or 0. */
int
child_line(const xmlNode *parent, const char *name)
{
	xmlNode *c = first_elem(parent, name);

	return c != NULL ? line_of(c) : 0;
}

/* ---- files ---- */

/*
 * Opens path (relative to dirfd) as a regular file of at most max bytes,
 * without following a link.  The descriptor, or -1 with a Swedish reason.
 */
int
open_regular(int dirfd, const char *path, size_t max, struct stat *st, char *why,
    size_t whylen)
{
	int fd;

	fd = openat(dirfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd == -1) {
		if (errno == ELOOP)
			snprintf(why, whylen, "Filen är en symbolisk länk; sessionspaketet ska "
			    "innehålla vanliga filer.");
		else if (errno == ENOENT)
			snprintf(why, whylen, "Filen saknas i sessionspaketet.");
		else
			snprintf(why, whylen, "Filen kan inte öppnas: %s.", strerror(errno));
		return -1;
	}
	if (fstat(fd, st) == -1 || !S_ISREG(st->st_mode)) {
		snprintf(why, whylen, "Det är ingen vanlig fil.");
		close(fd);
		return -1;
	}
	if ((unsigned long long)st->st_size > max) {
		snprintf(why, whylen, "Filen är för stor (%lld byte; högst %zu byte tillåts).",
		    (long long)st->st_size, max);
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Reads path (relative to dirfd) into a new buffer of at most max bytes.
 * Returns the buffer, or NULL with a Swedish reason in why.
 */
char *
slurp(int dirfd, const char *path, size_t max, size_t *len, char *why, size_t whylen)
{
	struct stat st;
	char *buf;
	size_t got = 0;
	int fd;

	if ((fd = open_regular(dirfd, path, max, &st, why, whylen)) == -1)
		return NULL;
	buf = xmalloc((size_t)st.st_size + 1);
	while (got <= (size_t)st.st_size) {
		ssize_t r = read(fd, buf + got, (size_t)st.st_size + 1 - got);

		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == -1) {
				snprintf(why, whylen, "Filen kan inte läsas: %s.", strerror(errno));
				free(buf);
				close(fd);
				return NULL;
			}
			break;
		}
		got += (size_t)r;
	}
	close(fd);
	if (got > (size_t)st.st_size) {
		snprintf(why, whylen, "Filen ändrades medan den lästes.");
		free(buf);
		return NULL;
	}
	buf[got] = '\0';
	*len = got;
	return buf;
}

int
read_open(const char *dir, int *dfd, char *err, size_t errlen)
{
	if ((*dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			snprintf(err, errlen, "sessionspaketet %s finns inte", dir);
		else if (errno == ENOTDIR)
			snprintf(err, errlen, "%s är ingen katalog; ange katalogen med "
			    "protokoll.xml och forsattsblad/", dir);
		else
			snprintf(err, errlen, "kan inte öppna %s: %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

int
read_session(struct session *s, char *err, size_t errlen)
{
	struct protokoll_reader *r;
	struct fb_names names;
	size_t i;
	int dfd;

	if (read_open(s->dir, &dfd, err, errlen) == -1)
		return -1;
	r = read_protokoll_open(s, dfd);
	read_protokoll_more(r, s, SIZE_MAX);
	read_protokoll_close(r);
	read_protokoll_settle(s);
	if (read_forsattsblad_names(s->dir, dfd, &names, err, errlen) == -1) {
		close(dfd);
		return -1;
	}
	for (i = 0; i < names.n; i++)
		read_forsattsblad_file(s, &names, i);
	read_forsattsblad_names_free(&names);
	close(dfd);
	return 0;
}

/* ---- set-up ---- */

static int
load_schema(struct schema *sc, const char *start, const char *end, const char *name, char *err,
    size_t errlen)
{
	xmlSchemaParserCtxtPtr pctxt;

	pctxt = xmlSchemaNewMemParserCtxt(start, (int)(end - start));
	if (pctxt == NULL || (sc->schema = xmlSchemaParse(pctxt)) == NULL) {
		snprintf(err, errlen, "det inbyggda schemat %s kunde inte läsas", name);
		if (pctxt != NULL)
			xmlSchemaFreeParserCtxt(pctxt);
		return -1;
	}
	xmlSchemaFreeParserCtxt(pctxt);
	return 0;
}

int
read_init(char *err, size_t errlen)
{
	xmlInitParser();
	if (schema_protokoll.schema != NULL)
		return 0;
	if (load_schema(&schema_protokoll, schema_protokoll_xsd, schema_protokoll_xsd_end,
	    "protokoll.xsd", err, errlen) == -1 ||
	    load_schema(&schema_forsattsblad, schema_forsattsblad_xsd,
	    schema_forsattsblad_xsd_end, "forsattsblad.xsd", err, errlen) == -1)
		return -1;
	return 0;
}

static void
free_schema(struct schema *sc)
{
	if (sc->schema != NULL)
		xmlSchemaFree(sc->schema);
	memset(sc, 0, sizeof(*sc));
}

void
read_cleanup(void)
{
	free_schema(&schema_protokoll);
	free_schema(&schema_forsattsblad);
	read_forsattsblad_cleanup();
	xmlCleanupParser();
}
