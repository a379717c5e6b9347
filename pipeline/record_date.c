/*
 * record_date.c -- the calendar of the log's time limits (record.h): the
 * last day to appeal after delgivning, the day an underställning is due,
 * and the log's UTC times as local time.
 *
 * Reads and writes nothing but its arguments.  A time limit that ends on a
 * day when offices are closed moves to the next working day (lagen
 * (1930:173) om beräkning av lagstadgad tid).
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lagtid.h"
#include "personnummer.h"
#include "record.h"
#include "record_int.h"

void
record_appeal(const char *datum, char last[11], char laga_kraft[11])
{
	struct ymd d;

	last[0] = laga_kraft[0] = '\0';
	if (!ymd_parse(datum, &d))
		return;
	/* Three weeks from the day the decision was served. */
	lagtid_last_day(&d, 21, &d);
	ymd_format(&d, last);
	lagtid_date(lagtid_day_number(&d) + 1, &d);
	ymd_format(&d, laga_kraft);
}

void
record_local_time(const char *utc, char out[20])
{
	struct tm tm;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if (utc == NULL) {
		out[0] = '\0';
		return;
	}
	if (strlen(utc) != 20 || sscanf(utc, "%4d-%2d-%2dT%2d:%2d:%2dZ", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6) {
		snprintf(out, 20, "%s", utc);
		return;
	}
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = timegm(&tm);
	if (localtime_r(&t, &tm) == NULL || strftime(out, 20, "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(out, 20, "%s", utc);
}

long
record_day_number(const char *ymd)
{
	struct ymd d;

	if (ymd == NULL || !ymd_parse(ymd, &d))
		return 0;
	return lagtid_day_number(&d);
}

void
record_date_add(const struct ymd *from, int days, char out[11])
{
	struct ymd d;

	lagtid_date(lagtid_day_number(from) + days, &d);
	ymd_format(&d, out);
}
