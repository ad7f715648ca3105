/* archive.c: reading an archive artifact with libarchive, member by member, nothing on disk. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "err.h"
#include "unpack.h"
#include "stagehits.h"

/* Below this many uncompressed bytes the ratio is not judged: tiny archives vary wildly. */
#define RATIO_FLOOR (1u << 20)
#define BLOCK_SIZE 65536

/*
 * Decompression filters, one by one.  libarchive answers ARCHIVE_WARN when it was built
 * without the library and would run an external program instead: such a filter is never
 * enabled (and execve is not in the worker's seccomp table anyway).  Never
 * archive_read_support_filter_all(): it enables those external programs too.
 */
static struct filter {
	const char *name;
	int (*enable)(struct archive *);
	bool usable;
} filters[] = {
	{ "gzip", archive_read_support_filter_gzip, false },
	{ "bzip2", archive_read_support_filter_bzip2, false },
	{ "xz", archive_read_support_filter_xz, false },
	{ "lzma", archive_read_support_filter_lzma, false },
	{ "lzip", archive_read_support_filter_lzip, false },
	{ "zstd", archive_read_support_filter_zstd, false },
	{ "compress", archive_read_support_filter_compress, false },
};

#define NFILTERS (sizeof filters / sizeof filters[0])

/*
 * libarchive's message for its last error.  Some failures (a gzip stream cut inside its
 * trailer, a zip cut inside a local header) leave no message at all: say so, with the
 * error number, rather than print "(null)".
 */
static const char *la_error(struct archive *a)
{
	static char fallback[128];
	const char *msg = archive_error_string(a);
	if (msg && *msg)
		return msg;
	int e = archive_errno(a);
	if (e > 0)
		snprintf(fallback, sizeof fallback, "libarchive gave no message (errno %d: %s)",
			 e, strerror(e));
	else
		snprintf(fallback, sizeof fallback, "libarchive gave no message (the input "
			 "ended or is malformed where it expected more)");
	return fallback;
}

void archive_probe_filters(void)
{
	for (size_t i = 0; i < NFILTERS; i++) {
		struct archive *a = archive_read_new();
		if (!a)
			aura_oom();
		filters[i].usable = filters[i].enable(a) == ARCHIVE_OK;
		if (!filters[i].usable)
			aura_warn("warning: libarchive has no built-in %s decompression; such "
				  "archives will be refused", filters[i].name);
		archive_read_free(a);
	}
}

/*
 * Formats a package comes in.  tar covers ustar, pax, GNU and v7; zip covers wheels,
 * eggs and jars, read through the central directory as pip does (and by local headers
 * when it is missing); ar is a .deb's outer layer.  The format is decided from the
 * content alone, never from a name.  A nested archive may also be "raw": one compressed
 * file (data.json.gz) holding one member, so that its content is scanned too.
 */
static struct archive *reader_new(struct unpacker *u, bool raw)
{
	struct archive *a = archive_read_new();
	if (!a)
		aura_oom();
	if (archive_read_support_format_tar(a) != ARCHIVE_OK ||
	    archive_read_support_format_zip(a) != ARCHIVE_OK ||
	    archive_read_support_format_cpio(a) != ARCHIVE_OK ||
	    archive_read_support_format_ar(a) != ARCHIVE_OK ||
	    (raw && archive_read_support_format_raw(a) != ARCHIVE_OK)) {
		emit_error(u, NULL, "libarchive: cannot enable formats: %s",
			   la_error(a));
		archive_read_free(a);
		return NULL;
	}
	for (size_t i = 0; i < NFILTERS; i++)
		if (filters[i].usable && filters[i].enable(a) != ARCHIVE_OK) {
			emit_error(u, NULL, "libarchive: cannot enable %s", filters[i].name);
			archive_read_free(a);
			return NULL;
		}
	return a;
}

/* One archive being read: the artifact itself, or a member opened as a nested archive. */
struct level {
	struct archive *a;
	const char *prefix;	/* raw chain leading here: "" or "outer.zip!" ("a!b.zip!") */
	const struct member_name *self;	/* a nested archive's own name; NULL at the top */
	unsigned depth;		/* 0 for the artifact */
	struct seen seen;	/* names met, for duplicates and RECORD */
	char *record_name;	/* a wheel's "<name>.dist-info/RECORD", once met */
	unsigned char *record;	/* ...and its content, when read whole */
	size_t record_len;
	bool has_wheel_file;	/* a "<name>.dist-info/WHEEL" member */
	bool has_setup_py;	/* a setup.py at the top */
	struct zip_source src;	/* its bytes, for the zip central-directory check */
};

static void read_level(struct unpacker *u, struct level *lv);

/* A bomb is a small input that expands enormously: judged over the whole artifact. */
static bool ratio_ok(struct unpacker *u, const char *name)
{
	if (unpack_opts.max_ratio == 0 || u->total < RATIO_FLOOR)
		return true;
	la_int64_t packed = archive_filter_bytes(u->root, -1);
	if (packed < 1)
		packed = 1;
	if (u->total / (uint64_t)packed < unpack_opts.max_ratio)
		return true;
	limit_crossed(u, name, "compression ratio above %" PRIu64 ":1 (%" PRIu64 " bytes from "
		      "%lld, --max-ratio)", unpack_opts.max_ratio, u->total, (long long)packed);
	return false;
}

/* "<name>.dist-info/<file>" at the top of the archive. */
static bool is_dist_info(const char *own, const char *file)
{
	const char *slash = strchr(own, '/');
	return slash && slash - own > 10 && memcmp(slash - 10, ".dist-info", 10) == 0 &&
	       strcmp(slash + 1, file) == 0;
}

/* Remember what the package-structure checks need about a member read whole. */
static void note_structure(struct level *lv, const char *own, const struct member *m)
{
	if (is_dist_info(own, "WHEEL"))
		lv->has_wheel_file = true;
	if (strcmp(own, "setup.py") == 0 || strcmp(own, "./setup.py") == 0)
		lv->has_setup_py = true;
	if (is_dist_info(own, "RECORD") && !lv->record_name && !m->overflow) {
		lv->record_name = xstrdup(own);
		lv->record = xmalloc(m->head_len ? m->head_len : 1);
		memcpy(lv->record, m->head, m->head_len);
		lv->record_len = m->head_len;
	}
}

/*
 * A member whose content is an archive is opened from memory, in this same sealed
 * worker: its members follow its own file record, named through the chain.  Depth,
 * and the size held in memory, are bounded.
 */
static void open_nested(struct unpacker *u, const struct level *parent, const struct member *m,
			const char *own)
{
	if (parent->depth + 1 > unpack_opts.max_nesting) {
		emit_hit(u, HIT_UNPACK(ArchiveBomb), m->name.text, m->id, "archive '%s' is nested "
			 "deeper than %u archives (--max-nesting); it was not opened",
			 m->name.text, unpack_opts.max_nesting);
		return;
	}
	if (m->overflow) {
		emit_hit(u, HIT_UNPACK(NestedTooLarge), m->name.text, m->id, "nested archive '%s' "
			 "is %" PRIu64 " bytes, more than --max-nested; its members were not read",
			 m->name.text, m->size);
		return;
	}
	struct archive *a = reader_new(u, true);
	if (!a)
		return;
	size_t plen = strlen(parent->prefix), olen = strlen(own);
	char *prefix = xmalloc(plen + olen + 2);
	memcpy(prefix, parent->prefix, plen);
	memcpy(prefix + plen, own, olen);
	memcpy(prefix + plen + olen, "!", 2);
	struct level lv = { .a = a, .prefix = prefix, .self = &m->name,
			    .depth = parent->depth + 1,
			    .src = { .buf = m->head, .fd = -1, .size = m->head_len } };
	if (archive_read_open_memory(a, m->head, m->head_len) != ARCHIVE_OK)
		emit_hit(u, HIT_UNPACK(UnsupportedArchive), m->name.text, m->id, "nested archive "
			 "'%s' is not in a format unpack reads (%s); its members were not read",
			 m->name.text, la_error(a));
	else
		read_level(u, &lv);
	archive_read_free(a);
	free(prefix);
}

/*
 * A sparse member's hole: it reads as zeros, and counts against --max-member and
 * --max-total like data.  The limits are judged on the whole hole before a single zero
 * is hashed, so a 10 GiB hole is refused at once rather than after 512 MiB of work.
 */
static bool add_hole(struct unpacker *u, struct member *m, uint64_t hole)
{
	static const unsigned char zeros[BLOCK_SIZE];
	if (!member_fits(u, m, hole))
		return false;
	while (hole > 0) {
		size_t n = hole < sizeof zeros ? (size_t)hole : sizeof zeros;
		if (!member_add(u, m, zeros, n) || !ratio_ok(u, m->name.text))
			return false;
		hole -= n;
	}
	return true;
}

/* Stream one regular member into its file record; then open it if it is an archive. */
static void read_member(struct unpacker *u, struct level *lv, struct archive_entry *e,
			const char *full, const char *own, unsigned perm,
			struct seen_entry *entry)
{
	struct archive *a = lv->a;
	struct member m;
	member_begin(&m, full, perm, archive_entry_size_is_set(e) ? archive_entry_size(e) : -1);
	uint64_t pos = 0;
	for (;;) {
		const void *buf;
		size_t size;
		la_int64_t offset;
		int rc = archive_read_data_block(a, &buf, &size, &offset);
		if (rc == ARCHIVE_EOF) {
			/*
			 * At the end libarchive gives the member's real size as the offset: a
			 * sparse member's trailing hole is no block at all, only this.
			 */
			if (offset > 0 && (uint64_t)offset > pos &&
			    !add_hole(u, &m, (uint64_t)offset - pos))
				goto stopped;
			break;
		}
		if (rc == ARCHIVE_WARN) {
			/* A bad CRC is only a warning to libarchive, and corruption to us. */
			emit_error(u, m.name.text, "corrupt member: %s", la_error(a));
			if (size == 0)
				break;	/* what was read is still emitted */
		} else if (rc != ARCHIVE_OK) {
			emit_error(u, m.name.text, "cannot read member: %s", la_error(a));
			if (rc == ARCHIVE_FATAL)
				u->stop = true;
			goto stopped;
		}
		/* A hole before this block (blocks come in order; a hole never shrinks pos). */
		if (offset > 0 && (uint64_t)offset > pos) {
			if (!add_hole(u, &m, (uint64_t)offset - pos))
				goto stopped;
			pos = (uint64_t)offset;
		}
		if (!member_add(u, &m, buf, size) || !ratio_ok(u, m.name.text))
			goto stopped;
		pos += size;
	}
	member_emit(u, &m);
	if (entry)
		memcpy(entry->sha256, m.sha256, sizeof entry->sha256);
	note_structure(lv, own, &m);
	if (strcmp(m.kind, "archive") == 0 && !u->stop)
		open_nested(u, lv, &m, own);
stopped:
	member_free(&m);
}

static const char *special_type(mode_t type)
{
	switch (type) {
	case AE_IFCHR: return "character device";
	case AE_IFBLK: return "block device";
	case AE_IFIFO: return "FIFO";
	case AE_IFSOCK: return "socket";
	default: return "special file";
	}
}

static const char *entry_name(struct archive_entry *e)
{
	const char *raw = archive_entry_pathname(e);
	if (!raw)
		raw = archive_entry_pathname_utf8(e);
	return raw ? raw : "";
}

/*
 * Does a link target lead outside the archive?  `base` is the number of directories
 * the link sits in (a symlink resolves from its directory, a hard link from the top).
 */
static bool escapes(const char *target, long base)
{
	if (target[0] == '/' || strchr(target, '\\'))
		return true;
	long depth = base;
	for (const char *c = target; *c;) {
		size_t len = strcspn(c, "/");
		if (len == 2 && c[0] == '.' && c[1] == '.') {
			if (--depth < 0)
				return true;
		} else if (len > 0 && !(len == 1 && c[0] == '.')) {
			depth++;
		}
		c += len;
		if (*c)
			c++;
	}
	return false;
}

/* The extension of a path's last component ("" when it has none). */
static const char *extension_of(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	const char *dot = strrchr(base, '.');
	return dot && dot != base ? dot : "";
}

/*
 * A link the project keeps in its tree (README.rst -> README.txt, reader_c.py ->
 * reader_py.py): it stays inside the archive, and a name Python runs (.py, .pth) points
 * at a file of the same kind, whose content is analysed as its own member.  A .py name
 * on a .txt target would run text nothing analysed as code: that is no such link.
 */
static bool in_tree_link(const char *own, const char *target, long base)
{
	if (!target[0] || escapes(target, base))
		return false;
	const char *ext = extension_of(own);
	bool code = !strcmp(ext, ".py") || !strcmp(ext, ".pyw") || !strcmp(ext, ".pth") ||
		    !strcmp(ext, ".pyc") || !strcmp(ext, ".so") || !strcmp(ext, ".pyd");
	return !code || !strcmp(ext, extension_of(target));
}

static long directories_in(const char *name)
{
	long n = 0;
	for (const char *c = name; (c = strchr(c, '/')); c++)
		if (c[1])
			n++;
	return n;
}

/*
 * A member below an earlier symlink member (link "a" -> "/etc", then "a/passwd"): an
 * extractor that follows the link writes outside its directory.
 */
static void check_through_link(struct unpacker *u, struct level *lv, const char *own,
			       const struct member_name *name)
{
	char *dir = xstrdup(own);
	for (char *slash = strchr(dir, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		struct seen_entry *e = seen_find(&lv->seen, dir);
		*slash = '/';
		if (e && e->is_link) {
			emit_hit(u, HIT_UNPACK(PathTraversal), name->text, NULL, "member '%s' "
				 "would be written through the symbolic link member '%s'",
				 name->text, e->name);
			break;
		}
	}
	free(dir);
}

/* Two entries that extract to the same path: which one wins depends on the extractor. */
static void check_name_clash(struct unpacker *u, struct level *lv, const char *own,
			     const struct member_name *name, struct seen_entry **entry)
{
	enum seen_result res;
	const char *other;
	*entry = seen_add(&lv->seen, own, &res, &other);
	if (res == SEEN_DUPLICATE)
		emit_hit(u, HIT_UNPACK(DuplicateMember), name->text, NULL, "member '%s' "
			 "appears more than once; extractors disagree on which copy wins",
			 name->text);
	else if (res == SEEN_CASE) {
		struct member_name o;
		member_name_init(&o, other);
		emit_hit(u, HIT_UNPACK(CaseCollision), name->text, NULL, "member '%s' differs "
			 "only in case from '%s'; on a case-insensitive filesystem one overwrites "
			 "the other", name->text, o.text);
		member_name_free(&o);
	}
}

/*
 * The one member of a lone compressed file has no name of its own (libarchive says
 * "data"): it is the file's name without its compression suffix, payload.py.gz giving
 * payload.py, so that its kind can be judged by its name as well.
 */
static char *raw_member_name(const struct level *lv)
{
	const char *self = lv->self->raw;
	const char *base = strrchr(self, '!');
	base = base ? base + 1 : self;
	const char *slash = strrchr(base, '/');
	base = slash ? slash + 1 : base;
	const char *dot = strrchr(base, '.');
	if (!dot || dot == base)
		return xstrdup("data");
	char *name = xstrdup(base);
	name[dot - base] = '\0';
	return name;
}

static void handle_entry(struct unpacker *u, struct level *lv, struct archive_entry *e,
			 bool warned)
{
	char *raw_name = lv->depth > 0 && archive_format(lv->a) == ARCHIVE_FORMAT_RAW
				 ? raw_member_name(lv) : NULL;
	const char *own = raw_name ? raw_name : entry_name(e);
	size_t plen = strlen(lv->prefix), olen = strlen(own);
	char *full = xmalloc(plen + olen + 1);
	memcpy(full, lv->prefix, plen);
	memcpy(full + plen, own, olen + 1);
	unsigned perm = archive_entry_perm(e) | (archive_entry_mode(e) & 06000);
	mode_t type = archive_entry_filetype(e);
	bool ar = (archive_format(lv->a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_AR;
	/* An ar archive's (a .deb's, a static library's) members have no type: all are files. */
	if (ar && type == 0)
		type = AE_IFREG;
	/* ...and its symbol and long-name tables, "/", "//" and "/SYM64/", are no members. */
	if (ar && (strcmp(own, "/") == 0 || strcmp(own, "//") == 0 || strcmp(own, "/SYM64/") == 0)) {
		/* They still count, or an archive of nothing but tables would be endless. */
		if (++u->entries > unpack_opts.max_members)
			limit_crossed(u, NULL, "more than %" PRIu64 " members (--max-members)",
				      unpack_opts.max_members);
		goto skip;
	}
	struct member_name name;
	member_name_init(&name, full);
	if (!entry_check(u, &name, own, perm))
		goto done;
	if (warned)
		emit_hit(u, HIT_UNPACK(ArchiveWarning), name.text, NULL, "libarchive: %s",
			 la_error(lv->a));
	struct seen_entry *entry = NULL;
	check_through_link(u, lv, own, &name);
	if (type != AE_IFDIR)
		check_name_clash(u, lv, own, &name, &entry);

	const char *link = archive_entry_hardlink(e);
	if (link) {
		struct member_name target;
		member_name_init(&target, link);
		if (in_tree_link(own, link, 0))
			emit_hit(u, HIT_UNPACK(HardlinkInTree), name.text, NULL,
				 "member '%s' is a hard link to '%s', in the archive", name.text, target.text);
		else
			emit_hit(u, HIT_UNPACK(Hardlink), name.text, NULL,
				 "member '%s' is a hard link to '%s'%s", name.text, target.text,
				 escapes(link, 0) ? ", outside the archive" : "");
		member_name_free(&target);
		goto done;
	}
	if (type == AE_IFREG) {
		if (archive_entry_is_encrypted(e))
			emit_hit(u, HIT_UNPACK(EncryptedMember), name.text, NULL,
				 "member '%s' is encrypted and cannot be scanned", name.text);
		else
			read_member(u, lv, e, full, own, perm, entry);
	} else if (type == AE_IFLNK) {
		const char *to = archive_entry_symlink(e);
		struct member_name target;
		member_name_init(&target, to ? to : "");
		if (in_tree_link(own, to ? to : "", directories_in(own)))
			emit_hit(u, HIT_UNPACK(SymlinkInTree), name.text, NULL,
				 "member '%s' is a symbolic link to '%s', in the archive", name.text,
				 target.text);
		else
			emit_hit(u, HIT_UNPACK(Symlink), name.text, NULL,
				 "member '%s' is a symbolic link to '%s'%s", name.text, target.text,
				 escapes(to ? to : "", directories_in(own)) ? ", outside the archive" : "");
		member_name_free(&target);
		if (entry)
			entry->is_link = true;
	} else if (type != AE_IFDIR) {
		emit_hit(u, HIT_UNPACK(SpecialFile), name.text, NULL, "member '%s' is a %s",
			 name.text, special_type(type));
	}
done:
	member_name_free(&name);
skip:
	free(full);
	free(raw_name);
}

/*
 * A zip with a "<name>.dist-info/RECORD" or WHEEL at its top is a wheel, whatever its
 * file name: its RECORD is checked once every member has been hashed (RECORD is usually
 * the last member).  An archive that stopped early is not judged on what it lacks.
 */
static void check_structure(struct unpacker *u, struct level *lv)
{
	bool zip = (archive_format(lv->a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_ZIP;
	if (!zip || (!lv->record_name && !lv->has_wheel_file) || u->stop)
		return;
	const char *path = lv->self ? lv->self->text : NULL;
	if (lv->has_setup_py)
		emit_hit(u, HIT_UNPACK(SetupInWheel), path, NULL, "a wheel with a setup.py at "
			 "its top: pip never runs it, so the wheel was made by hand or renamed");
	if (lv->record_name)
		wheel_check(u, &lv->seen, lv->prefix, lv->record_name, lv->record, lv->record_len);
	else
		emit_hit(u, HIT_UNPACK(RecordMissing), path, NULL, "a wheel without a "
			 "readable RECORD: its members cannot be checked");
}

static void read_level(struct unpacker *u, struct level *lv)
{
	int retries = 0;
	bool first = true;
	while (!u->stop) {
		struct archive_entry *e;
		int rc = archive_read_next_header(lv->a, &e);
		if (rc == ARCHIVE_EOF)
			break;
		if (rc == ARCHIVE_RETRY && ++retries < 16)
			continue;
		if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
			emit_error(u, lv->self ? lv->self->text : NULL, "corrupt or truncated "
				   "archive after %" PRIu64 " entries: %s", u->entries,
				   la_error(lv->a));
			break;
		}
		/*
		 * "raw" is libarchive's last resort: a nested member that is no archive and
		 * not even compressed would be read as itself, again and again.
		 */
		if (first && lv->depth > 0 && archive_format(lv->a) == ARCHIVE_FORMAT_RAW &&
		    archive_filter_count(lv->a) <= 1) {
			emit_hit(u, HIT_UNPACK(UnsupportedArchive), lv->self->text, NULL, "nested "
				 "archive '%s' is not in a format unpack reads; its members were "
				 "not read", lv->self->text);
			break;
		}
		/* pip reads a zip through its central directory: does it agree with Aura's? */
		if (first && (archive_format(lv->a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_ZIP)
			zip_check(u, &lv->src, lv->prefix, lv->self ? lv->self->text : NULL);
		first = false;
		retries = 0;
		handle_entry(u, lv, e, rc == ARCHIVE_WARN);
	}
	check_structure(u, lv);
	seen_free(&lv->seen);
	free(lv->record_name);
	free(lv->record);
}

void archive_unpack(struct unpacker *u)
{
	struct archive *a = reader_new(u, false);
	if (!a)
		return;
	struct stat st;
	if (fstat(u->job->fd, &st) < 0)
		emit_error(u, NULL, "cannot stat: %s", strerror(errno));
	else if (archive_read_open_fd(a, u->job->fd, BLOCK_SIZE) != ARCHIVE_OK)
		emit_error(u, NULL, "not a readable archive: %s", la_error(a));
	else {
		struct level lv = { .a = a, .prefix = "",
				    .src = { .fd = u->job->fd, .size = (uint64_t)st.st_size } };
		u->root = a;
		read_level(u, &lv);
	}
	archive_read_free(a);
}

void archive_unpack_memory(struct unpacker *u, const void *buf, size_t len)
{
	struct archive *a = reader_new(u, false);
	if (!a)
		return;
	if (archive_read_open_memory(a, buf, len) != ARCHIVE_OK)
		emit_error(u, NULL, "not a readable archive: %s", la_error(a));
	else {
		struct level lv = { .a = a, .prefix = "",
				    .src = { .buf = buf, .fd = -1, .size = len } };
		u->root = a;
		read_level(u, &lv);
	}
	archive_read_free(a);
}
