/*
 * ini.c -- the INI syntax shared by the configuration (config.c) and the
 * templates (template.c); see ini.h.
 *
 * Reads: one file, size-capped by the caller.
 * Writes: nothing; hands each section and key = value to a callback.
 * Trusts: nothing in the file.  Every line is checked for length, NUL and
 * control bytes and UTF-8 before it is parsed.  The first error stops the
 * parse.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ini.h"
#include "xmalloc.h"

#define INI_MAX_LINE 4096

void
ini_errmsg(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

int
ini_fail(struct ini_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ini_errmsg(ctx->err, ctx->errlen, "%s:%zu: %s", ctx->path, ctx->lineno, msg);
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
int
ini_utf8_valid(const unsigned char *s, size_t len)
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

static int
parse_section(struct ini_ctx *ctx, char *s, ini_fn fn, void *arg)
{
	char *close, *t;

	if ((close = strchr(s, ']')) == NULL)
		return ini_fail(ctx, "sektionsrubriken saknar avslutande ]");
	*close = '\0';
	t = skip_ws(close + 1);
	if (*t != '\0' && !((*t == ';' || *t == '#') && t > close + 1))
		return ini_fail(ctx, "raden är varken sektion, nyckel = värde eller kommentar");
	return fn(arg, ctx, s + 1, NULL, NULL);
}

static int
parse_pair(struct ini_ctx *ctx, const char *section, char *line, char *eq, ini_fn fn,
    void *arg)
{
	char *key = line, *kend = eq, *val, *vend, *t, *q;

	while (kend > key && is_ws(kend[-1]))
		kend--;
	if (kend == key)
		return ini_fail(ctx, "raden är varken sektion, nyckel = värde eller kommentar");
	*kend = '\0';
	if (section == NULL)
		return ini_fail(ctx, "nyckel utanför sektion");

	val = skip_ws(eq + 1);
	if (*val == '"') {
		val++;
		if ((q = strchr(val, '"')) == NULL)
			return ini_fail(ctx, "värdet saknar avslutande citattecken");
		vend = q;
		t = skip_ws(q + 1);
		if (*t != '\0' && !((*t == ';' || *t == '#') && t > q + 1))
			return ini_fail(ctx, "text efter avslutande citattecken");
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
		return ini_fail(ctx, "tomt värde för \"%s\"", key);
	return fn(arg, ctx, section, key, val);
}

int
ini_parse(char *buf, size_t n, const char *path, ini_fn fn, void *arg, char *err, size_t errlen)
{
	struct ini_ctx ctx = {path, 0, err, errlen};
	char *p = buf, *end = buf + n, *nl, *next, *c, *s, *eq;
	char section[256] = "";
	bool in_section = false;
	size_t len;

	/* Windows editors write a BOM; it carries no meaning in UTF-8. */
	if (n >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (p < end) {
		ctx.lineno++;
		nl = memchr(p, '\n', (size_t)(end - p));
		len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		next = nl != NULL ? nl + 1 : end;
		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (len > INI_MAX_LINE)
			return ini_fail(&ctx, "raden är längre än %d byte", INI_MAX_LINE);
		/* NUL would silently cut the line short once it is a C string;
		 * other control bytes (escape sequences, stray CR) would end up
		 * in letters and logs. */
		if (memchr(p, '\0', len) != NULL)
			return ini_fail(&ctx, "raden innehåller en NUL-byte");
		for (c = p; c < p + len; c++)
			if (((unsigned char)*c < 0x20 && *c != '\t') || *c == 0x7f)
				return ini_fail(&ctx, "raden innehåller styrtecknet 0x%02X",
				    (unsigned)(unsigned char)*c);
		if (!ini_utf8_valid((const unsigned char *)p, len))
			return ini_fail(&ctx, "ogiltig UTF-8");
		/* p[len] is '\r', '\n' or the spare byte after the buffer. */
		p[len] = '\0';
		s = skip_ws(p);
		if (*s == '\0' || *s == ';' || *s == '#') {
			/* blank or comment */
		} else if (*s == '[') {
			if (parse_section(&ctx, s, fn, arg) == -1)
				return -1;
			snprintf(section, sizeof(section), "%s", s + 1);
			in_section = true;
		} else if ((eq = strchr(s, '=')) == NULL) {
			return ini_fail(&ctx, "raden är varken sektion, nyckel = värde eller "
			    "kommentar");
		} else if (parse_pair(&ctx, in_section ? section : NULL, s, eq, fn, arg) == -1)
			return -1;
		p = next;
	}
	return 0;
}

/*
 * Reads at most max + 1 bytes, the one extra to tell "exactly the
 * limit" from "too large" without trusting st_size (pipes, /proc).  The buffer
 * has one more byte so the last line can be NUL-terminated in place.
 */
int
ini_read_file(const char *path, size_t max, char **bufp, size_t *lenp, char *err, size_t errlen)
{
	struct stat st;
	char *buf;
	size_t n = 0;
	ssize_t r;
	int fd, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		ini_errmsg(err, errlen, "%s: kan inte läsa filen: %s", path, strerror(errno));
		return -1;
	}
	saved = 0;
	if (fstat(fd, &st) == -1)
		saved = errno;
	else if (S_ISDIR(st.st_mode))
		saved = EISDIR; /* open(2) accepts a directory for reading */
	if (saved != 0) {
		close(fd);
		ini_errmsg(err, errlen, "%s: kan inte läsa filen: %s", path, strerror(saved));
		return -1;
	}
	if (S_ISREG(st.st_mode) && (unsigned long long)st.st_size > max) {
		close(fd);
		ini_errmsg(err, errlen, "%s: filen är större än %zu KiB", path, max / 1024);
		return -1;
	}
	buf = xmalloc(max + 2);
	while (n < max + 1) {
		r = read(fd, buf + n, max + 1 - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			saved = errno;
			close(fd);
			free(buf);
			ini_errmsg(err, errlen, "%s: kan inte läsa filen: %s", path, strerror(saved));
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (n > max) {
		free(buf);
		ini_errmsg(err, errlen, "%s: filen är större än %zu KiB", path, max / 1024);
		return -1;
	}
	buf[n] = '\0';
	*bufp = buf;
	*lenp = n;
	return 0;
}

