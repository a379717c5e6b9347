/*
 * deliver_mm.h -- delivery back-end: Mina meddelanden.  Asks the address
 * register who is reachable (isReachable, up to 1,000 a call) and delivers
 * each försändelse to the recipient's mailbox operator (deliverSecure), many
 * at once, retrying what may succeed later with exponential backoff and the
 * same message Id.
 */
#ifndef EXPEDIERA_DELIVER_MM_H
#define EXPEDIERA_DELIVER_MM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "config.h"
#include "route.h"

struct mailbox;

/* Loads certificates and keys of [mailbox]; NULL with a Swedish message. */
struct mailbox *mailbox_new(const struct config *, char *err, size_t errlen);
void mailbox_free(struct mailbox *);

/*
 * Asks the address register about ids[0..n) (12-digit personnummer or 10-digit
 * organisationsnummer).  What it cannot learn because the service does not
 * answer stays unasked, so routing prints or holds.  Returns -1 when the fault
 * is ours and would hit every delivery too (the server's certificate does not
 * verify against ca_file, our client certificate is refused): then nothing
 * should be sent at all.  Problems go to err.
 */
int mailbox_ask(struct mailbox *, const char *const *ids, size_t n, FILE *err);

/* The answer for id, for route_session(); NULL when never asked. */
const struct reachability *mailbox_lookup(void *mailbox, const char *id);

/* One försändelse to deliver. */
struct mm_job {
	const char *recipient_id;
	const char *service_address;
	const char *message_id;      /* stable: a retry reuses it */
	const unsigned char *pdf;
	size_t len;
	const char *pdf_name;
	/* Results. */
	bool delivered;
	bool too_large;              /* over the 2 MB limit: print instead */
	int attempts;
	char err[256];               /* Swedish, when not delivered */
	void *user;
};

/*
 * Delivers jobs[0..n), retrying transient failures up to [mailbox] attempts
 * times with exponential backoff.  on_attempt, when not NULL, is told of every
 * attempt (for the audit log).
 */
void mailbox_deliver(struct mailbox *, struct mm_job *jobs, size_t n,
    void (*on_attempt)(void *arg, const struct mm_job *, const char *outcome), void *arg);

#endif
