/* netguard.h: what makes a build's download benign: a pinned digest checked before use, an opt-in switch. */
#ifndef ANALYZE_NETGUARD_H
#define ANALYZE_NETGUARD_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "detect.h"
#include "rules.h"

/*
 * Is the network call `call` (inside def `func`, or at the top level of `module` when
 * func is NULL) a download whose bytes are checked against a pinned digest before they
 * are used?  A check is a comparison (==, !=, hmac.compare_digest) between a digest
 * computed at run time (hashlib, .hexdigest(), .digest()) and a constant of 32 to 128
 * hex digits (written there, or in a variable, dict or list holding only such
 * constants), in an `assert` or in an `if` that raises, exits or returns; or a call,
 * given such a constant, of a def of the module that compares digests.  It must come
 * after the download and before any code or process sink (rules' taint sinks `code`
 * and `process`) of the same body; when the def holding the download does not check,
 * every call of that def in the module must be followed by a check in its caller.
 */
bool netguard_verified(const struct ruleset *rs, const json_t *module, const json_t *func,
		       const json_t *call, struct tree_guard *guard);

/*
 * Is the download `call` unpacked as an archive (tarfile.open, zipfile.ZipFile,
 * .extractall, shutil.unpack_archive) after it, with no code or process sink, import,
 * runpy or sys.path change after it in the same body (or, when its def unpacks nothing,
 * in the body of every caller after the call)?  What a build does with a source tarball
 * it then compiles; a download that is run is a Dropper or RemoteCodeExecution flow.
 */
bool netguard_extracted(const struct ruleset *rs, const json_t *module, const json_t *func,
			const json_t *call, struct tree_guard *guard);

/*
 * Is `call` made only when the user turns an environment switch on?  It is in the body
 * (not the else) of an `if` whose test is a positive environment switch — a variable
 * read with no default or a false one (os.environ.get("X_STATIC"), os.getenv("X") ==
 * "1", "X" in os.environ, a name assigned only such tests), and not a variable the
 * environment sets by itself (network.ambient_env: CI, HOME); `not`, `!=` and `or` with
 * anything else are no switch — or every call of its def in the module is (followed
 * through callers a few levels).  The switch's name goes into `var`.
 */
bool netguard_opt_in(const struct ruleset *rs, const json_t *module, const json_t *func,
		     const json_t *call, struct tree_guard *guard, char *var, size_t len);

#endif
