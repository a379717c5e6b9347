/*
 * test_config.c -- table-driven unit test of pipeline/config.c.
 *
 * Reads: nothing but what it writes itself.
 * Writes: one temporary file per row (mkstemp under $TMPDIR or /tmp, removed
 * again), a temporary directory for config_pick, a line per failing row and a
 * summary on stdout; exits 1 when a row failed.
 * Trusts: config_load's result no further than each row's expectations.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "xmalloc.h"

/* Every string field with its built-in default, so that every row checks
 * the whole struct: a key must not leak into a field it does not name. */
static const struct field {
	const char *name;
	size_t off;
	const char *def;
} fields[] = {
#define F(f, d) {#f, offsetof(struct config, f), d}
	F(org_name, NULL),
	F(org_namnd, NULL),
	F(org_sender_id, NULL),
	F(org_address, NULL),
	F(org_phone, NULL),
	F(org_email, NULL),
	F(org_web, NULL),
	F(dnr_pattern, DNR_DEFAULT_PATTERN),
	F(mb_reachability_url, NULL),
	F(mb_client_cert, NULL),
	F(mb_client_key, NULL),
	F(mb_ca_file, NULL),
	F(mb_signing_cert, NULL),
	F(mb_signing_key, NULL),
	F(print_driver, "folder"),
	F(print_folder, "out/print"),
	F(print_window, "left"),
	F(archive_folder, "out/arkiv"),
	F(archive_internal, ARCHIVE_INTERNAL_DEFAULT),
	F(audit_database, "expediera.db"),
	F(audit_key_file, "expediera.key"),
	F(check_max_alder, "90"),
#undef F
};

#define NFIELDS (sizeof(fields) / sizeof(fields[0]))

static int
is_path(size_t off)
{
	return off == offsetof(struct config, print_folder) ||
	    off == offsetof(struct config, archive_folder) ||
	    off == offsetof(struct config, audit_database) ||
	    off == offsetof(struct config, audit_key_file);
}

struct want {
	const char *name;
	size_t off;
	const char *val;
	int how;
};

/* REL: val is relative to the temporary directory; OTHER: any non-NULL
 * value, left to the row's check(). */
enum { EXACT, REL, OTHER };

#define W(f, v)  {#f, offsetof(struct config, f), v, EXACT}
#define WR(f, v) {#f, offsetof(struct config, f), v, REL}
#define WO(f)    {#f, offsetof(struct config, f), NULL, OTHER}

enum mode {
	M_TEXT,    /* write text (or make()) to a temporary file and load it */
	M_NOPATH,  /* config_load(cfg, NULL, ...) */
	M_MISSING, /* a path that does not exist */
	M_DIR      /* the temporary directory itself */
};

struct row {
	const char *name;
	enum mode mode;
	const char *text; /* may hold NUL bytes, hence len */
	size_t len;
	char *(*make)(size_t *); /* generated content instead of text */
	int status;
	const char *errsub; /* on failure: a substring of the message */
	int mailbox;        /* on success: has_mailbox */
	struct want w[24];  /* on success: fields that differ from the default */
	int (*check)(const struct config *);
};

#define T(s) .text = (s), .len = sizeof(s) - 1

#define SPEC9 \
	"[organisation]\n" \
	"name = Exempelby kommun\n" \
	"namnd = Socialnämnden\n" \
	"sender_id = 162120002411          ; Mina meddelanden sender id: \"16\" + organisationsnummer\n" \
	"address = Box 100, 641 21 Exempelby\n" \
	"phone = 0150-100 00\n" \
	"email = socialnamnden@exempelby.se\n" \
	"web = https://www.exempelby.se\n" \
	"\n" \
	"[dnr]\n" \
	"pattern = ^SN/\\d{4}:\\d+$\n" \
	"\n" \
	"[mailbox]\n" \
	"reachability_url = https://127.0.0.1:8443/recipient\n" \
	"client_cert = tls/client.pem      ; client certificate and key for mutual TLS\n" \
	"client_key = tls/client.key\n" \
	"ca_file = tls/ca.pem              ; trust anchor for the servers; verification is never off\n" \
	"signing_cert = sign/cert.pem      ; XML signature of SignedDelivery and Seal\n" \
	"signing_key = sign/key.pem\n" \
	"\n" \
	"[print]\n" \
	"driver = folder                   ; folder | sftp | cups\n" \
	"folder = out/print\n" \
	"window = left                     ; left | right window envelope\n" \
	"\n" \
	"[archive]\n" \
	"folder = out/arkiv\n" \
	"internal = Akt, Handläggare, Enhetschef, Avdelningschef   ; skickas-till names that stay in-house\n" \
	"\n" \
	"[audit]\n" \
	"database = expediera.db\n"

#define MAXLINE 4096
#define MAXFILE 65536

static char *
make_line(size_t *len, size_t linelen)
{
	static const char head[] = "[organisation]\nname = ";
	size_t hl = sizeof(head) - 1, vlen = linelen - (sizeof("name = ") - 1);
	char *p = xmalloc(hl + vlen + 2);

	memcpy(p, head, hl);
	memset(p + hl, 'x', vlen);
	p[hl + vlen] = '\n';
	p[hl + vlen + 1] = '\0';
	*len = hl + vlen + 1;
	return p;
}

static char *
make_line_max(size_t *len)
{
	return make_line(len, MAXLINE);
}

static char *
make_line_over(size_t *len)
{
	return make_line(len, MAXLINE + 1);
}

/* size bytes of 64-byte comment lines, then extra bytes of '\n'. */
static char *
make_file(size_t *len, size_t size, size_t extra)
{
	char *p = xmalloc(size + extra + 1);
	size_t i;

	for (i = 0; i < size; i++)
		p[i] = i % 64 == 0 ? '#' : i % 64 == 63 ? '\n' : 'c';
	memset(p + size, '\n', extra);
	p[size + extra] = '\0';
	*len = size + extra;
	return p;
}

static char *
make_file_max(size_t *len)
{
	return make_file(len, MAXFILE, 0);
}

static char *
make_file_over(size_t *len)
{
	return make_file(len, MAXFILE, 1);
}

static int
check_long_name(const struct config *c)
{
	return c->org_name != NULL && strlen(c->org_name) == MAXLINE - 7;
}

static int
check_max_alder_default(const struct config *c)
{
	return config_max_alder_dagar(c) == 90;
}

static int
check_max_alder_0(const struct config *c)
{
	return config_max_alder_dagar(c) == 0;
}

static int
check_max_alder_3650(const struct config *c)
{
	return config_max_alder_dagar(c) == 3650;
}

static const struct row rows[] = {
	{.name = "SPEC 9 example", T(SPEC9), .status = 0, .mailbox = 1,
	    .w = {W(org_name, "Exempelby kommun"), W(org_namnd, "Socialnämnden"),
		W(org_sender_id, "162120002411"), W(org_address, "Box 100, 641 21 Exempelby"),
		W(org_phone, "0150-100 00"), W(org_email, "socialnamnden@exempelby.se"),
		W(org_web, "https://www.exempelby.se"), W(dnr_pattern, "^SN/\\d{4}:\\d+$"),
		W(mb_reachability_url, "https://127.0.0.1:8443/recipient"),
		WR(mb_client_cert, "tls/client.pem"), WR(mb_client_key, "tls/client.key"),
		WR(mb_ca_file, "tls/ca.pem"), WR(mb_signing_cert, "sign/cert.pem"),
		WR(mb_signing_key, "sign/key.pem"), W(print_driver, "folder"),
		WR(print_folder, "out/print"), W(print_window, "left"),
		WR(archive_folder, "out/arkiv"), WR(audit_database, "expediera.db"),
		WR(audit_key_file, "expediera.key")}},
	{.name = "internal names", T("[archive]\ninternal = Akt, Socialchef, Överförmyndarnämnden\n"),
	    .status = 0, .w = {W(archive_internal, "Akt, Socialchef, Överförmyndarnämnden")}},
	{.name = "max_alder_dagar default", T("[check]\n"), .status = 0,
	    .check = check_max_alder_default},
	{.name = "max_alder_dagar 0", T("[check]\nmax_alder_dagar = 0\n"), .status = 0,
	    .w = {W(check_max_alder, "0")}, .check = check_max_alder_0},
	{.name = "max_alder_dagar 3650", T("[check]\nmax_alder_dagar = 3650 ; tio år\n"),
	    .status = 0, .w = {W(check_max_alder, "3650")}, .check = check_max_alder_3650},
	{.name = "max_alder_dagar 3651", T("[check]\nmax_alder_dagar = 3651\n"), .status = -1,
	    .errsub = ":2: ogiltigt värde \"3651\" för max_alder_dagar (dagar, 0 till 3650)"},
	{.name = "max_alder_dagar negative", T("[check]\nmax_alder_dagar = -1\n"), .status = -1,
	    .errsub = ":2: ogiltigt värde \"-1\" för max_alder_dagar"},
	{.name = "max_alder_dagar with sign", T("[check]\nmax_alder_dagar = +90\n"), .status = -1,
	    .errsub = ":2: ogiltigt värde \"+90\" för max_alder_dagar"},
	{.name = "max_alder_dagar with unit", T("[check]\nmax_alder_dagar = 90d\n"), .status = -1,
	    .errsub = ":2: ogiltigt värde \"90d\" för max_alder_dagar"},
	{.name = "max_alder_dagar decimal", T("[check]\nmax_alder_dagar = 9.5\n"), .status = -1,
	    .errsub = ":2: ogiltigt värde \"9.5\" för max_alder_dagar"},
	{.name = "max_alder_dagar huge", T("[check]\nmax_alder_dagar = 99999999999999999999\n"),
	    .status = -1, .errsub = ":2: ogiltigt värde \"99999999999999999999\" för max_alder_dagar"},
	{.name = "max_alder_dagar words", T("[check]\nmax_alder_dagar = nittio\n"), .status = -1,
	    .errsub = ":2: ogiltigt värde \"nittio\" för max_alder_dagar"},
	{.name = "empty file", T(""), .status = 0},
	{.name = "no path", .mode = M_NOPATH, .status = 0},
	{.name = "only blank lines", T("\n  \n\t\n"), .status = 0},
	{.name = "comment styles",
	    T("; semicolon\n# hash\n   ; indented\n\t# tab\n[print] ; after header\n"
	      "driver = sftp # hash comment\nwindow = right\t; tab before\n"
	      "[organisation]\nname = A;B#C\nweb = https://x.se/#a\nphone = 1 #c\n"),
	    .status = 0,
	    .w = {W(print_driver, "sftp"), W(print_window, "right"), W(org_name, "A;B#C"),
		W(org_web, "https://x.se/#a"), W(org_phone, "1")}},
	{.name = "spaces around = optional",
	    T("[print]\ndriver=cups\nwindow =right\n  folder\t=\tut/skrivare  \n"), .status = 0,
	    .w = {W(print_driver, "cups"), W(print_window, "right"),
		WR(print_folder, "ut/skrivare")}},
	{.name = "quoted value",
	    T("[organisation]\nname = \"Nämnd ; med # tecken  \" ; comment\n"
	      "namnd = \"  x\"\naddress = a \"b\" c\n"),
	    .status = 0,
	    .w = {W(org_name, "Nämnd ; med # tecken  "), W(org_namnd, "  x"),
		W(org_address, "a \"b\" c")}},
	{.name = "unterminated quote", T("[organisation]\nname = \"abc ; x\n"), .status = -1,
	    .errsub = ":2: värdet saknar avslutande citattecken"},
	{.name = "text after quote", T("[organisation]\nname = \"a\" b\n"), .status = -1,
	    .errsub = ":2: text efter avslutande citattecken"},
	{.name = "comment glued to quote", T("[organisation]\nname = \"a\";x\n"), .status = -1,
	    .errsub = ":2: text efter avslutande citattecken"},
	{.name = "mailbox header alone", T("[mailbox]\n"), .status = 0, .mailbox = 1},
	{.name = "unknown section", T("\n[foo]\n"), .status = -1,
	    .errsub = ":2: okänd sektion [foo]"},
	{.name = "section is case sensitive", T("[Print]\n"), .status = -1,
	    .errsub = ":1: okänd sektion [Print]"},
	{.name = "unterminated section", T("[print\n"), .status = -1,
	    .errsub = ":1: sektionsrubriken saknar avslutande ]"},
	{.name = "garbage after section", T("[print] x\n"), .status = -1,
	    .errsub = ":1: raden är varken sektion, nyckel = värde eller kommentar"},
	{.name = "unknown key", T("[print]\ncolour = red\n"), .status = -1,
	    .errsub = ":2: okänd nyckel \"colour\" i [print]"},
	{.name = "key of another section", T("[archive]\ndriver = folder\n"), .status = -1,
	    .errsub = ":2: okänd nyckel \"driver\" i [archive]"},
	{.name = "key outside section", T("# x\nname = Exempelby\n"), .status = -1,
	    .errsub = ":2: nyckel utanför sektion"},
	{.name = "garbage line", T("[print]\njust some words\n"), .status = -1,
	    .errsub = ":2: raden är varken sektion, nyckel = värde eller kommentar"},
	{.name = "empty key", T("[print]\n = folder\n"), .status = -1,
	    .errsub = ":2: raden är varken sektion, nyckel = värde eller kommentar"},
	{.name = "repeated key", T("[print]\ndriver = folder\n\n[print]\ndriver = cups\n"),
	    .status = -1, .errsub = ":5: \"driver\" står redan på rad 2"},
	{.name = "bad driver", T("[print]\ndriver = lpr\n"), .status = -1,
	    .errsub = ":2: ogiltigt värde \"lpr\" för driver (folder, sftp eller cups)"},
	{.name = "driver is case sensitive", T("[print]\ndriver = Folder\n"), .status = -1,
	    .errsub = ":2: ogiltigt värde \"Folder\" för driver"},
	{.name = "bad window", T("[print]\nwindow = middle ; x\n"), .status = -1,
	    .errsub = ":2: ogiltigt värde \"middle\" för window (left eller right)"},
	{.name = "empty value", T("[organisation]\nname =\n"), .status = -1,
	    .errsub = ":2: tomt värde för \"name\""},
	{.name = "value only a comment", T("[organisation]\nname =   ; nothing\n"),
	    .status = -1, .errsub = ":2: tomt värde för \"name\""},
	{.name = "empty quoted value", T("[organisation]\nname = \"\"\n"), .status = -1,
	    .errsub = ":2: tomt värde för \"name\""},
	{.name = "line of 4096 bytes", .make = make_line_max, .status = 0,
	    .w = {WO(org_name)}, .check = check_long_name},
	{.name = "line of 4097 bytes", .make = make_line_over, .status = -1,
	    .errsub = ":2: raden är längre än 4096 byte"},
	{.name = "file of 64 KiB", .make = make_file_max, .status = 0},
	{.name = "file of 64 KiB + 1", .make = make_file_over, .status = -1,
	    .errsub = ": filen är större än 64 KiB"},
	{.name = "invalid UTF-8 byte", T("[organisation]\nname = \xff\n"), .status = -1,
	    .errsub = ":2: ogiltig UTF-8"},
	{.name = "overlong UTF-8", T("[organisation]\nname = \xc0\xaf\n"), .status = -1,
	    .errsub = ":2: ogiltig UTF-8"},
	{.name = "UTF-8 surrogate", T("[organisation]\nname = \xed\xa0\x80\n"), .status = -1,
	    .errsub = ":2: ogiltig UTF-8"},
	{.name = "truncated UTF-8 at EOF", T("[organisation]\nname = \xc3"), .status = -1,
	    .errsub = ":2: ogiltig UTF-8"},
	{.name = "Latin-1 instead of UTF-8", T("[organisation]\nnamnd = Socialn\xe4mnden\n"),
	    .status = -1, .errsub = ":2: ogiltig UTF-8"},
	{.name = "NUL byte", T("[print]\ndri\0ver = folder\n"), .status = -1,
	    .errsub = ":2: raden innehåller en NUL-byte"},
	{.name = "control byte", T("[organisation]\nname = a\x1b[31m\n"), .status = -1,
	    .errsub = ":2: raden innehåller styrtecknet 0x1B"},
	{.name = "stray CR", T("[print]\rdriver = cups\n"), .status = -1,
	    .errsub = ":1: raden innehåller styrtecknet 0x0D"},
	{.name = "BOM", T("\xef\xbb\xbf[print]\ndriver = cups"), .status = 0,
	    .w = {W(print_driver, "cups")}},
	{.name = "CRLF",
	    T("; c\r\n[print]\r\ndriver = sftp\r\nwindow = right ; x\r\n\r\n"
	      "[organisation]\r\nname = \"q\"\r\n"),
	    .status = 0,
	    .w = {W(print_driver, "sftp"), W(print_window, "right"), W(org_name, "q")}},
	{.name = "CRLF error line number", T("[print]\r\n\r\nbad\r\n"), .status = -1,
	    .errsub = ":3: raden är varken"},
	{.name = "missing file", .mode = M_MISSING, .status = -1,
	    .errsub = ": kan inte läsa filen: "},
	{.name = "directory", .mode = M_DIR, .status = -1,
	    .errsub = ": kan inte läsa filen: "},
	{.name = "absolute path kept",
	    T("[audit]\ndatabase = /var/lib/expediera/x.db\n[archive]\nfolder = ../arkiv\n"),
	    .status = 0,
	    .w = {W(audit_database, "/var/lib/expediera/x.db"), WR(archive_folder, "../arkiv"),
		W(audit_key_file, "/var/lib/expediera/x.key")}},
	{.name = "key file named, database without .db",
	    T("[audit]\ndatabase = logg\nkey_file = /etc/expediera/nyckel\n"),
	    .status = 0,
	    .w = {WR(audit_database, "logg"), W(audit_key_file, "/etc/expediera/nyckel")}},
	{.name = "key file beside a database without .db",
	    T("[audit]\ndatabase = logg\n"),
	    .status = 0,
	    .w = {WR(audit_database, "logg"), WR(audit_key_file, "logg.key")}},
};

#define NROWS (sizeof(rows) / sizeof(rows[0]))

static const char *
tmpdir(void)
{
	const char *d = getenv("TMPDIR");

	return d != NULL && *d != '\0' ? d : "/tmp";
}

static int
same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static const char *
field_of(const struct config *c, size_t off)
{
	return *(char *const *)(const void *)((const char *)c + off);
}

/* Returns 1 when the row passed; otherwise prints why. */
static int
run(const struct row *r)
{
	struct config cfg, zero;
	char err[1024], *path = NULL, *text = NULL;
	const char *dir = tmpdir();
	size_t len = r->len, i, j;
	int fd, rc, ok = 1;

	memset(&zero, 0, sizeof(zero));
	switch (r->mode) {
	case M_TEXT:
		path = xasprintf("%s/test_config.XXXXXX", dir);
		if ((fd = mkstemp(path)) == -1) {
			printf("FAIL: %s: mkstemp %s: %s\n", r->name, path, strerror(errno));
			free(path);
			return 0;
		}
		if (r->make != NULL)
			text = r->make(&len);
		if (write(fd, text != NULL ? text : r->text, len) != (ssize_t)len) {
			printf("FAIL: %s: write: %s\n", r->name, strerror(errno));
			ok = 0;
		}
		close(fd);
		free(text);
		break;
	case M_NOPATH:
		break;
	case M_MISSING:
		path = xasprintf("%s/test_config.does-not-exist.%ld", dir, (long)getpid());
		break;
	case M_DIR:
		path = xstrdup(dir);
		break;
	}

	memset(&cfg, 0xa5, sizeof(cfg)); /* config_load must not trust *cfg */
	rc = ok ? config_load(&cfg, path, err, sizeof(err)) : r->status;
	if (r->mode == M_TEXT)
		unlink(path);
	if (!ok)
		goto out;

	if (rc != r->status) {
		printf("FAIL: %s: status %d, want %d (%s)\n", r->name, rc, r->status, err);
		ok = 0;
		if (rc == 0)
			config_free(&cfg);
		goto out;
	}
	if (rc != 0) {
		if (r->errsub != NULL && strstr(err, r->errsub) == NULL) {
			printf("FAIL: %s: error \"%s\", want \"%s\"\n", r->name, err, r->errsub);
			ok = 0;
		}
		if (strncmp(err, path, strlen(path)) != 0 || err[strlen(path)] != ':') {
			printf("FAIL: %s: error \"%s\" does not start with the file name\n",
			    r->name, err);
			ok = 0;
		}
		if (memcmp(&cfg, &zero, sizeof(cfg)) != 0) {
			printf("FAIL: %s: config not zeroed after failure\n", r->name);
			ok = 0;
		}
		goto out;
	}

	if (err[0] != '\0') {
		printf("FAIL: %s: error \"%s\" on success\n", r->name, err);
		ok = 0;
	}
	if (!same(cfg.file, path)) {
		printf("FAIL: %s: file \"%s\", want \"%s\"\n", r->name,
		    cfg.file ? cfg.file : "(null)", path ? path : "(null)");
		ok = 0;
	}
	if (cfg.has_mailbox != r->mailbox) {
		printf("FAIL: %s: has_mailbox %d, want %d\n", r->name, cfg.has_mailbox,
		    r->mailbox);
		ok = 0;
	}
	for (j = 0; j < sizeof(r->w) / sizeof(r->w[0]) && r->w[j].name != NULL; j++) {
		for (i = 0; i < NFIELDS && fields[i].off != r->w[j].off; i++)
			continue;
		if (i == NFIELDS) {
			printf("FAIL: %s: test table names unknown field %s\n", r->name,
			    r->w[j].name);
			ok = 0;
		}
	}
	for (i = 0; i < NFIELDS; i++) {
		const char *want = fields[i].def, *got = field_of(&cfg, fields[i].off);
		char *resolved = NULL;
		int how = EXACT;

		for (j = 0; j < sizeof(r->w) / sizeof(r->w[0]) && r->w[j].name != NULL; j++)
			if (r->w[j].off == fields[i].off) {
				want = r->w[j].val;
				how = r->w[j].how;
				if (how == REL)
					want = resolved = xasprintf("%s/%s", dir, want);
			}
		/* Paths come back absolute: a default is the working directory's. */
		if (how == EXACT && want != NULL && resolved == NULL && want[0] != '/' &&
		    is_path(fields[i].off)) {
			char here[4096];

			if (getcwd(here, sizeof(here)) != NULL)
				want = resolved = xasprintf("%s/%s", here, want);
		}
		if (how == OTHER ? got == NULL : !same(got, want)) {
			printf("FAIL: %s: %s = \"%.80s\", want \"%.80s\"\n", r->name,
			    fields[i].name, got ? got : "(null)",
			    how == OTHER ? "(any)" : want ? want : "(null)");
			ok = 0;
		}
		free(resolved);
	}
	if (r->check != NULL && !r->check(&cfg)) {
		printf("FAIL: %s: extra check failed\n", r->name);
		ok = 0;
	}
	config_free(&cfg);
	if (memcmp(&cfg, &zero, sizeof(cfg)) != 0) {
		printf("FAIL: %s: config not zeroed by config_free\n", r->name);
		ok = 0;
	}
out:
	free(path);
	return ok;
}

/* config_pick looks in the working directory, so it runs in a fresh one. */
static int
test_pick(void)
{
	char *dir = xasprintf("%s/test_config.XXXXXX", tmpdir()), cwd[4096];
	const char *p;
	int ok = 1, fd;

	if (getcwd(cwd, sizeof(cwd)) == NULL || mkdtemp(dir) == NULL || chdir(dir) == -1) {
		printf("FAIL: config_pick: setup: %s\n", strerror(errno));
		free(dir);
		return 0;
	}
	if ((p = config_pick("x.conf")) == NULL || strcmp(p, "x.conf") != 0) {
		printf("FAIL: config_pick: explicit path not returned\n");
		ok = 0;
	}
	if ((p = config_pick(NULL)) != NULL) {
		printf("FAIL: config_pick: \"%s\" without expediera.conf\n", p);
		ok = 0;
	}
	if ((fd = open("expediera.conf", O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1) {
		printf("FAIL: config_pick: create: %s\n", strerror(errno));
		ok = 0;
	} else {
		close(fd);
		if ((p = config_pick(NULL)) == NULL || strcmp(p, "expediera.conf") != 0) {
			printf("FAIL: config_pick: expediera.conf not picked\n");
			ok = 0;
		}
		if ((p = config_pick("other.conf")) == NULL || strcmp(p, "other.conf") != 0) {
			printf("FAIL: config_pick: explicit path does not win\n");
			ok = 0;
		}
		unlink("expediera.conf");
	}
	if (chdir(cwd) == -1 || rmdir(dir) == -1) {
		printf("FAIL: config_pick: cleanup: %s\n", strerror(errno));
		ok = 0;
	}
	free(dir);
	return ok;
}

/* A caller without an error buffer must still get a clean failure. */
static int
test_no_errbuf(void)
{
	struct config cfg;

	if (config_load(&cfg, "/nonexistent/expediera.conf", NULL, 0) != -1) {
		printf("FAIL: no error buffer: load of a missing file succeeded\n");
		config_free(&cfg);
		return 0;
	}
	return 1;
}

int
main(void)
{
	size_t i;
	int passed = 0, failed = 0;

	for (i = 0; i < NROWS; i++)
		run(&rows[i]) ? passed++ : failed++;
	test_pick() ? passed++ : failed++;
	test_no_errbuf() ? passed++ : failed++;
	printf("test_config: %d passed, %d failed\n", passed, failed);
	/* LeakSanitizer reports from an exit handler and leaves without
	 * flushing stdio; the summary must not be lost with it. */
	fflush(stdout);
	return failed != 0;
}
