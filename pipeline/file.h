/*
 * file.h -- writing output that holds personal data: created 0600, written
 * whole to a temporary name and renamed, so no reader (a print house, an
 * archive job) ever sees half a file.
 */
#ifndef EXPEDIERA_FILE_H
#define EXPEDIERA_FILE_H

#include <stddef.h>

/* mkdir -p with mode 0700 for new directories; 0 or -1 with errno. */
int file_mkdirs(const char *path);

/* Writes buf to dir/name atomically, mode 0600; 0 or -1 with errno. */
int file_write(const char *dir, const char *name, const void *buf, size_t len);

#endif
