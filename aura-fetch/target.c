/* target.c: the target syntax (pypi:, npm:, URLs, paths) and the records for downloaded files. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "err.h"
#include "fetch.h"
#include "ndjson.h"
#include "record.h"
#include "stagehits.h"

struct fetch_config fetch_cfg;

void pep503_normalize(const char *name, char *out, size_t cap)
{
	/* Runs of '-', '_' and '.' become one '-'; letters are lowercased (PEP 503). */
	size_t o = 0;
	bool in_run = false;
	for (const char *p = name; *p && o + 1 < cap; p++) {
		if (*p == '-' || *p == '_' || *p == '.') {
			in_run = true;
			continue;
		}
		if (in_run && o > 0 && o + 1 < cap)
			out[o++] = '-';
		in_run = false;
		if (o + 1 < cap)
			out[o++] = (char)tolower((unsigned char)*p);
	}
	out[o] = '\0';
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The last path segment of a URL, without query or fragment. */
static char *url_filename(const char *url)
{
	size_t end = strcspn(url, "?#");
	const char *start = url;
	for (size_t i = 0; i < end; i++)
		if (url[i] == '/')
			start = url + i + 1;
	return strndup(start, (size_t)(url + end - start));
}

int emit_download(const char *target, const char *path, const char *sha256,
		  const char *filename, const char *name, const char *version,
		  const char *ecosystem, json_t *extra)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		record_error(NULL, target, "cannot open the downloaded file: %s", strerror(errno));
		json_decref(extra);
		return -1;
	}
	json_t *artifact = artifact_new(path, ecosystem);
	int rc = describe_file(fd, filename, artifact);
	close(fd);
	if (rc == 0 && strcmp(record_str(artifact, "sha256"), sha256) != 0) {
		/* The cache changed under us between the check and now. */
		record_error(NULL, target, "downloaded file changed in the cache: refused");
		rc = -1;
	}
	if (rc == 0) {
		json_object_set_new(artifact, "target", json_string_lossy(target, strlen(target)));
		json_object_set_new(artifact, "filename", json_string_lossy(filename, strlen(filename)));
		/* The registry's name, else the file's (never the cache's sha256 name). */
		json_object_set_new(artifact, "name", name ? json_string_lossy(name, strlen(name)) :
				    json_string_lossy(filename, strlen(filename)));
		if (version)
			json_object_set_new(artifact, "version", json_string(version));
		if (extra)
			json_object_update(artifact, extra);
		if (!reuse_emit(artifact))
			out_record(artifact);
	}
	json_decref(extra);
	json_decref(artifact);
	return rc;
}

void report_mismatch(const char *target, const char *url, const char *why)
{
	/*
	 * The bytes are refused (no artifact record).  The hit is attributed to the target so
	 * that the verdict names what was tampered with; the error makes the scan exit 2.
	 */
	json_t *hit = hit_new(target, HIT_FETCH(DigestMismatch), NULL, 0, 0,
			      "downloaded file does not match the digest the index or lock file "
			      "published: a tampered mirror, proxy, index or lock; refused");
	json_object_set_new(hit, "evidence", json_string_lossy(why, strlen(why)));
	json_object_set_new(hit, "url", json_string_lossy(url, strlen(url)));
	json_object_set_new(hit, "stage", json_string("aura-fetch"));
	out_record(hit);
	json_decref(hit);
	record_error(target, url, "digest mismatch, refused: %s", why);
}

/* https://host/path/pkg-1.0.tar.gz[#sha256=HEX]: one archive, verified when a digest is given. */
static int fetch_url(const char *url)
{
	struct digest want = { .kind = DIGEST_NONE };
	const char *frag = strchr(url, '#');
	if (frag && starts_with(frag, "#sha256=") && !digest_from_hex(DIGEST_SHA256, frag + 8, &want)) {
		record_error(NULL, url, "malformed #sha256= digest in the URL");
		return -1;
	}
	char path[4096], sha[65], why[512];
	int rc = cache_download(url, &want, path, sizeof path, sha, why, sizeof why);
	if (rc == -2) {
		report_mismatch(url, url, why);
		return -1;
	}
	if (rc < 0) {
		record_error(NULL, url, "%s", why);
		return -1;
	}
	char *filename = url_filename(url);
	if (!filename)
		aura_oom();
	json_t *extra = json_object();
	json_object_set_new(extra, "url", json_string_lossy(url, strlen(url)));
	json_t *probe = json_object();
	package_name_version(filename, probe);	/* name and version from the file name */
	rc = emit_download(url, path, sha, filename, record_str(probe, "name"),
			   record_str(probe, "version"), "url", extra);
	json_decref(probe);
	free(filename);
	return rc;
}

int fetch_target(const char *target)
{
	if (starts_with(target, "pypi:")) {
		struct requirement req = { .origin = NULL };
		const char *spec = target + 5;
		size_t name_len = strcspn(spec, "=<>!~ ");
		if (name_len == 0 || name_len >= sizeof req.name ||
		    strlen(spec + name_len) >= sizeof req.spec) {
			record_error(NULL, target, "malformed target: expected pypi:NAME or pypi:NAME==VERSION");
			return -1;
		}
		memcpy(req.name, spec, name_len);
		snprintf(req.spec, sizeof req.spec, "%s", spec + name_len);
		return pypi_fetch(&req, target);
	}
	if (starts_with(target, "npm:"))
		return npm_fetch(target + 4, target);
	if (starts_with(target, "https://") || starts_with(target, "http://"))
		return fetch_url(target);
	return fetch_local(target);
}
