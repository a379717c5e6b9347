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

#include "personnummer.h"
#include "record.h"
#include "record_int.h"

static long
days_from_civil(int y, int m, int d)
{
	long era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (unsigned)((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1);
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (long)doe - 719468;
}

static void
civil_from_days(long z, struct ymd *out)
{
	long era;
	unsigned doe, yoe, doy, mp;
	int y;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = (int)yoe + (int)(era * 400);
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	out->d = (int)(doy - (153 * mp + 2) / 5 + 1);
	out->m = (int)(mp < 10 ? mp + 3 : mp - 9);
	out->y = y + (out->m <= 2);
}

/* 0 Monday .. 6 Sunday */
static int
weekday(long days)
{
	long w = (days + 3) % 7;

	return (int)(w < 0 ? w + 7 : w);
}

/* Easter Sunday (the Gregorian computus), as days. */
static long
easter(int y)
{
	int a = y % 19, b = y / 100, c = y % 100, d = b / 4, e = b % 4, f = (b + 8) / 25;
	int g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30, i = c / 4, k = c % 4;
	int l = (32 + 2 * e + 2 * i - h - k) % 7, m = (a + 11 * h + 22 * l) / 451;
	int month = (h + l - 7 * m + 114) / 31, day = (h + l - 7 * m + 114) % 31 + 1;

	return days_from_civil(y, month, day);
}

/*
 * Whether a time limit may not end on this day (lagen (1930:173) om
 * beräkning av lagstadgad tid): Saturday, Sunday, a public holiday, or
 * midsommarafton, julafton or nyårsafton.
 */
static bool
closed(long days)
{
	struct ymd t;
	long e;
	int w = weekday(days);

	if (w >= 5)
		return true;
	civil_from_days(days, &t);
	if ((t.m == 1 && (t.d == 1 || t.d == 6)) || (t.m == 5 && t.d == 1) ||
	    (t.m == 6 && t.d == 6) || (t.m == 12 && (t.d == 24 || t.d == 25 || t.d == 26 ||
	    t.d == 31)))
		return true;
	/* midsommarafton: the Friday between 19 and 25 June */
	if (t.m == 6 && t.d >= 19 && t.d <= 25 && w == 4)
		return true;
	e = easter(t.y);
	return days == e - 2 || days == e + 1 || days == e + 39;
}

void
record_appeal(const char *datum, char last[11], char laga_kraft[11])
{
	struct ymd d;
	long n;

	last[0] = laga_kraft[0] = '\0';
	if (!ymd_parse(datum, &d))
		return;
	/* Three weeks from the day the decision was served. */
	n = days_from_civil(d.y, d.m, d.d) + 21;
	while (closed(n))
		n++;
	civil_from_days(n, &d);
	ymd_format(&d, last);
	civil_from_days(n + 1, &d);
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
	return days_from_civil(d.y, d.m, d.d);
}

void
record_date_add(const struct ymd *from, int days, char out[11])
{
	struct ymd d;

	civil_from_days(days_from_civil(from->y, from->m, from->d) + days, &d);
	ymd_format(&d, out);
}
