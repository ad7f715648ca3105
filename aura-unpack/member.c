/* member.c: one member's bytes (hash, head), its name, its kind, and its file record. */
#include <ctype.h>
#include <inttypes.h>
#include <magic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "unpack.h"

/* libmagic sees at most this much of a member: the head is where the signatures are. */
#define MAGIC_HEAD (16 * 1024)

static magic_t magic;

void member_magic_init(void)
{
	/*
	 * No decompression (libmagic may fork a decompressor for that, and the worker may
	 * not fork), MIME types only.  ELF details come from a file descriptor, never used.
	 */
	int flags = MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_NO_CHECK_ENCODING;
#ifdef MAGIC_NO_COMPRESS_FORK
	flags |= MAGIC_NO_COMPRESS_FORK;
#endif
	magic = magic_open(flags);
	if (!magic)
		aura_die("libmagic: magic_open failed");
	if (magic_load(magic, NULL) != 0)
		aura_die("libmagic: cannot load the magic database: %s", magic_error(magic));
}

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
	/* Each byte that does not start a valid sequence becomes U+FFFD (3 bytes). */
	char *t = xmalloc(len * 3 + 1);
	size_t o = 0;
	for (size_t i = 0; i < len;) {
		size_t k = utf8_sequence((const unsigned char *)raw + i, len - i);
		if (k) {
			memcpy(t + o, raw + i, k);
			o += k;
			i += k;
		} else {
			memcpy(t + o, "\xEF\xBF\xBD", 3);
			o += 3;
			i++;
		}
	}
	t[o] = '\0';
	n->text = t;
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

bool entry_check(struct unpacker *u, const struct member_name *name, unsigned mode)
{
	if (++u->entries > unpack_opts.max_members) {
		limit_crossed(u, NULL, "more than %" PRIu64 " members (--max-members)",
			      unpack_opts.max_members);
		return false;
	}
	const char *raw = name->raw;
	/* Names an extractor would write outside its target directory. */
	if (raw[0] == '/' || strchr(raw, '\\') || has_dotdot_component(raw) ||
	    (isalpha((unsigned char)raw[0]) && raw[1] == ':'))
		emit_hit(u, "PathTraversal", 50, "high", name->text, NULL,
			 "member name '%s' would be written outside the extraction directory",
			 name->text);
	if (mode & 06000)
		emit_hit(u, "SetuidMember", 30, "medium", name->text, NULL,
			 "member '%s' has the %s bit set (mode %04o)", name->text,
			 (mode & 04000) ? "setuid" : "setgid", mode & 07777);
	return true;
}

/* ---- streaming ---- */

void member_begin(struct member *m, const char *raw_name, unsigned mode, int64_t size_hint)
{
	memset(m, 0, sizeof *m);
	member_name_init(&m->name, raw_name);
	m->mode = mode & 07777;
	sha256_begin(&m->sha);
	size_t cap = size_hint > 0 && (uint64_t)size_hint < unpack_opts.max_content
			     ? (size_t)size_hint : 65536;
	if (cap > unpack_opts.max_content)
		cap = unpack_opts.max_content;
	m->head_cap = cap ? cap : 1;
	m->head = xmalloc(m->head_cap);
}

bool member_add(struct unpacker *u, struct member *m, const void *p, size_t n)
{
	if (n > unpack_opts.max_total - u->total) {
		limit_crossed(u, m->name.text, "more than %" PRIu64 " bytes uncompressed "
			      "(--max-total), while reading '%s'", unpack_opts.max_total,
			      m->name.text);
		return false;
	}
	u->total += n;
	m->size += n;
	sha256_add(&m->sha, p, n);
	size_t room = unpack_opts.max_content - m->head_len;
	size_t take = n < room ? n : room;
	if (take < n)
		m->truncated = true;
	if (take > 0) {
		if (m->head_len + take > m->head_cap) {
			size_t cap = m->head_cap * 2;
			if (cap < m->head_len + take)
				cap = m->head_len + take;
			if (cap > unpack_opts.max_content)
				cap = unpack_opts.max_content;
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
}

/* ---- kinds ---- */

static bool has_prefix(const unsigned char *p, size_t n, const char *sig, size_t len)
{
	return n >= len && memcmp(p, sig, len) == 0;
}

static bool ends_with_ci(const char *name, const char *ext)
{
	size_t n = strlen(name), e = strlen(ext);
	return n > e && strcasecmp(name + n - e, ext) == 0;
}

/* ELF, PE (MZ) and Mach-O (thin, both byte orders and widths). */
static bool is_native(const unsigned char *p, size_t n, const char *mime)
{
	return has_prefix(p, n, "\x7f" "ELF", 4) || has_prefix(p, n, "MZ", 2) ||
	       has_prefix(p, n, "\xfe\xed\xfa\xce", 4) || has_prefix(p, n, "\xfe\xed\xfa\xcf", 4) ||
	       has_prefix(p, n, "\xce\xfa\xed\xfe", 4) || has_prefix(p, n, "\xcf\xfa\xed\xfe", 4) ||
	       /* 0xCAFEBABE is also a Java class: trust libmagic to tell a fat Mach-O. */
	       (mime && strcmp(mime, "application/x-mach-binary") == 0);
}

/* Formats a nested archive may have, by signature (libmagic's names vary by version). */
static bool is_archive(const unsigned char *p, size_t n, const char *mime)
{
	static const char *const mimes[] = {
		"application/zip", "application/gzip", "application/x-gzip", "application/x-bzip2",
		"application/x-xz", "application/zstd", "application/x-tar", "application/x-7z-compressed",
		"application/x-rar", "application/vnd.rar", "application/x-archive",
		"application/x-lzip", "application/x-lzma", "application/x-cpio",
		"application/java-archive", "application/x-debian-package", NULL
	};
	if (has_prefix(p, n, "\x1f\x8b", 2) || has_prefix(p, n, "BZh", 3) ||
	    has_prefix(p, n, "\xfd" "7zXZ\0", 6) || has_prefix(p, n, "\x28\xb5\x2f\xfd", 4) ||
	    has_prefix(p, n, "PK\x03\x04", 4) || has_prefix(p, n, "PK\x05\x06", 4) ||
	    has_prefix(p, n, "7z\xbc\xaf\x27\x1c", 6) || has_prefix(p, n, "Rar!\x1a\x07", 6) ||
	    has_prefix(p, n, "!<arch>\n", 8) || has_prefix(p, n, "LZIP", 4) ||
	    (n >= 262 && memcmp(p + 257, "ustar", 5) == 0))
		return true;
	for (int i = 0; mime && mimes[i]; i++)
		if (strcmp(mime, mimes[i]) == 0)
			return true;
	return false;
}

/* A #! line that names a Python interpreter. */
static bool has_python_shebang(const unsigned char *p, size_t n)
{
	if (!has_prefix(p, n, "#!", 2))
		return false;
	const unsigned char *nl = memchr(p, '\n', n);
	size_t len = nl ? (size_t)(nl - p) : n;
	return memmem(p, len, "python", 6) != NULL;
}

/* Valid UTF-8 without NULs; a sequence cut off by truncation does not count against it. */
static bool is_text(const unsigned char *p, size_t n, bool truncated)
{
	if (memchr(p, '\0', n))
		return false;
	size_t i = 0;
	while (i < n) {
		size_t k = utf8_sequence(p + i, n - i);
		if (!k)
			return truncated && n - i < 4 && p[i] >= 0xC2;
		i += k;
	}
	return true;
}

/*
 * Python's own kinds by rule (name, shebang); then text, which no binary signature
 * survives (they all hold NULs or invalid UTF-8); only then libmagic and signatures.
 * libmagic is consulted for non-text members alone: it is slow on text and adds little.
 */
static const char *member_kind(const struct member *m, const char **mime)
{
	const char *name = m->name.raw;
	const unsigned char *p = m->head;
	size_t n = m->head_len;
	*mime = NULL;
	if (ends_with_ci(name, ".py") || ends_with_ci(name, ".pyw") || has_python_shebang(p, n))
		return "python";
	if (ends_with_ci(name, ".pth"))
		return "pth";
	if (ends_with_ci(name, ".pyc") || ends_with_ci(name, ".pyo"))
		return "pyc";
	if (is_text(p, n, m->truncated))
		return "text";
	*mime = magic_buffer(magic, p, n < MAGIC_HEAD ? n : MAGIC_HEAD);
	if (*mime && strcmp(*mime, "application/x-bytecode.python") == 0)
		return "pyc";
	if (is_native(p, n, *mime))
		return "native";
	if (is_archive(p, n, *mime))
		return "archive";
	return "binary";
}

void member_emit(struct unpacker *u, struct member *m)
{
	uint64_t index = u->files++;
	char id[512], sha[65];
	snprintf(id, sizeof id, "%s:%" PRIu64, u->job->id, index);
	sha256_end(&m->sha, sha);

	json_t *rec = record_new("file");
	json_object_set_new(rec, "artifact", json_string(u->job->id));
	json_object_set_new(rec, "id", json_string(id));
	json_object_set_new(rec, "index", json_integer((json_int_t)index));
	json_object_set_new(rec, "path", json_string(m->name.text));
	if (!m->name.is_utf8) {
		char *b64 = base64_encode(m->name.raw, strlen(m->name.raw));
		json_object_set_new(rec, "path_raw", json_string(b64));
		free(b64);
	}
	json_object_set_new(rec, "size", json_integer((json_int_t)m->size));
	json_object_set_new(rec, "sha256", json_string(sha));
	json_object_set_new(rec, "mode", json_integer(m->mode));
	json_object_set_new(rec, "executable", json_boolean(m->mode & 0111));
	const char *mime;
	json_object_set_new(rec, "kind", json_string(member_kind(m, &mime)));
	if (mime && utf8_valid(mime, strlen(mime)))
		json_object_set_new(rec, "mime", json_string(mime));
	record_set_bytes(rec, "content", m->head, m->head_len);
	json_object_set_new(rec, "truncated", json_boolean(m->truncated));
	emit(u, rec);
	if (m->truncated)
		emit_hit(u, "LargeFile", 0, "info", m->name.text, id,
			 "member '%s' is %" PRIu64 " bytes; its record carries the first %zu "
			 "(--max-content)", m->name.text, m->size, m->head_len);
}
