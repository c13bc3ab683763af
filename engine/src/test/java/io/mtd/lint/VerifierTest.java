package io.mtd.lint;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtd.flyway.DatabaseAccess;
import io.mtd.sandbox.SandboxDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code --verify} on a real (embedded) PostgreSQL: each script in its own transaction, as Flyway runs it. */
class VerifierTest {

    private static SandboxDatabase database;
    private static int counter;
    private String name;

    @BeforeAll
    static void start() {
        database = SandboxDatabase.start();
    }

    @AfterAll
    static void stop() {
        database.close();
    }

    private static DatabaseAccess access(String db) {
        return new DatabaseAccess(database.jdbcUrl(db), database.user(), database.password());
    }

    @BeforeEach
    void currentSchema() throws SQLException {
        name = "verify_" + (++counter);
        schema(name);
    }

    /** A database holding the schema before the release: customer, with 500 rows and an enum column. */
    private static void schema(String db) throws SQLException {
        database.createDatabase(db);
        try (Connection c = DriverManager.getConnection(database.jdbcUrl(db), database.user(), database.password());
                Statement s = c.createStatement()) {
            s.execute("CREATE TABLE customer (id bigserial PRIMARY KEY, name varchar(50) NOT NULL, fax text, visits integer)");
            s.execute("INSERT INTO customer (name, visits) SELECT 'c' || g, g FROM generate_series(1, 500) g");
            s.execute("CREATE TYPE mood AS ENUM ('sad')");
            s.execute("ALTER TABLE customer ADD COLUMN m mood");
        }
    }

    private LintReport verify(String... scripts) throws SQLException {
        List<SqlSource> pending = new ArrayList<>();
        for (int i = 0; i < scripts.length; i++) {
            pending.add(new SqlSource("db/migration/V" + (i + 2) + "__change.sql", scripts[i], Phase.PRE_ROLLOUT, true));
        }
        Linter linter = new Linter(List.of());
        return Verifier.verify(linter.lint(pending, List.of()), pending, VerifierTest::access, name, linter);
    }

    private static Finding finding(LintReport r, String rule) {
        return r.findings().stream().filter(f -> f.rule().equals(rule)).findFirst().orElseThrow();
    }

    @Test
    void aPlainCreateIndexTakesAShareLockThatBlocksWritesAndTheServerIsNamed() throws SQLException {
        LintReport r = verify("CREATE INDEX customer_name_idx ON customer (name);");

        assertThat(r.verify()).singleElement().satisfies(v -> {
            assertThat(v.locks()).contains("customer: ShareLock");
            assertThat(v.rewritten()).isEmpty();
        });
        assertThat(finding(r, "require-concurrent-index-creation").verified()).isEqualTo(Finding.Verification.CONFIRMED);
        assertThat(r.verifiedOn()).matches("PostgreSQL \\d+\\.\\d+.*, time zone \\S+, each script in its own transaction as Flyway runs it");
        assertThat(LintOutput.summary(r)).contains("(confirmed by --verify)").contains("customer: ShareLock")
                .contains("VERIFIED on " + r.verifiedOn());
    }

    @Test
    void twoIndexesOnOneTableInOneScriptAreBothConfirmedThoughTheSecondFindsTheLockHeld() throws SQLException {
        LintReport r = verify("CREATE INDEX a ON customer (name);\nCREATE INDEX b ON customer (visits);");

        assertThat(r.verify().get(1).locks()).doesNotContain("customer: ShareLock"); // taken again, in a mode already held
        assertThat(r.verify().get(1).held()).contains("customer: ShareLock");
        assertThat(r.findings()).filteredOn(f -> f.rule().equals("require-concurrent-index-creation"))
                .extracting(Finding::line, Finding::verified)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1, Finding.Verification.CONFIRMED),
                        org.assertj.core.groups.Tuple.tuple(2, Finding.Verification.CONFIRMED));
    }

    @Test
    void aColumnTypeChangeRewritesTheTableUnderAnAccessExclusiveLock() throws SQLException {
        LintReport r = verify("SET lock_timeout = '5s';\nALTER TABLE customer ALTER COLUMN visits TYPE bigint;");

        VerifiedStatement alter = r.verify().get(1);
        assertThat(alter.line()).isEqualTo(2);
        assertThat(alter.lockTimeout()).isEqualTo("5s");
        assertThat(alter.locks()).contains("customer: AccessExclusiveLock");
        assertThat(alter.rewritten()).containsExactly("customer");
        assertThat(alter.schemaChanges()).containsExactly("retyped customer.visits from integer to bigint");
        assertThat(finding(r, "changing-column-type").verified()).isEqualTo(Finding.Verification.CONFIRMED);
    }

    @Test
    void wideningAVarcharDoesNotRewriteSoTheFindingIsDisproved() throws SQLException {
        LintReport r = verify("SET lock_timeout = '5s';\nALTER TABLE customer ALTER COLUMN name TYPE varchar(100);");

        assertThat(r.verify().get(1).rewritten()).isEmpty();
        assertThat(finding(r, "changing-column-type").verified()).isEqualTo(Finding.Verification.DISPROVED);
    }

    @Test
    void aFailingStatementGivesNoEvidenceAndFlywayRollsItsScriptBackAndStops() throws SQLException {
        LintReport r = verify("SET lock_timeout = '5s';\nALTER TABLE customer DROP COLUMN fax;\n"
                + "CREATE INDEX broken_idx ON customer (no_such_column);\nALTER TABLE customer ADD COLUMN phone text;",
                "ALTER TABLE customer RENAME COLUMN visits TO visit_count;");

        assertThat(r.verify()).extracting(VerifiedStatement::source, VerifiedStatement::line).containsExactly(
                org.assertj.core.groups.Tuple.tuple("db/migration/V2__change.sql", 1), org.assertj.core.groups.Tuple.tuple("db/migration/V2__change.sql", 2),
                org.assertj.core.groups.Tuple.tuple("db/migration/V2__change.sql", 3), org.assertj.core.groups.Tuple.tuple("db/migration/V2__change.sql", 4),
                org.assertj.core.groups.Tuple.tuple("db/migration/V3__change.sql", 1));
        assertThat(r.verify().get(1).schemaChanges()).containsExactly("dropped customer.fax");
        assertThat(r.verify().get(2).error()).contains("no_such_column");
        assertThat(r.verify().get(3).note()).contains("line 3 failed").contains("rolls the whole script back");
        assertThat(r.verify().get(4).note()).contains("V2__change.sql failed before it");
        assertThat(finding(r, "ban-drop-column").verified()).isEqualTo(Finding.Verification.CONFIRMED);
        assertThat(finding(r, "require-concurrent-index-creation").verified()).isEqualTo(Finding.Verification.NOT_MEASURED);
        assertThat(finding(r, "renaming-column").verified()).isEqualTo(Finding.Verification.NOT_MEASURED);
        assertThat(r.findings()).noneMatch(f -> f.verified() == Finding.Verification.DISPROVED);
    }

    @Test
    void anEnumValueAddedInOneScriptCanBeUsedInTheNext() throws SQLException {
        LintReport r = verify("ALTER TYPE mood ADD VALUE 'ok';", "UPDATE customer SET m = 'ok' WHERE id < 10;");

        assertThat(r.verify()).allSatisfy(v -> assertThat(v.error()).isNull());
        // in one script (one transaction) PostgreSQL refuses it, as it would under Flyway
        name = name + "_again";
        schema(name);
        LintReport same = verify("ALTER TYPE mood ADD VALUE 'ok';\nUPDATE customer SET m = 'ok' WHERE id < 10;");
        assertThat(same.verify().get(1).error()).contains("unsafe use of new value");
    }

    @Test
    void whatTheRunObservedButTheLintDidNotPredictBecomesAFinding() throws SQLException {
        LintReport r = verify("CREATE FUNCTION widen() RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n"
                + "  ALTER TABLE customer ALTER COLUMN visits TYPE bigint;\nEND $$;\nSELECT widen();");

        assertThat(r.findings()).extracting(Finding::rule, Finding::line, Finding::verified).containsExactly(
                org.assertj.core.groups.Tuple.tuple("changing-column-type", 5, Finding.Verification.CONFIRMED),
                org.assertj.core.groups.Tuple.tuple("require-lock-timeout", 5, Finding.Verification.CONFIRMED));
        assertThat(r.findings().get(0).message()).contains("observed by --verify, not predicted")
                .contains("retyped customer.visits from integer to bigint, which rewrote customer");
        assertThat(r.passed()).isFalse();
        assertThat(r.rollback()).isEqualTo(LintReport.Rollback.UNSAFE);
    }

    @Test
    void aDroppedTableIsOneChangeNotOnePerColumn() throws SQLException {
        LintReport r = verify("SET lock_timeout = '5s';\nDROP TABLE customer;");

        assertThat(r.verify().get(1).schemaChanges()).containsExactly("dropped table customer");
        assertThat(r.findings()).extracting(Finding::rule, Finding::verified)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("ban-drop-table", Finding.Verification.CONFIRMED));
    }
}
