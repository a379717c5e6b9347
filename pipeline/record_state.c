/*
 * record_state.c -- what the nämndsekreterare reads about a försändelse
 * (record.h): its state and route in Swedish, whether it went as
 * registered mail, and what its decision lets a party do and by when.
 *
 * Reads: a route event's data (this program's JSON) and a kvitto's date.
 * Writes: nothing; the words are returned.
 * Trusts: the route event's data.  A log written before the appeal route was
 * recorded ("overklagande" absent) gets no deadline at all: the decision may
 * have been one that cannot be appealed, and a wrong right stated is as bad
 * as a wrong recipient.
 *
 * The JSON outputs keep the stable English ids (outbox_state_name,
 * route_names); these words are for people.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "record.h"
#include "route.h"
#include "xmalloc.h"

const char *
record_state_label(enum outbox_state st, const char *route)
{
	switch (st) {
	case OUTBOX_SENT:
		if (route != NULL && strcmp(route, route_names[ROUTE_ARCHIVE]) == 0)
			return "arkiverad";
		if (route != NULL && strcmp(route, route_names[ROUTE_MANUAL]) == 0)
			return "överlämnad";
		return "skickad";
	case OUTBOX_PENDING:
		return "väntar";
	case OUTBOX_SENDING:
		return "pågår";
	case OUTBOX_HELD:
		return "hålls";
	case OUTBOX_FAILED:
		return "misslyckad";
	default:
		return "okänd";
	}
}

const char *
record_route_label(const char *route, bool rek)
{
	size_t i;

	if (route == NULL)
		return "-";
	if (rek && strcmp(route, route_names[ROUTE_PRINT]) == 0)
		return "rekommenderat brev";
	if (rek && strcmp(route, route_names[ROUTE_PRINT_SKATTEVERKET]) == 0)
		return "rekommenderat brev via Skatteverket";
	for (i = 0; i < ROUTE__MAX; i++)
		if (strcmp(route, route_names[i]) == 0)
			return route_labels[i];
	return route;
}

bool
record_is_rek(const char *data)
{
	char *kanal, *route;
	bool rek;

	if (data == NULL)
		return false;
	kanal = json_field(data, "kanal");
	route = json_field(data, "route");
	/* Registered mail is paper: a kanal asked for on another route was not it. */
	rek = kanal != NULL && strcmp(kanal, kanal_names[KANAL_REKOMMENDERAT]) == 0 &&
	    route != NULL && (strcmp(route, route_names[ROUTE_PRINT]) == 0 ||
	    strcmp(route, route_names[ROUTE_PRINT_SKATTEVERKET]) == 0);
	free(kanal);
	free(route);
	return rek;
}

const char *
record_overklagande_id(enum overklagande o)
{
	switch (o) {
	case OVERKLAGANDE_FORVALTNINGSBESVAR:
		return "forvaltningsbesvar";
	case OVERKLAGANDE_LAGLIGHETSPROVNING:
		return "laglighetsprovning";
	case OVERKLAGANDE_EJ_OVERKLAGBART:
		return "ej-overklagbart";
	case OVERKLAGANDE_UNDERSTALLS:
		return "understalls";
	default:
		return "ej-angivet";
	}
}

void
record_appeal_of(const char *route_data, const char *delgiven, struct rec_appeal *ap)
{
	static const struct {
		const char *id;
		enum rec_appeal_route route;
	} ids[] = {{"forvaltningsbesvar", REC_APPEAL_FORVALTNINGSBESVAR},
	    {"laglighetsprovning", REC_APPEAL_LAGLIGHETSPROVNING},
	    {"ej-overklagbart", REC_APPEAL_EJ_OVERKLAGBART},
	    {"understalls", REC_APPEAL_UNDERSTALLS}};
	char *ov = route_data != NULL ? json_field(route_data, "overklagande") : NULL;
	size_t i;

	memset(ap, 0, sizeof(*ap));
	ap->recorded = ov != NULL;
	for (i = 0; ov != NULL && i < sizeof(ids) / sizeof(ids[0]); i++)
		if (strcmp(ov, ids[i].id) == 0)
			ap->route = ids[i].route;
	free(ov);
	if (ap->route == REC_APPEAL_FORVALTNINGSBESVAR && delgiven != NULL)
		record_appeal(delgiven, ap->last, ap->laga_kraft);
	if (ap->route == REC_APPEAL_UNDERSTALLS) {
		char *s = json_field(route_data, "understalls_senast");
		char *l = json_field(route_data, "understalls_lag");
		struct ymd d;

		/* Only a date that is one: this is a deadline the nämnd must keep. */
		if (s != NULL && strlen(s) == 10 && ymd_parse(s, &d))
			snprintf(ap->senast, sizeof(ap->senast), "%s", s);
		snprintf(ap->lag, sizeof(ap->lag), "%s", l != NULL ? l : "");
		free(s);
		free(l);
	}
}

char *
record_appeal_text(const struct rec_appeal *ap, bool delgiven)
{
	switch (ap->route) {
	case REC_APPEAL_FORVALTNINGSBESVAR:
		if (ap->last[0] == '\0')
			return NULL;
		return xasprintf("sista dag att överklaga %s; laga kraft tidigast %s om ingen "
		    "överklagar", ap->last, ap->laga_kraft);
	case REC_APPEAL_LAGLIGHETSPROVNING:
		return xstrdup("beslutet kan bara laglighetsprövas; tiden för det räknas från den "
		    "dag protokollets justering anslogs, inte från delgivningen");
	case REC_APPEAL_EJ_OVERKLAGBART:
		return xstrdup("beslutet kan inte överklagas");
	case REC_APPEAL_UNDERSTALLS:
		if (ap->senast[0] == '\0')
			return xstrdup("beslutet kan inte överklagas; det ska underställas "
			    "förvaltningsrätten (loggen anger ingen tidsfrist för underställningen)");
		return xasprintf("beslutet kan inte överklagas; det ska underställas "
		    "förvaltningsrätten senast %s%s%s%s", ap->senast, ap->lag[0] != '\0' ? " (" :
		    "", ap->lag, ap->lag[0] != '\0' ? ")" : "");
	default:
		if (!delgiven)
			return NULL;
		return xstrdup(ap->recorded ? "protokollet anger ingen överklagandeväg; ingen sista "
		    "dag att överklaga räknas ut" : "loggen anger inte beslutets överklagandeväg "
		    "(skickat av en äldre version); ingen sista dag att överklaga räknas ut, se "
		    "beslutet");
	}
}
