/*
 * src/catalog/catalog.c — catalog objects and their lookup, and the undo log
 * that makes DDL transactional: each change records how to reverse it, so
 * ROLLBACK (or ROLLBACK TO SAVEPOINT, or a failed statement) puts the catalog
 * back as it was, and COMMIT only parks what was dropped.
 */
#include "catalog/catalog.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

__thread const void *catalog_viewer;

void objlist_add(ObjList *l, void *p)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 8;
        l->items = xrealloc(l->items, l->cap * sizeof(void *));
    }
    l->items[l->n++] = p;
}

void objlist_remove(ObjList *l, void *p)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->items[i] == p) {
            memmove(&l->items[i], &l->items[i + 1], (l->n - i - 1) * sizeof(void *));
            l->n--;
            return;
        }
}

/* An element may be kept at its old position when relinked on rollback (psql's \\d
 * lists in catalog order). */
static void objlist_insert_at(ObjList *l, size_t pos, void *p)
{
    objlist_add(l, p);
    if (pos >= l->n - 1) return;
    memmove(&l->items[pos + 1], &l->items[pos], (l->n - 1 - pos) * sizeof(void *));
    l->items[pos] = p;
}

static size_t objlist_index(const ObjList *l, const void *p)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->items[i] == p) return i;
    return l->n;
}

enum { OBJ_TABLE = 1, OBJ_VIEW, OBJ_SEQ, OBJ_INDEX, OBJ_SCHEMA };

/* Undo entries.  CU_CREATE: unlink and park on rollback.  CU_DROP: the object was
 * unlinked from position pos; relink on rollback, park at commit.  CU_*_DEF: a
 * snapshot of the definition, restored on rollback.  CU_CALLBACK: a change outside
 * the catalog.  CU_NONE: a forgotten entry. */
enum { CU_NONE, CU_CREATE, CU_DROP, CU_TABLE_DEF, CU_SEQ_DEF, CU_INDEX_DEF, CU_VIEW_NAME, CU_CALLBACK };
struct CatUndo {
    u8 kind;
    u8 obj;                 /* OBJ_* of CU_CREATE / CU_DROP */
    void *p;                /* the object */
    size_t pos;
    void *saved;            /* CU_*_DEF: the snapshot */
    TableDef *tag;          /* CU_CALLBACK */
    void (*on_rollback)(void *arg);
    void (*on_commit)(void *arg);
};
typedef struct Grave {
    int kind;
    void *obj;
} Grave;

static void bury(Catalog *c, int kind, void *obj)
{
    Grave *g = xmalloc(sizeof(Grave));
    g->kind = kind;
    g->obj = obj;
    objlist_add(&c->graveyard, g);
}

static CatUndo *undo_push(Catalog *c, u8 kind)
{
    CatUndoLog *l = c->undo;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 16;
        l->items = xrealloc(l->items, l->cap * sizeof(CatUndo));
    }
    CatUndo *u = &l->items[l->n++];
    memset(u, 0, sizeof(*u));
    u->kind = kind;
    l->dirty = true;
    return u;
}

/* The list an object is linked into. */
static ObjList *obj_list(Catalog *c, int kind, void *obj)
{
    switch (kind) {
    case OBJ_TABLE: return &((TableDef *)obj)->schema->tables;
    case OBJ_VIEW: return &((ViewDef *)obj)->schema->views;
    case OBJ_SEQ: return &((Sequence *)obj)->schema->sequences;
    case OBJ_INDEX: return &((IndexDef *)obj)->schema->indexes;
    default: return &c->schemas;
    }
}

static void set_owner(int kind, void *obj, const void *owner)
{
    switch (kind) {
    case OBJ_TABLE: ((TableDef *)obj)->txn_owner = owner; break;
    case OBJ_VIEW: ((ViewDef *)obj)->txn_owner = owner; break;
    case OBJ_SEQ: ((Sequence *)obj)->txn_owner = owner; break;
    case OBJ_INDEX: ((IndexDef *)obj)->txn_owner = owner; break;
    default: ((Schema *)obj)->txn_owner = owner; break;
    }
}

/* A new object: hidden from other transactions until commit, unlinked on rollback. */
static void note_create(Catalog *c, int kind, void *obj)
{
    if (!c->undo) return;
    CatUndo *u = undo_push(c, CU_CREATE);
    u->obj = (u8)kind;
    u->p = obj;
    set_owner(kind, obj, c->undo);
}

/* Unlinks a dropped object: parked now without a transaction, else at commit. */
static void unlink_dropped(Catalog *c, int kind, void *obj)
{
    ObjList *l = obj_list(c, kind, obj);
    size_t pos = objlist_index(l, obj);
    objlist_remove(l, obj);
    if (!c->undo) {
        bury(c, kind, obj);
        return;
    }
    CatUndo *u = undo_push(c, CU_DROP);
    u->obj = (u8)kind;
    u->p = obj;
    u->pos = pos;
}

void catalog_init(Catalog *c)
{
    memset(c, 0, sizeof(*c));
    pthread_rwlock_init(&c->lock, NULL);
    pthread_mutex_init(&c->ddl_mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&c->ddl_cv, &ca);
    pthread_condattr_destroy(&ca);
    c->next_oid = 16384;
    catalog_create_schema(c, "pg_catalog");
    catalog_create_schema(c, "information_schema");
    catalog_create_schema(c, "public");
}

/* The definition's own memory (not the store). */
static void table_fields_free(TableDef *t)
{
    for (int i = 0; i < t->ncols; i++) {
        free(t->cols[i].name);
        free(t->cols[i].default_sql);
    }
    free(t->cols);
    for (int i = 0; i < t->nuniques; i++) {
        free(t->uniques[i].name);
        free(t->uniques[i].cols);
    }
    free(t->uniques);
    for (int i = 0; i < t->nchecks; i++) {
        free(t->checks[i].name);
        free(t->checks[i].sql);
    }
    free(t->checks);
    free(t->name);
}

static void free_table(TableDef *t)
{
    table_fields_free(t);
    tableam_destroy(t->store);
    free(t);
}

static void free_view(ViewDef *v)
{
    for (int i = 0; i < v->ncolnames; i++) free(v->colnames[i]);
    free(v->colnames);
    free(v->sql);
    free(v->name);
    free(v);
}

static void free_seq(Sequence *q)
{
    pthread_mutex_destroy(&q->mu);
    free(q->name);
    free(q);
}

static void free_index(IndexDef *ix)
{
    for (int i = 0; i < ix->nkeys; i++) free(ix->keys[i]);
    free(ix->keys);
    free(ix->method);
    free(ix->name);
    free(ix);
}

static void free_schema_objects(Schema *s)
{
    for (size_t i = 0; i < s->tables.n; i++) free_table(s->tables.items[i]);
    for (size_t i = 0; i < s->views.n; i++) free_view(s->views.items[i]);
    for (size_t i = 0; i < s->sequences.n; i++) free_seq(s->sequences.items[i]);
    for (size_t i = 0; i < s->indexes.n; i++) free_index(s->indexes.items[i]);
    free(s->tables.items);
    free(s->views.items);
    free(s->sequences.items);
    free(s->indexes.items);
    free(s->name);
    free(s);
}

void catalog_destroy(Catalog *c)
{
    for (size_t i = 0; i < c->schemas.n; i++) free_schema_objects(c->schemas.items[i]);
    free(c->schemas.items);
    for (size_t i = 0; i < c->graveyard.n; i++) {
        Grave *g = c->graveyard.items[i];
        switch (g->kind) {
        case OBJ_TABLE: free_table(g->obj); break;
        case OBJ_VIEW: free_view(g->obj); break;
        case OBJ_SEQ: free_seq(g->obj); break;
        case OBJ_INDEX: free_index(g->obj); break;
        case OBJ_SCHEMA: free_schema_objects(g->obj); break;
        }
        free(g);
    }
    free(c->graveyard.items);
    pthread_rwlock_destroy(&c->lock);
    pthread_mutex_destroy(&c->ddl_mu);
    pthread_cond_destroy(&c->ddl_cv);
}

/* Objects created by a transaction that has not committed are only found by it. */
#define HIDDEN(o) ((o)->txn_owner && (o)->txn_owner != catalog_viewer)

Schema *catalog_find_schema(Catalog *c, const char *name)
{
    for (size_t i = 0; i < c->schemas.n; i++) {
        Schema *s = c->schemas.items[i];
        if (strcmp(s->name, name) == 0 && !HIDDEN(s)) return s;
    }
    return NULL;
}

Schema *catalog_create_schema(Catalog *c, const char *name)
{
    Schema *s = xcalloc(1, sizeof(Schema));
    s->oid = c->next_oid++;
    s->name = xstrdup(name);
    objlist_add(&c->schemas, s);
    note_create(c, OBJ_SCHEMA, s);
    c->version++;
    return s;
}

void catalog_drop_schema(Catalog *c, Schema *s)
{
    unlink_dropped(c, OBJ_SCHEMA, s);
    c->version++;
}

#define FIND(list, T)                                          \
    for (size_t i = 0; i < (list).n; i++) {                    \
        T *o = (list).items[i];                                \
        if (strcmp(o->name, name) == 0 && !HIDDEN(o)) return o; \
    }                                                          \
    return NULL

TableDef *schema_find_table(Schema *s, const char *name) { FIND(s->tables, TableDef); }
ViewDef *schema_find_view(Schema *s, const char *name) { FIND(s->views, ViewDef); }
Sequence *schema_find_sequence(Schema *s, const char *name) { FIND(s->sequences, Sequence); }
IndexDef *schema_find_index(Schema *s, const char *name) { FIND(s->indexes, IndexDef); }

bool schema_name_taken(Schema *s, const char *name)
{
    return schema_find_table(s, name) || schema_find_view(s, name) || schema_find_sequence(s, name) ||
           schema_find_index(s, name);
}

TableDef *catalog_create_table(Catalog *c, Schema *s, const char *name, ColumnDef *cols, int ncols, Tier tier, TableStore *store)
{
    TableDef *t = xcalloc(1, sizeof(TableDef));
    t->oid = c->next_oid++;
    t->name = xstrdup(name);
    t->schema = s;
    t->ncols = ncols;
    t->cols = cols;
    t->tier = tier;
    t->store = store;
    objlist_add(&s->tables, t);
    note_create(c, OBJ_TABLE, t);
    c->version++;
    return t;
}

void catalog_drop_table(Catalog *c, TableDef *t)
{
    Schema *s = t->schema;
    for (size_t i = 0; i < s->indexes.n;) {
        IndexDef *ix = s->indexes.items[i];
        if (ix->table == t) catalog_drop_index(c, ix);
        else i++;
    }
    for (size_t i = 0; i < s->sequences.n;) {
        Sequence *q = s->sequences.items[i];
        if (q->owned_by == t) catalog_drop_sequence(c, q);
        else i++;
    }
    unlink_dropped(c, OBJ_TABLE, t);
    c->version++;
}

ViewDef *catalog_create_view(Catalog *c, Schema *s, const char *name, const char *sql, char **colnames,
                             int ncolnames)
{
    ViewDef *v = xcalloc(1, sizeof(ViewDef));
    v->oid = c->next_oid++;
    v->name = xstrdup(name);
    v->schema = s;
    v->sql = xstrdup(sql);
    v->ncolnames = ncolnames;
    v->colnames = xcalloc((size_t)(ncolnames ? ncolnames : 1), sizeof(char *));
    for (int i = 0; i < ncolnames; i++) v->colnames[i] = xstrdup(colnames[i]);
    objlist_add(&s->views, v);
    note_create(c, OBJ_VIEW, v);
    c->version++;
    return v;
}

void catalog_drop_view(Catalog *c, ViewDef *v)
{
    unlink_dropped(c, OBJ_VIEW, v);
    c->version++;
}

Sequence *catalog_create_sequence(Catalog *c, Schema *s, const char *name)
{
    Sequence *q = xcalloc(1, sizeof(Sequence));
    q->oid = c->next_oid++;
    q->name = xstrdup(name);
    q->schema = s;
    pthread_mutex_init(&q->mu, NULL);
    q->start = 1;
    q->increment = 1;
    q->min = 1;
    q->max = INT64_MAX;
    q->cache = 1;
    q->last = 1;
    objlist_add(&s->sequences, q);
    note_create(c, OBJ_SEQ, q);
    c->version++;
    return q;
}

void catalog_drop_sequence(Catalog *c, Sequence *q)
{
    unlink_dropped(c, OBJ_SEQ, q);
    c->version++;
}

IndexDef *catalog_create_index(Catalog *c, Schema *s, const char *name, TableDef *t)
{
    IndexDef *ix = xcalloc(1, sizeof(IndexDef));
    ix->oid = c->next_oid++;
    ix->name = xstrdup(name);
    ix->schema = s;
    ix->table = t;
    objlist_add(&s->indexes, ix);
    note_create(c, OBJ_INDEX, ix);
    c->version++;
    return ix;
}

void catalog_drop_index(Catalog *c, IndexDef *ix)
{
    unlink_dropped(c, OBJ_INDEX, ix);
    c->version++;
}

int table_find_column(const TableDef *t, const char *name)
{
    for (int i = 0; i < t->ncols; i++)
        if (strcmp(t->cols[i].name, name) == 0) return i;
    return -1;
}

int sequence_next(Sequence *q, i64 *out, Err *err)
{
    pthread_mutex_lock(&q->mu);
    i64 v;
    if (!q->called) {
        v = q->last;
    } else {
        if (__builtin_add_overflow(q->last, q->increment, &v) || v > q->max || v < q->min) {
            if (!q->cycle) {
                pthread_mutex_unlock(&q->mu);
                return err_set(err, "2200H", "nextval: reached %s value of sequence \"%s\" (%lld)",
                               q->increment > 0 ? "maximum" : "minimum", q->name,
                               (long long)(q->increment > 0 ? q->max : q->min));
            }
            v = q->increment > 0 ? q->min : q->max;
        }
    }
    q->last = v;
    q->called = true;
    pthread_mutex_unlock(&q->mu);
    *out = v;
    return MDB_OK_;
}

void sequence_set(Sequence *q, i64 v, bool called)
{
    pthread_mutex_lock(&q->mu);
    q->last = v;
    q->called = called;
    pthread_mutex_unlock(&q->mu);
}

/* ---- transactional DDL -------------------------------------------------------- */

int catalog_ddl_lock(Catalog *c, CatUndoLog *log, i64 deadline_ns, _Atomic bool *cancel, Err *err)
{
    if (log->locked) return MDB_OK_;
    if (!deadline_ns) deadline_ns = time_mono_ns() + (i64)5000000000;
    pthread_mutex_lock(&c->ddl_mu);
    while (c->ddl_owner && c->ddl_owner != log) {
        /* waits in short slices so that a cancel request is seen */
        if (cancel && *cancel) {
            pthread_mutex_unlock(&c->ddl_mu);
            return err_set(err, "57014", "canceling statement due to user request");
        }
        i64 now = time_mono_ns();
        if (now >= deadline_ns) {
            pthread_mutex_unlock(&c->ddl_mu);
            err_set(err, "55P03", "could not obtain lock on the catalog");
            err_detail(err, "Another transaction has uncommitted DDL; it is released when that transaction commits or rolls back.");
            return MDB_FAIL;
        }
        i64 until = MDB_MIN(deadline_ns, now + 50000000);
        struct timespec ts = {(time_t)(until / 1000000000), (long)(until % 1000000000)};
        pthread_cond_timedwait(&c->ddl_cv, &c->ddl_mu, &ts);
    }
    c->ddl_owner = log;
    log->locked = true;
    pthread_mutex_unlock(&c->ddl_mu);
    return MDB_OK_;
}

static void ddl_unlock(Catalog *c, CatUndoLog *log)
{
    if (!log->locked) return;
    pthread_mutex_lock(&c->ddl_mu);
    if (c->ddl_owner == log) c->ddl_owner = NULL;
    pthread_cond_broadcast(&c->ddl_cv);
    pthread_mutex_unlock(&c->ddl_mu);
    log->locked = false;
}

static TableDef *table_snapshot(const TableDef *t)
{
    TableDef *s = xcalloc(1, sizeof(TableDef));
    s->name = xstrdup(t->name);
    s->ncols = t->ncols;
    s->cols = xcalloc((size_t)t->ncols + 1, sizeof(ColumnDef));
    for (int i = 0; i < t->ncols; i++) {
        s->cols[i] = t->cols[i];
        s->cols[i].name = xstrdup(t->cols[i].name);
        s->cols[i].default_sql = t->cols[i].default_sql ? xstrdup(t->cols[i].default_sql) : NULL;
    }
    s->nuniques = t->nuniques;
    s->uniques = xcalloc((size_t)t->nuniques + 1, sizeof(UniqueDef));
    for (int i = 0; i < t->nuniques; i++) {
        s->uniques[i] = t->uniques[i];
        s->uniques[i].name = xstrdup(t->uniques[i].name);
        s->uniques[i].cols = xmalloc(sizeof(int) * ((size_t)t->uniques[i].ncols + 1));
        memcpy(s->uniques[i].cols, t->uniques[i].cols, sizeof(int) * (size_t)t->uniques[i].ncols);
    }
    s->nchecks = t->nchecks;
    s->checks = xcalloc((size_t)t->nchecks + 1, sizeof(CheckDef));
    for (int i = 0; i < t->nchecks; i++) {
        s->checks[i].name = xstrdup(t->checks[i].name);
        s->checks[i].sql = xstrdup(t->checks[i].sql);
    }
    s->max_rows = t->max_rows;
    return s;
}

static void table_restore(TableDef *t, TableDef *s)
{
    table_fields_free(t);
    t->name = s->name;
    t->ncols = s->ncols;
    t->cols = s->cols;
    t->nuniques = s->nuniques;
    t->uniques = s->uniques;
    t->nchecks = s->nchecks;
    t->checks = s->checks;
    t->max_rows = s->max_rows;
    free(s);
}

void catalog_note_table(Catalog *c, TableDef *t)
{
    if (!c->undo) return;
    CatUndo *u = undo_push(c, CU_TABLE_DEF);
    u->p = t;
    u->saved = table_snapshot(t);
}

void catalog_note_sequence(Catalog *c, Sequence *q, bool with_state)
{
    if (!c->undo) return;
    CatUndo *u = undo_push(c, CU_SEQ_DEF);
    Sequence *s = xmalloc(sizeof(Sequence));
    pthread_mutex_lock(&q->mu);
    *s = *q;
    pthread_mutex_unlock(&q->mu);
    s->name = xstrdup(q->name);
    s->txn_owner = with_state ? s : NULL; /* (a marker: restore last/called too) */
    u->p = q;
    u->saved = s;
}

static void seq_restore(Sequence *q, Sequence *s)
{
    pthread_mutex_lock(&q->mu);
    free(q->name);
    q->name = s->name;
    q->start = s->start;
    q->increment = s->increment;
    q->min = s->min;
    q->max = s->max;
    q->cache = s->cache;
    if (s->txn_owner) {
        q->last = s->last;
        q->called = s->called;
    }
    q->cycle = s->cycle;
    q->owned_by = s->owned_by;
    pthread_mutex_unlock(&q->mu);
    free(s);
}

void catalog_note_index(Catalog *c, IndexDef *ix)
{
    if (!c->undo) return;
    CatUndo *u = undo_push(c, CU_INDEX_DEF);
    IndexDef *s = xcalloc(1, sizeof(IndexDef));
    s->name = xstrdup(ix->name);
    s->nkeys = ix->nkeys;
    s->keys = xcalloc((size_t)ix->nkeys + 1, sizeof(char *));
    for (int i = 0; i < ix->nkeys; i++) s->keys[i] = xstrdup(ix->keys[i]);
    u->p = ix;
    u->saved = s;
}

static void index_snapshot_free(IndexDef *s)
{
    for (int i = 0; i < s->nkeys; i++) free(s->keys[i]);
    free(s->keys);
    free(s->name);
    free(s);
}

void catalog_note_view(Catalog *c, ViewDef *v)
{
    if (!c->undo) return;
    CatUndo *u = undo_push(c, CU_VIEW_NAME);
    u->p = v;
    u->saved = xstrdup(v->name);
}

void catalog_undo_callback(Catalog *c, TableDef *tag, void (*on_rollback)(void *arg), void (*on_commit)(void *arg), void *arg)
{
    if (!c->undo) {
        if (on_commit) on_commit(arg);
        free(arg);
        return;
    }
    CatUndo *u = undo_push(c, CU_CALLBACK);
    u->tag = tag;
    u->on_rollback = on_rollback;
    u->on_commit = on_commit;
    u->saved = arg;
}

/* Frees an entry's saved state without applying it. */
static void entry_drop(CatUndo *u)
{
    switch (u->kind) {
    case CU_TABLE_DEF: table_fields_free(u->saved); free(u->saved); break;
    case CU_SEQ_DEF: free(((Sequence *)u->saved)->name); free(u->saved); break;
    case CU_INDEX_DEF: index_snapshot_free(u->saved); break;
    case CU_VIEW_NAME:
    case CU_CALLBACK: free(u->saved); break;
    default: break;
    }
    u->saved = NULL;
    u->kind = CU_NONE;
}

void catalog_undo_forget_table(Catalog *c, TableDef *t)
{
    if (!c->undo) return;
    for (size_t i = 0; i < c->undo->n; i++) {
        CatUndo *u = &c->undo->items[i];
        if ((u->kind == CU_TABLE_DEF && u->p == t) || (u->kind == CU_CALLBACK && u->tag == t)) entry_drop(u);
    }
}

bool catalog_undo_created(const CatUndoLog *log, const TableDef *t, size_t from)
{
    for (size_t i = from; i < log->n; i++)
        if (log->items[i].kind == CU_CREATE && log->items[i].p == t) return true;
    return false;
}

static void undo_one(Catalog *c, CatUndo *u)
{
    switch (u->kind) {
    case CU_CREATE:
        objlist_remove(obj_list(c, u->obj, u->p), u->p);
        set_owner(u->obj, u->p, NULL);
        bury(c, u->obj, u->p);
        break;
    case CU_DROP: objlist_insert_at(obj_list(c, u->obj, u->p), u->pos, u->p); break;
    case CU_TABLE_DEF: table_restore(u->p, u->saved); break;
    case CU_SEQ_DEF: seq_restore(u->p, u->saved); break;
    case CU_INDEX_DEF: {
        IndexDef *ix = u->p, *s = u->saved;
        for (int i = 0; i < ix->nkeys; i++) free(ix->keys[i]);
        free(ix->keys);
        free(ix->name);
        ix->name = s->name;
        ix->nkeys = s->nkeys;
        ix->keys = s->keys;
        free(s);
        break;
    }
    case CU_VIEW_NAME: {
        ViewDef *v = u->p;
        free(v->name);
        v->name = u->saved;
        break;
    }
    case CU_CALLBACK:
        if (u->on_rollback) u->on_rollback(u->saved);
        free(u->saved);
        break;
    default: break;
    }
    u->saved = NULL;
    u->kind = CU_NONE;
}

void catalog_undo_rollback(Catalog *c, CatUndoLog *log, size_t mark)
{
    if (log->n <= mark) return;
    pthread_rwlock_wrlock(&c->lock);
    while (log->n > mark) undo_one(c, &log->items[--log->n]);
    c->version++;
    pthread_rwlock_unlock(&c->lock);
}

void catalog_undo_commit(Catalog *c, CatUndoLog *log)
{
    if (log->n) {
        pthread_rwlock_wrlock(&c->lock);
        for (size_t i = 0; i < log->n; i++) {
            CatUndo *u = &log->items[i];
            switch (u->kind) {
            case CU_CREATE: set_owner(u->obj, u->p, NULL); break;
            case CU_DROP: bury(c, u->obj, u->p); break;
            case CU_CALLBACK:
                if (u->on_commit) u->on_commit(u->saved);
                entry_drop(u);
                break;
            default: entry_drop(u); break;
            }
        }
        c->version++;
        pthread_rwlock_unlock(&c->lock);
    }
    log->n = 0;
    log->dirty = false;
    ddl_unlock(c, log);
}

void catalog_undo_abort(Catalog *c, CatUndoLog *log)
{
    catalog_undo_rollback(c, log, 0);
    log->dirty = false;
    ddl_unlock(c, log);
}

void catalog_undo_free(CatUndoLog *log)
{
    free(log->items);
    memset(log, 0, sizeof(*log));
}
