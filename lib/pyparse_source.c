/* pyparse_source.c: raw source bytes to the UTF-8, \n-terminated text CPython's tokenizer sees. */
#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "pyparse_source.h"
#include "record.h"

/*
 * CPython reads a BOM or a PEP 263 coding declaration, decodes the file to text, turns
 * \r\n and lone \r into \n, and refuses NUL bytes.  Positions in `ast` are UTF-8 byte
 * columns of that text, so aura-parse decodes the same way before tree-sitter sees it.
 * iconv loads a gconv module from disk per codec, so every codec is opened up front,
 * before the stage seals itself; a declared codec not in the table is reported, and the
 * file is then read as UTF-8, as tree-sitter would anyway.
 */

/* Python's codec names and aliases (letters and digits only, lowercase) -> iconv names. */
static const struct { const char *py, *iconv; } codec_table[] = {
	{ "ascii", "ASCII" }, { "usascii", "ASCII" }, { "646", "ASCII" },
	{ "latin1", "ISO-8859-1" }, { "latin", "ISO-8859-1" }, { "l1", "ISO-8859-1" },
	{ "iso88591", "ISO-8859-1" }, { "8859", "ISO-8859-1" }, { "cp819", "ISO-8859-1" },
	{ "isolatin1", "ISO-8859-1" },
	{ "iso88592", "ISO-8859-2" }, { "latin2", "ISO-8859-2" }, { "l2", "ISO-8859-2" },
	{ "iso88593", "ISO-8859-3" }, { "latin3", "ISO-8859-3" },
	{ "iso88594", "ISO-8859-4" }, { "latin4", "ISO-8859-4" },
	{ "iso88595", "ISO-8859-5" }, { "cyrillic", "ISO-8859-5" },
	{ "iso88596", "ISO-8859-6" }, { "arabic", "ISO-8859-6" },
	{ "iso88597", "ISO-8859-7" }, { "greek", "ISO-8859-7" },
	{ "iso88598", "ISO-8859-8" }, { "hebrew", "ISO-8859-8" },
	{ "iso88599", "ISO-8859-9" }, { "latin5", "ISO-8859-9" },
	{ "iso885910", "ISO-8859-10" }, { "latin6", "ISO-8859-10" },
	{ "iso885913", "ISO-8859-13" }, { "latin7", "ISO-8859-13" },
	{ "iso885914", "ISO-8859-14" }, { "latin8", "ISO-8859-14" },
	{ "iso885915", "ISO-8859-15" }, { "latin9", "ISO-8859-15" },
	{ "iso885916", "ISO-8859-16" }, { "latin10", "ISO-8859-16" },
	{ "cp1250", "CP1250" }, { "windows1250", "CP1250" },
	{ "cp1251", "CP1251" }, { "windows1251", "CP1251" },
	{ "cp1252", "CP1252" }, { "windows1252", "CP1252" },
	{ "cp1253", "CP1253" }, { "windows1253", "CP1253" },
	{ "cp1254", "CP1254" }, { "windows1254", "CP1254" },
	{ "cp1255", "CP1255" }, { "windows1255", "CP1255" },
	{ "cp1256", "CP1256" }, { "windows1256", "CP1256" },
	{ "cp1257", "CP1257" }, { "windows1257", "CP1257" },
	{ "cp1258", "CP1258" }, { "windows1258", "CP1258" },
	{ "cp437", "CP437" }, { "ibm437", "CP437" }, { "cp850", "CP850" }, { "ibm850", "CP850" },
	{ "cp852", "CP852" }, { "cp866", "CP866" }, { "cp874", "CP874" },
	{ "koi8r", "KOI8-R" }, { "koi8u", "KOI8-U" },
	{ "macroman", "MACINTOSH" }, { "macintosh", "MACINTOSH" },
	{ "gbk", "GBK" }, { "cp936", "GBK" }, { "ms936", "GBK" }, { "gb2312", "GB2312" },
	{ "euccn", "GB2312" }, { "gb18030", "GB18030" },
	{ "big5", "BIG5" }, { "big5tw", "BIG5" }, { "cp950", "CP950" }, { "ms950", "CP950" },
	{ "big5hkscs", "BIG5-HKSCS" },
	{ "shiftjis", "SHIFT_JIS" }, { "sjis", "SHIFT_JIS" }, { "cp932", "CP932" },
	{ "ms932", "CP932" }, { "mskanji", "CP932" },
	{ "eucjp", "EUC-JP" }, { "ujis", "EUC-JP" }, { "iso2022jp", "ISO-2022-JP" },
	{ "euckr", "EUC-KR" }, { "cp949", "CP949" }, { "uhc", "CP949" },
};
#define NCODECS (sizeof codec_table / sizeof codec_table[0])

struct pysource_codecs {
	iconv_t cd[NCODECS];	/* (iconv_t)-1 when the C library lacks the codec */
};

struct pysource_codecs *pysource_codecs_open(void)
{
	struct pysource_codecs *cs = xmalloc(sizeof *cs);
	for (size_t i = 0; i < NCODECS; i++) {
		cs->cd[i] = (iconv_t)-1;
		for (size_t j = 0; j < i; j++)	/* aliases share a handle */
			if (strcmp(codec_table[j].iconv, codec_table[i].iconv) == 0) {
				cs->cd[i] = cs->cd[j];
				break;
			}
		if (cs->cd[i] == (iconv_t)-1)
			cs->cd[i] = iconv_open("UTF-8", codec_table[i].iconv);
	}
	return cs;
}

void pysource_codecs_close(struct pysource_codecs *cs)
{
	if (!cs)
		return;
	for (size_t i = 0; i < NCODECS; i++) {
		bool shared = false;
		for (size_t j = 0; j < i; j++)
			shared |= cs->cd[j] == cs->cd[i];
		if (!shared && cs->cd[i] != (iconv_t)-1)
			iconv_close(cs->cd[i]);
	}
	free(cs);
}

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
static bool declared_coding(const char *s, size_t n, char name[64])
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

/* Python's lookup key for a codec name: lowercase letters and digits only. */
static void codec_key(const char *name, char key[64])
{
	size_t k = 0;
	for (; *name && k < 63; name++)
		if (isalnum((unsigned char)*name))
			key[k++] = (char)tolower((unsigned char)*name);
	key[k] = '\0';
}

static bool is_utf8_name(const char *key)
{
	return strcmp(key, "utf8") == 0 || strcmp(key, "u8") == 0 || strcmp(key, "utf") == 0 ||
	       strcmp(key, "utf8sig") == 0 || strcmp(key, "cp65001") == 0 ||
	       strncmp(key, "utf8", 4) == 0;	/* CPython's get_normal_name: "utf-8-*" is utf-8 */
}

/* ---- decoding ---- */

static void reserve(struct pysource *ps, size_t n)
{
	if (n <= ps->cap)
		return;
	ps->cap = n > 2 * ps->cap ? n : 2 * ps->cap;
	ps->buf = xrealloc(ps->buf, ps->cap);
}

static unsigned line_at(const char *s, size_t off)
{
	unsigned line = 1;
	for (size_t i = 0; i < off; i++)
		line += s[i] == '\n' || (s[i] == '\r' && (i + 1 >= off || s[i + 1] != '\n'));
	return line;
}

/* Transcode with `cd` into ps->buf; each undecodable byte becomes U+FFFD. */
static void transcode(struct pysource *ps, iconv_t cd, const char *src, size_t len,
		      struct pyparse_report *rep)
{
	iconv(cd, NULL, NULL, NULL, NULL);	/* back to the initial shift state */
	reserve(ps, len * 2 + 16);
	char *in = (char *)src, *out = ps->buf;
	size_t inleft = len, outleft = ps->cap;
	while (inleft > 0) {
		if (iconv(cd, &in, &inleft, &out, &outleft) != (size_t)-1)
			break;
		if (errno == E2BIG) {
			size_t used = (size_t)(out - ps->buf);
			reserve(ps, ps->cap * 2);
			out = ps->buf + used;
			outleft = ps->cap - used;
			continue;
		}
		/* EILSEQ or EINVAL (a sequence cut by the end): replace one byte, go on. */
		if (!rep->decode_error) {
			rep->decode_error = true;
			rep->decode_line = line_at(src, (size_t)(in - src));
		}
		if (outleft < 3) {
			size_t used = (size_t)(out - ps->buf);
			reserve(ps, ps->cap * 2);
			out = ps->buf + used;
			outleft = ps->cap - used;
		}
		memcpy(out, "\xEF\xBF\xBD", 3);
		out += 3, outleft -= 3;
		in++, inleft--;
	}
	ps->len = (size_t)(out - ps->buf);
}

/* The first line holding a byte that is not UTF-8, or 0. */
static unsigned bad_utf8_line(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	for (size_t i = 0; i < n;) {
		if (u[i] < 0x80) {
			i++;
			continue;
		}
		size_t k = utf8_sequence(u + i, n - i);
		if (!k)
			return line_at(s, i);
		i += k;
	}
	return 0;
}

/*
 * Universal newlines and NUL bytes, in place over ps->buf[0, ps->len) or copied from `s`:
 * \r\n and \r become \n; a NUL becomes a space (same length, so columns hold), reported.
 */
static void normalise(struct pysource *ps, const char *s, size_t n, struct pyparse_report *rep)
{
	if (s != ps->buf)	/* in place, the output never outgrows the input */
		reserve(ps, n + 1);
	char *o = ps->buf;
	unsigned line = 1;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '\r') {
			if (i + 1 < n && s[i + 1] == '\n')
				continue;
			c = '\n';
		} else if (c == '\0') {
			if (!rep->nul_bytes) {
				rep->nul_bytes = true;
				rep->nul_line = line;
			}
			c = ' ';
		}
		line += c == '\n';
		*o++ = c;
	}
	ps->len = (size_t)(o - ps->buf);
}

const char *pysource_decode(struct pysource *ps, const struct pysource_codecs *cs,
			    const char *src, size_t len, size_t *out_len, struct pyparse_report *rep)
{
	char name[64], key[64];
	strcpy(rep->encoding, "utf-8");
	bool bom = len >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0;
	if (bom)	/* CPython's tokenizer drops it; columns on line 1 do not count it */
		src += 3, len -= 3;
	const char *text = src;
	size_t n = len;
	if (!bom && declared_coding(src, len, name)) {
		codec_key(name, key);
		if (!is_utf8_name(key)) {
			size_t i = 0;
			while (i < NCODECS && strcmp(codec_table[i].py, key) != 0)
				i++;
			snprintf(rep->encoding, sizeof rep->encoding, "%s", name);
			if (i < NCODECS && cs && cs->cd[i] != (iconv_t)-1) {
				transcode(ps, cs->cd[i], src, len, rep);
				text = ps->buf, n = ps->len;
			} else {
				rep->unknown_encoding = true;
			}
		}
	}
	if (text == src) {	/* UTF-8: tree-sitter reads it as is; bad bytes become U+FFFD later */
		unsigned bad = bad_utf8_line(src, len);
		if (bad && !rep->decode_error) {
			rep->decode_error = true;
			rep->decode_line = bad;
		}
	}
	if (memchr(text, '\r', n) || memchr(text, '\0', n)) {
		normalise(ps, text, n, rep);
		text = ps->buf, n = ps->len;
	}
	*out_len = n;
	return text;
}

void pysource_free(struct pysource *ps)
{
	free(ps->buf);
	*ps = (struct pysource){ 0 };
}
