/* unpack.h: what aura-unpack's modules share (options, the worker's output channel, members). */
#ifndef AURA_UNPACK_H
#define AURA_UNPACK_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "record.h"

/* Limits, from the command line; every one is explained in docs/unpack.md. */
struct unpack_opts {
	uint64_t max_members;	/* entries per artifact (of any type) */
	uint64_t max_total;	/* uncompressed bytes per artifact */
	size_t max_content;	/* bytes of one member carried in its file record */
	uint64_t max_ratio;	/* uncompressed : compressed, over the whole artifact */
	unsigned timeout;	/* seconds of CPU time per artifact's worker (RLIMIT_CPU) */
	unsigned max_depth;	/* directory levels a walk descends */
	unsigned max_nesting;	/* archives inside archives opened, below the artifact */
	uint64_t max_member;	/* uncompressed bytes of one member */
	size_t max_nested;	/* bytes of a nested archive held in memory to open it */
};
extern struct unpack_opts unpack_opts;

/* What the parent hands a worker: one opened artifact. */
enum artifact_kind { KIND_ARCHIVE, KIND_DIRECTORY, KIND_FILE };

struct job {
	const char *id;		/* artifact id */
	const char *path;	/* as the artifact record gave it (names a single file) */
	enum artifact_kind kind;
	int fd;			/* open read-only: the archive, the file, or the directory */
};

/* ---- supervise.c (parent) ---- */

/* Unpack one artifact record's artifact: open, run a worker, close with artifact_end. */
void supervise_artifact(const json_t *artifact);

/* ---- worker.c (child) ---- */

/* Seal the worker, unpack `job` writing records to `out_fd`, and exit. */
_Noreturn void worker_run(const struct job *job, int out_fd);

/*
 * One artifact being unpacked inside a worker: where records go and the running totals
 * that the limits are checked against.
 */
struct archive;

struct unpacker {
	const struct job *job;
	int out_fd;
	uint64_t entries;	/* entries seen, of any type */
	uint64_t files;		/* file records emitted: the next index */
	uint64_t total;		/* uncompressed bytes read */
	bool stop;		/* a limit was crossed or the input failed: read no further */
	struct archive *root;	/* the artifact's own archive: its compressed bytes judge the ratio */
};

/* Write one record to the parent (a line on the pipe); exits when the parent is gone. */
void emit(struct unpacker *u, json_t *rec);
/* A hit about `path` (NULL: the whole artifact), written at once. */
void emit_hit(struct unpacker *u, const char *detection, int score, const char *severity,
	      const char *path, const char *file_id, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
/* The same hit as a record, for the caller to add fields to and emit. */
json_t *hit_record(struct unpacker *u, const char *detection, int score, const char *severity,
		   const char *path, const char *file_id, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
/* An error record about `path` (may be NULL), also said on stderr. */
void emit_error(struct unpacker *u, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A limit was crossed: the ArchiveBomb hit, and stop reading this artifact. */
void limit_crossed(struct unpacker *u, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- member.c: one member's bytes, its kind, its file record ---- */

/* Open libmagic and load its database; before sealing (it reads files). */
void member_magic_init(void);

/* A member name: the raw bytes, and the text form the protocol carries. */
struct member_name {
	const char *raw;	/* as stored (NUL-terminated) */
	char *text;		/* valid UTF-8: raw, or raw with U+FFFD for each bad byte */
	bool is_utf8;
};
void member_name_init(struct member_name *n, const char *raw);
void member_name_free(struct member_name *n);

/*
 * A regular member being streamed: hashed whole, its head kept for the record.  A member
 * that starts like an archive keeps up to --max-nested bytes, so that it can be opened.
 */
struct member {
	struct member_name name;
	unsigned mode;		/* permission bits */
	struct sha256_state sha;
	uint64_t size;		/* bytes seen */
	unsigned char *head;	/* the first `keep` bytes */
	size_t head_len, head_cap, keep;
	bool truncated;		/* size > max_content: the record carries only the head */
	bool overflow;		/* size > keep: the head does not hold the whole member */
	/* Set by member_emit: */
	const char *kind;
	char sha256[65];
	char *id;		/* "<artifact id>:<index>": any length, as the artifact id is */
};

void member_begin(struct member *m, const char *raw_name, unsigned mode, int64_t size_hint);
/* Would `n` more bytes stay within --max-total and --max-member?  If not: the hit, false. */
bool member_fits(struct unpacker *u, struct member *m, uint64_t n);
/* Add bytes; false (and the ArchiveBomb hit) when the artifact's total limit is crossed. */
bool member_add(struct unpacker *u, struct member *m, const void *p, size_t n);
/* Emit the file record (and a LargeFile hit when truncated). */
void member_emit(struct unpacker *u, struct member *m);
void member_free(struct member *m);

/*
 * The checks every entry gets, whatever its type: path traversal, setuid/setgid, control
 * characters and invalid UTF-8 in its name, and the member count limit.  `own` is the
 * name inside its own archive (the end of a nested chain).  False when the count limit
 * stops the artifact.
 */
bool entry_check(struct unpacker *u, const struct member_name *name, const char *own,
		 unsigned mode);

/* ---- kind.c: what a member is, from its content ---- */

/* The kind (python, pth, pyc, native, archive, text, binary); *mime is libmagic's answer. */
const char *member_kind(const struct member *m, const char **mime);
/* Facts for the file record: pyc_python, pth_has_code, entropy. */
void member_facts(json_t *rec, const struct member *m, const char *kind);
/* Does this head start like an archive (by signature alone)? */
bool looks_like_archive(const unsigned char *p, size_t n);

/* ---- seen.c: the names met in one archive, for duplicates, case collisions, RECORD ---- */

struct seen_entry {
	char *name;		/* the member name, without a leading "./" */
	char sha256[65];	/* "" unless it is a regular member that was read whole */
	bool listed;		/* named in the wheel's RECORD */
	bool is_link;		/* a symbolic link: nothing may be written through it */
};
struct seen {
	struct seen_entry *v;
	size_t n, cap;
	uint32_t *exact, *folded;	/* open addressing: index + 1, 0 = empty */
	size_t slots;
};
enum seen_result { SEEN_NEW, SEEN_DUPLICATE, SEEN_CASE };

/* Add a name; *res says whether it (or a case variant) was met before, *other which. */
struct seen_entry *seen_add(struct seen *s, const char *name, enum seen_result *res,
			    const char **other);
struct seen_entry *seen_find(const struct seen *s, const char *name);
void seen_free(struct seen *s);

/* ---- wheel.c: package structure checks ---- */

/* Check a wheel's RECORD against the members read; `prefix` names the chain (may be ""). */
void wheel_check(struct unpacker *u, struct seen *s, const char *prefix,
		 const char *record_name, const unsigned char *record, size_t len);

/* ---- zipcd.c: the zip central directory against the local headers ---- */

/* A zip's bytes: in memory (`buf`), or an open file read with pread. */
struct zip_source {
	const unsigned char *buf;
	int fd;
	uint64_t size;
};
/*
 * ZipNameMismatch and ZipOverlap hits for a zip whose central directory disagrees with its
 * local headers.  `prefix` names the chain of a nested zip ("" at the top), `self` the
 * zip itself (NULL for the artifact).
 */
void zip_check(struct unpacker *u, const struct zip_source *s, const char *prefix,
	       const char *self);

/* ---- archive.c, tree.c: the three kinds of artifact ---- */

/* Decide which in-process decompression filters to enable; before sealing. */
void archive_probe_filters(void);
void archive_unpack(struct unpacker *u);
/* Read an archive held in memory as if it were the artifact (the fuzzing entry point). */
void archive_unpack_memory(struct unpacker *u, const void *buf, size_t len);
void tree_unpack(struct unpacker *u);
void single_unpack(struct unpacker *u);

#endif
