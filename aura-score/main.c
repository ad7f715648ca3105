/* main.c: aura-score — the pipeline's sink: one verdict per artifact, a summary, a gating exit status. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aura.h"
#include "err.h"
#include "ndjson.h"
#include "opts.h"
#include "record.h"
#include "sandbox.h"
#include "score.h"

static const char usage[] =
	"Usage: aura-score [OPTION]... < records.ndjson\n"
	"Read the record stream (artifact, file, hit, error, artifact_end; other types are\n"
	"ignored) and write one verdict per artifact as soon as its artifact_end arrives.\n"
	"An artifact still open at end of input gets a verdict with complete:false.\n"
	"Scoring and risk levels: docs/scoring.md.\n"
	"\n"
	"Options:\n"
	"  -f, --format FORMAT  text (default: for people, with a summary line) or json\n"
	"                       (NDJSON verdict records)\n"
	"      --fail-score N   exit 1 when any package scores N or more\n"
	"      --fail-level L   exit 1 when any package's risk is L or above\n"
	"                       (info, low, medium, high, critical)\n"
	"      --min-level L    show only hits of severity L or above (the score still\n"
	"                       counts every hit)\n"
	"      --allow-errors   do not exit 2 for incomplete artifacts or stream errors\n"
	"\n"
	"Colours are used when stdout is a terminal and NO_COLOR is unset.\n"
	"Exit status: 0 ok; 1 a package reached --fail-score/--fail-level; 2 usage or fatal\n"
	"error, an incomplete artifact, or a bad input line or stream error (unless\n"
	"--allow-errors).  2 takes precedence over 1: a gate passed on a partial scan\n"
	"proves nothing.";

enum {
	OPT_FORMAT = OPT_STAGE_FIRST,
	OPT_FAIL_SCORE,
	OPT_FAIL_LEVEL,
	OPT_MIN_LEVEL,
	OPT_ALLOW_ERRORS,
};

static const struct option longopts[] = {
	AURA_COMMON_LONGOPTS,
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "fail-score", required_argument, NULL, OPT_FAIL_SCORE },
	{ "fail-level", required_argument, NULL, OPT_FAIL_LEVEL },
	{ "min-level", required_argument, NULL, OPT_MIN_LEVEL },
	{ "allow-errors", no_argument, NULL, OPT_ALLOW_ERRORS },
	{ NULL, 0, NULL, 0 },
};

static int parse_level(const char *option, const char *arg)
{
	int rank = level_rank(arg);
	if (rank < 0)
		aura_usage_error("%s: not a level: '%s' (info, low, medium, high, critical)",
				 option, arg);
	return rank;
}

int main(int argc, char **argv)
{
	struct report rep = { .fail_score = -1, .fail_rank = -1 };
	struct score_ctx ctx = { .emit = report_verdict, .report = &rep };
	bool allow_errors = false;
	int opt;

	aura_set_progname(argv[0]);
	while ((opt = getopt_long(argc, argv, "f:hV", longopts, NULL)) != -1) {
		if (aura_common_option(opt, optarg, usage, SANDBOX_SCORE))
			continue;
		switch (opt) {
		case 'f':
		case OPT_FORMAT:
			if (strcmp(optarg, "json") == 0)
				rep.json = true;
			else if (strcmp(optarg, "text") != 0)
				aura_usage_error("--format: '%s': expected text or json", optarg);
			break;
		case OPT_FAIL_SCORE:
			rep.fail_score = aura_parse_long("--fail-score", optarg);
			break;
		case OPT_FAIL_LEVEL:
			rep.fail_rank = parse_level("--fail-level", optarg);
			break;
		case OPT_MIN_LEVEL:
			ctx.min_rank = parse_level("--min-level", optarg);
			break;
		case OPT_ALLOW_ERRORS:
			allow_errors = true;
			break;
		}
	}
	if (optind < argc)
		aura_usage_error("unexpected argument '%s' (records come on stdin)", argv[optind]);

	/* Both questions touch the environment and the tty: ask before sealing. */
	const char *no_color = getenv("NO_COLOR");
	rep.color = !rep.json && isatty(STDOUT_FILENO) && !(no_color && *no_color);
	rep.unbuffered = aura_opts.unbuffered;
	out_init(aura_opts.unbuffered);
	struct ndjson_reader *in = ndjson_open(STDIN_FILENO, "<stdin>", aura_opts.max_line);

	sandbox_enter(SANDBOX_SCORE, NULL, 0);	/* from here on: no files, no network */

	collect_run(in, &ctx);
	collect_flush(&ctx);
	ndjson_close(in);
	if (!rep.json)
		report_text_summary(&rep, ctx.stream_errors);

	if (out_finish() != 0)
		return AURA_EXIT_FATAL;
	if ((rep.incomplete || ctx.stream_errors) && !allow_errors)
		return AURA_EXIT_FATAL;
	return rep.gate_reached ? AURA_EXIT_FINDINGS : AURA_EXIT_OK;
}
