/*
 * src/types/scalar_io.h — PostgreSQL 15 text input/output of the simple
 * scalar types: smallint/integer/bigint, real/double precision, boolean,
 * uuid and bytea.
 *
 * Pure functions.  Parsers take a (pointer, length) pair — the text need not
 * be NUL-terminated — and return MDB_OK_ or MDB_FAIL with PG's SQLSTATE and
 * message in `err`.  Formatters write into a caller buffer and return the
 * length written (excluding the NUL they add when there is room); they never
 * allocate.  See src/types/README.md.
 *
 * INTERFACE
 *   scalar_parse_int16, scalar_parse_int32, scalar_parse_int64
 *   scalar_format_int64, scalar_format_int32
 *   scalar_parse_float8, scalar_parse_float4
 *   scalar_format_float8, scalar_format_float4
 *   scalar_parse_bool, scalar_format_bool
 *   scalar_parse_uuid, scalar_format_uuid
 *   scalar_parse_bytea, scalar_format_bytea
 */
#ifndef MDB_SCALAR_IO_H
#define MDB_SCALAR_IO_H

#include "common/common.h"
#include "common/error.h"

/* Buffer sizes that always suffice (including the NUL). */
#define SCALAR_INT_BUFLEN 24
#define SCALAR_FLOAT_BUFLEN 32
#define SCALAR_UUID_BUFLEN 37

/* Integers: surrounding whitespace, optional sign, decimal digits only (PG 15
 * has no hex/underscores).  22P02 `invalid input syntax for type integer:
 * "abc"`, 22003 `value "99999999999" is out of range for type integer`. */
int scalar_parse_int16(const char *s, size_t len, i16 *out, Err *err);
int scalar_parse_int32(const char *s, size_t len, i32 *out, Err *err);
int scalar_parse_int64(const char *s, size_t len, i64 *out, Err *err);
/* Writes decimal text; buf needs SCALAR_INT_BUFLEN bytes. */
size_t scalar_format_int64(i64 v, char *buf);
size_t scalar_format_int32(i32 v, char *buf);

/* Floats: as PG's float8in/float4in: whitespace, NaN, [+-]Infinity/inf,
 * anything strtod accepts; 22003 `"1e400" is out of range for type double
 * precision`. */
int scalar_parse_float8(const char *s, size_t len, double *out, Err *err);
int scalar_parse_float4(const char *s, size_t len, float *out, Err *err);
/* extra_float_digits > 0 (PG's default is 1): shortest round-trip digits,
 * fixed notation for decimal exponents -4..14 (float4: -4..5), else 1e+20.
 * extra_float_digits <= 0: %.{15+efd}g (float4: 6+efd).  buf needs
 * SCALAR_FLOAT_BUFLEN bytes. */
size_t scalar_format_float8(double v, int extra_float_digits, char *buf);
size_t scalar_format_float4(float v, int extra_float_digits, char *buf);

/* Booleans: t/true/y/yes/on/1/f/false/n/no/off/0, unique prefixes,
 * case-insensitive, surrounding whitespace.  Output "t" / "f". */
int scalar_parse_bool(const char *s, size_t len, bool *out, Err *err);
size_t scalar_format_bool(bool v, char *buf);

/* UUID: 32 hex digits, optional hyphen after any group of four, optional
 * braces, any case.  Output lower case 8-4-4-4-12 (SCALAR_UUID_BUFLEN). */
int scalar_parse_uuid(const char *s, size_t len, u8 out[16], Err *err);
size_t scalar_format_uuid(const u8 in[16], char *buf);

/* bytea input: hex format `\x0102…` (whitespace between digit pairs allowed)
 * or escape format (`\\`, `\ooo`).  `out` needs room for `len` bytes (the
 * decoded value is never longer than its text); *out_len receives the size. */
int scalar_parse_bytea(const char *s, size_t len, u8 *out, size_t *out_len, Err *err);
/* Length of the hex output of n bytes (2 + 2n), without the NUL. */
static inline size_t scalar_bytea_text_len(size_t n) { return 2 + 2 * n; }
/* Writes `\x` + lower-case hex; buf needs scalar_bytea_text_len(n) + 1. */
size_t scalar_format_bytea(const u8 *in, size_t n, char *buf);

#endif
