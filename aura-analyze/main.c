/* main.c: aura-analyze — match each `ast` record's calls and imports against the rules file. */
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "astwalk.h"
#include "aura.h"
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
	"Emit a `hit` record after each `ast` record for every call and import that a rule\n"
	"of the rules file matches (docs/rules.md).  Run aura-rewrite first so aliases\n"
	"(import os as o; from os import system as s) resolve to canonical names.  Other\n"
	"records are copied unchanged; a `file` record's content is kept to quote evidence.\n"
	"\n"
	"  --rules FILE        the rules file (default: $AURA_DATA_DIR/rules.yaml, else\n"
	"                      ../data/ or ../../share/aura/ beside this program)\n";

enum { OPT_RULES = OPT_STAGE_FIRST };

struct analyze {
	const struct ruleset *rules;
	const struct popular *popular;
	struct source src;
	struct xref *xref;	/* the open artifact's cross-file state (xref.c) */
	char *format;		/* the open artifact's format: sdist, wheel, deb (files.c) */
};

/* The artifact's cross-file hits go out before its artifact_end (score closes it there). */
static void close_artifact(struct analyze *an)
{
	if (!an->xref)
		return;
	xref_finish(an->xref);
	xref_free(an->xref);
	an->xref = NULL;
}

static struct xref *xref_for(struct analyze *an, const json_t *rec)
{
	const char *id = record_str(rec, "artifact");
	return an->xref && id && !strcmp(id, xref_artifact(an->xref)) ? an->xref : NULL;
}

static void pass_through(struct ndjson_reader *r)
{
	size_t len;
	const char *line = ndjson_line(r, &len);
	out_raw(line, len);
}

/*
 * A declared console script runs when the user runs the installed command: the function
 * it names (and what it calls, in any file) weighs as import-time code.
 */
static void scan_entry_points(struct analyze *an, const json_t *rec)
{
	struct xref *x = xref_for(an, rec);
	const char *path = record_str(rec, "path");
	const char *enc = record_str(rec, "content_encoding");
	const json_t *content = json_object_get(rec, "content");
	if (x && path && enc && !strcmp(enc, "utf-8") && json_is_string(content))
		xref_scan_entry_points(x, path, json_string_value(content),
				       json_string_length(content), CTX_IMPORT);
}

static void on_record(json_t *rec, struct ndjson_reader *r, void *ctx)
{
	struct analyze *an = ctx;
	if (record_is(rec, "artifact_end") && xref_for(an, rec))
		close_artifact(an);
	pass_through(r);	/* hits come after the record they are about */
	if (record_is(rec, "artifact")) {
		close_artifact(an);	/* one without its artifact_end: what it had goes now */
		an->xref = xref_new(record_str(rec, "id"));
		free(an->format);
		an->format = record_str(rec, "format") ? xstrdup(record_str(rec, "format")) : NULL;
		metadata_check_artifact(an->popular, an->rules, rec);
		npm_check_artifact(an->rules, rec);	/* npm.c: install scripts */
	} else if (record_is(rec, "file")) {
		source_keep(&an->src, rec);
		scan_entry_points(an, rec);
		files_check(an->rules, rec, xref_for(an, rec) ? an->format : NULL);
		npm_check_file(an->rules, rec);
	} else if (record_is(rec, "ast")) {
		detect_ast(an->rules, rec, &an->src, xref_for(an, rec));
	}
}

static char *path_join(const char *dir, const char *rest)
{
	char *out = xmalloc(strlen(dir) + strlen(rest) + 2);
	sprintf(out, "%s/%s", dir, rest);
	return out;
}

/*
 * The default data files (rules, popular names), found before sealing (afterwards nothing
 * can be opened): $AURA_DATA_DIR/FILE, else beside this executable: ../data/FILE in the
 * source tree (bin/), ../../share/aura/FILE in an install prefix (libexec/aura/).
 */
static char *data_path(const char *argv0, const char *file)
{
	const char *env = getenv("AURA_DATA_DIR");
	if (env && env[0])
		return path_join(env, file);
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (n > 0)
		exe[n] = '\0';
	else if (strchr(argv0, '/') && strlen(argv0) < sizeof exe)
		strcpy(exe, argv0);
	else
		return path_join("data", file);
	static const char *const layouts[] = { "../data", "../../share/aura" };
	const char *exe_dir = dirname(exe);	/* once: dirname() edits exe in place */
	char rel[PATH_MAX];
	char *path = NULL;
	for (size_t i = 0; i < sizeof layouts / sizeof layouts[0]; i++) {
		free(path);
		snprintf(rel, sizeof rel, "%s/%s", layouts[i], file);
		path = path_join(exe_dir, rel);
		if (access(path, F_OK) == 0)
			break;
	}
	return path;	/* the last layout when none has it: the error names a real place */
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		AURA_COMMON_LONGOPTS,
		{ "rules", required_argument, NULL, OPT_RULES },
		{ NULL, 0, NULL, 0 },
	};
	char *rules_path = NULL;
	int opt;

	aura_set_progname(argv[0]);
	while ((opt = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
		if (aura_common_option(opt, optarg, usage, SANDBOX_ANALYZE))
			continue;
		if (opt == OPT_RULES) {
			free(rules_path);
			rules_path = xstrdup(optarg);
		} else
			aura_usage_error("unknown option");
	}
	if (optind < argc)
		aura_usage_error("unexpected argument '%s' (records are read from stdin)", argv[optind]);

	if (!rules_path)
		rules_path = data_path(argv[0], "rules.yaml");
	char err[1024];
	struct ruleset *rules = rules_load(rules_path, err, sizeof err);
	if (!rules)
		aura_die("%s", err);
	free(rules_path);
	char *popular_path = data_path(argv[0], "top-pypi-packages-30-days.min.json");
	struct popular *popular = popular_load(popular_path);
	free(popular_path);

	out_init(aura_opts.unbuffered);
	/* Raise the soft stack limit while we still may (the walks recurse with the tree,
	 * and a sanitizer build's frames are several times bigger). */
	(void)ast_stack_budget();
	sandbox_enter(SANDBOX_ANALYZE, NULL, 0);

	struct analyze an = { .rules = rules, .popular = popular };
	struct ndjson_reader *in = ndjson_open(0, "<stdin>", aura_opts.max_line);
	records_run(in, on_record, &an);
	close_artifact(&an);
	free(an.format);
	ndjson_close(in);
	source_clear(&an.src);
	rules_free(rules);
	popular_free(popular);
	return out_finish() ? AURA_EXIT_FATAL : AURA_EXIT_OK;
}
