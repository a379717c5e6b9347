/*
 * json.c -- JSON string output.  Input is UTF-8 already checked by libxml2 or
 * the config reader; bytes >= 0x80 pass through, control bytes are escaped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "xmalloc.h"

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
		switch (*++p) {
		case 'n':
			*o++ = '\n';
			break;
		case 'r':
			*o++ = '\r';
			break;
		case 't':
			*o++ = '\t';
			break;
		case 'u':
			/* json_string writes \u only for control bytes: 00XX */
			if (strlen(p) >= 5) {
				*o++ = (char)strtol((char[3]){p[3], p[4], '\0'}, NULL, 16);
				p += 4;
			}
			break;
		case '\0':
			p--;
			break;
		default:
			*o++ = *p;
		}
	}
	*o = '\0';
	return out;
}

void
json_string(FILE *fp, const char *s)
{
	const unsigned char *p;

	if (s == NULL) {
		fputs("null", fp);
		return;
	}
	putc('"', fp);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", fp);
			break;
		case '\\':
			fputs("\\\\", fp);
			break;
		case '\n':
			fputs("\\n", fp);
			break;
		case '\r':
			fputs("\\r", fp);
			break;
		case '\t':
			fputs("\\t", fp);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(fp, "\\u%04x", *p);
			else
				putc(*p, fp);
		}
	}
	putc('"', fp);
}
