/*
 * deliver.h -- stage 5: `expediera send`.  Renders every routed försändelse,
 * records it in the outbox and the audit log, and hands it to its channel:
 * the print batch (folder, SFTP or CUPS), the hand-over folder of another sender,
 * the archive.  Exactly once: a rerun, or a run after a crash at any moment,
 * sends nothing twice and loses nothing.  The print batches reach paper
 * through the configured print driver (print.h) and are drawn by
 * render_volume.h.
 */
#ifndef EXPEDIERA_DELIVER_H
#define EXPEDIERA_DELIVER_H

#include <stdbool.h>
#include <stdio.h>

#include "audit.h"
#include "deliver_mm.h"
#include "render.h"
#include "route.h"

struct send_result {
	size_t sent, already, held, failed;
	size_t waiting;                        /* recipients of paragraphs not justerade yet */
	size_t other;                          /* claimed by another worker (PostgreSQL) */
	bool log_failed;                       /* the audit log refused a write: exit 4 */
	char lista_pdf[512], lista_csv[512];   /* the expedieringslista of this run */
	char batch_pdf[512], skv_pdf[512];     /* print batches' first volumes, "" if none */
	size_t batch_volumes, skv_volumes;    /* how many volumes each was cut into */
	size_t lista_parts;                   /* the expedieringslista's PDFs */
};

/*
 * A run of send, a part of the session at a time (parts.h), so that memory
 * stays flat: deliver_begin starts the run for the session rd->s (the
 * protocol's head and every finding, which are logged first) and returns
 * NULL when it cannot (a message on err); deliver_part delivers routes[0..n)
 * of the part rd->s now is (its documents rendered, recorded, handed over:
 * the archive and hand-over folder at once, digital through mb, the print
 * batches drawn and recorded SENDING; a försändelse that fails is counted
 * and the others go on, so it returns 0); deliver_end, with rd->s the session
 * again, puts the print batches in postnummer order and hands them over,
 * writes the expedieringslista and ends the run: 0 when everything that
 * could go went (held recipients are not failures), -1 when a delivery
 * failed.  abandon (the mailbox certificates turned out wrong) hands nothing
 * more over.  expected is for the progress bar.  Counts go to res.
 */
struct delivery;

struct delivery *deliver_begin(const struct render *rd, struct audit *a, struct mailbox *mb,
    const char *command, size_t expected, struct send_result *res, FILE *err);
int deliver_part(struct delivery *, const struct render *rd, const struct routed *routes,
    size_t n);
int deliver_end(struct delivery *, const struct render *rd, bool abandon);

/* The audit batch of the run, for the events a command adds to it. */
int64_t deliver_batch(const struct delivery *);

/* The hex SHA-256 of the session package's files, in name order. */
int session_digest(const char *dir, char out[65]);

#endif
