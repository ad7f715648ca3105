/* files.h: signals in the members themselves — start-up hooks, disguised archives, secrets. */
#ifndef ANALYZE_FILES_H
#define ANALYZE_FILES_H

#include <jansson.h>

#include "rules.h"

/*
 * A `file` record against the `files:` rules: one hit per rule a fact of the member
 * matches.  `artifact_format` (the artifact record's `format`) tells an sdist from a
 * wheel or a .deb, where native libraries belong.
 */
void files_check(const struct ruleset *rules, const json_t *file, const char *artifact_format);

/* One fact found later than the member's own record (bytecode.c): its rule's hit, if any. */
void files_check_fact(const struct ruleset *rules, const json_t *file, const char *fact);

#endif
