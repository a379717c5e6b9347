/*
 * db.c -- the dispatch of db.h to the back-end a database was opened with
 * (store_sqlite.c, store_pg.c), chosen once, by the form of the [audit] database
 * setting.  Reads and writes nothing itself.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "db_impl.h"

void
db_seterr(struct db *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->err, sizeof(d->err), fmt, ap);
	va_end(ap);
}

/* Whether target names a PostgreSQL server (postgresql:// or postgres://). */
static bool
is_pg(const char *target)
{
	return target != NULL && (strncasecmp(target, "postgresql://", 13) == 0 ||
	    strncasecmp(target, "postgres://", 11) == 0);
}

/* The back-end of target, by its form alone. */
static const struct db_ops *
backend(const char *target)
{
	return is_pg(target) ? &db_pg_ops : &db_sqlite_ops;
}

unsigned
db_target_supports(const char *target)
{
	return backend(target)->supports;
}

unsigned
db_supports(const struct db *d)
{
	return d->ops->supports;
}

bool
db_target_exists(const char *target)
{
	return backend(target)->exists(target);
}

struct db *
db_open(const char *target, char *err, size_t errlen)
{
	return backend(target)->open(target, err, errlen);
}

void
db_close(struct db *d)
{
	if (d != NULL)
		d->ops->close(d);
}

const char *
db_name(const struct db *d)
{
	return d->name;
}

const char *
db_errmsg(const struct db *d)
{
	return d->err;
}

bool
db_storage_error(const struct db *d)
{
	return d->storage;
}

int
db_exec(struct db *d, const char *sql)
{
	return d->ops->exec(d, sql);
}

int
db_begin(struct db *d, bool write)
{
	return d->ops->begin(d, write);
}

int
db_tx(struct db *d, enum db_tx op)
{
	static const char *const sql[] = {
	    [DB_COMMIT] = "COMMIT", [DB_ROLLBACK] = "ROLLBACK", [DB_SAVEPOINT] = "SAVEPOINT nested",
	    [DB_RELEASE] = "RELEASE nested", [DB_ROLLBACK_TO] = "ROLLBACK TO nested; RELEASE nested",
	};

	return d->ops->exec(d, sql[op]);
}

bool
db_in_tx(const struct db *d)
{
	return d->ops->in_tx(d);
}

bool
db_tx_broken(const struct db *d)
{
	return d->ops->tx_broken(d);
}

int
db_lock_chain(struct db *d)
{
	return d->ops->lock_chain(d);
}

int
db_prepare(struct db *d, const char *sql, struct db_stmt **st)
{
	*st = NULL;
	return d->ops->prepare(d, sql, st);
}

int
db_bind_text(struct db_stmt *st, int i, const char *s)
{
	if (s == NULL)
		return st->db->ops->bind_null(st, i);
	return st->db->ops->bind_text(st, i, s);
}

int
db_bind_int(struct db_stmt *st, int i, int64_t v)
{
	return st->db->ops->bind_int(st, i, v);
}

int
db_bind_null(struct db_stmt *st, int i)
{
	return st->db->ops->bind_null(st, i);
}

int
db_step(struct db_stmt *st)
{
	return st->db->ops->step(st);
}

int
db_step_later(struct db_stmt *st)
{
	if (st->db->ops->step_later != NULL)
		return st->db->ops->step_later(st);
	return st->db->ops->step(st) == -1 ? -1 : 0;
}

int
db_reset(struct db_stmt *st)
{
	return st->db->ops->reset(st);
}

void
db_finalize(struct db_stmt *st)
{
	if (st != NULL)
		st->db->ops->finalize(st);
}

enum db_type
db_column_type(struct db_stmt *st, int i)
{
	return st->db->ops->column_type(st, i);
}

const char *
db_column_text(struct db_stmt *st, int i)
{
	return st->db->ops->column_text(st, i);
}

size_t
db_column_bytes(struct db_stmt *st, int i)
{
	return st->db->ops->column_bytes(st, i);
}

int64_t
db_column_int64(struct db_stmt *st, int i)
{
	return st->db->ops->column_int64(st, i);
}

int64_t
db_changes(const struct db *d)
{
	return d->changes;
}

int
db_lock_run(struct db *d, FILE *wait_msg)
{
	return d->ops->lock_run(d, wait_msg);
}

int
db_claim(struct db *d, const char *key)
{
	return d->ops->claim(d, key);
}

int
db_claims_renew(struct db *d)
{
	return d->ops->claims_renew(d);
}

void
db_set_lease(struct db *d, int seconds)
{
	if (d->ops->set_lease != NULL)
		d->ops->set_lease(d, seconds);
}
