/*
 * render_volume.h -- the print batches' volumes (SPEC section 6).
 *
 * A run's print batch (or its Skatteverket batch) is drawn one försändelse
 * after the other as the parts come, onto a recording (pdf.h's recorder):
 * for Skatteverket the instruction sheet first (and a blank page after it
 * when it is odd, so that it never shares a sheet with the letter), then the
 * försändelse, then a blank page after an odd one, so that each starts on a
 * new sheet of a duplex print.  Every page, blank ones too, is marked in the
 * top margin with the försändelse's id and its sheet ("blad 2 av 3").  Only at the end, when the whole run is known and put in postnummer
 * order, are the volumes drawn from the recording, one PDF at a time, with
 * the same bytes as drawing them there directly.
 */
#ifndef EXPEDIERA_RENDER_VOLUME_H
#define EXPEDIERA_RENDER_VOLUME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "render.h"

struct render_batch;

/*
 * A new recording; name (the batch's, kept) for messages.  NULL with a
 * Swedish message in err when the fonts or a temporary file fail.
 */
struct render_batch *render_batch_new(const struct render *, bool skatteverket, const char *name,
    char *err, size_t errlen);

/*
 * Draws the försändelse of p for m (fb its försättsblad, mark as render.h
 * says; mark->forsandelse is also the id on every sheet) at the end of the
 * recording, as number render_batch_count() was before; *pages its pages,
 * the instruction sheet and its blank back included and the blank page at
 * the end not (so its sheets are (*pages + 1) / 2).  0, or -1 with a Swedish message ("§ 12: ..." or "NAME: ...")
 * in err: the recording is then of no more use.
 */
int render_batch_add(struct render_batch *, const struct render *, const struct paragraf *p,
    const struct forsattsblad *fb, const struct mottagare *m, const struct render_mark *mark,
    size_t *pages, char *err, size_t errlen);

/* How many försändelser are drawn. */
size_t render_batch_count(const struct render_batch *);

/*
 * Volume k (from 0) of the batch of audit batch run: the försändelser
 * numbered seq[0..n) in that order, as one PDF written to out (path names
 * it in messages).  0, or -1 with a Swedish message in err; out then holds
 * no complete PDF.
 */
int render_volume(const struct render *, struct render_batch *, int64_t run, size_t k,
    const size_t *seq, size_t n, FILE *out, const char *path, char *err, size_t errlen);

void render_batch_free(struct render_batch *);

#endif
