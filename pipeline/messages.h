/*
 * messages.h -- the Swedish wording of the rules that both check
 * (validate_*.c) and the försättsblad form (blankett.c, the web page a
 * handläggare fills in) apply, kept in one place so that the two cannot
 * drift apart.
 *
 * The rules (validate_*.c) use the CHECK_ texts as their printf formats, so
 * the compiler checks their arguments.  blankett.c puts every entry of
 * message_table (messages.c) into the page, where the same formats are
 * filled in by JavaScript.  Where check names an XML element or attribute that the
 * form does not show (`<adress>`, `underrattas="nej"`), the form's text
 * (FORM_) has the same statement, built from the same pieces here, and
 * names the form's field instead; blankett.c refuses to put a text that
 * names XML into the page.
 */
#ifndef EXPEDIERA_MESSAGES_H
#define EXPEDIERA_MESSAGES_H

#include <stddef.h>

#include "diag.h"

/* ---- invalid-personnummer ---- */

/* what, name: "den som ärendet gäller," / "vårdnadshavaren" / "mottagaren" */
#define CHECK_PNR_EMPTY "Personnummer saknas för %s %s; skriv det med tolv siffror, ÅÅÅÅMMDD-NNNN."
/* what, name, masked number, pnr_status_text() */
#define CHECK_PNR_INVALID "Personnumret för %s %s (%s) är ogiltigt: %s."
#define WHAT_GALLER "den som ärendet gäller,"
#define WHAT_VARDNADSHAVARE "vårdnadshavaren"
#define WHAT_MOTTAGARE "mottagaren"
#define CHECK_ORGNR_INVALID \
	"Organisationsnumret för mottagaren %s är ogiltigt; skriv det NNNNNN-NNNN och " \
	"kontrollera sista siffran."

/* ---- subject-mismatch ---- */

#define CHECK_SUBJECT_MISMATCH_RECIPIENT \
	"Mottagaren %s står som den enskilde, men ärendet gäller %s. Den enskilde är den " \
	"som beslutet gäller."

/* ---- guardian-missing, not-guardian ---- */

#define GUARDIAN_MISSING(fix) "%s är %d år på sammanträdesdagen. " fix
#define CHECK_GUARDIAN_MISSING GUARDIAN_MISSING( \
	"Ange barnets vårdnadshavare (<vardnadshavare>) på försättsbladet, eller " \
	"<ingen-vardnadshavare orsak=\"…\"/> om barnet saknar vårdnadshavare.")
#define FORM_GUARDIAN_MISSING GUARDIAN_MISSING( \
	"Ange barnets vårdnadshavare under Vårdnadshavare, eller välj att barnet saknar " \
	"vårdnadshavare och skriv varför.")

#define CHECK_NOT_GUARDIAN_NONE \
	"Mottagaren %s står som vårdnadshavare, men försättsbladet anger att %s saknar " \
	"vårdnadshavare."
#define NOT_GUARDIAN_UNLISTED(fix) \
	"Mottagaren %s står som vårdnadshavare, men försättsbladet anger inga " \
	"vårdnadshavare att jämföra med. " fix
#define CHECK_NOT_GUARDIAN_UNLISTED NOT_GUARDIAN_UNLISTED( \
	"Ange barnets vårdnadshavare under <vardnadshavare>.")
#define FORM_NOT_GUARDIAN_UNLISTED NOT_GUARDIAN_UNLISTED( \
	"Ange barnets vårdnadshavare under Vårdnadshavare.")
#define CHECK_NOT_GUARDIAN \
	"Mottagaren %s står som vårdnadshavare men finns inte bland barnets vårdnadshavare " \
	"på försättsbladet."

/* ---- guardian-not-notified ---- */

#define GUARDIAN_NO_REASON(nej, fix) \
	"Vårdnadshavaren %s ska inte underrättas" nej ", men ingen orsak anges. " fix
#define CHECK_GUARDIAN_NO_REASON GUARDIAN_NO_REASON(" (underrattas=\"nej\")", \
	"Skriv varför i orsak=\"…\", eller ta bort underrattas=\"nej\" och ange " \
	"vårdnadshavaren som mottagare.")
#define FORM_GUARDIAN_NO_REASON GUARDIAN_NO_REASON("", \
	"Skriv varför, eller ta bort krysset för att hen inte ska underrättas och ange " \
	"vårdnadshavaren som mottagare.")

/* guardian, the role the guardian has as recipient (roll_names) */
#define GUARDIAN_INFORMED_ROLE(fix) \
	"Vårdnadshavaren %s står som mottagare med roll \"%s\" och får då inte veta hur " \
	"beslutet överklagas. " fix
#define CHECK_GUARDIAN_INFORMED_ROLE GUARDIAN_INFORMED_ROLE( \
	"Ange roll=\"vardnadshavare\" för hen.")
#define FORM_GUARDIAN_INFORMED_ROLE GUARDIAN_INFORMED_ROLE( \
	"Ange rollen Vårdnadshavare för hen.")

/* guardian, child's name, child's age */
#define GUARDIAN_NOT_RECIPIENT(fix) \
	"Vårdnadshavaren %s är inte mottagare av beslutet, men %s är %d år och " \
	"vårdnadshavaren är part i ärendet. " fix
#define CHECK_GUARDIAN_NOT_RECIPIENT GUARDIAN_NOT_RECIPIENT( \
	"Ange hen som <mottagare roll=\"vardnadshavare\"> med adress, eller skriv varför " \
	"hen inte ska underrättas: <person underrattas=\"nej\" orsak=\"…\">.")
#define FORM_GUARDIAN_NOT_RECIPIENT GUARDIAN_NOT_RECIPIENT( \
	"Ange hen som mottagare med rollen Vårdnadshavare och adress, eller skriv varför " \
	"hen inte ska underrättas.")

/* ---- subject-not-notified ---- */

#define SUBJECT_NO_REASON(nej, fix) \
	"%s ska inte underrättas" nej ", men ingen orsak anges. " fix
#define CHECK_SUBJECT_NO_REASON SUBJECT_NO_REASON(" (underrattas=\"nej\")", \
	"Skriv varför i orsak=\"…\", eller ta bort underrattas=\"nej\" och ange hen som " \
	"mottagare med roll=\"den-enskilde\".")
#define FORM_SUBJECT_NO_REASON SUBJECT_NO_REASON("", \
	"Skriv varför, eller ta bort krysset för att hen inte ska underrättas och ange " \
	"hen som mottagare med rollen Den enskilde.")

#define SUBJECT_NOT_RECIPIENT(fix) \
	"%s är %d år på sammanträdesdagen och part i ärendet, men är inte mottagare av " \
	"beslutet. En part ska underrättas om beslutet i sitt ärende (33 § förvaltningslagen), " \
	"också när det inte kan överklagas. " fix
#define CHECK_SUBJECT_NOT_RECIPIENT SUBJECT_NOT_RECIPIENT( \
	"Ange hen som <mottagare roll=\"den-enskilde\"> med adress, eller skriv varför hen " \
	"inte ska underrättas: <galler underrattas=\"nej\" orsak=\"…\">.")
#define FORM_SUBJECT_NOT_RECIPIENT SUBJECT_NOT_RECIPIENT( \
	"Ange hen som mottagare med rollen Den enskilde och adress, eller skriv varför hen " \
	"inte ska underrättas.")

/* ---- minor-recipient ---- */

#define CHECK_MINOR_RECIPIENT \
	"Mottagaren %s står som den enskilde men är bara %d år på sammanträdesdagen. Ett " \
	"barn under 15 år ska inte få beslutet själv; skicka det till vårdnadshavarna."
#define CHECK_MINOR_RECIPIENT_15 \
	"Mottagaren %s står som den enskilde och är %d år. Kontrollera att beslutet ska " \
	"skickas till hen själv (från 15 år för barnet sin egen talan i mål enligt LVU och " \
	"SoL)."

/* ---- address-missing, -incomplete, -uncertain ---- */

#define ADDRESS_MISSING(adress, skyddad) \
	"Mottagaren %s har ingen adress. Ange adressen som handläggaren bekräftat" adress \
	", eller " skyddad " om mottagaren har skyddade personuppgifter."
#define CHECK_ADDRESS_MISSING ADDRESS_MISSING(" (<adress>)", "<skyddad-identitet/>")
#define FORM_ADDRESS_MISSING ADDRESS_MISSING("", "välj Skyddad identitet")

/* recipient, what it lacks: the LACK_ texts joined by ", " */
#define CHECK_ADDRESS_INCOMPLETE "Adressen till mottagaren %s är ofullständig: %s."
#define LACK_UTDELNINGSADRESS "utdelningsadress saknas"
#define LACK_LAND "land saknas för en utlandsadress"
#define LACK_POSTNUMMER "postnummer saknas"
#define LACK_POSTNUMMER_FORM "postnumret ska skrivas med fem siffror som NNN NN och börja med 1–9"
#define LACK_LAND_NOT_UTLAND "land får bara anges när typ=\"utland\""
#define FORM_LACK_LAND_NOT_UTLAND "land får bara anges för en adress utomlands"
#define LACK_POSTORT "postort saknas"

#define ADDRESS_UNCERTAIN(osaker) \
	"Adressen till mottagaren %s är markerad som osäker" osaker ". Handläggaren ska " \
	"bekräfta adressen innan beslutet skickas; ta sedan bort markeringen."
#define CHECK_ADDRESS_UNCERTAIN ADDRESS_UNCERTAIN(" (osaker=\"true\")")
#define FORM_ADDRESS_UNCERTAIN ADDRESS_UNCERTAIN("")

/* ---- duplicate-recipient, dnr-format ---- */

/* recipient, where the first one stands: a line in check, a number in the form */
#define DUPLICATE_RECIPIENT(where) \
	"Mottagaren %s står redan " where ". Varje mottagare ska anges en gång; ta bort " \
	"den ena."
#define CHECK_DUPLICATE_RECIPIENT DUPLICATE_RECIPIENT("på rad %d")
#define FORM_DUPLICATE_RECIPIENT DUPLICATE_RECIPIENT("som mottagare %d")

/* check: dnr, § number; the form knows no § and leaves it out */
#define DNR_FORMAT(par) \
	"Dnr \"%s\"" par " följer inte kommunens format för diarienummer (till exempel " \
	"SN/2026:412)."
#define CHECK_DNR_FORMAT DNR_FORMAT(" för § %lu")
#define FORM_DNR_FORMAT DNR_FORMAT("")

/* ---- cover-sheet-date ---- */

/* ifylld datum, today */
#define COVER_SHEET_FUTURE(fix) \
	"Försättsbladet är ifyllt %s, ett datum som ännu inte har varit (i dag är det %s). " fix
#define CHECK_COVER_SHEET_FUTURE COVER_SHEET_FUTURE( \
	"Skriv det datum då försättsbladet fylldes i, i <ifylld datum=\"…\">.")
#define FORM_COVER_SHEET_FUTURE COVER_SHEET_FUTURE( \
	"Skriv det datum då försättsbladet fylldes i, under Ifyllt av.")

/*
 * ifylld datum, days between, the date it is measured against, [check]
 * max_alder_dagar.  A stale address was the root of the Katrineholm case.
 * The form measures against the meeting too; before it knows the meeting's
 * date, against today (its own text, used nowhere in check).
 */
#define COVER_SHEET_STALE(ref) \
	"Försättsbladet är ifyllt %s, %d dagar före " ref "; det får vara högst %d " \
	"dagar gammalt. Adresserna kan ha ändrats sedan dess: kontrollera dem mot " \
	"folkbokföringen och fyll i försättsbladet på nytt."
#define CHECK_COVER_SHEET_STALE COVER_SHEET_STALE("sammanträdet %s")
#define FORM_COVER_SHEET_STALE_TODAY COVER_SHEET_STALE("i dag, %s")

/*
 * The table the form is made from: each text by a key the page's script
 * uses, with its rule, check's wording and, where check's names XML or a
 * place in a file, the form's.
 */
struct message {
	const char *key;          /* e.g. "guardian-missing" */
	enum rule rule;
	const char *check;        /* as the rule formats it */
	const char *form;         /* the form's wording; NULL: the same as check */
};

extern const struct message message_table[];
extern const size_t message_count;

#endif
