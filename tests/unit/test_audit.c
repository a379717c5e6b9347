/*
 * test_audit.c -- unit tests for pipeline/audit.c on real SQLite files.
 *
 * Works in a fresh directory from mkdtemp(3) and removes it at the end.  A
 * fixture log of twelve events (two batches, two försändelser) is built once
 * with the clock fixed through EXPEDIERA_AUDIT_NOW; each tampering case runs
 * on its own copy, through a separate SQLite connection, the way someone with
 * the sqlite3 tool would: drop the triggers, then edit, delete or insert.
 * Hashes of forged rows are computed here from the encoding documented in
 * audit.c, independently of its code.
 *
 * Prints "FAIL: ..." for each failing check and a summary line; exits 1 when
 * anything failed.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <sqlite3.h>

#include "audit.h"
#include "xmalloc.h"

#define DIGEST1      "1111111111111111111111111111111111111111111111111111111111111111"
#define DIGEST2      "2222222222222222222222222222222222222222222222222222222222222222"
#define SHA1         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA2         "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define NOW1         "2026-11-20T10:00:00Z"
#define NOW2         "2026-11-21T09:00:00Z"
#define FIXTURE_ROWS 12

#define DROP_TRIGGERS                                                                              \
	"DROP TRIGGER event_append; DROP TRIGGER event_no_update;"                                 \
	"DROP TRIGGER event_no_delete; DROP TRIGGER batch_end_once;"                               \
	"DROP TRIGGER batch_no_delete; DROP TRIGGER chain_head_forward;"                           \
	"DROP TRIGGER chain_head_no_delete; DROP TRIGGER outbox_fixed;"                            \
	"DROP TRIGGER outbox_no_delete;"

static int passed, failed;
static char dir[] = "/tmp/test_audit.XXXXXX";

static void cleanup(void);

static void check(bool ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
check(bool ok, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		passed++;
		return;
	}
	failed++;
	fputs("FAIL: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* For steps the rest depends on: report and stop. */
static void
must(bool ok, const char *what, struct audit *a)
{
	if (ok)
		return;
	printf("FAIL: %s: %s\n", what, a != NULL ? audit_error(a) : "");
	printf("test_audit: %d passed, %d failed\n", passed, failed + 1);
	fflush(stdout);
	cleanup();
	exit(1);
}

static char *
path_of(const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

static struct audit *
must_open(const char *path)
{
	char err[512];
	struct audit *a = audit_open(path, err, sizeof(err));

	if (a == NULL) {
		printf("FAIL: audit_open %s: %s\n", path, err);
		printf("test_audit: %d passed, %d failed\n", passed, failed + 1);
		fflush(stdout);
		cleanup();
		exit(1);
	}
	return a;
}

static void
copy_file(const char *from, const char *to)
{
	char buf[65536];
	ssize_t n;
	int in, out;

	in = open(from, O_RDONLY);
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	must(in != -1 && out != -1, "copy: open", NULL);
	while ((n = read(in, buf, sizeof(buf))) > 0)
		must(write(out, buf, (size_t)n) == n, "copy: write", NULL);
	must(n == 0, "copy: read", NULL);
	close(in);
	must(close(out) == 0, "copy: close", NULL);
}

/* Runs sql through its own connection, as the sqlite3 tool would. */
static int
raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	int rc;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return -1;
	}
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

/* One text value of a query, or NULL; the caller frees it. */
static char *
raw_text(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char *s = NULL;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
		s = xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return s;
}

/* F(x) of audit.c: 0x00 for NULL, else 0x01, 8-byte big-endian length, bytes. */
static void
hash_field(EVP_MD_CTX *ctx, sqlite3_stmt *st, int col)
{
	unsigned char hdr[9];
	const unsigned char *p;
	uint64_t n;
	int k;

	if (sqlite3_column_type(st, col) == SQLITE_NULL) {
		hdr[0] = 0;
		EVP_DigestUpdate(ctx, hdr, 1);
		return;
	}
	p = sqlite3_column_text(st, col);
	n = (uint64_t)sqlite3_column_bytes(st, col);
	hdr[0] = 1;
	for (k = 0; k < 8; k++)
		hdr[1 + k] = (unsigned char)(n >> (56 - 8 * k));
	EVP_DigestUpdate(ctx, hdr, 9);
	EVP_DigestUpdate(ctx, p, (size_t)n);
}

/* Gives event id a correct hash over what it now holds, as a forger would. */
static void
rehash(const char *path, int64_t id)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char md[32];
	unsigned int mdlen;
	char hex[65];
	int i;

	must(ctx != NULL && sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
	         sqlite3_prepare_v2(
	             db,
	             "SELECT prev_hash, CAST(id AS TEXT), batch, ts, kind, forsandelse, data "
	             "FROM event WHERE id = ?1",
	             -1, &st, NULL) == SQLITE_OK &&
	         sqlite3_bind_int64(st, 1, id) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW,
	     "rehash: read", NULL);
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	for (i = 0; i < 7; i++)
		hash_field(ctx, st, i);
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	sqlite3_finalize(st);
	must(sqlite3_prepare_v2(db, "UPDATE event SET hash = ?1 WHERE id = ?2", -1, &st, NULL) ==
	             SQLITE_OK &&
	         sqlite3_bind_text(st, 1, hex, -1, SQLITE_TRANSIENT) == SQLITE_OK &&
	         sqlite3_bind_int64(st, 2, id) == SQLITE_OK && sqlite3_step(st) == SQLITE_DONE,
	     "rehash: write", NULL);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/*
 * Runs audit_verify (or audit_verify_head when hash is given) before any
 * check reads v: the order in which arguments are evaluated is unspecified.
 * A failure to check at all shows as first_broken -99.
 */
static void
verify_into(struct audit *a, struct audit_verify *v, int64_t rows, const char *hash)
{
	int rc = hash != NULL ? audit_verify_head(a, rows, hash, v) : audit_verify(a, v);

	if (rc != 0) {
		v->rows = -99;
		v->first_broken = -99;
		snprintf(v->reason, sizeof(v->reason), "verify failed: %s", audit_error(a));
	}
}

static int64_t
head_rows(struct audit *a)
{
	int64_t rows = -1;
	char hash[65];

	must(audit_head(a, &rows, hash) == 0, "audit_head", a);
	return rows;
}

/* What export writes, as a string the caller frees. */
static char *
export_of(struct audit *a, const char *since, bool json, int *rc)
{
	char *p = NULL;
	size_t n = 0;
	FILE *fp = open_memstream(&p, &n);

	must(fp != NULL, "open_memstream", NULL);
	*rc = audit_export(a, since, json, fp);
	fclose(fp);
	return p;
}

static mode_t
mode_of(const char *path)
{
	struct stat sb;

	if (stat(path, &sb) == -1)
		return (mode_t)-1;
	return sb.st_mode & 07777;
}

/*
 * The fixture: events 1-8 are batch 1 on NOW1 (f1 goes pending, sending,
 * sent), 9-12 batch 2 on NOW2 (f2 stays pending, the batch stays open).
 */
static void
fixture(const char *path)
{
	struct audit *a = must_open(path);
	struct audit_batch b1 = {"send", "/sessions/2026-11-18", DIGEST1, NULL, NULL};
	struct audit_batch b2 = {"send --dry-run", "/sessions/2026-11-18", DIGEST2, "handläggare",
	                         "host1"};
	struct outbox_item f1 = {"f1", DIGEST1, 126, "r1", "print", SHA1};
	struct outbox_item f2 = {"f2", DIGEST2, 127, "Akt", "archive", SHA2};
	enum outbox_state s;
	int64_t id1 = 0, id2 = 0;

	setenv("EXPEDIERA_AUDIT_NOW", NOW1, 1);
	must(audit_batch_begin(a, &b1, &id1) == 0, "fixture 1", a);
	must(audit_event(a, id1, "finding", NULL, "{\"rule\":\"not-guardian\"}") == 0, "2", a);
	must(audit_event(a, id1, "route", "f1", "{\"route\":\"print\"}") == 0, "3", a);
	must(outbox_add(a, id1, &f1, &s) == 0 && s == OUTBOX_PENDING, "4", a);
	must(outbox_set(a, id1, "f1", OUTBOX_SENDING, NULL) == 0, "5", a);
	must(audit_event(a, id1, "attempt", "f1", "{\"n\":1}") == 0, "6", a);
	must(outbox_set(a, id1, "f1", OUTBOX_SENT, "utskriven") == 0, "7", a);
	must(audit_batch_end(a, id1, "{\"sent\":1}") == 0, "8", a);
	setenv("EXPEDIERA_AUDIT_NOW", NOW2, 1);
	must(audit_batch_begin(a, &b2, &id2) == 0, "9", a);
	must(audit_event(a, id2, "document", "f2", "{\"sha256\":\"" SHA2 "\"}") == 0, "10", a);
	must(outbox_add(a, id2, &f2, &s) == 0, "11", a);
	/* A raw tab and newline: stored as is, escaped by the TSV export. */
	must(audit_event(a, id2, "outcome", NULL, "{\"x\":\"a\tb\nc\"}") == 0, "12", a);
	must(id1 == 1 && id2 == 2 && head_rows(a) == FIXTURE_ROWS, "fixture ids", a);
	audit_close(a);
}

static const struct tamper {
	const char *name;
	const char *sql; /* run after DROP_TRIGGERS */
	int64_t rehash;  /* then give this event a correct hash (0: none) */
	int64_t want;    /* first_broken */
	const char *why; /* in the reason */
} tampers[] = {
    {"edit data", "UPDATE event SET data = '{\"rule\":\"x\"}' WHERE id = 3", 0, 3,
     "händelse 3: kontrollsumman stämmer inte (raden har ändrats)"},
    {"edit ts", "UPDATE event SET ts = '2026-01-01T00:00:00Z' WHERE id = 2", 0, 2,
     "kontrollsumman stämmer inte"},
    {"edit kind", "UPDATE event SET kind = 'findin' WHERE id = 6", 0, 6, "har ändrats"},
    {"edit batch", "UPDATE event SET batch = 2 WHERE id = 6", 0, 6, "har ändrats"},
    {"NULL made empty", "UPDATE event SET forsandelse = '' WHERE id = 2", 0, 2, "har ändrats"},
    {"empty made NULL", "UPDATE event SET forsandelse = NULL WHERE id = 3", 0, 3, "har ändrats"},
    {"edit prev_hash", "UPDATE event SET prev_hash = hash WHERE id = 5", 0, 5, "har ändrats"},
    {"edit hash", "UPDATE event SET hash = lower(hex(randomblob(32))) WHERE id = 7", 0, 7,
     "har ändrats"},
    {"edit and rehash", "UPDATE event SET data = '{}' WHERE id = 6", 6, 6, "räknats om"},
    {"edit and rehash the last", "UPDATE event SET data = '{}' WHERE id = 12", 12, 12,
     "kedjans huvud"},
    {"delete middle", "DELETE FROM event WHERE id = 4", 0, 4,
     "händelse 4 saknas (raden har tagits bort)"},
    {"delete first", "DELETE FROM event WHERE id = 1", 0, 1, "händelse 1 saknas"},
    {"delete last", "DELETE FROM event WHERE id = 12", 0, 12,
     "händelse 12 saknas (raden har tagits bort)"},
    {"delete last two", "DELETE FROM event WHERE id >= 11", 0, 11, "händelse 11 saknas"},
    {"delete all", "DELETE FROM event", 0, 1, "händelse 1 saknas"},
    {"forged row, bad hash",
     "INSERT INTO event VALUES (13, 2, '" NOW2 "', 'outcome', NULL, '{}', "
     "(SELECT hash FROM event WHERE id = 12), 'bad')",
     0, 13, "händelse 13: kontrollsumman stämmer inte"},
    {"forged row, good hash",
     "INSERT INTO event VALUES (13, 2, '" NOW2 "', 'outcome', NULL, '{}', "
     "(SELECT hash FROM event WHERE id = 12), 'x')",
     13, 13, "händelse 13 har lagts till utanför expediera"},
    {"forged row after a gap",
     "INSERT INTO event VALUES (20, 2, '" NOW2 "', 'outcome', NULL, '{}', "
     "(SELECT hash FROM event WHERE id = 12), 'x')",
     20, 13, "händelse 13 saknas"},
    {"forged row 0",
     "INSERT INTO event VALUES (0, 2, '" NOW2 "', 'outcome', NULL, '{}', "
     "'0000000000000000000000000000000000000000000000000000000000000000', 'x')",
     0, 1, "nummer 0, utanför kedjan"},
    {"head deleted", "DELETE FROM chain_head", 0, 13, "kedjans huvud saknas"},
    {"head moved on", "UPDATE chain_head SET rows = 14", 0, 13, "händelse 13 saknas"},
    {"batch user", "UPDATE batch SET user = 'mallory' WHERE id = 1", 0, 1,
     "körning 1: raden i batch stämmer inte med händelse 1"},
    {"batch started", "UPDATE batch SET started = '2026-01-01T00:00:00Z' WHERE id = 2", 0, 9,
     "raden i batch"},
    {"batch ended moved", "UPDATE batch SET ended = '2027-01-01T00:00:00Z' WHERE id = 1", 0, 8,
     "sluttiden i batch"},
    {"open batch ended", "UPDATE batch SET ended = '" NOW2 "' WHERE id = 2", 0, 9,
     "sluttid men ingen händelse"},
    {"batch deleted", "DELETE FROM batch WHERE id = 2", 0, 9, "körning 2 saknas"},
    {"batch forged",
     "INSERT INTO batch (id, started, command, user, host) "
     "VALUES (3, '" NOW2 "', 'send', 'x', 'y')",
     0, -1, "körning 3 finns inte i kedjan"},
    {"outbox pending made sent", "UPDATE outbox SET state = 'sent' WHERE id = 'f2'", 0, 11,
     "försändelse f2: utkorgens tillstånd stämmer inte med händelse 11"},
    {"outbox sent made pending", "UPDATE outbox SET state = 'pending' WHERE id = 'f1'", 0, 7,
     "utkorgens tillstånd"},
    {"outbox attempts", "UPDATE outbox SET attempts = 0 WHERE id = 'f1'", 0, 7,
     "utkorgens tillstånd"},
    {"outbox reason", "UPDATE outbox SET reason = NULL WHERE id = 'f1'", 0, 7,
     "utkorgens tillstånd"},
    {"outbox document", "UPDATE outbox SET sha256 = '" SHA2 "' WHERE id = 'f1'", 0, 4,
     "försändelse f1: utkorgen stämmer inte med händelse 4"},
    {"outbox recipient", "UPDATE outbox SET recipient = 'r2' WHERE id = 'f2'", 0, 11,
     "utkorgen stämmer inte"},
    {"outbox deleted", "DELETE FROM outbox WHERE id = 'f1'", 0, 4,
     "försändelse f1 saknas i utkorgen"},
    {"outbox forged",
     "INSERT INTO outbox VALUES ('f9', 1, NULL, 1, 'r', 'print', '" SHA1 "', 'sent', 1, "
     "NULL, '" NOW1 "')",
     0, -1, "försändelse f9 finns inte i kedjan"},
};

static void
test_tamper(const char *master)
{
	const struct tamper *t;
	struct audit_verify v;
	struct audit *a;
	char *sql, *copy;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(tampers) / sizeof(tampers[0]); i++) {
		t = &tampers[i];
		copy = xasprintf("%s/tamper-%zu.db", dir, i);
		copy_file(master, copy);
		sql = xasprintf("%s %s", DROP_TRIGGERS, t->sql);
		rc = raw_exec(copy, sql);
		free(sql);
		check(rc == SQLITE_OK, "tamper %s: sql failed (%d)", t->name, rc);
		if (t->rehash != 0)
			rehash(copy, t->rehash);
		a = must_open(copy);
		verify_into(a, &v, 0, NULL);
		check(v.first_broken == t->want && strstr(v.reason, t->why) != NULL,
		      "tamper %s: first_broken %lld \"%s\", want %lld and \"%s\"", t->name,
		      (long long)v.first_broken, v.reason, (long long)t->want, t->why);
		audit_close(a);
		free(copy);
	}
}

/* The triggers, with nothing dropped: append-only for any program. */
static const struct {
	const char *sql;
	bool allowed;
} guards[] = {
    {"UPDATE event SET data = '{}' WHERE id = 3", false},
    {"DELETE FROM event WHERE id = 12", false},
    {"INSERT INTO event VALUES (13, 2, 'x', 'outcome', NULL, '{}', 'bad', 'bad')", false},
    {"INSERT INTO event VALUES (5, 2, 'x', 'outcome', NULL, '{}', 'bad', 'bad')", false},
    {"UPDATE chain_head SET rows = 11", false},
    {"DELETE FROM chain_head", false},
    {"UPDATE batch SET user = 'x' WHERE id = 1", false},
    {"UPDATE batch SET ended = '" NOW2 "' WHERE id = 1", false}, /* ended already */
    {"DELETE FROM batch WHERE id = 2", false},
    {"DELETE FROM outbox WHERE id = 'f2'", false},
    {"UPDATE outbox SET route = 'digital' WHERE id = 'f2'", false},
    {"UPDATE outbox SET state = 'pending' WHERE id = 'f1'", false}, /* sent is final */
    {"UPDATE outbox SET state = 'held' WHERE id = 'f2'", true},     /* mutable, but logged */
    {"UPDATE batch SET ended = '" NOW2 "' WHERE id = 2", true},     /* once */
};

static void
test_guards(const char *master)
{
	char *copy = path_of("guards.db");
	size_t i;
	int rc;

	copy_file(master, copy);
	for (i = 0; i < sizeof(guards) / sizeof(guards[0]); i++) {
		rc = raw_exec(copy, guards[i].sql);
		check((rc == SQLITE_OK) == guards[i].allowed, "trigger: \"%s\": rc %d, want %s",
		      guards[i].sql, rc, guards[i].allowed ? "allowed" : "refused");
	}
	free(copy);
}

static void
test_intact(const char *master)
{
	struct audit_verify v;
	struct audit *a = must_open(master);

	verify_into(a, &v, 0, NULL);
	check(v.first_broken == 0 && v.rows == FIXTURE_ROWS,
	      "verify intact: rc ok, first_broken %lld rows %lld (%s)", (long long)v.first_broken,
	      (long long)v.rows, v.reason);
	audit_close(a);
}

/* A chain cut back with its head: invisible locally, found with a saved head. */
static void
test_saved_head(const char *master)
{
	struct audit_verify v;
	struct audit *a;
	char hash[65], *copy = path_of("head.db"), *copy2 = path_of("head2.db");
	int64_t rows;

	a = must_open(master);
	must(audit_head(a, &rows, hash) == 0 && rows == FIXTURE_ROWS, "head", a);
	verify_into(a, &v, rows, hash);
	check(v.first_broken == 0, "saved head on the intact log: %s", v.reason);
	audit_close(a);

	copy_file(master, copy);
	must(raw_exec(copy,
	              DROP_TRIGGERS "DELETE FROM event WHERE id = 12;"
	                            "UPDATE chain_head SET rows = 11, "
	                            "hash = (SELECT hash FROM event WHERE id = 11)") == SQLITE_OK,
	     "cut with head", NULL);
	a = must_open(copy);
	verify_into(a, &v, 0, NULL);
	check(v.first_broken == 0, "cut with head: local verify cannot see it, yet says %lld",
	      (long long)v.first_broken);
	verify_into(a, &v, rows, hash);
	check(v.first_broken == 12 && strstr(v.reason, "händelse 12 saknas") != NULL,
	      "cut with head: saved head: %lld %s", (long long)v.first_broken, v.reason);
	check(audit_verify_head(a, rows, "nothex", &v) == -1, "saved head: bad hash accepted");
	audit_close(a);

	copy_file(master, copy2);
	must(raw_exec(copy2, DROP_TRIGGERS "UPDATE event SET data = '{}' WHERE id = 12") ==
	         SQLITE_OK,
	     "rewrite", NULL);
	rehash(copy2, 12);
	must(raw_exec(copy2,
	              "UPDATE chain_head SET hash = (SELECT hash FROM event WHERE id = 12)") ==
	         SQLITE_OK,
	     "rewrite head", NULL);
	a = must_open(copy2);
	verify_into(a, &v, rows, hash);
	check(v.first_broken == 12 && strstr(v.reason, "skrivits om") != NULL,
	      "rewritten with head: saved head: %lld %s", (long long)v.first_broken, v.reason);
	audit_close(a);
	free(copy);
	free(copy2);
}

/* A cut chain is never extended: the damage stays where verify points. */
static void
test_no_append_on_damage(const char *master)
{
	struct audit *a;
	char *copy = path_of("damaged.db");

	copy_file(master, copy);
	must(raw_exec(copy, DROP_TRIGGERS "DELETE FROM event WHERE id = 12") == SQLITE_OK, "cut",
	     NULL);
	a = must_open(copy);
	check(audit_event(a, 2, "finding", NULL, "{}") == -1 &&
	          strstr(audit_error(a), "skadad") != NULL,
	      "append on a cut chain: %s", audit_error(a));
	audit_close(a);
	free(copy);
}

static void
test_export(const char *master)
{
	struct audit *a = must_open(master);
	char *out, *line, *p, id[32];
	int rc, i, depth, lines;
	bool in_str, raw = false, after = false;

	out = export_of(a, NULL, true, &rc);
	check(rc == 0 && out != NULL && out[0] == '{', "export json: starts with {");
	for (i = 1; i <= FIXTURE_ROWS; i++) {
		snprintf(id, sizeof(id), "{\"id\": %d,", i);
		check(out != NULL && strstr(out, id) != NULL, "export json: no event %d", i);
	}
	check(out != NULL && strstr(out, "\"head\": {\"rows\": 12, \"hash\": \"") != NULL,
	      "export json: no head");
	check(out != NULL && strstr(out, "\"data\": \"{\\\"x\\\":\\\"a\\tb\\nc\\\"}\"") != NULL,
	      "export json: data not a JSON string of the stored text");
	/* Brackets balance outside strings, and nothing follows the object. */
	depth = 0;
	in_str = false;
	for (p = out; p != NULL && *p != '\0'; p++) {
		if (in_str) {
			if (*p == '\\' && p[1] != '\0')
				p++;
			else if (*p == '"')
				in_str = false;
			else if ((unsigned char)*p < 0x20)
				raw = true;
		} else if (*p == '"')
			in_str = true;
		else if (*p == '{' || *p == '[')
			depth++;
		else if (*p == '}' || *p == ']') {
			if (--depth == 0 && strcmp(p, "}\n") != 0)
				after = true;
		}
	}
	check(depth == 0 && !in_str, "export json: unbalanced");
	check(!raw, "export json: raw control byte in a string");
	check(!after, "export json: text after the end");
	free(out);

	out = export_of(a, "2026-11-21", true, &rc);
	check(rc == 0 && out != NULL && strstr(out, "{\"id\": 9,") != NULL &&
	          strstr(out, "{\"id\": 12,") != NULL && strstr(out, "{\"id\": 8,") == NULL &&
	          strstr(out, "\"rows\": 12") != NULL,
	      "export --since 2026-11-21: want 9-12 and the whole head");
	free(out);
	out = export_of(a, "2026-11-21T09:00:01Z", true, &rc);
	check(rc == 0 && out != NULL && strstr(out, "\"id\":") == NULL,
	      "export --since after the last: want no events");
	free(out);
	out = export_of(a, "21/11/2026", true, &rc);
	check(rc == -1, "export --since 21/11/2026 accepted");
	free(out);

	out = export_of(a, NULL, false, &rc);
	check(rc == 0 && out != NULL &&
	          strncmp(out, "id\tbatch\tts\tkind\tforsandelse\tdata\tprev_hash\thash\n", 47) ==
	              0,
	      "export tsv: header");
	lines = 0;
	for (p = out; p != NULL && (line = strchr(p, '\n')) != NULL; p = line + 1)
		lines++;
	check(lines == 1 + FIXTURE_ROWS + 1, "export tsv: %d lines, want %d", lines,
	      FIXTURE_ROWS + 2);
	check(out != NULL && strstr(out, "\t{\"x\":\"a\\tb\\nc\"}\t") != NULL,
	      "export tsv: tab and newline not escaped");
	check(out != NULL && strstr(out, "\n1\t1\t" NOW1 "\tbatch\t\\N\t{") != NULL,
	      "export tsv: NULL not \\N");
	check(out != NULL && (p = strstr(out, "\n# head: rows=12 hash=")) != NULL &&
	          strlen(p) == strlen("\n# head: rows=12 hash=") + 64 + 1,
	      "export tsv: head line");
	free(out);
	audit_close(a);
}

/* ---- fresh logs ---- */

static void
test_files(void)
{
	char *p = path_of("mode.db"), *wal = path_of("mode.db-wal"), *shm = path_of("mode.db-shm");
	char *wide = path_of("wide.db"), *widewal = path_of("wide.db-wal");
	char *link = path_of("link.db"), *junk = path_of("junk.db"), err[512];
	struct audit *a;
	int fd;

	umask(022);
	a = must_open(p);
	check(mode_of(p) == 0600, "new file mode %o, want 600", (unsigned)mode_of(p));
	check(mode_of(wal) == 0600 && mode_of(shm) == 0600, "-wal %o -shm %o, want 600",
	      (unsigned)mode_of(wal), (unsigned)mode_of(shm));
	audit_close(a);

	/* An existing file, and a -wal left behind, both readable by all. */
	a = must_open(wide);
	audit_close(a);
	must(chmod(wide, 0644) == 0, "chmod", NULL);
	fd = open(widewal, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	must(fd != -1 && fchmod(fd, 0644) == 0 && close(fd) == 0, "wal", NULL);
	a = must_open(wide);
	check(mode_of(wide) == 0600 && mode_of(widewal) == 0600,
	      "existing 644 file: now %o and -wal %o, want 600", (unsigned)mode_of(wide),
	      (unsigned)mode_of(widewal));
	audit_close(a);

	/* A -wal left as a symbolic link: SQLite would follow it. */
	must(symlink(junk, widewal) == 0 || (unlink(widewal) == 0 && symlink(junk, widewal) == 0),
	     "wal link", NULL);
	check(audit_open(wide, err, sizeof(err)) == NULL &&
	          strstr(err, "inte en vanlig fil") != NULL,
	      "-wal as a symbolic link opened (%s)", err);
	must(unlink(widewal) == 0, "unlink wal link", NULL);

	must(symlink(p, link) == 0, "symlink", NULL);
	check(audit_open(link, err, sizeof(err)) == NULL &&
	          strncmp(err, "kan inte öppna granskningsloggen", 33) == 0,
	      "symbolic link opened (%s)", err);
	check(audit_open("/nonexistent/dir/a.db", err, sizeof(err)) == NULL &&
	          strstr(err, "kan inte öppna granskningsloggen /nonexistent/dir/a.db") != NULL,
	      "missing directory: %s", err);
	check(audit_open(dir, err, sizeof(err)) == NULL, "a directory opened");
	fd = open(junk, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	must(fd != -1 && write(fd, "not a database, not at all, really not one; no.", 47) == 47 &&
	         close(fd) == 0,
	     "junk", NULL);
	check(audit_open(junk, err, sizeof(err)) == NULL &&
	          strncmp(err, "kan inte öppna granskningsloggen", 33) == 0,
	      "junk file opened (%s)", err);
	check(audit_open(NULL, err, sizeof(err)) == NULL, "NULL path opened");
	free(p);
	free(wal);
	free(shm);
	free(wide);
	free(widewal);
	free(link);
	free(junk);
}

static void
test_schema_version(const char *master)
{
	char *copy = path_of("future.db"), err[512];
	struct audit *a;

	copy_file(master, copy);
	must(raw_exec(copy, "PRAGMA user_version = 99") == SQLITE_OK, "user_version", NULL);
	a = audit_open(copy, err, sizeof(err));
	check(a == NULL && strstr(err, "schemaversion 99") != NULL, "newer schema opened: %s",
	      a == NULL ? err : "");
	audit_close(a);
	free(copy);
}

static void
test_reopen(const char *master)
{
	char *copy = path_of("reopen.db"), hash[65], hash2[65];
	struct audit_verify v;
	struct audit *a;
	int64_t rows, rows2;

	copy_file(master, copy);
	a = must_open(copy);
	must(audit_head(a, &rows, hash) == 0, "head", a);
	audit_close(a);
	a = must_open(copy);
	must(audit_head(a, &rows2, hash2) == 0, "head", a);
	check(rows == rows2 && strcmp(hash, hash2) == 0, "reopen: head changed");
	check(audit_event(a, 2, "finding", NULL, "{}") == 0 && head_rows(a) == rows + 1,
	      "reopen: append: %s", audit_error(a));
	verify_into(a, &v, 0, NULL);
	check(v.first_broken == 0 && v.rows == rows + 1, "reopen: verify: %s", v.reason);
	audit_close(a);
	free(copy);
}

/* How many events of kind the log holds; -1 on error. */
static int64_t
count_kind(const char *path, const char *kind)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t n = -1;

	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, "SELECT count(*) FROM event WHERE kind = ?1", -1, &st, NULL) ==
	        SQLITE_OK &&
	    sqlite3_bind_text(st, 1, kind, -1, SQLITE_TRANSIENT) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return n;
}

/*
 * Transactions as callers see them: only through groups and the verbs
 * (no caller outside the store opens, commits or rolls back one).
 */
static void
test_transactions(void)
{
	char *p = path_of("tx.db");
	struct audit_verify v;
	struct audit *a = must_open(p);
	struct outbox_item it = {"tx1", NULL, 1, "r", "print", SHA1};
	struct outbox_item tx0 = {"tx0", NULL, 1, "r", "print", SHA1};
	struct outbox_item clash = {"tx0", NULL, 1, "r", "print", SHA2};
	struct audit_note note_b = {"route", "{\"b\":1}"};
	enum outbox_state s = OUTBOX_SENT;
	int64_t b = 0, n;

	setenv("EXPEDIERA_AUDIT_NOW", NOW1, 1);
	struct audit_batch bb = {"send", "s", NULL, "u", "h"};
	must(audit_batch_begin(a, &bb, &b) == 0, "batch", a);
	n = head_rows(a);

	check(audit_group_begin(a) == 0 && audit_event(a, b, "finding", NULL, "{}") == 0 &&
	          audit_event(a, b, "finding", NULL, "{}") == 0 && audit_group_end(a) == 0 &&
	          head_rows(a) == n + 2,
	      "tx: commit of two: %s", audit_error(a));
	n = head_rows(a);
	/* Groups do not nest: a second begin is refused and the open group goes on. */
	check(audit_group_begin(a) == 0 && audit_group_begin(a) == -1 &&
	          audit_event(a, b, "finding", NULL, "{}") == 0 &&
	          audit_event(a, b, "finding", NULL, "{}") == 0 && audit_group_end(a) == 0 &&
	          head_rows(a) == n + 2,
	      "tx: nested group: %s", audit_error(a));
	must(outbox_add(a, b, &tx0, &s) == 0, "tx0", a);
	n = head_rows(a);
	/* A decision that fails inside a group undoes only itself (its events too). */
	check(audit_group_begin(a) == 0 && audit_event(a, b, "route", NULL, "{\"a\":1}") == 0 &&
	          outbox_admit(a, b, &clash, &note_b, 1, &s) == -1 &&
	          audit_event(a, b, "route", NULL, "{\"c\":1}") == 0 && audit_group_end(a) == 0 &&
	          head_rows(a) == n + 2,
	      "tx: inner rollback: %s", audit_error(a));
	check(count_kind(p, "route") == 2, "tx: inner rollback kept the inner event");
	n = head_rows(a);
	/* A failing write inside a group undoes only itself. */
	check(audit_group_begin(a) == 0 && outbox_set(a, b, "nosuch", OUTBOX_SENT, NULL) == -1 &&
	          audit_event(a, b, "finding", NULL, "{}") == 0 && audit_group_end(a) == 0 &&
	          head_rows(a) == n + 1 && !audit_failed(a),
	      "tx: failed write inside: %s", audit_error(a));
	check(audit_group_end(a) == -1, "tx: end without begin accepted");
	check(audit_group_next(a) == 0 && audit_sync(a) == 0,
	      "tx: next and sync without a group: %s", audit_error(a));
	verify_into(a, &v, 0, NULL);
	check(v.first_broken == 0, "tx: verify after all: %s", v.reason);
	audit_close(a);

	/* Closing with a group open keeps nothing of it: not an outbox row, not its event. */
	a = must_open(p);
	n = head_rows(a);
	must(audit_group_begin(a) == 0 && audit_event(a, b, "finding", NULL, "{}") == 0 &&
	     outbox_add(a, b, &it, &s) == 0, "open group", a);
	audit_close(a);
	a = must_open(p);
	check(head_rows(a) == n, "close with an open group kept its events");
	check(outbox_get(a, "tx1", &s, NULL) == 0 && s == OUTBOX_NONE,
	      "close with an open group kept its outbox row");
	verify_into(a, &v, 0, NULL);
	check(v.first_broken == 0, "tx: verify after close: %s", v.reason);
	audit_close(a);
	free(p);
}

/* The verbs: groups, durable at audit_sync; one decision all or nothing; many states. */
static void
test_verbs(void)
{
	char *p = path_of("verbs.db");
	struct audit_batch bb = {"send", "s", DIGEST1, "u", "h"};
	struct audit_note notes[] = {{"route", "{\"r\":1}"}, {"document", "{\"d\":1}"}};
	struct outbox_item it = {"v1", DIGEST1, 1, "rk", "print", SHA1};
	struct outbox_item clash = {"v1", DIGEST1, 1, "rk", "print", SHA2};
	struct outbox_item other = {"v2", DIGEST1, 2, "rk", "print", SHA1};
	struct audit_verify v;
	struct audit *a = must_open(p);
	enum outbox_state s = OUTBOX_NONE;
	const char *ids[OUTBOX_SET_GROUP + 40];
	char idbuf[OUTBOX_SET_GROUP + 40][16];
	int64_t b = 0, n, f;
	size_t i, k;

	setenv("EXPEDIERA_AUDIT_NOW", NOW1, 1);
	check(audit_shared("postgresql://h/db") && audit_shared("POSTGRES://h/db") &&
	          !audit_shared(p) && !audit_shared(NULL),
	      "audit_shared: a server shared, a file not");
	check(audit_group_size(a) == 256, "group size of SQLite: %zu", audit_group_size(a));
	must(audit_batch_begin(a, &bb, &b) == 0, "batch", a);

	/* In a group nothing is durable until the store commits it. */
	f = count_kind(p, "finding");
	check(audit_group_begin(a) == 0 && auditlog_append(a, b, "finding", NULL, "{}") == 0 &&
	          auditlog_append(a, b, "finding", NULL, "{}") == 0 && count_kind(p, "finding") == f,
	      "group: durable before the commit: %s", audit_error(a));
	check(audit_group_begin(a) == -1, "group: nested group accepted");
	check(audit_sync(a) == 0 && count_kind(p, "finding") == f + 2,
	      "group: audit_sync did not commit: %s", audit_error(a));
	check(auditlog_append(a, b, "finding", NULL, "{}") == 0, "group: append after sync");
	for (i = 1; i < audit_group_size(a); i++)
		audit_group_next(a);
	check(count_kind(p, "finding") == f + 2, "group: committed before it was full");
	check(audit_group_next(a) == 0 && count_kind(p, "finding") == f + 3,
	      "group: not committed when full: %s", audit_error(a));
	check(auditlog_append(a, b, "finding", NULL, "{}") == 0 && audit_group_end(a) == 0 &&
	          count_kind(p, "finding") == f + 4,
	      "group: end did not commit: %s", audit_error(a));
	check(audit_group_end(a) == -1, "group: ended twice");
	check(audit_sync(a) == 0, "sync without a group: %s", audit_error(a));

	/* One decision: its events and its outbox row, or nothing. */
	n = head_rows(a);
	check(outbox_admit(a, b, &it, notes, 2, &s) == 0 && s == OUTBOX_PENDING &&
	          head_rows(a) == n + 3 && count_kind(p, "document") == 1,
	      "admit: %s", audit_error(a));
	n = head_rows(a);
	check(outbox_admit(a, b, &clash, notes, 2, &s) == -1 && head_rows(a) == n &&
	          count_kind(p, "route") == 1,
	      "admit: a clash left its events");
	check(audit_group_begin(a) == 0 && outbox_admit(a, b, &clash, notes, 2, &s) == -1 &&
	          outbox_admit(a, b, &other, notes, 1, &s) == 0 && audit_group_end(a) == 0 &&
	          head_rows(a) == n + 2 && count_kind(p, "route") == 2,
	      "admit in a group: %s", audit_error(a));

	/* Many states, over more than one commit; a bad id does not stop the others. */
	must(audit_group_begin(a) == 0, "group", a);
	for (i = 0, k = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct outbox_item m = {idbuf[i], DIGEST1, 3, "rk", "print", SHA1};

		snprintf(idbuf[i], sizeof(idbuf[i]), "m%04zu", i);
		ids[i] = idbuf[i];
		k += outbox_add(a, b, &m, &s) == 0;
	}
	must(audit_group_end(a) == 0 && k == sizeof(ids) / sizeof(ids[0]), "many added", a);
	ids[5] = NULL;
	ids[7] = "nosuch";
	check(outbox_set_many(a, b, ids, sizeof(ids) / sizeof(ids[0]), OUTBOX_HELD, "x") == -1 &&
	          strstr(audit_error(a), "nosuch") != NULL,
	      "many: the bad id not said: %s", audit_error(a));
	check(outbox_get(a, "m0000", &s, NULL) == 0 && s == OUTBOX_HELD &&
	          outbox_get(a, "m0295", &s, NULL) == 0 && s == OUTBOX_HELD &&
	          outbox_get(a, "m0005", &s, NULL) == 0 && s == OUTBOX_PENDING,
	      "many: states not set");
	ids[7] = idbuf[7];
	check(outbox_set_many(a, b, ids, 10, OUTBOX_SENDING, NULL) == 0, "many: %s",
	      audit_error(a));
	verify_into(a, &v, 0, NULL);
	check(v.first_broken == 0, "verbs: verify after all: %s", v.reason);
	audit_close(a);

	/* A group left open at close keeps nothing. */
	a = must_open(p);
	n = head_rows(a);
	must(audit_group_begin(a) == 0 && auditlog_append(a, b, "finding", NULL, "{}") == 0,
	     "open group", a);
	audit_close(a);
	a = must_open(p);
	check(head_rows(a) == n, "close with an open group kept its event");
	audit_close(a);
	free(p);
}

static const struct step {
	enum outbox_state to;
	int rc;
	enum outbox_state want;
	int attempts;
} steps[] = {
    {OUTBOX_SENT, -1, OUTBOX_PENDING, 0}, /* never sent without a handover */
    {OUTBOX_HELD, 0, OUTBOX_HELD, 0},
    {OUTBOX_PENDING, 0, OUTBOX_PENDING, 0},
    {OUTBOX_SENDING, 0, OUTBOX_SENDING, 1},
    {OUTBOX_FAILED, 0, OUTBOX_FAILED, 1},
    {OUTBOX_SENDING, 0, OUTBOX_SENDING, 2},
    {OUTBOX_SENDING, 0, OUTBOX_SENDING, 3}, /* a crash resumed: one more attempt */
    {OUTBOX_NONE, -1, OUTBOX_SENDING, 3},
    {OUTBOX_SENT, 0, OUTBOX_SENT, 3},
    {OUTBOX_PENDING, -1, OUTBOX_SENT, 3}, /* sent is final */
    {OUTBOX_SENDING, -1, OUTBOX_SENT, 3},
    {OUTBOX_SENT, -1, OUTBOX_SENT, 3},
};

static int
list_count(void *arg, const struct outbox_item *it, enum outbox_state s, int attempts,
           const char *reason)
{
	int *n = arg;

	(void)s;
	(void)attempts;
	(void)reason;
	if (it->id != NULL && it->recipient != NULL && strlen(it->sha256) == 64)
		(*n)++;
	return 0;
}

static int
list_stop(void *arg, const struct outbox_item *it, enum outbox_state s, int attempts,
          const char *reason)
{
	(void)arg;
	(void)it;
	(void)s;
	(void)attempts;
	(void)reason;
	return 7;
}

static void
test_outbox(void)
{
	char *p = path_of("outbox.db"), *s1;
	struct outbox_item it = {"o1", DIGEST1, 126, "rk1", "print", SHA1};
	struct outbox_item it2 = {"o2", DIGEST2, 127, "Akt", "archive", SHA2};
	struct outbox_item clash = {"o1", DIGEST1, 126, "rk1", "print", SHA2};
	struct audit_batch bb = {"send", "s", DIGEST1, NULL, NULL};
	struct audit_verify v;
	struct audit *a = must_open(p);
	enum outbox_state s;
	int64_t b = 0, n;
	int attempts, cnt;
	size_t i;

	setenv("EXPEDIERA_AUDIT_NOW", NOW1, 1);
	must(audit_batch_begin(a, &bb, &b) == 0, "batch", a);
	s1 = raw_text(p, "SELECT user FROM batch WHERE id = 1");
	check(s1 != NULL && s1[0] != '\0', "batch: no user looked up");
	free(s1);
	s1 = raw_text(p, "SELECT host FROM batch WHERE id = 1");
	check(s1 != NULL && s1[0] != '\0', "batch: no host looked up");
	free(s1);

	s = OUTBOX_SENT;
	attempts = 9;
	check(outbox_get(a, "o1", &s, &attempts) == 0 && s == OUTBOX_NONE && attempts == 0,
	      "outbox: unknown id is not NONE");
	check(outbox_add(a, b, &it, &s) == 0 && s == OUTBOX_PENDING, "outbox: add: %s",
	      audit_error(a));
	n = head_rows(a);
	s = OUTBOX_NONE;
	check(outbox_add(a, b, &it, &s) == 0 && s == OUTBOX_PENDING && head_rows(a) == n,
	      "outbox: second add not idempotent");
	check(outbox_add(a, b, &clash, &s) == -1, "outbox: same id, other document accepted");
	check(outbox_add(a, 99, &it2, &s) == -1 &&
	          strstr(audit_error(a), "körning 99 finns inte") != NULL,
	      "outbox: unknown batch accepted (%s)", audit_error(a));
	check(outbox_add(a, 0, &it2, &s) == -1, "outbox: no batch accepted");
	check(outbox_set(a, b, "nosuch", OUTBOX_SENDING, NULL) == -1,
	      "outbox: set of an unknown id accepted");

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		int rc = outbox_set(a, b, "o1", steps[i].to, "skäl");

		check(rc == steps[i].rc, "outbox step %zu: to %s: rc %d, want %d (%s)", i,
		      outbox_state_name(steps[i].to), rc, steps[i].rc, audit_error(a));
		s = OUTBOX_NONE;
		attempts = -1;
		if (outbox_get(a, "o1", &s, &attempts) != 0)
			attempts = -99;
		check(s == steps[i].want && attempts == steps[i].attempts,
		      "outbox step %zu: %s/%d, want %s/%d", i, outbox_state_name(s), attempts,
		      outbox_state_name(steps[i].want), steps[i].attempts);
	}
	/* A rerun after it was sent finds it sent and logs nothing. */
	n = head_rows(a);
	check(outbox_add(a, b, &it, &s) == 0 && s == OUTBOX_SENT && head_rows(a) == n,
	      "outbox: add after sent");
	s1 = raw_text(p, "SELECT data FROM event WHERE kind = 'state' AND forsandelse = 'o1' "
	                 "ORDER BY id DESC LIMIT 1");
	check(s1 != NULL &&
	          strcmp(s1, "{\"state\":\"sent\",\"attempts\":3,\"reason\":\"skäl\"}") == 0,
	      "outbox: last state event is %s", s1 != NULL ? s1 : "(none)");
	free(s1);
	/* One for the add, one for each step that succeeded. */
	check(count_kind(p, "state") == 1 + 7, "outbox: %lld state events, want 8",
	      (long long)count_kind(p, "state"));

	must(outbox_add(a, b, &it2, &s) == 0, "add o2", a);
	cnt = 0;
	if (outbox_list(a, NULL, list_count, &cnt) != 0)
		cnt = -99;
	check(cnt == 2, "outbox_list all: %d", cnt);
	cnt = 0;
	if (outbox_list(a, DIGEST2, list_count, &cnt) != 0)
		cnt = -99;
	check(cnt == 1, "outbox_list by digest: %d", cnt);
	check(outbox_list(a, NULL, list_stop, NULL) == 7, "outbox_list: stop value not returned");
	verify_into(a, &v, 0, NULL);
	check(v.first_broken == 0, "outbox: verify: %s", v.reason);
	audit_close(a);
	free(p);
}

static const struct {
	const char *kind;
	const char *data;
	int rc;
} events[] = {
    {"finding", "{}", 0},    {"a-b", "{}", 0},    {"batch", "{}", -1}, /* written only by
                                                                          audit_batch_begin */
    {"batch-end", "{}", -1}, {"state", "{}", -1}, /* written only by the outbox */
    {"Finding", "{}", -1},   {"", "{}", -1},      {"-x", "{}", -1},    {"find ing", "{}", -1},
    {"finding", NULL, -1},   {NULL, "{}", -1},
};

static void
test_events(void)
{
	char *p = path_of("events.db"), *ts;
	struct audit_batch bb = {"send", NULL, NULL, NULL, NULL};
	struct audit_verify v;
	struct audit *a = must_open(p);
	int64_t b = 0;
	size_t i;

	setenv("EXPEDIERA_AUDIT_NOW", NOW1, 1);
	must(audit_batch_begin(a, &bb, &b) == 0, "batch", a);
	for (i = 0; i < sizeof(events) / sizeof(events[0]); i++)
		check(audit_event(a, b, events[i].kind, NULL, events[i].data) == events[i].rc,
		      "event kind \"%s\": want %d", events[i].kind ? events[i].kind : "(null)",
		      events[i].rc);
	check(audit_event(a, 0, "finding", NULL, "{}") == 0, "event without a batch: %s",
	      audit_error(a));
	check(audit_event(a, 77, "finding", NULL, "{}") == -1 &&
	          strstr(audit_error(a), "körning 77 finns inte") != NULL,
	      "event of an unknown batch: %s", audit_error(a));
	check(audit_batch_end(a, b, NULL) == 0, "batch end: %s", audit_error(a));
	check(audit_batch_end(a, b, NULL) == -1, "batch ended twice");
	check(audit_batch_end(a, 77, NULL) == -1, "unknown batch ended");

	setenv("EXPEDIERA_AUDIT_NOW", "2026-11-20 10:00", 1);
	check(audit_event(a, b, "finding", NULL, "{}") == -1 &&
	          strstr(audit_error(a), "EXPEDIERA_AUDIT_NOW") != NULL,
	      "bad EXPEDIERA_AUDIT_NOW accepted");
	setenv("EXPEDIERA_AUDIT_NOW", "2026-13-20T10:00:00Z", 1);
	check(audit_event(a, b, "finding", NULL, "{}") == -1, "month 13 accepted");
	unsetenv("EXPEDIERA_AUDIT_NOW");
	check(audit_event(a, b, "finding", NULL, "{}") == 0, "real clock: %s", audit_error(a));
	ts = raw_text(p, "SELECT ts FROM event ORDER BY id DESC LIMIT 1");
	check(ts != NULL && strlen(ts) == 20 && ts[10] == 'T' && ts[19] == 'Z' &&
	          strncmp(ts, "2025", 4) >= 0 && strcmp(ts, NOW1) != 0,
	      "real clock: ts %s", ts != NULL ? ts : "(none)");
	free(ts);
	verify_into(a, &v, 0, NULL);
	check(v.first_broken == 0, "events: verify: %s", v.reason);
	audit_close(a);
	free(p);
}

/* Two handles, as two processes: the chain stays one line. */
static void
test_two_writers(void)
{
	char *p = path_of("two.db");
	struct audit_batch bb = {"send", NULL, NULL, "u", "h"};
	struct audit *a1 = must_open(p), *a2 = must_open(p);
	struct audit_verify v;
	int64_t b1 = 0, b2 = 0;
	int i, ok = 1;

	setenv("EXPEDIERA_AUDIT_NOW", NOW1, 1);
	must(audit_batch_begin(a1, &bb, &b1) == 0 && audit_batch_begin(a2, &bb, &b2) == 0,
	     "batches", a1);
	for (i = 0; i < 20; i++)
		ok &= audit_event(i % 3 ? a1 : a2, i % 3 ? b1 : b2, "finding", NULL, "{}") == 0;
	check(ok, "two writers: append failed");
	check(head_rows(a1) == 22 && head_rows(a2) == 22, "two writers: heads differ");
	verify_into(a2, &v, 0, NULL);
	check(v.first_broken == 0 && v.rows == 22, "two writers: verify: %s", v.reason);
	audit_close(a1);
	audit_close(a2);
	free(p);
}

/*
 * Two processes appending at once: BEGIN IMMEDIATE and the head read inside
 * it keep the chain one line.  Each child has its own connection and leaves
 * with _exit, so the parent's exit handlers (LeakSanitizer's) run once.
 */
static void
test_two_processes(void)
{
	char *p = path_of("procs.db");
	struct audit_batch bb = {"send", NULL, NULL, "u", "h"};
	struct audit_verify v;
	struct audit *a = must_open(p);
	int64_t b = 0;
	pid_t pid[2];
	int i, k, st, ok = 1;

	setenv("EXPEDIERA_AUDIT_NOW", NOW1, 1);
	must(audit_batch_begin(a, &bb, &b) == 0, "batch", a);
	audit_close(a);
	fflush(stdout);
	for (k = 0; k < 2; k++) {
		if ((pid[k] = fork()) == 0) {
			a = audit_open(p, NULL, 0);
			for (i = 0; a != NULL && i < 100; i++)
				if (audit_event(a, b, "finding", NULL,
				                k ? "{\"c\":2}" : "{\"c\":1}") != 0)
					break;
			audit_close(a);
			_exit(i == 100 ? 0 : 1);
		}
		must(pid[k] != -1, "fork", NULL);
	}
	for (k = 0; k < 2; k++)
		ok &= waitpid(pid[k], &st, 0) == pid[k] && WIFEXITED(st) && WEXITSTATUS(st) == 0;
	check(ok, "two processes: a child could not append");
	a = must_open(p);
	verify_into(a, &v, 0, NULL);
	check(v.first_broken == 0 && v.rows == 201,
	      "two processes: rows %lld, first_broken %lld %s (%s)", (long long)v.rows,
	      (long long)v.first_broken, v.reason, audit_error(a));
	audit_close(a);
	free(p);
}

static void
cleanup(void)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	char *p;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		p = path_of(de->d_name);
		(void)unlink(p);
		free(p);
	}
	closedir(d);
	(void)rmdir(dir);
}

int
main(void)
{
	char *master;

	if (mkdtemp(dir) == NULL) {
		printf("FAIL: mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	master = path_of("master.db");
	fixture(master);
	test_intact(master);
	test_tamper(master);
	test_guards(master);
	test_saved_head(master);
	test_no_append_on_damage(master);
	test_export(master);
	test_schema_version(master);
	test_reopen(master);
	test_files();
	test_transactions();
	test_verbs();
	test_outbox();
	test_events();
	test_two_writers();
	test_two_processes();
	free(master);
	cleanup();
	printf("test_audit: %d passed, %d failed\n", passed, failed);
	/* LeakSanitizer reports from an exit handler and leaves without
	 * flushing stdio; the summary must not be lost with it. */
	fflush(stdout);
	return failed != 0;
}
