/*
 * validate.c -- stage 2: every rule of SPEC section 3 over the records read.c
 * built.  This file joins the cover sheets to the paragraphs, walks the table
 * of rules below, and marks what the findings block; the rules live by family
 * in validate_protokoll.c, validate_person.c and validate_address.c, one
 * function (or a few hooks) per rule id (validate_int.h).
 *
 * Reads: struct session (fields copied only from XSD-valid files).
 * Writes: findings into s->diag; the joins (paragraf.fb, forsattsblad.
 * paragrafer), parsed identity numbers (ident.ok, ident.pnr) and
 * paragraf.blocked, in place.
 * Trusts: the structure the XSDs guarantee; no content.
 *
 * Messages are Swedish and meant for the nämndsekreterare: they name the
 * person and the paragraph, say what is wrong and what to do.  Personnummer
 * appear only masked (pnr_mask), addresses never (a message may name which
 * line of an address is wrong, and the one character that is).  The wording
 * of the rules the försättsblad form checks too is in messages.h, which the
 * form is made from.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "config.h"
#include "personnummer.h"
#include "validate_int.h"
#include "xmalloc.h"

char *
who(const char *namn, const struct ident *id)
{
	char masked[14];

	if (id == NULL || id->raw == NULL || id->raw[0] == '\0')
		return xstrdup(namn != NULL ? namn : "(namn saknas)");
	pnr_mask(id->ok ? id->pnr.digits : id->raw, masked);
	return xasprintf("%s (%s)", namn != NULL ? namn : "(namn saknas)", masked);
}

unsigned long
fb_paragraf(const struct forsattsblad *fb)
{
	return fb->n_paragrafer > 0 ? fb->paragrafer[0]->nr : 0;
}

bool
blank(const char *s)
{
	return s == NULL || s[0] == '\0';
}

/* [check] max_alder_dagar without a configuration (SPEC section 9). */
#define MAX_ALDER_DAGAR_DEFAULT 90

/* ---- joining ---- */

static int
cmp_paragraf_dnr(const void *a, const void *b)
{
	const struct paragraf *x = *(struct paragraf *const *)a;
	const struct paragraf *y = *(struct paragraf *const *)b;
	int c = strcmp(x->dnr, y->dnr);

	if (c != 0)
		return c;
	return x < y ? -1 : x > y;
}

/*
 * Joins each försättsblad to the paragraphs with the same dnr.  Several
 * paragraphs of one meeting may share a case (dnr); a cover sheet then covers
 * each of them.
 */
static void
join_forsattsblad(struct vctx *v)
{
	struct session *s = v->s;
	struct paragraf **idx;
	size_t n = 0, i, j;

	idx = xreallocarray(NULL, s->protokoll.n_paragrafer + 1, sizeof(*idx));
	for (i = 0; i < s->protokoll.n_paragrafer; i++)
		if (s->protokoll.paragrafer[i].dnr != NULL)
			idx[n++] = &s->protokoll.paragrafer[i];
	qsort(idx, n, sizeof(*idx), cmp_paragraf_dnr);

	for (i = 0; i < s->n_fb; i++) {
		struct forsattsblad *fb = &s->fb[i];
		size_t lo = 0, hi = n, k, first;

		if (fb->dnr == NULL)
			continue;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (strcmp(idx[mid]->dnr, fb->dnr) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		first = lo;
		for (k = first; k < n && strcmp(idx[k]->dnr, fb->dnr) == 0; k++)
			;
		if (k == first)
			continue;
		fb->n_paragrafer = k - first;
		fb->paragrafer = arena_array(&s->arena, fb->n_paragrafer,
		    sizeof(*fb->paragrafer));
		memcpy(fb->paragrafer, idx + first, fb->n_paragrafer * sizeof(*idx));
	}
	free(idx);
	/* Record it per paragraph: the first sheet to join one is its own. */
	for (i = 0; i < s->n_fb; i++)
		for (j = 0; j < s->fb[i].n_paragrafer; j++)
			if (s->fb[i].paragrafer[j]->fb == NULL)
				s->fb[i].paragrafer[j]->fb = &s->fb[i];
}

/* ---- the rules ---- */

/*
 * Every rule, in the order they run, which is the order of the findings on
 * one line of one file.  A rule's hooks run one after the other: for each
 * paragraph, for each försättsblad, for each mottagare (validate_int.h).
 * The rules of a protocol need one that could be read; the rules about a
 * cover sheet alone run regardless, so one run reports as much as can be
 * known.
 */
struct rule_check {
	enum rule id;      /* the rule, or the first of the family it reports */
	bool protokoll;    /* only with a valid protokoll.xml */
	void (*paragraf)(struct vctx *, struct paragraf *);
	void (*sheet)(struct vctx *, struct forsattsblad *);
	void (*recipient)(struct vctx *, struct forsattsblad *, struct mottagare *);
};

static const struct rule_check rule_checks[] = {
	{RULE_INVALID_PERSONNUMMER, false, validate_invalid_personnummer_galler,
	    validate_invalid_personnummer, validate_invalid_personnummer_recipient},
	{RULE_MISSING_COVER_SHEET, true, validate_missing_cover_sheet, NULL, NULL},
	{RULE_DUPLICATE_COVER_SHEET, true, NULL, validate_duplicate_cover_sheet, NULL},
	{RULE_ORPHAN_COVER_SHEET, true, NULL, validate_orphan_cover_sheet, NULL},
	{RULE_SUBJECT_MISMATCH, true, NULL, validate_subject_mismatch,
	    validate_subject_mismatch_recipient},
	{RULE_GUARDIAN_MISSING, true, NULL, validate_guardian_missing, NULL},
	{RULE_GUARDIAN_NOT_NOTIFIED, true, NULL, validate_guardian_not_notified, NULL},
	{RULE_SUBJECT_NOT_NOTIFIED, true, NULL, validate_subject_not_notified, NULL},
	{RULE_MINOR_RECIPIENT, true, NULL, NULL, validate_minor_recipient},
	{RULE_NOT_ADJUSTED, true, validate_not_adjusted, NULL, NULL},
	{RULE_UNKNOWN_INTERNAL_RECIPIENT, true, validate_unknown_internal_recipient, NULL, NULL},
	{RULE_REASONS_MISSING, true, validate_reasons_missing, NULL, NULL},
	{RULE_DNR_FORMAT, true, validate_dnr_format, NULL, NULL},
	{RULE_COVER_SHEET_DATE, false, NULL, validate_cover_sheet_date, NULL},
	{RULE_APPEAL_ROUTE_MISMATCH, true, validate_appeal_route_mismatch, NULL, NULL},
	{RULE_NOT_GUARDIAN, false, NULL, NULL, validate_not_guardian},
	{RULE_ADDRESS_MISSING, false, NULL, NULL, validate_addresses},
	{RULE_ADDRESS_UNPRINTABLE, false, NULL, NULL, validate_address_unprintable},
	{RULE_DUPLICATE_RECIPIENT, false, NULL, NULL, validate_duplicate_recipient},
	{RULE_PROTECTED_IDENTITY_EXPOSED, false, NULL, NULL,
	    validate_protected_identity_exposed},
};

/*
 * fn for each mottagare of each valid försättsblad, in order: the one walk of
 * every (försättsblad, mottagare) pair.  Nothing of an invalid sheet is used.
 */
static void
for_each_recipient(struct vctx *v,
    void (*fn)(struct vctx *, struct forsattsblad *, struct mottagare *))
{
	struct session *s = v->s;
	size_t i, j;

	for (i = 0; i < s->n_fb; i++)
		if (s->fb[i].valid)
			for (j = 0; j < s->fb[i].n_mottagare; j++)
				fn(v, &s->fb[i], &s->fb[i].mottagare[j]);
}

static void
run_rules(struct vctx *v)
{
	struct session *s = v->s;
	const struct rule_check *r;
	size_t i;

	for (r = rule_checks; r < rule_checks + sizeof(rule_checks) / sizeof(*r); r++) {
		if (r->protokoll && !s->protokoll_valid)
			continue;
		if (r->paragraf != NULL)
			for (i = 0; i < s->protokoll.n_paragrafer; i++)
				r->paragraf(v, &s->protokoll.paragrafer[i]);
		if (r->sheet != NULL)
			for (i = 0; i < s->n_fb; i++)
				r->sheet(v, &s->fb[i]);
		if (r->recipient != NULL)
			for_each_recipient(v, r->recipient);
	}
}

/* ---- blocking ---- */

static int
cmp_fb_file(const void *key, const void *elem)
{
	return strcmp(key, ((const struct forsattsblad *)elem)->file);
}

static struct paragraf *
paragraf_by_nr(struct session *s, unsigned long nr)
{
	size_t i;

	for (i = 0; i < s->protokoll.n_paragrafer; i++)
		if (s->protokoll.paragrafer[i].nr == nr)
			return &s->protokoll.paragrafer[i];
	return NULL;
}

/*
 * An error blocks the paragraph it names; an error in a försättsblad blocks
 * every paragraph the sheet joins; an error in protokoll.xml that names no
 * paragraph (the file itself is broken) blocks them all.
 */
static void
mark_blocked(struct session *s)
{
	size_t i, j;

	if (!s->protokoll_valid)
		for (i = 0; i < s->protokoll.n_paragrafer; i++)
			s->protokoll.paragrafer[i].blocked = true;
	for (i = 0; i < s->diag.n; i++) {
		struct finding *f = &s->diag.v[i];
		struct forsattsblad *fb;
		struct paragraf *p;

		fb = s->n_fb == 0 ? NULL :
		    bsearch(f->file, s->fb, s->n_fb, sizeof(*s->fb), cmp_fb_file);
		/* Findings of the reading stage learn their paragraph here. */
		if (fb != NULL && f->paragraf == 0)
			f->paragraf = fb_paragraf(fb);
		if (f->severity == SEV_WAIT) {
			if (f->paragraf != 0 && (p = paragraf_by_nr(s, f->paragraf)) != NULL)
				p->waiting = true;
			continue;
		}
		if (f->severity != SEV_ERROR)
			continue;
		if (fb != NULL)
			for (j = 0; j < fb->n_paragrafer; j++)
				fb->paragrafer[j]->blocked = true;
		if (f->paragraf != 0 && (p = paragraf_by_nr(s, f->paragraf)) != NULL)
			p->blocked = true;
		else if (fb == NULL && strcmp(f->file, PROTOKOLL) == 0)
			for (j = 0; j < s->protokoll.n_paragrafer; j++)
				s->protokoll.paragrafer[j].blocked = true;
	}
}

static void
validate(struct session *s, const struct validate_conf *conf, const struct skyddade *pkg)
{
	struct vctx v = {s, NULL, pkg, NULL, ARCHIVE_INTERNAL_DEFAULT, NULL, NULL,
	    MAX_ALDER_DAGAR_DEFAULT, NULL};
	struct ymd today;
	char buf[11];

	if (s->protokoll_valid)
		v.datum = &s->protokoll.sammantradesdatum;
	/* The one clock (the test build's may be set); a clock that cannot be
	 * read judges no sheet as filled in the future. */
	clock_today(buf);
	if (ymd_parse(buf, &today))
		v.today = &today;
	if (conf != NULL && conf->internal != NULL)
		v.internal = conf->internal;
	if (conf != NULL) {
		v.aw = conf->aw;
		v.dnr = conf->dnr;
		v.max_alder_dagar = conf->max_alder_dagar;
		v.appeal = conf->appeal;
	}
	/* The joins need a protocol that could be read. */
	if (s->protokoll_valid)
		join_forsattsblad(&v);
	run_rules(&v);
	if (conf != NULL && conf->after != NULL)
		conf->after(conf->after_arg, s);
	mark_blocked(s);
	diag_sort(&s->diag);
}

void
validate_session(struct session *s, const struct validate_conf *conf)
{
	struct skyddade own = {0};
	size_t i;

	/* The whole package is here: its protected people are in its own sheets. */
	for (i = 0; i < s->n_fb; i++)
		skyddade_add(&own, &s->fb[i]);
	skyddade_done(&own);
	validate(s, conf, &own);
	skyddade_free(&own);
}

void
validate_part(struct session *s, const struct validate_conf *conf, const struct skyddade *pkg)
{
	validate(s, conf, pkg);
}
