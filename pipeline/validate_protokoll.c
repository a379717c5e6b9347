/*
 * validate_protokoll.c -- the rules about the protocol and how the cover
 * sheets join it: missing-, duplicate- and orphan-cover-sheet, not-adjusted,
 * unknown-internal-recipient, reasons-missing, dnr-format,
 * appeal-route-mismatch, and when a sheet was filled in, cover-sheet-date.
 * Hooks of the table in validate.c (validate_int.h).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "messages.h"
#include "personnummer.h"
#include "text.h"
#include "validate_int.h"
#include "xmalloc.h"

/* ---- missing-, duplicate-, orphan-cover-sheet ---- */

/* Who joins what was settled by join_forsattsblad (validate.c). */
void
validate_missing_cover_sheet(struct vctx *v, struct paragraf *p)
{
	struct session *s = v->s;

	if (!p->has_galler || p->fb != NULL)
		return;
	if (p->dnr == NULL)
		diag_add(&s->diag, RULE_MISSING_COVER_SHEET, PROTOKOLL, p->line, p->nr,
		    "§ %lu gäller en enskild men saknar dnr, så inget försättsblad kan "
		    "kopplas till den; ange ärendets dnr i protokollet.", p->nr);
	else
		diag_add(&s->diag, RULE_MISSING_COVER_SHEET, PROTOKOLL, p->line, p->nr,
		    "§ %lu (%s) gäller en enskild men har inget försättsblad. Beslutet "
		    "får inte skickas förrän handläggaren fyllt i ett försättsblad för "
		    "ärendet %s.", p->nr, p->dnr, p->dnr);
}

void
validate_duplicate_cover_sheet(struct vctx *v, struct forsattsblad *fb)
{
	size_t j;

	for (j = 0; j < fb->n_paragrafer; j++) {
		struct paragraf *p = fb->paragrafer[j];

		if (p->fb == fb)
			continue;
		diag_add(&v->s->diag, RULE_DUPLICATE_COVER_SHEET, fb->file, fb->arende_line,
		    p->nr,
		    "Två försättsblad gäller samma ärende %s (§ %lu): det här och %s. "
		    "Ta bort det som inte gäller, så att mottagarna är entydiga.",
		    fb->dnr, p->nr, p->fb->file);
		break;
	}
}

void
validate_orphan_cover_sheet(struct vctx *v, struct forsattsblad *fb)
{
	if (fb->n_paragrafer > 0 || fb->dnr == NULL)
		return;
	diag_add(&v->s->diag, RULE_ORPHAN_COVER_SHEET, fb->file, fb->arende_line, 0,
	    "Försättsbladet gäller ärende %s, men inget ärende med det dnr finns i "
	    "protokollet. Kontrollera dnr; försättsbladet används inte.", fb->dnr);
}

/* ---- not-adjusted, reasons-missing, dnr-format ---- */

void
validate_not_adjusted(struct vctx *v, struct paragraf *p)
{
	if (v->s->protokoll.justerad || p->omedelbart_justerad ||
	    (!p->has_galler && p->n_skickas_till == 0))
		return;
	diag_add(&v->s->diag, RULE_NOT_ADJUSTED, PROTOKOLL, p->line, p->nr,
	    "§ %lu väntar på justeringen: protokollet är inte justerat (<justerad> "
	    "saknas) och paragrafen är inte omedelbart justerad. Den skickas när "
	    "protokollet är justerat; de andra paragraferna skickas nu.", p->nr);
}

void
validate_reasons_missing(struct vctx *v, struct paragraf *p)
{
	if (!p->has_galler || p->overklagande != OVERKLAGANDE_FORVALTNINGSBESVAR ||
	    p->n_skal > 0)
		return;
	diag_add(&v->s->diag, RULE_REASONS_MISSING, PROTOKOLL, p->line, p->nr,
	    "§ %lu kan överklagas genom förvaltningsbesvär men saknar skäl (<skal>). "
	    "Ett beslut som får överklagas ska innehålla skälen för beslutet.", p->nr);
}

void
validate_dnr_format(struct vctx *v, struct paragraf *p)
{
	if (v->dnr == NULL || p->dnr == NULL || dnr_pattern_match(v->dnr, p->dnr))
		return;
	diag_add(&v->s->diag, RULE_DNR_FORMAT, PROTOKOLL, p->line, p->nr,
	    CHECK_DNR_FORMAT, p->dnr, p->nr);
}

/* ---- unknown-internal-recipient ---- */

/* true when name is one of list's comma-separated names, folded (text_fold). */
static bool
internal_name(const char *list, const char *name)
{
	char *want = text_fold(name, strlen(name)), *got;
	const char *p = list, *comma;
	bool found = false;

	while (!found) {
		comma = strchr(p, ',');
		got = text_fold(p, comma != NULL ? (size_t)(comma - p) : strlen(p));
		found = got[0] != '\0' && strcmp(got, want) == 0;
		free(got);
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	free(want);
	return found;
}

/*
 * <skickas-till> is the internal distribution: what it names is archived,
 * never sent.  An outside authority written there would get a file in the
 * archive folder and a "skickad" in the expedieringslista, and never the
 * decision; it belongs on a försättsblad, as a mottagare with an address.
 * The names that are internal are the municipality's ([archive] internal).
 */
void
validate_unknown_internal_recipient(struct vctx *v, struct paragraf *p)
{
	size_t j;

	for (j = 0; j < p->n_skickas_till; j++) {
		const char *name = p->skickas_till[j];
		int line = p->skickas_till_line != NULL && p->skickas_till_line[j] > 0 ?
		    p->skickas_till_line[j] : p->line;

		if (internal_name(v->internal, name))
			continue;
		/* A name is quoted, a number that may be a personnummer is not. */
		if (pnr_may_hold(name))
			diag_add(&v->s->diag, RULE_UNKNOWN_INTERNAL_RECIPIENT, PROTOKOLL, line,
			    p->nr,
			    "En mottagare under \"Beslutet skickas till\" i § %lu är inte "
			    "en av kommunens interna mottagare (%s). En extern mottagare "
			    "ska stå som <mottagare> på ett försättsblad, med adress, så "
			    "att beslutet verkligen skickas; ta bort den här.", p->nr,
			    v->internal);
		else
			diag_add(&v->s->diag, RULE_UNKNOWN_INTERNAL_RECIPIENT, PROTOKOLL, line,
			    p->nr,
			    "\"%s\" under \"Beslutet skickas till\" i § %lu är inte en av "
			    "kommunens interna mottagare (%s). En extern mottagare ska stå "
			    "som <mottagare> på ett försättsblad, med adress, så att "
			    "beslutet verkligen skickas; ta bort den här.", name, p->nr,
			    v->internal);
	}
}

/* ---- cover-sheet-date ---- */

/*
 * <ifylld datum> after today is a typing error (or a sheet made for a later
 * meeting); one older than [check] max_alder_dagar before the meeting may
 * hold an address that has changed since: a stale address was the root of
 * the Katrineholm case.  Exactly max_alder_dagar days before is still fine.
 * Only the error needs today's date; only the warning needs the meeting's.
 */
void
validate_cover_sheet_date(struct vctx *v, struct forsattsblad *fb)
{
	const struct ymd *d = &fb->ifylld_datum;
	char ifylld[11], ref[11];
	long days;

	/* The schema speaks for a sheet it refuses, or without a date. */
	if (!fb->valid || !ymd_valid(d->y, d->m, d->d))
		return;
	ymd_format(d, ifylld);
	if (v->today != NULL && ymd_cmp(d, v->today) > 0) {
		ymd_format(v->today, ref);
		diag_add(&v->s->diag, RULE_COVER_SHEET_DATE, fb->file, fb->ifylld_line,
		    fb_paragraf(fb), CHECK_COVER_SHEET_FUTURE, ifylld, ref);
		return;
	}
	if (v->datum == NULL)
		return;
	days = ymd_days(v->datum) - ymd_days(d);
	if (days <= v->max_alder_dagar)
		return;
	ymd_format(v->datum, ref);
	diag_add_sev(&v->s->diag, RULE_COVER_SHEET_DATE, SEV_WARNING, fb->file, fb->ifylld_line,
	    fb_paragraf(fb), CHECK_COVER_SHEET_STALE, ifylld, (int)days, ref, v->max_alder_dagar);
}

/* ---- appeal-route-mismatch ---- */

/* What a route lets the parties do, as the message says it. */
static const char *
route_said(enum overklagande o)
{
	switch (o) {
	case OVERKLAGANDE_FORVALTNINGSBESVAR:
		return "kan överklagas genom förvaltningsbesvär";
	case OVERKLAGANDE_LAGLIGHETSPROVNING:
		return "bara kan laglighetsprövas";
	case OVERKLAGANDE_UNDERSTALLS:
		return "ska underställas förvaltningsrätten";
	case OVERKLAGANDE_EJ_OVERKLAGBART:
		return "inte kan överklagas";
	case OVERKLAGANDE_EJ_ANGIVET:
		break;
	}
	return "";
}

/*
 * "ska underställas förvaltningsrätten inom 7 dagar från beslutet": what the
 * law requires, with an underställning's deadline.  A new string.
 */
static char *
required_said(const struct appeal_rule *r)
{
	if (r->kraver != OVERKLAGANDE_UNDERSTALLS)
		return xstrdup(route_said(r->kraver));
	if (r->frist == 0)
		return xstrdup("ska underställas förvaltningsrätten genast");
	return xasprintf("ska underställas förvaltningsrätten inom %d dagar från beslutsdagen",
	    r->frist);
}

/*
 * Whether a decision can be appealed is the law's, not the nämnd's layout:
 * templates/overklagande.conf says which route each lagrum requires (6 §
 * LVU: underställs, 7 § LVU).  A paragraph whose <overklagande typ> is
 * another route -- or that has none -- would tell the family a right they do
 * not have, or hide one they do, and is stopped, unless avvikelse="…" gives
 * the nämnd's reason; then check only shows it.  When a paragraph's lagrum
 * match lines that require different routes, the one its typ does not
 * satisfy is reported.  A typ="understalls" paragraph learns its statute and
 * deadline from the line that requires it, for the letter.
 */
void
validate_appeal_route_mismatch(struct vctx *v, struct paragraf *p)
{
	const struct appeal_rule *bad = NULL, *r;
	const char *bad_lagrum = NULL;
	char *req;
	size_t i, k;
	int line = p->overklagande_line > 0 ? p->overklagande_line : p->line;

	if (v->appeal == NULL)
		return;
	for (i = 0; i < p->n_lagrum; i++)
		for (k = 0; k < appeal_count(v->appeal); k++) {
			if (!appeal_matches(v->appeal, k, p->lagrum[i]))
				continue;
			r = appeal_rule_at(v->appeal, k);
			if (r->kraver != p->overklagande) {
				if (bad == NULL) {
					bad = r;
					bad_lagrum = p->lagrum[i];
				}
			} else if (r->kraver == OVERKLAGANDE_UNDERSTALLS &&
			    p->understalls_lag == NULL) {
				p->understalls_lag = arena_strdup(&v->s->arena, r->lag);
				p->understalls_dagar = r->frist;
			}
		}
	if (bad == NULL)
		return;
	req = required_said(bad);
	if (!blank(p->overklagande_avvikelse)) {
		bool quote = !pnr_may_hold(p->overklagande_avvikelse);

		diag_add_sev(&v->s->diag, RULE_APPEAL_ROUTE_MISMATCH, SEV_INFO, PROTOKOLL, line,
		    p->nr,
		    "§ %lu har lagrummet \"%s\", och %s säger att beslutet %s; nämnden har i stället "
		    "beslutat att beslutet %s (typ=\"%s\")%s%s%s. Kontrollera att breven säger "
		    "det nämnden beslutat.", p->nr, bad_lagrum, bad->lag, req,
		    route_said(p->overklagande), overklagande_name(p->overklagande),
		    quote ? ", med skälet \"" : ", med skäl i avvikelse",
		    quote ? p->overklagande_avvikelse : "", quote ? "\"" : "");
	} else if (p->overklagande == OVERKLAGANDE_EJ_ANGIVET) {
		diag_add(&v->s->diag, RULE_APPEAL_ROUTE_MISMATCH, PROTOKOLL, line, p->nr,
		    "§ %lu har lagrummet \"%s\", och %s säger att beslutet %s, men paragrafen saknar "
		    "<overklagande>, så breven säger inget om det. Lägg till <overklagande "
		    "typ=\"%s\"/>, eller, om nämnden beslutat annat, den typ nämnden beslutat "
		    "med nämndens skäl i avvikelse=\"…\".", p->nr, bad_lagrum, bad->lag, req,
		    overklagande_name(bad->kraver));
	} else {
		diag_add(&v->s->diag, RULE_APPEAL_ROUTE_MISMATCH, PROTOKOLL, line, p->nr,
		    "§ %lu har lagrummet \"%s\", och %s säger att beslutet %s, men <overklagande "
		    "typ=\"%s\"> säger att beslutet %s. Breven skulle ge parterna fel besked om "
		    "vad de kan göra. Ändra till typ=\"%s\", eller, om nämnden beslutat annat, "
		    "skriv nämndens skäl i avvikelse=\"…\".", p->nr, bad_lagrum, bad->lag, req,
		    overklagande_name(p->overklagande), route_said(p->overklagande),
		    overklagande_name(bad->kraver));
	}
	free(req);
}
