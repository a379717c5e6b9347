/*
 * dnr.c -- diarienummer pattern matching with PCRE2.
 *
 * Reads: the [dnr] pattern of the configuration (trusted as configuration, but
 * bounded anyway) and dnr attributes from protokoll.xml (untrusted).
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

#include "dnr.h"
#include "xmalloc.h"

/* A dnr is short; anything longer than this does not match. */
#define DNR_MAX_LEN 200

struct dnr_pattern {
	pcre2_code *code;
	pcre2_match_data *md;
	pcre2_match_context *mc;
};

struct dnr_pattern *
dnr_pattern_new(const char *pattern, char *err, size_t errlen)
{
	struct dnr_pattern *p;
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE off;
	int rc;

	p = xcalloc(1, sizeof(*p));
	p->code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF | PCRE2_UCP,
	    &rc, &off, NULL);
	if (p->code == NULL) {
		pcre2_get_error_message(rc, msg, sizeof(msg));
		snprintf(err, errlen, "ogiltigt dnr-mönster vid tecken %zu: %s", (size_t)off,
		    (const char *)msg);
		goto fail;
	}
	p->md = pcre2_match_data_create_from_pattern(p->code, NULL);
	p->mc = pcre2_match_context_create(NULL);
	if (p->md == NULL || p->mc == NULL) {
		snprintf(err, errlen, "slut på minne");
		goto fail;
	}
	pcre2_set_match_limit(p->mc, 100000);
	pcre2_set_depth_limit(p->mc, 1000);
	return p;
fail:
	dnr_pattern_free(p);
	return NULL;
}

bool
dnr_pattern_match(const struct dnr_pattern *p, const char *dnr)
{
	size_t len = strlen(dnr);

	if (len > DNR_MAX_LEN)
		return false;
	return pcre2_match(p->code, (PCRE2_SPTR)dnr, len, 0, 0, p->md, p->mc) >= 0;
}

void
dnr_pattern_free(struct dnr_pattern *p)
{
	if (p == NULL)
		return;
	pcre2_match_data_free(p->md);
	pcre2_match_context_free(p->mc);
	pcre2_code_free(p->code);
	free(p);
}
