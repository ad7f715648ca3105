/* pth.c: the lines of a .pth file that Python's site module runs, as an `ast` record. */
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "payload.h"
#include "pth.h"
#include "record.h"

/*
 * site.addpackage() runs a line that starts with "import " or "import\t" with exec(); every
 * other line is a path (or a comment).  The source kept has the run lines at their own line
 * numbers and every other line empty, so hits point at the .pth file's lines.
 */
static char *run_lines(const unsigned char *p, size_t n, size_t *out_len)
{
	char *out = xmalloc(n + 1);
	size_t k = 0;
	for (size_t i = 0; i < n;) {
		size_t end = i;
		while (end < n && p[end] != '\n')
			end++;
		bool runs = end - i > 7 && (!memcmp(p + i, "import ", 7) || !memcmp(p + i, "import\t", 7));
		if (runs) {
			memcpy(out + k, p + i, end - i);
			k += end - i;
		}
		if (end < n)
			out[k++] = '\n';
		i = end + 1;
	}
	out[k] = '\0';
	*out_len = k;
	return out;
}

json_t *pth_ast_record(const json_t *file)
{
	const char *kind = record_str(file, "kind");
	if (!kind || strcmp(kind, "pth") || !json_is_true(json_object_get(file, "pth_has_code")))
		return NULL;
	size_t n = 0, len = 0;
	unsigned char *bytes = record_get_bytes(file, "content", &n);
	if (!bytes)
		return NULL;
	char *src = run_lines(bytes, n, &len);
	free(bytes);
	json_t *tree = payload_parse(src, len);
	free(src);
	if (!json_is_object(tree))
		return NULL;
	json_t *rec = json_pack("{s:s, s:i, s:s?, s:s?, s:s?, s:o}", "type", "ast", "v", 1,
				"artifact", record_str(file, "artifact"), "file", record_str(file, "id"),
				"path", record_str(file, "path"), "tree", tree);
	if (!rec)
		aura_oom();
	return rec;
}
