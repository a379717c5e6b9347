/*
 * db_impl.h -- what the two back-ends of db.h share (db.c, store_sqlite.c,
 * store_pg.c); nothing else includes it.  Each back-end embeds struct db and
 * struct db_stmt first in its own and fills in a table of operations, as
 * OpenSMTPD's queue back-ends do.
 */
#ifndef EXPEDIERA_DB_IMPL_H
#define EXPEDIERA_DB_IMPL_H

#include "db.h"

struct db_ops {
	unsigned supports; /* STORE_* (db.h) */
	struct db *(*open)(const char *target, char *err, size_t errlen);
	bool (*exists)(const char *target);
	void (*set_lease)(struct db *, int seconds); /* NULL: no claims to lease */
	void (*close)(struct db *);
	int (*exec)(struct db *, const char *sql);
	int (*begin)(struct db *, bool write);
	bool (*in_tx)(const struct db *);
	bool (*tx_broken)(const struct db *);
	int (*lock_chain)(struct db *);
	int (*prepare)(struct db *, const char *sql, struct db_stmt **);
	int (*bind_text)(struct db_stmt *, int i, const char *s);
	int (*bind_int)(struct db_stmt *, int i, int64_t v);
	int (*bind_null)(struct db_stmt *, int i);
	int (*step)(struct db_stmt *);
	int (*reset)(struct db_stmt *);
	void (*finalize)(struct db_stmt *);
	enum db_type (*column_type)(struct db_stmt *, int i);
	const char *(*column_text)(struct db_stmt *, int i);
	size_t (*column_bytes)(struct db_stmt *, int i);
	int64_t (*column_int64)(struct db_stmt *, int i);
	int (*lock_run)(struct db *, FILE *wait_msg);
	int (*claim)(struct db *, const char *key);
	int (*claims_renew)(struct db *);
	int (*step_later)(struct db_stmt *); /* NULL: step now */
};

struct db {
	const struct db_ops *ops;
	char *name;        /* the target, any password cut out */
	int64_t changes;   /* of the last write statement */
	bool storage;      /* the last error was the storage's (db_storage_error) */
	char err[512];
};

struct db_stmt {
	struct db *db;
};

void db_seterr(struct db *, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

extern const struct db_ops db_sqlite_ops, db_pg_ops;

#endif
