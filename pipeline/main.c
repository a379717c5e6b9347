/*
 * main.c -- the driver: the command line against the command table, the
 * command run (cmd.c's runner, then its function), the exit status.
 * Stages never exit; this file does.
 *
 * Exit status (SPEC section 8): 0 ok, 1 validation errors, 2 usage (and a bad
 * configuration), 3 some deliveries failed or held, 4 system error.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>

#include "cmd.h"
#include "mm.h"
#include "pdf.h"
#include "read.h"

/*
 * The commands, in the order usage shows them.  Each takes --config, and
 * --help for its help; what else it takes is in opts, and any other option
 * is refused before anything is read.
 */
static const char *const audit_words[] = {"verify", "export", NULL};

static const struct command commands[] = {
    {"check", cmd_check, NEED_PACKAGE, OPT_JSON, 0, ARG_REQUIRED, "%s kräver en sessionskatalog",
	NULL, NULL, NULL, "SESSION [--json]",
	"kontrollera sessionspaketet (protokoll.xml och forsattsblad/)\n"
	"             och visa alla fel och varningar",
	"användning: expediera check SESSION [--json] [--config FIL]\n\n"
	"Kontrollerar sessionspaketet (protokoll.xml och forsattsblad/) och visar\n"
	"alla fel och varningar, sorterade efter fil och rad, på standard fel (med\n"
	"--json som JSON på standard ut). Slutstatus 0 utan fel, 1 med fel.\n"},
    {"render", cmd_render, NEED_PACKAGE | NEED_LETTER, OPT_JSON | OPT_OUTPUT, 0, ARG_REQUIRED,
	"%s kräver en sessionskatalog", NULL, "KATALOG", NULL, "SESSION -o KATALOG [--json]",
	"skriv en PDF per mottagare (beslut, protokollsutdrag och\n"
	"             överklagandehänvisning) utan att skicka något",
	"användning: expediera render SESSION -o KATALOG [--json] [--config FIL]\n\n"
	"Skriver en PDF per mottagare i paragrafer utan fel: beslut, protokollsutdrag\n"
	"och överklagandehänvisning. Skickar ingenting.\n"},
    {"protokoll", cmd_protokoll, NEED_PACKAGE | NEED_WHOLE | NEED_LETTER,
	OPT_OUTPUT | OPT_PUBLIC | OPT_PRINT, 0, ARG_REQUIRED, "%s kräver en sessionskatalog", NULL,
	"FIL", NULL, "SESSION -o FIL [--public] [--print]",
	"skriv hela protokollet; --public utan sekretessuppgifter;\n"
	"             --print skickar det också till CUPS-kön i [print] cups_queue",
	"användning: expediera protokoll SESSION -o FIL [--public] [--print]\n"
	"                           [--config FIL]\n\n"
	"Skriver hela protokollet; med --public utan något om enskilda i paragrafer\n"
	"med sekretess. Med --print skickas filen också till CUPS-kön som\n"
	"[print] cups_queue anger, och jobbnumret visas.\n"},
    {"send", cmd_send, NEED_PACKAGE | NEED_LETTER | NEED_SENDS,
	OPT_DRY_RUN | OPT_SKIP_INVALID | OPT_JSON, 0, ARG_REQUIRED, "%s kräver en sessionskatalog",
	NULL, NULL, NULL, "SESSION [--dry-run] [--skip-invalid] [--json]",
	"skicka varje försändelse sin väg (utskrift, arkiv, överlämning)\n"
	"             och logga allt; --dry-run visar bara vart och varför;\n"
	"             --skip-invalid skickar felfria paragrafer och håller resten",
	"användning: expediera send SESSION [--dry-run] [--skip-invalid] [--json]\n"
	"                      [--config FIL]\n\n"
	"Skickar varje försändelse sin väg (digitalt, utskrift, via Skatteverket,\n"
	"överlämning, arkiv) och loggar allt. Inget skickas om sessionen har fel,\n"
	"utom med --skip-invalid. --dry-run visar bara vart och varför.\n"
	"Slutstatus 3 när något hålls eller misslyckades.\n"},
    {"status", cmd_status, NEED_CONFIG | NEED_LOG, OPT_JSON, 0, ARG_OPTIONAL, NULL, NULL, NULL,
	NULL, "[--json]", "vad som gick vart, och vad som väntar eller hålls",
	"användning: expediera status [--json] [--config FIL]\n\n"
	"Visar vad som väntar, pågår, hålls eller misslyckades i utkorgen, post\n"
	"som kommit tillbaka och delgivningskvitton som inte kommit tillbaka.\n"},
    {"historik", cmd_historik, NEED_CONFIG | NEED_LOG | NEED_KEY,
	OPT_DNR | OPT_SAMMANTRADE | OPT_PERSON | OPT_JSON, 0, ARG_NONE, NULL, NULL, NULL, NULL,
	"[--dnr DNR] [--sammantrade DATUM] [--person PNR]\n"
	"                                [--json]",
	"vem som fick vilket beslut, när, hur och till vilken ort",
	"användning: expediera historik [--dnr DNR] [--sammantrade ÅÅÅÅ-MM-DD]\n"
	"                          [--person PERSONNUMMER] [--json] [--config FIL]\n\n"
	"Visar ur granskningsloggen vem som fick vilket beslut (organ, datum, §,\n"
	"dnr), när, vilken väg, till vilken ort, dokumentets hash och läget nu:\n"
	"skickad, ersatt, felaktigt utskickad, returnerad, delgiven eller hålls.\n"},
    {"rattelse", cmd_rattelse, NEED_PACKAGE | NEED_LETTER | NEED_SENDS,
	OPT_PARAGRAF | OPT_ORSAK | OPT_FEL_MOTTAGARE | OPT_BESLUTET_RATTAT | OPT_TILL_MOTTAGAREN,
	OPT_PARAGRAF | OPT_ORSAK, ARG_REQUIRED, "%s kräver SESSION, --paragraf N och --orsak TEXT",
	NULL, NULL, NULL,
	"SESSION --paragraf N --orsak TEXT\n"
	"                                [--fel-mottagare | --beslutet-rattat]\n"
	"                                [--till-mottagaren TEXT]",
	"rätta ett utskick (fel mottagare eller adress) eller beslutets\n"
	"             text; det som skickades förut registreras som ersatt",
	"användning: expediera rattelse SESSION --paragraf N --orsak TEXT\n"
	"                          [--fel-mottagare | --beslutet-rattat]\n"
	"                          [--till-mottagaren TEXT] [--config FIL]\n\n"
	"Rättar ett utskick av paragrafen. Utan --beslutet-rattat har beslutet inte\n"
	"ändrats: bara de mottagare vars försändelse ändrats sedan utskicket (ny\n"
	"adress, ny kanal, ny mottagare eller roll) får en ny, märkt \"Rättelse av\n"
	"utskick\"; det som gick till någon som inte längre står på försättsbladet\n"
	"registreras som ersatt. Med --beslutet-rattat har beslutets text rättats i\n"
	"protokollet, och alla mottagare får beslutet på nytt, märkt \"Rättelse av\n"
	"beslutets text\". Har inget ändrats och --beslutet-rattat saknas skickas\n"
	"ingenting (slutstatus 1).\n\n"
	"Brevet dateras den dag rättelsen görs och anger vilken försändelse det\n"
	"ersätter. --orsak är nämndens interna anteckning: den sparas i\n"
	"granskningsloggen (historik och status visar den) men skrivs aldrig i\n"
	"brevet. Det mottagarna ska läsa anges med --till-mottagaren. Båda ska vara\n"
	"en rad vanlig text, högst 500 tecken, utan styrtecken.\n\n"
	"--fel-mottagare registrerar det som gick till fel mottagare eller adress\n"
	"som felaktigt utskickat (för lex Sarah-utredningen).\n"},
    {"retur", cmd_retur, NEED_CONFIG | NEED_LOG | NEED_LOCK, OPT_DATUM | OPT_ORSAK, OPT_DATUM,
	ARG_REQUIRED, "%s kräver FÖRSÄNDELSE och --datum ÅÅÅÅ-MM-DD", NULL, NULL, NULL,
	"FÖRSÄNDELSE --datum DATUM [--orsak TEXT]",
	"registrera post som kom tillbaka; mottagaren hålls tills\n"
	"             försättsbladet har en ny adress",
	"användning: expediera retur FÖRSÄNDELSE --datum ÅÅÅÅ-MM-DD [--orsak TEXT]\n"
	"                       [--config FIL]\n\n"
	"Registrerar att posten kom tillbaka. Mottagaren hålls tills\n"
	"försättsbladet har en ny bekräftad adress; nästa send skickar dit.\n"},
    {"kvitto", cmd_kvitto, NEED_CONFIG | NEED_LOG | NEED_LOCK, OPT_DATUM, OPT_DATUM, ARG_REQUIRED,
	"%s kräver FÖRSÄNDELSE och --datum ÅÅÅÅ-MM-DD", NULL, NULL, NULL,
	"FÖRSÄNDELSE --datum DATUM", "registrera ett undertecknat delgivningskvitto",
	"användning: expediera kvitto FÖRSÄNDELSE --datum ÅÅÅÅ-MM-DD [--config FIL]\n\n"
	"Registrerar ett undertecknat delgivningskvitto med datumet på kvittot;\n"
	"visar sista dag att överklaga och när beslutet tidigast vinner laga kraft.\n"},
    {"watch", cmd_watch, NEED_CONFIG, OPT_ONCE, 0, ARG_REQUIRED, "%s kräver en spoolkatalog", NULL,
	NULL, NULL, "SPOOL [--once]",
	"skicka varje sessionspaket som läggs i SPOOL/inkommande/ (med\n"
	"             filen KLAR) när protokollet är justerat; paket med fel flyttas\n"
	"             till SPOOL/avvisade/ med en felrapport, skickade till SPOOL/klara/",
	"användning: expediera watch SPOOL [--once] [--config FIL]\n\n"
	"Skickar varje sessionspaket i SPOOL/inkommande/ som har filen KLAR, när\n"
	"protokollet är justerat; paket med fel flyttas till SPOOL/avvisade/ med en\n"
	"felrapport, skickade till SPOOL/klara/. Ett paket som behandlas ligger i\n"
	"SPOOL/behandlas/; flera datorer kan dela en spool om granskningsloggen är\n"
	"PostgreSQL, och ett paket vars dator dött tas över när dess lease gått ut.\n"},
    {"audit", cmd_audit, NEED_CONFIG | NEED_LOG, OPT_HEAD | OPT_SINCE | OPT_JSON, 0, ARG_REQUIRED,
	"%s kräver verify eller export", audit_words, NULL, NULL,
	"verify [--head N:HASH] | export [--since ÅÅÅÅ-MM-DD]\n"
	"                                [--json]",
	"verify: kontrollera granskningsloggens kedja; export: ta ut den",
	"användning: expediera audit verify [--head N:HASH] | export [--since ÅÅÅÅ-MM-DD]\n"
	"                       [--json]\n\n"
	"verify kontrollerar granskningsloggens kedja och namnger första ändrade\n"
	"eller borttagna rad (slutstatus 1); med --head också att kedjans huvud\n"
	"som send skrev ut (och som sparats på annat håll) finns kvar, så att en\n"
	"logg som skrivits om från början upptäcks. export tar ut händelserna.\n"},
    {"blankett", cmd_blankett, NEED_CONFIG, OPT_OUTPUT, 0, ARG_NONE, NULL, NULL, "FIL",
	"blankett tar bara -o FIL och --config FIL", "-o FIL",
	"skriv försättsbladet som en webbsida som handläggaren fyller i",
	"användning: expediera blankett -o FIL [--config FIL]\n\n"
	"Skriver försättsbladet som en webbsida (en enda fil) med kommunens namn,\n"
	"roller och format för diarienummer. Handläggaren öppnar den i webbläsaren,\n"
	"fyller i, får fel visade medan hen skriver och sparar försättsbladet som\n"
	"XML. Sidan hämtar ingenting från nätet.\n"},
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

/*
 * The options a command may not take, in the order they are looked at.
 * own: the option is one command's, and is refused as "hör till kommandot"
 * that one; the others as "hör inte till kommandot" the one given.
 */
static const struct {
	unsigned bit;
	const char *flag;
	bool own;
} flags[] = {
    {OPT_PARAGRAF, "--paragraf", false}, {OPT_FEL_MOTTAGARE, "--fel-mottagare", false},
    {OPT_DATUM, "--datum", false}, {OPT_ORSAK, "--orsak", false}, {OPT_DNR, "--dnr", false},
    {OPT_SAMMANTRADE, "--sammantrade", false}, {OPT_PERSON, "--person", false},
    {OPT_SKIP_INVALID, "--skip-invalid", true}, {OPT_DRY_RUN, "--dry-run", true},
    {OPT_PUBLIC, "--public", true}, {OPT_PRINT, "--print", true},
    {OPT_JSON, "--json", false}, {OPT_OUTPUT, "-o", false}, {OPT_ONCE, "--once", false},
    {OPT_SINCE, "--since", false}, {OPT_HEAD, "--head", false},
    {OPT_BESLUTET_RATTAT, "--beslutet-rattat", true},
    {OPT_TILL_MOTTAGAREN, "--till-mottagaren", true},
};

#define OPT_AFTER_SEND (OPT_PARAGRAF | OPT_FEL_MOTTAGARE | OPT_DATUM | OPT_ORSAK | OPT_DNR | \
    OPT_SAMMANTRADE | OPT_PERSON)

static void
usage(FILE *fp)
{
	size_t i;

	for (i = 0; i < N_COMMANDS; i++)
		fprintf(fp, "%sexpediera %-9s %s\n", i == 0 ? "användning: " : "            ",
		    commands[i].name, commands[i].synopsis);
	fputs("            expediera --version | --help\n\n", fp);
	for (i = 0; i < N_COMMANDS; i++)
		fprintf(fp, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fputs("\n"
	      "  --json          maskinläsbart resultat på standard ut\n"
	      "  --config FIL    inställningar (annars ./expediera.conf om den finns)\n"
	      "\n"
	      "Slutstatus: 0 inga fel, 1 fel i sessionspaketet, 2 fel i kommandot eller\n"
	      "inställningarna, 4 systemfel.\n",
	    fp);
}

/* The command of that name, or NULL. */
static const struct command *
command_find(const char *name)
{
	size_t i;

	for (i = 0; i < N_COMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* The options o has, as OPT_ bits. */
static unsigned
options_given(const struct options *o)
{
	return (o->json ? OPT_JSON : 0) | (o->output != NULL ? OPT_OUTPUT : 0) |
	    (o->public ? OPT_PUBLIC : 0) | (o->print ? OPT_PRINT : 0) |
	    (o->dry_run ? OPT_DRY_RUN : 0) | (o->skip_invalid ? OPT_SKIP_INVALID : 0) |
	    (o->once ? OPT_ONCE : 0) | (o->since != NULL ? OPT_SINCE : 0) |
	    (o->head != NULL ? OPT_HEAD : 0) | (o->paragraf != 0 ? OPT_PARAGRAF : 0) |
	    (o->fel_mottagare ? OPT_FEL_MOTTAGARE : 0) | (o->datum != NULL ? OPT_DATUM : 0) |
	    (o->orsak != NULL ? OPT_ORSAK : 0) | (o->dnr != NULL ? OPT_DNR : 0) |
	    (o->sammantrade != NULL ? OPT_SAMMANTRADE : 0) | (o->person != NULL ? OPT_PERSON : 0) |
	    (o->beslutet_rattat ? OPT_BESLUTET_RATTAT : 0) |
	    (o->till_mottagaren != NULL ? OPT_TILL_MOTTAGAREN : 0);
}

/* Refuses the first option of mask that o has and its command does not take. */
static int
refuse(const struct options *o, unsigned mask)
{
	unsigned given = options_given(o) & mask & ~(o->cmd != NULL ? o->cmd->opts : 0);
	size_t i, k;

	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		if (!(given & flags[i].bit))
			continue;
		if (o->cmd != NULL && o->cmd->only != NULL && !(flags[i].bit & OPT_AFTER_SEND)) {
			fprintf(stderr, "expediera: %s\n", o->cmd->only);
			return EXIT_USAGE;
		}
		for (k = 0; flags[i].own && !(commands[k].opts & flags[i].bit); k++)
			;
		if (flags[i].own)
			fprintf(stderr, "expediera: %s hör till kommandot %s\n", flags[i].flag,
			    commands[k].name);
		else
			fprintf(stderr, "expediera: %s hör inte till kommandot %s\n", flags[i].flag,
			    o->command);
		return EXIT_USAGE;
	}
	return 0;
}

/* Whether the command's one argument is there, and one of its words if it has them. */
static bool
argument_ok(const struct command *c, const char *arg)
{
	size_t i;

	if (c->arg != ARG_REQUIRED)
		return true;
	if (arg == NULL || c->words == NULL)
		return arg != NULL;
	for (i = 0; c->words[i] != NULL; i++)
		if (strcmp(c->words[i], arg) == 0)
			return true;
	return false;
}

/*
 * The free texts, before anything is opened: what goes to the log and to
 * recipients is one line of plain text; --fel-mottagare (the sending went
 * wrong) and --beslutet-rattat (the decision's text did) say different things.
 */
static int
check_texts(const struct options *o)
{
	char msg[200];

	if (o->fel_mottagare && o->beslutet_rattat) {
		fputs("expediera: --fel-mottagare och --beslutet-rattat går inte att ange "
		      "tillsammans: rättas utskicket (fel mottagare eller adress) eller beslutets "
		      "text? Gör en rättelse för var sak\n", stderr);
		return EXIT_USAGE;
	}
	if ((o->orsak != NULL && record_note_check("--orsak", o->orsak, msg, sizeof(msg)) == -1) ||
	    (o->till_mottagaren != NULL && record_note_check("--till-mottagaren",
	    o->till_mottagaren, msg, sizeof(msg)) == -1)) {
		fprintf(stderr, "expediera: %s\n", msg);
		return EXIT_USAGE;
	}
	return 0;
}

/* The command line against the table; 0, or an exit status after saying what is wrong. */
static int
check_args(struct options *o)
{
	const struct command *c;
	int rc;

	if (o->command == NULL) {
		usage(stderr);
		return EXIT_USAGE;
	}
	o->cmd = c = command_find(o->command);
	/* The options of the commands after the send first, as they always were. */
	if ((rc = refuse(o, OPT_AFTER_SEND)) != 0)
		return rc;
	if (c == NULL) {
		fprintf(stderr, "expediera: okänt kommando: %s\n", o->command);
		usage(stderr);
		return EXIT_USAGE;
	}
	if (c->arg == ARG_NONE && o->session != NULL) {
		fprintf(stderr, "expediera: för många argument: %s\n", o->session);
		return EXIT_USAGE;
	}
	if (!argument_ok(c, o->session) || (c->required & ~options_given(o))) {
		fputs("expediera: ", stderr);
		fprintf(stderr, c->missing, c->name);
		fputc('\n', stderr);
		return EXIT_USAGE;
	}
	if (c->only == NULL && (rc = refuse(o, OPT_SKIP_INVALID | OPT_DRY_RUN)) != 0)
		return rc;
	if (c->output != NULL && o->output == NULL) {
		fprintf(stderr, "expediera: %s kräver -o %s\n", c->name, c->output);
		return EXIT_USAGE;
	}
	if (c->only == NULL && (rc = refuse(o, OPT_PUBLIC | OPT_PRINT)) != 0)
		return rc;
	if ((rc = refuse(o, ~0u)) != 0)
		return rc;
	return check_texts(o);
}

/*
 * The value after the option argv[*i] (*i moves to it), or NULL after saying
 * msg, which may name the option (%s).  nonempty refuses "" too.
 */
static const char *
option_value(int argc, char *argv[], int *i, const char *msg, bool nonempty)
{
	const char *a = argv[*i];

	if (++*i >= argc || (nonempty && argv[*i][0] == '\0')) {
		fputs("expediera: ", stderr);
		fprintf(stderr, msg, a);
		fputc('\n', stderr);
		return NULL;
	}
	return argv[*i];
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
			const struct command *c;

			if (o->command != NULL && (c = command_find(o->command)) != NULL)
				fputs(c->help, stdout);
			else
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
			if ((o->head = option_value(argc, argv, &i, "--head kräver kedjans huvud "
			    "(hash) från expedieringslistan eller audit export", false)) == NULL)
				return EXIT_USAGE;
		} else if (strcmp(a, "--fel-mottagare") == 0) {
			o->fel_mottagare = true;
		} else if (strcmp(a, "--beslutet-rattat") == 0) {
			o->beslutet_rattat = true;
		} else if (strcmp(a, "--till-mottagaren") == 0) {
			if ((o->till_mottagaren = option_value(argc, argv, &i,
			    "--till-mottagaren kräver en text till mottagarna", false)) == NULL)
				return EXIT_USAGE;
		} else if (strcmp(a, "--paragraf") == 0 || strcmp(a, "--orsak") == 0 ||
		    strcmp(a, "--datum") == 0 || strcmp(a, "--dnr") == 0 ||
		    strcmp(a, "--sammantrade") == 0 || strcmp(a, "--person") == 0) {
			if (option_value(argc, argv, &i, "%s kräver ett värde", true) == NULL)
				return EXIT_USAGE;
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
			if ((o->since = option_value(argc, argv, &i,
			    "--since kräver ett datum, ÅÅÅÅ-MM-DD", false)) == NULL)
				return EXIT_USAGE;
		} else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
			if ((o->output = option_value(argc, argv, &i, "%s kräver en katalog eller fil",
			    false)) == NULL)
				return EXIT_USAGE;
		} else if (strcmp(a, "--config") == 0) {
			if ((o->config = option_value(argc, argv, &i, "--config kräver ett filnamn",
			    false)) == NULL)
				return EXIT_USAGE;
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
	return check_args(o);
}

int
main(int argc, char *argv[])
{
	struct options o;
	int rc;

	if ((rc = parse_args(argc, argv, &o)) != 0)
		return rc;
	rc = cmd_run(o.cmd, &o);
	/* Libraries' global state goes once, at the very end (watch runs many sessions). */
	pdf_cleanup();
	mm_cleanup();
	read_cleanup();
	return rc;
}
