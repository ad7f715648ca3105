/* taint.c: data flow from sensitive sources to network, code and process sinks, per module. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "astwalk.h"
#include "dest.h"
#include "detect.h"
#include "err.h"
#include "netguard.h"
#include "reach.h"
#include "record.h"
#include "strings.h"
#include "taint.h"

/*
 * Deliberately simple, flow-insensitive within a straight line of statements: a variable is
 * tainted by what was assigned to it; a call returns the taint of its arguments (and of the
 * object whose method it is) unless it is a sanitiser; a source adds its label; a sink that
 * receives labelled data is a flow.  Functions of the module get a summary (what their
 * return carries; which sinks their parameters reach) so flows through simple calls count.
 */

/*
 * No table here has a fixed size: a name that could not be tracked, or a variable past a
 * cap, would be data the analysis silently loses (a 100-byte variable name or 520 dummy
 * assignments would hide a flow).  Variables, defs and names grow with the input, which
 * bounds them.  Nesting is followed as deep as the tree's guard lets every walk go
 * (detect.h); deeper code is reported as not analysed, never skipped quietly.
 */
#define PARAM_BIT (1u << 31)	/* "came from a parameter": for function summaries */
#define DESC 160		/* descriptions for messages only: cutting them loses no flow */
#define HOST_MAX 256		/* DNS names are at most 253 bytes */

#define ENV_NAME 128		/* no rule names a longer environment variable */

/*
 * Which environment variable labelled data is (network: in rules.yaml): one credential
 * sent to the service it is for is a client logging in, not theft; a variable that says
 * where to connect (NPM_REGISTRY), used as the start of a URL, is the user choosing the
 * server, not data sent out.  Anything mixed in makes it ordinary data again.
 */
struct envsrc {
	char name[ENV_NAME];	/* the one variable all labelled data comes from, or "" */
	bool other;		/* labelled data from elsewhere too (another variable, a file) */
	bool dest;		/* a destination variable, still at the start of the value */
};

/* Where tainted data was fetched from: a source call with a hard-coded host (labels). */
struct origin {
	unsigned mask;
	char host[HOST_MAX];
};

struct var {
	char *name;		/* a variable, dotted attribute, or 'constant path */
	unsigned mask;
	char source[DESC];	/* "os.environ (line 3)" */
	char path[DESC];	/* "env → data" */
	char *loc;		/* an open file: the variable/constant naming its path, or NULL */
	bool startup;		/* a path built from a start-up location (a persistence string) */
	char host[HOST_MAX];	/* a constant URL or host name it was given */
	struct origin from;	/* the hard-coded host its data was fetched from */
	struct envsrc env;	/* the environment variable it holds */
	/* The library call that built the object it holds (s = socket.socket(), server =
	 * smtplib.SMTP(host)): its methods are that call's (socket.socket.sendall), or NULL. */
	char *ctor;
};

struct flowdesc {
	unsigned mask;
	char source[DESC];
	char path[DESC];
	struct origin from;
	struct envsrc env;
};

/* Variables are allocated one by one, so a pointer to one stays valid as the scope grows. */
struct scope {
	struct var **v;
	size_t n, cap;
	json_t *index;		/* name → position in v */
	struct scope *globals;	/* the module scope, for names a function reads */
};

struct fsum {
	const json_t *node;
	const char *name;
	bool method;
	bool hook;		/* a method of a setup command: runs at install time */
	unsigned ret_mask;
	char ret_source[DESC], ret_path[DESC];
	struct origin ret_from;
	struct envsrc ret_env;
	unsigned param_sinks;	/* sink labels its parameters reach */
	/* sink labels its first parameter reaches only as the whole destination
	 * (download(url, path) calling urlopen(url)) */
	unsigned param_dest_sinks;
	/* def save(url, path): open(path, 'wb').write(requests.get(url).content) — positional
	 * parameters (bits by index) naming a file the def writes labelled data to, and what
	 * that data carries: after the call, the caller's path argument holds it too. */
	unsigned file_params;
	struct flowdesc file_data;
};

struct taint {
	const struct taint_site *site;
	struct fsum *defs;
	size_t ndefs, capdefs;
	struct fsum *current;	/* the def being summarised or analysed */
	bool emit;
	enum context ctx;
	char *via;		/* reach chain of the def being analysed */
	int cred_label;		/* source label "credential-file", or -1 */
	int remote_label;	/* source label "remote-input" (an event handler's arguments), or -1 */
	int net_label;		/* sink label "network", or -1 */
	unsigned startup_sink;	/* sink label "startup-file" (a bit), or 0 */
	json_t *seen;		/* flows already reported: "detection:line:col" */
	const json_t *module;	/* the file's tree (netguard's opt-in switch reads it) */
	int too_deep;		/* the JSON level where nesting was first not followed, or 0 */
};

/* Keep the first hard-coded origin: `a` gains `b`'s unless it has one. */
static void merge_origin(struct origin *a, const struct origin *b)
{
	if (!a->host[0] && b->host[0])
		*a = *b;
}

/* May the analysis go down to `depth`?  The first cut is reported by taint_module. */
static bool deep_enough(struct taint *t, int depth)
{
	if (tree_guard_ok(t->site->guard, depth))
		return true;
	if (!t->too_deep)
		t->too_deep = depth;
	return false;
}

static long pos(const json_t *n, const char *k)
{
	return (long)record_int(n, k, 0);
}

static struct scope scope_new(struct scope *globals)
{
	return (struct scope){ .index = json_object(), .globals = globals };
}

static void scope_free(struct scope *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i]->name);
		free(s->v[i]->loc);
		free(s->v[i]->ctor);
		free(s->v[i]);
	}
	free(s->v);
	json_decref(s->index);
}

static struct var *lookup(struct scope *s, const char *name, bool create)
{
	if (!name)
		return NULL;
	json_t *at = json_object_get(s->index, name);
	if (at)
		return s->v[json_integer_value(at)];
	if (!create) {
		if (s->globals && s->globals != s)
			return lookup(s->globals, name, false);
		return NULL;
	}
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 64;
		s->v = xrealloc(s->v, s->cap * sizeof *s->v);
	}
	struct var *v = xmalloc(sizeof *v);
	*v = (struct var){ .name = xstrdup(name) };
	json_object_set_new_nocheck(s->index, name, json_integer((json_int_t)s->n));
	s->v[s->n++] = v;
	return v;
}

/* Labels, not the parameter mark: data that came from a source. */
static unsigned labelled(unsigned mask)
{
	return mask & ~PARAM_BIT;
}

/* `a` (labels amask) gains `b`'s data (labels bmask): one variable stays one variable;
 * two values joined are neither one variable nor a URL's start any more. */
static void merge_env(struct envsrc *a, unsigned amask, const struct envsrc *b, unsigned bmask)
{
	if (!labelled(bmask))
		return;
	if (!labelled(amask)) {
		*a = *b;
		return;
	}
	if (b->other || strcmp(a->name, b->name))
		a->other = true;
	a->dest = false;
}

/* The envsrc of a source: variable `name` (NULL: not one named variable). */
static struct envsrc env_of(const struct taint *t, const char *name)
{
	struct envsrc e = { .other = !name || strlen(name) >= ENV_NAME };
	if (!e.other) {
		snprintf(e.name, sizeof e.name, "%s", name);
		e.dest = rules_env_is_destination(t->site->rules, name);
	}
	return e;
}

/* Merge `b` into `a`: the first tainted contributor names the source and the path. */
static void merge(struct flowdesc *a, const struct flowdesc *b)
{
	if (!a->source[0] && b->source[0]) {
		snprintf(a->source, sizeof a->source, "%s", b->source);
		snprintf(a->path, sizeof a->path, "%s", b->path);
	}
	merge_origin(&a->from, &b->from);
	merge_env(&a->env, a->mask, &b->env, b->mask);
	a->mask |= b->mask;
}

/* The dotted name of a.b.c (a Name/Attribute chain of any length), allocated, or NULL. */
static char *dotted(const json_t *n)
{
	size_t len = 0;
	const json_t *at = n;
	for (; ast_is(at, AST_Attribute); at = json_object_get(at, "value")) {
		const char *attr = json_string_value(json_object_get(at, "attr"));
		if (!attr)
			return NULL;
		len += strlen(attr) + 1;
	}
	const char *id = ast_is(at, AST_Name) ? json_string_value(json_object_get(at, "id")) : NULL;
	if (!id)
		return NULL;
	len += strlen(id);
	/* Filled from the end: the chain is walked from the last attribute inwards. */
	char *out = xmalloc(len + 1);
	out[len] = '\0';
	size_t end = len;
	for (at = n; ast_is(at, AST_Attribute); at = json_object_get(at, "value")) {
		const char *attr = json_string_value(json_object_get(at, "attr"));
		size_t k = strlen(attr);
		memcpy(out + end - k, attr, k);
		end -= k + 1;
		out[end] = '.';
	}
	memcpy(out, id, strlen(id));
	return out;
}

/* What a call calls, as detect.c names it: rewrite's `_resolved`, else the dotted name
 * (allocated, or NULL). */
static char *callee(const json_t *call)
{
	const json_t *func = json_object_get(call, "func");
	const char *r = json_string_value(json_object_get(call, "_resolved"));
	if (!r)
		r = json_string_value(json_object_get(func, "_resolved"));
	return r ? xstrdup(r) : dotted(func);
}

/* A call whose callee aura-rewrite resolved to a canonical name (a library's, a builtin). */
static bool resolved_call(const json_t *call)
{
	return json_object_get(call, "_resolved") ||
	       json_object_get(json_object_get(call, "func"), "_resolved");
}

static bool is_sanitiser(const char *name)
{
	static const char *const names[] = { "builtins.len", "builtins.bool", "builtins.isinstance",
					     "builtins.hasattr", "builtins.type", "builtins.id",
					     "builtins.print", "os.path.exists", "os.path.isfile",
					     "os.path.isdir", "builtins.hash", "builtins.callable" };
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

/* A file location: the constant path text ('x.exe) or the variable holding the path
 * (allocated, or NULL). */
static char *location_key(const json_t *e)
{
	const json_t *v = json_object_get(e, "value");
	if (ast_is(e, AST_Constant) && json_is_string(v)) {
		const char *text = json_string_value(v);
		char *out = xmalloc(strlen(text) + 2);
		out[0] = '\'';
		strcpy(out + 1, text);
		return out;
	}
	if (ast_is(e, AST_JoinedStr)) {	/* f'C:/x/a.exe': an f-string with no {expression} */
		size_t n = 1, i;
		json_t *part;
		json_array_foreach(json_object_get(e, "values"), i, part) {
			const char *text = json_string_value(json_object_get(part, "value"));
			if (!ast_is(part, AST_Constant) || !text)
				return NULL;
			n += strlen(text);
		}
		if (n == 1)
			return NULL;
		char *out = xmalloc(n + 1);
		strcpy(out, "'");
		json_array_foreach(json_object_get(e, "values"), i, part)
			strcat(out, json_string_value(json_object_get(part, "value")));
		return out;
	}
	return dotted(e);
}

/*
 * A file written with tainted data whose constant path appears inside the constant `text`
 * ("start cmd /c C:/x/a.exe" runs C:/x/a.exe).  Paths shorter than 6 bytes say too little.
 */
static struct var *path_inside(struct scope *s, const char *text)
{
	for (; s; s = s->globals != s ? s->globals : NULL) {
		for (size_t i = 0; i < s->n; i++)
			if (s->v[i]->name[0] == '\'' && s->v[i]->mask && strlen(s->v[i]->name + 1) >= 6 &&
			    strstr(text, s->v[i]->name + 1))
				return s->v[i];
		if (!s->globals)
			break;
	}
	return NULL;
}

static void add_path(struct flowdesc *d, const char *name)
{
	size_t n = strlen(d->path);
	if (n + strlen(name) + 6 < sizeof d->path)
		snprintf(d->path + n, sizeof d->path - n, "%s%s", n ? " → " : "", name);
}

static struct flowdesc expr(struct taint *t, struct scope *s, const json_t *e, int depth);

/* dest_of_call's variable lookup: the constant host a variable of the scope holds. */
static bool var_host(const char *name, char *buf, size_t len, void *ctx)
{
	struct var *v = lookup(ctx, name, false);
	return v && v->host[0] && (size_t)snprintf(buf, len, "%s", v->host) < len;
}

/*
 * A flow hit: `d` (tainted data) reached sink `sink` (labels `sinks`) at `at`.  With
 * `configured`, the data reaches the network only as where to connect (a destination
 * variable at the start of the URL): the user's choice of server, no flow to the network.
 */
static void report(struct taint *t, struct scope *s, const json_t *at, const char *sink,
		   unsigned sinks, const struct flowdesc *d, const char *through, bool configured)
{
	const struct ruleset *rs = t->site->rules;
	char host[HOST_MAX];
	bool fixed = dest_of_call(at, host, sizeof host, var_host, s);
	for (size_t i = 0; i < rs->flows.n; i++) {
		const struct rule *r = &rs->flows.v[i];
		if (!(d->mask & r->from_mask) || !(sinks & (1u << r->to)) || !r->applies[t->ctx])
			continue;
		if (configured && r->to == t->net_label)
			continue;
		char key[64];
		snprintf(key, sizeof key, "%zu:%ld:%ld", i, pos(at, "lineno"), pos(at, "col_offset"));
		if (json_object_get(t->seen, key))
			continue;
		json_object_set_new(t->seen, key, json_true());
		static const char *const when_ctx[CTX_COUNT] = { "at install time", "at import time",
								 "inside a function", "when the user runs the package's command" };
		const char *when = t->site->test_code ? "in test or example code"
				   : t->site->repo_code && t->ctx == CTX_FUNCTION
				   ? "in code the package does not install" : when_ctx[t->ctx];
		/* Data fetched from a hard-coded host (a download) weighs like a fixed destination. */
		bool fetched = !fixed && d->from.host[0] && (d->from.mask & r->from_mask);
		const char *fixed_host = fixed ? host : fetched ? d->from.host : NULL;
		/* Test code and repository scripts run only when a developer runs them: a fixed
		 * destination there is not a payload waiting for a caller of the package. */
		bool unshipped = t->site->test_code || t->site->repo_code;
		bool fixed_score = fixed_host && r->has_fixed_host[t->ctx] &&
				   !(unshipped && t->ctx == CTX_FUNCTION);
		/* One credential of the environment sent to the service it is for (GH_TOKEN to
		 * api.github.com): how an uploader or updater logs in (network.credential_services). */
		bool own_service = fixed && r->has_own_service[t->ctx] && d->env.name[0] &&
				   !d->env.other && !(d->mask & ~r->from_mask & ~PARAM_BIT) &&
				   rules_credential_service(rs, d->env.name, host);
		/* Data of the opt_in_from labels only (platform facts: telemetry) sent to the
		 * network only when the user turns an environment switch on (netguard.c). */
		char optvar[128] = "";
		bool opt_in = !own_service && r->has_opt_in[t->ctx] && r->to == t->net_label &&
			      !(d->mask & ~r->opt_in_mask & ~PARAM_BIT) &&
			      netguard_opt_in(rs, t->module, t->current ? t->current->node : NULL, at,
					      t->site->guard, optvar, sizeof optvar);
		char path[DESC + 64];
		snprintf(path, sizeof path, "%s%s%s", d->path, through && d->path[0] ? " → " : "",
			 through ? through : "");
		char msg[1024];
		snprintf(msg, sizeof msg, "%s: %s flows%s%s into %s()%s%s %s%s%s", r->message, d->source,
			 path[0] ? " through " : "", path, sink,
			 fixed ? " to the hard-coded host " : fetched ? " from the hard-coded host " : "",
			 fixed_host ? fixed_host : "", when,
			 t->via ? " (reached through " : "", t->via ? t->via : "");
		if (t->via)
			strncat(msg, ")", sizeof msg - strlen(msg) - 1);
		if (own_service) {
			size_t n = strlen(msg);
			snprintf(msg + n, sizeof msg - n, ": the credential %s goes to %s, the service it "
				 "is for", d->env.name, host);
		}
		if (opt_in) {
			size_t n = strlen(msg);
			snprintf(msg + n, sizeof msg - n, ": sent only when the environment switch %s "
				 "is set", optvar);
		}
		long line = pos(at, "lineno"), col = pos(at, "col_offset");
		bool unshipped_score = unshipped && t->ctx == CTX_FUNCTION && !t->via &&
				       r->has_unshipped[t->ctx];
		int score = own_service ? r->own_service[t->ctx] : opt_in ? r->opt_in[t->ctx]
			    : fixed_score ? r->fixed_host[t->ctx]
			    : unshipped_score ? r->unshipped[t->ctx] : r->score[t->ctx];
		json_t *hit = hit_new(t->site->artifact, r->detection, score,
				      context_severity(r->severity, score), t->site->path, line, col, msg);
		if (t->site->file)
			json_object_set_new(hit, "file", json_string(t->site->file));
		json_object_set_new(hit, "name", json_string(sink));
		json_object_set_new(hit, "context", json_string(context_names[t->ctx]));
		json_t *tags = json_object_get(hit, "tags");
		json_array_append_new(tags, json_string(r->category));
		if (t->ctx != CTX_FUNCTION) {
			char tag[32];
			snprintf(tag, sizeof tag, "%s-time", context_names[t->ctx]);
			json_array_append_new(tags, json_string(tag));
		}
		json_array_append_new(tags, json_string("flow"));
		if (fixed_score)
			json_array_append_new(tags, json_string("fixed-host"));
		if (own_service)
			json_array_append_new(tags, json_string("own-service"));
		if (opt_in)
			json_array_append_new(tags, json_string("opt-in"));
		if (t->site->test_code)
			json_array_append_new(tags, json_string("test-code"));
		if (t->site->repo_code)
			json_array_append_new(tags, json_string("not-installed"));
		for (size_t k = 0; k < r->ntags; k++)
			json_array_append_new(tags, json_string(r->tags[k]));
		json_t *flow = json_object();
		json_object_set_new(flow, "source", json_string(d->source));
		json_object_set_new(flow, "path", json_string(path));
		json_object_set_new(flow, "sink", json_string(sink));
		if (fixed_host)
			json_object_set_new(flow, "host", json_string(fixed_host));
		json_object_set_new(hit, "flow", flow);
		char *ev = source_evidence(t->site->src, t->site->file, line, col,
					   pos(at, "end_lineno"), pos(at, "end_col_offset"));
		if (ev)
			json_object_set_new(hit, "evidence", json_string(ev));
		free(ev);
		/* The code aura-rewrite decoded for the sink call (exec of a payload): quoted. */
		const char *decoded = json_string_value(json_object_get(at, "_payload_source"));
		if (decoded)
			json_object_set_new(hit, "payload", json_string(decoded));
		if (t->ctx == CTX_FUNCTION && t->current && !t->current->method && t->site->xref &&
		    !t->site->test_code)
			xref_keep_hit(t->site->xref, t->current->name, r, fixed_host != NULL, hit);
		/* The file's top level (and what it runs) runs again when another file runs it. */
		if (t->ctx == t->site->top && t->ctx != CTX_INSTALL && (!t->current || t->via) &&
		    t->site->xref && !t->site->test_code)
			xref_keep_top_hit(t->site->xref, r, fixed_host != NULL, hit);
		out_record(hit);
		json_decref(hit);
	}
}

static struct fsum *find_def(struct taint *t, const char *name, bool method);

/* The position of positional parameter `name` of def `f` (self included), or -1. */
static int param_index(const struct fsum *f, const char *name)
{
	const json_t *args = json_object_get(f->node, "args");
	int at = 0;
	static const char *const kinds[] = { "posonlyargs", "args" };
	for (size_t k = 0; k < 2; k++) {
		size_t i;
		json_t *a;
		json_array_foreach(json_object_get(args, kinds[k]), i, a) {
			const char *id = json_string_value(json_object_get(a, "arg"));
			if (id && !strcmp(id, name))
				return at < 32 ? at : -1;
			at++;
		}
	}
	return -1;
}

/* The caller's side of a def's file_params: each path argument now names a file holding
 * the data the def wrote (`save(url, "a.exe"); os.startfile("a.exe")`). */
static void apply_file_params(struct scope *s, const struct fsum *f, const json_t *call, bool method)
{
	const json_t *args = json_object_get(call, "args");
	for (int i = 0; i < 32 && f->file_params; i++) {
		if (!(f->file_params & (1u << i)))
			continue;
		/* a method called through its object: the def's `self` is no argument */
		int at = method && f->method ? i - 1 : i;
		char *key = at >= 0 ? location_key(json_array_get(args, (size_t)at)) : NULL;
		if (!key)
			continue;
		struct var *loc = lookup(s, key, true);
		if (!loc->source[0]) {
			snprintf(loc->source, sizeof loc->source, "%s", f->file_data.source);
			snprintf(loc->path, sizeof loc->path, "%s", f->file_data.path);
			size_t n = strlen(loc->path);	/* a description: cut, never overflowed */
			if (n + 80 < sizeof loc->path)
				snprintf(loc->path + n, sizeof loc->path - n, "%sfile written by %.50s()",
					 n ? " → " : "", f->name);
		}
		loc->mask |= f->file_data.mask;
		merge_origin(&loc->from, &f->file_data.from);
		free(key);
	}
}

static struct fsum *find_def(struct taint *t, const char *name, bool method)
{
	/* The first byte first: a call to strcmp for every def at every call was 1% of
	 * aura-analyze on the standard library (bench/README.md). */
	for (size_t i = 0; i < t->ndefs; i++)
		if (t->defs[i].method == method && t->defs[i].name[0] == name[0] &&
		    !strcmp(t->defs[i].name, name))
			return &t->defs[i];
	return NULL;
}

static void found(const struct rule *r, const char *m, size_t len, void *ctx)
{
	(void)r, (void)m, (void)len;
	*(bool *)ctx = true;
}

/* Whether `text` matches a (non-secret) string rule of `category`. */
static bool text_in_category(struct taint *t, const char *text, const char *category)
{
	const struct rule_list *rl = &t->site->rules->strings;
	bool hit = false;
	size_t n = text ? strlen(text) : 0;
	char *padded = text ? xmalloc(n + STRINGS_PAD) : NULL;
	if (padded) {
		memcpy(padded, text, n);
		memset(padded + n, 0, STRINGS_PAD);
	}
	for (size_t i = 0; text && i < rl->n && !hit; i++) {
		const struct rule_list one = { .v = &rl->v[i], .n = 1 };
		if (rl->v[i].code && !strcmp(rl->v[i].category, category) && !rl->v[i].secret)
			strings_scan(&one, padded, n, found, &hit);
	}
	free(padded);
	return hit;
}

/* os.environ.get("NAME"), os.getenv("NAME"): the variable a source call reads, or NULL. */
static const char *env_var_read(const char *name, const json_t *call)
{
	static const char *const readers[] = { "os.environ.get", "os.getenv", "os.environ.setdefault",
					       "os.environ.pop", "os.environb.get", "os.getenvb" };
	const json_t *arg = json_array_get(json_object_get(call, "args"), 0);
	const json_t *v = json_object_get(arg, "value");
	for (size_t i = 0; i < sizeof readers / sizeof *readers; i++)
		if (!strcmp(name, readers[i]))
			return ast_is(arg, AST_Constant) && json_is_string(v) ? json_string_value(v) : NULL;
	return NULL;
}

/* Calls whose result starts with their first argument's text: a URL base stays one. */
static bool keeps_url_base(const char *name)
{
	static const char *const names[] = { "urllib.parse.urljoin", "urlparse.urljoin", "builtins.str",
					     "os.path.join", "posixpath.join", "urllib.request.Request",
					     "urllib2.Request", "requests.Request" };
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (!strcmp(name, names[i]))
			return true;
	return false;
}

/* Is `arg` the bare name of the first parameter of the def being summarised? */
static bool is_first_param(const struct taint *t, const json_t *arg)
{
	const char *id = ast_is(arg, AST_Name) ? json_string_value(json_object_get(arg, "id")) : NULL;
	if (!id || !t->current)
		return false;
	const json_t *params = json_object_get(t->current->node, "args");
	static const char *const kinds[] = { "posonlyargs", "args" };
	for (size_t k = 0; k < 2; k++) {
		size_t i;
		json_t *p;
		json_array_foreach(json_object_get(params, kinds[k]), i, p) {
			const char *pid = json_string_value(json_object_get(p, "arg"));
			if (pid && t->current->method && (!strcmp(pid, "self") || !strcmp(pid, "cls")))
				continue;
			return pid && !strcmp(pid, id);
		}
	}
	return false;
}

/* open(PATH) where PATH reads like a credential store (a credential-access string rule). */
static bool opens_credentials(struct taint *t, const char *name, const json_t *call)
{
	if (t->cred_label < 0 || (strcmp(name, "builtins.open") && strcmp(name, "io.open") &&
				  strcmp(name, "sqlite3.connect") && strcmp(name, "shutil.copy") &&
				  strcmp(name, "shutil.copyfile")))
		return false;
	const json_t *arg = json_array_get(json_object_get(call, "args"), 0);
	const json_t *v = json_object_get(arg, "value");
	const char *text = ast_is(arg, AST_Constant) && json_is_string(v) ? json_string_value(v) : NULL;
	return text && text_in_category(t, text, "credential-access");
}

/*
 * Whether expression `e` builds a path from a start-up location: a string in it (a
 * constant, or a value aura-rewrite folded: os.path.expanduser('~/.config/autostart'),
 * a variable holding one) matches a persistence string rule.  os.path.join(startup, name)
 * with `name` unknown still names a file in that folder.
 */
static bool names_startup(struct taint *t, struct scope *s, const json_t *e, int depth)
{
	if (!e || depth > 8 || !t->startup_sink)
		return false;
	const json_t *folded = json_object_get(e, "_value");
	const json_t *v = json_object_get(e, "value");
	const char *text = json_is_string(folded) ? json_string_value(folded)
			   : ast_is(e, AST_Constant) && json_is_string(v) ? json_string_value(v) : NULL;
	if (text && text_in_category(t, text, "persistence"))
		return true;
	if (ast_is(e, AST_Name)) {
		struct var *var = lookup(s, json_string_value(json_object_get(e, "id")), false);
		return var && var->startup;
	}
	if (ast_is(e, AST_Call)) {	/* the folder and the file name are the arguments */
		size_t i;
		json_t *a;
		json_array_foreach(json_object_get(e, "args"), i, a)
			if (names_startup(t, s, a, depth + 1))
				return true;
		return false;
	}
	if (ast_is(e, AST_BinOp) || ast_is(e, AST_JoinedStr) || ast_is(e, AST_FormattedValue)) {
		struct ast_children it;
		json_t *child;
		for (ast_children_init(&it, (json_t *)e); (child = ast_children_next(&it));)
			if (names_startup(t, s, child, depth + 1))
				return true;
	}
	return false;
}

static struct flowdesc call_expr(struct taint *t, struct scope *s, const json_t *call, int depth)
{
	struct flowdesc out = { 0 }, args = { 0 };
	/* The argument that says where a request goes (the first, or url=/host=), apart from
	 * the rest: a destination variable there is no data sent. */
	struct flowdesc first = { 0 }, rest = { 0 };
	const json_t *first_node = json_array_get(json_object_get(call, "args"), 0);
	char *name = callee(call);
	bool named = name != NULL;
	size_t i;
	json_t *a;
	json_array_foreach(json_object_get(call, "args"), i, a) {
		struct flowdesc d = expr(t, s, a, depth + 1);
		merge(&args, &d);
		merge(i ? &rest : &first, &d);
	}
	json_array_foreach(json_object_get(call, "keywords"), i, a) {
		const json_t *value = json_object_get(a, "value");
		const char *k = json_string_value(json_object_get(a, "arg"));
		struct flowdesc d = expr(t, s, value, depth + 1);
		merge(&args, &d);
		bool where = !first_node && k && (!strcmp(k, "url") || !strcmp(k, "host"));
		if (where)
			first_node = value;
		merge(where ? &first : &rest, &d);
	}
	bool dest_arg = first.env.dest && labelled(first.mask) && !labelled(rest.mask);
	unsigned net = t->net_label >= 0 ? 1u << t->net_label : 0;
	const json_t *func = json_object_get(call, "func");
	bool method = ast_is(func, AST_Attribute) && !json_object_get(call, "_resolved") &&
		      !json_object_get(func, "_resolved");
	const char *attr = method ? json_string_value(json_object_get(func, "attr")) : NULL;
	if (method) {	/* data.encode(): the object's taint flows on */
		struct flowdesc d = expr(t, s, json_object_get(func, "value"), depth + 1);
		merge(&out, &d);
	}
	/* server.sendmail(...) where server = smtplib.SMTP(...): the method of what built the
	 * object, smtplib.SMTP.sendmail, is matched against the sinks and sources. */
	const json_t *obj = method ? json_object_get(func, "value") : NULL;
	const struct var *built = attr && ast_is(obj, AST_Name)
				  ? lookup(s, json_string_value(json_object_get(obj, "id")), false) : NULL;
	if (built && built->ctor) {
		free(name);
		size_t len = strlen(built->ctor) + strlen(attr) + 2;
		name = xmalloc(len);
		snprintf(name, len, "%s.%s", built->ctor, attr);
	}
	const struct ruleset *rs = t->site->rules;
	if (named) {
		unsigned src = taint_labels_match(&rs->sources, name);
		if (opens_credentials(t, name, call))
			src |= 1u << t->cred_label;
		if (src && !out.source[0] && !args.source[0]) {
			snprintf(out.source, sizeof out.source, "%.100s() (line %ld)", name, pos(call, "lineno"));
		}
		if (src) {
			struct envsrc e = env_of(t, env_var_read(name, call));
			merge_env(&out.env, out.mask, &e, src);
		}
		out.mask |= src;
		if (src && !out.from.host[0] &&	/* requests.get("https://h.example/x.exe") */
		    dest_of_call(call, out.from.host, sizeof out.from.host, var_host, s))
			out.from.mask = src;
		unsigned sinks = taint_labels_match(&rs->sinks, name);
		if (sinks && (args.mask & ~PARAM_BIT) && t->emit)
			report(t, s, call, name, sinks, &args, NULL, dest_arg);
		/* urlopen(url) where url is the def's first parameter, nothing else from one:
		 * the caller's first argument is where the request goes. */
		bool param_dest = (first.mask & PARAM_BIT) && !(rest.mask & PARAM_BIT) &&
				  is_first_param(t, first_node);
		if (sinks && (args.mask & PARAM_BIT) && t->current) {
			t->current->param_sinks |= param_dest ? sinks & ~net : sinks;
			t->current->param_dest_sinks |= param_dest ? sinks & net : 0;
		}
		/* A function of this module: its summary. */
		const char *bare = ast_is(func, AST_Name) ? json_string_value(json_object_get(func, "id")) : NULL;
		struct fsum *f = bare ? find_def(t, bare, false) : attr ? find_def(t, attr, true) : NULL;
		if (f && f != t->current) {
			if (f->ret_mask & ~PARAM_BIT) {
				struct flowdesc r = { .mask = f->ret_mask & ~PARAM_BIT };
				snprintf(r.source, sizeof r.source, "%s", f->ret_source);
				snprintf(r.path, sizeof r.path, "%s", f->ret_path);
				r.from = f->ret_from;
				r.env = f->ret_env;
				add_path(&r, bare ? bare : attr);
				merge(&out, &r);
			}
			unsigned reached = f->param_sinks | f->param_dest_sinks;
			if (reached && (args.mask & ~PARAM_BIT) && t->emit) {
				char through[128];
				snprintf(through, sizeof through, "%.100s()", f->name);
				report(t, s, call, f->name, reached, &args, through,
				       dest_arg && !(f->param_sinks & net));
			}
			if (reached && (args.mask & PARAM_BIT) && t->current) {
				t->current->param_sinks |= param_dest ? f->param_sinks : reached;
				t->current->param_dest_sinks |= param_dest ? f->param_dest_sinks : 0;
			}
			apply_file_params(s, f, call, attr != NULL);
		}
		if (is_sanitiser(name)) {
			free(name);
			return out;
		}
	}
	/* f.write(data), items.append(data): the object now holds the data. */
	static const char *const mutators[] = { "write", "writelines", "append", "extend", "update",
						"add", "insert", "writestr" };
	const json_t *recv = method ? json_object_get(func, "value") : NULL;
	for (size_t m = 0; attr && ast_is(recv, AST_Name) && args.mask && m < 8; m++)
		if (!strcmp(attr, mutators[m])) {
			struct var *v = lookup(s, json_string_value(json_object_get(recv, "id")), true);
			if (v && !(v->mask & args.mask & ~PARAM_BIT)) {
				if (!v->source[0]) {
					snprintf(v->source, sizeof v->source, "%s", args.source);
					snprintf(v->path, sizeof v->path, "%s", args.path);
				}
				merge_env(&v->env, v->mask, &args.env, args.mask);
				v->mask |= args.mask;
				merge_origin(&v->from, &args.from);
				struct var *loc = v->loc ? lookup(s, v->loc, true) : NULL;
				/* a download written into a start-up folder runs at the next logon */
				if ((v->startup || (loc && loc->startup)) && t->emit && (args.mask & ~PARAM_BIT))
					report(t, s, call, "write", t->startup_sink, &args, NULL, false);
				if (loc) {	/* the file now holds the data: so does its path */
					if (!loc->source[0]) {
						snprintf(loc->source, sizeof loc->source, "%s", args.source);
						snprintf(loc->path, sizeof loc->path, "%s", args.path);
						size_t n = strlen(loc->path);
						snprintf(loc->path + n, sizeof loc->path - n, "%sfile %s",
							 n ? " → " : "", loc->name[0] == '\'' ? loc->name + 1 : loc->name);
					}
					merge_env(&loc->env, loc->mask, &args.env, args.mask);
					loc->mask |= args.mask;
					merge_origin(&loc->from, &args.from);
					/* the path is a parameter: the caller's argument names the file */
					int at = t->current && (args.mask & ~PARAM_BIT)
						 ? param_index(t->current, loc->name) : -1;
					if (at >= 0) {
						struct flowdesc *fd = &t->current->file_data;
						t->current->file_params |= 1u << at;
						if (!fd->source[0]) {
							snprintf(fd->source, sizeof fd->source, "%s", args.source);
							snprintf(fd->path, sizeof fd->path, "%s", args.path);
						}
						fd->mask |= args.mask & ~PARAM_BIT;
						merge_origin(&fd->from, &args.from);
					}
				}
			}
			break;
		}
	/* urlretrieve(url, path), URLDownloadToFileW(0, url, path, 0, 0): the path now holds
	 * what the URL served. */
	size_t path_arg = named && strstr(name, "urlretrieve") ? 1
			  : named && strstr(name, "URLDownloadToFile") ? 2 : 0;
	if (path_arg && json_array_size(json_object_get(call, "args")) > path_arg && out.mask) {
		char *key = location_key(json_array_get(json_object_get(call, "args"), path_arg));
		if (key) {
			struct var *loc = lookup(s, key, true);
			merge_env(&loc->env, loc->mask, &out.env, out.mask);
			loc->mask |= out.mask;
			/* out.source is empty when an argument carried a source of its own */
			if (out.source[0])
				snprintf(loc->source, sizeof loc->source, "%s", out.source);
			else
				snprintf(loc->source, sizeof loc->source, "%.100s() (line %ld)", name,
					 pos(call, "lineno"));
			merge_origin(&loc->from, &out.from);
		}
		free(key);
	}
	/* A URL base stays one through .rstrip("/"), urljoin(base, path) and
	 * "{}/x".format(base); any other call's result is new data. */
	const json_t *recv_node = method ? json_object_get(func, "value") : NULL;
	const char *fmt = ast_is(recv_node, AST_Constant) ?
			  json_string_value(json_object_get(recv_node, "value")) : NULL;
	bool base_kept = (named && keeps_url_base(name)) ||
			 (attr && !strcmp(attr, "format") && fmt && fmt[0] == '{');
	if (!base_kept || !dest_arg)
		args.env.dest = false;
	free(name);
	merge(&out, &args);
	return out;
}

static struct flowdesc expr(struct taint *t, struct scope *s, const json_t *e, int depth)
{
	struct flowdesc out = { 0 };
	if (!e || !deep_enough(t, depth))
		return out;
	enum ast_kind kind = ast_kind(e);
	switch (kind) {
	case AST_Lambda:
	case AST_FunctionDef:
	case AST_ClassDef:
		return out;
	case AST_Call:
		return call_expr(t, s, e, depth);
	case AST_NONE:	/* an array, or an object that is no node (no `_type`) */
		if (!json_is_array(e))
			return out;
		break;
	default:
		break;
	}
	if (kind == AST_Name || kind == AST_Attribute ||
	    (kind == AST_Constant && json_is_string(json_object_get(e, "value")))) {
		const char *r = json_string_value(json_object_get(e, "_resolved"));
		char *name = r ? xstrdup(r) : location_key(e);
		if (name) {
			struct var *v = lookup(s, name, false);
			if ((!v || !v->mask) && name[0] == '\'')
				v = path_inside(s, name + 1);
			if (v && v->mask) {
				out.mask = v->mask;
				out.from = v->from;
				out.env = v->env;
				snprintf(out.source, sizeof out.source, "%s", v->source);
				snprintf(out.path, sizeof out.path, "%s", v->path);
				if (name[0] != '\'')
					add_path(&out, name);
				free(name);
				return out;
			}
			/* os.environ, sys.argv: a source that is not called, named through an import
			 * (rewrite resolved it); a parameter or local that shares a module's name
			 * (`platform.suffix` of a Platform record) is no such source. */
			unsigned src = r ? taint_labels_match(&t->site->rules->sources, name) : 0;
			if (src) {
				out.mask = src;
				out.env = env_of(t, NULL);	/* os.environ itself: every variable */
				snprintf(out.source, sizeof out.source, "%.100s (line %ld)", name, pos(e, "lineno"));
				free(name);
				return out;
			}
			free(name);
		}
		if (kind == AST_Attribute)	/* r.text: the object's taint */
			return expr(t, s, json_object_get(e, "value"), depth + 1);
		return out;
	}
	if (kind == AST_Subscript) {	/* os.environ["NAME"]: that one variable */
		const json_t *base = json_object_get(e, "value");
		const json_t *key = json_object_get(e, "slice");
		const char *r = json_string_value(json_object_get(base, "_resolved"));
		const json_t *kv = json_object_get(key, "value");
		unsigned src = r && (!strcmp(r, "os.environ") || !strcmp(r, "os.environb")) &&
			       ast_is(key, AST_Constant) && json_is_string(kv) ?
			       taint_labels_match(&t->site->rules->sources, r) : 0;
		if (src) {
			out.mask = src;
			out.env = env_of(t, json_string_value(kv));
			snprintf(out.source, sizeof out.source, "%.100s (line %ld)", r, pos(e, "lineno"));
			return out;
		}
	}
	if (kind == AST_BinOp) {	/* base + "/path", "%s/path" % base: the left is the start */
		const json_t *left = json_object_get(e, "left");
		struct flowdesc l = expr(t, s, left, depth + 1);
		struct flowdesc r = expr(t, s, json_object_get(e, "right"), depth + 1);
		const char *ltext = ast_is(left, AST_Constant) ?
				    json_string_value(json_object_get(left, "value")) : NULL;
		bool percent = ast_is(json_object_get(e, "op"), AST_Mod) && ltext &&
			       !strncmp(ltext, "%s", 2);
		if (!percent)
			r.env.dest = false;
		merge(&out, &l);
		merge(&out, &r);
		return out;
	}
	/* f"{base}/path" and lists: only the first part is the start of the value. */
	struct ast_children it;
	json_t *child;
	size_t part = 0;
	for (ast_children_init(&it, (json_t *)e); (child = ast_children_next(&it)); part++) {
		struct flowdesc d = expr(t, s, child, depth + 1);
		if (kind == AST_NONE && part > 0)
			d.env.dest = false;
		merge(&out, &d);
	}
	return out;
}

static void assign(struct taint *t, struct scope *s, const json_t *target, const struct flowdesc *d,
		   const json_t *value, int depth)
{
	if (!deep_enough(t, depth))
		return;
	if (ast_is(target, AST_Tuple) || ast_is(target, AST_List)) {
		size_t i;
		json_t *e;
		json_array_foreach(json_object_get(target, "elts"), i, e)
			assign(t, s, e, d, NULL, depth + 1);
		return;
	}
	if (ast_is(target, AST_Starred)) {
		assign(t, s, json_object_get(target, "value"), d, NULL, depth + 1);
		return;
	}
	if (ast_is(target, AST_Subscript)) {	/* d[k] = v: the container holds it */
		const json_t *base = json_object_get(target, "value");
		if (d->mask)
			assign(t, s, base, d, NULL, depth + 1);
		return;
	}
	char *name = dotted(target);
	if (!name)
		return;
	struct var *v = lookup(s, name, true);
	free(name);
	if (d->mask) {
		merge_env(&v->env, v->mask, &d->env, d->mask);
		v->mask |= d->mask;
		merge_origin(&v->from, &d->from);
		snprintf(v->source, sizeof v->source, "%s", d->source);
		snprintf(v->path, sizeof v->path, "%s", d->path);
	}
	/* url = "https://x.example/": a later requests.post(url, ...) has a fixed host. */
	if (value && !v->host[0])
		dest_of_expr(value, v->host, sizeof v->host, var_host, s);
	/* f = open(path, 'wb'): remember which path f writes to. */
	char *fn = value && ast_is(value, AST_Call) ? callee(value) : NULL;
	/* s = socket.socket(): a call aura-rewrite resolved builds the object (the last
	 * binding seen decides; anything else bound to the name forgets it). */
	free(v->ctor);
	v->ctor = fn && resolved_call(value) ? xstrdup(fn) : NULL;
	if (fn && !strcmp(fn, "builtins.open")) {
		free(v->loc);
		const json_t *path = json_array_get(json_object_get(value, "args"), 0);
		v->loc = location_key(path);
		/* the file object says where it writes even when its path has no name of its own
		 * (open(expanduser("~/.config/autostart/") + name, "w")) */
		struct var *loc = v->loc ? lookup(s, v->loc, true) : NULL;
		v->startup = names_startup(t, s, path, 0);
		if (loc && v->startup)
			loc->startup = true;
	} else if (value && !v->startup) {
		v->startup = names_startup(t, s, value, 0);
	}
	free(fn);
}

static void body(struct taint *t, struct scope *s, const json_t *stmts, int depth);

static void statement(struct taint *t, struct scope *s, const json_t *st, int depth)
{
	enum ast_kind kind = ast_kind(st);
	if (kind == AST_NONE || !deep_enough(t, depth))
		return;
	switch (kind) {
	case AST_FunctionDef:
	case AST_AsyncFunctionDef:
	case AST_ClassDef:
		return;	/* analysed on their own */
	case AST_Assign:
	case AST_AnnAssign:
	case AST_AugAssign: {
		const json_t *value = json_object_get(st, "value");
		struct flowdesc d = expr(t, s, value, depth + 1);
		const json_t *targets = json_object_get(st, "targets");
		if (!targets) {
			assign(t, s, json_object_get(st, "target"), &d, value, 0);
		} else {
			size_t i;
			json_t *tg;
			json_array_foreach(targets, i, tg)
				assign(t, s, tg, &d, value, 0);
		}
		return;
	}
	case AST_With:
	case AST_AsyncWith: {
		size_t i;
		json_t *item;
		json_array_foreach(json_object_get(st, "items"), i, item) {
			const json_t *ce = json_object_get(item, "context_expr");
			struct flowdesc d = expr(t, s, ce, depth + 1);
			const json_t *as = json_object_get(item, "optional_vars");
			if (as && !json_is_null(as))
				assign(t, s, as, &d, ce, 0);
		}
		body(t, s, json_object_get(st, "body"), depth + 1);
		return;
	}
	case AST_For:
	case AST_AsyncFor: {
		struct flowdesc d = expr(t, s, json_object_get(st, "iter"), depth + 1);
		assign(t, s, json_object_get(st, "target"), &d, NULL, 0);
		body(t, s, json_object_get(st, "body"), depth + 1);
		body(t, s, json_object_get(st, "orelse"), depth + 1);
		return;
	}
	case AST_Return: {
		struct flowdesc d = expr(t, s, json_object_get(st, "value"), depth + 1);
		if (t->current && d.mask) {
			if (!t->current->ret_source[0]) {
				snprintf(t->current->ret_source, DESC, "%s", d.source);
				snprintf(t->current->ret_path, DESC, "%s", d.path);
			}
			merge_env(&t->current->ret_env, t->current->ret_mask, &d.env, d.mask);
			t->current->ret_mask |= d.mask;
			merge_origin(&t->current->ret_from, &d.from);
		}
		return;
	}
	case AST_Try:
	case AST_TryStar: {
		body(t, s, json_object_get(st, "body"), depth + 1);
		size_t i;
		json_t *h;
		json_array_foreach(json_object_get(st, "handlers"), i, h)
			body(t, s, json_object_get(h, "body"), depth + 1);
		body(t, s, json_object_get(st, "orelse"), depth + 1);
		body(t, s, json_object_get(st, "finalbody"), depth + 1);
		return;
	}
	case AST_If:
	case AST_While:
		expr(t, s, json_object_get(st, "test"), depth + 1);
		body(t, s, json_object_get(st, "body"), depth + 1);
		body(t, s, json_object_get(st, "orelse"), depth + 1);
		return;
	case AST_Expr:
	case AST_Raise:
	case AST_Assert: {
		struct ast_children it;
		json_t *child;
		for (ast_children_init(&it, (json_t *)st); (child = ast_children_next(&it));)
			expr(t, s, child, depth + 1);
		return;
	}
	default:
		return;
	}
}

static void body(struct taint *t, struct scope *s, const json_t *stmts, int depth)
{
	if (!deep_enough(t, depth))
		return;
	size_t i;
	json_t *st;
	json_array_foreach(stmts, i, st)
		statement(t, s, st, depth + 1);
}

static void collect_defs(struct taint *t, const json_t *stmts, bool method, bool hook, int depth)
{
	if (!deep_enough(t, depth))
		return;
	size_t i;
	json_t *st;
	json_array_foreach(stmts, i, st) {
		if (ast_is(st, AST_FunctionDef) || ast_is(st, AST_AsyncFunctionDef)) {
			const char *name = json_string_value(json_object_get(st, "name"));
			if (name && t->ndefs == t->capdefs) {
				t->capdefs = t->capdefs ? 2 * t->capdefs : 64;
				t->defs = xrealloc(t->defs, t->capdefs * sizeof *t->defs);
			}
			if (name)
				t->defs[t->ndefs++] = (struct fsum){ .node = st, .name = name, .method = method,
								     .hook = hook };
			/* def outer(): def fetch(): ...; exec(fetch()) — a nested def gets its own
			 * summary, called by its bare name (a closure's reads of the enclosing
			 * function's locals are not followed). */
			collect_defs(t, json_object_get(st, "body"), false, false, depth + 1);
		} else if (ast_is(st, AST_ClassDef) && !method) {
			const char *cname = json_string_value(json_object_get(st, "name"));
			bool h = false;
			for (size_t k = 0; cname && k < t->site->nhook_classes; k++)
				h |= !strcmp(cname, t->site->hook_classes[k]);
			collect_defs(t, json_object_get(st, "body"), true, h, depth + 1);
		} else if (ast_is(st, AST_If) || ast_is(st, AST_Try)) {
			collect_defs(t, json_object_get(st, "body"), method, hook, depth + 1);
			collect_defs(t, json_object_get(st, "orelse"), method, hook, depth + 1);
		}
	}
}

/* The bit of source label `label` (checked to exist when the rules were loaded). */
static unsigned source_label(const struct taint *t, const char *label)
{
	const struct taint_labels *l = &t->site->rules->sources;
	for (size_t i = 0; i < l->n; i++)
		if (!strcmp(l->label[i], label))
			return (unsigned)i;
	return 0;
}

/* One def's body in a fresh scope whose parameters carry PARAM_BIT. */
static void run_def(struct taint *t, struct scope *module, struct fsum *f)
{
	struct scope s = scope_new(module);
	const json_t *args = json_object_get(f->node, "args");
	bool handler = reach_is_handler(t->site->reach, f->node);
	static const char *const kinds[] = { "posonlyargs", "args", "kwonlyargs" };
	for (size_t k = 0; k < 3; k++) {
		size_t i;
		json_t *a;
		json_array_foreach(json_object_get(args, kinds[k]), i, a) {
			const char *id = json_string_value(json_object_get(a, "arg"));
			struct var *v = id && strcmp(id, "self") ? lookup(&s, id, true) : NULL;
			if (!v)
				continue;
			v->mask = PARAM_BIT;
			/* def send(private_key): what the name says it holds is a source. */
			unsigned labels = taint_labels_match(&t->site->rules->parameters, id);
			for (size_t l = 0; l < t->site->rules->parameters.n; l++)
				if (labels & (1u << l))
					v->mask |= 1u << source_label(t, t->site->rules->parameters.label[l]);
			/* @bot.message_handler(...) def on(message): the event, from the network. */
			if (handler && t->remote_label >= 0)
				v->mask |= 1u << t->remote_label;
			if (v->mask != PARAM_BIT) {
				snprintf(v->source, sizeof v->source, "parameter %s of %.60s()", id, f->name);
				v->env = env_of(t, NULL);
			}
		}
	}
	t->current = f;
	body(t, &s, json_object_get(f->node, "body"), 0);
	t->current = NULL;
	scope_free(&s);
}

void taint_module(const struct taint_site *site, const json_t *module)
{
	if (!site->rules->flows.n)
		return;
	struct taint *t = xmalloc(sizeof *t);
	*t = (struct taint){ .site = site, .cred_label = -1, .seen = json_object(), .module = module };
	for (size_t i = 0; i < site->rules->sources.n; i++)
		if (!strcmp(site->rules->sources.label[i], "credential-file"))
			t->cred_label = (int)i;
	t->remote_label = -1;
	for (size_t i = 0; i < site->rules->sources.n; i++)
		if (!strcmp(site->rules->sources.label[i], "remote-input"))
			t->remote_label = (int)i;
	t->net_label = -1;
	for (size_t i = 0; i < site->rules->sinks.n; i++)
		if (!strcmp(site->rules->sinks.label[i], "network"))
			t->net_label = (int)i;
	for (size_t i = 0; i < site->rules->sinks.n; i++)
		if (!strcmp(site->rules->sinks.label[i], "startup-file"))
			t->startup_sink = 1u << i;
	collect_defs(t, json_object_get(module, "body"), false, false, 0);
	struct scope mod = scope_new(NULL);
	mod.globals = &mod;
	/* Summaries first (twice, so a def calling a later def sees its summary). */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < t->ndefs; i++)
			run_def(t, &mod, &t->defs[i]);
	/* Then the flows: the top level, then each def in the context it runs in. */
	t->emit = true;
	t->ctx = site->top;
	body(t, &mod, json_object_get(module, "body"), 0);
	for (size_t i = 0; i < t->ndefs; i++) {
		struct fsum *f = &t->defs[i];
		t->via = site->top != CTX_FUNCTION ? reach_chain(site->reach, f->node) : NULL;
		t->ctx = f->hook && site->top == CTX_INSTALL ? CTX_INSTALL : t->via ? site->top : CTX_FUNCTION;
		run_def(t, &mod, f);
		free(t->via);
		t->via = NULL;
	}
	scope_free(&mod);
	if (t->too_deep)
		record_error(site->artifact, site->path, "code nested deeper than the analysis follows "
			     "(%d levels): data flow not followed below", t->too_deep);
	json_decref(t->seen);
	free(t->defs);
	free(t);
}
