/*
 * src/main/tpchgen.h — the TPC-H data generator: the eight tables of the
 * benchmark at any scale factor, following /work/shared/tpch/GENERATION.md
 * (row counts, key formulas, value domains, dates, pseudo-English comments).
 *
 * The generator is written for this project; it is not dbgen.  Every row is a
 * pure function of (table, row number): a per-row random stream is seeded from
 * a hash of the two, so the output does not depend on the number of threads or
 * on how the rows are split into jobs.  An order and its line items count as
 * one row, and so do a part and its four partsupp rows.
 *
 * Two consumers share it: `CALL tpch_generate(sf)` (src/main/call.c), which
 * takes the rows as DataChunks and appends them to MEMORY tables, and
 * `megadb tpch-gen` (tools/megadb), which takes them as dbgen-style .tbl text.
 * Rows reach the consumer on the calling thread, in primary-key order.
 */
#ifndef MDB_TPCHGEN_H
#define MDB_TPCHGEN_H

#include "types/types.h"

typedef enum TpchTable {
    TPCH_REGION,
    TPCH_NATION,
    TPCH_SUPPLIER,
    TPCH_CUSTOMER,
    TPCH_PART,
    TPCH_PARTSUPP,
    TPCH_ORDERS,
    TPCH_LINEITEM,
    TPCH_NTABLES
} TpchTable;

/* Largest scale factor accepted: o_orderkey (4 × 1,500,000 × SF) must fit the
 * INTEGER column the standard schema gives it. */
#define TPCH_MAX_SF 300

typedef struct TpchScale {
    double sf;               /* as requested */
    i64 rows[TPCH_NTABLES];  /* exact counts; lineitem: -1 (random, about 4 × orders) */
    i64 clerks;              /* distinct o_clerk values */
} TpchScale;

/* Computes the row counts of a scale factor as dbgen does: below 1, the base
 * counts times floor(round(1000 × SF)) / 1000 (at least one row); from 1 up,
 * times the integer part of SF.  22023 when sf is not in (0, TPCH_MAX_SF]. */
int tpchgen_scale(double sf, TpchScale *out, Err *err);

const char *tpchgen_table_name(TpchTable t);
/* `CREATE TABLE name (...)` with the column types of the standard schema
 * (/work/shared/tpch/schema.sql); the text is static. */
const char *tpchgen_table_ddl(TpchTable t);
int tpchgen_column_count(TpchTable t);
/* The type of each column as the generator fills it. */
LType tpchgen_column_type(TpchTable t, int col);

/* Receives the generated rows, in key order per table, on the thread that
 * called tpchgen_run: either `rows` (chunks asked for; at most VECTOR_SIZE
 * rows of tpchgen_column_type columns, valid until the call returns) or
 * `text` (text asked for: whole .tbl lines, NULL rows).
 * A non-zero return stops the run (the error is in `err`). */
typedef int (*TpchSink)(void *ctx, TpchTable t, DataChunk *rows, const char *text, size_t text_len, Err *err);

typedef struct TpchRunOpts {
    int threads;       /* generator threads (< 1: one) */
    bool chunks;       /* hand out DataChunks (the text, if also made, is not handed out) */
    bool text;         /* hand out .tbl text (one call per job and table) */
    bool only[TPCH_NTABLES]; /* all false: every table; else only those marked */
} TpchRunOpts;

/* Generates every table at scale `sc`, calling `sink` with the rows.
 * counts_out (may be NULL) receives the number of rows of each table. */
int tpchgen_run(const TpchScale *sc, const TpchRunOpts *opts, TpchSink sink, void *ctx, i64 counts_out[TPCH_NTABLES],
                Err *err);

/* Writes DIR/<table>.tbl for the eight tables (DIR is created when missing). */
int tpchgen_write_tbl(const TpchScale *sc, const char *dir, int threads, i64 counts_out[TPCH_NTABLES], Err *err);

#endif
