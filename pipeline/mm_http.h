/*
 * mm_http.h -- HTTPS for the mailbox service: SOAP requests POSTed with
 * mutual TLS, many in flight at once (curl multi).  Server verification is
 * always on, redirects are never followed, answers are size-capped.
 */
#ifndef EXPEDIERA_MM_HTTP_H
#define EXPEDIERA_MM_HTTP_H

#include <stdbool.h>
#include <stddef.h>

struct mm_http {
	const char *client_cert;   /* PEM */
	const char *client_key;    /* PEM */
	const char *ca_file;       /* trust anchor for the servers */
	long connect_timeout_ms;
	long timeout_ms;           /* whole request */
	size_t max_response;       /* larger answers are an error */
	size_t parallel;           /* requests in flight at most */
};

enum mm_outcome {
	MM_OK,         /* HTTP 200 with a body */
	MM_TRANSIENT,  /* worth trying again: timeout, reset, 5xx, busy */
	MM_PERMANENT   /* trying again will not help: TLS, certificates, 4xx, bad URL */
};

struct mm_request {
	const char *url;
	const char *body;
	size_t len;
	const char *soap_action;
	/* Results. */
	enum mm_outcome outcome;
	long http_status;
	char *response;            /* malloc'd, NUL-terminated; NULL if none */
	size_t response_len;
	char err[256];             /* Swedish, when not MM_OK */
	void *user;                /* the caller's */
};

/*
 * Performs reqs[0..n), at most h->parallel at once, and fills in each
 * request's results.  Returns -1 only when curl itself cannot start.
 */
int mm_http_perform(const struct mm_http *h, struct mm_request *reqs, size_t n);

/* Frees the responses of reqs[0..n). */
void mm_http_free(struct mm_request *reqs, size_t n);

#endif
