/*
 * src/main/plancache.c — the plans prepared statements keep.
 *
 * A prepared SELECT (mdb_prepare, and through it the wire protocol's named and
 * unnamed statements) is bound, optimized and planned at its first execution;
 * the physical plan is kept in the statement's PlanCache and run again by every
 * later execution with that execution's parameter values.  Parameters are
 * run-time values: the binder turns `$n` into EXPR_PARAM, which the executor
 * reads from the execution's parameter vector (casting to the type the binder
 * inferred), so no plan depends on the values — PostgreSQL's generic plan.  An
 * index bound may be a parameter (ops_index.c: `row_independent`), so
 * `WHERE aid = $1` keeps its primary-key Index Scan in the kept plan.
 *
 * A kept plan is used only while what it was made from is unchanged:
 *   - the catalog version (bumped by every DDL, ANALYZE/VACUUM, the commit and
 *     the rollback of a transaction that changed the catalog): the plan points at
 *     table definitions and stores, and name resolution may now find other objects;
 *   - the settings that binding or constant folding read (search_path, TimeZone,
 *     DateStyle, session_authorization, …);
 *   - the rows of the tables it scans: when one has more than doubled or halved
 *     (and by at least PLANCACHE_MIN_DRIFT rows) since planning, the estimates
 *     its join order and build sides came from are stale (PostgreSQL re-plans
 *     after autoanalyze invalidates a plan; the tiers' statistics have no version,
 *     so the row count stands in for one).
 * Otherwise the statement is bound and planned again.  As in PostgreSQL, the
 * result's shape (column count, names, types) is fixed by the first plan or
 * describe: a new plan with another shape fails with 0A000 "cached plan must not
 * change result type" (a wire-protocol client has been told the shape already).
 *
 * Everything here runs inside engine_run, under the catalog lock (shared).
 */
#include "main/engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/physical.h"
#include "storage/tableam.h"

/* Row-count drift below this many rows never triggers a new plan (small tables). */
#define PLANCACHE_MIN_DRIFT 100

struct PlanCache {
    Arena *arena;           /* the plan and what it refers to; NULL = no plan */
    u64 cat_version;
    Settings settings;      /* at planning time */
    ExecPlan plan;
    int ncols;              /* the result */
    char **names;
    LType *types;
    char **type_names;
    u32 *origin_oids;
    int *origin_attnums;
    int ntables;            /* stores scanned, with their rows at planning time */
    TableStore **stores;
    i64 *rows;
    bool shape_set;         /* the result's shape as first planned or described (malloc'd) */
    int shape_ncols;
    char **shape_names;
    LType *shape_types;
    u64 nplans, nreuses;
};

PlanCache *plancache_new(void) { return xcalloc(1, sizeof(PlanCache)); }

void plancache_invalidate(PlanCache *pc)
{
    if (!pc) return;
    arena_destroy(pc->arena);
    pc->arena = NULL;
}

void plancache_free(PlanCache *pc)
{
    if (!pc) return;
    plancache_invalidate(pc);
    for (int i = 0; i < pc->shape_ncols; i++) free(pc->shape_names[i]);
    free(pc->shape_names);
    free(pc->shape_types);
    free(pc);
}

void plancache_counts(const PlanCache *pc, u64 *plans, u64 *reuses)
{
    *plans = pc ? pc->nplans : 0;
    *reuses = pc ? pc->nreuses : 0;
}

static void plan_text(const PhysOp *op, char *buf, size_t cap, size_t *o)
{
    if (!op || *o >= cap) return;
    *o += (size_t)snprintf(buf + *o, cap - *o, "%s%s%s\n", op->vt->name, op->explain ? " " : "", op->explain ? op->explain : "");
    for (int i = 0; i < 2; i++)
        if (i < op->nchildren || (op->nchildren == 0 && op->children[i])) plan_text(op->children[i], buf, cap, o);
}

void plancache_plan_text(const PlanCache *pc, char *buf, size_t cap)
{
    size_t o = 0;
    buf[0] = 0;
    if (pc && pc->arena) plan_text(pc->plan.root, buf, cap, &o);
}

/* The settings that binding, constant folding or planning read; the others (timeouts,
 * application_name, client_min_messages, …) change nothing in a plan. */
static bool settings_plan_equal(const Settings *a, const Settings *b)
{
    return !strcmp(a->search_path, b->search_path) && !strcmp(a->timezone, b->timezone) && !strcmp(a->datestyle, b->datestyle) &&
           !strcmp(a->session_user, b->session_user) && !strcmp(a->database, b->database) &&
           !strcmp(a->default_table_access_method, b->default_table_access_method) && a->threads == b->threads &&
           a->extra_float_digits == b->extra_float_digits && a->memory_limit == b->memory_limit;
}

static bool drifted(i64 then, i64 now)
{
    i64 d = now > then ? now - then : then - now;
    return d >= PLANCACHE_MIN_DRIFT && (now > 2 * then || 2 * now < then);
}

static bool plancache_valid(MdbConn *c, const PlanCache *pc)
{
    if (!pc->arena) return false;
    if (__atomic_load_n(&c->db->cat.version, __ATOMIC_ACQUIRE) != pc->cat_version) return false;
    if (!settings_plan_equal(&pc->settings, &c->settings)) return false;
    for (int i = 0; i < pc->ntables; i++)
        if (drifted(pc->rows[i], tableam_live_rows(pc->stores[i]))) return false;
    return true;
}

/* Records the stores a bound plan scans (its operators, LATERAL subqueries and CTE
 * definitions; subqueries inside expressions are not followed). */
static void collect_tables(PlanCache *pc, const LogicalOp *op, int *cap)
{
    if (!op) return;
    if (op->kind == LOP_GET && op->u.get.table && op->u.get.table->store) {
        TableStore *st = op->u.get.table->store;
        for (int i = 0; i < pc->ntables; i++)
            if (pc->stores[i] == st) goto children;
        if (pc->ntables == *cap) {
            int ncap = *cap ? *cap * 2 : 8;
            TableStore **ns = arena_alloc(pc->arena, sizeof(TableStore *) * (size_t)ncap);
            i64 *nr = arena_alloc(pc->arena, sizeof(i64) * (size_t)ncap);
            for (int i = 0; i < pc->ntables; i++) ns[i] = pc->stores[i], nr[i] = pc->rows[i];
            pc->stores = ns;
            pc->rows = nr;
            *cap = ncap;
        }
        pc->stores[pc->ntables] = st;
        pc->rows[pc->ntables++] = tableam_live_rows(st);
    }
children:
    if (op->kind == LOP_APPLY) collect_tables(pc, op->u.apply.sub, cap);
    for (int i = 0; i < op->nchildren; i++) collect_tables(pc, op->children[i], cap);
}

static bool same_shape(const PlanCache *pc, int n, char **names, const LType *types)
{
    if (n != pc->shape_ncols) return false;
    for (int i = 0; i < n; i++) {
        const char *nm = names[i] ? names[i] : "?column?";
        if (!ltype_eq(types[i], pc->shape_types[i]) || strcmp(nm, pc->shape_names[i])) return false;
    }
    return true;
}

/* Fixes the shape of the statement's result (its first plan or describe); false when a
 * shape was fixed before and this one differs. */
bool plancache_note_shape(PlanCache *pc, int n, char **names, const LType *types)
{
    if (pc->shape_set) return same_shape(pc, n, names, types);
    pc->shape_set = true;
    pc->shape_ncols = n;
    pc->shape_names = xcalloc((size_t)n + 1, sizeof(char *));
    pc->shape_types = xcalloc((size_t)n + 1, sizeof(LType));
    for (int i = 0; i < n; i++) {
        pc->shape_names[i] = xstrdup(names[i] ? names[i] : "?column?");
        pc->shape_types[i] = types[i];
    }
    return true;
}

/* Binds and plans the SELECT into a new plan (b: the statement's binder, whose shared state
 * holds the parameter types the client fixed). */
static int plancache_build(MdbConn *c, PlanCache *pc, Binder *b, PgQuery__SelectStmt *s)
{
    plancache_invalidate(pc);
    u64 version = __atomic_load_n(&c->db->cat.version, __ATOMIC_ACQUIRE);
    Arena *a = arena_create(NULL);
    pc->arena = a;
    BindShared sh;
    memset(&sh, 0, sizeof sh);
    if (b->shared->param_cap > 0) {
        sh.param_types = arena_alloc(a, sizeof(LType) * (size_t)b->shared->param_cap);
        memcpy(sh.param_types, b->shared->param_types, sizeof(LType) * (size_t)b->shared->param_cap);
        sh.param_cap = b->shared->param_cap;
    }
    Binder nb;
    binder_init(&nb, a, &c->db->cat, &c->settings, &c->err, &sh, NULL);
    LogicalOp *plan;
    char **names;
    if (bind_select(&nb, s, &plan, &names)) goto fail;
    if (!plancache_note_shape(pc, plan->ncols, names, plan->types)) {
        err_set(&c->err, SQLSTATE_FEATURE_NOT_SUPPORTED, "cached plan must not change result type");
        goto fail;
    }
    pc->ncols = plan->ncols;
    pc->names = names;
    pc->types = plan->types;
    pc->type_names = arena_alloc(a, sizeof(char *) * (size_t)(plan->ncols + 1));
    for (int i = 0; i < plan->ncols; i++) {
        char buf[64];
        pc->type_names[i] = arena_strdup(a, type_name(plan->types[i], buf, sizeof buf));
        if (!names[i]) names[i] = "?column?";
    }
    /* where the columns come from (RowDescription), worked out once on the bound plan */
    MdbResult tmp;
    memset(&tmp, 0, sizeof tmp);
    tmp.arena = a;
    tmp.ncols = plan->ncols;
    result_set_origins(&tmp, plan, &sh);
    pc->origin_oids = tmp.origin_oids;
    pc->origin_attnums = tmp.origin_attnums;
    int cap = 0;
    pc->ntables = 0;
    pc->stores = NULL;
    pc->rows = NULL;
    collect_tables(pc, plan, &cap);
    for (int i = 0; i < sh.ncte; i++) collect_tables(pc, sh.cte_plans[i], &cap);
    if (engine_plan_query(c, &nb, plan, a, &pc->plan)) goto fail;
    pc->cat_version = version;
    pc->settings = c->settings;
    pc->nplans++;
    return MDB_OK_;
fail:
    plancache_invalidate(pc);
    return MDB_FAIL;
}

/* The result's columns (result_set_columns' work, with the type names rendered once at
 * planning), copied in one allocation: a result may outlive the plan. */
static void result_from_plan(MdbResult *r, const PlanCache *pc)
{
    int n = pc->ncols;
    size_t text = 0;
    for (int i = 0; i < n; i++) text += strlen(pc->names[i]) + strlen(pc->type_names[i]) + 2;
    size_t arrays = (sizeof(char *) * 2 + sizeof(LType)) * (size_t)(n + 1);
    size_t origins = pc->origin_oids ? (sizeof(u32) + sizeof(int)) * (size_t)(n + 1) : 0;
    char *m = arena_alloc(r->arena, arrays + origins + text);
    r->ncols = n;
    r->names = (char **)m; /* pointers first, then 4-byte-aligned LTypes, u32s and ints, then text */
    r->type_names = r->names + n + 1;
    r->types = (LType *)(r->type_names + n + 1);
    char *p = (char *)(r->types + n + 1);
    if (origins) {
        r->origin_oids = (u32 *)p;
        r->origin_attnums = (int *)(r->origin_oids + n + 1);
        memcpy(r->origin_oids, pc->origin_oids, sizeof(u32) * (size_t)n);
        memcpy(r->origin_attnums, pc->origin_attnums, sizeof(int) * (size_t)n);
        p = (char *)(r->origin_attnums + n + 1);
    }
    for (int i = 0; i < n; i++) {
        r->types[i] = pc->types[i];
        size_t l = strlen(pc->names[i]) + 1;
        r->names[i] = memcpy(p, pc->names[i], l);
        p += l;
        l = strlen(pc->type_names[i]) + 1;
        r->type_names[i] = memcpy(p, pc->type_names[i], l);
        p += l;
    }
    r->has_rows = true;
}

int plancache_run_select(MdbConn *c, PlanCache *pc, Binder *b, PgQuery__SelectStmt *s, const Value *params, int nparams, Txn *txn,
                         MdbResult *r)
{
    if (plancache_valid(c, pc)) pc->nreuses++;
    else if (plancache_build(c, pc, b, s)) return MDB_FAIL;
    result_from_plan(r, pc);
    r->rows = colcoll_create(pc->types, pc->ncols);
    if (engine_exec_plan(c, &pc->plan, params, nparams, txn, r->rows, false, b->arena)) return MDB_FAIL;
    /* "SELECT n" without snprintf: it showed in the profile of point lookups */
    char digits[24];
    int nd = 0;
    unsigned long long k = (unsigned long long)r->rows->count;
    do digits[nd++] = (char)('0' + k % 10); while (k /= 10);
    memcpy(r->tag, "SELECT ", 7);
    for (int i = 0; i < nd; i++) r->tag[7 + i] = digits[nd - 1 - i];
    r->tag[7 + nd] = 0;
    r->rows_affected = (i64)r->rows->count;
    return MDB_OK_;
}
