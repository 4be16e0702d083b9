/*
 * src/storage/crc32c.h — CRC-32C (Castagnoli), the checksum of every page and
 * every WAL record.  CRC-32C rather than plain CRC-32 because x86-64 computes it
 * in hardware (SSE 4.2 `crc32`), so checksumming an 8 KiB page costs well
 * under a microsecond; a table-driven fallback covers other CPUs.
 */
#ifndef MDB_CRC32C_H
#define MDB_CRC32C_H

#include "common/common.h"

/* Extends crc (0 for a fresh checksum) over n bytes. */
u32 crc32c_extend(u32 crc, const void *data, size_t n);
static inline u32 crc32c(const void *data, size_t n) { return crc32c_extend(0, data, n); }

#endif
