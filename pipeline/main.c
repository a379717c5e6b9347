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

#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include "audit.h"
#include "blankett.h"
#include "config.h"
#include "db.h"
#include "deliver.h"
#include "deliver_mm.h"
#include "dnr.h"
#include "file.h"
#include "json.h"
#include "mm.h"
#include "pdf.h"
#include "parts.h"
#include "print_cups.h"
#include "progress.h"
#include "read.h"
#include "record.h"
#include "render.h"
#include "route.h"
#include "session.h"
#include "spool.h"
#include "template.h"
#include "validate.h"
#include "xmalloc.h"

/* Where the templates and the built fonts are, unless configured otherwise. */
#ifndef EXPEDIERA_TEMPLATES
#define EXPEDIERA_TEMPLATES "templates"
#endif
#ifndef EXPEDIERA_FONTS
#define EXPEDIERA_FONTS "build/fonts"
#endif

#ifndef EXPEDIERA_VERSION
#define EXPEDIERA_VERSION "0.1.0"
#endif

enum { EXIT_OK = 0, EXIT_INVALID = 1, EXIT_USAGE = 2, EXIT_DELIVERY = 3, EXIT_SYSTEM = 4 };

struct options {
	const char *command;
	const char *session;
	const char *config;
	const char *output;   /* -o */
	bool json;
	bool public;          /* protokoll --public */
	bool print;           /* protokoll --print */
	bool dry_run;         /* send --dry-run */
	bool skip_invalid;    /* send --skip-invalid */
	const char *since;    /* audit export --since */
	const char *head;     /* audit verify --head HASH */
	bool once;            /* watch --once */
	unsigned long paragraf; /* rattelse --paragraf N */
	const char *orsak;    /* rattelse, retur --orsak TEXT */
	bool fel_mottagare;   /* rattelse --fel-mottagare */
	const char *datum;    /* retur, kvitto --datum DATE */
	const char *dnr;      /* historik --dnr */
	const char *sammantrade; /* historik --sammantrade */
	const char *person;   /* historik --person */
};

static void
usage(FILE *fp)
{
	fputs("användning: expediera check     SESSION [--json]\n"
	      "            expediera render    SESSION -o KATALOG [--json]\n"
	      "            expediera protokoll SESSION -o FIL [--public] [--print]\n"
	      "            expediera send      SESSION [--dry-run] [--skip-invalid] [--json]\n"
	      "            expediera status    [--json]\n"
	      "            expediera historik  [--dnr DNR] [--sammantrade DATUM] [--person PNR]\n"
	      "                                [--json]\n"
	      "            expediera rattelse  SESSION --paragraf N --orsak TEXT [--fel-mottagare]\n"
	      "            expediera retur     FÖRSÄNDELSE --datum DATUM [--orsak TEXT]\n"
	      "            expediera kvitto    FÖRSÄNDELSE --datum DATUM\n"
	      "            expediera watch     SPOOL [--once]\n"
	      "            expediera audit     verify [--head N:HASH] | export [--since ÅÅÅÅ-MM-DD]\n"
	      "                                [--json]\n"
	      "            expediera blankett  -o FIL\n"
	      "            expediera --version | --help\n"
	      "\n"
	      "  check      kontrollera sessionspaketet (protokoll.xml och forsattsblad/)\n"
	      "             och visa alla fel och varningar\n"
	      "  render     skriv en PDF per mottagare (beslut, protokollsutdrag och\n"
	      "             överklagandehänvisning) utan att skicka något\n"
	      "  protokoll  skriv hela protokollet; --public utan sekretessuppgifter;\n"
	      "             --print skickar det också till CUPS-kön i [print] cups_queue\n"
	      "  send       skicka varje försändelse sin väg (utskrift, arkiv, överlämning)\n"
	      "             och logga allt; --dry-run visar bara vart och varför;\n"
	      "             --skip-invalid skickar felfria paragrafer och håller resten\n"
	      "  status     vad som gick vart, och vad som väntar eller hålls\n"
	      "  historik   vem som fick vilket beslut, när, hur och till vilken ort\n"
	      "  rattelse   skicka en rättad paragraf till dem som ska ha den nu; det\n"
	      "             som skickades förut registreras som ersatt\n"
	      "  retur      registrera post som kom tillbaka; mottagaren hålls tills\n"
	      "             försättsbladet har en ny adress\n"
	      "  kvitto     registrera ett undertecknat delgivningskvitto\n"
	      "  watch      skicka varje sessionspaket som läggs i SPOOL/inkommande/ (med\n"
	      "             filen KLAR) när protokollet är justerat; paket med fel flyttas\n"
	      "             till SPOOL/avvisade/ med en felrapport, skickade till SPOOL/klara/\n"
	      "  audit      verify: kontrollera granskningsloggens kedja; export: ta ut den\n"
	      "  blankett   skriv försättsbladet som en webbsida som handläggaren fyller i\n"
	      "\n"
	      "  --json          maskinläsbart resultat på standard ut\n"
	      "  --config FIL    inställningar (annars ./expediera.conf om den finns)\n"
	      "\n"
	      "Slutstatus: 0 inga fel, 1 fel i sessionspaketet, 2 fel i kommandot eller\n"
	      "inställningarna, 4 systemfel.\n",
	    fp);
}

/* One command's help, from the usage text; -1 for an unknown command. */
static int
command_help(const char *cmd)
{
	static const struct {
		const char *name, *text;
	} help[] = {
	    {"check", "användning: expediera check SESSION [--json] [--config FIL]\n\n"
		      "Kontrollerar sessionspaketet (protokoll.xml och forsattsblad/) och visar\n"
		      "alla fel och varningar, sorterade efter fil och rad, på standard fel (med\n"
		      "--json som JSON på standard ut). Slutstatus 0 utan fel, 1 med fel.\n"},
	    {"render", "användning: expediera render SESSION -o KATALOG [--json] [--config FIL]\n\n"
		       "Skriver en PDF per mottagare i paragrafer utan fel: beslut, protokollsutdrag\n"
		       "och överklagandehänvisning. Skickar ingenting.\n"},
	    {"protokoll", "användning: expediera protokoll SESSION -o FIL [--public] [--print]\n"
			  "                           [--config FIL]\n\n"
			  "Skriver hela protokollet; med --public utan något om enskilda i paragrafer\n"
			  "med sekretess. Med --print skickas filen också till CUPS-kön som\n"
			  "[print] cups_queue anger, och jobbnumret visas.\n"},
	    {"send", "användning: expediera send SESSION [--dry-run] [--skip-invalid] [--json]\n"
		     "                      [--config FIL]\n\n"
		     "Skickar varje försändelse sin väg (digitalt, utskrift, via Skatteverket,\n"
		     "överlämning, arkiv) och loggar allt. Inget skickas om sessionen har fel,\n"
		     "utom med --skip-invalid. --dry-run visar bara vart och varför.\n"
		     "Slutstatus 3 när något hålls eller misslyckades.\n"},
	    {"status", "användning: expediera status [--json] [--config FIL]\n\n"
		       "Visar vad som väntar, pågår, hålls eller misslyckades i utkorgen, post\n"
		       "som kommit tillbaka och delgivningskvitton som inte kommit tillbaka.\n"},
	    {"historik", "användning: expediera historik [--dnr DNR] [--sammantrade ÅÅÅÅ-MM-DD]\n"
			 "                          [--person PERSONNUMMER] [--json] [--config FIL]\n\n"
			 "Visar ur granskningsloggen vem som fick vilket beslut (organ, datum, §,\n"
			 "dnr), när, vilken väg, till vilken ort, dokumentets hash och läget nu:\n"
			 "skickad, ersatt, felaktigt utskickad, returnerad, delgiven eller hålls.\n"},
	    {"rattelse", "användning: expediera rattelse SESSION --paragraf N --orsak TEXT\n"
			 "                          [--fel-mottagare] [--config FIL]\n\n"
			 "Skickar paragrafen på nytt, märkt \"Rättelse\", till alla som\n"
			 "försättsbladet nu anger; det som skickades förut registreras som ersatt,\n"
			 "med --fel-mottagare som felaktigt utskickat när mottagaren eller adressen\n"
			 "inte längre står på försättsbladet.\n"},
	    {"retur", "användning: expediera retur FÖRSÄNDELSE --datum ÅÅÅÅ-MM-DD [--orsak TEXT]\n"
		      "                       [--config FIL]\n\n"
		      "Registrerar att posten kom tillbaka. Mottagaren hålls tills\n"
		      "försättsbladet har en ny bekräftad adress; nästa send skickar dit.\n"},
	    {"kvitto", "användning: expediera kvitto FÖRSÄNDELSE --datum ÅÅÅÅ-MM-DD [--config FIL]\n\n"
		       "Registrerar ett undertecknat delgivningskvitto med datumet på kvittot;\n"
		       "visar sista dag att överklaga och när beslutet tidigast vinner laga kraft.\n"},
	    {"audit", "användning: expediera audit verify [--head N:HASH] | export [--since ÅÅÅÅ-MM-DD]\n"
		      "                       [--json]\n\n"
		      "verify kontrollerar granskningsloggens kedja och namnger första ändrade\n"
		      "eller borttagna rad (slutstatus 1); med --head också att kedjans huvud\n"
		      "som send skrev ut (och som sparats på annat håll) finns kvar, så att en\n"
		      "logg som skrivits om från början upptäcks. export tar ut händelserna.\n"},
	    {"watch", "användning: expediera watch SPOOL [--once] [--config FIL]\n\n"
		      "Skickar varje sessionspaket i SPOOL/inkommande/ som har filen KLAR, när\n"
		      "protokollet är justerat; paket med fel flyttas till SPOOL/avvisade/ med en\n"
		      "felrapport, skickade till SPOOL/klara/. Ett paket som behandlas ligger i\n"
		      "SPOOL/behandlas/; flera datorer kan dela en spool om granskningsloggen är\n"
		      "PostgreSQL, och ett paket vars dator dött tas över när dess lease gått ut.\n"},
	    {"blankett", "användning: expediera blankett -o FIL [--config FIL]\n\n"
			 "Skriver försättsbladet som en webbsida (en enda fil) med kommunens namn,\n"
			 "roller och format för diarienummer. Handläggaren öppnar den i webbläsaren,\n"
			 "fyller i, får fel visade medan hen skriver och sparar försättsbladet som\n"
			 "XML. Sidan hämtar ingenting från nätet.\n"},
	};
	size_t i;

	for (i = 0; i < sizeof(help) / sizeof(help[0]); i++)
		if (strcmp(help[i].name, cmd) == 0) {
			fputs(help[i].text, stdout);
			return 0;
		}
	return -1;
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
			/* After a command, that command's help; else all of it. */
			if (o->command == NULL || command_help(o->command) == -1)
				usage(stdout);
			exit(EXIT_OK);
		} else if (strcmp(a, "--version") == 0) {
			printf("expediera %s\n", EXPEDIERA_VERSION);
			exit(EXIT_OK);
		} else if (strcmp(a, "--json") == 0) {
			o->json = true;
		} else if (strcmp(a, "--public") == 0) {
			o->public = true;
		} else if (strcmp(a, "--print") == 0) {
			o->print = true;
		} else if (strcmp(a, "--dry-run") == 0 || strcmp(a, "-n") == 0) {
			o->dry_run = true;
		} else if (strcmp(a, "--skip-invalid") == 0) {
			o->skip_invalid = true;
		} else if (strcmp(a, "--once") == 0) {
			o->once = true;
		} else if (strcmp(a, "--head") == 0) {
			if (++i >= argc) {
				fputs("expediera: --head kräver kedjans huvud (hash) från "
				      "expedieringslistan eller audit export\n", stderr);
				return EXIT_USAGE;
			}
			o->head = argv[i];
		} else if (strcmp(a, "--fel-mottagare") == 0) {
			o->fel_mottagare = true;
		} else if (strcmp(a, "--paragraf") == 0 || strcmp(a, "--orsak") == 0 ||
		    strcmp(a, "--datum") == 0 || strcmp(a, "--dnr") == 0 ||
		    strcmp(a, "--sammantrade") == 0 || strcmp(a, "--person") == 0) {
			if (++i == argc || argv[i][0] == '\0') {
				fprintf(stderr, "expediera: %s kräver ett värde\n", a);
				return EXIT_USAGE;
			}
			if (strcmp(a, "--paragraf") == 0) {
				char *end;

				errno = 0;
				o->paragraf = strtoul(argv[i], &end, 10);
				if (*end != '\0' || errno != 0 || o->paragraf == 0 ||
				    argv[i][0] == '-') {
					fputs("expediera: --paragraf kräver ett paragrafnummer\n",
					    stderr);
					return EXIT_USAGE;
				}
			} else if (strcmp(a, "--orsak") == 0)
				o->orsak = argv[i];
			else if (strcmp(a, "--datum") == 0)
				o->datum = argv[i];
			else if (strcmp(a, "--dnr") == 0)
				o->dnr = argv[i];
			else if (strcmp(a, "--sammantrade") == 0)
				o->sammantrade = argv[i];
			else
				o->person = argv[i];
		} else if (strcmp(a, "--since") == 0) {
			if (++i == argc) {
				fputs("expediera: --since kräver ett datum, ÅÅÅÅ-MM-DD\n", stderr);
				return EXIT_USAGE;
			}
			o->since = argv[i];
		} else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
			if (++i == argc) {
				fprintf(stderr, "expediera: %s kräver en katalog eller fil\n", a);
				return EXIT_USAGE;
			}
			o->output = argv[i];
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
	/* Each flag of the commands after the send belongs to its command. */
	{
		static const struct {
			const char *cmd, *flag;
		} own[] = {{"rattelse", "--paragraf"}, {"rattelse", "--fel-mottagare"},
		    {"retur", "--datum"}, {"retur", "--orsak"}, {"historik", "--dnr"},
		    {"historik", "--sammantrade"}, {"historik", "--person"}};
		bool set[] = {o->paragraf != 0, o->fel_mottagare, o->datum != NULL,
		    o->orsak != NULL, o->dnr != NULL, o->sammantrade != NULL, o->person != NULL};
		size_t k;

		for (k = 0; k < sizeof(own) / sizeof(own[0]); k++) {
			if (!set[k] || strcmp(o->command, own[k].cmd) == 0 ||
			    (strcmp(own[k].flag, "--datum") == 0 &&
			    strcmp(o->command, "kvitto") == 0) ||
			    (strcmp(own[k].flag, "--orsak") == 0 &&
			    strcmp(o->command, "rattelse") == 0))
				continue;
			fprintf(stderr, "expediera: %s hör inte till kommandot %s\n", own[k].flag,
			    o->command);
			return EXIT_USAGE;
		}
	}
	if (strcmp(o->command, "status") == 0 || strcmp(o->command, "audit") == 0 ||
	    strcmp(o->command, "historik") == 0) {
		if (strcmp(o->command, "historik") == 0 && o->session != NULL) {
			fprintf(stderr, "expediera: för många argument: %s\n", o->session);
			return EXIT_USAGE;
		}
		return 0; /* their one argument (BATCH, verify|export) is optional or checked later */
	}
	if (strcmp(o->command, "retur") == 0 || strcmp(o->command, "kvitto") == 0) {
		if (o->session == NULL || o->datum == NULL) {
			fprintf(stderr, "expediera: %s kräver FÖRSÄNDELSE och --datum ÅÅÅÅ-MM-DD\n",
			    o->command);
			return EXIT_USAGE;
		}
		return 0;
	}
	if (strcmp(o->command, "rattelse") == 0) {
		if (o->session == NULL || o->paragraf == 0 || o->orsak == NULL) {
			fputs("expediera: rattelse kräver SESSION, --paragraf N och --orsak TEXT\n",
			    stderr);
			return EXIT_USAGE;
		}
		return 0;
	}
	if (strcmp(o->command, "blankett") == 0) {
		if (o->session != NULL) {
			fprintf(stderr, "expediera: för många argument: %s\n", o->session);
			return EXIT_USAGE;
		}
		if (o->output == NULL) {
			fputs("expediera: blankett kräver -o FIL\n", stderr);
			return EXIT_USAGE;
		}
		if (o->json || o->public || o->print || o->dry_run || o->skip_invalid || o->once ||
		    o->since != NULL || o->head != NULL) {
			fputs("expediera: blankett tar bara -o FIL och --config FIL\n", stderr);
			return EXIT_USAGE;
		}
		return 0;
	}
	if (strcmp(o->command, "watch") == 0) {
		if (o->session == NULL) {
			fputs("expediera: watch kräver en spoolkatalog\n", stderr);
			return EXIT_USAGE;
		}
		return 0;
	}
	if (strcmp(o->command, "check") != 0 && strcmp(o->command, "render") != 0 &&
	    strcmp(o->command, "protokoll") != 0 && strcmp(o->command, "send") != 0) {
		fprintf(stderr, "expediera: okänt kommando: %s\n", o->command);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (o->session == NULL) {
		fprintf(stderr, "expediera: %s kräver en sessionskatalog\n", o->command);
		return EXIT_USAGE;
	}
	if (o->skip_invalid && strcmp(o->command, "send") != 0) {
		fputs("expediera: --skip-invalid hör till kommandot send\n", stderr);
		return EXIT_USAGE;
	}
	if (o->dry_run && strcmp(o->command, "send") != 0) {
		fputs("expediera: --dry-run hör till kommandot send\n", stderr);
		return EXIT_USAGE;
	}
	if ((strcmp(o->command, "render") == 0 || strcmp(o->command, "protokoll") == 0) &&
	    o->output == NULL) {
		fprintf(stderr, "expediera: %s kräver -o %s\n", o->command,
		    strcmp(o->command, "render") == 0 ? "KATALOG" : "FIL");
		return EXIT_USAGE;
	}
	if (o->public && strcmp(o->command, "protokoll") != 0) {
		fputs("expediera: --public hör till kommandot protokoll\n", stderr);
		return EXIT_USAGE;
	}
	if (o->print && strcmp(o->command, "protokoll") != 0) {
		fputs("expediera: --print hör till kommandot protokoll\n", stderr);
		return EXIT_USAGE;
	}
	return 0;
}

static const char *
templates_dir(const struct config *cfg)
{
	const char *env = getenv("EXPEDIERA_TEMPLATES");

	if (cfg->templates_folder != NULL)
		return cfg->templates_folder;
	return env != NULL && env[0] != '\0' ? env : EXPEDIERA_TEMPLATES;
}

static const char *
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

/* What every command starts from: configuration and a checked session. */
struct run {
	struct config cfg;
	struct dnr_pattern *dnr;
	/*
	 * The templates and the letter fonts: check needs them too, since rule
	 * address-unprintable measures the address in the window the letters
	 * will use (aw), with the renderer's own functions.
	 */
	struct tmpl t;
	struct pdf *metrics;          /* fonts only: nothing is drawn on it */
	struct address_window aw;
	struct validate_conf rules;   /* dnr and cfg's [archive] internal, for validate.c */
	struct session s;             /* the protocol's head and every finding */
	struct parts_totals tot;
	/* The audit log, when there is one, for changed-after-send: what went out
	 * before (record.h).  send and rattelse lock it and send through it. */
	struct audit *log;
	struct record_check chk;
	size_t sendable;              /* recipients of paragraphs without errors */
	bool have_cfg, have_session;
	bool have_skip;               /* the paragraph chk.skip names is in the protocol */
	bool load_errors;             /* run_load found errors (kept when diag is not) */
};

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
	fputs(".\n", fp);
}

static void
run_free(struct run *r)
{
	audit_close(r->log);
	if (r->have_session)
		session_free(&r->s);
	pdf_free(r->metrics);
	tmpl_free(&r->t);
	dnr_pattern_free(r->dnr);
	if (r->have_cfg)
		config_free(&r->cfg);
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
 * (parts.h: only the findings are kept); 0 or an exit status.  whole keeps
 * the whole session in r->s instead, for the protocol.
 */
static int
run_load_as(struct run *r, const struct options *o, bool whole)
{
	char err[512];

	memset(r, 0, sizeof(*r));
	if (config_load(&r->cfg, config_pick(o->config), err, sizeof(err)) == -1) {
		fprintf(stderr, "expediera: %s\n", err);
		return EXIT_USAGE;
	}
	r->have_cfg = true;
	/* A letter with a blank sender is worse than no letter.  check and a dry
	 * run make none, so they only warn (the dry run) or say nothing. */
	if (strcmp(o->command, "check") != 0 &&
	    config_require_letter(&r->cfg, err, sizeof(err)) == -1) {
		if (!o->dry_run) {
			fprintf(stderr, "expediera: %s\n", err);
			return EXIT_USAGE;
		}
		fprintf(stderr, "expediera: varning: %s (provkörningen fortsätter; en riktig "
		    "sändning stoppas)\n", err);
	}
	if ((r->dnr = dnr_pattern_new(r->cfg.dnr_pattern, err, sizeof(err))) == NULL) {
		fprintf(stderr, "expediera: %s: [dnr] pattern: %s\n",
		    r->cfg.file != NULL ? r->cfg.file : "inbyggt", err);
		return EXIT_USAGE;
	}
	/* The same templates, window and fonts as render_setup gives the letters. */
	if (tmpl_load(&r->t, templates_dir(&r->cfg), err, sizeof(err)) == -1) {
		fprintf(stderr, "expediera: %s\n", err);
		return EXIT_USAGE;
	}
	if ((r->metrics = pdf_new(fonts_dir(), NULL, err, sizeof(err))) == NULL) {
		fprintf(stderr, "expediera: %s\n", err);
		return EXIT_SYSTEM;
	}
	r->aw.pdf = r->metrics;
	r->aw.g = &r->t.geo;
	r->aw.w = &r->t.geo.window[print_window(&r->cfg)];
	r->rules.dnr = r->dnr;
	r->rules.internal = r->cfg.archive_internal;
	r->rules.aw = &r->aw;
	r->rules.after = record_check;
	r->rules.after_arg = &r->chk;
	r->chk.skip = o->paragraf;
	/* What was sent before is compared with the sheets when a log exists,
	 * with its key; without them nothing was sent, and nothing is created. */
	if (!whole && audit_exists(r->cfg.audit_database) &&
	    access(r->cfg.audit_key_file, F_OK) == 0) {
		/* A run that sends holds the run lock from here, so that what it
		 * compares with is what it sends after; one that only reads waits
		 * for nobody and writes nothing. */
		bool sends = (strcmp(o->command, "send") == 0 && !o->dry_run) ||
		    strcmp(o->command, "rattelse") == 0;

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
	if (whole) {
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

static int
run_load(struct run *r, const struct options *o)
{
	return run_load_as(r, o, false);
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

static int
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

/*
 * A name from outside (a session directory, a package dropped in the spool)
 * as it may be printed: diag_shown's copy, kept in a ring of four so that a
 * printf may show a few; each lives until four more calls.
 */
static const char *
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
static int
flushed(int rc)
{
	if (fflush(stdout) == EOF || ferror(stdout)) {
		fputs("expediera: kunde inte skriva till standard ut\n", stderr);
		return EXIT_SYSTEM;
	}
	return rc;
}

static int
cmd_check(const struct options *o)
{
	struct run r;
	int rc;

	if ((rc = run_load(&r, o)) != 0)
		goto out;
	if (o->json) {
		fputs("{\"findings\": ", stdout);
		diag_print_json_array(&r.s.diag, stdout);
		printf(",\n \"errors\": %zu, \"warnings\": %zu, \"waits\": %zu, \"paragrafer\": %zu, "
		       "\"forsattsblad\": %zu, \"mottagare\": %zu}\n",
		    r.s.diag.errors, r.s.diag.warnings, r.s.diag.waits, r.tot.paragrafer,
		    r.tot.forsattsblad, r.tot.mottagare);
	} else {
		diag_print_text(&r.s.diag, stderr);
		print_summary(&r, stdout);
	}
	rc = flushed(r.s.diag.errors > 0 ? EXIT_INVALID : EXIT_OK);
out:
	run_free(&r);
	return rc;
}

/* The templates were loaded with the session (run_load_as), for check. */
static void
render_setup(struct render *rd, struct run *r)
{
	memset(rd, 0, sizeof(*rd));
	rd->s = &r->s;
	rd->cfg = &r->cfg;
	rd->t = &r->t;
	rd->fontdir = fonts_dir();
	rd->window = print_window(&r->cfg);
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

static int
cmd_render(const struct options *o)
{
	struct render rd;
	struct render_pass rp;
	struct run r;
	int rc;

	memset(&rp, 0, sizeof(rp));
	if ((rc = run_load(&r, o)) != 0)
		goto out;
	render_setup(&rd, &r);
	if (file_mkdirs(o->output) == -1) {
		fprintf(stderr, "expediera: kan inte skapa %s: %s\n", o->output, strerror(errno));
		rc = EXIT_SYSTEM;
		goto out;
	}
	diag_print_text(&r.s.diag, stderr);
	if (o->json) {
		fputs("{\"findings\": ", stdout);
		diag_print_json_array(&r.s.diag, stdout);
		fputs(",\n \"documents\": [", stdout);
	}
	rp.o = o;
	rp.rd = &rd;
	rp.first = true;
	progress_start(&rp.prog, "försändelser", r.sendable);
	if (r.s.protokoll_valid && run_pass(&r, render_part, &rp) == -1) {
		progress_end(&rp.prog);
		rc = EXIT_SYSTEM;
		goto out;
	}
	progress_end(&rp.prog);
	if (o->json)
		printf("\n ],\n \"written\": %zu, \"held\": %zu}\n", rp.written, rp.skipped);
	else
		printf("%s: %zu försändelser skrivna till %s%s\n", shown(r.s.dir), rp.written,
		    shown(o->output),
		    rp.skipped > 0 ? "; mottagare i paragrafer med fel är inte med" : "");
	rc = flushed(r.s.diag.errors > 0 ? EXIT_INVALID : EXIT_OK);
out:
	run_free(&r);
	return rc;
}

/*
 * Writes an -o file: its folder made when missing, the file written whole
 * under a temporary name and renamed into place (file_write).  -1 with errno.
 */
static int
write_output(const char *path, const void *buf, size_t len)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	int rc;

	if (slash != NULL)
		*slash = '\0';
	if (slash != NULL && dir[0] != '\0' && file_mkdirs(dir) == -1)
		rc = -1;
	else
		rc = file_write(slash != NULL ? (dir[0] != '\0' ? dir : "/") : ".",
		    slash != NULL ? slash + 1 : path, buf, len);
	free(dir);
	return rc;
}

static int
cmd_protokoll(const struct options *o)
{
	struct render rd;
	struct run r;
	unsigned char *pdf = NULL;
	char err[512];
	size_t len;
	int rc;

	if ((rc = run_load_as(&r, o, true)) != 0)
		goto out;
	render_setup(&rd, &r);
	if (o->print && r.cfg.print_cups_queue == NULL) {
		fputs("expediera: --print kräver [print] cups_queue i inställningarna\n", stderr);
		rc = EXIT_USAGE;
		goto out;
	}
	if (!r.s.protokoll_valid) {
		diag_print_text(&r.s.diag, stderr);
		fputs("expediera: protokoll.xml kunde inte läsas; inget protokoll skrevs\n", stderr);
		rc = EXIT_INVALID;
		goto out;
	}
	if (render_protokoll(&rd, o->public, &pdf, &len, err, sizeof(err)) == -1) {
		fprintf(stderr, "expediera: %s\n", err);
		rc = EXIT_SYSTEM;
		goto out;
	}
	if (write_output(o->output, pdf, len) == -1) {
		fprintf(stderr, "expediera: kan inte skriva %s: %s\n", shown(o->output),
		    strerror(errno));
		rc = EXIT_SYSTEM;
	} else
		printf("%s: %s protokoll skrivet till %s\n", shown(r.s.dir),
		    o->public ? "offentligt" : "internt", shown(o->output));
	if (rc == 0 && o->print) {
		const char *title = strrchr(o->output, '/');
		int job;

		title = title != NULL ? title + 1 : o->output;
		if ((job = print_cups_file(r.cfg.print_cups_queue, o->output, title,
		    config_print_timeout(&r.cfg), err,
		    sizeof(err))) == -1) {
			fprintf(stderr, "expediera: %s\n", err);
			rc = EXIT_DELIVERY;
		} else
			printf("%s: skickat till CUPS-kön %s som jobb %d\n", o->output,
			    r.cfg.print_cups_queue, job);
	}
	if (rc == 0)
		rc = flushed(EXIT_OK);
out:
	free(pdf);
	run_free(&r);
	return rc;
}

/*
 * s in a column width characters wide (UTF-8: "Handläggare" is 11, not 12),
 * then a space: padded when shorter, cut with "…" when longer, so that the
 * columns after it stay where they are.
 */
static void
column(FILE *fp, const char *s, size_t width)
{
	size_t n = 0, i;

	for (i = 0; s[i] != '\0'; i++) {
		if (((unsigned char)s[i] & 0xc0) == 0x80)
			continue;
		if (n == width - 1) {
			size_t j, rest = 0;

			for (j = i; s[j] != '\0'; j++)
				rest += ((unsigned char)s[j] & 0xc0) != 0x80;
			if (rest > 1) {
				fputs("…", fp);
				n++;
				goto pad;
			}
		}
		n++;
		fputc(s[i], fp);
		while (((unsigned char)s[i + 1] & 0xc0) == 0x80)
			fputc(s[++i], fp);
	}
pad:
	for (; n < width; n++)
		fputc(' ', fp);
	fputc(' ', fp);
}

/* ", volym 1 av 3 (manifestet listar alla)" after a batch cut into volumes, else "". */
static const char *
volumes(size_t n)
{
	static char buf[64];

	if (n <= 1)
		return "";
	snprintf(buf, sizeof(buf), " – volym 1 av %zu (manifestet listar alla)", n);
	return buf;
}

/* The recipient column of a route: masked number and name, or the internal name. */
static void
print_route_text(const struct routed *r, FILE *fp)
{
	char masked[14];

	fprintf(fp, "§ %-5lu ", r->p->nr);
	if (r->internal != NULL) {
		column(fp, r->internal, 34);
		column(fp, route_names[r->route], 19);
		fprintf(fp, "%s\n", r->reason);
		return;
	}
	if (r->m->pnr.ok)
		pnr_mask(r->m->pnr.pnr.digits, masked);
	else
		snprintf(masked, sizeof(masked), "%s", r->m->orgnr_ok ? r->m->orgnr : "-");
	column(fp, masked, 18);
	column(fp, roll_names[r->m->roll], 15);
	column(fp, route_names[r->route], 19);
	fprintf(fp, "%s (%s)\n", r->reason, r->m->namn);
}

/*
 * Whether the log says the försändelse of r already went out: when (local
 * time) and which way, in *when and *route; 0 when not, -1 on a log error.
 */
static int
already_sent(struct audit *a, const struct session *s, const struct routed *r, char when[20],
    char route[24])
{
	struct rec_keys k;
	struct rec_item ri;
	int rc;

	if (a == NULL)
		return 0;
	if (record_keys(a, s, r->p, r->m, r->internal, &k) == -1 || record_item(a, &k, &ri) == -1)
		return -1;
	rc = record_sent(a, ri.key, when, route, NULL);
	record_item_free(&ri);
	return rc;
}

static void
print_route_json(const struct routed *r, FILE *fp)
{
	fprintf(fp, "{\"paragraf\": %lu, \"mottagare\": ", r->p->nr);
	json_string(fp, r->internal != NULL ? r->internal : r->id[0] != '\0' ? r->id : r->m->namn);
	fputs(", \"roll\": ", fp);
	json_string(fp, r->internal != NULL ? "intern" : roll_names[r->m->roll]);
	fputs(", \"route\": ", fp);
	json_string(fp, route_names[r->route]);
	fputs(", \"reason\": ", fp);
	json_string(fp, r->reason);
}

/* With a [mailbox], the mailbox client (NULL without); *rc is set on failure. */
static struct mailbox *
open_mailbox(struct run *r, int *rc)
{
	char err[512];
	struct mailbox *mb;

	*rc = 0;
	if (!r->cfg.has_mailbox)
		return NULL;
	if ((mb = mailbox_new(&r->cfg, err, sizeof(err))) == NULL) {
		fprintf(stderr, "expediera: %s\n", err);
		*rc = EXIT_USAGE;
	}
	return mb;
}

/*
 * Asks the address register about everyone of a part who could go digital:
 * adults and organisations with a number, in paragraphs without errors,
 * sent by the nämndsekreterare, not by post.  -1 when the fault is ours
 * (certificates): then nothing may be sent.  A part is asked before anything
 * of it is sent.
 */
static int
ask_mailbox(struct mailbox *mb, const struct session *s)
{
	const char **ids;
	size_t n = 0, cap = 64, i, j, k;
	int rc = 0;

	if (mb == NULL)
		return 0;
	ids = xreallocarray(NULL, cap, sizeof(*ids));
	for (i = 0; i < s->protokoll.n_paragrafer; i++) {
		const struct paragraf *p = &s->protokoll.paragrafer[i];

		if (p->blocked || p->waiting || p->fb == NULL || p->fb->avsandare != NULL)
			continue;
		for (j = 0; j < p->fb->n_mottagare; j++) {
			const struct mottagare *m = &p->fb->mottagare[j];
			const char *id = m->pnr.ok ? m->pnr.pnr.digits : m->orgnr_ok ? m->orgnr : NULL;

			if (id == NULL || m->kanal == KANAL_POST || m->kanal == KANAL_REKOMMENDERAT ||
			    (m->pnr.ok && age_on(&m->pnr.pnr.birth,
				&s->protokoll.sammantradesdatum) < 18))
				continue;
			for (k = 0; k < n && strcmp(ids[k], id) != 0; k++)
				;
			if (k < n)
				continue;
			if (n == cap) {
				cap *= 2;
				ids = xreallocarray(ids, cap, sizeof(*ids));
			}
			ids[n++] = id;
		}
	}
	if (mailbox_ask(mb, ids, n, stderr) == -1) {
		fputs("expediera: inget skickades: rätta [mailbox] och kör igen\n", stderr);
		rc = -1;
	}
	free(ids);
	return rc;
}

/* Opens the audit database, creating its directory. */
static struct audit *
open_audit(const struct config *cfg)
{
	char err[512], *dir = xstrdup(cfg->audit_database), *slash = strrchr(dir, '/');
	struct audit *a;

	if (slash != NULL && slash != dir && !audit_exists(cfg->audit_database)) {
		*slash = '\0';
		if (file_mkdirs(dir) == -1)
			fprintf(stderr, "expediera: kan inte skapa %s: %s\n", dir, strerror(errno));
	}
	free(dir);
	if ((a = audit_open(cfg->audit_database, err, sizeof(err))) == NULL)
		fprintf(stderr, "expediera: %s\n", err);
	else
		audit_set_lease(a, config_audit_lease(cfg));
	return a;
}

/* One part of a real send: ask, route, deliver. */
struct send_pass {
	const struct options *o;
	struct audit *a;
	struct render *rd;
	struct mailbox *mb;
	struct delivery *dv;
	bool refused;          /* the mailbox certificates are wrong */
	bool rattelse_done;    /* rattelse: the paragraph was found and recorded */
	bool rattelse_failed;
};

/*
 * rattelse: only the corrected paragraph goes, and before it goes the log
 * records the rättelse (record_rattelse), so that its försändelser are new
 * ones, marked, and what went before is replaced.  0 goes on, -1 stops.
 */
static int
rattelse_part(struct send_pass *sp, struct session *part, struct routed *routes, size_t *n)
{
	const struct paragraf *p = NULL;
	char err[512];
	size_t i, o, replaced, fel;
	int gen;

	for (i = 0; i < part->protokoll.n_paragrafer; i++)
		if (part->protokoll.paragrafer[i].nr == sp->o->paragraf)
			p = &part->protokoll.paragrafer[i];
	for (i = o = 0; i < *n; i++)
		if (routes[i].p->nr == sp->o->paragraf)
			routes[o++] = routes[i];
	*n = o;
	if (p == NULL || sp->rattelse_done)
		return 0;
	sp->rattelse_done = true;
	if (p->blocked || p->waiting) {
		fprintf(stderr, "expediera: § %lu %s; ingen rättelse skickades\n", p->nr,
		    p->waiting ? "väntar på justering" : "har fel som måste rättas först");
		sp->rattelse_failed = true;
		*n = 0;
		return -1;
	}
	if (record_rattelse(sp->a, deliver_batch(sp->dv), part, p, sp->o->orsak,
	    sp->o->fel_mottagare, &gen, &replaced, &fel, err, sizeof(err)) == -1) {
		fprintf(stderr, "expediera: %s\n", err);
		sp->rattelse_failed = true;
		*n = 0;
		return -1;
	}
	fprintf(stderr, "expediera: § %lu: rättelse %d; %zu tidigare försändelser ersätts\n",
	    p->nr, gen, replaced);
	if (fel > 0)
		fprintf(stderr, "expediera: § %lu: %zu registrerade som felaktigt utskickade "
		    "(historik --dnr visar dem)\n", p->nr, fel);
	return 0;
}

static int
send_part(void *arg, struct session *part)
{
	struct send_pass *sp = arg;
	struct routed *routes;
	size_t n;
	int rc;

	if (ask_mailbox(sp->mb, part) == -1) {
		sp->refused = true;
		return -1;
	}
	sp->rd->s = part;
	routes = route_session(part, sp->mb != NULL ? mailbox_lookup : NULL, sp->mb, &n);
	if (sp->o != NULL && sp->o->paragraf != 0 && rattelse_part(sp, part, routes, &n) == -1) {
		free(routes);
		return -1;
	}
	rc = deliver_part(sp->dv, sp->rd, routes, n);
	free(routes);
	return rc;
}

static int
send_for_real(const struct options *o, struct run *r, struct send_result *out)
{
	struct send_result res;
	struct send_pass sp;
	struct render rd;
	struct audit *a = NULL;
	int64_t head_rows = 0;
	char head_hash[65] = "";
	int rc, prc;

	memset(&sp, 0, sizeof(sp));
	memset(&res, 0, sizeof(res));
	diag_print_text(&r->s.diag, stderr);
	/* All or nothing, unless asked to send what is clean and hold the rest. */
	if (r->s.diag.errors > 0 && !o->skip_invalid) {
		fprintf(stderr, "expediera: inget skickades: sessionen har %zu fel. Rätta dem, "
		    "eller skicka de felfria paragraferna med --skip-invalid.\n", r->s.diag.errors);
		return EXIT_INVALID;
	}
	render_setup(&rd, r);
	sp.rd = &rd;
	sp.mb = open_mailbox(r, &rc);
	if (rc != 0)
		goto out;
	if (r->log == NULL && (r->log = open_audit(&r->cfg)) == NULL) {
		rc = EXIT_SYSTEM;
		goto out;
	}
	a = r->log;
	/* One run at a time works on the outbox; a second one waits here. */
	if (audit_lock_run(a, stderr) == -1 || audit_load_key(a, r->cfg.audit_key_file) == -1) {
		fprintf(stderr, "expediera: %s\n", audit_error(a));
		rc = EXIT_SYSTEM;
		goto out;
	}
	/* The pass validates again under the lock, against this log. */
	r->chk.a = a;
	sp.o = o;
	sp.a = a;
	rd.s = &r->s;
	if ((sp.dv = deliver_begin(&rd, a, sp.mb, o->paragraf != 0 ? "rattelse" :
	    o->skip_invalid ? "send --skip-invalid" : "send", r->sendable, &res, stderr)) == NULL) {
		rc = EXIT_SYSTEM;
		goto out;
	}
	prc = r->s.protokoll_valid ? run_pass(r, send_part, &sp) : 0;
	rd.s = &r->s;
	/* Wrong certificates: nothing of the run is handed over. */
	rc = deliver_end(sp.dv, &rd, sp.refused);
	if (sp.refused) {
		rc = EXIT_SYSTEM;
		goto out;
	}
	if (prc == -1)
		rc = -1;
	if (sp.rattelse_failed) {
		rc = EXIT_INVALID;
		goto out;
	}
	/* The head to keep elsewhere: audit verify --head finds a log rewritten
	 * from the start with it. */
	if (audit_head(a, &head_rows, head_hash) == -1)
		head_hash[0] = '\0';
	if (o->json) {
		printf("{\"sent\": %zu, \"already_sent\": %zu, \"held\": %zu, \"failed\": %zu, "
		       "\"waiting\": %zu, \"other_worker\": %zu, \"print_batch\": ", res.sent,
		    res.already, res.held, res.failed, res.waiting, res.other);
		json_string(stdout, res.batch_pdf[0] ? res.batch_pdf : NULL);
		fputs(", \"skatteverket_batch\": ", stdout);
		json_string(stdout, res.skv_pdf[0] ? res.skv_pdf : NULL);
		printf(", \"print_volumes\": %zu, \"skatteverket_volumes\": %zu", res.batch_volumes,
		    res.skv_volumes);
		fputs(", \"expedieringslista\": ", stdout);
		json_string(stdout, res.lista_pdf[0] ? res.lista_pdf : NULL);
		fputs(", \"archive_folder\": ", stdout);
		json_string(stdout, r->cfg.archive_folder);
		fputs(", \"manual_folder\": ", stdout);
		json_string(stdout, r->cfg.manual_folder);
		if (head_hash[0] != '\0')
			printf(", \"audit_head\": \"%lld:%s\"", (long long)head_rows, head_hash);
		fputs("}\n", stdout);
	} else {
		printf("%s: %zu skickade, %zu redan skickade tidigare, %zu hålls, %zu misslyckades",
		    shown(r->s.dir), res.sent, res.already, res.held, res.failed);
		if (res.waiting > 0)
			printf(", %zu väntar på justering", res.waiting);
		if (res.other > 0)
			printf(", %zu hanteras av en annan arbetare (kör igen när den är klar)",
			    res.other);
		puts(".");
		if (res.batch_pdf[0])
			printf("  utskrift:          %s%s\n", res.batch_pdf, volumes(res.batch_volumes));
		if (res.skv_pdf[0])
			printf("  via Skatteverket:  %s%s\n", res.skv_pdf, volumes(res.skv_volumes));
		printf("  arkiv:             %s\n", r->cfg.archive_folder);
		printf("  överlämning:       %s\n", r->cfg.manual_folder);
		if (res.lista_pdf[0] && res.lista_parts > 1)
			printf("  expedieringslista: %s – del 1 av %zu\n", res.lista_pdf,
			    res.lista_parts);
		else if (res.lista_pdf[0])
			printf("  expedieringslista: %s\n", res.lista_pdf);
		printf("  granskningslogg:   %s\n", r->cfg.audit_database);
		if (head_hash[0] != '\0')
			printf("  loggens huvud:     %lld:%s (spara det på annat håll; "
			    "audit verify --head)\n", (long long)head_rows, head_hash);
	}
	if (out != NULL)
		*out = res;
	if (res.log_failed) {
		fprintf(stderr, "expediera: granskningsloggen %s kunde inte skrivas; det som inte "
		    "hann loggas lämnades inte över och skickas vid nästa körning\n",
		    r->cfg.audit_database);
		rc = EXIT_SYSTEM;
	} else if (rc == -1 || res.failed > 0)
		rc = EXIT_DELIVERY;
	else if (res.held > 0 || res.waiting > 0 || res.other > 0)
		rc = EXIT_DELIVERY;
	else
		rc = EXIT_OK;
	rc = flushed(rc);
out:
	mailbox_free(sp.mb);
	return rc;
}

/* One part of a dry run: ask, route, show. */
struct dry_pass {
	const struct options *o;
	struct mailbox *mb;
	struct audit *a;          /* the log, to say what already went out */
	size_t n, count[ROUTE__MAX], already;
	bool refused;
};

static int
dry_part(void *arg, struct session *part)
{
	struct dry_pass *dp = arg;
	struct routed *routes;
	size_t n, i;

	if (ask_mailbox(dp->mb, part) == -1) {
		dp->refused = true;
		return -1;
	}
	routes = route_session(part, dp->mb != NULL ? mailbox_lookup : NULL, dp->mb, &n);
	for (i = 0; i < n; i++) {
		char when[20], how[24];
		int sent = already_sent(dp->a, part, &routes[i], when, how);

		if (sent == -1) {
			fprintf(stderr, "expediera: %s\n", audit_error(dp->a));
			free(routes);
			return -1;
		}
		if (dp->o->json) {
			fputs(dp->n + i ? ",\n  " : "\n  ", stdout);
			print_route_json(&routes[i], stdout);
			if (sent == 1) {
				fputs(", \"already_sent\": {\"when\": ", stdout);
				json_string(stdout, when);
				fputs(", \"route\": ", stdout);
				json_string(stdout, how);
				fputc('}', stdout);
			}
			fputc('}', stdout);
		} else {
			print_route_text(&routes[i], stdout);
			if (sent == 1)
				printf("        redan skickad %s (%s); skickas inte igen\n", when,
				    how);
		}
		if (sent == 1)
			dp->already++;
		else
			dp->count[routes[i].route]++;
	}
	dp->n += n;
	free(routes);
	return 0;
}

static int
cmd_send(const struct options *o)
{
	struct dry_pass dp;
	struct run r;
	size_t i;
	int rc;

	memset(&dp, 0, sizeof(dp));
	if ((rc = run_load(&r, o)) != 0)
		goto out;
	if (!o->dry_run) {
		rc = send_for_real(o, &r, NULL);
		goto out;
	}
	/* Asking who is reachable only reads; nothing is sent. */
	dp.o = o;
	dp.a = r.log;
	dp.mb = open_mailbox(&r, &rc);
	if (rc != 0)
		goto out;
	if (o->json) {
		fputs("{\"findings\": ", stdout);
		diag_print_json_array(&r.s.diag, stdout);
		fputs(",\n \"routes\": [", stdout);
	} else
		diag_print_text(&r.s.diag, stderr);
	if (r.s.protokoll_valid && run_pass(&r, dry_part, &dp) == -1) {
		rc = EXIT_SYSTEM;
		goto out;
	}
	if (o->json)
		fputs(dp.n ? "\n ]}\n" : "]}\n", stdout);
	else {
		printf("%s: %zu mottagare:", shown(r.s.dir), dp.n);
		for (i = 0; i < ROUTE__MAX; i++)
			if (dp.count[i] > 0)
				printf(" %s %zu", route_names[i], dp.count[i]);
		if (dp.already > 0)
			printf(", redan skickade %zu", dp.already);
		puts(" (provkörning: inget skickades)");
	}
	rc = flushed(r.s.diag.errors > 0 ? EXIT_INVALID : EXIT_OK);
out:
	mailbox_free(dp.mb);
	run_free(&r);
	return rc;
}

/*
 * rattelse: the paragraph must be in the protocol and free of errors (but
 * for changed-after-send, which is what it corrects); the others do not
 * matter, since nothing of them is sent.
 */
static int
cmd_rattelse(const struct options *o)
{
	struct options ro = *o;
	struct run r;
	size_t i, errs = 0;
	int rc;

	if ((rc = run_load(&r, o)) != 0)
		goto out;
	if (r.s.protokoll_valid && !r.have_skip) {
		fprintf(stderr, "expediera: § %lu finns inte i protokollet i %s\n", o->paragraf,
		    shown(r.s.dir));
		rc = EXIT_INVALID;
		goto out;
	}
	for (i = 0; i < r.s.diag.n; i++) {
		const struct finding *f = &r.s.diag.v[i];

		if (f->severity == SEV_ERROR && (f->paragraf == o->paragraf ||
		    !r.s.protokoll_valid))
			errs++;
	}
	if (errs > 0) {
		diag_print_text(&r.s.diag, stderr);
		fprintf(stderr, "expediera: ingen rättelse skickades: § %lu har %zu fel. Rätta "
		    "dem först.\n", o->paragraf, errs);
		rc = EXIT_INVALID;
		goto out;
	}
	/* The findings of other paragraphs are theirs; this run sends none of them. */
	diag_free(&r.s.diag);
	ro.skip_invalid = true;
	rc = send_for_real(&ro, &r, NULL);
out:
	run_free(&r);
	return rc;
}

static int
load_config_only(struct config *cfg, const struct options *o)
{
	char err[512];

	if (config_load(cfg, config_pick(o->config), err, sizeof(err)) == -1) {
		fprintf(stderr, "expediera: %s\n", err);
		return EXIT_USAGE;
	}
	return 0;
}

/*
 * The försättsblad form (SPEC section 10): a page without personal data,
 * so it is written readable by all (0644), for the file share it is put on.
 */
static int
cmd_blankett(const struct options *o)
{
	struct config cfg;
	struct dnr_pattern *dnr = NULL;
	struct tmpl t;
	struct blankett_data d;
	const char *roller[ROLL__MAX];
	char err[512], *buf = NULL, *path = NULL;
	size_t len = 0, i;
	FILE *mem;
	int rc;

	memset(&t, 0, sizeof(t));
	if ((rc = load_config_only(&cfg, o)) != 0)
		return rc;
	rc = EXIT_USAGE;
	/* The page tries the pattern too, as JavaScript; one that PCRE2 does not
	 * take is a configuration error here, as for check. */
	if ((dnr = dnr_pattern_new(cfg.dnr_pattern, err, sizeof(err))) == NULL) {
		fprintf(stderr, "expediera: %s: [dnr] pattern: %s\n",
		    cfg.file != NULL ? cfg.file : "inbyggt", err);
		goto out;
	}
	if (tmpl_load(&t, templates_dir(&cfg), err, sizeof(err)) == -1) {
		fprintf(stderr, "expediera: %s\n", err);
		goto out;
	}
	for (i = 0; i < ROLL__MAX; i++)
		roller[i] = t.text[T_ROLL_FIRST + i];
	d.kommun = cfg.org_name;
	d.namnd = cfg.org_namnd;
	d.dnr_pattern = cfg.dnr_pattern;
	d.roller = roller;
	d.version = EXPEDIERA_VERSION;
	path = xasprintf("%s/blankett.html", templates_dir(&cfg));
	rc = EXIT_SYSTEM;
	if ((mem = open_memstream(&buf, &len)) == NULL) {
		fprintf(stderr, "expediera: %s\n", strerror(errno));
		goto out;
	}
	if (blankett_write(mem, path, &d, err, sizeof(err)) == -1) {
		fclose(mem);
		fprintf(stderr, "expediera: %s\n", err);
		goto out;
	}
	if (fclose(mem) == EOF) {
		fprintf(stderr, "expediera: %s\n", strerror(errno));
		goto out;
	}
	if (write_output(o->output, buf, len) == -1 || chmod(o->output, 0644) == -1) {
		fprintf(stderr, "expediera: kan inte skriva %s: %s\n", shown(o->output),
		    strerror(errno));
	} else {
		/* The form works without the name, but whoever makes it should know. */
		if (cfg.org_name == NULL)
			fputs("expediera: varning: [organisation] name saknas i inställningarna; "
			    "blanketten visar inget kommunnamn\n", stderr);
		printf("%s: försättsbladet som webbsida%s%s\n", shown(o->output),
		    cfg.org_name != NULL ? ", för " : "",
		    cfg.org_name != NULL ? shown(cfg.org_name) : "");
		rc = flushed(EXIT_OK);
	}
out:
	free(buf);
	free(path);
	tmpl_free(&t);
	dnr_pattern_free(dnr);
	config_free(&cfg);
	return rc;
}

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

/*
 * status answers for the present: one försändelse may have several outbox
 * rows (held, then sent when the paragraph was fixed; digital that failed,
 * then print), all with ids that start with its key.  Its state now is sent
 * when any row is, else the most pressing of the others; the walk is in id
 * order, so one försändelse's rows come together.
 */
struct status_row {
	char *id, *route, *reason, *sent;
	long paragraf;
	enum outbox_state st;
};

struct status_walk {
	struct audit *a;
	bool json, first;
	int paminnelse_dagar;
	size_t count[OUTBOX_FAILED + 1];
	size_t replaced, returned, kvitto_overdue;
	bool error;
	char key[128];
	struct status_row cur;    /* the row that speaks for the försändelse so far */
	bool have;
};

/* How much a state says about now: sent ends it; failed is older news than pending. */
static int
state_rank(enum outbox_state st)
{
	switch (st) {
	case OUTBOX_SENT:
		return 5;
	case OUTBOX_SENDING:
		return 4;
	case OUTBOX_PENDING:
		return 3;
	case OUTBOX_HELD:
		return 2;
	default:
		return 1;
	}
}

static void
status_flush(struct status_walk *w)
{
	struct status_row *r = &w->cur;
	char *data = NULL, *who = NULL, *roll = NULL, *dnr = NULL, *organ = NULL, *datum = NULL;

	struct rec_present pr;
	char sid[15];

	if (!w->have)
		return;
	w->have = false;
	memset(&pr, 0, sizeof(pr));
	if (audit_last_data(w->a, r->id, "route", &data) == 0 && data != NULL) {
		who = json_field(data, "mottagare");
		roll = json_field(data, "roll");
		dnr = json_field(data, "dnr");
		organ = json_field(data, "organ");
		datum = json_field(data, "sammantrade");
	}
	/* What happened since: a rättelse, returned post, a delgivningskvitto. */
	if (r->st == OUTBOX_SENT) {
		char how[24];

		r->sent = xmalloc(20);
		if (record_sent(w->a, w->key, r->sent, how, NULL) != 1)
			r->sent[0] = '\0';
	}
	if (record_present(w->a, w->key, r->st, data, r->sent, w->paminnelse_dagar, &pr) == -1)
		w->error = true;
	record_short_id(w->key, sid);
	if (pr.state != NULL && (strcmp(pr.state, "ersatt") == 0 ||
	    strcmp(pr.state, "felaktigt utskickad") == 0))
		w->replaced++;
	else if (pr.state != NULL && strcmp(pr.state, "returnerad") == 0 && pr.open)
		w->returned++;
	else
		w->count[r->st]++;
	if (pr.kvitto_overdue)
		w->kvitto_overdue++;
	if (w->json) {
		printf("%s\n  {\"forsandelse\": ", w->first ? "" : ",");
		json_string(stdout, r->id);
		printf(", \"paragraf\": %ld, \"dnr\": ", r->paragraf);
		json_string(stdout, dnr);
		fputs(", \"mottagare\": ", stdout);
		json_string(stdout, who);
		fputs(", \"roll\": ", stdout);
		json_string(stdout, roll);
		fputs(", \"organ\": ", stdout);
		json_string(stdout, organ);
		fputs(", \"sammantrade\": ", stdout);
		json_string(stdout, datum);
		fputs(", \"route\": ", stdout);
		json_string(stdout, r->route);
		fputs(", \"state\": ", stdout);
		json_string(stdout, outbox_state_name(r->st));
		fputs(", \"now\": ", stdout);
		json_string(stdout, pr.state);
		fputs(", \"note\": ", stdout);
		json_string(stdout, pr.note);
		fputs(", \"id\": ", stdout);
		json_string(stdout, sid);
		fputs(", \"reason\": ", stdout);
		json_string(stdout, r->reason);
		fputc('}', stdout);
		w->first = false;
	} else if (r->st != OUTBOX_SENT || pr.open || (pr.state != NULL &&
	    strcmp(pr.state, "delgiven") == 0)) {
		printf("§ %-5ld %-19s %-8s %s\n", r->paragraf, r->route,
		    pr.state != NULL ? pr.state : outbox_state_name(r->st),
		    pr.note != NULL ? pr.note : r->reason != NULL ? shown(r->reason) : "");
		if (who != NULL)
			printf("        %s, %s, %s, %s %s, försändelse %s\n", shown(who),
			    roll != NULL ? roll : "-", dnr != NULL ? shown(dnr) : "-",
			    organ != NULL ? shown(organ) : "-", datum != NULL ? datum : "", sid);
	}
	free(pr.note);
	free(data);
	free(who);
	free(roll);
	free(dnr);
	free(organ);
	free(datum);
	free(r->id);
	free(r->route);
	free(r->reason);
	free(r->sent);
	memset(r, 0, sizeof(*r));
}

static int
status_item(void *arg, const struct outbox_item *it, enum outbox_state st, int attempts,
    const char *reason)
{
	struct status_walk *w = arg;
	size_t klen = strcspn(it->id, ":");

	(void)attempts;
	if (klen >= sizeof(w->key))
		klen = sizeof(w->key) - 1;
	if (w->have && (strlen(w->key) != klen || strncmp(w->key, it->id, klen) != 0))
		status_flush(w);
	if (!w->have) {
		memcpy(w->key, it->id, klen);
		w->key[klen] = '\0';
	} else if (state_rank(st) <= state_rank(w->cur.st))
		return 0;
	free(w->cur.id);
	free(w->cur.route);
	free(w->cur.reason);
	w->cur.id = xstrdup(it->id);
	w->cur.route = xstrdup(it->route);
	w->cur.reason = reason != NULL ? xstrdup(reason) : NULL;
	w->cur.paragraf = it->paragraf;
	w->cur.st = st;
	w->have = true;
	return 0;
}

static int
cmd_status(const struct options *o)
{
	struct config cfg;
	struct status_walk w;
	struct audit *a;
	int rc;

	if ((rc = load_config_only(&cfg, o)) != 0)
		return rc;
	if ((a = open_existing_audit(&cfg)) == NULL) {
		config_free(&cfg);
		return EXIT_SYSTEM;
	}
	memset(&w, 0, sizeof(w));
	w.a = a;
	w.json = o->json;
	w.first = true;
	w.paminnelse_dagar = config_paminnelse_dagar(&cfg);
	if (o->session != NULL) {
		fputs("expediera: status visar hela utkorgen; att välja en körning går inte "
		      "ännu\n", stderr);
		audit_close(a);
		config_free(&cfg);
		return EXIT_USAGE;
	}
	if (w.json)
		fputs("{\"items\": [", stdout);
	if (outbox_list(a, NULL, status_item, &w) == -1) {
		fprintf(stderr, "expediera: %s\n", audit_error(a));
		rc = EXIT_SYSTEM;
	} else if (status_flush(&w), w.json)
		printf("\n ], \"sent\": %zu, \"pending\": %zu, \"sending\": %zu, \"held\": %zu, "
		       "\"failed\": %zu, \"replaced\": %zu, \"returned\": %zu, "
		       "\"kvitto_overdue\": %zu}\n", w.count[OUTBOX_SENT], w.count[OUTBOX_PENDING],
		    w.count[OUTBOX_SENDING], w.count[OUTBOX_HELD], w.count[OUTBOX_FAILED],
		    w.replaced, w.returned, w.kvitto_overdue);
	else {
		printf("%zu skickade, %zu väntar, %zu pågår, %zu hålls, %zu misslyckades",
		    w.count[OUTBOX_SENT], w.count[OUTBOX_PENDING], w.count[OUTBOX_SENDING],
		    w.count[OUTBOX_HELD], w.count[OUTBOX_FAILED]);
		if (w.replaced > 0)
			printf(", %zu ersatta genom rättelse", w.replaced);
		if (w.returned > 0)
			printf(", %zu returnerade utan ny adress", w.returned);
		if (w.kvitto_overdue > 0)
			printf(", %zu delgivningskvitton har inte kommit tillbaka efter %d dagar",
			    w.kvitto_overdue, w.paminnelse_dagar);
		puts(".");
	}
	free(w.cur.id);
	free(w.cur.route);
	free(w.cur.reason);
	free(w.cur.sent);
	if (rc == 0 && w.error) {
		fprintf(stderr, "expediera: %s\n", audit_error(a));
		rc = EXIT_SYSTEM;
	}
	/* The present: what still waits for someone to act makes it 3. */
	if (rc == 0)
		rc = flushed(w.count[OUTBOX_HELD] + w.count[OUTBOX_FAILED] +
			w.count[OUTBOX_PENDING] + w.count[OUTBOX_SENDING] + w.returned +
			w.kvitto_overdue > 0 ? EXIT_DELIVERY : EXIT_OK);
	audit_close(a);
	config_free(&cfg);
	return rc;
}

/* retur and kvitto: one event about one försändelse, under the run lock. */
static int
cmd_register(const struct options *o)
{
	struct config cfg;
	struct audit *a;
	char msg[512];
	int rc;

	if ((rc = load_config_only(&cfg, o)) != 0)
		return rc;
	if ((a = open_existing_audit(&cfg)) == NULL) {
		config_free(&cfg);
		return EXIT_SYSTEM;
	}
	if (audit_lock_run(a, stderr) == -1 || audit_load_key(a, cfg.audit_key_file) == -1) {
		fprintf(stderr, "expediera: %s\n", audit_error(a));
		rc = EXIT_SYSTEM;
		goto out;
	}
	if (strcmp(o->command, "retur") == 0)
		rc = record_retur(a, o->session, o->datum, o->orsak, msg, sizeof(msg));
	else
		rc = record_kvitto(a, o->session, o->datum, msg, sizeof(msg));
	if (rc == 0)
		printf("%s\n", msg);
	else
		fprintf(stderr, "expediera: %s\n", msg);
	rc = rc == 0 ? flushed(EXIT_OK) : rc == 1 ? EXIT_USAGE : EXIT_SYSTEM;
out:
	audit_close(a);
	config_free(&cfg);
	return rc;
}

static int
cmd_historik(const struct options *o)
{
	struct historik_query q;
	struct config cfg;
	struct audit *a;
	char err[512];
	int rc;

	if ((rc = load_config_only(&cfg, o)) != 0)
		return rc;
	if ((a = open_existing_audit(&cfg)) == NULL) {
		config_free(&cfg);
		return EXIT_SYSTEM;
	}
	if (audit_load_key(a, cfg.audit_key_file) == -1) {
		fprintf(stderr, "expediera: %s\n", audit_error(a));
		rc = EXIT_SYSTEM;
		goto out;
	}
	memset(&q, 0, sizeof(q));
	q.dnr = o->dnr;
	q.sammantrade = o->sammantrade;
	q.person = o->person;
	q.json = o->json;
	q.paminnelse_dagar = config_paminnelse_dagar(&cfg);
	rc = record_historik(a, &q, stdout, err, sizeof(err));
	if (rc != 0)
		fprintf(stderr, "expediera: %s\n", err);
	rc = rc == 0 ? flushed(EXIT_OK) : rc == 1 ? EXIT_USAGE : EXIT_SYSTEM;
out:
	audit_close(a);
	config_free(&cfg);
	return rc;
}

/*
 * audit verify --head HASH: a head kept elsewhere (printed by send, the
 * expedieringslista's run, audit export) must still be in the chain, where it
 * was, and the chain intact up to it and after.  A log rewritten from the
 * start, triggers dropped and every hash recomputed, has lost that hash.
 */
static int
verify_with_head(struct audit *a, const char *head, struct audit_verify *v)
{
	const char *colon = strchr(head, ':');
	const char *hash = colon != NULL ? colon + 1 : head;
	int64_t rows;

	if (audit_find_hash(a, hash, &rows) == -1)
		return -1;
	if (rows == 0) {
		memset(v, 0, sizeof(*v));
		if (audit_verify(a, v) == -1)
			return -1;
		v->first_broken = v->first_broken != 0 ? v->first_broken : 1;
		snprintf(v->reason, sizeof(v->reason), "kedjans huvud %.16s… finns inte i loggen: "
		    "den har skrivits om eller kortats sedan huvudet sparades", hash);
		return 0;
	}
	if (colon != NULL) {
		char *end;
		long long want = strtoll(head, &end, 10);

		if (end != colon || want != rows) {
			memset(v, 0, sizeof(*v));
			v->first_broken = rows;
			snprintf(v->reason, sizeof(v->reason), "kedjans huvud %.16s… står som händelse "
			    "%lld, inte %.20s som det sparades", hash, (long long)rows, head);
			return 0;
		}
	}
	return audit_verify_head(a, rows, hash, v);
}

static int
cmd_audit(const struct options *o)
{
	struct audit_verify v;
	struct config cfg;
	struct audit *a;
	int rc;

	if (o->session == NULL || (strcmp(o->session, "verify") != 0 &&
	    strcmp(o->session, "export") != 0)) {
		fputs("expediera: audit kräver verify eller export\n", stderr);
		return EXIT_USAGE;
	}
	if ((rc = load_config_only(&cfg, o)) != 0)
		return rc;
	if ((a = open_existing_audit(&cfg)) == NULL) {
		config_free(&cfg);
		return EXIT_SYSTEM;
	}
	if (strcmp(o->session, "export") == 0) {
		if (audit_export(a, o->since, o->json, stdout) == -1) {
			fprintf(stderr, "expediera: %s\n", audit_error(a));
			rc = EXIT_SYSTEM;
		} else
			rc = flushed(EXIT_OK);
	} else if (o->head != NULL && verify_with_head(a, o->head, &v) == -1) {
		fprintf(stderr, "expediera: %s\n", audit_error(a));
		rc = EXIT_USAGE;
	} else if (o->head == NULL && audit_verify(a, &v) == -1) {
		fprintf(stderr, "expediera: %s\n", audit_error(a));
		rc = EXIT_SYSTEM;
	} else if (v.first_broken != 0) {
		fprintf(stderr, "expediera: granskningsloggen %s är inte intakt: %s\n",
		    cfg.audit_database, v.reason);
		if (o->json)
			printf("{\"intact\": false, \"rows\": %lld, \"first_broken\": %lld}\n",
			    (long long)v.rows, (long long)v.first_broken);
		rc = EXIT_INVALID;
	} else {
		if (o->json)
			printf("{\"intact\": true, \"rows\": %lld}\n", (long long)v.rows);
		else
			printf("%s: kedjan är intakt, %lld händelser.\n", cfg.audit_database,
			    (long long)v.rows);
		rc = flushed(EXIT_OK);
	}
	audit_close(a);
	config_free(&cfg);
	return rc;
}

/* ---- watch: the automated dispatch ---- */

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
	if ((rc = run_load(&r, &po)) != 0) {
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

/* One pass: first packages whose worker died, then every complete package in
 * SPOOL/inkommande in name order, each claimed before it is touched. */
static int
watch_pass(const struct options *o, struct spool *sp, bool shared_log, bool *refused)
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

		if (!shared_log && strcmp(stale[i].host, sp->host) != 0) {
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

		if (de->d_name[0] == '.')
			continue;
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

static int
cmd_watch(const struct options *o)
{
	struct sigaction sa;
	struct config cfg;
	struct spool sp;
	bool shared_log, refused = false;
	char err[512], other[64];
	int rc, lease;

	/* A configuration that cannot make a letter stops the service at once,
	 * before any package is moved or reported on. */
	if ((rc = load_config_only(&cfg, o)) != 0)
		return rc;
	rc = config_require_letter(&cfg, err, sizeof(err));
	shared_log = db_is_pg(cfg.audit_database);
	lease = config_audit_lease(&cfg);
	config_free(&cfg);
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
		rc = watch_pass(o, &sp, shared_log, &refused);
		if (refused) {
			/* Not beating here any more: the other host goes on. */
			unlink(sp.beat);
			spool_close(&sp);
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
	return rc == EXIT_SYSTEM ? EXIT_SYSTEM : EXIT_OK;
}

static int run_command(const struct options *);

int
main(int argc, char *argv[])
{
	struct options o;
	int rc;

	if ((rc = parse_args(argc, argv, &o)) != 0)
		return rc;
	rc = run_command(&o);
	/* Libraries' global state goes once, at the very end (watch runs many sessions). */
	pdf_cleanup();
	mm_cleanup();
	read_cleanup();
	return rc;
}

static int
run_command(const struct options *op)
{
	struct options o = *op;

	if (strcmp(o.command, "render") == 0)
		return cmd_render(&o);
	if (strcmp(o.command, "protokoll") == 0)
		return cmd_protokoll(&o);
	if (strcmp(o.command, "send") == 0)
		return cmd_send(&o);
	if (strcmp(o.command, "status") == 0)
		return cmd_status(&o);
	if (strcmp(o.command, "audit") == 0)
		return cmd_audit(&o);
	if (strcmp(o.command, "watch") == 0)
		return cmd_watch(&o);
	if (strcmp(o.command, "rattelse") == 0)
		return cmd_rattelse(&o);
	if (strcmp(o.command, "retur") == 0 || strcmp(o.command, "kvitto") == 0)
		return cmd_register(&o);
	if (strcmp(o.command, "historik") == 0)
		return cmd_historik(&o);
	if (strcmp(o.command, "blankett") == 0)
		return cmd_blankett(&o);
	return cmd_check(&o);
}
