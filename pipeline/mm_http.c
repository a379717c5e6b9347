/*
 * mm_http.c -- HTTPS POST with mutual TLS through curl multi; see mm_http.h.
 *
 * Reads: answers from the address register and mailbox operators (untrusted:
 * capped at h->max_response bytes, kept as bytes for mm.c to parse).
 * Writes: nothing but the request bodies over the wire.
 * Trusts: the configured CA for the servers; nothing else.  Peer and host
 * verification are never switched off, only https is allowed, redirects are
 * not followed: an answer comes from the server asked, or not at all.
 *
 * One multi handle per client, for the whole run: its connection cache keeps
 * kept-alive connections between calls, and a share handle keeps the TLS
 * sessions, so a connection opened later (after a reset, say) resumes one
 * instead of doing a full handshake.  Easy handles are kept for reuse too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "mm_http.h"
#include "xmalloc.h"

struct mm_client {
	struct mm_http h;
	CURLM *multi;
	CURLSH *share;
	CURL **idle;        /* easy handles not in use */
	size_t nidle, cap;
};

struct xfer {
	struct mm_request *r;
	struct mm_client *c;
	CURL *easy;         /* NULL when not (or no longer) in the multi handle */
	struct curl_slist *headers;
	char *buf;
	size_t len, cap;
	bool too_big;
	char ebuf[CURL_ERROR_SIZE];
};

static size_t
on_data(char *p, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t n = size * nmemb;

	if (x->len + n > x->c->h.max_response) {
		x->too_big = true;
		return 0; /* makes curl stop with CURLE_WRITE_ERROR */
	}
	if (x->len + n + 1 > x->cap) {
		x->cap = (x->len + n + 1) * 2;
		x->buf = xreallocarray(x->buf, x->cap, 1);
	}
	memcpy(x->buf + x->len, p, n);
	x->len += n;
	x->buf[x->len] = '\0';
	return n;
}

struct mm_client *
mm_client_new(const struct mm_http *h)
{
	static bool inited;
	struct mm_client *c;
	long parallel = h->parallel > 0 ? (long)h->parallel : 1;

	if (!inited) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return NULL;
		inited = true;
	}
	c = xcalloc(1, sizeof(*c));
	c->h = *h;
	if (c->h.parallel == 0)
		c->h.parallel = 1;
	/*
	 * At most `parallel` connections to one operator; room in the cache for
	 * those and a few to other hosts (the register), so that none is closed
	 * only to be opened again for the next request.
	 */
	if ((c->multi = curl_multi_init()) == NULL ||
	    curl_multi_setopt(c->multi, CURLMOPT_MAX_HOST_CONNECTIONS, parallel) != CURLM_OK ||
	    curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, parallel + 8) != CURLM_OK ||
	    (c->share = curl_share_init()) == NULL ||
	    curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) != CURLSHE_OK) {
		mm_client_free(c);
		return NULL;
	}
	return c;
}

void
mm_client_free(struct mm_client *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nidle; i++)
		curl_easy_cleanup(c->idle[i]);
	free(c->idle);
	if (c->multi != NULL)
		curl_multi_cleanup(c->multi);
	/* Last: the easy handles used it. */
	if (c->share != NULL)
		curl_share_cleanup(c->share);
	free(c);
}

static CURL *
easy_get(struct mm_client *c)
{
	CURL *e;

	if (c->nidle > 0)
		return c->idle[--c->nidle];
	if ((e = curl_easy_init()) == NULL)
		return NULL;
	if (curl_easy_setopt(e, CURLOPT_SHARE, c->share) != CURLE_OK) {
		curl_easy_cleanup(e);
		return NULL;
	}
	return e;
}

static void
easy_put(struct mm_client *c, CURL *e)
{
	if (c->nidle == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 16;
		c->idle = xreallocarray(c->idle, c->cap, sizeof(*c->idle));
	}
	c->idle[c->nidle++] = e;
}

/* Every option, every time: a reused handle carries nothing from its last request. */
static int
setup(CURL *e, struct xfer *x)
{
	const struct mm_http *h = &x->c->h;
	struct mm_request *r = x->r;
	char *action;

	x->headers = curl_slist_append(NULL, "Content-Type: text/xml; charset=utf-8");
	action = xasprintf("SOAPAction: \"%s\"", r->soap_action != NULL ? r->soap_action : "");
	x->headers = curl_slist_append(x->headers, action);
	free(action);
	/* No "Expect: 100-continue" for large bodies: one round trip less. */
	x->headers = curl_slist_append(x->headers, "Expect:");
	if (x->headers == NULL)
		return -1;
	if (curl_easy_setopt(e, CURLOPT_URL, r->url) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https") != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_CAINFO, h->ca_file) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_SSLCERT, h->client_cert) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_SSLKEY, h->client_key) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_POST, 1L) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->len) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_WRITEDATA, x) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, h->connect_timeout_ms) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, h->timeout_ms) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->ebuf) != CURLE_OK ||
	    curl_easy_setopt(e, CURLOPT_PRIVATE, x) != CURLE_OK)
		return -1;
	return 0;
}

/* What a failed transfer means, in Swedish, and whether to try again. */
/* Whether curl's error text is a TLS alert about our certificate. */
static bool
tls_refusal(const char *ebuf)
{
	static const char *const alerts[] = {
	    "alert certificate required", "alert bad certificate", "alert unknown ca",
	    "alert certificate unknown", "alert certificate revoked",
	    "alert certificate expired", "alert unsupported certificate",
	    "alert access denied", "alert handshake failure",
	};
	size_t i;

	for (i = 0; i < sizeof(alerts) / sizeof(alerts[0]); i++)
		if (strstr(ebuf, alerts[i]) != NULL)
			return true;
	return false;
}

static void
classify(struct xfer *x, CURLcode cc, long status)
{
	struct mm_request *r = x->r;

	r->http_status = status;
	if (cc == CURLE_OK && status == 200) {
		r->outcome = MM_OK;
		r->response = x->buf;
		r->response_len = x->len;
		x->buf = NULL;
		return;
	}
	r->outcome = MM_TRANSIENT;
	switch (cc) {
	case CURLE_OK:
		if (status >= 500) {
			/* A SOAP Fault comes with 500: keep it for the caller to read. */
			r->response = x->buf;
			r->response_len = x->len;
			x->buf = NULL;
			snprintf(r->err, sizeof(r->err), "%s svarade HTTP %ld", r->url, status);
		} else {
			r->outcome = MM_PERMANENT;
			snprintf(r->err, sizeof(r->err), "%s svarade HTTP %ld", r->url, status);
		}
		return;
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_PEER_FAILED_VERIFICATION:
		r->outcome = MM_PERMANENT;
		snprintf(r->err, sizeof(r->err), "servern %.80s kunde inte verifieras mot "
		    "[mailbox] ca_file; inget skickades (%.100s)", r->url, x->ebuf);
		return;
	case CURLE_SSL_CONNECT_ERROR:
		r->outcome = MM_PERMANENT;
		snprintf(r->err, sizeof(r->err), "TLS-handskakningen med %.60s misslyckades: "
		    "servern godtog inte klientcertifikatet, eller tvärtom (%.60s); inget "
		    "skickades", r->url, x->ebuf);
		return;
	case CURLE_SSL_CERTPROBLEM:
		r->outcome = MM_PERMANENT;
		snprintf(r->err, sizeof(r->err), "klientcertifikatet i [mailbox] client_cert/"
		    "client_key kunde inte läsas (%.150s)", x->ebuf);
		return;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		r->outcome = MM_PERMANENT;
		snprintf(r->err, sizeof(r->err), "adressen %s är ingen https-adress", r->url);
		return;
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
		/*
		 * Under TLS 1.3 the server judges the client certificate after
		 * the handshake, and its refusal comes as an alert on the first
		 * read: the same certificates will be refused on every try, and
		 * must stop the run rather than pass for "not reachable".
		 */
		{
			curl_off_t tls = 0;

			r->broken_after_tls = x->easy != NULL &&
			    curl_easy_getinfo(x->easy, CURLINFO_APPCONNECT_TIME_T, &tls) == CURLE_OK &&
			    tls > 0;
		}
		if (tls_refusal(x->ebuf)) {
			r->outcome = MM_PERMANENT;
			snprintf(r->err, sizeof(r->err), "servern %.60s godtog inte klientcertifikatet "
			    "i [mailbox] client_cert (%.100s); inget skickades", r->url, x->ebuf);
			return;
		}
		break;
	case CURLE_WRITE_ERROR:
		if (x->too_big) {
			snprintf(r->err, sizeof(r->err), "svaret från %s är större än %zu byte",
			    r->url, x->c->h.max_response);
			return;
		}
		break;
	default:
		break;
	}
	/*
	 * A handshake the server ends (no or wrong client certificate) looks
	 * like a reset to the client; say what it most likely is when TLS was
	 * involved, and let the caller's attempts run out.
	 */
	snprintf(r->err, sizeof(r->err), "%.80s: %.150s", r->url,
	    x->ebuf[0] != '\0' ? x->ebuf : curl_easy_strerror(cc));
}

/* Takes x's easy handle out of the multi handle and keeps it for reuse. */
static void
release(struct xfer *x)
{
	if (x->easy == NULL)
		return;
	/* A handle that will not come out cleanly is not used again. */
	if (curl_multi_remove_handle(x->c->multi, x->easy) == CURLM_OK)
		easy_put(x->c, x->easy);
	else
		curl_easy_cleanup(x->easy);
	x->easy = NULL;
	curl_slist_free_all(x->headers);
	x->headers = NULL;
	free(x->buf);
	x->buf = NULL;
	x->len = x->cap = 0;
}

/* Starts x; -1 with r->err when libcurl will not take it. */
static int
start(struct xfer *x)
{
	struct mm_request *r = x->r;

	if (r->url == NULL) {
		snprintf(r->err, sizeof(r->err), "anropet saknar adress");
		return -1;
	}
	if ((x->easy = easy_get(x->c)) == NULL) {
		snprintf(r->err, sizeof(r->err), "libcurl kunde inte förbereda anropet till %s",
		    r->url);
		return -1;
	}
	if (setup(x->easy, x) == -1 || curl_multi_add_handle(x->c->multi, x->easy) != CURLM_OK) {
		/* Never added: clean up rather than reuse a half-set handle. */
		curl_easy_cleanup(x->easy);
		x->easy = NULL;
		curl_slist_free_all(x->headers);
		x->headers = NULL;
		snprintf(r->err, sizeof(r->err), "libcurl kunde inte förbereda anropet till %s",
		    r->url);
		return -1;
	}
	return 0;
}

static void
finished(struct xfer *x, const struct mm_hooks *hooks, void *arg)
{
	release(x);
	if (hooks != NULL && hooks->done != NULL)
		hooks->done(arg, x->r);
}

int
mm_http_perform(struct mm_client *c, struct mm_request *reqs, size_t n,
    const struct mm_hooks *hooks, void *arg)
{
	struct xfer *xs;
	size_t next = 0, running = 0, i;
	int still = 0, rc = 0;

	xs = xcalloc(n + 1, sizeof(*xs));
	for (;;) {
		CURLMsg *msg;
		int left;

		/* Fill every free slot; each starts connecting at once. */
		while (next < n && running < c->h.parallel) {
			struct xfer *x = &xs[next];
			struct mm_request *r = &reqs[next++];

			x->r = r;
			x->c = c;
			r->err[0] = '\0';
			r->response = NULL;
			r->response_len = 0;
			r->http_status = 0;
			if (r->body == NULL && hooks != NULL && hooks->prepare != NULL &&
			    hooks->prepare(arg, r) == -1) {
				r->outcome = MM_PERMANENT;
				if (r->err[0] == '\0')
					snprintf(r->err, sizeof(r->err), "anropet kunde inte byggas");
				continue;
			}
			if (r->body == NULL || start(x) == -1) {
				r->outcome = MM_PERMANENT;
				if (r->err[0] == '\0')
					snprintf(r->err, sizeof(r->err), "anropet saknar innehåll");
				finished(x, hooks, arg);
				continue;
			}
			running++;
			if (curl_multi_perform(c->multi, &still) != CURLM_OK) {
				rc = -1;
				goto out;
			}
		}
		if (running == 0)
			break;
		if (curl_multi_perform(c->multi, &still) != CURLM_OK) {
			rc = -1;
			goto out;
		}
		while ((msg = curl_multi_info_read(c->multi, &left)) != NULL) {
			struct xfer *x = NULL;
			long status = 0;

			if (msg->msg != CURLMSG_DONE)
				continue;
			if (curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x) !=
			    CURLE_OK || x == NULL) {
				rc = -1;
				goto out;
			}
			if (curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status) !=
			    CURLE_OK)
				status = 0;
			classify(x, msg->data.result, status);
			finished(x, hooks, arg);
			running--;
		}
		/* A slot came free: fill it before waiting for anything. */
		if (running < c->h.parallel && next < n)
			continue;
		if (running > 0 && curl_multi_poll(c->multi, NULL, 0, 1000, NULL) != CURLM_OK) {
			rc = -1;
			goto out;
		}
	}
out:
	if (rc == -1) {
		/* curl itself failed: what did not finish may go again later. */
		for (i = 0; i < n; i++) {
			if (i < next && xs[i].easy == NULL)
				continue;
			if (i >= next) {
				reqs[i].response = NULL;
				reqs[i].response_len = 0;
				reqs[i].http_status = 0;
			}
			xs[i].r = &reqs[i];
			xs[i].c = c;
			reqs[i].outcome = MM_TRANSIENT;
			snprintf(reqs[i].err, sizeof(reqs[i].err), "libcurl slutade arbeta mitt i "
			    "anropet till %s", reqs[i].url != NULL ? reqs[i].url : "?");
			finished(&xs[i], hooks, arg);
		}
	}
	free(xs);
	return rc;
}

void
mm_http_free(struct mm_request *reqs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(reqs[i].response);
		reqs[i].response = NULL;
	}
}
