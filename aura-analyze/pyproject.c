/* pyproject.c: a PEP 517 build backend kept in the source tree is install-time code. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "pyproject.h"
#include "source.h"

/* The hooks pip (through the build frontend) calls on a backend while installing. */
static const char *const hooks[] = {
	"build_wheel", "build_sdist", "build_editable", "get_requires_for_build_wheel",
	"get_requires_for_build_sdist", "get_requires_for_build_editable",
	"prepare_metadata_for_build_wheel", "prepare_metadata_for_build_editable",
};

/* The quoted value of a `key = "value"` line (single or double quotes), malloc'd, or NULL. */
static char *quoted_value(const char *s)
{
	const char *eq = strchr(s, '=');
	const char *q = eq ? strpbrk(eq, "\"'") : NULL;
	if (!q)
		return NULL;
	const char *end = strchr(q + 1, *q);
	if (!end)
		return NULL;
	char *out = xmalloc((size_t)(end - q));
	memcpy(out, q + 1, (size_t)(end - q - 1));
	out[end - q - 1] = '\0';
	return out;
}

/* `key =` at the start of the (stripped) line s, TOML's bare or quoted key. */
static bool is_key(const char *s, const char *key)
{
	size_t n = strlen(key);
	if (*s == '"' || *s == '\'')
		s++;
	if (strncmp(s, key, n))
		return false;
	s += n;
	if (*s == '"' || *s == '\'')
		s++;
	while (*s == ' ' || *s == '\t')
		s++;
	return *s == '=';
}

void pyproject_scan_backend(struct xref *x, const char *path, const char *text, size_t len)
{
	if (strcmp(source_base_name(path), "pyproject.toml"))
		return;
	bool in_build_system = false;
	char *backend = NULL, *dir = NULL;
	const char *p = text, *end = text + len;
	char *line;
	while ((line = source_next_line(&p, end))) {
		const char *s = line;
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '[')
			in_build_system = !strncmp(s, "[build-system]", 14);
		else if (in_build_system && is_key(s, "build-backend")) {
			free(backend);
			backend = quoted_value(s);
		} else if (in_build_system && is_key(s, "backend-path")) {
			free(dir);	/* its first entry; "." when none is */
			dir = quoted_value(s);
			/* an array over several lines: the first string before its `]` */
			const char *q = strchr(s, '[');
			if (!dir && q && !strchr(q, ']')) {
				const char *close = memchr(p, ']', (size_t)(end - p));
				const char *quote = NULL;	/* bounded: the text has no NUL at its end */
				for (const char *c = p; close && c < close && !quote; c++)
					if (*c == '"' || *c == '\'')
						quote = c;
				if (close && quote) {
					const char *qe = memchr(quote + 1, *quote, (size_t)(close - quote - 1));
					if (qe) {
						dir = xmalloc((size_t)(qe - quote));
						memcpy(dir, quote + 1, (size_t)(qe - quote - 1));
						dir[qe - quote - 1] = '\0';
					}
				}
			}
			if (!dir)
				dir = xstrdup(".");
		}
		free(line);
	}
	/* Without backend-path the backend is an installed package (setuptools.build_meta). */
	if (backend && dir && backend[0]) {
		char *colon = strchr(backend, ':');	/* "pkg.mod:object": hooks are its methods */
		if (colon)
			*colon = '\0';
		xref_note_backend(x, path, dir, backend);
		for (size_t i = 0; i < sizeof hooks / sizeof *hooks; i++) {
			char *target = xmalloc(strlen(backend) + (colon ? strlen(colon + 1) + 1 : 0) +
					       strlen(hooks[i]) + 3);
			if (colon)
				sprintf(target, "%s.%s.%s", backend, colon + 1, hooks[i]);
			else
				sprintf(target, "%s.%s", backend, hooks[i]);
			xref_note_root(x, target, "the in-tree build backend", CTX_INSTALL);
			free(target);
		}
	}
	free(backend);
	free(dir);
}
