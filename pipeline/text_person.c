/*
 * text_person.c -- a person's name and personnummer in running text replaced
 * by a word (text_person.h).
 *
 * Reads: UTF-8 text (valid: libxml2 checked it; a stray byte is taken as a
 * letter, so it never splits a word into a match).
 * Writes: a new string.
 * Trusts: nothing about the name or number: a name of any number of parts,
 * a number in any form; what cannot be a number is simply not looked for.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "text_person.h"
#include "xmalloc.h"

struct part {
	const char *s;
	size_t len;
};

struct target {
	struct part *parts;
	size_t nparts;
	char last10[11];  /* YYMMDDNNNC; "" when there is no number to look for */
	char century[3];  /* "20"; "" when the number was written with 10 digits */
};

struct buf {
	char *p;
	size_t len, cap;
};

static void
put(struct buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = xreallocarray(b->p, b->cap, 1);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* The code point at s (left bytes) in *cp; its length (1 for a bad byte). */
static size_t
u8dec(const unsigned char *s, size_t left, unsigned *cp)
{
	size_t n, i;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc0 ? 2 : 0;
	if (n == 0 || n > left) {
		*cp = 0xfffd;
		return 1;
	}
	*cp = s[0] & (0x7f >> n);
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*cp = 0xfffd;
			return 1;
		}
		*cp = *cp << 6 | (s[i] & 0x3f);
	}
	return n;
}

/* Letters and digits; punctuation, symbols and spaces of Latin-1 and of
 * General Punctuation (’ – “) are not. */
static bool
word_cp(unsigned c)
{
	if (c < 0x80)
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
	if (c <= 0xbf || c == 0xd7 || c == 0xf7)
		return false;
	if ((c >= 0x2000 && c <= 0x206f) || (c >= 0x3000 && c <= 0x303f))
		return false;
	return true;
}

static bool
word_at(const char *s, size_t len, size_t i)
{
	unsigned cp;

	if (i >= len)
		return false;
	u8dec((const unsigned char *)s + i, len - i, &cp);
	return word_cp(cp);
}

/* Does a word character end just before s + i? */
static bool
word_before(const char *s, size_t len, size_t i)
{
	size_t j;

	if (i == 0)
		return false;
	j = i - 1;
	while (j > 0 && i - j < 4 && ((unsigned char)s[j] & 0xc0) == 0x80)
		j--;
	return word_at(s, len, j);
}

static bool
digit(char c)
{
	return c >= '0' && c <= '9';
}

static unsigned char
lower(unsigned char c, unsigned char prev)
{
	if (c >= 'A' && c <= 'Z')
		return (unsigned char)(c - 'A' + 'a');
	/* U+00C0..U+00DE but U+00D7 (×): their lower case is 0x20 on */
	if (prev == 0xc3 && c >= 0x80 && c <= 0x9e && c != 0x97)
		return (unsigned char)(c + 0x20);
	return c;
}

/* Does s (len bytes) start with w, case folded? */
static bool
starts_ci(const char *s, size_t len, const struct part *w)
{
	size_t i;

	if (w->len > len)
		return false;
	for (i = 0; i < w->len; i++) {
		unsigned char prev = i > 0 ? (unsigned char)w->s[i - 1] : 0;

		/* the bytes before are equal: both lead bytes are prev */
		if (lower((unsigned char)s[i], prev) != lower((unsigned char)w->s[i], prev))
			return false;
	}
	return true;
}

/*
 * One part of the name at s + i, a whole word: its end in *end and whether
 * it stands in the genitive ("Liams", "Liam's", "Lars'").
 */
static bool
part_at(const struct target *t, const char *s, size_t len, size_t i, size_t *end, bool *gen)
{
	size_t k, e;

	for (k = 0; k < t->nparts; k++) {
		const struct part *w = &t->parts[k];
		char last;

		if (!starts_ci(s + i, len - i, w))
			continue;
		e = i + w->len;
		last = w->s[w->len - 1];
		if ((s[e] == 's' || s[e] == 'S') && !word_at(s, len, e + 1)) {
			*end = e + 1;
			*gen = true;
			return true;
		}
		if (s[e] == '\'' && (s[e + 1] == 's' || s[e + 1] == 'S') &&
		    !word_at(s, len, e + 2)) {
			*end = e + 2;
			*gen = true;
			return true;
		}
		if (strncmp(s + e, "\xe2\x80\x99", 3) == 0 && (s[e + 3] == 's' || s[e + 3] == 'S') &&
		    !word_at(s, len, e + 4)) {
			*end = e + 4;
			*gen = true;
			return true;
		}
		if ((last == 's' || last == 'x' || last == 'z') && s[e] == '\'' &&
		    !word_at(s, len, e + 1)) {
			*end = e + 1;
			*gen = true;
			return true;
		}
		if (!word_at(s, len, e)) {
			*end = e;
			*gen = false;
			return true;
		}
	}
	return false;
}

/* A run of the name's parts from s + i ("Liam Åkesson", "Anna-Karin"). */
static bool
name_at(const struct target *t, const char *s, size_t len, size_t i, size_t *end, bool *gen)
{
	size_t e, q;
	bool g;

	if (word_before(s, len, i) || !part_at(t, s, len, i, &e, &g))
		return false;
	while (!g) {
		q = e;
		if (s[q] == '-')
			q++;
		else
			while (s[q] == ' ' || s[q] == '\t' || s[q] == '\n')
				q++;
		if (q == e)
			break;
		{
			size_t e2;
			bool g2;

			if (!part_at(t, s, len, q, &e2, &g2))
				break;
			e = e2;
			g = g2;
		}
	}
	*end = e;
	*gen = g;
	return true;
}

/* The person's number at s + i, in any of its written forms: its end. */
static bool
pnr_at(const struct target *t, const char *s, size_t len, size_t i, size_t *end)
{
	char head[9], tail[5];
	size_t n = 0, h, e;

	if (t->last10[0] == '\0' || !digit(s[i]) || (i > 0 && digit(s[i - 1])))
		return false;
	while (i + n < len && digit(s[i + n]))
		n++;
	if (n == 10 || n == 12) {
		h = n - 4;
		memcpy(head, s + i, h);
		memcpy(tail, s + i + h, 4);
		e = i + n;
	} else if (n == 6 || n == 8) {
		size_t sep = i + n, k;

		h = n;
		memcpy(head, s + i, h);
		if (s[sep] == '-' || s[sep] == '+' || s[sep] == ' ')
			sep += 1;
		else if (strncmp(s + sep, "\xe2\x80\x93", 3) == 0)
			sep += 3;
		else
			return false;
		for (k = 0; k < 4; k++)
			if (sep + k >= len || !digit(s[sep + k]))
				return false;
		if (sep + 4 < len && digit(s[sep + 4]))
			return false;
		memcpy(tail, s + sep, 4);
		e = sep + 4;
	} else
		return false;
	if (memcmp(head + h - 6, t->last10, 6) != 0 || memcmp(tail, t->last10 + 6, 4) != 0)
		return false;
	if (h == 8 && t->century[0] != '\0' && memcmp(head, t->century, 2) != 0)
		return false;
	*end = e;
	return true;
}

static size_t
skip_space(const char *s, size_t i)
{
	while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n')
		i++;
	return i;
}

/*
 * A mention at s + i: a name run, with the number after it if one follows
 * ("Liam Åkesson (20200509-9813)", "Liam Åkesson, 20200509-9813"), or the
 * number, with a name run after it.
 */
static bool
mention_at(const struct target *t, const char *s, size_t len, size_t i, size_t *end,
    bool *gen)
{
	size_t e, q, e2;
	bool g;

	if (pnr_at(t, s, len, i, &e)) {
		g = false;
		q = skip_space(s, e);
		if (q > e && name_at(t, s, len, q, &e2, &g))
			e = e2;
		*end = e;
		*gen = g;
		return true;
	}
	if (!name_at(t, s, len, i, &e, &g))
		return false;
	if (!g) {
		q = skip_space(s, e);
		if (s[q] == '(') {
			q = skip_space(s, q + 1);
			if (pnr_at(t, s, len, q, &e2) && s[skip_space(s, e2)] == ')')
				e = skip_space(s, e2) + 1;
		} else if (s[q] == ',') {
			if (pnr_at(t, s, len, skip_space(s, q + 1), &e2))
				e = e2;
		} else if (q > e && pnr_at(t, s, len, q, &e2))
			e = e2;
	}
	*end = e;
	*gen = g;
	return true;
}

/* Does a sentence start at the end of what b holds? */
static bool
sentence_start(const struct buf *b)
{
	size_t n = b->len;

	while (n > 0 && (b->p[n - 1] == ' ' || b->p[n - 1] == '\t' || b->p[n - 1] == '\n'))
		n--;
	return n == 0 || b->p[n - 1] == '.' || b->p[n - 1] == '!' || b->p[n - 1] == '?';
}

static void
put_word(struct buf *b, const char *w, bool capital)
{
	size_t at = b->len;

	put(b, w, strlen(w));
	if (!capital || b->len == at)
		return;
	if (b->p[at] >= 'a' && b->p[at] <= 'z')
		b->p[at] = (char)(b->p[at] - 'a' + 'A');
	else if ((unsigned char)b->p[at] == 0xc3 && b->len > at + 1) {
		unsigned char c = (unsigned char)b->p[at + 1];

		if (c >= 0xa0 && c <= 0xbe && c != 0xb7)
			b->p[at + 1] = (char)(c - 0x20);
	}
}

static bool
ascii_punct(char c)
{
	unsigned char u = (unsigned char)c;

	return u < 0x80 && !word_cp(u);
}

static void
target_init(struct target *t, const struct text_person *who)
{
	const char *s = who->namn != NULL ? who->namn : "";
	char digits[13];
	size_t n = 0, i, k, a, z, j, chars;

	memset(t, 0, sizeof(*t));
	for (i = 0; s[i] != '\0';) {
		while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '-')
			i++;
		for (k = i; s[k] != '\0' && s[k] != ' ' && s[k] != '\t' && s[k] != '\n' && s[k] != '-';)
			k++;
		/* Without the ASCII punctuation around it: "E." is "E". */
		a = i;
		z = k;
		while (a < z && ascii_punct(s[a]))
			a++;
		while (z > a && ascii_punct(s[z - 1]))
			z--;
		for (j = a, chars = 0; j < z; j++)
			chars += ((unsigned char)s[j] & 0xc0) != 0x80;
		/* An initial or a single letter is no name to look for. */
		if (chars >= 2) {
			t->parts = xreallocarray(t->parts, t->nparts + 1, sizeof(*t->parts));
			t->parts[t->nparts].s = s + a;
			t->parts[t->nparts].len = z - a;
			t->nparts++;
		}
		i = k;
	}
	for (s = who->pnr != NULL ? who->pnr : ""; *s != '\0'; s++)
		if (digit(*s)) {
			if (n == 12) {
				n = 13;
				break;
			}
			digits[n++] = *s;
		}
	if (n == 12) {
		memcpy(t->century, digits, 2);
		memcpy(t->last10, digits + 2, 10);
	} else if (n == 10)
		memcpy(t->last10, digits, 10);
}

char *
text_replace_person(const char *s, const struct text_person *who)
{
	struct target t;
	struct buf b = {NULL, 0, 0};
	size_t len = strlen(s), i = 0, end, n;
	bool gen;
	unsigned cp;

	target_init(&t, who);
	put(&b, "", 0);
	while (i < len) {
		if (mention_at(&t, s, len, i, &end, &gen) && end > i) {
			put_word(&b, gen ? who->genitive : who->word, sentence_start(&b));
			i = end;
			continue;
		}
		n = u8dec((const unsigned char *)s + i, len - i, &cp);
		put(&b, s + i, n);
		i += n;
	}
	free(t.parts);
	return b.p;
}
