/*
 * src/optimizer/cardinality.c — cardinality estimation: how many rows each
 * logical operator produces, from table statistics (row counts, and per
 * column the number of distinct values, NULL fraction and value range that
 * the tiers sample, tableam_column_stats) and the selectivity of
 * predicates.  Join ordering (join_order.c) costs its candidates with these
 * numbers, and EXPLAIN shows them.
 *
 * The rules are the textbook ones (System R, PostgreSQL's selfuncs): an
 * equality with a constant keeps 1/ndv of the rows, an equi-join of R and S
 * gives |R|·|S| / max(ndv(R.a), ndv(S.b)), ranges over a column with a known
 * value range keep the covered fraction (several bounds on one column are
 * intersected, so BETWEEN is not counted twice), OR is 1 − Π(1 − s).
 * Predicates nothing is known about keep a third of the rows.  A column's
 * ndv is never larger than the row estimate of the operator it is read from.
 *
 * INTERFACE: card_rows, card_sel, card_ndv, card_annotate.
 */
#include <math.h>
#include <stdatomic.h>

#include "optimizer/optimizer.h"
#include "storage/tableam.h"
#include "types/numeric.h"

#define SEL_DEFAULT 0.33
#define SEL_EQ_DEFAULT 0.1
#define SEL_LIKE 0.1
#define NDV_DEFAULT 200.0

typedef struct ColEst {
    bool known;      /* statistics reached a base column */
    double ndv;
    double null_frac;
    bool has_range;
    double lo, hi;
    TypeId type;     /* the base column's type (ranges are in its units) */
} ColEst;

static int find_col(const LogicalOp *op, ColBinding b)
{
    for (int i = 0; i < op->ncols; i++)
        if (op->cols[i].table == b.table && op->cols[i].column == b.column) return i;
    return -1;
}

static const Expr *strip_casts(const Expr *e)
{
    while (e && e->kind == EXPR_CAST && e->nargs == 1) e = e->args[0];
    return e;
}

/* Follows binding b down from op to the base table column it comes from. */
static void col_trace(const LogicalOp *op, ColBinding b, ColEst *out)
{
    int i = find_col(op, b);
    if (i < 0) return;
    switch (op->kind) {
    case LOP_GET: {
        const TableDef *t = op->u.get.table;
        int c = op->u.get.col_ids ? op->u.get.col_ids[i] : i;
        if (c < 0) { /* the row id: unique */
            out->known = true;
            out->ndv = INFINITY;
            return;
        }
        if (!t || !t->store) return;
        TableColStats st = tableam_column_stats(t->store, c);
        if (!st.valid) return;
        out->known = true;
        out->ndv = st.ndv;
        out->null_frac = st.null_frac;
        out->has_range = st.has_range;
        out->lo = st.lo;
        out->hi = st.hi;
        out->type = (TypeId)t->cols[c].type.id;
        return;
    }
    case LOP_PROJECT: {
        const Expr *e = op->u.project.exprs[i];
        if (e && e->kind == EXPR_COLREF && e->u.col.depth == 0) col_trace(op->children[0], e->u.col.binding, out);
        return;
    }
    case LOP_AGGREGATE: {
        /* group keys come first; aggregates have no statistics */
        if (i < op->u.agg.ngroups) {
            const Expr *e = strip_casts(op->u.agg.groups[i]);
            if (e && e->kind == EXPR_COLREF && e->u.col.depth == 0) col_trace(op->children[0], e->u.col.binding, out);
        }
        return;
    }
    case LOP_FILTER:
    case LOP_ORDER:
    case LOP_LIMIT:
    case LOP_DISTINCT:
    case LOP_MATERIALIZE:
    case LOP_WINDOW:
    case LOP_JOIN:
    case LOP_APPLY:
        for (int k = 0; k < op->nchildren; k++)
            if (op->children[k] && find_col(op->children[k], b) >= 0) {
                col_trace(op->children[k], b, out);
                return;
            }
        return;
    default: return;
    }
}

static double table_rows(const LogicalOp *get)
{
    if (!get->u.get.table || !get->u.get.table->store) return 1;
    i64 live = tableam_live_rows(get->u.get.table->store);
    return live > 0 ? (double)live : 1;
}

static ColEst col_est(LogicalOp *input, ColBinding b)
{
    ColEst c;
    memset(&c, 0, sizeof(c));
    col_trace(input, b, &c);
    /* a scan's own filter is estimated over the whole table */
    double rows = input->kind == LOP_GET ? table_rows(input) : card_rows(input);
    if (!c.known) c.ndv = NDV_DEFAULT;
    if (c.ndv > rows) c.ndv = rows;
    if (c.ndv < 1) c.ndv = 1;
    return c;
}

double card_ndv(LogicalOp *input, ColBinding b) { return col_est(input, b).ndv; }

static bool is_col(const Expr *e) { return e && e->kind == EXPR_COLREF && e->u.col.depth == 0; }

static bool const_number(const Expr *e, TypeId want, double *out)
{
    if (!e || e->kind != EXPR_CONST || e->u.constant.is_null) return false;
    const Value *v = &e->u.constant;
    if ((TypeId)v->type.id != want) return false;
    switch (want) {
    case TYPE_INT16:
    case TYPE_INT32:
    case TYPE_INT64:
    case TYPE_DATE:
    case TYPE_TIME:
    case TYPE_TIMESTAMP:
    case TYPE_TIMESTAMPTZ: *out = (double)v->u.i; return true;
    case TYPE_FLOAT32:
    case TYPE_FLOAT64: *out = v->u.f; return !isnan(*out);
    case TYPE_NUMERIC: *out = numeric_to_double(v->u.num); return true;
    default: return false;
    }
}

static const char *op_name(const Expr *e)
{
    return e->kind == EXPR_FUNC && e->u.func.fn ? e->u.func.fn->name : NULL;
}

/* `col op const` (or `const op col`, flipped): 1 = lower bound, 2 = upper
 * bound, 0 = not a range predicate with usable statistics. */
static int range_bound(LogicalOp *input, const Expr *e, ColBinding *col, double *x, bool *incl)
{
    const char *n = op_name(e);
    if (!n || e->nargs != 2) return 0;
    bool lt = !strcmp(n, "<"), le = !strcmp(n, "<="), gt = !strcmp(n, ">"), ge = !strcmp(n, ">=");
    if (!(lt || le || gt || ge)) return 0;
    const Expr *a = e->args[0], *b = e->args[1];
    bool flip = false;
    if (!is_col(a)) {
        const Expr *t = a;
        a = b;
        b = t;
        flip = true;
    }
    if (!is_col(a)) return 0;
    ColEst c = col_est(input, a->u.col.binding);
    if (!c.known || !c.has_range || !const_number(b, c.type, x)) return 0;
    *col = a->u.col.binding;
    *incl = le || ge;
    bool lower = gt || ge;
    if (flip) lower = !lower;
    return lower ? 1 : 2;
}

static double clamp01(double s) { return s < 0 ? 0 : s > 1 ? 1 : s; }

static double sel_atom(LogicalOp *input, const Expr *e);

/* Conjunctions: range bounds on one column are intersected first. */
static double sel_and(LogicalOp *input, const Expr **conj, int n)
{
    double s = 1;
    bool done[64] = {0};
    for (int i = 0; i < n && i < 64; i++) {
        if (done[i]) continue;
        ColBinding col;
        double x;
        bool incl;
        int kind = range_bound(input, conj[i], &col, &x, &incl);
        if (!kind) continue;
        ColEst c = col_est(input, col);
        double lo = c.lo, hi = c.hi;
        for (int j = i; j < n && j < 64; j++) {
            ColBinding cj;
            double xj;
            bool ij;
            int k = j == i ? kind : range_bound(input, conj[j], &cj, &xj, &ij);
            if (j == i) { cj = col; xj = x; }
            if (!k || cj.table != col.table || cj.column != col.column) continue;
            if (k == 1 && xj > lo) lo = xj;
            if (k == 2 && xj < hi) hi = xj;
            done[j] = true;
        }
        double width = c.hi - c.lo;
        double f;
        if (hi < lo) f = 0;
        else if (width <= 0) f = 1;
        else f = (hi - lo) / width;
        /* an inclusive point range still holds one value's rows */
        if (f < 1 / c.ndv && hi >= lo) f = 1 / c.ndv;
        s *= clamp01(f) * (1 - c.null_frac);
    }
    for (int i = 0; i < n; i++)
        if (i >= 64 || !done[i]) s *= sel_atom(input, conj[i]);
    return s;
}

static int flatten_and(const Expr *e, const Expr **out, int n, int cap)
{
    if (e->kind == EXPR_AND) {
        for (int i = 0; i < e->nargs; i++) n = flatten_and(e->args[i], out, n, cap);
        return n;
    }
    if (n < cap) out[n++] = e;
    return n;
}

static double sel_atom(LogicalOp *input, const Expr *e)
{
    switch (e->kind) {
    case EXPR_CONST:
        if (e->u.constant.is_null) return 0;
        return (TypeId)e->u.constant.type.id == TYPE_BOOL ? (e->u.constant.u.b ? 1 : 0) : 1;
    case EXPR_AND: {
        const Expr *conj[256];
        int n = flatten_and(e, conj, 0, 256);
        return sel_and(input, conj, n);
    }
    case EXPR_OR: {
        double keep = 1;
        for (int i = 0; i < e->nargs; i++) keep *= 1 - sel_atom(input, e->args[i]);
        return clamp01(1 - keep);
    }
    case EXPR_NOT: return clamp01(1 - sel_atom(input, e->args[0]));
    case EXPR_IS_NULL:
    case EXPR_IS_NOT_NULL: {
        const Expr *a = strip_casts(e->args[0]);
        double nf = 0.01;
        if (is_col(a)) {
            ColEst c = col_est(input, a->u.col.binding);
            if (c.known) nf = c.null_frac;
        }
        return e->kind == EXPR_IS_NULL ? nf : 1 - nf;
    }
    case EXPR_IN_LIST: {
        const Expr *a = strip_casts(e->args[0]);
        double k = e->nargs - 1;
        if (is_col(a)) return clamp01(k / col_est(input, a->u.col.binding).ndv);
        return clamp01(k * SEL_EQ_DEFAULT);
    }
    case EXPR_SUBQUERY: return 0.5;
    case EXPR_FUNC: {
        const char *n = op_name(e);
        if (!n) return SEL_DEFAULT;
        if (e->nargs == 2 && (!strcmp(n, "=") || !strcmp(n, "<>") || !strcmp(n, "!="))) {
            const Expr *a = strip_casts(e->args[0]), *b = strip_casts(e->args[1]);
            double s;
            if (is_col(a) && is_col(b)) {
                double na = col_est(input, a->u.col.binding).ndv, nb = col_est(input, b->u.col.binding).ndv;
                s = 1 / (na > nb ? na : nb);
            } else if (is_col(a) || is_col(b)) {
                s = 1 / col_est(input, (is_col(a) ? a : b)->u.col.binding).ndv;
            } else {
                s = SEL_EQ_DEFAULT;
            }
            return strcmp(n, "=") ? 1 - s : s;
        }
        if (!strcmp(n, "~~") || !strcmp(n, "like") || !strcmp(n, "~~*")) return SEL_LIKE;
        if (!strcmp(n, "!~~") || !strcmp(n, "not_like") || !strcmp(n, "!~~*")) return 1 - SEL_LIKE;
        if (!strcmp(n, "<") || !strcmp(n, "<=") || !strcmp(n, ">") || !strcmp(n, ">=")) {
            const Expr *one[1] = {e};
            ColBinding col;
            double x;
            bool incl;
            if (range_bound(input, e, &col, &x, &incl)) return sel_and(input, one, 1);
        }
        return SEL_DEFAULT;
    }
    default: return SEL_DEFAULT;
    }
}

double card_sel(LogicalOp *input, const Expr *pred)
{
    if (!pred) return 1;
    return clamp01(sel_atom(input, pred));
}

/* Equality conditions a = b with a from l and b from r: the join keeps
 * 1 / max(ndv) of the cross product; other conditions their selectivity
 * over the pair. */
static double join_sel(LogicalOp *j, LogicalOp *l, LogicalOp *r, const Expr *cond)
{
    if (!cond) return 1;
    const Expr *conj[64];
    int n = flatten_and(cond, conj, 0, 64);
    double s = 1, eq = 1;
    int neq = 0;
    for (int i = 0; i < n; i++) {
        const Expr *e = conj[i];
        const char *nm = op_name(e);
        if (nm && !strcmp(nm, "=") && e->nargs == 2) {
            const Expr *a = strip_casts(e->args[0]), *b = strip_casts(e->args[1]);
            if (is_col(a) && is_col(b)) {
                LogicalOp *la = find_col(l, a->u.col.binding) >= 0 ? l : r;
                LogicalOp *lb = find_col(l, b->u.col.binding) >= 0 ? l : r;
                if (la != lb) {
                    double na = card_ndv(la, a->u.col.binding), nb = card_ndv(lb, b->u.col.binding);
                    eq *= 1 / (na > nb ? na : nb);
                    neq++;
                    continue;
                }
            }
        }
        /* anything else: a filter over the pair (j's estimate is the cross
         * product meanwhile, see estimate) */
        s *= card_sel(j, e);
    }
    /* a composite key selects at least one partner per row of the smaller
     * side (see join_order.c) */
    if (neq >= 2) {
        double lr = card_rows(l), rr = card_rows(r), small = lr < rr ? lr : rr;
        if (eq < 1 / small) eq = 1 / small;
    }
    return s * eq;
}

static double const_limit(const Expr *e)
{
    if (e && e->kind == EXPR_CONST && !e->u.constant.is_null &&
        ((TypeId)e->u.constant.type.id == TYPE_INT64 || (TypeId)e->u.constant.type.id == TYPE_INT32))
        return (double)e->u.constant.u.i;
    return -1;
}

static double estimate(LogicalOp *op)
{
    LogicalOp *c0 = op->nchildren > 0 ? op->children[0] : NULL;
    LogicalOp *c1 = op->nchildren > 1 ? op->children[1] : NULL;
    switch (op->kind) {
    case LOP_GET: return table_rows(op) * card_sel(op, op->u.get.filter);
    case LOP_DUMMY: return 1;
    case LOP_VALUES: return op->u.values.nrows;
    case LOP_FILTER: return card_rows(c0) * card_sel(c0, op->u.filter.pred);
    case LOP_PROJECT:
    case LOP_ORDER:
    case LOP_WINDOW:
    case LOP_MATERIALIZE: return card_rows(c0);
    case LOP_LIMIT: {
        double n = card_rows(c0), k = const_limit(op->u.limit.limit), off = const_limit(op->u.limit.offset);
        if (off > 0) n = n > off ? n - off : 0;
        return k >= 0 && k < n ? k : n;
    }
    case LOP_AGGREGATE: {
        double in = card_rows(c0);
        if (op->u.agg.ngroups == 0) return 1;
        double g = 1;
        for (int i = 0; i < op->u.agg.ngroups; i++) {
            const Expr *e = strip_casts(op->u.agg.groups[i]);
            g *= is_col(e) ? card_ndv(c0, e->u.col.binding) : NDV_DEFAULT;
            if (g > in) break;
        }
        if (op->u.agg.nsets > 1) g *= op->u.agg.nsets;
        return g < in ? g : in;
    }
    case LOP_DISTINCT: {
        double in = card_rows(c0), g = 1;
        for (int i = 0; i < op->ncols && g < in; i++) g *= card_ndv(c0, op->cols[i]);
        return g < in ? g : in;
    }
    case LOP_JOIN: {
        double l = card_rows(c0), r = card_rows(c1);
        op->est_rows = l * r;
        double inner = l * r * join_sel(op, c0, c1, op->u.join.cond);
        switch (op->u.join.type) {
        case JOIN_LEFT: return inner > l ? inner : l;
        case JOIN_RIGHT: return inner > r ? inner : r;
        case JOIN_FULL: {
            double m = inner > l ? inner : l;
            return m > r ? m : r;
        }
        case JOIN_SEMI:
        case JOIN_ANTI: {
            /* the share of left rows with a partner: at most all of them */
            double share = r > 0 ? inner / l : 0;
            if (share > 1) share = 1;
            if (!op->u.join.cond) share = r > 0 ? 1 : 0;
            double keep = op->u.join.type == JOIN_SEMI ? share : 1 - share;
            if (keep < 0.1) keep = 0.1; /* correlated data surprises the independence assumption */
            return l * keep;
        }
        default: return inner;
        }
    }
    case LOP_SETOP: {
        double l = card_rows(c0), r = card_rows(c1);
        if (op->u.setop.op == SETOP_UNION) return l + r;
        if (op->u.setop.op == SETOP_INTERSECT) return l < r ? l : r;
        return l;
    }
    case LOP_APPLY: return card_rows(c0);
    case LOP_INSERT:
    case LOP_UPDATE:
    case LOP_DELETE: return c0 ? card_rows(c0) : 1;
    case LOP_SYSTEM: return 100;
    default: return 1000;
    }
}

double card_rows(LogicalOp *op)
{
    if (!op) return 1;
    if (op->est_rows >= 0) return op->est_rows;
    double n = estimate(op);
    if (!(n >= 1)) n = 1; /* also NaN */
    op->est_rows = n;
    return n;
}

static void clear(LogicalOp *op)
{
    if (!op) return;
    op->est_rows = -1;
    for (int i = 0; i < op->nchildren; i++) clear(op->children[i]);
}

void card_annotate(LogicalOp *root)
{
    clear(root);
    card_rows(root);
}
