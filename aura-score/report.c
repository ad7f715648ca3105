/* report.c: each verdict through the gates (--fail-score, --fail-level) and to the chosen output. */
#include <stdio.h>

#include "record.h"
#include "score.h"

void report_verdict(json_t *verdict, struct score_ctx *ctx)
{
	struct report *rep = ctx->report;
	long long score = record_int(verdict, "score", 0);
	int rank = level_rank(record_str(verdict, "risk"));

	rep->packages++;
	if (rank >= 0)
		rep->by_risk[rank]++;
	if (!json_is_true(json_object_get(verdict, "complete")))
		rep->incomplete++;
	if ((rep->fail_score >= 0 && score >= rep->fail_score) ||
	    (rep->fail_rank >= 0 && rank >= rep->fail_rank))
		rep->gate_reached = true;

	if (rep->json) {
		report_json_verdict(verdict);
		return;
	}
	report_text_verdict(verdict, rep);
	/* Text is written with stdio directly; out_record flushes JSON itself. */
	if (rep->unbuffered)
		fflush(stdout);
}
