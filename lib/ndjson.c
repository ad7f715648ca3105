/* ndjson.c: reading and writing newline-delimited JSON records (the record protocol). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "jsonr.h"
#include "jsonscan.h"
#include "jsonw.h"
#include "ndjson.h"
#include "record.h"

#define READ_CHUNK (64 * 1024)

struct ndjson_reader {
	int fd;
	const char *name;
	size_t max_line;
	char *buf;		/* holds at most max_line + READ_CHUNK bytes */
	size_t cap, start, end;	/* unconsumed bytes are buf[start, end) */
	bool eof;
	unsigned long lineno;
	const char *line;	/* the line last returned */
	size_t line_len;
	struct jsonscan *scan;	/* for ndjson_next_of: checks the records it does not build */
};

struct ndjson_reader *ndjson_open(int fd, const char *name, size_t max_line)
{
	struct ndjson_reader *r = xmalloc(sizeof *r);
	*r = (struct ndjson_reader){ .fd = fd, .name = name, .max_line = max_line };
	r->cap = READ_CHUNK * 4;
	r->buf = xmalloc(r->cap);
	return r;
}

void ndjson_close(struct ndjson_reader *r)
{
	if (!r)
		return;
	free(r->buf);
	jsonscan_free(r->scan);
	free(r);
}

const char *ndjson_line(const struct ndjson_reader *r, size_t *len)
{
	*len = r->line_len;
	return r->line;
}

unsigned long ndjson_lineno(const struct ndjson_reader *r) { return r->lineno; }
const char *ndjson_name(const struct ndjson_reader *r) { return r->name; }

/* Read more input after the unconsumed bytes; returns bytes read (0 at end of input). */
static size_t fill(struct ndjson_reader *r)
{
	if (r->eof)
		return 0;
	if (r->start > 0) {	/* slide the unconsumed tail to the front */
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	if (r->cap - r->end < READ_CHUNK) {
		r->cap = r->cap * 2 > r->end + READ_CHUNK ? r->cap * 2 : r->end + READ_CHUNK;
		r->buf = xrealloc(r->buf, r->cap);
	}
	for (;;) {
		ssize_t n = read(r->fd, r->buf + r->end, READ_CHUNK);
		if (n > 0) {
			r->end += (size_t)n;
			return (size_t)n;
		}
		if (n == 0) {
			r->eof = true;
			return 0;
		}
		if (errno != EINTR)
			aura_die("%s: read error: %s", r->name, strerror(errno));
	}
}

/* Discard input up to and including the next newline (an over-long line's tail). */
static void skip_line(struct ndjson_reader *r)
{
	for (;;) {
		char *nl = memchr(r->buf + r->start, '\n', r->end - r->start);
		if (nl) {
			r->start = (size_t)(nl - r->buf) + 1;
			return;
		}
		r->start = r->end = 0;
		if (fill(r) == 0)
			return;
	}
}

static enum ndjson_status bad(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static enum ndjson_status bad(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return NDJSON_BAD;
}

/* The line without its \r of \r\n framing. */
static size_t framed_len(const char *line, size_t len)
{
	return len > 0 && line[len - 1] == '\r' ? len - 1 : len;
}

/* Parse one line (without its newline) as a record: an object with a string "type". */
static json_t *parse_record(const char *line, size_t len, char *why, size_t whylen)
{
	struct jsonr_error jerr;
	len = framed_len(line, len);	/* accept \r\n framing */
	/* lib's reader, not json_loadb: no 2048-level limit (deep syntax trees), faster, and
	 * a repeated key is an error (see jsonr.h). */
	json_t *j = jsonr_parse(line, len, &jerr);
	if (!j) {
		bad(why, whylen, "invalid JSON at column %zu: %s", jerr.offset + 1, jerr.text);
		return NULL;
	}
	if (!json_is_object(j) || !json_is_string(json_object_get(j, "type"))) {
		json_decref(j);
		bad(why, whylen, "not a record (a JSON object with a string \"type\")");
		return NULL;
	}
	return j;
}

/*
 * The line as a record, or (with `wanted`) NDJSON_SKIPPED for a record of another type,
 * checked by lib/jsonscan without being built.  jsonscan only says whether a line is a
 * record; a line it refuses is parsed by jsonr for the reason, so the error is the one
 * every stage gives.  (Should jsonr accept what jsonscan refused, jsonr is the reference
 * and the record is built: the fuzz harness fuzz_jsonscan looks for such disagreements.)
 */
static enum ndjson_status decode(struct ndjson_reader *r, const char *const *wanted,
				 struct jsonscan_field *fields, size_t n, struct jsonscan_type *type,
				 json_t **rec, char *why, size_t whylen)
{
	if (wanted) {
		if (!r->scan)
			r->scan = jsonscan_new();
		enum jsonscan_result res = jsonscan_line_fields(r->scan, r->line,
								framed_len(r->line, r->line_len),
								wanted, type, fields, n);
		/* A type with a NUL in it is built: readers that stop at the NUL see another type. */
		if (res == JSONSCAN_RECORD && !type->has_nul)
			return NDJSON_SKIPPED;
	}
	*rec = parse_record(r->line, r->line_len, why, whylen);
	return *rec ? NDJSON_RECORD : NDJSON_BAD;
}

const char *ndjson_line_type(const char *line, size_t len, const char *const *allowed,
			     char *why, size_t whylen)
{
	/* One scanner for the process: the relaying stage reads one worker at a time. */
	static struct jsonscan *scan;
	if (!scan)
		scan = jsonscan_new();
	struct jsonscan_type type;
	if (jsonscan_line(scan, line, framed_len(line, len), NULL, &type) != JSONSCAN_RECORD) {
		json_t *rec = parse_record(line, len, why, whylen);
		if (!rec)
			return NULL;
		/* jsonr, the reference, read what jsonscan refused: believe jsonr. */
		const char *s = json_string_value(json_object_get(rec, "type"));
		type = (struct jsonscan_type){ .len = strlen(s) };
		snprintf(type.name, sizeof type.name, "%s", s);
		json_decref(rec);
	}
	for (size_t i = 0; allowed[i]; i++)
		if (jsonscan_type_is(&type, allowed[i]))
			return allowed[i];
	char shown[40];
	snprintf(shown, sizeof shown, "%.*s", (int)strnlen(type.name, sizeof shown - 1), type.name);
	bad(why, whylen, "a record of type '%s'%s, not one this stage relays",
	    utf8_valid(shown, strlen(shown)) ? shown : "?", type.len >= sizeof shown ? "..." : "");
	return NULL;
}

enum ndjson_status ndjson_next(struct ndjson_reader *r, json_t **rec, char *why, size_t whylen)
{
	return ndjson_next_of(r, NULL, rec, why, whylen);
}

enum ndjson_status ndjson_next_of(struct ndjson_reader *r, const char *const *wanted,
				  json_t **rec, char *why, size_t whylen)
{
	struct jsonscan_type type;
	return ndjson_next_fields(r, wanted, NULL, 0, &type, rec, why, whylen);
}

enum ndjson_status ndjson_next_fields(struct ndjson_reader *r, const char *const *wanted,
				      struct jsonscan_field *fields, size_t n,
				      struct jsonscan_type *type, json_t **rec, char *why,
				      size_t whylen)
{
	size_t scanned = 0;	/* bytes of the current line already searched for '\n' */
	*rec = NULL;
	r->line = NULL;
	r->line_len = 0;
	for (;;) {
		char *from = r->buf + r->start + scanned;
		char *nl = memchr(from, '\n', r->end - r->start - scanned);
		if (nl) {
			r->lineno++;
			r->line = r->buf + r->start;
			r->line_len = (size_t)(nl - r->line);
			r->start += r->line_len + 1;
			if (r->line_len > r->max_line)
				return bad(why, whylen, "line longer than %zu bytes", r->max_line);
			if (r->line_len == 0 || (r->line_len == 1 && r->line[0] == '\r'))
				return bad(why, whylen, "empty line");
			return decode(r, wanted, fields, n, type, rec, why, whylen);
		}
		scanned = r->end - r->start;
		if (scanned > r->max_line) {
			/* Over the cap: never buffer the rest, just find where it ends. */
			r->lineno++;
			r->start = r->end = 0;
			skip_line(r);
			return bad(why, whylen, "line longer than %zu bytes", r->max_line);
		}
		if (fill(r) == 0) {
			if (r->end == r->start)
				return NDJSON_EOF;
			/* A final line without '\n' is a truncated record, even if it parses. */
			r->lineno++;
			r->line = r->buf + r->start;
			r->line_len = r->end - r->start;
			r->start = r->end;
			return bad(why, whylen, "truncated record (no newline at end of input)");
		}
	}
}

/* ---- output ---- */

/*
 * Records are written whole: stdio's buffer is flushed only at record boundaries, never
 * because it filled up in the middle of a record.  When stdout is a pipe or FIFO, a flush
 * carries at most PIPE_BUF bytes, so every record up to PIPE_BUF reaches the pipe in one
 * write(2) that the kernel keeps atomic: several producers writing into one pipe
 * (`xargs -P4 aura-fetch | …`) cannot interleave inside such a record.  A bigger record is
 * written by itself (no other record shares its writes), but the kernel may interleave
 * another writer's bytes with it: docs/protocol.md says how to fan out safely.
 */
static bool out_unbuffered;
static char out_buffer[1 << 16];
static size_t out_limit = sizeof out_buffer;	/* most bytes one flush may carry */
static size_t out_pending;			/* bytes of whole records in the buffer */

/*
 * The capacity asked of a pipe a stage writes into.  With Linux's default 64 KiB the six
 * stages of a pipeline wake each other for every few records of a 150 MB stream, and on
 * two cores they mostly wait in turn: measured on the standard library, 1 MiB pipes took
 * `aura scan` from 18.9-31 s to 14.7-15.0 s wall under load (bench/README.md).  1 MiB is
 * the default /proc/sys/fs/pipe-max-size, so no privilege is needed; a refusal (a user
 * over pipe-user-pages-soft, a lower maximum) leaves the pipe as it was, which is only
 * slower.  Atomicity is unchanged: it depends on PIPE_BUF, not on the capacity.
 */
#define OUT_PIPE_CAPACITY (1 << 20)

void out_init(bool unbuffered)
{
	struct stat st;
	out_unbuffered = unbuffered;
	setvbuf(stdout, out_buffer, _IOFBF, sizeof out_buffer);
	if (fstat(STDOUT_FILENO, &st) == 0 && S_ISFIFO(st.st_mode)) {
		out_limit = PIPE_BUF;
		(void)fcntl(STDOUT_FILENO, F_SETPIPE_SZ, OUT_PIPE_CAPACITY);
	}
}

/* One record of len bytes (without its newline) from buf, kept whole in the writes. */
static void out_whole(const char *buf, size_t len)
{
	size_t n = len + 1;
	if (out_pending > 0 && out_pending + n > out_limit) {
		fflush(stdout);
		out_pending = 0;
	}
	fwrite(buf, 1, len, stdout);
	putchar('\n');
	out_pending += n;
	if (out_unbuffered || out_pending >= out_limit) {
		fflush(stdout);
		out_pending = 0;
	}
}

void out_record(json_t *rec)
{
	/* lib's dumper, not jansson's: the same bytes, without recursion at any depth. */
	static struct jsonw w;
	if (!w.buf)
		jw_init(&w);
	jw_reset(&w);
	jw_json(&w, rec);
	out_whole(w.buf, w.len);
	if (w.cap > (1u << 20)) {	/* do not keep a huge record's buffer for the rest of the run */
		jw_free(&w);
	}
}

void out_raw(const char *line, size_t len)
{
	out_whole(line, len);
}

int out_finish(void)
{
	int failed = fflush(stdout) != 0 || ferror(stdout);
	int saved = errno;
	if (fclose(stdout) != 0 && !failed) {
		failed = 1;
		saved = errno;
	}
	if (failed) {
		aura_warn("error writing output: %s", strerror(saved));
		return -1;
	}
	return 0;
}
