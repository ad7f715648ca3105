/* xmlrpc.c: one XML-RPC call (PyPI's changelog) over http.c, the answer read with libxml2's reader. */
#include <errno.h>
#include <libxml/xmlreader.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "fetch.h"

/*
 * The answer is hostile input like any download: it is read with libxml2 (no network, no
 * entities, no DTD at all: an XML-RPC answer has none), at most XMLRPC_MAX_ANSWER bytes,
 * and every element must be where XML-RPC puts it.  An array result is handed over one
 * element at a time (xmlTextReaderExpand): PyPI answers up to 50,000 changes, and a tree of
 * the whole answer would take ten times its size.  Values become jansson values: int, i4
 * and i8 integers, string (and untyped text) strings, nil null, boolean, double, array,
 * struct; dateTime.iso8601 and base64 stay their text.
 */

#define XMLRPC_MAX_ANSWER ((size_t)64 << 20)
#define XMLRPC_MAX_DEPTH 16

static bool blank(const char *s)
{
	return s[strspn(s, " \t\r\n")] == '\0';
}

static json_t *value_json(xmlNode *value, int depth, char *why, size_t cap);

/* The element children of n, refusing text that is not blank (mixed content). */
static bool element_children(xmlNode *n, xmlNode **out, size_t max, size_t *count, char *why, size_t cap)
{
	*count = 0;
	for (xmlNode *c = n->children; c; c = c->next) {
		if (c->type == XML_COMMENT_NODE || c->type == XML_PI_NODE)
			continue;
		if (c->type == XML_TEXT_NODE && blank((const char *)c->content))
			continue;
		if (c->type != XML_ELEMENT_NODE) {
			snprintf(why, cap, "text inside <%s>, where XML-RPC has only elements", n->name);
			return false;
		}
		if (*count == max) {
			snprintf(why, cap, "<%s> holds more than %zu elements", n->name, max);
			return false;
		}
		out[(*count)++] = c;
	}
	return true;
}

/* The text of a scalar's element: no element inside it. */
static char *scalar_text(xmlNode *n, char *why, size_t cap)
{
	for (xmlNode *c = n->children; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE) {
			snprintf(why, cap, "<%s> holds an element <%s>", n->name, c->name);
			return NULL;
		}
	char *text = (char *)xmlNodeGetContent(n);
	if (!text)
		aura_oom();
	return text;
}

static json_t *integer_json(const char *text, const char *type, char *why, size_t cap)
{
	const char *p = text + strspn(text, " \t\r\n");
	char *end;
	errno = 0;
	long long v = strtoll(p, &end, 10);
	end += strspn(end, " \t\r\n");
	bool four = strcmp(type, "i8") != 0;
	if (p[0] == '\0' || !(p[0] == '-' || p[0] == '+' || (p[0] >= '0' && p[0] <= '9')) || *end ||
	    errno == ERANGE || (four && (v < INT32_MIN || v > INT32_MAX))) {
		snprintf(why, cap, "<%s> is not a %s-bit integer: '%.40s'", type, four ? "32" : "64", text);
		return NULL;
	}
	return json_integer(v);
}

/* <array><data><value>...</value>...</data></array> */
static json_t *array_json(xmlNode *array, int depth, char *why, size_t cap)
{
	xmlNode *data[1];
	size_t n;
	if (!element_children(array, data, 1, &n, why, cap))
		return NULL;
	if (n != 1 || strcmp((const char *)data[0]->name, "data") != 0) {
		snprintf(why, cap, "<array> without its one <data>");
		return NULL;
	}
	json_t *out = json_array();
	for (xmlNode *c = data[0]->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE) {
			if (c->type == XML_TEXT_NODE && !blank((const char *)c->content)) {
				snprintf(why, cap, "text inside <data>, where XML-RPC has only <value>s");
				goto fail;
			}
			continue;
		}
		json_t *v = value_json(c, depth + 1, why, cap);
		if (!v)
			goto fail;
		json_array_append_new(out, v);
	}
	return out;
fail:
	json_decref(out);
	return NULL;
}

/* <struct><member><name>N</name><value>V</value></member>...</struct> */
static json_t *struct_json(xmlNode *st, int depth, char *why, size_t cap)
{
	json_t *out = json_object();
	for (xmlNode *m = st->children; m; m = m->next) {
		if (m->type != XML_ELEMENT_NODE) {
			if (m->type == XML_TEXT_NODE && !blank((const char *)m->content)) {
				snprintf(why, cap, "text inside <struct>, where XML-RPC has only <member>s");
				goto fail;
			}
			continue;
		}
		xmlNode *kv[2];
		size_t n;
		if (strcmp((const char *)m->name, "member") != 0 ||
		    !element_children(m, kv, 2, &n, why, cap) || n != 2 ||
		    strcmp((const char *)kv[0]->name, "name") != 0) {
			if (!*why)
				snprintf(why, cap, "a <struct> member that is not <member><name/><value/></member>");
			goto fail;
		}
		char *name = scalar_text(kv[0], why, cap);
		if (!name)
			goto fail;
		json_t *v = value_json(kv[1], depth + 1, why, cap);
		int dup = json_object_get(out, name) != NULL;
		if (v && !dup)
			json_object_set_new(out, name, v);
		else if (v) {
			snprintf(why, cap, "<struct> names member '%.80s' twice", name);
			json_decref(v);
		}
		xmlFree(name);
		if (!v || dup)
			goto fail;
	}
	return out;
fail:
	json_decref(out);
	return NULL;
}

static json_t *value_json(xmlNode *value, int depth, char *why, size_t cap)
{
	if (strcmp((const char *)value->name, "value") != 0) {
		snprintf(why, cap, "<%s> where XML-RPC has a <value>", value->name);
		return NULL;
	}
	if (depth > XMLRPC_MAX_DEPTH) {
		snprintf(why, cap, "values nested deeper than %d", XMLRPC_MAX_DEPTH);
		return NULL;
	}
	xmlNode *typed[1];
	size_t n;
	bool has_element = false;
	for (xmlNode *c = value->children; c; c = c->next)
		has_element |= c->type == XML_ELEMENT_NODE;
	if (!has_element) {	/* untyped: a string */
		char *text = scalar_text(value, why, cap);
		json_t *s = json_string(text);
		xmlFree(text);
		if (!s)
			snprintf(why, cap, "a <value> that is not UTF-8");
		return s;
	}
	if (!element_children(value, typed, 1, &n, why, cap))
		return NULL;
	const char *type = (const char *)typed[0]->name;
	if (strcmp(type, "array") == 0)
		return array_json(typed[0], depth, why, cap);
	if (strcmp(type, "struct") == 0)
		return struct_json(typed[0], depth, why, cap);
	char *text = scalar_text(typed[0], why, cap);
	if (!text)
		return NULL;
	json_t *out = NULL;
	if (strcmp(type, "int") == 0 || strcmp(type, "i4") == 0 || strcmp(type, "i8") == 0)
		out = integer_json(text, type, why, cap);
	else if (strcmp(type, "string") == 0 || strcmp(type, "dateTime.iso8601") == 0 ||
		 strcmp(type, "base64") == 0) {
		if (!(out = json_string(text)))
			snprintf(why, cap, "a <%s> that is not UTF-8", type);
	} else if (strcmp(type, "nil") == 0 && blank(text))
		out = json_null();
	else if (strcmp(type, "boolean") == 0 && (strcmp(text, "0") == 0 || strcmp(text, "1") == 0))
		out = json_boolean(text[0] == '1');
	else if (strcmp(type, "double") == 0) {
		char *end;
		errno = 0;
		double d = strtod(text, &end);
		if (end != text && !*end && errno == 0)
			out = json_real(d);
	}
	if (!out && !*why)
		snprintf(why, cap, "<%s> is not an XML-RPC value%s: '%.40s'", type,
			 strcmp(type, "nil") && strcmp(type, "boolean") && strcmp(type, "double") ?
			 " type" : "", text);
	xmlFree(text);
	return out;
}

/* ---- the answer, element by element ---- */

/* libxml2's own words for the first error (it reports nothing itself: XML_PARSE_NOERROR). */
static void malformed(char *why, size_t cap)
{
	const xmlError *e = xmlGetLastError();
	if (e && e->message) {
		size_t n = strcspn(e->message, "\n");
		snprintf(why, cap, "malformed XML, line %d: %.*s", e->line, (int)(n < 200 ? n : 200), e->message);
	} else {
		snprintf(why, cap, "malformed XML");
	}
}

/* Move on (into the node, or past its subtree) and skip what carries nothing: 1, 0 at the end, -1. */
static int advance(xmlTextReaderPtr r, bool past, char *why, size_t cap)
{
	int rc = past ? xmlTextReaderNext(r) : xmlTextReaderRead(r);
	for (; rc == 1; rc = xmlTextReaderRead(r)) {
		int t = xmlTextReaderNodeType(r);
		if (t == XML_READER_TYPE_DOCUMENT_TYPE) {
			snprintf(why, cap, "the answer has a DOCTYPE (an XML-RPC answer has none): refused");
			return -1;
		}
		if (t == XML_READER_TYPE_ELEMENT || t == XML_READER_TYPE_END_ELEMENT)
			return 1;
		if (t == XML_READER_TYPE_TEXT || t == XML_READER_TYPE_CDATA) {
			const xmlChar *v = xmlTextReaderConstValue(r);
			if (v && !blank((const char *)v)) {
				snprintf(why, cap, "text '%.40s' where XML-RPC has an element", v);
				return -1;
			}
		}
	}
	if (rc < 0)
		malformed(why, cap);
	return rc;
}

static bool at(xmlTextReaderPtr r, int type, const char *name, int depth)
{
	return xmlTextReaderNodeType(r) == type && xmlTextReaderDepth(r) == depth &&
	       strcmp((const char *)xmlTextReaderConstLocalName(r), name) == 0;
}

/* Step to the start of <name> at depth, else say what is there instead. */
static bool expect(xmlTextReaderPtr r, const char *name, int depth, char *why, size_t cap)
{
	int rc = advance(r, false, why, cap);
	if (rc == 1 && at(r, XML_READER_TYPE_ELEMENT, name, depth))
		return true;
	if (rc == 0)
		snprintf(why, cap, "the answer ends where XML-RPC has <%s>", name);
	else if (rc == 1)
		snprintf(why, cap, "<%s%s> where XML-RPC has <%s>",
			 xmlTextReaderNodeType(r) == XML_READER_TYPE_END_ELEMENT ? "/" : "",
			 xmlTextReaderConstLocalName(r), name);
	return false;
}

/* The <value> the reader is on, as JSON (its subtree only). */
static json_t *expand_value(xmlTextReaderPtr r, char *why, size_t cap)
{
	xmlNode *n = xmlTextReaderExpand(r);
	if (!n) {
		malformed(why, cap);
		return NULL;
	}
	return value_json(n, 0, why, cap);
}

/* <fault><value><struct>faultCode, faultString</struct></value></fault> */
static void fault_why(xmlTextReaderPtr r, char *why, size_t cap)
{
	if (!expect(r, "value", 2, why, cap))
		return;
	json_t *f = expand_value(r, why, cap);
	if (!f)
		return;
	json_t *code = json_object_get(f, "faultCode");
	const char *text = json_string_value(json_object_get(f, "faultString"));
	if (json_is_integer(code) && text)
		snprintf(why, cap, "XML-RPC fault %lld: %.300s", (long long)json_integer_value(code), text);
	else
		snprintf(why, cap, "an XML-RPC fault without an integer faultCode and a string faultString");
	json_decref(f);
}

/* The answer's result: with `each`, an array whose elements go to it; else the value in *result. */
static int read_answer(xmlTextReaderPtr r, xmlrpc_item_fn each, void *ctx, json_t **result, char *why, size_t cap)
{
	if (!expect(r, "methodResponse", 0, why, cap))
		return -1;
	int rc = advance(r, false, why, cap);
	if (rc == 1 && at(r, XML_READER_TYPE_ELEMENT, "fault", 1)) {
		fault_why(r, why, cap);
		return -1;
	}
	if (rc != 1 || !at(r, XML_READER_TYPE_ELEMENT, "params", 1)) {
		if (rc >= 0)
			snprintf(why, cap, "an answer with neither <params> nor <fault>");
		return -1;
	}
	if (!expect(r, "param", 2, why, cap) || !expect(r, "value", 3, why, cap))
		return -1;
	if (!each) {
		if (!(*result = expand_value(r, why, cap)))
			return -1;
	} else {
		if (xmlTextReaderIsEmptyElement(r) || advance(r, false, why, cap) != 1 ||
		    !at(r, XML_READER_TYPE_ELEMENT, "array", 4)) {
			if (!*why)
				snprintf(why, cap, "the result is not an array");
			return -1;
		}
		if (!expect(r, "data", 5, why, cap))
			return -1;
		if (!xmlTextReaderIsEmptyElement(r)) {
			size_t i = 0;
			for (rc = advance(r, false, why, cap); rc == 1; rc = advance(r, true, why, cap)) {
				if (at(r, XML_READER_TYPE_END_ELEMENT, "data", 5))
					break;
				if (!at(r, XML_READER_TYPE_ELEMENT, "value", 6)) {
					snprintf(why, cap, "<%s> inside the result's <data>",
						 xmlTextReaderConstLocalName(r));
					return -1;
				}
				json_t *item = expand_value(r, why, cap);
				if (!item)
					return -1;
				int ok = each(item, i++, ctx, why, cap);
				json_decref(item);
				if (ok < 0)
					return -1;
			}
			if (rc != 1) {
				if (rc == 0)
					snprintf(why, cap, "the answer ends inside the result's <data>");
				return -1;
			}
		}
		if (advance(r, false, why, cap) != 1 || !at(r, XML_READER_TYPE_END_ELEMENT, "array", 4)) {
			if (!*why)
				snprintf(why, cap, "more than the <data> in the result's <array>");
			return -1;
		}
	}
	/* Nothing after the one value: </value> (when not skipped) </param> </params> </methodResponse>. */
	rc = advance(r, !each, why, cap);
	if (each && rc == 1 && at(r, XML_READER_TYPE_END_ELEMENT, "value", 3))
		rc = advance(r, false, why, cap);
	static const char *const ends[] = { "methodResponse", "params", "param" };
	for (int d = 2; d >= 0; d--, rc = advance(r, false, why, cap))
		if (rc != 1 || !at(r, XML_READER_TYPE_END_ELEMENT, ends[d], d)) {
			if (rc >= 0)
				snprintf(why, cap, "more in the answer than one result");
			goto fail;
		}
	if (rc != 0) {
		if (rc > 0)
			snprintf(why, cap, "more in the answer after </methodResponse>");
		goto fail;
	}
	return 0;
fail:
	json_decref(*result);
	*result = NULL;
	return -1;
}

/* libxml2's encoding layer writes some errors to stderr whatever the options: they are ours to say. */
static void quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

int xmlrpc_parse(const unsigned char *data, size_t len, const char *url, xmlrpc_item_fn each, void *ctx,
		 json_t **result, char *why, size_t cap)
{
	*result = NULL;
	why[0] = '\0';
	if (len == 0 || len > INT32_MAX) {	/* INT32_MAX: libxml2 takes an int */
		snprintf(why, cap, len ? "an answer of %zu bytes" : "an empty answer", len);
		return -1;
	}
	/*
	 * No network, no entity substitution, no DTD loaded; errors are ours to report.  UTF-8
	 * whatever the declaration says: another encoding would load an iconv module, code the
	 * sealed stage may not map (seccomp kills it), so a hostile answer could end the poll.
	 */
	xmlSetGenericErrorFunc(NULL, quiet);
	xmlTextReaderPtr r = xmlReaderForMemory((const char *)data, (int)len, url, "UTF-8",
						XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
						XML_PARSE_NOCDATA | XML_PARSE_IGNORE_ENC);
	if (!r)
		aura_oom();
	xmlResetLastError();
	int rc = read_answer(r, each, ctx, result, why, cap);
	if (rc < 0 && !*why)
		malformed(why, cap);
	for (char *p = why; rc < 0 && *p; p++)	/* the server's words go to a terminal: no controls */
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	xmlFreeTextReader(r);
	return rc;
}

int xmlrpc_call(const char *url, const char *method, long long arg, xmlrpc_item_fn each, void *ctx,
		json_t **result, char *why, size_t cap)
{
	char call[512], param[96] = "";
	if (arg >= 0)	/* <int> is 32-bit; a larger serial is an <i8> (Python's reader takes both) */
		snprintf(param, sizeof param, "<param><value><%s>%lld</%s></value></param>",
			 arg > INT32_MAX ? "i8" : "int", arg, arg > INT32_MAX ? "i8" : "int");
	snprintf(call, sizeof call, "<?xml version=\"1.0\"?>\n<methodCall><methodName>%s</methodName>"
		 "<params>%s</params></methodCall>\n", method, param);
	*result = NULL;
	why[0] = '\0';
	size_t limit = fetch_cfg.max_download < XMLRPC_MAX_ANSWER ? fetch_cfg.max_download : XMLRPC_MAX_ANSWER;
	struct http_body b;
	http_set_post("text/xml", call, strlen(call));
	int rc = http_transfer(url, "text/xml", limit, NULL, NULL, NULL, &b, why, cap);
	http_set_post(NULL, NULL, 0);
	if (rc < 0) {
		http_body_free(&b);
		return XMLRPC_ERROR;
	}
	if (b.status == 404 || b.status == 405 || b.status == 501) {
		snprintf(why, cap, "HTTP %ld", b.status);
		http_body_free(&b);
		return XMLRPC_ABSENT;
	}
	if (b.status != 200) {
		snprintf(why, cap, "HTTP %ld", b.status);
		http_body_free(&b);
		return XMLRPC_ERROR;
	}
	rc = xmlrpc_parse(b.data, b.len, url, each, ctx, result, why, cap);
	http_body_free(&b);
	return rc < 0 ? XMLRPC_ERROR : XMLRPC_OK;
}
