/*
 * src/exec/spill.h — the statement's memory budget and temporary files for
 * operators that spill.
 *
 * Every execution (and its subquery executions) shares one budget: the
 * session's memory_limit.  Operators that build large state (sort buffers,
 * aggregate tables, hash join build sides, window partitions, DISTINCT sets)
 * follow their state's size with a MemTrack; when the budget refuses more,
 * an operator that can spill writes part of its state to a SpillFile and
 * frees it, and one that cannot fails the statement with SQLSTATE 53200
 * naming memory_limit (exec_mem_fail).  SpillFiles live in the temp
 * directory (temp_directory, else <database>/tmp, else $TMPDIR or /tmp) and
 * are removed when closed and, at the latest, by exec_cleanup — also after an
 * error or a cancel.
 */
#ifndef MDB_SPILL_H
#define MDB_SPILL_H

#include "exec/physical.h"

/* A worker's share of the budget that follows one growing structure. */
typedef struct MemTrack {
    i64 held;  /* bytes reserved from the statement's budget */
    Exec *ex;  /* the execution that releases it at cleanup */
} MemTrack;

/* A tracker owned by ex (in its arena); exec_cleanup releases what it holds. */
MemTrack *memtrack_new(Exec *ex);
/* Makes the reservation cover `usage` bytes (it may shrink too).  MDB_FAIL
 * when the budget refuses; nothing is recorded then and the reservation
 * stays as it was.  Up to a floor (a quarter of memory_limit, at most
 * 256 KiB) a tracker is never refused. */
int memtrack_update(MemTrack *t, i64 usage);
/* Makes the reservation cover `usage` whatever the budget says: for the
 * little an operator needs to make progress at all (one run's worth, one
 * block per merged run). */
void memtrack_force(MemTrack *t, i64 usage);
void memtrack_release(MemTrack *t);
/* Records SQLSTATE 53200 for `what` (e.g. "hash join build side") needing
 * more than memory_limit allows; returns MDB_FAIL. */
int exec_mem_fail(Exec *ex, const char *what);
/* Bytes reserved by the whole statement now. */
i64 exec_mem_used(Exec *ex);

/* The bytes a column collection holds (chunk buffers and string bytes). */
i64 colcoll_bytes(const ColumnCollection *c);

typedef struct SpillFile SpillFile;
/* Creates a temporary file for ex; NULL with the error recorded in ex. */
SpillFile *spill_create(Exec *ex);
/* Appends rows [0, c->count) of c; *off receives the block's offset.
 * Thread-safe (appends are serialised per file).  Errors are recorded in ex. */
int spill_write(SpillFile *f, const DataChunk *c, i64 *off);
/* Reads the block at *pos into out (initialised with the file's column types,
 * strings copied into its arena) and advances *pos; out->count = 0 at the end
 * of the file.  Several readers may read one file at once. */
int spill_read(SpillFile *f, i64 *pos, DataChunk *out);
/* Bytes written so far (the end offset). */
i64 spill_size(const SpillFile *f);
/* Closes and removes the file now (exec_cleanup does it otherwise). */
void spill_close(SpillFile *f);

/* Removes spill files in dir left by processes that no longer run (killed
 * before their statements could clean up); returns how many.  mdb_open calls
 * it for <database>/tmp. */
int spill_sweep(const char *dir);

/* Statistics of the process, for tests: files created and bytes written by
 * spilling operators, and files still open. */
typedef struct SpillStats {
    i64 files_created;
    i64 bytes_written;
    i64 files_open;
} SpillStats;
void spill_stats(SpillStats *out);

#endif
