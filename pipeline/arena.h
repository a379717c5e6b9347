/*
 * arena.h -- a bump allocator: everything of one session is allocated here and
 * freed at once, so records can point at each other without owners to track.
 */
#ifndef EXPEDIERA_ARENA_H
#define EXPEDIERA_ARENA_H

#include <stddef.h>

struct arena_block;

struct arena {
	struct arena_block *head;
};

void *arena_alloc(struct arena *, size_t);        /* zeroed, aligned for any type */
void *arena_array(struct arena *, size_t n, size_t size); /* zeroed; n may be 0 */
char *arena_strdup(struct arena *, const char *);
char *arena_strndup(struct arena *, const char *, size_t);
/* Everything of from is a's now (freed with it); from is left empty. */
void arena_adopt(struct arena *a, struct arena *from);
void arena_free(struct arena *);

#endif
