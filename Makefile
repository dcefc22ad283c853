# anju - build, test and benchmark.
#
#   make            build the stages into build/bin
#   make deps       install the Debian packages anju needs (as root), else
#                   print the apt-get line
#   make sample     build and run the pipeline on the bundled sample
#   make test       build with AddressSanitizer+UBSan and run all tests
#   make bench      benchmarks (not tests): see README
#   make format     clang-format every C file; make lint: cppcheck

# Debian packages the build and the pipeline need ...
DEB_PACKAGES = gcc make pkg-config libc6-dev libcsv-dev libsqlite3-dev \
	libpcre2-dev libutf8proc-dev libjansson-dev nettle-dev libxxhash-dev \
	libxlsxwriter-dev libminizip-dev xz-utils sqlite3
# ... and what the tests and benchmarks need on top (LibreOffice reads the
# county packs back the way a spreadsheet user would).
TEST_PACKAGES = libcmocka-dev bats python3 time procps libreoffice-calc-nogui

CC       ?= cc
BUILD    ?= build
OPT      ?= -O2
SAN      ?=
WERROR   ?=
PKGS      = sqlite3 libpcre2-8 libutf8proc jansson nettle libxxhash xlsxwriter \
	    minizip
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS   = -std=c17 -D_GNU_SOURCE -DANJU_HAVE_XLSXWRITER -g $(OPT) -Wall -Wextra $(WERROR) $(SAN) \
	   -Istages/common $(PKG_CFLAGS)
LDFLAGS  = $(SAN)
LDLIBS   = $(PKG_LIBS) -lcsv -lm

STAGES   = ingest match verify report diff
COMMON_SRC := $(wildcard stages/common/*.c)
COMMON_OBJ := $(COMMON_SRC:%.c=$(BUILD)/obj/%.o)
LIB       = $(BUILD)/libanju.a
BINS      = $(foreach s,$(STAGES),$(if $(wildcard stages/$(s)/main.c),$(BUILD)/bin/anju-$(s)))
TOOLS_SRC := $(wildcard tools/*.c)
TOOLS     = $(TOOLS_SRC:tools/%.c=$(BUILD)/tools/%)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNITS     = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
DIVDB     = $(BUILD)/share/anju/divisions.db
SHARE     = $(BUILD)/share/anju

.PHONY: all install deps test-deps sample test check tsan unit units e2e bench format lint clean
.SUFFIXES:

RUNBIN    = $(if $(wildcard pipeline/main.c),$(BUILD)/bin/anju-run)
# Every object file, named so that make never treats one as intermediate
# (an intermediate file is deleted after use and not rebuilt when missing).
ALL_OBJ  := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard stages/*/*.c pipeline/*.c tools/*.c))
UNIT_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard tests/unit/test_*.c))

all: $(ALL_OBJ) $(BINS) $(RUNBIN) $(TOOLS) $(DIVDB) $(SHARE)/schemas.stamp

# -MMD -MP: each object also depends on every header it includes (a
# stage's own headers too), listed by the compiler in a .d file beside it.
$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

-include $(ALL_OBJ:.o=.d) $(UNIT_OBJ:.o=.d)

$(LIB): $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

.SECONDEXPANSION:

# A stage is main.c plus its logic file(s); the logic also goes into the
# unit tests, so it must not contain main().
stage_logic = $(patsubst %.c,$(BUILD)/obj/%.o,$(filter-out stages/$*/main.c,$(wildcard stages/$*/*.c)))
$(BUILD)/bin/anju-%: $(BUILD)/obj/stages/%/main.o $(LIB) $$(stage_logic)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIB) $(LDLIBS)

# anju-run, the nightly driver, lives in pipeline/ (main.c + its logic).
RUN_SRC := $(wildcard pipeline/*.c)
RUN_LOGIC_OBJ = $(patsubst %.c,$(BUILD)/obj/%.o,$(filter-out pipeline/main.c,$(RUN_SRC)))
$(BUILD)/bin/anju-run: $(BUILD)/obj/pipeline/main.o $(RUN_LOGIC_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIB) $(LDLIBS)

$(BUILD)/tools/%: $(BUILD)/obj/tools/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(LIB) $(LDLIBS)

# Unit tests link the common library and every stage's logic (not main.o).
STAGE_LOGIC_OBJ = $(patsubst %.c,$(BUILD)/obj/%.o,$(filter-out %/main.c,$(wildcard $(STAGES:%=stages/%/*.c) pipeline/*.c)))
$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(STAGE_LOGIC_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(STAGE_LOGIC_OBJ) $(LIB) $(LDLIBS) -lcmocka

# The shipped national division table, expanded at build time.
$(DIVDB): data/divisions.csv.xz schemas/division_aliases.tsv $(BUILD)/tools/mkdivisions
	@mkdir -p $(dir $@)
	xz -dc data/divisions.csv.xz > $@.csv.tmp
	rm -f $@.tmp
	$(BUILD)/tools/mkdivisions $@.csv.tmp $@.tmp schemas/division_aliases.tsv && mv $@.tmp $@
	rm -f $@.csv.tmp

$(SHARE)/schemas.stamp: $(wildcard schemas/*)
	@mkdir -p $(SHARE)/schemas
	cp schemas/* $(SHARE)/schemas/
	touch $@

deps:
	@sh tools/install-deps.sh $(DEB_PACKAGES)

test-deps: deps
	@sh tools/install-deps.sh $(TEST_PACKAGES)

# Quick start 1: build and run the pipeline on the bundled sample.
sample: deps
	$(MAKE) all
	sh testdata/run-sample.sh $(BUILD)

# Quick start 2: every test, built with AddressSanitizer and UBSan.
ASAN_BUILD = build/asan
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
test: test-deps
	$(MAKE) check

check:
	$(MAKE) BUILD=$(ASAN_BUILD) OPT=-O1 SAN="$(SANFLAGS)" WERROR=-Werror all units
	$(MAKE) BUILD=$(ASAN_BUILD) OPT=-O1 SAN="$(SANFLAGS)" WERROR=-Werror unit e2e

# The threaded stages (ingest's reader and writer, match's loaders,
# report's workbook writer) under ThreadSanitizer: the end-to-end tests
# again. Not part of `make test`; exit code 99 marks a race report, which
# no stage uses.
TSAN_BUILD = build/tsan
tsan: test-deps
	$(MAKE) BUILD=$(TSAN_BUILD) OPT=-O1 SAN=-fsanitize=thread WERROR=-Werror all
	ANJU_BIN=$(abspath $(TSAN_BUILD))/bin TSAN_OPTIONS=halt_on_error=1:exitcode=99 \
	  bats tests/e2e

# A shim the end-to-end tests preload to make one journal write fail. Not
# built with the sanitizers: it only forwards to the real pwrite64.
FAULTS = $(BUILD)/tests/journal_write_fails.so
$(FAULTS): tests/e2e/faults/journal_write_fails.c
	@mkdir -p $(dir $@)
	$(CC) -std=c17 -O1 -Wall -Wextra $(WERROR) -shared -fPIC -o $@ $< -ldl

units: $(UNIT_OBJ) $(UNITS) $(SHARE)/schemas.stamp $(FAULTS)

unit: units
	@set -e; for t in $(UNITS); do echo "== $$t"; \
	  ANJU_DATADIR=$(abspath $(SHARE)) ASAN_OPTIONS=detect_leaks=1 $$t; done

e2e:
	ANJU_BIN=$(abspath $(BUILD))/bin ASAN_OPTIONS=detect_leaks=1 bats tests/e2e

bench: test-deps
	$(MAKE) all
	sh tests/bench/run.sh $(BUILD)

# Install for operators (the cron example uses /usr/local/bin/anju-run):
# the executables in $(PREFIX)/bin, the division table and the schemas in
# $(PREFIX)/share/anju, which the stages find relative to themselves.
PREFIX ?= /usr/local
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/anju/schemas
	install -m 755 $(BUILD)/bin/anju-* $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(DIVDB) $(DESTDIR)$(PREFIX)/share/anju/
	install -m 644 schemas/* $(DESTDIR)$(PREFIX)/share/anju/schemas/

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

lint:
	cppcheck --quiet --enable=warning,performance,portability --std=c11 \
	  --suppress=missingIncludeSystem -Istages/common stages tools tests/unit

clean:
	rm -rf build
