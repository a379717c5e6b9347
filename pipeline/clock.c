/*
 * clock.c -- the one clock (clock.h).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "hook.h"

/* "DDDD-DD-DDTDD:DD:DDZ" with the fields in range. */
int
clock_valid_ts(const char *s)
{
	static const char pat[] = "DDDD-DD-DDTDD:DD:DDZ";
	size_t i;
	int mo, d, h, mi, se;

	if (s == NULL || strlen(s) != CLOCK_TS_LEN)
		return 0;
	for (i = 0; i < CLOCK_TS_LEN; i++)
		if (pat[i] == 'D' ? (s[i] < '0' || s[i] > '9') : s[i] != pat[i])
			return 0;
	mo = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	h = (s[11] - '0') * 10 + (s[12] - '0');
	mi = (s[14] - '0') * 10 + (s[15] - '0');
	se = (s[17] - '0') * 10 + (s[18] - '0');
	return mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23 && mi <= 59 && se <= 60;
}

int
clock_utc(char out[CLOCK_TS_LEN + 1])
{
	const char *fixed = test_hook("EXPEDIERA_AUDIT_NOW");
	struct tm tm;
	time_t t;

	out[0] = '\0';
	if (fixed != NULL && fixed[0] != '\0') {
		if (!clock_valid_ts(fixed))
			return -1;
		memcpy(out, fixed, CLOCK_TS_LEN + 1);
		return 0;
	}
	if ((t = time(NULL)) == (time_t)-1 || gmtime_r(&t, &tm) == NULL ||
	    strftime(out, CLOCK_TS_LEN + 1, "%Y-%m-%dT%H:%M:%SZ", &tm) != CLOCK_TS_LEN) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

void
clock_today(char out[11])
{
	const char *fixed = test_hook("EXPEDIERA_AUDIT_NOW");
	time_t t = time(NULL);
	struct tm tm;

	if (fixed != NULL && strlen(fixed) >= 10) {
		snprintf(out, 11, "%.10s", fixed);
		return;
	}
	if (localtime_r(&t, &tm) == NULL || strftime(out, 11, "%Y-%m-%d", &tm) != 10)
		snprintf(out, 11, "1970-01-01");
}
