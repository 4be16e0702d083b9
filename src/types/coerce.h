/*
 * src/types/coerce.h — PostgreSQL's implicit-coercion rules between types.
 *
 * coerce_cost() says whether a value of `from` may be converted to `to`
 * implicitly and how much the conversion costs when choosing among function
 * overloads (lower is better).  coerce_common() picks the type both sides of a
 * UNION, CASE or comparison are converted to.
 */
#ifndef MDB_COERCE_H
#define MDB_COERCE_H

#include "types/types.h"

#define COERCE_NONE (-1)
/* Cost of an implicit cast; COERCE_NONE when none exists.  `from_unknown` is
 * true for untyped literals ('…' and NULL), which convert to anything. */
int coerce_cost(LType from, LType to, bool from_unknown);
/* Common supertype for a set of types, or false when none exists. */
bool coerce_common(LType a, bool a_unknown, LType b, bool b_unknown, LType *out);
/* Explicit casts (CAST / ::) allowed between the two types. */
bool coerce_explicit_ok(LType from, LType to);
/* Assignment casts (INSERT/UPDATE) allowed. */
bool coerce_assign_ok(LType from, LType to);

#endif
