/* budget.h: the limits every static evaluation runs under (value size, work, depth). */
#ifndef REWRITE_BUDGET_H
#define REWRITE_BUDGET_H

#include <stdbool.h>
#include <stddef.h>

/*
 * One budget per tree.  Crossing a limit never aborts the walk: the evaluation that
 * crossed it gives "unknown", the node stays as it was, and `why` says what happened so
 * the caller can report an EvaluationBudget hit at that node.
 */
struct budget {
	size_t max_value;		/* biggest str/bytes/container one operation may build */
	unsigned long steps_left;	/* work units left for the whole tree (about one per byte) */
	unsigned max_payload_depth;	/* exec(...) inside exec(...): layers followed */
	char *why;			/* set when a limit was crossed; budget_report_done frees it */
	bool exhausted;			/* steps ran out: nothing more is evaluated in this tree */
};

struct budget_limits {
	size_t max_value;
	unsigned long max_steps;
	unsigned max_payload_depth;
};

extern struct budget_limits budget_defaults;

void budget_init(struct budget *b);
/* The reporter has read `why`: forget it, so the next limit crossed is reported too. */
void budget_report_done(struct budget *b);
/* Spend `units` of work; false (and `why`) when the tree's allowance is gone. */
bool budget_charge(struct budget *b, unsigned long units);
/* May an operation build a value of `n` bytes (or items)?  false (and `why`) when not. */
bool budget_size_ok(struct budget *b, size_t n, const char *what);
/* Record why an evaluation stopped (printf-style), for the hit. */
void budget_fail(struct budget *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
