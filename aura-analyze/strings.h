/* strings.h: string signatures — PCRE2 patterns and an entropy test over string constants. */
#ifndef ANALYZE_STRINGS_H
#define ANALYZE_STRINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "rules.h"

/* Bytes of one string that the patterns look at (a longer blob is matched on its head). */
#define STRINGS_MAX_SCAN (256 * 1024)
/* Zeroed bytes after a text handed to strings_scan: the JIT's vector reads stay inside. */
#define STRINGS_PAD 64

/*
 * Compile and JIT-compile `r->pattern` into `r->code` (before sealing: the JIT maps
 * executable memory).  False with the reason in `why` when the pattern is not valid.
 */
bool strings_compile(struct rule *r, char *why, size_t whylen);
void strings_free_rule(struct rule *r);

/* Shannon entropy of n bytes, in bits per byte (0 .. 8). */
double shannon_bits(const unsigned char *s, size_t n);

/* Called for each rule that matches: the matched text (for entropy rules, the whole string). */
typedef void (*string_match_fn)(const struct rule *r, const char *match, size_t len, void *ctx);

/*
 * Every rule of `rules` against the n bytes of `s` (not necessarily UTF-8): one call per
 * rule.  `s` should have STRINGS_PAD readable bytes after its end.
 */
void strings_scan(const struct rule_list *rules, const char *s, size_t n, string_match_fn fn,
		  void *ctx);

#endif
