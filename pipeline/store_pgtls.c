/*
 * store_pgtls.c -- judges the PostgreSQL connection on what libpq would
 * really use, before a byte is sent (SPEC 7; docs/postgresql.md).
 *
 * The URI alone says too little: PGHOST, PGHOSTADDR, PGPORT, PGSSLMODE,
 * PGREQUIRESSL, PGSSLROOTCERT, PGSERVICE and a service file (service= in the
 * URI, PGSERVICEFILE) all add to it.  Rather than copy libpq's rules of
 * precedence, the effective options are asked from libpq itself: a probe
 * connection is built with PQconnectStartParams and an invalid
 * target_session_attrs, which libpq checks after it merged every source and
 * before it opens a socket, so the probe fails without connecting and
 * PQconninfo tells what it would have used.
 *
 * Rules:
 *  - no password, sslpassword or password in the userinfo in the URI (it
 *    would sit in a configuration file); the message never shows the URI;
 *  - a server not on this machine (any host or hostaddr that is not a Unix
 *    socket, 127.0.0.0/8, ::1 or localhost) is reached with sslmode
 *    verify-full or verify-ca, from whichever source; when no source chose
 *    a mode (libpq's default, prefer) verify-full is used; any other mode is
 *    refused, and so is a root certificate that cannot be read.
 * The judged host, hostaddr, port, sslmode and sslrootcert are then passed
 * to libpq explicitly, so the connection goes where it was judged to go.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "store_pgtls.h"
#include "xmalloc.h"

/* One host or hostaddr of a list: on this machine. */
static bool
local_one(const char *h, size_t n)
{
	char s[INET6_ADDRSTRLEN + 1];
	struct in_addr a4;
	struct in6_addr a6;

	if (n == 0 || h[0] == '/' || h[0] == '@')
		return true; /* the default socket, a socket folder, an abstract socket */
	if (n >= sizeof(s))
		return false;
	memcpy(s, h, n);
	s[n] = '\0';
	if (strcasecmp(s, "localhost") == 0)
		return true;
	if (inet_pton(AF_INET, s, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, s, &a6) == 1)
		return IN6_IS_ADDR_LOOPBACK(&a6) || (IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127);
	return false;
}

/* Every entry of a list "a,b,c" on this machine; the first other in *other. */
static bool
all_local(const char *list, const char **other, size_t *otherlen)
{
	const char *p = list, *e;

	if (list == NULL)
		return true;
	for (;;) {
		e = p + strcspn(p, ",");
		if (!local_one(p, (size_t)(e - p))) {
			*other = p, *otherlen = (size_t)(e - p);
			return false;
		}
		if (*e == '\0')
			return true;
		p = e + 1;
	}
}

static const char *
opt(const PQconninfoOption *o, const char *key)
{
	for (; o != NULL && o->keyword != NULL; o++)
		if (strcmp(o->keyword, key) == 0)
			return o->val != NULL && o->val[0] != '\0' ? o->val : NULL;
	return NULL;
}

/* The URI's own options: no secret, and the sslmode it names (or NULL). */
static int
check_uri(const char *uri, char **uri_sslmode, char *err, size_t errlen)
{
	PQconninfoOption *o;
	const PQconninfoOption *p;
	char *perr = NULL;
	int rc = 0;

	if ((o = PQconninfoParse(uri, &perr)) == NULL) {
		/* libpq quotes the offending part, which may be a password. */
		const char *m = perr != NULL ? perr : "slut på minne";

		snprintf(err, errlen, "[audit] database: ogiltig PostgreSQL-adress: %.*s",
		    (int)strcspn(m, "\"\n"), m);
		PQfreemem(perr);
		return -1;
	}
	/* An empty password ("u:@host") is one too: refused all the same. */
	for (p = o; p->keyword != NULL; p++)
		if (p->val != NULL && strcmp(p->keyword, "password") == 0) {
			snprintf(err, errlen, "[audit] database: lösenordet hör inte hemma i "
			    "inställningarna; lägg det i lösenordsfilen (~/.pgpass eller PGPASSFILE)");
			rc = -1;
		} else if (p->val != NULL && strcmp(p->keyword, "sslpassword") == 0) {
			snprintf(err, errlen, "[audit] database: lösenordet till klientnyckeln "
			    "(sslpassword) hör inte hemma i inställningarna; använd en nyckelfil "
			    "utan lösenord med rättigheterna 0600");
			rc = -1;
		}
	if (rc == 0 && opt(o, "sslmode") != NULL)
		*uri_sslmode = xstrdup(opt(o, "sslmode"));
	PQconninfoFree(o);
	return rc;
}

/* The root certificate libpq would read for a verify mode: readable. */
static int
check_root(const char *rootcert, char *err, size_t errlen)
{
	char *path = NULL;
	int rc = 0;

	if (rootcert == NULL) {
		/* libpq's default: ~/.postgresql/root.crt of the effective user */
		struct passwd *pw = getpwuid(geteuid());

		if (pw != NULL && pw->pw_dir != NULL)
			path = xasprintf("%s/.postgresql/root.crt", pw->pw_dir);
	}
	if (access(rootcert != NULL ? rootcert : path != NULL ? path : "", R_OK) != 0) {
		snprintf(err, errlen, "[audit] database: serverns CA-certifikat (%.200s) kan inte "
		    "läsas; utan det kan servern på en annan dator inte kontrolleras. Ange det "
		    "med sslrootcert= eller lägg det i ~/.postgresql/root.crt",
		    rootcert != NULL ? rootcert : path != NULL ? path : "~/.postgresql/root.crt");
		rc = -1;
	}
	free(path);
	return rc;
}

static void
pin(struct pgtls *t, int *n, const char *kw, const char *val)
{
	if (val == NULL || *n >= PGTLS_MAX - 2)
		return;
	t->kw[*n] = kw;
	t->val[*n] = xstrdup(val);
	(*n)++;
}

int
pgtls_resolve(const char *uri, struct pgtls *t, char *err, size_t errlen)
{
	const char *pkw[] = {"dbname", "fallback_application_name", "target_session_attrs", NULL};
	const char *pval[] = {uri, "expediera", "-", NULL};
	PQconninfoOption *eff = NULL;
	PGconn *probe;
	char *uri_sslmode = NULL;
	const char *host, *hostaddr, *sslmode, *other = NULL;
	size_t otherlen = 0;
	int n = 0, rc = -1;

	memset(t, 0, sizeof(*t));
	if (check_uri(uri, &uri_sslmode, err, errlen) == -1)
		return -1;
	/* Fails in its checks, before any socket: see the top of the file. */
	probe = PQconnectStartParams(pkw, pval, 1);
	if (probe == NULL || PQstatus(probe) != CONNECTION_BAD ||
	    (eff = PQconninfo(probe)) == NULL) {
		snprintf(err, errlen, "[audit] database: kan inte ta reda på vilken anslutning "
		    "libpq skulle använda");
		goto out;
	}
	host = opt(eff, "host");
	hostaddr = opt(eff, "hostaddr");
	sslmode = opt(eff, "sslmode");
	pin(t, &n, "dbname", uri);
	if (!all_local(host, &other, &otherlen) || !all_local(hostaddr, &other, &otherlen)) {
		bool verifies = sslmode != NULL && (strcmp(sslmode, "verify-full") == 0 ||
		    strcmp(sslmode, "verify-ca") == 0);

		/* Nobody chose (libpq's default is prefer): the default is to check. */
		if (!verifies && (sslmode == NULL || strcmp(sslmode, "prefer") == 0) &&
		    uri_sslmode == NULL)
			sslmode = "verify-full", verifies = true;
		if (!verifies) {
			snprintf(err, errlen, "[audit] database: sslmode=%.20s (från adressen, PGSSLMODE, "
			    "PGREQUIRESSL eller en tjänstefil) kontrollerar inte servern; en server på "
			    "en annan dator (%.*s) nås bara med sslmode=verify-full (eller verify-ca)",
			    sslmode != NULL ? sslmode : "?", (int)(otherlen > 100 ? 100 : otherlen), other);
			goto out;
		}
		if (check_root(opt(eff, "sslrootcert"), err, errlen) == -1)
			goto out;
		pin(t, &n, "host", host);
		pin(t, &n, "hostaddr", hostaddr);
		pin(t, &n, "port", opt(eff, "port"));
		pin(t, &n, "sslmode", sslmode);
		pin(t, &n, "sslrootcert", opt(eff, "sslrootcert"));
	} else {
		pin(t, &n, "host", host);
		pin(t, &n, "hostaddr", hostaddr);
		pin(t, &n, "port", opt(eff, "port"));
	}
	t->kw[n] = "fallback_application_name";
	t->val[n++] = xstrdup("expediera");
	rc = 0;
out:
	if (rc == -1)
		pgtls_free(t);
	PQconninfoFree(eff);
	PQfinish(probe);
	free(uri_sslmode);
	return rc;
}

void
pgtls_free(struct pgtls *t)
{
	int i;

	for (i = 0; i < PGTLS_MAX; i++) {
		free(t->val[i]);
		t->val[i] = NULL;
		t->kw[i] = NULL;
	}
}
