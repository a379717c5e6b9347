/*
 * text.h -- one helper for each small job on text and bytes: a file name
 * from a name, a name or address folded for comparison, hex, SHA-256.
 */
#ifndef EXPEDIERA_TEXT_H
#define EXPEDIERA_TEXT_H

#include <stddef.h>
#include <stdio.h>

/*
 * A file name's part from s: ASCII letters and digits in lower case, the
 * Latin-1 letters of UTF-8 folded to their base (Å Ä → a, Ö Ø → o, É → e,
 * ß → s), anything else as one '-', none at either end.  At most n - 1
 * bytes and a NUL in out.
 */
void text_slug(char *out, size_t n, const char *s);

/*
 * s (len bytes) folded for comparison: white space trimmed, each run of it
 * one space, letters in lower case -- ASCII and the Latin-1 letters of
 * two-byte UTF-8 (Å Ä Ö É Ü ...), so "ÅSVÄGEN  1" and "Åsvägen 1" fold
 * alike.  A new string; the caller frees it.
 */
char *text_fold(const char *s, size_t len);
/* text_fold of s (may be NULL: nothing) and a newline, appended to fp. */
void text_fold_line(FILE *fp, const char *s);

/* The n bytes of d as 2n lower-case hex digits and a NUL in out. */
void text_hex(const unsigned char *d, size_t n, char *out);
/* Reads 2n lower-case hex digits of s into out; -1 when s is not exactly that. */
int text_unhex(const char *s, unsigned char *out, size_t n);

/* SHA-256 of the len bytes at buf: 32 bytes in md; -1 on failure. */
int text_sha256(const void *buf, size_t len, unsigned char md[32]);
/* The same as 64 hex digits and a NUL; -1 on failure (out is then ""). */
int text_sha256_hex(const void *buf, size_t len, char out[65]);

#endif
