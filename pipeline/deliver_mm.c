/*
 * deliver_mm.c -- the Mina meddelanden back-end; see deliver_mm.h.
 *
 * Reads: [mailbox] of the configuration (certificates, keys, the register's
 * URL), answers of the register and the operators (through mm.c's parsers).
 * Writes: SOAP requests over mutual TLS (mm_http.c).
 * Trusts: the configured CA.  Subjects carry no personal data: the nämnd's
 * name only, never a name, a number or a case type.
 *
 * One HTTPS client for the run (connections and TLS sessions kept between
 * the register, the deliveries and the retry rounds) and one signing key,
 * loaded once.  A deliverSecure is built and signed when a slot to send it
 * opens, so signing overlaps the answers in flight and at most max_parallel
 * signed requests (and those waiting for a retry) are held in memory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "deliver_mm.h"
#include "mm.h"
#include "mm_http.h"
#include "xmalloc.h"

#define REACH_BATCH 1000

struct answer {
	char id[13];
	struct reachability r;
	char *service_address;
};

struct mailbox {
	const struct config *cfg;
	struct mm_signer *signer;
	struct mm_client *http;
	int attempts;
	char sender_orgnr[11];
	char sender_id[13];
	struct answer *answers;
	size_t n_answers, cap_answers;
	char *subject, *support;
	char *sender;             /* "Socialnämnden i Exempelby kommun" */
};

static long
num(const char *s, long dflt, long lo, long hi)
{
	char *end;
	long v;

	if (s == NULL)
		return dflt;
	v = strtol(s, &end, 10);
	return *end == '\0' && v >= lo && v <= hi ? v : dflt;
}

struct mailbox *
mailbox_new(const struct config *cfg, char *err, size_t errlen)
{
	struct mailbox *mb;
	const char *sid = cfg->org_sender_id;

	if (cfg->mb_reachability_url == NULL || cfg->mb_client_cert == NULL ||
	    cfg->mb_client_key == NULL || cfg->mb_ca_file == NULL ||
	    cfg->mb_signing_cert == NULL || cfg->mb_signing_key == NULL) {
		snprintf(err, errlen, "[mailbox] behöver reachability_url, client_cert, client_key, "
		    "ca_file, signing_cert och signing_key");
		return NULL;
	}
	if (sid == NULL || strlen(sid) != 12 || strncmp(sid, "16", 2) != 0 ||
	    strspn(sid, "0123456789") != 12) {
		snprintf(err, errlen, "[organisation] sender_id ska vara \"16\" följt av "
		    "organisationsnumret, tolv siffror");
		return NULL;
	}
	{
		const char *files[] = {cfg->mb_client_cert, cfg->mb_client_key, cfg->mb_ca_file};
		const char *keys[] = {"client_cert", "client_key", "ca_file"};
		size_t i;

		for (i = 0; i < 3; i++)
			if (access(files[i], R_OK) == -1) {
				snprintf(err, errlen, "[mailbox] %s: %s kan inte läsas: %s", keys[i],
				    files[i], strerror(errno));
				return NULL;
			}
	}
	{
		const char *vals[] = {cfg->mb_max_parallel, cfg->mb_attempts, cfg->mb_timeout};
		const char *keys[] = {"max_parallel", "attempts", "timeout"};
		const long lo[] = {1, 1, 1}, hi[] = {256, 20, 600};
		size_t i;

		/* A typo is an error, never a silent default. */
		for (i = 0; i < 3; i++)
			if (vals[i] != NULL && num(vals[i], -1, lo[i], hi[i]) == -1) {
				snprintf(err, errlen, "[mailbox] %s ska vara ett heltal %ld–%ld", keys[i],
				    lo[i], hi[i]);
				return NULL;
			}
	}
	mb = xcalloc(1, sizeof(*mb));
	mb->cfg = cfg;
	memcpy(mb->sender_id, sid, 13);
	memcpy(mb->sender_orgnr, sid + 2, 11);
	if ((mb->signer = mm_signer_new(cfg->mb_signing_cert, cfg->mb_signing_key, err,
	    errlen)) == NULL) {
		free(mb);
		return NULL;
	}
	{
		struct mm_http h;

		memset(&h, 0, sizeof(h));
		h.client_cert = cfg->mb_client_cert;
		h.client_key = cfg->mb_client_key;
		h.ca_file = cfg->mb_ca_file;
		h.connect_timeout_ms = 10000;
		h.timeout_ms = num(cfg->mb_timeout, 30, 1, 600) * 1000;
		h.max_response = 4 * 1024 * 1024;
		h.parallel = (size_t)num(cfg->mb_max_parallel, 8, 1, 256);
		if ((mb->http = mm_client_new(&h)) == NULL) {
			snprintf(err, errlen, "libcurl kunde inte startas");
			mm_signer_free(mb->signer);
			free(mb);
			return NULL;
		}
	}
	mb->attempts = (int)num(cfg->mb_attempts, 4, 1, 20);
	/* A mailbox holds post from every authority: name the municipality,
	 * not only "Socialnämnden", which every municipality has. */
	mb->sender = cfg->org_namnd != NULL && cfg->org_name != NULL ?
	    xasprintf("%s i %s", cfg->org_namnd, cfg->org_name) :
	    xstrdup(cfg->org_namnd != NULL ? cfg->org_namnd : cfg->org_name != NULL ?
	    cfg->org_name : "socialnämnden");
	mb->subject = xasprintf("Beslut från %s", mb->sender);
	mb->support = xasprintf("Frågor om beslutet: kontakta %s%s%s.", mb->sender,
	    cfg->org_phone != NULL ? ", telefon " : "", cfg->org_phone != NULL ? cfg->org_phone : "");
	return mb;
}

void
mailbox_free(struct mailbox *mb)
{
	size_t i;

	if (mb == NULL)
		return;
	for (i = 0; i < mb->n_answers; i++)
		free(mb->answers[i].service_address);
	free(mb->answers);
	mm_client_free(mb->http);
	mm_signer_free(mb->signer);
	free(mb->subject);
	free(mb->sender);
	free(mb->support);
	free(mb);
}

static void
sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) == -1)
		;
}

/* The register and the operators know organisations as "16" + orgnr. */
static void
wire_id(const char *id, char out[13])
{
	if (strlen(id) == 10)
		snprintf(out, 13, "16%s", id);
	else
		snprintf(out, 13, "%s", id);
}

static int
cmp_answer(const void *a, const void *b)
{
	return strcmp(((const struct answer *)a)->id, ((const struct answer *)b)->id);
}

static void
remember(struct mailbox *mb, const struct mm_reach *a)
{
	struct answer *x;

	if (mb->n_answers == mb->cap_answers) {
		mb->cap_answers = mb->cap_answers ? 2 * mb->cap_answers : 64;
		mb->answers = xreallocarray(mb->answers, mb->cap_answers, sizeof(*mb->answers));
	}
	x = &mb->answers[mb->n_answers++];
	memset(x, 0, sizeof(*x));
	snprintf(x->id, sizeof(x->id), "%s", a->id);
	x->service_address = a->service_address != NULL ? xstrdup(a->service_address) : NULL;
	x->r.asked = true;
	x->r.reachable = !a->pending && a->has_mailbox && x->service_address != NULL;
	x->r.sender_accepted = a->sender_accepted;
	x->r.service_address = x->service_address;
}

int
mailbox_ask(struct mailbox *mb, const char *const *ids_in, size_t n, FILE *err)
{
	int rc = 0;
	char (*wire)[13] = xcalloc(n + 1, sizeof(*wire));
	const char **ids = xcalloc(n + 1, sizeof(*ids));
	size_t off, k, m;

	/*
	 * A samordningsnummer with an unknown birth month (00) is a valid
	 * number but no RecipientId the register takes, and one such id would
	 * make the whole question invalid: it is not asked, and so counts as
	 * not reachable (it prints), as the register could only say.
	 */
	for (k = 0, m = 0; k < n; k++) {
		wire_id(ids_in[k], wire[m]);
		if (strlen(wire[m]) == 12 && strncmp(wire[m], "16", 2) != 0 &&
		    strncmp(wire[m] + 4, "00", 2) == 0)
			continue;
		ids[m] = wire[m];
		m++;
	}
	n = m;
	for (off = 0; off < n; off += REACH_BATCH) {
		size_t chunk = n - off < REACH_BATCH ? n - off : REACH_BATCH;
		struct mm_request req;
		struct mm_reach *ans = NULL;
		size_t nans = 0;
		char msg[256];
		bool broken;
		int attempt;

		memset(&req, 0, sizeof(req));
		req.url = mb->cfg->mb_reachability_url;
		req.body = mm_is_reachable_request(mb->sender_orgnr, ids + off, chunk, &req.len);
		req.soap_action = "";
		if (req.body == NULL) {
			fprintf(err, "expediera: en fråga till adressregistret kunde inte byggas; "
			    "mottagarna räknas som ej nåbara\n");
			continue;
		}
		broken = true;
		for (attempt = 1; attempt <= mb->attempts; attempt++) {
			req.broken_after_tls = false;
			mm_http_perform(mb->http, &req, 1, NULL, NULL);
			if (req.outcome != MM_OK && !req.broken_after_tls)
				broken = false;
			if (req.outcome == MM_OK &&
			    mm_parse_is_reachable(req.response, req.response_len, &ans, &nans, msg,
				sizeof(msg)) == 0)
				break;
			if (req.outcome == MM_OK)
				snprintf(req.err, sizeof(req.err), "%s", msg);
			mm_http_free(&req, 1);
			if (req.outcome == MM_PERMANENT)
				break;
			if (attempt < mb->attempts)
				sleep_ms(200L << (attempt - 1));
		}
		if (ans == NULL && req.outcome == MM_PERMANENT) {
			fprintf(err, "expediera: %s\n", req.err);
			rc = -1;
		} else if (ans == NULL && broken) {
			/*
			 * Every try got through the TLS handshake and then lost the
			 * connection before any answer: a register that is down
			 * does not do that, one that refuses our client certificate
			 * under TLS 1.3 does.  Printing everything instead would hide
			 * it; nothing is sent until it is looked into.
			 */
			fprintf(err, "expediera: adressregistret bröt förbindelsen efter "
			    "TLS-handskakningen vid varje försök (%s); oftast godtar det inte "
			    "klientcertifikatet i [mailbox] client_cert. Inget skickades.\n", req.err);
			rc = -1;
		} else if (ans == NULL)
			fprintf(err, "expediera: adressregistret svarade inte (%s); mottagarna "
			    "räknas som ej nåbara\n", req.err);
		for (k = 0; k < nans; k++)
			remember(mb, &ans[k]);
		mm_reach_free(ans, nans);
		mm_http_free(&req, 1);
		free((char *)req.body);
	}
	if (mb->n_answers > 1)
		qsort(mb->answers, mb->n_answers, sizeof(*mb->answers), cmp_answer);
	free(wire);
	free(ids);
	return rc;
}

const struct reachability *
mailbox_lookup(void *arg, const char *id)
{
	struct mailbox *mb = arg;
	struct answer key, *a;

	if (mb == NULL || mb->n_answers == 0)
		return NULL;
	wire_id(id, key.id);
	a = bsearch(&key, mb->answers, mb->n_answers, sizeof(*mb->answers), cmp_answer);
	return a != NULL ? &a->r : NULL;
}

/* The hooks' view of one mailbox_deliver() call. */
struct round {
	struct mailbox *mb;
	bool *attempted;             /* per job: was sent in this round */
	bool *retry;                 /* per job: worth another round */
	struct mm_job *jobs;
};

/* Builds and signs a job's deliverSecure when it is about to go. */
static int
prepare_job(void *arg, struct mm_request *r)
{
	struct round *rd = arg;
	struct mailbox *mb = rd->mb;
	struct mm_job *j = r->user;
	struct mm_message msg;
	char err[256] = "", rid[13];

	if (j->service_address == NULL) {
		snprintf(j->err, sizeof(j->err), "mottagarens brevlådeoperatör har ingen "
		    "ServiceAdress");
		snprintf(r->err, sizeof(r->err), "%s", j->err);
		return -1;
	}
	wire_id(j->recipient_id, rid);
	memset(&msg, 0, sizeof(msg));
	msg.sender_id = mb->sender_id;
	msg.sender_name = mb->sender;
	msg.recipient_id = rid;
	msg.message_id = j->message_id;
	msg.subject = mb->subject;
	msg.support_text = mb->support;
	msg.support_url = mb->cfg->org_web;
	msg.support_phone = mb->cfg->org_phone;
	msg.support_email = mb->cfg->org_email;
	msg.pdf = j->pdf;
	msg.pdf_len = j->len;
	msg.pdf_name = j->pdf_name;
	if (j->len > MM_MAX_MESSAGE ||
	    (r->body = mm_deliver_secure_request(mb->signer, &msg, &r->len, err,
		sizeof(err))) == NULL) {
		/* Too large prints; anything else is a failure like any other. */
		j->too_large = j->len > MM_MAX_MESSAGE || strstr(err, "för stor") != NULL;
		snprintf(j->err, sizeof(j->err), "%s", j->len > MM_MAX_MESSAGE ?
		    "försändelsen är större än 2 MB, gränsen för Mina meddelanden" : err);
		snprintf(r->err, sizeof(r->err), "%s", j->err);
		return -1;
	}
	return 0;
}

/* Reads an answer as soon as it is in, and frees what is no longer needed. */
static void
job_done(void *arg, struct mm_request *r)
{
	struct round *rd = arg;
	struct mm_job *j = r->user;
	size_t k = (size_t)(j - rd->jobs);
	bool delivered = false;
	char msg[256] = "", tid[128];
	int rc = -1;

	j->attempts++;
	rd->attempted[k] = true;
	if (r->response != NULL)
		rc = mm_parse_deliver_secure(r->response, r->response_len, &delivered, tid,
		    sizeof(tid), msg, sizeof(msg));
	free(r->response);
	r->response = NULL;
	if (r->outcome == MM_OK && rc == 0 && delivered) {
		j->delivered = true;
		j->err[0] = '\0';
	} else {
		snprintf(j->err, sizeof(j->err), "%s", r->outcome != MM_OK ? r->err :
		    rc == -1 ? msg : "operatören svarade Delivered=false");
		/* A fault of our own making will not pass on the next try. */
		rd->retry[k] = r->outcome != MM_PERMANENT;
	}
}

void
mailbox_deliver(struct mailbox *mb, struct mm_job *jobs, size_t n,
    void (*on_attempt)(void *arg, const struct mm_job *, const char *outcome), void *arg)
{
	struct mm_request *reqs = xcalloc(n + 1, sizeof(*reqs));
	struct mm_request *batch = xcalloc(n + 1, sizeof(*batch));
	size_t *idx = xcalloc(n + 1, sizeof(*idx)), pending = n, i;
	struct mm_hooks hooks = {prepare_job, job_done};
	struct round rd;
	int round;

	rd.mb = mb;
	rd.jobs = jobs;
	rd.attempted = xcalloc(n + 1, sizeof(*rd.attempted));
	rd.retry = xcalloc(n + 1, sizeof(*rd.retry));
	for (i = 0; i < n; i++) {
		reqs[i].url = jobs[i].service_address;
		reqs[i].soap_action = "";
		reqs[i].user = &jobs[i];
		idx[i] = i;
	}
	for (round = 1; pending > 0 && round <= mb->attempts; round++) {
		size_t again = 0;

		for (i = 0; i < pending; i++) {
			batch[i] = reqs[idx[i]];
			rd.attempted[idx[i]] = rd.retry[idx[i]] = false;
		}
		mm_http_perform(mb->http, batch, pending, &hooks, &rd);
		/* In job order, as before: the audit log reads the same either way. */
		for (i = 0; i < pending; i++) {
			size_t k = idx[i];
			struct mm_job *j = &jobs[k];

			/* The body built in the first round goes again unchanged. */
			reqs[k].body = batch[i].body;
			reqs[k].len = batch[i].len;
			if (!rd.attempted[k])
				continue;
			if (on_attempt != NULL)
				on_attempt(arg, j, j->delivered ? "levererad" : j->err);
			if (rd.retry[k])
				idx[again++] = k;
			else {
				free((char *)reqs[k].body);
				reqs[k].body = NULL;
			}
		}
		pending = again;
		if (pending > 0 && round < mb->attempts)
			sleep_ms(200L << (round - 1));
	}
	for (i = 0; i < n; i++)
		free((char *)reqs[i].body);
	free(reqs);
	free(batch);
	free(idx);
	free(rd.attempted);
	free(rd.retry);
}
