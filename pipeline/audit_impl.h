/*
 * audit_impl.h -- what the four parts of the audit log share (audit.c the
 * chain, audit_outbox.c the outbox, audit_verify.c verify and export,
 * audit_key.c the person key); nothing else includes it.  They speak SQL
 * through db.h, in the dialect both back-ends take, and never ask which
 * back-end it is (db_supports).
 */
#ifndef EXPEDIERA_AUDIT_IMPL_H
#define EXPEDIERA_AUDIT_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "audit.h"
#include "db.h"

#define AUDIT_MAX_DATA  (1024 * 1024) /* one event's data; far above any real one */
#define AUDIT_MAX_FIELD 4096          /* command, session, ids, reasons ... */
#define AUDIT_MAX_KIND  32
#define HEX_LEN         64
#define TS_LEN          20 /* 2026-11-20T10:00:00Z */

struct audit {
	struct db *db;
	char *path;
	int depth; /* open tx_begin levels; the first is BEGIN IMMEDIATE */
	bool failed; /* a write did not become durable: see audit_failed() */
	unsigned char key[32]; /* the person key (audit_load_key); wiped at close */
	bool have_key;
	int64_t known_batch; /* a batch batch_known found, until a rollback; 0: none */
	int group; /* the depth audit_group_begin opened, 0 without a group */
	size_t units; /* decisions in the open group (audit_group_next) */
	char err[512];
};

/* One input of the hash; p NULL is SQL NULL. */
struct field {
	const char *p;
	size_t n;
};

/* The kinds and fields the lookup table holds (migration 2), written by append(). */
struct lookup_field {
	const char *kind, *field;
};
#define N_LOOKUP_FIELDS 6
extern const struct lookup_field lookup_fields[N_LOOKUP_FIELDS];
bool looked_up(const char *kind, const char *field);

/* Errors: a Swedish message in a->err; sqlfail copies the database's, which names it. */
#define seterr(a, ...) ((void)snprintf((a)->err, sizeof((a)->err), __VA_ARGS__))
int sqlfail(struct audit *);

/* Statements, each setting a->err when it fails (-1). */
int prep(struct audit *, const char *sql, struct db_stmt **);
/* prep, and ?1 .. ?n bound to the texts of params; *st is the caller's to finalize. */
int prep_with(struct audit *, const char *sql, const char *const *params, int n,
    struct db_stmt **st);
int bind_text(struct audit *, struct db_stmt *, int i, const char *s); /* s NULL: SQL NULL */
int bind_int(struct audit *, struct db_stmt *, int i, int64_t v);
int step_done(struct audit *, struct db_stmt *);
int step_row(struct audit *, struct db_stmt *); /* 1: a row, 0: no more rows, -1 */
const char *col_text(struct db_stmt *, int i);
struct field col_field(struct db_stmt *, int i); /* a column as hash input, as stored */
bool col_is(struct db_stmt *, int i, const char *s); /* exactly s (NULL: SQL NULL) */

/* Checks of what callers pass. */
bool valid_text(const char *s, size_t max);
bool valid_hex(const char *s); /* 64 lower-case hex digits */

/* Now in UTC, or the test clock (clock.h). */
int now_ts(struct audit *, char ts[TS_LEN + 1]);

/* The chain's hash over fields f (audit.c's opening comment). */
int chain_hash(const struct field *f, size_t nf, char out[HEX_LEN + 1]);

/* A string builder: open_memstream; mem_close gives the string, NULL when memory ran out. */
FILE *mem_open(char **p, size_t *n);
char *mem_close(FILE *fp, char *const *p);

/* The data of a "batch" event, and of a "state" event (it NULL: the state alone). */
char *batch_json(const char *command, const char *session, const char *digest, const char *user,
    const char *host);
char *state_json(const struct outbox_item *it, const char *state, int64_t attempts,
    const char *reason);
bool state_parse(const char *s, enum outbox_state *out);

/*
 * Transactions, the store's own (callers outside it use groups, audit.h).
 * A write function opens one level with tx_begin and ends it with
 * tx_end(a, rc), which commits on 0 and rolls back otherwise, keeping the
 * first error.  Levels nest: only the outermost commit commits, and a
 * rollback undoes what was done since its own begin (an inner level is a
 * savepoint).  tx_commit closes one level, also when it fails; a failed
 * outermost commit leaves nothing behind.  Readers see one snapshot:
 * read_begin opens it unless a transaction is open already (*began says),
 * read_end closes it.
 */
int tx_begin(struct audit *);
int tx_commit(struct audit *);
int tx_end(struct audit *, int rc);
int read_begin(struct audit *, bool *began);
int read_end(struct audit *, bool began, int rc);

/*
 * Runs sql, its ?1 .. ?n bound to the n texts of params, in one snapshot,
 * and calls each for every row: 0 goes on, anything else stops the walk and
 * is returned (-1 with a->err set for an error of each's own).
 */
int select_each(struct audit *, const char *sql, const char *const *params, int n,
    int (*each)(struct audit *, struct db_stmt *, void *), void *arg);

/* The chain: its head, a batch that must exist, one event appended (inside a write). */
int head_read(struct audit *, int64_t *rows, char hash[HEX_LEN + 1]);
int batch_known(struct audit *, int64_t batch);
int append(struct audit *, int64_t batch, const char *ts, const char *kind, const char *fs,
    const char *data);

#endif
