/* err.c: error reporting in the "aura-X: message" form on stderr. */
#include <malloc.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aura.h"
#include "err.h"

const char *aura_progname = "aura";

void aura_set_progname(const char *argv0)
{
	const char *slash = strrchr(argv0, '/');
	aura_progname = slash ? slash + 1 : argv0;
}

static void vwarn(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
static void vwarn(const char *fmt, va_list ap)
{
	/* One fprintf call per line, so concurrent stages do not interleave mid-line. */
	char msg[4096];
	vsnprintf(msg, sizeof msg, fmt, ap);
	fprintf(stderr, "%s: %s\n", aura_progname, msg);
}

void aura_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

void aura_die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	exit(AURA_EXIT_FATAL);
}

/*
 * glibc gives the top of the heap back (brk) once 128 KiB of it is free, and serves blocks
 * from 128 KiB (after a free, up to 32 MiB) with mmap/munmap: a stage that builds each
 * record's tree and drops it (lib/arena.c's 1 MiB chunks, a line buffer, jsonw's output)
 * then faults every page in again for the next record.  On the standard library that
 * was 60,000 page faults and a fifth of aura-rewrite's CPU (bench/README.md, 2026-11-28).
 * Blocks up to 32 MiB (glibc's most) come from the heap, and up to 128 MiB of its free top
 * is kept: what a stage holds stays what its biggest record needed, which was its peak.
 */
void aura_malloc_keep(void)
{
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	mallopt(M_TRIM_THRESHOLD, 128 << 20);
}

void aura_oom(void)
{
	aura_die("out of memory");
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		aura_oom();
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		aura_oom();
	return p;
}

void *grow_stack(void *stack, const void *local, size_t *cap, size_t size)
{
	size_t old = *cap;
	if (old > SIZE_MAX / 2 / size)
		aura_oom();
	*cap = old * 2;
	if (stack != local)
		return xrealloc(stack, *cap * size);
	void *heap = xmalloc(*cap * size);
	memcpy(heap, local, old * size);
	return heap;
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);
	if (!p)
		aura_oom();
	return p;
}
