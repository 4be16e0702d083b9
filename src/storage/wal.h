/*
 * src/storage/wal.h — the write-ahead log: an append-only stream of records
 * addressed by LSN (the byte offset of a record in the stream), stored in
 * segment files of a fixed size (or, for an in-memory database, in memory
 * segments that go through the same code).
 *
 * Every record starts with a 40-byte header: CRC-32C of the rest of the
 * record, total length, the record's own LSN (so bytes left over from an
 * earlier write at another position never pass as a record), the transaction
 * id and the LSN of that transaction's previous record (the chain that undo
 * walks).  A reader stops cleanly at the first record whose header or CRC
 * does not check out: that is the torn tail of a crash, and everything from
 * there on is discarded when the log is reopened for appending.
 *
 * Durability: wal_flush(lsn) returns once every byte below lsn is fsynced.
 * Concurrent callers share fsyncs (group commit): one leader writes and
 * fsyncs everything appended so far while the others wait for it and return
 * without an fsync of their own if it covered their LSN.  A failed write or
 * fsync marks the log failed: that call and every later append or flush
 * returns SQLSTATE 58030, because after a failed fsync the kernel may have
 * dropped the dirty data and retrying could report success for lost bytes.
 *
 * Thread-safe: one mutex guards appends; the I/O of a flush runs outside it.
 */
#ifndef MDB_WAL_H
#define MDB_WAL_H

#include <pthread.h>

#include "common/error.h"

typedef u64 Lsn;
#define LSN_NONE ((Lsn)0)  /* "no record": the stream starts at WAL_FIRST_LSN */
#define WAL_FIRST_LSN ((Lsn)64)
#define WAL_HDR_SIZE 40
#define WAL_MAX_RECORD (64u << 20)

/* Record types.  Generic ones here; the B+tree's in src/storage/oltp/btree.h. */
enum {
    WAL_REC_COMMIT = 1,     /* transaction committed; payload: u64 commit timestamp */
    WAL_REC_ABORT = 2,      /* transaction rolled back completely (after its undo) */
    WAL_REC_CHECKPOINT = 3, /* payload: WalCheckpointBody + active transactions */
    WAL_REC_FPI = 4,        /* full-page image: u32 page no + 8 KiB page */
    WAL_REC_BT_FIRST = 16   /* 16.. : B+tree records */
};
enum { WAL_FLAG_CLR = 1 }; /* compensation record written by undo: redo only, never undone */

typedef struct WalRecHdr {
    u32 crc;       /* CRC-32C of bytes [4, len) */
    u32 len;       /* whole record, header included */
    Lsn lsn;       /* where this record starts */
    u64 xid;       /* transaction, 0 = none */
    Lsn prev_lsn;  /* xid's previous record (LSN_NONE = first); for a CLR: the next record to undo */
    u8 type;
    u8 flags;
    u16 pad16;
    u32 pad32;
} WalRecHdr;

typedef struct WalOptions {
    u64 segment_size;       /* bytes per segment file (default 16 MiB) */
    bool synchronous_commit; /* wal_commit waits for the fsync (default true) */
    int writer_delay_ms;    /* with synchronous_commit off: background flush interval (default 10) */
} WalOptions;
void wal_options_default(WalOptions *o);

typedef struct WalStats {
    u64 appends, bytes, fsyncs, writes, flush_waits, commits;
} WalStats;

typedef struct Wal Wal;

/* Opens (creating if needed) the log in directory `dir`, or an in-memory log
 * when dir is NULL.  The log is not ready for appends until wal_start_append
 * (after recovery has found where the valid records end). */
int wal_open(const char *dir, const WalOptions *opt, Wal **out, Err *err);
/* Flushes what was appended (errors ignored: use wal_flush first to see them),
 * stops the writer thread and frees the log. */
void wal_close(Wal *w);

/* Starts appending at `lsn` (the end of the valid records): discards every
 * byte at or after it. */
int wal_start_append(Wal *w, Lsn lsn, Err *err);
/* Appends one record (header fields crc, len, lsn filled in here from the
 * payload).  *lsn = its start, *end = its end (the LSN a page changed by it
 * carries).  Either may be NULL. */
int wal_append(Wal *w, WalRecHdr *hdr, const void *payload, size_t plen, Lsn *lsn, Lsn *end, Err *err);
/* Same with the payload in two pieces (header data + a page image, say). */
int wal_append2(Wal *w, WalRecHdr *hdr, const void *p1, size_t n1, const void *p2, size_t n2, Lsn *lsn, Lsn *end,
                Err *err);
/* Makes every record ending at or before `lsn` durable (group commit). */
int wal_flush(Wal *w, Lsn lsn, Err *err);
/* A commit: waits for durability when synchronous_commit is on, otherwise
 * returns at once and the writer thread flushes within writer_delay_ms. */
int wal_commit_wait(Wal *w, Lsn end, Err *err);
Lsn wal_insert_lsn(Wal *w);
Lsn wal_flushed_lsn(Wal *w);
bool wal_failed(Wal *w);
void wal_set_synchronous_commit(Wal *w, bool on);
void wal_stats(Wal *w, WalStats *out);

/* Full-page images: the first change of a page after the checkpoint that
 * recovery would start from logs the whole page.  redo_lsn is that point. */
Lsn wal_redo_lsn(Wal *w);
void wal_set_redo_lsn(Wal *w, Lsn lsn);

/* fsyncs every existing segment (recovery: what it replays must be durable
 * before pages changed by the replay are written). */
int wal_sync_all(Wal *w, Err *err);
/* Removes the segments that hold only bytes below `lsn`. */
int wal_truncate_before(Wal *w, Lsn lsn, Err *err);
/* The first LSN still stored (the start of the oldest segment), WAL_FIRST_LSN when empty. */
Lsn wal_oldest_lsn(Wal *w);

/* Reads the record at `lsn` (which must be below the insert LSN; forces it to
 * be written first).  *rec is malloc'd: header followed by the payload. */
int wal_read_record(Wal *w, Lsn lsn, WalRecHdr **rec, Err *err);

/* Sequential reader for recovery.  It reads the log ahead in large pieces
 * (WAL_READAHEAD bytes at a time) rather than with two reads per record, so
 * replaying a log of small records costs a few system calls per megabyte. */
typedef struct WalReader {
    Wal *w;
    Lsn next;      /* where the next record starts */
    u8 *buf;       /* current record (header + payload), copied out of ra: aligned */
    size_t cap;
    u8 *ra;        /* read-ahead window: the stream bytes [ra_start, ra_start + ra_len) */
    size_t ra_cap, ra_len;
    Lsn ra_start;
    const char *stop_reason; /* why the last wal_reader_next returned false */
} WalReader;
void wal_reader_init(WalReader *r, Wal *w, Lsn from);
/* Returns true with *rec pointing at the next valid record (valid until the
 * next call), false at the end of the valid log (r->next = the end). */
bool wal_reader_next(WalReader *r, const WalRecHdr **rec);
void wal_reader_free(WalReader *r);

static inline const u8 *wal_payload(const WalRecHdr *h) { return (const u8 *)h + WAL_HDR_SIZE; }
static inline size_t wal_payload_len(const WalRecHdr *h) { return h->len - WAL_HDR_SIZE; }

#endif
