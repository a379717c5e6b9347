/*
 * mm_http.h -- HTTPS for the mailbox service: SOAP requests POSTed with
 * mutual TLS, many in flight at once (curl multi).  Server verification is
 * always on, redirects are never followed, answers are size-capped.
 *
 * One mm_client serves a whole run: its curl multi handle keeps the
 * connections (HTTP/1.1 keep-alive), the CA store and the TLS sessions, so
 * the register's question, every delivery and every retry round share them
 * instead of opening a connection and doing a full handshake each.
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
	size_t parallel;           /* requests in flight at most (and connections per host) */
};

enum mm_outcome {
	MM_OK,         /* HTTP 200 with a body */
	MM_TRANSIENT,  /* worth trying again: timeout, reset, 5xx, busy */
	MM_PERMANENT   /* trying again will not help: TLS, certificates, 4xx, bad URL */
};

struct mm_request {
	const char *url;
	const char *body;          /* NULL: built by the prepare hook when it starts */
	size_t len;
	const char *soap_action;
	/* Results. */
	enum mm_outcome outcome;
	long http_status;
	char *response;            /* malloc'd, NUL-terminated; NULL if none */
	size_t response_len;
	char err[256];             /* Swedish, when not MM_OK */
	bool broken_after_tls;     /* the TLS handshake was done, then the connection broke
	                              before any answer: under TLS 1.3 what a server that
	                              refuses the client certificate looks like */
	void *user;                /* the caller's */
};

/*
 * Called by mm_http_perform, both optional.  prepare(arg, r) just before r
 * starts, when r->body is NULL: it sets r->body and r->len, or returns -1 to
 * leave r unsent (then r->outcome is MM_PERMANENT and done is not called for
 * it).  Building a body when a slot opens, rather than all of them first,
 * keeps at most `parallel` bodies in memory and lets the work of building
 * the next overlap with the answers still on their way.  done(arg, r) as soon
 * as r has its result, in the order requests finish; it may take
 * r->response (and set it to NULL).
 */
struct mm_hooks {
	int (*prepare)(void *arg, struct mm_request *r);
	void (*done)(void *arg, struct mm_request *r);
};

struct mm_client;

/* A client for the settings in h (copied; the strings must outlive it); NULL when curl cannot start. */
struct mm_client *mm_client_new(const struct mm_http *h);
void mm_client_free(struct mm_client *);

/*
 * Performs reqs[0..n) in order, at most `parallel` at once, and fills in each
 * request's results.  Returns -1 only when curl itself fails (then the
 * requests not finished are MM_TRANSIENT).
 */
int mm_http_perform(struct mm_client *, struct mm_request *reqs, size_t n,
    const struct mm_hooks *hooks, void *arg);

/* Frees the responses of reqs[0..n). */
void mm_http_free(struct mm_request *reqs, size_t n);

#endif
