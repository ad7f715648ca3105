/* pyproject.h: PEP 517 in-tree build backends (`build-backend` with `backend-path`). */
#ifndef ANALYZE_PYPROJECT_H
#define ANALYZE_PYPROJECT_H

#include <stddef.h>

#include "xref.h"

/*
 * pyproject.toml's [build-system]: when `backend-path` puts the backend in the source tree,
 * pip imports that module and calls its hooks while installing, so its top level and its
 * PEP 517 hooks (build_wheel, ...) are install-time roots for xref.  Other files: nothing.
 */
void pyproject_scan_backend(struct xref *x, const char *path, const char *text, size_t len);

#endif
