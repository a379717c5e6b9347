/*
 * test_personnummer.c -- table-driven unit tests for pipeline/personnummer.c.
 *
 * Every valid row below was checked with the Luhn algorithm when it was
 * written; rows meant to fail on the date, on the reference date or on the
 * format carry a correct check digit wherever they can, so that they fail for
 * the reason they are about and not by accident on the checksum.
 *
 * Inputs are copied into heap buffers of exactly their length so that
 * AddressSanitizer catches any read past the terminating NUL.
 *
 * Prints "FAIL: ..." for each failing row and a summary line; exits 1 when
 * anything failed.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "personnummer.h"

static int passed, failed;

static void
check(bool ok, const char *what, const char *in, const char *detail)
{
	if (ok) {
		passed++;
		return;
	}
	failed++;
	printf("FAIL: %s \"%s\": %s\n", what, in == NULL ? "(null)" : in, detail);
}

/* A copy with no slack after the NUL, for AddressSanitizer. */
static char *
dup_exact(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);

	if (p == NULL) {
		fputs("test_personnummer: out of memory\n", stderr);
		exit(2);
	}
	memcpy(p, s, n);
	return p;
}

static const char *
status_name(enum pnr_status st)
{
	switch (st) {
	case PNR_OK:
		return "PNR_OK";
	case PNR_EMPTY:
		return "PNR_EMPTY";
	case PNR_TEN_DIGIT:
		return "PNR_TEN_DIGIT";
	case PNR_FORMAT:
		return "PNR_FORMAT";
	case PNR_DATE:
		return "PNR_DATE";
	case PNR_FUTURE:
		return "PNR_FUTURE";
	case PNR_SERIAL:
		return "PNR_SERIAL";
	case PNR_CHECKSUM:
		return "PNR_CHECKSUM";
	}
	return "?";
}

/*
 * want_birth is given only for samordningsnummer, where it differs from the
 * date in the digits; for other PNR_OK rows the birth date is read from
 * want_digits and samordning must be false.
 */
static const struct {
	const char *in;
	const char *ref;
	enum pnr_status want;
	const char *want_digits;
	const char *want_birth;
} pnr_rows[] = {
    /* the two accepted forms, white space around */
    {"19800101-1231", NULL, PNR_OK, "198001011231", NULL},
    {"198001011231", NULL, PNR_OK, "198001011231", NULL},
    {" 19800101-1231 ", NULL, PNR_OK, "198001011231", NULL},
    {"\t198001011231\r\n", NULL, PNR_OK, "198001011231", NULL},
    {"19991231-1231", "2026-11-18", PNR_OK, "199912311231", NULL},

    /* empty */
    {"", NULL, PNR_EMPTY, NULL, NULL},
    {"   ", NULL, PNR_EMPTY, NULL, NULL},
    {" \t\r\n\v\f", NULL, PNR_EMPTY, NULL, NULL},

    /* 10-digit forms: no century, whatever else is right or wrong */
    {"800101-1231", NULL, PNR_TEN_DIGIT, NULL, NULL},
    {"800101+1231", NULL, PNR_TEN_DIGIT, NULL, NULL},
    {"8001011231", NULL, PNR_TEN_DIGIT, NULL, NULL},
    {"  8001011231\n", NULL, PNR_TEN_DIGIT, NULL, NULL},
    {"800101-1234", NULL, PNR_TEN_DIGIT, NULL, NULL},
    {"801301-1234", NULL, PNR_TEN_DIGIT, NULL, NULL},

    /* format */
    {"19800101+1231", NULL, PNR_FORMAT, NULL, NULL},
    {"19800101 1231", NULL, PNR_FORMAT, NULL, NULL},
    {"1980 0101-1231", NULL, PNR_FORMAT, NULL, NULL},
    {"19800101--1231", NULL, PNR_FORMAT, NULL, NULL},
    {"1980010-11231", NULL, PNR_FORMAT, NULL, NULL},
    {"198001-011231", NULL, PNR_FORMAT, NULL, NULL},
    {"19800101\xe2\x80\x93" "1231", NULL, PNR_FORMAT, NULL, NULL}, /* en dash */
    {"19800101-123", NULL, PNR_FORMAT, NULL, NULL},
    {"19800101-12311", NULL, PNR_FORMAT, NULL, NULL},
    {"19800101123", NULL, PNR_FORMAT, NULL, NULL},
    {"1980010112311", NULL, PNR_FORMAT, NULL, NULL},
    {"19800101-12a1", NULL, PNR_FORMAT, NULL, NULL},
    {"abcdefgh-ijkl", NULL, PNR_FORMAT, NULL, NULL},
    {"198001011231 x", NULL, PNR_FORMAT, NULL, NULL},
    {"800101 1231", NULL, PNR_FORMAT, NULL, NULL},
    {"800101-123", NULL, PNR_FORMAT, NULL, NULL},
    {"x", NULL, PNR_FORMAT, NULL, NULL},
    {"1980-01-01", NULL, PNR_FORMAT, NULL, NULL},

    /* leap years: 1900-02-29 and 2000-02-29 share their last 10 digits */
    {"20000229-1235", NULL, PNR_OK, "200002291235", NULL},
    {"19000229-1235", NULL, PNR_DATE, NULL, NULL},
    {"20240229-1237", NULL, PNR_OK, "202402291237", NULL},
    {"20230229-1238", NULL, PNR_DATE, NULL, NULL},

    /* impossible dates, Luhn-valid so only the date is wrong */
    {"19801301-1237", NULL, PNR_DATE, NULL, NULL},
    {"19800001-1232", NULL, PNR_DATE, NULL, NULL},
    {"19800132-1234", NULL, PNR_DATE, NULL, NULL},
    {"19800431-1232", NULL, PNR_DATE, NULL, NULL},
    {"19800100-1232", NULL, PNR_DATE, NULL, NULL},
    /* the date is checked before the check digit */
    {"19801301-1234", NULL, PNR_DATE, NULL, NULL},

    /* samordningsnummer: day + 60 */
    {"19701063-1237", NULL, PNR_OK, "197010631237", "1970-10-03"},
    {"198001911232", NULL, PNR_OK, "198001911232", "1980-01-31"},
    {"20240289-1234", NULL, PNR_OK, "202402891234", "2024-02-29"},
    {"19701092-1232", NULL, PNR_DATE, NULL, NULL},

    /*
     * samordningsnummer whose day - 60 is past the end of its month:
     * Skatteverket issues them (its own test numbers have 1920-04-91 and
     * 1951-02-89).  Born in that month, at the latest on its last day.
     */
    {"19200491-2396", NULL, PNR_OK, "192004912396", "1920-04-30"},
    {"192004912396", NULL, PNR_OK, "192004912396", "1920-04-30"},
    {"19510289-2394", NULL, PNR_OK, "195102892394", "1951-02-28"},
    {"19700691-2393", NULL, PNR_OK, "197006912393", "1970-06-30"},
    {"19201191-2397", NULL, PNR_OK, "192011912397", "1920-11-30"},
    /* 29 February (+ 60 = 89) in a common year, and in a leap year */
    {"20230289-1235", NULL, PNR_OK, "202302891235", "2023-02-28"},
    {"20230289-2399", NULL, PNR_OK, "202302892399", "2023-02-28"},
    {"19000289-2396", NULL, PNR_OK, "190002892396", "1900-02-28"},
    {"20000289-2396", NULL, PNR_OK, "200002892396", "2000-02-29"},
    /* 30 and 31 February */
    {"20240290-2395", NULL, PNR_OK, "202402902395", "2024-02-29"},
    {"20230291-2395", NULL, PNR_OK, "202302912395", "2023-02-28"},
    {"20080291-2394", NULL, PNR_OK, "200802912394", "2008-02-29"},
    /* still no day 32 and no month 13, and the check digit still counts */
    {"19700492-2394", NULL, PNR_DATE, NULL, NULL},
    {"19511391-2397", NULL, PNR_DATE, NULL, NULL},
    {"19200491-2395", NULL, PNR_CHECKSUM, NULL, NULL},
    {"19510289-0003", NULL, PNR_SERIAL, NULL, NULL},
    /* the last day of the month decides whether the person was born yet */
    {"20261191-2391", "2026-11-18", PNR_FUTURE, NULL, NULL},
    {"20261191-2391", "2026-11-30", PNR_OK, "202611912391", "2026-11-30"},
    /* a personnummer with the same impossible dates stays refused */
    {"19200431-2399", NULL, PNR_DATE, NULL, NULL},
    {"19510229-2397", NULL, PNR_DATE, NULL, NULL},
    {"19700631-2396", NULL, PNR_DATE, NULL, NULL},
    {"20230229-2392", NULL, PNR_DATE, NULL, NULL},

    /*
     * samordningsnummer with an unknown part of the birth date: month 00,
     * day 60 (00 + 60), or both.  The birth date kept is the latest the
     * number allows, so that an age taken from it is the youngest.
     */
    {"19701060-1230", NULL, PNR_OK, "197010601230", "1970-10-31"},
    {"19800060-1230", NULL, PNR_OK, "198000601230", "1980-12-31"},
    {"198000601230", NULL, PNR_OK, "198000601230", "1980-12-31"},
    {"20100060-1235", "2026-11-18", PNR_OK, "201000601235", "2010-12-31"},
    {"20100360-1232", NULL, PNR_OK, "201003601232", "2010-03-31"},
    {"20240260-1237", NULL, PNR_OK, "202402601237", "2024-02-29"},
    {"20230260-1238", NULL, PNR_OK, "202302601238", "2023-02-28"},
    {"20100075-1238", NULL, PNR_OK, "201000751238", "2010-12-15"},
    {"20100092-1237", NULL, PNR_DATE, NULL, NULL},
    /* a personnummer always has a full date: no month 00, no day 00 */
    {"19800000-1233", NULL, PNR_DATE, NULL, NULL},
    /* the earliest date decides whether the person was born yet... */
    {"20260060-1237", "2025-12-31", PNR_FUTURE, NULL, NULL},
    {"20261260-1233", "2026-11-18", PNR_FUTURE, NULL, NULL},
    /* ...and the latest is never after the reference date */
    {"20260060-1237", "2026-11-18", PNR_OK, "202600601237", "2026-11-18"},
    {"20261160-1234", "2026-11-18", PNR_OK, "202611601234", "2026-11-18"},
    {"20261160-1234", "2026-12-01", PNR_OK, "202611601234", "2026-11-30"},

    /* födelsenummer 000 is never issued, check digit right or wrong */
    {"19800101-0001", NULL, PNR_SERIAL, NULL, NULL},
    {"198001010001", NULL, PNR_SERIAL, NULL, NULL},
    {"19800101-0002", NULL, PNR_SERIAL, NULL, NULL},
    {"19800161-0008", NULL, PNR_SERIAL, NULL, NULL},
    {"19800060-0003", NULL, PNR_SERIAL, NULL, NULL},
    {"19800101-0019", NULL, PNR_OK, "198001010019", NULL},

    /* check digit */
    {"19800101-1234", NULL, PNR_CHECKSUM, NULL, NULL},
    {"198001011230", NULL, PNR_CHECKSUM, NULL, NULL},
    {"19701063-1230", NULL, PNR_CHECKSUM, NULL, NULL},

    /* birth after the reference date */
    {"20260101-1238", "2025-12-31", PNR_FUTURE, NULL, NULL},
    {"20260101-1238", "2026-01-01", PNR_OK, "202601011238", NULL},
    {"20260101-1238", NULL, PNR_OK, "202601011238", NULL},
    {"20260101-1230", "2025-12-31", PNR_FUTURE, NULL, NULL},
    /* for a samordningsnummer the real day counts, not day + 60 */
    {"20240289-1234", "2024-02-28", PNR_FUTURE, NULL, NULL},
    {"20240289-1234", "2024-02-29", PNR_OK, "202402891234", "2024-02-29"},

    /* centuries */
    {"18900101-1239", NULL, PNR_OK, "189001011239", NULL},
    {"18700101-1233", NULL, PNR_OK, "187001011233", NULL},
    {"18691231-1237", NULL, PNR_DATE, NULL, NULL},
};

static void
test_pnr_parse(void)
{
	size_t i;
	char msg[200];

	for (i = 0; i < sizeof(pnr_rows) / sizeof(pnr_rows[0]); i++) {
		char *in = dup_exact(pnr_rows[i].in);
		struct ymd ref, birth;
		struct pnr out;
		unsigned char before[sizeof(struct pnr)];
		enum pnr_status got;
		bool samordning;

		if (pnr_rows[i].ref != NULL && !ymd_parse(pnr_rows[i].ref, &ref)) {
			check(false, "pnr_parse", in, "bad ref in table");
			free(in);
			continue;
		}
		memset(&out, 0xA5, sizeof(out));
		memcpy(before, &out, sizeof(before));
		got = pnr_parse(in, pnr_rows[i].ref != NULL ? &ref : NULL, &out);
		snprintf(msg, sizeof(msg), "got %s, want %s", status_name(got),
		    status_name(pnr_rows[i].want));
		check(got == pnr_rows[i].want, "pnr_parse", in, msg);
		if (got != PNR_OK) {
			check(memcmp(&out, before, sizeof(before)) == 0, "pnr_parse", in,
			    "*out changed on failure");
			free(in);
			continue;
		}
		if (pnr_rows[i].want_digits == NULL) {
			free(in);
			continue;
		}
		check(strcmp(out.digits, pnr_rows[i].want_digits) == 0, "pnr_parse", in,
		    "wrong digits");

		if (pnr_rows[i].want_birth != NULL) {
			if (!ymd_parse(pnr_rows[i].want_birth, &birth))
				check(false, "pnr_parse", in, "bad want_birth in table");
			samordning = true;
		} else {
			char date[11];

			memcpy(date, pnr_rows[i].want_digits, 4);
			date[4] = '-';
			memcpy(date + 5, pnr_rows[i].want_digits + 4, 2);
			date[7] = '-';
			memcpy(date + 8, pnr_rows[i].want_digits + 6, 2);
			date[10] = '\0';
			if (!ymd_parse(date, &birth))
				check(false, "pnr_parse", in, "bad want_digits in table");
			samordning = false;
		}
		check(ymd_cmp(&out.birth, &birth) == 0, "pnr_parse", in, "wrong birth date");
		check(out.samordning == samordning, "pnr_parse", in, "wrong samordning flag");
		free(in);
	}
}

static void
test_status_text(void)
{
	static const struct {
		enum pnr_status st;
		const char *want;
	} rows[] = {
	    {PNR_OK, "giltigt"},
	    {PNR_EMPTY, "tomt"},
	    {PNR_TEN_DIGIT,
		"tiosiffrigt nummer, århundradet framgår inte (skriv ÅÅÅÅMMDD-NNNN)"},
	    {PNR_FORMAT, "fel format (skriv ÅÅÅÅMMDD-NNNN)"},
	    {PNR_DATE, "datumet finns inte"},
	    {PNR_FUTURE, "födelsedatumet ligger efter sammanträdesdatumet"},
	    {PNR_SERIAL, "födelsenumret 000 delas aldrig ut"},
	    {PNR_CHECKSUM, "fel kontrollsiffra"},
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *got = pnr_status_text(rows[i].st);

		check(got != NULL && strcmp(got, rows[i].want) == 0, "pnr_status_text",
		    status_name(rows[i].st), got == NULL ? "NULL" : got);
	}
}

/* Split in two: question marks followed by a dash would form a trigraph. */
#define UNREADABLE "????????" "-****"

static void
test_mask(void)
{
	static const struct {
		const char *in;
		const char *want;
	} rows[] = {
	    {"198001011231", "19800101-****"},
	    {"19800101-1231", "19800101-****"},
	    {"  19800101-1231\n", "19800101-****"},
	    {"19800101", "19800101-****"},
	    {"1980010112311234", "19800101-****"},
	    /* a 10-digit form shows YYMMDD only: no digit of the birth number */
	    {"8001011231", "800101-****"},
	    {"800101-1231", "800101-****"},
	    {"800101+1231", "800101-****"},
	    {"19800101123", "198001-****"},
	    {"1980010", "198001-****"},
	    {"", UNREADABLE},
	    {"   ", UNREADABLE},
	    {"1", UNREADABLE},
	    {"19800", UNREADABLE},
	    {"abcdefghijklmnop", UNREADABLE},
	    {"1980-01-01", UNREADABLE},
	};
	size_t i;
	char msg[100];

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *in = dup_exact(rows[i].in);
		char out[14];

		memset(out, 'X', sizeof(out));
		pnr_mask(in, out);
		if (memchr(out, '\0', sizeof(out)) == NULL) {
			check(false, "pnr_mask", in, "output not NUL-terminated");
			free(in);
			continue;
		}
		snprintf(msg, sizeof(msg), "got \"%s\", want \"%s\"", out, rows[i].want);
		check(strcmp(out, rows[i].want) == 0, "pnr_mask", in, msg);
		free(in);
	}
}

static void
test_age_on(void)
{
	static const struct {
		const char *birth, *on;
		int want;
	} rows[] = {
	    {"2000-05-10", "2018-05-09", 17},
	    {"2000-05-10", "2018-05-10", 18},
	    {"2000-05-10", "2018-05-11", 18},
	    {"2000-05-10", "2018-04-30", 17},
	    {"2000-05-10", "2018-06-01", 18},
	    {"2000-05-10", "2000-05-10", 0},
	    {"2000-05-10", "2001-05-09", 0},
	    {"2000-12-31", "2018-12-30", 17},
	    {"2000-12-31", "2018-12-31", 18},
	    {"2001-01-01", "2018-12-31", 17},
	    {"2001-01-01", "2019-01-01", 18},
	    /* born on a leap day: a year older on 1 March in common years */
	    {"2008-02-29", "2026-02-28", 17},
	    {"2008-02-29", "2026-03-01", 18},
	    {"2008-02-29", "2025-02-28", 16},
	    {"2008-02-29", "2025-03-01", 17},
	    {"2008-02-29", "2024-02-28", 15},
	    {"2008-02-29", "2024-02-29", 16},
	};
	size_t i;
	char msg[100];

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct ymd b, o;
		int got;

		if (!ymd_parse(rows[i].birth, &b) || !ymd_parse(rows[i].on, &o)) {
			check(false, "age_on", rows[i].birth, "bad date in table");
			continue;
		}
		got = age_on(&b, &o);
		snprintf(msg, sizeof(msg), "on %s got %d, want %d", rows[i].on, got,
		    rows[i].want);
		check(got == rows[i].want, "age_on", rows[i].birth, msg);
	}
}

/*
 * Ages from numbers: a samordningsnummer with an unknown month or day gives
 * the youngest age the number allows, so a child is never taken to be older
 * than they may be (15 for their own party rights, 18 for guardians).
 */
static void
test_youngest_age(void)
{
	static const struct {
		const char *pnr, *on;
		int want;
	} rows[] = {
	    /* born some day of 2011: 14 until the last day of 2026 */
	    {"20110060-1234", "2026-11-18", 14},
	    {"20110060-1234", "2026-12-30", 14},
	    {"20110060-1234", "2026-12-31", 15},
	    /* born some day of November 2011: 15 on 30 November 2026 */
	    {"20111160-1231", "2026-11-18", 14},
	    {"20111160-1231", "2026-11-29", 14},
	    {"20111160-1231", "2026-11-30", 15},
	    /* born on the 15th of some month of 2011: December's */
	    {"20110075-1237", "2026-12-14", 14},
	    {"20110075-1237", "2026-12-15", 15},
	    /* 18: when the guardians stop being asked */
	    {"20081160-1236", "2026-11-29", 17},
	    {"20081160-1236", "2026-11-30", 18},
	    {"20080060-1239", "2026-12-30", 17},
	    {"20080060-1239", "2026-12-31", 18},
	    /* a known date is that date */
	    {"20130315-2399", "2028-03-14", 14},
	    {"20130315-2399", "2028-03-15", 15},
	    /* born this year, month unknown: no older than a newborn */
	    {"20260060-1237", "2026-11-18", 0},
	    /* 29 February 1951 does not exist: born at the latest 28 February */
	    {"19510289-2394", "2026-02-27", 74},
	    {"19510289-2394", "2026-02-28", 75},
	    /* 31 February 2008: 29 February, so 18 only on 1 March 2026 */
	    {"20080291-2394", "2026-02-28", 17},
	    {"20080291-2394", "2026-03-01", 18},
	    /* 31 April 1920: 30 April */
	    {"19200491-2396", "2026-04-29", 105},
	    {"19200491-2396", "2026-04-30", 106},
	};
	size_t i;
	char msg[100];

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct ymd on;
		struct pnr p;
		int got;

		if (!ymd_parse(rows[i].on, &on) || pnr_parse(rows[i].pnr, &on, &p) != PNR_OK) {
			check(false, "youngest age", rows[i].pnr, "bad row in table");
			continue;
		}
		got = age_on(&p.birth, &on);
		snprintf(msg, sizeof(msg), "on %s got %d, want %d", rows[i].on, got,
		    rows[i].want);
		check(got == rows[i].want, "youngest age", rows[i].pnr, msg);
	}
}

/* The check digit of the 9 digits d (YYMMDDNNN). */
static char
luhn_digit(const char *d)
{
	int sum = 0, v, i;

	for (i = 0; i < 9; i++) {
		v = (d[i] - '0') * (i % 2 == 0 ? 2 : 1);
		sum += v > 9 ? v - 9 : v;
	}
	return (char)('0' + (10 - sum % 10) % 10);
}

static int
month_days(int y, int m)
{
	static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0) ? 29 : mdays[m - 1];
}

/*
 * Every number Skatteverket may issue as a samordningsnummer passes: every
 * year from 1870 to 2026, month 00-12, day 60-91, with its check digit;
 * this covers each of Skatteverket's own test samordningsnummer (2,264 of
 * them, 24 with a day no calendar has).  The birth date is the latest the
 * number allows.  And every personnummer date is accepted exactly when it is
 * a real date.
 */
static void
test_every_number(void)
{
	static const char *const serials[] = {"239", "981", "001", "999"};
	int y, m, day, want_d, want_m, bad = 0;
	size_t k;
	char in[40], msg[100];
	struct pnr out;
	enum pnr_status got;

	for (y = 1870; y <= 2026; y++)
		for (m = 0; m <= 12; m++)
			for (day = 1; day <= 91; day++) {
				if (day > 31 && day < 60)
					continue;
				k = (size_t)(y + m + day) % (sizeof(serials) / sizeof(*serials));
				snprintf(in, sizeof(in), "%04d%02d%02d-%s", y, m, day, serials[k]);
				{
					char d9[10];

					memcpy(d9, in + 2, 6);
					memcpy(d9 + 6, in + 9, 3);
					in[12] = luhn_digit(d9);
					in[13] = '\0';
				}
				got = pnr_parse(in, NULL, &out);
				if (day < 60) {
					bool real = m >= 1 && day <= month_days(y, m);

					if ((got == PNR_OK) != real) {
						snprintf(msg, sizeof(msg), "personnummer: got %s",
						    status_name(got));
						check(false, "every number", in, msg);
						bad++;
					}
					continue;
				}
				if (got != PNR_OK || !out.samordning) {
					snprintf(msg, sizeof(msg), "samordningsnummer: got %s",
					    status_name(got));
					check(false, "every number", in, msg);
					bad++;
					continue;
				}
				want_m = m != 0 ? m : 12;
				want_d = day == 60 ? month_days(y, want_m) : day - 60;
				if (want_d > month_days(y, want_m))
					want_d = month_days(y, want_m);
				if (out.birth.y != y || out.birth.m != want_m || out.birth.d != want_d) {
					snprintf(msg, sizeof(msg), "birth %04d-%02d-%02d, want "
					    "%04d-%02d-%02d", out.birth.y, out.birth.m, out.birth.d, y,
					    want_m, want_d);
					check(false, "every number", in, msg);
					bad++;
				}
				if (bad > 20)
					return;
			}
	check(bad == 0, "every number", "", "some failed");
}

static void
test_ymd_days(void)
{
	static const struct {
		const char *a, *b;
		long want; /* b - a */
	} rows[] = {
	    {"2026-11-18", "2026-11-18", 0},
	    {"2026-08-20", "2026-11-18", 90},
	    {"2026-08-19", "2026-11-18", 91},
	    {"2025-12-31", "2026-01-01", 1},
	    {"2024-02-28", "2024-03-01", 2},
	    {"2023-02-28", "2023-03-01", 1},
	    {"1900-02-28", "1900-03-01", 1},
	    {"2000-02-28", "2000-03-01", 2},
	    {"2026-01-01", "2027-01-01", 365},
	    {"2024-01-01", "2025-01-01", 366},
	    {"1870-01-01", "2026-01-01", 56978},
	    {"0001-01-01", "9999-12-31", 3652058},
	};
	size_t i;
	char msg[100];

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct ymd a, b;
		long got;

		if (!ymd_parse(rows[i].a, &a) || !ymd_parse(rows[i].b, &b)) {
			check(false, "ymd_days", rows[i].a, "bad date in table");
			continue;
		}
		got = ymd_days(&b) - ymd_days(&a);
		snprintf(msg, sizeof(msg), "to %s got %ld, want %ld", rows[i].b, got, rows[i].want);
		check(got == rows[i].want, "ymd_days", rows[i].a, msg);
	}
}

static void
test_ymd_valid(void)
{
	static const struct {
		int y, m, d;
		bool want;
	} rows[] = {
	    {2000, 2, 29, true},  {1900, 2, 29, false}, {2100, 2, 29, false},
	    {2024, 2, 29, true},  {2023, 2, 29, false}, {2023, 2, 28, true},
	    {2026, 4, 30, true},  {2026, 4, 31, false}, {2026, 12, 31, true},
	    {2026, 12, 32, false}, {2026, 0, 1, false},  {2026, 13, 1, false},
	    {2026, 1, 0, false},  {2026, 1, -1, false}, {0, 1, 1, false},
	    {10000, 1, 1, false}, {9999, 12, 31, true}, {1870, 1, 1, true},
	};
	size_t i;
	char msg[100];

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(msg, sizeof(msg), "%d-%d-%d: want %s", rows[i].y, rows[i].m,
		    rows[i].d, rows[i].want ? "valid" : "invalid");
		check(ymd_valid(rows[i].y, rows[i].m, rows[i].d) == rows[i].want, "ymd_valid",
		    "", msg);
	}
}

static void
test_ymd_parse(void)
{
	static const struct {
		const char *in;
		bool want;
		struct ymd want_date;
	} rows[] = {
	    {"2026-11-18", true, {2026, 11, 18}},
	    {"2024-02-29", true, {2024, 2, 29}},
	    {"1890-01-01", true, {1890, 1, 1}},
	    {"2026-02-30", false, {0, 0, 0}},
	    {"2023-02-29", false, {0, 0, 0}},
	    {"2026-13-01", false, {0, 0, 0}},
	    {"2026-00-10", false, {0, 0, 0}},
	    {"2026-01-00", false, {0, 0, 0}},
	    {"0000-01-01", false, {0, 0, 0}},
	    {"2026-1-01", false, {0, 0, 0}},
	    {"2026-01-1", false, {0, 0, 0}},
	    {"2026-11-18Z", false, {0, 0, 0}},
	    {"2026-11-18+01:00", false, {0, 0, 0}},
	    {"2026-11-18T00:00:00", false, {0, 0, 0}},
	    {" 2026-11-18", false, {0, 0, 0}},
	    {"2026-11-18 ", false, {0, 0, 0}},
	    {"2026/11/18", false, {0, 0, 0}},
	    {"20261118", false, {0, 0, 0}},
	    {"-2026-11-18", false, {0, 0, 0}},
	    {"2026-11", false, {0, 0, 0}},
	    {"", false, {0, 0, 0}},
	};
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *in = dup_exact(rows[i].in);
		struct ymd out = {-1, -1, -1};
		bool got = ymd_parse(in, &out);

		check(got == rows[i].want, "ymd_parse", in,
		    rows[i].want ? "rejected" : "accepted");
		if (got && rows[i].want)
			check(ymd_cmp(&out, &rows[i].want_date) == 0, "ymd_parse", in,
			    "wrong date");
		if (!got)
			check(out.y == -1 && out.m == -1 && out.d == -1, "ymd_parse", in,
			    "*out changed on failure");
		free(in);
	}
}

static void
test_ymd_cmp(void)
{
	static const struct {
		struct ymd a, b;
		int want; /* sign only */
	} rows[] = {
	    {{2026, 1, 1}, {2026, 1, 1}, 0},   {{2025, 12, 31}, {2026, 1, 1}, -1},
	    {{2026, 1, 1}, {2025, 12, 31}, 1}, {{2026, 2, 1}, {2026, 1, 31}, 1},
	    {{2026, 1, 30}, {2026, 1, 31}, -1}, {{2026, 1, 31}, {2026, 1, 30}, 1},
	};
	size_t i;
	char msg[100];

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		int got = ymd_cmp(&rows[i].a, &rows[i].b);
		int sign = (got > 0) - (got < 0);

		snprintf(msg, sizeof(msg), "row %zu: got %d, want sign %d", i, got,
		    rows[i].want);
		check(sign == rows[i].want, "ymd_cmp", "", msg);
	}
}

static void
test_orgnr(void)
{
	static const struct {
		const char *in;
		const char *want; /* NULL: must be rejected */
	} rows[] = {
	    {"212000-2411", "2120002411"},
	    {"2120002411", "2120002411"},
	    {"162120002411", "2120002411"},
	    {"  212000-2411\n", "2120002411"},
	    {"556036-0793", "5560360793"},
	    {"212000-2412", NULL},
	    {"162120002412", NULL},
	    {"172120002411", NULL},
	    {"16212000-2411", NULL},
	    {"16-2120002411", NULL},
	    {"212000+2411", NULL},
	    {"21200-02411", NULL},
	    {"212000 2411", NULL},
	    {"21200024111", NULL},
	    {"212000241", NULL},
	    {"2120002411x", NULL},
	    {"", NULL},
	    {"   ", NULL},
	    {"abcdef-ghij", NULL},
	    /* enskild firma: the owner's personnummer, 10 digits */
	    {"800101-1231", "8001011231"},
	    {"8001011231", "8001011231"},
	    {"701063-1237", "7010631237"},
	    {"000229-1235", "0002291235"},
	    {"800101-1234", NULL},
	    {"801301-1237", NULL},
	    {"800230-1235", NULL},
	    /* the owner's samordningsnummer: 29 February of a common year */
	    {"510289-2394", "5102892394"},
	    {"200491-2396", "2004912396"},
	    {"510292-2399", NULL},
	    {"701060-1230", NULL},
	    {"010229-1234", NULL},
	    {"19800101-1231", NULL},
	    {"198001011231", NULL},
	};
	size_t i;
	char msg[100];

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char *in = dup_exact(rows[i].in);
		char out[11];
		bool got;

		memset(out, 'X', sizeof(out));
		got = orgnr_parse(in, out);
		check(got == (rows[i].want != NULL), "orgnr_parse", in,
		    got ? "accepted" : "rejected");
		if (got && rows[i].want != NULL) {
			snprintf(msg, sizeof(msg), "got \"%.11s\", want \"%s\"", out,
			    rows[i].want);
			check(memchr(out, '\0', sizeof(out)) != NULL &&
			    strcmp(out, rows[i].want) == 0, "orgnr_parse", in, msg);
		}
		free(in);
	}
}

int
main(void)
{
	test_pnr_parse();
	test_status_text();
	test_mask();
	test_age_on();
	test_youngest_age();
	test_every_number();
	test_ymd_days();
	test_ymd_valid();
	test_ymd_parse();
	test_ymd_cmp();
	test_orgnr();
	printf("test_personnummer: %d passed, %d failed\n", passed, failed);
	return failed == 0 ? 0 : 1;
}
