/*
 * deliver.h -- stage 5: `expediera send`.  Renders every routed försändelse,
 * records it in the outbox and the audit log, and hands it to its channel:
 * the print batch (folder or SFTP), the hand-over folder of another sender,
 * the archive.  Exactly once: a rerun, or a run after a crash at any moment,
 * sends nothing twice and loses nothing.
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
	char lista_pdf[512], lista_csv[512];   /* the expedieringslista of this run */
	char batch_pdf[512], skv_pdf[512];     /* print batches written, "" if none */
};

/*
 * Delivers routes[0..n) of the session rendered by rd, logging to a; digital
 * routes through mb (NULL: none were routed digital).  The
 * session's findings are logged first.  Returns 0 when everything that could
 * go went (held recipients are not failures), -1 when a delivery failed;
 * messages go to err (stderr), progress and results to res.
 */
int deliver_send(const struct render *rd, struct audit *a, struct mailbox *mb,
    const char *command, const struct routed *routes, size_t n, struct send_result *res,
    FILE *err);

/* The hex SHA-256 of the session package's files, in name order. */
int session_digest(const char *dir, char out[65]);

#endif
