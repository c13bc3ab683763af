package io.mtd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code mtd lint}: the expand/contract check without any cluster, its outputs, and {@code --verify}. */
class LintCommandTest {

    @TempDir
    Path dir;

    @RegisterExtension
    final ConsoleCapture console = new ConsoleCapture();

    private Path flywayPlan(String... scripts) throws Exception {
        return flywayPlanWith("", scripts);
    }

    /** A Flyway plan whose flyway settings also have {@code extra}, e.g. {@code ", table: app_history"}. */
    private Path flywayPlanWith(String extra, String... scripts) throws Exception {
        Files.createDirectories(dir.resolve("db/migration"));
        for (int i = 0; i < scripts.length; i += 2) {
            Files.writeString(dir.resolve("db/migration").resolve(scripts[i]), scripts[i + 1]);
        }
        Path p = dir.resolve("plan.yaml");
        Files.writeString(p, "app: shop\nimage: shop:1\nmigration: {flyway: {locations: [db/migration], secret: shop-db" + extra + "}}\n"
                + "environments: [{name: staging}]\n");
        return p;
    }

    @Test
    void anUnsafeScriptIsVetoedWithItsOwnExitCodeAndWritesJsonAndSarif() throws Exception {
        Path p = flywayPlan("V1__create.sql", "CREATE TABLE customer (id bigint PRIMARY KEY, email text);",
                "V2__index.sql", "CREATE INDEX customer_email_idx ON customer (email);");
        Path sarif = dir.resolve("out/lint.sarif");
        Path json = dir.resolve("out/lint.json");

        assertThat(Mtd.execute("lint", p.toString(), "--sarif", sarif.toString(), "--json", json.toString())).isEqualTo(ExitCode.VETOED);
        assertThat(ExitCode.VETOED).isNotEqualTo(ExitCode.INVALID);
        assertThat(console.out()).contains("ERROR require-concurrent-index-creation (1)")
                .contains("  db/migration/V2__index.sql:1  CREATE INDEX customer_email_idx on customer without CONCURRENTLY")
                .contains("fix: CREATE INDEX CONCURRENTLY");
        assertThat(Files.readString(sarif)).contains("\"version\" : \"2.1.0\"").contains("\"startLine\" : 1");
        assertThat(Files.readString(json)).contains("require-concurrent-index-creation");
    }

    @Test
    void anAcknowledgedScriptPassesAndTheAcknowledgementIsPrinted() throws Exception {
        Path p = flywayPlan("V1__create.sql", "CREATE TABLE customer (id bigint PRIMARY KEY, email text);",
                "V2__index.sql", "-- mtd:allow require-concurrent-index-creation: customer has 12 rows\n"
                        + "CREATE INDEX customer_email_idx ON customer (email);");
        assertThat(Mtd.execute("lint", p.toString())).isZero();
        assertThat(console.out()).contains("acknowledged at db/migration/V2__index.sql:1: customer has 12 rows");
    }

    @Test
    void withTheCurrentVersionOnlyTheLaterScriptsAreChecked() throws Exception {
        Path p = flywayPlan("V1__create.sql", "CREATE TABLE customer (id bigint PRIMARY KEY, email text, fax text);\n"
                        + "CREATE INDEX customer_email_idx ON customer (email);",
                "V2__drop.sql", "ALTER TABLE customer DROP COLUMN fax;");
        assertThat(Mtd.execute("lint", p.toString(), "--current-version", "1")).isEqualTo(ExitCode.VETOED);
        assertThat(console.out()).contains("1 script, 1 statement").contains("V2__drop.sql:1  DROP COLUMN customer.fax");
    }

    @Test
    void quietPrintsOnlyWhatStopsTheReleaseAndTheCounts() throws Exception {
        Path p = flywayPlan("V2__index.sql", "CREATE INDEX customer_email_idx ON customer (email);\nALTER TABLE customer ADD COLUMN x int;");
        assertThat(Mtd.execute("lint", p.toString(), "--quiet")).isEqualTo(ExitCode.VETOED);
        assertThat(console.out()).contains("V2__index.sql:1  CREATE INDEX customer_email_idx").doesNotContain("why:")
                .doesNotContain("WARNING").containsPattern("require-lock-timeout +0 +1");
    }

    @Test
    void aScriptThatIsNotUtf8IsAnInputErrorNamingTheFile() throws Exception {
        Path p = flywayPlan("V2__note.sql", "");
        Files.write(dir.resolve("db/migration/V2__note.sql"), "-- caf\u00e9\nALTER TABLE customer ADD COLUMN note text;\n"
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        assertThat(Mtd.execute("lint", p.toString())).isEqualTo(ExitCode.INVALID);
        assertThat(console.err()).contains("db/migration/V2__note.sql: is not UTF-8: byte 0xE9 on line 1").doesNotContain("internal")
                .doesNotContain("at io.mtd");
    }

    @Test
    void aScriptWithAByteOrderMarkIsCheckedFromItsFirstStatement() throws Exception {
        Path p = flywayPlan("V2__drop.sql", "\uFEFFALTER TABLE customer DROP COLUMN fax;");
        assertThat(Mtd.execute("lint", p.toString())).isEqualTo(ExitCode.VETOED);
        assertThat(console.out()).contains("V2__drop.sql:1  DROP COLUMN customer.fax");
    }

    @Test
    void aPlanAcknowledgementOfAnUnknownRuleOrWithoutReasonIsAnInvalidPlan() throws Exception {
        Files.createDirectories(dir.resolve("db/migration"));
        Files.writeString(dir.resolve("db/migration/V1__create.sql"), "CREATE TABLE a (id int);");
        Path p = dir.resolve("plan.yaml");
        Files.writeString(p, "app: shop\nimage: shop:1\nmigration:\n  flyway: {locations: [db/migration], secret: shop-db}\n"
                + "  lint: {allow: [{rule: drop-column}]}\nenvironments: [{name: staging}]\n");
        assertThat(Mtd.execute("lint", p.toString())).isEqualTo(ExitCode.INVALID);
        assertThat(console.err()).contains("migration.lint.allow[0].rule").contains("ban-drop-column")
                .contains("migration.lint.allow[0].reason");
    }

    @Test
    void runIsVetoedBeforeAnythingStartsWhenTheSqlBreaksARule() throws Exception {
        // --sandbox gives the plan an empty database, so every script is pending: a table the release itself created would
        // be new and exempt, so the unsafe script works on one an earlier release made
        Path p = flywayPlan("V2__drop.sql", "ALTER TABLE customer DROP COLUMN fax;\nALTER TABLE customer RENAME TO client;");
        assertThat(Mtd.execute("run", p.toString(), "--sandbox")).isEqualTo(ExitCode.VETOED);
        assertThat(console.err()).contains("vetoed the release").contains("V2__drop.sql:1: ban-drop-column")
                .contains("V2__drop.sql:2: renaming-table").doesNotContain("plan is invalid");
        assertThat(console.out()).doesNotContain("==> staging");
    }

    @Test
    void aCommandMigrationWithoutSqlCommandIsReportedAsNotChecked() throws Exception {
        Path p = dir.resolve("plan.yaml");
        Files.writeString(p, "app: shop\nimage: shop:1\nmigration: {command: [python, manage.py, migrate]}\nenvironments: [{name: staging}]\n");
        assertThat(Mtd.execute("lint", p.toString())).isZero();
        assertThat(console.out()).contains("NOT CHECKED (1)\n  migration 'python manage.py migrate' was not checked: set migration.lint.sqlCommand")
                .contains("code rollback after the pre-rollout migrations: unknown");
    }

    @Test
    void verifyLoadsTheAppliedScriptsAndShowsTheLocksAndRewritesOfThePendingOnes() throws Exception {
        Path p = flywayPlan("V1__create.sql", "CREATE TABLE customer (id bigint PRIMARY KEY, email text, visits int);",
                "V2__index.sql", "CREATE INDEX customer_email_idx ON customer (email);",
                "V3__retype.sql", "SET lock_timeout = '5s';\nALTER TABLE customer ALTER COLUMN visits TYPE bigint;");

        assertThat(Mtd.execute("lint", p.toString(), "--verify")).isEqualTo(ExitCode.INVALID);
        assertThat(console.err()).contains("--current-version");

        assertThat(Mtd.execute("lint", p.toString(), "--verify", "--current-version", "1")).isEqualTo(ExitCode.VETOED);
        String text = console.out();
        assertThat(text).contains("ERROR require-concurrent-index-creation").contains("(confirmed by --verify)")
                .containsPattern("VERIFIED on PostgreSQL 18\\.\\d+.*, time zone \\S+, each script in its own transaction as Flyway runs it")
                .contains("  db/migration/V2__index.sql:1  locks customer: ShareLock")
                .contains("  db/migration/V3__retype.sql:2  locks customer: AccessExclusiveLock, customer_pkey: AccessExclusiveLock;"
                        + " rewrote customer; retyped customer.visits from integer to bigint");
    }

    @Test
    void aCurrentVersionNoScriptHasIsAUsageErrorNamingTheScriptsVersions() throws Exception {
        Path p = flywayPlan("V1__create.sql", "CREATE TABLE customer (id bigint PRIMARY KEY);",
                "V2__add.sql", "SET lock_timeout = '5s';\nALTER TABLE customer ADD COLUMN email text;");

        assertThat(Mtd.execute("lint", p.toString(), "--verify", "--current-version", "3")).isEqualTo(ExitCode.INVALID);
        assertThat(console.err()).contains(": --current-version: no script of db/migration has version 3 (the plan's scripts have"
                + " versions 1, 2): give the last version in the database's flyway_schema_history, or 0 for an empty database")
                .doesNotContain("Exception", "--debug");
        assertThat(console.out()).doesNotContain("plan OK", "VERIFIED");

        assertThat(Mtd.execute("lint", p.toString(), "--current-version", "two")).isEqualTo(ExitCode.INVALID);
        assertThat(console.err()).contains("--current-version: 'two' is not a Flyway version");

        assertThat(Mtd.execute("lint", p.toString(), "--current-version", "0")).isZero();
        assertThat(Mtd.execute("lint", p.toString(), "--current-version", "2")).isZero();
    }

    @Test
    void verifyConfirmsBothIndexesOfAScriptOnATableAnEarlierVersionCreated() throws Exception {
        // issue 19: the second index found the SHARE lock already held and was marked disproved
        Path p = flywayPlanWith(", table: app_history",
                "V1__orders.sql", "CREATE TABLE orders (id bigint PRIMARY KEY, x int, y int);",
                "V2__indexes.sql", "CREATE INDEX a ON orders (x);\nCREATE INDEX b ON orders (y);");

        assertThat(Mtd.execute("lint", p.toString(), "--verify", "--current-version", "1")).isEqualTo(ExitCode.VETOED);
        String text = console.out();
        assertThat(text).contains("  db/migration/V2__indexes.sql:1  CREATE INDEX a on orders without CONCURRENTLY (confirmed by --verify)")
                .contains("  db/migration/V2__indexes.sql:2  CREATE INDEX b on orders without CONCURRENTLY (confirmed by --verify)")
                .contains("Expand/contract check: 1 script,").doesNotContain("disproved").doesNotContain("V1__orders.sql");
    }

    @Test
    void verifyRunsOnThePostgresqlVersionThePlanNames() throws Exception {
        Path p = flywayPlanWith("}, lint: {postgresVersion: 14",
                "V1__orders.sql", "CREATE TABLE orders (id bigint PRIMARY KEY, x int);",
                "V2__add.sql", "SET lock_timeout = '5s';\nALTER TABLE orders ADD COLUMN y int;");
        assertThat(Mtd.execute("lint", p.toString(), "--verify", "--current-version", "1")).isZero();
        assertThat(console.out()).containsPattern("VERIFIED on PostgreSQL 14\\.\\d+");

        Path wrong = flywayPlanWith("}, lint: {postgresVersion: 9",
                "V1__orders.sql", "CREATE TABLE orders (id bigint PRIMARY KEY, x int);");
        assertThat(Mtd.execute("lint", wrong.toString(), "--verify", "--current-version", "1")).isEqualTo(ExitCode.INVALID);
        assertThat(console.err()).contains("migration.lint.postgresVersion").contains("13, 14, 15, 16, 17, 18");
    }
}
