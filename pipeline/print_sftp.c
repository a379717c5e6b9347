/*
 * print_sftp.c -- the SFTP print back-end: one file to the print house by
 * SFTP (libcurl with libssh2), written as ".NAME.part" and renamed to NAME
 * when complete; see print_sftp.h.
 *
 * Reads: the local file to send; the client's private key, by libssh2, from
 * [print] sftp_key (and the .pub beside it when there is one).  Nothing in
 * ~/.ssh: no known_hosts, no default identity.
 * Writes: ".NAME.part", then NAME, in the directory of [print] sftp_url on
 * the server.  An existing NAME is never removed or replaced (OpenSSH's SFTP
 * server will not rename over a file, and the upload fails instead): NAME
 * appears only when the whole file is there, so print_sftp_exists() can tell
 * after a crash whether the hand-over was done.  Nothing locally.
 * Trusts: only a server whose host key has the SHA-256 fingerprint pinned in
 * [print] sftp_host_key.  Without a well-formed pin nothing is tried; the
 * host-key check is never switched off.
 *
 * libcurl is initialised here, once (a static flag), so that this back-end
 * works on its own.  A caller may have called curl_global_init(3) already
 * (mm_http.c does too): libcurl counts the calls, and nobody calls
 * curl_global_cleanup(3) before exit.  Not thread-safe; expediera has one
 * thread.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "config.h"
#include "print.h"
#include "print_sftp.h"
#include "xmalloc.h"

#if LIBCURL_VERSION_NUM < 0x075000
#error "libcurl 7.80.0 or later is needed for CURLOPT_SSH_HOST_PUBLIC_KEY_SHA256"
#endif

#define PIN_PREFIX   "SHA256:"
#define PIN_B64      43  /* base64 of a SHA-256 digest, without its padding */
#define NAME_MAX_LEN 200 /* ".NAME.part" stays well under NAME_MAX */

/* Below LOW_SPEED bytes a second for LOW_SPEED_TIME seconds is a stall. */
#define CONNECT_TIMEOUT 15L
#define LOW_SPEED       1024L
#define LOW_SPEED_TIME  60L

/*
 * Checks "SHA256:<base64>" as ssh-keygen -lf prints it (43 characters,
 * no padding; one trailing '=' is allowed) and writes the padded form
 * libcurl's documentation shows into pin.  libcurl compares only up to the
 * first '=' of either side, so the padding is for clarity, not for the match.
 * The last character of a 32-byte encoding carries 4 bits and two zero
 * bits: any other is a typing error that could never match.
 */
static int
pin_parse(const char *host_key, char pin[PIN_B64 + 2])
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p;
	size_t n;

	if (host_key == NULL || strncmp(host_key, PIN_PREFIX, strlen(PIN_PREFIX)) != 0)
		return -1;
	p = host_key + strlen(PIN_PREFIX);
	n = strspn(p, b64);
	if (n != PIN_B64 || (p[n] != '\0' && strcmp(p + n, "=") != 0))
		return -1;
	if (((strchr(b64, p[n - 1]) - b64) & 3) != 0)
		return -1;
	memcpy(pin, p, PIN_B64);
	pin[PIN_B64] = '=';
	pin[PIN_B64 + 1] = '\0';
	return 0;
}

/* A plain file name: no directory, no control characters, bounded. */
static bool
name_ok(const char *name)
{
	const unsigned char *p;

	if (name == NULL || name[0] == '\0' || strlen(name) > NAME_MAX_LEN ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	for (p = (const unsigned char *)name; *p != '\0'; p++)
		if (*p == '/' || *p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

/*
 * The path of name in dir (the URL's path, decoded) for a quote command,
 * in double quotes so that spaces survive: curl unescapes \" and \\ there.
 * A quoted path gets no "/~/" expansion, so a URL under the login's home
 * becomes a path relative to it, which is where the SFTP server starts.
 */
static char *
quote_path(const char *dir, const char *name)
{
	const char *parts[2], *s;
	char *q, *o;
	size_t i, n;

	if (strcmp(dir, "/~") == 0)
		dir = "";
	else if (strncmp(dir, "/~/", 3) == 0)
		dir += 3;
	n = strlen(dir);
	parts[0] = dir;
	parts[1] = name;
	o = q = xmalloc(2 * (n + strlen(name)) + 4);
	*o++ = '"';
	for (i = 0; i < 2; i++) {
		for (s = parts[i]; *s != '\0'; s++) {
			if (*s == '"' || *s == '\\')
				*o++ = '\\';
			*o++ = *s;
		}
		if (i == 0 && n > 0 && dir[n - 1] != '/')
			*o++ = '/';
	}
	*o++ = '"';
	*o = '\0';
	return q;
}

/*
 * Parses the configured URL: sftp only, a host, no user or password in it
 * (the user is [print] sftp_user; a password has no place in a
 * configuration file), no query or fragment.  Sets *server ("host[:port]",
 * for messages) and *dir (the decoded path) on success.
 */
static int
url_parse(const char *url, char **server, char **dir, char *err, size_t errlen)
{
	CURLU *u;
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *x = NULL;
	const unsigned char *p;
	int rc = -1;

	if ((u = curl_url()) == NULL) {
		snprintf(err, errlen, "slut på minne i libcurl");
		return -1;
	}
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    strcmp(scheme, "sftp") != 0 ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PATH, &path, CURLU_URLDECODE) != CURLUE_OK ||
	    path[0] != '/') {
		snprintf(err, errlen, "[print] sftp_url \"%.100s\" är inte en adress på formen "
		    "sftp://värd[:port]/katalog/", url);
		goto out;
	}
	if (curl_url_get(u, CURLUPART_USER, &x, 0) != CURLUE_NO_USER ||
	    curl_url_get(u, CURLUPART_PASSWORD, &x, 0) != CURLUE_NO_PASSWORD ||
	    curl_url_get(u, CURLUPART_QUERY, &x, 0) != CURLUE_NO_QUERY ||
	    curl_url_get(u, CURLUPART_FRAGMENT, &x, 0) != CURLUE_NO_FRAGMENT) {
		snprintf(err, errlen, "[print] sftp_url ska vara bara sftp://värd[:port]/katalog/ "
		    "(användaren anges i sftp_user)");
		goto out;
	}
	for (p = (const unsigned char *)path; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f) {
			snprintf(err, errlen, "[print] sftp_url har styrtecken i katalognamnet");
			goto out;
		}
	switch (curl_url_get(u, CURLUPART_PORT, &port, 0)) {
	case CURLUE_OK:
		*server = xasprintf("%s:%s", host, port);
		break;
	case CURLUE_NO_PORT:
		*server = xstrdup(host);
		break;
	default:
		snprintf(err, errlen, "slut på minne i libcurl");
		goto out;
	}
	*dir = xstrdup(path);
	rc = 0;
out:
	curl_free(x);
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_url_cleanup(u);
	return rc;
}

/* libcurl's own answer, for the end of a message: its buffer or its name. */
static const char *
detail(CURLcode cc, const char *ebuf)
{
	return ebuf[0] != '\0' ? ebuf : curl_easy_strerror(cc);
}

/* Says in Swedish what a failed transfer means for the one who sent it. */
static void
explain(CURLcode cc, const char *ebuf, const struct sftp_target *t, const char *server,
    const char *local_path, const char *remote_name, char *err, size_t errlen)
{
	switch (cc) {
	case CURLE_PEER_FAILED_VERIFICATION:
		/*
		 * libssh2 back-end: the SHA-256 of the server's key is not the
		 * pinned one ("Denied establishing ssh session: mismatch sha256
		 * fingerprint"), or the server could not sign with its key.
		 */
		snprintf(err, errlen, "SFTP-servern %s visade en annan värdnyckel än den som står "
		    "i [print] sftp_host_key; inget skickades.", server);
		break;
	case CURLE_LOGIN_DENIED:
		snprintf(err, errlen, "SFTP-servern %s godtog inte nyckeln %.80s för användaren "
		    "%.40s; inget skickades.", server, t->key, t->user);
		break;
	case CURLE_COULDNT_RESOLVE_HOST:
		snprintf(err, errlen, "SFTP-servern %s finns inte (namnet går inte att slå upp); "
		    "inget skickades.", server);
		break;
	case CURLE_COULDNT_CONNECT:
		snprintf(err, errlen, "Kunde inte ansluta till SFTP-servern %s (%.80s); inget "
		    "skickades.", server, detail(cc, ebuf));
		break;
	case CURLE_OPERATION_TIMEDOUT:
		snprintf(err, errlen, "SFTP-servern %s svarade inte i tid (%.80s); %s kom inte "
		    "fram.", server, detail(cc, ebuf), remote_name);
		break;
	case CURLE_REMOTE_ACCESS_DENIED:
		snprintf(err, errlen, "SFTP-servern %s lät inte %.40s skriva %s i katalogen.",
		    server, t->user, remote_name);
		break;
	case CURLE_REMOTE_FILE_NOT_FOUND:
		snprintf(err, errlen, "Katalogen i [print] sftp_url finns inte på SFTP-servern %s; "
		    "%s skickades inte.", server, remote_name);
		break;
	case CURLE_REMOTE_DISK_FULL:
		snprintf(err, errlen, "SFTP-servern %s har inte plats för %s (disken är full).",
		    server, remote_name);
		break;
	case CURLE_UPLOAD_FAILED:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_PARTIAL_FILE:
		snprintf(err, errlen, "SFTP-servern %s tog inte emot hela %s (%.80s).", server,
		    remote_name, detail(cc, ebuf));
		break;
	case CURLE_QUOTE_ERROR:
		/* The file is there, whole, as .NAME.part: a retry overwrites it. */
		snprintf(err, errlen, "%s kom fram till SFTP-servern %s men kunde inte döpas om "
		    "från .%s.part (%.60s).", remote_name, server, remote_name, detail(cc, ebuf));
		break;
	case CURLE_READ_ERROR:
		snprintf(err, errlen, "Kunde inte läsa %.120s under överföringen till %s.",
		    local_path, server);
		break;
	case CURLE_UNSUPPORTED_PROTOCOL:
		snprintf(err, errlen, "libcurl här saknar stöd för SFTP; inget skickades.");
		break;
	default:
		snprintf(err, errlen, "SFTP till %s misslyckades (%.120s).", server,
		    detail(cc, ebuf));
		break;
	}
}

/*
 * Pinning by SHA-256 is a feature of libcurl's libssh2 back-end only; with
 * another the option could be accepted and not acted upon.
 */
static bool
backend_pins(void)
{
	const curl_version_info_data *v = curl_version_info(CURLVERSION_NOW);

	return v != NULL && v->libssh_version != NULL &&
	    strncmp(v->libssh_version, "libssh2/", 8) == 0;
}

/*
 * One SFTP request: the upload of local_path as remote_name, or, with
 * local_path NULL, a look at whether remote_name exists (1 yes, 0 no).
 */
static int
sftp_request(const struct sftp_target *t, const char *local_path, const char *remote_name,
    char *err, size_t errlen)
{
	bool probe = local_path == NULL;
	static bool inited;
	char ebuf[CURL_ERROR_SIZE] = "", pin[PIN_B64 + 2];
	char *server = NULL, *dir = NULL, *tmpname = NULL, *esc = NULL, *url = NULL;
	char *pub = NULL, *src = NULL, *dst = NULL, *rn = NULL;
	struct curl_slist *post = NULL, *l;
	struct stat st;
	CURLcode cc;
	CURL *c = NULL;
	FILE *fp = NULL;
	int rc = -1;

	/* Everything that can be checked is, before any connection. */
	if (t->url == NULL || t->user == NULL || t->key == NULL) {
		snprintf(err, errlen, "[print] sftp_url, sftp_user och sftp_key måste anges för "
		    "driver = sftp.");
		return -1;
	}
	if (pin_parse(t->host_key, pin) == -1) {
		snprintf(err, errlen, "[print] sftp_host_key saknas eller är inte ett "
		    "fingeravtryck \"SHA256:...\" som ssh-keygen -lf skriver det; utan det "
		    "skickas inget till tryckeriet.");
		return -1;
	}
	if (!name_ok(remote_name)) {
		snprintf(err, errlen, "\"%.60s\" kan inte vara ett filnamn hos tryckeriet.",
		    remote_name != NULL ? remote_name : "");
		return -1;
	}
	if (access(t->key, R_OK) == -1) {
		snprintf(err, errlen, "Kan inte läsa nyckeln %.120s ([print] sftp_key): %s.",
		    t->key, strerror(errno));
		return -1;
	}
	if (!inited) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			snprintf(err, errlen, "libcurl kunde inte startas.");
			return -1;
		}
		inited = true;
	}
	if (!backend_pins()) {
		snprintf(err, errlen, "libcurl här är inte byggd med libssh2 och kan inte låsa "
		    "SFTP-serverns värdnyckel; inget skickades.");
		return -1;
	}
	if (url_parse(t->url, &server, &dir, err, errlen) == -1)
		goto out;
	if (!probe && ((fp = fopen(local_path, "rb")) == NULL || fstat(fileno(fp), &st) == -1)) {
		snprintf(err, errlen, "Kan inte läsa %.120s: %s.", local_path, strerror(errno));
		goto out;
	}
	if (!probe && !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%.120s är inte en vanlig fil; inget skickades.", local_path);
		goto out;
	}
	if ((c = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "libcurl kunde inte startas.");
		goto out;
	}

	tmpname = probe ? xstrdup(remote_name) : xasprintf(".%s.part", remote_name);
	if ((esc = curl_easy_escape(c, tmpname, 0)) == NULL) {
		snprintf(err, errlen, "slut på minne i libcurl");
		goto out;
	}
	url = xasprintf("%s%s%s", t->url, t->url[strlen(t->url) - 1] == '/' ? "" : "/", esc);

	/*
	 * After the upload: rename, which fails when NAME exists.  The quote
	 * commands take paths of their own, not the URL's, so both are named
	 * in full.
	 */
	src = quote_path(dir, tmpname);
	dst = quote_path(dir, remote_name);
	rn = xasprintf("rename %s %s", src, dst);
	if (!probe) {
		if ((l = curl_slist_append(post, rn)) == NULL) {
			snprintf(err, errlen, "slut på minne i libcurl");
			goto out;
		}
		post = l;
	}

	/*
	 * Unset, libcurl would look for $HOME/.ssh/id_dsa.pub; "" makes libssh2
	 * derive the public key from the private one.
	 */
	pub = xasprintf("%s.pub", t->key);
	if (access(pub, R_OK) == -1)
		pub[0] = '\0';

	if ((cc = curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf)) != CURLE_OK ||
#if LIBCURL_VERSION_NUM >= 0x075500
	    (cc = curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "sftp")) != CURLE_OK ||
#else
	    (cc = curl_easy_setopt(c, CURLOPT_PROTOCOLS, (long)CURLPROTO_SFTP)) != CURLE_OK ||
#endif
	    (cc = curl_easy_setopt(c, CURLOPT_URL, url)) != CURLE_OK ||
	    (cc = curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L)) != CURLE_OK ||
	    (cc = curl_easy_setopt(c, CURLOPT_NOPROGRESS, 1L)) != CURLE_OK ||
	    (cc = curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT)) != CURLE_OK ||
	    (cc = curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, LOW_SPEED)) != CURLE_OK ||
	    (cc = curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, LOW_SPEED_TIME)) != CURLE_OK ||
	    (cc = curl_easy_setopt(c, CURLOPT_SSH_HOST_PUBLIC_KEY_SHA256, pin)) != CURLE_OK ||
	    (cc = curl_easy_setopt(c, CURLOPT_SSH_AUTH_TYPES,
		(long)CURLSSH_AUTH_PUBLICKEY)) != CURLE_OK ||
	    (cc = curl_easy_setopt(c, CURLOPT_USERNAME, t->user)) != CURLE_OK ||
	    (cc = curl_easy_setopt(c, CURLOPT_SSH_PRIVATE_KEYFILE, t->key)) != CURLE_OK ||
	    (cc = curl_easy_setopt(c, CURLOPT_SSH_PUBLIC_KEYFILE, pub)) != CURLE_OK ||
	    (probe && (cc = curl_easy_setopt(c, CURLOPT_NOBODY, 1L)) != CURLE_OK) ||
	    (!probe && (cc = curl_easy_setopt(c, CURLOPT_UPLOAD, 1L)) != CURLE_OK) ||
	    (!probe && (cc = curl_easy_setopt(c, CURLOPT_READDATA, fp)) != CURLE_OK) ||
	    (!probe && (cc = curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE,
		(curl_off_t)st.st_size)) != CURLE_OK) ||
	    (!probe && (cc = curl_easy_setopt(c, CURLOPT_POSTQUOTE, post)) != CURLE_OK)) {
		snprintf(err, errlen, "libcurl här kan inte skicka med SFTP och fastlåst "
		    "värdnyckel (%s); inget skickades.", curl_easy_strerror(cc));
		goto out;
	}
	cc = curl_easy_perform(c);
	if (probe && (cc == CURLE_OK || cc == CURLE_REMOTE_FILE_NOT_FOUND)) {
		rc = cc == CURLE_OK;
		goto out;
	}
	if (cc != CURLE_OK) {
		explain(cc, ebuf, t, server, probe ? remote_name : local_path, remote_name, err,
		    errlen);
		goto out;
	}
	rc = 0;
out:
	if (c != NULL)
		curl_easy_cleanup(c);
	if (fp != NULL)
		fclose(fp);
	curl_slist_free_all(post);
	curl_free(esc);
	free(server);
	free(dir);
	free(tmpname);
	free(url);
	free(pub);
	free(src);
	free(dst);
	free(rn);
	return rc;
}

int
print_sftp_upload(const struct sftp_target *t, const char *local_path, const char *remote_name,
    char *err, size_t errlen)
{
	/* Asked first, so that a name taken leaves not even a .part behind. */
	switch (sftp_request(t, NULL, remote_name, err, errlen)) {
	case 0:
		return sftp_request(t, local_path, remote_name, err, errlen);
	case 1:
		snprintf(err, errlen, "%.120s finns redan hos tryckeriet; ingenting skrevs över och "
		    "inget skickades.", remote_name);
		return -1;
	default:
		return -1;
	}
}

int
print_sftp_exists(const struct sftp_target *t, const char *remote_name, char *err, size_t errlen)
{
	return sftp_request(t, NULL, remote_name, err, errlen);
}

/* ---- the driver (print.h) ---- */

static struct sftp_target
target(const struct config *cfg)
{
	struct sftp_target t = {cfg->print_sftp_url, cfg->print_sftp_user, cfg->print_sftp_key,
	    cfg->print_sftp_host_key};

	return t;
}

/* The manifest first, then the volume: the print house takes a volume whole. */
static int
sftp_hand_over(const struct config *cfg, const char *path, const char *name, const char *mname,
    char *err, size_t errlen)
{
	struct sftp_target t = target(cfg);
	char *mpath = xasprintf("%s/%s", cfg->print_folder, mname);
	int rc = 0;

	if (print_sftp_upload(&t, mpath, mname, err, errlen) == -1 ||
	    print_sftp_upload(&t, path, name, err, errlen) == -1)
		rc = -1;
	free(mpath);
	return rc;
}

/* The remote name appears only when the upload is whole. */
static int
sftp_find_proof(const struct config *cfg, const struct print_proof *pf, char *err,
    size_t errlen)
{
	struct sftp_target t = target(cfg);

	return print_sftp_exists(&t, pf->name, err, errlen);
}

const struct print_ops print_sftp_ops = {
	.name = "sftp", .tag = "sftp", .remote = true,
	.recovered = "återställd efter avbrott: filen fanns hos tryckeriet",
	.hand_over = sftp_hand_over, .find_proof = sftp_find_proof, .forget = NULL,
};
