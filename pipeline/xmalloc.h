/*
 * xmalloc.h -- allocation that cannot return NULL (after OpenSMTPD's xmalloc
 * and Postfix's mymalloc): on exhaustion the process says so and exits 4.
 */
#ifndef EXPEDIERA_XMALLOC_H
#define EXPEDIERA_XMALLOC_H

#include <stddef.h>

void *xmalloc(size_t);
void *xcalloc(size_t, size_t);
void *xreallocarray(void *, size_t, size_t);
char *xstrdup(const char *);
char *xstrndup(const char *, size_t);
/* Formats into a new string. */
char *xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));

#endif
