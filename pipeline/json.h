/*
 * json.h -- the little JSON output needs: strings escaped per RFC 8259.
 */
#ifndef EXPEDIERA_JSON_H
#define EXPEDIERA_JSON_H

#include <stdio.h>

/* Writes s as a quoted JSON string; NULL is written as null. */
void json_string(FILE *, const char *s);

/*
 * The string value of "key" in a flat object as this program writes it
 * (json_string, no white space): malloc'd and unescaped, NULL when absent or
 * not a string.  For reading back the program's own audit data, not any JSON.
 */
char *json_field(const char *obj, const char *key);

#endif
