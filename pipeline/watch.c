/*
 * watch.c -- the automated dispatch: a service that sends every session
 * package dropped, complete, in SPOOL/inkommande/ when its protocol is
 * justerat, moves rejected ones to SPOOL/avvisade/ with a felrapport and
 * sent ones to SPOOL/klara/.  Packages are claimed first (spool.c), so
 * several hosts may share one spool.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "audit.h"
#include "file.h"
#include "spool.h"
#include "xmalloc.h"

static volatile sig_atomic_t stop_watch;

static void
on_term(int sig)
{
	(void)sig;
	stop_watch = 1;
}

/* Copies the file at path into dir (same name); quietly does nothing for "". */
static void
copy_file(const char *path, const char *dir)
{
	const char *base = strrchr(path, '/');
	char buf[65536], *data = NULL;
	size_t n, len = 0;
	FILE *fp;

	if (path[0] == '\0' || (fp = fopen(path, "rb")) == NULL)
		return;
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) {
		data = xreallocarray(data, len + n, 1);
		memcpy(data + len, buf, n);
		len += n;
	}
	fclose(fp);
	if (file_write(dir, base != NULL ? base + 1 : path, data, len) == -1)
		fprintf(stderr, "expediera: kan inte kopiera %s till %s: %s\n", path, dir,
		    strerror(errno));
	free(data);
}

/* The findings as a text report (and a PDF) beside the rejected package. */
static void
write_report(const char *dir, struct run *r)
{
	const struct session *s = &r->s;
	struct render rd;
	unsigned char *pdf;
	size_t plen;
	const char *base;
	char err[256];
	char *txt;
	size_t len;
	FILE *fp = open_memstream(&txt, &len);

	if (fp == NULL)
		return;
	fprintf(fp, "Sessionspaketet avvisades: %zu fel, %zu varningar.\n"
	    "Rätta felen och lägg paketet i inkommande/ igen, med filen KLAR sist.\n\n",
	    s->diag.errors, s->diag.warnings);
	diag_print_text(&s->diag, fp);
	fclose(fp);
	if (file_write(dir, "felrapport.txt", txt, len) == -1)
		fprintf(stderr, "expediera: kan inte skriva %s/felrapport.txt: %s\n", dir,
		    strerror(errno));
	free(txt);
	render_setup(&rd, r);
	base = strrchr(dir, '/');
	if (render_felrapport(&rd, base != NULL ? base + 1 : dir, &pdf, &plen, err,
	    sizeof(err)) == 0) {
		if (file_write(dir, "felrapport.pdf", pdf, plen) == -1)
			fprintf(stderr, "expediera: kan inte skriva %s/felrapport.pdf: %s\n", dir,
			    strerror(errno));
		free(pdf);
	} else
		fprintf(stderr, "expediera: felrapporten: %s\n", err);
}

/*
 * A package part of which waits for its justering stays in inkommande after
 * what could go went; PKG/.vantar holds the package's digest as it was then,
 * so later passes do not run it again (a new batch and lista every five
 * seconds) until the package changes: the secretary adds <justerad>.
 */
#define WAIT_MARK ".vantar"

static bool
dispatched_as_is(const char *pkg)
{
	char *path = xasprintf("%s/%s", pkg, WAIT_MARK), now[65], was[80] = "";
	FILE *fp = fopen(path, "r");
	bool same = false;

	free(path);
	if (fp == NULL)
		return false;
	if (fgets(was, sizeof(was), fp) != NULL && session_digest(pkg, now) == 0)
		same = strncmp(was, now, 64) == 0 && (was[64] == '\n' || was[64] == '\0');
	fclose(fp);
	return same;
}

static void
mark_dispatched(const char *pkg)
{
	char digest[65], line[66];

	if (session_digest(pkg, digest) == -1)
		return;
	snprintf(line, sizeof(line), "%s\n", digest);
	if (file_write(pkg, WAIT_MARK, line, strlen(line)) == -1)
		fprintf(stderr, "expediera: %s: kan inte skriva %s: %s\n", shown(pkg), WAIT_MARK,
		    strerror(errno));
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Where a claimed package goes back to when it is not done: inkommande. */
static void
put_back(struct spool_claim *c, const char *name)
{
	char moved[1024];

	if (spool_release(c, "inkommande", moved, sizeof(moved)) == -1)
		fprintf(stderr, "expediera: %s: kan inte lägga tillbaka paketet i inkommande/: %s\n",
		    shown(name), c->lost ? "en annan dator har tagit över det" : strerror(errno));
}

/* Works on one claimed package, and moves it where it belongs. */
static int
watch_package(const struct options *o, struct spool_claim *c)
{
	struct options po = *o;
	struct run r;
	char *name = xstrdup(c->name), *pkg = xstrdup(c->path), moved[1024];
	int rc, worst = EXIT_OK;

	po.session = pkg; /* the claim's path, which spool_release frees */
	po.dry_run = false;
	po.skip_invalid = false;
	po.json = false;
	if ((rc = run_load(&r, &po, NEED_LETTER)) != 0) {
		fprintf(stderr, "expediera: %s: kunde inte läsas; försöker igen senare\n",
		    shown(name));
		put_back(c, name);
		run_free(&r);
		free(name);
		free(pkg);
		return rc;
	}
	if (r.s.diag.errors == 0 && r.s.diag.waits > 0 && dispatched_as_is(pkg)) {
		printf("%s: väntar på justering\n", shown(name));
		put_back(c, name);
	} else if (r.s.diag.errors > 0) {
		if (spool_release(c, "avvisade", moved, sizeof(moved)) == 0) {
			write_report(moved, &r);
			printf("%s: avvisat med %zu fel, se %s/felrapport.txt\n",
			    shown(name), r.s.diag.errors, shown(moved));
		} else
			fprintf(stderr, "expediera: %s: kan inte flytta till avvisade/: %s\n",
			    shown(name), c->lost ? "en annan dator har tagit över det" :
			    strerror(errno));
	} else {
		struct send_result res;

		memset(&res, 0, sizeof(res));
		rc = send_for_real(&po, &r, &res);
		if ((rc == EXIT_OK || rc == EXIT_DELIVERY) && res.waiting > 0) {
			/* What may go went; the rest waits in inkommande for its justering. */
			mark_dispatched(pkg);
			printf("%s: %zu skickade; %zu väntar på justering\n", shown(name),
			    res.sent, res.waiting);
			if (rc == EXIT_DELIVERY && res.held + res.failed > 0)
				worst = EXIT_DELIVERY;
			put_back(c, name);
		} else if (rc == EXIT_DELIVERY && res.other > 0) {
			/* Some försändelser are another worker's (PostgreSQL), or still a
			 * dead worker's until their lease runs out: not done yet. */
			printf("%s: %zu skickade; %zu hanteras av en annan arbetare, försöker igen "
			    "senare\n", shown(name), res.sent, res.other);
			put_back(c, name);
			worst = EXIT_DELIVERY;
		} else if (rc == EXIT_OK || rc == EXIT_DELIVERY) {
			/* Sent (what is held is in the outbox); the package is done. */
			if (spool_release(c, "klara", moved, sizeof(moved)) == 0) {
				copy_file(res.lista_pdf, moved);
				copy_file(res.lista_csv, moved);
				printf("%s: skickat, flyttat till %s\n", shown(name), shown(moved));
			} else
				fprintf(stderr, "expediera: %s: kan inte flytta till klara/: %s\n",
				    shown(name), c->lost ? "en annan dator har tagit över det" :
				    strerror(errno));
			if (rc == EXIT_DELIVERY)
				worst = EXIT_DELIVERY;
		} else {
			fprintf(stderr, "expediera: %s: skickades inte (status %d); försöker igen "
			    "senare\n", shown(name), rc);
			worst = rc;
			put_back(c, name);
		}
	}
	fflush(stdout);
	run_free(&r);
	free(name);
	free(pkg);
	return worst;
}

/*
 * Several hosts on one spool need one log they share (PostgreSQL): with a
 * SQLite file per host, a package whose host died half-way would be taken
 * over by a host whose log knows nothing of what was handed over, and sent
 * again.  So with SQLite, watch stops when another host's watch beat within
 * a lease, and leaves another host's dead claim for a person to look at.
 */
static bool
refuse_other_host(const char *spool, const char *host)
{
	fprintf(stderr, "expediera: en annan dator (%s) bevakar också %s, och "
	    "granskningsloggen här är en SQLite-fil. Flera datorer på samma spool kräver "
	    "granskningsloggen i PostgreSQL ([audit] database = postgresql://…, se "
	    "docs/postgresql.md); annars kan en försändelse skickas två gånger. Avbryter.\n",
	    shown(host), shown(spool));
	return true;
}

/* Names already reported on that are left where they are, so that a
 * service running for months says so once, not every five seconds. */
struct told {
	char **names;
	size_t n;
};

#define TOLD_MAX 1024

/* True the first time name is told (and after TOLD_MAX names, always). */
static bool
tell_once(struct told *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->names[i], name) == 0)
			return false;
	if (t->n < TOLD_MAX) {
		t->names = xreallocarray(t->names, t->n + 1, sizeof(*t->names));
		t->names[t->n++] = xstrdup(name);
	}
	return true;
}

static void
told_free(struct told *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		free(t->names[i]);
	free(t->names);
	memset(t, 0, sizeof(*t));
}

/* A package whose name no claim can carry goes to avvisade/ unclaimed (no
 * one else can claim it either), with a felrapport that says why. */
static void
reject_long_name(struct spool *sp, const char *name, struct told *told)
{
	char moved[1024], *txt;
	int rc = spool_reject(sp, name, moved, sizeof(moved));

	if (rc == 1)
		return; /* someone else moved it */
	if (rc == -1) {
		if (tell_once(told, name))
			fprintf(stderr, "expediera: %s: namnet är för långt (%zu byte, högst %d) "
			    "och kan inte flyttas till avvisade/: %s; byt till ett kortare namn\n",
			    shown(name), strlen(name), SPOOL_NAME_MAX, strerror(errno));
		return;
	}
	txt = xasprintf("Sessionspaketet avvisades: mappens namn är för långt (%zu byte, högst "
	    "%d).\nByt till ett kortare namn och lägg paketet i inkommande/ igen, med filen "
	    "KLAR sist.\n", strlen(name), SPOOL_NAME_MAX);
	if (file_write(moved, "felrapport.txt", txt, strlen(txt)) == -1)
		fprintf(stderr, "expediera: kan inte skriva %s/felrapport.txt: %s\n", shown(moved),
		    strerror(errno));
	free(txt);
	printf("%s: avvisat: namnet är för långt (%zu byte, högst %d), se %s/felrapport.txt\n",
	    shown(name), strlen(name), SPOOL_NAME_MAX, shown(moved));
}

/* One pass: first packages whose worker died, then every complete package in
 * SPOOL/inkommande in name order, each claimed before it is touched. */
static int
watch_pass(const struct options *o, struct spool *sp, bool shared_log, bool *refused,
    struct told *told)
{
	char *in = xasprintf("%s/inkommande", o->session), **names = NULL, other[64];
	size_t n = 0, cap = 0, i, nstale = 0;
	struct spool_stale *stale;
	struct dirent *de;
	time_t now;
	DIR *d;
	int worst = EXIT_OK, rc;

	if (spool_beat(sp, &now) == -1) {
		fprintf(stderr, "expediera: kan inte skriva i %s/.vaktare: %s\n", shown(o->session),
		    strerror(errno));
		free(in);
		return EXIT_SYSTEM;
	}
	if (!shared_log && spool_other_host(sp, now, other, sizeof(other))) {
		*refused = refuse_other_host(o->session, other);
		free(in);
		return EXIT_USAGE;
	}
	stale = spool_stale(sp, now, &nstale);
	for (i = 0; i < nstale && !stop_watch; i++) {
		struct spool_claim c;

		if (!shared_log && !stale[i].same_host) {
			fprintf(stderr, "expediera: %s: paketet togs av %s, som inte längre förnyar "
			    "det; med en SQLite-logg kan den här datorn inte veta vad som redan "
			    "skickades och tar inte över det (se docs/postgresql.md)\n",
			    shown(stale[i].name), shown(stale[i].host));
			continue;
		}
		if (spool_take(sp, &stale[i], &c) != 0)
			continue; /* another took it first */
		printf("%s: tas över från %s\n", shown(stale[i].name), shown(stale[i].host));
		if ((rc = watch_package(o, &c)) != EXIT_OK)
			worst = rc;
	}
	spool_stale_free(stale, nstale);

	if ((d = opendir(in)) == NULL) {
		fprintf(stderr, "expediera: kan inte läsa %s: %s\n", in, strerror(errno));
		free(in);
		return EXIT_SYSTEM;
	}
	while ((de = readdir(d)) != NULL) {
		struct stat sb;
		char *klar, *pkgdir;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (de->d_name[0] == '.') {
			/* Hidden: a copy under way (rsync) or not meant as a package. */
			if (tell_once(told, de->d_name))
				fprintf(stderr, "expediera: hoppar över %s: namn som börjar med punkt "
				    "räknas inte som sessionspaket\n", shown(de->d_name));
			continue;
		}
		/* A package is a directory dropped here, not a link to one elsewhere:
		 * whatever a link points at is neither sent nor moved. */
		pkgdir = xasprintf("%s/%s", in, de->d_name);
		if (lstat(pkgdir, &sb) == -1 || !S_ISDIR(sb.st_mode)) {
			if (errno = 0, lstat(pkgdir, &sb) == 0 && S_ISLNK(sb.st_mode))
				fprintf(stderr, "expediera: %s: en symbolisk länk, inte ett "
				    "sessionspaket; lämnas orört\n", shown(de->d_name));
			free(pkgdir);
			continue;
		}
		free(pkgdir);
		klar = xasprintf("%s/%s/KLAR", in, de->d_name);
		if (access(klar, F_OK) == 0) {
			if (n == cap) {
				cap = cap ? 2 * cap : 16;
				names = xreallocarray(names, cap, sizeof(*names));
			}
			names[n++] = xstrdup(de->d_name);
		}
		free(klar);
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_names);
	for (i = 0; i < n && !stop_watch; i++) {
		struct spool_claim c;

		if (strlen(names[i]) > SPOOL_NAME_MAX) {
			reject_long_name(sp, names[i], told);
			continue;
		}
		/* Claimed before it is read: another host has it, or it is gone. */
		if ((rc = spool_claim(sp, names[i], &c)) == 1)
			continue;
		if (rc == -1) {
			fprintf(stderr, "expediera: %s: kan inte ta paketet: %s\n", shown(names[i]),
			    strerror(errno));
			worst = EXIT_SYSTEM;
			continue;
		}
		if ((rc = watch_package(o, &c)) != EXIT_OK)
			worst = rc;
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	free(in);
	return worst;
}

int
cmd_watch(const struct options *o, struct run *r)
{
	struct sigaction sa;
	struct spool sp;
	struct told told = {NULL, 0};
	bool shared_log, refused = false;
	char err[512], other[64];
	int rc, lease;

	/* A configuration that cannot make a letter stops the service at once,
	 * before any package is moved or reported on. */
	rc = config_require_letter(&r->cfg, err, sizeof(err));
	shared_log = audit_shared(r->cfg.audit_database);
	lease = config_audit_lease(&r->cfg);
	if (rc == -1) {
		fprintf(stderr, "expediera: %s\n", err);
		return EXIT_USAGE;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (file_mkdirs(o->session) == -1) {
		fprintf(stderr, "expediera: kan inte skapa %s: %s\n", o->session, strerror(errno));
		return EXIT_SYSTEM;
	}
	{
		char *in = xasprintf("%s/inkommande", o->session);

		file_mkdirs(in);
		free(in);
	}
	if (spool_open(&sp, o->session, lease) == -1) {
		fprintf(stderr, "expediera: kan inte skapa mappar i %s: %s\n", shown(o->session),
		    strerror(errno));
		spool_close(&sp);
		return EXIT_SYSTEM;
	}
	/* With SQLite, look before this host's beat is written too: a second
	 * host that is refused must not stop the first. */
	if (!shared_log && spool_other_host(&sp, time(NULL), other, sizeof(other))) {
		refuse_other_host(o->session, other);
		spool_close(&sp);
		return EXIT_USAGE;
	}
	for (;;) {
		rc = watch_pass(o, &sp, shared_log, &refused, &told);
		if (refused) {
			/* Not beating here any more: the other host goes on. */
			unlink(sp.beat);
			spool_close(&sp);
			told_free(&told);
			return EXIT_USAGE;
		}
		if (o->once || stop_watch)
			break;
		sleep(5);
		if (stop_watch) {
			rc = EXIT_OK;
			break;
		}
	}
	spool_close(&sp);
	told_free(&told);
	return rc == EXIT_SYSTEM ? EXIT_SYSTEM : EXIT_OK;
}
