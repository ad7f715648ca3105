/* main.c: aura-rewrite — partially evaluate each `ast` record's tree: names, constants, payloads. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "aura.h"
#include "budget.h"
#include "err.h"
#include "jsonw.h"
#include "ndjson.h"
#include "opts.h"
#include "payload.h"
#include "pth.h"
#include "record.h"
#include "resolve.h"
#include "rewrite.h"
#include "sandbox.h"

static const char usage[] =
	"Usage: aura-rewrite [OPTION]... < records\n"
	"Partially evaluate every `ast` record's tree, executing nothing (docs/rewrite.md):\n"
	"each Name, Attribute and Call whose dotted name goes through an import, a builtin\n"
	"or a constant dynamic lookup (__import__('o'+'s'), getattr(os, 'sys'+'tem'))\n"
	"gets \"_resolved\": \"os.system\"; expressions that fold or decode to a constant\n"
	"get \"_value\" and \"_origin\"; code given to exec/eval/compile as a constant gets\n"
	"\"_payload_source\" (and \"_payload\", its tree).  Other records are copied unchanged.\n"
	"A crossed limit leaves the node as it was, with an EvaluationBudget hit.\n"
	"\n"
	"  --max-value SIZE        biggest string or bytes one evaluation builds (default 4M)\n"
	"  --max-steps N           evaluation work per file, about one unit per byte (default 64M)\n"
	"  --max-payload-depth N   exec layers followed (default 8)\n";

enum { OPT_MAX_VALUE = OPT_STAGE_FIRST, OPT_MAX_STEPS, OPT_MAX_PAYLOAD_DEPTH };

/* Every record but `ast` goes through byte for byte. */
static void pass_through(struct ndjson_reader *r)
{
	size_t len;
	const char *line = ndjson_line(r, &len);
	out_raw(line, len);
}

/*
 * The rewritten record, serialised into one buffer and written at once, by lib/jsonw:
 * jansson's dumper recurses once per level and calls back once per token, and trees
 * (with payloads attached) nest deeper than a recursive writer should go.
 */
static void write_record(json_t *rec)
{
	static struct jsonw w;
	if (!w.buf)
		jw_init(&w);
	jw_reset(&w);
	jw_json(&w, rec);
	out_raw(w.buf, w.len);
	/* One huge record must not keep its buffer for the rest of the stream. */
	if (w.cap > (64u << 20)) {
		jw_free(&w);
		w = (struct jsonw){ 0 };
	}
}

static void rewrite_and_write(json_t *rec, struct ndjson_reader *r, bool as_read);

static void on_record(json_t *rec, struct ndjson_reader *r, void *ctx)
{
	(void)ctx;
	if (record_is(rec, "file")) {
		/* A .pth file's import lines run at every start-up: they follow as Python. */
		pass_through(r);
		json_t *pth = pth_ast_record(rec);
		if (pth)
			rewrite_and_write(pth, r, false);
		return;
	}
	if (!record_is(rec, "ast")) {
		pass_through(r);
		return;
	}
	rewrite_and_write(rec, r, true);
}

/* An `ast` record rewritten and written, with its hits; `as_read`: the line read is it. */
static void rewrite_and_write(json_t *rec, struct ndjson_reader *r, bool as_read)
{
	const char *why;
	json_t *hits = rewrite_ast_record(rec, &why);
	if (!hits) {
		/* Keep the record for the stages after us, and say why it was not rewritten. */
		if (as_read)
			pass_through(r);
		else
			write_record(rec);
		record_error(record_str(rec, "artifact"), record_str(rec, "path"), "%s", why);
		return;
	}
	write_record(rec);
	size_t i;
	json_t *hit;
	json_array_foreach(hits, i, hit)
		out_record(hit);
	json_decref(hits);
}

/*
 * records_run, with the arena emptied after each record (none outlives its line).  The
 * record is not json_decref'd: every byte of it is in the arena, where free does nothing,
 * and jansson's release recurses once per level, which a deep tree would overflow.
 */
static void read_records(struct ndjson_reader *in)
{
	char why[512];
	json_t *rec;
	enum ndjson_status st;
	while ((st = ndjson_next(in, &rec, why, sizeof why)) != NDJSON_EOF) {
		if (st == NDJSON_BAD)
			record_error(NULL, NULL, "%s:%lu: %s", ndjson_name(in), ndjson_lineno(in), why);
		else
			on_record(rec, in, NULL);
		arena_reset();
	}
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		AURA_COMMON_LONGOPTS,
		{ "max-value", required_argument, NULL, OPT_MAX_VALUE },
		{ "max-steps", required_argument, NULL, OPT_MAX_STEPS },
		{ "max-payload-depth", required_argument, NULL, OPT_MAX_PAYLOAD_DEPTH },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	aura_set_progname(argv[0]);
	aura_malloc_keep();
	while ((opt = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_MAX_VALUE:
			budget_defaults.max_value = aura_parse_size("--max-value", optarg);
			break;
		case OPT_MAX_STEPS:
			budget_defaults.max_steps = (unsigned long)aura_parse_long("--max-steps", optarg);
			break;
		case OPT_MAX_PAYLOAD_DEPTH:
			budget_defaults.max_payload_depth =
				(unsigned)aura_parse_long("--max-payload-depth", optarg);
			break;
		default:
			if (!aura_common_option(opt, optarg, usage, SANDBOX_REWRITE))
				aura_usage_error("unknown option");
		}
	}
	if (optind < argc)
		aura_usage_error("unexpected argument '%s' (records are read from stdin)", argv[optind]);

	arena_install(ARENA_EVERY_VALUE);	/* before any JSON value exists */
	out_init(aura_opts.unbuffered);
	resolve_init();		/* reads the stack limit, which getrlimit may not after sealing */
	payload_init();		/* the payload parser loads its grammar before we are sealed */
	sandbox_enter(SANDBOX_REWRITE, NULL, 0);
	struct ndjson_reader *in = ndjson_open(0, "<stdin>", aura_opts.max_line);
	read_records(in);
	ndjson_close(in);
	payload_free();
	return out_finish() ? AURA_EXIT_FATAL : AURA_EXIT_OK;
}
