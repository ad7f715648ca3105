# Aura: build, test and demo targets. `make deps` installs every dependency (as root).
#
# Each stage lives in its own folder (aura-*/) and is built into bin/; lib/ is linked
# into every stage as a static archive (lib/libaura.a: protocol, JSON, sandbox, options).
# lib/pyparse/ is the Python parser aura-parse is made of, its own archive
# (lib/pyparse/libpyparse.a) for the stages that parse Python. Libraries are found with
# pkg-config.

CC      ?= cc
CFLAGS  ?= -O2 -g
LDFLAGS ?=
# The project's own flags live apart from CFLAGS/LDFLAGS, so `make CFLAGS="-O0 -g"` only
# changes optimisation and debugging, never the include path or the feature macros.
AURA_CFLAGS = -std=gnu11 -Wall -Wextra -Wshadow -Wformat=2 -Wno-unused-parameter \
           -D_GNU_SOURCE -Ilib -MMD -MP
# Hardening, on by default (docs/security.md): stack canaries, glibc's checked string and
# I/O functions (they need optimisation: not with -O0 or no -O at all), full RELRO with
# immediate binding so the GOT is read-only before main runs.
OPTIMISING = $(filter-out -O0,$(filter -O%,$(CFLAGS) $(EXTRA_CFLAGS)))
HARDEN_CFLAGS = -fstack-protector-strong $(if $(OPTIMISING),-U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2)
HARDEN_LDFLAGS = -Wl,-z,relro,-z,now
SAN     ?=
SAN_FLAGS = -fsanitize=address,undefined
EXTRA_CFLAGS =
ifeq ($(SAN),1)
  EXTRA_CFLAGS  += $(SAN_FLAGS) -fno-sanitize-recover=undefined -fno-omit-frame-pointer -O1
  AURA_LDFLAGS  += -fsanitize=address,undefined
endif
AURA_LDFLAGS += $(HARDEN_LDFLAGS)
ALL_CFLAGS  = $(AURA_CFLAGS) $(HARDEN_CFLAGS) $(PKG_CFLAGS) $(CFLAGS) $(EXTRA_CFLAGS)
ALL_LDFLAGS = $(AURA_LDFLAGS) $(LDFLAGS)

STAGES   = aura-fetch aura-unpack aura-parse aura-rewrite aura-analyze aura-score
# Programs built like stages but not in the scan pipeline (the scanning index proxy).
TOOLS    = aura-serve
PROGRAMS = $(addprefix bin/,$(STAGES) $(TOOLS))
GRAMMAR  = third_party/tree-sitter-python
TSPY_OBJ = $(GRAMMAR)/tree-sitter-python.a

# pkg-config name -> Debian package, for the "missing dependency" message.
PKGS = jansson:libjansson-dev libseccomp:libseccomp-dev libarchive:libarchive-dev \
       tree-sitter:libtree-sitter-dev libpcre2-8:libpcre2-dev yaml-0.1:libyaml-dev \
       nettle:nettle-dev libmagic:libmagic-dev sqlite3:libsqlite3-dev zlib:zlib1g-dev \
       icu-uc:libicu-dev libmicrohttpd:libmicrohttpd-dev libcurl:libcurl4-openssl-dev \
       libxml-2.0:libxml2-dev

# Debian packages `make deps` installs.
DEB_PACKAGES = gcc clang cppcheck make pkg-config libjansson-dev libseccomp-dev libarchive-dev \
       libtree-sitter-dev libpcre2-dev libyaml-dev nettle-dev libmagic-dev libsqlite3-dev \
       zlib1g-dev libbz2-dev liblzma-dev libicu-dev bats bats-support bats-assert jq openssl \
       python3 python3-jsonschema ca-certificates valgrind time zip curl bsdextrautils \
       libmicrohttpd-dev libcurl4-openssl-dev python3-venv python3-pip parallel sqlite3 \
       libxml2-dev

pc = $(shell pkg-config $(1) $(2) 2>/dev/null)

COMMON_LIBS   = jansson libseccomp nettle
LIBS_fetch    = libcurl libarchive sqlite3 libxml-2.0
LIBS_unpack   = libarchive libmagic zlib
LIBS_parse    = tree-sitter icu-uc
LIBS_rewrite  = tree-sitter zlib icu-uc liblzma
LDLIBS_rewrite = -lbz2
LIBS_analyze  = yaml-0.1 libpcre2-8
LIBS_score    = sqlite3 yaml-0.1
LIBS_serve    = libmicrohttpd libcurl
LDLIBS_serve  = -lpthread
LDLIBS_unpack = -lm
LDLIBS_analyze = -lm

PKG_CFLAGS := $(call pc,--cflags,$(sort $(COMMON_LIBS) $(foreach s,$(STAGES) $(TOOLS),$(LIBS_$(s:aura-%=%)))))

LIB_SRC = $(wildcard lib/*.c)
LIB_OBJ = $(LIB_SRC:.c=.o)
# The Python parser (docs/ast.md): tree-sitter-python's tree to `ast`-shaped JSON, on top of
# lib/ (jsonw, err, astkind).  Stages that parse Python link it before lib/libaura.a.
PYPARSE_SRC = $(wildcard lib/pyparse/*.c)
PYPARSE_OBJ = $(PYPARSE_SRC:.c=.o)
PYPARSE_USERS = aura-parse aura-rewrite aura-analyze

%.o: %.c
	$(CC) $(ALL_CFLAGS) $(CPPFLAGS) -c $< -o $@

.PHONY: all deps deps-if-missing check-deps check test demo clean distclean san-check grammar \
	eval test-stdlib clang-check analyze \
	fresh-check install uninstall

# A recipe that fails (a link, a generated header) leaves no half-written target behind that
# the next make would take for up to date.
.DELETE_ON_ERROR:

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
	$(CC) -O2 -fPIC $(HARDEN_CFLAGS) -I$(GRAMMAR)/src -c $(GRAMMAR)/src/parser.c -o $(GRAMMAR)/parser.o \
	    $(if $(filter 1,$(SAN)),$(SAN_FLAGS))
	$(CC) -O2 -fPIC $(HARDEN_CFLAGS) -I$(GRAMMAR)/src -c $(GRAMMAR)/src/scanner.c -o $(GRAMMAR)/scanner.o \
	    $(if $(filter 1,$(SAN)),$(SAN_FLAGS))
	ar rcs $@ $(GRAMMAR)/parser.o $(GRAMMAR)/scanner.o

# Archives are written afresh: `ar rcs` on an old one would keep members no longer listed.
lib/libaura.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

lib/pyparse/libpyparse.a: $(PYPARSE_OBJ)
	rm -f $@ && ar rcs $@ $^

# One rule per stage: its own sources, lib/, and the libraries it declares above.
define STAGE_RULE
$(1)_SRC = $$(wildcard $(1)/*.c)
$(1)_OBJ = $$($(1)_SRC:.c=.o)
$(1)_PYPARSE = $$(if $$(filter $(1),$$(PYPARSE_USERS)),lib/pyparse/libpyparse.a)
$(1)_EXTRA = $$(if $$(filter aura-parse aura-rewrite,$(1)),$$(TSPY_OBJ))
bin/$(1): $$($(1)_OBJ) $$($(1)_PYPARSE) lib/libaura.a $$($(1)_EXTRA)
	$$(CC) $$(ALL_LDFLAGS) -o $$@ $$($(1)_OBJ) $$($(1)_PYPARSE) lib/libaura.a $$($(1)_EXTRA) \
	    $$(call pc,--libs,$$(COMMON_LIBS) $$(LIBS_$(1:aura-%=%))) $$(LDLIBS_$(1:aura-%=%))
endef
$(foreach s,$(STAGES) $(TOOLS),$(eval $(call STAGE_RULE,$(s))))

# Headers the build writes from data; every object waits for them (an explicit list: a
# pattern rule without a recipe adds no prerequisite), and -MMD then records who uses them.
# The weights of the hits unpack and rewrite raise themselves (data/stage-hits.tsv,
# docs/rules.md), and the one version string (VERSION, which bin/aura reads too).
GENERATED_H = lib/stagehits.h lib/version.h
lib/stagehits.h: data/stage-hits.tsv scripts/gen-stagehits.sh
	scripts/gen-stagehits.sh data/stage-hits.tsv >$@.tmp && mv $@.tmp $@
lib/version.h: VERSION
	@v=$$(cat VERSION); case "$$v" in *[!0-9A-Za-z.+~-]*|"") \
	    echo "VERSION: '$$v' is not a version string" >&2; exit 2;; esac; \
	printf '/* version.h: generated from VERSION by the Makefile; do not edit. */\n#define AURA_VERSION "%s"\n' \
	    "$$v" >$@
$(LIB_OBJ) $(PYPARSE_OBJ) $(foreach s,$(STAGES) $(TOOLS),$($(s)_OBJ)): | $(GENERATED_H)

# Stage sources that include tree-sitter need the grammar to exist first.
$(aura-parse_OBJ) $(aura-rewrite_OBJ): | $(GRAMMAR)/src/parser.c

-include $(wildcard lib/*.d lib/pyparse/*.d aura-*/*.d)

# The README's test command: installs what is missing, builds, runs every bats suite.
# The build is a new make run after deps (here, in demo and in eval): PKG_CFLAGS is read from
# pkg-config when the Makefile is parsed, before a fresh machine has pkg-config or libxml2's
# headers, and prerequisites side by side would run deps and the build at once under -j.
check: deps-if-missing
	@$(MAKE) --no-print-directory all
	BATS_LIB_PATH=/usr/lib/bats bats tests/

test: check

# The README's main job: a real scan of the shipped example packages.
demo: deps-if-missing
	@$(MAKE) --no-print-directory all
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
eval: deps-if-missing
	@$(MAKE) --no-print-directory all
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
DATA_FILES  = data/rules.yaml data/capabilities.yaml data/top-pypi-packages-30-days.min.json
MANPAGES    = man/aura.1 $(addprefix man/,$(addsuffix .1,$(STAGES) $(TOOLS)))

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(DATADIR) \
	    $(DESTDIR)$(MAN1DIR) $(DESTDIR)$(COMPDIR)
	install -m 755 bin/aura $(DESTDIR)$(BINDIR)/aura
	install -m 755 $(PROGRAMS) $(DESTDIR)$(LIBEXECDIR)/
	install -m 644 $(DATA_FILES) VERSION $(DESTDIR)$(DATADIR)/
	install -m 644 $(GRAMMAR)/VERSION $(DESTDIR)$(DATADIR)/tree-sitter-python.VERSION
	@# The pages' header version is VERSION's (tests/02-build.bats checks the tree's copies).
	for m in $(MANPAGES); do \
	    sed '2s/"aura [^"]*"/"aura $(shell cat VERSION)"/' $$m >$(DESTDIR)$(MAN1DIR)/$${m#man/} && \
	    chmod 644 $(DESTDIR)$(MAN1DIR)/$${m#man/} || exit 1; done
	install -m 644 completion/aura.bash $(DESTDIR)$(COMPDIR)/aura

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/aura $(addprefix $(DESTDIR)$(LIBEXECDIR)/,$(STAGES) $(TOOLS)) \
	    $(addprefix $(DESTDIR)$(DATADIR)/,$(notdir $(DATA_FILES)) VERSION tree-sitter-python.VERSION) \
	    $(addprefix $(DESTDIR)$(MAN1DIR)/,$(notdir $(MANPAGES))) $(DESTDIR)$(COMPDIR)/aura
	-rmdir $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(DATADIR) 2>/dev/null

# The README's two commands in a new `debootstrap --variant=minbase bookworm` root, as root, in
# the POSIX locale, on the committed tree (docs/testing.md). Run by hand: it needs root, the
# Debian mirror and the npm registry, and installs debootstrap when absent.
fresh-check:
	scripts/fresh-check.sh

# A copy of the tracked tree (and the fetched grammar) in $(1), for builds that must not
# touch bin/ and the objects here.
define COPY_TREE
	rm -rf $(1) && mkdir -p $(1)/third_party
	git ls-files -z | xargs -0 tar -cf - | tar -xf - -C $(1)
	cp -r $(GRAMMAR) $(1)/third_party/
endef

# Sanitizer build (ASan+UBSan) of a copy of the tracked tree in build/san, then the whole
# suite against it.  Under seccomp the leak checker cannot run (it needs ptrace); leak
# checks run with valgrind and --no-sandbox instead (see docs/testing.md).
SAN_DIR = build/san
san-check: deps-if-missing
	$(call COPY_TREE,$(SAN_DIR))
	$(MAKE) -C $(SAN_DIR) SAN=1 all
	cd $(SAN_DIR) && AURA_SHARED="$${AURA_SHARED:-$(abspath ..)/shared}" ASAN_OPTIONS=detect_leaks=0:symbolize=0:abort_on_error=0 \
	    UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=0 BATS_LIB_PATH=/usr/lib/bats bats tests/

# The same sources built with clang, every warning an error, in a copy (build/clang).
CLANG_DIR = build/clang
clang-check: deps-if-missing
	$(call COPY_TREE,$(CLANG_DIR))
	$(MAKE) -C $(CLANG_DIR) CC=clang CFLAGS="-O2 -g -Werror" all

# Static analysis with cppcheck over every C file of ours (not the grammar): warnings,
# portability and performance findings fail the build.  Reviewed false positives are
# listed, each with its reason, in .cppcheck-suppressions.
CPPCHECK_FLAGS = --std=c11 --enable=warning,portability,performance --error-exitcode=1 \
       --inline-suppr --suppressions-list=.cppcheck-suppressions -q -j2 \
       -D_GNU_SOURCE -D__GNUC__ -D__x86_64__ -D__linux__ -Ilib --library=posix \
       --include=/usr/include/jansson.h
analyze: $(GENERATED_H)
	cppcheck $(CPPCHECK_FLAGS) $(foreach d,$(STAGES),-I$(d)) lib aura-*/*.c

clean:
	rm -rf build
	rm -f $(PROGRAMS) lib/*.o lib/*.d lib/libaura.a $(GENERATED_H) lib/pyparse/*.o lib/pyparse/*.d \
	    lib/pyparse/libpyparse.a aura-*/*.o aura-*/*.d $(TSPY_OBJ) $(GRAMMAR)/*.o

distclean: clean
	rm -rf third_party

# ---- fuzzing (docs/testing.md) ----
# `make fuzz STAGE=NAME SECONDS=N`: libFuzzer (clang, -fsanitize=fuzzer,address,undefined)
# on one harness, from memory and unsealed.  The harness is aura-NAME/fuzz/fuzz_NAME.c for a
# stage (linked with that stage's sources except main.c, lib/ (and lib/pyparse/ for the
# stages that parse), the stage's libraries and, for parse and rewrite, the grammar built
# with the same flags) or lib/fuzz/fuzz_NAME.c for
# shared code (jsonr, ndjson).  Seeds: DIR/fuzz/seeds_NAME.sh OUT when present, else the
# files of DIR/fuzz/seeds_NAME/, else of tests/fixtures/NAME/.  Extra libFuzzer options for
# one harness: DIR/fuzz/fuzz_NAME.args.  Corpus and findings land in build/fuzz/.
# `make fuzz-unpack` is `make fuzz STAGE=unpack`.  `make bench-unpack`: docs/unpack.md.
FUZZ_SECONDS ?= 60
SECONDS      ?= $(FUZZ_SECONDS)
STAGE        ?=
FUZZ_CC      ?= clang
FUZZ_DIR      = build/fuzz
FUZZ_DEBS     = clang libclang-rt-14-dev
FUZZ_SAN      = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_ARGS    ?= -rss_limit_mb=2048 -timeout=20 -print_final_stats=1
FUZZ_HOME     = $(if $(wildcard aura-$(STAGE)/fuzz/fuzz_$(STAGE).c),aura-$(STAGE),lib)
FUZZ_MAIN     = $(FUZZ_HOME)/fuzz/fuzz_$(STAGE).c
FUZZ_STAGE_SRC = $(if $(filter aura-%,$(FUZZ_HOME)),\
       $(filter-out $(FUZZ_HOME)/main.c,$(wildcard $(FUZZ_HOME)/*.c)))
FUZZ_OBJ      = $(patsubst %.c,$(FUZZ_DIR)/%.o,$(FUZZ_STAGE_SRC) $(FUZZ_MAIN))
# lib/ goes into an archive, so a harness links only the modules it uses.
FUZZ_LIB_OBJ  = $(patsubst %.c,$(FUZZ_DIR)/%.o,$(LIB_SRC))
FUZZ_PYPARSE_OBJ = $(patsubst %.c,$(FUZZ_DIR)/%.o,$(PYPARSE_SRC))
FUZZ_PYPARSE  = $(if $(filter $(addprefix aura-,$(STAGE)),$(PYPARSE_USERS)),$(FUZZ_DIR)/libpyparse.a)
FUZZ_TSPY     = $(if $(filter parse rewrite,$(STAGE)),$(FUZZ_DIR)/tree-sitter-python.a)
FUZZ_SEEDS    = $(FUZZ_DIR)/$(STAGE)-seeds
FUZZ_CORPUS   = $(FUZZ_DIR)/$(STAGE)-corpus

.PHONY: fuzz fuzz-unpack fuzz-deps bench-unpack

fuzz-deps:
	@if ! command -v $(FUZZ_CC) >/dev/null || \
	    ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a >/dev/null 2>&1; then \
	    if [ "$$(id -u)" != 0 ]; then echo "fuzz: needs $(FUZZ_DEBS) (apt-get, as root)" >&2; exit 2; fi; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(FUZZ_DEBS); fi

# The harness's own directory is on the include path (a stage's private headers).
$(FUZZ_DIR)/%.o: %.c | fuzz-deps $(GENERATED_H)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(AURA_CFLAGS) $(PKG_CFLAGS) -O1 -g -I$(firstword $(subst /, ,$*)) $(FUZZ_SAN) \
	    -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_DIR)/libaura.a: $(FUZZ_LIB_OBJ)
	ar rcs $@ $^

$(FUZZ_DIR)/libpyparse.a: $(FUZZ_PYPARSE_OBJ)
	ar rcs $@ $^

$(FUZZ_DIR)/tree-sitter-python.a: $(GRAMMAR)/src/parser.c | fuzz-deps
	@mkdir -p $(FUZZ_DIR)/grammar
	$(FUZZ_CC) -O1 -g -I$(GRAMMAR)/src $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
	    -c $(GRAMMAR)/src/parser.c -o $(FUZZ_DIR)/grammar/parser.o
	$(FUZZ_CC) -O1 -g -I$(GRAMMAR)/src $(FUZZ_SAN) -fsanitize=fuzzer-no-link \
	    -c $(GRAMMAR)/src/scanner.c -o $(FUZZ_DIR)/grammar/scanner.o
	ar rcs $@ $(FUZZ_DIR)/grammar/parser.o $(FUZZ_DIR)/grammar/scanner.o

ifneq ($(STAGE),)
$(FUZZ_DIR)/fuzz-$(STAGE): $(FUZZ_OBJ) $(FUZZ_PYPARSE) $(FUZZ_DIR)/libaura.a $(FUZZ_TSPY)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ \
	    $(call pc,--libs,$(COMMON_LIBS) $(LIBS_$(STAGE))) $(LDLIBS_$(STAGE))
endif

-include $(wildcard $(FUZZ_DIR)/*/*.d $(FUZZ_DIR)/*/*/*.d)

# Seed scripts may run the built stages (lib/fuzz/records.sh does), so build them first.
fuzz: all
	@[ -n "$(STAGE)" ] && [ -f "$(FUZZ_MAIN)" ] || { echo "make fuzz: STAGE=NAME with" \
	    "aura-NAME/fuzz/fuzz_NAME.c or lib/fuzz/fuzz_NAME.c (STAGE='$(STAGE)')" >&2; exit 2; }
	@$(MAKE) --no-print-directory $(FUZZ_DIR)/fuzz-$(STAGE) STAGE=$(STAGE)
	rm -rf $(FUZZ_SEEDS) && mkdir -p $(FUZZ_SEEDS) $(FUZZ_CORPUS)
	@if [ -x $(FUZZ_HOME)/fuzz/seeds_$(STAGE).sh ]; then \
	    $(FUZZ_HOME)/fuzz/seeds_$(STAGE).sh $(FUZZ_SEEDS); \
	else for d in $(FUZZ_HOME)/fuzz/seeds_$(STAGE) tests/fixtures/$(STAGE); do \
	    [ -d $$d ] || continue; \
	    find $$d -type f | while read -r f; do cp "$$f" "$(FUZZ_SEEDS)/$$(echo "$$f" | tr / _)"; done; \
	    break; done; fi
	cd $(FUZZ_DIR) && ./fuzz-$(STAGE) -max_total_time=$(SECONDS) -artifact_prefix=$(STAGE)- \
	    $(FUZZ_ARGS) $$(cat $(CURDIR)/$(FUZZ_HOME)/fuzz/fuzz_$(STAGE).args 2>/dev/null) \
	    $(STAGE)-corpus $(STAGE)-seeds

fuzz-unpack:
	@$(MAKE) --no-print-directory fuzz STAGE=unpack SECONDS=$(SECONDS)

bench-unpack: bin/aura-unpack
	bench/unpack.sh

# The benchmarks' peers and profiler (bench/README.md), not the build's: `make bench-deps`
# (as root) installs bandit (bench/scan.sh's peer) and perf (the profiles in bench/README.md).
BENCH_DEBS = bandit linux-perf

.PHONY: bench-deps
bench-deps:
	@need=""; for p in $(BENCH_DEBS); do \
	    dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || need="$$need $$p"; done; \
	if [ -z "$$need" ]; then echo "make bench-deps: all present"; \
	elif [ "$$(id -u)" != 0 ]; then echo "make bench-deps: missing$$need; run as root (apt-get)" >&2; exit 2; \
	else apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$need; fi
