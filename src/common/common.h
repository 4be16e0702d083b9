/*
 * src/common/common.h — basic integer names, status codes and helpers used by
 * every layer.  See src/common/README.md.
 */
#ifndef MDB_COMMON_H
#define MDB_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef int8_t i8;
typedef int16_t i16;
typedef int32_t i32;
typedef int64_t i64;
typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef __int128 i128;
typedef unsigned __int128 u128;
typedef uint64_t idx_t;

/* Internal status: 0 is success, anything else failure with the error recorded
 * in the Err passed to the call. */
#define MDB_OK_ 0
#define MDB_FAIL (-1)

#define MDB_LIKELY(x) __builtin_expect(!!(x), 1)
#define MDB_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define MDB_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MDB_MIN(a, b) ((a) < (b) ? (a) : (b))
#define MDB_MAX(a, b) ((a) > (b) ? (a) : (b))

/* Allocation that cannot fail: aborts the process on out-of-memory (used for
 * small, bounded allocations only; growable operators use budgeted arenas). */
void *xmalloc(size_t n);
/* Monotonic clock in nanoseconds (deadlines, timeouts, EXPLAIN ANALYZE timing). */
i64 time_mono_ns(void);
void *xcalloc(size_t n, size_t sz);
/* Zeroed memory written through at once: for big tables that are read and
 * written right away (hash tables).  calloc's fresh mappings are read through
 * the shared zero page first, and the first write to each page then costs a
 * copy-on-write fault and a TLB shootdown on every CPU running the process. */
void *xcalloc_written(size_t n, size_t sz);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

/* Corruption and internal errors funnel through one function (one breakpoint). */
void mdb_internal_fatal(const char *file, int line, const char *msg) __attribute__((noreturn));
#define MDB_FATAL(msg) mdb_internal_fatal(__FILE__, __LINE__, (msg))

#endif
