package io.mtd.lint;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtd.sandbox.SandboxDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code --verify} on a real (embedded) PostgreSQL. */
class VerifierTest {

    private static SandboxDatabase database;
    private static int counter;
    private Connection db;

    @BeforeAll
    static void start() {
        database = SandboxDatabase.start();
    }

    @AfterAll
    static void stop() {
        database.close();
    }

    @BeforeEach
    void currentSchema() throws SQLException {
        String name = "verify_" + (++counter);
        database.createDatabase(name);
        db = DriverManager.getConnection(database.jdbcUrl(name), database.user(), database.password());
        try (Statement s = db.createStatement()) {
            s.execute("CREATE TABLE customer (id bigserial PRIMARY KEY, name varchar(50) NOT NULL, fax text, visits integer)");
            s.execute("INSERT INTO customer (name, visits) SELECT 'c' || g, g FROM generate_series(1, 500) g");
        }
    }

    private static LintReport verify(Connection db, String sql) throws SQLException {
        List<SqlSource> pending = List.of(new SqlSource("db/migration/V2__change.sql", sql, Phase.PRE_ROLLOUT, true));
        LintReport lint = new Linter(List.of()).lint(pending, List.of());
        return Verifier.verify(lint, pending, db);
    }

    private static Finding finding(LintReport r, String rule) {
        return r.findings().stream().filter(f -> f.rule().equals(rule)).findFirst().orElseThrow();
    }

    @Test
    void aPlainCreateIndexTakesAShareLockThatBlocksWrites() throws SQLException {
        LintReport r = verify(db, "CREATE INDEX customer_name_idx ON customer (name);");

        assertThat(r.verify()).singleElement().satisfies(v -> {
            assertThat(v.locks()).contains("customer: ShareLock");
            assertThat(v.rewritten()).isEmpty();
        });
        assertThat(finding(r, "require-concurrent-index-creation").verified()).isEqualTo(Finding.Verification.CONFIRMED);
        assertThat(LintOutput.summary(r)).contains("(confirmed by --verify)").contains("customer: ShareLock");
        // rolled back: the index is not there
        try (ResultSet rs = db.createStatement().executeQuery("SELECT count(*) FROM pg_indexes WHERE indexname = 'customer_name_idx'")) {
            rs.next();
            assertThat(rs.getInt(1)).isZero();
        }
    }

    @Test
    void aColumnTypeChangeRewritesTheTableUnderAnAccessExclusiveLock() throws SQLException {
        LintReport r = verify(db, "SET lock_timeout = '5s';\nALTER TABLE customer ALTER COLUMN visits TYPE bigint;");

        VerifiedStatement alter = r.verify().get(1);
        assertThat(alter.line()).isEqualTo(2);
        assertThat(alter.locks()).contains("customer: AccessExclusiveLock");
        assertThat(alter.rewritten()).containsExactly("customer");
        assertThat(alter.schemaChanges()).containsExactly("retyped customer.visits from integer to bigint");
        assertThat(finding(r, "changing-column-type").verified()).isEqualTo(Finding.Verification.CONFIRMED);
        try (ResultSet rs = db.createStatement().executeQuery("SELECT data_type FROM information_schema.columns"
                + " WHERE table_name = 'customer' AND column_name = 'visits'")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("integer");
        }
    }

    @Test
    void wideningAVarcharDoesNotRewriteSoTheFindingIsDisproved() throws SQLException {
        LintReport r = verify(db, "SET lock_timeout = '5s';\nALTER TABLE customer ALTER COLUMN name TYPE varchar(100);");

        assertThat(r.verify().get(1).rewritten()).isEmpty();
        assertThat(finding(r, "changing-column-type").verified()).isEqualTo(Finding.Verification.DISPROVED);
    }

    @Test
    void dropsAndRenamesShowInTheSchemaDifferenceAndAFailingStatementIsReported() throws SQLException {
        LintReport r = verify(db, "SET lock_timeout = '5s';\nALTER TABLE customer DROP COLUMN fax;\n"
                + "ALTER TABLE customer RENAME COLUMN visits TO visit_count;\nALTER TABLE customer ADD COLUMN x int REFERENCES nowhere (id);\n"
                + "ALTER TABLE customer ADD COLUMN phone text;");

        assertThat(r.verify()).extracting(VerifiedStatement::line).containsExactly(1, 2, 3, 4, 5);
        assertThat(r.verify().get(1).schemaChanges()).containsExactly("dropped customer.fax");
        assertThat(r.verify().get(2).schemaChanges()).containsExactly("renamed customer.visits to visit_count");
        assertThat(r.verify().get(3).error()).contains("nowhere");
        assertThat(r.verify().get(4).schemaChanges()).containsExactly("added customer.phone text");
        assertThat(finding(r, "ban-drop-column").verified()).isEqualTo(Finding.Verification.CONFIRMED);
        assertThat(finding(r, "renaming-column").verified()).isEqualTo(Finding.Verification.CONFIRMED);
        try (ResultSet rs = db.createStatement().executeQuery("SELECT count(*) FROM information_schema.columns WHERE table_name = 'customer'")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(4);
        }
    }
}
