/*
 * fuzz_ini.c -- libFuzzer target over the INI syntax shared by the
 * configuration and the templates (ini.c), and the placeholder expansion of
 * the templates (tmpl_expand).  Seeds: the configuration and templates in the
 * tree (tests/fuzz/seed.sh).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ini.h"
#include "template.h"
#include "xmalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
accept_all(void *arg, struct ini_ctx *ctx, const char *section, const char *key, const char *val)
{
	static const struct tmpl_var vars[] = {{"nr", "126"}, {"dnr", "SN/2026:412"},
	    {"namnd", NULL}};
	char err[128], *out;

	(void)arg;
	(void)ctx;
	(void)section;
	(void)key;
	if (val != NULL && (out = tmpl_expand(val, vars, 3, err, sizeof(err))) != NULL)
		free(out);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = xmalloc(size + 1), err[256];

	memcpy(buf, data, size);
	buf[size] = '\0';
	ini_parse(buf, size, "fuzz.conf", accept_all, NULL, err, sizeof(err));
	free(buf);
	return 0;
}
