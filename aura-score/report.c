/* report.c: each verdict through the gates, into the database (--db) and to the chosen output. */
#include <stdio.h>

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

	rep->packages++;
	if (rank >= 0)
		rep->by_risk[rank]++;
	if (!json_is_true(json_object_get(verdict, "complete")))
		rep->incomplete++;
	/* An artifact the policy approved by its sha256 passes the gates (policy.c). */
	if (report_gate(rep, score, rank) &&
	    !json_object_get(json_object_get(verdict, "policy"), "approved"))
		rep->gate_reached = true;

	if (rep->db) {
		/* The database keeps every hit: --min-level is about what is printed. */
		json_t *whole = a && ctx->min_rank > 0 ? verdict_build(a, 0) : json_incref(verdict);
		if (db_store(rep->db, whole, a) != 0)
			rep->db_failed = true;
		json_decref(whole);
	}

	switch (rep->format) {
	case FORMAT_JSON:
		report_json_verdict(verdict);
		return;
	case FORMAT_SARIF:
		sarif_add_verdict(rep->sarif, verdict);
		return;
	case FORMAT_TEXT:
		report_text_verdict(verdict, rep);
		/* Text is written with stdio directly; out_record flushes JSON itself. */
		if (rep->unbuffered)
			fflush(stdout);
		return;
	}
}
