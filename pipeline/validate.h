/*
 * validate.h -- stage 2: the rules of SPEC section 3 over a session read by
 * read.c.  Each rule lives in one function named after it in validate.c.
 */
#ifndef EXPEDIERA_VALIDATE_H
#define EXPEDIERA_VALIDATE_H

#include "dnr.h"
#include "session.h"

/*
 * Joins försättsblad to paragraphs, runs every rule, adds the findings to
 * s->diag (sorted), and marks blocked paragraphs.  dnr may be NULL to skip
 * the dnr-format rule.
 */
void validate_session(struct session *s, const struct dnr_pattern *dnr);

#endif
