/* aura-fetch: turn scan targets (local paths for now) into artifact records. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aura.h"
#include "err.h"
#include "fetch.h"
#include "ndjson.h"
#include "opts.h"
#include "record.h"
#include "sandbox.h"

static const char usage[] =
	"Usage: aura-fetch [OPTION]... [TARGET]...\n"
	"Resolve each TARGET (a local .py file, archive or directory) into an `artifact`\n"
	"record on stdout: id (sha256), path, kind, format (from the content), size,\n"
	"name and version. Without TARGET arguments, targets are read from stdin: one path\n"
	"per line, or `target` records ({\"type\":\"target\",\"v\":1,\"target\":PATH});\n"
	"other records are passed through. A target that cannot be read gives an `error`\n"
	"record and the others are still fetched.\n"
	"\n"
	"  --max-files N       most files in a directory target (default 100000)\n";

enum { OPT_MAX_FILES = OPT_STAGE_FIRST };

static const struct option longopts[] = {
	AURA_COMMON_LONGOPTS,
	{ "max-files", required_argument, NULL, OPT_MAX_FILES },
	{ NULL, 0, NULL, 0 },
};

/* A stdin line: a `target` record, a plain path, or another record to pass through. */
static void fetch_line(json_t *rec, struct ndjson_reader *r, void *ctx)
{
	if (!record_is(rec, "target")) {
		size_t len;
		const char *line = ndjson_line(r, &len);
		out_raw(line, len);
		return;
	}
	const char *target = record_str(rec, "target");
	if (!target)
		record_error(NULL, NULL, "target record without a string \"target\"");
	else
		fetch_target(target, ctx);
}

static void fetch_stdin(struct fetch_limits *limits)
{
	struct ndjson_reader *r = ndjson_open(0, "<stdin>", aura_opts.max_line);
	char why[512];
	json_t *rec;
	enum ndjson_status st;
	while ((st = ndjson_next(r, &rec, why, sizeof why)) != NDJSON_EOF) {
		size_t len;
		const char *line = ndjson_line(r, &len);
		if (st == NDJSON_RECORD) {
			fetch_line(rec, r, limits);
			json_decref(rec);
		} else if (line && len > 0 && line[0] != '{') {
			/* Not JSON but not meant to be: a plain path, one per line. */
			char *path = strndup(line, len - (line[len - 1] == '\r'));
			if (!path)
				aura_oom();
			fetch_target(path, limits);
			free(path);
		} else {
			record_error(NULL, NULL, "%s:%lu: %s", ndjson_name(r), ndjson_lineno(r), why);
		}
	}
	ndjson_close(r);
}

int main(int argc, char **argv)
{
	struct fetch_limits limits = { .max_files = 100000 };
	int opt;

	aura_set_progname(argv[0]);
	while ((opt = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
		if (aura_common_option(opt, optarg, usage, SANDBOX_FETCH))
			continue;
		if (opt == OPT_MAX_FILES)
			limits.max_files = (size_t)aura_parse_long("--max-files", optarg);
	}

	out_init(aura_opts.unbuffered);
	/* Targets may arrive on stdin after sealing: read-only access to the whole tree. */
	struct sandbox_grant grants[] = { { .path = "/", .access = SANDBOX_READ } };
	sandbox_enter(SANDBOX_FETCH, grants, 1);

	if (optind < argc)
		for (int i = optind; i < argc; i++)
			fetch_target(argv[i], &limits);
	else
		fetch_stdin(&limits);
	return out_finish() == 0 ? AURA_EXIT_OK : AURA_EXIT_FATAL;
}
