/* record.h: building and reading protocol records (hit, error, ids, byte encodings). */
#ifndef AURA_RECORD_H
#define AURA_RECORD_H

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ndjson.h"

/* A new record {"type": type, "v": 1}. */
json_t *record_new(const char *type);

/* The string at `key`, or NULL when absent or not a string. */
const char *record_str(const json_t *rec, const char *key);
/* The integer at `key`, or `fallback`. */
json_int_t record_int(const json_t *rec, const char *key, json_int_t fallback);
bool record_is(const json_t *rec, const char *type);

/* A new error record {"type":"error","stage":..,"artifact":..,"path":..,"message":..}. */
json_t *error_record_new(const char *artifact, const char *path, const char *message);

/*
 * Emit an error record {"type":"error","stage":..,"artifact":..,"path":..,"message":..}
 * and say the same on stderr.  `artifact` and `path` may be NULL.
 */
void record_error(const char *artifact, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same, `lead` ("" for none) written before the message: for a stage's own error
 * functions that count, then report ("cannot handle this lock entry: " …). */
void record_verror(const char *artifact, const char *path, const char *lead, const char *fmt,
		   va_list ap) __attribute__((format(printf, 4, 0)));

/* Severity names, in increasing order; severity_rank("high") == 3, unknown == -1. */
extern const char *const severity_names[5];
int severity_rank(const char *severity);

/*
 * The ranges of the record fields Aura acts on (docs/protocol.md, "Field ranges").  A field
 * outside its range makes the record malformed: the reader reports it as an error for the
 * record's artifact, and never clamps, guesses or silently drops it.
 */
#define HIT_SCORE_MAX		1000		/* a hit's score: an integer 0..1000, as in rules */
#define HIT_POSITION_MAX	2147483647LL	/* line and col: integers 0..2^31-1 */
#define HIT_DETECTION_MAX	256		/* bytes of a detection name (at least 1) */
#define HIT_TAGS_MAX		64		/* tags of one hit, each 1..HIT_TAG_MAX bytes */
#define HIT_TAG_MAX		128

/*
 * Check the fields of `rec` that have a range (by its type; types without rules pass).
 * True when all are in range; else false and `why` says which field and what it held.
 */
bool record_fields_valid(const json_t *rec, char *why, size_t whylen);

/*
 * A hit record with the pinned fields.  `path` may be NULL; line/col 0 means "none".
 * The caller may add fields (tags, evidence, ...) before writing it.
 */
json_t *hit_new(const char *artifact, const char *detection, int score, const char *severity,
		const char *path, long line, long col, const char *message);

/* Process every record of `r`: bad lines become error records, the rest go to `fn`. */
typedef void (*record_fn)(json_t *rec, struct ndjson_reader *r, void *ctx);
void records_run(struct ndjson_reader *r, record_fn fn, void *ctx);

/* ---- bytes ---- */

/* Length of the valid UTF-8 sequence at s (n bytes available), or 0 when invalid. */
size_t utf8_sequence(const unsigned char *s, size_t n);
bool utf8_valid(const void *p, size_t n);
/* n bytes with each invalid UTF-8 byte replaced by U+FFFD: malloc'd, NUL-terminated. */
char *utf8_lossy(const char *s, size_t n, size_t *out_len);
/* A JSON string of n bytes with each invalid UTF-8 byte replaced by U+FFFD; never NULL. */
json_t *json_string_lossy(const char *s, size_t n);
/* Base64 (RFC 4648, padded) of n bytes, NUL-terminated, malloc'd. */
char *base64_encode(const void *p, size_t n);
/* Decode base64; returns malloc'd bytes and sets *out_len, or NULL if malformed. */
unsigned char *base64_decode(const char *s, size_t len, size_t *out_len);

/* Incremental SHA-256 as lowercase hex. */
struct sha256_state { uint8_t opaque[128]; };
void sha256_begin(struct sha256_state *st);
void sha256_add(struct sha256_state *st, const void *p, size_t n);
void sha256_end(struct sha256_state *st, char hex[65]);
void sha256_hex(const void *p, size_t n, char hex[65]);

/*
 * Content as the protocol carries it: sets `key` to the text when it is valid UTF-8
 * (and key+"_encoding" to "utf-8"), otherwise to base64 (encoding "base64").
 */
void record_set_bytes(json_t *rec, const char *key, const void *p, size_t n);
/* The bytes of such a field (decoded when base64); malloc'd, or NULL when absent/bad. */
unsigned char *record_get_bytes(const json_t *rec, const char *key, size_t *len);

#endif
