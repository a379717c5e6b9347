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

#include "deliver.h"
#include "file.h"
#include "json.h"
#include "print_cups.h"
#include "print_sftp.h"
#include "progress.h"
#include "xmalloc.h"

struct prior {
	char *id;
	enum outbox_state state;
	char *reason;
};

struct item {
	const struct routed *r;
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
	bool borrowed;           /* pdf belongs to another item */
	char when[32];
};

struct ctx {
	const struct render *rd;
	struct audit *a;
	struct mailbox *mb;
	int64_t batch;
	char digest[65];
	struct prior *prior;
	size_t nprior, capprior;
	FILE *err;
	struct send_result *res;
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

/* The key of a försändelse: who gets which paragraph, not which bytes. */
static void
item_key(const struct session *s, const struct routed *r, char out[33])
{
	char date[11], full[65], *k;

	ymd_format(&s->protokoll.sammantradesdatum, date);
	if (r->internal != NULL)
		k = xasprintf("%s|%s|%s|%lu|%s|intern|%s", s->protokoll.kommun, s->protokoll.organ,
		    date, r->p->nr, r->p->dnr != NULL ? r->p->dnr : "", r->internal);
	else
		k = xasprintf("%s|%s|%s|%lu|%s|%s|%s|%s", s->protokoll.kommun, s->protokoll.organ,
		    date, r->p->nr, r->p->dnr != NULL ? r->p->dnr : "", roll_names[r->m->roll],
		    r->id[0] != '\0' ? r->id : "-", r->m->namn);
	sha256_hex(k, strlen(k), full);
	memcpy(out, full, 32);
	out[32] = '\0';
	free(k);
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
	struct ctx *c = arg;

	(void)attempts;
	if (c->nprior == c->capprior) {
		c->capprior = c->capprior ? 2 * c->capprior : 64;
		c->prior = xreallocarray(c->prior, c->capprior, sizeof(*c->prior));
	}
	c->prior[c->nprior].id = xstrdup(it->id);
	c->prior[c->nprior].state = st;
	c->prior[c->nprior].reason = reason != NULL ? xstrdup(reason) : NULL;
	c->nprior++;
	return 0;
}

/* The first prior entry whose id starts with key (ids are sorted). */
static size_t
prior_first(const struct ctx *c, const char *key)
{
	size_t lo = 0, hi = c->nprior;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strncmp(c->prior[mid].id, key, 32) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * Settles what an earlier run left: SENT means done; SENDING means a run
 * stopped between recording and finishing: the file it names decides.
 */
static bool
settle_prior(struct ctx *c, const char *key)
{
	size_t i;
	bool sent = false;

	for (i = prior_first(c, key); i < c->nprior && strncmp(c->prior[i].id, key, 32) == 0;
	    i++) {
		struct prior *p = &c->prior[i];

		if (p->state == OUTBOX_SENT)
			sent = true;
		else if (p->state == OUTBOX_SENDING) {
			const char *f = p->reason != NULL && strncmp(p->reason, "fil:", 4) == 0 ?
			    p->reason + 4 : NULL;

			if (f != NULL && access(f, F_OK) == 0) {
				if (outbox_set(c->a, c->batch, p->id, OUTBOX_SENT,
					"återställd efter avbrott: filen fanns") == 0) {
					p->state = OUTBOX_SENT;
					sent = true;
				}
			} else {
				/* A manifest without its batch is not a batch: remove it. */
				if (f != NULL && strlen(f) > 4 &&
				    strcmp(f + strlen(f) - 4, ".pdf") == 0) {
					char *m = xasprintf("%.*s.csv", (int)strlen(f) - 4, f);

					unlink(m);
					free(m);
				}
				if (outbox_set(c->a, c->batch, p->id, OUTBOX_FAILED,
					"avbruten körning; skickas igen") == 0)
					p->state = OUTBOX_FAILED;
			}
		}
	}
	return sent;
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
	fputs(",\"reason\":", fp);
	json_string(fp, it->r->reason);
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
	if (outbox_set(c->a, c->batch, it->id, OUTBOX_SENDING, reason) == -1) {
		fprintf(c->err, "expediera: %s\n", audit_error(c->a));
		goto out;
	}
	crash_point("file-sending");
	if ((extra != NULL && file_write(dir, extraname, extra, extralen) == -1) ||
	    file_write(dir, name, it->pdf, it->len) == -1) {
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

static int
deliver_manual(struct ctx *c, struct item *it)
{
	char who_slug[64], *dir;
	int rc;

	slug(who_slug, sizeof(who_slug), it->r->fb->avsandare);
	dir = xasprintf("%s/%s", c->rd->cfg->manual_folder, who_slug[0] ? who_slug : "annan");
	rc = deliver_file(c, it, dir, it->name, NULL, 0, NULL);
	free(dir);
	return rc;
}

static int
deliver_archive(struct ctx *c, struct item *it)
{
	const struct session *s = c->rd->s;
	char entry[64], *name, *meta, *metaname, date[11];
	size_t len;
	FILE *fp;
	int rc;

	slug(entry, sizeof(entry), it->r->internal);
	ymd_format(&s->protokoll.sammantradesdatum, date);
	name = xasprintf("%lu-%s-protokollsutdrag.pdf", it->r->p->nr, entry[0] ? entry : "intern");
	metaname = xasprintf("%lu-%s-protokollsutdrag.json", it->r->p->nr,
	    entry[0] ? entry : "intern");
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

static int
cmp_print(const void *a, const void *b)
{
	const struct item *x = *(struct item *const *)a, *y = *(struct item *const *)b;
	int c = strcmp(x->postnummer, y->postnummer);

	if (c != 0)
		return c;
	if (x->r->p->nr != y->r->p->nr)
		return x->r->p->nr < y->r->p->nr ? -1 : 1;
	return x->r->index < y->r->index ? -1 : x->r->index > y->r->index;
}

/* A CSV field, quoted when it must be (RFC 4180). */
static void
csv(FILE *fp, const char *s, bool last)
{
	if (s == NULL)
		s = "";
	if (strpbrk(s, ",\"\n\r") != NULL) {
		putc('"', fp);
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
 * Hands a batch written to the print folder to the configured driver: the
 * folder itself (nothing more to do), SFTP to a print house (manifest, then
 * batch), or a CUPS queue (the batch; the manifest stays in the folder).
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
		} else if (print_cups_file(cfg->print_cups_queue, path, name, err, errlen) == -1)
			rc = -1;
	}
	return rc;
}

static int
deliver_print_batch(struct ctx *c, struct item **v, size_t n, bool skatteverket, char *out,
    size_t outlen)
{
	const struct render *rd = c->rd;
	const struct session *s = rd->s;
	struct pdf_meta meta;
	struct pdf *pdf;
	char err[256], date[11], when[24], *name, *mname, *path, *reason, *seed, *mbuf, pages[16];
	unsigned char *buf = NULL;
	size_t blen, mlen, i, before;
	FILE *mf;
	int rc = -1;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_print);
	ymd_format(&s->protokoll.sammantradesdatum, date);
	name = xasprintf("%s-%s-k%lld.pdf", skatteverket ? "skatteverket" : "utskrift", date,
	    (long long)c->batch);
	mname = xasprintf("%s-%s-k%lld.csv", skatteverket ? "skatteverket" : "utskrift", date,
	    (long long)c->batch);
	path = xasprintf("%s/%s", rd->cfg->print_folder, name);
	reason = xasprintf("fil:%s", path);
	seed = xasprintf("batch|%s|%lld|%d", date, (long long)c->batch, skatteverket);

	memset(&meta, 0, sizeof(meta));
	meta.title = skatteverket ? "Utskrift via Skatteverket" : "Utskrift";
	meta.author = rd->cfg->org_name != NULL ? rd->cfg->org_name : s->protokoll.kommun;
	meta.language = "sv-SE";
	snprintf(when, sizeof(when), "%sT00:00:00", date);
	meta.date = when;
	meta.id_seed = seed;
	meta.id_seed_len = strlen(seed);
	if ((pdf = pdf_new(rd->fontdir, &meta, err, sizeof(err))) == NULL) {
		fprintf(c->err, "expediera: %s\n", err);
		goto out;
	}
	if ((mf = open_memstream(&mbuf, &mlen)) == NULL)
		goto out_pdf;
	fputs("forsandelse,namn,postnummer,sidor,sha256,rekommenderat\n", mf);
	for (i = 0; i < n; i++) {
		const struct routed *r = v[i]->r;
		bool rek = r->m->kanal == KANAL_REKOMMENDERAT;

		before = pdf_page_count(pdf);
		if (skatteverket)
			render_skatteverket_sheet(rd, pdf, r->p, r->m, rek);
		if (render_forsandelse_pages(rd, pdf, r->p, r->fb, r->m, err, sizeof(err)) == -1) {
			fprintf(c->err, "expediera: § %lu: %s\n", r->p->nr, err);
			fclose(mf);
			free(mbuf);
			goto out_pdf;
		}
		v[i]->pages = pdf_page_count(pdf) - before;
		/* Every försändelse starts on a new sheet, printed on both sides. */
		if (v[i]->pages % 2 == 1)
			pdf_add_page(pdf);
		snprintf(pages, sizeof(pages), "%zu", v[i]->pages);
		csv(mf, v[i]->name, false);
		/* The print house never learns a protected person's name. */
		csv(mf, skatteverket ? "(skyddad identitet)" : r->m->namn, false);
		csv(mf, skatteverket ? "" : r->m->adresser[0].postnummer, false);
		csv(mf, pages, false);
		csv(mf, v[i]->sha, false);
		csv(mf, rek ? "ja" : "nej", true);
	}
	fclose(mf);
	if (pdf_save_mem(pdf, &buf, &blen) == -1) {
		fprintf(c->err, "expediera: %s\n", pdf_error(pdf));
		free(mbuf);
		goto out_pdf;
	}
	if (file_mkdirs(rd->cfg->print_folder) == -1) {
		fprintf(c->err, "expediera: kan inte skapa %s: %s\n", rd->cfg->print_folder,
		    strerror(errno));
		free(mbuf);
		goto out_pdf;
	}
	/* All of the batch is SENDING, naming its file, before the file exists. */
	audit_tx_begin(c->a);
	for (i = 0; i < n; i++)
		outbox_set(c->a, c->batch, v[i]->id, OUTBOX_SENDING, reason);
	if (audit_tx_commit(c->a) == -1) {
		fprintf(c->err, "expediera: %s\n", audit_error(c->a));
		free(mbuf);
		goto out_pdf;
	}
	crash_point("batch-sending");
	if (file_write(rd->cfg->print_folder, mname, mbuf, mlen) == -1 ||
	    file_write(rd->cfg->print_folder, name, buf, blen) == -1) {
		fprintf(c->err, "expediera: kan inte skriva %s: %s\n", path, strerror(errno));
		free(mbuf);
		goto out_pdf;
	}
	free(mbuf);
	if (hand_over(rd->cfg, path, name, mname, err, sizeof(err)) == -1) {
		fprintf(c->err, "expediera: %s\n", err);
		/* Not at the printer: the next run sends the batch again. */
		unlink(path);
		audit_tx_begin(c->a);
		for (i = 0; i < n; i++) {
			outbox_set(c->a, c->batch, v[i]->id, OUTBOX_FAILED, err);
			v[i]->state = OUTBOX_FAILED;
		}
		audit_tx_commit(c->a);
		goto out_pdf;
	}
	crash_point("batch-written");
	audit_tx_begin(c->a);
	for (i = 0; i < n; i++) {
		outbox_set(c->a, c->batch, v[i]->id, OUTBOX_SENT, NULL);
		v[i]->state = OUTBOX_SENT;
	}
	if (audit_tx_commit(c->a) == -1) {
		fprintf(c->err, "expediera: %s\n", audit_error(c->a));
		goto out_pdf;
	}
	snprintf(out, outlen, "%s", path);
	rc = 0;
out_pdf:
	if (pdf != NULL)
		pdf_free(pdf);
out:
	free(buf);
	free(name);
	free(mname);
	free(path);
	free(reason);
	free(seed);
	return rc;
}

/* ---- the expedieringslista ---- */

static void
write_lista(struct ctx *c, struct item *items, size_t n)
{
	const struct session *s = c->rd->s;
	struct lista_rad *rows = xreallocarray(NULL, n + 1, sizeof(*rows));
	char **names = xreallocarray(NULL, n + 1, sizeof(*names));
	char date[11], *base, *title, *cbuf, err[256];
	unsigned char *pdf;
	size_t clen, plen, i;
	FILE *fp;

	ymd_format(&s->protokoll.sammantradesdatum, date);
	base = xasprintf("expedieringslista-%s-k%lld", date, (long long)c->batch);
	title = xasprintf("%s, %s, körning %lld", s->protokoll.organ, date, (long long)c->batch);
	if ((fp = open_memstream(&cbuf, &clen)) == NULL)
		goto out;
	fputs("paragraf,dnr,mottagare,roll,vag,status,tid,sha256\n", fp);
	for (i = 0; i < n; i++) {
		struct item *it = &items[i];
		char nr[24];

		names[i] = who(it->r);
		rows[i].paragraf = it->r->p->nr;
		rows[i].dnr = it->r->p->dnr;
		rows[i].mottagare = names[i];
		rows[i].roll = it->r->internal != NULL ? "intern" : roll_names[it->r->m->roll];
		rows[i].route = route_names[it->r->route];
		rows[i].state = it->already ? "skickad tidigare" :
		    it->state == OUTBOX_SENT ? "skickad" : it->state == OUTBOX_HELD ? "hålls" :
		    it->state == OUTBOX_FAILED ? "misslyckades" : outbox_state_name(it->state);
		rows[i].when = it->when;
		rows[i].sha256 = it->sha[0] ? it->sha : NULL;
		snprintf(nr, sizeof(nr), "%lu", rows[i].paragraf);
		csv(fp, nr, false);
		csv(fp, rows[i].dnr, false);
		csv(fp, rows[i].mottagare, false);
		csv(fp, rows[i].roll, false);
		csv(fp, rows[i].route, false);
		csv(fp, rows[i].state, false);
		csv(fp, rows[i].when, false);
		csv(fp, rows[i].sha256, true);
	}
	fclose(fp);
	snprintf(c->res->lista_csv, sizeof(c->res->lista_csv), "%s/%s.csv",
	    c->rd->cfg->archive_folder, base);
	snprintf(c->res->lista_pdf, sizeof(c->res->lista_pdf), "%s/%s.pdf",
	    c->rd->cfg->archive_folder, base);
	{
		char *cname = xasprintf("%s.csv", base), *pname = xasprintf("%s.pdf", base);

		if (file_mkdirs(c->rd->cfg->archive_folder) == -1 ||
		    file_write(c->rd->cfg->archive_folder, cname, cbuf, clen) == -1)
			fprintf(c->err, "expediera: kan inte skriva %s: %s\n", c->res->lista_csv,
			    strerror(errno));
		if (render_lista(c->rd, title, rows, n, &pdf, &plen, err, sizeof(err)) == 0) {
			if (file_write(c->rd->cfg->archive_folder, pname, pdf, plen) == -1)
				fprintf(c->err, "expediera: kan inte skriva %s: %s\n",
				    c->res->lista_pdf, strerror(errno));
			free(pdf);
		} else
			fprintf(c->err, "expediera: expedieringslistan: %s\n", err);
		free(cname);
		free(pname);
	}
	free(cbuf);
	for (i = 0; i < n; i++)
		free(names[i]);
out:
	free(rows);
	free(names);
	free(base);
	free(title);
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
 * prints when kanal is auto (a new print item takes over the same document)
 * and is held when the recipient asked for digital only.
 */
static void
deliver_digital(struct ctx *c, struct item **v, size_t n, struct item *items, size_t *nitems,
    struct routed *fallback, struct item **print, size_t *np)
{
	struct mm_job *jobs = xcalloc(n + 1, sizeof(*jobs));
	size_t i;

	audit_tx_begin(c->a);
	for (i = 0; i < n; i++) {
		char *reason = xasprintf("mm:%s", v[i]->key);

		jobs[i].recipient_id = v[i]->r->id;
		jobs[i].service_address = mailbox_lookup(c->mb, v[i]->r->id) != NULL ?
		    mailbox_lookup(c->mb, v[i]->r->id)->service_address : NULL;
		jobs[i].message_id = v[i]->key;
		jobs[i].pdf = v[i]->pdf;
		jobs[i].len = v[i]->len;
		jobs[i].pdf_name = v[i]->name;
		jobs[i].user = v[i];
		outbox_set(c->a, c->batch, v[i]->id, OUTBOX_SENDING, reason);
		free(reason);
	}
	audit_tx_commit(c->a);
	crash_point("digital-sending");
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
		fallback[i] = *r;
		fallback[i].route = r->m->skyddad ? ROUTE_PRINT_SKATTEVERKET : ROUTE_PRINT;
		snprintf(fallback[i].reason, sizeof(fallback[i].reason), "%.190s", reason);
		fb = &items[(*nitems)++];
		*fb = *it;
		fb->r = &fallback[i];
		fb->fell_back = false;
		fb->borrowed = true;
		fb->name = it->name != NULL ? xstrdup(it->name) : NULL;
		snprintf(fb->id, sizeof(fb->id), "%s:%.16s:%s", fb->key, fb->sha,
		    route_names[fb->r->route]);
		if (add_to_outbox(c, fb) == 0 && fb->state != OUTBOX_SENT)
			print[(*np)++] = fb;
	}
	audit_tx_commit(c->a);
	free(jobs);
}

/* ---- the run ---- */

static int
render_item(struct ctx *c, struct item *it)
{
	char err[256];
	int rc;

	if (it->r->internal != NULL)
		rc = render_arkivkopia(c->rd, it->r->p, &it->pdf, &it->len, err, sizeof(err));
	else
		rc = render_forsandelse(c->rd, it->r->p, it->r->fb, it->r->m, &it->pdf, &it->len,
		    err, sizeof(err));
	if (rc == -1) {
		fprintf(c->err, "expediera: § %lu: %s\n", it->r->p->nr, err);
		return -1;
	}
	sha256_hex(it->pdf, it->len, it->sha);
	return 0;
}

int
deliver_send(const struct render *rd, struct audit *a, struct mailbox *mb, const char *command,
    const struct routed *routes, size_t n, struct send_result *res, FILE *err)
{
	struct ctx c;
	/* Room for a print fallback of every digital försändelse. */
	struct item *items = xcalloc(2 * n + 1, sizeof(*items));
	struct routed *fallback = xcalloc(n + 1, sizeof(*fallback));
	struct item **print = xcalloc(2 * n + 1, sizeof(*print)), **skv = xcalloc(n + 1, sizeof(*skv));
	struct item **digital = xcalloc(n + 1, sizeof(*digital));
	size_t nd = 0, nitems = n;
	struct audit_batch b;
	struct progress prog;
	size_t i, np = 0, ns = 0;
	char summary[256];
	int rc = 0;

	memset(&c, 0, sizeof(c));
	memset(res, 0, sizeof(*res));
	c.rd = rd;
	c.a = a;
	c.mb = mb;
	c.err = err;
	c.res = res;
	if (session_digest(rd->s->dir, c.digest) == -1) {
		fprintf(err, "expediera: kan inte läsa %s igen för kontrollsumman\n", rd->s->dir);
		rc = -1;
		goto out;
	}
	memset(&b, 0, sizeof(b));
	b.command = command;
	b.session = rd->s->dir;
	b.session_digest = c.digest;
	if (audit_batch_begin(a, &b, &c.batch) == -1 ||
	    outbox_list(a, NULL, collect_prior, &c) == -1) {
		fprintf(err, "expediera: %s\n", audit_error(a));
		rc = -1;
		goto out;
	}
	audit_tx_begin(a);
	log_findings(&c, rd->s);
	audit_tx_commit(a);

	/*
	 * Routes, documents and new outbox entries are committed in groups: they
	 * record decisions, not deliveries.  Every step that hands something over
	 * commits first, so what was sent is always durable before it is sent.
	 */
	progress_start(&prog, "försändelser", n);
	audit_tx_begin(a);
	for (i = 0; i < n; i++) {
		struct item *it = &items[i];
		const struct routed *r = &routes[i];

		progress_step(&prog);
		if (i > 0 && i % 256 == 0) {
			audit_tx_commit(a);
			audit_tx_begin(a);
		}
		it->r = r;
		item_key(rd->s, r, it->key);
		now_text(it->when);
		if (r->internal == NULL)
			it->name = render_filename(r->p, r->index, r->m);
		if (r->m != NULL && r->m->n_adresser > 0 && r->m->adresser[0].postnummer != NULL) {
			size_t k, o = 0;

			for (k = 0; r->m->adresser[0].postnummer[k] != '\0' && o < 7; k++)
				if (r->m->adresser[0].postnummer[k] >= '0' &&
				    r->m->adresser[0].postnummer[k] <= '9')
					it->postnummer[o++] = r->m->adresser[0].postnummer[k];
		}
		if (settle_prior(&c, it->key)) {
			it->already = true;
			it->state = OUTBOX_SENT;
			snprintf(it->id, sizeof(it->id), "%s", it->key);
			log_item(&c, it, "route", "redan skickad i en tidigare körning");
			res->already++;
			continue;
		}
		if (render_item(&c, it) == -1) {
			rc = -1;
			it->state = OUTBOX_FAILED;
			continue;
		}
		snprintf(it->id, sizeof(it->id), "%s:%.16s:%s", it->key, it->sha,
		    route_names[r->route]);
		audit_tx_begin(a);
		log_item(&c, it, "route", NULL);
		log_item(&c, it, "document", NULL);
		if (add_to_outbox(&c, it) == -1) {
			audit_tx_rollback(a);
			rc = -1;
			it->state = OUTBOX_FAILED;
			continue;
		}
		if (r->route == ROUTE_HELD && it->state != OUTBOX_HELD &&
		    outbox_set(a, c.batch, it->id, OUTBOX_HELD, r->reason) == 0)
			it->state = OUTBOX_HELD;
		audit_tx_commit(a);
		switch (r->route) {
		case ROUTE_HELD:
			res->held++;
			break;
		case ROUTE_MANUAL:
		case ROUTE_ARCHIVE:
			audit_tx_commit(a);
			if ((r->route == ROUTE_MANUAL ? deliver_manual(&c, it) :
			    deliver_archive(&c, it)) == -1)
				rc = -1;
			free(it->pdf);
			it->pdf = NULL;
			audit_tx_begin(a);
			break;
		case ROUTE_PRINT:
		case ROUTE_PRINT_SKATTEVERKET:
			/* The batch draws it again; only its hash is needed now. */
			free(it->pdf);
			it->pdf = NULL;
			if (r->route == ROUTE_PRINT)
				print[np++] = it;
			else
				skv[ns++] = it;
			break;
		case ROUTE_DIGITAL:
			digital[nd++] = it;
			break;
		default:
			break;
		}
	}
	audit_tx_commit(a);
	progress_end(&prog);
	if (nd > 0)
		deliver_digital(&c, digital, nd, items, &nitems, fallback, print, &np);
	if (deliver_print_batch(&c, print, np, false, res->batch_pdf, sizeof(res->batch_pdf)) ==
	        -1 ||
	    deliver_print_batch(&c, skv, ns, true, res->skv_pdf, sizeof(res->skv_pdf)) == -1)
		rc = -1;
	for (i = 0; i < nitems; i++) {
		if (!items[i].already && items[i].state == OUTBOX_SENT)
			res->sent++;
		else if (!items[i].already && items[i].state == OUTBOX_FAILED &&
		    !items[i].fell_back)
			res->failed++;
		else if (!items[i].already && items[i].state == OUTBOX_HELD &&
		    items[i].r->route == ROUTE_DIGITAL)
			res->held++;
	}
	write_lista(&c, items, nitems);
	snprintf(summary, sizeof(summary),
	    "{\"skickade\":%zu,\"redan_skickade\":%zu,\"halls\":%zu,\"misslyckade\":%zu}",
	    res->sent, res->already, res->held, res->failed);
	audit_batch_end(a, c.batch, summary);
out:
	for (i = 0; i < nitems; i++) {
		if (!items[i].borrowed)
			free(items[i].pdf);
		free(items[i].name);
	}
	free(fallback);
	free(digital);
	for (i = 0; i < c.nprior; i++) {
		free(c.prior[i].id);
		free(c.prior[i].reason);
	}
	free(c.prior);
	free(items);
	free(print);
	free(skv);
	return rc;
}
