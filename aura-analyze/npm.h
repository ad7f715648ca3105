/* npm.h: npm install scripts (the lifecycle scripts npm runs by itself) against the string rules. */
#ifndef ANALYZE_NPM_H
#define ANALYZE_NPM_H

#include <jansson.h>

#include "rules.h"

/*
 * JavaScript is not analysed yet, but what npm runs on install is a shell command: each
 * lifecycle script is matched against the string rules as install-time code.  Scripts come
 * from the artifact record (`registry.install_scripts`, from aura-fetch) and from the
 * tarball's own `package/package.json` (what npm actually runs).
 */
void npm_check_artifact(const struct ruleset *rules, const json_t *artifact);
void npm_check_file(const struct ruleset *rules, const json_t *file);

#endif
