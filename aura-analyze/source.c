/* source.c: the last `file` record's content, kept to quote evidence for its `ast` record. */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "record.h"
#include "source.h"

void source_clear(struct source *src)
{
	free(src->file_id);
	free(src->bytes);
	free(src->line_start);
	*src = (struct source){ 0 };
}

void source_keep(struct source *src, const json_t *rec)
{
	source_clear(src);
	const char *id = record_str(rec, "id");
	if (!id)
		return;
	/*
	 * A base64 content (a .pyc, a binary) is kept as its text and decoded only when a hit
	 * quotes it (source_evidence): decoding every one was 3-4% of aura-analyze on the
	 * standard library, for files whose `ast` (if any) quotes the recovered source.
	 */
	const json_t *content = json_object_get(rec, "content");
	const char *enc = record_str(rec, "content_encoding");
	if (json_is_string(content) && enc && strcmp(enc, "base64") == 0) {
		size_t n = json_string_length(content);
		src->bytes = xmalloc(n + 1);
		memcpy(src->bytes, json_string_value(content), n + 1);
		src->len = n;
		src->encoded = true;
		src->file_id = xstrdup(id);
		return;
	}
	size_t len;
	unsigned char *bytes = record_get_bytes(rec, "content", &len);
	if (!bytes)
		return;
	src->file_id = xstrdup(id);
	src->bytes = bytes;
	src->len = len;
}

/* Decode a kept base64 content; false (nothing kept) when it is not valid base64. */
static bool source_decode(struct source *src)
{
	if (!src->encoded)
		return src->bytes != NULL;
	size_t len;
	unsigned char *bytes = base64_decode((const char *)src->bytes, src->len, &len);
	free(src->bytes);
	src->bytes = bytes;
	src->len = bytes ? len : 0;
	src->encoded = false;
	return bytes != NULL;
}

void source_keep_text(struct source *src, const char *file_id, const char *text, size_t len)
{
	source_clear(src);
	if (!file_id)
		return;
	src->file_id = xstrdup(file_id);
	src->bytes = xmalloc(len + 1);
	memcpy(src->bytes, text, len);
	src->len = len;
}

/* Line starts as CPython counts lines: \n, \r\n and a lone \r each end one. */
static void index_lines(struct source *src)
{
	size_t cap = 64, n = 0;
	size_t *v = xmalloc(cap * sizeof *v);
	v[n++] = 0;
	for (size_t i = 0; i < src->len; i++) {
		unsigned char c = src->bytes[i];
		if (c != '\n' && c != '\r')
			continue;
		if (c == '\r' && i + 1 < src->len && src->bytes[i + 1] == '\n')
			i++;
		if (n == cap)
			v = xrealloc(v, (cap *= 2) * sizeof *v);
		v[n++] = i + 1;
	}
	src->line_start = v;
	src->nlines = n;
}

/* Byte offset of (line, col), or (size_t)-1 when it is not in the file. */
static size_t offset_of(const struct source *src, long line, long col)
{
	if (line < 1 || (size_t)line > src->nlines || col < 0)
		return (size_t)-1;
	size_t at = src->line_start[line - 1] + (size_t)col;
	return at <= src->len ? at : (size_t)-1;
}

/* Copy at most `cap` bytes of s[0, n) as valid UTF-8 (bad bytes become '?'). */
static char *utf8_cut(const unsigned char *s, size_t n, size_t cap)
{
	static const char ellipsis[] = "\xe2\x80\xa6";
	char *out = xmalloc(cap + 1);
	size_t o = 0, limit = n > cap ? cap - (sizeof ellipsis - 1) : cap;
	for (size_t i = 0; i < n;) {
		size_t len = utf8_sequence(s + i, n - i);
		size_t take = len ? len : 1;
		if (o + take > limit)
			break;
		if (len)
			memcpy(out + o, s + i, len);
		else
			out[o] = '?';
		o += take;
		i += take;
	}
	if (n > cap) {
		memcpy(out + o, ellipsis, sizeof ellipsis - 1);
		o += sizeof ellipsis - 1;
	}
	out[o] = '\0';
	return out;
}

char *source_evidence(struct source *src, const char *file_id, long line, long col,
		      long end_line, long end_col)
{
	if (!src->bytes || !file_id || strcmp(file_id, src->file_id) != 0 || !source_decode(src))
		return NULL;
	if (!src->line_start)
		index_lines(src);
	size_t from = offset_of(src, line, col), to = offset_of(src, end_line, end_col);
	if (from == (size_t)-1)
		return NULL;
	if (to == (size_t)-1 || to < from)	/* no end position: the rest of the line */
		to = (size_t)line < src->nlines ? src->line_start[line] : src->len;
	if (to < from)	/* a column past its line's end (a forged tree): nothing to quote */
		to = from;
	return utf8_cut(src->bytes + from, to - from, EVIDENCE_MAX);
}

const char *source_base_name(const char *path)
{
	const char *base = path;
	for (const char *p = path; *p; p++)
		if (*p == '/' || *p == '!')
			base = p + 1;
	return base;
}

char *source_next_line(const char **p, const char *end)
{
	if (*p >= end)
		return NULL;
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	size_t n = nl ? (size_t)(nl - *p) : (size_t)(end - *p);
	char *line = xmalloc(n + 1);
	memcpy(line, *p, n);
	line[n] = '\0';
	*p = nl ? nl + 1 : end;
	return line;
}
