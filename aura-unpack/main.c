/* main.c: aura-unpack streams every member of each artifact into a file record, confined. */
#include <jansson.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include "aura.h"
#include "err.h"
#include "ndjson.h"
#include "opts.h"
#include "record.h"
#include "sandbox.h"
#include "unpack.h"

struct unpack_opts unpack_opts = {
	.max_members = 100000,
	.max_total = 1ULL << 30,
	.max_content = 10u << 20,
	.max_ratio = 200,
	.timeout = 60,
	.max_depth = 64,
	.max_nesting = 3,
	.max_member = 512ULL << 20,
	.max_nested = 64u << 20,
};

static const char usage[] =
	"Usage: aura-unpack [OPTION]... < artifacts.ndjson\n"
	"Read artifact records on stdin; after each, write one file record per regular\n"
	"member (content included, nothing extracted to disk), hits for archive anomalies,\n"
	"and an artifact_end record.  Every other record is copied through unchanged.\n"
	"Each artifact is read by its own sealed worker process.\n"
	"\n"
	"Limits (per artifact; see docs/unpack.md):\n"
	"  --max-members N     entries to read (default 100000)\n"
	"  --max-total SIZE    uncompressed bytes to read (default 1G)\n"
	"  --max-ratio N       uncompressed:compressed ratio (default 200)\n"
	"  --max-content SIZE  bytes of one member carried in its record (default 10M);\n"
	"                      bigger members keep their hash and size, content is the head\n"
	"  --max-member SIZE   uncompressed bytes of one member (default 512M)\n"
	"  --max-nesting N     archives inside archives to open (default 3)\n"
	"  --max-nested SIZE   biggest nested archive to open, held in memory (default 64M)\n"
	"  --max-depth N       directory levels to descend (default 64)\n"
	"  --timeout SECONDS   CPU time of the worker reading one artifact, and seconds\n"
	"                      it may sleep with nothing to write (default 60);\n"
	"                      time blocked on a slow consumer does not count\n";

/* The stage's own options (AURA_STAGE_OPTIONS): long name, argument, ID. */
#define UNPACK_OPTIONS(X) \
	X("max-members", required_argument, OPT_MAX_MEMBERS) \
	X("max-total", required_argument, OPT_MAX_TOTAL) \
	X("max-ratio", required_argument, OPT_MAX_RATIO) \
	X("max-content", required_argument, OPT_MAX_CONTENT) \
	X("max-depth", required_argument, OPT_MAX_DEPTH) \
	X("timeout", required_argument, OPT_TIMEOUT) \
	X("max-member", required_argument, OPT_MAX_MEMBER) \
	X("max-nesting", required_argument, OPT_MAX_NESTING) \
	X("max-nested", required_argument, OPT_MAX_NESTED)
AURA_STAGE_OPTIONS(UNPACK_OPTIONS);

static void parse_options(int argc, char **argv)
{
	int opt;
	while ((opt = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
		if (aura_common_option(opt, optarg, usage, SANDBOX_UNPACK))
			continue;
		switch (opt) {
		case OPT_MAX_MEMBERS:
			unpack_opts.max_members = (uint64_t)aura_parse_long("--max-members", optarg);
			break;
		case OPT_MAX_TOTAL:
			unpack_opts.max_total = aura_parse_size("--max-total", optarg);
			break;
		case OPT_MAX_RATIO:
			unpack_opts.max_ratio = (uint64_t)aura_parse_long("--max-ratio", optarg);
			break;
		case OPT_MAX_CONTENT:
			unpack_opts.max_content = aura_parse_size("--max-content", optarg);
			break;
		case OPT_MAX_DEPTH:
			unpack_opts.max_depth = (unsigned)aura_parse_long("--max-depth", optarg);
			break;
		case OPT_MAX_MEMBER:
			unpack_opts.max_member = aura_parse_size("--max-member", optarg);
			break;
		case OPT_MAX_NESTING:
			/* Each level holds its archive in memory and a frame on the stack. */
			unpack_opts.max_nesting = (unsigned)aura_parse_long("--max-nesting", optarg);
			if (unpack_opts.max_nesting > 32)
				aura_usage_error("--max-nesting: at most 32");
			break;
		case OPT_MAX_NESTED:
			unpack_opts.max_nested = aura_parse_size("--max-nested", optarg);
			break;
		case OPT_TIMEOUT:
			unpack_opts.timeout = (unsigned)aura_parse_long("--timeout", optarg);
			if (unpack_opts.timeout == 0 || unpack_opts.timeout > 86400)
				aura_usage_error("--timeout: between 1 and 86400 seconds");
			break;
		default:
			aura_usage_error("unknown option");
		}
	}
	if (optind < argc)
		aura_usage_error("unexpected argument '%s' (artifacts come on stdin)", argv[optind]);
}

static void on_record(json_t *rec, struct ndjson_reader *r, void *ctx)
{
	(void)ctx;
	size_t len;
	const char *line = ndjson_line(r, &len);
	out_raw(line, len);
	if (record_is(rec, "artifact"))
		supervise_artifact(rec);
}

int main(int argc, char **argv)
{
	aura_set_progname(argv[0]);
	parse_options(argc, argv);

	/*
	 * Everything that reads files happens before sealing: the locale (so member names
	 * convert as UTF-8), jansson's hash seed (/dev/urandom), the magic database, and the
	 * probe of which decompressors run in-process.
	 */
	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		aura_warn("warning: no C.UTF-8 locale; member names are taken as raw bytes");
	json_object_seed(0);
	member_magic_init();
	archive_probe_filters();
	out_init(aura_opts.unbuffered);

	/* Artifact paths arrive on stdin, after sealing: the parent keeps read-only "/". */
	struct sandbox_grant root = { .path = "/", .fd = -1, .access = SANDBOX_READ };
	sandbox_walk_depth(unpack_opts.max_depth);	/* a tree worker's descriptors, one a level */
	sandbox_enter(SANDBOX_UNPACK, &root, 1);

	struct ndjson_reader *in = ndjson_open(STDIN_FILENO, "<stdin>", aura_opts.max_line);
	records_run(in, on_record, NULL);
	ndjson_close(in);
	return out_finish() == 0 ? AURA_EXIT_OK : AURA_EXIT_FATAL;
}
