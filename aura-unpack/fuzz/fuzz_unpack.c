/* fuzz_unpack.c: libFuzzer harness: one archive from memory through aura-unpack's reader, unsealed. */
#include <fcntl.h>
#include <locale.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "err.h"
#include "unpack.h"

/*
 * Smaller limits than the program's defaults, so that one input stays fast: libFuzzer
 * reports an input that runs too long or uses too much memory as a finding.
 */
struct unpack_opts unpack_opts = {
	.max_members = 10000,
	.max_total = 64u << 20,
	.max_content = 1u << 20,
	.max_ratio = 200,
	.timeout = 60,
	.max_depth = 64,
	.max_nesting = 3,
	.max_member = 16u << 20,
	.max_nested = 4u << 20,
};

static int devnull = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What main does before sealing: locale, magic database, filter probe. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	aura_set_progname("fuzz-unpack");
	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		aura_warn("warning: no C.UTF-8 locale");
	member_magic_init();
	archive_probe_filters();
	/* Records are built and serialised in full, then thrown away. */
	devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (devnull < 0)
		aura_die("cannot open /dev/null");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct job job = { .id = "fuzz", .path = "fuzz", .kind = KIND_ARCHIVE, .fd = -1 };
	struct unpacker u = { .job = &job, .out_fd = devnull };
	archive_unpack_memory(&u, data, size);
	return 0;
}
