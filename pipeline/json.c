/*
 * json.c -- JSON string output.  Input is UTF-8 already checked by libxml2 or
 * the config reader; bytes >= 0x80 pass through, control bytes are escaped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "xmalloc.h"

/*
 * The backslash escapes: a byte and the letter written after the backslash.
 * A TSV field takes the first four; a JSON string all five.
 */
static const struct {
	char c, letter;
} escapes[] = {{'\\', '\\'}, {'\n', 'n'}, {'\r', 'r'}, {'\t', 't'}, {'"', '"'}};
#define N_TSV_ESCAPES 4
#define N_JSON_ESCAPES 5

/* The byte a backslash and letter stand for. */
static char
unescape(char letter)
{
	size_t k;

	for (k = 0; k < N_JSON_ESCAPES; k++)
		if (escapes[k].letter == letter)
			return escapes[k].c;
	return letter;
}

static void
put_escaped(FILE *fp, const char *s, size_t n, size_t nesc, int json)
{
	size_t i, k;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		for (k = 0; k < nesc && escapes[k].c != (char)c; k++)
			;
		if (k < nesc) {
			putc('\\', fp);
			putc(escapes[k].letter, fp);
		} else if (json && (c < 0x20 || c == 0x7f))
			fprintf(fp, "\\u%04x", c);
		else
			putc(c, fp);
	}
}

char *
json_field(const char *obj, const char *key)
{
	char *pat, *out, *o;
	const char *p;

	if (obj == NULL)
		return NULL;
	pat = xasprintf("\"%s\":\"", key);
	p = strstr(obj, pat);
	if (p == NULL) {
		free(pat);
		return NULL;
	}
	p += strlen(pat);
	free(pat);
	out = o = xmalloc(strlen(p) + 1);
	for (; *p != '\0' && *p != '"'; p++) {
		if (*p != '\\') {
			*o++ = *p;
			continue;
		}
		if (*++p == 'u') {
			/* json_string writes \u only for control bytes: 00XX */
			if (strlen(p) >= 5) {
				*o++ = (char)strtol((char[3]){p[3], p[4], '\0'}, NULL, 16);
				p += 4;
			}
		} else if (*p == '\0')
			p--;
		else
			*o++ = unescape(*p);
	}
	*o = '\0';
	return out;
}

void
json_string(FILE *fp, const char *s)
{
	if (s == NULL) {
		fputs("null", fp);
		return;
	}
	putc('"', fp);
	put_escaped(fp, s, strlen(s), N_JSON_ESCAPES, 1);
	putc('"', fp);
}

void
json_member(FILE *fp, int first, const char *key, const char *s)
{
	fprintf(fp, "%s\"%s\":", first ? "" : ",", key);
	json_string(fp, s);
}

void
json_tsv(FILE *fp, const char *p, size_t n)
{
	put_escaped(fp, p, n, N_TSV_ESCAPES, 0);
}
