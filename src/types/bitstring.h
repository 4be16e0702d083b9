/*
 * src/types/bitstring.h — bit(n) and bit varying(n) values (TYPE_BIT).
 *
 * A bit string is stored as a Str of '0'/'1' characters, one per bit, most
 * significant first: its text form.  Byte order comparison of those
 * characters (shorter prefix first) is PostgreSQL's bit ordering, so the
 * text comparison, hashing and grouping kernels serve bit strings as they
 * are.  LType.text_kind tells bit (BIT_FIXED) from bit varying
 * (BIT_VARYING); mod1 is the declared length (-1: none).
 *
 * Fallible functions return MDB_OK_ / MDB_FAIL with PG 15's SQLSTATE and
 * message in err; results are allocated in the arena given.
 *
 * INTERFACE: bit_parse, bit_apply_typmod, bit_from_int, bit_to_int
 */
#ifndef MDB_BITSTRING_H
#define MDB_BITSTRING_H

#include "types/types.h"

/* PG's bit_in/varbit_in: '0'/'1' digits, or after a leading 'b'/'B' binary,
 * after 'x'/'X' hexadecimal (4 bits a digit).  22P02 on a bad digit. */
int bit_parse(const char *s, size_t len, Arena *a, Str *out, Err *err);
/* Coerces to `to`'s length: bit(n) pads with zeros or truncates on an
 * explicit cast, else fails with 22026 unless the length is n; bit
 * varying(n) truncates on an explicit cast, else fails with 22001 when
 * longer. */
int bit_apply_typmod(const Str *in, LType to, bool explicit_cast, Arena *a, Str *out, Err *err);
/* int4/int8 → bit(n): the low n bits, sign-extended past the source's
 * src_bits (32 or 64); n is to.mod1 (1 when none). */
void bit_from_int(i64 x, int src_bits, LType to, Arena *a, Str *out);
/* bit → int4 (dst_bits 32) or int8 (64): the bits as a two's complement
 * number; 22003 "integer out of range"/"bigint out of range" when longer. */
int bit_to_int(const Str *in, int dst_bits, i64 *out, Err *err);

#endif
