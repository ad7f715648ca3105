/* strings.c: string signatures — PCRE2 patterns and an entropy test over string constants. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <math.h>
#include <pcre2.h>
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "strings.h"

/* Backtracking bounds: a hostile string must not make one pattern run for minutes. */
#define MATCH_LIMIT 200000
#define DEPTH_LIMIT 10000

static pcre2_match_data *match_data;
static pcre2_match_context *match_ctx;

bool strings_compile(struct rule *r, char *why, size_t whylen)
{
	int code;
	PCRE2_SIZE at;
	/* Strings may be bytes: invalid UTF-8 must simply not match, not fail the match. */
	pcre2_code *re = pcre2_compile((PCRE2_SPTR)r->pattern, PCRE2_ZERO_TERMINATED,
				       PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code, &at, NULL);
	if (!re) {
		PCRE2_UCHAR msg[200];
		pcre2_get_error_message(code, msg, sizeof msg);
		snprintf(why, whylen, "%s at offset %zu", (char *)msg, (size_t)at);
		return false;
	}
	/* Without JIT (an old CPU, a hardened kernel) the interpreter still matches. */
	(void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
	r->code = re;
	if (!match_data) {
		match_data = pcre2_match_data_create(1, NULL);
		match_ctx = pcre2_match_context_create(NULL);
		if (!match_data || !match_ctx)
			aura_oom();
		pcre2_set_match_limit(match_ctx, MATCH_LIMIT);
		pcre2_set_depth_limit(match_ctx, DEPTH_LIMIT);
	}
	return true;
}

void strings_free_rule(struct rule *r)
{
	pcre2_code_free(r->code);
	r->code = NULL;
}

double shannon_bits(const unsigned char *s, size_t n)
{
	if (!n)
		return 0;
	size_t count[256] = { 0 };
	for (size_t i = 0; i < n; i++)
		count[s[i]]++;
	double bits = 0;
	for (int c = 0; c < 256; c++)
		if (count[c]) {
			double p = (double)count[c] / (double)n;
			bits -= p * log2(p);
		}
	return bits;
}

void strings_scan(const struct rule_list *rules, const char *s, size_t n, string_match_fn fn,
		  void *ctx)
{
	size_t scan = n > STRINGS_MAX_SCAN ? STRINGS_MAX_SCAN : n;
	double bits = -1;
	for (size_t i = 0; i < rules->n; i++) {
		const struct rule *r = &rules->v[i];
		if (!r->code) {
			if (n < r->min_length)
				continue;
			if (bits < 0)
				bits = shannon_bits((const unsigned char *)s, scan);
			if (bits >= r->min_bits)
				fn(r, s, n, ctx);
			continue;
		}
		int rc = pcre2_match(r->code, (PCRE2_SPTR)s, scan, 0, 0, match_data, match_ctx);
		/* rc 0: a match whose capture groups did not fit the one-pair match data; the
		 * whole match (the first pair) is still set.  Below 0: no match, or a limit hit. */
		if (rc < 0)
			continue;
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(match_data);
		if (ov[1] >= ov[0] && ov[1] <= scan)
			fn(r, s + ov[0], ov[1] - ov[0], ctx);
	}
}
