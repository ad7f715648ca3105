/* pyparse_literals.h: internal to lib/pyparse/ — Python literal decoding into docs/ast.md values. */
#ifndef AURA_PYPARSE_LITERALS_H
#define AURA_PYPARSE_LITERALS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "jsonw.h"

/* A decoded string as code points (a bytes literal holds values 0..255). */
struct cpbuf {
	uint32_t *cp;
	size_t n, cap;
};

void cpbuf_free(struct cpbuf *b);

/* Load the Unicode name table (for \N{...}) before sealing. */
void lit_init(void);

/* \N{NAME} (`s` after the N): the code point, advancing *i past the '}'; -1 if unknown. */
long lit_named_char(const char *s, size_t n, size_t *i);

/* What a string token's prefix says (`rb'`, `f"""`, `U'`...). */
struct str_prefix {
	bool raw, bytes, fmt, unicode;
	size_t len;		/* prefix letters plus the opening quote(s) */
	size_t quotes;		/* 1 or 3: the closing quotes match */
};

/* Parse the `string_start` token text (prefix letters and the opening quotes). */
struct str_prefix lit_prefix(const char *s, size_t n);

/*
 * Append the value of literal source text `s` (the inside of a string, no quotes) to `out`:
 * escape sequences unless `raw`, bytes rules when `bytes`, `{{`/`}}` halved when `fmt`.
 * Line ends are normalised to \n as CPython's tokenizer does.
 */
void lit_decode(struct cpbuf *out, const char *s, size_t n, bool raw, bool bytes, bool fmt);

/* Write a decoded str as a JSON value: a string, or {"$str": UTF-16 hex} with lone surrogates. */
void lit_write_str(struct jsonw *w, const struct cpbuf *b);
/* Write UTF-8 text NFKC-normalised (identifiers), as a JSON string. */
void lit_write_nfkc(struct jsonw *w, const char *s, size_t n);
/* Write a decoded bytes literal as {"$bytes": base64}. */
void lit_write_bytes(struct jsonw *w, const struct cpbuf *b);
/* Write an integer, float or imaginary literal token (underscores, any base) as its value. */
void lit_write_number(struct jsonw *w, const char *s, size_t n);

#endif
