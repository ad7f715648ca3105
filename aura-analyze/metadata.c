/* metadata.c: package-level signals — a name one or two typos away from a popular project. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "metadata.h"
#include "ndjson.h"
#include "record.h"
#include "stagehits.h"

#define NAME_MAX_LEN 64		/* longer names are not compared (none of the popular ones is) */
#define MIN_LEN 5		/* shorter names have too many neighbours to mean anything */

struct popular {
	char **names;		/* PEP 503-normalised, in rank order */
	size_t n;
	json_t *set;		/* name -> rank, to tell a popular name from a look-alike */
};

/* PEP 503: lowercase, runs of - _ . become one -.  False when it does not fit. */
static bool normalise(const char *in, char *out, size_t len)
{
	size_t o = 0;
	for (const char *p = in; *p; p++) {
		char c = (char)tolower((unsigned char)*p);
		if (c == '-' || c == '_' || c == '.') {
			if (o && out[o - 1] == '-')
				continue;
			c = '-';
		}
		if (o + 1 >= len)
			return false;
		out[o++] = c;
	}
	out[o] = '\0';
	return o > 0;
}

struct popular *popular_load(const char *path)
{
	json_error_t err;
	json_t *doc = json_load_file(path, 0, &err);
	json_t *rows = json_object_get(doc, "rows");
	if (!json_is_array(rows)) {
		if (!doc && access(path, F_OK) != 0) {	/* not shipped here: an optional check */
			return NULL;
		}
		aura_warn("%s: no popular-project list (%s): typosquatting is not checked", path,
			  doc ? "no rows" : err.text);
		json_decref(doc);
		return NULL;
	}
	struct popular *p = xmalloc(sizeof *p);
	p->names = xmalloc((json_array_size(rows) + 1) * sizeof *p->names);
	p->n = 0;
	p->set = json_object();
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		char name[NAME_MAX_LEN + 1];
		const char *project = json_string_value(json_object_get(row, "project"));
		if (!project || !normalise(project, name, sizeof name))
			continue;
		p->names[p->n] = xstrdup(name);
		json_object_set_new(p->set, name, json_integer((json_int_t)p->n));
		p->n++;
	}
	json_decref(doc);
	return p;
}

void popular_free(struct popular *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++)
		free(p->names[i]);
	free(p->names);
	json_decref(p->set);
	free(p);
}

/* Damerau-Levenshtein (optimal string alignment) distance, or 3 when it is more than 2. */
static int distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > lb + 2 || lb > la + 2 || la > NAME_MAX_LEN || lb > NAME_MAX_LEN)
		return 3;
	int d[NAME_MAX_LEN + 1][NAME_MAX_LEN + 1];
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (int)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (int)j;
	for (size_t i = 1; i <= la; i++) {
		int rowmin = 99;
		for (size_t j = 1; j <= lb; j++) {
			int cost = a[i - 1] != b[j - 1];
			int v = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < v)
				v = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < v)
				v = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < v)
				v = d[i - 2][j - 2] + 1;
			d[i][j] = v;
			if (v < rowmin)
				rowmin = v;
		}
		if (rowmin > 2)
			return 3;
	}
	return d[la][lb] > 2 ? 3 : d[la][lb];
}

/* A Debian package is named by Debian, not by whoever uploaded it: no squatting there. */
static bool is_registry_artifact(const json_t *artifact)
{
	const char *path = record_str(artifact, "path");
	const char *format = record_str(artifact, "format");
	size_t n = path ? strlen(path) : 0;
	if (format && (!strcmp(format, "ar") || !strcmp(format, "deb")))
		return false;
	return !(n > 4 && !strcmp(path + n - 4, ".deb"));
}

/*
 * The package name when the artifact record carries none (a replacement fetch may emit only
 * id, path and kind: docs/extending.md): from the file name, as aura-fetch reads it — an
 * archive's stem up to the "-" before its version, a directory's or file's own name.
 */
static const char *name_from_path(const json_t *artifact, char *buf, size_t len)
{
	static const char *const suffixes[] = { ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".zip",
						".whl", ".tar", ".egg", NULL };
	const char *path = record_str(artifact, "path"), *base;
	if (!path)
		return NULL;
	size_t n = strlen(path);
	while (n > 1 && path[n - 1] == '/')
		n--;
	for (base = path + n; base > path && base[-1] != '/'; base--)
		;
	size_t stem = (size_t)(path + n - base);
	bool archive = false;
	for (const char *const *x = suffixes; *x && !archive; x++) {
		size_t sl = strlen(*x);
		if (stem > sl && !strncmp(base + stem - sl, *x, sl))
			stem -= sl, archive = true;
	}
	for (size_t i = 0; archive && i + 1 < stem; i++)
		if (base[i] == '-' && isdigit((unsigned char)base[i + 1])) {
			stem = i;
			break;
		}
	if (stem == 0)
		return NULL;
	if (stem >= len)
		return "";	/* longer than any name compared (NAME_MAX_LEN): nothing to check */
	memcpy(buf, base, stem);
	buf[stem] = '\0';
	return buf;
}

/* Said as a hit, not skipped: a verdict must not look checked when it was not. */
static void name_unknown(const json_t *artifact)
{
	json_t *hit = hit_new(record_str(artifact, "id"), HIT_ANALYZE(PackageNameUnknown), NULL, 0, 0,
			      "the artifact record names no package and has no path to take a name "
			      "from: the typosquat check was not run");
	json_array_append_new(json_object_get(hit, "tags"), json_string("metadata"));
	out_record(hit);
	json_decref(hit);
}

void metadata_check_artifact(const struct popular *p, const struct ruleset *rules,
			     const json_t *artifact)
{
	const char *raw = record_str(artifact, "name");
	char name[NAME_MAX_LEN + 1], from_path[NAME_MAX_LEN + 2];
	if (p && !raw && !(raw = name_from_path(artifact, from_path, sizeof from_path))) {
		name_unknown(artifact);
		return;
	}
	if (!p || !raw || !is_registry_artifact(artifact) || !normalise(raw, name, sizeof name) ||
	    strlen(name) < MIN_LEN || json_object_get(p->set, name))
		return;
	size_t best = p->n;
	int best_d = 3;
	for (size_t i = 0; i < p->n && best_d > 1; i++) {
		int d = distance(name, p->names[i]);
		if (d < best_d)
			best_d = d, best = i;
	}
	/* The rules' typosquat rows (data/rules.yaml): the first that fits decides. */
	for (size_t k = 0; best < p->n && k < rules->nsquat; k++) {
		const struct squat_score *q = &rules->squat[k];
		if (q->distance != best_d || best >= (size_t)q->max_rank)
			continue;
		char msg[256];
		snprintf(msg, sizeof msg, "package name '%s' is %d edit%s away from '%s', the #%zu most "
			 "downloaded PyPI project: a possible typosquat", raw, best_d, best_d > 1 ? "s" : "",
			 p->names[best], best + 1);
		json_t *hit = hit_new(record_str(artifact, "id"), "Typosquat", q->score,
				      context_severity(q->severity, q->score),
				      NULL, 0, 0, msg);
		json_object_set_new(hit, "name", json_string(p->names[best]));
		json_array_append_new(json_object_get(hit, "tags"), json_string("metadata"));
		json_array_append_new(json_object_get(hit, "tags"), json_string("typosquatting"));
		json_object_set_new(hit, "evidence", json_string(raw));
		out_record(hit);
		json_decref(hit);
		return;
	}
}
