/* rewrite.h: one `ast` record rewritten, and the hit records that go after it. */
#ifndef REWRITE_REWRITE_H
#define REWRITE_REWRITE_H

#include <jansson.h>

/*
 * Rewrite the tree of the `ast` record `rec` in place (resolve.h says how) and return the
 * hit records to write after it, as a new array the caller releases.  NULL when `rec` has
 * no tree object: it is then left as it was, and *why says so.  A record rewritten before
 * (`_rewritten` on its root) gives no hits again: they are already in the stream.
 */
json_t *rewrite_ast_record(json_t *rec, const char **why);

#endif
