/*
 * deliver_run.h -- what the files of stage 5 share about one run of send
 * (deliver.h): the run, its försändelser, its print batches.  Not for other
 * stages.
 *
 *	deliver.c         the run: each försändelse keyed, settled against
 *	                  earlier runs, rendered, recorded and handed over
 *	deliver_print.c   the print batches: drawn as the run goes, cut into
 *	                  volumes at its end, handed to the print driver (print.h)
 *	deliver_lista.c   the expedieringslista, CSV and PDF
 */
#ifndef EXPEDIERA_DELIVER_RUN_H
#define EXPEDIERA_DELIVER_RUN_H

#include <stdbool.h>
#include <stdio.h>

#include "clock.h"
#include "deliver.h"
#include "progress.h"
#include "record.h"
#include "render_volume.h"

/* One försändelse of the part being delivered. */
struct item {
	const struct routed *r;
	struct rec_keys k;       /* what finds it in the log again (record.h) */
	struct rec_item ri;      /* its paragraph's rättelse, its returns */
	char key[33];
	char id[128];
	unsigned char *pdf;
	size_t len;
	char sha[65];
	char *name;              /* file name of the försändelse */
	char postnummer[8];      /* digits, for sorting the print batch */
	size_t pages;
	enum outbox_state state; /* after this run */
	bool already;            /* sent by an earlier run */
	bool fell_back;          /* digital failed; a print item took over */
	bool waiting;            /* its paragraph waits for justering: not dispatched */
	char *held_why;          /* held without entering the outbox: why */
	char when[CLOCK_TS_LEN + 1];
	char earlier[20];        /* already: when it went out (local time), "" unknown */
	bool batched;            /* drawn into a print batch: its outcome comes at the end */
	size_t seq;              /* and its place in the batch, in the order drawn */
};

/* A försändelse of a print batch. */
struct batch_ent {
	char postnummer[8];
	unsigned long nr;
	size_t index;
	size_t seq;              /* in the order drawn: its number in the recording */
	long off;                /* its record in the spool */
};

/*
 * A run's print batch (or its Skatteverket batch): every försändelse is
 * drawn on a recording (render_volume.h) as the parts come; at the end they
 * are put in postnummer order and cut into volumes of [print] volume
 * försändelser, each a PDF of its own, drawn from the recording, handed
 * over and freed before the next.
 */
struct batch {
	bool skatteverket;
	struct render_batch *rec; /* the recording */
	FILE *spool;             /* "id\tmanifest row\n" per försändelse */
	char *base;              /* "utskrift-MEETING-kN-RUNID" */
	struct batch_ent *v;
	size_t n, cap;
	unsigned char *sent;     /* by seq: 1 when its volume was handed over */
	size_t nsent, volumes;
	bool broken;             /* could not be drawn: nothing of it is handed over */
};

/* One run of send: what deliver_begin starts and deliver_end ends. */
struct ctx {
	const struct render *rd;    /* the part being delivered */
	struct audit *a;
	struct mailbox *mb;
	int64_t batch;
	char digest[65];
	FILE *err;
	struct send_result *res;
	struct batch print, skv;
	bool failed;                /* a delivery failed: deliver_end says so */
	bool log_lost;              /* the log refused a write: nothing more is handed over */
	char runid[17];             /* random, so no two runs of any two logs share a name */
	char *meeting;              /* "2026-11-18-socialnamndens-individutskott": every name's start */
	struct asked {              /* hand-overs asked about (handover_done) and the */
		char *reason;       /* answers: one question per batch, not per item */
		int answer;
		char err[256];
	} asked[4];
	size_t n_asked;
	bool answered_before;       /* the last handover_done came from such an answer */
	FILE *lista;                /* the expedieringslista's rows, spooled */
	struct progress prog;
};

/* deliver.c */
bool deliver_recorded(struct ctx *);
void deliver_crash(const char *point);
char *deliver_who(const struct routed *);
void deliver_mark(const struct item *, char sid[15], struct render_mark *);

/* deliver_print.c */
int batch_add(struct ctx *, struct batch *, struct item *);
int batch_finish(struct ctx *, struct batch *, char *out, size_t outlen);
void batch_free(struct batch *);
void deliver_csv(FILE *fp, const char *s, bool last);
FILE *deliver_spool(void);

/* deliver_lista.c */
void lista_row(struct ctx *, const struct item *, char mark);
void lista_write(struct ctx *);

#endif
