/*
 * src/storage/oltp/keyenc.h — order-preserving ("memcmp-comparable") key
 * encoding for B+tree keys.
 *
 * A key of one or more columns is encoded into bytes such that comparing two
 * encodings with memcmp (shorter-is-smaller on a common prefix) gives the same
 * order as comparing the rows column by column, SQL style.  The B+tree then
 * never needs to know column types.  Per column:
 *
 *   marker byte   0x01 value follows / 0x02 NULL (NULLS LAST, PostgreSQL's
 *                 default for ASC); 0x00 NULL with nulls_first
 *   int2/4/8, date, time, timestamp[tz]   big-endian two's complement with the
 *                 sign bit flipped (2, 4 or 8 bytes)
 *   float4/8      as float8: sign bit flipped for positives, all bits flipped
 *                 for negatives; -0 becomes +0 and every NaN one NaN that sorts
 *                 above +Infinity (PostgreSQL's order)
 *   numeric       the scaled 128-bit integer, as for ints (16 bytes); one scale
 *                 per column, so the integers order like the values
 *   bool          one byte 0/1
 *   text, bytea   the bytes with 0x00 escaped as 0x00 0xFF, ended by 0x00 0x01
 *                 (byte order = C collation)
 *   uuid          the 16 bytes
 *
 * A DESC column has every byte of its encoding (marker included) inverted.
 */
#ifndef MDB_KEYENC_H
#define MDB_KEYENC_H

#include "types/types.h"

typedef struct ByteBuf {
    u8 *data;
    size_t len, cap;
} ByteBuf;
void bytebuf_reserve(ByteBuf *b, size_t extra);
void bytebuf_append(ByteBuf *b, const void *p, size_t n);
void bytebuf_free(ByteBuf *b);

typedef struct KeyCol {
    LType type;
    bool desc;
    bool nulls_first;
} KeyCol;

/* Appends the encoding of v (of column type c->type) to out.  0A000 for a
 * type that has no key encoding (interval, list). */
int keyenc_append(ByteBuf *out, const Value *v, const KeyCol *c, Err *err);
/* Encodes a whole row of n key columns (out is reset first). */
int keyenc_row(ByteBuf *out, const Value *vals, const KeyCol *cols, int n, Err *err);
/* memcmp order with shorter-is-smaller: the order the B+tree uses. */
int keyenc_cmp(const u8 *a, size_t alen, const u8 *b, size_t blen);

#endif
