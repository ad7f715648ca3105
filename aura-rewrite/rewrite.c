/* rewrite.c: one `ast` record rewritten, and the hit records that go after it. */
#include <stdbool.h>

#include "record.h"
#include "resolve.h"
#include "rewrite.h"

/* The findings of the walk, as hit records naming the ast record's artifact and file. */
static json_t *hit_records(const json_t *rec, const json_t *hits)
{
	json_t *out = json_array();
	size_t i;
	json_t *h;
	json_array_foreach(hits, i, h) {
		json_t *hit = hit_new(record_str(rec, "artifact"), record_str(h, "detection"),
				      (int)record_int(h, "score", 0), record_str(h, "severity"),
				      record_str(rec, "path"), (long)record_int(h, "line", 0),
				      (long)record_int(h, "col", 0), record_str(h, "message"));
		if (record_str(rec, "file"))
			json_object_set_new(hit, "file", json_string(record_str(rec, "file")));
		json_array_append_new(json_object_get(hit, "tags"), json_string("obfuscation"));
		json_array_append_new(out, hit);
	}
	return out;
}

json_t *rewrite_ast_record(json_t *rec, const char **why)
{
	json_t *tree = json_object_get(rec, "tree");
	if (!json_is_object(tree)) {
		*why = "ast record without a tree object: not rewritten";
		return NULL;
	}
	bool again = json_is_true(json_object_get(tree, "_rewritten"));
	struct resolve_stats stats;
	resolve_tree(tree, &stats);	/* the same record, same key order, plus `_` annotations */
	json_t *out = again ? json_array() : hit_records(rec, stats.hits);
	json_decref(stats.hits);	/* a subtree too deep to follow is one of them (DeepNesting) */
	return out;
}
