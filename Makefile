# expediera -- plain Makefile; libraries found with pkg-config.
#
#   make            build ./expediera
#   make demo       install what is missing, build, check the bundled example
#   make check      install what is missing, build with sanitizers, run every test
#   make bench      benchmarks (never part of check); build/bench_pdf for the pdf*.c files alone
#   make fuzz       a longer libFuzzer run
#   make torture    many sends and watches at once, killed at random, disk filling: 10 min
#   make regen      rewrite the golden files of tests/check from the current output
#   make lint       grep for functions the house style bans, and the walls
#                   between the rooms of pipeline/ (scripts/walls.sh)
#   make install    install under $(DESTDIR)$(PREFIX) (PREFIX=/usr/local): the program,
#                   templates, fonts and manual pages

VERSION   = 0.1.0
PKGS      = libxml-2.0 libpcre2-8 sqlite3 libpq libcrypto libcurl xmlsec1-openssl
CC       ?= cc
CSTD      = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE
WARN      = -Wall -Wextra -Werror
# libcups: Debian 12's libcups2-dev ships no cups.pc (later ones do), so
# cups-config, which every version has, when pkg-config does not know it.
CUPS_CFLAGS = $(shell pkg-config --cflags cups 2>/dev/null || cups-config --cflags)
CUPS_LIBS   = $(shell pkg-config --libs cups 2>/dev/null || cups-config --libs)
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS)) $(CUPS_CFLAGS)
# libharu, the PDF library (pipeline/pdf.c): Debian's libhpdf-dev ships no .pc file.
HPDF_LIBS  = -lhpdf
PKG_LIBS   = $(shell pkg-config --libs $(PKGS)) $(CUPS_LIBS) $(HPDF_LIBS) -pthread -lz -lm
# Where the binary finds its templates and fonts; `make install` sets these.
TEMPLATES_DIR ?= $(CURDIR)/templates
FONTS_DIR     ?= $(CURDIR)/build/fonts
DIRS      = -DEXPEDIERA_TEMPLATES='"$(TEMPLATES_DIR)"' -DEXPEDIERA_FONTS='"$(FONTS_DIR)"'
CFLAGS   ?= -O2 -g
ALL_CFLAGS = $(CSTD) $(WARN) $(CFLAGS) -Ipipeline $(PKG_CFLAGS) -DEXPEDIERA_VERSION='"$(VERSION)"' $(DIRS)
SAN       = -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer \
            -DEXPEDIERA_TEST_HOOKS

# Every stage but the driver; a new file in pipeline/ is built without a line here.
SRCS = $(filter-out pipeline/main.c,$(sort $(wildcard pipeline/*.c)))
HDRS = $(wildcard pipeline/*.h)
XSDS = schemas/protokoll.xsd schemas/forsattsblad.xsd
UNIT = test_personnummer test_config test_audit test_pdf test_mm test_text test_record test_appeal test_text_person

OBJS      = $(SRCS:pipeline/%.c=build/%.o)
ASAN_OBJS = $(SRCS:pipeline/%.c=build/asan/%.o)

EXAMPLE = examples/sammantrade-2026-11-18

.PHONY: all deps deps-check demo check test bench fuzz regen lint clean torture

all: expediera fonts

include fonts/fonts.mk

expediera: $(OBJS) build/main.o
	$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS)

build/%.o: pipeline/%.c $(HDRS) | build
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -c -o $@ $<

build/schemas.o build/asan/schemas.o: $(XSDS)

build/asan/%.o: pipeline/%.c $(HDRS) | build/asan
	@echo "  CC san  $<"
	@$(CC) $(CSTD) $(WARN) $(SAN) -Ipipeline $(PKG_CFLAGS) $(DIRS) -c -o $@ $<

build/asan/expediera: $(ASAN_OBJS) build/asan/main.o
	$(CC) $(SAN) -o $@ $^ $(PKG_LIBS)

build/asan/test_%: tests/unit/test_%.c $(ASAN_OBJS) | build/asan
	$(CC) $(CSTD) $(WARN) $(SAN) -Ipipeline $(PKG_CFLAGS) -o $@ $< $(ASAN_OBJS) $(PKG_LIBS)

# The PDF benchmark (tests/bench/bench_pdf.c): one-page letters a second and
# their size, and a streamed batch's peak RSS.  Optimised, no sanitizers.
build/bench_pdf: tests/bench/bench_pdf.c build/pdf.o build/pdf_font.o build/pdf_meta.o build/pdf_record.o \
    build/text.o build/xmalloc.o | build
	$(CC) $(CSTD) $(WARN) $(CFLAGS) -Ipipeline -o $@ $^ $(PKG_LIBS)

# print_sftp.c from the command line, for tests/lib/sftp.sh.
build/asan/sftp_upload: tests/tools/sftp_upload.c build/asan/print_sftp.o build/asan/xmalloc.o | build/asan
	$(CC) $(CSTD) $(WARN) $(SAN) -Ipipeline $(PKG_CFLAGS) -o $@ $^ $(PKG_LIBS)

# libFuzzer wants clang; the target links every stage but the driver.
build/fuzz/fuzz_session: tests/fuzz/fuzz_session.c $(SRCS) $(HDRS) $(XSDS)
	@mkdir -p build/fuzz
	clang $(CSTD) $(WARN) -g -O1 -fsanitize=fuzzer,address,undefined -DEXPEDIERA_TEST_HOOKS -Ipipeline \
	    $(PKG_CFLAGS) -o $@ tests/fuzz/fuzz_session.c $(SRCS) $(PKG_LIBS)

build/fuzz/fuzz_ini: tests/fuzz/fuzz_ini.c $(SRCS) $(HDRS)
	@mkdir -p build/fuzz
	clang $(CSTD) $(WARN) -g -O1 -fsanitize=fuzzer,address,undefined -DEXPEDIERA_TEST_HOOKS -Ipipeline \
	    $(PKG_CFLAGS) -o $@ tests/fuzz/fuzz_ini.c $(SRCS) $(PKG_LIBS)

build/fuzz/fuzz_mm: tests/fuzz/fuzz_mm.c $(SRCS) $(HDRS)
	@mkdir -p build/fuzz
	clang $(CSTD) $(WARN) -g -O1 -fsanitize=fuzzer,address,undefined -DEXPEDIERA_TEST_HOOKS -Ipipeline \
	    $(PKG_CFLAGS) -o $@ tests/fuzz/fuzz_mm.c $(SRCS) $(PKG_LIBS)

build build/asan:
	@mkdir -p $@

deps:
	@sh scripts/install-deps.sh build

deps-check:
	@sh scripts/install-deps.sh check

demo: deps-check
	@$(MAKE) --no-print-directory all
	@sh scripts/demo.sh

# Sub-makes, so that pkg-config runs after the packages are installed.
check: deps-check
	@$(MAKE) --no-print-directory -j$$(nproc) test

test: build/asan/expediera $(UNIT:%=build/asan/%) build/fuzz/fuzz_session build/fuzz/fuzz_ini \
    build/fuzz/fuzz_mm build/asan/sftp_upload \
    expediera fonts
	@bash tests/run.sh

# Exactly once under many runs at once, random kills and a disk that fills:
# tests/torture.sh for ten minutes (make check runs it for 30 seconds).
torture: deps-check
	@$(MAKE) --no-print-directory -j$$(nproc) build/asan/expediera fonts
	@bash tests/torture.sh $${TORTURE_SECONDS:-600}

bench:
	@sh scripts/install-deps.sh bench
	@$(MAKE) --no-print-directory all build/bench_pdf
	@build/bench_pdf $${BENCH_LETTERS:-2000}
	@sh tests/bench/run.sh
	@bash tests/bench/workers.sh

fuzz: build/fuzz/fuzz_session
	@mkdir -p build/fuzz/corpus
	sh tests/fuzz/seed.sh build/fuzz/seeds
	build/fuzz/fuzz_session -max_total_time=600 -max_len=65536 \
	    build/fuzz/corpus build/fuzz/seeds

regen: build/asan/expediera
	@bash tests/run.sh --regen

lint:
	@! grep -nE '\b(sprintf|vsprintf|strcpy|strcat|atoi|atol|gets|system|popen)\(' \
	    pipeline/*.c tests/unit/*.c tests/fuzz/*.c || \
	    { echo "lint: banned function above" >&2; exit 1; }
	@sh scripts/walls.sh

# make install: the program built again in build/install/, with the installed
# templates and fonts compiled in (the in-tree ./expediera keeps templates/ and
# build/fonts/) and no path of the source tree left in it, not even in the debug
# information; build/install/prefix changes only with PREFIX, which rebuilds it.
PREFIX   ?= /usr/local
SHAREDIR  = $(PREFIX)/share/expediera

.PHONY: install FORCE

build/install/expediera: TEMPLATES_DIR = $(SHAREDIR)/templates
build/install/expediera: FONTS_DIR = $(SHAREDIR)/fonts
build/install/expediera: $(SRCS) pipeline/main.c $(HDRS) $(XSDS) build/install/prefix
	@echo "  CC      $@ (PREFIX=$(PREFIX))"
	@$(CC) $(ALL_CFLAGS) -ffile-prefix-map=$(CURDIR)=. -o $@ $(SRCS) pipeline/main.c \
	    $(PKG_LIBS)

build/install/prefix: FORCE
	@mkdir -p build/install
	@echo '$(PREFIX)' | cmp -s - $@ || echo '$(PREFIX)' >$@

install: build/install/expediera fonts
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(SHAREDIR)/templates \
	    $(DESTDIR)$(SHAREDIR)/fonts $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/man/man5
	install -m 755 build/install/expediera $(DESTDIR)$(PREFIX)/bin/expediera
	install -m 644 templates/* $(DESTDIR)$(SHAREDIR)/templates/
	install -m 644 $(FONT_FILES) $(FONT_ICC) $(DESTDIR)$(SHAREDIR)/fonts/
	install -m 644 man/expediera.1 $(DESTDIR)$(PREFIX)/share/man/man1/expediera.1
	install -m 644 man/expediera.conf.5 $(DESTDIR)$(PREFIX)/share/man/man5/expediera.conf.5

clean:
	rm -rf build expediera
