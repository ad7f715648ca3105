/* fuzz_ndjson.c: libFuzzer harness: lib/ndjson's record reader on an arbitrary byte stream. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "err.h"
#include "ndjson.h"

/*
 * The stream arrives through a memfd, so the reader's own read() loop, line splitting,
 * over-long-line skipping and truncated-final-line handling all run as in a stage.  The
 * first input byte picks the line cap (small caps reach the over-long paths with short
 * inputs).  Checked: every line is accounted for exactly once (record or bad line, line
 * numbers counting up by one), a record is an object with a string "type", the raw line
 * handed out lies inside what was read, and the reader ends with EOF.
 */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int stream = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	aura_set_progname("fuzz-ndjson");
	stream = memfd_create("fuzz-ndjson", MFD_CLOEXEC);
	if (stream < 0)
		aura_die("memfd_create failed");
	return 0;
}

static void put_stream(const uint8_t *data, size_t size)
{
	if (ftruncate(stream, 0) < 0 || lseek(stream, 0, SEEK_SET) < 0)
		aura_die("cannot reset the memfd");
	for (size_t done = 0; done < size;) {
		ssize_t n = write(stream, data + done, size - done);
		if (n <= 0)
			aura_die("cannot fill the memfd");
		done += (size_t)n;
	}
	if (lseek(stream, 0, SEEK_SET) < 0)
		aura_die("cannot rewind the memfd");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	static const size_t caps[] = { 1, 2, 16, 100, 4096, 1u << 20 };
	size_t max_line = caps[data[0] % (sizeof caps / sizeof caps[0])];
	data++, size--;
	put_stream(data, size);

	size_t newlines = 0;
	for (size_t i = 0; i < size; i++)
		newlines += data[i] == '\n';
	bool unterminated = size > 0 && data[size - 1] != '\n';

	struct ndjson_reader *r = ndjson_open(stream, "fuzz", max_line);
	unsigned long lines = 0;
	char why[200];
	json_t *rec;
	enum ndjson_status st;
	while ((st = ndjson_next(r, &rec, why, sizeof why)) != NDJSON_EOF) {
		if (ndjson_lineno(r) != ++lines)
			abort();	/* a line skipped or counted twice */
		size_t len;
		const char *line = ndjson_line(r, &len);
		if (st == NDJSON_RECORD) {
			if (!json_is_object(rec) || !json_is_string(json_object_get(rec, "type")))
				abort();
			if (!line || len > max_line || len > size)
				abort();
			json_decref(rec);
		} else if (rec || !memchr(why, '\0', sizeof why)) {
			abort();
		}
	}
	if (lines != newlines + unterminated)
		abort();	/* every line, including a final one without '\n', is seen once */
	ndjson_close(r);
	return 0;
}
