/*
 * json.h -- the little JSON output needs: strings escaped per RFC 8259.
 */
#ifndef EXPEDIERA_JSON_H
#define EXPEDIERA_JSON_H

#include <stdio.h>

/* Writes s as a quoted JSON string; NULL is written as null. */
void json_string(FILE *, const char *s);

#endif
