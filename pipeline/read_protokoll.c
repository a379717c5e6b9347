/*
 * read_protokoll.c -- stage 1 for protokoll.xml: read as a stream, validated
 * against its XSD as it goes, each paragraph copied into the records once it
 * has been read (read.h, read_int.h).
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>

#include "read.h"
#include "read_int.h"
#include "xmalloc.h"

/* ---- copying a paragraph and the head ---- */

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
	p->understalls_dagar = -1;
	if ((c = first_elem(n, "overklagande")) != NULL && (typ = attr_of(s, c, "typ")) != NULL) {
		if (strcmp(typ, "forvaltningsbesvar") == 0)
			p->overklagande = OVERKLAGANDE_FORVALTNINGSBESVAR;
		else if (strcmp(typ, "laglighetsprovning") == 0)
			p->overklagande = OVERKLAGANDE_LAGLIGHETSPROVNING;
		else if (strcmp(typ, "understalls") == 0)
			p->overklagande = OVERKLAGANDE_UNDERSTALLS;
		else
			p->overklagande = OVERKLAGANDE_EJ_OVERKLAGBART;
		p->overklagande_line = line_of(c);
		p->overklagande_avvikelse = attr_of(s, c, "avvikelse");
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
unsigned long
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

/* An invalid protocol gives nothing but its findings, as if it had not been read. */
void
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

