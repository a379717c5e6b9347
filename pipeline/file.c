/*
 * file.c -- output files; see file.h.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "xmalloc.h"

int
file_mkdirs(const char *path)
{
	char *p = xstrdup(path), *s;
	struct stat st;
	int rc = 0;

	for (s = p + 1; rc == 0; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;

		*s = '\0';
		if (mkdir(p, 0700) == -1 && errno != EEXIST)
			rc = -1;
		else if (stat(p, &st) == -1 || !S_ISDIR(st.st_mode)) {
			errno = ENOTDIR;
			rc = -1;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	return rc;
}

int
file_write(const char *dir, const char *name, const void *buf, size_t len)
{
	char *path = xasprintf("%s/%s", dir, name);
	char *tmp = xasprintf("%s/.%s.tmp%ld", dir, name, (long)getpid());
	const char *p = buf;
	int fd, saved = 0;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1) {
		saved = errno;
		goto out;
	}
	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1) {
			saved = errno;
			break;
		}
		p += w;
		len -= (size_t)w;
	}
	if (saved == 0 && fsync(fd) == -1)
		saved = errno;
	if (close(fd) == -1 && saved == 0)
		saved = errno;
	if (saved == 0 && rename(tmp, path) == -1)
		saved = errno;
	if (saved != 0)
		unlink(tmp);
out:
	free(path);
	free(tmp);
	errno = saved;
	return saved == 0 ? 0 : -1;
}

int
file_create(struct file_tmp *t, const char *dir, const char *name)
{
	int fd;

	t->path = xasprintf("%s/%s", dir, name);
	t->tmp = xasprintf("%s/.%s.tmp%ld", dir, name, (long)getpid());
	t->fp = NULL;
	fd = open(t->tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1 || (t->fp = fdopen(fd, "w+")) == NULL) {
		int saved = errno;

		if (fd != -1) {
			close(fd);
			unlink(t->tmp);
		}
		free(t->path);
		free(t->tmp);
		t->path = t->tmp = NULL;
		errno = saved;
		return -1;
	}
	return 0;
}

int
file_commit(struct file_tmp *t)
{
	int saved = 0;

	if (fflush(t->fp) == EOF || ferror(t->fp))
		saved = errno ? errno : EIO;
	if (saved == 0 && fsync(fileno(t->fp)) == -1)
		saved = errno;
	if (fclose(t->fp) == EOF && saved == 0)
		saved = errno;
	t->fp = NULL;
	if (saved == 0 && rename(t->tmp, t->path) == -1)
		saved = errno;
	if (saved != 0)
		unlink(t->tmp);
	free(t->tmp);
	free(t->path);
	t->tmp = t->path = NULL;
	errno = saved;
	return saved == 0 ? 0 : -1;
}

void
file_discard(struct file_tmp *t)
{
	if (t->fp != NULL)
		fclose(t->fp);
	if (t->tmp != NULL)
		unlink(t->tmp);
	free(t->tmp);
	free(t->path);
	memset(t, 0, sizeof(*t));
}
