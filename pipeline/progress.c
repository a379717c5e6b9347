/*
 * progress.c -- see progress.h.  Writes to stderr only; never names a person.
 */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"

/* Below this, work is over before a bar would help. */
#define PROGRESS_MIN 200

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
progress_start(struct progress *p, const char *what, size_t total)
{
	p->what = what;
	p->total = total;
	p->done = 0;
	p->tty = isatty(STDERR_FILENO) == 1;
	p->start = p->last = now();
	p->quarter = 0;
}

static void
draw(struct progress *p, double t)
{
	double rate = t > p->start ? (double)p->done / (t - p->start) : 0;
	size_t width = 30, fill = p->total ? p->done * width / p->total : width, i;

	fputc('\r', stderr);
	fputc('[', stderr);
	for (i = 0; i < width; i++)
		fputc(i < fill ? '#' : ' ', stderr);
	fprintf(stderr, "] %zu/%zu %s, %.0f/s ", p->done, p->total, p->what, rate);
	fflush(stderr);
}

void
progress_step(struct progress *p)
{
	double t;
	int q;

	p->done++;
	if (p->total < PROGRESS_MIN)
		return;
	t = now();
	if (p->tty) {
		if (t - p->last >= 0.1 || p->done == p->total) {
			draw(p, t);
			p->last = t;
		}
		return;
	}
	q = (int)(p->done * 4 / p->total);
	if (q > p->quarter && q < 4) {
		p->quarter = q;
		fprintf(stderr, "expediera: %zu av %zu %s (%d %%)\n", p->done, p->total, p->what,
		    q * 25);
	}
}

void
progress_end(struct progress *p)
{
	if (p->total >= PROGRESS_MIN && p->tty) {
		draw(p, now());
		fputc('\n', stderr);
	}
}
