/* npm.c: npm install scripts (the lifecycle scripts npm runs by itself) against the string rules. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "ndjson.h"
#include "npm.h"
#include "record.h"
#include "strings.h"

/* The scripts npm runs without being asked, on `npm install`. */
static const char *const lifecycle_scripts[] = {
	"preinstall", "install", "postinstall", "prepublish", "preprepare", "prepare",
	"postprepare", NULL
};

struct script_site {
	const char *artifact, *path, *file_id, *script, *command;
};

static void on_match(const struct rule *r, const char *match, size_t len, void *ctx)
{
	const struct script_site *s = ctx;
	if (!r->applies[CTX_INSTALL])
		return;
	char msg[512];
	snprintf(msg, sizeof msg, "npm runs the '%s' script at install time: %s (%.*s)", s->script,
		 r->detection, (int)(len > 200 ? 200 : len), match);
	json_t *hit = rule_hit_new(r, CTX_INSTALL, r->score[CTX_INSTALL], s->artifact, s->path, 0, 0,
				   s->file_id, s->script, "");
	json_object_set_new(hit, "message", json_string_lossy(msg, strlen(msg)));
	json_object_set_new(hit, "evidence", json_string_lossy(s->command, strlen(s->command)));
	json_array_append_new(json_object_get(hit, "tags"), json_string("npm"));
	out_record(hit);
	json_decref(hit);
}

/* Every lifecycle script of a `scripts` object. */
static void check_scripts(const struct ruleset *rules, const json_t *scripts,
			  struct script_site *site)
{
	for (const char *const *name = lifecycle_scripts; *name; name++) {
		const json_t *cmd = json_object_get(scripts, *name);
		if (!json_is_string(cmd))
			continue;
		size_t len = json_string_length(cmd);
		if (len > STRINGS_MAX_SCAN)
			len = STRINGS_MAX_SCAN;
		char *padded = xmalloc(len + STRINGS_PAD);	/* strings_scan reads past the end */
		memcpy(padded, json_string_value(cmd), len);
		memset(padded + len, 0, STRINGS_PAD);
		site->script = *name;
		site->command = padded;
		strings_scan(&rules->strings, padded, len, on_match, site);
		free(padded);
	}
}

void npm_check_artifact(const struct ruleset *rules, const json_t *artifact)
{
	const char *eco = record_str(artifact, "ecosystem");
	if (!eco || strcmp(eco, "npm") != 0)
		return;
	struct script_site site = { .artifact = record_str(artifact, "id"),
				    .path = "package/package.json" };
	check_scripts(rules, json_object_get(json_object_get(artifact, "registry"), "install_scripts"),
		      &site);
}

void npm_check_file(const struct ruleset *rules, const json_t *file)
{
	const char *path = record_str(file, "path"), *enc = record_str(file, "content_encoding");
	const json_t *content = json_object_get(file, "content");
	if (!path || strcmp(path, "package/package.json") != 0 || !enc || strcmp(enc, "utf-8") != 0 ||
	    !json_is_string(content))
		return;
	json_t *manifest = json_loadb(json_string_value(content), json_string_length(content),
				      JSON_REJECT_DUPLICATES, NULL);
	struct script_site site = { .artifact = record_str(file, "artifact"), .path = path,
				    .file_id = record_str(file, "id") };
	if (json_is_object(manifest))
		check_scripts(rules, json_object_get(manifest, "scripts"), &site);
	json_decref(manifest);
}
