/* deps.h: dependencies fetched straight from URLs, in the files pip reads them from. */
#ifndef ANALYZE_DEPS_H
#define ANALYZE_DEPS_H

#include <jansson.h>

#include "rules.h"

/*
 * A `file` record: setup.cfg, pyproject.toml, PKG-INFO, METADATA or an egg-info's
 * requires.txt.  Each PEP 508 `name @ URL` requirement in it (also poetry's
 * `name = { git = "URL" }` / `{ url = "URL" }`) is the fact `requires.url`, each
 * setup.cfg `dependency_links` entry `dependency_links.url`, for the `files:` rules; the
 * hit names the requirement.  `format`, the artifact's, says where its root is (an
 * archive's top directory); files of a nested project weigh as function context.
 */
void deps_check_file(const struct ruleset *rules, const json_t *file, const char *format);

/*
 * An `ast` record of a setup.py: each constant string of a `dependency_links=[...]`
 * keyword is the fact `dependency_links.url`.
 */
void deps_check_ast(const struct ruleset *rules, const json_t *ast);

#endif
