/*
 * audit.c -- the audit log and the outbox of SPEC section 7; see audit.h.
 *
 * Reads and writes: the database of the [audit] database setting through
 * db.h -- an SQLite file (db_sqlite.c) or a PostgreSQL server (db_pg.c); the
 * logic below is the same for both.  Reads EXPEDIERA_AUDIT_NOW (audit.h), the password
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
 * Durability: a commit is durable when it returns (db.h).  Callers that log
 * many events wrap them in audit_tx_begin/commit.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "audit.h"
#include "db.h"
#include "json.h"
#include "xmalloc.h"

#define AUDIT_MAX_DATA  (1024 * 1024) /* one event's data; far above any real one */
#define AUDIT_MAX_FIELD 4096          /* command, session, ids, reasons ... */
#define AUDIT_MAX_KIND  32
#define HEX_LEN         64
#define TS_LEN          20 /* 2026-11-20T10:00:00Z */

static const char zero_hash[HEX_LEN + 1] =
    "0000000000000000000000000000000000000000000000000000000000000000";

struct audit {
	struct db *db;
	char *path;
	int depth; /* open audit_tx_begin levels; the first is BEGIN IMMEDIATE */
	bool failed; /* a write did not become durable: see audit_failed() */
	unsigned char key[32]; /* the person key (audit_load_key); wiped at close */
	bool have_key;
	int64_t known_batch; /* a batch batch_known found, until a rollback; 0: none */
	char err[512];
};

/* One input of the hash; p NULL is SQL NULL. */
struct field {
	const char *p;
	size_t n;
};

static const char *const state_names[] = {
    [OUTBOX_NONE] = "none", [OUTBOX_PENDING] = "pending", [OUTBOX_SENDING] = "sending",
    [OUTBOX_SENT] = "sent", [OUTBOX_HELD] = "held",       [OUTBOX_FAILED] = "failed",
};

/* ---- errors and statements ---- */

static void seterr(struct audit *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
seterr(struct audit *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->err, sizeof(a->err), fmt, ap);
	va_end(ap);
}

/* The database's own message, which names it. */
static int
sqlfail(struct audit *a)
{
	seterr(a, "%s", db_errmsg(a->db));
	return -1;
}

static int
prep(struct audit *a, const char *sql, struct db_stmt **st)
{
	return db_prepare(a->db, sql, st) == -1 ? sqlfail(a) : 0;
}

/* s NULL binds SQL NULL. */
static int
bind_text(struct audit *a, struct db_stmt *st, int i, const char *s)
{
	return db_bind_text(st, i, s) == -1 ? sqlfail(a) : 0;
}

static int
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

static int
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
static int
step_row(struct audit *a, struct db_stmt *st)
{
	int r = db_step(st);

	return r == -1 ? sqlfail(a) : r;
}

static const char *
col_text(struct db_stmt *st, int i)
{
	return db_column_text(st, i);
}

/* A column as hash input, exactly as stored. */
static struct field
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
static bool
col_is(struct db_stmt *st, int i, const char *s)
{
	struct field f = col_field(st, i);

	if (f.p == NULL || s == NULL)
		return f.p == NULL && s == NULL;
	return f.n == strlen(s) && memcmp(f.p, s, f.n) == 0;
}

/* ---- checks of what callers pass ---- */

static bool
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

static bool
valid_hex(const char *s)
{
	size_t i;

	if (s == NULL)
		return false;
	for (i = 0; i < HEX_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return s[HEX_LEN] == '\0';
}

/*
 * s against a pattern where 'D' is a digit and anything else itself; the
 * parts are range-checked: month 01-12, day 01-31, hour 00-23, minute and
 * second 00-59 (60 for a leap second).
 */
static bool
valid_time(const char *s, const char *pattern)
{
	size_t i;
	int mon, day;

	for (i = 0; pattern[i] != '\0'; i++) {
		if (pattern[i] == 'D' ? s[i] < '0' || s[i] > '9' : s[i] != pattern[i])
			return false;
	}
	if (s[i] != '\0')
		return false;
	mon = (s[5] - '0') * 10 + (s[6] - '0');
	day = (s[8] - '0') * 10 + (s[9] - '0');
	if (mon < 1 || mon > 12 || day < 1 || day > 31)
		return false;
	if (i == TS_LEN)
		return (s[11] - '0') * 10 + (s[12] - '0') <= 23 &&
		       (s[14] - '0') * 10 + (s[15] - '0') <= 59 &&
		       (s[17] - '0') * 10 + (s[18] - '0') <= 60;
	return true;
}

#define TS_PATTERN   "DDDD-DD-DDTDD:DD:DDZ"
#define DATE_PATTERN "DDDD-DD-DD"

/* Now in UTC, or EXPEDIERA_AUDIT_NOW when set. */
static int
now_ts(struct audit *a, char ts[TS_LEN + 1])
{
	const char *env = getenv("EXPEDIERA_AUDIT_NOW");
	struct tm tm;
	time_t t;

	if (env != NULL && env[0] != '\0') {
		if (!valid_time(env, TS_PATTERN)) {
			seterr(a, "EXPEDIERA_AUDIT_NOW ska ha formen 2026-11-20T10:00:00Z");
			return -1;
		}
		memcpy(ts, env, TS_LEN + 1);
		return 0;
	}
	if ((t = time(NULL)) == (time_t)-1 || gmtime_r(&t, &tm) == NULL ||
	    strftime(ts, TS_LEN + 1, "%Y-%m-%dT%H:%M:%SZ", &tm) != TS_LEN) {
		seterr(a, "granskningsloggen: kan inte läsa klockan");
		return -1;
	}
	return 0;
}

/* ---- hashing and the canonical JSON of what the tables hold ---- */

static int
chain_hash(const struct field *f, size_t nf, char out[HEX_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
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
	for (i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0xf];
	}
	out[HEX_LEN] = '\0';
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

/* Opens a string builder; json_string() is the one place that escapes. */
static FILE *
mem_open(char **p, size_t *n)
{
	*p = NULL;
	*n = 0;
	return open_memstream(p, n);
}

/* Closes it; the string, or NULL when memory ran out. */
static char *
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
static char *
batch_json(const char *command, const char *session, const char *digest, const char *user,
           const char *host)
{
	char *p;
	size_t n;
	FILE *fp;

	if ((fp = mem_open(&p, &n)) == NULL)
		return NULL;
	fputs("{\"command\":", fp);
	json_string(fp, command);
	fputs(",\"session\":", fp);
	json_string(fp, session);
	fputs(",\"session_digest\":", fp);
	json_string(fp, digest);
	fputs(",\"user\":", fp);
	json_string(fp, user);
	fputs(",\"host\":", fp);
	json_string(fp, host);
	putc('}', fp);
	return mem_close(fp, &p);
}

/*
 * The data of a "state" event: the state alone, or with it (the first event
 * of a försändelse, written by outbox_add) the fixed fields of the item.
 * verify rebuilds it from the outbox row.
 */
static char *
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
		fputs(",\"session_digest\":", fp);
		json_string(fp, it->session_digest);
		fprintf(fp, ",\"paragraf\":%ld,\"recipient\":", it->paragraf);
		json_string(fp, it->recipient);
		fputs(",\"route\":", fp);
		json_string(fp, it->route);
		fputs(",\"sha256\":", fp);
		json_string(fp, it->sha256);
	}
	putc('}', fp);
	return mem_close(fp, &p);
}

static bool
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

bool
audit_failed(const struct audit *a)
{
	return a->failed;
}

/* ---- the person key ---- */

static int append(struct audit *, int64_t batch, const char *ts, const char *kind,
    const char *fs, const char *data);
static int tx_end(struct audit *, int rc);
static int load_key(struct audit *, const char *path, bool write);
static int read_begin(struct audit *, bool *began);
static int read_end(struct audit *, bool began, int rc);

#define KEY_HEX   64                       /* 32 bytes as hex, one line */
#define KEY_LABEL "expediera person key v1" /* what the fingerprint is an HMAC of */

static int
unhex(const char *s, unsigned char *out, size_t n)
{
	size_t i;

	for (i = 0; i < 2 * n; i++) {
		char ch = s[i];
		int v = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;

		if (v < 0)
			return -1;
		out[i / 2] = (unsigned char)(i % 2 == 0 ? v << 4 : out[i / 2] | v);
	}
	return 0;
}

/* Creates the key file (0600, never replacing anything) with a fresh key. */
static int
key_create(struct audit *a, const char *path)
{
	unsigned char raw[32];
	char text[KEY_HEX + 2];
	size_t i;
	int fd, ok;

	if (RAND_bytes(raw, sizeof(raw)) != 1) {
		seterr(a, "kan inte ta fram en ny nyckel till %s", path);
		return -1;
	}
	for (i = 0; i < sizeof(raw); i++)
		snprintf(text + 2 * i, 3, "%02x", raw[i]);
	text[KEY_HEX] = '\n';
	text[KEY_HEX + 1] = '\0';
	OPENSSL_cleanse(raw, sizeof(raw));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1) {
		OPENSSL_cleanse(text, sizeof(text));
		if (errno == EEXIST)
			return 0; /* another run made it first: read that one */
		seterr(a, "kan inte skapa nyckelfilen %s: %s", path, strerror(errno));
		return -1;
	}
	ok = fchmod(fd, 0600) == 0 && write(fd, text, KEY_HEX + 1) == KEY_HEX + 1 &&
	    fsync(fd) == 0;
	OPENSSL_cleanse(text, sizeof(text));
	if (close(fd) == -1 || !ok) {
		seterr(a, "kan inte skriva nyckelfilen %s: %s", path, strerror(errno));
		(void)unlink(path);
		return -1;
	}
	return 0;
}

static int
key_read(struct audit *a, const char *path)
{
	char text[KEY_HEX + 2];
	struct stat sb;
	ssize_t n;
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1) {
		seterr(a, "kan inte läsa nyckelfilen %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		seterr(a, "nyckelfilen %s är inte en vanlig fil", path);
		goto out;
	}
	if ((sb.st_mode & 077) != 0) {
		seterr(a, "nyckelfilen %s kan läsas av andra (rättigheter %04o); den ska ha 0600",
		    path, (unsigned)(sb.st_mode & 07777));
		goto out;
	}
	n = read(fd, text, sizeof(text));
	if (n < KEY_HEX || (n > KEY_HEX && text[KEY_HEX] != '\n') ||
	    unhex(text, a->key, sizeof(a->key)) == -1) {
		seterr(a, "nyckelfilen %s är skadad: den ska ha 64 hexsiffror", path);
		goto out;
	}
	a->have_key = true;
	rc = 0;
out:
	OPENSSL_cleanse(text, sizeof(text));
	(void)close(fd);
	return rc;
}

int
audit_keyed_hash(const struct audit *a, const void *data, size_t len, char out[65])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char d[32];
	unsigned int dl = 0;
	size_t i;

	if (!a->have_key || HMAC(EVP_sha256(), a->key, (int)sizeof(a->key), data, len, d, &dl) ==
	    NULL || dl != sizeof(d))
		return -1;
	for (i = 0; i < sizeof(d); i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[64] = '\0';
	return 0;
}

/*
 * The log remembers which key its person keys were made with (a "key" event
 * holding an HMAC of a fixed label, never the key): a run with another key
 * file would find none of the försändelser already sent, and send them all
 * again.  So a mismatch stops the run, and so does an outbox that already
 * holds försändelser when no key was ever recorded (keys made without one).
 */
int
audit_load_key(struct audit *a, const char *path)
{
	return load_key(a, path, true);
}

int
audit_check_key(struct audit *a, const char *path)
{
	return load_key(a, path, false);
}

/* audit_load_key, or with write false audit_check_key. */
static int
load_key(struct audit *a, const char *path, bool write)
{
	struct db_stmt *st = NULL;
	char fp[65], *json = NULL;
	bool began = false;
	int r, rc = -1;

	if (write && access(path, F_OK) == -1 && errno == ENOENT && key_create(a, path) == -1)
		return -1;
	if (key_read(a, path) == -1)
		return -1;
	if (audit_keyed_hash(a, KEY_LABEL, strlen(KEY_LABEL), fp) == -1) {
		seterr(a, "kan inte använda nyckeln i %s", path);
		return -1;
	}
	fp[32] = '\0';
	if (write ? audit_tx_begin(a) == -1 : read_begin(a, &began) == -1)
		return -1;
	if (prep(a, "SELECT data FROM event WHERE kind = 'key' ORDER BY id DESC LIMIT 1",
	        &st) == -1 || (r = step_row(a, st)) == -1)
		goto out;
	if (r == 1) {
		const char *data = col_text(st, 0);

		json = xasprintf("{\"fingerprint\":\"%s\"}", fp);
		if (data == NULL || strcmp(data, json) != 0) {
			seterr(a, "nyckelfilen %s hör inte till granskningsloggen %s (den skapades med "
			    "en annan nyckel); med fel nyckel skulle allt som redan skickats skickas "
			    "igen. Ange rätt fil i [audit] key_file", path, a->path);
			goto out;
		}
		rc = 0;
		goto out;
	}
	db_finalize(st);
	st = NULL;
	if (!write) {
		/* No key yet: nothing was sent with any key, so there is nothing to compare. */
		rc = 0;
		goto out;
	}
	if (prep(a, "SELECT count(*) FROM outbox", &st) == -1 || step_row(a, st) != 1)
		goto out;
	if (db_column_int64(st, 0) > 0) {
		seterr(a, "granskningsloggen %s har försändelser men ingen nyckel; den skapades av "
		    "en äldre version av expediera och kan inte användas för nya utskick", a->path);
		goto out;
	}
	db_finalize(st);
	st = NULL;
	json = xasprintf("{\"fingerprint\":\"%s\"}", fp);
	{
		char ts[TS_LEN + 1];

		if (now_ts(a, ts) == 0 && append(a, 0, ts, "key", NULL, json) == 0)
			rc = 0;
	}
out:
	db_finalize(st);
	free(json);
	return write ? tx_end(a, rc) : read_end(a, began, rc);
}

/* ---- transactions ---- */

int
audit_tx_begin(struct audit *a)
{
	if (a->depth > 0 && db_tx_broken(a->db)) {
		seterr(a, "granskningsloggen %s: transaktionen har redan avbrutits", a->path);
		a->failed = true;
		return -1;
	}
	if ((a->depth == 0 ? db_begin(a->db, true) : db_savepoint(a->db)) == -1) {
		sqlfail(a);
		a->failed = true;
		return -1;
	}
	a->depth++;
	return 0;
}

int
audit_tx_commit(struct audit *a)
{
	if (a->depth == 0) {
		seterr(a, "granskningsloggen %s: ingen transaktion är öppen", a->path);
		return -1;
	}
	a->depth--;
	if (!db_in_tx(a->db)) {
		a->known_batch = 0;
		/* The database rolled the whole transaction back after an error. */
		seterr(a, "granskningsloggen %s: transaktionen har avbrutits; inget sparades",
		       a->path);
		a->failed = true;
		return -1;
	}
	if (a->depth > 0) {
		if (db_release(a->db) == -1) {
			a->known_batch = 0;
			sqlfail(a);
			(void)db_rollback_to(a->db);
			a->failed = true;
			return -1;
		}
		return 0;
	}
	if (db_commit(a->db) == -1) {
		a->known_batch = 0;
		sqlfail(a);
		if (db_in_tx(a->db))
			(void)db_rollback(a->db);
		a->failed = true;
		return -1;
	}
	return 0;
}

int
audit_tx_rollback(struct audit *a)
{
	int rc = 0;

	if (a->depth == 0) {
		seterr(a, "granskningsloggen %s: ingen transaktion är öppen", a->path);
		return -1;
	}
	a->depth--;
	a->known_batch = 0;
	if (db_in_tx(a->db) &&
	    (a->depth > 0 ? db_rollback_to(a->db) : db_rollback(a->db)) == -1)
		rc = sqlfail(a);
	return rc;
}

/* Ends the transaction a write function opened; keeps the first error. */
static int
tx_end(struct audit *a, int rc)
{
	char saved[sizeof(a->err)];

	if (rc == 0)
		return audit_tx_commit(a);
	/* A write the storage refused is not a bad argument: nothing later in
	 * the run may rely on the log. */
	if (db_storage_error(a->db))
		a->failed = true;
	memcpy(saved, a->err, sizeof(saved));
	(void)audit_tx_rollback(a);
	memcpy(a->err, saved, sizeof(saved));
	return -1;
}

/* Readers see one snapshot: verify and export must not mix two states. */
static int
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

static int
read_end(struct audit *a, bool began, int rc)
{
	if (began && db_rollback(a->db) == -1 && rc == 0)
		return sqlfail(a);
	return rc;
}

/* The kinds and fields the lookup table holds (migration 2), written by append(). */
static const struct {
	const char *kind, *field;
} lookup_fields[] = {
    {"route", "pkey"}, {"route", "bas"}, {"route", "ident"}, {"route", "galler"},
    {"rattelse", "pkey"}, {"retur", "bas"},
};

static bool
looked_up(const char *kind, const char *field)
{
	size_t i;

	for (i = 0; i < sizeof(lookup_fields) / sizeof(lookup_fields[0]); i++)
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

	for (i = 0; rc == 0 && i < sizeof(lookup_fields) / sizeof(lookup_fields[0]); i++) {
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

static int
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
static int
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
	 * rolled back is forgotten with it (audit_tx_rollback, audit_tx_commit). */
	a->known_batch = batch;
	return 0;
}

/*
 * Appends one event; the caller holds a write transaction.  The head is read
 * inside it, and must name the last row: a chain whose end was cut or forged
 * is never extended, so the damage stays where verify will point at it.
 */
static int
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

	if (audit_tx_begin(a) == -1)
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
	if (audit_tx_begin(a) == -1)
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
audit_event(struct audit *a, int64_t batch, const char *kind, const char *forsandelse,
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
	if (audit_tx_begin(a) == -1)
		return -1;
	rc = now_ts(a, ts);
	if (rc == 0)
		rc = append(a, batch, ts, kind, forsandelse, data_json);
	return tx_end(a, rc);
}

/* ---- verify ---- */

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
 * Batch rows that no event wrote, or ended without a "batch-end" event.  The
 * walk counted the events; the queries run only when the counts disagree.
 */
static int
verify_batches(struct audit *a, struct audit_verify *v, int64_t nstart, int64_t nend)
{
	struct db_stmt *st = NULL;
	int r, rc = -1;

	if (prep(a,
	         "SELECT (SELECT count(*) FROM batch), "
	         "(SELECT count(*) FROM batch WHERE ended IS NOT NULL)",
	         &st) == -1 ||
	    step_row(a, st) != 1)
		goto out;
	if (db_column_int64(st, 0) != nstart) {
		db_finalize(st);
		if (prep(a,
		         "SELECT b.id FROM batch b WHERE NOT EXISTS (SELECT 1 FROM event e "
		         "WHERE e.kind = 'batch' AND e.batch = b.id) ORDER BY b.id LIMIT 1",
		         &st) == -1 ||
		    (r = step_row(a, st)) == -1)
			goto out;
		if (r == 1)
			note(v, -1,
			     "körning %lld finns inte i kedjan (raden i batch har lagts till "
			     "utanför expediera)",
			     (long long)db_column_int64(st, 0));
	} else if (db_column_int64(st, 1) != nend) {
		db_finalize(st);
		if (prep(
		        a,
		        "SELECT b.id, (SELECT e.id FROM event e WHERE e.kind = 'batch' "
		        "AND e.batch = b.id) FROM batch b WHERE b.ended IS NOT NULL AND NOT EXISTS "
		        "(SELECT 1 FROM event e WHERE e.kind = 'batch-end' AND e.batch = b.id) "
		        "ORDER BY b.id LIMIT 1",
		        &st) == -1 ||
		    (r = step_row(a, st)) == -1)
			goto out;
		if (r == 1)
			note(v, db_column_int64(st, 1),
			     "körning %lld har en sluttid men ingen händelse som avslutar den "
			     "(raden har ändrats)",
			     (long long)db_column_int64(st, 0));
	}
	rc = 0;
out:
	db_finalize(st);
	return rc;
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
	struct db_stmt *st = NULL;
	size_t i;
	int r, rc = -1;

	if (prep(a, "SELECT l.event FROM lookup l LEFT JOIN event e ON e.id = l.event "
	        "WHERE e.id IS NULL OR e.kind IS DISTINCT FROM l.kind OR NOT json_valid(e.data) "
	        "OR json_extract(e.data, '$.' || l.field) IS DISTINCT FROM l.value "
	        "ORDER BY l.event LIMIT 1",
	        &st) == -1 || (r = step_row(a, st)) == -1)
		goto out;
	if (r == 1)
		note(v, db_column_int64(st, 0), "händelse %lld: uppslagstabellen stämmer inte "
		    "med händelsen (en rad har lagts till eller ändrats utanför expediera)",
		    (long long)db_column_int64(st, 0));
	for (i = 0; i < sizeof(lookup_fields) / sizeof(lookup_fields[0]); i++) {
		db_finalize(st);
		st = NULL;
		if (prep(a, "SELECT e.id FROM event e WHERE e.kind = ?1 AND json_valid(e.data) "
		        "AND coalesce(json_extract(e.data, '$.' || ?2), '') != '' AND NOT EXISTS "
		        "(SELECT 1 FROM lookup l WHERE l.kind = ?1 AND l.field = ?2 AND "
		        "l.value = json_extract(e.data, '$.' || ?2) AND l.event = e.id) "
		        "ORDER BY e.id LIMIT 1", &st) == -1 ||
		    bind_text(a, st, 1, lookup_fields[i].kind) == -1 ||
		    bind_text(a, st, 2, lookup_fields[i].field) == -1 || (r = step_row(a, st)) == -1)
			goto out;
		if (r == 1)
			note(v, db_column_int64(st, 0), "händelse %lld saknas i uppslagstabellen "
			    "(en rad har tagits bort utanför expediera)",
			    (long long)db_column_int64(st, 0));
	}
	rc = 0;
out:
	db_finalize(st);
	return rc;
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

int
audit_query(struct audit *a, const char *kind, const char *field, const char *value,
    int (*fn)(void *arg, const struct audit_row *), void *arg)
{
	struct db_stmt *st = NULL;
	struct audit_row row;
	char *sql;
	bool began;
	int r, rc = -1;

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
	if (read_begin(a, &began) == -1) {
		free(sql);
		return -1;
	}
	r = prep(a, sql, &st);
	free(sql);
	if (r == -1 || bind_text(a, st, 1, kind) == -1 || bind_text(a, st, 2, field) == -1 ||
	    bind_text(a, st, 3, value) == -1)
		goto out;
	while ((r = step_row(a, st)) == 1) {
		memset(&row, 0, sizeof(row));
		row.id = db_column_int64(st, 0);
		row.ts = col_text(st, 1);
		row.forsandelse = col_text(st, 2);
		row.data = col_text(st, 3);
		row.state = OUTBOX_NONE;
		if (col_text(st, 4) != NULL && !state_parse(col_text(st, 4), &row.state)) {
			seterr(a, "granskningsloggen %s: en försändelse i utkorgen har ett okänt "
			    "tillstånd", a->path);
			goto out;
		}
		row.reason = col_text(st, 5);
		/* SENT is final: its last update is when it was sent. */
		row.sent = row.state == OUTBOX_SENT ? col_text(st, 6) : NULL;
		if (row.ts == NULL || row.data == NULL)
			continue;
		if ((r = fn(arg, &row)) != 0) {
			rc = r;
			goto out;
		}
	}
	if (r == 0)
		rc = 0;
out:
	db_finalize(st);
	return read_end(a, began, rc);
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
	size_t k;

	if (f.p == NULL) {
		fputs("\\N", fp);
		return;
	}
	for (k = 0; k < f.n; k++) {
		switch (f.p[k]) {
		case '\\':
			fputs("\\\\", fp);
			break;
		case '\t':
			fputs("\\t", fp);
			break;
		case '\n':
			fputs("\\n", fp);
			break;
		case '\r':
			fputs("\\r", fp);
			break;
		default:
			putc(f.p[k], fp);
		}
	}
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

	if (since != NULL && !valid_time(since, DATE_PATTERN) && !valid_time(since, TS_PATTERN)) {
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
	if (audit_tx_begin(a) == -1)
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
	if (audit_tx_begin(a) == -1)
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

/* The rows of outbox that where selects (?1, ?2 bound to p1, p2), for fn. */
static int
outbox_walk(struct audit *a, const char *where, const char *p1, const char *p2,
            int (*fn)(void *arg, const struct outbox_item *, enum outbox_state, int attempts,
                      const char *reason),
            void *arg)
{
	struct db_stmt *st = NULL;
	struct outbox_item it;
	enum outbox_state s;
	char *sql;
	bool began;
	int r, rc = -1;

	if (read_begin(a, &began) == -1)
		return -1;
	sql = xasprintf("SELECT id, session_digest, paragraf, recipient, route, sha256, state, "
	                "attempts, reason FROM outbox WHERE %s ORDER BY id",
	                where);
	r = prep(a, sql, &st);
	free(sql);
	if (r == -1 || bind_text(a, st, 1, p1) == -1 || (p2 != NULL && bind_text(a, st, 2, p2) == -1))
		goto out;
	while ((r = step_row(a, st)) == 1) {
		it.id = col_text(st, 0);
		it.session_digest = col_text(st, 1);
		it.paragraf = (long)db_column_int64(st, 2);
		it.recipient = col_text(st, 3);
		it.route = col_text(st, 4);
		it.sha256 = col_text(st, 5);
		if (it.id == NULL || !state_parse(col_text(st, 6), &s)) {
			seterr(a,
			       "granskningsloggen %s: en försändelse i utkorgen har ett okänt "
			       "tillstånd",
			       a->path);
			goto out;
		}
		if ((r = fn(arg, &it, s, (int)db_column_int64(st, 7), col_text(st, 8))) != 0) {
			rc = r;
			goto out;
		}
	}
	if (r == 0)
		rc = 0;
out:
	db_finalize(st);
	return read_end(a, began, rc);
}

int
outbox_list(struct audit *a, const char *digest,
            int (*fn)(void *arg, const struct outbox_item *, enum outbox_state, int attempts,
                      const char *reason),
            void *arg)
{
	return outbox_walk(a, "CAST(?1 AS TEXT) IS NULL OR session_digest = ?1", digest, NULL, fn, arg);
}

int
outbox_list_key(struct audit *a, const char *key,
                int (*fn)(void *arg, const struct outbox_item *, enum outbox_state, int attempts,
                          const char *reason),
                void *arg)
{
	/* ids are the key alone or the key, ':' and more: one range of the primary key */
	char *end = xasprintf("%s;", key);
	int rc = outbox_walk(a, "id >= ?1 AND id < ?2", key, end, fn, arg);

	free(end);
	return rc;
}
