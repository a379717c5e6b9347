/*
 * audit_outbox.c -- the outbox (audit.h): the state of every försändelse
 * (pending, sending, sent, held, failed), each change logged as a "state"
 * event in the same transaction, and the claims that let several workers
 * share one log.
 *
 * SENT is final and is reached only from SENDING: what was handed over is
 * never handed over again.
 */
#include <stdlib.h>
#include <string.h>

#include "audit_impl.h"
#include "json.h"
#include "xmalloc.h"

static const char *const state_names[] = {
    [OUTBOX_NONE] = "none", [OUTBOX_PENDING] = "pending", [OUTBOX_SENDING] = "sending",
    [OUTBOX_SENT] = "sent", [OUTBOX_HELD] = "held",       [OUTBOX_FAILED] = "failed",
};

/*
 * The data of a "state" event: the state alone, or with it (the first event
 * of a försändelse, written by outbox_add) the fixed fields of the item.
 * verify rebuilds it from the outbox row.
 */
char *
state_json(const struct outbox_item *it, const char *state, int64_t attempts, const char *reason)
{
	char *p;
	size_t n;
	FILE *fp;

	if ((fp = mem_open(&p, &n)) == NULL)
		return NULL;
	fputs("{\"state\":", fp);
	json_string(fp, state);
	fprintf(fp, ",\"attempts\":%lld,\"reason\":", (long long)attempts);
	json_string(fp, reason);
	if (it != NULL) {
		json_member(fp, 0, "session_digest", it->session_digest);
		fprintf(fp, ",\"paragraf\":%ld", it->paragraf);
		json_member(fp, 0, "recipient", it->recipient);
		json_member(fp, 0, "route", it->route);
		json_member(fp, 0, "sha256", it->sha256);
	}
	putc('}', fp);
	return mem_close(fp, &p);
}

bool
state_parse(const char *s, enum outbox_state *out)
{
	int i;

	for (i = OUTBOX_PENDING; s != NULL && i <= OUTBOX_FAILED; i++) {
		if (strcmp(s, state_names[i]) == 0) {
			*out = (enum outbox_state)i;
			return true;
		}
	}
	return false;
}

const char *
outbox_state_name(enum outbox_state s)
{
	if ((int)s < OUTBOX_NONE || (int)s > OUTBOX_FAILED)
		return "?";
	return state_names[s];
}

int
outbox_claim(struct audit *a, const char *key)
{
	int r;

	if (!valid_text(key, AUDIT_MAX_FIELD) || key[0] == '\0') {
		seterr(a, "granskningsloggen: försändelsen saknar nyckel");
		return -1;
	}
	if ((r = db_claim(a->db, key)) == -1) {
		sqlfail(a);
		if (db_storage_error(a->db))
			a->failed = true;
	}
	return r;
}

int
outbox_claims_renew(struct audit *a)
{
	if (db_claims_renew(a->db) == -1) {
		sqlfail(a);
		a->failed = true;
		return -1;
	}
	return 0;
}

/* ---- outbox ---- */

int
outbox_get(struct audit *a, const char *id, enum outbox_state *state, int *attempts)
{
	struct db_stmt *st = NULL;
	enum outbox_state s = OUTBOX_NONE;
	int r, n = 0, rc = -1;

	if (!valid_text(id, AUDIT_MAX_FIELD)) {
		seterr(a, "granskningsloggen: försändelsen saknar id");
		return -1;
	}
	if (prep(a, "SELECT state, attempts FROM outbox WHERE id = ?1", &st) == -1 ||
	    bind_text(a, st, 1, id) == -1 || (r = step_row(a, st)) == -1)
		goto out;
	if (r == 1) {
		if (!state_parse(col_text(st, 0), &s)) {
			seterr(a, "granskningsloggen %s: försändelse %.64s har ett okänt tillstånd",
			       a->path, id);
			goto out;
		}
		n = (int)db_column_int64(st, 1);
	}
	*state = s;
	if (attempts != NULL)
		*attempts = n;
	rc = 0;
out:
	db_finalize(st);
	return rc;
}

int
outbox_add(struct audit *a, int64_t batch, const struct outbox_item *it, enum outbox_state *state)
{
	struct db_stmt *st = NULL;
	enum outbox_state s = OUTBOX_PENDING;
	char ts[TS_LEN + 1], *json = NULL;
	int r, rc = -1;

	if (it == NULL || !valid_text(it->id, AUDIT_MAX_FIELD) || it->id[0] == '\0' ||
	    !valid_text(it->recipient, AUDIT_MAX_FIELD) ||
	    !valid_text(it->route, AUDIT_MAX_FIELD) ||
	    (it->session_digest != NULL && !valid_text(it->session_digest, AUDIT_MAX_FIELD)) ||
	    !valid_hex(it->sha256)) {
		seterr(a, "granskningsloggen: försändelsen saknar id, mottagare, väg eller "
		          "SHA-256 i hex");
		return -1;
	}
	if (tx_begin(a) == -1)
		return -1;
	if (batch == 0) {
		seterr(a, "granskningsloggen: en försändelse hör alltid till en körning");
		goto out;
	}
	if (batch_known(a, batch) == -1)
		goto out;
	if (now_ts(a, ts) == -1)
		goto out;
	if (prep(a,
	         "INSERT INTO outbox (id, batch, session_digest, paragraf, recipient, route, "
	         "sha256, state, attempts, reason, updated) "
	         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'pending', 0, NULL, ?8) "
	         "ON CONFLICT (id) DO NOTHING",
	         &st) == -1 ||
	    bind_text(a, st, 1, it->id) == -1 || bind_int(a, st, 2, batch) == -1 ||
	    bind_text(a, st, 3, it->session_digest) == -1 ||
	    bind_int(a, st, 4, it->paragraf) == -1 || bind_text(a, st, 5, it->recipient) == -1 ||
	    bind_text(a, st, 6, it->route) == -1 || bind_text(a, st, 7, it->sha256) == -1 ||
	    bind_text(a, st, 8, ts) == -1 || step_done(a, st) == -1)
		goto out;
	if (db_changes(a->db) == 1) {
		if ((json = state_json(it, "pending", 0, NULL)) == NULL) {
			seterr(a, "granskningsloggen: slut på minne");
			goto out;
		}
		rc = append(a, batch, ts, "state", it->id, json);
		goto out;
	}

	/* There already: the same försändelse, or a caller's id that collides. */
	db_finalize(st);
	if (prep(a, "SELECT state, paragraf, recipient, sha256 FROM outbox WHERE id = ?1", &st) ==
	        -1 ||
	    bind_text(a, st, 1, it->id) == -1 || (r = step_row(a, st)) == -1)
		goto out;
	if (r == 0 || !state_parse(col_text(st, 0), &s)) {
		seterr(a, "granskningsloggen %s: försändelse %.64s har ett okänt tillstånd",
		       a->path, it->id);
		goto out;
	}
	if (db_column_int64(st, 1) != it->paragraf || !col_is(st, 2, it->recipient) ||
	    !col_is(st, 3, it->sha256)) {
		seterr(a,
		       "granskningsloggen: försändelse %.64s finns redan med en annan paragraf, "
		       "mottagare eller ett annat dokument",
		       it->id);
		goto out;
	}
	rc = 0;
out:
	db_finalize(st);
	free(json);
	if ((rc = tx_end(a, rc)) == 0)
		*state = s;
	return rc;
}

int
outbox_set(struct audit *a, int64_t batch, const char *id, enum outbox_state to, const char *reason)
{
	struct db_stmt *st = NULL;
	enum outbox_state from;
	char ts[TS_LEN + 1], *json = NULL;
	int64_t attempts;
	int r, rc = -1;

	if (!valid_text(id, AUDIT_MAX_FIELD) || (int)to < OUTBOX_PENDING ||
	    (int)to > OUTBOX_FAILED || (reason != NULL && !valid_text(reason, AUDIT_MAX_FIELD))) {
		seterr(a, "granskningsloggen: ogiltigt tillstånd för försändelsen");
		return -1;
	}
	if (tx_begin(a) == -1)
		return -1;
	if (prep(a, "SELECT state, attempts FROM outbox WHERE id = ?1", &st) == -1 ||
	    bind_text(a, st, 1, id) == -1 || (r = step_row(a, st)) == -1)
		goto out;
	if (r == 0) {
		seterr(a, "granskningsloggen: försändelse %.64s finns inte i utkorgen", id);
		goto out;
	}
	if (!state_parse(col_text(st, 0), &from)) {
		seterr(a, "granskningsloggen %s: försändelse %.64s har ett okänt tillstånd",
		       a->path, id);
		goto out;
	}
	attempts = db_column_int64(st, 1) + (to == OUTBOX_SENDING);
	db_finalize(st);
	st = NULL;
	if (from == OUTBOX_SENT) {
		seterr(a, "granskningsloggen: försändelse %.64s är redan skickad och blir inte %s",
		       id, state_names[to]);
		goto out;
	}
	if (to == OUTBOX_SENT && from != OUTBOX_SENDING) {
		seterr(
		    a,
		    "granskningsloggen: försändelse %.64s kan inte bli skickad utan att först ha "
		    "lämnats över (den är %s)",
		    id, state_names[from]);
		goto out;
	}
	if (now_ts(a, ts) == -1)
		goto out;
	if (prep(a,
	         "UPDATE outbox SET state = ?1, attempts = ?2, reason = ?3, updated = ?4 "
	         "WHERE id = ?5",
	         &st) == -1 ||
	    bind_text(a, st, 1, state_names[to]) == -1 || bind_int(a, st, 2, attempts) == -1 ||
	    bind_text(a, st, 3, reason) == -1 || bind_text(a, st, 4, ts) == -1 ||
	    bind_text(a, st, 5, id) == -1 || step_done(a, st) == -1)
		goto out;
	if ((json = state_json(NULL, state_names[to], attempts, reason)) == NULL) {
		seterr(a, "granskningsloggen: slut på minne");
		goto out;
	}
	rc = append(a, batch, ts, "state", id, json);
out:
	db_finalize(st);
	free(json);
	return tx_end(a, rc);
}

int
outbox_admit(struct audit *a, int64_t batch, const struct outbox_item *it,
    const struct audit_note *notes, size_t nnotes, enum outbox_state *state)
{
	size_t i;
	int rc = 0;

	if (it == NULL || !valid_text(it->id, AUDIT_MAX_FIELD)) {
		seterr(a, "granskningsloggen: försändelsen saknar id, mottagare, väg eller "
		          "SHA-256 i hex");
		return -1;
	}
	if (tx_begin(a) == -1)
		return -1;
	for (i = 0; rc == 0 && i < nnotes; i++)
		rc = auditlog_append(a, batch, notes[i].kind, it->id, notes[i].data_json);
	if (rc == 0)
		rc = outbox_add(a, batch, it, state);
	return tx_end(a, rc);
}

int
outbox_set_many(struct audit *a, int64_t batch, const char *const *ids, size_t n,
    enum outbox_state state, const char *reason)
{
	char first[sizeof(a->err)] = "";
	bool open = tx_begin(a) == 0;
	size_t i;
	int rc = 0;

	for (i = 0; i < n; i++) {
		if (ids[i] != NULL && outbox_set(a, batch, ids[i], state, reason) == -1 && rc == 0) {
			rc = -1;
			memcpy(first, a->err, sizeof(first));
		}
		if ((i + 1) % OUTBOX_SET_GROUP == 0 && i + 1 < n) {
			if (open && tx_commit(a) == -1 && rc == 0) {
				rc = -1;
				memcpy(first, a->err, sizeof(first));
			}
			open = tx_begin(a) == 0;
		}
	}
	if (open && tx_commit(a) == -1 && rc == 0) {
		rc = -1;
		memcpy(first, a->err, sizeof(first));
	}
	if (rc == -1)
		memcpy(a->err, first, sizeof(first));
	return rc;
}

/* The caller's function for outbox_select. */
struct outbox_walk {
	int (*fn)(void *arg, const struct outbox_item *, enum outbox_state, int attempts,
	    const char *reason);
	void *arg;
};

static int
outbox_row(struct audit *a, struct db_stmt *st, void *arg)
{
	const struct outbox_walk *w = arg;
	struct outbox_item it;
	enum outbox_state s;

	it.id = col_text(st, 0);
	it.session_digest = col_text(st, 1);
	it.paragraf = (long)db_column_int64(st, 2);
	it.recipient = col_text(st, 3);
	it.route = col_text(st, 4);
	it.sha256 = col_text(st, 5);
	if (it.id == NULL || !state_parse(col_text(st, 6), &s)) {
		seterr(a, "granskningsloggen %s: en försändelse i utkorgen har ett okänt tillstånd",
		    a->path);
		return -1;
	}
	return w->fn(w->arg, &it, s, (int)db_column_int64(st, 7), col_text(st, 8));
}

/* The rows of outbox that where selects (?1, and ?2 when p2 is not NULL), for fn. */
static int
outbox_select(struct audit *a, const char *where, const char *p1, const char *p2,
    int (*fn)(void *arg, const struct outbox_item *, enum outbox_state, int attempts,
        const char *reason),
    void *arg)
{
	struct outbox_walk w = {fn, arg};
	const char *params[] = {p1, p2};
	char *sql = xasprintf("SELECT id, session_digest, paragraf, recipient, route, sha256, "
	    "state, attempts, reason FROM outbox WHERE %s ORDER BY id", where);
	int rc = select_each(a, sql, params, p2 != NULL ? 2 : 1, outbox_row, &w);

	free(sql);
	return rc;
}

int
outbox_list(struct audit *a, const char *digest,
            int (*fn)(void *arg, const struct outbox_item *, enum outbox_state, int attempts,
                      const char *reason),
            void *arg)
{
	return outbox_select(a, "CAST(?1 AS TEXT) IS NULL OR session_digest = ?1", digest, NULL, fn, arg);
}

int
outbox_list_key(struct audit *a, const char *key,
                int (*fn)(void *arg, const struct outbox_item *, enum outbox_state, int attempts,
                          const char *reason),
                void *arg)
{
	/* ids are the key alone or the key, ':' and more: one range of the primary key */
	char *end = xasprintf("%s;", key);
	int rc = outbox_select(a, "id >= ?1 AND id < ?2", key, end, fn, arg);

	free(end);
	return rc;
}

