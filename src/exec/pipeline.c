/*
 * src/exec/pipeline.c — cutting a physical plan into pipelines and running
 * them on worker threads (morsel-driven parallelism; see physical.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "exec/physical.h"

typedef struct Pipeline {
    PhysOp *source;
    PhysOp **ops;     /* streaming operators, bottom-up */
    int nops, capops;
    PhysOp *sink;     /* NULL for the result pipeline */
    int child;        /* which child of the sink this pipeline feeds */
    int order;        /* completion order */
} Pipeline;

typedef struct PipeList {
    Pipeline **items;
    int n, cap;
    int *sink_refs;   /* pipelines still to run per sink op id */
} PipeList;

static Pipeline *pipe_new(Arena *a, PhysOp *sink)
{
    Pipeline *p = arena_zalloc(a, sizeof(Pipeline));
    p->sink = sink;
    return p;
}

static void pipe_add_op(Arena *a, Pipeline *p, PhysOp *op)
{
    if (p->nops == p->capops) {
        int cap = p->capops ? p->capops * 2 : 4;
        PhysOp **n = arena_alloc(a, sizeof(PhysOp *) * (size_t)cap);
        if (p->nops) memcpy(n, p->ops, sizeof(PhysOp *) * (size_t)p->nops);
        p->ops = n;
        p->capops = cap;
    }
    p->ops[p->nops++] = op; /* top-down; reversed when the source is found */
}

static void list_add(Arena *a, PipeList *l, Pipeline *p)
{
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 8;
        Pipeline **n = arena_alloc(a, sizeof(Pipeline *) * (size_t)cap);
        if (l->n) memcpy(n, l->items, sizeof(Pipeline *) * (size_t)l->n);
        l->items = n;
        l->cap = cap;
    }
    l->items[l->n++] = p;
}

static void build(Arena *a, PipeList *l, PhysOp *op, Pipeline *cur);

/* Starts a new pipeline that feeds `sink` from `child` and schedules it. */
static void build_sink_pipeline(Arena *a, PipeList *l, PhysOp *sink, PhysOp *child, int idx)
{
    Pipeline *p = pipe_new(a, sink);
    p->child = idx;
    l->sink_refs[sink->id]++;
    build(a, l, child, p);
}

static void finish(Arena *a, PipeList *l, Pipeline *p)
{
    /* reverse the operators to bottom-up order */
    for (int i = 0, j = p->nops - 1; i < j; i++, j--) {
        PhysOp *t = p->ops[i];
        p->ops[i] = p->ops[j];
        p->ops[j] = t;
    }
    list_add(a, l, p);
}

static void build(Arena *a, PipeList *l, PhysOp *op, Pipeline *cur)
{
    const OpVT *vt = op->vt;
    if (vt->op_exec) {
        pipe_add_op(a, cur, op);
        if (vt->sink_child && op->nchildren > 1) build_sink_pipeline(a, l, op, op->children[1], 1);
        build(a, l, op->children[0], cur);
        return;
    }
    if (vt->sink_push) {
        /* breaker: source of cur, sink of the pipeline(s) below */
        cur->source = op;
        for (int c = 0; c < op->nchildren; c++) build_sink_pipeline(a, l, op, op->children[c], c);
        finish(a, l, cur);
        return;
    }
    cur->source = op;
    finish(a, l, cur);
}

/* ---- running ------------------------------------------------------------------- */

typedef struct Worker {
    Exec *ex;
    Pipeline *p;
    void *src_g;
    void *sink_g;
    pthread_t tid;
    ColumnCollection *result; /* rows of a sink-less pipeline */
} Worker;

void exec_fail(Exec *ex, Err *err)
{
    Exec *root = ex;
    pthread_mutex_lock(&root->mu);
    if (!root->err.is_set) err_move(&root->err, err);
    else err_clear(err);
    atomic_store(&root->failed, true);
    pthread_mutex_unlock(&root->mu);
}

bool exec_cancelled(Exec *ex)
{
    if (atomic_load(&ex->failed)) return true;
    if (ex->cancel && atomic_load(ex->cancel)) return true;
    if (ex->deadline_ns) {
        /* statement_timeout: checked between chunks, like the cancel flag */
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        if ((i64)ts.tv_sec * 1000000000 + ts.tv_nsec > ex->deadline_ns) return true;
    }
    return false;
}

typedef struct LocalState {
    void **op_l;
    DataChunk *bufs; /* one output chunk per operator */
    int *op_state;
    void *sink_l;
    ColumnCollection *result;
} LocalState;

/* Pushes `in` through operators from index i; returns -1 on error, 1 when the
 * sink wants no more input, 0 otherwise. */
static int push(Exec *ex, Pipeline *p, LocalState *ls, int i, DataChunk *in, void *sink_g, Err *err)
{
    if (in->count == 0) return 0;
    if (i == p->nops) {
        if (!p->sink) {
            if (ls->result) colcoll_append(ls->result, in, NULL, in->count);
            return 0;
        }
        int st = SINK_MORE;
        i64 t0 = ex->analyze ? time_mono_ns() : 0;
        int rc = p->sink->vt->sink_push(ex, p->sink, sink_g, ls->sink_l, in, &st);
        if (ex->analyze) atomic_fetch_add(&p->sink->time_ns, time_mono_ns() - t0);
        if (rc) return -1;
        return st == SINK_DONE ? 1 : 0;
    }
    PhysOp *op = p->ops[i];
    DataChunk *out = &ls->bufs[i];
    for (;;) {
        chunk_reset(out);
        int st = OP_NEED_INPUT;
        i64 t0 = ex->analyze ? time_mono_ns() : 0;
        if (op->vt->op_exec(ex, op, ls->op_l[i], in, out, &st)) return -1;
        if (ex->analyze) atomic_fetch_add(&op->time_ns, time_mono_ns() - t0);
        atomic_fetch_add(&op->actual_rows, (i64)out->count);
        out->batch = in->batch;
        int r = push(ex, p, ls, i + 1, out, sink_g, err);
        if (r) return r;
        if (st != OP_HAVE_MORE) return 0;
        if (exec_cancelled(ex)) return 1;
    }
}

static void *worker_main(void *arg)
{
    Worker *w = arg;
    Exec *ex = w->ex;
    Pipeline *p = w->p;
    Arena *a = arena_create(NULL);
    Err err = {0};
    LocalState ls;
    ls.result = w->result;
    ls.op_l = arena_zalloc(a, sizeof(void *) * (size_t)(p->nops + 1));
    ls.bufs = arena_zalloc(a, sizeof(DataChunk) * (size_t)(p->nops + 1));
    /* the local-state callbacks allocate from ex->arena, which the workers
     * share: one worker at a time (ThreadSanitizer found two workers' locals
     * overlapping, which corrupted hash-join and scan state now and then) */
    pthread_mutex_lock(&ex->mu);
    for (int i = 0; i < p->nops; i++) {
        PhysOp *op = p->ops[i];
        ls.op_l[i] = op->vt->op_local ? op->vt->op_local(ex, op) : NULL;
        chunk_init(&ls.bufs[i], op->types, op->ncols, VECTOR_SIZE, a);
    }
    ls.sink_l = p->sink && p->sink->vt->sink_local ? p->sink->vt->sink_local(ex, p->sink, w->sink_g, p->child) : NULL;
    void *src_l = p->source->vt->src_local ? p->source->vt->src_local(ex, p->source, w->src_g) : NULL;
    pthread_mutex_unlock(&ex->mu);
    DataChunk in;
    chunk_init(&in, p->source->types, p->source->ncols, VECTOR_SIZE, a);
    int rc = 0;
    bool stopped = false; /* the sink wants no more rows */
    while (!exec_cancelled(ex)) {
        chunk_reset(&in);
        i64 t0 = ex->analyze ? time_mono_ns() : 0;
        if (p->source->vt->src_next(ex, p->source, w->src_g, src_l, &in)) { rc = -1; break; }
        if (ex->analyze) atomic_fetch_add(&p->source->time_ns, time_mono_ns() - t0);
        if (in.count == 0) break;
        atomic_fetch_add(&p->source->actual_rows, (i64)in.count);
        int r = push(ex, p, &ls, 0, &in, w->sink_g, &err);
        if (r < 0) { rc = -1; break; }
        if (r > 0) { stopped = true; break; }
    }
    /* operators with output after their last input, bottom-up */
    for (int i = 0; i < p->nops && rc == 0 && !stopped && !exec_cancelled(ex); i++) {
        PhysOp *op = p->ops[i];
        if (!op->vt->op_finish) continue;
        for (;;) {
            DataChunk *out = &ls.bufs[i];
            chunk_reset(out);
            int st = OP_NEED_INPUT;
            if (op->vt->op_finish(ex, op, ls.op_l[i], out, &st)) { rc = -1; break; }
            atomic_fetch_add(&op->actual_rows, (i64)out->count);
            int r = push(ex, p, &ls, i + 1, out, w->sink_g, &err);
            if (r < 0) { rc = -1; break; }
            if (r > 0) { stopped = true; break; }
            if (st != OP_HAVE_MORE || exec_cancelled(ex)) break;
        }
    }
    if (rc == 0 && p->sink && p->sink->vt->sink_combine && !exec_cancelled(ex)) {
        pthread_mutex_lock(&ex->mu);
        rc = p->sink->vt->sink_combine(ex, p->sink, w->sink_g, ls.sink_l);
        pthread_mutex_unlock(&ex->mu);
    }
    (void)rc;
    arena_destroy(a);
    return NULL;
}

static void **global_slot(Exec *ex, PhysOp *op) { return &ex->gstate[op->id]; }

static int run_pipeline(Exec *ex, Pipeline *p)
{
    void **sg = global_slot(ex, p->source);
    if (!*sg && p->source->vt->src_init) *sg = p->source->vt->src_init(ex, p->source);
    void *sink_g = NULL;
    if (p->sink) {
        void **kg = global_slot(ex, p->sink);
        if (!*kg && p->sink->vt->sink_init) *kg = p->sink->vt->sink_init(ex, p->sink);
        sink_g = *kg;
    }
    if (exec_cancelled(ex)) return MDB_FAIL;
    int nthreads = 1;
    if (p->source->vt->src_threads && ex->threads > 1 && !(p->sink && p->sink->vt->sink_ordered))
        nthreads = MDB_MIN(ex->threads, p->source->vt->src_threads(ex, p->source, *sg));
    for (int i = 0; i < p->nops && nthreads > 1; i++)
        if (p->ops[i]->vt->op_threads) nthreads = MDB_MIN(nthreads, p->ops[i]->vt->op_threads(ex, p->ops[i]));
    if (nthreads < 1) nthreads = 1;
    Worker *ws = arena_zalloc(ex->arena, sizeof(Worker) * (size_t)nthreads);
    for (int t = 0; t < nthreads; t++) {
        ws[t] = (Worker){ex, p, *sg, sink_g, 0, NULL};
        if (t > 0 && pthread_create(&ws[t].tid, NULL, worker_main, &ws[t]) != 0) ws[t].tid = 0;
    }
    worker_main(&ws[0]);
    for (int t = 1; t < nthreads; t++) {
        if (ws[t].tid) pthread_join(ws[t].tid, NULL);
        else worker_main(&ws[t]);
    }
    return exec_cancelled(ex) ? MDB_FAIL : MDB_OK_;
}

int exec_run(Exec *ex, PhysOp *root, ColumnCollection *result, i64 *rows_affected)
{
    PipeList l;
    memset(&l, 0, sizeof(l));
    l.sink_refs = arena_zalloc(ex->arena, sizeof(int) * (size_t)(ex->nops + 1));
    Pipeline *top = pipe_new(ex->arena, NULL);
    build(ex->arena, &l, root, top);
    /* the top pipeline's rows go to the result through a local buffer */
    for (int i = 0; i < l.n; i++) {
        Pipeline *p = l.items[i];
        if (p == top) {
            /* one worker, so the result keeps the source's order */
            void **sg = global_slot(ex, p->source);
            if (!*sg && p->source->vt->src_init) *sg = p->source->vt->src_init(ex, p->source);
            if (exec_cancelled(ex)) return MDB_FAIL;
            Worker w = {ex, p, *sg, NULL, 0, result};
            worker_main(&w);
            if (exec_cancelled(ex)) return MDB_FAIL;
            continue;
        }
        if (run_pipeline(ex, p)) return MDB_FAIL;
        if (--l.sink_refs[p->sink->id] == 0 && p->sink->vt->sink_finalize) {
            if (p->sink->vt->sink_finalize(ex, p->sink, ex->gstate[p->sink->id])) return MDB_FAIL;
        }
    }
    (void)rows_affected;
    return exec_cancelled(ex) ? MDB_FAIL : MDB_OK_;
}

void exec_init(Exec *ex, Arena *a, Catalog *cat, Settings *s, Txn *txn)
{
    memset(ex, 0, sizeof(*ex));
    ex->arena = a;
    ex->cat = cat;
    ex->settings = s;
    ex->txn = txn;
    ex->threads = s ? s->threads : 1;
    ex->mem_limit = s ? s->memory_limit : 0;
    /* recursive: the workers create their local state under it (below), and
     * some of those callbacks take it again (exec_local_arena) */
    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
    pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&ex->mu, &ma);
    pthread_mutexattr_destroy(&ma);
    pthread_mutex_init(&ex->defer_mu, NULL);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ex->now_us = (i64)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

typedef struct ExecDefer {
    void (*fn)(void *);
    void *arg;
    struct ExecDefer *next;
} ExecDefer;

void exec_defer(Exec *ex, void (*fn)(void *), void *arg)
{
    pthread_mutex_lock(&ex->defer_mu);
    ExecDefer *d = arena_alloc(ex->arena, sizeof(ExecDefer));
    d->fn = fn;
    d->arg = arg;
    d->next = ex->defers;
    ex->defers = d;
    pthread_mutex_unlock(&ex->defer_mu);
}

void exec_cleanup(Exec *ex)
{
    for (ExecDefer *d = ex->defers; d; d = d->next) d->fn(d->arg);
    ex->defers = NULL;
    pthread_mutex_destroy(&ex->defer_mu);
    pthread_mutex_destroy(&ex->mu);
    err_clear(&ex->err);
    for (int i = 0; i < ex->nowned; i++) colcoll_destroy(ex->owned[i]);
    free(ex->owned);
    ex->owned = NULL;
    ex->nowned = ex->capowned = 0;
}

Arena *exec_local_arena(Exec *ex)
{
    pthread_mutex_lock(&ex->mu);
    Arena *a = arena_create(ex->arena);
    pthread_mutex_unlock(&ex->mu);
    return a;
}

void exec_own_coll(Exec *ex, ColumnCollection *c)
{
    if (ex->nowned == ex->capowned) {
        ex->capowned = ex->capowned ? ex->capowned * 2 : 8;
        ex->owned = xrealloc(ex->owned, sizeof(ColumnCollection *) * (size_t)ex->capowned);
    }
    ex->owned[ex->nowned++] = c;
}

PhysOp *physop_new(Arena *a, const OpVT *vt, int nchildren, const LType *types, int ncols)
{
    PhysOp *op = arena_zalloc(a, sizeof(PhysOp));
    op->vt = vt;
    op->nchildren = nchildren;
    op->ncols = ncols;
    op->types = arena_zalloc(a, sizeof(LType) * (size_t)(ncols + 1));
    if (ncols) memcpy(op->types, types, sizeof(LType) * (size_t)ncols);
    op->id = -1;
    return op;
}

/* ---- column collections -------------------------------------------------------- */

ColumnCollection *colcoll_create(const LType *types, int ncols)
{
    ColumnCollection *c = xcalloc(1, sizeof(ColumnCollection));
    c->ncols = ncols;
    c->types = xmalloc(sizeof(LType) * (size_t)(ncols + 1));
    memcpy(c->types, types, sizeof(LType) * (size_t)ncols);
    c->arena = arena_create(NULL);
    return c;
}

void colcoll_destroy(ColumnCollection *c)
{
    if (!c) return;
    arena_destroy(c->arena);
    free(c->chunks);
    free(c->types);
    free(c);
}

static DataChunk *new_chunk(ColumnCollection *c)
{
    if (c->nchunks == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 8;
        c->chunks = xrealloc(c->chunks, sizeof(DataChunk *) * c->cap);
    }
    DataChunk *d = arena_alloc(c->arena, sizeof(DataChunk));
    chunk_init(d, c->types, c->ncols, VECTOR_SIZE, c->arena);
    /* strings must outlive chunk resets: keep them in the collection arena */
    for (int i = 0; i < c->ncols; i++) d->cols[i].heap = c->arena;
    c->chunks[c->nchunks++] = d;
    return d;
}

void colcoll_append(ColumnCollection *c, const DataChunk *in, const u32 *sel, idx_t n)
{
    idx_t done = 0;
    while (done < n) {
        DataChunk *d = c->nchunks ? c->chunks[c->nchunks - 1] : NULL;
        if (!d || d->count == VECTOR_SIZE) d = new_chunk(c);
        idx_t k = MDB_MIN(n - done, VECTOR_SIZE - d->count);
        u32 tmp[VECTOR_SIZE];
        const u32 *s = sel ? sel + done : NULL;
        if (!sel && done) {
            for (idx_t i = 0; i < k; i++) tmp[i] = (u32)(done + i);
            s = tmp;
        }
        for (int col = 0; col < c->ncols; col++) vector_copy(&in->cols[col], s, k, &d->cols[col], d->count);
        d->count += k;
        done += k;
    }
    c->count += n;
}

void colcoll_absorb(ColumnCollection *dst, ColumnCollection *src)
{
    /* re-home src's arena under dst so the memory lives on */
    for (size_t i = 0; i < src->nchunks; i++) {
        if (dst->nchunks == dst->cap) {
            dst->cap = dst->cap ? dst->cap * 2 : 8;
            dst->chunks = xrealloc(dst->chunks, sizeof(DataChunk *) * dst->cap);
        }
        dst->chunks[dst->nchunks++] = src->chunks[i];
    }
    dst->count += src->count;
    Arena *sa = src->arena;
    sa->parent = dst->arena;
    sa->sibling = dst->arena->child;
    dst->arena->child = sa;
    src->arena = arena_create(NULL);
    src->nchunks = 0;
    src->count = 0;
}

Value colcoll_get(const ColumnCollection *c, idx_t row, int col)
{
    /* chunks are full except possibly the last */
    size_t ci = row / VECTOR_SIZE;
    return vector_get(&c->chunks[ci]->cols[col], row % VECTOR_SIZE);
}

int exec_subquery(Exec *ex, PhysOp *plan, const Value *outer, int nouter, ColumnCollection *out, idx_t limit)
{
    Arena *a = arena_create(NULL);
    Exec sub;
    exec_init(&sub, a, ex->cat, ex->settings, ex->txn);
    sub.parent = ex;
    sub.session = ex->session;
    sub.params = ex->params;
    sub.nparams = ex->nparams;
    sub.outer = outer;
    sub.nouter = nouter;
    sub.nops = ex->nops;
    sub.gstate = arena_zalloc(a, sizeof(void *) * (size_t)(ex->nops + 1));
    sub.subq = ex->subq;
    sub.cancel = ex->cancel;
    sub.deadline_ns = ex->deadline_ns;
    sub.now_us = ex->now_us;
    sub.threads = 1;
    (void)limit;
    int rc = exec_run(&sub, plan, out, NULL);
    if (rc || sub.err.is_set) {
        if (sub.err.is_set) exec_fail(ex, &sub.err);
        rc = MDB_FAIL;
    }
    exec_cleanup(&sub);
    arena_destroy(a);
    return rc;
}
