/* main.c: aura-rewrite — annotate each `ast` record's tree with the canonical names it uses. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "aura.h"
#include "err.h"
#include "ndjson.h"
#include "opts.h"
#include "record.h"
#include "resolve.h"
#include "sandbox.h"

static const char usage[] =
	"Usage: aura-rewrite [OPTION]... < records\n"
	"Resolve import aliases in every `ast` record: each Name, Attribute and Call whose\n"
	"dotted name goes through an import (import os as o; from os import system as s),\n"
	"a builtin (eval), or a constant dynamic import (__import__('os'),\n"
	"importlib.import_module('os'), getattr(os, 'system')) gets \"_resolved\":\n"
	"\"os.system\".  Other records are copied unchanged.  Rewriting twice equals\n"
	"rewriting once.\n";

/* Every record but `ast` goes through byte for byte. */
static void pass_through(struct ndjson_reader *r)
{
	size_t len;
	const char *line = ndjson_line(r, &len);
	out_raw(line, len);
}

static void on_record(json_t *rec, struct ndjson_reader *r, void *ctx)
{
	(void)ctx;
	if (!record_is(rec, "ast")) {
		pass_through(r);
		return;
	}
	json_t *tree = json_object_get(rec, "tree");
	if (!json_is_object(tree)) {
		/* Keep the record for the stages after us, and say why it was not rewritten. */
		pass_through(r);
		record_error(record_str(rec, "artifact"), record_str(rec, "path"),
			     "ast record without a tree object: not rewritten");
		return;
	}
	struct resolve_stats stats;
	resolve_tree(tree, &stats);
	out_record(rec);	/* the same record, same key order, plus `_` annotations */
	if (stats.too_deep)
		record_error(record_str(rec, "artifact"), record_str(rec, "path"),
			     "tree deeper than %d levels: names below were not resolved",
			     RESOLVE_MAX_DEPTH);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = { AURA_COMMON_LONGOPTS, { NULL, 0, NULL, 0 } };
	int opt;

	aura_set_progname(argv[0]);
	while ((opt = getopt_long(argc, argv, "hV", longopts, NULL)) != -1)
		if (!aura_common_option(opt, optarg, usage, SANDBOX_REWRITE))
			aura_usage_error("unknown option");
	if (optind < argc)
		aura_usage_error("unexpected argument '%s' (records are read from stdin)", argv[optind]);

	out_init(aura_opts.unbuffered);
	sandbox_enter(SANDBOX_REWRITE, NULL, 0);
	struct ndjson_reader *in = ndjson_open(0, "<stdin>", aura_opts.max_line);
	records_run(in, on_record, NULL);
	ndjson_close(in);
	return out_finish() ? AURA_EXIT_FATAL : AURA_EXIT_OK;
}
