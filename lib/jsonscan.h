/* jsonscan.h: checking a record line and finding its type without building it (pass-through). */
#ifndef AURA_JSONSCAN_H
#define AURA_JSONSCAN_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A stage that does not use a record type still has to know that a line of that type is a
 * record, and the same record to every later reader: a forged line must not slip through
 * because the stage only looked at its first bytes.  jsonscan answers exactly the question
 * jsonr_parse + "an object with a string type" answers (docs/protocol.md, "What is
 * checked"), without building anything: the same strict RFC 8259 syntax, strict UTF-8, no
 * raw control characters, paired surrogates, no \u0000 in a key, integers within int64,
 * reals within a double, nesting up to JSONR_MAX_DEPTH, and no key repeated in any object
 * at any depth (keys compared after decoding escapes, as jsonr does).
 *
 * It says only whether the line is valid, never why: for an invalid line the caller parses
 * it with jsonr, whose message is the one every stage gives.  The scratch it needs (a stack
 * of open containers and their keys) lives in the struct and is reused from line to line,
 * so a scan allocates nothing once it has seen its deepest line.
 */

struct jsonscan;

struct jsonscan *jsonscan_new(void);
void jsonscan_free(struct jsonscan *s);

#define JSONSCAN_TYPE_MAX 40	/* bytes of a record's type kept in jsonscan_type.name */

/* The top-level "type" of a record, decoded. */
struct jsonscan_type {
	char name[JSONSCAN_TYPE_MAX + 1];	/* its first bytes, NUL-terminated */
	size_t len;	/* its whole decoded length (name holds min(len, MAX) bytes) */
	bool has_nul;	/* it decodes to text holding a NUL (a \u0000 escape) */
};

enum jsonscan_result {
	JSONSCAN_INVALID,	/* not a record jsonr would read (parse it to learn why) */
	JSONSCAN_RECORD,	/* the whole line checked: a record; its type in *type */
	JSONSCAN_WANTED,	/* its type is one of `wanted`: the scan stopped there, unchecked */
};

/*
 * Check line[0, len) (no newline).  With `wanted` (a NULL-terminated list of types, or
 * NULL for none), a line whose top-level type turns out to be one of them is not checked
 * further: the caller builds it with jsonr, which checks all of it.
 */
enum jsonscan_result jsonscan_line(struct jsonscan *s, const char *line, size_t len,
				   const char *const *wanted, struct jsonscan_type *type);

/*
 * A top-level field of a record whose value a reader wants without building the record:
 * where its value lies in the line (a string with its quotes, a container with its
 * brackets), to be read with jsonr_parse or kept as bytes.
 */
struct jsonscan_field {
	const char *key;	/* in: the key, as its decoded bytes (NUL-terminated) */
	const char *value;	/* out: the value's first byte; NULL when the key is absent */
	size_t len;		/* out: the value's bytes */
};

/*
 * jsonscan_line that also finds the values of `fields` (n of them) in the record's own
 * object.  They are meaningful only when the result is JSONSCAN_RECORD: then the line was
 * checked whole, so no key is repeated and each value is valid JSON.
 */
enum jsonscan_result jsonscan_line_fields(struct jsonscan *s, const char *line, size_t len,
					  const char *const *wanted, struct jsonscan_type *type,
					  struct jsonscan_field *fields, size_t n);

/* True when `type` is exactly `name` (and not "name\0..."). */
bool jsonscan_type_is(const struct jsonscan_type *type, const char *name);

#endif
