/* npm.c: npm:NAME[@VERSION] and npm:@scope/name[@VERSION] from an npm registry. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fetch.h"
#include "record.h"

/* The scripts npm runs by itself on install: what a package can make a user execute. */
static const char *const lifecycle_scripts[] = {
	"preinstall", "install", "postinstall", "prepublish", "preprepare", "prepare",
	"postprepare", NULL
};

static const char *jstr(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* "name", "name@1.0", "@scope/name@1.0": split at the '@' that follows the name. */
static bool split_spec(const char *spec, char *name, size_t cap, const char **version)
{
	const char *at = strchr(spec + (spec[0] == '@'), '@');
	size_t len = at ? (size_t)(at - spec) : strlen(spec);
	if (len == 0 || len >= cap)
		return false;
	memcpy(name, spec, len);
	name[len] = '\0';
	if (name[0] == '@' && (!strchr(name, '/') || strchr(name, '/')[1] == '\0'))
		return false;
	for (const char *c = name; *c; c++)	/* npm names are URL-safe by rule */
		if (*c <= ' ' || *c == '%' || *c == '?' || *c == '#' || *c == '\\' || (unsigned char)*c >= 0x7f)
			return false;
	*version = at ? at + 1 : NULL;
	return !at || at[1] != '\0';
}

static json_t *npm_facts(const json_t *doc, const json_t *ver, const char *version,
			 const struct digest *want)
{
	json_t *reg = json_object();
	json_object_set_new(reg, "registry", json_string(fetch_cfg.registry_url));
	json_t *scripts = json_object_get(ver, "scripts"), *install = json_object();
	for (const char *const *s = lifecycle_scripts; *s; s++) {
		const char *cmd = jstr(scripts, *s);
		if (cmd)
			json_object_set_new(install, *s, json_string(cmd));
	}
	json_object_set_new(reg, "install_scripts", install);
	json_object_set(reg, "description", json_object_get(ver, "description") ?
			json_object_get(ver, "description") : json_null());
	json_object_set(reg, "maintainers", json_object_get(ver, "maintainers") ?
			json_object_get(ver, "maintainers") : json_null());
	json_t *user = json_object_get(ver, "_npmUser");
	json_object_set(reg, "publisher", user ? user : json_null());
	json_t *time = json_object_get(doc, "time");
	json_object_set(reg, "upload_time", json_object_get(time, version) ?
			json_object_get(time, version) : json_null());
	json_object_set(reg, "first_upload_time", json_object_get(time, "created") ?
			json_object_get(time, "created") : json_null());
	json_object_set(reg, "deprecated", json_object_get(ver, "deprecated") ?
			json_object_get(ver, "deprecated") : json_null());
	json_object_set_new(reg, "releases", json_integer((json_int_t)json_object_size(
		json_object_get(doc, "versions"))));
	json_object_set_new(reg, "digest", want->kind == DIGEST_NONE ? json_null() :
			    json_string(digest_name(want->kind)));
	json_object_set_new(reg, "digest_verified", json_boolean(want->kind != DIGEST_NONE));
	return reg;
}

/* The newest published version a range allows (node-semver: pre-releases only with --pre). */
static const char *newest_in_range(json_t *versions, const char *range)
{
	const char *best = NULL, *key;
	json_t *v;
	json_object_foreach(versions, key, v)
		if (semver_satisfies(range, key, fetch_cfg.pre) == 1 && (!best || semver_newer(key, best)))
			best = key;
	return best;
}

int npm_fetch(const char *spec, const char *target)
{
	char name[256], why[1024];
	const char *version;
	if (!split_spec(spec, name, sizeof name, &version)) {
		record_error(NULL, target, "malformed target: expected npm:NAME[@VERSION] or "
			     "npm:@SCOPE/NAME[@VERSION]");
		return -1;
	}
	/* The registry path of a scoped name escapes its '/' ("@scope%2fname"). */
	char *url, *slash = strchr(name, '/');
	if (slash) {
		*slash = '\0';
		if (asprintf(&url, "%s%s%%2f%s", fetch_cfg.registry_url, name, slash + 1) < 0)
			aura_oom();
		*slash = '/';
	} else if (asprintf(&url, "%s%s", fetch_cfg.registry_url, name) < 0) {
		aura_oom();
	}
	struct http_body b;
	int rc = http_get(url, "application/json", &b, why, sizeof why);
	json_t *doc = NULL;
	if (rc == 0 && b.status == 404) {
		snprintf(why, sizeof why, "unknown package '%s' on %s (HTTP 404)", name,
			 fetch_cfg.registry_url);
		rc = -1;
	} else if (rc == 0 && b.status != 200) {
		snprintf(why, sizeof why, "%s: HTTP %ld", url, b.status);
		rc = -1;
	} else if (rc == 0) {
		json_error_t err;
		doc = json_loadb((const char *)(b.data ? b.data : (unsigned char *)""), b.len,
				 JSON_REJECT_DUPLICATES, &err);
		if (!json_is_object(doc)) {
			snprintf(why, sizeof why, "%s: malformed JSON from the registry: %s", url,
				 doc ? "not an object" : err.text);
			rc = -1;
		}
	}
	http_body_free(&b);
	free(url);
	/* An exact version, a dist-tag ("latest" when none is given), or a range. */
	json_t *versions = json_object_get(doc, "versions");
	const char *chosen = NULL;
	if (rc == 0 && version && json_is_object(json_object_get(versions, version)))
		chosen = version;
	else if (rc == 0)
		chosen = jstr(json_object_get(doc, "dist-tags"), version ? version : "latest");
	if (rc == 0 && !chosen && version && (chosen = newest_in_range(versions, version)) == NULL) {
		if (semver_satisfies(version, "0.0.0", false) < 0)
			snprintf(why, sizeof why, "'%s' is not a version, dist-tag or range of '%s'",
				 version, name);
		else
			snprintf(why, sizeof why, "no version of '%s' matches '%s'%s", name, version,
				 fetch_cfg.pre ? "" : " (pre-releases only with --pre)");
		rc = -1;
	}
	json_t *ver = chosen ? json_object_get(versions, chosen) : NULL;
	if (rc == 0 && !json_is_object(ver)) {
		snprintf(why, sizeof why, "no version '%s' of '%s'", version ? version : "latest", name);
		rc = -1;
	}
	json_t *dist = json_object_get(ver, "dist");
	const char *tarball = rc == 0 ? jstr(dist, "tarball") : NULL;
	if (rc == 0 && !tarball) {
		snprintf(why, sizeof why, "%s@%s: no dist.tarball in the registry's answer", name, chosen);
		rc = -1;
	}
	struct digest want = { .kind = DIGEST_NONE };
	if (rc == 0) {
		/* sha512 integrity where published; old packages have only the SHA-1 shasum. */
		const char *integrity = jstr(dist, "integrity"), *shasum = jstr(dist, "shasum");
		if (integrity && strstr(integrity, "sha512-") && !digest_from_sri(integrity, &want)) {
			snprintf(why, sizeof why, "%s@%s: malformed integrity '%s'", name, chosen, integrity);
			rc = -1;
		} else if (want.kind == DIGEST_NONE && shasum &&
			   !digest_from_hex(DIGEST_SHA1, shasum, &want)) {
			snprintf(why, sizeof why, "%s@%s: malformed shasum '%s'", name, chosen, shasum);
			rc = -1;
		} else if (want.kind == DIGEST_NONE) {
			aura_warn("%s: the registry publishes no digest for %s@%s: not verified",
				  target, name, chosen);
		}
	}
	char path[4096], sha[65];
	if (rc == 0) {
		int d = cache_download(tarball, &want, path, sizeof path, sha, why, sizeof why);
		if (d == -2) {
			report_mismatch(target, tarball, why);
			json_decref(doc);
			return -1;
		}
		rc = d;
	}
	if (rc < 0) {
		record_error(NULL, target, "%s", why);
		json_decref(doc);
		return -1;
	}
	json_t *extra = json_object();
	json_object_set_new(extra, "url", json_string(tarball));
	json_object_set_new(extra, "registry", npm_facts(doc, ver, chosen, &want));
	const char *base = strrchr(tarball, '/');
	rc = emit_download(target, path, sha, base ? base + 1 : tarball, name, chosen, "npm", extra);
	json_decref(doc);
	return rc;
}
