/*
 * progress.h -- progress on stderr for long work: a bar with counts and rate
 * when stderr is a terminal, a quiet line at each quarter otherwise (and
 * nothing at all for small batches, so scripts and logs stay clean).
 */
#ifndef EXPEDIERA_PROGRESS_H
#define EXPEDIERA_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>

struct progress {
	const char *what;     /* "försändelser" */
	size_t total, done;
	bool tty;
	double start, last;
	int quarter;          /* the last quarter reported without a terminal */
};

void progress_start(struct progress *, const char *what, size_t total);
void progress_step(struct progress *);
void progress_end(struct progress *);

#endif
