/*
 * record_int.h -- what record.c and record_historik.c share.  Not for any
 * other file: the rest of the program sees record.h.
 */
#ifndef EXPEDIERA_RECORD_INT_H
#define EXPEDIERA_RECORD_INT_H

#include <stdbool.h>

/* A role as the log names it ("vardnadshavare") as a person reads it ("Vårdnadshavare");
 * an unknown one as it is, "-" for none. */
const char *record_roll_label(const char *roll);

/* Whether the JSON data's field name is want; true when want is NULL. */
bool record_field_is(const char *data, const char *name, const char *want);

#endif
