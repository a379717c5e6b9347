/*
 * config.c -- reads the INI configuration of SPEC section 9; see config.h.
 *
 * Reads: one file of at most 64 KiB, named by the caller (config_pick).
 * Writes: a struct config of owned strings; one Swedish error message with
 * file name and line number into the caller's buffer.
 * Trusts: nothing in the file.  Every line is checked for length, NUL and
 * control bytes and UTF-8 before it is parsed, and every section and key must
 * be in the table below.  The first error stops the parse: a half-read
 * configuration is never returned.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "xmalloc.h"

#define CONFIG_MAX_FILE 65536 /* 64 KiB: far above any real configuration */
#define CONFIG_MAX_LINE 4096

#define KEY_PATH 0x01 /* resolved against the directory of the config file */

struct key {
	const char *section;
	const char *name;
	size_t off;                 /* of the char * slot in struct config */
	int flags;                  /* KEY_* */
	const char *const *allowed; /* NULL-terminated enumeration, or NULL */
	const char *def;            /* built-in default, or NULL */
};

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
	{"dnr", "pattern", SLOT(dnr_pattern), 0, NULL, DNR_DEFAULT_PATTERN},
	{"mailbox", "reachability_url", SLOT(mb_reachability_url), 0, NULL, NULL},
	{"mailbox", "client_cert", SLOT(mb_client_cert), KEY_PATH, NULL, NULL},
	{"mailbox", "client_key", SLOT(mb_client_key), KEY_PATH, NULL, NULL},
	{"mailbox", "ca_file", SLOT(mb_ca_file), KEY_PATH, NULL, NULL},
	{"mailbox", "signing_cert", SLOT(mb_signing_cert), KEY_PATH, NULL, NULL},
	{"mailbox", "signing_key", SLOT(mb_signing_key), KEY_PATH, NULL, NULL},
	{"print", "driver", SLOT(print_driver), 0, drivers, "folder"},
	{"print", "folder", SLOT(print_folder), KEY_PATH, NULL, "out/print"},
	{"print", "window", SLOT(print_window), 0, windows, "left"},
	{"archive", "folder", SLOT(archive_folder), KEY_PATH, NULL, "out/arkiv"},
	{"audit", "database", SLOT(audit_database), KEY_PATH, NULL, "expediera.db"},
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

struct parser {
	struct config *cfg;
	const char *path;
	char *err;
	size_t errlen;
	const char *section; /* points into keys[], or NULL before any header */
	size_t lineno;
	size_t seen[NKEYS]; /* line that set each key, 0 if none yet */
};

static char **
slot(struct config *cfg, const struct key *k)
{
	return (char **)(void *)((char *)cfg + k->off);
}

static void errmsg(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
errmsg(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int fail(struct parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Writes "FILE:LINE: message" and returns -1. */
static int
fail(struct parser *ps, const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	errmsg(ps->err, ps->errlen, "%s:%zu: %s", ps->path, ps->lineno, msg);
	return -1;
}

static int
is_ws(char c)
{
	return c == ' ' || c == '\t';
}

static char *
skip_ws(char *s)
{
	while (is_ws(*s))
		s++;
	return s;
}

/*
 * Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above
 * U+10FFFF, so that every later consumer (PDF, XML, the database) gets text
 * it cannot misread.
 */
static int
utf8_valid(const unsigned char *s, size_t len)
{
	size_t i = 0, n, j;
	unsigned long cp, min;

	while (i < len) {
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0) {
			n = 1;
			cp = s[i] & 0x1f;
			min = 0x80;
		} else if ((s[i] & 0xf0) == 0xe0) {
			n = 2;
			cp = s[i] & 0x0f;
			min = 0x800;
		} else if ((s[i] & 0xf8) == 0xf0) {
			n = 3;
			cp = s[i] & 0x07;
			min = 0x10000;
		} else
			return 0;
		if (len - i - 1 < n)
			return 0;
		for (j = 1; j <= n; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + j] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += n + 1;
	}
	return 1;
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

static int
parse_section(struct parser *ps, char *s)
{
	char *close, *t;
	size_t i;

	if ((close = strchr(s, ']')) == NULL)
		return fail(ps, "sektionsrubriken saknar avslutande ]");
	*close = '\0';
	t = skip_ws(close + 1);
	if (*t != '\0' && !((*t == ';' || *t == '#') && t > close + 1))
		return fail(ps, "raden är varken sektion, nyckel = värde eller kommentar");
	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].section, s + 1) == 0)
			break;
	if (i == NKEYS)
		return fail(ps, "okänd sektion [%s]", s + 1);
	ps->section = keys[i].section;
	/* The header alone turns the mailbox on, so "[mailbox]" with no keys
	 * is still a (misconfigured) request for it, not silently ignored. */
	if (strcmp(ps->section, "mailbox") == 0)
		ps->cfg->has_mailbox = 1;
	return 0;
}

static int
parse_pair(struct parser *ps, char *line, char *eq)
{
	const struct key *k = NULL;
	char *key = line, *kend = eq, *val, *vend, *t, *q;
	char **dst;
	size_t i;
	char list[128];

	while (kend > key && is_ws(kend[-1]))
		kend--;
	if (kend == key)
		return fail(ps, "raden är varken sektion, nyckel = värde eller kommentar");
	*kend = '\0';
	if (ps->section == NULL)
		return fail(ps, "nyckel utanför sektion");
	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].section, ps->section) == 0 && strcmp(keys[i].name, key) == 0) {
			k = &keys[i];
			break;
		}
	if (k == NULL)
		return fail(ps, "okänd nyckel \"%s\" i [%s]", key, ps->section);

	val = skip_ws(eq + 1);
	if (*val == '"') {
		val++;
		if ((q = strchr(val, '"')) == NULL)
			return fail(ps, "värdet saknar avslutande citattecken");
		vend = q;
		t = skip_ws(q + 1);
		if (*t != '\0' && !((*t == ';' || *t == '#') && t > q + 1))
			return fail(ps, "text efter avslutande citattecken");
	} else {
		/* Only a comment character after white space starts a comment,
		 * so URLs with fragments ("#a") and the like survive. */
		for (vend = val; *vend != '\0'; vend++)
			if ((*vend == ';' || *vend == '#') && is_ws(vend[-1]))
				break;
		while (vend > val && is_ws(vend[-1]))
			vend--;
	}
	*vend = '\0';
	if (*val == '\0')
		return fail(ps, "tomt värde för \"%s\"", key);

	if (ps->seen[i] != 0)
		return fail(ps, "\"%s\" står redan på rad %zu", key, ps->seen[i]);
	if (k->allowed != NULL) {
		size_t j;

		for (j = 0; k->allowed[j] != NULL; j++)
			if (strcmp(k->allowed[j], val) == 0)
				break;
		if (k->allowed[j] == NULL) {
			list_allowed(k->allowed, list, sizeof(list));
			return fail(ps, "ogiltigt värde \"%s\" för %s (%s)", val, key, list);
		}
	}
	ps->seen[i] = ps->lineno;
	dst = slot(ps->cfg, k);
	free(*dst); /* the built-in default */
	if (k->flags & KEY_PATH)
		*dst = resolve(ps->path, val, (size_t)(vend - val));
	else
		*dst = xstrndup(val, (size_t)(vend - val));
	return 0;
}

/* line is NUL-terminated, checked UTF-8 without control bytes or newline. */
static int
parse_line(struct parser *ps, char *line)
{
	char *s = skip_ws(line), *eq;

	if (*s == '\0' || *s == ';' || *s == '#')
		return 0;
	if (*s == '[')
		return parse_section(ps, s);
	if ((eq = strchr(s, '=')) == NULL)
		return fail(ps, "raden är varken sektion, nyckel = värde eller kommentar");
	return parse_pair(ps, s, eq);
}

static int
parse_buffer(struct parser *ps, char *buf, size_t n)
{
	char *p = buf, *end = buf + n, *nl, *next, *c;
	size_t len;

	/* Windows editors write a BOM; it carries no meaning in UTF-8. */
	if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (p < end) {
		ps->lineno++;
		nl = memchr(p, '\n', (size_t)(end - p));
		len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		next = nl != NULL ? nl + 1 : end;
		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (len > CONFIG_MAX_LINE)
			return fail(ps, "raden är längre än %d byte", CONFIG_MAX_LINE);
		/* NUL would silently cut the line short once it is a C string;
		 * other control bytes (escape sequences, stray CR) would end up
		 * in letters and logs. */
		if (memchr(p, '\0', len) != NULL)
			return fail(ps, "raden innehåller en NUL-byte");
		for (c = p; c < p + len; c++)
			if (((unsigned char)*c < 0x20 && *c != '\t') || *c == 0x7f)
				return fail(ps, "raden innehåller styrtecknet 0x%02X",
				    (unsigned)(unsigned char)*c);
		if (!utf8_valid((const unsigned char *)p, len))
			return fail(ps, "ogiltig UTF-8");
		/* p[len] is '\r', '\n' or the spare byte after the buffer. */
		p[len] = '\0';
		if (parse_line(ps, p) == -1)
			return -1;
		p = next;
	}
	return 0;
}

/*
 * Reads at most CONFIG_MAX_FILE + 1 bytes, the one extra to tell "exactly the
 * limit" from "too large" without trusting st_size (pipes, /proc).  The buffer
 * has one more byte so the last line can be NUL-terminated in place.
 */
static int
read_file(const char *path, char **bufp, size_t *lenp, char *err, size_t errlen)
{
	struct stat st;
	char *buf;
	size_t n = 0;
	ssize_t r;
	int fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		errmsg(err, errlen, "%s: kan inte läsa filen: %s", path, strerror(errno));
		return -1;
	}
	saved = 0;
	if (fstat(fd, &st) == -1)
		saved = errno;
	else if (S_ISDIR(st.st_mode))
		saved = EISDIR; /* open(2) accepts a directory for reading */
	if (saved != 0) {
		close(fd);
		errmsg(err, errlen, "%s: kan inte läsa filen: %s", path, strerror(saved));
		return -1;
	}
	if (S_ISREG(st.st_mode) && st.st_size > CONFIG_MAX_FILE) {
		close(fd);
		errmsg(err, errlen, "%s: filen är större än 64 KiB", path);
		return -1;
	}
	buf = xmalloc(CONFIG_MAX_FILE + 2);
	while (n < CONFIG_MAX_FILE + 1) {
		r = read(fd, buf + n, CONFIG_MAX_FILE + 1 - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			saved = errno;
			close(fd);
			free(buf);
			errmsg(err, errlen, "%s: kan inte läsa filen: %s", path, strerror(saved));
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (n > CONFIG_MAX_FILE) {
		free(buf);
		errmsg(err, errlen, "%s: filen är större än 64 KiB", path);
		return -1;
	}
	buf[n] = '\0';
	*bufp = buf;
	*lenp = n;
	return 0;
}

void
config_defaults(struct config *cfg)
{
	size_t i;

	memset(cfg, 0, sizeof(*cfg));
	for (i = 0; i < NKEYS; i++)
		if (keys[i].def != NULL)
			*slot(cfg, &keys[i]) = xstrdup(keys[i].def);
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
	if (path == NULL)
		return 0;
	if (read_file(path, &buf, &n, err, errlen) == -1) {
		config_free(cfg);
		return -1;
	}
	cfg->file = xstrdup(path);
	memset(&ps, 0, sizeof(ps));
	ps.cfg = cfg;
	ps.path = path;
	ps.err = err;
	ps.errlen = errlen;
	rc = parse_buffer(&ps, buf, n);
	free(buf);
	if (rc == -1) {
		config_free(cfg);
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
