/* fuzz_score.c: libFuzzer harness: arbitrary bytes as a record stream through aura-score's model and every writer, unsealed. */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "err.h"
#include "ndjson.h"
#include "opts.h"
#include "../score.h"	/* the stage's own header, beside this folder */

/*
 * Each input is read as aura-score reads stdin: once per output format (text, json, sarif),
 * through collect (verdicts from hit streams) and once through --merge (verdict streams),
 * and the first two verdicts of the json pass are also compared as --diff does.  Output
 * goes to /dev/null; no sandbox, no database.  The input sits in a memfd so the reader
 * gets a real descriptor, as from a pipe.
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

/* One run of aura-score over the input in `format`: merge or collect, then the report's end. */
static void score_once(const uint8_t *data, size_t size, enum report_format format, bool merge)
{
	struct report rep = { .format = format, .json = format == FORMAT_JSON,
			      .fail_score = 100, .fail_rank = 3 };
	struct score_ctx ctx = { .emit = report_verdict, .report = &rep, .min_rank = merge ? 2 : 0 };
	if (format == FORMAT_SARIF)
		rep.sarif = sarif_new();
	struct ndjson_reader *in = input_open(data, size);
	if (merge) {
		merge_run(in, &ctx);
	} else {
		collect_run(in, &ctx);
		collect_flush(&ctx);
	}
	ndjson_close(in);
	if (format == FORMAT_SARIF)
		sarif_finish(rep.sarif);
	else if (format == FORMAT_TEXT)
		report_text_summary(&rep, ctx.stream_errors);
	fflush(stdout);
}

/* --diff on a stream: the first two artifacts' verdicts compared, in both output formats. */
static void diff_once(const uint8_t *data, size_t size)
{
	struct report rep = { .format = FORMAT_JSON, .json = true, .fail_score = -1, .fail_rank = -1 };
	struct score_ctx ctx = { .emit = diff_collect, .report = &rep };
	rep.diff_sides = json_array();
	struct ndjson_reader *in = input_open(data, size);
	collect_run(in, &ctx);
	collect_flush(&ctx);
	ndjson_close(in);
	if (json_array_size(rep.diff_sides) >= 2) {
		json_t *old = json_array_get(rep.diff_sides, 0), *new_ = json_array_get(rep.diff_sides, 1);
		diff_report(old, new_, &rep, 0);
		rep.format = FORMAT_TEXT;
		rep.json = false;
		diff_report(old, new_, &rep, 1);
	}
	json_decref(rep.diff_sides);
	fflush(stdout);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	score_once(data, size, FORMAT_TEXT, false);
	score_once(data, size, FORMAT_JSON, false);
	score_once(data, size, FORMAT_SARIF, false);
	score_once(data, size, FORMAT_SARIF, true);
	diff_once(data, size);
	return 0;
}
