/*
 * print_cups.h -- print back-end: a PDF sent to a CUPS queue (libcups).
 *
 * The server is the one libcups picks: $CUPS_SERVER, else client.conf, else
 * the local scheduler.  The queue is named in [print] cups_queue.
 */
#ifndef EXPEDIERA_PRINT_CUPS_H
#define EXPEDIERA_PRINT_CUPS_H

#include <stddef.h>

/*
 * Sends the PDF at path to queue as one job titled title.  Returns the job
 * id (> 0), or -1 with a Swedish message in err (errlen bytes): an unknown
 * queue, a server that cannot be reached, a file that cannot be read, or
 * the server's own reason.
 */
int print_cups_file(const char *queue, const char *path, const char *title, char *err,
    size_t errlen);

#endif
