/*
 * fuzz_session.c -- libFuzzer target over the whole check: read (parse, XSD)
 * and validate, on a session package given as one buffer.
 *
 * Input: protokoll.xml, then each försättsblad, separated by NUL bytes (XML
 * cannot contain NUL, so every split is a real package).  Seeds are made from
 * the golden packages of tests/check by tests/fuzz/seed.sh.
 *
 * The address rule measures with the templates and fonts of the source tree
 * (run from its top, as tests/run.sh does; EXPEDIERA_FONTS and
 * EXPEDIERA_TEMPLATES as for the program); without them it is skipped.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <stdlib.h>

#include "address.h"
#include "config.h"
#include "dnr.h"
#include "pdf.h"
#include "read.h"
#include "session.h"
#include "template.h"
#include "validate.h"

static struct dnr_pattern *dnr;
static struct tmpl t;
static struct address_window aw;
static struct appeal_table *appeal;

static const char *
env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0' ? v : dflt;
}
static struct validate_conf conf; /* dnr and the default internal names */

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256];

	(void)argc;
	(void)argv;
	if (read_init(err, sizeof(err)) == -1 ||
	    (dnr = dnr_pattern_new(DNR_DEFAULT_PATTERN, err, sizeof(err))) == NULL) {
		fprintf(stderr, "fuzz_session: %s\n", err);
		return -1;
	}
	conf.dnr = dnr;
	conf.internal = ARCHIVE_INTERNAL_DEFAULT;
	conf.max_alder_dagar = 90;
	if (tmpl_load(&t, env_or("EXPEDIERA_TEMPLATES", "templates"), err, sizeof(err)) == 0 &&
	    (aw.pdf = pdf_new(env_or("EXPEDIERA_FONTS", "build/fonts"), NULL, err,
		sizeof(err))) != NULL) {
		aw.g = &t.geo;
		aw.w = &t.geo.window[WINDOW_LEFT];
		conf.aw = &aw;
	} else
		fprintf(stderr, "fuzz_session: %s; address-unprintable is not fuzzed\n", err);
	/* The shipped appeal table, so that lagrum texts meet its patterns. */
	if ((appeal = appeal_load(env_or("EXPEDIERA_TEMPLATES", "templates"), err,
	    sizeof(err))) != NULL)
		conf.appeal = appeal;
	else
		fprintf(stderr, "fuzz_session: %s; appeal-route-mismatch is not fuzzed\n", err);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nul;
	struct session s;
	char name[64];
	int i = 0;

	session_init(&s, "fuzz");
	nul = memchr(p, '\0', size);
	read_protokoll_buf(&s, p, nul != NULL ? (size_t)(nul - p) : size);
	while (nul != NULL && i < 64) {
		p = nul + 1;
		nul = memchr(p, '\0', (size_t)(end - p));
		snprintf(name, sizeof(name), "forsattsblad/%02d.xml", i++);
		read_forsattsblad_buf(&s, name, p, nul != NULL ? (size_t)(nul - p) : (size_t)(end - p));
	}
	validate_session(&s, &conf);
	session_free(&s);
	return 0;
}
