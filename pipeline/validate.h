/*
 * validate.h -- stage 2: the rules of SPEC section 3 over a session read by
 * read.c.  Each rule lives in functions named after it, by family in
 * validate_protokoll.c, validate_person.c and validate_address.c; validate.c
 * walks them (validate_int.h).
 */
#ifndef EXPEDIERA_VALIDATE_H
#define EXPEDIERA_VALIDATE_H

#include <stddef.h>

#include "address.h"
#include "appeal.h"
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
 * What the rules take from the configuration (config.h), compiled or copied
 * once by the caller and only read here.  A NULL conf, or a NULL member,
 * means the built-in behaviour: no dnr-format rule without a pattern, and
 * ARCHIVE_INTERNAL_DEFAULT without a list of internal names.  Today's date
 * (cover-sheet-date) is clock_today()'s, not the caller's.
 */
struct validate_conf {
	const struct dnr_pattern *dnr; /* [dnr] pattern */
	const char *internal;          /* [archive] internal: names, comma-separated */
	/* The envelope window and the letter fonts the letters will be made with
	 * (the configuration's templates and [print] window), for
	 * address-unprintable; NULL skips that rule, which only a caller that
	 * makes no letters may do (the fuzzer without built fonts). */
	const struct address_window *aw;
	/* templates/overklagande.conf (appeal.h), for appeal-route-mismatch and
	 * the understalls_lag of a paragraph; NULL skips that rule, which only a
	 * caller that makes and sends no letters may do (the fuzzer). */
	const struct appeal_table *appeal;
	/* Rules that need more than the package (changed-after-send asks the
	 * audit log): called with each session or part after the others, before
	 * the paragraphs are marked blocked.  NULL: none. */
	void (*after)(void *arg, struct session *s);
	void *after_arg;
	/* [check] max_alder_dagar (config_max_alder_dagar): a försättsblad
	 * filled in more days than this before the meeting is warned of.  0 is
	 * a setting like any other; a NULL conf gives the default, 90. */
	int max_alder_dagar;
};

/*
 * Joins försättsblad to paragraphs, runs every rule, adds the findings to
 * s->diag (sorted), and marks blocked paragraphs.
 */
void validate_session(struct session *s, const struct validate_conf *conf);

/*
 * The same for one part of a larger package: pkg holds the protected
 * personnummer of the whole package (skyddade_done called), where
 * validate_session takes them from s itself.
 */
void validate_part(struct session *s, const struct validate_conf *conf,
    const struct skyddade *pkg);

#endif
