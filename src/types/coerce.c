/*
 * src/types/coerce.c — implicit, assignment and explicit cast rules.
 *
 * Numeric types widen along smallint → integer → bigint → numeric → real →
 * double precision, as in PostgreSQL; date widens to timestamp and
 * timestamptz.  Text never converts implicitly except from untyped literals.
 * An array casts (by assignment or explicitly) to another array type when
 * its element type does.
 */
#include "types/coerce.h"

static int numeric_rank(TypeId id)
{
    switch (id) {
    case TYPE_INT16: return 1;
    case TYPE_INT32: return 2;
    case TYPE_INT64: return 3;
    case TYPE_NUMERIC: return 4;
    case TYPE_FLOAT32: return 5;
    case TYPE_FLOAT64: return 6;
    default: return 0;
    }
}

int coerce_cost(LType from, LType to, bool from_unknown)
{
    if (from.id == to.id) {
        if (from.id == TYPE_LIST && from.elem != to.elem && from.elem != TYPE_NULL) return COERCE_NONE;
        return 0;
    }
    if (from.id == TYPE_NULL) return 1;
    if (from_unknown) return to.id == TYPE_TEXT ? 1 : 2;
    int rf = numeric_rank((TypeId)from.id), rt = numeric_rank((TypeId)to.id);
    if (rf && rt) return rt > rf ? rt - rf : COERCE_NONE;
    if (from.id == TYPE_DATE && to.id == TYPE_TIMESTAMP) return 1;
    if (from.id == TYPE_DATE && to.id == TYPE_TIMESTAMPTZ) return 2;
    if (from.id == TYPE_TIMESTAMP && to.id == TYPE_TIMESTAMPTZ) return 1;
    if (from.id == TYPE_TIME && to.id == TYPE_INTERVAL) return 1;
    return COERCE_NONE;
}

bool coerce_common(LType a, bool au, LType b, bool bu, LType *out)
{
    if (a.id == TYPE_NULL) { *out = b.id == TYPE_NULL ? ltype(TYPE_TEXT) : b; return true; }
    if (b.id == TYPE_NULL) { *out = a; return true; }
    if (au && bu) { *out = ltype(TYPE_TEXT); return true; }
    if (au) { *out = b; return true; }
    if (bu) { *out = a; return true; }
    if (a.id == b.id) {
        *out = a;
        if (a.id == TYPE_NUMERIC && !ltype_eq(a, b)) *out = ltype(TYPE_NUMERIC);
        if (a.id == TYPE_TEXT && !ltype_eq(a, b)) *out = ltype(TYPE_TEXT);
        if (a.id == TYPE_BIT && !ltype_eq(a, b)) out->mod1 = -1; /* PG: bit(1) UNION varbit(3) is bit, any length */
        return true;
    }
    if (coerce_cost(a, b, false) >= 0) { *out = b; if (b.id == TYPE_NUMERIC) *out = ltype(TYPE_NUMERIC); return true; }
    if (coerce_cost(b, a, false) >= 0) { *out = a; if (a.id == TYPE_NUMERIC) *out = ltype(TYPE_NUMERIC); return true; }
    return false;
}

/* Element type of an array for cast rules (untyped elements are text). */
static LType list_elem(LType t) { return ltype(t.elem == TYPE_NULL || t.elem == TYPE_LIST ? TYPE_TEXT : (TypeId)t.elem); }

bool coerce_assign_ok(LType from, LType to)
{
    if (coerce_cost(from, to, false) >= 0) return true;
    /* PG: an array casts to another array type when its elements cast */
    if (from.id == TYPE_LIST && to.id == TYPE_LIST) return coerce_assign_ok(list_elem(from), list_elem(to));
    if (type_is_numeric((TypeId)from.id) && type_is_numeric((TypeId)to.id)) return true;
    if (to.id == TYPE_TEXT) return true; /* PG: any type to text by assignment */
    if (from.id == TYPE_TIMESTAMP && to.id == TYPE_DATE) return true;
    if (from.id == TYPE_TIMESTAMPTZ && (to.id == TYPE_DATE || to.id == TYPE_TIMESTAMP || to.id == TYPE_TIME)) return true;
    if (from.id == TYPE_TIMESTAMP && to.id == TYPE_TIME) return true;
    if (from.id == TYPE_INTERVAL && to.id == TYPE_TIME) return true;
    return false;
}

bool coerce_explicit_ok(LType from, LType to)
{
    if (coerce_assign_ok(from, to)) return true;
    if (from.id == TYPE_LIST && to.id == TYPE_LIST) return coerce_explicit_ok(list_elem(from), list_elem(to));
    if (from.id == TYPE_TEXT || to.id == TYPE_TEXT) return true;
    if (from.id == TYPE_BOOL && to.id == TYPE_INT32) return true;
    if (from.id == TYPE_INT32 && to.id == TYPE_BOOL) return true;
    /* PG: bit <-> integer and bigint */
    if (from.id == TYPE_BIT && from.text_kind == BIT_FIXED && (to.id == TYPE_INT32 || to.id == TYPE_INT64)) return true;
    if ((from.id == TYPE_INT32 || from.id == TYPE_INT64) && to.id == TYPE_BIT && to.text_kind == BIT_FIXED) return true;
    return false;
}
