/*
 * ini.h -- the INI syntax of the configuration and the templates:
 * "[section]", "key = value", comments with ';' or '#' on their own line or
 * after white space, "quoted values" taken literally, UTF-8, CRLF and a BOM
 * accepted, at most 4 KiB per line.
 */
#ifndef EXPEDIERA_INI_H
#define EXPEDIERA_INI_H

#include <stdbool.h>
#include <stddef.h>

/* Where the parser is, for messages "FILE:LINE: ...". */
struct ini_ctx {
	const char *path;
	size_t lineno;
	char *err;
	size_t errlen;
};

/*
 * Called for each section header (key and value NULL) and each key = value
 * (section never NULL: a key before any section is an error of its own).
 * Return 0 to go on, or ini_fail(ctx, ...) to stop with a message.
 */
typedef int (*ini_fn)(void *arg, struct ini_ctx *ctx, const char *section, const char *key,
    const char *value);

/*
 * Parses buf (n bytes, with one spare byte after them: buf[n] is writable).
 * The buffer is modified.  Returns 0, or -1 with "PATH:LINE: message" in err.
 */
int ini_parse(char *buf, size_t n, const char *path, ini_fn fn, void *arg, char *err,
    size_t errlen);

/*
 * Reads a whole file of at most max bytes into a new buffer with a spare
 * byte, NUL-terminated.  -1 with "PATH: message" in err.
 */
int ini_read_file(const char *path, size_t max, char **bufp, size_t *lenp, char *err,
    size_t errlen);

/* Writes "PATH:LINE: message" to ctx->err; returns -1. */
int ini_fail(struct ini_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void ini_errmsg(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Strict UTF-8 (RFC 3629); 1 when valid. */
int ini_utf8_valid(const unsigned char *s, size_t len);

#endif
