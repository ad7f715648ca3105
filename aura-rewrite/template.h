/* template.h: code text built from literal templates and counted integers: a sample of it. */
#ifndef REWRITE_TEMPLATE_H
#define REWRITE_TEMPLATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Where an integer the code does not fix (a count) was written into the sample, in bytes. */
struct template_hole {
	size_t off, len;
};

/* Sample text of the code: one sample per representative count, one per line. */
struct template_sample {
	char *text;
	size_t len;
	struct template_hole *holes;
	size_t nholes;
};

/*
 * The text `arg` (the first argument of the exec/eval/compile `call`) has in the def whose
 * statements are `body`, when it is built only from string literals (and itself) with
 * `%` (%s, %d, %i), `+`, `str.join` and f-strings, every other piece an integer (a
 * `range`/`enumerate` index, `len()`, int arithmetic) written in decimal.  Counts the
 * code does not fix (`range(len(f))`) take 1, 2 and 3 in turn: one sample per line.
 * False when any piece is something else (a subscript, chr(), a condition, a parameter).
 */
bool template_sample(const json_t *body, const json_t *call, const json_t *arg,
		     struct template_sample *out);
void template_sample_free(struct template_sample *s);

/*
 * The sample's rewritten Module `tree` uses each integer it holds only to name its own
 * variables (`lambda v, f0=f[0]: f0(v)`) or as the index of a value it does not compute:
 * never inside a string, an attribute, a free name or anything the evaluator folds.
 */
bool template_holes_ok(const json_t *tree, const struct template_sample *s);

#endif
