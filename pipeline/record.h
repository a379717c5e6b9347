/*
 * record.h -- after the send: what the audit log says went out (SPEC
 * section 7), and what was done about it since.
 *
 * Every försändelse's "route" event carries keys that find it again without
 * holding a personnummer or an address: HMACs with the log's person key
 * (audit_load_key) of the paragraph (pkey), of the recipient in that
 * paragraph (bas: role and identity, the försändelse's key before any
 * rättelse or retur), of the person or organisation alone (ident), of whom
 * the paragraph concerns (galler), and of the address it went to (adress).
 * Later events name a försändelse by its key: "ersatt" (a rättelse replaced
 * it, perhaps as felaktigt utskickad), "retur" (the post came back) and
 * "kvitto" (the signed delgivningskvitto came back); a "rattelse" event
 * starts a new generation of a paragraph's försändelser.  Nothing is ever
 * rewritten: the present is the last word of the log.
 */
#ifndef EXPEDIERA_RECORD_H
#define EXPEDIERA_RECORD_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "audit.h"
#include "session.h"

/* The keys of one recipient of one paragraph, 32 hex digits each. */
struct rec_keys {
	char pkey[33];   /* the paragraph: kommun, organ, meeting date, §, dnr */
	char bas[33];    /* the recipient in it: role and number (or name), or the internal name */
	char ident[33];  /* the person or organisation, whatever the paragraph; "" internal */
	char galler[33]; /* whom the paragraph concerns; "" when no number is known */
	char adress[33]; /* the address on the sheet; "" when none */
};

/* m NULL and internal set: an internal skickas-till entry.  -1 without a person key. */
int record_keys(const struct audit *, const struct session *, const struct paragraf *,
    const struct mottagare *, const char *internal, struct rec_keys *);

/* The ident (and galler) key of a 12-digit personnummer or 10-digit orgnr. */
int record_ident(const struct audit *, const char *digits, char out[33]);

/*
 * What the log says of one recipient before it is sent (record_item).  A
 * rättelse covers only some recipients of its paragraph (those whose
 * försändelse changed) unless the decision's text was corrected: gen is the
 * last rättelse that covers this one.  Its reason (orsak) is the nämnd's
 * internal note and is not here: nothing of it reaches a recipient.
 */
struct rec_item {
	int gen;               /* the last rättelse covering this recipient, 0 when none */
	int returns;           /* times the post to this recipient came back */
	bool returned_here;    /* and the sheet still has the address it came back from */
	char retur_datum[11];  /* the last retur's date */
	char key[33];          /* the försändelse's key: bas for gen 0 without returns */
	/* gen > 0: */
	char datum[11];        /* the day the rättelse was made (local date) */
	char ersatter[11];     /* when what it replaces was sent (local date) */
	char ersatt_id[15];    /* the short id of this recipient's försändelse it replaces;
				  "" when it had none (it went to someone else) */
	bool beslutet_rattat;  /* the decision's text was corrected, not only the sending */
	char *till_mottagaren; /* the text for recipients, "" when none (malloc'd) */
};

/* m the recipient the keys were made of (record_keys), NULL for an internal entry. */
int record_item(struct audit *, const struct mottagare *, const struct rec_keys *,
    struct rec_item *);
void record_item_free(struct rec_item *);

/*
 * The short id a person reads and types: the key's first 12 hex digits, in
 * groups of four ("3f2a-91bc-0d4e").
 */
void record_short_id(const char *key, char out[15]);

/*
 * changed-after-send, as a validate_conf hook: compares each paragraph's
 * recipients with what the log says went out to it and adds a finding for
 * each change (SPEC 3).  skip is the paragraph a rättelse corrects.
 */
struct record_check {
	struct audit *a;       /* NULL: nothing to compare with */
	unsigned long skip;
};
void record_check(void *arg, struct session *s);

/*
 * protected-identity-exposed from the log (record_skydd.c; record_check runs
 * it): a recipient given an address whose keyed person id the log routed
 * with <skyddad-identitet/> before, without a skydd-upphort on or after that
 * sending and not after today.  a NULL: nothing.
 */
void record_skydd_check(struct audit *a, struct session *s);

/*
 * A rättelse of one paragraph (SPEC 4 and 7).  orsak is the nämnd's internal
 * note, for the log only; till_mottagaren (NULL none) what recipients read.
 * Without beslutet_rattat it corrects the sending: only the recipients whose
 * försändelse changed since the last sending (another address or kanal, a
 * new recipient or role) get a new one, and what went to a recipient no
 * longer on the sheet is replaced; with it, the decision's text was
 * corrected and every recipient gets it again.
 */
struct rec_rattelse {
	const char *orsak;
	const char *till_mottagaren;
	bool fel_mottagare;    /* flag what went wrong as felaktigt utskickad */
	bool beslutet_rattat;
	/* set by record_rattelse: */
	int gen;               /* the rättelse's generation */
	size_t replaced;       /* earlier försändelser it replaces */
	size_t felaktiga;      /* of them, flagged felaktigt utskickad */
	bool resumed;          /* the same rättelse as the last, gone on with */
};

/*
 * Starts (or, when the last rättelse of the paragraph is this one -- the
 * same orsak, kind and text -- resumes) a rättelse of paragraph p in batch:
 * records a "rattelse" event naming the recipients it covers and an "ersatt"
 * event for each försändelse it replaces.  0, or -1 with a Swedish message
 * in err (nothing sent before, nothing changed, nothing wrong to point at).
 */
int record_rattelse(struct audit *, int64_t batch, const struct session *,
    const struct paragraf *, struct rec_rattelse *, char *err, size_t errlen);

/*
 * Whether the rättelse gen of paragraph p covers recipient m (NULL and
 * internal: an internal entry): 1 yes, 0 no, -1 on a log error.
 */
int record_rattelse_covers(struct audit *, const struct session *, const struct paragraf *,
    const struct mottagare *, const char *internal, int gen);

/*
 * Whether s (an --orsak or --till-mottagaren given as flag) is text fit for
 * the log and a letter: valid UTF-8, no control or format character (C0, DEL,
 * C1, ANSI escapes, bidi overrides), not blank, at most RECORD_NOTE_MAX
 * characters.  0, or -1 with a Swedish message.
 */
#define RECORD_NOTE_MAX 500
int record_note_check(const char *flag, const char *s, char *msg, size_t msglen);

/*
 * retur and kvitto: id is a försändelse's short id or key (a unique prefix
 * of 8 hex digits or more); datum "YYYY-MM-DD".  0, or -1 with a Swedish
 * message; 1 when the id matches nothing sent or more than one.
 */
int record_retur(struct audit *, const char *id, const char *datum, const char *orsak,
    char *msg, size_t msglen);
int record_kvitto(struct audit *, const char *id, const char *datum, char *msg, size_t msglen);

/*
 * Whether the försändelse with this key went out: 1 with when (local time),
 * route (its name) and, unless NULL, sha (its document's SHA-256, "" when
 * none) set; 0 when not, -1 on a log error.
 */
int record_sent(struct audit *, const char *key, char when[20], char route[24], char sha[65]);

/*
 * The last day to appeal after delgivning on datum, and the day it gains
 * laga kraft: for a decision appealed by förvaltningsbesvär only (record_appeal_of
 * says which it is).  record_date.c.
 */
void record_appeal(const char *datum, char last[11], char laga_kraft[11]);

/* from plus days, as "YYYY-MM-DD" (no time-limit rules: the plain calendar). */
void record_date_add(const struct ymd *from, int days, char out[11]);

/* "2026-11-20T10:00:00Z" as local time "2026-11-20 11:00"; out unchanged text when not that form. */
void record_local_time(const char *utc, char out[20]);

/* historik: filters NULL when not given; person is a personnummer as typed. */
struct historik_query {
	const char *dnr, *sammantrade, *person;
	bool json;
	int paminnelse_dagar;
};
int record_historik(struct audit *, const struct historik_query *, FILE *out, char *err,
    size_t errlen);

/*
 * For status: the present of the försändelse with this key, given its
 * outbox state and route data: a Swedish word for the state ("ersatt",
 * "returnerad", "delgiven" …, NULL when the outbox says it), whether it
 * still needs an act (a retur without a new address, a kvitto overdue), and
 * a line to show (malloc'd, NULL when none).
 */
struct rec_present {
	const char *state;     /* NULL: the outbox state speaks */
	bool open;             /* something is still to be done */
	bool kvitto_overdue;
	char *note;
};
int record_present(struct audit *, const char *key, enum outbox_state, const char *route_data,
    const char *sent, int paminnelse_dagar, struct rec_present *);

/* ---- what the secretary reads: states, routes, the appeal (record_state.c) ---- */

/*
 * The Swedish word for a försändelse's outbox state, as status, historik and
 * the expedieringslista show it: "skickad" (an archive copy "arkiverad", a
 * manual hand-over "överlämnad"), "väntar", "lämnas över", "hålls",
 * "misslyckad".  route is its route's id ("archive"), NULL when unknown.
 * The JSON keeps the ids (outbox_state_name).
 */
const char *record_state_label(enum outbox_state, const char *route);

/*
 * The Swedish name of a route by its id, from route.h's route_labels
 * ("print" → "post", "archive" → "akt" …); a print route with
 * kanal="rekommenderat" (rek) is "rekommenderat brev".  An unknown id is
 * itself, NULL "-".
 */
const char *record_route_label(const char *route, bool rek);

/* A role as the log names it ("vardnadshavare") as a person reads it ("Vårdnadshavare");
 * an unknown one as it is, "-" for none.  record.c. */
const char *record_roll_label(const char *roll);

/* Whether a route event's data (JSON) says it went as registered mail. */
bool record_is_rek(const char *route_data);

/* The appeal route's id as the route event records it ("forvaltningsbesvar" …). */
const char *record_overklagande_id(enum overklagande);

/*
 * What a party may do about the decision a försändelse carried, as its route
 * event recorded it, and when: made from the route data by record_appeal_of.
 */
enum rec_appeal_route {
	REC_APPEAL_UNKNOWN,        /* not in the log (sent by an earlier version), or not given */
	REC_APPEAL_FORVALTNINGSBESVAR,
	REC_APPEAL_LAGLIGHETSPROVNING,
	REC_APPEAL_EJ_OVERKLAGBART,
	REC_APPEAL_UNDERSTALLS
};

struct rec_appeal {
	enum rec_appeal_route route;
	bool recorded;             /* the route event says the route (else UNKNOWN is "old log") */
	char last[11];             /* förvaltningsbesvär and delgiven: the last day to appeal */
	char laga_kraft[11];       /* and the first day it can have laga kraft; else "" */
	char senast[11];           /* underställs: the day it is due; "" when not known */
	char lag[48];              /* underställs: the statute ("7 § LVU"); "" when not known */
};

/* route_data the route event's JSON; delgiven the kvitto's date, NULL when none. */
void record_appeal_of(const char *route_data, const char *delgiven, struct rec_appeal *);

/*
 * One Swedish clause (malloc'd) on what it means for the appeal, to follow
 * "delgiven 2026-12-03; " (delgiven true) or to stand alone: the last day to
 * appeal and laga kraft, that laglighetsprövning runs from the anslag, that
 * the decision cannot be appealed, the underställning's due date.  NULL when
 * there is nothing to say (förvaltningsbesvär not yet delgiven).
 */
char *record_appeal_text(const struct rec_appeal *, bool delgiven);

#endif
