/*
 * validate_address.c -- the rules about addresses: address-missing,
 * -incomplete, -uncertain, -ambiguous and -unprintable, and
 * protected-identity-exposed (who may have no address), with the set of
 * protected personnummer it needs (validate.h).  Hooks of the table in
 * validate.c (validate_int.h).
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "messages.h"
#include "personnummer.h"
#include "validate_int.h"
#include "xmalloc.h"

/* ---- address-missing, -incomplete, -uncertain, -ambiguous ---- */

/* "NNN NN" with a first digit 1-9. */
static bool
postnummer_ok(const char *p)
{
	return p != NULL && strlen(p) == 6 && p[0] >= '1' && p[0] <= '9' && p[1] >= '0' &&
	    p[1] <= '9' && p[2] >= '0' && p[2] <= '9' && p[3] == ' ' && p[4] >= '0' &&
	    p[4] <= '9' && p[5] >= '0' && p[5] <= '9';
}

/* Appends part to a comma-separated list of what an address lacks. */
static void
lack(char *buf, size_t n, const char *part)
{
	size_t len = strlen(buf);

	snprintf(buf + len, n - len, "%s%s", len ? ", " : "", part);
}

static void
check_adress(struct vctx *v, const struct forsattsblad *fb, const struct mottagare *m,
    const struct adress *a)
{
	char lacks[512] = "";
	size_t k;
	bool any = false;

	for (k = 0; k < a->n_utdelningsadress; k++)
		any = any || !blank(a->utdelningsadress[k]);
	if (!any)
		lack(lacks, sizeof(lacks), LACK_UTDELNINGSADRESS);
	if (a->typ == ADRESS_UTLAND) {
		if (blank(a->land))
			lack(lacks, sizeof(lacks), LACK_LAND);
	} else {
		if (blank(a->postnummer))
			lack(lacks, sizeof(lacks), LACK_POSTNUMMER);
		else if (!postnummer_ok(a->postnummer))
			lack(lacks, sizeof(lacks), LACK_POSTNUMMER_FORM);
		if (!blank(a->land))
			lack(lacks, sizeof(lacks), LACK_LAND_NOT_UTLAND);
	}
	if (blank(a->postort))
		lack(lacks, sizeof(lacks), LACK_POSTORT);
	if (lacks[0] != '\0')
		diag_add(&v->s->diag, RULE_ADDRESS_INCOMPLETE, fb->file, a->line, fb_paragraf(fb),
		    CHECK_ADDRESS_INCOMPLETE, m->namn, lacks);
	if (a->osaker)
		diag_add(&v->s->diag, RULE_ADDRESS_UNCERTAIN, fb->file, a->line, fb_paragraf(fb),
		    CHECK_ADDRESS_UNCERTAIN, m->namn);
}

void
validate_addresses(struct vctx *v, struct forsattsblad *fb, struct mottagare *m)
{
	size_t k;

	if (m->skyddad)
		return;
	if (m->n_adresser == 0)
		diag_add(&v->s->diag, RULE_ADDRESS_MISSING, fb->file, m->line, fb_paragraf(fb),
		    CHECK_ADDRESS_MISSING, m->namn);
	else if (m->n_adresser > 1)
		diag_add(&v->s->diag, RULE_ADDRESS_AMBIGUOUS, fb->file, m->line, fb_paragraf(fb),
		    "Mottagaren %s har %zu adresser. Ange exakt en: den adress "
		    "handläggaren bekräftat att beslutet ska till.", m->namn,
		    m->n_adresser);
	for (k = 0; k < m->n_adresser; k++)
		check_adress(v, fb, m, &m->adresser[k]);
}

/* ---- address-unprintable ---- */

/*
 * The address block is what the letter prints in the envelope window:
 * address.c gives both this rule and the renderer its lines (name, c/o,
 * utdelningsadress, "postnummer  postort", land; nothing for skyddad
 * identitet, whose letter carries no address and goes through Skatteverket
 * with only the personnummer handwritten on the inner envelope), the window
 * from the templates and [print] window, and the measurements in the letter
 * fonts.  What passes here is what the renderer can print, so send never
 * stops in the middle of a run on an address (all or nothing).
 *
 * A line must fit the window on one line at the smallest size the renderer
 * shrinks to ([address] min_size).  The renderer would wrap a longer line
 * rather than fail, but a wrapped address line reads to the post as two
 * lines of the address; and a block that still does not fit is the
 * renderer's failure, which the last check here catches with the renderer's
 * own function (address_fit).
 *
 * A character prints when a letter font has a glyph for it; one that none
 * has comes out as an empty box, and a control character (U+0080-009F are
 * allowed in XML) not at all: a letter silently lost, typically a name
 * decoded with the wrong encoding.  Invisible format characters (soft
 * hyphen, zero-width space, direction marks) are meant not to show and
 * pass.  Messages name the character as U+XXXX, and show it only when it is
 * a visible one.
 */

struct address_part {
	const char *subject;   /* begins the message: "Utdelningsadressen till" */
	const char *adjective; /* "lång" or "långt", agreeing with the subject */
	const char *advice;    /* what to do about a line too long */
};

static const struct address_part address_parts[] = {
	[ADDRESS_NAMN] = {"Namnet på", "långt",
	    "Korta namnet så som det ska stå på kuvertet."},
	[ADDRESS_CO] = {"C/o-raden i adressen till", "lång", "Korta c/o-raden."},
	[ADDRESS_UTDELNINGSADRESS] = {"Utdelningsadressen till", "lång",
	    "Korta raden, till exempel med vedertagna förkortningar."},
	[ADDRESS_POSTORT] = {"Raden med postnummer och postort i adressen till", "lång",
	    "Postorten ska stå ensam, utan annan text."},
	[ADDRESS_LAND] = {"Landet i adressen till", "långt",
	    "Skriv landets namn kort, på svenska eller engelska."},
};

/* c as UTF-8, NUL-terminated. */
static void
utf8_encode(uint32_t c, char out[5])
{
	if (c < 0x80) {
		out[0] = (char)c;
		out[1] = '\0';
	} else if (c < 0x800) {
		out[0] = (char)(0xC0 | c >> 6);
		out[1] = (char)(0x80 | (c & 0x3F));
		out[2] = '\0';
	} else if (c < 0x10000) {
		out[0] = (char)(0xE0 | c >> 12);
		out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		out[2] = (char)(0x80 | (c & 0x3F));
		out[3] = '\0';
	} else {
		out[0] = (char)(0xF0 | c >> 18);
		out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
		out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
		out[3] = (char)(0x80 | (c & 0x3F));
		out[4] = '\0';
	}
}

/*
 * Whether c, which no font has, still shows as something in a terminal or a
 * report: not a private-use, special or tag character, nor one of the
 * planes beyond the emoji and ideographs.
 */
static bool
shows(uint32_t c)
{
	return !((c >= 0xE000 && c <= 0xF8FF) || (c >= 0xFFF0 && c <= 0xFFFF) ||
	    c >= 0xE0000);
}

/*
 * The recipient as a message names it: name and masked number, but by the
 * number alone when the name holds a character that does not print (it is
 * that character the message is about, and it may be a control character).
 */
static char *
recipient_label(const struct vctx *v, const struct mottagare *m)
{
	char masked[14];
	uint32_t c;
	enum pdf_char cls;

	if (m->namn != NULL &&
	    !pdf_find_unprintable(v->aw->pdf, PDF_REGULAR, m->namn, strlen(m->namn), &c, &cls))
		return who(m->namn, &m->pnr);
	if (m->pnr.raw != NULL && m->pnr.raw[0] != '\0') {
		pnr_mask(m->pnr.ok ? m->pnr.pnr.digits : m->pnr.raw, masked);
		return xasprintf("med personnummer %s", masked);
	}
	if (m->orgnr_ok)
		return xasprintf("med organisationsnummer %.6s-%s", m->orgnr, m->orgnr + 6);
	return xstrdup("(namnet visas inte)");
}

/* One character of one part that does not print. */
static void
unprintable_char(struct vctx *v, const struct forsattsblad *fb, const struct mottagare *m,
    const char *subject, const char *text, int line)
{
	uint32_t c;
	enum pdf_char cls;
	char *label = NULL, u8[5];

	if (text == NULL || !pdf_find_unprintable(v->aw->pdf, PDF_REGULAR, text, strlen(text),
	    &c, &cls))
		return;
	label = recipient_label(v, m);
	if (cls == PDF_CHAR_CONTROL)
		diag_add(&v->s->diag, RULE_ADDRESS_UNPRINTABLE, fb->file, line, fb_paragraf(fb),
		    "%s mottagaren %s innehåller styrtecknet U+%04X, som inte kan skrivas ut "
		    "och skulle försvinna ur adressen på kuvertet; texten har troligen "
		    "kopierats med fel teckenkodning. Skriv in texten på nytt.", subject, label,
		    (unsigned)c);
	else if (c == 0xFFFD)
		diag_add(&v->s->diag, RULE_ADDRESS_UNPRINTABLE, fb->file, line, fb_paragraf(fb),
		    "%s mottagaren %s innehåller ersättningstecknet U+FFFD, som står där ett "
		    "tecken gick förlorat när texten fördes över med fel teckenkodning; på "
		    "kuvertet blir det en tom ruta. Skriv in texten på nytt med rätt tecken.",
		    subject, label);
	else if (shows(c)) {
		utf8_encode(c, u8);
		diag_add(&v->s->diag, RULE_ADDRESS_UNPRINTABLE, fb->file, line, fb_paragraf(fb),
		    "%s mottagaren %s innehåller tecknet U+%04X (\"%s\"), som brevets typsnitt "
		    "inte kan skriva ut: på kuvertet blir det en tom ruta. Ta bort tecknet "
		    "eller skriv det med bokstäver som går att skriva ut.", subject, label,
		    (unsigned)c, u8);
	} else
		diag_add(&v->s->diag, RULE_ADDRESS_UNPRINTABLE, fb->file, line, fb_paragraf(fb),
		    "%s mottagaren %s innehåller tecknet U+%04X, som brevets typsnitt inte "
		    "kan skriva ut: på kuvertet blir det en tom ruta. Ta bort tecknet.",
		    subject, label, (unsigned)c);
	free(label);
}

void
validate_address_unprintable(struct vctx *v, struct forsattsblad *fb, struct mottagare *m)
{
	const struct adress *a = &m->adresser[0];
	struct address_window own;
	const struct address_window *aw = &own;
	struct window w;
	struct address_block b;
	bool too_wide = false;
	size_t i, nth = 0;
	float min, room;
	char *label;

	if (v->aw == NULL)
		return; /* a caller that makes no letters */
	/* The window the letter leaves the address: less a rekommenderat mark. */
	own = *v->aw;
	address_window_for(own.g, m, own.w, &w);
	own.w = &w;
	min = aw->g->address_min_size;
	room = address_room_width(aw);
	address_block(m, &b);
	if (b.n == 0)
		return;
	/* The characters, part by part: postnummer and postort share a line. */
	for (i = 0; i < b.n; i++) {
		const char *subject = address_parts[b.field[i]].subject;

		if (b.field[i] == ADDRESS_UTDELNINGSADRESS && nth++ == 1)
			subject = "Den andra utdelningsadressen till";
		if (b.field[i] == ADDRESS_POSTORT) {
			unprintable_char(v, fb, m, "Postnumret i adressen till", a->postnummer,
			    a->postnummer_line != 0 ? a->postnummer_line : a->line);
			unprintable_char(v, fb, m, "Postorten i adressen till", a->postort,
			    a->postort_line != 0 ? a->postort_line : a->line);
		} else if (b.field[i] == ADDRESS_LAND)
			unprintable_char(v, fb, m, subject, a->land, b.line[i]);
		else
			unprintable_char(v, fb, m, subject, b.text[i],
			    b.line[i] != 0 ? b.line[i] : m->line);
	}
	/* The width of each line at the smallest size. */
	nth = 0;
	for (i = 0; i < b.n; i++) {
		const struct address_part *part = &address_parts[b.field[i]];
		const char *subject = part->subject, *advice = part->advice;
		float w = address_line_width(aw, b.text[i], min);

		if (b.field[i] == ADDRESS_UTDELNINGSADRESS && nth++ == 1)
			subject = "Den andra utdelningsadressen till";
		if (w <= room)
			continue;
		if (b.field[i] == ADDRESS_UTDELNINGSADRESS && a->n_utdelningsadress < 2)
			advice = "Korta raden, eller dela den på två rader med "
			    "<utdelningsadress> två gånger.";
		too_wide = true;
		label = recipient_label(v, m);
		diag_add(&v->s->diag, RULE_ADDRESS_UNPRINTABLE, fb->file,
		    b.line[i] != 0 ? b.line[i] : m->line, fb_paragraf(fb),
		    "%s mottagaren %s är för %s för kuvertfönstret: även med den minsta "
		    "stilstorleken (%g pt) är raden %.0f mm bred, och fönstret rymmer %.0f mm. %s",
		    subject, label, part->adjective, (double)min, ceil(w / PDF_MM(1)),
		    floor(room / PDF_MM(1) + 0.001), advice);
		free(label);
	}
	/* Every line fits its width; the renderer's own test of the whole block. */
	if (!too_wide && address_fit(aw, &b) == 0) {
		bool co = a->co != NULL && a->co[0] != '\0', two = a->n_utdelningsadress > 1;

		label = recipient_label(v, m);
		diag_add(&v->s->diag, RULE_ADDRESS_UNPRINTABLE, fb->file, a->line, fb_paragraf(fb),
		    "Adressen till mottagaren %s har %zu rader och får inte plats i "
		    "kuvertfönstret (%g × %g mm%s) ens med den minsta stilstorleken (%g pt). %s",
		    label, b.n, (double)v->aw->w->width, (double)v->aw->w->height,
		    m->kanal == KANAL_REKOMMENDERAT ? ", där raden REKOMMENDERAT står överst" : "",
		    (double)min,
		    co && two ? "Ta bort en rad, till exempel c/o-raden eller den andra "
				"utdelningsadressen." :
		    co  ? "Ta bort en rad, till exempel c/o-raden." :
		    two ? "Ta bort en rad, till exempel den andra utdelningsadressen." :
			  "Adressen har ingen rad att ta bort: kuvertfönstret i mallarna "
			  "(layout.conf) är för litet; tala med den som förvaltar mallarna.");
		free(label);
	}
	address_block_free(&b);
}

/* ---- protected-identity-exposed ---- */

/*
 * A person with skyddad identitet (sekretessmarkering, skyddad folkbokföring)
 * must not have an address anywhere in the package: a letter printed to it,
 * its print manifest and archive copy would carry the very address the
 * protection hides.  The rule spans the whole session: the protection may
 * stand on one försättsblad and the address on another (the mother
 * protected as vårdnadshavare in one case, an ombud with an address in
 * another).
 *
 * People are matched by personnummer only (names are not unique), parsed
 * without the meeting date so that the match does not depend on whether the
 * protocol could be read; a number invalid in itself matches nothing and is
 * invalid-personnummer's to report.
 *
 * A large package is validated a part at a time, and each part is handed on
 * (to render, to send) as soon as it is validated, so the set of protected
 * numbers must be complete before the first part: the protection may be in a
 * later part than the address.  parts.c therefore collects the set in a
 * first, cheap pass over the sheets (only those that mention
 * skyddad-identitet at all are parsed), and validate_part gets it; a whole
 * read takes it from its own sheets.  The set holds numbers, not sheets.
 *
 * What an earlier meeting knew is not in the package: record_skydd.c adds
 * the same finding from the audit log (run from record_check, the
 * validate_conf hook, by check and send whenever a log and its key exist),
 * for a person once routed with skyddad-identitet, unless skydd-upphort
 * says the marking was lifted.  skydd-upphort lifts only the log's memory:
 * a package that itself protects the person is not overruled by a date in
 * it -- the sheets contradict each other, and the protection wins.
 */

static int
cmp_skyddad(const void *a, const void *b)
{
	const struct skyddad *x = a, *y = b;
	int c = strcmp(x->pnr, y->pnr);

	if (c == 0)
		c = strcmp(x->file, y->file);
	if (c == 0)
		c = x->line < y->line ? -1 : x->line > y->line;
	return c;
}

void
skyddade_add(struct skyddade *set, const struct forsattsblad *fb)
{
	size_t j;

	if (!fb->valid)
		return; /* nothing of an invalid file is used, its protection neither */
	for (j = 0; j < fb->n_mottagare; j++) {
		const struct mottagare *m = &fb->mottagare[j];
		struct pnr p;

		if (!m->skyddad || m->pnr.raw == NULL ||
		    pnr_parse(m->pnr.raw, NULL, &p) != PNR_OK)
			continue;
		if (set->n == set->cap) {
			set->cap = set->cap ? 2 * set->cap : 16;
			set->v = xreallocarray(set->v, set->cap, sizeof(*set->v));
		}
		memcpy(set->v[set->n].pnr, p.digits, sizeof(p.digits));
		set->v[set->n].file = xstrdup(fb->file);
		set->v[set->n].line = m->line;
		set->n++;
	}
}

/*
 * One entry per number: the first sheet by file name and line, whichever
 * order the sheets came in, so a whole read and a read in parts name the same.
 */
void
skyddade_done(struct skyddade *set)
{
	size_t i, o = 0;

	if (set->n > 1)
		qsort(set->v, set->n, sizeof(*set->v), cmp_skyddad);
	for (i = 0; i < set->n; i++) {
		if (o > 0 && strcmp(set->v[o - 1].pnr, set->v[i].pnr) == 0) {
			free(set->v[i].file);
			continue;
		}
		set->v[o++] = set->v[i];
	}
	set->n = o;
}

void
skyddade_free(struct skyddade *set)
{
	size_t i;

	for (i = 0; i < set->n; i++)
		free(set->v[i].file);
	free(set->v);
	memset(set, 0, sizeof(*set));
}

static int
cmp_skyddad_pnr(const void *key, const void *elem)
{
	return strcmp(key, ((const struct skyddad *)elem)->pnr);
}

/*
 * Reported on each recipient that is given an address, at the address, and
 * so it blocks the paragraphs of that sheet.  The sheet with the protection
 * is not blocked: it holds no address, and its letter goes through
 * Skatteverket, which reaches the person whether the protection or the
 * address is the one that is out of date.
 */
void
validate_protected_identity_exposed(struct vctx *v, struct forsattsblad *fb,
    struct mottagare *m)
{
	const struct skyddad *k;
	struct pnr p;
	char *a;

	if (v->skyddade->n == 0 || m->n_adresser == 0 || m->pnr.raw == NULL ||
	    pnr_parse(m->pnr.raw, NULL, &p) != PNR_OK)
		return;
	k = bsearch(p.digits, v->skyddade->v, v->skyddade->n, sizeof(*v->skyddade->v),
	    cmp_skyddad_pnr);
	if (k == NULL)
		return;
	a = who(m->namn, &m->pnr);
	if (strcmp(k->file, fb->file) == 0)
		diag_add(&v->s->diag, RULE_PROTECTED_IDENTITY_EXPOSED, fb->file,
		    m->adresser[0].line, fb_paragraf(fb),
		    "Mottagaren %s har skyddad identitet på rad %d i det "
		    "här försättsbladet men har en adress här; ta bort "
		    "adressen och ange <skyddad-identitet/>, så att den "
		    "skyddade adressen inte skrivs ut.", a, k->line);
	else
		diag_add(&v->s->diag, RULE_PROTECTED_IDENTITY_EXPOSED, fb->file,
		    m->adresser[0].line, fb_paragraf(fb),
		    "Mottagaren %s har skyddad identitet i %s (rad %d) men "
		    "har en adress här; ta bort adressen och ange "
		    "<skyddad-identitet/>, så att den skyddade adressen inte "
		    "skrivs ut.", a, k->file, k->line);
	free(a);
}
