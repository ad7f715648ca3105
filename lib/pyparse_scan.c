/* pyparse_scan.c: a token-level pre-scan of Python source (strings, comments, brackets) for chunked and repaired parses. */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "pyparse_scan.h"

static void push_cut(struct pyscan *s, uint32_t byte, uint32_t row, size_t weight)
{
	if (s->ncuts == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->cuts = xrealloc(s->cuts, s->cap * sizeof *s->cuts);
	}
	s->cuts[s->ncuts++] = (struct pyscan_cut){ byte, row, (uint32_t)weight };
}

static void push_line(struct pyscan *s, uint32_t byte)
{
	if (!s)
		return;
	if (s->nlines == s->lines_cap) {
		s->lines_cap = s->lines_cap ? 2 * s->lines_cap : 256;
		s->line_starts = xrealloc(s->line_starts, s->lines_cap * sizeof *s->line_starts);
	}
	s->line_starts[s->nlines++] = byte;
}

static bool ident_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_' || (unsigned char)ch >= 0x80;
}

/* A clause that continues the statement above it, so no cut may come before it. */
static bool continues_statement(const char *p, size_t left)
{
	static const char *const kw[] = { "else", "elif", "except", "finally" };
	for (size_t k = 0; k < sizeof kw / sizeof *kw; k++) {
		size_t n = strlen(kw[k]);
		if (left >= n && memcmp(p, kw[k], n) == 0 && (left == n || !ident_char(p[n])))
			return true;
	}
	return false;
}

/* The end of the string literal whose quote is at `i` (past its closing quote, or at the
 * newline that ends an unterminated one-line string). */
static size_t skip_string(const char *src, size_t len, size_t i, struct pyscan *s)
{
	char q = src[i];
	bool triple = i + 2 < len && src[i + 1] == q && src[i + 2] == q;
	size_t j = i + (triple ? 3 : 1);
	while (j < len) {
		char ch = src[j];
		if (ch == '\\' && j + 1 < len) {
			if (src[j + 1] == '\n')
				push_line(s, (uint32_t)(j + 2));
			j += 2;
		} else if (ch == q && (!triple || (j + 2 < len && src[j + 1] == q && src[j + 2] == q))) {
			return j + (triple ? 3 : 1);
		} else if (ch == '\n') {
			if (!triple)
				return j;
			push_line(s, (uint32_t)(j + 1));
			j++;
		} else {
			j++;
		}
	}
	return len;
}

/* Does the string literal whose quote is at `i` have an f prefix (f'', rf'', Fr'')? */
static bool is_fstring(const char *src, size_t i)
{
	for (size_t k = i; k > 0 && i - k < 3 && ident_char(src[k - 1]); k--)
		if (src[k - 1] == 'f' || src[k - 1] == 'F')
			return true;
	return false;
}

/* The one lexing loop behind pyscan_run (s set) and pyscan_join (dst set). */
static void scan(const char *src, size_t len, struct pyscan *s, char *dst)
{
	size_t depth = 0, weight = 0;
	bool continued = false, after_decorator = false;
	uint32_t row = 0;
	size_t i = 0;

	push_line(s, 0);
	if (s)
		push_cut(s, 0, 0, 0);
	while (i < len) {
		/* At a line start: may a top-level statement begin here? */
		if ((i == 0 || src[i - 1] == '\n') && s && i > 0 && depth == 0 && !continued) {
			char ch = src[i];
			if (ch != ' ' && ch != '\t' && ch != '\f' && ch != '\n' && ch != '#') {
				if (!after_decorator && !continues_statement(src + i, len - i))
					push_cut(s, (uint32_t)i, row, weight);
				after_decorator = ch == '@';
			}
		}
		continued = false;
		char ch = src[i];
		switch (ch) {
		case '\'': case '"': {
			size_t e = skip_string(src, len, i, NULL);
			weight += is_fstring(src, i) ? e - i : 2;
			/* count the rows the string spans (skip_string recorded nothing) */
			for (size_t k = i; k < e; k++)
				if (src[k] == '\n') {
					row++;
					push_line(s, (uint32_t)(k + 1));
				}
			i = e;
			continue;
		}
		case '#':
			while (i < len && src[i] != '\n') {
				if (dst && depth > 0)
					dst[i] = ' ';
				i++;
			}
			continue;
		case '\\':
			if (i + 1 < len && src[i + 1] == '\n') {
				if (dst && depth > 0)
					dst[i] = dst[i + 1] = ' ';
				row++;
				push_line(s, (uint32_t)(i + 2));
				i += 2;
				continued = true;
				continue;
			}
			break;
		case '(': case '[': case '{':
			depth++;
			break;
		case ')': case ']': case '}':
			if (depth > 0)
				depth--;
			break;
		case '\n':
			row++;
			push_line(s, (uint32_t)(i + 1));
			if (depth > 0) {
				if (s)
					s->joined++;
				if (dst)
					dst[i] = ' ';
			}
			break;
		default:
			break;
		}
		weight++;
		i++;
	}
	if (s)
		s->weight_total = (uint32_t)(weight < UINT32_MAX ? weight : UINT32_MAX);
}

void pyscan_run(struct pyscan *s, const char *src, size_t len)
{
	s->ncuts = s->nlines = s->joined = 0;
	scan(src, len, s, NULL);
}

void pyscan_join(const char *src, size_t len, char *dst)
{
	memcpy(dst, src, len);
	scan(src, len, NULL, dst);
}

void pyscan_free(struct pyscan *s)
{
	free(s->cuts);
	free(s->line_starts);
	*s = (struct pyscan){ 0 };
}
