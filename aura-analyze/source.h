/* source.h: the last `file` record's content, kept to quote evidence for its `ast` record. */
#ifndef ANALYZE_SOURCE_H
#define ANALYZE_SOURCE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define EVIDENCE_MAX 200	/* bytes of source quoted in a hit */

/*
 * aura-parse emits each `file` record right before its `ast` record, so keeping one file's
 * bytes is enough; an `ast` whose file id differs simply gets no evidence.
 */
struct source {
	char *file_id;
	unsigned char *bytes;	/* the content; its base64 text while `encoded` */
	size_t len;
	bool encoded;		/* decoded on the first quote: most kept files are never quoted */
	size_t *line_start;	/* offsets of each line's first byte, built on first use */
	size_t nlines;
};

/* Replace the kept content by that of file record `rec` (nothing kept if it has none). */
void source_keep(struct source *src, const json_t *rec);
void source_clear(struct source *src);
/* Keep `text` as file `file_id`'s content: the source aura-parse recovered from a .pyc. */
void source_keep_text(struct source *src, const char *file_id, const char *text, size_t len);

/*
 * The source text from (line, col) to (end_line, end_col), ast positions (1-based lines,
 * 0-based byte columns), as valid UTF-8 of at most EVIDENCE_MAX bytes ("…" when cut).
 * Malloc'd, or NULL when `file_id` is not the kept file or the span is outside it.
 */
char *source_evidence(struct source *src, const char *file_id, long line, long col,
		      long end_line, long end_col);

/* The file name of a member path: after its last '/' or '!' (a!b: a nested archive's member). */
const char *source_base_name(const char *path);

/*
 * The line of text at *p (before `end`), whole and NUL-terminated (malloc'd), *p moved past
 * its newline; NULL once *p reaches `end`.  For the config files read line by line
 * (pyproject.toml, setup.cfg, entry_points.txt): a long line is never cut.
 */
char *source_next_line(const char **p, const char *end);

#endif
