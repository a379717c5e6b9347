/*
 * session.c -- life cycle of struct session, and the names of its enums;
 * see session.h.
 */
#include <stdlib.h>
#include <string.h>

#include "session.h"
#include "xmalloc.h"

const char *const roll_names[ROLL__MAX] = {
	"den-enskilde", "vardnadshavare", "sarskilt-forordnad-vardnadshavare", "god-man",
	"forvaltare", "ombud", "familjehem", "hvb", "myndighet", "annan",
};
/* The roles as a letter or a list names them. */
const char *const roll_labels[ROLL__MAX] = {
	"Den enskilde", "Vårdnadshavare", "Särskilt förordnad vårdnadshavare", "God man",
	"Förvaltare", "Ombud", "Familjehem", "HVB", "Myndighet", "Annan mottagare",
};
const char *const kanal_names[KANAL__MAX] = {"auto", "digital", "post", "rekommenderat"};
const char *const adresstyp_names[ADRESS__MAX] = {"folkbokforing", "vistelse", "sarskild",
    "utland"};

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
