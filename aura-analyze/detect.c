/* detect.c: walking an `ast` record's tree and emitting a hit for each rule that matches. */
#include <ctype.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "astwalk.h"
#include "bundled.h"
#include "err.h"
#include "installed.h"
#include "netguard.h"
#include "ndjson.h"
#include "record.h"
#include "strbuf.h"
#include "detect.h"
#include "dest.h"
#include "reach.h"
#include "strings.h"
#include "taint.h"
#include "xref.h"

struct walk {
	const struct ruleset *rules;
	const json_t *rec;
	struct source *src;
	const char *artifact, *path, *file;
	enum context top;	/* the context of top-level code in this file */
	bool rewritten;		/* aura-rewrite has resolved the names (root "_rewritten") */
	struct tree_guard *guard;	/* every walk of this tree (started in detect_ast) */
	/* Inside an exec payload aura-rewrite decoded (`_payload`): the outer call, where
	 * its hits are reported, and the decoded text the inner positions refer to. */
	const json_t *anchor;
	const char *payload_src;
	/* Which defs run when the top level does (reach.c), and the chain into the one
	 * being walked: its calls weigh as top-level code and the message says why. */
	struct reach *reach;
	const char *via;
	const char *string_note;	/* replaces {name} in the message of an entropy hit */
	const char *fixed_host;		/* the call's hard-coded destination (rule fixed_host) */
	const char *build_tool;		/* the build tool the call runs (rule build_tool) */
	const char *system_lib;		/* the system library the call loads (rule system_library) */
	const char *decoded_from;	/* the string matched was decoded from this encoding */
	bool test_code;			/* test, documentation or example code (test_paths) */
	bool repo_code;			/* a repository script the package does not install */
	const char *package_file;	/* the package's own file the call runs (package_file) */
	/* network: a download checked against a pinned digest (rule verified), or made only
	 * under an environment switch the user turns on (rule opt_in): netguard.c */
	const int *net_score;
	const char *net_tag, *net_note;
	bool lookup;			/* the known code the call runs only looks up (rule lookup) */
	bool known_code;		/* the interpreter runs code written out in the package (known_code) */
	bool template_sample;		/* the code run is a template sample (rule template) */
	const char *constant_name;	/* the module a dynamic import names in the code (constant_name) */
	json_t *bindings;		/* name -> [values assigned to it anywhere in the file] */
	json_t *changed;		/* name -> true: a list the file changes (+=, append, x[i] =) */
	json_t *declared_global;	/* name -> true: a `global name` statement in the file */
	/* setup.py classes whose methods run at install time (custom setup commands) */
	const char *hook_classes[64];
	size_t nhook_classes;
	/* setup.py defs assigned over a setup command's method (install.run = f) */
	const char *hook_defs[16];
	size_t nhook_defs;
	/* cmdclass entries pip does not run (test, quality): command and class names */
	const char *other_commands[64], *other_classes[64];
	size_t nother_commands;
	/* Cross-file reachability (xref.c): the module-level def whose body is being walked
	 * (NULL at top level and in methods), and how many classes enclose the walk. */
	struct xref *xref;
	const char *def;
	int in_class;
	/* The innermost def around the walk (NULL at top level): a command that is one of
	 * its parameters is followed back to the calls of the def (setup.py only). */
	const json_t *func;
	const json_t *tree;
	/* The lambda a call is invoking right here (`(lambda: ...)()`): its body runs now, in
	 * the caller's context, not whenever something calls it. */
	const json_t *invoked_lambda;
	/* The command argument of the process call being walked, and whether the walk is
	 * inside it (or in the call's joined `_command`): where `in_commands` string rules
	 * apply.  commands_only: a name's value scanned there, for those rules alone. */
	const json_t *command_arg;
	bool in_command, commands_only;
	/* A def of setup.py entered through one call of it, to resolve what it returns (a
	 * search helper, get_proj_dir()): the call, whose arguments its parameters hold, and
	 * the walk around that call, where they are resolved. */
	const json_t *frame;
	const struct walk *caller;
	struct search *search;	/* the build command being resolved (check_call), or NULL */
};

/*
 * What resolving one build command met: the program names its candidates have, whether
 * one candidate is a place in the package's own directory (then bundled.c judges the run
 * at the artifact's end by its members' names), and the steps taken (a budget).
 */
struct search {
	json_t *names;
	bool package;
	bool querying;	/* resolving a reporting tool's query (reporting_call) */
	char reporter[128];	/* the reporting tool whose answer the command runs, or "" */
	unsigned steps;
};

#define SEARCH_STEPS 4096	/* defs entered and loop elements followed for one command */

/* C stack the walks may use below the frame of detect_ast (detect_init measures it). */
static size_t stack_budget = 1u << 20;

void detect_init(void)
{
	stack_budget = ast_stack_budget();
}

size_t detect_stack_budget(void)
{
	return stack_budget;
}

bool tree_guard_ok(struct tree_guard *tg, int depth)
{
	if (ast_guard_ok(&tg->guard, depth))
		return true;
	if (!tg->cut)
		tg->cut = depth;
	return false;
}

/* setup.py runs at install time; a package's __main__.py when the user runs `python -m
 * pkg` (context command); any other module's top level when it is imported. */
static enum context top_context(const char *path)
{
	if (!path)
		return CTX_IMPORT;
	const char *base = source_base_name(path);
	/* A .pth file's import lines (aura-rewrite parses them) run at every interpreter start. */
	size_t n = strlen(base);
	if (n > 4 && !strcmp(base + n - 4, ".pth"))
		return CTX_INSTALL;
	if (!strcmp(base, "__main__.py"))
		return CTX_COMMAND;
	return strcmp(base, "setup.py") == 0 ? CTX_INSTALL : CTX_IMPORT;
}

/* The plain dotted name of a.b.c where every part is a Name or Attribute, or NULL. */
static char *plain_dotted(const json_t *n)
{
	char buf[512];
	size_t len = 0;
	const char *parts[64];
	int np = 0;
	while (ast_is(n, AST_Attribute) && np < 63) {
		parts[np++] = json_string_value(json_object_get(n, "attr"));
		n = json_object_get(n, "value");
	}
	if (!ast_is(n, AST_Name) || np == 63)
		return NULL;
	parts[np++] = json_string_value(json_object_get(n, "id"));
	for (int i = np - 1; i >= 0; i--) {
		if (!parts[i])
			return NULL;
		int w = snprintf(buf + len, sizeof buf - len, "%s%s", len ? "." : "", parts[i]);
		if (w < 0 || (size_t)w >= sizeof buf - len)
			return NULL;
		len += (size_t)w;
	}
	return xstrdup(buf);
}

/*
 * The canonical name of what a call calls.  aura-rewrite's `_resolved` (on the Call, then
 * on its func) is authoritative.  Without it, the plain dotted name: `os.system` still
 * matches, but `model.eval` or `re.compile` never match a `builtins.*` rule.  A bare
 * name is taken as a builtin only in a tree rewrite has not seen: once it has, a bare
 * name it left unresolved is bound to something else (def eval(): ...).
 */
static char *callee_name(const struct walk *w, const json_t *call)
{
	const char *r = json_string_value(json_object_get(call, "_resolved"));
	json_t *func = json_object_get(call, "func");
	if (!r)
		r = json_string_value(json_object_get(func, "_resolved"));
	if (r)
		return xstrdup(r);
	if (w->rewritten || !ast_is(func, AST_Name))
		return plain_dotted(func);
	const char *id = json_string_value(json_object_get(func, "id"));
	if (!id)
		return NULL;
	char *out = xmalloc(strlen(id) + sizeof "builtins.");
	strcpy(out, "builtins.");
	strcat(out, id);
	return out;
}

static const char *when(const struct walk *w, enum context c)
{
	static const char *const text[CTX_COUNT] = { "at install time", "at import time",
						     "inside a function", "when the user runs the package's command" };
	if (w->test_code)
		return "in test or example code";
	return w->repo_code && c == CTX_FUNCTION ? "in code the package does not install" : text[c];
}

/*
 * The rule's message with {name}, {context}, {when} and {detection} filled in.  In the
 * message a builtin is named as people write it (eval, not builtins.eval).
 */
static char *expand_message(const struct walk *w, const struct rule *r, const char *name,
			    enum context c)
{
	if (strncmp(name, "builtins.", 9) == 0 && name[9])
		name += 9;
	size_t cap = 256, len = 0;
	char *out = xmalloc(cap);
	for (const char *p = r->message; *p;) {
		const char *sub = NULL;
		size_t skip = 1;
		static const char *const keys[] = { "{name}", "{context}", "{when}", "{detection}" };
		for (size_t k = 0; k < 4 && !sub; k++)
			if (strncmp(p, keys[k], strlen(keys[k])) == 0) {
				sub = k == 0 ? name : k == 1 ? context_names[c] : k == 2 ? when(w, c)
											: r->detection;
				skip = strlen(keys[k]);
			}
		size_t n = sub ? strlen(sub) : 1;
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			out = xrealloc(out, cap);
		}
		memcpy(out + len, sub ? sub : p, n);
		len += n;
		p += skip;
	}
	out[len] = '\0';
	return out;
}

static long position(const json_t *n, const char *key)
{
	return (long)record_int(n, key, 0);
}

/* The text of `node` in a decoded payload (its positions are relative to that text). */
static char *payload_snippet(const char *src, const json_t *node)
{
	long line = position(node, "lineno"), col = position(node, "col_offset");
	long end_line = position(node, "end_lineno"), end_col = position(node, "end_col_offset");
	const char *p = src ? src : "";
	for (long l = 1; l < line && *p; l++) {
		const char *nl = strchr(p, '\n');
		p = nl ? nl + 1 : p + strlen(p);
	}
	for (long c = 0; c < col && *p && *p != '\n'; c++)
		p++;
	const char *end = p;
	for (long l = line; l < end_line && *end; l++) {
		const char *nl = strchr(end, '\n');
		end = nl ? nl + 1 : end + strlen(end);
	}
	const char *line_start = end;
	while (*end && *end != '\n' && end - line_start < (end_line == line ? end_col - col : end_col))
		end++;
	size_t n = end > p ? (size_t)(end - p) : 0, max = 200;
	if (n > max) {	/* keep it valid UTF-8: never end inside a sequence */
		n = max;
		while (n > 0 && ((unsigned char)p[n] & 0xC0) == 0x80)
			n--;
	}
	char *out = xmalloc(n + 4);
	memcpy(out, p, n);
	strcpy(out + n, n < (size_t)(end - p) ? "…" : "");
	return out;
}

/* *msg followed by the formatted note: what a hit's context adds to its rule's message. */
static void append_note(char **msg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void append_note(char **msg, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *note = xvasprintf(fmt, ap);
	va_end(ap);
	char *m = xasprintf("%s%s", *msg, note);
	free(note);
	free(*msg);
	*msg = m;
}

static bool writes_program(const struct walk *w, const json_t *names);

/* A hit for rule `r` on `node`; `secret`, when not NULL, is the credential it found. */
static void emit_hit_secret(struct walk *w, const struct rule *r, const char *name,
			    const json_t *node, enum context c, const char *secret)
{
	if (!r->applies[c])
		return;
	char *msg = expand_message(w, r, w->string_note ? w->string_note : name, c);
	/* What the bytes are checked against, or the switch the user turns on, says more
	 * than where they come from: it goes before a fixed host. */
	bool net = w->net_score != NULL;
	bool fixed = !net && w->fixed_host && r->has_fixed_host[c];
	/* ./configure only where bundled.c judges it: install-time code of an artifact whose
	 * end is still to come (a file analysed alone has no members to judge it by) */
	bool tool = !fixed && w->build_tool && r->has_build_tool[c] &&
		    (!bundled_is_configure(w->build_tool) || (c == CTX_INSTALL && bundled_open(w->artifact)));
	/* A tool searched for in the package's directory too: judged by bundled.c as well,
	 * and never when the file may write a file of that name first (writes_program). */
	bool searched = tool && w->search && w->search->package;
	if (searched && (c != CTX_INSTALL || !bundled_open(w->artifact) ||
			 writes_program(w, w->search->names)))
		tool = searched = false;
	bool syslib = !fixed && !tool && w->system_lib && r->has_system_library[c];
	bool own = !fixed && !tool && !syslib && w->package_file && r->has_package_file[c];
	bool lookup = !fixed && !tool && !syslib && !own && w->lookup && r->has_lookup[c];
	bool known = !fixed && !tool && !syslib && !own && !lookup && w->known_code &&
		     r->has_known_code[c];
	bool templ = !fixed && !tool && !syslib && !own && !lookup && !known && w->template_sample &&
		     r->has_template_sample[c];
	bool constname = !fixed && !tool && !syslib && !own && !lookup && !known && !templ && w->constant_name &&
			 r->has_constant_name[c];
	/* A signature in test code or a repository script nothing runs (a CI script's
	 * installer URL): its rule's `unshipped` score; what runs it is scored where it runs. */
	bool unshipped = !fixed && !tool && !syslib && !own && c == CTX_FUNCTION &&
			 (w->test_code || w->repo_code) && r->has_unshipped[c];
	if (syslib)
		append_note(&msg, ": a system library (%s)", w->system_lib);
	if (own)
		append_note(&msg, ": the package's own file %s, whose code is analysed where it runs",
			    w->package_file);
	if (lookup)
		append_note(&msg, ": known code that only looks values up");
	if (known)
		append_note(&msg, ": the interpreter running code written out in the package, "
			    "whose own findings count here");
	if (templ)
		append_note(&msg, ": code built from literal templates whose only unknowns are counts"
			    " (a sample of it is analysed)");
	if (constname)
		append_note(&msg, ": the module %s, named in the code (an import written another way)",
			    w->constant_name);
	/* "@apxs": the program the user's apxs reports (tool_output), judged like a search;
	 * or a build tool in a directory a reporting tool names (llvm-config --bindir) */
	if (tool && w->build_tool[0] == '@')
		append_note(&msg, ": a program the build tool %s reports, a tool of a name the package does not ship",
			    w->build_tool + 1);
	else if (tool && searched && w->search->reporter[0])
		append_note(&msg, ": the build tool %s, in a directory the build tool %s reports, a tool of a "
			    "name the package does not ship", w->build_tool, w->search->reporter);
	else if (tool)
		append_note(&msg, ": the build tool %s%s", w->build_tool,
			    searched ? ", searched for on the system and in the package's directory, which ships none" : "");
	if (net)
		append_note(&msg, ": %s", w->net_note);
	if (fixed)
		append_note(&msg, " to the hard-coded host %s", w->fixed_host);
	if (w->decoded_from)
		append_note(&msg, ", hidden as %s", w->decoded_from);
	if (w->via)
		append_note(&msg, " (reached through %s)", w->via);
	const json_t *at = w->anchor ? w->anchor : node;
	long line = position(at, "lineno"), col = position(at, "col_offset");
	int score = net ? w->net_score[c] : fixed ? r->fixed_host[c] : tool ? r->build_tool[c]
			: syslib ? r->system_library[c]
			: own ? r->package_file[c] : lookup ? r->lookup[c] : known ? r->known_code[c]
			: templ ? r->template_sample[c]
			: constname ? r->constant_name[c] : unshipped ? r->unshipped[c]
			: r->score[c];
	json_t *hit = rule_hit_new(r, c, score, w->artifact,
				   w->path, line, col, w->file, name, msg);
	free(msg);
	json_t *tags = json_object_get(hit, "tags");
	if (w->via)
		json_array_append_new(tags, json_string("reachable"));
	if (fixed)
		json_array_append_new(tags, json_string("fixed-host"));
	if (net)
		json_array_append_new(tags, json_string(w->net_tag));
	if (tool)
		json_array_append_new(tags, json_string("build-tool"));
	if (syslib)
		json_array_append_new(tags, json_string("system-library"));
	if (own)
		json_array_append_new(tags, json_string("package-file"));
	if (lookup)
		json_array_append_new(tags, json_string("lookup"));
	if (known)
		json_array_append_new(tags, json_string("known-code"));
	if (templ)
		json_array_append_new(tags, json_string("template"));
	if (constname)
		json_array_append_new(tags, json_string("constant-name"));
	if (w->repo_code)
		json_array_append_new(tags, json_string("not-installed"));
	if (w->decoded_from)
		json_array_append_new(tags, json_string("encoded"));
	if (w->test_code)
		json_array_append_new(tags, json_string("test-code"));
	if (secret) {	/* aura-score redacts it wherever it is quoted */
		json_array_append_new(tags, json_string("secret"));
		json_object_set_new(hit, "secret", json_string_lossy(secret, strlen(secret)));
	}
	char *evidence = source_evidence(w->src, w->file, line, col, position(at, "end_lineno"),
					 position(at, "end_col_offset"));
	if (w->anchor) {
		json_array_append_new(tags, json_string("payload"));
		char *decoded = payload_snippet(w->payload_src, node);
		size_t n = (evidence ? strlen(evidence) : 0) + strlen(decoded) + 8;
		char *both = xmalloc(n);
		snprintf(both, n, "%s%s%s", evidence ? evidence : "", evidence ? " → " : "", decoded);
		free(evidence);
		free(decoded);
		evidence = both;
	}
	if (evidence)
		json_object_set_new(hit, "evidence", json_string(evidence));
	free(evidence);
	/* The code aura-rewrite decoded for the call the hit is at: the reports quote it. */
	const char *decoded = json_string_value(json_object_get(at, "_payload_source"));
	if (decoded)
		json_object_set_new(hit, "payload", json_string(decoded));
	/* Another file may call this def at install or import time: kept for artifact_end. */
	if ((c == CTX_FUNCTION || c == CTX_COMMAND) && w->def && w->xref && !w->test_code)
		xref_keep_hit(w->xref, w->def, r, fixed, hit);
	/* Another file may run this one as code (exec of its text): kept for artifact_end. */
	if (c == w->top && c != CTX_INSTALL && ((!w->def && !w->in_class) || w->via) && w->xref &&
	    !w->test_code)
		xref_keep_top_hit(w->xref, r, fixed, hit);
	/* A searched-for tool weighs as one only if the artifact ships no file of its name
	 * (bundled.c): otherwise, at its end, this hit in full. */
	if (searched) {
		json_t *full = json_deep_copy(hit);
		json_object_set_new(full, "score", json_integer(r->score[c]));
		json_object_set_new(full, "severity", json_string(context_severity(r->severity, r->score[c])));
		char *m = expand_message(w, r, name, c);
		if (w->build_tool[0] == '@' || w->search->reporter[0])
			append_note(&m, ": a program %s reports, where the package ships a file of the name of a "
				    "tool it searched for", w->search->reporter[0] ? w->search->reporter : w->build_tool + 1);
		else
			append_note(&m, ": %s, a program of a name the package ships, searched for in its own directory",
				    w->build_tool);
		if (w->via)
			append_note(&m, " (reached through %s)", w->via);
		json_object_set_new(full, "message", json_string(m));
		json_t *kept = json_object_get(full, "tags");
		for (size_t i = json_array_size(kept); i-- > 0;)
			if (!strcmp(json_string_value(json_array_get(kept, i)) ?: "", "build-tool"))
				json_array_remove(kept, i);
		free(m);
		bundled_note_search(w->artifact, w->search->names, full);
		json_decref(full);
	}
	/* ./configure weighs as a build tool only if the artifact's configure scripts are
	 * Autoconf's (bundled.c): otherwise, at its end, this hit in full. */
	if (tool && bundled_is_configure(w->build_tool)) {
		json_t *full = json_deep_copy(hit);
		json_object_set_new(full, "score", json_integer(r->score[c]));
		json_object_set_new(full, "severity", json_string(context_severity(r->severity, r->score[c])));
		char *m = expand_message(w, r, name, c);
		char *with = xmalloc(strlen(m) + (w->via ? strlen(w->via) : 0) + 160);
		sprintf(with, "%s: ./configure, a script GNU Autoconf did not generate (or that the package lacks)%s%s%s",
			m, w->via ? " (reached through " : "", w->via ? w->via : "", w->via ? ")" : "");
		json_object_set_new(full, "message", json_string(with));
		json_t *kept = json_object_get(full, "tags");
		for (size_t i = json_array_size(kept); i-- > 0;)
			if (!strcmp(json_string_value(json_array_get(kept, i)) ?: "", "build-tool"))
				json_array_remove(kept, i);
		free(with);
		free(m);
		bundled_note_run(w->artifact, full);
		json_decref(full);
	}
	/* The package's own file run as code: weighed where it runs; a file the artifact
	 * turns out not to have is unknown code, and then this hit weighs in full. */
	if (own && c != CTX_FUNCTION && w->xref) {
		json_t *full = json_deep_copy(hit);
		json_object_set_new(full, "score", json_integer(r->score[c]));
		json_object_set_new(full, "severity", json_string(context_severity(r->severity, r->score[c])));
		char *m = expand_message(w, r, name, c);
		char *with = xasprintf("%s: %s, no Python source the package has (its code was not analysed)",
				       m, w->package_file);
		json_object_set_new(full, "message", json_string(with));
		free(with);
		free(m);
		xref_note_run_file(w->xref, w->package_file, c, full);
		json_decref(full);
	}
	out_record(hit);
	json_decref(hit);
}

static void emit_hit(struct walk *w, const struct rule *r, const char *name, const json_t *node,
		     enum context c)
{
	emit_hit_secret(w, r, name, node, c, NULL);
}

/* ---- string signatures (strings.c) over constants and f-string text ---- */

struct string_site {
	struct walk *w;
	const json_t *node;
	enum context c;
};

static void on_string_match(const struct rule *r, const char *m, size_t len, void *ctx)
{
	struct string_site *site = ctx;
	char name[256];
	if ((r->in_commands && !site->w->in_command) || (site->w->commands_only && !r->in_commands))
		return;
	if (!r->code && site->w->decoded_from)
		return;	/* the encoded form was measured already */
	if (!r->code) {	/* entropy: the blob itself is no name; one finding per file */
		snprintf(name, sizeof name, "%zu bytes, %.1f bits/byte", len,
			 shannon_bits((const unsigned char *)m, len > STRINGS_MAX_SCAN ? STRINGS_MAX_SCAN : len));
		site->w->string_note = name;
		emit_hit(site->w, r, "high-entropy string", site->node, site->c);
		site->w->string_note = NULL;
		return;
	}
	size_t n = len < 200 ? len : 200;
	json_t *text = json_string_lossy(m, n);	/* the match may be raw bytes */
	const char *t = json_string_value(text);
	if (r->secret) {
		char *raw = xmalloc(len + 1);
		memcpy(raw, m, len);
		raw[len] = '\0';
		/* Never the secret itself in the name or message: its first characters only. */
		snprintf(name, sizeof name, "%.4s…", t);
		emit_hit_secret(site->w, r, name, site->node, site->c, raw);
		free(raw);
	} else {
		emit_hit(site->w, r, t, site->node, site->c);
	}
	json_decref(text);
}

/*
 * The text of a str or bytes Constant (bytes decoded; malloc'd), or NULL.  The buffer has
 * STRINGS_PAD zeroed bytes after the text: PCRE2's JIT reads whole vectors past the end.
 */
static char *constant_text(const json_t *node, const char *key, size_t *len)
{
	const json_t *v = json_object_get(node, key);
	const char *b64 = json_string_value(json_object_get(v, "$bytes"));
	unsigned char *bytes = NULL;
	const char *text = NULL;
	if (json_is_string(v)) {
		text = json_string_value(v);
		*len = json_string_length(v);
	} else if (b64 && (bytes = base64_decode(b64, strlen(b64), len))) {
		text = (const char *)bytes;
	} else {
		return NULL;
	}
	char *out = xmalloc(*len + STRINGS_PAD);
	memcpy(out, text, *len);
	memset(out + *len, 0, STRINGS_PAD);
	free(bytes);
	return out;
}

/*
 * A constant that is nothing but base64 and decodes to text: the text it hides (a webhook
 * URL kept as "aHR0cHM6Ly9..."), malloc'd with STRINGS_PAD zeroed bytes, or NULL.
 */
static char *base64_text(const char *text, size_t len, size_t *out_len)
{
	if (len < 16 || len % 4 || len > STRINGS_MAX_SCAN)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)text[i];
		if (!(isalnum(ch) || ch == '+' || ch == '/' || (ch == '=' && i + 2 >= len)))
			return NULL;
	}
	size_t n = 0;
	unsigned char *raw = base64_decode(text, len, &n);
	if (!raw)
		return NULL;
	size_t printable = 0;
	for (size_t i = 0; i < n; i++)
		printable += (raw[i] >= 0x20 && raw[i] < 0x7f) || raw[i] == '\n' || raw[i] == '\t';
	if (n < 8 || printable < n) {
		free(raw);
		return NULL;
	}
	char *out = xmalloc(n + STRINGS_PAD);
	memcpy(out, raw, n);
	memset(out + n, 0, STRINGS_PAD);
	free(raw);
	*out_len = n;
	return out;
}

static void check_string(struct walk *w, const json_t *node, const char *text, size_t len,
			 enum context c)
{
	struct string_site site = { w, node, c };
	if (!text || len < 4)
		return;
	strings_scan(&w->rules->strings, text, len, on_string_match, &site);
	size_t n = 0;
	char *hidden = base64_text(text, len, &n);
	if (hidden) {	/* what it hides is matched too, and the hit says how it was hidden */
		w->decoded_from = "base64";
		strings_scan(&w->rules->strings, hidden, n, on_string_match, &site);
		w->decoded_from = NULL;
		free(hidden);
	}
}

/*
 * An f-string is matched as one text, each {expression} standing as "{}": the pieces of
 * f"{curl} -s {url} | {sh}" say nothing alone.
 */
static void check_joinedstr(struct walk *w, const json_t *node, enum context c)
{
	size_t cap = 256, len = 0, i;
	char *buf = xmalloc(cap);
	json_t *part;
	json_array_foreach(json_object_get(node, "values"), i, part) {
		const char *piece = "{}";
		size_t n = 2;
		if (ast_is(part, AST_Constant) && json_is_string(json_object_get(part, "value"))) {
			piece = json_string_value(json_object_get(part, "value"));
			n = json_string_length(json_object_get(part, "value"));
		}
		if (len + n > STRINGS_MAX_SCAN)
			break;
		if (len + n + STRINGS_PAD > cap)
			buf = xrealloc(buf, cap = (len + n + STRINGS_PAD) * 2);
		memcpy(buf + len, piece, n);
		len += n;
	}
	memset(buf + len, 0, cap - len);
	check_string(w, node, buf, len, c);
	free(buf);
}

/* ---- build tools: constant commands of the programs builds run ---- */

/*
 * The constant text of a string Constant, or of an expression rewrite folded to one by
 * plain string building (concatenation, formatting, joins).  Text rewrite decoded or
 * de-obfuscated (base64, chr() chains, reversals) is not what a build writes: NULL.
 */
static const char *const_text(const json_t *e)
{
	if (ast_is(e, AST_Constant)) {
		const json_t *v = json_object_get(e, "value");
		return json_is_string(v) ? json_string_value(v) : NULL;
	}
	const json_t *v = json_object_get(e, "_value");
	const json_t *rules = json_object_get(json_object_get(e, "_origin"), "rules");
	static const char *const plain[] = { "fold:concat", "fold:fstring", "fold:format", "fold:join" };
	size_t i;
	json_t *rule;
	json_array_foreach(rules, i, rule) {
		const char *name = json_string_value(rule);
		size_t k = 0;
		while (name && k < sizeof plain / sizeof *plain && strcmp(name, plain[k]))
			k++;
		if (!name || k == sizeof plain / sizeof *plain)
			return NULL;
	}
	return json_is_string(v) && json_array_size(rules) ? json_string_value(v) : NULL;
}


#define BUILD_DEPTH 16	/* variables followed from the call to the command's parts */

typedef bool (*resolve_fn)(const struct walk *w, const json_t *e, char *buf, size_t len, int depth);
static bool resolve_binding(const struct walk *w, const json_t *v, resolve_fn fn, char *buf,
			    size_t len, int depth, bool same);
static bool through_bindings(const struct walk *w, const json_t *name, resolve_fn fn, char *buf,
			     size_t len, int depth);
static bool through_name(const struct walk *w, const json_t *name, resolve_fn fn, char *buf,
			 size_t len, int depth);
static bool through_vararg(const struct walk *w, const json_t *starred, resolve_fn fn, char *buf,
			   size_t len, int depth);
static bool path_text(const struct walk *w, const json_t *e, char *buf, size_t len, int depth);
static bool program_word(const struct walk *w, const json_t *e, char *buf, size_t len, int depth);
static bool tool_output(const struct walk *w, const json_t *e, char *buf, size_t len, int depth);
static bool reporting_process(const struct walk *w, const json_t *e, char *buf, size_t len, int depth);
static bool cleans_itself(const json_t *v, const char *id, int depth);
static bool in_list(const char *name, const char *const *list, size_t n);
static bool user_location(const struct walk *w, const json_t *e, char *buf, size_t len, int depth);
static const json_t *local_def(const struct walk *w, const json_t *call);
static bool def_returns(const struct walk *w, const json_t *call, resolve_fn fn, char *buf, size_t len,
			int depth);
static bool same_name(const char *a, const char *b);
static bool each_in(const struct walk *w, const json_t *iter, resolve_fn fn, char *buf, size_t len, int depth,
		    bool *first);
static bool spread_from_callers(const struct walk *w, const json_t *spread);
static bool plain_options(const struct walk *w, const json_t *e, char *buf, size_t len, int depth);

/* A program name a build command's resolution met: bundled.c may have to look for it. */
static void note_searched(const struct walk *w, const char *word)
{
	if (w->search && word[0])
		json_array_append_new(w->search->names, json_string_lossy(source_base_name(word),
									  strlen(source_base_name(word))));
}

/* One more step of a command's resolution; false once its budget is spent. */
static bool search_step(const struct walk *w)
{
	return !w->search || ++w->search->steps <= SEARCH_STEPS;
}

/* True when `name` is one of the calls that only compute a value from their arguments. */
static bool is_pure_call(const char *name)
{
	static const char *const pure[] = { "builtins.str", "builtins.int", "os.path.join",
					    "os.path.abspath", "os.path.dirname", "os.path.basename",
					    "os.path.realpath", "os.path.normpath", "os.fspath",
					    "os.environ.get", "os.getenv", "os.getcwd", "pathlib.Path" };
	for (size_t i = 0; name && i < sizeof pure / sizeof *pure; i++)
		if (!strcmp(name, pure[i]))
			return true;
	return false;
}

static bool build_argument(const struct walk *w, const json_t *e, int depth);
static bool plain_command(const char *shell);

/*
 * What a comprehension in a command iterates over, as a resolve_fn: build arguments
 * written out (a list or tuple of constants, a str's characters), or a name bound to them
 * (FFMPEG_LIBRARIES = ["avformat", ...]).  Unlike a name in the command itself, a name
 * here must lead to such values: a parameter, a call's result or a URL is not one.
 */
static bool build_iterable(const struct walk *w, const json_t *e, char *buf, size_t len, int depth)
{
	if (depth > BUILD_DEPTH)
		return false;
	if (len)
		buf[0] = '\0';	/* through_bindings compares what each binding gave */
	if (ast_is(e, AST_Name))
		return !json_object_get(w->changed, json_string_value(json_object_get(e, "id")) ?: "") &&
		       through_bindings(w, e, build_iterable, buf, len, depth + 1);
	const char *text = const_text(e);
	if (text)
		return plain_command(text);
	if (!ast_is(e, AST_List) && !ast_is(e, AST_Tuple))
		return false;
	/* each element plain text too: no pipe, list or substitution a shell would run */
	size_t i;
	json_t *elt;
	json_array_foreach(json_object_get(e, "elts"), i, elt)
		if ((text = const_text(elt)) ? !plain_command(text) : !build_argument(w, elt, depth + 1))
			return false;
	return true;
}

/*
 * An argument of a build command: constant text that names no remote place (a URL,
 * user@host:path), a variable (a path, a library name, a flag the build computed), or a
 * value computed from those by formatting, concatenation and path functions.  Anything
 * else a call returns (a download, a decoder) is not a build's argument.
 */
static bool build_argument(const struct walk *w, const json_t *e, int depth)
{
	if (depth > BUILD_DEPTH)
		return false;
	const char *text = const_text(e);
	if (text)
		return !strstr(text, "://") && !(strchr(text, '@') && strchr(text, ':'));
	if (ast_is(e, AST_Constant) || ast_is(e, AST_Name))
		return true;
	if (ast_is(e, AST_Starred) || ast_is(e, AST_FormattedValue) || ast_is(e, AST_Attribute) ||
	    ast_is(e, AST_Subscript))	/* self.include_dir, opts[k]: what they hang on decides */
		return build_argument(w, json_object_get(e, "value"), depth + 1);
	const json_t *parts = NULL;
	if (ast_is(e, AST_JoinedStr))
		parts = json_object_get(e, "values");
	else if (ast_is(e, AST_List) || ast_is(e, AST_Tuple))
		parts = json_object_get(e, "elts");
	if (parts) {
		size_t i;
		json_t *p;
		json_array_foreach(parts, i, p)
			if (!build_argument(w, p, depth + 1))
				return false;
		return true;
	}
	if (ast_is(e, AST_BinOp))
		return build_argument(w, json_object_get(e, "left"), depth + 1) &&
		       build_argument(w, json_object_get(e, "right"), depth + 1);
	if (ast_is(e, AST_ListComp) || ast_is(e, AST_GeneratorExp)) {
		/* ["lib" + name for name in FFMPEG_LIBRARIES]: each element a build argument
		 * made of what the loops go over, which must be written out (build_iterable) */
		size_t i;
		json_t *gen;
		char none[1];
		json_array_foreach(json_object_get(e, "generators"), i, gen)
			if (!build_iterable(w, json_object_get(gen, "iter"), none, sizeof none, depth + 1))
				return false;
		return json_array_size(json_object_get(e, "generators")) > 0 &&
		       build_argument(w, json_object_get(e, "elt"), depth + 1);
	}
	if (!ast_is(e, AST_Call))
		return false;
	char *name = callee_name(w, e);
	bool pure = is_pure_call(name);
	free(name);
	const json_t *func = json_object_get(e, "func");
	const char *attr = ast_is(func, AST_Attribute) ? json_string_value(json_object_get(func, "attr")) : NULL;
	/* "-I{}".format(d), " ".join(flags), text.split(): string methods */
	pure |= attr && (!strcmp(attr, "format") || !strcmp(attr, "join") || !strcmp(attr, "split") ||
			 !strcmp(attr, "strip"));
	if (!pure)
		return false;
	size_t i;
	json_t *a;
	json_array_foreach(json_object_get(e, "args"), i, a)
		if (!build_argument(w, a, depth + 1))
			return false;
	return true;
}

/*
 * The C compiler the build is configured with: distutils' `self.compiler.compiler_so[0]`
 * (from CC or Python's own build settings) or sysconfig.get_config_var("CC").  The user's
 * or Python's choice, like a `build_tools` compiler: it counts as `cc`.
 */
static bool configured_compiler(const struct walk *w, const json_t *e)
{
	if (ast_is(e, AST_Subscript)) {
		const json_t *v = json_object_get(e, "value");
		const char *attr = ast_is(v, AST_Attribute) ? json_string_value(json_object_get(v, "attr")) : NULL;
		static const char *const lists[] = { "compiler", "compiler_so", "compiler_cxx", "linker_so",
						     "linker_exe" };
		for (size_t i = 0; attr && i < sizeof lists / sizeof *lists; i++)
			if (!strcmp(attr, lists[i]))
				return true;
		return false;
	}
	char *name = ast_is(e, AST_Call) ? callee_name(w, e) : NULL;
	const char *var = const_text(json_array_get(json_object_get(e, "args"), 0));
	bool cc = name && var && (!strcmp(var, "CC") || !strcmp(var, "CXX")) &&
		  (!strcmp(name, "sysconfig.get_config_var") || !strcmp(name, "distutils.sysconfig.get_config_var"));
	free(name);
	return cc;
}

/* The canonical dotted name of an expression: aura-rewrite's, else as written. */
static char *dotted_name(const json_t *e)
{
	const char *r = json_string_value(json_object_get(e, "_resolved"));
	return r ? xstrdup(r) : plain_dotted(e);
}

/*
 * The environment variable `e` reads into buf — os.environ["X"], os.environ.get("X"),
 * os.getenv("X"), the name constant or bound to a constant — and in *dflt the default
 * given (NULL: none).
 */
static bool env_read(const struct walk *w, const json_t *e, char *buf, size_t len, const json_t **dflt)
{
	const json_t *key = NULL;
	*dflt = NULL;
	if (ast_is(e, AST_Subscript)) {
		char *base = dotted_name(json_object_get(e, "value"));
		if (base && !strcmp(base, "os.environ"))
			key = json_object_get(e, "slice");
		free(base);
	} else if (ast_is(e, AST_Call)) {
		char *name = callee_name(w, e);
		const json_t *args = json_object_get(e, "args");
		if (name && (!strcmp(name, "os.environ.get") || !strcmp(name, "os.getenv"))) {
			key = json_array_get(args, 0);
			*dflt = json_array_get(args, 1);
		}
		free(name);
	}
	if (!key || !path_text(w, key, buf, len, 0))
		return false;
	return buf[0] && !buf[strcspn(buf, "/\\$ \t")];
}

/* `target` of an assignment is os.environ[var], or os.environ[a key the code computes]. */
static bool env_target(const struct walk *w, const json_t *target, const char *var)
{
	char name[128];
	const json_t *d;
	char *base = ast_is(target, AST_Subscript) ? dotted_name(json_object_get(target, "value")) : NULL;
	bool hit = base && !strcmp(base, "os.environ") &&
		   (!env_read(w, target, name, sizeof name, &d) || !strcmp(name, var));
	free(base);
	return hit;
}

/* The walk of env_written over the file's tree: a write to os.environ[var]. */
static bool writes_env(const struct walk *w, const json_t *node, const char *var, int depth)
{
	if (!ast_guard_ok(&w->guard->guard, depth))
		return true;	/* not seen to the end: it may */
	size_t i;
	json_t *t;
	json_array_foreach(ast_is(node, AST_Assign) ? json_object_get(node, "targets") : NULL, i, t)
		if (env_target(w, t, var))
			return true;
	if ((ast_is(node, AST_AugAssign) || ast_is(node, AST_AnnAssign)) &&
	    env_target(w, json_object_get(node, "target"), var))
		return true;
	if (ast_is(node, AST_Call)) {
		char *name = callee_name(w, node);
		static const char *const setters[] = { "os.environ.update", "os.environ.setdefault",
						       "os.environ.__setitem__", "os.putenv" };
		bool hit = false;
		for (size_t k = 0; name && k < sizeof setters / sizeof *setters; k++)
			hit |= !strcmp(name, setters[k]);
		free(name);
		if (hit)
			return true;
	}
	struct ast_children it;
	json_t *child;
	for (ast_children_init(&it, (json_t *)node); (child = ast_children_next(&it));)
		if (writes_env(w, child, var, depth + 1))
			return true;
	return false;
}

/* The file sets the environment variable `var` itself (then it is no choice of the user). */
static bool env_written(const struct walk *w, const char *var)
{
	return writes_env(w, w->tree, var, 0);
}

static bool is_build_program(const struct walk *w, const char *word);

/*
 * A build tool whose output names the user's programs (tool_output): a build program
 * (is_build_program: the user's, by name, environment variable or system directory)
 * whose base name is a `reporting_tools` one — "$APXS" and "$LLVM_CONFIG" by their
 * variable, read as apxs and llvm-config — and not itself reported, nor ./configure, while
 * the file sets none of the `reporting_env` variables that steer what it says.
 */
static bool reporting_tool(const struct walk *w, const char *tool)
{
	if (tool[0] == '@' || bundled_is_configure(tool) || !is_build_program(w, tool))
		return false;
	const char *base = source_base_name(tool);
	char name[128];
	size_t n = strlen(base);
	if (n >= sizeof name)
		return false;
	memcpy(name, base, n + 1);
	if (base[0] == '$')	/* $LLVM_CONFIG: llvm-config */
		for (size_t i = 0; i < n; i++)
			name[i] = base[i + 1] == '_' ? '-' : (char)tolower((unsigned char)base[i + 1]);
	n = strlen(name);
	if (n > 4 && !strcasecmp(name + n - 4, ".exe"))
		name[n - 4] = '\0';
	if (!rules_is_reporting_tool(w->rules, name))
		return false;
	const char *var;
	for (size_t i = 0; (var = rules_reporting_env(w->rules, i)); i++)
		if (env_written(w, var))
			return false;
	return true;
}

/*
 * A program word that names a build tool: a `build_tools` program (Windows' `.exe` name
 * too: dlltool.exe is dlltool), or "$VAR", the program an environment variable of
 * `build_tool_env` names (APXS, GSSAPI_KRB5CONFIG) that the file does not set itself,
 * or one of those in a directory of the system's programs (/usr/local/bin/krb5-config,
 * `system_bin_dirs`), or "@TOOL", a program a reporting_tool TOOL names.  Any other word
 * with a directory (./configure, vendor/tool) runs a program shipped in the package —
 * unanalysed code — and never counts.
 */
static bool is_build_program(const struct walk *w, const char *word)
{
	if (word[0] == '@')	/* the program a build tool of the user's reports (tool_output) */
		return reporting_tool(w, word + 1);
	if (bundled_is_configure(word))	/* judged at the artifact's end (bundled.c) */
		return true;
	const char *slash = strrchr(word, '/');
	if (slash && slash != word && !strstr(word, "/.") && !strstr(word, "//") &&
	    (size_t)(slash - word) < 128) {	/* /usr/local/bin/krb5-config: the system's */
		char dir[128];
		memcpy(dir, word, (size_t)(slash - word));
		dir[slash - word] = '\0';
		return rules_is_system_bin_dir(w->rules, dir) && !strchr(word, '\\') &&
		       is_build_program(w, slash + 1);
	}
	if (!word[0] || strchr(word, '/') || strchr(word, '\\'))
		return false;
	if (word[0] == '$')
		return rules_is_build_tool_env(w->rules, word + 1) && !env_written(w, word + 1);
	if (rules_is_build_tool(w->rules, word))
		return true;
	size_t n = strlen(word);
	if (n <= 4 || strcasecmp(word + n - 4, ".exe") || n - 4 >= 128)
		return false;
	char stem[128];
	memcpy(stem, word, n - 4);
	stem[n - 4] = '\0';
	return rules_is_build_tool(w->rules, stem);
}

/*
 * What user_location answers for a place in the package's own directory (os.getcwd(), the
 * directory of __file__), and for a value that is either such a place or one of the
 * user's system (a search over the PATH and the package's directory, get_proj_dir()).
 */
static const char at_package[] = "(the package's directory)";
static const char at_either[] = "(the package's directory or the system's)";

/* Another candidate place `other` joined to those so far in buf: the user's places stay
 * the first one named; the package's beside the user's make "either". */
static void merge_location(char *buf, size_t len, const char *other)
{
	bool ours = !strcmp(buf, at_package), theirs = !strcmp(other, at_package);
	if (!strcmp(buf, at_either) || !strcmp(other, at_either) || ours != theirs)
		snprintf(buf, len, "%s", at_either);
}

/* A relative path part written in the code: "bin", Path("proj_dir"), a name bound to
 * one, into buf; never "..", nor an absolute part (Path(d) / "/tmp/x" is /tmp/x). */
static bool relative_part(const struct walk *w, const json_t *e, char *buf, size_t len, int depth)
{
	if (depth > BUILD_DEPTH)
		return false;
	if (ast_is(e, AST_Name))
		return through_bindings(w, e, relative_part, buf, len, depth);
	const char *t = const_text(e);
	char *name = !t && ast_is(e, AST_Call) ? callee_name(w, e) : NULL;
	bool wrap = name && (!strcmp(name, "pathlib.Path") || !strcmp(name, "builtins.str")) &&
		    json_array_size(json_object_get(e, "args")) == 1;
	free(name);
	if (wrap)
		return relative_part(w, json_array_get(json_object_get(e, "args"), 0), buf, len, depth + 1);
	return t && !strstr(t, "..") && t[0] != '/' && t[0] != '\\' && !strchr(t, ':') &&
	       (size_t)snprintf(buf, len, "%s", t) < len;
}

/* The start of a path in the package's own directory: __file__ (its directory is taken
 * by what wraps it), os.getcwd(), Path.cwd() — the directory pip builds the package in. */
static bool package_start(const struct walk *w, const json_t *e)
{
	if (ast_is(e, AST_Name))
		return same_name(json_string_value(json_object_get(e, "id")), "__file__") &&
		       !json_object_get(w->bindings, "__file__");
	char *name = ast_is(e, AST_Call) ? callee_name(w, e) : NULL;
	bool cwd = name && (!strcmp(name, "os.getcwd") || !strcmp(name, "pathlib.Path.cwd")) &&
		   !json_array_size(json_object_get(e, "args"));
	free(name);
	return cwd;
}

/*
 * A place the user's configuration picks: a program shutil.which() found on the PATH,
 * a path an environment variable of `build_tool_env` names (PROJ_DIR, JAVA_HOME), a
 * directory of the system's programs ("/usr/sbin"), its directory (.parent,
 * os.path.dirname), a constant path under it (/ "bin", os.path.join(d, "bin")), Path()/
 * str()/abspath() of one, a name bound only to those, or what a def of setup.py returns
 * (get_proj_dir()).  The environment's variable into buf ("which" for a PATH lookup, the
 * directory for a system one).  A place in the package's own directory answers
 * at_package, and a value that may be either at_either: program_word decides.
 */
static bool user_location(const struct walk *w, const json_t *e, char *buf, size_t len, int depth)
{
	if (depth > BUILD_DEPTH)
		return false;
	/* Down the spine (Path(x).parent / "bin", os.path.join(x, "bin")) to where it starts:
	 * a loop, so only the names followed count against the depth. */
	for (;;) {
		if (package_start(w, e))
			return (size_t)snprintf(buf, len, "%s", at_package) < len;
		if (ast_is(e, AST_Name))
			return through_name(w, e, user_location, buf, len, depth);
		if (ast_is(e, AST_Attribute)) {
			const char *attr = json_string_value(json_object_get(e, "attr"));
			if (same_name(attr, "stdout"))	/* run([...]).stdout */
				return tool_output(w, e, buf, len, depth + 1);
			if (!attr || strcmp(attr, "parent"))
				return false;
			e = json_object_get(e, "value");
			continue;
		}
		if (ast_is(e, AST_BinOp) && ast_is(json_object_get(e, "op"), AST_Div)) {
			char part[256];
			if (!relative_part(w, json_object_get(e, "right"), part, sizeof part, depth + 1))
				return false;
			e = json_object_get(e, "left");
			continue;
		}
		const char *dir = const_text(e);
		if (dir)	/* "/usr/sbin": the system's programs */
			return rules_is_system_bin_dir(w->rules, dir) && (size_t)snprintf(buf, len, "%s", dir) < len;
		const json_t *d;
		if (env_read(w, e, buf, len, &d))
			return !d && rules_is_build_tool_env(w->rules, buf) && !env_written(w, buf);
		const json_t *func = ast_is(e, AST_Call) ? json_object_get(e, "func") : NULL;
		const char *method = ast_is(func, AST_Attribute) ? json_string_value(json_object_get(func, "attr")) : NULL;
		const json_t *args = json_object_get(e, "args");
		if (method && (!strcmp(method, "absolute") || !strcmp(method, "resolve")) &&
		    !json_array_size(args) && !json_array_size(json_object_get(e, "keywords"))) {
			e = json_object_get(func, "value");	/* Path(__file__).absolute() */
			continue;
		}
		if (local_def(w, e))	/* get_proj_dir(): every value it returns */
			return def_returns(w, e, user_location, buf, len, depth);
		/* the directory a reporting tool of the user's names: llvm-config --bindir */
		if ((json_object_get(e, "_unpack") || ast_is(e, AST_Subscript) || ast_is(e, AST_Call)) &&
		    tool_output(w, e, buf, len, depth + 1))
			return true;
		char *name = ast_is(e, AST_Call) ? callee_name(w, e) : NULL;
		bool which = name && !strcmp(name, "shutil.which");
		bool wrap = name && (!strcmp(name, "pathlib.Path") || !strcmp(name, "builtins.str") ||
				     !strcmp(name, "os.fspath") || !strcmp(name, "os.path.dirname") ||
				     !strcmp(name, "os.path.abspath") || !strcmp(name, "os.path.realpath") ||
				     !strcmp(name, "os.path.normpath")) &&
			    json_array_size(args) == 1;
		bool join = name && !strcmp(name, "os.path.join") && json_array_size(args) >= 1;
		free(name);
		if (which)
			return (size_t)snprintf(buf, len, "which") < len;
		size_t i;
		json_t *part;
		char text[256];
		json_array_foreach(join ? args : NULL, i, part)
			if (i && !relative_part(w, part, text, sizeof text, depth + 1))
				return false;
		if (!wrap && !join)
			return false;
		e = json_array_get(args, 0);
	}
}

/*
 * The place a program path's directory is (user_location) — Div's left side, or the parts
 * of os.path.join but the last — into buf.  Only the package's own directory is a file
 * the package ships or writes: false.  Either it or the user's system: the command's
 * search is told, and bundled.c judges the run by the artifact's members (none without
 * a search to tell).
 */
static bool program_place(const struct walk *w, const json_t *e, char *buf, size_t len, int depth)
{
	const json_t *args = json_object_get(e, "args");
	size_t n = json_array_size(args);
	const json_t *base = ast_is(e, AST_BinOp) ? json_object_get(e, "left") : json_array_get(args, 0);
	char part[256];
	for (size_t i = 1; !ast_is(e, AST_BinOp) && i + 1 < n; i++)
		if (!relative_part(w, json_array_get(args, i), part, sizeof part, depth + 1))
			return false;
	if (!user_location(w, base, buf, len, depth + 1) || !strcmp(buf, at_package))
		return false;
	if (!strcmp(buf, at_either)) {
		if (!w->search)
			return false;
		w->search->package = true;
	}
	return true;
}

/*
 * The program a command's first word names, into buf: constant text (its first word), a
 * variable bound only to such text, os.environ.get("PG_CONFIG", "pg_config") — the
 * user's environment may choose another, the package does not — a variable the user sets
 * (os.environ["APXS"]: "$APXS"), or a program of a constant name in a place the user's
 * configuration picks (user_location: shutil.which("gendef"), Path(which("gendef")).parent /
 * "dlltool.exe", Path(os.environ["PROJ_DIR"]) / "bin" / "proj").
 */
static bool program_word(const struct walk *w, const json_t *e, char *buf, size_t len, int depth)
{
	if (depth > BUILD_DEPTH)
		return false;
	const char *text = const_text(e);
	if (text) {
		size_t n = strcspn(text, " \t");
		if (!n || n >= len || text[0] == '@')	/* "@": only what a tool reports (tool_output) */
			return false;
		memcpy(buf, text, n);
		buf[n] = '\0';
		note_searched(w, buf);
		return true;
	}
	if (ast_is(e, AST_Name))
		return through_name(w, e, program_word, buf, len, depth);
	if (local_def(w, e))	/* find_program([...], "apxs", [...]): every value it returns */
		return def_returns(w, e, program_word, buf, len, depth);
	/* what a reporting tool of the user's says: out.strip() of `apxs -q APR_CONFIG` */
	if ((json_object_get(e, "_unpack") || ast_is(e, AST_Subscript) || ast_is(e, AST_Attribute) ||
	     ast_is(e, AST_Call)) && tool_output(w, e, buf, len, depth + 1))
		return true;
	if (configured_compiler(w, e))
		return (size_t)snprintf(buf, len, "cc") < len;
	const json_t *dflt;
	char var[128];
	if (env_read(w, e, var, sizeof var, &dflt))
		return dflt ? program_word(w, dflt, buf, len, depth + 1)
			    : (size_t)snprintf(buf, len, "$%s", var) < len;
	char *name = ast_is(e, AST_Call) ? callee_name(w, e) : NULL;
	/* shutil.which("gendef"), Path(which("gcc")): the program found on the user's PATH */
	bool lookup = name && (!strcmp(name, "shutil.which") || !strcmp(name, "pathlib.Path") ||
			       !strcmp(name, "builtins.str") || !strcmp(name, "os.fspath"));
	bool join = name && !strcmp(name, "os.path.join");
	free(name);
	const json_t *args = json_object_get(e, "args");
	if (lookup && json_array_size(args) == 1)
		return program_word(w, json_array_get(args, 0), buf, len, depth + 1);
	/* a program of a constant name in a place the user picked: the name is the word; a
	 * name a search loops over (os.path.join(path, name)) gives each program it names */
	const json_t *last = ast_is(e, AST_BinOp) && ast_is(json_object_get(e, "op"), AST_Div)
		? json_object_get(e, "right") : join && json_array_size(args) >= 2
		? json_array_get(args, json_array_size(args) - 1) : NULL;
	char prog[128];
	if (!last || (ast_is(last, AST_Name) ? !through_name(w, last, program_word, prog, sizeof prog, depth)
					     : !relative_part(w, last, prog, sizeof prog, depth + 1)) ||
	    prog[0] == '@' || !program_place(w, e, var, sizeof var, depth))
		return false;	/* (a reported name under a directory: not what the tool said) */
	const char *base = source_base_name(prog);
	note_searched(w, base);
	return base[0] && (size_t)snprintf(buf, len, "%s", base) < len;
}

/* Shell text that runs one program: no URL, pipe, list, redirection, substitution, glob. */
static bool plain_command(const char *shell)
{
	return !strstr(shell, "://") && !shell[strcspn(shell, "|;&$`<>(){}*?!\n\r\\")];
}

/*
 * Shell text written as an f-string whose first part is the program and whose rest is
 * constant plain text: f"{kc} --libs gssapi".  The rest must run nothing besides it (no
 * pipes, lists, substitutions) and the program's word must be followed to a build tool.
 */
static bool shell_fstring(const struct walk *w, const json_t *cmd, char *buf, size_t len, int depth)
{
	const json_t *values = json_object_get(cmd, "values");
	const json_t *first = json_array_get(values, 0);
	if (!ast_is(first, AST_FormattedValue) || !json_is_null(json_object_get(first, "format_spec")))
		return false;
	size_t i;
	json_t *part;
	json_array_foreach(values, i, part) {
		const char *t = i ? const_text(part) : NULL;
		if (i && (!t || !plain_command(t) || (i == 1 && t[0] != ' ')))
			return false;
	}
	return program_word(w, json_object_get(first, "value"), buf, len, depth + 1);
}

/*
 * " ".join(words) of a list or tuple written out, whose constant words are plain shell
 * text (a shell reads the joined text): the words are the command's, like a list's.
 */
static bool shell_join(const json_t *call)
{
	const json_t *func = json_object_get(call, "func");
	const char *attr = ast_is(func, AST_Attribute) ? json_string_value(json_object_get(func, "attr")) : NULL;
	const char *sep = attr && !strcmp(attr, "join") ? const_text(json_object_get(func, "value")) : NULL;
	const json_t *words = json_array_get(json_object_get(call, "args"), 0);
	if (!sep || !sep[0] || sep[strspn(sep, " ")] || json_array_size(json_object_get(call, "args")) != 1 ||
	    !(ast_is(words, AST_List) || ast_is(words, AST_Tuple)))
		return false;
	size_t i;
	json_t *word;
	json_array_foreach(json_object_get(words, "elts"), i, word) {
		const char *t = const_text(word);
		if (ast_is(word, AST_Starred) || (t && !plain_command(t)))
			return false;
	}
	return true;
}

static bool build_command(const struct walk *w, const json_t *cmd, char *buf, size_t len, int depth);

/*
 * The arguments of a program a reporting tool named ("@TOOL", tool_output), after it: at
 * least one, each a flag written out — a long option `--includes`, or one letter `-q` —
 * with no value that could be code, a module or a file (`-mpkg`, `-cX`, `--rcfile=x`):
 * what runs is the user's program, asked how to build, and nothing of the package.
 */
static bool reported_flags(const json_t *elts)
{
	size_t i;
	json_t *elt;
	json_array_foreach(elts, i, elt) {
		const char *t = i ? const_text(elt) : "";
		size_t n = t ? strlen(t) : 0;
		bool lng = n > 2 && !strncmp(t, "--", 2) && isalnum((unsigned char)t[2]);
		bool shrt = n == 2 && t[0] == '-' && isalpha((unsigned char)t[1]);
		for (size_t k = 2; lng && k < n; k++)
			lng = isalnum((unsigned char)t[k]) || t[k] == '-' || t[k] == '_';
		if (i && !lng && !shrt)
			return false;
	}
	return json_array_size(elts) > 1;
}

/* A command list (or a variable bound only to such lists, or list + more arguments) whose
 * program is a build tool and whose arguments are build arguments; the program into buf. */
static bool build_command(const struct walk *w, const json_t *cmd, char *buf, size_t len, int depth)
{
	if (depth > BUILD_DEPTH)
		return false;
	if (ast_is(cmd, AST_Name))
		return through_name(w, cmd, build_command, buf, len, depth);
	const char *shell = const_text(cmd);
	if (shell)	/* one program, nothing a shell would run besides it */
		return plain_command(shell) && program_word(w, cmd, buf, len, depth + 1);
	if (ast_is(cmd, AST_Starred))	/* def run(*args): check_output(*args): the first argument */
		return through_vararg(w, cmd, build_command, buf, len, depth);
	/* a reported program ("@TOOL") only in a list of flags (reported_flags), not shell text */
	if (ast_is(cmd, AST_JoinedStr))	/* f"{kc} --libs gssapi" */
		return shell_fstring(w, cmd, buf, len, depth) && buf[0] != '@';
	if (ast_is(cmd, AST_Call) && shell_join(cmd))	/* " ".join(("./configure", option)) */
		return build_command(w, json_array_get(json_object_get(cmd, "args"), 0), buf, len, depth + 1) &&
		       buf[0] != '@';
	char *callee = ast_is(cmd, AST_Call) ? callee_name(w, cmd) : NULL;
	/* str(proj), os.fspath(path): one program's path, run with no arguments */
	bool path = callee && (!strcmp(callee, "builtins.str") || !strcmp(callee, "os.fspath")) &&
		    json_array_size(json_object_get(cmd, "args")) == 1;
	bool split = callee && (!strcmp(callee, "shlex.split") || !strcmp(callee, "builtins.tuple") ||
				!strcmp(callee, "builtins.list"));
	bool env = callee && (!strcmp(callee, "os.environ.get") || !strcmp(callee, "os.getenv"));
	free(callee);
	const json_t *args = json_object_get(cmd, "args");
	if (path)
		return program_word(w, cmd, buf, len, depth + 1) && buf[0] != '@';
	if (split)	/* shlex.split("cc -E"), tuple(["pkg-config"] + args) */
		return build_command(w, json_array_get(args, 0), buf, len, depth + 1) && buf[0] != '@';
	if (env) {	/* os.environ.get("CPP", "cpp"): the user's choice, or the default */
		const char *dflt = const_text(json_array_get(args, 1));
		return dflt && plain_command(dflt) && program_word(w, cmd, buf, len, depth + 1) && buf[0] != '@';
	}
	if (ast_is(cmd, AST_BinOp) && ast_is(json_object_get(cmd, "op"), AST_Div))	/* a program's path, run alone */
		return program_word(w, cmd, buf, len, depth + 1) && buf[0] != '@';
	if (ast_is(cmd, AST_BinOp))	/* [tool, "-x"] + flags */
		return build_command(w, json_object_get(cmd, "left"), buf, len, depth + 1) && buf[0] != '@' &&
		       build_argument(w, json_object_get(cmd, "right"), depth + 1);
	if (!ast_is(cmd, AST_List) && !ast_is(cmd, AST_Tuple))
		return false;
	const json_t *elts = json_object_get(cmd, "elts");
	if (!program_word(w, json_array_get(elts, 0), buf, len, depth + 1))
		return false;
	if (buf[0] == '@')	/* a reported program: only with build flags written out */
		return reported_flags(elts);
	size_t i;
	json_t *elt;
	json_array_foreach(elts, i, elt)
		if (i && !build_argument(w, elt, depth + 1))
			return false;
	return true;
}

/*
 * The build tool `call` runs, when its command (the first argument or args=) is a
 * build_tools program with build arguments: ["pkg-config", "--cflags", lib],
 * [pg_config, "--libdir"], "sdl2-config --libs".  A shell string must be constant and run
 * one program (no pipes, lists, redirections that hide output, substitutions, globs).  A
 * word with a directory (./configure, vendor/tool) runs a program shipped in the package —
 * unanalysed code — and never counts.  The word goes into buf.
 */
static bool build_tool_of_call(const struct walk *w, const json_t *call, char *buf, size_t len)
{
	const json_t *cmd = json_array_get(json_object_get(call, "args"), 0);
	size_t i;
	json_t *kw;
	json_array_foreach(json_object_get(call, "keywords"), i, kw) {
		const char *arg = json_string_value(json_object_get(kw, "arg"));
		if (!cmd && arg && !strcmp(arg, "args"))
			cmd = json_object_get(kw, "value");
		if (arg && !strcmp(arg, "executable"))	/* runs another program than it says */
			return false;
		/* **opts may hold executable=: only options written out without it, or the
		 * def's **kwargs whose callers pass none */
		char opts[8];
		if (!arg && !spread_from_callers(w, json_object_get(kw, "value")) &&
		    !plain_options(w, json_object_get(kw, "value"), opts, sizeof opts, 0))
			return false;
	}
	if (!build_command(w, cmd, buf, len, 0))
		return false;
	/* a reported program ("@TOOL"): no option that feeds it input, code or surroundings
	 * of the package's choosing (input=, stdin=, env=, cwd=, shell=) */
	static const char *const quiet[] = { "stdout", "stderr", "text", "universal_newlines", "encoding",
					     "errors", "check", "timeout", "capture_output", "bufsize", "close_fds" };
	json_array_foreach(buf[0] == '@' ? json_object_get(call, "keywords") : NULL, i, kw)
		if (!in_list(json_string_value(json_object_get(kw, "arg")), quiet, sizeof quiet / sizeof *quiet))
			return false;
	/* ./configure in a directory the code computes (cwd=str(downloaded_dir)) may be a
	 * tree it fetched, not a member of the package: only a path written in the code */
	json_array_foreach(json_object_get(call, "keywords"), i, kw) {
		const char *arg = json_string_value(json_object_get(kw, "arg"));
		char dir[512];
		if (bundled_is_configure(buf) && arg && !strcmp(arg, "cwd") &&
		    !path_text(w, json_object_get(kw, "value"), dir, sizeof dir, 0))
			return false;
	}
	return is_build_program(w, buf);
}

/* ---- native libraries: the system's, or a file the package ships or fetches ---- */

/* The ctypes calls that load a library (the others describe types or call into one). */
static bool is_library_loader(const char *name)
{
	static const char *const loaders[] = { "ctypes.CDLL", "ctypes.PyDLL", "ctypes.WinDLL",
					       "ctypes.OleDLL", "ctypes.cdll.LoadLibrary",
					       "ctypes.windll.LoadLibrary", "ctypes.oledll.LoadLibrary",
					       "ctypes.pydll.LoadLibrary" };
	for (size_t i = 0; name && i < sizeof loaders / sizeof *loaders; i++)
		if (!strcmp(name, loaders[i]))
			return true;
	return false;
}

/*
 * A function of a library ctypes found by its bare name: ctypes.cdll.libssl.OpenSSL_version_num
 * (aura-rewrite names `CDLL("libssl.so")` so), the library into buf.  Its provenance is the
 * load's: a system library on the search path, what a build probing a version calls.
 * Windows' windll.shell32.IsUserAnAdmin() and kin keep their full weight: a setup.py has no
 * business with them, and what matters most (VirtualAlloc, ShellExecuteW) has rules of its own.
 */
static bool system_library_function(const char *name, char *buf, size_t len)
{
	static const char *const roots[] = { "ctypes.cdll." };
	for (size_t i = 0; name && i < sizeof roots / sizeof *roots; i++) {
		size_t n = strlen(roots[i]);
		if (strncmp(name, roots[i], n))
			continue;
		const char *lib = name + n, *dot = strchr(lib, '.');
		if (!dot || dot == lib || strchr(dot + 1, '.') || !dot[1])
			return false;
		return (size_t)snprintf(buf, len, "%.*s, loaded by name", (int)(dot - lib), lib) < len;
	}
	return false;
}

/* Every binding of a Name (or the last before it) resolves: they may differ. */
static bool each_binding(const struct walk *w, const json_t *name, resolve_fn fn, char *buf,
			 size_t len, int depth)
{
	const char *id = json_string_value(json_object_get(name, "id"));
	const json_t *list = id ? json_object_get(w->bindings, id) : NULL;
	if (!json_array_size(list))
		return false;
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v)
		if (!resolve_binding(w, v, fn, buf, len, depth, false))
			return false;
	return true;
}

/*
 * A library the system provides, its description into buf: None (the running process),
 * a bare name the loader looks up on the system's search path ("libssl.so"),
 * ctypes.util.find_library(...), a value of the user's environment (os.environ.get("X"),
 * os.getenv("X"), os.environ["X"]), a file in a directory
 * the environment names (os.path.join(os.environ["X"], "lib.dll"), or a glob of one), or
 * a name bound only to those.  A path the package writes (its own directory, a download,
 * a relative file) is a file it ships or fetches, and never counts.
 */
static bool system_library(const struct walk *w, const json_t *e, char *buf, size_t len, int depth)
{
	if (depth > BUILD_DEPTH)
		return false;
	if (ast_is(e, AST_Constant) && json_is_null(json_object_get(e, "value")))
		return (size_t)snprintf(buf, len, "the running process") < len;
	const char *text = const_text(e);
	if (text)
		return text[0] && !strchr(text, '/') && !strchr(text, '\\') && !strstr(text, "..") &&
		       (size_t)snprintf(buf, len, "%s", text) < len;
	if (ast_is(e, AST_Name))
		return each_binding(w, e, system_library, buf, len, depth);
	/* os.environ["X"], os.environ.get("X"), os.getenv("X"): the user's choice, unless the
	 * file sets X itself; a default given is what loads when X is unset */
	char var[128];
	const json_t *dflt;
	if (env_read(w, e, var, sizeof var, &dflt))
		return !env_written(w, var) &&
		       (!dflt || (ast_is(dflt, AST_Constant) && json_is_null(json_object_get(dflt, "value"))) ||
			system_library(w, dflt, buf, len, depth + 1)) &&
		       (size_t)snprintf(buf, len, "named by the environment") < len;
	if (ast_is(e, AST_Subscript))	/* glob.glob(...)[0] */
		return system_library(w, json_object_get(e, "value"), buf, len, depth + 1);
	if (!ast_is(e, AST_Call))
		return false;
	char *name = callee_name(w, e);
	const json_t *args = json_object_get(e, "args");
	bool ok = false;
	if (name && !strcmp(name, "ctypes.util.find_library"))
		ok = (size_t)snprintf(buf, len, "found by find_library()") < len;
	else if (name && (!strcmp(name, "glob.glob") || !strcmp(name, "os.path.join"))) {
		/* the first part from the environment, the rest constant names */
		const json_t *first = json_array_get(args, 0);
		char *first_name = ast_is(first, AST_Call) ? callee_name(w, first) : NULL;
		ok = (first_name && (!strcmp(first_name, "os.environ.get") || !strcmp(first_name, "os.getenv") ||
				     !strcmp(first_name, "os.path.join"))) ||
		     ast_is(first, AST_Subscript);	/* os.environ["X"] */
		ok = ok && system_library(w, first, buf, len, depth + 1);
		free(first_name);
		size_t i;
		json_t *part;
		json_array_foreach(args, i, part) {
			const char *t = const_text(part);
			if (i && (!t || strstr(t, "..")))
				ok = false;
		}
	}
	free(name);
	return ok;
}

/* ---- the package's own files run as code: exec(open("pkg/version.py").read()) ---- */

#define RUN_FILE_DEPTH 6	/* variables followed from the exec to the open */

/*
 * A loop target (`for cmd in ("gcc -v", "cc -v")`, `[f(x) for x in XS]`): bound to each
 * element of the iterable in turn.  Kept among the bindings as {"_each": iterable,
 * "lineno": the loop's line}; each_element() resolves it.
 */
static void bind_each(struct walk *w, const json_t *target, const json_t *iter, const json_t *at)
{
	const char *id = ast_is(target, AST_Name) ? json_string_value(json_object_get(target, "id")) : NULL;
	if (!id || !iter)
		return;
	json_t *list = json_object_get(w->bindings, id);
	if (!list)
		json_object_set_new(w->bindings, id, list = json_array());
	json_t *each = json_object();
	if (!each)
		aura_oom();
	json_object_set(each, "_each", (json_t *)iter);
	json_object_set_new(each, "lineno", json_integer(position(at, "lineno")));
	json_array_append_new(list, each);
}

/*
 * A name whose value the file changes in place: `L += [...]`, `L.append(x)` (extend,
 * insert), `L[i] = x`.  Its bindings do not say all it holds (build_iterable).
 */
static void note_change(struct walk *w, const json_t *node)
{
	const json_t *name = NULL;
	if (ast_is(node, AST_AugAssign)) {
		name = json_object_get(node, "target");
	} else if (ast_is(node, AST_Call)) {
		const json_t *func = json_object_get(node, "func");
		const char *attr = ast_is(func, AST_Attribute) ? json_string_value(json_object_get(func, "attr")) : NULL;
		if (attr && (!strcmp(attr, "append") || !strcmp(attr, "extend") || !strcmp(attr, "insert")))
			name = json_object_get(func, "value");
	} else if (ast_is(node, AST_Assign)) {
		size_t i;
		json_t *t;
		json_array_foreach(json_object_get(node, "targets"), i, t)
			if (ast_is(t, AST_Subscript))
				name = json_object_get(t, "value");
	}
	const char *id = ast_is(name, AST_Name) ? json_string_value(json_object_get(name, "id")) : NULL;
	if (id)
		json_object_set_new(w->changed, id, json_true());
}

/*
 * The names of a tuple or list target (`out, err = p.communicate()`): each bound to one
 * item of the value, kept as {"_unpack": value, "_index": i, "lineno": the line} (a name
 * after a starred one: index -1, not known).  Only tool_output() reads them; any other
 * resolution of such a name fails, as it must (the value is not the whole right side).
 */
static void bind_unpacked(struct walk *w, const json_t *target, const json_t *value, const json_t *at)
{
	long index = 0;
	size_t i;
	json_t *elt;
	json_array_foreach(json_object_get(target, "elts"), i, elt) {
		if (ast_is(elt, AST_Starred))
			index = -1;
		const char *id = ast_is(elt, AST_Name) ? json_string_value(json_object_get(elt, "id")) : NULL;
		if (id) {
			json_t *list = json_object_get(w->bindings, id);
			if (!list)
				json_object_set_new(w->bindings, id, list = json_array());
			json_t *item = json_object();
			if (!item)
				aura_oom();
			json_object_set(item, "_unpack", (json_t *)value);
			json_object_set_new(item, "_index", json_integer(index));
			json_object_set_new(item, "lineno", json_integer(position(at, "lineno")));
			json_array_append_new(list, item);
		}
		if (index >= 0)
			index++;
	}
}

/* Every `name = value`, `a, b = value`, `with value as name` and loop target of the
 * file, by name. */
static void collect_bindings(struct walk *w, const json_t *node, int depth)
{
	if (!tree_guard_ok(w->guard, depth))
		return;
	const json_t *target = NULL, *value = NULL;
	size_t i;
	json_t *gen;
	switch (ast_kind(node)) {
	case AST_For:
	case AST_AsyncFor:
		bind_each(w, json_object_get(node, "target"), json_object_get(node, "iter"), node);
		break;
	case AST_ListComp:
	case AST_SetComp:
	case AST_GeneratorExp:
	case AST_DictComp:	/* its generators have no line of their own: the expression's */
		json_array_foreach(json_object_get(node, "generators"), i, gen)
			bind_each(w, json_object_get(gen, "target"), json_object_get(gen, "iter"), node);
		break;
	case AST_Assign:
		if (json_array_size(json_object_get(node, "targets")) == 1) {
			target = json_array_get(json_object_get(node, "targets"), 0);
			value = json_object_get(node, "value");
		}
		if (ast_is(target, AST_Tuple) || ast_is(target, AST_List))
			bind_unpacked(w, target, value, node);
		break;
	case AST_AnnAssign:
		target = json_object_get(node, "target");
		value = json_object_get(node, "value");
		break;
	case AST_withitem:
		target = json_object_get(node, "optional_vars");
		value = json_object_get(node, "context_expr");
		break;
	default:
		break;
	}
	note_change(w, node);
	json_array_foreach(ast_is(node, AST_Global) ? json_object_get(node, "names") : NULL, i, gen)
		if (json_is_string(gen))	/* a def may rebind the module's name (local_defs) */
			json_object_set_new(w->declared_global, json_string_value(gen), json_true());
	const char *id = ast_is(target, AST_Name) ? json_string_value(json_object_get(target, "id")) : NULL;
	if (id && value && !json_is_null(value)) {
		json_t *list = json_object_get(w->bindings, id);
		if (!list)
			json_object_set_new(w->bindings, id, list = json_array());
		json_array_append(list, (json_t *)value);
	}
	struct ast_children it;
	json_t *child;
	for (ast_children_init(&it, (json_t *)node); (child = ast_children_next(&it));)
		collect_bindings(w, child, depth + 1);
}

#define EACH_MAX 64	/* elements of a loop's iterable followed, at most */

static bool same_name(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

/*
 * A name the file binds once, to `value`, and never changes afterwards: no other
 * binding, no augmented assignment or deletion, no item stored into it, and it is never
 * handed to anything (a call's argument, another name, an attribute such as .append):
 * what it holds stays what is written.  Only read as a loop's iterable or by `in`.
 */
static bool never_changed(const struct walk *w, const json_t *node, const char *id, int *stores,
			  int depth)
{
	if (!tree_guard_ok(w->guard, depth))
		return false;
	enum ast_kind kind = ast_kind(node);
	const json_t *held = NULL;	/* a child that may name `id` as something it changes */
	size_t i;
	json_t *child;
	switch (kind) {
	case AST_Attribute:
	case AST_Subscript:
	case AST_Starred:
		held = json_object_get(node, "value");
		break;
	case AST_AugAssign:
		held = json_object_get(node, "target");
		break;
	case AST_Assign:
	case AST_NamedExpr:
		held = json_object_get(node, "value");
		break;
	case AST_Call:	/* a function given the list may append to it */
		json_array_foreach(json_object_get(node, "args"), i, child)
			if (ast_is(child, AST_Name) && same_name(json_string_value(json_object_get(child, "id")), id))
				return false;
		json_array_foreach(json_object_get(node, "keywords"), i, child) {
			const json_t *v = json_object_get(child, "value");
			if (ast_is(v, AST_Name) && same_name(json_string_value(json_object_get(v, "id")), id))
				return false;
		}
		break;
	case AST_Name:	/* a store other than the one binding, or a del */
		if (same_name(json_string_value(json_object_get(node, "id")), id) &&
		    !ast_is(json_object_get(node, "ctx"), AST_Load) &&
		    (!ast_is(json_object_get(node, "ctx"), AST_Store) || ++*stores > 1))
			return false;
		break;
	case AST_Global:
	case AST_Nonlocal:
		json_array_foreach(json_object_get(node, "names"), i, child)
			if (same_name(json_string_value(child), id))
				return false;
		break;
	default:
		break;
	}
	if (ast_is(held, AST_Name) && same_name(json_string_value(json_object_get(held, "id")), id))
		return false;
	struct ast_children it;
	for (ast_children_init(&it, (json_t *)node); (child = ast_children_next(&it));)
		if (!never_changed(w, child, id, stores, depth + 1))
			return false;
	return true;
}

/*
 * The elements a loop over `iter` takes, when they are written in the code: a tuple,
 * list or set literal, a dict literal's keys (`{...}` or `{...}.keys()`), or a name bound
 * only to one of those and never changed.  NULL when not known, empty or too many.
 */
static const json_t *loop_elements(const struct walk *w, const json_t *iter)
{
	const json_t *func = ast_is(iter, AST_Call) ? json_object_get(iter, "func") : NULL;
	if (ast_is(func, AST_Attribute) && !json_array_size(json_object_get(iter, "args")) &&
	    same_name(json_string_value(json_object_get(func, "attr")), "keys"))
		iter = json_object_get(func, "value");
	if (ast_is(iter, AST_Name)) {
		const char *id = json_string_value(json_object_get(iter, "id"));
		const json_t *list = id ? json_object_get(w->bindings, id) : NULL;
		const json_t *only = json_array_get(list, 0);
		if (json_array_size(list) != 1 || json_object_get(only, "_each") ||
		    !(ast_is(only, AST_Tuple) || ast_is(only, AST_List) || ast_is(only, AST_Set) ||
		      ast_is(only, AST_Dict)))
			return NULL;
		int stores = 0;
		if (!never_changed(w, w->tree, id, &stores, 0))
			return NULL;
		iter = only;
	}
	const json_t *elts = ast_is(iter, AST_Dict) ? json_object_get(iter, "keys")
			     : ast_is(iter, AST_Tuple) || ast_is(iter, AST_List) || ast_is(iter, AST_Set)
			     ? json_object_get(iter, "elts") : NULL;
	size_t n = json_array_size(elts), i;
	json_t *e;
	json_array_foreach(elts, i, e)	/* {**more}, (*more,): what they add is not written */
		if (json_is_null(e) || ast_is(e, AST_Starred))
			return NULL;
	return n && n <= EACH_MAX ? elts : NULL;
}

/*
 * A loop target resolved (bind_each): every element of the iterable resolves with `fn`.
 * With `same`, they must give one text, or each a build tool (a loop over probes,
 * "dpkg-architecture -q…", "gcc -print-multiarch": each is a build command).  The first
 * element's text is left in buf.
 */
static bool each_element(const struct walk *w, const json_t *each, resolve_fn fn, char *buf,
			 size_t len, int depth, bool same)
{
	const json_t *elts = loop_elements(w, json_object_get(each, "_each"));
	bool first = true;
	if (!elts)	/* a search helper's loop (each_in): places or program words */
		return (fn == user_location || fn == program_word) &&
		       each_in(w, json_object_get(each, "_each"), fn, buf, len, depth, &first);
	char *other = xmalloc(len);
	bool ok = true, tools = true;
	size_t i;
	json_t *e;
	json_array_foreach(elts, i, e) {
		char *into = i ? other : buf;
		if (!fn(w, e, into, len, depth + 1)) {
			ok = false;
			break;
		}
		tools = tools && into[0] && !strchr(into, '/') && !strchr(into, '\\') &&
			rules_is_build_tool(w->rules, into);
		if (same && i && strcmp(other, buf) && !tools)
			ok = false;
	}
	free(other);
	return ok;
}

/* ---- globals().get("NAME"): a def reading the module's global by its name ---- */

/* `e` is a call of globals() itself (no arguments). */
static bool is_globals_call(const struct walk *w, const json_t *e)
{
	if (!ast_is(e, AST_Call) || json_array_size(json_object_get(e, "args")) ||
	    json_array_size(json_object_get(e, "keywords")))
		return false;
	char *name = callee_name(w, e);
	bool hit = same_name(name, "builtins.globals");
	free(name);
	return hit;
}

/*
 * The global a read names: globals().get("NAME") (no default, or None) or
 * globals()["NAME"], else NULL.  shapely's get_geos_config() reads its module's
 * `geos_config` so; any other use of globals() is not a read of one name.
 */
static const char *globals_read_key(const struct walk *w, const json_t *e)
{
	const json_t *holder = NULL, *key = NULL;
	if (ast_is(e, AST_Call)) {
		const json_t *func = json_object_get(e, "func"), *args = json_object_get(e, "args");
		const json_t *dflt = json_array_get(args, 1);
		if (!ast_is(func, AST_Attribute) || !same_name(json_string_value(json_object_get(func, "attr")), "get") ||
		    json_array_size(json_object_get(e, "keywords")) || json_array_size(args) < 1 ||
		    json_array_size(args) > 2 || (dflt && !(ast_is(dflt, AST_Constant) &&
							     json_is_null(json_object_get(dflt, "value")))))
			return NULL;
		holder = json_object_get(func, "value");
		key = json_array_get(args, 0);
	} else if (ast_is(e, AST_Subscript) && ast_is(json_object_get(e, "ctx"), AST_Load)) {
		holder = json_object_get(e, "value");
		key = json_object_get(e, "slice");
	}
	const char *text = holder && is_globals_call(w, holder) ? const_text(key) : NULL;
	return text && text[0] ? text : NULL;
}

/*
 * The module's globals may change other than by `NAME = value` (which the bindings
 * hold): globals() or vars() used other than to read one name (globals()["x"] = ...,
 * g = globals(); g.update(...)).  Then what a read finds is not what is written.
 */
static bool globals_changed(const struct walk *w, const json_t *node, int depth)
{
	if (!tree_guard_ok(w->guard, depth))
		return true;	/* not seen to the end: it may */
	if (ast_is(node, AST_Call)) {
		char *name = callee_name(w, node);
		bool whole = same_name(name, "builtins.globals") || same_name(name, "builtins.vars");
		free(name);
		if (whole)
			return true;
	}
	const json_t *skip = NULL;	/* the globals() of a read: no change */
	if (globals_read_key(w, node))
		skip = ast_is(node, AST_Call) ? json_object_get(json_object_get(node, "func"), "value")
					      : json_object_get(node, "value");
	struct ast_children it;
	json_t *child;
	for (ast_children_init(&it, (json_t *)node); (child = ast_children_next(&it));) {
		if (child == skip)
			continue;
		if (ast_is(child, AST_Attribute) && json_object_get(child, "value") == skip && skip)
			continue;	/* globals().get itself, under the read's Call */
		if (globals_changed(w, child, depth + 1))
			return true;
	}
	return false;
}

/* The innermost def whose lines hold `line` (NULL: module level). */
static const json_t *def_around(const struct walk *w, const json_t *node, long line, int depth)
{
	if (!tree_guard_ok(w->guard, depth))
		return NULL;
	const json_t *found = NULL;
	if ((ast_is(node, AST_FunctionDef) || ast_is(node, AST_AsyncFunctionDef)) &&
	    position(node, "lineno") <= line && line <= position(node, "end_lineno"))
		found = node;
	struct ast_children it;
	json_t *child;
	for (ast_children_init(&it, (json_t *)node); (child = ast_children_next(&it));) {
		const json_t *inner = def_around(w, child, line, depth + 1);
		if (inner)
			return inner;
	}
	return found;
}

/* A `global NAME` statement anywhere under `node`. */
static bool declares_global(const struct walk *w, const json_t *node, const char *id, int depth)
{
	if (!tree_guard_ok(w->guard, depth))
		return true;
	size_t i;
	json_t *n;
	json_array_foreach(ast_is(node, AST_Global) ? json_object_get(node, "names") : NULL, i, n)
		if (same_name(json_string_value(n), id))
			return true;
	struct ast_children it;
	json_t *child;
	for (ast_children_init(&it, (json_t *)node); (child = ast_children_next(&it));)
		if (declares_global(w, child, id, depth + 1))
			return true;
	return false;
}

/*
 * How many times the file stores into or deletes the name `id` (Name nodes whose context
 * is not Load); -1 when something else binds it (an import `as id`, a def or class of
 * that name).  Equal to the count of its bindings only when each store is one of them:
 * `a, id = …`, `id += …`, `a = id = …`, `(id := …)` and `del id` are not.
 */
static long stores_of(const struct walk *w, const json_t *node, const char *id, int depth)
{
	if (!tree_guard_ok(w->guard, depth))
		return -1;
	long n = 0;
	if (ast_is(node, AST_Name) && same_name(json_string_value(json_object_get(node, "id")), id) &&
	    !ast_is(json_object_get(node, "ctx"), AST_Load))
		n++;
	const char *named = ast_is(node, AST_alias) ? json_string_value(json_object_get(node, "asname")) : NULL;
	if (ast_is(node, AST_alias) && !named)	/* import id: binds the first part */
		named = json_string_value(json_object_get(node, "name"));
	if ((ast_is(node, AST_FunctionDef) || ast_is(node, AST_AsyncFunctionDef) || ast_is(node, AST_ClassDef)))
		named = json_string_value(json_object_get(node, "name"));
	if (named && (same_name(named, id) || (!strncmp(named, id, strlen(id)) && named[strlen(id)] == '.')))
		return -1;
	struct ast_children it;
	json_t *child;
	for (ast_children_init(&it, (json_t *)node); (child = ast_children_next(&it));) {
		long more = stores_of(w, child, id, depth + 1);
		if (more < 0)
			return -1;
		n += more;
	}
	return n;
}

/*
 * A read of the module's global `id` (globals().get("id") at `read`) resolved with `fn`:
 * every binding of the name in the file — the module's, and those of other defs, which a
 * `global id` there may make the module's — except the locals of the def holding the read
 * (it has no `global id`), when every store into the name is one of them (stores_of).
 * A binding to None is skipped: a call given None as its program or file fails, and
 * CDLL(None) is the running process.  At least one must be left; with `same`, all give
 * one text or each a build program ("$GEOS_CONFIG" and "geos-config").
 */
static bool through_globals(const struct walk *w, const json_t *read, const char *id, resolve_fn fn,
			    char *buf, size_t len, int depth, bool same)
{
	const json_t *list = json_object_get(w->bindings, id);
	const json_t *def = def_around(w, w->tree, position(read, "lineno"), 0);
	if (depth > BUILD_DEPTH || !json_array_size(list) || (def && declares_global(w, def, id, 0)) ||
	    stores_of(w, w->tree, id, 0) != (long)json_array_size(list) || globals_changed(w, w->tree, 0))
		return false;
	long from = def ? position(def, "lineno") : 0, to = def ? position(def, "end_lineno") : 0;
	char *other = xmalloc(len);
	bool ok = true, tools = true;
	size_t i, used = 0;
	json_t *v;
	json_array_foreach(list, i, v) {
		long line = position(v, "lineno");
		if (v == read || (def && line >= from && line <= to) ||
		    (ast_is(v, AST_Constant) && json_is_null(json_object_get(v, "value"))))
			continue;
		char *into = used ? other : buf;
		if (!resolve_binding(w, v, fn, into, len, depth + 1, same)) {
			ok = false;
			break;
		}
		tools = tools && is_build_program(w, into);
		if (same && used && strcmp(other, buf) && !tools)
			ok = false;
		used++;
	}
	free(other);
	return ok && used;
}

/* One binding of a name resolved with `fn`: a value, or a loop target's every element. */
static bool resolve_binding(const struct walk *w, const json_t *v, resolve_fn fn, char *buf,
			    size_t len, int depth, bool same)
{
	if (!search_step(w))
		return false;	/* a command's resolution has its budget: then it is no build */
	if (json_object_get(v, "_each"))
		return each_element(w, v, fn, buf, len, depth, same);
	const char *global = globals_read_key(w, v);
	if (global)	/* geos_config = globals().get("geos_config") */
		return through_globals(w, v, global, fn, buf, len, depth, same);
	return fn(w, v, buf, len, depth + 1);
}

/* True when node `n` lies inside `outer` (x = f(x): the x read is not the one bound). */
static bool within(const json_t *outer, const json_t *n)
{
	long l = position(n, "lineno"), c = position(n, "col_offset");
	long l0 = position(outer, "lineno"), c0 = position(outer, "col_offset");
	long l1 = position(outer, "end_lineno"), c1 = position(outer, "end_col_offset");
	return l0 > 0 && l1 > 0 && (l > l0 || (l == l0 && c >= c0)) && (l < l1 || (l == l1 && c < c1));
}

/*
 * A Name resolved through its binding: the last one written before the use (a file's
 * `with open("README") as f:` and a later `with open("pkg/version.py") as f:` are two
 * values of f), or, when none comes before it (a def using a later global), every
 * binding, which must then all give the same text.
 */
static bool through_bindings(const struct walk *w, const json_t *name, resolve_fn fn, char *buf,
			     size_t len, int depth)
{
	const char *id = json_string_value(json_object_get(name, "id"));
	const json_t *list = id ? json_object_get(w->bindings, id) : NULL;
	if (!json_array_size(list))
		return false;
	long at = position(name, "lineno"), best_line = 0;
	const json_t *best = NULL;
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v) {
		long line = position(v, "lineno");
		if (line <= at && line >= best_line && !within(v, name)) {
			best = v;
			best_line = line;
		}
	}
	if (best)
		return resolve_binding(w, best, fn, buf, len, depth, true);
	char *other = xmalloc(len);
	bool ok = true;
	json_array_foreach(list, i, v)
		if (!resolve_binding(w, v, fn, i ? other : buf, len, depth, true) || (i && strcmp(other, buf)))
			ok = false;
	free(other);
	return ok;
}

/* ---- a command passed in as a parameter: followed back to every call of the def ---- */

/* Where parameter `id` of def `fn` sits: its position among the positional parameters
 * (-1 for keyword-only), and its default (NULL: none). False when it is no parameter or
 * is *args / **kwargs (what they hold is not one argument). */
static bool param_of(const json_t *fn, const char *id, long *pos, const json_t **dflt)
{
	const json_t *args = json_object_get(fn, "args");
	const json_t *pos_only = json_object_get(args, "posonlyargs"), *plain = json_object_get(args, "args");
	size_t npos = json_array_size(pos_only) + json_array_size(plain);
	const json_t *defaults = json_object_get(args, "defaults");
	for (size_t i = 0; i < npos; i++) {
		const json_t *a = i < json_array_size(pos_only) ? json_array_get(pos_only, i)
			: json_array_get(plain, i - json_array_size(pos_only));
		const char *name = json_string_value(json_object_get(a, "arg"));
		if (!name || strcmp(name, id))
			continue;
		*pos = (long)i;
		size_t first_default = npos - json_array_size(defaults);	/* defaults end the list */
		*dflt = i >= first_default ? json_array_get(defaults, i - first_default) : NULL;
		return true;
	}
	size_t i;
	json_t *a;
	json_array_foreach(json_object_get(args, "kwonlyargs"), i, a) {
		const char *name = json_string_value(json_object_get(a, "arg"));
		if (name && !strcmp(name, id)) {
			*pos = -1;
			*dflt = json_array_get(json_object_get(args, "kw_defaults"), i);
			return true;
		}
	}
	return false;
}

/* A def whose first parameter is self or cls is called as obj.name(...): one fewer argument. */
static bool is_method(const json_t *fn)
{
	const json_t *first = json_array_get(json_object_get(json_object_get(fn, "args"), "args"), 0);
	const char *name = json_string_value(json_object_get(first, "arg"));
	return name && (!strcmp(name, "self") || !strcmp(name, "cls"));
}

/* True when `id` is assigned inside def `fn` (then the parameter may not be what it holds). */
static bool bound_inside(const struct walk *w, const char *id, const json_t *fn)
{
	long from = position(fn, "lineno"), to = position(fn, "end_lineno");
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(w->bindings, id), i, v) {
		long line = position(v, "lineno");
		if (line >= from && line <= to)
			return true;
	}
	return false;
}

struct callers {
	const struct walk *w;
	const char *def;	/* the def's name */
	const json_t *defnode;
	bool method;
	const char *param;
	long pos;
	const json_t *dflt;
	resolve_fn fn;
	char *buf;
	size_t len;
	int depth;
	size_t calls;		/* calls checked */
	size_t refs;		/* every mention of the def's name (calls included) */
	bool vararg;		/* param is *args: the value is the first of them (pos) */
	bool ok;
};

/* The value a call gives the parameter, resolved in the caller's def. */
static void check_caller(struct callers *k, const json_t *call, const json_t *caller)
{
	const json_t *value = NULL;
	size_t i;
	json_t *a;
	json_array_foreach(json_object_get(call, "args"), i, a) {
		if (ast_is(a, AST_Starred) && (long)i <= k->pos)
			k->ok = false;	/* f(*cmd): which argument lands where is not written */
		if ((long)i == k->pos)
			value = a;
	}
	json_array_foreach(json_object_get(call, "keywords"), i, a) {
		const char *arg = json_string_value(json_object_get(a, "arg"));
		/* f(**opts); executable= or args= that **kwargs may hand on to the process call */
		if (!arg || !strcmp(arg, "executable") || (k->vararg && !strcmp(arg, "args")))
			k->ok = false;
		else if (!k->vararg && k->param && !strcmp(arg, k->param))
			value = json_object_get(a, "value");
	}
	if (!value)
		value = k->dflt;
	k->calls++;
	if (k->vararg && !value)	/* no first argument: a keyword may carry the command */
		k->ok = false;
	if (!k->fn)	/* only the keywords were asked about */
		return;
	/* No value is a TypeError, None runs nothing: neither starts a program. */
	if (!k->ok || !value || (ast_is(value, AST_Constant) && json_is_null(json_object_get(value, "value"))))
		return;
	struct walk sub = *k->w;
	sub.func = caller;
	sub.frame = NULL;
	sub.caller = NULL;
	char *word = xmalloc(k->len);
	word[0] = '\0';
	/* a place (user_location) is judged by what asked for it; a word must be a program */
	bool place = k->fn == user_location;
	if (!k->fn(&sub, value, word, k->len, k->depth + 1) || (!place && !is_build_program(&sub, word)))
		k->ok = false;
	else if (place && k->buf[0])
		merge_location(k->buf, k->len, word);
	else if (!bundled_is_configure(k->buf))	/* one call running ./configure: it is judged */
		snprintf(k->buf, k->len, "%s", word);
	free(word);
}

/* The name `node` mentions the def by: obj.name for a method, a bare name otherwise. */
static const char *mention_of(const struct callers *k, const json_t *node)
{
	if (k->method)
		return ast_is(node, AST_Attribute) ? json_string_value(json_object_get(node, "attr")) : NULL;
	return ast_is(node, AST_Name) ? json_string_value(json_object_get(node, "id")) : NULL;
}

/* Every call of the def and every other mention of its name, with the def around each. */
static void find_callers(struct callers *k, const json_t *node, const json_t *around, int depth)
{
	if (!k->ok || !ast_guard_ok(&k->w->guard->guard, depth)) {
		k->ok = false;	/* a caller not seen: the parameter is not followed */
		return;
	}
	enum ast_kind kind = ast_kind(node);
	if (kind == AST_FunctionDef || kind == AST_AsyncFunctionDef || kind == AST_Lambda)
		around = node;
	const json_t *func = kind == AST_Call ? json_object_get(node, "func") : NULL;
	const char *called = mention_of(k, func);
	if (called && !strcmp(called, k->def) && around != k->defnode)	/* recursion passes it on */
		check_caller(k, node, around);
	const char *mention = mention_of(k, node);
	if (mention && !strcmp(mention, k->def) && around != k->defnode)
		k->refs++;
	struct ast_children it;
	json_t *child;
	for (ast_children_init(&it, (json_t *)node); (child = ast_children_next(&it));)
		find_callers(k, child, around, depth + 1);
}

/*
 * A Name that is a parameter of the def being walked (and not reassigned in it): what
 * every call of the def in this file passes for it, each resolved with `fn` and each a
 * build tool.  Only in setup.py, which nothing imports: a def of another module may be
 * called from files this one never sees.  A def whose name is used other than by calling
 * it (passed on, stored) has callers this cannot see, and is not followed.
 */
static bool through_callers(const struct walk *w, const json_t *name, resolve_fn fn, char *buf,
			    size_t len, int depth)
{
	const char *id = json_string_value(json_object_get(name, "id"));
	const char *def = json_string_value(json_object_get(w->func, "name"));
	struct callers k = { .w = w, .def = def, .defnode = w->func, .method = is_method(w->func),
			     .param = id, .fn = fn, .buf = buf, .len = len, .depth = depth, .ok = true };
	if (!def || !param_of(w->func, id, &k.pos, &k.dflt))
		return false;
	if (k.method && k.pos >= 0)
		k.pos--;	/* self is not written at the call */
	buf[0] = '\0';
	find_callers(&k, w->tree, NULL, 0);
	return k.ok && k.calls && k.refs == k.calls && buf[0];
}

/*
 * `*args` spread into the process call (def get_output(*args, **kwargs):
 * check_output(*args, shell=True, **kwargs)): the command is the first argument each
 * call of the def passes, followed like a parameter (setup.py only).  A call passing
 * none, or executable=/args= (which **kwargs hands on), is not followed.
 */
static bool through_vararg(const struct walk *w, const json_t *starred, resolve_fn fn, char *buf,
			   size_t len, int depth)
{
	const json_t *name = json_object_get(starred, "value");
	const char *id = ast_is(name, AST_Name) ? json_string_value(json_object_get(name, "id")) : NULL;
	const json_t *args = json_object_get(w->func, "args");
	const char *vararg = json_string_value(json_object_get(json_object_get(args, "vararg"), "arg"));
	const char *def = json_string_value(json_object_get(w->func, "name"));
	if (!id || !vararg || strcmp(id, vararg) || !def || w->top != CTX_INSTALL || w->test_code ||
	    bound_inside(w, id, w->func) || depth > BUILD_DEPTH)
		return false;
	struct callers k = { .w = w, .def = def, .defnode = w->func, .method = is_method(w->func),
			     .param = NULL, .vararg = true, .fn = fn, .buf = buf, .len = len,
			     .depth = depth, .ok = true };
	k.pos = (long)(json_array_size(json_object_get(args, "posonlyargs")) +
		       json_array_size(json_object_get(args, "args"))) - (k.method ? 1 : 0);
	buf[0] = '\0';
	find_callers(&k, w->tree, NULL, 0);
	return k.ok && k.calls && k.refs == k.calls && buf[0];
}

/*
 * `**kwargs` of the def spread into the process call: no call of the def (setup.py only)
 * passes executable=, args= or a spread of its own, so the call runs the command it says.
 */
static bool spread_from_callers(const struct walk *w, const json_t *spread)
{
	const json_t *args = json_object_get(w->func, "args");
	const char *kwarg = json_string_value(json_object_get(json_object_get(args, "kwarg"), "arg"));
	const char *id = ast_is(spread, AST_Name) ? json_string_value(json_object_get(spread, "id")) : NULL;
	const char *def = json_string_value(json_object_get(w->func, "name"));
	if (!id || !kwarg || strcmp(id, kwarg) || !def || w->top != CTX_INSTALL || w->test_code ||
	    bound_inside(w, id, w->func))
		return false;
	struct callers k = { .w = w, .def = def, .defnode = w->func, .method = is_method(w->func),
			     .pos = -1, .ok = true };
	find_callers(&k, w->tree, NULL, 0);
	return k.ok && k.calls && k.refs == k.calls;
}

/*
 * Options written out for a `**opts` spread: {"text": True, ...} or dict(text=True, ...)
 * whose keys are constant and none is executable= or args= (or a name bound to one).
 */
static bool plain_options(const struct walk *w, const json_t *e, char *buf, size_t len, int depth)
{
	if (depth > BUILD_DEPTH)
		return false;
	if (ast_is(e, AST_Name))
		return through_bindings(w, e, plain_options, buf, len, depth);
	const json_t *keys = ast_is(e, AST_Dict) ? json_object_get(e, "keys") : NULL;
	char *name = ast_is(e, AST_Call) ? callee_name(w, e) : NULL;
	bool dict = name && !strcmp(name, "builtins.dict") && !json_array_size(json_object_get(e, "args"));
	free(name);
	if (!keys && !dict)
		return false;
	size_t i;
	json_t *k;
	json_array_foreach(dict ? json_object_get(e, "keywords") : keys, i, k) {
		const char *key = dict ? json_string_value(json_object_get(k, "arg")) : const_text(k);
		if (!key || !strcmp(key, "executable") || !strcmp(key, "args"))
			return false;	/* a **spread of its own (no key) may hold them */
	}
	buf[0] = '\0';
	return true;
}

/* ---- a def of setup.py entered through one call: the values it returns ---- */

/*
 * Another value's text `other` joined to those so far in buf: places merge
 * (merge_location); program words must be one text or each a build program; any other
 * text must be the same.
 */
static bool combine(const struct walk *w, resolve_fn fn, char *buf, size_t len, const char *other)
{
	if (fn == user_location) {
		merge_location(buf, len, other);
		return true;
	}
	return !strcmp(buf, other) ||
	       ((fn == program_word || fn == tool_output || fn == reporting_process) &&
		is_build_program(w, buf) && is_build_program(w, other));
}

#define DEFS_MAX 8	/* defs of one name in a module's branches followed, at most */

/*
 * The module-level defs named `id` in `stmts` and in the blocks of its compound
 * statements (if/elif/else, try/except/else/finally, with, for, while, match: mod_wsgi
 * defines get_apxs_config() once per platform branch), into defs.  False when the name
 * is also bound otherwise there — a class, an async or decorated def, an import — or
 * there are too many: then what a call runs is not one of the defs seen.
 */
static bool module_defs(const struct walk *w, const json_t *stmts, const char *id, const json_t **defs,
			size_t *n, int depth)
{
	if (!tree_guard_ok(w->guard, depth))
		return false;
	static const char *const blocks[] = { "body", "orelse", "finalbody" };
	size_t i, k;
	json_t *stmt, *part;
	json_array_foreach(stmts, i, stmt) {
		enum ast_kind kind = ast_kind(stmt);
		bool def = kind == AST_FunctionDef || kind == AST_AsyncFunctionDef || kind == AST_ClassDef;
		if (def && same_name(json_string_value(json_object_get(stmt, "name")), id)) {
			if (kind != AST_FunctionDef || json_array_size(json_object_get(stmt, "decorator_list")) ||
			    *n == DEFS_MAX)
				return false;
			defs[(*n)++] = stmt;
			continue;
		}
		if (def)	/* a def's or class's own body binds no module name */
			continue;
		json_array_foreach(kind == AST_Import || kind == AST_ImportFrom ? json_object_get(stmt, "names") : NULL,
				   k, part) {
			const char *as = json_string_value(json_object_get(part, "asname"));
			const char *name = json_string_value(json_object_get(part, "name"));
			size_t l = strlen(id);
			if (same_name(as, id) || (!as && name && !strncmp(name, id, l) && (!name[l] || name[l] == '.')))
				return false;
		}
		for (k = 0; k < sizeof blocks / sizeof *blocks; k++)
			if (!module_defs(w, json_object_get(stmt, blocks[k]), id, defs, n, depth + 1))
				return false;
		json_array_foreach(json_object_get(stmt, "handlers"), k, part)	/* except: blocks */
			if (!module_defs(w, json_object_get(part, "body"), id, defs, n, depth + 1))
				return false;
		json_array_foreach(json_object_get(stmt, "cases"), k, part)	/* match's case blocks */
			if (!module_defs(w, json_object_get(part, "body"), id, defs, n, depth + 1))
				return false;
	}
	return true;
}

/*
 * The module-level defs of setup.py a call names by its bare name (into defs, at most
 * DEFS_MAX), undecorated, the name never rebound as a variable, imported, or declared
 * `global` in a def.  Several defs of the name (one per if/elif/else or try branch, or
 * written twice) are each one the call may run: def_returns follows every one.  0 when
 * there is none or the call may run something else.
 */
static size_t local_defs(const struct walk *w, const json_t *call, const json_t **defs)
{
	const json_t *func = ast_is(call, AST_Call) ? json_object_get(call, "func") : NULL;
	const char *id = ast_is(func, AST_Name) ? json_string_value(json_object_get(func, "id")) : NULL;
	if (!id || w->top != CTX_INSTALL || w->test_code || json_object_get(w->bindings, id))
		return 0;
	size_t n = 0;
	if (json_object_get(w->declared_global, id) || !module_defs(w, json_object_get(w->tree, "body"), id, defs, &n, 1))
		return 0;
	return n;
}

/* The first module-level def a call names (local_defs), or NULL. */
static const json_t *local_def(const struct walk *w, const json_t *call)
{
	const json_t *defs[DEFS_MAX];
	return local_defs(w, call, defs) ? defs[0] : NULL;
}

#define RETURNS_MAX 32	/* return statements of a def followed, at most */

struct returns {
	const json_t *values[RETURNS_MAX];
	size_t n;
	bool ok;	/* false: a generator, too many returns, or a tree too deep */
};

static const json_t *frame_value(const struct walk *w, const char *id, bool *dflt_used);

/*
 * Which branch of `if NAME == "TEXT":` the def entered (w->frame) takes, when NAME is a
 * parameter it never reassigns and the call gives it constant text (get_apxs_config("
 * APR_CONFIG") in a def testing `if name == 'INCLUDEDIR':`): 1 the body, 0 the else
 * branch, -1 not known (any other test: both).
 */
static int branch_taken(const struct walk *w, const json_t *test)
{
	const json_t *ops = json_object_get(test, "ops"), *cmp = json_object_get(test, "comparators");
	if (!w->frame || !ast_is(test, AST_Compare) || json_array_size(ops) != 1 || json_array_size(cmp) != 1)
		return -1;
	const json_t *op = json_array_get(ops, 0);
	bool eq = ast_is(op, AST_Eq);
	if (!eq && !ast_is(op, AST_NotEq))
		return -1;
	const json_t *a = json_object_get(test, "left"), *b = json_array_get(cmp, 0);
	if (!ast_is(a, AST_Name)) {
		const json_t *t = a;
		a = b;
		b = t;
	}
	const char *id = ast_is(a, AST_Name) ? json_string_value(json_object_get(a, "id")) : NULL;
	const char *text = ast_is(b, AST_Constant) ? const_text(b) : NULL;
	long pos;
	const json_t *dflt;
	bool dflt_used;
	if (!id || !text || !param_of(w->func, id, &pos, &dflt) || bound_inside(w, id, w->func))
		return -1;
	const json_t *v = frame_value(w, id, &dflt_used);
	const char *given = ast_is(v, AST_Constant) ? const_text(v) : NULL;
	if (!given)
		return -1;
	return (strcmp(given, text) == 0) == eq;
}

/* The values a def's body returns (not those of defs, lambdas, classes inside it); an
 * `if` whose branch the call decides (branch_taken) only through that branch. */
static void find_returns(const struct walk *w, const json_t *node, struct returns *r, int depth)
{
	if (!r->ok || !tree_guard_ok(w->guard, depth)) {
		r->ok = false;
		return;
	}
	int taken = ast_is(node, AST_If) ? branch_taken(w, json_object_get(node, "test")) : -1;
	if (taken >= 0) {
		size_t i;
		json_t *stmt;
		json_array_foreach(json_object_get(node, taken ? "body" : "orelse"), i, stmt)
			find_returns(w, stmt, r, depth + 1);
		return;
	}
	switch (ast_kind(node)) {
	case AST_FunctionDef:
	case AST_AsyncFunctionDef:
	case AST_Lambda:
	case AST_ClassDef:
		return;
	case AST_Yield:
	case AST_YieldFrom:
	case AST_Await:
		r->ok = false;
		return;
	case AST_Return:
		if (r->n == RETURNS_MAX)
			r->ok = false;
		else
			r->values[r->n++] = json_object_get(node, "value");
		break;
	default:
		break;
	}
	struct ast_children it;
	json_t *child;
	for (ast_children_init(&it, (json_t *)node); (child = ast_children_next(&it));)
		find_returns(w, child, r, depth + 1);
}

/* The argument the call a def was entered through (w->frame) gives parameter `id`, else
 * its default (*dflt_used set); NULL when not written (f(*args), f(**kw)) or none. */
static const json_t *frame_value(const struct walk *w, const char *id, bool *dflt_used)
{
	long pos;
	const json_t *dflt, *value = NULL;
	*dflt_used = false;
	if (!param_of(w->func, id, &pos, &dflt))
		return NULL;
	size_t i;
	json_t *a;
	json_array_foreach(json_object_get(w->frame, "args"), i, a) {
		if (ast_is(a, AST_Starred) && (long)i <= pos)
			return NULL;
		if ((long)i == pos)
			value = a;
	}
	json_array_foreach(json_object_get(w->frame, "keywords"), i, a) {
		const char *arg = json_string_value(json_object_get(a, "arg"));
		if (!arg)
			return NULL;
		if (!strcmp(arg, id))
			value = json_object_get(a, "value");
	}
	*dflt_used = !value;
	return value ? value : dflt;
}

/* The walk a parameter's value is resolved in: the caller's, or the module's for a default. */
static struct walk frame_walk(const struct walk *w, bool dflt_used)
{
	struct walk sub = *w->caller;
	if (dflt_used) {
		sub.func = NULL;
		sub.frame = NULL;
		sub.caller = NULL;
	}
	return sub;
}

static bool is_none(const json_t *e)
{
	return ast_is(e, AST_Constant) && json_is_null(json_object_get(e, "value"));
}

/* A parameter of the def entered (w->frame): the value its call passes, resolved where
 * the call is.  A parameter the def reassigns is not followed. */
static bool through_frame(const struct walk *w, const char *id, resolve_fn fn, char *buf, size_t len,
			  int depth)
{
	bool dflt_used;
	const json_t *value = bound_inside(w, id, w->func) ? NULL : frame_value(w, id, &dflt_used);
	if (!value)
		return false;
	struct walk sub = frame_walk(w, dflt_used);
	return fn(&sub, value, buf, len, depth + 1);
}

/* A value that is None where it is returned: None itself, or a parameter given None
 * (find_program(names, default=None)): it runs nothing. */
static bool none_returned(const struct walk *w, const json_t *v)
{
	if (!v || is_none(v))
		return true;
	const char *id = ast_is(v, AST_Name) ? json_string_value(json_object_get(v, "id")) : NULL;
	bool dflt_used;
	long pos;
	const json_t *dflt;
	return id && param_of(w->func, id, &pos, &dflt) && !bound_inside(w, id, w->func) &&
	       is_none(frame_value(w, id, &dflt_used));
}

/*
 * A call of a def of setup.py (local_defs): every value each def of the name returns —
 * any of them may be the one that runs — resolved with `fn` in the def entered through
 * this call (its parameters are the call's arguments, a name it assigns is each value
 * assigned to it in the def) and combined (combine).  A return of None, or of '' as a
 * program, runs nothing and is left out; a generator, or a def already being entered, is
 * not followed.
 */
static bool def_returns(const struct walk *w, const json_t *call, resolve_fn fn, char *buf, size_t len,
			int depth)
{
	const json_t *defs[DEFS_MAX];
	size_t ndefs = local_defs(w, call, defs);
	if (!ndefs || depth > BUILD_DEPTH || !search_step(w))
		return false;
	for (const struct walk *up = w; up; up = up->caller)
		for (size_t d = 0; d < ndefs; d++)
			if (up->frame && up->func == defs[d])
				return false;	/* recursion */
	char *other = xmalloc(len);
	bool ok = true, first = true;
	for (size_t d = 0; ok && d < ndefs; d++) {	/* each def the call may run */
		struct walk sub = *w;
		sub.func = defs[d];
		sub.frame = call;
		sub.caller = w;
		struct returns r = { .ok = true };
		size_t i;
		json_t *stmt;
		json_array_foreach(json_object_get(defs[d], "body"), i, stmt)
			find_returns(&sub, stmt, &r, 1);
		ok = r.ok;
		for (i = 0; ok && i < r.n; i++) {
			/* None runs nothing, nor does '' as a program (a branch with no tool) */
			const char *text = fn == program_word ? const_text(r.values[i]) : NULL;
			if (none_returned(&sub, r.values[i]) || (text && !text[0]))
				continue;
			ok = fn(&sub, r.values[i], first ? buf : other, len, depth + 1) &&
			     (first || combine(w, fn, buf, len, other));
			first = false;
		}
	}
	free(other);
	return ok && !first;
}

/* A name the def entered assigns (w->frame): every value it is given in the def — a
 * return after branches may give any of them — each resolved and combined; None left out. */
static bool every_binding_inside(const struct walk *w, const char *id, resolve_fn fn, char *buf,
				 size_t len, int depth)
{
	long from = position(w->func, "lineno"), to = position(w->func, "end_lineno");
	char *other = xmalloc(len);
	bool ok = true, first = true;
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(w->bindings, id), i, v) {
		long line = position(v, "lineno");
		if (!ok || line < from || line > to || is_none(v))
			continue;
		/* out = out.decode(): the other values, cleaned up (programs, places only) */
		if ((fn == program_word || fn == tool_output || fn == user_location) && cleans_itself(v, id, 0))
			continue;
		ok = resolve_binding(w, v, fn, first ? buf : other, len, depth, true) &&
		     (first || combine(w, fn, buf, len, other));
		first = false;
	}
	free(other);
	return ok && !first;
}

/* The entries of the user's PATH: os.environ["PATH"].split(os.pathsep), os.get_exec_path()
 * — unless the file sets PATH itself. */
static bool path_entries(const struct walk *w, const json_t *e)
{
	const json_t *func = ast_is(e, AST_Call) ? json_object_get(e, "func") : NULL;
	const char *attr = ast_is(func, AST_Attribute) ? json_string_value(json_object_get(func, "attr")) : NULL;
	char var[16];
	const json_t *d;
	if (attr && !strcmp(attr, "split"))
		return env_read(w, json_object_get(func, "value"), var, sizeof var, &d) && !strcmp(var, "PATH") &&
		       !env_written(w, "PATH");
	char *name = ast_is(e, AST_Call) ? callee_name(w, e) : NULL;
	bool exec_path = name && !strcmp(name, "os.get_exec_path");
	free(name);
	return exec_path && !env_written(w, "PATH");
}

/*
 * Each element a loop of a search helper takes (`for path in os.environ["PATH"].split(":")
 * + paths`), resolved with `fn` (a place or a program word) and combined into buf: the
 * elements written out, the argument a parameter holds at the call entered, both sides of
 * `a + b`, and the PATH's entries — the user's places.  *first: nothing resolved yet.
 */
static bool each_in(const struct walk *w, const json_t *iter, resolve_fn fn, char *buf, size_t len, int depth,
		    bool *first)
{
	if (depth > BUILD_DEPTH || !search_step(w))
		return false;
	if (ast_is(iter, AST_BinOp) && ast_is(json_object_get(iter, "op"), AST_Add))
		return each_in(w, json_object_get(iter, "left"), fn, buf, len, depth + 1, first) &&
		       each_in(w, json_object_get(iter, "right"), fn, buf, len, depth + 1, first);
	char *other = xmalloc(len);
	bool ok = false;
	const char *id = ast_is(iter, AST_Name) ? json_string_value(json_object_get(iter, "id")) : NULL;
	long pos;
	const json_t *dflt, *elts;
	if (path_entries(w, iter)) {
		ok = fn == user_location && (size_t)snprintf(*first ? buf : other, len, "PATH") < len &&
		     (*first || combine(w, fn, buf, len, other));
		*first = false;
	} else if (id && w->frame && param_of(w->func, id, &pos, &dflt)) {
		bool dflt_used;
		const json_t *value = bound_inside(w, id, w->func) ? NULL : frame_value(w, id, &dflt_used);
		struct walk sub = value ? frame_walk(w, dflt_used) : *w;
		ok = value && each_in(&sub, value, fn, buf, len, depth + 1, first);
	} else if ((elts = loop_elements(w, iter))) {
		size_t i;
		json_t *e;
		ok = true;
		json_array_foreach(elts, i, e) {
			ok = ok && fn(w, e, *first ? buf : other, len, depth + 1) &&
			     (*first || combine(w, fn, buf, len, other));
			*first = false;
		}
	}
	free(other);
	return ok;
}

/* A Name in a command: a parameter of the def (its callers, or the call it was entered
 * through), a name a def entered assigns, else its bindings. */
static bool through_name(const struct walk *w, const json_t *name, resolve_fn fn, char *buf,
			 size_t len, int depth)
{
	const char *id = json_string_value(json_object_get(name, "id"));
	long pos;
	const json_t *dflt;
	if (id && w->frame && param_of(w->func, id, &pos, &dflt))
		return through_frame(w, id, fn, buf, len, depth);
	if (id && w->frame && bound_inside(w, id, w->func))
		return every_binding_inside(w, id, fn, buf, len, depth);
	if (id && w->func && w->top == CTX_INSTALL && !w->test_code && param_of(w->func, id, &pos, &dflt) &&
	    !bound_inside(w, id, w->func))
		return through_callers(w, name, fn, buf, len, depth);
	return through_bindings(w, name, fn, buf, len, depth);
}

/* ---- a program a build tool of the user's reports: apxs -q APR_CONFIG ---- */

/*
 * An argument of a reporting tool's query, as constant text: a word that names no file
 * (no directory, no "name.ext" such as foo.pc or mod.c, which pkg-config and compilers
 * would read from the package's directory) and sets nothing the tool reports: an '=' only
 * in pkg-config's `--variable=NAME` (not `--define-variable=x=y`, apxs's `-S VAR=value`),
 * and no `reporting_setters` option (`--with-path DIR`, whose value is the next word).
 */
static bool query_word(const struct walk *w, const char *t)
{
	if (!t[0] || !plain_command(t) || t[strcspn(t, "/\\ \t")])
		return false;
	const char *eq = strchr(t, '=');
	if ((eq && (strncmp(t, "--variable=", 11) || strchr(eq + 1, '='))) || rules_is_reporting_setter(w->rules, t))
		return false;
	const char *dot = strrchr(t, '.'), *c = dot ? dot + 1 : NULL;
	if (c && isalpha((unsigned char)*c)) {
		while (isalnum((unsigned char)*c))
			c++;
		if (!*c)
			return false;	/* name.ext: a file (glib-2.0 is a version) */
	}
	return true;
}

/* One argument of a reporting tool's query (query_word), written out or a name bound
 * only to one (a parameter: what the call entered passes). */
static bool query_argument(const struct walk *w, const json_t *e, char *buf, size_t len, int depth)
{
	if (depth > BUILD_DEPTH)
		return false;
	if (ast_is(e, AST_Name))
		return through_name(w, e, query_argument, buf, len, depth);
	const char *t = const_text(e);
	return t && query_word(w, t) && (size_t)snprintf(buf, len, "%s", t) < len;
}

/* A reporting tool's query as shell text: one program, each further word a query_word. */
static bool query_shell(const struct walk *w, const json_t *e, char *buf, size_t len, int depth)
{
	if (depth > BUILD_DEPTH)
		return false;
	if (ast_is(e, AST_Name))
		return through_name(w, e, query_shell, buf, len, depth);
	const char *t = const_text(e);
	if (!t || !plain_command(t))
		return false;
	char word[128];
	for (const char *p = t + strcspn(t, " \t"); *p; p += strcspn(p, " \t")) {
		p += strspn(p, " \t");
		size_t n = strcspn(p, " \t");
		if (n >= sizeof word)
			return false;
		memcpy(word, p, n);
		word[n] = '\0';
		if (n && !query_word(w, word))
			return false;
	}
	return program_word(w, e, buf, len, depth + 1);
}

/* A reporting tool's query as a list: its program (program_word), then query_arguments. */
static bool query_list(const struct walk *w, const json_t *e, char *buf, size_t len, int depth)
{
	if (depth > BUILD_DEPTH)
		return false;
	if (ast_is(e, AST_Name))
		return through_name(w, e, query_list, buf, len, depth);
	char *callee = ast_is(e, AST_Call) ? callee_name(w, e) : NULL;
	bool split = same_name(callee, "shlex.split") && json_array_size(json_object_get(e, "args")) == 1;
	free(callee);
	if (split)	/* shlex.split("pkg-config --variable=bindir foo") */
		return query_shell(w, json_array_get(json_object_get(e, "args"), 0), buf, len, depth + 1);
	if (const_text(e))	/* Popen("apxs"): the program alone */
		return query_shell(w, e, buf, len, depth + 1);
	const json_t *elts = ast_is(e, AST_List) || ast_is(e, AST_Tuple) ? json_object_get(e, "elts") : NULL;
	if (!json_array_size(elts) || !program_word(w, json_array_get(elts, 0), buf, len, depth + 1))
		return false;
	char arg[128];
	size_t i;
	json_t *elt;
	json_array_foreach(elts, i, elt)
		if (i && !query_argument(w, elt, arg, sizeof arg, depth + 1))
			return false;
	return true;
}

/*
 * A process call that queries a reporting tool (reporting_tool): check_output, getoutput,
 * getstatusoutput, run, Popen or os.popen whose command is the tool with constant query
 * words, given no option that changes what runs or what it reads (env=, cwd=,
 * executable=, preexec_fn=, a **spread); shell text (shell=True, getoutput, os.popen)
 * must run the one program.  "@TOOL" into buf.
 */
static bool reporting_call(const struct walk *w, const json_t *call, char *buf, size_t len, int depth)
{
	static const char *const queries[] = { "subprocess.check_output", "subprocess.run", "subprocess.Popen" };
	static const char *const shells[] = { "subprocess.getoutput", "subprocess.getstatusoutput", "os.popen" };
	static const char *const options[] = { "stdout", "stderr", "stdin", "text", "universal_newlines",
					       "encoding", "errors", "check", "timeout", "capture_output",
					       "bufsize", "close_fds", "shell" };
	char *name = ast_is(call, AST_Call) ? callee_name(w, call) : NULL;
	bool query = in_list(name, queries, sizeof queries / sizeof *queries);
	bool shell = in_list(name, shells, sizeof shells / sizeof *shells);
	free(name);
	if ((!query && !shell) || depth > BUILD_DEPTH)
		return false;
	size_t i;
	json_t *kw;
	json_array_foreach(json_object_get(call, "keywords"), i, kw) {
		const char *arg = json_string_value(json_object_get(kw, "arg"));
		const json_t *v = json_object_get(kw, "value");
		if (!in_list(arg, options, sizeof options / sizeof *options))
			return false;
		if (!strcmp(arg, "shell") && !(ast_is(v, AST_Constant) && json_is_boolean(json_object_get(v, "value"))))
			return false;	/* shell=flag: not known which */
		shell |= !strcmp(arg, "shell") && json_is_true(json_object_get(v, "value"));
	}
	const json_t *cmd = json_array_get(json_object_get(call, "args"), 0);
	char tool[128] = "";
	if (!w->search || w->search->querying || !cmd)
		return false;
	/* The query is a question of its own, resolved with a depth of its own (the program
	 * it reports was reached through a chain of names and defs already); a query inside
	 * a query's command is not followed, so this happens at most once per chain. */
	w->search->querying = true;
	bool query_ok = (shell ? query_shell : query_list)(w, cmd, tool, sizeof tool, 0);
	w->search->querying = false;
	if (!query_ok || !reporting_tool(w, tool))
		return false;
	/* the tool's answer is the user's only if the tool is: the artifact must ship no file
	 * of its name (bundled.c, at its end), even where a bare name runs one on the PATH */
	note_searched(w, tool);
	w->search->package = true;
	snprintf(w->search->reporter, sizeof w->search->reporter, "%s", tool);
	return (size_t)snprintf(buf, len, "@%s", tool) < len;
}

/* A process a reporting tool runs in (reporting_call), or a name bound only to one:
 * `p = subprocess.Popen([APXS, "-q", query], stdout=subprocess.PIPE)`. */
static bool reporting_process(const struct walk *w, const json_t *e, char *buf, size_t len, int depth)
{
	if (depth > BUILD_DEPTH)
		return false;
	if (ast_is(e, AST_Name))
		return through_name(w, e, reporting_process, buf, len, depth);
	return reporting_call(w, e, buf, len, depth + 1);
}

/* `obj.attr(...)`: the method's name, its object into *obj. */
static const char *method_of(const json_t *call, const json_t **obj)
{
	const json_t *func = ast_is(call, AST_Call) ? json_object_get(call, "func") : NULL;
	if (!ast_is(func, AST_Attribute))
		return NULL;
	*obj = json_object_get(func, "value");
	return json_string_value(json_object_get(func, "attr"));
}

/* The item `index` of `of` that is a reporting tool's output: p.communicate()[0] (out,
 * err = p.communicate()), subprocess.getstatusoutput(cmd)[1]. */
static bool output_item(const struct walk *w, const json_t *of, json_int_t index, char *buf, size_t len,
			int depth)
{
	const json_t *proc = NULL;
	const char *method = method_of(of, &proc);
	if (method && !strcmp(method, "communicate"))	/* no input: the query as written */
		return index == 0 && !json_array_size(json_object_get(of, "args")) &&
		       !json_array_size(json_object_get(of, "keywords")) &&
		       reporting_process(w, proc, buf, len, depth + 1);
	char *name = ast_is(of, AST_Call) ? callee_name(w, of) : NULL;
	bool status = same_name(name, "subprocess.getstatusoutput");
	free(name);
	return status && index == 1 && reporting_call(w, of, buf, len, depth + 1);
}

/* A whitespace-only constant (strip's argument) or none. */
static bool strip_argument(const json_t *call)
{
	const json_t *args = json_object_get(call, "args");
	const char *t = json_array_size(args) == 1 ? const_text(json_array_get(args, 0)) : NULL;
	return !json_array_size(json_object_get(call, "keywords")) &&
	       (!json_array_size(args) || (t && !t[strspn(t, " \t\r\n")]));
}

/*
 * The standard output of a reporting tool's query (reporting_call), as text a program is
 * named by, into buf as "@TOOL": check_output(...), getoutput(...), run(...).stdout,
 * p.communicate()[0] or `out, err = p.communicate()`, p.stdout.read(), os.popen(...).read(),
 * and that text stripped (.strip(), .rstrip("\n")), decoded (.decode("utf-8"), str()), or
 * its first word or line (.split()[0], .splitlines()[0]); a name bound only to such text.
 * What a tool of the user's system says is the user's: the program it names is the
 * user's build tool, as its own name would be.
 */
static bool tool_output(const struct walk *w, const json_t *e, char *buf, size_t len, int depth)
{
	if (depth > BUILD_DEPTH || !search_step(w))
		return false;
	if (ast_is(e, AST_Name))
		return through_name(w, e, tool_output, buf, len, depth);
	const json_t *unpacked = json_object_get(e, "_unpack");
	if (unpacked)	/* out, err = p.communicate() */
		return output_item(w, unpacked, json_integer_value(json_object_get(e, "_index")), buf, len, depth);
	const json_t *obj = NULL;
	if (ast_is(e, AST_Subscript)) {
		const json_t *slice = json_object_get(e, "slice"), *of = json_object_get(e, "value");
		const json_t *index = ast_is(slice, AST_Constant) ? json_object_get(slice, "value") : NULL;
		if (!json_is_integer(index))
			return false;
		const char *method = method_of(of, &obj);
		if (method && (!strcmp(method, "split") || !strcmp(method, "splitlines")) &&
		    json_integer_value(index) == 0 && (!strcmp(method, "splitlines") || strip_argument(of)))
			return tool_output(w, obj, buf, len, depth + 1);	/* its first word or line */
		return output_item(w, of, json_integer_value(index), buf, len, depth);
	}
	if (ast_is(e, AST_Attribute)) {	/* subprocess.run(..., capture_output=True).stdout */
		const char *attr = json_string_value(json_object_get(e, "attr"));
		return same_name(attr, "stdout") && reporting_process(w, json_object_get(e, "value"), buf, len, depth + 1);
	}
	const char *method = method_of(e, &obj);
	const json_t *args = json_object_get(e, "args");
	if (method && (!strcmp(method, "strip") || !strcmp(method, "rstrip") || !strcmp(method, "lstrip")))
		return strip_argument(e) && tool_output(w, obj, buf, len, depth + 1);
	if (method && !strcmp(method, "decode")) {
		size_t i;
		json_t *a;
		json_array_foreach(args, i, a)	/* an encoding, an error handler: constants */
			if (!const_text(a))
				return false;
		return !json_array_size(json_object_get(e, "keywords")) && tool_output(w, obj, buf, len, depth + 1);
	}
	if (method && !strcmp(method, "read") && !json_array_size(args)) {	/* p.stdout.read(), os.popen(c).read() */
		const char *attr = ast_is(obj, AST_Attribute) ? json_string_value(json_object_get(obj, "attr")) : NULL;
		return same_name(attr, "stdout") ? reporting_process(w, json_object_get(obj, "value"), buf, len, depth + 1)
						 : reporting_process(w, obj, buf, len, depth + 1);
	}
	char *name = ast_is(e, AST_Call) ? callee_name(w, e) : NULL;
	bool output = same_name(name, "subprocess.check_output") || same_name(name, "subprocess.getoutput");
	bool wrap = (same_name(name, "builtins.str") || same_name(name, "os.fsdecode")) && json_array_size(args) == 1;
	free(name);
	if (output)
		return reporting_call(w, e, buf, len, depth + 1);
	return wrap && !json_array_size(json_object_get(e, "keywords")) &&
	       tool_output(w, json_array_get(args, 0), buf, len, depth + 1);
}

/*
 * `out = out.decode("UTF-8")`, `out = out.strip()`: a binding of `id` that only cleans up
 * the name's other values (tool_output's wrappers around the name itself).  Left out of
 * the def's bindings (every_binding_inside): it adds no value of its own.
 */
static bool cleans_itself(const json_t *v, const char *id, int depth)
{
	const json_t *obj = NULL;
	const char *method = depth < BUILD_DEPTH ? method_of(v, &obj) : NULL;
	if (ast_is(v, AST_Name))
		return depth > 0 && same_name(json_string_value(json_object_get(v, "id")), id);
	if (method && (!strcmp(method, "strip") || !strcmp(method, "rstrip") || !strcmp(method, "lstrip")))
		return strip_argument(v) && cleans_itself(obj, id, depth + 1);
	if (method && !strcmp(method, "decode")) {
		size_t i;
		json_t *a;
		json_array_foreach(json_object_get(v, "args"), i, a)
			if (!const_text(a))
				return false;
		return !json_array_size(json_object_get(v, "keywords")) && cleans_itself(obj, id, depth + 1);
	}
	return false;
}

/*
 * A path written in the code, relative to the running file: "pkg/version.py",
 * os.path.join(here, "pkg", "version.py"), ROOT / "pkg" / "version.py".  Leading parts that
 * are not constant (the directory of __file__, a root variable) are the base directory
 * and count as "" here.
 */
static bool path_text(const struct walk *w, const json_t *e, char *buf, size_t len, int depth)
{
	if (depth > RUN_FILE_DEPTH)
		return false;
	const char *text = const_text(e);
	if (text)
		return (size_t)snprintf(buf, len, "%s", text) < len;
	if (ast_is(e, AST_Name) && through_bindings(w, e, path_text, buf, len, depth))
		return true;
	if (ast_is(e, AST_BinOp) && ast_is(json_object_get(e, "op"), AST_Div)) {	/* pathlib */
		char *left = xmalloc(len);
		bool base = !path_text(w, json_object_get(e, "left"), left, len, depth + 1);
		const char *right = const_text(json_object_get(e, "right"));
		bool ok = right && (size_t)snprintf(buf, len, "%s%s%s", base ? "" : left,
						    base || !left[0] ? "" : "/", right) < len;
		free(left);
		return ok;
	}
	char *callee = ast_is(e, AST_Call) ? callee_name(w, e) : NULL;
	bool join = callee && (!strcmp(callee, "os.path.join") || !strcmp(callee, "posixpath.join"));
	free(callee);
	if (!join)
		return false;
	size_t n = 0, i;
	json_t *part;
	buf[0] = '\0';
	json_array_foreach(json_object_get(e, "args"), i, part) {
		const char *t = const_text(part);
		if (!t && n)	/* a variable after a constant part: not one file */
			return false;
		if (!t)
			continue;
		int k = snprintf(buf + n, len - n, "%s%s", n ? "/" : "", t);
		if (k < 0 || (size_t)k >= len - n)
			return false;
		n += (size_t)k;
	}
	return n > 0;
}

/* ---- files the install code creates: a program it may write before it runs it ---- */

/* Calls that create a file at a path among their arguments. */
static const char *const file_creators[] = {
	"shutil.copy", "shutil.copy2", "shutil.copyfile", "shutil.move", "os.rename", "os.replace",
	"os.renames", "os.symlink", "os.link", "os.open", "os.mkfifo", "urllib.request.urlretrieve",
	"urllib.urlretrieve"
};
/* Calls and methods that create files of names the code does not write (an archive's). */
static const char *const tree_creators[] = { "shutil.copytree", "shutil.unpack_archive" };
static const char *const tree_methods[] = { "extract", "extractall", "_extract_member" };
/* Path methods that write the file they are called on (or its argument). */
static const char *const path_writers[] = { "write_text", "write_bytes", "touch", "symlink_to",
					    "hardlink_to", "rename", "link_to" };

static bool in_list(const char *name, const char *const *list, size_t n)
{
	for (size_t i = 0; name && i < n; i++)
		if (!strcmp(name, list[i]))
			return true;
	return false;
}

#define IN_LIST(name, list) in_list(name, list, sizeof list / sizeof *list)

/* A path argument of a write: its base name is one of `names` (case ignored), or the
 * path is not written in the code, and may be. */
static bool may_name(const struct walk *w, const json_t *e, const json_t *names)
{
	char path[1024];
	if (!path_text(w, e, path, sizeof path, 0))
		return true;
	size_t i;
	json_t *name;
	json_array_foreach(names, i, name)
		if (!strcasecmp(source_base_name(path), json_string_value(name) ?: ""))
			return true;
	return false;
}

/* open()'s mode writes: "w", "a", "x" or "+" in it, or a mode not written out. */
static bool opens_for_writing(const json_t *call)
{
	const json_t *mode = json_array_get(json_object_get(call, "args"), 1);
	size_t i;
	json_t *kw;
	json_array_foreach(json_object_get(call, "keywords"), i, kw) {
		const char *arg = json_string_value(json_object_get(kw, "arg"));
		if (!arg)
			return true;	/* **opts: any mode */
		if (!strcmp(arg, "mode"))
			mode = json_object_get(kw, "value");
	}
	if (!mode)
		return false;
	const char *m = const_text(mode);
	return !m || m[strcspn(m, "wax+")];
}

/* The walk of writes_program: a call in `node` that may create a file of one of `names`. */
static bool creates_named(const struct walk *w, const json_t *node, const json_t *names, int depth)
{
	if (!tree_guard_ok(w->guard, depth))
		return true;	/* not seen to the end: it may */
	if (ast_is(node, AST_Call)) {
		char *name = callee_name(w, node);
		const json_t *func = json_object_get(node, "func");
		const char *attr = ast_is(func, AST_Attribute) ? json_string_value(json_object_get(func, "attr")) : NULL;
		const json_t *args = json_object_get(node, "args");
		bool open = name && (!strcmp(name, "builtins.open") || !strcmp(name, "io.open") ||
				     !strcmp(name, "codecs.open"));
		bool creator = IN_LIST(name, file_creators);
		bool tree = IN_LIST(name, tree_creators) || (!open && !creator && IN_LIST(attr, tree_methods));
		bool path_write = !open && !creator && !tree &&
				  (IN_LIST(attr, path_writers) ||
				   (attr && !strcmp(attr, "replace") && json_array_size(args) == 1));
		free(name);
		if (tree)
			return true;
		if (open && opens_for_writing(node) && may_name(w, json_array_get(args, 0), names))
			return true;
		if (path_write && may_name(w, json_object_get(func, "value"), names))
			return true;
		size_t i;
		json_t *a;
		json_array_foreach(creator || path_write ? args : NULL, i, a)
			if (may_name(w, a, names))
				return true;
		json_array_foreach(creator || path_write ? json_object_get(node, "keywords") : NULL, i, a)
			if (may_name(w, json_object_get(a, "value"), names))
				return true;
	}
	struct ast_children it;
	json_t *child;
	for (ast_children_init(&it, (json_t *)node); (child = ast_children_next(&it));)
		if (creates_named(w, child, names, depth + 1))
			return true;
	return false;
}

/*
 * The file may create a program of one of `names` before it runs it: a write (open for
 * writing, a copy, a move, a link, a download saved, Path.write_bytes()) to a path of that
 * base name or to a path it does not write out, or an archive extracted (names it does not
 * say).  Then the member check at the artifact's end proves nothing.
 */
static bool writes_program(const struct walk *w, const json_t *names)
{
	return creates_named(w, w->tree, names, 0);
}

/* `e` opens a file: open(P), io.open(P), codecs.open(P), or a name bound to one. */
static bool opened_path(const struct walk *w, const json_t *e, char *buf, size_t len, int depth)
{
	if (depth > RUN_FILE_DEPTH)
		return false;
	if (ast_is(e, AST_Name))
		return through_bindings(w, e, opened_path, buf, len, depth);
	char *callee = ast_is(e, AST_Call) ? callee_name(w, e) : NULL;
	bool open = callee && (!strcmp(callee, "builtins.open") || !strcmp(callee, "io.open") ||
			       !strcmp(callee, "codecs.open"));
	free(callee);
	return open && path_text(w, json_array_get(json_object_get(e, "args"), 0), buf, len, depth + 1);
}

/*
 * The package file whose text `e` is: open(P).read(), f.read() of `with open(P) as f`,
 * Path(...).read_text(), compile(<one of those>, ...), or a name bound to one.
 */
static bool file_text(const struct walk *w, const json_t *e, char *buf, size_t len, int depth)
{
	if (depth > RUN_FILE_DEPTH || !ast_is(e, AST_Call))
		return ast_is(e, AST_Name) && depth <= RUN_FILE_DEPTH &&
		       through_bindings(w, e, file_text, buf, len, depth);
	const json_t *func = json_object_get(e, "func");
	const json_t *args = json_object_get(e, "args");
	char *callee = callee_name(w, e);
	bool compile = callee && !strcmp(callee, "builtins.compile");
	free(callee);
	if (compile)
		return file_text(w, json_array_get(args, 0), buf, len, depth + 1);
	const char *attr = ast_is(func, AST_Attribute) ? json_string_value(json_object_get(func, "attr")) : NULL;
	if (!attr || json_array_size(args))
		return false;
	const json_t *obj = json_object_get(func, "value");
	if (!strcmp(attr, "read"))
		return opened_path(w, obj, buf, len, depth + 1);
	if (!strcmp(attr, "read_text") || !strcmp(attr, "read_bytes"))
		return path_text(w, obj, buf, len, depth + 1);
	return false;
}

/*
 * The package's own script a process call runs with the running interpreter:
 * [sys.executable, os.path.join(here, "tools", "cythonize.py"), "numpy/random"] — the
 * script's path (a .py file, written as path_text reads it) into buf, when every other
 * argument is a build argument.  Its code is analysed where it runs, like an exec of its
 * text; `-c CODE`, `-m module` or any other first word is no script of the package.
 */
static bool interpreter_script(const struct walk *w, const json_t *call, char *buf, size_t len)
{
	const json_t *cmd = json_array_get(json_object_get(call, "args"), 0);
	const json_t *elts = ast_is(cmd, AST_List) || ast_is(cmd, AST_Tuple) ? json_object_get(cmd, "elts") : NULL;
	const json_t *exe = json_array_get(elts, 0);
	const char *resolved = json_string_value(json_object_get(exe, "_resolved"));
	if (!resolved || strcmp(resolved, "sys.executable") || json_array_size(elts) < 2)
		return false;
	size_t i;
	json_t *kw;
	json_array_foreach(json_object_get(call, "keywords"), i, kw) {
		const char *arg = json_string_value(json_object_get(kw, "arg"));
		if (!arg || !strcmp(arg, "executable") || !strcmp(arg, "shell"))
			return false;
	}
	if (!path_text(w, json_array_get(elts, 1), buf, len, 0))
		return false;
	size_t n = strlen(buf);
	if (n < 4 || strcmp(buf + n - 3, ".py") || buf[0] == '-')
		return false;
	json_t *elt;
	json_array_foreach(elts, i, elt)
		if (i > 1 && !build_argument(w, elt, 0))
			return false;
	return true;
}

/*
 * The code aura-rewrite decoded for an exec/eval (`_payload`) only looks values up:
 * expression statements of names, attributes, items, constants, containers and
 * operators — no call, lambda, comprehension, import or assignment, nothing that runs
 * code of its own.  `_numpy_aliases` is a lookup; `__import__("os")` is not.
 */
static bool only_looks_up(const struct walk *w, const json_t *node, int depth)
{
	if (!tree_guard_ok(w->guard, depth))
		return false;
	size_t i = 0;
	json_t *child;
	if (json_is_array(node)) {	/* a body; the Module's type_ignores (empty) */
		json_array_foreach(node, i, child)
			if (!only_looks_up(w, child, depth + 1))
				return false;
		return true;
	}
	enum ast_kind kind = ast_kind(node);
	switch (ast_kind_class(kind)) {
	case AST_CLASS_CTX: case AST_CLASS_BOOLOP: case AST_CLASS_OPERATOR: case AST_CLASS_UNARYOP:
	case AST_CLASS_CMPOP:
		return true;
	default:
		break;
	}
	static const enum ast_kind reads[] = { AST_Module, AST_Expr, AST_Name, AST_Attribute,
					       AST_Constant, AST_Tuple, AST_List, AST_Set, AST_Dict,
					       AST_Subscript, AST_Slice, AST_BinOp, AST_UnaryOp,
					       AST_BoolOp, AST_Compare, AST_IfExp };
	while (i < sizeof reads / sizeof *reads && reads[i] != kind)
		i++;
	if (i == sizeof reads / sizeof *reads)
		return false;
	struct ast_children it;
	for (ast_children_init(&it, (json_t *)node); (child = ast_children_next(&it));)
		if (!only_looks_up(w, child, depth + 1))
			return false;
	return true;
}

/*
 * The code an interpreter runs from its command line (`[sys.executable, "-c", CODE]`: the
 * `_payload` aura-rewrite attached to the process call) is written out in the package:
 * literals, or literals joined and formatted.  Text decoded, computed from characters or
 * numbers, or anything rewrite could not fold (input, the environment) is not: no payload,
 * or rules outside this list, and the process keeps its full score.
 */
static bool known_interpreter_code(const json_t *call)
{
	static const char *const spelled_out[] = { "fold:concat", "fold:format", "fold:fstring",
						   "fold:join" };
	const json_t *payload = json_object_get(call, "_payload");
	if (!json_is_object(payload) || !json_object_get(call, "_payload_source"))
		return false;
	size_t i;
	json_t *rule;
	json_array_foreach(json_object_get(json_object_get(payload, "_origin"), "rules"), i, rule) {
		const char *name = json_string_value(rule);
		size_t k = 0;
		while (name && k < sizeof spelled_out / sizeof *spelled_out && strcmp(name, spelled_out[k]))
			k++;
		if (!name || k == sizeof spelled_out / sizeof *spelled_out)
			return false;
	}
	return true;
}

/*
 * Known code that builds functions and calls nothing but what they are handed: f2py's
 * `lambda v,f=f:not f(v)` — expressions as in only_looks_up, lambdas whose defaults do
 * too, and calls only of a parameter of an enclosing lambda of the code.  A name the
 * evaluator resolved (a module, a builtin: `lambda f=__import__: f("os")`) is refused, and
 * so is any other call (`lambda v: os.system(v)`): the body of a lambda runs later, where
 * its hits are weighed as a function's, so it must not be able to do anything itself.
 */
static bool calls_only_parameters(const struct walk *w, const json_t *node, const json_t *params,
				  int depth)
{
	if (!tree_guard_ok(w->guard, depth))
		return false;
	size_t i = 0;
	json_t *child;
	if (json_is_array(node)) {
		json_array_foreach(node, i, child)
			if (!calls_only_parameters(w, child, params, depth + 1))
				return false;
		return true;
	}
	enum ast_kind kind = ast_kind(node);
	switch (ast_kind_class(kind)) {
	case AST_CLASS_CTX: case AST_CLASS_BOOLOP: case AST_CLASS_OPERATOR: case AST_CLASS_UNARYOP:
	case AST_CLASS_CMPOP:
		return true;
	default:
		break;
	}
	if (kind == AST_Name)
		return !json_object_get(node, "_resolved");
	if (kind == AST_Call) {
		const json_t *func = json_object_get(node, "func");
		const char *id = ast_is(func, AST_Name) ? json_string_value(json_object_get(func, "id")) : NULL;
		return id && json_object_get(params, id) && !json_object_get(func, "_resolved") &&
		       !json_object_get(node, "_resolved") &&
		       calls_only_parameters(w, json_object_get(node, "args"), params, depth + 1) &&
		       calls_only_parameters(w, json_object_get(node, "keywords"), params, depth + 1);
	}
	if (kind == AST_Lambda) {
		/* defaults are evaluated where the lambda is made; the body sees its parameters */
		const json_t *args = json_object_get(node, "args");
		if (!calls_only_parameters(w, json_object_get(args, "defaults"), params, depth + 1) ||
		    !calls_only_parameters(w, json_object_get(args, "kw_defaults"), params, depth + 1))
			return false;
		json_t *inner = json_copy((json_t *)params);
		if (!inner)
			aura_oom();
		static const char *const lists[] = { "posonlyargs", "args", "kwonlyargs" };
		for (size_t l = 0; l < 3; l++)
			json_array_foreach(json_object_get(args, lists[l]), i, child)
				if (json_is_string(json_object_get(child, "arg")))
					json_object_set_new(inner, json_string_value(json_object_get(child, "arg")), json_true());
		static const char *const rest[] = { "vararg", "kwarg" };
		for (size_t l = 0; l < 2; l++) {
			const json_t *a = json_object_get(json_object_get(args, rest[l]), "arg");
			if (json_is_string(a))
				json_object_set_new(inner, json_string_value(a), json_true());
		}
		bool ok = calls_only_parameters(w, json_object_get(node, "body"), inner, depth + 1);
		json_decref(inner);
		return ok;
	}
	static const enum ast_kind reads[] = { AST_Module, AST_Expr, AST_Attribute, AST_Constant,
					       AST_Tuple, AST_List, AST_Set, AST_Dict, AST_Subscript,
					       AST_Slice, AST_BinOp, AST_UnaryOp, AST_BoolOp, AST_Compare,
					       AST_IfExp, AST_keyword, AST_Starred };
	while (i < sizeof reads / sizeof *reads && reads[i] != kind)
		i++;
	if (i == sizeof reads / sizeof *reads)
		return false;
	struct ast_children it;
	for (ast_children_init(&it, (json_t *)node); (child = ast_children_next(&it));)
		if (!calls_only_parameters(w, child, params, depth + 1))
			return false;
	return true;
}

/* Known code that can do nothing of its own: lookups, or lambdas calling their parameters. */
static bool known_and_inert(const struct walk *w, const json_t *payload)
{
	if (!payload)
		return false;
	if (only_looks_up(w, payload, 0))
		return true;
	json_t *none = json_object();
	if (!none)
		aura_oom();
	bool ok = calls_only_parameters(w, payload, none, 0);
	json_decref(none);
	return ok;
}

/* A payload aura-rewrite built as a template sample (rule fold:template, docs/rewrite.md). */
static bool is_template_sample(const json_t *payload)
{
	size_t i;
	const json_t *rule;
	json_array_foreach(json_object_get(json_object_get(payload, "_origin"), "rules"), i, rule)
		if (json_is_string(rule) && !strcmp(json_string_value(rule), "fold:template"))
			return true;
	return false;
}

/*
 * The module a dynamic import names when its first argument is a string literal written in
 * the code (`__import__("tkinter")`, `importlib.import_module("pkg.sub")`): an import written
 * another way, not a module chosen at run time.  A name folded from decoded text or built at
 * run time is no literal and keeps the rule's full score; so does text that is not a dotted
 * module name.
 */
static const char *module_name_literal(const json_t *call)
{
	const json_t *arg = json_array_get(json_object_get(call, "args"), 0);
	const json_t *v = json_object_get(arg, "value");
	if (!ast_is(arg, AST_Constant) || !json_is_string(v) || json_object_get(arg, "_decoded_from"))
		return NULL;
	const char *text = json_string_value(v);
	size_t n = strlen(text);
	if (!n || n > 200 || text[n - 1] == '.')
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!(isalnum((unsigned char)text[i]) || text[i] == '_' || text[i] == '.'))
			return NULL;
	return text;
}

/*
 * The command a process call runs (a rule of category process): its first argument or
 * its `args=` keyword.  A name there is matched by the `in_commands` string rules on
 * each text the file gives it (cmd = "pip install …"; os.system(cmd)); the other rules
 * matched that text where it was written.
 */
static const json_t *process_command(struct walk *w, const json_t *call, const struct rule *r,
				     enum context c)
{
	if (!r || !r->category || strcmp(r->category, "process"))
		return NULL;
	const json_t *cmd = json_array_get(json_object_get(call, "args"), 0);
	size_t i;
	json_t *kw;
	if (!cmd)
		json_array_foreach(json_object_get(call, "keywords"), i, kw)
			if (!strcmp(json_string_value(json_object_get(kw, "arg")) ? json_string_value(json_object_get(kw, "arg")) : "", "args"))
				cmd = json_object_get(kw, "value");
	if (!ast_is(cmd, AST_Name))
		return cmd;
	/* Every text the name is given in the file (w->bindings), as written or as folded. */
	const json_t *values = json_object_get(w->bindings, json_string_value(json_object_get(cmd, "id")));
	bool saved_in = w->in_command;
	w->in_command = w->commands_only = true;
	json_array_foreach(values, i, kw) {
		const char *key = ast_is(kw, AST_Constant) ? "value" : "_value";
		if (!json_is_string(json_object_get(kw, key)))
			continue;
		size_t len = 0;
		char *text = constant_text(kw, key, &len);
		check_string(w, cmd, text, len, c);
		free(text);
	}
	w->in_command = saved_in;
	w->commands_only = false;
	return cmd;
}

/* A call's own findings; the command argument when it starts a process (else NULL). */
static const json_t *check_call(struct walk *w, const json_t *call, enum context c)
{
	char *name = callee_name(w, call);
	const struct rule *r = name ? rules_match(&w->rules->calls, name, false) : NULL;
	const json_t *command = process_command(w, call, r, c);
	char host[256];
	if (r && r->has_fixed_host[c] && dest_of_call(call, host, sizeof host, NULL, NULL))
		w->fixed_host = host;
	char tool[128];
	struct search search = { .names = json_array() };
	if (!search.names)
		aura_oom();
	w->search = &search;
	if (r && r->has_build_tool[c] && build_tool_of_call(w, call, tool, sizeof tool))
		w->build_tool = tool;
	char lib[256];
	if (r && r->has_system_library[c] && is_library_loader(name) &&
	    system_library(w, json_array_get(json_object_get(call, "args"), 0), lib, sizeof lib, 0))
		w->system_lib = lib;
	else if (r && r->has_system_library[c] && system_library_function(name, lib, sizeof lib))
		w->system_lib = lib;
	char own[1024];
	if (r && r->has_package_file[c] && r->path_argument < 0 &&
	    (file_text(w, json_array_get(json_object_get(call, "args"), 0), own, sizeof own, 0) ||
	     interpreter_script(w, call, own, sizeof own)) && own[0])
		w->package_file = own;
	/* runpy.run_path("pkg/_version.py"): the path itself names the file whose code runs */
	if (r && r->has_package_file[c] && r->path_argument >= 0 &&
	    path_text(w, json_array_get(json_object_get(call, "args"), (size_t)r->path_argument),
		      own, sizeof own, 0) && own[0])
		w->package_file = own;
	char note[256], var[128];
	if (r && !w->anchor && r->has_verified[c] && netguard_verified(w->rules, w->tree, w->func, call, w->guard)) {
		w->net_score = r->verified, w->net_tag = "verified";
		w->net_note = "its bytes are checked against a pinned digest before they are used";
	} else if (r && !w->anchor && r->has_opt_in[c] &&
		   netguard_opt_in(w->rules, w->tree, w->func, call, w->guard, var, sizeof var)) {
		snprintf(note, sizeof note, "made only when the environment switch %s is set", var);
		w->net_score = r->opt_in, w->net_tag = "opt-in", w->net_note = note;
	} else if (r && !w->anchor && r->has_extracted[c] &&
		   netguard_extracted(w->rules, w->tree, w->func, call, w->guard)) {
		w->net_score = r->extracted, w->net_tag = "extracted";
		w->net_note = "the download is only unpacked afterwards, nothing of it run here";
	}
	/* known code that can do nothing of its own: a template sample's score, or lookup */
	const json_t *payload = json_object_get(call, "_payload");
	if (r && is_template_sample(payload))
		w->template_sample = r->has_template_sample[c] && known_and_inert(w, payload);
	else if (r && r->has_lookup[c] && known_and_inert(w, payload))
		w->lookup = true;
	if (r && r->has_known_code[c] && known_interpreter_code(call))
		w->known_code = true;
	if (r && r->has_constant_name[c])
		w->constant_name = module_name_literal(call);
	if (r)
		emit_hit(w, r, name, call, c);
	w->search = NULL;
	json_decref(search.names);
	w->net_score = NULL;
	w->lookup = false;
	w->known_code = false;
	w->template_sample = false;
	w->constant_name = NULL;
	w->fixed_host = NULL;
	w->build_tool = NULL;
	w->system_lib = NULL;
	w->package_file = NULL;
	/* eval('exec'): aura-rewrite found a builtin fetched by evaluating its name. */
	const char *hidden = json_string_value(json_object_get(call, "_evaluates_to"));
	const struct rule *hr = hidden ? rules_match(&w->rules->calls, BUILTIN_BY_NAME, false) : NULL;
	if (hr)
		emit_hit(w, hr, hidden, call, c);
	/* A call of a module's main block is one of the def `__main__` (a file run as a
	 * script reaches it), not of the module's top level. */
	bool in_main = c == CTX_COMMAND && w->def && !strcmp(w->def, XREF_MAIN_DEF);
	if (name && w->xref && !w->test_code && (c != CTX_FUNCTION || w->def || w->repo_code))
		xref_note_call(w->xref, name,
			       json_object_get(call, "_resolved") ||
			       json_object_get(json_object_get(call, "func"), "_resolved"),
			       c == CTX_FUNCTION || in_main ? w->def : NULL, c);
	free(name);
	return command;
}

/*
 * What aura-rewrite learnt a node does besides its name (docs/rewrite.md, "Marks"): each
 * name in `_marks` is matched like a call's (os.system handed to a thread; the
 * __aura__.* facts); a process call's list argument joined into `_command` is matched by
 * the string rules, like a shell string.
 */
static void check_marks(struct walk *w, const json_t *node, enum context c)
{
	size_t i, len = 0;
	json_t *mark;
	json_array_foreach(json_object_get(node, "_marks"), i, mark) {
		const char *name = json_string_value(mark);
		const struct rule *r = name ? rules_match(&w->rules->calls, name, false) : NULL;
		if (r)
			emit_hit(w, r, name, node, c);
	}
	char *text = constant_text(node, "_command", &len);
	bool saved_in = w->in_command;
	w->in_command = true;
	check_string(w, node, text, len, c);
	w->in_command = saved_in;
	free(text);
}

static void check_exec_statement(struct walk *w, const json_t *node, enum context c)
{
	const struct rule *r = rules_match(&w->rules->calls, "builtins.exec", false);
	if (r)
		emit_hit(w, r, "builtins.exec", node, c);
}

static void check_module(struct walk *w, const char *module, const json_t *node, enum context c)
{
	const struct rule *r = module ? rules_match(&w->rules->imports, module, true) : NULL;
	if (r)
		emit_hit(w, r, module, node, c);
}

/*
 * `import ctypes, ctypes.util`: the statement names module `module` (its alias `at`) after
 * a module of the same top-level package (the package itself, or another of its modules)
 * that the same import rule matches.  Importing ctypes.util imports ctypes: one statement,
 * one capability, one finding — not one per name.
 */
static bool package_named_before(const struct walk *w, const json_t *node, size_t at, const char *module)
{
	const struct rule *r = module ? rules_match(&w->rules->imports, module, true) : NULL;
	size_t i, n = module ? strcspn(module, ".") : 0;
	json_t *alias;
	json_array_foreach(json_object_get(node, "names"), i, alias) {
		const char *earlier = json_string_value(json_object_get(alias, "name"));
		if (i >= at || !r || !earlier)
			break;
		if (strncmp(earlier, module, n) == 0 && (earlier[n] == '\0' || earlier[n] == '.') &&
		    rules_match(&w->rules->imports, earlier, true) == r)
			return true;
	}
	return false;
}

static void check_import(struct walk *w, const json_t *node, enum context c)
{
	size_t i;
	json_t *alias;
	if (ast_is(node, AST_ImportFrom)) {
		/* Relative imports name the package's own modules. */
		const char *module = json_string_value(json_object_get(node, "module"));
		if (record_int(node, "level", 0) != 0 || !module)
			return;
		check_module(w, module, node, c);
		/* Importing runs the module's top level (`from tools import helper`: the
		 * package tools or its module helper). */
		if (w->xref && !w->test_code)
			xref_note_import(w->xref, module, c);
		json_array_foreach(json_object_get(node, "names"), i, alias) {
			const char *name = json_string_value(json_object_get(alias, "name"));
			if (!name || !w->xref || w->test_code)
				continue;
			char *full = xmalloc(strlen(module) + strlen(name) + 2);
			sprintf(full, "%s.%s", module, name);
			xref_note_import(w->xref, full, c);
			free(full);
		}
		return;
	}
	json_array_foreach(json_object_get(node, "names"), i, alias) {
		const char *module = json_string_value(json_object_get(alias, "name"));
		if (!package_named_before(w, node, i, module))
			check_module(w, module, node, c);
		if (w->xref && !w->test_code)
			xref_note_import(w->xref, module, c);
	}
}

static void walk(struct walk *w, const json_t *node, enum context c, int depth);

/* ---- custom setup commands: methods that run at install time ---- */

static void add_hook_class(struct walk *w, const char *name)
{
	if (!name || w->nhook_classes == sizeof w->hook_classes / sizeof w->hook_classes[0])
		return;
	w->hook_classes[w->nhook_classes++] = name;
}

static bool is_hook_class(const struct walk *w, const char *name)
{
	for (size_t i = 0; name && i < w->nhook_classes; i++)
		if (!strcmp(w->hook_classes[i], name))
			return true;
	return false;
}

/* Does expression `n` name a setup command of the rules' install_hooks? */
static bool names_install_hook(const struct walk *w, const json_t *n)
{
	const char *resolved = json_string_value(json_object_get(n, "_resolved"));
	char *name = resolved ? xstrdup(resolved) : plain_dotted(n);
	bool hit = false;
	for (size_t k = 0; name && k < w->rules->ninstall_hooks && !hit; k++) {
		const char *hook = w->rules->install_hooks[k];
		/* Without rewrite's resolution, `install` alone still names the class. */
		const char *dot = strrchr(hook, '.');
		hit = !strcmp(name, hook) || (!resolved && dot && !strcmp(name, dot + 1));
	}
	free(name);
	return hit;
}

/* A class deriving from a setup command named in the rules' install_hooks. */
static bool derives_from_install_hook(const struct walk *w, const json_t *classdef)
{
	size_t i;
	json_t *base;
	json_array_foreach(json_object_get(classdef, "bases"), i, base)
		if (names_install_hook(w, base))
			return true;
	return false;
}

/*
 * `install.run = f` (or setattr(install, "run", f)) at setup.py's top level: setuptools
 * calls f when it runs the command, so f's body is install-time code like a cmdclass
 * method's.  The def's name, or NULL.
 */
static const char *patched_hook_def(const struct walk *w, const json_t *stmt)
{
	const json_t *target = NULL, *value = NULL;
	if (ast_is(stmt, AST_Assign) && json_array_size(json_object_get(stmt, "targets")) == 1) {
		target = json_array_get(json_object_get(stmt, "targets"), 0);
		target = ast_is(target, AST_Attribute) ? json_object_get(target, "value") : NULL;
		value = json_object_get(stmt, "value");
	}
	const json_t *call = ast_is(stmt, AST_Expr) ? json_object_get(stmt, "value") : NULL;
	char *callee = ast_is(call, AST_Call) ? callee_name(w, call) : NULL;
	if (callee && !strcmp(callee, "builtins.setattr") &&
	    json_array_size(json_object_get(call, "args")) == 3) {
		target = json_array_get(json_object_get(call, "args"), 0);
		value = json_array_get(json_object_get(call, "args"), 2);
	}
	free(callee);
	if (!target || !ast_is(value, AST_Name) || !names_install_hook(w, target))
		return NULL;
	return json_string_value(json_object_get(value, "id"));
}

/* The name a node is called or assigned by: x.attr, a bare name. */
static const char *last_name(const json_t *n)
{
	if (ast_is(n, AST_Attribute))
		return json_string_value(json_object_get(n, "attr"));
	return ast_is(n, AST_Name) ? json_string_value(json_object_get(n, "id")) : NULL;
}

/* True when `name` is a string anywhere in `node` (bounded; past the bound: assume so). */
static bool has_text(const struct walk *w, const json_t *node, const char *name, int depth)
{
	if (!ast_guard_ok(&w->guard->guard, depth))
		return true;
	if (ast_is(node, AST_Constant)) {
		const char *t = json_string_value(json_object_get(node, "value"));
		return t && !strcmp(t, name);
	}
	struct ast_children it;
	json_t *child;
	for (ast_children_init(&it, (json_t *)node); (child = ast_children_next(&it));)
		if (has_text(w, child, name, depth + 1))
			return true;
	return false;
}

/*
 * True when code in `node` outside the classes `w->skip_classes` runs command `name`:
 * run_command("name") (or get_finalized_command, reinitialize_command), or names it in
 * a `sub_commands` list (assigned, or appended/inserted/extended).
 */
static bool runs_command(const struct walk *w, const json_t *node, const char *name,
			 const char *const *skip, size_t nskip, int depth)
{
	if (!ast_guard_ok(&w->guard->guard, depth))
		return true;
	if (ast_is(node, AST_ClassDef)) {
		const char *cls = json_string_value(json_object_get(node, "name"));
		for (size_t i = 0; cls && i < nskip; i++)
			if (!strcmp(skip[i], cls))
				return false;	/* a command nothing runs: what it runs does not run */
	}
	const json_t *func = ast_is(node, AST_Call) ? json_object_get(node, "func") : NULL;
	const char *called = last_name(func);
	const char *owner = ast_is(func, AST_Attribute) ? last_name(json_object_get(func, "value")) : NULL;
	if (called && (!strcmp(called, "run_command") || !strcmp(called, "get_finalized_command") ||
		       !strcmp(called, "reinitialize_command")) &&
	    has_text(w, json_object_get(node, "args"), name, depth + 1))
		return true;
	if (owner && !strcmp(owner, "sub_commands") && has_text(w, json_object_get(node, "args"), name, depth + 1))
		return true;
	if (ast_is(node, AST_Assign) || ast_is(node, AST_AugAssign)) {
		const json_t *targets = json_object_get(node, "targets");
		const json_t *one = targets ? json_array_get(targets, 0) : json_object_get(node, "target");
		const char *target = last_name(one);
		if (target && !strcmp(target, "sub_commands") &&
		    has_text(w, json_object_get(node, "value"), name, depth + 1))
			return true;
	}
	struct ast_children it;
	json_t *child;
	for (ast_children_init(&it, (json_t *)node); (child = ast_children_next(&it));)
		if (runs_command(w, child, name, skip, nskip, depth + 1))
			return true;
	return false;
}

/* A cmdclass entry whose command pip runs (install_commands); a key that is no constant
 * text counts too (what it names is not known). */
static bool pip_runs(const struct walk *w, const json_t *key)
{
	const char *name = ast_is(key, AST_Constant) ? json_string_value(json_object_get(key, "value")) : NULL;
	if (!name || !w->rules->ninstall_commands)
		return true;
	for (size_t i = 0; i < w->rules->ninstall_commands; i++)
		if (!strcmp(w->rules->install_commands[i], name))
			return true;
	return false;
}

/* Classes named as values of a `cmdclass={...}` keyword anywhere in `node`. */
static void find_cmdclass(struct walk *w, const json_t *node, int depth)
{
	if (!tree_guard_ok(w->guard, depth))
		return;
	if (ast_is(node, AST_keyword)) {
		const char *arg = json_string_value(json_object_get(node, "arg"));
		const json_t *value = json_object_get(node, "value");
		if (arg && !strcmp(arg, "cmdclass") && ast_is(value, AST_Dict)) {
			size_t i;
			json_t *v;
			const json_t *keys = json_object_get(value, "keys");
			json_array_foreach(json_object_get(value, "values"), i, v) {
				const char *cls = json_string_value(json_object_get(v, "id"));
				const json_t *key = json_array_get(keys, i);
				if (!ast_is(v, AST_Name) || !cls)
					continue;
				if (pip_runs(w, key))
					add_hook_class(w, cls);
				else if (w->nother_commands < sizeof w->other_commands / sizeof *w->other_commands) {
					w->other_classes[w->nother_commands] = cls;
					w->other_commands[w->nother_commands++] =
						json_string_value(json_object_get(key, "value"));
				}
			}
		}
	}
	struct ast_children it;
	json_t *child;
	for (ast_children_init(&it, (json_t *)node); (child = ast_children_next(&it));)
		find_cmdclass(w, child, depth + 1);
}

/* In setup.py: which top-level classes are setup commands (install, develop, ...). */
static void collect_hook_classes(struct walk *w, const json_t *module)
{
	if (w->top != CTX_INSTALL)
		return;
	size_t i;
	json_t *stmt;
	json_array_foreach(json_object_get(module, "body"), i, stmt) {
		const char *patched = patched_hook_def(w, stmt);
		if (ast_is(stmt, AST_ClassDef) && derives_from_install_hook(w, stmt))
			add_hook_class(w, json_string_value(json_object_get(stmt, "name")));
		else if (patched && w->nhook_defs < sizeof w->hook_defs / sizeof *w->hook_defs)
			w->hook_defs[w->nhook_defs++] = patched;
		else
			find_cmdclass(w, stmt, 0);
	}
	/* A command pip does not run still runs when code that runs (setup.py's top level, a
	 * command that runs) runs it by name: repeat until nothing more is found. */
	bool counted[64] = { false }, more = true;
	while (more) {
		more = false;
		const char *skip[64];
		size_t nskip = 0;
		for (size_t k = 0; k < w->nother_commands; k++)
			if (!counted[k])
				skip[nskip++] = w->other_classes[k];
		for (size_t k = 0; k < w->nother_commands; k++)
			if (!counted[k] && w->other_commands[k] &&
			    runs_command(w, module, w->other_commands[k], skip, nskip, 0)) {
				add_hook_class(w, w->other_classes[k]);
				counted[k] = more = true;
			}
	}
}

/* A setup command class: its methods' bodies run at install time, not "in a function". */
static void walk_hook_class(struct walk *w, const json_t *classdef, enum context c, int depth)
{
	walk(w, json_object_get(classdef, "bases"), c, depth + 1);
	walk(w, json_object_get(classdef, "keywords"), c, depth + 1);
	walk(w, json_object_get(classdef, "decorator_list"), c, depth + 1);
	size_t i;
	json_t *stmt;
	json_array_foreach(json_object_get(classdef, "body"), i, stmt) {
		if (ast_is(stmt, AST_FunctionDef) || ast_is(stmt, AST_AsyncFunctionDef)) {
			walk(w, json_object_get(stmt, "decorator_list"), c, depth + 2);
			walk(w, json_object_get(stmt, "args"), c, depth + 2);
			const json_t *saved_func = w->func;
			w->func = stmt;
			walk(w, json_object_get(stmt, "body"), CTX_INSTALL, depth + 2);
			w->func = saved_func;
		} else {
			walk(w, stmt, c, depth + 2);
		}
	}
}


static void walk_field(struct walk *w, const json_t *node, const char *key, enum context c,
		       int depth)
{
	walk(w, json_object_get(node, key), c, depth + 1);
}

/* A tree aura-rewrite decoded from an exec payload: its findings belong to the outer call. */
static void walk_payload(struct walk *w, const json_t *call, const json_t *payload,
			 enum context c, int depth)
{
	const json_t *saved_anchor = w->anchor;
	const char *saved_src = w->payload_src;
	if (!w->anchor)
		w->anchor = call;
	w->payload_src = json_string_value(json_object_get(call, "_payload_source"));
	walk(w, payload, c, depth + 1);
	w->anchor = saved_anchor;
	w->payload_src = saved_src;
}

/* Source order: a node's own finding comes before those of the nodes inside it. */
static void walk(struct walk *w, const json_t *node, enum context c, int depth)
{
	if (!tree_guard_ok(w->guard, depth))
		return;
	enum ast_kind kind = ast_kind(node);
	if (kind == AST_FunctionDef || kind == AST_AsyncFunctionDef || kind == AST_Lambda) {
		/* Decorators and defaults run where the def is; the body only when called. */
		walk_field(w, node, "decorator_list", c, depth);
		walk_field(w, node, "args", c, depth);
		walk_field(w, node, "returns", c, depth);
		/* A def that top-level code calls runs in the caller's context. */
		char *chain = c != CTX_FUNCTION ? reach_chain(w->reach, node) : NULL;
		const char *saved_via = w->via, *saved_def = w->def;
		if (chain)
			w->via = chain;
		if (!w->def && !w->in_class && kind != AST_Lambda)
			w->def = json_string_value(json_object_get(node, "name"));
		const json_t *saved_func = w->func;
		w->func = node;
		bool invoked = node == w->invoked_lambda;
		walk_field(w, node, "body", chain || invoked ? c : CTX_FUNCTION, depth);
		w->func = saved_func;
		w->via = saved_via;
		w->def = saved_def;
		free(chain);
		return;
	}
	if (c == CTX_IMPORT && reach_is_main_guard(node)) {
		/* Runs when the user runs the module as a script, not when it is imported
		 * (context command): kept for xref as the def `__main__`, which a file run as a
		 * script reaches. */
		walk_field(w, node, "test", c, depth);
		const char *saved_def = w->def;
		if (!w->def && !w->in_class)
			w->def = XREF_MAIN_DEF;
		walk_field(w, node, "body", CTX_COMMAND, depth);
		w->def = saved_def;
		walk_field(w, node, "orelse", c, depth);
		return;
	}
	if (kind == AST_ClassDef && c == CTX_INSTALL &&
	    is_hook_class(w, json_string_value(json_object_get(node, "name")))) {
		walk_hook_class(w, node, c, depth);
		return;
	}
	if (kind == AST_Expr && ast_is(json_object_get(node, "value"), AST_Constant))
		return;	/* a docstring or a bare literal: text for people, never run */
	/*
	 * What aura-rewrite folded ('/etc/' + 'passwd', ''.join(map(chr, [...]))) carries the
	 * value it computed in `_value`: matched like a literal.  A Name's `_value` was
	 * propagated from where it was computed and matched there; a Constant is its value.
	 */
	bool folded = kind != AST_NONE && kind != AST_Name && kind != AST_Constant &&
		      json_object_get(node, "_value");
	if (folded) {
		size_t len = 0;
		char *text = constant_text(node, "_value", &len);
		check_string(w, node, text, len, c);
		free(text);
	}
	if (kind == AST_JoinedStr) {
		if (!folded)
			check_joinedstr(w, node, c);
		size_t i;
		json_t *part;	/* its constant pieces were matched as part of the whole */
		json_array_foreach(json_object_get(node, "values"), i, part)
			if (!ast_is(part, AST_Constant))
				walk(w, part, c, depth + 1);
		return;
	}
	if (kind == AST_Constant) {
		size_t len = 0;
		char *text = constant_text(node, "value", &len);
		check_string(w, node, text, len, c);
		free(text);
	}
	check_marks(w, node, c);
	const json_t *command = NULL;
	if (kind == AST_Call)
		command = check_call(w, node, c);
	else if (kind == AST_Exec)	/* Python 2's `exec code in ns` statement */
		check_exec_statement(w, node, c);
	else if (kind == AST_Import || kind == AST_ImportFrom)
		check_import(w, node, c);
	bool is_class = kind == AST_ClassDef;
	w->in_class += is_class;
	/* The tree aura-rewrite decoded from an exec/eval/compile call or a Python 2 exec
	 * statement (`_payload`, which the child iterator leaves out): walked after the
	 * node's own fields, as it was added after them, so the hits keep their order. */
	const json_t *payload = kind == AST_Call || kind == AST_Exec ?
				json_object_get(node, "_payload") : NULL;
	const json_t *saved_invoked = w->invoked_lambda, *saved_command = w->command_arg;
	if (kind == AST_Call && ast_is(json_object_get(node, "func"), AST_Lambda))
		w->invoked_lambda = json_object_get(node, "func");
	if (command)
		w->command_arg = command;
	struct ast_children it;
	json_t *child;
	for (ast_children_init(&it, (json_t *)node); (child = ast_children_next(&it));) {
		bool saved_in = w->in_command;
		if (child == w->command_arg)
			w->in_command = true;
		walk(w, child, c, depth + 1);
		w->in_command = saved_in;
	}
	w->invoked_lambda = saved_invoked;
	w->command_arg = saved_command;
	if (json_is_object(payload))
		walk_payload(w, node, payload, c, depth);
	w->in_class -= is_class;
}

void detect_ast(const struct ruleset *rules, const json_t *ast_rec, struct source *src,
		struct xref *xref)
{
	const json_t *tree = json_object_get(ast_rec, "tree");
	struct walk w = {
		.rules = rules,
		.rec = ast_rec,
		.src = src,
		.artifact = record_str(ast_rec, "artifact"),
		.path = record_str(ast_rec, "path"),
		.file = record_str(ast_rec, "file"),
		.top = top_context(record_str(ast_rec, "path")),
		.rewritten = json_is_true(json_object_get(tree, "_rewritten")),
		.test_code = rules_is_test_path(rules, record_str(ast_rec, "path")),
		.repo_code = rules_is_repo_path(rules, record_str(ast_rec, "path")),
		.xref = xref,
		.bindings = json_object(),
		.changed = json_object(),
		.declared_global = json_object(),
		.tree = tree,
	};
	if (!w.bindings || !w.changed || !w.declared_global)
		aura_oom();
	/* One guard for every walk below, all started from this frame. */
	struct tree_guard guard = { .cut = 0 };
	ast_guard_start(&guard.guard, stack_budget, DETECT_MAX_DEPTH);
	w.guard = &guard;
	collect_bindings(&w, tree, 0);
	if (xref)
		xref_begin_file(xref, w.path, tree, &guard);
	/* Nothing runs test code on install or import; a repository script runs only when
	 * the package's own code runs it (xref follows that). */
	if (w.test_code || (w.repo_code && w.top != CTX_INSTALL))
		w.top = CTX_FUNCTION;
	else
		w.repo_code = false;
	collect_hook_classes(&w, tree);
	/* What setup.py installs: a repo_paths directory among it is the package's code. */
	if (xref && w.top == CTX_INSTALL && w.path && !strcmp(source_base_name(w.path), "setup.py"))
		installed_scan_setup_py(xref_installed(xref), w.path, tree, w.bindings, &guard, 0);
	/* setup.py and __main__.py run as scripts: their `if __name__ == "__main__":` too. */
	w.reach = reach_build(tree, &guard, w.top == CTX_INSTALL || w.top == CTX_COMMAND,
			      w.hook_classes, w.nhook_classes, w.hook_defs, w.nhook_defs);
	walk(&w, tree, w.top, 0);
	struct taint_site ts = { .rules = rules, .artifact = w.artifact, .path = w.path, .file = w.file,
				 .src = src, .top = w.top, .reach = w.reach,
				 .hook_classes = (char *const *)w.hook_classes,
				 .nhook_classes = w.nhook_classes, .test_code = w.test_code,
				 .repo_code = w.repo_code, .xref = xref, .guard = &guard };
	taint_module(&ts, tree);
	reach_free(w.reach);
	json_decref(w.bindings);
	json_decref(w.changed);
	json_decref(w.declared_global);
	if (guard.cut)
		record_error(w.artifact, w.path, "code nested deeper than the analysis follows "
			     "(%d JSON levels): not analysed below", guard.cut);
}
