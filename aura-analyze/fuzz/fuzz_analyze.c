/* fuzz_analyze.c: libFuzzer harness: arbitrary bytes as a record stream (ast trees included) through aura-analyze, unsealed. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "err.h"
#include "ndjson.h"
#include "opts.h"
#include "../analyze.h"
#include "../metadata.h"
#include "../rules.h"

/*
 * Each input is read as aura-analyze reads stdin (the seeds are real streams of file and
 * rewritten ast records, so mutations are trees of every shape), with the project's own
 * rules file: $AURA_RULES, else data/rules.yaml two levels up (make fuzz runs in
 * build/fuzz).  Output goes to /dev/null; no sandbox.  The input sits in a memfd so the
 * reader gets a real descriptor, as from a pipe.
 */

#define FUZZ_MAX_LINE	(1u << 20)

static int input_fd = -1;
static struct ruleset *rules;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	aura_set_progname("fuzz-analyze");
	aura_opts.max_line = FUZZ_MAX_LINE;
	const char *path = getenv("AURA_RULES") ? getenv("AURA_RULES") : "../../data/rules.yaml";
	char err[1024];
	rules = rules_load(path, err, sizeof err);
	if (!rules)
		aura_die("%s", err);
	if (!freopen("/dev/null", "w", stdout))
		aura_die("cannot open /dev/null");
	out_init(false);
	input_fd = memfd_create("fuzz-analyze-input", MFD_CLOEXEC);
	if (input_fd < 0)
		aura_die("memfd_create failed");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (ftruncate(input_fd, 0) < 0 || pwrite(input_fd, data, size, 0) != (ssize_t)size)
		aura_die("cannot fill the memfd");
	int fd = dup(input_fd);
	if (fd < 0 || lseek(fd, 0, SEEK_SET) < 0)
		aura_die("cannot rewind the input");
	analyze_stream(fd, "<fuzz>", rules, NULL);
	close(fd);	/* the reader does not own its descriptor */
	fflush(stdout);
	return 0;
}
