/* kind.c: what a member is, decided from its content (libmagic and signatures), and its facts. */
#include <magic.h>
#include <math.h>
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

static bool has_prefix(const unsigned char *p, size_t n, const char *sig, size_t len)
{
	return n >= len && memcmp(p, sig, len) == 0;
}

static bool ends_with_ci(const char *name, const char *ext)
{
	size_t n = strlen(name), e = strlen(ext);
	return n > e && strcasecmp(name + n - e, ext) == 0;
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * ELF, PE (MZ) and Mach-O (thin, both byte orders and widths, and fat).  A fat Mach-O
 * shares 0xCAFEBABE with a Java class: there the next word is the class file's version
 * (45 and up), in a fat binary the number of architectures (a handful).
 */
static bool is_native(const unsigned char *p, size_t n, const char *mime)
{
	bool fat = (has_prefix(p, n, "\xca\xfe\xba\xbe", 4) || has_prefix(p, n, "\xca\xfe\xba\xbf", 4)) &&
		   n >= 8 && be32(p + 4) > 0 && be32(p + 4) < 20;
	return has_prefix(p, n, "\x7f" "ELF", 4) || has_prefix(p, n, "MZ", 2) ||
	       has_prefix(p, n, "\xfe\xed\xfa\xce", 4) || has_prefix(p, n, "\xfe\xed\xfa\xcf", 4) ||
	       has_prefix(p, n, "\xce\xfa\xed\xfe", 4) || has_prefix(p, n, "\xcf\xfa\xed\xfe", 4) ||
	       fat || (mime && strcmp(mime, "application/x-mach-binary") == 0);
}

bool looks_like_archive(const unsigned char *p, size_t n)
{
	return has_prefix(p, n, "\x1f\x8b", 2) || has_prefix(p, n, "BZh", 3) ||
	       has_prefix(p, n, "\xfd" "7zXZ\0", 6) || has_prefix(p, n, "\x28\xb5\x2f\xfd", 4) ||
	       has_prefix(p, n, "PK\x03\x04", 4) || has_prefix(p, n, "PK\x05\x06", 4) ||
	       has_prefix(p, n, "7z\xbc\xaf\x27\x1c", 6) || has_prefix(p, n, "Rar!\x1a\x07", 6) ||
	       has_prefix(p, n, "!<arch>\n", 8) || has_prefix(p, n, "LZIP", 4) ||
	       (n >= 262 && memcmp(p + 257, "ustar", 5) == 0);
}

/* Formats a nested archive may have: signatures first (libmagic's names vary by version). */
static bool is_archive(const unsigned char *p, size_t n, const char *mime)
{
	static const char *const mimes[] = {
		"application/zip", "application/gzip", "application/x-gzip", "application/x-bzip2",
		"application/x-xz", "application/zstd", "application/x-tar", "application/x-7z-compressed",
		"application/x-rar", "application/vnd.rar", "application/x-archive",
		"application/x-lzip", "application/x-lzma", "application/x-cpio",
		"application/java-archive", "application/x-debian-package", NULL
	};
	if (looks_like_archive(p, n))
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

/* The last component of a (possibly nested) member name has no dot: no extension. */
static bool has_no_extension(const char *name)
{
	const char *base = strrchr(name, '/');
	const char *bang = strrchr(name, '!');
	if (!base || (bang && bang > base))
		base = bang;
	base = base ? base + 1 : name;
	return strchr(base, '.') == NULL;
}

/*
 * Python source by content, for a name without an extension: its first statement (after
 * blank and comment lines) is one that starts Python modules.  libmagic alone says
 * "python" for any text quoting some code (a PKG-INFO with examples in its description).
 */
static bool starts_like_python(const unsigned char *p, size_t n)
{
	static const char *const starts[] = {
		"import ", "def ", "class ", "async def ", "if __name__", "\"\"\"", "'''", "@", NULL
	};
	size_t i = 0;
	while (i < n) {
		const unsigned char *nl = memchr(p + i, '\n', n - i);
		size_t len = nl ? (size_t)(nl - (p + i)) : n - i;
		const char *line = (const char *)p + i;
		size_t sp = 0;
		while (sp < len && (line[sp] == ' ' || line[sp] == '\t' || line[sp] == '\r'))
			sp++;
		if (sp == len || line[sp] == '#') {
			i += len + 1;
			continue;
		}
		if (sp > 0)
			return false;
		for (int k = 0; starts[k]; k++)
			if (len >= strlen(starts[k]) && strncmp(line, starts[k], strlen(starts[k])) == 0)
				return true;
		/* "from x import y", not "from the author's notes". */
		return len > 5 && strncmp(line, "from ", 5) == 0 &&
		       memmem(line, len, " import ", 8) != NULL;
	}
	return false;
}

/*
 * The Python version a .pyc was compiled by, from the magic number in its first two
 * bytes (little-endian, followed by \r\n): the ranges CPython's importlib lists in
 * _bootstrap_external.py.  NULL when unknown.
 */
static const char *pyc_version(const unsigned char *p, size_t n)
{
	static const struct { unsigned lo, hi; const char *version; } magics[] = {
		{ 20121, 20121, "1.5" }, { 50428, 50428, "1.6" }, { 50823, 50823, "2.0" },
		{ 60202, 60202, "2.1" }, { 60717, 60717, "2.2" }, { 62011, 62021, "2.3" },
		{ 62041, 62061, "2.4" }, { 62071, 62131, "2.5" }, { 62151, 62161, "2.6" },
		{ 62171, 62211, "2.7" }, { 3000, 3131, "3.0" }, { 3141, 3151, "3.1" },
		{ 3160, 3180, "3.2" }, { 3190, 3230, "3.3" }, { 3250, 3310, "3.4" },
		{ 3320, 3351, "3.5" }, { 3360, 3379, "3.6" }, { 3390, 3399, "3.7" },
		{ 3400, 3419, "3.8" }, { 3420, 3429, "3.9" }, { 3430, 3449, "3.10" },
		{ 3450, 3499, "3.11" }, { 3500, 3549, "3.12" }, { 3550, 3599, "3.13" },
		{ 3600, 3649, "3.14" }, { 3650, 3699, "3.15" },
	};
	if (n < 4 || p[2] != '\r' || p[3] != '\n')
		return NULL;
	unsigned magic_number = p[0] | (unsigned)p[1] << 8;
	for (size_t i = 0; i < sizeof magics / sizeof magics[0]; i++)
		if (magic_number >= magics[i].lo && magic_number <= magics[i].hi)
			return magics[i].version;
	return NULL;
}

/*
 * Python's own kinds by rule (name, shebang); then text, which no binary signature
 * survives (they all hold NULs or invalid UTF-8); only then libmagic and signatures.
 * libmagic is consulted for text only when the name has no extension (its answer goes
 * into `mime`; the first statement decides python): it is slow on text otherwise.
 */
const char *member_kind(const struct member *m, const char **mime)
{
	const char *name = m->name.raw;
	const unsigned char *p = m->head;
	size_t n = m->head_len < unpack_opts.max_content ? m->head_len : unpack_opts.max_content;
	size_t sniff = n < MAGIC_HEAD ? n : MAGIC_HEAD;
	*mime = NULL;
	if (ends_with_ci(name, ".py") || ends_with_ci(name, ".pyw") || ends_with_ci(name, ".pyi") ||
	    has_python_shebang(p, n))
		return "python";
	if (ends_with_ci(name, ".pth"))
		return "pth";
	if (ends_with_ci(name, ".pyc") || ends_with_ci(name, ".pyo") || pyc_version(p, n))
		return "pyc";
	if (is_text(p, n, m->truncated)) {
		if (!has_no_extension(name) || n == 0)
			return "text";
		*mime = magic_buffer(magic, p, sniff);
		return starts_like_python(p, n) ? "python" : "text";
	}
	*mime = magic_buffer(magic, p, sniff);
	if (*mime && strcmp(*mime, "application/x-bytecode.python") == 0)
		return "pyc";
	if (is_native(p, n, *mime))
		return "native";
	if (is_archive(p, n, *mime))
		return "archive";
	return "binary";
}

/* Shannon entropy in bits per byte: 8 for random bytes, near 0 for repetition. */
static double entropy(const unsigned char *p, size_t n)
{
	if (n == 0)
		return 0;
	size_t count[256] = { 0 };
	for (size_t i = 0; i < n; i++)
		count[p[i]]++;
	double h = 0;
	for (int b = 0; b < 256; b++)
		if (count[b]) {
			double f = (double)count[b] / (double)n;
			h -= f * log2(f);
		}
	return h;
}

/*
 * A .pth line that Python's site module executes: one starting with "import" followed
 * by a space or a tab (site.py's exact test).  Every other line is a path.
 */
static bool pth_has_code(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n;) {
		const unsigned char *nl = memchr(p + i, '\n', n - i);
		size_t len = nl ? (size_t)(nl - (p + i)) : n - i;
		if (len > 6 && memcmp(p + i, "import", 6) == 0 && (p[i + 6] == ' ' || p[i + 6] == '\t'))
			return true;
		i += len + 1;
	}
	return false;
}

/* Facts, not judgements: analyze decides what they weigh. */
void member_facts(json_t *rec, const struct member *m, const char *kind)
{
	size_t n = m->head_len < unpack_opts.max_content ? m->head_len : unpack_opts.max_content;
	if (strcmp(kind, "pyc") == 0) {
		const char *v = pyc_version(m->head, n);
		json_object_set_new(rec, "pyc_python", v ? json_string(v) : json_null());
	}
	if (strcmp(kind, "pth") == 0)
		json_object_set_new(rec, "pth_has_code", json_boolean(pth_has_code(m->head, n)));
	if (strcmp(kind, "python") != 0 && strcmp(kind, "pth") != 0 && strcmp(kind, "text") != 0)
		json_object_set_new(rec, "entropy", json_real(round(entropy(m->head, n) * 10) / 10));
}
