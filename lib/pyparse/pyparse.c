/* pyparse.c: the public face of the Python parser: grammar setup, source decoding, parse, convert. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <tree_sitter/api.h>

#include "err.h"
#include "pyparse.h"
#include "pyparse_convert.h"
#include "pyparse_literals.h"
#include "pyparse_scan.h"
#include "pyparse_source.h"

/* Defined by third_party/tree-sitter-python's archive, which the stage links. */
const TSLanguage *tree_sitter_python(void);

/*
 * tree-sitter 0.20.7 recurses in ts_subtree_compare (48 bytes a level) when it compares
 * the versions of an error recovery, and before its final balancing a repetition
 * (statements, arguments, list items) is a left-deep chain: a broken file may cost it
 * about two tree levels per source byte.  A parse is therefore given at most
 * stack / 2 / STACK_PER_BYTE bytes of text; bigger files are parsed one run of top-level
 * statements at a time (see pyparse_to_json).  Measured: 96 bytes of stack per byte of
 * `[[[...`, `---...1`, `a+a+...` or one-name statements; 160 leaves a margin
 * (STACK_PER_BYTE, in pyparse_convert.h since the converter re-parses backquotes).
 */
#define STACK_WANTED (1024ul << 20)	/* raise the soft RLIMIT_STACK to this, room allowing */
#define STACK_GAP_MARGIN (16ul << 20)	/* kept between the grown stack and the next mapping */

/*
 * tree-sitter 0.20.7 keeps a node's child count in 16 bits (see PYSCAN_LOAD_MAX): a parse
 * must never pile 65,536 entries on its stack.  Each entry holds at least one token, a
 * comment or a line, or is one of at most two entries error recovery adds per token, so a
 * parse of at most TOKENS_SAFE of those is safe whatever the text.  A bigger top-level
 * statement (a long class, a big table) is parsed alone when the pre-scan's model of valid
 * code keeps its stack under PYSCAN_LOAD_MAX, and under a guard that counts tree-sitter's
 * error recoveries (two entries each at most) and cancels the parse before they could make
 * up the difference.  A statement past either bound is left out: Truncated, with a hit.
 */
#define TOKENS_SAFE 20000u
#define STACK_ENTRIES_MAX 65000u	/* below 65,536, with tree-sitter's 100-operation
					 * cancellation check as margin */

enum chunk_state {
	CHUNK_PARSE,		/* parse it */
	CHUNK_TOO_BIG,		/* more code than one parse may take on this C stack */
	CHUNK_TOO_DEEP,		/* would overflow tree-sitter's 16-bit child counts */
	CHUNK_TIMED_OUT,	/* the time-out came first */
};

/* A run of whole top-level statements parsed alone. */
struct chunk {
	uint32_t from, to, row;
	TSTree *tree;
	enum chunk_state state;
	uint32_t load;		/* the pre-scan's stack model (one statement over TOKENS_SAFE) */
	bool guarded;		/* parse under the error-recovery guard */
	bool joined;		/* parsed from pp->copy (see repair) */
};

/* Counts tree-sitter's error recoveries in its log, and cancels the parse past `limit`. */
struct guard {
	size_t entries, limit;
	size_t depth;		/* shifts less reductions (see guard_log) */
	size_t *cancel;		/* tree-sitter's cancellation flag */
	bool tripped;
};

/*
 * The text of one parse, handed to tree-sitter in slices so that each read (one per slice
 * of progress) checks the deadline on the CPU clock: a parse's time-out must measure its
 * work, not the load of the machine (tree-sitter's own time-out is wall time).
 */
#define READ_SLICE 16384u

struct reader {
	const char *src;
	size_t len;
	uint64_t deadline;	/* convert_now_us() (0: none) */
	size_t *cancel;
	bool expired;
};

struct pyparse {
	TSParser *parser;
	struct pysource_codecs *codecs;
	struct pysource text;	/* decoded source, reused from file to file */
	struct pyscan scan;	/* statement cuts and line starts of the current source */
	char *copy;		/* the source with bracketed newlines joined (repair parse) */
	size_t copy_cap;
	struct chunk *chunks;	/* the runs of top-level statements of a big source */
	size_t chunks_cap;
	size_t stack_budget;	/* C stack the conversion may use, from RLIMIT_STACK */
	size_t chunk_bytes;	/* most text one tree-sitter parse is given */
	struct guard guard;
	size_t cancel;		/* tree-sitter's cancellation flag (guard or deadline) */
};

/*
 * The main thread's stack grows on demand up to the soft RLIMIT_STACK, so raising it
 * (before sealing; the hard limit allowing) gives tree-sitter's recursion room without a
 * second thread, which Landlock would not confine.  The stack may only grow down to the
 * mapping below it (mmap allocates below that, never above), so the limit stays under the
 * gap /proc/self/maps shows.  Returns the soft limit in force.
 */
static size_t raise_stack_limit(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_STACK, &rl) != 0)
		return 8u << 20;
	size_t cur = rl.rlim_cur == RLIM_INFINITY ? STACK_WANTED : (size_t)rl.rlim_cur;
	FILE *f = fopen("/proc/self/maps", "r");
	if (!f)
		return cur;
	unsigned long lo, hi, below = 0, stack_lo = 0, stack_hi = 0;
	char line[512];
	while (fgets(line, sizeof line, f)) {
		if (sscanf(line, "%lx-%lx", &lo, &hi) != 2)
			continue;
		if (strstr(line, "[stack]")) {
			stack_lo = lo;
			stack_hi = hi;
			break;	/* the lines are sorted: `below` is the mapping under the stack */
		}
		below = hi;
	}
	fclose(f);
	if (!stack_hi || stack_hi - below <= STACK_GAP_MARGIN || below > stack_lo)
		return cur;
	size_t room = stack_hi - below - STACK_GAP_MARGIN;
	size_t want = room < STACK_WANTED ? room : STACK_WANTED;
	if (rl.rlim_max != RLIM_INFINITY && want > (size_t)rl.rlim_max)
		want = (size_t)rl.rlim_max;
	if (rl.rlim_cur != RLIM_INFINITY && want <= cur)
		return cur;
	rl.rlim_cur = want;
	return setrlimit(RLIMIT_STACK, &rl) == 0 ? want : cur;
}

/*
 * Half the stack limit (the caller may already be deep in its own walk), at most 32 MB;
 * read before sealing since getrlimit may be refused afterwards.
 */
static size_t stack_budget(size_t limit)
{
	size_t lim = limit / 2;
	return lim > (32u << 20) ? 32u << 20 : lim;
}

struct pyparse *pyparse_new(void)
{
	const TSLanguage *lang = tree_sitter_python();
	struct pyparse *pp = xmalloc(sizeof *pp);
	*pp = (struct pyparse){ 0 };
	pp->parser = ts_parser_new();
	/* A grammar built for another tree-sitter ABI is refused here, not at the first file. */
	if (!pp->parser || !ts_parser_set_language(pp->parser, lang))
		aura_die("cannot load the Python grammar (tree-sitter ABI %u, library accepts %u..%u)",
			 ts_language_version(lang), TREE_SITTER_MIN_COMPATIBLE_LANGUAGE_VERSION,
			 TREE_SITTER_LANGUAGE_VERSION);
	size_t limit = raise_stack_limit();
	pp->stack_budget = stack_budget(limit);
	pp->chunk_bytes = limit / 2 / STACK_PER_BYTE;
	const char *env = getenv("AURA_PARSE_CHUNK_BYTES");	/* tests: force chunking */
	if (env && atol(env) > 0 && (size_t)atol(env) < pp->chunk_bytes)
		pp->chunk_bytes = (size_t)atol(env);
	pp->codecs = pysource_codecs_open();	/* iconv reads gconv modules from disk */
	convert_init(lang);
	lit_init();
	return pp;
}

void pyparse_free(struct pyparse *pp)
{
	if (!pp)
		return;
	ts_parser_delete(pp->parser);
	pysource_codecs_close(pp->codecs);
	pysource_free(&pp->text);
	pyscan_free(&pp->scan);
	free(pp->copy);
	free(pp->chunks);
	convert_done();
	free(pp);
}

/*
 * The guard's logger.  Only error recovery can push more than the pre-scan's model allows,
 * each step by at most two entries (the skipped or missing token and an ERROR node).  The
 * log costs a formatted line per lexed character, so only statements over TOKENS_SAFE run
 * under it.
 */
static void guard_log(void *payload, TSLogType type, const char *msg)
{
	struct guard *g = payload;
	if (type != TSLogTypeParse)
		return;
	if (strncmp(msg, "detect_error", 12) == 0 || strncmp(msg, "recover", 7) == 0 ||
	    strncmp(msg, "skip", 4) == 0 || strncmp(msg, "handle_error", 12) == 0)
		g->entries += 2;
	/*
	 * And the stack itself, summed over tree-sitter's versions (an over-count while it
	 * follows several): a shift pushes one entry, a reduce of n children leaves one.  The
	 * pre-scan's model misses valid prefixes tree-sitter reads across lines.
	 */
	if (strncmp(msg, "shift", 5) == 0) {
		g->depth++;
	} else if (strncmp(msg, "reduce sym:", 11) == 0) {
		const char *cc = strstr(msg, "child_count:");
		unsigned long n = cc ? strtoul(cc + 12, NULL, 10) : 0;
		g->depth = n > g->depth + 1 ? 0 : g->depth + 1 - n;
	}
	if (g->entries >= g->limit || g->depth >= STACK_ENTRIES_MAX) {
		g->tripped = true;
		*g->cancel = 1;
	}
}

static const char *read_slice(void *payload, uint32_t byte, TSPoint pt, uint32_t *n)
{
	struct reader *r = payload;
	(void)pt;
	if (r->deadline && convert_now_us() >= r->deadline) {
		r->expired = true;
		*r->cancel = 1;
	}
	if (byte >= r->len) {
		*n = 0;
		return "";
	}
	size_t left = r->len - byte;
	*n = (uint32_t)(left < READ_SLICE ? left : READ_SLICE);
	return r->src + byte;
}

/*
 * Parse src[from, to) (a run of whole lines starting at row `row`) with what is left of
 * the time-out; NULL when it ran out or the guard (`ch->guarded`) cancelled it.
 * tree-sitter's wall-clock time-out is only a backstop, for a parse that would stop
 * reading: WALL_BACKSTOP times the CPU time left, plus a second.
 */
#define WALL_BACKSTOP 8u

static TSTree *parse_range(struct pyparse *pp, const char *src, size_t len, const struct chunk *ch,
			   uint64_t deadline)
{
	uint64_t t = convert_now_us();
	if (deadline && t >= deadline)
		return NULL;
	ts_parser_set_timeout_micros(pp->parser, deadline ? (deadline - t) * WALL_BACKSTOP + 1000000u : 0);
	pp->cancel = 0;
	struct reader rd = { src, len, deadline, &pp->cancel, false };
	ts_parser_set_cancellation_flag(pp->parser, &pp->cancel);
	TSRange r = { { ch->row, 0 }, { UINT32_MAX, UINT32_MAX }, ch->from, ch->to };
	if (ch->from == 0 && ch->to == len) {
		r.end_byte = UINT32_MAX;
		ts_parser_set_included_ranges(pp->parser, NULL, 0);	/* the whole text */
	} else if (!ts_parser_set_included_ranges(pp->parser, &r, 1)) {
		return NULL;
	}
	struct guard *g = &pp->guard;
	*g = (struct guard){ .limit = STACK_ENTRIES_MAX > ch->load ? STACK_ENTRIES_MAX - ch->load : 0,
			     .cancel = &pp->cancel };
	if (ch->guarded)
		ts_parser_set_logger(pp->parser, (TSLogger){ g, guard_log });
	TSTree *tree = ts_parser_parse(pp->parser, NULL, (TSInput){ &rd, read_slice, TSInputEncodingUTF8 });
	if (ch->guarded)
		ts_parser_set_logger(pp->parser, (TSLogger){ NULL, NULL });
	ts_parser_set_cancellation_flag(pp->parser, NULL);
	if (!tree)
		ts_parser_reset(pp->parser);	/* cancelled: the parser keeps its state until reset */
	return tree;
}

/*
 * How much of a tree syntax errors spoil: the bytes under ERROR nodes, plus one for each
 * MISSING token.  Iterative, and only into subtrees that hold an error.
 */
static size_t error_weight(const TSTree *tree)
{
	TSNode root = ts_tree_root_node(tree);
	if (!ts_node_has_error(root))
		return 0;
	size_t weight = 0;
	TSTreeCursor cur = ts_tree_cursor_new(root);
	for (;;) {
		TSNode n = ts_tree_cursor_current_node(&cur);
		bool descend = false;
		if (ts_node_is_missing(n))
			weight++;
		else if (strcmp(ts_node_type(n), "ERROR") == 0)
			weight += ts_node_end_byte(n) - ts_node_start_byte(n) + 1;
		else
			descend = ts_node_has_error(n);
		if (descend && ts_tree_cursor_goto_first_child(&cur))
			continue;
		while (!ts_tree_cursor_goto_next_sibling(&cur))
			if (!ts_tree_cursor_goto_parent(&cur)) {
				ts_tree_cursor_delete(&cur);
				return weight;
			}
	}
}

/*
 * The ERROR-node trap: tree-sitter-python's scanner takes a line inside brackets that is
 * indented less than its block for a dedent (`(bar.\n    baz)`, a with-item over several
 * lines), and a whole class or file may become one ERROR node, hiding valid code.  Python
 * ignores newlines inside brackets, so a copy with them made spaces (same byte offsets)
 * means the same; when it parses with fewer errors, it is the tree we convert, with
 * positions taken from byte offsets and the source's own lines.
 */
static TSTree *repair(struct pyparse *pp, const char *src, size_t len, struct chunk *ch,
		      TSTree *tree, uint64_t deadline, bool *copied)
{
	if (pp->scan.joined == 0)
		return tree;
	if (!*copied) {
		if (pp->copy_cap < len + 1) {
			pp->copy_cap = len + 1;
			pp->copy = xrealloc(pp->copy, pp->copy_cap);
		}
		pyscan_join(src, len, pp->copy);
		*copied = true;
	}
	TSTree *again = parse_range(pp, pp->copy, len, ch, deadline);
	if (!again)
		return tree;	/* out of time, or cancelled: keep what we have */
	if (error_weight(again) < error_weight(tree)) {
		ts_tree_delete(tree);
		ch->joined = true;
		return again;
	}
	ts_tree_delete(again);
	return tree;
}

/* The source position of byte `b` (the last line that starts at or before it). */
static void byte_line_col(const struct pyscan *s, uint32_t b, unsigned *line, unsigned *col)
{
	size_t lo = 0, hi = s->nlines;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->line_starts[mid] <= b)
			lo = mid;
		else
			hi = mid;
	}
	*line = (unsigned)lo + 1;
	*col = b - s->line_starts[lo];
}

/* Code bytes before statement k (the total past the last). */
static uint32_t cut_weight(const struct pyscan *s, size_t k)
{
	return k < s->ncuts ? s->cuts[k].weight : s->weight_total;
}

static struct chunk *new_chunk(struct pyparse *pp, size_t *n)
{
	if (*n == pp->chunks_cap) {
		pp->chunks_cap = pp->chunks_cap ? 2 * pp->chunks_cap : 16;
		pp->chunks = xrealloc(pp->chunks, pp->chunks_cap * sizeof *pp->chunks);
	}
	struct chunk *ch = &pp->chunks[(*n)++];
	*ch = (struct chunk){ 0 };
	return ch;
}

/*
 * Cut the source into chunks of whole top-level statements of at most chunk_bytes each,
 * counted in code bytes (pyscan weight): long plain string literals cost nothing, so a
 * statement carrying a multi-megabyte payload literal is still parsed and analysed.  A
 * chunk holds at most TOKENS_SAFE tokens; a statement with more is a chunk alone, parsed
 * under the guard, or refused when the pre-scan's model already passes PYSCAN_LOAD_MAX.
 * A source that fits whole is one chunk, the whole text.
 */
static size_t plan_chunks(struct pyparse *pp, size_t len)
{
	const struct pyscan *s = &pp->scan;
	size_t n = 0, i = 0;
	while (i < s->ncuts) {
		uint32_t from = s->cuts[i].byte, wfrom = s->cuts[i].weight;
		uint64_t tokens = s->cuts[i].tokens;
		size_t j = i + 1;
		/* statement k is [cuts[k], cuts[k + 1]); add the next while the chunk stays small */
		while (s->cuts[i].load <= PYSCAN_LOAD_MAX && j < s->ncuts &&
		       cut_weight(s, j + 1) - wfrom <= pp->chunk_bytes &&
		       tokens + s->cuts[j].tokens <= TOKENS_SAFE && s->cuts[j].load <= PYSCAN_LOAD_MAX)
			tokens += s->cuts[j++].tokens;
		uint32_t end_weight = cut_weight(s, j);
		struct chunk *ch = new_chunk(pp, &n);
		ch->from = from;
		ch->to = j < s->ncuts ? s->cuts[j].byte : (uint32_t)len;
		ch->row = s->cuts[i].row;
		ch->load = s->cuts[i].load;
		if (s->cuts[i].load > PYSCAN_LOAD_MAX)
			ch->state = CHUNK_TOO_DEEP;
		else if (end_weight - wfrom > pp->chunk_bytes)
			ch->state = CHUNK_TOO_BIG;	/* one statement alone is too big */
		ch->guarded = tokens > TOKENS_SAFE;
		i = j;
	}
	return n;
}

/* A statement left out stands in the body as a Truncated node with its span. */
static void write_refused(struct pyparse *pp, const char *src, const struct chunk *ch,
			  struct jsonw *out, struct pyparse_report *rep)
{
	unsigned l0, c0, l1, c1;
	uint32_t end = ch->to;
	while (end > ch->from && (src[end - 1] == '\n' || src[end - 1] == ' '))
		end--;
	byte_line_col(&pp->scan, ch->from, &l0, &c0);
	byte_line_col(&pp->scan, end, &l1, &c1);
	jw_object_begin(out);
	jw_kv_cstring(out, "_type", "Truncated");
	jw_kv_int(out, "lineno", l0);
	jw_kv_int(out, "col_offset", c0);
	jw_kv_int(out, "end_lineno", l1);
	jw_kv_int(out, "end_col_offset", c1);
	jw_object_end(out);
	if (ch->state == CHUNK_TOO_BIG && !rep->oversize) {
		rep->oversize = true;
		rep->oversize_line = l0;
		rep->oversize_bytes = ch->to - ch->from;
	} else if (ch->state == CHUNK_TOO_DEEP && !rep->overload) {
		rep->overload = true;
		rep->overload_line = l0;
		rep->overload_load = ch->load;
	} else if (ch->state == CHUNK_TIMED_OUT && !rep->timed_out) {
		rep->timed_out = true;
		rep->timeout_line = l0;
	}
}

/*
 * The source is parsed one chunk of whole top-level statements at a time (one chunk when
 * it fits), each given to tree-sitter as the one included range of the whole text, so
 * positions stay the file's.  A statement left out (too big, too deep) becomes a Truncated
 * statement and a report, and everything around it is still parsed: nesting code deeply
 * does not hide the rest of the file.  When the time-out comes, the chunks not parsed or
 * converted by then are Truncated statements too.
 */
static void parse_chunks(struct pyparse *pp, const char *src, size_t len, unsigned max_depth,
			 uint64_t deadline, struct jsonw *out, struct pyparse_report *rep)
{
	size_t n = plan_chunks(pp, len);
	bool copied = false, late = false;
	for (size_t i = 0; i < n; i++) {
		struct chunk *ch = &pp->chunks[i];
		if (ch->state != CHUNK_PARSE)
			continue;
		if (late || !(ch->tree = parse_range(pp, src, len, ch, deadline))) {
			if (ch->guarded && pp->guard.tripped) {
				ch->state = CHUNK_TOO_DEEP;
				ch->load = (uint32_t)(ch->load + pp->guard.entries);
				continue;
			}
			ch->state = CHUNK_TIMED_OUT;	/* and every chunk after it */
			late = true;
			continue;
		}
		if (ts_node_has_error(ts_tree_root_node(ch->tree)))
			ch->tree = repair(pp, src, len, ch, ch->tree, deadline, &copied);
	}
	convert_begin(out);
	for (size_t i = 0; i < n; i++) {
		struct chunk *ch = &pp->chunks[i];
		if (ch->tree && rep->timed_out)
			ch->state = CHUNK_TIMED_OUT;	/* the conversion ran out of time */
		if (ch->state != CHUNK_PARSE) {
			write_refused(pp, src, ch, out, rep);
			continue;
		}
		struct convert_source cs = { ch->joined ? pp->copy : src, len,
					     ch->joined ? pp->scan.line_starts : NULL,
					     ch->joined ? pp->scan.nlines : 0 };
		struct convert_limits cl = { max_depth, pp->stack_budget, deadline };
		convert_stmts(ch->tree, &cs, &cl, out, rep);
	}
	convert_end(out);
	for (size_t i = 0; i < n; i++)
		if (pp->chunks[i].tree)
			ts_tree_delete(pp->chunks[i].tree);
	ts_parser_set_included_ranges(pp->parser, NULL, 0);
}

int pyparse_to_json(struct pyparse *pp, const char *src, size_t len,
		    const struct pyparse_limits *lim, struct jsonw *out, struct pyparse_report *rep)
{
	unsigned max_depth = lim && lim->max_depth ? lim->max_depth : PYPARSE_DEFAULT_DEPTH;
	unsigned long timeout_ms = lim ? lim->timeout_ms : 0;
	uint64_t deadline = timeout_ms ? convert_now_us() + (uint64_t)timeout_ms * 1000 : 0;

	*rep = (struct pyparse_report){ 0 };
	src = pysource_decode(&pp->text, pp->codecs, src, len, &len, rep);
	if (len > UINT32_MAX - 1)
		len = UINT32_MAX - 1;	/* tree-sitter's offsets are 32-bit; callers bound sizes first */
	pyscan_run(&pp->scan, src, len);
	parse_chunks(pp, src, len, max_depth, deadline, out, rep);
	return 0;
}
