/*
 * read_int.h -- what the files of stage 1 share (read.c, read_protokoll.c,
 * read_forsattsblad.c); nothing else includes it.  read.c holds the shared
 * parts: libxml2's errors as findings, copying fields out of a valid
 * document, opening files, the compiled schemas.
 */
#ifndef EXPEDIERA_READ_INT_H
#define EXPEDIERA_READ_INT_H

#include <sys/stat.h>

#include <stdbool.h>
#include <stddef.h>

#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>

#include "session.h"

#define NS_PROTOKOLL    "urn:expediera:protokoll:1"
#define NS_FORSATTSBLAD "urn:expediera:forsattsblad:1"

/* Compiled once, only read after: shared by every thread and validation context. */
struct schema {
	xmlSchemaPtr schema;
};

extern struct schema schema_protokoll, schema_forsattsblad;

struct protokoll_reader;

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

/* ---- read.c: libxml2 errors into Swedish findings ---- */

/* libxml2's structured error handler; arg is a struct errctx. */
void on_xml_error(void *arg, xmlErrorPtr e);
/* SAX hook for <!DOCTYPE ...>: a finding, and the parse stops. */
void refuse_doctype(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys);
/* buf holds nothing but XML white space. */
bool only_space(const char *buf, size_t len);

/* ---- read.c: copying fields out of a valid document ---- */

bool is_elem(const xmlNode *n, const char *name);
xmlNode *first_elem(const xmlNode *parent, const char *name);
size_t count_elems(const xmlNode *parent, const char *name);
int line_of(const xmlNode *n);
/* in with runs of XML white space folded to one space, trimmed; in the arena */
const char *norm_dup(struct arena *a, const char *in);
/* The normalized text content of n. */
const char *text_of(struct session *s, const xmlNode *n);
/* The text of the first child element name, or NULL. */
const char *child_text(struct session *s, const xmlNode *parent, const char *name);
/* The normalized value of attribute name, or NULL. */
const char *attr_of(struct session *s, const xmlNode *n, const char *name);
bool attr_bool(struct session *s, const xmlNode *n, const char *name);
/* The texts of all children named name, as an arena array. */
const char **child_texts(struct session *s, const xmlNode *parent, const char *name,
    size_t *n);
/* The line of the first child element name, or 0. */
int child_line(const xmlNode *parent, const char *name);
/* The personnummer in child name of parent, with its line; zero when none. */
void read_ident(struct session *s, const xmlNode *parent, const char *name, struct ident *id);
void read_person(struct session *s, const xmlNode *n, struct person *p);

/* ---- read.c: files ---- */

/*
 * path (relative to dirfd) as a regular file of at most max bytes, not
 * through a link: a descriptor, or -1 with a Swedish reason in why.
 */
int open_regular(int dirfd, const char *path, size_t max, struct stat *st, char *why,
    size_t whylen);
/* path read whole into a new buffer, or NULL with a Swedish reason in why. */
char *slurp(int dirfd, const char *path, size_t max, size_t *len, char *why,
    size_t whylen);

/* ---- read_protokoll.c ---- */

/* The paragraph the validator is in, for its findings. */
unsigned long reader_paragraf(const struct protokoll_reader *);
/* An invalid protocol gives nothing but its findings. */
void read_protokoll_settle(struct session *);

/* ---- read_forsattsblad.c ---- */

/* Frees what is kept for the next sheet, of this thread and of the dnr scan. */
void read_forsattsblad_cleanup(void);

#endif
