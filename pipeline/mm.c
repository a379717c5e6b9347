/*
 * mm.c -- the Mina meddelanden service contract; see mm.h.
 *
 * Reads: answers of the address register (isReachableResponse, Recipient v3)
 * and of mailbox operators (deliverSecureResponse, Service v3), as bytes.
 * Writes: SOAP 1.1 requests as bytes: isReachable, and deliverSecure carrying
 * a SealedDelivery signed twice (mm_sign.c).
 * Trusts: nothing in an answer.  An answer is size-capped before parsing,
 * parsed with XML_PARSE_NONET and without NOENT or DTDLOAD, and a <!DOCTYPE>
 * stops the parse, so no entity is ever declared, expanded or fetched;
 * elements are found by namespace URI and local name only; a value of the
 * wrong form makes the whole answer an error.  Text from a SOAP Fault is
 * cleaned (no control characters, long digit runs masked) before it reaches a
 * message.
 *
 * The shape of a SealedDelivery follows the reference integration's sample
 * (schemas/mina-meddelanden/samples/SealedDeliveryWithSignature.xml):
 * default namespace declarations only, no prefixes, no whitespace between
 * elements, because a receiver re-serializes the SealedDelivery and the
 * SignedDelivery before it checks their signatures, and every signature has
 * Reference URI="" over the element as a document of its own.
 */
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlstring.h>
#include <libxml/xmlversion.h>

#include <openssl/evp.h>

#include "mm.h"
#include "mm_int.h"
#include "personnummer.h"
#include "text.h"
#include "xmalloc.h"

#define NS_SOAP     "http://schemas.xmlsoap.org/soap/envelope/"
#define NS_RECIP    "http://minameddelanden.gov.se/schema/Recipient"
#define NS_RECIP3   "http://minameddelanden.gov.se/schema/Recipient/v3"
#define NS_SERVICE  "http://minameddelanden.gov.se/schema/Service"
#define NS_SERVICE3 "http://minameddelanden.gov.se/schema/Service/v3"
#define NS_MSG      "http://minameddelanden.gov.se/schema/Message"
#define NS_MSG2     "http://minameddelanden.gov.se/schema/Message/v2"
#define NS_MSG3     "http://minameddelanden.gov.se/schema/Message/v3"
#define NS_SENDER   "http://minameddelanden.gov.se/schema/Sender"

/* Room in a deliverSecure request besides the two base64 texts. */
#define ENVELOPE_SLACK 4096

/* ---- small checks ---- */

static bool
all_digits(const char *s, size_t n)
{
	return s != NULL && strlen(s) == n && strspn(s, "0123456789") == n;
}

/*
 * Recipient.xsd RecipientId: (16\d{10}) | (18|19|20)\d{2}(0[1-9]|1[0-2])\d{2}\d{4}
 * (the last branch also admits a samordningsnummer's day + 60).
 */
static bool
recipient_id_ok(const char *s)
{
	int month;

	if (!all_digits(s, 12))
		return false;
	if (strncmp(s, "16", 2) == 0)
		return true;
	if (strncmp(s, "18", 2) != 0 && strncmp(s, "19", 2) != 0 && strncmp(s, "20", 2) != 0)
		return false;
	month = (s[4] - '0') * 10 + (s[5] - '0');
	return month >= 1 && month <= 12;
}

/* Valid UTF-8 without the control characters XML 1.0 forbids (or any but tab). */
static bool
text_ok(const char *s, bool newlines)
{
	const unsigned char *p;

	if (xmlCheckUTF8((const unsigned char *)s) == 0)
		return false;
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if ((*p < 0x20 && *p != '\t' && (!newlines || (*p != '\n' && *p != '\r'))) ||
		    *p == 0x7f)
			return false;
	return true;
}

static bool
given(const char *s)
{
	return s != NULL && *s != '\0';
}

/* Checks one text field: present (when required), clean, within min..max characters. */
static int
check_text(const char *what, const char *s, bool required, int min, int max, bool newlines,
    char *err, size_t errlen)
{
	int n;

	if (!given(s)) {
		if (!required)
			return 0;
		snprintf(err, errlen, "meddelandet till Mina meddelanden saknar %s", what);
		return -1;
	}
	if (!text_ok(s, newlines)) {
		snprintf(err, errlen, "%s i meddelandet till Mina meddelanden är inte giltig "
		    "UTF-8 eller innehåller styrtecken", what);
		return -1;
	}
	n = xmlUTF8Strlen((const xmlChar *)s);
	if (n < min || n > max) {
		snprintf(err, errlen, "%s i meddelandet till Mina meddelanden ska vara %d–%d "
		    "tecken, inte %d", what, min, max, n);
		return -1;
	}
	return 0;
}

/* Recipient.xsd EMailAdress: .+@.+\..+ */
static bool
email_ok(const char *s)
{
	const char *at, *dot;

	if ((at = strchr(s, '@')) == NULL || at == s)
		return false;
	for (; at != NULL; at = strchr(at + 1, '@'))
		if ((dot = strrchr(at + 1, '.')) != NULL && dot > at + 1 && dot[1] != '\0')
			return true;
	return false;
}

static int
check_message(const struct mm_message *m, char *err, size_t errlen)
{
	if (!all_digits(m->sender_id, 12) || strncmp(m->sender_id, "16", 2) != 0) {
		snprintf(err, errlen, "avsändarens id ska vara \"16\" följt av organisationsnumret, "
		    "tolv siffror");
		return -1;
	}
	if (!recipient_id_ok(m->recipient_id)) {
		snprintf(err, errlen, "mottagarens id är inget personnummer eller "
		    "organisationsnummer med tolv siffror");
		return -1;
	}
	if (check_text("avsändarens namn", m->sender_name, true, 2, 256, false, err, errlen) ||
	    check_text("meddelandets id", m->message_id, true, 1, 256, false, err, errlen) ||
	    check_text("ämnesraden", m->subject, true, 1, 255, false, err, errlen) ||
	    check_text("supportinformationen", m->support_text, true, 1, 1024, true, err,
		errlen) ||
	    check_text("supportadressen (URL)", m->support_url, false, 1, 255, false, err,
		errlen) ||
	    check_text("supporttelefonnumret", m->support_phone, false, 1, 255, false, err,
		errlen) ||
	    check_text("supportens e-postadress", m->support_email, false, 5, 256, false, err,
		errlen) ||
	    check_text("bilagans filnamn", m->pdf_name, true, 1, 255, false, err, errlen))
		return -1;
	if (pnr_may_hold(m->subject)) {
		snprintf(err, errlen, "ämnesraden får inte innehålla en sifferföljd som kan vara "
		    "ett personnummer");
		return -1;
	}
	if (given(m->support_url) && strpbrk(m->support_url, " \t") != NULL) {
		snprintf(err, errlen, "supportadressen (URL) får inte innehålla mellanslag");
		return -1;
	}
	if (given(m->support_email) && !email_ok(m->support_email)) {
		snprintf(err, errlen, "supportens e-postadress är ogiltig");
		return -1;
	}
	if (strpbrk(m->pdf_name, "/\\") != NULL) {
		snprintf(err, errlen, "bilagans filnamn får inte innehålla / eller \\");
		return -1;
	}
	if (m->pdf == NULL || m->pdf_len < 5 || memcmp(m->pdf, "%PDF-", 5) != 0) {
		snprintf(err, errlen, "bilagan till Mina meddelanden är ingen PDF");
		return -1;
	}
	return 0;
}

/* Sizes in MB with a decimal comma, as Swedish writes them. */
static void
too_large(size_t n, char *err, size_t errlen)
{
	size_t tenths = (n * 10 + 512 * 1024) / (1024 * 1024);

	snprintf(err, errlen, "försändelsen är för stor för Mina meddelanden: %zu,%zu MB som "
	    "meddelande (kodad och signerad), högst %lu MB", tenths / 10, tenths % 10,
	    MM_MAX_MESSAGE / (1024 * 1024));
}

/* ---- building documents ---- */

/* A document under construction; the first failure clears ok and every later call is a no-op. */
struct build {
	xmlDocPtr doc;
	bool ok;
};

static bool
same_ns(const xmlNs *ns, const char *href, const char *prefix)
{
	if (ns == NULL || !xmlStrEqual(ns->href, BAD_CAST href))
		return false;
	if (prefix == NULL || ns->prefix == NULL)
		return prefix == NULL && ns->prefix == NULL;
	return xmlStrEqual(ns->prefix, BAD_CAST prefix);
}

/*
 * Appends element name in namespace href to parent (or makes it the root),
 * declaring the namespace on it (as the default when prefix is NULL) unless
 * the parent is in the same namespace already.
 */
static xmlNodePtr
add_elem(struct build *b, xmlNodePtr parent, const char *href, const char *prefix,
    const char *name)
{
	xmlNodePtr n;
	xmlNsPtr ns;

	if (!b->ok)
		return NULL;
	if ((n = xmlNewDocNode(b->doc, NULL, BAD_CAST name, NULL)) == NULL)
		goto fail;
	if (parent != NULL && same_ns(parent->ns, href, prefix))
		ns = parent->ns;
	else if ((ns = xmlNewNs(n, BAD_CAST href, BAD_CAST prefix)) == NULL) {
		xmlFreeNode(n);
		goto fail;
	}
	xmlSetNs(n, ns);
	if (parent == NULL) {
		xmlDocSetRootElement(b->doc, n);
		if (xmlDocGetRootElement(b->doc) != n) {
			xmlFreeNode(n);
			goto fail;
		}
	} else if (xmlAddChild(parent, n) == NULL) {
		xmlFreeNode(n);
		goto fail;
	}
	return n;
fail:
	b->ok = false;
	return NULL;
}

/* An element in the default namespace href holding text. */
static xmlNodePtr
add_leaf(struct build *b, xmlNodePtr parent, const char *href, const char *name,
    const char *text)
{
	xmlNodePtr n, t;

	if ((n = add_elem(b, parent, href, NULL, name)) == NULL)
		return NULL;
	if ((t = xmlNewDocText(b->doc, BAD_CAST text)) == NULL) {
		b->ok = false;
		return NULL;
	}
	if (xmlAddChild(n, t) == NULL) {
		xmlFreeNode(t);
		b->ok = false;
		return NULL;
	}
	return n;
}

/* Appends a deep copy of node (from another document) to parent. */
static void
add_copy(struct build *b, xmlNodePtr parent, xmlNodePtr node)
{
	xmlNodePtr c;

	if (!b->ok)
		return;
	if ((c = xmlDocCopyNode(node, b->doc, 1)) == NULL) {
		b->ok = false;
		return;
	}
	if (xmlAddChild(parent, c) == NULL) {
		xmlFreeNode(c);
		b->ok = false;
	}
}

static struct build
new_build(void)
{
	struct build b;

	b.doc = xmlNewDoc(BAD_CAST "1.0");
	b.ok = b.doc != NULL;
	return b;
}

/* The document built, or NULL (and nothing) when a step of it failed. */
static xmlDocPtr
build_done(struct build *b)
{
	if (!b->ok) {
		xmlFreeDoc(b->doc);
		return NULL;
	}
	return b->doc;
}

/* The document as UTF-8 bytes, unindented, in a malloc'd NUL-terminated buffer. */
static char *
dump(xmlDocPtr doc, size_t *len)
{
	xmlChar *mem = NULL;
	int size = 0;
	char *out;

	xmlDocDumpMemoryEnc(doc, &mem, &size, "UTF-8");
	if (mem == NULL || size <= 0) {
		xmlFree(mem);
		return NULL;
	}
	out = xmalloc((size_t)size + 1);
	memcpy(out, mem, (size_t)size);
	out[size] = '\0';
	xmlFree(mem);
	*len = (size_t)size;
	return out;
}

/* ---- isReachable ---- */

char *
mm_is_reachable_request(const char *sender_orgnr, const char *const *ids, size_t n,
    size_t *len)
{
	struct build b;
	char sender[13];
	xmlNodePtr env, body, req;
	char *out = NULL;
	size_t i;

	if (len == NULL || n > 1000 || (n > 0 && ids == NULL))
		return NULL;
	/* Sender.xsd OrganizationNumber: length 12, pattern 16\d{10}. */
	if (all_digits(sender_orgnr, 10)) {
		memcpy(sender, "16", 2);
		memcpy(sender + 2, sender_orgnr, 11);
	} else if (all_digits(sender_orgnr, 12) && strncmp(sender_orgnr, "16", 2) == 0)
		memcpy(sender, sender_orgnr, 13);
	else
		return NULL;
	for (i = 0; i < n; i++)
		if (!recipient_id_ok(ids[i]))
			return NULL;
	b = new_build();
	env = add_elem(&b, NULL, NS_SOAP, "soap", "Envelope");
	body = add_elem(&b, env, NS_SOAP, "soap", "Body");
	req = add_elem(&b, body, NS_RECIP3, NULL, "isReachable");
	add_leaf(&b, req, NS_RECIP3, "senderOrgNr", sender);
	for (i = 0; i < n; i++)
		add_leaf(&b, req, NS_RECIP3, "recipientId", ids[i]);
	if (b.ok)
		out = dump(b.doc, len);
	xmlFreeDoc(b.doc);
	return out;
}

/* ---- reading answers ---- */

#if LIBXML_VERSION >= 21200
static void
quiet(void *ctx, const xmlError *e)
#else
static void
quiet(void *ctx, xmlErrorPtr e)
#endif
{
	(void)ctx;
	(void)e;
}

/* SAX hook for <!DOCTYPE>: no answer needs one, so no entity is ever declared. */
static void
refuse_doctype(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
	xmlParserCtxtPtr ctxt = ctx;

	(void)name;
	(void)ext;
	(void)sys;
	*(bool *)ctxt->_private = true;
	xmlStopParser(ctxt);
}

/* Parses an untrusted answer; NULL with err when it is not plain well-formed XML. */
static xmlDocPtr
read_answer(const char *buf, size_t len, char *err, size_t errlen)
{
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc;
	bool doctype = false;

	if (buf == NULL || len == 0) {
		snprintf(err, errlen, "tomt svar från Mina meddelanden");
		return NULL;
	}
	if (len > MM_MAX_ANSWER) {
		snprintf(err, errlen, "svaret från Mina meddelanden är för stort (%zu byte, högst "
		    "%lu)", len, (unsigned long)MM_MAX_ANSWER);
		return NULL;
	}
	if ((ctxt = xmlNewParserCtxt()) == NULL) {
		snprintf(err, errlen, "svaret från Mina meddelanden kunde inte läsas (slut på minne)");
		return NULL;
	}
	ctxt->sax->internalSubset = refuse_doctype;
	ctxt->sax->serror = quiet;
	ctxt->_private = &doctype;
	doc = xmlCtxtReadMemory(ctxt, buf, (int)len, "answer.xml", NULL,
	    XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (doc != NULL && (doctype || !ctxt->wellFormed || doc->intSubset != NULL ||
	    doc->extSubset != NULL)) {
		doctype = doctype || doc->intSubset != NULL || doc->extSubset != NULL;
		xmlFreeDoc(doc);
		doc = NULL;
	}
	xmlFreeParserCtxt(ctxt);
	if (doc == NULL)
		snprintf(err, errlen, doctype ? "svaret från Mina meddelanden innehåller en "
		    "dokumenttypdeklaration (<!DOCTYPE>); det tas aldrig emot" :
		    "svaret från Mina meddelanden är inte välformad XML");
	return doc;
}

bool
mm_xml_is(const xmlNode *n, const char *href, const char *name)
{
	return n != NULL && n->type == XML_ELEMENT_NODE && n->ns != NULL &&
	    xmlStrEqual(n->ns->href, BAD_CAST href) && xmlStrEqual(n->name, BAD_CAST name);
}

static xmlNodePtr
next_elem(xmlNodePtr n)
{
	while (n != NULL && n->type != XML_ELEMENT_NODE)
		n = n->next;
	return n;
}

static xmlNodePtr
first_elem(const xmlNode *parent)
{
	return next_elem(parent->children);
}

/* The first child of parent named {href}name. */
static xmlNodePtr
child(const xmlNode *parent, const char *href, const char *name)
{
	xmlNodePtr c;

	for (c = first_elem(parent); c != NULL; c = next_elem(c->next))
		if (mm_xml_is(c, href, name))
			return c;
	return NULL;
}

/* SOAP 1.1 Fault children are unqualified; some servers qualify them anyway. */
static xmlNodePtr
fault_child(const xmlNode *fault, const char *name)
{
	xmlNodePtr c;

	for (c = first_elem(fault); c != NULL; c = next_elem(c->next))
		if (xmlStrEqual(c->name, BAD_CAST name) &&
		    (c->ns == NULL || xmlStrEqual(c->ns->href, BAD_CAST NS_SOAP)))
			return c;
	return NULL;
}

static bool
xml_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

const char *
mm_xml_trim(const char *s, size_t *len)
{
	while (xml_space(*s))
		s++;
	for (*len = strlen(s); *len > 0 && xml_space(s[*len - 1]); (*len)--)
		;
	return s;
}

/*
 * The text of a leaf element, without leading and trailing white space, in a
 * malloc'd string; NULL when the element has element children.
 */
static char *
leaf(const xmlNode *n)
{
	xmlNodePtr c;
	xmlChar *t;
	const char *s;
	size_t len;
	char *out;

	for (c = n->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE)
			return NULL;
	if ((t = xmlNodeGetContent(n)) == NULL)
		return xstrdup("");
	s = mm_xml_trim((const char *)t, &len);
	out = xstrndup(s, len);
	xmlFree(t);
	return out;
}

/* The text of the required leaf {href}name of parent; NULL with err. */
static char *
need_leaf(const xmlNode *parent, const char *href, const char *name, char *err, size_t errlen)
{
	xmlNodePtr c;
	char *s;

	if ((c = child(parent, href, name)) == NULL) {
		snprintf(err, errlen, "svaret från Mina meddelanden saknar %s", name);
		return NULL;
	}
	if ((s = leaf(c)) == NULL)
		snprintf(err, errlen, "svaret från Mina meddelanden har fel form på %s", name);
	return s;
}

/* xs:boolean */
static int
need_bool(const xmlNode *parent, const char *href, const char *name, bool *out, char *err,
    size_t errlen)
{
	char *s;
	int rc = 0;

	if ((s = need_leaf(parent, href, name, err, errlen)) == NULL)
		return -1;
	if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
		*out = true;
	else if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0)
		*out = false;
	else {
		snprintf(err, errlen, "svaret från Mina meddelanden har ett ogiltigt värde i %s",
		    name);
		rc = -1;
	}
	free(s);
	return rc;
}

/*
 * Copies untrusted text into out: control characters become spaces, the last
 * four digits of a personnummer-like run (ten or more digits, or six or eight
 * and a dash or plus and four) become asterisks, and a cut never splits a
 * UTF-8 sequence.
 */
static void
clean_text(const char *in, char *out, size_t outlen)
{
	size_t i, o = 0, run, j;
	bool cut;
	char *mask;

	if (outlen == 0)
		return;
	for (i = 0; in[i] != '\0' && o + 1 < outlen; i++) {
		unsigned char c = (unsigned char)in[i];

		out[o++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
	}
	out[o] = '\0';
	cut = in[i] != '\0';
	for (i = 0; i < o; i = j) {
		for (j = i; j < o && out[j] >= '0' && out[j] <= '9'; j++)
			;
		if ((run = j - i) == 0) {
			j = i + 1;
			continue;
		}
		mask = NULL;
		if (run >= 10)
			mask = out + j - 4;
		else if ((run == 6 || run == 8) && j + 5 <= o && (out[j] == '-' || out[j] == '+') &&
		    strspn(out + j + 1, "0123456789") >= 4)
			mask = out + j + 1;
		if (mask != NULL)
			memset(mask, '*', 4);
	}
	/* Back up to a UTF-8 boundary if the copy was cut inside a sequence. */
	if (cut) {
		size_t k = o;

		while (k > 0 && ((unsigned char)out[k - 1] & 0xc0) == 0x80)
			k--;
		if (k > 0 && (unsigned char)out[k - 1] >= 0xc0) {
			unsigned char lead = (unsigned char)out[k - 1];
			size_t want = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : 2;

			if (o - (k - 1) < want)
				out[k - 1] = '\0';
		}
	}
}

/*
 * The element in the SOAP Body of doc; NULL with err when there is none, or
 * when it is a Fault (its faultstring, cleaned, in err).
 */
static xmlNodePtr
soap_payload(xmlDocPtr doc, char *err, size_t errlen)
{
	xmlNodePtr env = xmlDocGetRootElement(doc), body, p, f;
	char *code = NULL, *str = NULL, clean[200];

	if (!mm_xml_is(env, NS_SOAP, "Envelope") || (body = child(env, NS_SOAP, "Body")) == NULL) {
		snprintf(err, errlen, "svaret från Mina meddelanden är inget SOAP-meddelande");
		return NULL;
	}
	if ((p = first_elem(body)) == NULL) {
		snprintf(err, errlen, "svaret från Mina meddelanden är tomt (tom SOAP Body)");
		return NULL;
	}
	if (!mm_xml_is(p, NS_SOAP, "Fault"))
		return p;
	if ((f = fault_child(p, "faultstring")) != NULL)
		str = leaf(f);
	if ((f = fault_child(p, "faultcode")) != NULL)
		code = leaf(f);
	clean_text(str != NULL && *str != '\0' ? str : "(ingen förklaring)", clean,
	    sizeof(clean));
	snprintf(err, errlen, "Mina meddelanden svarade med ett fel%s%s%s: %s",
	    code != NULL && *code != '\0' ? " (" : "", code != NULL ? code : "",
	    code != NULL && *code != '\0' ? ")" : "", clean);
	free(code);
	free(str);
	return NULL;
}

void
mm_reach_free(struct mm_reach *r, size_t n)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(r[i].service_address);
		free(r[i].supplier_name);
	}
	free(r);
}

bool
mm_reachable(const struct mm_reach *r)
{
	return r != NULL && r->has_mailbox && !r->pending && r->sender_accepted &&
	    r->service_address != NULL && r->service_address[0] != '\0';
}

/* One ReachabilityStatus (the return element) into r; -1 with err. */
static int
parse_status(const xmlNode *ret, struct mm_reach *r, char *err, size_t errlen)
{
	xmlNodePtr acc, sup;
	char *s;

	memset(r, 0, sizeof(*r));
	if ((acc = child(ret, NS_RECIP, "AccountStatus")) == NULL) {
		snprintf(err, errlen, "svaret från adressregistret saknar AccountStatus");
		return -1;
	}
	if ((s = need_leaf(acc, NS_RECIP, "RecipientId", err, errlen)) == NULL)
		return -1;
	if (!recipient_id_ok(s)) {
		snprintf(err, errlen, "svaret från adressregistret har ett ogiltigt RecipientId");
		free(s);
		return -1;
	}
	memcpy(r->id, s, 13);
	free(s);
	if ((s = need_leaf(acc, NS_RECIP, "Type", err, errlen)) == NULL)
		return -1;
	free(s);
	if (need_bool(acc, NS_RECIP, "Pending", &r->pending, err, errlen) == -1 ||
	    need_bool(ret, NS_RECIP, "SenderAccepted", &r->sender_accepted, err, errlen) == -1)
		return -1;
	if ((sup = child(acc, NS_RECIP, "ServiceSupplier")) == NULL)
		return 0;
	if ((s = need_leaf(sup, NS_RECIP, "Name", err, errlen)) == NULL)
		goto fail;
	if (*s != '\0' && text_ok(s, false))
		r->supplier_name = s;
	else
		free(s);
	if ((s = need_leaf(sup, NS_RECIP, "ServiceAdress", err, errlen)) == NULL)
		goto fail;
	if (*s != '\0' && (!text_ok(s, false) || strpbrk(s, " \t") != NULL)) {
		snprintf(err, errlen, "svaret från adressregistret har en ogiltig ServiceAdress");
		free(s);
		goto fail;
	}
	if (*s != '\0') {
		r->service_address = s;
		r->has_mailbox = true;
	} else
		free(s);
	return 0;
fail:
	free(r->supplier_name);
	r->supplier_name = NULL;
	return -1;
}

int
mm_parse_is_reachable(const char *buf, size_t len, struct mm_reach **out, size_t *n,
    char *err, size_t errlen)
{
	xmlDocPtr doc;
	xmlNodePtr p, ret;
	struct mm_reach *arr = NULL;
	size_t k = 0, cap = 0;
	int rc = -1;

	if ((doc = read_answer(buf, len, err, errlen)) == NULL)
		return -1;
	if ((p = soap_payload(doc, err, errlen)) == NULL)
		goto out;
	if (!mm_xml_is(p, NS_RECIP3, "isReachableResponse")) {
		snprintf(err, errlen, "adressregistret svarade med något annat än "
		    "isReachableResponse");
		goto out;
	}
	for (ret = first_elem(p); ret != NULL; ret = next_elem(ret->next)) {
		if (!mm_xml_is(ret, NS_RECIP3, "return")) {
			snprintf(err, errlen, "oväntat element i svaret från adressregistret");
			goto out;
		}
		if (k == cap) {
			cap = cap ? 2 * cap : 16;
			arr = xreallocarray(arr, cap, sizeof(*arr));
		}
		if (parse_status(ret, &arr[k], err, errlen) == -1)
			goto out;
		k++;
	}
	*out = arr;
	*n = k;
	arr = NULL;
	rc = 0;
out:
	mm_reach_free(arr, k);
	xmlFreeDoc(doc);
	return rc;
}

/* ---- deliverSecure ---- */

int
mm_parse_deliver_secure(const char *buf, size_t len, bool *delivered, char *transid,
    size_t transid_len, char *err, size_t errlen)
{
	xmlDocPtr doc;
	xmlNodePtr p, ret, st;
	char *tid = NULL, *rid = NULL;
	bool all = true, one = false, any = false;
	int rc = -1;

	if ((doc = read_answer(buf, len, err, errlen)) == NULL)
		return -1;
	if ((p = soap_payload(doc, err, errlen)) == NULL)
		goto out;
	if (!mm_xml_is(p, NS_SERVICE3, "deliverSecureResponse") ||
	    (ret = child(p, NS_SERVICE3, "return")) == NULL) {
		snprintf(err, errlen, "brevlådeoperatören svarade med något annat än "
		    "deliverSecureResponse");
		goto out;
	}
	if ((tid = need_leaf(ret, NS_SERVICE, "TransId", err, errlen)) == NULL)
		goto out;
	if (*tid == '\0' || !text_ok(tid, false) || strlen(tid) >= transid_len) {
		snprintf(err, errlen, "brevlådeoperatören svarade med ett ogiltigt TransId");
		goto out;
	}
	for (st = first_elem(ret); st != NULL; st = next_elem(st->next)) {
		if (!mm_xml_is(st, NS_SERVICE, "Status"))
			continue;
		if ((rid = need_leaf(st, NS_SERVICE, "RecipientId", err, errlen)) == NULL)
			goto out;
		if (!recipient_id_ok(rid)) {
			snprintf(err, errlen, "brevlådeoperatören svarade med ett ogiltigt "
			    "RecipientId");
			goto out;
		}
		free(rid);
		rid = NULL;
		if (need_bool(st, NS_SERVICE, "Delivered", &one, err, errlen) == -1)
			goto out;
		all = all && one;
		any = true;
	}
	if (!any) {
		snprintf(err, errlen, "svaret från brevlådeoperatören saknar Status");
		goto out;
	}
	memcpy(transid, tid, strlen(tid) + 1);
	*delivered = all;
	rc = 0;
out:
	free(tid);
	free(rid);
	xmlFreeDoc(doc);
	return rc;
}


static char *
base64(const unsigned char *p, size_t n)
{
	char *out = xmalloc(4 * ((n + 2) / 3) + 1);

	EVP_EncodeBlock((unsigned char *)out, p, (int)n);
	return out;
}

/* The MD5 of the attachment as the Checksum carries it: 32 upper-case hex digits. */
static int
md5_hex(const unsigned char *p, size_t n, char out[33])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	const EVP_MD *md5 = EVP_md5();

	if (md5 == NULL || EVP_Digest(p, n, md, &mdlen, md5, NULL) != 1 || mdlen != 16)
		return -1;
	text_hex(md, 16, out);
	for (i = 0; i < 32; i++)
		if (out[i] >= 'a' && out[i] <= 'f')
			out[i] = (char)(out[i] - 'a' + 'A');
	return 0;
}

/* SignedDelivery (Message v3) as a document of its own, not yet signed. */
static xmlDocPtr
build_signed_delivery(const struct mm_message *m, const char *body64, const char *pdf64,
    const char *md5)
{
	struct build b = new_build();
	xmlNodePtr sd, d, h, snd, msg, mh, si, mb, att;

	sd = add_elem(&b, NULL, NS_MSG3, NULL, "SignedDelivery");
	d = add_elem(&b, sd, NS_MSG3, NULL, "Delivery");
	/* Message/v2 SecureDeliveryHeader: Sender (Sender.xsd) and Recipient. */
	h = add_elem(&b, d, NS_MSG3, NULL, "Header");
	snd = add_elem(&b, h, NS_MSG2, NULL, "Sender");
	add_leaf(&b, snd, NS_SENDER, "Id", m->sender_id);
	add_leaf(&b, snd, NS_SENDER, "Name", m->sender_name);
	add_leaf(&b, h, NS_MSG2, "Recipient", m->recipient_id);
	/* Message/v3 SecureMessage: Header, Body, Attachment. */
	msg = add_elem(&b, d, NS_MSG3, NULL, "Message");
	mh = add_elem(&b, msg, NS_MSG3, NULL, "Header");
	add_leaf(&b, mh, NS_MSG3, "Id", m->message_id);
	add_leaf(&b, mh, NS_MSG3, "Subject", m->subject);
	si = add_elem(&b, mh, NS_MSG3, NULL, "Supportinfo");
	add_leaf(&b, si, NS_MSG3, "Text", m->support_text);
	if (given(m->support_url))
		add_leaf(&b, si, NS_MSG3, "URL", m->support_url);
	if (given(m->support_phone))
		add_leaf(&b, si, NS_MSG3, "PhoneNumber", m->support_phone);
	if (given(m->support_email))
		add_leaf(&b, si, NS_MSG3, "EmailAdress", m->support_email);
	add_leaf(&b, mh, NS_MSG3, "Language", "svSE");
	mb = add_elem(&b, msg, NS_MSG3, NULL, "Body");
	add_leaf(&b, mb, NS_MSG, "ContentType", "text/plain");
	add_leaf(&b, mb, NS_MSG, "Body", body64);
	att = add_elem(&b, msg, NS_MSG3, NULL, "Attachment");
	add_leaf(&b, att, NS_MSG, "ContentType", "application/pdf");
	add_leaf(&b, att, NS_MSG, "Body", pdf64);
	add_leaf(&b, att, NS_MSG, "Checksum", md5);
	add_leaf(&b, att, NS_MSG, "Filename", m->pdf_name);
	return build_done(&b);
}

/* SealedDelivery (Message v3): the signed SignedDelivery and a Seal, not yet signed. */
static xmlDocPtr
build_sealed_delivery(xmlDocPtr signed_doc)
{
	struct build b = new_build();
	xmlNodePtr root, seal;
	char today[11];
	time_t now = time(NULL);
	struct tm tm;

	if (localtime_r(&now, &tm) == NULL ||
	    strftime(today, sizeof(today), "%Y-%m-%d", &tm) != 10)
		b.ok = false;
	root = add_elem(&b, NULL, NS_MSG3, NULL, "SealedDelivery");
	add_copy(&b, root, xmlDocGetRootElement(signed_doc));
	/* Message.xsd Seal: ReceivedTime (xs:date), SignaturesOK (xs:boolean). */
	seal = add_elem(&b, root, NS_MSG3, NULL, "Seal");
	add_leaf(&b, seal, NS_MSG, "ReceivedTime", today);
	add_leaf(&b, seal, NS_MSG, "SignaturesOK", "true");
	return build_done(&b);
}

/*
 * The SOAP envelope: Body/deliverSecure/deliverSecure (Service v3), the inner
 * one of type SealedDelivery, so it holds the SealedDelivery's children.
 */
static xmlDocPtr
build_soap(xmlDocPtr sealed_doc)
{
	struct build b = new_build();
	xmlNodePtr env, body, outer, inner, c;

	env = add_elem(&b, NULL, NS_SOAP, "soap", "Envelope");
	body = add_elem(&b, env, NS_SOAP, "soap", "Body");
	outer = add_elem(&b, body, NS_SERVICE3, NULL, "deliverSecure");
	inner = add_elem(&b, outer, NS_SERVICE3, NULL, "deliverSecure");
	for (c = xmlDocGetRootElement(sealed_doc)->children; c != NULL; c = c->next)
		add_copy(&b, inner, c);
	return build_done(&b);
}

char *
mm_deliver_secure_request(struct mm_signer *s, const struct mm_message *m, size_t *len,
    char *err, size_t errlen)
{
	xmlDocPtr signed_doc = NULL, sealed_doc = NULL, soap_doc = NULL;
	char *pdf64 = NULL, *text = NULL, *text64 = NULL, *out = NULL;
	char md5[33];
	size_t need, outlen = 0;

	if (s == NULL || m == NULL || len == NULL) {
		snprintf(err, errlen, "internt fel: mm_deliver_secure_request utan signerare "
		    "eller meddelande");
		return NULL;
	}
	if (check_message(m, err, errlen) == -1)
		return NULL;
	/* Base64 alone makes it too large: say so before any work. */
	need = 4 * (m->pdf_len / 3 + 1);
	if (m->pdf_len > MM_MAX_MESSAGE || need + ENVELOPE_SLACK > MM_MAX_MESSAGE) {
		too_large(need + ENVELOPE_SLACK, err, errlen);
		return NULL;
	}
	if (md5_hex(m->pdf, m->pdf_len, md5) == -1) {
		snprintf(err, errlen, "bilagans kontrollsumma (MD5) kunde inte beräknas");
		return NULL;
	}
	text = xasprintf("Du har fått ett beslut från %s. Beslutet finns i den bifogade filen.",
	    m->sender_name);
	text64 = base64((const unsigned char *)text, strlen(text));
	pdf64 = base64(m->pdf, m->pdf_len);
	signed_doc = build_signed_delivery(m, text64, pdf64, md5);
	free(pdf64);
	pdf64 = NULL;
	if (signed_doc == NULL) {
		snprintf(err, errlen, "meddelandet kunde inte byggas (slut på minne)");
		goto out;
	}
	if (mm_sign_enveloped(s, signed_doc, true, err, errlen) == -1)
		goto out;
	if ((sealed_doc = build_sealed_delivery(signed_doc)) == NULL) {
		snprintf(err, errlen, "meddelandet kunde inte förseglas (slut på minne)");
		goto out;
	}
	xmlFreeDoc(signed_doc);
	signed_doc = NULL;
	/*
	 * The Seal's own signature is not verified here: it vouches for nothing
	 * further, it is made by the same code as the one just checked, and the
	 * receiver verifies it (so do the tests, on what goes over the wire,
	 * which neither check here sees).  Verifying it again took a tenth of
	 * the CPU of building a request.
	 */
	if (mm_sign_enveloped(s, sealed_doc, false, err, errlen) == -1)
		goto out;
	if ((soap_doc = build_soap(sealed_doc)) == NULL ||
	    (out = dump(soap_doc, &outlen)) == NULL) {
		snprintf(err, errlen, "meddelandet kunde inte byggas (slut på minne)");
		goto out;
	}
	if (outlen > MM_MAX_MESSAGE) {
		too_large(outlen, err, errlen);
		free(out);
		out = NULL;
		goto out;
	}
	*len = outlen;
out:
	xmlFreeDoc(soap_doc);
	xmlFreeDoc(sealed_doc);
	xmlFreeDoc(signed_doc);
	free(pdf64);
	free(text64);
	free(text);
	return out;
}
