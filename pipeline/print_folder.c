/*
 * print_folder.c -- the folder print back-end: the volume and its manifest
 * written into [print] folder are the hand-over; whoever prints takes them
 * from there.  See print.h.
 *
 * Reads: nothing but whether a file is there.
 * Writes: nothing; after a stop, it removes a manifest whose volume never
 * came.
 *
 * Its proof, a file in a folder, is also the proof of every other file a
 * run writes (the archive, a hand-over folder): "fil:path".
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "print.h"
#include "xmalloc.h"

/* Written into the folder already: nothing more to do. */
static int
folder_hand_over(const struct config *cfg, const char *path, const char *name,
    const char *mname, char *err, size_t errlen)
{
	(void)cfg;
	(void)path;
	(void)name;
	(void)mname;
	(void)err;
	(void)errlen;
	return 0;
}

static int
folder_find_proof(const struct config *cfg, const struct print_proof *pf, char *err,
    size_t errlen)
{
	(void)cfg;
	(void)err;
	(void)errlen;
	return access(pf->path, F_OK) == 0;
}

/* A manifest without its volume is not a volume: remove it. */
static void
folder_forget(const struct print_proof *pf)
{
	size_t n = strlen(pf->path);

	if (n > 4 && strcmp(pf->path + n - 4, ".pdf") == 0) {
		char *m = xasprintf("%.*s.csv", (int)n - 4, pf->path);

		unlink(m);
		free(m);
	}
}

const struct print_ops print_folder_ops = {
	.name = "folder", .tag = "fil", .remote = false,
	.recovered = "återställd efter avbrott: filen fanns",
	.hand_over = folder_hand_over, .find_proof = folder_find_proof, .forget = folder_forget,
};
