/* xref.h: cross-file reachability — a package's own function that install or import code calls. */
#ifndef ANALYZE_XREF_H
#define ANALYZE_XREF_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "rules.h"

/* The pseudo-def holding what `if __name__ == "__main__":` runs (a script's main block). */
#define XREF_MAIN_DEF "__main__"

/* The kept hits, edges and aliases grow with the artifact (its size bounds them): a cap
 * would let a package push the call that matters past it. */

/*
 * Files arrive one at a time, so a call in setup.py to `pkg.mod.f` cannot be followed when
 * it is seen.  Instead: the hits found inside a module-level def that nothing in its own
 * file runs are kept (a copy, with their rule), and every call the package makes to a name
 * is kept as an edge (from top-level code, with its context, or from a def).  At
 * artifact_end the edges are followed from the top-level ones; each kept hit of a def
 * they reach is emitted again in the caller's context ("cross-file").  aura-score keeps
 * the higher-scoring copy of a finding, so the upgrade replaces the function-context hit.
 */
struct xref;
struct tree_guard;

struct xref *xref_new(const char *artifact);
void xref_free(struct xref *x);
/* The artifact the state is for. */
const char *xref_artifact(const struct xref *x);
/* What the artifact's setup installs (installed.c): told while its files go by, asked at
 * xref_finish, whose hits of a repo_paths directory the setup installs weigh again as the
 * package's code. */
struct installed *xref_installed(struct xref *x);

/* A new `ast`: its path gives the module name; its imports give local names (a walk
 * of the tree that checks `guard`, detect.h). */
void xref_begin_file(struct xref *x, const char *path, const json_t *tree, struct tree_guard *guard);

/*
 * A call to `callee` in the current file: from top-level code in context `c` when `def`
 * is NULL, else from module-level def `def`.  `resolved`: the name is aura-rewrite's
 * canonical one; otherwise the file's relative imports and defs qualify it.
 */
void xref_note_call(struct xref *x, const char *callee, bool resolved, const char *def,
		    enum context c);

/* A console-script entry point "pkg.mod:func": a root in context `c`. */
void xref_note_entry(struct xref *x, const char *target, enum context c);

/* A function something outside the code runs ("pkg.mod:f" or "pkg.mod.f"), `where` naming
 * that something in the chain ("a console script", "the in-tree build backend"). */
void xref_note_root(struct xref *x, const char *target, const char *where, enum context c);

/* The module `module`, in directory `dir` relative to the file `path` (pyproject.toml's
 * in-tree build backend and its backend-path), is imported at install time: its top level is
 * install-time code.  A run the artifact has no file for is dropped (an installed backend). */
void xref_note_backend(struct xref *x, const char *path, const char *dir, const char *module);

/*
 * The console and GUI scripts that `entry_points.txt`, `setup.cfg` ([options.entry_points])
 * or `pyproject.toml` ([project.scripts]) declare, as roots in context `c`; other files
 * are ignored.  `text` need not be NUL-terminated.
 */
void xref_scan_entry_points(struct xref *x, const char *path, const char *text, size_t len,
			    enum context c);

/* A hit (copied) found inside module-level def `def` of the current file, context function. */
void xref_keep_hit(struct xref *x, const char *def, const struct rule *r, bool fixed,
		   const json_t *hit);

/*
 * A hit (copied) of the top level of the current file: when another file runs this one
 * (xref_note_run_file), it is emitted again in that file's context.
 */
void xref_keep_top_hit(struct xref *x, const struct rule *r, bool fixed, const json_t *hit);

/*
 * Top-level code of the current file in context `c` runs the package file `relpath`
 * (relative to the current file's directory) as code: exec(open(relpath).read()).  The
 * file's own top-level hits (and what its top level calls) then weigh in context `c`.
 * `fallback` (copied; may be NULL) is emitted instead when the artifact has no such file:
 * then what runs is not known.
 */
void xref_note_run_file(struct xref *x, const char *relpath, enum context c, const json_t *fallback);

/*
 * Code of the current file in context `c` (not function) imports `module`: the top level
 * of the package file it names runs then, like a file run as code.
 */
void xref_note_import(struct xref *x, const char *module, enum context c);

/* Follow the edges and emit (out_record) the upgraded hits; then the state is spent. */
void xref_finish(struct xref *x);

#endif
