/* requirements.c: a pip requirements file as a list of targets (pins, ranges, includes, hashes, URLs, paths). */
#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fetch.h"
#include "record.h"

#define MAX_INCLUDE_DEPTH 10

/* One line that names something to scan, kept until constraints are known. */
struct item {
	enum { ITEM_PYPI, ITEM_URL, ITEM_PATH } kind;
	struct requirement req;		/* ITEM_PYPI */
	char *text;			/* ITEM_URL, ITEM_PATH */
	char origin[512];
};

struct reqs {
	struct item *items;
	size_t n;
	struct { char norm[256]; char spec[512]; } *constraints;
	size_t nconstraints;
	int errors;
};

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool has_archive_suffix(const char *s)
{
	static const char *const ext[] = { ".whl", ".tar.gz", ".zip", ".tar.bz2", ".tar.xz",
					   ".tgz", ".egg", NULL };
	size_t n = strlen(s);
	for (const char *const *e = ext; *e; e++)
		if (n > strlen(*e) && strcasecmp(s + n - strlen(*e), *e) == 0)
			return true;
	return false;
}

/* name[extras] (PEP 508): the length of the name, 0 when there is none. */
static size_t name_length(const char *s)
{
	size_t n = 0;
	if (!isalnum((unsigned char)s[0]))
		return 0;
	while (isalnum((unsigned char)s[n]) || s[n] == '-' || s[n] == '_' || s[n] == '.')
		n++;
	return n;
}

bool requirements_recognised(const char *path, const unsigned char *head, size_t n)
{
	char *copy = xstrdup(path);
	const char *base = basename(copy);
	size_t len = strlen(base);
	bool by_name = (starts_with(base, "requirements") &&
			(len > 4 && (strcmp(base + len - 4, ".txt") == 0 || strcmp(base + len - 3, ".in") == 0))) ||
		       (len >= 16 && strcmp(base + len - 16, "requirements.txt") == 0);
	free(copy);
	if (by_name)
		return true;
	/* By content: every complete line of the head is a comment, an option or a pin. */
	size_t pins = 0, lines = 0;
	for (size_t i = 0; i < n;) {
		const unsigned char *nl = memchr(head + i, '\n', n - i);
		if (!nl)
			break;
		char line[512];
		size_t l = (size_t)(nl - (head + i));
		if (l >= sizeof line)
			return false;
		memcpy(line, head + i, l);
		line[l] = '\0';
		i += l + 1;
		char *s = line;
		while (isspace((unsigned char)*s))
			s++;
		if (*s == '\0' || *s == '#')
			continue;
		lines++;
		if (starts_with(s, "-r ") || starts_with(s, "-c ") || starts_with(s, "--requirement") ||
		    starts_with(s, "--hash") || starts_with(s, "-e "))
			continue;
		size_t nl_len = name_length(s);
		if (!nl_len)
			return false;
		const char *rest = s + nl_len;
		if (*rest == '[')
			rest = strchr(rest, ']') ? strchr(rest, ']') + 1 : rest;
		while (*rest == ' ')
			rest++;
		if (starts_with(rest, "==") || starts_with(rest, ">=") || starts_with(rest, "~=") ||
		    starts_with(rest, "<=") || starts_with(rest, "!=") || starts_with(rest, "<") ||
		    starts_with(rest, ">"))
			pins++;
		else if (*rest != '\0' && *rest != ';' && *rest != '\\')
			return false;
	}
	return lines > 0 && pins > 0;
}

static void line_error(struct reqs *r, const char *origin, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void line_error(struct reqs *r, const char *origin, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	record_verror(NULL, origin, "cannot handle this requirement line: ", fmt, ap);
	va_end(ap);
	r->errors++;
}

static void parse_file(struct reqs *r, const char *path, bool constraints, int depth,
		       const char *included_from);

/* An option's value: "--opt=V", "--opt V" or "-xV"; advances *p past it. */
static char *option_value(char **p, size_t optlen)
{
	char *s = *p + optlen;
	if (*s == '=')
		s++;
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strcspn(s, " \t");
	char *v = strndup(s, n);
	*p = s + n;
	return v;
}

/* Options on a requirement line after the requirement itself: only --hash. */
static bool parse_hashes(struct reqs *r, char *opts, struct requirement *req, const char *origin)
{
	for (char *p = opts; *p;) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		if (!starts_with(p, "--hash")) {
			line_error(r, origin, "unknown option '%.*s'", (int)strcspn(p, " \t"), p);
			return false;
		}
		char *v = option_value(&p, 6);
		if (!starts_with(v, "sha256:")) {
			line_error(r, origin, "--hash '%s': only sha256 hashes are checked", v);
			free(v);
			return false;
		}
		struct digest d;
		if (!digest_from_hex(DIGEST_SHA256, v + 7, &d)) {
			line_error(r, origin, "--hash '%s': not a sha256 digest", v);
			free(v);
			return false;
		}
		req->hashes = xrealloc(req->hashes, (req->nhashes + 1) * sizeof *req->hashes);
		digest_hex(&d, req->hashes[req->nhashes++], 65);
		free(v);
	}
	return true;
}

static void add_item(struct reqs *r, struct item it)
{
	r->items = xrealloc(r->items, (r->n + 1) * sizeof *r->items);
	r->items[r->n++] = it;
}

/* A line naming a release: name[extras] specifier [; marker] [--hash=...]. */
static void parse_requirement(struct reqs *r, char *s, bool constraint, const char *origin,
			      const char *extra)
{
	struct item it = { .kind = ITEM_PYPI };
	snprintf(it.origin, sizeof it.origin, "%s", origin);
	char *opts = strstr(s, " --");
	if (!opts)
		opts = strstr(s, "\t--");
	if (opts)
		*opts++ = '\0';
	char *marker = strchr(s, ';');
	if (marker) {
		/* Evaluated for the stated target; one Aura cannot evaluate is an error. */
		*marker++ = '\0';
		char why[512];
		int m = marker_evaluate(marker, extra, why, sizeof why);
		if (m < 0) {
			line_error(r, origin, "%s", why);
			return;
		}
		if (m == 0) {
			aura_warn("%s: not installed on the target (Python %s, %s):%s", origin,
				  fetch_cfg.python_version, fetch_cfg.platform, marker);
			return;
		}
	}
	size_t n = name_length(s);
	if (!n || n >= sizeof it.req.name) {
		line_error(r, origin, "'%s' is not a requirement, an option, a URL or a path", s);
		return;
	}
	memcpy(it.req.name, s, n);
	char *rest = s + n;
	while (isspace((unsigned char)*rest))
		rest++;
	if (*rest == '[') {
		char *close = strchr(rest, ']');
		if (!close) {
			line_error(r, origin, "unclosed extras in '%s'", s);
			return;
		}
		rest = close + 1;
	}
	while (isspace((unsigned char)*rest))
		rest++;
	/* "name (>=1.0)": the older PEP 508 spelling, used by metadata and poetry's extras. */
	if (*rest == '(') {
		char *close = strrchr(rest, ')');
		if (!close || close[1 + strspn(close + 1, " \t")] != '\0') {
			line_error(r, origin, "unclosed '(' in '%s'", s);
			return;
		}
		*close = '\0';
		rest++;
	}
	if (*rest == '@') {	/* name @ URL (PEP 508 direct reference) */
		rest++;
		while (isspace((unsigned char)*rest))
			rest++;
		if (!starts_with(rest, "https://") && !starts_with(rest, "http://")) {
			line_error(r, origin, "direct reference '%s': only http(s) URLs are fetched", rest);
			return;
		}
		it.kind = ITEM_URL;
		rest[strcspn(rest, " \t")] = '\0';
		it.text = xstrdup(rest);
		add_item(r, it);
		return;
	}
	size_t len = strlen(rest);
	while (len && isspace((unsigned char)rest[len - 1]))
		rest[--len] = '\0';
	if (len >= sizeof it.req.spec) {
		line_error(r, origin, "specifier too long");
		return;
	}
	bool pre = false;
	if (*rest && pep440_specifier_matches(rest, "0", &pre) < 0) {
		line_error(r, origin, "malformed version specifier '%s'", rest);
		return;
	}
	strcpy(it.req.spec, rest);
	if (opts && !parse_hashes(r, opts, &it.req, origin)) {
		free(it.req.hashes);
		return;
	}
	if (constraint) {
		r->constraints = xrealloc(r->constraints, (r->nconstraints + 1) * sizeof *r->constraints);
		pep503_normalize(it.req.name, r->constraints[r->nconstraints].norm, 256);
		strcpy(r->constraints[r->nconstraints++].spec, it.req.spec);
		free(it.req.hashes);
		return;
	}
	add_item(r, it);
}

/* Options a line may start with: includes, and what only matters to an installer. */
static void parse_option(struct reqs *r, char *s, const char *dir, int depth, const char *origin)
{
	static const char *const installer_only[] = {
		"--no-binary", "--only-binary", "--prefer-binary", "--require-hashes", "--use-feature",
		"--no-deps", "--trusted-host", NULL
	};
	struct { const char *lng, *shrt; bool constraint; } includes[] = {
		{ "--requirement", "-r", false }, { "--constraint", "-c", true } };
	for (int i = 0; i < 2; i++) {
		size_t optlen = starts_with(s, includes[i].lng) ? strlen(includes[i].lng) :
				starts_with(s, includes[i].shrt) ? 2 : 0;
		if (!optlen)
			continue;
		char *p = s, *file = option_value(&p, optlen), *full;
		if (!*file) {
			line_error(r, origin, "%s needs a file name", includes[i].lng);
		} else {
			/* Relative to the including file, as pip reads it. */
			if (file[0] == '/' || strcmp(dir, ".") == 0 ||
			    asprintf(&full, "%s/%s", dir, file) < 0)
				full = xstrdup(file);
			parse_file(r, full, includes[i].constraint, depth + 1, origin);
			free(full);
		}
		free(file);
		return;
	}
	if (starts_with(s, "-e") || starts_with(s, "--editable")) {
		char *p = s, *v = option_value(&p, s[1] == 'e' ? 2 : 10);
		struct item it = { .kind = ITEM_PATH, .text = v };
		snprintf(it.origin, sizeof it.origin, "%s", origin);
		if (strstr(v, "://") || strchr(v, '+'))
			line_error(r, origin, "editable '%s': version-control checkouts are not fetched", v);
		else
			add_item(r, it), v = NULL;
		free(v);
		return;
	}
	if (strcmp(s, "--pre") == 0) {
		fetch_cfg.pre = true;
		return;
	}
	if (starts_with(s, "-i") || starts_with(s, "--index-url")) {
		char *p = s, *v = option_value(&p, s[1] == 'i' ? 2 : 11);
		size_t vl = strlen(v), il = strlen(fetch_cfg.index_url);
		/* The index is fixed before sealing: the file may only name the same one. */
		if (!(vl + 1 == il && strncmp(v, fetch_cfg.index_url, vl) == 0) && strcmp(v, fetch_cfg.index_url) != 0)
			line_error(r, origin, "index '%s' differs from --index-url %s: give it to aura "
				   "with --index-url", v, fetch_cfg.index_url);
		free(v);
		return;
	}
	for (const char *const *o = installer_only; *o; o++)
		if (starts_with(s, *o))
			return;
	line_error(r, origin, "unsupported option '%.*s'", (int)strcspn(s, " \t="), s);
}

static void parse_line(struct reqs *r, char *s, const char *dir, bool constraint, int depth,
		       const char *origin)
{
	while (isspace((unsigned char)*s))
		s++;
	/* A comment starts at '#' at the line's start or after whitespace (pip's rule). */
	for (char *h = s; (h = strchr(h, '#')) != NULL; h++)
		if (h == s || isspace((unsigned char)h[-1])) {
			*h = '\0';
			break;
		}
	size_t len = strlen(s);
	while (len && isspace((unsigned char)s[len - 1]))
		s[--len] = '\0';
	if (!*s)
		return;
	if (*s == '-') {
		parse_option(r, s, dir, depth, origin);
		return;
	}
	if (starts_with(s, "https://") || starts_with(s, "http://")) {
		struct item it = { .kind = ITEM_URL };
		s[strcspn(s, " \t")] = '\0';
		it.text = xstrdup(s);
		snprintf(it.origin, sizeof it.origin, "%s", origin);
		add_item(r, it);
		return;
	}
	if (strstr(s, "://") && !starts_with(s, "file://")) {
		line_error(r, origin, "URL '%s': only http(s) and file URLs are fetched", s);
		return;
	}
	if (starts_with(s, "file://") || s[0] == '.' || s[0] == '/' ||
	    (strchr(s, '/') && !strchr(s, '@')) || has_archive_suffix(s)) {
		struct item it = { .kind = ITEM_PATH };
		it.text = xstrdup(starts_with(s, "file://") ? s + 7 : s);
		snprintf(it.origin, sizeof it.origin, "%s", origin);
		add_item(r, it);
		return;
	}
	parse_requirement(r, s, constraint, origin, NULL);
}

static void parse_file(struct reqs *r, const char *path, bool constraints, int depth,
		       const char *included_from)
{
	if (depth > MAX_INCLUDE_DEPTH) {
		line_error(r, included_from, "includes nested deeper than %d (a cycle?)",
			   MAX_INCLUDE_DEPTH);
		return;
	}
	FILE *f = fopen(path, "re");
	if (!f) {
		if (included_from)
			line_error(r, included_from, "cannot open '%s': %s", path, strerror(errno));
		else {
			record_error(NULL, path, "cannot open: %s", strerror(errno));
			r->errors++;
		}
		return;
	}
	char *copy = xstrdup(path), *dir = dirname(copy);
	char *line = NULL, *joined = NULL;
	size_t cap = 0, joined_len = 0;
	unsigned long lineno = 0, first = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (memchr(line, '\0', (size_t)n) || !utf8_valid(line, (size_t)n)) {
			char origin[512];
			snprintf(origin, sizeof origin, "%s:%lu", path, lineno);
			line_error(r, origin, "not UTF-8 text");
			continue;
		}
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		bool continued = n > 0 && line[n - 1] == '\\';
		if (continued)
			line[--n] = ' ';
		if (!joined)
			first = lineno;
		joined = xrealloc(joined, joined_len + (size_t)n + 1);
		memcpy(joined + joined_len, line, (size_t)n + 1);
		joined_len += (size_t)n;
		if (continued)
			continue;
		char origin[512];
		snprintf(origin, sizeof origin, "%s:%lu", path, first);
		parse_line(r, joined, dir, constraints, depth, origin);
		free(joined);
		joined = NULL;
		joined_len = 0;
	}
	if (joined) {
		char origin[512];
		snprintf(origin, sizeof origin, "%s:%lu", path, first);
		parse_line(r, joined, dir, constraints, depth, origin);
		free(joined);
	}
	if (ferror(f)) {
		record_error(NULL, path, "read error: %s", strerror(errno));
		r->errors++;
	}
	free(line);
	fclose(f);
	free(copy);
}

/* Fetch what the parsed lines name; returns -1 when anything failed. */
static int fetch_items(struct reqs *r)
{
	int failed = r->errors;
	for (size_t i = 0; i < r->n; i++) {
		struct item *it = &r->items[i];
		if (it->kind == ITEM_PYPI) {
			/* A constraint narrows the requirement of the same name (-c files). */
			char norm[256];
			pep503_normalize(it->req.name, norm, sizeof norm);
			for (size_t c = 0; c < r->nconstraints; c++) {
				if (strcmp(r->constraints[c].norm, norm) != 0 || !*r->constraints[c].spec)
					continue;
				size_t len = strlen(it->req.spec);
				snprintf(it->req.spec + len, sizeof it->req.spec - len, "%s%s",
					 len ? "," : "", r->constraints[c].spec);
			}
			it->req.origin = it->origin;
			char target[1024];
			snprintf(target, sizeof target, "pypi:%s%s", it->req.name, it->req.spec);
			failed += pypi_fetch(&it->req, target) < 0;
			free(it->req.hashes);
		} else {
			failed += fetch_target(it->text) < 0;
			free(it->text);
		}
	}
	free(r->items);
	free(r->constraints);
	return failed ? -1 : 0;
}

int requirements_fetch(const char *path)
{
	struct reqs r = { 0 };
	parse_file(&r, path, false, 0, NULL);
	return fetch_items(&r);
}

int requirement_fetch_pep508(const char *text, const char *origin, const char *extra)
{
	struct reqs r = { 0 };
	char *s = xstrdup(text);
	/* A PEP 508 string: never an option, a comment or an include. */
	if (strchr(s, '\n') || s[strspn(s, " \t")] == '-')
		line_error(&r, origin, "'%s' is not a PEP 508 requirement", s);
	else if (strstr(s, "://") && !strchr(s, '@'))
		line_error(&r, origin, "'%s': a bare URL is not a PEP 508 requirement", s);
	else
		parse_requirement(&r, s, false, origin, extra);
	free(s);
	return fetch_items(&r);
}

int requirements_list(const char *path)
{
	static const char *const kinds[] = { [ITEM_PYPI] = "pypi", [ITEM_URL] = "url", [ITEM_PATH] = "path" };
	struct reqs r = { 0 };
	parse_file(&r, path, false, 0, NULL);
	for (size_t i = 0; i < r.n; i++) {
		struct item *it = &r.items[i];
		json_t *rec = record_new("requirement");
		char text[1024];
		if (it->kind == ITEM_PYPI)
			snprintf(text, sizeof text, "%s%s", it->req.name, it->req.spec);
		json_object_set_new(rec, "kind", json_string(kinds[it->kind]));
		json_object_set_new(rec, "text", json_string_lossy(it->kind == ITEM_PYPI ? text : it->text,
								   strlen(it->kind == ITEM_PYPI ? text : it->text)));
		json_object_set_new(rec, "origin", json_string_lossy(it->origin, strlen(it->origin)));
		out_record(rec);
		if (it->kind == ITEM_PYPI)
			free(it->req.hashes);
		else
			free(it->text);
	}
	free(r.items);
	free(r.constraints);
	return r.errors ? -1 : 0;
}
