/*
 * session.h -- the one record type that crosses every stage: a session package
 * read into memory (mandoc's struct roff_meta plays this part there).
 *
 * read.c builds it from protokoll.xml and the försättsblad files, validate.c
 * checks it in place and adds findings, later stages only read it.  All
 * strings and records live in the session's arena, the arrays of paragraphs
 * and försättsblad on the heap; session_free() frees them all together, and
 * nothing in here is ever freed on its own.
 *
 * A large package is read a part at a time (parts.h): each part is a struct
 * session of its own holding the protocol's head, some of its paragraphs and
 * the försättsblad that join them.
 */
#ifndef EXPEDIERA_SESSION_H
#define EXPEDIERA_SESSION_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "diag.h"
#include "personnummer.h"

enum roll {
	ROLL_DEN_ENSKILDE,
	ROLL_VARDNADSHAVARE,
	ROLL_SARSKILT_FORORDNAD_VARDNADSHAVARE,
	ROLL_GOD_MAN,
	ROLL_FORVALTARE,
	ROLL_OMBUD,
	ROLL_FAMILJEHEM,
	ROLL_HVB,
	ROLL_MYNDIGHET,
	ROLL_ANNAN,
	ROLL__MAX
};

/*
 * The first six roles are parties, or speak for one: they get the beslut with
 * how to appeal.  The others are informed and get an underrättelse om beslut
 * (SPEC 2.2).  The law decides which is which, so templates do not.
 */
static inline bool
roll_is_party(enum roll r)
{
	return r <= ROLL_OMBUD;
}

enum kanal { KANAL_AUTO, KANAL_DIGITAL, KANAL_POST, KANAL_REKOMMENDERAT, KANAL__MAX };

enum adresstyp { ADRESS_FOLKBOKFORING, ADRESS_VISTELSE, ADRESS_SARSKILD, ADRESS_UTLAND, ADRESS__MAX };

enum overklagande {
	OVERKLAGANDE_EJ_ANGIVET,  /* no <overklagande> element */
	OVERKLAGANDE_FORVALTNINGSBESVAR,
	OVERKLAGANDE_LAGLIGHETSPROVNING,
	OVERKLAGANDE_EJ_OVERKLAGBART,
	/*
	 * Cannot be appealed: the nämnd submits (underställer) the decision to
	 * förvaltningsrätten, which tries it (7 § LVU, 15 § LVM).
	 */
	OVERKLAGANDE_UNDERSTALLS
};

/* Names as they stand in the XML, indexed by the enums above. */
extern const char *const roll_names[ROLL__MAX];
extern const char *const roll_labels[ROLL__MAX]; /* "Vårdnadshavare" */
extern const char *const kanal_names[KANAL__MAX];
extern const char *const adresstyp_names[ADRESS__MAX];

/*
 * An identity number as written, and what became of it.  raw is NULL when the
 * element is absent.  When ok, pnr.digits holds the normalized 12 digits.
 */
struct ident {
	const char *raw;
	int line;
	bool ok;
	enum pnr_status status;
	struct pnr pnr;
};

struct person {
	const char *namn;
	struct ident pnr;
	int line;             /* of the enclosing element (galler, person) */
	/* A försättsblad's galler or vårdnadshavare who is not to be a recipient. */
	bool ej_underrattas;  /* underrattas="nej" */
	const char *orsak;    /* why not; NULL when absent, "" when blank */
};

struct adress {
	enum adresstyp typ;
	bool osaker;
	const char *co;                 /* NULL when absent */
	const char *utdelningsadress[2];
	size_t n_utdelningsadress;
	const char *postnummer;         /* NULL when absent */
	const char *postort;
	const char *land;
	int line;
	/* Lines of the parts, for findings that name one (0 when absent). */
	int co_line, utdelningsadress_line[2], postnummer_line, postort_line, land_line;
};

struct mottagare {
	enum roll roll;
	enum kanal kanal;
	const char *namn;
	int namn_line;
	struct ident pnr;               /* personnummer, raw NULL when absent */
	const char *orgnr_raw;          /* organisationsnummer, NULL when absent */
	int orgnr_line;
	bool orgnr_ok;
	char orgnr[11];                 /* 10 digits when orgnr_ok */
	bool skyddad;                   /* <skyddad-identitet/> */
	struct ymd skydd_upphort;       /* skydd-upphort: the day Skatteverket lifted
	                                   the marking; {0, 0, 0} when absent */
	bool delgivning;                /* delgivning="true": served, with a kvitto */
	struct adress *adresser;
	size_t n_adresser;
	int line;
};

struct handlaggare {
	const char *namn, *titel, *enhet, *telefon, *epost;
};

enum vh_state { VH_EJ_ANGIVET, VH_ANGIVNA, VH_INGEN };

struct forsattsblad {
	const char *file;               /* relative to the session: "forsattsblad/x.xml" */
	bool valid;                     /* well-formed and valid against the XSD */
	const char *dnr;                /* arende/@dnr, normalized; NULL when unknown */
	int arende_line;
	struct person galler;
	struct handlaggare handlaggare;
	enum vh_state vh;
	struct person *vardnadshavare;
	size_t n_vardnadshavare;
	const char *ingen_orsak;
	struct mottagare *mottagare;
	size_t n_mottagare;
	const char *avsandare;          /* NULL: the nämndsekreterare sends it */
	int avsandare_line;
	const char *ifylld_av;
	struct ymd ifylld_datum;        /* {0, 0, 0} when it could not be read */
	int ifylld_line;
	/* Set by validate.c. */
	struct paragraf **paragrafer;   /* the paragraphs it joins */
	size_t n_paragrafer;
};

struct paragraf {
	unsigned long nr;
	const char *dnr;                /* normalized; NULL when the attribute is absent */
	/*
	 * Masked in the public protocol (SPEC 2.1): sekretess="true", or a
	 * <galler> and no sekretess attribute.  Only an explicit "false"
	 * publishes a paragraph about an individual.
	 */
	bool sekretess;
	bool offentligt_beslut;         /* a masked paragraph still shows its <beslut> */
	bool omedelbart_justerad;
	const char *rubrik;
	const char *offentlig_rubrik;   /* the rubrik a masked paragraph shows; NULL when absent */
	bool has_galler;
	struct person galler;
	const char **punkter;
	size_t n_punkter;
	const char **lagrum;
	size_t n_lagrum;
	const char *beslutsgang;        /* NULL when absent */
	const char **beskrivning;
	size_t n_beskrivning;
	const char **skal;
	size_t n_skal;
	const char **beslutsunderlag;
	size_t n_beslutsunderlag;
	enum overklagande overklagande;
	int overklagande_line;          /* of <overklagande>; 0 when absent */
	/* avvikelse="…": why the nämnd chose another route than overklagande.conf; NULL when absent. */
	const char *overklagande_avvikelse;
	/*
	 * Set by validate.c from templates/overklagande.conf for a paragraph
	 * with typ="understalls": the statute that requires the underställning
	 * ("7 § LVU") and its deadline in days after the decision (0: at once,
	 * "genast").  understalls_lag is NULL and understalls_dagar -1 when no
	 * line of the table matched (the nämnd chose the route itself).
	 */
	const char *understalls_lag;
	int understalls_dagar;
	const char **skickas_till;
	int *skickas_till_line;         /* of each entry */
	size_t n_skickas_till;
	int line;
	/* Set by validate.c. */
	struct forsattsblad *fb;        /* the one försättsblad joined, NULL if none */
	bool blocked;                   /* an error finding names this paragraph */
	bool waiting;                   /* not justerat yet: held until it is (not-adjusted) */
};

/* One present at the meeting, with what they were there as (NULL none). */
struct narvarande {
	const char *namn;
	const char *roll;
};

struct protokoll {
	const char *kommun;
	const char *organ;
	struct ymd sammantradesdatum;
	const char *tid;                /* "13.15–15.40"; NULL when not given */
	const char *plats;
	/* Who was there: ledamöter, ersättare, tjänstemän (SPEC 2.1); n 0 each when not given. */
	struct narvarande *ledamoter, *ersattare, *tjansteman;
	size_t n_ledamoter, n_ersattare, n_tjansteman;
	const char *ordforande;
	const char *sekreterare;
	const char **justerare;
	size_t n_justerare;
	bool justerad;
	struct ymd justerad_datum;
	/* The anslagsbevis; has_anslag false when <anslag> is not given. */
	bool has_anslag, has_anslag_nedtas;
	struct ymd anslag_uppsatt, anslag_nedtas;
	const char *anslag_forvaring;
	struct paragraf *paragrafer;
	size_t n_paragrafer;
};

struct session {
	char *dir;                      /* as given on the command line */
	struct arena arena;
	bool protokoll_valid;           /* protokoll.xml read and valid */
	struct protokoll protokoll;
	struct forsattsblad *fb;        /* sorted by file name */
	size_t n_fb;
	size_t cap_fb;
	size_t cap_paragrafer;          /* protokoll.paragrafer is malloc'd */
	struct diag diag;               /* every finding of the session */
};

void session_init(struct session *, const char *dir);
void session_free(struct session *);

#endif
