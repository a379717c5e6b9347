/*
 * validate.h -- stage 2: the rules of SPEC section 3 over a session read by
 * read.c.  Each rule lives in one function named after it in validate.c.
 */
#ifndef EXPEDIERA_VALIDATE_H
#define EXPEDIERA_VALIDATE_H

#include <stddef.h>

#include "address.h"
#include "dnr.h"
#include "session.h"

/*
 * The personnummer that have <skyddad-identitet/> somewhere in a package:
 * what rule protected-identity-exposed needs of the whole package when it
 * is validated a part at a time (parts.c collects it before the first part).
 * Only the numbers are kept, each with the first sheet (by file name) and
 * line that protects it, for the message; never a sheet.
 */
struct skyddad {
	char pnr[13];            /* normalized 12 digits */
	char *file;              /* "forsattsblad/x.xml" */
	int line;                /* of that <mottagare> */
};

struct skyddade {
	struct skyddad *v;
	size_t n, cap;
};

/* Adds every protected recipient of a valid sheet; then skyddade_done once. */
void skyddade_add(struct skyddade *, const struct forsattsblad *);
/* Sorts and keeps the first sheet for each number; lookups only after this. */
void skyddade_done(struct skyddade *);
void skyddade_free(struct skyddade *);

/*
 * Joins försättsblad to paragraphs, runs every rule, adds the findings to
 * s->diag (sorted), and marks blocked paragraphs.  dnr may be NULL to skip
 * the dnr-format rule.  aw is the envelope window and the letter fonts the
 * letters will be made with (the configuration's templates and [print]
 * window), for address-unprintable; NULL skips that rule, which only a
 * caller that makes no letters may do (the fuzzer without built fonts).
 */
void validate_session(struct session *s, const struct dnr_pattern *dnr,
    const struct address_window *aw);

/*
 * The same for one part of a larger package: pkg holds the protected
 * personnummer of the whole package (skyddade_done called), where
 * validate_session takes them from s itself.
 */
void validate_part(struct session *s, const struct dnr_pattern *dnr,
    const struct address_window *aw, const struct skyddade *pkg);

#endif
