/* scope.c: Python name scopes as the resolver sees them: which names an import bound. */
#include <stdlib.h>
#include <string.h>

#include "builtins.h"
#include "err.h"
#include "scope.h"
#include "value.h"

struct scope *scope_new(struct scope_arena *a, enum scope_kind kind, struct scope *parent)
{
	struct scope *s = xmalloc(sizeof *s);
	*s = (struct scope){ .kind = kind, .parent = parent };
	s->names = json_object();
	s->declared = json_object();
	if (!s->names || !s->declared)
		aura_oom();
	s->next = a->all;
	a->all = s;
	return s;
}

void scope_arena_free(struct scope_arena *a)
{
	struct scope *s = a->all;
	while (s) {
		struct scope *next = s->next;
		json_decref(s->names);
		json_decref(s->declared);
		free(s);
		s = next;
	}
	a->all = NULL;
	for (size_t i = 0; i < a->nvals; i++)
		val_unref(a->vals[i]);
	free(a->vals);
	a->vals = NULL;
	a->nvals = a->capvals = 0;
}

/* A `global x` in a function sends x to the module: walk up to it. */
static struct scope *binding_scope(struct scope *s, const char *name)
{
	if (!json_object_get(s->declared, name))
		return s;
	while (s->parent)
		s = s->parent;
	return s;
}

void scope_bind(struct scope *s, const char *name, const char *canonical)
{
	s = binding_scope(s, name);
	json_t *v = canonical ? json_string(canonical) : json_null();
	json_object_set_new(s->names, name, v ? v : json_null());
}

void scope_bind_value(struct scope_arena *a, struct scope *s, const char *name, struct val *v)
{
	if (a->nvals == a->capvals) {
		a->capvals = a->capvals ? a->capvals * 2 : 64;
		a->vals = xrealloc(a->vals, a->capvals * sizeof *a->vals);
	}
	a->vals[a->nvals] = val_ref(v);
	s = binding_scope(s, name);
	json_object_set_new(s->names, name, json_integer((json_int_t)a->nvals++));
}

void scope_forget_value(struct scope *s, const char *name)
{
	s = binding_scope(s, name);
	if (json_is_integer(json_object_get(s->names, name)))
		json_object_set_new(s->names, name, json_null());
}

struct val *scope_value(const struct scope_arena *a, const struct scope *s, const char *name)
{
	for (const struct scope *cur = s; cur; cur = cur->parent) {
		if (cur != s && cur->kind == SCOPE_CLASS)
			continue;
		json_t *v = json_object_get(cur->names, name);
		if (v) {
			json_int_t slot = json_is_integer(v) ? json_integer_value(v) : -1;
			return slot >= 0 && (size_t)slot < a->nvals ? a->vals[slot] : NULL;
		}
	}
	return NULL;
}

void scope_declare_local(struct scope *s, const char *name)
{
	if (!json_object_get(s->declared, name) && !json_object_get(s->names, name))
		json_object_set_new(s->names, name, json_null());
}

void scope_declare_global(struct scope *s, const char *name)
{
	json_object_set_new(s->declared, name, json_true());
	json_object_del(s->names, name);
}

char *scope_resolve(const struct scope *s, const char *name)
{
	for (const struct scope *cur = s; cur; cur = cur->parent) {
		/* Class bodies are visible to themselves only, not to nested functions. */
		if (cur != s && cur->kind == SCOPE_CLASS)
			continue;
		json_t *v = json_object_get(cur->names, name);
		if (v)
			return json_is_string(v) ? xstrdup(json_string_value(v)) : NULL;
	}
	if (strcmp(name, "__builtins__") == 0)
		return xstrdup("builtins");
	if (builtin_name(name)) {
		char *out = xmalloc(strlen(name) + sizeof "builtins.");
		strcpy(out, "builtins.");
		strcat(out, name);
		return out;
	}
	return NULL;
}
