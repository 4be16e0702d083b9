/*
 * src/optimizer/join_order.c — cost-based join ordering for regions of inner
 * joins.
 *
 * A region is a tree of INNER/CROSS joins (with the filters above it); its
 * leaves are any other operators.  Each leaf's rows are estimated with the
 * predicates on it alone (cardinality.c); each predicate over several leaves
 * gets a selectivity (1/max(ndv) for an equality of two columns).  The rows
 * of a set of leaves are then the product of its leaves' rows and of the
 * selectivities of the predicates inside it — a number that does not depend
 * on the order in which the set was joined, so the order of the FROM list
 * cannot change the chosen plan.
 *
 * With up to DP_MAX_LEAVES leaves the best bushy plan is found by dynamic
 * programming over connected subsets (DPsub): a plan's cost is the sum of the
 * rows of every join result plus the rows put into hash tables (C_out with a
 * build term).  Cross products are only considered between components that
 * no predicate connects.  Larger regions are ordered greedily: start from the
 * smallest leaf and add the connected leaf that keeps the result smallest.
 * In every join the smaller input is the build side (the right child).
 *
 * The predicates go into one filter on top, and filter pushdown (pushdown.c)
 * then places each at the lowest join that has all its columns, turning
 * equalities into hash-join keys.  Plans refer to columns by binding, so the
 * new order needs no rewriting.
 */
#include <math.h>
#include <stdatomic.h>

#include "optimizer/optimizer.h"

#define MAX_LEAVES 64

typedef struct Region {
    LogicalOp *leaves[MAX_LEAVES];
    int nleaves;
    Expr **preds;
    int npreds, cap;
    bool overflow;
} Region;

Expr *factor_or(Arena *a, Expr *e);

static void add_pred(Arena *a, Region *r, Expr *e)
{
    if (!e) return;
    if (e->kind == EXPR_OR) e = factor_or(a, e);
    if (e->kind == EXPR_AND) {
        add_pred(a, r, e->args[0]);
        add_pred(a, r, e->args[1]);
        return;
    }
    if (r->npreds == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        Expr **n = arena_alloc(a, sizeof(Expr *) * (size_t)r->cap);
        if (r->npreds) memcpy(n, r->preds, sizeof(Expr *) * (size_t)r->npreds);
        r->preds = n;
    }
    r->preds[r->npreds++] = e;
}

static bool is_inner(const LogicalOp *op)
{
    return op->kind == LOP_JOIN && (op->u.join.type == JOIN_INNER || op->u.join.type == JOIN_CROSS);
}

static void collect(Arena *a, Region *r, LogicalOp *op)
{
    if (is_inner(op)) {
        add_pred(a, r, op->u.join.cond);
        collect(a, r, op->children[0]);
        collect(a, r, op->children[1]);
        return;
    }
    if (op->kind == LOP_FILTER && is_inner(op->children[0])) {
        add_pred(a, r, op->u.filter.pred);
        collect(a, r, op->children[0]);
        return;
    }
    if (r->nleaves == MAX_LEAVES) {
        r->overflow = true;
        return;
    }
    r->leaves[r->nleaves++] = op;
}

static bool produces(const LogicalOp *op, ColBinding b)
{
    for (int i = 0; i < op->ncols; i++)
        if (op->cols[i].table == b.table && op->cols[i].column == b.column) return true;
    return false;
}

/* Bitmask of the leaves an expression references (bit 63: something else). */
static u64 leaves_of(const Region *r, const Expr *e)
{
    u64 m = 0;
    if (e->kind == EXPR_COLREF && e->u.col.depth == 0) {
        for (int i = 0; i < r->nleaves; i++)
            if (produces(r->leaves[i], e->u.col.binding)) return (u64)1 << i;
        return 0;
    }
    if (e->kind == EXPR_SUBQUERY) {
        for (int i = 0; i < e->u.sub.nouter; i++) m |= leaves_of(r, e->u.sub.outer_exprs[i]);
        if (e->nargs) m |= leaves_of(r, e->args[0]);
        return m;
    }
    for (int i = 0; i < e->nargs; i++) m |= leaves_of(r, e->args[i]);
    return m;
}

#define DP_MAX_LEAVES 12

static bool is_eq(const Expr *e)
{
    return e->kind == EXPR_FUNC && e->nargs == 2 && e->u.func.fn && !strcmp(e->u.func.fn->name, "=");
}

/* Estimates for one region. */
typedef struct RegionEst {
    int n;
    double leaf_rows[MAX_LEAVES];
    u64 adj[MAX_LEAVES];   /* leaves sharing a predicate with leaf i */
    u64 *pm;               /* leaves of each predicate */
    double *psel;          /* selectivity of each multi-leaf predicate */
    int npreds;
} RegionEst;

static int leaf_of(const Region *r, ColBinding b)
{
    for (int i = 0; i < r->nleaves; i++)
        if (produces(r->leaves[i], b)) return i;
    return -1;
}

static const Expr *strip_casts(const Expr *e)
{
    while (e && e->kind == EXPR_CAST && e->nargs == 1) e = e->args[0];
    return e;
}

/* Selectivity of a predicate over several leaves, as a filter over the
 * cross product of those leaves. */
static double multi_sel(Arena *a, const Region *r, const RegionEst *re, const Expr *e, u64 m)
{
    if (is_eq(e)) {
        const Expr *x = strip_casts(e->args[0]), *y = strip_casts(e->args[1]);
        if (x->kind == EXPR_COLREF && y->kind == EXPR_COLREF && x->u.col.depth == 0 && y->u.col.depth == 0) {
            int i = leaf_of(r, x->u.col.binding), j = leaf_of(r, y->u.col.binding);
            if (i >= 0 && j >= 0 && i != j) {
                double ni = card_ndv(r->leaves[i], x->u.col.binding);
                double nj = card_ndv(r->leaves[j], y->u.col.binding);
                if (ni > re->leaf_rows[i]) ni = re->leaf_rows[i];
                if (nj > re->leaf_rows[j]) nj = re->leaf_rows[j];
                double d = ni > nj ? ni : nj;
                return d >= 1 ? 1 / d : 1;
            }
        }
    }
    if (__builtin_popcountll(m) != 2 || (m >> 63)) return 0.33;
    /* two leaves: estimate as a filter over their cross product */
    int i = __builtin_ctzll(m), j = 63 - __builtin_clzll(m);
    LogicalOp *x = lop_new(a, LOP_JOIN, 2);
    x->children[0] = r->leaves[i];
    x->children[1] = r->leaves[j];
    x->u.join.type = JOIN_CROSS;
    lop_concat_cols(a, x, r->leaves[i], r->leaves[j]);
    x->est_rows = re->leaf_rows[i] * re->leaf_rows[j];
    return card_sel(x, e);
}

static double set_rows(const RegionEst *re, u64 mask)
{
    double rows = 1;
    for (int i = 0; i < re->n; i++)
        if (mask & ((u64)1 << i)) rows *= re->leaf_rows[i];
    for (int p = 0; p < re->npreds; p++)
        if (__builtin_popcountll(re->pm[p]) >= 2 && (re->pm[p] & ~mask) == 0) rows *= re->psel[p];
    return rows < 1 ? 1 : rows;
}

static bool connects(const RegionEst *re, u64 s1, u64 s2)
{
    for (int i = 0; i < re->n; i++)
        if ((s2 & ((u64)1 << i)) && (re->adj[i] & s1)) return true;
    return false;
}

static LogicalOp *make_join(Arena *a, LogicalOp *x, double xr, LogicalOp *y, double yr, double rows)
{
    LogicalOp *j = lop_new(a, LOP_JOIN, 2);
    /* the planner builds the hash table on the right input: make it the smaller */
    LogicalOp *lhs = x, *rhs = y;
    if (yr > xr) {
        lhs = y;
        rhs = x;
    }
    j->children[0] = lhs;
    j->children[1] = rhs;
    j->u.join.type = JOIN_CROSS;
    lop_concat_cols(a, j, lhs, rhs);
    j->est_rows = rows;
    return j;
}

typedef struct DP {
    double *cost, *rows;
    u64 *split;
} DP;

static LogicalOp *dp_build(Arena *a, const Region *r, const DP *dp, u64 mask)
{
    if (__builtin_popcountll(mask) == 1) return r->leaves[__builtin_ctzll(mask)];
    u64 s1 = dp->split[mask], s2 = mask ^ s1;
    return make_join(a, dp_build(a, r, dp, s1), dp->rows[s1], dp_build(a, r, dp, s2), dp->rows[s2], dp->rows[mask]);
}

/* Best plan of every connected subset of `all` (DPsub); returns false when
 * `all` is not connected. */
static bool dp_solve(const RegionEst *re, DP *dp, u64 all)
{
    size_t nm = (size_t)1 << re->n;
    for (size_t m = 1; m < nm; m++) {
        dp->cost[m] = INFINITY;
        if ((m & ~all) != 0) continue;
        dp->rows[m] = set_rows(re, m);
        if (__builtin_popcountll(m) == 1) {
            dp->cost[m] = 0;
            continue;
        }
        u64 low = m & (~m + 1);
        /* every split whose first half holds the lowest leaf */
        for (u64 s1 = (m - 1) & m; s1; s1 = (s1 - 1) & m) {
            if (!(s1 & low)) continue;
            u64 s2 = m ^ s1;
            if (dp->cost[s1] == INFINITY || dp->cost[s2] == INFINITY || !connects(re, s1, s2)) continue;
            double r1 = dp->rows[s1], r2 = dp->rows[s2];
            double c = dp->cost[s1] + dp->cost[s2] + dp->rows[m] + (r1 < r2 ? r1 : r2);
            if (c < dp->cost[m]) {
                dp->cost[m] = c;
                dp->split[m] = s1;
            }
        }
    }
    return dp->cost[all] < INFINITY;
}

/* Leaves reachable from leaf `start` through predicates, within `within`. */
static u64 component(const RegionEst *re, int start, u64 within)
{
    u64 seen = (u64)1 << start, frontier = seen;
    while (frontier) {
        int i = __builtin_ctzll(frontier);
        frontier &= frontier - 1;
        u64 nb = re->adj[i] & within & ~seen;
        seen |= nb;
        frontier |= nb;
    }
    return seen;
}

/* Greedy order of one connected component (regions too large for DP). */
static LogicalOp *greedy(Arena *a, const Region *r, const RegionEst *re, u64 comp, double *rows_out)
{
    int first = -1;
    for (int i = 0; i < re->n; i++)
        if ((comp & ((u64)1 << i)) && (first < 0 || re->leaf_rows[i] < re->leaf_rows[first])) first = i;
    u64 used = (u64)1 << first;
    LogicalOp *cur = r->leaves[first];
    double cur_rows = re->leaf_rows[first];
    while (used != comp) {
        int best = -1;
        double best_rows = INFINITY;
        for (int i = 0; i < re->n; i++) {
            u64 bit = (u64)1 << i;
            if (!(comp & bit) || (used & bit) || !(re->adj[i] & used)) continue;
            double rr = set_rows(re, used | bit);
            if (rr < best_rows) {
                best = i;
                best_rows = rr;
            }
        }
        if (best < 0) break; /* cannot happen within a component */
        cur = make_join(a, cur, cur_rows, r->leaves[best], re->leaf_rows[best], best_rows);
        cur_rows = best_rows;
        used |= (u64)1 << best;
    }
    *rows_out = cur_rows;
    return cur;
}

LogicalOp *join_order(Arena *a, LogicalOp *op);

static LogicalOp *reorder_region(Arena *a, LogicalOp *top)
{
    Region r;
    memset(&r, 0, sizeof(r));
    collect(a, &r, top);
    if (r.overflow || r.nleaves < 2) return top;
    for (int i = 0; i < r.nleaves; i++) r.leaves[i] = join_order(a, r.leaves[i]);
    RegionEst re;
    memset(&re, 0, sizeof(re));
    re.n = r.nleaves;
    re.npreds = r.npreds;
    re.pm = arena_alloc(a, sizeof(u64) * (size_t)(r.npreds + 1));
    re.psel = arena_alloc(a, sizeof(double) * (size_t)(r.npreds + 1));
    for (int i = 0; i < r.nleaves; i++) re.leaf_rows[i] = card_rows(r.leaves[i]);
    for (int p = 0; p < r.npreds; p++) {
        re.pm[p] = leaves_of(&r, r.preds[p]);
        re.psel[p] = 1;
        if (__builtin_popcountll(re.pm[p]) == 1) {
            int i = __builtin_ctzll(re.pm[p]);
            re.leaf_rows[i] *= card_sel(r.leaves[i], r.preds[p]);
        }
    }
    for (int i = 0; i < r.nleaves; i++)
        if (re.leaf_rows[i] < 1) re.leaf_rows[i] = 1;
    for (int p = 0; p < r.npreds; p++) {
        u64 m = re.pm[p] & ~((u64)1 << 63);
        if (__builtin_popcountll(m) < 2) continue;
        re.psel[p] = multi_sel(a, &r, &re, r.preds[p], re.pm[p]);
        for (int i = 0; i < r.nleaves; i++)
            if (m & ((u64)1 << i)) re.adj[i] |= m & ~((u64)1 << i);
    }
    /* Several equalities between the same two leaves are one composite key
     * (lineitem–partsupp on partkey and suppkey): their selectivities are
     * not independent, and together they cannot select fewer than one
     * partner per row of the smaller side.  Cap the product there. */
    for (int i = 0; i < r.nleaves; i++)
        for (int j = i + 1; j < r.nleaves; j++) {
            u64 pair = ((u64)1 << i) | ((u64)1 << j);
            double prod = 1;
            int k = 0;
            for (int p = 0; p < r.npreds; p++)
                if (re.pm[p] == pair && is_eq(r.preds[p])) {
                    prod *= re.psel[p];
                    k++;
                }
            double small = re.leaf_rows[i] < re.leaf_rows[j] ? re.leaf_rows[i] : re.leaf_rows[j];
            double floor_sel = 1 / (small > 1 ? small : 1);
            if (k < 2 || prod >= floor_sel) continue;
            double scale = pow(floor_sel / prod, 1.0 / k);
            for (int p = 0; p < r.npreds; p++)
                if (re.pm[p] == pair && is_eq(r.preds[p])) re.psel[p] *= scale;
        }
    u64 all = r.nleaves == 64 ? ~(u64)0 : (((u64)1 << r.nleaves) - 1);
    /* each connected component gets its best plan; components are then
     * joined by cross products, smallest first */
    LogicalOp *parts[MAX_LEAVES];
    double prow[MAX_LEAVES];
    int nparts = 0;
    DP dp = {0};
    if (r.nleaves <= DP_MAX_LEAVES) {
        size_t nm = (size_t)1 << r.nleaves;
        dp.cost = arena_alloc(a, sizeof(double) * nm);
        dp.rows = arena_alloc(a, sizeof(double) * nm);
        dp.split = arena_zalloc(a, sizeof(u64) * nm);
    }
    for (u64 left = all; left;) {
        u64 comp = component(&re, __builtin_ctzll(left), left);
        left &= ~comp;
        if (dp.cost && dp_solve(&re, &dp, comp)) {
            parts[nparts] = dp_build(a, &r, &dp, comp);
            prow[nparts++] = dp.rows[comp];
        } else {
            parts[nparts] = greedy(a, &r, &re, comp, &prow[nparts]);
            nparts++;
        }
    }
    for (int i = 1; i < nparts; i++) /* insertion sort by rows */
        for (int j = i; j > 0 && prow[j] < prow[j - 1]; j--) {
            LogicalOp *t = parts[j];
            parts[j] = parts[j - 1];
            parts[j - 1] = t;
            double tr = prow[j];
            prow[j] = prow[j - 1];
            prow[j - 1] = tr;
        }
    LogicalOp *cur = parts[0];
    double cur_rows = prow[0];
    for (int i = 1; i < nparts; i++) {
        double rows = cur_rows * prow[i];
        cur = make_join(a, cur, cur_rows, parts[i], prow[i], rows);
        cur_rows = rows;
    }
    Expr *allp = NULL;
    for (int p = 0; p < r.npreds; p++) allp = expr_and(a, allp, r.preds[p]);
    if (!allp) return cur;
    LogicalOp *f = lop_new(a, LOP_FILTER, 1);
    f->children[0] = cur;
    lop_inherit_cols(a, f, cur);
    f->u.filter.pred = allp;
    return f;
}

LogicalOp *join_order(Arena *a, LogicalOp *op)
{
    if (is_inner(op) || (op->kind == LOP_FILTER && is_inner(op->children[0]))) return reorder_region(a, op);
    for (int i = 0; i < op->nchildren; i++) op->children[i] = join_order(a, op->children[i]);
    return op;
}
