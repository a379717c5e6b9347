/*
 * blankett.c -- writes the försättsblad form; see blankett.h.
 *
 * The page checks what can be checked while the handläggare types, with the
 * wording of check: the texts come from message_table (messages.c), the
 * same texts validate.c formats, and the reasons a personnummer is wrong
 * from pnr_status_text().  The checks themselves are the page's script
 * (templates/blankett.html); check stays the authority on what is sent.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blankett.h"
#include "messages.h"
#include "personnummer.h"
#include "session.h"
#include "xmalloc.h"

/* The template is the project's own page; anything near this is not it. */
#define TEMPLATE_MAX (1024 * 1024)

/*
 * s as a JSON string that may stand inside a <script> element: besides
 * what RFC 8259 requires, "<", ">" and "&" are escaped, so that no text can
 * close the element, and U+2028/U+2029, which older scripts take for line
 * ends.
 */
static void
json_in_html(FILE *fp, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");

	fputc('"', fp);
	for (; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(fp, "\\%c", *p);
		else if (*p < 0x20 || *p == '<' || *p == '>' || *p == '&' || *p == 0x7f)
			fprintf(fp, "\\u%04x", *p);
		else if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) {
			fprintf(fp, "\\u%04x", p[2] == 0xa8 ? 0x2028 : 0x2029);
			p += 2;
		} else
			fputc(*p, fp);
	}
	fputc('"', fp);
}

static void
html_text(FILE *fp, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", fp);
			break;
		case '<':
			fputs("&lt;", fp);
			break;
		case '>':
			fputs("&gt;", fp);
			break;
		case '"':
			fputs("&quot;", fp);
			break;
		default:
			fputc(*s, fp);
		}
	}
}

/*
 * A text that names XML (an element or an attribute) means nothing to a
 * handläggare in front of a form: messages.h must give the form its own
 * wording for it.
 */
static bool
names_xml(const char *s)
{
	return strchr(s, '<') != NULL || strstr(s, "=\"") != NULL;
}

static const struct {
	enum pnr_status st;
	const char *key;
} pnr_statuses[] = {
	{PNR_EMPTY, "empty"}, {PNR_TEN_DIGIT, "ten-digit"}, {PNR_FORMAT, "format"},
	{PNR_DATE, "date"}, {PNR_FUTURE, "future"}, {PNR_SERIAL, "serial"},
	{PNR_CHECKSUM, "checksum"},
};

static int
write_data(FILE *fp, const struct blankett_data *d, char *err, size_t errlen)
{
	size_t i;

	fputs("{\"kommun\": ", fp);
	json_in_html(fp, d->kommun);
	fputs(", \"namnd\": ", fp);
	json_in_html(fp, d->namnd);
	fputs(", \"dnrPattern\": ", fp);
	json_in_html(fp, d->dnr_pattern);
	fputs(", \"version\": ", fp);
	json_in_html(fp, d->version);
	fprintf(fp, ", \"maxAlderDagar\": %d", d->max_alder_dagar);
	fputs(",\n \"roller\": [", fp);
	for (i = 0; i < ROLL__MAX; i++) {
		fputs(i ? ",\n  {\"id\": " : "\n  {\"id\": ", fp);
		json_in_html(fp, roll_names[i]);
		fputs(", \"label\": ", fp);
		json_in_html(fp, d->roller[i]);
		fprintf(fp, ", \"part\": %s}", roll_is_party((enum roll)i) ? "true" : "false");
	}
	fputs("],\n \"pnrStatus\": {", fp);
	for (i = 0; i < sizeof(pnr_statuses) / sizeof(pnr_statuses[0]); i++) {
		fputs(i ? ", " : "", fp);
		json_in_html(fp, pnr_statuses[i].key);
		fputs(": ", fp);
		json_in_html(fp, pnr_status_text(pnr_statuses[i].st));
	}
	fputs("},\n \"messages\": {", fp);
	for (i = 0; i < message_count; i++) {
		const struct message *m = &message_table[i];
		const char *text = m->form != NULL ? m->form : m->check;

		if (names_xml(text)) {
			snprintf(err, errlen, "meddelandet %s nämner XML och har ingen text för "
			    "blanketten (messages.h)", m->key);
			return -1;
		}
		fputs(i ? ",\n  " : "\n  ", fp);
		json_in_html(fp, m->key);
		fputs(": {\"rule\": ", fp);
		json_in_html(fp, rule_table[m->rule].id);
		fputs(", \"text\": ", fp);
		json_in_html(fp, text);
		fputc('}', fp);
	}
	fputs("}}", fp);
	return 0;
}

static char *
read_template(const char *path, char *err, size_t errlen)
{
	FILE *fp = fopen(path, "rb");
	char *buf;
	size_t n;

	if (fp == NULL) {
		snprintf(err, errlen, "kan inte läsa %s: %s", path, strerror(errno));
		return NULL;
	}
	buf = xmalloc(TEMPLATE_MAX + 1);
	n = fread(buf, 1, TEMPLATE_MAX + 1, fp);
	if (ferror(fp) || n > TEMPLATE_MAX) {
		snprintf(err, errlen, "kan inte läsa %s: %s", path,
		    ferror(fp) ? strerror(errno) : "filen är för stor");
		fclose(fp);
		free(buf);
		return NULL;
	}
	fclose(fp);
	buf[n] = '\0';
	if (strlen(buf) != n) {
		snprintf(err, errlen, "%s innehåller en NUL-byte", path);
		free(buf);
		return NULL;
	}
	return buf;
}

int
blankett_write(FILE *out, const char *path, const struct blankett_data *d, char *err,
    size_t errlen)
{
	char *tmpl, *p, *open, *close;
	bool data = false;
	int rc = -1;

	if ((tmpl = read_template(path, err, errlen)) == NULL)
		return -1;
	for (p = tmpl; (open = strstr(p, "{{")) != NULL; p = close + 2) {
		fwrite(p, 1, (size_t)(open - p), out);
		if ((close = strstr(open + 2, "}}")) == NULL)
			break;
		*close = '\0';
		if (strcmp(open + 2, "KOMMUN") == 0)
			html_text(out, d->kommun != NULL ? d->kommun : "");
		else if (strcmp(open + 2, "DATA") == 0) {
			if (write_data(out, d, err, errlen) == -1)
				goto out;
			data = true;
		} else {
			snprintf(err, errlen, "%s: okänd platshållare {{%.40s}}", path, open + 2);
			goto out;
		}
	}
	if (!data) {
		snprintf(err, errlen, "%s: platshållaren {{DATA}} saknas", path);
		goto out;
	}
	fputs(open != NULL ? open : p, out);
	rc = 0;
out:
	free(tmpl);
	return rc;
}
