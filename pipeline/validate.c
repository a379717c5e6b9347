/*
 * validate.c -- stage 2: every rule of SPEC section 3, one function per rule
 * id, over the records read.c built.
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
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "messages.h"
#include "personnummer.h"
#include "validate.h"
#include "xmalloc.h"

#define PROTOKOLL "protokoll.xml"

/* What every rule needs to hand. */
struct vctx {
	struct session *s;
	const struct ymd *datum; /* sammantradesdatum, NULL when unknown */
	const struct skyddade *skyddade; /* of the whole package, sorted */
	const struct address_window *aw; /* the letters' window and fonts */
	const char *internal;    /* [archive] internal, comma-separated */
};

/* "Elsa Exempel (20130315-****)", or just the name without a number. */
static char *
who(const char *namn, const struct ident *id)
{
	char masked[14];

	if (id == NULL || id->raw == NULL || id->raw[0] == '\0')
		return xstrdup(namn != NULL ? namn : "(namn saknas)");
	pnr_mask(id->ok ? id->pnr.digits : id->raw, masked);
	return xasprintf("%s (%s)", namn != NULL ? namn : "(namn saknas)", masked);
}

/* The nr of the first paragraph fb joins, or 0. */
static unsigned long
fb_paragraf(const struct forsattsblad *fb)
{
	return fb->n_paragrafer > 0 ? fb->paragrafer[0]->nr : 0;
}

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

static bool
blank(const char *s)
{
	return s == NULL || s[0] == '\0';
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

static void
validate_invalid_personnummer(struct vctx *v)
{
	struct session *s = v->s;
	size_t i, j;

	for (i = 0; i < s->protokoll.n_paragrafer; i++) {
		struct paragraf *p = &s->protokoll.paragrafer[i];

		if (p->has_galler)
			check_ident(v, PROTOKOLL, p->nr, p->galler.namn, WHAT_GALLER,
			    &p->galler.pnr);
	}
	for (i = 0; i < s->n_fb; i++) {
		struct forsattsblad *fb = &s->fb[i];
		unsigned long par = fb_paragraf(fb);

		if (!fb->valid)
			continue;
		check_ident(v, fb->file, par, fb->galler.namn, WHAT_GALLER,
		    &fb->galler.pnr);
		for (j = 0; j < fb->n_vardnadshavare; j++)
			check_ident(v, fb->file, par, fb->vardnadshavare[j].namn,
			    WHAT_VARDNADSHAVARE, &fb->vardnadshavare[j].pnr);
		for (j = 0; j < fb->n_mottagare; j++) {
			struct mottagare *m = &fb->mottagare[j];

			check_ident(v, fb->file, par, m->namn, WHAT_MOTTAGARE, &m->pnr);
			if (m->orgnr_raw == NULL)
				continue;
			m->orgnr_ok = orgnr_parse(m->orgnr_raw, m->orgnr);
			if (!m->orgnr_ok)
				diag_add(&s->diag, RULE_INVALID_PERSONNUMMER, fb->file,
				    m->orgnr_line, par,
				    CHECK_ORGNR_INVALID, m->namn);
		}
	}
}

/* ---- joining: missing-, duplicate-, orphan-cover-sheet ---- */

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
	size_t n = 0, i;

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
}

static void
validate_missing_cover_sheet(struct vctx *v)
{
	struct session *s = v->s;
	size_t i, j, k;

	/* Who joins what was settled by join_forsattsblad; record it per paragraph. */
	for (i = 0; i < s->n_fb; i++)
		for (j = 0; j < s->fb[i].n_paragrafer; j++)
			if (s->fb[i].paragrafer[j]->fb == NULL)
				s->fb[i].paragrafer[j]->fb = &s->fb[i];
	for (k = 0; k < s->protokoll.n_paragrafer; k++) {
		struct paragraf *p = &s->protokoll.paragrafer[k];

		if (!p->has_galler || p->fb != NULL)
			continue;
		if (p->dnr == NULL)
			diag_add(&s->diag, RULE_MISSING_COVER_SHEET, PROTOKOLL, p->line, p->nr,
			    "§ %lu gäller en enskild men saknar dnr, så inget försättsblad kan "
			    "kopplas till den; ange ärendets dnr i protokollet.", p->nr);
		else
			diag_add(&s->diag, RULE_MISSING_COVER_SHEET, PROTOKOLL, p->line, p->nr,
			    "§ %lu (%s) gäller en enskild men har inget försättsblad. Beslutet "
			    "får inte skickas förrän handläggaren fyllt i ett försättsblad för "
			    "ärendet %s.", p->nr, p->dnr, p->dnr);
	}
}

static void
validate_duplicate_cover_sheet(struct vctx *v)
{
	struct session *s = v->s;
	size_t i, j;

	for (i = 0; i < s->n_fb; i++) {
		struct forsattsblad *fb = &s->fb[i];

		for (j = 0; j < fb->n_paragrafer; j++) {
			struct paragraf *p = fb->paragrafer[j];

			if (p->fb == fb)
				continue;
			diag_add(&s->diag, RULE_DUPLICATE_COVER_SHEET, fb->file, fb->arende_line,
			    p->nr,
			    "Två försättsblad gäller samma ärende %s (§ %lu): det här och %s. "
			    "Ta bort det som inte gäller, så att mottagarna är entydiga.",
			    fb->dnr, p->nr, p->fb->file);
			break;
		}
	}
}

static void
validate_orphan_cover_sheet(struct vctx *v)
{
	struct session *s = v->s;
	size_t i;

	for (i = 0; i < s->n_fb; i++) {
		struct forsattsblad *fb = &s->fb[i];

		if (fb->n_paragrafer > 0 || fb->dnr == NULL)
			continue;
		diag_add(&s->diag, RULE_ORPHAN_COVER_SHEET, fb->file, fb->arende_line, 0,
		    "Försättsbladet gäller ärende %s, men inget ärende med det dnr finns i "
		    "protokollet. Kontrollera dnr; försättsbladet används inte.", fb->dnr);
	}
}

/* ---- subject-mismatch ---- */

static void
validate_subject_mismatch(struct vctx *v)
{
	struct session *s = v->s;
	size_t i, j;

	for (i = 0; i < s->n_fb; i++) {
		struct forsattsblad *fb = &s->fb[i];

		if (!fb->valid)
			continue;
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
		/* The individual as recipient is the person the case concerns. */
		for (j = 0; j < fb->n_mottagare; j++) {
			struct mottagare *m = &fb->mottagare[j];
			char *a, *b;

			if (m->roll != ROLL_DEN_ENSKILDE || !m->pnr.ok || !fb->galler.pnr.ok ||
			    strcmp(m->pnr.pnr.digits, fb->galler.pnr.pnr.digits) == 0)
				continue;
			a = who(m->namn, &m->pnr);
			b = who(fb->galler.namn, &fb->galler.pnr);
			diag_add(&s->diag, RULE_SUBJECT_MISMATCH, fb->file, m->line, fb_paragraf(fb),
			    CHECK_SUBJECT_MISMATCH_RECIPIENT, a, b);
			free(a);
			free(b);
		}
	}
}

/* ---- guardian-missing, not-guardian ---- */

static void
validate_guardian_missing(struct vctx *v)
{
	struct session *s = v->s;
	size_t i;
	int age;

	for (i = 0; i < s->n_fb; i++) {
		struct forsattsblad *fb = &s->fb[i];

		if (!fb->valid || fb->vh != VH_EJ_ANGIVET)
			continue;
		if (!galler_age(v, fb, &age) || age >= 18)
			continue;
		diag_add(&s->diag, RULE_GUARDIAN_MISSING, fb->file, fb->galler.line, fb_paragraf(fb),
		    CHECK_GUARDIAN_MISSING, fb->galler.namn, age);
	}
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

static void
validate_not_guardian(struct vctx *v)
{
	struct session *s = v->s;
	size_t i, j;

	for (i = 0; i < s->n_fb; i++) {
		struct forsattsblad *fb = &s->fb[i];

		if (!fb->valid)
			continue;
		for (j = 0; j < fb->n_mottagare; j++) {
			struct mottagare *m = &fb->mottagare[j];
			char *a;

			if (m->roll != ROLL_VARDNADSHAVARE)
				continue;
			if (m->pnr.raw != NULL && !m->pnr.ok)
				continue; /* invalid-personnummer says it already */
			if (fb->vh == VH_ANGIVNA && is_listed_guardian(fb, m))
				continue;
			a = who(m->namn, &m->pnr);
			if (fb->vh == VH_INGEN)
				diag_add(&s->diag, RULE_NOT_GUARDIAN, fb->file, m->line,
				    fb_paragraf(fb),
				    CHECK_NOT_GUARDIAN_NONE, a, fb->galler.namn);
			else if (fb->vh == VH_EJ_ANGIVET)
				diag_add(&s->diag, RULE_NOT_GUARDIAN, fb->file, m->line,
				    fb_paragraf(fb),
				    CHECK_NOT_GUARDIAN_UNLISTED, a);
			else
				diag_add(&s->diag, RULE_NOT_GUARDIAN, fb->file, m->line,
				    fb_paragraf(fb),
				    CHECK_NOT_GUARDIAN, a);
			free(a);
		}
	}
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
static void
validate_guardian_not_notified(struct vctx *v)
{
	struct session *s = v->s;
	size_t i, j, k;
	int age;

	for (i = 0; i < s->n_fb; i++) {
		struct forsattsblad *fb = &s->fb[i];

		if (!fb->valid || fb->vh != VH_ANGIVNA)
			continue;
		if (!galler_age(v, fb, &age) || age >= 18)
			continue;
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
				diag_add(&s->diag, RULE_GUARDIAN_NOT_NOTIFIED, fb->file, g->line,
				    fb_paragraf(fb),
				    CHECK_GUARDIAN_NO_REASON, a);
			else if (m != NULL)
				diag_add(&s->diag, RULE_GUARDIAN_NOT_NOTIFIED, fb->file, g->line,
				    fb_paragraf(fb),
				    CHECK_GUARDIAN_INFORMED_ROLE, a, roll_names[m->roll]);
			else
				diag_add(&s->diag, RULE_GUARDIAN_NOT_NOTIFIED, fb->file, g->line,
				    fb_paragraf(fb),
				    CHECK_GUARDIAN_NOT_RECIPIENT, a, fb->galler.namn, age);
			free(a);
		}
	}
}

/*
 * From 15 the person a case concerns speaks for themself in cases under
 * LVU and SoL (and an adult always does): when the decision can be
 * appealed, they are sent it, as den-enskilde, unless the sheet says why
 * not.  Whether that recipient is the right person is subject-mismatch's to
 * say.  The age is the youngest the person may be (personnummer.h).
 */
static void
validate_subject_not_notified(struct vctx *v)
{
	struct session *s = v->s;
	size_t i, j;
	int age;

	for (i = 0; i < s->n_fb; i++) {
		struct forsattsblad *fb = &s->fb[i];
		const struct paragraf *p = NULL;
		const struct ident *alt = NULL;
		bool notified = false;
		char *a;

		if (!fb->valid || excused(&fb->galler))
			continue;
		for (j = 0; j < fb->n_paragrafer && p == NULL; j++)
			if (fb->paragrafer[j]->overklagande != OVERKLAGANDE_EJ_OVERKLAGBART)
				p = fb->paragrafer[j];
		if (p == NULL)
			continue;
		if (p->has_galler)
			alt = &p->galler.pnr;
		if (!age_of(v, &fb->galler.pnr, alt, &age) || age < 15)
			continue;
		for (j = 0; j < fb->n_mottagare; j++)
			notified = notified || fb->mottagare[j].roll == ROLL_DEN_ENSKILDE;
		if (notified)
			continue;
		a = who(fb->galler.namn, &fb->galler.pnr);
		if (fb->galler.ej_underrattas)
			diag_add(&s->diag, RULE_SUBJECT_NOT_NOTIFIED, fb->file, fb->galler.line,
			    p->nr,
			    CHECK_SUBJECT_NO_REASON, a);
		else
			diag_add(&s->diag, RULE_SUBJECT_NOT_NOTIFIED, fb->file, fb->galler.line,
			    p->nr,
			    CHECK_SUBJECT_NOT_RECIPIENT, a, age);
		free(a);
	}
}

/* ---- minor-recipient ---- */

static void
validate_minor_recipient(struct vctx *v)
{
	struct session *s = v->s;
	size_t i, j;
	int age;

	for (i = 0; i < s->n_fb; i++) {
		struct forsattsblad *fb = &s->fb[i];

		if (!fb->valid)
			continue;
		for (j = 0; j < fb->n_mottagare; j++) {
			struct mottagare *m = &fb->mottagare[j];

			if (m->roll != ROLL_DEN_ENSKILDE)
				continue;
			if (!age_of(v, m->pnr.raw != NULL ? &m->pnr : &fb->galler.pnr, NULL, &age) ||
			    age >= 18)
				continue;
			if (age < 15)
				diag_add(&s->diag, RULE_MINOR_RECIPIENT, fb->file, m->line,
				    fb_paragraf(fb),
				    CHECK_MINOR_RECIPIENT, m->namn, age);
			else
				diag_add_sev(&s->diag, RULE_MINOR_RECIPIENT, SEV_WARNING, fb->file,
				    m->line, fb_paragraf(fb),
				    CHECK_MINOR_RECIPIENT_15, m->namn, age);
		}
	}
}

/* ---- address-missing, -incomplete, -uncertain, -ambiguous ---- */

/* "NNN NN" with a first digit 1-9. */
static bool
postnummer_ok(const char *p)
{
	return p != NULL && strlen(p) == 6 && p[0] >= '1' && p[0] <= '9' && p[1] >= '0' &&
	    p[1] <= '9' && p[2] >= '0' && p[2] <= '9' && p[3] == ' ' && p[4] >= '0' &&
	    p[4] <= '9' && p[5] >= '0' && p[5] <= '9';
}

/* Appends part to a comma-separated list of what an address lacks. */
static void
lack(char *buf, size_t n, const char *part)
{
	size_t len = strlen(buf);

	snprintf(buf + len, n - len, "%s%s", len ? ", " : "", part);
}

static void
check_adress(struct vctx *v, const struct forsattsblad *fb, const struct mottagare *m,
    const struct adress *a)
{
	char lacks[512] = "";
	size_t k;
	bool any = false;

	for (k = 0; k < a->n_utdelningsadress; k++)
		any = any || !blank(a->utdelningsadress[k]);
	if (!any)
		lack(lacks, sizeof(lacks), LACK_UTDELNINGSADRESS);
	if (a->typ == ADRESS_UTLAND) {
		if (blank(a->land))
			lack(lacks, sizeof(lacks), LACK_LAND);
	} else {
		if (blank(a->postnummer))
			lack(lacks, sizeof(lacks), LACK_POSTNUMMER);
		else if (!postnummer_ok(a->postnummer))
			lack(lacks, sizeof(lacks), LACK_POSTNUMMER_FORM);
		if (!blank(a->land))
			lack(lacks, sizeof(lacks), LACK_LAND_NOT_UTLAND);
	}
	if (blank(a->postort))
		lack(lacks, sizeof(lacks), LACK_POSTORT);
	if (lacks[0] != '\0')
		diag_add(&v->s->diag, RULE_ADDRESS_INCOMPLETE, fb->file, a->line, fb_paragraf(fb),
		    CHECK_ADDRESS_INCOMPLETE, m->namn, lacks);
	if (a->osaker)
		diag_add(&v->s->diag, RULE_ADDRESS_UNCERTAIN, fb->file, a->line, fb_paragraf(fb),
		    CHECK_ADDRESS_UNCERTAIN, m->namn);
}

static void
validate_addresses(struct vctx *v)
{
	struct session *s = v->s;
	size_t i, j, k;

	for (i = 0; i < s->n_fb; i++) {
		struct forsattsblad *fb = &s->fb[i];

		if (!fb->valid)
			continue;
		for (j = 0; j < fb->n_mottagare; j++) {
			struct mottagare *m = &fb->mottagare[j];

			if (m->skyddad)
				continue;
			if (m->n_adresser == 0)
				diag_add(&s->diag, RULE_ADDRESS_MISSING, fb->file, m->line,
				    fb_paragraf(fb),
				    CHECK_ADDRESS_MISSING, m->namn);
			else if (m->n_adresser > 1)
				diag_add(&s->diag, RULE_ADDRESS_AMBIGUOUS, fb->file, m->line,
				    fb_paragraf(fb),
				    "Mottagaren %s har %zu adresser. Ange exakt en: den adress "
				    "handläggaren bekräftat att beslutet ska till.", m->namn,
				    m->n_adresser);
			for (k = 0; k < m->n_adresser; k++)
				check_adress(v, fb, m, &m->adresser[k]);
		}
	}
}

/* ---- address-unprintable ---- */

/*
 * The address block is what the letter prints in the envelope window:
 * address.c gives both this rule and the renderer its lines (name, c/o,
 * utdelningsadress, "postnummer  postort", land; nothing for skyddad
 * identitet, whose letter carries no address and goes through Skatteverket
 * with only the personnummer handwritten on the inner envelope), the window
 * from the templates and [print] window, and the measurements in the letter
 * fonts.  What passes here is what the renderer can print, so send never
 * stops in the middle of a run on an address (all or nothing).
 *
 * A line must fit the window on one line at the smallest size the renderer
 * shrinks to ([address] min_size).  The renderer would wrap a longer line
 * rather than fail, but a wrapped address line reads to the post as two
 * lines of the address; and a block that still does not fit is the
 * renderer's failure, which the last check here catches with the renderer's
 * own function (address_fit).
 *
 * A character prints when a letter font has a glyph for it; one that none
 * has comes out as an empty box, and a control character (U+0080-009F are
 * allowed in XML) not at all: a letter silently lost, typically a name
 * decoded with the wrong encoding.  Invisible format characters (soft
 * hyphen, zero-width space, direction marks) are meant not to show and
 * pass.  Messages name the character as U+XXXX, and show it only when it is
 * a visible one.
 */

struct address_part {
	const char *subject;   /* begins the message: "Utdelningsadressen till" */
	const char *adjective; /* "lång" or "långt", agreeing with the subject */
	const char *advice;    /* what to do about a line too long */
};

static const struct address_part address_parts[] = {
	[ADDRESS_NAMN] = {"Namnet på", "långt",
	    "Korta namnet så som det ska stå på kuvertet."},
	[ADDRESS_CO] = {"C/o-raden i adressen till", "lång", "Korta c/o-raden."},
	[ADDRESS_UTDELNINGSADRESS] = {"Utdelningsadressen till", "lång",
	    "Korta raden, till exempel med vedertagna förkortningar."},
	[ADDRESS_POSTORT] = {"Raden med postnummer och postort i adressen till", "lång",
	    "Postorten ska stå ensam, utan annan text."},
	[ADDRESS_LAND] = {"Landet i adressen till", "långt",
	    "Skriv landets namn kort, på svenska eller engelska."},
};

/* c as UTF-8, NUL-terminated. */
static void
utf8_encode(uint32_t c, char out[5])
{
	if (c < 0x80) {
		out[0] = (char)c;
		out[1] = '\0';
	} else if (c < 0x800) {
		out[0] = (char)(0xC0 | c >> 6);
		out[1] = (char)(0x80 | (c & 0x3F));
		out[2] = '\0';
	} else if (c < 0x10000) {
		out[0] = (char)(0xE0 | c >> 12);
		out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		out[2] = (char)(0x80 | (c & 0x3F));
		out[3] = '\0';
	} else {
		out[0] = (char)(0xF0 | c >> 18);
		out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
		out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
		out[3] = (char)(0x80 | (c & 0x3F));
		out[4] = '\0';
	}
}

/*
 * Whether c, which no font has, still shows as something in a terminal or a
 * report: not a private-use, special or tag character, nor one of the
 * planes beyond the emoji and ideographs.
 */
static bool
shows(uint32_t c)
{
	return !((c >= 0xE000 && c <= 0xF8FF) || (c >= 0xFFF0 && c <= 0xFFFF) ||
	    c >= 0xE0000);
}

/*
 * The recipient as a message names it: name and masked number, but by the
 * number alone when the name holds a character that does not print (it is
 * that character the message is about, and it may be a control character).
 */
static char *
recipient_label(const struct vctx *v, const struct mottagare *m)
{
	char masked[14];
	uint32_t c;
	enum pdf_char cls;

	if (m->namn != NULL &&
	    !pdf_find_unprintable(v->aw->pdf, PDF_REGULAR, m->namn, strlen(m->namn), &c, &cls))
		return who(m->namn, &m->pnr);
	if (m->pnr.raw != NULL && m->pnr.raw[0] != '\0') {
		pnr_mask(m->pnr.ok ? m->pnr.pnr.digits : m->pnr.raw, masked);
		return xasprintf("med personnummer %s", masked);
	}
	if (m->orgnr_ok)
		return xasprintf("med organisationsnummer %.6s-%s", m->orgnr, m->orgnr + 6);
	return xstrdup("(namnet visas inte)");
}

/* One character of one part that does not print. */
static void
unprintable_char(struct vctx *v, const struct forsattsblad *fb, const struct mottagare *m,
    const char *subject, const char *text, int line)
{
	uint32_t c;
	enum pdf_char cls;
	char *label = NULL, u8[5];

	if (text == NULL || !pdf_find_unprintable(v->aw->pdf, PDF_REGULAR, text, strlen(text),
	    &c, &cls))
		return;
	label = recipient_label(v, m);
	if (cls == PDF_CHAR_CONTROL)
		diag_add(&v->s->diag, RULE_ADDRESS_UNPRINTABLE, fb->file, line, fb_paragraf(fb),
		    "%s mottagaren %s innehåller styrtecknet U+%04X, som inte kan skrivas ut "
		    "och skulle försvinna ur adressen på kuvertet; texten har troligen "
		    "kopierats med fel teckenkodning. Skriv in texten på nytt.", subject, label,
		    (unsigned)c);
	else if (c == 0xFFFD)
		diag_add(&v->s->diag, RULE_ADDRESS_UNPRINTABLE, fb->file, line, fb_paragraf(fb),
		    "%s mottagaren %s innehåller ersättningstecknet U+FFFD, som står där ett "
		    "tecken gick förlorat när texten fördes över med fel teckenkodning; på "
		    "kuvertet blir det en tom ruta. Skriv in texten på nytt med rätt tecken.",
		    subject, label);
	else if (shows(c)) {
		utf8_encode(c, u8);
		diag_add(&v->s->diag, RULE_ADDRESS_UNPRINTABLE, fb->file, line, fb_paragraf(fb),
		    "%s mottagaren %s innehåller tecknet U+%04X (\"%s\"), som brevets typsnitt "
		    "inte kan skriva ut: på kuvertet blir det en tom ruta. Ta bort tecknet "
		    "eller skriv det med bokstäver som går att skriva ut.", subject, label,
		    (unsigned)c, u8);
	} else
		diag_add(&v->s->diag, RULE_ADDRESS_UNPRINTABLE, fb->file, line, fb_paragraf(fb),
		    "%s mottagaren %s innehåller tecknet U+%04X, som brevets typsnitt inte "
		    "kan skriva ut: på kuvertet blir det en tom ruta. Ta bort tecknet.",
		    subject, label, (unsigned)c);
	free(label);
}

static void
check_address_printable(struct vctx *v, const struct forsattsblad *fb, const struct mottagare *m)
{
	const struct address_window *aw = v->aw;
	const struct adress *a = &m->adresser[0];
	const float min = aw->g->address_min_size, room = address_room_width(aw);
	struct address_block b;
	bool too_wide = false;
	size_t i, nth = 0;
	char *label;

	address_block(m, &b);
	if (b.n == 0)
		return;
	/* The characters, part by part: postnummer and postort share a line. */
	for (i = 0; i < b.n; i++) {
		const char *subject = address_parts[b.field[i]].subject;

		if (b.field[i] == ADDRESS_UTDELNINGSADRESS && nth++ == 1)
			subject = "Den andra utdelningsadressen till";
		if (b.field[i] == ADDRESS_POSTORT) {
			unprintable_char(v, fb, m, "Postnumret i adressen till", a->postnummer,
			    a->postnummer_line != 0 ? a->postnummer_line : a->line);
			unprintable_char(v, fb, m, "Postorten i adressen till", a->postort,
			    a->postort_line != 0 ? a->postort_line : a->line);
		} else if (b.field[i] == ADDRESS_LAND)
			unprintable_char(v, fb, m, subject, a->land, b.line[i]);
		else
			unprintable_char(v, fb, m, subject, b.text[i],
			    b.line[i] != 0 ? b.line[i] : m->line);
	}
	/* The width of each line at the smallest size. */
	nth = 0;
	for (i = 0; i < b.n; i++) {
		const struct address_part *part = &address_parts[b.field[i]];
		const char *subject = part->subject, *advice = part->advice;
		float w = address_line_width(aw, b.text[i], min);

		if (b.field[i] == ADDRESS_UTDELNINGSADRESS && nth++ == 1)
			subject = "Den andra utdelningsadressen till";
		if (w <= room)
			continue;
		if (b.field[i] == ADDRESS_UTDELNINGSADRESS && a->n_utdelningsadress < 2)
			advice = "Korta raden, eller dela den på två rader med "
			    "<utdelningsadress> två gånger.";
		too_wide = true;
		label = recipient_label(v, m);
		diag_add(&v->s->diag, RULE_ADDRESS_UNPRINTABLE, fb->file,
		    b.line[i] != 0 ? b.line[i] : m->line, fb_paragraf(fb),
		    "%s mottagaren %s är för %s för kuvertfönstret: även med den minsta "
		    "stilstorleken (%g pt) är raden %.0f mm bred, och fönstret rymmer %.0f mm. %s",
		    subject, label, part->adjective, (double)min, ceil(w / PDF_MM(1)),
		    floor(room / PDF_MM(1) + 0.001), advice);
		free(label);
	}
	/* Every line fits its width; the renderer's own test of the whole block. */
	if (!too_wide && address_fit(aw, &b) == 0) {
		bool co = a->co != NULL && a->co[0] != '\0', two = a->n_utdelningsadress > 1;

		label = recipient_label(v, m);
		diag_add(&v->s->diag, RULE_ADDRESS_UNPRINTABLE, fb->file, a->line, fb_paragraf(fb),
		    "Adressen till mottagaren %s har %zu rader och får inte plats i "
		    "kuvertfönstret (%g × %g mm) ens med den minsta stilstorleken (%g pt). %s",
		    label, b.n, (double)aw->w->width, (double)aw->w->height, (double)min,
		    co && two ? "Ta bort en rad, till exempel c/o-raden eller den andra "
				"utdelningsadressen." :
		    co  ? "Ta bort en rad, till exempel c/o-raden." :
		    two ? "Ta bort en rad, till exempel den andra utdelningsadressen." :
			  "Adressen har ingen rad att ta bort: kuvertfönstret i mallarna "
			  "(layout.conf) är för litet; tala med den som förvaltar mallarna.");
		free(label);
	}
	address_block_free(&b);
}

static void
validate_address_unprintable(struct vctx *v)
{
	struct session *s = v->s;
	size_t i, j;

	if (v->aw == NULL)
		return;
	for (i = 0; i < s->n_fb; i++) {
		struct forsattsblad *fb = &s->fb[i];

		if (!fb->valid)
			continue;
		for (j = 0; j < fb->n_mottagare; j++)
			check_address_printable(v, fb, &fb->mottagare[j]);
	}
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

static void
validate_duplicate_recipient(struct vctx *v)
{
	struct session *s = v->s;
	size_t i, j, k;

	for (i = 0; i < s->n_fb; i++) {
		struct forsattsblad *fb = &s->fb[i];

		if (!fb->valid)
			continue;
		for (j = 1; j < fb->n_mottagare; j++) {
			struct mottagare *m = &fb->mottagare[j];

			for (k = 0; k < j; k++) {
				char *a;

				if (!same_recipient(&fb->mottagare[k], m))
					continue;
				a = who(m->namn, m->pnr.ok ? &m->pnr : NULL);
				diag_add(&s->diag, RULE_DUPLICATE_RECIPIENT, fb->file, m->line,
				    fb_paragraf(fb),
				    CHECK_DUPLICATE_RECIPIENT, a, fb->mottagare[k].line);
				free(a);
				break;
			}
		}
	}
}

/* ---- protected-identity-exposed ---- */

/*
 * A person with skyddad identitet (sekretessmarkering, skyddad folkbokföring)
 * must not have an address anywhere in the package: a letter printed to it,
 * its print manifest and archive copy would carry the very address the
 * protection hides.  The rule spans the whole session: the protection may
 * stand on one försättsblad and the address on another (the mother
 * protected as vårdnadshavare in one case, an ombud with an address in
 * another).
 *
 * People are matched by personnummer only (names are not unique), parsed
 * without the meeting date so that the match does not depend on whether the
 * protocol could be read; a number invalid in itself matches nothing and is
 * invalid-personnummer's to report.
 *
 * A large package is validated a part at a time, and each part is handed on
 * (to render, to send) as soon as it is validated, so the set of protected
 * numbers must be complete before the first part: the protection may be in a
 * later part than the address.  parts.c therefore collects the set in a
 * first, cheap pass over the sheets (only those that mention
 * skyddad-identitet at all are parsed), and validate_part gets it; a whole
 * read takes it from its own sheets.  The set holds numbers, not sheets.
 */

static int
cmp_skyddad(const void *a, const void *b)
{
	const struct skyddad *x = a, *y = b;
	int c = strcmp(x->pnr, y->pnr);

	if (c == 0)
		c = strcmp(x->file, y->file);
	if (c == 0)
		c = x->line < y->line ? -1 : x->line > y->line;
	return c;
}

void
skyddade_add(struct skyddade *set, const struct forsattsblad *fb)
{
	size_t j;

	if (!fb->valid)
		return; /* nothing of an invalid file is used, its protection neither */
	for (j = 0; j < fb->n_mottagare; j++) {
		const struct mottagare *m = &fb->mottagare[j];
		struct pnr p;

		if (!m->skyddad || m->pnr.raw == NULL ||
		    pnr_parse(m->pnr.raw, NULL, &p) != PNR_OK)
			continue;
		if (set->n == set->cap) {
			set->cap = set->cap ? 2 * set->cap : 16;
			set->v = xreallocarray(set->v, set->cap, sizeof(*set->v));
		}
		memcpy(set->v[set->n].pnr, p.digits, sizeof(p.digits));
		set->v[set->n].file = xstrdup(fb->file);
		set->v[set->n].line = m->line;
		set->n++;
	}
}

/*
 * One entry per number: the first sheet by file name and line, whichever
 * order the sheets came in, so a whole read and a read in parts name the same.
 */
void
skyddade_done(struct skyddade *set)
{
	size_t i, o = 0;

	if (set->n > 1)
		qsort(set->v, set->n, sizeof(*set->v), cmp_skyddad);
	for (i = 0; i < set->n; i++) {
		if (o > 0 && strcmp(set->v[o - 1].pnr, set->v[i].pnr) == 0) {
			free(set->v[i].file);
			continue;
		}
		set->v[o++] = set->v[i];
	}
	set->n = o;
}

void
skyddade_free(struct skyddade *set)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		free(set->v[i].file);
	free(set->v);
	memset(set, 0, sizeof(*set));
}

static int
cmp_skyddad_pnr(const void *key, const void *elem)
{
	return strcmp(key, ((const struct skyddad *)elem)->pnr);
}

/*
 * Reported on each recipient that is given an address, at the address, and
 * so it blocks the paragraphs of that sheet.  The sheet with the protection
 * is not blocked: it holds no address, and its letter goes through
 * Skatteverket, which reaches the person whether the protection or the
 * address is the one that is out of date.
 */
static void
validate_protected_identity_exposed(struct vctx *v)
{
	struct session *s = v->s;
	size_t i, j;

	if (v->skyddade->n == 0)
		return;
	for (i = 0; i < s->n_fb; i++) {
		struct forsattsblad *fb = &s->fb[i];

		if (!fb->valid)
			continue;
		for (j = 0; j < fb->n_mottagare; j++) {
			struct mottagare *m = &fb->mottagare[j];
			const struct skyddad *k;
			struct pnr p;
			char *a;

			if (m->n_adresser == 0 || m->pnr.raw == NULL ||
			    pnr_parse(m->pnr.raw, NULL, &p) != PNR_OK)
				continue;
			k = bsearch(p.digits, v->skyddade->v, v->skyddade->n,
			    sizeof(*v->skyddade->v), cmp_skyddad_pnr);
			if (k == NULL)
				continue;
			a = who(m->namn, &m->pnr);
			if (strcmp(k->file, fb->file) == 0)
				diag_add(&s->diag, RULE_PROTECTED_IDENTITY_EXPOSED, fb->file,
				    m->adresser[0].line, fb_paragraf(fb),
				    "Mottagaren %s har skyddad identitet på rad %d i det "
				    "här försättsbladet men har en adress här; ta bort "
				    "adressen och ange <skyddad-identitet/>, så att den "
				    "skyddade adressen inte skrivs ut.", a, k->line);
			else
				diag_add(&s->diag, RULE_PROTECTED_IDENTITY_EXPOSED, fb->file,
				    m->adresser[0].line, fb_paragraf(fb),
				    "Mottagaren %s har skyddad identitet i %s (rad %d) men "
				    "har en adress här; ta bort adressen och ange "
				    "<skyddad-identitet/>, så att den skyddade adressen inte "
				    "skrivs ut.", a, k->file, k->line);
			free(a);
		}
	}
}

/* ---- not-adjusted, reasons-missing, dnr-format ---- */

static void
validate_not_adjusted(struct vctx *v)
{
	struct session *s = v->s;
	size_t i;

	if (s->protokoll.justerad)
		return;
	for (i = 0; i < s->protokoll.n_paragrafer; i++) {
		struct paragraf *p = &s->protokoll.paragrafer[i];

		if (p->omedelbart_justerad || (!p->has_galler && p->n_skickas_till == 0))
			continue;
		diag_add(&s->diag, RULE_NOT_ADJUSTED, PROTOKOLL, p->line, p->nr,
		    "§ %lu väntar på justeringen: protokollet är inte justerat (<justerad> "
		    "saknas) och paragrafen är inte omedelbart justerad. Den skickas när "
		    "protokollet är justerat; de andra paragraferna skickas nu.", p->nr);
	}
}

static void
validate_reasons_missing(struct vctx *v)
{
	struct session *s = v->s;
	size_t i;

	for (i = 0; i < s->protokoll.n_paragrafer; i++) {
		struct paragraf *p = &s->protokoll.paragrafer[i];

		if (!p->has_galler || p->overklagande != OVERKLAGANDE_FORVALTNINGSBESVAR ||
		    p->n_skal > 0)
			continue;
		diag_add(&s->diag, RULE_REASONS_MISSING, PROTOKOLL, p->line, p->nr,
		    "§ %lu kan överklagas genom förvaltningsbesvär men saknar skäl (<skal>). "
		    "Ett beslut som får överklagas ska innehålla skälen för beslutet.", p->nr);
	}
}

static void
validate_dnr_format(struct vctx *v, const struct dnr_pattern *pat)
{
	struct session *s = v->s;
	size_t i;

	if (pat == NULL)
		return;
	for (i = 0; i < s->protokoll.n_paragrafer; i++) {
		struct paragraf *p = &s->protokoll.paragrafer[i];

		if (p->dnr == NULL || dnr_pattern_match(pat, p->dnr))
			continue;
		diag_add(&s->diag, RULE_DNR_FORMAT, PROTOKOLL, p->line, p->nr,
		    CHECK_DNR_FORMAT, p->dnr, p->nr);
	}
}

/* ---- unknown-internal-recipient ---- */

/*
 * s with white space trimmed, runs of it folded to one space, and letters in
 * lower case: ASCII, and the Latin-1 letters of two-byte UTF-8 (Å, Ä, Ö, É,
 * Ü…), which is what a Swedish name of a function or unit holds.  A new
 * string; the caller frees it.
 */
static char *
fold_name(const char *s, size_t len)
{
	char *out = xmalloc(len + 1);
	size_t i, o = 0;
	bool space = false;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			space = o > 0;
			continue;
		}
		if (space)
			out[o++] = ' ';
		space = false;
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		else if (c == 0xc3 && i + 1 < len) {
			unsigned char d = (unsigned char)s[i + 1];

			/* U+00C0..U+00DE but U+00D7 (×): their lower case is 0x20 on */
			if (d >= 0x80 && d <= 0x9e && d != 0x97)
				d = (unsigned char)(d + 0x20);
			out[o++] = (char)c;
			out[o++] = (char)d;
			i++;
			continue;
		}
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return out;
}

/* true when name is one of list's comma-separated names. */
static bool
internal_name(const char *list, const char *name)
{
	char *want = fold_name(name, strlen(name)), *got;
	const char *p = list, *comma;
	bool found = false;

	while (!found) {
		comma = strchr(p, ',');
		got = fold_name(p, comma != NULL ? (size_t)(comma - p) : strlen(p));
		found = got[0] != '\0' && strcmp(got, want) == 0;
		free(got);
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	free(want);
	return found;
}

/*
 * <skickas-till> is the internal distribution: what it names is archived,
 * never sent.  An outside authority written there would get a file in the
 * archive folder and a "skickad" in the expedieringslista, and never the
 * decision; it belongs on a försättsblad, as a mottagare with an address.
 * The names that are internal are the municipality's ([archive] internal).
 */
static void
validate_unknown_internal_recipient(struct vctx *v)
{
	struct session *s = v->s;
	size_t i, j;

	for (i = 0; i < s->protokoll.n_paragrafer; i++) {
		struct paragraf *p = &s->protokoll.paragrafer[i];

		for (j = 0; j < p->n_skickas_till; j++) {
			const char *name = p->skickas_till[j];
			int line = p->skickas_till_line != NULL && p->skickas_till_line[j] > 0 ?
			    p->skickas_till_line[j] : p->line;

			if (internal_name(v->internal, name))
				continue;
			/* A name is quoted, a number that may be a personnummer is not. */
			if (pnr_may_hold(name))
				diag_add(&s->diag, RULE_UNKNOWN_INTERNAL_RECIPIENT, PROTOKOLL, line,
				    p->nr,
				    "En mottagare under \"Beslutet skickas till\" i § %lu är inte "
				    "en av kommunens interna mottagare (%s). En extern mottagare "
				    "ska stå som <mottagare> på ett försättsblad, med adress, så "
				    "att beslutet verkligen skickas; ta bort den här.", p->nr,
				    v->internal);
			else
				diag_add(&s->diag, RULE_UNKNOWN_INTERNAL_RECIPIENT, PROTOKOLL, line,
				    p->nr,
				    "\"%s\" under \"Beslutet skickas till\" i § %lu är inte en av "
				    "kommunens interna mottagare (%s). En extern mottagare ska stå "
				    "som <mottagare> på ett försättsblad, med adress, så att "
				    "beslutet verkligen skickas; ta bort den här.", name, p->nr,
				    v->internal);
		}
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
	struct vctx v = {s, NULL, pkg, NULL, ARCHIVE_INTERNAL_DEFAULT};

	if (s->protokoll_valid)
		v.datum = &s->protokoll.sammantradesdatum;
	if (conf != NULL && conf->internal != NULL)
		v.internal = conf->internal;
	if (conf != NULL)
		v.aw = conf->aw;
	/*
	 * Joins and paragraph rules need a protocol that could be read; the
	 * rules about a cover sheet alone run regardless, so one run reports
	 * as much as can be known.
	 */
	if (s->protokoll_valid)
		join_forsattsblad(&v);
	validate_invalid_personnummer(&v);
	if (s->protokoll_valid) {
		validate_missing_cover_sheet(&v);
		validate_duplicate_cover_sheet(&v);
		validate_orphan_cover_sheet(&v);
		validate_subject_mismatch(&v);
		validate_guardian_missing(&v);
		validate_guardian_not_notified(&v);
		validate_subject_not_notified(&v);
		validate_minor_recipient(&v);
		validate_not_adjusted(&v);
		validate_unknown_internal_recipient(&v);
		validate_reasons_missing(&v);
		validate_dnr_format(&v, conf != NULL ? conf->dnr : NULL);
	}
	validate_not_guardian(&v);
	validate_addresses(&v);
	validate_address_unprintable(&v);
	validate_duplicate_recipient(&v);
	validate_protected_identity_exposed(&v);
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
