/*
 * render_volume.c -- the print batches' volumes; see render_volume.h.
 *
 * Reads: the session (through render.h's renderers) and the fonts.
 * Writes: the recording's temporary file (pdf.h), and each volume to the
 * caller's stream.
 * Trusts: the caller to name only försändelser it drew.
 */
#include <stdlib.h>
#include <string.h>

#include "render_volume.h"
#include "xmalloc.h"

/* One försändelse on the recording: its pages, the blank one included. */
struct take {
	size_t first, pages;
};

struct render_batch {
	bool skatteverket;
	char *name;
	struct pdf *rec;
	struct take *v;
	size_t n, cap;
};

struct render_batch *
render_batch_new(const struct render *rd, bool skatteverket, const char *name, char *err,
    size_t errlen)
{
	struct render_batch *rb;
	struct pdf *rec;
	char e[256];

	if ((rec = pdf_new_recorder(rd->fontdir, e, sizeof(e))) == NULL) {
		snprintf(err, errlen, "%s", e);
		return NULL;
	}
	rb = xcalloc(1, sizeof(*rb));
	rb->skatteverket = skatteverket;
	rb->name = xstrdup(name);
	rb->rec = rec;
	return rb;
}

int
render_batch_add(struct render_batch *rb, const struct render *rd, const struct paragraf *p,
    const struct forsattsblad *fb, const struct mottagare *m, const struct render_mark *mark,
    size_t *pages, char *err, size_t errlen)
{
	size_t before = pdf_page_count(rb->rec), drawn;
	char e[256];

	if (rb->skatteverket)
		render_skatteverket_sheet(rd, rb->rec, p, m, m->kanal == KANAL_REKOMMENDERAT);
	if (render_forsandelse_pages(rd, rb->rec, p, fb, m, mark, e, sizeof(e)) == -1) {
		snprintf(err, errlen, "§ %lu: %s", p->nr, e);
		return -1;
	}
	drawn = pdf_page_count(rb->rec) - before;
	if (drawn % 2 == 1)
		pdf_add_page(rb->rec);
	if (pdf_flush(rb->rec) == -1) {
		snprintf(err, errlen, "%s: %s", rb->name, pdf_error(rb->rec));
		return -1;
	}
	if (rb->n == rb->cap) {
		rb->cap = rb->cap ? 2 * rb->cap : 256;
		rb->v = xreallocarray(rb->v, rb->cap, sizeof(*rb->v));
	}
	rb->v[rb->n].first = before;
	rb->v[rb->n].pages = pdf_page_count(rb->rec) - before;
	rb->n++;
	*pages = drawn;
	return 0;
}

size_t
render_batch_count(const struct render_batch *rb)
{
	return rb->n;
}

int
render_volume(const struct render *rd, struct render_batch *rb, int64_t run, size_t k,
    const size_t *seq, size_t n, FILE *out, const char *path, char *err, size_t errlen)
{
	const struct session *s = rd->s;
	struct pdf_meta meta;
	struct pdf *vol;
	char date[11], when[24], e[256], *seed;
	size_t i;
	int rc = 0;

	ymd_format(&s->protokoll.sammantradesdatum, date);
	seed = xasprintf("batch|%s|%lld|%d|%zu", date, (long long)run, (int)rb->skatteverket, k);
	memset(&meta, 0, sizeof(meta));
	meta.title = rb->skatteverket ? "Utskrift via Skatteverket" : "Utskrift";
	meta.author = rd->cfg->org_name != NULL ? rd->cfg->org_name : s->protokoll.kommun;
	meta.language = "sv-SE";
	snprintf(when, sizeof(when), "%sT00:00:00", date);
	meta.date = when;
	meta.id_seed = seed;
	meta.id_seed_len = strlen(seed);
	vol = pdf_new_stream(rd->fontdir, &meta, out, e, sizeof(e));
	free(seed);
	if (vol == NULL) {
		snprintf(err, errlen, "%s", e);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (seq[i] >= rb->n ||
		    pdf_replay(rb->rec, rb->v[seq[i]].first, rb->v[seq[i]].pages, vol) == -1)
			break;
	if (i < n || pdf_finish_stream(vol) == -1) {
		snprintf(err, errlen, "%s: %s", path, pdf_error(vol) != NULL ? pdf_error(vol) :
		    "en försändelse som inte ritats");
		rc = -1;
	}
	pdf_free(vol);
	return rc;
}

void
render_batch_free(struct render_batch *rb)
{
	if (rb != NULL) {
		pdf_free(rb->rec);
		free(rb->v);
		free(rb->name);
	}
	free(rb);
}
