/* metadata.h: package-level signals — a name one or two typos away from a popular project. */
#ifndef ANALYZE_METADATA_H
#define ANALYZE_METADATA_H

#include <jansson.h>
#include <stdbool.h>

#include "rules.h"

/* Popular project names, most downloaded first (data/top-pypi-packages-30-days.min.json). */
struct popular;

/* Load the list before sealing; NULL (with a warning) when it cannot be read. */
struct popular *popular_load(const char *path);
void popular_free(struct popular *p);

/*
 * An `artifact` record: a Typosquat hit when its package name imitates a popular one,
 * weighed by the rules' `typosquat:` rows.
 */
void metadata_check_artifact(const struct popular *p, const struct ruleset *rules,
			     const json_t *artifact);

#endif
