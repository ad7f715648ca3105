/* marker.c: PEP 508 environment markers, evaluated for the target stated with --python-version and --platform. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fetch.h"

/*
 * An audit must know which releases an install would take.  A marker is evaluated for one
 * stated target (docs/targets.md: Python 3.11 on x86_64 Linux unless told otherwise).  A
 * variable the target does not fix (platform_release, platform_version), or a comparison
 * PEP 508 leaves undefined, is an error: guessing would skip a release an install takes.
 */

#define MARKER_MAX_DEPTH 32

struct platform_facts {
	const char *platform, *os_name, *sys_platform, *platform_system;
};

/* --platform values and what a Python there reports. */
static const struct platform_facts platforms[] = {
	{ "linux", "posix", "linux", "Linux" },
	{ "windows", "nt", "win32", "Windows" },
	{ "macos", "posix", "darwin", "Darwin" },
	{ NULL, NULL, NULL, NULL },
};

bool marker_platform_known(const char *platform)
{
	for (const struct platform_facts *p = platforms; p->platform; p++)
		if (strcmp(p->platform, platform) == 0)
			return true;
	return false;
}

struct mparse {
	const char *p, *text;
	const char *extra;	/* the extra being evaluated, "" for none */
	char *why;
	size_t cap;
	bool failed;
	char full_version[64];
};

static void mfail(struct mparse *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void mfail(struct mparse *m, const char *fmt, ...)
{
	if (m->failed)
		return;
	m->failed = true;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(m->why, m->cap, fmt, ap);
	va_end(ap);
}

static void skip(struct mparse *m)
{
	while (isspace((unsigned char)*m->p))
		m->p++;
}

/* The value of a marker variable for the stated target; NULL when the target does not fix it. */
static const char *variable_value(struct mparse *m, const char *name)
{
	const struct platform_facts *pf = platforms;
	while (pf->platform && strcmp(pf->platform, fetch_cfg.platform) != 0)
		pf++;
	if (!pf->platform)
		pf = platforms;
	if (strcmp(name, "python_version") == 0) {
		/* X.Y of the stated version */
		static char xy[64];
		snprintf(xy, sizeof xy, "%s", fetch_cfg.python_version);
		char *dot = strchr(xy, '.');
		if (dot && strchr(dot + 1, '.'))
			*strchr(dot + 1, '.') = '\0';
		return xy;
	}
	if (strcmp(name, "python_full_version") == 0 || strcmp(name, "implementation_version") == 0)
		return m->full_version;
	if (strcmp(name, "os_name") == 0)
		return pf->os_name;
	if (strcmp(name, "sys_platform") == 0)
		return pf->sys_platform;
	if (strcmp(name, "platform_system") == 0)
		return pf->platform_system;
	if (strcmp(name, "platform_machine") == 0)
		return fetch_cfg.machine;
	if (strcmp(name, "platform_python_implementation") == 0)
		return "CPython";
	if (strcmp(name, "implementation_name") == 0)
		return "cpython";
	if (strcmp(name, "extra") == 0)
		return m->extra;
	return NULL;
}

static const char *const known_variables[] = {
	"python_version", "python_full_version", "os_name", "sys_platform", "platform_release",
	"platform_system", "platform_version", "platform_machine", "platform_python_implementation",
	"implementation_name", "implementation_version", "extra", NULL
};

/* A variable or a quoted string into out; false on error. *is_var says which. */
static bool marker_value(struct mparse *m, char *out, size_t cap, bool *is_var)
{
	skip(m);
	char q = *m->p;
	if (q == '\'' || q == '"') {
		const char *end = strchr(m->p + 1, q);
		if (!end) {
			mfail(m, "unterminated string in marker '%s'", m->text);
			return false;
		}
		size_t n = (size_t)(end - m->p - 1);
		if (n >= cap) {
			mfail(m, "string too long in marker '%s'", m->text);
			return false;
		}
		memcpy(out, m->p + 1, n);
		out[n] = '\0';
		m->p = end + 1;
		*is_var = false;
		return true;
	}
	const char *s = m->p;
	while (isalnum((unsigned char)*m->p) || *m->p == '_' || *m->p == '.')
		m->p++;
	size_t n = (size_t)(m->p - s);
	char name[64];
	if (n == 0 || n >= sizeof name) {
		mfail(m, "expected a marker variable or a quoted string at '%.20s' in '%s'", s, m->text);
		return false;
	}
	memcpy(name, s, n);
	name[n] = '\0';
	bool known = false;
	for (const char *const *k = known_variables; *k; k++)
		known |= strcmp(*k, name) == 0;
	if (!known) {
		mfail(m, "unknown marker variable '%s'", name);
		return false;
	}
	const char *v = variable_value(m, name);
	if (!v) {
		mfail(m, "marker variable '%s' depends on the installing machine: Aura cannot "
		      "evaluate it for a stated target", name);
		return false;
	}
	snprintf(out, cap, "%s", v);
	*is_var = true;
	return true;
}

static const char *const version_ops[] = { "===", "~=", "==", "!=", "<=", ">=", "<", ">", NULL };

/* lhs OP rhs: 1 true, 0 false, -1 error. */
static int compare(struct mparse *m, const char *lhs, const char *op, const char *rhs, bool lhs_var,
		   bool rhs_var)
{
	if (strcmp(op, "in") == 0)
		return strstr(rhs, lhs) != NULL;
	if (strcmp(op, "not in") == 0)
		return strstr(rhs, lhs) == NULL;
	/* extra names compare normalised (PEP 685). */
	if ((lhs_var || rhs_var) && (strcmp(op, "==") == 0 || strcmp(op, "!=") == 0)) {
		struct pep440 a, b;
		if (!pep440_parse(lhs, &a) || !pep440_parse(rhs, &b)) {
			char na[256], nb[256];
			pep503_normalize(lhs, na, sizeof na);
			pep503_normalize(rhs, nb, sizeof nb);
			bool eq = strcmp(lhs, rhs) == 0 || (*na && strcmp(na, nb) == 0 &&
				  (strcmp(lhs, m->extra) == 0 || strcmp(rhs, m->extra) == 0));
			return (strcmp(op, "==") == 0) == eq;
		}
	}
	/* A version comparison: the variable's side is the version, the other the spec. */
	char spec[300];
	bool pre = false;
	if (snprintf(spec, sizeof spec, "%s%s", op, rhs) >= (int)sizeof spec) {
		mfail(m, "marker value too long");
		return -1;
	}
	struct pep440 v;
	if (pep440_parse(lhs, &v) || strcmp(op, "===") == 0) {
		int r = pep440_specifier_matches(spec, lhs, &pre);
		if (r >= 0)
			return r;
	}
	mfail(m, "cannot compare '%s' %s '%s' (not versions): PEP 508 leaves it undefined", lhs, op, rhs);
	return -1;
}

static int parse_or(struct mparse *m, int depth);

static bool word(struct mparse *m, const char *w)
{
	skip(m);
	size_t n = strlen(w);
	if (strncmp(m->p, w, n) == 0 && !isalnum((unsigned char)m->p[n]) && m->p[n] != '_') {
		m->p += n;
		return true;
	}
	return false;
}

static int parse_atom(struct mparse *m, int depth)
{
	skip(m);
	if (depth > MARKER_MAX_DEPTH) {
		mfail(m, "marker nested deeper than %d", MARKER_MAX_DEPTH);
		return -1;
	}
	if (*m->p == '(') {
		m->p++;
		int r = parse_or(m, depth + 1);
		skip(m);
		if (r >= 0 && *m->p != ')') {
			mfail(m, "expected ')' in marker '%s'", m->text);
			return -1;
		}
		m->p++;
		return r;
	}
	char lhs[256], rhs[256], op[8];
	bool lvar, rvar;
	if (!marker_value(m, lhs, sizeof lhs, &lvar))
		return -1;
	skip(m);
	op[0] = '\0';
	for (const char *const *o = version_ops; *o; o++)
		if (strncmp(m->p, *o, strlen(*o)) == 0) {
			snprintf(op, sizeof op, "%s", *o);
			m->p += strlen(*o);
			break;
		}
	if (!op[0]) {
		if (word(m, "in"))
			strcpy(op, "in");
		else if (word(m, "not") && word(m, "in"))
			strcpy(op, "not in");
	}
	if (!op[0]) {
		mfail(m, "expected a comparison operator at '%.20s' in marker '%s'", m->p, m->text);
		return -1;
	}
	if (!marker_value(m, rhs, sizeof rhs, &rvar))
		return -1;
	/* "*": every extra counts as requested (lock files: what any install could take). */
	if (strcmp(m->extra, "*") == 0 && ((lvar && strcmp(lhs, "*") == 0) || (rvar && strcmp(rhs, "*") == 0)))
		return 1;
	if (!lvar && !rvar) {
		mfail(m, "marker compares two strings: '%s' %s '%s'", lhs, op, rhs);
		return -1;
	}
	return compare(m, lhs, op, rhs, lvar, rvar);
}

static int parse_and(struct mparse *m, int depth)
{
	int r = parse_atom(m, depth);
	while (r >= 0 && word(m, "and")) {
		int s = parse_atom(m, depth);
		r = s < 0 ? -1 : (r && s);
	}
	return r;
}

static int parse_or(struct mparse *m, int depth)
{
	int r = parse_and(m, depth);
	while (r >= 0 && word(m, "or")) {
		int s = parse_and(m, depth);
		r = s < 0 ? -1 : (r || s);
	}
	return r;
}

int marker_evaluate(const char *text, const char *extra, char *why, size_t cap)
{
	struct mparse m = { .p = text, .text = text, .extra = extra ? extra : "", .why = why,
			    .cap = cap };
	/* python_full_version: the stated version, with ".0" when only X.Y was given. */
	const char *pv = fetch_cfg.python_version;
	const char *dot = strchr(pv, '.');
	snprintf(m.full_version, sizeof m.full_version, "%s%s", pv,
		 dot && strchr(dot + 1, '.') ? "" : ".0");
	int r = parse_or(&m, 0);
	skip(&m);
	if (r >= 0 && *m.p) {
		mfail(&m, "unexpected '%.20s' in marker '%s'", m.p, text);
		r = -1;
	}
	return m.failed ? -1 : r;
}
