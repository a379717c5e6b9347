/*
 * session.c -- life cycle of struct session; see session.h.
 */
#include <stdlib.h>
#include <string.h>

#include "session.h"
#include "xmalloc.h"

void
session_init(struct session *s, const char *dir)
{
	memset(s, 0, sizeof(*s));
	s->dir = xstrdup(dir);
}

void
session_free(struct session *s)
{
	free(s->dir);
	free(s->fb);
	free(s->protokoll.paragrafer);
	diag_free(&s->diag);
	arena_free(&s->arena);
	memset(s, 0, sizeof(*s));
}
