/*
 * test/unit/test_oltp_default.c — OLTP as the default tier of an in-memory
 * database (mdb_open without a directory).
 *
 * Checks that a CREATE TABLE without USING makes an OLTP table (and that
 * default_table_access_method = memory and USING memory still make MEMORY
 * ones), that such a table runs through the in-memory store's buffer pool and
 * WAL — the same code as a database directory — and that commits keep that
 * WAL bounded by taking checkpoints (oltp_store_maybe_checkpoint), where it
 * used to grow until the database closed.
 */
#include <stdlib.h>

#include "main/engine.h"
#include "megadb.h"
#include "storage/oltp/store.h"
#include "unit.h"

static int run(MdbConn *c, const char *sql)
{
    MdbResult *r = NULL;
    int rc = mdb_query(c, sql, &r);
    if (rc != MDB_OK) fprintf(stderr, "query failed: %s: %s\n", sql, mdb_conn_error(c)->message);
    if (r) mdb_result_free(r);
    return rc;
}

static i64 scalar(MdbConn *c, const char *sql)
{
    MdbResult *r = NULL;
    i64 v = -1;
    if (mdb_query(c, sql, &r) == MDB_OK) {
        MdbChunk *ch;
        if (mdb_result_fetch(r, &ch) == MDB_OK && ch && mdb_chunk_row_count(ch) == 1) {
            size_t l;
            const char *t = mdb_chunk_get_text(ch, 0, 0, &l);
            if (t) v = strtoll(t, NULL, 10);
        }
    }
    if (r) mdb_result_free(r);
    return v;
}

static Tier tier_of(MdbDatabase *db, const char *name)
{
    TableDef *t = schema_find_table(catalog_find_schema(&db->cat, "public"), name);
    return t ? t->tier : (Tier)-1;
}

void suite_oltp_default(void)
{
    MdbDatabase *db;
    char *e = NULL;
    CHECK(mdb_open(NULL, &db, &e) == MDB_OK);
    MdbConn *c;
    CHECK(mdb_connect(db, &c) == MDB_OK);
    CHECK(bufpool_in_memory(db->oltp->bp));
    CHECK_INT(run(c, "CREATE TABLE d(id int PRIMARY KEY, pad text)"), MDB_OK);
    CHECK_INT(tier_of(db, "d"), TIER_OLTP);
    CHECK_INT(run(c, "CREATE TABLE m(x int) USING memory"), MDB_OK);
    CHECK_INT(tier_of(db, "m"), TIER_MEMORY);
    CHECK_INT(run(c, "SET default_table_access_method = memory"), MDB_OK);
    CHECK_INT(run(c, "CREATE TABLE m2(x int)"), MDB_OK);
    CHECK_INT(tier_of(db, "m2"), TIER_MEMORY);
    CHECK_INT(run(c, "RESET default_table_access_method"), MDB_OK);
    CHECK_INT(run(c, "CREATE TABLE d2(x int)"), MDB_OK);
    CHECK_INT(tier_of(db, "d2"), TIER_OLTP);

    /* about 190 MB of WAL in 30 commits (each row is logged about once: 150000 rows of ~1.2 KB):
     * checkpoints keep what is kept in memory near 64 MiB */
    Wal *w = db->oltp->wal;
    Lsn start = wal_insert_lsn(w);
    PageNo np0 = bufpool_npages(db->oltp->bp);
    u64 kept_max = 0;
    for (int i = 0; i < 30; i++) {
        char sql[256];
        snprintf(sql, sizeof sql,
                 "INSERT INTO d SELECT g, repeat('x', 1200) || g FROM generate_series(%d, %d) g", i * 5000 + 1,
                 (i + 1) * 5000);
        if (run(c, sql) != MDB_OK) {
            CHECK(0);
            break;
        }
        u64 kept = wal_insert_lsn(w) - wal_oldest_lsn(w);
        if (kept > kept_max) kept_max = kept;
    }
    u64 written = wal_insert_lsn(w) - start;
    CHECK(written > (u64)150 << 20);
    CHECK(kept_max < (u64)90 << 20);
    CHECK(bufpool_npages(db->oltp->bp) > np0 + 5000); /* the rows are in B+tree pages */
    CHECK_INT(scalar(c, "SELECT count(*) FROM d"), 150000);
    /* ids 1000..150000 step 1000: 9 of 4 digits, 90 of 5, 51 of 6 */
    CHECK_INT(scalar(c, "SELECT sum(length(pad)) FROM d WHERE id % 1000 = 0"), 150 * 1200 + 9 * 4 + 90 * 5 + 51 * 6);
    /* a rollback still undoes through what the checkpoints left of the WAL */
    CHECK_INT(run(c, "BEGIN"), MDB_OK);
    CHECK_INT(run(c, "DELETE FROM d WHERE id <= 1000"), MDB_OK);
    CHECK_INT(run(c, "INSERT INTO d VALUES (-1, 'gone')"), MDB_OK);
    CHECK_INT(run(c, "ROLLBACK"), MDB_OK);
    CHECK_INT(scalar(c, "SELECT count(*) FROM d"), 150000);
    mdb_disconnect(c);
    mdb_close(db);
}
