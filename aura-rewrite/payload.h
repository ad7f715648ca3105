/* payload.h: code handed to exec/eval/compile as a known constant: parsed and attached. */
#ifndef REWRITE_PAYLOAD_H
#define REWRITE_PAYLOAD_H

#include <jansson.h>
#include <stdbool.h>

#include "value.h"

/* Most decoded source kept in `_payload_source` (the whole text is still parsed). */
#define PAYLOAD_SOURCE_CAP (16 * 1024)

/* Create the parser, before the sandbox is entered (fatal when its grammar fails to load). */
bool payload_init(void);
void payload_free(void);

/*
 * Annotate `call` with the decoded text `code` (str or bytes): `_payload_source`, and
 * `_payload`: the parsed Module, to be rewritten by the caller.  Returns that Module
 * (borrowed from the call), or NULL when there is no tree (the parse timed out).
 */
json_t *payload_attach(json_t *call, const struct val *code, unsigned depth);

/* Parse `src` (n bytes) with the payload parser: the Module tree, or NULL (timed out, no parser). */
json_t *payload_parse(const char *src, size_t n);

/* payload_parse, and whether the text parsed cleanly (no syntax error, nothing cut). */
json_t *payload_parse_checked(const char *src, size_t n, bool *clean);

/* Remove `call`'s `_payload` (from an earlier run), without a recursive release. */
void payload_detach(json_t *call);

#endif
