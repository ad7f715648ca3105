/* decode.h: static decoders (base64 family, hex, rot13) and decompressors, under a budget. */
#ifndef REWRITE_DECODE_H
#define REWRITE_DECODE_H

#include "budget.h"
#include "value.h"

/*
 * Each takes str or bytes (str is read as its UTF-8, which is what Python does for the
 * ASCII alphabets involved) and returns new bytes, or NULL when the input is malformed or
 * a limit was crossed (then b->why says which).  Nothing is ever executed.
 */
struct val *decode_base64(struct budget *b, const struct val *in, const char *altchars,
			  bool validate);
struct val *decode_base32(struct budget *b, const struct val *in, bool casefold);
/* Hex digits to bytes; `lenient` skips whitespace (bytes.fromhex), else strict. */
struct val *decode_hex(struct budget *b, const struct val *in, bool lenient);
struct val *decode_a85(struct budget *b, const struct val *in, bool adobe);
struct val *decode_b85(struct budget *b, const struct val *in);
/* rot13 on ASCII letters; keeps the kind (str stays str). */
struct val *decode_rot13(struct budget *b, const struct val *in);

/* zlib (wbits as zlib.decompress: 15 zlib, -15 raw, 31 gzip, 47 auto). */
struct val *decompress_zlib(struct budget *b, const struct val *in, int wbits);
struct val *decompress_bz2(struct budget *b, const struct val *in);
struct val *decompress_lzma(struct budget *b, const struct val *in);

#endif
