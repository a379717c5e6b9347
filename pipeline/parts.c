/*
 * parts.c -- a session package a part at a time; see parts.h.
 *
 * Reads: the package through read.c (protokoll.xml streamed, each
 * försättsblad file when a part needs it, and once more, briefly, for its
 * dnr when the package is large; then in full, before the first part, the
 * few that mention skyddad-identitet, for who is protected).
 * Writes: parts (struct session) for the caller, findings into the base.
 * Threads: a large package's försättsblad are read in a second thread while
 * the next part of protokoll.xml is parsed; parts reach the caller in order,
 * from this thread.
 * Trusts: read.c and validate.c for everything about content.
 */
#include <pthread.h>
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
	const struct validate_conf *conf;
	part_fn fn;
	void *arg;
	struct parts_totals tot;
	struct fb_names names;
	struct fb_dnr *idx;
	size_t nidx;
	bool *joined;           /* per file: a part has read it */
	bool multi;
	struct skyddade skyddade;       /* protected personnummer of the whole package */
};

static int
cmp_fb_dnr(const void *a, const void *b)
{
	const struct fb_dnr *x = a, *y = b;
	int c = strcmp(x->dnr, y->dnr);

	return c != 0 ? c : (x->file > y->file) - (x->file < y->file);
}

static int
cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Who has skyddad identitet anywhere in the package, before any part is
 * validated: rule protected-identity-exposed spans the whole session, and a
 * part is handed on as soon as it is validated, so the set must be complete
 * before the first part, and the protection may well be in a later part than
 * the address (validate.c says more).  Only the sheets that mention
 * skyddad-identitet are read in full here, one at a time; their findings are
 * the part's to report, so they are dropped with the sheet, and only the
 * numbers stay.
 */
static void
collect_skyddade(struct parts *ps, size_t i)
{
	struct session tmp;

	session_init(&tmp, ps->base->dir);
	read_forsattsblad_file(&tmp, &ps->names, i);
	if (tmp.n_fb > 0)
		skyddade_add(&ps->skyddade, &tmp.fb[tmp.n_fb - 1]);
	session_free(&tmp);
}

static void
build_index(struct parts *ps)
{
	size_t i;

	ps->idx = xreallocarray(NULL, ps->names.n + 1, sizeof(*ps->idx));
	ps->joined = xcalloc(ps->names.n + 1, sizeof(*ps->joined));
	for (i = 0; i < ps->names.n; i++) {
		bool skyddad;
		char *d = read_forsattsblad_dnr(&ps->names, i, &skyddad);

		if (skyddad)
			collect_skyddade(ps, i);
		if (d == NULL)
			continue;
		ps->idx[ps->nidx].dnr = d;
		ps->idx[ps->nidx++].file = i;
	}
	if (ps->nidx > 1)
		qsort(ps->idx, ps->nidx, sizeof(*ps->idx), cmp_fb_dnr);
	skyddade_done(&ps->skyddade);
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

	/* One part is the whole package and knows its protected people itself. */
	if (ps->multi)
		validate_part(part, ps->conf, &ps->skyddade);
	else
		validate_session(part, ps->conf);
	ps->tot.parts++;
	if (ps->fn != NULL)
		rc = ps->fn(ps->arg, part);
	diag_append(&ps->base->diag, &part->diag);
	session_free(part);
	return rc;
}

/*
 * The försättsblad of one part, read in a thread of their own while the next
 * part's paragraphs are parsed: the two halves of the work take about as
 * long, and a machine has two cores.  The sheets go into a session of the
 * job's own, moved into the part when it is done.
 */
struct fb_job {
	const struct fb_names *names;
	size_t *files;          /* in file order */
	bool *first;            /* no part read it before: its recipients count */
	size_t n;
	struct session s;
	pthread_t th;
	bool running;
};

static void
job_read(struct fb_job *j)
{
	size_t i;

	for (i = 0; i < j->n; i++)
		read_forsattsblad_file(&j->s, j->names, j->files[i]);
}

static void *
job_thread(void *arg)
{
	job_read(arg);
	read_thread_done();
	return NULL;
}

/* The sheets a part's paragraphs may join, in file order, read by a job. */
static void
job_start(struct parts *ps, const struct session *part, struct fb_job *j)
{
	size_t *files = NULL, nf = 0, cap = 0, i, k, o;

	memset(j, 0, sizeof(*j));
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
	j->first = xcalloc(nf + 1, sizeof(*j->first));
	for (i = 0, o = 0; i < nf; i++) {
		if (o > 0 && files[i] == files[o - 1])
			continue;
		j->first[o] = !ps->joined[files[i]];
		ps->joined[files[i]] = true;
		files[o++] = files[i];
	}
	j->names = &ps->names;
	j->files = files;
	j->n = o;
	session_init(&j->s, part->dir);
	j->running = j->n > 0 && pthread_create(&j->th, NULL, job_thread, j) == 0;
}

/* Waits for the job and moves its sheets, findings and memory into the part. */
static void
job_finish(struct parts *ps, struct fb_job *j, struct session *part)
{
	size_t i;

	if (j->running)
		pthread_join(j->th, NULL);
	else
		job_read(j);
	for (i = 0; i < j->s.n_fb; i++) {
		if (part->n_fb == part->cap_fb) {
			part->cap_fb = part->cap_fb ? 2 * part->cap_fb : 64;
			part->fb = xreallocarray(part->fb, part->cap_fb, sizeof(*part->fb));
		}
		part->fb[part->n_fb++] = j->s.fb[i];
		if (j->first[i])
			ps->tot.mottagare += j->s.fb[i].n_mottagare;
	}
	arena_adopt(&part->arena, &j->s.arena);
	diag_append(&part->diag, &j->s.diag);
	session_free(&j->s);
	free(j->files);
	free(j->first);
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
	case RULE_GUARDIAN_NOT_NOTIFIED:
	case RULE_SUBJECT_NOT_NOTIFIED:
	case RULE_UNKNOWN_INTERNAL_RECIPIENT:
	case RULE_REASONS_MISSING:
	case RULE_DNR_FORMAT:
	case RULE_APPEAL_ROUTE_MISMATCH:
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
parts_read(struct session *base, const struct validate_conf *conf, size_t per, part_fn fn,
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
	ps.conf = conf;
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
		struct session next;
		struct fb_job job;
		bool next_more = false, have_next = false;

		if (!more) {
			/* The last part: now the whole file is known. */
			read_protokoll_close(r);
			r = NULL;
		}
		take_head(&part, base);
		part.protokoll_valid = r != NULL || base->protokoll_valid;
		ps.tot.paragrafer += part.protokoll.n_paragrafer;
		job_start(&ps, &part, &job);
		if (more) {
			session_init(&next, base->dir);
			next_more = read_protokoll_more(r, &next, per);
			have_next = true;
		}
		job_finish(&ps, &job, &part);
		if ((rc = finish_part(&ps, &part)) == -1 || !have_next) {
			if (have_next)
				session_free(&next);
			break;
		}
		part = next;
		more = next_more;
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
	skyddade_free(&ps.skyddade);
	read_forsattsblad_names_free(&ps.names);
	close(dfd);
	if (tot != NULL)
		*tot = ps.tot;
	return rc;
}
