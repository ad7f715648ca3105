/* score.h: the interfaces between aura-score's modules (collect, model, reports, gates). */
#ifndef AURA_SCORE_H
#define AURA_SCORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "ndjson.h"

/* ---- model.c: the scoring model (docs/scoring.md) ---- */

/* Risk levels share the severity names; these are the lower bounds of each level's score. */
#define RISK_LOW_AT		20
#define RISK_MEDIUM_AT		50
#define RISK_HIGH_AT		100
#define RISK_CRITICAL_AT	200
/* Non-install hits of one detection add up to at most this many times its biggest hit. */
#define SATURATION_FACTOR	3
/* One hit's score is clamped to [0, SCORE_MAX_PER_HIT], so a hostile stream cannot overflow. */
#define SCORE_MAX_PER_HIT	100000
/* The reason quotes this many top hits, each message cut at REASON_MESSAGE_MAX bytes. */
#define REASON_HITS		3
#define REASON_MESSAGE_MAX	120

/* Everything the stream said about one artifact, until its verdict is out. */
struct artifact {
	char *id;
	json_t *info;		/* the `artifact` record, or NULL when it never came */
	json_t *hits;		/* deduplicated hit records, each with "count" */
	json_t *hit_index;	/* dedup key -> index in `hits` */
	json_t *errors;		/* [{stage, path, message}] */
	long files;		/* `file` records seen */
	json_t *end;		/* the `artifact_end` record, or NULL */
	struct artifact *next;
};

/* The risk level name for a total score. */
const char *risk_for_score(long long score);
/* Rank of a severity or risk name (info 0 .. critical 4), -1 when unknown. */
int level_rank(const char *name);
/* True when a hit ran at install time (context "install" or tag "install"/"install-time"). */
bool hit_is_install(const json_t *hit);
/* A hit's score, clamped to [0, SCORE_MAX_PER_HIT]; 0 when missing or not a number. */
long long hit_score(const json_t *hit);

/*
 * The verdict record for `a`.  Hits below `min_rank` are left out of "hits" (counted in
 * "hits_hidden") but still scored.
 */
json_t *verdict_build(const struct artifact *a, int min_rank);

/* ---- collect.c: per-artifact accumulation from the record stream ---- */

struct score_ctx;
typedef void (*verdict_fn)(json_t *verdict, struct score_ctx *ctx);

struct score_ctx {
	struct artifact *open;	/* artifacts without a verdict yet, in order of first record */
	long stream_errors;	/* bad lines, error records naming no artifact, unattributable records */
	int min_rank;		/* --min-level */
	verdict_fn emit;	/* called once per verdict; the callee does not keep it */
	void *report;		/* the report's own state */
};

/* Consume every record of `r`, emitting each verdict as soon as its artifact_end arrives. */
void collect_run(struct ndjson_reader *r, struct score_ctx *ctx);
/* At end of input: a verdict (complete:false) for every artifact still open. */
void collect_flush(struct score_ctx *ctx);

/* ---- report_text.c / report_json.c / escape.c ---- */

struct report {
	bool json;
	bool color;
	bool unbuffered;
	long long fail_score;	/* -1: no gate */
	int fail_rank;		/* -1: no gate */
	/* tallies for the summary and the exit status */
	long packages;
	long by_risk[5];
	long incomplete;
	bool gate_reached;
};

/* Tally one verdict against the gates, then write it in the chosen format. */
void report_verdict(json_t *verdict, struct score_ctx *ctx);
void report_text_verdict(const json_t *verdict, const struct report *rep);
void report_text_summary(const struct report *rep, long stream_errors);
void report_json_verdict(json_t *verdict);

/*
 * Write `s` for a terminal: control characters (C0, DEL, C1), bidi overrides and isolates
 * and line separators become visible escapes; at most `max` bytes of `s` are shown, then "...".
 */
void text_escape(FILE *out, const char *s, size_t max);

#endif
