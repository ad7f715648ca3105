/* pyparse_source.c: raw source bytes to the UTF-8, \n-terminated text CPython's tokenizer sees. */
#include <ctype.h>
#include <errno.h>
#include <iconv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "pyparse_cookie.h"
#include "pyparse_source.h"
#include "pyparse_literals.h"
#include "record.h"

/*
 * CPython reads a BOM or a PEP 263 coding declaration, decodes the file to text, turns
 * \r\n and lone \r into \n, and refuses NUL bytes.  Positions in `ast` are UTF-8 byte
 * columns of that text, so aura-parse decodes the same way before tree-sitter sees it.
 * iconv loads a gconv module from disk per codec, so every codec is opened up front,
 * before the stage seals itself; a declared codec not in the table is reported, and the
 * file is then read as UTF-8, as tree-sitter would anyway.
 */

struct pysource_codecs {
	iconv_t *cd;	/* one per codec_table entry: (iconv_t)-1 when not DEC_ICONV or missing */
};

struct pysource_codecs *pysource_codecs_open(void)
{
	struct pysource_codecs *cs = xmalloc(sizeof *cs);
	cs->cd = xmalloc(NCODECS * sizeof *cs->cd);
	for (size_t i = 0; i < NCODECS; i++) {
		cs->cd[i] = (iconv_t)-1;
		if (codec_table[i].dec != DEC_ICONV)
			continue;
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
	free(cs->cd);
	free(cs);
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

/* Append code point `c` to ps->buf as UTF-8. */
static void put_cp(struct pysource *ps, uint32_t c)
{
	reserve(ps, ps->len + 4);
	char *o = ps->buf + ps->len;
	if (c < 0x80) {
		*o++ = (char)c;
	} else if (c < 0x800) {
		*o++ = (char)(0xC0 | c >> 6);
		*o++ = (char)(0x80 | (c & 0x3F));
	} else if (c < 0x10000) {
		*o++ = (char)(0xE0 | c >> 12);
		*o++ = (char)(0x80 | (c >> 6 & 0x3F));
		*o++ = (char)(0x80 | (c & 0x3F));
	} else {
		*o++ = (char)(0xF0 | c >> 18);
		*o++ = (char)(0x80 | (c >> 12 & 0x3F));
		*o++ = (char)(0x80 | (c >> 6 & 0x3F));
		*o++ = (char)(0x80 | (c & 0x3F));
	}
	ps->len = (size_t)(o - ps->buf);
}

static int hex_digit(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* `digits` hex digits at s[*i], advancing past them; -1 when too few or too big. */
static long hex_value(const char *s, size_t n, size_t *i, int digits)
{
	long v = 0;
	for (int k = 0; k < digits; k++) {
		int d = *i + (size_t)k < n ? hex_digit(s[*i + (size_t)k]) : -1;
		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	*i += (size_t)digits;
	return v > 0x10FFFF ? -1 : v;
}

/*
 * Python's unicode_escape codec (raw: raw_unicode_escape), into ps->buf as UTF-8: a byte is
 * the code point of its value (latin-1), and backslash escapes are those of a str literal
 * (raw: only \uXXXX and \UXXXXXXXX after an odd number of backslashes).  An escape the
 * codec rejects, or a lone surrogate (the tokenizer cannot encode it), makes CPython refuse
 * the file: reported, and read as U+FFFD.
 */
static void unescape(struct pysource *ps, const char *s, size_t n, bool raw,
		     struct pyparse_report *rep)
{
	ps->len = 0;
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		size_t at = i;
		if (c != '\\') {
			put_cp(ps, c);
			i++;
			continue;
		}
		long v = -2;	/* -2: no escape, the backslash is kept */
		if (raw) {
			size_t b = i;
			while (b < n && s[b] == '\\')
				b++;
			for (size_t k = i; k + 1 < b; k++)	/* all but the last backslash */
				put_cp(ps, '\\');
			i = b - 1;
			if ((b - at) % 2 == 1 && b < n && (s[b] == 'u' || s[b] == 'U')) {
				i = b + 1;
				v = hex_value(s, n, &i, s[b] == 'u' ? 4 : 8);
			}
		} else if (i + 1 >= n) {
			v = -1;	/* "\\ at end of string" */
			i++;
		} else {
			char e = s[i + 1];
			i += 2;
			static const char simple[] = "\n\\'\"abfnrtv", value[] = "\0\\'\"\a\b\f\n\r\t\v";
			const char *p = strchr(simple, e);
			if (e && p) {
				v = (unsigned char)value[p - simple];
				if (e == '\n')
					v = -3;	/* a line continuation: nothing */
			} else if (e >= '0' && e <= '7') {
				v = e - '0';
				for (int k = 0; k < 2 && i < n && s[i] >= '0' && s[i] <= '7'; k++)
					v = v * 8 + (s[i++] - '0');
			} else if (e == 'x' || e == 'u' || e == 'U') {
				v = hex_value(s, n, &i, e == 'x' ? 2 : e == 'u' ? 4 : 8);
			} else if (e == 'N') {
				v = lit_named_char(s + i, n - i, &i);
			} else {
				v = -2;	/* an unknown escape stays as written */
				i = at + 1;
			}
		}
		if (v == -3)
			continue;
		if (v == -2) {
			put_cp(ps, '\\');
			if (!raw)
				continue;
			i++;
			continue;
		}
		if (v < 0 || (v >= 0xD800 && v <= 0xDFFF)) {
			if (!rep->decode_error) {
				rep->decode_error = true;
				rep->decode_line = line_at(s, at);
			}
			put_cp(ps, 0xFFFD);
			if (v < 0 && i == at)
				i++;
			continue;
		}
		put_cp(ps, (uint32_t)v);
	}
}

/*
 * Decode as CPython's tokenizer does (tokenizer.c check_bom, check_coding_spec): with a
 * UTF-8 BOM the declaration must say utf-8; the declared name is normalised
 * (normal_name), looked up (find_codec) and the whole file, declaration line included,
 * decoded with that codec.
 */
const char *pysource_decode(struct pysource *ps, const struct pysource_codecs *cs,
			    const char *src, size_t len, size_t *out_len, struct pyparse_report *rep)
{
	char name[64];
	strcpy(rep->encoding, "utf-8");
	bool bom = len >= 3 && memcmp(src, "\xEF\xBB\xBF", 3) == 0;
	if (bom)	/* CPython's tokenizer drops it; columns on line 1 do not count it */
		src += 3, len -= 3;
	const char *text = src;
	size_t n = len;
	if (pycookie_declared(src, len, name)) {
		const char *norm = pycookie_normal_name(name);
		const struct codec *c = strcmp(norm, "utf-8") ? pycookie_codec(norm) : NULL;
		snprintf(rep->encoding, sizeof rep->encoding, "%s", c ? c->name : norm);
		size_t i = c ? (size_t)(c - codec_table) : 0;
		if (bom && strcmp(norm, "utf-8") != 0)
			rep->refused_encoding = true;	/* "encoding problem: X with BOM" */
		else if (!strcmp(norm, "utf-8"))
			;
		else if (!c)
			rep->unknown_encoding = true;
		else if (c->dec == DEC_UTF8)
			;
		else if (c->dec == DEC_NUL_BYTES)
			rep->refused_encoding = true;
		else if (c->dec == DEC_NONE || (c->dec == DEC_ICONV && (!cs || cs->cd[i] == (iconv_t)-1)))
			rep->unsupported_encoding = true;
		else if (c->dec == DEC_ICONV)
			transcode(ps, cs->cd[i], src, len, rep);
		else
			unescape(ps, src, len, c->dec == DEC_RAW_UNICODE_ESCAPE, rep);
		/* glibc's UTF-7 refuses bytes Python's takes directly (`\\`, `~`): not readable */
		if (c && c->dec == DEC_ICONV && rep->decode_error && !strcmp(c->name, "utf-7"))
			rep->unsupported_encoding = true;
		if (c && (c->dec == DEC_ICONV || c->dec == DEC_UNICODE_ESCAPE ||
			  c->dec == DEC_RAW_UNICODE_ESCAPE) && !rep->unsupported_encoding &&
		    !rep->refused_encoding)
			text = ps->buf, n = ps->len;
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
