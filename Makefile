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
LIB_OBJ  := $(LIB_SRC:src/%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/agent_bundle.o \
            $(BUILD)/obj/shim_blob.o
AGENT_PY := $(call rwildcard,src/agent,*.py)
TEST_SRC := $(wildcard tests/test_*.c)
TESTS    := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
DEPS_OK  := $(BUILD)/.deps-ok
DEPS_TEST_OK := $(BUILD)/.deps-test-ok

.PHONY: all deps check check-ci unit integration leakcheck sanitize bench clean
all: $(BUILD)/leakgate

# Installs what is missing (building, then testing needs more); the stamps
# keep later runs from asking again.
deps: $(DEPS_TEST_OK)
$(DEPS_OK): ci/install-deps.sh
	@sh ci/install-deps.sh build
	@mkdir -p $(@D) && touch $@
$(DEPS_TEST_OK): ci/install-deps.sh
	@sh ci/install-deps.sh test
	@mkdir -p $(@D) && touch $@

$(BUILD)/obj/%.o: src/%.c | $(DEPS_OK)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -DLG_VERSION='"$(VERSION)"' -c -o $@ $<

# Every module of the agent is embedded as bytes with .incbin; the directory
# is a prerequisite too, so adding or removing a module rebuilds the table.
$(BUILD)/agent_bundle.S: src/agent/bundle.sh $(AGENT_PY) src/agent | $(DEPS_OK)
	@mkdir -p $(@D)
	sh src/agent/bundle.sh $(AGENT_PY) > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/agent_bundle.o: $(BUILD)/agent_bundle.S
	@mkdir -p $(@D)
	$(CC) -c -o $@ $<

# The allocator shim LD_PRELOADed by the diagnostic pass (explain_shim.h): a
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

$(BUILD)/tests/%: tests/%.c tests/lg_test.h $(BUILD)/libleakgate.a | $(DEPS_TEST_OK)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests -Isrc -DLG_SOURCE_DIR='"$(CURDIR)"' -o $@ $< \
		$(BUILD)/libleakgate.a $(LDLIBS_ALL) -lcmocka

# The agent's modules linted (Debian's interpreter: where python3-pyflakes
# is), unit tests (fast), then the real binary on real Python workloads,
# then the CI integrations in real clients (tests/ci/run.sh; needs npm),
# which a sanitized build (make sanitize) leaves out: they test scripts.
check: $(BUILD)/leakgate $(TESTS)
	/usr/bin/python3 -m pyflakes $(AGENT_PY)
	@sh tests/run-tests.sh $(BUILD)
	$(if $(SAN),,@sh tests/ci/run.sh $(BUILD))

check-ci: $(BUILD)/leakgate | $(DEPS_TEST_OK)
	@sh tests/ci/run.sh $(BUILD)

unit: $(TESTS)
	@sh tests/run-tests.sh $(BUILD) unit

integration: $(BUILD)/leakgate $(TESTS)
	@sh tests/run-tests.sh $(BUILD) integration

# The examples: clean workloads and known leaks (expect = leak); passes.
leakcheck: $(BUILD)/leakgate | $(DEPS_TEST_OK)
	$(BUILD)/leakgate run --config examples/leakgate.conf --junit $(BUILD)/leakcheck.xml

# The same tests with ASan+UBSan, then the runner under valgrind.
sanitize: | $(DEPS_OK)
	$(MAKE) BUILD=build/asan OPT=-O1 \
		SAN="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" check
	sh tests/valgrind.sh $(BUILD)

bench: $(BUILD)/leakgate
	sh tests/bench.sh $(BUILD)

clean:
	rm -rf build

-include $(wildcard $(LIB_OBJ:.o=.d) $(BUILD)/obj/main.d $(TESTS:=.d))
