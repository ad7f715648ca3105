/* tsparse: the cost floor of Aura's pipeline: read each file, tree-sitter parse it, walk every node. */
/*
 * Usage: tsparse FILE...   (or file names on stdin, one per line, when none are given)
 *
 * Aura's stages sit on a tree-sitter parse; this program does only that parse and one
 * cursor walk of the whole tree (touching each node's type, as any consumer must), so
 * bench/scan.sh can print the pipeline's cost as a multiple of it.  It prints the number
 * of files, bytes and nodes, so the work cannot be optimised away.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tree_sitter/api.h>

const TSLanguage *tree_sitter_python(void);

/* Whole file into a malloc'd buffer; NULL (with a message) when it cannot be read. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "tsparse: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	size_t got;
	while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			char *bigger = realloc(buf, cap *= 2);
			if (!bigger) {
				free(buf);
				buf = NULL;
			}
			buf = bigger;
		}
	}
	fclose(f);
	*len = n;
	return buf;
}

/* Pre-order walk with a cursor (no recursion: deep trees cannot overflow the stack). */
static unsigned long walk(TSTree *tree, unsigned long *type_bytes)
{
	TSTreeCursor c = ts_tree_cursor_new(ts_tree_root_node(tree));
	unsigned long nodes = 0;
	for (;;) {
		nodes++;
		*type_bytes += strlen(ts_node_type(ts_tree_cursor_current_node(&c)));
		if (ts_tree_cursor_goto_first_child(&c))
			continue;
		while (!ts_tree_cursor_goto_next_sibling(&c))
			if (!ts_tree_cursor_goto_parent(&c)) {
				ts_tree_cursor_delete(&c);
				return nodes;
			}
	}
}

int main(int argc, char **argv)
{
	TSParser *parser = ts_parser_new();
	ts_parser_set_language(parser, tree_sitter_python());
	unsigned long files = 0, bytes = 0, nodes = 0, type_bytes = 0;
	char line[4096];
	int i = 1, failed = 0;
	for (;;) {
		const char *path;
		if (argc > 1) {
			if (i >= argc)
				break;
			path = argv[i++];
		} else {
			if (!fgets(line, sizeof line, stdin))
				break;
			line[strcspn(line, "\n")] = '\0';
			path = line;
		}
		size_t len;
		char *src = slurp(path, &len);
		if (!src) {
			failed = 1;
			continue;
		}
		TSTree *tree = ts_parser_parse_string(parser, NULL, src, (uint32_t)len);
		if (tree) {
			nodes += walk(tree, &type_bytes);
			ts_tree_delete(tree);
		}
		files++;
		bytes += len;
		free(src);
	}
	ts_parser_delete(parser);
	printf("%lu files, %lu bytes, %lu nodes (%lu bytes of node types)\n", files, bytes, nodes,
	       type_bytes);
	return failed;
}
