/*
 * main.c -- the driver: parse the command line, run the stages in order, and
 * decide the exit status.  Stages never exit; this file does.
 *
 * Exit status (SPEC section 8): 0 ok, 1 validation errors, 2 usage (and a bad
 * configuration), 3 some deliveries failed or held, 4 system error.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "dnr.h"
#include "json.h"
#include "read.h"
#include "session.h"
#include "validate.h"

#ifndef EXPEDIERA_VERSION
#define EXPEDIERA_VERSION "0.1.0"
#endif

enum { EXIT_OK = 0, EXIT_INVALID = 1, EXIT_USAGE = 2, EXIT_DELIVERY = 3, EXIT_SYSTEM = 4 };

struct options {
	const char *command;
	const char *session;
	const char *config;
	bool json;
};

static void
usage(FILE *fp)
{
	fputs("användning: expediera check SESSION [--json] [--config FIL]\n"
	      "            expediera --version | --help\n"
	      "\n"
	      "  check SESSION   kontrollera sessionspaketet (protokoll.xml och\n"
	      "                  forsattsblad/) och visa alla fel och varningar\n"
	      "\n"
	      "  --json          maskinläsbart resultat på standard ut\n"
	      "  --config FIL    inställningar (annars ./expediera.conf om den finns)\n"
	      "\n"
	      "Slutstatus: 0 inga fel, 1 fel i sessionspaketet, 2 fel i kommandot eller\n"
	      "inställningarna, 4 systemfel.\n",
	    fp);
}

/* Returns 0, or an exit status after saying what is wrong. */
static int
parse_args(int argc, char *argv[], struct options *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(stdout);
			exit(EXIT_OK);
		} else if (strcmp(a, "--version") == 0) {
			printf("expediera %s\n", EXPEDIERA_VERSION);
			exit(EXIT_OK);
		} else if (strcmp(a, "--json") == 0) {
			o->json = true;
		} else if (strcmp(a, "--config") == 0) {
			if (++i == argc) {
				fputs("expediera: --config kräver ett filnamn\n", stderr);
				return EXIT_USAGE;
			}
			o->config = argv[i];
		} else if (strncmp(a, "--config=", 9) == 0) {
			o->config = a + 9;
		} else if (strcmp(a, "--") == 0 && i + 1 < argc && o->command != NULL &&
		    o->session == NULL) {
			o->session = argv[++i];
		} else if (a[0] == '-' && a[1] != '\0') {
			fprintf(stderr, "expediera: okänd flagga: %s\n", a);
			return EXIT_USAGE;
		} else if (o->command == NULL) {
			o->command = a;
		} else if (o->session == NULL) {
			o->session = a;
		} else {
			fprintf(stderr, "expediera: för många argument: %s\n", a);
			return EXIT_USAGE;
		}
	}
	if (o->command == NULL) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(o->command, "check") != 0) {
		fprintf(stderr, "expediera: okänt kommando: %s\n", o->command);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (o->session == NULL) {
		fprintf(stderr, "expediera: %s kräver en sessionskatalog\n", o->command);
		return EXIT_USAGE;
	}
	return 0;
}

static size_t
count_mottagare(const struct session *s)
{
	size_t i, n = 0;

	for (i = 0; i < s->n_fb; i++)
		n += s->fb[i].n_mottagare;
	return n;
}

static void
print_summary(const struct session *s, FILE *fp)
{
	const struct diag *d = &s->diag;

	if (s->protokoll_valid)
		fprintf(fp, "%s: %zu paragrafer, %zu försättsblad, %zu mottagare: ", s->dir,
		    s->protokoll.n_paragrafer, s->n_fb, count_mottagare(s));
	else
		fprintf(fp, "%s: protokoll.xml kunde inte läsas, %zu försättsblad: ", s->dir,
		    s->n_fb);
	if (d->errors == 0 && d->warnings == 0) {
		fputs("inga fel, inga varningar.\n", fp);
		return;
	}
	if (d->errors == 0)
		fputs("inga fel", fp);
	else
		fprintf(fp, "%zu fel", d->errors);
	if (d->warnings == 0)
		fputs(", inga varningar.\n", fp);
	else
		fprintf(fp, ", %zu %s.\n", d->warnings, d->warnings == 1 ? "varning" : "varningar");
}

static int
cmd_check(const struct options *o)
{
	struct config cfg;
	struct dnr_pattern *dnr;
	struct session s;
	char err[512];
	int rc;

	if (config_load(&cfg, config_pick(o->config), err, sizeof(err)) == -1) {
		fprintf(stderr, "expediera: %s\n", err);
		return EXIT_USAGE;
	}
	if ((dnr = dnr_pattern_new(cfg.dnr_pattern, err, sizeof(err))) == NULL) {
		fprintf(stderr, "expediera: %s: [dnr] pattern: %s\n",
		    cfg.file != NULL ? cfg.file : "inbyggt", err);
		config_free(&cfg);
		return EXIT_USAGE;
	}
	if (read_init(err, sizeof(err)) == -1) {
		fprintf(stderr, "expediera: %s\n", err);
		dnr_pattern_free(dnr);
		config_free(&cfg);
		return EXIT_SYSTEM;
	}
	session_init(&s, o->session);
	if (read_session(&s, err, sizeof(err)) == -1) {
		fprintf(stderr, "expediera: %s\n", err);
		rc = EXIT_SYSTEM;
		goto out;
	}
	validate_session(&s, dnr);
	if (o->json) {
		fputs("{\"findings\": ", stdout);
		diag_print_json_array(&s.diag, stdout);
		printf(",\n \"errors\": %zu, \"warnings\": %zu, \"paragrafer\": %zu, "
		       "\"forsattsblad\": %zu, \"mottagare\": %zu}\n",
		    s.diag.errors, s.diag.warnings, s.protokoll.n_paragrafer, s.n_fb,
		    count_mottagare(&s));
	} else {
		diag_print_text(&s.diag, stderr);
		print_summary(&s, stdout);
	}
	rc = s.diag.errors > 0 ? EXIT_INVALID : EXIT_OK;
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fputs("expediera: kunde inte skriva till standard ut\n", stderr);
		rc = EXIT_SYSTEM;
	}
out:
	session_free(&s);
	read_cleanup();
	dnr_pattern_free(dnr);
	config_free(&cfg);
	return rc;
}

int
main(int argc, char *argv[])
{
	struct options o;
	int rc;

	if ((rc = parse_args(argc, argv, &o)) != 0)
		return rc;
	return cmd_check(&o);
}
