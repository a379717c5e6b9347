/*
 * appeal.h -- the appeal table (templates/overklagande.conf): which route
 * of appeal the law requires for a lagrum, the statute that says so and, for
 * an underställning, its deadline (SPEC 2.1).  Loaded once per run, like the
 * other templates, and read by rule appeal-route-mismatch (validate.c).
 */
#ifndef EXPEDIERA_APPEAL_H
#define EXPEDIERA_APPEAL_H

#include <stdbool.h>
#include <stddef.h>

#include "session.h"

/* One line of law: a section of the file. */
struct appeal_rule {
	const char *name;          /* the section's name: "6 § LVU" */
	enum overklagande kraver;  /* the route the law requires */
	const char *lag;           /* the statute that says so: "7 § LVU" */
	int frist;                 /* understalls: days after the decision, 0 "genast"; else -1 */
	const char *kalla;         /* the source, as the file gives it */
	int line;                  /* of the section header */
};

struct appeal_table;

/*
 * Loads and checks dir/overklagande.conf: every line of law needs lagrum (a
 * pattern that compiles, anchored with ^ and $), kraver, lag and kalla, and
 * frist exactly when kraver is understalls.  Returns the table, or NULL with
 * a Swedish message "FILE:LINE: ..." in err.
 */
struct appeal_table *appeal_load(const char *dir, char *err, size_t errlen);
void appeal_free(struct appeal_table *);

/* "…/overklagande.conf", for messages. */
const char *appeal_path(const struct appeal_table *);
size_t appeal_count(const struct appeal_table *);
const struct appeal_rule *appeal_rule_at(const struct appeal_table *, size_t i);

/*
 * true when rule i's pattern matches lagrum, read with its white space
 * (no-break spaces too) collapsed to single spaces and trimmed.  A lagrum
 * too long to be one, or a match that hits the match limits, does not match.
 */
bool appeal_matches(const struct appeal_table *, size_t i, const char *lagrum);

/* The value of <overklagande typ> for a route: "understalls"; "" for none. */
const char *overklagande_name(enum overklagande);

#endif
