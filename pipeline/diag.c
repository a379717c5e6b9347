/*
 * diag.c -- the rule table and the list of findings; see diag.h.
 *
 * Messages arrive already masked: callers format personnummer with
 * pnr_mask() and never put an address into a message.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "json.h"
#include "xmalloc.h"

const struct rule_info rule_table[RULE__MAX] = {
	[RULE_SCHEMA] = {"schema", SEV_ERROR},
	[RULE_MISSING_COVER_SHEET] = {"missing-cover-sheet", SEV_ERROR},
	[RULE_DUPLICATE_COVER_SHEET] = {"duplicate-cover-sheet", SEV_ERROR},
	[RULE_ORPHAN_COVER_SHEET] = {"orphan-cover-sheet", SEV_WARNING},
	[RULE_SUBJECT_MISMATCH] = {"subject-mismatch", SEV_ERROR},
	[RULE_INVALID_PERSONNUMMER] = {"invalid-personnummer", SEV_ERROR},
	[RULE_GUARDIAN_MISSING] = {"guardian-missing", SEV_ERROR},
	[RULE_NOT_GUARDIAN] = {"not-guardian", SEV_ERROR},
	[RULE_MINOR_RECIPIENT] = {"minor-recipient", SEV_ERROR},
	[RULE_ADDRESS_MISSING] = {"address-missing", SEV_ERROR},
	[RULE_ADDRESS_INCOMPLETE] = {"address-incomplete", SEV_ERROR},
	[RULE_ADDRESS_UNCERTAIN] = {"address-uncertain", SEV_ERROR},
	[RULE_ADDRESS_AMBIGUOUS] = {"address-ambiguous", SEV_ERROR},
	[RULE_DUPLICATE_RECIPIENT] = {"duplicate-recipient", SEV_ERROR},
	[RULE_PROTECTED_IDENTITY_EXPOSED] = {"protected-identity-exposed", SEV_ERROR},
	[RULE_ADDRESS_UNPRINTABLE] = {"address-unprintable", SEV_ERROR},
	[RULE_NOT_ADJUSTED] = {"not-adjusted", SEV_WAIT},
	[RULE_GUARDIAN_NOT_NOTIFIED] = {"guardian-not-notified", SEV_ERROR},
	[RULE_SUBJECT_NOT_NOTIFIED] = {"subject-not-notified", SEV_ERROR},
	[RULE_UNKNOWN_INTERNAL_RECIPIENT] = {"unknown-internal-recipient", SEV_ERROR},
	[RULE_REASONS_MISSING] = {"reasons-missing", SEV_ERROR},
	[RULE_DNR_FORMAT] = {"dnr-format", SEV_ERROR},
	[RULE_CHANGED_AFTER_SEND] = {"changed-after-send", SEV_ERROR},
	[RULE_COVER_SHEET_DATE] = {"cover-sheet-date", SEV_ERROR},
	[RULE_APPEAL_ROUTE_MISMATCH] = {"appeal-route-mismatch", SEV_ERROR},
};

const char *
severity_name(enum severity sev)
{
	return sev == SEV_ERROR ? "fel" : sev == SEV_WAIT ? "avvaktar" : sev == SEV_INFO ? "info" :
	    "varning";
}

const char *
severity_json(enum severity sev)
{
	return sev == SEV_ERROR ? "error" : sev == SEV_WAIT ? "wait" : sev == SEV_INFO ? "info" :
	    "warning";
}

static void
count(struct diag *d, enum severity sev)
{
	if (sev == SEV_ERROR)
		d->errors++;
	else if (sev == SEV_WAIT)
		d->waits++;
	else if (sev == SEV_INFO)
		d->infos++;
	else
		d->warnings++;
}

static void
diag_addv(struct diag *d, enum rule rule, enum severity sev, const char *file, int line,
    unsigned long paragraf, const char *fmt, va_list ap)
{
	struct finding *f;
	va_list aq;
	int n;

	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 32;
		d->v = xreallocarray(d->v, d->cap, sizeof(*d->v));
	}
	f = &d->v[d->n];
	f->rule = rule;
	f->severity = sev;
	f->file = xstrdup(file);
	f->line = line;
	f->paragraf = paragraf;
	f->seq = d->next_seq++;
	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		n = 0;
	f->message = xmalloc((size_t)n + 1);
	vsnprintf(f->message, (size_t)n + 1, fmt, ap);
	d->n++;
	count(d, sev);
}

void
diag_add(struct diag *d, enum rule rule, const char *file, int line, unsigned long paragraf,
    const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_addv(d, rule, rule_table[rule].severity, file, line, paragraf, fmt, ap);
	va_end(ap);
}

void
diag_add_sev(struct diag *d, enum rule rule, enum severity sev, const char *file, int line,
    unsigned long paragraf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_addv(d, rule, sev, file, line, paragraf, fmt, ap);
	va_end(ap);
}

static int
finding_cmp(const void *a, const void *b)
{
	const struct finding *x = a, *y = b;
	int c = strcmp(x->file, y->file);

	if (c != 0)
		return c;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void
diag_sort(struct diag *d)
{
	if (d->n > 1)
		qsort(d->v, d->n, sizeof(*d->v), finding_cmp);
}

char *
diag_shown(const char *s)
{
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
	char *out = xmalloc(strlen((const char *)p) + 1), *o = out;

	while (*p != '\0') {
		if (*p < 0x20 || *p == 0x7f) {
			*o++ = '?';
			p++;
		} else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			/* C1 controls: CSI (U+009B) starts escape sequences too */
			*o++ = '?';
			p += 2;
		} else if (p[0] == 0xe2 && ((p[1] == 0x80 && p[2] >= 0xaa && p[2] <= 0xae) ||
		    (p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9))) {
			/* bidi overrides and isolates: they reorder what follows */
			*o++ = '?';
			p += 3;
		} else
			*o++ = (char)*p++;
	}
	*o = '\0';
	return out;
}

void
diag_print_text(const struct diag *d, FILE *fp)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		const struct finding *f = &d->v[i];
		char *file = diag_shown(f->file), *msg = diag_shown(f->message);

		fprintf(fp, "%s:%d: %s: %s: %s\n", file, f->line, severity_name(f->severity),
		    rule_table[f->rule].id, msg);
		free(file);
		free(msg);
	}
}

void
diag_finding_json(const struct finding *f, FILE *fp)
{
	fputs("{\"rule\": ", fp);
	json_string(fp, rule_table[f->rule].id);
	fputs(", \"severity\": ", fp);
	json_string(fp, severity_json(f->severity));
	fputs(", \"file\": ", fp);
	json_string(fp, f->file);
	fprintf(fp, ", \"line\": %d, \"paragraf\": ", f->line);
	if (f->paragraf != 0)
		fprintf(fp, "%lu", f->paragraf);
	else
		fputs("null", fp);
	fputs(", \"message\": ", fp);
	json_string(fp, f->message);
	fputc('}', fp);
}

void
diag_print_json_array(const struct diag *d, FILE *fp)
{
	size_t i;

	fputc('[', fp);
	for (i = 0; i < d->n; i++) {
		fputs(i ? ",\n  " : "\n  ", fp);
		diag_finding_json(&d->v[i], fp);
	}
	fputs(d->n ? "\n]" : "]", fp);
}

void
diag_append(struct diag *to, struct diag *from)
{
	size_t i;

	for (i = 0; i < from->n; i++) {
		struct finding *f = &from->v[i];

		if (to->n == to->cap) {
			to->cap = to->cap ? to->cap * 2 : 32;
			to->v = xreallocarray(to->v, to->cap, sizeof(*to->v));
		}
		f->seq = to->next_seq++;
		to->v[to->n++] = *f;
		count(to, f->severity);
	}
	free(from->v);
	memset(from, 0, sizeof(*from));
}

void
diag_filter(struct diag *d, bool (*keep)(const struct finding *f, const struct finding *kept,
    size_t nkept, void *arg), void *arg)
{
	size_t i, o = 0;

	d->errors = d->warnings = d->waits = d->infos = 0;
	for (i = 0; i < d->n; i++) {
		struct finding *f = &d->v[i];

		if (!keep(f, d->v, o, arg)) {
			free(f->file);
			free(f->message);
			continue;
		}
		d->v[o++] = *f;
		count(d, f->severity);
	}
	d->n = o;
}

void
diag_free(struct diag *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].message);
	}
	free(d->v);
	memset(d, 0, sizeof(*d));
}
