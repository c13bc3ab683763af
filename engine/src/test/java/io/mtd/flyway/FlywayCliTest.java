package io.mtd.flyway;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtd.report.FlywayReport;
import io.mtd.report.FlywayReport.AppliedMigration;
import io.mtd.sandbox.flyway.FlywayCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The sandbox Flyway command line against a real PostgreSQL, read back with {@link FlywayOutput}. */
class FlywayCliTest {

    private static TestDatabase db;

    @BeforeAll
    static void startDatabase() {
        db = TestDatabase.start();
    }

    @AfterAll
    static void stopDatabase() throws Exception {
        db.close();
    }

    static Path resource(String name) {
        try {
            return Path.of(FlywayCliTest.class.getResource("/flyway/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    record Run(int exitCode, String output) {
        FlywayReport report() {
            return FlywayOutput.parse(output).orElseThrow(() -> new AssertionError("no Flyway JSON in:\n" + output));
        }
    }

    static Run run(String url, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = FlywayCli.run(List.of(args),
                Map.of("FLYWAY_URL", url, "FLYWAY_USER", TestDatabase.USER, "FLYWAY_PASSWORD", TestDatabase.PASSWORD),
                new PrintStream(out, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void migratesAnEmptyDatabaseToTheLatestVersionAndReportsEachMigration() throws Exception {
        String url = db.newDatabase();

        Run run = run(url, "migrate", "-outputType=json", "-locations=filesystem:" + resource("good"));

        assertThat(run.exitCode()).isZero();
        FlywayReport report = run.report();
        assertThat(report.schemaVersionBefore()).isNull();
        assertThat(report.schemaVersionAfter()).isEqualTo("3");
        assertThat(report.applied()).extracting(AppliedMigration::version).containsExactly("1", "2", "3");
        assertThat(report.applied().get(1).description()).isEqualTo("add email");
        assertThat(report.applied().get(1).script()).isEqualTo("V2__add_email.sql");
        assertThat(report.applied()).allSatisfy(m -> assertThat(m.executionTimeMillis()).isNotNull().isNotNegative());
        assertThat(report.failed()).isNull();
        assertThat(report.error()).isNull();
        assertThat(db.query(url, "select email from customer")).containsExactly("ada@example.com");
    }

    @Test
    void aSecondRunAppliesNothing() throws Exception {
        String url = db.newDatabase();
        run(url, "migrate", "-outputType=json", "-locations=filesystem:" + resource("good"));

        Run again = run(url, "migrate", "-outputType=json", "-locations=filesystem:" + resource("good"));

        assertThat(again.exitCode()).isZero();
        assertThat(again.report().applied()).isEmpty();
        assertThat(again.report().schemaVersionBefore()).isEqualTo("3");
        assertThat(again.report().schemaVersionAfter()).isEqualTo("3");
        assertThat(db.query(url, "select count(*) from customer")).containsExactly("1");
    }

    @Test
    void aFailingMigrationExitsNonZeroAndNamesTheScriptAndTheDatabaseError() throws Exception {
        String url = db.newDatabase();

        Run run = run(url, "migrate", "-outputType=json", "-locations=filesystem:" + resource("bad"));

        assertThat(run.exitCode()).isEqualTo(1);
        FlywayReport report = run.report();
        assertThat(report.applied()).extracting(AppliedMigration::version).containsExactly("1", "2");
        assertThat(report.schemaVersionAfter()).isEqualTo("2");
        assertThat(report.failed().version()).isEqualTo("3");
        assertThat(report.failed().description()).isEqualTo("broken");
        assertThat(report.failed().script()).isEqualTo("V3__broken.sql");
        assertThat(report.error()).contains("relation \"no_such_table\" does not exist").contains("42P01").contains("line 2");
        // PostgreSQL runs each migration in a transaction: nothing of V3 stays
        assertThat(db.query(url, "select count(*) from customer")).containsExactly("0");
        assertThat(db.query(url, "select version from flyway_schema_history where success order by installed_rank"))
                .containsExactly("1", "2");
    }

    @Test
    void withoutJsonOutputItPrintsFlywaysLogLines() throws Exception {
        String url = db.newDatabase();

        Run run = run(url, "migrate", "-locations=filesystem:" + resource("good"));

        assertThat(run.exitCode()).isZero();
        assertThat(run.output()).contains("Successfully applied 3 migrations").doesNotContain("\"migrations\"");
        assertThat(FlywayOutput.parse(run.output())).isEmpty();
    }

    @Test
    void flagsWinOverEnvironmentVariables() throws Exception {
        String url = db.newDatabase();

        Run run = run("jdbc:postgresql://127.0.0.1:1/nowhere", "migrate", "-outputType=json", "-url=" + url,
                "-locations=filesystem:" + resource("good"), "-schemas=shop");

        assertThat(run.exitCode()).isZero();
        assertThat(db.query(url, "select count(*) from shop.customer")).containsExactly("1");
    }

    @Test
    void anUnreachableDatabaseIsAnErrorResultWithoutAFailedMigration() {
        Run run = run("jdbc:postgresql://127.0.0.1:1/nowhere", "migrate", "-outputType=json",
                "-locations=filesystem:" + resource("good"));

        assertThat(run.exitCode()).isEqualTo(1);
        FlywayReport report = run.report();
        assertThat(report.failed()).isNull();
        assertThat(report.applied()).isEmpty();
        assertThat(report.error()).containsIgnoringCase("connect");
    }

    @Test
    void anUnknownCommandFails() {
        Run run = run("jdbc:postgresql://127.0.0.1:1/nowhere", "undo", "-outputType=json");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.report().error()).contains("undo");
    }

    @Test
    void infoAndValidateWork() throws Exception {
        String url = db.newDatabase();
        run(url, "migrate", "-outputType=json", "-locations=filesystem:" + resource("good"), "-target=2");

        Run info = run(url, "info", "-locations=filesystem:" + resource("good"));
        Run validate = run(url, "validate", "-outputType=json", "-locations=filesystem:" + resource("good"));

        assertThat(info.exitCode()).isZero();
        assertThat(info.output()).contains("Schema version: 2").contains("Pending");
        // validate counts the pending V3 as an error, as the real command does by default
        assertThat(validate.exitCode()).isEqualTo(1);
        assertThat(validate.output()).contains("\"validationSuccessful\" : false");
    }

    @Test
    void runsAsItsOwnProcessWithTheExitCodeOfTheMigration() throws Exception {
        String url = db.newDatabase();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), FlywayCli.class.getName(),
                "migrate", "-outputType=json", "-locations=filesystem:" + resource("bad")));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("FLYWAY_URL", url);
        pb.environment().put("FLYWAY_USER", TestDatabase.USER);
        pb.environment().put("FLYWAY_PASSWORD", TestDatabase.PASSWORD);

        Process process = pb.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(2, TimeUnit.MINUTES)).isTrue();

        assertThat(process.exitValue()).as(output).isEqualTo(1);
        assertThat(FlywayOutput.parse(output)).get().extracting(r -> r.failed().version()).isEqualTo("3");
    }
}
