/*
 * audit_verify.c -- what reads the whole log (audit.h): audit_verify, which
 * recomputes the chain and checks the batch, outbox and lookup tables
 * against the events that wrote them; audit_export; and the look-ups later
 * runs and `expediera historik` ask (audit_query, audit_last_data,
 * audit_find_hash).
 *
 * Trusts nothing in the database: the triggers may have been dropped and any
 * row edited by hand.  Each reader sees one snapshot (read_begin).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "audit_impl.h"
#include "clock.h"
#include "json.h"
#include "personnummer.h"
#include "xmalloc.h"

static const char zero_hash[HEX_LEN + 1] =
    "0000000000000000000000000000000000000000000000000000000000000000";

/* "YYYY-MM-DD", a day the calendar has (2026-02-30 is none). */
static bool
valid_date(const char *s)
{
	struct ymd d;

	return strlen(s) == 10 && ymd_parse(s, &d);
}

/* --since: a day, or a time stamp as the log writes them on such a day. */
bool
audit_since_valid(const char *since)
{
	char day[11];

	if (valid_date(since))
		return true;
	if (!clock_valid_ts(since))
		return false;
	memcpy(day, since, 10);
	day[10] = '\0';
	return valid_date(day);
}

/* Keeps the lowest event id; -1 (a row with no event) only when none. */
static void note(struct audit_verify *v, int64_t id, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
note(struct audit_verify *v, int64_t id, const char *fmt, ...)
{
	va_list ap;

	if (v->first_broken != 0 && (id == -1 || (v->first_broken != -1 && v->first_broken <= id)))
		return;
	v->first_broken = id;
	va_start(ap, fmt);
	vsnprintf(v->reason, sizeof(v->reason), fmt, ap);
	va_end(ap);
}

/* The batch row of a "batch" or "batch-end" event, against that event. */
static int
check_batch(struct audit *a, struct db_stmt *bq, struct db_stmt *ev, struct audit_verify *v)
{
	int64_t id = db_column_int64(ev, 0), batch = db_column_int64(ev, 1);
	bool start = col_is(ev, 3, "batch");
	char *json = NULL;
	int r, rc = -1;

	if (db_reset(bq) != 0 || bind_int(a, bq, 1, batch) == -1 ||
	    (r = step_row(a, bq)) == -1)
		goto out;
	if (r == 0) {
		note(v, id, "körning %lld saknas (raden i batch har tagits bort)",
		     (long long)batch);
		rc = 0;
		goto out;
	}
	if (start) {
		json = batch_json(col_text(bq, 2), col_text(bq, 3), col_text(bq, 4),
		                  col_text(bq, 5), col_text(bq, 6));
		if (json == NULL) {
			seterr(a, "granskningsloggen: slut på minne");
			goto out;
		}
		if (!col_is(bq, 0, col_text(ev, 2)) || !col_is(ev, 5, json))
			note(
			    v, id,
			    "körning %lld: raden i batch stämmer inte med händelse %lld (raden har "
			    "ändrats)",
			    (long long)batch, (long long)id);
	} else if (!col_is(bq, 1, col_text(ev, 2)))
		note(v, id,
		     "körning %lld: sluttiden i batch stämmer inte med händelse %lld (raden har "
		     "ändrats)",
		     (long long)batch, (long long)id);
	rc = 0;
out:
	free(json);
	return rc;
}

/*
 * Walks the chain in id order.  Stops at the first break: after it nothing
 * is anchored.  *whole: the walk reached the end without a break.
 */
static int
verify_chain(struct audit *a, struct audit_verify *v, int64_t *nstart, int64_t *nend,
             char last[HEX_LEN + 1], bool *whole)
{
	struct db_stmt *ev = NULL, *bq = NULL;
	char prev[HEX_LEN + 1], calc[HEX_LEN + 1], idbuf[24];
	struct field f[7];
	int64_t id, expect = 1, prevbatch = 0;
	int r, rc = -1;

	*whole = false;
	memcpy(prev, zero_hash, sizeof(prev));
	if (prep(a,
	         "SELECT id, batch, ts, kind, forsandelse, data, prev_hash, hash FROM event "
	         "ORDER BY id",
	         &ev) == -1 ||
	    prep(a,
	         "SELECT started, ended, command, session, session_digest, \"user\", host FROM batch "
	         "WHERE id = ?1",
	         &bq) == -1)
		goto out;
	while ((r = step_row(a, ev)) == 1) {
		id = db_column_int64(ev, 0);
		if (id < expect) {
			/* Only a first row numbered 0 or less: report a number > 0. */
			note(
			    v, expect,
			    "händelse %lld: före den ligger en rad med nummer %lld, utanför kedjan "
			    "(raden har lagts till)",
			    (long long)expect, (long long)id);
			break;
		}
		if (id > expect) {
			note(v, expect, "händelse %lld saknas (raden har tagits bort)",
			     (long long)expect);
			break;
		}
		snprintf(idbuf, sizeof(idbuf), "%lld", (long long)id);
		f[0] = col_field(ev, 6);
		f[1] = (struct field){idbuf, strlen(idbuf)};
		f[2] = col_field(ev, 1);
		f[3] = col_field(ev, 2);
		f[4] = col_field(ev, 3);
		f[5] = col_field(ev, 4);
		f[6] = col_field(ev, 5);
		if (chain_hash(f, 7, calc) == -1) {
			seterr(a, "granskningsloggen: kan inte räkna SHA-256");
			goto out;
		}
		if (!col_is(ev, 7, calc)) {
			note(v, id,
			     "händelse %lld: kontrollsumman stämmer inte (raden har ändrats)",
			     (long long)id);
			break;
		}
		if (!col_is(ev, 6, prev)) {
			/* The row is consistent in itself, so it or the one before
			 * was rewritten with a new hash; the one before, most likely. */
			if (id == 1)
				note(v, 1,
				     "händelse 1: början av kedjan stämmer inte (raden har bytts "
				     "ut)");
			else
				note(v, id - 1,
				     "händelse %lld: kontrollsumman är inte den som händelse %lld "
				     "bygger på (raden har ändrats och räknats om)",
				     (long long)(id - 1), (long long)id);
			break;
		}
		if (col_is(ev, 3, "batch") || col_is(ev, 3, "batch-end")) {
			if (db_column_type(ev, 1) != DB_INTEGER) {
				note(v, id, "händelse %lld hör inte till någon körning",
				     (long long)id);
			} else {
				if (check_batch(a, bq, ev, v) == -1)
					goto out;
				if (col_is(ev, 3, "batch")) {
					/* Batch ids only grow: one event per row. */
					if (db_column_int64(ev, 1) <= prevbatch)
						note(v, id,
						     "händelse %lld: körning %lld börjar en gång "
						     "till",
						     (long long)id,
						     (long long)db_column_int64(ev, 1));
					prevbatch = db_column_int64(ev, 1);
					(*nstart)++;
				} else
					(*nend)++;
			}
		}
		memcpy(prev, calc, sizeof(prev));
		v->rows++;
		expect++;
	}
	if (r == -1)
		goto out;
	*whole = r == 0;
	memcpy(last, prev, HEX_LEN + 1);
	rc = 0;
out:
	db_finalize(ev);
	db_finalize(bq);
	return rc;
}

/* chain_head against the end of an intact walk: finds a cut or added end. */
static int
verify_head(struct audit *a, struct audit_verify *v, const char last[HEX_LEN + 1], bool *intact)
{
	struct db_stmt *st = NULL;
	int64_t rows = v->rows, hrows;
	int r, rc = -1;

	*intact = false;

	if (prep(a, "SELECT rows, hash FROM chain_head WHERE one = 1", &st) == -1 ||
	    (r = step_row(a, st)) == -1)
		goto out;
	if (r == 0) {
		note(
		    v, rows + 1,
		    "kedjans huvud saknas (raden har tagits bort); händelser efter %lld kan saknas",
		    (long long)rows);
	} else if ((hrows = db_column_int64(st, 0)) > rows) {
		note(v, rows + 1, "händelse %lld saknas (raden har tagits bort)",
		     (long long)(rows + 1));
	} else if (hrows < rows) {
		note(v, hrows + 1,
		     "händelse %lld har lagts till utanför expediera (kedjans huvud slutar vid "
		     "%lld)",
		     (long long)(hrows + 1), (long long)hrows);
	} else if (!col_is(st, 1, last)) {
		note(v, rows > 0 ? rows : 1,
		     "händelse %lld: kontrollsumman stämmer inte med kedjans huvud (raden har "
		     "ändrats och räknats om)",
		     (long long)rows);
	} else
		*intact = true;
	rc = 0;
out:
	db_finalize(st);
	return rc;
}

/*
 * The first row of sql, ?1 .. ?n bound to the texts of params: its first
 * ncols columns as integers in out (NULL as 0).  1, 0 when there is no row, or -1.
 */
static int
first_row(struct audit *a, const char *sql, const char *const *params, int n, int64_t *out,
    int ncols)
{
	struct db_stmt *st = NULL;
	int i, r = -1;

	if (prep_with(a, sql, params, n, &st) == -1)
		goto out;
	if ((r = step_row(a, st)) == 1)
		for (i = 0; i < ncols; i++)
			out[i] = db_column_int64(st, i);
out:
	db_finalize(st);
	return r;
}

/*
 * Batch rows that no event wrote, or ended without a "batch-end" event.  The
 * walk counted the events; the queries run only when the counts disagree.
 */
static int
verify_batches(struct audit *a, struct audit_verify *v, int64_t nstart, int64_t nend)
{
	int64_t n[2];
	int r;

	if (first_row(a, "SELECT (SELECT count(*) FROM batch), "
	        "(SELECT count(*) FROM batch WHERE ended IS NOT NULL)", NULL, 0, n, 2) != 1)
		return -1;
	if (n[0] != nstart) {
		if ((r = first_row(a, "SELECT b.id FROM batch b WHERE NOT EXISTS (SELECT 1 FROM "
		        "event e WHERE e.kind = 'batch' AND e.batch = b.id) ORDER BY b.id LIMIT 1",
		        NULL, 0, n, 1)) == -1)
			return -1;
		if (r == 1)
			note(v, -1,
			     "körning %lld finns inte i kedjan (raden i batch har lagts till "
			     "utanför expediera)",
			     (long long)n[0]);
	} else if (n[1] != nend) {
		if ((r = first_row(a, "SELECT b.id, (SELECT e.id FROM event e WHERE e.kind = "
		        "'batch' AND e.batch = b.id) FROM batch b WHERE b.ended IS NOT NULL AND NOT "
		        "EXISTS (SELECT 1 FROM event e WHERE e.kind = 'batch-end' AND e.batch = b.id) "
		        "ORDER BY b.id LIMIT 1", NULL, 0, n, 2)) == -1)
			return -1;
		if (r == 1)
			note(v, n[1],
			     "körning %lld har en sluttid men ingen händelse som avslutar den "
			     "(raden har ändrats)",
			     (long long)n[0]);
	}
	return 0;
}

/*
 * Each outbox row against the first "state" event of its id (written by
 * outbox_add, with the fixed fields) and the last (the current state); then
 * state events whose outbox row is gone.
 */
static int
verify_outbox(struct audit *a, struct audit_verify *v)
{
	struct db_stmt *ob = NULL, *first = NULL, *last = NULL, *st = NULL;
	struct outbox_item it;
	char *want = NULL;
	int64_t fid, lid, attempts;
	int r, rc = -1;

	if (prep(a,
	         "SELECT id, batch, session_digest, paragraf, recipient, route, sha256, state, "
	         "attempts, reason, updated FROM outbox ORDER BY id",
	         &ob) == -1 ||
	    prep(a,
	         "SELECT id, batch, data FROM event WHERE forsandelse = ?1 AND kind = 'state' "
	         "ORDER BY id LIMIT 1",
	         &first) == -1 ||
	    prep(a,
	         "SELECT id, ts, data FROM event WHERE forsandelse = ?1 AND kind = 'state' "
	         "ORDER BY id DESC LIMIT 1",
	         &last) == -1)
		goto out;
	while ((r = step_row(a, ob)) == 1) {
		const char *id = col_text(ob, 0);

		if (db_reset(first) != 0 || db_reset(last) != 0 ||
		    bind_text(a, first, 1, id) == -1 || bind_text(a, last, 1, id) == -1 ||
		    (r = step_row(a, first)) == -1 || (r == 1 && step_row(a, last) == -1))
			goto out;
		if (r == 0) {
			note(v, -1,
			     "försändelse %.64s finns inte i kedjan (raden i utkorgen har lagts "
			     "till utanför expediera)",
			     id != NULL ? id : "");
			continue;
		}
		fid = db_column_int64(first, 0);
		lid = db_column_int64(last, 0);
		it.id = id;
		it.session_digest = col_text(ob, 2);
		it.paragraf = (long)db_column_int64(ob, 3);
		it.recipient = col_text(ob, 4);
		it.route = col_text(ob, 5);
		it.sha256 = col_text(ob, 6);
		attempts = db_column_int64(ob, 8);

		/* The fixed fields, as outbox_add logged them. */
		if ((want = state_json(&it, "pending", 0, NULL)) == NULL)
			goto nomem;
		if (db_column_int64(first, 1) != db_column_int64(ob, 1) ||
		    db_column_type(ob, 3) != DB_INTEGER || !col_is(first, 2, want))
			note(
			    v, fid,
			    "försändelse %.64s: utkorgen stämmer inte med händelse %lld (raden har "
			    "ändrats)",
			    id, (long long)fid);
		free(want);
		want = NULL;

		/* The current state, as the last change logged it. */
		if (fid == lid)
			want = state_json(&it, col_text(ob, 7), attempts, col_text(ob, 9));
		else
			want = state_json(NULL, col_text(ob, 7), attempts, col_text(ob, 9));
		if (want == NULL)
			goto nomem;
		if (!col_is(last, 2, want) || !col_is(ob, 10, col_text(last, 1)) ||
		    db_column_type(ob, 8) != DB_INTEGER)
			note(
			    v, lid,
			    "försändelse %.64s: utkorgens tillstånd stämmer inte med händelse %lld "
			    "(raden har ändrats)",
			    id, (long long)lid);
		free(want);
		want = NULL;
	}
	if (r == -1)
		goto out;

	if (prep(a,
	         "SELECT e.id, e.forsandelse FROM event e WHERE e.kind = 'state' AND NOT EXISTS "
	         "(SELECT 1 FROM outbox o WHERE o.id = e.forsandelse) ORDER BY e.id LIMIT 1",
	         &st) == -1 ||
	    (r = step_row(a, st)) == -1)
		goto out;
	if (r == 1)
		note(v, db_column_int64(st, 0),
		     "försändelse %.64s saknas i utkorgen (raden har tagits bort)",
		     col_text(st, 1) != NULL ? col_text(st, 1) : "");
	rc = 0;
	goto out;
nomem:
	seterr(a, "granskningsloggen: slut på minne");
out:
	free(want);
	db_finalize(ob);
	db_finalize(first);
	db_finalize(last);
	db_finalize(st);
	return rc;
}

/*
 * The lookup table against the events it was derived from: every row names
 * an event of its kind whose data has that value, and every such event has
 * its rows.  A wrong row would make a later run miss or invent what went out.
 */
static int
verify_lookup(struct audit *a, struct audit_verify *v)
{
	int64_t id;
	size_t i;
	int r;

	if ((r = first_row(a, "SELECT l.event FROM lookup l LEFT JOIN event e ON e.id = l.event "
	        "WHERE e.id IS NULL OR e.kind IS DISTINCT FROM l.kind OR NOT json_valid(e.data) "
	        "OR json_extract(e.data, '$.' || l.field) IS DISTINCT FROM l.value "
	        "ORDER BY l.event LIMIT 1", NULL, 0, &id, 1)) == -1)
		return -1;
	if (r == 1)
		note(v, id, "händelse %lld: uppslagstabellen stämmer inte "
		    "med händelsen (en rad har lagts till eller ändrats utanför expediera)",
		    (long long)id);
	for (i = 0; i < N_LOOKUP_FIELDS; i++) {
		const char *params[] = {lookup_fields[i].kind, lookup_fields[i].field};

		if ((r = first_row(a, "SELECT e.id FROM event e WHERE e.kind = ?1 AND "
		        "json_valid(e.data) AND coalesce(json_extract(e.data, '$.' || ?2), '') != '' "
		        "AND NOT EXISTS (SELECT 1 FROM lookup l WHERE l.kind = ?1 AND l.field = ?2 "
		        "AND l.value = json_extract(e.data, '$.' || ?2) AND l.event = e.id) "
		        "ORDER BY e.id LIMIT 1", params, 2, &id, 1)) == -1)
			return -1;
		if (r == 1)
			note(v, id, "händelse %lld saknas i uppslagstabellen "
			    "(en rad har tagits bort utanför expediera)", (long long)id);
	}
	return 0;
}

static int
verify(struct audit *a, struct audit_verify *out, int64_t hrows, const char *hhash)
{
	struct audit_verify v;
	char last[HEX_LEN + 1];
	struct db_stmt *st = NULL;
	int64_t nstart = 0, nend = 0;
	bool began, whole, intact = false;
	int r, rc = -1;

	memset(&v, 0, sizeof(v));
	if (read_begin(a, &began) == -1)
		return -1;
	if (verify_chain(a, &v, &nstart, &nend, last, &whole) == -1)
		goto out;
	if (whole && verify_head(a, &v, last, &intact) == -1)
		goto out;
	/* The tables are checked against the events only once those are
	 * known good: a cut chain would make every later row look wrong. */
	if (intact && (verify_batches(a, &v, nstart, nend) == -1 || verify_outbox(a, &v) == -1 ||
	    verify_lookup(a, &v) == -1))
		goto out;
	if (hhash != NULL && hrows > 0) {
		if (prep(a, "SELECT hash FROM event WHERE id = ?1", &st) == -1 ||
		    bind_int(a, st, 1, hrows) == -1 || (r = step_row(a, st)) == -1)
			goto out;
		if (r == 0)
			note(&v, hrows,
			     "händelse %lld saknas men fanns i det sparade huvudet (rader har "
			     "tagits bort)",
			     (long long)hrows);
		else if (!col_is(st, 0, hhash))
			note(&v, hrows,
			     "händelse %lld: kontrollsumman stämmer inte med det sparade huvudet "
			     "(kedjan har skrivits om)",
			     (long long)hrows);
	}
	rc = 0;
out:
	db_finalize(st);
	if ((rc = read_end(a, began, rc)) == 0)
		*out = v;
	return rc;
}

int
audit_verify(struct audit *a, struct audit_verify *v)
{
	return verify(a, v, 0, NULL);
}

int
audit_last_data(struct audit *a, const char *forsandelse, const char *kind, char **data)
{
	struct db_stmt *st = NULL;
	int r;

	*data = NULL;
	if (prep(a, "SELECT data FROM event WHERE forsandelse = ?1 AND kind = ?2 "
	        "ORDER BY id DESC LIMIT 1", &st) == -1 ||
	    bind_text(a, st, 1, forsandelse) == -1 || bind_text(a, st, 2, kind) == -1 ||
	    (r = step_row(a, st)) == -1) {
		db_finalize(st);
		return -1;
	}
	if (r == 1 && col_text(st, 0) != NULL)
		*data = xstrdup(col_text(st, 0));
	db_finalize(st);
	return 0;
}

int
audit_find_hash(struct audit *a, const char *hash, int64_t *rows)
{
	struct db_stmt *st = NULL;
	int r;

	*rows = 0;
	if (!valid_hex(hash)) {
		seterr(a, "granskningsloggen: huvudet ska vara en SHA-256 i hex, 64 tecken");
		return -1;
	}
	if (prep(a, "SELECT id FROM event WHERE hash = ?1", &st) == -1 ||
	    bind_text(a, st, 1, hash) == -1 || (r = step_row(a, st)) == -1) {
		db_finalize(st);
		return -1;
	}
	if (r == 1)
		*rows = db_column_int64(st, 0);
	db_finalize(st);
	return 0;
}

/* The caller's function for audit_query. */
struct query_walk {
	int (*fn)(void *arg, const struct audit_row *);
	void *arg;
};

static int
query_row(struct audit *a, struct db_stmt *st, void *arg)
{
	const struct query_walk *w = arg;
	struct audit_row row;

	memset(&row, 0, sizeof(row));
	row.id = db_column_int64(st, 0);
	row.ts = col_text(st, 1);
	row.forsandelse = col_text(st, 2);
	row.data = col_text(st, 3);
	row.state = OUTBOX_NONE;
	if (col_text(st, 4) != NULL && !state_parse(col_text(st, 4), &row.state)) {
		seterr(a, "granskningsloggen %s: en försändelse i utkorgen har ett okänt "
		    "tillstånd", a->path);
		return -1;
	}
	row.reason = col_text(st, 5);
	/* SENT is final: its last update is when it was sent. */
	row.sent = row.state == OUTBOX_SENT ? col_text(st, 6) : NULL;
	if (row.ts == NULL || row.data == NULL)
		return 0;
	return w->fn(w->arg, &row);
}

int
audit_query(struct audit *a, const char *kind, const char *field, const char *value,
    int (*fn)(void *arg, const struct audit_row *), void *arg)
{
	struct query_walk w = {fn, arg};
	const char *params[] = {kind, field, value};
	char *sql;
	int rc;

	if ((field != NULL && value == NULL) || (field != NULL &&
	    strcmp(field, "forsandelse") != 0 && !looked_up(kind, field))) {
		seterr(a, "granskningsloggen: okänd fråga (%s, %s)", kind,
		    field != NULL ? field : "-");
		return -1;
	}
	/* By a field: the lookup table.  By "forsandelse": the column, by a
	 * prefix, one range of its index.  Else every event of the kind. */
	sql = xasprintf("SELECT e.id, e.ts, e.forsandelse, e.data, o.state, o.reason, "
	    "o.updated FROM %s LEFT JOIN outbox o ON o.id = e.forsandelse WHERE e.kind = ?1 "
	    "AND %s ORDER BY e.id", field == NULL || strcmp(field, "forsandelse") == 0 ?
	    "event e" : "lookup l JOIN event e ON e.id = l.event",
	    field == NULL ? "CAST(?2 AS TEXT) IS NULL AND CAST(?3 AS TEXT) IS NULL" :
	    strcmp(field, "forsandelse") == 0 ?
	    "?2 IS NOT NULL AND e.forsandelse >= ?3 AND e.forsandelse < ?3 || '~'" :
	    "l.kind = ?1 AND l.field = ?2 AND l.value = ?3");
	rc = select_each(a, sql, params, 3, query_row, &w);
	free(sql);
	return rc;
}

int
audit_verify_head(struct audit *a, int64_t rows, const char *hash, struct audit_verify *v)
{
	if (rows < 0 ||
	    (rows == 0 ? hash != NULL && strcmp(hash, zero_hash) != 0 : !valid_hex(hash))) {
		seterr(a, "granskningsloggen: det sparade huvudet ska vara ett antal och en "
		          "SHA-256 i hex");
		return -1;
	}
	return verify(a, v, rows, hash);
}

/* ---- export ---- */

static void
tsv_field(FILE *fp, struct db_stmt *st, int i)
{
	struct field f = col_field(st, i);

	if (f.p == NULL)
		fputs("\\N", fp);
	else
		json_tsv(fp, f.p, f.n);
}

/* A column as JSON: null, an integer, or a string. */
static void
json_col(FILE *fp, struct db_stmt *st, int i)
{
	switch (db_column_type(st, i)) {
	case DB_NULL:
		fputs("null", fp);
		break;
	case DB_INTEGER:
		fprintf(fp, "%lld", (long long)db_column_int64(st, i));
		break;
	default:
		json_string(fp, col_text(st, i));
	}
}

int
audit_export(struct audit *a, const char *since, bool json, FILE *fp)
{
	static const char *const names[] = {"id",          "batch", "ts",        "kind",
	                                    "forsandelse", "data",  "prev_hash", "hash"};
	struct db_stmt *st = NULL;
	char head[HEX_LEN + 1];
	int64_t rows, n = 0;
	bool began;
	int i, r, rc = -1;

	if (since != NULL && !audit_since_valid(since)) {
		seterr(a, "granskningsloggen: --since ska vara ett datum som 2026-11-20");
		return -1;
	}
	if (read_begin(a, &began) == -1)
		return -1;
	if (head_read(a, &rows, head) == -1)
		goto out;
	if (prep(a,
	         "SELECT id, batch, ts, kind, forsandelse, data, prev_hash, hash FROM event "
	         "WHERE CAST(?1 AS TEXT) IS NULL OR ts >= ?1 ORDER BY id",
	         &st) == -1 ||
	    bind_text(a, st, 1, since) == -1)
		goto out;
	if (json)
		fputs("{\"events\": [", fp);
	else {
		for (i = 0; i < 8; i++)
			fprintf(fp, "%s%s", i > 0 ? "\t" : "", names[i]);
		putc('\n', fp);
	}
	while ((r = step_row(a, st)) == 1) {
		if (json) {
			fputs(n > 0 ? ",\n  {" : "\n  {", fp);
			for (i = 0; i < 8; i++) {
				fprintf(fp, "%s\"%s\": ", i > 0 ? ", " : "", names[i]);
				json_col(fp, st, i);
			}
			putc('}', fp);
		} else {
			for (i = 0; i < 8; i++) {
				if (i > 0)
					putc('\t', fp);
				tsv_field(fp, st, i);
			}
			putc('\n', fp);
		}
		n++;
	}
	if (r == -1)
		goto out;
	if (json)
		fprintf(fp, "%s],\n\"head\": {\"rows\": %lld, \"hash\": \"%s\"}}\n",
		        n > 0 ? "\n" : "", (long long)rows, head);
	else
		fprintf(fp, "# head: rows=%lld hash=%s\n", (long long)rows, head);
	if (fflush(fp) != 0 || ferror(fp)) {
		seterr(a, "granskningsloggen: kan inte skriva exporten: %s", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	db_finalize(st);
	return read_end(a, began, rc);
}

