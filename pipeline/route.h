/*
 * route.h -- stage 4: one route per recipient, with the reason (SPEC
 * section 5).  Pure decisions over the validated session and what the
 * mailbox service said about reachability; nothing is sent here.
 */
#ifndef EXPEDIERA_ROUTE_H
#define EXPEDIERA_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

#include "session.h"

enum route {
	ROUTE_MANUAL,             /* handed over to another sender */
	ROUTE_PRINT,
	ROUTE_PRINT_SKATTEVERKET, /* protected identity: forwarded by Skatteverket */
	ROUTE_DIGITAL,
	ROUTE_ARCHIVE,            /* internal skickas-till entries: a copy to the archive */
	ROUTE_HELD,               /* not sent: an error in the paragraph, or no way to send */
	ROUTE__MAX
};

extern const char *const route_names[ROUTE__MAX];
extern const char *const route_labels[ROUTE__MAX]; /* in Swedish, for people */

/* What the mailbox service said about one recipient. */
struct reachability {
	bool asked;            /* a [mailbox] is configured and the answer is in */
	bool reachable;        /* an account that is not pending, with a mailbox */
	bool sender_accepted;
	const char *service_address; /* the operator's ServiceAdress */
};

/* Looks up the answer for a 12-digit personnummer or 10-digit orgnr. */
typedef const struct reachability *(*reach_fn)(void *arg, const char *id);

struct routed {
	const struct paragraf *p;
	const struct forsattsblad *fb;   /* NULL for archive */
	const struct mottagare *m;       /* NULL for archive */
	size_t index;                    /* 1-based among the fb's recipients */
	const char *internal;            /* the skickas-till text for archive */
	enum route route;
	char reason[200];                /* Swedish */
	char id[13];                     /* personnummer or orgnr digits, "" if none */
};

/*
 * Routes every recipient of every paragraph that has any, in protocol order
 * (försättsblad recipients, then the archive entries).  reach may be NULL (no
 * mailbox: nothing is digital).  Returns a malloc'd array of *n entries.
 */
struct routed *route_session(const struct session *, reach_fn reach, void *arg, size_t *n);

#endif
