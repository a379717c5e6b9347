/*
 * print_sftp.h -- print back-end: the print batch and its manifest uploaded by
 * SFTP to a print house (libcurl with libssh2).  print_sftp_ops (print.h)
 * is the driver built on these two calls.
 *
 * The server is known in advance: its host key is pinned by SHA-256
 * fingerprint ([print] sftp_host_key = "SHA256:<base64>", as ssh-keygen -lf
 * prints it) and any other key is refused.  The client authenticates with an
 * ed25519 key ([print] sftp_key).  A file is written under a temporary name
 * and renamed when complete, so the print house never reads half a file.
 */
#ifndef EXPEDIERA_PRINT_SFTP_H
#define EXPEDIERA_PRINT_SFTP_H

#include <stddef.h>

struct sftp_target {
	const char *url;      /* sftp://host[:port]/directory/ */
	const char *user;
	const char *key;      /* path of the private key (the .pub beside it if present) */
	const char *host_key; /* "SHA256:<base64>" */
};

/*
 * Uploads local_path as remote_name in the target directory: first as
 * ".remote_name.part", then renamed.  An existing remote_name is never
 * replaced: the upload fails.  Returns 0, or -1 with a Swedish message in err
 * (a wrong host key says so).
 */
int print_sftp_upload(const struct sftp_target *, const char *local_path,
    const char *remote_name, char *err, size_t errlen);

/*
 * Whether remote_name exists in the target directory: 1 yes, 0 no, -1 the
 * server could not be asked (a message in err).  remote_name appears only
 * when an upload is complete, so 1 means the hand-over was done.
 */
int print_sftp_exists(const struct sftp_target *, const char *remote_name, char *err,
    size_t errlen);

#endif
