/*
 * print_cups.c -- the CUPS print back-end: one PDF as one job on a CUPS
 * queue (libcups); see print_cups.h.
 *
 * Reads: the local PDF; libcups reads $CUPS_SERVER, client.conf and
 * ~/.cups/client.conf to find the server.
 * Writes: nothing locally; one job on the server.
 * Trusts: the CUPS server to print what it accepted.  A job id means the
 * server took the job, not that the paper came out; what happens after that
 * is for the printer's operator to see in CUPS.
 *
 * The file is sent as application/pdf, never auto-typed: a batch is always a
 * PDF, and the server should not guess.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cups/cups.h>

#include "print_cups.h"

#define QUEUE_MAX_LEN 127   /* CUPS limits printer names to 127 bytes */
#define CONNECT_MSEC  15000 /* to give up on a server that does not answer */

/* A queue name as lpadmin accepts it: printable, no '/', '#' or space. */
static int
queue_ok(const char *queue)
{
	size_t n = strlen(queue);
	const unsigned char *p;

	if (n == 0 || n > QUEUE_MAX_LEN)
		return 0;
	for (p = (const unsigned char *)queue; *p != '\0'; p++)
		if (*p <= ' ' || *p == 0x7f || *p == '/' || *p == '#' || *p == '\\' ||
		    *p == '\'' || *p == '"')
			return 0;
	return 1;
}

/* "host:port", or the socket's path, for messages. */
static void
server_name(char *buf, size_t len)
{
	const char *host = cupsServer();

	if (host[0] == '/')
		snprintf(buf, len, "%s", host);
	else
		snprintf(buf, len, "%s:%d", host, ippPort());
}

int
print_cups_file(const char *queue, const char *path, const char *title, char *err,
    size_t errlen)
{
	cups_option_t *opts = NULL;
	cups_dest_t *dest;
	http_t *http;
	ipp_status_t st;
	char server[256];
	int nopts = 0, fd, job;

	if (queue == NULL || !queue_ok(queue)) {
		snprintf(err, errlen, "ogiltigt namn på CUPS-kö: \"%s\"",
		    queue != NULL ? queue : "");
		return -1;
	}
	/* A readable file first, so a typo is not reported as a server fault. */
	if ((fd = open(path, O_RDONLY)) == -1) {
		snprintf(err, errlen, "kan inte läsa %s: %s", path, strerror(errno));
		return -1;
	}
	close(fd);

	/*
	 * Our own connection, and the queue looked up on it before the job:
	 * cupsPrintFile2(CUPS_HTTP_DEFAULT, ...) reports a server that cannot
	 * be reached and a queue that does not exist alike.
	 */
	server_name(server, sizeof(server));
	http = httpConnect2(cupsServer(), ippPort(), NULL, AF_UNSPEC, cupsEncryption(), 1,
	    CONNECT_MSEC, NULL);
	if (http == NULL) {
		snprintf(err, errlen, "kan inte nå skrivarservern %s: %s", server,
		    cupsLastErrorString());
		return -1;
	}
	if ((dest = cupsGetNamedDest(http, queue, NULL)) == NULL) {
		if (cupsLastError() == IPP_STATUS_ERROR_NOT_FOUND)
			snprintf(err, errlen, "CUPS-kön \"%s\" finns inte på skrivarservern %s",
			    queue, server);
		else
			snprintf(err, errlen, "kan inte fråga skrivarservern %s om CUPS-kön "
			    "\"%s\": %s", server, queue, cupsLastErrorString());
		httpClose(http);
		return -1;
	}
	cupsFreeDests(1, dest);

	nopts = cupsAddOption("document-format", CUPS_FORMAT_PDF, nopts, &opts);
	job = cupsPrintFile2(http, queue, path, title != NULL ? title : "expediera", nopts,
	    opts);
	cupsFreeOptions(nopts, opts);
	st = cupsLastError();
	if (job <= 0) {
		if (st == IPP_STATUS_ERROR_NOT_ACCEPTING_JOBS)
			snprintf(err, errlen, "CUPS-kön \"%s\" tar inte emot jobb just nu: %s",
			    queue, cupsLastErrorString());
		else if (st == IPP_STATUS_ERROR_FORBIDDEN ||
		    st == IPP_STATUS_ERROR_NOT_AUTHORIZED ||
		    st == IPP_STATUS_ERROR_NOT_AUTHENTICATED)
			snprintf(err, errlen, "skrivarservern %s nekar utskrift till \"%s\": %s",
			    server, queue, cupsLastErrorString());
		else
			snprintf(err, errlen, "utskriften till CUPS-kön \"%s\" på %s misslyckades: "
			    "%s", queue, server, cupsLastErrorString());
		httpClose(http);
		return -1;
	}
	httpClose(http);
	return job;
}
