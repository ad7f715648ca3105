/* pyparse_source.h: internal to lib/pyparse/ — decoding source bytes as CPython's tokenizer does. */
#ifndef AURA_PYPARSE_SOURCE_H
#define AURA_PYPARSE_SOURCE_H

#include <stddef.h>

#include "pyparse.h"

/* The iconv handles of every supported source codec; open before sealing. */
struct pysource_codecs;
struct pysource_codecs *pysource_codecs_open(void);
void pysource_codecs_close(struct pysource_codecs *cs);

/* A reusable buffer for decoded text. */
struct pysource {
	char *buf;
	size_t len, cap;
};

/*
 * The text tree-sitter should parse for `len` raw bytes: BOM dropped, PEP 263 coding
 * applied (undecodable bytes become U+FFFD), \r\n and \r turned into \n, NUL into a space.
 * Returns `src` itself (or a pointer into it) when nothing had to change, else ps->buf.
 * Sets the encoding, decode and NUL fields of `rep`.
 */
const char *pysource_decode(struct pysource *ps, const struct pysource_codecs *cs,
			    const char *src, size_t len, size_t *out_len, struct pyparse_report *rep);
void pysource_free(struct pysource *ps);

#endif
