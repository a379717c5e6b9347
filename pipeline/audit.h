/*
 * audit.h -- the audit log and the outbox (SPEC section 7): one SQLite file,
 * or for several workers on several hosts one PostgreSQL database (db.h is
 * the seam; nothing above it knows which).
 *
 * Every batch (one run of `send`), finding, route decision, document hash,
 * delivery attempt and outcome is an event.  Events are append-only and
 * hash-chained: each row's hash is SHA-256 over the previous row's hash and
 * the row's own canonical bytes, so `audit verify` finds any edited, inserted
 * or deleted row.  The outbox holds the state of every försändelse (pending,
 * sending, sent, held, failed) so that a rerun never sends anything twice.
 *
 * A one-row table holds the chain head (number of events, last hash) and is
 * updated in the same transaction as each append, so a deleted last row is
 * found too.  That raises the bar; it does not stop someone with write access
 * who rewrites the chain and the head together.  The real protection is to
 * keep the head somewhere else: `audit export` prints it, and
 * audit_verify_head() checks the log against a head kept earlier.
 *
 * Timestamps are the real clock in UTC ("2026-11-20T10:00:00Z"), clock.h's:
 * in the test build the test clock EXPEDIERA_AUDIT_NOW, when set, gives every
 * event its time (read at each event).
 *
 * Personal data: event data may hold names, and personnummer only masked
 * ("YYYYMMDD-****"); the outbox keys recipients by an opaque key the caller
 * derives (never a personnummer in clear).  The database file is created
 * 0600.  Nothing here writes to stderr.
 */
#ifndef EXPEDIERA_AUDIT_H
#define EXPEDIERA_AUDIT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct audit;

/*
 * Opens (creating when missing, mode 0600, WAL) the database at path, or the
 * PostgreSQL database a postgresql:// URI names, and brings its schema up to
 * date (a schema newer than this program is refused).  An existing file, and its -wal and -shm
 * files, are set to 0600.  NULL with a Swedish message in err.
 */
struct audit *audit_open(const char *path, char *err, size_t errlen);

/*
 * Whether target names a log that exists: an SQLite file that is there, or a
 * PostgreSQL server (whose database audit_open creates the schema in).
 */
bool audit_exists(const char *target);

/*
 * Whether several workers on several hosts may share the log target names
 * (a PostgreSQL server: each försändelse is claimed, there is no run lock),
 * from the target alone, before it is opened.
 */
bool audit_shared(const char *target);

/* How long a claim (outbox_claim) lasts without renewal: [audit] lease. */
void audit_set_lease(struct audit *, int seconds);

/* Closes; a transaction still open is rolled back.  NULL is allowed. */
void audit_close(struct audit *);

/*
 * The run lock: one run that sends holds it for the whole run, so two runs
 * against one log (two `send`, `send` and `watch`, two sessions) never work
 * on the outbox at the same time; the second waits, saying so once on
 * wait_msg (may be NULL).  Held until audit_close; released by the kernel
 * when the process dies.  0, or -1 (see audit_error).  On PostgreSQL there
 * is none: any number of workers run at once, and each försändelse is
 * claimed by one of them (outbox_claim).
 */
int audit_lock_run(struct audit *, FILE *wait_msg);

/*
 * True once a write did not become durable: a commit failed, SQLite rolled a
 * transaction back (a full disk, an I/O error, a read-only file), or a
 * transaction could not begin.  It stays true: a run that sees it hands
 * nothing more over, since what it would hand over could not be recorded.
 */
bool audit_failed(const struct audit *);

/*
 * The person key: the secret that makes the keys identifying a person in the
 * log (the outbox's recipient keys) HMACs, so that no personnummer can be
 * recovered from the database alone.  Reads the key file at path (64 hex
 * digits, mode 0600, not a link), creating it with a fresh random key when it
 * does not exist, and checks it against the key the log was first used with
 * (a "key" event holding only a fingerprint).  0, or -1 (audit_error): an
 * unreadable or wider-than-0600 file, another key than the log's, or a log
 * that has försändelser but no key.
 */
int person_key_load(struct audit *, const char *path);

/*
 * As person_key_load, for a run that only reads (check, a dry run): the key
 * file must exist and is never created, and nothing is written; a log with
 * no key yet is accepted (nothing was sent with one).
 */
int person_key_check(struct audit *, const char *path);

/* HMAC-SHA256 with the person key as 64 hex digits; -1 before person_key_load. */
int person_key_hash(const struct audit *, const void *data, size_t len, char out[65]);

/* The old names of person_key_load, person_key_check and person_key_hash. */
int audit_load_key(struct audit *, const char *path);
int audit_check_key(struct audit *, const char *path);
int audit_keyed_hash(const struct audit *, const void *data, size_t len, char out[65]);

/* Who ran a batch, on which host, on what input. */
struct audit_batch {
	const char *command;        /* "send", "send --dry-run", "watch" ... */
	const char *session;        /* the session directory as given */
	const char *session_digest; /* hex SHA-256 over the package's files */
	const char *user;           /* login name; NULL: looked up */
	const char *host;           /* NULL: gethostname() */
};

/* Starts a batch (an event of kind "batch"); *id is its number. */
int audit_batch_begin(struct audit *, const struct audit_batch *, int64_t *id);

/*
 * Ends it with a summary (an event of kind "batch-end"; summary_json NULL is
 * "{}").  A batch ends once.
 */
int audit_batch_end(struct audit *, int64_t batch, const char *summary_json);

/*
 * The store's verbs (auditlog_append, outbox_add, outbox_admit, outbox_set,
 * outbox_set_many, outbox_claim, person_key_*, audit_batch_*) each record and
 * commit inside themselves: when one returns 0, what it recorded is durable
 * -- unless the caller has opened a group.
 *
 * A group lets many decisions share one commit where the back-end wants it
 * (STORE_GROUP, SQLite: a commit is an fsync, and the run lock keeps every
 * other writer out anyway).  From audit_group_begin the verbs' records join
 * one transaction, which the store commits when it holds audit_group_size()
 * decisions (the caller marks each with audit_group_next), at audit_sync and
 * at audit_group_end.  On PostgreSQL a group holds one decision: its
 * transaction holds the chain head's lock, which other workers wait for.
 *
 * Durable before effect: a caller calls audit_sync before every hand-over.
 * It commits the open group (and opens the next), and says whether all that
 * was recorded is durable and this worker's claims still hold: 0, or -1 (the
 * run hands nothing more over; audit_failed() is true, or a claim was lost).
 * A record that fails inside a group rolls back only itself.  A group left
 * open at audit_close is rolled back.  Groups do not nest.
 */
int audit_group_begin(struct audit *);
/* One decision is complete: commits the group once it holds audit_group_size(). */
int audit_group_next(struct audit *);
int audit_sync(struct audit *);
/* Commits and closes the group: 0, or -1 when it did not become durable. */
int audit_group_end(struct audit *);
/* How many decisions a group holds before the store commits it: 256, or 1 on PostgreSQL. */
size_t audit_group_size(const struct audit *);

/*
 * Appends one event.  batch 0: the event belongs to no batch.  kind:
 * "finding", "route", "document", "attempt", "outcome", or any other word of
 * lower-case letters and '-'; "batch", "batch-end" and "state" are written
 * only by audit_batch_begin, audit_batch_end and the outbox functions, since
 * audit_verify checks those tables against them.  forsandelse may be NULL.
 * data is a JSON object as text (the caller builds it; it is stored as is and
 * covered by the hash).  Returns 0 or -1.
 */
int auditlog_append(struct audit *, int64_t batch, const char *kind, const char *forsandelse,
    const char *data_json);
/* The old name of auditlog_append. */
int audit_event(struct audit *, int64_t batch, const char *kind, const char *forsandelse,
                const char *data_json);

/* Result of audit_verify. */
struct audit_verify {
	int64_t rows;         /* events found intact, up to the first break */
	int64_t first_broken; /* id of the first broken event, 0 when intact; -1 when
	                         every event is intact but a batch or outbox row has no
	                         event at all (it was added outside expediera) */
	char reason[256];     /* Swedish: what is wrong there */
};

/*
 * Checks the whole chain, and the batch and outbox tables against the
 * events that wrote them; 0 when it could be checked (see v->first_broken).
 */
int audit_verify(struct audit *, struct audit_verify *v);

/*
 * As audit_verify, and also that the chain still holds a head exported
 * earlier (rows events, the last with this hex hash): finds a chain that was
 * cut back or rewritten together with its head.
 */
int audit_verify_head(struct audit *, int64_t rows, const char *hash, struct audit_verify *v);

/*
 * The data of the last event of kind for forsandelse (malloc'd in *data, NULL
 * when there is none).  0, or -1.
 */
int audit_last_data(struct audit *, const char *forsandelse, const char *kind, char **data);

/*
 * The event whose hash is hash (hex): *rows its id, 0 when no event has it
 * (the log was rewritten or cut back since that head was kept).  0, or -1.
 */
int audit_find_hash(struct audit *, const char *hash, int64_t *rows);

/* The chain head: the number of events and the last hash (64 zeros: none). */
int audit_head(struct audit *, int64_t *rows, char hash[65]);

/*
 * Writes events with ts >= since ("YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SSZ", or
 * NULL for all) to fp, with the chain head, which always covers the whole log.
 * json: one object {"events": [{"id","batch","ts","kind","forsandelse","data",
 * "prev_hash","hash"}, ...], "head": {"rows", "hash"}}; "data" is the stored
 * text as a JSON string, byte for byte what the hash covers.  Else
 * tab-separated lines under a header line (\t \n \r \\ escaped, NULL as \N),
 * and a last line "# head: rows=N hash=HEX".
 */
int audit_export(struct audit *, const char *since, bool json, FILE *fp);
/* Whether since is what export takes: a day the calendar has ("2026-02-30" is
 * not one), or a log time stamp ("2026-11-20T08:00:00Z") on such a day. */
bool audit_since_valid(const char *since);

/* ---- outbox ---- */

enum outbox_state {
	OUTBOX_NONE,    /* not in the outbox */
	OUTBOX_PENDING, /* rendered and routed, not yet handed to a channel */
	OUTBOX_SENDING, /* handed over, outcome not yet known (a crash here is resumed) */
	OUTBOX_SENT,
	OUTBOX_HELD, /* held back with a reason (a finding, kanal=digital unreachable) */
	OUTBOX_FAILED
};

const char *outbox_state_name(enum outbox_state);

/* One försändelse as the outbox knows it. */
struct outbox_item {
	const char *id; /* stable id: same session + § + recipient + document = same id */
	const char *session_digest;
	long paragraf;
	const char *recipient; /* opaque recipient key or internal name ("Akt") */
	const char *route;     /* "print", "digital", ... */
	const char *sha256;    /* hex SHA-256 of the document */
};

/*
 * Claims the försändelse whose ids start with key (outbox_list_key) for this
 * worker: 1 when it is this worker's now (unclaimed, already its own, or
 * taken over from a worker whose lease ran out), 0 when another live worker
 * holds it (leave it alone), -1 on error.  A claim is a lease: it lasts
 * [audit] lease seconds and outbox_claims_renew moves every lease of this
 * worker forward; released at audit_close.  With SQLite the run lock keeps
 * every other run out, so a claim is always granted.
 */
int outbox_claim(struct audit *, const char *key);

/*
 * Before a hand-over: renews this worker's leases and checks that none was
 * taken over meanwhile.  -1 when one was (or the database cannot say): the
 * run hands nothing more over (audit_failed() turns true).
 */
int outbox_claims_renew(struct audit *);

/* The state of id, OUTBOX_NONE when unknown; attempts may be NULL. */
int outbox_get(struct audit *, const char *id, enum outbox_state *state, int *attempts);

/*
 * Inserts the item as PENDING unless it is there already (then nothing
 * changes, nothing is logged, and *state tells where it stands; an existing
 * id with another paragraf, recipient or sha256 is an error).  batch must
 * exist.  Logged as a "state" event.
 */
int outbox_add(struct audit *, int64_t batch, const struct outbox_item *, enum outbox_state *state);

/* An event outbox_admit logs with the item: its kind and data, as for auditlog_append. */
struct audit_note {
	const char *kind;
	const char *data_json;
};

/*
 * One decision, all or nothing: logs the notes as events of the item's
 * försändelse (its route, its document ...) and adds the item as outbox_add
 * does.  On an error none of it is recorded.
 */
int outbox_admit(struct audit *, int64_t batch, const struct outbox_item *,
    const struct audit_note *notes, size_t nnotes, enum outbox_state *state);

/*
 * Moves id to state with a reason (Swedish, may be NULL), counting an attempt
 * when state is SENDING.  SENT is final, and is reached only from SENDING.
 * Logged as a "state" event in the same transaction.
 */
int outbox_set(struct audit *, int64_t batch, const char *id, enum outbox_state state,
               const char *reason);

/*
 * outbox_set for each of ids[0..n) (a NULL entry is passed over), committed
 * OUTBOX_SET_GROUP at a time (or, in an open group, as levels of it).  One
 * that fails does not stop the others: 0, or -1 with the first error.
 */
#define OUTBOX_SET_GROUP 256
int outbox_set_many(struct audit *, int64_t batch, const char *const *ids, size_t n,
    enum outbox_state state, const char *reason);

/*
 * Calls fn for each item (ordered by id) whose session_digest equals digest
 * (NULL: all), with its state, attempts and last reason; the pointers live
 * until fn returns.  fn returns 0 to go on; anything else stops the walk and
 * is returned.  fn must not write to the log.  For `expediera status`.
 */
int outbox_list(struct audit *, const char *digest,
                int (*fn)(void *arg, const struct outbox_item *, enum outbox_state, int attempts,
                          const char *reason),
                void *arg);

/*
 * As outbox_list, for the items whose id is key or starts with key and ':'
 * (the ids of one försändelse, whatever its document or route): a look-up in
 * the primary key, for a run that must not hold the whole outbox.
 */
int outbox_list_key(struct audit *, const char *key,
                    int (*fn)(void *arg, const struct outbox_item *, enum outbox_state,
                              int attempts, const char *reason),
                    void *arg);

/* One event, with the outbox row its försändelse names (audit_query). */
struct audit_row {
	int64_t id;
	const char *ts;            /* the event's time */
	const char *forsandelse;   /* NULL when the event names none */
	const char *data;
	enum outbox_state state;   /* of the outbox row whose id is forsandelse; NONE without */
	const char *reason;        /* that row's last reason */
	const char *sent;          /* when it became SENT; NULL unless it is */
};

/*
 * Calls fn, oldest first, for each event of kind whose data has the string
 * field equal to value; field NULL: every event of kind.  Only what the log
 * indexes may be asked: kind "route" by "pkey", "bas", "ident" or "galler";
 * "rattelse" by "pkey"; "retur" by "bas"; "route" by "forsandelse", a
 * prefix of the event's forsandelse column; and "route", "rattelse",
 * "retur", "kvitto" and "ersatt" whole.  The pointers live until fn returns; fn
 * returns 0 to go on, anything else stops the walk and is returned.
 */
int audit_query(struct audit *, const char *kind, const char *field, const char *value,
    int (*fn)(void *arg, const struct audit_row *), void *arg);

/* The last error, in Swedish. */
const char *audit_error(const struct audit *);

#endif
