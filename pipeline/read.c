/*
 * read.c -- stage 1: parse and schema-check the XML of a session package, then
 * copy its fields into the records of session.h.
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
#include "schemas.h"
#include "xmalloc.h"

#define NS_PROTOKOLL    "urn:expediera:protokoll:1"
#define NS_FORSATTSBLAD "urn:expediera:forsattsblad:1"

/* More errors than this from one file say nothing new. */
#define FILE_ERRORS_MAX 20

/* Compiled once, only read after: shared by every thread and validation context. */
struct schema {
	xmlSchemaPtr schema;
};

static struct schema schema_protokoll, schema_forsattsblad;

struct protokoll_reader;
static unsigned long reader_paragraf(const struct protokoll_reader *);

/* What the libxml2 error callbacks need to turn errors into findings. */
struct errctx {
	struct session *s;
	const char *file;
	int errors;
	bool dtd;          /* a document type declaration was refused */
	bool schema_phase; /* validating, not parsing */
	bool quiet;        /* errors are not findings */
	struct protokoll_reader *reader; /* protokoll.xml, streamed; else NULL */
};

const char *const roll_names[ROLL__MAX] = {
	"den-enskilde", "vardnadshavare", "sarskilt-forordnad-vardnadshavare", "god-man",
	"forvaltare", "ombud", "familjehem", "hvb", "myndighet", "annan",
};
/* The roles as a letter or a list names them. */
const char *const roll_labels[ROLL__MAX] = {
	"Den enskilde", "Vårdnadshavare", "Särskilt förordnad vårdnadshavare", "God man",
	"Förvaltare", "Ombud", "Familjehem", "HVB", "Myndighet", "Annan mottagare",
};
const char *const kanal_names[KANAL__MAX] = {"auto", "digital", "post", "rekommenderat"};
const char *const adresstyp_names[ADRESS__MAX] = {"folkbokforing", "vistelse", "sarskild",
    "utland"};

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

static void
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
static void
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

static bool
only_space(const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\r' && buf[i] != '\n')
			return false;
	return true;
}

/*
 * Parses buf as one UTF-8 XML document and validates it against sc.  Returns
 * the document when it is well-formed (valid or not: *valid says which), or
 * NULL after adding findings.
 */
/*
 * One parser and one validator for every försättsblad of a thread: setting
 * one up costs as much as a small file.  Per thread, since parts.c reads
 * sheets in a second thread; the compiled schema is only read, and shared.
 */
static _Thread_local xmlParserCtxtPtr fb_ctxt;
static _Thread_local xmlSchemaValidCtxtPtr fb_valid;

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

/* ---- copying fields out of a valid document ---- */

static bool
is_elem(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && xmlStrEqual(n->name, BAD_CAST name);
}

static xmlNode *
first_elem(const xmlNode *parent, const char *name)
{
	xmlNode *c;

	for (c = parent->children; c != NULL; c = c->next)
		if (is_elem(c, name))
			return c;
	return NULL;
}

static size_t
count_elems(const xmlNode *parent, const char *name)
{
	xmlNode *c;
	size_t n = 0;

	for (c = parent->children; c != NULL; c = c->next)
		if (is_elem(c, name))
			n++;
	return n;
}

static int
line_of(const xmlNode *n)
{
	long l = xmlGetLineNo(n);

	return l > 0 && l < 0x7fffffff ? (int)l : 0;
}

/*
 * Copies s with runs of XML white space folded to one space and trimmed at
 * both ends: line breaks in an exported file are formatting, not content.
 */
static const char *
norm_dup(struct arena *a, const char *in)
{
	size_t len = strlen(in), o = 0, i;
	char *out = arena_alloc(a, len + 1);
	bool space = false;

	for (i = 0; i < len; i++) {
		char c = in[i];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			space = o > 0;
			continue;
		}
		if (space)
			out[o++] = ' ';
		space = false;
		out[o++] = c;
	}
	out[o] = '\0';
	return out;
}

/* The normalized text content of n. */
static const char *
text_of(struct session *s, const xmlNode *n)
{
	xmlChar *c = xmlNodeGetContent(n);
	const char *r;

	r = norm_dup(&s->arena, c != NULL ? (const char *)c : "");
	xmlFree(c);
	return r;
}

/* The text of the first child element name, or NULL. */
static const char *
child_text(struct session *s, const xmlNode *parent, const char *name)
{
	xmlNode *c = first_elem(parent, name);

	return c != NULL ? text_of(s, c) : NULL;
}

/* The normalized value of attribute name, or NULL. */
static const char *
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

static bool
attr_bool(struct session *s, const xmlNode *n, const char *name)
{
	const char *v = attr_of(s, n, name);

	return v != NULL && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0);
}

/* The texts of all children named name, as an arena array. */
static const char **
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

/* The lines of the first n children named name, as an arena array. */
static int *
child_lines(struct session *s, const xmlNode *parent, const char *name, size_t n)
{
	int *v = arena_array(&s->arena, n, sizeof(*v));
	xmlNode *c;
	size_t i = 0;

	if (parent == NULL)
		return v;
	for (c = parent->children; c != NULL && i < n; c = c->next)
		if (is_elem(c, name))
			v[i++] = line_of(c);
	return v;
}

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
read_ident(struct session *s, const xmlNode *parent, const char *name, struct ident *id)
{
	xmlNode *c = first_elem(parent, name);

	memset(id, 0, sizeof(*id));
	if (c == NULL)
		return;
	id->raw = text_of(s, c);
	id->line = line_of(c);
}

static void
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
static int
child_line(const xmlNode *parent, const char *name)
{
	xmlNode *c = first_elem(parent, name);

	return c != NULL ? line_of(c) : 0;
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
	m->n_adresser = count_elems(n, "adress");
	m->adresser = arena_array(&s->arena, m->n_adresser, sizeof(*m->adresser));
	for (c = n->children; c != NULL; c = c->next)
		if (is_elem(c, "adress"))
			read_adress(s, c, &m->adresser[i++]);
	m->line = line_of(n);
}

static void
read_paragraf(struct session *s, const xmlNode *n, struct paragraf *p)
{
	const char *nr = attr_of(s, n, "nr"), *typ;
	xmlNode *c;

	p->nr = nr != NULL ? strtoul(nr, NULL, 10) : 0;
	p->dnr = attr_of(s, n, "dnr");
	p->omedelbart_justerad = attr_bool(s, n, "omedelbart-justerad");
	p->rubrik = child_text(s, n, "rubrik");
	p->offentlig_rubrik = child_text(s, n, "offentlig-rubrik");
	if ((c = first_elem(n, "galler")) != NULL) {
		p->has_galler = true;
		read_person(s, c, &p->galler);
	}
	/* A paragraph about an individual is secret unless the sekretessprövning
	 * said otherwise: forgetting the attribute must not publish it. */
	p->sekretess = attr_of(s, n, "sekretess") != NULL ? attr_bool(s, n, "sekretess") :
							    p->has_galler;
	p->offentligt_beslut = attr_bool(s, n, "offentligt-beslut");
	p->punkter = child_texts(s, first_elem(n, "beslut"), "punkt", &p->n_punkter);
	p->lagrum = child_texts(s, n, "lagrum", &p->n_lagrum);
	p->beslutsgang = child_text(s, n, "beslutsgang");
	p->beskrivning = child_texts(s, first_elem(n, "beskrivning"), "stycke",
	    &p->n_beskrivning);
	p->skal = child_texts(s, first_elem(n, "skal"), "stycke", &p->n_skal);
	p->beslutsunderlag = child_texts(s, first_elem(n, "beslutsunderlag"), "handling",
	    &p->n_beslutsunderlag);
	p->overklagande = OVERKLAGANDE_EJ_ANGIVET;
	if ((c = first_elem(n, "overklagande")) != NULL && (typ = attr_of(s, c, "typ")) != NULL) {
		if (strcmp(typ, "forvaltningsbesvar") == 0)
			p->overklagande = OVERKLAGANDE_FORVALTNINGSBESVAR;
		else if (strcmp(typ, "laglighetsprovning") == 0)
			p->overklagande = OVERKLAGANDE_LAGLIGHETSPROVNING;
		else
			p->overklagande = OVERKLAGANDE_EJ_OVERKLAGBART;
	}
	c = first_elem(n, "skickas-till");
	p->skickas_till = child_texts(s, c, "mottagare", &p->n_skickas_till);
	p->skickas_till_line = child_lines(s, c, "mottagare", p->n_skickas_till);
	p->line = line_of(n);
}

/* The people of one kind under <narvarande>, as an arena array. */
static struct narvarande *
narvarande(struct session *s, const xmlNode *parent, const char *name, size_t *n)
{
	const char **namn = child_texts(s, parent, name, n);
	struct narvarande *v = arena_array(&s->arena, *n, sizeof(*v));
	xmlNode *c;
	size_t i = 0;

	for (c = parent != NULL ? parent->children : NULL; c != NULL; c = c->next)
		if (is_elem(c, name)) {
			v[i].namn = namn[i];
			v[i++].roll = attr_of(s, c, "roll");
		}
	return v;
}

/* The protocol's head: everything but the paragraphs. */
static void
copy_protokoll_head(struct session *s, const xmlNode *root)
{
	struct protokoll *pr = &s->protokoll;
	const char *d;
	xmlNode *c;

	pr->kommun = child_text(s, root, "kommun");
	pr->organ = child_text(s, root, "organ");
	if ((d = child_text(s, root, "sammantradesdatum")) != NULL)
		ymd_parse(d, &pr->sammantradesdatum);
	pr->tid = child_text(s, root, "tid");
	pr->plats = child_text(s, root, "plats");
	c = first_elem(root, "narvarande");
	pr->ledamoter = narvarande(s, c, "ledamot", &pr->n_ledamoter);
	pr->ersattare = narvarande(s, c, "ersattare", &pr->n_ersattare);
	pr->tjansteman = narvarande(s, c, "tjansteman", &pr->n_tjansteman);
	pr->ordforande = child_text(s, root, "ordforande");
	pr->sekreterare = child_text(s, root, "sekreterare");
	pr->justerare = child_texts(s, root, "justerare", &pr->n_justerare);
	if ((c = first_elem(root, "justerad")) != NULL) {
		pr->justerad = true;
		if ((d = attr_of(s, c, "datum")) != NULL)
			ymd_parse(d, &pr->justerad_datum);
	}
	if ((c = first_elem(root, "anslag")) != NULL &&
	    (d = attr_of(s, c, "uppsatt")) != NULL && ymd_parse(d, &pr->anslag_uppsatt)) {
		pr->has_anslag = true;
		if ((d = attr_of(s, c, "nedtas")) != NULL)
			pr->has_anslag_nedtas = ymd_parse(d, &pr->anslag_nedtas);
		pr->anslag_forvaring = attr_of(s, c, "forvaring");
	}
}

/* One more paragraph at the end of s->protokoll.paragrafer (malloc'd). */
static void
copy_paragraf(struct session *s, const xmlNode *n)
{
	struct protokoll *pr = &s->protokoll;

	if (pr->n_paragrafer == s->cap_paragrafer) {
		s->cap_paragrafer = s->cap_paragrafer ? 2 * s->cap_paragrafer : 16;
		pr->paragrafer = xreallocarray(pr->paragrafer, s->cap_paragrafer,
		    sizeof(*pr->paragrafer));
	}
	memset(&pr->paragrafer[pr->n_paragrafer], 0, sizeof(*pr->paragrafer));
	read_paragraf(s, n, &pr->paragrafer[pr->n_paragrafer++]);
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
		if (d != NULL)
			ymd_parse(d, &fb->ifylld_datum);
	}
}

/* ---- files ---- */

/*
 * Opens path (relative to dirfd) as a regular file of at most max bytes,
 * without following a link.  The descriptor, or -1 with a Swedish reason.
 */
static int
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
static char *
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

/* ---- protokoll.xml, streamed ---- */

/*
 * protokoll.xml is parsed as a stream: libxml2's push parser builds the tree
 * of the protocol's head and of the paragraph being read, the XSD validator
 * is plugged into the same SAX events (xmlSchemaSAXPlug), and each
 * <paragraf> is copied into the records and freed once the validator has
 * seen its end.  Memory stays that of one paragraph however long the protocol
 * is.  A paragraph is copied only while the file has had no error at all, so
 * the copy code may still assume the structure the XSD guarantees; whether
 * the whole file was valid is known at its end (read_protokoll_end).
 *
 * The validator reports an element's errors when it sees the element end;
 * the locator below names the line where the element starts, as validating
 * a whole tree does, from a stack of open elements kept here.  The SAX plug
 * calls these handlers before the validator, so popping an element and
 * copying a paragraph wait for the next event.
 */
#define PIECE_BYTES (64 * 1024)

static void read_protokoll_settle(struct session *);

struct open_elem {
	int line;
	unsigned long nr;              /* of a <paragraf>, else 0 */
	const xmlChar *name, *prefix, *uri;  /* the parser's dictionary's */
};

struct protokoll_reader {
	struct session *base;          /* the head and the file's findings */
	struct session *part;          /* where paragraphs go */
	struct errctx ec;
	xmlParserCtxtPtr ctxt;
	xmlSchemaValidCtxtPtr valid;   /* its own: a stream cut short leaves state in it */
	xmlSchemaSAXPlugPtr plug;
	struct open_elem *stack;
	size_t depth, cap;
	bool pop_pending;
	xmlNodePtr done;               /* a finished paragraph, copied at the next event */
	bool head_copied;
	bool stopped;                  /* a NUL byte, or the parser gave up */
	bool seen_content;
	size_t paragrafer;             /* seen in the file */
	int fd;
	size_t size, got;
};

static void
reader_settle(struct protokoll_reader *r)
{
	xmlNodePtr root, c, next;

	if (r->pop_pending) {
		r->pop_pending = false;
		if (r->depth > 0)
			r->depth--;
	}
	if (r->done == NULL)
		return;
	root = r->done->parent;
	if (r->ec.errors == 0) {
		if (!r->head_copied) {
			copy_protokoll_head(r->base, root);
			r->head_copied = true;
		}
		copy_paragraf(r->part, r->done);
	}
	r->paragrafer++;
	/* The paragraph and everything before it in the root go. */
	for (c = root->children; c != NULL; c = next) {
		next = c->next;
		if (c->type == XML_ELEMENT_NODE && !is_elem(c, "paragraf") && c != r->done)
			continue;
		xmlUnlinkNode(c);
		xmlFreeNode(c);
		if (c == r->done)
			break;
	}
	r->done = NULL;
}

static struct protokoll_reader *
reader_of(void *ctx)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct errctx *ec = ctxt->_private;

	return ec->reader;
}

static void
on_start(void *ctx, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri,
    int nns, const xmlChar **ns, int nattr, int ndef, const xmlChar **attrs)
{
	struct protokoll_reader *r = reader_of(ctx);
	unsigned long nr = 0;
	int i;

	reader_settle(r);
	if (r->depth == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 16;
		r->stack = xreallocarray(r->stack, r->cap, sizeof(*r->stack));
	}
	if (r->depth == 1 && xmlStrEqual(name, BAD_CAST "paragraf"))
		for (i = 0; i < nattr; i++)
			if (xmlStrEqual(attrs[5 * i], BAD_CAST "nr") && attrs[5 * i + 2] == NULL) {
				char buf[24], *end;
				size_t len = (size_t)(attrs[5 * i + 4] - attrs[5 * i + 3]);

				if (len < sizeof(buf)) {
					memcpy(buf, attrs[5 * i + 3], len);
					buf[len] = '\0';
					nr = strtoul(buf, &end, 10);
					if (*end != '\0')
						nr = 0;
				}
			}
	r->stack[r->depth].line = xmlSAX2GetLineNumber(ctx);
	r->stack[r->depth].nr = nr;
	r->stack[r->depth].name = name;
	r->stack[r->depth].prefix = prefix;
	r->stack[r->depth].uri = uri;
	r->depth++;
	xmlSAX2StartElementNs(ctx, name, prefix, uri, nns, ns, nattr, ndef, attrs);
}

static void
on_end(void *ctx, const xmlChar *name, const xmlChar *prefix, const xmlChar *uri)
{
	struct protokoll_reader *r = reader_of(ctx);
	xmlParserCtxtPtr ctxt = ctx;
	xmlNodePtr node = ctxt->node;

	reader_settle(r);
	xmlSAX2EndElementNs(ctx, name, prefix, uri);
	r->pop_pending = true;
	if (r->depth == 2 && node != NULL && is_elem(node, "paragraf") && node->parent != NULL &&
	    node->parent->type == XML_ELEMENT_NODE && node->parent->parent != NULL &&
	    node->parent->parent->type == XML_DOCUMENT_NODE)
		r->done = node;
}

static void
on_characters(void *ctx, const xmlChar *ch, int len)
{
	reader_settle(reader_of(ctx));
	xmlSAX2Characters(ctx, ch, len);
}

/* White space between elements (XML_PARSE_NOBLANKS): nothing to keep. */
static void
on_blanks(void *ctx, const xmlChar *ch, int len)
{
	(void)ch;
	(void)len;
	reader_settle(reader_of(ctx));
}

/* Where the validator is: the line where the element it checks starts. */
static int
reader_locate(void *ctx, const char **file, unsigned long *line)
{
	struct protokoll_reader *r = ctx;

	*file = r->ec.file;
	*line = r->depth > 0 ? (unsigned long)r->stack[r->depth - 1].line :
	    (unsigned long)xmlSAX2GetLineNumber(r->ctxt);
	return 0;
}

/* The paragraph the validator is in, for its findings. */
static unsigned long
reader_paragraf(const struct protokoll_reader *r)
{
	return r->depth >= 2 ? r->stack[1].nr : 0;
}

/*
 * Starts reading protokoll.xml into base (its head, its findings); its
 * paragraphs go to the part given to read_protokoll_more().  fd may be -1 for
 * a reader fed with read_protokoll_feed().
 */
static struct protokoll_reader *
reader_new(struct session *base, int fd, size_t size)
{
	struct protokoll_reader *r = xcalloc(1, sizeof(*r));

	r->base = base;
	r->part = base;
	r->fd = fd;
	r->size = size;
	r->ec.s = base;
	r->ec.file = "protokoll.xml";
	r->ec.reader = r;
	if ((r->ctxt = xmlCreatePushParserCtxt(NULL, NULL, NULL, 0, "protokoll.xml")) == NULL) {
		diag_add(&base->diag, RULE_SCHEMA, r->ec.file, 0, 0,
		    "Filen kunde inte läsas (slut på minne).");
		r->stopped = true;
		return r;
	}
	/* The encoding is forced: a package is UTF-8, whatever a declaration says. */
	xmlCtxtResetPush(r->ctxt, NULL, 0, "protokoll.xml", "UTF-8");
	xmlCtxtUseOptions(r->ctxt, XML_PARSE_NONET | XML_PARSE_BIG_LINES | XML_PARSE_NOCDATA |
	    XML_PARSE_NOBLANKS | XML_PARSE_COMPACT | XML_PARSE_IGNORE_ENC);
	r->ctxt->_private = &r->ec;
	r->ctxt->sax->internalSubset = refuse_doctype;
	r->ctxt->sax->startElementNs = on_start;
	r->ctxt->sax->endElementNs = on_end;
	r->ctxt->sax->characters = on_characters;
	r->ctxt->sax->ignorableWhitespace = on_blanks;
	if ((r->valid = xmlSchemaNewValidCtxt(schema_protokoll.schema)) == NULL) {
		diag_add(&base->diag, RULE_SCHEMA, r->ec.file, 0, 0,
		    "Filen kunde inte läsas (slut på minne).");
		r->stopped = true;
		return r;
	}
	xmlSchemaSetValidStructuredErrors(r->valid, on_xml_error, &r->ec);
	xmlSchemaValidateSetLocator(r->valid, reader_locate, r);
	r->plug = xmlSchemaSAXPlug(r->valid, &r->ctxt->sax, &r->ctxt->userData);
	if (r->plug == NULL) {
		diag_add(&base->diag, RULE_SCHEMA, r->ec.file, 0, 0,
		    "Filen kunde inte kontrolleras mot schemat.");
		r->stopped = true;
	}
	return r;
}

/* Parses one piece of the file (terminate: the last). */
static void
reader_feed(struct protokoll_reader *r, const char *buf, size_t len, bool terminate)
{
	if (r->stopped)
		return;
	if (!r->seen_content && !only_space(buf, len))
		r->seen_content = true;
	/* UTF-16 and UTF-32 have NUL bytes; UTF-8 text never does. */
	if (memchr(buf, '\0', len) != NULL) {
		diag_add(&r->base->diag, RULE_SCHEMA, r->ec.file, 1, 0, "Filen är inte UTF-8 (den "
		    "innehåller NUL-tecken, kanske är den sparad som UTF-16); spara den som UTF-8.");
		r->ec.errors++;
		r->stopped = true;
		return;
	}
	if (terminate && !r->seen_content) {
		diag_add(&r->base->diag, RULE_SCHEMA, r->ec.file, 0, 0, "Filen är tom.");
		r->ec.errors++;
		r->stopped = true;
		return;
	}
	xmlSetStructuredErrorFunc(&r->ec, on_xml_error);
	if (xmlParseChunk(r->ctxt, buf, (int)len, terminate) != 0 && !r->ctxt->wellFormed) {
		if (r->ec.errors == 0) {
			diag_add(&r->base->diag, RULE_SCHEMA, r->ec.file, 0, 0,
			    "Filen är inte välformad XML.");
			r->ec.errors++;
		}
		r->stopped = true;
	} else if (terminate)
		reader_settle(r);
	xmlSetStructuredErrorFunc(NULL, NULL);
}

/*
 * Reads on until at least want more paragraphs were copied into part, or to
 * the end of the file.  Returns true while there is more to read.
 */
static bool
reader_more(struct protokoll_reader *r, struct session *part, size_t want)
{
	char *buf = xmalloc(PIECE_BYTES);
	size_t start = part->protokoll.n_paragrafer;

	r->part = part;
	while (!r->stopped && r->got < r->size &&
	    part->protokoll.n_paragrafer - start < want) {
		size_t n = r->size - r->got < PIECE_BYTES ? r->size - r->got : PIECE_BYTES;
		ssize_t got = read(r->fd, buf, n);

		if (got == -1 && errno == EINTR)
			continue;
		if (got <= 0) {
			diag_add(&r->base->diag, RULE_SCHEMA, r->ec.file, 0, 0, got == 0 ?
			    "Filen ändrades medan den lästes." : "Filen kan inte läsas: %s.",
			    strerror(errno));
			r->ec.errors++;
			r->stopped = true;
			break;
		}
		r->got += (size_t)got;
		reader_feed(r, buf, (size_t)got, r->got == r->size);
	}
	if (!r->stopped && r->got == r->size && r->size == 0)
		reader_feed(r, "", 0, true);
	free(buf);
	return !r->stopped && r->got < r->size;
}

/*
 * Ends the reading: the file's validity is now known.  The plug and the
 * parser go; base->protokoll_valid says whether every paragraph was copied.
 */
static void
reader_end(struct protokoll_reader *r)
{
	struct session *b = r->base;

	/*
	 * A stream cut short (not well-formed) leaves the validator with open
	 * elements, which libxml2 does not free when unplugged: close them, with
	 * what it says about them no longer a finding.
	 */
	if (r->plug != NULL && r->ctxt != NULL && !r->ctxt->wellFormed) {
		r->ec.quiet = true;
		reader_settle(r);
		while (r->depth > 0) {
			const struct open_elem *e = &r->stack[r->depth - 1];

			r->ctxt->sax->endElementNs(r->ctxt->userData, e->name, e->prefix, e->uri);
			reader_settle(r);
		}
	}
	if (r->plug != NULL)
		xmlSchemaSAXUnplug(r->plug);
	if (r->valid != NULL)
		xmlSchemaFreeValidCtxt(r->valid);
	if (r->ctxt != NULL) {
		if (r->ctxt->myDoc != NULL) {
			xmlNodePtr root = xmlDocGetRootElement(r->ctxt->myDoc);

			/* A protocol without paragraphs still has its head. */
			if (r->ec.errors == 0 && !r->head_copied && root != NULL) {
				copy_protokoll_head(b, root);
				r->head_copied = true;
			}
			xmlFreeDoc(r->ctxt->myDoc);
			r->ctxt->myDoc = NULL;
		}
		if (!r->ctxt->wellFormed && r->ec.errors == 0) {
			diag_add(&b->diag, RULE_SCHEMA, r->ec.file, 0, 0,
			    "Filen är inte välformad XML.");
			r->ec.errors++;
		}
		xmlFreeParserCtxt(r->ctxt);
	}
	if (r->ec.errors == 0 && !r->stopped && r->head_copied)
		b->protokoll_valid = true;
	else if (r->ec.errors == 0) {
		diag_add(&b->diag, RULE_SCHEMA, r->ec.file, 0, 0, "Filen följer inte formatet.");
		r->ec.errors++;
	}
	free(r->stack);
	free(r);
}

void
read_protokoll_buf(struct session *s, const char *buf, size_t len)
{
	struct protokoll_reader *r = reader_new(s, -1, len);
	size_t off = 0;

	do {
		size_t n = len - off < PIECE_BYTES ? len - off : PIECE_BYTES;

		reader_feed(r, buf + off, n, off + n == len);
		off += n;
	} while (off < len && !r->stopped);
	reader_end(r);
	read_protokoll_settle(s);
}

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

/* An invalid protocol gives nothing but its findings, as if it had not been read. */
static void
read_protokoll_settle(struct session *s)
{
	if (s->protokoll_valid)
		return;
	free(s->protokoll.paragrafer);
	memset(&s->protokoll, 0, sizeof(s->protokoll));
	s->cap_paragrafer = 0;
}

struct protokoll_reader *
read_protokoll_open(struct session *base, int dirfd)
{
	struct stat st;
	char why[256];
	int fd;

	fd = open_regular(dirfd, "protokoll.xml", PROTOKOLL_MAX_BYTES, &st, why, sizeof(why));
	if (fd == -1) {
		struct protokoll_reader *r = xcalloc(1, sizeof(*r));

		diag_add(&base->diag, RULE_SCHEMA, "protokoll.xml", 0, 0, "%s", why);
		r->base = base;
		r->fd = -1;
		r->stopped = true;
		r->ec.errors = 1;
		return r;
	}
	return reader_new(base, fd, (size_t)st.st_size);
}

bool
read_protokoll_more(struct protokoll_reader *r, struct session *part, size_t want)
{
	if (r->ctxt == NULL)
		return false;
	return reader_more(r, part, want);
}

size_t
read_protokoll_count(const struct protokoll_reader *r)
{
	return r->paragrafer;
}

void
read_protokoll_close(struct protokoll_reader *r)
{
	if (r->fd != -1)
		close(r->fd);
	if (r->ctxt == NULL) {
		free(r);
		return;
	}
	reader_end(r);
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
read_cleanup(void)
{
	free_schema(&schema_protokoll);
	free_schema(&schema_forsattsblad);
	if (scan_reader != NULL) {
		xmlFreeTextReader(scan_reader);
		scan_reader = NULL;
	}
	read_thread_done();
	xmlCleanupParser();
}
