/* pyparse_convert.c: tree-sitter's concrete syntax tree to Python's `ast` shape, written as JSON (see pyparse.h). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pyparse_convert.h"
#include "astkind.h"
#include "err.h"
#include "pyparse_literals.h"

/*
 * The walk writes JSON as it goes (lib/jsonw.h): no intermediate tree.  Children are
 * listed with one TSTreeCursor into a shared stack of nodes (`pool`), because
 * ts_node_child(i) in a loop is quadratic.  Recursion follows the AST, and every AST level
 * passes through enter(), which stops at --max-depth: the C stack stays bounded whatever
 * the input.  Transparent wrappers (parentheses, `case_pattern`) are unwrapped in loops.
 */

/* Grammar node names the converter dispatches on. */
#define NODE_KINDS(X) \
	X(module) X(block) X(expression_statement) X(assignment) X(augmented_assignment) \
	X(return_statement) X(delete_statement) X(pass_statement) X(break_statement) \
	X(continue_statement) X(raise_statement) X(assert_statement) X(global_statement) \
	X(nonlocal_statement) X(import_statement) X(import_from_statement) \
	X(future_import_statement) X(aliased_import) X(dotted_name) X(relative_import) \
	X(import_prefix) X(wildcard_import) X(if_statement) X(elif_clause) X(else_clause) \
	X(for_statement) X(while_statement) X(try_statement) X(except_clause) \
	X(except_group_clause) X(finally_clause) X(with_statement) X(with_clause) X(with_item) \
	X(function_definition) X(class_definition) X(decorated_definition) X(decorator) \
	X(parameters) X(lambda_parameters) X(typed_parameter) X(default_parameter) \
	X(typed_default_parameter) X(list_splat_pattern) X(dictionary_splat_pattern) \
	X(keyword_separator) X(positional_separator) X(tuple_pattern) X(list_pattern) \
	X(pattern_list) X(expression_list) X(match_statement) X(case_clause) X(case_pattern) \
	X(print_statement) X(chevron) X(exec_statement) X(type_alias_statement) \
	X(identifier) X(attribute) X(subscript) X(slice) X(call) X(argument_list) \
	X(keyword_argument) X(list_splat) X(dictionary_splat) X(parenthesized_expression) \
	X(parenthesized_list_splat) X(binary_operator) X(unary_operator) X(not_operator) \
	X(boolean_operator) X(comparison_operator) X(conditional_expression) \
	X(named_expression) X(lambda) X(await) X(yield) X(list) X(tuple) X(set) X(dictionary) \
	X(pair) X(list_comprehension) X(set_comprehension) X(dictionary_comprehension) \
	X(generator_expression) X(for_in_clause) X(if_clause) X(string) X(concatenated_string) \
	X(string_start) X(string_end) X(string_content) X(interpolation) X(format_specifier) \
	X(format_expression) X(type_conversion) X(integer) X(float) X(true) X(false) X(none) \
	X(ellipsis) X(type) X(as_pattern) X(as_pattern_target) X(union_pattern) \
	X(class_pattern) X(keyword_pattern) X(dict_pattern) X(splat_pattern) \
	X(complex_pattern) X(generic_type) X(union_type) X(member_type) X(splat_type) \
	X(type_parameter) X(ERROR)

enum kind {
	K_OTHER = 0,
#define X(name) K_##name,
	NODE_KINDS(X)
#undef X
	K_COUNT
};

static const char *const kind_names[K_COUNT] = {
	[K_OTHER] = "",
#define X(name) [K_##name] = #name,
	NODE_KINDS(X)
#undef X
};

/* Field names the converter reads. */
#define FIELD_NAMES(X) \
	X(left) X(right) X(type) X(operator) X(operators) X(argument) X(function) X(arguments) \
	X(object) X(attribute) X(value) X(subscript) X(name) X(alias) X(module_name) \
	X(condition) X(consequence) X(alternative) X(body) X(parameters) X(return_type) \
	X(superclasses) X(definition) X(key) X(expression) X(format_specifier) \
	X(type_conversion) X(code) X(cause) X(subject) X(guard)

static struct {
#define X(name) TSFieldId name;
	FIELD_NAMES(X)
#undef X
} F;

/* Symbol id -> kind, for named symbols; built once by convert_init. */
static uint8_t *kind_of_symbol;
static uint32_t symbol_count;

static unsigned users;	/* pyparse instances sharing the tables */

/* Parses the text between Python 2 backquotes, which the grammar reads as a string. */
static TSParser *repr_parser;

void convert_init(const TSLanguage *lang)
{
	if (users++)
		return;
	symbol_count = ts_language_symbol_count(lang);
	kind_of_symbol = calloc(symbol_count, 1);
	if (!kind_of_symbol)
		aura_oom();
	for (uint32_t s = 0; s < symbol_count; s++) {
		if (ts_language_symbol_type(lang, (TSSymbol)s) != TSSymbolTypeRegular)
			continue;
		const char *name = ts_language_symbol_name(lang, (TSSymbol)s);
		for (int k = 1; k < K_COUNT; k++)
			if (strcmp(name, kind_names[k]) == 0)
				kind_of_symbol[s] = (uint8_t)k;
	}
#define X(f) F.f = ts_language_field_id_for_name(lang, #f, (uint32_t)strlen(#f));
	FIELD_NAMES(X)
#undef X
	repr_parser = ts_parser_new();
	if (!repr_parser || !ts_parser_set_language(repr_parser, lang))
		aura_oom();
}

void convert_done(void)
{
	if (!users || --users)
		return;
	free(kind_of_symbol);
	kind_of_symbol = NULL;
	ts_parser_delete(repr_parser);
	repr_parser = NULL;
}

/* ---- the walk's state ---- */

struct kid {
	TSNode node;
	TSFieldId field;
	uint8_t kind;
	bool named;
};

struct kids {
	size_t base, n;
};

struct conv {
	const char *src;
	size_t len;
	struct jsonw *w;
	unsigned depth, max_depth;
	uintptr_t stack_base;	/* address of a local in convert_module */
	size_t stack_budget;	/* C stack the walk may use below stack_base */
	struct pyparse_report *res;
	uint64_t deadline;	/* convert_now_us() after which every node is cut (0: never) */
	unsigned long steps;	/* enter() calls, to read the clock every DEADLINE_STEPS */
	bool expired;		/* the deadline has passed */
	/* The base of the last postfix chain looked up (chain_base), so that each level of
	 * `f()()()...` does not walk the whole chain again. */
	uint32_t chain_start, chain_outer_end, chain_end;
	TSNode chain;
	/* A `*` the grammar bound inside a postfix chain (`*a.b()`, `*t[int]`): the chain is
	 * written inside one Starred, this list_splat as its operand, and chain nodes that
	 * start at the `*` start at the operand instead. */
	TSNode elide;
	TSPoint elide_from, elide_to;
	TSTreeCursor cur;
	/* Set when tree-sitter parsed a repaired copy whose rows differ from the source's
	 * (pyscan_join): positions then come from byte offsets and these line starts. */
	const uint32_t *line_starts;
	size_t nlines;
	struct kid *pool;
	size_t pool_len, pool_cap;
};

enum ctx { LOAD, STORE, DEL };
/* The expression context as its `ast` node kind. */
static const enum ast_kind ctx_kinds[] = { AST_Load, AST_Store, AST_Del };

/* tree-sitter 0.20 has no ts_node_is_error: an ERROR node has the reserved symbol. */
static bool is_error(TSNode n)
{
	return ts_node_symbol(n) == (TSSymbol)-1;
}

static enum kind kind(TSNode n)
{
	if (ts_node_is_null(n))
		return K_OTHER;
	if (is_error(n))
		return K_ERROR;
	TSSymbol s = ts_node_symbol(n);
	return ts_node_is_named(n) && s < symbol_count ? (enum kind)kind_of_symbol[s] : K_OTHER;
}

/* The node's anonymous token name (`+`, `is not`, `async`...), "" for named nodes. */
static const char *token(TSNode n)
{
	return ts_node_is_named(n) ? "" : ts_node_type(n);
}

static bool is_token(TSNode n, const char *t)
{
	return !ts_node_is_null(n) && !ts_node_is_named(n) && strcmp(ts_node_type(n), t) == 0;
}

/* Push one node on the pool, the stack of nodes the walk lists children into. */
static void pool_push(struct conv *c, struct kid k)
{
	if (c->pool_len == c->pool_cap) {
		c->pool_cap = c->pool_cap ? c->pool_cap * 2 : 256;
		c->pool = xrealloc(c->pool, c->pool_cap * sizeof *c->pool);
	}
	c->pool[c->pool_len++] = k;
}

/* List the children of `n` (skipping comments and other extras) on top of the pool. */
static struct kids kids_of(struct conv *c, TSNode n, bool named_only)
{
	struct kids ks = { c->pool_len, 0 };
	if (ts_node_is_null(n))
		return ks;
	ts_tree_cursor_reset(&c->cur, n);
	if (!ts_tree_cursor_goto_first_child(&c->cur))
		return ks;
	do {
		TSNode k = ts_tree_cursor_current_node(&c->cur);
		if (ts_node_is_extra(k) || (named_only && !ts_node_is_named(k) && !ts_node_is_missing(k)))
			continue;
		pool_push(c, (struct kid){ k, ts_tree_cursor_current_field_id(&c->cur), (uint8_t)kind(k),
					   ts_node_is_named(k) });
		ks.n++;
	} while (ts_tree_cursor_goto_next_sibling(&c->cur));
	return ks;
}

#define KID(ks, i) (c->pool[(ks).base + (i)])

/* The i-th child listed, or a null node past the end (expr() writes a null node as null). */
static TSNode kid_at(struct conv *c, struct kids ks, size_t i)
{
	return i < ks.n ? KID(ks, i).node : (TSNode){ 0 };
}

/* Drop the kids listed last (the pool is a stack that follows the recursion). */
static void kids_done(struct conv *c, struct kids ks)
{
	c->pool_len = ks.base;
}

static TSNode field(TSNode n, TSFieldId f)
{
	return ts_node_child_by_field_id(n, f);
}

/* The first named child that is not an extra (a comment). */
static TSNode first_named(struct conv *c, TSNode n)
{
	struct kids ks = kids_of(c, n, true);
	TSNode r = ks.n ? KID(ks, 0).node : (TSNode){ 0 };
	kids_done(c, ks);
	return r;
}

static const char *text(struct conv *c, TSNode n, size_t *len)
{
	*len = ts_node_end_byte(n) - ts_node_start_byte(n);
	return c->src + ts_node_start_byte(n);
}

/* ---- positions ---- */

static TSPoint byte_point(struct conv *c, uint32_t byte)
{
	size_t lo = 0, hi = c->nlines;	/* the last line starting at or before `byte` */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->line_starts[mid] <= byte)
			lo = mid;
		else
			hi = mid;
	}
	return (TSPoint){ (uint32_t)lo, byte - c->line_starts[lo] };
}

static TSPoint start_pt(struct conv *c, TSNode n)
{
	return c->line_starts ? byte_point(c, ts_node_start_byte(n)) : ts_node_start_point(n);
}

static TSPoint end_pt(struct conv *c, TSNode n)
{
	return c->line_starts ? byte_point(c, ts_node_end_byte(n)) : ts_node_end_point(n);
}

/* ---- writing ---- */

static void span(struct conv *c, TSPoint s, TSPoint e)
{
	jw_kv_int(c->w, "lineno", (long long)s.row + 1);
	jw_kv_int(c->w, "col_offset", s.column);
	jw_kv_int(c->w, "end_lineno", (long long)e.row + 1);
	jw_kv_int(c->w, "end_col_offset", e.column);
}

static void pos(struct conv *c, TSNode n)
{
	TSPoint s = start_pt(c, n);
	if (!ts_node_is_null(c->elide) && s.row == c->elide_from.row && s.column == c->elide_from.column)
		s = c->elide_to;
	span(c, s, end_pt(c, n));
}

static void begin(struct conv *c, enum ast_kind type)
{
	jw_object_begin(c->w);
	jw_kv_plain(c->w, "_type", ast_kind_name(type), ast_kind_name_len(type));
}

static void end(struct conv *c)
{
	jw_object_end(c->w);
}

static void key(struct conv *c, const char *k)
{
	jw_key(c->w, k);
}

/* A node with no fields, such as `"ctx": {"_type": "Load"}`. */
static void tag(struct conv *c, const char *k, enum ast_kind type)
{
	key(c, k);
	begin(c, type);
	end(c);
}

/* The start of `ast` node `type` at the position of tree-sitter node `n`. */
static void begin_at(struct conv *c, enum ast_kind type, TSNode n)
{
	begin(c, type);
	pos(c, n);
}

/* A field with nothing in it: `"k": []`. */
static void empty_list(struct conv *c, const char *k)
{
	key(c, k);
	jw_array_begin(c->w);
	jw_array_end(c->w);
}

/* An identifier: CPython NFKC-normalises non-ASCII ones (`ﬁle` is `file`). */
static void ident(struct conv *c, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] >= 0x80) {
			lit_write_nfkc(c->w, s, len);
			return;
		}
	jw_string(c->w, s, len);
}

/* The identifier `n` spells, or null when there is no node. */
static void ident_node(struct conv *c, TSNode n)
{
	if (ts_node_is_null(n)) {
		jw_null(c->w);
		return;
	}
	size_t len;
	const char *s = text(c, n, &len);
	ident(c, s, len);
}

static void name_text(struct conv *c, const char *k, TSNode n)
{
	size_t len;
	const char *s = text(c, n, &len);
	key(c, k);
	ident(c, s, len);
}

/*
 * Enter one AST level.  Beyond --max-depth the subtree is replaced by a Truncated node
 * (the first cut is remembered for the DeepNesting hit) and false is returned.
 */
static void cut(struct conv *c, TSNode n);

uint64_t convert_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Every AST node passes through enter(): reading the clock once per this many is cheap
 * and still stops a walk within a fraction of a millisecond of its deadline. */
#define DEADLINE_STEPS 1024u

static bool enter(struct conv *c, TSNode n)
{
	/*
	 * The stack check is the real bound: an AST level costs one to a few C frames of
	 * 0.2-2 KB depending on the construct (and more under sanitizers), and wrappers such
	 * as `((a)) = 1` recurse without adding a level.
	 */
	char here;
	uintptr_t used = c->stack_base - (uintptr_t)&here;	/* the stack grows down */
	if (c->deadline && ++c->steps % DEADLINE_STEPS == 0 && convert_now_us() >= c->deadline)
		c->expired = true;
	if (!c->expired && c->depth < c->max_depth && used < c->stack_budget) {
		c->depth++;
		return true;
	}
	cut(c, n);
	return false;
}

/* Write a Truncated node for `n`, remembering the first cut for the DeepNesting hit. */
static void cut(struct conv *c, TSNode n)
{
	begin_at(c, AST_Truncated, n);
	end(c);
	if (c->expired) {
		if (!c->res->timed_out) {
			c->res->timed_out = true;
			c->res->timeout_line = start_pt(c, n).row + 1;
		}
	} else if (!c->res->truncated) {
		c->res->truncated = true;
		c->res->trunc_line = start_pt(c, n).row + 1;
		c->res->trunc_col = start_pt(c, n).column;
		c->res->trunc_depth = c->depth;
	}
}

static void leave(struct conv *c)
{
	c->depth--;
}

/*
 * Where a statement ends for `ast`: at its last token, not after trailing comments that
 * tree-sitter keeps inside a block.  Walks down the last non-extra children with the cursor.
 */
static TSPoint last_token_end(struct conv *c, TSNode n)
{
	TSPoint e = end_pt(c, n);
	ts_tree_cursor_reset(&c->cur, n);
	while (ts_tree_cursor_goto_first_child(&c->cur)) {
		TSNode last = { 0 };
		do {
			TSNode k = ts_tree_cursor_current_node(&c->cur);
			if (!ts_node_is_extra(k) && ts_node_end_byte(k) > ts_node_start_byte(k))
				last = k;
		} while (ts_tree_cursor_goto_next_sibling(&c->cur));
		if (ts_node_is_null(last))
			break;
		e = end_pt(c, last);
		ts_tree_cursor_reset(&c->cur, last);
	}
	return e;
}

static void stmt(struct conv *c, TSNode n);
static void expr(struct conv *c, TSNode n, enum ctx ctx);
static void pattern(struct conv *c, TSNode n);
static void body(struct conv *c, const char *k, TSNode block);

/* Field `k` holding the expression `n` (null when `n` is a null node). */
static void kv_expr(struct conv *c, const char *k, TSNode n, enum ctx ctx)
{
	key(c, k);
	expr(c, n, ctx);
}

static bool is_stmt_kind(enum kind k)
{
	switch (k) {
	case K_expression_statement: case K_return_statement: case K_delete_statement:
	case K_pass_statement: case K_break_statement: case K_continue_statement:
	case K_raise_statement: case K_assert_statement: case K_global_statement:
	case K_nonlocal_statement: case K_import_statement: case K_import_from_statement:
	case K_future_import_statement: case K_if_statement: case K_for_statement:
	case K_while_statement: case K_try_statement: case K_with_statement:
	case K_function_definition: case K_class_definition: case K_decorated_definition:
	case K_match_statement: case K_print_statement: case K_exec_statement:
	case K_type_alias_statement: case K_ERROR:
		return true;
	default:
		return false;
	}
}

/*
 * The first child of `n` that is or holds an ERROR or MISSING node, or a null node; a
 * block that only holds one is passed over unless `into_blocks`.
 */
static TSNode error_child(struct conv *c, TSNode n, bool into_blocks)
{
	ts_tree_cursor_reset(&c->cur, n);
	if (!ts_tree_cursor_goto_first_child(&c->cur))
		return (TSNode){ 0 };
	do {
		TSNode k = ts_tree_cursor_current_node(&c->cur);
		if ((ts_node_has_error(k) || ts_node_is_missing(k)) &&
		    (into_blocks || is_error(k) || kind(k) != K_block))
			return k;
	} while (ts_tree_cursor_goto_next_sibling(&c->cur));
	return (TSNode){ 0 };
}

/*
 * The first ERROR node inside statement `n`, not looking into nested blocks (their own
 * statement lists report theirs).  Iterative: the walk follows has_error down one path.
 */
static TSNode error_inside(struct conv *c, TSNode n)
{
	for (;;) {
		n = error_child(c, n, false);
		if (ts_node_is_null(n) || is_error(n))
			return n;
	}
}

/* One child of a statement list: a statement, or what a syntax error left of one. */
static void stmt_item(struct conv *c, TSNode parent, struct kid k)
{
	if (is_stmt_kind(k.kind)) {
		stmt(c, k.node);
		/* A statement tree-sitter repaired around an ERROR: say where, after it. */
		TSNode e = k.kind != K_ERROR && ts_node_has_error(k.node) ? error_inside(c, k.node)
									    : (TSNode){ 0 };
		if (!ts_node_is_null(e))
			stmt(c, e);
	} else if (kind(parent) == K_ERROR && k.kind != K_OTHER && !ts_node_is_missing(k.node)) {
		/* Salvage: an expression stranded in a syntax error still counts. */
		begin_at(c, AST_Expr, k.node);
		kv_expr(c, "value", k.node, LOAD);
		end(c);
	}
}

/* A run of statements (a block, a module, what an ERROR node still holds) as an array. */
static void stmt_list(struct conv *c, TSNode parent)
{
	struct kids ks = kids_of(c, parent, true);
	jw_array_begin(c->w);
	for (size_t i = 0; i < ks.n; i++)
		stmt_item(c, parent, KID(ks, i));
	jw_array_end(c->w);
	kids_done(c, ks);
}

static void body(struct conv *c, const char *k, TSNode block)
{
	if (ts_node_is_null(block)) {
		empty_list(c, k);
		return;
	}
	key(c, k);
	stmt_list(c, block);
}

/* ---- expressions ---- */

/* Skip parentheses around an expression: `((x))` is `x` in `ast`. */
static TSNode unparen(struct conv *c, TSNode n)
{
	while (kind(n) == K_parenthesized_expression) {
		TSNode inner = first_named(c, n);
		if (ts_node_is_null(inner))
			break;
		n = inner;
	}
	return n;
}

/* True when a tuple-ish node is really a parenthesised single item: `(a)` has no comma. */
static bool is_grouping(struct conv *c, TSNode n, TSNode *inner)
{
	struct kids ks = kids_of(c, n, false);
	size_t named = 0;
	bool comma = false;
	for (size_t i = 0; i < ks.n; i++) {
		if (KID(ks, i).named)
			named++, *inner = KID(ks, i).node;
		else if (is_token(KID(ks, i).node, ","))
			comma = true;
	}
	kids_done(c, ks);
	return named == 1 && !comma;
}

/* The `ast` class of an operator token: `+` is Add (UAdd when unary), `+=` is Add too. */
static enum ast_kind op_kind(const char *op, bool unary)
{
	static const struct { const char *tok; enum ast_kind kind; } binops[] = {
		{ "+", AST_Add }, { "-", AST_Sub }, { "*", AST_Mult }, { "@", AST_MatMult },
		{ "/", AST_Div }, { "%", AST_Mod }, { "**", AST_Pow }, { "<<", AST_LShift },
		{ ">>", AST_RShift }, { "|", AST_BitOr }, { "^", AST_BitXor }, { "&", AST_BitAnd },
		{ "//", AST_FloorDiv }, { "==", AST_Eq }, { "!=", AST_NotEq }, { "<>", AST_NotEq },
		{ "<", AST_Lt }, { "<=", AST_LtE }, { ">", AST_Gt }, { ">=", AST_GtE },
		{ "is", AST_Is }, { "is not", AST_IsNot }, { "in", AST_In }, { "not in", AST_NotIn },
		{ "and", AST_And }, { "or", AST_Or },
	};
	if (unary)
		return strcmp(op, "+") == 0 ? AST_UAdd : strcmp(op, "-") == 0 ? AST_USub :
		       strcmp(op, "~") == 0 ? AST_Invert : AST_Not;
	size_t n = strlen(op);
	if (n > 1 && op[n - 1] == '=' && strcmp(op, "==") && strcmp(op, "!=") && strcmp(op, "<=") &&
	    strcmp(op, ">="))
		n--;
	for (size_t i = 0; i < sizeof binops / sizeof *binops; i++)
		if (strlen(binops[i].tok) == n && memcmp(binops[i].tok, op, n) == 0)
			return binops[i].kind;
	return AST_Error;
}

/*
 * A BinOp (`left`, `op`, `right`) at the position of `at`, or an AugAssign: the same shape
 * with `target` (stored) and `value`.
 */
static void binop(struct conv *c, enum ast_kind type, TSNode at, TSNode left, enum ast_kind op,
		  TSNode right)
{
	bool aug = type == AST_AugAssign;
	begin_at(c, type, at);
	kv_expr(c, aug ? "target" : "left", left, aug ? STORE : LOAD);
	tag(c, "op", op);
	kv_expr(c, aug ? "value" : "right", right, LOAD);
	end(c);
}

/*
 * The children listed in `ks` that are in field `f` (any field when f is 0), named ones
 * only when `named`, as a JSON array of expressions.
 */
static void expr_array(struct conv *c, struct kids ks, TSFieldId f, bool named, enum ctx ctx)
{
	jw_array_begin(c->w);
	for (size_t i = 0; i < ks.n; i++) {
		struct kid k = KID(ks, i);
		if ((!f || k.field == f) && (!named || k.named))
			expr(c, k.node, ctx);
	}
	jw_array_end(c->w);
}

/* The named children of `n` when it is a `list_kind` node (`del a, b`), else `n` alone. */
static void items_array(struct conv *c, TSNode n, enum kind list_kind, enum ctx ctx)
{
	if (kind(n) != list_kind) {
		jw_array_begin(c->w);
		expr(c, n, ctx);
		jw_array_end(c->w);
		return;
	}
	struct kids ks = kids_of(c, n, true);
	expr_array(c, ks, 0, false, ctx);
	kids_done(c, ks);
}

/*
 * Several expressions where `ast` has one (`x[a, b]`, `match a, b:`, `a, b` as a statement):
 * a Load Tuple from s to e of the children expr_array() would pick.
 */
static void load_tuple(struct conv *c, struct kids ks, TSFieldId f, bool named, TSPoint s, TSPoint e)
{
	begin(c, AST_Tuple);
	span(c, s, e);
	key(c, "elts");
	expr_array(c, ks, f, named, LOAD);
	tag(c, "ctx", AST_Load);
	end(c);
}

/* A List, Tuple or Set (by the kind of `n`) of the named children of sequence node `n`. */
static void seq(struct conv *c, TSNode n, enum ctx ctx)
{
	enum kind nk = kind(n);
	enum ast_kind type = nk == K_list || nk == K_list_pattern ? AST_List :
			     nk == K_set ? AST_Set : AST_Tuple;
	struct kids ks = kids_of(c, n, true);
	begin_at(c, type, n);
	key(c, "elts");
	expr_array(c, ks, 0, false, ctx);
	kids_done(c, ks);
	if (type != AST_Set)
		tag(c, "ctx", ctx_kinds[ctx]);
	end(c);
}

static void string_expr(struct conv *c, TSNode n);
static void arguments(struct conv *c, TSNode params);
static void comprehension_expr(struct conv *c, TSNode n);

/* `f(args)` and `class C(bases)`: positional items, then keywords, each in source order. */
static void call_args(struct conv *c, TSNode arglist, const char *args_key)
{
	struct kids ks = kids_of(c, arglist, true);
	key(c, args_key);
	jw_array_begin(c->w);
	if (kind(arglist) == K_generator_expression)
		expr(c, arglist, LOAD);
	for (size_t i = 0; i < ks.n && kind(arglist) != K_generator_expression; i++) {
		enum kind k = KID(ks, i).kind;
		if (k != K_keyword_argument && k != K_dictionary_splat)
			expr(c, KID(ks, i).node, LOAD);
	}
	jw_array_end(c->w);
	key(c, "keywords");
	jw_array_begin(c->w);
	for (size_t i = 0; i < ks.n && kind(arglist) != K_generator_expression; i++) {
		struct kid k = KID(ks, i);
		if (k.kind != K_keyword_argument && k.kind != K_dictionary_splat)
			continue;
		if (!enter(c, k.node))
			continue;
		begin_at(c, AST_keyword, k.node);
		if (k.kind == K_keyword_argument) {
			name_text(c, "arg", field(k.node, F.name));
			kv_expr(c, "value", field(k.node, F.value), LOAD);
		} else {
			key(c, "arg");
			jw_null(c->w);
			kv_expr(c, "value", first_named(c, k.node), LOAD);
		}
		end(c);
		leave(c);
	}
	jw_array_end(c->w);
	kids_done(c, ks);
}

/* `x[...]`: one index, or a Tuple when there are several or a trailing comma. */
static TSNode chain_base(struct conv *c, TSNode n);
static TSNode chain_base_walk(TSNode n);

static void subscript_slice(struct conv *c, TSNode n)
{
	struct kids ks = kids_of(c, n, false);
	size_t first = 0, count = 0;
	bool comma = false;
	TSPoint tup_end = { 0 };
	for (size_t i = 0; i < ks.n; i++) {
		struct kid k = KID(ks, i);
		if (k.field == F.subscript) {
			if (!count++)
				first = i;
			tup_end = end_pt(c, k.node);
		} else if (count && is_token(k.node, ",")) {
			comma = true;
			tup_end = end_pt(c, k.node);
		}
	}
	key(c, "slice");
	TSNode one = KID(ks, first).node;	/* x[*a] and x[*a[b]] are Tuples */
	bool starred = count == 1 && (kind(one) == K_list_splat || kind(chain_base(c, one)) == K_list_splat);
	if (count == 1 && !comma && !starred) {
		expr(c, KID(ks, first).node, LOAD);
	} else if (count == 0) {
		jw_null(c->w);
	} else if (enter(c, n)) {
		load_tuple(c, ks, F.subscript, false, start_pt(c, KID(ks, first).node), tup_end);
		leave(c);
	}
	kids_done(c, ks);
}

/* What attribute or subscript `n` reads from: `a` in `a.b` and `a[b]`. */
static TSNode accessed(TSNode n)
{
	return field(n, kind(n) == K_attribute ? F.object : F.value);
}

/* An Attribute's `attr` or a Subscript's `slice`, then `ctx`, closing the node. */
static void access_end(struct conv *c, TSNode n, enum ctx ctx)
{
	if (kind(n) == K_attribute)
		name_text(c, "attr", field(n, F.attribute));
	else
		subscript_slice(c, n);
	tag(c, "ctx", ctx_kinds[ctx]);
	end(c);
}

static void slice(struct conv *c, TSNode n)
{
	struct kids ks = kids_of(c, n, false);
	TSNode part[3] = { 0 };
	int colon = 0;
	for (size_t i = 0; i < ks.n; i++) {
		if (is_token(KID(ks, i).node, ":"))
			colon++;
		else if (KID(ks, i).named && colon < 3)
			part[colon] = KID(ks, i).node;
	}
	kids_done(c, ks);
	begin_at(c, AST_Slice, n);
	static const char *const names[3] = { "lower", "upper", "step" };
	for (int i = 0; i < 3; i++) {
		kv_expr(c, names[i], part[i], LOAD);	/* null when absent */
	}
	end(c);
}

/* `a and b and c` is one BoolOp: collect the left spine of the same operator, iteratively. */
static void boolop(struct conv *c, TSNode n)
{
	const char *op = token(field(n, F.operator));
	size_t base = c->pool_len;
	TSNode cur = n;
	for (;;) {
		pool_push(c, (struct kid){ field(cur, F.right), 0, 0, true });
		TSNode left = field(cur, F.left);
		if (kind(left) == K_boolean_operator && strcmp(token(field(left, F.operator)), op) == 0) {
			cur = left;
			continue;
		}
		pool_push(c, (struct kid){ left, 0, 0, true });
		break;
	}
	begin_at(c, AST_BoolOp, n);
	tag(c, "op", op_kind(op, false));
	key(c, "values");
	jw_array_begin(c->w);
	for (size_t i = c->pool_len; i-- > base;)
		expr(c, c->pool[i].node, LOAD);
	jw_array_end(c->w);
	end(c);
	c->pool_len = base;
}

static void compare(struct conv *c, TSNode n)
{
	struct kids ks = kids_of(c, n, false);
	begin_at(c, AST_Compare, n);
	bool first = true;
	key(c, "left");
	for (size_t i = 0; i < ks.n; i++)
		if (KID(ks, i).named && first) {
			expr(c, KID(ks, i).node, LOAD);
			first = false;
		}
	if (first)
		jw_null(c->w);
	key(c, "ops");
	jw_array_begin(c->w);
	for (size_t i = 0; i < ks.n; i++)
		if (KID(ks, i).field == F.operators) {
			begin(c, op_kind(token(KID(ks, i).node), false));
			/* Python 2's `<>`: said on the op, which a chained Compare may mix with `!=`. */
			if (is_token(KID(ks, i).node, "<>"))
				jw_kv_cstring(c->w, "py2", "<>");
			end(c);
		}
	jw_array_end(c->w);
	key(c, "comparators");
	jw_array_begin(c->w);
	size_t operand = 0;
	for (size_t i = 0; i < ks.n; i++)
		if (KID(ks, i).named && operand++ > 0)	/* the first operand is `left` */
			expr(c, KID(ks, i).node, LOAD);
	jw_array_end(c->w);
	end(c);
	kids_done(c, ks);
}

/*
 * Which Python 2-only form an integer literal has, so rules can tell `0777` from 511:
 * "octal" (a leading 0 before a nonzero digit), "long" (an `L` suffix), "octal long", or
 * NULL.  Python 3 accepts `00` and `0_0`, so zeros alone are not octal.
 */
static const char *py2_int_form(const char *s, size_t len)
{
	bool is_long = len > 1 && (s[len - 1] == 'l' || s[len - 1] == 'L');
	bool octal = false;
	if (len > 1 && s[0] == '0' && s[1] >= '0' && s[1] <= '9')
		for (size_t i = 1; i < len - is_long; i++)
			octal |= s[i] >= '1' && s[i] <= '9';
	return octal && is_long ? "octal long" : octal ? "octal" : is_long ? "long" : NULL;
}

static void constant_tag(struct conv *c, TSNode n, const char *json)
{
	begin_at(c, AST_Constant, n);
	key(c, "value");
	jw_raw_value(c->w, json, strlen(json));
	key(c, "kind");
	jw_null(c->w);
	end(c);
}

static void error_expr(struct conv *c, TSNode n)
{
	begin_at(c, AST_Error, n);
	jw_kv_cstring(c->w, "node", ts_node_is_missing(n) ? "MISSING" : ts_node_type(n));
	end(c);
}

/* `yield`, `yield x`, `yield a, b`, `yield from x`. */
static void yield_expr(struct conv *c, TSNode n)
{
	struct kids ks = kids_of(c, n, false);
	bool from = false;
	TSNode value = { 0 };
	for (size_t i = 0; i < ks.n; i++) {
		if (is_token(KID(ks, i).node, "from"))
			from = true;
		else if (KID(ks, i).named)
			value = KID(ks, i).node;
	}
	kids_done(c, ks);
	begin_at(c, from ? AST_YieldFrom : AST_Yield, n);
	kv_expr(c, "value", value, LOAD);
	end(c);
}

/* A Dict's `keys`, then its `values`: of a pair its key and value; `**d` has no key, `d` as value. */
static void dict_expr(struct conv *c, TSNode n)
{
	struct kids ks = kids_of(c, n, true);
	begin_at(c, AST_Dict, n);
	for (int values = 0; values < 2; values++) {
		key(c, values ? "values" : "keys");
		jw_array_begin(c->w);
		for (size_t i = 0; i < ks.n; i++) {
			TSNode item = KID(ks, i).node;
			if (KID(ks, i).kind == K_pair)
				expr(c, field(item, values ? F.value : F.key), LOAD);
			else
				expr(c, values ? first_named(c, item) : (TSNode){ 0 }, LOAD);
		}
		jw_array_end(c->w);
	}
	end(c);
	kids_done(c, ks);
}

/* The expression of one AST level; `n` is not parenthesised and `enter` was passed. */
/*
 * tree-sitter-python 0.23.6 gives `^` a higher precedence than `&` (Python: `&` binds
 * tighter), so `a ^ b & c` arrives as `(a ^ b) & c`.  A region of unparenthesised `^`/`&`
 * operators is flattened into its operands in source order (explicit stack, any length)
 * and written again with Python's precedence: a `^` chain of `&` chains.
 */
struct xa_region {
	TSNode *opnd;		/* operands in source order */
	bool *amp;		/* amp[i]: the operator before opnd[i+1] is `&` */
	size_t n;
};

static bool is_xor_and(TSNode n, bool *amp)
{
	if (kind(n) != K_binary_operator)
		return false;
	const char *op = token(ts_node_child_by_field_id(n, F.operator));
	*amp = strcmp(op, "&") == 0;
	return *amp || strcmp(op, "^") == 0;
}

static void xa_flatten(TSNode top, struct xa_region *r)
{
	size_t cap = 16, sp = 0, scap = 16;
	TSNode *stack = xmalloc(scap * sizeof *stack);
	r->opnd = xmalloc(cap * sizeof *r->opnd);
	r->amp = xmalloc(cap * sizeof *r->amp);
	r->n = 0;
	stack[sp++] = top;
	while (sp) {	/* in-order walk: right pushed first, pending operators kept as nodes */
		TSNode n = stack[--sp];
		bool amp;
		if (sp + 3 > scap)
			stack = xrealloc(stack, (scap *= 2) * sizeof *stack);
		if (is_xor_and(n, &amp) && ts_node_is_named(n)) {
			stack[sp++] = ts_node_child_by_field_id(n, F.right);
			stack[sp++] = ts_node_child_by_field_id(n, F.operator);	/* anonymous: a marker */
			stack[sp++] = ts_node_child_by_field_id(n, F.left);
			continue;
		}
		if (!ts_node_is_named(n)) {	/* the operator between two operands */
			if (r->n)
				r->amp[r->n - 1] = strcmp(ts_node_type(n), "&") == 0;
			continue;
		}
		if (r->n + 1 >= cap) {
			cap *= 2;
			r->opnd = xrealloc(r->opnd, cap * sizeof *r->opnd);
			r->amp = xrealloc(r->amp, cap * sizeof *r->amp);
		}
		r->opnd[r->n++] = n;
	}
	free(stack);
}

/* Operands [lo, hi] joined left-associatively by `&`. */
static void xa_and_chain(struct conv *c, struct xa_region *r, size_t lo, size_t hi)
{
	if (lo == hi) {
		expr(c, r->opnd[lo], LOAD);
		return;
	}
	if (!enter(c, r->opnd[hi]))
		return;
	begin(c, AST_BinOp);
	span(c, start_pt(c, r->opnd[lo]), end_pt(c, r->opnd[hi]));
	key(c, "left");
	xa_and_chain(c, r, lo, hi - 1);
	tag(c, "op", AST_BitAnd);
	kv_expr(c, "right", r->opnd[hi], LOAD);
	end(c);
	leave(c);
}

/* Operands [0, hi] as a `^` chain of `&` chains, left-associative. */
static void xa_xor_chain(struct conv *c, struct xa_region *r, size_t hi)
{
	size_t lo = hi;	/* the last `&` group ends at hi */
	while (lo > 0 && r->amp[lo - 1])
		lo--;
	if (lo == 0) {
		xa_and_chain(c, r, 0, hi);
		return;
	}
	if (!enter(c, r->opnd[hi]))
		return;
	begin(c, AST_BinOp);
	span(c, start_pt(c, r->opnd[0]), end_pt(c, r->opnd[hi]));
	key(c, "left");
	xa_xor_chain(c, r, lo - 1);
	tag(c, "op", AST_BitXor);
	key(c, "right");
	xa_and_chain(c, r, lo, hi);
	end(c);
	leave(c);
}

/*
 * Write the `^`/`&` region topped by `n` with Python's precedence; false when n is another
 * operator.  A whole region is flattened once, at its top, so long chains stay linear.
 */
static bool xor_and_region(struct conv *c, TSNode n)
{
	bool amp;
	if (!is_xor_and(n, &amp))
		return false;
	struct xa_region reg;
	xa_flatten(n, &reg);
	/* The caller entered one level for n: the outermost BinOp takes it. */
	leave(c);
	xa_xor_chain(c, &reg, reg.n - 1);
	c->depth++;
	free(reg.opnd);
	free(reg.amp);
	return true;
}

static bool is_chain_link(TSNode n)
{
	enum kind k = kind(n);
	return k == K_call || k == K_attribute || k == K_subscript;
}

/*
 * The innermost operand of a postfix chain (calls, attributes, subscripts).  The walk asks
 * for each link of a chain in turn, from the outside in, so the last answer is kept: a
 * link inside the last chain looked up (same start, ending within it) and around its base
 * lies on the path between them, and has that base.  Without it `f()()()...` cost a walk
 * of the whole chain per level (quadratic: 46 s for 400,000 links).
 */
static TSNode chain_base(struct conv *c, TSNode n)
{
	uint32_t start = ts_node_start_byte(n), end = ts_node_end_byte(n);
	if (!is_chain_link(n))
		return n;
	if (!ts_node_is_null(c->chain) && start == c->chain_start && end <= c->chain_outer_end &&
	    end >= c->chain_end)
		return c->chain;
	TSNode base = chain_base_walk(n);
	c->chain = base;
	c->chain_start = start;
	c->chain_outer_end = end;
	c->chain_end = ts_node_end_byte(base);
	return base;
}

static TSNode chain_base_walk(TSNode n)
{
	for (;;) {
		enum kind k = kind(n);
		TSNode next = k == K_call ? field(n, F.function) : k == K_attribute ? field(n, F.object) :
			      k == K_subscript ? field(n, F.value) : (TSNode){ 0 };
		if (ts_node_is_null(next))
			return n;
		n = next;
	}
}

static void expr_node(struct conv *c, TSNode n, enum ctx ctx);

/* `*a.b()` read by the grammar as `(*a).b()`: write Starred(a.b()). */
static bool starred_chain(struct conv *c, TSNode n, enum ctx ctx)
{
	enum kind k = kind(n);
	if (k != K_call && k != K_attribute && k != K_subscript)
		return false;
	TSNode base = chain_base(c, n);
	if (kind(base) != K_list_splat || ts_node_eq(base, c->elide))
		return false;
	TSNode saved = c->elide;
	TSPoint from = c->elide_from, to = c->elide_to;
	begin_at(c, AST_Starred, n);
	key(c, "value");
	if (enter(c, n)) {
		c->elide = base;
		c->elide_from = start_pt(c, base);
		c->elide_to = start_pt(c, first_named(c, base));
		expr_node(c, n, ctx);
		c->elide = saved, c->elide_from = from, c->elide_to = to;
		leave(c);
	}
	tag(c, "ctx", ctx_kinds[ctx]);
	end(c);
	return true;
}

static void expr_node(struct conv *c, TSNode n, enum ctx ctx)
{
	/* Expressions written by a function of their own, whatever the context. */
	static void (*const own[K_COUNT])(struct conv *, TSNode) = {
		[K_slice] = slice, [K_boolean_operator] = boolop, [K_comparison_operator] = compare,
		[K_yield] = yield_expr, [K_dictionary] = dict_expr,
		[K_list_comprehension] = comprehension_expr, [K_set_comprehension] = comprehension_expr,
		[K_dictionary_comprehension] = comprehension_expr,
		[K_generator_expression] = comprehension_expr,
		[K_string] = string_expr, [K_concatenated_string] = string_expr,
	};
	TSNode inner = { 0 };
	if (starred_chain(c, n, ctx))
		return;
	if (own[kind(n)]) {
		own[kind(n)](c, n);
		return;
	}
	switch (kind(n)) {
	case K_identifier:
		begin_at(c, AST_Name, n);
		name_text(c, "id", n);
		tag(c, "ctx", ctx_kinds[ctx]);
		end(c);
		return;
	case K_attribute:
	case K_subscript:
		begin_at(c, kind(n) == K_attribute ? AST_Attribute : AST_Subscript, n);
		kv_expr(c, "value", accessed(n), LOAD);
		access_end(c, n, ctx);
		return;
	case K_call:
		inner = field(n, F.function);
		begin_at(c, AST_Call, n);
		kv_expr(c, "func", inner, LOAD);
		call_args(c, field(n, F.arguments), "args");
		end(c);
		return;
	case K_list_splat:
	case K_list_splat_pattern:
	case K_splat_type:	/* `*Ts` in an annotation: its value is always loaded */
		begin_at(c, AST_Starred, n);
		kv_expr(c, "value", first_named(c, n), kind(n) == K_splat_type ? LOAD : ctx);
		tag(c, "ctx", ctx_kinds[ctx]);
		end(c);
		return;
	case K_binary_operator:
		if (xor_and_region(c, n))
			return;
		binop(c, AST_BinOp, n, field(n, F.left), op_kind(token(field(n, F.operator)), false),
		      field(n, F.right));
		return;
	case K_unary_operator:
	case K_not_operator:
		begin_at(c, AST_UnaryOp, n);
		tag(c, "op", kind(n) == K_not_operator ? AST_Not : op_kind(token(field(n, F.operator)), true));
		kv_expr(c, "operand", field(n, F.argument), LOAD);
		end(c);
		return;
	case K_conditional_expression: {
		/* body if test else orelse */
		struct kids ks = kids_of(c, n, true);
		begin_at(c, AST_IfExp, n);
		static const char *const order[3] = { "body", "test", "orelse" };
		for (size_t i = 0; i < 3; i++)
			kv_expr(c, order[i], kid_at(c, ks, i), LOAD);
		end(c);
		kids_done(c, ks);
		return;
	}
	case K_named_expression:
		begin_at(c, AST_NamedExpr, n);
		kv_expr(c, "target", field(n, F.name), STORE);
		kv_expr(c, "value", field(n, F.value), LOAD);
		end(c);
		return;
	case K_lambda:
		begin_at(c, AST_Lambda, n);
		key(c, "args");
		arguments(c, field(n, F.parameters));
		kv_expr(c, "body", field(n, F.body), LOAD);
		end(c);
		return;
	case K_await:
		begin_at(c, AST_Await, n);
		kv_expr(c, "value", first_named(c, n), LOAD);
		end(c);
		return;
	case K_tuple:
	case K_tuple_pattern:
		if (is_grouping(c, n, &inner)) {	/* `(a) = 1` */
			leave(c);
			expr(c, inner, ctx);
			c->depth++;
			return;
		}
		/* fall through */
	case K_expression_list:
	case K_pattern_list:
	case K_list:
	case K_list_pattern:
	case K_set:
		seq(c, n, ctx);
		return;
	case K_integer:
	case K_float: {
		size_t len;
		const char *s = text(c, n, &len);
		begin_at(c, AST_Constant, n);
		key(c, "value");
		lit_write_number(c->w, s, len);
		key(c, "kind");
		jw_null(c->w);
		const char *py2 = kind(n) == K_integer ? py2_int_form(s, len) : NULL;
		if (py2)
			jw_kv_cstring(c->w, "py2", py2);
		end(c);
		return;
	}
	case K_true:
	case K_false:
	case K_none:
		constant_tag(c, n, kind(n) == K_true ? "true" : kind(n) == K_false ? "false" : "null");
		return;
	case K_ellipsis:
		constant_tag(c, n, "{\"$ellipsis\":true}");
		return;
	case K_generic_type: {
		/* `list[int]` in an annotation: a Subscript */
		struct kids ks = kids_of(c, n, true);
		begin_at(c, AST_Subscript, n);
		kv_expr(c, "value", kid_at(c, ks, 0), LOAD);
		TSNode params = kid_at(c, ks, 1);
		kids_done(c, ks);
		struct kids ps = kids_of(c, params, true);
		key(c, "slice");
		TSNode only = ps.n == 1 ? KID(ps, 0).node : (TSNode){ 0 };
		bool splat = ps.n == 1 && (kind(only) == K_splat_type ||	/* T[*Ts] is a Tuple */
			     (kind(only) == K_type && kind(first_named(c, only)) == K_splat_type));
		if (ps.n == 1 && !splat) {
			expr(c, KID(ps, 0).node, LOAD);
		} else if (ps.n >= 1 && enter(c, params)) {
			load_tuple(c, ps, 0, false, start_pt(c, KID(ps, 0).node), end_pt(c, KID(ps, ps.n - 1).node));
			leave(c);
		} else if (ps.n == 0) {
			jw_null(c->w);
		}
		kids_done(c, ps);
		tag(c, "ctx", AST_Load);
		end(c);
		return;
	}
	case K_union_type: {
		struct kids ks = kids_of(c, n, true);
		binop(c, AST_BinOp, n, kid_at(c, ks, 0), AST_BitOr, kid_at(c, ks, 1));
		kids_done(c, ks);
		return;
	}
	case K_member_type: {
		struct kids ks = kids_of(c, n, true);
		begin_at(c, AST_Attribute, n);
		kv_expr(c, "value", kid_at(c, ks, 0), LOAD);
		if (ks.n > 1)
			name_text(c, "attr", KID(ks, ks.n - 1).node);
		tag(c, "ctx", ctx_kinds[ctx]);
		end(c);
		kids_done(c, ks);
		return;
	}
	case K_type:
	case K_parenthesized_list_splat:
	case K_as_pattern_target:
		/* Wrappers with one expression inside. */
		inner = first_named(c, n);
		if (!ts_node_is_null(inner)) {
			leave(c);
			expr(c, inner, ctx);
			c->depth++;
			return;
		}
		break;
	default:
		break;
	}
	error_expr(c, n);
}

static void expr(struct conv *c, TSNode n, enum ctx ctx)
{
	if (ts_node_is_null(n)) {
		jw_null(c->w);
		return;
	}
	if (!ts_node_is_null(c->elide) && ts_node_eq(n, c->elide))
		n = first_named(c, n);	/* the Starred is already written around the chain */
	n = unparen(c, n);
	if (!enter(c, n))
		return;
	expr_node(c, n, ctx);
	leave(c);
}

/* ---- strings ---- */

/*
 * A string, or implicitly concatenated strings, is one Constant or one JoinedStr.
 * CPython 3.11 gives every Constant and FormattedValue inside a JoinedStr the position of
 * the whole literal, and a format spec's JoinedStr the span of the piece (one string token)
 * holding it; we copy that, so the oracle matches to the column.
 */
struct fstr {
	struct conv *c;
	TSNode whole;		/* the string or concatenated_string */
	TSPoint cstart, cend;	/* where its Constants are said to be */
	struct cpbuf lit;	/* literal text not yet written */
	size_t pieces;		/* values written so far */
};

static void fstr_flush(struct fstr *f)
{
	struct conv *c = f->c;
	if (f->lit.n == 0)
		return;
	begin(c, AST_Constant);
	span(c, f->cstart, f->cend);
	key(c, "value");
	lit_write_str(c->w, &f->lit);
	key(c, "kind");
	jw_null(c->w);
	end(c);
	f->lit.n = 0;
	f->pieces++;
}

static void fstr_literal(struct fstr *f, uint32_t from, uint32_t to, bool raw)
{
	if (to > from)
		lit_decode(&f->lit, f->c->src + from, to - from, raw, false, true);
}

static void fstr_field(struct fstr *f, TSNode n, TSNode piece, bool raw);

/* A format spec (`:>{width}`) is itself a JoinedStr of literal text and fields. */
static void fstr_spec(struct fstr *outer, TSNode spec, TSNode piece, bool raw)
{
	struct conv *c = outer->c;
	if (!enter(c, spec))
		return;
	struct kids ks = kids_of(c, spec, false);
	bool fields = false;
	for (size_t i = 0; i < ks.n; i++)
		fields |= KID(ks, i).kind == K_format_expression;
	/* 3.11 again: a spec's Constant has the piece's span, unless the spec has fields. */
	struct fstr f = { c, outer->whole, start_pt(c, piece), end_pt(c, piece), { 0 }, 0 };
	if (fields)
		f.cstart = outer->cstart, f.cend = outer->cend;
	begin_at(c, AST_JoinedStr, piece);
	key(c, "values");
	jw_array_begin(c->w);
	uint32_t from = ts_node_start_byte(spec);
	for (size_t i = 0; i < ks.n; i++) {
		struct kid k = KID(ks, i);
		if (is_token(k.node, ":") && i == 0) {
			from = ts_node_end_byte(k.node);
		} else if (k.kind == K_format_expression) {
			fstr_literal(&f, from, ts_node_start_byte(k.node), raw);
			fstr_field(&f, k.node, piece, raw);
			from = ts_node_end_byte(k.node);
		}
	}
	fstr_literal(&f, from, ts_node_end_byte(spec), raw);
	fstr_flush(&f);
	kids_done(c, ks);
	jw_array_end(c->w);
	end(c);
	cpbuf_free(&f.lit);
	leave(c);
}

/* One replacement field `{expr=!r:spec}`: FormattedValue, after any `expr=` text. */
static void fstr_field(struct fstr *f, TSNode n, TSNode piece, bool raw)
{
	struct conv *c = f->c;
	struct kids ks = kids_of(c, n, false);
	TSNode value = { 0 }, conv = { 0 }, spec = { 0 };
	bool debug = false;
	for (size_t i = 0; i < ks.n; i++) {
		struct kid k = KID(ks, i);
		if (k.field == F.expression)
			value = k.node;
		else if (k.field == F.type_conversion)
			conv = k.node;
		else if (k.field == F.format_specifier)
			spec = k.node;
		else if (is_token(k.node, "=") && i + 1 < ks.n && i > 0) {
			/* `{x = }` writes its own source text, spaces included, before the value. */
			debug = true;
			uint32_t from = ts_node_end_byte(KID(ks, 0).node);
			uint32_t to = ts_node_start_byte(KID(ks, i + 1).node);
			if (to > from)
				lit_decode(&f->lit, c->src + from, to - from, true, false, false);
		}
	}
	kids_done(c, ks);
	fstr_flush(f);
	if (!enter(c, n))
		return;
	begin_at(c, AST_FormattedValue, f->whole);
	kv_expr(c, "value", value, LOAD);
	long conversion = -1;
	if (!ts_node_is_null(conv)) {
		size_t len;
		const char *t = text(c, conv, &len);
		conversion = len > 1 ? (unsigned char)t[len - 1] : -1;
	} else if (debug && ts_node_is_null(spec)) {
		conversion = 'r';
	}
	jw_kv_int(c->w, "conversion", conversion);
	key(c, "format_spec");
	if (ts_node_is_null(spec))
		jw_null(c->w);
	else
		fstr_spec(f, spec, piece, raw);
	end(c);
	leave(c);
	f->pieces++;
}

static bool has_token(struct conv *c, TSNode n, const char *t);

/* Report a syntax error at `n` unless an earlier one was reported. */
static void syntax_error_at(struct conv *c, TSNode n)
{
	if (!c->res->syntax_error) {
		c->res->syntax_error = true;
		c->res->error_line = start_pt(c, n).row + 1;
		c->res->error_col = start_pt(c, n).column;
	}
}

/*
 * Python 2's `` `x` `` is repr(x): a Repr node.  tree-sitter reads backquotes as string
 * delimiters, so the text between them is parsed again, as the one included range of the
 * source so that positions stay the file's.  The value is the expression (a Tuple for
 * `` `a, b` ``), or an Error when the text is not one expression.  A parse costs C stack
 * per byte (STACK_PER_BYTE): text too long for what is left becomes a Truncated value.
 */
static void repr_expr(struct conv *c, TSNode n, TSNode start, TSNode end_tok)
{
	uint32_t from = ts_node_end_byte(start);
	uint32_t to = ts_node_is_null(end_tok) ? ts_node_end_byte(n) : ts_node_start_byte(end_tok);
	if (to < from)
		to = from;
	begin_at(c, AST_Repr, n);
	key(c, "value");
	char here;
	uintptr_t used = c->stack_base - (uintptr_t)&here;
	bool fits = used < c->stack_budget &&
		    (uint64_t)(to - from) * STACK_PER_BYTE < c->stack_budget - used;
	TSTree *tree = NULL;
	TSRange r = { ts_node_end_point(start), { UINT32_MAX, UINT32_MAX }, from, to };
	if (fits && to > from && ts_parser_set_included_ranges(repr_parser, &r, 1))
		tree = ts_parser_parse_string(repr_parser, NULL, c->src, (uint32_t)c->len);
	if (!fits) {
		cut(c, n);
	} else if (!tree) {
		error_expr(c, n);	/* `` `` ``: nothing to repr */
		syntax_error_at(c, n);
	} else {
		TSNode root = ts_tree_root_node(tree);
		TSNode st = ts_node_named_child_count(root) == 1 ? ts_node_named_child(root, 0)
								   : (TSNode){ 0 };
		struct kids ks = kids_of(c, kind(st) == K_expression_statement ? st : (TSNode){ 0 }, true);
		bool exprs = ks.n > 0 && !ts_node_has_error(root);
		for (size_t i = 0; i < ks.n; i++)
			exprs &= KID(ks, i).kind != K_assignment && KID(ks, i).kind != K_augmented_assignment;
		if (!exprs) {
			/* Python 2 rejects this too: a syntax error like any other. */
			error_expr(c, ts_node_has_error(root) || ts_node_is_null(st) ? root : st);
			syntax_error_at(c, n);
		} else if (ks.n == 1 && !has_token(c, st, ",")) {
			expr(c, KID(ks, 0).node, LOAD);
		} else if (enter(c, st)) {	/* `` `a, b` ``: repr of a tuple */
			load_tuple(c, ks, 0, false, start_pt(c, KID(ks, 0).node), end_pt(c, st));
			leave(c);
		}
		kids_done(c, ks);
		ts_tree_delete(tree);
	}
	end(c);
}

static void string_expr(struct conv *c, TSNode n)
{
	if (kind(n) == K_string) {
		struct kids ks = kids_of(c, n, false);
		TSNode start = ks.n && KID(ks, 0).kind == K_string_start ? KID(ks, 0).node : (TSNode){ 0 };
		TSNode fin = ks.n > 1 && KID(ks, ks.n - 1).kind == K_string_end ? KID(ks, ks.n - 1).node
									  : (TSNode){ 0 };
		kids_done(c, ks);
		size_t len;
		const char *s = ts_node_is_null(start) ? (len = 0, "") : text(c, start, &len);
		if (len == 1 && s[0] == '`') {
			repr_expr(c, n, start, fin);
			return;
		}
	}
	struct kids pieces = kind(n) == K_concatenated_string ? kids_of(c, n, true)
							       : (struct kids){ c->pool_len, 0 };
	if (kind(n) != K_concatenated_string) {
		pool_push(c, (struct kid){ n, 0, K_string, true });
		pieces.n = 1;
	}
	bool any_f = false, any_bytes = false, unicode = false;
	for (size_t i = 0; i < pieces.n; i++) {
		TSNode start = first_named(c, KID(pieces, i).node);
		size_t len;
		const char *s = kind(start) == K_string_start ? text(c, start, &len) : (len = 0, "");
		struct str_prefix p = lit_prefix(s, len);
		any_f |= p.fmt;
		any_bytes |= p.bytes;
		if (i == 0)
			unicode = p.unicode;
	}

	struct fstr f = { c, n, start_pt(c, n), end_pt(c, n), { 0 }, 0 };
	if (any_f) {
		begin_at(c, AST_JoinedStr, n);
		key(c, "values");
		jw_array_begin(c->w);
	}
	for (size_t i = 0; i < pieces.n; i++) {
		TSNode piece = KID(pieces, i).node;
		struct kids ks = kids_of(c, piece, false);
		struct str_prefix p = { 0 };
		uint32_t from = ts_node_start_byte(piece), to = ts_node_end_byte(piece);
		for (size_t j = 0; j < ks.n; j++) {
			struct kid k = KID(ks, j);
			if (k.kind == K_string_start) {
				size_t len;
				const char *s = text(c, k.node, &len);
				p = lit_prefix(s, len);
				from = ts_node_end_byte(k.node);
			} else if (k.kind == K_string_end) {
				/* The scanner may fold trailing backslashes of a raw string into
				 * string_end (`r'\\'`): only the closing quotes end the text. */
				to = ts_node_end_byte(k.node) - (uint32_t)p.quotes;
				if (to < from)
					to = from;
			} else if (k.kind == K_interpolation && any_f) {
				fstr_literal(&f, from, ts_node_start_byte(k.node), p.raw);
				fstr_field(&f, k.node, piece, p.raw);
				from = ts_node_end_byte(k.node);
			}
		}
		kids_done(c, ks);
		if (to > from)
			lit_decode(&f.lit, c->src + from, to - from, p.raw, p.bytes, p.fmt);
	}
	if (any_f) {
		fstr_flush(&f);
		jw_array_end(c->w);
		end(c);
	} else {
		begin_at(c, AST_Constant, n);
		key(c, "value");
		any_bytes ? lit_write_bytes(c->w, &f.lit) : lit_write_str(c->w, &f.lit);
		key(c, "kind");
		unicode ? jw_cstring(c->w, "u") : jw_null(c->w);
		end(c);
	}
	cpbuf_free(&f.lit);
	kids_done(c, pieces);
}

/* ---- comprehensions ---- */

/* A ListComp, SetComp, DictComp or GeneratorExp, by the kind of `n`. */
static void comprehension_expr(struct conv *c, TSNode n)
{
	enum kind nk = kind(n);
	TSNode elt = field(n, F.body);
	begin_at(c, nk == K_list_comprehension ? AST_ListComp : nk == K_set_comprehension ? AST_SetComp :
		  nk == K_dictionary_comprehension ? AST_DictComp : AST_GeneratorExp, n);
	if (kind(elt) == K_pair) {
		kv_expr(c, "key", field(elt, F.key), LOAD);
		kv_expr(c, "value", field(elt, F.value), LOAD);
	} else {
		kv_expr(c, "elt", elt, LOAD);
	}
	key(c, "generators");
	jw_array_begin(c->w);
	struct kids ks = kids_of(c, n, true);
	for (size_t i = 0; i < ks.n; i++) {
		struct kid k = KID(ks, i);
		if (k.kind != K_for_in_clause || !enter(c, k.node))
			continue;
		begin(c, AST_comprehension);
		kv_expr(c, "target", field(k.node, F.left), STORE);
		/* `for x in a, b` has several `right` nodes: a Tuple. */
		struct kids parts = kids_of(c, k.node, false);
		size_t nright = 0, first = 0;
		bool is_async = false;
		for (size_t j = 0; j < parts.n; j++) {
			if (KID(parts, j).field == F.right && KID(parts, j).named && !nright++)
				first = j;
			if (is_token(KID(parts, j).node, "async"))
				is_async = true;
		}
		key(c, "iter");
		if (nright == 1) {
			expr(c, KID(parts, first).node, LOAD);
		} else {
			load_tuple(c, parts, F.right, true, start_pt(c, KID(parts, first).node), end_pt(c, k.node));
		}
		kids_done(c, parts);
		key(c, "ifs");
		jw_array_begin(c->w);
		for (size_t j = i + 1; j < ks.n && KID(ks, j).kind == K_if_clause; j++)
			expr(c, first_named(c, KID(ks, j).node), LOAD);
		jw_array_end(c->w);
		jw_kv_int(c->w, "is_async", is_async);
		end(c);
		leave(c);
	}
	kids_done(c, ks);
	jw_array_end(c->w);
	end(c);
}

/* ---- function parameters ---- */

enum param_kind { P_POS, P_POSONLY, P_KWONLY, P_VARARG, P_KWARG };

struct param {
	TSNode name, annotation, value;
	enum param_kind kind;
};

static void arg_node(struct conv *c, const struct param *p)
{
	if (!enter(c, p->name))
		return;
	begin(c, AST_arg);
	span(c, start_pt(c, p->name),
	     ts_node_is_null(p->annotation) ? end_pt(c, p->name) : end_pt(c, p->annotation));
	name_text(c, "arg", p->name);
	kv_expr(c, "annotation", p->annotation, LOAD);
	end(c);
	leave(c);
}

/* The name inside `*args` / `**kw` patterns. */
static TSNode splat_name(struct conv *c, TSNode n)
{
	return first_named(c, n);
}

/* `parameters` or `lambda_parameters` (or nothing) as an `arguments` object. */
static void arguments(struct conv *c, TSNode params)
{
	struct kids ks = kids_of(c, params, true);
	struct param *ps = xmalloc((ks.n + 1) * sizeof *ps);
	size_t np = 0;
	bool kwonly = false;
	for (size_t i = 0; i < ks.n; i++) {
		struct kid k = KID(ks, i);
		struct param p = { .kind = kwonly ? P_KWONLY : P_POS };
		TSNode inner;
		switch (k.kind) {
		case K_identifier:
			p.name = k.node;
			break;
		case K_default_parameter:
		case K_typed_default_parameter:
			p.name = field(k.node, F.name);
			p.annotation = first_named(c, field(k.node, F.type));
			p.value = field(k.node, F.value);
			break;
		case K_typed_parameter:
			inner = first_named(c, k.node);
			p.annotation = first_named(c, field(k.node, F.type));
			p.name = inner;
			if (kind(inner) == K_list_splat_pattern)
				p.kind = P_VARARG, p.name = splat_name(c, inner), kwonly = true;
			else if (kind(inner) == K_dictionary_splat_pattern)
				p.kind = P_KWARG, p.name = splat_name(c, inner);
			break;
		case K_list_splat_pattern:
			p.kind = P_VARARG, p.name = splat_name(c, k.node), kwonly = true;
			break;
		case K_dictionary_splat_pattern:
			p.kind = P_KWARG, p.name = splat_name(c, k.node);
			break;
		case K_keyword_separator:
			kwonly = true;
			continue;
		case K_positional_separator:
			for (size_t j = 0; j < np; j++)
				if (ps[j].kind == P_POS)
					ps[j].kind = P_POSONLY;
			continue;
		default:
			continue;	/* Python 2 tuple parameters: not in Python 3's `ast` */
		}
		if (!ts_node_is_null(p.name))
			ps[np++] = p;
	}
	kids_done(c, ks);

	TSNode where = ts_node_is_null(params) ? (TSNode){ 0 } : params;
	if (!ts_node_is_null(where) && !enter(c, where)) {
		free(ps);
		return;
	}
	begin(c, AST_arguments);
	static const struct { const char *key; enum param_kind kind; } lists[] = {
		{ "posonlyargs", P_POSONLY }, { "args", P_POS }, { "kwonlyargs", P_KWONLY },
	};
	for (size_t l = 0; l < 3; l++) {
		key(c, lists[l].key);
		jw_array_begin(c->w);
		for (size_t j = 0; j < np; j++)
			if (ps[j].kind == lists[l].kind)
				arg_node(c, &ps[j]);
		jw_array_end(c->w);
	}
	static const struct { const char *key; enum param_kind kind; } singles[] = {
		{ "vararg", P_VARARG }, { "kwarg", P_KWARG },
	};
	for (size_t l = 0; l < 2; l++) {
		key(c, singles[l].key);
		size_t j = 0;
		while (j < np && ps[j].kind != singles[l].kind)
			j++;
		j < np ? arg_node(c, &ps[j]) : jw_null(c->w);
	}
	key(c, "kw_defaults");
	jw_array_begin(c->w);
	for (size_t j = 0; j < np; j++)
		if (ps[j].kind == P_KWONLY)
			expr(c, ps[j].value, LOAD);
	jw_array_end(c->w);
	key(c, "defaults");
	jw_array_begin(c->w);
	for (size_t j = 0; j < np; j++)
		if ((ps[j].kind == P_POS || ps[j].kind == P_POSONLY) && !ts_node_is_null(ps[j].value))
			expr(c, ps[j].value, LOAD);
	jw_array_end(c->w);
	end(c);
	if (!ts_node_is_null(where))
		leave(c);
	free(ps);
}

/* ---- statements ---- */

/* Compound statements end at their last token (see last_token_end). */
static void stmt_pos(struct conv *c, TSNode n)
{
	span(c, start_pt(c, n), last_token_end(c, n));
}

/* `a = b = 1`, `x: int = 0`. */
static void assign(struct conv *c, TSNode stmt_node, TSNode n)
{
	TSNode annotation = field(n, F.type);
	if (!ts_node_is_null(annotation)) {
		TSNode target = field(n, F.left), value = field(n, F.right), inner;
		bool simple = kind(target) == K_identifier;
		begin_at(c, AST_AnnAssign, stmt_node);
		key(c, "target");
		if (kind(target) == K_tuple_pattern && is_grouping(c, target, &inner))
			target = inner;	/* `(x): int` is a Name, but not a simple one */
		expr(c, target, STORE);
		kv_expr(c, "annotation", first_named(c, annotation), LOAD);
		kv_expr(c, "value", value, LOAD);
		jw_kv_int(c->w, "simple", simple);
		end(c);
		return;
	}
	begin_at(c, AST_Assign, stmt_node);
	key(c, "targets");
	jw_array_begin(c->w);
	TSNode cur = n;
	for (;;) {	/* the chain a = (b = (c = value)) nests to the right */
		expr(c, field(cur, F.left), STORE);
		TSNode right = field(cur, F.right);
		if (kind(right) == K_assignment && ts_node_is_null(field(right, F.type))) {
			cur = right;
			continue;
		}
		break;
	}
	jw_array_end(c->w);
	kv_expr(c, "value", field(cur, F.right), LOAD);
	end(c);
}

static bool has_token(struct conv *c, TSNode n, const char *t);

static void expression_statement(struct conv *c, TSNode n)
{
	struct kids ks = kids_of(c, n, true);
	if (ks.n == 1 && KID(ks, 0).kind == K_assignment) {
		assign(c, n, KID(ks, 0).node);
	} else if (ks.n == 1 && KID(ks, 0).kind == K_augmented_assignment) {
		TSNode a = KID(ks, 0).node;
		binop(c, AST_AugAssign, n, field(a, F.left), op_kind(token(field(a, F.operator)), false),
		      field(a, F.right));
	} else {
		begin_at(c, AST_Expr, n);
		key(c, "value");
		if (ks.n == 1 && !has_token(c, n, ",")) {
			expr(c, KID(ks, 0).node, LOAD);
		} else if (ks.n >= 1 && enter(c, n)) {	/* `a, b` or `f(),` as a statement: a Tuple */
			load_tuple(c, ks, 0, false, start_pt(c, KID(ks, 0).node), end_pt(c, n));
			leave(c);
		} else if (ks.n == 0) {
			jw_null(c->w);
		}
		end(c);
	}
	kids_done(c, ks);
}

/* The statement's only expression child (return, raise, await...), or a null node. */
static TSNode only_expr(struct conv *c, TSNode n, TSFieldId skip)
{
	struct kids ks = kids_of(c, n, true);
	TSNode r = { 0 };
	for (size_t i = 0; i < ks.n && ts_node_is_null(r); i++)
		if (!skip || KID(ks, i).field != skip)
			r = KID(ks, i).node;
	kids_done(c, ks);
	return r;
}

/* `a.b.c` as the dotted string `ast` wants, whatever the spacing in the source. */
static void dotted(struct conv *c, const char *k, TSNode n)
{
	if (kind(n) != K_dotted_name) {
		kind(n) == K_identifier ? name_text(c, k, n) : (key(c, k), jw_null(c->w));
		return;
	}
	struct kids ks = kids_of(c, n, true);
	size_t total = 0;
	for (size_t i = 0; i < ks.n; i++)
		total += ts_node_end_byte(KID(ks, i).node) - ts_node_start_byte(KID(ks, i).node) + 1;
	char *s = xmalloc(total + 1);
	size_t len = 0;
	for (size_t i = 0; i < ks.n; i++) {
		size_t l;
		const char *t = text(c, KID(ks, i).node, &l);
		if (i)
			s[len++] = '.';
		memcpy(s + len, t, l);
		len += l;
	}
	key(c, k);
	ident(c, s, len);
	free(s);
	kids_done(c, ks);
}

static void alias_node(struct conv *c, TSNode n)
{
	if (!enter(c, n))
		return;
	begin_at(c, AST_alias, n);
	if (kind(n) == K_aliased_import) {
		dotted(c, "name", field(n, F.name));
		name_text(c, "asname", field(n, F.alias));
	} else if (kind(n) == K_wildcard_import) {
		jw_kv_cstring(c->w, "name", "*");
		key(c, "asname");
		jw_null(c->w);
	} else {
		dotted(c, "name", n);
		key(c, "asname");
		jw_null(c->w);
	}
	end(c);
	leave(c);
}

static void import_stmt(struct conv *c, TSNode n)
{
	enum kind k = kind(n);
	struct kids ks = kids_of(c, n, true);
	begin_at(c, k == K_import_statement ? AST_Import : AST_ImportFrom, n);
	long level = 0;
	if (k != K_import_statement) {
		TSNode mod = field(n, F.module_name);
		if (k == K_future_import_statement) {
			jw_kv_cstring(c->w, "module", "__future__");
		} else if (kind(mod) == K_relative_import) {
			struct kids parts = kids_of(c, mod, true);
			TSNode name = { 0 };
			for (size_t i = 0; i < parts.n; i++) {
				if (KID(parts, i).kind == K_import_prefix) {
					size_t len;
					const char *s = text(c, KID(parts, i).node, &len);
					for (size_t j = 0; j < len; j++)
						level += s[j] == '.';
				} else if (KID(parts, i).kind == K_dotted_name) {
					name = KID(parts, i).node;
				}
			}
			kids_done(c, parts);
			dotted(c, "module", name);
		} else {
			dotted(c, "module", mod);
		}
	}
	key(c, "names");	/* `*` only after `from` */
	jw_array_begin(c->w);
	for (size_t i = 0; i < ks.n; i++)
		if (KID(ks, i).field == F.name || KID(ks, i).kind == K_wildcard_import)
			alias_node(c, KID(ks, i).node);
	jw_array_end(c->w);
	if (k != K_import_statement)
		jw_kv_int(c->w, "level", level);
	end(c);
	kids_done(c, ks);
}

/* An `if` and its elif chain: each elif is an If alone in the previous orelse. */
static void if_chain(struct conv *c, TSNode at, TSPoint stop, TSNode cond, TSNode block,
		     struct kids alts, size_t next)
{
	begin(c, AST_If);
	span(c, start_pt(c, at), stop);
	kv_expr(c, "test", cond, LOAD);
	body(c, "body", block);
	if (next >= alts.n) {
		empty_list(c, "orelse");
	} else if (KID(alts, next).kind == K_else_clause) {
		key(c, "orelse");
		stmt_list(c, field(KID(alts, next).node, F.body));
	} else {
		TSNode elif = KID(alts, next).node;
		key(c, "orelse");
		jw_array_begin(c->w);
		if (enter(c, elif)) {
			if_chain(c, elif, stop, field(elif, F.condition), field(elif, F.consequence), alts, next + 1);
			leave(c);
		}
		jw_array_end(c->w);
	}
	end(c);
}

static void else_body(struct conv *c, const char *k, TSNode else_clause)
{
	body(c, k, ts_node_is_null(else_clause) ? else_clause : field(else_clause, F.body));
}

static bool has_token(struct conv *c, TSNode n, const char *t)
{
	struct kids ks = kids_of(c, n, false);
	bool found = false;
	for (size_t i = 0; i < ks.n && !found; i++)
		found = is_token(KID(ks, i).node, t);
	kids_done(c, ks);
	return found;
}

/* The block child of a clause that has no `body` field (except, finally). */
static TSNode block_of(struct conv *c, TSNode n)
{
	struct kids ks = kids_of(c, n, true);
	TSNode b = { 0 };
	for (size_t i = 0; i < ks.n; i++)
		if (KID(ks, i).kind == K_block)
			b = KID(ks, i).node;
	kids_done(c, ks);
	return b;
}

/* `except T as name:` and `except* T as name:` as an ExceptHandler. */
static void handler(struct conv *c, TSNode n)
{
	if (!enter(c, n))
		return;
	struct kids ks = kids_of(c, n, true);
	TSNode type = { 0 }, name = field(n, F.alias), block = { 0 };
	for (size_t i = 0; i < ks.n; i++) {
		struct kid k = KID(ks, i);
		if (k.kind == K_block)
			block = k.node;
		else if (k.field != F.alias && ts_node_is_null(type))
			type = k.node;
	}
	kids_done(c, ks);
	if (kind(type) == K_as_pattern) {
		name = field(type, F.alias);
		type = first_named(c, type);
	}
	if (kind(type) == K_list_splat)	/* except* T */
		type = first_named(c, type);
	if (kind(name) == K_as_pattern_target)
		name = first_named(c, name);
	begin(c, AST_ExceptHandler);
	stmt_pos(c, n);
	kv_expr(c, "type", type, LOAD);
	if (ts_node_is_null(name)) {
		key(c, "name");
		jw_null(c->w);
	} else {
		name_text(c, "name", name);
	}
	body(c, "body", block);
	end(c);
	leave(c);
}

static bool is_star_handler(struct conv *c, TSNode n)
{
	if (kind(n) == K_except_group_clause)
		return true;
	TSNode v = field(n, F.value);
	if (kind(v) == K_as_pattern)
		v = first_named(c, v);
	return kind(v) == K_list_splat || has_token(c, n, "*");
}

static void try_stmt(struct conv *c, TSNode n)
{
	struct kids ks = kids_of(c, n, true);
	bool star = false;
	TSNode orelse = { 0 }, final = { 0 };
	for (size_t i = 0; i < ks.n; i++) {
		struct kid k = KID(ks, i);
		if ((k.kind == K_except_clause || k.kind == K_except_group_clause) && is_star_handler(c, k.node))
			star = true;
		else if (k.kind == K_else_clause)
			orelse = k.node;
		else if (k.kind == K_finally_clause)
			final = k.node;
	}
	begin(c, star ? AST_TryStar : AST_Try);
	stmt_pos(c, n);
	body(c, "body", field(n, F.body));
	key(c, "handlers");
	jw_array_begin(c->w);
	for (size_t i = 0; i < ks.n; i++)
		if (KID(ks, i).kind == K_except_clause || KID(ks, i).kind == K_except_group_clause)
			handler(c, KID(ks, i).node);
	jw_array_end(c->w);
	else_body(c, "orelse", orelse);
	body(c, "finalbody", ts_node_is_null(final) ? final : block_of(c, final));
	end(c);
	kids_done(c, ks);
}

static void with_stmt(struct conv *c, TSNode n)
{
	TSNode clause = { 0 };
	struct kids ks = kids_of(c, n, true);
	for (size_t i = 0; i < ks.n; i++)
		if (KID(ks, i).kind == K_with_clause)
			clause = KID(ks, i).node;
	kids_done(c, ks);
	begin(c, has_token(c, n, "async") ? AST_AsyncWith : AST_With);
	stmt_pos(c, n);
	key(c, "items");
	jw_array_begin(c->w);
	struct kids items = kids_of(c, clause, true);
	for (size_t i = 0; i < items.n; i++) {
		TSNode item = KID(items, i).node;
		if (KID(items, i).kind != K_with_item || !enter(c, item))
			continue;
		TSNode value = field(item, F.value), target = { 0 };
		/* `with (a as b):`, one item in parentheses, arrives as a parenthesised as_pattern */
		if (kind(unparen(c, value)) == K_as_pattern)
			value = unparen(c, value);
		if (kind(value) == K_as_pattern) {
			target = field(value, F.alias);
			value = first_named(c, value);
		}
		begin(c, AST_withitem);
		kv_expr(c, "context_expr", value, LOAD);
		kv_expr(c, "optional_vars", target, STORE);
		end(c);
		leave(c);
	}
	kids_done(c, items);
	jw_array_end(c->w);
	body(c, "body", field(n, F.body));
	end(c);
}

static void decorators(struct conv *c, TSNode decorated)
{
	key(c, "decorator_list");
	jw_array_begin(c->w);
	struct kids ks = kids_of(c, decorated, true);
	for (size_t i = 0; i < ks.n; i++)
		if (KID(ks, i).kind == K_decorator)
			expr(c, first_named(c, KID(ks, i).node), LOAD);
	kids_done(c, ks);
	jw_array_end(c->w);
}

static void funcdef(struct conv *c, TSNode n, TSNode decorated)
{
	begin(c, has_token(c, n, "async") ? AST_AsyncFunctionDef : AST_FunctionDef);
	stmt_pos(c, n);
	name_text(c, "name", field(n, F.name));
	key(c, "args");
	arguments(c, field(n, F.parameters));
	body(c, "body", field(n, F.body));
	decorators(c, decorated);
	kv_expr(c, "returns", first_named(c, field(n, F.return_type)), LOAD);
	end(c);
}

static void classdef(struct conv *c, TSNode n, TSNode decorated)
{
	begin(c, AST_ClassDef);
	stmt_pos(c, n);
	name_text(c, "name", field(n, F.name));
	call_args(c, field(n, F.superclasses), "bases");
	body(c, "body", field(n, F.body));
	decorators(c, decorated);
	end(c);
}

static void print_stmt(struct conv *c, TSNode n)
{
	struct kids ks = kids_of(c, n, false);
	TSNode dest = { 0 };
	bool nl = true;
	for (size_t i = 0; i < ks.n; i++) {
		if (KID(ks, i).kind == K_chevron)
			dest = first_named(c, KID(ks, i).node);
		nl = !is_token(KID(ks, i).node, ",");	/* `print x,` keeps the line open */
	}
	begin_at(c, AST_Print, n);
	kv_expr(c, "dest", dest, LOAD);
	key(c, "values");
	expr_array(c, ks, F.argument, false, LOAD);
	key(c, "nl");
	jw_bool(c->w, nl);
	end(c);
	kids_done(c, ks);
}

static void exec_stmt(struct conv *c, TSNode n)
{
	struct kids ks = kids_of(c, n, true);
	TSNode part[2] = { 0 };
	size_t np = 0;
	for (size_t i = 0; i < ks.n; i++)
		if (KID(ks, i).field != F.code && np < 2)
			part[np++] = KID(ks, i).node;
	kids_done(c, ks);
	begin_at(c, AST_Exec, n);
	kv_expr(c, "body", field(n, F.code), LOAD);
	kv_expr(c, "globals", part[0], LOAD);
	kv_expr(c, "locals", part[1], LOAD);
	end(c);
}

static void match_stmt(struct conv *c, TSNode n);

/*
 * The grammar reads `type(x).attr = v` as a 3.12 type alias of `(x).attr`.  Rebuild the
 * target: the leftmost parenthesised part right after `type` is the call type(...).
 */
static void type_call_target(struct conv *c, TSNode kw, TSNode n, enum ctx ctx)
{
	if (!enter(c, n))
		return;
	TSPoint s = start_pt(c, kw), e = end_pt(c, n);
	switch (kind(n)) {
	case K_attribute:
	case K_subscript:
		begin(c, kind(n) == K_attribute ? AST_Attribute : AST_Subscript);
		span(c, s, e);
		key(c, "value");
		type_call_target(c, kw, accessed(n), LOAD);
		access_end(c, n, ctx);
		break;
	case K_call:
		begin(c, AST_Call);
		span(c, s, e);
		key(c, "func");
		type_call_target(c, kw, field(n, F.function), LOAD);
		call_args(c, field(n, F.arguments), "args");
		end(c);
		break;
	default:	/* `(x)` or `(x, y)`: the arguments of type() */
		begin(c, AST_Call);
		span(c, s, e);
		key(c, "func");
		begin_at(c, AST_Name, kw);
		jw_kv_cstring(c->w, "id", "type");
		tag(c, "ctx", AST_Load);
		end(c);
		key(c, "args");
		items_array(c, n, K_tuple, LOAD);
		empty_list(c, "keywords");
		end(c);
		break;
	}
	leave(c);
}

static void type_call_assign(struct conv *c, TSNode n, TSNode target)
{
	struct kids ks = kids_of(c, n, false);
	TSNode kw = ks.n ? KID(ks, 0).node : n;
	kids_done(c, ks);
	begin_at(c, AST_Assign, n);
	key(c, "targets");
	jw_array_begin(c->w);
	type_call_target(c, kw, target, STORE);
	jw_array_end(c->w);
	kv_expr(c, "value", first_named(c, field(n, F.right)), LOAD);
	end(c);
}

/*
 * One statement of any kind, `enter` passed: simple statements are written here, compound
 * ones (if, for, while, try, with, def, class, match) and Python 2's print and exec by
 * their own functions; an ERROR node keeps the statements tree-sitter still recognised.
 */
static void stmt_node(struct conv *c, TSNode n)
{
	/* Statements written by a function of their own and nothing else. */
	static void (*const own[K_COUNT])(struct conv *, TSNode) = {
		[K_expression_statement] = expression_statement, [K_import_statement] = import_stmt,
		[K_import_from_statement] = import_stmt, [K_future_import_statement] = import_stmt,
		[K_try_statement] = try_stmt, [K_with_statement] = with_stmt,
		[K_match_statement] = match_stmt, [K_print_statement] = print_stmt,
		[K_exec_statement] = exec_stmt,
	};
	TSNode x, decorated = { 0 };
	if (own[kind(n)]) {
		own[kind(n)](c, n);
		return;
	}
	switch (kind(n)) {
	case K_pass_statement:
	case K_break_statement:
	case K_continue_statement:
		begin_at(c, kind(n) == K_pass_statement ? AST_Pass :
			    kind(n) == K_break_statement ? AST_Break : AST_Continue, n);
		end(c);
		return;
	case K_return_statement:
		begin_at(c, AST_Return, n);
		kv_expr(c, "value", only_expr(c, n, 0), LOAD);
		end(c);
		return;
	case K_delete_statement: {
		/* `del a, b` has two targets, not one Tuple. */
		x = only_expr(c, n, 0);
		begin_at(c, AST_Delete, n);
		key(c, "targets");
		items_array(c, x, K_expression_list, DEL);
		end(c);
		return;
	}
	case K_raise_statement:
		begin_at(c, AST_Raise, n);
		kv_expr(c, "exc", only_expr(c, n, F.cause), LOAD);
		kv_expr(c, "cause", field(n, F.cause), LOAD);
		end(c);
		return;
	case K_assert_statement: {
		struct kids ks = kids_of(c, n, true);
		begin_at(c, AST_Assert, n);
		kv_expr(c, "test", kid_at(c, ks, 0), LOAD);
		kv_expr(c, "msg", kid_at(c, ks, 1), LOAD);
		end(c);
		kids_done(c, ks);
		return;
	}
	case K_global_statement:
	case K_nonlocal_statement: {
		struct kids ks = kids_of(c, n, true);
		begin_at(c, kind(n) == K_global_statement ? AST_Global : AST_Nonlocal, n);
		key(c, "names");
		jw_array_begin(c->w);
		for (size_t i = 0; i < ks.n; i++)
			ident_node(c, KID(ks, i).node);
		jw_array_end(c->w);
		end(c);
		kids_done(c, ks);
		return;
	}
	case K_if_statement: {
		struct kids alts = kids_of(c, n, true);
		size_t nalts = 0;
		/* keep only the elif/else clauses, in order, at the top of the pool */
		for (size_t i = 0; i < alts.n; i++)
			if (KID(alts, i).field == F.alternative)
				c->pool[alts.base + nalts++] = KID(alts, i);
		c->pool_len = alts.base + nalts;
		alts.n = nalts;
		if_chain(c, n, last_token_end(c, n), field(n, F.condition), field(n, F.consequence), alts, 0);
		kids_done(c, alts);
		return;
	}
	case K_for_statement:
	case K_while_statement:	/* the loop's head, its body, its `else` */
		begin(c, kind(n) == K_while_statement ? AST_While :
			 has_token(c, n, "async") ? AST_AsyncFor : AST_For);
		stmt_pos(c, n);
		if (kind(n) == K_while_statement) {
			kv_expr(c, "test", field(n, F.condition), LOAD);
		} else {
			kv_expr(c, "target", field(n, F.left), STORE);
			kv_expr(c, "iter", field(n, F.right), LOAD);
		}
		body(c, "body", field(n, F.body));
		else_body(c, "orelse", field(n, F.alternative));
		end(c);
		return;
	case K_decorated_definition:
	case K_function_definition:
	case K_class_definition:
		x = n;
		if (kind(n) == K_decorated_definition) {
			decorated = n;
			x = field(n, F.definition);
		}
		if (kind(x) == K_class_definition)
			classdef(c, x, decorated);
		else if (kind(x) == K_function_definition)
			funcdef(c, x, decorated);
		else
			break;
		return;
	case K_type_alias_statement:
		x = first_named(c, field(n, F.left));
		if (kind(x) != K_identifier && kind(x) != K_generic_type) {
			type_call_assign(c, n, x);
			return;
		}
		/* Python 3.12 `type X = ...`, as 3.12's TypeAlias (no type parameters kept). */
		begin_at(c, AST_TypeAlias, n);
		kv_expr(c, "name", first_named(c, field(n, F.left)), STORE);
		empty_list(c, "type_params");
		kv_expr(c, "value", first_named(c, field(n, F.right)), LOAD);
		end(c);
		return;
	case K_ERROR:
		/* What tree-sitter could not parse; statements it still recognised inside are kept. */
		begin_at(c, AST_Error, n);
		key(c, "body");
		stmt_list(c, n);
		end(c);
		return;
	default:
		break;
	}
	error_expr(c, n);
}

static void stmt(struct conv *c, TSNode n)
{
	if (!enter(c, n))
		return;
	stmt_node(c, n);
	leave(c);
}

/* ---- match patterns ---- */

/* `a.b.c` (a dotted_name's identifiers kids[0..last]) as nested Attribute over a Name. */
static void attr_chain(struct conv *c, struct kids ids, size_t last)
{
	TSNode id = KID(ids, last).node;
	if (!enter(c, id))
		return;
	if (last == 0) {
		begin_at(c, AST_Name, id);
		name_text(c, "id", id);
	} else {
		begin(c, AST_Attribute);
		span(c, start_pt(c, KID(ids, 0).node), end_pt(c, id));
		key(c, "value");
		attr_chain(c, ids, last - 1);
		name_text(c, "attr", id);
	}
	tag(c, "ctx", AST_Load);
	end(c);
	leave(c);
}

/* A value expression inside a pattern: a dotted name, a literal, `-1`, `1+2j`. */
static void pattern_value(struct conv *c, TSNode n, TSNode minus)
{
	if (!ts_node_is_null(minus)) {	/* `-1`: the minus is a sibling token in patterns */
		if (!enter(c, minus))
			return;
		begin(c, AST_UnaryOp);
		span(c, start_pt(c, minus), end_pt(c, n));
		tag(c, "op", AST_USub);
		key(c, "operand");
		pattern_value(c, n, (TSNode){ 0 });
		end(c);
		leave(c);
		return;
	}
	if (kind(n) == K_dotted_name) {
		struct kids ids = kids_of(c, n, true);
		if (ids.n)
			attr_chain(c, ids, ids.n - 1);
		else
			jw_null(c->w);
		kids_done(c, ids);
		return;
	}
	if (kind(n) == K_complex_pattern) {
		/* [-] real (+|-) imag */
		struct kids ks = kids_of(c, n, false);
		TSNode lminus = { 0 }, real = { 0 }, imag = { 0 };
		const char *op = "+";
		for (size_t i = 0; i < ks.n; i++) {
			TSNode k = KID(ks, i).node;
			if (KID(ks, i).named)
				ts_node_is_null(real) ? (void)(real = k) : (void)(imag = k);
			else if (ts_node_is_null(real))
				lminus = k;
			else
				op = token(k);
		}
		kids_done(c, ks);
		if (!enter(c, n))
			return;
		begin_at(c, AST_BinOp, n);
		key(c, "left");
		pattern_value(c, real, lminus);
		tag(c, "op", op_kind(op, false));
		kv_expr(c, "right", imag, LOAD);
		end(c);
		leave(c);
		return;
	}
	expr(c, n, LOAD);
}

static void pattern_items(struct conv *c, struct kids ks, size_t from, size_t to, TSPoint s, TSPoint e);

/* Patterns separated by `|` (a union) or `,` (a sequence), as a JSON array. */
static void pattern_list_of(struct conv *c, struct kids ks, const char *sep)
{
	jw_array_begin(c->w);
	size_t from = 0;
	for (size_t i = 0; i <= ks.n; i++) {
		if (i < ks.n && !is_token(KID(ks, i).node, sep))
			continue;
		if (i > from)
			pattern_items(c, ks, from, i, start_pt(c, KID(ks, from).node),
				      end_pt(c, KID(ks, i - 1).node));
		from = i + 1;
	}
	jw_array_end(c->w);
}

static void match_as(struct conv *c, TSPoint s, TSPoint e, TSNode sub, TSNode name)
{
	begin(c, AST_MatchAs);
	span(c, s, e);
	key(c, "pattern");
	ts_node_is_null(sub) ? jw_null(c->w) : pattern(c, sub);
	key(c, "name");
	ident_node(c, name);
	end(c);
}

static void pattern_node(struct conv *c, TSNode n)
{
	struct kids ks;
	TSNode inner;
	switch (kind(n)) {
	case K_identifier:
		match_as(c, start_pt(c, n), end_pt(c, n), (TSNode){ 0 }, n);
		return;
	case K_dotted_name:
		ks = kids_of(c, n, true);
		if (ks.n == 1) {	/* a bare name captures */
			inner = KID(ks, 0).node;
			kids_done(c, ks);
			match_as(c, start_pt(c, n), end_pt(c, n), (TSNode){ 0 }, inner);
			return;
		}
		kids_done(c, ks);
		break;	/* a dotted name is a value */
	case K_none:
	case K_true:
	case K_false:
		begin_at(c, AST_MatchSingleton, n);
		key(c, "value");
		jw_raw_value(c->w, kind(n) == K_none ? "null" : kind(n) == K_true ? "true" : "false",
			     kind(n) == K_false ? 5 : 4);
		end(c);
		return;
	case K_tuple_pattern:
		if (is_grouping(c, n, &inner)) {
			leave(c);
			pattern(c, inner);
			c->depth++;
			return;
		}
		/* fall through */
	case K_list_pattern:
		ks = kids_of(c, n, false);
		/* drop the brackets: only patterns and commas stay in the list */
		begin_at(c, AST_MatchSequence, n);
		key(c, "patterns");
		{
			size_t keep = 0;
			for (size_t i = 0; i < ks.n; i++)
				if (KID(ks, i).named || is_token(KID(ks, i).node, ",") ||
				    is_token(KID(ks, i).node, "-") || is_token(KID(ks, i).node, "_"))
					c->pool[ks.base + keep++] = KID(ks, i);
			c->pool_len = ks.base + keep;
			ks.n = keep;
		}
		pattern_list_of(c, ks, ",");
		end(c);
		kids_done(c, ks);
		return;
	case K_union_pattern:
		ks = kids_of(c, n, false);
		begin_at(c, AST_MatchOr, n);
		key(c, "patterns");
		pattern_list_of(c, ks, "|");
		end(c);
		kids_done(c, ks);
		return;
	case K_splat_pattern:
		if (has_token(c, n, "**"))
			break;
		ks = kids_of(c, n, false);
		inner = (TSNode){ 0 };
		for (size_t i = 0; i < ks.n; i++)
			if (KID(ks, i).kind == K_identifier)
				inner = KID(ks, i).node;
		kids_done(c, ks);
		begin_at(c, AST_MatchStar, n);
		key(c, "name");
		ident_node(c, inner);
		end(c);
		return;
	case K_as_pattern: {
		ks = kids_of(c, n, true);
		TSNode sub = ks.n > 0 ? KID(ks, 0).node : (TSNode){ 0 };
		TSNode name = ks.n > 1 ? KID(ks, ks.n - 1).node : (TSNode){ 0 };
		kids_done(c, ks);
		if (kind(name) == K_as_pattern_target)
			name = first_named(c, name);
		match_as(c, start_pt(c, n), end_pt(c, n), sub, name);
		return;
	}
	case K_class_pattern: {
		ks = kids_of(c, n, true);
		begin_at(c, AST_MatchClass, n);
		key(c, "cls");
		ks.n ? pattern_value(c, KID(ks, 0).node, (TSNode){ 0 }) : jw_null(c->w);
		/* Arguments: positional patterns, then `name=pattern` keyword patterns. */
		for (int pass = 0; pass < 3; pass++) {
			key(c, pass == 0 ? "patterns" : pass == 1 ? "kwd_attrs" : "kwd_patterns");
			jw_array_begin(c->w);
			for (size_t i = 1; i < ks.n; i++) {
				TSNode a = KID(ks, i).node, kw = first_named(c, a);
				bool is_kw = kind(kw) == K_keyword_pattern;
				if (pass == 0 && !is_kw) {
					pattern(c, a);
				} else if (pass > 0 && is_kw) {
					struct kids kk = kids_of(c, kw, false);
					if (pass == 1 && kk.n) {
						ident_node(c, KID(kk, 0).node);
					} else if (pass == 2 && kk.n > 2) {
						pattern_items(c, kk, 2, kk.n, start_pt(c, KID(kk, 2).node),
							      end_pt(c, KID(kk, kk.n - 1).node));
					}
					kids_done(c, kk);
				}
			}
			jw_array_end(c->w);
		}
		end(c);
		kids_done(c, ks);
		return;
	}
	case K_dict_pattern: {
		ks = kids_of(c, n, false);
		begin_at(c, AST_MatchMapping, n);
		key(c, "keys");
		jw_array_begin(c->w);
		TSNode minus = { 0 };
		for (size_t i = 0; i < ks.n; i++) {
			struct kid k = KID(ks, i);
			if (k.field != F.key)
				continue;
			if (!k.named) {
				minus = k.node;
				continue;
			}
			pattern_value(c, k.node, minus);
			minus = (TSNode){ 0 };
		}
		jw_array_end(c->w);
		key(c, "patterns");
		jw_array_begin(c->w);
		for (size_t i = 0; i < ks.n; i++)
			if (KID(ks, i).field == F.value)
				pattern(c, KID(ks, i).node);
		jw_array_end(c->w);
		key(c, "rest");
		inner = (TSNode){ 0 };
		for (size_t i = 0; i < ks.n; i++)
			if (KID(ks, i).kind == K_splat_pattern && KID(ks, i).field != F.key)
				inner = first_named(c, KID(ks, i).node);
		ident_node(c, inner);
		end(c);
		kids_done(c, ks);
		return;
	}
	case K_keyword_pattern:
	case K_ERROR:
		error_expr(c, n);
		return;
	default:
		break;
	}
	/* Literals, dotted names, complex numbers: the pattern matches a value. */
	begin_at(c, AST_MatchValue, n);
	key(c, "value");
	pattern_value(c, n, (TSNode){ 0 });
	end(c);
}

/* Strip case_pattern wrappers without recursion; a wrapper holding tokens is kept. */
static TSNode unwrap_case_pattern(struct conv *c, TSNode n, struct kids *tokens_out)
{
	while (kind(n) == K_case_pattern) {
		struct kids ks = kids_of(c, n, false);
		if (ks.n == 1 && KID(ks, 0).named) {
			n = KID(ks, 0).node;
			kids_done(c, ks);
			continue;
		}
		*tokens_out = ks;	/* `_` or `- 1`: the caller reads these and releases them */
		return n;
	}
	return n;
}

static void pattern(struct conv *c, TSNode n)
{
	if (ts_node_is_null(n)) {
		jw_null(c->w);
		return;
	}
	struct kids tokens = { c->pool_len, 0 };
	n = unwrap_case_pattern(c, n, &tokens);
	if (tokens.n) {
		pattern_items(c, tokens, 0, tokens.n, start_pt(c, n), end_pt(c, n));
		kids_done(c, tokens);
		return;
	}
	if (!enter(c, n))
		return;
	pattern_node(c, n);
	leave(c);
}

/* One pattern written as a few sibling tokens: `_`, `-1`, or just one node. */
static void pattern_items(struct conv *c, struct kids ks, size_t from, size_t to, TSPoint s, TSPoint e)
{
	TSNode minus = { 0 }, node = { 0 };
	bool wildcard = false;
	for (size_t i = from; i < to; i++) {
		struct kid k = KID(ks, i);
		if (k.named)
			node = k.node;
		else if (is_token(k.node, "-"))
			minus = k.node;
		else if (is_token(k.node, "_"))
			wildcard = true;
	}
	if (ts_node_is_null(minus) && !ts_node_is_null(node)) {
		pattern(c, node);
		return;
	}
	TSNode at = !ts_node_is_null(minus) ? minus : KID(ks, from).node;
	if (!enter(c, at))
		return;
	if (wildcard && ts_node_is_null(node)) {
		match_as(c, s, e, (TSNode){ 0 }, (TSNode){ 0 });
	} else if (!ts_node_is_null(node)) {
		begin(c, AST_MatchValue);
		span(c, s, e);
		key(c, "value");
		pattern_value(c, node, minus);
		end(c);
	} else {
		error_expr(c, at);
	}
	leave(c);
}

static void match_stmt(struct conv *c, TSNode n)
{
	struct kids ks = kids_of(c, n, false);
	size_t nsubj = 0, first = 0;
	TSPoint subj_end = { 0 };
	for (size_t i = 0; i < ks.n; i++) {
		if (KID(ks, i).field == F.subject) {
			if (!nsubj++)
				first = i;
			subj_end = end_pt(c, KID(ks, i).node);
		} else if (nsubj && is_token(KID(ks, i).node, ",")) {
			subj_end = end_pt(c, KID(ks, i).node);
		}
	}
	begin(c, AST_Match);
	stmt_pos(c, n);
	key(c, "subject");
	if (nsubj == 1 && !has_token(c, n, ",")) {
		expr(c, KID(ks, first).node, LOAD);
	} else if (nsubj && enter(c, n)) {	/* `match a, b:` matches a Tuple */
		load_tuple(c, ks, F.subject, false, start_pt(c, KID(ks, first).node), subj_end);
		leave(c);
	} else if (!nsubj) {
		jw_null(c->w);
	}
	kids_done(c, ks);

	key(c, "cases");
	jw_array_begin(c->w);
	struct kids cases = kids_of(c, field(n, F.body), true);
	for (size_t i = 0; i < cases.n; i++) {
		TSNode cc = KID(cases, i).node;
		if (KID(cases, i).kind != K_case_clause || !enter(c, cc))
			continue;
		begin(c, AST_match_case);
		key(c, "pattern");
		struct kids parts = kids_of(c, cc, false);
		size_t np = 0, pfirst = 0, plast = 0;
		bool comma = false;
		for (size_t j = 0; j < parts.n; j++) {
			if (KID(parts, j).kind == K_case_pattern) {
				if (!np++)
					pfirst = j;
				plast = j;
			} else if (np && is_token(KID(parts, j).node, ",")) {
				comma = true;
				plast = j;
			}
		}
		if (np == 1 && !comma) {
			pattern(c, KID(parts, pfirst).node);
		} else if (np && enter(c, cc)) {	/* `case a, *rest:` is a sequence */
			begin(c, AST_MatchSequence);
			span(c, start_pt(c, KID(parts, pfirst).node), end_pt(c, KID(parts, plast).node));
			key(c, "patterns");
			jw_array_begin(c->w);
			for (size_t j = 0; j < parts.n; j++)
				if (KID(parts, j).kind == K_case_pattern)
					pattern(c, KID(parts, j).node);
			jw_array_end(c->w);
			end(c);
			leave(c);
		} else if (!np) {
			jw_null(c->w);
		}
		kids_done(c, parts);
		key(c, "guard");
		TSNode guard = field(cc, F.guard);
		expr(c, ts_node_is_null(guard) ? guard : first_named(c, guard), LOAD);
		body(c, "body", field(cc, F.consequence));
		end(c);
		leave(c);
	}
	kids_done(c, cases);
	jw_array_end(c->w);
	end(c);
}

/* ---- the module ---- */

/* The first ERROR or MISSING node in source order, found without recursion. */
static TSNode first_error(struct conv *c, TSNode root)
{
	TSNode n = root;
	for (;;) {
		if (is_error(n) || ts_node_is_missing(n))
			return n;
		TSNode next = error_child(c, n, true);
		if (ts_node_is_null(next))
			return n;
		n = next;
	}
}

void convert_begin(struct jsonw *w)
{
	jw_object_begin(w);
	jw_kv_cstring(w, "_type", ast_kind_name(AST_Module));
	jw_key(w, "body");
	jw_array_begin(w);
}

void convert_end(struct jsonw *w)
{
	jw_array_end(w);
	jw_key(w, "type_ignores");
	jw_array_begin(w);
	jw_array_end(w);
	jw_object_end(w);
}

void convert_stmts(const TSTree *tree, const struct convert_source *cs,
		   const struct convert_limits *lim, struct jsonw *w, struct pyparse_report *res)
{
	char base;
	TSNode root = ts_tree_root_node(tree);
	struct conv c = { .src = cs->src, .len = cs->len, .w = w, .max_depth = lim->max_depth,
			  .res = res, .stack_base = (uintptr_t)&base, .stack_budget = lim->stack_budget,
			  .deadline = lim->deadline, .line_starts = cs->line_starts, .nlines = cs->nlines };
	c.cur = ts_tree_cursor_new(root);
	if (ts_node_has_error(root) && !res->syntax_error) {
		TSNode e = first_error(&c, root);
		res->syntax_error = true;
		res->error_line = start_pt(&c, e).row + 1;
		res->error_col = start_pt(&c, e).column;
	}
	if (kind(root) == K_module) {
		struct kids ks = kids_of(&c, root, true);
		for (size_t i = 0; i < ks.n; i++)
			stmt_item(&c, root, c.pool[ks.base + i]);
		kids_done(&c, ks);
	} else {	/* the whole text is one ERROR node */
		stmt(&c, root);
	}
	ts_tree_cursor_delete(&c.cur);
	free(c.pool);
}
