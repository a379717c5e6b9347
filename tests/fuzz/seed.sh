#!/bin/sh
# seed.sh DIR -- turn every session package of tests/check and examples/ into
# one fuzzer input each: protokoll.xml, then each försättsblad, NUL-separated.
set -eu
out=$1
mkdir -p "$out"
for s in tests/check/*/session examples/*/; do
	[ -f "$s/protokoll.xml" ] || continue
	name=$(echo "$s" | tr '/' '_')
	{
		cat "$s/protokoll.xml"
		for f in "$s"/forsattsblad/*.xml; do
			[ -f "$f" ] || continue
			printf '\000'
			cat "$f"
		done
	} >"$out/$name"
done
