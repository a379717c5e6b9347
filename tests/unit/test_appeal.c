/*
 * test_appeal.c -- unit tests for pipeline/appeal.c: the shipped appeal
 * table (templates/overklagande.conf) matched against lagrum texts as
 * protocols write them, and broken tables refused with the file and line.
 *
 * Run from the top of the tree (tests/run.sh does).  Prints "FAIL: ..." for
 * each failing case and a summary line; exits 1 when anything failed.
 */
#include <sys/stat.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "appeal.h"
#include "read.h"
#include "validate.h"

static int passed, failed;

static void
check(bool ok, const char *what, const char *detail)
{
	if (ok) {
		passed++;
		return;
	}
	failed++;
	printf("FAIL: %s%s%s\n", what, detail != NULL ? ": " : "", detail != NULL ? detail : "");
}

/* The name of the line lagrum matches, or NULL; "two" when several do. */
static const char *
matched(const struct appeal_table *t, const char *lagrum)
{
	const char *name = NULL;
	size_t i;

	for (i = 0; i < appeal_count(t); i++)
		if (appeal_matches(t, i, lagrum)) {
			if (name != NULL)
				return "two";
			name = appeal_rule_at(t, i)->name;
		}
	return name;
}

static const struct {
	const char *lagrum;
	const char *want; /* the line's name, NULL for none */
} rows[] = {
	{"6 § LVU", "6 § LVU"},
	{"6 § första stycket LVU", "6 § LVU"},
	{"6 § andra stycket LVU", "6 § LVU"},
	{"6 § lagen (1990:52) med särskilda bestämmelser om vård av unga", "6 § LVU"},
	{"6 § lagen (1990:52) med särskilda bestämmelser om vård av unga (LVU)", "6 § LVU"},
	{"6 § lagen (1990:52)", "6 § LVU"},
	{"6\xc2\xa0§\xc2\xa0LVU", "6 § LVU"},          /* no-break spaces, as Word writes */
	{"  6 §   lvu ", "6 § LVU"},                    /* case and white space aside */
	{"6 §\tLVU", "6 § LVU"},
	{"16 § LVU", NULL},
	{"26 § LVU", NULL},
	{"6 kap. 1 § SoL", NULL},
	{"6 kap. 1 § socialtjänstlagen (2025:400)", NULL},
	{"6 § LVM", NULL},
	{"7 § LVU", NULL},
	{"6 § LVUX", NULL},
	{"6 § lagen (1988:870) om vård av missbrukare i vissa fall", NULL},
	{"6 och 7 §§ LVU", NULL},
	{"1 § andra stycket LVU", NULL},
	{"27 § LVU", "27 § LVU"},
	{"27 § första stycket LVU", "27 § LVU"},
	{"127 § LVU", NULL},
	{"24 § LVU", NULL},
	{"28 § LVU", NULL},
	{"13 § LVM", "13 § LVM"},
	{"13 § första stycket LVM", "13 § LVM"},
	{"13 § lagen (1988:870) om vård av missbrukare i vissa fall", "13 § LVM"},
	{"13 § lagen (1988:870) om vård av missbrukare i vissa fall (LVM)", "13 § LVM"},
	{"13 § andra stycket LVU", NULL},
	{"13 § första stycket LVU", NULL},
	{"13 § LVU", NULL},
	{"113 § LVM", NULL},
	{"13 § lagen (1990:52) med särskilda bestämmelser om vård av unga", NULL},
	{"", NULL},
};

static void
shipped(void)
{
	char err[512] = "", big[2048];
	struct appeal_table *t = appeal_load("templates", err, sizeof(err));
	const struct appeal_rule *r;
	size_t i;

	check(t != NULL, "the shipped table loads", err);
	if (t == NULL)
		return;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const char *got = matched(t, rows[i].lagrum);
		char what[300];

		snprintf(what, sizeof(what), "\"%s\" matches %s, want %s", rows[i].lagrum,
		    got != NULL ? got : "nothing", rows[i].want != NULL ? rows[i].want : "nothing");
		check(got == rows[i].want || (got != NULL && rows[i].want != NULL &&
		    strcmp(got, rows[i].want) == 0), what, NULL);
	}
	/* A lagrum longer than one can be is no match, not a long match. */
	memset(big, ' ', sizeof(big));
	memcpy(big + sizeof(big) - sizeof("6 § LVU"), "6 § LVU", sizeof("6 § LVU"));
	check(matched(t, big) == NULL, "a 2 KiB lagrum matches nothing", NULL);

	/* What the letters take from the lines (SPEC 2.1). */
	for (i = 0; i < appeal_count(t); i++) {
		r = appeal_rule_at(t, i);
		check(r->kraver == OVERKLAGANDE_UNDERSTALLS, r->name, "requires understalls");
		check(r->kalla != NULL && strlen(r->kalla) > 20, r->name, "names its source");
		if (strcmp(r->name, "6 § LVU") == 0)
			check(strcmp(r->lag, "7 § LVU") == 0 && r->frist == 7, r->name,
			    "7 § LVU, within 7 days");
		else if (strcmp(r->name, "27 § LVU") == 0)
			check(strcmp(r->lag, "28 § LVU") == 0 && r->frist == 7, r->name,
			    "28 § LVU, within 7 days");
		else if (strcmp(r->name, "13 § LVM") == 0)
			check(strcmp(r->lag, "15 § LVM") == 0 && r->frist == 0, r->name,
			    "15 § LVM, genast (0)");
		else
			check(false, r->name, "a line this test does not know");
	}
	check(appeal_count(t) == 3, "the shipped table has three lines", NULL);
	check(strcmp(overklagande_name(OVERKLAGANDE_UNDERSTALLS), "understalls") == 0 &&
	    strcmp(overklagande_name(OVERKLAGANDE_EJ_OVERKLAGBART), "ej-overklagbart") == 0,
	    "route names as in the XML", NULL);
	appeal_free(t);
}

static const char ok_line[] =
    "[6 § LVU]\n"
    "lagrum = ^6 § LVU$\n"
    "kraver = understalls\n"
    "lag = 7 § LVU\n"
    "frist = 7\n"
    "kalla = 7 § LVU\n";

/* A table that must be refused, with a message naming want and the line. */
static const struct {
	const char *what;
	const char *text;
	int line;          /* in the message: "overklagande.conf:LINE:"; 0 none */
	const char *want;  /* in the message */
} bad[] = {
	{"a pattern that does not compile",
	    "[6 § LVU]\nlagrum = ^6 §( LVU$\nkraver = understalls\nlag = 7 § LVU\nfrist = 7\n"
	    "kalla = x\n", 2, "ogiltigt lagrum-mönster"},
	{"a pattern without ^", "[6 § LVU]\nlagrum = 6 § LVU$\n", 2, "börja med ^"},
	{"a pattern without $", "[6 § LVU]\nlagrum = ^6 § LVU\n", 2, "sluta med $"},
	{"an unknown route",
	    "[6 § LVU]\nlagrum = ^6 § LVU$\nkraver = overklagbar\n", 3, "okänd väg \"overklagbar\""},
	{"a line without its statute",
	    "[6 § LVU]\nlagrum = ^6 § LVU$\nkraver = understalls\nfrist = 7\nkalla = x\n", 1,
	    "saknar lag"},
	{"a line without its source",
	    "[6 § LVU]\nlagrum = ^6 § LVU$\nkraver = understalls\nlag = 7 § LVU\nfrist = 7\n", 1,
	    "saknar kalla"},
	{"an underställning without its deadline",
	    "[6 § LVU]\nlagrum = ^6 § LVU$\nkraver = understalls\nlag = 7 § LVU\nkalla = x\n", 1,
	    "saknar frist"},
	{"a line without its pattern",
	    "# x\n[6 § LVU]\nkraver = understalls\nlag = 7 § LVU\nfrist = 7\nkalla = x\n", 2,
	    "saknar lagrum"},
	{"a line without its route",
	    "[6 § LVU]\nlagrum = ^6 § LVU$\nlag = 7 § LVU\nkalla = x\n", 1, "saknar kraver"},
	{"a deadline on an appealable route",
	    "[x]\nlagrum = ^x$\nkraver = forvaltningsbesvar\nlag = x\nfrist = 21\nkalla = x\n", 1,
	    "bara en underställning"},
	{"a deadline that is no number",
	    "[6 § LVU]\nlagrum = ^6 § LVU$\nkraver = understalls\nlag = 7 § LVU\nfrist = sju\n",
	    5, "frist ska vara"},
	{"a deadline of 0 days (genast is the word)",
	    "[6 § LVU]\nlagrum = ^6 § LVU$\nkraver = understalls\nlag = 7 § LVU\nfrist = 0\n",
	    5, "frist ska vara"},
	{"an unknown key", "[6 § LVU]\nlagrum = ^6 § LVU$\nkälla = x\n", 3, "okänd nyckel"},
	{"a key twice", "[6 § LVU]\nlag = a\nlag = b\n", 3, "står redan"},
	{"the second line incomplete",
	    "[6 § LVU]\nlagrum = ^6 § LVU$\nkraver = understalls\nlag = 7 § LVU\nfrist = 7\n"
	    "kalla = x\n\n[13 § LVM]\nlagrum = ^13 § LVM$\nkraver = understalls\nlag = 15 § LVM\n"
	    "frist = genast\n", 8, "[13 § LVM] saknar kalla"},
	{"the same line twice",
	    "[6 § LVU]\nlagrum = ^6 § LVU$\nkraver = understalls\nlag = 7 § LVU\nfrist = 7\n"
	    "kalla = x\n[6 § LVU]\n", 7, "står redan på rad 1"},
	{"an empty table", "# nothing\n", 0, "inga rader"},
	{"a key outside any line", "lag = 7 § LVU\n", 1, "utanför sektion"},
};

static void
write_table(const char *dir, const char *text)
{
	char path[600];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/overklagande.conf", dir);
	if ((fp = fopen(path, "w")) == NULL) {
		perror(path);
		exit(1);
	}
	fputs(text, fp);
	fclose(fp);
}

static void
refused(const char *dir)
{
	char err[512], want[64], path[600];
	struct appeal_table *t;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_table(dir, bad[i].text);
		err[0] = '\0';
		t = appeal_load(dir, err, sizeof(err));
		check(t == NULL, bad[i].what, "was not refused");
		appeal_free(t);
		check(strstr(err, bad[i].want) != NULL, bad[i].what, err);
		if (bad[i].line > 0)
			snprintf(want, sizeof(want), "overklagande.conf:%d: ", bad[i].line);
		else
			snprintf(want, sizeof(want), "overklagande.conf: ");
		check(strstr(err, want) != NULL, bad[i].what, err);
	}

	/* The good line alone loads, genast is 0 days, and the pattern is caseless. */
	write_table(dir, ok_line);
	t = appeal_load(dir, err, sizeof(err));
	check(t != NULL && appeal_count(t) == 1 && appeal_rule_at(t, 0)->frist == 7,
	    "one good line loads", t == NULL ? err : NULL);
	check(t != NULL && appeal_matches(t, 0, "6 § lvu"), "caseless", NULL);
	appeal_free(t);
	write_table(dir, "[13 § LVM]\nlagrum = ^13 § LVM$\nkraver = understalls\n"
	    "lag = 15 § LVM\nfrist = genast\nkalla = 15 § LVM\n");
	t = appeal_load(dir, err, sizeof(err));
	check(t != NULL && appeal_rule_at(t, 0)->frist == 0, "genast is 0 days",
	    t == NULL ? err : NULL);
	appeal_free(t);
	write_table(dir, "[x]\nlagrum = ^x$\nkraver = ej-overklagbart\nlag = x\nkalla = y\n");
	t = appeal_load(dir, err, sizeof(err));
	check(t != NULL && appeal_rule_at(t, 0)->frist == -1 &&
	    appeal_rule_at(t, 0)->kraver == OVERKLAGANDE_EJ_OVERKLAGBART,
	    "another route has no deadline", t == NULL ? err : NULL);
	appeal_free(t);

	/* No table at all is refused, naming the file. */
	snprintf(path, sizeof(path), "%s/overklagande.conf", dir);
	unlink(path);
	t = appeal_load(dir, err, sizeof(err));
	check(t == NULL && strstr(err, "overklagande.conf: kan inte läsa") != NULL,
	    "a missing table", err);
	appeal_free(t);
}

/*
 * A package through read and validate with the shipped table: what the
 * letters learn of an underställning (paragraf.understalls_lag and
 * understalls_dagar), for each line of law, and nothing for a paragraph no
 * line requires it of.  sed-like: lagrum and typ of the golden package
 * valid-understalls replaced in memory.
 */
static void
understalls(const char *lagrum, const char *typ, const char *want_lag, int want_dagar,
    size_t want_errors)
{
	char err[512], *prot = NULL, *fbx = NULL, *p, what[200];
	struct appeal_table *t = appeal_load("templates", err, sizeof(err));
	struct validate_conf conf;
	struct session s;
	size_t n;
	FILE *fp;

	snprintf(what, sizeof(what), "%s, typ=%s", lagrum, typ);
	if (t == NULL) {
		check(false, what, err);
		return;
	}
	/* Read the golden package's two files. */
	if ((fp = fopen("tests/check/valid-understalls/session/protokoll.xml", "r")) != NULL) {
		prot = calloc(1, 1 << 16);
		n = fread(prot, 1, (1 << 16) - 1, fp);
		prot[n] = '\0';
		fclose(fp);
	}
	if ((fp = fopen("tests/check/valid-understalls/session/forsattsblad/a.xml", "r")) != NULL) {
		fbx = calloc(1, 1 << 16);
		n = fread(fbx, 1, (1 << 16) - 1, fp);
		fbx[n] = '\0';
		fclose(fp);
	}
	if (prot == NULL || fbx == NULL || (p = strstr(prot, "<lagrum>6 § LVU</lagrum>")) == NULL) {
		check(false, what, "tests/check/valid-understalls cannot be read");
		goto out;
	}
	{
		char *buf = malloc(strlen(prot) + 400), *q;
		const char *tail = p + strlen("<lagrum>6 § LVU</lagrum>");

		memcpy(buf, prot, (size_t)(p - prot));
		snprintf(buf + (p - prot), strlen(prot) + 400 - (size_t)(p - prot),
		    "<lagrum>%s</lagrum>%s", lagrum, tail);
		if ((q = strstr(buf, "typ=\"understalls\"")) != NULL) {
			char *rest = strdup(q + strlen("typ=\"understalls\""));

			snprintf(q, strlen(prot) + 400 - (size_t)(q - buf), "typ=\"%s\"%s", typ, rest);
			free(rest);
		}
		free(prot);
		prot = buf;
	}
	session_init(&s, "mem");
	read_protokoll_buf(&s, prot, strlen(prot));
	read_forsattsblad_buf(&s, "forsattsblad/a.xml", fbx, strlen(fbx));
	memset(&conf, 0, sizeof(conf));
	conf.appeal = t;
	validate_session(&s, &conf);
	if (s.protokoll.n_paragrafer != 1) {
		check(false, what, "the package did not read");
	} else {
		const struct paragraf *pg = &s.protokoll.paragrafer[0];

		check(want_lag == NULL ? pg->understalls_lag == NULL :
		    pg->understalls_lag != NULL && strcmp(pg->understalls_lag, want_lag) == 0,
		    what, pg->understalls_lag != NULL ? pg->understalls_lag : "(NULL)");
		check(pg->understalls_dagar == want_dagar, what, "understalls_dagar");
		check(s.diag.errors == want_errors, what, "errors");
	}
	session_free(&s);
out:
	free(prot);
	free(fbx);
	appeal_free(t);
}

int
main(void)
{
	char dir[] = "/tmp/test_appeal.XXXXXX", err[512];

	shipped();
	if (read_init(err, sizeof(err)) == -1) {
		printf("FAIL: read_init: %s\n", err);
		return 1;
	}
	understalls("6 § LVU", "understalls", "7 § LVU", 7, 0);
	understalls("6 § första stycket lagen (1990:52) med särskilda bestämmelser om vård av "
	    "unga (LVU)", "understalls", "7 § LVU", 7, 0);
	understalls("27 § LVU", "understalls", "28 § LVU", 7, 0);
	understalls("13 § LVM", "understalls", "15 § LVM", 0, 0);
	/* The nämnd chose the route itself: no statute, no deadline known. */
	understalls("11 § LVU", "understalls", NULL, -1, 0);
	/* A mismatch stops the paragraph and teaches it nothing. */
	understalls("6 § LVU", "forvaltningsbesvar", NULL, -1, 1);
	understalls("6 § LVU", "ej-overklagbart", NULL, -1, 1);
	understalls("13 § LVM", "laglighetsprovning", NULL, -1, 1);
	understalls("13 § andra stycket LVU", "forvaltningsbesvar", NULL, -1, 0);
	read_cleanup();
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	refused(dir);
	rmdir(dir);
	printf("test_appeal: %d passed, %d failed\n", passed, failed);
	return failed > 0;
}
