/*
 * blankett.h -- the försättsblad form: one self-contained web page that a
 * handläggare opens from a file share, fills in, checks as they type and
 * saves as försättsblad XML (SPEC section 10).
 *
 * Reads: the page template (templates/blankett.html), the configuration's
 * municipality, dnr pattern, role names and [check] max_alder_dagar, and the
 * rules' wording
 * (messages.h).
 * Writes: the page, with that configuration and wording in it as JSON.
 * Trusts: the template and the configuration (both the municipality's own);
 * every string is still escaped for where it goes.
 */
#ifndef EXPEDIERA_BLANKETT_H
#define EXPEDIERA_BLANKETT_H

#include <stddef.h>
#include <stdio.h>

struct blankett_data {
	const char *kommun;         /* [organisation] name; may be NULL */
	const char *namnd;          /* [organisation] namnd; may be NULL */
	const char *dnr_pattern;    /* [dnr] pattern (PCRE2, checked by the caller) */
	const char *const *roller;  /* the role names shown, indexed by enum roll */
	const char *version;
	int max_alder_dagar;        /* [check] max_alder_dagar, for cover-sheet-date */
};

/*
 * Reads the template at path and writes the page to out: "{{KOMMUN}}" becomes
 * the municipality's name (HTML-escaped), "{{DATA}}" a JSON object with the
 * configuration and the wording of every rule the page checks.  Returns 0, or
 * -1 with a Swedish message in err.
 */
int blankett_write(FILE *out, const char *path, const struct blankett_data *d, char *err,
    size_t errlen);

#endif
