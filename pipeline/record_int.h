/*
 * record_int.h -- what record.c, record_rattelse.c and record_historik.c share.  Not for any
 * other file: the rest of the program sees record.h.
 */
#ifndef EXPEDIERA_RECORD_INT_H
#define EXPEDIERA_RECORD_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audit.h"
#include "record.h"
#include "session.h"

/* Whether the JSON data's field name is want; true when want is NULL. */
bool record_field_is(const char *data, const char *name, const char *want);

/* A "YYYY-MM-DD" as a day number (record_date.c); 0 when it is not one. */
long record_day_number(const char *ymd);
/*
 * What record.c and record_rattelse.c share: what went out to a paragraph,
 * as its route events tell it, and the returns of a recipient.
 */

/* One sent försändelse as its route event tells it. */
struct sent {
	int64_t event;
	char key[33], bas[33], ident[33], adress[33];
	char *roll, *kanal, *mottagare, *when, *data;
	int gen;
};

struct sents {
	struct sent *v;
	size_t n, cap;
};

/* An audit_query callback: collects sent försändelser; a later one of a bas replaces an earlier. */
int collect_sent(void *arg, const struct audit_row *row);
void sent_clear(struct sent *);
void sents_free(struct sents *);

/* Returns of one recipient: how many, and the last one's address and date. */
struct returns {
	int n;
	int64_t last_event;
	char adress[33], datum[11];
};

/* An audit_query callback of "retur" events into a struct returns. */
int collect_retur(void *arg, const struct audit_row *row);

/* Whether the stored address key is the sheet's address of m, whose key is now. */
bool same_adress(const struct audit *, const struct mottagare *m, const char *now,
    const char *stored);

/* A JSON data field as an int (0 when not one), or copied into out ("" when none). */
int field_int(const char *data, const char *name);
void field_copy(const char *data, const char *name, char out[33]);

/* A JSON object of the names and values of kv (NULL-ended); malloc'd. */
char *event_json(const char *const *kv);

/*
 * What the rättelser of its paragraph say of one recipient (record_rattelse.c):
 * the gen, datum, ersatter, ersatt_id, beslutet_rattat and till_mottagaren
 * of ri, which is otherwise left as it is.  0, or -1 on a log error.
 */
int record_rattelse_item(struct audit *, const struct rec_keys *, struct rec_item *ri);

#endif
