/*
 * src/catalog/catalog.c — catalog objects and their lookup.
 */
#include "catalog/catalog.h"

#include <stdlib.h>

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

enum { OBJ_TABLE = 1, OBJ_VIEW, OBJ_SEQ, OBJ_INDEX, OBJ_SCHEMA };
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

void catalog_init(Catalog *c)
{
    memset(c, 0, sizeof(*c));
    pthread_rwlock_init(&c->lock, NULL);
    c->next_oid = 16384;
    catalog_create_schema(c, "pg_catalog");
    catalog_create_schema(c, "information_schema");
    catalog_create_schema(c, "public");
}

static void free_table(TableDef *t)
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
    tableam_destroy(t->store);
    free(t->name);
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
}

Schema *catalog_find_schema(Catalog *c, const char *name)
{
    for (size_t i = 0; i < c->schemas.n; i++) {
        Schema *s = c->schemas.items[i];
        if (strcmp(s->name, name) == 0) return s;
    }
    return NULL;
}

Schema *catalog_create_schema(Catalog *c, const char *name)
{
    Schema *s = xcalloc(1, sizeof(Schema));
    s->oid = c->next_oid++;
    s->name = xstrdup(name);
    objlist_add(&c->schemas, s);
    c->version++;
    return s;
}

void catalog_drop_schema(Catalog *c, Schema *s)
{
    objlist_remove(&c->schemas, s);
    bury(c, OBJ_SCHEMA, s);
    c->version++;
}

#define FIND(list, T)                                          \
    for (size_t i = 0; i < (list).n; i++) {                    \
        T *o = (list).items[i];                                \
        if (strcmp(o->name, name) == 0) return o;              \
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
    objlist_remove(&s->tables, t);
    bury(c, OBJ_TABLE, t);
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
    c->version++;
    return v;
}

void catalog_drop_view(Catalog *c, ViewDef *v)
{
    objlist_remove(&v->schema->views, v);
    bury(c, OBJ_VIEW, v);
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
    c->version++;
    return q;
}

void catalog_drop_sequence(Catalog *c, Sequence *q)
{
    objlist_remove(&q->schema->sequences, q);
    bury(c, OBJ_SEQ, q);
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
    c->version++;
    return ix;
}

void catalog_drop_index(Catalog *c, IndexDef *ix)
{
    objlist_remove(&ix->schema->indexes, ix);
    bury(c, OBJ_INDEX, ix);
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
