/*
 * parts.h -- a session package a part at a time: stages 1 and 2 (read.c,
 * validate.c) over some paragraphs and the försättsblad that join them, so
 * that memory stays flat however many decisions a meeting has.
 *
 * A package whose protocol has at most `per' paragraphs is one part holding
 * everything (every försättsblad, joined or not), exactly as a whole read.
 * A larger one is read in parts of about `per' paragraphs, in protocol
 * order; each part holds the försättsblad whose arende/@dnr matches one of
 * its paragraphs (a sheet shared by paragraphs in two parts is read in both),
 * and a last part of none holds the sheets that join nothing.  Every rule
 * runs on each part as on a whole session; what a part cannot know is done
 * over the whole: who has skyddad identitet anywhere in the package is
 * collected before the first part (protected-identity-exposed), a sheet's
 * findings are reported once, and when protokoll.xml turns out invalid at
 * its end, the findings that need a valid protocol are taken back, as a
 * whole read never makes them.
 */
#ifndef EXPEDIERA_PARTS_H
#define EXPEDIERA_PARTS_H

#include <stddef.h>

#include "session.h"
#include "validate.h"

/* Paragraphs per part unless told otherwise (EXPEDIERA_PART in the environment). */
#define PARTS_DEFAULT 512

/* What the whole package held. */
struct parts_totals {
	size_t paragrafer;      /* in protokoll.xml, when it is valid */
	size_t forsattsblad;    /* files */
	size_t mottagare;       /* of all försättsblad */
	size_t parts;
};

/*
 * Called with each part, read and validated (its findings already copied to
 * base); the part is freed when it returns.  0 goes on, -1 stops the reading.
 */
typedef int (*part_fn)(void *arg, struct session *part);

/*
 * Reads and validates the package in base->dir, calling fn (may be NULL) with
 * each part; dnr and aw as validate_session takes them.  base gets every finding (sorted, each once) and
 * protokoll_valid; tot (may be NULL) the counts.  per 0 is the default.
 * Returns 0; -1 when the package cannot be read at all (err says why) or fn
 * stopped it (err empty).
 */
int parts_read(struct session *base, const struct validate_conf *conf, size_t per, part_fn fn,
    void *arg, struct parts_totals *tot, char *err, size_t errlen);

#endif
