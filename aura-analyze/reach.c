/* reach.c: which module-level functions and methods run when the module's top level runs. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "astwalk.h"
#include "detect.h"
#include "err.h"
#include "reach.h"

#define CHAIN_MAX 6		/* callers named in a chain before "…" */

struct def {
	const json_t *node;
	const char *name;
	int cls;		/* index in classes, -1 for a module-level function */
	int caller;		/* the def whose body reaches this one; -1: top-level code */
	const char *registrar;	/* `@bot.message_handler(...)`: the object it is registered on */
	bool live;
};

struct cls {
	const json_t *node;
	const char *name;
};

struct reach {
	struct def *defs;
	size_t ndefs, capdefs;
	struct cls *classes;
	size_t nclasses, capclasses;
	json_t *funcs;		/* name -> [def index...] of module-level functions */
	json_t *class_index;	/* name -> [class index...] */
	json_t *objects;	/* names module code assigns (bot = TeleBot(...)): handlers' owners */
	size_t nregistered;	/* defs with a registrar: none, and no def is a handler */
	int *work;		/* defs made live, not yet scanned */
	bool main_runs;		/* `if __name__ == '__main__':` runs with the top level (setup.py) */
	struct tree_guard *guard;	/* the tree's depth guard (detect.h): a cut is reported */
	size_t nwork;
};

static bool is_def(const json_t *n)
{
	return ast_is(n, AST_FunctionDef) || ast_is(n, AST_AsyncFunctionDef);
}

static void index_add(json_t *index, const char *name, size_t i)
{
	json_t *list = json_object_get(index, name);
	if (!list) {
		list = json_array();
		json_object_set_new(index, name, list);
	}
	json_array_append_new(list, json_integer((json_int_t)i));
}

/*
 * The object a decorator registers a function on as an event handler: `bot` of
 * `@bot.message_handler(commands=["start"])`, `@client.event`, `@app.route("/")`.  Its
 * event loop (loop_starters) calls the function; NULL for any other decorator.
 */
static const char *registrar_of(const json_t *def)
{
	size_t i;
	json_t *d;
	json_array_foreach(json_object_get(def, "decorator_list"), i, d) {
		const json_t *f = ast_is(d, AST_Call) ? json_object_get(d, "func") : d;
		const json_t *value = ast_is(f, AST_Attribute) ? json_object_get(f, "value") : NULL;
		if (ast_is(value, AST_Name))
			return json_string_value(json_object_get(value, "id"));
	}
	return NULL;
}

static void add_def(struct reach *r, const json_t *node, int cls)
{
	const char *name = json_string_value(json_object_get(node, "name"));
	if (!name)
		return;
	if (r->ndefs == r->capdefs) {	/* grows with the file: no def is left out */
		r->capdefs = r->capdefs ? 2 * r->capdefs : 64;
		r->defs = xrealloc(r->defs, r->capdefs * sizeof *r->defs);
	}
	r->defs[r->ndefs] = (struct def){ .node = node, .name = name, .cls = cls, .caller = -1,
					  .registrar = cls < 0 ? registrar_of(node) : NULL };
	r->nregistered += r->defs[r->ndefs].registrar != NULL;
	if (cls < 0)
		index_add(r->funcs, name, r->ndefs);
	r->ndefs++;
}

/* `bot = telebot.TeleBot(token)`, `app: Flask = Flask(__name__)`: an object the module builds. */
static void note_assigned(struct reach *r, const json_t *stmt)
{
	const json_t *targets = ast_is(stmt, AST_Assign) ? json_object_get(stmt, "targets") : NULL;
	size_t i;
	json_t *t;
	json_array_foreach(targets, i, t)
		if (ast_is(t, AST_Name))
			json_object_set_new(r->objects, json_string_value(json_object_get(t, "id")), json_true());
	const json_t *target = ast_is(stmt, AST_AnnAssign) ? json_object_get(stmt, "target") : NULL;
	if (ast_is(target, AST_Name) && json_object_get(stmt, "value"))
		json_object_set_new(r->objects, json_string_value(json_object_get(target, "id")), json_true());
}

/* Defs and classes of a module body, also under if/try/with/for/while (not inside defs). */
static void collect_body(struct reach *r, const json_t *body, int depth)
{
	if (!json_is_array(body) || !tree_guard_ok(r->guard, depth))
		return;
	size_t i;
	json_t *stmt;
	json_array_foreach(body, i, stmt) {
		if (is_def(stmt)) {
			add_def(r, stmt, -1);
		} else if (ast_is(stmt, AST_ClassDef)) {
			const char *name = json_string_value(json_object_get(stmt, "name"));
			if (!name)
				continue;
			if (r->nclasses == r->capclasses) {
				r->capclasses = r->capclasses ? 2 * r->capclasses : 16;
				r->classes = xrealloc(r->classes, r->capclasses * sizeof *r->classes);
			}
			int ci = (int)r->nclasses++;
			r->classes[ci] = (struct cls){ .node = stmt, .name = name };
			index_add(r->class_index, name, (size_t)ci);
			size_t j;
			json_t *m;
			json_array_foreach(json_object_get(stmt, "body"), j, m)
				if (is_def(m))
					add_def(r, m, ci);
		} else {
			note_assigned(r, stmt);
			static const char *const blocks[] = { "body", "orelse", "finalbody", "handlers" };
			for (size_t k = 0; k < 4; k++) {
				json_t *b = json_object_get(stmt, blocks[k]);
				if (k == 3) {	/* except handlers: their bodies */
					size_t h;
					json_t *handler;
					json_array_foreach(b, h, handler)
						collect_body(r, json_object_get(handler, "body"), depth + 1);
				} else {
					collect_body(r, b, depth + 1);
				}
			}
		}
	}
}

static bool tracked(const struct reach *r, const json_t *node)
{
	for (size_t i = 0; i < r->ndefs; i++)
		if (r->defs[i].node == node)
			return true;
	return false;
}

static void make_live(struct reach *r, size_t i, int caller)
{
	if (r->defs[i].live)
		return;
	r->defs[i].live = true;
	r->defs[i].caller = caller;
	r->work[r->nwork++] = (int)i;	/* each def is pushed once: nwork <= ndefs */
}

/* Method `name` of class `ci` (and of nothing else: no inheritance is followed). */
static void reach_method(struct reach *r, int ci, const char *name, int caller)
{
	for (size_t i = 0; i < r->ndefs; i++)
		if (r->defs[i].cls == ci && !strcmp(r->defs[i].name, name))
			make_live(r, i, caller);
}

/* A name used in running code: a function it names runs; a class it names is built. */
static void reach_name(struct reach *r, const char *name, int caller)
{
	size_t k;
	json_t *v;
	json_array_foreach(json_object_get(r->funcs, name), k, v)
		make_live(r, (size_t)json_integer_value(v), caller);
	/* Building K() runs these; not __call__, which runs only when the instance is called. */
	static const char *const implicit[] = { "__init__", "__new__", "__enter__",
						"__exit__", "__del__", "__init_subclass__" };
	json_array_foreach(json_object_get(r->class_index, name), k, v)
		for (size_t m = 0; m < sizeof implicit / sizeof *implicit; m++)
			reach_method(r, (int)json_integer_value(v), implicit[m], caller);
}

bool reach_is_main_guard(const json_t *node)
{
	if (!ast_is(node, AST_If))
		return false;
	const json_t *test = json_object_get(node, "test");
	if (!ast_is(test, AST_Compare))
		return false;
	const json_t *left = json_object_get(test, "left");
	const json_t *right = json_array_get(json_object_get(test, "comparators"), 0);
	const json_t *name = ast_is(left, AST_Name) ? left : right;
	const json_t *value = name == left ? right : left;
	const char *id = json_string_value(json_object_get(name, "id"));
	const char *s = json_string_value(json_object_get(value, "value"));
	return id && s && !strcmp(id, "__name__") && !strcmp(s, "__main__") &&
	       ast_is(json_array_get(json_object_get(test, "ops"), 0), AST_Eq);
}

/* What a call calls: f(), K() (its constructor), self.m(), K.m(). */
static void scan_callee(struct reach *r, const json_t *func, int caller, int cls)
{
	if (ast_is(func, AST_Name)) {
		const char *id = json_string_value(json_object_get(func, "id"));
		if (id)
			reach_name(r, id, caller);
		return;
	}
	if (!ast_is(func, AST_Attribute))
		return;
	const json_t *value = json_object_get(func, "value");
	const char *attr = json_string_value(json_object_get(func, "attr"));
	const char *base = ast_is(value, AST_Name) ? json_string_value(json_object_get(value, "id")) : NULL;
	if (!attr || !base)
		return;
	if (cls >= 0 && (!strcmp(base, "self") || !strcmp(base, "cls")))
		reach_method(r, cls, attr, caller);
	size_t k;
	json_t *v;
	json_array_foreach(json_object_get(r->class_index, base), k, v)
		reach_method(r, (int)json_integer_value(v), attr, caller);
}

/*
 * Calls that run a function they are handed: threads, timers, atexit, executors, and the
 * interpreter's and the desktop's hooks (sys.settrace, sys.addaudithook: the function runs
 * on every call or audited event; pynput's keyboard.Listener(on_press=f), keyboard.on_press(f):
 * on every key).  The last part of the callee's name decides (threading.Thread,
 * atexit.register, pool.submit).
 */
static bool passes_callback(const json_t *call)
{
	static const char *const takers[] = { "Thread", "Timer", "Process", "register",
					      "start_new_thread", "submit", "run_in_executor",
					      "call_soon", "call_later", "apply_async", "map",
					      "settrace", "setprofile", "addaudithook", "Listener",
					      "on_press", "on_release", "add_hotkey" };
	const json_t *func = json_object_get(call, "func");
	const char *last = ast_is(func, AST_Name) ? json_string_value(json_object_get(func, "id"))
						 : json_string_value(json_object_get(func, "attr"));
	for (size_t i = 0; last && i < sizeof takers / sizeof *takers; i++)
		if (!strcmp(last, takers[i]))
			return true;
	return false;
}

/*
 * Calls that run an object's event loop, which calls the handlers registered on it:
 * bot.polling(), bot.infinity_polling() (pyTelegramBotAPI), app.run_polling()
 * (python-telegram-bot), client.run(token) (discord.py), app.run() (Flask),
 * executor.start_polling(dp) (aiogram), server.serve_forever().  The last part of the
 * callee's name decides; the object is its receiver or a plain-name argument.
 */
static bool starts_loop(const json_t *call)
{
	static const char *const starters[] = { "polling", "infinity_polling", "run", "run_polling",
						"run_webhook", "start_polling", "start_webhook",
						"run_forever", "serve_forever" };
	const json_t *func = json_object_get(call, "func");
	const char *last = ast_is(func, AST_Attribute) ? json_string_value(json_object_get(func, "attr"))
						      : NULL;
	for (size_t i = 0; last && i < sizeof starters / sizeof *starters; i++)
		if (!strcmp(last, starters[i]))
			return true;
	return false;
}

/* The handlers registered on `object` run once its loop runs: reached from `caller`.  Only
 * an object the module builds has handlers: `@functools.cache` registers nothing on a
 * module, whose run() (asyncio.run) is no event loop of its own. */
static void reach_handlers(struct reach *r, const char *object, int caller)
{
	if (!object || !r->nregistered || !json_object_get(r->objects, object))
		return;
	for (size_t i = 0; i < r->ndefs; i++)
		if (r->defs[i].registrar && !strcmp(r->defs[i].registrar, object))
			make_live(r, i, caller);
}

/* A loop-starting call: the handlers of its receiver and of each plain-name argument. */
static void scan_loop(struct reach *r, const json_t *call, int caller)
{
	const json_t *value = json_object_get(json_object_get(call, "func"), "value");
	if (ast_is(value, AST_Name))
		reach_handlers(r, json_string_value(json_object_get(value, "id")), caller);
	size_t i;
	json_t *a;
	json_array_foreach(json_object_get(call, "args"), i, a)
		if (ast_is(a, AST_Name))
			reach_handlers(r, json_string_value(json_object_get(a, "id")), caller);
}

/* The plain names among a callback-taking call's arguments: each will be called. */
static void scan_callbacks(struct reach *r, const json_t *call, int caller)
{
	size_t i;
	json_t *a;
	json_array_foreach(json_object_get(call, "args"), i, a)
		if (ast_is(a, AST_Name))
			reach_name(r, json_string_value(json_object_get(a, "id")), caller);
	json_array_foreach(json_object_get(call, "keywords"), i, a) {
		const json_t *v = json_object_get(a, "value");
		if (ast_is(v, AST_Name))
			reach_name(r, json_string_value(json_object_get(v, "id")), caller);
	}
}

/*
 * Every call that code in `node` makes, as far as it names a def of this file.  The bodies of tracked defs are
 * not scanned here: they run only once something reaches them.
 */
static void scan_refs(struct reach *r, const json_t *node, int caller, int cls, int depth)
{
	if (!tree_guard_ok(r->guard, depth))
		return;
	enum ast_kind kind = ast_kind(node);
	if ((kind == AST_FunctionDef || kind == AST_AsyncFunctionDef) && tracked(r, node)) {
		/* A decorator that calls the def at once (aura-rewrite's mark): its body runs here. */
		for (size_t i = 0; json_is_true(json_object_get(node, "_called_at_definition")) && i < r->ndefs; i++)
			if (r->defs[i].node == node)
				make_live(r, i, caller);
		scan_refs(r, json_object_get(node, "decorator_list"), caller, cls, depth + 1);
		scan_refs(r, json_object_get(node, "args"), caller, cls, depth + 1);
		return;
	}
	if (kind == AST_If && !r->main_runs && caller < 0 && reach_is_main_guard(node)) {
		scan_refs(r, json_object_get(node, "orelse"), caller, cls, depth + 1);
		return;
	}
	if (kind == AST_Call) {
		scan_callee(r, json_object_get(node, "func"), caller, cls);
		if (passes_callback(node))
			scan_callbacks(r, node, caller);
		if (starts_loop(node))
			scan_loop(r, node, caller);
	}
	struct ast_children it;
	json_t *child;
	for (ast_children_init(&it, (json_t *)node); (child = ast_children_next(&it));)
		scan_refs(r, child, caller, cls, depth + 1);
}

/* The file's Module and the Modules aura-rewrite decoded under `_payload` keys. */
static void find_modules(struct reach *r, const json_t *node, const json_t ***out, size_t *n,
			 int depth)
{
	if (!tree_guard_ok(r->guard, depth))
		return;
	enum ast_kind kind = ast_kind(node);
	if (kind == AST_Module) {
		*out = xrealloc(*out, (*n + 1) * sizeof **out);
		(*out)[(*n)++] = node;
	}
	struct ast_children it;
	json_t *child;
	for (ast_children_init(&it, (json_t *)node); (child = ast_children_next(&it));)
		find_modules(r, child, out, n, depth + 1);
	/* A payload hangs on its exec call (or statement), after the node's own fields. */
	const json_t *payload = kind == AST_Call || kind == AST_Exec ?
				json_object_get(node, "_payload") : NULL;
	if (json_is_object(payload))
		find_modules(r, payload, out, n, depth + 1);
}

struct reach *reach_build(const json_t *module, struct tree_guard *guard, bool main_runs,
			  const char *const *root_classes, size_t nroots,
			  const char *const *root_defs, size_t nroot_defs)
{
	struct reach *r = xmalloc(sizeof *r);
	*r = (struct reach){
		.funcs = json_object(),
		.class_index = json_object(),
		.objects = json_object(),
		.main_runs = main_runs,
		.guard = guard,
	};
	if (!r->funcs || !r->class_index || !r->objects)
		aura_oom();
	const json_t **modules = NULL;
	size_t nmodules = 0;
	find_modules(r, module, &modules, &nmodules, 0);
	for (size_t i = 0; i < nmodules; i++)
		collect_body(r, json_object_get(modules[i], "body"), 0);
	r->work = xmalloc((r->ndefs + 1) * sizeof *r->work);	/* each def is pushed once */
	for (size_t i = 0; i < r->ndefs; i++)
		for (size_t k = 0; r->defs[i].cls >= 0 && k < nroots; k++)
			if (!strcmp(r->classes[r->defs[i].cls].name, root_classes[k]))
				make_live(r, i, -1);
	for (size_t k = 0; k < nroot_defs; k++)
		reach_name(r, root_defs[k], -1);
	/* Top-level code: module bodies, including class bodies but not def bodies. */
	for (size_t i = 0; i < nmodules; i++)
		scan_refs(r, json_object_get(modules[i], "body"), -1, -1, 0);
	while (r->nwork) {
		int i = r->work[--r->nwork];
		scan_refs(r, json_object_get(r->defs[i].node, "body"), i, r->defs[i].cls, 0);
	}
	free(modules);
	return r;
}

void reach_free(struct reach *r)
{
	if (!r)
		return;
	free(r->defs);
	free(r->classes);
	free(r->work);
	json_decref(r->funcs);
	json_decref(r->class_index);
	json_decref(r->objects);
	free(r);
}

bool reach_is_handler(const struct reach *r, const json_t *def)
{
	for (size_t i = 0; r && r->nregistered && i < r->ndefs; i++)
		if (r->defs[i].node == def)
			return r->defs[i].registrar && json_object_get(r->objects, r->defs[i].registrar);
	return false;
}

char *reach_chain(const struct reach *r, const json_t *def)
{
	if (!r)
		return NULL;
	int at = -1;
	for (size_t i = 0; i < r->ndefs && at < 0; i++)
		if (r->defs[i].node == def && r->defs[i].live)
			at = (int)i;
	if (at < 0)
		return NULL;
	int chain[CHAIN_MAX];
	int n = 0;
	bool cut = false;
	for (int i = at; i >= 0; i = r->defs[i].caller) {
		if (n == CHAIN_MAX) {
			cut = true;
			break;
		}
		chain[n++] = i;
	}
	size_t cap = 16, len = 0;
	char *out = xmalloc(cap);
	out[0] = '\0';
	if (cut)
		len = (size_t)snprintf(out, cap, "… → ");
	for (int k = n - 1; k >= 0; k--) {
		const struct def *d = &r->defs[chain[k]];
		const char *cname = d->cls >= 0 ? r->classes[d->cls].name : "";
		size_t need = strlen(cname) + strlen(d->name) + 16;
		out = xrealloc(out, cap = len + need);
		len += (size_t)snprintf(out + len, cap - len, "%s%s%s()%s", cname, d->cls >= 0 ? "." : "",
					d->name, k ? " → " : "");
	}
	return out;
}
