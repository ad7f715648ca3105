/* taint.h: data flow from sensitive sources to network, code and process sinks, per module. */
#ifndef ANALYZE_TAINT_H
#define ANALYZE_TAINT_H

#include <jansson.h>

#include "reach.h"
#include "rules.h"
#include "source.h"
#include "xref.h"

struct tree_guard;

/* Where the hits go and how a def's context is found. */
struct taint_site {
	const struct ruleset *rules;
	const char *artifact, *path, *file;
	struct source *src;
	enum context top;		/* the context of the module's top level */
	const struct reach *reach;	/* defs the top level runs: their flows weigh as top level */
	char *const *hook_classes;	/* setup commands: their methods run at install time */
	size_t nhook_classes;
	bool test_code;			/* test or example code: says so in the message */
	bool repo_code;			/* a repository script the package does not install */
	struct xref *xref;		/* flows in uncalled defs, kept for cross-file reach */
	struct tree_guard *guard;	/* the tree's depth guard (detect.h) */
};

/* Emit one hit per flow rule whose sources reach its sink in `module`. */
void taint_module(const struct taint_site *site, const json_t *module);

#endif
