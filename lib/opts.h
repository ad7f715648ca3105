/* opts.h: options every stage shares (--help, --version, --unbuffered, sandbox switches). */
#ifndef AURA_OPTS_H
#define AURA_OPTS_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

struct aura_common_opts {
	bool unbuffered;	/* flush stdout after every record */
	bool no_sandbox;	/* debugging only: skip seccomp and Landlock */
	size_t max_line;	/* longest input line accepted, in bytes */
	const char *selftest;	/* hidden: a forbidden action to try once sealed */
};

extern struct aura_common_opts aura_opts;

/* Long-option values above any short option character. */
enum {
	OPT_HELP = 'h',
	OPT_VERSION = 'V',
	OPT_UNBUFFERED = 0x100,
	OPT_NO_SANDBOX,
	OPT_MAX_LINE,
	OPT_SELFTEST,
	OPT_PRINT_SANDBOX,
	OPT_STAGE_FIRST = 0x200,	/* stages number their own long options from here */
};

#define AURA_COMMON_LONGOPTS                                               \
	{ "help", no_argument, NULL, OPT_HELP },                           \
	{ "version", no_argument, NULL, OPT_VERSION },                     \
	{ "unbuffered", no_argument, NULL, OPT_UNBUFFERED },               \
	{ "no-sandbox", no_argument, NULL, OPT_NO_SANDBOX },               \
	{ "max-line", required_argument, NULL, OPT_MAX_LINE },             \
	{ "sandbox-selftest", required_argument, NULL, OPT_SELFTEST },     \
	{ "print-sandbox", no_argument, NULL, OPT_PRINT_SANDBOX }

/*
 * A stage's own long options, each written once as X(name, has_arg, ID) in a list macro:
 * AURA_STAGE_OPTIONS(LIST) declares the IDs (numbered from OPT_STAGE_FIRST) and the
 * getopt_long table `longopts`, the common options first, in the list's order.
 */
#define AURA_OPT_ID(name, has_arg, id) id,
#define AURA_OPT_ROW(name, has_arg, id) { name, has_arg, NULL, id },
#define AURA_STAGE_OPTIONS(LIST)                                                              \
	enum { OPT_STAGE_BEFORE_FIRST = OPT_STAGE_FIRST - 1, LIST(AURA_OPT_ID) };             \
	static const struct option longopts[] = { AURA_COMMON_LONGOPTS, LIST(AURA_OPT_ROW) { \
		NULL, 0, NULL, 0 } }

/* The text --help prints for the common options, appended to each stage's usage. */
extern const char aura_common_usage[];

/*
 * Handle one option getopt_long returned.  Returns true when it was a common option.
 * --help and --version print and exit 0; '?' (getopt already complained) exits 2.
 * `usage` is the stage's own help text; `role` names its sandbox table (--print-sandbox).
 */
bool aura_common_option(int opt, const char *arg, const char *usage, int role);

/* Parse a size such as 64M, 512K or 1G; dies with a usage error when malformed. */
size_t aura_parse_size(const char *option, const char *arg);
/* Parse a non-negative integer option; dies with a usage error when malformed. */
long aura_parse_long(const char *option, const char *arg);

_Noreturn void aura_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
