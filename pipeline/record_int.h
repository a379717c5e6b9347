/*
 * record_int.h -- what record.c and record_historik.c share.  Not for any
 * other file: the rest of the program sees record.h.
 */
#ifndef EXPEDIERA_RECORD_INT_H
#define EXPEDIERA_RECORD_INT_H

#include <stdbool.h>

/* Whether the JSON data's field name is want; true when want is NULL. */
bool record_field_is(const char *data, const char *name, const char *want);

/* A "YYYY-MM-DD" as a day number (record_date.c); 0 when it is not one. */
long record_day_number(const char *ymd);

#endif
