/*
 * record.c -- after the send; see record.h.
 *
 * Reads: the audit log (audit_query), the session being checked or sent.
 * Writes: "retur" and "kvitto" events.  Rättelse and changed-after-send are
 * record_rattelse.c; the historik is record_historik.c.
 * Trusts: the log's own events (their data is this program's JSON).
 *
 * No personnummer and no address is stored or printed here: the log holds
 * keyed hashes of them, names with masked numbers, and the postort.
 */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "diag.h"
#include "json.h"
#include "lagtid.h"
#include "personnummer.h"
#include "record.h"
#include "record_int.h"
#include "text.h"
#include "xmalloc.h"

/* ---- keys ---- */

static int
hmac32(const struct audit *a, const char *s, char out[33])
{
	char full[65];

	if (audit_keyed_hash(a, s, strlen(s), full) == -1)
		return -1;
	memcpy(out, full, 32);
	out[32] = '\0';
	return 0;
}

/*
 * The address fold of earlier versions, before text_fold_line: white space
 * trimmed and each run of it one space, ASCII A-Z in lower case, every other
 * byte as it is ("ÖREBRO" stayed "ÖREBRO").  The logs they wrote hold address
 * keys made with it.  Only for recognising those keys (same_adress), never
 * for a key that is stored.
 */
static void
legacy_fold_line(FILE *fp, const char *s)
{
	bool space = false, any = false;

	for (; s != NULL && *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') {
			space = any;
			continue;
		}
		if (space)
			putc(' ', fp);
		space = false;
		any = true;
		putc(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c, fp);
	}
	putc('\n', fp);
}

/* The address as the sheet gives it, each line folded by fold. */
static int
adress_key_folded(const struct audit *a, const struct mottagare *m,
    void (*fold)(FILE *, const char *), char out[33])
{
	const struct adress *ad;
	char *p = NULL;
	size_t len, i;
	FILE *fp;
	int rc;

	out[0] = '\0';
	if (m->skyddad)
		return hmac32(a, "adress:skyddad", out);
	if (m->n_adresser == 0)
		return 0;
	ad = &m->adresser[0];
	if ((fp = open_memstream(&p, &len)) == NULL)
		return -1;
	fputs("adress:", fp);
	fold(fp, ad->co);
	for (i = 0; i < ad->n_utdelningsadress; i++)
		fold(fp, ad->utdelningsadress[i]);
	for (i = 0; ad->postnummer != NULL && ad->postnummer[i] != '\0'; i++)
		if (isdigit((unsigned char)ad->postnummer[i]))
			putc(ad->postnummer[i], fp);
	putc('\n', fp);
	fold(fp, ad->postort);
	fold(fp, ad->land);
	fclose(fp);
	rc = hmac32(a, p, out);
	free(p);
	return rc;
}

/* The address as the sheet gives it, without spelling that does not matter. */
static int
adress_key(const struct audit *a, const struct mottagare *m, char out[33])
{
	return adress_key_folded(a, m, text_fold_line, out);
}

/*
 * Whether the address key the log stored (stored) is the sheet's address for
 * m, whose key is now: that key, or the one the earlier fold
 * (legacy_fold_line) made of the same address, as a log written before Å Ä Ö
 * were folded holds.  Nothing else matches: where the earlier fold leaves no
 * capital Å Ä Ö it is the fold of today.  m NULL: an internal entry, no address.
 */
bool
same_adress(const struct audit *a, const struct mottagare *m, const char *now,
    const char *stored)
{
	char old[33];

	if (strcmp(now, stored) == 0)
		return true;
	if (m == NULL || stored[0] == '\0' ||
	    adress_key_folded(a, m, legacy_fold_line, old) == -1)
		return false;
	return strcmp(old, stored) == 0;
}

int
record_ident(const struct audit *a, const char *digits, char out[33])
{
	char *k = xasprintf("id:%s", digits);
	int rc = hmac32(a, k, out);

	free(k);
	return rc;
}

int
record_keys(const struct audit *a, const struct session *s, const struct paragraf *p,
    const struct mottagare *m, const char *internal, struct rec_keys *k)
{
	char date[11], *base, *b;
	const char *id = NULL;
	int rc = 0;

	memset(k, 0, sizeof(*k));
	ymd_format(&s->protokoll.sammantradesdatum, date);
	/* The same text the försändelse keys have always been made of. */
	base = xasprintf("%s|%s|%s|%lu|%s", s->protokoll.kommun, s->protokoll.organ, date, p->nr,
	    p->dnr != NULL ? p->dnr : "");
	if (m != NULL)
		id = m->pnr.ok ? m->pnr.pnr.digits : m->orgnr_ok ? m->orgnr : NULL;
	if (m == NULL)
		b = xasprintf("%s|intern|%s", base, internal != NULL ? internal : "");
	else if (id != NULL)
		b = xasprintf("%s|%s|id:%s", base, roll_names[m->roll], id);
	else
		b = xasprintf("%s|%s|namn:%s", base, roll_names[m->roll], m->namn);
	if (hmac32(a, base, k->pkey) == -1 || hmac32(a, b, k->bas) == -1)
		rc = -1;
	else if (m != NULL && id != NULL)
		rc = record_ident(a, id, k->ident);
	else if (m != NULL) {
		char *n = xasprintf("namn:%s", m->namn != NULL ? m->namn : "");

		rc = hmac32(a, n, k->ident);
		free(n);
	}
	if (rc == 0 && p->has_galler && p->galler.pnr.ok)
		rc = record_ident(a, p->galler.pnr.pnr.digits, k->galler);
	if (rc == 0 && m != NULL)
		rc = adress_key(a, m, k->adress);
	free(base);
	free(b);
	return rc;
}

void
record_short_id(const char *key, char out[15])
{
	snprintf(out, 15, "%.4s-%.4s-%.4s", key, strlen(key) > 4 ? key + 4 : "",
	    strlen(key) > 8 ? key + 8 : "");
}

/* ---- what went out to a paragraph ---- */

int
field_int(const char *data, const char *name)
{
	char *v = json_field(data, name), *end;
	long n = v != NULL ? strtol(v, &end, 10) : 0;

	if (v == NULL || end == v || n < INT_MIN || n > INT_MAX)
		n = 0;
	free(v);
	return (int)n;
}

void
field_copy(const char *data, const char *name, char out[33])
{
	char *v = json_field(data, name);

	snprintf(out, 33, "%s", v != NULL ? v : "");
	free(v);
}

void
sent_clear(struct sent *x)
{
	free(x->roll);
	free(x->kanal);
	free(x->mottagare);
	free(x->when);
	free(x->data);
}

bool
record_field_is(const char *data, const char *name, const char *want)
{
	char *v;
	bool eq;

	if (want == NULL)
		return true;
	v = json_field(data, name);
	eq = v != NULL && strcmp(v, want) == 0;
	free(v);
	return eq;
}

void
sents_free(struct sents *ss)
{
	size_t i;

	for (i = 0; i < ss->n; i++)
		sent_clear(&ss->v[i]);
	free(ss->v);
	memset(ss, 0, sizeof(*ss));
}

/* Collects the paragraph's sent försändelser; a later one of a bas replaces an earlier. */
int
collect_sent(void *arg, const struct audit_row *row)
{
	struct sents *ss = arg;
	struct sent *x;
	char bas[33];
	size_t i;

	if (row->sent == NULL || row->forsandelse == NULL)
		return 0;
	field_copy(row->data, "bas", bas);
	if (bas[0] == '\0')
		return 0;
	for (i = 0; i < ss->n && strcmp(ss->v[i].bas, bas) != 0; i++)
		;
	if (i == ss->n) {
		if (ss->n == ss->cap) {
			ss->cap = ss->cap ? 2 * ss->cap : 8;
			ss->v = xreallocarray(ss->v, ss->cap, sizeof(*ss->v));
		}
		memset(&ss->v[ss->n++], 0, sizeof(*ss->v));
	} else
		sent_clear(&ss->v[i]);
	x = &ss->v[i];
	x->event = row->id;
	snprintf(x->key, sizeof(x->key), "%.32s", row->forsandelse);
	memcpy(x->bas, bas, sizeof(bas));
	field_copy(row->data, "ident", x->ident);
	field_copy(row->data, "adress", x->adress);
	x->roll = json_field(row->data, "roll");
	x->kanal = json_field(row->data, "kanal");
	x->mottagare = json_field(row->data, "mottagare");
	x->when = xstrdup(row->sent);
	x->data = xstrdup(row->data);
	x->gen = field_int(row->data, "gen");
	return 0;
}

int
collect_retur(void *arg, const struct audit_row *row)
{
	struct returns *r = arg;
	char *d = json_field(row->data, "datum");

	r->n++;
	r->last_event = row->id;
	field_copy(row->data, "adress", r->adress);
	snprintf(r->datum, sizeof(r->datum), "%s", d != NULL ? d : "");
	free(d);
	return 0;
}

int
record_item(struct audit *a, const struct mottagare *m, const struct rec_keys *k,
    struct rec_item *ri)
{
	struct returns rt;

	memset(ri, 0, sizeof(*ri));
	memset(&rt, 0, sizeof(rt));
	if (record_rattelse_item(a, k, ri) == -1 ||
	    audit_query(a, "retur", "bas", k->bas, collect_retur, &rt) == -1) {
		record_item_free(ri);
		return -1;
	}
	ri->returns = rt.n;
	ri->returned_here = rt.n > 0 && same_adress(a, m, k->adress, rt.adress);
	memcpy(ri->retur_datum, rt.datum, sizeof(ri->retur_datum));
	if (ri->gen == 0 && ri->returns == 0)
		memcpy(ri->key, k->bas, sizeof(ri->key));
	else {
		char *s = xasprintf("%s|rattelse:%d|retur:%d", k->bas, ri->gen, ri->returns);
		int rc = hmac32(a, s, ri->key);

		free(s);
		if (rc == -1)
			return -1;
	}
	return 0;
}

void
record_item_free(struct rec_item *ri)
{
	free(ri->till_mottagaren);
	ri->till_mottagaren = NULL;
}

const char *
record_roll_label(const char *roll)
{
	size_t i;

	for (i = 0; i < ROLL__MAX; i++)
		if (roll != NULL && strcmp(roll, roll_names[i]) == 0)
			return roll_labels[i];
	return roll != NULL ? roll : "-";
}

/* ---- events ---- */

char *
event_json(const char *const *kv)
{
	char *p = NULL;
	size_t len, i;
	FILE *fp = open_memstream(&p, &len);

	if (fp == NULL)
		return NULL;
	putc('{', fp);
	for (i = 0; kv[i] != NULL; i += 2) {
		if (i > 0)
			putc(',', fp);
		json_string(fp, kv[i]);
		putc(':', fp);
		json_string(fp, kv[i + 1]);
	}
	putc('}', fp);
	fclose(fp);
	return p;
}

/* ---- one försändelse by its id: retur, kvitto ---- */

struct found {
	char key[33], sid[15];
	char *data, *sent;
	size_t distinct;
};

static int
collect_found(void *arg, const struct audit_row *row)
{
	struct found *f = arg;

	if (row->sent == NULL || row->forsandelse == NULL)
		return 0;
	if (f->data != NULL && strncmp(f->key, row->forsandelse, 32) != 0)
		f->distinct++;
	free(f->data);
	free(f->sent);
	snprintf(f->key, sizeof(f->key), "%.32s", row->forsandelse);
	f->data = xstrdup(row->data);
	f->sent = xstrdup(row->sent);
	if (f->distinct == 0)
		f->distinct = 1;
	return 0;
}

static void
found_free(struct found *f)
{
	free(f->data);
	free(f->sent);
}

/* The sent försändelse id names: 0, or 1 when none or several, -1 (msg says; f is then empty). */
static int
find_sent(struct audit *a, const char *id, struct found *f, char *msg, size_t msglen)
{
	char hex[33];
	size_t i, n = 0;

	memset(f, 0, sizeof(*f));
	for (i = 0; id[i] != '\0'; i++) {
		if (id[i] == '-' || id[i] == ' ')
			continue;
		if (!isxdigit((unsigned char)id[i]) || n == 32) {
			n = 0;
			break;
		}
		hex[n++] = (char)tolower((unsigned char)id[i]);
	}
	hex[n] = '\0';
	if (n < 8) {
		snprintf(msg, msglen, "försändelse-id ska vara minst 8 hexadecimala tecken, som "
		    "status och historik visar dem (t.ex. 3f2a-91bc-0d4e)");
		return 1;
	}
	if (audit_query(a, "route", "forsandelse", hex, collect_found, f) == -1) {
		snprintf(msg, msglen, "%s", audit_error(a));
		found_free(f);
		return -1;
	}
	if (f->data == NULL) {
		snprintf(msg, msglen, "ingen skickad försändelse har id %s", hex);
		return 1;
	}
	if (f->distinct > 1) {
		snprintf(msg, msglen, "id %s passar flera försändelser; ange fler tecken", hex);
		found_free(f);
		return 1;
	}
	record_short_id(f->key, f->sid);
	return 0;
}

/* A date given on the command line: valid, not before the sending, not after today. */
static int
check_datum(const char *datum, const char *sent, char *msg, size_t msglen)
{
	char idag[11], d[20];
	struct ymd y;

	if (strlen(datum) != 10 || !ymd_parse(datum, &y)) {
		snprintf(msg, msglen, "--datum ska vara ett datum, ÅÅÅÅ-MM-DD");
		return 1;
	}
	clock_today(idag);
	record_local_time(sent, d);
	if (strcmp(datum, idag) > 0) {
		snprintf(msg, msglen, "--datum %s ligger efter i dag (%s)", datum, idag);
		return 1;
	}
	if (strncmp(datum, d, 10) < 0) {
		snprintf(msg, msglen, "--datum %s ligger före utskicket (%.10s)", datum, d);
		return 1;
	}
	return 0;
}

/*
 * Records a kind event ("retur", "kvitto") with kv for the försändelse key
 * (short id sid, sent at sent), once: 1 with msg when one is registered
 * already (already: a format for sid and that one's date) or datum is not a
 * day it can be, -1 with msg on a log error, 0 when recorded.
 */
static int
register_once(struct audit *a, const char *key, const char *kind, const char *already,
    const char *sid, const char *datum, const char *sent, const char *const *kv, char *msg,
    size_t msglen)
{
	char *prior = NULL, *data;
	int rc;

	if (audit_last_data(a, key, kind, &prior) == -1)
		goto fail;
	if (prior != NULL) {
		char *d = json_field(prior, "datum");

		snprintf(msg, msglen, already, sid, d != NULL ? d : "");
		free(d);
		free(prior);
		return 1;
	}
	if (check_datum(datum, sent, msg, msglen) != 0)
		return 1;
	data = event_json(kv);
	rc = audit_event(a, 0, kind, key, data);
	free(data);
	if (rc != -1 && !audit_failed(a))
		return 0;
fail:
	snprintf(msg, msglen, "%s", audit_error(a));
	return -1;
}

/*
 * kvitto and retur exclude each other (issue 24): a returned letter was not
 * delivered, so no signed delgivningskvitto can have come back for it (a
 * kvitto for it belongs to another försändelse, or the return was
 * registered on the wrong one); and a letter whose kvitto came back was
 * delivered, so it cannot have come back undelivered.  Whichever was
 * registered first stands; the other is refused, with the one that stands
 * named, and nothing is recorded.  1 with msg when other is registered for
 * key, 0 when not, -1 with msg on a log error.
 */
static int
excluded_by(struct audit *a, const char *key, const char *other, const char *fmt,
    const char *sid, char *msg, size_t msglen)
{
	char *prior = NULL, *d;

	if (audit_last_data(a, key, other, &prior) == -1) {
		snprintf(msg, msglen, "%s", audit_error(a));
		return -1;
	}
	if (prior == NULL)
		return 0;
	d = json_field(prior, "datum");
	snprintf(msg, msglen, fmt, sid, d != NULL ? d : "");
	free(d);
	free(prior);
	return 1;
}

int
record_retur(struct audit *a, const char *id, const char *datum, const char *orsak,
    char *msg, size_t msglen)
{
	struct found f;
	char *route, *bas, *adress;
	int rc;

	if ((rc = find_sent(a, id, &f, msg, msglen)) != 0)
		return rc;
	route = json_field(f.data, "route");
	bas = json_field(f.data, "bas");
	adress = json_field(f.data, "adress");
	if (route != NULL && (strcmp(route, "print") == 0 ||
	    strcmp(route, "print-skatteverket") == 0)) {
		const char *kv[] = {"bas", bas != NULL ? bas : "", "adress",
		    adress != NULL ? adress : "", "datum", datum, "orsak", orsak != NULL ? orsak : "",
		    NULL};

		rc = excluded_by(a, f.key, "kvitto", "försändelse %s är delgiven (kvittot "
		    "registrerat, delgiven %s) och kan inte ha kommit tillbaka; registrera "
		    "returen på rätt försändelse", f.sid, msg, msglen);
		if (rc == 0)
			rc = register_once(a, f.key, "retur", "returen av försändelse %s är redan "
		    "registrerad (%s)", f.sid, datum, f.sent, kv, msg, msglen);
		if (rc == 0)
			snprintf(msg, msglen, "försändelse %s registrerad som returnerad %s; "
			    "mottagaren hålls tills försättsbladet har en ny bekräftad adress, och "
			    "nästa send skickar dit", f.sid, datum);
	} else {
		snprintf(msg, msglen, "försändelse %s gick inte med post (%s); bara post kan komma "
		    "tillbaka", f.sid, route != NULL ? route : "okänd väg");
		rc = 1;
	}
	free(route);
	free(bas);
	free(adress);
	found_free(&f);
	return rc;
}

int
record_kvitto(struct audit *a, const char *id, const char *datum, char *msg, size_t msglen)
{
	struct found f;
	struct rec_appeal ap;
	char *ov, *text;
	int rc;

	if ((rc = find_sent(a, id, &f, msg, msglen)) != 0)
		return rc;
	if (!record_field_is(f.data, "delgivning", "true")) {
		snprintf(msg, msglen, "försändelse %s skickades inte för delgivning; det finns "
		    "inget kvitto att registrera", f.sid);
		found_free(&f);
		return 1;
	}
	/* The dates follow from the decision's appeal route: only förvaltningsbesvär runs from here. */
	record_appeal_of(f.data, datum, &ap);
	ov = json_field(f.data, "overklagande");
	{
		const char *kv[] = {"datum", datum, "overklagande", ov != NULL ? ov : "",
		    "sista_dag", ap.last, "laga_kraft", ap.laga_kraft, NULL};

		if (ap.last[0] == '\0')
			kv[4] = NULL;
		rc = excluded_by(a, f.key, "retur", "försändelse %s kom tillbaka med posten "
		    "(retur registrerad %s) och har inte delgivits; registrera kvittot på rätt "
		    "försändelse", f.sid, msg, msglen);
		if (rc == 0)
			rc = register_once(a, f.key, "kvitto", "kvittot för försändelse %s är redan "
		    "registrerat (delgiven %s)", f.sid, datum, f.sent, kv, msg, msglen);
	}
	if (rc == 0) {
		text = record_appeal_text(&ap, true);
		snprintf(msg, msglen, "försändelse %s delgiven %s%s%s", f.sid, datum,
		    text != NULL ? "; " : "", text != NULL ? text : "");
		free(text);
	}
	free(ov);
	found_free(&f);
	return rc;
}

int
record_sent(struct audit *a, const char *key, char when[20], char route[24], char sha[65])
{
	struct found f;
	char *r;

	memset(&f, 0, sizeof(f));
	if (audit_query(a, "route", "forsandelse", key, collect_found, &f) == -1)
		return -1;
	if (f.data == NULL || strcmp(f.key, key) != 0) {
		found_free(&f);
		return 0;
	}
	record_local_time(f.sent, when);
	r = json_field(f.data, "route");
	snprintf(route, 24, "%s", r != NULL ? r : "");
	free(r);
	if (sha != NULL) {
		r = json_field(f.data, "sha256");
		snprintf(sha, 65, "%s", r != NULL ? r : "");
		free(r);
	}
	found_free(&f);
	return 1;
}

/* ---- the present of one försändelse ---- */

/* Whether a later försändelse of the same recipient went out after event. */
struct later {
	const char *key;
	int64_t after;
	bool found;
};

static int
collect_later(void *arg, const struct audit_row *row)
{
	struct later *l = arg;

	if (row->sent != NULL && row->forsandelse != NULL && row->id > l->after &&
	    strncmp(row->forsandelse, l->key, 32) != 0)
		l->found = true;
	return 0;
}

int
record_present(struct audit *a, const char *key, enum outbox_state st, const char *route_data,
    const char *sent, int paminnelse_dagar, struct rec_present *pr)
{
	char *ersatt = NULL, *retur = NULL, *kvitto = NULL, *dg = NULL;
	int rc = -1;

	memset(pr, 0, sizeof(*pr));
	if (audit_last_data(a, key, "ersatt", &ersatt) == -1 ||
	    audit_last_data(a, key, "retur", &retur) == -1 ||
	    audit_last_data(a, key, "kvitto", &kvitto) == -1)
		goto out;
	if (ersatt != NULL) {
		char *fel = json_field(ersatt, "felaktig"), *d = json_field(ersatt, "datum");
		char *o = json_field(ersatt, "orsak");
		bool felaktig = fel != NULL && strcmp(fel, "true") == 0;

		pr->state = felaktig ? "felaktigt utskickad" : "ersatt";
		pr->note = xasprintf("%sgenom rättelse %s: %s", felaktig ? "ersatt " : "",
		    d != NULL ? d : "", o != NULL ? o : "");
		free(fel);
		free(d);
		free(o);
		rc = 0;
		goto out;
	}
	if (retur != NULL) {
		char *d = json_field(retur, "datum"), *bas = json_field(route_data, "bas");
		struct later l = {key, 0, false};
		struct returns rt;

		/* Resolved once the same recipient was sent to again after it came back. */
		memset(&rt, 0, sizeof(rt));
		if (bas != NULL && (audit_query(a, "retur", "bas", bas, collect_retur, &rt) == -1 ||
		    (l.after = rt.last_event, audit_query(a, "route", "bas", bas, collect_later,
		    &l)) == -1)) {
			free(d);
			free(bas);
			goto out;
		}
		pr->state = "returnerad";
		pr->open = !l.found;
		pr->note = xasprintf(l.found ? "posten kom tillbaka %s; skickad på nytt till en ny "
		    "adress" : "posten kom tillbaka %s; hålls tills försättsbladet har en ny "
		    "bekräftad adress", d != NULL ? d : "");
		free(d);
		free(bas);
		rc = 0;
		goto out;
	}
	dg = route_data != NULL ? json_field(route_data, "delgivning") : NULL;
	if (st == OUTBOX_SENT && dg != NULL && strcmp(dg, "true") == 0) {
		if (kvitto != NULL) {
			char *d = json_field(kvitto, "datum"), *text;
			struct rec_appeal ap;

			/*
			 * From the route event, not from the dates a kvitto of an
			 * earlier version stored: those were counted for every
			 * decision, appealable or not.  The state says "delgiven";
			 * the note starts with the date.
			 */
			record_appeal_of(route_data, d, &ap);
			text = record_appeal_text(&ap, true);
			pr->state = "delgiven";
			pr->note = xasprintf("%s%s%s", d != NULL ? d : "", text != NULL ? "; " : "",
			    text != NULL ? text : "");
			free(d);
			free(text);
		} else {
			char when[20], idag[11];
			long days;

			record_local_time(sent, when);
			clock_today(idag);
			when[10] = '\0';
			days = record_day_number(idag) - record_day_number(when);
			pr->state = "väntar på kvitto";
			pr->kvitto_overdue = days > paminnelse_dagar;
			pr->open = true;
			pr->note = xasprintf(pr->kvitto_overdue ? "delgivningskvittot har inte kommit "
			    "tillbaka; skickat %s, %ld dagar sedan (påminnelse efter %d)" :
			    "delgivning: kvittot väntas tillbaka; skickat %s, %ld dagar sedan "
			    "(påminnelse efter %d)", when, days, paminnelse_dagar);
		}
	}
	rc = 0;
out:
	free(ersatt);
	free(retur);
	free(kvitto);
	free(dg);
	return rc;
}
