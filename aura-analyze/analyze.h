/* analyze.h: a record stream through aura-analyze's detections (main.c and the fuzz harness). */
#ifndef AURA_ANALYZE_H
#define AURA_ANALYZE_H

#include <stdbool.h>

struct ruleset;
struct popular;

/*
 * --drop ast: `ast` records (type exactly "ast") are read, checked and analysed but not
 * copied to the output; their hits still are.  Off by default: a stage passes records on.
 */
extern bool analyze_drop_ast;
/*
 * --drop base64-content: a `file` record whose content_encoding is "base64" is copied
 * without its "content" member (aura-score quotes only UTF-8 text; docs/protocol.md).
 */
extern bool analyze_drop_base64_content;

/* Read records from fd (named `name` in messages) to its end; write records and hits to stdout. */
void analyze_stream(int fd, const char *name, const struct ruleset *rules, const struct popular *popular);

#endif
