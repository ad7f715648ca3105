/* semver.c: npm versions and ranges (node-semver semantics: ^, ~, x-ranges, hyphens, ||). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fetch.h"

/*
 * npm resolves "^1.2" to the newest published version the range allows; an audit of what
 * `npm install` takes must do the same.  Ranges are read into sets of comparators as
 * node-semver desugars them (docs/targets.md); anything else is malformed, never guessed.
 */

#define SEMVER_MAX_COMPARATORS 64

struct semver {
	long part[3];
	char pre[128];		/* "" for a release */
};

enum cmp_op { OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ };

struct comparator {
	enum cmp_op op;
	struct semver v;
};

static bool parse_number(const char **p, long *out)
{
	if (!isdigit((unsigned char)**p))
		return false;
	if (**p == '0' && isdigit((unsigned char)(*p)[1]))
		return false;	/* no leading zeros */
	long n = 0;
	while (isdigit((unsigned char)**p)) {
		if (n > 100000000000L)
			return false;
		n = n * 10 + (**p - '0');
		(*p)++;
	}
	*out = n;
	return true;
}

/* "-pre.1" and "+build" after the numbers: the pre-release kept, the build dropped. */
static bool parse_qualifier(const char **p, struct semver *v)
{
	v->pre[0] = '\0';
	if (**p == '-') {
		(*p)++;
		size_t n = strspn(*p, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-.");
		if (n == 0 || n >= sizeof v->pre)
			return false;
		memcpy(v->pre, *p, n);
		v->pre[n] = '\0';
		*p += n;
	}
	if (**p == '+') {
		(*p)++;
		size_t n = strspn(*p, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-.");
		if (n == 0)
			return false;
		*p += n;
	}
	return true;
}

static bool semver_parse(const char *text, struct semver *v)
{
	const char *p = text;
	if (*p == 'v' || *p == '=')
		p++;
	for (int i = 0; i < 3; i++) {
		if (i && *p++ != '.')
			return false;
		if (!parse_number(&p, &v->part[i]))
			return false;
	}
	return parse_qualifier(&p, v) && *p == '\0';
}

/* Pre-release identifiers: numbers compare numerically and below words (semver 11). */
static int compare_pre(const char *a, const char *b)
{
	if (!*a || !*b)
		return !*a && !*b ? 0 : !*a ? 1 : -1;	/* a release is above its pre-releases */
	while (*a && *b) {
		size_t la = strcspn(a, "."), lb = strcspn(b, ".");
		bool na = strspn(a, "0123456789") == la, nb = strspn(b, "0123456789") == lb;
		int c;
		if (na && nb)
			c = la != lb ? (la < lb ? -1 : 1) : strncmp(a, b, la);
		else if (na != nb)
			c = na ? -1 : 1;
		else {
			c = strncmp(a, b, la < lb ? la : lb);
			if (!c && la != lb)
				c = la < lb ? -1 : 1;
		}
		if (c)
			return c < 0 ? -1 : 1;
		a += la + (a[la] == '.');
		b += lb + (b[lb] == '.');
	}
	return *a ? 1 : *b ? -1 : 0;
}

static int semver_compare(const struct semver *a, const struct semver *b)
{
	for (int i = 0; i < 3; i++)
		if (a->part[i] != b->part[i])
			return a->part[i] < b->part[i] ? -1 : 1;
	return compare_pre(a->pre, b->pre);
}

/* A partial version: "1", "1.2", "1.x", "*", "1.2.3-beta"; *given is how many parts are numbers. */
static bool parse_partial(const char **p, struct semver *v, int *given)
{
	memset(v, 0, sizeof *v);
	*given = 0;
	if (**p == 'v' || **p == '=')
		(*p)++;
	for (int i = 0; i < 3; i++) {
		if (i) {
			if (**p != '.')
				return true;
			(*p)++;
		}
		if (**p == 'x' || **p == 'X' || **p == '*') {
			(*p)++;
			/* anything after a wildcard is a wildcard too */
			while ((*p)[0] == '.' && ((*p)[1] == 'x' || (*p)[1] == 'X' || (*p)[1] == '*'))
				*p += 2;
			return true;
		}
		if (!parse_number(p, &v->part[i]))
			return false;
		*given = i + 1;
	}
	return parse_qualifier(p, v);
}

static void bump(struct semver *v, int part)
{
	v->part[part]++;
	for (int i = part + 1; i < 3; i++)
		v->part[i] = 0;
	snprintf(v->pre, sizeof v->pre, "0");	/* "<2.0.0-0": below every 2.0.0 pre-release */
}

struct cset {
	struct comparator c[SEMVER_MAX_COMPARATORS];
	int n;
};

static bool add(struct cset *s, enum cmp_op op, struct semver v)
{
	if (s->n == SEMVER_MAX_COMPARATORS)
		return false;
	s->c[s->n++] = (struct comparator){ op, v };
	return true;
}

/* The lower and upper bounds an x-range "1.2" covers: >=1.2.0 <1.3.0-0. */
static bool x_range(struct cset *s, struct semver v, int given)
{
	if (given == 0)
		return add(s, OP_GE, v);	/* "*": any version */
	if (given == 3)
		return add(s, OP_EQ, v);
	struct semver hi = v;
	bump(&hi, given - 1);
	return add(s, OP_GE, v) && add(s, OP_LT, hi);
}

/* One comparator word ("^1.2", ">=1", "~1.2.3", "1.x") into s. */
static bool parse_simple(const char **p, struct cset *s)
{
	struct semver v;
	int given;
	if (**p == '^' || **p == '~') {
		char kind = *(*p)++;
		if (!parse_partial(p, &v, &given))
			return false;
		if (given == 0)
			return add(s, OP_GE, v);
		struct semver hi = v;
		if (kind == '~')
			bump(&hi, given >= 2 ? 1 : 0);
		else	/* ^: the first non-zero part stays */
			bump(&hi, v.part[0] || given == 1 ? 0 : v.part[1] || given == 2 ? 1 : 2);
		return add(s, OP_GE, v) && add(s, OP_LT, hi);
	}
	enum cmp_op op = OP_EQ;
	if (strncmp(*p, ">=", 2) == 0)
		op = OP_GE, *p += 2;
	else if (strncmp(*p, "<=", 2) == 0)
		op = OP_LE, *p += 2;
	else if (**p == '>')
		op = OP_GT, (*p)++;
	else if (**p == '<')
		op = OP_LT, (*p)++;
	else if (**p == '=')
		(*p)++;
	while (**p == ' ')
		(*p)++;
	if (!parse_partial(p, &v, &given))
		return false;
	if (op == OP_EQ || given == 3)
		return op == OP_EQ ? x_range(s, v, given) : add(s, op, v);
	if (given == 0)	/* ">*" matches nothing, "<=*" everything (node-semver) */
		return op == OP_GT || op == OP_LT ? add(s, OP_LT, v) : add(s, OP_GE, v);
	struct semver hi = v;
	bump(&hi, given - 1);
	switch (op) {
	case OP_GT: hi.pre[0] = '\0'; return add(s, OP_GE, hi);	/* >1.2 is >=1.3.0 */
	case OP_LE: return add(s, OP_LT, hi);	/* <=1.2 is <1.3.0-0 */
	case OP_LT: snprintf(v.pre, sizeof v.pre, "0"); return add(s, OP_LT, v);
	default: return add(s, OP_GE, v);
	}
}

static bool test_comparator(const struct comparator *c, const struct semver *v)
{
	int r = semver_compare(v, &c->v);
	switch (c->op) {
	case OP_LT: return r < 0;
	case OP_LE: return r <= 0;
	case OP_GT: return r > 0;
	case OP_GE: return r >= 0;
	default: return r == 0;
	}
}

/* A set matches when every comparator does; a pre-release only beside one of its own tuple. */
static bool test_set(const struct cset *s, const struct semver *v, bool include_pre)
{
	for (int i = 0; i < s->n; i++)
		if (!test_comparator(&s->c[i], v))
			return false;
	if (!v->pre[0] || include_pre)
		return true;
	for (int i = 0; i < s->n; i++)
		if (s->c[i].v.pre[0] && strcmp(s->c[i].v.pre, "0") != 0 &&
		    memcmp(s->c[i].v.part, v->part, sizeof v->part) == 0)
			return true;
	return false;
}

/* One "||" alternative: "a - b" or comparators separated by spaces. */
static bool parse_set(const char *text, size_t len, struct cset *s)
{
	char buf[512];
	if (len >= sizeof buf)
		return false;
	memcpy(buf, text, len);
	buf[len] = '\0';
	const char *p = buf;
	s->n = 0;
	char *hyphen = strstr(buf, " - ");
	if (hyphen) {
		*hyphen = '\0';
		struct semver lo, hi;
		int glo, ghi;
		const char *a = buf + strspn(buf, " "), *b = hyphen + 3 + strspn(hyphen + 3, " ");
		if (!parse_partial(&a, &lo, &glo) || (*a != ' ' && *a != '\0') ||
		    !parse_partial(&b, &hi, &ghi) || b[strspn(b, " ")] != '\0')
			return false;
		if (!add(s, OP_GE, lo))
			return false;
		if (ghi == 0)
			return true;
		if (ghi == 3)
			return add(s, OP_LE, hi);
		bump(&hi, ghi - 1);
		return add(s, OP_LT, hi);
	}
	for (;;) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		if (!parse_simple(&p, s) || (*p != ' ' && *p != '\0'))
			return false;
	}
	if (s->n == 0)	/* "" is "*" */
		return add(s, OP_GE, (struct semver){ .part = { 0, 0, 0 } });
	return true;
}

int semver_satisfies(const char *range, const char *version, bool include_pre)
{
	struct semver v;
	bool valid_range = true, match = false;
	if (!semver_parse(version, &v))
		return 0;	/* a published version that is not semver matches nothing */
	const char *p = range;
	for (;;) {
		const char *bar = strstr(p, "||");
		size_t len = bar ? (size_t)(bar - p) : strlen(p);
		struct cset s;
		if (!parse_set(p, len, &s))
			valid_range = false;
		else if (test_set(&s, &v, include_pre))
			match = true;
		if (!bar)
			break;
		p = bar + 2;
	}
	return valid_range ? match : -1;
}

int semver_newer(const char *a, const char *b)
{
	struct semver va, vb;
	if (!semver_parse(a, &va))
		return 0;
	if (!semver_parse(b, &vb))
		return 1;
	return semver_compare(&va, &vb) > 0;
}
