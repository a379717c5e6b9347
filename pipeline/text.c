/*
 * text.c -- one helper for each small job on text and bytes (text.h).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "text.h"
#include "xmalloc.h"

/*
 * U+00C0..U+00FF, the second byte of their UTF-8 (0xc3 0x80..0xbf) as an
 * index, folded to a lower-case ASCII base; 0 where there is none (× ÷).
 */
static const char latin1_base[64] = "aaaaaaaceeeeiiiidnooooo\0ouuuuyts"
                                    "aaaaaaaceeeeiiiidnooooo\0ouuuuyty";

void
text_slug(char *out, size_t n, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;

	if (n == 0)
		return;
	while (*p != '\0' && o + 1 < n) {
		char c = 0;

		if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9'))
			c = (char)*p;
		else if (*p >= 'A' && *p <= 'Z')
			c = (char)(*p - 'A' + 'a');
		else if (p[0] == 0xc3 && p[1] >= 0x80 && p[1] <= 0xbf) {
			c = latin1_base[p[1] - 0x80];
			p++;
		}
		if (c != 0)
			out[o++] = c;
		else if (o > 0 && out[o - 1] != '-')
			out[o++] = '-';
		p++;
	}
	while (o > 0 && out[o - 1] == '-')
		o--;
	out[o] = '\0';
}

char *
text_fold(const char *s, size_t len)
{
	char *out = xmalloc(len + 1);
	size_t i, o = 0;
	bool space = false;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') {
			space = o > 0;
			continue;
		}
		if (space)
			out[o++] = ' ';
		space = false;
		if (c >= 'A' && c <= 'Z')
			c = (unsigned char)(c - 'A' + 'a');
		else if (c == 0xc3 && i + 1 < len) {
			unsigned char d = (unsigned char)s[i + 1];

			/* U+00C0..U+00DE but U+00D7 (×): their lower case is 0x20 on */
			if (d >= 0x80 && d <= 0x9e && d != 0x97)
				d = (unsigned char)(d + 0x20);
			out[o++] = (char)c;
			out[o++] = (char)d;
			i++;
			continue;
		}
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return out;
}

void
text_fold_line(FILE *fp, const char *s)
{
	if (s != NULL) {
		char *f = text_fold(s, strlen(s));

		fputs(f, fp);
		free(f);
	}
	putc('\n', fp);
}

void
text_hex(const unsigned char *d, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[2 * n] = '\0';
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
text_unhex(const char *s, unsigned char *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		int hi = hexval(s[2 * i]), lo;

		if (hi < 0 || (lo = hexval(s[2 * i + 1])) < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

int
text_sha256(const void *buf, size_t len, unsigned char md[32])
{
	unsigned int n = 0;

	if (EVP_Digest(buf, len, md, &n, EVP_sha256(), NULL) != 1 || n != 32)
		return -1;
	return 0;
}

int
text_sha256_hex(const void *buf, size_t len, char out[65])
{
	unsigned char md[32];

	out[0] = '\0';
	if (text_sha256(buf, len, md) == -1)
		return -1;
	text_hex(md, 32, out);
	return 0;
}
