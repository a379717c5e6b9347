/*
 * appeal.c -- the appeal table of templates/overklagande.conf; see appeal.h.
 *
 * Reads: one file of the template directory, written by the kommun's jurist
 * (INI, ini.c), and lagrum texts from protokoll.xml to match against it.
 * Writes: a table of compiled PCRE2 patterns, owned by the caller.
 * Trusts: nothing in the file.  A line without its statute or its source, a
 * route that is not one, a pattern that does not compile or is not anchored,
 * or an underställning without its deadline is refused with the file and
 * line, at start: the table decides whether a letter to a family may go, so
 * a typo must never quietly turn a check off.  Lagrum texts are bounded
 * before they are matched, and matching runs under PCRE2's limits.
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcre2.h>

#include "appeal.h"
#include "ini.h"
#include "xmalloc.h"

#define APPEAL_MAX_FILE (256 * 1024)
/* More lines of law than this is not a table a jurist keeps by hand. */
#define APPEAL_MAX_RULES 500
/* A lagrum is a line of a protocol; anything longer matches nothing. */
#define LAGRUM_MAX_LEN 400
/* The longest deadline a statute sets for an underställning that we accept. */
#define FRIST_MAX 365

struct entry {
	struct appeal_rule r;
	char *name, *lag, *kalla, *pattern;
	bool has_kraver;
	int pattern_line;
	pcre2_code *code;
};

struct appeal_table {
	char *path;
	struct entry *v;
	size_t n, cap;
	pcre2_match_data *md;
	pcre2_match_context *mc;
};

static const char *const route_names[] = {
	[OVERKLAGANDE_EJ_ANGIVET] = "",
	[OVERKLAGANDE_FORVALTNINGSBESVAR] = "forvaltningsbesvar",
	[OVERKLAGANDE_LAGLIGHETSPROVNING] = "laglighetsprovning",
	[OVERKLAGANDE_EJ_OVERKLAGBART] = "ej-overklagbart",
	[OVERKLAGANDE_UNDERSTALLS] = "understalls",
};

#define NROUTES (sizeof(route_names) / sizeof(route_names[0]))

const char *
overklagande_name(enum overklagande o)
{
	return (size_t)o < NROUTES ? route_names[o] : "";
}

/*
 * What a finished section lacks, as "FILE:LINE: message" at its header;
 * 0 when nothing.  Called at the next header and at the end of the file.
 */
static int
section_done(struct appeal_table *t, char *err, size_t errlen)
{
	struct entry *e;
	const char *lacks = NULL;

	if (t->n == 0)
		return 0;
	e = &t->v[t->n - 1];
	if (e->pattern == NULL)
		lacks = "lagrum = (mönstret för lagrummet)";
	else if (!e->has_kraver)
		lacks = "kraver = (forvaltningsbesvar, laglighetsprovning, understalls eller "
		    "ej-overklagbart)";
	else if (e->lag == NULL)
		lacks = "lag = (lagrummet som säger det, t.ex. 7 § LVU)";
	else if (e->kalla == NULL)
		lacks = "kalla = (källan: lagen och vad den säger); varje rad ska ange sin källa";
	else if (e->r.kraver == OVERKLAGANDE_UNDERSTALLS && e->r.frist < 0)
		lacks = "frist = (dagar efter beslutet, eller genast): en underställning har en "
		    "frist i lagen";
	if (lacks != NULL) {
		ini_errmsg(err, errlen, "%s:%d: [%s] saknar %s", t->path, e->r.line, e->name,
		    lacks);
		return -1;
	}
	if (e->r.kraver != OVERKLAGANDE_UNDERSTALLS && e->r.frist >= 0) {
		ini_errmsg(err, errlen, "%s:%d: [%s] har frist, men bara en underställning har "
		    "en frist; ta bort den eller ändra kraver", t->path, e->r.line, e->name);
		return -1;
	}
	return 0;
}

static int
compile_pattern(struct ini_ctx *ctx, struct entry *e, const char *val)
{
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE off;
	size_t len = strlen(val);
	int rc;

	if (val[0] != '^' || len < 2 || val[len - 1] != '$' || val[len - 2] == '\\')
		return ini_fail(ctx, "lagrum-mönstret ska börja med ^ och sluta med $, så att "
		    "det gäller hela lagrummet (annars träffar \"6 § LVU\" även \"16 § LVU\")");
	e->code = pcre2_compile((PCRE2_SPTR)val, len, PCRE2_UTF | PCRE2_UCP | PCRE2_CASELESS, &rc,
	    &off, NULL);
	if (e->code == NULL) {
		pcre2_get_error_message(rc, msg, sizeof(msg));
		return ini_fail(ctx, "ogiltigt lagrum-mönster vid tecken %zu: %s", (size_t)off,
		    (const char *)msg);
	}
	e->pattern = xstrdup(val);
	e->pattern_line = (int)ctx->lineno;
	return 0;
}

static int
parse_frist(struct ini_ctx *ctx, struct entry *e, const char *val)
{
	char *end;
	long d;

	if (strcmp(val, "genast") == 0) {
		e->r.frist = 0;
		return 0;
	}
	errno = 0;
	d = strtol(val, &end, 10);
	if (errno != 0 || end == val || *end != '\0' || d < 1 || d > FRIST_MAX)
		return ini_fail(ctx, "frist ska vara ett antal dagar (1–%d) eller \"genast\", inte "
		    "\"%s\"", FRIST_MAX, val);
	e->r.frist = (int)d;
	return 0;
}

static int
on_line(void *arg, struct ini_ctx *ctx, const char *section, const char *key, const char *val)
{
	struct appeal_table *t = arg;
	struct entry *e;
	size_t i;

	if (key == NULL) {
		if (section_done(t, ctx->err, ctx->errlen) == -1)
			return -1;
		if (section[0] == '\0')
			return ini_fail(ctx, "sektionen saknar namn; skriv t.ex. [6 § LVU]");
		for (i = 0; i < t->n; i++)
			if (strcmp(t->v[i].name, section) == 0)
				return ini_fail(ctx, "[%s] står redan på rad %d", section,
				    t->v[i].r.line);
		if (t->n == APPEAL_MAX_RULES)
			return ini_fail(ctx, "fler än %d rader i tabellen", APPEAL_MAX_RULES);
		if (t->n == t->cap) {
			t->cap = t->cap ? t->cap * 2 : 16;
			t->v = xreallocarray(t->v, t->cap, sizeof(*t->v));
		}
		e = &t->v[t->n++];
		memset(e, 0, sizeof(*e));
		e->name = xstrdup(section);
		e->r.line = (int)ctx->lineno;
		e->r.frist = -1;
		return 0;
	}
	e = &t->v[t->n - 1];
#define ONCE(cond)                                                                 \
	do {                                                                       \
		if (cond)                                                          \
			return ini_fail(ctx, "\"%s\" står redan tidigare i [%s]", key, \
			    section);                                              \
	} while (0)
	if (strcmp(key, "lagrum") == 0) {
		ONCE(e->pattern != NULL);
		return compile_pattern(ctx, e, val);
	}
	if (strcmp(key, "kraver") == 0) {
		ONCE(e->has_kraver);
		for (i = 1; i < NROUTES; i++)
			if (strcmp(route_names[i], val) == 0)
				break;
		if (i == NROUTES)
			return ini_fail(ctx, "okänd väg \"%s\" i kraver (känner till "
			    "forvaltningsbesvar, laglighetsprovning, understalls, "
			    "ej-overklagbart)", val);
		e->r.kraver = (enum overklagande)i;
		e->has_kraver = true;
		return 0;
	}
	if (strcmp(key, "lag") == 0) {
		ONCE(e->lag != NULL);
		e->lag = xstrdup(val);
		return 0;
	}
	if (strcmp(key, "frist") == 0) {
		ONCE(e->r.frist >= 0);
		return parse_frist(ctx, e, val);
	}
	if (strcmp(key, "kalla") == 0) {
		ONCE(e->kalla != NULL);
		e->kalla = xstrdup(val);
		return 0;
	}
#undef ONCE
	return ini_fail(ctx, "okänd nyckel \"%s\" i [%s] (känner till lagrum, kraver, lag, "
	    "frist, kalla)", key, section);
}

struct appeal_table *
appeal_load(const char *dir, char *err, size_t errlen)
{
	struct appeal_table *t = xcalloc(1, sizeof(*t));
	char *buf;
	size_t n, i;

	t->path = xasprintf("%s/overklagande.conf", dir);
	if (ini_read_file(t->path, APPEAL_MAX_FILE, &buf, &n, err, errlen) == -1)
		goto fail;
	if (ini_parse(buf, n, t->path, on_line, t, err, errlen) == -1 ||
	    section_done(t, err, errlen) == -1) {
		free(buf);
		goto fail;
	}
	free(buf);
	/* An emptied table would switch the check off without a word. */
	if (t->n == 0) {
		ini_errmsg(err, errlen, "%s: tabellen har inga rader; den som levereras med "
		    "expediera har rader för 6 § LVU, 27 § LVU och 13 § LVM", t->path);
		goto fail;
	}
	for (i = 0; i < t->n; i++) {
		t->v[i].r.name = t->v[i].name;
		t->v[i].r.lag = t->v[i].lag;
		t->v[i].r.kalla = t->v[i].kalla;
	}
	t->md = pcre2_match_data_create(16, NULL);
	t->mc = pcre2_match_context_create(NULL);
	if (t->md == NULL || t->mc == NULL) {
		ini_errmsg(err, errlen, "%s: slut på minne", t->path);
		goto fail;
	}
	pcre2_set_match_limit(t->mc, 100000);
	pcre2_set_depth_limit(t->mc, 1000);
	return t;
fail:
	appeal_free(t);
	return NULL;
}

void
appeal_free(struct appeal_table *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++) {
		free(t->v[i].name);
		free(t->v[i].lag);
		free(t->v[i].kalla);
		free(t->v[i].pattern);
		pcre2_code_free(t->v[i].code);
	}
	free(t->v);
	pcre2_match_data_free(t->md);
	pcre2_match_context_free(t->mc);
	free(t->path);
	free(t);
}

const char *
appeal_path(const struct appeal_table *t)
{
	return t->path;
}

size_t
appeal_count(const struct appeal_table *t)
{
	return t->n;
}

const struct appeal_rule *
appeal_rule_at(const struct appeal_table *t, size_t i)
{
	return i < t->n ? &t->v[i].r : NULL;
}

/*
 * The lagrum as the patterns see it: every run of white space -- the
 * no-break spaces a word processor puts between "6" and "§" among them --
 * one space, none at the ends.  NULL when it is too long to be a lagrum.
 */
static char *
lagrum_normal(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	char *out, *o;
	bool space = false;

	if (strlen(s) > LAGRUM_MAX_LEN)
		return NULL;
	out = o = xmalloc(strlen(s) + 1);
	while (*p != '\0') {
		size_t w = 0;

		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			w = 1;
		else if (p[0] == 0xc2 && p[1] == 0xa0) /* U+00A0 */
			w = 2;
		else if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xaf || /* U+202F */
		    (p[2] >= 0x80 && p[2] <= 0x8a)))  /* U+2000..U+200A */
			w = 3;
		if (w > 0) {
			space = o != out;
			p += w;
			continue;
		}
		if (space)
			*o++ = ' ';
		space = false;
		*o++ = (char)*p++;
	}
	*o = '\0';
	return out;
}

bool
appeal_matches(const struct appeal_table *t, size_t i, const char *lagrum)
{
	char *norm;
	int rc;

	if (i >= t->n || lagrum == NULL || (norm = lagrum_normal(lagrum)) == NULL)
		return false;
	rc = pcre2_match(t->v[i].code, (PCRE2_SPTR)norm, strlen(norm), 0, 0, t->md, t->mc);
	free(norm);
	return rc >= 0;
}
