/* dest.h: the constant host a network call talks to (a hard-coded destination). */
#ifndef ANALYZE_DEST_H
#define ANALYZE_DEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Looks a variable up for dest_of_call: its constant host into buf, or false. */
typedef bool (*dest_lookup_fn)(const char *name, char *buf, size_t len, void *ctx);

/*
 * The host that `call` sends to when its destination is written in the code: the first
 * argument or a url=/host= keyword is a constant URL or host name, an f-string or
 * concatenation whose constant part names one ("https://x.example/{}", "{}.x.example"),
 * or (with `lookup`) a variable holding one.  Local and documentation hosts (localhost,
 * private addresses, example.com) do not count.  The host goes into `buf`.
 */
bool dest_of_call(const json_t *call, char *buf, size_t len, dest_lookup_fn lookup, void *ctx);

/* The host of a constant expression (as above) into buf, or false. */
bool dest_of_expr(const json_t *e, char *buf, size_t len, dest_lookup_fn lookup, void *ctx);

#endif
