/*
 * parts.c -- a session package a part at a time; see parts.h.
 *
 * Reads: the package through read.c (protokoll.xml streamed, each
 * försättsblad file when a part needs it, and once more, briefly, for its
 * dnr when the package is large).
 * Writes: parts (struct session) for the caller, findings into the base.
 * Trusts: read.c and validate.c for everything about content.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parts.h"
#include "read.h"
#include "validate.h"
#include "xmalloc.h"

/* Which försättsblad file has which dnr, sorted by dnr then file. */
struct fb_dnr {
	char *dnr;
	size_t file;
};

struct parts {
	struct session *base;
	const struct dnr_pattern *dnr;
	part_fn fn;
	void *arg;
	struct parts_totals tot;
	struct fb_names names;
	struct fb_dnr *idx;
	size_t nidx;
	bool *joined;           /* per file: a part has read it */
	bool multi;
};

static int
cmp_fb_dnr(const void *a, const void *b)
{
	const struct fb_dnr *x = a, *y = b;
	int c = strcmp(x->dnr, y->dnr);

	if (c != 0)
		return c;
	return x->file < y->file ? -1 : x->file > y->file;
}

static int
cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

static void
build_index(struct parts *ps)
{
	size_t i;

	ps->idx = xreallocarray(NULL, ps->names.n + 1, sizeof(*ps->idx));
	ps->joined = xcalloc(ps->names.n + 1, sizeof(*ps->joined));
	for (i = 0; i < ps->names.n; i++) {
		char *d = read_forsattsblad_dnr(&ps->names, i);

		if (d == NULL)
			continue;
		ps->idx[ps->nidx].dnr = d;
		ps->idx[ps->nidx++].file = i;
	}
	if (ps->nidx > 1)
		qsort(ps->idx, ps->nidx, sizeof(*ps->idx), cmp_fb_dnr);
}

/* The part gets the protocol's head, which the reader keeps in the base. */
static void
take_head(struct session *part, const struct session *base)
{
	struct paragraf *v = part->protokoll.paragrafer;
	size_t n = part->protokoll.n_paragrafer;

	part->protokoll = base->protokoll;
	part->protokoll.paragrafer = v;
	part->protokoll.n_paragrafer = n;
}

/* Validates the part, hands it on, keeps its findings; 0 or -1 (fn stopped). */
static int
finish_part(struct parts *ps, struct session *part)
{
	int rc = 0;

	validate_session(part, ps->dnr);
	ps->tot.parts++;
	if (ps->fn != NULL)
		rc = ps->fn(ps->arg, part);
	diag_append(&ps->base->diag, &part->diag);
	session_free(part);
	return rc;
}

/* Reads the försättsblad a part's paragraphs may join, in file order. */
static void
read_joined(struct parts *ps, struct session *part)
{
	size_t *files = NULL, nf = 0, cap = 0, i, k;

	for (i = 0; i < part->protokoll.n_paragrafer; i++) {
		const char *d = part->protokoll.paragrafer[i].dnr;
		size_t lo = 0, hi = ps->nidx;

		if (d == NULL)
			continue;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (strcmp(ps->idx[mid].dnr, d) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (k = lo; k < ps->nidx && strcmp(ps->idx[k].dnr, d) == 0; k++) {
			if (nf == cap) {
				cap = cap ? 2 * cap : 16;
				files = xreallocarray(files, cap, sizeof(*files));
			}
			files[nf++] = ps->idx[k].file;
		}
	}
	if (nf > 1)
		qsort(files, nf, sizeof(*files), cmp_size);
	for (i = 0; i < nf; i++) {
		if (i > 0 && files[i] == files[i - 1])
			continue;
		read_forsattsblad_file(part, &ps->names, files[i]);
		if (!ps->joined[files[i]]) {
			ps->joined[files[i]] = true;
			ps->tot.mottagare += part->fb[part->n_fb - 1].n_mottagare;
		}
	}
	free(files);
}

/*
 * A whole read never makes these findings about an invalid protocol; a part
 * read before its end was known did.
 */
static bool
keep_if_protocol_invalid(const struct finding *f, const struct finding *kept, size_t nkept,
    void *arg)
{
	(void)kept;
	(void)nkept;
	(void)arg;
	switch (f->rule) {
	case RULE_MISSING_COVER_SHEET:
	case RULE_DUPLICATE_COVER_SHEET:
	case RULE_ORPHAN_COVER_SHEET:
	case RULE_SUBJECT_MISMATCH:
	case RULE_GUARDIAN_MISSING:
	case RULE_MINOR_RECIPIENT:
	case RULE_NOT_ADJUSTED:
	case RULE_REASONS_MISSING:
	case RULE_DNR_FORMAT:
		return false;
	case RULE_INVALID_PERSONNUMMER:
		return strcmp(f->file, "protokoll.xml") != 0;
	default:
		return true;
	}
}

/*
 * A försättsblad read by two parts is reported once (sorted findings: the
 * same sheet and line are next to each other, but for other findings there).
 * Its paragraph may differ between the parts, and so may the § a
 * duplicate-cover-sheet message names: the first stays.
 */
static bool
keep_once(const struct finding *f, const struct finding *kept, size_t nkept, void *arg)
{
	size_t i;

	(void)arg;
	if (strcmp(f->file, "protokoll.xml") == 0)
		return true;
	for (i = nkept; i > 0; i--) {
		const struct finding *k = &kept[i - 1];

		if (k->line != f->line || strcmp(k->file, f->file) != 0)
			break;
		if (k->rule == f->rule && (f->rule == RULE_DUPLICATE_COVER_SHEET ||
		    strcmp(k->message, f->message) == 0))
			return false;
	}
	return true;
}

static size_t
part_size(size_t per)
{
	const char *env = getenv("EXPEDIERA_PART");

	if (per == 0 && env != NULL && env[0] != '\0') {
		char *end;
		unsigned long v = strtoul(env, &end, 10);

		if (*end == '\0' && v > 0)
			per = v;
	}
	return per == 0 ? PARTS_DEFAULT : per;
}

int
parts_read(struct session *base, const struct dnr_pattern *dnr, size_t per, part_fn fn,
    void *arg, struct parts_totals *tot, char *err, size_t errlen)
{
	struct protokoll_reader *r;
	struct parts ps;
	struct session part;
	size_t i;
	bool more;
	int dfd, rc = 0;

	err[0] = '\0';
	per = part_size(per);
	memset(&ps, 0, sizeof(ps));
	ps.base = base;
	ps.dnr = dnr;
	ps.fn = fn;
	ps.arg = arg;
	if (read_open(base->dir, &dfd, err, errlen) == -1)
		return -1;
	r = read_protokoll_open(base, dfd);
	if (read_forsattsblad_names(base->dir, dfd, &ps.names, err, errlen) == -1) {
		read_protokoll_close(r);
		close(dfd);
		return -1;
	}
	ps.tot.forsattsblad = ps.names.n;
	session_init(&part, base->dir);
	more = read_protokoll_more(r, &part, per);
	if (!more) {
		/* One part: everything, as a whole read has it. */
		read_protokoll_close(r);
		r = NULL;
		if (base->protokoll_valid) {
			take_head(&part, base);
			part.protokoll_valid = true;
		} else {
			free(part.protokoll.paragrafer);
			memset(&part.protokoll, 0, sizeof(part.protokoll));
		}
		ps.tot.paragrafer = part.protokoll.n_paragrafer;
		for (i = 0; i < ps.names.n; i++) {
			read_forsattsblad_file(&part, &ps.names, i);
			ps.tot.mottagare += part.fb[part.n_fb - 1].n_mottagare;
		}
		rc = finish_part(&ps, &part);
		goto out;
	}

	ps.multi = true;
	build_index(&ps);
	for (;;) {
		if (!more) {
			/* The last part: now the whole file is known. */
			read_protokoll_close(r);
			r = NULL;
		}
		take_head(&part, base);
		part.protokoll_valid = r != NULL || base->protokoll_valid;
		ps.tot.paragrafer += part.protokoll.n_paragrafer;
		read_joined(&ps, &part);
		if ((rc = finish_part(&ps, &part)) == -1 || !more)
			break;
		session_init(&part, base->dir);
		more = read_protokoll_more(r, &part, per);
	}
	/* Then the försättsblad no paragraph asked for, per at a time. */
	for (i = 0; rc == 0 && i < ps.names.n;) {
		session_init(&part, base->dir);
		take_head(&part, base);
		part.protokoll_valid = base->protokoll_valid;
		for (; i < ps.names.n && part.n_fb < per; i++) {
			if (ps.joined[i])
				continue;
			read_forsattsblad_file(&part, &ps.names, i);
			ps.tot.mottagare += part.fb[part.n_fb - 1].n_mottagare;
		}
		if (part.n_fb == 0) {
			session_free(&part);
			break;
		}
		rc = finish_part(&ps, &part);
	}
	if (!base->protokoll_valid) {
		diag_filter(&base->diag, keep_if_protocol_invalid, NULL);
		ps.tot.paragrafer = 0;
	}
	diag_sort(&base->diag);
	diag_filter(&base->diag, keep_once, NULL);
out:
	if (r != NULL)
		read_protokoll_close(r);
	diag_sort(&base->diag);
	for (i = 0; i < ps.nidx; i++)
		free(ps.idx[i].dnr);
	free(ps.idx);
	free(ps.joined);
	read_forsattsblad_names_free(&ps.names);
	close(dfd);
	if (tot != NULL)
		*tot = ps.tot;
	return rc;
}
