/* files.c: signals in the members themselves — start-up hooks, disguised archives, secrets. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "files.h"
#include "pyparse/pyparse_cookie.h"
#include "ndjson.h"
#include "record.h"
#include "source.h"

/*
 * The facts a member shows, as names the `files:` rules match (docs/rules.md):
 *   pth.code                 a .pth file with an `import` line (site runs it at every start-up)
 *   native.in_sdist          a native binary (ELF, PE, Mach-O) in a source distribution
 *   archive_as.EXT           an archive whose name ends in .EXT (server.crt, logo.png)
 *   file.BASENAME            the member's own name (.pypirc, id_rsa, .env)
 *   source.encoding_unread   Python source whose coding declaration names a codec CPython
 *                            runs it with and aura-parse cannot decode exactly (lib/pyparse/pyparse_cookie.h)
 */
#define FACT_MAX 5

/* Source distributions: what pip builds from (a wheel or a .deb ships built files). */
static bool is_sdist(const char *format)
{
	return format && (!strncmp(format, "tar", 3) || !strcmp(format, "zip"));
}

static void emit(const struct rule *r, const json_t *file, const char *fact, enum context c)
{
	if (!r->applies[c])
		return;
	const char *path = record_str(file, "path");
	static const char *const when[CTX_COUNT] = { "at install time", "at import time",
						     "in test or example code", "when the user runs the package's command" };
	size_t cap = strlen(r->message) + strlen(path) + 64, len = 0;
	char *msg = xmalloc(cap);
	for (const char *p = r->message; *p;) {	/* {name}: the member; {when}: the context */
		const char *sub = !strncmp(p, "{name}", 6) ? path : !strncmp(p, "{when}", 6) ? when[c] : NULL;
		size_t n = sub ? strlen(sub) : 1;
		if (len + n + 1 > cap)
			msg = xrealloc(msg, cap = (len + n + 1) * 2);
		memcpy(msg + len, sub ? sub : p, n);
		len += n;
		p += sub ? 6 : 1;
	}
	msg[len] = '\0';
	json_t *hit = rule_hit_new(r, c, r->score[c], record_str(file, "artifact"), path, 0, 0,
				   record_str(file, "id"), fact, msg);
	free(msg);
	json_array_append_new(json_object_get(hit, "tags"), json_string("file"));
	out_record(hit);
	json_decref(hit);
}

void files_check_fact(const struct ruleset *rules, const json_t *file, const char *fact)
{
	const char *path = record_str(file, "path");
	const struct rule *r = path ? rules_match(&rules->files, fact, false) : NULL;
	if (r)
		emit(r, file, fact, rules_is_test_path(rules, path) ? CTX_FUNCTION : CTX_IMPORT);
}

void files_check(const struct ruleset *rules, const json_t *file, const char *artifact_format)
{
	const char *path = record_str(file, "path");
	const char *kind = record_str(file, "kind");
	if (!rules->files.n || !path || !kind)
		return;
	const char *base = source_base_name(path);
	char facts[FACT_MAX][300];
	size_t n = 0;
	if (!strcmp(kind, "pth") && json_is_true(json_object_get(file, "pth_has_code")))
		snprintf(facts[n++], sizeof facts[0], "pth.code");
	if (!strcmp(kind, "native") && is_sdist(artifact_format))
		snprintf(facts[n++], sizeof facts[0], "native.in_sdist");
	const char *dot = strrchr(base, '.');
	if (!strcmp(kind, "archive") && dot && dot != base)
		snprintf(facts[n++], sizeof facts[0], "archive_as%.200s", dot);
	snprintf(facts[n++], sizeof facts[0], "file.%.200s", base);
	bool unread = false;
	if (!strcmp(kind, "python")) {
		size_t len = 0;
		unsigned char *src = record_get_bytes(file, "content", &len);
		char codec[64];
		if (src && pycookie_unreadable((const char *)src, len, codec)) {
			snprintf(facts[n++], sizeof facts[0], "source.encoding_unread");
			unread = true;
		}
		free(src);
	}
	/* A start-up hook runs on every interpreter start after install; test fixtures never run. */
	bool test = rules_is_test_path(rules, path);
	for (size_t i = 0; i < n; i++) {
		const struct rule *r = rules_match(&rules->files, facts[i], false);
		/* code a setup.py holds runs at install, like a .pth line */
		bool install = !strcmp(facts[i], "pth.code") ||
			       (unread && !strcmp(facts[i], "source.encoding_unread") && !strcmp(base, "setup.py"));
		enum context c = test ? CTX_FUNCTION : install ? CTX_INSTALL : CTX_IMPORT;
		if (r)
			emit(r, file, facts[i], c);
	}
}
