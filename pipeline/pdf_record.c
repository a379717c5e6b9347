/*
 * pdf_record.c -- recorded documents (pdf.h, pdf_new_recorder and
 * pdf_replay): what a print run draws, kept as compact ops, sealed a
 * försändelse at a time into a temporary file, and drawn again later into
 * the volumes in any order, with the same calls, so the same bytes.
 *
 * Reads and writes: its own temporary file (tmpfile), nothing else.
 * Trusts: nothing it reads back: ops that do not add up are refused.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "pdf_impl.h"
#include "xmalloc.h"

/*
 * A recorded document: what each page draws, as ops in a buffer until
 * pdf_flush, then deflated into a spool file as one chunk (one försändelse
 * of a print run), to be drawn again by pdf_replay into the volume it goes
 * in.  Memory holds one chunk's ops and an index entry per chunk.
 */
struct chunk {
	long off;             /* in the spool */
	unsigned long zlen, rawlen;
	size_t first, npages;
};

struct recorder {
	FILE *spool;
	struct buf ops;       /* the unflushed pages' ops */
	struct chunk *v;
	size_t n, cap;
};

/* Appends one op of the page at absolute index page to the recorder. */
void
rec_op(struct pdf *p, char op, size_t page, const float *a, size_t na, const char *s,
    size_t len)
{
	struct recorder *r = p->rec;
	uint32_t rel = (uint32_t)(page - p->flushed), l = (uint32_t)len;

	buf_chr(&r->ops, op);
	buf_add(&r->ops, &rel, sizeof(rel));
	if (na > 0)
		buf_add(&r->ops, a, na * sizeof(*a));
	if (op == OP_TEXT) {
		buf_add(&r->ops, &l, sizeof(l));
		buf_add(&r->ops, s, len);
	}
}

/* Seals the pages drawn since the last flush as one chunk in the spool. */
int
rec_flush(struct pdf *p)
{
	struct recorder *r = p->rec;
	struct chunk *c;
	uLongf zlen;
	unsigned char *z;
	size_t i;

	if (p->failed)
		return -1;
	if (p->npages == p->flushed)
		return 0;
	zlen = compressBound(r->ops.len);
	z = xmalloc(zlen);
	if (compress2(z, &zlen, (const Bytef *)r->ops.p, r->ops.len, 1) != Z_OK) {
		free(z);
		pdf_fail(p, "kan inte packa sidorna (zlib)");
		return -1;
	}
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 256;
		r->v = xreallocarray(r->v, r->cap, sizeof(*r->v));
	}
	c = &r->v[r->n];
	if (fseek(r->spool, 0, SEEK_END) == -1 || (c->off = ftell(r->spool)) == -1 ||
	    fwrite(z, 1, zlen, r->spool) != zlen) {
		free(z);
		pdf_fail(p, "kan inte skriva den tillfälliga filen: %s", strerror(errno));
		return -1;
	}
	free(z);
	c->zlen = zlen;
	c->rawlen = r->ops.len;
	c->first = p->flushed;
	c->npages = p->npages - p->flushed;
	r->n++;
	r->ops.len = 0;
	/* Nothing draws on them again: only their number stays. */
	for (i = p->flushed; i < p->npages; i++) {
		free(p->pages[i]);
		p->pages[i] = NULL;
	}
	p->flushed = p->npages;
	return 0;
}

struct pdf *
pdf_new_recorder(const char *fontdir, char *err, size_t errlen)
{
	struct pdf *p = xcalloc(1, sizeof(*p));

	if ((p->fs = fontset_load(fontdir ? fontdir : ".", err, errlen)) == NULL) {
		free(p);
		return NULL;
	}
	p->rec = xcalloc(1, sizeof(*p->rec));
	if ((p->rec->spool = tmpfile()) == NULL) {
		snprintf(err, errlen, "kan inte skapa en tillfällig fil: %s", strerror(errno));
		pdf_free(p);
		return NULL;
	}
	return p;
}

/* Reads n bytes at *pos of the ops, or fails. */
static int
rec_take(const unsigned char *ops, size_t len, size_t *pos, void *out, size_t n)
{
	if (len - *pos < n)
		return -1;
	memcpy(out, ops + *pos, n);
	*pos += n;
	return 0;
}

/* Draws one chunk's ops onto new pages at the end of into. */
static int
rec_replay_chunk(const unsigned char *ops, size_t len, size_t npages, struct pdf *into)
{
	struct pdf_page **pg = xcalloc(npages > 0 ? npages : 1, sizeof(*pg));
	size_t pos = 0, made = 0;
	int rc = 0;

	while (pos < len && rc == 0 && !into->failed) {
		unsigned char op = ops[pos++];
		uint32_t rel, l;
		float a[5];

		if (rec_take(ops, len, &pos, &rel, sizeof(rel)) == -1 ||
		    (op != OP_PAGE && rel >= made)) {
			rc = -1;
			break;
		}
		switch (op) {
		case OP_PAGE:
			if (made == npages) {
				rc = -1;
				break;
			}
			pg[made++] = pdf_add_page(into);
			break;
		case OP_TEXT:
			if (rec_take(ops, len, &pos, a, 4 * sizeof(float)) == -1 ||
			    rec_take(ops, len, &pos, &l, sizeof(l)) == -1 || len - pos < l) {
				rc = -1;
				break;
			}
			pdf_text(pg[rel], (enum pdf_font)(int)a[0], a[1], a[2], a[3],
			    (const char *)ops + pos, l);
			pos += l;
			break;
		case OP_LINE:
		case OP_RECT:
			if (rec_take(ops, len, &pos, a, 5 * sizeof(float)) == -1) {
				rc = -1;
				break;
			}
			if (op == OP_LINE)
				pdf_line(pg[rel], a[0], a[1], a[2], a[3], a[4]);
			else
				pdf_rect(pg[rel], a[0], a[1], a[2], a[3], a[4]);
			break;
		default:
			rc = -1;
			break;
		}
	}
	free(pg);
	if (rc == 0 && made != npages)
		rc = -1;
	return rc;
}

int
pdf_replay(struct pdf *p, size_t first, size_t n, struct pdf *into)
{
	struct recorder *r = p->rec;
	size_t lo = 0, hi, done = 0;
	unsigned char *z = NULL, *raw = NULL;
	int rc = -1;

	if (r == NULL || into->rec != NULL) {
		pdf_fail(into, "pdf_replay: inget inspelat dokument");
		return -1;
	}
	if (pdf_closed(into) == -1)
		return -1;
	/* The chunk that begins at first: chunks are in page order. */
	hi = r->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->v[mid].first < first)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; done < n; lo++) {
		const struct chunk *c = &r->v[lo];
		uLongf rawlen;

		if (lo >= r->n || c->first != first + done || c->npages > n - done)
			goto bad;
		z = xreallocarray(z, c->zlen > 0 ? c->zlen : 1, 1);
		raw = xreallocarray(raw, c->rawlen > 0 ? c->rawlen : 1, 1);
		rawlen = c->rawlen;
		if (fseek(r->spool, c->off, SEEK_SET) == -1 ||
		    fread(z, 1, c->zlen, r->spool) != c->zlen ||
		    uncompress(raw, &rawlen, z, c->zlen) != Z_OK || rawlen != c->rawlen ||
		    rec_replay_chunk(raw, c->rawlen, c->npages, into) == -1)
			goto bad;
		done += c->npages;
	}
	rc = into->failed ? -1 : 0;
	goto out;
bad:
	if (!into->failed)
		pdf_fail(into, "de inspelade sidorna %zu–%zu kunde inte läsas tillbaka", first + 1,
		    first + n);
out:
	free(z);
	free(raw);
	return rc;
}

void
rec_free(struct recorder *r)
{
	if (r == NULL)
		return;
	if (r->spool != NULL)
		fclose(r->spool);
	free(r->ops.p);
	free(r->v);
	free(r);
}
