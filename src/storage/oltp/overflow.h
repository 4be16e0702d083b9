/*
 * src/storage/oltp/overflow.h — overflow page chains of the OLTP tier's
 * B+tree: where the tail of a value that does not fit in a leaf cell lives.
 *
 * A B+tree entry whose key + value exceed BT_MAX_CELL keeps a prefix of the
 * value in its leaf cell, followed by an 8-byte reference (u32 first page,
 * u32 length of the tail); the cell's value-length field carries
 * BT_VAL_OVERFLOW to say so.  The tail is stored in a chain of overflow
 * pages: after the page header, u32 next page (PAGE_NONE at the end), u32
 * bytes used, then the bytes.  btree.c resolves references on every read, so
 * callers of btree.h only ever see whole values.
 *
 * Pages: a chain takes its pages from the page file's free list (btree.h,
 * "free pages"; new pages at the end of the file when it is empty) and gives
 * them back to it, so a page freed by a chain can serve a tree and the other
 * way round, and the free list survives restarts and crashes.
 *
 * Logging: writing a chain logs the allocation (a WAL_BT_FREELIST record of
 * the store page), then WAL_BT_OVF_WRITE records (up to OVF_GROUP pages each:
 * page number, next, length, bytes), in the writing transaction's undo
 * chain; the undo of such a record frees its pages (one WAL_BT_FREELIST
 * compensation record).  A chain whose cell was removed by a committed
 * change is freed by WAL_BT_FREELIST records of no transaction: at once for a
 * change outside a transaction, at commit for a transaction's delete or
 * value replacement (its undo needs the old chain until then).  Row versions
 * (oltp_table.c) keep their chain when a later version replaces them: the
 * chain goes when reclamation (vacuum.c) deletes the dead version, i.e. once
 * no snapshot can see it.  Redo rebuilds each page from the record (no prior
 * page content is read), when the page is older than the record, so a torn
 * overflow page is repaired by its own record.  A crash between the
 * allocation and the chain's records, or between the removal of a cell and
 * the freeing of its chain, leaves pages that nobody owns: the sweep at the
 * next open frees them.
 *
 * Callers hold the environment's checkpoint lock in shared mode around every
 * function that logs (ovf_write, ovf_free_chain, ovf_undo_write).
 */
#ifndef MDB_OVERFLOW_H
#define MDB_OVERFLOW_H

#include "storage/oltp/btree.h"

#define OVF_REF_SIZE 8     /* u32 first page, u32 tail length */
#define OVF_INLINE 512     /* value bytes kept in the cell (less for long keys) */
#define OVF_GROUP 64       /* pages per WAL_BT_OVF_WRITE record */
#define OVF_PAGE_DATA (PAGE_SIZE - PAGE_HDR_SIZE - 8)

/* Writes len bytes (len > 0) into a new chain; *head = its first page.  The
 * records are logged for xid (0: no transaction) and chained through
 * *last_lsn / *first_lsn when those are given. */
int ovf_write(BtEnv *e, u64 xid, Lsn *last_lsn, Lsn *first_lsn, const u8 *data, size_t len, PageNo *head, Err *err);
/* Appends the len bytes of the chain at head to out (XX001 on a broken chain). */
int ovf_read(BtEnv *e, PageNo head, size_t len, ByteBuf *out, Err *err);
/* *eq: the chain at head holds exactly data[0, len). */
int ovf_equal(BtEnv *e, PageNo head, size_t chain_len, const u8 *data, size_t len, bool *eq, Err *err);
/* Frees the chain at head with a record of no transaction. */
int ovf_free_chain(BtEnv *e, PageNo head, Err *err);
/* Undo of a WAL_BT_OVF_WRITE record of xid: frees its pages, logged as a CLR
 * whose chain pointer is the record's predecessor; *last_lsn = the CLR. */
int ovf_undo_write(BtEnv *e, u64 xid, Lsn *last_lsn, const WalRecHdr *rec, Err *err);
/* Redo of WAL_BT_OVF_WRITE / WAL_BT_OVF_FREE (other records: nothing). */
int ovf_redo(BtEnv *e, const WalRecHdr *rec, Err *err);
/* The number of pages on the page file's free list (tests; btenv_free_count). */
size_t ovf_free_pages(BtEnv *e);

#endif
