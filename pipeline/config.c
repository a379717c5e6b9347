/*
 * config.c -- reads the INI configuration of SPEC section 9; see config.h.
 *
 * Reads: one file of at most 64 KiB, named by the caller (config_pick).
 * Writes: a struct config of owned strings; one Swedish error message with
 * file name and line number into the caller's buffer.
 * Trusts: nothing in the file.  The syntax is ini.c's, which checks every
 * line for length, NUL and control bytes and UTF-8; every section and key
 * must be in the table below.  The first error stops the parse: a half-read
 * configuration is never returned.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"
#include "ini.h"
#include "print.h"
#include "xmalloc.h"

#define CONFIG_MAX_FILE 65536 /* 64 KiB: far above any real configuration */

#define KEY_PATH    0x01 /* resolved against the directory of the config file */
#define KEY_SECONDS 0x02 /* a whole number of seconds, 1 to 3600 */
#define KEY_DAYS    0x04 /* a whole number of days, 1 to 365 */
#define KEY_VOLUME  0x08 /* försändelser per print volume, 1 to 100000 */
#define KEY_AGE     0x10 /* an age in days, 0 to 3650 */

struct key {
	const char *section;
	const char *name;
	size_t off;                 /* of the char * slot in struct config */
	int flags;                  /* KEY_* */
	const char *const *allowed; /* NULL-terminated enumeration, or NULL */
	const char *def;            /* built-in default, or NULL */
};

/* The names of print.h's drivers; driver_named picks the one named. */
static const char *const drivers[] = {"folder", "sftp", "cups", NULL};
static const char *const windows[] = {"left", "right", NULL};

#define SLOT(f) offsetof(struct config, f)

/*
 * The one place that knows the keys: a new key is one line here plus its
 * field in struct config.  Sections are known because a key names them.
 * Defaults are relative to the working directory and deliberately not
 * resolved: without a config file there is no other directory to use.
 */
static const struct key keys[] = {
	{"organisation", "name", SLOT(org_name), 0, NULL, NULL},
	{"organisation", "namnd", SLOT(org_namnd), 0, NULL, NULL},
	{"organisation", "sender_id", SLOT(org_sender_id), 0, NULL, NULL},
	{"organisation", "address", SLOT(org_address), 0, NULL, NULL},
	{"organisation", "phone", SLOT(org_phone), 0, NULL, NULL},
	{"organisation", "email", SLOT(org_email), 0, NULL, NULL},
	{"organisation", "web", SLOT(org_web), 0, NULL, NULL},
	{"organisation", "forvaltningsratt", SLOT(org_forvaltningsratt), 0, NULL, NULL},
	{"dnr", "pattern", SLOT(dnr_pattern), 0, NULL, DNR_DEFAULT_PATTERN},
	{"mailbox", "reachability_url", SLOT(mb_reachability_url), 0, NULL, NULL},
	{"mailbox", "client_cert", SLOT(mb_client_cert), KEY_PATH, NULL, NULL},
	{"mailbox", "client_key", SLOT(mb_client_key), KEY_PATH, NULL, NULL},
	{"mailbox", "ca_file", SLOT(mb_ca_file), KEY_PATH, NULL, NULL},
	{"mailbox", "signing_cert", SLOT(mb_signing_cert), KEY_PATH, NULL, NULL},
	{"mailbox", "signing_key", SLOT(mb_signing_key), KEY_PATH, NULL, NULL},
	{"mailbox", "max_parallel", SLOT(mb_max_parallel), 0, NULL, "8"},
	{"mailbox", "attempts", SLOT(mb_attempts), 0, NULL, "4"},
	{"mailbox", "timeout", SLOT(mb_timeout), 0, NULL, "30"},
	{"print", "driver", SLOT(print_driver), 0, drivers, "folder"},
	{"print", "folder", SLOT(print_folder), KEY_PATH, NULL, "out/print"},
	{"print", "window", SLOT(print_window), 0, windows, "left"},
	{"print", "sftp_url", SLOT(print_sftp_url), 0, NULL, NULL},
	{"print", "sftp_user", SLOT(print_sftp_user), 0, NULL, NULL},
	{"print", "sftp_key", SLOT(print_sftp_key), KEY_PATH, NULL, NULL},
	{"print", "sftp_host_key", SLOT(print_sftp_host_key), 0, NULL, NULL},
	{"print", "cups_queue", SLOT(print_cups_queue), 0, NULL, NULL},
	{"print", "timeout", SLOT(print_timeout), KEY_SECONDS, NULL, "60"},
	{"print", "volume", SLOT(print_volume), KEY_VOLUME, NULL, "500"},
	{"print", "skatteverket", SLOT(print_skatteverket), 0, NULL,
	    "Skatteverket|Box 2820|403 20 Göteborg"},
	{"archive", "folder", SLOT(archive_folder), KEY_PATH, NULL, "out/arkiv"},
	{"archive", "internal", SLOT(archive_internal), 0, NULL, ARCHIVE_INTERNAL_DEFAULT},
	{"manual", "folder", SLOT(manual_folder), KEY_PATH, NULL, "out/manuell"},
	{"audit", "database", SLOT(audit_database), KEY_PATH, NULL, "expediera.db"},
	{"audit", "key_file", SLOT(audit_key_file), KEY_PATH, NULL, NULL},
	{"audit", "lease", SLOT(audit_lease), KEY_SECONDS, NULL, "120"},
	{"delgivning", "paminnelse_dagar", SLOT(delgivning_paminnelse), KEY_DAYS, NULL, "14"},
	{"delgivning", "svarsforsandelse", SLOT(delgivning_svarsforsandelse), 0, NULL, NULL},
	{"delgivning", "porto", SLOT(delgivning_porto), 0, NULL, NULL},
	{"forvaltningsratt", "namn", SLOT(fr_namn), 0, NULL, NULL},
	{"forvaltningsratt", "organisationsnummer", SLOT(fr_organisationsnummer), 0, NULL, NULL},
	{"forvaltningsratt", "adress", SLOT(fr_adress), 0, NULL, NULL},
	{"templates", "folder", SLOT(templates_folder), KEY_PATH, NULL, NULL},
	{"check", "max_alder_dagar", SLOT(check_max_alder), KEY_AGE, NULL, "90"},
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

struct parser {
	struct config *cfg;
	const char *path;
	size_t seen[NKEYS]; /* line that set each key, 0 if none yet */
};

static char **
slot(struct config *cfg, const struct key *k)
{
	return (char **)(void *)((char *)cfg + k->off);
}

/* "folder, sftp eller cups", for the message about a bad enumerated value. */
static void
list_allowed(const char *const *allowed, char *buf, size_t bufsz)
{
	const char *sep;
	size_t i, used = 0;
	int n;

	buf[0] = '\0';
	for (i = 0; allowed[i] != NULL && used < bufsz; i++) {
		if (i == 0)
			sep = "";
		else if (allowed[i + 1] == NULL)
			sep = " eller ";
		else
			sep = ", ";
		n = snprintf(buf + used, bufsz - used, "%s%s", sep, allowed[i]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

/*
 * A relative path in the file means relative to the file, not to wherever
 * expediera happens to be started; a file named without '/' lives in the
 * working directory, so its relative paths stay as they are.
 */
/* [audit] database may name a PostgreSQL server: a URI, never resolved as a path. */
static bool
is_server_uri(const char *v)
{
	return v != NULL && (strncasecmp(v, "postgresql://", 13) == 0 ||
	    strncasecmp(v, "postgres://", 11) == 0);
}

static char *
resolve(const char *cfgpath, const char *val, size_t vlen)
{
	const char *slash = strrchr(cfgpath, '/');
	size_t dlen;
	char *p;

	if (val[0] == '/' || slash == NULL)
		return xstrndup(val, vlen);
	dlen = (size_t)(slash - cfgpath);
	p = xmalloc(dlen + 1 + vlen + 1);
	memcpy(p, cfgpath, dlen);
	p[dlen] = '/';
	memcpy(p + dlen + 1, val, vlen);
	p[dlen + 1 + vlen] = '\0';
	return p;
}

/* The ini_parse callback: every section and key must be in keys[]. */
static int
on_entry(void *arg, struct ini_ctx *ctx, const char *section, const char *key, const char *val)
{
	struct parser *ps = arg;
	const struct key *k = NULL;
	char **dst;
	size_t i;
	char list[128];

	if (key == NULL) {
		for (i = 0; i < NKEYS; i++)
			if (strcmp(keys[i].section, section) == 0)
				break;
		if (i == NKEYS)
			return ini_fail(ctx, "okänd sektion [%s]", section);
		/* The header alone turns the mailbox on, so "[mailbox]" with no
		 * keys is still a (misconfigured) request for it, not silently
		 * ignored. */
		if (strcmp(section, "mailbox") == 0)
			ps->cfg->has_mailbox = 1;
		return 0;
	}
	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].name, key) == 0) {
			k = &keys[i];
			break;
		}
	if (k == NULL)
		return ini_fail(ctx, "okänd nyckel \"%s\" i [%s]", key, section);
	if (ps->seen[i] != 0)
		return ini_fail(ctx, "\"%s\" står redan på rad %zu", key, ps->seen[i]);
	if (k->allowed != NULL) {
		size_t j;

		for (j = 0; k->allowed[j] != NULL; j++)
			if (strcmp(k->allowed[j], val) == 0)
				break;
		if (k->allowed[j] == NULL) {
			list_allowed(k->allowed, list, sizeof(list));
			return ini_fail(ctx, "ogiltigt värde \"%s\" för %s (%s)", val, key, list);
		}
	}
	if (k->flags & KEY_SECONDS) {
		char *end;
		long v = strtol(val, &end, 10);

		if (end == val || *end != '\0' || v < 1 || v > 3600)
			return ini_fail(ctx, "ogiltigt värde \"%s\" för %s (sekunder, 1 till 3600)",
			    val, key);
	}
	if (k->flags & KEY_VOLUME) {
		char *end;
		long v = strtol(val, &end, 10);

		if (end == val || *end != '\0' || v < 1 || v > 100000)
			return ini_fail(ctx, "ogiltigt värde \"%s\" för %s (försändelser per volym, "
			    "1 till 100000)", val, key);
	}
	if (k->flags & KEY_AGE) {
		char *end;
		long v = strtol(val, &end, 10);

		/* Digits only: no sign, no space, no "90.5" and no "90d". */
		if (val[strspn(val, "0123456789")] != '\0' || end == val || v > 3650)
			return ini_fail(ctx, "ogiltigt värde \"%s\" för %s (dagar, 0 till 3650)",
			    val, key);
	}
	if (k->flags & KEY_DAYS) {
		char *end;
		long v = strtol(val, &end, 10);

		if (end == val || *end != '\0' || v < 1 || v > 365)
			return ini_fail(ctx, "ogiltigt värde \"%s\" för %s (dagar, 1 till 365)",
			    val, key);
	}
	ps->seen[i] = ctx->lineno;
	dst = slot(ps->cfg, k);
	free(*dst); /* the built-in default */
	/* A PostgreSQL server is a URI, not a path. */
	if ((k->flags & KEY_PATH) && !is_server_uri(val))
		*dst = resolve(ps->path, val, strlen(val));
	else
		*dst = xstrdup(val);
	return 0;
}

/* The print driver named by [print] driver: the one place a driver is picked by name. */
static const struct print_ops *
driver_named(const char *name)
{
	const struct print_ops *const *d;

	for (d = print_drivers; *d != NULL && name != NULL; d++)
		if (strcmp((*d)->name, name) == 0)
			return *d;
	return print_drivers[0];
}

/*
 * Every path made absolute against the working directory of this moment, so
 * that what the log records and what a later run compares it with do not
 * depend on where either was started.  Then the key file's default: beside the
 * database, named after it, so that one database always finds its one key.
 */
static void
finish(struct config *cfg)
{
	char cwd[4096];
	size_t i, n;
	bool have_cwd = getcwd(cwd, sizeof(cwd)) != NULL;

	cfg->print = driver_named(cfg->print_driver);
	for (i = 0; have_cwd && i < NKEYS; i++) {
		char **p = slot(cfg, &keys[i]);

		if ((keys[i].flags & KEY_PATH) && *p != NULL && (*p)[0] != '/' &&
		    !is_server_uri(*p)) {
			char *abs = xasprintf("%s/%s", strcmp(cwd, "/") == 0 ? "" : cwd, *p);

			free(*p);
			*p = abs;
		}
	}
	if (cfg->audit_key_file == NULL && is_server_uri(cfg->audit_database)) {
		/* Beside the configuration: every worker needs the same key. */
		const char *slash = cfg->file != NULL ? strrchr(cfg->file, '/') : NULL;

		if (slash != NULL)
			cfg->audit_key_file = xasprintf("%.*s/expediera.key",
			    (int)(slash - cfg->file), cfg->file);
		else
			cfg->audit_key_file = have_cwd ? xasprintf("%s/expediera.key",
			    strcmp(cwd, "/") == 0 ? "" : cwd) : xstrdup("expediera.key");
	} else if (cfg->audit_key_file == NULL && cfg->audit_database != NULL) {
		n = strlen(cfg->audit_database);
		if (n > 3 && strcmp(cfg->audit_database + n - 3, ".db") == 0)
			cfg->audit_key_file = xasprintf("%.*s.key", (int)(n - 3), cfg->audit_database);
		else
			cfg->audit_key_file = xasprintf("%s.key", cfg->audit_database);
	}
}

void
config_defaults(struct config *cfg)
{
	size_t i;

	memset(cfg, 0, sizeof(*cfg));
	for (i = 0; i < NKEYS; i++)
		if (keys[i].def != NULL)
			*slot(cfg, &keys[i]) = xstrdup(keys[i].def);
	cfg->print = driver_named(cfg->print_driver);
}

/*
 * SPEC 9: a configuration file that others can write is refused.  It names
 * the person key file, the log, the print folder and the servers: whoever
 * can change it can point a run at a key or a folder of their own.  Others
 * can write it when it is group- or world-writable, or when it belongs to
 * another account than the one running (root's files excepted: root can
 * write anything anyway).  Checked on the path before it is read; who can
 * write the file cannot change its mode or owner, only its owner (or root)
 * can.  A file that cannot be stat'ed is left to the read, which says why.
 */
static int
config_owned(const char *path, char *err, size_t errlen)
{
	struct stat st;
	const char *why = NULL;

	if (stat(path, &st) == -1 || !S_ISREG(st.st_mode))
		return 0;
	if ((st.st_mode & S_IWOTH) != 0)
		why = "alla kan skriva i den";
	else if ((st.st_mode & S_IWGRP) != 0)
		why = "gruppen kan skriva i den";
	else if (st.st_uid != 0 && st.st_uid != geteuid())
		why = "den ägs av ett annat konto";
	if (why == NULL)
		return 0;
	snprintf(err, errlen, "%s: konfigurationen används inte, för %s: den anger "
	    "nyckelfilen och loggen, och den som kan ändra den kan styra utskicket. Låt "
	    "kontot som kör expediera (eller root) äga filen och ta bort andras "
	    "skrivrätt (chmod go-w)", path, why);
	return -1;
}

int
config_load(struct config *cfg, const char *path, char *err, size_t errlen)
{
	struct parser ps;
	char *buf;
	size_t n;
	int rc;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	config_defaults(cfg);
	if (path == NULL) {
		finish(cfg);
		return 0;
	}
	if (config_owned(path, err, errlen) == -1 ||
	    ini_read_file(path, CONFIG_MAX_FILE, &buf, &n, err, errlen) == -1) {
		config_free(cfg);
		return -1;
	}
	cfg->file = xstrdup(path);
	memset(&ps, 0, sizeof(ps));
	ps.cfg = cfg;
	ps.path = path;
	rc = ini_parse(buf, n, path, on_entry, &ps, err, errlen);
	free(buf);
	if (rc == -1) {
		config_free(cfg);
		return -1;
	}
	finish(cfg);
	return 0;
}

/* A number key's value (checked when read), or def when unset or out of [lo, hi]. */
static long
number(const char *v, long lo, long hi, long def)
{
	long n = v != NULL ? strtol(v, NULL, 10) : def;

	return n >= lo && n <= hi ? n : def;
}

int
config_print_timeout(const struct config *cfg)
{
	return (int)number(cfg->print_timeout, 1, 3600, 60);
}

int
config_audit_lease(const struct config *cfg)
{
	return (int)number(cfg->audit_lease, 1, 3600, 120);
}

size_t
config_print_volume(const struct config *cfg)
{
	return (size_t)number(cfg->print_volume, 1, 100000, 500);
}

int
config_paminnelse_dagar(const struct config *cfg)
{
	return (int)number(cfg->delgivning_paminnelse, 1, 365, 14);
}

int
config_max_alder_dagar(const struct config *cfg)
{
	return (int)number(cfg->check_max_alder, 0, 3650, 90);
}

int
config_require_letter(const struct config *cfg, char *err, size_t errlen)
{
	static const struct {
		const char *key, *what;
		size_t off;
	} need[] = {
	    {"name", "kommunens namn", SLOT(org_name)},
	    {"namnd", "nämndens namn", SLOT(org_namnd)},
	    {"address", "nämndens postadress", SLOT(org_address)},
	};
	size_t i;

	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		const char *v = *(char *const *)(const void *)((const char *)cfg + need[i].off);

		if (v != NULL && v[strspn(v, " \t")] != '\0')
			continue;
		if (cfg->file != NULL)
			snprintf(err, errlen, "%s: [organisation] %s saknas (%s); ett beslut "
			    "kan inte skickas utan avsändare", cfg->file, need[i].key, need[i].what);
		else
			snprintf(err, errlen, "inga inställningar: [organisation] %s saknas (%s); "
			    "ange en inställningsfil med --config eller lägg expediera.conf i "
			    "arbetskatalogen", need[i].key, need[i].what);
		return -1;
	}
	return 0;
}

const char *
config_pick(const char *explicit_path)
{
	struct stat st;

	if (explicit_path != NULL)
		return explicit_path;
	/* Anything but "does not exist" (unreadable, a directory, a broken
	 * cwd) picks the file, so config_load reports it instead of the
	 * defaults being used behind the user's back. */
	if (stat("expediera.conf", &st) == 0 || errno != ENOENT)
		return "expediera.conf";
	return NULL;
}

void
config_free(struct config *cfg)
{
	size_t i;

	free(cfg->file);
	for (i = 0; i < NKEYS; i++)
		free(*slot(cfg, &keys[i]));
	memset(cfg, 0, sizeof(*cfg));
}
