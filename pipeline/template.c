/*
 * template.c -- reads templates/: the geometry of layout.conf, the wording of
 * texts.conf, what each role gets (roller.conf) and the long texts
 * (överklagandehänvisningar); see template.h.
 *
 * Reads: files in the template directory, written by the municipality.
 * Writes: struct tmpl of owned strings.
 * Trusts: nothing: the syntax is ini.c's; every key must be known and
 * present, numbers must be numbers in a sane range, and the long texts must be
 * UTF-8 without control bytes, so a typo is an error at start, never a blank
 * or garbled line in a letter to a family.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ini.h"
#include "session.h"
#include "template.h"
#include "xmalloc.h"

#define TEMPLATE_MAX_FILE (256 * 1024)

_Static_assert(T__MAX - T_ROLL_FIRST == ROLL__MAX, "one text per roll");

struct num {
	const char *section, *key;
	size_t off;       /* of the float in struct geometry */
	float min, max;
};

#define G(f) offsetof(struct geometry, f)

static const struct num nums[] = {
	{"page", "margin_left", G(margin_left), 5, 80},
	{"page", "margin_right", G(margin_right), 5, 80},
	{"page", "margin_top", G(margin_top), 5, 80},
	{"page", "margin_bottom", G(margin_bottom), 5, 80},
	{"page", "body_size", G(body_size), 6, 20},
	{"page", "line_height", G(line_height), 1, 3},
	{"page", "heading_size", G(heading_size), 6, 30},
	{"page", "title_size", G(title_size), 6, 30},
	{"page", "small_size", G(small_size), 5, 20},
	{"window.left", "x", G(window[WINDOW_LEFT].x), 0, 200},
	{"window.left", "y", G(window[WINDOW_LEFT].y), 0, 280},
	{"window.left", "width", G(window[WINDOW_LEFT].width), 20, 200},
	{"window.left", "height", G(window[WINDOW_LEFT].height), 15, 100},
	{"window.right", "x", G(window[WINDOW_RIGHT].x), 0, 200},
	{"window.right", "y", G(window[WINDOW_RIGHT].y), 0, 280},
	{"window.right", "width", G(window[WINDOW_RIGHT].width), 20, 200},
	{"window.right", "height", G(window[WINDOW_RIGHT].height), 15, 100},
	{"address", "padding", G(address_padding), 0, 20},
	{"address", "size", G(address_size), 6, 16},
	{"address", "min_size", G(address_min_size), 5, 16},
	{"letter", "body_top", G(letter_body_top), 20, 200},
};

#define NNUMS (sizeof(nums) / sizeof(nums[0]))

static const struct {
	const char *section, *key;
} texts[T__MAX] = {
	[T_DOKUMENT_SEKRETESS] = {"dokument", "sekretess"},
	[T_DOKUMENT_SIDA] = {"dokument", "sida"},
	[T_DOKUMENT_SIDFOT_POSTADRESS] = {"dokument", "sidfot_postadress"},
	[T_DOKUMENT_SIDFOT_TELEFON] = {"dokument", "sidfot_telefon"},
	[T_DOKUMENT_SIDFOT_EPOST] = {"dokument", "sidfot_epost"},
	[T_DOKUMENT_SIDFOT_WEBB] = {"dokument", "sidfot_webb"},
	[T_DOKUMENT_BLAD] = {"dokument", "blad"},
	[T_DOKUMENT_BLAD_REK] = {"dokument", "blad_rek"},
	[T_BESLUT_TITEL] = {"beslut", "titel"},
	[T_BESLUT_DATUM] = {"beslut", "datum"},
	[T_BESLUT_DNR] = {"beslut", "dnr"},
	[T_BESLUT_RUBRIK] = {"beslut", "rubrik"},
	[T_BESLUT_GALLER] = {"beslut", "galler"},
	[T_BESLUT_INLEDNING] = {"beslut", "inledning"},
	[T_BESLUT_BESLUT_RUBRIK] = {"beslut", "beslut_rubrik"},
	[T_BESLUT_SKAL_RUBRIK] = {"beslut", "skal_rubrik"},
	[T_BESLUT_LAGRUM_RUBRIK] = {"beslut", "lagrum_rubrik"},
	[T_BESLUT_OVERKLAGANDE_RUBRIK] = {"beslut", "overklagande_rubrik"},
	[T_BESLUT_FORVALTNINGSBESVAR] = {"beslut", "forvaltningsbesvar"},
	[T_BESLUT_LAGLIGHETSPROVNING] = {"beslut", "laglighetsprovning"},
	[T_BESLUT_EJ_OVERKLAGBART] = {"beslut", "ej_overklagbart"},
	[T_BESLUT_KONTAKT_RUBRIK] = {"beslut", "kontakt_rubrik"},
	[T_BESLUT_KONTAKT] = {"beslut", "kontakt"},
	[T_BESLUT_BILAGOR_RUBRIK] = {"beslut", "bilagor_rubrik"},
	[T_BESLUT_BILAGA_UTDRAG] = {"beslut", "bilaga_utdrag"},
	[T_BESLUT_BILAGA_OVERKLAGANDE] = {"beslut", "bilaga_overklagande"},
	[T_BESLUT_BILAGA_LAGLIGHETSPROVNING] = {"beslut", "bilaga_laglighetsprovning"},
	[T_BESLUT_LAGLIGHETSPROVNING_ANSLAG] = {"beslut", "laglighetsprovning_anslag"},
	[T_BESLUT_REKOMMENDERAT] = {"beslut", "rekommenderat"},
	[T_UNDERRATTELSE_TITEL] = {"underrattelse", "titel"},
	[T_UNDERRATTELSE_INLEDNING] = {"underrattelse", "inledning"},
	[T_UNDERRATTELSE_KONTAKT] = {"underrattelse", "kontakt"},
	[T_UNDERRATTELSE_BILAGA_UTDRAG] = {"underrattelse", "bilaga_utdrag"},
	[T_UTDRAG_TITEL] = {"utdrag", "titel"},
	[T_UTDRAG_SAMMANTRADESDATUM] = {"utdrag", "sammantradesdatum"},
	[T_UTDRAG_PARAGRAF] = {"utdrag", "paragraf"},
	[T_UTDRAG_DNR] = {"utdrag", "dnr"},
	[T_UTDRAG_GALLER] = {"utdrag", "galler"},
	[T_UTDRAG_BESLUT_RUBRIK] = {"utdrag", "beslut_rubrik"},
	[T_UTDRAG_BESLUTSGANG_RUBRIK] = {"utdrag", "beslutsgang_rubrik"},
	[T_UTDRAG_BESKRIVNING_RUBRIK] = {"utdrag", "beskrivning_rubrik"},
	[T_UTDRAG_SKAL_RUBRIK] = {"utdrag", "skal_rubrik"},
	[T_UTDRAG_LAGRUM_RUBRIK] = {"utdrag", "lagrum_rubrik"},
	[T_UTDRAG_UNDERLAG_RUBRIK] = {"utdrag", "underlag_rubrik"},
	[T_UTDRAG_SKICKAS_RUBRIK] = {"utdrag", "skickas_rubrik"},
	[T_UTDRAG_OMEDELBART] = {"utdrag", "omedelbart"},
	[T_UTDRAG_DELVIS] = {"utdrag", "delvis"},
	[T_UTDRAG_JUSTERANDES_SIGN] = {"utdrag", "justerandes_sign"},
	[T_UTDRAG_BESTYRKANDE_RUBRIK] = {"utdrag", "bestyrkande_rubrik"},
	[T_UTDRAG_BESTYRKANDE] = {"utdrag", "bestyrkande"},
	[T_PROTOKOLL_TITEL] = {"protokoll", "titel"},
	[T_PROTOKOLL_INTERN] = {"protokoll", "intern"},
	[T_PROTOKOLL_OFFENTLIG] = {"protokoll", "offentlig"},
	[T_PROTOKOLL_PLATS] = {"protokoll", "plats"},
	[T_PROTOKOLL_ORDFORANDE] = {"protokoll", "ordforande"},
	[T_PROTOKOLL_SEKRETERARE] = {"protokoll", "sekreterare"},
	[T_PROTOKOLL_JUSTERARE] = {"protokoll", "justerare"},
	[T_PROTOKOLL_JUSTERAD] = {"protokoll", "justerad"},
	[T_PROTOKOLL_EJ_JUSTERAD] = {"protokoll", "ej_justerad"},
	[T_PROTOKOLL_SEKRETESS] = {"protokoll", "sekretess"},
	[T_PROTOKOLL_SEKRETESS_RUBRIK] = {"protokoll", "sekretess_rubrik"},
	[T_PROTOKOLL_UNDERSKRIFTER] = {"protokoll", "underskrifter"},
	[T_PROTOKOLL_TID] = {"protokoll", "tid"},
	[T_PROTOKOLL_NARVARANDE] = {"protokoll", "narvarande"},
	[T_PROTOKOLL_LEDAMOTER] = {"protokoll", "ledamoter"},
	[T_PROTOKOLL_ERSATTARE] = {"protokoll", "ersattare"},
	[T_PROTOKOLL_TJANSTEMAN] = {"protokoll", "tjansteman"},
	[T_PROTOKOLL_ANSLAG_TITEL] = {"protokoll", "anslag_titel"},
	[T_PROTOKOLL_ANSLAG_INLEDNING] = {"protokoll", "anslag_inledning"},
	[T_PROTOKOLL_ANSLAG_ORGAN] = {"protokoll", "anslag_organ"},
	[T_PROTOKOLL_ANSLAG_SAMMANTRADESDATUM] = {"protokoll", "anslag_sammantradesdatum"},
	[T_PROTOKOLL_ANSLAG_UPPSATT] = {"protokoll", "anslag_uppsatt"},
	[T_PROTOKOLL_ANSLAG_NEDTAS] = {"protokoll", "anslag_nedtas"},
	[T_PROTOKOLL_ANSLAG_FORVARING] = {"protokoll", "anslag_forvaring"},
	[T_PROTOKOLL_ANSLAG_UNDERSKRIFT] = {"protokoll", "anslag_underskrift"},
	[T_PROTOKOLL_DEN_UNGE] = {"protokoll", "den_unge"},
	[T_PROTOKOLL_DEN_UNGES] = {"protokoll", "den_unges"},
	[T_PROTOKOLL_DEN_ENSKILDE] = {"protokoll", "den_enskilde"},
	[T_PROTOKOLL_DEN_ENSKILDES] = {"protokoll", "den_enskildes"},
	[T_RATTELSE_RUBRIK_UTSKICK] = {"rattelse", "rubrik_utskick"},
	[T_RATTELSE_RUBRIK_BESLUT] = {"rattelse", "rubrik_beslut"},
	[T_RATTELSE_UTSKICK] = {"rattelse", "utskick"},
	[T_RATTELSE_UTSKICK_NY] = {"rattelse", "utskick_ny"},
	[T_RATTELSE_BESLUT] = {"rattelse", "beslut"},
	[T_RATTELSE_BESLUT_NY] = {"rattelse", "beslut_ny"},
	[T_RATTELSE_TILL_MOTTAGAREN] = {"rattelse", "till_mottagaren"},
	[T_KVITTO_TITEL] = {"delgivningskvitto", "titel"},
	[T_KVITTO_INLEDNING] = {"delgivningskvitto", "inledning"},
	[T_KVITTO_ARENDE] = {"delgivningskvitto", "arende"},
	[T_KVITTO_MOTTAGARE] = {"delgivningskvitto", "mottagare"},
	[T_KVITTO_FORSANDELSE] = {"delgivningskvitto", "forsandelse"},
	[T_KVITTO_FORSANDELSE_OKAND] = {"delgivningskvitto", "forsandelse_okand"},
	[T_KVITTO_DATUM] = {"delgivningskvitto", "datum"},
	[T_KVITTO_NAMNTECKNING] = {"delgivningskvitto", "namnteckning"},
	[T_KVITTO_NAMNFORTYDLIGANDE] = {"delgivningskvitto", "namnfortydligande"},
	[T_KVITTO_INSTRUKTION] = {"delgivningskvitto", "instruktion"},
	[T_KVITTO_RETUR_RUBRIK] = {"delgivningskvitto", "retur_rubrik"},
	[T_UNDERSTALLS_RUBRIK] = {"understalls", "rubrik"},
	[T_UNDERSTALLS_EJ_OVERKLAGBART] = {"understalls", "ej_overklagbart"},
	[T_UNDERSTALLS_UNDERSTALLNING] = {"understalls", "understallning"},
	[T_UNDERSTALLS_UNDERSTALLNING_UTAN_FRIST] = {"understalls", "understallning_utan_frist"},
	[T_UNDERSTALLS_LAG] = {"understalls", "lag"},
	[T_UNDERSTALLS_FRIST_VECKA] = {"understalls", "frist_vecka"},
	[T_UNDERSTALLS_FRIST_GENAST] = {"understalls", "frist_genast"},
	[T_UNDERSTALLS_FRIST_DAGAR] = {"understalls", "frist_dagar"},
	[T_UNDERSTALLS_PROVNING] = {"understalls", "provning"},
	[T_UNDERSTALLS_HORAS] = {"understalls", "horas"},
	[T_UNDERSTALLS_BITRADE] = {"understalls", "bitrade"},
	[T_UNDERSTALLS_BITRADE_UTAN_LAG] = {"understalls", "bitrade_utan_lag"},
	[T_UNDERSTALLS_BITRADE_LVU] = {"understalls", "bitrade_lvu"},
	[T_UNDERSTALLS_BITRADE_LVM] = {"understalls", "bitrade_lvm"},
};

static const char *const longtext_files[L__MAX] = {
	[L_FORVALTNINGSBESVAR] = "overklagande-forvaltningsbesvar.txt",
	[L_LAGLIGHETSPROVNING] = "overklagande-laglighetsprovning.txt",
};

/* The names of enum del in roller.conf. */
static const struct {
	const char *name;
	unsigned bit;
} delar[] = {
	{"rubrik", DEL_RUBRIK},
	{"galler", DEL_GALLER},
	{"beslut", DEL_BESLUT},
	{"beslutsgang", DEL_BESLUTSGANG},
	{"beskrivning", DEL_BESKRIVNING},
	{"skal", DEL_SKAL},
	{"lagrum", DEL_LAGRUM},
	{"beslutsunderlag", DEL_BESLUTSUNDERLAG},
};

/*
 * What a party is always given: the decision, its reasons and the law it
 * rests on (förvaltningslagen 32 §, SPEC section 4), whatever roller.conf
 * says; a list that leaves one out is an error, not a letter without reasons.
 */
#define DEL_PARTY_MIN (DEL_BESLUT | DEL_SKAL | DEL_LAGRUM)

/* Which of the file's keys have been seen, to report the missing ones. */
struct loader {
	struct tmpl *t;
	unsigned char seen_num[NNUMS];
	unsigned char seen_text[T__MAX];
	unsigned char seen_roll[ROLL__MAX];
};

static int
text_index(const char *section, const char *key)
{
	int i;

	if (strcmp(section, "roller") == 0) {
		for (i = 0; i < ROLL__MAX; i++)
			if (strcmp(roll_names[i], key) == 0)
				return T_ROLL_FIRST + i;
		return -1;
	}
	for (i = 0; i < T_ROLL_FIRST; i++)
		if (strcmp(texts[i].section, section) == 0 && strcmp(texts[i].key, key) == 0)
			return i;
	return -1;
}

static bool
known_text_section(const char *s)
{
	size_t i;

	if (strcmp(s, "roller") == 0)
		return true;
	for (i = 0; i < T_ROLL_FIRST; i++)
		if (strcmp(texts[i].section, s) == 0)
			return true;
	return false;
}

static int
on_layout(void *arg, struct ini_ctx *ctx, const char *section, const char *key, const char *val)
{
	struct loader *ld = arg;
	char *end;
	double v;
	size_t i;

	for (i = 0; i < NNUMS; i++)
		if (strcmp(nums[i].section, section) == 0 &&
		    (key == NULL || strcmp(nums[i].key, key) == 0))
			break;
	if (i == NNUMS)
		return key == NULL ? ini_fail(ctx, "okänd sektion [%s]", section) :
				     ini_fail(ctx, "okänd nyckel \"%s\" i [%s]", key, section);
	if (key == NULL)
		return 0;
	if (ld->seen_num[i])
		return ini_fail(ctx, "\"%s\" står redan tidigare i [%s]", key, section);
	errno = 0;
	v = strtod(val, &end);
	if (errno != 0 || *end != '\0' || !isfinite(v) || v < nums[i].min || v > nums[i].max)
		return ini_fail(ctx, "\"%s\" ska vara ett tal mellan %g och %g", key,
		    (double)nums[i].min, (double)nums[i].max);
	*(float *)(void *)((char *)&ld->t->geo + nums[i].off) = (float)v;
	ld->seen_num[i] = 1;
	return 0;
}

static int
on_texts(void *arg, struct ini_ctx *ctx, const char *section, const char *key, const char *val)
{
	struct loader *ld = arg;
	int i;

	if (key == NULL)
		return known_text_section(section) ? 0 :
						   ini_fail(ctx, "okänd sektion [%s]", section);
	if ((i = text_index(section, key)) < 0)
		return ini_fail(ctx, "okänd nyckel \"%s\" i [%s]", key, section);
	if (ld->seen_text[i])
		return ini_fail(ctx, "\"%s\" står redan tidigare i [%s]", key, section);
	ld->t->text[i] = xstrdup(val);
	ld->seen_text[i] = 1;
	return 0;
}

/* [delar] ROLE = PART PART …, separated by spaces or commas. */
static int
on_roller(void *arg, struct ini_ctx *ctx, const char *section, const char *key,
    const char *val)
{
	struct loader *ld = arg;
	unsigned bits = 0;
	size_t r, i, n;
	const char *p;

	if (strcmp(section, "delar") != 0)
		return ini_fail(ctx, "okänd sektion [%s]", section);
	if (key == NULL)
		return 0;
	for (r = 0; r < ROLL__MAX; r++)
		if (strcmp(roll_names[r], key) == 0)
			break;
	if (r == ROLL__MAX)
		return ini_fail(ctx, "okänd roll \"%s\" i [delar]", key);
	if (ld->seen_roll[r])
		return ini_fail(ctx, "\"%s\" står redan tidigare i [delar]", key);
	for (p = val; *p != '\0'; p += n) {
		p += strspn(p, " \t,");
		if ((n = strcspn(p, " \t,")) == 0)
			break;
		for (i = 0; i < sizeof(delar) / sizeof(delar[0]); i++)
			if (strlen(delar[i].name) == n && strncmp(delar[i].name, p, n) == 0)
				break;
		if (i == sizeof(delar) / sizeof(delar[0]))
			return ini_fail(ctx, "okänd del \"%.*s\" för %s (känner till rubrik, "
			    "galler, beslut, beslutsgang, beskrivning, skal, lagrum, "
			    "beslutsunderlag)", (int)n, p, key);
		bits |= delar[i].bit;
	}
	if ((bits & DEL_BESLUT) == 0)
		return ini_fail(ctx, "%s måste få beslut: utan beslutspunkterna finns inget "
		    "att underrätta om", key);
	if (roll_is_party((enum roll)r) && (bits & DEL_PARTY_MIN) != DEL_PARTY_MIN)
		return ini_fail(ctx, "%s är part och måste få beslut, skal och lagrum "
		    "(förvaltningslagen 32 §)", key);
	ld->t->delar[r] = bits;
	ld->seen_roll[r] = 1;
	return 0;
}

static int
load_ini(const char *dir, const char *name, ini_fn fn, struct loader *ld, char *err,
    size_t errlen)
{
	char *path = xasprintf("%s/%s", dir, name), *buf;
	size_t n;
	int rc;

	if (ini_read_file(path, TEMPLATE_MAX_FILE, &buf, &n, err, errlen) == -1) {
		free(path);
		return -1;
	}
	rc = ini_parse(buf, n, path, fn, ld, err, errlen);
	free(buf);
	free(path);
	return rc;
}

static int
load_longtext(const char *dir, const char *name, char **out, char *err, size_t errlen)
{
	char *path = xasprintf("%s/%s", dir, name), *buf;
	size_t n, i;

	if (ini_read_file(path, TEMPLATE_MAX_FILE, &buf, &n, err, errlen) == -1) {
		free(path);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (((unsigned char)buf[i] < 0x20 && buf[i] != '\n' && buf[i] != '\r' &&
		    buf[i] != '\t') || buf[i] == 0x7f)
			break;
	if (i < n || !ini_utf8_valid((const unsigned char *)buf, n)) {
		ini_errmsg(err, errlen, "%s: texten är inte UTF-8 utan styrtecken", path);
		free(buf);
		free(path);
		return -1;
	}
	free(path);
	*out = buf;
	return 0;
}

int
tmpl_load(struct tmpl *t, const char *dir, char *err, size_t errlen)
{
	struct loader ld;
	size_t i;

	memset(t, 0, sizeof(*t));
	memset(&ld, 0, sizeof(ld));
	ld.t = t;
	t->dir = xstrdup(dir);
	if (load_ini(dir, "layout.conf", on_layout, &ld, err, errlen) == -1 ||
	    load_ini(dir, "texts.conf", on_texts, &ld, err, errlen) == -1 ||
	    load_ini(dir, "roller.conf", on_roller, &ld, err, errlen) == -1)
		goto fail;
	for (i = 0; i < NNUMS; i++)
		if (!ld.seen_num[i]) {
			ini_errmsg(err, errlen, "%s/layout.conf: [%s] %s saknas", dir,
			    nums[i].section, nums[i].key);
			goto fail;
		}
	for (i = 0; i < T__MAX; i++)
		if (!ld.seen_text[i]) {
			ini_errmsg(err, errlen, "%s/texts.conf: [%s] %s saknas", dir,
			    i >= T_ROLL_FIRST ? "roller" : texts[i].section,
			    i >= T_ROLL_FIRST ? roll_names[i - T_ROLL_FIRST] : texts[i].key);
			goto fail;
		}
	for (i = 0; i < ROLL__MAX; i++)
		if (!ld.seen_roll[i]) {
			ini_errmsg(err, errlen, "%s/roller.conf: [delar] %s saknas", dir,
			    roll_names[i]);
			goto fail;
		}
	if (t->geo.address_min_size > t->geo.address_size) {
		ini_errmsg(err, errlen, "%s/layout.conf: [address] min_size är större än size",
		    dir);
		goto fail;
	}
	for (i = 0; i < L__MAX; i++)
		if (load_longtext(dir, longtext_files[i], &t->longtext[i], err, errlen) == -1)
			goto fail;
	return 0;
fail:
	tmpl_free(t);
	return -1;
}

void
tmpl_free(struct tmpl *t)
{
	size_t i;

	free(t->dir);
	for (i = 0; i < T__MAX; i++)
		free(t->text[i]);
	for (i = 0; i < L__MAX; i++)
		free(t->longtext[i]);
	memset(t, 0, sizeof(*t));
}

char *
tmpl_expand(const char *s, const struct tmpl_var *vars, size_t n, char *err, size_t errlen)
{
	size_t cap = strlen(s) + 64, len = 0, i;
	char *out = xmalloc(cap);
	const char *p, *close, *v;

#define PUT(str, l)                                                          \
	do {                                                                 \
		size_t l_ = (l);                                             \
		if (len + l_ + 1 > cap) {                                    \
			cap = (len + l_ + 1) * 2;                            \
			out = xreallocarray(out, cap, 1);                    \
		}                                                            \
		memcpy(out + len, (str), l_);                                \
		len += l_;                                                   \
	} while (0)

	for (p = s; *p != '\0'; p++) {
		if (*p != '{') {
			PUT(p, 1);
			continue;
		}
		if (p[1] == '{') {
			PUT("{", 1);
			p++;
			continue;
		}
		if ((close = strchr(p, '}')) == NULL) {
			ini_errmsg(err, errlen, "platshållare utan avslutande }: \"%.40s\"", p);
			free(out);
			return NULL;
		}
		for (i = 0; i < n; i++)
			if (strlen(vars[i].name) == (size_t)(close - p - 1) &&
			    strncmp(vars[i].name, p + 1, (size_t)(close - p - 1)) == 0)
				break;
		if (i == n) {
			ini_errmsg(err, errlen, "okänd platshållare {%.*s}", (int)(close - p - 1),
			    p + 1);
			free(out);
			return NULL;
		}
		v = vars[i].value != NULL ? vars[i].value : "";
		PUT(v, strlen(v));
		p = close;
	}
#undef PUT
	out[len] = '\0';
	return out;
}
