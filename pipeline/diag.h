/*
 * diag.h -- findings: the one table of validation rules (ids and severities of
 * SPEC section 3) and the list of findings a session collects.
 *
 * A stage never exits for a bad record: it adds a finding and returns; the
 * driver decides the exit status from what was collected (mandoc's
 * mandocerr table, Postfix's collect-then-act).
 */
#ifndef EXPEDIERA_DIAG_H
#define EXPEDIERA_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*
 * A wait (only not-adjusted) holds its paragraph until it may go; it is no
 * error: nothing needs fixing, and every other paragraph goes.  An info is
 * told and blocks nothing: a rule's finding the package itself answers (an
 * appeal route the nämnd chose with its reason, appeal-route-mismatch).
 */
enum severity { SEV_WARNING, SEV_ERROR, SEV_WAIT, SEV_INFO };

enum rule {
	RULE_SCHEMA,
	RULE_MISSING_COVER_SHEET,
	RULE_DUPLICATE_COVER_SHEET,
	RULE_ORPHAN_COVER_SHEET,
	RULE_SUBJECT_MISMATCH,
	RULE_INVALID_PERSONNUMMER,
	RULE_GUARDIAN_MISSING,
	RULE_NOT_GUARDIAN,
	RULE_MINOR_RECIPIENT,
	RULE_ADDRESS_MISSING,
	RULE_ADDRESS_INCOMPLETE,
	RULE_ADDRESS_UNCERTAIN,
	RULE_ADDRESS_AMBIGUOUS,
	RULE_DUPLICATE_RECIPIENT,
	RULE_PROTECTED_IDENTITY_EXPOSED,
	RULE_ADDRESS_UNPRINTABLE,
	RULE_NOT_ADJUSTED,
	RULE_GUARDIAN_NOT_NOTIFIED,
	RULE_SUBJECT_NOT_NOTIFIED,
	RULE_UNKNOWN_INTERNAL_RECIPIENT,
	RULE_REASONS_MISSING,
	RULE_DNR_FORMAT,
	RULE_CHANGED_AFTER_SEND,
	RULE_COVER_SHEET_DATE,
	RULE_APPEAL_ROUTE_MISMATCH,
	RULE__MAX
};

struct rule_info {
	const char *id;          /* stable id, e.g. "not-guardian" */
	enum severity severity;  /* the usual severity; a rule may lower it */
};

extern const struct rule_info rule_table[RULE__MAX];

struct finding {
	enum rule rule;
	enum severity severity;
	char *file;              /* relative to the session, e.g. "protokoll.xml" */
	int line;                /* 0 when not known */
	unsigned long paragraf;  /* 0 when not known */
	char *message;           /* Swedish, no unmasked personnummer or address */
	size_t seq;              /* order of adding, to keep the sort stable */
};

struct diag {
	struct finding *v;
	size_t n, cap;
	size_t errors, warnings, waits, infos;
	size_t next_seq;
};

/* Adds a finding with the rule's usual severity. */
void diag_add(struct diag *, enum rule, const char *file, int line, unsigned long paragraf,
    const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Adds a finding with the severity given. */
void diag_add_sev(struct diag *, enum rule, enum severity, const char *file, int line,
    unsigned long paragraf, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/* Sorts by file, then line, then order of adding. */
void diag_sort(struct diag *);

/* "file:line: fel|varning|avvaktar|info: rule-id: message", one line each. */
void diag_print_text(const struct diag *, FILE *);

/*
 * s as it may be shown on a terminal (a new string, the caller frees it):
 * control characters, C1 controls and bidi overrides become '?', so a file
 * or package name cannot move the cursor, retitle the window or reorder the
 * line it stands in.  Everything else, Swedish letters included, is kept.
 */
char *diag_shown(const char *s);

/* Its name in JSON (SPEC section 8): "error", "warning", "wait" or "info". */
const char *severity_json(enum severity);

/* One finding as a JSON object (SPEC section 8). */
void diag_finding_json(const struct finding *, FILE *);

/* The findings as a JSON array (SPEC section 8). */
void diag_print_json_array(const struct diag *, FILE *);

/* Moves every finding of from to the end of to; from is left empty. */
void diag_append(struct diag *to, struct diag *from);

/*
 * Keeps the findings keep() says yes to, in order; keep sees the ones kept
 * so far (kept[0..nkept)).  The counts follow.
 */
void diag_filter(struct diag *, bool (*keep)(const struct finding *f,
    const struct finding *kept, size_t nkept, void *arg), void *arg);

void diag_free(struct diag *);

/* Swedish name of a severity: "fel", "varning", "avvaktar" or "info". */
const char *severity_name(enum severity);

#endif
