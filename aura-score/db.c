/* db.c: the results database — verdicts, files and hits appended to SQLite (docs/database.md). */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aura.h"
#include "err.h"
#include "record.h"
#include "score.h"

/* Bumped when the schema changes incompatibly; stored in meta('schema'). */
#define DB_SCHEMA_VERSION	"2"
/* How long a writer waits for another one to commit before giving up. */
#define DB_BUSY_TIMEOUT_MS	30000

struct db {
	sqlite3 *h;
	char *path;
	char *paths[3];		/* database, -wal, -shm */
	sqlite3_int64 scan_id;
};

/* What makes a stored verdict reusable (schema 2): set by --rules-digest and --limits. */
static const char *key_rules_digest, *key_limits;

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);\n"
	"INSERT OR IGNORE INTO meta(key, value) VALUES ('schema', '" DB_SCHEMA_VERSION "');\n"
	"CREATE TABLE IF NOT EXISTS scans(\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  started_at TEXT NOT NULL,\n"
	"  finished_at TEXT,\n"
	"  aura_version TEXT NOT NULL,\n"
	"  command TEXT NOT NULL,\n"
	"  pid INTEGER NOT NULL,\n"
	"  artifacts INTEGER NOT NULL DEFAULT 0,\n"
	"  rules_digest TEXT,\n"
	"  limits TEXT);\n"
	"CREATE TABLE IF NOT EXISTS packages(\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  ecosystem TEXT NOT NULL,\n"
	"  name TEXT NOT NULL,\n"
	"  UNIQUE(ecosystem, name));\n"
	"CREATE TABLE IF NOT EXISTS versions(\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  package_id INTEGER NOT NULL REFERENCES packages(id),\n"
	"  version TEXT NOT NULL,\n"
	"  UNIQUE(package_id, version));\n"
	"CREATE TABLE IF NOT EXISTS artifacts(\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  scan_id INTEGER NOT NULL REFERENCES scans(id),\n"
	"  version_id INTEGER REFERENCES versions(id),\n"
	"  artifact TEXT NOT NULL,\n"
	"  path TEXT, kind TEXT, format TEXT, sha256 TEXT,\n"
	"  score INTEGER NOT NULL,\n"
	"  risk TEXT NOT NULL,\n"
	"  reason TEXT NOT NULL,\n"
	"  complete INTEGER NOT NULL,\n"
	"  file_count INTEGER NOT NULL,\n"
	"  hit_count INTEGER NOT NULL,\n"
	"  scanned_at TEXT NOT NULL,\n"
	"  verdict TEXT NOT NULL);\n"
	"CREATE INDEX IF NOT EXISTS artifacts_by_artifact ON artifacts(artifact);\n"
	"CREATE INDEX IF NOT EXISTS artifacts_by_version ON artifacts(version_id);\n"
	"CREATE INDEX IF NOT EXISTS artifacts_by_scan ON artifacts(scan_id);\n"
	"CREATE INDEX IF NOT EXISTS artifacts_by_risk ON artifacts(risk, score);\n"
	"CREATE TABLE IF NOT EXISTS files(\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  artifact_id INTEGER NOT NULL REFERENCES artifacts(id),\n"
	"  idx INTEGER, path TEXT, sha256 TEXT, size INTEGER, kind TEXT);\n"
	"CREATE INDEX IF NOT EXISTS files_by_artifact ON files(artifact_id);\n"
	"CREATE INDEX IF NOT EXISTS files_by_sha256 ON files(sha256);\n"
	"CREATE TABLE IF NOT EXISTS hits(\n"
	"  id INTEGER PRIMARY KEY,\n"
	"  artifact_id INTEGER NOT NULL REFERENCES artifacts(id),\n"
	"  detection TEXT NOT NULL,\n"
	"  severity TEXT, score INTEGER NOT NULL,\n"
	"  path TEXT, line INTEGER, col INTEGER,\n"
	"  name TEXT, message TEXT, evidence TEXT, context TEXT,\n"
	"  tags TEXT, count INTEGER NOT NULL,\n"
	"  hit TEXT NOT NULL);\n"
	"CREATE INDEX IF NOT EXISTS hits_by_artifact ON hits(artifact_id);\n"
	"CREATE INDEX IF NOT EXISTS hits_by_detection ON hits(detection);\n";

#define NOW_UTC "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"

static int db_fail(struct db *db, const char *what)
{
	aura_warn("%s: %s: %s", db->path, what, sqlite3_errmsg(db->h));
	return -1;
}

static int exec_sql(struct db *db, const char *sql, const char *what)
{
	char *msg = NULL;
	if (sqlite3_exec(db->h, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	aura_warn("%s: %s: %s", db->path, what, msg ? msg : sqlite3_errmsg(db->h));
	sqlite3_free(msg);
	return -1;
}

static sqlite3_stmt *prepare(struct db *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) != SQLITE_OK) {
		db_fail(db, "prepare");
		return NULL;
	}
	return st;
}

/* Bind a string, or NULL when absent; every bind's result is checked by the caller's step. */
static int bind_str(sqlite3_stmt *st, int i, const char *s)
{
	return s ? sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i);
}

/* Run a statement that returns no rows (or whose rows are not wanted) and finalise it. */
static int step_done(struct db *db, sqlite3_stmt *st, int bind_rc, const char *what)
{
	int rc = bind_rc == SQLITE_OK ? sqlite3_step(st) : bind_rc;
	if (rc == SQLITE_ROW)
		rc = SQLITE_DONE;
	if (rc != SQLITE_DONE) {
		aura_warn("%s: %s: %s", db->path, what, sqlite3_errmsg(db->h));
		sqlite3_finalize(st);
		return -1;
	}
	return sqlite3_finalize(st) == SQLITE_OK ? 0 : db_fail(db, what);
}

/* The argv of this run, for the scans table: which options produced these rows. */
static char *command_line(int argc, char **argv)
{
	size_t n = 1;
	for (int i = 0; i < argc; i++)
		n += strlen(argv[i]) + 1;
	char *s = xmalloc(n), *w = s;
	for (int i = 0; i < argc; i++)
		w += sprintf(w, "%s%s", i ? " " : "", argv[i]);
	*w = '\0';
	return s;
}

static int start_scan(struct db *db, int argc, char **argv)
{
	sqlite3_stmt *st = prepare(db, "INSERT INTO scans(started_at, aura_version, command, pid, "
				       "rules_digest, limits) VALUES (" NOW_UTC ", ?, ?, ?, ?, ?)");
	if (!st)
		return -1;
	char *cmd = command_line(argc, argv);
	int rc = sqlite3_bind_text(st, 1, AURA_VERSION, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 2, cmd, -1, SQLITE_TRANSIENT);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 3, (sqlite3_int64)getpid());
	if (rc == SQLITE_OK)
		rc = bind_str(st, 4, key_rules_digest);
	if (rc == SQLITE_OK)
		rc = bind_str(st, 5, key_limits);
	free(cmd);
	if (step_done(db, st, rc, "record the scan") != 0)
		return -1;
	db->scan_id = sqlite3_last_insert_rowid(db->h);
	return 0;
}

/*
 * Switching a new database to WAL needs an exclusive lock, and SQLite answers SQLITE_BUSY
 * at once (without its busy handler) when another scan is creating the same database at
 * that moment: retry for as long as the busy time-out would have waited.
 */
static int enter_wal_mode(struct db *db)
{
	for (int waited_ms = 0;; waited_ms += 10) {
		int rc = sqlite3_exec(db->h, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
		if (rc == SQLITE_OK)
			return 0;
		if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || waited_ms >= DB_BUSY_TIMEOUT_MS) {
			aura_warn("%s: WAL mode: %s", db->path, sqlite3_errmsg(db->h));
			return -1;
		}
		sqlite3_sleep(10);
	}
}

void db_set_scan_key(const char *rules_digest, const char *limits)
{
	key_rules_digest = rules_digest;
	key_limits = limits;
}

/* Schema 1 had no scan key: its scans are never reused (NULL never matches). */
static int migrate(struct db *db)
{
	sqlite3_stmt *st = prepare(db, "SELECT value FROM meta WHERE key = 'schema'");
	if (!st)
		return -1;
	char version[16] = "";
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(version, sizeof version, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (strcmp(version, DB_SCHEMA_VERSION) == 0)
		return 0;
	if (strcmp(version, "1") != 0) {
		aura_warn("%s: database schema '%s': this aura writes schema %s", db->path, version,
			  DB_SCHEMA_VERSION);
		return -1;
	}
	return exec_sql(db, "ALTER TABLE scans ADD COLUMN rules_digest TEXT; "
			    "ALTER TABLE scans ADD COLUMN limits TEXT; "
			    "UPDATE meta SET value = '" DB_SCHEMA_VERSION "' WHERE key = 'schema'", "migrate");
}

json_t *db_reused(struct db *db, const char *sha256)
{
	sqlite3_stmt *st = prepare(db,
		"SELECT a.verdict, a.scanned_at, a.scan_id FROM artifacts a JOIN scans s ON a.scan_id = s.id"
		" WHERE a.sha256 = ? AND a.complete = 1 AND s.aura_version = ? AND s.rules_digest = ?"
		" AND s.limits = ? ORDER BY a.id DESC LIMIT 1");
	if (!st)
		return NULL;
	json_t *v = NULL;
	int rc = bind_str(st, 1, sha256);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 2, AURA_VERSION, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = bind_str(st, 3, key_rules_digest);
	if (rc == SQLITE_OK)
		rc = bind_str(st, 4, key_limits);
	if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
		json_error_t err;
		v = json_loads((const char *)sqlite3_column_text(st, 0), 0, &err);
		if (json_is_object(v)) {
			json_t *from = json_object();
			json_object_set_new(from, "scanned_at", json_string((const char *)sqlite3_column_text(st, 1)));
			json_object_set_new(from, "scan", json_integer(sqlite3_column_int64(st, 2)));
			json_object_set_new(v, "reused", from);
		}
	}
	sqlite3_finalize(st);
	return v;
}

struct db *db_open(const char *path, int argc, char **argv)
{
	struct db *db = xmalloc(sizeof *db);
	*db = (struct db){ .path = xstrdup(path) };
	static const char *const suffix[3] = { "", "-wal", "-shm" };
	for (int i = 0; i < 3; i++) {
		db->paths[i] = xmalloc(strlen(path) + 5);
		sprintf(db->paths[i], "%s%s", path, suffix[i]);
	}
	int one = 1;
	if (sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
		aura_die("%s: cannot open the database: %s", path,
			 db->h ? sqlite3_errmsg(db->h) : "out of memory");
	if (sqlite3_busy_timeout(db->h, DB_BUSY_TIMEOUT_MS) != SQLITE_OK)
		aura_die("%s: busy timeout: %s", path, sqlite3_errmsg(db->h));
	/*
	 * Once sealed, score can neither create nor delete a file.  WAL mode with a persistent
	 * WAL keeps every file SQLite needs (database, -wal, -shm) open from here to the end,
	 * and closing leaves them in place instead of unlinking them.  Temporary tables and
	 * sorts stay in memory rather than in files under /tmp.  WAL also lets several scans
	 * append at once: readers never block, writers queue behind the busy time-out.
	 */
	if (sqlite3_file_control(db->h, "main", SQLITE_FCNTL_PERSIST_WAL, &one) != SQLITE_OK)
		aura_die("%s: cannot keep the WAL file: %s", path, sqlite3_errmsg(db->h));
	if (enter_wal_mode(db) != 0 ||
	    exec_sql(db, "PRAGMA synchronous=NORMAL; PRAGMA temp_store=MEMORY; "
			 "PRAGMA foreign_keys=ON", "pragmas") != 0)
		aura_die("%s: cannot set the database up", path);
	sqlite3_stmt *st = prepare(db, "PRAGMA journal_mode");
	if (!st || sqlite3_step(st) != SQLITE_ROW ||
	    strcmp((const char *)sqlite3_column_text(st, 0), "wal") != 0)
		aura_die("%s: the database is not in WAL mode (a network filesystem?)", path);
	sqlite3_finalize(st);
	/*
	 * SQLite seeds its PRNG (WAL salts) from /dev/urandom on first use, which may come
	 * after sealing, when a WAL restart needs a new salt: seed it now.
	 */
	unsigned char seed[16];
	sqlite3_randomness(sizeof seed, seed);
	/* IMMEDIATE: two scans creating a new database at once queue instead of failing. */
	if (exec_sql(db, "BEGIN IMMEDIATE", "begin") != 0 || exec_sql(db, schema, "schema") != 0 ||
	    migrate(db) != 0 || start_scan(db, argc, argv) != 0 || exec_sql(db, "COMMIT", "commit") != 0)
		aura_die("%s: cannot prepare the database", path);
	return db;
}

const char *db_file_path(const struct db *db, int which)
{
	return which >= 0 && which < 3 ? db->paths[which] : NULL;
}

/* The id of the row matching (a, b) in `table`, inserting it first when missing; 0 on error. */
static sqlite3_int64 upsert_pair(struct db *db, const char *insert, const char *select,
				 const char *a, sqlite3_int64 a_id, const char *b)
{
	sqlite3_stmt *st = prepare(db, insert);
	if (!st)
		return 0;
	int rc = a ? sqlite3_bind_text(st, 1, a, -1, SQLITE_TRANSIENT) : sqlite3_bind_int64(st, 1, a_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 2, b, -1, SQLITE_TRANSIENT);
	if (step_done(db, st, rc, "insert") != 0 || !(st = prepare(db, select)))
		return 0;
	rc = a ? sqlite3_bind_text(st, 1, a, -1, SQLITE_TRANSIENT) : sqlite3_bind_int64(st, 1, a_id);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 2, b, -1, SQLITE_TRANSIENT);
	sqlite3_int64 id = 0;
	if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	else
		db_fail(db, "look up");
	sqlite3_finalize(st);
	return id;
}

/* versions.id for the verdict's package and version; 0 (NULL in the row) when it has no name. */
static int version_row(struct db *db, const json_t *art, sqlite3_int64 *id)
{
	const char *name = record_str(art, "name"), *version = record_str(art, "version");
	const char *eco = record_str(art, "ecosystem");
	*id = 0;
	if (!name)
		return 0;
	sqlite3_int64 pkg = upsert_pair(db,
		"INSERT INTO packages(ecosystem, name) VALUES (?, ?) ON CONFLICT DO NOTHING",
		"SELECT id FROM packages WHERE ecosystem = ? AND name = ?", eco ? eco : "local", 0, name);
	if (!pkg)
		return -1;
	*id = upsert_pair(db,
		"INSERT INTO versions(package_id, version) VALUES (?, ?) ON CONFLICT DO NOTHING",
		"SELECT id FROM versions WHERE package_id = ? AND version = ?", NULL, pkg,
		version ? version : "");
	return *id ? 0 : -1;
}

static int insert_artifact(struct db *db, const json_t *v, sqlite3_int64 version_id,
			   sqlite3_int64 *row)
{
	const json_t *art = json_object_get(v, "artifact");
	sqlite3_stmt *st = prepare(db,
		"INSERT INTO artifacts(scan_id, version_id, artifact, path, kind, format, sha256, score,"
		" risk, reason, complete, file_count, hit_count, scanned_at, verdict)"
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, " NOW_UTC ", ?)");
	if (!st)
		return -1;
	char *text = json_dumps(v, JSON_COMPACT);
	if (!text)
		aura_oom();
	int rc = sqlite3_bind_int64(st, 1, db->scan_id);
	if (rc == SQLITE_OK)
		rc = version_id ? sqlite3_bind_int64(st, 2, version_id) : sqlite3_bind_null(st, 2);
	const char *keys[] = { "id", "path", "kind", "format", "sha256" };
	for (int i = 0; i < 5 && rc == SQLITE_OK; i++)
		rc = bind_str(st, 3 + i, record_str(art, keys[i]));
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 8, record_int(v, "score", 0));
	if (rc == SQLITE_OK)
		rc = bind_str(st, 9, record_str(v, "risk") ? record_str(v, "risk") : "info");
	if (rc == SQLITE_OK)
		rc = bind_str(st, 10, record_str(v, "reason") ? record_str(v, "reason") : "");
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int(st, 11, json_is_true(json_object_get(v, "complete")));
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 12, record_int(v, "files", 0));
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(st, 13, (sqlite3_int64)json_array_size(json_object_get(v, "hits")));
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(st, 14, text, -1, SQLITE_TRANSIENT);
	free(text);
	if (step_done(db, st, rc, "insert artifact") != 0)
		return -1;
	*row = sqlite3_last_insert_rowid(db->h);
	return 0;
}

static int insert_files(struct db *db, sqlite3_int64 row, const json_t *files)
{
	size_t i;
	json_t *f;
	json_array_foreach(files, i, f) {
		sqlite3_stmt *st = prepare(db, "INSERT INTO files(artifact_id, idx, path, sha256, size, kind)"
					       " VALUES (?, ?, ?, ?, ?, ?)");
		if (!st)
			return -1;
		int rc = sqlite3_bind_int64(st, 1, row);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_int64(st, 2, record_int(f, "index", (json_int_t)i));
		if (rc == SQLITE_OK)
			rc = bind_str(st, 3, record_str(f, "path"));
		if (rc == SQLITE_OK)
			rc = bind_str(st, 4, record_str(f, "sha256"));
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_int64(st, 5, record_int(f, "size", 0));
		if (rc == SQLITE_OK)
			rc = bind_str(st, 6, record_str(f, "kind"));
		if (step_done(db, st, rc, "insert file") != 0)
			return -1;
	}
	return 0;
}

static int insert_hits(struct db *db, sqlite3_int64 row, const json_t *hits)
{
	static const char *const text_fields[] = { "detection", "severity" };
	static const char *const more_fields[] = { "name", "message", "evidence", "context" };
	size_t i;
	json_t *hit;
	json_array_foreach(hits, i, hit) {
		sqlite3_stmt *st = prepare(db,
			"INSERT INTO hits(artifact_id, detection, severity, score, path, line, col, name,"
			" message, evidence, context, tags, count, hit)"
			" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
		if (!st)
			return -1;
		json_t *t = json_object_get(hit, "tags");
		char *tags = t ? json_dumps(t, JSON_COMPACT | JSON_ENCODE_ANY) : xstrdup("[]");
		char *whole = json_dumps(hit, JSON_COMPACT);
		if (!tags || !whole)
			aura_oom();
		int rc = sqlite3_bind_int64(st, 1, row);
		for (int k = 0; k < 2 && rc == SQLITE_OK; k++)
			rc = bind_str(st, 2 + k, record_str(hit, text_fields[k]) ? record_str(hit, text_fields[k])
				      : (k ? NULL : "Unknown"));
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_int64(st, 4, hit_score(hit));
		if (rc == SQLITE_OK)
			rc = bind_str(st, 5, record_str(hit, "path"));
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_int64(st, 6, record_int(hit, "line", 0));
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_int64(st, 7, record_int(hit, "col", 0));
		for (int k = 0; k < 4 && rc == SQLITE_OK; k++)
			rc = bind_str(st, 8 + k, record_str(hit, more_fields[k]));
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_text(st, 12, tags, -1, SQLITE_TRANSIENT);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_int64(st, 13, record_int(hit, "count", 1));
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_text(st, 14, whole, -1, SQLITE_TRANSIENT);
		free(tags);
		free(whole);
		if (step_done(db, st, rc, "insert hit") != 0)
			return -1;
	}
	return 0;
}

/*
 * Undo a verdict's transaction after a failure, if SQLite has not already: an I/O error or
 * a full disk during a statement or at COMMIT rolls the transaction back by itself, and a
 * second ROLLBACK only adds "cannot rollback - no transaction is active" to the real error.
 * A COMMIT refused for SQLITE_BUSY leaves it open, and then it is rolled back here.
 */
static void abandon(struct db *db)
{
	if (!sqlite3_get_autocommit(db->h))
		exec_sql(db, "ROLLBACK", "rollback");
}

int db_store(struct db *db, const json_t *verdict, const struct artifact *a)
{
	/*
	 * One transaction per verdict: a scan killed half-way leaves whole verdicts only, and
	 * other writers get their turn between two packages.  IMMEDIATE takes the write lock at
	 * BEGIN, where the busy time-out applies (a deferred transaction that upgrades later
	 * can fail at once with SQLITE_BUSY when another writer got in first).
	 */
	sqlite3_int64 version_id, row;
	if (exec_sql(db, "BEGIN IMMEDIATE", "begin") != 0)
		return -1;
	if (version_row(db, json_object_get(verdict, "artifact"), &version_id) != 0 ||
	    insert_artifact(db, verdict, version_id, &row) != 0 ||
	    (a && insert_files(db, row, a->file_list) != 0) ||
	    insert_hits(db, row, json_object_get(verdict, "hits")) != 0) {
		abandon(db);
		return -1;
	}
	sqlite3_stmt *st = prepare(db, "UPDATE scans SET artifacts = artifacts + 1 WHERE id = ?");
	if (!st || step_done(db, st, sqlite3_bind_int64(st, 1, db->scan_id), "count") != 0 ||
	    exec_sql(db, "COMMIT", "commit") != 0) {
		abandon(db);
		return -1;
	}
	return 0;
}

/* The artifacts row `spec` names: NAME==VERSION (its latest scan) or an artifact id (prefix). */
static sqlite3_int64 find_artifact(struct db *db, const char *spec, char **verdict)
{
	const char *eq = strstr(spec, "==");
	sqlite3_stmt *st;
	int rc;
	if (eq) {
		st = prepare(db, "SELECT a.id, a.verdict FROM artifacts a JOIN versions v ON a.version_id = v.id"
				 " JOIN packages p ON v.package_id = p.id"
				 " WHERE p.name = ? AND v.version = ? ORDER BY a.id DESC LIMIT 1");
		if (!st)
			return 0;
		rc = sqlite3_bind_text(st, 1, spec, (int)(eq - spec), SQLITE_TRANSIENT);
		if (rc == SQLITE_OK)
			rc = sqlite3_bind_text(st, 2, eq + 2, -1, SQLITE_TRANSIENT);
	} else {
		st = prepare(db, "SELECT id, verdict FROM artifacts WHERE substr(artifact, 1, length(?1)) = ?1"
				 " ORDER BY id DESC LIMIT 1");
		if (!st)
			return 0;
		rc = sqlite3_bind_text(st, 1, spec, -1, SQLITE_TRANSIENT);
	}
	sqlite3_int64 id = 0;
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		*verdict = xstrdup((const char *)sqlite3_column_text(st, 1));
	} else if (rc == SQLITE_DONE) {
		aura_warn("%s: no stored scan of '%s'", db->path, spec);
	} else {
		db_fail(db, "look up");
	}
	sqlite3_finalize(st);
	return id;
}

static json_t *load_files(struct db *db, sqlite3_int64 row)
{
	sqlite3_stmt *st = prepare(db, "SELECT idx, path, sha256, size, kind FROM files"
				       " WHERE artifact_id = ? ORDER BY idx");
	if (!st)
		return NULL;
	json_t *files = json_array();
	int rc = sqlite3_bind_int64(st, 1, row);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *f = json_object();
		json_object_set_new(f, "index", json_integer(sqlite3_column_int64(st, 0)));
		for (int c = 1; c <= 4; c++) {
			static const char *const keys[] = { NULL, "path", "sha256", "size", "kind" };
			json_t *x = sqlite3_column_type(st, c) == SQLITE_NULL ? json_null()
				  : c == 3 ? json_integer(sqlite3_column_int64(st, c))
				  : json_string((const char *)sqlite3_column_text(st, c));
			json_object_set_new(f, keys[c], x ? x : json_null());
		}
		json_array_append_new(files, f);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		db_fail(db, "read files");
		json_decref(files);
		return NULL;
	}
	return files;
}

json_t *db_load(struct db *db, const char *spec)
{
	char *text = NULL;
	sqlite3_int64 row = find_artifact(db, spec, &text);
	if (!row)
		return NULL;
	json_error_t err;
	json_t *verdict = json_loads(text, JSON_REJECT_DUPLICATES, &err), *files = load_files(db, row);
	free(text);
	if (!verdict || !files) {
		if (!verdict)
			aura_warn("%s: stored verdict of '%s' is not JSON: %s", db->path, spec, err.text);
		json_decref(verdict);
		json_decref(files);
		return NULL;
	}
	json_t *side = json_pack("{s:o, s:o}", "verdict", verdict, "files", files);
	if (!side)
		aura_oom();
	return side;
}

int db_close(struct db *db)
{
	int status = 0;
	sqlite3_stmt *st = prepare(db, "UPDATE scans SET finished_at = " NOW_UTC " WHERE id = ?");
	if (!st || step_done(db, st, sqlite3_bind_int64(st, 1, db->scan_id), "finish the scan") != 0)
		status = -1;
	if (sqlite3_close(db->h) != SQLITE_OK)
		status = db_fail(db, "close");
	free(db->path);
	for (int i = 0; i < 3; i++)
		free(db->paths[i]);
	free(db);
	return status;
}
