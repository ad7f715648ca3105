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
	unsigned timeout;	/* seconds of wall-clock time per artifact */
	unsigned max_depth;	/* directory levels a walk descends */
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
struct unpacker {
	const struct job *job;
	int out_fd;
	uint64_t entries;	/* entries seen, of any type */
	uint64_t files;		/* file records emitted: the next index */
	uint64_t total;		/* uncompressed bytes read */
	bool stop;		/* a limit was crossed or the input failed: read no further */
};

/* Write one record to the parent (a line on the pipe); exits when the parent is gone. */
void emit(struct unpacker *u, json_t *rec);
/* A hit about `path` (NULL: the whole artifact), written at once. */
void emit_hit(struct unpacker *u, const char *detection, int score, const char *severity,
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

/* A regular member being streamed: hashed whole, its head kept for the record. */
struct member {
	struct member_name name;
	unsigned mode;		/* permission bits */
	struct sha256_state sha;
	uint64_t size;		/* bytes seen */
	unsigned char *head;	/* the first max_content bytes */
	size_t head_len, head_cap;
	bool truncated;
};

void member_begin(struct member *m, const char *raw_name, unsigned mode, int64_t size_hint);
/* Add bytes; false (and the ArchiveBomb hit) when the artifact's total limit is crossed. */
bool member_add(struct unpacker *u, struct member *m, const void *p, size_t n);
/* Emit the file record (and a LargeFile hit when truncated). */
void member_emit(struct unpacker *u, struct member *m);
void member_free(struct member *m);

/*
 * The checks every entry gets, whatever its type: path traversal, setuid/setgid, and the
 * member count limit.  False when the count limit stops the artifact.
 */
bool entry_check(struct unpacker *u, const struct member_name *name, unsigned mode);

/* ---- archive.c, tree.c: the three kinds of artifact ---- */

/* Decide which in-process decompression filters to enable; before sealing. */
void archive_probe_filters(void);
void archive_unpack(struct unpacker *u);
void tree_unpack(struct unpacker *u);
void single_unpack(struct unpacker *u);

#endif
