/* report_json.c: verdicts for machines — one NDJSON verdict record per artifact. */
#include "ndjson.h"
#include "score.h"

/*
 * Written as jansson serialises it: controls are escaped by JSON itself.  Bidi overrides
 * stay as they are, because a JSON consumer must see the package's exact text; whoever
 * displays it escapes it (as report_text.c does).
 */
void report_json_verdict(json_t *verdict)
{
	out_record(verdict);
}
