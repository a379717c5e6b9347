/*
 * test_record.c -- unit tests for pipeline/record_state.c and
 * pipeline/record_date.c: what a kvitto and the historik say of the appeal,
 * from a route event's data, for each appeal route and for a log written
 * before the route was recorded; an underställning's due day; the Swedish
 * words for states and routes.
 *
 * Prints "FAIL: ..." for each failing case and a summary line; exits 1 when
 * anything failed.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "personnummer.h"
#include "record.h"
#include "route.h"

static int passed, failed;

static void
check(bool ok, const char *what, const char *got, const char *want)
{
	if (ok) {
		passed++;
		return;
	}
	failed++;
	printf("FAIL: %s: got \"%s\", want \"%s\"\n", what, got != NULL ? got : "(null)",
	    want != NULL ? want : "(null)");
}

/*
 * What a kvitto dated delgiven says for a försändelse with route data data:
 * want a piece of the text that must be there (NULL: no text at all), and
 * never a piece that must not.
 */
static void
appeal(const char *what, const char *data, const char *delgiven, const char *want,
    const char *never)
{
	struct rec_appeal ap;
	char *t;

	record_appeal_of(data, delgiven, &ap);
	t = record_appeal_text(&ap, delgiven != NULL);
	if (want == NULL)
		check(t == NULL, what, t, "no text");
	else
		check(t != NULL && strstr(t, want) != NULL, what, t, want);
	if (never != NULL)
		check(t == NULL || strstr(t, never) == NULL, what, t, never);
	free(t);
}

int
main(void)
{
	struct rec_appeal ap;
	struct ymd d = {2026, 11, 18};
	char out[11];

	/* förvaltningsbesvär: three weeks from delgivning, moved past jul. */
	appeal("forvaltningsbesvar", "{\"overklagande\":\"forvaltningsbesvar\"}", "2026-12-03",
	    "sista dag att överklaga 2026-12-28; laga kraft tidigast 2026-12-29", NULL);
	appeal("forvaltningsbesvar before a kvitto", "{\"overklagande\":\"forvaltningsbesvar\"}",
	    NULL, NULL, NULL);
	/* laglighetsprövning: from the anslag, no date from the kvitto. */
	appeal("laglighetsprovning", "{\"overklagande\":\"laglighetsprovning\"}", "2026-12-03",
	    "från den dag protokollets justering anslogs", "2026-12-2");
	/* ej-överklagbart: no deadline and no laga kraft. */
	appeal("ej-overklagbart", "{\"overklagande\":\"ej-overklagbart\"}", "2026-12-03",
	    "beslutet kan inte överklagas", "sista dag");
	appeal("ej-overklagbart laga kraft", "{\"overklagande\":\"ej-overklagbart\"}", "2026-12-03",
	    "kan inte", "laga kraft");
	/* understalls: the underställning's due day, not an appeal deadline. */
	appeal("understalls", "{\"overklagande\":\"understalls\",\"understalls_lag\":\"7 § LVU\","
	    "\"understalls_senast\":\"2026-11-25\"}", "2026-12-03",
	    "underställas förvaltningsrätten senast 2026-11-25 (7 § LVU)", "sista dag att överklaga");
	appeal("understalls without a kvitto", "{\"overklagande\":\"understalls\","
	    "\"understalls_senast\":\"2026-11-18\"}", NULL, "senast 2026-11-18", "()");
	/* understalls, the table knew no deadline: no date is made up. */
	appeal("understalls unknown", "{\"overklagande\":\"understalls\"}", "2026-12-03",
	    "ingen tidsfrist", "senast");
	appeal("understalls not a date", "{\"overklagande\":\"understalls\","
	    "\"understalls_senast\":\"snart\"}", NULL, "ingen tidsfrist", "snart");
	/* A log from before the route was recorded: no deadline it cannot know. */
	appeal("old log", "{\"route\":\"print\",\"delgivning\":\"true\"}", "2026-12-03",
	    "överklagandeväg", "2026-12-2");
	appeal("old log, no kvitto", "{\"route\":\"print\"}", NULL, NULL, NULL);
	appeal("ej-angivet", "{\"overklagande\":\"ej-angivet\"}", "2026-12-03",
	    "protokollet anger ingen överklagandeväg", "2026-12-2");
	record_appeal_of("{\"overklagande\":\"ej-overklagbart\"}", "2026-12-03", &ap);
	check(ap.last[0] == '\0' && ap.laga_kraft[0] == '\0', "ej-overklagbart dates", ap.last,
	    "");

	/* The ids the route event records. */
	check(strcmp(record_overklagande_id(OVERKLAGANDE_UNDERSTALLS), "understalls") == 0,
	    "id understalls", record_overklagande_id(OVERKLAGANDE_UNDERSTALLS), "understalls");
	check(strcmp(record_overklagande_id(OVERKLAGANDE_EJ_OVERKLAGBART), "ej-overklagbart") == 0,
	    "id ej-overklagbart", record_overklagande_id(OVERKLAGANDE_EJ_OVERKLAGBART),
	    "ej-overklagbart");

	/* Due days: a week after the meeting (LVU), the same day (LVM, genast). */
	record_date_add(&d, 7, out);
	check(strcmp(out, "2026-11-25") == 0, "a week", out, "2026-11-25");
	record_date_add(&d, 0, out);
	check(strcmp(out, "2026-11-18") == 0, "genast", out, "2026-11-18");
	d = (struct ymd){2026, 12, 28};
	record_date_add(&d, 7, out);
	check(strcmp(out, "2027-01-04") == 0, "over the new year", out, "2027-01-04");
	d = (struct ymd){2028, 2, 24};
	record_date_add(&d, 7, out);
	check(strcmp(out, "2028-03-02") == 0, "over a leap day", out, "2028-03-02");

	/* The words: Swedish for people, whatever the state or route. */
	check(strcmp(record_state_label(OUTBOX_HELD, "held"), "hålls") == 0, "held",
	    record_state_label(OUTBOX_HELD, "held"), "hålls");
	check(strcmp(record_state_label(OUTBOX_PENDING, "print"), "väntar") == 0, "pending",
	    record_state_label(OUTBOX_PENDING, "print"), "väntar");
	check(strcmp(record_state_label(OUTBOX_FAILED, "print"), "misslyckad") == 0, "failed",
	    record_state_label(OUTBOX_FAILED, "print"), "misslyckad");
	check(strcmp(record_state_label(OUTBOX_SENT, "archive"), "arkiverad") == 0, "archived",
	    record_state_label(OUTBOX_SENT, "archive"), "arkiverad");
	check(strcmp(record_state_label(OUTBOX_SENT, "manual"), "överlämnad") == 0, "manual",
	    record_state_label(OUTBOX_SENT, "manual"), "överlämnad");
	check(strcmp(record_state_label(OUTBOX_SENT, NULL), "skickad") == 0, "sent",
	    record_state_label(OUTBOX_SENT, NULL), "skickad");
	check(strcmp(record_route_label("print", false), "post") == 0, "print",
	    record_route_label("print", false), "post");
	check(strcmp(record_route_label("print", true), "rekommenderat brev") == 0, "rek",
	    record_route_label("print", true), "rekommenderat brev");
	check(strcmp(record_route_label("digital", true), "digital brevlåda") == 0,
	    "digital is never rek", record_route_label("digital", true), "digital brevlåda");
	check(strcmp(record_route_label("held", false), "ingen väg") == 0, "held route",
	    record_route_label("held", false), "ingen väg");
	check(record_is_rek("{\"route\":\"print\",\"kanal\":\"rekommenderat\"}"), "is rek", "false",
	    "true");
	check(!record_is_rek("{\"route\":\"held\",\"kanal\":\"rekommenderat\"}"), "held not rek",
	    "true", "false");
	check(!record_is_rek("{\"route\":\"print\"}"), "old log not rek", "true", "false");
	check(!record_is_rek(NULL), "no data not rek", "true", "false");

	printf("test_record: %d passed, %d failed\n", passed, failed);
	return failed == 0 ? 0 : 1;
}
