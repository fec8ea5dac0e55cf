# ocirun — build, test, install.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DESTDIR ?=
CC ?= cc
PKGS := libseccomp libcap yajl mount
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
# libmount is opened with dlopen where mountinfo is read (src/lib/fs/mountinfo.c): headers only.
# libsystemd (sd-bus) likewise, only by the systemd cgroup driver (src/lib/cgroup/systemd.c): no headers.
PKG_LIBS := $(shell pkg-config --libs libseccomp libcap yajl)
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.1.0)
COMMIT := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wimplicit-fallthrough -Wno-format-nonliteral
OPT ?= -O2 -g
CFLAGS ?= $(OPT)
ALL_CFLAGS := $(CFLAGS) $(WARN) -std=gnu11 -D_GNU_SOURCE -Isrc/lib -Iinclude $(PKG_CFLAGS) \
	-DOCIRUN_VERSION=\"$(VERSION)\" -DOCIRUN_COMMIT=\"$(COMMIT)\"
LDLIBS := $(PKG_LIBS)

BUILD ?= build
LIB_SRCS := $(sort $(wildcard src/lib/*/*.c))
CLI_SRCS := $(sort $(wildcard src/cli/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
CLI_OBJS := $(CLI_SRCS:%.c=$(BUILD)/%.o)
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
HELPER_SRCS := $(sort $(wildcard tests/helpers/*.c))
HELPER_BINS := $(HELPER_SRCS:tests/helpers/%.c=$(BUILD)/tests/%)
OUT ?= ocirun

.PHONY: all clean install test unit integration format format-check test-asan helpers deps demo test-vm test-vm13 bench fuzz

all: $(OUT)

$(OUT): $(CLI_OBJS) $(BUILD)/libocirun.a
	$(CC) $(CFLAGS) -o $@ $(CLI_OBJS) $(BUILD)/libocirun.a $(LDFLAGS) $(LDLIBS)

$(BUILD)/libocirun.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/test_%: tests/unit/test_%.c tests/unit/unit.h $(BUILD)/libocirun.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(BUILD)/libocirun.a $(LDFLAGS) $(LDLIBS)

# The CLI's flag syntaxes are tested on their own object.
$(BUILD)/tests/test_goflags: tests/unit/test_goflags.c tests/unit/unit.h $(BUILD)/src/cli/goflags.o $(BUILD)/libocirun.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(BUILD)/src/cli/goflags.o $(BUILD)/libocirun.a $(LDFLAGS) $(LDLIBS)

$(BUILD)/tests/%: tests/helpers/%.c $(wildcard tests/helpers/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $<

helpers: $(HELPER_BINS)

unit: $(UNIT_BINS)
	@tests/run-unit $(UNIT_BINS)

integration: $(OUT) helpers
	@tests/run-integration

# The whole suite: unit tests, then the bats suite; ends with "N passed, N failed".
test: $(OUT) $(UNIT_BINS) helpers
	@tests/run-all $(UNIT_BINS)

# The unit tests and the bats suite against an ASan/UBSan build (clang, in
# build-asan/; warnings shown but not fatal: `make` is the -Werror gate).
# Every instrumented process (runtime, exec's intermediate, the init until it
# execs) writes its sanitizer report to build-asan/reports/ instead of stderr;
# any report fails the target and is printed. Leak checks run at exit(); the
# init and forked children leave by _exit or execve, so they skip them.
# ASAN_TESTS=tests/integration/x.bats runs only those bats files.
test-asan:
	$(MAKE) helpers
	$(MAKE) BUILD=build-asan OUT=build-asan/ocirun CC=clang \
		WARN="-Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wno-format-nonliteral" \
		CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
		LDFLAGS="-fsanitize=address,undefined" build-asan/ocirun $(UNIT_SRCS:tests/unit/%.c=build-asan/tests/%)
	@rm -rf build-asan/reports && mkdir -p build-asan/reports; \
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:log_path=$(CURDIR)/build-asan/reports/asan; \
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$(CURDIR)/build-asan/reports/ubsan; \
	rc=0; tests/run-unit $(UNIT_SRCS:tests/unit/%.c=build-asan/tests/%) || rc=1; \
	OCIRUN=$(CURDIR)/build-asan/ocirun tests/run-integration $(ASAN_TESTS) || rc=1; \
	if [ -n "$$(ls -A build-asan/reports)" ]; then \
		echo "test-asan: sanitizer reports in build-asan/reports:"; \
		for f in build-asan/reports/*; do echo "==> $$f"; head -n 30 "$$f"; done; rc=1; \
	else echo "test-asan: no sanitizer reports"; fi; \
	exit $$rc

# Debian packages needed to build, run and test.
deps:
	apt-get update -qq && apt-get install -y -qq $$(cat scripts/deps.txt)

demo: $(OUT)
	@scripts/demo

# The cgroup v2 checks in a qemu VM booting Debian's kernel (tests/vm).
test-vm: $(OUT) helpers
	@tests/vm/run

# The client scenarios in a Debian 13 guest with systemd as PID 1 (tests/vm13):
# podman, rootless podman, Docker and containerd with ocirun beside runc and crun.
test-vm13: $(OUT)
	@tests/vm13/run

# Start-up speed and memory against runc and crun (bench/).
bench: $(OUT)
	@bench/run

# Each libFuzzer target (tests/fuzz/fuzz_*.c) for FUZZ_SECONDS (default 60)
# after replaying its corpus; FUZZ_SECONDS=0 only replays. Ends with
# "fuzz: N passed, N failed"; crash inputs are kept in build-fuzz/crashes/.
fuzz:
	@tests/fuzz/run fuzz

# Only compile the fuzz targets (clang, ASan/UBSan, into build-fuzz/).
.PHONY: fuzz-build
fuzz-build:
	@tests/fuzz/run build

install: $(OUT)
	install -D -m 0755 $(OUT) $(DESTDIR)$(BINDIR)/ocirun

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

format-check:
	@clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-asan $(OUT)

-include $(LIB_OBJS:.o=.d) $(CLI_OBJS:.o=.d)
