/* pyparse_cookie.c: PEP 263 coding declarations and codec names, as CPython 3.11 reads them. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "pyparse_cookie.h"

const struct codec codec_table[] = {
#include "pyparse_codecs.inc"
};
const size_t NCODECS = sizeof codec_table / sizeof codec_table[0];

/* ---- the coding declaration (CPython's get_coding_spec / check_coding_spec) ---- */

/*
 * The declared name in one line, or false.  *stop is set when the line holds code, after
 * which CPython looks no further (a declaration on line 2 needs a comment-only line 1).
 */
static bool coding_in_line(const char *s, size_t n, char name[64], bool *stop)
{
	size_t i = 0;
	*stop = false;
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\f'))
		i++;
	if (i >= n || s[i] != '#') {
		*stop = i < n && s[i] != '\n' && s[i] != '\r';
		return false;
	}
	for (; i + 6 < n; i++) {
		if (memcmp(s + i, "coding", 6) != 0 || (s[i + 6] != ':' && s[i + 6] != '='))
			continue;
		size_t b = i + 7;
		while (b < n && (s[b] == ' ' || s[b] == '\t'))
			b++;
		size_t e = b;
		while (e < n && (isalnum((unsigned char)s[e]) || s[e] == '-' || s[e] == '_' || s[e] == '.'))
			e++;
		if (e > b) {
			size_t len = e - b < 63 ? e - b : 63;
			memcpy(name, s + b, len);
			name[len] = '\0';
			return true;
		}
	}
	return false;
}

/* The coding declared in the first two lines of s, or false. */
bool pycookie_declared(const char *s, size_t n, char name[64])
{
	for (int line = 0; line < 2 && n > 0; line++) {
		const char *nl = memchr(s, '\n', n), *cr = memchr(s, '\r', nl ? (size_t)(nl - s) : n);
		size_t len = cr ? (size_t)(cr - s) : nl ? (size_t)(nl - s) : n;
		bool stop;
		if (coding_in_line(s, len, name, &stop))
			return true;
		if (stop || !nl)
			return false;
		n -= (size_t)(nl - s) + 1;
		s = nl + 1;
	}
	return false;
}

/*
 * The C tokenizer's get_normal_name: on the first 12 characters, `_` read as `-` and
 * lowercased, "utf-8" and "utf-8-*" are utf-8 and the latin-1 spellings iso-8859-1 (so
 * `utf-8-foo` is utf-8 though no codec has that name).  Anything else stays as written.
 */
const char *pycookie_normal_name(const char *name)
{
	char buf[13];
	size_t i = 0;
	for (; i < 12 && name[i]; i++)
		buf[i] = name[i] == '_' ? '-' : (char)tolower((unsigned char)name[i]);
	buf[i] = '\0';
	if (!strcmp(buf, "utf-8") || !strncmp(buf, "utf-8-", 6))
		return "utf-8";
	if (!strcmp(buf, "latin-1") || !strcmp(buf, "iso-8859-1") || !strcmp(buf, "iso-latin-1") ||
	    !strncmp(buf, "latin-1-", 8) || !strncmp(buf, "iso-8859-1-", 11) ||
	    !strncmp(buf, "iso-latin-1-", 12))
		return "iso-8859-1";
	return name;
}

/*
 * The codec CPython's codecs.lookup finds for `name`, or NULL: lowercased, then
 * encodings.normalize_encoding (runs of characters other than letters, digits and `.`
 * become one `_`, none at either end), then the alias table, also with `.` read as `_`.
 */
const struct codec *pycookie_codec(const char *name)
{
	char key[64];
	size_t k = 0;
	bool punct = false;
	for (; *name && k < sizeof key - 2; name++) {
		unsigned char c = (unsigned char)*name;
		if (isalnum(c) || c == '.') {
			if (punct && k)
				key[k++] = '_';
			key[k++] = (char)tolower(c);
			punct = false;
		} else {
			punct = true;
		}
	}
	key[k] = '\0';
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < NCODECS; i++)
			if (!strcmp(codec_table[i].key, key))
				return &codec_table[i];
		for (char *p = key; *p; p++)
			if (*p == '.')
				*p = '_';
	}
	return NULL;
}

bool pycookie_unreadable(const char *src, size_t len, char name[64])
{
	bool bom = len >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0;
	if (bom || !pycookie_declared(src, len, name))
		return false;	/* with a BOM CPython accepts only utf-8 */
	const char *norm = pycookie_normal_name(name);
	const struct codec *c = strcmp(norm, "utf-8") ? pycookie_codec(norm) : NULL;
	if (!c || c->dec != DEC_NONE)
		return false;
	snprintf(name, 64, "%s", c->name);
	return true;
}
