/*
 * text_person.h -- a person's mentions in running text replaced by a word
 * ("den unge"), for what is published about them (the public protocol's
 * decision points, SPEC 4).
 */
#ifndef EXPEDIERA_TEXT_PERSON_H
#define EXPEDIERA_TEXT_PERSON_H

/* Who to replace, and with what. */
struct text_person {
	const char *namn;     /* "Liam Åkesson"; NULL or "": no name */
	const char *pnr;      /* as written, 10 or 12 digits; NULL or other: no number */
	const char *word;     /* "den unge" */
	const char *genitive; /* "den unges" */
};

/*
 * s with every mention of the person replaced by word, or by genitive where
 * the name stands in the genitive ("Liams", "Åkessons", "Liam's"):
 *
 * - the name: its parts (split at white space and '-', each of at least two
 *   characters) as whole words, case-insensitively (ASCII and Latin-1
 *   letters: Å Ä Ö), and a run of them ("Liam Åkesson", "Åkesson Liam",
 *   "Anna-Karin") as one mention; "Liamsson" is another word and stays;
 * - the personnummer in any common written form: 12 or 10 digits, with '-',
 *   '+', en dash or a space before the last four, or none; a 10-digit form
 *   in the text matches whatever century; one written after the name
 *   ("Liam Åkesson (20200509-9813)", "Liam Åkesson, 20200509-9813") goes
 *   with it into one mention.
 *
 * A mention at the start of a sentence (start of s, or after '.', '!', '?')
 * gets a capital first letter ("Den unge").  A new string; the caller frees it.
 */
char *text_replace_person(const char *s, const struct text_person *who);

#endif
