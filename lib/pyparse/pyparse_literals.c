/* pyparse_literals.c: decoding Python string and number literals into the Constant values of docs/ast.md. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#include "err.h"
#include "pyparse_literals.h"
#include "record.h"

void cpbuf_free(struct cpbuf *b)
{
	free(b->cp);
	*b = (struct cpbuf){ 0 };
}

static void cp_push(struct cpbuf *b, uint32_t c)
{
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 64;
		b->cp = xrealloc(b->cp, b->cap * sizeof *b->cp);
	}
	b->cp[b->n++] = c;
}

struct str_prefix lit_prefix(const char *s, size_t n)
{
	struct str_prefix p = { 0 };
	size_t i = 0;
	for (; i < n && s[i] != '\'' && s[i] != '"'; i++) {
		switch (s[i] | 0x20) {	/* prefix letters are case-insensitive */
		case 'r': p.raw = true; break;
		case 'b': p.bytes = true; break;
		case 'f': p.fmt = true; break;
		case 'u': p.unicode = s[i] == 'u'; break;	/* CPython marks only a lowercase u */
		}
	}
	p.len = n;
	p.quotes = n - i >= 3 ? 3 : 1;
	return p;
}

/* One source character as a code point: UTF-8 decoded; a bad byte stands for itself in
 * bytes literals and for U+FFFD in str (CPython would refuse the file). */
static size_t source_char(const unsigned char *s, size_t n, bool bytes, uint32_t *out)
{
	size_t len = utf8_sequence(s, n);
	if (len == 0) {
		*out = bytes ? s[0] : 0xFFFD;
		return 1;
	}
	uint32_t c = s[0];
	if (len == 2) c = (s[0] & 0x1F) << 6 | (s[1] & 0x3F);
	if (len == 3) c = (s[0] & 0x0F) << 12 | (s[1] & 0x3F) << 6 | (s[2] & 0x3F);
	if (len == 4) c = (s[0] & 0x07) << 18 | (s[1] & 0x3F) << 12 | (s[2] & 0x3F) << 6 | (s[3] & 0x3F);
	*out = c;
	return len;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* \xhh, \uXXXX, \UXXXXXXXX: `digits` hex digits after the letter, or -1 when too few. */
/*
 * \N{NAME} (s points after the N): the code point named, as unicodedata.lookup has it
 * (names and aliases, any case), through ICU's name table, which libicudata holds in
 * memory; lit_init() touches it before sealing.  Advances *i past the '}'; -1 if unknown.
 */
long lit_named_char(const char *s, size_t n, size_t *i)
{
	const char *close = n > 1 && s[0] == '{' ? memchr(s, '}', n) : NULL;
	size_t len = close ? (size_t)(close - s) - 1 : 0;
	char name[128];
	if (!len || len >= sizeof name || memchr(s + 1, '\n', len))
		return -1;
	memcpy(name, s + 1, len);
	name[len] = '\0';
	UErrorCode err = U_ZERO_ERROR;
	UChar32 c = u_charFromName(U_UNICODE_CHAR_NAME, name, &err);
	if (U_FAILURE(err)) {
		err = U_ZERO_ERROR;
		c = u_charFromName(U_CHAR_NAME_ALIAS, name, &err);
	}
	if (U_FAILURE(err) || c < 0)
		return -1;
	*i += len + 2;
	return c;
}

static const UNormalizer2 *nfkc;

void lit_init(void)
{
	UErrorCode err = U_ZERO_ERROR;
	(void)u_charFromName(U_UNICODE_CHAR_NAME, "LATIN SMALL LETTER A", &err);
	err = U_ZERO_ERROR;
	nfkc = unorm2_getNFKCInstance(&err);
	if (U_FAILURE(err))
		nfkc = NULL;
}

void lit_write_nfkc(struct jsonw *w, const char *s, size_t n)
{
	UErrorCode err = U_ZERO_ERROR;
	int32_t len16 = 0, lenn = 0, len8 = 0;
	UChar *u = NULL, *v = NULL;
	char *out = NULL;
	if (!nfkc || n > INT32_MAX / 4)
		goto raw;
	u = xmalloc((n + 1) * sizeof *u);
	u_strFromUTF8WithSub(u, (int32_t)n + 1, &len16, s, (int32_t)n, 0xFFFD, NULL, &err);
	if (U_FAILURE(err))
		goto raw;
	int32_t cap = len16 * 2 + 16;	/* usually enough; else ICU says how much (at most 18x) */
	v = xmalloc((size_t)cap * sizeof *v);
	lenn = unorm2_normalize(nfkc, u, len16, v, cap, &err);
	if (err == U_BUFFER_OVERFLOW_ERROR && lenn < INT32_MAX / 4) {
		err = U_ZERO_ERROR;
		cap = lenn + 1;
		v = xrealloc(v, (size_t)cap * sizeof *v);
		lenn = unorm2_normalize(nfkc, u, len16, v, cap, &err);
	}
	if (U_FAILURE(err))
		goto raw;
	out = xmalloc((size_t)lenn * 3 + 1);
	u_strToUTF8(out, lenn * 3 + 1, &len8, v, lenn, &err);
	if (U_FAILURE(err))
		goto raw;
	jw_string(w, out, (size_t)len8);
	goto done;
raw:
	jw_string(w, s, n);
done:
	free(u);
	free(v);
	free(out);
}

static long hex_escape(const char *s, size_t n, size_t digits)
{
	if (n < digits)
		return -1;
	long v = 0;
	for (size_t i = 0; i < digits; i++) {
		int h = hexval((unsigned char)s[i]);
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

void lit_decode(struct cpbuf *out, const char *src, size_t n, bool raw, bool bytes, bool fmt)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0;
	while (i < n) {
		unsigned c = s[i];
		if (c == '\r') {	/* \r\n and a lone \r are both one newline */
			cp_push(out, '\n');
			i += (i + 1 < n && s[i + 1] == '\n') ? 2 : 1;
			continue;
		}
		if (fmt && (c == '{' || c == '}') && i + 1 < n && s[i + 1] == c) {
			cp_push(out, c);
			i += 2;
			continue;
		}
		if (c != '\\' || i + 1 >= n) {
			uint32_t cp;
			i += source_char(s + i, n - i, bytes, &cp);
			cp_push(out, cp);
			continue;
		}
		/* A backslash.  In a raw string it stays, and also protects the next quote. */
		unsigned e = s[i + 1];
		if (raw) {
			cp_push(out, '\\');
			i++;
			continue;
		}
		i += 2;
		long v;
		switch (e) {
		case '\n': break;	/* line continuation inside the literal */
		case '\r': if (i < n && s[i] == '\n') i++; break;
		case '\\': cp_push(out, '\\'); break;
		case '\'': cp_push(out, '\''); break;
		case '"': cp_push(out, '"'); break;
		case 'a': cp_push(out, 7); break;
		case 'b': cp_push(out, 8); break;
		case 'f': cp_push(out, 12); break;
		case 'n': cp_push(out, 10); break;
		case 'r': cp_push(out, 13); break;
		case 't': cp_push(out, 9); break;
		case 'v': cp_push(out, 11); break;
		case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7':
			v = e - '0';
			for (int k = 0; k < 2 && i < n && s[i] >= '0' && s[i] <= '7'; k++)
				v = v * 8 + (s[i++] - '0');
			cp_push(out, bytes ? (uint32_t)(v & 0xFF) : (uint32_t)v);
			break;
		case 'x':
			v = hex_escape((const char *)s + i, n - i, 2);
			if (v < 0)
				goto keep;
			cp_push(out, (uint32_t)v);
			i += 2;
			break;
		case 'u':
		case 'U':
			if (bytes)
				goto keep;
			v = hex_escape((const char *)s + i, n - i, e == 'u' ? 4 : 8);
			if (v < 0 || v > 0x10FFFF)
				goto keep;
			cp_push(out, (uint32_t)v);
			i += e == 'u' ? 4 : 8;
			break;
		case 'N':
			v = bytes ? -1 : lit_named_char((const char *)s + i, n - i, &i);
			if (v < 0)
				goto keep;
			cp_push(out, (uint32_t)v);
			break;
		default:
		keep:
			/* Unknown escapes stay as written, backslash included, as CPython does; so
			 * do escapes CPython rejects (`\x4`, an unknown \N name). */
			cp_push(out, '\\');
			i--;
			break;
		}
	}
}

static size_t put_utf8(char *p, uint32_t c)
{
	if (c < 0x80) { p[0] = (char)c; return 1; }
	if (c < 0x800) { p[0] = (char)(0xC0 | c >> 6); p[1] = (char)(0x80 | (c & 0x3F)); return 2; }
	if (c < 0x10000) {
		p[0] = (char)(0xE0 | c >> 12); p[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		p[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	p[0] = (char)(0xF0 | c >> 18); p[1] = (char)(0x80 | ((c >> 12) & 0x3F));
	p[2] = (char)(0x80 | ((c >> 6) & 0x3F)); p[3] = (char)(0x80 | (c & 0x3F));
	return 4;
}

void lit_write_str(struct jsonw *w, const struct cpbuf *b)
{
	bool surrogate = false;
	for (size_t i = 0; i < b->n; i++)
		if (b->cp[i] >= 0xD800 && b->cp[i] <= 0xDFFF)
			surrogate = true;
	if (!surrogate) {
		char *u = xmalloc(b->n * 4 + 1);
		size_t len = 0;
		for (size_t i = 0; i < b->n; i++)
			len += put_utf8(u + len, b->cp[i]);
		jw_string(w, u, len);
		free(u);
		return;
	}
	/* JSON text cannot carry a lone surrogate: spell the string as UTF-16 code units. */
	char *h = xmalloc(b->n * 8 + 1);
	size_t len = 0;
	for (size_t i = 0; i < b->n; i++) {
		uint32_t c = b->cp[i];
		if (c >= 0x10000) {
			c -= 0x10000;
			len += (size_t)sprintf(h + len, "%04x%04x", 0xD800 + (c >> 10), 0xDC00 + (c & 0x3FF));
		} else {
			len += (size_t)sprintf(h + len, "%04x", c);
		}
	}
	jw_object_begin(w);
	jw_kv_string(w, "$str", h, len);
	jw_object_end(w);
	free(h);
}

void lit_write_bytes(struct jsonw *w, const struct cpbuf *b)
{
	unsigned char *raw = xmalloc(b->n + 1);
	for (size_t i = 0; i < b->n; i++)
		raw[i] = (unsigned char)b->cp[i];
	char *b64 = base64_encode(raw, b->n);
	jw_object_begin(w);
	jw_kv_cstring(w, "$bytes", b64);
	jw_object_end(w);
	free(b64);
	free(raw);
}

/* A float as docs/ast.md wants it: plain when finite, {"$float": ...} otherwise. */
static void write_float(struct jsonw *w, double v)
{
	if (isfinite(v)) {
		jw_double(w, v);
		return;
	}
	jw_object_begin(w);
	jw_kv_cstring(w, "$float", isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
	jw_object_end(w);
}

/*
 * An integer of any size: digits in `base` are accumulated into 32-bit limbs (little
 * endian), then written as a JSON integer when it fits in 64 signed bits, else as
 * {"$int": decimal}.  Python ints have no size limit, and a payload may hide in one.
 */
static void write_int(struct jsonw *w, const char *d, size_t n, unsigned base)
{
	size_t cap = n / 8 + 2, used = 1;
	uint32_t *limb = calloc(cap, sizeof *limb);
	if (!limb)
		aura_oom();
	for (size_t i = 0; i < n; i++) {
		int v = hexval((unsigned char)d[i]);
		if (v < 0 || (unsigned)v >= base)
			continue;
		uint64_t carry = (uint64_t)v;
		for (size_t k = 0; k < used; k++) {
			uint64_t t = (uint64_t)limb[k] * base + carry;
			limb[k] = (uint32_t)t;
			carry = t >> 32;
		}
		if (carry)
			limb[used++] = (uint32_t)carry;
	}
	if (used <= 2 && (used < 2 || limb[1] < 0x80000000u)) {
		jw_int(w, (long long)((uint64_t)(used == 2 ? limb[1] : 0) << 32 | limb[0]));
		free(limb);
		return;
	}
	/* Repeated division by 10^9 gives the decimal digits, nine at a time, lowest first. */
	size_t groups = 0, gcap = used * 10 / 9 + 2;
	uint32_t *dec = xmalloc(gcap * sizeof *dec);
	while (used > 0) {
		uint64_t rem = 0;
		for (size_t k = used; k-- > 0;) {
			uint64_t t = rem << 32 | limb[k];
			limb[k] = (uint32_t)(t / 1000000000u);
			rem = t % 1000000000u;
		}
		dec[groups++] = (uint32_t)rem;
		while (used > 0 && limb[used - 1] == 0)
			used--;
	}
	char *text = xmalloc(groups * 9 + 1);
	size_t len = (size_t)sprintf(text, "%u", dec[groups - 1]);
	for (size_t g = groups - 1; g-- > 0;)
		len += (size_t)sprintf(text + len, "%09u", dec[g]);
	jw_object_begin(w);
	jw_kv_string(w, "$int", text, len);
	jw_object_end(w);
	free(text);
	free(dec);
	free(limb);
}

void lit_write_number(struct jsonw *w, const char *s, size_t n)
{
	/* Underscores are only separators; a Python 2 `L` suffix only says "long". */
	char *t = xmalloc(n + 1);
	size_t len = 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] != '_')
			t[len++] = s[i];
	t[len] = '\0';
	bool imag = false;
	if (len && (t[len - 1] == 'j' || t[len - 1] == 'J'))
		imag = true, t[--len] = '\0';
	else if (len && (t[len - 1] == 'l' || t[len - 1] == 'L'))
		t[--len] = '\0';

	unsigned base = 10;
	size_t skip = 0;
	if (len > 1 && t[0] == '0') {
		switch (t[1] | 0x20) {
		case 'x': base = 16, skip = 2; break;
		case 'o': base = 8, skip = 2; break;
		case 'b': base = 2, skip = 2; break;
		}
	}
	bool is_float = imag || (base == 10 && strpbrk(t, ".eE"));
	if (!is_float && base == 10 && len > 1 && t[0] == '0' && strspn(t, "0") != len)
		base = 8, skip = 1;	/* Python 2 octal: 0777 */
	if (!is_float) {
		write_int(w, t + skip, len - skip, base);
	} else if (!imag) {
		write_float(w, strtod(t, NULL));
	} else {
		jw_object_begin(w);
		jw_key(w, "$complex");
		jw_array_begin(w);
		write_float(w, 0.0);
		write_float(w, strtod(t, NULL));
		jw_array_end(w);
		jw_object_end(w);
	}
	free(t);
}
