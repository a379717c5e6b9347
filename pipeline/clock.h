/*
 * clock.h -- the one clock: now in UTC as the log writes it, and today's
 * date where the municipality is.  The test build may fix it
 * (EXPEDIERA_AUDIT_NOW=2026-11-20T10:00:00Z, see hook.h); no other build can.
 */
#ifndef EXPEDIERA_CLOCK_H
#define EXPEDIERA_CLOCK_H

#define CLOCK_TS_LEN 20                     /* "2026-11-20T10:00:00Z" */

/* Now as "YYYY-MM-DDTHH:MM:SSZ"; -1 when the clock cannot be read or the
 * test clock is malformed (out is then empty). */
int clock_utc(char out[CLOCK_TS_LEN + 1]);
/* Today as "YYYY-MM-DD" in local time (the test clock's date when set). */
void clock_today(char out[11]);
/* Whether s has the form of clock_utc's answer (digits and ranges checked). */
int clock_valid_ts(const char *s);

#endif
