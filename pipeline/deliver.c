/*
 * deliver.c -- stage 5: `expediera send`; see deliver.h.
 *
 * Reads: the routed session; the outbox and audit log (audit.h).
 * Writes: hand-over files per sender, archive copies with metadata, digital
 * deliveries (deliver_mm.h); every step as an audit event.  The print
 * batches are deliver_print.c's, the expedieringslista deliver_lista.c's
 * (deliver_run.h).
 * Trusts: the audit database as the single record of what was sent.
 *
 * Exactly once.  A försändelse is known by a key that does not depend on the
 * document's bytes (kommun, organ, date, §, dnr, role, recipient), so fixing
 * a template and running again never sends to someone who already got the
 * decision.  Before anything is written the outbox moves the försändelse to
 * SENDING with the file it is about to write; the file is written whole under
 * a temporary name and renamed; then the outbox moves to SENT.  A run killed
 * between the two finds the file on the next run and records SENT without
 * writing it again; a run killed before the rename finds no file and sends it
 * again.  No personnummer reaches stderr or an event in clear: the audit data
 * holds names and masked numbers only, the outbox an opaque key.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "deliver_run.h"
#include "file.h"
#include "hook.h"
#include "json.h"
#include "print.h"
#include "text.h"
#include "xmalloc.h"

/* A temporary file untouched this long, of a process that is gone, is litter. */
#define SWEEP_AGE 600

struct prior {
	char *id;
	enum outbox_state state;
	char *reason;
};

/* What the outbox held of one försändelse before this run. */
struct priors {
	struct prior *v;
	size_t n, cap;
};

/*
 * Fault injection for the tests of exactly-once delivery: with
 * EXPEDIERA_CRASH_AT=<point> the process kills itself with SIGKILL there, as
 * a power cut would.  The points sit between recording and doing.
 */
void
deliver_crash(const char *point)
{
	const char *at = test_hook("EXPEDIERA_CRASH_AT");

	if (at != NULL && strcmp(at, point) == 0)
		raise(SIGKILL);
}

/*
 * Durable before effect, in one place: every hand-over (a file into the
 * archive or hand-over folder, a digital delivery, a print batch to its
 * driver) asks deliver_recorded() first.  Once the log has refused a write,
 * a commit included, nothing more leaves the run: what it would hand over
 * could not be recorded, so a rerun would send it again.
 */
bool
deliver_recorded(struct ctx *c)
{
	/* With several workers, also: this worker's claims still hold. */
	if (!audit_failed(c->a) && outbox_claims_renew(c->a) == 0)
		return true;
	if (!c->log_lost) {
		fprintf(c->err, "expediera: granskningsloggen kunde inte skrivas (%s); inget mer "
		    "lämnas över i den här körningen\n", audit_error(c->a));
		c->log_lost = true;
	}
	return false;
}

/* Commits and closes the log's open group; 0 when all is recorded. */
static int
deliver_commit(struct ctx *c)
{
	(void)audit_group_end(c->a);
	return deliver_recorded(c) ? 0 : -1;
}

/*
 * Before a hand-over inside a group: commits what the group holds so far
 * (audit_sync), so that what the hand-over depends on is durable first.  0
 * when it is and this worker's claims still hold.
 */
static int
deliver_sync(struct ctx *c)
{
	if (audit_sync(c->a) == 0)
		return 0;
	(void)deliver_recorded(c); /* says why, once */
	return -1;
}

/* ---- the session package ---- */

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Hashes one file's name and bytes into ctx. */
static int
digest_file(EVP_MD_CTX *md, const char *path, const char *name)
{
	unsigned char buf[65536];
	size_t n;
	FILE *fp;

	if ((fp = fopen(path, "rb")) == NULL)
		return errno == ENOENT ? 0 : -1;
	EVP_DigestUpdate(md, name, strlen(name) + 1);
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
		EVP_DigestUpdate(md, buf, n);
	fclose(fp);
	return 0;
}

int
session_digest(const char *dir, char out[65])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char d[32];
	unsigned int dl = 0;
	char *path, **names = NULL;
	size_t n = 0, cap = 0, i;
	struct dirent *de;
	DIR *dp;
	int rc = 0;

	if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(md);
		return -1;
	}
	path = xasprintf("%s/protokoll.xml", dir);
	rc = digest_file(md, path, "protokoll.xml");
	free(path);
	path = xasprintf("%s/forsattsblad", dir);
	if ((dp = opendir(path)) != NULL) {
		while ((de = readdir(dp)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			if (n == cap) {
				cap = cap ? 2 * cap : 64;
				names = xreallocarray(names, cap, sizeof(*names));
			}
			names[n++] = xstrdup(de->d_name);
		}
		closedir(dp);
	}
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++) {
		char *p = xasprintf("%s/%s", path, names[i]);
		char *rel = xasprintf("forsattsblad/%s", names[i]);

		if (rc == 0)
			rc = digest_file(md, p, rel);
		free(p);
		free(rel);
		free(names[i]);
	}
	free(names);
	free(path);
	if (rc == 0 && EVP_DigestFinal_ex(md, d, &dl) == 1)
		text_hex(d, 32, out);
	else
		rc = -1;
	EVP_MD_CTX_free(md);
	return rc;
}

/*
 * The key of a försändelse: who gets which paragraph, not which bytes.  A
 * recipient is their personnummer or organisationsnummer (a spelling fix of
 * the name is the same person); only one with neither is known by name.  The
 * key is an HMAC with the log's person key (audit_load_key): without it, the
 * few thousand personnummer that fit a masked one in the events could be
 * tried against the key in seconds.  A rättelse of the paragraph, or post
 * that came back, makes a new försändelse with a key of its own (record.h).
 * -1 when the key is not loaded or the log cannot be read.
 */
static int
item_key(struct audit *a, const struct session *s, struct item *it)
{
	const struct routed *r = it->r;

	if (record_keys(a, s, r->p, r->m, r->internal, &it->k) == -1 ||
	    record_item(a, r->m, &it->k, &it->ri) == -1)
		return -1;
	memcpy(it->key, it->ri.key, sizeof(it->key));
	return 0;
}

/* "Eva Exempel (19920715-****)", or the internal entry. */
char *
deliver_who(const struct routed *r)
{
	char masked[14];

	if (r->internal != NULL)
		return xstrdup(r->internal);
	if (r->m->pnr.ok) {
		pnr_mask(r->m->pnr.pnr.digits, masked);
		return xasprintf("%s (%s)", r->m->namn, masked);
	}
	return xstrdup(r->m->namn);
}

/* ---- the outbox as it stood before this run ---- */

static int
collect_prior(void *arg, const struct outbox_item *it, enum outbox_state st, int attempts,
    const char *reason)
{
	struct priors *pr = arg;

	(void)attempts;
	if (pr->n == pr->cap) {
		pr->cap = pr->cap ? 2 * pr->cap : 4;
		pr->v = xreallocarray(pr->v, pr->cap, sizeof(*pr->v));
	}
	pr->v[pr->n].id = xstrdup(it->id);
	pr->v[pr->n].state = st;
	pr->v[pr->n].reason = reason != NULL ? xstrdup(reason) : NULL;
	pr->n++;
	return 0;
}

/*
 * Whether the hand-over an earlier run recorded SENDING with reason (the
 * proof pf read from it) was done: 1 done, 0 not (send it again), -1 cannot
 * tell now (the print server does not answer): then it is neither sent
 * again nor counted sent.
 */
static int
handover_done(struct ctx *c, const struct print_proof *pf, const char *reason, char *err,
    size_t errlen)
{
	size_t k;
	int rc;

	if (!pf->by->remote)
		return pf->by->find_proof(c->rd->cfg, pf, err, errlen);
	/* A batch's försändelser share the reason: the print house is asked once. */
	for (k = 0; k < c->n_asked; k++)
		if (strcmp(c->asked[k].reason, reason) == 0) {
			c->answered_before = true;
			snprintf(err, errlen, "%s", c->asked[k].err);
			return c->asked[k].answer;
		}
	c->answered_before = false;
	rc = pf->by->find_proof(c->rd->cfg, pf, err, errlen);
	/* A run has a print batch and a Skatteverket batch; the oldest goes first. */
	k = c->n_asked < sizeof(c->asked) / sizeof(c->asked[0]) ? c->n_asked++ : 0;
	free(c->asked[k].reason);
	c->asked[k].reason = xstrdup(reason);
	c->asked[k].answer = rc;
	snprintf(c->asked[k].err, sizeof(c->asked[k].err), "%s", rc == -1 ? err : "");
	return rc;
}

enum prior_state { PRIOR_NONE, PRIOR_SENT, PRIOR_UNKNOWN };

/*
 * Settles what an earlier run left of the försändelse with this key: SENT
 * means done; SENDING means a run stopped between recording and finishing:
 * where the hand-over would have left its proof decides (handover_done).
 * The outbox is asked for this key alone, so a run never holds the whole
 * outbox.
 */
static enum prior_state
settle_prior(struct ctx *c, const char *key)
{
	struct priors pr = {NULL, 0, 0};
	enum prior_state out = PRIOR_NONE;
	char err[256];
	size_t i;

	if (outbox_list_key(c->a, key, collect_prior, &pr) == -1)
		fprintf(c->err, "expediera: %s\n", audit_error(c->a));
	for (i = 0; i < pr.n; i++) {
		struct prior *p = &pr.v[i];
		const char *why = p->reason != NULL ? p->reason : "";
		struct print_proof pf;
		int done;

		if (p->state == OUTBOX_SENT) {
			out = PRIOR_SENT;
			continue;
		}
		if (p->state != OUTBOX_SENDING)
			continue;
		/* A reason that names no proof (none, or a digital one) is not done. */
		done = print_proof_read(why, &pf) == 0 ?
		    handover_done(c, &pf, why, err, sizeof(err)) : 0;
		if (done == 1) {
			if (outbox_set(c->a, c->batch, p->id, OUTBOX_SENT, pf.by->recovered) == 0)
				out = PRIOR_SENT;
		} else if (done == -1) {
			if (!c->answered_before)
				fprintf(c->err, "expediera: en tidigare överlämning kunde inte bekräftas "
				    "(%s); den skickas inte igen förrän det går att se om den kom fram\n",
				    err);
			if (out != PRIOR_SENT)
				out = PRIOR_UNKNOWN;
		} else {
			if (pf.by != NULL && pf.by->forget != NULL)
				pf.by->forget(&pf);
			outbox_set(c->a, c->batch, p->id, OUTBOX_FAILED,
			    "avbruten körning; skickas igen");
		}
		print_proof_free(&pf);
	}
	for (i = 0; i < pr.n; i++) {
		free(pr.v[i].id);
		free(pr.v[i].reason);
	}
	free(pr.v);
	return out;
}

/* ---- events ---- */

static void
log_findings(struct ctx *c, const struct session *s)
{
	size_t i;

	for (i = 0; i < s->diag.n; i++) {
		const struct finding *f = &s->diag.v[i];
		char *p;
		size_t len;
		FILE *fp = open_memstream(&p, &len);

		if (fp == NULL)
			continue;
		diag_finding_json(f, fp);
		fclose(fp);
		(void)auditlog_append(c->a, c->batch, "finding", NULL, p);
		free(p);
	}
}

/* The data of an item's "route" and "document" events (malloc'd), NULL without memory. */
static char *
item_json(struct ctx *c, const struct item *it, const char *extra)
{
	char *p, *w = deliver_who(it->r);
	size_t len;
	FILE *fp = open_memstream(&p, &len);

	if (fp == NULL) {
		free(w);
		return NULL;
	}
	fprintf(fp, "{\"paragraf\":%lu,\"dnr\":", it->r->p->nr);
	json_string(fp, it->r->p->dnr);
	fputs(",\"mottagare\":", fp);
	json_string(fp, w);
	fputs(",\"roll\":", fp);
	json_string(fp, it->r->internal != NULL ? "intern" : roll_names[it->r->m->roll]);
	fputs(",\"route\":", fp);
	json_string(fp, route_names[it->r->route]);
	fputs(",\"organ\":", fp);
	json_string(fp, c->rd->s->protokoll.organ);
	{
		char date[11];

		ymd_format(&c->rd->s->protokoll.sammantradesdatum, date);
		fputs(",\"sammantrade\":", fp);
		json_string(fp, date);
	}
	fputs(",\"reason\":", fp);
	json_string(fp, it->r->reason);
	/*
	 * What the decision lets a party do, so that kvitto and historik can
	 * say it later (record.h: a log without it gets no deadline); for an
	 * underställning its statute and due day, when the appeal table knows them.
	 */
	fputs(",\"overklagande\":", fp);
	json_string(fp, record_overklagande_id(it->r->p->overklagande));
	if (it->r->p->overklagande == OVERKLAGANDE_UNDERSTALLS) {
		if (it->r->p->understalls_lag != NULL) {
			fputs(",\"understalls_lag\":", fp);
			json_string(fp, it->r->p->understalls_lag);
		}
		if (it->r->p->understalls_dagar >= 0) {
			char senast[11];

			/*
			 * The plain calendar from the decision (the meeting), not
			 * moved past a holiday: the earlier day is never too late.
			 */
			record_date_add(&c->rd->s->protokoll.sammantradesdatum,
			    it->r->p->understalls_dagar, senast);
			fputs(",\"understalls_senast\":", fp);
			json_string(fp, senast);
		}
	}
	/* The keys that find it again (record.h); no number and no address in clear. */
	fprintf(fp, ",\"pkey\":\"%s\",\"bas\":\"%s\",\"ident\":\"%s\",\"galler\":\"%s\","
	    "\"adress\":\"%s\",\"gen\":\"%d\",\"retur\":\"%d\"", it->k.pkey, it->k.bas, it->k.ident,
	    it->k.galler, it->k.adress, it->ri.gen, it->ri.returns);
	if (it->r->m != NULL) {
		const struct mottagare *m = it->r->m;

		fputs(",\"kanal\":", fp);
		json_string(fp, kanal_names[m->kanal]);
		fputs(",\"postort\":", fp);
		json_string(fp, m->skyddad ? "skyddad" :
		    m->n_adresser > 0 ? m->adresser[0].postort : NULL);
		fprintf(fp, ",\"delgivning\":\"%s\"", m->delgivning ? "true" : "false");
	}
	if (it->sha[0] != '\0') {
		fputs(",\"sha256\":", fp);
		json_string(fp, it->sha);
		fprintf(fp, ",\"bytes\":%zu", it->len);
	}
	if (extra != NULL) {
		fputs(",\"detail\":", fp);
		json_string(fp, extra);
	}
	fputc('}', fp);
	free(w);
	if (fclose(fp) != 0) {
		free(p);
		return NULL;
	}
	return p;
}

static void
log_item(struct ctx *c, const struct item *it, const char *kind, const char *extra)
{
	char *p = item_json(c, it, extra);

	if (p != NULL)
		(void)auditlog_append(c->a, c->batch, kind, it->id, p);
	free(p);
}

/* ---- one försändelse at a time: hand-over and archive ---- */

/*
 * One decision, all or nothing: the item's route event (and with document,
 * its document event) logged and the item into the outbox (outbox_admit).
 */
static int
item_admit(struct ctx *c, struct item *it, bool document)
{
	struct outbox_item ob = {it->id, c->digest, (long)it->r->p->nr, it->key,
	    route_names[it->r->route], it->sha};
	char *data = item_json(c, it, NULL);
	struct audit_note notes[] = {{"route", data}, {"document", data}};
	int rc;

	if (data == NULL) {
		fprintf(c->err, "expediera: § %lu: slut på minne\n", it->r->p->nr);
		return -1;
	}
	/* The lista's time is the route event's: taken now, not when the item
	 * was prepared, so that a later run's "skickad tidigare" (which reads
	 * the event) shows the same minute even on a slow machine. */
	(void)clock_utc(it->when);
	rc = outbox_admit(c->a, c->batch, &ob, notes, document ? 2 : 1, &it->state);
	if (rc == -1)
		fprintf(c->err, "expediera: § %lu: %s\n", it->r->p->nr, audit_error(c->a));
	free(data);
	return rc;
}

/* SENDING (naming the file), write it, SENT. */
static int
deliver_file(struct ctx *c, struct item *it, const char *dir, const char *name,
    const void *extra, size_t extralen, const char *extraname)
{
	char *path = xasprintf("%s/%s", dir, name);
	char *reason = print_proof_reason(&print_folder_ops, path, name);
	int rc = -1;

	if (file_mkdirs(dir) == -1) {
		fprintf(c->err, "expediera: kan inte skapa %s: %s\n", dir, strerror(errno));
		goto out;
	}
	/* SENDING, and all the group holds before it, durable before the file is written. */
	if (outbox_set(c->a, c->batch, it->id, OUTBOX_SENDING, reason) == -1 ||
	    deliver_sync(c) == -1) {
		if (!c->log_lost)
			fprintf(c->err, "expediera: %s\n", audit_error(c->a));
		goto out;
	}
	deliver_crash("file-sending");
	if ((extra != NULL && file_write_new(dir, extraname, extra, extralen) == -1) ||
	    file_write_new(dir, name, it->pdf, it->len) == -1) {
		fprintf(c->err, "expediera: kan inte skriva %s: %s\n", path, strerror(errno));
		outbox_set(c->a, c->batch, it->id, OUTBOX_FAILED, "filen kunde inte skrivas");
		it->state = OUTBOX_FAILED;
		goto out;
	}
	deliver_crash("file-written");
	if (outbox_set(c->a, c->batch, it->id, OUTBOX_SENT, NULL) == -1) {
		fprintf(c->err, "expediera: %s\n", audit_error(c->a));
		goto out;
	}
	it->state = OUTBOX_SENT;
	rc = 0;
out:
	free(path);
	free(reason);
	return rc;
}

/* "-rattelse1", "-retur1": a försändelse that replaces one has a name of its own. */
static void
generation(const struct item *it, char *out, size_t n)
{
	int k = 0;

	out[0] = '\0';
	if (it->ri.gen > 0)
		k = snprintf(out, n, "-rattelse%d", it->ri.gen);
	if (it->ri.returns > 0 && k >= 0 && (size_t)k < n)
		snprintf(out + k, n - (size_t)k, "-retur%d", it->ri.returns);
}

static int
deliver_manual(struct ctx *c, struct item *it)
{
	char who_slug[64], *dir;
	int rc;

	text_slug(who_slug, sizeof(who_slug), it->r->fb->avsandare);
	dir = xasprintf("%s/%s", c->rd->cfg->manual_folder, who_slug[0] ? who_slug : "annan");
	/* The sender's folder is made here; a link in its place would send the
	 * decision wherever it points. */
	{
		struct stat sb;

		if (lstat(dir, &sb) == 0 && !S_ISDIR(sb.st_mode)) {
			fprintf(c->err, "expediera: %s är inte en katalog (en symbolisk länk?); "
			    "inget lämnades över dit\n", dir);
			free(dir);
			outbox_set(c->a, c->batch, it->id, OUTBOX_FAILED,
			    "överlämningskatalogen är inte en katalog");
			it->state = OUTBOX_FAILED;
			return -1;
		}
	}
	rc = deliver_file(c, it, dir, it->name, NULL, 0, NULL);
	free(dir);
	return rc;
}

static int
deliver_archive(struct ctx *c, struct item *it)
{
	const struct session *s = c->rd->s;
	char entry[64], *name, *meta, *metaname, date[11], gen[48];
	size_t len;
	FILE *fp;
	int rc;

	text_slug(entry, sizeof(entry), it->r->internal);
	ymd_format(&s->protokoll.sammantradesdatum, date);
	generation(it, gen, sizeof(gen));
	name = xasprintf("%s-%lu-%s-protokollsutdrag%s.pdf", c->meeting, it->r->p->nr,
	    entry[0] ? entry : "intern", gen);
	metaname = xasprintf("%s-%lu-%s-protokollsutdrag%s.json", c->meeting, it->r->p->nr,
	    entry[0] ? entry : "intern", gen);
	if ((fp = open_memstream(&meta, &len)) == NULL) {
		free(name);
		free(metaname);
		return -1;
	}
	fprintf(fp, "{\"dnr\": ");
	json_string(fp, it->r->p->dnr);
	fprintf(fp, ", \"paragraf\": %lu, \"sammantradesdatum\": \"%s\", \"skickas_till\": ",
	    it->r->p->nr, date);
	json_string(fp, it->r->internal);
	fprintf(fp, ", \"organ\": ");
	json_string(fp, s->protokoll.organ);
	fprintf(fp, ", \"sha256\": \"%s\", \"fil\": ", it->sha);
	json_string(fp, name);
	fputs("}\n", fp);
	fclose(fp);
	rc = deliver_file(c, it, c->rd->cfg->archive_folder, name, meta, len, metaname);
	free(meta);
	free(metaname);
	free(name);
	return rc;
}

/* ---- digital delivery ---- */

static void
on_attempt(void *arg, const struct mm_job *j, const char *outcome)
{
	struct ctx *c = arg;
	struct item *it = j->user;
	char *data, *p = NULL;
	size_t len;
	FILE *fp = open_memstream(&p, &len);

	if (fp == NULL)
		return;
	fprintf(fp, "{\"attempt\":%d,\"service\":", j->attempts);
	json_string(fp, j->service_address);
	fputs(",\"message_id\":", fp);
	json_string(fp, j->message_id);
	fputs(",\"outcome\":", fp);
	json_string(fp, outcome);
	fputc('}', fp);
	fclose(fp);
	data = p;
	(void)auditlog_append(c->a, c->batch, "attempt", it->id, data);
	free(data);
}

/*
 * SENDING with the message Id, deliver, then SENT; what cannot be delivered
 * prints when kanal is auto (a new item on the print route takes over the
 * same document, *nfb of them in fbv) and is held when the recipient asked
 * for digital only.
 */
static void
deliver_digital(struct ctx *c, struct item **v, size_t n, struct item *fbv, size_t *nfb,
    struct routed *fallback)
{
	struct mm_job *jobs = xcalloc(n + 1, sizeof(*jobs));
	size_t i;

	(void)audit_group_begin(c->a);
	for (i = 0; i < n; i++) {
		char *reason = xasprintf("mm:%s", v[i]->key);
		const struct reachability *rc = mailbox_lookup(c->mb, v[i]->r->id);

		jobs[i].recipient_id = v[i]->r->id;
		jobs[i].service_address = rc != NULL ? rc->service_address : NULL;
		jobs[i].message_id = v[i]->key;
		jobs[i].pdf = v[i]->pdf;
		jobs[i].len = v[i]->len;
		jobs[i].pdf_name = v[i]->name;
		jobs[i].user = v[i];
		outbox_set(c->a, c->batch, v[i]->id, OUTBOX_SENDING, reason);
		free(reason);
	}
	if (deliver_commit(c) == -1) {
		/* Not recorded SENDING: nothing is delivered, nothing is claimed. */
		for (i = 0; i < n; i++)
			v[i]->state = OUTBOX_FAILED;
		free(jobs);
		return;
	}
	deliver_crash("digital-sending");
	/*
	 * The attempts' events and the outcomes in one commit: each försändelse
	 * was SENDING, with its message Id, before the first attempt, so a run
	 * stopped here delivers it again under the same Id (the operator keeps
	 * one) and loses nothing but the record of the attempts.
	 */
	(void)audit_group_begin(c->a);
	mailbox_deliver(c->mb, jobs, n, on_attempt, c);
	for (i = 0; i < n; i++) {
		struct item *it = v[i], *fb;
		const struct routed *r = it->r;
		char reason[400];

		if (jobs[i].delivered) {
			outbox_set(c->a, c->batch, it->id, OUTBOX_SENT, NULL);
			it->state = OUTBOX_SENT;
			continue;
		}
		if (r->m->kanal == KANAL_DIGITAL) {
			snprintf(reason, sizeof(reason), "kanal=digital men leveransen gick inte: %s",
			    jobs[i].err);
			outbox_set(c->a, c->batch, it->id, OUTBOX_HELD, reason);
			it->state = OUTBOX_HELD;
			continue;
		}
		snprintf(reason, sizeof(reason), "digital leverans gick inte (%s); skickas med "
		    "post", jobs[i].err);
		outbox_set(c->a, c->batch, it->id, OUTBOX_FAILED, reason);
		it->state = OUTBOX_FAILED;
		it->fell_back = true;
		/* The same document goes by post: a new item on the print route. */
		fallback[*nfb] = *r;
		fallback[*nfb].route = r->m->skyddad ? ROUTE_PRINT_SKATTEVERKET : ROUTE_PRINT;
		snprintf(fallback[*nfb].reason, sizeof(fallback[*nfb].reason), "%.190s", reason);
		fb = &fbv[*nfb];
		*fb = *it;
		fb->r = &fallback[*nfb];
		fb->fell_back = false;
		fb->pdf = NULL;
		fb->name = it->name != NULL ? xstrdup(it->name) : NULL;
		snprintf(fb->id, sizeof(fb->id), "%s:%.16s:%s", fb->key, fb->sha,
		    route_names[fb->r->route]);
		(*nfb)++;
		if (item_admit(c, fb, false) == 0 && fb->state != OUTBOX_SENT &&
		    batch_add(c, fb->r->route == ROUTE_PRINT ? &c->print : &c->skv, fb) == -1)
			fb->state = OUTBOX_FAILED;
	}
	(void)deliver_commit(c);
	free(jobs);
}

/* ---- one försändelse of a part, step by step ---- */

/*
 * What the log adds to an item's document: the id its delgivningskvitto
 * names, and for a rättelse the sending it replaces.  The same for the
 * rendering that hashes it and the batch that prints it.
 */
void
deliver_mark(const struct item *it, char sid[15], struct render_mark *mark)
{
	record_short_id(it->key, sid);
	mark->forsandelse = sid;
	memset(&mark->rattelse, 0, sizeof(mark->rattelse));
	if (it->ri.gen > 0)
		mark->rattelse = (struct render_rattelse){.datum = it->ri.datum,
		    .ersatter = it->ri.ersatter, .ersatt_id = it->ri.ersatt_id[0] != '\0' ?
		    it->ri.ersatt_id : NULL, .beslutet_rattat = it->ri.beslutet_rattat,
		    .till_mottagaren = it->ri.till_mottagaren};
}

/* After a step: on to the next step, on to the next försändelse, or stop the part. */
enum step { STEP_ON, STEP_NEXT, STEP_STOP };

/* "MEETING-<render_filename>-rattelse1.pdf": a recipient's file name. */
static char *
item_name(const struct ctx *c, const struct item *it)
{
	const struct routed *r = it->r;
	char *base = render_filename(r->p, r->index, r->m), *dot = strrchr(base, '.'), *name;
	char gen[48];

	generation(it, gen, sizeof(gen));
	if (dot != NULL)
		*dot = '\0';
	name = xasprintf("%s-%s%s%s", c->meeting, base, gen, dot != NULL ? ".pdf" : "");
	free(base);
	return name;
}

/* The digits of the first address's postnummer, which the print batch sorts by. */
static void
item_postnummer(struct item *it)
{
	const struct mottagare *m = it->r->m;
	size_t k, o = 0;

	if (m == NULL || m->n_adresser == 0 || m->adresser[0].postnummer == NULL)
		return;
	for (k = 0; m->adresser[0].postnummer[k] != '\0' && o < 7; k++)
		if (m->adresser[0].postnummer[k] >= '0' && m->adresser[0].postnummer[k] <= '9')
			it->postnummer[o++] = m->adresser[0].postnummer[k];
}

/*
 * Its key, time and names, and this worker's claim on it: one that waits for
 * justering is not dispatched (a later run sends it), one another worker
 * holds is theirs to send.
 */
static enum step
item_prepare(struct ctx *c, struct item *it)
{
	if (it->r->p->waiting) {
		it->waiting = true;
		if (it->r->m != NULL)
			c->res->waiting++;
		return STEP_NEXT;
	}
	if (item_key(c->a, c->rd->s, it) == -1) {
		fprintf(c->err, "expediera: %s; inget skickas\n", audit_error(c->a));
		return STEP_STOP;
	}
	(void)clock_utc(it->when);
	if (it->r->internal == NULL)
		it->name = item_name(c, it);
	item_postnummer(it);
	switch (outbox_claim(c->a, it->key)) {
	case -1:
		fprintf(c->err, "expediera: %s; inget skickas\n", audit_error(c->a));
		return STEP_STOP;
	case 0:
		it->waiting = true;
		c->res->other++;
		return STEP_NEXT;
	default:
		return STEP_ON;
	}
}

/*
 * What earlier runs did with it: sent, a hand-over that cannot be confirmed
 * yet, or post that came back from this very address (a new one is
 * needed); each settles it without sending.
 */
static enum step
item_earlier(struct ctx *c, struct item *it)
{
	char how[24];

	switch (settle_prior(c, it->key)) {
	case PRIOR_SENT:
		it->already = true;
		it->state = OUTBOX_SENT;
		snprintf(it->id, sizeof(it->id), "%s", it->key);
		log_item(c, it, "route", "redan skickad i en tidigare körning");
		c->res->already++;
		/* The lista shows that sending's own time and document. */
		if (record_sent(c->a, it->key, it->earlier, how, it->sha) != 1)
			it->earlier[0] = it->sha[0] = '\0';
		return STEP_NEXT;
	case PRIOR_UNKNOWN:
		/* Neither sent again nor counted sent: held until it can be told. */
		it->already = true;
		it->state = OUTBOX_HELD;
		snprintf(it->id, sizeof(it->id), "%s", it->key);
		log_item(c, it, "route", "överlämningen i en tidigare körning kunde inte "
		    "bekräftas; skickas inte igen förrän den kan det");
		c->res->held++;
		return STEP_NEXT;
	default:
		break;
	}
	if (it->ri.returned_here) {
		it->already = true;
		it->state = OUTBOX_HELD;
		snprintf(it->id, sizeof(it->id), "%s", it->key);
		it->held_why = xasprintf("posten kom tillbaka %s; skickas när försättsbladet "
		    "har en ny bekräftad adress", it->ri.retur_datum);
		log_item(c, it, "route", it->held_why);
		c->res->held++;
		return STEP_NEXT;
	}
	return STEP_ON;
}

/* Its document, rendered and hashed. */
static int
render_item(struct ctx *c, struct item *it)
{
	struct render_mark mark;
	char err[256], sid[15];
	int rc;

	deliver_mark(it, sid, &mark);
	if (it->r->internal != NULL)
		rc = render_arkivkopia(c->rd, it->r->p, &mark, &it->pdf, &it->len, err,
		    sizeof(err));
	else
		rc = render_forsandelse(c->rd, it->r->p, it->r->fb, it->r->m, &mark, &it->pdf,
		    &it->len, err, sizeof(err));
	if (rc == -1) {
		fprintf(c->err, "expediera: § %lu: %s\n", it->r->p->nr, err);
		return -1;
	}
	text_sha256_hex(it->pdf, it->len, it->sha);
	return 0;
}

/* Counts what the part's item came to and writes its row of the lista. */
static void
settle_item(struct ctx *c, struct item *it)
{
	struct send_result *res = c->res;
	bool batched = (it->r->route == ROUTE_PRINT || it->r->route == ROUTE_PRINT_SKATTEVERKET) &&
	    it->batched;

	if (it->waiting)
		return;
	if (batched) {
		/* its volume's outcome, at the end */
		lista_row(c, it, it->r->route == ROUTE_PRINT ? 'P' : 'S');
		return;
	}
	if (!it->already) {
		if (it->r->route == ROUTE_HELD)
			res->held++;
		else if (it->state == OUTBOX_SENT)
			res->sent++;
		else if (it->state == OUTBOX_FAILED && !it->fell_back)
			res->failed++;
		else if (it->state == OUTBOX_HELD && it->r->route == ROUTE_DIGITAL)
			res->held++;
	}
	lista_row(c, it, '-');
}

struct delivery *
deliver_begin(const struct render *rd, struct audit *a, struct mailbox *mb, const char *command,
    size_t expected, struct send_result *res, FILE *err)
{
	struct ctx *c = xcalloc(1, sizeof(*c));
	struct audit_batch b;

	memset(res, 0, sizeof(*res));
	*c = (struct ctx){.rd = rd, .a = a, .mb = mb, .err = err, .res = res,
	    .print = {.skatteverket = false}, .skv = {.skatteverket = true}};
	{
		unsigned char r[8];
		char date[11], organ[64];

		if (RAND_bytes(r, sizeof(r)) != 1) {
			fprintf(err, "expediera: kan inte ta fram ett körnings-id\n");
			free(c);
			return NULL;
		}
		text_hex(r, sizeof(r), c->runid);
		ymd_format(&rd->s->protokoll.sammantradesdatum, date);
		text_slug(organ, sizeof(organ), rd->s->protokoll.organ != NULL ? rd->s->protokoll.organ : "");
		c->meeting = xasprintf("%s-%s", date, organ[0] != '\0' ? organ : "organ");
	}
	{
		const struct config *cfg = rd->cfg;
		size_t swept = file_sweep(cfg->print_folder, SWEEP_AGE, 0) +
		    file_sweep(cfg->archive_folder, SWEEP_AGE, 0) +
		    file_sweep(cfg->manual_folder, SWEEP_AGE, 1);

		if (swept > 0)
			fprintf(err, "expediera: tog bort %zu halvskrivna filer som avbrutna körningar "
			    "lämnat\n", swept);
	}
	if (session_digest(rd->s->dir, c->digest) == -1) {
		fprintf(err, "expediera: kan inte läsa %s igen för kontrollsumman\n", rd->s->dir);
		free(c->meeting);
		free(c);
		return NULL;
	}
	memset(&b, 0, sizeof(b));
	b.command = command;
	b.session = rd->s->dir;
	b.session_digest = c->digest;
	if (audit_batch_begin(a, &b, &c->batch) == -1) {
		fprintf(err, "expediera: %s\n", audit_error(a));
		free(c->meeting);
		free(c);
		return NULL;
	}
	(void)audit_group_begin(a);
	log_findings(c, rd->s);
	(void)deliver_commit(c);
	progress_start(&c->prog, "försändelser", expected);
	return (struct delivery *)c;
}

/*
 * Rendered, its route and document logged, and into the outbox (held there
 * when its route holds it), as one decision of the part's group; a failure
 * settles it FAILED.
 */
static enum step
item_record(struct ctx *c, struct item *it)
{
	const struct routed *r = it->r;

	if (render_item(c, it) == -1) {
		c->failed = true;
		it->state = OUTBOX_FAILED;
		return STEP_NEXT;
	}
	snprintf(it->id, sizeof(it->id), "%s:%.16s:%s", it->key, it->sha,
	    route_names[r->route]);
	if (item_admit(c, it, true) == -1) {
		c->failed = true;
		it->state = OUTBOX_FAILED;
		return STEP_NEXT;
	}
	if (r->route == ROUTE_HELD && it->state != OUTBOX_HELD &&
	    outbox_set(c->a, c->batch, it->id, OUTBOX_HELD, r->reason) == 0)
		it->state = OUTBOX_HELD;
	/* In the part's group: committed with it, or before its hand-over (deliver_sync). */
	(void)deliver_recorded(c);
	return STEP_ON;
}

/*
 * Handed over on its route: a file into the hand-over folder or the
 * archive at once, or drawn into its print batch (handed over at the end).
 * Digital ones go together, after the part (deliver_digital).
 */
static void
item_hand_over(struct ctx *c, struct item *it)
{
	const struct routed *r = it->r;

	switch (r->route) {
	case ROUTE_MANUAL:
	case ROUTE_ARCHIVE:
		/* deliver_file commits the group before the file is written. */
		if ((r->route == ROUTE_MANUAL ? deliver_manual(c, it) : deliver_archive(c, it)) ==
		    -1) {
			it->state = OUTBOX_FAILED;
			c->failed = true;
		}
		break;
	case ROUTE_PRINT:
	case ROUTE_PRINT_SKATTEVERKET:
		/* The batch draws it again; only its hash was needed. */
		if (it->state != OUTBOX_SENT && batch_add(c, r->route == ROUTE_PRINT ?
		    &c->print : &c->skv, it) == -1) {
			it->state = OUTBOX_FAILED;
			c->failed = true;
		}
		break;
	default:
		break;
	}
}

/* ---- the run ---- */

int
deliver_part(struct delivery *dv, const struct render *rd, const struct routed *routes, size_t n)
{
	struct ctx *c = (struct ctx *)dv;
	struct audit *a = c->a;
	struct item *items = xcalloc(n + 1, sizeof(*items));
	struct item *fbv = xcalloc(n + 1, sizeof(*fbv));
	struct routed *fallback = xcalloc(n + 1, sizeof(*fallback));
	struct item **digital = xcalloc(n + 1, sizeof(*digital));
	size_t nd = 0, nfb = 0, i, done;
	enum step step;

	c->rd = rd;
	/*
	 * Routes, documents and new outbox entries are committed in groups: they
	 * record decisions, not deliveries.  Every step that hands something over
	 * commits first, so what was sent is always durable before it is sent.
	 * One försändelse that fails does not stop the others.
	 */
	(void)audit_group_begin(a);
	for (i = 0; i < n; i++) {
		struct item *it = &items[i];

		/* Each försändelse is one decision of the group (audit.h). */
		if (i > 0) {
			(void)audit_group_next(a);
			(void)deliver_recorded(c);
		}
		if (c->log_lost) {
			/* Nothing more can be recorded, so nothing more is prepared. */
			c->failed = true;
			break;
		}
		if (routes[i].m != NULL && routes[i].route != ROUTE_HELD)
			progress_step(&c->prog);
		it->r = &routes[i];
		if ((step = item_prepare(c, it)) == STEP_ON && (step = item_earlier(c, it)) == STEP_ON)
			step = item_record(c, it);
		if (step == STEP_STOP) {
			c->failed = true;
			break;
		}
		if (step == STEP_NEXT)
			continue;
		if (it->r->route == ROUTE_DIGITAL) {
			digital[nd++] = it;
			continue;
		}
		item_hand_over(c, it);
		free(it->pdf);
		it->pdf = NULL;
	}
	done = i;
	(void)deliver_commit(c);
	if (nd > 0)
		deliver_digital(c, digital, nd, fbv, &nfb, fallback);
	for (i = 0; i < done; i++)
		settle_item(c, &items[i]);
	for (i = 0; i < nfb; i++)
		settle_item(c, &fbv[i]);
	for (i = 0; i < n; i++) {
		free(items[i].pdf);
		free(items[i].name);
		free(items[i].held_why);
		record_item_free(&items[i].ri);
	}
	for (i = 0; i < nfb; i++)
		free(fbv[i].name);
	free(items);
	free(fbv);
	free(fallback);
	free(digital);
	return 0;
}

int
deliver_end(struct delivery *dv, const struct render *rd, bool abandon)
{
	struct ctx *c = (struct ctx *)dv;
	struct send_result *res = c->res;
	char summary[256];
	size_t i;
	int rc = 0;

	c->rd = rd;
	progress_end(&c->prog);
	if (c->failed)
		rc = -1;
	if (abandon || !deliver_recorded(c)) {
		/* Nothing is handed over; what was recorded SENDING is sent again later. */
		res->log_failed = c->log_lost;
		rc = -1;
		goto out;
	}
	if (batch_finish(c, &c->print, res->batch_pdf, sizeof(res->batch_pdf)) == -1)
		rc = -1;
	if (batch_finish(c, &c->skv, res->skv_pdf, sizeof(res->skv_pdf)) == -1)
		rc = -1;
	res->batch_volumes = c->print.volumes;
	res->skv_volumes = c->skv.volumes;
	/* Volume by volume: one that did not go does not count the others failed. */
	res->sent += c->print.nsent + c->skv.nsent;
	res->failed += c->print.n - c->print.nsent + c->skv.n - c->skv.nsent;
	lista_write(c);
	res->log_failed = !deliver_recorded(c);
	snprintf(summary, sizeof(summary),
	    "{\"skickade\":%zu,\"redan_skickade\":%zu,\"halls\":%zu,\"misslyckade\":%zu}",
	    res->sent, res->already, res->held, res->failed);
	audit_batch_end(c->a, c->batch, summary);
out:
	batch_free(&c->print);
	batch_free(&c->skv);
	if (c->lista != NULL)
		fclose(c->lista);
	free(c->meeting);
	for (i = 0; i < c->n_asked; i++)
		free(c->asked[i].reason);
	free(c);
	return rc;
}

int64_t
deliver_batch(const struct delivery *dv)
{
	return ((const struct ctx *)dv)->batch;
}
