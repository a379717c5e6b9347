/*
 * cmd_check.c -- the commands that read a session and send nothing: check
 * (the findings), render (a PDF per recipient) and protokoll (the whole
 * protocol, perhaps printed).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>

#include "cmd.h"
#include "file.h"
#include "json.h"
#include "print_cups.h"
#include "progress.h"

static void
print_summary(const struct run *r, FILE *fp)
{
	const struct session *s = &r->s;
	const struct diag *d = &s->diag;
	char *dir = diag_shown(s->dir);

	if (s->protokoll_valid)
		fprintf(fp, "%s: %zu paragrafer, %zu försättsblad, %zu mottagare: ", dir,
		    r->tot.paragrafer, r->tot.forsattsblad, r->tot.mottagare);
	else
		fprintf(fp, "%s: protokoll.xml kunde inte läsas, %zu försättsblad: ", dir,
		    r->tot.forsattsblad);
	free(dir);
	if (d->errors == 0)
		fputs("inga fel", fp);
	else
		fprintf(fp, "%zu fel", d->errors);
	if (d->warnings == 0)
		fputs(", inga varningar", fp);
	else
		fprintf(fp, ", %zu %s", d->warnings, d->warnings == 1 ? "varning" : "varningar");
	if (d->waits > 0)
		fprintf(fp, ", %zu %s på justering", d->waits,
		    d->waits == 1 ? "paragraf väntar" : "paragrafer väntar");
	if (d->infos > 0)
		fprintf(fp, ", %zu %s", d->infos, d->infos == 1 ? "upplysning" : "upplysningar");
	fputs(".\n", fp);
}

int
cmd_check(const struct options *o, struct run *r)
{
	if (o->json) {
		fputs("{\"findings\": ", stdout);
		diag_print_json_array(&r->s.diag, stdout);
		printf(",\n \"errors\": %zu, \"warnings\": %zu, \"waits\": %zu, \"infos\": %zu, "
		       "\"paragrafer\": %zu, \"forsattsblad\": %zu, \"mottagare\": %zu}\n",
		    r->s.diag.errors, r->s.diag.warnings, r->s.diag.waits, r->s.diag.infos,
		    r->tot.paragrafer,
		    r->tot.forsattsblad, r->tot.mottagare);
	} else {
		diag_print_text(&r->s.diag, stderr);
		print_summary(r, stdout);
	}
	return flushed(r->s.diag.errors > 0 ? EXIT_INVALID : EXIT_OK);
}

struct render_pass {
	const struct options *o;
	struct render *rd;
	struct progress prog;
	size_t written, skipped;
	bool first;
};

/* Every försändelse of a part's paragraphs without errors, to its file. */
static int
render_part(void *arg, struct session *part)
{
	struct render_pass *rp = arg;
	const struct options *o = rp->o;
	char err[512];
	size_t i, j;

	rp->rd->s = part;
	for (i = 0; i < part->protokoll.n_paragrafer; i++) {
		const struct paragraf *p = &part->protokoll.paragrafer[i];
		const struct forsattsblad *fb = p->fb;

		if (fb == NULL || !fb->valid)
			continue;
		if (p->blocked) {
			rp->skipped += fb->n_mottagare;
			continue;
		}
		for (j = 0; j < fb->n_mottagare; j++) {
			unsigned char *pdf;
			size_t len;
			char *name;

			if (render_forsandelse(rp->rd, p, fb, &fb->mottagare[j], NULL, &pdf, &len, err,
				sizeof(err)) == -1) {
				fprintf(stderr, "expediera: § %lu: %s\n", p->nr, err);
				return -1;
			}
			name = render_filename(p, j + 1, &fb->mottagare[j]);
			if (file_write(o->output, name, pdf, len) == -1) {
				fprintf(stderr, "expediera: kan inte skriva %s/%s: %s\n", o->output,
				    name, strerror(errno));
				free(name);
				free(pdf);
				return -1;
			}
			if (o->json) {
				printf("%s\n  {\"paragraf\": %lu, \"index\": %zu, \"roll\": ",
				    rp->first ? "" : ",", p->nr, j + 1);
				json_string(stdout, roll_names[fb->mottagare[j].roll]);
				fputs(", \"file\": ", stdout);
				json_string(stdout, name);
				printf(", \"bytes\": %zu}", len);
				rp->first = false;
			}
			rp->written++;
			progress_step(&rp->prog);
			free(name);
			free(pdf);
		}
	}
	return 0;
}

int
cmd_render(const struct options *o, struct run *r)
{
	struct render rd;
	struct render_pass rp;

	memset(&rp, 0, sizeof(rp));
	render_setup(&rd, r);
	if (file_mkdirs(o->output) == -1) {
		fprintf(stderr, "expediera: kan inte skapa %s: %s\n", o->output, strerror(errno));
		return EXIT_SYSTEM;
	}
	diag_print_text(&r->s.diag, stderr);
	if (o->json) {
		fputs("{\"findings\": ", stdout);
		diag_print_json_array(&r->s.diag, stdout);
		fputs(",\n \"documents\": [", stdout);
	}
	rp.o = o;
	rp.rd = &rd;
	rp.first = true;
	progress_start(&rp.prog, "försändelser", r->sendable);
	if (r->s.protokoll_valid && run_pass(r, render_part, &rp) == -1) {
		progress_end(&rp.prog);
		return EXIT_SYSTEM;
	}
	progress_end(&rp.prog);
	if (o->json)
		printf("\n ],\n \"written\": %zu, \"held\": %zu}\n", rp.written, rp.skipped);
	else
		printf("%s: %zu försändelser skrivna till %s%s\n", shown(r->s.dir), rp.written,
		    shown(o->output),
		    rp.skipped > 0 ? "; mottagare i paragrafer med fel är inte med" : "");
	return flushed(r->s.diag.errors > 0 ? EXIT_INVALID : EXIT_OK);
}

int
cmd_protokoll(const struct options *o, struct run *r)
{
	struct render rd;
	unsigned char *pdf = NULL;
	char err[512];
	size_t len;
	int rc = EXIT_OK;

	render_setup(&rd, r);
	if (o->print && r->cfg.print_cups_queue == NULL) {
		fputs("expediera: --print kräver [print] cups_queue i inställningarna\n", stderr);
		rc = EXIT_USAGE;
		goto out;
	}
	if (!r->s.protokoll_valid) {
		diag_print_text(&r->s.diag, stderr);
		fputs("expediera: protokoll.xml kunde inte läsas; inget protokoll skrevs\n", stderr);
		rc = EXIT_INVALID;
		goto out;
	}
	if (render_protokoll(&rd, o->public, &pdf, &len, err, sizeof(err)) == -1) {
		fprintf(stderr, "expediera: %s\n", err);
		rc = EXIT_SYSTEM;
		goto out;
	}
	if (write_output(o->output, pdf, len, 0600) == -1) {
		fprintf(stderr, "expediera: kan inte skriva %s: %s\n", shown(o->output),
		    strerror(errno));
		rc = EXIT_SYSTEM;
	} else
		printf("%s: %s protokoll skrivet till %s\n", shown(r->s.dir),
		    o->public ? "offentligt" : "internt", shown(o->output));
	if (rc == 0 && o->print) {
		const char *title = strrchr(o->output, '/');
		int job;

		title = title != NULL ? title + 1 : o->output;
		if ((job = print_cups_file(r->cfg.print_cups_queue, o->output, title,
		    config_print_timeout(&r->cfg), err,
		    sizeof(err))) == -1) {
			fprintf(stderr, "expediera: %s\n", err);
			rc = EXIT_DELIVERY;
		} else
			printf("%s: skickat till CUPS-kön %s som jobb %d\n", o->output,
			    r->cfg.print_cups_queue, job);
	}
	if (rc == 0)
		rc = flushed(EXIT_OK);
out:
	free(pdf);
	return rc;
}
