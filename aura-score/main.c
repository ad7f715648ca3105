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
#include "datapath.h"
#include "err.h"
#include "ndjson.h"
#include "opts.h"
#include "record.h"
#include "policy.h"
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
	"      --rules-digest HEX, --limits TEXT\n"
	"                       the scan key stored with --db: a verdict is reused (aura-fetch\n"
	"                       --db) only under the same Aura version, rules and limits\n"
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
	"      --custom-stage ACTION:NAME=COMMAND\n"
	"                       record in every verdict (\"custom_stages\") that the\n"
	"                       pipeline's stage NAME was replaced (ACTION replaced) or\n"
	"                       followed (inserted-after) by a user's COMMAND; repeatable;\n"
	"                       given by `aura scan --stage/--insert-after`\n"
	"      --explain        per package, how the score adds up: each hit with its\n"
	"                       context, chain and contribution (text; json adds an\n"
	"                       \"explain\" object to each verdict)\n"
	"      --srcroot DIR    SARIF: uris of files under DIR are relative to it (base id\n"
	"                       SRCROOT, run.originalUriBaseIds); others are absolute\n"
	"                       file: URIs (default: the current directory)\n"
	"      --capabilities FILE  the capabilities file (default:\n"
	"                       $AURA_DATA_DIR/capabilities.yaml, else ../data/ or\n"
	"                       ../../share/aura/ beside this program)\n"
	"      --policy FILE    apply the auditor's policy (docs/policy.md): suppressions,\n"
	"                       allowed capabilities, approvals by sha256, thresholds\n"
	"      --list-policy    with --policy: list what it holds and exit\n"
	"\n"
	"Colours are used when stdout is a terminal and NO_COLOR is unset.\n"
	"Exit status: 0 ok; 1 a package reached --fail-score/--fail-level; 2 usage or fatal\n"
	"error, an incomplete artifact, a bad input line or stream error (unless\n"
	"--allow-errors), or a verdict the database could not store.  2 takes precedence\n"
	"over 1: a gate passed on a partial scan proves nothing.";

/* The stage's own options (AURA_STAGE_OPTIONS): long name, argument, ID. */
#define SCORE_OPTIONS(X) \
	X("format", required_argument, OPT_FORMAT) \
	X("fail-score", required_argument, OPT_FAIL_SCORE) \
	X("fail-level", required_argument, OPT_FAIL_LEVEL) \
	X("min-level", required_argument, OPT_MIN_LEVEL) \
	X("allow-errors", no_argument, OPT_ALLOW_ERRORS) \
	X("db", required_argument, OPT_DB) \
	X("merge", no_argument, OPT_MERGE) \
	X("diff", no_argument, OPT_DIFF) \
	X("custom-stage", required_argument, OPT_CUSTOM_STAGE) \
	X("versions", no_argument, OPT_VERSIONS) /* hidden: for `aura info` */ \
	X("explain", no_argument, OPT_EXPLAIN) \
	X("srcroot", required_argument, OPT_SRCROOT) \
	X("capabilities", required_argument, OPT_CAPABILITIES) \
	X("rules-digest", required_argument, OPT_RULES_DIGEST) \
	X("limits", required_argument, OPT_LIMITS) \
	X("policy", required_argument, OPT_POLICY) \
	X("list-policy", no_argument, OPT_LIST_POLICY)
AURA_STAGE_OPTIONS(SCORE_OPTIONS);

/* A level given on the command line: any case (High, HIGH); records stay lower case. */
static int parse_level(const char *option, const char *arg)
{
	char lower[16];
	size_t n = 0;
	for (; n < sizeof lower - 1 && arg[n]; n++)
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

/*
 * --custom-stage ACTION:NAME=COMMAND: one entry of the verdicts' "custom_stages", so that a
 * verdict says when it did not come from Aura's own stages alone.
 */
static void add_custom_stage(struct report *rep, const char *arg)
{
	const char *colon = strchr(arg, ':'), *eq = colon ? strchr(colon, '=') : NULL;
	if (!colon || !eq || eq == colon + 1 || !eq[1])
		aura_usage_error("--custom-stage: expected ACTION:NAME=COMMAND, got '%s'", arg);
	size_t action_len = (size_t)(colon - arg);
	if (!((action_len == 8 && !strncmp(arg, "replaced", 8)) ||
	      (action_len == 14 && !strncmp(arg, "inserted-after", 14))))
		aura_usage_error("--custom-stage: ACTION is replaced or inserted-after, not '%.*s'",
				 (int)action_len, arg);
	if (!rep->custom_stages && !(rep->custom_stages = json_array()))
		aura_oom();
	json_t *entry = json_object();
	if (!entry)
		aura_oom();
	json_object_set_new(entry, "action", json_stringn(arg, action_len));
	json_object_set_new(entry, "stage", json_string_lossy(colon + 1, (size_t)(eq - colon - 1)));
	json_object_set_new(entry, "command", json_string_lossy(eq + 1, strlen(eq + 1)));
	json_array_append_new(rep->custom_stages, entry);
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

/* What the command line asks for, beyond the report's own settings. */
struct run {
	bool allow_errors;	/* --allow-errors */
	bool merge;		/* --merge: verdict streams in */
	bool diff;		/* --diff: compare two artifacts */
	bool stored_diff;	/* --diff OLD NEW: the two come from the database */
	const char *db_path;	/* --db */
	const char *rules_digest, *limits;	/* the scan key (docs/database.md) */
	const char *old_spec, *new_spec;	/* OLD and NEW of a stored diff */
	const char *srcroot;	/* --srcroot */
	const char *capabilities;	/* --capabilities */
	const char *policy_path;	/* --policy */
	bool list_policy;	/* --list-policy */
};

static void parse_args(int argc, char **argv, struct run *run, struct report *rep,
		       struct score_ctx *ctx)
{
	int opt;
	while ((opt = getopt_long(argc, argv, "f:hV", longopts, NULL)) != -1) {
		if (aura_common_option(opt, optarg, usage,
				       run->db_path ? SANDBOX_SCORE_DB : SANDBOX_SCORE))
			continue;
		switch (opt) {
		case 'f':
		case OPT_FORMAT:
			rep->format = parse_format(optarg);
			break;
		case OPT_FAIL_SCORE:
			rep->fail_score = aura_parse_long("--fail-score", optarg);
			break;
		case OPT_FAIL_LEVEL:
			rep->fail_rank = parse_level("--fail-level", optarg);
			break;
		case OPT_MIN_LEVEL:
			ctx->min_rank = parse_level("--min-level", optarg);
			break;
		case OPT_ALLOW_ERRORS:
			run->allow_errors = true;
			break;
		case OPT_DB:
			run->db_path = optarg;
			break;
		case OPT_MERGE:
			run->merge = true;
			break;
		case OPT_DIFF:
			run->diff = true;
			break;
		case OPT_CUSTOM_STAGE:
			add_custom_stage(rep, optarg);
			break;
		case OPT_EXPLAIN:
			rep->explain = true;
			break;
		case OPT_SRCROOT:
			run->srcroot = optarg;
			break;
		case OPT_CAPABILITIES:
			run->capabilities = optarg;
			break;
		case OPT_VERSIONS:
			print_versions();
			break;
		case OPT_RULES_DIGEST:
			run->rules_digest = optarg;
			break;
		case OPT_LIMITS:
			run->limits = optarg;
			break;
		case OPT_POLICY:
			run->policy_path = optarg;
			break;
		case OPT_LIST_POLICY:
			run->list_policy = true;
		}
	}
	run->stored_diff = run->diff && optind < argc;
	if (run->merge && run->diff)
		aura_usage_error("--merge and --diff do not go together");
	if (run->diff && rep->format == FORMAT_SARIF)
		aura_usage_error("--diff writes text or json");
	if (rep->explain && (run->diff || rep->format == FORMAT_SARIF))
		aura_usage_error("--explain explains verdicts, in text or json (not --diff, not sarif)");
	if (run->stored_diff && (!run->db_path || argc - optind != 2))
		aura_usage_error("--diff OLD NEW compares stored scans: it needs --db FILE and two names");
	if (!run->stored_diff && optind < argc)
		aura_usage_error("unexpected argument '%s' (records come on stdin)", argv[optind]);
	if (run->list_policy && !run->policy_path)
		aura_usage_error("--list-policy needs --policy FILE");
	if (run->stored_diff) {
		run->old_spec = argv[optind];
		run->new_spec = argv[optind + 1];
	}
}

/* Everything that touches the environment, the tty or a file: before sealing. */
static struct ndjson_reader *prepare(const struct run *run, struct report *rep, int argc,
				     char **argv)
{
	const char *no_color = getenv("NO_COLOR");
	rep->json = rep->format == FORMAT_JSON;
	rep->color = rep->format == FORMAT_TEXT && isatty(STDOUT_FILENO) && !(no_color && *no_color);
	rep->unbuffered = aura_opts.unbuffered;
	char err[1024];
	char *caps_path = run->capabilities ? xstrdup(run->capabilities)
					    : aura_data_path(argv[0], "capabilities.yaml");
	if (!capabilities_load(caps_path, err, sizeof err))
		aura_die("%s", err);
	free(caps_path);
	if (run->policy_path) {	/* the auditor's file, read before sealing */
		policy_load(run->policy_path);
		if (run->list_policy) {
			policy_list();
			exit(fclose(stdout) == 0 ? AURA_EXIT_OK : AURA_EXIT_FATAL);
		}
		policy_thresholds(&rep->fail_score, &rep->fail_rank);
	}
	if (rep->format == FORMAT_SARIF)
		rep->sarif = sarif_new(run->srcroot);
	db_set_scan_key(run->rules_digest, run->limits);
	if (run->db_path)	/* a stored diff only reads: it is not a scan */
		rep->db = db_open(run->db_path, run->stored_diff ? 0 : argc, argv);
	out_init(aura_opts.unbuffered);
	return run->stored_diff ? NULL : ndjson_open(STDIN_FILENO, "<stdin>", aura_opts.max_line);
}

/* --diff --db OLD NEW: compare two stored scans. */
static void diff_stored(const struct run *run, struct report *rep, int min_rank)
{
	json_t *old = db_load(rep->db, run->old_spec), *new_ = db_load(rep->db, run->new_spec);
	if (old && new_)
		diff_report(old, new_, rep, min_rank);
	else
		rep->nothing_compared = true;	/* db_load said which is missing */
	json_decref(old);
	json_decref(new_);
}

/* --diff on a stream: its two artifacts, OLD first. */
static void diff_stream(struct ndjson_reader *in, struct report *rep, struct score_ctx *ctx)
{
	rep->diff_sides = json_array();
	ctx->emit = diff_collect;
	collect_run(in, ctx);
	collect_flush(ctx);
	size_t n = json_array_size(rep->diff_sides);
	if (n == 2) {
		diff_report(json_array_get(rep->diff_sides, 0), json_array_get(rep->diff_sides, 1),
			    rep, ctx->min_rank);
	} else {
		aura_warn("--diff: the stream holds %zu artifacts; expected two (OLD, NEW)", n);
		rep->nothing_compared = true;
	}
	json_decref(rep->diff_sides);
}

/* The end of the report (SARIF is one document; text has a summary line). */
static void finish_report(const struct run *run, struct report *rep, const struct score_ctx *ctx)
{
	if (rep->format == FORMAT_SARIF)
		sarif_finish(rep->sarif);
	else if (rep->format == FORMAT_TEXT && !run->diff)
		report_text_summary(rep, ctx->stream_errors);
}

/* 2 for anything not done or not trusted (unless --allow-errors), else 1 for a gate, else 0. */
static int exit_status(const struct run *run, struct report *rep, const struct score_ctx *ctx)
{
	bool failed = rep->db_failed || rep->nothing_compared;
	if (rep->db && db_close(rep->db) != 0)
		failed = true;
	if (out_finish() != 0 || failed)
		return AURA_EXIT_FATAL;
	if ((rep->incomplete || ctx->stream_errors) && !run->allow_errors)
		return AURA_EXIT_FATAL;
	return rep->gate_reached ? AURA_EXIT_FINDINGS : AURA_EXIT_OK;
}

int main(int argc, char **argv)
{
	struct report rep = { .fail_score = -1, .fail_rank = -1 };
	struct score_ctx ctx = { .emit = report_verdict, .report = &rep };
	struct run run = { 0 };

	aura_set_progname(argv[0]);
	aura_malloc_keep();
	parse_args(argc, argv, &run, &rep, &ctx);
	struct ndjson_reader *in = prepare(&run, &rep, argc, argv);
	if (policy_loaded())
		ctx.emit = policy_emit;	/* diff sets its own; the policy is about verdicts */
	seal(rep.db);
	ctx.reuse_db = rep.db;

	if (run.stored_diff) {
		diff_stored(&run, &rep, ctx.min_rank);
	} else if (run.diff) {
		diff_stream(in, &rep, &ctx);
	} else if (run.merge) {
		merge_run(in, &ctx);
	} else {
		collect_run(in, &ctx);
		collect_flush(&ctx);
	}
	if (in)
		ndjson_close(in);
	finish_report(&run, &rep, &ctx);
	return exit_status(&run, &rep, &ctx);
}
