/* marks.h: what a call or def does besides its own name (`_marks`, `_command`, docs/rewrite.md). */
#ifndef REWRITE_MARKS_H
#define REWRITE_MARKS_H

#include <jansson.h>
#include <stdbool.h>

/* Not Python names: aura-analyze's call rules give them their detection (data/rules.yaml). */
#define MARK_BUILTINS_WRITE "__aura__.builtins_write"
#define MARK_BUILTIN_ALIAS "__aura__.builtin_alias"
#define MARK_DECODED_EXEC "__aura__.decoded_exec"
#define MARK_MODULE_REPLACED "__aura__.module_replaced"
#define MARK_PAYLOAD_TOO_DEEP "__aura__.payload_too_deep"

/* Add `name` to `node`'s `_marks` (once). */
void marks_add(json_t *node, const char *name);

/* Remove what an earlier run wrote (`_marks`, `_command`, `_called_at_definition`). */
void marks_clear(json_t *node);

/*
 * A call to `callee` (canonical name): a process call's list argument as one command line
 * (`_command`, with PowerShell -EncodedCommand text decoded); a library function handed to
 * a thread, timer or executor (marked with its name: it is called); setattr(builtins, NAME,
 * ...) with a computed NAME (marked MARK_BUILTINS_WRITE); exec/eval/compile of what a def
 * of the file (in `defs`, name -> FunctionDef) returns decoded (MARK_DECODED_EXEC).
 */
void marks_call(json_t *call, const char *callee, const json_t *defs);

/*
 * The words of a process call's command list (`subprocess.run([...])`, `args=[...]`): the
 * list's `elts`, or NULL when `callee` starts no process or its command is no list.
 */
json_t *marks_command_words(json_t *call, const char *callee);

/*
 * `sys.modules['name'] = K(...)`, K a class in `classes` (name -> ClassDef) that does not
 * derive from types.ModuleType: an installed module replaced (MARK_MODULE_REPLACED).
 */
void marks_assign(json_t *assign, const json_t *classes);

/*
 * A decorator that calls what it decorates at once: `@(lambda f: f())`, or `@run` where
 * `def run(f): f()` is in `module_defs` (name -> FunctionDef).  The def's body then runs
 * where the def is.
 */
bool marks_decorator_calls(const json_t *decorator, const json_t *module_defs);

#endif
