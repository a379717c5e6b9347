/*
 * address.c -- the address block in the envelope window; see address.h.
 *
 * Reads: one mottagare of a session (validated or not: nothing is assumed
 * about the length of its texts), the page geometry and the letter fonts.
 * Writes: nothing but the block's own copies.
 * Trusts: nothing; every line is measured with the fonts the letter uses.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "address.h"
#include "layout.h"
#include "xmalloc.h"

/*
 * Lines are set 1.2 times their size apart, tighter than the letter's text:
 * the window is small, and an address is read line by line, not as prose.
 */
#define ADDRESS_LEADING 1.2f
/* The renderer tries sizes this far apart, from size down to min_size. */
#define ADDRESS_SIZE_STEP 0.5f

static void
add(struct address_block *b, const char *text, enum address_field field, int line)
{
	b->text[b->n] = text;
	b->field[b->n] = field;
	b->line[b->n] = line;
	b->n++;
}

void
address_block(const struct mottagare *m, struct address_block *b)
{
	const struct adress *a;
	size_t i;

	memset(b, 0, sizeof(*b));
	if (m->skyddad || m->n_adresser == 0)
		return;
	a = &m->adresser[0];
	add(b, m->namn != NULL ? m->namn : "", ADDRESS_NAMN, m->namn_line);
	if (a->co != NULL && a->co[0] != '\0')
		add(b, a->co, ADDRESS_CO, a->co_line);
	for (i = 0; i < a->n_utdelningsadress; i++)
		if (a->utdelningsadress[i][0] != '\0')
			add(b, a->utdelningsadress[i], ADDRESS_UTDELNINGSADRESS,
			    a->utdelningsadress_line[i]);
	/* Two spaces between postnummer and postort, as PostNord writes them. */
	b->post = xasprintf("%s%s%s", a->postnummer != NULL ? a->postnummer : "",
	    a->postnummer != NULL && a->postnummer[0] != '\0' ? "  " : "",
	    a->postort != NULL ? a->postort : "");
	add(b, b->post, ADDRESS_POSTORT, a->postort_line != 0 ? a->postort_line :
	    a->postnummer_line != 0 ? a->postnummer_line : a->line);
	if (a->typ == ADRESS_UTLAND && a->land != NULL) {
		/* A country is written in capitals, as postal services ask. */
		b->land = xstrdup(a->land);
		for (i = 0; b->land[i] != '\0'; i++)
			b->land[i] = (char)toupper((unsigned char)b->land[i]);
		add(b, b->land, ADDRESS_LAND, a->land_line);
	}
}

void
address_block_free(struct address_block *b)
{
	free(b->post);
	free(b->land);
	memset(b, 0, sizeof(*b));
}

float
address_leading(float size)
{
	return size * ADDRESS_LEADING;
}

float
address_room_width(const struct address_window *aw)
{
	return PDF_MM(aw->w->width - 2 * aw->g->address_padding);
}

float
address_room_height(const struct address_window *aw)
{
	return PDF_MM(aw->w->height - 2 * aw->g->address_padding);
}

float
address_line_width(const struct address_window *aw, const char *text, float size)
{
	return pdf_text_width(aw->pdf, PDF_REGULAR, size, text, strlen(text));
}

float
address_fit(const struct address_window *aw, const struct address_block *b)
{
	const struct geometry *g = aw->g;
	float size, width = address_room_width(aw), height = address_room_height(aw);
	size_t i, total;

	/* The hundredth tolerates min_size not being a whole number of steps. */
	for (size = g->address_size; size >= g->address_min_size - 0.01f;
	    size -= ADDRESS_SIZE_STEP) {
		total = 0;
		for (i = 0; i < b->n; i++)
			total += layout_wrap(aw->pdf, PDF_REGULAR, size, b->text[i],
			    strlen(b->text[i]), width, NULL, 0);
		if ((float)total * address_leading(size) <= height)
			return size;
	}
	return 0;
}

float
address_window_for(const struct geometry *g, const struct mottagare *m, const struct window *w,
    struct window *out)
{
	float mark = 0;

	*out = *w;
	if (m->kanal == KANAL_REKOMMENDERAT) {
		/* The mark's line (small size) and a little air under it, in mm. */
		mark = g->small_size * 1.6f * 25.4f / 72.0f;
		out->y += mark;
		out->height -= mark;
	}
	return mark;
}
