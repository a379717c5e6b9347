/*
 * print.c -- the print drivers' table and the proofs of their hand-overs as
 * the outbox keeps them; see print.h.
 *
 * A proof is written as "tag:path" when the file is the proof (the folder)
 * and "tag:name|path" when the print house holds it under the volume's
 * name.  Both are read back here and nowhere else.
 */
#include <stdlib.h>
#include <string.h>

#include "print.h"
#include "xmalloc.h"

const struct print_ops *const print_drivers[] = {
	&print_folder_ops,
	&print_sftp_ops,
	&print_cups_ops,
	NULL,
};

char *
print_proof_reason(const struct print_ops *drv, const char *path, const char *name)
{
	if (drv->remote)
		return xasprintf("%s:%s|%s", drv->tag, name, path);
	return xasprintf("%s:%s", drv->tag, path);
}

int
print_proof_read(const char *reason, struct print_proof *pf)
{
	const struct print_ops *const *d;
	const char *rest, *bar;
	size_t n = 0;

	memset(pf, 0, sizeof(*pf));
	for (d = print_drivers; *d != NULL; d++) {
		n = strlen((*d)->tag);
		if (strncmp(reason, (*d)->tag, n) == 0 && reason[n] == ':')
			break;
	}
	if (*d == NULL)
		return -1;
	rest = reason + n + 1;
	if (!(*d)->remote) {
		pf->path = xstrdup(rest);
	} else {
		if ((bar = strchr(rest, '|')) == NULL)
			return -1;
		pf->name = xstrndup(rest, (size_t)(bar - rest));
		pf->path = xstrdup(bar + 1);
	}
	pf->by = *d;
	return 0;
}

void
print_proof_free(struct print_proof *pf)
{
	free(pf->name);
	free(pf->path);
	memset(pf, 0, sizeof(*pf));
}
