/*
 * render_volume.c -- the print batches' volumes; see render_volume.h.
 *
 * Reads: the session (through render.h's renderers) and the fonts.
 * Writes: the recording's temporary file (pdf.h), and each volume to the
 * caller's stream.
 * Trusts: the caller to name only försändelser it drew.
 *
 * Every page of a volume carries, small in the top margin, the försändelse's
 * id and which of its sheets it is ("Försändelse ABCD-EFGH-IJKL · blad 2 av
 * 3", texts.conf [dokument] blad), so that whoever puts the sheets in
 * envelopes (a person or an inserter) can tell where one family's letter
 * ends and the next begins, and check that an envelope holds all of one and
 * nothing of another.  Volumes are laid out for duplex printing (a blank page
 * after an odd försändelse, and after the Skatteverket instruction sheet, so
 * that it never shares a sheet with the letter it is about): "blad" counts
 * sheets, both sides of one carry the same n, blank backs included.  Only
 * the volumes carry it: the försändelse as a document (its SHA-256, the
 * digital and archive copies) is drawn without.
 */
#include <stdlib.h>
#include <string.h>

#include "render_volume.h"
#include "xmalloc.h"

/* The mark's type size (points), and its baseline's distance from the top of the page (mm). */
#define MARK_SIZE 7.0f
#define MARK_TOP_MM 9.0f

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

/*
 * Marks pages [first, first + n) of rec (n even: whole sheets, both sides)
 * as the sheets of the försändelse with id sid, right-aligned with the text
 * column above the header, where no document of a försändelse draws.
 * 0, or -1 with err.
 */
static int
mark_sheets(const struct render *rd, struct pdf *rec, size_t first, size_t n, const char *sid,
    bool rek, char *err, size_t errlen)
{
	const struct geometry *g = &rd->t->geo;
	float right = PDF_A4_WIDTH - PDF_MM(g->margin_right);
	float top = g->margin_top - 2.0f < MARK_TOP_MM ? g->margin_top - 2.0f : MARK_TOP_MM;
	float y = PDF_A4_HEIGHT - PDF_MM(top > 4.0f ? top : 4.0f);
	char nn[24], mm[24], e[160];
	struct tmpl_var vars[3] = {{"forsandelse", sid}, {"n", nn}, {"m", mm}};
	size_t i;

	snprintf(mm, sizeof(mm), "%zu", n / 2);
	for (i = 0; i < n; i++) {
		struct pdf_page *pg = pdf_page_at(rec, first + i);
		char *s;

		snprintf(nn, sizeof(nn), "%zu", i / 2 + 1);
		if ((s = tmpl_expand(rd->t->text[rek ? T_DOKUMENT_BLAD_REK : T_DOKUMENT_BLAD], vars,
		    3, e, sizeof(e))) == NULL) {
			snprintf(err, errlen, "texts.conf [dokument] %s: %s", rek ? "blad_rek" : "blad",
			    e);
			return -1;
		}
		if (pg != NULL)
			pdf_text(pg, PDF_REGULAR, MARK_SIZE, right - pdf_text_width(rec, PDF_REGULAR,
			    MARK_SIZE, s, strlen(s)), y, s, strlen(s));
		free(s);
	}
	return 0;
}

int
render_batch_add(struct render_batch *rb, const struct render *rd, const struct paragraf *p,
    const struct forsattsblad *fb, const struct mottagare *m, const struct render_mark *mark,
    size_t *pages, char *err, size_t errlen)
{
	size_t before = pdf_page_count(rb->rec), drawn;
	bool rek = m->kanal == KANAL_REKOMMENDERAT;
	char e[256];

	if (rb->skatteverket) {
		render_skatteverket_sheet(rd, rb->rec, p, m, rek);
		/* The sheet goes in the outer envelope, the letter in the inner one. */
		if ((pdf_page_count(rb->rec) - before) % 2 == 1)
			pdf_add_page(rb->rec);
	}
	if (render_forsandelse_pages(rd, rb->rec, p, fb, m, mark, e, sizeof(e)) == -1) {
		snprintf(err, errlen, "§ %lu: %s", p->nr, e);
		return -1;
	}
	drawn = pdf_page_count(rb->rec) - before;
	if (drawn % 2 == 1)
		pdf_add_page(rb->rec);
	if (mark_sheets(rd, rb->rec, before, pdf_page_count(rb->rec) - before,
	    mark != NULL && mark->forsandelse != NULL ? mark->forsandelse : "", rek, e,
	    sizeof(e)) == -1) {
		snprintf(err, errlen, "%s: %s", rb->name, e);
		return -1;
	}
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
