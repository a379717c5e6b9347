/*
 * db.h -- the SQL seam under the audit log and the outbox (audit.c): one
 * interface, two back-ends chosen once at open, SQLite (store_sqlite.c, the
 * embedded default) and PostgreSQL (store_pg.c, for several workers on several
 * hosts).  audit.c keeps the log's logic once -- the chain, its canonical
 * bytes, verify, the outbox's state machine -- and speaks SQL through this.
 *
 * SQL is written once, in the common subset of the two dialects, with
 * parameters as ?1, ?2 ...; what cannot be written once (the schema, locking
 * the chain head, the run lock, claims) lives in the back-end.
 *
 * Errors are Swedish messages for db_errmsg(); nothing here writes to stderr.
 */
#ifndef EXPEDIERA_DB_H
#define EXPEDIERA_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct db;
struct db_stmt;

enum db_type { DB_NULL, DB_INTEGER, DB_TEXT };

/*
 * What a back-end supports, as bits: what differs between SQLite and
 * PostgreSQL is said here, so nothing above the store asks which it is.
 */
enum {
	/*
	 * Several workers on several hosts may share the log: each försändelse
	 * is claimed (db_claim) and there is no run lock.  (PostgreSQL.)
	 */
	STORE_SHARED = 1 << 0,
	/*
	 * One writer at a time (the run lock), so one transaction may stay open
	 * across slow work and group many decisions; without it a transaction
	 * holds the chain head's lock that other workers wait for, and stays
	 * short.  (SQLite.)
	 */
	STORE_GROUP = 1 << 1,
};

/* The STORE_* bits of the back-end target names, from its form alone (before opening). */
unsigned db_target_supports(const char *target);
/* The STORE_* bits of an open database. */
unsigned db_supports(const struct db *);
/* Whether target names a log that exists: a file that is there, or any server. */
bool db_target_exists(const char *target);

/*
 * Opens target: a file name (SQLite: created 0600 when missing, WAL) or a
 * postgresql:// URI (libpq; no password allowed in it), and brings the
 * schema up to date (created on first use; a newer schema than this program
 * knows is refused).  NULL with a Swedish message in err.
 */
struct db *db_open(const char *target, char *err, size_t errlen);

/* Closes; an open transaction is rolled back, claims are released. */
void db_close(struct db *);

/* The target as given, with any password cut out (for messages). */
const char *db_name(const struct db *);

/* The last error, in Swedish, naming the database. */
const char *db_errmsg(const struct db *);

/*
 * True when the last error was the storage refusing a write rather than a
 * bad statement: a full disk, an I/O error, a read-only database or replica,
 * a lost connection, a lock not granted.
 */
bool db_storage_error(const struct db *);

/* Constant SQL only (one or several statements); 0 or -1. */
int db_exec(struct db *, const char *sql);

/* Transactions: write (SQLite BEGIN IMMEDIATE) or a read snapshot. */
int db_begin(struct db *, bool write);
/* The rest of a transaction's life: commit, roll back, and one level of savepoint. */
enum db_tx { DB_COMMIT, DB_ROLLBACK, DB_SAVEPOINT, DB_RELEASE, DB_ROLLBACK_TO };
int db_tx(struct db *, enum db_tx);
/* A transaction is open (and not lost). */
bool db_in_tx(const struct db *);
/* A transaction was opened but is lost: rolled back under us, or aborted by an error. */
bool db_tx_broken(const struct db *);

/*
 * Locks the chain head for the rest of the write transaction, so that
 * appends from many connections form one order (PostgreSQL: SELECT ... FOR
 * UPDATE on its one row; SQLite: the write lock BEGIN IMMEDIATE took).
 */
int db_lock_chain(struct db *);

int db_prepare(struct db *, const char *sql, struct db_stmt **);
int db_bind_text(struct db_stmt *, int i, const char *s); /* s NULL: SQL NULL */
int db_bind_int(struct db_stmt *, int i, int64_t v);
int db_bind_null(struct db_stmt *, int i);
/* 1: a row, 0: no more rows, -1: error. */
int db_step(struct db_stmt *);
/*
 * Runs a statement that returns no rows and whose effect nothing needs
 * before the next statement (an INSERT whose only answer is success): 0 or
 * -1.  PostgreSQL, inside a transaction, sends it with the next statement
 * or the commit, in one round trip; its error is then that statement's,
 * and nothing after it runs.  SQLite runs it now.  db_changes is not set.
 */
int db_step_later(struct db_stmt *);
/* Ready to step again, keeping the bindings. */
int db_reset(struct db_stmt *);
void db_finalize(struct db_stmt *); /* NULL is allowed */
enum db_type db_column_type(struct db_stmt *, int i);
/* Text of a column (NULL for SQL NULL); lives until the next step, reset or finalize. */
const char *db_column_text(struct db_stmt *, int i);
size_t db_column_bytes(struct db_stmt *, int i);
int64_t db_column_int64(struct db_stmt *, int i);
/* Rows changed by the last INSERT, UPDATE or DELETE. */
int64_t db_changes(const struct db *);

/*
 * The run lock (audit_lock_run): SQLite, flock(2) on a file beside the
 * database for the whole run; PostgreSQL, none -- workers run at once and
 * claim försändelser one by one.
 */
int db_lock_run(struct db *, FILE *wait_msg);

/*
 * Claims: the one worker that may hand a försändelse over.  db_claim: 1 this
 * worker holds key now (fresh, its own, or taken over from a worker whose
 * lease ran out), 0 another worker holds it, -1 error.  db_claims_renew
 * moves every lease of this worker forward and checks that none was taken
 * over: 0, or -1 when one was lost (nothing more may be handed over).  On
 * SQLite the run lock already excludes every other run: always 1 and 0.
 */
int db_claim(struct db *, const char *key);
int db_claims_renew(struct db *);
/* How long a claim lasts unrenewed, in seconds (PostgreSQL; default 120). */
void db_set_lease(struct db *, int seconds);

#endif
