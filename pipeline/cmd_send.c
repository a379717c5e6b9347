/*
 * cmd_send.c -- send (and its dry run, which only shows where each
 * försändelse would go and why) and rattelse, which sends one corrected
 * paragraph again; send_for_real is watch's too.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>

#include "cmd.h"
#include "deliver_mm.h"
#include "file.h"
#include "json.h"
#include "mm.h"
#include "route.h"
#include "xmalloc.h"

/*
 * s in a column width characters wide (UTF-8: "Handläggare" is 11, not 12),
 * then a space: padded when shorter, cut with "…" when longer, so that the
 * columns after it stay where they are.
 */
static void
column(FILE *fp, const char *s, size_t width)
{
	size_t n = 0, i;

	for (i = 0; s[i] != '\0'; i++) {
		if (((unsigned char)s[i] & 0xc0) == 0x80)
			continue;
		if (n == width - 1) {
			size_t j, rest = 0;

			for (j = i; s[j] != '\0'; j++)
				rest += ((unsigned char)s[j] & 0xc0) != 0x80;
			if (rest > 1) {
				fputs("…", fp);
				n++;
				goto pad;
			}
		}
		n++;
		fputc(s[i], fp);
		while (((unsigned char)s[i + 1] & 0xc0) == 0x80)
			fputc(s[++i], fp);
	}
pad:
	for (; n < width; n++)
		fputc(' ', fp);
	fputc(' ', fp);
}

/* ", volym 1 av 3 (manifestet listar alla)" after a batch cut into volumes, else "". */
static const char *
volumes(size_t n)
{
	static char buf[64];

	if (n <= 1)
		return "";
	snprintf(buf, sizeof(buf), " – volym 1 av %zu (manifestet listar alla)", n);
	return buf;
}

/* The recipient column of a route: masked number and name, or the internal name. */
static void
print_route_text(const struct routed *r, FILE *fp)
{
	char masked[14];

	fprintf(fp, "§ %-5lu ", r->p->nr);
	if (r->internal != NULL) {
		column(fp, r->internal, 34);
		column(fp, route_labels[r->route], 32);
		fprintf(fp, "%s\n", r->reason);
		return;
	}
	if (r->m->pnr.ok)
		pnr_mask(r->m->pnr.pnr.digits, masked);
	else
		snprintf(masked, sizeof(masked), "%s", r->m->orgnr_ok ? r->m->orgnr : "-");
	column(fp, masked, 18);
	column(fp, roll_labels[r->m->roll], 15);
	column(fp, route_labels[r->route], 32);
	fprintf(fp, "%s (%s)\n", r->reason, r->m->namn);
}

/*
 * Whether the log says the försändelse of r already went out: when (local
 * time) and which way, in *when and *route; 0 when not, -1 on a log error.
 */
static int
already_sent(struct audit *a, const struct session *s, const struct routed *r, char when[20],
    char route[24])
{
	struct rec_keys k;
	struct rec_item ri;
	int rc;

	if (a == NULL)
		return 0;
	if (record_keys(a, s, r->p, r->m, r->internal, &k) == -1 ||
	    record_item(a, r->m, &k, &ri) == -1)
		return -1;
	rc = record_sent(a, ri.key, when, route, NULL);
	record_item_free(&ri);
	return rc;
}

static void
print_route_json(const struct routed *r, FILE *fp)
{
	fprintf(fp, "{\"paragraf\": %lu, \"mottagare\": ", r->p->nr);
	json_string(fp, r->internal != NULL ? r->internal : r->id[0] != '\0' ? r->id : r->m->namn);
	fputs(", \"roll\": ", fp);
	json_string(fp, r->internal != NULL ? "intern" : roll_names[r->m->roll]);
	fputs(", \"route\": ", fp);
	json_string(fp, route_names[r->route]);
	fputs(", \"reason\": ", fp);
	json_string(fp, r->reason);
}

/* With a [mailbox], the mailbox client (NULL without); *rc is set on failure. */
static struct mailbox *
open_mailbox(struct run *r, int *rc)
{
	char err[512];
	struct mailbox *mb;

	*rc = 0;
	if (!r->cfg.has_mailbox)
		return NULL;
	if ((mb = mailbox_new(&r->cfg, err, sizeof(err))) == NULL) {
		fprintf(stderr, "expediera: %s\n", err);
		*rc = EXIT_USAGE;
	}
	return mb;
}

/*
 * Asks the address register about everyone of a part who could go digital:
 * adults and organisations with a number, in paragraphs without errors,
 * sent by the nämndsekreterare, not by post.  -1 when the fault is ours
 * (certificates): then nothing may be sent.  A part is asked before anything
 * of it is sent.
 */
static int
ask_mailbox(struct mailbox *mb, const struct session *s)
{
	const char **ids;
	size_t n = 0, cap = 64, i, j, k;
	int rc = 0;

	if (mb == NULL)
		return 0;
	ids = xreallocarray(NULL, cap, sizeof(*ids));
	for (i = 0; i < s->protokoll.n_paragrafer; i++) {
		const struct paragraf *p = &s->protokoll.paragrafer[i];

		if (p->blocked || p->waiting || p->fb == NULL || p->fb->avsandare != NULL)
			continue;
		for (j = 0; j < p->fb->n_mottagare; j++) {
			const struct mottagare *m = &p->fb->mottagare[j];
			const char *id = m->pnr.ok ? m->pnr.pnr.digits : m->orgnr_ok ? m->orgnr : NULL;

			if (id == NULL || m->kanal == KANAL_POST || m->kanal == KANAL_REKOMMENDERAT ||
			    (m->pnr.ok && age_on(&m->pnr.pnr.birth,
				&s->protokoll.sammantradesdatum) < 18))
				continue;
			for (k = 0; k < n && strcmp(ids[k], id) != 0; k++)
				;
			if (k < n)
				continue;
			if (n == cap) {
				cap *= 2;
				ids = xreallocarray(ids, cap, sizeof(*ids));
			}
			ids[n++] = id;
		}
	}
	if (mailbox_ask(mb, ids, n, stderr) == -1) {
		fputs("expediera: inget skickades: rätta [mailbox] och kör igen\n", stderr);
		rc = -1;
	}
	free(ids);
	return rc;
}

/* Opens the audit database, creating its directory. */
static struct audit *
open_audit(const struct config *cfg)
{
	char err[512], *dir = xstrdup(cfg->audit_database), *slash = strrchr(dir, '/');
	struct audit *a;

	if (slash != NULL && slash != dir && !audit_exists(cfg->audit_database)) {
		*slash = '\0';
		if (file_mkdirs(dir) == -1)
			fprintf(stderr, "expediera: kan inte skapa %s: %s\n", dir, strerror(errno));
	}
	free(dir);
	if ((a = audit_open(cfg->audit_database, err, sizeof(err))) == NULL)
		fprintf(stderr, "expediera: %s\n", err);
	else
		audit_set_lease(a, config_audit_lease(cfg));
	return a;
}

/* One part of a real send: ask, route, deliver. */
struct send_pass {
	const struct options *o;
	struct audit *a;
	struct render *rd;
	struct mailbox *mb;
	struct delivery *dv;
	bool refused;          /* the mailbox certificates are wrong */
	bool rattelse_done;    /* rattelse: the paragraph was found and recorded */
	bool rattelse_failed;
};

/*
 * rattelse: only the corrected paragraph goes, and before it goes the log
 * records the rättelse (record_rattelse), so that its försändelser are new
 * ones, marked, and what went before is replaced.  Only the recipients the
 * rättelse covers go: those whose försändelse changed, or every one when
 * the decision's text was corrected.  0 goes on, -1 stops.
 */
static int
rattelse_part(struct send_pass *sp, struct session *part, struct routed *routes, size_t *n)
{
	const struct paragraf *p = NULL;
	struct rec_rattelse rr;
	char err[512];
	size_t i, o;
	int c;

	for (i = 0; i < part->protokoll.n_paragrafer; i++)
		if (part->protokoll.paragrafer[i].nr == sp->o->paragraf)
			p = &part->protokoll.paragrafer[i];
	for (i = o = 0; i < *n; i++)
		if (routes[i].p->nr == sp->o->paragraf)
			routes[o++] = routes[i];
	*n = o;
	if (p == NULL || sp->rattelse_done)
		return 0;
	sp->rattelse_done = true;
	if (p->blocked || p->waiting) {
		fprintf(stderr, "expediera: § %lu %s; ingen rättelse skickades\n", p->nr,
		    p->waiting ? "väntar på justering" : "har fel som måste rättas först");
		goto fail;
	}
	memset(&rr, 0, sizeof(rr));
	rr.orsak = sp->o->orsak;
	rr.till_mottagaren = sp->o->till_mottagaren;
	rr.fel_mottagare = sp->o->fel_mottagare;
	rr.beslutet_rattat = sp->o->beslutet_rattat;
	if (record_rattelse(sp->a, deliver_batch(sp->dv), part, p, &rr, err, sizeof(err)) == -1) {
		fprintf(stderr, "expediera: %s\n", err);
		goto fail;
	}
	for (i = o = 0; i < *n; i++) {
		if ((c = record_rattelse_covers(sp->a, part, p, routes[i].m, routes[i].internal,
		    rr.gen)) == -1) {
			fprintf(stderr, "expediera: %s\n", audit_error(sp->a));
			goto fail;
		}
		if (c == 1)
			routes[o++] = routes[i];
	}
	*n = o;
	if (rr.resumed)
		fprintf(stderr, "expediera: § %lu: rättelse %d (samma orsak som förra) fortsätter; "
		    "den gäller %zu mottagare\n", p->nr, rr.gen, o);
	else
		fprintf(stderr, "expediera: § %lu: rättelse %d av %s; %zu mottagare får en ny "
		    "försändelse, %zu tidigare försändelser ersätts\n", p->nr, rr.gen,
		    rr.beslutet_rattat ? "beslutets text" : "utskicket", o, rr.replaced);
	if (rr.felaktiga > 0)
		fprintf(stderr, "expediera: § %lu: %zu registrerade som felaktigt utskickade "
		    "(historik --dnr visar dem)\n", p->nr, rr.felaktiga);
	return 0;
fail:
	sp->rattelse_failed = true;
	*n = 0;
	return -1;
}

static int
send_part(void *arg, struct session *part)
{
	struct send_pass *sp = arg;
	struct routed *routes;
	size_t n;
	int rc;

	if (ask_mailbox(sp->mb, part) == -1) {
		sp->refused = true;
		return -1;
	}
	sp->rd->s = part;
	routes = route_session(part, sp->mb != NULL ? mailbox_lookup : NULL, sp->mb, &n);
	if (sp->o != NULL && sp->o->paragraf != 0 && rattelse_part(sp, part, routes, &n) == -1) {
		free(routes);
		return -1;
	}
	rc = deliver_part(sp->dv, sp->rd, routes, n);
	free(routes);
	return rc;
}

int
send_for_real(const struct options *o, struct run *r, struct send_result *out)
{
	struct send_result res;
	struct send_pass sp;
	struct render rd;
	struct audit *a = NULL;
	int64_t head_rows = 0;
	char head_hash[65] = "";
	int rc, prc;

	memset(&sp, 0, sizeof(sp));
	memset(&res, 0, sizeof(res));
	diag_print_text(&r->s.diag, stderr);
	/* All or nothing, unless asked to send what is clean and hold the rest. */
	if (r->s.diag.errors > 0 && !o->skip_invalid) {
		fprintf(stderr, "expediera: inget skickades: sessionen har %zu fel. Rätta dem, "
		    "eller skicka de felfria paragraferna med --skip-invalid.\n", r->s.diag.errors);
		return EXIT_INVALID;
	}
	render_setup(&rd, r);
	sp.rd = &rd;
	sp.mb = open_mailbox(r, &rc);
	if (rc != 0)
		goto out;
	if (r->log == NULL && (r->log = open_audit(&r->cfg)) == NULL) {
		rc = EXIT_SYSTEM;
		goto out;
	}
	a = r->log;
	/* One run at a time works on the outbox; a second one waits here. */
	if (audit_lock_run(a, stderr) == -1 || audit_load_key(a, r->cfg.audit_key_file) == -1) {
		fprintf(stderr, "expediera: %s\n", audit_error(a));
		rc = EXIT_SYSTEM;
		goto out;
	}
	/* The pass validates again under the lock, against this log. */
	r->chk.a = a;
	sp.o = o;
	sp.a = a;
	rd.s = &r->s;
	if ((sp.dv = deliver_begin(&rd, a, sp.mb, o->paragraf != 0 ? "rattelse" :
	    o->skip_invalid ? "send --skip-invalid" : "send", r->sendable, &res, stderr)) == NULL) {
		rc = EXIT_SYSTEM;
		goto out;
	}
	prc = r->s.protokoll_valid ? run_pass(r, send_part, &sp) : 0;
	rd.s = &r->s;
	/* Wrong certificates: nothing of the run is handed over. */
	rc = deliver_end(sp.dv, &rd, sp.refused);
	if (sp.refused) {
		rc = EXIT_SYSTEM;
		goto out;
	}
	if (prc == -1)
		rc = -1;
	if (sp.rattelse_failed) {
		rc = EXIT_INVALID;
		goto out;
	}
	/* The head to keep elsewhere: audit verify --head finds a log rewritten
	 * from the start with it. */
	if (audit_head(a, &head_rows, head_hash) == -1)
		head_hash[0] = '\0';
	if (o->json) {
		printf("{\"sent\": %zu, \"already_sent\": %zu, \"held\": %zu, \"failed\": %zu, "
		       "\"waiting\": %zu, \"other_worker\": %zu, \"print_batch\": ", res.sent,
		    res.already, res.held, res.failed, res.waiting, res.other);
		json_string(stdout, res.batch_pdf[0] ? res.batch_pdf : NULL);
		fputs(", \"skatteverket_batch\": ", stdout);
		json_string(stdout, res.skv_pdf[0] ? res.skv_pdf : NULL);
		printf(", \"print_volumes\": %zu, \"skatteverket_volumes\": %zu", res.batch_volumes,
		    res.skv_volumes);
		fputs(", \"expedieringslista\": ", stdout);
		json_string(stdout, res.lista_pdf[0] ? res.lista_pdf : NULL);
		fputs(", \"archive_folder\": ", stdout);
		json_string(stdout, r->cfg.archive_folder);
		fputs(", \"manual_folder\": ", stdout);
		json_string(stdout, r->cfg.manual_folder);
		if (head_hash[0] != '\0')
			printf(", \"audit_head\": \"%lld:%s\"", (long long)head_rows, head_hash);
		fputs("}\n", stdout);
	} else {
		printf("%s: %zu skickade, %zu redan skickade tidigare, %zu hålls, %zu misslyckades",
		    shown(r->s.dir), res.sent, res.already, res.held, res.failed);
		if (res.waiting > 0)
			printf(", %zu väntar på justering", res.waiting);
		if (res.other > 0)
			printf(", %zu hanteras av en annan arbetare (kör igen när den är klar)",
			    res.other);
		puts(".");
		if (res.batch_pdf[0])
			printf("  utskrift:          %s%s\n", res.batch_pdf, volumes(res.batch_volumes));
		if (res.skv_pdf[0])
			printf("  via Skatteverket:  %s%s\n", res.skv_pdf, volumes(res.skv_volumes));
		printf("  arkiv:             %s\n", r->cfg.archive_folder);
		printf("  överlämning:       %s\n", r->cfg.manual_folder);
		if (res.lista_pdf[0] && res.lista_parts > 1)
			printf("  expedieringslista: %s – del 1 av %zu\n", res.lista_pdf,
			    res.lista_parts);
		else if (res.lista_pdf[0])
			printf("  expedieringslista: %s\n", res.lista_pdf);
		printf("  granskningslogg:   %s\n", r->cfg.audit_database);
		if (head_hash[0] != '\0')
			printf("  loggens huvud:     %lld:%s (spara det på annat håll; "
			    "audit verify --head)\n", (long long)head_rows, head_hash);
	}
	if (out != NULL)
		*out = res;
	if (res.log_failed) {
		fprintf(stderr, "expediera: granskningsloggen %s kunde inte skrivas; det som inte "
		    "hann loggas lämnades inte över och skickas vid nästa körning\n",
		    r->cfg.audit_database);
		rc = EXIT_SYSTEM;
	} else if (rc == -1 || res.failed > 0)
		rc = EXIT_DELIVERY;
	else if (res.held > 0 || res.waiting > 0 || res.other > 0)
		rc = EXIT_DELIVERY;
	else
		rc = EXIT_OK;
	rc = flushed(rc);
out:
	mailbox_free(sp.mb);
	return rc;
}

/* One part of a dry run: ask, route, show. */
struct dry_pass {
	const struct options *o;
	struct mailbox *mb;
	struct audit *a;          /* the log, to say what already went out */
	size_t n, count[ROUTE__MAX], already;
	bool refused;
};

static int
dry_part(void *arg, struct session *part)
{
	struct dry_pass *dp = arg;
	struct routed *routes;
	size_t n, i;

	if (ask_mailbox(dp->mb, part) == -1) {
		dp->refused = true;
		return -1;
	}
	routes = route_session(part, dp->mb != NULL ? mailbox_lookup : NULL, dp->mb, &n);
	for (i = 0; i < n; i++) {
		char when[20], how[24];
		int sent = already_sent(dp->a, part, &routes[i], when, how);

		if (sent == -1) {
			fprintf(stderr, "expediera: %s\n", audit_error(dp->a));
			free(routes);
			return -1;
		}
		if (dp->o->json) {
			fputs(dp->n + i ? ",\n  " : "\n  ", stdout);
			print_route_json(&routes[i], stdout);
			if (sent == 1) {
				fputs(", \"already_sent\": {\"when\": ", stdout);
				json_string(stdout, when);
				fputs(", \"route\": ", stdout);
				json_string(stdout, how);
				fputc('}', stdout);
			}
			fputc('}', stdout);
		} else {
			print_route_text(&routes[i], stdout);
			if (sent == 1)
				printf("        redan skickad %s (%s); skickas inte igen\n", when,
				    how);
		}
		if (sent == 1)
			dp->already++;
		else
			dp->count[routes[i].route]++;
	}
	dp->n += n;
	free(routes);
	return 0;
}

int
cmd_send(const struct options *o, struct run *r)
{
	struct dry_pass dp;
	size_t i;
	int rc;

	if (!o->dry_run)
		return send_for_real(o, r, NULL);
	memset(&dp, 0, sizeof(dp));
	/* Asking who is reachable only reads; nothing is sent. */
	dp.o = o;
	dp.a = r->log;
	dp.mb = open_mailbox(r, &rc);
	if (rc != 0)
		goto out;
	if (o->json) {
		fputs("{\"findings\": ", stdout);
		diag_print_json_array(&r->s.diag, stdout);
		fputs(",\n \"routes\": [", stdout);
	} else
		diag_print_text(&r->s.diag, stderr);
	if (r->s.protokoll_valid && run_pass(r, dry_part, &dp) == -1) {
		rc = EXIT_SYSTEM;
		goto out;
	}
	if (o->json)
		fputs(dp.n ? "\n ]}\n" : "]}\n", stdout);
	else {
		printf("%s: %zu mottagare:", shown(r->s.dir), dp.n);
		for (i = 0; i < ROUTE__MAX; i++)
			if (dp.count[i] > 0)
				printf(" %s %zu", route_labels[i], dp.count[i]);
		if (dp.already > 0)
			printf(", redan skickade %zu", dp.already);
		puts(" (provkörning: inget skickades)");
	}
	rc = flushed(r->s.diag.errors > 0 ? EXIT_INVALID : EXIT_OK);
out:
	mailbox_free(dp.mb);
	return rc;
}

/*
 * rattelse: the paragraph must be in the protocol and free of errors (but
 * for changed-after-send, which is what it corrects); the others do not
 * matter, since nothing of them is sent.
 */
int
cmd_rattelse(const struct options *o, struct run *r)
{
	struct options ro = *o;
	size_t i, errs = 0;

	if (r->s.protokoll_valid && !r->have_skip) {
		fprintf(stderr, "expediera: § %lu finns inte i protokollet i %s\n", o->paragraf,
		    shown(r->s.dir));
		return EXIT_INVALID;
	}
	for (i = 0; i < r->s.diag.n; i++) {
		const struct finding *f = &r->s.diag.v[i];

		if (f->severity == SEV_ERROR && (f->paragraf == o->paragraf ||
		    !r->s.protokoll_valid))
			errs++;
	}
	if (errs > 0) {
		diag_print_text(&r->s.diag, stderr);
		fprintf(stderr, "expediera: ingen rättelse skickades: § %lu har %zu fel. Rätta "
		    "dem först.\n", o->paragraf, errs);
		return EXIT_INVALID;
	}
	/* The findings of other paragraphs are theirs; this run sends none of them. */
	diag_free(&r->s.diag);
	ro.skip_invalid = true;
	return send_for_real(&ro, r, NULL);
}
