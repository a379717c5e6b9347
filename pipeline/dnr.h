/*
 * dnr.h -- the municipality's diarienummer pattern, compiled once (PCRE2).
 */
#ifndef EXPEDIERA_DNR_H
#define EXPEDIERA_DNR_H

#include <stdbool.h>
#include <stddef.h>

struct dnr_pattern;

/* Compiles pattern (UTF-8); NULL with a Swedish message in err on failure. */
struct dnr_pattern *dnr_pattern_new(const char *pattern, char *err, size_t errlen);

/*
 * true when dnr matches.  Matching runs under match and depth limits, so a
 * pathological pattern cannot hang a run: hitting a limit counts as no match.
 */
bool dnr_pattern_match(const struct dnr_pattern *, const char *dnr);

void dnr_pattern_free(struct dnr_pattern *);

#endif
