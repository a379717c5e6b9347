/*
 * deliver.c -- stage 5: `expediera send`; see deliver.h.
 *
 * Reads: the routed session; the outbox and audit log (audit.h).
 * Writes: print batches and manifests (the print folder, or SFTP; or the
 * batch to a CUPS queue, the manifest kept in the folder), hand-over
 * files per sender, archive copies with metadata, the expedieringslista
 * (PDF and CSV); every step as an audit event.
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <signal.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "deliver.h"
#include "file.h"
#include "json.h"
#include "print_cups.h"
#include "print_sftp.h"
#include "progress.h"
#include "record.h"
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

struct item {
	const struct routed *r;
	struct rec_keys k;       /* what finds it in the log again (record.h) */
	struct rec_item ri;      /* its paragraph's rättelse, its returns */
	char key[33];
	char id[128];
	unsigned char *pdf;
	size_t len;
	char sha[65];
	char *name;              /* file name of the försändelse */
	char postnummer[8];      /* digits, for sorting the print batch */
	size_t pages;
	enum outbox_state state; /* after this run */
	bool already;            /* sent by an earlier run */
	bool fell_back;          /* digital failed; a print item took over */
	bool waiting;            /* its paragraph waits for justering: not dispatched */
	char *held_why;          /* held without entering the outbox: why */
	char when[32];
	char earlier[20];        /* already: when it went out (local time), "" unknown */
	bool batched;            /* drawn into a print batch: its outcome comes at the end */
	size_t seq;              /* and its place in the batch, in the order drawn */
};

struct batch_ent {
	char postnummer[8];
	unsigned long nr;
	size_t index;
	size_t seq;              /* in the order drawn */
	size_t first, pages;     /* on the recorder, the blank page included */
	long off;                /* its record in the spool */
};

/*
 * A run's print batch (or its Skatteverket batch): every försändelse is
 * drawn on a recorder (pdf.h) as the parts come; at the end they are put in
 * postnummer order and cut into volumes of [print] volume försändelser, each
 * a PDF of its own, drawn from the recording, handed over and freed before
 * the next.
 */
struct batch {
	bool skatteverket;
	struct pdf *pdf;         /* the recorder */
	FILE *spool;             /* "id\tmanifest row\n" per försändelse */
	char *base;              /* "utskrift-MEETING-kN-RUNID" */
	struct batch_ent *v;
	size_t n, cap;
	unsigned char *sent;     /* by seq: 1 when its volume was handed over */
	size_t nsent, volumes;
	bool broken;             /* could not be drawn: nothing of it is handed over */
};

/* One run of send: what deliver_begin starts and deliver_end ends. */
struct ctx {
	const struct render *rd;    /* the part being delivered */
	struct audit *a;
	struct mailbox *mb;
	int64_t batch;
	char digest[65];
	FILE *err;
	struct send_result *res;
	struct batch print, skv;
	bool failed;                /* a delivery failed: deliver_end says so */
	bool log_lost;              /* the log refused a write: nothing more is handed over */
	char runid[17];             /* random, so no two runs of any two logs share a name */
	char *meeting;              /* "2026-11-18-socialnamndens-individutskott": every name's start */
	struct asked {              /* hand-overs asked about (handover_done) and the */
		char *reason;       /* answers: one question per batch, not per item */
		int answer;
		char err[256];
	} asked[4];
	size_t n_asked;
	bool answered_before;       /* the last handover_done came from such an answer */
	FILE *lista;                /* the expedieringslista's rows, spooled */
	struct progress prog;
};

/*
 * Fault injection for the tests of exactly-once delivery: with
 * EXPEDIERA_CRASH_AT=<point> the process kills itself with SIGKILL there, as
 * a power cut would.  The points sit between recording and doing.
 */
static void
crash_point(const char *point)
{
	const char *at = getenv("EXPEDIERA_CRASH_AT");

	if (at != NULL && strcmp(at, point) == 0)
		raise(SIGKILL);
}

/*
 * Durable before effect, in one place: every hand-over (a file into the
 * archive or hand-over folder, a digital delivery, a print batch to its
 * driver) asks recorded() first.  Once the log has refused a write, a commit
 * included, nothing more leaves the run: what it would hand over could not be
 * recorded, so a rerun would send it again.
 */
static bool
recorded(struct ctx *c)
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

/* Commits one level of the log's transaction; 0 when all is recorded. */
static int
commit(struct ctx *c)
{
	(void)audit_tx_commit(c->a);
	return recorded(c) ? 0 : -1;
}

/* ---- hashing ---- */

static void
hex(const unsigned char *d, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[2 * n] = '\0';
}

static void
sha256_hex(const void *buf, size_t len, char out[65])
{
	unsigned char d[32];
	unsigned int dl = 0;

	EVP_Digest(buf, len, d, &dl, EVP_sha256(), NULL);
	hex(d, 32, out);
}

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
		hex(d, 32, out);
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
	    record_item(a, &it->k, &it->ri) == -1)
		return -1;
	memcpy(it->key, it->ri.key, sizeof(it->key));
	return 0;
}

static void
now_text(char out[32])
{
	const char *fixed = getenv("EXPEDIERA_AUDIT_NOW");
	time_t t = time(NULL);
	struct tm tm;

	if (fixed != NULL && fixed[0] != '\0') {
		snprintf(out, 32, "%s", fixed);
		return;
	}
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* "Eva Exempel (19920715-****)", or the internal entry. */
static char *
who(const struct routed *r)
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
 * Whether the hand-over an earlier run recorded SENDING with reason was done:
 * 1 done, 0 not (send it again), -1 cannot tell now (the print server does
 * not answer): then it is neither sent again nor counted sent.
 */
static int
handover_done(struct ctx *c, const char *reason, char *err, size_t errlen)
{
	const struct config *cfg = c->rd->cfg;
	const char *bar;
	char *name;
	size_t k;
	int rc;

	if (strncmp(reason, "fil:", 4) == 0)
		return access(reason + 4, F_OK) == 0;
	if ((strncmp(reason, "sftp:", 5) != 0 && strncmp(reason, "cups:", 5) != 0) ||
	    (bar = strchr(reason, '|')) == NULL)
		return 0;
	/* A batch's försändelser share the reason: the print house is asked once. */
	for (k = 0; k < c->n_asked; k++)
		if (strcmp(c->asked[k].reason, reason) == 0) {
			c->answered_before = true;
			snprintf(err, errlen, "%s", c->asked[k].err);
			return c->asked[k].answer;
		}
	c->answered_before = false;
	name = xstrndup(reason + 5, (size_t)(bar - (reason + 5)));
	if (reason[0] == 's') {
		struct sftp_target t = {cfg->print_sftp_url, cfg->print_sftp_user,
		    cfg->print_sftp_key, cfg->print_sftp_host_key};

		rc = print_sftp_exists(&t, name, err, errlen);
	} else
		rc = print_cups_find(cfg->print_cups_queue, name, config_print_timeout(cfg), err,
		    errlen);
	free(name);
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
		int done;

		if (p->state == OUTBOX_SENT) {
			out = PRIOR_SENT;
			continue;
		}
		if (p->state != OUTBOX_SENDING)
			continue;
		done = handover_done(c, why, err, sizeof(err));
		if (done == 1) {
			if (outbox_set(c->a, c->batch, p->id, OUTBOX_SENT,
				strncmp(why, "fil:", 4) == 0 ? "återställd efter avbrott: filen fanns" :
				strncmp(why, "sftp:", 5) == 0 ?
				"återställd efter avbrott: filen fanns hos tryckeriet" :
				"återställd efter avbrott: jobbet fanns i CUPS-kön") == 0)
				out = PRIOR_SENT;
		} else if (done == -1) {
			if (!c->answered_before)
				fprintf(c->err, "expediera: en tidigare överlämning kunde inte bekräftas "
				    "(%s); den skickas inte igen förrän det går att se om den kom fram\n",
				    err);
			if (out != PRIOR_SENT)
				out = PRIOR_UNKNOWN;
		} else {
			/* A manifest without its batch is not a batch: remove it. */
			const char *f = strncmp(why, "fil:", 4) == 0 ? why + 4 : NULL;

			if (f != NULL && strlen(f) > 4 && strcmp(f + strlen(f) - 4, ".pdf") == 0) {
				char *m = xasprintf("%.*s.csv", (int)strlen(f) - 4, f);

				unlink(m);
				free(m);
			}
			outbox_set(c->a, c->batch, p->id, OUTBOX_FAILED,
			    "avbruten körning; skickas igen");
		}
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
		audit_event(c->a, c->batch, "finding", NULL, p);
		free(p);
	}
}

static void
log_item(struct ctx *c, const struct item *it, const char *kind, const char *extra)
{
	char *p, *w = who(it->r);
	size_t len;
	FILE *fp = open_memstream(&p, &len);

	if (fp == NULL) {
		free(w);
		return;
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
	fclose(fp);
	audit_event(c->a, c->batch, kind, it->id, p);
	free(p);
	free(w);
}

/* ---- one försändelse at a time: hand-over and archive ---- */

static int
add_to_outbox(struct ctx *c, struct item *it)
{
	struct outbox_item ob = {it->id, c->digest, (long)it->r->p->nr, it->key,
	    route_names[it->r->route], it->sha};

	if (outbox_add(c->a, c->batch, &ob, &it->state) == -1) {
		fprintf(c->err, "expediera: § %lu: %s\n", it->r->p->nr, audit_error(c->a));
		return -1;
	}
	return 0;
}

/* SENDING (naming the file), write it, SENT. */
static int
deliver_file(struct ctx *c, struct item *it, const char *dir, const char *name,
    const void *extra, size_t extralen, const char *extraname)
{
	char *path = xasprintf("%s/%s", dir, name), *reason = xasprintf("fil:%s", path);
	int rc = -1;

	if (file_mkdirs(dir) == -1) {
		fprintf(c->err, "expediera: kan inte skapa %s: %s\n", dir, strerror(errno));
		goto out;
	}
	if (outbox_set(c->a, c->batch, it->id, OUTBOX_SENDING, reason) == -1 || !recorded(c)) {
		if (!c->log_lost)
			fprintf(c->err, "expediera: %s\n", audit_error(c->a));
		goto out;
	}
	crash_point("file-sending");
	if ((extra != NULL && file_write_new(dir, extraname, extra, extralen) == -1) ||
	    file_write_new(dir, name, it->pdf, it->len) == -1) {
		fprintf(c->err, "expediera: kan inte skriva %s: %s\n", path, strerror(errno));
		outbox_set(c->a, c->batch, it->id, OUTBOX_FAILED, "filen kunde inte skrivas");
		it->state = OUTBOX_FAILED;
		goto out;
	}
	crash_point("file-written");
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

static void
slug(char *out, size_t n, const char *s)
{
	size_t o = 0;

	for (; *s != '\0' && o + 1 < n; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))
			out[o++] = (char)ch;
		else if (ch >= 'A' && ch <= 'Z')
			out[o++] = (char)(ch - 'A' + 'a');
		else if (ch == 0xc3 && s[1] != '\0') {
			unsigned char c2 = (unsigned char)s[1];

			out[o++] = (c2 == 0xa5 || c2 == 0xa4 || c2 == 0x85 || c2 == 0x84) ? 'a' :
			    (c2 == 0xb6 || c2 == 0x96) ? 'o' : (c2 == 0xa9 || c2 == 0x89) ? 'e' : '-';
			s++;
		} else if (o > 0 && out[o - 1] != '-')
			out[o++] = '-';
	}
	while (o > 0 && out[o - 1] == '-')
		o--;
	out[o] = '\0';
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

	slug(who_slug, sizeof(who_slug), it->r->fb->avsandare);
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

	slug(entry, sizeof(entry), it->r->internal);
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

/* ---- the print batches ---- */

/*
 * A print batch is drawn while the run goes, one försändelse after the
 * other as the parts come, onto a recorder (pdf.h); only at the end, when
 * every försändelse of the run is known, are they put in postnummer order,
 * the manifest written, and the volumes drawn from the recording one at a
 * time, renamed and handed over.  Memory holds a few numbers per
 * försändelse and one volume; the rest (the drawing, each one's id and
 * manifest row) waits in spool files.
 */
static int
cmp_ent(const void *a, const void *b)
{
	const struct batch_ent *x = a, *y = b;
	int c = strcmp(x->postnummer, y->postnummer);

	if (c != 0)
		return c;
	if (x->nr != y->nr)
		return x->nr < y->nr ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/*
 * A CSV field, quoted when it must be (RFC 4180).  One that a spreadsheet
 * would take for a formula (=, +, -, @, a tab or a carriage return first) gets
 * a ' before it, so a name on a försättsblad never runs in a print house's or
 * an archivist's spreadsheet.
 */
static void
csv(FILE *fp, const char *s, bool last)
{
	bool formula;

	if (s == NULL)
		s = "";
	formula = strchr("=+-@\t\r", s[0]) != NULL && s[0] != '\0';
	if (formula || strpbrk(s, ",\"\n\r") != NULL) {
		putc('"', fp);
		if (formula)
			putc('\'', fp);
		for (; *s != '\0'; s++) {
			if (*s == '"')
				putc('"', fp);
			putc(*s, fp);
		}
		putc('"', fp);
	} else
		fputs(s, fp);
	putc(last ? '\n' : ',', fp);
}

/*
 * Hands a volume written to the print folder to the configured driver: the
 * folder itself (nothing more to do), SFTP to a print house (its manifest,
 * then the volume), or a CUPS queue (the volume; the manifest stays in the
 * folder).
 */
static int
hand_over(const struct config *cfg, const char *path, const char *name, const char *mname,
    char *err, size_t errlen)
{
	int rc = 0;

	if (strcmp(cfg->print_driver, "sftp") == 0) {
		struct sftp_target t = {cfg->print_sftp_url, cfg->print_sftp_user,
		    cfg->print_sftp_key, cfg->print_sftp_host_key};
		char *mpath = xasprintf("%s/%s", cfg->print_folder, mname);

		if (print_sftp_upload(&t, mpath, mname, err, errlen) == -1 ||
		    print_sftp_upload(&t, path, name, err, errlen) == -1)
			rc = -1;
		free(mpath);
	} else if (strcmp(cfg->print_driver, "cups") == 0) {
		if (cfg->print_cups_queue == NULL) {
			snprintf(err, errlen, "driver = cups men [print] cups_queue saknas");
			rc = -1;
		} else if (print_cups_file(cfg->print_cups_queue, path, name,
		    config_print_timeout(cfg), err, errlen) == -1)
			rc = -1;
	}
	return rc;
}

/*
 * What a batch's försändelser are SENDING with: where the proof of the
 * hand-over will be, so that a later run can tell a batch that reached the
 * print house from one that did not.  For the folder the file in it is the
 * hand-over; for SFTP the remote name, which appears only when the upload is
 * whole; for CUPS a job with the batch's name (unique per run).
 */
static char *
handover_reason(const struct config *cfg, const char *path, const char *name)
{
	if (strcmp(cfg->print_driver, "sftp") == 0)
		return xasprintf("sftp:%s|%s", name, path);
	if (strcmp(cfg->print_driver, "cups") == 0)
		return xasprintf("cups:%s|%s", name, path);
	return xasprintf("fil:%s", path);
}

/* A spool: an unnamed temporary file (mode 0600, gone when closed). */
static FILE *
spool_open(void)
{
	return tmpfile();
}

/* Opens the batch when its first försändelse comes: its recorder and spool. */
static int
batch_open(struct ctx *c, struct batch *b)
{
	char err[256];

	b->base = xasprintf("%s-%s-k%lld-%s", b->skatteverket ? "skatteverket" : "utskrift",
	    c->meeting, (long long)c->batch, c->runid);
	if ((b->spool = spool_open()) == NULL) {
		fprintf(c->err, "expediera: kan inte skapa en tillfällig fil: %s\n", strerror(errno));
		b->broken = true;
		return -1;
	}
	if ((b->pdf = pdf_new_recorder(c->rd->fontdir, err, sizeof(err))) == NULL) {
		fprintf(c->err, "expediera: %s\n", err);
		b->broken = true;
		return -1;
	}
	return 0;
}

/*
 * What the log adds to an item's document: the id its delgivningskvitto
 * names, and for a rättelse the sending it replaces.  The same for the
 * rendering that hashes it and the batch that prints it.
 */
static void
item_mark(const struct item *it, char sid[15], struct render_mark *mark)
{
	record_short_id(it->key, sid);
	mark->forsandelse = sid;
	mark->ersatter = it->ri.gen > 0 && it->ri.ersatter[0] != '\0' ? it->ri.ersatter : NULL;
	mark->orsak = it->ri.gen > 0 ? it->ri.orsak : NULL;
}

/*
 * Draws one försändelse into its batch, with the instruction sheet for
 * Skatteverket and a blank page after an odd one (each starts on a new sheet
 * of a duplex print), and records it SENDING with the batch's file: the
 * file does not exist until the batch is handed over at the end.
 */
static int
batch_add(struct ctx *c, struct batch *b, struct item *it)
{
	const struct render *rd = c->rd;
	const struct routed *r = it->r;
	bool rek = r->m->kanal == KANAL_REKOMMENDERAT;
	struct batch_ent *e;
	struct render_mark mark;
	char err[256], pages[16], sid[15];
	size_t before;

	if (b->broken || (b->pdf == NULL && batch_open(c, b) == -1))
		return -1;
	before = pdf_page_count(b->pdf);
	if (b->skatteverket)
		render_skatteverket_sheet(rd, b->pdf, r->p, r->m, rek);
	item_mark(it, sid, &mark);
	if (render_forsandelse_pages(rd, b->pdf, r->p, r->fb, r->m, &mark, err,
		sizeof(err)) == -1) {
		fprintf(c->err, "expediera: § %lu: %s\n", r->p->nr, err);
		b->broken = true;
		return -1;
	}
	it->pages = pdf_page_count(b->pdf) - before;
	if (it->pages % 2 == 1)
		pdf_add_page(b->pdf);
	if (pdf_flush(b->pdf) == -1) {
		fprintf(c->err, "expediera: %s: %s\n", b->base, pdf_error(b->pdf));
		b->broken = true;
		return -1;
	}
	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 256;
		b->v = xreallocarray(b->v, b->cap, sizeof(*b->v));
	}
	e = &b->v[b->n++];
	memcpy(e->postnummer, it->postnummer, sizeof(e->postnummer));
	e->nr = r->p->nr;
	e->index = r->index;
	e->seq = b->n - 1;
	e->first = before;
	e->pages = pdf_page_count(b->pdf) - before;
	e->off = ftell(b->spool);
	snprintf(pages, sizeof(pages), "%zu", it->pages);
	fprintf(b->spool, "%s\t", it->id);
	csv(b->spool, it->name, false);
	/* The print house never learns a protected person's name. */
	csv(b->spool, b->skatteverket ? "(skyddad identitet)" : r->m->namn, false);
	csv(b->spool, b->skatteverket ? "" : r->m->adresser[0].postnummer, false);
	csv(b->spool, pages, false);
	csv(b->spool, it->sha, false);
	/* the volume's name comes last, at the end of the run */
	csv(b->spool, rek ? "ja" : "nej", false);
	fputc('\n', b->spool);
	/* It stays PENDING until its volume is written: SENDING names the file. */
	it->batched = true;
	it->seq = e->seq;
	return 0;
}

/* The id of entry e, from its spool row (malloc'd), or NULL. */
static char *
ent_id(struct batch *b, const struct batch_ent *e, char **row)
{
	char *line = NULL, *tab;
	size_t cap = 0;

	if (fseek(b->spool, e->off, SEEK_SET) == -1 || getline(&line, &cap, b->spool) <= 0 ||
	    (tab = strchr(line, '\t')) == NULL) {
		free(line);
		return NULL;
	}
	*tab = '\0';
	if (row != NULL)
		*row = tab + 1;
	return line;
}

/* Moves entries [from, to) of the batch to state, in commits of a few hundred. */
static void
batch_set(struct ctx *c, struct batch *b, size_t from, size_t to, enum outbox_state state,
    const char *reason)
{
	size_t i;
	char *id;

	audit_tx_begin(c->a);
	for (i = from; i < to; i++) {
		if ((id = ent_id(b, &b->v[i], NULL)) == NULL)
			continue;
		outbox_set(c->a, c->batch, id, state, reason);
		free(id);
		if ((i - from + 1) % 256 == 0) {
			commit(c);
			audit_tx_begin(c->a);
		}
	}
	commit(c);
}

/* Volume k's file name (ext "pdf" or "csv"): the batch's own when there is one volume. */
static char *
volume_name(const struct batch *b, size_t k, const char *ext)
{
	return b->volumes == 1 ? xasprintf("%s.%s", b->base, ext) :
	    xasprintf("%s-v%03zu.%s", b->base, k + 1, ext);
}

/*
 * Volume k's manifest: a row for each of its försändelser, naming the
 * volume in its last column, so that the manifests of a run's volumes read
 * as one list.  0, or -1 with *m discarded.
 */
static int
volume_manifest(struct ctx *c, struct batch *b, size_t from, size_t to, const char *name,
    const char *mname, struct file_tmp *m)
{
	const struct render *rd = c->rd;
	char *id, *row;
	size_t i, len;

	if (file_create(m, rd->cfg->print_folder, mname) == -1) {
		fprintf(c->err, "expediera: kan inte skriva %s/%s: %s\n", rd->cfg->print_folder,
		    mname, strerror(errno));
		return -1;
	}
	fputs("forsandelse,namn,postnummer,sidor,sha256,rekommenderat,volym\n", m->fp);
	for (i = from; i < to; i++) {
		if ((id = ent_id(b, &b->v[i], &row)) == NULL) {
			fprintf(c->err, "expediera: den tillfälliga filen för %s kunde inte läsas\n",
			    name);
			file_discard(m);
			return -1;
		}
		if ((len = strlen(row)) > 0 && row[len - 1] == '\n')
			row[len - 1] = '\0';
		fputs(row, m->fp);
		csv(m->fp, name, true);
		free(id);
	}
	return 0;
}

/*
 * One volume: entries [from, to) (in postnummer order) SENDING with the
 * file that will prove its hand-over, drawn from the recording into a PDF
 * of its own under a temporary name, its manifest written, both renamed
 * into the print folder (manifest first) and handed to the driver; then
 * SENT.  0, or -1 when it was not handed over (the next run sends its
 * försändelser again).
 */
static int
volume_finish(struct ctx *c, struct batch *b, size_t k, size_t from, size_t to)
{
	const struct render *rd = c->rd;
	const struct session *s = rd->s;
	struct pdf_meta meta;
	struct file_tmp out, m;
	struct pdf *vol = NULL;
	char date[11], when[24], err[256], *name = volume_name(b, k, "pdf"), *seed;
	char *mname = volume_name(b, k, "csv");
	char *path = xasprintf("%s/%s", rd->cfg->print_folder, name);
	char *reason = handover_reason(rd->cfg, path, name);
	size_t i;
	int rc = -1;

	memset(&out, 0, sizeof(out));
	memset(&m, 0, sizeof(m));
	batch_set(c, b, from, to, OUTBOX_SENDING, reason);
	if (!recorded(c))
		goto out;
	if (file_create(&out, rd->cfg->print_folder, name) == -1) {
		fprintf(c->err, "expediera: kan inte skriva %s: %s\n", path, strerror(errno));
		goto failed;
	}
	ymd_format(&s->protokoll.sammantradesdatum, date);
	seed = xasprintf("batch|%s|%lld|%d|%zu", date, (long long)c->batch, b->skatteverket, k);
	memset(&meta, 0, sizeof(meta));
	meta.title = b->skatteverket ? "Utskrift via Skatteverket" : "Utskrift";
	meta.author = rd->cfg->org_name != NULL ? rd->cfg->org_name : s->protokoll.kommun;
	meta.language = "sv-SE";
	snprintf(when, sizeof(when), "%sT00:00:00", date);
	meta.date = when;
	meta.id_seed = seed;
	meta.id_seed_len = strlen(seed);
	vol = pdf_new_stream(rd->fontdir, &meta, out.fp, err, sizeof(err));
	free(seed);
	if (vol == NULL) {
		fprintf(c->err, "expediera: %s\n", err);
		goto failed;
	}
	for (i = from; i < to; i++)
		if (pdf_replay(b->pdf, b->v[i].first, b->v[i].pages, vol) == -1)
			break;
	if (i < to || pdf_finish_stream(vol) == -1) {
		fprintf(c->err, "expediera: %s: %s\n", path, pdf_error(vol));
		goto failed;
	}
	if (volume_manifest(c, b, from, to, name, mname, &m) == -1)
		goto failed;
	crash_point("batch-sending");
	if (file_commit_new(&m) == -1) {
		fprintf(c->err, "expediera: kan inte skriva %s/%s: %s\n", rd->cfg->print_folder,
		    mname, strerror(errno));
		goto failed;
	}
	if (file_commit_new(&out) == -1) {
		/* A manifest without its volume is no hand-over. */
		char *mpath = xasprintf("%s/%s", rd->cfg->print_folder, mname);

		fprintf(c->err, "expediera: kan inte skriva %s: %s\n", path, strerror(errno));
		unlink(mpath);
		free(mpath);
		goto failed;
	}
	crash_point("batch-handover");
	if (hand_over(rd->cfg, path, name, mname, err, sizeof(err)) == -1) {
		fprintf(c->err, "expediera: %s\n", err);
		/* Not at the printer: the next run sends these again. */
		unlink(path);
		batch_set(c, b, from, to, OUTBOX_FAILED, err);
		goto out;
	}
	crash_point("batch-written");
	batch_set(c, b, from, to, OUTBOX_SENT, NULL);
	for (i = from; i < to; i++)
		b->sent[b->v[i].seq] = 1;
	b->nsent += to - from;
	rc = 0;
	goto out;
failed:
	file_discard(&m);
	file_discard(&out);
	batch_set(c, b, from, to, OUTBOX_FAILED, "utskriftsfilen kunde inte skrivas");
out:
	pdf_free(vol);
	free(name);
	free(mname);
	free(path);
	free(reason);
	return rc;
}

/*
 * Ends a batch: the försändelser in postnummer order across the whole run,
 * cut into volumes of [print] volume, each written and handed over with its
 * manifest before the next is drawn.  A volume that is not handed over does
 * not stop the next.  out names the first volume that went.  0 when every
 * volume went, else -1.
 */
static int
batch_finish(struct ctx *c, struct batch *b, char *out, size_t outlen)
{
	const struct render *rd = c->rd;
	size_t per = config_print_volume(rd->cfg), k;
	char *name;
	int rc = 0;

	if (b->n == 0 && !b->broken)
		return 0;
	b->sent = xcalloc(b->n > 0 ? b->n : 1, 1);
	if (b->broken) {
		batch_set(c, b, 0, b->n, OUTBOX_FAILED, "utskriftsfilen kunde inte skrivas");
		return -1;
	}
	qsort(b->v, b->n, sizeof(*b->v), cmp_ent);
	b->volumes = (b->n + per - 1) / per;
	if (file_mkdirs(rd->cfg->print_folder) == -1) {
		fprintf(c->err, "expediera: kan inte skapa %s: %s\n", rd->cfg->print_folder,
		    strerror(errno));
		batch_set(c, b, 0, b->n, OUTBOX_FAILED, "utskriftsmappen kunde inte skapas");
		return -1;
	}
	for (k = 0; k < b->volumes; k++) {
		size_t from = k * per, to = from + per < b->n ? from + per : b->n;

		if (volume_finish(c, b, k, from, to) == -1)
			rc = -1;
		else if (out[0] == '\0') {
			name = volume_name(b, k, "pdf");
			snprintf(out, outlen, "%s/%s", rd->cfg->print_folder, name);
			free(name);
		}
	}
	return rc;
}

static void
batch_free(struct batch *b)
{
	pdf_free(b->pdf);
	if (b->spool != NULL)
		fclose(b->spool);
	free(b->v);
	free(b->sent);
	free(b->base);
}

/* ---- the expedieringslista ---- */

/*
 * One row a försändelse, spooled as the run goes: "mark\tparagraf\tdnr\t
 * mottagare\troll\troute\tstate\twhen\tsha256\tpostort\treason\n", where
 * mark P or S and a number says the state is that of the print or
 * Skatteverket batch's försändelse with that seq, known at the end.  Tabs and line breaks within a field are written as spaces.
 */
static void
spool_field(FILE *fp, const char *s, char end)
{
	for (; s != NULL && *s != '\0'; s++)
		fputc(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s, fp);
	fputc(end, fp);
}

/*
 * What the row says happened, in words for the protocol's file: an archive
 * copy is arkiverad, a försändelse left in another sender's folder is
 * överlämnad (it is not sent until that sender sends it), and one sent by an
 * earlier run is that, with that run's time and document.
 */
static const char *
lista_state(const struct item *it, const char **reason)
{
	*reason = NULL;
	if (it->state == OUTBOX_HELD) {
		*reason = it->held_why != NULL ? it->held_why : it->already ?
		    "överlämningen i en tidigare körning kunde inte bekräftas" : it->r->reason;
		return "hålls";
	}
	if (it->state == OUTBOX_FAILED) {
		*reason = it->fell_back ? "digital post misslyckades; skickas med post" :
		    "se expediera status";
		return "misslyckades";
	}
	if (it->state != OUTBOX_SENT)
		return outbox_state_name(it->state);
	if (it->already)
		return it->r->route == ROUTE_ARCHIVE ? "arkiverad tidigare" :
		    it->r->route == ROUTE_MANUAL ? "överlämnad tidigare" : "skickad tidigare";
	return it->r->route == ROUTE_ARCHIVE ? "arkiverad" :
	    it->r->route == ROUTE_MANUAL ? "överlämnad" : "skickad";
}

static void
lista_row(struct ctx *c, const struct item *it, char mark)
{
	const struct mottagare *m = it->r->m;
	char *w = who(it->r), when[20];
	const char *reason, *state = lista_state(it, &reason);
	const char *postort = m == NULL ? NULL : m->skyddad ? "skyddad" :
	    it->r->route == ROUTE_DIGITAL || m->n_adresser == 0 ? NULL : m->adresser[0].postort;

	if (c->lista == NULL && (c->lista = spool_open()) == NULL) {
		free(w);
		return;
	}
	if (it->already)
		snprintf(when, sizeof(when), "%s", it->earlier);
	else
		record_local_time(it->when, when);
	if (mark == '-')
		fprintf(c->lista, "-\t%lu\t", it->r->p->nr);
	else
		fprintf(c->lista, "%c%zu\t%lu\t", mark, it->seq, it->r->p->nr);
	spool_field(c->lista, it->r->p->dnr, '\t');
	spool_field(c->lista, w, '\t');
	spool_field(c->lista, it->r->internal != NULL ? "Intern" : roll_labels[m->roll], '\t');
	spool_field(c->lista, route_labels[it->r->route], '\t');
	spool_field(c->lista, state, '\t');
	spool_field(c->lista, when, '\t');
	spool_field(c->lista, it->sha, '\t');
	spool_field(c->lista, postort, '\t');
	spool_field(c->lista, reason, '\n');
	free(w);
}

/* The spool's rows, one at a time, for the CSV and the PDF. */
struct lista_reader {
	struct ctx *c;
	char *line;
	size_t cap;
};

/* Row i of the spool (read in order; i 0 starts again), 1, or 0 at its end. */
static int
lista_next(void *arg, size_t i, struct lista_rad *row)
{
	struct lista_reader *lr = arg;
	char *f[11], *p;
	ssize_t len;
	size_t k;

	if (lr->c->lista == NULL)
		return 0;
	if (i == 0)
		rewind(lr->c->lista);
	for (;;) {
		if ((len = getline(&lr->line, &lr->cap, lr->c->lista)) <= 0)
			return 0;
		lr->line[len - 1] = '\0';
		for (k = 0, p = lr->line; k < 11; k++) {
			f[k] = p;
			if ((p = strchr(p, '\t')) == NULL)
				break;
			*p++ = '\0';
		}
		if (k == 10)
			break;
	}
	row->paragraf = strtoul(f[1], NULL, 10);
	row->dnr = f[2][0] ? f[2] : NULL;
	row->mottagare = f[3];
	row->roll = f[4];
	row->route = f[5];
	if (f[0][0] == 'P' || f[0][0] == 'S') {
		const struct batch *b = f[0][0] == 'P' ? &lr->c->print : &lr->c->skv;
		size_t seq = strtoul(f[0] + 1, NULL, 10);

		row->state = b->sent != NULL && seq < b->n && b->sent[seq] ? "skickad" :
		    "misslyckades";
	} else
		row->state = f[6];
	row->when = f[7];
	row->sha256 = f[8][0] ? f[8] : NULL;
	row->postort = f[9][0] ? f[9] : NULL;
	row->reason = f[10][0] ? f[10] : NULL;
	/* A batch that was not handed over: the run's errors say why. */
	if ((f[0][0] == 'P' || f[0][0] == 'S') && strcmp(row->state, "misslyckades") == 0)
		row->reason = "utskriftsfilen kunde inte lämnas över; se felen från körningen";
	return 1;
}

/* The expedieringslista, CSV and PDF, from the spooled rows; the batches' states now known. */
static void
write_lista(struct ctx *c)
{
	const struct session *s = c->rd->s;
	struct lista_reader lr = {c, NULL, 0};
	struct lista_rad row;
	struct file_tmp t;
	char date[11], *base, *title, *cname, *pname, err[256], nr[24], *head = NULL;
	size_t i, n, k, parts, per;

	ymd_format(&s->protokoll.sammantradesdatum, date);
	base = xasprintf("expedieringslista-%s-k%lld-%s", c->meeting, (long long)c->batch, c->runid);
	title = xasprintf("%s, %s, körning %lld", s->protokoll.organ, date, (long long)c->batch);
	cname = xasprintf("%s.csv", base);
	pname = xasprintf("%s.pdf", base);
	snprintf(c->res->lista_csv, sizeof(c->res->lista_csv), "%s/%s",
	    c->rd->cfg->archive_folder, cname);
	snprintf(c->res->lista_pdf, sizeof(c->res->lista_pdf), "%s/%s",
	    c->rd->cfg->archive_folder, pname);
	memset(&t, 0, sizeof(t));
	if (file_mkdirs(c->rd->cfg->archive_folder) == -1 ||
	    file_create(&t, c->rd->cfg->archive_folder, cname) == -1) {
		fprintf(c->err, "expediera: kan inte skriva %s: %s\n", c->res->lista_csv,
		    strerror(errno));
		c->res->lista_csv[0] = c->res->lista_pdf[0] = '\0';
		goto out;
	}
	fputs("paragraf,dnr,mottagare,roll,vag,status,tid,sha256,postort,orsak\n", t.fp);
	for (i = 0; lista_next(&lr, i, &row) == 1; i++) {
		snprintf(nr, sizeof(nr), "%lu", row.paragraf);
		csv(t.fp, nr, false);
		csv(t.fp, row.dnr, false);
		csv(t.fp, row.mottagare, false);
		csv(t.fp, row.roll, false);
		csv(t.fp, row.route, false);
		csv(t.fp, row.state, false);
		csv(t.fp, row.when, false);
		csv(t.fp, row.sha256, false);
		csv(t.fp, row.postort, false);
		csv(t.fp, row.reason, true);
	}
	if (file_commit_new(&t) == -1) {
		fprintf(c->err, "expediera: kan inte skriva %s: %s\n", c->res->lista_csv,
		    strerror(errno));
		c->res->lista_csv[0] = '\0';
	}
	{
		int64_t rows;
		char hash[65];

		if (audit_head(c->a, &rows, hash) == 0)
			head = xasprintf("%lld:%s", (long long)rows, hash);
	}
	/* A long run's list comes in parts (render.h): one in memory at a time.
	 * EXPEDIERA_LISTA_RADER sets the rows of a part, for the tests. */
	n = i;
	per = getenv("EXPEDIERA_LISTA_RADER") != NULL ?
	    strtoul(getenv("EXPEDIERA_LISTA_RADER"), NULL, 10) : LISTA_RADER;
	if (per == 0)
		per = LISTA_RADER;
	parts = n > 0 ? (n + per - 1) / per : 1;
	c->res->lista_parts = parts;
	for (k = 0; k < parts; k++) {
		struct lista_del del = {k * per, per, k + 1 == parts};
		char *name = parts == 1 ? xstrdup(pname) :
		    xasprintf("%s-del%03zu.pdf", base, k + 1);
		char *ptitle = parts == 1 ? xstrdup(title) :
		    xasprintf("%s, del %zu av %zu", title, k + 1, parts);
		char *path = xasprintf("%s/%s", c->rd->cfg->archive_folder, name);
		int ok = 0;

		if (file_create(&t, c->rd->cfg->archive_folder, name) == -1)
			fprintf(c->err, "expediera: kan inte skriva %s: %s\n", path, strerror(errno));
		else if (render_lista_stream(c->rd, ptitle, head, lista_next, &lr, &del, t.fp, err,
		    sizeof(err)) == -1) {
			fprintf(c->err, "expediera: expedieringslistan: %s\n", err);
			file_discard(&t);
		} else if (file_commit_new(&t) == -1)
			fprintf(c->err, "expediera: kan inte skriva %s: %s\n", path, strerror(errno));
		else
			ok = 1;
		if (k == 0)
			snprintf(c->res->lista_pdf, sizeof(c->res->lista_pdf), "%s", ok ? path : "");
		else if (!ok)
			c->res->lista_pdf[0] = '\0';
		free(name);
		free(ptitle);
		free(path);
	}
out:
	file_discard(&t);
	free(lr.line);
	free(base);
	free(head);
	free(title);
	free(cname);
	free(pname);
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
	audit_event(c->a, c->batch, "attempt", it->id, data);
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

	audit_tx_begin(c->a);
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
	if (commit(c) == -1) {
		/* Not recorded SENDING: nothing is delivered, nothing is claimed. */
		for (i = 0; i < n; i++)
			v[i]->state = OUTBOX_FAILED;
		free(jobs);
		return;
	}
	crash_point("digital-sending");
	/*
	 * The attempts' events and the outcomes in one commit: each försändelse
	 * was SENDING, with its message Id, before the first attempt, so a run
	 * stopped here delivers it again under the same Id (the operator keeps
	 * one) and loses nothing but the record of the attempts.
	 */
	audit_tx_begin(c->a);
	mailbox_deliver(c->mb, jobs, n, on_attempt, c);
	audit_tx_begin(c->a);
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
		log_item(c, fb, "route", NULL);
		if (add_to_outbox(c, fb) == 0 && fb->state != OUTBOX_SENT &&
		    batch_add(c, fb->r->route == ROUTE_PRINT ? &c->print : &c->skv, fb) == -1)
			fb->state = OUTBOX_FAILED;
	}
	commit(c);
	commit(c);
	free(jobs);
}

/* ---- the run ---- */

static int
render_item(struct ctx *c, struct item *it)
{
	struct render_mark mark;
	char err[256], sid[15];
	int rc;

	item_mark(it, sid, &mark);
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
	sha256_hex(it->pdf, it->len, it->sha);
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
	c->rd = rd;
	c->a = a;
	c->mb = mb;
	c->err = err;
	c->res = res;
	c->print.skatteverket = false;
	c->skv.skatteverket = true;
	{
		unsigned char r[8];
		char date[11], organ[64];

		if (RAND_bytes(r, sizeof(r)) != 1) {
			fprintf(err, "expediera: kan inte ta fram ett körnings-id\n");
			free(c);
			return NULL;
		}
		hex(r, sizeof(r), c->runid);
		ymd_format(&rd->s->protokoll.sammantradesdatum, date);
		slug(organ, sizeof(organ), rd->s->protokoll.organ != NULL ? rd->s->protokoll.organ : "");
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
	audit_tx_begin(a);
	log_findings(c, rd->s);
	commit(c);
	progress_start(&c->prog, "försändelser", expected);
	return (struct delivery *)c;
}

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
	int rc = 0;

	c->rd = rd;
	/*
	 * Routes, documents and new outbox entries are committed in groups: they
	 * record decisions, not deliveries.  Every step that hands something over
	 * commits first, so what was sent is always durable before it is sent.
	 */
	audit_tx_begin(a);
	for (i = 0; i < n; i++) {
		struct item *it = &items[i];
		const struct routed *r = &routes[i];

		if (c->log_lost) {
			/* Nothing more can be recorded, so nothing more is prepared. */
			rc = -1;
			break;
		}
		if (r->m != NULL && r->route != ROUTE_HELD)
			progress_step(&c->prog);
		if (i > 0 && i % audit_group_size(a) == 0) {
			commit(c);
			audit_tx_begin(a);
		}
		it->r = r;
		if (r->p->waiting) {
			/* Not dispatched, so not in the outbox: a later run sends it. */
			it->waiting = true;
			if (r->m != NULL)
				c->res->waiting++;
			continue;
		}
		if (item_key(a, rd->s, it) == -1) {
			fprintf(c->err, "expediera: %s; inget skickas\n", audit_error(a));
			rc = -1;
			break;
		}
		now_text(it->when);
		if (r->internal == NULL) {
			char *base = render_filename(r->p, r->index, r->m), *dot = strrchr(base, '.');
			char gen[48];

			generation(it, gen, sizeof(gen));
			if (dot != NULL)
				*dot = '\0';
			it->name = xasprintf("%s-%s%s%s", c->meeting, base, gen, dot != NULL ? ".pdf" : "");
			free(base);
		}
		if (r->m != NULL && r->m->n_adresser > 0 && r->m->adresser[0].postnummer != NULL) {
			size_t k, o = 0;

			for (k = 0; r->m->adresser[0].postnummer[k] != '\0' && o < 7; k++)
				if (r->m->adresser[0].postnummer[k] >= '0' &&
				    r->m->adresser[0].postnummer[k] <= '9')
					it->postnummer[o++] = r->m->adresser[0].postnummer[k];
		}
		/* One worker per försändelse: another that holds it sends it. */
		{
			int claim = outbox_claim(a, it->key);

			if (claim == -1) {
				fprintf(c->err, "expediera: %s; inget skickas\n", audit_error(a));
				rc = -1;
				break;
			}
			if (claim == 0) {
				it->waiting = true;
				c->res->other++;
				continue;
			}
		}
		switch (settle_prior(c, it->key)) {
		case PRIOR_SENT:
			it->already = true;
			it->state = OUTBOX_SENT;
			snprintf(it->id, sizeof(it->id), "%s", it->key);
			log_item(c, it, "route", "redan skickad i en tidigare körning");
			c->res->already++;
			/* The lista shows that sending's own time and document. */
			{
				char how[24];

				if (record_sent(c->a, it->key, it->earlier, how, it->sha) != 1)
					it->earlier[0] = it->sha[0] = '\0';
			}
			continue;
		case PRIOR_UNKNOWN:
			/* Neither sent again nor counted sent: held until it can be told. */
			it->already = true;
			it->state = OUTBOX_HELD;
			snprintf(it->id, sizeof(it->id), "%s", it->key);
			log_item(c, it, "route", "överlämningen i en tidigare körning kunde inte "
			    "bekräftas; skickas inte igen förrän den kan det");
			c->res->held++;
			continue;
		default:
			break;
		}
		if (it->ri.returned_here) {
			/* The post came back from this very address: a new one is needed. */
			it->already = true;
			it->state = OUTBOX_HELD;
			snprintf(it->id, sizeof(it->id), "%s", it->key);
			it->held_why = xasprintf("posten kom tillbaka %s; skickas när försättsbladet "
			    "har en ny bekräftad adress", it->ri.retur_datum);
			log_item(c, it, "route", it->held_why);
			c->res->held++;
			continue;
		}
		if (render_item(c, it) == -1) {
			rc = -1;
			it->state = OUTBOX_FAILED;
			continue;
		}
		snprintf(it->id, sizeof(it->id), "%s:%.16s:%s", it->key, it->sha,
		    route_names[r->route]);
		audit_tx_begin(a);
		log_item(c, it, "route", NULL);
		log_item(c, it, "document", NULL);
		if (add_to_outbox(c, it) == -1) {
			audit_tx_rollback(a);
			rc = -1;
			it->state = OUTBOX_FAILED;
			continue;
		}
		if (r->route == ROUTE_HELD && it->state != OUTBOX_HELD &&
		    outbox_set(a, c->batch, it->id, OUTBOX_HELD, r->reason) == 0)
			it->state = OUTBOX_HELD;
		commit(c);
		switch (r->route) {
		case ROUTE_MANUAL:
		case ROUTE_ARCHIVE:
			if (commit(c) == -1 || (r->route == ROUTE_MANUAL ? deliver_manual(c, it) :
			    deliver_archive(c, it)) == -1) {
				it->state = OUTBOX_FAILED;
				rc = -1;
			}
			audit_tx_begin(a);
			break;
		case ROUTE_PRINT:
		case ROUTE_PRINT_SKATTEVERKET:
			/* The batch draws it again; only its hash was needed. */
			if (it->state != OUTBOX_SENT && batch_add(c, r->route == ROUTE_PRINT ?
			    &c->print : &c->skv, it) == -1) {
				it->state = OUTBOX_FAILED;
				rc = -1;
			}
			break;
		case ROUTE_DIGITAL:
			digital[nd++] = it;
			continue;
		default:
			break;
		}
		free(it->pdf);
		it->pdf = NULL;
	}
	done = i;
	commit(c);
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
	/* One försändelse that failed does not stop the others. */
	if (rc == -1)
		c->failed = true;
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
	if (abandon || !recorded(c)) {
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
	write_lista(c);
	res->log_failed = !recorded(c);
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
