/*
 * record_rattelse.c -- a paragraph's försändelser against its sheet: what
 * changed since the send (rule changed-after-send), and the rättelse that
 * corrects it (SPEC 4 and 7).
 *
 * Reads: the audit log (audit_query), the session being checked or sent.
 * Writes: "rattelse" and "ersatt" events; findings of rule changed-after-send.
 * Trusts: the log's own events (their data is this program's JSON).
 *
 * No personnummer and no address is stored or printed here: the log holds
 * keyed hashes of them, names with masked numbers, and the postort.
 */
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "diag.h"
#include "json.h"
#include "record.h"
#include "record_int.h"
#include "xmalloc.h"

/* ---- what went out to a paragraph, and its rättelser ---- */

int
collect_rattelse(void *arg, const struct audit_row *row)
{
	struct last_rattelse *lr = arg;
	int g = field_int(row->data, "gen");

	if (g > lr->gen) {
		lr->gen = g;
		free(lr->data);
		lr->data = xstrdup(row->data);
	}
	return 0;
}

/*
 * What went out to the paragraph in its present generation, each recipient
 * once (the last sent); *gen the generation.
 */
static int
paragraph_sent(struct audit *a, const char *pkey, struct sents *ss, struct last_rattelse *lr)
{
	size_t i, o;

	memset(ss, 0, sizeof(*ss));
	memset(lr, 0, sizeof(*lr));
	if (audit_query(a, "rattelse", "pkey", pkey, collect_rattelse, lr) == -1 ||
	    audit_query(a, "route", "pkey", pkey, collect_sent, ss) == -1)
		return -1;
	for (i = o = 0; i < ss->n; i++) {
		if (ss->v[i].gen == lr->gen) {
			ss->v[o++] = ss->v[i];
			continue;
		}
		sent_clear(&ss->v[i]);
	}
	ss->n = o;
	return 0;
}

/* ---- changed-after-send ---- */

/* A sheet's recipient, keyed. */
struct now {
	const struct mottagare *m;
	struct rec_keys k;
	bool matched;
};
/* Whether the post to this recipient came back after what was sent. */
static bool
returned_after(struct audit *a, const struct sent *x)
{
	struct returns rt;

	memset(&rt, 0, sizeof(rt));
	if (audit_query(a, "retur", "bas", x->bas, collect_retur, &rt) == -1)
		return false;
	return rt.n > 0 && rt.last_event > x->event;
}

static void
check_paragraph(struct audit *a, struct session *s, struct paragraf *p)
{
	const struct forsattsblad *fb = p->fb;
	struct rec_keys pk;
	struct sents ss;
	struct last_rattelse lr;
	struct now *now;
	char when[20], hint[160];
	size_t i, j;

	if (record_keys(a, s, p, NULL, "", &pk) == -1 ||
	    paragraph_sent(a, pk.pkey, &ss, &lr) == -1)
		return;
	free(lr.data);
	if (ss.n == 0) {
		sents_free(&ss);
		return;
	}
	snprintf(hint, sizeof(hint), "Inget skickas till paragrafen; rätta försättsbladet, "
	    "eller skicka en rättelse: expediera rattelse SESSION --paragraf %lu --orsak TEXT", p->nr);
	now = xcalloc(fb->n_mottagare + 1, sizeof(*now));
	for (j = 0; j < fb->n_mottagare; j++) {
		now[j].m = &fb->mottagare[j];
		if (record_keys(a, s, p, now[j].m, NULL, &now[j].k) == -1)
			goto out;
	}
	for (i = 0; i < ss.n; i++) {
		struct sent *x = &ss.v[i];

		if (x->roll == NULL || strcmp(x->roll, "intern") == 0)
			continue;
		record_local_time(x->when, when);
		for (j = 0; j < fb->n_mottagare && strcmp(now[j].k.bas, x->bas) != 0; j++)
			;
		if (j < fb->n_mottagare) {
			const struct mottagare *m = now[j].m;

			now[j].matched = true;
			if (!same_adress(a, m, now[j].k.adress, x->adress) && !returned_after(a, x))
				diag_add(&s->diag, RULE_CHANGED_AFTER_SEND, fb->file,
				    m->n_adresser > 0 ? m->adresser[0].line : m->line, p->nr,
				    "§ %lu skickades %s till %s (%s) på en annan adress än den "
				    "försättsbladet nu anger. %s", p->nr, when, x->mottagare,
				    record_roll_label(x->roll), hint);
			else if (x->kanal != NULL && strcmp(x->kanal, kanal_names[m->kanal]) != 0)
				diag_add(&s->diag, RULE_CHANGED_AFTER_SEND, fb->file, m->line, p->nr,
				    "§ %lu skickades %s till %s (%s) med kanal=%s; försättsbladet "
				    "anger nu kanal=%s. %s", p->nr, when, x->mottagare,
				    record_roll_label(x->roll), x->kanal, kanal_names[m->kanal], hint);
			continue;
		}
		/* The same person in another role? */
		for (j = 0; j < fb->n_mottagare && strcmp(now[j].k.ident, x->ident) != 0; j++)
			;
		if (j < fb->n_mottagare) {
			now[j].matched = true;
			diag_add(&s->diag, RULE_CHANGED_AFTER_SEND, fb->file, now[j].m->line, p->nr,
			    "§ %lu skickades %s till %s som %s; försättsbladet anger nu rollen %s. %s",
			    p->nr, when, x->mottagare, record_roll_label(x->roll),
			    roll_labels[now[j].m->roll], hint);
			continue;
		}
		/* Someone new in the same role took their place? */
		for (j = 0; j < fb->n_mottagare; j++) {
			const struct mottagare *m = now[j].m;
			size_t q;

			if (now[j].matched || strcmp(roll_names[m->roll], x->roll) != 0)
				continue;
			for (q = 0; q < ss.n && strcmp(ss.v[q].bas, now[j].k.bas) != 0; q++)
				;
			if (q < ss.n)
				continue;
			break;
		}
		if (j < fb->n_mottagare) {
			now[j].matched = true;
			diag_add(&s->diag, RULE_CHANGED_AFTER_SEND, fb->file, now[j].m->line, p->nr,
			    "§ %lu skickades %s till %s (%s); försättsbladet anger nu %s i samma "
			    "roll. Gick beslutet till fel mottagare, ange --fel-mottagare. %s", p->nr,
			    when, x->mottagare, record_roll_label(x->roll), now[j].m->namn, hint);
			continue;
		}
		diag_add(&s->diag, RULE_CHANGED_AFTER_SEND, fb->file, fb->arende_line, p->nr,
		    "§ %lu skickades %s till %s (%s), som inte längre finns på försättsbladet. "
		    "Gick beslutet till fel mottagare, ange --fel-mottagare. %s", p->nr, when,
		    x->mottagare, record_roll_label(x->roll), hint);
	}
out:
	free(now);
	sents_free(&ss);
}

void
record_check(void *arg, struct session *s)
{
	struct record_check *rc = arg;
	size_t i;

	if (rc == NULL || rc->a == NULL || !s->protokoll_valid)
		return;
	for (i = 0; i < s->protokoll.n_paragrafer; i++) {
		struct paragraf *p = &s->protokoll.paragrafer[i];

		if (p->fb == NULL || !p->fb->valid || p->waiting || p->nr == rc->skip)
			continue;
		check_paragraph(rc->a, s, p);
	}
}
/* ---- rättelse ---- */

int
record_rattelse(struct audit *a, int64_t batch, const struct session *s,
    const struct paragraf *p, const char *orsak, bool fel_mottagare, int *gen, size_t *replaced,
    size_t *felaktiga, char *err, size_t errlen)
{
	const struct forsattsblad *fb = p->fb;
	struct rec_keys pk, *now = NULL;
	struct sents ss;
	struct last_rattelse lr;
	char date[11], g[16], ersatter[11] = "", idag[11], *data;
	bool *fel = NULL;
	size_t i, j, nfel = 0;
	int rc = -1;

	*replaced = *felaktiga = 0;
	if (record_keys(a, s, p, NULL, "", &pk) == -1 ||
	    paragraph_sent(a, pk.pkey, &ss, &lr) == -1) {
		snprintf(err, errlen, "%s", audit_error(a));
		return -1;
	}
	/* The same rättelse again (a run that stopped half way): go on with it. */
	if (lr.data != NULL) {
		char *o = json_field(lr.data, "orsak");
		bool same = o != NULL && strcmp(o, orsak) == 0;

		free(o);
		if (same) {
			*gen = lr.gen;
			rc = 0;
			goto out;
		}
	}
	if (ss.n == 0) {
		snprintf(err, errlen, "§ %lu har inte skickats%s; det finns inget att rätta (använd "
		    "send)", p->nr, lr.gen > 0 ? " sedan förra rättelsen" : "");
		goto out;
	}
	now = xcalloc(fb != NULL ? fb->n_mottagare + 1 : 1, sizeof(*now));
	for (j = 0; fb != NULL && j < fb->n_mottagare; j++)
		if (record_keys(a, s, p, &fb->mottagare[j], NULL, &now[j]) == -1) {
			snprintf(err, errlen, "%s", audit_error(a));
			goto out;
		}
	fel = xcalloc(ss.n + 1, sizeof(*fel));
	for (i = 0; i < ss.n; i++) {
		const struct sent *x = &ss.v[i];
		char d[20];

		record_local_time(x->when, d);
		if (strncmp(d, ersatter, 10) > 0)
			snprintf(ersatter, sizeof(ersatter), "%.10s", d);
		if (!fel_mottagare || x->roll == NULL || strcmp(x->roll, "intern") == 0)
			continue;
		for (j = 0; fb != NULL && j < fb->n_mottagare; j++)
			if (strcmp(now[j].bas, x->bas) == 0)
				break;
		/* Gone from the sheet, or there at another address: it went wrong. */
		if (fb == NULL || j == fb->n_mottagare ||
		    (!same_adress(a, &fb->mottagare[j], now[j].adress, x->adress) &&
		    !returned_after(a, x))) {
			fel[i] = true;
			nfel++;
		}
	}
	if (fel_mottagare && nfel == 0) {
		snprintf(err, errlen, "--fel-mottagare: alla som fick § %lu finns kvar på "
		    "försättsbladet med samma adress; ingen pekas ut som felaktigt utskickad",
		    p->nr);
		goto out;
	}
	*gen = lr.gen + 1;
	snprintf(g, sizeof(g), "%d", *gen);
	ymd_format(&s->protokoll.sammantradesdatum, date);
	clock_today(idag);
	{
		const char *kv[] = {"pkey", pk.pkey, "gen", g, "paragraf", NULL, "dnr",
		    p->dnr != NULL ? p->dnr : "", "organ", s->protokoll.organ, "sammantrade", date,
		    "orsak", orsak, "ersatter", ersatter, "datum", idag, "fel_mottagare",
		    fel_mottagare ? "true" : "false", NULL};
		char nr[24];

		snprintf(nr, sizeof(nr), "%lu", p->nr);
		kv[5] = nr;
		(void)audit_group_begin(a);
		data = event_json(kv);
		audit_event(a, batch, "rattelse", NULL, data);
		free(data);
	}
	for (i = 0; i < ss.n; i++) {
		const char *kv[] = {"pkey", pk.pkey, "gen", g, "orsak", orsak, "datum", idag,
		    "felaktig", fel[i] ? "true" : "false", NULL};

		data = event_json(kv);
		audit_event(a, batch, "ersatt", ss.v[i].key, data);
		free(data);
		(*replaced)++;
		if (fel[i])
			(*felaktiga)++;
	}
	if (audit_group_end(a) == -1 || audit_failed(a)) {
		snprintf(err, errlen, "%s", audit_error(a));
		goto out;
	}
	rc = 0;
out:
	free(fel);
	free(now);
	free(lr.data);
	sents_free(&ss);
	return rc;
}
