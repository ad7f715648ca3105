/* zipcd.c: a zip's central directory against its local headers, as pip's zipfile reads it. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "unpack.h"
#include "stagehits.h"

/*
 * pip (Python's zipfile) lists a zip's members from its central directory (CD) and reads
 * each one's data through the local header the CD entry points at.  libarchive's seekable
 * reader does the same, but keeps one member per local header and names it by the local
 * header.  So two CD entries sharing one local header give Aura one file where zipfile
 * lists two, and a CD entry named differently from its local header shows Aura another
 * name than pip.  Both, and entries whose data overlap (the overlapping-entries bomb), are
 * tricks no zip tool produces: this parses the CD itself, bounded, and reports them.
 */

#define EOCD_SIZE 22
#define EOCD64_LOCATOR_SIZE 20
#define EOCD64_SIZE 56
#define CD_ENTRY_SIZE 46
#define LOCAL_SIZE 30
#define MAX_COMMENT 65535
/* The biggest central directory parsed: 64 MiB holds well over a million entries. */
#define MAX_CD_BYTES (64u << 20)
/* Hits of each kind per zip; one more counts the rest. */
#define MAX_HITS 10

static uint16_t le16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const unsigned char *p) { return le16(p) | (uint32_t)le16(p + 2) << 16; }
static uint64_t le64(const unsigned char *p) { return le32(p) | (uint64_t)le32(p + 4) << 32; }

/* Read `n` bytes at `off`; false when they are not all there. */
static bool src_read(const struct zip_source *s, uint64_t off, void *dst, size_t n)
{
	if (off > s->size || n > s->size - off)
		return false;
	if (n == 0)
		return true;
	if (s->buf) {
		memcpy(dst, s->buf + off, n);
		return true;
	}
	size_t done = 0;
	while (done < n) {
		ssize_t r = pread(s->fd, (char *)dst + done, n - done, (off_t)(off + done));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		done += (size_t)r;
	}
	return true;
}

/* One CD entry, for the overlap check: where its local header starts and its data ends. */
struct span {
	uint64_t start, end;
	uint32_t index;		/* position in the CD */
	uint64_t name_at;	/* its name, in the CD */
	uint16_t name_len;
};

static int by_start(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Where the central directory is, as zipfile's _EndRecData finds it; false: no CD. */
struct cd_location {
	uint64_t offset;	/* of the CD, corrected for data prepended to the zip */
	uint64_t size;
	uint64_t concat;	/* bytes before the zip: added to every local header offset */
};

static bool find_cd(const struct zip_source *s, struct cd_location *cd)
{
	if (s->size < EOCD_SIZE)
		return false;
	size_t tail_len = s->size < EOCD_SIZE + MAX_COMMENT ? (size_t)s->size : EOCD_SIZE + MAX_COMMENT;
	uint64_t tail_off = s->size - tail_len;
	unsigned char *tail = xmalloc(tail_len);
	bool ok = src_read(s, tail_off, tail, tail_len);
	/* The last end-of-central-directory signature with a whole record after it. */
	size_t at = tail_len - EOCD_SIZE + 1;
	while (ok && at-- > 0)
		if (memcmp(tail + at, "PK\5\6", 4) == 0)
			break;
	if (!ok || at == (size_t)-1) {
		free(tail);
		return false;
	}
	uint64_t eocd = tail_off + at;
	uint64_t size = le32(tail + at + 12), offset = le32(tail + at + 16);
	free(tail);
	uint64_t header = 0;	/* bytes of zip64 end records before the EOCD */
	unsigned char loc[EOCD64_LOCATOR_SIZE], rec[EOCD64_SIZE];
	if (eocd >= EOCD64_LOCATOR_SIZE &&
	    src_read(s, eocd - EOCD64_LOCATOR_SIZE, loc, sizeof loc) &&
	    memcmp(loc, "PK\6\7", 4) == 0 && eocd >= EOCD64_LOCATOR_SIZE + EOCD64_SIZE &&
	    src_read(s, eocd - EOCD64_LOCATOR_SIZE - EOCD64_SIZE, rec, sizeof rec) &&
	    memcmp(rec, "PK\6\6", 4) == 0) {
		size = le64(rec + 40);
		offset = le64(rec + 48);
		header = EOCD64_LOCATOR_SIZE + EOCD64_SIZE;
	}
	/* The CD ends where the end records start; what precedes offset 0 was prepended. */
	if (size > eocd - header || offset > eocd - header - size)
		return false;	/* libarchive reports a CD that does not fit */
	cd->size = size;
	cd->concat = eocd - header - size - offset;
	cd->offset = offset + cd->concat;
	return true;
}

/* The zip64 extra field's value for a 32-bit field saturated at 0xFFFFFFFF. */
static uint64_t zip64_field(const unsigned char *extra, size_t len, unsigned which,
			    const bool present[3], uint64_t value)
{
	for (size_t i = 0; i + 4 <= len;) {
		uint16_t id = le16(extra + i), n = le16(extra + i + 2);
		if (i + 4 + n > len)
			break;
		if (id == 1) {
			size_t at = i + 4;
			for (unsigned f = 0; f < 3; f++) {
				if (!present[f])
					continue;
				if (at + 8 > i + 4 + n)
					return value;
				if (f == which)
					return le64(extra + at);
				at += 8;
			}
			return value;
		}
		i += 4 + n;
	}
	return value;
}

struct cd_check {
	struct unpacker *u;
	const char *prefix;	/* the chain naming a nested zip: "" or "a.tar!b.whl!" */
	unsigned mismatches, overlaps;
};

/* The name a hit gives a CD entry: the chain and the name, lossy if not UTF-8. */
static char *entry_path(const struct cd_check *c, const unsigned char *name, size_t len)
{
	size_t plen = strlen(c->prefix);
	char *raw = xmalloc(plen + len + 1);
	memcpy(raw, c->prefix, plen);
	memcpy(raw + plen, name, len);
	raw[plen + len] = '\0';
	/* A NUL inside a name ends it here: the hit still names the entry. */
	struct member_name n;
	member_name_init(&n, raw);
	free(raw);
	return n.text;
}

static void name_mismatch(struct cd_check *c, const unsigned char *cd_name, size_t cd_len,
			  const unsigned char *local_name, size_t local_len)
{
	if (++c->mismatches > MAX_HITS)
		return;
	char *cd = entry_path(c, cd_name, cd_len), *local = entry_path(c, local_name, local_len);
	emit_hit(c->u, HIT_UNPACK(ZipNameMismatch), cd, NULL, "the central directory names "
		 "a member '%s' but its local header names it '%s': readers of the central "
		 "directory (zipfile, pip, unzip) and of local headers (streaming readers, this "
		 "record's path) see different files", cd, local);
	free(cd);
	free(local);
}

/* Parse the CD; compare every entry with its local header; then look for overlaps. */
static void check_entries(struct cd_check *c, const struct zip_source *s,
			  const struct cd_location *cd, const unsigned char *dir)
{
	size_t cap = 64, n = 0;
	struct span *spans = xmalloc(cap * sizeof *spans);
	/* Never NULL, even for an empty name: memcpy and memcmp must not see NULL. */
	size_t local_cap = 256;
	unsigned char local[LOCAL_SIZE], *local_name = xmalloc(local_cap);
	uint32_t index = 0;
	for (uint64_t at = 0; at + CD_ENTRY_SIZE <= cd->size && n <= unpack_opts.max_members;
	     index++) {
		const unsigned char *e = dir + at;
		if (memcmp(e, "PK\1\2", 4) != 0)
			break;	/* the end of the entries (or garbage libarchive reports) */
		size_t name_len = le16(e + 28), extra_len = le16(e + 30), comment_len = le16(e + 32);
		uint64_t next = at + CD_ENTRY_SIZE + name_len + extra_len + comment_len;
		if (next > cd->size)
			break;
		const unsigned char *name = e + CD_ENTRY_SIZE, *extra = name + name_len;
		bool big[3] = { le32(e + 24) == 0xFFFFFFFF, le32(e + 20) == 0xFFFFFFFF,
				le32(e + 42) == 0xFFFFFFFF };
		uint64_t packed = zip64_field(extra, extra_len, 1, big, le32(e + 20));
		uint64_t offset = zip64_field(extra, extra_len, 2, big, le32(e + 42));
		at = next;
		if (offset > UINT64_MAX - cd->concat)
			continue;
		offset += cd->concat;
		if (!src_read(s, offset, local, sizeof local) || memcmp(local, "PK\3\4", 4) != 0)
			continue;	/* no local header there: libarchive reports it */
		size_t lname_len = le16(local + 26), lextra_len = le16(local + 28);
		if (lname_len > local_cap)
			local_name = xrealloc(local_name, local_cap = lname_len);
		if (!src_read(s, offset + LOCAL_SIZE, local_name, lname_len))
			continue;
		if (lname_len != name_len || memcmp(local_name, name, name_len) != 0)
			name_mismatch(c, name, name_len, local_name, lname_len);
		if (n == cap)
			spans = xrealloc(spans, (cap *= 2) * sizeof *spans);
		uint64_t data = offset + LOCAL_SIZE + lname_len + lextra_len;
		spans[n++] = (struct span){ .start = offset, .index = index,
					    .end = packed > UINT64_MAX - data ? UINT64_MAX : data + packed,
					    .name_at = (uint64_t)(name - dir), .name_len = (uint16_t)name_len };
	}
	free(local_name);

	/* Sorted by where their local headers start, no entry may begin before the last ends. */
	qsort(spans, n, sizeof *spans, by_start);
	uint64_t end = 0;
	for (size_t i = 1; i < n; i++) {
		if (spans[i - 1].end > end)
			end = spans[i - 1].end;
		if (spans[i].start >= end)
			continue;
		if (++c->overlaps > MAX_HITS)
			continue;
		const char *what = spans[i].start == spans[i - 1].start ? "shares its local header "
			"with another entry: zipfile lists both, libarchive one" : "overlaps the "
			"data of an earlier entry (an overlapping-entries bomb, or a member shown "
			"under two names)";
		char *path = entry_path(c, dir + spans[i].name_at, spans[i].name_len);
		emit_hit(c->u, HIT_UNPACK(ZipOverlap), path, NULL, "central directory entry "
			 "%" PRIu32 " ('%s') %s", spans[i].index, path, what);
		free(path);
	}
	free(spans);
}

void zip_check(struct unpacker *u, const struct zip_source *s, const char *prefix,
	       const char *self)
{
	struct cd_location cd;
	if (!find_cd(s, &cd))
		return;
	if (cd.size > MAX_CD_BYTES) {
		emit_error(u, self, "the zip's central directory is %" PRIu64 " bytes, more than "
			   "the %u checked against its local headers", cd.size, MAX_CD_BYTES);
		return;
	}
	unsigned char *dir = xmalloc(cd.size ? cd.size : 1);
	if (src_read(s, cd.offset, dir, cd.size)) {
		struct cd_check c = { .u = u, .prefix = prefix };
		check_entries(&c, s, &cd, dir);
		if (c.mismatches > MAX_HITS)
			emit_hit(u, HIT_UNPACK(ZipNameMismatch), self, NULL, "%u more central "
				 "directory entries name their local header differently",
				 c.mismatches - MAX_HITS);
		if (c.overlaps > MAX_HITS)
			emit_hit(u, HIT_UNPACK(ZipOverlap), self, NULL, "%u more central directory "
				 "entries share or overlap local headers", c.overlaps - MAX_HITS);
	}
	free(dir);
}
