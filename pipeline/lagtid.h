/*
 * lagtid.h -- the last day of a time limit counted in days, as lagen
 * (1930:173) om beräkning av lagstadgad tid counts it: a limit that would end
 * on a Saturday, a Sunday, a public holiday, midsommarafton, julafton or
 * nyårsafton ends on the next day that is none of them.  Used for the
 * three weeks to appeal after delgivning (record.c) and after the anslag of
 * a justerat protocol (the laglighetsprövning sheet, render_letter.c).
 */
#ifndef EXPEDIERA_LAGTID_H
#define EXPEDIERA_LAGTID_H

#include "personnummer.h"

/* from as a day number (days since 1970-01-01), and back. */
long lagtid_day_number(const struct ymd *from);
void lagtid_date(long day, struct ymd *out);

/* The last day of a limit of days days from from, moved past closed days. */
void lagtid_last_day(const struct ymd *from, int days, struct ymd *last);

#endif
