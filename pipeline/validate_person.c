/*
 * validate_person.c -- the rules about who a decision concerns and who is
 * told of it: invalid-personnummer, subject-mismatch, guardian-missing,
 * not-guardian, guardian-not-notified, subject-not-notified,
 * minor-recipient, duplicate-recipient.  Hooks of the table in validate.c
 * (validate_int.h).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "messages.h"
#include "personnummer.h"
#include "validate_int.h"

/* Age on the meeting day from the first valid number given; false if none. */
static bool
age_of(const struct vctx *v, const struct ident *a, const struct ident *b, int *age)
{
	if (v->datum == NULL)
		return false;
	if (a != NULL && a->ok) {
		*age = age_on(&a->pnr.birth, v->datum);
		return true;
	}
	if (b != NULL && b->ok) {
		*age = age_on(&b->pnr.birth, v->datum);
		return true;
	}
	return false;
}

/*
 * The age of the sheet's galler on the meeting day, from the paragraph's
 * number when the sheet's own cannot be read.
 */
static bool
galler_age(const struct vctx *v, const struct forsattsblad *fb, int *age)
{
	const struct ident *alt = NULL;

	if (fb->n_paragrafer > 0 && fb->paragrafer[0]->has_galler)
		alt = &fb->paragrafer[0]->galler.pnr;
	return age_of(v, &fb->galler.pnr, alt, age);
}

/* ---- invalid-personnummer ---- */

static void
check_ident(struct vctx *v, const char *file, unsigned long par, const char *namn,
    const char *what, struct ident *id)
{
	char masked[14];
	enum pnr_status st;

	if (id->raw == NULL)
		return;
	st = pnr_parse(id->raw, v->datum, &id->pnr);
	id->status = st;
	id->ok = st == PNR_OK;
	if (id->ok)
		return;
	if (st == PNR_EMPTY) {
		diag_add(&v->s->diag, RULE_INVALID_PERSONNUMMER, file, id->line, par,
		    CHECK_PNR_EMPTY, what, namn != NULL ? namn : "");
		return;
	}
	pnr_mask(id->raw, masked);
	diag_add(&v->s->diag, RULE_INVALID_PERSONNUMMER, file, id->line, par,
	    CHECK_PNR_INVALID, what, namn != NULL ? namn : "",
	    masked, pnr_status_text(st));
}

void
validate_invalid_personnummer_galler(struct vctx *v, struct paragraf *p)
{
	if (p->has_galler)
		check_ident(v, PROTOKOLL, p->nr, p->galler.namn, WHAT_GALLER, &p->galler.pnr);
}

void
validate_invalid_personnummer(struct vctx *v, struct forsattsblad *fb)
{
	unsigned long par = fb_paragraf(fb);
	size_t j;

	if (!fb->valid)
		return;
	check_ident(v, fb->file, par, fb->galler.namn, WHAT_GALLER, &fb->galler.pnr);
	for (j = 0; j < fb->n_vardnadshavare; j++)
		check_ident(v, fb->file, par, fb->vardnadshavare[j].namn, WHAT_VARDNADSHAVARE,
		    &fb->vardnadshavare[j].pnr);
}

void
validate_invalid_personnummer_recipient(struct vctx *v, struct forsattsblad *fb,
    struct mottagare *m)
{
	check_ident(v, fb->file, fb_paragraf(fb), m->namn, WHAT_MOTTAGARE, &m->pnr);
	if (m->orgnr_raw == NULL)
		return;
	m->orgnr_ok = orgnr_parse(m->orgnr_raw, m->orgnr);
	if (!m->orgnr_ok)
		diag_add(&v->s->diag, RULE_INVALID_PERSONNUMMER, fb->file, m->orgnr_line,
		    fb_paragraf(fb), CHECK_ORGNR_INVALID, m->namn);
}

/* ---- subject-mismatch ---- */

void
validate_subject_mismatch(struct vctx *v, struct forsattsblad *fb)
{
	struct session *s = v->s;
	size_t j;

	if (!fb->valid)
		return;
	for (j = 0; j < fb->n_paragrafer; j++) {
		struct paragraf *p = fb->paragrafer[j];
		char *a, *b;

		if (p->has_galler && (!p->galler.pnr.ok || !fb->galler.pnr.ok))
			continue; /* invalid-personnummer says it already */
		if (p->has_galler &&
		    strcmp(p->galler.pnr.pnr.digits, fb->galler.pnr.pnr.digits) == 0)
			continue;
		a = who(fb->galler.namn, &fb->galler.pnr);
		if (!p->has_galler) {
			diag_add(&s->diag, RULE_SUBJECT_MISMATCH, fb->file, fb->galler.line,
			    p->nr,
			    "Försättsbladet gäller %s, men § %lu gäller ingen enskild enligt "
			    "protokollet. Kontrollera att försättsbladet hör till rätt "
			    "ärende.", a, p->nr);
		} else {
			b = who(p->galler.namn, &p->galler.pnr);
			diag_add(&s->diag, RULE_SUBJECT_MISMATCH, fb->file, fb->galler.line,
			    p->nr,
			    "Försättsbladet gäller %s, men § %lu gäller %s. Kontrollera "
			    "att försättsbladet hör till rätt ärende och person.", a, p->nr,
			    b);
			free(b);
		}
		free(a);
	}
}

/* The individual as recipient is the person the case concerns. */
void
validate_subject_mismatch_recipient(struct vctx *v, struct forsattsblad *fb,
    struct mottagare *m)
{
	char *a, *b;

	if (m->roll != ROLL_DEN_ENSKILDE || !m->pnr.ok || !fb->galler.pnr.ok ||
	    strcmp(m->pnr.pnr.digits, fb->galler.pnr.pnr.digits) == 0)
		return;
	a = who(m->namn, &m->pnr);
	b = who(fb->galler.namn, &fb->galler.pnr);
	diag_add(&v->s->diag, RULE_SUBJECT_MISMATCH, fb->file, m->line, fb_paragraf(fb),
	    CHECK_SUBJECT_MISMATCH_RECIPIENT, a, b);
	free(a);
	free(b);
}

/* ---- guardian-missing, not-guardian ---- */

void
validate_guardian_missing(struct vctx *v, struct forsattsblad *fb)
{
	int age;

	if (!fb->valid || fb->vh != VH_EJ_ANGIVET)
		return;
	if (!galler_age(v, fb, &age) || age >= 18)
		return;
	diag_add(&v->s->diag, RULE_GUARDIAN_MISSING, fb->file, fb->galler.line, fb_paragraf(fb),
	    CHECK_GUARDIAN_MISSING, fb->galler.namn, age);
}

/* Names compare equal when they differ at most in ASCII case. */
static bool
same_name(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcasecmp(a, b) == 0;
}

/*
 * A recipient is a listed guardian when their personnummer are equal, or, for
 * a guardian without a Swedish number, when neither has one and the names
 * agree.
 */
static bool
is_guardian(const struct person *g, const struct mottagare *m)
{
	if (m->pnr.raw != NULL && g->pnr.raw != NULL)
		return m->pnr.ok && g->pnr.ok && strcmp(m->pnr.pnr.digits, g->pnr.pnr.digits) == 0;
	return m->pnr.raw == NULL && g->pnr.raw == NULL && same_name(m->namn, g->namn);
}

static bool
is_listed_guardian(const struct forsattsblad *fb, const struct mottagare *m)
{
	size_t i;

	for (i = 0; i < fb->n_vardnadshavare; i++)
		if (is_guardian(&fb->vardnadshavare[i], m))
			return true;
	return false;
}

void
validate_not_guardian(struct vctx *v, struct forsattsblad *fb, struct mottagare *m)
{
	struct diag *d = &v->s->diag;
	char *a;

	if (m->roll != ROLL_VARDNADSHAVARE)
		return;
	if (m->pnr.raw != NULL && !m->pnr.ok)
		return; /* invalid-personnummer says it already */
	if (fb->vh == VH_ANGIVNA && is_listed_guardian(fb, m))
		return;
	a = who(m->namn, &m->pnr);
	if (fb->vh == VH_INGEN)
		diag_add(d, RULE_NOT_GUARDIAN, fb->file, m->line, fb_paragraf(fb),
		    CHECK_NOT_GUARDIAN_NONE, a, fb->galler.namn);
	else if (fb->vh == VH_EJ_ANGIVET)
		diag_add(d, RULE_NOT_GUARDIAN, fb->file, m->line, fb_paragraf(fb),
		    CHECK_NOT_GUARDIAN_UNLISTED, a);
	else
		diag_add(d, RULE_NOT_GUARDIAN, fb->file, m->line, fb_paragraf(fb),
		    CHECK_NOT_GUARDIAN, a);
	free(a);
}

/* ---- guardian-not-notified, subject-not-notified ---- */

/*
 * The roles that get the decision with how to appeal it (SPEC 2.2); the
 * others (familjehem, hvb, myndighet, annan) are only informed.
 */
static bool
is_party_role(enum roll r)
{
	return r == ROLL_DEN_ENSKILDE || r == ROLL_VARDNADSHAVARE ||
	    r == ROLL_SARSKILT_FORORDNAD_VARDNADSHAVARE || r == ROLL_GOD_MAN ||
	    r == ROLL_FORVALTARE || r == ROLL_OMBUD;
}

/* A stated reason not to notify: underrattas="nej" and an orsak with content. */
static bool
excused(const struct person *p)
{
	return p->ej_underrattas && !blank(p->orsak);
}

/*
 * A guardian of a child decides for the child and is a party: every listed
 * vårdnadshavare is sent the decision, with how to appeal, unless the sheet
 * says why not.  A guardian matched to an informed role (familjehem, say)
 * would get the letter without the appeal text, so that is no notice as a
 * party either.  The guardians are asked until the child is 18; the age is
 * the youngest the child may be (personnummer.h), so an unknown birth date
 * never lets a guardian be left out.
 */
void
validate_guardian_not_notified(struct vctx *v, struct forsattsblad *fb)
{
	struct diag *d = &v->s->diag;
	size_t j, k;
	int age;

	if (!fb->valid || fb->vh != VH_ANGIVNA)
		return;
	if (!galler_age(v, fb, &age) || age >= 18)
		return;
	for (j = 0; j < fb->n_vardnadshavare; j++) {
		const struct person *g = &fb->vardnadshavare[j];
		const struct mottagare *m = NULL;
		char *a;

		if (g->pnr.raw != NULL && !g->pnr.ok)
			continue; /* invalid-personnummer says it already */
		for (k = 0; k < fb->n_mottagare && m == NULL; k++)
			if (is_guardian(g, &fb->mottagare[k]))
				m = &fb->mottagare[k];
		if ((m != NULL && is_party_role(m->roll)) || excused(g))
			continue;
		a = who(g->namn, &g->pnr);
		if (g->ej_underrattas)
			diag_add(d, RULE_GUARDIAN_NOT_NOTIFIED, fb->file, g->line, fb_paragraf(fb),
			    CHECK_GUARDIAN_NO_REASON, a);
		else if (m != NULL)
			diag_add(d, RULE_GUARDIAN_NOT_NOTIFIED, fb->file, g->line, fb_paragraf(fb),
			    CHECK_GUARDIAN_INFORMED_ROLE, a, roll_names[m->roll]);
		else
			diag_add(d, RULE_GUARDIAN_NOT_NOTIFIED, fb->file, g->line, fb_paragraf(fb),
			    CHECK_GUARDIAN_NOT_RECIPIENT, a, fb->galler.namn, age);
		free(a);
	}
}

/*
 * From 15 the person a case concerns speaks for themself in cases under
 * LVU and SoL (36 § LVU; and an adult always does): they are a party, and a
 * party is told of the decision in their case (33 § förvaltningslagen)
 * whatever its route -- one that cannot be appealed, or is submitted to the
 * court, no less than one that can.  So they are sent it, as den-enskilde,
 * unless the sheet says why not.  Whether that recipient is the right person
 * is subject-mismatch's to say.  The age is the youngest the person may be
 * (personnummer.h).
 */
void
validate_subject_not_notified(struct vctx *v, struct forsattsblad *fb)
{
	const struct paragraf *p;
	const struct ident *alt = NULL;
	bool notified = false;
	size_t j;
	char *a;
	int age;

	if (!fb->valid || excused(&fb->galler) || fb->n_paragrafer == 0)
		return;
	p = fb->paragrafer[0];
	if (p->has_galler)
		alt = &p->galler.pnr;
	if (!age_of(v, &fb->galler.pnr, alt, &age) || age < 15)
		return;
	for (j = 0; j < fb->n_mottagare; j++)
		notified = notified || fb->mottagare[j].roll == ROLL_DEN_ENSKILDE;
	if (notified)
		return;
	a = who(fb->galler.namn, &fb->galler.pnr);
	if (fb->galler.ej_underrattas)
		diag_add(&v->s->diag, RULE_SUBJECT_NOT_NOTIFIED, fb->file, fb->galler.line, p->nr,
		    CHECK_SUBJECT_NO_REASON, a);
	else
		diag_add(&v->s->diag, RULE_SUBJECT_NOT_NOTIFIED, fb->file, fb->galler.line, p->nr,
		    CHECK_SUBJECT_NOT_RECIPIENT, a, age);
	free(a);
}

/* ---- minor-recipient ---- */

void
validate_minor_recipient(struct vctx *v, struct forsattsblad *fb, struct mottagare *m)
{
	int age;

	if (m->roll != ROLL_DEN_ENSKILDE)
		return;
	if (!age_of(v, m->pnr.raw != NULL ? &m->pnr : &fb->galler.pnr, NULL, &age) || age >= 18)
		return;
	if (age < 15)
		diag_add(&v->s->diag, RULE_MINOR_RECIPIENT, fb->file, m->line, fb_paragraf(fb),
		    CHECK_MINOR_RECIPIENT, m->namn, age);
	else
		diag_add_sev(&v->s->diag, RULE_MINOR_RECIPIENT, SEV_WARNING, fb->file, m->line,
		    fb_paragraf(fb), CHECK_MINOR_RECIPIENT_15, m->namn, age);
}

/* ---- duplicate-recipient ---- */

static bool
same_recipient(const struct mottagare *a, const struct mottagare *b)
{
	if (a->pnr.ok && b->pnr.ok)
		return strcmp(a->pnr.pnr.digits, b->pnr.pnr.digits) == 0;
	if (a->orgnr_ok && b->orgnr_ok)
		return strcmp(a->orgnr, b->orgnr) == 0;
	/* Without any identity number, the same name twice is the same person. */
	if (a->pnr.raw == NULL && b->pnr.raw == NULL && a->orgnr_raw == NULL &&
	    b->orgnr_raw == NULL)
		return same_name(a->namn, b->namn);
	return false;
}

/* Reported on the later of the two, naming the line of the first. */
void
validate_duplicate_recipient(struct vctx *v, struct forsattsblad *fb, struct mottagare *m)
{
	size_t k, j = (size_t)(m - fb->mottagare);
	char *a;

	for (k = 0; k < j; k++) {
		if (!same_recipient(&fb->mottagare[k], m))
			continue;
		a = who(m->namn, m->pnr.ok ? &m->pnr : NULL);
		diag_add(&v->s->diag, RULE_DUPLICATE_RECIPIENT, fb->file, m->line,
		    fb_paragraf(fb), CHECK_DUPLICATE_RECIPIENT, a, fb->mottagare[k].line);
		free(a);
		break;
	}
}
