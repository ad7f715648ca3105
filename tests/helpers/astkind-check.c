/* astkind-check.c: lib/astkind's name lookup against every name and near misses (tests/03b-speed.bats). */
#include <stdio.h>
#include <string.h>

#include "astkind.h"

static int failures;

/* The kind of `name` must be `want`; otherwise say what it was. */
static void expect(const char *name, size_t n, enum ast_kind want)
{
	enum ast_kind got = ast_kind_from_name(name, n);
	if (got != want) {
		printf("'%.*s' (%zu bytes): got %d '%s', want %d '%s'\n", (int)n, name, n, got,
		       ast_kind_name(got), want, ast_kind_name(want));
		failures++;
	}
}

/* The kind named exactly `s`, or AST_UNKNOWN: a linear search, the reference. */
static enum ast_kind reference(const char *s, size_t n)
{
	for (int k = AST_UNKNOWN + 1; k < AST_KIND_COUNT; k++)
		if (strlen(ast_kind_name(k)) == n && memcmp(ast_kind_name(k), s, n) == 0)
			return (enum ast_kind)k;
	return AST_UNKNOWN;
}

int main(void)
{
	int names = 0, misses = 0;
	char buf[64];
	for (int k = AST_UNKNOWN + 1; k < AST_KIND_COUNT; k++) {
		const char *name = ast_kind_name(k);
		size_t n = strlen(name);
		expect(name, n, (enum ast_kind)k);
		names++;
		/* Each byte changed, the name cut by one, grown by one: the reference decides. */
		for (size_t i = 0; i < n; i++) {
			memcpy(buf, name, n);
			buf[i] ^= 0x20;
			expect(buf, n, reference(buf, n));
			misses++;
		}
		expect(name, n - 1, reference(name, n - 1));
		memcpy(buf, name, n);
		buf[n] = 's';
		expect(buf, n + 1, reference(buf, n + 1));
		misses += 2;
	}
	/* Lengths outside every name's, and bytes no name has. */
	expect("", 0, AST_UNKNOWN);
	expect("I", 1, AST_UNKNOWN);
	expect("AsyncFunctionDefX", 17, AST_UNKNOWN);
	expect("If\0", 3, AST_UNKNOWN);
	expect("\xff\xfe", 2, AST_UNKNOWN);
	memset(buf, 'A', sizeof buf);
	for (size_t n = 0; n <= sizeof buf; n++)
		expect(buf, n, AST_UNKNOWN);
	printf("%d names, %d near misses, %d failures\n", names, misses, failures);
	return failures != 0;
}
