/*
 * test_text.c -- unit tests for pipeline/text.c and pipeline/clock.c: the
 * one slug, the one fold, hex and SHA-256, and the clock.
 *
 * Prints "FAIL: ..." for each failing case and a summary line; exits 1 when
 * anything failed.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "text.h"

static int passed, failed;

static void
check(bool ok, const char *what, const char *got, const char *want)
{
	if (ok) {
		passed++;
		return;
	}
	failed++;
	printf("FAIL: %s: got \"%s\", want \"%s\"\n", what, got, want);
}

static void
slug(const char *in, const char *want)
{
	char out[64];

	text_slug(out, sizeof(out), in);
	check(strcmp(out, want) == 0, "slug", out, want);
}

static void
fold(const char *a, const char *b, bool same)
{
	char *fa = text_fold(a, strlen(a)), *fb = text_fold(b, strlen(b));

	check((strcmp(fa, fb) == 0) == same, same ? "fold alike" : "fold apart", fa, fb);
	free(fa);
	free(fb);
}

int
main(void)
{
	unsigned char raw[4] = {0x00, 0x7f, 0xa5, 0xff}, back[4];
	char hex[9], sha[65], ts[CLOCK_TS_LEN + 1], day[11];

	/* One slug: all of Latin-1, whatever stage asks (issue: deliver.c's
	 * folded only å ä ö é). */
	slug("Vårdnadshavare", "vardnadshavare");
	slug("ÅSA ÖSTLUND", "asa-ostlund");
	slug("Müller-Lüdenscheidt", "muller-ludenscheidt");
	slug("Señor Ñandú", "senor-nandu");
	slug("Ærø Øst", "aro-ost");
	slug("Straße", "strase");
	slug("  --x--  ", "x");
	slug("à×÷b", "a-b");
	slug("", "");
	slug("日本", "");
	{
		char small[4];

		text_slug(small, sizeof(small), "abcdef");
		check(strcmp(small, "abc") == 0, "slug bounded", small, "abc");
	}

	/* One fold: an address differing only in case or spacing is the same. */
	fold("ÅSVÄGEN  1", "Åsvägen 1", true);
	fold("  storgatan\t12 B ", "Storgatan 12 b", true);
	fold("ÉCOLE ÜBER ØRE", "école über øre", true);
	fold("Åsvägen 1", "Asvägen 1", false);
	fold("Storgatan 12", "Storgatan 21", false);
	fold("× mark", "÷ mark", false);

	text_hex(raw, 4, hex);
	check(strcmp(hex, "007fa5ff") == 0, "hex", hex, "007fa5ff");
	check(text_unhex(hex, back, 4) == 0 && memcmp(back, raw, 4) == 0, "unhex", hex, "007fa5ff");
	check(text_unhex("007FA5FF", back, 4) == -1, "unhex upper case", "007FA5FF", "-1");
	check(text_unhex("00zz", back, 2) == -1, "unhex not hex", "00zz", "-1");

	text_sha256_hex("abc", 3, sha);
	check(strcmp(sha, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0,
	    "sha256", sha, "ba7816bf...");

	check(clock_utc(ts) == 0 && clock_valid_ts(ts), "clock_utc", ts, "a timestamp");
	clock_today(day);
	check(strlen(day) == 10 && day[4] == '-' && day[7] == '-', "clock_today", day, "YYYY-MM-DD");
	check(!clock_valid_ts("2026-13-01T00:00:00Z"), "month 13", "2026-13-01T00:00:00Z", "invalid");
	check(!clock_valid_ts("2026-11-20 10:00:00Z"), "no T", "2026-11-20 10:00:00Z", "invalid");

	printf("test_text: %d passed, %d failed\n", passed, failed);
	return failed == 0 ? 0 : 1;
}
