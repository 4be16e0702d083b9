/*
 * src/exec/ops_system.c — the system relations of pg_catalog and
 * information_schema, derived from MegaDB's catalog: their column lists
 * (sysrel_find, used by the binder) and the source operator that produces
 * their rows (phys_system).
 *
 * The rows are a snapshot of the catalog taken when the scan starts, under
 * the catalog lock that the statement holds for its whole run, so they agree
 * with what the statement bound.  Columns follow PostgreSQL 15's names and
 * order (a prefix of them where PostgreSQL has columns MegaDB has no data
 * for); OIDs are MegaDB's own except for pg_catalog (11), public (2200), the
 * core types (PostgreSQL's real type OIDs) and the system relations.  The
 * columns of views are resolved by the binder and passed in (SysViewCols),
 * because binding a view is the binder's business.  Values PostgreSQL
 * deparses (defaults, view definitions) are shown as the SQL text MegaDB
 * keeps.  See src/exec/README.md.
 *
 * INTERFACE: sysrel_find, sysrel_needs_views, phys_system; for the catalog functions
 * (sys_funcs.c) sys_owner_name, sys_format_type, sys_table_is_visible, sys_index_def,
 * sys_constraint_def.
 */
#include <stdio.h>
#include <stdlib.h>

#include "exec/operators.h"
#include "exec/sys_funcs.h"

#define DBNAME "megadb" /* the owner of every object (and the database's name in the shell) */
#define OWNER_OID 10

/* ---- relation definitions ------------------------------------------------------------- */

typedef struct SysCol {
    const char *name;
    u8 type;      /* TypeId */
} SysCol;

#define TX TYPE_TEXT
#define I2 TYPE_INT16
#define I4 TYPE_INT32
#define I8 TYPE_INT64
#define BO TYPE_BOOL
#define F4 TYPE_FLOAT32
#define TL 255 /* text[] (acl and option lists) */
#define IL 254 /* int2[] (column number lists) */

enum {
    SR_TABLES, SR_COLUMNS, SR_SCHEMATA, SR_VIEWS, SR_SEQUENCES, SR_TABLE_CONSTRAINTS, SR_KEY_COLUMN_USAGE,
    SR_PG_NAMESPACE, SR_PG_CLASS, SR_PG_ATTRIBUTE, SR_PG_TYPE, SR_PG_TABLES, SR_PG_VIEWS, SR_PG_INDEXES,
    SR_PG_DATABASE, SR_PG_SETTINGS, SR_PG_SEQUENCES, SR_PG_AM, SR_PG_INDEX, SR_PG_CONSTRAINT, SR_PG_ATTRDEF,
    SR_PG_COLLATION, SR_PG_ROLES, SR_PG_PROC, SR_PG_INHERITS, SR_PG_POLICY, SR_PG_STATISTIC_EXT, SR_PG_PUBLICATION,
    SR_PG_PUBLICATION_NAMESPACE, SR_PG_PUBLICATION_REL, SR_PG_DESCRIPTION, SR__COUNT
};

static const SysCol C_TABLES[] = {
    {"table_catalog", TX}, {"table_schema", TX}, {"table_name", TX}, {"table_type", TX},
    {"self_referencing_column_name", TX}, {"reference_generation", TX}, {"user_defined_type_catalog", TX},
    {"user_defined_type_schema", TX}, {"user_defined_type_name", TX}, {"is_insertable_into", TX},
    {"is_typed", TX}, {"commit_action", TX}};
static const SysCol C_COLUMNS[] = {
    {"table_catalog", TX}, {"table_schema", TX}, {"table_name", TX}, {"column_name", TX},
    {"ordinal_position", I4}, {"column_default", TX}, {"is_nullable", TX}, {"data_type", TX},
    {"character_maximum_length", I4}, {"character_octet_length", I4}, {"numeric_precision", I4},
    {"numeric_precision_radix", I4}, {"numeric_scale", I4}, {"datetime_precision", I4}, {"interval_type", TX},
    {"interval_precision", I4}, {"character_set_catalog", TX}, {"character_set_schema", TX},
    {"character_set_name", TX}, {"collation_catalog", TX}, {"collation_schema", TX}, {"collation_name", TX},
    {"domain_catalog", TX}, {"domain_schema", TX}, {"domain_name", TX}, {"udt_catalog", TX}, {"udt_schema", TX},
    {"udt_name", TX}, {"scope_catalog", TX}, {"scope_schema", TX}, {"scope_name", TX},
    {"maximum_cardinality", I4}, {"dtd_identifier", TX}, {"is_self_referencing", TX}, {"is_identity", TX},
    {"identity_generation", TX}, {"identity_start", TX}, {"identity_increment", TX}, {"identity_maximum", TX},
    {"identity_minimum", TX}, {"identity_cycle", TX}, {"is_generated", TX}, {"generation_expression", TX},
    {"is_updatable", TX}};
static const SysCol C_SCHEMATA[] = {
    {"catalog_name", TX}, {"schema_name", TX}, {"schema_owner", TX}, {"default_character_set_catalog", TX},
    {"default_character_set_schema", TX}, {"default_character_set_name", TX}, {"sql_path", TX}};
static const SysCol C_VIEWS[] = {
    {"table_catalog", TX}, {"table_schema", TX}, {"table_name", TX}, {"view_definition", TX},
    {"check_option", TX}, {"is_updatable", TX}, {"is_insertable_into", TX}, {"is_trigger_updatable", TX},
    {"is_trigger_deletable", TX}, {"is_trigger_insertable_into", TX}};
static const SysCol C_SEQUENCES[] = {
    {"sequence_catalog", TX}, {"sequence_schema", TX}, {"sequence_name", TX}, {"data_type", TX},
    {"numeric_precision", I4}, {"numeric_precision_radix", I4}, {"numeric_scale", I4}, {"start_value", TX},
    {"minimum_value", TX}, {"maximum_value", TX}, {"increment", TX}, {"cycle_option", TX}};
static const SysCol C_TABLE_CONSTRAINTS[] = {
    {"constraint_catalog", TX}, {"constraint_schema", TX}, {"constraint_name", TX}, {"table_catalog", TX},
    {"table_schema", TX}, {"table_name", TX}, {"constraint_type", TX}, {"is_deferrable", TX},
    {"initially_deferred", TX}, {"enforced", TX}, {"nulls_distinct", TX}};
static const SysCol C_KEY_COLUMN_USAGE[] = {
    {"constraint_catalog", TX}, {"constraint_schema", TX}, {"constraint_name", TX}, {"table_catalog", TX},
    {"table_schema", TX}, {"table_name", TX}, {"column_name", TX}, {"ordinal_position", I4},
    {"position_in_unique_constraint", I4}};
static const SysCol C_PG_NAMESPACE[] = {{"oid", I8}, {"nspname", TX}, {"nspowner", I8}, {"nspacl", TL}};
static const SysCol C_PG_CLASS[] = {
    {"oid", I8}, {"relname", TX}, {"relnamespace", I8}, {"reltype", I8}, {"reloftype", I8}, {"relowner", I8},
    {"relam", I8}, {"relfilenode", I8}, {"reltablespace", I8}, {"relpages", I4}, {"reltuples", F4},
    {"relallvisible", I4}, {"reltoastrelid", I8}, {"relhasindex", BO}, {"relisshared", BO},
    {"relpersistence", TX}, {"relkind", TX}, {"relnatts", I2}, {"relchecks", I2}, {"relhasrules", BO},
    {"relhastriggers", BO}, {"relhassubclass", BO}, {"relrowsecurity", BO}, {"relforcerowsecurity", BO},
    {"relispopulated", BO}, {"relreplident", TX}, {"relispartition", BO}, {"relrewrite", I8}, {"relacl", TL},
    {"reloptions", TL}, {"relpartbound", TX}};
static const SysCol C_PG_ATTRIBUTE[] = {
    {"attrelid", I8}, {"attname", TX}, {"atttypid", I8}, {"attstattarget", I4}, {"attlen", I2}, {"attnum", I2},
    {"attndims", I4}, {"attcacheoff", I4}, {"atttypmod", I4}, {"attbyval", BO}, {"attalign", TX},
    {"attstorage", TX}, {"attcompression", TX}, {"attnotnull", BO}, {"atthasdef", BO}, {"atthasmissing", BO},
    {"attidentity", TX}, {"attgenerated", TX}, {"attisdropped", BO}, {"attislocal", BO}, {"attinhcount", I4},
    {"attcollation", I8}};
static const SysCol C_PG_TYPE[] = {
    {"oid", I8}, {"typname", TX}, {"typnamespace", I8}, {"typowner", I8}, {"typlen", I2}, {"typbyval", BO},
    {"typtype", TX}, {"typcategory", TX}, {"typispreferred", BO}, {"typisdefined", BO}, {"typdelim", TX},
    {"typrelid", I8}, {"typelem", I8}, {"typarray", I8}, {"typalign", TX}, {"typstorage", TX},
    {"typnotnull", BO}, {"typbasetype", I8}, {"typtypmod", I4}, {"typndims", I4}, {"typcollation", I8},
    {"typdefault", TX}};
static const SysCol C_PG_TABLES[] = {
    {"schemaname", TX}, {"tablename", TX}, {"tableowner", TX}, {"tablespace", TX}, {"hasindexes", BO},
    {"hasrules", BO}, {"hastriggers", BO}, {"rowsecurity", BO}};
static const SysCol C_PG_VIEWS[] = {{"schemaname", TX}, {"viewname", TX}, {"viewowner", TX}, {"definition", TX}};
static const SysCol C_PG_INDEXES[] = {
    {"schemaname", TX}, {"tablename", TX}, {"indexname", TX}, {"tablespace", TX}, {"indexdef", TX}};
static const SysCol C_PG_DATABASE[] = {
    {"oid", I8}, {"datname", TX}, {"datdba", I8}, {"encoding", I4}, {"datlocprovider", TX},
    {"datistemplate", BO}, {"datallowconn", BO}, {"datconnlimit", I4}, {"datcollate", TX}, {"datctype", TX},
    {"daticulocale", TX}, {"datcollversion", TX}, {"datacl", TL}};
static const SysCol C_PG_SETTINGS[] = {
    {"name", TX}, {"setting", TX}, {"unit", TX}, {"category", TX}, {"short_desc", TX}, {"extra_desc", TX},
    {"context", TX}, {"vartype", TX}, {"source", TX}, {"min_val", TX}, {"max_val", TX}, {"enumvals", TX},
    {"boot_val", TX}, {"reset_val", TX}, {"sourcefile", TX}, {"sourceline", I4}, {"pending_restart", BO}};
static const SysCol C_PG_SEQUENCES[] = {
    {"schemaname", TX}, {"sequencename", TX}, {"sequenceowner", TX}, {"data_type", TX}, {"start_value", I8},
    {"min_value", I8}, {"max_value", I8}, {"increment_by", I8}, {"cycle", BO}, {"cache_size", I8},
    {"last_value", I8}};

/* Relations psql's \\d commands read.  Those MegaDB has no objects for (policies, extended
 * statistics, publications, inheritance, user-defined functions) are empty. */
static const SysCol C_PG_AM[] = {{"oid", I8}, {"amname", TX}, {"amhandler", TX}, {"amtype", TX}};
static const SysCol C_PG_INDEX[] = {
    {"indexrelid", I8}, {"indrelid", I8}, {"indnatts", I2}, {"indnkeyatts", I2}, {"indisunique", BO},
    {"indnullsnotdistinct", BO}, {"indisprimary", BO}, {"indisexclusion", BO}, {"indimmediate", BO},
    {"indisclustered", BO}, {"indisvalid", BO}, {"indcheckxmin", BO}, {"indisready", BO}, {"indislive", BO},
    {"indisreplident", BO}, {"indkey", TX}, {"indexprs", TX}, {"indpred", TX}};
static const SysCol C_PG_CONSTRAINT[] = {
    {"oid", I8}, {"conname", TX}, {"connamespace", I8}, {"contype", TX}, {"condeferrable", BO}, {"condeferred", BO},
    {"convalidated", BO}, {"conrelid", I8}, {"contypid", I8}, {"conindid", I8}, {"conparentid", I8}, {"confrelid", I8},
    {"confupdtype", TX}, {"confdeltype", TX}, {"confmatchtype", TX}, {"conislocal", BO}, {"coninhcount", I4},
    {"connoinherit", BO}, {"conkey", TX}, {"confkey", TX}, {"conbin", TX}};
static const SysCol C_PG_ATTRDEF[] = {{"oid", I8}, {"adrelid", I8}, {"adnum", I2}, {"adbin", TX}};
static const SysCol C_PG_COLLATION[] = {
    {"oid", I8}, {"collname", TX}, {"collnamespace", I8}, {"collowner", I8}, {"collprovider", TX},
    {"collisdeterministic", BO}, {"collencoding", I4}, {"collcollate", TX}, {"collctype", TX}};
static const SysCol C_PG_ROLES[] = {
    {"rolname", TX}, {"rolsuper", BO}, {"rolinherit", BO}, {"rolcreaterole", BO}, {"rolcreatedb", BO},
    {"rolcanlogin", BO}, {"rolreplication", BO}, {"rolconnlimit", I4}, {"rolpassword", TX}, {"rolvaliduntil", TX},
    {"rolbypassrls", BO}, {"rolconfig", TX}, {"oid", I8}};
static const SysCol C_PG_PROC[] = {
    {"oid", I8}, {"proname", TX}, {"pronamespace", I8}, {"proowner", I8}, {"prolang", I8}, {"procost", F4},
    {"prorows", F4}, {"provariadic", I8}, {"prosupport", TX}, {"prokind", TX}, {"prosecdef", BO},
    {"proleakproof", BO}, {"proisstrict", BO}, {"proretset", BO}, {"provolatile", TX}, {"proparallel", TX},
    {"pronargs", I2}, {"pronargdefaults", I2}, {"prorettype", I8}, {"proargtypes", TX}, {"prosrc", TX}};
static const SysCol C_PG_INHERITS[] = {{"inhrelid", I8}, {"inhparent", I8}, {"inhseqno", I4}, {"inhdetachpending", BO}};
static const SysCol C_PG_POLICY[] = {
    {"oid", I8}, {"polname", TX}, {"polrelid", I8}, {"polcmd", TX}, {"polpermissive", BO}, {"polroles", TL},
    {"polqual", TX}, {"polwithcheck", TX}};
static const SysCol C_PG_STATISTIC_EXT[] = {
    {"oid", I8}, {"stxrelid", I8}, {"stxname", TX}, {"stxnamespace", I8}, {"stxowner", I8}, {"stxstattarget", I4},
    {"stxkeys", TX}, {"stxkind", TL}, {"stxexprs", TX}};
static const SysCol C_PG_PUBLICATION[] = {
    {"oid", I8}, {"pubname", TX}, {"pubowner", I8}, {"puballtables", BO}, {"pubinsert", BO}, {"pubupdate", BO},
    {"pubdelete", BO}, {"pubtruncate", BO}, {"pubviaroot", BO}};
static const SysCol C_PG_PUBLICATION_NAMESPACE[] = {{"oid", I8}, {"pnpubid", I8}, {"pnnspid", I8}};
static const SysCol C_PG_DESCRIPTION[] = {{"objoid", I8}, {"classoid", I8}, {"objsubid", I4}, {"description", TX}};
static const SysCol C_PG_PUBLICATION_REL[] = {{"oid", I8}, {"prpubid", I8}, {"prrelid", I8}, {"prqual", TX}, {"prattrs", IL}};

typedef struct SysRel {
    const char *schema;
    const char *name;
    const SysCol *cols;
    int ncols;
    u32 oid;       /* PostgreSQL's OID where it is fixed, else one of ours below 16384 */
    char relkind;  /* 'r' table, 'v' view, as PostgreSQL has them */
} SysRel;

#define REL(s, n, c, oid, k) {s, n, c, (int)(sizeof(c) / sizeof(c[0])), oid, k}
static const SysRel RELS[SR__COUNT] = {
    [SR_TABLES] = REL("information_schema", "tables", C_TABLES, 13000, 'v'),
    [SR_COLUMNS] = REL("information_schema", "columns", C_COLUMNS, 13001, 'v'),
    [SR_SCHEMATA] = REL("information_schema", "schemata", C_SCHEMATA, 13002, 'v'),
    [SR_VIEWS] = REL("information_schema", "views", C_VIEWS, 13003, 'v'),
    [SR_SEQUENCES] = REL("information_schema", "sequences", C_SEQUENCES, 13004, 'v'),
    [SR_TABLE_CONSTRAINTS] = REL("information_schema", "table_constraints", C_TABLE_CONSTRAINTS, 13005, 'v'),
    [SR_KEY_COLUMN_USAGE] = REL("information_schema", "key_column_usage", C_KEY_COLUMN_USAGE, 13006, 'v'),
    [SR_PG_NAMESPACE] = REL("pg_catalog", "pg_namespace", C_PG_NAMESPACE, 2615, 'r'),
    [SR_PG_CLASS] = REL("pg_catalog", "pg_class", C_PG_CLASS, 1259, 'r'),
    [SR_PG_ATTRIBUTE] = REL("pg_catalog", "pg_attribute", C_PG_ATTRIBUTE, 1249, 'r'),
    [SR_PG_TYPE] = REL("pg_catalog", "pg_type", C_PG_TYPE, 1247, 'r'),
    [SR_PG_TABLES] = REL("pg_catalog", "pg_tables", C_PG_TABLES, 12100, 'v'),
    [SR_PG_VIEWS] = REL("pg_catalog", "pg_views", C_PG_VIEWS, 12101, 'v'),
    [SR_PG_INDEXES] = REL("pg_catalog", "pg_indexes", C_PG_INDEXES, 12102, 'v'),
    [SR_PG_DATABASE] = REL("pg_catalog", "pg_database", C_PG_DATABASE, 1262, 'r'),
    [SR_PG_SETTINGS] = REL("pg_catalog", "pg_settings", C_PG_SETTINGS, 12103, 'v'),
    [SR_PG_SEQUENCES] = REL("pg_catalog", "pg_sequences", C_PG_SEQUENCES, 12104, 'v'),
    [SR_PG_AM] = REL("pg_catalog", "pg_am", C_PG_AM, 2601, 'r'),
    [SR_PG_INDEX] = REL("pg_catalog", "pg_index", C_PG_INDEX, 2610, 'r'),
    [SR_PG_CONSTRAINT] = REL("pg_catalog", "pg_constraint", C_PG_CONSTRAINT, 2606, 'r'),
    [SR_PG_ATTRDEF] = REL("pg_catalog", "pg_attrdef", C_PG_ATTRDEF, 2604, 'r'),
    [SR_PG_COLLATION] = REL("pg_catalog", "pg_collation", C_PG_COLLATION, 3456, 'r'),
    [SR_PG_ROLES] = REL("pg_catalog", "pg_roles", C_PG_ROLES, 12105, 'v'),
    [SR_PG_PROC] = REL("pg_catalog", "pg_proc", C_PG_PROC, 1255, 'r'),
    [SR_PG_INHERITS] = REL("pg_catalog", "pg_inherits", C_PG_INHERITS, 2611, 'r'),
    [SR_PG_POLICY] = REL("pg_catalog", "pg_policy", C_PG_POLICY, 3256, 'r'),
    [SR_PG_STATISTIC_EXT] = REL("pg_catalog", "pg_statistic_ext", C_PG_STATISTIC_EXT, 3381, 'r'),
    [SR_PG_PUBLICATION] = REL("pg_catalog", "pg_publication", C_PG_PUBLICATION, 6104, 'r'),
    [SR_PG_PUBLICATION_NAMESPACE] = REL("pg_catalog", "pg_publication_namespace", C_PG_PUBLICATION_NAMESPACE, 6237, 'r'),
    [SR_PG_PUBLICATION_REL] = REL("pg_catalog", "pg_publication_rel", C_PG_PUBLICATION_REL, 6106, 'r'),
    [SR_PG_DESCRIPTION] = REL("pg_catalog", "pg_description", C_PG_DESCRIPTION, 2609, 'r'),
};

static LType syscol_type(u8 t)
{
    if (t != TL && t != IL) return ltype((TypeId)t);
    LType l = ltype(TYPE_LIST);
    l.elem = t == TL ? TYPE_TEXT : TYPE_INT16;
    return l;
}

int sysrel_find(const char *schema, const char *name, Arena *a, char ***names, LType **types, int *ncols)
{
    if (!schema || !name) return -1;
    for (int r = 0; r < SR__COUNT; r++) {
        const SysRel *s = &RELS[r];
        if (strcmp(s->schema, schema) || strcmp(s->name, name)) continue;
        *ncols = s->ncols;
        *names = arena_alloc(a, sizeof(char *) * (size_t)(s->ncols + 1));
        *types = arena_alloc(a, sizeof(LType) * (size_t)(s->ncols + 1));
        for (int i = 0; i < s->ncols; i++) {
            (*names)[i] = (char *)s->cols[i].name;
            (*types)[i] = syscol_type(s->cols[i].type);
        }
        return r;
    }
    return -1;
}

bool sysrel_needs_views(int rel)
{
    return rel == SR_COLUMNS || rel == SR_PG_ATTRIBUTE || rel == SR_PG_CLASS;
}

/* ---- types as PostgreSQL names them ---------------------------------------------------- */

typedef struct PgType {
    u32 oid;
    const char *name;    /* typname */
    const char *sqlname; /* information_schema's data_type */
    i16 len;
    bool byval;
    char category;
    u32 elem, array;
    char align;
} PgType;

static const PgType PG_TYPES[] = {
    {16, "bool", "boolean", 1, true, 'B', 0, 1000, 'c'},
    {17, "bytea", "bytea", -1, false, 'U', 0, 1001, 'i'},
    {18, "char", "\"char\"", 1, true, 'Z', 0, 1002, 'c'},
    {19, "name", "name", 64, false, 'S', 18, 1003, 'c'},
    {20, "int8", "bigint", 8, true, 'N', 0, 1016, 'd'},
    {21, "int2", "smallint", 2, true, 'N', 0, 1005, 's'},
    {23, "int4", "integer", 4, true, 'N', 0, 1007, 'i'},
    {25, "text", "text", -1, false, 'S', 0, 1009, 'i'},
    {26, "oid", "oid", 4, true, 'N', 0, 1028, 'i'},
    {700, "float4", "real", 4, true, 'N', 0, 1021, 'i'},
    {701, "float8", "double precision", 8, true, 'N', 0, 1022, 'd'},
    {705, "unknown", "unknown", -2, false, 'X', 0, 0, 'c'},
    {1042, "bpchar", "character", -1, false, 'S', 0, 1014, 'i'},
    {1043, "varchar", "character varying", -1, false, 'S', 0, 1015, 'i'},
    {1082, "date", "date", 4, true, 'D', 0, 1182, 'i'},
    {1083, "time", "time without time zone", 8, true, 'D', 0, 1183, 'd'},
    {1114, "timestamp", "timestamp without time zone", 8, true, 'D', 0, 1115, 'd'},
    {1184, "timestamptz", "timestamp with time zone", 8, true, 'D', 0, 1185, 'd'},
    {1186, "interval", "interval", 16, false, 'T', 0, 1187, 'd'},
    {1700, "numeric", "numeric", -1, false, 'N', 0, 1231, 'i'},
    {2950, "uuid", "uuid", 16, false, 'U', 0, 2951, 'c'},
    {1560, "bit", "bit", -1, false, 'V', 0, 1561, 'i'},
    {1562, "varbit", "bit varying", -1, false, 'V', 0, 1563, 'i'},
    /* arrays */
    {1000, "_bool", "ARRAY", -1, false, 'A', 16, 0, 'i'},
    {1001, "_bytea", "ARRAY", -1, false, 'A', 17, 0, 'i'},
    {1002, "_char", "ARRAY", -1, false, 'A', 18, 0, 'i'},
    {1003, "_name", "ARRAY", -1, false, 'A', 19, 0, 'i'},
    {1005, "_int2", "ARRAY", -1, false, 'A', 21, 0, 'i'},
    {1007, "_int4", "ARRAY", -1, false, 'A', 23, 0, 'i'},
    {1009, "_text", "ARRAY", -1, false, 'A', 25, 0, 'i'},
    {1014, "_bpchar", "ARRAY", -1, false, 'A', 1042, 0, 'i'},
    {1015, "_varchar", "ARRAY", -1, false, 'A', 1043, 0, 'i'},
    {1016, "_int8", "ARRAY", -1, false, 'A', 20, 0, 'd'},
    {1021, "_float4", "ARRAY", -1, false, 'A', 700, 0, 'i'},
    {1022, "_float8", "ARRAY", -1, false, 'A', 701, 0, 'd'},
    {1028, "_oid", "ARRAY", -1, false, 'A', 26, 0, 'i'},
    {1115, "_timestamp", "ARRAY", -1, false, 'A', 1114, 0, 'd'},
    {1182, "_date", "ARRAY", -1, false, 'A', 1082, 0, 'i'},
    {1183, "_time", "ARRAY", -1, false, 'A', 1083, 0, 'd'},
    {1185, "_timestamptz", "ARRAY", -1, false, 'A', 1184, 0, 'd'},
    {1187, "_interval", "ARRAY", -1, false, 'A', 1186, 0, 'd'},
    {1231, "_numeric", "ARRAY", -1, false, 'A', 1700, 0, 'i'},
    {2951, "_uuid", "ARRAY", -1, false, 'A', 2950, 0, 'i'},
};
#define N_PG_TYPES ((int)(sizeof(PG_TYPES) / sizeof(PG_TYPES[0])))

static const PgType *pgtype_by_oid(u32 oid)
{
    for (int i = 0; i < N_PG_TYPES; i++)
        if (PG_TYPES[i].oid == oid) return &PG_TYPES[i];
    return &PG_TYPES[7]; /* text */
}

/* PostgreSQL's OID of a scalar type. */
static u32 scalar_oid(TypeId id, int text_kind)
{
    switch (id) {
    case TYPE_BOOL: return 16;
    case TYPE_INT16: return 21;
    case TYPE_INT32: return 23;
    case TYPE_INT64: return 20;
    case TYPE_FLOAT32: return 700;
    case TYPE_FLOAT64: return 701;
    case TYPE_NUMERIC: return 1700;
    case TYPE_TEXT: return text_kind == TEXT_VARCHAR ? 1043 : text_kind == TEXT_CHAR ? 1042 : 25;
    case TYPE_BYTEA: return 17;
    case TYPE_DATE: return 1082;
    case TYPE_TIME: return 1083;
    case TYPE_TIMESTAMP: return 1114;
    case TYPE_TIMESTAMPTZ: return 1184;
    case TYPE_INTERVAL: return 1186;
    case TYPE_UUID: return 2950;
    case TYPE_BIT: return text_kind == BIT_VARYING ? 1562 : 1560;
    default: return 25;
    }
}

static const PgType *pgtype_of(LType t)
{
    if (t.id == TYPE_LIST) {
        const PgType *e = pgtype_by_oid(scalar_oid((TypeId)t.elem, TEXT_PLAIN));
        return pgtype_by_oid(e->array ? e->array : 1009);
    }
    return pgtype_by_oid(scalar_oid((TypeId)t.id, t.text_kind));
}

/* pg_attribute.atttypmod */
static i32 type_typmod(LType t)
{
    if (t.id == TYPE_TEXT && (t.text_kind == TEXT_VARCHAR || t.text_kind == TEXT_CHAR)) return t.mod1 >= 0 ? t.mod1 + 4 : -1;
    if (t.id == TYPE_NUMERIC) return t.mod1 >= 0 ? ((t.mod1 << 16) | (t.mod2 & 0x7ff)) + 4 : -1; /* PG: an 11-bit scale */
    if (t.id == TYPE_TIME || t.id == TYPE_TIMESTAMP || t.id == TYPE_TIMESTAMPTZ || t.id == TYPE_INTERVAL) return t.mod1;
    return -1;
}

/* ---- row building ---------------------------------------------------------------------- */

typedef struct Rows {
    Arena *a;
    int ncols;
    Value *vals;      /* row-major */
    size_t n, cap;    /* values */
    int col;          /* next column of the current row */
} Rows;

static void put(Rows *r, Value v)
{
    if (r->col >= r->ncols) return;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : (size_t)r->ncols * 64;
        Value *nv = arena_alloc(r->a, sizeof(Value) * cap);
        if (r->n) memcpy(nv, r->vals, sizeof(Value) * r->n);
        r->vals = nv;
        r->cap = cap;
    }
    r->vals[r->n++] = v;
    r->col++;
}

static void put_null(Rows *r) { put(r, value_null()); }
static void put_text(Rows *r, const char *s)
{
    if (!s) put_null(r);
    else put(r, value_text(r->a, s, strlen(s)));
}
static void put_int(Rows *r, i64 v) { put(r, value_int(TYPE_INT64, v)); }
static void put_int_or_null(Rows *r, bool ok, i64 v) { ok ? put_int(r, v) : put_null(r); }
static void put_bool(Rows *r, bool b) { put(r, value_bool(b)); }
static void put_float(Rows *r, double f) { put(r, value_double(f)); }
static void put_yes_no(Rows *r, bool b) { put_text(r, b ? "YES" : "NO"); }
/* Ends a row, filling columns not given with NULL. */
static void row_end(Rows *r)
{
    while (r->col < r->ncols) put_null(r);
    r->col = 0;
}

static char *fmt_i64(Arena *a, i64 v) { return arena_printf(a, "%lld", (long long)v); }

/* ---- catalog helpers -------------------------------------------------------------------- */

static u32 nsp_oid(const Schema *s)
{
    if (!strcmp(s->name, "pg_catalog")) return 11;
    if (!strcmp(s->name, "public")) return 2200;
    return s->oid;
}

static Schema *find_schema(Catalog *c, const char *name)
{
    for (size_t i = 0; i < c->schemas.n; i++) {
        Schema *s = c->schemas.items[i];
        if (!strcmp(s->name, name)) return s;
    }
    return NULL;
}

/* OID of the system relations' schema, for relations that have none in the catalog. */
static u32 sys_nsp_oid(Catalog *c, const char *schema)
{
    Schema *s = find_schema(c, schema);
    return s ? nsp_oid(s) : 0;
}

static const SysViewCols *view_cols(const SysViewCols *vc, int nvc, const ViewDef *v)
{
    for (int i = 0; i < nvc; i++)
        if (vc[i].view == v) return &vc[i];
    return NULL;
}

/* PostgreSQL's name of a unique constraint (and of its index). */
static char *unique_name(Arena *a, const TableDef *t, const UniqueDef *u)
{
    if (u->name && strcmp(u->name, "pkey") && strcmp(u->name, "key")) return arena_strdup(a, u->name);
    if (u->primary) return arena_printf(a, "%s_pkey", t->name);
    char *s = arena_strdup(a, t->name);
    for (int k = 0; k < u->ncols; k++) s = arena_printf(a, "%s_%s", s, t->cols[u->cols[k]].name);
    return arena_printf(a, "%s_key", s);
}

/* OID of the index that backs a unique constraint (there is no IndexDef for it). */
static u32 unique_index_oid(const TableDef *t, int k) { return (1u << 30) + t->oid * 64u + (u32)k; }

/* The column list of an index definition: ("a", "b"). */
static char *key_list(Arena *a, char **keys, int n)
{
    char *s = "";
    for (int k = 0; k < n; k++) s = arena_printf(a, "%s%s%s", s, k ? ", " : "", keys[k]);
    return s;
}

/* A column default as information_schema shows it: the serial sequence's nextval with
 * PostgreSQL's ::regclass, otherwise the SQL text as written. */
static const char *column_default(Arena *a, const ColumnDef *cd)
{
    if (!cd->default_sql) return NULL;
    if (cd->serial && cd->identity_always) return NULL;
    if (cd->serial && !strncmp(cd->default_sql, "nextval('", 9) && !strstr(cd->default_sql, "::regclass"))
        return arena_printf(a, "nextval('%s'::regclass)", cd->serial->name);
    return cd->default_sql;
}

/* ---- the relations ---------------------------------------------------------------------- */

typedef struct Gen {
    Catalog *cat;
    Settings *settings;
    const SysViewCols *vc;
    int nvc;
    Rows *r;
    Arena *a;
} Gen;

/* The database's name (pg_database, information_schema's *_catalog columns, current_database()):
 * the one a server's client asked for (megadb.database), else megadb. */
static const char *cat_name(const Gen *g)
{
    return g->settings && g->settings->database[0] ? g->settings->database : DBNAME;
}

static void gen_tables(Gen *g)
{
    Rows *r = g->r;
    for (size_t i = 0; i < g->cat->schemas.n; i++) {
        Schema *s = g->cat->schemas.items[i];
        for (int pass = 0; pass < 2; pass++) {
            ObjList *l = pass == 0 ? &s->tables : &s->views;
            for (size_t j = 0; j < l->n; j++) {
                const char *name = pass == 0 ? ((TableDef *)l->items[j])->name : ((ViewDef *)l->items[j])->name;
                put_text(r, cat_name(g));
                put_text(r, s->name);
                put_text(r, name);
                put_text(r, pass == 0 ? "BASE TABLE" : "VIEW");
                put_null(r);
                put_null(r);
                put_null(r);
                put_null(r);
                put_null(r);
                put_yes_no(r, pass == 0);
                put_text(r, "NO");
                put_null(r);
                row_end(r);
            }
        }
        for (int k = 0; k < SR__COUNT; k++) {
            if (strcmp(RELS[k].schema, s->name)) continue;
            put_text(r, cat_name(g));
            put_text(r, s->name);
            put_text(r, RELS[k].name);
            put_text(r, RELS[k].relkind == 'r' ? "BASE TABLE" : "VIEW");
            for (int c = 0; c < 5; c++) put_null(r);
            put_text(r, "NO");
            put_text(r, "NO");
            row_end(r);
        }
    }
}

/* One row of information_schema.columns. */
static void column_row(Gen *g, const char *schema, const char *rel, const char *col, int pos, LType t,
                       bool not_null, const ColumnDef *cd, bool updatable)
{
    Rows *r = g->r;
    const PgType *pt = pgtype_of(t);
    bool is_char = t.id == TYPE_TEXT && (t.text_kind == TEXT_VARCHAR || t.text_kind == TEXT_CHAR);
    put_text(r, cat_name(g));
    put_text(r, schema);
    put_text(r, rel);
    put_text(r, col);
    put_int(r, pos);
    put_text(r, cd ? column_default(g->a, cd) : NULL);
    put_yes_no(r, !not_null);
    put_text(r, pt->sqlname);
    put_int_or_null(r, is_char && t.mod1 >= 0, t.mod1);
    if (t.id == TYPE_TEXT) put_int(r, is_char && t.mod1 >= 0 ? (i64)t.mod1 * 4 : 1073741824);
    else put_null(r);
    /* numeric_precision, _radix, _scale */
    switch (t.id) {
    case TYPE_INT16: put_int(r, 16); put_int(r, 2); put_int(r, 0); break;
    case TYPE_INT32: put_int(r, 32); put_int(r, 2); put_int(r, 0); break;
    case TYPE_INT64: put_int(r, 64); put_int(r, 2); put_int(r, 0); break;
    case TYPE_FLOAT32: put_int(r, 24); put_int(r, 2); put_null(r); break;
    case TYPE_FLOAT64: put_int(r, 53); put_int(r, 2); put_null(r); break;
    case TYPE_NUMERIC:
        put_int_or_null(r, t.mod1 >= 0, t.mod1);
        put_int(r, 10);
        put_int_or_null(r, t.mod1 >= 0, t.mod2);
        break;
    default: put_null(r); put_null(r); put_null(r); break;
    }
    /* datetime_precision */
    if (t.id == TYPE_DATE) put_int(r, 0);
    else if (t.id == TYPE_TIME || t.id == TYPE_TIMESTAMP || t.id == TYPE_TIMESTAMPTZ || t.id == TYPE_INTERVAL)
        put_int(r, t.mod1 >= 0 ? t.mod1 : 6);
    else put_null(r);
    put_null(r); /* interval_type */
    put_null(r); /* interval_precision */
    for (int i = 0; i < 9; i++) put_null(r); /* character set, collation, domain */
    put_text(r, cat_name(g));
    put_text(r, "pg_catalog");
    put_text(r, pt->name);
    for (int i = 0; i < 4; i++) put_null(r); /* scope, maximum_cardinality */
    put_text(r, fmt_i64(g->a, pos));
    put_text(r, "NO");
    bool ident = cd && cd->serial && cd->identity_always;
    put_yes_no(r, ident);
    if (ident) {
        Sequence *q = cd->serial;
        put_text(r, "ALWAYS");
        put_text(r, fmt_i64(g->a, q->start));
        put_text(r, fmt_i64(g->a, q->increment));
        put_text(r, fmt_i64(g->a, q->max));
        put_text(r, fmt_i64(g->a, q->min));
        put_yes_no(r, q->cycle);
    } else {
        for (int i = 0; i < 5; i++) put_null(r);
        put_text(r, "NO");
    }
    put_text(r, "NEVER");
    put_null(r);
    put_yes_no(r, updatable);
    row_end(r);
}

static void gen_columns(Gen *g)
{
    for (size_t i = 0; i < g->cat->schemas.n; i++) {
        Schema *s = g->cat->schemas.items[i];
        for (size_t j = 0; j < s->tables.n; j++) {
            TableDef *t = s->tables.items[j];
            for (int c = 0; c < t->ncols; c++)
                column_row(g, s->name, t->name, t->cols[c].name, c + 1, t->cols[c].type, t->cols[c].not_null, &t->cols[c], true);
        }
        for (size_t j = 0; j < s->views.n; j++) {
            const SysViewCols *vc = view_cols(g->vc, g->nvc, s->views.items[j]);
            if (!vc) continue;
            for (int c = 0; c < vc->ncols; c++)
                column_row(g, s->name, vc->view->name, vc->names[c], c + 1, vc->types[c], false, NULL, false);
        }
        for (int k = 0; k < SR__COUNT; k++) {
            if (strcmp(RELS[k].schema, s->name)) continue;
            for (int c = 0; c < RELS[k].ncols; c++)
                column_row(g, s->name, RELS[k].name, RELS[k].cols[c].name, c + 1, syscol_type(RELS[k].cols[c].type),
                           false, NULL, false);
        }
    }
}

static void gen_schemata(Gen *g)
{
    for (size_t i = 0; i < g->cat->schemas.n; i++) {
        Schema *s = g->cat->schemas.items[i];
        put_text(g->r, cat_name(g));
        put_text(g->r, s->name);
        put_text(g->r, DBNAME);
        row_end(g->r);
    }
}

static void gen_views(Gen *g, bool pg)
{
    for (size_t i = 0; i < g->cat->schemas.n; i++) {
        Schema *s = g->cat->schemas.items[i];
        for (size_t j = 0; j < s->views.n; j++) {
            ViewDef *v = s->views.items[j];
            if (pg) {
                put_text(g->r, s->name);
                put_text(g->r, v->name);
                put_text(g->r, DBNAME);
                put_text(g->r, v->sql);
            } else {
                put_text(g->r, cat_name(g));
                put_text(g->r, s->name);
                put_text(g->r, v->name);
                put_text(g->r, v->sql);
                put_text(g->r, "NONE");
                for (int k = 0; k < 5; k++) put_text(g->r, "NO");
            }
            row_end(g->r);
        }
    }
}

/* The data type of a sequence: that of the serial column owning it, else bigint; *max is
 * clamped to the type's range as PostgreSQL creates such a sequence. */
static const char *sequence_type(const Sequence *q, i64 *max)
{
    const TableDef *t = q->owned_by;
    for (int c = 0; t && c < t->ncols; c++) {
        if (t->cols[c].serial != q) continue;
        if (t->cols[c].type.id == TYPE_INT32) { if (*max > INT32_MAX) *max = INT32_MAX; return "integer"; }
        if (t->cols[c].type.id == TYPE_INT16) { if (*max > INT16_MAX) *max = INT16_MAX; return "smallint"; }
    }
    return "bigint";
}

static void gen_sequences(Gen *g, bool pg)
{
    Rows *r = g->r;
    for (size_t i = 0; i < g->cat->schemas.n; i++) {
        Schema *s = g->cat->schemas.items[i];
        for (size_t j = 0; j < s->sequences.n; j++) {
            Sequence *q = s->sequences.items[j];
            pthread_mutex_lock(&q->mu);
            i64 start = q->start, inc = q->increment, mn = q->min, mx = q->max, cache = q->cache, last = q->last;
            bool cycle = q->cycle, called = q->called;
            pthread_mutex_unlock(&q->mu);
            const char *type = sequence_type(q, &mx);
            if (pg) {
                put_text(r, s->name);
                put_text(r, q->name);
                put_text(r, DBNAME);
                put_text(r, type);
                put_int(r, start);
                put_int(r, mn);
                put_int(r, mx);
                put_int(r, inc);
                put_bool(r, cycle);
                put_int(r, cache > 0 ? cache : 1);
                put_int_or_null(r, called, last);
            } else {
                put_text(r, cat_name(g));
                put_text(r, s->name);
                put_text(r, q->name);
                put_text(r, type);
                put_int(r, !strcmp(type, "integer") ? 32 : !strcmp(type, "smallint") ? 16 : 64);
                put_int(r, 2);
                put_int(r, 0);
                put_text(r, fmt_i64(g->a, start));
                put_text(r, fmt_i64(g->a, mn));
                put_text(r, fmt_i64(g->a, mx));
                put_text(r, fmt_i64(g->a, inc));
                put_yes_no(r, cycle);
            }
            row_end(r);
        }
    }
}

static void constraint_head(Gen *g, const Schema *s, const char *cname, const TableDef *t)
{
    put_text(g->r, cat_name(g));
    put_text(g->r, s->name);
    put_text(g->r, cname);
    put_text(g->r, cat_name(g));
    put_text(g->r, s->name);
    put_text(g->r, t->name);
}

static void gen_table_constraints(Gen *g)
{
    Rows *r = g->r;
    for (size_t i = 0; i < g->cat->schemas.n; i++) {
        Schema *s = g->cat->schemas.items[i];
        for (size_t j = 0; j < s->tables.n; j++) {
            TableDef *t = s->tables.items[j];
            for (int k = 0; k < t->nuniques; k++) {
                constraint_head(g, s, unique_name(g->a, t, &t->uniques[k]), t);
                put_text(r, t->uniques[k].primary ? "PRIMARY KEY" : "UNIQUE");
                put_text(r, "NO");
                put_text(r, "NO");
                put_text(r, "YES");
                put_text(r, "YES");
                row_end(r);
            }
            for (int k = 0; k < t->nchecks; k++) {
                constraint_head(g, s, t->checks[k].name, t);
                put_text(r, "CHECK");
                put_text(r, "NO");
                put_text(r, "NO");
                put_text(r, "YES");
                put_null(r);
                row_end(r);
            }
            for (int c = 0; c < t->ncols; c++) {
                if (!t->cols[c].not_null) continue;
                constraint_head(g, s, arena_printf(g->a, "%u_%u_%d_not_null", nsp_oid(s), t->oid, c + 1), t);
                put_text(r, "CHECK");
                put_text(r, "NO");
                put_text(r, "NO");
                put_text(r, "YES");
                put_null(r);
                row_end(r);
            }
        }
    }
}

static void gen_key_column_usage(Gen *g)
{
    for (size_t i = 0; i < g->cat->schemas.n; i++) {
        Schema *s = g->cat->schemas.items[i];
        for (size_t j = 0; j < s->tables.n; j++) {
            TableDef *t = s->tables.items[j];
            for (int k = 0; k < t->nuniques; k++) {
                const UniqueDef *u = &t->uniques[k];
                char *cname = unique_name(g->a, t, u);
                for (int c = 0; c < u->ncols; c++) {
                    constraint_head(g, s, cname, t);
                    put_text(g->r, t->cols[u->cols[c]].name);
                    put_int(g->r, c + 1);
                    put_null(g->r);
                    row_end(g->r);
                }
            }
        }
    }
}

static void gen_pg_namespace(Gen *g)
{
    for (size_t i = 0; i < g->cat->schemas.n; i++) {
        Schema *s = g->cat->schemas.items[i];
        put_int(g->r, nsp_oid(s));
        put_text(g->r, s->name);
        put_int(g->r, OWNER_OID);
        put_null(g->r);
        row_end(g->r);
    }
}

/* One row of pg_class. */
static void class_row(Gen *g, u32 oid, const char *name, u32 nsp, char kind, double tuples, bool hasindex, int natts,
                      int nchecks)
{
    Rows *r = g->r;
    char k[2] = {kind, 0};
    put_int(r, oid);
    put_text(r, name);
    put_int(r, nsp);
    put_int(r, 0);                         /* reltype */
    put_int(r, 0);                         /* reloftype */
    put_int(r, OWNER_OID);
    put_int(r, kind == 'i' ? 403 : kind == 'r' ? 2 : 0); /* relam: btree / heap */
    put_int(r, kind == 'v' ? 0 : oid);     /* relfilenode */
    put_int(r, 0);                         /* reltablespace */
    put_int(r, 0);                         /* relpages */
    put_float(r, tuples);
    put_int(r, 0);                         /* relallvisible */
    put_int(r, 0);                         /* reltoastrelid */
    put_bool(r, hasindex);
    put_bool(r, false);                    /* relisshared */
    put_text(r, "p");
    put_text(r, k);
    put_int(r, natts);
    put_int(r, nchecks);
    put_bool(r, kind == 'v');              /* relhasrules: a view is a rule */
    put_bool(r, false);
    put_bool(r, false);
    put_bool(r, false);
    put_bool(r, false);
    put_bool(r, true);                     /* relispopulated */
    put_text(r, kind == 'r' ? "d" : "n");
    put_bool(r, false);
    put_int(r, 0);
    row_end(r);
}

static void gen_pg_class(Gen *g)
{
    for (size_t i = 0; i < g->cat->schemas.n; i++) {
        Schema *s = g->cat->schemas.items[i];
        u32 nsp = nsp_oid(s);
        for (size_t j = 0; j < s->tables.n; j++) {
            TableDef *t = s->tables.items[j];
            bool hasindex = t->nuniques > 0;
            for (size_t x = 0; x < s->indexes.n && !hasindex; x++) hasindex = ((IndexDef *)s->indexes.items[x])->table == t;
            double tuples = t->store ? (double)tableam_live_rows(t->store) : 0;
            class_row(g, t->oid, t->name, nsp, 'r', tuples, hasindex, t->ncols, t->nchecks);
            for (int k = 0; k < t->nuniques; k++)
                class_row(g, unique_index_oid(t, k), unique_name(g->a, t, &t->uniques[k]), nsp, 'i', 0, false,
                          t->uniques[k].ncols, 0);
        }
        for (size_t j = 0; j < s->views.n; j++) {
            ViewDef *v = s->views.items[j];
            const SysViewCols *vc = view_cols(g->vc, g->nvc, v);
            class_row(g, v->oid, v->name, nsp, 'v', -1, false, vc ? vc->ncols : v->ncolnames, 0);
        }
        for (size_t j = 0; j < s->sequences.n; j++) {
            Sequence *q = s->sequences.items[j];
            class_row(g, q->oid, q->name, nsp, 'S', 1, false, 3, 0);
        }
        for (size_t j = 0; j < s->indexes.n; j++) {
            IndexDef *ix = s->indexes.items[j];
            class_row(g, ix->oid, ix->name, nsp, 'i', 0, false, ix->nkeys, 0);
        }
        for (int k = 0; k < SR__COUNT; k++)
            if (!strcmp(RELS[k].schema, s->name))
                class_row(g, RELS[k].oid, RELS[k].name, nsp, RELS[k].relkind, RELS[k].relkind == 'r' ? 0 : -1, false,
                          RELS[k].ncols, 0);
    }
}

/* One row of pg_attribute. */
static void attr_row(Gen *g, u32 relid, const char *name, LType t, int num, bool not_null, bool hasdef, bool ident)
{
    Rows *r = g->r;
    const PgType *pt = pgtype_of(t);
    char align[2] = {pt->align, 0};
    bool is_text = t.id == TYPE_TEXT || t.id == TYPE_NUMERIC || t.id == TYPE_LIST;
    put_int(r, relid);
    put_text(r, name);
    put_int(r, pt->oid);
    put_int(r, -1);                     /* attstattarget */
    put_int(r, pt->len);
    put_int(r, num);
    put_int(r, t.id == TYPE_LIST ? 1 : 0);
    put_int(r, -1);                     /* attcacheoff */
    put_int(r, type_typmod(t));
    put_bool(r, pt->byval);
    put_text(r, align);
    put_text(r, pt->len == -1 ? (t.id == TYPE_NUMERIC ? "m" : "x") : "p");
    put_text(r, "");                    /* attcompression */
    put_bool(r, not_null);
    put_bool(r, hasdef);
    put_bool(r, false);                 /* atthasmissing */
    put_text(r, ident ? "a" : "");
    put_text(r, "");                    /* attgenerated */
    put_bool(r, false);                 /* attisdropped */
    put_bool(r, true);                  /* attislocal */
    put_int(r, 0);
    put_int(r, is_text && t.id == TYPE_TEXT ? 100 : 0); /* attcollation: default */
    row_end(r);
}

static void gen_pg_attribute(Gen *g)
{
    for (size_t i = 0; i < g->cat->schemas.n; i++) {
        Schema *s = g->cat->schemas.items[i];
        for (size_t j = 0; j < s->tables.n; j++) {
            TableDef *t = s->tables.items[j];
            for (int c = 0; c < t->ncols; c++) {
                const ColumnDef *cd = &t->cols[c];
                bool ident = cd->serial && cd->identity_always;
                attr_row(g, t->oid, cd->name, cd->type, c + 1, cd->not_null, cd->default_sql && !ident, ident);
            }
        }
        for (size_t j = 0; j < s->views.n; j++) {
            const SysViewCols *vc = view_cols(g->vc, g->nvc, s->views.items[j]);
            if (!vc) continue;
            for (int c = 0; c < vc->ncols; c++) attr_row(g, vc->view->oid, vc->names[c], vc->types[c], c + 1, false, false, false);
        }
        for (int k = 0; k < SR__COUNT; k++) {
            if (strcmp(RELS[k].schema, s->name)) continue;
            for (int c = 0; c < RELS[k].ncols; c++)
                attr_row(g, RELS[k].oid, RELS[k].cols[c].name, syscol_type(RELS[k].cols[c].type), c + 1, false, false, false);
        }
    }
}

static void gen_pg_type(Gen *g)
{
    Rows *r = g->r;
    u32 nsp = sys_nsp_oid(g->cat, "pg_catalog");
    for (int i = 0; i < N_PG_TYPES; i++) {
        const PgType *t = &PG_TYPES[i];
        char cat[2] = {t->category, 0}, align[2] = {t->align, 0};
        put_int(r, t->oid);
        put_text(r, t->name);
        put_int(r, nsp);
        put_int(r, OWNER_OID);
        put_int(r, t->len);
        put_bool(r, t->byval);
        put_text(r, t->oid == 705 ? "p" : "b");
        put_text(r, cat);
        put_bool(r, t->oid == 25 || t->oid == 701 || t->oid == 1184 || t->oid == 16 || t->oid == 1186 || t->oid == 26);
        put_bool(r, true);
        put_text(r, ",");
        put_int(r, 0);
        put_int(r, t->elem);
        put_int(r, t->array);
        put_text(r, align);
        put_text(r, t->len == -1 ? (t->oid == 1700 ? "m" : "x") : "p");
        put_bool(r, false);
        put_int(r, 0);
        put_int(r, -1);
        put_int(r, 0);
        put_int(r, t->category == 'S' && t->oid != 19 ? 100 : t->oid == 19 ? 950 : 0);
        put_null(r);
        row_end(r);
    }
}

static void gen_pg_tables(Gen *g)
{
    for (size_t i = 0; i < g->cat->schemas.n; i++) {
        Schema *s = g->cat->schemas.items[i];
        for (size_t j = 0; j < s->tables.n; j++) {
            TableDef *t = s->tables.items[j];
            bool hasindex = t->nuniques > 0;
            for (size_t x = 0; x < s->indexes.n && !hasindex; x++) hasindex = ((IndexDef *)s->indexes.items[x])->table == t;
            put_text(g->r, s->name);
            put_text(g->r, t->name);
            put_text(g->r, DBNAME);
            put_null(g->r);
            put_bool(g->r, hasindex);
            put_bool(g->r, false);
            put_bool(g->r, false);
            put_bool(g->r, false);
            row_end(g->r);
        }
        for (int k = 0; k < SR__COUNT; k++) {
            if (strcmp(RELS[k].schema, s->name) || RELS[k].relkind != 'r') continue;
            put_text(g->r, s->name);
            put_text(g->r, RELS[k].name);
            put_text(g->r, DBNAME);
            put_null(g->r);
            for (int c = 0; c < 4; c++) put_bool(g->r, false);
            row_end(g->r);
        }
    }
}

static void index_row(Gen *g, const Schema *s, const TableDef *t, const char *name, bool unique, const char *method,
                      const char *keys)
{
    put_text(g->r, s->name);
    put_text(g->r, t->name);
    put_text(g->r, name);
    put_null(g->r);
    put_text(g->r, arena_printf(g->a, "CREATE %sINDEX %s ON %s.%s USING %s (%s)", unique ? "UNIQUE " : "", name, s->name,
                                t->name, method, keys));
    row_end(g->r);
}

static void gen_pg_indexes(Gen *g)
{
    for (size_t i = 0; i < g->cat->schemas.n; i++) {
        Schema *s = g->cat->schemas.items[i];
        for (size_t j = 0; j < s->tables.n; j++) {
            TableDef *t = s->tables.items[j];
            for (int k = 0; k < t->nuniques; k++) {
                const UniqueDef *u = &t->uniques[k];
                char **keys = arena_alloc(g->a, sizeof(char *) * (size_t)(u->ncols + 1));
                for (int c = 0; c < u->ncols; c++) keys[c] = t->cols[u->cols[c]].name;
                index_row(g, s, t, unique_name(g->a, t, u), true, "btree", key_list(g->a, keys, u->ncols));
            }
        }
        for (size_t j = 0; j < s->indexes.n; j++) {
            IndexDef *ix = s->indexes.items[j];
            index_row(g, s, ix->table, ix->name, ix->unique, ix->method ? ix->method : "btree",
                      key_list(g->a, ix->keys, ix->nkeys));
        }
    }
}

static void gen_pg_database(Gen *g)
{
    Rows *r = g->r;
    put_int(r, 16384);
    put_text(r, cat_name(g));
    put_int(r, OWNER_OID);
    put_int(r, 6); /* UTF8 */
    put_text(r, "c");
    put_bool(r, false);
    put_bool(r, true);
    put_int(r, -1);
    put_text(r, "C.UTF-8");
    put_text(r, "C.UTF-8");
    row_end(r);
}

static bool all_digits(const char *s)
{
    if (*s == '-') s++;
    if (!*s) return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9') return false;
    return true;
}

static void gen_pg_settings(Gen *g)
{
    Settings def;
    settings_default(&def);
    for (const char *const *n = settings_names(); *n; n++) {
        char cur[512], boot[512];
        Err e = {0};
        if (settings_show(g->settings, *n, cur, sizeof cur, &e) || settings_show(&def, *n, boot, sizeof boot, &e)) {
            err_clear(&e);
            continue;
        }
        Rows *r = g->r;
        put_text(r, *n);
        put_text(r, cur);
        put_text(r, !strcmp(*n, "statement_timeout") ? "ms" : !strcmp(*n, "memory_limit") ? "B" : NULL);
        put_null(r);
        put_null(r);
        put_null(r);
        put_text(r, !strcmp(*n, "server_version") || !strcmp(*n, "server_version_num") || !strcmp(*n, "max_identifier_length") ? "internal" : "user");
        put_text(r, all_digits(boot) ? "integer" : "string");
        put_text(r, strcmp(cur, boot) ? "session" : "default");
        put_null(r);
        put_null(r);
        put_null(r);
        put_text(r, boot);
        put_text(r, boot);
        put_null(r);
        put_null(r);
        put_bool(r, false);
        row_end(r);
    }
}

/* ---- relations for psql's \d commands ---------------------------------------------------- */

static void gen_pg_am(Gen *g)
{
    static const struct { u32 oid; const char *name, *handler, *type; } AMS[] = {
        {2, "heap", "heap_tableam_handler", "t"}, {403, "btree", "bthandler", "i"}, {405, "hash", "hashhandler", "i"}};
    for (size_t i = 0; i < sizeof AMS / sizeof AMS[0]; i++) {
        put_int(g->r, AMS[i].oid);
        put_text(g->r, AMS[i].name);
        put_text(g->r, AMS[i].handler);
        put_text(g->r, AMS[i].type);
        row_end(g->r);
    }
}

/* indkey / conkey as PostgreSQL prints an int2vector: column numbers separated by spaces */
static char *colnum_list(Arena *a, const int *cols, int n, const char *sep)
{
    char *s = "";
    for (int k = 0; k < n; k++) s = arena_printf(a, "%s%s%d", s, k ? sep : "", cols[k] + 1);
    return s;
}

static void pg_index_row(Gen *g, u32 oid, const TableDef *t, const int *cols, int ncols, bool unique, bool primary,
                         const char *exprs)
{
    Rows *r = g->r;
    put_int(r, oid);
    put_int(r, t->oid);
    put_int(r, ncols);
    put_int(r, ncols);
    put_bool(r, unique);
    put_bool(r, false);
    put_bool(r, primary);
    put_bool(r, false);
    put_bool(r, true);    /* indimmediate */
    put_bool(r, false);   /* indisclustered */
    put_bool(r, true);    /* indisvalid */
    put_bool(r, false);
    put_bool(r, true);
    put_bool(r, true);
    put_bool(r, false);   /* indisreplident */
    put_text(r, colnum_list(g->a, cols, ncols, " "));
    put_text(r, exprs);
    put_null(r);
    row_end(r);
}

static void gen_pg_index(Gen *g)
{
    for (size_t i = 0; i < g->cat->schemas.n; i++) {
        Schema *s = g->cat->schemas.items[i];
        for (size_t j = 0; j < s->tables.n; j++) {
            TableDef *t = s->tables.items[j];
            for (int k = 0; k < t->nuniques; k++)
                pg_index_row(g, unique_index_oid(t, k), t, t->uniques[k].cols, t->uniques[k].ncols, true, t->uniques[k].primary, NULL);
        }
        for (size_t j = 0; j < s->indexes.n; j++) {
            IndexDef *ix = s->indexes.items[j];
            int *cols = arena_alloc(g->a, sizeof(int) * (size_t)(ix->nkeys + 1));
            bool expr = false;
            for (int k = 0; k < ix->nkeys; k++) {
                cols[k] = table_find_column(ix->table, ix->keys[k]);
                expr |= cols[k] < 0;
            }
            pg_index_row(g, ix->oid, ix->table, cols, ix->nkeys, ix->unique, false, expr ? key_list(g->a, ix->keys, ix->nkeys) : NULL);
        }
    }
}

/* OIDs of constraints: unique k of table t next to its index's, CHECK k after them. */
static u32 unique_con_oid(const TableDef *t, int k) { return (1u << 29) + t->oid * 64u + (u32)k; }
static u32 check_con_oid(const TableDef *t, int k) { return (1u << 29) + t->oid * 64u + 32u + (u32)k; }

static void gen_pg_constraint(Gen *g)
{
    Rows *r = g->r;
    for (size_t i = 0; i < g->cat->schemas.n; i++) {
        Schema *s = g->cat->schemas.items[i];
        for (size_t j = 0; j < s->tables.n; j++) {
            TableDef *t = s->tables.items[j];
            for (int k = 0; k < t->nuniques + t->nchecks; k++) {
                bool uq = k < t->nuniques;
                const UniqueDef *u = uq ? &t->uniques[k] : NULL;
                put_int(r, uq ? unique_con_oid(t, k) : check_con_oid(t, k - t->nuniques));
                put_text(r, uq ? unique_name(g->a, t, u) : t->checks[k - t->nuniques].name);
                put_int(r, nsp_oid(s));
                put_text(r, uq ? (u->primary ? "p" : "u") : "c");
                put_bool(r, false);
                put_bool(r, false);
                put_bool(r, true);
                put_int(r, t->oid);
                put_int(r, 0);
                put_int(r, uq ? unique_index_oid(t, k) : 0);
                put_int(r, 0);
                put_int(r, 0);
                put_text(r, " ");
                put_text(r, " ");
                put_text(r, " ");
                put_bool(r, true);
                put_int(r, 0);
                put_bool(r, false);
                put_text(r, uq ? arena_printf(g->a, "{%s}", colnum_list(g->a, u->cols, u->ncols, ",")) : NULL);
                put_null(r);
                put_text(r, uq ? NULL : t->checks[k - t->nuniques].sql);
                row_end(r);
            }
        }
    }
}

static void gen_pg_attrdef(Gen *g)
{
    for (size_t i = 0; i < g->cat->schemas.n; i++) {
        Schema *s = g->cat->schemas.items[i];
        for (size_t j = 0; j < s->tables.n; j++) {
            TableDef *t = s->tables.items[j];
            for (int c = 0; c < t->ncols; c++) {
                const char *d = column_default(g->a, &t->cols[c]);
                if (!d) continue;
                put_int(g->r, (1u << 28) + t->oid * 1024u + (u32)c);
                put_int(g->r, t->oid);
                put_int(g->r, c + 1);
                put_text(g->r, d); /* PostgreSQL keeps a node tree; pg_get_expr of this text is the text */
                row_end(g->r);
            }
        }
    }
}

static void gen_pg_collation(Gen *g)
{
    static const struct { u32 oid; const char *name, *prov; } COLLS[] = {{100, "default", "d"}, {950, "C", "c"}, {951, "POSIX", "c"}};
    u32 nsp = sys_nsp_oid(g->cat, "pg_catalog");
    for (size_t i = 0; i < sizeof COLLS / sizeof COLLS[0]; i++) {
        put_int(g->r, COLLS[i].oid);
        put_text(g->r, COLLS[i].name);
        put_int(g->r, nsp);
        put_int(g->r, OWNER_OID);
        put_text(g->r, COLLS[i].prov);
        put_bool(g->r, true);
        put_int(g->r, -1);
        put_text(g->r, i ? COLLS[i].name : NULL);
        put_text(g->r, i ? COLLS[i].name : NULL);
        row_end(g->r);
    }
}

static void gen_pg_roles(Gen *g)
{
    Rows *r = g->r;
    put_text(r, DBNAME);
    for (int k = 0; k < 6; k++) put_bool(r, k != 5); /* superuser, inherit, createrole, createdb, login; no replication */
    put_int(r, -1);
    put_text(r, "********");
    put_null(r);
    put_bool(r, true);
    put_null(r);
    put_int(r, OWNER_OID);
    row_end(r);
}

/* ---- helpers for the catalog functions (sys_funcs.c) ------------------------------------ */

const char *sys_owner_name(i64 oid) { return oid == OWNER_OID ? DBNAME : NULL; }

char *sys_format_type(Arena *a, i64 oid, i64 typmod)
{
    const PgType *t = NULL;
    for (int i = 0; i < N_PG_TYPES; i++)
        if (PG_TYPES[i].oid == oid) t = &PG_TYPES[i];
    if (!t) return arena_strdup(a, "???");
    if (t->category == 'A') return arena_printf(a, "%s[]", sys_format_type(a, t->elem, typmod));
    if ((oid == 1043 || oid == 1042) && typmod >= 4) return arena_printf(a, "%s(%lld)", t->sqlname, (long long)(typmod - 4));
    if (oid == 1700 && typmod >= 4)
        return arena_printf(a, "numeric(%lld,%lld)", (long long)((typmod - 4) >> 16),
                            (long long)((((typmod - 4) & 0x7ff) ^ 0x400) - 0x400)); /* an 11-bit signed scale */
    if ((oid == 1114 || oid == 1184 || oid == 1083) && typmod >= 0) {
        const char *base = oid == 1114 ? "timestamp" : oid == 1184 ? "timestamp" : "time";
        return arena_printf(a, "%s(%lld) %s", base, (long long)typmod, oid == 1184 ? "with time zone" : "without time zone");
    }
    return arena_strdup(a, t->sqlname);
}

/* Finds relation `oid` among the catalog's tables, views, sequences, indexes (and the indexes
 * of unique constraints); its schema in *schema and its name in *name. */
static bool find_rel(Catalog *cat, Arena *a, i64 oid, Schema **schema, const char **name, const TableDef **table, int *uniq,
                     IndexDef **index)
{
    *table = NULL;
    *uniq = -1;
    *index = NULL;
    for (size_t i = 0; i < cat->schemas.n; i++) {
        Schema *s = cat->schemas.items[i];
        *schema = s;
        for (size_t j = 0; j < s->tables.n; j++) {
            TableDef *t = s->tables.items[j];
            if (t->oid == oid) { *name = t->name; *table = t; return true; }
            for (int k = 0; k < t->nuniques; k++)
                if (unique_index_oid(t, k) == oid) { *name = unique_name(a, t, &t->uniques[k]); *table = t; *uniq = k; return true; }
        }
        for (size_t j = 0; j < s->views.n; j++)
            if (((ViewDef *)s->views.items[j])->oid == oid) { *name = ((ViewDef *)s->views.items[j])->name; return true; }
        for (size_t j = 0; j < s->sequences.n; j++)
            if (((Sequence *)s->sequences.items[j])->oid == oid) { *name = ((Sequence *)s->sequences.items[j])->name; return true; }
        for (size_t j = 0; j < s->indexes.n; j++)
            if (((IndexDef *)s->indexes.items[j])->oid == oid) { *index = s->indexes.items[j]; *name = (*index)->name; return true; }
        for (int k = 0; k < SR__COUNT; k++)
            if (RELS[k].oid == oid && !strcmp(RELS[k].schema, s->name)) { *name = RELS[k].name; return true; }
    }
    return false;
}

/* pg_table_is_visible: the relation's schema is pg_catalog or the first schema of search_path
 * holding a relation of that name. */
bool sys_table_is_visible(Catalog *cat, const Settings *st, Arena *a, i64 oid)
{
    Schema *s;
    const char *name;
    const TableDef *t;
    int u;
    IndexDef *ix;
    if (!find_rel(cat, a, oid, &s, &name, &t, &u, &ix)) return false;
    if (!strcmp(s->name, "pg_catalog")) return true;
    char path[256];
    snprintf(path, sizeof path, "%s", st ? st->search_path : "public");
    for (char *save = NULL, *p = strtok_r(path, ", ", &save); p; p = strtok_r(NULL, ", ", &save)) {
        if (*p == '"') { p++; p[strcspn(p, "\"")] = 0; }
        if (!strcmp(p, "$user")) continue;
        Schema *ps = find_schema(cat, p);
        if (!ps) continue;
        if (ps == s) return true;
        /* an object of the same name earlier in the path hides it */
        for (size_t j = 0; j < ps->tables.n; j++)
            if (!strcmp(((TableDef *)ps->tables.items[j])->name, name)) return false;
        for (size_t j = 0; j < ps->views.n; j++)
            if (!strcmp(((ViewDef *)ps->views.items[j])->name, name)) return false;
        for (size_t j = 0; j < ps->indexes.n; j++)
            if (!strcmp(((IndexDef *)ps->indexes.items[j])->name, name)) return false;
    }
    return false;
}

/* pg_get_indexdef of an index OID, as PostgreSQL prints it; NULL when there is none. */
char *sys_index_def(Catalog *cat, Arena *a, i64 oid)
{
    Schema *s;
    const char *name;
    const TableDef *t;
    int u;
    IndexDef *ix;
    if (!find_rel(cat, a, oid, &s, &name, &t, &u, &ix)) return NULL;
    if (u >= 0) {
        const UniqueDef *ud = &t->uniques[u];
        char **keys = arena_alloc(a, sizeof(char *) * (size_t)(ud->ncols + 1));
        for (int c = 0; c < ud->ncols; c++) keys[c] = t->cols[ud->cols[c]].name;
        return arena_printf(a, "CREATE UNIQUE INDEX %s ON %s.%s USING btree (%s)", name, s->name, t->name, key_list(a, keys, ud->ncols));
    }
    if (ix)
        return arena_printf(a, "CREATE %sINDEX %s ON %s.%s USING %s (%s)", ix->unique ? "UNIQUE " : "", ix->name, s->name,
                            ix->table->name, ix->method ? ix->method : "btree", key_list(a, ix->keys, ix->nkeys));
    return NULL;
}

/* pg_get_constraintdef of a constraint OID; NULL when there is none. */
char *sys_constraint_def(Catalog *cat, Arena *a, i64 oid)
{
    for (size_t i = 0; i < cat->schemas.n; i++) {
        Schema *s = cat->schemas.items[i];
        for (size_t j = 0; j < s->tables.n; j++) {
            TableDef *t = s->tables.items[j];
            for (int k = 0; k < t->nuniques; k++)
                if (unique_con_oid(t, k) == oid) {
                    const UniqueDef *ud = &t->uniques[k];
                    char **keys = arena_alloc(a, sizeof(char *) * (size_t)(ud->ncols + 1));
                    for (int c = 0; c < ud->ncols; c++) keys[c] = t->cols[ud->cols[c]].name;
                    return arena_printf(a, "%s (%s)", ud->primary ? "PRIMARY KEY" : "UNIQUE", key_list(a, keys, ud->ncols));
                }
            for (int k = 0; k < t->nchecks; k++)
                if (check_con_oid(t, k) == oid) return arena_printf(a, "CHECK (%s)", t->checks[k].sql);
        }
    }
    return NULL;
}

/* ---- the operator ----------------------------------------------------------------------- */

typedef struct SysInfo {
    int rel;
    const SysViewCols *views;
    int nviews;
} SysInfo;

typedef struct SysState {
    Rows rows;
    size_t next;   /* next row to emit */
    size_t nrows;
} SysState;

static void *sys_init(Exec *ex, PhysOp *op)
{
    SysInfo *si = op->info;
    SysState *st = arena_zalloc(ex->arena, sizeof(SysState));
    st->rows.a = ex->arena;
    st->rows.ncols = RELS[si->rel].ncols;
    Gen g = {ex->cat, ex->settings, si->views, si->nviews, &st->rows, ex->arena};
    switch (si->rel) {
    case SR_TABLES: gen_tables(&g); break;
    case SR_COLUMNS: gen_columns(&g); break;
    case SR_SCHEMATA: gen_schemata(&g); break;
    case SR_VIEWS: gen_views(&g, false); break;
    case SR_SEQUENCES: gen_sequences(&g, false); break;
    case SR_TABLE_CONSTRAINTS: gen_table_constraints(&g); break;
    case SR_KEY_COLUMN_USAGE: gen_key_column_usage(&g); break;
    case SR_PG_NAMESPACE: gen_pg_namespace(&g); break;
    case SR_PG_CLASS: gen_pg_class(&g); break;
    case SR_PG_ATTRIBUTE: gen_pg_attribute(&g); break;
    case SR_PG_TYPE: gen_pg_type(&g); break;
    case SR_PG_TABLES: gen_pg_tables(&g); break;
    case SR_PG_VIEWS: gen_views(&g, true); break;
    case SR_PG_INDEXES: gen_pg_indexes(&g); break;
    case SR_PG_DATABASE: gen_pg_database(&g); break;
    case SR_PG_SETTINGS: gen_pg_settings(&g); break;
    case SR_PG_SEQUENCES: gen_sequences(&g, true); break;
    case SR_PG_AM: gen_pg_am(&g); break;
    case SR_PG_INDEX: gen_pg_index(&g); break;
    case SR_PG_CONSTRAINT: gen_pg_constraint(&g); break;
    case SR_PG_ATTRDEF: gen_pg_attrdef(&g); break;
    case SR_PG_COLLATION: gen_pg_collation(&g); break;
    case SR_PG_ROLES: gen_pg_roles(&g); break;
    default: break; /* pg_proc, pg_inherits, pg_policy, pg_statistic_ext, pg_publication*, pg_description (no COMMENT ON): no such objects */
    }
    st->nrows = st->rows.ncols ? st->rows.n / (size_t)st->rows.ncols : 0;
    return st;
}

static int sys_next(Exec *ex, PhysOp *op, void *g, void *l, DataChunk *out)
{
    SysState *st = g;
    (void)ex;
    (void)l;
    while (st->next < st->nrows && out->count < VECTOR_SIZE) {
        const Value *row = st->rows.vals + st->next * (size_t)st->rows.ncols;
        for (int c = 0; c < op->ncols && c < st->rows.ncols; c++) vector_set(&out->cols[c], out->count, &row[c]);
        st->next++;
        out->count++;
    }
    return MDB_OK_;
}

static const OpVT SYSTEM_VT = {.name = "System Scan", .src_init = sys_init, .src_next = sys_next};

PhysOp *phys_system(Arena *a, int rel, SysViewCols *views, int nviews, const LType *types, int ncols)
{
    PhysOp *op = physop_new(a, &SYSTEM_VT, 0, types, ncols);
    SysInfo *si = arena_zalloc(a, sizeof(SysInfo));
    si->rel = rel >= 0 && rel < SR__COUNT ? rel : SR_PG_DATABASE;
    si->views = views;
    si->nviews = nviews;
    op->info = si;
    op->explain = arena_printf(a, "on %s.%s", RELS[si->rel].schema, RELS[si->rel].name);
    return op;
}
