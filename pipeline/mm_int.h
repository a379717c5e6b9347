/*
 * mm_int.h -- what mm.c (the service contract) and mm_sign.c (the
 * signatures) share.  Not for any other file: the rest of the program sees
 * mm.h.
 */
#ifndef EXPEDIERA_MM_INT_H
#define EXPEDIERA_MM_INT_H

#include <stdbool.h>
#include <stddef.h>

#include <libxml/tree.h>

#include "mm.h"

/* Whether n is the element {href}name. */
bool mm_xml_is(const xmlNode *n, const char *href, const char *name);
/* s without XML's white space (space, tab, CR, LF) at either end: where it starts, and
 * its length in len. */
const char *mm_xml_trim(const char *s, size_t *len);

/*
 * Appends an enveloped signature to the root of doc and signs the whole
 * document; with check, verifies it at once.  0, or -1 with a Swedish
 * message in err.
 */
int mm_sign_enveloped(struct mm_signer *, xmlDocPtr doc, bool check, char *err,
    size_t errlen);

#endif
