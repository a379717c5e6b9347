/*
 * fuzz_mm.c -- libFuzzer target over the parsers of the mailbox service's
 * answers (mm.c): isReachableResponse and deliverSecureResponse, SOAP Faults
 * included.  Seeds: the vendored samples (tests/run.sh copies them).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mm.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mm_reach *r = NULL;
	size_t n = 0;
	bool delivered;
	char tid[64], err[256];

	if (mm_parse_is_reachable((const char *)data, size, &r, &n, err, sizeof(err)) == 0)
		mm_reach_free(r, n);
	mm_parse_deliver_secure((const char *)data, size, &delivered, tid, sizeof(tid), err,
	    sizeof(err));
	return 0;
}
