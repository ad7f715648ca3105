/* fuzz_score.c: libFuzzer harness: arbitrary bytes as a record stream through aura-score's model and every writer, unsealed. */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "err.h"
#include "ndjson.h"
#include "opts.h"
#include "../score.h"	/* the stage's own header, beside this folder */

/*
 * Each input is read as aura-score reads stdin, through collect (verdicts from a record
 * stream), and every verdict goes to every writer at once (text, json, sarif, and the
 * --diff sides); when the input holds verdict records it is read again through --merge.
 * Reading once for all writers keeps the harness fast enough to matter.  Output goes to
 * /dev/null; no sandbox, no database.  The input sits in a memfd so the reader gets a real
 * descriptor, as from a pipe.
 */

#define FUZZ_MAX_LINE	(1u << 20)	/* smaller than --max-line's default: inputs stay fast */

static int input_fd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	aura_set_progname("fuzz-score");
	aura_opts.max_line = FUZZ_MAX_LINE;
	/* Every writer uses stdout: send it to /dev/null once, fully buffered as in the program. */
	if (!freopen("/dev/null", "w", stdout))
		aura_die("cannot open /dev/null");
	out_init(false);
	input_fd = memfd_create("fuzz-score-input", MFD_CLOEXEC);
	if (input_fd < 0)
		aura_die("memfd_create failed");
	return 0;
}

/* A reader over the input, from its first byte. */
static struct ndjson_reader *input_open(const uint8_t *data, size_t size)
{
	if (ftruncate(input_fd, 0) != 0 || lseek(input_fd, 0, SEEK_SET) != 0)
		aura_die("cannot reset the input");
	for (size_t done = 0; done < size;) {
		ssize_t n = write(input_fd, data + done, size - done);
		if (n <= 0)
			aura_die("cannot write the input");
		done += (size_t)n;
	}
	if (lseek(input_fd, 0, SEEK_SET) != 0)
		aura_die("cannot rewind the input");
	return ndjson_open(input_fd, "<fuzz>", aura_opts.max_line);
}

/* Every writer's state for one pass. */
struct writers {
	struct report text, json, sarif;
	json_t *diff_sides;	/* the first two verdicts, as --diff keeps them */
};

/* The verdict callback: the verdict to each writer, as report_verdict does for one. */
static void emit_all(json_t *verdict, const struct artifact *a, struct score_ctx *ctx)
{
	struct writers *w = ctx->report;
	ctx->report = &w->text;
	report_verdict(verdict, a, ctx);
	ctx->report = &w->json;
	report_verdict(verdict, a, ctx);
	ctx->report = &w->sarif;
	report_verdict(verdict, a, ctx);
	ctx->report = w;
	if (json_array_size(w->diff_sides) < 2)
		json_array_append_new(w->diff_sides, diff_side(verdict, a));
}

static void score_pass(const uint8_t *data, size_t size, bool merge)
{
	struct writers w = {
		.text = { .format = FORMAT_TEXT, .fail_score = 100, .fail_rank = 3 },
		.json = { .format = FORMAT_JSON, .json = true, .fail_score = -1, .fail_rank = -1 },
		.sarif = { .format = FORMAT_SARIF, .fail_score = -1, .fail_rank = -1 },
		.diff_sides = json_array(),
	};
	struct score_ctx ctx = { .emit = emit_all, .report = &w, .min_rank = merge ? 2 : 0 };
	/* The shipped capabilities: make fuzz runs the harness in build/fuzz/. */
	static bool caps_tried;
	char err[512];
	if (!caps_tried) {
		caps_tried = true;
		if (!capabilities_load("../../data/capabilities.yaml", err, sizeof err))
			(void)capabilities_load("data/capabilities.yaml", err, sizeof err);
	}
	w.text.explain = merge;	/* half the passes write the --explain view */
	w.sarif.sarif = sarif_new(NULL);
	struct ndjson_reader *in = input_open(data, size);
	if (merge) {
		merge_run(in, &ctx);
	} else {
		collect_run(in, &ctx);
		collect_flush(&ctx);
	}
	ndjson_close(in);
	sarif_finish(w.sarif.sarif);
	report_text_summary(&w.text, ctx.stream_errors);
	if (json_array_size(w.diff_sides) == 2) {
		json_t *old = json_array_get(w.diff_sides, 0), *new_ = json_array_get(w.diff_sides, 1);
		diff_report(old, new_, &w.json, 0);
		diff_report(old, new_, &w.text, 1);
	}
	json_decref(w.diff_sides);
	fflush(stdout);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	score_pass(data, size, false);
	if (memmem(data, size, "verdict", 7))
		score_pass(data, size, true);
	return 0;
}
