/*
 * src/binder/bind_expr.c — binding of expressions: names, literals, operators,
 * functions, casts, CASE/COALESCE, subqueries and aggregates.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "binder/binder.h"
#include "common/strbuf.h"
#include "types/coerce.h"
#include "types/numeric.h"

#define POS(loc) ((loc) >= 0 ? (loc) + 1 : 0)

static const char *node_str(PgQuery__Node *n)
{
    return n && n->node_case == PG_QUERY__NODE__NODE_STRING ? n->string->sval : NULL;
}

u32 binder_new_table_index(Binder *b) { return b->shared->next_table_index++; }

void binder_init(Binder *b, Arena *a, Catalog *cat, Settings *s, Err *err, BindShared *shared, Binder *parent)
{
    memset(b, 0, sizeof(*b));
    b->arena = a;
    b->cat = cat;
    b->settings = s;
    b->err = err;
    b->shared = shared;
    b->parent = parent;
    if (parent) b->ctes = parent->ctes;
}

void scope_add(Binder *b, ScopeEntry *e)
{
    Scope *s = &b->scope;
    if (s->n == s->cap) {
        int cap = s->cap ? s->cap * 2 : 8;
        ScopeEntry **ne = arena_alloc(b->arena, sizeof(ScopeEntry *) * (size_t)cap);
        if (s->n) memcpy(ne, s->entries, sizeof(ScopeEntry *) * (size_t)s->n);
        s->entries = ne;
        s->cap = cap;
    }
    s->entries[s->n++] = e;
}

ScopeEntry *scope_entry_for_table(Binder *b, TableDef *t, const char *alias, u32 table_index)
{
    ScopeEntry *e = arena_zalloc(b->arena, sizeof(ScopeEntry));
    e->alias = arena_strdup(b->arena, alias ? alias : t->name);
    e->ncols = t->ncols;
    e->names = arena_alloc(b->arena, sizeof(char *) * (size_t)(t->ncols + 1));
    e->types = arena_alloc(b->arena, sizeof(LType) * (size_t)(t->ncols + 1));
    e->bindings = arena_alloc(b->arena, sizeof(ColBinding) * (size_t)(t->ncols + 1));
    e->hidden = arena_zalloc(b->arena, (size_t)(t->ncols + 1));
    for (int i = 0; i < t->ncols; i++) {
        e->names[i] = t->cols[i].name;
        e->types[i] = t->cols[i].type;
        e->bindings[i] = (ColBinding){table_index, (u32)i};
    }
    e->table = t;
    return e;
}

Expr *expr_new(Arena *a, ExprKind kind, LType type, int location)
{
    Expr *e = arena_zalloc(a, sizeof(Expr));
    e->kind = kind;
    e->type = type;
    e->location = location;
    return e;
}

Expr *expr_const(Arena *a, Value v, int location)
{
    Expr *e = expr_new(a, EXPR_CONST, v.type, location);
    e->u.constant = v;
    return e;
}

Expr *expr_colref(Arena *a, ColBinding bnd, LType t, int depth)
{
    Expr *e = expr_new(a, EXPR_COLREF, t, 0);
    e->u.col.binding = bnd;
    e->u.col.depth = depth;
    e->u.col.index = -1;
    return e;
}

static Expr *mk(Binder *b, ExprKind k, LType t, int loc, int nargs)
{
    Expr *e = expr_new(b->arena, k, t, loc);
    e->nargs = nargs;
    e->args = nargs ? arena_zalloc(b->arena, sizeof(Expr *) * (size_t)nargs) : NULL;
    return e;
}

static bool is_unknown_type(LType t) { return t.id == TYPE_NULL || (t.id == TYPE_TEXT && t.text_kind == TEXT_UNKNOWN); }

/* Untyped literals and parameters whose type is not fixed yet coerce to anything. */
static bool is_unknown_lit(const Expr *e)
{
    return (e->kind == EXPR_CONST || e->kind == EXPR_PARAM) && is_unknown_type(e->type);
}

/* ---- casts ------------------------------------------------------------------ */

/* An untyped literal given a type by a comparison or an IN list: PostgreSQL converts it
 * while parsing, so bad input ('a' for an integer) fails even where the expression is
 * never evaluated (WHERE over an empty table).  The conversion is tried here for the
 * types whose input does not depend on session settings; the cast itself still runs
 * where it did (plan-time folding).  (Not in VALUES lists: INSERT coerces their items to
 * the target columns, not to the common type found first.) */
static int check_literal(Binder *b, const Expr *e, LType to)
{
    if (e->kind != EXPR_CONST || e->u.constant.is_null || e->type.id != TYPE_TEXT || e->type.text_kind != TEXT_UNKNOWN) return MDB_OK_;
    switch ((TypeId)to.id) {
    case TYPE_BOOL: case TYPE_INT16: case TYPE_INT32: case TYPE_INT64: case TYPE_FLOAT32: case TYPE_FLOAT64:
    case TYPE_NUMERIC: case TYPE_UUID: case TYPE_BYTEA: case TYPE_INTERVAL: break;
    default: return MDB_OK_;
    }
    Arena *a = arena_create(NULL);
    Err err = {0};
    FuncCtx fc;
    memset(&fc, 0, sizeof fc);
    fc.err = &err;
    fc.arena = a;
    fc.timezone = "UTC";
    Value out;
    int rc = cast_value(&fc, &e->u.constant, to, &out, a);
    arena_destroy(a);
    if (!rc && !err.is_set) return MDB_OK_;
    if (!err.is_set) return MDB_OK_;
    err_move(b->err, &err);
    err_position(b->err, e->location);
    return MDB_FAIL;
}

int bind_cast(Binder *b, Expr *e, LType to, bool explicit_cast, Expr **out)
{
    if (ltype_eq(e->type, to) && !(to.id == TYPE_TEXT && e->type.text_kind == TEXT_UNKNOWN)) {
        *out = e;
        return MDB_OK_;
    }
    if (e->kind == EXPR_PARAM && is_unknown_type(b->shared->param_types[e->u.param.index])) {
        /* first use fixes the parameter's type */
        b->shared->param_types[e->u.param.index] = to;
        e->type = to;
        *out = e;
        return MDB_OK_;
    }
    if (!explicit_cast && !is_unknown_lit(e) && !coerce_explicit_ok(e->type, to)) {
        char b1[64], b2[64];
        return err_set_pos(b->err, e->location, SQLSTATE_CANNOT_COERCE, "cannot cast type %s to %s",
                           type_name(e->type, b1, sizeof b1), type_name(to, b2, sizeof b2));
    }
    if (explicit_cast && !is_unknown_lit(e) && !coerce_explicit_ok(e->type, to)) {
        char b1[64], b2[64];
        return err_set_pos(b->err, e->location, SQLSTATE_CANNOT_COERCE, "cannot cast type %s to %s",
                           type_name(e->type, b1, sizeof b1), type_name(to, b2, sizeof b2));
    }
    Expr *c = mk(b, EXPR_CAST, to, e->location, 1);
    c->args[0] = e;
    c->u.func.fn = NULL;
    /* explicit flag travels in u.dist.negate (casts have no other payload) */
    c->u.dist.negate = explicit_cast;
    *out = c;
    return MDB_OK_;
}

int bind_coerce_assign(Binder *b, Expr *e, LType to, const char *colname, Expr **out)
{
    if (!is_unknown_lit(e) && !coerce_assign_ok(e->type, to)) {
        char b1[64], b2[64];
        err_set_pos(b->err, e->location, SQLSTATE_DATATYPE_MISMATCH,
                    "column \"%s\" is of type %s but expression is of type %s", colname,
                    type_name(to, b1, sizeof b1), type_name(e->type, b2, sizeof b2));
        err_hint(b->err, "You will need to rewrite or cast the expression.");
        return MDB_FAIL;
    }
    return bind_cast(b, e, to, false, out);
}

/* Casts e to `to` if it is not already of that type (implicit coercion). */
static int coerce_to(Binder *b, Expr *e, LType to, Expr **out)
{
    if (e->type.id == to.id && to.id != TYPE_TEXT && to.id != TYPE_NUMERIC && to.id != TYPE_LIST) {
        *out = e;
        return MDB_OK_;
    }
    if (e->type.id == TYPE_TEXT && to.id == TYPE_TEXT && e->type.text_kind != TEXT_UNKNOWN &&
        !(e->type.text_kind == TEXT_CHAR && to.text_kind != TEXT_CHAR)) {
        /* char(n) → text/varchar goes through a cast: it drops the padding */
        *out = e;
        return MDB_OK_;
    }
    if (e->type.id == TYPE_NUMERIC && to.id == TYPE_NUMERIC && to.mod1 < 0) {
        *out = e;
        return MDB_OK_;
    }
    return bind_cast(b, e, to, false, out);
}

/* ---- types ------------------------------------------------------------------ */

static int typmod_int(PgQuery__Node *n, int *out)
{
    if (n->node_case == PG_QUERY__NODE__NODE_A_CONST && n->a_const->val_case == PG_QUERY__A__CONST__VAL_IVAL) {
        *out = n->a_const->ival->ival;
        return 0;
    }
    return -1;
}

/* INTERVAL 'n' DAY (MONTH, YEAR, …): a bare number in the literal counts units
 * of the qualifier's last field, as in PostgreSQL; the literal gets the unit
 * appended ('90' → '90 day') while it is bound; returns the literal's own
 * string, which the caller puts back, or NULL when nothing was changed.  The typmod is
 * INTERVAL_MASK of the fields (1 << MONTH=1, YEAR=2, DAY=3, HOUR=10,
 * MINUTE=11, SECOND=12); the full range 0x7FFF means no qualifier. */
static char *interval_bare_number(Binder *b, PgQuery__TypeCast *tc)
{
    PgQuery__TypeName *tn = tc->type_name;
    const char *name = tn && tn->n_names ? node_str(tn->names[tn->n_names - 1]) : NULL;
    int mask;
    if (!name || strcmp(name, "interval") != 0 || tn->n_typmods < 1 || typmod_int(tn->typmods[0], &mask)) return NULL;
    if (!tc->arg || tc->arg->node_case != PG_QUERY__NODE__NODE_A_CONST ||
        tc->arg->a_const->val_case != PG_QUERY__A__CONST__VAL_SVAL) return NULL;
    static const struct { int bit; const char *unit; } F[] = {
        {12, "second"}, {11, "minute"}, {10, "hour"}, {3, "day"}, {1, "month"}, {2, "year"},
    };
    const char *unit = NULL;
    if (mask == 0x7FFF) return NULL;
    for (size_t i = 0; i < MDB_ARRAY_LEN(F) && !unit; i++)
        if (mask & (1 << F[i].bit)) unit = F[i].unit;
    if (!unit) return NULL;
    char *s = tc->arg->a_const->sval->sval, *p = s;
    while (*p == ' ') p++;
    if (*p == '+' || *p == '-') p++;
    bool digits = false, dot = false;
    for (; *p; p++) {
        if (*p >= '0' && *p <= '9') digits = true;
        else if (*p == '.' && !dot) dot = true;
        else break;
    }
    while (*p == ' ') p++;
    if (!digits || *p) return NULL;
    tc->arg->a_const->sval->sval = arena_printf(b->arena, "%s %s", s, unit);
    return s;
}

int bind_typename(Binder *b, PgQuery__TypeName *tn, LType *out)
{
    const char *name = NULL;
    for (size_t i = 0; i < tn->n_names; i++) name = node_str(tn->names[i]);
    if (!name) return err_set(b->err, SQLSTATE_UNDEFINED_OBJECT, "invalid type name");
    LType t;
    int m1 = -1, m2 = -1;
    if (tn->n_typmods >= 1 && typmod_int(tn->typmods[0], &m1)) return err_set_pos(b->err, POS(tn->location), SQLSTATE_SYNTAX_ERROR, "type modifiers must be simple constants or identifiers");
    if (tn->n_typmods >= 2 && typmod_int(tn->typmods[1], &m2)) return err_set_pos(b->err, POS(tn->location), SQLSTATE_SYNTAX_ERROR, "type modifiers must be simple constants or identifiers");
    static const struct { const char *n; TypeId id; u8 tk; } MAP[] = {
        {"bool", TYPE_BOOL, 0}, {"boolean", TYPE_BOOL, 0}, {"int2", TYPE_INT16, 0}, {"smallint", TYPE_INT16, 0},
        {"int4", TYPE_INT32, 0}, {"int", TYPE_INT32, 0}, {"integer", TYPE_INT32, 0}, {"int8", TYPE_INT64, 0},
        {"bigint", TYPE_INT64, 0}, {"float4", TYPE_FLOAT32, 0}, {"real", TYPE_FLOAT32, 0},
        {"float8", TYPE_FLOAT64, 0}, {"double precision", TYPE_FLOAT64, 0}, {"float", TYPE_FLOAT64, 0},
        {"numeric", TYPE_NUMERIC, 0}, {"decimal", TYPE_NUMERIC, 0}, {"text", TYPE_TEXT, TEXT_PLAIN},
        {"varchar", TYPE_TEXT, TEXT_VARCHAR}, {"bpchar", TYPE_TEXT, TEXT_CHAR}, {"char", TYPE_TEXT, TEXT_CHAR},
        {"character", TYPE_TEXT, TEXT_CHAR}, {"character varying", TYPE_TEXT, TEXT_VARCHAR},
        {"name", TYPE_TEXT, TEXT_PLAIN}, {"string", TYPE_TEXT, TEXT_PLAIN},
        {"bytea", TYPE_BYTEA, 0}, {"date", TYPE_DATE, 0}, {"time", TYPE_TIME, 0},
        {"timestamp", TYPE_TIMESTAMP, 0}, {"timestamptz", TYPE_TIMESTAMPTZ, 0}, {"interval", TYPE_INTERVAL, 0},
        {"uuid", TYPE_UUID, 0}, {"serial", TYPE_INT32, 0}, {"serial4", TYPE_INT32, 0}, {"bigserial", TYPE_INT64, 0},
        {"serial8", TYPE_INT64, 0}, {"smallserial", TYPE_INT16, 0}, {"serial2", TYPE_INT16, 0},
        {"regclass", TYPE_INT64, 0}, {"oid", TYPE_INT64, 0},
        /* other OID alias types, as numbers (catalog queries of psql and drivers cast to them) */
        {"regtype", TYPE_INT64, 0}, {"regnamespace", TYPE_INT64, 0}, {"regproc", TYPE_INT64, 0},
        {"regprocedure", TYPE_INT64, 0}, {"regrole", TYPE_INT64, 0}, {"regoper", TYPE_INT64, 0},
        {"bit", TYPE_BIT, BIT_FIXED}, {"varbit", TYPE_BIT, BIT_VARYING}, {"bit varying", TYPE_BIT, BIT_VARYING},
    };
    size_t i;
    for (i = 0; i < MDB_ARRAY_LEN(MAP); i++)
        if (strcmp(MAP[i].n, name) == 0) break;
    if (i == MDB_ARRAY_LEN(MAP))
        return err_set_pos(b->err, POS(tn->location), SQLSTATE_UNDEFINED_OBJECT, "type \"%s\" does not exist", name);
    t = ltype(MAP[i].id);
    t.text_kind = MAP[i].tk;
    if (strcmp(name, "float4") == 0 || strcmp(name, "float8") == 0) {
        if (tn->n_typmods == 1 && m1 >= 1 && m1 <= 24) t = ltype(TYPE_FLOAT32);
        else if (tn->n_typmods == 1 && m1 > 53) return err_set_pos(b->err, POS(tn->location), SQLSTATE_INVALID_PARAMETER_VALUE, "precision for type float must be less than 54 bits");
    } else if (t.id == TYPE_NUMERIC) {
        if (tn->n_typmods >= 1) {
            /* PostgreSQL 15's limits: the scale may be negative (rounding to tens, hundreds, …)
             * or larger than the precision (only digits after the point); values still have at
             * most NUMERIC_MAX_PRECISION digits here */
            if (m1 < 1 || m1 > 1000)
                return err_set_pos(b->err, POS(tn->location), SQLSTATE_INVALID_PARAMETER_VALUE,
                                   "NUMERIC precision %d must be between 1 and %d", m1, 1000);
            if (tn->n_typmods < 2) m2 = 0;
            if (m2 < -1000 || m2 > 1000)
                return err_set_pos(b->err, POS(tn->location), SQLSTATE_INVALID_PARAMETER_VALUE,
                                   "NUMERIC scale %d must be between %d and %d", m2, -1000, 1000);
            t.mod1 = m1;
            t.mod2 = m2;
        }
    } else if (t.id == TYPE_BIT) {
        /* PG: bit is bit(1); bit varying without a length has none */
        if (tn->n_typmods >= 1) {
            if (m1 < 1) return err_set_pos(b->err, POS(tn->location), SQLSTATE_INVALID_PARAMETER_VALUE, "length for type %s must be at least 1", t.text_kind == BIT_VARYING ? "varbit" : "bit");
            t.mod1 = m1;
        } else if (t.text_kind == BIT_FIXED) {
            t.mod1 = 1;
        }
    } else if (t.id == TYPE_TEXT && t.text_kind != TEXT_PLAIN) {
        if (tn->n_typmods >= 1) {
            if (m1 < 1) return err_set_pos(b->err, POS(tn->location), SQLSTATE_INVALID_PARAMETER_VALUE, "length for type %s must be at least 1", t.text_kind == TEXT_CHAR ? "char" : "varchar");
            t.mod1 = m1;
        } else if (t.text_kind == TEXT_CHAR) {
            t.mod1 = 1;
        }
    }
    if (tn->n_array_bounds > 0) {
        LType l = ltype(TYPE_LIST);
        l.elem = t.id;
        t = l;
    }
    *out = t;
    return MDB_OK_;
}

/* ---- column references --------------------------------------------------------- */

/* The expressions, at b's level, that give a child binder's correlated
 * references their values: b's own columns, or b's own outer slots for
 * references further out. */
Expr **binder_outer_values(Binder *b, const Binder *sub)
{
    Expr **v = arena_alloc(b->arena, sizeof(Expr *) * (size_t)(sub->nouter + 1));
    for (int i = 0; i < sub->nouter; i++) {
        const OuterRef *o = &sub->outer[i];
        if (o->depth == 1) {
            v[i] = o->expr ? o->expr : expr_colref(b->arena, o->binding, o->type, 0);
        } else {
            v[i] = expr_new(b->arena, EXPR_OUTER, o->type, 0);
            v[i]->u.outer.slot = binder_add_outer(b, o->binding, o->type, o->depth - 1, o->expr);
        }
    }
    return v;
}

int binder_add_outer(Binder *b, ColBinding bnd, LType t, int depth, Expr *resolved)
{
    for (int i = 0; i < b->nouter; i++)
        if (b->outer[i].depth == depth && b->outer[i].binding.table == bnd.table &&
            b->outer[i].binding.column == bnd.column && !resolved && !b->outer[i].expr)
            return i;
    if (b->nouter == b->capouter) {
        int cap = b->capouter ? b->capouter * 2 : 8;
        OuterRef *n = arena_alloc(b->arena, sizeof(OuterRef) * (size_t)cap);
        if (b->nouter) memcpy(n, b->outer, sizeof(OuterRef) * (size_t)b->nouter);
        b->outer = n;
        b->capouter = cap;
    }
    b->outer[b->nouter] = (OuterRef){bnd, t, depth, resolved};
    return b->nouter++;
}

/* Looks `col` up in one binder's scope (qualified by `rel` when not NULL).
 * Returns 1 found, 0 not found, -1 error (ambiguous). */
static int scope_lookup(Binder *b, const char *rel, const char *col, int loc, ColBinding *out, LType *type,
                        Expr **expr)
{
    int found = 0;
    for (int i = 0; i < b->scope.n; i++) {
        ScopeEntry *e = b->scope.entries[i];
        if (rel && (!e->alias || strcmp(e->alias, rel) != 0)) continue;
        if (!rel && !e->alias && 0) continue;
        for (int c = 0; c < e->ncols; c++) {
            if (strcmp(e->names[c], col) != 0) continue;
            if (!rel && e->hidden && e->hidden[c]) continue;
            if (found)
                return err_set_pos(b->err, loc, SQLSTATE_AMBIGUOUS_COLUMN, "column reference \"%s\" is ambiguous", col), -1;
            found = 1;
            *out = e->bindings[c];
            *type = e->types[c];
            *expr = e->exprs ? e->exprs[c] : NULL;
        }
    }
    return found;
}

static bool scope_has_rel(Binder *b, const char *rel)
{
    for (; b; b = b->parent)
        for (int i = 0; i < b->scope.n; i++)
            if (b->scope.entries[i]->alias && strcmp(b->scope.entries[i]->alias, rel) == 0) return true;
    return false;
}

static int bind_colref(Binder *b, PgQuery__ColumnRef *cr, Expr **out)
{
    int loc = POS(cr->location);
    const char *rel = NULL, *col = NULL;
    if (cr->n_fields == 1) {
        col = node_str(cr->fields[0]);
    } else if (cr->n_fields == 2) {
        rel = node_str(cr->fields[0]);
        col = node_str(cr->fields[1]);
    } else if (cr->n_fields == 3) {
        rel = node_str(cr->fields[1]);
        col = node_str(cr->fields[2]);
    }
    if (!col) return err_set_pos(b->err, loc, SQLSTATE_FEATURE_NOT_SUPPORTED, "unsupported column reference");
    int depth = 0;
    for (Binder *s = b; s; s = s->parent, depth++) {
        ColBinding bnd;
        LType t;
        Expr *ex = NULL;
        int r = scope_lookup(s, rel, col, loc, &bnd, &t, &ex);
        if (r < 0) return MDB_FAIL;
        if (r == 0) continue;
        if (depth == 0) {
            *out = ex ? ex : expr_colref(b->arena, bnd, t, 0);
            if (!ex) (*out)->location = loc;
            return MDB_OK_;
        }
        /* correlated: register an outer reference in every binder on the way */
        Expr *e = mk(b, EXPR_OUTER, t, loc, 0);
        e->u.outer.slot = binder_add_outer(b, bnd, t, depth, ex);
        *out = e;
        return MDB_OK_;
    }
    if (rel && !scope_has_rel(b, rel))
        return err_set_pos(b->err, loc, SQLSTATE_UNDEFINED_TABLE, "missing FROM-clause entry for table \"%s\"", rel);
    if (rel) return err_set_pos(b->err, loc, SQLSTATE_UNDEFINED_COLUMN, "column %s.%s does not exist", rel, col);
    return err_set_pos(b->err, loc, SQLSTATE_UNDEFINED_COLUMN, "column \"%s\" does not exist", col);
}

/* ---- literals ---------------------------------------------------------------- */


/* Whether a numeric literal (digits, point, exponent) is exact in our NUMERIC: at most
 * NUMERIC_MAX_SCALE digits after the point and NUMERIC_MAX_PRECISION in all, once the
 * exponent is applied and zeros that carry nothing are dropped. */
static int bind_const(Binder *b, PgQuery__AConst *c, Expr **out)
{
    int loc = POS(c->location);
    Value v;
    memset(&v, 0, sizeof(v));
    if (c->isnull) {
        *out = expr_const(b->arena, value_null(), loc);
        return MDB_OK_;
    }
    switch (c->val_case) {
    case PG_QUERY__A__CONST__VAL_IVAL:
        *out = expr_const(b->arena, value_int(TYPE_INT32, c->ival->ival), loc);
        return MDB_OK_;
    case PG_QUERY__A__CONST__VAL_FVAL: {
        const char *s = c->fval->fval;
        bool integral = strspn(s, "0123456789-+") == strlen(s);
        if (integral) {
            /* an integer too large for int4 (or negated by the grammar): int4 if it
             * fits after all, else int8, else numeric — as PostgreSQL's make_const */
            char *end;
            errno = 0;
            long long x = strtoll(s, &end, 10);
            if (*end == 0 && errno != ERANGE) {
                bool small = x >= INT32_MIN && x <= INT32_MAX;
                *out = expr_const(b->arena, value_int(small ? TYPE_INT32 : TYPE_INT64, x), loc);
                return MDB_OK_;
            }
        }
        /* NUMERIC holds every literal PostgreSQL's does (beyond 35 digits in its big form); past
         * PG's limits both fail with 22003 */
        FuncCtx fc = {.err = b->err, .arena = b->arena};
        if (value_from_text(&fc, s, strlen(s), ltype(TYPE_NUMERIC), &v, b->arena)) {
            err_position(b->err, loc);
            return MDB_FAIL;
        }
        *out = expr_const(b->arena, v, loc);
        return MDB_OK_;
    }
    case PG_QUERY__A__CONST__VAL_BOOLVAL:
        *out = expr_const(b->arena, value_bool(c->boolval->boolval), loc);
        return MDB_OK_;
    case PG_QUERY__A__CONST__VAL_BSVAL: {
        /* B'1010' / X'1F': the grammar gives "b1010" / "x1F"; a bit string of its own length */
        const char *s = c->bsval->bsval;
        FuncCtx fc = {.err = b->err, .arena = b->arena};
        LType bt = ltype(TYPE_BIT);
        if (value_from_text(&fc, s, strlen(s), bt, &v, b->arena)) {
            err_position(b->err, loc);
            return MDB_FAIL;
        }
        *out = expr_const(b->arena, v, loc);
        return MDB_OK_;
    }
    case PG_QUERY__A__CONST__VAL_SVAL:
        v = value_text(b->arena, c->sval->sval, strlen(c->sval->sval));
        v.type.text_kind = TEXT_UNKNOWN;
        *out = expr_const(b->arena, v, loc);
        return MDB_OK_;
    default:
        *out = expr_const(b->arena, value_null(), loc);
        return MDB_OK_;
    }
}

/* ---- operators ----------------------------------------------------------------- */

static int make_func(Binder *b, const char *name, Expr **args, int nargs, int loc, Expr **out)
{
    if (nargs == 1 && !strcmp(name, "pg_typeof")) {
        /* the argument's type is known now; PG's pg_typeof (a regtype,
         * printed as text here) depends on nothing else */
        char tb[80];
        const char *tn = func_pg_type_name(is_unknown_lit(args[0]) ? ltype(TYPE_NULL) : args[0]->type, tb, sizeof tb);
        *out = expr_const(b->arena, value_text(b->arena, tn, strlen(tn)), loc);
        return MDB_OK_;
    }
    LType types[16] = {0}, want[16], ret;
    for (int i = 0; i < nargs; i++) types[i] = args[i]->type;
    const ScalarFunc *fn;
    if (func_lookup_scalar(name, types, nargs, &fn, want, &ret, b->err, loc)) return MDB_FAIL;
    Expr *e = mk(b, EXPR_FUNC, ret, loc, nargs);
    for (int i = 0; i < nargs; i++)
        if (coerce_to(b, args[i], want[i], &e->args[i])) return MDB_FAIL;
    e->u.func.fn = fn;
    *out = e;
    return MDB_OK_;
}

/* Makes both sides of a comparison the same type, as PostgreSQL resolves
 * `a op b` for the built-in comparison operators. */
static int unify(Binder *b, Expr **l, Expr **r, int loc)
{
    LType t;
    if (!coerce_common((*l)->type, is_unknown_lit(*l), (*r)->type, is_unknown_lit(*r), &t)) {
        char b1[64], b2[64];
        return err_set_pos(b->err, loc, SQLSTATE_UNDEFINED_FUNCTION, "operator does not exist: %s = %s",
                           type_name((*l)->type, b1, sizeof b1), type_name((*r)->type, b2, sizeof b2));
    }
    if (t.id == TYPE_TEXT) t = ltype(TYPE_TEXT);
    if (t.id == TYPE_NUMERIC) t = ltype(TYPE_NUMERIC);
    if (coerce_to(b, *l, t, l) || coerce_to(b, *r, t, r)) return MDB_FAIL;
    return MDB_OK_;
}

static bool is_cmp_op(const char *op)
{
    return !strcmp(op, "=") || !strcmp(op, "<>") || !strcmp(op, "!=") || !strcmp(op, "<") || !strcmp(op, ">") ||
           !strcmp(op, "<=") || !strcmp(op, ">=");
}

/* PG has real-with-double operators (float48pl, float48eq, …) and prefers
 * double precision, so real combined with an integer or numeric operand
 * resolves to them: `real + integer` is double precision, and
 * `16777217::real = 16777217` compares in double precision (false). */
static bool real_with_exact(const Expr *l, const Expr *r, const char *op)
{
    static const char *ops[] = {"+", "-", "*", "/", "=", "<>", "<", "<=", ">", ">="};
    bool known = false;
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) known |= !strcmp(op, ops[i]);
    if (!known) return false;
    for (int k = 0; k < 2; k++) {
        const Expr *x = k ? r : l, *y = k ? l : r;
        TypeId t = (TypeId)y->type.id;
        if (x->type.id == TYPE_FLOAT32 && !is_unknown_lit(y) &&
            (t == TYPE_INT16 || t == TYPE_INT32 || t == TYPE_INT64 || t == TYPE_NUMERIC))
            return true;
    }
    return false;
}

int bind_op(Binder *b, const char *op, Expr *l, Expr *r, int loc, Expr **out)
{
    if (!strcmp(op, "!=")) op = "<>";
    if (l && r && real_with_exact(l, r, op) &&
        (bind_cast(b, l, ltype(TYPE_FLOAT64), false, &l) || bind_cast(b, r, ltype(TYPE_FLOAT64), false, &r)))
        return MDB_FAIL;
    if (l && r && (!strcmp(op, "=") || !strcmp(op, "<>")) && (l->type.id == TYPE_LIST || r->type.id == TYPE_LIST) &&
        (l->type.id == TYPE_LIST || is_unknown_lit(l)) && (r->type.id == TYPE_LIST || is_unknown_lit(r))) {
        /* array = array: equal text forms (an untyped literal takes the other side's type) */
        Expr *args[2] = {l, r};
        LType at = l->type.id == TYPE_LIST ? l->type : r->type;
        if (bind_cast(b, l, at, false, &args[0]) || bind_cast(b, r, at, false, &args[1]) || make_func(b, "array_eq_text", args, 2, loc, out))
            return MDB_FAIL;
        if (!strcmp(op, "<>")) {
            Expr *ne = mk(b, EXPR_NOT, ltype(TYPE_BOOL), loc, 1);
            ne->args[0] = *out;
            *out = ne;
        }
        return MDB_OK_;
    }
    if (l && r && is_cmp_op(op)) {
        Expr *l0 = l, *r0 = r;
        if (unify(b, &l, &r, loc)) return MDB_FAIL;
        if (l != l0 && check_literal(b, l0, l->type)) return MDB_FAIL;
        if (r != r0 && check_literal(b, r0, r->type)) return MDB_FAIL;
        Expr *args[2] = {l, r};
        return make_func(b, op, args, 2, loc, out);
    }
    if (l && r) {
        Expr *args[2] = {l, r};
        /* two untyped literals: PostgreSQL resolves them as text */
        return make_func(b, op, args, 2, loc, out);
    }
    Expr *args[1] = {r ? r : l};
    return make_func(b, op, args, 1, loc, out);
}

static int bind_children(Binder *b, PgQuery__Node **nodes, size_t n, Expr ***out)
{
    Expr **a = arena_zalloc(b->arena, sizeof(Expr *) * (n ? n : 1));
    for (size_t i = 0; i < n; i++)
        if (bind_expr(b, nodes[i], &a[i])) return MDB_FAIL;
    *out = a;
    return MDB_OK_;
}

static int bind_bool_arg(Binder *b, Expr *e, const char *ctx, Expr **out)
{
    if (e->type.id == TYPE_BOOL) { *out = e; return MDB_OK_; }
    if (is_unknown_lit(e)) return bind_cast(b, e, ltype(TYPE_BOOL), false, out);
    char tb[64];
    return err_set_pos(b->err, e->location, SQLSTATE_DATATYPE_MISMATCH, "argument of %s must be type boolean, not type %s",
                       ctx, type_name(e->type, tb, sizeof tb));
}

static int bind_in_list(Binder *b, Expr *l, Expr **items, int n, bool negate, int loc, Expr **out)
{
    /* common type of all */
    LType t = l->type;
    bool unk = is_unknown_lit(l);
    for (int i = 0; i < n; i++) {
        LType nt;
        if (!coerce_common(t, unk, items[i]->type, is_unknown_lit(items[i]), &nt)) {
            char b1[64], b2[64];
            return err_set_pos(b->err, items[i]->location, SQLSTATE_DATATYPE_MISMATCH, "IN types %s and %s cannot be matched",
                               type_name(t, b1, sizeof b1), type_name(items[i]->type, b2, sizeof b2));
        }
        unk = unk && is_unknown_lit(items[i]);
        t = nt;
    }
    if (t.id == TYPE_TEXT) t = ltype(TYPE_TEXT);
    if (t.id == TYPE_NUMERIC) t = ltype(TYPE_NUMERIC);
    Expr *e = mk(b, EXPR_IN_LIST, ltype(TYPE_BOOL), loc, n + 1);
    if (coerce_to(b, l, t, &e->args[0])) return MDB_FAIL;
    if (check_literal(b, l, t)) return MDB_FAIL;
    for (int i = 0; i < n; i++)
        if (check_literal(b, items[i], t) || coerce_to(b, items[i], t, &e->args[i + 1])) return MDB_FAIL;
    /* the comparison function for the common type */
    Expr *probe;
    if (bind_op(b, "=", e->args[0], e->args[0], loc, &probe)) return MDB_FAIL;
    e->u.sub.cmp = probe->u.func.fn;
    e->u.sub.negate = negate;
    *out = e;
    return MDB_OK_;
}

static int bind_sublink(Binder *b, PgQuery__SubLink *sl, Expr **out);

/* ---- row constructors in comparisons ------------------------------------------- */

static bool is_row(const PgQuery__Node *n) { return n && n->node_case == PG_QUERY__NODE__NODE_ROW_EXPR; }

static Expr *bool2(Binder *b, ExprKind k, Expr *x, Expr *y, int loc)
{
    Expr *e = mk(b, k, ltype(TYPE_BOOL), loc, 2);
    e->args[0] = x;
    e->args[1] = y;
    return e;
}

/* x IS [NOT] DISTINCT FROM y for two bound scalars. */
static int distinct_expr(Binder *b, Expr *l, Expr *r, bool negate, int loc, Expr **out)
{
    if (unify(b, &l, &r, loc)) return MDB_FAIL;
    Expr *cmp;
    if (bind_op(b, "=", l, r, loc, &cmp)) return MDB_FAIL;
    Expr *e = mk(b, EXPR_DISTINCT_FROM, ltype(TYPE_BOOL), loc, 2);
    e->args[0] = cmp->args[0];
    e->args[1] = cmp->args[1];
    e->u.sub.cmp = cmp->u.func.fn;
    e->u.sub.negate = negate;
    *out = e;
    return MDB_OK_;
}

/* Row comparison (a, b) op (c, d), expanded pairwise as PG defines it:
 * = is the AND of the pairs, <> their OR, < <= > >= compare
 * lexicographically (the first pair that is not equal decides; NULL when
 * that pair has a NULL), IS [NOT] DISTINCT FROM is the OR (AND) of the
 * pairs' tests.  op NULL with `distinct` set means IS [NOT] DISTINCT FROM. */
static int bind_row_cmp(Binder *b, const char *op, int distinct, PgQuery__RowExpr *lr, PgQuery__RowExpr *rr, int loc, Expr **out)
{
    if (lr->n_args != rr->n_args)
        return err_set_pos(b->err, loc, SQLSTATE_SYNTAX_ERROR, "unequal number of entries in row expressions");
    if (lr->n_args == 0) return err_set_pos(b->err, loc, SQLSTATE_FEATURE_NOT_SUPPORTED, "cannot compare rows of zero length");
    int n = (int)lr->n_args;
    Expr **l, **r;
    if (bind_children(b, lr->args, lr->n_args, &l) || bind_children(b, rr->args, rr->n_args, &r)) return MDB_FAIL;
    if (distinct) {
        Expr *acc = NULL;
        for (int i = 0; i < n; i++) {
            Expr *c;
            if (distinct_expr(b, l[i], r[i], distinct < 0, loc, &c)) return MDB_FAIL;
            acc = acc ? bool2(b, distinct < 0 ? EXPR_AND : EXPR_OR, acc, c, loc) : c;
        }
        *out = acc;
        return MDB_OK_;
    }
    if (!strcmp(op, "!=")) op = "<>";
    bool eq = !strcmp(op, "="), ne = !strcmp(op, "<>");
    bool lt = !strcmp(op, "<") || !strcmp(op, "<="), gt = !strcmp(op, ">") || !strcmp(op, ">=");
    if (!eq && !ne && !lt && !gt) {
        Expr *c;
        if (bind_op(b, op, l[0], r[0], loc, &c)) return MDB_FAIL;
        char tb[64];
        return err_set_pos(b->err, loc, SQLSTATE_DATATYPE_MISMATCH, "row comparison operator must yield type boolean, not type %s",
                           type_name(c->type, tb, sizeof tb));
    }
    Expr *acc = NULL;
    for (int i = n - 1; i >= 0; i--) {
        Expr *c;
        if (eq || ne || i == n - 1) {
            if (bind_op(b, op, l[i], r[i], loc, &c)) return MDB_FAIL;
            if (acc) c = bool2(b, eq ? EXPR_AND : EXPR_OR, c, acc, loc);
        } else {
            Expr *strict, *same;
            if (bind_op(b, lt ? "<" : ">", l[i], r[i], loc, &strict) || bind_op(b, "=", l[i], r[i], loc, &same)) return MDB_FAIL;
            c = bool2(b, EXPR_OR, strict, bool2(b, EXPR_AND, same, acc, loc), loc);
        }
        acc = c;
    }
    *out = acc;
    return MDB_OK_;
}

static int bind_aexpr(Binder *b, PgQuery__AExpr *a, Expr **out)
{
    int loc = POS(a->location);
    const char *op = a->n_name ? node_str(a->name[a->n_name - 1]) : NULL;
    Expr *l = NULL, *r = NULL;
    if (a->kind == PG_QUERY__A__EXPR__KIND__AEXPR_OP && is_row(a->lexpr) && is_row(a->rexpr))
        return bind_row_cmp(b, op, 0, a->lexpr->row_expr, a->rexpr->row_expr, loc, out);
    if ((a->kind == PG_QUERY__A__EXPR__KIND__AEXPR_DISTINCT || a->kind == PG_QUERY__A__EXPR__KIND__AEXPR_NOT_DISTINCT) &&
        is_row(a->lexpr) && is_row(a->rexpr))
        return bind_row_cmp(b, NULL, a->kind == PG_QUERY__A__EXPR__KIND__AEXPR_DISTINCT ? 1 : -1, a->lexpr->row_expr,
                            a->rexpr->row_expr, loc, out);
    if (a->kind == PG_QUERY__A__EXPR__KIND__AEXPR_IN && is_row(a->lexpr)) {
        /* (a, b) [NOT] IN ((1, 2), (3, 4)): the OR of row equalities */
        PgQuery__List *lst = a->rexpr->list;
        Expr *acc = NULL;
        for (size_t i = 0; i < lst->n_items; i++) {
            if (!is_row(lst->items[i]))
                return err_set_pos(b->err, loc, SQLSTATE_UNDEFINED_FUNCTION, "operator does not exist: record = %s",
                                   "a value that is not a row");
            Expr *c;
            if (bind_row_cmp(b, "=", 0, a->lexpr->row_expr, lst->items[i]->row_expr, loc, &c)) return MDB_FAIL;
            acc = acc ? bool2(b, EXPR_OR, acc, c, loc) : c;
        }
        if (!strcmp(op, "<>")) {
            Expr *e = mk(b, EXPR_NOT, ltype(TYPE_BOOL), loc, 1);
            e->args[0] = acc;
            acc = e;
        }
        *out = acc;
        return MDB_OK_;
    }
    switch (a->kind) {
    case PG_QUERY__A__EXPR__KIND__AEXPR_OP:
        if (a->lexpr && bind_expr(b, a->lexpr, &l)) return MDB_FAIL;
        if (a->rexpr && bind_expr(b, a->rexpr, &r)) return MDB_FAIL;
        if (!l && r && !strcmp(op, "-") && r->kind == EXPR_CONST && !r->u.constant.is_null) {
            /* fold negative literals so that -2147483648 stays an integer */
            Value v = r->u.constant;
            if (v.type.id == TYPE_INT64 && v.u.i == (i64)2147483648LL) {
                *out = expr_const(b->arena, value_int(TYPE_INT32, INT32_MIN), loc);
                return MDB_OK_;
            }
        }
        return bind_op(b, op, l, r, loc, out);
    case PG_QUERY__A__EXPR__KIND__AEXPR_OP_ANY:
    case PG_QUERY__A__EXPR__KIND__AEXPR_OP_ALL: {
        if (bind_expr(b, a->lexpr, &l)) return MDB_FAIL;
        PgQuery__Node *rn = a->rexpr;
        if (rn->node_case == PG_QUERY__NODE__NODE_A_ARRAY_EXPR) {
            Expr **items;
            PgQuery__AArrayExpr *ae = rn->a_array_expr;
            if (bind_children(b, ae->elements, ae->n_elements, &items)) return MDB_FAIL;
            if (!strcmp(op, "=") && a->kind == PG_QUERY__A__EXPR__KIND__AEXPR_OP_ANY)
                return bind_in_list(b, l, items, (int)ae->n_elements, false, loc, out);
            if (!strcmp(op, "<>") && a->kind == PG_QUERY__A__EXPR__KIND__AEXPR_OP_ALL)
                return bind_in_list(b, l, items, (int)ae->n_elements, true, loc, out);
            /* general: OR / AND of comparisons */
            bool any = a->kind == PG_QUERY__A__EXPR__KIND__AEXPR_OP_ANY;
            Expr *acc = NULL;
            for (size_t i = 0; i < ae->n_elements; i++) {
                Expr *c;
                if (bind_op(b, op, l, items[i], loc, &c)) return MDB_FAIL;
                if (!acc) acc = c;
                else {
                    Expr *j = mk(b, any ? EXPR_OR : EXPR_AND, ltype(TYPE_BOOL), loc, 2);
                    j->args[0] = acc;
                    j->args[1] = c;
                    acc = j;
                }
            }
            if (!acc) acc = expr_const(b->arena, value_bool(!any), loc);
            *out = acc;
            return MDB_OK_;
        }
        if ((!strcmp(op, "=") && a->kind == PG_QUERY__A__EXPR__KIND__AEXPR_OP_ANY) ||
            (!strcmp(op, "<>") && a->kind == PG_QUERY__A__EXPR__KIND__AEXPR_OP_ALL)) {
            /* x = ANY(array value), x <> ALL(array value): element text forms compared with x's
             * (catalog queries such as psql's use them on acl and option arrays) */
            Expr *args[2];
            if (bind_expr(b, rn, &args[1])) return MDB_FAIL;
            if (args[1]->type.id == TYPE_LIST) {
                Expr *e;
                if (bind_cast(b, l, ltype(TYPE_TEXT), true, &args[0]) || make_func(b, "array_any_eq_text", args, 2, loc, &e)) return MDB_FAIL;
                if (a->kind == PG_QUERY__A__EXPR__KIND__AEXPR_OP_ALL) {
                    Expr *ne = mk(b, EXPR_NOT, ltype(TYPE_BOOL), loc, 1);
                    ne->args[0] = e;
                    e = ne;
                }
                *out = e;
                return MDB_OK_;
            }
        }
        return err_set_pos(b->err, loc, SQLSTATE_FEATURE_NOT_SUPPORTED, "op ANY/ALL (array) is not supported for this argument");
    }
    case PG_QUERY__A__EXPR__KIND__AEXPR_DISTINCT:
    case PG_QUERY__A__EXPR__KIND__AEXPR_NOT_DISTINCT: {
        if (bind_expr(b, a->lexpr, &l) || bind_expr(b, a->rexpr, &r)) return MDB_FAIL;
        if (unify(b, &l, &r, loc)) return MDB_FAIL;
        Expr *cmp;
        if (bind_op(b, "=", l, r, loc, &cmp)) return MDB_FAIL;
        Expr *e = mk(b, EXPR_DISTINCT_FROM, ltype(TYPE_BOOL), loc, 2);
        e->args[0] = cmp->args[0];
        e->args[1] = cmp->args[1];
        e->u.sub.cmp = cmp->u.func.fn;
        e->u.sub.negate = a->kind == PG_QUERY__A__EXPR__KIND__AEXPR_NOT_DISTINCT;
        *out = e;
        return MDB_OK_;
    }
    case PG_QUERY__A__EXPR__KIND__AEXPR_NULLIF: {
        if (bind_expr(b, a->lexpr, &l) || bind_expr(b, a->rexpr, &r)) return MDB_FAIL;
        Expr *cmp;
        if (bind_op(b, "=", l, r, loc, &cmp)) return MDB_FAIL;
        Expr *e = mk(b, EXPR_NULLIF, cmp->args[0]->type, loc, 2);
        e->args[0] = cmp->args[0];
        e->args[1] = cmp->args[1];
        e->u.sub.cmp = cmp->u.func.fn;
        if (is_unknown_lit(e->args[0])) e->type = ltype(TYPE_TEXT);
        *out = e;
        return MDB_OK_;
    }
    case PG_QUERY__A__EXPR__KIND__AEXPR_IN: {
        if (bind_expr(b, a->lexpr, &l)) return MDB_FAIL;
        PgQuery__List *lst = a->rexpr->list;
        Expr **items;
        if (bind_children(b, lst->items, lst->n_items, &items)) return MDB_FAIL;
        return bind_in_list(b, l, items, (int)lst->n_items, !strcmp(op, "<>"), loc, out);
    }
    case PG_QUERY__A__EXPR__KIND__AEXPR_LIKE:
    case PG_QUERY__A__EXPR__KIND__AEXPR_ILIKE:
    case PG_QUERY__A__EXPR__KIND__AEXPR_SIMILAR: {
        if (bind_expr(b, a->lexpr, &l) || bind_expr(b, a->rexpr, &r)) return MDB_FAIL;
        const char *fname = op;
        if (a->kind == PG_QUERY__A__EXPR__KIND__AEXPR_SIMILAR) fname = !strcmp(op, "~") ? "similar_to" : "not_similar_to";
        else if (!strcmp(op, "~~")) fname = "like";
        else if (!strcmp(op, "!~~")) fname = "not_like";
        else if (!strcmp(op, "~~*")) fname = "ilike";
        else if (!strcmp(op, "!~~*")) fname = "not_ilike";
        /* the grammar wraps a SIMILAR TO pattern in similar_to_escape(pattern [, escape]);
         * similar_to translates the pattern itself, so unwrap it */
        if (a->kind == PG_QUERY__A__EXPR__KIND__AEXPR_SIMILAR && r->kind == EXPR_FUNC && r->u.func.fn &&
            (!strcmp(r->u.func.fn->name, "similar_to_escape") || !strcmp(r->u.func.fn->name, "similar_escape"))) {
            if (r->nargs == 2) {
                Expr *args3[3] = {l, r->args[0], r->args[1]};
                return make_func(b, fname, args3, 3, loc, out);
            }
            r = r->args[0];
        }
        Expr *args[2] = {l, r};
        return make_func(b, fname, args, 2, loc, out);
    }
    case PG_QUERY__A__EXPR__KIND__AEXPR_BETWEEN:
    case PG_QUERY__A__EXPR__KIND__AEXPR_NOT_BETWEEN:
    case PG_QUERY__A__EXPR__KIND__AEXPR_BETWEEN_SYM:
    case PG_QUERY__A__EXPR__KIND__AEXPR_NOT_BETWEEN_SYM: {
        PgQuery__List *lst = a->rexpr->list;
        Expr *lo, *hi, *c1, *c2;
        if (bind_expr(b, a->lexpr, &l) || bind_expr(b, lst->items[0], &lo) || bind_expr(b, lst->items[1], &hi))
            return MDB_FAIL;
        bool neg = a->kind == PG_QUERY__A__EXPR__KIND__AEXPR_NOT_BETWEEN || a->kind == PG_QUERY__A__EXPR__KIND__AEXPR_NOT_BETWEEN_SYM;
        bool sym = a->kind == PG_QUERY__A__EXPR__KIND__AEXPR_BETWEEN_SYM || a->kind == PG_QUERY__A__EXPR__KIND__AEXPR_NOT_BETWEEN_SYM;
        if (bind_op(b, neg ? "<" : ">=", l, lo, loc, &c1) || bind_op(b, neg ? ">" : "<=", l, hi, loc, &c2)) return MDB_FAIL;
        Expr *e = mk(b, neg ? EXPR_OR : EXPR_AND, ltype(TYPE_BOOL), loc, 2);
        e->args[0] = c1;
        e->args[1] = c2;
        if (sym) {
            Expr *d1, *d2;
            if (bind_op(b, neg ? "<" : ">=", l, hi, loc, &d1) || bind_op(b, neg ? ">" : "<=", l, lo, loc, &d2)) return MDB_FAIL;
            Expr *e2 = mk(b, neg ? EXPR_OR : EXPR_AND, ltype(TYPE_BOOL), loc, 2);
            e2->args[0] = d1;
            e2->args[1] = d2;
            Expr *o = mk(b, neg ? EXPR_AND : EXPR_OR, ltype(TYPE_BOOL), loc, 2);
            o->args[0] = e;
            o->args[1] = e2;
            e = o;
        }
        *out = e;
        return MDB_OK_;
    }
    default:
        return err_set_pos(b->err, loc, SQLSTATE_FEATURE_NOT_SUPPORTED, "unsupported expression");
    }
}

/* ---- CASE / COALESCE / GREATEST ------------------------------------------------- */

static int common_type(Binder *b, Expr **items, int n, const char *ctx, LType *out)
{
    LType t = ltype(TYPE_NULL);
    bool unk = true;
    for (int i = 0; i < n; i++) {
        LType nt;
        if (!coerce_common(t, unk, items[i]->type, is_unknown_lit(items[i]), &nt)) {
            char b1[64], b2[64];
            return err_set_pos(b->err, items[i]->location, SQLSTATE_DATATYPE_MISMATCH, "%s types %s and %s cannot be matched", ctx,
                               type_name(t, b1, sizeof b1), type_name(items[i]->type, b2, sizeof b2));
        }
        unk = unk && is_unknown_lit(items[i]);
        t = nt;
    }
    if (t.id == TYPE_NULL || (t.id == TYPE_TEXT)) t = ltype(TYPE_TEXT), t.id = t.id;
    if (t.id == TYPE_NUMERIC) t = ltype(TYPE_NUMERIC);
    bool all_null = true;
    for (int i = 0; i < n; i++) all_null = all_null && items[i]->type.id == TYPE_NULL;
    if (all_null) t = ltype(TYPE_TEXT);
    *out = t;
    return MDB_OK_;
}

static int bind_case_inner(Binder *b, PgQuery__CaseExpr *c, Expr **out);

static int bind_case(Binder *b, PgQuery__CaseExpr *c, Expr **out)
{
    const char *saved = b->srf_block;
    b->srf_block = "CASE";
    int rc = bind_case_inner(b, c, out);
    b->srf_block = saved;
    return rc;
}

static int bind_case_inner(Binder *b, PgQuery__CaseExpr *c, Expr **out)
{
    int loc = POS(c->location);
    int n = (int)c->n_args;
    Expr *arg = NULL;
    if (c->arg && bind_expr(b, c->arg, &arg)) return MDB_FAIL;
    Expr **conds = arena_alloc(b->arena, sizeof(Expr *) * (size_t)n);
    Expr **res = arena_alloc(b->arena, sizeof(Expr *) * (size_t)(n + 1));
    for (int i = 0; i < n; i++) {
        PgQuery__CaseWhen *w = c->args[i]->case_when;
        Expr *cond;
        if (bind_expr(b, w->expr, &cond)) return MDB_FAIL;
        if (arg) {
            if (bind_op(b, "=", arg, cond, POS(w->location), &cond)) return MDB_FAIL;
        } else if (bind_bool_arg(b, cond, "CASE/WHEN", &cond)) return MDB_FAIL;
        conds[i] = cond;
        if (bind_expr(b, w->result, &res[i])) return MDB_FAIL;
    }
    int nres = n;
    if (c->defresult) {
        if (bind_expr(b, c->defresult, &res[nres])) return MDB_FAIL;
        nres++;
    }
    LType t;
    if (common_type(b, res, nres, "CASE", &t)) return MDB_FAIL;
    Expr *e = mk(b, EXPR_CASE, t, loc, 2 * n + (c->defresult ? 1 : 0));
    for (int i = 0; i < n; i++) {
        e->args[2 * i] = conds[i];
        if (coerce_to(b, res[i], t, &e->args[2 * i + 1])) return MDB_FAIL;
    }
    if (c->defresult && coerce_to(b, res[n], t, &e->args[2 * n])) return MDB_FAIL;
    *out = e;
    return MDB_OK_;
}

static int bind_variadic_same(Binder *b, ExprKind k, PgQuery__Node **args, size_t n, int loc, const char *ctx, Expr **out)
{
    Expr **items;
    const char *saved = b->srf_block;
    if (k == EXPR_COALESCE) b->srf_block = "COALESCE";
    int rc = bind_children(b, args, n, &items);
    b->srf_block = saved;
    if (rc) return MDB_FAIL;
    LType t;
    if (common_type(b, items, (int)n, ctx, &t)) return MDB_FAIL;
    Expr *e = mk(b, k, t, loc, (int)n);
    for (size_t i = 0; i < n; i++)
        if (coerce_to(b, items[i], t, &e->args[i])) return MDB_FAIL;
    if (k == EXPR_GREATEST || k == EXPR_LEAST) {
        Expr *probe;
        if (bind_op(b, "<", e->args[0], e->args[0], loc, &probe)) return MDB_FAIL;
        e->u.sub.cmp = probe->u.func.fn;
    }
    *out = e;
    return MDB_OK_;
}

/* ---- functions ------------------------------------------------------------------ */

static int bind_window_call(Binder *b, PgQuery__FuncCall *f, const char *name, Expr **args, int nargs, Expr **out);

static int bind_agg_call(Binder *b, PgQuery__FuncCall *f, const char *name, Expr **out)
{
    int loc = POS(f->location);
    if (!b->agg_allowed)
        return err_set_pos(b->err, loc, SQLSTATE_GROUPING_ERROR, "aggregate functions are not allowed in %s",
                           b->clause ? b->clause : "this context");
    if (b->in_agg_arg)
        return err_set_pos(b->err, loc, SQLSTATE_GROUPING_ERROR, "aggregate function calls cannot be nested");
    b->in_agg_arg = true;
    Expr **args = NULL;
    int nargs = f->agg_star ? 0 : (int)f->n_args;
    if (!f->agg_star && bind_children(b, f->args, f->n_args, &args)) return MDB_FAIL;
    Expr *filter = NULL;
    if (f->agg_filter) {
        if (bind_expr(b, f->agg_filter, &filter)) return MDB_FAIL;
        if (bind_bool_arg(b, filter, "FILTER", &filter)) return MDB_FAIL;
    }
    b->in_agg_arg = false;
    const char *aname = name;
    if (!strcmp(name, "count") && f->agg_star) aname = "count_star";
    LType types[4], want[4], ret;
    for (int i = 0; i < nargs && i < 4; i++) types[i] = args[i]->type;
    const AggFunc *fn;
    if (nargs > 4) return err_set_pos(b->err, loc, SQLSTATE_UNDEFINED_FUNCTION, "function %s does not exist", name);
    if (func_lookup_agg(aname, types, nargs, &fn, want, &ret, b->err, loc)) return MDB_FAIL;
    Expr *e = mk(b, EXPR_AGGREF, ret, loc, nargs);
    for (int i = 0; i < nargs; i++)
        if (coerce_to(b, args[i], want[i], &e->args[i])) return MDB_FAIL;
    e->u.agg.fn = fn;
    e->u.agg.distinct = f->agg_distinct;
    e->u.agg.star = f->agg_star;
    e->u.agg.filter = filter;
    e->u.agg.arg_type = nargs ? want[0] : ltype(TYPE_NULL);
    if (f->n_agg_order) {
        /* ORDER BY inside the aggregate (string_agg/array_agg): kept as extra args */
        Expr **ord = arena_alloc(b->arena, sizeof(Expr *) * f->n_agg_order * 2);
        for (size_t i = 0; i < f->n_agg_order; i++) {
            PgQuery__SortBy *sb = f->agg_order[i]->sort_by;
            b->in_agg_arg = true;
            if (bind_expr(b, sb->node, &ord[i])) return MDB_FAIL;
            b->in_agg_arg = false;
            /* bit 0: DESC, bit 1: NULLS FIRST (PostgreSQL's default: with DESC) */
            bool desc = sb->sortby_dir == PG_QUERY__SORT_BY_DIR__SORTBY_DESC;
            bool nf = sb->sortby_nulls == PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_FIRST ||
                      (desc && sb->sortby_nulls != PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_LAST);
            ord[f->n_agg_order + i] = expr_const(b->arena, value_int(TYPE_INT32, (desc ? 1 : 0) | (nf ? 2 : 0)), 0);
        }
        Expr **all = arena_alloc(b->arena, sizeof(Expr *) * (size_t)(nargs + 2 * (int)f->n_agg_order));
        memcpy(all, e->args, sizeof(Expr *) * (size_t)nargs);
        memcpy(all + nargs, ord, sizeof(Expr *) * f->n_agg_order * 2);
        e->args = all;
        e->nargs = nargs + 2 * (int)f->n_agg_order;
        e->u.agg.nargs_order = (int)f->n_agg_order;
    }
    /* register with the enclosing SELECT */
    if (b->naggs == b->capaggs) {
        int cap = b->capaggs ? b->capaggs * 2 : 8;
        Expr **na = arena_alloc(b->arena, sizeof(Expr *) * (size_t)cap);
        if (b->naggs) memcpy(na, b->aggs, sizeof(Expr *) * (size_t)b->naggs);
        b->aggs = na;
        b->capaggs = cap;
    }
    /* equal aggregates are computed once, unless they call a volatile
     * function: sum(random()) twice is two sums */
    int idx = -1;
    for (int i = 0; i < b->naggs && !expr_has_volatile(e); i++)
        if (expr_equal(b->aggs[i], e)) idx = i;
    if (idx < 0) {
        idx = b->naggs;
        b->aggs[b->naggs++] = e;
    }
    Expr *ref = expr_colref(b->arena, (ColBinding){b->agg_index, (u32)idx}, ret, 0);
    ref->location = loc;
    *out = ref;
    return MDB_OK_;
}

static int srf_level(const Binder *b, const Expr *e)
{
    int lv = 0;
    if (e->kind == EXPR_COLREF && e->u.col.depth == 0 && e->u.col.binding.table == b->srf_index && b->nsrfs)
        lv = b->srfs[e->u.col.binding.column].level;
    for (int i = 0; i < e->nargs; i++)
        if (e->args[i]) lv = MDB_MAX(lv, srf_level(b, e->args[i]));
    return lv;
}

/* A set-returning function call in an expression (PG 10+ semantics): allowed
 * in the select list and ORDER BY only, not inside CASE, COALESCE, aggregate
 * or window calls.  It becomes a reference (srf_index, i); bind_select_core
 * runs the calls of one nesting level in lockstep after grouping and
 * windows, so `generate_series(1, 3) + 1` adds to each row's value. */
static int srf_check(Binder *b, int loc)
{
    const char *hint = "You might be able to move the set-returning function into a LATERAL FROM item.";
    if (b->in_agg_arg) {
        err_set_pos(b->err, loc, SQLSTATE_FEATURE_NOT_SUPPORTED, "aggregate function calls cannot contain set-returning function calls");
        err_hint(b->err, "%s", hint);
        return MDB_FAIL;
    }
    if (b->in_win_arg) {
        err_set_pos(b->err, loc, SQLSTATE_FEATURE_NOT_SUPPORTED, "window function calls cannot contain set-returning function calls");
        err_hint(b->err, "%s", hint);
        return MDB_FAIL;
    }
    if (b->srf_block) {
        err_set_pos(b->err, loc, SQLSTATE_FEATURE_NOT_SUPPORTED, "set-returning functions are not allowed in %s", b->srf_block);
        err_hint(b->err, "%s", hint);
        return MDB_FAIL;
    }
    if (!b->srf_allowed)
        return err_set_pos(b->err, loc, SQLSTATE_FEATURE_NOT_SUPPORTED, "set-returning functions are not allowed in %s",
                           b->clause ? b->clause : "this context");
    return MDB_OK_;
}

/* Registers the call name(args) of a set-returning function (allowed here: srf_check) and
 * returns the reference to its value. */
static int srf_register(Binder *b, const char *name, Expr **args, int nargs, int loc, Expr **out)
{
    SrfCall c = {0};
    c.nargs = nargs;
    c.args = args;
    if (!strcmp(name, "unnest") && c.nargs > 1) {
        /* unnest of several arrays exists only in FROM (PG: no such function elsewhere) */
        char sig[256] = "", tb[64];
        for (int i = 0; i < c.nargs; i++)
            snprintf(sig + strlen(sig), sizeof sig - strlen(sig), "%s%s", i ? ", " : "", type_name(args[i]->type, tb, sizeof tb));
        err_set_pos(b->err, loc, SQLSTATE_UNDEFINED_FUNCTION, "function unnest(%s) does not exist", sig);
        err_hint(b->err, "unnest with several arrays is allowed only in FROM.");
        return MDB_FAIL;
    }
    if (bind_srf_call(b, name, args, c.nargs, loc, &c.func, &c.type)) return MDB_FAIL;
    c.level = 1;
    for (int i = 0; i < c.nargs; i++) c.level = MDB_MAX(c.level, srf_level(b, args[i]) + 1);
    if (b->nsrfs == b->capsrfs) {
        int cap = b->capsrfs ? b->capsrfs * 2 : 4;
        SrfCall *n = arena_alloc(b->arena, sizeof(SrfCall) * (size_t)cap);
        if (b->nsrfs) memcpy(n, b->srfs, sizeof(SrfCall) * (size_t)b->nsrfs);
        b->srfs = n;
        b->capsrfs = cap;
    }
    b->srfs[b->nsrfs] = c;
    Expr *ref = expr_colref(b->arena, (ColBinding){b->srf_index, (u32)b->nsrfs}, c.type, 0);
    ref->location = loc;
    b->nsrfs++;
    *out = ref;
    return MDB_OK_;
}

static int bind_srf_ref(Binder *b, PgQuery__FuncCall *f, const char *name, Expr **out)
{
    int loc = POS(f->location);
    Expr **args;
    if (srf_check(b, loc) || bind_children(b, f->args, f->n_args, &args)) return MDB_FAIL;
    return srf_register(b, name, args, (int)f->n_args, loc, out);
}

/* LType.pad of a TYPE_LIST that holds a record of _pg_expandarray (with x's TypeId below it) */
#define LTYPE_RECORD_EXPANDARRAY 0x80

/* information_schema._pg_expandarray(arr), as pgjdbc's catalog queries use it (getPrimaryKeys,
 * getIndexInfo): a set of records (x, n), one per element, x the element and n its 1-based
 * position.  There are no composite types yet, so the record is a two-element text array
 * {x, n} whose type carries LTYPE_RECORD_EXPANDARRAY and x's type in `pad`; (r).x and (r).n
 * (bind_field_select) read the fields back with their types.  The two halves are unnest(arr)
 * and generate_series(1, array_upper(arr, 1)), which run in lockstep. */
static int bind_expandarray(Binder *b, PgQuery__FuncCall *f, Expr **out)
{
    int loc = POS(f->location);
    if (f->n_args != 1 || f->agg_star || f->agg_distinct || f->n_agg_order || f->agg_filter)
        return err_set_pos(b->err, loc, SQLSTATE_UNDEFINED_FUNCTION, "function information_schema._pg_expandarray with %d arguments does not exist",
                           (int)f->n_args);
    Expr *arr;
    if (srf_check(b, loc) || bind_expr(b, f->args[0], &arr)) return MDB_FAIL;
    if (arr->type.id == TYPE_TEXT) {
        /* int2vector columns (pg_index.indkey) are their text form here: "2 1" */
        Expr *sa[2] = {arr, expr_const(b->arena, value_text(b->arena, " ", 1), loc)}, *split;
        LType i2 = ltype(TYPE_LIST);
        i2.elem = TYPE_INT16;
        if (make_func(b, "string_to_array", sa, 2, loc, &split) || bind_cast(b, split, i2, true, &arr)) return MDB_FAIL;
    }
    if (arr->type.id != TYPE_LIST) {
        char tb[64];
        return err_set_pos(b->err, loc, SQLSTATE_UNDEFINED_FUNCTION, "function information_schema._pg_expandarray(%s) does not exist",
                           type_name(arr->type, tb, sizeof tb));
    }
    Expr **ua = arena_alloc(b->arena, sizeof(Expr *)), **ga = arena_alloc(b->arena, sizeof(Expr *) * 2), *ub[2], *x, *n, *e;
    ua[0] = arr;
    ub[0] = expr_copy(b->arena, arr);
    ub[1] = expr_const(b->arena, value_int(TYPE_INT64, 1), loc);
    ga[0] = expr_const(b->arena, value_int(TYPE_INT32, 1), loc);
    if (make_func(b, "array_upper", ub, 2, loc, &ga[1])) return MDB_FAIL;
    if (srf_register(b, "unnest", ua, 1, loc, &x) || srf_register(b, "generate_series", ga, 2, loc, &n)) return MDB_FAIL;
    LType lt = ltype(TYPE_LIST);
    lt.elem = TYPE_TEXT;
    lt.pad = (u8)(LTYPE_RECORD_EXPANDARRAY | (arr->type.elem ? arr->type.elem : TYPE_TEXT));
    e = mk(b, EXPR_ARRAY, lt, loc, 2);
    if (bind_cast(b, x, ltype(TYPE_TEXT), false, &e->args[0]) || bind_cast(b, n, ltype(TYPE_TEXT), false, &e->args[1])) return MDB_FAIL;
    *out = e;
    return MDB_OK_;
}

/* (r).field: a field of a record of _pg_expandarray (the only records there are so far). */
static int bind_field_select(Binder *b, PgQuery__Node *arg, const char *field, int loc, Expr **out)
{
    Expr *r, *args[2], *e;
    if (bind_expr(b, arg, &r)) return MDB_FAIL;
    if (r->type.id != TYPE_LIST || !(r->type.pad & LTYPE_RECORD_EXPANDARRAY)) {
        char tb[64];
        return err_set_pos(b->err, loc, SQLSTATE_WRONG_OBJECT_TYPE, "column notation .%s applied to type %s, which is not a composite type",
                           field, type_name(r->type, tb, sizeof tb));
    }
    int idx = !strcmp(field, "x") ? 1 : !strcmp(field, "n") ? 2 : 0;
    if (!idx) return err_set_pos(b->err, loc, SQLSTATE_UNDEFINED_COLUMN, "column \"%s\" not found in data type record", field);
    LType ft = idx == 1 ? ltype((TypeId)(r->type.pad & ~LTYPE_RECORD_EXPANDARRAY)) : ltype(TYPE_INT32);
    LType plain = r->type;
    plain.pad = 0;
    args[0] = r;
    args[0]->type = plain;
    args[1] = expr_const(b->arena, value_int(TYPE_INT64, idx), loc);
    if (make_func(b, "array_element_text", args, 2, loc, &e)) return MDB_FAIL;
    return bind_cast(b, e, ft, true, out);
}

static PgQuery__Node *pq_node(Binder *b);
static PgQuery__Node *pq_string(Binder *b, const char *v);
static PgQuery__Node **pq_list1(Binder *b, PgQuery__Node *x);

/* Parameter names and defaults of the built-in functions that take named arguments
 * (PostgreSQL's pg_proc.proargnames/proargdefaults for them).  A NULL default is a
 * required parameter, except that trailing ones marked optional may be left out. */
typedef struct NamedParams {
    const char *fn;
    int n;
    const char *names[8];
    int defaults; /* parameters from this one on default to 0 */
    int optional; /* parameters from this one on may be left out (shorter overloads) */
} NamedParams;

static const NamedParams NAMED_PARAMS[] = {
    {"make_interval", 7, {"years", "months", "weeks", "days", "hours", "mins", "secs"}, 0, 0},
    {"make_date", 3, {"year", "month", "day"}, 3, 3},
    {"make_time", 3, {"hour", "min", "sec"}, 3, 3},
    {"make_timestamp", 6, {"year", "month", "mday", "hour", "min", "sec"}, 6, 6},
    {"make_timestamptz", 7, {"year", "month", "mday", "hour", "min", "sec", "timezone"}, 7, 6},
};

/* f(a, name => b, …): the arguments in parameter order, defaults filled in. */
static int bind_named_args(Binder *b, PgQuery__FuncCall *f, const char *name, PgQuery__FuncCall **out)
{
    int loc = POS(f->location);
    const NamedParams *np = NULL;
    for (size_t i = 0; i < sizeof NAMED_PARAMS / sizeof NAMED_PARAMS[0]; i++)
        if (!strcmp(NAMED_PARAMS[i].fn, name)) np = &NAMED_PARAMS[i];
    PgQuery__Node *slot[8] = {0};
    bool named = false;
    for (size_t i = 0; i < f->n_args; i++) {
        PgQuery__Node *a = f->args[i];
        if (a->node_case != PG_QUERY__NODE__NODE_NAMED_ARG_EXPR) {
            if (named)
                return err_set_pos(b->err, loc, SQLSTATE_SYNTAX_ERROR, "positional argument cannot follow named argument");
            if (!np || (int)i >= np->n) break;
            slot[i] = a;
            continue;
        }
        named = true;
        PgQuery__NamedArgExpr *na = a->named_arg_expr;
        for (size_t j = 0; j < i; j++)
            if (f->args[j]->node_case == PG_QUERY__NODE__NODE_NAMED_ARG_EXPR && !strcmp(f->args[j]->named_arg_expr->name, na->name))
                return err_set_pos(b->err, POS(na->location), SQLSTATE_SYNTAX_ERROR, "argument name \"%s\" used more than once", na->name);
        int k = -1;
        for (int j = 0; np && j < np->n; j++)
            if (!strcmp(np->names[j], na->name)) k = j;
        if (k < 0 || slot[k]) {
            np = NULL;
            break;
        }
        slot[k] = na->arg;
    }
    int n = 0;
    if (np) {
        n = np->n;
        while (n > np->optional && !slot[n - 1]) n--;
        for (int k = 0; k < n; k++) {
            if (slot[k]) continue;
            if (k < np->defaults) {
                np = NULL;
                break;
            }
            PgQuery__AConst *c = arena_zalloc(b->arena, sizeof(*c));
            *c = (PgQuery__AConst)PG_QUERY__A__CONST__INIT;
            c->val_case = PG_QUERY__A__CONST__VAL_IVAL;
            c->ival = arena_zalloc(b->arena, sizeof(PgQuery__Integer));
            *c->ival = (PgQuery__Integer)PG_QUERY__INTEGER__INIT;
            c->location = -1;
            slot[k] = pq_node(b);
            slot[k]->node_case = PG_QUERY__NODE__NODE_A_CONST;
            slot[k]->a_const = c;
        }
    }
    if (!np) {
        /* PostgreSQL: no function with these parameter names */
        StrBuf sb;
        sb_init(&sb);
        for (size_t i = 0; i < f->n_args; i++) {
            PgQuery__Node *a = f->args[i];
            Expr *e;
            bool isn = a->node_case == PG_QUERY__NODE__NODE_NAMED_ARG_EXPR;
            if (bind_expr(b, isn ? a->named_arg_expr->arg : a, &e)) {
                sb_free(&sb);
                return MDB_FAIL;
            }
            char tb[64];
            sb_printf(&sb, "%s%s%s%s", i ? ", " : "", isn ? a->named_arg_expr->name : "", isn ? " => " : "",
                          is_unknown_lit(e) ? "unknown" : type_name(e->type, tb, sizeof tb));
        }
        err_set_pos(b->err, loc, SQLSTATE_UNDEFINED_FUNCTION, "function %s(%s) does not exist", name, sb.data ? sb.data : "");
        err_hint(b->err, "No function matches the given name and argument types. You might need to add explicit type casts.");
        sb_free(&sb);
        return MDB_FAIL;
    }
    PgQuery__FuncCall *g = arena_zalloc(b->arena, sizeof(*g));
    *g = *f;
    g->n_args = (size_t)n;
    g->args = arena_alloc(b->arena, sizeof(PgQuery__Node *) * (size_t)(n + 1));
    memcpy(g->args, slot, sizeof(PgQuery__Node *) * (size_t)n);
    *out = g;
    return MDB_OK_;
}

/* SELECT val FROM (subquery) AS alias(colnames…) [WHERE where], as a parse node. */
static PgQuery__Node *pq_select_over(Binder *b, PgQuery__Node *val, PgQuery__Node *subquery, const char *alias,
                                     PgQuery__Node **colnames, size_t ncol, PgQuery__Node *where)
{
    PgQuery__ResTarget *rt = arena_zalloc(b->arena, sizeof(*rt));
    *rt = (PgQuery__ResTarget)PG_QUERY__RES_TARGET__INIT;
    rt->val = val;
    rt->location = -1;
    PgQuery__Node *rtn = pq_node(b);
    rtn->node_case = PG_QUERY__NODE__NODE_RES_TARGET;
    rtn->res_target = rt;
    PgQuery__Alias *al = arena_zalloc(b->arena, sizeof(*al));
    *al = (PgQuery__Alias)PG_QUERY__ALIAS__INIT;
    al->aliasname = (char *)alias;
    al->n_colnames = ncol;
    al->colnames = colnames;
    PgQuery__RangeSubselect *rs = arena_zalloc(b->arena, sizeof(*rs));
    *rs = (PgQuery__RangeSubselect)PG_QUERY__RANGE_SUBSELECT__INIT;
    rs->subquery = subquery;
    rs->alias = al;
    PgQuery__Node *rsn = pq_node(b);
    rsn->node_case = PG_QUERY__NODE__NODE_RANGE_SUBSELECT;
    rsn->range_subselect = rs;
    PgQuery__SelectStmt *ss = arena_zalloc(b->arena, sizeof(*ss));
    *ss = (PgQuery__SelectStmt)PG_QUERY__SELECT_STMT__INIT;
    ss->n_target_list = 1;
    ss->target_list = pq_list1(b, rtn);
    ss->n_from_clause = 1;
    ss->from_clause = pq_list1(b, rsn);
    ss->where_clause = where;
    ss->op = PG_QUERY__SET_OPERATION__SETOP_NONE;
    PgQuery__Node *ssn = pq_node(b);
    ssn->node_case = PG_QUERY__NODE__NODE_SELECT_STMT;
    ssn->select_stmt = ss;
    return ssn;
}


/* f(args) WITHIN GROUP (ORDER BY x [DESC]) of the ordered-set aggregates percentile_cont,
 * percentile_disc and mode: bound as the plain aggregate f(x, args::float8, desc) (src/func/agg.c
 * sorts the collected values itself). */
static int bind_within_group(Binder *b, PgQuery__FuncCall *f, const char *name, Expr **out)
{
    int loc = POS(f->location);
    bool pct = !strcmp(name, "percentile_cont") || !strcmp(name, "percentile_disc");
    if (!pct && strcmp(name, "mode"))
        return err_set_pos(b->err, loc, SQLSTATE_FEATURE_NOT_SUPPORTED, "WITHIN GROUP is not supported for %s() yet", name);
    if (f->n_agg_order != 1 || f->n_args != (pct ? 1u : 0u) || f->agg_distinct)
        return err_set_pos(b->err, loc, SQLSTATE_UNDEFINED_FUNCTION, "function %s with %zu direct and %zu ordered arguments does not exist",
                           name, f->n_args, f->n_agg_order);
    PgQuery__SortBy *sb = f->agg_order[0]->sort_by;
    PgQuery__Node **args = arena_alloc(b->arena, sizeof(PgQuery__Node *) * 4);
    int n = 0;
    args[n++] = sb->node;
    if (pct) {
        PgQuery__TypeName *tn = arena_zalloc(b->arena, sizeof(*tn));
        *tn = (PgQuery__TypeName)PG_QUERY__TYPE_NAME__INIT;
        tn->n_names = 1;
        tn->names = pq_list1(b, pq_string(b, "float8"));
        tn->typemod = -1;
        tn->location = -1;
        PgQuery__TypeCast *tc = arena_zalloc(b->arena, sizeof(*tc));
        *tc = (PgQuery__TypeCast)PG_QUERY__TYPE_CAST__INIT;
        tc->arg = f->args[0];
        tc->type_name = tn;
        tc->location = -1;
        args[n] = pq_node(b);
        args[n]->node_case = PG_QUERY__NODE__NODE_TYPE_CAST;
        args[n++]->type_cast = tc;
    }
    PgQuery__AConst *c = arena_zalloc(b->arena, sizeof(*c));
    *c = (PgQuery__AConst)PG_QUERY__A__CONST__INIT;
    c->val_case = PG_QUERY__A__CONST__VAL_BOOLVAL;
    c->boolval = arena_zalloc(b->arena, sizeof(PgQuery__Boolean));
    *c->boolval = (PgQuery__Boolean)PG_QUERY__BOOLEAN__INIT;
    c->boolval->boolval = sb->sortby_dir == PG_QUERY__SORT_BY_DIR__SORTBY_DESC;
    c->location = -1;
    args[n] = pq_node(b);
    args[n]->node_case = PG_QUERY__NODE__NODE_A_CONST;
    args[n++]->a_const = c;
    PgQuery__FuncCall *g = arena_zalloc(b->arena, sizeof(*g));
    *g = *f;
    g->agg_within_group = false;
    g->n_agg_order = 0;
    g->agg_order = NULL;
    g->n_args = (size_t)n;
    g->args = args;
    return bind_agg_call(b, g, name, out);
}

static int bind_funccall(Binder *b, PgQuery__FuncCall *f, Expr **out)
{
    for (size_t i = 0; i < f->n_args; i++)
        if (f->args[i]->node_case == PG_QUERY__NODE__NODE_NAMED_ARG_EXPR) {
            const char *fname = node_str(f->funcname[f->n_funcname - 1]);
            PgQuery__FuncCall *g = NULL;
            if (bind_named_args(b, f, fname, &g)) return MDB_FAIL;
            return bind_funccall(b, g, out);
        }
    int loc = POS(f->location);
    const char *name = node_str(f->funcname[f->n_funcname - 1]);
    const char *schema = f->n_funcname > 1 ? node_str(f->funcname[0]) : NULL;
    (void)schema;
    char lname[128];
    snprintf(lname, sizeof lname, "%s", name);
    if (!strcmp(lname, "_pg_expandarray") && schema && !strcmp(schema, "information_schema") && !f->over)
        return bind_expandarray(b, f, out);
    if (f->over) {
        Expr **args;
        bool saved = b->in_win_arg;
        b->in_win_arg = true;
        int rc = bind_children(b, f->args, f->n_args, &args) || bind_window_call(b, f, lname, args, (int)f->n_args, out);
        b->in_win_arg = saved;
        return rc ? MDB_FAIL : MDB_OK_;
    }
    if (f->agg_within_group && func_is_aggregate(lname)) return bind_within_group(b, f, lname, out);
    if (func_is_aggregate(lname) && !func_scalar_exists(lname)) return bind_agg_call(b, f, lname, out);
    if (!strcmp(lname, "pg_typeof") && f->n_args == 1) {
        /* the argument's type is known at bind time: a constant */
        Expr *arg;
        if (bind_expr(b, f->args[0], &arg)) return MDB_FAIL;
        char tb[64];
        const char *tn;
        LType t = arg->type;
        t.mod1 = t.mod2 = -1;
        if (is_unknown_lit(arg)) tn = "unknown";
        else if (t.id == TYPE_TEXT && t.text_kind == TEXT_CHAR) tn = "character";
        else tn = type_name(t, tb, sizeof tb);
        *out = expr_const(b->arena, value_text(b->arena, tn, strlen(tn)), loc);
        return MDB_OK_;
    }
    if ((!strcmp(lname, "current_database") || !strcmp(lname, "current_catalog")) && f->n_args == 0 && b->settings &&
        b->settings->database[0]) {
        /* the database a server's client asked for */
        const char *d = b->settings->database;
        *out = expr_const(b->arena, value_text(b->arena, d, strlen(d)), loc);
        return MDB_OK_;
    }
    if (!strcmp(lname, "current_setting") && (f->n_args == 1 || f->n_args == 2) && b->settings) {
        /* the session's settings do not change within a statement: a constant, as SHOW gives it */
        Expr *args2[2];
        for (size_t i = 0; i < f->n_args; i++)
            if (bind_expr(b, f->args[i], &args2[i])) return MDB_FAIL;
        if (args2[0]->kind != EXPR_CONST || (f->n_args == 2 && args2[1]->kind != EXPR_CONST) ||
            (args2[0]->type.id != TYPE_TEXT && !args2[0]->u.constant.is_null))
            return err_set_pos(b->err, loc, SQLSTATE_FEATURE_NOT_SUPPORTED, "current_setting() takes a constant setting name here");
        if (args2[0]->u.constant.is_null) {
            *out = expr_const(b->arena, value_null(), loc);
            return MDB_OK_;
        }
        bool missing_ok = f->n_args == 2 && !args2[1]->u.constant.is_null && args2[1]->type.id == TYPE_BOOL && args2[1]->u.constant.u.b;
        char nm[128], buf[512];
        Value nv = args2[0]->u.constant;
        snprintf(nm, sizeof nm, "%.*s", (int)nv.u.s.len, str_data(&nv.u.s));
        Err e = {0};
        if (settings_show(b->settings, nm, buf, sizeof buf, &e)) {
            if (missing_ok) {
                err_clear(&e);
                *out = expr_const(b->arena, value_null(), loc);
                return MDB_OK_;
            }
            err_clear(&e);
            return err_set_pos(b->err, loc, SQLSTATE_UNDEFINED_OBJECT, "unrecognized configuration parameter \"%s\"", nm);
        }
        Value v = value_text(b->arena, buf, strlen(buf));
        *out = expr_const(b->arena, v, loc);
        return MDB_OK_;
    }
    if (f->agg_star) return err_set_pos(b->err, loc, SQLSTATE_SYNTAX_ERROR, "%s(*) specified, but %s is not an aggregate function", lname, lname);
    if (binder_is_srf(lname) && !func_scalar_exists(lname)) return bind_srf_ref(b, f, lname, out);
    Expr **args;
    if (bind_children(b, f->args, f->n_args, &args)) return MDB_FAIL;
    if (!func_scalar_exists(lname)) {
        LType types[16];
        for (size_t i = 0; i < f->n_args && i < 16; i++) types[i] = args[i]->type;
        const ScalarFunc *fn;
        LType want[16], ret;
        return func_lookup_scalar(lname, types, (int)f->n_args, &fn, want, &ret, b->err, loc);
    }
    return make_func(b, lname, args, (int)f->n_args, loc, out);
}

/* ---- window functions (binding only: see LOP_WINDOW) ---------------------------- */

/* A reference to a window function result of this query level (window calls are bound to such references). */
static const Expr *find_win_ref(const Binder *b, const Expr *e)
{
    if (!e) return NULL;
    if (e->kind == EXPR_COLREF) return e->u.col.depth == 0 && e->u.col.binding.table == b->win_index ? e : NULL;
    for (int i = 0; i < e->nargs; i++) {
        const Expr *r = find_win_ref(b, e->args[i]);
        if (r) return r;
    }
    return NULL;
}

/* Looks up a named window of the current SELECT's WINDOW clause. */
static PgQuery__WindowDef *find_named_window(Binder *b, const char *name)
{
    for (size_t i = 0; b->cur_select && i < b->cur_select->n_window_clause; i++) {
        PgQuery__WindowDef *w = b->cur_select->window_clause[i]->window_def;
        if (w->name && !strcmp(w->name, name)) return w;
    }
    return NULL;
}

static int bind_window_call(Binder *b, PgQuery__FuncCall *f, const char *name, Expr **args, int nargs, Expr **out)
{
    int loc = POS(f->location);
    if (!b->agg_allowed)
        return err_set_pos(b->err, loc, "42P20", "window functions are not allowed in %s", b->clause ? b->clause : "this context");
    if (b->in_agg_arg)
        return err_set_pos(b->err, loc, SQLSTATE_GROUPING_ERROR, "aggregate function calls cannot contain window function calls");
    for (int i = 0; i < nargs; i++)
        if (find_win_ref(b, args[i])) return err_set_pos(b->err, loc, "42P20", "window function calls cannot be nested");
    if (f->agg_distinct)
        return err_set_pos(b->err, loc, SQLSTATE_FEATURE_NOT_SUPPORTED, "DISTINCT is not implemented for window functions");
    if (f->n_agg_order)
        return err_set_pos(b->err, loc, SQLSTATE_FEATURE_NOT_SUPPORTED, "aggregate ORDER BY is not implemented for window functions");
    if (f->agg_filter)
        return err_set_pos(b->err, loc, SQLSTATE_FEATURE_NOT_SUPPORTED, "FILTER is not implemented for window functions");
    static const struct { const char *n; int k; } W[] = {
        {"row_number", WIN_ROW_NUMBER}, {"rank", WIN_RANK}, {"dense_rank", WIN_DENSE_RANK},
        {"percent_rank", WIN_PERCENT_RANK}, {"cume_dist", WIN_CUME_DIST}, {"ntile", WIN_NTILE},
        {"lag", WIN_LAG}, {"lead", WIN_LEAD}, {"first_value", WIN_FIRST_VALUE}, {"last_value", WIN_LAST_VALUE},
        {"nth_value", WIN_NTH_VALUE}};
    int kind = 0;
    for (size_t i = 0; i < MDB_ARRAY_LEN(W); i++)
        if (!strcmp(W[i].n, name)) kind = W[i].k;
    LType ret = ltype(TYPE_INT64);
    const AggFunc *agg = NULL;
    LType argt = ltype(TYPE_NULL);
    if (!kind) {
        if (!func_is_aggregate(name) && func_scalar_exists(name))
            return err_set_pos(b->err, loc, SQLSTATE_WRONG_OBJECT_TYPE, "OVER specified, but %s is not a window function nor an aggregate function", name);
        if (!func_is_aggregate(name)) goto bad;
        const char *aname = (!strcmp(name, "count") && f->agg_star) ? "count_star" : name;
        LType types[4], want[4];
        for (int i = 0; i < nargs && i < 4; i++) types[i] = args[i]->type;
        if (func_lookup_agg(aname, types, nargs, &agg, want, &ret, b->err, loc)) return MDB_FAIL;
        for (int i = 0; i < nargs && i < 4; i++)
            if (coerce_to(b, args[i], want[i], &args[i])) return MDB_FAIL;
        argt = nargs ? want[0] : ltype(TYPE_NULL);
        kind = WIN_AGG;
    } else {
        switch (kind) {
        case WIN_PERCENT_RANK:
        case WIN_CUME_DIST: ret = ltype(TYPE_FLOAT64); break;
        case WIN_NTILE: ret = ltype(TYPE_INT32); if (nargs != 1) goto bad; if (coerce_to(b, args[0], ltype(TYPE_INT32), &args[0])) return MDB_FAIL; break;
        case WIN_LAG:
        case WIN_LEAD:
            if (nargs < 1 || nargs > 3) goto bad;
            ret = args[0]->type;
            if (is_unknown_lit(args[0])) ret = ltype(TYPE_TEXT);
            if (nargs >= 2 && coerce_to(b, args[1], ltype(TYPE_INT32), &args[1])) return MDB_FAIL;
            if (nargs == 3 && coerce_to(b, args[2], ret, &args[2])) return MDB_FAIL;
            break;
        case WIN_FIRST_VALUE:
        case WIN_LAST_VALUE:
        case WIN_NTH_VALUE:
            if (nargs != (kind == WIN_NTH_VALUE ? 2 : 1)) goto bad;
            ret = args[0]->type;
            if (nargs == 2 && coerce_to(b, args[1], ltype(TYPE_INT32), &args[1])) return MDB_FAIL;
            break;
        default:
            if (nargs != 0) goto bad;
        }
    }
    /* window definition */
    PgQuery__WindowDef *wd = f->over;
    if (wd->name && *wd->name) {
        PgQuery__WindowDef *found = find_named_window(b, wd->name);
        if (!found) return err_set_pos(b->err, loc, SQLSTATE_UNDEFINED_OBJECT, "window \"%s\" does not exist", wd->name);
        wd = found;
    }
    /* OVER (w …) and WINDOW w2 AS (w …) copy w's PARTITION BY and ORDER BY (PostgreSQL's rules) */
    for (int depth = 0; wd->refname && *wd->refname; depth++) {
        PgQuery__WindowDef *base = depth < 64 ? find_named_window(b, wd->refname) : NULL;
        int rloc = wd->location >= 0 ? POS(wd->location) : loc;
        if (!base) return err_set_pos(b->err, rloc, SQLSTATE_UNDEFINED_OBJECT, "window \"%s\" does not exist", wd->refname);
        if (wd->n_partition_clause)
            return err_set_pos(b->err, rloc, "42P20", "cannot override PARTITION BY clause of window \"%s\"", wd->refname);
        if (wd->n_order_clause && base->n_order_clause)
            return err_set_pos(b->err, rloc, "42P20", "cannot override ORDER BY clause of window \"%s\"", wd->refname);
        if (base->frame_options & FRAMEOPTION_NONDEFAULT)
            return err_set_pos(b->err, rloc, "42P20", "cannot copy window \"%s\" because it has a frame clause", wd->refname);
        PgQuery__WindowDef *m = arena_alloc(b->arena, sizeof(*m));
        *m = *base;
        if (wd->n_order_clause) { m->n_order_clause = wd->n_order_clause; m->order_clause = wd->order_clause; }
        m->frame_options = wd->frame_options, m->start_offset = wd->start_offset, m->end_offset = wd->end_offset;
        m->name = NULL;
        wd = m;
    }
    if ((wd->frame_options & FRAMEOPTION_RANGE) &&
        (wd->frame_options & (FRAMEOPTION_START_OFFSET_PRECEDING | FRAMEOPTION_START_OFFSET_FOLLOWING |
                              FRAMEOPTION_END_OFFSET_PRECEDING | FRAMEOPTION_END_OFFSET_FOLLOWING)) &&
        wd->n_order_clause != 1)
        return err_set_pos(b->err, wd->location >= 0 ? POS(wd->location) : loc, "42P20",
                           "RANGE with offset PRECEDING/FOLLOWING requires exactly one ORDER BY column");
    if ((wd->frame_options & FRAMEOPTION_GROUPS) && wd->n_order_clause == 0)
        return err_set_pos(b->err, wd->location >= 0 ? POS(wd->location) : loc, "42P20", "GROUPS mode requires an ORDER BY clause");
    WindowDef def;
    memset(&def, 0, sizeof(def));
    bool saved = b->agg_allowed;
    def.npart = (int)wd->n_partition_clause;
    def.part = arena_alloc(b->arena, sizeof(Expr *) * (wd->n_partition_clause + 1));
    for (size_t i = 0; i < wd->n_partition_clause; i++)
        if (bind_expr(b, wd->partition_clause[i], &def.part[i])) return MDB_FAIL;
    def.norder = (int)wd->n_order_clause;
    def.order = arena_alloc(b->arena, sizeof(SortKey) * (wd->n_order_clause + 1));
    for (size_t i = 0; i < wd->n_order_clause; i++) {
        PgQuery__SortBy *sb = wd->order_clause[i]->sort_by;
        if (bind_expr(b, sb->node, &def.order[i].expr)) return MDB_FAIL;
        def.order[i].desc = sb->sortby_dir == PG_QUERY__SORT_BY_DIR__SORTBY_DESC;
        def.order[i].nulls_first = sb->sortby_nulls == PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_FIRST ||
                                   (sb->sortby_nulls == PG_QUERY__SORT_BY_NULLS__SORTBY_NULLS_DEFAULT && def.order[i].desc);
    }
    def.frame_options = wd->frame_options;
    if (wd->start_offset && bind_expr(b, wd->start_offset, &def.start_offset)) return MDB_FAIL;
    if (wd->end_offset && bind_expr(b, wd->end_offset, &def.end_offset)) return MDB_FAIL;
    b->agg_allowed = saved;
    for (int i = 0; i < def.npart + def.norder; i++) {
        const Expr *r = find_win_ref(b, i < def.npart ? def.part[i] : def.order[i - def.npart].expr);
        if (r) return err_set_pos(b->err, r->location, "42P20", "window functions are not allowed in window definitions");
    }
    if (b->nwindefs == b->capwindefs) {
        int cap = b->capwindefs ? b->capwindefs * 2 : 4;
        WindowDef *n = arena_alloc(b->arena, sizeof(WindowDef) * (size_t)cap);
        if (b->nwindefs) memcpy(n, b->windefs, sizeof(WindowDef) * (size_t)b->nwindefs);
        b->windefs = n;
        b->capwindefs = cap;
    }
    int defidx = b->nwindefs;
    b->windefs[b->nwindefs++] = def;
    Expr *e = mk(b, EXPR_WINDOW, ret, loc, nargs);
    for (int i = 0; i < nargs; i++) e->args[i] = args[i];
    e->u.win.func = kind;
    e->u.win.agg = agg;
    e->u.win.def = defidx;
    e->u.win.arg_type = argt;
    if (b->nwins == b->capwins) {
        int cap = b->capwins ? b->capwins * 2 : 8;
        Expr **n = arena_alloc(b->arena, sizeof(Expr *) * (size_t)cap);
        if (b->nwins) memcpy(n, b->wins, sizeof(Expr *) * (size_t)b->nwins);
        b->wins = n;
        b->capwins = cap;
    }
    int idx = b->nwins;
    b->wins[b->nwins++] = e;
    Expr *ref = expr_colref(b->arena, (ColBinding){b->win_index, (u32)idx}, ret, 0);
    ref->location = loc;
    *out = ref;
    return MDB_OK_;
bad: {
        char sig[256], tb[64];
        size_t len = 0;
        sig[0] = 0;
        for (int i = 0; i < nargs && len < sizeof sig - 70; i++)
            len += (size_t)snprintf(sig + len, sizeof sig - len, "%s%s", i ? ", " : "",
                                    is_unknown_lit(args[i]) ? "unknown" : type_name(args[i]->type, tb, sizeof tb));
        return err_set_pos(b->err, loc, SQLSTATE_UNDEFINED_FUNCTION, "function %s(%s) does not exist", name, sig);
    }
}

/* ---- subqueries ------------------------------------------------------------------ */

/* ARRAY(subquery) is bound as COALESCE((SELECT array_agg(x ORDER BY …) FROM … WHERE …), '{}') for a
 * plain SELECT, else as COALESCE((SELECT array_agg(_x) FROM (subquery) AS _array(_x)), '{}'):
 * parse-tree nodes built here in the arena around the subquery's own nodes, which stay untouched. */
static PgQuery__Node *pq_node(Binder *b) { return arena_zalloc(b->arena, sizeof(PgQuery__Node)); }

static PgQuery__Node *pq_string(Binder *b, const char *v)
{
    PgQuery__Node *n = pq_node(b);
    PgQuery__String *str = arena_zalloc(b->arena, sizeof(PgQuery__String));
    *str = (PgQuery__String)PG_QUERY__STRING__INIT;
    str->sval = (char *)v;
    n->node_case = PG_QUERY__NODE__NODE_STRING;
    n->string = str;
    return n;
}

static PgQuery__Node **pq_list1(Binder *b, PgQuery__Node *x)
{
    PgQuery__Node **l = arena_alloc(b->arena, sizeof(PgQuery__Node *) * 2);
    l[0] = x;
    l[1] = NULL;
    return l;
}

static int bind_array_sublink(Binder *b, PgQuery__SubLink *sl, Expr **out)
{
    PgQuery__SelectStmt *in = sl->subselect->select_stmt;
    PgQuery__Node *inner = sl->subselect;
    if (in->op == PG_QUERY__SET_OPERATION__SETOP_NONE && in->n_target_list == 1 && !in->n_group_clause && !in->having_clause &&
        !in->n_distinct_clause && !in->limit_count && !in->limit_offset && !in->n_window_clause && !in->n_values_lists &&
        in->target_list[0]->node_case == PG_QUERY__NODE__NODE_RES_TARGET && in->target_list[0]->res_target->val) {
        /* a plain SELECT: the aggregate goes into it, with its ORDER BY (correlated ones stay correlated) */
        PgQuery__FuncCall *fc = arena_zalloc(b->arena, sizeof(*fc));
        *fc = (PgQuery__FuncCall)PG_QUERY__FUNC_CALL__INIT;
        fc->n_funcname = 1;
        fc->funcname = pq_list1(b, pq_string(b, "array_agg"));
        fc->n_args = 1;
        fc->args = pq_list1(b, in->target_list[0]->res_target->val);
        /* ORDER BY 1 names the (only) output column; in an aggregate's ORDER BY it would be a constant */
        fc->n_agg_order = in->n_sort_clause;
        fc->agg_order = arena_alloc(b->arena, sizeof(PgQuery__Node *) * (in->n_sort_clause + 1));
        for (size_t k = 0; k < in->n_sort_clause; k++) {
            PgQuery__Node *sn = in->sort_clause[k];
            fc->agg_order[k] = sn;
            if (sn->node_case != PG_QUERY__NODE__NODE_SORT_BY || !sn->sort_by->node || sn->sort_by->node->node_case != PG_QUERY__NODE__NODE_A_CONST ||
                sn->sort_by->node->a_const->val_case != PG_QUERY__A__CONST__VAL_IVAL)
                continue;
            PgQuery__SortBy *sb = arena_zalloc(b->arena, sizeof(*sb));
            *sb = *sn->sort_by;
            sb->node = in->target_list[0]->res_target->val;
            PgQuery__Node *nn = pq_node(b);
            nn->node_case = PG_QUERY__NODE__NODE_SORT_BY;
            nn->sort_by = sb;
            fc->agg_order[k] = nn;
        }
        fc->location = -1;
        PgQuery__Node *fcn = pq_node(b);
        fcn->node_case = PG_QUERY__NODE__NODE_FUNC_CALL;
        fcn->func_call = fc;
        PgQuery__ResTarget *rt = arena_zalloc(b->arena, sizeof(*rt));
        *rt = *in->target_list[0]->res_target;
        rt->val = fcn;
        PgQuery__Node *rtn = pq_node(b);
        rtn->node_case = PG_QUERY__NODE__NODE_RES_TARGET;
        rtn->res_target = rt;
        PgQuery__SelectStmt *ss = arena_zalloc(b->arena, sizeof(*ss));
        *ss = *in;
        ss->target_list = pq_list1(b, rtn);
        ss->n_sort_clause = 0;
        ss->sort_clause = NULL;
        inner = pq_node(b);
        inner->node_case = PG_QUERY__NODE__NODE_SELECT_STMT;
        inner->select_stmt = ss;
    }
    PgQuery__Node *ssn = inner;
    if (inner == sl->subselect) {
    PgQuery__ColumnRef *cr = arena_zalloc(b->arena, sizeof(*cr));
    *cr = (PgQuery__ColumnRef)PG_QUERY__COLUMN_REF__INIT;
    cr->n_fields = 1;
    cr->fields = pq_list1(b, pq_string(b, "_x"));
    cr->location = -1;
    PgQuery__Node *crn = pq_node(b);
    crn->node_case = PG_QUERY__NODE__NODE_COLUMN_REF;
    crn->column_ref = cr;
    PgQuery__FuncCall *fc = arena_zalloc(b->arena, sizeof(*fc));
    *fc = (PgQuery__FuncCall)PG_QUERY__FUNC_CALL__INIT;
    fc->n_funcname = 1;
    fc->funcname = pq_list1(b, pq_string(b, "array_agg"));
    fc->n_args = 1;
    fc->args = pq_list1(b, crn);
    fc->location = -1;
    PgQuery__Node *fcn = pq_node(b);
    fcn->node_case = PG_QUERY__NODE__NODE_FUNC_CALL;
    fcn->func_call = fc;
    ssn = pq_select_over(b, fcn, sl->subselect, "_array", pq_list1(b, pq_string(b, "_x")), 1, NULL);
    }
    PgQuery__SubLink *agg = arena_zalloc(b->arena, sizeof(*agg));
    *agg = *sl;
    agg->sub_link_type = PG_QUERY__SUB_LINK_TYPE__EXPR_SUBLINK;
    agg->subselect = ssn;
    PgQuery__Node *aggn = pq_node(b);
    aggn->node_case = PG_QUERY__NODE__NODE_SUB_LINK;
    aggn->sub_link = agg;
    PgQuery__AConst *ac = arena_zalloc(b->arena, sizeof(*ac));
    *ac = (PgQuery__AConst)PG_QUERY__A__CONST__INIT;
    ac->val_case = PG_QUERY__A__CONST__VAL_SVAL;
    ac->sval = pq_string(b, "{}")->string;
    ac->location = -1;
    PgQuery__Node *acn = pq_node(b);
    acn->node_case = PG_QUERY__NODE__NODE_A_CONST;
    acn->a_const = ac;
    PgQuery__CoalesceExpr *ce = arena_zalloc(b->arena, sizeof(*ce));
    *ce = (PgQuery__CoalesceExpr)PG_QUERY__COALESCE_EXPR__INIT;
    ce->n_args = 2;
    ce->args = arena_alloc(b->arena, sizeof(PgQuery__Node *) * 3);
    ce->args[0] = aggn;
    ce->args[1] = acn;
    ce->location = sl->location;
    PgQuery__Node *cen = pq_node(b);
    cen->node_case = PG_QUERY__NODE__NODE_COALESCE_EXPR;
    cen->coalesce_expr = ce;
    return bind_expr(b, cen, out);
}

/* EXISTS (SELECT 1 FROM (subquery) AS __rowsub(__rowsub_1, …) WHERE cond), cond built by the caller
 * over the column references refs[] (the testexpr's names resolve outward, as correlated ones). */
static int bind_row_exists(Binder *b, PgQuery__SubLink *sl, PgQuery__Node *cond, PgQuery__Node **colnames, int n, Expr **out)
{
    PgQuery__AConst *one = arena_zalloc(b->arena, sizeof(*one));
    *one = (PgQuery__AConst)PG_QUERY__A__CONST__INIT;
    one->val_case = PG_QUERY__A__CONST__VAL_BOOLVAL;
    PgQuery__Boolean *bv = arena_zalloc(b->arena, sizeof(*bv));
    *bv = (PgQuery__Boolean)PG_QUERY__BOOLEAN__INIT;
    bv->boolval = true;
    one->boolval = bv;
    one->location = -1;
    PgQuery__Node *onen = pq_node(b);
    onen->node_case = PG_QUERY__NODE__NODE_A_CONST;
    onen->a_const = one;
    PgQuery__Node *ssn = pq_select_over(b, onen, sl->subselect, "__rowsub", colnames, (size_t)n, cond);
    PgQuery__SubLink *ex = arena_zalloc(b->arena, sizeof(*ex));
    *ex = *sl;
    ex->sub_link_type = PG_QUERY__SUB_LINK_TYPE__EXISTS_SUBLINK;
    ex->testexpr = NULL;
    ex->n_oper_name = 0;
    ex->oper_name = NULL;
    ex->subselect = ssn;
    PgQuery__Node *exn = pq_node(b);
    exn->node_case = PG_QUERY__NODE__NODE_SUB_LINK;
    exn->sub_link = ex;
    return bind_expr(b, exn, out);
}

/* (a, b) op ANY|ALL (SELECT x, y …), IN and NOT IN included, with SQL's three-valued result:
 *   ANY: CASE WHEN EXISTS(… WHERE (a, b) op (x, y)) THEN true
 *             WHEN EXISTS(… WHERE ((a, b) op (x, y)) IS NULL) THEN NULL ELSE false END
 *   ALL: CASE WHEN EXISTS(… WHERE NOT ((a, b) op (x, y))) THEN false
 *             WHEN EXISTS(… WHERE ((a, b) op (x, y)) IS NULL) THEN NULL ELSE true END
 * In a filter the ANY form is its first EXISTS, which src/optimizer/decorrelate.c turns into a
 * semi join. */
static int bind_row_sublink(Binder *b, PgQuery__SubLink *sl, Expr **out)
{
    int loc = POS(sl->location);
    PgQuery__RowExpr *re = sl->testexpr->row_expr;
    int n = (int)re->n_args;
    if (sl->subselect->node_case != PG_QUERY__NODE__NODE_SELECT_STMT)
        return err_set_pos(b->err, loc, SQLSTATE_FEATURE_NOT_SUPPORTED, "unsupported subquery");
    PgQuery__SelectStmt *q = sl->subselect->select_stmt;
    while (q->op != PG_QUERY__SET_OPERATION__SETOP_NONE && q->larg) q = q->larg;
    bool star = false;
    for (size_t i = 0; i < q->n_target_list; i++) {
        PgQuery__Node *v = q->target_list[i]->res_target->val;
        if (v && v->node_case == PG_QUERY__NODE__NODE_COLUMN_REF && v->column_ref->n_fields &&
            v->column_ref->fields[v->column_ref->n_fields - 1]->node_case == PG_QUERY__NODE__NODE_A_STAR)
            star = true;
    }
    if (!star && q->n_target_list && (int)q->n_target_list != n)
        return err_set_pos(b->err, loc, SQLSTATE_SYNTAX_ERROR, "subquery has too %s columns", (int)q->n_target_list > n ? "many" : "few");
    PgQuery__Node **names = arena_alloc(b->arena, sizeof(PgQuery__Node *) * (size_t)(n + 1));
    PgQuery__Node **refs = arena_alloc(b->arena, sizeof(PgQuery__Node *) * (size_t)(n + 1));
    for (int i = 0; i < n; i++) {
        char *nm = arena_alloc(b->arena, 24);
        snprintf(nm, 24, "__rowsub_%d", i + 1);
        names[i] = pq_string(b, nm);
        PgQuery__ColumnRef *cr = arena_zalloc(b->arena, sizeof(*cr));
        *cr = (PgQuery__ColumnRef)PG_QUERY__COLUMN_REF__INIT;
        cr->n_fields = 2;
        cr->fields = arena_alloc(b->arena, sizeof(PgQuery__Node *) * 2);
        cr->fields[0] = pq_string(b, "__rowsub");
        cr->fields[1] = names[i];
        cr->location = -1;
        refs[i] = pq_node(b);
        refs[i]->node_case = PG_QUERY__NODE__NODE_COLUMN_REF;
        refs[i]->column_ref = cr;
    }
    PgQuery__RowExpr *rr = arena_zalloc(b->arena, sizeof(*rr));
    *rr = (PgQuery__RowExpr)PG_QUERY__ROW_EXPR__INIT;
    rr->n_args = (size_t)n;
    rr->args = refs;
    rr->location = -1;
    PgQuery__Node *rrn = pq_node(b);
    rrn->node_case = PG_QUERY__NODE__NODE_ROW_EXPR;
    rrn->row_expr = rr;
    PgQuery__AExpr *cmp = arena_zalloc(b->arena, sizeof(*cmp));
    *cmp = (PgQuery__AExpr)PG_QUERY__A__EXPR__INIT;
    cmp->kind = PG_QUERY__A__EXPR__KIND__AEXPR_OP;
    if (sl->n_oper_name) {
        cmp->n_name = sl->n_oper_name;
        cmp->name = sl->oper_name;
    } else {
        cmp->n_name = 1;
        cmp->name = pq_list1(b, pq_string(b, "="));
    }
    cmp->lexpr = sl->testexpr;
    cmp->rexpr = rrn;
    cmp->location = sl->location;
    PgQuery__Node *cmpn = pq_node(b);
    cmpn->node_case = PG_QUERY__NODE__NODE_A_EXPR;
    cmpn->a_expr = cmp;
    bool all = sl->sub_link_type == PG_QUERY__SUB_LINK_TYPE__ALL_SUBLINK;
    PgQuery__Node *c1 = cmpn;
    if (all) {
        PgQuery__BoolExpr *ne = arena_zalloc(b->arena, sizeof(*ne));
        *ne = (PgQuery__BoolExpr)PG_QUERY__BOOL_EXPR__INIT;
        ne->boolop = PG_QUERY__BOOL_EXPR_TYPE__NOT_EXPR;
        ne->n_args = 1;
        ne->args = pq_list1(b, cmpn);
        ne->location = -1;
        c1 = pq_node(b);
        c1->node_case = PG_QUERY__NODE__NODE_BOOL_EXPR;
        c1->bool_expr = ne;
    }
    PgQuery__NullTest *nt = arena_zalloc(b->arena, sizeof(*nt));
    *nt = (PgQuery__NullTest)PG_QUERY__NULL_TEST__INIT;
    nt->arg = cmpn;
    nt->nulltesttype = PG_QUERY__NULL_TEST_TYPE__IS_NULL;
    nt->location = -1;
    PgQuery__Node *c2 = pq_node(b);
    c2->node_case = PG_QUERY__NODE__NODE_NULL_TEST;
    c2->null_test = nt;
    Expr *e1, *e2;
    if (bind_row_exists(b, sl, c1, names, n, &e1) || bind_row_exists(b, sl, c2, names, n, &e2)) return MDB_FAIL;
    Expr *e = mk(b, EXPR_CASE, ltype(TYPE_BOOL), loc, 5);
    Value nul = value_null();
    nul.type = ltype(TYPE_BOOL);
    e->args[0] = e1;
    e->args[1] = expr_const(b->arena, value_bool(!all), loc);
    e->args[2] = e2;
    e->args[3] = expr_const(b->arena, nul, loc);
    e->args[4] = expr_const(b->arena, value_bool(all), loc);
    *out = e;
    return MDB_OK_;
}

static int bind_sublink(Binder *b, PgQuery__SubLink *sl, Expr **out)
{
    if ((sl->sub_link_type == PG_QUERY__SUB_LINK_TYPE__ANY_SUBLINK || sl->sub_link_type == PG_QUERY__SUB_LINK_TYPE__ALL_SUBLINK) &&
        is_row(sl->testexpr))
        return bind_row_sublink(b, sl, out);
    if (sl->sub_link_type == PG_QUERY__SUB_LINK_TYPE__ARRAY_SUBLINK && sl->subselect &&
        sl->subselect->node_case == PG_QUERY__NODE__NODE_SELECT_STMT)
        return bind_array_sublink(b, sl, out);
    int loc = POS(sl->location);
    Binder sub;
    binder_init(&sub, b->arena, b->cat, b->settings, b->err, b->shared, b);
    LogicalOp *plan;
    char **names;
    if (sl->subselect->node_case != PG_QUERY__NODE__NODE_SELECT_STMT)
        return err_set_pos(b->err, loc, SQLSTATE_FEATURE_NOT_SUPPORTED, "unsupported subquery");
    if (bind_select(&sub, sl->subselect->select_stmt, &plan, &names)) return MDB_FAIL;
    Expr *e = mk(b, EXPR_SUBQUERY, ltype(TYPE_BOOL), loc, 0);
    e->u.sub.plan = plan;
    e->u.sub.id = b->shared->nsubqueries++;
    /* values of correlated columns come from this level (or further out) */
    e->u.sub.nouter = sub.nouter;
    e->u.sub.outer_exprs = binder_outer_values(b, &sub);
    switch (sl->sub_link_type) {
    case PG_QUERY__SUB_LINK_TYPE__EXISTS_SUBLINK:
        e->u.sub.kind = SUBQ_EXISTS;
        break;
    case PG_QUERY__SUB_LINK_TYPE__EXPR_SUBLINK:
        if (plan->ncols != 1) return err_set_pos(b->err, loc, SQLSTATE_SYNTAX_ERROR, "subquery must return only one column");
        e->u.sub.kind = SUBQ_SCALAR;
        e->type = plan->types[0];
        break;
    case PG_QUERY__SUB_LINK_TYPE__ANY_SUBLINK:
    case PG_QUERY__SUB_LINK_TYPE__ALL_SUBLINK: {
        if (plan->ncols != 1) return err_set_pos(b->err, loc, SQLSTATE_SYNTAX_ERROR, "subquery has too many columns");
        Expr *l;
        if (bind_expr(b, sl->testexpr, &l)) return MDB_FAIL;
        const char *op = sl->n_oper_name ? node_str(sl->oper_name[sl->n_oper_name - 1]) : "=";
        /* compare l with the subquery's column: unify types via a probe */
        Expr *col = expr_colref(b->arena, plan->cols[0], plan->types[0], 0);
        Expr *cmp;
        if (bind_op(b, op, l, col, loc, &cmp)) return MDB_FAIL;
        if (cmp->kind != EXPR_FUNC) return err_set_pos(b->err, loc, SQLSTATE_FEATURE_NOT_SUPPORTED, "unsupported subquery comparison");
        e->u.sub.kind = sl->sub_link_type == PG_QUERY__SUB_LINK_TYPE__ANY_SUBLINK ? SUBQ_ANY : SUBQ_ALL;
        e->u.sub.cmp = cmp->u.func.fn;
        e->nargs = 2;
        e->args = arena_alloc(b->arena, sizeof(Expr *) * 2);
        e->args[0] = cmp->args[0];
        /* args[1]: how the subquery column is cast to the comparison type */
        e->args[1] = cmp->args[1];
        break;
    }
    default:
        return err_set_pos(b->err, loc, SQLSTATE_FEATURE_NOT_SUPPORTED, "unsupported subquery type");
    }
    *out = e;
    return MDB_OK_;
}

/* ---- entry point ----------------------------------------------------------------- */

int bind_expr(Binder *b, PgQuery__Node *n, Expr **out)
{
    switch (n->node_case) {
    case PG_QUERY__NODE__NODE_COLUMN_REF:
        if (n->column_ref->n_fields && n->column_ref->fields[n->column_ref->n_fields - 1]->node_case == PG_QUERY__NODE__NODE_A_STAR)
            return err_set_pos(b->err, POS(n->column_ref->location), SQLSTATE_FEATURE_NOT_SUPPORTED, "row expansion via \"*\" is not supported here");
        return bind_colref(b, n->column_ref, out);
    case PG_QUERY__NODE__NODE_A_CONST: return bind_const(b, n->a_const, out);
    case PG_QUERY__NODE__NODE_A_EXPR: return bind_aexpr(b, n->a_expr, out);
    case PG_QUERY__NODE__NODE_TYPE_CAST: {
        PgQuery__TypeCast *tc = n->type_cast;
        Expr *arg;
        LType t;
        char *lit = interval_bare_number(b, tc);
        int brc = bind_expr(b, tc->arg, &arg);
        if (lit) tc->arg->a_const->sval->sval = lit; /* the parse tree frees its own string */
        if (brc || bind_typename(b, tc->type_name, &t)) return MDB_FAIL;
        if (arg->location == 0) arg->location = POS(tc->location);
        return bind_cast(b, arg, t, true, out);
    }
    case PG_QUERY__NODE__NODE_BOOL_EXPR: {
        PgQuery__BoolExpr *be = n->bool_expr;
        int loc = POS(be->location);
        Expr **args;
        if (bind_children(b, be->args, be->n_args, &args)) return MDB_FAIL;
        const char *ctx = be->boolop == PG_QUERY__BOOL_EXPR_TYPE__AND_EXPR ? "AND" : be->boolop == PG_QUERY__BOOL_EXPR_TYPE__OR_EXPR ? "OR" : "NOT";
        for (size_t i = 0; i < be->n_args; i++)
            if (bind_bool_arg(b, args[i], ctx, &args[i])) return MDB_FAIL;
        if (be->boolop == PG_QUERY__BOOL_EXPR_TYPE__NOT_EXPR) {
            Expr *e = mk(b, EXPR_NOT, ltype(TYPE_BOOL), loc, 1);
            e->args[0] = args[0];
            *out = e;
            return MDB_OK_;
        }
        ExprKind k = be->boolop == PG_QUERY__BOOL_EXPR_TYPE__AND_EXPR ? EXPR_AND : EXPR_OR;
        Expr *acc = args[0];
        for (size_t i = 1; i < be->n_args; i++) {
            Expr *e = mk(b, k, ltype(TYPE_BOOL), loc, 2);
            e->args[0] = acc;
            e->args[1] = args[i];
            acc = e;
        }
        *out = acc;
        return MDB_OK_;
    }
    case PG_QUERY__NODE__NODE_NULL_TEST: {
        PgQuery__NullTest *nt = n->null_test;
        Expr *arg;
        if (is_row(nt->arg) && nt->arg->row_expr->n_args) {
            /* ROW(…) IS [NOT] NULL: every field is [not] NULL */
            PgQuery__RowExpr *re = nt->arg->row_expr;
            Expr *all = NULL;
            for (size_t k = 0; k < re->n_args; k++) {
                if (bind_expr(b, re->args[k], &arg)) return MDB_FAIL;
                Expr *e = mk(b, nt->nulltesttype == PG_QUERY__NULL_TEST_TYPE__IS_NULL ? EXPR_IS_NULL : EXPR_IS_NOT_NULL,
                             ltype(TYPE_BOOL), POS(nt->location), 1);
                e->args[0] = arg;
                all = all ? expr_and(b->arena, all, e) : e;
            }
            *out = all;
            return MDB_OK_;
        }
        if (bind_expr(b, nt->arg, &arg)) return MDB_FAIL;
        Expr *e = mk(b, nt->nulltesttype == PG_QUERY__NULL_TEST_TYPE__IS_NULL ? EXPR_IS_NULL : EXPR_IS_NOT_NULL,
                     ltype(TYPE_BOOL), POS(nt->location), 1);
        e->args[0] = arg;
        *out = e;
        return MDB_OK_;
    }
    case PG_QUERY__NODE__NODE_BOOLEAN_TEST: {
        PgQuery__BooleanTest *bt = n->boolean_test;
        Expr *arg;
        if (bind_expr(b, bt->arg, &arg) || bind_bool_arg(b, arg, "IS TRUE", &arg)) return MDB_FAIL;
        Expr *e = mk(b, EXPR_IS_TRUE, ltype(TYPE_BOOL), POS(bt->location), 1);
        e->args[0] = arg;
        switch (bt->booltesttype) {
        case PG_QUERY__BOOL_TEST_TYPE__IS_TRUE: e->u.istest.want = true; break;
        case PG_QUERY__BOOL_TEST_TYPE__IS_NOT_TRUE: e->u.istest.want = true; e->u.istest.negate = true; break;
        case PG_QUERY__BOOL_TEST_TYPE__IS_FALSE: e->u.istest.want = false; break;
        case PG_QUERY__BOOL_TEST_TYPE__IS_NOT_FALSE: e->u.istest.want = false; e->u.istest.negate = true; break;
        case PG_QUERY__BOOL_TEST_TYPE__IS_UNKNOWN: e->u.istest.unknown = true; break;
        default: e->u.istest.unknown = true; e->u.istest.negate = true; break;
        }
        *out = e;
        return MDB_OK_;
    }
    case PG_QUERY__NODE__NODE_CASE_EXPR: return bind_case(b, n->case_expr, out);
    case PG_QUERY__NODE__NODE_COALESCE_EXPR:
        return bind_variadic_same(b, EXPR_COALESCE, n->coalesce_expr->args, n->coalesce_expr->n_args,
                                  POS(n->coalesce_expr->location), "COALESCE", out);
    case PG_QUERY__NODE__NODE_MIN_MAX_EXPR:
        return bind_variadic_same(b, n->min_max_expr->op == PG_QUERY__MIN_MAX_OP__IS_GREATEST ? EXPR_GREATEST : EXPR_LEAST,
                                  n->min_max_expr->args, n->min_max_expr->n_args, POS(n->min_max_expr->location),
                                  n->min_max_expr->op == PG_QUERY__MIN_MAX_OP__IS_GREATEST ? "GREATEST" : "LEAST", out);
    case PG_QUERY__NODE__NODE_FUNC_CALL: return bind_funccall(b, n->func_call, out);
    case PG_QUERY__NODE__NODE_SUB_LINK: return bind_sublink(b, n->sub_link, out);
    case PG_QUERY__NODE__NODE_A_INDIRECTION: {
        /* arr[i]: one subscript of a one-dimensional array */
        PgQuery__AIndirection *ai = n->a_indirection;
        if (ai->n_indirection == 1 && ai->indirection[0]->node_case == PG_QUERY__NODE__NODE_STRING)
            return bind_field_select(b, ai->arg, ai->indirection[0]->string->sval, 0, out);
        if (ai->n_indirection != 1 || ai->indirection[0]->node_case != PG_QUERY__NODE__NODE_A_INDICES ||
            ai->indirection[0]->a_indices->is_slice || !ai->indirection[0]->a_indices->uidx)
            return err_set(b->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "only a single array subscript is supported");
        Expr *args[2], *e;
        if (bind_expr(b, ai->arg, &args[0]) || bind_expr(b, ai->indirection[0]->a_indices->uidx, &args[1])) return MDB_FAIL;
        if (args[0]->type.id != TYPE_LIST) {
            char tb[64];
            return err_set(b->err, SQLSTATE_DATATYPE_MISMATCH, "cannot subscript type %s because it does not support subscripting",
                           type_name(args[0]->type, tb, sizeof tb));
        }
        LType elem = ltype(args[0]->type.elem ? (TypeId)args[0]->type.elem : TYPE_TEXT);
        if (make_func(b, "array_element_text", args, 2, 0, &e)) return MDB_FAIL;
        return bind_cast(b, e, elem, true, out);
    }
    case PG_QUERY__NODE__NODE_PARAM_REF: {
        int idx = n->param_ref->number - 1;
        BindShared *sh = b->shared;
        if (idx < 0 || idx >= 65535) return err_set_pos(b->err, POS(n->param_ref->location), SQLSTATE_UNDEFINED_PARAMETER, "there is no parameter $%d", idx + 1);
        if (idx >= sh->param_cap) {
            int cap = idx + 8;
            LType *nt = arena_alloc(b->arena, sizeof(LType) * (size_t)cap);
            for (int i = 0; i < cap; i++) nt[i] = i < sh->param_cap ? sh->param_types[i] : ltype(TYPE_NULL);
            sh->param_types = nt;
            sh->param_cap = cap;
        }
        if (idx >= sh->nparams) sh->nparams = idx + 1;
        Expr *e = mk(b, EXPR_PARAM, sh->param_types[idx], POS(n->param_ref->location), 0);
        e->u.param.index = idx;
        *out = e;
        return MDB_OK_;
    }
    case PG_QUERY__NODE__NODE_SQLVALUE_FUNCTION: {
        PgQuery__SQLValueFunction *sv = n->sqlvalue_function;
        const char *fname = NULL;
        switch (sv->op) {
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_DATE: fname = "current_date"; break;
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_TIMESTAMP:
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_TIMESTAMP_N: fname = "now"; break;
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_LOCALTIMESTAMP:
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_LOCALTIMESTAMP_N: fname = "localtimestamp"; break;
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_TIME:
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_TIME_N:
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_LOCALTIME:
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_LOCALTIME_N: fname = "localtime"; break;
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_USER:
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_SESSION_USER:
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_USER:
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_ROLE:
            if (b->settings && b->settings->session_user[0]) {
                /* the session's user (a server sets it at login): a constant for the statement */
                const char *u = b->settings->session_user;
                *out = expr_const(b->arena, value_text(b->arena, u, strlen(u)), POS(sv->location));
                return MDB_OK_;
            }
            fname = "current_user";
            break;
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_SCHEMA: fname = "current_schema"; break;
        case PG_QUERY__SQLVALUE_FUNCTION_OP__SVFOP_CURRENT_CATALOG:
            if (b->settings && b->settings->database[0]) {
                const char *d = b->settings->database;
                *out = expr_const(b->arena, value_text(b->arena, d, strlen(d)), POS(sv->location));
                return MDB_OK_;
            }
            fname = "current_database";
            break;
        default: return err_set_pos(b->err, POS(sv->location), SQLSTATE_FEATURE_NOT_SUPPORTED, "unsupported SQL value function");
        }
        return make_func(b, fname, NULL, 0, POS(sv->location), out);
    }
    case PG_QUERY__NODE__NODE_A_ARRAY_EXPR: {
        PgQuery__AArrayExpr *ae = n->a_array_expr;
        int loc = POS(ae->location);
        Expr **items;
        if (bind_children(b, ae->elements, ae->n_elements, &items)) return MDB_FAIL;
        for (size_t i = 0; i < ae->n_elements; i++)
            if (items[i]->type.id == TYPE_LIST)
                return err_set_pos(b->err, items[i]->location ? items[i]->location : loc, SQLSTATE_FEATURE_NOT_SUPPORTED,
                                   "multidimensional arrays are not supported yet");
        LType et;
        if (ae->n_elements == 0)
            return err_set_pos(b->err, loc, SQLSTATE_INDETERMINATE_DATATYPE, "cannot determine type of empty array");
        if (common_type(b, items, (int)ae->n_elements, "ARRAY", &et)) return MDB_FAIL;
        LType lt = ltype(TYPE_LIST);
        lt.elem = et.id;
        Expr *e = mk(b, EXPR_ARRAY, lt, loc, (int)ae->n_elements);
        for (size_t i = 0; i < ae->n_elements; i++)
            if (coerce_to(b, items[i], et, &e->args[i])) return MDB_FAIL;
        *out = e;
        return MDB_OK_;
    }
    case PG_QUERY__NODE__NODE_ROW_EXPR: {
        /* a row value outside a row comparison (count(DISTINCT (a, b)), SELECT ROW(…)): its
         * record text form, typed text (PostgreSQL: record), which compares and groups by
         * field values except where two texts of one value differ (1.0 vs 1.00) */
        PgQuery__RowExpr *re = n->row_expr;
        if (!re->n_args) return err_set_pos(b->err, POS(re->location), SQLSTATE_FEATURE_NOT_SUPPORTED, "empty row constructors are not supported yet");
        Expr **args;
        if (bind_children(b, re->args, re->n_args, &args)) return MDB_FAIL;
        return make_func(b, "__row", args, (int)re->n_args, POS(re->location), out);
    }
    case PG_QUERY__NODE__NODE_GROUPING_FUNC: {
        /* resolved against the GROUP BY keys once they are known (regroup) */
        PgQuery__GroupingFunc *gf = n->grouping_func;
        if (!b->agg_allowed)
            return err_set_pos(b->err, POS(gf->location), SQLSTATE_GROUPING_ERROR, "grouping operations are not allowed in %s",
                               b->clause ? b->clause : "this context");
        if (gf->n_args > 31) return err_set_pos(b->err, POS(gf->location), "54023", "GROUPING must have fewer than 32 arguments");
        Expr **args;
        bool saved = b->in_agg_arg;
        b->in_agg_arg = true;
        int rc = bind_children(b, gf->args, gf->n_args, &args);
        b->in_agg_arg = saved;
        if (rc) return MDB_FAIL;
        Expr *e = mk(b, EXPR_GROUPING, ltype(TYPE_INT32), POS(gf->location), (int)gf->n_args);
        memcpy(e->args, args, sizeof(Expr *) * gf->n_args);
        e->u.grouping.n = (int)gf->n_args;
        *out = e;
        b->ngroupings++;
        return MDB_OK_;
    }
    case PG_QUERY__NODE__NODE_COLLATE_CLAUSE:
        return bind_expr(b, n->collate_clause->arg, out);
    default:
        return err_set(b->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "unsupported expression (node %d)", (int)n->node_case);
    }
}
