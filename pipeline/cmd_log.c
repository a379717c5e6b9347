/*
 * cmd_log.c -- the commands that read or add to the audit log after a
 * send: status (the outbox now), historik (who got what), retur and kvitto
 * (post that came back, a signed receipt) and audit (verify the chain,
 * export it).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "json.h"
#include "xmalloc.h"

/*
 * status answers for the present: one försändelse may have several outbox
 * rows (held, then sent when the paragraph was fixed; digital that failed,
 * then print), all with ids that start with its key.  Its state now is sent
 * when any row is, else the most pressing of the others; the walk is in id
 * order, so one försändelse's rows come together.
 */
struct status_row {
	char *id, *route, *reason, *sent;
	long paragraf;
	enum outbox_state st;
};

struct status_walk {
	struct audit *a;
	bool json, first;
	int paminnelse_dagar;
	size_t count[OUTBOX_FAILED + 1];
	size_t replaced, returned, kvitto_overdue;
	bool error;
	char key[128];
	struct status_row cur;    /* the row that speaks for the försändelse so far */
	bool have;
};

/* How much a state says about now: sent ends it; failed is older news than pending. */
static int
state_rank(enum outbox_state st)
{
	switch (st) {
	case OUTBOX_SENT:
		return 5;
	case OUTBOX_SENDING:
		return 4;
	case OUTBOX_PENDING:
		return 3;
	case OUTBOX_HELD:
		return 2;
	default:
		return 1;
	}
}

/* s and spaces after it to width characters (UTF-8: å is one), then one more. */
static void
padded(const char *s, int width)
{
	int n = 0;
	const char *p;

	for (p = s; *p != '\0'; p++)
		if (((unsigned char)*p & 0xc0) != 0x80)
			n++;
	printf("%s%*s ", s, n < width ? width - n : 0, "");
}

static void
status_flush(struct status_walk *w)
{
	struct status_row *r = &w->cur;
	char *data = NULL, *who = NULL, *roll = NULL, *dnr = NULL, *organ = NULL, *datum = NULL;

	struct rec_present pr;
	const char *label;
	char sid[15];
	bool rek;

	if (!w->have)
		return;
	w->have = false;
	memset(&pr, 0, sizeof(pr));
	if (audit_last_data(w->a, r->id, "route", &data) == 0 && data != NULL) {
		who = json_field(data, "mottagare");
		roll = json_field(data, "roll");
		dnr = json_field(data, "dnr");
		organ = json_field(data, "organ");
		datum = json_field(data, "sammantrade");
	}
	/* What happened since: a rättelse, returned post, a delgivningskvitto. */
	if (r->st == OUTBOX_SENT) {
		char how[24];

		r->sent = xmalloc(20);
		if (record_sent(w->a, w->key, r->sent, how, NULL) != 1)
			r->sent[0] = '\0';
	}
	if (record_present(w->a, w->key, r->st, data, r->sent, w->paminnelse_dagar, &pr) == -1)
		w->error = true;
	rek = record_is_rek(data);
	label = pr.state != NULL ? pr.state : record_state_label(r->st, r->route);
	record_short_id(w->key, sid);
	if (pr.state != NULL && (strcmp(pr.state, "ersatt") == 0 ||
	    strcmp(pr.state, "felaktigt utskickad") == 0))
		w->replaced++;
	else if (pr.state != NULL && strcmp(pr.state, "returnerad") == 0 && pr.open)
		w->returned++;
	else
		w->count[r->st]++;
	if (pr.kvitto_overdue)
		w->kvitto_overdue++;
	if (w->json) {
		printf("%s\n  {\"forsandelse\": ", w->first ? "" : ",");
		json_string(stdout, r->id);
		printf(", \"paragraf\": %ld, \"dnr\": ", r->paragraf);
		json_string(stdout, dnr);
		fputs(", \"mottagare\": ", stdout);
		json_string(stdout, who);
		fputs(", \"roll\": ", stdout);
		json_string(stdout, roll);
		fputs(", \"organ\": ", stdout);
		json_string(stdout, organ);
		fputs(", \"sammantrade\": ", stdout);
		json_string(stdout, datum);
		fputs(", \"route\": ", stdout);
		json_string(stdout, r->route);
		fputs(", \"state\": ", stdout);
		json_string(stdout, outbox_state_name(r->st));
		fputs(", \"now\": ", stdout);
		json_string(stdout, pr.state);
		fputs(", \"note\": ", stdout);
		json_string(stdout, pr.note);
		fputs(", \"id\": ", stdout);
		json_string(stdout, sid);
		fputs(", \"reason\": ", stdout);
		json_string(stdout, r->reason);
		/* The ids above stay; the words a person reads come beside them. */
		fputs(", \"label\": ", stdout);
		json_string(stdout, label);
		fputs(", \"route_label\": ", stdout);
		json_string(stdout, record_route_label(r->route, rek));
		printf(", \"rekommenderat\": %s}", rek ? "true" : "false");
		w->first = false;
	} else if (r->st != OUTBOX_SENT || pr.open || (pr.state != NULL &&
	    strcmp(pr.state, "delgiven") == 0)) {
		printf("§ %-5ld ", r->paragraf);
		padded(record_route_label(r->route, rek), 19);
		padded(label, 16);
		printf("%s\n", pr.note != NULL ? pr.note : r->reason != NULL ? shown(r->reason) : "");
		if (who != NULL)
			printf("        %s, %s, %s, %s %s, försändelse %s\n", shown(who),
			    record_roll_label(roll), dnr != NULL ? shown(dnr) : "-",
			    organ != NULL ? shown(organ) : "-", datum != NULL ? datum : "", sid);
	}
	free(pr.note);
	free(data);
	free(who);
	free(roll);
	free(dnr);
	free(organ);
	free(datum);
	free(r->id);
	free(r->route);
	free(r->reason);
	free(r->sent);
	memset(r, 0, sizeof(*r));
}

static int
status_item(void *arg, const struct outbox_item *it, enum outbox_state st, int attempts,
    const char *reason)
{
	struct status_walk *w = arg;
	size_t klen = strcspn(it->id, ":");

	(void)attempts;
	if (klen >= sizeof(w->key))
		klen = sizeof(w->key) - 1;
	if (w->have && (strlen(w->key) != klen || strncmp(w->key, it->id, klen) != 0))
		status_flush(w);
	if (!w->have) {
		memcpy(w->key, it->id, klen);
		w->key[klen] = '\0';
	} else if (state_rank(st) <= state_rank(w->cur.st))
		return 0;
	free(w->cur.id);
	free(w->cur.route);
	free(w->cur.reason);
	w->cur.id = xstrdup(it->id);
	w->cur.route = xstrdup(it->route);
	w->cur.reason = reason != NULL ? xstrdup(reason) : NULL;
	w->cur.paragraf = it->paragraf;
	w->cur.st = st;
	w->have = true;
	return 0;
}

int
cmd_status(const struct options *o, struct run *r)
{
	struct status_walk w;
	struct audit *a = r->log;
	int rc = EXIT_OK;

	memset(&w, 0, sizeof(w));
	w.a = a;
	w.json = o->json;
	w.first = true;
	w.paminnelse_dagar = config_paminnelse_dagar(&r->cfg);
	if (o->session != NULL) {
		fputs("expediera: status visar hela utkorgen; att välja en körning går inte "
		      "ännu\n", stderr);
		return EXIT_USAGE;
	}
	if (w.json)
		fputs("{\"items\": [", stdout);
	if (outbox_list(a, NULL, status_item, &w) == -1) {
		fprintf(stderr, "expediera: %s\n", audit_error(a));
		rc = EXIT_SYSTEM;
	} else if (status_flush(&w), w.json)
		printf("\n ], \"sent\": %zu, \"pending\": %zu, \"sending\": %zu, \"held\": %zu, "
		       "\"failed\": %zu, \"replaced\": %zu, \"returned\": %zu, "
		       "\"kvitto_overdue\": %zu}\n", w.count[OUTBOX_SENT], w.count[OUTBOX_PENDING],
		    w.count[OUTBOX_SENDING], w.count[OUTBOX_HELD], w.count[OUTBOX_FAILED],
		    w.replaced, w.returned, w.kvitto_overdue);
	else {
		printf("%zu skickade, %zu väntar, %zu pågår, %zu hålls, %zu misslyckades",
		    w.count[OUTBOX_SENT], w.count[OUTBOX_PENDING], w.count[OUTBOX_SENDING],
		    w.count[OUTBOX_HELD], w.count[OUTBOX_FAILED]);
		if (w.replaced > 0)
			printf(", %zu ersatta genom rättelse", w.replaced);
		if (w.returned > 0)
			printf(", %zu returnerade utan ny adress", w.returned);
		if (w.kvitto_overdue > 0)
			printf(", %zu delgivningskvitton har inte kommit tillbaka efter %d dagar",
			    w.kvitto_overdue, w.paminnelse_dagar);
		puts(".");
	}
	free(w.cur.id);
	free(w.cur.route);
	free(w.cur.reason);
	free(w.cur.sent);
	if (rc == 0 && w.error) {
		fprintf(stderr, "expediera: %s\n", audit_error(a));
		rc = EXIT_SYSTEM;
	}
	/* The present: what still waits for someone to act makes it 3. */
	if (rc == 0)
		rc = flushed(w.count[OUTBOX_HELD] + w.count[OUTBOX_FAILED] +
			w.count[OUTBOX_PENDING] + w.count[OUTBOX_SENDING] + w.returned +
			w.kvitto_overdue > 0 ? EXIT_DELIVERY : EXIT_OK);
	return rc;
}

/* retur and kvitto: one event about one försändelse, under the run lock. */
static int
registered(int rc, const char *msg)
{
	if (rc == 0)
		printf("%s\n", msg);
	else
		fprintf(stderr, "expediera: %s\n", msg);
	return rc == 0 ? flushed(EXIT_OK) : rc == 1 ? EXIT_USAGE : EXIT_SYSTEM;
}

int
cmd_retur(const struct options *o, struct run *r)
{
	char msg[512];

	return registered(record_retur(r->log, o->session, o->datum, o->orsak, msg, sizeof(msg)),
	    msg);
}

int
cmd_kvitto(const struct options *o, struct run *r)
{
	char msg[512];

	return registered(record_kvitto(r->log, o->session, o->datum, msg, sizeof(msg)), msg);
}

int
cmd_historik(const struct options *o, struct run *r)
{
	struct historik_query q;
	char err[512];
	int rc;

	memset(&q, 0, sizeof(q));
	q.dnr = o->dnr;
	q.sammantrade = o->sammantrade;
	q.person = o->person;
	q.json = o->json;
	q.paminnelse_dagar = config_paminnelse_dagar(&r->cfg);
	rc = record_historik(r->log, &q, stdout, err, sizeof(err));
	if (rc != 0)
		fprintf(stderr, "expediera: %s\n", err);
	return rc == 0 ? flushed(EXIT_OK) : rc == 1 ? EXIT_USAGE : EXIT_SYSTEM;
}

/*
 * audit verify --head HASH: a head kept elsewhere (printed by send, the
 * expedieringslista's run, audit export) must still be in the chain, where it
 * was, and the chain intact up to it and after.  A log rewritten from the
 * start, triggers dropped and every hash recomputed, has lost that hash.
 */
static int
verify_with_head(struct audit *a, const char *head, struct audit_verify *v)
{
	const char *colon = strchr(head, ':');
	const char *hash = colon != NULL ? colon + 1 : head;
	int64_t rows;

	if (audit_find_hash(a, hash, &rows) == -1)
		return -1;
	if (rows == 0) {
		memset(v, 0, sizeof(*v));
		if (audit_verify(a, v) == -1)
			return -1;
		v->first_broken = v->first_broken != 0 ? v->first_broken : 1;
		snprintf(v->reason, sizeof(v->reason), "kedjans huvud %.16s… finns inte i loggen: "
		    "den har skrivits om eller kortats sedan huvudet sparades", hash);
		return 0;
	}
	if (colon != NULL) {
		char *end;
		long long want = strtoll(head, &end, 10);

		if (end != colon || want != rows) {
			memset(v, 0, sizeof(*v));
			v->first_broken = rows;
			snprintf(v->reason, sizeof(v->reason), "kedjans huvud %.16s… står som händelse "
			    "%lld, inte %.20s som det sparades", hash, (long long)rows, head);
			return 0;
		}
	}
	return audit_verify_head(a, rows, hash, v);
}

int
cmd_audit(const struct options *o, struct run *r)
{
	struct audit_verify v;
	struct audit *a = r->log;
	int rc;

	if (strcmp(o->session, "export") == 0 && o->since != NULL &&
	    !audit_since_valid(o->since)) {
		/* A day the calendar lacks (2026-02-30) is a mistake, not "from the start". */
		fprintf(stderr, "expediera: --since ska vara ett datum som finns, ÅÅÅÅ-MM-DD "
		    "(t.ex. 2026-11-20)\n");
		rc = EXIT_USAGE;
	} else if (strcmp(o->session, "export") == 0) {
		if (audit_export(a, o->since, o->json, stdout) == -1) {
			fprintf(stderr, "expediera: %s\n", audit_error(a));
			rc = EXIT_SYSTEM;
		} else
			rc = flushed(EXIT_OK);
	} else if (o->head != NULL && verify_with_head(a, o->head, &v) == -1) {
		fprintf(stderr, "expediera: %s\n", audit_error(a));
		rc = EXIT_USAGE;
	} else if (o->head == NULL && audit_verify(a, &v) == -1) {
		fprintf(stderr, "expediera: %s\n", audit_error(a));
		rc = EXIT_SYSTEM;
	} else if (v.first_broken != 0) {
		fprintf(stderr, "expediera: granskningsloggen %s är inte intakt: %s\n",
		    r->cfg.audit_database, v.reason);
		if (o->json)
			printf("{\"intact\": false, \"rows\": %lld, \"first_broken\": %lld}\n",
			    (long long)v.rows, (long long)v.first_broken);
		rc = EXIT_INVALID;
	} else {
		if (o->json)
			printf("{\"intact\": true, \"rows\": %lld}\n", (long long)v.rows);
		else
			printf("%s: kedjan är intakt, %lld händelser.\n", r->cfg.audit_database,
			    (long long)v.rows);
		rc = flushed(EXIT_OK);
	}
	return rc;
}
