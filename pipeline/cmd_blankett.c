/*
 * cmd_blankett.c -- blankett: the försättsblad as a web page the
 * handläggare fills in (blankett.c writes it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>

#include "blankett.h"
#include "cmd.h"
#include "xmalloc.h"

/*
 * The försättsblad form (SPEC section 10): a page without personal data,
 * so it is written readable by all (0644), for the file share it is put on.
 */
int
cmd_blankett(const struct options *o, struct run *r)
{
	struct blankett_data d;
	const char *roller[ROLL__MAX];
	char err[512], *buf = NULL, *path = NULL;
	size_t len = 0, i;
	FILE *mem;
	int rc;

	/* The page tries the pattern too, as JavaScript; one that PCRE2 does not
	 * take is a configuration error here, as for check. */
	if ((rc = run_templates(r)) != 0)
		return rc;
	for (i = 0; i < ROLL__MAX; i++)
		roller[i] = r->t.text[T_ROLL_FIRST + i];
	d.kommun = r->cfg.org_name;
	d.namnd = r->cfg.org_namnd;
	d.dnr_pattern = r->cfg.dnr_pattern;
	d.roller = roller;
	d.version = EXPEDIERA_VERSION;
	d.max_alder_dagar = config_max_alder_dagar(&r->cfg);
	path = xasprintf("%s/blankett.html", templates_dir(&r->cfg));
	rc = EXIT_SYSTEM;
	if ((mem = open_memstream(&buf, &len)) == NULL) {
		fprintf(stderr, "expediera: %s\n", strerror(errno));
		goto out;
	}
	if (blankett_write(mem, path, &d, err, sizeof(err)) == -1) {
		fclose(mem);
		fprintf(stderr, "expediera: %s\n", err);
		goto out;
	}
	if (fclose(mem) == EOF) {
		fprintf(stderr, "expediera: %s\n", strerror(errno));
		goto out;
	}
	if (write_output(o->output, buf, len, 0644) == -1) {
		fprintf(stderr, "expediera: kan inte skriva %s: %s\n", shown(o->output),
		    strerror(errno));
	} else {
		/* The form works without the name, but whoever makes it should know. */
		if (r->cfg.org_name == NULL)
			fputs("expediera: varning: [organisation] name saknas i inställningarna; "
			    "blanketten visar inget kommunnamn\n", stderr);
		printf("%s: försättsbladet som webbsida%s%s\n", shown(o->output),
		    r->cfg.org_name != NULL ? ", för " : "",
		    r->cfg.org_name != NULL ? shown(r->cfg.org_name) : "");
		rc = flushed(EXIT_OK);
	}
out:
	free(buf);
	free(path);
	return rc;
}
