/*
 * json.h -- the little JSON output needs: strings escaped per RFC 8259, and
 * the same escapes for a tab-separated field.
 */
#ifndef EXPEDIERA_JSON_H
#define EXPEDIERA_JSON_H

#include <stdio.h>

/* Writes s as a quoted JSON string; NULL is written as null. */
void json_string(FILE *, const char *s);

/* Writes "key":s, after a comma unless first. */
void json_member(FILE *, int first, const char *key, const char *s);

/*
 * Writes n bytes of p as a tab-separated field: backslash, tab, newline and
 * carriage return as \\, \t, \n and \r, everything else as it is.
 */
void json_tsv(FILE *, const char *p, size_t n);

/*
 * The string value of "key" in a flat object as this program writes it
 * (json_string, no white space): malloc'd and unescaped, NULL when absent or
 * not a string.  For reading back the program's own audit data, not any JSON.
 */
char *json_field(const char *obj, const char *key);

#endif
