/* payload.h: code handed to exec/eval/compile, or to python -c, as a known constant: parsed and attached. */
#ifndef REWRITE_PAYLOAD_H
#define REWRITE_PAYLOAD_H

#include <jansson.h>
#include <stdbool.h>

#include "value.h"

/* Most decoded source kept in `_payload_source` (the whole text is still parsed). */
#define PAYLOAD_SOURCE_CAP (16 * 1024)

/* Create the parser, before the sandbox is entered (fatal when its grammar fails to load). */
bool payload_init(void);
void payload_free(void);

/*
 * Annotate `call` with the decoded text `code` (str or bytes): `_payload_source`, and
 * `_payload`: the parsed Module, to be rewritten by the caller.  Returns that Module
 * (borrowed from the call), or NULL when there is no tree (the parse timed out).
 */
json_t *payload_attach(json_t *call, const struct val *code, unsigned depth);

/* Parse `src` (n bytes) with the payload parser: the Module tree, or NULL (timed out, no parser). */
json_t *payload_parse(const char *src, size_t n);

/* payload_parse, and whether the text parsed cleanly (no syntax error, nothing cut). */
json_t *payload_parse_checked(const char *src, size_t n, bool *clean);

/* Remove `call`'s `_payload` (from an earlier run), without a recursive release. */
void payload_detach(json_t *call);

/*
 * A process call running the interpreter on code of its command line
 * (`subprocess.run([sys.executable, "-sS", "-c", CODE])`, also "python3" by name): the
 * word that holds CODE, or NULL.  A shell or `executable=` keyword, a script, `-m` or an
 * option not known to take no value is no such call.
 */
json_t *payload_interpreter_code(json_t *call, const char *callee);

/*
 * The same in shell text (`os.system("python3 -c 'import sys; print(sys.prefix)'")`,
 * `subprocess.run(S, shell=True)`): when `cmd`, the folded first argument, is one simple
 * command (quotes, no expansion, pipe, list or redirection) running the interpreter on
 * `-c CODE`, CODE as a new value carrying `cmd`'s rules; else NULL.
 */
struct val *payload_shell_code(const json_t *call, const char *callee, const struct val *cmd);

#endif
