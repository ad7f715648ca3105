/* jsonlex.h: JSON's escapes and numbers, read alike by the reader (jsonr) and the checker (jsonscan). */
#ifndef AURA_JSONLEX_H
#define AURA_JSONLEX_H

#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/*
 * The bytes of w (eight string bytes, little-endian) that end a plain run: below 0x20, at or
 * above 0x80, a quote or a backslash.  SWAR: a byte's high bit is set in the result when
 * it is one; bits above the lowest may be spurious, so only the lowest is used.
 */
static inline uint64_t json_special_bytes(uint64_t w)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	uint64_t quote = w ^ (ones * '"'), backslash = w ^ (ones * '\\');
	uint64_t control = (w - ones * 0x20) & ~w;
	uint64_t zero_q = (quote - ones) & ~quote, zero_b = (backslash - ones) & ~backslash;
	return (control | zero_q | zero_b | w) & highs;
}

/*
 * The first byte at or after p (before end) that is not plain string text: a quote, a
 * backslash, a control character or a byte at or above 0x80; `end` when there is none.
 * The one loop the reader (jsonr), the checker (jsonscan) and the writer (jsonw) spend
 * their string time in: sixteen bytes at a time with SSE2, eight otherwise (SWAR), then
 * byte by byte for the last few.  Every load stays inside [p, end).
 */
static inline const unsigned char *json_plain_end(const unsigned char *p, const unsigned char *end)
{
#ifdef __SSE2__
	while (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		/* Signed: a byte at or above 0x80 is below 0x20 too. */
		__m128i special = _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
			_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
				     _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
		unsigned mask = (unsigned)_mm_movemask_epi8(special);
		if (mask)
			return p + __builtin_ctz(mask);
		p += 16;
	}
#endif
	while (end - p >= 8) {
		uint64_t w;
		memcpy(&w, p, 8);
		uint64_t special = json_special_bytes(htole64(w));
		if (special)
			return p + (__builtin_ctzll(special) >> 3);
		p += 8;
	}
	while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
		p++;
	return p;
}

/* The value of four hex digits at p, or -1. */
static inline int json_hex4(const unsigned char *p)
{
	int v = 0;
	for (int i = 0; i < 4; i++) {
		int c = p[i], d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			d = (c | 0x20) - 'a' + 10;
		else
			return -1;
		v = v * 16 + d;
	}
	return v;
}

enum json_uescape {
	JSON_U_OK,
	JSON_U_BAD,		/* not four hex digits */
	JSON_U_LONE_LOW,	/* a low surrogate first */
	JSON_U_UNPAIRED_HIGH,	/* a high surrogate not followed by \u and a low one */
};

/*
 * The \uXXXX escape at *pp (pointing at the 'u'), with its low surrogate if any: on
 * JSON_U_OK the code point in *cp and *pp after the escape; else *cp holds the first
 * four digits' value (for the message) and *pp is unchanged.
 */
static inline enum json_uescape json_unicode_escape(const unsigned char **pp,
						    const unsigned char *end, uint32_t *cp)
{
	const unsigned char *p = *pp;
	int hi = end - p >= 5 ? json_hex4(p + 1) : -1;
	if (hi < 0)
		return JSON_U_BAD;
	*cp = (uint32_t)hi;
	if (hi >= 0xDC00 && hi <= 0xDFFF)
		return JSON_U_LONE_LOW;
	p += 5;
	if (hi < 0xD800 || hi > 0xDBFF) {
		*pp = p;
		return JSON_U_OK;
	}
	int lo = end - p >= 6 && p[0] == '\\' && p[1] == 'u' ? json_hex4(p + 2) : -1;
	if (lo < 0xDC00 || lo > 0xDFFF)
		return JSON_U_UNPAIRED_HIGH;
	*pp = p + 6;
	*cp = 0x10000 + ((uint32_t)(hi - 0xD800) << 10) + (uint32_t)(lo - 0xDC00);
	return JSON_U_OK;
}

/* Write code point cp as UTF-8 at o; returns its length (1..4). */
static inline size_t json_put_utf8(unsigned char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (unsigned char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (unsigned char)(0xC0 | cp >> 6);
		o[1] = (unsigned char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (unsigned char)(0xE0 | cp >> 12);
		o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
		o[2] = (unsigned char)(0x80 | (cp & 0x3F));
		return 3;
	}
	o[0] = (unsigned char)(0xF0 | cp >> 18);
	o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
	o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
	o[3] = (unsigned char)(0x80 | (cp & 0x3F));
	return 4;
}

enum json_number_status {
	JSON_NUM_OK,
	JSON_NUM_NO_DIGIT,	/* not a number at all (an invalid token) */
	JSON_NUM_NO_FRACTION,	/* '.' without digits after it */
	JSON_NUM_NO_EXPONENT,	/* 'e' without digits after it */
	JSON_NUM_LEADING_ZERO,	/* 0 followed by digits */
};

/* A number's syntax, and what jsonr needs to build it. */
struct json_number {
	const unsigned char *end;	/* after the number; on JSON_NUM_NO_FRACTION/EXPONENT, the error */
	uint64_t magnitude;		/* an integer's value (valid unless overflow) */
	bool negative, real, overflow;
};

/* Read the number at s (RFC 8259 syntax). */
static inline enum json_number_status json_number_scan(const unsigned char *s,
							const unsigned char *end,
							struct json_number *n)
{
	const unsigned char *p = s;
	*n = (struct json_number){ .negative = p < end && *p == '-' };
	p += n->negative;
	if (p >= end || *p < '0' || *p > '9')
		return JSON_NUM_NO_DIGIT;
	if (*p == '0')
		p++;
	else
		for (; p < end && *p >= '0' && *p <= '9'; p++) {
			unsigned d = *p - '0';
			if (n->magnitude > (UINT64_MAX - d) / 10)
				n->overflow = true;
			else
				n->magnitude = n->magnitude * 10 + d;
		}
	if (p < end && *p == '.') {
		n->real = true;
		if (++p >= end || *p < '0' || *p > '9') {
			n->end = p;
			return JSON_NUM_NO_FRACTION;
		}
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < end && (*p | 0x20) == 'e') {
		n->real = true;
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		if (p >= end || *p < '0' || *p > '9') {
			n->end = p;
			return JSON_NUM_NO_EXPONENT;
		}
		while (p < end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < end && *p >= '0' && *p <= '9')
		return JSON_NUM_LEADING_ZERO;
	n->end = p;
	return JSON_NUM_OK;
}

/* An integer (no fraction, no exponent) that int64 holds. */
static inline bool json_integer_fits(const struct json_number *n)
{
	return !n->overflow && n->magnitude <= (uint64_t)INT64_MAX + n->negative;
}

/*
 * The double a real's text (NUL-terminated) reads as, and whether it is finite: one that
 * overflows is refused, one that underflows to 0 is fine (as in jansson).
 */
static inline bool json_real_read(const char *text, double *d)
{
	errno = 0;
	*d = strtod(text, NULL);
	return !(errno == ERANGE && (*d > 1 || *d < -1));
}

#endif
