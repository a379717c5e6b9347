/*
 * print_cups.h -- print back-end: a PDF sent to a CUPS queue (libcups).
 * print_cups_ops (print.h) is the driver built on these two calls.
 *
 * The server is the one libcups picks: $CUPS_SERVER, else client.conf, else
 * the local scheduler.  The queue is named in [print] cups_queue.
 */
#ifndef EXPEDIERA_PRINT_CUPS_H
#define EXPEDIERA_PRINT_CUPS_H

#include <stddef.h>

/*
 * Sends the PDF at path to queue as one job titled title (one Print-Job
 * request: the server has a job only once it has the whole document).
 * Returns the job id (> 0), or -1 with a Swedish message in err (errlen
 * bytes): an unknown queue, a server that cannot be reached or stops
 * answering for timeout seconds, a file that cannot be read, or the server's
 * own reason.
 */
int print_cups_file(const char *queue, const char *path, const char *title, int timeout,
    char *err, size_t errlen);

/*
 * Whether queue has a job titled title that was not canceled or aborted
 * (pending, held, printing or done): 1 yes, 0 no, -1 the server could not
 * be asked (a message in err).  Titles are unique per run, so after a crash
 * this tells whether the batch reached the server.
 */
int print_cups_find(const char *queue, const char *title, int timeout, char *err,
    size_t errlen);

#endif
