/*
 * print_sftp.c -- the SFTP print back-end; see print_sftp.h.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <curl/curl.h>

#include "print_sftp.h"
#include "xmalloc.h"

int
print_sftp_upload(const struct sftp_target *t, const char *local_path, const char *remote_name,
    char *err, size_t errlen)
{
	static int inited;
	char ebuf[CURL_ERROR_SIZE] = "", *url = NULL, *esc = NULL, *tmpname = NULL;
	char *pub = NULL, *rn = NULL, *rm = NULL;
	const char *dir, *slash;
	struct curl_slist *post = NULL;
	struct stat st;
	CURLcode cc;
	CURL *c = NULL;
	FILE *fp = NULL;
	int rc = -1;

	if (t->url == NULL || t->user == NULL || t->key == NULL) {
		snprintf(err, errlen, "[print] sftp_url, sftp_user och sftp_key måste anges för "
		    "driver = sftp");
		return -1;
	}
	if (t->host_key == NULL || strncmp(t->host_key, "SHA256:", 7) != 0 ||
	    strlen(t->host_key) < 7 + 43) {
		snprintf(err, errlen, "[print] sftp_host_key saknas eller är inte ett "
		    "SHA256-fingeravtryck; utan det skickas inget till tryckeriet");
		return -1;
	}
	if (!inited && curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK)
		inited = 1;
	if ((fp = fopen(local_path, "rb")) == NULL || fstat(fileno(fp), &st) == -1) {
		snprintf(err, errlen, "kan inte läsa %s", local_path);
		goto out;
	}
	if ((c = curl_easy_init()) == NULL) {
		snprintf(err, errlen, "libcurl kunde inte startas");
		goto out;
	}
	tmpname = xasprintf(".%s.part", remote_name);
	esc = curl_easy_escape(c, tmpname, 0);
	url = xasprintf("%s%s%s", t->url, t->url[strlen(t->url) - 1] == '/' ? "" : "/", esc);
	/*
	 * Quote commands take paths of their own: relative ones are relative to
	 * the login's home, so name the directory of the URL in full.
	 */
	dir = strstr(t->url, "://");
	dir = dir != NULL ? strchr(dir + 3, '/') : NULL;
	if (dir == NULL) {
		snprintf(err, errlen, "[print] sftp_url ska vara sftp://värd[:port]/katalog/");
		goto out;
	}
	slash = dir[strlen(dir) - 1] == '/' ? "" : "/";
	rm = xasprintf("*rm %s%s%s", dir, slash, remote_name);
	rn = xasprintf("rename %s%s%s %s%s%s", dir, slash, tmpname, dir, slash, remote_name);
	post = curl_slist_append(post, rm);
	post = curl_slist_append(post, rn);
	pub = xasprintf("%s.pub", t->key);
	if (curl_easy_setopt(c, CURLOPT_URL, url) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "sftp") != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_READDATA, fp) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)st.st_size) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_USERNAME, t->user) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_SSH_AUTH_TYPES, (long)CURLSSH_AUTH_PUBLICKEY) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_SSH_PRIVATE_KEYFILE, t->key) != CURLE_OK ||
	    (access(pub, R_OK) == 0 &&
		curl_easy_setopt(c, CURLOPT_SSH_PUBLIC_KEYFILE, pub) != CURLE_OK) ||
	    curl_easy_setopt(c, CURLOPT_SSH_HOST_PUBLIC_KEY_SHA256, t->host_key + 7) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_POSTQUOTE, post) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 15L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf) != CURLE_OK) {
		snprintf(err, errlen, "libcurl saknar stöd för SFTP med fastlåst värdnyckel");
		goto out;
	}
	if ((cc = curl_easy_perform(c)) != CURLE_OK) {
		if (cc == CURLE_PEER_FAILED_VERIFICATION || strstr(ebuf, "ostkey") != NULL ||
		    strstr(ebuf, "fingerprint") != NULL)
			snprintf(err, errlen, "SFTP-servern %s visade en annan värdnyckel än den som "
			    "står i [print] sftp_host_key; inget skickades", t->url);
		else if (cc == CURLE_LOGIN_DENIED)
			snprintf(err, errlen, "SFTP-servern %s godtog inte nyckeln %s för %s", t->url,
			    t->key, t->user);
		else
			snprintf(err, errlen, "SFTP till %s misslyckades: %s", t->url,
			    ebuf[0] ? ebuf : curl_easy_strerror(cc));
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
	free(url);
	free(tmpname);
	free(pub);
	free(rn);
	free(rm);
	return rc;
}
