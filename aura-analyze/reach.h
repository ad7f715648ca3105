/* reach.h: which module-level functions and methods run when the module's top level runs. */
#ifndef ANALYZE_REACH_H
#define ANALYZE_REACH_H

#include <jansson.h>
#include <stdbool.h>

/* Every function and method of a file is tracked (the tables grow with the file). */

struct reach;
struct tree_guard;

/*
 * The call graph of one module (and of the payload modules aura-rewrite decoded inside
 * it): a top-level function called from top-level code, or handed to something that calls
 * it (`Thread(target=f)`, `atexit.register(f)`), is reached, and so is every function its
 * body calls; a function a decorator registers on an object as an event handler
 * (`@bot.message_handler(...)`, `@client.event`, `@app.route("/")`) is reached where that
 * object's event loop is started (`bot.polling()`, `client.run(token)`, `app.run()`); a class instantiated there reaches its `__init__`/`__new__`/`__call__`, and
 * `self.m()` in a reached method reaches method `m` of the same class.  Without
 * `main_runs`, the body of an `if __name__ == '__main__':` at top level is not top-level code.  Every method of a class named in `root_classes` (setup commands, which
 * setuptools calls) is reached too, and so is each function named in `root_defs` (a def
 * setup.py assigns over a setup command's method: `install.run = f`).  Every walk checks `guard` (detect.h), which
 * remembers a cut for the caller to report.
 */
struct reach *reach_build(const json_t *module, struct tree_guard *guard, bool main_runs,
			  const char *const *root_classes, size_t nroots,
			  const char *const *root_defs, size_t nroot_defs);

/*
 * `if __name__ == '__main__':` — its body runs when the file is run as a script (setup.py
 * is), not when it is imported.
 */
bool reach_is_main_guard(const json_t *node);
void reach_free(struct reach *r);

/*
 * Is `def` (a module-level FunctionDef node of the tree) registered by a decorator on an
 * object as an event handler (`@bot.message_handler(...)`)?  Its arguments come from the
 * events the loop receives: a chat message, an HTTP request.
 */
bool reach_is_handler(const struct reach *r, const json_t *def);

/*
 * When `def` (a FunctionDef node of the tree) is reached from top-level code: the chain
 * that reaches it, "main() → run()" (malloc'd).  NULL when it is not reached.
 */
char *reach_chain(const struct reach *r, const json_t *def);

#endif
