/*
 * route.c -- stage 4: the route of every recipient and why; see route.h.
 *
 * Reads: the validated session; reachability answers through a callback.
 * Writes: an array of routing decisions.
 * Trusts: the records' blocked flags (validate.c): a blocked paragraph's
 * recipients are held, whatever else is true of them.
 *
 * The order of the questions matters and is the contract of SPEC section 5:
 * another sender first (it is not ours to send), then what the recipient
 * asked for, then what is possible.  A child never goes digital: no Swedish
 * digital mailbox accepts minors.  A protected identity is never printed with
 * an address: digital if reachable, else via Skatteverket.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "route.h"
#include "xmalloc.h"

const char *const route_names[ROUTE__MAX] = {
	"manual", "print", "print-skatteverket", "digital", "archive", "held",
};
const char *const route_labels[ROUTE__MAX] = {
	"överlämnas till annan avsändare", "post", "post via Skatteverket",
	"digital brevlåda", "akt", "ingen väg",
};

static void
set(struct routed *r, enum route route, const char *fmt, const char *arg)
{
	r->route = route;
	snprintf(r->reason, sizeof(r->reason), fmt, arg != NULL ? arg : "");
}

static bool
minor(const struct session *s, const struct mottagare *m)
{
	return m->pnr.ok && s->protokoll_valid &&
	    age_on(&m->pnr.pnr.birth, &s->protokoll.sammantradesdatum) < 18;
}

static const struct reachability *
ask(reach_fn reach, void *arg, const struct routed *r)
{
	if (reach == NULL || r->id[0] == '\0')
		return NULL;
	return reach(arg, r->id);
}

/* true when a digital delivery is possible; else *why says why not. */
static bool
digital_possible(const struct session *s, const struct routed *r, reach_fn reach, void *arg,
    const char **why)
{
	const struct reachability *a;

	if (r->id[0] == '\0') {
		*why = "mottagaren saknar personnummer och organisationsnummer";
		return false;
	}
	if (minor(s, r->m)) {
		*why = "mottagaren är under 18 år, och ingen digital brevlåda tar emot "
		       "försändelser till barn";
		return false;
	}
	if (reach == NULL) {
		*why = "ingen digital brevlåda är inställd ([mailbox] saknas)";
		return false;
	}
	if ((a = ask(reach, arg, r)) == NULL || !a->asked) {
		*why = "brevlådetjänsten har inte svarat";
		return false;
	}
	if (!a->reachable) {
		*why = "mottagaren har ingen digital brevlåda";
		return false;
	}
	if (!a->sender_accepted) {
		*why = "mottagaren tar inte emot digital post från nämnden";
		return false;
	}
	return true;
}

static void
route_recipient(const struct session *s, struct routed *r, reach_fn reach, void *arg)
{
	const struct mottagare *m = r->m;
	const char *why = NULL;

	if (m->pnr.ok)
		memcpy(r->id, m->pnr.pnr.digits, 13);
	else if (m->orgnr_ok)
		memcpy(r->id, m->orgnr, 11);
	if (r->p->blocked) {
		set(r, ROUTE_HELD, "paragrafen har fel som måste rättas först", NULL);
		return;
	}
	if (r->p->waiting) {
		set(r, ROUTE_HELD, "väntar på justeringen av protokollet", NULL);
		return;
	}
	if (r->fb->avsandare != NULL) {
		set(r, ROUTE_MANUAL, "försättsbladet anger att %s skickar beslutet",
		    r->fb->avsandare);
		return;
	}
	if (m->kanal == KANAL_DIGITAL) {
		if (digital_possible(s, r, reach, arg, &why))
			set(r, ROUTE_DIGITAL, "kanal=digital och mottagaren har en digital "
			    "brevlåda", NULL);
		else
			set(r, ROUTE_HELD, "kanal=digital men %s", why);
		return;
	}
	if (m->skyddad) {
		if (m->kanal == KANAL_AUTO && digital_possible(s, r, reach, arg, &why))
			set(r, ROUTE_DIGITAL, "skyddad identitet och mottagaren har en digital "
			    "brevlåda", NULL);
		else if (m->pnr.ok)
			set(r, ROUTE_PRINT_SKATTEVERKET, "skyddad identitet: skickas via "
			    "Skatteverket, som vidarebefordrar (%s)",
			    m->kanal != KANAL_AUTO ? "kanal=post" : why);
		else
			set(r, ROUTE_HELD, "skyddad identitet men inget personnummer, så "
			    "Skatteverket kan inte vidarebefordra", NULL);
		return;
	}
	if (m->kanal == KANAL_POST || m->kanal == KANAL_REKOMMENDERAT) {
		set(r, ROUTE_PRINT, m->kanal == KANAL_POST ? "kanal=post" :
		    "kanal=rekommenderat (rekommenderat brev för delgivning)", NULL);
		return;
	}
	if (digital_possible(s, r, reach, arg, &why))
		set(r, ROUTE_DIGITAL, "mottagaren har en digital brevlåda som tar emot "
		    "post från nämnden", NULL);
	else
		set(r, ROUTE_PRINT, "papperspost: %s", why);
}

struct routed *
route_session(const struct session *s, reach_fn reach, void *arg, size_t *n)
{
	struct routed *v = NULL;
	size_t cap = 0, i, j;

	*n = 0;
	for (i = 0; i < s->protokoll.n_paragrafer; i++) {
		const struct paragraf *p = &s->protokoll.paragrafer[i];
		const struct forsattsblad *fb = p->fb;
		size_t want = p->n_skickas_till + (fb != NULL && fb->valid ? fb->n_mottagare : 0);

		if (*n + want > cap) {
			cap = (*n + want) * 2;
			v = xreallocarray(v, cap, sizeof(*v));
		}
		for (j = 0; fb != NULL && fb->valid && j < fb->n_mottagare; j++) {
			struct routed *r = &v[(*n)++];

			memset(r, 0, sizeof(*r));
			r->p = p;
			r->fb = fb;
			r->m = &fb->mottagare[j];
			r->index = j + 1;
			route_recipient(s, r, reach, arg);
		}
		for (j = 0; j < p->n_skickas_till; j++) {
			struct routed *r = &v[(*n)++];

			memset(r, 0, sizeof(*r));
			r->p = p;
			r->internal = p->skickas_till[j];
			r->index = j + 1;
			if (p->blocked)
				set(r, ROUTE_HELD, "paragrafen har fel som måste rättas först", NULL);
			else if (p->waiting)
				set(r, ROUTE_HELD, "väntar på justeringen av protokollet", NULL);
			else
				set(r, ROUTE_ARCHIVE, "intern sändlista (skickas till %s): kopia "
				    "till arkivet", r->internal);
		}
	}
	return v;
}
