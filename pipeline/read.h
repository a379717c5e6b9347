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

#include <stdbool.h>
#include <stddef.h>

#include "session.h"

#define PROTOKOLL_MAX_BYTES    (128UL * 1024 * 1024)
#define FORSATTSBLAD_MAX_BYTES (1UL * 1024 * 1024)
#define FORSATTSBLAD_MAX_FILES 500000

/* Compiles the built-in XSDs once; returns 0, or -1 with a message in err. */
int read_init(char *err, size_t errlen);
void read_cleanup(void);

/*
 * Reading försättsblad is safe in more than one thread at a time (after
 * read_init, each into a session of its own); a thread that did it frees
 * what it kept for the next sheet with read_thread_done before it ends.
 */
void read_thread_done(void);

/*
 * Reads the package in s->dir.  Returns 0 when the package could be read at
 * all (its problems are findings), -1 when it could not (the directory does
 * not exist or cannot be listed) with a Swedish message in err.
 */
int read_session(struct session *s, char *err, size_t errlen);

/*
 * The parts of read_session, for reading a large package a part at a time
 * (parts.c).  read_open opens the package directory.
 *
 * protokoll.xml is read as a stream: read_protokoll_open starts it (findings
 * of the file, and the protocol's head, go to base), read_protokoll_more
 * reads on until at least want more paragraphs were copied into part (which
 * may be base) and says whether there is more, read_protokoll_close ends it
 * and sets base->protokoll_valid: only then is it known whether the whole
 * file is valid.  Paragraphs are copied only while the file has had no
 * error, so they may be relied on as far as they go.
 */
struct protokoll_reader;

int read_open(const char *dir, int *dirfd, char *err, size_t errlen);
struct protokoll_reader *read_protokoll_open(struct session *base, int dirfd);
bool read_protokoll_more(struct protokoll_reader *, struct session *part, size_t want);
size_t read_protokoll_count(const struct protokoll_reader *);  /* paragraphs seen */
void read_protokoll_close(struct protokoll_reader *);

/* The försättsblad files of a package, in name order, and a descriptor for them. */
struct fb_names {
	char **v;
	size_t n;
	int fd;
};

/* 0, or -1 with a message (the directory cannot be listed); no directory is none. */
int read_forsattsblad_names(const char *dir, int dirfd, struct fb_names *, char *err,
    size_t errlen);
void read_forsattsblad_names_free(struct fb_names *);

/* Reads försättsblad i into s, with its findings, as read_session does. */
void read_forsattsblad_file(struct session *s, const struct fb_names *, size_t i);

/*
 * The normalized arende/@dnr of försättsblad i, read without validating
 * (malloc'd), or NULL when it cannot be found: only to know which paragraphs
 * a sheet may join before it is read in full.  *skyddad says whether the file
 * mentions skyddad-identitet at all: when not, it has no such element, and
 * only the sheets that do need a full read to know who is protected.
 */
char *read_forsattsblad_dnr(const struct fb_names *, size_t i, bool *skyddad);

/* The two halves of read_session, on bytes already in memory (the fuzzer). */
void read_protokoll_buf(struct session *s, const char *buf, size_t len);
void read_forsattsblad_buf(struct session *s, const char *file, const char *buf, size_t len);

#endif
