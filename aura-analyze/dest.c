/* dest.c: the constant host a network call talks to (a hard-coded destination). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "astwalk.h"
#include "dest.h"

#define DEST_MAX_DEPTH 8	/* nesting of concatenations and format calls followed */

/* Hosts that say nothing about where data goes: this machine, private networks, docs. */
static bool host_is_local(const char *h)
{
	static const char *const exact[] = { "localhost", "0.0.0.0", "::1", "example.com",
					     "example.org", "example.net" };
	static const char *const prefix[] = { "127.", "10.", "192.168.", "169.254." };
	static const char *const suffix[] = { ".localhost", ".local", ".example", ".invalid",
					      ".test", ".example.com", ".example.org", ".internal" };
	for (size_t i = 0; i < sizeof exact / sizeof *exact; i++)
		if (!strcmp(h, exact[i]))
			return true;
	for (size_t i = 0; i < sizeof prefix / sizeof *prefix; i++)
		if (!strncmp(h, prefix[i], strlen(prefix[i])))
			return true;
	size_t n = strlen(h);
	for (size_t i = 0; i < sizeof suffix / sizeof *suffix; i++) {
		size_t m = strlen(suffix[i]);
		if (n > m && !strcmp(h + n - m, suffix[i]))
			return true;
	}
	return false;
}

/*
 * The host named by text: "scheme://host[:port]/..." at its start, or text that is a
 * dotted host name ("x.example", ".x.example" after an f-string hole).  A host needs a dot
 * and a letter-or-digit label after it; paths, file names and words are not hosts.
 */
static bool host_of_text(const char *s, bool whole, char *buf, size_t len)
{
	const char *p = strstr(s, "://");
	bool url = p && p - s < 12;
	const char *h = url ? p + 3 : s;
	if (!url && !whole)
		return false;
	while (!url && *h == '.')
		h++;
	size_t n = 0;
	while (h[n] && (isalnum((unsigned char)h[n]) || h[n] == '.' || h[n] == '-' || h[n] == '_'))
		n++;
	if (!url && h[n] && h[n] != ':')	/* "x.y" alone, or "x.y:port" */
		return false;
	const char *dot = memchr(h, '.', n);
	if (!dot || n < 4 || n >= len || dot == h || h[n - 1] == '.')
		return false;
	/* The last label is a top-level domain (letters) or the host is an IPv4 address. */
	const char *tld = h + n;
	while (tld > h && tld[-1] != '.')
		tld--;
	bool letters = true;
	for (const char *q = tld; q < h + n; q++)
		letters &= isalpha((unsigned char)*q) != 0;
	if (!letters && !isdigit((unsigned char)*tld))
		return false;
	if (!url && letters) {	/* "setup.py", "config.json": file names, not hosts */
		static const char *const files[] = { "py", "txt", "json", "cfg", "toml", "yaml", "yml",
						     "md", "rst", "ini", "log", "csv", "html", "exe", "so",
						     "dll", "zip", "gz", "tar", "whl", "png", "jpg" };
		size_t tn = (size_t)(h + n - tld);
		for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
			bool same = strlen(files[i]) == tn;
			for (size_t k = 0; same && k < tn; k++)
				same = tolower((unsigned char)tld[k]) == files[i][k];
			if (same)
				return false;
		}
	}
	memcpy(buf, h, n);
	buf[n] = '\0';
	for (char *q = buf; *q; q++)
		*q = (char)tolower((unsigned char)*q);
	return !host_is_local(buf);
}

static bool dest_expr(const json_t *e, char *buf, size_t len, dest_lookup_fn lookup, void *ctx,
		      int depth)
{
	if (depth > DEST_MAX_DEPTH || !e)
		return false;
	const json_t *v = json_object_get(e, "value");
	if (ast_is(e, AST_Constant))
		return json_is_string(v) && host_of_text(json_string_value(v), true, buf, len);
	if (ast_is(e, AST_JoinedStr)) {	/* f"https://h/{x}" or f"{x}.h.example" */
		size_t i;
		json_t *part;
		const json_t *first = json_array_get(json_object_get(e, "values"), 0);
		if (ast_is(first, AST_FormattedValue) &&	/* f"{base_url}?{query}" */
		    ast_is(json_object_get(first, "value"), AST_Name) &&
		    dest_expr(json_object_get(first, "value"), buf, len, lookup, ctx, depth + 1))
			return true;
		json_array_foreach(json_object_get(e, "values"), i, part) {
			const json_t *pv = json_object_get(part, "value");
			if (ast_is(part, AST_Constant) && json_is_string(pv) &&
			    host_of_text(json_string_value(pv), i > 0 || json_array_size(
					 json_object_get(e, "values")) == 1, buf, len))
				return true;
		}
		return false;
	}
	if (ast_is(e, AST_Tuple))	/* socket.connect(("h.example", 443)) */
		return dest_expr(json_array_get(json_object_get(e, "elts"), 0), buf, len, lookup, ctx,
				 depth + 1);
	if (ast_is(e, AST_BinOp))	/* "https://h/" + x, "https://h/%s" % x, x + ".h.example" */
		return dest_expr(json_object_get(e, "left"), buf, len, lookup, ctx, depth + 1) ||
		       (!ast_is(json_object_get(e, "op"), AST_Mod) &&
			dest_expr(json_object_get(e, "right"), buf, len, lookup, ctx, depth + 1));
	if (ast_is(e, AST_Call)) {	/* "https://h/{}".format(x) */
		const json_t *func = json_object_get(e, "func");
		const char *attr = json_string_value(json_object_get(func, "attr"));
		return ast_is(func, AST_Attribute) && attr && !strcmp(attr, "format") &&
		       dest_expr(json_object_get(func, "value"), buf, len, lookup, ctx, depth + 1);
	}
	if (ast_is(e, AST_Name) && lookup) {
		const char *id = json_string_value(json_object_get(e, "id"));
		return id && lookup(id, buf, len, ctx);
	}
	return false;
}

bool dest_of_expr(const json_t *e, char *buf, size_t len, dest_lookup_fn lookup, void *ctx)
{
	return dest_expr(e, buf, len, lookup, ctx, 0);
}

bool dest_of_call(const json_t *call, char *buf, size_t len, dest_lookup_fn lookup, void *ctx)
{
	const json_t *arg = json_array_get(json_object_get(call, "args"), 0);
	if (arg && dest_expr(arg, buf, len, lookup, ctx, 0))
		return true;
	size_t i;
	json_t *kw;
	json_array_foreach(json_object_get(call, "keywords"), i, kw) {
		const char *k = json_string_value(json_object_get(kw, "arg"));
		if (k && (!strcmp(k, "url") || !strcmp(k, "host") || !strcmp(k, "hostname") ||
			  !strcmp(k, "address")) &&
		    dest_expr(json_object_get(kw, "value"), buf, len, lookup, ctx, 0))
			return true;
	}
	return false;
}
