/* member.c: one member's name, the checks every entry gets, its bytes (hash, head), its file record. */
#include <ctype.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "unpack.h"
#include "stagehits.h"

/* ---- names ---- */

void member_name_init(struct member_name *n, const char *raw)
{
	size_t len = strlen(raw);
	n->raw = raw;
	n->is_utf8 = utf8_valid(raw, len);
	if (n->is_utf8) {
		n->text = xstrdup(raw);
		return;
	}
	n->text = utf8_lossy(raw, len, NULL);
}

void member_name_free(struct member_name *n)
{
	free(n->text);
	n->text = NULL;
}

/* ---- checks every entry gets ---- */

static bool has_dotdot_component(const char *p)
{
	for (const char *c = p; *c;) {
		const char *end = c + strcspn(c, "/");
		if (end - c == 2 && c[0] == '.' && c[1] == '.')
			return true;
		c = *end ? end + 1 : end;
	}
	return false;
}

/*
 * Characters that make a name show differently from what it is: C0 and C1 controls
 * (a newline, a carriage return or an escape sequence in a listing) and the Unicode
 * bidirectional overrides ("Trojan Source").  NULL when there is none.
 */
static const char *control_char(const char *name)
{
	const unsigned char *p = (const unsigned char *)name;
	for (; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return "a control character";
		if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F)
			return "a C1 control character";
		if (p[0] == 0xE2 && ((p[1] == 0x80 && p[2] >= 0xAA && p[2] <= 0xAE) ||
				     (p[1] == 0x81 && p[2] >= 0xA6 && p[2] <= 0xA9)))
			return "a bidirectional-text override";
	}
	return NULL;
}

bool entry_check(struct unpacker *u, const struct member_name *name, const char *own,
		 unsigned mode)
{
	if (++u->entries > unpack_opts.max_members) {
		limit_crossed(u, NULL, "more than %" PRIu64 " members (--max-members)",
			      unpack_opts.max_members);
		return false;
	}
	/* Names an extractor would write outside its target directory. */
	if (own[0] == '/' || strchr(own, '\\') || has_dotdot_component(own) ||
	    (isalpha((unsigned char)own[0]) && own[1] == ':'))
		emit_hit(u, HIT_UNPACK(PathTraversal), name->text, NULL,
			 "member name '%s' would be written outside the extraction directory",
			 name->text);
	if (mode & 06000)
		emit_hit(u, HIT_UNPACK(SetuidMember), name->text, NULL,
			 "member '%s' has the %s bit set (mode %04o)", name->text,
			 (mode & 04000) ? "setuid" : "setgid", mode & 07777);
	const char *ctl = control_char(own);
	if (ctl)
		emit_hit(u, HIT_UNPACK(ControlCharName), name->text, NULL,
			 "member name '%s' contains %s", name->text, ctl);
	if (!name->is_utf8)
		emit_hit(u, HIT_UNPACK(InvalidUtf8Name), name->text, NULL,
			 "member name '%s' is not valid UTF-8 (path_raw holds its bytes)",
			 name->text);
	return true;
}

/* ---- streaming ---- */

void member_begin(struct member *m, const char *raw_name, unsigned mode, int64_t size_hint)
{
	memset(m, 0, sizeof *m);
	member_name_init(&m->name, raw_name);
	m->mode = mode & 07777;
	sha256_begin(&m->sha);
	m->keep = unpack_opts.max_content;
	size_t cap = size_hint > 0 && (uint64_t)size_hint < m->keep ? (size_t)size_hint : 65536;
	if (cap > m->keep)
		cap = m->keep;
	m->head_cap = cap ? cap : 1;
	m->head = xmalloc(m->head_cap);
}

bool member_fits(struct unpacker *u, struct member *m, uint64_t n)
{
	if (n > unpack_opts.max_total - u->total) {
		limit_crossed(u, m->name.text, "more than %" PRIu64 " bytes uncompressed "
			      "(--max-total), while reading '%s'", unpack_opts.max_total,
			      m->name.text);
		return false;
	}
	if (n > unpack_opts.max_member - m->size) {
		limit_crossed(u, m->name.text, "member '%s' is bigger than %" PRIu64 " bytes "
			      "(--max-member)", m->name.text, unpack_opts.max_member);
		return false;
	}
	return true;
}

bool member_add(struct unpacker *u, struct member *m, const void *p, size_t n)
{
	if (!member_fits(u, m, n))
		return false;
	u->total += n;
	m->size += n;
	sha256_add(&m->sha, p, n);
	if (m->size > unpack_opts.max_content)
		m->truncated = true;
	size_t room = m->keep - m->head_len;
	/* A member that starts like an archive is kept whole (up to --max-nested) to open it. */
	if (n > room && m->keep < unpack_opts.max_nested &&
	    looks_like_archive(m->head, m->head_len)) {
		m->keep = unpack_opts.max_nested;
		room = m->keep - m->head_len;
	}
	size_t take = n < room ? n : room;
	if (take < n)
		m->overflow = true;
	if (take > 0) {
		if (m->head_len + take > m->head_cap) {
			size_t cap = m->head_cap * 2;
			if (cap < m->head_len + take)
				cap = m->head_len + take;
			if (cap > m->keep)
				cap = m->keep;
			m->head = xrealloc(m->head, cap);
			m->head_cap = cap;
		}
		memcpy(m->head + m->head_len, p, take);
		m->head_len += take;
	}
	return true;
}

void member_free(struct member *m)
{
	member_name_free(&m->name);
	free(m->head);
	m->head = NULL;
	free(m->id);
	m->id = NULL;
}

/* setup.py and .pth files run when the package is installed (or at every start-up). */
static bool runs_at_install(const struct member *m)
{
	const char *base = m->name.text;
	for (const char *p = base; *p; p++)
		if (*p == '/' || *p == '!')
			base = p + 1;
	return strcmp(m->kind, "pth") == 0 || strcmp(base, "setup.py") == 0;
}

/*
 * Python that was not read to the end was not analysed to the end: whatever follows the
 * cut (a payload behind megabytes of padding) was never seen, so the member must not look
 * clean.  The error makes the artifact incomplete (the driver exits 2); the hit weighs as
 * risk when the incompleteness is allowed.  Every module scores high, not only setup.py:
 * unpack cannot tell which module setup.py or an in-tree build backend imports at install
 * time.  setup.py and .pth files are tagged install-time, since they certainly run.
 */
static void unread_source(struct unpacker *u, const struct member *m, size_t shown)
{
	bool install = runs_at_install(m);
	json_t *hit = hit_record(u, HIT_UNPACK(UnreadSource), m->name.text, m->id,
				 "%s source '%s' is %" PRIu64 " bytes; only the first %zu went on to "
				 "be analysed (--max-content): the rest was not%s",
				 strcmp(m->kind, "pth") == 0 ? ".pth" : "Python", m->name.text,
				 m->size, shown, install ? ", and it runs at install time" : "");
	if (install) {
		json_array_append_new(json_object_get(hit, "tags"), json_string("install-time"));
		json_object_set_new(hit, "context", json_string("install"));
	}
	emit(u, hit);
	emit_error(u, m->name.text, "%s source of %" PRIu64 " bytes is bigger than --max-content "
		   "(%zu): only its head was analysed", strcmp(m->kind, "pth") == 0 ? ".pth" :
		   "Python", m->size, shown);
}

void member_emit(struct unpacker *u, struct member *m)
{
	uint64_t index = u->files++;
	size_t id_len = strlen(u->job->id) + 22;	/* ":" and a 64-bit index */
	m->id = xmalloc(id_len);
	snprintf(m->id, id_len, "%s:%" PRIu64, u->job->id, index);
	sha256_end(&m->sha, m->sha256);
	/* The record carries at most max_content bytes, even of a head kept for opening. */
	size_t shown = m->head_len < unpack_opts.max_content ? m->head_len : unpack_opts.max_content;

	json_t *rec = record_new("file");
	json_object_set_new(rec, "artifact", json_string(u->job->id));
	json_object_set_new(rec, "id", json_string(m->id));
	json_object_set_new(rec, "index", json_integer((json_int_t)index));
	json_object_set_new(rec, "path", json_string(m->name.text));
	if (!m->name.is_utf8) {
		char *b64 = base64_encode(m->name.raw, strlen(m->name.raw));
		json_object_set_new(rec, "path_raw", json_string(b64));
		free(b64);
	}
	json_object_set_new(rec, "size", json_integer((json_int_t)m->size));
	json_object_set_new(rec, "sha256", json_string(m->sha256));
	json_object_set_new(rec, "mode", json_integer(m->mode));
	json_object_set_new(rec, "executable", json_boolean(m->mode & 0111));
	const char *mime;
	m->kind = member_kind(m, &mime);
	json_object_set_new(rec, "kind", json_string(m->kind));
	if (mime && utf8_valid(mime, strlen(mime)))
		json_object_set_new(rec, "mime", json_string(mime));
	member_facts(rec, m, m->kind);
	record_set_bytes(rec, "content", m->head, shown);
	json_object_set_new(rec, "truncated", json_boolean(m->truncated));
	emit(u, rec);
	if (m->truncated && (strcmp(m->kind, "python") == 0 || strcmp(m->kind, "pth") == 0))
		unread_source(u, m, shown);
	else if (m->truncated)
		emit_hit(u, HIT_UNPACK(LargeFile), m->name.text, m->id,
			 "member '%s' is %" PRIu64 " bytes; its record carries the first %zu "
			 "(--max-content)", m->name.text, m->size, shown);
}
