/*
 * audit.c -- the audit log of SPEC section 7 (audit.h): opening, errors,
 * transactions and groups, the chain (append, head), batches and events.
 * The outbox is audit_outbox.c, verify and export audit_verify.c, the person
 * key audit_key.c; audit_impl.h is what they share.
 *
 * Reads and writes: the database of the [audit] database setting through
 * db.h -- an SQLite file (store_sqlite.c) or a PostgreSQL server (store_pg.c); the
 * logic below is the same for both.  Reads the clock (clock.h), the password
 * database (the user's name) and the host name.  Writes nothing to stderr;
 * errors are Swedish messages for audit_error().
 * Trusts: nothing in the database when verifying.  audit_verify assumes the
 * triggers may have been dropped and any row edited with the sqlite3 or psql tool: it
 * recomputes every hash from the stored columns and checks the batch and
 * outbox tables against the events that wrote them.  Callers are trusted to
 * pass JSON in data and masked personnummer only.
 *
 * The chain.  Event n (ids are 1..N, contiguous) has
 *
 *	hash(n) = hex(SHA-256(F(prev_hash) F(id) F(batch) F(ts) F(kind)
 *	    F(forsandelse) F(data)))
 *
 * where F(NULL) is the byte 0x00 and F(s) is the byte 0x01, the length of s
 * as 8 bytes big-endian, and the bytes of s; id and batch are in decimal, and
 * prev_hash is hash(n-1) in lower-case hex, 64 '0' for the first event.  So
 * the encoding is unambiguous and anyone can recompute it from an export.
 * chain_head holds (N, hash(N)); every append locks it (db_lock_chain: the
 * SQLite write lock, a PostgreSQL row lock) and reads it inside the write
 * transaction, so two processes never fork the chain.
 *
 * Durability: a commit is durable when it returns (db.h).  Each verb commits
 * inside itself; callers that log many decisions open a group (audit.h),
 * which the store commits by its size and at audit_sync, before a hand-over.
 */
#include <sys/types.h>

#include <pwd.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "audit_impl.h"
#include "clock.h"
#include "hook.h"
#include "json.h"
#include "text.h"
#include "xmalloc.h"

/* ---- errors and statements ---- */

/* The database's own message, which names it. */
int
sqlfail(struct audit *a)
{
	seterr(a, "%s", db_errmsg(a->db));
	return -1;
}

int
prep(struct audit *a, const char *sql, struct db_stmt **st)
{
	return db_prepare(a->db, sql, st) == -1 ? sqlfail(a) : 0;
}

int
prep_with(struct audit *a, const char *sql, const char *const *params, int n,
    struct db_stmt **st)
{
	int i;

	if (prep(a, sql, st) == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (bind_text(a, *st, i + 1, params[i]) == -1)
			return -1;
	return 0;
}

/* s NULL binds SQL NULL. */
int
bind_text(struct audit *a, struct db_stmt *st, int i, const char *s)
{
	return db_bind_text(st, i, s) == -1 ? sqlfail(a) : 0;
}

int
bind_int(struct audit *a, struct db_stmt *st, int i, int64_t v)
{
	return db_bind_int(st, i, v) == -1 ? sqlfail(a) : 0;
}

/* A batch of 0 is no batch: SQL NULL. */
static int
bind_batch(struct audit *a, struct db_stmt *st, int i, int64_t batch)
{
	if (batch == 0)
		return db_bind_null(st, i) == -1 ? sqlfail(a) : 0;
	return bind_int(a, st, i, batch);
}

int
step_done(struct audit *a, struct db_stmt *st)
{
	int r = db_step(st);

	if (r == -1)
		return sqlfail(a);
	return 0;
}

/* db_step_later: an INSERT whose error may surface at the next statement. */
static int
step_later(struct audit *a, struct db_stmt *st)
{
	return db_step_later(st) == -1 ? sqlfail(a) : 0;
}

/* 1: a row, 0: no more rows, -1: error. */
int
step_row(struct audit *a, struct db_stmt *st)
{
	int r = db_step(st);

	return r == -1 ? sqlfail(a) : r;
}

const char *
col_text(struct db_stmt *st, int i)
{
	return db_column_text(st, i);
}

/* A column as hash input, exactly as stored. */
struct field
col_field(struct db_stmt *st, int i)
{
	struct field f = {NULL, 0};

	if (db_column_type(st, i) == DB_NULL)
		return f;
	f.p = col_text(st, i);
	f.n = db_column_bytes(st, i);
	if (f.p == NULL) {
		f.p = "";
		f.n = 0;
	}
	return f;
}

/* Whether column i holds exactly s (s NULL: SQL NULL). */
bool
col_is(struct db_stmt *st, int i, const char *s)
{
	struct field f = col_field(st, i);

	if (f.p == NULL || s == NULL)
		return f.p == NULL && s == NULL;
	return f.n == strlen(s) && memcmp(f.p, s, f.n) == 0;
}

/* ---- checks of what callers pass ---- */

bool
valid_text(const char *s, size_t max)
{
	return s != NULL && strnlen(s, max + 1) <= max;
}

static bool
valid_kind(const char *s)
{
	size_t i;

	if (s == NULL || s[0] < 'a' || s[0] > 'z')
		return false;
	for (i = 0; s[i] != '\0'; i++)
		if (i >= AUDIT_MAX_KIND || !((s[i] >= 'a' && s[i] <= 'z') || s[i] == '-'))
			return false;
	return true;
}

bool
valid_hex(const char *s)
{
	unsigned char b[HEX_LEN / 2];

	return s != NULL && strnlen(s, HEX_LEN + 1) == HEX_LEN && text_unhex(s, b, sizeof(b)) == 0;
}

/* Now in UTC (clock.h); the test clock when it is set. */
int
now_ts(struct audit *a, char ts[TS_LEN + 1])
{
	const char *fixed;

	if (clock_utc(ts) == 0)
		return 0;
	if ((fixed = test_hook("EXPEDIERA_AUDIT_NOW")) != NULL && fixed[0] != '\0')
		seterr(a, "EXPEDIERA_AUDIT_NOW ska ha formen 2026-11-20T10:00:00Z");
	else
		seterr(a, "granskningsloggen: kan inte läsa klockan");
	return -1;
}

/* ---- hashing and the canonical JSON of what the tables hold ---- */

int
chain_hash(const struct field *f, size_t nf, char out[HEX_LEN + 1])
{
	EVP_MD_CTX *ctx;
	unsigned char md[EVP_MAX_MD_SIZE], hdr[9];
	unsigned int mdlen = 0;
	size_t i, hl;
	int k, rc = -1;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return -1;
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		goto out;
	for (i = 0; i < nf; i++) {
		hdr[0] = f[i].p != NULL;
		hl = 1;
		if (f[i].p != NULL) {
			for (k = 0; k < 8; k++)
				hdr[1 + k] = (unsigned char)((uint64_t)f[i].n >> (56 - 8 * k));
			hl = 9;
		}
		if (EVP_DigestUpdate(ctx, hdr, hl) != 1)
			goto out;
		if (f[i].p != NULL && f[i].n > 0 && EVP_DigestUpdate(ctx, f[i].p, f[i].n) != 1)
			goto out;
	}
	if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen != 32)
		goto out;
	text_hex(md, 32, out);
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

/* Opens a string builder; json_string() is the one place that escapes. */
FILE *
mem_open(char **p, size_t *n)
{
	*p = NULL;
	*n = 0;
	return open_memstream(p, n);
}

/* Closes it; the string, or NULL when memory ran out. */
char *
mem_close(FILE *fp, char *const *p)
{
	bool bad = ferror(fp) != 0;

	if (fclose(fp) != 0 || bad) {
		free(*p);
		return NULL;
	}
	return *p;
}

/* The data of a "batch" event, rebuilt by verify from the batch row. */
char *
batch_json(const char *command, const char *session, const char *digest, const char *user,
           const char *host)
{
	static const char *const keys[] = {"command", "session", "session_digest", "user", "host"};
	const char *values[] = {command, session, digest, user, host};
	char *p;
	size_t n, i;
	FILE *fp;

	if ((fp = mem_open(&p, &n)) == NULL)
		return NULL;
	putc('{', fp);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		json_member(fp, i == 0, keys[i], values[i]);
	putc('}', fp);
	return mem_close(fp, &p);
}

const char *
audit_error(const struct audit *a)
{
	return a == NULL ? "" : a->err;
}

/* ---- opening ---- */

struct audit *
audit_open(const char *path, char *err, size_t errlen)
{
	struct audit *a;

	if ((a = xcalloc(1, sizeof(*a)))->db = db_open(path, err, errlen), a->db == NULL) {
		free(a);
		return NULL;
	}
	a->path = xstrdup(db_name(a->db));
	return a;
}

void
audit_close(struct audit *a)
{
	if (a == NULL)
		return;
	db_close(a->db); /* rolls back what is open, releases the run lock */
	OPENSSL_cleanse(a->key, sizeof(a->key));
	free(a->path);
	free(a);
}

int
audit_lock_run(struct audit *a, FILE *wait_msg)
{
	if (db_lock_run(a->db, wait_msg) == -1)
		return sqlfail(a);
	return 0;
}

size_t
audit_group_size(const struct audit *a)
{
	/* A PostgreSQL transaction holds the chain head's lock from its first
	 * append: other workers wait for it, so it stays short. */
	return (db_supports(a->db) & STORE_GROUP) != 0 ? 256 : 1;
}

void
audit_set_lease(struct audit *a, int seconds)
{
	db_set_lease(a->db, seconds);
}

bool
audit_exists(const char *target)
{
	return db_target_exists(target);
}

bool
audit_shared(const char *target)
{
	return (db_target_supports(target) & STORE_SHARED) != 0;
}

bool
audit_failed(const struct audit *a)
{
	return a->failed;
}

/* ---- transactions ---- */

int
tx_begin(struct audit *a)
{
	if (a->depth > 0 && db_tx_broken(a->db)) {
		seterr(a, "granskningsloggen %s: transaktionen har redan avbrutits", a->path);
		a->failed = true;
		return -1;
	}
	if ((a->depth == 0 ? db_begin(a->db, true) : db_tx(a->db, DB_SAVEPOINT)) == -1) {
		sqlfail(a);
		a->failed = true;
		return -1;
	}
	a->depth++;
	return 0;
}

/* Closes one level: -1 when none is open.  A group closed under it is gone. */
static int
level_close(struct audit *a)
{
	if (a->depth == 0) {
		seterr(a, "granskningsloggen %s: ingen transaktion är öppen", a->path);
		return -1;
	}
	a->depth--;
	if (a->depth < a->group)
		a->group = 0;
	return 0;
}

int
tx_commit(struct audit *a)
{
	if (level_close(a) == -1)
		return -1;
	if (!db_in_tx(a->db)) {
		a->known_batch = 0;
		/* The database rolled the whole transaction back after an error. */
		seterr(a, "granskningsloggen %s: transaktionen har avbrutits; inget sparades",
		       a->path);
		a->failed = true;
		return -1;
	}
	if (a->depth > 0) {
		if (db_tx(a->db, DB_RELEASE) == -1) {
			a->known_batch = 0;
			sqlfail(a);
			(void)db_tx(a->db, DB_ROLLBACK_TO);
			a->failed = true;
			return -1;
		}
		return 0;
	}
	if (db_tx(a->db, DB_COMMIT) == -1) {
		a->known_batch = 0;
		sqlfail(a);
		if (db_in_tx(a->db))
			(void)db_tx(a->db, DB_ROLLBACK);
		a->failed = true;
		return -1;
	}
	return 0;
}

static int
tx_rollback(struct audit *a)
{
	int rc = 0;

	if (level_close(a) == -1)
		return -1;
	a->known_batch = 0;
	if (db_in_tx(a->db) &&
	    (a->depth > 0 ? db_tx(a->db, DB_ROLLBACK_TO) : db_tx(a->db, DB_ROLLBACK)) == -1)
		rc = sqlfail(a);
	return rc;
}

/* Ends the transaction a write function opened; keeps the first error. */
int
tx_end(struct audit *a, int rc)
{
	char saved[sizeof(a->err)];

	if (rc == 0)
		return tx_commit(a);
	/* A write the storage refused is not a bad argument: nothing later in
	 * the run may rely on the log. */
	if (db_storage_error(a->db))
		a->failed = true;
	memcpy(saved, a->err, sizeof(saved));
	(void)tx_rollback(a);
	memcpy(a->err, saved, sizeof(saved));
	return -1;
}

/* ---- groups ---- */

int
audit_group_begin(struct audit *a)
{
	if (a->group != 0) {
		seterr(a, "granskningsloggen %s: en grupp är redan öppen", a->path);
		return -1;
	}
	if (tx_begin(a) == -1)
		return -1;
	a->group = a->depth;
	a->units = 0;
	return 0;
}

int
audit_group_end(struct audit *a)
{
	if (a->group == 0 || a->depth != a->group) {
		seterr(a, "granskningsloggen %s: ingen grupp är öppen", a->path);
		return -1;
	}
	a->group = 0;
	return tx_commit(a);
}

/*
 * Commits the open group and opens the next, also when the commit failed
 * (audit_failed() then says so): 0 when what it held is durable.
 */
static int
group_flush(struct audit *a)
{
	int rc = audit_group_end(a);

	if (audit_group_begin(a) == -1)
		rc = -1;
	return rc;
}

int
audit_group_next(struct audit *a)
{
	if (a->group == 0 || ++a->units < audit_group_size(a))
		return 0;
	return group_flush(a);
}

int
audit_sync(struct audit *a)
{
	if (a->group != 0 && group_flush(a) == -1)
		return -1;
	if (a->failed)
		return -1;
	return outbox_claims_renew(a);
}

/* Readers see one snapshot: verify and export must not mix two states. */
int
read_begin(struct audit *a, bool *began)
{
	*began = false;
	/* Inside a write, or inside another read (a walk that asks more): one snapshot. */
	if (a->depth > 0 || db_in_tx(a->db))
		return 0;
	if (db_begin(a->db, false) == -1)
		return sqlfail(a);
	*began = true;
	return 0;
}

int
read_end(struct audit *a, bool began, int rc)
{
	if (began && db_tx(a->db, DB_ROLLBACK) == -1 && rc == 0)
		return sqlfail(a);
	return rc;
}

int
select_each(struct audit *a, const char *sql, const char *const *params, int n,
    int (*each)(struct audit *, struct db_stmt *, void *), void *arg)
{
	struct db_stmt *st = NULL;
	bool began;
	int r = -1, rc = -1;

	if (read_begin(a, &began) == -1)
		return -1;
	if (prep_with(a, sql, params, n, &st) == -1)
		goto out;
	while ((r = step_row(a, st)) == 1)
		if ((r = each(a, st, arg)) != 0) {
			rc = r;
			goto out;
		}
	if (r == 0)
		rc = 0;
out:
	db_finalize(st);
	return read_end(a, began, rc);
}

/* The kinds and fields the lookup table holds (migration 2), written by append(). */
const struct lookup_field lookup_fields[N_LOOKUP_FIELDS] = {
    {"route", "pkey"}, {"route", "bas"}, {"route", "ident"}, {"route", "galler"},
    {"rattelse", "pkey"}, {"retur", "bas"},
};

bool
looked_up(const char *kind, const char *field)
{
	size_t i;

	for (i = 0; i < N_LOOKUP_FIELDS; i++)
		if (strcmp(lookup_fields[i].kind, kind) == 0 &&
		    (field == NULL || strcmp(lookup_fields[i].field, field) == 0))
			return true;
	return false;
}

/* The lookup rows of one event just appended. */
static int
lookup_add(struct audit *a, int64_t id, const char *kind, const char *data)
{
	struct db_stmt *st = NULL;
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < N_LOOKUP_FIELDS; i++) {
		char *v;

		if (strcmp(lookup_fields[i].kind, kind) != 0)
			continue;
		if ((v = json_field(data, lookup_fields[i].field)) == NULL || v[0] == '\0') {
			free(v);
			continue;
		}
		if (prep(a, "INSERT INTO lookup (kind, field, value, event) VALUES (?1, ?2, ?3, ?4)",
		        &st) == -1 || bind_text(a, st, 1, kind) == -1 ||
		    bind_text(a, st, 2, lookup_fields[i].field) == -1 ||
		    bind_text(a, st, 3, v) == -1 || bind_int(a, st, 4, id) == -1 ||
		    step_later(a, st) == -1)
			rc = -1;
		db_finalize(st);
		st = NULL;
		free(v);
	}
	return rc;
}

/* ---- the chain ---- */

/*
 * Whether the row step gave (r: step_row's 1 or 0) holds a chain head in
 * its first two columns: rows and hash.  Says so in Swedish when not.
 */
static bool
head_ok(struct audit *a, struct db_stmt *st, int r)
{
	if (r == 1 && db_column_int64(st, 0) >= 0 && valid_hex(col_text(st, 1)))
		return true;
	seterr(a, "granskningsloggen %s är skadad: kedjans huvud saknas; kör expediera audit "
	    "verify", a->path);
	return false;
}

int
head_read(struct audit *a, int64_t *rows, char hash[HEX_LEN + 1])
{
	struct db_stmt *st = NULL;
	int r, rc = -1;

	if (prep(a, "SELECT rows, hash FROM chain_head WHERE one = 1", &st) == -1 ||
	    (r = step_row(a, st)) == -1)
		goto out;
	if (!head_ok(a, st, r))
		goto out;
	*rows = db_column_int64(st, 0);
	memcpy(hash, col_text(st, 1), HEX_LEN + 1);
	rc = 0;
out:
	db_finalize(st);
	return rc;
}

/*
 * Batch 0 is none; any other must exist.  Said here in Swedish, before
 * SQLite's foreign key says it in English.
 */
int
batch_known(struct audit *a, int64_t batch)
{
	struct db_stmt *st = NULL;
	int r = -1;

	if (batch == 0 || batch == a->known_batch)
		return 0;
	if (prep(a, "SELECT 1 FROM batch WHERE id = ?1", &st) == -1 ||
	    bind_int(a, st, 1, batch) == -1 || (r = step_row(a, st)) == -1) {
		db_finalize(st);
		return -1;
	}
	db_finalize(st);
	if (r == 0) {
		seterr(a, "granskningsloggen: körning %lld finns inte", (long long)batch);
		return -1;
	}
	/* Batches are never deleted; one inserted in a transaction that is
	 * rolled back is forgotten with it (tx_rollback, tx_commit). */
	a->known_batch = batch;
	return 0;
}

/*
 * Appends one event; the caller holds a write transaction.  The head is read
 * inside it, and must name the last row: a chain whose end was cut or forged
 * is never extended, so the damage stays where verify will point at it.
 */
int
append(struct audit *a, int64_t batch, const char *ts, const char *kind, const char *fs,
       const char *data)
{
	struct db_stmt *st = NULL;
	char prev[HEX_LEN + 1], hash[HEX_LEN + 1], idbuf[24], batchbuf[24];
	struct field f[7];
	int64_t rows;
	int r, rc = -1;

	if (batch_known(a, batch) == -1)
		goto out;
	if (db_lock_chain(a->db) == -1) {
		sqlfail(a);
		goto out;
	}
	/* The head and the last event in one statement (one snapshot, taken
	 * after the lock): a round trip less on PostgreSQL. */
	if (prep(a, "SELECT h.rows, h.hash, (SELECT id FROM event ORDER BY id DESC LIMIT 1), "
	         "(SELECT hash FROM event ORDER BY id DESC LIMIT 1) FROM chain_head h "
	         "WHERE h.one = 1", &st) == -1 ||
	    (r = step_row(a, st)) == -1)
		goto out;
	if (!head_ok(a, st, r))
		goto out;
	rows = db_column_int64(st, 0);
	memcpy(prev, col_text(st, 1), HEX_LEN + 1);
	if (db_column_type(st, 2) == DB_NULL ? rows != 0 :
	    (db_column_int64(st, 2) != rows || !col_is(st, 3, prev))) {
		seterr(a,
		       "granskningsloggen %s är skadad: sista händelsen stämmer inte med kedjans "
		       "huvud; kör expediera audit verify",
		       a->path);
		goto out;
	}
	db_finalize(st);
	st = NULL;

	snprintf(idbuf, sizeof(idbuf), "%lld", (long long)(rows + 1));
	snprintf(batchbuf, sizeof(batchbuf), "%lld", (long long)batch);
	f[0] = (struct field){prev, HEX_LEN};
	f[1] = (struct field){idbuf, strlen(idbuf)};
	f[2] = (struct field){batch != 0 ? batchbuf : NULL, batch != 0 ? strlen(batchbuf) : 0};
	f[3] = (struct field){ts, strlen(ts)};
	f[4] = (struct field){kind, strlen(kind)};
	f[5] = (struct field){fs, fs != NULL ? strlen(fs) : 0};
	f[6] = (struct field){data, strlen(data)};
	if (chain_hash(f, 7, hash) == -1) {
		seterr(a, "granskningsloggen: kan inte räkna SHA-256");
		goto out;
	}
	if (prep(a,
	         "INSERT INTO event (id, batch, ts, kind, forsandelse, data, prev_hash, hash) "
	         "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	         &st) == -1 ||
	    bind_int(a, st, 1, rows + 1) == -1 || bind_batch(a, st, 2, batch) == -1 ||
	    bind_text(a, st, 3, ts) == -1 || bind_text(a, st, 4, kind) == -1 ||
	    bind_text(a, st, 5, fs) == -1 || bind_text(a, st, 6, data) == -1 ||
	    bind_text(a, st, 7, prev) == -1 || bind_text(a, st, 8, hash) == -1 ||
	    step_later(a, st) == -1)
		goto out;
	db_finalize(st);
	st = NULL;
	if (looked_up(kind, NULL) && lookup_add(a, rows + 1, kind, data) == -1)
		goto out;
	/* Last, stepped now: on PostgreSQL the INSERTs above travel with it, and
	 * an error of theirs is this one's, so nothing of this event is left
	 * unchecked when append returns. */
	if (prep(a, "UPDATE chain_head SET rows = ?1, hash = ?2 WHERE one = 1", &st) == -1 ||
	    bind_int(a, st, 1, rows + 1) == -1 || bind_text(a, st, 2, hash) == -1 ||
	    step_done(a, st) == -1)
		goto out;
	if (db_changes(a->db) != 1) {
		seterr(a, "granskningsloggen %s: kan inte flytta kedjans huvud", a->path);
		goto out;
	}
	rc = 0;
out:
	db_finalize(st);
	return rc;
}

int
audit_head(struct audit *a, int64_t *rows, char hash[65])
{
	char h[HEX_LEN + 1];
	int64_t n;

	if (head_read(a, &n, h) == -1)
		return -1;
	*rows = n;
	memcpy(hash, h, sizeof(h));
	return 0;
}

/* ---- batches and events ---- */

int
audit_batch_begin(struct audit *a, const struct audit_batch *b, int64_t *id)
{
	struct db_stmt *st = NULL;
	struct passwd *pw;
	char ts[TS_LEN + 1], hostbuf[256];
	char *user = NULL, *host = NULL, *json = NULL;
	int64_t bid = 0;
	int rc = -1;

	if (b == NULL || !valid_text(b->command, AUDIT_MAX_FIELD) ||
	    (b->session != NULL && !valid_text(b->session, AUDIT_MAX_FIELD)) ||
	    (b->session_digest != NULL && !valid_text(b->session_digest, AUDIT_MAX_FIELD)) ||
	    (b->user != NULL && !valid_text(b->user, AUDIT_MAX_FIELD)) ||
	    (b->host != NULL && !valid_text(b->host, AUDIT_MAX_FIELD))) {
		seterr(a, "granskningsloggen: ofullständig eller för lång körning");
		return -1;
	}
	if (b->user != NULL)
		user = xstrdup(b->user);
	else if ((pw = getpwuid(geteuid())) != NULL && pw->pw_name != NULL &&
	         pw->pw_name[0] != '\0' && strlen(pw->pw_name) <= AUDIT_MAX_FIELD)
		user = xstrdup(pw->pw_name);
	else
		user = xasprintf("uid %lu", (unsigned long)geteuid());
	if (b->host != NULL)
		host = xstrdup(b->host);
	else if (gethostname(hostbuf, sizeof(hostbuf)) == 0 && hostbuf[0] != '\0') {
		hostbuf[sizeof(hostbuf) - 1] = '\0';
		host = xstrdup(hostbuf);
	} else
		host = xstrdup("okänd");

	if (tx_begin(a) == -1)
		goto done;
	if (now_ts(a, ts) == -1)
		goto out;
	/* The chain first: batch ids then grow in the order of their events,
	 * also when several workers begin at once. */
	if (db_lock_chain(a->db) == -1) {
		sqlfail(a);
		goto out;
	}
	if (prep(a,
	         "INSERT INTO batch (started, command, session, session_digest, \"user\", host) "
	         "VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
	         &st) == -1 ||
	    bind_text(a, st, 1, ts) == -1 || bind_text(a, st, 2, b->command) == -1 ||
	    bind_text(a, st, 3, b->session) == -1 || bind_text(a, st, 4, b->session_digest) == -1 ||
	    bind_text(a, st, 5, user) == -1 || bind_text(a, st, 6, host) == -1 ||
	    step_row(a, st) != 1)
		goto out;
	bid = db_column_int64(st, 0);
	if (step_done(a, st) == -1)
		goto out;
	if ((json = batch_json(b->command, b->session, b->session_digest, user, host)) == NULL) {
		seterr(a, "granskningsloggen: slut på minne");
		goto out;
	}
	if (append(a, bid, ts, "batch", NULL, json) == -1)
		goto out;
	rc = 0;
out:
	db_finalize(st);
	if ((rc = tx_end(a, rc)) == 0)
		*id = bid;
done:
	free(json);
	free(user);
	free(host);
	return rc;
}

int
audit_batch_end(struct audit *a, int64_t batch, const char *summary_json)
{
	struct db_stmt *st = NULL;
	char ts[TS_LEN + 1];
	int rc = -1;

	if (summary_json == NULL)
		summary_json = "{}";
	if (!valid_text(summary_json, AUDIT_MAX_DATA)) {
		seterr(a, "granskningsloggen: sammanfattningen är större än 1 MiB");
		return -1;
	}
	if (tx_begin(a) == -1)
		return -1;
	if (now_ts(a, ts) == -1)
		goto out;
	if (prep(a, "UPDATE batch SET ended = ?1 WHERE id = ?2 AND ended IS NULL", &st) == -1 ||
	    bind_text(a, st, 1, ts) == -1 || bind_int(a, st, 2, batch) == -1 ||
	    step_done(a, st) == -1)
		goto out;
	if (db_changes(a->db) != 1) {
		seterr(a, "granskningsloggen: körning %lld finns inte eller är redan avslutad",
		       (long long)batch);
		goto out;
	}
	rc = append(a, batch, ts, "batch-end", NULL, summary_json);
out:
	db_finalize(st);
	return tx_end(a, rc);
}

int
auditlog_append(struct audit *a, int64_t batch, const char *kind, const char *forsandelse,
    const char *data_json)
{
	char ts[TS_LEN + 1];
	int rc;

	if (!valid_kind(kind) || strcmp(kind, "batch") == 0 || strcmp(kind, "batch-end") == 0 ||
	    strcmp(kind, "state") == 0) {
		seterr(a, "granskningsloggen: otillåten händelsetyp \"%.32s\"",
		       kind != NULL ? kind : "");
		return -1;
	}
	if ((forsandelse != NULL && !valid_text(forsandelse, AUDIT_MAX_FIELD)) ||
	    !valid_text(data_json, AUDIT_MAX_DATA)) {
		seterr(a, "granskningsloggen: händelsens data saknas eller är större än 1 MiB");
		return -1;
	}
	if (tx_begin(a) == -1)
		return -1;
	rc = now_ts(a, ts);
	if (rc == 0)
		rc = append(a, batch, ts, kind, forsandelse, data_json);
	return tx_end(a, rc);
}

/* The old name of auditlog_append, until every caller says the verb. */
int
audit_event(struct audit *a, int64_t batch, const char *kind, const char *forsandelse,
    const char *data_json)
{
	return auditlog_append(a, batch, kind, forsandelse, data_json);
}
