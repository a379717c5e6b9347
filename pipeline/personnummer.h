/*
 * personnummer.h -- Swedish identity numbers: personnummer, samordningsnummer
 * and organisationsnummer.
 *
 * Reads: strings from försättsblad and protokoll, untrusted.
 * Writes: normalized digit strings and a reason code; nothing else.
 * Trusts: nothing; every function takes NUL-terminated input of any content.
 */
#ifndef EXPEDIERA_PERSONNUMMER_H
#define EXPEDIERA_PERSONNUMMER_H

#include <stdbool.h>

/* A calendar date. */
struct ymd {
	int y, m, d;
};

enum pnr_status {
	PNR_OK,
	PNR_EMPTY,       /* empty or only white space */
	PNR_TEN_DIGIT,   /* YYMMDD-NNNN, YYMMDD+NNNN or YYMMDDNNNN: ambiguous century */
	PNR_FORMAT,      /* anything else that is not 12 digits, optionally with '-' after 8 */
	PNR_DATE,        /* no such date (month, day, leap year); for a samordningsnummer
	                    a month over 12 or a day - 60 over 31 */
	PNR_FUTURE,      /* birth date after the reference date */
	PNR_SERIAL,      /* födelsenummer 000, which is never issued */
	PNR_CHECKSUM     /* Luhn check digit wrong */
};

struct pnr {
	char digits[13];   /* YYYYMMDDNNNC, NUL-terminated; day as written (+60 kept) */
	/*
	 * The latest birth date the number allows, so that every age taken
	 * from it is the youngest the person may be: the real date (day-60
	 * for a samordningsnummer); for a samordningsnummer whose month (00)
	 * or day (60) is unknown, or whose day - 60 is past its month's end
	 * (31 April), the last day of that month or year, but never after the
	 * reference date.
	 */
	struct ymd birth;
	bool samordning;   /* day was 60..91 */
};

/*
 * Parses s, which may carry leading and trailing white space.  Accepted forms:
 * "YYYYMMDD-NNNC" and "YYYYMMDDNNNC".  A samordningsnummer has day + 60, and
 * Skatteverket writes an unknown part of its birth date as 00: month 00, day
 * 60 (00 + 60), or both; its day 61-91 need not exist in its month (day 91
 * in April is born at the latest 30 April).  When ref is not NULL a number whose earliest
 * possible birth date is after *ref gives PNR_FUTURE.  On PNR_OK fills *out;
 * otherwise *out is untouched.
 */
enum pnr_status pnr_parse(const char *s, const struct ymd *ref, struct pnr *out);

/* A short Swedish phrase for the status, e.g. "fel kontrollsiffra". */
const char *pnr_status_text(enum pnr_status);

/*
 * Writes "YYYYMMDD-****" for a 12-digit string, the form used in every
 * message, log line and stderr output.  For any other input writes what it can
 * without ever copying more than the first 8 characters, then "-****".
 * out must hold 14 bytes.
 */
void pnr_mask(const char *digits, char out[14]);

/* Full years of age on date *on for someone born *birth (29 Feb: 1 Mar). */
int age_on(const struct ymd *birth, const struct ymd *on);

/* true when y-m-d is a real date in the Gregorian calendar. */
bool ymd_valid(int y, int m, int d);

/* Parses "YYYY-MM-DD" exactly (as xs:date without time zone); true on success. */
bool ymd_parse(const char *s, struct ymd *out);

/* Writes "YYYY-MM-DD" (out holds 11 bytes). */
void ymd_format(const struct ymd *d, char out[11]);

/* Compares two dates like strcmp. */
int ymd_cmp(const struct ymd *a, const struct ymd *b);

/*
 * The day number of a valid date (ymd_valid), counted from an epoch of no
 * meaning: the difference of two is the number of days between them.
 */
long ymd_days(const struct ymd *d);

/*
 * Organisationsnummer: "NNNNNN-NNNC", "NNNNNNNNNC" or "16NNNNNNNNNC" (the
 * 12-digit form with the "16" prefix), with white space around.  Checks the
 * Luhn digit, and that the third digit is at least 2 (a legal person) or the
 * first six digits are a date YYMMDD, day+60 allowed (an enskild firma, whose
 * organisationsnummer is the owner's personnummer or samordningsnummer, whose
 * day 61-91 need not exist in its month, as in pnr_parse).
 * On success writes 10 digits to out (11 bytes) and returns true.
 */
bool orgnr_parse(const char *s, char out[11]);

/*
 * Whether s has six or more digits in a row: it may hold a personnummer, so
 * it is not shown or sent where a number must never be (a message subject,
 * a finding that quotes the input).
 */
bool pnr_may_hold(const char *s);

#endif
