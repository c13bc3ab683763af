package io.mtd.lint;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtd.sandbox.SandboxDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The lock each statement form takes, as the lint reads it, is the lock a real PostgreSQL takes: each statement runs in a
 * transaction that is rolled back, and its strongest lock per relation is read from {@code pg_locks}.
 */
class LockModesTest {

    private static SandboxDatabase database;
    private static Connection db;

    @BeforeAll
    static void schema() throws SQLException {
        database = SandboxDatabase.start();
        database.createDatabase("locks");
        db = DriverManager.getConnection(database.jdbcUrl("locks"), database.user(), database.password());
        try (Statement s = db.createStatement()) {
            s.execute("CREATE TABLE customers (id int PRIMARY KEY);"
                    + "CREATE TABLE orders (id int PRIMARY KEY, customer_id int, x int, total int);"
                    + "ALTER TABLE orders ADD CONSTRAINT positive CHECK (total >= 0) NOT VALID;"
                    + "CREATE INDEX orders_x_idx ON orders (x);"
                    + "CREATE TABLE legacy (id int);"
                    + "CREATE FUNCTION trg() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;"
                    + "CREATE TRIGGER orders_t BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION trg();"
                    + "CREATE SEQUENCE orders_seq;"
                    + "CREATE VIEW orders_v AS SELECT id FROM orders;"
                    + "CREATE MATERIALIZED VIEW orders_mv AS SELECT id FROM orders;"
                    + "CREATE TABLE events (id int, at date) PARTITION BY RANGE (at);");
        }
        db.setAutoCommit(false);
    }

    @AfterAll
    static void stop() throws SQLException {
        db.close();
        database.close();
    }

    static Stream<String> statements() {
        return Stream.of(
                "ALTER TABLE orders ADD COLUMN y int",
                "ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID",
                "ALTER TABLE orders ADD COLUMN c_id int REFERENCES customers (id)",
                "ALTER TABLE orders ADD CONSTRAINT c CHECK (total > 0) NOT VALID",
                "ALTER TABLE orders VALIDATE CONSTRAINT positive",
                "ALTER TABLE orders ALTER COLUMN x SET STATISTICS 100",
                "ALTER TABLE orders SET (fillfactor = 70)",
                "ALTER TABLE orders ENABLE TRIGGER orders_t",
                "ALTER TABLE orders CLUSTER ON orders_x_idx",
                "ALTER TABLE orders ALTER COLUMN x SET DEFAULT 0, ALTER COLUMN x SET STATISTICS 10",
                "ALTER TABLE orders RENAME COLUMN x TO x2",
                "CREATE INDEX i ON orders (total)",
                "DROP INDEX orders_x_idx",
                "CREATE TABLE line (order_id int REFERENCES orders (id))",
                "CREATE TABLE events_2020 PARTITION OF events FOR VALUES FROM ('2020-01-01') TO ('2021-01-01')",
                "DROP TABLE legacy",
                "DROP VIEW orders_v",
                "CREATE TRIGGER t2 AFTER UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION trg()",
                "DROP TRIGGER orders_t ON orders",
                "ALTER TRIGGER orders_t ON orders RENAME TO orders_t2",
                "ALTER INDEX orders_x_idx RENAME TO orders_x2_idx",
                "ALTER SEQUENCE orders_seq RESTART",
                "ALTER VIEW orders_v RENAME TO orders_v2",
                "REINDEX TABLE orders",
                "REINDEX INDEX orders_x_idx",
                "TRUNCATE legacy",
                "REFRESH MATERIALIZED VIEW orders_mv",
                "CREATE POLICY p ON orders USING (true)",
                "CREATE RULE r AS ON INSERT TO legacy DO ALSO NOTHING",
                "LOCK TABLE orders IN SHARE MODE");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("statements")
    void theLockTheLintExpectsIsTheLockPostgresqlTakes(String sql) throws SQLException {
        Ddl ddl = DdlReader.read(SqlLexer.split(sql, "x.sql").get(0));
        List<Ddl.RelationLock> claimed = ddl.locks();
        assertThat(claimed).as("the lint names the locks of " + sql).isNotEmpty();
        Map<String, Long> oids = new HashMap<>();
        for (Ddl.RelationLock l : claimed) {
            try (PreparedStatement ps = db.prepareStatement("SELECT oid FROM pg_class WHERE relname = ?")) {
                ps.setString(1, l.relation());
                try (ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.next()).as(l.relation()).isTrue();
                    oids.put(l.relation(), rs.getLong(1));
                }
            }
        }
        Map<Long, LockMode> observed = new HashMap<>();
        try (Statement s = db.createStatement()) {
            s.execute(sql);
            try (ResultSet rs = s.executeQuery("SELECT relation, mode FROM pg_locks WHERE pid = pg_backend_pid()"
                    + " AND locktype = 'relation' AND granted")) {
                while (rs.next()) {
                    observed.merge(rs.getLong(1), LockMode.ofPgLocks(rs.getString(2)).orElseThrow(), LockMode::max);
                }
            }
        } finally {
            db.rollback();
        }
        for (Ddl.RelationLock l : claimed) {
            assertThat(observed.get(oids.get(l.relation()))).as("the strongest lock on " + l.relation()).isEqualTo(l.mode());
        }
    }
}
