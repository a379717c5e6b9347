/*
 * spool.c -- claims on a shared spool (see spool.h for the design).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"
#include "hook.h"
#include "spool.h"
#include "text.h"
#include "xmalloc.h"

#define CLAIMS "behandlas"
#define BEATS ".vaktare"

/* This host's name, or the test hook EXPEDIERA_TEST_HOST (the tests' second
 * "host" on one machine), kept to what a hostname may hold. */
static void
host_name(char *out, size_t len)
{
	const char *env = test_hook("EXPEDIERA_TEST_HOST");
	char buf[256] = "";
	size_t i, j = 0;

	if (env != NULL && env[0] != '\0')
		snprintf(buf, sizeof(buf), "%s", env);
	else if (gethostname(buf, sizeof(buf) - 1) != 0 || buf[0] == '\0')
		snprintf(buf, sizeof(buf), "okand");
	for (i = 0; buf[i] != '\0' && j + 1 < len; i++) {
		char ch = buf[i];

		out[j++] = ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '.' || ch == '-') ? ch : '-';
	}
	out[j] = '\0';
}

int
spool_open(struct spool *sp, const char *dir, int lease)
{
	unsigned char rnd[4] = {0};
	char *p;
	int fd, rc;

	memset(sp, 0, sizeof(*sp));
	sp->dir = xstrdup(dir);
	host_name(sp->host, sizeof(sp->host));
	sp->pid = (long)getpid();
	sp->lease = lease > 0 ? lease : 120;
	if ((fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) != -1) {
		if (read(fd, rnd, sizeof(rnd)) != (ssize_t)sizeof(rnd))
			memset(rnd, 0, sizeof(rnd));
		close(fd);
	}
	text_hex(rnd, sizeof(rnd), sp->token);
	sp->beat = xasprintf("%s/%s/%s", dir, BEATS, sp->host);
	p = xasprintf("%s/%s", dir, CLAIMS);
	rc = file_mkdirs(p);
	free(p);
	if (rc == 0) {
		p = xasprintf("%s/%s", dir, BEATS);
		rc = file_mkdirs(p);
		free(p);
	}
	return rc;
}

void
spool_close(struct spool *sp)
{
	free(sp->dir);
	free(sp->beat);
	memset(sp, 0, sizeof(*sp));
}

/* The modification time of path as the server has it now: open(2) makes an
 * NFS client ask the server (close-to-open), where stat may answer from
 * its cache. */
static int
fresh_mtime(const char *path, time_t *t)
{
	struct stat sb;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd == -1)
		return -1;
	if (fstat(fd, &sb) == -1) {
		close(fd);
		return -1;
	}
	close(fd);
	*t = sb.st_mtime;
	return 0;
}

int
spool_beat(struct spool *sp, time_t *now)
{
	struct stat sb;
	char line[32];
	int fd = open(sp->beat, O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);

	if (fd == -1)
		return -1;
	snprintf(line, sizeof(line), "%ld\n", sp->pid);
	if (pwrite(fd, line, strlen(line), 0) == -1 || futimens(fd, NULL) == -1 ||
	    fstat(fd, &sb) == -1) {
		close(fd);
		return -1;
	}
	close(fd);
	*now = sb.st_mtime;
	return 0;
}

int
spool_other_host(struct spool *sp, time_t now, char *host, size_t hostlen)
{
	char *dir = xasprintf("%s/%s", sp->dir, BEATS);
	struct dirent *de;
	DIR *d = opendir(dir);
	int found = 0;

	if (d == NULL) {
		free(dir);
		return 0;
	}
	while (!found && (de = readdir(d)) != NULL) {
		char *p;
		time_t t;

		if (de->d_name[0] == '.' || strcmp(de->d_name, sp->host) == 0)
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		if (fresh_mtime(p, &t) == 0 && now - t <= sp->lease) {
			snprintf(host, hostlen, "%s", de->d_name);
			found = 1;
		}
		free(p);
	}
	closedir(d);
	free(dir);
	return found;
}

/* Renews the lease: touches the claimed folder (and the beat) every third
 * of it until told to stop; a folder gone means the claim was taken. */
static void *
renew(void *arg)
{
	struct spool_claim *c = arg;
	int every = c->sp->lease / 3 > 0 ? c->sp->lease / 3 : 1;

	pthread_mutex_lock(&c->mu);
	while (!c->stop) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += every;
		while (!c->stop && pthread_cond_timedwait(&c->cv, &c->mu, &ts) != ETIMEDOUT)
			;
		if (c->stop)
			break;
		if (utimensat(AT_FDCWD, c->path, NULL, 0) == -1 && errno == ENOENT)
			c->lost = 1;
		utimensat(AT_FDCWD, c->sp->beat, NULL, 0);
	}
	pthread_mutex_unlock(&c->mu);
	return NULL;
}

/* Moves from (a package folder) to a new claim of this process's; the
 * folder is touched first, so its lease is fresh the moment it is a claim. */
static int
claim_from(struct spool *sp, const char *from, const char *name, struct spool_claim *c)
{
	char *to;

	if (utimensat(AT_FDCWD, from, NULL, 0) == -1)
		return errno == ENOENT ? 1 : -1;
	to = xasprintf("%s/%s/%s~%s~%ld~%s.%u~%d", sp->dir, CLAIMS, name, sp->host, sp->pid,
	    sp->token, ++sp->serial, sp->lease);
	if (rename(from, to) == -1) {
		int e = errno;
		struct stat sb;

		/* A rename the server did but whose reply was lost reads as ENOENT. */
		if (e != ENOENT || lstat(to, &sb) == -1) {
			free(to);
			errno = e;
			return e == ENOENT ? 1 : -1;
		}
	}
	utimensat(AT_FDCWD, to, NULL, 0);
	memset(c, 0, sizeof(*c));
	c->sp = sp;
	c->path = to;
	c->name = xstrdup(name);
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	if (pthread_create(&c->thread, NULL, renew, c) == 0)
		c->running = true;
	return 0;
}

int
spool_claim(struct spool *sp, const char *name, struct spool_claim *c)
{
	char *from = xasprintf("%s/inkommande/%s", sp->dir, name);
	int rc = claim_from(sp, from, name, c);

	free(from);
	return rc;
}

/* NAME~HOST~PID~TOKEN~LEASE, split from the right (NAME may hold '~'). */
static int
parse_entry(const char *entry, char **name, char *host, size_t hostlen, long *pid, int *lease)
{
	const char *f[4];
	const char *end = entry + strlen(entry);
	int i;
	char *e;

	for (i = 3; i >= 0; i--) {
		const char *p = end;

		while (p > entry && p[-1] != '~')
			p--;
		if (p == entry)
			return -1;
		f[i] = p;
		end = p - 1;
	}
	if (end == entry || (size_t)(f[1] - f[0] - 1) >= hostlen)
		return -1;
	memcpy(host, f[0], (size_t)(f[1] - f[0] - 1));
	host[f[1] - f[0] - 1] = '\0';
	*pid = strtol(f[1], &e, 10);
	if (*e != '~' || *pid <= 0)
		return -1;
	*lease = (int)strtol(f[3], &e, 10);
	if (*e != '\0' || *lease <= 0)
		return -1;
	*name = xstrndup(entry, (size_t)(end - entry));
	return 0;
}

struct spool_stale *
spool_stale(struct spool *sp, time_t now, size_t *n)
{
	char *dir = xasprintf("%s/%s", sp->dir, CLAIMS);
	struct spool_stale *out = NULL;
	size_t cap = 0;
	struct dirent *de;
	DIR *d = opendir(dir);

	*n = 0;
	if (d == NULL) {
		free(dir);
		return NULL;
	}
	while ((de = readdir(d)) != NULL) {
		char host[64], *name, *p;
		long pid;
		int lease;
		time_t t;
		bool stale;

		if (de->d_name[0] == '.' ||
		    parse_entry(de->d_name, &name, host, sizeof(host), &pid, &lease) == -1)
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		stale = false;
		if (strcmp(host, sp->host) == 0 && pid == sp->pid)
			stale = false; /* this process's own */
		else if (fresh_mtime(p, &t) == 0 && now - t > lease)
			stale = true;
		else if (strcmp(host, sp->host) == 0 && kill((pid_t)pid, 0) == -1 && errno == ESRCH)
			stale = true; /* its process on this host is gone */
		free(p);
		if (!stale) {
			free(name);
			continue;
		}
		if (*n == cap) {
			cap = cap ? 2 * cap : 4;
			out = xreallocarray(out, cap, sizeof(*out));
		}
		out[*n].entry = xstrdup(de->d_name);
		out[*n].name = name;
		snprintf(out[*n].host, sizeof(out[*n].host), "%s", host);
		(*n)++;
	}
	closedir(d);
	free(dir);
	return out;
}

void
spool_stale_free(struct spool_stale *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(s[i].entry);
		free(s[i].name);
	}
	free(s);
}

int
spool_take(struct spool *sp, const struct spool_stale *s, struct spool_claim *c)
{
	char *from = xasprintf("%s/%s/%s", sp->dir, CLAIMS, s->entry);
	int rc = claim_from(sp, from, s->name, c);

	free(from);
	return rc;
}

int
spool_release(struct spool_claim *c, const char *dest, char *out, size_t outlen)
{
	char *dir = xasprintf("%s/%s", c->sp->dir, dest);
	int i, rc = -1;

	if (c->running) {
		pthread_mutex_lock(&c->mu);
		c->stop = true;
		pthread_cond_signal(&c->cv);
		pthread_mutex_unlock(&c->mu);
		pthread_join(c->thread, NULL);
	}
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	if (c->lost) {
		errno = ESTALE;
		goto out;
	}
	if (file_mkdirs(dir) == -1)
		goto out;
	for (i = 1; i < 1000; i++) {
		struct stat sb;

		if (i == 1)
			snprintf(out, outlen, "%s/%s", dir, c->name);
		else
			snprintf(out, outlen, "%s/%s-%d", dir, c->name, i);
		if (lstat(out, &sb) == 0 || errno != ENOENT)
			continue;
		rc = rename(c->path, out);
		break;
	}
out:
	free(dir);
	free(c->path);
	free(c->name);
	c->path = c->name = NULL;
	return rc;
}
