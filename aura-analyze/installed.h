/* installed.h: the directories a package's setup installs, repository-looking ones (utils/, tools/) included. */
#ifndef ANALYZE_INSTALLED_H
#define ANALYZE_INSTALLED_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * repo_paths (data/rules.yaml) names directories a repository keeps beside its package
 * (utils/, tools/, scripts/), whose code is weighed as code the package does not install.
 * That is a guess from the name; the setup says what it installs.  What it declares is
 * collected here while the artifact's files go by (the order of the members is the
 * archive's: setup.py may come after utils/), and asked at its end:
 *   - setup.py: setup(packages=[...]), packages=find_packages(where, exclude, include) or
 *     find_namespace_packages(...), a name bound to either, the sum of several;
 *     package_dir={"": "src"} moves the root the listed names are found under;
 *   - setup.cfg: [options] packages = find: / find_namespace: / a list of names, with
 *     [options.packages.find] where, exclude, include; [options] package_dir = =src;
 *   - pyproject.toml: [tool.setuptools] packages = [...], [tool.setuptools.packages.find]
 *     (where, include, exclude; namespaces unless `namespaces = false`), package-dir;
 *     its automatic discovery (no packages key) leaves utils/, tools/, scripts/ out;
 *   - a wheel (a top-level NAME.dist-info/WHEEL member): every member outside the
 *     .dist-info and .data directories is installed as it lies.
 * Past 4096 declarations (a flood of names) every directory counts as installed.
 */
struct installed;

struct installed *installed_new(void);
void installed_free(struct installed *in);

/* Every member path of the artifact (`file` records): packages' __init__.py, a wheel's WHEEL. */
void installed_note_file(struct installed *in, const char *path);

/* setup.py at `setup_path` installs the package `name` ("utils", "utils.sub"), found under
 * `dir` (package_dir's "" entry, "" for setup.py's own directory). */
void installed_note_package(struct installed *in, const char *setup_path, const char *dir,
			    const char *name);

/* setup.py (or setup.cfg) at `setup_path` installs what find_packages() finds under `where`
 * ("" or "." for its own directory): `namespace` for find_namespace_packages(), which
 * needs no __init__.py; fnmatch patterns of dotted names to leave out and (when any) the
 * only ones to take. */
void installed_note_find(struct installed *in, const char *setup_path, const char *where,
			 bool namespace, char *const *exclude, size_t nexclude,
			 char *const *include, size_t ninclude);

/* setup.cfg's [options] packages, package_dir and [options.packages.find]; other files are
 * ignored.  `text` need not be NUL-terminated. */
void installed_scan_setup_cfg(struct installed *in, const char *path, const char *text, size_t len);

/* pyproject.toml's [tool.setuptools] packages and package-dir; other files are ignored, and
 * a file that does not parse declares nothing (the default guess stays). */
void installed_scan_pyproject(struct installed *in, const char *path, const char *text, size_t len);

/* setup.py's calls with a packages= keyword (setup(...)), anywhere in `node`: what they
 * install.  `bindings` (name -> [values], detect.c) resolves packages=PKGS; `guard`
 * (detect.h) bounds the walk, from `depth`. */
struct tree_guard;
void installed_scan_setup_py(struct installed *in, const char *path, const json_t *node,
			     const json_t *bindings, struct tree_guard *guard, int depth);

/*
 * Is the member `path` (a .py file) installed by what the artifact declares?  NULL when
 * not; else what installs it ("setup.py's find_packages()", "the wheel"), for a message.
 */
const char *installed_by(const struct installed *in, const char *path);

#endif
