/* rules.h: the detection rules data file (docs/rules.md): loading it and matching names. */
#ifndef ANALYZE_RULES_H
#define ANALYZE_RULES_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

/* Where code runs, which decides how much a finding weighs. */
/* command: code the package runs only when the user runs its command (a console or GUI
 * script's function, a package's __main__.py, a module's `if __name__ == "__main__":`). */
enum context { CTX_INSTALL, CTX_IMPORT, CTX_FUNCTION, CTX_COMMAND, CTX_COUNT };
extern const char *const context_names[CTX_COUNT];

struct rule {
	char *detection;	/* hit "detection": ShellCommand */
	char *category;		/* first tag: process, network, ... */
	char *severity;		/* info .. critical */
	char *message;		/* template: {name} {context} {when} {detection} */
	char **names;		/* canonical names; a trailing '*' matches any rest */
	size_t nnames;
	char **tags;		/* extra tags after category and context */
	size_t ntags;
	int score[CTX_COUNT];
	bool applies[CTX_COUNT];	/* a context with no score (and no default): no hit */
	/* calls and flows: the score when the call's destination is a constant host */
	int fixed_host[CTX_COUNT];
	bool has_fixed_host[CTX_COUNT];
	/* calls: the score when the command run is a known build tool with constant
	 * arguments (build_tools), which is what a build looks like */
	int build_tool[CTX_COUNT];
	bool has_build_tool[CTX_COUNT];
	/* calls: the score when the code run is a file of the package itself
	 * (exec(open("pkg/version.py").read())): that file is analysed where it runs */
	int package_file[CTX_COUNT];
	bool has_package_file[CTX_COUNT];
	/* calls that run a file's code by its path (runpy.run_path, spec_from_file_location):
	 * the positional argument holding the path, read for package_file; -1 (the default):
	 * package_file reads the first argument as a file's text (exec(open(f).read())) */
	int path_argument;
	/* calls: the score when the native library loaded is the system's (a bare library
	 * name the loader looks up, find_library's answer, the process itself, a file in a
	 * directory the user's environment names), not a file the package ships or fetches */
	int system_library[CTX_COUNT];
	bool has_system_library[CTX_COUNT];
	/* calls: the score when the code run is known (aura-rewrite's payload) and only
	 * looks values up — names, attributes, items, no call: eval("_%s_aliases" % f) */
	int lookup[CTX_COUNT];
	bool has_lookup[CTX_COUNT];
	/* calls: the score when the interpreter runs code of its command line that the code
	 * spells out (`[sys.executable, "-c", CODE]`, aura-rewrite's payload, analysed where
	 * it runs): the process is no unknown program */
	int known_code[CTX_COUNT];
	bool has_known_code[CTX_COUNT];
	/* calls: the score when the code run is a template sample (aura-rewrite's payload with
	 * rule fold:template): text built from literal templates whose only unknowns are
	 * counts, weighed by what the sample does (its own hits count) */
	int template_sample[CTX_COUNT];
	bool has_template_sample[CTX_COUNT];
	int constant_name[CTX_COUNT];	/* __import__("tkinter"): a module named in the code */
	bool has_constant_name[CTX_COUNT];
	/* flows: the score in test code or a repository script nothing runs on install or
	 * import (a developer's script downloading a toolchain is not a payload) */
	int unshipped[CTX_COUNT];
	bool has_unshipped[CTX_COUNT];
	/* flows: the score when the data is one credential of the environment sent to the
	 * service it is the credential for (GH_TOKEN to api.github.com: network.credential_services) */
	int own_service[CTX_COUNT];
	bool has_own_service[CTX_COUNT];
	/* calls: the score of a download whose bytes the same code checks against a constant
	 * digest before using them (a pinned sha256) */
	int verified[CTX_COUNT];
	bool has_verified[CTX_COUNT];
	/* calls: the score of a call made only when an environment switch the user sets is on
	 * (`if os.environ.get("X_STATIC_DEPS"):`), not an evasion check */
	int opt_in[CTX_COUNT];
	bool has_opt_in[CTX_COUNT];
	/* calls: the score of a download only unpacked afterwards (a source tarball for the
	 * build), nothing of it run by the code that fetched it */
	int extracted[CTX_COUNT];
	bool has_extracted[CTX_COUNT];
	unsigned long line;	/* where the rule starts in its file, for messages */
	/* strings: rules only (strings.c) */
	char *pattern;		/* PCRE2 source; NULL for an entropy rule */
	void *code;		/* its compiled, JIT-ed pcre2_code */
	bool secret;		/* the match is a credential: reported redacted */
	/* strings: matched only in a command a process call runs (its command argument, a
	 * name bound to one, the words of its list joined): `pip install https://…` printed
	 * as advice is no install */
	bool in_commands;
	double min_bits;	/* entropy rule: Shannon bits per byte at least this ... */
	size_t min_length;	/* ... over a string of at least this many bytes */
	/* taint flows only (taint.c): the source labels and the sink label it joins */
	unsigned from_mask;
	int to;
	/* the source labels whose flow, alone, may take the `opt_in` score (opt_in_from) */
	unsigned opt_in_mask;
};

#define TAINT_MAX_LABELS 16

/*
 * The patterns of a list (rules' names or labels' names) by the first byte of the names
 * they can match: those starting with that byte, "*" alone and "" (rules_load builds it
 * once the list is whole).  A name is matched against its byte's patterns only, in the
 * list's order, so the best match and its ties come out as with every pattern tried.
 */
struct pattern_ref {
	uint32_t entry, name;	/* list->v[entry].names[name], or labels->names[entry][name] */
};
struct pattern_index {
	struct pattern_ref *refs;
	uint32_t start[257];	/* byte b's patterns: refs[start[b], start[b + 1]) */
};

/* Taint sources or sinks: each label names the canonical names that produce/consume data. */
struct taint_labels {
	char *label[TAINT_MAX_LABELS];
	char **names[TAINT_MAX_LABELS];
	size_t nnames[TAINT_MAX_LABELS];
	size_t n;
	struct pattern_index *index;	/* NULL: every pattern is tried */
};

struct rule_list {
	struct rule *v;
	size_t n;
	struct pattern_index *index;	/* NULL: every pattern is tried */
};

/* typosquat: how much a look-alike package name weighs (metadata.c). */
struct squat_score {
	int distance;		/* edit distance to the popular name: 1 or 2 */
	int max_rank;		/* the imitated project is among this many most downloaded */
	int score;
	char *severity;
};

/* network.credential_services: a credential of the environment and the hosts it is for. */
struct credential_service {
	char **env;		/* fnmatch patterns of variable names (GH_TOKEN) */
	size_t nenv;
	char **hosts;		/* fnmatch patterns of host names (api.github.com) */
	size_t nhosts;
};

/* network: what tells a build's network use from a thief's (docs/analyze.md). */
struct network_data {
	struct credential_service *services;
	size_t nservices;
	/* Variables that name where to connect (*_REGISTRY, *_URL): upper-case patterns. */
	char **destination_env;
	size_t ndestination_env;
	/* Variables that hold a credential (*TOKEN*, AWS_*): never a destination. */
	char **credential_env;
	size_t ncredential_env;
	/* Variables the environment sets by itself (CI, HOME): no opt-in switch. */
	char **ambient_env;
	size_t nambient_env;
};

struct ruleset {
	char *path;
	struct rule_list calls;		/* matched against a call's canonical callee */
	struct rule_list imports;	/* matched against imported module names */
	struct rule_list strings;	/* PCRE2 patterns and entropy over string constants */
	struct rule_list files;		/* facts about the members themselves (files.c) */
	struct taint_labels sources, sinks;	/* taint: where data comes from and goes */
	/* taint: parameters whose name says what they hold (label: a source label) */
	struct taint_labels parameters;
	struct rule_list flows;		/* taint: source labels reaching a sink label */
	struct squat_score *squat;	/* typosquat: first matching row wins */
	size_t nsquat;
	/* Base classes of setup commands: their methods run at install time (cmdclass). */
	char **install_hooks;
	size_t ninstall_hooks;
	/* The setup commands pip and build frontends run (cmdclass keys): a class under
	 * another key (test, lint, docs) runs only when a developer asks for it. */
	char **install_commands;
	size_t ninstall_commands;
	/* Test, documentation and example code: a directory name ("tests/") or a file name
	 * pattern ("test_*.py"); code there weighs like code inside a function. */
	char **test_paths;
	size_t ntest_paths;
	/* Programs builds run (fnmatch patterns of a command's first word: pkg-config,
	 * *-config, cmake); a rule's build_tool score applies to them. */
	char **build_tools;
	size_t nbuild_tools;
	/* Environment variables that name a build tool the user picked (APXS, PG_CONFIG,
	 * *CONFIG): fnmatch patterns of the variable's name. */
	char **build_tool_env;
	size_t nbuild_tool_env;
	/* Directories of the system's programs (/usr/bin): a build tool named there is the
	 * system's, not a file of the package. */
	char **system_bin_dirs;
	size_t nsystem_bin_dirs;
	/* Build tools whose output names the user's programs (*-config, pkg-config, apxs:
	 * fnmatch patterns of the program's base name), and the environment variables that
	 * steer what they report (PKG_CONFIG_PATH, PATH): a file setting one picks the answer. */
	char **reporting_tools;
	size_t nreporting_tools;
	char **reporting_env;
	size_t nreporting_env;
	/* Options that set what a reporting tool says or where it reads (--with-path DIR,
	 * --define-variable, apxs -S): a query giving one is not the user's system's answer. */
	char **reporting_setters;
	size_t nreporting_setters;
	/* Top-level directories of a source tree that are not installed (scripts/, tools/,
	 * ci/): their code weighs like test code unless the package runs it. */
	char **repo_paths;
	size_t nrepo_paths;
	struct network_data network;
};

/*
 * Load the rules file at `path`.  On error returns NULL and puts "path:line:col: what"
 * in `err`.
 */
/*
 * A hit for rule `r` in context `c`: the pinned fields plus file, name, context and the
 * tags every rule hit carries (category, "install-time"/"import-time", the rule's own).
 * The caller adds what is particular to it, then writes it.
 */
/*
 * What a hit of `score` weighs on the verdict's scale (aura-score's risk levels: info
 * below 20, low, medium from 50, high from 100, critical from 200), at most the rule's
 * own `severity`: a subprocess.run inside a function scores 2 and says info, not high.
 */
const char *context_severity(const char *rule_severity, long score);

json_t *rule_hit_new(const struct rule *r, enum context c, int score, const char *artifact,
		     const char *path, long line, long col, const char *file_id, const char *name,
		     const char *message);

/*
 * network: is environment variable `name` one that says where to connect (and no
 * credential)?  Is it one the environment sets by itself?  Is it the credential for
 * `host`?  Names are compared upper-cased.
 */
bool rules_env_is_destination(const struct ruleset *rs, const char *name);
bool rules_env_is_ambient(const struct ruleset *rs, const char *name);
bool rules_credential_service(const struct ruleset *rs, const char *name, const char *host);

struct ruleset *rules_load(const char *path, char *err, size_t errlen);
void rules_free(struct ruleset *rs);

/*
 * The rule of `list` that matches `name` most specifically (an exact name beats a
 * wildcard, a longer wildcard prefix beats a shorter one, then the earlier rule wins),
 * or NULL.  With `submodules`, a pattern `a.b` also matches `a.b.c` (imports).
 */
const struct rule *rules_match(const struct rule_list *list, const char *name, bool submodules);

/* The labels (bit i: label i) of `labels` whose names match `name` (a trailing '*' allowed). */
unsigned taint_labels_match(const struct taint_labels *labels, const char *name);

/* True when `word` (a command's first word, without a directory) is a build tool. */
bool rules_is_build_tool(const struct ruleset *rs, const char *word);
/* True when the environment variable `var` names a build tool (build_tool_env). */
bool rules_is_build_tool_env(const struct ruleset *rs, const char *var);
/* True when `word` (a program's base name) is a build tool whose output names programs. */
bool rules_is_reporting_tool(const struct ruleset *rs, const char *word);
/* True when `word` (NAME or NAME=value) is a reporting_setters option. */
bool rules_is_reporting_setter(const struct ruleset *rs, const char *word);
/* The i-th variable that steers what a reporting tool says (reporting_env), else NULL. */
const char *rules_reporting_env(const struct ruleset *rs, size_t i);
/* True when `dir` (no trailing slash) is one of system_bin_dirs. */
bool rules_is_system_bin_dir(const struct ruleset *rs, const char *dir);

/* True when `path` is in a repo_paths directory at the top of the artifact (its first
 * directory, or the one below the sdist's NAME-VERSION/ root). */
bool rules_is_repo_path(const struct ruleset *rs, const char *path);

/* True when `path` (an artifact member, "a!b" for nested ones) is test or example code. */
bool rules_is_test_path(const struct ruleset *rs, const char *path);

#endif
