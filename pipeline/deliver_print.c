/*
 * deliver_print.c -- stage 5's print batches; see deliver_run.h.
 *
 * Reads: the försändelser of the run as the parts come.
 * Writes: each volume of a batch and its manifest (CSV) into the print
 * folder, under a temporary name and then renamed; hands them to the print
 * driver (print.h); records every step in the outbox.
 * Trusts: the driver's answer as to whether a volume was handed over.
 *
 * A print batch is drawn while the run goes, one försändelse after the
 * other as the parts come, onto a recording (render_volume.h); only at the
 * end, when every försändelse of the run is known, are they put in
 * postnummer order, the manifest written, and the volumes drawn from the
 * recording one at a time, renamed and handed over.  Memory holds a few
 * numbers per försändelse and one volume; the rest (the drawing, each one's
 * id and manifest row) waits in spool files.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deliver_run.h"
#include "file.h"
#include "print.h"
#include "xmalloc.h"

static int
cmp_ent(const void *a, const void *b)
{
	const struct batch_ent *x = a, *y = b;
	int c = strcmp(x->postnummer, y->postnummer);

	if (c == 0)
		c = (x->nr > y->nr) - (x->nr < y->nr);
	return c != 0 ? c : (x->index > y->index) - (x->index < y->index);
}

/*
 * A CSV field, quoted when it must be (RFC 4180).  One that a spreadsheet
 * would take for a formula (=, +, -, @, a tab or a carriage return first) gets
 * a ' before it, so a name on a försättsblad never runs in a print house's or
 * an archivist's spreadsheet.
 */
void
deliver_csv(FILE *fp, const char *s, bool last)
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

/* A spool: an unnamed temporary file (mode 0600, gone when closed). */
FILE *
deliver_spool(void)
{
	return tmpfile();
}

/* Opens the batch when its first försändelse comes: its recording and spool. */
static int
batch_open(struct ctx *c, struct batch *b)
{
	char err[512];

	b->base = xasprintf("%s-%s-k%lld-%s", b->skatteverket ? "skatteverket" : "utskrift",
	    c->meeting, (long long)c->batch, c->runid);
	if ((b->spool = deliver_spool()) == NULL) {
		fprintf(c->err, "expediera: kan inte skapa en tillfällig fil: %s\n", strerror(errno));
		b->broken = true;
		return -1;
	}
	if ((b->rec = render_batch_new(c->rd, b->skatteverket, b->base, err,
	    sizeof(err))) == NULL) {
		fprintf(c->err, "expediera: %s\n", err);
		b->broken = true;
		return -1;
	}
	return 0;
}

void
batch_free(struct batch *b)
{
	render_batch_free(b->rec);
	free(b->v);
	free(b->sent);
	free(b->base);
	if (b->spool != NULL)
		fclose(b->spool);
}

/*
 * Draws one försändelse into its batch, with the instruction sheet for
 * Skatteverket and a blank page after an odd one (each starts on a new sheet
 * of a duplex print), every page marked with its id and sheet
 * (render_volume.h), and records it SENDING with the batch's file: the
 * file does not exist until the batch is handed over at the end.
 */
int
batch_add(struct ctx *c, struct batch *b, struct item *it)
{
	const struct routed *r = it->r;
	bool rek = r->m->kanal == KANAL_REKOMMENDERAT;
	struct batch_ent *e;
	struct render_mark mark;
	char err[1024], pages[24], sheets[24], sid[15];

	if (b->broken || (b->rec == NULL && batch_open(c, b) == -1))
		return -1;
	deliver_mark(it, sid, &mark);
	if (render_batch_add(b->rec, c->rd, r->p, r->fb, r->m, &mark, &it->pages, err,
	    sizeof(err)) == -1) {
		fprintf(c->err, "expediera: %s\n", err);
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
	e->seq = render_batch_count(b->rec) - 1;
	e->off = ftell(b->spool);
	snprintf(pages, sizeof(pages), "%zu", it->pages);
	snprintf(sheets, sizeof(sheets), "%zu", (it->pages + 1) / 2);
	fprintf(b->spool, "%s\t", it->id);
	deliver_csv(b->spool, it->name, false);
	/* The print house never learns a protected person's name. */
	deliver_csv(b->spool, b->skatteverket ? "(skyddad identitet)" : r->m->namn, false);
	deliver_csv(b->spool, b->skatteverket ? "" : r->m->adresser[0].postnummer, false);
	deliver_csv(b->spool, pages, false);
	deliver_csv(b->spool, it->sha, false);
	deliver_csv(b->spool, rek ? "ja" : "nej", false);
	/* As every sheet of it says: "Försändelse SID · blad n av SHEETS". */
	deliver_csv(b->spool, sid, false);
	deliver_csv(b->spool, sheets, false);
	/* the volume's name comes last, at the end of the run */
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

/*
 * Moves entries [from, to) of the batch to state, committed a few hundred at
 * a time (outbox_set_many); only that many ids are read into memory at once.
 */
static void
batch_set(struct ctx *c, struct batch *b, size_t from, size_t to, enum outbox_state state,
    const char *reason)
{
	char *ids[OUTBOX_SET_GROUP];
	size_t i, k, end;

	for (k = from; k < to; k = end) {
		end = to - k > OUTBOX_SET_GROUP ? k + OUTBOX_SET_GROUP : to;
		for (i = k; i < end; i++)
			ids[i - k] = ent_id(b, &b->v[i], NULL); /* NULL: passed over */
		(void)outbox_set_many(c->a, c->batch, (const char *const *)ids, end - k, state,
		    reason);
		for (i = k; i < end; i++)
			free(ids[i - k]);
	}
	(void)deliver_recorded(c);
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
 * as one list.  markning is the id its sheets carry and blad how many
 * sheets it has (as the mark's "av m"), so that the print house can check
 * each envelope; rekommenderat says which to take to the post office apart.  0, or -1 with *m discarded.
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
	fputs("forsandelse,namn,postnummer,sidor,sha256,rekommenderat,markning,blad,volym\n",
	    m->fp);
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
		deliver_csv(m->fp, name, true);
		free(id);
	}
	return 0;
}

/*
 * One volume: entries [from, to) (in postnummer order) SENDING with the
 * file that will prove its hand-over, drawn from the recording into a PDF
 * of its own under a temporary name, its manifest written, both renamed
 * into the print folder (manifest first) and handed to the driver
 * (print.h); then
 * SENT.  0, or -1 when it was not handed over (the next run sends its
 * försändelser again).
 */
static int
volume_finish(struct ctx *c, struct batch *b, size_t k, size_t from, size_t to)
{
	const struct render *rd = c->rd;
	const struct print_ops *drv = rd->cfg->print;
	struct file_tmp out, m;
	char err[1024], herr[256], *name = volume_name(b, k, "pdf");
	char *mname = volume_name(b, k, "csv");
	char *path = xasprintf("%s/%s", rd->cfg->print_folder, name);
	char *reason = print_proof_reason(drv, path, name);
	size_t i, *seq = xcalloc(to - from + 1, sizeof(*seq));
	int rc = -1;

	memset(&out, 0, sizeof(out));
	memset(&m, 0, sizeof(m));
	batch_set(c, b, from, to, OUTBOX_SENDING, reason);
	if (!deliver_recorded(c))
		goto out;
	if (file_create(&out, rd->cfg->print_folder, name) == -1) {
		fprintf(c->err, "expediera: kan inte skriva %s: %s\n", path, strerror(errno));
		goto failed;
	}
	for (i = from; i < to; i++)
		seq[i - from] = b->v[i].seq;
	if (render_volume(rd, b->rec, c->batch, k, seq, to - from, out.fp, path, err,
	    sizeof(err)) == -1) {
		fprintf(c->err, "expediera: %s\n", err);
		goto failed;
	}
	if (volume_manifest(c, b, from, to, name, mname, &m) == -1)
		goto failed;
	deliver_crash("batch-sending");
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
	deliver_crash("batch-handover");
	if (drv->hand_over(rd->cfg, path, name, mname, herr, sizeof(herr)) == -1) {
		fprintf(c->err, "expediera: %s\n", herr);
		/* Not at the printer: the next run sends these again. */
		unlink(path);
		batch_set(c, b, from, to, OUTBOX_FAILED, herr);
		goto out;
	}
	deliver_crash("batch-written");
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
	free(seq);
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
int
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
