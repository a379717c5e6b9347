/*
 * address.h -- the recipient's address block as a letter prints it in the
 * envelope window: which lines, at which type size, and whether it can be
 * printed at all.
 *
 * The renderer (render_letter.c) places the block with these functions and the
 * rule address-unprintable (validate_address.c) checks with the same ones,
 * so check and the letter agree on the lines, the window
 * (templates/layout.conf and [print] window), the fonts and every
 * measurement: an address check passes is one the letter can hold.
 */
#ifndef EXPEDIERA_ADDRESS_H
#define EXPEDIERA_ADDRESS_H

#include <stddef.h>

#include "pdf.h"
#include "session.h"
#include "template.h"

/* name, c/o, two utdelningsadress, "postnummer  postort", land */
#define ADDRESS_LINES_MAX 6

/* Where a line of the block comes from, for a message that names it. */
enum address_field {
	ADDRESS_NAMN,
	ADDRESS_CO,
	ADDRESS_UTDELNINGSADRESS,
	ADDRESS_POSTORT,           /* postnummer and postort on one line */
	ADDRESS_LAND
};

struct address_block {
	size_t n;
	const char *text[ADDRESS_LINES_MAX];  /* into the record, or post/land */
	enum address_field field[ADDRESS_LINES_MAX];
	int line[ADDRESS_LINES_MAX];          /* in the försättsblad, 0 unknown */
	char *post;                           /* owned: "postnummer  postort" */
	char *land;                           /* owned: the country in capitals */
};

/*
 * The window a letter's address goes in, and the letter fonts to measure
 * with.  pdf is used for its font metrics only; nothing is drawn on it.
 */
struct address_window {
	struct pdf *pdf;
	const struct geometry *g;
	const struct window *w;
};

/*
 * The lines m's letter prints in the window, in order.  A recipient with
 * skyddad identitet, or without an address, gets none (n 0): its letter
 * carries no address at all.  Only the first address is printed (more than
 * one is address-ambiguous).  Free with address_block_free.
 */
void address_block(const struct mottagare *m, struct address_block *b);
void address_block_free(struct address_block *b);

/* Points between the baselines of two address lines at size. */
float address_leading(float size);

/* The room inside the window, less the padding on each side, in points. */
float address_room_width(const struct address_window *);
float address_room_height(const struct address_window *);

/* Width of one line of the block at size, in points, in the letter's font. */
float address_line_width(const struct address_window *, const char *text, float size);

/*
 * The type size the block is printed at: the largest from [address] size
 * down to min_size, in steps of half a point, at which every line (wrapped
 * where it is wider than the window) fits the window's height.  0 when it
 * fits at none: the letter cannot be made.
 */
float address_fit(const struct address_window *, const struct address_block *);

/*
 * The window m's address has: w, less the line at its top that marks a
 * kanal="rekommenderat" letter for the print house ("REKOMMENDERAT").  The
 * renderer draws in it and rule address-unprintable measures it, so that
 * what check lets through the letter can print.  Returns the mark's height
 * in millimetres (0 without one).
 */
float address_window_for(const struct geometry *, const struct mottagare *m,
    const struct window *w, struct window *out);

#endif
