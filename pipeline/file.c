/*
 * file.c -- output files; see file.h.
 *
 * A delivered file takes its name with link(2), not rename(2): link fails
 * when the name exists, so a delivery never replaces another file (another
 * meeting's, another log's), whatever the names turn out to be.  Only what
 * the user names with -o (render, protokoll) is replaced, by rename(2).  The
 * directory is synced after, so the name is as durable as the bytes.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <signal.h>
#include <time.h>

#include <errno.h>
#include <stdbool.h>
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

/* Gives tmp the name path, replacing only when asked; fsyncs the directory. */
static int
publish(const char *tmp, const char *path, bool replace)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	int fd, saved = 0;

	if (replace ? rename(tmp, path) == -1 : link(tmp, path) == -1)
		saved = errno;
	if (!replace || saved != 0)
		unlink(tmp);
	if (saved == 0) {
		if (slash != NULL)
			*slash = '\0';
		if ((fd = open(slash != NULL ? (dir[0] != '\0' ? dir : "/") : ".",
		    O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
			if (fsync(fd) == -1 && errno != EINVAL)
				saved = errno;
			close(fd);
		}
	}
	free(dir);
	errno = saved;
	return saved == 0 ? 0 : -1;
}

static int
write_whole(const char *dir, const char *name, const void *buf, size_t len, bool replace)
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
	if (saved == 0 && publish(tmp, path, replace) == -1)
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
file_write(const char *dir, const char *name, const void *buf, size_t len)
{
	return write_whole(dir, name, buf, len, true);
}

int
file_write_new(const char *dir, const char *name, const void *buf, size_t len)
{
	return write_whole(dir, name, buf, len, false);
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

static int
commit_as(struct file_tmp *t, bool replace)
{
	int saved = 0;

	if (fflush(t->fp) == EOF || ferror(t->fp))
		saved = errno ? errno : EIO;
	if (saved == 0 && fsync(fileno(t->fp)) == -1)
		saved = errno;
	if (fclose(t->fp) == EOF && saved == 0)
		saved = errno;
	t->fp = NULL;
	if (saved == 0 && publish(t->tmp, t->path, replace) == -1)
		saved = errno;
	if (saved != 0)
		unlink(t->tmp);
	free(t->tmp);
	free(t->path);
	t->tmp = t->path = NULL;
	errno = saved;
	return saved == 0 ? 0 : -1;
}

int
file_commit(struct file_tmp *t)
{
	return commit_as(t, true);
}

int
file_commit_new(struct file_tmp *t)
{
	return commit_as(t, false);
}

/* ".NAME.tmpPID" as file_write and file_create name them: PID, or 0. */
static long
tmp_pid(const char *name)
{
	const char *t = strstr(name, ".tmp"), *p;
	long pid = 0;

	if (name[0] != '.' || t == NULL)
		return 0;
	/* the last ".tmp" */
	for (p = t; (p = strstr(p + 1, ".tmp")) != NULL;)
		t = p;
	for (p = t + 4; *p >= '0' && *p <= '9' && pid < 100000000; p++)
		pid = pid * 10 + (*p - '0');
	return *p == '\0' && p > t + 4 ? pid : 0;
}

size_t
file_sweep(const char *dir, int min_age, int depth)
{
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		char *path;
		struct stat sb;
		long pid;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		path = xasprintf("%s/%s", dir, de->d_name);
		if (lstat(path, &sb) == -1) {
			free(path);
			continue;
		}
		if (S_ISDIR(sb.st_mode) && depth > 0)
			n += file_sweep(path, min_age, depth - 1);
		else if (S_ISREG(sb.st_mode) && (pid = tmp_pid(de->d_name)) > 0 &&
		    time(NULL) - sb.st_mtime >= min_age && kill((pid_t)pid, 0) == -1 &&
		    errno == ESRCH && unlink(path) == 0)
			n++;
		free(path);
	}
	closedir(d);
	return n;
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
