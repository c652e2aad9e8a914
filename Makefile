# gpai - one non-recursive Makefile.  Output goes to $(BUILD) (default build/).
#
#   make            libgpai.a and the gpai binary
#   make test       unit tests (C) and CLI tests (shell); ends "N passed, N failed"
#   make check      test, then the same tests under ASan+UBSan, then banned calls
#   make bench      benchmarks against peers (never part of test)
#   make install    PREFIX=/usr/local DESTDIR=
#   make demo       the README's main job on the embedded default
#   make fuzz       libFuzzer targets for the parsers (clang)
#   make catalogue-doc  regenerate the classification table in docs/catalogue.md
#
# DEVELOPER=1 (and CI) adds -Werror; SANITIZE=1 builds with ASan+UBSan;
# V=1 shows the full compiler command lines.

.DEFAULT_GOAL := all
ifeq ($(V),1)
Q :=
say = @:
else
Q := @
say = @printf '  %-6s %s\n'
endif
BUILD    ?= build
PREFIX   ?= /usr/local
CC       ?= cc
OPT      ?= -O2 -g
MODULES  := common signing inference compute_estimator registry dossier oci

# -ffp-contract=off: every a * b + c in C is a multiply and an add, each
# rounded, as the kernels' portable paths promise (docs/inference.md);
# fused multiply-adds come only from intrinsics.  GCC already does so under
# -std=c11; clang would fuse them.
CFLAGS_BASE := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
	-Wall -Wextra -Wshadow -Wno-unused-parameter -ffp-contract=off \
	-pthread \
	$(foreach m,$(MODULES),-I$(m))
# GCC's -Wformat-truncation flags bounded snprintf calls that truncate on
# purpose; clang has no such warning and rejects the option under -Werror.
CC_IS_CLANG := $(shell $(CC) --version 2>/dev/null | grep -qi clang && echo 1)
ifneq ($(CC_IS_CLANG),1)
CFLAGS_BASE += -Wno-format-truncation
endif
ifneq ($(DEVELOPER)$(CI),)
CFLAGS_BASE += -Werror
endif
ifeq ($(SANITIZE),1)
OPT := -O1 -g -fno-omit-frame-pointer
CFLAGS_BASE += -fsanitize=address,undefined -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

# Dependencies come through pkg-config.  build/config.mk is made by
# tools/deps.sh, which installs missing -dev packages when run as root and
# otherwise stops with the apt-get line to run.
PKGS := sqlite3 libcrypto libarchive libcjson libcurl
ifeq ($(filter clean,$(MAKECMDGOALS)),)
-include $(BUILD)/config.mk
endif
$(BUILD)/config.mk: tools/deps.sh
	@mkdir -p $(BUILD)
	@sh tools/deps.sh build
	@{ echo "DEP_CFLAGS := $$(pkg-config --cflags $(PKGS))"; \
	   echo "DEP_LIBS := $$(pkg-config --libs $(PKGS)) -lm"; } > $@

ALL_CFLAGS = $(CFLAGS_BASE) $(OPT) $(DEP_CFLAGS) $(CFLAGS)

LIB_SRCS  := $(foreach m,$(MODULES),$(wildcard $(m)/*.c))
LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/%.o)
CLI_SRCS  := $(wildcard cli/*.c)
CLI_OBJS  := $(CLI_SRCS:%.c=$(BUILD)/%.o)
# The catalogue's fact files are built into the binary (docs/catalogue.md).
CATALOGUE_JSON := $(sort $(wildcard catalogue/*.json))
CATALOGUE_GEN  := $(BUILD)/gen/catalogue_data.c
CLI_OBJS  += $(BUILD)/gen/catalogue_data.o
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:%.c=$(BUILD)/%)
HARNESS   := $(BUILD)/tests/unit/harness.o
# gpai-fixture writes small model files for tests and the demo.
FIXTOOL   := $(if $(wildcard tests/fixture.c),$(BUILD)/tests/gpai-fixture)

all: $(BUILD)/gpai

$(BUILD)/libgpai.a: $(LIB_OBJS)
	@rm -f $@
	$(say) AR $@
	$(Q)$(AR) rcs $@ $^

$(BUILD)/gpai: $(CLI_OBJS) $(BUILD)/libgpai.a
	$(say) LINK $@
	$(Q)$(CC) $(LDFLAGS) -pthread -o $@ $(CLI_OBJS) $(BUILD)/libgpai.a $(DEP_LIBS)

# The directory is a prerequisite too, so that removing a file re-embeds.
$(CATALOGUE_GEN): tools/embed-catalogue.sh catalogue $(CATALOGUE_JSON)
	@mkdir -p $(dir $@)
	$(say) GEN $@
	$(Q)sh tools/embed-catalogue.sh $@ $(CATALOGUE_JSON)

$(BUILD)/gen/catalogue_data.o: $(CATALOGUE_GEN) $(BUILD)/config.mk
	$(say) CC $<
	$(Q)$(CC) $(ALL_CFLAGS) -Icli -c -o $@ $<

$(BUILD)/%.o: %.c $(BUILD)/config.mk
	@mkdir -p $(dir $@)
	$(say) CC $<
	$(Q)$(CC) $(ALL_CFLAGS) -Icli -Itests/unit -MMD -MP -c -o $@ $<

$(BUILD)/tests/unit/test_%: $(BUILD)/tests/unit/test_%.o $(HARNESS) $(BUILD)/libgpai.a
	$(say) LINK $@
	$(Q)$(CC) $(LDFLAGS) -pthread -o $@ $< $(HARNESS) $(BUILD)/libgpai.a $(DEP_LIBS)

ifneq ($(FIXTOOL),)
$(FIXTOOL): $(BUILD)/tests/fixture.o $(BUILD)/libgpai.a
	$(say) LINK $@
	$(Q)$(CC) $(LDFLAGS) -pthread -o $@ $< $(BUILD)/libgpai.a $(DEP_LIBS)
endif

tests: $(BUILD)/gpai $(UNIT_BINS) $(FIXTOOL)

test: tests
	@sh tools/deps.sh test
	@BUILD=$(BUILD) sh tests/run.sh

check: test
	$(MAKE) BUILD=build/asan SANITIZE=1 test
	@sh tools/banned.sh

bench: all $(FIXTOOL)
	@BUILD=$(BUILD) sh bench/run.sh

# docs/catalogue.md's classification table, judged on CATALOGUE_AS_OF.
CATALOGUE_AS_OF ?= 2026-11-29
catalogue-doc: $(BUILD)/gpai
	$(say) GEN docs/catalogue.md
	$(Q)sh tools/catalogue-doc.sh $(BUILD)/gpai docs/catalogue.md $(CATALOGUE_AS_OF)

demo: all $(FIXTOOL)
	@BUILD=$(BUILD) sh tools/demo.sh

fuzz:
	@sh tools/fuzz.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib
	install -m 0755 $(BUILD)/gpai $(DESTDIR)$(PREFIX)/bin/gpai
	install -m 0644 $(BUILD)/libgpai.a $(DESTDIR)$(PREFIX)/lib/libgpai.a

clean:
	rm -rf build

.PHONY: all tests test check bench demo fuzz install clean catalogue-doc
.SECONDARY:

-include $(LIB_OBJS:.o=.d) $(CLI_OBJS:.o=.d) $(UNIT_BINS:=.d) $(HARNESS:.o=.d) $(BUILD)/tests/fixture.d
