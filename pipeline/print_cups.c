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
 *
 * Every exchange is bounded: the connect by CONNECT_MSEC, and each request
 * by the caller's timeout (httpSetTimeout), so a server that accepts the
 * connection and then says nothing is reported as such after that time,
 * not as a missing queue, and never hangs a run.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cups/cups.h>

#include "config.h"
#include "print.h"
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

/* 0, or -1 with a message when queue is missing or no name a queue can have. */
static int
queue_check(const char *queue, char *err, size_t errlen)
{
	if (queue == NULL || !queue_ok(queue)) {
		snprintf(err, errlen, "ogiltigt namn på CUPS-kö: \"%s\"",
		    queue != NULL ? queue : "");
		return -1;
	}
	return 0;
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

/* httpSetTimeout's callback: 0 gives up on a server silent that long. */
static int
give_up(http_t *http, void *arg)
{
	(void)http;
	(void)arg;
	return 0;
}

/* A connection to the server with every request bounded; NULL with err. */
static http_t *
connect_server(int timeout, char *server, size_t serverlen, char *err, size_t errlen)
{
	http_t *http;

	server_name(server, serverlen);
	http = httpConnect2(cupsServer(), ippPort(), NULL, AF_UNSPEC, cupsEncryption(), 1,
	    CONNECT_MSEC, NULL);
	if (http == NULL) {
		snprintf(err, errlen, "kan inte nå skrivarservern %s: %s", server,
		    cupsLastErrorString());
		return NULL;
	}
	httpSetTimeout(http, timeout > 0 ? timeout : 60, give_up, NULL);
	return http;
}

/* Whether the last request failed because the server stopped answering. */
static int
silent(http_t *http)
{
	return httpError(http) == ETIMEDOUT || cupsLastError() == IPP_STATUS_ERROR_SERVICE_UNAVAILABLE ||
	    cupsLastError() == IPP_STATUS_ERROR_INTERNAL;
}

int
print_cups_file(const char *queue, const char *path, const char *title, int timeout, char *err,
    size_t errlen)
{
	cups_option_t *opts = NULL;
	cups_dest_t *dest;
	http_t *http;
	ipp_status_t st;
	char server[256];
	int nopts = 0, fd, job;

	if (queue_check(queue, err, errlen) == -1)
		return -1;
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
	if ((http = connect_server(timeout, server, sizeof(server), err, errlen)) == NULL)
		return -1;
	if ((dest = cupsGetNamedDest(http, queue, NULL)) == NULL) {
		if (silent(http))
			snprintf(err, errlen, "skrivarservern %s svarade inte inom %d sekunder; "
			    "inget skickades till CUPS-kön \"%s\"", server, timeout, queue);
		else if (cupsLastError() == IPP_STATUS_ERROR_NOT_FOUND)
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
		else if (silent(http))
			snprintf(err, errlen, "skrivarservern %s svarade inte inom %d sekunder på "
			    "utskriften till CUPS-kön \"%s\"; det är okänt om jobbet kom fram",
			    server, timeout, queue);
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

int
print_cups_find(const char *queue, const char *title, int timeout, char *err, size_t errlen)
{
	cups_job_t *jobs = NULL;
	char server[256];
	http_t *http;
	int n, i, found = 0;

	if (queue_check(queue, err, errlen) == -1)
		return -1;
	if ((http = connect_server(timeout, server, sizeof(server), err, errlen)) == NULL)
		return -1;
	/* Every user's jobs, finished ones too: the server keeps their history. */
	n = cupsGetJobs2(http, &jobs, queue, 0, CUPS_WHICHJOBS_ALL);
	if (n < 0) {
		snprintf(err, errlen, "kan inte fråga skrivarservern %s om jobben i CUPS-kön "
		    "\"%s\": %s", server, queue, cupsLastErrorString());
		httpClose(http);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (jobs[i].title != NULL && strcmp(jobs[i].title, title) == 0 &&
		    jobs[i].state != IPP_JSTATE_CANCELED && jobs[i].state != IPP_JSTATE_ABORTED)
			found = 1;
	cupsFreeJobs(n, jobs);
	httpClose(http);
	return found;
}

/* ---- the driver (print.h) ---- */

/* The volume as one job titled with its name; the manifest stays in the folder. */
static int
cups_hand_over(const struct config *cfg, const char *path, const char *name, const char *mname,
    char *err, size_t errlen)
{
	(void)mname;
	if (cfg->print_cups_queue == NULL) {
		snprintf(err, errlen, "driver = cups men [print] cups_queue saknas");
		return -1;
	}
	return print_cups_file(cfg->print_cups_queue, path, name, config_print_timeout(cfg), err,
	    errlen) == -1 ? -1 : 0;
}

/* A job with the volume's name (unique per run) that was not canceled. */
static int
cups_find_proof(const struct config *cfg, const struct print_proof *pf, char *err,
    size_t errlen)
{
	return print_cups_find(cfg->print_cups_queue, pf->name, config_print_timeout(cfg), err,
	    errlen);
}

const struct print_ops print_cups_ops = {
	.name = "cups", .tag = "cups", .remote = true,
	.recovered = "återställd efter avbrott: jobbet fanns i CUPS-kön",
	.hand_over = cups_hand_over, .find_proof = cups_find_proof, .forget = NULL,
};
