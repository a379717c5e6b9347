/*
 * record_rattelse.c -- a paragraph's försändelser against its sheet: what
 * changed since the send (rule changed-after-send), and the rättelse that
 * corrects it (SPEC 4 and 7).
 *
 * Reads: the audit log (audit_query), the session being checked or sent.
 * Writes: "rattelse" and "ersatt" events; findings of rule changed-after-send.
 * Trusts: the log's own events (their data is this program's JSON).
 *
 * No personnummer and no address is stored or printed here: the log holds
 * keyed hashes of them, names with masked numbers, and the postort.
 */
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "diag.h"
#include "json.h"
#include "record.h"
#include "record_int.h"
#include "xmalloc.h"

/* ---- a paragraph's rättelser ---- */

/*
 * One "rattelse" event: its generation, the bas keys of the recipients it
 * covers ("omfattar", comma-separated; NULL: every recipient, as "alla" and
 * as every rättelse before recipients were told apart), its data.
 */
struct rattelse_ev {
	int gen;
	char *omfattar;
	char *data;
};

struct rattelser {
	struct rattelse_ev *v;
	size_t n, cap;
	const struct rattelse_ev *last; /* the highest generation; NULL none */
};

static int
collect_rattelse(void *arg, const struct audit_row *row)
{
	struct rattelser *rs = arg;
	struct rattelse_ev *e;
	char *o;

	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? 2 * rs->cap : 4;
		rs->v = xreallocarray(rs->v, rs->cap, sizeof(*rs->v));
	}
	e = &rs->v[rs->n++];
	e->gen = field_int(row->data, "gen");
	o = json_field(row->data, "omfattar");
	if (o != NULL && strcmp(o, "alla") == 0) {
		free(o);
		o = NULL;
	}
	e->omfattar = o;
	e->data = xstrdup(row->data);
	return 0;
}

static void
rattelser_free(struct rattelser *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++) {
		free(rs->v[i].omfattar);
		free(rs->v[i].data);
	}
	free(rs->v);
	memset(rs, 0, sizeof(*rs));
}

static int
rattelser_load(struct audit *a, const char *pkey, struct rattelser *rs)
{
	size_t i;

	memset(rs, 0, sizeof(*rs));
	if (audit_query(a, "rattelse", "pkey", pkey, collect_rattelse, rs) == -1) {
		rattelser_free(rs);
		return -1;
	}
	for (i = 0; i < rs->n; i++)
		if (rs->last == NULL || rs->v[i].gen > rs->last->gen)
			rs->last = &rs->v[i];
	return 0;
}

/* Whether the rättelse e covers the recipient bas. */
static bool
covers(const struct rattelse_ev *e, const char *bas)
{
	const char *o = e->omfattar;
	size_t n = strlen(bas);

	if (o == NULL)
		return true;
	while (*o != '\0') {
		if (strncmp(o, bas, n) == 0 && (o[n] == ',' || o[n] == '\0'))
			return true;
		if ((o = strchr(o, ',')) == NULL)
			break;
		o++;
	}
	return false;
}

/* The last rättelse that covers bas (its generation, 0 none), and it in *ev. */
static int
gen_of(const struct rattelser *rs, const char *bas, const struct rattelse_ev **ev)
{
	const struct rattelse_ev *best = NULL;
	size_t i;

	for (i = 0; i < rs->n; i++)
		if ((best == NULL || rs->v[i].gen > best->gen) && covers(&rs->v[i], bas))
			best = &rs->v[i];
	if (ev != NULL)
		*ev = best;
	return best != NULL ? best->gen : 0;
}

/*
 * What went out to the paragraph and stands, each recipient once (the last
 * sent): for each recipient the försändelse of the last rättelse that
 * covers it, or the first sending when none does.  What a rättelse replaced
 * is gone from it; so is what one covers and has not sent yet.
 */
static int
paragraph_sent(struct audit *a, const char *pkey, struct sents *ss, struct rattelser *rs)
{
	size_t i, o;

	memset(ss, 0, sizeof(*ss));
	if (rattelser_load(a, pkey, rs) == -1)
		return -1;
	if (audit_query(a, "route", "pkey", pkey, collect_sent, ss) == -1) {
		rattelser_free(rs);
		sents_free(ss);
		return -1;
	}
	for (i = o = 0; i < ss->n; i++) {
		if (ss->v[i].gen == gen_of(rs, ss->v[i].bas, NULL)) {
			ss->v[o++] = ss->v[i];
			continue;
		}
		sent_clear(&ss->v[i]);
	}
	ss->n = o;
	return 0;
}

/* The last försändelse sent to one recipient before generation below. */
struct prior {
	int below;
	char key[33];
	char *when;
};

static int
collect_prior(void *arg, const struct audit_row *row)
{
	struct prior *pr = arg;

	if (row->sent == NULL || row->forsandelse == NULL || field_int(row->data, "gen") >= pr->below)
		return 0;
	snprintf(pr->key, sizeof(pr->key), "%.32s", row->forsandelse);
	free(pr->when);
	pr->when = xstrdup(row->sent);
	return 0;
}

int
record_rattelse_item(struct audit *a, const struct rec_keys *k, struct rec_item *ri)
{
	const struct rattelse_ev *ev;
	struct rattelser rs;
	struct prior pr;
	char *v;

	if (rattelser_load(a, k->pkey, &rs) == -1)
		return -1;
	ri->gen = gen_of(&rs, k->bas, &ev);
	if (ri->gen == 0) {
		rattelser_free(&rs);
		return 0;
	}
	memset(&pr, 0, sizeof(pr));
	pr.below = ri->gen;
	if (audit_query(a, "route", "bas", k->bas, collect_prior, &pr) == -1) {
		rattelser_free(&rs);
		return -1;
	}
	/* What it replaces: this recipient's försändelse before, or (one who had
	 * none: it went to someone else, or elsewhere) the sending it corrects. */
	if (pr.when != NULL) {
		char d[20];

		record_local_time(pr.when, d);
		snprintf(ri->ersatter, sizeof(ri->ersatter), "%.10s", d);
		record_short_id(pr.key, ri->ersatt_id);
	} else {
		v = json_field(ev->data, "ersatter");
		snprintf(ri->ersatter, sizeof(ri->ersatter), "%s", v != NULL ? v : "");
		free(v);
	}
	v = json_field(ev->data, "datum");
	snprintf(ri->datum, sizeof(ri->datum), "%s", v != NULL ? v : "");
	free(v);
	ri->beslutet_rattat = ev->omfattar == NULL;
	v = json_field(ev->data, "till_mottagaren");
	ri->till_mottagaren = v != NULL ? v : xstrdup("");
	free(pr.when);
	rattelser_free(&rs);
	return 0;
}

int
record_rattelse_covers(struct audit *a, const struct session *s, const struct paragraf *p,
    const struct mottagare *m, const char *internal, int gen)
{
	struct rattelser rs;
	struct rec_keys k;
	int g;

	if (record_keys(a, s, p, m, internal, &k) == -1 || rattelser_load(a, k.pkey, &rs) == -1)
		return -1;
	g = gen_of(&rs, k.bas, NULL);
	rattelser_free(&rs);
	return g == gen;
}

/* ---- changed-after-send ---- */

/* A sheet's recipient, keyed. */
struct now {
	const struct mottagare *m;
	struct rec_keys k;
	bool matched;
};

/* Whether the post to this recipient came back after what was sent. */
static bool
returned_after(struct audit *a, const struct sent *x)
{
	struct returns rt;

	memset(&rt, 0, sizeof(rt));
	if (audit_query(a, "retur", "bas", x->bas, collect_retur, &rt) == -1)
		return false;
	return rt.n > 0 && rt.last_event > x->event;
}

static void
check_paragraph(struct audit *a, struct session *s, struct paragraf *p)
{
	const struct forsattsblad *fb = p->fb;
	struct rec_keys pk;
	struct sents ss;
	struct rattelser rs;
	struct now *now;
	char when[20], hint[160];
	size_t i, j;

	if (record_keys(a, s, p, NULL, "", &pk) == -1 ||
	    paragraph_sent(a, pk.pkey, &ss, &rs) == -1)
		return;
	rattelser_free(&rs);
	if (ss.n == 0) {
		sents_free(&ss);
		return;
	}
	snprintf(hint, sizeof(hint), "Inget skickas till paragrafen; rätta försättsbladet, "
	    "eller skicka en rättelse: expediera rattelse SESSION --paragraf %lu --orsak TEXT", p->nr);
	now = xcalloc(fb->n_mottagare + 1, sizeof(*now));
	for (j = 0; j < fb->n_mottagare; j++) {
		now[j].m = &fb->mottagare[j];
		if (record_keys(a, s, p, now[j].m, NULL, &now[j].k) == -1)
			goto out;
	}
	for (i = 0; i < ss.n; i++) {
		struct sent *x = &ss.v[i];

		if (x->roll == NULL || strcmp(x->roll, "intern") == 0)
			continue;
		record_local_time(x->when, when);
		for (j = 0; j < fb->n_mottagare && strcmp(now[j].k.bas, x->bas) != 0; j++)
			;
		if (j < fb->n_mottagare) {
			const struct mottagare *m = now[j].m;

			now[j].matched = true;
			if (!same_adress(a, m, now[j].k.adress, x->adress) && !returned_after(a, x))
				diag_add(&s->diag, RULE_CHANGED_AFTER_SEND, fb->file,
				    m->n_adresser > 0 ? m->adresser[0].line : m->line, p->nr,
				    "§ %lu skickades %s till %s (%s) på en annan adress än den "
				    "försättsbladet nu anger. %s", p->nr, when, x->mottagare,
				    record_roll_label(x->roll), hint);
			else if (x->kanal != NULL && strcmp(x->kanal, kanal_names[m->kanal]) != 0)
				diag_add(&s->diag, RULE_CHANGED_AFTER_SEND, fb->file, m->line, p->nr,
				    "§ %lu skickades %s till %s (%s) med kanal=%s; försättsbladet "
				    "anger nu kanal=%s. %s", p->nr, when, x->mottagare,
				    record_roll_label(x->roll), x->kanal, kanal_names[m->kanal], hint);
			continue;
		}
		/* The same person in another role? */
		for (j = 0; j < fb->n_mottagare && strcmp(now[j].k.ident, x->ident) != 0; j++)
			;
		if (j < fb->n_mottagare) {
			now[j].matched = true;
			diag_add(&s->diag, RULE_CHANGED_AFTER_SEND, fb->file, now[j].m->line, p->nr,
			    "§ %lu skickades %s till %s som %s; försättsbladet anger nu rollen %s. %s",
			    p->nr, when, x->mottagare, record_roll_label(x->roll),
			    roll_labels[now[j].m->roll], hint);
			continue;
		}
		/* Someone new in the same role took their place? */
		for (j = 0; j < fb->n_mottagare; j++) {
			const struct mottagare *m = now[j].m;
			size_t q;

			if (now[j].matched || strcmp(roll_names[m->roll], x->roll) != 0)
				continue;
			for (q = 0; q < ss.n && strcmp(ss.v[q].bas, now[j].k.bas) != 0; q++)
				;
			if (q < ss.n)
				continue;
			break;
		}
		if (j < fb->n_mottagare) {
			now[j].matched = true;
			diag_add(&s->diag, RULE_CHANGED_AFTER_SEND, fb->file, now[j].m->line, p->nr,
			    "§ %lu skickades %s till %s (%s); försättsbladet anger nu %s i samma "
			    "roll. Gick beslutet till fel mottagare, ange --fel-mottagare. %s", p->nr,
			    when, x->mottagare, record_roll_label(x->roll), now[j].m->namn, hint);
			continue;
		}
		diag_add(&s->diag, RULE_CHANGED_AFTER_SEND, fb->file, fb->arende_line, p->nr,
		    "§ %lu skickades %s till %s (%s), som inte längre finns på försättsbladet. "
		    "Gick beslutet till fel mottagare, ange --fel-mottagare. %s", p->nr, when,
		    x->mottagare, record_roll_label(x->roll), hint);
	}
out:
	free(now);
	sents_free(&ss);
}

void
record_check(void *arg, struct session *s)
{
	struct record_check *rc = arg;
	size_t i;

	if (rc == NULL || rc->a == NULL)
		return;
	/* Every sheet, whatever its paragraph's state: a protection is no paragraph's. */
	record_skydd_check(rc->a, s);
	if (!s->protokoll_valid)
		return;
	for (i = 0; i < s->protokoll.n_paragrafer; i++) {
		struct paragraf *p = &s->protokoll.paragrafer[i];

		if (p->fb == NULL || !p->fb->valid || p->waiting || p->nr == rc->skip)
			continue;
		check_paragraph(rc->a, s, p);
	}
}

/* ---- rättelse ---- */

static int
count_row(void *arg, const struct audit_row *row)
{
	(void)row;
	(*(size_t *)arg)++;
	return 0;
}

/* Whether the log routed anything to this recipient of the paragraph: 1, 0, -1. */
static int
routed(struct audit *a, const char *bas)
{
	size_t n = 0;

	if (audit_query(a, "route", "bas", bas, count_row, &n) == -1)
		return -1;
	return n > 0;
}

/* Appends bas to the comma-separated list fp writes. */
static void
list_add(FILE *fp, bool *first, const char *bas)
{
	if (!*first)
		putc(',', fp);
	fputs(bas, fp);
	*first = false;
}

/*
 * Which försändelser the rättelse replaces (ersatt), which of them went
 * wrong (fel), and whom it covers (into fp, unless the decision's text was
 * corrected: then every recipient).  The same comparison as
 * changed-after-send: the recipient (role and number) still on the sheet,
 * at the same address (or one the post came back from) and by the same
 * kanal, got what stands; any other got something that changed.
 */
static int
compare_sheet(struct audit *a, const struct session *s, const struct paragraf *p,
    const struct sents *ss, const struct rec_rattelse *rr, bool *ersatt, bool *fel, FILE *fp)
{
	const struct forsattsblad *fb = p->fb;
	size_t n = fb != NULL ? fb->n_mottagare : 0, i, j;
	struct rec_keys *now = xcalloc(n + 1, sizeof(*now));
	bool *matched = xcalloc(n + 1, sizeof(*matched)), first = true;
	int rc = -1, r;

	for (j = 0; j < n; j++)
		if (record_keys(a, s, p, &fb->mottagare[j], NULL, &now[j]) == -1)
			goto out;
	for (i = 0; i < ss->n; i++) {
		const struct sent *x = &ss->v[i];
		const struct mottagare *m;
		bool moved, changed;

		if (x->roll == NULL || strcmp(x->roll, "intern") == 0) {
			ersatt[i] = rr->beslutet_rattat;
			continue;
		}
		for (j = 0; j < n && strcmp(now[j].bas, x->bas) != 0; j++)
			;
		if (j == n) {
			/* Gone from the sheet: what it got was wrong, and nobody gets it anew. */
			ersatt[i] = true;
			fel[i] = rr->fel_mottagare;
			if (!rr->beslutet_rattat)
				list_add(fp, &first, x->bas);
			continue;
		}
		m = &fb->mottagare[j];
		matched[j] = true;
		moved = !same_adress(a, m, now[j].adress, x->adress) && !returned_after(a, x);
		changed = moved || (x->kanal != NULL && strcmp(x->kanal, kanal_names[m->kanal]) != 0);
		ersatt[i] = changed || rr->beslutet_rattat;
		fel[i] = rr->fel_mottagare && moved;
		if (changed && !rr->beslutet_rattat)
			list_add(fp, &first, x->bas);
	}
	/* Someone on the sheet who was never sent to: a new recipient, or one in a
	 * new role.  One the log routed and did not send (held, failed) is not new:
	 * the next send sends it. */
	for (j = 0; j < n; j++) {
		if (matched[j])
			continue;
		if ((r = routed(a, now[j].bas)) == -1)
			goto out;
		if (r == 0 && !rr->beslutet_rattat)
			list_add(fp, &first, now[j].bas);
	}
	rc = 0;
out:
	free(matched);
	free(now);
	return rc;
}

int
record_rattelse(struct audit *a, int64_t batch, const struct session *s,
    const struct paragraf *p, struct rec_rattelse *rr, char *err, size_t errlen)
{
	const char *slag = rr->beslutet_rattat ? "beslut" : "utskick";
	const char *till = rr->till_mottagaren != NULL ? rr->till_mottagaren : "";
	struct rec_keys pk;
	struct sents ss;
	struct rattelser rs;
	char date[11], g[16], nr[24], ersatter[11] = "", senast[11] = "", idag[11], *data;
	char *omfattar = NULL;
	size_t i, nfel = 0, olen;
	bool *ersatt = NULL, *fel = NULL;
	FILE *fp = NULL;
	int rc = -1;

	rr->gen = 0;
	rr->replaced = rr->felaktiga = 0;
	rr->resumed = false;
	if (record_keys(a, s, p, NULL, "", &pk) == -1 ||
	    paragraph_sent(a, pk.pkey, &ss, &rs) == -1) {
		snprintf(err, errlen, "%s", audit_error(a));
		return -1;
	}
	/* The same rättelse again (a run that stopped half way): go on with it. */
	if (rs.last != NULL && record_field_is(rs.last->data, "orsak", rr->orsak) &&
	    (rs.last->omfattar == NULL) == rr->beslutet_rattat &&
	    record_field_is(rs.last->data, "till_mottagaren", till)) {
		rr->gen = rs.last->gen;
		rr->resumed = true;
		rc = 0;
		goto out;
	}
	if (ss.n == 0) {
		snprintf(err, errlen, "§ %lu har inte skickats%s; det finns inget att rätta (använd "
		    "send)", p->nr, rs.last != NULL ? " sedan förra rättelsen" : "");
		goto out;
	}
	ersatt = xcalloc(ss.n + 1, sizeof(*ersatt));
	fel = xcalloc(ss.n + 1, sizeof(*fel));
	if ((fp = open_memstream(&omfattar, &olen)) == NULL) {
		snprintf(err, errlen, "slut på minne");
		goto out;
	}
	if (compare_sheet(a, s, p, &ss, rr, ersatt, fel, fp) == -1) {
		snprintf(err, errlen, "%s", audit_error(a));
		goto out;
	}
	if (fclose(fp) != 0) {
		fp = NULL;
		snprintf(err, errlen, "slut på minne");
		goto out;
	}
	fp = NULL;
	/* What it replaces was sent on the last day of those; a rättelse that only
	 * adds a recipient corrects the sending that left them out. */
	for (i = 0; i < ss.n; i++) {
		char d[20];

		record_local_time(ss.v[i].when, d);
		if (strncmp(d, senast, 10) > 0)
			snprintf(senast, sizeof(senast), "%.10s", d);
		if (ersatt[i] && strncmp(d, ersatter, 10) > 0)
			snprintf(ersatter, sizeof(ersatter), "%.10s", d);
		nfel += fel[i];
	}
	if (ersatter[0] == '\0')
		memcpy(ersatter, senast, sizeof(ersatter));
	if (rr->fel_mottagare && nfel == 0) {
		snprintf(err, errlen, "--fel-mottagare: alla som fick § %lu finns kvar på "
		    "försättsbladet med samma adress; ingen pekas ut som felaktigt utskickad",
		    p->nr);
		goto out;
	}
	if (!rr->beslutet_rattat && omfattar[0] == '\0') {
		snprintf(err, errlen, "§ %lu: utskicket har inte ändrats; alla på försättsbladet "
		    "fick beslutet på samma adress och samma sätt, och ingen har tagits bort. Ingen "
		    "rättelse skickades. Har beslutets text rättats, ange --beslutet-rattat", p->nr);
		goto out;
	}
	rr->gen = rs.last != NULL ? rs.last->gen + 1 : 1;
	snprintf(g, sizeof(g), "%d", rr->gen);
	snprintf(nr, sizeof(nr), "%lu", p->nr);
	ymd_format(&s->protokoll.sammantradesdatum, date);
	clock_today(idag);
	{
		/* orsak is the nämnd's own note; till_mottagaren is what recipients read. */
		const char *kv[] = {"pkey", pk.pkey, "gen", g, "paragraf", nr, "dnr",
		    p->dnr != NULL ? p->dnr : "", "organ", s->protokoll.organ, "sammantrade", date,
		    "orsak", rr->orsak, "ersatter", ersatter, "datum", idag, "fel_mottagare",
		    rr->fel_mottagare ? "true" : "false", "slag", slag, "till_mottagaren", till,
		    "omfattar", rr->beslutet_rattat ? "alla" : omfattar, NULL};

		(void)audit_group_begin(a);
		data = event_json(kv);
		audit_event(a, batch, "rattelse", NULL, data);
		free(data);
	}
	for (i = 0; i < ss.n; i++) {
		const char *kv[] = {"pkey", pk.pkey, "gen", g, "orsak", rr->orsak, "datum", idag,
		    "felaktig", fel[i] ? "true" : "false", NULL};

		if (!ersatt[i])
			continue;
		data = event_json(kv);
		audit_event(a, batch, "ersatt", ss.v[i].key, data);
		free(data);
		rr->replaced++;
		if (fel[i])
			rr->felaktiga++;
	}
	if (audit_group_end(a) == -1 || audit_failed(a)) {
		snprintf(err, errlen, "%s", audit_error(a));
		goto out;
	}
	rc = 0;
out:
	if (fp != NULL)
		fclose(fp);
	free(omfattar);
	free(ersatt);
	free(fel);
	rattelser_free(&rs);
	sents_free(&ss);
	return rc;
}

/* ---- the text of --orsak and --till-mottagaren ---- */

/*
 * The next code point of s at *i, or -1 when the bytes there are not UTF-8
 * (an overlong form, a surrogate, beyond U+10FFFF, cut short).
 */
static long
utf8_at(const unsigned char *s, size_t *i)
{
	unsigned char c = s[*i];
	long cp, min;
	int n, k;

	if (c < 0x80) {
		(*i)++;
		return c;
	}
	if (c >= 0xc2 && c <= 0xdf)
		n = 1, cp = c & 0x1f, min = 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		n = 2, cp = c & 0x0f, min = 0x800;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 3, cp = c & 0x07, min = 0x10000;
	else
		return -1;
	for (k = 1; k <= n; k++) {
		if ((s[*i + (size_t)k] & 0xc0) != 0x80)
			return -1;
		cp = (cp << 6) | (s[*i + (size_t)k] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	*i += (size_t)n + 1;
	return cp;
}

/*
 * Characters that steer the terminal or the text instead of being text: C0
 * (tab and newline too: the note is one line), DEL, C1 (and with it the
 * one-byte CSI of ANSI escapes; ESC itself is C0), and the format
 * characters that hide or reorder what is shown (zero-width, bidi
 * embeddings and isolates, line and paragraph separators, BOM).
 */
static bool
steering(long cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp == 0xad ||
	    (cp >= 0x200b && cp <= 0x200f) || (cp >= 0x2028 && cp <= 0x202e) ||
	    (cp >= 0x2060 && cp <= 0x206f) || cp == 0xfeff || (cp >= 0xfff9 && cp <= 0xfffb);
}

static bool
blank(long cp)
{
	return cp == ' ' || cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) ||
	    cp == 0x202f || cp == 0x205f || cp == 0x3000;
}

int
record_note_check(const char *flag, const char *s, char *msg, size_t msglen)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, n = 0;
	bool text = false;

	while (u[i] != '\0') {
		long cp = utf8_at(u, &i);

		n++;
		if (cp == -1) {
			snprintf(msg, msglen, "%s är inte giltig UTF-8 (tecken %zu); skriv texten "
			    "på nytt", flag, n);
			return -1;
		}
		if (steering(cp)) {
			snprintf(msg, msglen, "%s får inte innehålla styrtecken (tecken %zu, "
			    "U+%04lX); texten ska vara en rad vanlig text", flag, n, (unsigned long)cp);
			return -1;
		}
		if (!blank(cp))
			text = true;
	}
	if (!text) {
		snprintf(msg, msglen, "%s får inte vara tom", flag);
		return -1;
	}
	if (n > RECORD_NOTE_MAX) {
		snprintf(msg, msglen, "%s är %zu tecken; högst %d", flag, n, RECORD_NOTE_MAX);
		return -1;
	}
	return 0;
}
