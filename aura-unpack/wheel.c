/* wheel.c: a wheel's RECORD checked against the members actually read (hashes, omissions). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "unpack.h"
#include "stagehits.h"

/* Hits of one kind per wheel, beyond which one summary hit counts the rest. */
#define MAX_HITS_EACH 10

/*
 * One CSV field of a RECORD line (PEP 376: the csv module's default dialect), starting
 * at *p and ending before `end`.  Quoted fields may hold commas and doubled quotes.
 * Returns a malloc'd NUL-terminated copy and advances *p past the comma.
 */
static char *csv_field(const char **p, const char *end)
{
	const char *s = *p;
	char *out = xmalloc((size_t)(end - s) + 1);
	size_t o = 0;
	if (s < end && *s == '"') {
		for (s++; s < end; s++) {
			if (*s == '"') {
				if (s + 1 < end && s[1] == '"')
					s++;
				else {
					s++;
					break;
				}
			}
			out[o++] = *s;
		}
		while (s < end && *s != ',')
			s++;
	} else {
		while (s < end && *s != ',')
			out[o++] = *s++;
	}
	out[o] = '\0';
	*p = s < end ? s + 1 : end;
	return out;
}

/* "sha256=<urlsafe base64, no padding>" as lowercase hex; false if it is not that. */
static bool record_sha256(const char *field, char hex[65])
{
	if (strncmp(field, "sha256=", 7) != 0)
		return false;
	const char *b = field + 7;
	size_t len = strlen(b);
	if (len != 43)
		return false;
	char std[45];
	for (size_t i = 0; i < len; i++)
		std[i] = b[i] == '-' ? '+' : b[i] == '_' ? '/' : b[i];
	std[43] = '=';
	std[44] = '\0';
	size_t n;
	unsigned char *raw = base64_decode(std, 44, &n);
	if (!raw || n != 32) {
		free(raw);
		return false;
	}
	for (size_t i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", raw[i]);
	free(raw);
	return true;
}

/* The signature files beside RECORD, and RECORD itself, cannot list their own hashes. */
static bool record_exempt(const char *name, const char *record_name)
{
	size_t n = strlen(record_name);
	return strncmp(name, record_name, n) == 0 &&
	       (name[n] == '\0' || strcmp(name + n, ".jws") == 0 || strcmp(name + n, ".p7s") == 0);
}

/* The full chain of a member, as its file record names it. */
static char *chain(const char *prefix, const char *name)
{
	size_t a = strlen(prefix), b = strlen(name);
	char *s = xmalloc(a + b + 1);
	memcpy(s, prefix, a);
	memcpy(s + a, name, b + 1);
	return s;
}

static void member_hit(struct unpacker *u, const char *detection, int score, const char *severity,
		       const char *prefix, const char *name, unsigned *count, const char *what)
{
	if (++*count > MAX_HITS_EACH)
		return;
	char *raw = chain(prefix, name);
	struct member_name n;
	member_name_init(&n, raw);
	emit_hit(u, detection, score, severity, n.text, NULL, "member '%s' %s", n.text, what);
	member_name_free(&n);
	free(raw);
}

static void summary_hit(struct unpacker *u, const char *detection, int score, const char *severity,
			unsigned count, const char *what)
{
	if (count > MAX_HITS_EACH)
		emit_hit(u, detection, score, severity, NULL, NULL, "%u more members %s",
			 count - MAX_HITS_EACH, what);
}

void wheel_check(struct unpacker *u, struct seen *s, const char *prefix,
		 const char *record_name, const unsigned char *record, size_t len)
{
	unsigned mismatched = 0, missing = 0;
	const char *p = (const char *)record, *end = p + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *eol = nl ? nl : end;
		const char *line_end = eol > p && eol[-1] == '\r' ? eol - 1 : eol;
		const char *f = p;
		char *path = csv_field(&f, line_end);
		char *digest = csv_field(&f, line_end);
		struct seen_entry *e = path[0] ? seen_find(s, path) : NULL;
		char hex[65];
		if (e) {
			e->listed = true;
			/* Only sha256 is checked; a wheel may use a stronger hash, never a weaker. */
			if (e->sha256[0] && record_sha256(digest, hex) && strcmp(hex, e->sha256) != 0)
				member_hit(u, HIT_UNPACK(RecordMismatch), prefix, e->name, &mismatched,
					   "does not match its hash in the wheel's RECORD");
		}
		free(path);
		free(digest);
		p = eol + 1;
	}
	for (size_t i = 0; i < s->n; i++) {
		struct seen_entry *e = &s->v[i];
		if (e->sha256[0] && !e->listed && !record_exempt(e->name, record_name))
			member_hit(u, HIT_UNPACK(RecordMissing), prefix, e->name, &missing,
				   "is not listed in the wheel's RECORD");
	}
	summary_hit(u, HIT_UNPACK(RecordMismatch), mismatched, "do not match their RECORD hashes");
	summary_hit(u, HIT_UNPACK(RecordMissing), missing, "are not listed in the wheel's RECORD");
}
