/*
 * validate_int.h -- what the files of stage 2 share; nothing else includes
 * it.  validate.c joins the records and walks a table of the rules; the rules
 * live by family in validate_protokoll.c (the protocol, the joins and the
 * sheets' dates),
 * validate_person.c (who a decision concerns and who is told) and
 * validate_address.c (the addresses, and who may have none).
 *
 * A rule is one or more hooks, as mandoc's validators are: one called for
 * each paragraph, one for each försättsblad (valid or not: a hook that needs
 * the fields checks fb->valid), one for each mottagare of a valid
 * försättsblad.  validate.c calls them in that order, rule by rule.
 */
#ifndef EXPEDIERA_VALIDATE_INT_H
#define EXPEDIERA_VALIDATE_INT_H

#include <stdbool.h>

#include "validate.h"

#define PROTOKOLL "protokoll.xml"

/* What every rule needs to hand. */
struct vctx {
	struct session *s;
	const struct ymd *datum; /* sammantradesdatum, NULL when unknown */
	const struct skyddade *skyddade; /* of the whole package, sorted */
	const struct address_window *aw; /* the letters' window and fonts */
	const char *internal;    /* [archive] internal, comma-separated */
	const struct dnr_pattern *dnr; /* [dnr] pattern, NULL for none */
	const struct ymd *today; /* clock_today(), NULL when it could not be read */
	int max_alder_dagar;     /* [check] max_alder_dagar */
	const struct appeal_table *appeal; /* overklagande.conf, NULL for none */
};

/* "Elsa Exempel (20130315-****)", or just the name without a number. */
char *who(const char *namn, const struct ident *id);
/* The nr of the first paragraph fb joins, or 0. */
unsigned long fb_paragraf(const struct forsattsblad *fb);
/* NULL or "". */
bool blank(const char *s);

/* validate_protokoll.c */
void validate_missing_cover_sheet(struct vctx *, struct paragraf *);
void validate_duplicate_cover_sheet(struct vctx *, struct forsattsblad *);
void validate_orphan_cover_sheet(struct vctx *, struct forsattsblad *);
void validate_not_adjusted(struct vctx *, struct paragraf *);
void validate_unknown_internal_recipient(struct vctx *, struct paragraf *);
void validate_reasons_missing(struct vctx *, struct paragraf *);
void validate_dnr_format(struct vctx *, struct paragraf *);
void validate_cover_sheet_date(struct vctx *, struct forsattsblad *);
void validate_appeal_route_mismatch(struct vctx *, struct paragraf *);

/* validate_person.c */
void validate_invalid_personnummer_galler(struct vctx *, struct paragraf *);
void validate_invalid_personnummer(struct vctx *, struct forsattsblad *);
void validate_invalid_personnummer_recipient(struct vctx *, struct forsattsblad *,
    struct mottagare *);
void validate_subject_mismatch(struct vctx *, struct forsattsblad *);
void validate_subject_mismatch_recipient(struct vctx *, struct forsattsblad *,
    struct mottagare *);
void validate_guardian_missing(struct vctx *, struct forsattsblad *);
void validate_guardian_not_notified(struct vctx *, struct forsattsblad *);
void validate_subject_not_notified(struct vctx *, struct forsattsblad *);
void validate_minor_recipient(struct vctx *, struct forsattsblad *, struct mottagare *);
void validate_not_guardian(struct vctx *, struct forsattsblad *, struct mottagare *);
void validate_duplicate_recipient(struct vctx *, struct forsattsblad *, struct mottagare *);

/* validate_address.c */
void validate_addresses(struct vctx *, struct forsattsblad *, struct mottagare *);
void validate_address_unprintable(struct vctx *, struct forsattsblad *, struct mottagare *);
void validate_protected_identity_exposed(struct vctx *, struct forsattsblad *,
    struct mottagare *);

#endif
