/* secret.c: found secrets are shown redacted (a few characters and a hash) in every output. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "record.h"
#include "score.h"

/*
 * A leaked token must not leak a second time through the report, a CI log or the results
 * database, yet a reviewer needs to tell two secrets apart and to find the one the report
 * means: so the first few characters (which name the kind: "AKIA", "ghp_") and a short
 * hash of the whole value stay.  Short secrets show nothing of themselves.
 */
#define REDACT_HASH_HEX	12

static size_t shown_prefix(const char *s, size_t n)
{
	size_t keep = n >= 16 ? 4 : n >= 8 ? 2 : 0;
	while (keep > 0 && ((unsigned char)s[keep] & 0xC0) == 0x80)	/* whole characters only */
		keep--;
	return keep;
}

char *secret_redact(const char *secret)
{
	size_t n = strlen(secret), keep = shown_prefix(secret, n);
	char hex[65];
	sha256_hex(secret, n, hex);
	size_t size = keep + sizeof "\xe2\x80\xa6[sha256:]" + REDACT_HASH_HEX;
	char *out = xmalloc(size);
	memcpy(out, secret, keep);
	snprintf(out + keep, size - keep, "\xe2\x80\xa6[sha256:%.*s]", REDACT_HASH_HEX, hex);
	return out;
}

/* `text` with every occurrence of `secret` replaced by `red`; NULL when there is none. */
static char *replace_all(const char *text, const char *secret, const char *red)
{
	size_t slen = strlen(secret), rlen = strlen(red), count = 0;
	for (const char *p = strstr(text, secret); p; p = strstr(p + slen, secret))
		count++;
	if (!count)
		return NULL;
	char *out = xmalloc(strlen(text) + count * rlen + 1), *w = out;
	const char *p = text, *q;
	while ((q = strstr(p, secret))) {
		memcpy(w, p, (size_t)(q - p));
		w += q - p;
		memcpy(w, red, rlen);
		w += rlen;
		p = q + slen;
	}
	strcpy(w, p);
	return out;
}

void hit_redact_secrets(json_t *hit)
{
	/* Every field that may quote the secret: where it is, what it is, what decoded to it. */
	static const char *const fields[] = { "secret", "evidence", "source", "message", "payload",
					      "name" };
	const char *secret = record_str(hit, "secret");
	if (!secret && hit_has_tag(hit, "secret"))
		secret = record_str(hit, "evidence");	/* a secret hit's evidence is the secret */
	if (!secret || !*secret)
		return;
	char *plain = xstrdup(secret);	/* the field it points into is about to change */
	char *red = secret_redact(plain);
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		const char *text = record_str(hit, fields[i]);
		char *changed = text ? replace_all(text, plain, red) : NULL;
		if (changed)
			json_object_set_new(hit, fields[i], json_string(changed));
		free(changed);
	}
	json_object_set_new(hit, "redacted", json_true());
	free(red);
	free(plain);
}
