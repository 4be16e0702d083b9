/*
 * src/types/numeric_big.h — the arbitrary-precision side of NUMERIC (internal
 * to src/types).
 *
 * numeric.c keeps values that fit 35 digits and scale 0..35 in the 128-bit
 * form and calls these functions when an operand is a big value
 * (NUMERIC_TAG_BIG) or when the exact result does not fit.  Every function
 * here accepts any finite Numeric (small or big; never NaN or ±Infinity),
 * computes the exact result with PostgreSQL 15's result scale and limits
 * (131072 digits before the point, 16383 after), and returns a small value
 * whenever the result fits one, so each value has one form per (digits,
 * scale).  Trimmed big values are interned: one record per distinct (sign,
 * scale, digits), so that they compare bytewise equal.
 */
#ifndef MDB_NUMERIC_BIG_H
#define MDB_NUMERIC_BIG_H

#include "types/numeric.h"

/* PostgreSQL 15's limits. */
#define NBIG_MAX_INT_DIGITS 131072 /* NUMERIC_WEIGHT_MAX = 32767 base-10000 digits */
#define NBIG_MAX_DSCALE 16383      /* NUMERIC_DSCALE_MAX */
#define NBIG_MAX_RESULT_SCALE 1000 /* NUMERIC_MAX_DISPLAY_SCALE / NUMERIC_MAX_SCALE */

/* Internal status of the 128-bit paths: the exact result needs the big form. */
#define NUMERIC_NEED_BIG 1

/* Text: s[0..len) without surrounding space; neg already split off. */
int nbig_from_digits(bool neg, const char *s, size_t len, Numeric *out, Err *err);
size_t nbig_to_text(Numeric v, char *buf, size_t cap);

int nbig_add(Numeric a, Numeric b, bool negate_b, Numeric *out, Err *err);
int nbig_mul(Numeric a, Numeric b, Numeric *out, Err *err);
/* PG's select_div_scale, uncapped below 1000. */
int nbig_div_scale(Numeric a, Numeric b);
/* a / b at rscale: rounded half away from zero, or truncated. b ≠ 0. */
int nbig_div(Numeric a, Numeric b, int rscale, bool trunc, Numeric *out, Err *err);
int nbig_mod(Numeric a, Numeric b, Numeric *out, Err *err);
int nbig_cmp(Numeric a, Numeric b);
int nbig_sign(Numeric a);
Numeric nbig_neg(Numeric a);
u64 nbig_hash(Numeric a);
Numeric nbig_trim(Numeric a);
/* mode: 0 round half away, 1 trunc, 2 ceil, 3 floor; result scale max(s, 0). */
int nbig_round(Numeric a, int s, int mode, Numeric *out, Err *err);
int nbig_typmod(Numeric a, int precision, int scale, Numeric *out, Err *err);
int nbig_sqrt(Numeric a, Numeric *out, Err *err);
void nbig_release(Numeric v);
/* Decimal exponent of the leading digit (0 for zero) and the scale. */
int nbig_lead_exp(Numeric a);
int nbig_scale(Numeric a);
/* PG's base-10000 weight and leading base-10000 digit of |a|. */
void nbig_nbase_lead(Numeric a, int *weight, int *first);

#endif
