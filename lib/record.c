/* record.c: building and reading protocol records (hit, error, ids, byte encodings). */
#include <nettle/base64.h>
#include <nettle/sha2.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aura.h"
#include "err.h"
#include "record.h"
#include "strbuf.h"

_Static_assert(sizeof(struct sha256_ctx) <= sizeof(struct sha256_state), "sha256_state too small");

json_t *record_new(const char *type)
{
	json_t *rec = json_object();
	if (!rec)
		aura_oom();
	json_object_set_new(rec, "type", json_string(type));
	json_object_set_new(rec, "v", json_integer(AURA_PROTOCOL_VERSION));
	return rec;
}

const char *record_str(const json_t *rec, const char *key)
{
	return json_string_value(json_object_get(rec, key));
}

json_int_t record_int(const json_t *rec, const char *key, json_int_t fallback)
{
	json_t *v = json_object_get(rec, key);
	return json_is_integer(v) ? json_integer_value(v) : fallback;
}

bool record_is(const json_t *rec, const char *type)
{
	const char *t = record_str(rec, "type");
	return t && strcmp(t, type) == 0;
}

json_t *error_record_new(const char *artifact, const char *path, const char *message)
{
	json_t *rec = record_new("error");
	json_object_set_new(rec, "stage", json_string(aura_progname));
	if (artifact)
		json_object_set_new(rec, "artifact", json_string_lossy(artifact, strlen(artifact)));
	if (path)
		json_object_set_new(rec, "path", json_string_lossy(path, strlen(path)));
	/* Messages may quote hostile bytes: keep the record valid JSON regardless. */
	json_object_set_new(rec, "message", json_string_lossy(message, strlen(message)));
	return rec;
}

void record_verror(const char *artifact, const char *path, const char *lead, const char *fmt,
		   va_list ap)
{
	char *said = xvasprintf(fmt, ap), *msg = xasprintf("%s%s", lead, said);
	json_t *rec = error_record_new(artifact, path, msg);
	out_record(rec);
	json_decref(rec);
	aura_warn("%s%s%s", path ? path : "", path ? ": " : "", msg);
	free(msg);
	free(said);
}

void record_error(const char *artifact, const char *path, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	record_verror(artifact, path, "", fmt, ap);
	va_end(ap);
}

const char *const severity_names[5] = { "info", "low", "medium", "high", "critical" };

int severity_rank(const char *severity)
{
	for (int i = 0; severity && i < 5; i++)
		if (strcmp(severity, severity_names[i]) == 0)
			return i;
	return -1;
}

/* ---- field ranges ---- */

enum field_kind {
	FIELD_INT,		/* an integer (not a real) in [min, max] */
	FIELD_BOOL,
	FIELD_STRING,		/* a string of min..max bytes (max 0: any length) */
	FIELD_STRING_OR_NULL,
	FIELD_ENUM,		/* one of `names` */
	FIELD_TAGS,		/* an array of at most `max` strings of 1..HIT_TAG_MAX bytes */
};

struct field_rule {
	const char *type, *key;
	enum field_kind kind;
	bool required;
	long long min, max;
	const char *const *names;	/* FIELD_ENUM: NULL-terminated */
};

static const char *const severity_list[] = { "info", "low", "medium", "high", "critical", NULL };
static const char *const context_list[] = { "install", "import", "function", "command", NULL };

/* Every field a consumer computes with; docs/protocol.md lists the same ranges. */
static const struct field_rule field_rules[] = {
	{ "hit", "detection", FIELD_STRING, true, 1, HIT_DETECTION_MAX, NULL },
	{ "hit", "score", FIELD_INT, true, 0, HIT_SCORE_MAX, NULL },
	{ "hit", "severity", FIELD_ENUM, true, 0, 0, severity_list },
	{ "hit", "line", FIELD_INT, false, 0, HIT_POSITION_MAX, NULL },
	{ "hit", "col", FIELD_INT, false, 0, HIT_POSITION_MAX, NULL },
	{ "hit", "context", FIELD_ENUM, false, 0, 0, context_list },
	{ "hit", "tags", FIELD_TAGS, false, 0, HIT_TAGS_MAX, NULL },
	{ "hit", "path", FIELD_STRING_OR_NULL, false, 0, 0, NULL },
	{ "hit", "message", FIELD_STRING, false, 0, 0, NULL },
	{ "hit", "name", FIELD_STRING, false, 0, 0, NULL },
	{ "hit", "file", FIELD_STRING, false, 0, 0, NULL },
	{ "file", "index", FIELD_INT, false, 0, INT64_MAX, NULL },
	{ "file", "size", FIELD_INT, false, 0, INT64_MAX, NULL },
	{ "artifact_end", "files", FIELD_INT, false, 0, INT64_MAX, NULL },
	{ "artifact_end", "hits", FIELD_INT, false, 0, INT64_MAX, NULL },
	{ "artifact_end", "errors", FIELD_INT, false, 0, INT64_MAX, NULL },
	{ "artifact_end", "complete", FIELD_BOOL, false, 0, 0, NULL },
	{ "verdict", "score", FIELD_INT, true, 0, INT64_MAX, NULL },
	{ "verdict", "risk", FIELD_ENUM, true, 0, 0, severity_list },
	{ "verdict", "complete", FIELD_BOOL, true, 0, 0, NULL },
	{ "verdict", "reason", FIELD_STRING, false, 0, 0, NULL },
	{ "verdict", "files", FIELD_INT, false, 0, INT64_MAX, NULL },
	{ "verdict", "hits_hidden", FIELD_INT, false, 0, INT64_MAX, NULL },
};

/* A hostile value, shown briefly: 1e+308, "apocalyptic", an object. */
static void describe(const json_t *v, char *out, size_t outlen)
{
	switch (json_typeof(v)) {
	case JSON_INTEGER:
		snprintf(out, outlen, "%lld", (long long)json_integer_value(v));
		return;
	case JSON_REAL:
		snprintf(out, outlen, "%.17g", json_real_value(v));
		return;
	case JSON_STRING: {
		const char *s = json_string_value(v);
		size_t n = json_string_length(v), i, o = 0;
		char shown[44];
		for (i = 0; i < n && o < 40; i++)	/* printable ASCII only: it goes to a terminal */
			shown[o++] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
		shown[o] = '\0';
		snprintf(out, outlen, "\"%s\"%s (%zu bytes)", shown, i < n ? "..." : "", n);
		return;
	}
	case JSON_TRUE: case JSON_FALSE: snprintf(out, outlen, "a boolean"); return;
	case JSON_NULL: snprintf(out, outlen, "null"); return;
	case JSON_ARRAY: snprintf(out, outlen, "an array of %zu", json_array_size(v)); return;
	case JSON_OBJECT: snprintf(out, outlen, "an object"); return;
	}
	snprintf(out, outlen, "?");
}

static bool in_names(const char *s, const char *const *names)
{
	for (size_t i = 0; s && names[i]; i++)
		if (strcmp(s, names[i]) == 0)
			return true;
	return false;
}

static bool tags_valid(const json_t *v, long long max)
{
	size_t i;
	json_t *t;
	if (!json_is_array(v) || json_array_size(v) > (size_t)max)
		return false;
	json_array_foreach(v, i, t)
		if (!json_is_string(t) || json_string_length(t) < 1 || json_string_length(t) > HIT_TAG_MAX)
			return false;
	return true;
}

static bool field_valid(const struct field_rule *f, const json_t *v)
{
	size_t n;
	switch (f->kind) {
	case FIELD_INT:
		return json_is_integer(v) && json_integer_value(v) >= f->min &&
		       json_integer_value(v) <= f->max;
	case FIELD_BOOL:
		return json_is_boolean(v);
	case FIELD_STRING_OR_NULL:
		if (json_is_null(v))
			return true;
		/* fall through */
	case FIELD_STRING:
		n = json_string_length(v);
		return json_is_string(v) && n >= (size_t)f->min && (f->max == 0 || n <= (size_t)f->max);
	case FIELD_ENUM:
		return in_names(json_string_value(v), f->names);
	case FIELD_TAGS:
		return tags_valid(v, f->max);
	}
	return false;
}

/* What the field must hold, for the message: "an integer in 0..1000". */
static void expectation(const struct field_rule *f, char *out, size_t outlen)
{
	switch (f->kind) {
	case FIELD_INT:
		if (f->max == INT64_MAX)
			snprintf(out, outlen, "an integer >= %lld", f->min);
		else
			snprintf(out, outlen, "an integer in %lld..%lld", f->min, f->max);
		return;
	case FIELD_BOOL: snprintf(out, outlen, "true or false"); return;
	case FIELD_STRING:
	case FIELD_STRING_OR_NULL:
		if (f->max)
			snprintf(out, outlen, "a string of %lld..%lld bytes", f->min, f->max);
		else
			snprintf(out, outlen, "a string%s", f->kind == FIELD_STRING_OR_NULL ? " or null" : "");
		return;
	case FIELD_ENUM: {
		size_t len = 0;
		out[0] = '\0';
		for (size_t i = 0; f->names[i] && len < outlen; i++)
			len += (size_t)snprintf(out + len, outlen - len, "%s%s", i ? ", " : "one of ",
						f->names[i]);
		return;
	}
	case FIELD_TAGS:
		snprintf(out, outlen, "at most %lld strings of 1..%d bytes", f->max, HIT_TAG_MAX);
		return;
	}
}

bool record_fields_valid(const json_t *rec, char *why, size_t whylen)
{
	const char *type = record_str(rec, "type");
	for (size_t i = 0; type && i < sizeof field_rules / sizeof field_rules[0]; i++) {
		const struct field_rule *f = &field_rules[i];
		if (strcmp(f->type, type) != 0)
			continue;
		json_t *v = json_object_get(rec, f->key);
		char held[80], want[120];
		if (!v && !f->required)
			continue;
		if (v && field_valid(f, v))
			continue;
		if (v)
			describe(v, held, sizeof held);
		expectation(f, want, sizeof want);
		snprintf(why, whylen, "%s field '%s' %s%s: it must be %s", type, f->key,
			 v ? "holds " : "is missing", v ? held : "", want);
		return false;
	}
	return true;
}

json_t *hit_new(const char *artifact, const char *detection, int score, const char *severity,
		const char *path, long line, long col, const char *message)
{
	json_t *hit = record_new("hit");
	json_object_set_new(hit, "stage", json_string(aura_progname));
	if (artifact)
		json_object_set_new(hit, "artifact", json_string(artifact));
	json_object_set_new(hit, "detection", json_string(detection));
	json_object_set_new(hit, "score", json_integer(score));
	json_object_set_new(hit, "severity", json_string(severity));
	json_object_set_new(hit, "path", path ? json_string(path) : json_null());
	json_object_set_new(hit, "line", json_integer(line));
	json_object_set_new(hit, "col", json_integer(col));
	json_object_set_new(hit, "message", json_string(message));
	json_object_set_new(hit, "tags", json_array());
	return hit;
}

void records_run(struct ndjson_reader *r, record_fn fn, void *ctx)
{
	char why[512];
	json_t *rec;
	enum ndjson_status st;
	while ((st = ndjson_next(r, &rec, why, sizeof why)) != NDJSON_EOF) {
		if (st == NDJSON_BAD) {
			record_error(NULL, NULL, "%s:%lu: %s", ndjson_name(r), ndjson_lineno(r), why);
			continue;
		}
		fn(rec, r, ctx);
		json_decref(rec);
	}
}

/* ---- bytes ---- */

/* Strict UTF-8 (RFC 3629): no overlongs, no surrogates, nothing above U+10FFFF. */
size_t utf8_sequence(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	if (c < 0x80)
		return 1;
	size_t len;
	unsigned lo = 0x80, hi = 0xBF;
	if (c >= 0xC2 && c <= 0xDF) len = 2;
	else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		if (c == 0xE0) lo = 0xA0;
		if (c == 0xED) hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		if (c == 0xF0) lo = 0x90;
		if (c == 0xF4) hi = 0x8F;
	} else
		return 0;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	return len;
}

bool utf8_valid(const void *p, size_t n)
{
	const unsigned char *s = p;
	for (size_t i = 0; i < n;) {
		size_t len = utf8_sequence(s + i, n - i);
		if (!len)
			return false;
		i += len;
	}
	return true;
}

char *utf8_lossy(const char *s, size_t n, size_t *out_len)
{
	char *fixed = xmalloc(3 * n + 1);
	size_t out = 0;
	for (size_t i = 0; i < n;) {
		size_t len = utf8_sequence((const unsigned char *)s + i, n - i);
		if (len) {
			memcpy(fixed + out, s + i, len);
			out += len;
			i += len;
		} else {
			memcpy(fixed + out, "\xEF\xBF\xBD", 3);
			out += 3;
			i++;
		}
	}
	fixed[out] = '\0';
	if (out_len)
		*out_len = out;
	return fixed;
}

json_t *json_string_lossy(const char *s, size_t n)
{
	if (utf8_valid(s, n))
		return json_stringn(s, n);
	size_t len;
	char *fixed = utf8_lossy(s, n, &len);
	json_t *j = json_stringn(fixed, len);
	free(fixed);
	return j;
}

char *base64_encode(const void *p, size_t n)
{
	char *out = xmalloc(BASE64_ENCODE_RAW_LENGTH(n) + 1);
	base64_encode_raw(out, n, p);
	out[BASE64_ENCODE_RAW_LENGTH(n)] = '\0';
	return out;
}

unsigned char *base64_decode(const char *s, size_t len, size_t *out_len)
{
	struct base64_decode_ctx ctx;
	unsigned char *out = xmalloc(BASE64_DECODE_LENGTH(len) + 1);
	size_t done = BASE64_DECODE_LENGTH(len) + 1;
	base64_decode_init(&ctx);
	if (!base64_decode_update(&ctx, &done, out, len, s) || !base64_decode_final(&ctx)) {
		free(out);
		return NULL;
	}
	*out_len = done;
	return out;
}

void sha256_begin(struct sha256_state *st) { sha256_init((struct sha256_ctx *)st); }

void sha256_add(struct sha256_state *st, const void *p, size_t n)
{
	sha256_update((struct sha256_ctx *)st, n, p);
}

void sha256_end(struct sha256_state *st, char hex[65])
{
	static const char digits[] = "0123456789abcdef";
	uint8_t d[SHA256_DIGEST_SIZE];
	sha256_digest((struct sha256_ctx *)st, sizeof d, d);
	for (size_t i = 0; i < sizeof d; i++) {
		hex[2 * i] = digits[d[i] >> 4];
		hex[2 * i + 1] = digits[d[i] & 15];
	}
	hex[64] = '\0';
}

void sha256_hex(const void *p, size_t n, char hex[65])
{
	struct sha256_state st;
	sha256_begin(&st);
	sha256_add(&st, p, n);
	sha256_end(&st, hex);
}

void record_set_bytes(json_t *rec, const char *key, const void *p, size_t n)
{
	char enc_key[128];
	snprintf(enc_key, sizeof enc_key, "%s_encoding", key);
	if (utf8_valid(p, n)) {
		json_object_set_new(rec, key, json_stringn(p, n));
		json_object_set_new(rec, enc_key, json_string("utf-8"));
		return;
	}
	char *b64 = base64_encode(p, n);
	json_object_set_new(rec, key, json_string(b64));
	json_object_set_new(rec, enc_key, json_string("base64"));
	free(b64);
}

unsigned char *record_get_bytes(const json_t *rec, const char *key, size_t *len)
{
	char enc_key[128];
	snprintf(enc_key, sizeof enc_key, "%s_encoding", key);
	json_t *v = json_object_get(rec, key);
	if (!json_is_string(v))
		return NULL;
	const char *enc = record_str(rec, enc_key);
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	if (enc && strcmp(enc, "base64") == 0)
		return base64_decode(s, n, len);
	unsigned char *out = xmalloc(n + 1);
	memcpy(out, s, n);
	out[n] = '\0';
	*len = n;
	return out;
}
