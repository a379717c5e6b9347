/*
 * lagtid.c -- the calendar of a legal time limit; see lagtid.h.
 *
 * Reads: dates already validated (struct ymd).
 * Writes: dates.
 * Trusts: nothing else; no clock, no locale.
 */
#include <stdbool.h>

#include "lagtid.h"

long
lagtid_day_number(const struct ymd *from)
{
	/* ymd_days counts from 0000-03-01; 719468 days later is 1970-01-01. */
	return ymd_days(from) - 719468;
}

void
lagtid_date(long z, struct ymd *out)
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

/* Easter Sunday (the Gregorian computus), as a day number. */
static long
easter(int y)
{
	int a = y % 19, b = y / 100, c = y % 100, d = b / 4, e = b % 4, f = (b + 8) / 25;
	int g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30, i = c / 4, k = c % 4;
	int l = (32 + 2 * e + 2 * i - h - k) % 7, m = (a + 11 * h + 22 * l) / 451;
	struct ymd t = {y, (h + l - 7 * m + 114) / 31, (h + l - 7 * m + 114) % 31 + 1};

	return lagtid_day_number(&t);
}

/*
 * Whether a time limit may not end on this day: Saturday, Sunday, a public
 * holiday, or midsommarafton, julafton or nyårsafton.
 */
static bool
closed(long days)
{
	struct ymd t;
	long e;
	int w = weekday(days);

	if (w >= 5)
		return true;
	lagtid_date(days, &t);
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
lagtid_last_day(const struct ymd *from, int days, struct ymd *last)
{
	long n = lagtid_day_number(from) + days;

	while (closed(n))
		n++;
	lagtid_date(n, last);
}
