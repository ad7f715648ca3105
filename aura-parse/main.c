/* main.c: aura-parse — add a Python `ast` record after every Python `file` record. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "err.h"
#include "ndjson.h"
#include "opts.h"
#include "parse.h"
#include "record.h"
#include "sandbox.h"

static const char usage[] =
	"Usage: aura-parse [OPTION]... < records\n"
	"Copy every record; after each `file` record of kind python, emit its `ast` record\n"
	"(Python's ast as JSON, docs/ast.md) and any SyntaxError / DeepNesting hits.\n"
	"\n"
	"  --max-depth N      AST levels kept; deeper subtrees become Truncated (default 1000)\n"
	"  --timeout-ms N     give up parsing one file after N ms, 0 = never (default 5000)\n"
	"  --max-source SIZE  do not parse sources bigger than SIZE (default 64M)\n";

enum { OPT_MAX_DEPTH = OPT_STAGE_FIRST, OPT_TIMEOUT_MS, OPT_MAX_SOURCE };

static const struct option longopts[] = {
	AURA_COMMON_LONGOPTS,
	{ "max-depth", required_argument, NULL, OPT_MAX_DEPTH },
	{ "timeout-ms", required_argument, NULL, OPT_TIMEOUT_MS },
	{ "max-source", required_argument, NULL, OPT_MAX_SOURCE },
	{ NULL, 0, NULL, 0 },
};

int main(int argc, char **argv)
{
	struct parse_ctx pc = {
		/* An AST level is at most 2 JSON levels: 1000 keeps records within the 2100 levels
		 * aura-rewrite and aura-analyze follow (lib/jsonr reads any depth). */
		.max_depth = 1000,
		.timeout_ms = 5000,
		.max_source = 64u << 20,
	};
	int opt;

	aura_set_progname(argv[0]);
	aura_malloc_keep();
	while ((opt = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
		if (aura_common_option(opt, optarg, usage, SANDBOX_PARSE))
			continue;
		switch (opt) {
		case OPT_MAX_DEPTH:
			pc.max_depth = (unsigned)aura_parse_long("--max-depth", optarg);
			if (pc.max_depth < 1 || pc.max_depth > 10000)
				aura_usage_error("--max-depth must be between 1 and 10000");
			break;
		case OPT_TIMEOUT_MS:
			pc.timeout_ms = (unsigned long)aura_parse_long("--timeout-ms", optarg);
			break;
		case OPT_MAX_SOURCE:
			pc.max_source = aura_parse_size("--max-source", optarg);
			break;
		default:
			aura_usage_error("unknown option");
		}
	}
	if (optind < argc)
		aura_usage_error("unexpected argument '%s' (records come on stdin)", argv[optind]);

	parse_ctx_init(&pc);	/* the grammar and parser, before sealing */
	out_init(aura_opts.unbuffered);
	sandbox_enter(SANDBOX_PARSE, NULL, 0);

	struct ndjson_reader *reader = ndjson_open(0, "<stdin>", aura_opts.max_line);
	records_run(reader, parse_record, &pc);

	ndjson_close(reader);
	parse_ctx_free(&pc);
	return out_finish() ? 2 : 0;
}
