/* main.c: aura-analyze — the rules file and the record loop: each record in, its hits after it. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyze.h"
#include "aura.h"
#include "datapath.h"
#include "detect.h"
#include "files.h"
#include "metadata.h"
#include "npm.h"
#include "err.h"
#include "ndjson.h"
#include "opts.h"
#include "record.h"
#include "rules.h"
#include "sandbox.h"
#include "source.h"
#include "xref.h"

static const char usage[] =
	"Usage: aura-analyze [OPTION]... < records\n"
	"Emit `hit` records for what the rules file matches (docs/rules.md, docs/analyze.md):\n"
	"after each `ast` record, its calls, imports, strings (patterns, secrets, entropy),\n"
	"decoded payloads and data flows from sources to sinks, weighed by when the code\n"
	"runs (install, import, a function) and followed across the package's files; after\n"
	"`file` records, disguised archives, binaries, .pth hooks, shipped credentials and npm\n"
	"install scripts; after `artifact` records, names close to popular packages\n"
	"(Typosquat).  Run aura-rewrite first so aliases (import os as o) resolve to\n"
	"canonical names.  Every record is copied through; a `file` record's content is\n"
	"kept to quote evidence.\n"
	"\n"
	"  --rules FILE        the rules file (default: $AURA_DATA_DIR/rules.yaml, else\n"
	"                      ../data/ or ../../share/aura/ beside this program)\n"
	"  --drop ast          do not copy `ast` records to the output (each is still read,\n"
	"                      checked and analysed; a line that is not a record is still an\n"
	"                      `error` record): `aura scan` passes it when aura-score, which\n"
	"                      uses none of them, comes next (docs/protocol.md)\n"
	"  --drop base64-content  copy a `file` record whose content is base64 without its\n"
	"                      `content` (aura-score quotes only UTF-8 text); `aura scan`\n"
	"                      passes it with --drop ast\n";

enum { OPT_RULES = OPT_STAGE_FIRST, OPT_DROP };

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		AURA_COMMON_LONGOPTS,
		{ "rules", required_argument, NULL, OPT_RULES },
		{ "drop", required_argument, NULL, OPT_DROP },
		{ NULL, 0, NULL, 0 },
	};
	char *rules_path = NULL;
	int opt;

	aura_set_progname(argv[0]);
	aura_malloc_keep();
	while ((opt = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
		if (aura_common_option(opt, optarg, usage, SANDBOX_ANALYZE))
			continue;
		if (opt == OPT_RULES) {
			free(rules_path);
			rules_path = xstrdup(optarg);
		} else if (opt == OPT_DROP) {
			/* Only `ast`, the one type no later Aura stage reads, and the content of
			 * base64 members, which aura-score never quotes.  Dropping anything else
			 * (a file, a hit) would change the verdict, so it is refused. */
			if (strcmp(optarg, "ast") == 0)
				analyze_drop_ast = true;
			else if (strcmp(optarg, "base64-content") == 0)
				analyze_drop_base64_content = true;
			else
				aura_usage_error("--drop: only 'ast' records can be dropped, not '%s' "
						 "(or 'base64-content': the content of binary members)",
						 optarg);
		} else
			aura_usage_error("unknown option");
	}
	if (optind < argc)
		aura_usage_error("unexpected argument '%s' (records are read from stdin)", argv[optind]);

	if (!rules_path)
		rules_path = aura_data_path(argv[0], "rules.yaml");
	char err[1024];
	struct ruleset *rules = rules_load(rules_path, err, sizeof err);
	if (!rules)
		aura_die("%s", err);
	free(rules_path);
	char *popular_path = aura_data_path(argv[0], "top-pypi-packages-30-days.min.json");
	struct popular *popular = popular_load(popular_path);
	free(popular_path);

	out_init(aura_opts.unbuffered);
	/* Raise the soft stack limit and measure what the walks may use while we still may
	 * (they recurse with the tree, and a sanitizer build's frames are several times bigger). */
	detect_init();
	sandbox_enter(SANDBOX_ANALYZE, NULL, 0);

	analyze_stream(0, "<stdin>", rules, popular);
	rules_free(rules);
	popular_free(popular);
	return out_finish() ? AURA_EXIT_FATAL : AURA_EXIT_OK;
}
