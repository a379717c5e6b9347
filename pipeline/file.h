/*
 * file.h -- writing output that holds personal data: created 0600, written
 * whole to a temporary name and then given its name, so no reader (a print
 * house, an archive job) ever sees half a file.
 */
#ifndef EXPEDIERA_FILE_H
#define EXPEDIERA_FILE_H

#include <sys/types.h>

#include <stddef.h>
#include <stdio.h>

/* mkdir -p with mode 0700 for new directories; 0 or -1 with errno. */
int file_mkdirs(const char *path);

/*
 * Writes buf to dir/name atomically, mode 0600; 0 or -1 with errno.
 * file_write replaces an existing dir/name (for what the user names with -o);
 * file_write_new never does (every delivery): EEXIST instead.
 */
int file_write(const char *dir, const char *name, const void *buf, size_t len);
int file_write_new(const char *dir, const char *name, const void *buf, size_t len);
/* file_write to a path (its folder, "." without one), created with exactly mode. */
int file_write_path(const char *path, const void *buf, size_t len, mode_t mode);

/*
 * Temporary files are unnamed (O_TMPFILE), or where the file system has
 * none, ".NAME.tmpPID-RANDOM" made with O_EXCL|O_NOFOLLOW: nothing another
 * account placed in dir receives what is written.
 *
 * The same for a file written a piece at a time: file_create opens a
 * temporary file in dir (mode 0600) for name; file_commit flushes, syncs,
 * closes and renames it to dir/name; file_discard closes and removes it.
 * 0 or -1 with errno; fp is closed by either.
 */
struct file_tmp {
	FILE *fp;
	char *tmp, *path;
};

int file_create(struct file_tmp *, const char *dir, const char *name);
int file_commit(struct file_tmp *);
int file_commit_new(struct file_tmp *); /* never replaces: EEXIST */

/*
 * Removes what a killed run left: our own named temporary files
 * (".NAME.tmpPID-RANDOM", and ".NAME.tmpPID" of earlier versions) in dir, and in its subdirectories depth
 * levels down, whose process is gone and which were not written for min_age
 * seconds (a process on another host sharing the folder keeps writing its
 * file).  They may hold personal data.  Returns how many were removed.
 */
size_t file_sweep(const char *dir, int min_age, int depth);
void file_discard(struct file_tmp *);

#endif
