/*
 * src/catalog/catalog.h — schemas, tables, views, sequences and indexes.
 *
 * The catalog is shared by all connections of a database and protected by a
 * read-write lock: statements hold it shared while they bind, DDL takes it
 * exclusively.  Objects are never freed while the database is open (a dropped
 * table is unlinked and parked), so plans may keep pointers to them.
 * Column defaults and CHECK constraints are kept as SQL text and bound where
 * they are used.
 *
 * DDL is transactional (DESIGN.md §4): while a DDL statement runs, the
 * catalog's `undo` points at the transaction's CatUndoLog and every change
 * records how to reverse it: a created object is unlinked on rollback, a
 * dropped one is unlinked at once but parked only at commit (relinked at its
 * old position on rollback), an altered definition is restored from a
 * snapshot, and tiers' schema changes are reversed by callbacks.  One
 * transaction at a time may hold uncommitted DDL (the DDL lock); objects it
 * created stay invisible by name to other connections until it commits.
 * See src/catalog/README.md.
 */
#ifndef MDB_CATALOG_H
#define MDB_CATALOG_H

#include <pthread.h>

#include "storage/tableam.h"
#include "types/types.h"

typedef enum { TIER_MEMORY = 0, TIER_OLTP = 1, TIER_OLAP = 2 } Tier;

typedef struct ColumnDef {
    char *name;
    LType type;
    bool not_null;
    char *default_sql;      /* NULL = no default */
    struct Sequence *serial; /* owned sequence for serial/identity columns */
    bool identity_always;   /* GENERATED ALWAYS AS IDENTITY */
    bool identity;          /* GENERATED ALWAYS/BY DEFAULT AS IDENTITY */
} ColumnDef;

typedef struct UniqueDef {
    char *name;
    int ncols;
    int *cols;
    bool primary;
    bool has_tree;          /* OLTP tables: the B+tree of the constraint's index */
    u32 tree;
} UniqueDef;

typedef struct CheckDef {
    char *name;
    char *sql;
} CheckDef;

typedef struct Schema Schema;

typedef struct TableDef {
    u32 oid;
    char *name;
    Schema *schema;
    int ncols;
    ColumnDef *cols;
    Tier tier;
    TableStore *store;      /* the rows, reached through the tier's access method */
    int nuniques;
    UniqueDef *uniques;
    int nchecks;
    CheckDef *checks;
    i64 max_rows;           /* MEMORY ring buffer bound, 0 = none */
    const void *txn_owner;  /* the CatUndoLog that created it, until commit (hidden from others) */
    const void *rewrite_owner; /* the CatUndoLog whose uncommitted TRUNCATE/ALTER TABLE rewrote its rows */
    int rewrite_pending;    /* such rewrites not yet committed or rolled back (others may not write) */
} TableDef;

typedef struct ViewDef {
    u32 oid;
    char *name;
    Schema *schema;
    char *sql;              /* the defining SELECT */
    int ncolnames;
    char **colnames;        /* explicit column names, may be empty */
    const void *txn_owner;
} ViewDef;

typedef struct Sequence {
    u32 oid;
    char *name;
    Schema *schema;
    pthread_mutex_t mu;
    i64 start, increment, min, max, cache;
    i64 last;               /* last value handed out */
    bool called;            /* nextval has been called */
    bool cycle;
    TableDef *owned_by;
    const void *txn_owner;
} Sequence;

typedef struct IndexDef {
    u32 oid;
    char *name;
    Schema *schema;
    TableDef *table;
    bool unique;
    int nkeys;
    char **keys;            /* column names or expression text */
    char *method;
    const void *txn_owner;
} IndexDef;

typedef struct ObjList {
    void **items;
    size_t n, cap;
} ObjList;

struct Schema {
    u32 oid;
    char *name;
    ObjList tables, views, sequences, indexes;
    const void *txn_owner;
};

/* One transaction's record of its catalog changes, reversed in reverse order
 * on rollback (see catalog_undo_*). */
typedef struct CatUndo CatUndo;
typedef struct CatUndoLog {
    CatUndo *items;
    size_t n, cap;
    bool dirty;             /* the catalog changed: persist it at commit */
    bool locked;            /* holds the catalog's DDL lock */
} CatUndoLog;

typedef struct Catalog {
    pthread_rwlock_t lock;
    ObjList schemas;
    ObjList graveyard;      /* dropped objects, freed at close */
    u32 next_oid;
    u64 version;            /* bumped by every DDL (invalidates prepared plans) */
    CatUndoLog *undo;       /* the running DDL statement's transaction log (under `lock` exclusively) */
    pthread_mutex_t ddl_mu; /* the DDL lock: one transaction with uncommitted DDL at a time */
    pthread_cond_t ddl_cv;
    const CatUndoLog *ddl_owner;
} Catalog;

/* Who is looking up names on this thread (the connection's CatUndoLog): objects
 * created by another transaction that has not committed are not found. */
extern __thread const void *catalog_viewer;

void catalog_init(Catalog *c);
void catalog_destroy(Catalog *c);

Schema *catalog_find_schema(Catalog *c, const char *name);
Schema *catalog_create_schema(Catalog *c, const char *name);
void catalog_drop_schema(Catalog *c, Schema *s);

TableDef *schema_find_table(Schema *s, const char *name);
ViewDef *schema_find_view(Schema *s, const char *name);
Sequence *schema_find_sequence(Schema *s, const char *name);
IndexDef *schema_find_index(Schema *s, const char *name);
/* True when any relation (table, view, sequence, index) has that name. */
bool schema_name_taken(Schema *s, const char *name);

/* Takes ownership of store (created by the caller for the tier). */
TableDef *catalog_create_table(Catalog *c, Schema *s, const char *name, ColumnDef *cols, int ncols, Tier tier, TableStore *store);
void catalog_drop_table(Catalog *c, TableDef *t);
ViewDef *catalog_create_view(Catalog *c, Schema *s, const char *name, const char *sql, char **colnames,
                             int ncolnames);
void catalog_drop_view(Catalog *c, ViewDef *v);
Sequence *catalog_create_sequence(Catalog *c, Schema *s, const char *name);
void catalog_drop_sequence(Catalog *c, Sequence *q);
IndexDef *catalog_create_index(Catalog *c, Schema *s, const char *name, TableDef *t);
void catalog_drop_index(Catalog *c, IndexDef *ix);

int table_find_column(const TableDef *t, const char *name);

/* nextval/currval/setval semantics of PostgreSQL. */
int sequence_next(Sequence *q, i64 *out, Err *err);
void sequence_set(Sequence *q, i64 v, bool called);

void objlist_add(ObjList *l, void *p);
void objlist_remove(ObjList *l, void *p);

/* ---- transactional DDL ------------------------------------------------------
 * Callers hold `lock` exclusively while they change the catalog with `undo` set;
 * rollback and commit take it themselves.  Without `undo` changes are final. */

/* Takes the DDL lock for log (no-op when it holds it): waits while another
 * transaction holds it, until deadline_ns (CLOCK_MONOTONIC; 0 = 5 seconds from now)
 * or *cancel, then fails with 55P03. */
int catalog_ddl_lock(Catalog *c, CatUndoLog *log, i64 deadline_ns, _Atomic bool *cancel, Err *err);
/* Before an in-place change of t's definition (columns, constraints, name). */
void catalog_note_table(Catalog *c, TableDef *t);
/* Before an in-place change of a sequence's options, name or owner.  with_state: rollback
 * also restores its current value (ALTER SEQUENCE … RESTART); otherwise values handed out
 * by nextval stay used, as in PostgreSQL. */
void catalog_note_sequence(Catalog *c, Sequence *q, bool with_state);
/* Before an in-place change of an index's keys or name. */
void catalog_note_index(Catalog *c, IndexDef *ix);
/* Before renaming a view. */
void catalog_note_view(Catalog *c, ViewDef *v);
/* A change outside the catalog (a tier's index or column): on_rollback reverses it,
 * on_commit finishes it (either may be NULL); arg is freed afterwards.  tag: the table
 * it belongs to (catalog_undo_forget_table). */
void catalog_undo_callback(Catalog *c, TableDef *tag, void (*on_rollback)(void *arg), void (*on_commit)(void *arg), void *arg);
/* t's storage changed in a way that cannot be reversed (DROP COLUMN, ALTER COLUMN
 * TYPE): the log stops restoring t's definition and drops t's callbacks. */
void catalog_undo_forget_table(Catalog *c, TableDef *t);
/* True when the log created t at or after position `from`. */
bool catalog_undo_created(const CatUndoLog *log, const TableDef *t, size_t from);
/* Reverses the changes after position mark (statement or savepoint). */
void catalog_undo_rollback(Catalog *c, CatUndoLog *log, size_t mark);
/* Makes the changes final (parks dropped objects, shows created ones to everybody)
 * and releases the DDL lock. */
void catalog_undo_commit(Catalog *c, CatUndoLog *log);
/* Rollback of everything, then releases the DDL lock. */
void catalog_undo_abort(Catalog *c, CatUndoLog *log);
void catalog_undo_free(CatUndoLog *log);

#endif
