// test/clients/TestJdbc.java — the PostgreSQL JDBC driver (pgjdbc) against `megadb serve`:
// prepared statements reused past prepareThreshold (named server statements, binary
// results), batches, fetch size (portal suspension inside a transaction), generated keys,
// DatabaseMetaData (getSchemas, getTables, getColumns, getPrimaryKeys), query timeout
// (CancelRequest), transactions and SQLSTATEs.
// Run: java -cp /usr/share/java/postgresql.jar TestJdbc.java URL USER PASSWORD
// Exit status 1 when a check failed.
import java.math.BigDecimal;
import java.sql.*;
import java.util.*;

public class TestJdbc {
    static int checks = 0, failures = 0;

    static void check(boolean cond, String what) {
        checks++;
        if (!cond) {
            failures++;
            System.out.println("FAIL: " + what);
        }
    }

    interface Body { void run() throws Exception; }

    static void section(String name, Body b) {
        try {
            b.run();
        } catch (Exception e) {
            checks++;
            failures++;
            System.out.println("FAIL: " + name + ": " + e);
        }
    }

    public static void main(String[] args) throws Exception {
        Properties p = new Properties();
        p.setProperty("user", args[1]);
        p.setProperty("password", args[2]);
        try (Connection c = DriverManager.getConnection(args[0], p)) {
            try (Statement st = c.createStatement()) {
                st.execute("DROP VIEW IF EXISTS jdbc_v");
                st.execute("DROP TABLE IF EXISTS jdbc_t");
                st.execute("CREATE TABLE jdbc_t (id int PRIMARY KEY, big bigint, amount numeric(12,2), name text, d date, ts timestamp, ok boolean, f double precision)");
                st.execute("DROP TABLE IF EXISTS jdbc_keys");
                st.execute("CREATE TABLE jdbc_keys (id serial PRIMARY KEY, name text NOT NULL)");
                st.execute("DROP TABLE IF EXISTS jdbc_pk2");
                st.execute("CREATE TABLE jdbc_pk2 (a int, b text, c int, PRIMARY KEY (b, a))");
                st.execute("CREATE VIEW jdbc_v AS SELECT id, name FROM jdbc_keys");
            }

            section("prepared statements", () -> {
                try (PreparedStatement ins = c.prepareStatement("INSERT INTO jdbc_t VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
                    for (int i = 1; i <= 12; i++) {
                        ins.setInt(1, i);
                        ins.setLong(2, 10000000000L * i);
                        ins.setBigDecimal(3, new BigDecimal(i + ".25"));
                        ins.setString(4, "name " + i);
                        ins.setDate(5, java.sql.Date.valueOf("2024-02-" + (10 + i)));
                        ins.setTimestamp(6, Timestamp.valueOf("2024-02-29 12:34:" + (10 + i) + ".5"));
                        ins.setBoolean(7, i % 2 == 0);
                        ins.setDouble(8, i / 4.0);
                        check(ins.executeUpdate() == 1, "insert " + i);
                    }
                }
                // reused 12 times: from the 5th execution pgjdbc uses a named statement and binary results
                try (PreparedStatement sel = c.prepareStatement("SELECT id, big, amount, name, d, ts, ok, f FROM jdbc_t WHERE id = ?")) {
                    for (int i = 1; i <= 12; i++) {
                        sel.setInt(1, i);
                        try (ResultSet rs = sel.executeQuery()) {
                            check(rs.next(), "row " + i);
                            check(rs.getInt(1) == i && rs.getLong(2) == 10000000000L * i, "ints of row " + i + ": " + rs.getInt(1) + " " + rs.getLong(2));
                            check(rs.getBigDecimal(3).compareTo(new BigDecimal(i + ".25")) == 0, "numeric of row " + i + ": " + rs.getBigDecimal(3));
                            check(rs.getString(4).equals("name " + i), "text of row " + i);
                            check(rs.getDate(5).toString().equals("2024-02-" + (10 + i)), "date of row " + i + ": " + rs.getDate(5));
                            check(rs.getTimestamp(6).equals(Timestamp.valueOf("2024-02-29 12:34:" + (10 + i) + ".5")), "timestamp of row " + i + ": " + rs.getTimestamp(6));
                            check(rs.getBoolean(7) == (i % 2 == 0) && rs.getDouble(8) == i / 4.0, "bool/double of row " + i);
                            check(!rs.next(), "one row for " + i);
                        }
                    }
                }
            });

            // arrays: from the 5th execution pgjdbc asks for int4[]/text[]/float8[] in binary
            section("arrays", () -> {
                try (PreparedStatement ps = c.prepareStatement("SELECT ARRAY[?::int, NULL, 3], ARRAY['a', ?, NULL]::text[], ARRAY[1.5, ?]::float8[]")) {
                    for (int i = 0; i < 8; i++) {
                        ps.setInt(1, i);
                        ps.setString(2, "b \"" + i);
                        ps.setDouble(3, i / 2.0);
                        try (ResultSet rs = ps.executeQuery()) {
                            check(rs.next(), "array row " + i);
                            Object[] a = (Object[]) rs.getArray(1).getArray();
                            Object[] t = (Object[]) rs.getArray(2).getArray();
                            Object[] f = (Object[]) rs.getArray(3).getArray();
                            check(Arrays.equals(a, new Integer[] {i, null, 3}), "int4[] round " + i + ": " + Arrays.toString(a));
                            check(Arrays.equals(t, new String[] {"a", "b \"" + i, null}), "text[] round " + i + ": " + Arrays.toString(t));
                            check(Arrays.equals(f, new Double[] {1.5, i / 2.0}), "float8[] round " + i + ": " + Arrays.toString(f));
                        }
                    }
                }
                try (PreparedStatement ps = c.prepareStatement("SELECT ?::int4[], array_upper(?::int4[], 1)")) {
                    for (int i = 0; i < 6; i++) {
                        ps.setArray(1, c.createArrayOf("int4", new Integer[] {i, i + 1}));
                        ps.setArray(2, c.createArrayOf("int4", new Integer[] {i, null, i}));
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            check(Arrays.equals((Object[]) rs.getArray(1).getArray(), new Integer[] {i, i + 1}) && rs.getInt(2) == 3, "int4[] parameter round " + i);
                        }
                    }
                }
            });

            section("batches", () -> {
                c.setAutoCommit(false);
                try (PreparedStatement ins = c.prepareStatement("INSERT INTO jdbc_t (id, name, amount) VALUES (?, ?, ?)")) {
                    for (int i = 100; i < 600; i++) {
                        ins.setInt(1, i);
                        ins.setString(2, "batch " + i);
                        ins.setBigDecimal(3, BigDecimal.valueOf(i));
                        ins.addBatch();
                    }
                    int[] counts = ins.executeBatch();
                    check(counts.length == 500 && Arrays.stream(counts).allMatch(n -> n == 1 || n == Statement.SUCCESS_NO_INFO), "batch counts " + counts.length);
                }
                c.commit();
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*), sum(amount) FROM jdbc_t WHERE id >= 100")) {
                    rs.next();
                    check(rs.getLong(1) == 500 && rs.getBigDecimal(2).compareTo(BigDecimal.valueOf(174750)) == 0, "batch rows: " + rs.getLong(1) + " " + rs.getBigDecimal(2));
                }
                // a batch with a failing row is rolled back
                try (PreparedStatement ins = c.prepareStatement("INSERT INTO jdbc_t (id, name) VALUES (?, ?)")) {
                    ins.setInt(1, 900); ins.setString(2, "x"); ins.addBatch();
                    ins.setInt(1, 100); ins.setString(2, "dup"); ins.addBatch();
                    try {
                        ins.executeBatch();
                        check(false, "duplicate in batch must fail");
                    } catch (BatchUpdateException e) {
                        check("23505".equals(e.getSQLState()) || (e.getNextException() != null && "23505".equals(e.getNextException().getSQLState())), "batch error state " + e.getSQLState());
                    }
                }
                c.rollback();
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM jdbc_t WHERE id = 900")) {
                    rs.next();
                    check(rs.getLong(1) == 0, "failed batch rolled back");
                }
                c.commit();
                c.setAutoCommit(true);
            });

            section("fetch size", () -> {
                c.setAutoCommit(false);
                try (Statement st = c.createStatement()) {
                    st.setFetchSize(7);
                    long n = 0, sum = 0;
                    try (ResultSet rs = st.executeQuery("SELECT id FROM jdbc_t ORDER BY id")) {
                        while (rs.next()) { n++; sum += rs.getInt(1); }
                    }
                    check(n == 512 && sum == 78 + 174750, "fetch size 7: " + n + " rows, sum " + sum);
                }
                c.commit();
                c.setAutoCommit(true);
            });

            section("generated keys", () -> {
                try (PreparedStatement ins = c.prepareStatement("INSERT INTO jdbc_keys (name) VALUES (?)", Statement.RETURN_GENERATED_KEYS)) {
                    List<Integer> ids = new ArrayList<>();
                    for (String nm : new String[] {"a", "b", "c"}) {
                        ins.setString(1, nm);
                        check(ins.executeUpdate() == 1, "insert with keys");
                        try (ResultSet k = ins.getGeneratedKeys()) {
                            check(k.next(), "a generated key");
                            ids.add(k.getInt("id"));
                        }
                    }
                    check(ids.equals(Arrays.asList(1, 2, 3)), "generated ids " + ids);
                }
                try (PreparedStatement ins = c.prepareStatement("INSERT INTO jdbc_keys (name) VALUES (?)", new String[] {"id"})) {
                    ins.setString(1, "d");
                    ins.executeUpdate();
                    try (ResultSet k = ins.getGeneratedKeys()) {
                        check(k.next() && k.getInt(1) == 4, "generated key by column name");
                    }
                }
            });

            // DatabaseMetaData: each call runs pgjdbc's own catalog query and its rows are checked
            // (getPrimaryKeys: information_schema._pg_expandarray and (record).field).
            section("metadata", () -> {
                DatabaseMetaData md = c.getMetaData();
                check(md.getDatabaseProductName().equals("PostgreSQL"), "product " + md.getDatabaseProductName());
                check(md.getDatabaseMajorVersion() == 15, "major version " + md.getDatabaseMajorVersion());
            });
            section("getSchemas", () -> {
                Set<String> schemas = new HashSet<>();
                try (ResultSet rs = c.getMetaData().getSchemas()) { while (rs.next()) schemas.add(rs.getString("TABLE_SCHEM")); }
                check(schemas.contains("public") && schemas.contains("pg_catalog"), "schemas " + schemas);
            });
            section("getTables", () -> {
                List<String> tables = new ArrayList<>();
                try (ResultSet rs = c.getMetaData().getTables(null, "public", "jdbc%", new String[] {"TABLE"})) {
                    while (rs.next()) tables.add(rs.getString("TABLE_NAME") + ":" + rs.getString("TABLE_TYPE"));
                }
                check(tables.equals(Arrays.asList("jdbc_keys:TABLE", "jdbc_pk2:TABLE", "jdbc_t:TABLE")), "tables " + tables);
                List<String> views = new ArrayList<>();
                try (ResultSet rs = c.getMetaData().getTables(null, "public", "jdbc%", new String[] {"VIEW"})) {
                    while (rs.next()) views.add(rs.getString("TABLE_NAME"));
                }
                check(views.equals(Arrays.asList("jdbc_v")), "views " + views);
            });
            section("getColumns", () -> {
                List<String> cols = new ArrayList<>();
                try (ResultSet rs = c.getMetaData().getColumns(null, "public", "jdbc_t", null)) {
                    while (rs.next()) cols.add(rs.getString("COLUMN_NAME") + ":" + rs.getString("TYPE_NAME") + ":" + rs.getInt("DATA_TYPE") + ":" + rs.getInt("ORDINAL_POSITION") + ":" + rs.getString("IS_NULLABLE"));
                }
                check(cols.size() == 8 && cols.get(0).equals("id:int4:4:1:NO") && cols.get(2).equals("amount:numeric:2:3:YES") && cols.get(3).equals("name:text:12:4:YES")
                      && cols.get(7).equals("f:float8:8:8:YES"), "columns " + cols);
                List<String> keys = new ArrayList<>();
                try (ResultSet rs = c.getMetaData().getColumns(null, "public", "jdbc_keys", "id")) {
                    while (rs.next()) keys.add(rs.getString("TYPE_NAME") + ":" + rs.getString("IS_AUTOINCREMENT"));
                }
                check(keys.equals(Arrays.asList("serial:YES")) || keys.equals(Arrays.asList("int4:YES")), "serial column " + keys);
            });
            section("getPrimaryKeys", () -> {
                List<String> pk = new ArrayList<>();
                try (ResultSet rs = c.getMetaData().getPrimaryKeys(null, "public", "jdbc_t")) {
                    while (rs.next()) pk.add(rs.getString("COLUMN_NAME") + ":" + rs.getInt("KEY_SEQ") + ":" + rs.getString("PK_NAME"));
                }
                check(pk.equals(Arrays.asList("id:1:jdbc_t_pkey")), "primary key " + pk);
                List<String> pk2 = new ArrayList<>();
                try (ResultSet rs = c.getMetaData().getPrimaryKeys(null, "public", "jdbc_pk2")) {
                    while (rs.next()) pk2.add(rs.getString("TABLE_NAME") + "." + rs.getString("COLUMN_NAME") + ":" + rs.getInt("KEY_SEQ") + ":" + rs.getString("PK_NAME"));
                }
                check(pk2.equals(Arrays.asList("jdbc_pk2.b:1:jdbc_pk2_pkey", "jdbc_pk2.a:2:jdbc_pk2_pkey")), "two-column primary key in key order " + pk2);
                List<String> none = new ArrayList<>();
                try (ResultSet rs = c.getMetaData().getPrimaryKeys(null, "public", "jdbc_v")) {
                    while (rs.next()) none.add(rs.getString("COLUMN_NAME"));
                }
                check(none.isEmpty(), "a view has no primary key " + none);
            });

            // RowDescription's table OID and column number: pgjdbc looks the columns up in the catalog
            section("result set metadata", () -> {
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT id, name, id + 1 AS calc FROM jdbc_keys")) {
                    ResultSetMetaData md = rs.getMetaData();
                    org.postgresql.PGResultSetMetaData pg = md.unwrap(org.postgresql.PGResultSetMetaData.class);
                    check(pg.getBaseTableName(1).equals("jdbc_keys") && pg.getBaseColumnName(2).equals("name") && pg.getBaseTableName(3).equals(""),
                          "base table/column: " + pg.getBaseTableName(1) + " " + pg.getBaseColumnName(2) + " [" + pg.getBaseTableName(3) + "]");
                    check(md.isAutoIncrement(1) && !md.isAutoIncrement(2), "serial column is auto-increment");
                    check(md.isNullable(2) == ResultSetMetaData.columnNoNulls && md.isNullable(3) == ResultSetMetaData.columnNullableUnknown,
                          "nullability " + md.isNullable(2) + " " + md.isNullable(3));
                }
            });

            section("query timeout", () -> {
                try (Statement st = c.createStatement()) {
                    st.setQueryTimeout(1);
                    long t0 = System.nanoTime();
                    try {
                        st.execute("SELECT pg_sleep(10)");
                        check(false, "the timeout must cancel the statement");
                    } catch (SQLException e) {
                        check("57014".equals(e.getSQLState()), "timeout state " + e.getSQLState());
                    }
                    double secs = (System.nanoTime() - t0) / 1e9;
                    check(secs < 6, "cancelled after " + secs + " s");
                }
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT 41 + 1")) {
                    check(rs.next() && rs.getInt(1) == 42, "connection usable after the cancel");
                }
            });

            // SQL cursors through the extended protocol: DECLARE with a parameter, FETCH as a
            // prepared query (its rows described by the cursor), MOVE, CLOSE
            section("cursors", () -> {
                c.setAutoCommit(false);
                try (PreparedStatement dc = c.prepareStatement("DECLARE jc CURSOR FOR SELECT id, name FROM jdbc_t WHERE id >= ? ORDER BY id")) {
                    dc.setInt(1, 3);
                    dc.execute();
                }
                List<Integer> got = new ArrayList<>();
                try (PreparedStatement fc = c.prepareStatement("FETCH 4 FROM jc")) {
                    for (int round = 0; round < 2; round++) {
                        try (ResultSet rs = fc.executeQuery()) {
                            while (rs.next()) got.add(rs.getInt(1));
                        }
                    }
                }
                try (Statement st = c.createStatement()) {
                    st.execute("MOVE FORWARD 2 IN jc");
                    check(st.getUpdateCount() == 2, "MOVE count " + st.getUpdateCount());
                    try (ResultSet rs = st.executeQuery("FETCH 1 FROM jc")) {
                        check(rs.next() && rs.getInt(1) == 100 && rs.getString(2).equals("batch 100"), "FETCH after MOVE");
                    }
                    st.execute("CLOSE jc");
                }
                check(got.equals(Arrays.asList(3, 4, 5, 6, 7, 8, 9, 10)), "FETCH 4 twice " + got);
                c.commit();
                c.setAutoCommit(true);
            });

            section("errors", () -> {
                try (Statement st = c.createStatement()) {
                    st.executeQuery("SELECT * FROM no_such_table");
                    check(false, "undefined table must fail");
                } catch (SQLException e) {
                    check("42P01".equals(e.getSQLState()), "undefined table state " + e.getSQLState());
                }
            });
        }
        System.out.println(checks + " checks, " + failures + " failed");
        System.exit(failures == 0 ? 0 : 1);
    }
}
