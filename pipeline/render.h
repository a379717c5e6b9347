/*
 * render.h -- stage 3: the documents of SPEC section 4.
 *
 * A försändelse is one PDF for one recipient of one paragraph: the beslut
 * (cover letter with the address in the envelope window), the
 * protokollsutdrag of that paragraph, and the överklagandehänvisning when the
 * decision can be appealed.  The protokoll is the whole meeting, internal or
 * public.  Renderers only read the session; they never see another
 * recipient's address, and print no personnummer but the recipient's own
 * case's in the internal protocol.
 */
#ifndef EXPEDIERA_RENDER_H
#define EXPEDIERA_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "config.h"
#include "pdf.h"
#include "session.h"
#include "template.h"

struct render {
	const struct session *s;
	const struct config *cfg;
	const struct tmpl *t;
	const char *fontdir;
	int window;                /* WINDOW_LEFT or WINDOW_RIGHT */
};

/*
 * What the log adds to a försändelse when it is sent (record.h): the id a
 * delgivningskvitto names, and for a rättelse what it replaces and why.  A
 * NULL mark, or NULL fields, leave the document as it would be without.
 */
struct render_rattelse {
	const char *datum;       /* the day it is made ("YYYY-MM-DD"); NULL: no rättelse */
	const char *ersatter;    /* the day of the sending it replaces */
	const char *ersatt_id;   /* the short id of the recipient's försändelse it replaces;
				    NULL: the recipient had none (it went to someone else) */
	bool beslutet_rattat;    /* the decision's text was corrected, not only the sending */
	const char *till_mottagaren; /* the nämnd's words to recipients; NULL or "" none */
};

struct render_mark {
	const char *forsandelse; /* short id on the delgivningskvitto; NULL "anges vid utskick" */
	/* a rättelse: what it corrects and replaces.  Never the nämnd's internal
	 * reason (the log's orsak): that is not for recipients. */
	struct render_rattelse rattelse;
};

/*
 * Draws the pages of one försändelse at the end of pdf (which may already
 * hold others: a print batch): the letter, the extract, how to appeal, and
 * the delgivningskvitto when m->delgivning.  Returns 0, or -1 with a Swedish
 * message.
 */
int render_forsandelse_pages(const struct render *, struct pdf *, const struct paragraf *,
    const struct forsattsblad *, const struct mottagare *, const struct render_mark *,
    char *err, size_t errlen);

/* One försändelse as a PDF in memory (malloc'd). */
int render_forsandelse(const struct render *, const struct paragraf *,
    const struct forsattsblad *, const struct mottagare *, const struct render_mark *,
    unsigned char **pdf, size_t *len, char *err, size_t errlen);

/* A file name that says paragraph and recipient, without any personnummer. */
char *render_filename(const struct paragraf *, size_t index, const struct mottagare *);

/*
 * The archive copy of a paragraph (for the internal skickas-till entries):
 * its protokollsutdrag alone, as a PDF in memory.
 */
int render_arkivkopia(const struct render *, const struct paragraf *,
    const struct render_mark *, unsigned char **pdf, size_t *len, char *err, size_t errlen);

/*
 * The instruction sheet that goes before a försändelse to a protected
 * identity: what to write on the inner envelope (the recipient's
 * personnummer) and where the outer envelope goes (Skatteverket's
 * mail-forwarding address).  Drawn at the end of pdf.
 */
void render_skatteverket_sheet(const struct render *, struct pdf *, const struct paragraf *,
    const struct mottagare *, bool rekommenderat);

/* One row of the expedieringslista. */
struct lista_rad {
	unsigned long paragraf;
	const char *dnr;
	const char *mottagare;  /* name, with a masked personnummer */
	const char *roll;
	const char *route;
	const char *state;
	const char *when;       /* local time, "2026-11-20 11:00" */
	const char *sha256;
	const char *postort;    /* NULL: none (internal, digital) */
	const char *reason;     /* why it is held or failed; NULL */
	bool rek;               /* registered mail (kanal="rekommenderat"); route says so too */
};

/*
 * The expedieringslista of one run is a PDF of at most LISTA_RADER rows, or
 * several ("del 1 av 3"), since libharu holds a document in memory until it
 * is written: the rows [from, from + count) of this one, and when last, the
 * run's totals, the audit chain's head and the signature lines after them.
 */
#define LISTA_RADER 2000
struct lista_del {
	size_t from, count;
	bool last;
};

/*
 * One PDF of the expedieringslista, written to out: row gives row i (1)
 * until there are no more (0), and is asked for them twice, from i = 0 each
 * time (once to count the pages for "Sida n (m)").
 */
int render_lista_stream(const struct render *, const char *title, const char *head,
    int (*row)(void *arg, size_t i, struct lista_rad *), void *arg,
    const struct lista_del *, FILE *out, char *err, size_t errlen);

/*
 * A findings report for a rejected session package: every finding as check
 * prints it (masked), for the nämndsekreterare to act on.
 */
int render_felrapport(const struct render *, const char *title, unsigned char **pdf,
    size_t *len, char *err, size_t errlen);

/*
 * The whole protocol.  public masks every paragraph with sekretess (SPEC 2.1)
 * down to its number, dnr, public rubrik and, with offentligt-beslut, its
 * decision points; it prints no personnummer.
 */
int render_protokoll(const struct render *, bool public, unsigned char **pdf, size_t *len,
    char *err, size_t errlen);

#endif
