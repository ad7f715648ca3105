/* fetch.h: turning a target (a path, a registry name, a URL, a requirement file) into artifact records. */
#ifndef AURA_FETCH_H
#define AURA_FETCH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Options, set once by main() before sealing (docs/targets.md lists them). */
struct fetch_config {
	size_t max_files;	/* files in a directory target */
	const char *index_url;	/* PyPI simple API, ends in '/' */
	const char *registry_url;	/* npm registry, ends in '/' */
	const char *cacert;	/* CA bundle for TLS, or NULL for the system's */
	char *cache_dir;	/* $XDG_CACHE_HOME/aura, or NULL when there is none */
	bool offline;		/* only the cache: no network */
	bool all_files;		/* every file of a release, not only sdist and wheels */
	bool pre;		/* "latest" may be a pre-release */
	const char *only;	/* NULL, "sdist" or "wheel" */
	long timeout;		/* seconds: connecting, and the longest stall of a transfer */
	long retries;		/* further attempts after a failed transfer */
	size_t max_download;	/* biggest body accepted */
	long max_redirects;
	/* The install target environment markers are evaluated for (marker.c). */
	const char *python_version;	/* "3.11" */
	const char *platform;	/* "linux", "windows", "macos" */
	const char *machine;	/* platform_machine: "x86_64" */
};
extern struct fetch_config fetch_cfg;

/*
 * Resolve one target (raw bytes, NUL-terminated) and write its `artifact` records, or
 * `error` records naming it.  Returns 0 when at least one artifact was emitted and
 * nothing failed, -1 otherwise.
 */
int fetch_target(const char *target);

/* ---- local.c: files, archives, directories, folders of archives, environments ---- */
int fetch_local(const char *path);
/* An artifact record for `path` (kept exactly in path_raw when it is not UTF-8). */
json_t *artifact_new(const char *path, const char *ecosystem);
/* Describe an open regular file into `artifact` (id, kind, format, size); -1 on error. */
int describe_file(int fd, const char *target, json_t *artifact);

/* What the archive bytes say it is: "tar.gz", "zip", ... or NULL for a plain file. */
const char *content_archive_format(const unsigned char *head, size_t n, const char *name);
/* Package name and version from a distribution file name (sdist, wheel, egg); NULL if none. */
void package_name_version(const char *basename, json_t *artifact);

/* ---- env.c: installed distributions (site-packages, virtualenvs) ---- */
/* true when the open directory holds *.dist-info or *.egg-info entries. */
bool env_is_site_packages(int dirfd);
int env_fetch(int dirfd, const char *path);

/* ---- target.c: target syntax ---- */
/* PEP 503 normalised name into out ("Foo_Bar.baz" -> "foo-bar-baz"). */
void pep503_normalize(const char *name, char *out, size_t cap);

/* ---- pep440.c ---- */
#define PEP440_MAX_RELEASE 16
struct pep440 {
	long epoch;
	long release[PEP440_MAX_RELEASE];
	int nrelease;
	int pre_kind;		/* -1 none, 0 a, 1 b, 2 rc */
	long pre;
	bool has_post, has_dev;
	long post, dev;
	char local[64];
};
bool pep440_parse(const char *text, struct pep440 *v);
int pep440_compare(const struct pep440 *a, const struct pep440 *b);
bool pep440_is_prerelease(const struct pep440 *v);
/*
 * Does version_text satisfy every comma-separated clause of spec ("" matches all)?
 * 1 yes, 0 no, -1 malformed spec.  Sets *mentions_pre when a clause names a pre-release.
 */
int pep440_specifier_matches(const char *spec, const char *version_text, bool *mentions_pre);

/* ---- http.c: libcurl, pinned to the hosts configured before sealing ---- */
struct http_body {
	unsigned char *data;
	size_t len;
	long status;		/* HTTP status, 0 when no response */
};
/* Hosts a transfer may reach: added before sealing (DNS is resolved there). */
int http_allow_url(const char *url, char *why, size_t cap);
void http_init(void);
/* The TCP ports of every allowed host (for the sandbox); returns how many. */
int http_allowed_ports(unsigned short *ports, int cap);
/*
 * GET a metadata document into memory (capped), through the response cache; -1 with `why`
 * on a transport failure (after retries).  A non-200 status is returned in body->status.
 */
typedef int (*http_write_fn)(const void *p, size_t n, void *ctx);	/* <0: abort */
typedef void (*http_reset_fn)(void *ctx);	/* start over (a retry) */
/* GET into `fn` (or memory when fn is NULL), at most `limit` bytes, with retries. */
int http_transfer(const char *url, const char *accept, size_t limit, http_write_fn fn,
		  http_reset_fn reset, void *ctx, struct http_body *body, char *why, size_t cap);
int http_get(const char *url, const char *accept, struct http_body *body, char *why, size_t cap);
void http_body_free(struct http_body *body);
/*
 * A mirror on disk: --index-url file:///M/web/simple/ makes /M/web the only folder file://
 * URLs may read (before sealing; 0, or -1 with why).  http_mirror_url maps a
 * files.pythonhosted.org URL to the mirror's copy (malloc'd), NULL when there is none.
 */
int http_set_mirror(const char *index_url, char *why, size_t cap);
/* Validators the next requests send (If-None-Match, If-Modified-Since; NULL/"" for none). */
void http_set_conditional(const char *etag, const char *last_modified);
/* The ETag and Last-Modified of the last response ("" when absent). */
void http_validators(char *etag, size_t ecap, char *last_modified, size_t lcap);
/* The next transfers POST data (kept by the caller) as content_type; NULL: GET again. */
void http_set_post(const char *content_type, const char *data, size_t len);

/* ---- xmlrpc.c: one XML-RPC call (PyPI's changelog) ---- */
enum { XMLRPC_OK = 0, XMLRPC_ERROR = -1, XMLRPC_ABSENT = 1 };
/* One element of an array result; <0 (with why) stops the reading. */
typedef int (*xmlrpc_item_fn)(json_t *item, size_t index, void *ctx, char *why, size_t cap);
/*
 * POST METHOD(arg) to URL (arg < 0: no parameter).  With `each`, the result must be an array
 * and each element goes to it in turn; else the result is returned in *result.  XMLRPC_ABSENT
 * when the URL answers 404, 405 or 501 (no XML-RPC there), XMLRPC_ERROR with why otherwise.
 */
int xmlrpc_call(const char *url, const char *method, long long arg, xmlrpc_item_fn each, void *ctx,
		json_t **result, char *why, size_t cap);
/* Read an answer (url only names it in messages): 0, or -1 with why.  Also the fuzz harness's entry. */
int xmlrpc_parse(const unsigned char *data, size_t len, const char *url, xmlrpc_item_fn each, void *ctx,
		 json_t **result, char *why, size_t cap);

/* ---- watch.c: aura-fetch --feed, one poll of a registry's feed of new uploads ---- */
/* Read the state before sealing (absent: start from now); -1 when it is unreadable. */
int watch_load_state(const char *state_path, const char *feed);
/* Poll once: new targets one per line, then a watch_state record; -1 on failure. */
int watch_poll(const char *feed);
const char *http_mirror_root(void);
char *http_mirror_url(const char *url);

/* ---- cache.c: the content-addressed download cache ---- */
enum digest_kind { DIGEST_NONE, DIGEST_SHA256, DIGEST_SHA512, DIGEST_SHA1 };
struct digest {
	enum digest_kind kind;
	unsigned char bytes[64];
	size_t len;
};
const char *digest_name(enum digest_kind kind);
/* Parse hex (sha256, sha1) or npm's "sha512-BASE64" into d; false when malformed. */
bool digest_from_hex(enum digest_kind kind, const char *hex, struct digest *d);
bool digest_from_sri(const char *integrity, struct digest *d);
void digest_hex(const struct digest *d, char *out, size_t cap);

/*
 * Download url (or take it from the cache) and check it against `want` (DIGEST_NONE: no
 * published digest).  On success fills path (the cached file) and its sha256 hex.
 * Returns 0; -1 with `why` on failure; -2 when the bytes do not match `want` (tampering:
 * `why` says both digests).
 */
int cache_download(const char *url, const struct digest *want, char *path, size_t path_cap,
		   char sha256[65], char *why, size_t cap);
int cache_put_file(const char *path, const void *data, size_t len);
/* Create the cache's folders (before sealing). */
int cache_prepare(void);
/* Store/lookup a metadata response keyed by URL (for --offline). */
int cache_put_response(const char *key, const void *data, size_t len);
unsigned char *cache_get_response(const char *key, size_t *len);

/* Emit an artifact for a downloaded file with the registry's facts (takes `extra`). */
int emit_download(const char *target, const char *path, const char *sha256,
		  const char *filename, const char *name, const char *version,
		  const char *ecosystem, json_t *extra);
/* A DigestMismatch: error record and a critical hit naming the tampering. */
void report_mismatch(const char *target, const char *url, const char *why);

/* ---- pypi.c ---- */
struct requirement {
	char name[256];		/* as written */
	char spec[512];		/* "==1.0", ">=1,<2", "" */
	char (*hashes)[65];	/* --hash=sha256:... allowed digests (NULL: any) */
	size_t nhashes;
	const char *origin;	/* "requirements.txt:3" for messages, or NULL */
};
int pypi_fetch(const struct requirement *req, const char *target);
/* The release "pypi:NAME" means (newest, not yanked, final unless --pre); -1 with why. */
int pypi_latest(const char *name, char *version, size_t vcap, char *why, size_t cap);

/* ---- reuse.c: --db, artifacts already scanned under the same key ---- */
/* Read the stored sha256s before sealing; -1 (said) when the database cannot be read. */
int reuse_load(const char *db_path, const char *rules_digest, const char *limits);
/* When the artifact was scanned before: a `reused` record instead, and true. */
bool reuse_emit(const json_t *artifact);

/* ---- list.c: aura-fetch --list ---- */
/* Print the index's projects as targets, one per line ("pypi:NAME" or, latest, "pypi:NAME==V"). */
int list_index(bool latest);
/* The PyPI JSON API root (".../pypi/") on the index's host, malloc'd. */
char *pypi_json_root(const char *index_url);

/* ---- marker.c: PEP 508 environment markers ---- */
bool marker_platform_known(const char *platform);
/*
 * Evaluate a marker for the stated target with `extra` ("" or NULL for none): 1 true,
 * 0 false, -1 when Aura cannot evaluate it (why says which part).
 */
int marker_evaluate(const char *text, const char *extra, char *why, size_t cap);

/* ---- semver.c: npm versions and ranges ---- */
/* 1 when version satisfies the node-semver range, 0 when not, -1 when the range is malformed. */
int semver_satisfies(const char *range, const char *version, bool include_pre);
/* 1 when semver a is newer than b (a version that is not semver is older than any). */
int semver_newer(const char *a, const char *b);

/* ---- npm.c ---- */
int npm_fetch(const char *spec, const char *target);

/* ---- requirements.c ---- */
/* true when a regular file's name or first bytes say it is a requirements file. */
bool requirements_recognised(const char *path, const unsigned char *head, size_t n);
int requirements_fetch(const char *path);
/*
 * One PEP 508 string ("name[extra] >=1 ; marker") from pyproject.toml or a lock file, its
 * marker evaluated with `extra` ("*": every extra); origin names it in messages.
 */
int requirement_fetch_pep508(const char *text, const char *origin, const char *extra);

/* ---- lockfile.c: pyproject.toml, poetry.lock, uv.lock, Pipfile.lock, package-lock.json ---- */
enum lock_kind { LOCK_NONE, LOCK_PYPROJECT, LOCK_POETRY, LOCK_UV, LOCK_PIPFILE, LOCK_NPM };
/* What a regular file is, by its name or its first bytes. */
enum lock_kind lockfile_recognised(const char *path, const unsigned char *head, size_t n);
int lockfile_fetch(const char *path, enum lock_kind kind);
/* --list-requirements: one `requirement` record per line that names something (kind pypi,
 * url or path; text; origin FILE:LINE), errors as for a fetch; nothing is downloaded. */
int requirements_list(const char *path);

#endif
