/*
 * cmd.h -- the commands: one table (main.c) says of each its name, what it
 * needs before it starts, which options it takes and its help; one runner
 * (cmd.c) does what the table says every command needs, then calls the
 * command's function, which does only its own work.
 *
 * Exit status (SPEC section 8): 0 ok, 1 validation errors, 2 usage (and a bad
 * configuration), 3 some deliveries failed or held, 4 system error.
 */
#ifndef EXPEDIERA_CMD_H
#define EXPEDIERA_CMD_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "audit.h"
#include "config.h"
#include "deliver.h"
#include "dnr.h"
#include "parts.h"
#include "pdf.h"
#include "record.h"
#include "render.h"
#include "session.h"
#include "template.h"
#include "validate.h"

#ifndef EXPEDIERA_VERSION
#define EXPEDIERA_VERSION "0.1.0"
#endif

enum { EXIT_OK = 0, EXIT_INVALID = 1, EXIT_USAGE = 2, EXIT_DELIVERY = 3, EXIT_SYSTEM = 4 };

/* The options of the command line; each command takes those its OPT_ bits name. */
struct options {
	const struct command *cmd;
	const char *command;  /* as typed */
	const char *session;  /* the one argument: SESSION, SPOOL, FÖRSÄNDELSE, verify */
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
	bool beslutet_rattat; /* rattelse --beslutet-rattat */
	const char *till_mottagaren; /* rattelse --till-mottagaren TEXT */
	const char *datum;    /* retur, kvitto --datum DATE */
	const char *dnr;      /* historik --dnr */
	const char *sammantrade; /* historik --sammantrade */
	const char *person;   /* historik --person */
};

/* The options, as bits of a command's table entry (all take --config). */
enum {
	OPT_JSON = 1 << 0,
	OPT_OUTPUT = 1 << 1,
	OPT_PUBLIC = 1 << 2,
	OPT_PRINT = 1 << 3,
	OPT_DRY_RUN = 1 << 4,
	OPT_SKIP_INVALID = 1 << 5,
	OPT_ONCE = 1 << 6,
	OPT_SINCE = 1 << 7,
	OPT_HEAD = 1 << 8,
	OPT_PARAGRAF = 1 << 9,
	OPT_FEL_MOTTAGARE = 1 << 10,
	OPT_DATUM = 1 << 11,
	OPT_ORSAK = 1 << 12,
	OPT_DNR = 1 << 13,
	OPT_SAMMANTRADE = 1 << 14,
	OPT_PERSON = 1 << 15,
	OPT_BESLUTET_RATTAT = 1 << 16,
	OPT_TILL_MOTTAGAREN = 1 << 17,
};

/* What the runner does before a command's function (cmd_run). */
enum {
	NEED_CONFIG = 1 << 0,   /* the configuration, in r->cfg */
	NEED_LOG = 1 << 1,      /* the audit log that must exist, in r->log */
	NEED_LOCK = 1 << 2,     /* the run lock on it, and its key */
	NEED_KEY = 1 << 3,      /* its key */
	NEED_PACKAGE = 1 << 4,  /* the session read and checked a part at a time (run_load) */
	NEED_WHOLE = 1 << 5,    /* the whole session kept, for the protocol */
	NEED_LETTER = 1 << 6,   /* a configuration that can make a letter */
	NEED_SENDS = 1 << 7,    /* the package's run sends (but for --dry-run): lock the log */
};

/* How the command's one argument is: none, optional or required. */
enum { ARG_NONE, ARG_OPTIONAL, ARG_REQUIRED };

struct run;

/* A command: its options, and what the runner prepared; the exit status. */
typedef int command_fn(const struct options *, struct run *);

struct command {
	const char *name;
	command_fn *fn;
	unsigned needs;         /* NEED_ */
	unsigned opts;          /* OPT_ it takes */
	unsigned required;      /* OPT_ it must have, said with missing */
	int arg;                /* ARG_ */
	const char *missing;    /* "%s kräver ...": the argument or a required option */
	const char *const *words; /* what the argument may be, when it is one of a few */
	const char *output;     /* what -o names when it is required: "KATALOG", "FIL" */
	const char *only;       /* said of any other option, instead of the usual */
	const char *synopsis;   /* usage: the line after "expediera " */
	const char *summary;    /* usage: what it does */
	const char *help;       /* --help after the command */
};

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
	struct appeal_table *appeal;  /* templates/overklagande.conf */
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

/* cmd.c: the runner and what several commands share. */
int cmd_run(const struct command *, const struct options *);
int run_load(struct run *, const struct options *, unsigned needs);
void run_free(struct run *);
int run_pass(struct run *, int (*fn)(void *arg, struct session *part), void *arg);
int run_config(struct run *, const struct options *);
int run_templates(struct run *);
const char *templates_dir(const struct config *);
const char *fonts_dir(void);
void render_setup(struct render *, struct run *);
int write_output(const char *path, const void *buf, size_t len, mode_t mode);
const char *shown(const char *);
int flushed(int rc);

/* cmd_send.c: a real send of a loaded session, for send, rattelse and watch. */
int send_for_real(const struct options *, struct run *, struct send_result *out);

/* The commands (cmd_check.c, cmd_send.c, cmd_log.c, cmd_blankett.c, watch.c). */
command_fn cmd_check, cmd_render, cmd_protokoll, cmd_send, cmd_rattelse, cmd_status,
    cmd_historik, cmd_retur, cmd_kvitto, cmd_audit, cmd_blankett, cmd_watch;

#endif
