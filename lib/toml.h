/* toml.h: a strict reader for the subset of TOML that pyproject.toml, poetry.lock and uv.lock use. */
#ifndef AURA_TOML_H
#define AURA_TOML_H

#include <jansson.h>
#include <stddef.h>

/*
 * Parse `len` bytes of TOML into a JSON object (tables are objects, arrays of tables are
 * arrays of objects).  Everything outside the subset (docs/targets.md: dates and times,
 * hexadecimal/octal/binary integers, inf and nan) is an error, never skipped.  On error
 * returns NULL and writes "NAME:LINE: why" into err.
 */
json_t *toml_parse(const char *text, size_t len, const char *name, char *err, size_t cap);

#endif
