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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>

#include "read.h"
#include "schemas.h"
#include "xmalloc.h"

#define NS_PROTOKOLL    "urn:expediera:protokoll:1"
#define NS_FORSATTSBLAD "urn:expediera:forsattsblad:1"

/* More errors than this from one file say nothing new. */
#define FILE_ERRORS_MAX 20

struct schema {
	xmlSchemaPtr schema;
	xmlSchemaValidCtxtPtr valid;
};

static struct schema schema_protokoll, schema_forsattsblad;

/* What the libxml2 error callbacks need to turn errors into findings. */
struct errctx {
	struct session *s;
	const char *file;
	int errors;
	bool dtd;          /* a document type declaration was refused */
	bool schema_phase; /* validating, not parsing */
};

const char *const roll_names[ROLL__MAX] = {
	"den-enskilde", "vardnadshavare", "sarskilt-forordnad-vardnadshavare", "god-man",
	"forvaltare", "ombud", "familjehem", "hvb", "myndighet", "annan",
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
	char *msg;
	int line;

	if (e == NULL || e->level == XML_ERR_WARNING || ec->dtd)
		return;
	if (++ec->errors > FILE_ERRORS_MAX)
		return;
	if (ec->errors == FILE_ERRORS_MAX) {
		diag_add(&ec->s->diag, RULE_SCHEMA, ec->file, e->line, 0,
		    "Filen har fler fel än så; rätta dessa först.");
		return;
	}
	msg = ec->schema_phase ? schema_message(e) : parse_message(e);
	line = e->line;
	diag_add(&ec->s->diag, RULE_SCHEMA, ec->file, line,
	    ec->schema_phase ? paragraf_of(e->node) : 0, "%s", msg);
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
static xmlDocPtr
parse_and_validate(struct session *s, const char *file, const char *buf, size_t len,
    struct schema *sc, bool *valid)
{
	struct errctx ec = {s, file, 0, false, false};
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc;
	int opts = XML_PARSE_NONET | XML_PARSE_BIG_LINES | XML_PARSE_NOCDATA;

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
	if ((ctxt = xmlNewParserCtxt()) == NULL) {
		diag_add(&s->diag, RULE_SCHEMA, file, 0, 0, "Filen kunde inte läsas (slut på minne).");
		return NULL;
	}
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
	xmlFreeParserCtxt(ctxt);
	if (doc == NULL) {
		xmlSetStructuredErrorFunc(NULL, NULL);
		return NULL;
	}
	ec.schema_phase = true;
	xmlSchemaSetValidStructuredErrors(sc->valid, on_xml_error, &ec);
	*valid = xmlSchemaValidateDoc(sc->valid, doc) == 0 && ec.errors == 0;
	xmlSchemaSetValidStructuredErrors(sc->valid, NULL, NULL);
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
	p->namn = child_text(s, n, "namn");
	read_ident(s, n, "personnummer", &p->pnr);
	p->line = line_of(n);
}

static void
read_adress(struct session *s, const xmlNode *n, struct adress *a)
{
	xmlNode *c;

	a->typ = (enum adresstyp)name_index(adresstyp_names, ADRESS__MAX,
	    attr_of(s, n, "typ"), ADRESS_FOLKBOKFORING);
	a->osaker = attr_bool(s, n, "osaker");
	a->co = child_text(s, n, "co");
	for (c = n->children; c != NULL; c = c->next)
		if (is_elem(c, "utdelningsadress") && a->n_utdelningsadress < 2)
			a->utdelningsadress[a->n_utdelningsadress++] = text_of(s, c);
	a->postnummer = child_text(s, n, "postnummer");
	a->postort = child_text(s, n, "postort");
	a->land = child_text(s, n, "land");
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
	m->namn = child_text(s, n, "namn");
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
	p->sekretess = attr_bool(s, n, "sekretess");
	p->omedelbart_justerad = attr_bool(s, n, "omedelbart-justerad");
	p->rubrik = child_text(s, n, "rubrik");
	if ((c = first_elem(n, "galler")) != NULL) {
		p->has_galler = true;
		read_person(s, c, &p->galler);
	}
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
	p->skickas_till = child_texts(s, first_elem(n, "skickas-till"), "mottagare",
	    &p->n_skickas_till);
	p->line = line_of(n);
}

static void
copy_protokoll(struct session *s, const xmlNode *root)
{
	struct protokoll *pr = &s->protokoll;
	const char *d;
	xmlNode *c;
	size_t i = 0;

	pr->kommun = child_text(s, root, "kommun");
	pr->organ = child_text(s, root, "organ");
	if ((d = child_text(s, root, "sammantradesdatum")) != NULL)
		ymd_parse(d, &pr->sammantradesdatum);
	pr->plats = child_text(s, root, "plats");
	pr->ordforande = child_text(s, root, "ordforande");
	pr->sekreterare = child_text(s, root, "sekreterare");
	pr->justerare = child_texts(s, root, "justerare", &pr->n_justerare);
	if ((c = first_elem(root, "justerad")) != NULL) {
		pr->justerad = true;
		if ((d = attr_of(s, c, "datum")) != NULL)
			ymd_parse(d, &pr->justerad_datum);
	}
	pr->n_paragrafer = count_elems(root, "paragraf");
	pr->paragrafer = arena_array(&s->arena, pr->n_paragrafer, sizeof(*pr->paragrafer));
	for (c = root->children; c != NULL; c = c->next)
		if (is_elem(c, "paragraf"))
			read_paragraf(s, c, &pr->paragrafer[i++]);
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

	fd = openat(dirfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd == -1) {
		if (errno == ELOOP)
			snprintf(why, whylen, "Filen är en symbolisk länk; sessionspaketet ska "
			    "innehålla vanliga filer.");
		else if (errno == ENOENT)
			snprintf(why, whylen, "Filen saknas i sessionspaketet.");
		else
			snprintf(why, whylen, "Filen kan inte öppnas: %s.", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "Det är ingen vanlig fil.");
		close(fd);
		return NULL;
	}
	if ((unsigned long long)st.st_size > max) {
		snprintf(why, whylen, "Filen är för stor (%lld byte; högst %zu byte tillåts).",
		    (long long)st.st_size, max);
		close(fd);
		return NULL;
	}
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

void
read_protokoll_buf(struct session *s, const char *buf, size_t len)
{
	xmlDocPtr doc;
	bool valid;

	doc = parse_and_validate(s, "protokoll.xml", buf, len, &schema_protokoll, &valid);
	if (doc == NULL)
		return;
	if (valid) {
		copy_protokoll(s, xmlDocGetRootElement(doc));
		s->protokoll_valid = true;
	}
	xmlFreeDoc(doc);
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

int
read_session(struct session *s, char *err, size_t errlen)
{
	char why[256];
	char **names = NULL;
	size_t n = 0, cap = 0, len, i;
	struct dirent *de;
	struct stat st;
	char *buf;
	DIR *dir;
	int dfd, fbfd;

	if ((dfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			snprintf(err, errlen, "sessionspaketet %s finns inte", s->dir);
		else if (errno == ENOTDIR)
			snprintf(err, errlen, "%s är ingen katalog; ange katalogen med "
			    "protokoll.xml och forsattsblad/", s->dir);
		else
			snprintf(err, errlen, "kan inte öppna %s: %s", s->dir, strerror(errno));
		return -1;
	}

	if ((buf = slurp(dfd, "protokoll.xml", PROTOKOLL_MAX_BYTES, &len, why, sizeof(why))) ==
	    NULL)
		diag_add(&s->diag, RULE_SCHEMA, "protokoll.xml", 0, 0, "%s", why);
	else {
		read_protokoll_buf(s, buf, len);
		free(buf);
	}

	fbfd = openat(dfd, "forsattsblad", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fbfd == -1) {
		if (errno != ENOENT && !(fstatat(dfd, "forsattsblad", &st, AT_SYMLINK_NOFOLLOW) ==
		    0 && !S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode))) {
			snprintf(err, errlen, "kan inte läsa %s/forsattsblad: %s", s->dir,
			    strerror(errno));
			close(dfd);
			return -1;
		}
		close(dfd);
		return 0;
	}
	if ((dir = fdopendir(fbfd)) == NULL) {
		snprintf(err, errlen, "kan inte läsa %s/forsattsblad: %s", s->dir,
		    strerror(errno));
		close(fbfd);
		close(dfd);
		return -1;
	}
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.' || !has_xml_suffix(de->d_name))
			continue;
		if (n == FORSATTSBLAD_MAX_FILES) {
			snprintf(err, errlen, "%s/forsattsblad innehåller fler än %d filer",
			    s->dir, FORSATTSBLAD_MAX_FILES);
			for (i = 0; i < n; i++)
				free(names[i]);
			free(names);
			closedir(dir);
			close(dfd);
			return -1;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			names = xreallocarray(names, cap, sizeof(*names));
		}
		names[n++] = xstrdup(de->d_name);
	}
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n; i++) {
		char *rel = xasprintf("forsattsblad/%s", names[i]);

		buf = slurp(dirfd(dir), names[i], FORSATTSBLAD_MAX_BYTES, &len, why,
		    sizeof(why));
		if (buf == NULL) {
			new_forsattsblad(s, rel);
			diag_add(&s->diag, RULE_SCHEMA, rel, 0, 0, "%s", why);
		} else {
			read_forsattsblad_buf(s, rel, buf, len);
			free(buf);
		}
		free(rel);
		free(names[i]);
	}
	free(names);
	closedir(dir);
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
	if ((sc->valid = xmlSchemaNewValidCtxt(sc->schema)) == NULL) {
		snprintf(err, errlen, "slut på minne");
		return -1;
	}
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
	if (sc->valid != NULL)
		xmlSchemaFreeValidCtxt(sc->valid);
	if (sc->schema != NULL)
		xmlSchemaFree(sc->schema);
	memset(sc, 0, sizeof(*sc));
}

void
read_cleanup(void)
{
	free_schema(&schema_protokoll);
	free_schema(&schema_forsattsblad);
	xmlCleanupParser();
}
