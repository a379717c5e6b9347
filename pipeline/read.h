/*
 * read.h -- stage 1: read a session package into a struct session.
 *
 * Reads: SESSION/protokoll.xml and SESSION/forsattsblad/NAME.xml, untrusted.
 * Writes: the records of session.h; a `schema' finding for every file that is
 * not well-formed, not UTF-8, too large, or not valid against its XSD.
 * Trusts: nothing.  No network, no DTD, no entity expansion; a file is
 * validated against the XSD before any field of it is copied.
 */
#ifndef EXPEDIERA_READ_H
#define EXPEDIERA_READ_H

#include <stddef.h>

#include "session.h"

#define PROTOKOLL_MAX_BYTES    (128UL * 1024 * 1024)
#define FORSATTSBLAD_MAX_BYTES (1UL * 1024 * 1024)
#define FORSATTSBLAD_MAX_FILES 500000

/* Compiles the built-in XSDs once; returns 0, or -1 with a message in err. */
int read_init(char *err, size_t errlen);
void read_cleanup(void);

/*
 * Reads the package in s->dir.  Returns 0 when the package could be read at
 * all (its problems are findings), -1 when it could not (the directory does
 * not exist or cannot be listed) with a Swedish message in err.
 */
int read_session(struct session *s, char *err, size_t errlen);

/* The two halves of read_session, on bytes already in memory (the fuzzer). */
void read_protokoll_buf(struct session *s, const char *buf, size_t len);
void read_forsattsblad_buf(struct session *s, const char *file, const char *buf, size_t len);

#endif
