/* fetch.h: turning a target (a local path for now) into an artifact record. */
#ifndef AURA_FETCH_H
#define AURA_FETCH_H

#include <jansson.h>
#include <stddef.h>

struct fetch_limits {
	size_t max_files;	/* files in a directory target */
};

/*
 * Resolve one target and write its `artifact` record, or an `error` record naming it.
 * Returns 0 when an artifact was emitted, -1 when the target could not be scanned.
 */
int fetch_target(const char *target, const struct fetch_limits *limits);

/* What the archive bytes say it is: "tar.gz", "zip", ... or NULL for a plain file. */
const char *archive_format(const unsigned char *head, size_t n, const char *name);

/* Package name and version from a distribution file name (sdist, wheel, egg); NULL if none. */
void package_name_version(const char *basename, json_t *artifact);

#endif
