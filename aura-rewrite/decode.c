/* decode.c: static decoders (base64 family, hex, rot13) and decompressors, under a budget. */
#include <bzlib.h>
#include <lzma.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "decode.h"
#include "err.h"

static bool text_in(struct budget *b, const struct val *in)
{
	return val_is_text(in) && budget_charge(b, in->s.n / 8 + 1);
}

struct val *decode_base64(struct budget *b, const struct val *in, const char *altchars,
			  bool validate)
{
	if (!text_in(b, in) || !budget_size_ok(b, in->s.n / 4 * 3 + 3, "base64 decoding"))
		return NULL;
	char c62 = altchars ? altchars[0] : '+', c63 = altchars ? altchars[1] : '/';
	unsigned char *out = xmalloc(in->s.n / 4 * 3 + 3);
	size_t o = 0;
	unsigned acc = 0, nbits = 0;
	bool pad = false;
	for (size_t i = 0; i < in->s.n; i++) {
		unsigned char c = (unsigned char)in->s.p[i];
		int d;
		if (c >= 'A' && c <= 'Z') d = c - 'A';
		else if (c >= 'a' && c <= 'z') d = c - 'a' + 26;
		else if (c >= '0' && c <= '9') d = c - '0' + 52;
		else if (c == (unsigned char)c62) d = 62;
		else if (c == (unsigned char)c63) d = 63;
		else if (c == '=') { pad = true; continue; }
		else if (validate && c != '\n' && c != '\r') { free(out); return NULL; }
		else continue;	/* Python's lenient mode drops characters outside the alphabet */
		if (pad && validate) { free(out); return NULL; }
		acc = (acc << 6) | (unsigned)d;
		nbits += 6;
		if (nbits >= 8) {
			nbits -= 8;
			out[o++] = (unsigned char)(acc >> nbits);
			acc &= (1u << nbits) - 1;
		}
	}
	return val_take(V_BYTES, (char *)out, o);
}

struct val *decode_base32(struct budget *b, const struct val *in, bool casefold)
{
	if (!text_in(b, in) || !budget_size_ok(b, in->s.n / 8 * 5 + 5, "base32 decoding"))
		return NULL;
	unsigned char *out = xmalloc(in->s.n / 8 * 5 + 5);
	size_t o = 0;
	uint64_t acc = 0;
	unsigned nbits = 0;
	for (size_t i = 0; i < in->s.n; i++) {
		unsigned char c = (unsigned char)in->s.p[i];
		if (casefold && c >= 'a' && c <= 'z')
			c -= 32;
		int d;
		if (c >= 'A' && c <= 'Z') d = c - 'A';
		else if (c >= '2' && c <= '7') d = c - '2' + 26;
		else if (c == '=') break;
		else { free(out); return NULL; }
		acc = (acc << 5) | (unsigned)d;
		nbits += 5;
		if (nbits >= 8) {
			nbits -= 8;
			out[o++] = (unsigned char)(acc >> nbits);
			acc &= (1u << nbits) - 1;
		}
	}
	return val_take(V_BYTES, (char *)out, o);
}

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

struct val *decode_hex(struct budget *b, const struct val *in, bool lenient)
{
	if (!text_in(b, in) || !budget_size_ok(b, in->s.n / 2 + 1, "hex decoding"))
		return NULL;
	unsigned char *out = xmalloc(in->s.n / 2 + 1);
	size_t o = 0;
	int hi = -1;
	for (size_t i = 0; i < in->s.n; i++) {
		unsigned char c = (unsigned char)in->s.p[i];
		if (lenient && hi < 0 && (c == ' ' || c == '\t' || c == '\n' || c == '\r'))
			continue;
		int d = hexval(c);
		if (d < 0) { free(out); return NULL; }
		if (hi < 0) hi = d;
		else { out[o++] = (unsigned char)(hi << 4 | d); hi = -1; }
	}
	if (hi >= 0) { free(out); return NULL; }	/* odd number of digits */
	return val_take(V_BYTES, (char *)out, o);
}

/* Ascii85 and base85 share the arithmetic: groups of five digits make four bytes. */
static struct val *decode_85(struct budget *b, const struct val *in, const int8_t *table,
			     bool z_ok)
{
	size_t cap = in->s.n * 4 + 4;	/* 'z' expands one character to four bytes */
	if (!text_in(b, in) || !budget_size_ok(b, cap, "base85 decoding"))
		return NULL;
	unsigned char *out = xmalloc(cap);
	size_t o = 0;
	uint64_t acc = 0;
	int k = 0;
	for (size_t i = 0; i < in->s.n; i++) {
		unsigned char c = (unsigned char)in->s.p[i];
		if (z_ok && c == 'z' && k == 0) {
			memset(out + o, 0, 4);
			o += 4;
			continue;
		}
		if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
			continue;
		int d = c < 128 ? table[c] : -1;
		if (d < 0) { free(out); return NULL; }
		acc = acc * 85 + (unsigned)d;
		if (++k == 5) {
			if (acc > 0xffffffffu) { free(out); return NULL; }
			for (int s = 24; s >= 0; s -= 8)
				out[o++] = (unsigned char)(acc >> s);
			acc = 0;
			k = 0;
		}
	}
	if (k) {	/* a short last group is padded with the highest digit */
		int pad = 5 - k;
		for (int j = 0; j < pad; j++)
			acc = acc * 85 + 84;
		if (acc > 0xffffffffu) { free(out); return NULL; }
		for (int j = 0; j < 4 - pad; j++)
			out[o++] = (unsigned char)(acc >> (24 - 8 * j));
	}
	return val_take(V_BYTES, (char *)out, o);
}

struct val *decode_a85(struct budget *b, const struct val *in, bool adobe)
{
	static int8_t table[128];
	if (!table['!' + 1]) {
		memset(table, -1, sizeof table);
		for (int c = '!'; c <= 'u'; c++)
			table[c] = (int8_t)(c - '!');
	}
	if (!val_is_text(in))
		return NULL;
	struct val view = *in;	/* <~ ... ~> framing, as adobe=True expects */
	if (adobe && view.s.n >= 4 && !memcmp(view.s.p, "<~", 2) &&
	    !memcmp(view.s.p + view.s.n - 2, "~>", 2)) {
		view.s.p += 2;
		view.s.n -= 4;
	}
	return decode_85(b, &view, table, true);
}

struct val *decode_b85(struct budget *b, const struct val *in)
{
	static const char alphabet[] =
		"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz!#$%&()*+-;<=>?@^_`{|}~";
	static int8_t table[128];
	static bool ready;
	if (!ready) {
		memset(table, -1, sizeof table);
		for (int i = 0; i < 85; i++)
			table[(unsigned char)alphabet[i]] = (int8_t)i;
		ready = true;
	}
	return decode_85(b, in, table, false);
}

struct val *decode_rot13(struct budget *b, const struct val *in)
{
	if (!text_in(b, in) || !budget_size_ok(b, in->s.n, "rot13"))
		return NULL;
	char *out = xmalloc(in->s.n + 1);
	for (size_t i = 0; i < in->s.n; i++) {
		char c = in->s.p[i];
		if (c >= 'a' && c <= 'z') c = (char)('a' + (c - 'a' + 13) % 26);
		else if (c >= 'A' && c <= 'Z') c = (char)('A' + (c - 'A' + 13) % 26);
		out[i] = c;
	}
	out[in->s.n] = '\0';
	return val_take(in->kind, out, in->s.n);
}

/* ---- decompression: the real libraries, output capped at the value limit ---- */

/* Growing output buffer for the decompressors; refuses to pass `cap` bytes. */
struct outbuf {
	unsigned char *p;
	size_t len, cap, limit;
};

static bool outbuf_room(struct outbuf *o, size_t want)
{
	if (o->cap - o->len >= want)
		return true;
	if (o->cap >= o->limit)
		return false;
	size_t cap = o->cap ? o->cap * 2 : 64 * 1024;
	if (cap > o->limit)
		cap = o->limit;
	o->p = xrealloc(o->p, cap);
	o->cap = cap;
	return o->cap - o->len > 0;
}

static struct val *bomb(struct budget *b, struct outbuf *o, const char *lib)
{
	free(o->p);
	budget_fail(b, "%s decompression stopped at the %zu-byte value limit (decompression bomb?)",
		    lib, o->limit);
	return NULL;
}

static struct val *finish(struct budget *b, struct outbuf *o)
{
	if (!budget_charge(b, o->len / 4 + 1)) {
		free(o->p);
		return NULL;
	}
	return val_take(V_BYTES, (char *)o->p, o->len);
}

/*
 * The three libraries differ only in one call: fill out[0, *room) from the input they
 * were given, leave in *room what is still free, and say whether the stream goes on,
 * ended, or is broken or truncated.
 */
enum step { STEP_MORE, STEP_END, STEP_FAIL };
typedef enum step (*step_fn)(void *stream, unsigned char *out, size_t *room);
typedef void (*end_fn)(void *stream);

/* Decompress through `step` into a buffer capped at the value limit; `end` releases the stream. */
static struct val *drain(struct budget *b, const char *lib, void *stream, step_fn step, end_fn end)
{
	struct outbuf o = { .limit = b->max_value };
	enum step st = STEP_MORE;
	while (st == STEP_MORE) {
		if (!outbuf_room(&o, 1)) {
			end(stream);
			return bomb(b, &o, lib);
		}
		size_t room = o.cap - o.len;
		st = step(stream, o.p + o.len, &room);
		o.len = o.cap - room;
	}
	end(stream);
	if (st != STEP_END) {
		free(o.p);
		return NULL;
	}
	return finish(b, &o);
}

static enum step zlib_step(void *stream, unsigned char *out, size_t *room)
{
	z_stream *z = stream;
	z->next_out = out;
	z->avail_out = (uInt)*room;
	int rc = inflate(z, Z_NO_FLUSH);
	*room = z->avail_out;
	if (rc == Z_STREAM_END)
		return STEP_END;
	if (rc == Z_BUF_ERROR && z->avail_out)	/* input ended before the stream did */
		return STEP_FAIL;
	return rc == Z_OK || rc == Z_BUF_ERROR ? STEP_MORE : STEP_FAIL;
}

static void zlib_end(void *stream)
{
	inflateEnd(stream);
}

struct val *decompress_zlib(struct budget *b, const struct val *in, int wbits)
{
	if (!text_in(b, in))
		return NULL;
	z_stream z = { 0 };
	if (wbits == 0)
		wbits = 15 + 32;	/* 0 means "the window size in the header" */
	if (inflateInit2(&z, wbits) != Z_OK)
		return NULL;
	z.next_in = (Bytef *)in->s.p;
	z.avail_in = (uInt)in->s.n;
	return drain(b, "zlib", &z, zlib_step, zlib_end);
}

static enum step bz2_step(void *stream, unsigned char *out, size_t *room)
{
	bz_stream *z = stream;
	z->next_out = (char *)out;
	z->avail_out = (unsigned)*room;
	int rc = BZ2_bzDecompress(z);
	*room = z->avail_out;
	if (rc == BZ_STREAM_END)
		return STEP_END;
	if (rc == BZ_OK && z->avail_in == 0 && z->avail_out)
		return STEP_FAIL;	/* truncated input */
	return rc == BZ_OK ? STEP_MORE : STEP_FAIL;
}

static void bz2_end(void *stream)
{
	BZ2_bzDecompressEnd(stream);
}

struct val *decompress_bz2(struct budget *b, const struct val *in)
{
	if (!text_in(b, in))
		return NULL;
	bz_stream z;
	memset(&z, 0, sizeof z);
	if (BZ2_bzDecompressInit(&z, 0, 0) != BZ_OK)
		return NULL;
	z.next_in = (char *)in->s.p;
	z.avail_in = (unsigned)in->s.n;
	return drain(b, "bz2", &z, bz2_step, bz2_end);
}

static enum step lzma_step(void *stream, unsigned char *out, size_t *room)
{
	lzma_stream *z = stream;
	z->next_out = out;
	z->avail_out = *room;
	lzma_ret rc = lzma_code(z, z->avail_in ? LZMA_RUN : LZMA_FINISH);
	*room = z->avail_out;
	return rc == LZMA_STREAM_END ? STEP_END : rc == LZMA_OK ? STEP_MORE : STEP_FAIL;
}

static void lzma_end_stream(void *stream)
{
	lzma_end(stream);
}

struct val *decompress_lzma(struct budget *b, const struct val *in)
{
	if (!text_in(b, in))
		return NULL;
	lzma_stream z = LZMA_STREAM_INIT;
	/* The decoder's own memory is bounded too: a crafted header cannot ask for gigabytes. */
	if (lzma_auto_decoder(&z, 128u << 20, 0) != LZMA_OK)
		return NULL;
	z.next_in = (const uint8_t *)in->s.p;
	z.avail_in = in->s.n;
	return drain(b, "lzma", &z, lzma_step, lzma_end_stream);
}
