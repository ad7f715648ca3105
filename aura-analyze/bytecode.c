/* bytecode.c: .pyc members without the source they were compiled from. */
#include <stdlib.h>
#include <string.h>

#include "bytecode.h"
#include "err.h"
#include "files.h"
#include "record.h"

struct bytecode {
	json_t *sources;	/* set of .py paths */
	json_t *pycs;		/* [{path, artifact, id}] of .pyc members */
};

struct bytecode *bytecode_new(void)
{
	struct bytecode *b = xmalloc(sizeof *b);
	b->sources = json_object();
	b->pycs = json_array();
	return b;
}

void bytecode_free(struct bytecode *b)
{
	if (!b)
		return;
	json_decref(b->sources);
	json_decref(b->pycs);
	free(b);
}

static bool ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);
	return n >= k && !strcmp(s + n - k, suffix);
}

void bytecode_note(struct bytecode *b, const json_t *file)
{
	const char *path = record_str(file, "path");
	const char *kind = record_str(file, "kind");
	if (!b || !path || !kind)
		return;
	size_t n = strlen(path);
	if (ends_with(path, n, ".py"))
		json_object_set_new(b->sources, path, json_true());
	if (!strcmp(kind, "pyc")) {
		json_t *o = json_pack("{s:s, s:s?, s:s?}", "path", path, "artifact",
				      record_str(file, "artifact"), "id", record_str(file, "id"));
		if (o)
			json_array_append_new(b->pycs, o);
	}
}

/*
 * The source a .pyc stands for: `d/m.pyc` → `d/m.py` (Python imports that one without
 * source), `d/__pycache__/m.cpython-311.pyc` → `d/m.py` (PEP 3147's cache). NULL: no name.
 */
static char *source_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	size_t dir = (size_t)(base - path);
	const char *dot = strchr(base, '.');
	if (!dot || dot == base)
		return NULL;
	static const char cache[] = "__pycache__/";
	if (dir >= sizeof cache - 1 && !strncmp(base - (sizeof cache - 1), cache, sizeof cache - 1))
		dir -= sizeof cache - 1;
	size_t stem = (size_t)(dot - base);
	char *out = xmalloc(dir + stem + 4);
	memcpy(out, path, dir);
	memcpy(out + dir, base, stem);
	memcpy(out + dir + stem, ".py", 4);
	return out;
}

void bytecode_finish(struct bytecode *b, const struct ruleset *rules)
{
	if (!b)
		return;
	size_t i;
	json_t *pyc;
	json_array_foreach(b->pycs, i, pyc) {
		char *src = source_of(record_str(pyc, "path"));
		if (!src || !json_object_get(b->sources, src))
			files_check_fact(rules, pyc, "pyc.no_source");
		free(src);
	}
	json_array_clear(b->pycs);
	json_object_clear(b->sources);
}
