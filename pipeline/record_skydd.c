/*
 * record_skydd.c -- rule protected-identity-exposed across meetings (SPEC
 * 2.2 and 3): a person once sent to with <skyddad-identitet/> stays
 * protected in later meetings, and an address for them is refused unless
 * the recipient carries skydd-upphort="YYYY-MM-DD", the day Skatteverket
 * lifted the marking.  validate_address.c judges the package by itself;
 * this is what the log adds, run from record_check (the validate_conf hook)
 * by check and send alike whenever a log and its key file exist.
 *
 * Reads: the "route" events of one keyed person id (audit_query by
 * "ident"); the sheets of the session.
 * Writes: findings only.
 * Trusts: the log's own events.
 *
 * The log holds no personnummer and no address: a route event names its
 * recipient by the keyed id ("id:" and the twelve digits) and its address by
 * a keyed hash, which for a protected recipient is always the hash of
 * "adress:skyddad" (record.c).  A route event with that address key is the
 * log's memory of the protection.  Any route event counts, sent or not: the
 * municipality knew her as protected when it routed the letter, whether or
 * not the letter went.
 */
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "diag.h"
#include "json.h"
#include "personnummer.h"
#include "record.h"
#include "record_int.h"
#include "xmalloc.h"

#define SKYDDAD_KEY "adress:skyddad"

struct skydd_seen {
	const char *key;         /* the address key of a protected recipient */
	char last[20];           /* the latest such event's time stamp, "" none */
};

static int
collect_skydd(void *arg, const struct audit_row *row)
{
	struct skydd_seen *sk = arg;

	if (!record_field_is(row->data, "adress", sk->key) || row->ts == NULL)
		return 0;
	/* Oldest first: the last one seen is the latest. */
	snprintf(sk->last, sizeof(sk->last), "%s", row->ts);
	return 0;
}

/* Whether the package's own rule already reported this address. */
static bool
reported(const struct session *s, const char *file, int line)
{
	size_t i;

	for (i = 0; i < s->diag.n; i++) {
		const struct finding *f = &s->diag.v[i];

		if (f->rule == RULE_PROTECTED_IDENTITY_EXPOSED && f->line == line &&
		    strcmp(f->file, file) == 0)
			return true;
	}
	return false;
}

/* "Namn (YYYYMMDD-XXXX)" as the other findings name a person; malloc'd. */
static char *
named(const struct mottagare *m, const struct pnr *p)
{
	char masked[14];

	pnr_mask(p->digits, masked);
	return xasprintf("%s (%s)", m->namn != NULL ? m->namn : "(namn saknas)", masked);
}

/* One recipient with an address: 0, or -1 on a log error. */
static int
check_recipient(struct audit *a, struct session *s, const struct forsattsblad *fb,
    const struct mottagare *m, const char *skey)
{
	struct skydd_seen sk = {skey, ""};
	char ident[33], when[20], upphort[11], idag[11], *name;
	unsigned long par = fb->n_paragrafer > 0 ? fb->paragrafer[0]->nr : 0;
	int line = m->adresser[0].line;
	struct pnr p;

	if (m->pnr.raw == NULL || pnr_parse(m->pnr.raw, NULL, &p) != PNR_OK)
		return 0; /* invalid-personnummer's to report; no number, no match */
	if (record_ident(a, p.digits, ident) == -1 ||
	    audit_query(a, "route", "ident", ident, collect_skydd, &sk) == -1)
		return -1;
	if (sk.last[0] == '\0' || reported(s, fb->file, line))
		return 0;
	record_local_time(sk.last, when);
	when[10] = '\0';
	name = named(m, &p);
	clock_today(idag);
	if (m->skydd_upphort.y == 0) {
		diag_add(&s->diag, RULE_PROTECTED_IDENTITY_EXPOSED, fb->file, line, par,
		    "Mottagaren %s hade skyddad identitet vid ett tidigare utskick (%s, "
		    "enligt granskningsloggen) men har en adress här. Ta bort adressen och ange "
		    "<skyddad-identitet/>, eller, om Skatteverket har tagit bort markeringen, "
		    "ange dagen med skydd-upphort=\"ÅÅÅÅ-MM-DD\" på <mottagare>.", name, when);
	} else {
		ymd_format(&m->skydd_upphort, upphort);
		/*
		 * The marking was lifted on that day: a sending after it that
		 * still had the protection says otherwise, and a day not yet come
		 * lifted nothing.  Either way the address stays out.
		 */
		if (strcmp(upphort, when) < 0)
			diag_add(&s->diag, RULE_PROTECTED_IDENTITY_EXPOSED, fb->file, line, par,
			    "Mottagaren %s har skydd-upphort=\"%s\", men hade skyddad "
			    "identitet vid ett senare utskick, %s (enligt granskningsloggen). Kontrollera "
			    "med Skatteverket när markeringen togs bort.", name, upphort, when);
		else if (strcmp(upphort, idag) > 0)
			diag_add(&s->diag, RULE_PROTECTED_IDENTITY_EXPOSED, fb->file, line, par,
			    "Mottagaren %s har skydd-upphort=\"%s\", ett datum efter i dag; "
			    "skyddet gäller tills markeringen har tagits bort.", name, upphort);
	}
	free(name);
	return 0;
}

void
record_skydd_check(struct audit *a, struct session *s)
{
	char full[65], skey[33];
	size_t i, j;

	if (a == NULL)
		return;
	if (audit_keyed_hash(a, SKYDDAD_KEY, strlen(SKYDDAD_KEY), full) == -1)
		goto fail;
	memcpy(skey, full, 32);
	skey[32] = '\0';
	for (i = 0; i < s->n_fb; i++) {
		const struct forsattsblad *fb = &s->fb[i];

		if (!fb->valid)
			continue;
		for (j = 0; j < fb->n_mottagare; j++)
			if (fb->mottagare[j].n_adresser > 0 &&
			    check_recipient(a, s, fb, &fb->mottagare[j], skey) == -1)
				goto fail;
	}
	return;
fail:
	/*
	 * A log that cannot be asked must not make a protected person look
	 * unprotected: every addressed person of the package is held.
	 */
	for (i = 0; i < s->n_fb; i++)
		if (s->fb[i].valid && s->fb[i].n_mottagare > 0)
			diag_add(&s->diag, RULE_PROTECTED_IDENTITY_EXPOSED, s->fb[i].file,
			    s->fb[i].arende_line, s->fb[i].n_paragrafer > 0 ?
			    s->fb[i].paragrafer[0]->nr : 0, "Granskningsloggen kunde inte "
			    "tillfrågas om skyddad identitet: %s", audit_error(a));
}
