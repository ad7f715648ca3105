/* pyc.h: a .pyc's marshalled code objects read back as Python-like source for the analysis. */
#ifndef AURA_PARSE_PYC_H
#define AURA_PARSE_PYC_H

#include <stdbool.h>
#include <stddef.h>

/* What pyc_recover learnt besides the text. */
struct pyc_report {
	char version[8];	/* "3.11", from the magic number; "" when not one we read */
	unsigned code_objects;	/* code objects recovered */
	bool malformed;		/* the marshal data is broken: `error` says where */
	bool cut;		/* a limit (size, nesting, objects) left part unrecovered */
	char error[160];	/* why nothing or not everything was recovered */
};

/*
 * The module code object of the .pyc bytes p[0, n) (CPython 3.7-3.13: magic, flags, 8 header
 * bytes, then marshal data) rendered as Python source: imports, assignments, calls, defs and
 * classes rebuilt from the bytecode as far as a simple stack model follows it, every string
 * constant kept.  Nothing is executed.  Malloc'd and NUL-terminated, at most `max_out`
 * bytes (then rep->cut); NULL when the header is not one of those versions or the data is
 * unreadable from its start (rep->error says why).
 */
char *pyc_recover(const unsigned char *p, size_t n, size_t max_out, struct pyc_report *rep);

#endif
