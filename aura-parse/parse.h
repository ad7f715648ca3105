/* parse.h: one `file` record in, the same record and its `ast` record (or an error) out. */
#ifndef AURA_PARSE_PARSE_H
#define AURA_PARSE_PARSE_H

#include <jansson.h>
#include <stddef.h>

#include "jsonw.h"
#include "ndjson.h"
#include "pyparse/pyparse.h"

struct parse_ctx {
	struct pyparse *pp;
	struct jsonw out;	/* the `ast` line being built, reused from file to file */
	unsigned max_depth;	/* --max-depth: AST levels kept */
	unsigned long timeout_ms;	/* --timeout-ms: 0 = no limit */
	size_t max_source;	/* --max-source: bigger sources are not parsed */
};

/* Create the Python parser (lib/pyparse/pyparse.h); fatal when the grammar does not load. */
void parse_ctx_init(struct parse_ctx *pc);
void parse_ctx_free(struct parse_ctx *pc);

/* records_run callback: copy the record, and after a Python `file` add its `ast`. */
void parse_record(json_t *rec, struct ndjson_reader *r, void *ctx);

#endif
