/*
 * spool.h -- claims on a spool that several hosts' `watch` share (NFS or
 * similar; SPEC 7).
 *
 * A package is claimed by renaming its folder, SPOOL/inkommande/NAME, to
 * SPOOL/behandlas/NAME~HOST~PID~TOKEN.SERIAL.ID~LEASE.  rename(2) is atomic on the
 * file server, so of two hosts taking one package one succeeds and the
 * other finds it gone.  The claim's name says who holds it; its folder's
 * modification time is the lease, which the holder renews (a thread touches
 * it every third of the lease) while it works.  A claim whose lease ran
 * out, or whose holder is a dead process on this host, is taken over by a
 * rename from that exact name to a new one: a claim's name is never made
 * twice, so only one taker can win, and a holder whose claim was taken
 * finds its folder gone when it renews or moves it.
 *
 * "This host" is not the host name, which cloned VMs and containers with a
 * fixed hostname share: ID is a digest of the machine id, the boot id and
 * the pid namespace, the three things that make a pid mean one process.  A
 * holder's pid is asked (kill 0) only when its ID is ours; any other claim,
 * and an old claim without ID (TOKEN.SERIAL), goes only when its lease ran
 * out.  HOST stays in the name to show people who holds it.
 *
 * Times are the file server's: "now" is the modification time of this
 * host's beat file SPOOL/.vaktare/HOST~ID, touched on every pass, so hosts
 * whose clocks differ still agree on whether a lease ran out.  No flock,
 * which NFS does not keep reliably.
 */
#ifndef EXPEDIERA_SPOOL_H
#define EXPEDIERA_SPOOL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct spool {
	char *dir;          /* SPOOL */
	char host[64];      /* this host's name, only [A-Za-z0-9.-]: for people */
	char id[17];        /* this host's identity (16 hex), "" when unknown */
	long pid;
	char token[20];     /* random, this process */
	unsigned serial;    /* claims made, for unique names */
	int lease;          /* seconds */
	char *beat;         /* SPOOL/.vaktare/HOST~ID */
};

struct spool_claim {
	struct spool *sp;
	char *path;         /* SPOOL/behandlas/NAME~... */
	char *name;         /* NAME */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool running, stop;
	volatile int lost;  /* the folder was gone when renewed */
};

/* A claim someone else holds whose lease ran out (or whose holder died). */
struct spool_stale {
	char *entry;        /* NAME~HOST~PID~TOKEN~LEASE */
	char *name;
	char host[64];
	bool same_host;     /* its holder's identity is ours (not just its name) */
};

/* The longest package name a claim can carry: the claim's name adds up to
 * 120 bytes to it and a file name holds 255. */
#define SPOOL_NAME_MAX 128

/* Makes SPOOL/behandlas and SPOOL/.vaktare; -1 with errno. */
int spool_open(struct spool *, const char *dir, int lease);
void spool_close(struct spool *);

/* Touches this host's beat file; *now is the server's time.  -1 with errno. */
int spool_beat(struct spool *, time_t *now);

/* 1 with its name when another host's watch beat within a lease of now. */
int spool_other_host(struct spool *, time_t now, char *host, size_t hostlen);

/* Claims SPOOL/inkommande/NAME: 0 claimed (renewal running), 1 someone
 * else has it or it is gone, -1 with errno (ENAMETOOLONG: NAME is longer
 * than SPOOL_NAME_MAX and can never be claimed). */
int spool_claim(struct spool *, const char *name, struct spool_claim *);

/* The claims in SPOOL/behandlas that may be taken over (*n of them). */
struct spool_stale *spool_stale(struct spool *, time_t now, size_t *n);
void spool_stale_free(struct spool_stale *, size_t n);

/* Takes a stale claim over: as spool_claim. */
int spool_take(struct spool *, const struct spool_stale *, struct spool_claim *);

/* Moves SPOOL/inkommande/NAME, which cannot be claimed, straight to
 * SPOOL/avvisade/NAME (NAME-2, ... when taken), out naming where: 0 moved,
 * 1 gone (someone else moved it), -1 with errno. */
int spool_reject(struct spool *, const char *name, char *out, size_t outlen);

/* Stops the renewal and moves the package to SPOOL/DEST/NAME (NAME-2, -3
 * when taken), out naming where; -1 (nothing moved) when the claim was
 * lost or the rename failed.  The claim is freed either way. */
int spool_release(struct spool_claim *, const char *dest, char *out, size_t outlen);

#endif
