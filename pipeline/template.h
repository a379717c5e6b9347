/*
 * template.h -- layout and wording from templates/ (layout.conf, texts.conf,
 * roller.conf, overklagande-*.txt), so a municipality changes its documents
 * without recompiling.  Loaded once per run and read by the renderers.
 */
#ifndef EXPEDIERA_TEMPLATE_H
#define EXPEDIERA_TEMPLATE_H

#include <stddef.h>

struct window {
	float x, y, width, height; /* mm from the top-left corner of the page */
};

struct geometry {
	float margin_left, margin_right, margin_top, margin_bottom; /* mm */
	float body_size, line_height, heading_size, title_size, small_size;
	struct window window[2]; /* WINDOW_LEFT, WINDOW_RIGHT */
	float address_padding, address_size, address_min_size;
	float letter_body_top; /* mm */
};

enum { WINDOW_LEFT, WINDOW_RIGHT };

/* Every text of texts.conf, named SECTION_KEY. */
enum text {
	T_DOKUMENT_SEKRETESS,
	T_DOKUMENT_SIDA,
	T_DOKUMENT_SIDFOT_POSTADRESS,
	T_DOKUMENT_SIDFOT_TELEFON,
	T_DOKUMENT_SIDFOT_EPOST,
	T_DOKUMENT_SIDFOT_WEBB,
	T_DOKUMENT_BLAD,
	T_DOKUMENT_BLAD_REK,
	T_BESLUT_TITEL,
	T_BESLUT_DATUM,
	T_BESLUT_DNR,
	T_BESLUT_RUBRIK,
	T_BESLUT_GALLER,
	T_BESLUT_INLEDNING,
	T_BESLUT_BESLUT_RUBRIK,
	T_BESLUT_SKAL_RUBRIK,
	T_BESLUT_LAGRUM_RUBRIK,
	T_BESLUT_OVERKLAGANDE_RUBRIK,
	T_BESLUT_FORVALTNINGSBESVAR,
	T_BESLUT_LAGLIGHETSPROVNING,
	T_BESLUT_EJ_OVERKLAGBART,
	T_BESLUT_KONTAKT_RUBRIK,
	T_BESLUT_KONTAKT,
	T_BESLUT_BILAGOR_RUBRIK,
	T_BESLUT_BILAGA_UTDRAG,
	T_BESLUT_BILAGA_OVERKLAGANDE,
	T_BESLUT_BILAGA_LAGLIGHETSPROVNING,
	T_BESLUT_LAGLIGHETSPROVNING_ANSLAG,
	T_BESLUT_REKOMMENDERAT,
	T_UNDERRATTELSE_TITEL,
	T_UNDERRATTELSE_INLEDNING,
	T_UNDERRATTELSE_KONTAKT,
	T_UNDERRATTELSE_BILAGA_UTDRAG,
	T_UTDRAG_TITEL,
	T_UTDRAG_SAMMANTRADESDATUM,
	T_UTDRAG_PARAGRAF,
	T_UTDRAG_DNR,
	T_UTDRAG_GALLER,
	T_UTDRAG_BESLUT_RUBRIK,
	T_UTDRAG_BESLUTSGANG_RUBRIK,
	T_UTDRAG_BESKRIVNING_RUBRIK,
	T_UTDRAG_SKAL_RUBRIK,
	T_UTDRAG_LAGRUM_RUBRIK,
	T_UTDRAG_UNDERLAG_RUBRIK,
	T_UTDRAG_SKICKAS_RUBRIK,
	T_UTDRAG_OMEDELBART,
	T_UTDRAG_DELVIS,
	T_UTDRAG_JUSTERANDES_SIGN,
	T_UTDRAG_BESTYRKANDE_RUBRIK,
	T_UTDRAG_BESTYRKANDE,
	T_PROTOKOLL_TITEL,
	T_PROTOKOLL_INTERN,
	T_PROTOKOLL_OFFENTLIG,
	T_PROTOKOLL_PLATS,
	T_PROTOKOLL_ORDFORANDE,
	T_PROTOKOLL_SEKRETERARE,
	T_PROTOKOLL_JUSTERARE,
	T_PROTOKOLL_JUSTERAD,
	T_PROTOKOLL_EJ_JUSTERAD,
	T_PROTOKOLL_SEKRETESS,
	T_PROTOKOLL_SEKRETESS_RUBRIK,
	T_PROTOKOLL_UNDERSKRIFTER,
	T_PROTOKOLL_TID,
	T_PROTOKOLL_NARVARANDE,
	T_PROTOKOLL_LEDAMOTER,
	T_PROTOKOLL_ERSATTARE,
	T_PROTOKOLL_TJANSTEMAN,
	T_PROTOKOLL_ANSLAG_TITEL,
	T_PROTOKOLL_ANSLAG_INLEDNING,
	T_PROTOKOLL_ANSLAG_ORGAN,
	T_PROTOKOLL_ANSLAG_SAMMANTRADESDATUM,
	T_PROTOKOLL_ANSLAG_UPPSATT,
	T_PROTOKOLL_ANSLAG_NEDTAS,
	T_PROTOKOLL_ANSLAG_FORVARING,
	T_PROTOKOLL_ANSLAG_UNDERSKRIFT,
	/* Who an offentligt-beslut decision concerns, in the public protocol. */
	T_PROTOKOLL_DEN_UNGE,
	T_PROTOKOLL_DEN_UNGES,
	T_PROTOKOLL_DEN_ENSKILDE,
	T_PROTOKOLL_DEN_ENSKILDES,
	T_RATTELSE_RUBRIK_UTSKICK,
	T_RATTELSE_RUBRIK_BESLUT,
	T_RATTELSE_UTSKICK,
	T_RATTELSE_UTSKICK_NY,
	T_RATTELSE_BESLUT,
	T_RATTELSE_BESLUT_NY,
	T_RATTELSE_TILL_MOTTAGAREN,
	T_KVITTO_TITEL,
	T_KVITTO_INLEDNING,
	T_KVITTO_ARENDE,
	T_KVITTO_MOTTAGARE,
	T_KVITTO_FORSANDELSE,
	T_KVITTO_FORSANDELSE_OKAND,
	T_KVITTO_DATUM,
	T_KVITTO_NAMNTECKNING,
	T_KVITTO_NAMNFORTYDLIGANDE,
	T_KVITTO_INSTRUKTION,
	T_KVITTO_RETUR_RUBRIK,
	T_UNDERSTALLS_RUBRIK,
	T_UNDERSTALLS_EJ_OVERKLAGBART,
	T_UNDERSTALLS_UNDERSTALLNING,
	T_UNDERSTALLS_UNDERSTALLNING_UTAN_FRIST,
	T_UNDERSTALLS_LAG,
	T_UNDERSTALLS_FRIST_VECKA,
	T_UNDERSTALLS_FRIST_GENAST,
	T_UNDERSTALLS_FRIST_DAGAR,
	T_UNDERSTALLS_PROVNING,
	T_UNDERSTALLS_HORAS,
	T_UNDERSTALLS_BITRADE,
	T_UNDERSTALLS_BITRADE_UTAN_LAG,
	T_UNDERSTALLS_BITRADE_LVU,
	T_UNDERSTALLS_BITRADE_LVM,
	T_ROLL_FIRST, /* [roller], in the order of enum roll (session.h) */
	T__MAX = T_ROLL_FIRST + 10
};

/*
 * The parts of a paragraph a recipient may get (roller.conf), in its letter
 * and in its protokollsutdrag.  What a role does not get is left out of
 * both, so that, say, an HVB never reads another young person's drug test
 * in the reasons.
 */
enum del {
	DEL_RUBRIK = 1u << 0,
	DEL_GALLER = 1u << 1,          /* "Beslutet gäller …": whom it concerns */
	DEL_BESLUT = 1u << 2,          /* the decision points: always */
	DEL_BESLUTSGANG = 1u << 3,
	DEL_BESKRIVNING = 1u << 4,
	DEL_SKAL = 1u << 5,
	DEL_LAGRUM = 1u << 6,
	DEL_BESLUTSUNDERLAG = 1u << 7,
	DEL_ALLA = (1u << 8) - 1
};

/* The long texts, one file each. */
enum longtext { L_FORVALTNINGSBESVAR, L_LAGLIGHETSPROVNING, L__MAX };

struct tmpl {
	char *dir;
	struct geometry geo;
	char *text[T__MAX];
	char *longtext[L__MAX];
	unsigned delar[T__MAX - T_ROLL_FIRST]; /* enum del bits, per enum roll */
};

/* Loads dir/layout.conf, dir/texts.conf and the long texts; -1 with err. */
int tmpl_load(struct tmpl *, const char *dir, char *err, size_t errlen);
void tmpl_free(struct tmpl *);

/* A value for a placeholder, looked up by name; NULL when unknown. */
struct tmpl_var {
	const char *name;
	const char *value;
};

/*
 * Expands {name} placeholders of s from vars (n of them; a NULL value expands
 * to the empty string).  Returns a new string, or NULL with a Swedish message
 * in err naming the unknown placeholder.  "{{" stands for "{".
 */
char *tmpl_expand(const char *s, const struct tmpl_var *vars, size_t n, char *err,
    size_t errlen);

#endif
