# Aura: build, test and demo targets. `make deps` installs every dependency (as root).
#
# Each stage lives in its own folder (aura-*/) and is built into bin/; lib/ is linked
# into every stage as a static archive. Libraries are found with pkg-config.

CC      ?= cc
CFLAGS  ?= -O2 -g
CFLAGS  += -std=gnu11 -Wall -Wextra -Wshadow -Wformat=2 -Wno-unused-parameter \
           -D_GNU_SOURCE -Ilib -MMD -MP
LDFLAGS ?=
SAN     ?=
SAN_FLAGS = -fsanitize=address,undefined
ifeq ($(SAN),1)
  CFLAGS  += $(SAN_FLAGS) -fno-sanitize-recover=undefined -fno-omit-frame-pointer -O1
  LDFLAGS += -fsanitize=address,undefined
endif

STAGES   = aura-fetch aura-unpack aura-parse aura-rewrite aura-analyze aura-score
PROGRAMS = $(addprefix bin/,$(STAGES))
GRAMMAR  = third_party/tree-sitter-python
TSPY_OBJ = $(GRAMMAR)/tree-sitter-python.a

# pkg-config name -> Debian package, for the "missing dependency" message.
PKGS = jansson:libjansson-dev libseccomp:libseccomp-dev libarchive:libarchive-dev \
       tree-sitter:libtree-sitter-dev libpcre2-8:libpcre2-dev yaml-0.1:libyaml-dev \
       nettle:nettle-dev libmagic:libmagic-dev sqlite3:libsqlite3-dev zlib:zlib1g-dev \
       icu-uc:libicu-dev

# Debian packages `make deps` installs.
DEB_PACKAGES = gcc make pkg-config libjansson-dev libseccomp-dev libarchive-dev \
       libtree-sitter-dev libpcre2-dev libyaml-dev nettle-dev libmagic-dev libsqlite3-dev \
       zlib1g-dev libbz2-dev liblzma-dev libicu-dev bats bats-support bats-assert jq openssl \
       python3 python3-jsonschema ca-certificates valgrind time zip

pc = $(shell pkg-config $(1) $(2) 2>/dev/null)

COMMON_LIBS   = jansson libseccomp nettle
LIBS_fetch    =
LIBS_unpack   = libarchive libmagic zlib
LIBS_parse    = tree-sitter icu-uc
LIBS_rewrite  = tree-sitter zlib icu-uc liblzma
LDLIBS_rewrite = -lbz2
LIBS_analyze  = yaml-0.1 libpcre2-8
LIBS_score    = sqlite3
LDLIBS_unpack = -lm
LDLIBS_analyze = -lm

CFLAGS += $(call pc,--cflags,$(sort $(COMMON_LIBS) $(foreach s,$(STAGES),$(LIBS_$(s:aura-%=%)))))

LIB_SRC = $(wildcard lib/*.c)
LIB_OBJ = $(LIB_SRC:.c=.o)

.PHONY: all deps check-deps check test demo clean distclean san-check grammar eval test-stdlib \
        fresh-check install uninstall

all: check-deps $(PROGRAMS)

check-deps:
	@missing=""; for p in $(PKGS); do \
	    pkg-config --exists $${p%%:*} 2>/dev/null || missing="$$missing $${p#*:}"; done; \
	if [ -n "$$missing" ]; then \
	    echo "aura: missing build dependencies:$$missing" >&2; \
	    echo "aura: install them with 'make deps' (as root) or: apt-get install$$missing" >&2; \
	    exit 2; fi

deps:
	@need=""; for p in $(DEB_PACKAGES); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || need="$$need $$p"; done; \
	command -v npm >/dev/null || need="$$need npm"; \
	if [ -z "$$need" ]; then echo "make deps: all Debian packages present"; \
	elif [ "$$(id -u)" != 0 ]; then echo "make deps: missing$$need; run as root (apt-get)" >&2; exit 2; \
	else echo "make deps: installing$$need"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$need; fi
	@# npm is installed from Debian only when absent: a nodejs from elsewhere brings its own.
	@$(MAKE) --no-print-directory grammar

grammar: $(GRAMMAR)/src/parser.c

$(GRAMMAR)/src/parser.c:
	scripts/fetch-grammar.sh $(GRAMMAR)

# The grammar is third-party C: build it without our warning flags, into a static archive.
$(TSPY_OBJ): $(GRAMMAR)/src/parser.c
	$(CC) -O2 -fPIC -I$(GRAMMAR)/src -c $(GRAMMAR)/src/parser.c -o $(GRAMMAR)/parser.o \
	    $(if $(filter 1,$(SAN)),$(SAN_FLAGS))
	$(CC) -O2 -fPIC -I$(GRAMMAR)/src -c $(GRAMMAR)/src/scanner.c -o $(GRAMMAR)/scanner.o \
	    $(if $(filter 1,$(SAN)),$(SAN_FLAGS))
	ar rcs $@ $(GRAMMAR)/parser.o $(GRAMMAR)/scanner.o

lib/libaura.a: $(LIB_OBJ)
	ar rcs $@ $^

# One rule per stage: its own sources, lib/, and the libraries it declares above.
define STAGE_RULE
$(1)_SRC = $$(wildcard $(1)/*.c)
$(1)_OBJ = $$($(1)_SRC:.c=.o)
$(1)_EXTRA = $$(if $$(filter aura-parse aura-rewrite,$(1)),$$(TSPY_OBJ))
bin/$(1): $$($(1)_OBJ) lib/libaura.a $$($(1)_EXTRA)
	$$(CC) $$(LDFLAGS) -o $$@ $$($(1)_OBJ) lib/libaura.a $$($(1)_EXTRA) \
	    $$(call pc,--libs,$$(COMMON_LIBS) $$(LIBS_$(1:aura-%=%))) $$(LDLIBS_$(1:aura-%=%))
endef
$(foreach s,$(STAGES),$(eval $(call STAGE_RULE,$(s))))

# Stage sources that include tree-sitter need the grammar to exist first.
aura-parse/%.o aura-rewrite/%.o: | $(GRAMMAR)/src/parser.c

-include $(wildcard lib/*.d aura-*/*.d)

# The README's test command: installs what is missing, builds, runs every bats suite.
check: deps-if-missing all
	BATS_LIB_PATH=/usr/lib/bats bats tests/

test: check

# The README's main job: a real scan of the shipped example packages.
demo: deps-if-missing all
	bin/aura scan examples/*/ ; status=$$?; \
	echo "aura scan exited $$status (1 = a package reached the gate)"; [ $$status -le 1 ]

# `make deps` installs only what is missing, and needs root only then.
deps-if-missing:
	@$(MAKE) --no-print-directory deps

# aura-parse against CPython's ast on every stdlib and test-suite file (not part of check;
# fetches Debian's libpython3.11-testsuite into build/cache once).
test-stdlib: bin/aura-parse
	tests/helpers/parse-stdlib.sh

# Detection quality on the shared corpora (not part of check): writes eval/results.md.
eval: deps-if-missing all
	eval/run.sh

# `make install PREFIX=/usr/local DESTDIR=…`: the driver in bin/, the stages in libexec/aura/,
# the data they read in share/aura/ (aura-analyze looks there, relative to itself), man pages
# and bash completion. `make uninstall` with the same PREFIX and DESTDIR removes exactly these.
PREFIX     ?= /usr/local
DESTDIR    ?=
BINDIR      = $(PREFIX)/bin
LIBEXECDIR  = $(PREFIX)/libexec/aura
DATADIR     = $(PREFIX)/share/aura
MAN1DIR     = $(PREFIX)/share/man/man1
COMPDIR     = $(PREFIX)/share/bash-completion/completions
DATA_FILES  = data/rules.yaml data/top-pypi-packages-30-days.min.json
MANPAGES    = man/aura.1 $(addprefix man/,$(addsuffix .1,$(STAGES)))

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(DATADIR) \
	    $(DESTDIR)$(MAN1DIR) $(DESTDIR)$(COMPDIR)
	install -m 755 bin/aura $(DESTDIR)$(BINDIR)/aura
	install -m 755 $(PROGRAMS) $(DESTDIR)$(LIBEXECDIR)/
	install -m 644 $(DATA_FILES) $(DESTDIR)$(DATADIR)/
	install -m 644 $(GRAMMAR)/VERSION $(DESTDIR)$(DATADIR)/tree-sitter-python.VERSION
	install -m 644 $(MANPAGES) $(DESTDIR)$(MAN1DIR)/
	install -m 644 completion/aura.bash $(DESTDIR)$(COMPDIR)/aura

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/aura $(addprefix $(DESTDIR)$(LIBEXECDIR)/,$(STAGES)) \
	    $(addprefix $(DESTDIR)$(DATADIR)/,$(notdir $(DATA_FILES)) tree-sitter-python.VERSION) \
	    $(addprefix $(DESTDIR)$(MAN1DIR)/,$(notdir $(MANPAGES))) $(DESTDIR)$(COMPDIR)/aura
	-rmdir $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(DATADIR) 2>/dev/null

# The README's two commands in a new `debootstrap --variant=minbase bookworm` root, as root, in
# the POSIX locale, on the committed tree (docs/testing.md). Run by hand: it needs root, the
# Debian mirror and the npm registry, and installs debootstrap when absent.
fresh-check:
	scripts/fresh-check.sh

# Sanitizer build (ASan+UBSan) of a copy of the tracked tree in build/san, then the whole
# suite against it.  Under seccomp the leak checker cannot run (it needs ptrace); leak
# checks run with valgrind and --no-sandbox instead (see docs/testing.md).
SAN_DIR = build/san
san-check: deps-if-missing
	rm -rf $(SAN_DIR) && mkdir -p $(SAN_DIR)
	git ls-files -z | xargs -0 tar -cf - | tar -xf - -C $(SAN_DIR)
	cp -r $(GRAMMAR) $(SAN_DIR)/third_party/ 2>/dev/null || \
	    { mkdir -p $(SAN_DIR)/third_party && cp -r $(GRAMMAR) $(SAN_DIR)/third_party/; }
	$(MAKE) -C $(SAN_DIR) SAN=1 all
	cd $(SAN_DIR) && AURA_SHARED=$(abspath ..)/shared ASAN_OPTIONS=detect_leaks=0:symbolize=0:abort_on_error=0 \
	    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=0 BATS_LIB_PATH=/usr/lib/bats bats tests/

clean:
	rm -rf build
	rm -f $(PROGRAMS) lib/*.o lib/*.d lib/libaura.a aura-*/*.o aura-*/*.d $(TSPY_OBJ) $(GRAMMAR)/*.o

distclean: clean
	rm -rf third_party

# ---- aura-unpack: fuzzing and benchmark (see docs/unpack.md) ----
# `make fuzz-unpack FUZZ_SECONDS=60`: libFuzzer on the archive reader (from memory, no
# sandbox), seeded with the hostile fixtures; findings land in build/fuzz/.
# `make bench-unpack`: throughput on the malicious corpus and the benign .debs.
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_DIR      = build/fuzz
FUZZ_DEBS     = clang libclang-rt-14-dev
FUZZ_SAN      = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# lib/ goes into an archive, so the harness links only the modules unpack uses.
FUZZ_LIB_OBJ  = $(patsubst %.c,$(FUZZ_DIR)/%.o,$(LIB_SRC))
FUZZ_UNPACK_OBJ = $(patsubst %.c,$(FUZZ_DIR)/%.o,$(filter-out aura-unpack/main.c,\
       $(wildcard aura-unpack/*.c)) aura-unpack/fuzz/fuzz_unpack.c)

.PHONY: fuzz-unpack fuzz-deps bench-unpack

fuzz-deps:
	@if ! command -v $(FUZZ_CC) >/dev/null || \
	    ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a >/dev/null 2>&1; then \
	    if [ "$$(id -u)" != 0 ]; then echo "fuzz-unpack: needs $(FUZZ_DEBS) (apt-get, as root)" >&2; exit 2; fi; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(FUZZ_DEBS); fi

$(FUZZ_DIR)/%.o: %.c | fuzz-deps
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CFLAGS) -O1 -g -Iaura-unpack $(FUZZ_SAN) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_DIR)/libaura.a: $(FUZZ_LIB_OBJ)
	ar rcs $@ $^

$(FUZZ_DIR)/fuzz-unpack: $(FUZZ_UNPACK_OBJ) $(FUZZ_DIR)/libaura.a
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ \
	    $(call pc,--libs,$(COMMON_LIBS) $(LIBS_unpack)) $(LDLIBS_unpack)

fuzz-unpack: $(FUZZ_DIR)/fuzz-unpack
	mkdir -p $(FUZZ_DIR)/unpack-corpus $(FUZZ_DIR)/unpack-seeds
	python3 tests/fixtures/unpack/make-hostile.py $(FUZZ_DIR)/unpack-seeds fuzz --small
	cd $(FUZZ_DIR) && ./fuzz-unpack -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
	    -close_fd_mask=2 -rss_limit_mb=2048 -timeout=20 -print_final_stats=1 \
	    unpack-corpus unpack-seeds

bench-unpack: bin/aura-unpack
	bench/unpack.sh
