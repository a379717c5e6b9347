/*
 * audit_key.c -- the person key (audit.h, person_key_load): the secret that
 * makes the log's recipient keys HMACs, in a file of its own.
 *
 * Reads and writes: the key file (64 hex digits, 0600, never a link; created
 * with a fresh random key when missing), and the log's "key" event, which
 * holds an HMAC of a fixed label, never the key.  The key lives in struct
 * audit and is wiped at audit_close.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "audit_impl.h"
#include "text.h"
#include "xmalloc.h"


#define KEY_HEX   64                       /* 32 bytes as hex, one line */
#define KEY_LABEL "expediera person key v1" /* what the fingerprint is an HMAC of */

static int load_key(struct audit *, const char *path, bool write);

/* Creates the key file (0600, never replacing anything) with a fresh key. */
static int
key_create(struct audit *a, const char *path)
{
	unsigned char raw[32];
	char text[KEY_HEX + 2];
	int fd, ok;

	if (RAND_bytes(raw, sizeof(raw)) != 1) {
		seterr(a, "kan inte ta fram en ny nyckel till %s", path);
		return -1;
	}
	text_hex(raw, sizeof(raw), text);
	text[KEY_HEX] = '\n';
	text[KEY_HEX + 1] = '\0';
	OPENSSL_cleanse(raw, sizeof(raw));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1) {
		OPENSSL_cleanse(text, sizeof(text));
		if (errno == EEXIST)
			return 0; /* another run made it first: read that one */
		seterr(a, "kan inte skapa nyckelfilen %s: %s", path, strerror(errno));
		return -1;
	}
	ok = fchmod(fd, 0600) == 0 && write(fd, text, KEY_HEX + 1) == KEY_HEX + 1 &&
	    fsync(fd) == 0;
	OPENSSL_cleanse(text, sizeof(text));
	if (close(fd) == -1 || !ok) {
		seterr(a, "kan inte skriva nyckelfilen %s: %s", path, strerror(errno));
		(void)unlink(path);
		return -1;
	}
	return 0;
}

static int
key_read(struct audit *a, const char *path)
{
	char text[KEY_HEX + 2];
	struct stat sb;
	ssize_t n;
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1) {
		seterr(a, "kan inte läsa nyckelfilen %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		seterr(a, "nyckelfilen %s är inte en vanlig fil", path);
		goto out;
	}
	if ((sb.st_mode & 077) != 0) {
		seterr(a, "nyckelfilen %s kan läsas av andra (rättigheter %04o); den ska ha 0600",
		    path, (unsigned)(sb.st_mode & 07777));
		goto out;
	}
	n = read(fd, text, sizeof(text));
	if (n < KEY_HEX || (n > KEY_HEX && text[KEY_HEX] != '\n') ||
	    text_unhex(text, a->key, sizeof(a->key)) == -1) {
		seterr(a, "nyckelfilen %s är skadad: den ska ha 64 hexsiffror", path);
		goto out;
	}
	a->have_key = true;
	rc = 0;
out:
	OPENSSL_cleanse(text, sizeof(text));
	(void)close(fd);
	return rc;
}

int
person_key_hash(const struct audit *a, const void *data, size_t len, char out[65])
{
	unsigned char d[32];
	unsigned int dl = 0;

	if (!a->have_key || HMAC(EVP_sha256(), a->key, (int)sizeof(a->key), data, len, d, &dl) ==
	    NULL || dl != sizeof(d))
		return -1;
	text_hex(d, sizeof(d), out);
	return 0;
}

/*
 * The log remembers which key its person keys were made with (a "key" event
 * holding an HMAC of a fixed label, never the key): a run with another key
 * file would find none of the försändelser already sent, and send them all
 * again.  So a mismatch stops the run, and so does an outbox that already
 * holds försändelser when no key was ever recorded (keys made without one).
 */
int
person_key_load(struct audit *a, const char *path)
{
	return load_key(a, path, true);
}

int
person_key_check(struct audit *a, const char *path)
{
	return load_key(a, path, false);
}

/* person_key_load, or with write false person_key_check. */
static int
load_key(struct audit *a, const char *path, bool write)
{
	struct db_stmt *st = NULL;
	char fp[65], *json = NULL;
	bool began = false;
	int r, rc = -1;

	if (write && access(path, F_OK) == -1 && errno == ENOENT && key_create(a, path) == -1)
		return -1;
	if (key_read(a, path) == -1)
		return -1;
	if (person_key_hash(a, KEY_LABEL, strlen(KEY_LABEL), fp) == -1) {
		seterr(a, "kan inte använda nyckeln i %s", path);
		return -1;
	}
	fp[32] = '\0';
	if (write ? tx_begin(a) == -1 : read_begin(a, &began) == -1)
		return -1;
	if (prep(a, "SELECT data FROM event WHERE kind = 'key' ORDER BY id DESC LIMIT 1",
	        &st) == -1 || (r = step_row(a, st)) == -1)
		goto out;
	if (r == 1) {
		const char *data = col_text(st, 0);

		json = xasprintf("{\"fingerprint\":\"%s\"}", fp);
		if (data == NULL || strcmp(data, json) != 0) {
			seterr(a, "nyckelfilen %s hör inte till granskningsloggen %s (den skapades med "
			    "en annan nyckel); med fel nyckel skulle allt som redan skickats skickas "
			    "igen. Ange rätt fil i [audit] key_file", path, a->path);
			goto out;
		}
		rc = 0;
		goto out;
	}
	db_finalize(st);
	st = NULL;
	if (!write) {
		/* No key yet: nothing was sent with any key, so there is nothing to compare. */
		rc = 0;
		goto out;
	}
	if (prep(a, "SELECT count(*) FROM outbox", &st) == -1 || step_row(a, st) != 1)
		goto out;
	if (db_column_int64(st, 0) > 0) {
		seterr(a, "granskningsloggen %s har försändelser men ingen nyckel; den skapades av "
		    "en äldre version av expediera och kan inte användas för nya utskick", a->path);
		goto out;
	}
	db_finalize(st);
	st = NULL;
	json = xasprintf("{\"fingerprint\":\"%s\"}", fp);
	{
		char ts[TS_LEN + 1];

		if (now_ts(a, ts) == 0 && append(a, 0, ts, "key", NULL, json) == 0)
			rc = 0;
	}
out:
	db_finalize(st);
	free(json);
	return write ? tx_end(a, rc) : read_end(a, began, rc);
}

/* The old names, until every caller says the verbs. */
int
audit_load_key(struct audit *a, const char *path)
{
	return person_key_load(a, path);
}

int
audit_check_key(struct audit *a, const char *path)
{
	return person_key_check(a, path);
}

int
audit_keyed_hash(const struct audit *a, const void *data, size_t len, char out[65])
{
	return person_key_hash(a, data, len, out);
}
