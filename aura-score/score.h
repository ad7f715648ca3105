/* score.h: the interfaces between aura-score's modules (collect, model, reports, gates). */
#ifndef AURA_SCORE_H
#define AURA_SCORE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "ndjson.h"
#include "risk.h"

/* ---- model.c: the scoring model (docs/scoring.md) ---- */

/* RISK_LOW_AT .. RISK_CRITICAL_AT, the lowest score of each risk level, are in lib/risk.h. */
/* Non-install hits of one detection add up to at most this many times its biggest hit. */
#define SATURATION_FACTOR	3
/* Weak findings outside the package's most suspicious file add at most this much. */
#define SPREAD_CAP		30
/* The reason quotes this many top hits, each message cut at REASON_MESSAGE_MAX bytes. */
#define REASON_HITS		3
#define REASON_MESSAGE_MAX	120
/*
 * A hit's quoted source line ("source") is a window of at most this many bytes around the
 * hit's column: minified code is one line.  Reports show DECODED_SHOW_MAX bytes of a payload.
 */
#define SOURCE_LINE_MAX		1000
#define DECODED_SHOW_MAX	300

/* ---- read.c: reading the stream (only what a verdict needs) ---- */

/*
 * The next record of `r` that score uses, as ndjson_next_of returns it; NDJSON_SKIPPED for
 * the types it does not use (checked whole, never built).  A `file` record holds only the
 * fields score reads; its content stays in the line, for file_text_keep.
 */
enum ndjson_status read_record(struct ndjson_reader *r, json_t **rec, char *why, size_t whylen);

/* A file's text, kept as the bytes of its JSON string and decoded only when a hit quotes it. */
struct file_text {
	char *raw;		/* the string with its quotes (a buffer reused from file to file) */
	size_t len, cap;	/* len 0: nothing kept */
	json_t *text;		/* decoded, once asked for */
};
/* Keep the text of `file`, the record read_record returned last (nothing when not UTF-8). */
void file_text_keep(struct file_text *t, const json_t *file);
/* The kept text as a JSON string, or NULL. */
const json_t *file_text_get(struct file_text *t);
void file_text_free(struct file_text *t);

/* Everything the stream said about one artifact, until its verdict is out. */
struct artifact {
	char *id;
	json_t *info;		/* the `artifact` record, or NULL when it never came */
	json_t *hits;		/* deduplicated hit records, each with "count" */
	json_t *hit_index;	/* dedup key -> index in `hits` */
	json_t *errors;		/* [{stage, path, message}] */
	long files;		/* `file` records seen */
	json_t *file_list;	/* [{index, path, sha256, size, kind}] for diff and the database */
	/* The latest file's text, to quote the source line of the hits that follow it. */
	char *last_file_id;
	struct file_text last_file_text;	/* nothing when the content was not text */
	json_t *end;		/* the `artifact_end` record, or NULL */
	long bad_lines;		/* lines that were not records, read while this artifact was open */
	char first_bad_line[64];	/* "<stdin>:12": where the first of them was */
	struct artifact *next;
};

/* The risk level name for a total score. */
const char *risk_for_score(long long score);
/* Rank of a severity or risk name (info 0 .. critical 4), -1 when unknown. */
int level_rank(const char *name);
/* True when a hit ran at install time (context "install" or tag "install"/"install-time"). */
bool hit_is_install(const json_t *hit);
/*
 * A hit's score: an integer 0..HIT_SCORE_MAX (lib/record.h).  Hits are range-checked when
 * they arrive (collect.c, merge.c), so anything else here is a bug: it counts 0.
 */
long long hit_score(const json_t *hit);
/* Does the hit carry the tag `want` among its "tags"? */
bool hit_has_tag(const json_t *hit, const char *want);

/*
 * The verdict record for `a`.  Hits below `min_rank` are left out of "hits" (counted in
 * "hits_hidden") but still scored.
 */
json_t *verdict_build(const struct artifact *a, int min_rank);

/* ---- bound.c: what a hit or a merged verdict may carry into the reports ---- */

/* Levels kept of one free-form hit field (a taint flow has 2). */
#define HIT_FIELD_DEPTH_MAX	8
/* Bytes kept of one string in a hit (evidence, payload, message). */
#define HIT_STRING_MAX		4096
/* Bytes (about their JSON size) kept of a hit's free-form fields together. */
#define HIT_EXTRA_BYTES_MAX	65536

/*
 * A copy of a range-checked hit within those bounds: its own fields whole (strings cut),
 * the free-form ones cut in depth and bytes; "cut" lists what was left out, per field.
 */
json_t *hit_bounded(const json_t *hit);
/* A JSON string, or a copy of its first HIT_STRING_MAX bytes (cut on a character boundary). */
json_t *string_bounded(const json_t *s);
/*
 * A verdict record read back by --merge, rebuilt from its known fields, range-checked and
 * bounded like the verdicts collect builds; NULL (and `why`) when it is malformed.
 */
json_t *verdict_bounded(const json_t *verdict, char *why, size_t whylen);

/* ---- collect.c: per-artifact accumulation from the record stream ---- */

struct score_ctx;
/* `a` is the artifact the verdict was built from, or NULL when it came from --merge. */
typedef void (*verdict_fn)(json_t *verdict, const struct artifact *a, struct score_ctx *ctx);

struct score_ctx {
	struct artifact *open;	/* artifacts without a verdict yet, in order of first record */
	long stream_errors;	/* bad lines, error records naming no artifact, unattributable records */
	int min_rank;		/* --min-level */
	verdict_fn emit;	/* called once per verdict; the callee does not keep it */
	void *report;		/* the report's own state */
	struct db *reuse_db;	/* --db: where `reused` records find their verdicts */
};

/* Consume every record of `r`, emitting each verdict as soon as its artifact_end arrives. */
void collect_run(struct ndjson_reader *r, struct score_ctx *ctx);
/* At end of input: a verdict (complete:false) for every artifact still open. */
void collect_flush(struct score_ctx *ctx);

/* ---- secret.c: found secrets never leave score in clear ---- */

/* "AKIA…[sha256:0123456789ab]": the first few characters and a short hash; malloc'd. */
char *secret_redact(const char *secret);
/* Redact the secret a hit carries (field "secret", or tag "secret") in all its text fields. */
void hit_redact_secrets(json_t *hit);

/* ---- report_text.c / report_json.c / report_sarif.c / escape.c ---- */

enum report_format { FORMAT_TEXT, FORMAT_JSON, FORMAT_SARIF };

struct db;
struct sarif;

struct report {
	enum report_format format;
	bool json;		/* format == FORMAT_JSON */
	bool color;
	bool unbuffered;
	bool explain;		/* --explain: how each verdict's score adds up */
	long long fail_score;	/* -1: no gate */
	int fail_rank;		/* -1: no gate */
	/* tallies for the summary and the exit status */
	long packages;
	long by_risk[5];
	long incomplete;
	bool gate_reached;
	struct db *db;		/* --db: every verdict is also stored there */
	struct sarif *sarif;	/* --format sarif: results gathered until the end */
	bool db_failed;		/* a verdict could not be stored: exit 2 */
	bool nothing_compared;	/* --diff found no two sides to compare: exit 2 */
	json_t *diff_sides;	/* --diff on a stream: the artifacts to compare, in order */
	/* --custom-stage: the stages of the pipeline a user replaced or inserted, recorded in
	 * every verdict as "custom_stages" (docs/extending.md); NULL when there were none. */
	json_t *custom_stages;
};

/*
 * The quote of a `len`-byte source line longer than SOURCE_LINE_MAX: the window around the
 * hit's byte column `col`, CUT_MARK on each side that was cut; sets the hit's
 * "source_window": {from: the line's first quoted byte, from_chars: the characters before
 * it, line_bytes: the line's length}.
 */
json_t *source_window(const char *line, size_t len, long long col, json_t *hit);
/* Tally one verdict against the gates, store it (--db), then write it in the chosen format. */
void report_verdict(json_t *verdict, const struct artifact *a, struct score_ctx *ctx);
/* True when the verdict reaches --fail-score or --fail-level. */
bool report_gate(const struct report *rep, long long score, int rank);
void report_text_verdict(const json_t *verdict, const struct report *rep);
void report_text_summary(const struct report *rep, long stream_errors);
/* One hit as the text report shows it: location, message, source line, evidence, payload. */
void report_text_hit(const json_t *hit, const struct report *rep);
void report_json_verdict(json_t *verdict);
/* --explain: the verdict with the terms of its score (score_explain) and each hit's chain. */
void report_text_explain(const json_t *verdict, const json_t *why, const struct report *rep);

/* SARIF 2.1.0: one log with one run; every verdict's hits become that run's results. */
/*
 * `srcroot` (--srcroot, else NULL: the current directory) is the base of relative uris;
 * resolved here, before sealing.  Fatal when it is not a directory.
 */
struct sarif *sarif_new(const char *srcroot);
void sarif_add_verdict(struct sarif *s, const json_t *verdict);
/* Write the log to stdout and free it. */
void sarif_finish(struct sarif *s);

/*
 * Write `s` for a terminal: control characters (C0, DEL, C1), bidi overrides and isolates
 * and line separators become visible escapes; at most `max` bytes of `s` are shown, then "...".
 */
void text_escape(FILE *out, const char *s, size_t max);
/* The same as a malloc'd string (for SARIF messages, which viewers display as they are). */
char *text_escaped(const char *s, size_t max);

/* What stands for text left out of a quote: a window's cut sides, a reason's cut message. */
#define CUT_MARK	"\xe2\x80\xa6"	/* U+2026 … */
#define CUT_MARK_LEN	3

/*
 * The part [from, to) of a `len`-byte line to quote so that byte `col` (a hit's column) is
 * in it: all of it when it fits in `max` bytes, else `max` bytes or a little less (whole
 * UTF-8 characters) starting about a third of `max` before `col`.  Minified code hides a
 * call thousands of bytes to the right: the start of its line shows nothing of it.
 */
struct window { size_t from, to; };
struct window quote_window(const char *s, size_t len, size_t col, size_t max);
/* text_escape of the window of `s` around byte `col`, CUT_MARK on each side that was cut. */
void text_escape_window(FILE *out, const char *s, size_t col, size_t max);
/*
 * Append `s` to the malloc'd buffer, cut at about `max` bytes at a word boundary (a space
 * in the last half of the room; else a character boundary), CUT_MARK marking the cut.
 */
void text_append_cut(char **buf, size_t *len, const char *s, size_t max);
/*
 * Append the `i`th (from 0) of a reason's top hits: "; " before all but the first, its
 * message (else its detection, else `none`), " in PATH" when it has a path.
 */
void reason_append_hit(char **buf, size_t *len, const json_t *hit, size_t i, const char *none);

/* ---- db.c: the results database (docs/database.md) ---- */

/*
 * Open (creating when needed) the SQLite database at `path`: WAL mode, a busy time-out,
 * the schema, and a row in `scans` for this run.  Called before sealing: afterwards
 * SQLite only reads and writes the database, -wal and -shm files it holds open.
 * Fatal on failure.
 */
struct db *db_open(const char *path, int argc, char **argv);
/* The three paths SQLite keeps open (database, -wal, -shm), for the Landlock grants. */
const char *db_file_path(const struct db *db, int which);
/* Store one verdict (with its artifact's files when `a` is known).  0, or -1 (reported). */
int db_store(struct db *db, const json_t *verdict, const struct artifact *a);
/* The scan key stored with each scan (--rules-digest, --limits); before db_open. */
void db_set_scan_key(const char *rules_digest, const char *limits);
/*
 * The newest complete verdict stored for an artifact sha256 under the same Aura version,
 * rules digest and limits, with "reused": {scanned_at, scan}; NULL when there is none.
 */
json_t *db_reused(struct db *db, const char *sha256);
/*
 * The stored scan of `spec` (an artifact id, or NAME==VERSION: the latest scan of it), as
 * {"verdict": …, "files": […]}; NULL when there is none (reported).
 */
json_t *db_load(struct db *db, const char *spec);
/* Close, finishing the scan's row.  0, or -1 (reported). */
int db_close(struct db *db);

/* ---- diff.c: what changed between two versions of a package ---- */

/* {"verdict": …, "files": […]} for an artifact (the shape db_load returns). */
json_t *diff_side(const json_t *verdict, const struct artifact *a);
/* The `diff` record comparing OLD and NEW (docs/scoring.md). */
json_t *diff_build(const json_t *old, const json_t *new_);
void diff_text(const json_t *diff, const struct report *rep);
/* The verdict callback of --diff: keep the artifact as a side (and store it with --db). */
void diff_collect(json_t *verdict, const struct artifact *a, struct score_ctx *ctx);
/*
 * Compare two sides and report the change (text or json), tallying it like a verdict
 * (gates on the change's score and risk, incompleteness of either side).
 */
void diff_report(const json_t *old, const json_t *new_, struct report *rep, int min_rank);

/* ---- merge.c: verdict streams of several runs into one report ---- */

/*
 * Read verdict records (other types are ignored), keep one per artifact id (a complete
 * one over an incomplete one, else the first), and report them in input order.
 */
void merge_run(struct ndjson_reader *r, struct score_ctx *ctx);

/* ---- capability.c: what a package can do (data/capabilities.yaml, docs/scoring.md) ---- */

/* Places (file:line) a capability lists, most severe hit first. */
#define CAPABILITY_PLACES	3

/* Load the capabilities file (before sealing); false with `err` set when it is unusable. */
bool capabilities_load(const char *path, char *err, size_t errlen);
/*
 * [{id, title, hits, where: [{path, line, detection}]}] for the capabilities the hits
 * show, in the file's order; `sorted_hits` most severe first (hits_sorted).
 */
json_t *capabilities_of(const json_t *sorted_hits);
/* The capabilities of `new_caps` whose id is not among `old_caps`. */
json_t *capabilities_added(const json_t *old_caps, const json_t *new_caps);
/* A merged verdict's "capabilities", checked and bounded; NULL (and `why`) when malformed. */
json_t *capabilities_checked(const json_t *caps, char *why, size_t whylen);
/* One line per capability: "  LABEL id (title): path:line, …". */
void capabilities_text(FILE *out, const json_t *caps, const char *label);

/* ---- model.c: also used by diff and --explain ---- */
long long hits_total_score(const json_t *hits);
/*
 * The terms of hits_total_score (--explain): {total, install: {hits, value}, strong:
 * [{detection, hits, sum, cap, value}], files: [{path, value, in_full, detections: […]}],
 * spread: {sum, cap, value}, repeats}.
 */
json_t *score_explain(const json_t *hits);
/* The term a hit adds to: "install" (in full), "strong" (per detection) or "file". */
const char *hit_term(const json_t *hit);
/* The dedup key of a hit: detection, path and name (else message), joined by U+001F. */
char *hit_dedup_key(const json_t *hit);
/* A new array of the same hits, most severe first (the verdict's order). */
json_t *hits_sorted(const json_t *hits);
/* The hits with severity below `min_rank` removed; returns how many went. */
size_t hits_filter(json_t *hits, int min_rank);

#endif
