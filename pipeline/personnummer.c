/*
 * personnummer.c -- parse and check personnummer, samordningsnummer and
 * organisationsnummer, mask them for output, and do the date arithmetic the
 * checks need; see personnummer.h.
 *
 * Everything here works on untrusted strings, so no function reads past the
 * terminating NUL and none depends on the locale: digits and white space are
 * the ASCII ones only, because a locale-dependent isdigit() could accept bytes
 * that the later arithmetic would misread.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "personnummer.h"

/*
 * Personnummer were given in 1947 to everyone then living, so the oldest ones
 * carry 19th-century dates; nobody in a current case was born before 1870,
 * and an earlier year can only be a typing error.
 */
#define PNR_MIN_YEAR 1870

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool
all_digits(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!is_digit(p[i]))
			return false;
	return true;
}

/* The value of n digits at p; callers have checked that they are digits. */
static int
num(const char *p, size_t n)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = v * 10 + (p[i] - '0');
	return v;
}

/* Sets *b and *len to the part of s between leading and trailing white space. */
static void
trim(const char *s, const char **b, size_t *len)
{
	size_t n;

	while (is_space(*s))
		s++;
	n = strlen(s);
	while (n > 0 && is_space(s[n - 1]))
		n--;
	*b = s;
	*len = n;
}

/*
 * The Luhn check over 10 digits, as used for both personnummer (YYMMDDNNNC)
 * and organisationsnummer.
 */
static bool
luhn_ok(const char *d)
{
	int sum = 0, v, i;

	for (i = 0; i < 9; i++) {
		v = (d[i] - '0') * (i % 2 == 0 ? 2 : 1);
		sum += v > 9 ? v - 9 : v;
	}
	return (10 - sum % 10) % 10 == d[9] - '0';
}

/* YYMMDD-NNNN, YYMMDD+NNNN or YYMMDDNNNN: a real number, but no century. */
static bool
is_ten_digit(const char *b, size_t len)
{
	if (len == 10)
		return all_digits(b, 10);
	if (len == 11)
		return all_digits(b, 6) && (b[6] == '-' || b[6] == '+') &&
		    all_digits(b + 7, 4);
	return false;
}

static bool
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month(int y, int m)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (m == 2 && is_leap(y))
		return 29;
	return mdays[m - 1];
}

bool
ymd_valid(int y, int m, int d)
{
	/* Four-digit years only, as in xs:date without the extensions. */
	if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1)
		return false;
	return d <= days_in_month(y, m);
}

int
ymd_cmp(const struct ymd *a, const struct ymd *b)
{
	if (a->y != b->y)
		return a->y < b->y ? -1 : 1;
	if (a->m != b->m)
		return a->m < b->m ? -1 : 1;
	if (a->d != b->d)
		return a->d < b->d ? -1 : 1;
	return 0;
}

bool
ymd_parse(const char *s, struct ymd *out)
{
	struct ymd t;

	/*
	 * Checked left to right so that a short string stops at its NUL;
	 * s[10] is only read once s[0..9] are known to be non-NUL.
	 */
	if (!all_digits(s, 4) || s[4] != '-' || !all_digits(s + 5, 2) || s[7] != '-' ||
	    !all_digits(s + 8, 2) || s[10] != '\0')
		return false;
	t.y = num(s, 4);
	t.m = num(s + 5, 2);
	t.d = num(s + 8, 2);
	if (!ymd_valid(t.y, t.m, t.d))
		return false;
	*out = t;
	return true;
}

int
age_on(const struct ymd *birth, const struct ymd *on)
{
	int age = on->y - birth->y;

	/*
	 * A plain (month, day) comparison: someone born on 29 February is
	 * not a year older on 28 February of a common year, only on 1 March.
	 */
	if (on->m < birth->m || (on->m == birth->m && on->d < birth->d))
		age--;
	return age;
}

/*
 * The birth dates the 12 digits d allow: *first the earliest, *last the
 * latest (equal when the date is known).  A samordningsnummer has day + 60,
 * and where Skatteverket does not know a part of the birth date it writes 00
 * for it: month 00 (month unknown), day 60 (day unknown, 00 + 60), or both.
 * Skatteverket also issues samordningsnummer whose day - 60 lies beyond the
 * end of their month (1920-04-91, 1951-02-89: 31 April, 29 February of a
 * common year); their own test numbers include such days.  The person was
 * born in that month, at the latest on its last day, which is the date
 * taken, so that an age from it is the youngest the number allows.
 * A personnummer always has a full date.  false when no such date exists.
 */
static bool
pnr_birth(const char *d, struct ymd *first, struct ymd *last, bool *samordning)
{
	int y = num(d, 4), m = num(d + 4, 2), day = num(d + 6, 2);

	if (y < PNR_MIN_YEAR || m > 12)
		return false;
	*samordning = day >= 60;
	if (*samordning)
		day -= 60;
	else if (m == 0 || day == 0)
		return false;
	first->y = last->y = y;
	/* An unknown month may be any; a known day must exist in some month. */
	first->m = m != 0 ? m : 1;
	last->m = m != 0 ? m : 12;
	if (day == 0) {
		first->d = 1;
		last->d = days_in_month(y, last->m);
	} else {
		first->d = last->d = day;
		/* 30 of an unknown month: earliest 30 January, latest 30 December */
		if (m == 0 && day > 31)
			return false;
		if (m != 0 && *samordning && day <= 31 && day > days_in_month(y, m))
			first->d = last->d = days_in_month(y, m);
		else if (m != 0 && !ymd_valid(y, m, day))
			return false;
	}
	return ymd_valid(first->y, first->m, first->d) && ymd_valid(last->y, last->m, last->d);
}

enum pnr_status
pnr_parse(const char *s, const struct ymd *ref, struct pnr *out)
{
	const char *b;
	size_t len;
	char d[13];
	struct ymd first, birth;
	bool samordning;

	trim(s, &b, &len);
	if (len == 0)
		return PNR_EMPTY;
	/*
	 * The 10-digit forms get their own code: they are valid numbers in
	 * daily use, and the user needs to be told to add the century rather
	 * than that the format is wrong.
	 */
	if (is_ten_digit(b, len))
		return PNR_TEN_DIGIT;
	if (len == 12 && all_digits(b, 12)) {
		memcpy(d, b, 12);
	} else if (len == 13 && all_digits(b, 8) && b[8] == '-' && all_digits(b + 9, 4)) {
		memcpy(d, b, 8);
		memcpy(d + 8, b + 9, 4);
	} else
		return PNR_FORMAT;
	d[12] = '\0';

	if (!pnr_birth(d, &first, &birth, &samordning))
		return PNR_DATE;
	if (ref != NULL && ymd_cmp(&first, ref) > 0)
		return PNR_FUTURE;
	/* The youngest a person may be is born on the reference day, not after. */
	if (ref != NULL && ymd_cmp(&birth, ref) > 0)
		birth = *ref;
	/*
	 * Skatteverket never issues födelsenummer 000 (for personnummer and
	 * samordningsnummer alike), so such a number is a typing error even
	 * when its check digit happens to fit.
	 */
	if (memcmp(d + 8, "000", 3) == 0)
		return PNR_SERIAL;
	/* The check digit covers YYMMDDNNN only; the century is not in it. */
	if (!luhn_ok(d + 2))
		return PNR_CHECKSUM;

	memcpy(out->digits, d, sizeof(d));
	out->birth = birth;
	out->samordning = samordning;
	return PNR_OK;
}

const char *
pnr_status_text(enum pnr_status st)
{
	switch (st) {
	case PNR_OK:
		return "giltigt";
	case PNR_EMPTY:
		return "tomt";
	case PNR_TEN_DIGIT:
		return "tiosiffrigt nummer, århundradet framgår inte (skriv ÅÅÅÅMMDD-NNNN)";
	case PNR_FORMAT:
		return "fel format (skriv ÅÅÅÅMMDD-NNNN)";
	case PNR_DATE:
		return "datumet finns inte";
	case PNR_FUTURE:
		return "födelsedatumet ligger efter sammanträdesdatumet";
	case PNR_SERIAL:
		return "födelsenumret 000 delas aldrig ut";
	case PNR_CHECKSUM:
		return "fel kontrollsiffra";
	}
	/* Not reached with a valid enum; callers may still pass a stray int. */
	return "okänt fel";
}

void
pnr_mask(const char *digits, char out[14])
{
	const char *p = digits;
	size_t n, keep;

	while (is_space(*p))
		p++;
	/* Stops at the first non-digit, the NUL included. */
	for (n = 0; n < 12 && is_digit(p[n]); n++)
		continue;
	/*
	 * Eight leading digits are shown only when they are the date part
	 * of a 12-digit form.  A 10-digit form shows only YYMMDD: its seventh
	 * and eighth digits belong to the birth number, which must never
	 * reach a log.  Anything shorter is not recognizably a date.
	 */
	if (n == 8 || n == 12)
		keep = 8;
	else if (n >= 6)
		keep = 6;
	else
		keep = 0;
	if (keep > 0)
		memcpy(out, p, keep);
	else {
		/* Kept apart from "-****": two question marks and a dash are a trigraph. */
		memcpy(out, "????????", 8);
		keep = 8;
	}
	memcpy(out + keep, "-****", 6);
}

bool
orgnr_parse(const char *s, char out[11])
{
	const char *b;
	size_t len;
	char d[10];
	int yy, m, day;

	trim(s, &b, &len);
	if (len == 10 && all_digits(b, 10))
		memcpy(d, b, 10);
	else if (len == 11 && all_digits(b, 6) && b[6] == '-' && all_digits(b + 7, 4)) {
		memcpy(d, b, 6);
		memcpy(d + 6, b + 7, 4);
	} else if (len == 12 && b[0] == '1' && b[1] == '6' && all_digits(b + 2, 10))
		memcpy(d, b + 2, 10);
	else
		return false;
	if (!luhn_ok(d))
		return false;

	/*
	 * Legal persons have a "month" of 20 or more, so a third digit of
	 * 0 or 1 means the number is a personnummer (or samordningsnummer)
	 * of an enskild firma's owner and must then be a date.  The century
	 * is unknown, so any century that makes it a real date will do;
	 * 19YY and 20YY suffice, as one of them is a leap year whenever YY
	 * is divisible by 4 (only 2000 for 00).
	 */
	if (d[2] < '2') {
		yy = num(d, 2);
		m = num(d + 2, 2);
		day = num(d + 4, 2);
		/* A samordningsnummer's day may pass its month's end, as in pnr_birth. */
		if (day > 60 && day <= 91 && m >= 1 && m <= 12)
			day = 1;
		if (!ymd_valid(1900 + yy, m, day) && !ymd_valid(2000 + yy, m, day))
			return false;
	}
	memcpy(out, d, 10);
	out[10] = '\0';
	return true;
}

long
ymd_days(const struct ymd *d)
{
	/* Days from civil (H. Hinnant), with March as the first month so that
	 * a leap day is the last of its year. */
	long y = d->m <= 2 ? d->y - 1 : d->y;
	long era = y / 400, yoe = y - era * 400;
	long mp = d->m > 2 ? d->m - 3 : d->m + 9;
	long doy = (153 * mp + 2) / 5 + d->d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe;
}

void
ymd_format(const struct ymd *d, char out[11])
{
	unsigned y = (unsigned)d->y % 10000, m = (unsigned)d->m % 100, dd = (unsigned)d->d % 100;

	snprintf(out, 11, "%04u-%02u-%02u", y, m, dd);
}

bool
pnr_may_hold(const char *s)
{
	int run = 0;

	for (; *s != '\0'; s++) {
		run = *s >= '0' && *s <= '9' ? run + 1 : 0;
		if (run >= 6)
			return true;
	}
	return false;
}
