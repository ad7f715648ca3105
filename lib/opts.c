/* opts.c: options every stage shares (--help, --version, --unbuffered, sandbox switches). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aura.h"
#include "err.h"
#include "opts.h"
#include "sandbox.h"

struct aura_common_opts aura_opts = {
	.max_line = 256u << 20,	/* 256 MiB: a file record carries content up to its cap */
};

const char aura_common_usage[] =
	"Common options:\n"
	"  --unbuffered        flush output after every record\n"
	"  --max-line SIZE     longest input line accepted (default 256M); longer lines\n"
	"                      become an error record and the stream goes on\n"
	"  --no-sandbox        do not enter the seccomp/Landlock sandbox (debugging only;\n"
	"                      refused unless AURA_ALLOW_NO_SANDBOX=1 is set)\n"
	"  --print-sandbox     print this program's sandbox policy and exit\n"
	"  -h, --help          show this help and exit\n"
	"  -V, --version       show the version and exit\n";

/* The exit-status paragraph of a stage whose usage text does not bring its own. */
static const char default_exit_usage[] = "Exit status: 0 ok, 2 usage or fatal error.\n";

/*
 * --help: the stage's text, the common options, then one "Exit status" paragraph: the
 * stage's own when its text has one (it is moved to the end), else the default.
 */
static void print_usage(const char *usage)
{
	const char *exit_par = strstr(usage, "Exit status:");
	size_t head = exit_par ? (size_t)(exit_par - usage) : strlen(usage);
	while (head > 0 && usage[head - 1] == '\n')
		head--;
	fwrite(usage, 1, head, stdout);
	fputs("\n\n", stdout);
	fputs(aura_common_usage, stdout);
	fputs("\n", stdout);
	fputs(exit_par ? exit_par : default_exit_usage, stdout);
	if (exit_par && exit_par[strlen(exit_par) - 1] != '\n')
		fputs("\n", stdout);
}

void aura_usage_error(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s\nTry '%s --help' for more information.\n", aura_progname, msg,
		aura_progname);
	exit(AURA_EXIT_FATAL);
}

bool aura_common_option(int opt, const char *arg, const char *usage, int role)
{
	switch (opt) {
	case OPT_HELP:
		print_usage(usage);
		exit(fclose(stdout) == 0 ? AURA_EXIT_OK : AURA_EXIT_FATAL);
	case OPT_VERSION:
		printf("%s %s (record protocol v%d)\n", aura_progname, AURA_VERSION,
		       AURA_PROTOCOL_VERSION);
		exit(fclose(stdout) == 0 ? AURA_EXIT_OK : AURA_EXIT_FATAL);
	case OPT_UNBUFFERED:
		aura_opts.unbuffered = true;
		return true;
	case OPT_NO_SANDBOX:
		/* A word on the command line alone must not switch confinement off: a package's
		 * file name can end up there (`aura scan *`).  The environment must agree. */
		if (!getenv("AURA_ALLOW_NO_SANDBOX") || strcmp(getenv("AURA_ALLOW_NO_SANDBOX"), "1") != 0)
			aura_usage_error("--no-sandbox is a debugging switch: it also needs "
					 "AURA_ALLOW_NO_SANDBOX=1 in the environment");
		aura_opts.no_sandbox = true;
		return true;
	case OPT_MAX_LINE:
		aura_opts.max_line = aura_parse_size("--max-line", arg);
		if (aura_opts.max_line < 64)
			aura_usage_error("--max-line: at least 64 bytes");
		return true;
	case OPT_SELFTEST:
		aura_opts.selftest = arg;
		return true;
	case OPT_PRINT_SANDBOX:
		sandbox_print((enum sandbox_role)role, stdout);
		exit(fclose(stdout) == 0 ? AURA_EXIT_OK : AURA_EXIT_FATAL);
	case '?':
		fprintf(stderr, "Try '%s --help' for more information.\n", aura_progname);
		exit(AURA_EXIT_FATAL);
	default:
		return false;
	}
}

size_t aura_parse_size(const char *option, const char *arg)
{
	char *end;
	errno = 0;
	unsigned long long n = strtoull(arg, &end, 10);
	if (errno || end == arg || arg[0] == '-')
		aura_usage_error("%s: not a size: '%s'", option, arg);
	unsigned shift = 0;
	switch (*end) {
	case 'k': case 'K': shift = 10; end++; break;
	case 'm': case 'M': shift = 20; end++; break;
	case 'g': case 'G': shift = 30; end++; break;
	}
	if (*end != '\0' || (shift && n > (~0ULL >> shift)))
		aura_usage_error("%s: not a size: '%s'", option, arg);
	return (size_t)(n << shift);
}

long aura_parse_long(const char *option, const char *arg)
{
	char *end;
	errno = 0;
	long n = strtol(arg, &end, 10);
	if (errno || end == arg || *end != '\0' || n < 0)
		aura_usage_error("%s: not a non-negative integer: '%s'", option, arg);
	return n;
}
