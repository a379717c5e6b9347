/*
 * store_sqlite.c -- the SQLite back-end of db.h: the embedded default, one file.
 *
 * Reads and writes: the database file (created 0600 before SQLite opens it;
 * an existing file and its -wal and -shm files are set to 0600) and the run
 * lock beside it (DATABASE.lock, flock(2)).  Writes nothing to stderr but
 * the one line that says a run waits for the run lock.
 * Durability: WAL with synchronous=FULL, so a commit is on disk when it
 * returns.  Appends are serialised by BEGIN IMMEDIATE; runs that send by the
 * run lock, so a claim is always granted here.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "db_impl.h"
#include "xmalloc.h"

#define BUSY_MS 5000 /* another process appending: wait this long */

struct sq {
	struct db db;
	sqlite3 *h;
	char *path;
	int lock_fd; /* the run lock, -1 when not held */
};

struct sq_stmt {
	struct db_stmt st;
	sqlite3_stmt *s;
};

/*
 * The schema, one migration per version: migrations[v] takes a database of
 * user_version v to v + 1, and sets user_version itself so that the step and
 * its number commit together.  Never edit a migration once released; add one.
 *
 * batch:      one row per run; `ended` is set once, from NULL, and nothing
 *             else ever changes.  The row is a convenience for `status`; the
 *             "batch" and "batch-end" events are the record, and verify
 *             checks the row against them.  (Keeping `ended` in the row costs
 *             one narrow trigger, and spares every reader a join.)
 * event:      the chain.  INTEGER PRIMARY KEY without AUTOINCREMENT: the id
 *             is chosen from chain_head, so ids are 1..N with no gap.
 * chain_head: one row (N, hash of event N), moved forward by one in the
 *             same transaction as each append; finds a deleted last row.
 * outbox:     the mutable state of each försändelse.  Every change is also
 *             a "state" event in the same transaction, and verify checks
 *             each row against its first and last state event.
 *
 * The triggers make the append-only rule hold for every program that uses
 * the file, not just this one; verify does not rely on them.
 */
static const char *const migrations[] = {
    /* 0 -> 1 */
    "CREATE TABLE batch (\n"
    "	id             INTEGER PRIMARY KEY,\n"
    "	started        TEXT NOT NULL,\n"
    "	ended          TEXT,\n"
    "	command        TEXT NOT NULL,\n"
    "	session        TEXT,\n"
    "	session_digest TEXT,\n"
    "	user           TEXT NOT NULL,\n"
    "	host           TEXT NOT NULL\n"
    ");\nCREATE TABLE event (\n"
    "	id          INTEGER PRIMARY KEY,\n"
    "	batch       INTEGER REFERENCES batch (id),\n"
    "	ts          TEXT NOT NULL,\n"
    "	kind        TEXT NOT NULL,\n"
    "	forsandelse TEXT,\n"
    "	data        TEXT NOT NULL,\n"
    "	prev_hash   TEXT NOT NULL,\n"
    "	hash        TEXT NOT NULL\n"
    ");\nCREATE INDEX event_forsandelse ON event (forsandelse, id);\n"
    "CREATE TABLE chain_head (\n"
    "	one  INTEGER PRIMARY KEY CHECK (one = 1),\n"
    "	rows INTEGER NOT NULL,\n"
    "	hash TEXT NOT NULL\n"
    ");\nINSERT INTO chain_head (one, rows, hash) VALUES (1, 0,\n"
    "    '0000000000000000000000000000000000000000000000000000000000000000');\n"
    "CREATE TABLE outbox (\n"
    "	id             TEXT PRIMARY KEY,\n"
    "	batch          INTEGER NOT NULL REFERENCES batch (id),\n"
    "	session_digest TEXT,\n"
    "	paragraf       INTEGER NOT NULL,\n"
    "	recipient      TEXT NOT NULL,\n"
    "	route          TEXT NOT NULL,\n"
    "	sha256         TEXT NOT NULL,\n"
    "	state          TEXT NOT NULL\n"
    "	    CHECK (state IN ('pending', 'sending', 'sent', 'held', 'failed')),\n"
    "	attempts       INTEGER NOT NULL DEFAULT 0,\n"
    "	reason         TEXT,\n"
    "	updated        TEXT NOT NULL\n"
    ");\nCREATE INDEX outbox_session_digest ON outbox (session_digest);\n"
    "CREATE TRIGGER event_append BEFORE INSERT ON event\n"
    "WHEN NEW.id IS NOT (SELECT rows + 1 FROM chain_head)\n"
    "    OR NEW.prev_hash IS NOT (SELECT hash FROM chain_head)\n"
    "BEGIN SELECT RAISE(ABORT, 'händelser läggs bara till sist i kedjan'); END;\n"
    "CREATE TRIGGER event_no_update BEFORE UPDATE ON event\n"
    "BEGIN SELECT RAISE(ABORT, 'händelser ändras aldrig'); END;\n"
    "CREATE TRIGGER event_no_delete BEFORE DELETE ON event\n"
    "BEGIN SELECT RAISE(ABORT, 'händelser tas aldrig bort'); END;\n"
    "CREATE TRIGGER batch_end_once BEFORE UPDATE ON batch\n"
    "WHEN OLD.ended IS NOT NULL OR NEW.ended IS NULL OR NEW.id IS NOT OLD.id\n"
    "    OR NEW.started IS NOT OLD.started OR NEW.command IS NOT OLD.command\n"
    "    OR NEW.session IS NOT OLD.session\n"
    "    OR NEW.session_digest IS NOT OLD.session_digest\n"
    "    OR NEW.user IS NOT OLD.user OR NEW.host IS NOT OLD.host\n"
    "BEGIN SELECT RAISE(ABORT, 'en körning ändras aldrig; den avslutas en gång'); END;\n"
    "CREATE TRIGGER batch_no_delete BEFORE DELETE ON batch\n"
    "BEGIN SELECT RAISE(ABORT, 'körningar tas aldrig bort'); END;\n"
    "CREATE TRIGGER chain_head_forward BEFORE UPDATE ON chain_head\n"
    "WHEN NEW.one IS NOT 1 OR NEW.rows IS NOT OLD.rows + 1\n"
    "    OR NEW.hash IS NOT (SELECT hash FROM event WHERE id = NEW.rows)\n"
    "BEGIN SELECT RAISE(ABORT, 'kedjans huvud flyttas bara fram till sista händelsen'); END;\n"
    "CREATE TRIGGER chain_head_no_delete BEFORE DELETE ON chain_head\n"
    "BEGIN SELECT RAISE(ABORT, 'kedjans huvud tas aldrig bort'); END;\n"
    "CREATE TRIGGER outbox_fixed BEFORE UPDATE ON outbox\n"
    "WHEN OLD.state = 'sent' OR NEW.id IS NOT OLD.id OR NEW.batch IS NOT OLD.batch\n"
    "    OR NEW.session_digest IS NOT OLD.session_digest\n"
    "    OR NEW.paragraf IS NOT OLD.paragraf OR NEW.recipient IS NOT OLD.recipient\n"
    "    OR NEW.route IS NOT OLD.route OR NEW.sha256 IS NOT OLD.sha256\n"
    "BEGIN SELECT RAISE(ABORT, 'bara tillståndet i utkorgen ändras, och aldrig efter sent');\n"
    "END;\nCREATE TRIGGER outbox_no_delete BEFORE DELETE ON outbox\n"
    "BEGIN SELECT RAISE(ABORT, 'utkorgen tömms aldrig'); END;\n"
    "PRAGMA user_version = 1;\n",
    /* 1 -> 2: what the log answers after the send (audit_query): the keyed
     * fields of some events' own data, so that they are found without a scan.
     * Derived from the events, written with each in one transaction, and
     * checked against them by verify. */
    "CREATE TABLE lookup (\n"
    "	kind  TEXT NOT NULL,\n"
    "	field TEXT NOT NULL,\n"
    "	value TEXT NOT NULL,\n"
    "	event INTEGER NOT NULL REFERENCES event (id),\n"
    "	PRIMARY KEY (kind, field, value, event)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TRIGGER lookup_no_update BEFORE UPDATE ON lookup\n"
    "BEGIN SELECT RAISE(ABORT, 'uppslagen ändras aldrig'); END;\n"
    "CREATE TRIGGER lookup_no_delete BEFORE DELETE ON lookup\n"
    "BEGIN SELECT RAISE(ABORT, 'uppslagen tas aldrig bort'); END;\n"
    "PRAGMA user_version = 2;\n",
};


#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))


static struct sq *
SQ(const struct db *d)
{
	return (struct sq *)(void *)(uintptr_t)d;
}

static sqlite3_stmt *
ST(struct db_stmt *st)
{
	return ((struct sq_stmt *)(void *)st)->s;
}

/* The storage refusing a write, not a bad statement. */
static bool
storage_code(int code)
{
	switch (code & 0xff) {
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_READONLY:
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
	case SQLITE_CANTOPEN:
	case SQLITE_PERM:
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_NOMEM:
		return true;
	default:
		return false;
	}
}

static int
sqfail(struct sq *q)
{
	db_seterr(&q->db, "granskningsloggen %s: %s", q->path, sqlite3_errmsg(q->h));
	q->db.storage = storage_code(sqlite3_errcode(q->h));
	return -1;
}

static int
sq_exec(struct db *d, const char *sql)
{
	struct sq *q = SQ(d);
	char *msg = NULL;

	if (sqlite3_exec(q->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
		db_seterr(d, "granskningsloggen %s: %s", q->path,
		    msg != NULL ? msg : sqlite3_errmsg(q->h));
		d->storage = storage_code(sqlite3_errcode(q->h));
		sqlite3_free(msg);
		return -1;
	}
	d->storage = false;
	return 0;
}

static int
sq_begin(struct db *d, bool write)
{
	return sq_exec(d, write ? "BEGIN IMMEDIATE" : "BEGIN");
}

static bool
sq_in_tx(const struct db *d)
{
	return !sqlite3_get_autocommit(SQ(d)->h);
}

static bool
sq_tx_broken(const struct db *d)
{
	/* SQLite rolls a whole transaction back after some errors. */
	return sqlite3_get_autocommit(SQ(d)->h);
}

static int
sq_lock_chain(struct db *d)
{
	(void)d; /* BEGIN IMMEDIATE holds the one write lock already */
	return 0;
}

static int
sq_prepare(struct db *d, const char *sql, struct db_stmt **out)
{
	struct sq *q = SQ(d);
	struct sq_stmt *st;
	sqlite3_stmt *s = NULL;

	if (sqlite3_prepare_v2(q->h, sql, -1, &s, NULL) != SQLITE_OK)
		return sqfail(q);
	st = xcalloc(1, sizeof(*st));
	st->st.db = d;
	st->s = s;
	*out = &st->st;
	return 0;
}

static int
sq_bind_text(struct db_stmt *st, int i, const char *s)
{
	if (sqlite3_bind_text(ST(st), i, s, -1, SQLITE_TRANSIENT) != SQLITE_OK)
		return sqfail(SQ(st->db));
	return 0;
}

static int
sq_bind_int(struct db_stmt *st, int i, int64_t v)
{
	if (sqlite3_bind_int64(ST(st), i, v) != SQLITE_OK)
		return sqfail(SQ(st->db));
	return 0;
}

static int
sq_bind_null(struct db_stmt *st, int i)
{
	if (sqlite3_bind_null(ST(st), i) != SQLITE_OK)
		return sqfail(SQ(st->db));
	return 0;
}

static int
sq_step(struct db_stmt *st)
{
	struct sq *q = SQ(st->db);

	switch (sqlite3_step(ST(st))) {
	case SQLITE_ROW:
		return 1;
	case SQLITE_DONE:
		if (!sqlite3_stmt_readonly(ST(st)))
			q->db.changes = sqlite3_changes(q->h);
		q->db.storage = false;
		return 0;
	default:
		return sqfail(q);
	}
}

static int
sq_reset(struct db_stmt *st)
{
	if (sqlite3_reset(ST(st)) != SQLITE_OK)
		return sqfail(SQ(st->db));
	return 0;
}

static void
sq_finalize(struct db_stmt *st)
{
	sqlite3_finalize(ST(st));
	free(st);
}

static enum db_type
sq_column_type(struct db_stmt *st, int i)
{
	switch (sqlite3_column_type(ST(st), i)) {
	case SQLITE_NULL:
		return DB_NULL;
	case SQLITE_INTEGER:
		return DB_INTEGER;
	default:
		return DB_TEXT;
	}
}

static const char *
sq_column_text(struct db_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(ST(st), i);
}

static size_t
sq_column_bytes(struct db_stmt *st, int i)
{
	return (size_t)sqlite3_column_bytes(ST(st), i);
}

static int64_t
sq_column_int64(struct db_stmt *st, int i)
{
	return sqlite3_column_int64(ST(st), i);
}

/* ---- opening ---- */

/*
 * Sets an existing file to 0600 by name.  By name, not through a descriptor:
 * closing a descriptor of a file SQLite has open in this process (another
 * handle to the same log) would drop SQLite's POSIX locks on it.
 */
static int
tighten(struct sq *q, const char *name)
{
	struct stat sb;

	if (lstat(name, &sb) == -1) {
		if (errno == ENOENT)
			return 0;
		db_seterr(&q->db, "kan inte öppna granskningsloggen %s: %s", name, strerror(errno));
		return -1;
	}
	if (!S_ISREG(sb.st_mode)) {
		db_seterr(&q->db, "kan inte öppna granskningsloggen %s: inte en vanlig fil", name);
		return -1;
	}
	if ((sb.st_mode & 07777) != 0600 && chmod(name, 0600) == -1) {
		db_seterr(&q->db, "kan inte ge granskningsloggen %s rättigheterna 0600: %s", name,
		    strerror(errno));
		return -1;
	}
	return 0;
}

static int
tighten_suffix(struct sq *q, const char *suffix)
{
	char *name = xasprintf("%s%s", q->path, suffix);
	int rc = tighten(q, name);

	free(name);
	return rc;
}

/* Creates the file 0600 when missing, before SQLite can create it wider. */
static int
create_file(struct sq *q)
{
	int fd;

	fd = open(q->path, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1) {
		if (errno == EEXIST)
			return tighten(q, q->path);
		db_seterr(&q->db, "kan inte öppna granskningsloggen %s: %s", q->path,
		    strerror(errno));
		return -1;
	}
	/* A umask such as 0277 would have left it unwritable. */
	if (fchmod(fd, 0600) == -1) {
		db_seterr(&q->db, "kan inte ge granskningsloggen %s rättigheterna 0600: %s",
		    q->path, strerror(errno));
		(void)close(fd);
		return -1;
	}
	if (close(fd) == -1) {
		db_seterr(&q->db, "kan inte öppna granskningsloggen %s: %s", q->path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

static int
configure(struct sq *q)
{
	sqlite3_stmt *st = NULL;
	int rc = -1;

	if (sqlite3_busy_timeout(q->h, BUSY_MS) != SQLITE_OK ||
	    sqlite3_db_config(q->h, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL) != SQLITE_OK ||
	    sqlite3_db_config(q->h, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL) != SQLITE_OK) {
		sqfail(q);
		goto out;
	}
	if (sqlite3_prepare_v2(q->h, "PRAGMA journal_mode = WAL", -1, &st, NULL) != SQLITE_OK) {
		sqfail(q);
		goto out;
	}
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		if (sqlite3_column_text(st, 0) != NULL &&
		    sqlite3_stricmp((const char *)sqlite3_column_text(st, 0), "wal") == 0)
			break;
		/* FALLTHROUGH */
	case SQLITE_DONE:
		db_seterr(&q->db, "granskningsloggen %s: kan inte slå på WAL", q->path);
		goto out;
	default:
		sqfail(q);
		goto out;
	}
	if (sq_exec(&q->db, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON") == -1)
		goto out;
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}

/* PRAGMA user_version: 0 or more, -1 on error. */
static int
user_version(struct sq *q)
{
	sqlite3_stmt *st = NULL;
	int v = -1;

	if (sqlite3_prepare_v2(q->h, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK) {
		sqfail(q);
		return -1;
	}
	switch (sqlite3_step(st)) {
	case SQLITE_ROW:
		v = sqlite3_column_int(st, 0);
		break;
	case SQLITE_DONE:
		v = 0;
		break;
	default:
		sqfail(q);
	}
	sqlite3_finalize(st);
	return v;
}

static int
migrate(struct sq *q)
{
	int v, rc = -1;

	/* Up to date: nothing to write, so nothing to wait for while another run writes. */
	if ((v = user_version(q)) == -1)
		return -1;
	if (v == SCHEMA_VERSION)
		return 0;
	if (sq_exec(&q->db, "BEGIN IMMEDIATE") == -1)
		return -1;
	if ((v = user_version(q)) == -1)
		goto out;
	if (v < 0 || v > SCHEMA_VERSION) {
		db_seterr(&q->db,
		    "granskningsloggen %s: schemaversion %d, men det här programmet känner bara "
		    "till version %d",
		    q->path, v, SCHEMA_VERSION);
		goto out;
	}
	for (; v < SCHEMA_VERSION; v++)
		if (sq_exec(&q->db, migrations[v]) == -1)
			goto out;
	rc = sq_exec(&q->db, "COMMIT");
out:
	if (rc == -1 && !sqlite3_get_autocommit(q->h))
		(void)sqlite3_exec(q->h, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

static void
sq_close(struct db *d)
{
	struct sq *q = SQ(d);

	if (q->h != NULL) {
		if (!sqlite3_get_autocommit(q->h))
			(void)sqlite3_exec(q->h, "ROLLBACK", NULL, NULL, NULL);
		/* Every statement is finalized where it was prepared, so this
		 * cannot be SQLITE_BUSY; there is no one to tell otherwise. */
		(void)sqlite3_close(q->h);
	}
	if (q->lock_fd != -1)
		(void)close(q->lock_fd); /* releases the run lock */
	free(q->path);
	free(q);
}

static struct db *
sq_open(const char *path, char *err, size_t errlen)
{
	struct sq *q = xcalloc(1, sizeof(*q));

	q->db.ops = &db_sqlite_ops;
	q->lock_fd = -1;
	q->path = xstrdup(path != NULL ? path : "");
	q->db.name = q->path;
	if (path == NULL || path[0] == '\0') {
		db_seterr(&q->db, "kan inte öppna granskningsloggen: inget filnamn");
		goto fail;
	}
	/* Left by a crash they may be wider, or links SQLite would follow:
	 * SQLITE_OPEN_NOFOLLOW covers the database file only. */
	if (create_file(q) == -1 || tighten_suffix(q, "-wal") == -1 ||
	    tighten_suffix(q, "-shm") == -1)
		goto fail;
	if (sqlite3_open_v2(path, &q->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, NULL) !=
	    SQLITE_OK) {
		db_seterr(&q->db, "kan inte öppna granskningsloggen %s: %s", path,
		    q->h != NULL ? sqlite3_errmsg(q->h) : "slut på minne");
		goto fail;
	}
	if (configure(q) == -1 || migrate(q) == -1) {
		/* "file is not a database" and the like: say which file it was. */
		char why[sizeof(q->db.err)];

		memcpy(why, q->db.err, sizeof(why));
		db_seterr(&q->db, "kan inte öppna %s", why);
		goto fail;
	}
	/* WAL mode has created them by now. */
	if (tighten_suffix(q, "-wal") == -1 || tighten_suffix(q, "-shm") == -1)
		goto fail;
	return &q->db;
fail:
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", q->db.err);
	sq_close(&q->db);
	return NULL;
}

/*
 * The run lock is flock(2) on a file beside the database, not a row in it:
 * the kernel releases it when the process dies however it dies (SIGKILL, a
 * power cut of the process), so a crashed run never leaves the log locked,
 * and a reader (status, audit verify) never takes it.
 */
static int
sq_lock_run(struct db *d, FILE *wait_msg)
{
	struct sq *q = SQ(d);
	char *name;
	int fd;

	if (q->lock_fd != -1)
		return 0;
	name = xasprintf("%s.lock", q->path);
	fd = open(name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1) {
		db_seterr(d, "kan inte öppna låsfilen %s: %s", name, strerror(errno));
		free(name);
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		if (errno != EWOULDBLOCK) {
			db_seterr(d, "kan inte låsa %s: %s", name, strerror(errno));
			goto fail;
		}
		if (wait_msg != NULL)
			fprintf(wait_msg, "expediera: en annan körning skickar med samma "
			    "granskningslogg; väntar tills den är klar\n");
		while (flock(fd, LOCK_EX) == -1) {
			if (errno == EINTR)
				continue;
			db_seterr(d, "kan inte låsa %s: %s", name, strerror(errno));
			goto fail;
		}
	}
	free(name);
	q->lock_fd = fd;
	return 0;
fail:
	(void)close(fd);
	free(name);
	return -1;
}

/* The run lock keeps every other run out: a claim is always this run's. */
static int
sq_claim(struct db *d, const char *key)
{
	(void)d;
	(void)key;
	return 1;
}

static int
sq_claims_renew(struct db *d)
{
	(void)d;
	return 0;
}

static bool
sq_exists(const char *path)
{
	return path != NULL && access(path, F_OK) == 0;
}

/* One writer at a time (the run lock), so a transaction may group many decisions. */
const struct db_ops db_sqlite_ops = {
    STORE_GROUP, sq_open, sq_exists, NULL,
    sq_close, sq_exec, sq_begin, sq_in_tx, sq_tx_broken, sq_lock_chain, sq_prepare,
    sq_bind_text, sq_bind_int, sq_bind_null, sq_step, sq_reset, sq_finalize, sq_column_type,
    sq_column_text, sq_column_bytes, sq_column_int64, sq_lock_run, sq_claim, sq_claims_renew,
    NULL,
};
