/*
 * record_historik.c -- historik: who got which decision, when, by which
 * route, to which postort, and what became of it (record.h, SPEC 7).
 *
 * Reads: the audit log's route events (audit_query), by dnr, meeting or the
 * keyed hash of a personnummer -- the number itself is never looked for.
 * Writes: the list, as text or JSON, to the stream given.
 * Trusts: the log's own events (their data is this program's JSON).
 */
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "personnummer.h"
#include "record.h"
#include "record_int.h"
#include "xmalloc.h"

struct hrow {
	char key[33];
	char *data, *reason, *sent, *ts;
	enum outbox_state st;
};

struct hist {
	const struct historik_query *q;
	struct hrow *v;
	size_t n, cap;
};

static int
rank(enum outbox_state st)
{
	return st == OUTBOX_SENT ? 5 : st == OUTBOX_SENDING ? 4 : st == OUTBOX_PENDING ? 3 :
	    st == OUTBOX_HELD ? 2 : st == OUTBOX_FAILED ? 1 : 0;
}

static unsigned long
field_num(const char *data, const char *name)
{
	char *pat = xasprintf("\"%s\":", name);
	const char *p = strstr(data, pat);
	unsigned long n = p != NULL ? strtoul(p + strlen(pat), NULL, 10) : 0;

	free(pat);
	return n;
}

static int
collect_hist(void *arg, const struct audit_row *row)
{
	struct hist *h = arg;
	struct hrow *x;
	size_t i;

	/* Rows with no outbox entry repeat a försändelse another row holds. */
	if (row->forsandelse == NULL || row->state == OUTBOX_NONE ||
	    !record_field_is(row->data, "dnr", h->q->dnr) ||
	    !record_field_is(row->data, "sammantrade", h->q->sammantrade))
		return 0;
	for (i = 0; i < h->n && strncmp(h->v[i].key, row->forsandelse, 32) != 0; i++)
		;
	if (i < h->n && rank(row->state) < rank(h->v[i].st))
		return 0;
	if (i == h->n) {
		if (h->n == h->cap) {
			h->cap = h->cap ? 2 * h->cap : 16;
			h->v = xreallocarray(h->v, h->cap, sizeof(*h->v));
		}
		memset(&h->v[h->n++], 0, sizeof(*h->v));
	}
	x = &h->v[i];
	free(x->data);
	free(x->reason);
	free(x->sent);
	free(x->ts);
	snprintf(x->key, sizeof(x->key), "%.32s", row->forsandelse);
	x->data = xstrdup(row->data);
	x->reason = row->reason != NULL ? xstrdup(row->reason) : NULL;
	x->sent = row->sent != NULL ? xstrdup(row->sent) : NULL;
	x->ts = xstrdup(row->ts);
	x->st = row->state;
	return 0;
}

static int
cmp_hrow(const void *a, const void *b)
{
	const struct hrow *x = a, *y = b;
	char *dx = json_field(x->data, "sammantrade"), *dy = json_field(y->data, "sammantrade");
	int c = strcmp(dx != NULL ? dx : "", dy != NULL ? dy : "");
	unsigned long px = field_num(x->data, "paragraf"), py = field_num(y->data, "paragraf");

	free(dx);
	free(dy);
	if (c != 0)
		return c;
	if (px != py)
		return px < py ? -1 : 1;
	return strcmp(x->sent != NULL ? x->sent : x->ts, y->sent != NULL ? y->sent : y->ts);
}

/* Each name and value of kv (names NULL-ended; a value may be NULL) as ', "name": "value"'. */
static void
json_fields(FILE *out, const char *const *kv)
{
	for (; kv[0] != NULL; kv += 2) {
		fprintf(out, ", \"%s\": ", kv[0]);
		json_string(out, kv[1]);
	}
}

static void
hist_print(struct audit *a, const struct historik_query *q, const struct hrow *x, bool first,
    FILE *out)
{
	static const char *const f[] = {"mottagare", "roll", "organ", "sammantrade", "dnr",
	    "route", "postort", "sha256", "delgivning", "gen", "kanal", "overklagande"};
	char *v[sizeof(f) / sizeof(f[0])], sid[15], when[20], *kv = NULL, *delgiven = NULL;
	char *appeal = NULL;
	struct rec_present pr;
	struct rec_appeal ap;
	const char *state, *route;
	bool rek = record_is_rek(x->data);
	size_t i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		v[i] = json_field(x->data, f[i]);
	record_short_id(x->key, sid);
	record_local_time(x->sent != NULL ? x->sent : x->ts, when);
	if (record_present(a, x->key, x->st, x->data, x->sent, q->paminnelse_dagar, &pr) == -1)
		memset(&pr, 0, sizeof(pr));
	state = pr.state != NULL ? pr.state : record_state_label(x->st, v[5]);
	route = record_route_label(v[5], rek);
	if (audit_last_data(a, x->key, "kvitto", &kv) == 0 && kv != NULL)
		delgiven = json_field(kv, "datum");
	/* The dates come from the route event, as for kvitto (record_state.c). */
	record_appeal_of(x->data, delgiven, &ap);
	if (ap.route == REC_APPEAL_UNDERSTALLS)
		appeal = record_appeal_text(&ap, false);
	if (q->json) {
		const char *head[] = {"id", sid, "mottagare", v[0], "roll", v[1], "organ", v[2],
		    "sammantrade", v[3], NULL};
		const char *tail[] = {"dnr", v[4], "route", v[5], "postort", v[6], "tid", when,
		    "sha256", v[7], "state", state, "reason", pr.note != NULL ? pr.note :
		    x->st == OUTBOX_SENT ? NULL : x->reason, NULL};
		const char *more[] = {"outbox", outbox_state_name(x->st), "route_label", route,
		    "kanal", v[10], "overklagande", v[11], NULL};

		fprintf(out, "%s\n  {\"forsandelse\": ", first ? "" : ",");
		json_string(out, x->key);
		json_fields(out, head);
		fprintf(out, ", \"paragraf\": %lu", field_num(x->data, "paragraf"));
		json_fields(out, tail);
		fprintf(out, ", \"rattelse\": %s, \"felaktigt_utskickad\": %s",
		    v[9] != NULL ? v[9] : "0",
		    pr.state != NULL && strcmp(pr.state, "felaktigt utskickad") == 0 ? "true" :
		    "false");
		fprintf(out, ", \"delgivning\": %s", v[8] != NULL && strcmp(v[8], "true") == 0 ?
		    "true" : "false");
		json_fields(out, more);
		fprintf(out, ", \"rekommenderat\": %s", rek ? "true" : "false");
		if (delgiven != NULL) {
			const char *dg[] = {"delgiven", delgiven, "sista_dag_att_overklaga",
			    ap.last[0] != '\0' ? ap.last : NULL, "laga_kraft",
			    ap.laga_kraft[0] != '\0' ? ap.laga_kraft : NULL, NULL};

			json_fields(out, dg);
		}
		if (ap.route == REC_APPEAL_UNDERSTALLS) {
			const char *u[] = {"understalls_senast", ap.senast[0] != '\0' ? ap.senast : NULL,
			    "understalls_lag", ap.lag[0] != '\0' ? ap.lag : NULL, NULL};

			json_fields(out, u);
		}
		fputc('}', out);
	} else {
		fprintf(out, "%s  %s %s § %lu %s\n", sid, v[2] != NULL ? v[2] : "-",
		    v[3] != NULL ? v[3] : "-", field_num(x->data, "paragraf"),
		    v[4] != NULL ? v[4] : "-");
		fprintf(out, "    %s, %s; %s%s%s; %s\n", v[0] != NULL ? v[0] : "-",
		    record_roll_label(v[1]), route, v[6] != NULL ? " till " : "",
		    v[6] != NULL ? v[6] : "", when);
		fprintf(out, "    %s%s%s; sha256 %.16s…\n", state,
		    pr.note != NULL ? ": " : x->st != OUTBOX_SENT && x->reason != NULL ? ": " : "",
		    pr.note != NULL ? pr.note : x->st != OUTBOX_SENT && x->reason != NULL ?
		    x->reason : "", v[7] != NULL ? v[7] : "-");
		/* An underställning's due day stands whether or not a kvitto came back. */
		if (appeal != NULL && delgiven == NULL)
			fprintf(out, "    %s\n", appeal);
	}
	free(appeal);
	free(delgiven);
	free(kv);
	free(pr.note);
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		free(v[i]);
}

int
record_historik(struct audit *a, const struct historik_query *q, FILE *out, char *err,
    size_t errlen)
{
	struct hist h = {q, NULL, 0, 0};
	size_t i;
	int rc = -1;

	if (q->sammantrade != NULL) {
		struct ymd d;

		if (strlen(q->sammantrade) != 10 || !ymd_parse(q->sammantrade, &d)) {
			snprintf(err, errlen, "--sammantrade ska vara ett datum, ÅÅÅÅ-MM-DD");
			return 1;
		}
	}
	if (q->person != NULL) {
		struct pnr p;
		char k[33];

		if (pnr_parse(q->person, NULL, &p) != PNR_OK) {
			snprintf(err, errlen, "--person: inte ett giltigt personnummer (ÅÅÅÅMMDD-NNNN)");
			return 1;
		}
		/* The number is never looked for: its keyed hash is. */
		if (record_ident(a, p.digits, k) == -1 ||
		    audit_query(a, "route", "ident", k, collect_hist, &h) == -1 ||
		    audit_query(a, "route", "galler", k, collect_hist, &h) == -1)
			goto fail;
	} else if (audit_query(a, "route", NULL, NULL, collect_hist, &h) == -1)
		goto fail;
	if (h.n > 1)
		qsort(h.v, h.n, sizeof(*h.v), cmp_hrow);
	if (q->json)
		fputs("{\"forsandelser\": [", out);
	for (i = 0; i < h.n; i++)
		hist_print(a, q, &h.v[i], i == 0, out);
	if (q->json)
		fprintf(out, "%s], \"antal\": %zu}\n", h.n > 0 ? "\n " : "", h.n);
	else
		fprintf(out, "%zu försändelser.\n", h.n);
	rc = 0;
	goto out;
fail:
	snprintf(err, errlen, "%s", audit_error(a));
out:
	for (i = 0; i < h.n; i++) {
		free(h.v[i].data);
		free(h.v[i].reason);
		free(h.v[i].sent);
		free(h.v[i].ts);
	}
	free(h.v);
	return rc;
}
