/*
 * test_text_person.c -- unit tests for pipeline/text_person.c: a person's
 * name and personnummer replaced in running text, as the public protocol
 * prints an offentligt-beslut paragraph's decision points (SPEC 4).  Hostile
 * cases first: the name inside another word, in the genitive, at the start
 * of a sentence, in capitals; the number in every written form, and numbers
 * that only look like it.
 *
 * Prints "FAIL: ..." for each failing case and a summary line; exits 1 when
 * anything failed.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text_person.h"

static int passed, failed;

static const struct text_person liam = {
	"Liam Åkesson", "20200509-9813", "den unge", "den unges"};

struct tcase {
	const char *in, *want;
};

static void
run(const struct text_person *who, const struct tcase *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		char *got = text_replace_person(t[i].in, who);

		if (strcmp(got, t[i].want) == 0)
			passed++;
		else {
			failed++;
			printf("FAIL: \"%s\": got \"%s\", want \"%s\"\n", t[i].in, got, t[i].want);
		}
		free(got);
	}
}

int
main(void)
{
	static const struct tcase name[] = {
		{"Socialnämndens individutskott beslutar att Liam Åkesson omedelbart ska omhändertas.",
		    "Socialnämndens individutskott beslutar att den unge omedelbart ska omhändertas."},
		/* at the start: a capital */
		{"Liam ska vistas i familjehemmet.", "Den unge ska vistas i familjehemmet."},
		{"Åkesson Liam ska vistas där.", "Den unge ska vistas där."},
		{"Beslut fattas. Liam flyttar. Åkessons skola byts.",
		    "Beslut fattas. Den unge flyttar. Den unges skola byts."},
		/* inside another word: not the name */
		{"Liamsson och Williams Åkessonska gård.", "Liamsson och Williams Åkessonska gård."},
		{"William och Liamo", "William och Liamo"},
		/* the genitive */
		{"att Liams vård ska upphöra", "att den unges vård ska upphöra"},
		{"att Liam Åkessons vård ska upphöra", "att den unges vård ska upphöra"},
		{"om Åkessons skolgång", "om den unges skolgång"},
		{"om Liam's skolgång", "om den unges skolgång"},
		{"om Liam’s skolgång", "om den unges skolgång"},
		/* case, and the Swedish letters of it */
		{"att LIAM ÅKESSON placeras", "att den unge placeras"},
		{"att liam åkesson placeras", "att den unge placeras"},
		{"att Liam ÅKESSONS mor", "att den unges mor"},
		/* two occurrences, and the end of the text */
		{"att Liam och Liam", "att den unge och den unge"},
		{"kontakten mellan Liam och Åkesson.", "kontakten mellan den unge och den unge."},
		{"Liam", "Den unge"},
		{"(Liam)", "(den unge)"},
		{"\"Liam\", sa hon", "\"den unge\", sa hon"},
		/* the name with its number: one mention */
		{"att Liam Åkesson (20200509-9813) ska", "att den unge ska"},
		{"att Liam Åkesson, 20200509-9813, ska", "att den unge, ska"},
		{"att Liam Åkesson 200509-9813 ska", "att den unge ska"},
		{"att 20200509-9813 Liam Åkesson ska", "att den unge ska"},
		{"", ""},
	};
	static const struct tcase pnr[] = {
		{"gäller 20200509-9813.", "gäller den unge."},
		{"gäller 202005099813.", "gäller den unge."},
		{"gäller 200509-9813.", "gäller den unge."},
		{"gäller 2005099813.", "gäller den unge."},
		{"gäller 200509+9813.", "gäller den unge."},
		{"gäller 20200509+9813.", "gäller den unge."},
		{"gäller 200509 9813.", "gäller den unge."},
		{"gäller 20200509–9813.", "gäller den unge."},
		{"20200509-9813 och 200509-9813", "Den unge och den unge"},
		{"pnr:20200509-9813", "pnr:den unge"},
		/* longer numbers, another person, another century: not it */
		{"ref 120200509-98134", "ref 120200509-98134"},
		{"ref 2020050998131", "ref 2020050998131"},
		{"gäller 20200509-9814", "gäller 20200509-9814"},
		{"gäller 19200509-9813", "gäller 19200509-9813"},
		{"gäller 200509-98", "gäller 200509-98"},
		{"belopp 9 850 kronor den 9 maj 2020", "belopp 9 850 kronor den 9 maj 2020"},
	};
	/* An adult, a hyphenated given name, an initial, an ending in s. */
	static const struct text_person sara = {
		"Anna-Karin E. Mäkelä", "199204099825", "den enskilde", "den enskildes"};
	static const struct tcase adult[] = {
		{"bevilja Anna-Karin Mäkelä bistånd", "bevilja den enskilde bistånd"},
		{"bevilja ANNA-KARIN bistånd", "bevilja den enskilde bistånd"},
		{"Karins planering, Mäkeläs boende", "Den enskildes planering, den enskildes boende"},
		{"Mäkelä, 920409-9825, ska", "Den enskilde, ska"},
		{"en E. coli-bakterie", "en E. coli-bakterie"},
		{"äkelä och Mäkeläinen", "äkelä och Mäkeläinen"},
	};
	static const struct text_person lars = {"Lars Öst", NULL, "den unge", "den unges"};
	static const struct tcase lars_c[] = {
		{"Lars' skola och Östs hem", "Den unges skola och den unges hem"},
		{"öst och väst; Lars", "Den unge och väst; den unge"},
		{"åldern 20200509-9813", "åldern 20200509-9813"},
	};
	/* A capital of a word that starts with a Swedish letter. */
	static const struct text_person alva = {"Alva Berg", "", "ålderman", "åldermans"};
	static const struct tcase alva_c[] = {
		{"Alva kommer.", "Ålderman kommer."},
		{"med Alva", "med ålderman"},
	};
	/* No name, no number: the text as it was. */
	static const struct text_person none = {NULL, NULL, "den unge", "den unges"};
	static const struct tcase none_c[] = {
		{"Liam 20200509-9813", "Liam 20200509-9813"},
	};

	run(&liam, name, sizeof(name) / sizeof(name[0]));
	run(&liam, pnr, sizeof(pnr) / sizeof(pnr[0]));
	run(&sara, adult, sizeof(adult) / sizeof(adult[0]));
	run(&lars, lars_c, sizeof(lars_c) / sizeof(lars_c[0]));
	run(&alva, alva_c, sizeof(alva_c) / sizeof(alva_c[0]));
	run(&none, none_c, sizeof(none_c) / sizeof(none_c[0]));
	printf("test_text_person: %d passed, %d failed\n", passed, failed);
	return failed == 0 ? 0 : 1;
}
