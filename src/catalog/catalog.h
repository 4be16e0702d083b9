/*
 * src/catalog/catalog.h — schemas, tables, views, sequences and indexes.
 *
 * The catalog is shared by all connections of a database and protected by a
 * read-write lock: statements hold it shared while they bind, DDL takes it
 * exclusively.  Objects are never freed while the database is open (a dropped
 * table is unlinked and parked), so plans may keep pointers to them.
 * Column defaults and CHECK constraints are kept as SQL text and bound where
 * they are used.  DDL takes effect at once (it is not yet transactional; see
 * src/catalog/README.md).
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
} TableDef;

typedef struct ViewDef {
    u32 oid;
    char *name;
    Schema *schema;
    char *sql;              /* the defining SELECT */
    int ncolnames;
    char **colnames;        /* explicit column names, may be empty */
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
} IndexDef;

typedef struct ObjList {
    void **items;
    size_t n, cap;
} ObjList;

struct Schema {
    u32 oid;
    char *name;
    ObjList tables, views, sequences, indexes;
};

typedef struct Catalog {
    pthread_rwlock_t lock;
    ObjList schemas;
    ObjList graveyard;      /* dropped objects, freed at close */
    u32 next_oid;
    u64 version;            /* bumped by every DDL (invalidates prepared plans) */
} Catalog;

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

#endif
