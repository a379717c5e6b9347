/*
 * spool.c -- claims on a shared spool (see spool.h for the design).
 * Reads the spool's folders and this host's identity (/etc/machine-id,
 * the boot id, the pid namespace); writes nothing but renames and touches
 * in the spool.  A claim's name is read back as untrusted text.
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

/* The first line of path (at most len - 1 bytes, no newline); -1 when it
 * cannot be read or is empty. */
static int
first_line(const char *path, char *out, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd == -1)
		return -1;
	n = read(fd, out, len - 1);
	close(fd);
	if (n <= 0)
		return -1;
	out[n] = '\0';
	out[strcspn(out, "\n")] = '\0';
	return out[0] != '\0' ? 0 : -1;
}

/*
 * This host's identity, as far as a pid goes: the machine id (a clone may
 * share it), the boot id (new at every boot, so a cloned VM differs) and the
 * pid namespace (containers on one kernel differ).  Two processes whose
 * identities agree can ask each other's pid; "" when the boot id or the
 * namespace cannot be read, and then no pid is ever asked.  In the test
 * build EXPEDIERA_TEST_MACHINE (or else EXPEDIERA_TEST_HOST, the tests'
 * second host) stands for the machine id, so one machine plays several.
 */
static void
host_identity(char out[17])
{
	const char *tm = test_hook("EXPEDIERA_TEST_MACHINE");
	const char *th = test_hook("EXPEDIERA_TEST_HOST");
	char machine[128] = "", boot[128], ns[128], hex[65], *all;
	ssize_t n;

	out[0] = '\0';
	if (tm != NULL && tm[0] != '\0')
		snprintf(machine, sizeof(machine), "test:%s", tm);
	else if (th != NULL && th[0] != '\0')
		snprintf(machine, sizeof(machine), "test-host:%s", th);
	else if (first_line("/etc/machine-id", machine, sizeof(machine)) == -1 &&
	    first_line("/var/lib/dbus/machine-id", machine, sizeof(machine)) == -1)
		machine[0] = '\0'; /* the boot id and namespace still tell hosts apart */
	if (first_line("/proc/sys/kernel/random/boot_id", boot, sizeof(boot)) == -1)
		return;
	if ((n = readlink("/proc/self/ns/pid", ns, sizeof(ns) - 1)) <= 0)
		return;
	ns[n] = '\0';
	all = xasprintf("%s\n%s\n%s", machine, boot, ns);
	if (text_sha256_hex(all, strlen(all), hex) == 0)
		snprintf(out, 17, "%.16s", hex);
	free(all);
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
	host_identity(sp->id);
	sp->pid = (long)getpid();
	sp->lease = lease > 0 ? lease : 120;
	if ((fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC)) != -1) {
		if (read(fd, rnd, sizeof(rnd)) != (ssize_t)sizeof(rnd))
			memset(rnd, 0, sizeof(rnd));
		close(fd);
	}
	text_hex(rnd, sizeof(rnd), sp->token);
	if (sp->id[0] != '\0')
		sp->beat = xasprintf("%s/%s/%s~%s", dir, BEATS, sp->host, sp->id);
	else
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
		const char *own = strrchr(sp->beat, '/') + 1;
		char *p;
		time_t t;

		/* Our own beat, or one an older expediera wrote under this host's
		 * name alone (it could not tell clones apart either). */
		if (de->d_name[0] == '.' || strcmp(de->d_name, own) == 0 ||
		    strcmp(de->d_name, sp->host) == 0)
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		if (fresh_mtime(p, &t) == 0 && now - t <= sp->lease) {
			/* HOST~ID: people are shown the name. */
			snprintf(host, hostlen, "%.*s", (int)strcspn(de->d_name, "~"), de->d_name);
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
	if (strlen(name) > SPOOL_NAME_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	to = xasprintf("%s/%s/%s~%s~%ld~%s.%u%s%s~%d", sp->dir, CLAIMS, name, sp->host, sp->pid,
	    sp->token, ++sp->serial, sp->id[0] != '\0' ? "." : "", sp->id, sp->lease);
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

/* NAME~HOST~PID~TOKEN.SERIAL[.ID]~LEASE, split from the right (NAME may hold
 * '~'); id is "" for a claim an older expediera made, without ID. */
static int
parse_entry(const char *entry, char **name, char *host, size_t hostlen, long *pid,
    char id[17], int *lease)
{
	const char *dot, *dot2;
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
	/* TOKEN.SERIAL.ID: an ID is 16 hex digits after the second dot. */
	id[0] = '\0';
	dot = memchr(f[2], '.', (size_t)(f[3] - 1 - f[2]));
	dot2 = dot != NULL ? memchr(dot + 1, '.', (size_t)(f[3] - 1 - (dot + 1))) : NULL;
	if (dot2 != NULL) {
		size_t k, len = (size_t)(f[3] - 1 - (dot2 + 1));

		if (len != 16)
			return -1;
		for (k = 0; k < len; k++)
			if (!((dot2[1 + k] >= '0' && dot2[1 + k] <= '9') ||
			    (dot2[1 + k] >= 'a' && dot2[1 + k] <= 'f')))
				return -1;
		memcpy(id, dot2 + 1, 16);
		id[16] = '\0';
	}
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
		char host[64], id[17], *name, *p;
		long pid;
		int lease;
		time_t t;
		bool stale, same;

		if (de->d_name[0] == '.' ||
		    parse_entry(de->d_name, &name, host, sizeof(host), &pid, id, &lease) == -1)
			continue;
		p = xasprintf("%s/%s", dir, de->d_name);
		/* Not the name: a clone has ours.  An old claim (no ID) is nobody's. */
		same = sp->id[0] != '\0' && strcmp(id, sp->id) == 0;
		stale = false;
		if (same && pid == sp->pid)
			stale = false; /* this process's own */
		else if (fresh_mtime(p, &t) == 0 && now - t > lease)
			stale = true;
		else if (same && kill((pid_t)pid, 0) == -1 && errno == ESRCH)
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
		out[*n].same_host = same;
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

/* Renames from to SPOOL/DEST/NAME, or NAME-2, NAME-3 ... when that is
 * taken; rename's result, -1 with errno. */
static int
move_to(const struct spool *sp, const char *from, const char *dest, const char *name,
    char *out, size_t outlen)
{
	char *dir = xasprintf("%s/%s", sp->dir, dest);
	int i, rc = -1;

	if (file_mkdirs(dir) == -1)
		goto out;
	errno = EEXIST;
	for (i = 1; i < 1000; i++) {
		struct stat sb;

		if (i == 1)
			snprintf(out, outlen, "%s/%s", dir, name);
		else
			snprintf(out, outlen, "%s/%s-%d", dir, name, i);
		if (lstat(out, &sb) == 0 || errno != ENOENT)
			continue;
		rc = rename(from, out);
		break;
	}
out:
	free(dir);
	return rc;
}

int
spool_reject(struct spool *sp, const char *name, char *out, size_t outlen)
{
	char *from = xasprintf("%s/inkommande/%s", sp->dir, name);
	int rc = move_to(sp, from, "avvisade", name, out, outlen);

	if (rc == -1 && errno == ENOENT) {
		struct stat sb;

		rc = lstat(from, &sb) == -1 && errno == ENOENT ? 1 : -1;
		errno = ENOENT;
	}
	free(from);
	return rc;
}

int
spool_release(struct spool_claim *c, const char *dest, char *out, size_t outlen)
{
	int rc = -1;

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
	rc = move_to(c->sp, c->path, dest, c->name, out, outlen);
out:
	free(c->path);
	free(c->name);
	c->path = c->name = NULL;
	return rc;
}
