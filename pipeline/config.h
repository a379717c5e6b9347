/*
 * config.h -- the INI configuration of SPEC section 9.
 *
 * Reads: one file named by --config, or ./expediera.conf when it exists.
 * Writes: a struct config; error messages with line numbers into a buffer.
 * Trusts: nothing in the file; every key is checked against a table.
 */
#ifndef EXPEDIERA_CONFIG_H
#define EXPEDIERA_CONFIG_H

#include <stddef.h>

struct print_ops;

/*
 * Every known key has a slot here; NULL means not set, and config_load fills in
 * the built-in defaults after reading.  Path keys are stored resolved against
 * the directory of the config file (absolute paths are kept as they are; with
 * no config file, relative to the working directory, i.e. unchanged).
 * All strings are owned by the struct and freed by config_free().
 */
struct config {
	char *file;                /* the file read, or NULL for built-in defaults */

	/* [organisation] */
	char *org_name;            /* name */
	char *org_namnd;           /* namnd */
	char *org_sender_id;       /* sender_id */
	char *org_address;         /* address */
	char *org_phone;           /* phone */
	char *org_email;           /* email */
	char *org_web;             /* web */
	char *org_forvaltningsratt; /* forvaltningsratt: the court a laglighetsprövning goes to */

	/* [dnr] */
	char *dnr_pattern;         /* pattern (PCRE2); default DNR_DEFAULT_PATTERN */

	/* [mailbox]: present when has_mailbox */
	int has_mailbox;
	char *mb_reachability_url; /* reachability_url */
	char *mb_client_cert;      /* client_cert (path) */
	char *mb_client_key;       /* client_key (path) */
	char *mb_ca_file;          /* ca_file (path) */
	char *mb_signing_cert;     /* signing_cert (path) */
	char *mb_signing_key;      /* signing_key (path) */
	char *mb_max_parallel;     /* max_parallel: deliveries in flight at once; default 8 */
	char *mb_attempts;         /* attempts: tries per delivery before giving up; default 4 */
	char *mb_timeout;          /* timeout: seconds for one request; default 30 */

	/* [print] */
	char *print_driver;        /* driver: folder | sftp | cups; default folder */
	const struct print_ops *print; /* that driver (print.h), picked when the file is read */
	char *print_folder;        /* folder (path); default out/print */
	char *print_window;        /* window: left | right; default left */
	char *print_sftp_url;      /* sftp_url: sftp://host[:port]/directory/ */
	char *print_sftp_user;     /* sftp_user */
	char *print_sftp_key;      /* sftp_key (path): the ed25519 private key */
	char *print_sftp_host_key; /* sftp_host_key: "SHA256:<base64>" of the server's key */
	char *print_cups_queue;    /* cups_queue: the CUPS queue for driver = cups and --print */
	char *print_timeout;       /* timeout: seconds a print server (CUPS, SFTP) may be silent; 60 */
	char *print_volume;        /* volume: försändelser per print volume; 500 */
	char *print_skatteverket;  /* skatteverket: the forwarding address, lines split by '|' */

	/* [archive] */
	char *archive_folder;      /* folder (path); default out/arkiv */
	char *archive_internal;    /* internal: the <skickas-till> names that stay in-house,
	                              comma-separated; default ARCHIVE_INTERNAL_DEFAULT */

	/* [manual] */
	char *manual_folder;       /* folder (path); default out/manuell: hand-over per sender */

	/* [delgivning] */
	char *delgivning_paminnelse; /* paminnelse_dagar: days before status asks for a kvitto; 14 */
	/* What the delgivningskvitto's return address carries for a reply-paid
	 * envelope: svarsforsandelse ("Svarsförsändelse") above it, porto (the
	 * kundnummer and who pays) under it; NULL: nothing. */
	char *delgivning_svarsforsandelse;
	char *delgivning_porto;

	/* [forvaltningsratt]: the court underställningar go to (SPEC 9) */
	char *fr_namn;             /* namn: "Förvaltningsrätten i Linköping" */
	char *fr_organisationsnummer; /* organisationsnummer */
	char *fr_adress;           /* adress */

	/* [audit] */
	char *audit_database;      /* database (path, or a postgresql:// URI); default
	                              expediera.db */
	char *audit_key_file;      /* key_file (path): the HMAC secret for person keys;
	                              default the database's name with .key for .db;
	                              for PostgreSQL expediera.key beside the configuration */
	char *audit_lease;         /* lease: seconds a worker's claim lasts (PostgreSQL); 120 */

	/* [check] */
	char *check_max_alder;     /* max_alder_dagar: how many days before the meeting a
	                              försättsblad may be filled in without a warning; 90 */

	/* [templates] */
	char *templates_folder;    /* folder (path); NULL: the installed templates */
};

/*
 * The default dnr pattern: accepts "SN/2026:412", "SOCN/2018:23 - 759" and
 * "2009/183-700" (SPEC 2.1) and similar diarienummer.
 */
#define DNR_DEFAULT_PATTERN \
	"^(?:[A-ZÅÄÖ]{1,12}(?:[ -][A-ZÅÄÖ]{1,12})?\\s?[/ -]\\s?)?" \
	"(?:19|20)\\d{2}\\s?[:/.-]\\s?\\d{1,6}(?:\\s?[-.:/]\\s?\\d{1,6})*$"

/*
 * The names a protocol's <skickas-till> may hold (SPEC 2.1): internal
 * distribution, archived, never sent.  Compared without regard to case.
 */
#define ARCHIVE_INTERNAL_DEFAULT "Akt, Handläggare, Enhetschef, Avdelningschef"

/*
 * Fills *cfg with the built-in defaults (config_defaults), then, when path is
 * not NULL, reads that file over them.  Returns 0 on success.  On failure
 * returns -1 and writes a Swedish message to err (errlen bytes), of the form
 * "FILE:LINE: message" for a bad line (unknown section or key, a line that is
 * neither a section, a key = value pair, a comment nor blank, a bad value of an
 * enumerated key, a repeated key) or "FILE: message" when the file cannot be
 * read; *cfg is then freed and zeroed.
 *
 * Syntax: "[section]", "key = value", comments starting with ';' or '#' on
 * their own line, or after a value when preceded by white space.  A value in
 * double quotes is taken literally (no inline comment inside).  Keys and
 * section names are case sensitive.  UTF-8 only; at most 64 KiB per file and
 * 4 KiB per line.
 */
int config_load(struct config *cfg, const char *path, char *err, size_t errlen);

/*
 * What every letter needs and that has no sensible default: [organisation]
 * name, namnd and address (SPEC section 9).  Returns 0 when all are set; else
 * -1 with a Swedish message naming the first missing key in err.  check does
 * not need them; render, protokoll, send and watch do.
 */
int config_require_letter(const struct config *cfg, char *err, size_t errlen);

/* [print] timeout in seconds (checked when read: 1 to 3600). */
int config_print_timeout(const struct config *cfg);
size_t config_print_volume(const struct config *cfg);
int config_audit_lease(const struct config *cfg);

/* [delgivning] paminnelse_dagar as a number of days. */
int config_paminnelse_dagar(const struct config *cfg);

/* [check] max_alder_dagar as a number of days (0 to 3650). */
int config_max_alder_dagar(const struct config *cfg);

/* The built-in defaults; *cfg must be zeroed or freed before. */
void config_defaults(struct config *cfg);

/*
 * Which file to read: explicit (from --config) when not NULL, else
 * "expediera.conf" when it exists in the working directory, else NULL.
 */
const char *config_pick(const char *explicit_path);

void config_free(struct config *cfg);

#endif
