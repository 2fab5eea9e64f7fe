# leakgate — see README.md. Every target installs missing system packages
# first (ci/install-deps.sh), so `make check` works on a fresh machine.

BUILD    ?= build
CC       ?= cc
SAN      ?=
OPT      ?= -O2
PKGS      = libgit2 libxml-2.0
# Recursive (=) so pkg-config runs after the deps step, not at parse time.
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS))
CFLAGS   ?= $(OPT) -g
ALL_CFLAGS = -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -Iinclude \
             $(PKG_CFLAGS) $(SAN) $(CFLAGS) -MMD -MP
LDLIBS_ALL = $(PKG_LIBS) -lm $(SAN)

VERSION := 0.1.0
# Every .c under src/ (any depth) is in the library, but main.c and the
# shim, which is built on its own (below).
rwildcard = $(foreach d,$(wildcard $(1:=/*)),$(call rwildcard,$d,$2) $(filter $(subst *,%,$2),$d))
LIB_SRC  := $(filter-out src/main.c src/shim/%,$(call rwildcard,src,*.c))
LIB_OBJ  := $(LIB_SRC:src/%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/agent_modules.o \
            $(BUILD)/obj/shim_blob.o
AGENT_PY := $(call rwildcard,src/agent,*.py)
TEST_SRC := $(wildcard tests/test_*.c)
# The fuzz targets (tests/fuzz/): `make fuzz` runs them under libFuzzer;
# `make check` replays their corpora through the same code (test_fuzz_*).
FUZZ_TARGETS := proto config baseline junit merge
FUZZ_SECONDS ?= 60
TESTS    := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%) \
            $(FUZZ_TARGETS:%=$(BUILD)/tests/test_fuzz_%)
DEPS_OK  := $(BUILD)/.deps-ok
DEPS_TEST_OK := $(BUILD)/.deps-test-ok

# make install: the binary and its man page under $(DESTDIR)$(PREFIX).
PREFIX  ?= /usr/local
DESTDIR ?=

.PHONY: all deps check check-ci unit integration leakcheck sanitize bench fuzz \
	install uninstall clean
all: $(BUILD)/leakgate $(BUILD)/leakgate.1

# Installs what is missing (building, then testing needs more); the stamps
# keep later runs from asking again. The test set waits for the build set:
# under make -j two apt-get runs at once fail on apt's lock.
deps: $(DEPS_TEST_OK)
$(DEPS_OK): ci/install-deps.sh
	@sh ci/install-deps.sh build
	@mkdir -p $(@D) && touch $@
$(DEPS_TEST_OK): ci/install-deps.sh | $(DEPS_OK)
	@sh ci/install-deps.sh test
	@mkdir -p $(@D) && touch $@

$(BUILD)/obj/%.o: src/%.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -DLG_VERSION='"$(VERSION)"' -c -o $@ $<

# Every module of the agent is embedded as bytes with .incbin (the table
# agent_bundle.h declares); the directory is a prerequisite too, so adding
# or removing a module rebuilds the table.
$(BUILD)/agent_modules.S: src/agent/bundle.sh $(AGENT_PY) src/agent | $(DEPS_OK)
	@mkdir -p $(@D)
	sh src/agent/bundle.sh $(AGENT_PY) > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/agent_modules.o: $(BUILD)/agent_modules.S
	@mkdir -p $(@D)
	$(CC) -c -o $@ $<

# The allocator shim LD_PRELOADed by the explain pass (explain_shim.h): a
# shared object of its own, never sanitized (it runs inside the user's
# Python), embedded like the agent.
$(BUILD)/lgshim.so: src/shim/lgshim.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -O2 -g -fPIC -shared \
		-fvisibility=hidden -o $@ $< -lpthread

$(BUILD)/obj/shim_blob.o: src/shim/shim_blob.S $(BUILD)/lgshim.so
	@mkdir -p $(@D)
	$(CC) -c -DLG_SHIM_SO='"$(BUILD)/lgshim.so"' -o $@ src/shim/shim_blob.S

$(BUILD)/libleakgate.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/leakgate: $(BUILD)/obj/main.o $(BUILD)/libleakgate.a
	$(CC) -o $@ $^ $(LDLIBS_ALL)

# The man page is made by the binary from its own tables (src/cli/doc.c),
# so that it names every command and option there is.
$(BUILD)/leakgate.1: $(BUILD)/leakgate
	$(BUILD)/leakgate --man > $@.tmp && mv $@.tmp $@

install: $(BUILD)/leakgate $(BUILD)/leakgate.1
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BUILD)/leakgate $(DESTDIR)$(PREFIX)/bin/leakgate
	install -m 644 $(BUILD)/leakgate.1 $(DESTDIR)$(PREFIX)/share/man/man1/leakgate.1

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/leakgate $(DESTDIR)$(PREFIX)/share/man/man1/leakgate.1

$(BUILD)/tests/%: tests/%.c tests/lg_test.h $(BUILD)/libleakgate.a | $(DEPS_TEST_OK)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests -Isrc -DLG_SOURCE_DIR='"$(CURDIR)"' -o $@ $< \
		$(BUILD)/libleakgate.a $(LDLIBS_ALL) -lcmocka

$(BUILD)/tests/test_fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c \
		tests/fuzz/fuzz_file.c tests/fuzz/fuzz.h $(BUILD)/libleakgate.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -DLG_SOURCE_DIR='"$(CURDIR)"' -DLG_FUZZ_TARGET='"$*"' \
		-o $@ $< tests/fuzz/replay.c tests/fuzz/fuzz_file.c \
		$(BUILD)/libleakgate.a $(LDLIBS_ALL)

# A header per source file (tests/headers.sh), the agent's modules linted
# (Debian's interpreter: where python3-pyflakes is), the agent's own unit
# tests (tests/agent, in-process, a second), the C unit tests (fast), then
# the real binary on real Python workloads, then the CI integrations in real clients (tests/ci/run.sh;
# needs npm), which a sanitized build (make sanitize) leaves out: they test
# scripts. tests/install.sh installs into a temporary DESTDIR and back.
check: $(BUILD)/leakgate $(TESTS)
	@sh tests/headers.sh
	/usr/bin/python3 -m pyflakes $(AGENT_PY) $(wildcard tests/agent/*.py)
	/usr/bin/python3 -m unittest discover -q -s tests/agent
	@sh tests/run-tests.sh $(BUILD)
	@MAKE="$(MAKE)" sh tests/install.sh $(BUILD)
	$(if $(SAN),,@sh tests/ci/run.sh $(BUILD))

check-ci: $(BUILD)/leakgate | $(DEPS_TEST_OK)
	@sh tests/ci/run.sh $(BUILD)

unit: $(TESTS)
	@sh tests/run-tests.sh $(BUILD) unit

integration: $(BUILD)/leakgate $(TESTS)
	@sh tests/run-tests.sh $(BUILD) integration

# The examples: clean workloads and known leaks (expect = leak); passes.
# Only what building needs is installed (the examples are the stdlib's).
leakcheck: $(BUILD)/leakgate
	$(BUILD)/leakgate run --config examples/leakgate.conf --junit $(BUILD)/leakcheck.xml

# The same tests with ASan+UBSan, then the runner under valgrind.
sanitize: | $(DEPS_OK)
	$(MAKE) BUILD=build/asan OPT=-O1 \
		SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" check
	sh tests/valgrind.sh $(BUILD)

# Each target for FUZZ_SECONDS under libFuzzer (clang, ASan, UBSan), from
# its seed corpus; new inputs go to build/fuzz/corpus/, crashes to
# build/fuzz/. A crash fails the target: add the input to the seeds.
# CLANG_VERSION: Debian 12's is 14, Debian 13's 19.
CLANG_VERSION ?= 14
fuzz:
	@LEAKGATE_EXTRA_PACKAGES="clang-$(CLANG_VERSION) libclang-rt-$(CLANG_VERSION)-dev" \
		sh ci/install-deps.sh
	$(MAKE) BUILD=build/fuzz CC=clang-$(CLANG_VERSION) OPT=-O1 \
		SAN="-fsanitize=address,undefined,fuzzer-no-link -fno-omit-frame-pointer" \
		build/fuzz/libleakgate.a
	@set -e; for t in $(FUZZ_TARGETS); do \
		clang-$(CLANG_VERSION) -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -Iinclude \
			$(PKG_CFLAGS) -O1 -g -fsanitize=address,undefined,fuzzer \
			-o build/fuzz/fuzz_$$t tests/fuzz/fuzz_$$t.c tests/fuzz/fuzz_file.c \
			build/fuzz/libleakgate.a $(PKG_LIBS) -lm; \
		mkdir -p build/fuzz/corpus/$$t; \
		echo "== fuzz_$$t ($(FUZZ_SECONDS) s)"; \
		build/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=30 \
			-rss_limit_mb=2048 -artifact_prefix=build/fuzz/$$t- \
			-print_final_stats=1 build/fuzz/corpus/$$t tests/fuzz/corpus/$$t; \
	done

bench: $(BUILD)/leakgate $(BUILD)/tests/test_run_scale
	@sh ci/install-deps.sh bench
	sh tests/bench.sh $(BUILD)
	sh tests/bench-scale.sh $(BUILD)
	sh tests/bench-pytest.sh $(BUILD)
	sh tests/bench-suites.sh $(BUILD)

clean:
	rm -rf build

-include $(wildcard $(LIB_OBJ:.o=.d) $(BUILD)/obj/main.d $(TESTS:=.d))
