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
	s->cuts[s->ncuts++] = (struct pyscan_cut){ byte, row, (uint32_t)weight, 0, 0 };
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

/*
 * The parse-stack model behind pyscan_cut.load (see PYSCAN_LOAD_MAX).  An LR parser keeps
 * on its stack what it cannot reduce yet: an open bracket and what precedes it, a prefix
 * operator (`-`, `not`, `await`, `lambda`, `*`) until its operand ends, both sides of a
 * right-associative operator (`**`, `=` chains, `a if b else ...`), comments between two
 * tokens (extras become children of the node that spans them), and a few entries per
 * block level.  A left-associative operator (`+`, `.`, `and`, a call's parentheses) or a
 * comma lets it reduce.  The model over-counts (a prefix minus stays counted until the
 * next comma) so that it never under-counts valid code.
 */
struct pyscan_frame {
	uint32_t sticky, assign, run;	/* the enclosing level's counts while this one is open */
	bool lambda;			/* a lambda's parameters: closed by ':' */
	bool trailer;			/* opened after an operand: a call or a subscript */
};

struct model {
	uint64_t outer;		/* entries of the levels around the current one */
	uint32_t sticky;	/* prefix and right-associative entries pending at this level */
	uint32_t assign;	/* `=` of an assignment chain (commas do not end it) */
	uint32_t run;		/* operands and operators since this level last reduced */
	uint32_t extras;	/* comments and continuations since the last logical line */
	uint32_t indent;	/* leading blanks of the current logical line */
	bool operand;		/* the last token ends an operand (an operator after it is binary) */
	bool after_dot;		/* the last token is an attribute's `.` */
};

#define ENTRIES_PER_LEVEL 2	/* an open bracket and the callee or operand before it */
#define ENTRIES_PER_BLOCK 6	/* `if`, test, `:`, newline, indent, statements */

/* tree-sitter-python's scanner saves indentation columns in a byte: deeper blocks are
 * misread (a statement moves to another block), so such a statement is left out too. */
#define INDENT_COLUMNS_MAX 255u

static void model_note(struct pyscan *s, const struct model *m)
{
	uint64_t load = m->outer + m->sticky + m->assign + m->run + m->extras +
			(uint64_t)m->indent * ENTRIES_PER_BLOCK + 4;
	if (m->indent > INDENT_COLUMNS_MAX && load <= PYSCAN_LOAD_MAX)
		load = PYSCAN_LOAD_MAX + 1;
	struct pyscan_cut *c = &s->cuts[s->ncuts - 1];
	if (c->tokens < UINT32_MAX)
		c->tokens++;
	if (load > c->load)
		c->load = load < UINT32_MAX ? (uint32_t)load : UINT32_MAX;
}

static void model_open(struct pyscan *s, struct model *m, bool lambda)
{
	if (s->nframes == s->frames_cap) {
		s->frames_cap = s->frames_cap ? 2 * s->frames_cap : 64;
		s->frames = xrealloc(s->frames, s->frames_cap * sizeof *s->frames);
	}
	s->frames[s->nframes++] = (struct pyscan_frame){ m->sticky, m->assign, m->run, lambda,
							 m->operand };
	m->outer += (uint64_t)m->sticky + m->assign + m->run + ENTRIES_PER_LEVEL;
	m->sticky = m->assign = m->run = 0;
	m->operand = m->after_dot = false;
}

/* Close the innermost level (a bracket, or a lambda's parameters at its ':'). */
static void model_close(struct pyscan *s, struct model *m)
{
	if (s->nframes == 0) {	/* a stray closer: one more token */
		m->run++;
		return;
	}
	const struct pyscan_frame *f = &s->frames[--s->nframes];
	m->outer -= (uint64_t)f->sticky + f->assign + f->run + ENTRIES_PER_LEVEL;
	m->sticky = f->sticky;
	m->assign = f->assign;
	m->run = f->run;
	if (f->lambda)
		m->sticky += 3;	/* `lambda`, its parameters and ':' wait for the body */
	else if (!f->trailer)
		m->run++;	/* a parenthesised group, list, dict: one operand */
	m->operand = !f->lambda;	/* a call or subscript reduces at once, as `.` does */
	m->after_dot = false;
}

/* Close every level: a logical line has ended. */
static void model_line_end(struct pyscan *s, struct model *m)
{
	s->nframes = 0;
	*m = (struct model){ 0 };
}

static void model_operand(struct model *m, bool string)
{
	if (!(m->after_dot || (string && m->operand)))
		m->run++;	/* an attribute name or an implicit concatenation reduces at once */
	m->operand = true;
	m->after_dot = false;
}

/* A binary operator of `n` characters (tree-sitter may read each alone where the whole is
 * not valid). */
static void model_binary(struct model *m, uint32_t n)
{
	if (m->operand)
		m->run = 2;	/* the left side reduced: it and the operator */
	else
		m->sticky += n;	/* an operator where an operand belongs: kept, counted */
	m->operand = m->after_dot = false;
}

static void model_prefix(struct model *m, uint32_t entries)
{
	m->sticky += entries;
	m->operand = m->after_dot = false;
}

static bool word_is(const char *p, size_t n, const char *w)
{
	return strlen(w) == n && memcmp(p, w, n) == 0;
}

/* An identifier or keyword src[i, i + n). */
static void model_word(struct pyscan *s, struct model *m, const char *p, size_t n)
{
	if (word_is(p, n, "and") || word_is(p, n, "or") || word_is(p, n, "in") ||
	    word_is(p, n, "is") || (m->operand && word_is(p, n, "not"))) {
		model_binary(m, 1);
	} else if (word_is(p, n, "lambda")) {
		model_open(s, m, true);
	} else if (word_is(p, n, "not") || word_is(p, n, "await") || word_is(p, n, "yield") ||
		   word_is(p, n, "if") || word_is(p, n, "else") || word_is(p, n, "for") ||
		   word_is(p, n, "async") || word_is(p, n, "from")) {
		model_prefix(m, 2);	/* prefix, conditional or comprehension parts */
	} else if (word_is(p, n, "None") || word_is(p, n, "True") || word_is(p, n, "False") ||
		   !(word_is(p, n, "return") || word_is(p, n, "del") || word_is(p, n, "import") ||
		     word_is(p, n, "as") || word_is(p, n, "assert") || word_is(p, n, "raise") ||
		     word_is(p, n, "with") || word_is(p, n, "while") || word_is(p, n, "def") ||
		     word_is(p, n, "class") || word_is(p, n, "global") || word_is(p, n, "nonlocal") ||
		     word_is(p, n, "print") || word_is(p, n, "exec") || word_is(p, n, "elif") ||
		     word_is(p, n, "except") || word_is(p, n, "try") || word_is(p, n, "finally"))) {
		model_operand(m, false);
	} else {
		m->run++;	/* a statement keyword: it waits for its statement */
		m->operand = m->after_dot = false;
	}
}

/* The operator at src[i]; returns its length. */
static size_t model_operator(struct pyscan *s, struct model *m, const char *src, size_t len, size_t i)
{
	char c = src[i], c1 = i + 1 < len ? src[i + 1] : 0, c2 = i + 2 < len ? src[i + 2] : 0;
	if (c == '.' && c1 == '.' && c2 == '.') {
		model_operand(m, false);	/* Ellipsis */
		return 3;
	}
	if (c == '.') {
		if (m->operand)
			m->after_dot = true;
		else
			m->run++;
		m->operand = false;
		return 1;
	}
	if (c == ',' || c == ';') {
		m->sticky = m->run = 0;	/* an element or a statement ends: it reduces */
		if (c == ';')
			m->assign = 0;
		m->operand = m->after_dot = false;
		return 1;
	}
	if (c == ':' && c1 == '=') {
		model_prefix(m, 2);
		return 2;
	}
	if (c == ':') {
		if (s->nframes && s->frames[s->nframes - 1].lambda) {
			model_close(s, m);
		} else {
			m->run++;
			m->operand = m->after_dot = false;
		}
		return 1;
	}
	if (c == '*' && c1 == '*') {	/* a ** b ** c is right-nested; **kwargs a prefix */
		size_t n = c2 == '=' ? 3 : 2;
		model_prefix(m, 2);	/* where `**` is not valid, tree-sitter reads `*` `*` */
		return n;
	}
	if (c == '=' && c1 != '=') {
		if (s->nframes == 0)
			m->assign += 2;	/* a = b = c: right-nested, across commas */
		else
			model_binary(m, 1);	/* a keyword argument or default */
		m->operand = false;
		return 1;
	}
	if ((c == '-' || c == '+' || c == '~' || c == '*' || c == '@') && !m->operand &&
	    c1 != '=') {
		model_prefix(m, 1);	/* unary, a star or a decorator */
		return 1;
	}
	/* every other operator is left-associative or an augmented assignment */
	size_t n = 1;
	if ((c1 == '=' && strchr("+-*/%@&|^<>=!:", c)) || (c == '-' && c1 == '>') ||
	    (c == '<' && c1 == '>') || ((c == '/' || c == '<' || c == '>') && c1 == c))
		n = (c2 == '=' && c1 == c) ? 3 : 2;
	model_binary(m, (uint32_t)n);
	return n;
}

/* The one lexing loop behind pyscan_run (s set) and pyscan_join (dst set). */
static void scan(const char *src, size_t len, struct pyscan *s, char *dst)
{
	size_t depth = 0, weight = 0;
	bool continued = false, after_decorator = false;
	uint32_t row = 0;
	size_t i = 0;
	struct model m = { 0 };
	bool line_has_code = false;

	push_line(s, 0);
	if (s) {
		s->nframes = 0;
		push_cut(s, 0, 0, 0);
	}
	while (i < len) {
		/* At a line start: may a top-level statement begin here? */
		if ((i == 0 || src[i - 1] == '\n') && s && depth == 0 && !continued) {
			char ch = src[i];
			size_t b = i;
			while (b < len && (src[b] == ' ' || src[b] == '\t' || src[b] == '\f'))
				b++;
			if (b < len && src[b] != '\n' && src[b] != '#')
				m.indent = (uint32_t)(b - i);
			if (i > 0 && ch != ' ' && ch != '\t' && ch != '\f' && ch != '\n' && ch != '#') {
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
			bool f = is_fstring(src, i);
			weight += f ? e - i : 2;
			if (s) {
				model_operand(&m, true);
				model_note(s, &m);
				/* an f-string's replacement fields are code: count each byte */
				for (size_t k = i; f && k < e; k++)
					if (src[k] != ' ')
						model_prefix(&m, 1), m.operand = true, model_note(s, &m);
				line_has_code = true;
			}
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
			if (s) {
				m.extras++;
				model_note(s, &m);
			}
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
				if (s) {
					m.extras++;
					model_note(s, &m);
				}
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
			} else if (s) {
				model_note(s, &m);	/* a NEWLINE token, or a line of comments */
				/* tree-sitter takes a newline where its state wants more (after
				 * `x = -` or `else:`) for a space: such a line goes on */
				if (line_has_code && m.operand && s->nframes == 0)
					model_line_end(s, &m);
				line_has_code = false;
			}
			break;
		default:
			break;
		}
		if (s && ch != '\n' && ch != ' ' && ch != '\t' && ch != '\f' && ch != '\\') {
			size_t n = 1;
			line_has_code = true;
			if (ch == '(' || ch == '[' || ch == '{') {
				model_open(s, &m, false);
			} else if (ch == ')' || ch == ']' || ch == '}') {
				/* a lambda's parameters end with its body's enclosing bracket too */
				while (s->nframes && s->frames[s->nframes - 1].lambda)
					model_close(s, &m);
				model_close(s, &m);
			} else if ((ch >= '0' && ch <= '9') || (ch == '.' && i + 1 < len &&
							     src[i + 1] >= '0' && src[i + 1] <= '9')) {
				while (i + n < len && (ident_char(src[i + n]) || src[i + n] == '.'))
					n++;	/* a number: 1, 0x1f, 1.5e3, .5j */
				model_operand(&m, false);
			} else if (ident_char(ch)) {
				while (i + n < len && ident_char(src[i + n]))
					n++;
				model_word(s, &m, src + i, n);
			} else {
				n = model_operator(s, &m, src, len, i);
			}
			model_note(s, &m);
			weight += n;
			i += n;
			continue;
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
	free(s->frames);
	*s = (struct pyscan){ 0 };
}
