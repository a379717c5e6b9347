/*
 * file.c -- output files; see file.h.
 *
 * A temporary file has no name while it is written (O_TMPFILE), or, where
 * the file system has no unnamed files (NFS), one made as mkstemp(3) makes
 * it: a name nobody can guess (".NAME.tmpPID-RANDOM", 64 random bits),
 * created with O_EXCL|O_NOFOLLOW, mode 0600.  So in a folder another
 * account may write to, nothing it placed there beforehand (a file readable
 * by all, a symbolic link) receives what we write.  The pid stays in the
 * name for file_sweep.
 *
 * A delivered file takes its name with link(2), not rename(2): link fails
 * when the name exists, so a delivery never replaces another file (another
 * meeting's, another log's), whatever the names turn out to be.  Only what
 * the user names with -o (render, protokoll) is replaced, by rename(2).  The
 * directory is synced after, so the name is as durable as the bytes.
 */
/* O_TMPFILE (Linux) */
#define _GNU_SOURCE

#include <sys/random.h>
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

/* The longest part of NAME a temporary name keeps: room for the suffix. */
#define TMP_NAME_MAX 128

/* A temporary name in dir for name: ".NAME.tmpPID-RANDOM"; NULL with errno. */
static char *
tmp_name(const char *dir, const char *name)
{
	unsigned char r[8];
	char hex[2 * sizeof(r) + 1];
	size_t i;

	while (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r))
		if (errno != EINTR)
			return NULL;
	for (i = 0; i < sizeof(r); i++)
		snprintf(hex + 2 * i, 3, "%02x", r[i]);
	return xasprintf("%s/.%.*s.tmp%ld-%s", dir, TMP_NAME_MAX, name, (long)getpid(), hex);
}

/*
 * Gives the file open as fd the name path, replacing only when asked, and
 * fsyncs the directory.  tmp is its temporary name, or NULL when it has none
 * (O_TMPFILE): then it is linked in through /proc/self/fd, and to replace,
 * first under a temporary name of its own.  tmp is gone after, either way.
 */
static int
publish(int fd, const char *tmp, const char *path, bool replace)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/'), *via = NULL;
	char proc[64];
	int dfd, saved = 0, tries;

	if (slash != NULL)
		*slash = '\0';
	if (tmp == NULL) {
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		if (!replace) {
			if (linkat(AT_FDCWD, proc, AT_FDCWD, path, AT_SYMLINK_FOLLOW) == -1)
				saved = errno;
			goto synced;
		}
		for (tries = 0; tries < 100; tries++) {
			free(via);
			if ((via = tmp_name(slash != NULL ? (dir[0] != '\0' ? dir : "/") : ".",
			    slash != NULL ? slash + 1 : path)) == NULL) {
				saved = errno;
				goto synced;
			}
			if (linkat(AT_FDCWD, proc, AT_FDCWD, via, AT_SYMLINK_FOLLOW) == 0)
				break;
			if (errno != EEXIST) {
				saved = errno;
				goto synced;
			}
		}
		tmp = via;
	}
	if (replace ? rename(tmp, path) == -1 : link(tmp, path) == -1)
		saved = errno;
	if (!replace || saved != 0)
		unlink(tmp);
synced:
	if (saved == 0) {
		if ((dfd = open(slash != NULL ? (dir[0] != '\0' ? dir : "/") : ".",
		    O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
			if (fsync(dfd) == -1 && errno != EINVAL)
				saved = errno;
			close(dfd);
		}
	}
	free(via);
	free(dir);
	errno = saved;
	return saved == 0 ? 0 : -1;
}

/*
 * Opens a new file in dir for name, mode 0600, for reading and writing:
 * unnamed (O_TMPFILE) where the file system and /proc allow, so a run
 * killed while writing leaves nothing; else under tmp_name with
 * O_EXCL|O_NOFOLLOW.  The fd, with *tmp the name (the caller's, to free) or
 * NULL; or -1 with errno.
 */
static int
tmp_open(const char *dir, const char *name, char **tmp)
{
	int fd = -1, tries;

	*tmp = NULL;
	if (access("/proc/self/fd", X_OK) == 0 &&
	    (fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600)) != -1)
		return fd;
	for (tries = 0; tries < 100; tries++) {
		free(*tmp);
		if ((*tmp = tmp_name(dir, name)) == NULL)
			return -1;
		fd = open(*tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd != -1 || errno != EEXIST)
			break;
	}
	if (fd == -1) {
		int saved = errno;

		free(*tmp);
		*tmp = NULL;
		errno = saved;
	}
	return fd;
}

static int
write_whole(const char *dir, const char *name, const void *buf, size_t len, mode_t mode,
    bool replace)
{
	char *path = xasprintf("%s/%s", dir, name);
	char *tmp = NULL;
	const char *p = buf;
	int fd, saved = 0;

	if ((fd = tmp_open(dir, name, &tmp)) == -1) {
		saved = errno;
		goto out;
	}
	/* exactly mode, whatever the umask; never more than the caller asked */
	if (mode != 0600 && fchmod(fd, mode) == -1)
		saved = errno;
	while (saved == 0 && len > 0) {
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
	if (saved == 0 && publish(fd, tmp, path, replace) == -1)
		saved = errno;
	if (close(fd) == -1 && saved == 0)
		saved = errno;
	if (saved != 0 && tmp != NULL)
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
	return write_whole(dir, name, buf, len, 0600, true);
}

int
file_write_new(const char *dir, const char *name, const void *buf, size_t len)
{
	return write_whole(dir, name, buf, len, 0600, false);
}

int
file_write_path(const char *path, const void *buf, size_t len, mode_t mode)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	int rc;

	if (slash != NULL)
		*slash = '\0';
	rc = write_whole(slash != NULL ? (dir[0] != '\0' ? dir : "/") : ".",
	    slash != NULL ? slash + 1 : path, buf, len, mode, true);
	free(dir);
	return rc;
}

int
file_create(struct file_tmp *t, const char *dir, const char *name)
{
	int fd;

	t->path = xasprintf("%s/%s", dir, name);
	t->fp = NULL;
	fd = tmp_open(dir, name, &t->tmp);
	if (fd == -1 || (t->fp = fdopen(fd, "w+")) == NULL) {
		int saved = errno;

		if (fd != -1) {
			close(fd);
			if (t->tmp != NULL)
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
	if (saved == 0 && publish(fileno(t->fp), t->tmp, t->path, replace) == -1)
		saved = errno;
	if (fclose(t->fp) == EOF && saved == 0)
		saved = errno;
	t->fp = NULL;
	if (saved != 0 && t->tmp != NULL)
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

/*
 * ".NAME.tmpPID-RANDOM" as tmp_name makes them, or ".NAME.tmpPID" as
 * earlier versions did: PID, or 0.
 */
static long
tmp_pid(const char *name)
{
	const char *t = strstr(name, ".tmp"), *p;
	long pid = 0;
	size_t nhex;

	if (name[0] != '.' || t == NULL)
		return 0;
	/* the last ".tmp" */
	for (p = t; (p = strstr(p + 1, ".tmp")) != NULL;)
		t = p;
	for (p = t + 4; *p >= '0' && *p <= '9' && pid < 100000000; p++)
		pid = pid * 10 + (*p - '0');
	if (p == t + 4)
		return 0;
	if (*p == '-') {
		nhex = strspn(p + 1, "0123456789abcdef");
		if (nhex != 16)
			return 0;
		p += 1 + nhex;
	}
	return *p == '\0' ? pid : 0;
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
		else if (S_ISREG(sb.st_mode) && sb.st_uid == geteuid() &&
		    (pid = tmp_pid(de->d_name)) > 0 &&
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
