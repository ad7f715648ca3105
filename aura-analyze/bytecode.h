/* bytecode.h: .pyc members without the source they were compiled from. */
#ifndef ANALYZE_BYTECODE_H
#define ANALYZE_BYTECODE_H

#include <jansson.h>

#include "rules.h"

struct bytecode;

struct bytecode *bytecode_new(void);
void bytecode_free(struct bytecode *b);

/* Remember a `file` record: the .py paths of the artifact, and its .pyc members. */
void bytecode_note(struct bytecode *b, const json_t *file);

/*
 * At the artifact's end (archive order puts a .py before or after its .pyc): each .pyc
 * whose source (`pkg/m.py` for `pkg/m.pyc` or `pkg/__pycache__/m.cpython-311.pyc`) the
 * artifact lacks is the fact `pyc.no_source` for the `files:` rules.
 */
void bytecode_finish(struct bytecode *b, const struct ruleset *rules);

#endif
