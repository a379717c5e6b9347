/*
 * store_pgtls.h -- the connection store_pg.c opens, judged before it is
 * opened: what libpq would use (the URI, then a service file, then the
 * environment), no secret in the URI, and verified TLS to a server that is
 * not on this machine.
 */
#ifndef EXPEDIERA_STORE_PGTLS_H
#define EXPEDIERA_STORE_PGTLS_H

#include <stddef.h>

#define PGTLS_MAX 10

/* The keywords and values to hand to PQconnectdbParams (expand_dbname 1). */
struct pgtls {
	const char *kw[PGTLS_MAX];
	char *val[PGTLS_MAX]; /* owned; val[0] is the URI */
};

/*
 * Fills t with the URI and, after it, the options that were judged (host,
 * hostaddr, port, sslmode, sslrootcert), pinned so that the connection goes
 * where it was judged to go.  -1 with a Swedish message in err (never the
 * URI, never a secret) when the connection may not be opened; nothing has
 * then been sent anywhere.
 */
int pgtls_resolve(const char *uri, struct pgtls *t, char *err, size_t errlen);
void pgtls_free(struct pgtls *t);

#endif
