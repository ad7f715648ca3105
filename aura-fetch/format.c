/* format.c: what kind of archive a file is (by content) and its package name and version (by name). */
#include <ctype.h>
#include <string.h>

#include "fetch.h"

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/*
 * Decided by magic bytes, never by name: a wheel misnamed .tar.gz is still a zip.
 * The name only refines a compressed stream into "tar.X" (unpack checks the inside).
 */
const char *content_archive_format(const unsigned char *h, size_t n, const char *name)
{
	if (n >= 4 && h[0] == 'P' && h[1] == 'K' && (h[2] == 3 || h[2] == 5) && (h[3] == 4 || h[3] == 6))
		return ends_with(name, ".whl") ? "wheel" : ends_with(name, ".egg") ? "egg" : "zip";
	if (n >= 2 && h[0] == 0x1f && h[1] == 0x8b)
		return "tar.gz";
	if (n >= 3 && memcmp(h, "BZh", 3) == 0)
		return "tar.bz2";
	if (n >= 6 && memcmp(h, "\xfd" "7zXZ\0", 6) == 0)
		return "tar.xz";
	if (n >= 4 && memcmp(h, "\x28\xb5\x2f\xfd", 4) == 0)
		return "tar.zst";
	if (n >= 262 && memcmp(h + 257, "ustar", 5) == 0)
		return "tar";
	if (n >= 8 && memcmp(h, "!<arch>\n", 8) == 0)
		return ends_with(name, ".deb") ? "deb" : "ar";
	return NULL;
}

static const char *const dist_suffixes[] = {
	".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".tar.zst", ".tar", ".zip", ".whl", ".egg", ".deb",
	NULL
};

/* name-1.2.3.tar.gz (sdist), name-1.2.3-py3-none-any.whl (wheel), name-1.2-py3.8.egg, name_1.2-1_all.deb */
void package_name_version(const char *base, json_t *artifact)
{
	char stem[1024];
	size_t len = strlen(base);
	for (const char *const *s = dist_suffixes; *s; s++)
		if (ends_with(base, *s)) {
			len -= strlen(*s);
			break;
		}
	if (len == strlen(base) || len >= sizeof stem)
		return;
	memcpy(stem, base, len);
	stem[len] = '\0';
	if (ends_with(base, ".deb")) {	/* Debian: name_version_arch.deb */
		char *version = strchr(stem, '_'), *arch;
		if (!version)
			return;
		*version++ = '\0';
		if ((arch = strchr(version, '_')) != NULL)
			*arch = '\0';
		json_object_set_new(artifact, "name", json_string(stem));
		json_object_set_new(artifact, "version", json_string(version));
		return;
	}
	/* The version is the first '-'-separated part after the name that starts with a digit. */
	for (char *dash = strchr(stem, '-'); dash; dash = strchr(dash + 1, '-')) {
		if (!isdigit((unsigned char)dash[1]))
			continue;
		*dash = '\0';
		char *version = dash + 1, *end = strchr(version, '-');
		if (end)
			*end = '\0';
		json_object_set_new(artifact, "name", json_string(stem));
		json_object_set_new(artifact, "version", json_string(version));
		return;
	}
}
