/*
 * sftp_upload.c -- print_sftp_upload() from the command line, for
 * tests/lib/sftp.sh:
 *
 *	sftp_upload URL USER KEY HOSTKEY LOCALFILE REMOTENAME
 *
 * HOSTKEY is "SHA256:<base64>" as ssh-keygen -lf prints it; an empty
 * HOSTKEY stands for a missing [print] sftp_host_key.  LOCALFILE "-" asks
 * print_sftp_exists() instead: exit 0 when REMOTENAME is there, 3 when not.
 * Reads: LOCALFILE and KEY.  Writes: REMOTENAME on the server; the error,
 * if any, on stderr.  Exits 0 when the file arrived, 1 when it did not,
 * 2 on a bad command line.
 */
#include <stdio.h>

#include "print_sftp.h"

int
main(int argc, char *argv[])
{
	struct sftp_target t;
	char err[256];

	if (argc != 7) {
		fputs("usage: sftp_upload URL USER KEY HOSTKEY LOCALFILE REMOTENAME\n", stderr);
		return 2;
	}
	t.url = argv[1];
	t.user = argv[2];
	t.key = argv[3];
	t.host_key = argv[4][0] != '\0' ? argv[4] : NULL;
	if (argv[5][0] == '-' && argv[5][1] == '\0') {
		int r = print_sftp_exists(&t, argv[6], err, sizeof(err));

		if (r == -1)
			fprintf(stderr, "sftp_upload: %s\n", err);
		return r == 1 ? 0 : r == 0 ? 3 : 1;
	}
	if (print_sftp_upload(&t, argv[5], argv[6], err, sizeof(err)) == -1) {
		fprintf(stderr, "sftp_upload: %s\n", err);
		return 1;
	}
	return 0;
}
