/*
 * print.h -- the print drivers: how a volume, once written whole into the
 * print folder, reaches paper.  One table of functions per back-end, as
 * curl's TLS back-ends are: print_folder.c (the file in the folder is the
 * hand-over), print_sftp.c (uploaded to a print house), print_cups.c (a job
 * on a CUPS queue).  The configuration picks one when it is read ([print]
 * driver; config.h's print); nothing else asks for a driver by name.
 *
 * A hand-over leaves a proof where a later run can look for it: the file, the
 * remote name, the job.  Before a volume goes, its försändelser are recorded
 * SENDING with that proof (print_proof_reason); a run stopped in between
 * reads it back (print_proof_read) and asks the driver that wrote it
 * whether the proof is there (find_proof).
 */
#ifndef EXPEDIERA_PRINT_H
#define EXPEDIERA_PRINT_H

#include <stdbool.h>
#include <stddef.h>

struct config;
struct print_ops;

/* Where the proof of one hand-over is. */
struct print_proof {
	const struct print_ops *by; /* the driver that handed it over */
	char *name;                 /* the volume's name at the print house, or NULL */
	char *path;                 /* the file in the print folder (or any file) */
};

struct print_ops {
	const char *name;      /* [print] driver = name */
	const char *tag;       /* the proof's tag in the outbox ("tag:...") */
	bool remote;           /* the proof is at the print house, named by the volume:
	                          asking costs a connection, so a batch is asked once */
	const char *recovered; /* the outbox's reason when the proof was found after a stop */

	/*
	 * Hands over the volume at path (name; its manifest mname beside it in
	 * the print folder).  0, or -1 with a Swedish message in err.
	 */
	int (*hand_over)(const struct config *, const char *path, const char *name,
	    const char *mname, char *err, size_t errlen);

	/*
	 * Whether the hand-over proof stands for was done: 1 yes, 0 no, -1 cannot
	 * tell now (the print server does not answer; a message in err).
	 */
	int (*find_proof)(const struct config *, const struct print_proof *, char *err,
	    size_t errlen);

	/* Removes what a hand-over that was not done left behind; NULL: nothing. */
	void (*forget)(const struct print_proof *);
};

extern const struct print_ops print_folder_ops, print_sftp_ops, print_cups_ops;

/* Every driver, the default first; NULL at the end. */
extern const struct print_ops *const print_drivers[];

/*
 * The reason a försändelse is SENDING with while drv hands over the file at
 * path, named name (malloc'd).  print_folder_ops stands for any file written
 * into a folder (the archive, a hand-over folder too).
 */
char *print_proof_reason(const struct print_ops *drv, const char *path, const char *name);

/* The proof in such a reason: 0, or -1 when it names none (nothing to look for). */
int print_proof_read(const char *reason, struct print_proof *);
void print_proof_free(struct print_proof *);

#endif
