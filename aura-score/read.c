/* read.c: aura-score's reading of the stream — what a verdict needs of each record, and no more. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "jsonr.h"
#include "record.h"
#include "score.h"

/*
 * The record types built whole.  `file` is not among them: a member's record is mostly its
 * content, which a verdict needs only to quote the lines its hits point at.  It is checked
 * whole by lib/jsonscan, like every line, and built from the few fields below; its content
 * is kept as the bytes of its JSON string and decoded only when a hit quotes it.  Every
 * other type (ast above all: most of the stream's bytes) is checked and never built.
 */
static const char *const built_types[] = { "artifact", "hit", "error", "artifact_end", "reused",
					   NULL };

/* The fields of a file record that score uses (collect.c's add_file, lib/record.c's ranges). */
enum { F_ARTIFACT, F_ID, F_INDEX, F_PATH, F_SHA256, F_SIZE, F_KIND, F_CONTENT_ENCODING,
       F_CONTENT, F_COUNT };
static struct jsonscan_field file_fields[F_COUNT] = {
	[F_ARTIFACT] = { .key = "artifact" }, [F_ID] = { .key = "id" },
	[F_INDEX] = { .key = "index" }, [F_PATH] = { .key = "path" },
	[F_SHA256] = { .key = "sha256" }, [F_SIZE] = { .key = "size" },
	[F_KIND] = { .key = "kind" }, [F_CONTENT_ENCODING] = { .key = "content_encoding" },
	[F_CONTENT] = { .key = "content" },
};

/* The content of the file record read_record returned last (a JSON string), or NULL. */
static const char *last_content;
static size_t last_content_len;

/* The file record of the line just checked, from its fields' bytes: {type, artifact, id, …}. */
static json_t *file_record(char *why, size_t whylen)
{
	json_t *rec = json_object();
	if (!rec)
		aura_oom();
	json_object_set_new(rec, "type", json_string("file"));
	for (size_t i = 0; i < F_COUNT; i++) {
		const struct jsonscan_field *f = &file_fields[i];
		if (i == F_CONTENT || !f->value)
			continue;
		struct jsonr_error err;
		json_t *v = jsonr_parse(f->value, f->len, &err);
		if (!v) {	/* a part of a line jsonscan checked: cannot happen */
			json_decref(rec);
			snprintf(why, whylen, "file record: field %s unreadable: %s", f->key, err.text);
			return NULL;
		}
		json_object_set_new(rec, f->key, v);
	}
	const struct jsonscan_field *c = &file_fields[F_CONTENT];
	if (c->value && c->value[0] == '"') {
		last_content = c->value;
		last_content_len = c->len;
	}
	return rec;
}

enum ndjson_status read_record(struct ndjson_reader *r, json_t **rec, char *why, size_t whylen)
{
	struct jsonscan_type type;
	last_content = NULL;
	last_content_len = 0;
	enum ndjson_status st = ndjson_next_fields(r, built_types, file_fields, F_COUNT, &type, rec,
						   why, whylen);
	if (st != NDJSON_SKIPPED || !jsonscan_type_is(&type, "file"))
		return st;
	*rec = file_record(why, whylen);
	return *rec ? NDJSON_RECORD : NDJSON_BAD;
}

void file_text_keep(struct file_text *t, const json_t *file)
{
	json_decref(t->text);
	t->text = NULL;
	t->len = 0;
	const char *enc = record_str(file, "content_encoding");
	if (enc && strcmp(enc, "utf-8") != 0)
		return;
	json_t *built = json_object_get(file, "content");	/* a record jsonr built whole */
	if (json_is_string(built)) {
		t->text = json_incref(built);
		return;
	}
	if (!last_content)
		return;
	if (last_content_len > t->cap) {	/* grows to the biggest text; reused for the next */
		free(t->raw);
		t->cap = last_content_len;
		t->raw = xmalloc(t->cap);
	}
	memcpy(t->raw, last_content, last_content_len);
	t->len = last_content_len;
}

const json_t *file_text_get(struct file_text *t)
{
	if (!t->text && t->len) {
		struct jsonr_error err;
		t->text = jsonr_parse(t->raw, t->len, &err);	/* checked when read: cannot fail */
		t->len = 0;
	}
	return t->text;
}

void file_text_free(struct file_text *t)
{
	json_decref(t->text);
	free(t->raw);
	*t = (struct file_text){ 0 };
}
