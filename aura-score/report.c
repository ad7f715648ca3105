/* report.c: each verdict through the gates, into the database (--db) and to the chosen output. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "record.h"
#include "score.h"

bool report_gate(const struct report *rep, long long score, int rank)
{
	return (rep->fail_score >= 0 && score >= rep->fail_score) ||
	       (rep->fail_rank >= 0 && rank >= rep->fail_rank);
}

void report_verdict(json_t *verdict, const struct artifact *a, struct score_ctx *ctx)
{
	struct report *rep = ctx->report;
	long long score = record_int(verdict, "score", 0);
	int rank = level_rank(record_str(verdict, "risk"));

	/* Before anything keeps the verdict: the database and every format record it. */
	if (rep->custom_stages)
		json_object_set(verdict, "custom_stages", rep->custom_stages);
	rep->packages++;
	if (rank >= 0)
		rep->by_risk[rank]++;
	if (!json_is_true(json_object_get(verdict, "complete")))
		rep->incomplete++;
	/* An artifact the policy approved by its sha256 passes the gates (policy.c). */
	if (report_gate(rep, score, rank) &&
	    !json_object_get(json_object_get(verdict, "policy"), "approved"))
		rep->gate_reached = true;

	if (rep->db && !json_object_get(verdict, "reused")) {	/* a reused one is stored already */
		/* The database keeps every hit: --min-level is about what is printed. */
		json_t *whole = a && ctx->min_rank > 0 ? verdict_build(a, 0) : json_incref(verdict);
		if (whole != verdict && rep->custom_stages)
			json_object_set(whole, "custom_stages", rep->custom_stages);
		if (db_store(rep->db, whole, a) != 0)
			rep->db_failed = true;
		json_decref(whole);
	}

	/* --explain: the terms come from every hit, whatever --min-level hides. */
	json_t *why = NULL;
	if (rep->explain)
		why = score_explain(a ? a->hits : json_object_get(verdict, "hits"));

	switch (rep->format) {
	case FORMAT_JSON:
		if (why)
			json_object_set(verdict, "explain", why);
		report_json_verdict(verdict);
		break;
	case FORMAT_SARIF:
		sarif_add_verdict(rep->sarif, verdict);
		break;
	case FORMAT_TEXT:
		if (why)
			report_text_explain(verdict, why, rep);
		else
			report_text_verdict(verdict, rep);
		/* Text is written with stdio directly; out_record flushes JSON itself. */
		if (rep->unbuffered)
			fflush(stdout);
		break;
	}
	json_decref(why);
}

json_t *source_window(const char *line, size_t len, long long col, json_t *hit)
{
	struct window w = quote_window(line, len, col > 0 ? (size_t)col : 0, SOURCE_LINE_MAX);
	size_t n = w.to - w.from;
	char *quote = xmalloc(n + 2 * CUT_MARK_LEN + 1), *q = quote;
	if (w.from > 0)
		q = mempcpy(q, CUT_MARK, CUT_MARK_LEN);
	q = mempcpy(q, line + w.from, n);
	if (w.to < len)
		q = mempcpy(q, CUT_MARK, CUT_MARK_LEN);
	long long from_chars = 0;
	for (size_t i = 0; i < w.from; i++)
		if (((unsigned char)line[i] & 0xC0) != 0x80)
			from_chars++;
	json_t *win = json_pack("{s:I, s:I, s:I}", "from", (json_int_t)w.from, "from_chars",
				(json_int_t)from_chars, "line_bytes", (json_int_t)len);
	if (!win)
		aura_oom();
	json_object_set_new(hit, "source_window", win);
	json_t *out = json_stringn(quote, (size_t)(q - quote));
	free(quote);
	return out;
}
