/* ndjson.h: reading and writing newline-delimited JSON records (the record protocol). */
#ifndef AURA_NDJSON_H
#define AURA_NDJSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "jsonscan.h"

struct ndjson_reader;

enum ndjson_status {
	NDJSON_RECORD,	/* a JSON object with a string "type" */
	NDJSON_BAD,	/* a line that is not a record: too long, invalid JSON/UTF-8, truncated */
	NDJSON_EOF,
	NDJSON_SKIPPED,	/* ndjson_next_of: a record of a type not asked for, checked, not built */
};

/* Read records from `fd`; lines longer than `max_line` bytes are rejected (not stored). */
struct ndjson_reader *ndjson_open(int fd, const char *name, size_t max_line);
void ndjson_close(struct ndjson_reader *r);

/*
 * Next record.  On NDJSON_RECORD, *rec is a new reference the caller owns.
 * On NDJSON_BAD, `why` holds a one-line reason and the reader has skipped that line.
 * An I/O error on the input is fatal (reported, exit 2).
 */
enum ndjson_status ndjson_next(struct ndjson_reader *r, json_t **rec, char *why, size_t whylen);

/*
 * ndjson_next for a stage that uses only the record types in `wanted` (NULL-terminated):
 * a line that is a record of another type is checked as ndjson_next would check it, by
 * lib/jsonscan without building it, and returned as NDJSON_SKIPPED (*rec NULL; its bytes
 * in ndjson_line()).  Bad lines are NDJSON_BAD with the same reason ndjson_next gives.
 */
enum ndjson_status ndjson_next_of(struct ndjson_reader *r, const char *const *wanted,
				  json_t **rec, char *why, size_t whylen);

/*
 * ndjson_next_of that also says, for a NDJSON_SKIPPED record, its type (*type) and where
 * the values of `fields` (n of them, top-level keys) lie in ndjson_line() (see
 * lib/jsonscan.h): a stage reads the few fields it needs of a big record, or keeps a value
 * as bytes, without building the record.  The line was checked whole, as for any record.
 */
enum ndjson_status ndjson_next_fields(struct ndjson_reader *r, const char *const *wanted,
				      struct jsonscan_field *fields, size_t n,
				      struct jsonscan_type *type, json_t **rec, char *why,
				      size_t whylen);

/*
 * For a stage that relays lines another process wrote (the unpack supervisor and its
 * worker): the line's parsed top-level "type" when it is one of `allowed` (a NULL-terminated
 * list), as that list's entry; else NULL and `why` says what is wrong (invalid JSON, a
 * repeated key, not a record, another type).  The whole line is checked as ndjson_next
 * would check it (by lib/jsonscan, without building it), so the bytes relayed are a
 * record every later stage reads the same way.
 */
const char *ndjson_line_type(const char *line, size_t len, const char *const *allowed,
			     char *why, size_t whylen);

/* The raw bytes of the line just returned (no newline), for exact pass-through. */
const char *ndjson_line(const struct ndjson_reader *r, size_t *len);
/* 1-based number of the line just returned, and the input's name (for messages). */
unsigned long ndjson_lineno(const struct ndjson_reader *r);
const char *ndjson_name(const struct ndjson_reader *r);

/* ---- output: stdout, fully buffered unless --unbuffered ---- */

void out_init(bool unbuffered);
/* Write one record (compact, one line).  Write errors are sticky and reported by out_finish. */
void out_record(json_t *rec);
/* Write one pre-serialised record line (`len` bytes, no newline). */
void out_raw(const char *line, size_t len);
/* Flush and close stdout; returns 0, or reports the write error and returns -1. */
int out_finish(void);

#endif
