/* pep440.c: Python version numbers (PEP 440): parsing, ordering, and version specifiers. */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fetch.h"

static bool is_sep(char c) { return c == '.' || c == '-' || c == '_'; }

/* Read a run of digits; false when there are none or it overflows. */
static bool read_number(const char **p, long *out)
{
	if (!isdigit((unsigned char)**p))
		return false;
	long n = 0;
	while (isdigit((unsigned char)**p)) {
		if (n > (LONG_MAX - 9) / 10)
			return false;
		n = n * 10 + (**p - '0');
		(*p)++;
	}
	*out = n;
	return true;
}

/* Does `p` start with the word `w` (case-insensitive)?  Advances past it when it does. */
static bool take_word(const char **p, const char *w)
{
	size_t n = strlen(w);
	if (strncasecmp(*p, w, n) != 0)
		return false;
	*p += n;
	return true;
}

/* An optional separator, then an optional number (PEP 440's implicit 0). */
static bool take_sep_number(const char **p, long *out)
{
	const char *q = *p;
	if (is_sep(*q))
		q++;
	if (isdigit((unsigned char)*q)) {
		*p = q;
		return read_number(p, out);
	}
	*out = 0;
	return true;
}

bool pep440_parse(const char *s, struct pep440 *v)
{
	memset(v, 0, sizeof *v);
	v->pre_kind = -1;
	const char *p = s;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == 'v' || *p == 'V')
		p++;
	long n;
	if (!read_number(&p, &n))
		return false;
	if (*p == '!') {	/* epoch */
		v->epoch = n;
		p++;
		if (!read_number(&p, &n))
			return false;
	}
	v->release[v->nrelease++] = n;
	while (*p == '.' && isdigit((unsigned char)p[1])) {
		p++;
		if (!read_number(&p, &n) || v->nrelease >= PEP440_MAX_RELEASE)
			return false;
		v->release[v->nrelease++] = n;
	}
	/* Pre-release: a, alpha, b, beta, c, rc, pre, preview (c and pre* spell rc). */
	static const struct { const char *word; int kind; } pre[] = {
		{ "alpha", 0 }, { "a", 0 }, { "beta", 1 }, { "b", 1 }, { "preview", 2 },
		{ "pre", 2 }, { "rc", 2 }, { "c", 2 },
	};
	const char *q = is_sep(*p) ? p + 1 : p;
	for (size_t i = 0; i < sizeof pre / sizeof *pre; i++)
		if (take_word(&q, pre[i].word)) {
			v->pre_kind = pre[i].kind;
			if (!take_sep_number(&q, &v->pre))
				return false;
			p = q;
			break;
		}
	/* Post-release: "-N" or [sep](post|rev|r)[sep]N. */
	q = p;
	if (*q == '-' && isdigit((unsigned char)q[1])) {
		q++;
		v->has_post = read_number(&q, &v->post);
		p = q;
	} else {
		if (is_sep(*q))
			q++;
		if (take_word(&q, "post") || take_word(&q, "rev") || take_word(&q, "r")) {
			v->has_post = true;
			if (!take_sep_number(&q, &v->post))
				return false;
			p = q;
		}
	}
	q = is_sep(*p) ? p + 1 : p;
	if (take_word(&q, "dev")) {
		v->has_dev = true;
		if (!take_sep_number(&q, &v->dev))
			return false;
		p = q;
	}
	if (*p == '+') {	/* local version label: compared as text */
		size_t len = strcspn(p + 1, " \t;");
		if (len == 0 || len >= sizeof v->local)
			return false;
		for (size_t i = 0; i < len; i++)
			v->local[i] = is_sep(p[1 + i]) ? '.' : (char)tolower((unsigned char)p[1 + i]);
		p += 1 + len;
	}
	while (isspace((unsigned char)*p))
		p++;
	return *p == '\0';
}

bool pep440_is_prerelease(const struct pep440 *v) { return v->pre_kind >= 0 || v->has_dev; }

static int cmp_long(long a, long b) { return a < b ? -1 : a > b; }

/* Release segments compared with the shorter one padded with zeros (1.0 == 1.0.0). */
static int cmp_release(const struct pep440 *a, const struct pep440 *b, int upto)
{
	for (int i = 0; i < upto; i++) {
		long x = i < a->nrelease ? a->release[i] : 0, y = i < b->nrelease ? b->release[i] : 0;
		if (x != y)
			return cmp_long(x, y);
	}
	return 0;
}

/*
 * packaging's ordering key: a dev release of a final version sorts before its
 * pre-releases (1.0.dev0 < 1.0a1 < 1.0 < 1.0.post1); no post sorts first, no dev last.
 */
static int cmp_suffixes(const struct pep440 *a, const struct pep440 *b)
{
	long pa_kind, pa_n, pb_kind, pb_n;
	const long lo = LONG_MIN, hi = LONG_MAX;
	pa_kind = a->pre_kind >= 0 ? a->pre_kind : (!a->has_post && a->has_dev) ? lo : hi;
	pb_kind = b->pre_kind >= 0 ? b->pre_kind : (!b->has_post && b->has_dev) ? lo : hi;
	pa_n = a->pre_kind >= 0 ? a->pre : 0;
	pb_n = b->pre_kind >= 0 ? b->pre : 0;
	int c = cmp_long(pa_kind, pb_kind);
	if (!c)
		c = cmp_long(pa_n, pb_n);
	if (!c)
		c = cmp_long(a->has_post ? a->post : lo, b->has_post ? b->post : lo);
	if (!c)
		c = cmp_long(a->has_dev ? a->dev : hi, b->has_dev ? b->dev : hi);
	return c;
}

int pep440_compare(const struct pep440 *a, const struct pep440 *b)
{
	int c = cmp_long(a->epoch, b->epoch);
	if (!c) {
		int n = a->nrelease > b->nrelease ? a->nrelease : b->nrelease;
		c = cmp_release(a, b, n);
	}
	if (!c)
		c = cmp_suffixes(a, b);
	if (!c)		/* no local label sorts before any label */
		c = strcmp(a->local, b->local) < 0 ? -1 : strcmp(a->local, b->local) > 0;
	return c;
}

/* The public version only (local label dropped), for specifiers that ignore it. */
static struct pep440 public_part(const struct pep440 *v)
{
	struct pep440 p = *v;
	p.local[0] = '\0';
	return p;
}

/* `V.*` prefix match: same epoch and the candidate's release starts with V's segments. */
static bool prefix_match(const struct pep440 *cand, const struct pep440 *want)
{
	return cand->epoch == want->epoch && cmp_release(cand, want, want->nrelease) == 0;
}

/* One clause such as ">=1.2" against a candidate.  -1 when the clause is malformed. */
static int clause_matches(const char *clause, const struct pep440 *cand, bool *mentions_pre)
{
	static const char *const ops[] = { "===", "~=", "==", "!=", "<=", ">=", "<", ">", NULL };
	while (isspace((unsigned char)*clause))
		clause++;
	const char *op = NULL;
	for (const char *const *o = ops; *o; o++)
		if (strncmp(clause, *o, strlen(*o)) == 0) {
			op = *o;
			break;
		}
	if (!op)
		return -1;
	char text[128];
	const char *rest = clause + strlen(op);
	while (isspace((unsigned char)*rest))
		rest++;
	size_t len = strlen(rest);
	while (len && isspace((unsigned char)rest[len - 1]))
		len--;
	if (len == 0 || len >= sizeof text)
		return -1;
	memcpy(text, rest, len);
	text[len] = '\0';
	if (strcmp(op, "===") == 0)	/* arbitrary equality: the exact string */
		return 0;	/* decided by the caller on the version text */
	bool wildcard = len > 2 && strcmp(text + len - 2, ".*") == 0;
	if (wildcard) {
		if (strcmp(op, "==") != 0 && strcmp(op, "!=") != 0)
			return -1;
		text[len - 2] = '\0';
	}
	struct pep440 want;
	if (!pep440_parse(text, &want))
		return -1;
	if (pep440_is_prerelease(&want))
		*mentions_pre = true;
	struct pep440 pub = public_part(cand);
	int c = pep440_compare(want.local[0] ? cand : &pub, &want);
	if (strcmp(op, "==") == 0)
		return wildcard ? prefix_match(cand, &want) : c == 0;
	if (strcmp(op, "!=") == 0)
		return wildcard ? !prefix_match(cand, &want) : c != 0;
	c = pep440_compare(&pub, &want);
	if (strcmp(op, "<=") == 0)
		return c <= 0;
	if (strcmp(op, ">=") == 0)
		return c >= 0;
	if (strcmp(op, "<") == 0)	/* <V excludes pre-releases of V itself */
		return c < 0 && !(pep440_is_prerelease(cand) && !pep440_is_prerelease(&want) &&
				  cand->epoch == want.epoch &&
				  cmp_release(cand, &want, PEP440_MAX_RELEASE) == 0);
	if (strcmp(op, ">") == 0)	/* >V excludes post-releases of V */
		return c > 0 && !(cand->has_post && !want.has_post && cand->epoch == want.epoch &&
				  cmp_release(cand, &want, PEP440_MAX_RELEASE) == 0);
	/* ~=V: >=V and ==V without its last release segment, .* */
	if (want.nrelease < 2)
		return -1;
	struct pep440 prefix = want;
	prefix.nrelease--;
	return c >= 0 && prefix_match(cand, &prefix);
}

int pep440_specifier_matches(const char *spec, const char *version_text, bool *mentions_pre)
{
	struct pep440 cand;
	/* A version PEP 440 cannot read (legacy "1.0-foo") can only match ===. */
	bool exact_only = !pep440_parse(version_text, &cand);
	char buf[1024];
	if (strlen(spec) >= sizeof buf)
		return -1;
	strcpy(buf, spec);
	int result = 1;
	for (char *save = NULL, *clause = strtok_r(buf, ",", &save); clause;
	     clause = strtok_r(NULL, ",", &save)) {
		const char *c = clause;
		while (isspace((unsigned char)*c))
			c++;
		if (*c == '\0')
			continue;
		if (strncmp(c, "===", 3) == 0) {
			const char *want = c + 3;
			while (isspace((unsigned char)*want))
				want++;
			if (strcasecmp(want, version_text) != 0)
				result = 0;
			continue;
		}
		if (exact_only)
			return 0;
		int m = clause_matches(c, &cand, mentions_pre);
		if (m < 0)
			return -1;
		if (!m)
			result = 0;
	}
	return result;
}
