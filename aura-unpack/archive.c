/* archive.c: reading an archive artifact with libarchive, member by member, nothing on disk. */
#include <archive.h>
#include <archive_entry.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "unpack.h"

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
 * Formats a Python package (or, later, a .deb) comes in.  tar covers ustar, pax, GNU and
 * v7; zip covers wheels and eggs, read through the central directory as pip does, and by
 * local headers when the central directory is missing.  No "raw" format: a lone
 * compressed file is not an archive.
 */
static struct archive *archive_open_fd(struct unpacker *u)
{
	struct archive *a = archive_read_new();
	if (!a)
		aura_oom();
	if (archive_read_support_format_tar(a) != ARCHIVE_OK ||
	    archive_read_support_format_zip(a) != ARCHIVE_OK ||
	    archive_read_support_format_cpio(a) != ARCHIVE_OK ||
	    archive_read_support_format_ar(a) != ARCHIVE_OK) {
		emit_error(u, NULL, "libarchive: cannot enable formats: %s",
			   archive_error_string(a));
		archive_read_free(a);
		return NULL;
	}
	for (size_t i = 0; i < NFILTERS; i++)
		if (filters[i].usable && filters[i].enable(a) != ARCHIVE_OK) {
			emit_error(u, NULL, "libarchive: cannot enable %s", filters[i].name);
			archive_read_free(a);
			return NULL;
		}
	if (archive_read_open_fd(a, u->job->fd, BLOCK_SIZE) != ARCHIVE_OK) {
		emit_error(u, NULL, "not a readable archive: %s", archive_error_string(a));
		archive_read_free(a);
		return NULL;
	}
	return a;
}

/* A bomb is a small input that expands enormously: judged over the whole artifact. */
static bool ratio_ok(struct unpacker *u, struct archive *a, const char *name)
{
	if (unpack_opts.max_ratio == 0 || u->total < RATIO_FLOOR)
		return true;
	la_int64_t packed = archive_filter_bytes(a, -1);
	if (packed < 1)
		packed = 1;
	if (u->total / (uint64_t)packed < unpack_opts.max_ratio)
		return true;
	limit_crossed(u, name, "compression ratio above %" PRIu64 ":1 (%" PRIu64 " bytes from "
		      "%lld, --max-ratio)", unpack_opts.max_ratio, u->total, (long long)packed);
	return false;
}

/* Stream one regular member into its file record. */
static void read_member(struct unpacker *u, struct archive *a, struct archive_entry *e,
			const char *raw, unsigned perm)
{
	static const unsigned char zeros[BLOCK_SIZE];
	struct member m;
	member_begin(&m, raw, perm, archive_entry_size_is_set(e) ? archive_entry_size(e) : -1);
	uint64_t pos = 0;
	for (;;) {
		const void *buf;
		size_t size;
		la_int64_t offset;
		int rc = archive_read_data_block(a, &buf, &size, &offset);
		if (rc == ARCHIVE_EOF)
			break;
		if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
			emit_error(u, m.name.text, "cannot read member: %s", archive_error_string(a));
			if (rc == ARCHIVE_FATAL)
				u->stop = true;
			member_free(&m);
			return;
		}
		/* A sparse member's holes read as zeros, and count against --max-total. */
		while (offset > 0 && (uint64_t)offset > pos) {
			uint64_t gap = (uint64_t)offset - pos;
			size_t n = gap < sizeof zeros ? (size_t)gap : sizeof zeros;
			if (!member_add(u, &m, zeros, n) || !ratio_ok(u, a, m.name.text))
				goto stopped;
			pos += n;
		}
		if (!member_add(u, &m, buf, size) || !ratio_ok(u, a, m.name.text))
			goto stopped;
		pos += size;
	}
	member_emit(u, &m);
	member_free(&m);
	return;
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

static void handle_entry(struct unpacker *u, struct archive *a, struct archive_entry *e,
			 bool warned)
{
	const char *raw = entry_name(e);
	unsigned perm = archive_entry_perm(e) | (archive_entry_mode(e) & 06000);
	struct member_name name;
	member_name_init(&name, raw);
	if (!entry_check(u, &name, perm))
		goto done;
	if (warned)
		emit_hit(u, "ArchiveWarning", 0, "info", name.text, NULL, "libarchive: %s",
			 archive_error_string(a));

	const char *link = archive_entry_hardlink(e);
	if (link) {
		struct member_name target;
		member_name_init(&target, link);
		emit_hit(u, "Hardlink", 20, "medium", name.text, NULL,
			 "member '%s' is a hard link to '%s'", name.text, target.text);
		member_name_free(&target);
		goto done;
	}
	mode_t type = archive_entry_filetype(e);
	if (type == AE_IFREG) {
		if (archive_entry_is_encrypted(e))
			emit_hit(u, "EncryptedMember", 20, "medium", name.text, NULL,
				 "member '%s' is encrypted and cannot be scanned", name.text);
		else
			read_member(u, a, e, raw, perm);
	} else if (type == AE_IFLNK) {
		const char *to = archive_entry_symlink(e);
		struct member_name target;
		member_name_init(&target, to ? to : "");
		emit_hit(u, "Symlink", 20, "medium", name.text, NULL,
			 "member '%s' is a symbolic link to '%s'", name.text, target.text);
		member_name_free(&target);
	} else if (type != AE_IFDIR) {
		emit_hit(u, "SpecialFile", 20, "medium", name.text, NULL, "member '%s' is a %s",
			 name.text, special_type(type));
	}
done:
	member_name_free(&name);
}

void archive_unpack(struct unpacker *u)
{
	struct archive *a = archive_open_fd(u);
	if (!a)
		return;
	int retries = 0;
	while (!u->stop) {
		struct archive_entry *e;
		int rc = archive_read_next_header(a, &e);
		if (rc == ARCHIVE_EOF)
			break;
		if (rc == ARCHIVE_RETRY && ++retries < 16)
			continue;
		if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) {
			emit_error(u, NULL, "corrupt or truncated archive after %" PRIu64
				   " entries: %s", u->entries, archive_error_string(a));
			break;
		}
		retries = 0;
		handle_entry(u, a, e, rc == ARCHIVE_WARN);
	}
	archive_read_free(a);
}
