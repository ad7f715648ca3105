/* budget.c: the limits every static evaluation runs under (value size, work, depth). */
#include <stdarg.h>
#include <stdlib.h>

#include "budget.h"
#include "strbuf.h"

/* Defaults, changed by aura-rewrite's options. */
struct budget_limits budget_defaults = {
	.max_value = 4u << 20,		/* 4 MiB: a real payload is far smaller */
	.max_steps = 64ul << 20,	/* ~64 M byte-operations per file: well under a second */
	.max_payload_depth = 8,
};

void budget_init(struct budget *b)
{
	*b = (struct budget){
		.max_value = budget_defaults.max_value,
		.steps_left = budget_defaults.max_steps,
		.max_payload_depth = budget_defaults.max_payload_depth,
	};
}

void budget_fail(struct budget *b, const char *fmt, ...)
{
	if (b->why)	/* the first reason is the one worth reporting */
		return;
	va_list ap;
	va_start(ap, fmt);
	b->why = xvasprintf(fmt, ap);
	va_end(ap);
}

void budget_report_done(struct budget *b)
{
	free(b->why);
	b->why = NULL;
}

bool budget_charge(struct budget *b, unsigned long units)
{
	if (b->exhausted)
		return false;
	if (units < b->steps_left) {
		b->steps_left -= units;
		return true;
	}
	b->steps_left = 0;
	b->exhausted = true;
	budget_fail(b, "evaluation work limit (%lu steps) reached: the rest of the file is not evaluated",
		    budget_defaults.max_steps);
	return false;
}

bool budget_size_ok(struct budget *b, size_t n, const char *what)
{
	if (n <= b->max_value)
		return budget_charge(b, n / 16 + 1);
	budget_fail(b, "%s would build %zu bytes, over the %zu-byte value limit", what, n,
		    b->max_value);
	return false;
}
