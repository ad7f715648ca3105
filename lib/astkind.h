/* astkind.h: the AST vocabulary: one enum of node kinds, generated from one list of `_type` names. */
#ifndef AURA_ASTKIND_H
#define AURA_ASTKIND_H

#include <stddef.h>

/*
 * Every `_type` aura-parse writes (docs/ast.md): the classes of CPython's `ast` module the
 * converter (lib/pyparse/pyparse_convert.c) emits, then Aura's extension nodes.  X(name, class):
 * `name` is the `_type` string exactly as written (so `keyword`, `arg` stay lower case, as
 * in `ast`), `class` the abstract `ast` class it belongs to.  Adding a node type is one line
 * here; the enum, the name table and the lookup follow.  The converter writes these names
 * as string literals today; it can include this list to take them from here.
 */
#define AST_KIND_LIST(X) \
	/* mod */ \
	X(Module, MOD) \
	/* stmt */ \
	X(FunctionDef, STMT) X(AsyncFunctionDef, STMT) X(ClassDef, STMT) X(Return, STMT) \
	X(Delete, STMT) X(Assign, STMT) X(TypeAlias, STMT) X(AugAssign, STMT) \
	X(AnnAssign, STMT) X(For, STMT) X(AsyncFor, STMT) X(While, STMT) X(If, STMT) \
	X(With, STMT) X(AsyncWith, STMT) X(Match, STMT) X(Raise, STMT) X(Try, STMT) \
	X(TryStar, STMT) X(Assert, STMT) X(Import, STMT) X(ImportFrom, STMT) \
	X(Global, STMT) X(Nonlocal, STMT) X(Expr, STMT) X(Pass, STMT) X(Break, STMT) \
	X(Continue, STMT) \
	/* expr */ \
	X(BoolOp, EXPR) X(NamedExpr, EXPR) X(BinOp, EXPR) X(UnaryOp, EXPR) X(Lambda, EXPR) \
	X(IfExp, EXPR) X(Dict, EXPR) X(Set, EXPR) X(ListComp, EXPR) X(SetComp, EXPR) \
	X(DictComp, EXPR) X(GeneratorExp, EXPR) X(Await, EXPR) X(Yield, EXPR) \
	X(YieldFrom, EXPR) X(Compare, EXPR) X(Call, EXPR) X(FormattedValue, EXPR) \
	X(JoinedStr, EXPR) X(Constant, EXPR) X(Attribute, EXPR) X(Subscript, EXPR) \
	X(Starred, EXPR) X(Name, EXPR) X(List, EXPR) X(Tuple, EXPR) X(Slice, EXPR) \
	/* expr_context */ \
	X(Load, CTX) X(Store, CTX) X(Del, CTX) \
	/* boolop, operator, unaryop, cmpop */ \
	X(And, BOOLOP) X(Or, BOOLOP) \
	X(Add, OPERATOR) X(Sub, OPERATOR) X(Mult, OPERATOR) X(MatMult, OPERATOR) \
	X(Div, OPERATOR) X(Mod, OPERATOR) X(Pow, OPERATOR) X(LShift, OPERATOR) \
	X(RShift, OPERATOR) X(BitOr, OPERATOR) X(BitXor, OPERATOR) X(BitAnd, OPERATOR) \
	X(FloorDiv, OPERATOR) \
	X(Invert, UNARYOP) X(Not, UNARYOP) X(UAdd, UNARYOP) X(USub, UNARYOP) \
	X(Eq, CMPOP) X(NotEq, CMPOP) X(Lt, CMPOP) X(LtE, CMPOP) X(Gt, CMPOP) X(GtE, CMPOP) \
	X(Is, CMPOP) X(IsNot, CMPOP) X(In, CMPOP) X(NotIn, CMPOP) \
	/* the helper classes */ \
	X(comprehension, HELPER) X(ExceptHandler, HELPER) X(arguments, HELPER) \
	X(arg, HELPER) X(keyword, HELPER) X(alias, HELPER) X(withitem, HELPER) \
	X(match_case, HELPER) \
	/* pattern */ \
	X(MatchValue, PATTERN) X(MatchSingleton, PATTERN) X(MatchSequence, PATTERN) \
	X(MatchMapping, PATTERN) X(MatchClass, PATTERN) X(MatchStar, PATTERN) \
	X(MatchAs, PATTERN) X(MatchOr, PATTERN) \
	/* Aura's extensions: Python 2 syntax, unparsed source, cut nesting (docs/ast.md) */ \
	X(Print, STMT) X(Exec, STMT) X(Repr, EXPR) X(Error, STMT) X(Truncated, EXTENSION)

/*
 * AST_NONE: not a node (a scalar, an array, or an object without a string `_type`, such as
 * `{"$bytes": ...}`).  AST_UNKNOWN: an object whose `_type` is not in the list (a newer
 * parser, a hand-made tree): walk its children, dispatch on nothing.
 */
enum ast_kind {
	AST_NONE,
	AST_UNKNOWN,
#define AST_KIND_ENUM(name, class) AST_##name,
	AST_KIND_LIST(AST_KIND_ENUM)
#undef AST_KIND_ENUM
	AST_KIND_COUNT
};

enum ast_class {
	AST_CLASS_NONE, AST_CLASS_MOD, AST_CLASS_STMT, AST_CLASS_EXPR, AST_CLASS_CTX,
	AST_CLASS_BOOLOP, AST_CLASS_OPERATOR, AST_CLASS_UNARYOP, AST_CLASS_CMPOP,
	AST_CLASS_HELPER, AST_CLASS_PATTERN, AST_CLASS_EXTENSION,
};

/* The kind named `name` (n bytes, no NUL needed); AST_UNKNOWN when it is not a node type. */
enum ast_kind ast_kind_from_name(const char *name, size_t n);
/* The `_type` string of a kind ("Call"); "" for AST_NONE and AST_UNKNOWN. */
const char *ast_kind_name(enum ast_kind k);
/* Its length in bytes (strlen of ast_kind_name). */
size_t ast_kind_name_len(enum ast_kind k);
/* The abstract `ast` class of a kind (statement, expression, operator, ...). */
enum ast_class ast_kind_class(enum ast_kind k);

#endif
