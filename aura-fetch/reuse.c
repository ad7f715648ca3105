/* reuse.c: aura-fetch --db: an artifact already scanned under the same key is not scanned again. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aura.h"
#include "err.h"
#include "fetch.h"
#include "ndjson.h"
#include "record.h"

/*
 * A registry scan pays once per file: the sha256 of every complete verdict stored under the
 * same Aura version, rules digest and limits (docs/database.md, schema 2) is read before
 * sealing.  Such an artifact becomes a `reused` record instead of an `artifact`: the stages
 * pass it through and aura-score --db reports the stored verdict.
 */

static char (*known)[65];
static size_t nknown;

static int cmp_sha(const void *a, const void *b)
{
	return strcmp(a, b);
}

int reuse_load(const char *db_path, const char *rules_digest, const char *limits)
{
	sqlite3 *h = NULL;
	if (sqlite3_open_v2(db_path, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		/* A database that does not exist yet: nothing was scanned. */
		aura_warn("--db %s: %s: every artifact is scanned", db_path, h ? sqlite3_errmsg(h) : "out of memory");
		sqlite3_close(h);
		return 0;
	}
	sqlite3_busy_timeout(h, 30000);
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(h,
		"SELECT DISTINCT a.sha256 FROM artifacts a JOIN scans s ON a.scan_id = s.id"
		" WHERE a.complete = 1 AND a.sha256 IS NOT NULL AND s.aura_version = ?"
		" AND s.rules_digest = ? AND s.limits = ?", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 1, AURA_VERSION, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 2, rules_digest, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 3, limits, -1, SQLITE_STATIC);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *sha = (const char *)sqlite3_column_text(st, 0);
		if (!sha || strlen(sha) != 64)
			continue;
		known = xrealloc(known, (nknown + 1) * sizeof *known);
		memcpy(known[nknown++], sha, 65);
		rc = SQLITE_OK;
	}
	int status = 0;
	if (rc != SQLITE_DONE) {
		/* A schema-1 database has no key: nothing is reused, said. */
		aura_warn("--db %s: cannot read stored verdicts (%s): every artifact is scanned",
			  db_path, sqlite3_errmsg(h));
		status = -1;
	}
	sqlite3_finalize(st);
	sqlite3_close(h);
	if (nknown)
		qsort(known, nknown, sizeof *known, cmp_sha);
	return status;
}

bool reuse_emit(const json_t *artifact)
{
	const char *sha = record_str(artifact, "sha256");
	if (!nknown || !sha || !bsearch(sha, known, nknown, sizeof *known, cmp_sha))
		return false;
	json_t *rec = record_new("reused");
	json_object_set_new(rec, "artifact", json_string(sha));
	json_object_set_new(rec, "sha256", json_string(sha));
	static const char *const keys[] = { "target", "name", "version", "path", "ecosystem", NULL };
	for (const char *const *k = keys; *k; k++)
		if (json_object_get(artifact, *k))
			json_object_set(rec, *k, json_object_get(artifact, *k));
	out_record(rec);
	json_decref(rec);
	return true;
}
