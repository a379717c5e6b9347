/*
 * mm_http.c -- HTTPS POST with mutual TLS through curl multi; see mm_http.h.
 *
 * Reads: answers from the address register and mailbox operators (untrusted:
 * capped at h->max_response bytes, kept as bytes for mm.c to parse).
 * Writes: nothing but the request bodies over the wire.
 * Trusts: the configured CA for the servers; nothing else.  Peer and host
 * verification are never switched off, only https is allowed, redirects are
 * not followed: an answer comes from the server asked, or not at all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "mm_http.h"
#include "xmalloc.h"

struct xfer {
	struct mm_request *r;
	const struct mm_http *h;
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

	if (x->len + n > x->h->max_response) {
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

static int
setup(CURL *c, struct xfer *x)
{
	const struct mm_http *h = x->h;
	struct mm_request *r = x->r;
	char *action;

	x->headers = curl_slist_append(NULL, "Content-Type: text/xml; charset=utf-8");
	action = xasprintf("SOAPAction: \"%s\"", r->soap_action != NULL ? r->soap_action : "");
	x->headers = curl_slist_append(x->headers, action);
	free(action);
	if (curl_easy_setopt(c, CURLOPT_URL, r->url) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https") != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_CAINFO, h->ca_file) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_SSLCERT, h->client_cert) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_SSLKEY, h->client_key) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_POST, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_POSTFIELDS, r->body) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->len) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_HTTPHEADER, x->headers) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEDATA, x) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, h->connect_timeout_ms) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, h->timeout_ms) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, x->ebuf) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_PRIVATE, x) != CURLE_OK)
		return -1;
	return 0;
}

/* What a failed transfer means, in Swedish, and whether to try again. */
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
	case CURLE_WRITE_ERROR:
		if (x->too_big) {
			snprintf(r->err, sizeof(r->err), "svaret från %s är större än %zu byte",
			    r->url, x->h->max_response);
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

int
mm_http_perform(const struct mm_http *h, struct mm_request *reqs, size_t n)
{
	static bool inited;
	struct xfer *xs;
	CURLM *m;
	size_t next = 0, running = 0, i;
	int still = 0;

	if (!inited) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return -1;
		inited = true;
	}
	if ((m = curl_multi_init()) == NULL)
		return -1;
	xs = xcalloc(n + 1, sizeof(*xs));
	for (;;) {
		CURLMsg *msg;
		int left;

		while (next < n && running < (h->parallel > 0 ? h->parallel : 1)) {
			struct xfer *x = &xs[next];
			CURL *c = curl_easy_init();

			x->r = &reqs[next];
			x->h = h;
			memset(x->r->err, 0, sizeof(x->r->err));
			x->r->response = NULL;
			x->r->response_len = 0;
			next++;
			if (c == NULL || setup(c, x) == -1 || curl_multi_add_handle(m, c) != CURLM_OK) {
				x->r->outcome = MM_PERMANENT;
				snprintf(x->r->err, sizeof(x->r->err), "libcurl kunde inte förbereda "
				    "anropet till %s", x->r->url);
				if (c != NULL)
					curl_easy_cleanup(c);
				continue;
			}
			running++;
		}
		if (running == 0 && next == n)
			break;
		if (curl_multi_perform(m, &still) != CURLM_OK)
			break;
		while ((msg = curl_multi_info_read(m, &left)) != NULL) {
			struct xfer *x;
			long status = 0;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
			curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &status);
			classify(x, msg->data.result, status);
			curl_multi_remove_handle(m, msg->easy_handle);
			curl_easy_cleanup(msg->easy_handle);
			running--;
		}
		if (running > 0 && curl_multi_poll(m, NULL, 0, 200, NULL) != CURLM_OK)
			break;
	}
	for (i = 0; i < n; i++) {
		free(xs[i].buf);
		curl_slist_free_all(xs[i].headers);
	}
	free(xs);
	curl_multi_cleanup(m);
	return 0;
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
