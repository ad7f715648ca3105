/* main.c: aura-score — the pipeline's sink: one verdict per artifact, a summary, a gating exit status. */
#include <ctype.h>
#include <jansson.h>
#include <seccomp.h>
#include <sqlite3.h>
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
	"       aura-score --merge [OPTION]... < verdicts.ndjson\n"
	"       aura-score --diff [OPTION]... < records.ndjson    (exactly two artifacts)\n"
	"       aura-score --diff --db FILE [OPTION]... OLD NEW\n"
	"Read the record stream (artifact, file, hit, error, artifact_end; other types are\n"
	"ignored) and write one verdict per artifact as soon as its artifact_end arrives.\n"
	"An artifact still open at end of input gets a verdict with complete:false.\n"
	"Scoring and risk levels: docs/scoring.md; the database: docs/database.md.\n"
	"\n"
	"Options:\n"
	"  -f, --format FORMAT  text (default: for people, with a summary line), json\n"
	"                       (NDJSON verdict records) or sarif (one SARIF 2.1.0 log,\n"
	"                       written at end of input)\n"
	"      --db FILE        also append every verdict, its files and hits to the SQLite\n"
	"                       database FILE (created when missing; safe with concurrent\n"
	"                       writers)\n"
	"      --merge          input is verdict records from several runs: keep one per\n"
	"                       artifact (a complete one first) and report them together\n"
	"      --diff           compare two versions of a package: the first and second\n"
	"                       artifact of the stream, or with --db the stored scans OLD\n"
	"                       and NEW (each NAME==VERSION or an artifact id prefix);\n"
	"                       writes what changed (text, or a json diff record); the\n"
	"                       gates apply to the change\n"
	"      --fail-score N   exit 1 when any package (or the change) scores N or more\n"
	"      --fail-level L   exit 1 when any package's risk is L or above\n"
	"                       (info, low, medium, high, critical; any case)\n"
	"      --min-level L    show only hits of severity L or above (the score still\n"
	"                       counts every hit)\n"
	"      --allow-errors   do not exit 2 for incomplete artifacts or stream errors\n"
	"\n"
	"Colours are used when stdout is a terminal and NO_COLOR is unset.\n"
	"Exit status: 0 ok; 1 a package reached --fail-score/--fail-level; 2 usage or fatal\n"
	"error, an incomplete artifact, a bad input line or stream error (unless\n"
	"--allow-errors), or a verdict the database could not store.  2 takes precedence\n"
	"over 1: a gate passed on a partial scan proves nothing.";

enum {
	OPT_FORMAT = OPT_STAGE_FIRST,
	OPT_FAIL_SCORE,
	OPT_FAIL_LEVEL,
	OPT_MIN_LEVEL,
	OPT_ALLOW_ERRORS,
	OPT_DB,
	OPT_MERGE,
	OPT_DIFF,
	OPT_VERSIONS,
};

static const struct option longopts[] = {
	AURA_COMMON_LONGOPTS,
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ "fail-score", required_argument, NULL, OPT_FAIL_SCORE },
	{ "fail-level", required_argument, NULL, OPT_FAIL_LEVEL },
	{ "min-level", required_argument, NULL, OPT_MIN_LEVEL },
	{ "allow-errors", no_argument, NULL, OPT_ALLOW_ERRORS },
	{ "db", required_argument, NULL, OPT_DB },
	{ "merge", no_argument, NULL, OPT_MERGE },
	{ "diff", no_argument, NULL, OPT_DIFF },
	{ "versions", no_argument, NULL, OPT_VERSIONS },	/* hidden: for `aura info` */
	{ NULL, 0, NULL, 0 },
};

/* A level given on the command line: any case (High, HIGH); records stay lower case. */
static int parse_level(const char *option, const char *arg)
{
	char lower[16];
	size_t n = 0;
	for (; arg[n] && n < sizeof lower - 1; n++)
		lower[n] = (char)tolower((unsigned char)arg[n]);
	lower[n] = '\0';
	int rank = arg[n] ? -1 : level_rank(lower);
	if (rank < 0)
		aura_usage_error("%s: not a level: '%s' (info, low, medium, high, critical)",
				 option, arg);
	return rank;
}

static enum report_format parse_format(const char *arg)
{
	if (strcmp(arg, "text") == 0)
		return FORMAT_TEXT;
	if (strcmp(arg, "json") == 0)
		return FORMAT_JSON;
	if (strcmp(arg, "sarif") == 0)
		return FORMAT_SARIF;
	aura_usage_error("--format: '%s': expected text, json or sarif", arg);
}

/* The libraries this program runs with (not the headers it was built against). */
static void print_versions(void)
{
	const struct scmp_version *sv = seccomp_version();
	printf("sqlite3 %s\njansson %s\nlibseccomp %u.%u.%u\n", sqlite3_libversion(),
	       jansson_version_str(), sv->major, sv->minor, sv->micro);
	exit(AURA_EXIT_OK);
}

/* With --db, Landlock leaves exactly the database's three files writable. */
static void seal(struct db *db)
{
	if (!db) {
		sandbox_enter(SANDBOX_SCORE, NULL, 0);	/* from here on: no files, no network */
		return;
	}
	struct sandbox_grant grants[3];
	for (int i = 0; i < 3; i++)
		grants[i] = (struct sandbox_grant){ .path = db_file_path(db, i), .fd = -1,
						    .access = SANDBOX_READ | SANDBOX_WRITE };
	sandbox_enter(SANDBOX_SCORE_DB, grants, 3);
}

int main(int argc, char **argv)
{
	struct report rep = { .fail_score = -1, .fail_rank = -1 };
	struct score_ctx ctx = { .emit = report_verdict, .report = &rep };
	bool allow_errors = false, merge = false, diff = false;
	const char *db_path = NULL;
	int opt;

	aura_set_progname(argv[0]);
	while ((opt = getopt_long(argc, argv, "f:hV", longopts, NULL)) != -1) {
		if (aura_common_option(opt, optarg, usage, db_path ? SANDBOX_SCORE_DB : SANDBOX_SCORE))
			continue;
		switch (opt) {
		case 'f':
		case OPT_FORMAT:
			rep.format = parse_format(optarg);
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
		case OPT_DB:
			db_path = optarg;
			break;
		case OPT_MERGE:
			merge = true;
			break;
		case OPT_DIFF:
			diff = true;
			break;
		case OPT_VERSIONS:
			print_versions();
		}
	}
	bool stored_diff = diff && optind < argc;
	if (merge && diff)
		aura_usage_error("--merge and --diff do not go together");
	if (diff && rep.format == FORMAT_SARIF)
		aura_usage_error("--diff writes text or json");
	if (stored_diff && (!db_path || argc - optind != 2))
		aura_usage_error("--diff OLD NEW compares stored scans: it needs --db FILE and two names");
	if (!stored_diff && optind < argc)
		aura_usage_error("unexpected argument '%s' (records come on stdin)", argv[optind]);

	/* Everything that touches the environment, the tty or a file: before sealing. */
	const char *no_color = getenv("NO_COLOR");
	rep.json = rep.format == FORMAT_JSON;
	rep.color = rep.format == FORMAT_TEXT && isatty(STDOUT_FILENO) && !(no_color && *no_color);
	rep.unbuffered = aura_opts.unbuffered;
	if (rep.format == FORMAT_SARIF)
		rep.sarif = sarif_new();
	if (db_path)	/* a stored diff only reads: it is not a scan */
		rep.db = db_open(db_path, stored_diff ? 0 : argc, argv);
	out_init(aura_opts.unbuffered);
	struct ndjson_reader *in = stored_diff ? NULL
		: ndjson_open(STDIN_FILENO, "<stdin>", aura_opts.max_line);

	seal(rep.db);

	if (stored_diff) {
		json_t *old = db_load(rep.db, argv[optind]), *new_ = db_load(rep.db, argv[optind + 1]);
		if (old && new_)
			diff_report(old, new_, &rep, ctx.min_rank);
		else
			rep.db_failed = true;
		json_decref(old);
		json_decref(new_);
	} else if (diff) {
		rep.diff_sides = json_array();
		ctx.emit = diff_collect;
		collect_run(in, &ctx);
		collect_flush(&ctx);
		size_t n = json_array_size(rep.diff_sides);
		if (n == 2)
			diff_report(json_array_get(rep.diff_sides, 0), json_array_get(rep.diff_sides, 1),
				    &rep, ctx.min_rank);
		else
			aura_warn("--diff: the stream holds %zu artifacts; expected two (OLD, NEW)", n);
		if (n != 2)
			rep.db_failed = true;	/* nothing was compared: exit 2 */
		json_decref(rep.diff_sides);
	} else if (merge) {
		merge_run(in, &ctx);
	} else {
		collect_run(in, &ctx);
		collect_flush(&ctx);
	}
	if (in)
		ndjson_close(in);
	if (rep.format == FORMAT_SARIF)
		sarif_finish(rep.sarif);
	else if (rep.format == FORMAT_TEXT && !diff)
		report_text_summary(&rep, ctx.stream_errors);

	bool failed = rep.db_failed;
	if (rep.db && db_close(rep.db) != 0)
		failed = true;
	if (out_finish() != 0 || failed)
		return AURA_EXIT_FATAL;
	if ((rep.incomplete || ctx.stream_errors) && !allow_errors)
		return AURA_EXIT_FATAL;
	return rep.gate_reached ? AURA_EXIT_FINDINGS : AURA_EXIT_OK;
}
