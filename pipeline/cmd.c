/*
 * cmd.c -- the runner: what the command table says a command needs (the
 * configuration, the audit log and its lock or key, the session read and
 * checked) is done here, once, before the command's function; and what
 * several commands share.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>
#include <unistd.h>

#include "cmd.h"
#include "file.h"
#include "read.h"
#include "xmalloc.h"

/* Where the templates and the built fonts are, unless configured otherwise. */
#ifndef EXPEDIERA_TEMPLATES
#define EXPEDIERA_TEMPLATES "templates"
#endif
#ifndef EXPEDIERA_FONTS
#define EXPEDIERA_FONTS "build/fonts"
#endif

const char *
templates_dir(const struct config *cfg)
{
	const char *env = getenv("EXPEDIERA_TEMPLATES");

	if (cfg->templates_folder != NULL)
		return cfg->templates_folder;
	return env != NULL && env[0] != '\0' ? env : EXPEDIERA_TEMPLATES;
}

const char *
fonts_dir(void)
{
	const char *env = getenv("EXPEDIERA_FONTS");

	return env != NULL && env[0] != '\0' ? env : EXPEDIERA_FONTS;
}

/* [print] window: which envelope window the letters' address goes in. */
static int
print_window(const struct config *cfg)
{
	return strcmp(cfg->print_window, "right") == 0 ? WINDOW_RIGHT : WINDOW_LEFT;
}

/* The templates were loaded with the session (run_load), for check. */
void
render_setup(struct render *rd, struct run *r)
{
	memset(rd, 0, sizeof(*rd));
	rd->s = &r->s;
	rd->cfg = &r->cfg;
	rd->t = &r->t;
	rd->fontdir = fonts_dir();
	rd->window = print_window(&r->cfg);
}

void
run_free(struct run *r)
{
	audit_close(r->log);
	if (r->have_session)
		session_free(&r->s);
	pdf_free(r->metrics);
	tmpl_free(&r->t);
	appeal_free(r->appeal);
	dnr_pattern_free(r->dnr);
	if (r->have_cfg)
		config_free(&r->cfg);
}

/* The configuration alone, in a cleared run; 0 or an exit status. */
int
run_config(struct run *r, const struct options *o)
{
	char err[512];

	memset(r, 0, sizeof(*r));
	if (config_load(&r->cfg, config_pick(o->config), err, sizeof(err)) == -1) {
		fprintf(stderr, "expediera: %s\n", err);
		return EXIT_USAGE;
	}
	r->have_cfg = true;
	return 0;
}

/* The configuration's dnr pattern, templates and appeal table; 0 or an exit status. */
int
run_templates(struct run *r)
{
	char err[512];

	if ((r->dnr = dnr_pattern_new(r->cfg.dnr_pattern, err, sizeof(err))) == NULL) {
		fprintf(stderr, "expediera: %s: [dnr] pattern: %s\n",
		    r->cfg.file != NULL ? r->cfg.file : "inbyggt", err);
		return EXIT_USAGE;
	}
	if (tmpl_load(&r->t, templates_dir(&r->cfg), err, sizeof(err)) == -1) {
		fprintf(stderr, "expediera: %s\n", err);
		return EXIT_USAGE;
	}
	/* Which appeal route the law requires decides what a letter promises:
	 * a table that cannot be read stops the run like a broken template. */
	if ((r->appeal = appeal_load(templates_dir(&r->cfg), err, sizeof(err))) == NULL) {
		fprintf(stderr, "expediera: %s\n", err);
		return EXIT_USAGE;
	}
	return 0;
}

/* Counts what a later pass will render, for its progress. */
static int
count_sendable(void *arg, struct session *part)
{
	struct run *r = arg;
	size_t i;

	for (i = 0; i < part->protokoll.n_paragrafer; i++) {
		const struct paragraf *p = &part->protokoll.paragrafer[i];

		if (!p->blocked && !p->waiting && p->fb != NULL && p->fb->valid)
			r->sendable += p->fb->n_mottagare;
		if (p->nr == r->chk.skip && r->chk.skip != 0)
			r->have_skip = true;
	}
	return 0;
}

/*
 * Loads the configuration, reads and validates the session a part at a time
 * (parts.h: only the findings are kept); 0 or an exit status.  NEED_WHOLE
 * keeps the whole session in r->s instead, for the protocol; NEED_LETTER
 * wants a configuration that can make a letter; NEED_SENDS locks the log.
 */
int
run_load(struct run *r, const struct options *o, unsigned needs)
{
	char err[512];
	int rc;

	if ((rc = run_config(r, o)) != 0)
		return rc;
	/* A letter with a blank sender is worse than no letter.  check and a dry
	 * run make none, so they only warn (the dry run) or say nothing. */
	if ((needs & NEED_LETTER) && config_require_letter(&r->cfg, err, sizeof(err)) == -1) {
		if (!o->dry_run) {
			fprintf(stderr, "expediera: %s\n", err);
			return EXIT_USAGE;
		}
		fprintf(stderr, "expediera: varning: %s (provkörningen fortsätter; en riktig "
		    "sändning stoppas)\n", err);
	}
	/* The same templates, window and fonts as render_setup gives the letters. */
	if ((rc = run_templates(r)) != 0)
		return rc;
	if ((r->metrics = pdf_new(fonts_dir(), NULL, err, sizeof(err))) == NULL) {
		fprintf(stderr, "expediera: %s\n", err);
		return EXIT_SYSTEM;
	}
	r->aw.pdf = r->metrics;
	r->aw.g = &r->t.geo;
	r->aw.w = &r->t.geo.window[print_window(&r->cfg)];
	r->rules.dnr = r->dnr;
	r->rules.appeal = r->appeal;
	r->rules.internal = r->cfg.archive_internal;
	r->rules.aw = &r->aw;
	r->rules.after = record_check;
	r->rules.after_arg = &r->chk;
	r->rules.max_alder_dagar = config_max_alder_dagar(&r->cfg);
	r->chk.skip = o->paragraf;
	/* What was sent before is compared with the sheets when a log exists,
	 * with its key; without them nothing was sent, and nothing is created. */
	if (!(needs & NEED_WHOLE) && audit_exists(r->cfg.audit_database) &&
	    access(r->cfg.audit_key_file, F_OK) == 0) {
		/* A run that sends holds the run lock from here, so that what it
		 * compares with is what it sends after; one that only reads waits
		 * for nobody and writes nothing. */
		bool sends = (needs & NEED_SENDS) && !o->dry_run;

		if ((r->log = audit_open(r->cfg.audit_database, err, sizeof(err))) != NULL)
			audit_set_lease(r->log, config_audit_lease(&r->cfg));
		if (r->log == NULL ||
		    (sends ? audit_lock_run(r->log, stderr) == -1 ||
		    audit_load_key(r->log, r->cfg.audit_key_file) == -1 :
		    audit_check_key(r->log, r->cfg.audit_key_file) == -1)) {
			fprintf(stderr, "expediera: %s\n", r->log != NULL ? audit_error(r->log) : err);
			return EXIT_SYSTEM;
		}
		r->chk.a = r->log;
	}
	if (read_init(err, sizeof(err)) == -1) {
		fprintf(stderr, "expediera: %s\n", err);
		return EXIT_SYSTEM;
	}
	session_init(&r->s, o->session);
	r->have_session = true;
	if (needs & NEED_WHOLE) {
		if (read_session(&r->s, err, sizeof(err)) == -1) {
			fprintf(stderr, "expediera: %s\n", err);
			return EXIT_SYSTEM;
		}
		validate_session(&r->s, &r->rules);
		return 0;
	}
	if (parts_read(&r->s, &r->rules, 0, count_sendable, r, &r->tot, err, sizeof(err)) == -1) {
		fprintf(stderr, "expediera: %s\n", err);
		return EXIT_SYSTEM;
	}
	r->load_errors = r->s.diag.errors > 0;
	return 0;
}

/*
 * Reads the session once more, a part at a time, for the work itself: each
 * part is read and validated again, and fn gets it.  The findings were
 * reported by run_load; what this pass finds is only compared: a package
 * that has more errors now than then was changed during the run, and the
 * reading stops.
 */
struct pass {
	struct run *r;
	int (*fn)(void *arg, struct session *part);
	void *arg;
	bool changed;
};

static int
pass_part(void *arg, struct session *part)
{
	struct pass *ps = arg;

	if (part->diag.errors > 0 && !ps->r->load_errors) {
		ps->changed = true;
		return -1;
	}
	return ps->fn(ps->arg, part);
}

int
run_pass(struct run *r, int (*fn)(void *arg, struct session *part), void *arg)
{
	struct session again;
	struct pass ps = {r, fn, arg, false};
	char err[512];
	int rc;

	session_init(&again, r->s.dir);
	rc = parts_read(&again, &r->rules, 0, pass_part, &ps, NULL, err, sizeof(err));
	session_free(&again);
	if (ps.changed) {
		char *dir = diag_shown(r->s.dir);

		fprintf(stderr, "expediera: %s ändrades medan det lästes; kör igen\n", dir);
		free(dir);
		return -1;
	}
	if (rc == -1 && err[0] != '\0')
		fprintf(stderr, "expediera: %s\n", err);
	return rc;
}

/* The audit log that something was sent to before: it must exist. */
static struct audit *
open_existing_audit(const struct config *cfg)
{
	char err[512];
	struct audit *a;

	if (!audit_exists(cfg->audit_database)) {
		fprintf(stderr, "expediera: granskningsloggen %s finns inte (inget har skickats "
		    "med de här inställningarna)\n", cfg->audit_database);
		return NULL;
	}
	if ((a = audit_open(cfg->audit_database, err, sizeof(err))) == NULL)
		fprintf(stderr, "expediera: %s\n", err);
	else
		audit_set_lease(a, config_audit_lease(cfg));
	return a;
}

/* Does what the command needs, in this order, then the command; its status. */
int
cmd_run(const struct command *c, const struct options *o)
{
	struct run r;
	int rc;

	if (c->needs & NEED_PACKAGE)
		rc = run_load(&r, o, c->needs);
	else
		rc = run_config(&r, o);
	if (rc == 0 && (c->needs & NEED_LOG) && (r.log = open_existing_audit(&r.cfg)) == NULL)
		rc = EXIT_SYSTEM;
	if (rc == 0 && (c->needs & NEED_LOG) && (c->needs & (NEED_LOCK | NEED_KEY)) &&
	    (((c->needs & NEED_LOCK) && audit_lock_run(r.log, stderr) == -1) ||
	    audit_load_key(r.log, r.cfg.audit_key_file) == -1)) {
		fprintf(stderr, "expediera: %s\n", audit_error(r.log));
		rc = EXIT_SYSTEM;
	}
	if (rc == 0)
		rc = c->fn(o, &r);
	run_free(&r);
	return rc;
}

/*
 * Writes an -o file: its folder made when missing, the file written whole
 * under a temporary name nobody can guess and renamed into place, created
 * with exactly mode (0600 for what holds personal data).  -1 with errno.
 */
int
write_output(const char *path, const void *buf, size_t len, mode_t mode)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	int rc;

	if (slash != NULL)
		*slash = '\0';
	if (slash != NULL && dir[0] != '\0' && file_mkdirs(dir) == -1)
		rc = -1;
	else
		rc = file_write_path(path, buf, len, mode);
	free(dir);
	return rc;
}

/*
 * A name from outside (a session directory, a package dropped in the spool)
 * as it may be printed: diag_shown's copy, kept in a ring of four so that a
 * printf may show a few; each lives until four more calls.
 */
const char *
shown(const char *s)
{
	static char *ring[4];
	static size_t next;
	char **slot = &ring[next++ % 4];

	free(*slot);
	*slot = diag_shown(s);
	return *slot;
}

/* Status after stdout has been flushed. */
int
flushed(int rc)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fputs("expediera: kunde inte skriva till standard ut\n", stderr);
		return EXIT_SYSTEM;
	}
	return rc;
}
