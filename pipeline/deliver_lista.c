/*
 * deliver_lista.c -- stage 5's expedieringslista: what became of every
 * försändelse of a run, as CSV and PDF in the archive folder; see
 * deliver_run.h.
 *
 * Reads: each försändelse's outcome as the run goes, spooled to a temporary
 * file; the print batches' outcomes at its end; the audit log's head.
 * Writes: expedieringslista-*.csv and .pdf (in parts when long) into
 * [archive] folder, under a temporary name and then renamed.
 * Trusts: nothing more than the run it lists.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deliver_run.h"
#include "file.h"
#include "hook.h"
#include "xmalloc.h"

/*
 * One row a försändelse, spooled as the run goes: "mark\tparagraf\tdnr\t
 * mottagare\troll\troute\tstate\twhen\tsha256\tpostort\treason\trek\n", where
 * mark P or S and a number says the state is that of the print or
 * Skatteverket batch's försändelse with that seq, known at the end.  Tabs
 * and line breaks within a field are written as spaces.
 */
static void
spool_field(FILE *fp, const char *s, char end)
{
	for (; s != NULL && *s != '\0'; s++)
		fputc(*s == '\t' || *s == '\n' || *s == '\r' ? ' ' : *s, fp);
	fputc(end, fp);
}

/*
 * What the row says happened, in words for the protocol's file
 * (record_state_label, as status and historik say it): an archive copy is
 * arkiverad, a försändelse left in another sender's folder is överlämnad
 * (it is not sent until that sender sends it), and one sent by an earlier
 * run is that, with that run's time and document.
 */
static const char *
lista_state(const struct item *it, const char **reason)
{
	const char *route = route_names[it->r->route];

	*reason = NULL;
	if (it->state == OUTBOX_HELD) {
		*reason = it->held_why != NULL ? it->held_why : it->already ?
		    "överlämningen i en tidigare körning kunde inte bekräftas" : it->r->reason;
	} else if (it->state == OUTBOX_FAILED) {
		*reason = it->fell_back ? "digital post misslyckades; skickas med post" :
		    "se expediera status";
	} else if (it->state == OUTBOX_SENT && it->already)
		return it->r->route == ROUTE_ARCHIVE ? "arkiverad tidigare" :
		    it->r->route == ROUTE_MANUAL ? "överlämnad tidigare" : "skickad tidigare";
	return record_state_label(it->state, route);
}

void
lista_row(struct ctx *c, const struct item *it, char mark)
{
	const struct mottagare *m = it->r->m;
	char *w = deliver_who(it->r), when[20];
	const char *reason, *state = lista_state(it, &reason);
	const char *postort = m == NULL ? NULL : m->skyddad ? "skyddad" :
	    it->r->route == ROUTE_DIGITAL || m->n_adresser == 0 ? NULL : m->adresser[0].postort;
	/* Registered mail is on paper: print (or via Skatteverket) with kanal="rekommenderat". */
	bool rek = m != NULL && m->kanal == KANAL_REKOMMENDERAT &&
	    (it->r->route == ROUTE_PRINT || it->r->route == ROUTE_PRINT_SKATTEVERKET);

	if (c->lista == NULL && (c->lista = deliver_spool()) == NULL) {
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
	spool_field(c->lista, record_route_label(route_names[it->r->route], rek), '\t');
	spool_field(c->lista, state, '\t');
	spool_field(c->lista, when, '\t');
	spool_field(c->lista, it->sha, '\t');
	spool_field(c->lista, postort, '\t');
	spool_field(c->lista, reason, '\t');
	spool_field(c->lista, rek ? "ja" : "nej", '\n');
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
	char *f[12], *p;
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
		for (k = 0, p = lr->line; k < 12; k++) {
			f[k] = p;
			if ((p = strchr(p, '\t')) == NULL)
				break;
			*p++ = '\0';
		}
		if (k == 11)
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

		row->state = record_state_label(b->sent != NULL && seq < b->n && b->sent[seq] ?
		    OUTBOX_SENT : OUTBOX_FAILED, NULL);
	} else
		row->state = f[6];
	row->when = f[7];
	row->sha256 = f[8][0] ? f[8] : NULL;
	row->postort = f[9][0] ? f[9] : NULL;
	row->reason = f[10][0] ? f[10] : NULL;
	/* A batch that was not handed over: the run's errors say why. */
	row->rek = strcmp(f[11], "ja") == 0;
	if ((f[0][0] == 'P' || f[0][0] == 'S') && strcmp(row->state, "misslyckad") == 0)
		row->reason = "utskriftsfilen kunde inte lämnas över; se felen från körningen";
	return 1;
}

/*
 * The CSV, every row in one file; *n the rows.  -1 when it cannot be made:
 * then no PDF is made either.
 */
static int
lista_csv(struct ctx *c, struct lista_reader *lr, const char *cname, size_t *n)
{
	const char *dir = c->rd->cfg->archive_folder;
	struct lista_rad row;
	struct file_tmp t;
	char nr[24];
	size_t i;

	memset(&t, 0, sizeof(t));
	if (file_mkdirs(dir) == -1 || file_create(&t, dir, cname) == -1) {
		fprintf(c->err, "expediera: kan inte skriva %s: %s\n", c->res->lista_csv,
		    strerror(errno));
		c->res->lista_csv[0] = c->res->lista_pdf[0] = '\0';
		return -1;
	}
	fputs("paragraf,dnr,mottagare,roll,vag,status,tid,sha256,postort,orsak,rekommenderat\n",
	    t.fp);
	for (i = 0; lista_next(lr, i, &row) == 1; i++) {
		snprintf(nr, sizeof(nr), "%lu", row.paragraf);
		deliver_csv(t.fp, nr, false);
		deliver_csv(t.fp, row.dnr, false);
		deliver_csv(t.fp, row.mottagare, false);
		deliver_csv(t.fp, row.roll, false);
		deliver_csv(t.fp, row.route, false);
		deliver_csv(t.fp, row.state, false);
		deliver_csv(t.fp, row.when, false);
		deliver_csv(t.fp, row.sha256, false);
		deliver_csv(t.fp, row.postort, false);
		deliver_csv(t.fp, row.reason, false);
		deliver_csv(t.fp, row.rek ? "ja" : "nej", true);
	}
	if (file_commit_new(&t) == -1) {
		fprintf(c->err, "expediera: kan inte skriva %s: %s\n", c->res->lista_csv,
		    strerror(errno));
		c->res->lista_csv[0] = '\0';
	}
	*n = i;
	return 0;
}

/*
 * The PDFs of n rows, ending with the audit chain's head: one, pname, or
 * when long several, "BASE-del001.pdf" and on (render.h), one in memory at
 * a time.  EXPEDIERA_LISTA_RADER sets the rows of a part, for the tests.
 */
static void
lista_pdfs(struct ctx *c, struct lista_reader *lr, const char *base, const char *pname,
    const char *title, size_t n)
{
	const char *dir = c->rd->cfg->archive_folder;
	struct file_tmp t;
	char err[256], hash[65], *head = NULL;
	const char *hook = test_hook("EXPEDIERA_LISTA_RADER");
	size_t k, parts, per = hook != NULL ? strtoul(hook, NULL, 10) : LISTA_RADER;
	int64_t rows;

	if (audit_head(c->a, &rows, hash) == 0)
		head = xasprintf("%lld:%s", (long long)rows, hash);
	if (per == 0)
		per = LISTA_RADER;
	parts = n > 0 ? (n + per - 1) / per : 1;
	c->res->lista_parts = parts;
	memset(&t, 0, sizeof(t));
	for (k = 0; k < parts; k++) {
		struct lista_del del = {k * per, per, k + 1 == parts};
		char *name = parts == 1 ? xstrdup(pname) :
		    xasprintf("%s-del%03zu.pdf", base, k + 1);
		char *ptitle = parts == 1 ? xstrdup(title) :
		    xasprintf("%s, del %zu av %zu", title, k + 1, parts);
		char *path = xasprintf("%s/%s", dir, name);
		int ok = 0;

		if (file_create(&t, dir, name) == -1)
			fprintf(c->err, "expediera: kan inte skriva %s: %s\n", path, strerror(errno));
		else if (render_lista_stream(c->rd, ptitle, head, lista_next, lr, &del, t.fp, err,
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
	free(head);
}

/* The expedieringslista, CSV and PDF, from the spooled rows; the batches' states now known. */
void
lista_write(struct ctx *c)
{
	const struct session *s = c->rd->s;
	struct lista_reader lr = {c, NULL, 0};
	char date[11], *base, *title, *cname, *pname;
	size_t n;

	ymd_format(&s->protokoll.sammantradesdatum, date);
	base = xasprintf("expedieringslista-%s-k%lld-%s", c->meeting, (long long)c->batch, c->runid);
	title = xasprintf("%s, %s, körning %lld", s->protokoll.organ, date, (long long)c->batch);
	cname = xasprintf("%s.csv", base);
	pname = xasprintf("%s.pdf", base);
	snprintf(c->res->lista_csv, sizeof(c->res->lista_csv), "%s/%s",
	    c->rd->cfg->archive_folder, cname);
	snprintf(c->res->lista_pdf, sizeof(c->res->lista_pdf), "%s/%s",
	    c->rd->cfg->archive_folder, pname);
	if (lista_csv(c, &lr, cname, &n) == 0)
		lista_pdfs(c, &lr, base, pname, title, n);
	free(lr.line);
	free(base);
	free(title);
	free(cname);
	free(pname);
}
