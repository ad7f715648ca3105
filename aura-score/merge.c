/* merge.c: verdict streams of several parallel runs combined into one report and one exit status. */
#include <string.h>

#include "err.h"
#include "record.h"
#include "score.h"

/*
 * Parallel runs (xargs -P, GNU parallel, several machines) each write NDJSON verdicts;
 * `cat run*.ndjson | aura-score --merge` reports them as if one run had scanned
 * everything.  Runs may overlap (a retried batch, a package listed twice): one verdict per
 * artifact id survives, a complete one over an incomplete one (a retry that finished
 * supersedes the run that was cut), otherwise the first.  Verdicts are kept until end of
 * input for that reason; they are small (no file contents).
 */
static void keep(json_t *list, json_t *index, json_t *v, struct ndjson_reader *r,
		 struct score_ctx *ctx)
{
	const char *id = record_str(json_object_get(v, "artifact"), "id");
	if (!id) {
		aura_warn("%s:%lu: verdict without an artifact id", ndjson_name(r), ndjson_lineno(r));
		ctx->stream_errors++;
		return;
	}
	json_t *at = json_object_get(index, id);
	if (!at) {
		json_object_set_new(index, id, json_integer((json_int_t)json_array_size(list)));
		json_array_append(list, v);
		return;
	}
	size_t i = (size_t)json_integer_value(at);
	if (!json_is_true(json_object_get(json_array_get(list, i), "complete")) &&
	    json_is_true(json_object_get(v, "complete")))
		json_array_set(list, i, v);
}

void merge_run(struct ndjson_reader *r, struct score_ctx *ctx)
{
	json_t *list = json_array(), *index = json_object(), *rec;
	char why[512];
	enum ndjson_status st;
	if (!list || !index)
		aura_oom();
	while ((st = ndjson_next(r, &rec, why, sizeof why)) != NDJSON_EOF) {
		if (st == NDJSON_BAD) {
			aura_warn("%s:%lu: %s", ndjson_name(r), ndjson_lineno(r), why);
			ctx->stream_errors++;
			continue;
		}
		if (record_is(rec, "verdict")) {
			json_t *v = verdict_bounded(rec, why, sizeof why);
			if (v)
				keep(list, index, v, r, ctx);
			else {	/* not reported as it came: said, and counted (exit 2) */
				aura_warn("%s:%lu: malformed verdict record: %s", ndjson_name(r),
					  ndjson_lineno(r), why);
				ctx->stream_errors++;
			}
			json_decref(v);
		}
		json_decref(rec);
	}
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v) {
		/* --min-level applies again: the runs may have shown more than this report wants. */
		json_t *hits = json_object_get(v, "hits");
		if (json_is_array(hits)) {
			size_t gone = hits_filter(hits, ctx->min_rank);
			json_object_set_new(v, "hits_hidden",
					    json_integer(record_int(v, "hits_hidden", 0) + (json_int_t)gone));
		}
		ctx->emit(v, NULL, ctx);
	}
	json_decref(list);
	json_decref(index);
}
