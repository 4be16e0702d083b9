/*
 * test/unit/test_vacuum.c — reclamation of dead row versions and free-page reuse in
 * the OLTP tier (src/storage/oltp/vacuum.c, the free list of btree.c), through SQL.
 *
 * suite_vacuum: one row updated 100,000 times keeps the table's tree (and its indexes)
 * at a bounded size once no old snapshot is open; with one open, the versions it needs
 * stay readable and are removed after it ends; deleted rows' leaves go to the free list
 * and the next inserts take them; repeated TRUNCATE / DROP INDEX / ALTER TABLE keep the
 * page file's size bounded; indexes agree with their tables throughout.
 * A table of 1 MiB rows and its indexes dropped gives every page back (trees and
 * overflow chains) and the re-created table takes them; a rolled-back DROP frees nothing;
 * overflow updates and TRUNCATE free the old chains; the page ownership census (every
 * page the store page, in exactly one tree or chain, or on the free list) holds throughout.
 * suite_vacuum_crash: (1) a child process creates, fills, updates (values of 80-200 KiB,
 * in overflow chains), truncates and drops tables, with rolled-back DROPs and updates,
 * VACUUM and checkpoints, and is killed at a random moment, 14 times; after each recovery
 * the sweep left every page with exactly one owner, the table updated alongside is
 * consistent, and dropping what the child left keeps the page file from growing.  (2) a
 * child runs transfers between accounts while VACUUM and the background worker reclaim,
 * and is killed at a random moment; after recovery the balances add up, the indexes agree
 * with the tables, every tree passes the structural check and every page has one owner.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "main/engine.h"
#include "megadb.h"
#include "storage/memory/memtable.h"
#include "storage/oltp/oltp_table.h"
#include "storage/oltp/vacuum.h"
#include "unit.h"

char *storage_test_tmpdir(void);
void storage_test_rmrf(const char *dir);
double storage_test_now(void);

static int vq(MdbConn *c, const char *sql)
{
    MdbResult *r = NULL;
    int rc = mdb_query(c, sql, &r);
    if (r) mdb_result_free(r);
    if (rc != MDB_OK) fprintf(stderr, "query failed: %s: %s\n", sql, mdb_conn_error(c)->message);
    return rc;
}

static i64 vq_int(MdbConn *c, const char *sql)
{
    MdbResult *r = NULL;
    i64 v = -999999;
    if (mdb_query(c, sql, &r) == MDB_OK) {
        MdbChunk *ch;
        if (mdb_result_fetch(r, &ch) == MDB_OK && ch && mdb_chunk_row_count(ch) > 0) {
            size_t l = 0;
            const char *s = mdb_chunk_get_text(ch, 0, 0, &l);
            if (s) v = strtoll(s, NULL, 10);
        }
    } else {
        fprintf(stderr, "query failed: %s: %s\n", sql, mdb_conn_error(c)->message);
    }
    if (r) mdb_result_free(r);
    return v;
}

static TableDef *table_named(MdbDatabase *db, const char *name)
{
    Schema *s = catalog_find_schema(&db->cat, "public");
    return s ? schema_find_table(s, name) : NULL;
}

typedef struct TreeSize {
    u64 table_pages, table_entries, index_pages, index_entries;
} TreeSize;

static TreeSize tree_size(MdbDatabase *db, const char *table)
{
    TreeSize z = {0};
    TableDef *t = table_named(db, table);
    CHECK(t != NULL);
    if (!t) return z;
    Err er = {0};
    CHECK_OK(oltp_table_pages(t->store, &z.table_pages, &z.table_entries, &z.index_pages, &z.index_entries, &er), &er);
    return z;
}

/* Structure of the table's tree, and every index of it agrees with the rows a new
 * transaction sees (oltp_index_check), each with want_rows rows. */
static void check_table(MdbDatabase *db, const char *table, const char *const *indexes, i64 want_rows)
{
    TableDef *t = table_named(db, table);
    CHECK(t != NULL);
    if (!t) return;
    Err er = {0};
    u64 n;
    CHECK_OK(btree_check(btree_open(&db->oltp->env, oltp_table_tree(t->store)), &n, &er), &er);
    for (int i = 0; indexes && indexes[i]; i++) {
        Txn *txn = txn_begin(&db->tm);
        u64 entries = 0, visible = 0;
        CHECK_OK(oltp_index_check(t->store, indexes[i], txn, &entries, &visible, &er), &er);
        txn_rollback(txn);
        txn_free(txn);
        CHECK_INT(visible, want_rows);
    }
}

/* Runs `UPDATE u SET v = v + 1, s = …  WHERE id = 1` n times through a prepared statement. */
static void update_row(MdbConn *c, int n)
{
    MdbStmt *st = NULL;
    CHECK_INT(mdb_prepare(c, "UPDATE u SET v = v + 1, s = repeat('x', (40 + v % 7)::int) WHERE id = $1", &st, NULL), MDB_OK);
    if (!st) return;
    int fails = 0;
    for (int i = 0; i < n; i++) {
        mdb_bind_int64(st, 1, 1);
        MdbResult *r = NULL;
        if (mdb_stmt_execute(st, &r) != MDB_OK && fails++ == 0) fprintf(stderr, "update failed: %s\n", mdb_conn_error(c)->message);
        if (r) mdb_result_free(r);
    }
    mdb_stmt_free(st);
    CHECK_INT(fails, 0);
}

static const char *const U_INDEXES[] = {"u_pkey", "u_v", NULL};

/* Sanitizer builds (make asan) run the update loops a fifth as long: the bounds checked
 * are the same, the time is not (about 200 s for 100,000 updates there). */
#if defined(__SANITIZE_ADDRESS__)
#define VAC_N(n) ((n) / 5)
#else
#define VAC_N(n) (n)
#endif

/* One row updated 100k times: bounded versions and pages, with and without an old snapshot. */
static void vacuum_updates(void)
{
    MdbDatabase *db;
    MdbConn *c, *old;
    CHECK_INT(mdb_open(NULL, &db, NULL), MDB_OK);
    CHECK_INT(mdb_connect(db, &c), MDB_OK);
    CHECK_INT(mdb_connect(db, &old), MDB_OK);
    CHECK_INT(vq(c, "CREATE TABLE u(id int PRIMARY KEY, v bigint, s text) USING oltp;"
                    "CREATE INDEX u_v ON u(v);"
                    "INSERT INTO u SELECT i, 0, 'row' || i FROM generate_series(1, 200) i"),
              MDB_OK);
    double t0 = storage_test_now();
    TreeSize at[4];
    int steps[4] = {VAC_N(10000), VAC_N(40000), VAC_N(70000), VAC_N(100000)}, done = 0;
    for (int k = 0; k < 4; k++) {
        update_row(c, steps[k] - done);
        done = steps[k];
        CHECK_INT(vq(c, "VACUUM u"), MDB_OK);
        at[k] = tree_size(db, "u");
    }
    double secs = storage_test_now() - t0;
    CHECK_INT(vq_int(c, "SELECT v FROM u WHERE id = 1"), VAC_N(100000));
    CHECK_INT(vq_int(c, "SELECT count(*) FROM u"), 200);
    /* no old snapshot: right after VACUUM only the live versions are left, in every tree */
    CHECK_INT(at[3].table_entries, 200);
    CHECK_INT(at[3].index_entries, 400);
    /* the page counts stop growing: 90k more updates after the first 10k add nothing */
    CHECK(at[3].table_pages <= at[0].table_pages + 1);
    CHECK(at[3].index_pages <= at[0].index_pages + 2);
    CHECK(at[3].table_pages <= 12); /* 200 rows: a few leaves */
    printf("  vacuum: %d updates of one row in %.2f s (VACUUM after %d, %d, %d, %d); table tree %llu -> %llu pages, "
           "index trees %llu -> %llu pages, %llu free pages\n",
           steps[3], secs, steps[0], steps[1], steps[2], steps[3], (unsigned long long)at[0].table_pages, (unsigned long long)at[3].table_pages,
           (unsigned long long)at[0].index_pages, (unsigned long long)at[3].index_pages,
           (unsigned long long)btenv_free_count(&db->oltp->env));
    check_table(db, "u", U_INDEXES, 200);

    /* the background worker alone: no VACUUM statements */
    t0 = storage_test_now();
    u64 peak = 0;
    for (int k = 0; k < 20; k++) {
        update_row(c, VAC_N(2500));
        TreeSize z = tree_size(db, "u");
        if (z.table_entries > peak) peak = z.table_entries;
    }
    for (int w = 0; w < 100 && tree_size(db, "u").table_entries > 200 + 64 + 200 / 16; w++) usleep(20000);
    TreeSize bg = tree_size(db, "u");
    CHECK(bg.table_entries <= 200 + 64 + 200 / 16); /* at most the worker's threshold left */
    CHECK(peak < 30000);                             /* it kept up while the updates ran */
    CHECK(bg.table_pages <= at[0].table_pages + 2);
    printf("  vacuum: %d more updates in %.2f s with the background worker only: at most %llu versions at a "
           "time, %llu table pages after\n",
           VAC_N(50000), storage_test_now() - t0, (unsigned long long)peak, (unsigned long long)bg.table_pages);

    /* an old snapshot keeps what it sees */
    CHECK_INT(vq(old, "BEGIN ISOLATION LEVEL REPEATABLE READ"), MDB_OK);
    i64 seen = vq_int(old, "SELECT v FROM u WHERE id = 1");
    CHECK_INT(seen, VAC_N(150000));
    update_row(c, 5000);
    CHECK_INT(vq(c, "VACUUM u"), MDB_OK);
    TreeSize held = tree_size(db, "u");
    CHECK(held.table_entries >= 200 + 5000); /* every version since the snapshot stays */
    CHECK_INT(vq_int(old, "SELECT v FROM u WHERE id = 1"), seen);
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT v FROM u WHERE v = %d", VAC_N(150000));
    CHECK_INT(vq_int(old, sql), VAC_N(150000)); /* through the index too */
    CHECK_INT(vq_int(old, "SELECT count(*) FROM u"), 200);
    CHECK_INT(vq_int(c, "SELECT v FROM u WHERE id = 1"), VAC_N(150000) + 5000);
    check_table(db, "u", U_INDEXES, 200);
    CHECK_INT(vq(old, "COMMIT"), MDB_OK);
    CHECK_INT(vq(c, "VACUUM u"), MDB_OK);
    TreeSize after = tree_size(db, "u");
    CHECK_INT(after.table_entries, 200);
    CHECK_INT(after.index_entries, 400);
    CHECK(after.table_pages <= at[0].table_pages + 2);
    printf("  vacuum: an open snapshot kept %llu versions (%llu pages); after it ended VACUUM left %llu (%llu pages)\n",
           (unsigned long long)held.table_entries, (unsigned long long)held.table_pages,
           (unsigned long long)after.table_entries, (unsigned long long)after.table_pages);
    check_table(db, "u", U_INDEXES, 200);

    /* DELETE everything: the leaves go to the free list; the next inserts take them */
    CHECK_INT(vq(c, "INSERT INTO u SELECT i, i, repeat('y', 100) FROM generate_series(1000, 20999) i"), MDB_OK);
    TreeSize full = tree_size(db, "u");
    CHECK_INT(vq(c, "DELETE FROM u; VACUUM u"), MDB_OK);
    TreeSize empty = tree_size(db, "u");
    u64 nfree = btenv_free_count(&db->oltp->env);
    CHECK_INT(empty.table_entries, 0);
    CHECK(empty.table_pages <= 4);
    CHECK(nfree + 8 >= full.table_pages + full.index_pages - empty.table_pages - empty.index_pages);
    PageNo np = bufpool_npages(db->oltp->bp);
    CHECK_INT(vq(c, "INSERT INTO u SELECT i, i, repeat('y', 100) FROM generate_series(1000, 20999) i"), MDB_OK);
    CHECK_INT(bufpool_npages(db->oltp->bp), np); /* all from the free list */
    CHECK(btenv_free_count(&db->oltp->env) < nfree);
    check_table(db, "u", U_INDEXES, 20000);
    Err er = {0};
    u64 nf;
    CHECK_OK(btenv_check_free(&db->oltp->env, &nf, &er), &er);
    printf("  vacuum: DELETE of 20000 rows + VACUUM: %llu of %llu pages to the free list; reinserting took them "
           "(page file stayed at %u pages)\n",
           (unsigned long long)nfree, (unsigned long long)(full.table_pages + full.index_pages), np);

    /* VACUUM's and ANALYZE's statistics: exact live count */
    CHECK_INT(vq(c, "DELETE FROM u WHERE id % 2 = 0; ANALYZE u"), MDB_OK);
    CHECK_INT(tableam_live_rows(table_named(db, "u")->store), 10000);
    mdb_disconnect(old);
    mdb_disconnect(c);
    mdb_close(db);
}

static off_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_size : -1;
}

/* TRUNCATE, DROP INDEX and ALTER TABLE over and over: the page file stays bounded. */
static void vacuum_rewrites(void)
{
    char *dir = storage_test_tmpdir();
    char pages[600];
    snprintf(pages, sizeof pages, "%s/data.pages", dir);
    MdbDatabase *db;
    MdbConn *c;
    CHECK_INT(mdb_open(dir, &db, NULL), MDB_OK);
    CHECK_INT(mdb_connect(db, &c), MDB_OK);
    CHECK_INT(vq(c, "CREATE TABLE r(id int PRIMARY KEY, v int, s text) USING oltp"), MDB_OK);
    off_t sz[12];
    PageNo np[12];
    for (int k = 0; k < 12; k++) {
        CHECK_INT(vq(c, "INSERT INTO r SELECT i, i % 100, repeat('z', 50) FROM generate_series(1, 5000) i;"
                        "CREATE INDEX r_v ON r(v)"),
                  MDB_OK);
        /* VACUUM frees the trees the first rewrite retired before the second one: otherwise the
         * round's peak depends on whether the background worker came first */
        if (k % 3 == 1) CHECK_INT(vq(c, "ALTER TABLE r ADD COLUMN w int DEFAULT 7; VACUUM; ALTER TABLE r DROP COLUMN w"), MDB_OK);
        CHECK_INT(vq(c, "DROP INDEX r_v; TRUNCATE r; VACUUM"), MDB_OK);
        Err ce = {0};
        CHECK_OK(oltp_store_checkpoint(db->oltp, &ce), &ce);
        sz[k] = file_size(pages);
        np[k] = bufpool_npages(db->oltp->bp);
    }
    OltpVacuumTotals vt;
    oltp_vacuum_totals(db->oltp, &vt);
    CHECK(vt.trees_freed >= 12 * 3);
    CHECK_INT(vt.trees_waiting, 0);
    /* every round reuses the pages the rounds before freed: the second half of the rounds
     * never needs a bigger file than the first half did */
    PageNo np_first = 0, np_second = 0;
    off_t sz_first = 0, sz_second = 0;
    for (int k = 0; k < 12; k++) {
        if (k < 6) np_first = MDB_MAX(np_first, np[k]), sz_first = MDB_MAX(sz_first, sz[k]);
        else np_second = MDB_MAX(np_second, np[k]), sz_second = MDB_MAX(sz_second, sz[k]);
    }
    CHECK(np_second <= np_first + 4);
    CHECK(sz_second <= sz_first + 4 * 8192);
    printf("  vacuum: 12 rounds of 5000 inserts + CREATE/DROP INDEX + TRUNCATE (+ ALTER TABLE): page file at most "
           "%lld KiB in rounds 1-6, %lld KiB in rounds 7-12 (without reuse: ~%lld KiB); %llu trees freed\n",
           (long long)sz_first / 1024, (long long)sz_second / 1024, (long long)sz[0] / 1024 * 12,
           (unsigned long long)vt.trees_freed);
    CHECK_INT(vq(c, "INSERT INTO r SELECT i, i, 'after' FROM generate_series(1, 300) i"), MDB_OK);
    mdb_disconnect(c);
    mdb_close(db);
    /* and it all survives a restart */
    CHECK_INT(mdb_open(dir, &db, NULL), MDB_OK);
    CHECK_INT(mdb_connect(db, &c), MDB_OK);
    CHECK_INT(vq_int(c, "SELECT count(*) FROM r WHERE s = 'after'"), 300);
    static const char *const R_INDEXES[] = {"r_pkey", NULL};
    check_table(db, "r", R_INDEXES, 300);
    Err er = {0};
    u64 nf;
    CHECK_OK(btenv_check_free(&db->oltp->env, &nf, &er), &er);
    mdb_disconnect(c);
    mdb_close(db);
    storage_test_rmrf(dir);
    free(dir);
}

/* MEMORY: segments whose every version is dead go away (ring buffer, updates). */
static void vacuum_memory(void)
{
    MdbDatabase *db;
    MdbConn *c, *old;
    CHECK_INT(mdb_open(NULL, &db, NULL), MDB_OK);
    CHECK_INT(mdb_connect(db, &c), MDB_OK);
    CHECK_INT(mdb_connect(db, &old), MDB_OK);
    CHECK_INT(vq(c, "CREATE TABLE ring(ts bigint, tag text, v double precision) USING memory WITH (max_rows = 50000)"), MDB_OK);
    for (int k = 0; k < 40; k++) {
        char sql[256];
        snprintf(sql, sizeof sql, "INSERT INTO ring SELECT %d * 50000 + g, 'tag-' || (g %% 10), g FROM generate_series(0, 49999) g", k);
        CHECK_INT(vq(c, sql), MDB_OK);
    }
    CHECK_INT(vq(c, "VACUUM ring"), MDB_OK);
    MemTable *m = (MemTable *)table_named(db, "ring")->store;
    CHECK_INT(vq_int(c, "SELECT count(*) FROM ring"), 50000);
    CHECK_INT(vq_int(c, "SELECT min(ts) FROM ring"), 39 * 50000);
    size_t live_segs = m->nsegs - m->segs_freed;
    CHECK(m->nsegs >= 16);
    CHECK(live_segs <= 3); /* 50,000 rows span at most two segments, plus the one being filled */
    printf("  vacuum memory: ring of 50000 rows after 2,000,000 inserts: %zu segments appended, %llu freed\n", m->nsegs,
           (unsigned long long)m->segs_freed);

    /* an open snapshot holds the segments it can see */
    CHECK_INT(vq(c, "CREATE TABLE upd(id int, v int) USING memory; INSERT INTO upd SELECT g, 0 FROM generate_series(1, 150000) g"), MDB_OK);
    CHECK_INT(vq(old, "BEGIN ISOLATION LEVEL REPEATABLE READ"), MDB_OK);
    CHECK_INT(vq_int(old, "SELECT sum(v) FROM upd"), 0);
    for (int k = 0; k < 4; k++) CHECK_INT(vq(c, "UPDATE upd SET v = v + 1"), MDB_OK);
    CHECK_INT(vq(c, "VACUUM upd"), MDB_OK);
    MemTable *u = (MemTable *)table_named(db, "upd")->store;
    CHECK_INT(u->segs_freed, 0);
    CHECK_INT(vq_int(old, "SELECT sum(v) FROM upd"), 0);
    CHECK_INT(vq(old, "COMMIT"), MDB_OK);
    CHECK_INT(vq(c, "VACUUM upd"), MDB_OK); /* marks the dead segments */
    CHECK_INT(vq(c, "VACUUM upd"), MDB_OK); /* frees them: the first VACUUM's transaction has ended */
    CHECK(u->segs_freed >= 3);
    CHECK_INT(vq_int(c, "SELECT sum(v) FROM upd"), 4 * 150000);
    CHECK_INT(vq_int(c, "SELECT count(*) FROM upd WHERE v = 4"), 150000);
    CHECK_INT(vq(c, "ALTER TABLE upd ADD COLUMN w text DEFAULT 'w'; ALTER TABLE upd ALTER COLUMN v TYPE bigint"), MDB_OK);
    CHECK_INT(vq_int(c, "SELECT count(*) FROM upd WHERE w = 'w' AND v = 4"), 150000);
    printf("  vacuum memory: 4 UPDATEs of 150000 rows: %zu segments, %llu freed once the old snapshot ended\n", u->nsegs,
           (unsigned long long)u->segs_freed);
    mdb_disconnect(old);
    mdb_disconnect(c);
    mdb_close(db);
}

/* Structure changes that fail half-way (the pool has no frame left for a page they need)
 * leave the tree as it was: splits, merges and unlinks under pin pressure, then the tree
 * holds exactly the keys of the operations that succeeded. */
static void smo_failures(void)
{
    char *dir = storage_test_tmpdir();
    OltpOptions o;
    oltp_options_default(&o);
    o.pool_pages = 16;
    OltpStore *s;
    Err er = {0};
    CHECK_OK(oltp_store_open(dir, &o, &s, &er), &er);
    BTree *t;
    CHECK_OK(btree_create(&s->env, &t, &er), &er);
    enum { NK = 6000 };
    bool *in = calloc(NK, 1);
    u8 k[8], v[180];
    memset(v, 3, sizeof v);
    for (u32 i = 0; i < NK; i += 3) {
        for (int b = 0; b < 8; b++) k[b] = (u8)((u64)i >> (56 - 8 * b));
        CHECK_OK(btree_insert(t, NULL, k, 8, v, sizeof v, &er), &er);
        in[i] = true;
    }
    int fails = 0, oks = 0;
    for (u32 round = 0; round < 20000; round++) {
        PageNo np = bufpool_npages(s->bp);
        int hold = 11 + (int)(round % 5), nh = 0;
        BufFrame *held[16];
        for (int h = 0; h < hold; h++) {
            if (bufpool_pin(s->bp, (PageNo)((round * 7u + (u32)h * 13u) % np), &held[nh], &er)) {
                err_clear(&er);
                break;
            }
            nh++;
        }
        u32 key = (u32)((round * 2654435761u) % NK);
        for (int b = 0; b < 8; b++) k[b] = (u8)((u64)key >> (56 - 8 * b));
        bool found = false;
        int rc = in[key] && round % 3 ? btree_delete(t, NULL, k, 8, &found, &er) : btree_insert(t, NULL, k, 8, v, sizeof v, &er);
        if (rc) {
            fails++;
            err_clear(&er);
        } else {
            oks++;
            if (in[key] && round % 3) in[key] = !found;
            else in[key] = true;
        }
        for (int h = 0; h < nh; h++) bufpool_unpin(s->bp, held[h]);
    }
    u64 n = 0, want = 0, pages, leaves, entries;
    for (u32 i = 0; i < NK; i++) want += in[i];
    CHECK_OK(btree_check(t, &n, &er), &er);
    CHECK_INT(n, want);
    BtCursor c;
    btree_cursor_open(&c, t, NULL, 0, true, NULL, 0, true);
    const u8 *ck, *cv;
    size_t ckl, cvl;
    int r, bad = 0;
    u64 seen = 0;
    while ((r = btree_cursor_next(&c, &ck, &ckl, &cv, &cvl, &er)) > 0) {
        u64 key = 0;
        for (int b = 0; b < 8; b++) key = key << 8 | ck[b];
        bad += key >= NK || !in[key] || cvl != sizeof v;
        seen++;
    }
    btree_cursor_close(&c);
    CHECK_INT(bad, 0);
    CHECK_INT(seen, want);
    u64 nfree;
    CHECK_OK(btenv_check_free(&s->env, &nfree, &er), &er);
    CHECK_OK(btree_stats(t, &pages, &leaves, &entries, &er), &er);
    CHECK(1 + pages + nfree <= bufpool_npages(s->bp));
    CHECK(fails > 100 && oks > 1000);
    printf("  vacuum: 20000 inserts/deletes with all but 1-5 pool frames pinned: %d failed (pool exhausted) and left the "
           "tree as it was, %d succeeded; %llu keys, %llu pages, %llu free\n",
           fails, oks, (unsigned long long)n, (unsigned long long)pages, (unsigned long long)nfree);
    CHECK_OK(oltp_store_close(s, true, &er), &er);
    free(in);
    storage_test_rmrf(dir);
    free(dir);
}

/* Waits (up to 10 s) until the background worker freed every retired tree. */
static void wait_retired(MdbDatabase *db)
{
    OltpVacuumTotals vt;
    for (int w = 0; w < 500; w++) {
        oltp_vacuum_totals(db->oltp, &vt);
        if (vt.trees_waiting == 0) break;
        usleep(20000);
    }
    oltp_vacuum_totals(db->oltp, &vt);
    CHECK_INT(vt.trees_waiting, 0);
}

/* The ownership census: no page has two owners, none has none, and the counts add up to
 * the page file. */
static BtCensus census_ok(MdbDatabase *db)
{
    BtCensus cs;
    Err er = {0};
    CHECK_OK(oltp_vacuum_census(db->oltp, &cs, &er), &er);
    CHECK_INT(cs.orphans, 0);
    CHECK_INT(1 + cs.tree_pages + cs.ovf_pages + cs.free_pages, cs.pages);
    return cs;
}

/* A table of 1 MiB rows with two indexes: DROP TABLE gives every page back (trees and
 * overflow chains), the re-created table takes them (the file does not grow); a rolled-back
 * DROP keeps the table, a rolled-back CREATE gives its pages back; overflow updates free
 * the old chains once no snapshot sees them; a clean restart needs no sweep. */
static void vacuum_drop(void)
{
    char *dir = storage_test_tmpdir();
    MdbDatabase *db;
    MdbConn *c, *old;
    CHECK_INT(mdb_open(dir, &db, NULL), MDB_OK);
    CHECK_INT(mdb_connect(db, &c), MDB_OK);
    CHECK_INT(mdb_connect(db, &old), MDB_OK);
    CHECK(!db->oltp->swept); /* a new store */
    static const char *const CREATE =
        "CREATE TABLE big(id int PRIMARY KEY, v int, s text) USING oltp; CREATE INDEX big_v ON big(v);"
        "CREATE INDEX big_iv ON big(id, v);"
        "INSERT INTO big SELECT i, i % 7, repeat(chr(65 + i % 26), 1048576 - i) FROM generate_series(1, 24) i";
    CHECK_INT(vq(c, CREATE), MDB_OK);
    CHECK_INT(vq_int(c, "SELECT sum(length(s)) FROM big"), 24 * 1048576 - 300);
    BtCensus c1 = census_ok(db);
    PageNo np1 = bufpool_npages(db->oltp->bp);
    CHECK(c1.ovf_pages >= 24 * 128); /* 1 MiB = 128 pages of tail each */
    u64 free1 = btenv_free_count(&db->oltp->env);
    /* a rolled-back DROP: nothing freed, everything readable */
    CHECK_INT(vq(c, "BEGIN; DROP TABLE big; ROLLBACK"), MDB_OK);
    wait_retired(db);
    CHECK_INT(btenv_free_count(&db->oltp->env), free1);
    CHECK_INT(vq_int(c, "SELECT sum(length(s)) FROM big WHERE v >= 0"), 24 * 1048576 - 300);
    census_ok(db);
    /* DROP: the pages wait for the snapshot that began before, then go to the free list */
    CHECK_INT(vq(old, "BEGIN ISOLATION LEVEL REPEATABLE READ"), MDB_OK);
    CHECK_INT(vq_int(old, "SELECT count(*) FROM big"), 24);
    CHECK_INT(vq(c, "DROP TABLE big"), MDB_OK);
    usleep(300000); /* several worker passes */
    OltpVacuumTotals vt;
    oltp_vacuum_totals(db->oltp, &vt);
    CHECK_INT(vt.trees_waiting, 4); /* table, primary key, two indexes */
    CHECK_INT(btenv_free_count(&db->oltp->env), free1);
    CHECK_INT(vq(old, "COMMIT"), MDB_OK);
    wait_retired(db);
    BtCensus c2 = census_ok(db);
    u64 free2 = btenv_free_count(&db->oltp->env);
    CHECK_INT(c2.tree_pages, 0);
    CHECK_INT(c2.ovf_pages, 0);
    CHECK_INT(free2, np1 - 1); /* every page but the store page */
    /* re-created and filled again: all from the free list */
    CHECK_INT(vq(c, CREATE), MDB_OK);
    PageNo np2 = bufpool_npages(db->oltp->bp);
    CHECK(np2 <= np1 + 2);
    census_ok(db);
    /* a rolled-back CREATE TABLE with 1 MiB rows gives its pages back */
    u64 free3 = btenv_free_count(&db->oltp->env);
    CHECK_INT(vq(c, "BEGIN; CREATE TABLE tmp(id int PRIMARY KEY, s text) USING oltp;"
                    "INSERT INTO tmp SELECT i, repeat('t', 1048576) FROM generate_series(1, 6) i; ROLLBACK"),
              MDB_OK);
    wait_retired(db);
    CHECK(btenv_free_count(&db->oltp->env) >= free3);
    CHECK(bufpool_npages(db->oltp->bp) <= np2 + 6 * 130 + 8);
    census_ok(db);
    PageNo np3 = bufpool_npages(db->oltp->bp);
    /* overflow updates: the old chains are freed once no snapshot can see them */
    for (int k = 0; k < 5; k++) {
        char sql[256];
        snprintf(sql, sizeof sql, "UPDATE big SET s = repeat(chr(97 + %d), 1048576 - id) WHERE id %% 2 = %d", k, k % 2);
        CHECK_INT(vq(c, sql), MDB_OK);
        CHECK_INT(vq(c, "VACUUM big"), MDB_OK);
        census_ok(db);
    }
    CHECK_INT(vq_int(c, "SELECT count(*) FROM big WHERE s LIKE 'e%' AND id % 2 = 0"), 12);
    /* without the reuse, 5 × 12 MiB more */
    CHECK(bufpool_npages(db->oltp->bp) <= np3 + 12 * 130 + 16);
    /* TRUNCATE frees chains with the trees too */
    CHECK_INT(vq(c, "TRUNCATE big"), MDB_OK);
    wait_retired(db);
    BtCensus c4 = census_ok(db);
    CHECK_INT(c4.ovf_pages, 0);
    CHECK_INT(vq(c, "INSERT INTO big SELECT i, i % 7, repeat('r', 1048576) FROM generate_series(1, 24) i"), MDB_OK);
    PageNo np4 = bufpool_npages(db->oltp->bp);
    CHECK(np4 <= np3 + 12 * 130 + 16);
    /* the background worker alone (no VACUUM): 6 UPDATEs of 8 of the 1 MiB rows are too few
     * versions for its count threshold, but their chains make a pass due */
    OltpVacuumTotals before;
    oltp_vacuum_totals(db->oltp, &before);
    for (int k = 0; k < 6; k++) {
        char sql[256];
        snprintf(sql, sizeof sql, "UPDATE big SET s = repeat(chr(97 + %d), 1048576) WHERE id <= 8", k);
        CHECK_INT(vq(c, sql), MDB_OK);
        usleep(300000);
    }
    OltpVacuumTotals after;
    oltp_vacuum_totals(db->oltp, &after);
    PageNo np5w = bufpool_npages(db->oltp->bp);
    CHECK(after.removed >= before.removed + 5 * 8);
    CHECK(np5w <= np4 + 3 * 8 * 130); /* without the worker: 6 × 8 × 129 pages more */
    CHECK_INT(vq_int(c, "SELECT count(*) FROM big WHERE s LIKE 'f%'"), 8);
    census_ok(db);
    printf("  vacuum drop: 24 rows of 1 MiB + 3 indexes: %u pages; after DROP %llu free; re-created in %u pages; "
           "rolled-back CREATE, 5 overflow UPDATEs, TRUNCATE + refill: %u pages; 6 more UPDATEs of 8 rows with the "
           "worker alone: %u pages (%llu dead versions removed)\n",
           np1, (unsigned long long)free2, np2, np4, np5w, (unsigned long long)(after.removed - before.removed));
    mdb_disconnect(old);
    mdb_disconnect(c);
    mdb_close(db);
    /* a clean close: the next open has nothing to sweep and every page is owned */
    char *oerr = NULL;
    CHECK_INT(mdb_open(dir, &db, &oerr), MDB_OK);
    CHECK(oerr == NULL);
    free(oerr);
    CHECK(!db->oltp->swept);
    census_ok(db);
    CHECK_INT(mdb_connect(db, &c), MDB_OK);
    CHECK_INT(vq_int(c, "SELECT sum(length(s)) FROM big"), 24 * 1048576);
    CHECK_INT(vq(c, "DROP TABLE big"), MDB_OK);
    wait_retired(db);
    CHECK_INT(census_ok(db).tree_pages, 0);
    /* a crash while the dropped table's trees wait for an old snapshot: the list of retired
     * trees is gone, the sweep at the next open frees them */
    CHECK_INT(vq(c, CREATE), MDB_OK);
    BtCensus full = census_ok(db);
    PageNo np5 = bufpool_npages(db->oltp->bp);
    mdb_disconnect(c);
    mdb_close(db);
    int pfd[2];
    CHECK(pipe(pfd) == 0);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        close(pfd[0]);
        MdbDatabase *cdb;
        MdbConn *c1, *c2;
        if (mdb_open(dir, &cdb, NULL) != MDB_OK) _exit(2);
        mdb_connect(cdb, &c1);
        mdb_connect(cdb, &c2);
        if (vq(c2, "BEGIN ISOLATION LEVEL REPEATABLE READ") || vq_int(c2, "SELECT count(*) FROM big") != 24) _exit(3);
        if (vq(c1, "DROP TABLE big")) _exit(4);
        Err er = {0};
        if (oltp_store_checkpoint(cdb->oltp, &er)) _exit(5); /* the drop's catalog and log are durable */
        char done = 1;
        if (write(pfd[1], &done, 1) != 1) _exit(6);
        for (;;) pause();
    }
    close(pfd[1]);
    char done = 0;
    CHECK(read(pfd[0], &done, 1) == 1 && done == 1);
    close(pfd[0]);
    kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status));
    CHECK_INT(mdb_open(dir, &db, NULL), MDB_OK);
    CHECK(db->oltp->swept);
    CHECK_INT(db->oltp->sweep.freed, full.tree_pages + full.ovf_pages);
    CHECK_INT(census_ok(db).free_pages, np5 - 1);
    CHECK_INT(mdb_connect(db, &c), MDB_OK);
    CHECK_INT(vq(c, CREATE), MDB_OK);
    CHECK(bufpool_npages(db->oltp->bp) <= np5 + 2);
    census_ok(db);
    printf("  vacuum drop: a crash while the dropped table waited for a snapshot: the sweep freed its %llu pages\n",
           (unsigned long long)db->oltp->sweep.freed);
    mdb_disconnect(c);
    mdb_close(db);
    storage_test_rmrf(dir);
    free(dir);
}

void suite_vacuum(void)
{
    smo_failures();
    vacuum_updates();
    vacuum_rewrites();
    vacuum_memory();
    vacuum_drop();
}

/* ---- crash during reclamation ------------------------------------------------------------- */

#define VC_ACCOUNTS 64
#define VC_INIT 1000
#define VC_ITERS 12

typedef struct VcWorker {
    MdbDatabase *db;
    int id;
} VcWorker;

static void *vc_mover(void *arg)
{
    VcWorker *w = arg;
    MdbConn *c;
    mdb_connect(w->db, &c);
    unsigned seed = (unsigned)(w->id * 7919 + getpid());
    char sql[512];
    for (;;) {
        int a = (int)(rand_r(&seed) % VC_ACCOUNTS), b = (int)(rand_r(&seed) % VC_ACCOUNTS), amt = (int)(rand_r(&seed) % 50);
        snprintf(sql, sizeof sql,
                 "BEGIN; UPDATE acc SET bal = bal - %d, note = repeat('n', %d) WHERE id = %d;"
                 "UPDATE acc SET bal = bal + %d WHERE id = %d;"
                 "DELETE FROM hist WHERE id %% 97 = %d; INSERT INTO hist SELECT i, %d FROM generate_series(%d, %d) i "
                 "WHERE i NOT IN (SELECT id FROM hist); COMMIT",
                 amt, amt % 13, a, amt, b, amt, amt, a * 100, a * 100 + amt);
        MdbResult *r = NULL;
        if (mdb_query(c, sql, &r) != MDB_OK) {
            MdbResult *r2 = NULL;
            mdb_query(c, "ROLLBACK", &r2);
            if (r2) mdb_result_free(r2);
        }
        if (r) mdb_result_free(r);
    }
    return NULL;
}

static void *vc_vacuumer(void *arg)
{
    VcWorker *w = arg;
    MdbConn *c;
    mdb_connect(w->db, &c);
    for (int k = 0;; k++) {
        MdbResult *r = NULL;
        if (k % 5 == 4) {
            Err er = {0};
            oltp_store_checkpoint(w->db->oltp, &er);
            err_clear(&er);
        } else {
            mdb_query(c, k % 2 ? "VACUUM acc" : "VACUUM", &r);
        }
        if (r) mdb_result_free(r);
        usleep(2000);
    }
    return NULL;
}

static void vacuum_crash(void);

/* ---- crash during DROP / TRUNCATE / overflow updates ---------------------------------------- */

#define DC_ITERS 14
#define DC_KEEP 12

/* keep(id, n, s): s is always repeat('k', 40000 + (n % 50) * 1000), every update changes
 * both in one statement, so a torn update would show. */
static void dc_child(MdbDatabase *db, int base)
{
    MdbConn *c;
    mdb_connect(db, &c);
    unsigned seed = (unsigned)(base * 7919 + getpid());
    char sql[1024];
    for (int r = base;; r++) {
        const char *steps[] = {
            "CREATE TABLE d%d(id int PRIMARY KEY, v int, s text) USING oltp; CREATE INDEX d%d_v ON d%d(v)",
            "INSERT INTO d%d SELECT i, i %% 5, repeat(chr(65 + i %% 26), 100000 + i * 4096) FROM generate_series(1, 6) i",
            "UPDATE d%d SET s = repeat('u', 80000 + v * 8192) WHERE id %% 2 = 0",
            "BEGIN; DROP TABLE d%d; ROLLBACK",
            "VACUUM d%d",
            "TRUNCATE d%d",
            "INSERT INTO d%d SELECT i, i, repeat('w', 90000) FROM generate_series(1, 4) i",
            "BEGIN; UPDATE d%d SET s = repeat('x', 200000); ROLLBACK",
            "DROP TABLE d%d",
        };
        for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++) {
            snprintf(sql, sizeof sql, steps[k], r, r, r);
            MdbResult *res = NULL;
            if (mdb_query(c, sql, &res) != MDB_OK) {
                if (getenv("VC_DEBUG")) fprintf(stderr, "  child: %s: %s\n", sql, mdb_conn_error(c)->message);
                MdbResult *r2 = NULL;
                mdb_query(c, "ROLLBACK", &r2);
                if (r2) mdb_result_free(r2);
            }
            if (res) mdb_result_free(res);
            int id = (int)(rand_r(&seed) % DC_KEEP);
            snprintf(sql, sizeof sql, "UPDATE keep SET n = n + 1, s = repeat('k', 40000 + ((n + 1) %% 50)::int * 1000) WHERE id = %d", id);
            res = NULL;
            mdb_query(c, sql, &res);
            if (res) mdb_result_free(res);
            if (k == 4) {
                Err er = {0};
                oltp_store_checkpoint(db->oltp, &er);
                err_clear(&er);
            }
        }
    }
}

static void drop_crash(void)
{
    char *dir = storage_test_tmpdir();
    MdbDatabase *db;
    MdbConn *c;
    CHECK_INT(mdb_open(dir, &db, NULL), MDB_OK);
    CHECK_INT(mdb_connect(db, &c), MDB_OK);
    char sql[512];
    snprintf(sql, sizeof sql,
             "CREATE TABLE keep(id int PRIMARY KEY, n bigint NOT NULL, s text) USING oltp;"
             "INSERT INTO keep SELECT i, 0, repeat('k', 40000) FROM generate_series(0, %d) i",
             DC_KEEP - 1);
    CHECK_INT(vq(c, sql), MDB_OK);
    mdb_disconnect(c);
    mdb_close(db);
    unsigned seed = (unsigned)time(NULL) ^ 0x5bd1e995u;
    double t0 = storage_test_now();
    u64 swept = 0, dropped = 0;
    PageNo np_first = 0, np_max_late = 0; /* largest page file in the first, the second half */
    int failures_before = unit_failures, kills = 0;
    for (int iter = 0; iter < DC_ITERS && unit_failures == failures_before; iter++) {
        int pfd[2];
        if (pipe(pfd) != 0) { CHECK(0); break; }
        fflush(stdout);
        fflush(stderr);
        pid_t pid = fork();
        if (pid == 0) {
            close(pfd[0]);
            MdbDatabase *cdb;
            if (mdb_open(dir, &cdb, NULL) != MDB_OK) _exit(2);
            char ready = 1;
            if (write(pfd[1], &ready, 1) != 1) _exit(5);
            dc_child(cdb, (iter + 1) * 1000);
            _exit(0);
        }
        close(pfd[1]);
        char ready = 0;
        CHECK(read(pfd[0], &ready, 1) == 1 && ready == 1);
        close(pfd[0]);
        usleep(30000 + (useconds_t)(rand_r(&seed) % 1500000));
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        kills++;
        /* recovery and the sweep, then every page has exactly one owner */
        char *oerr = NULL;
        CHECK_INT(mdb_open(dir, &db, &oerr), MDB_OK);
        if (oerr) fprintf(stderr, "open after kill %d: %s\n", iter, oerr);
        CHECK(oerr == NULL);
        free(oerr);
        CHECK(db->oltp->swept);
        swept += db->oltp->sweep.freed;
        census_ok(db);
        CHECK_INT(mdb_connect(db, &c), MDB_OK);
        CHECK_INT(vq_int(c, "SELECT count(*) FROM keep"), DC_KEEP);
        CHECK_INT(vq_int(c, "SELECT count(*) FROM keep WHERE length(s) = 40000 + (n % 50) * 1000"), DC_KEEP);
        static const char *const KEEP_INDEXES[] = {"keep_pkey", NULL};
        check_table(db, "keep", KEEP_INDEXES, DC_KEEP);
        /* the tables the child left: consistent, then dropped here */
        Schema *ps = catalog_find_schema(&db->cat, "public");
        int nd = 0;
        char names[64][32];
        for (size_t i = 0; ps && i < ps->tables.n && nd < 64; i++) {
            TableDef *t = ps->tables.items[i];
            if (t->name[0] == 'd' && strlen(t->name) < sizeof names[0]) memcpy(names[nd++], t->name, strlen(t->name) + 1);
        }
        for (int i = 0; i < nd; i++) {
            Err er = {0};
            u64 n;
            TableDef *t = table_named(db, names[i]);
            CHECK_OK(btree_check(btree_open(&db->oltp->env, oltp_table_tree(t->store)), &n, &er), &er);
            snprintf(sql, sizeof sql, "SELECT count(*) FROM %.31s WHERE length(s) > 0", names[i]);
            CHECK(vq_int(c, sql) <= 6);
            snprintf(sql, sizeof sql, "DROP TABLE %.31s", names[i]);
            CHECK_INT(vq(c, sql), MDB_OK);
            dropped++;
        }
        wait_retired(db);
        BtCensus cs = census_ok(db);
        PageNo np = bufpool_npages(db->oltp->bp);
        if (iter < DC_ITERS / 2) np_first = MDB_MAX(np_first, np);
        else np_max_late = MDB_MAX(np_max_late, np);
        if (getenv("VC_DEBUG"))
            fprintf(stderr, "drop crash %d: %u pages, %llu free, sweep freed %llu, %d tables dropped\n", iter, np,
                    (unsigned long long)cs.free_pages, (unsigned long long)db->oltp->sweep.freed, nd);
        mdb_disconnect(c);
        mdb_close(db);
    }
    CHECK(kills >= 12);
    /* the file stops growing: a child runs a round (create, fill, update, truncate, drop) in
     * about 0.1 s and holds a few hundred pages at a time, plus the dead versions of keep
     * until the worker reclaims them; without the reuse of dropped tables' pages each of
     * the 14 children would leave over a thousand pages behind */
    CHECK(np_max_late <= 3000);
    printf("  vacuum crash: %d kills during CREATE/DROP/TRUNCATE and updates of 80-200 KiB values: every page had one "
           "owner after each recovery; the sweeps freed %llu pages, %llu tables dropped after recovery; page file at most "
           "%u pages in the first half, %u in the second (%.1f s)\n",
           kills, (unsigned long long)swept, (unsigned long long)dropped, np_first, np_max_late, storage_test_now() - t0);
    storage_test_rmrf(dir);
    free(dir);
}

void suite_vacuum_crash(void)
{
    drop_crash();
    vacuum_crash();
}

static void vacuum_crash(void)
{
    char *dir = storage_test_tmpdir();
    MdbDatabase *db;
    MdbConn *c;
    CHECK_INT(mdb_open(dir, &db, NULL), MDB_OK);
    CHECK_INT(mdb_connect(db, &c), MDB_OK);
    char sql[512];
    snprintf(sql, sizeof sql,
             "CREATE TABLE acc(id int PRIMARY KEY, bal bigint NOT NULL, note text) USING oltp;"
             "CREATE INDEX acc_bal ON acc(bal);"
             "INSERT INTO acc SELECT i, %d, '' FROM generate_series(0, %d) i;"
             "CREATE TABLE hist(id int PRIMARY KEY, amt int) USING oltp",
             VC_INIT, VC_ACCOUNTS - 1);
    CHECK_INT(vq(c, sql), MDB_OK);
    mdb_disconnect(c);
    mdb_close(db);
    unsigned seed = (unsigned)time(NULL);
    double t0 = storage_test_now();
    u64 freed_seen = 0;
    PageNo np_mid = 0, np_last = 0;
    int failures_before = unit_failures;
    for (int iter = 0; iter < VC_ITERS && unit_failures == failures_before; iter++) {
        int pfd[2];
        if (pipe(pfd) != 0) { CHECK(0); break; }
        fflush(stdout);
        fflush(stderr);
        pid_t pid = fork();
        if (pid == 0) {
            close(pfd[0]);
            MdbDatabase *cdb;
            if (mdb_open(dir, &cdb, NULL) != MDB_OK) _exit(2);
            char ready = 1;
            if (write(pfd[1], &ready, 1) != 1) _exit(5);
            pthread_t th[3];
            VcWorker ws[3];
            for (int k = 0; k < 3; k++) {
                ws[k] = (VcWorker){cdb, k};
                pthread_create(&th[k], NULL, k < 2 ? vc_mover : vc_vacuumer, &ws[k]);
            }
            for (;;) pause();
        }
        close(pfd[1]);
        char ready = 0;
        CHECK(read(pfd[0], &ready, 1) == 1 && ready == 1);
        close(pfd[0]);
        usleep(20000 + (useconds_t)(rand_r(&seed) % 180000));
        kill(pid, SIGKILL);
        int status;
        waitpid(pid, &status, 0);
        CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        /* recovery, then the invariants */
        CHECK_INT(mdb_open(dir, &db, NULL), MDB_OK);
        CHECK_INT(mdb_connect(db, &c), MDB_OK);
        CHECK_INT(vq_int(c, "SELECT sum(bal) FROM acc"), (i64)VC_INIT * VC_ACCOUNTS);
        CHECK_INT(vq_int(c, "SELECT count(*) FROM acc"), VC_ACCOUNTS);
        static const char *const ACC_INDEXES[] = {"acc_pkey", "acc_bal", NULL};
        static const char *const HIST_INDEXES[] = {"hist_pkey", NULL};
        check_table(db, "acc", ACC_INDEXES, VC_ACCOUNTS);
        check_table(db, "hist", HIST_INDEXES, vq_int(c, "SELECT count(*) FROM hist"));
        /* every page is the store page, in a tree or on the free list: what the crash left
         * unowned (pages appended by a change that never reached the log, trees retired but
         * not freed yet) the sweep at open put on the free list */
        Err er = {0};
        u64 nfree = 0;
        CHECK_OK(btenv_check_free(&db->oltp->env, &nfree, &er), &er);
        TreeSize a = tree_size(db, "acc"), h = tree_size(db, "hist");
        u64 used = 1 + a.table_pages + a.index_pages + h.table_pages + h.index_pages + nfree;
        PageNo np = bufpool_npages(db->oltp->bp);
        CHECK_INT(used, np);
        census_ok(db);
        freed_seen += nfree;
        if (iter == VC_ITERS / 2) np_mid = np;
        np_last = np;
        if (getenv("VC_DEBUG"))
            fprintf(stderr, "iter %d: %u pages, %llu free, hist %lld rows, acc %llu entries\n", iter, np, (unsigned long long)nfree,
                    (long long)vq_int(c, "SELECT count(*) FROM hist"), (unsigned long long)a.table_entries);
        /* reclamation after recovery finds a consistent state too */
        CHECK_INT(vq(c, "VACUUM"), MDB_OK);
        check_table(db, "acc", ACC_INDEXES, VC_ACCOUNTS);
        CHECK_INT(vq_int(c, "SELECT sum(bal) FROM acc"), (i64)VC_INIT * VC_ACCOUNTS);
        mdb_disconnect(c);
        mdb_close(db);
    }
    /* the churn (updates, deletes, inserts at a steady row count) does not grow the file:
     * sparse leaves merge, empty ones go to the free list */
    CHECK(np_last <= np_mid + 12);
    printf("  vacuum crash: %d kills during transfers + VACUUM + checkpoints, recovered consistent each time in %.1f s "
           "(%llu free pages seen after recovery in all; page file %u pages at kill %d, %u at the last)\n",
           VC_ITERS, storage_test_now() - t0, (unsigned long long)freed_seen, np_mid, VC_ITERS / 2, np_last);
    storage_test_rmrf(dir);
    free(dir);
}
