/*
 * test/unit/test_memscan.c — the MEMORY tier's clean-segment claims
 * (src/storage/memory/memtable.c: a scan that found every stamp of a segment
 * committed and not ended lets later scans skip the stamps).
 *
 * suite_memscan_claims, through the embedded API with several connections,
 * on a table of 300,000 rows (three segments) scanned until the claims exist:
 *   - an uncommitted DELETE stays invisible to others, a committed one is seen
 *     by the next statement, while an older REPEATABLE READ snapshot keeps
 *     seeing the deleted rows;
 *   - rows committed after a snapshot are not seen by it even when a newer
 *     scan claimed their segment clean;
 *   - uncommitted appends are seen only by their writer; TRUNCATE and a
 *     rolled-back DELETE leave the right counts.
 */
#include <stdlib.h>
#include <string.h>

#include "megadb.h"
#include "unit.h"

static int mq(MdbConn *c, const char *sql)
{
    MdbResult *r = NULL;
    int rc = mdb_query(c, sql, &r);
    if (rc != MDB_OK) fprintf(stderr, "  (%s: %s)\n", sql, mdb_conn_error(c)->message);
    if (r) mdb_result_free(r);
    return rc;
}

static long long mq_int(MdbConn *c, const char *sql)
{
    MdbResult *r = NULL;
    long long v = -999999;
    if (mdb_query(c, sql, &r) == MDB_OK) {
        MdbChunk *ch;
        if (mdb_result_fetch(r, &ch) == MDB_OK && ch && mdb_chunk_row_count(ch)) {
            const char *s = mdb_chunk_get_text(ch, 0, 0, NULL);
            if (s) v = strtoll(s, NULL, 10);
        }
    } else {
        fprintf(stderr, "  (%s: %s)\n", sql, mdb_conn_error(c)->message);
    }
    if (r) mdb_result_free(r);
    return v;
}


void suite_memscan_claims(void)
{
    MdbDatabase *db = NULL;
    char *oerr = NULL;
    CHECK(mdb_open(NULL, &db, &oerr) == MDB_OK);
    MdbConn *a = NULL, *b = NULL, *c = NULL;
    CHECK(db && mdb_connect(db, &a) == MDB_OK && mdb_connect(db, &b) == MDB_OK && mdb_connect(db, &c) == MDB_OK);
    if (!a || !b || !c) return;
    CHECK(mq(a, "CREATE TABLE m USING memory AS SELECT i AS id FROM generate_series(1, 300000) g(i)") == MDB_OK);
    for (int i = 0; i < 3; i++) CHECK_INT(mq_int(a, "SELECT count(*) FROM m"), 300000);

    /* an uncommitted delete, an older snapshot, then the commit */
    CHECK(mq(b, "BEGIN") == MDB_OK);
    CHECK(mq(b, "DELETE FROM m WHERE id % 1000 = 0") == MDB_OK);
    CHECK_INT(mq_int(b, "SELECT count(*) FROM m"), 299700);
    CHECK_INT(mq_int(a, "SELECT count(*) FROM m"), 300000);
    CHECK(mq(c, "BEGIN ISOLATION LEVEL REPEATABLE READ") == MDB_OK);
    CHECK_INT(mq_int(c, "SELECT count(*) FROM m"), 300000);
    CHECK(mq(b, "COMMIT") == MDB_OK);
    CHECK_INT(mq_int(a, "SELECT count(*) FROM m"), 299700);
    CHECK_INT(mq_int(a, "SELECT count(*) FROM m"), 299700);
    CHECK_INT(mq_int(c, "SELECT count(*) FROM m"), 300000);
    CHECK(mq(c, "COMMIT") == MDB_OK);

    /* a new table: an old snapshot, rows committed after it, a newer scan claims them clean */
    CHECK(mq(a, "CREATE TABLE n (id int) USING memory") == MDB_OK);
    CHECK(mq(a, "INSERT INTO n SELECT i FROM generate_series(1, 1000) g(i)") == MDB_OK);
    CHECK(mq(c, "BEGIN ISOLATION LEVEL REPEATABLE READ") == MDB_OK);
    CHECK_INT(mq_int(c, "SELECT count(*) FROM n"), 1000);
    CHECK(mq(a, "INSERT INTO n SELECT i FROM generate_series(1001, 200000) g(i)") == MDB_OK);
    for (int i = 0; i < 3; i++) CHECK_INT(mq_int(a, "SELECT count(*) FROM n"), 200000);
    CHECK_INT(mq_int(c, "SELECT count(*) FROM n"), 1000);
    CHECK_INT(mq_int(c, "SELECT max(id) FROM n"), 1000);
    CHECK(mq(c, "COMMIT") == MDB_OK);
    CHECK_INT(mq_int(c, "SELECT count(*) FROM n"), 200000);

    /* uncommitted appends behind a claim; a rolled-back delete */
    CHECK(mq(b, "BEGIN") == MDB_OK);
    CHECK(mq(b, "INSERT INTO n SELECT i FROM generate_series(1, 5000) g(i)") == MDB_OK);
    CHECK_INT(mq_int(b, "SELECT count(*) FROM n"), 205000);
    CHECK_INT(mq_int(a, "SELECT count(*) FROM n"), 200000);
    CHECK(mq(b, "ROLLBACK") == MDB_OK);
    CHECK_INT(mq_int(a, "SELECT count(*) FROM n"), 200000);
    CHECK(mq(b, "BEGIN") == MDB_OK);
    CHECK(mq(b, "DELETE FROM n WHERE id <= 150000") == MDB_OK);
    CHECK_INT(mq_int(b, "SELECT count(*) FROM n"), 50000);
    CHECK(mq(b, "ROLLBACK") == MDB_OK);
    CHECK_INT(mq_int(a, "SELECT count(*) FROM n"), 200000);
    CHECK_INT(mq_int(a, "SELECT count(*) FROM n"), 200000);

    /* TRUNCATE after the claims */
    CHECK(mq(a, "TRUNCATE m") == MDB_OK);
    CHECK_INT(mq_int(a, "SELECT count(*) FROM m"), 0);
    CHECK_INT(mq_int(b, "SELECT count(*) FROM m"), 0);
    CHECK(mq(a, "INSERT INTO m VALUES (1), (2)") == MDB_OK);
    CHECK_INT(mq_int(b, "SELECT count(*) FROM m"), 2);

    mdb_disconnect(a);
    mdb_disconnect(b);
    mdb_disconnect(c);
    mdb_close(db);
}
