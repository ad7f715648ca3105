/* pth.h: a .pth file's `import` lines (run by site at every start-up) as Python to analyse. */
#ifndef REWRITE_PTH_H
#define REWRITE_PTH_H

#include <jansson.h>

/*
 * For a `file` record of kind `pth` with `pth_has_code`: an `ast` record (artifact, file,
 * path of the .pth) whose tree is the lines site runs, parsed (others left empty: line
 * numbers are the file's).  NULL for any other record, or when the lines do not parse
 * in time (then aura-analyze's StartupHook fact still stands).
 */
json_t *pth_ast_record(const json_t *file);

#endif
