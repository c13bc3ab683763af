package io.mtd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtd.progress.StageOutcome;
import io.mtd.report.MigrationReport;
import io.mtd.report.ReportJson;
import io.mtd.report.RunReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Django example, for real: Django's migrate (a schema and a data migration) runs once per environment against
 * PostgreSQL, and the second run of the same plan applies nothing. Runs where Python 3 with Django and psycopg2 is
 * installed (.ci/run installs them) and is skipped, saying why, elsewhere.
 */
class DjangoExampleTest {

    @RegisterExtension
    final ConsoleCapture console = new ConsoleCapture();

    @Test
    void theDjangoExampleMigratesEachEnvironmentOnceAndTheRerunAppliesNothing() {
        Optional<Path> python = DjangoPython.find();
        Assumptions.assumeTrue(python.isPresent(), "no Python with Django and psycopg2 among " + DjangoPython.candidates()
                .stream().map(Path::toString).collect(Collectors.joining(", ")) + ": " + DjangoPython.INSTALL
                + " to run the Django example's test");
        Path example = Path.of("..", "examples", "django");
        assertThat(example.resolve("manage.py")).exists();
        int code = Mtd.execute("demo", "--example", example.toString());
        String text = console.out();
        assertThat(code).as(text + console.err()).isZero();
        assertThat(text.lines().filter(l -> l.contains("Applying orders.0002_seed_statuses... OK"))).hasSize(2);
        assertThat(text.lines().filter(l -> l.contains("Applying orders.0001_initial... OK"))).hasSize(2);
        assertThat(text).contains("Database orders_staging: orders.0001_initial, orders.0002_seed_statuses",
                "Database orders_production: orders.0001_initial, orders.0002_seed_statuses",
                "approved by the demo itself");
        // the SQL Django's sqlmigrate printed was read whole (foreign keys included) and is expand-only
        assertThat(text).contains("code rollback safe").doesNotContain("not-checked");
        // the version serving tried every model against the new schema before each rollout; on the rerun it is the release
        assertThat(text.lines().filter(l -> l.contains("| compatible: 2 model(s) read, inserted and updated; nothing was kept"))).hasSize(2);
        assertThat(text).contains("compatibility: skipped: the Deployments already run the new image registry.example.com/orders:1.0.0");
        // the summary says what each environment's migration applied, read from Django's own lines, and the re-run that
        // applied nothing reads so
        String first = text.substring(text.indexOf("Summary: "), text.indexOf("Running the same plan again"));
        assertThat(first.lines().filter(l -> l.contains("migration  succeeded in ")
                && l.endsWith(": applied orders.0001_initial, orders.0002_seed_statuses"))).hasSize(2);
        assertThat(first).contains("    approval   succeeded in ", ": Approved by the demo itself");
        String again = text.substring(text.lastIndexOf("Summary: "));
        // the re-run asked the database (Django's migrate is idempotent) instead of trusting the first run's Job record
        assertThat(again.lines().filter(l -> l.contains("ran again: a command migration is idempotent"))).hasSize(2);
        assertThat(text.substring(text.indexOf("Running the same plan again")).lines()
                .filter(l -> l.contains("No migrations to apply."))).hasSize(2);
        assertThat(again).doesNotContain("Applying orders.");
    }

    /**
     * A Django migration that fails (a table that already exists) fails the run with the migration's exit code first, the
     * reason once, and the end of Django's traceback in the summary and in the JSON report, which also lists the
     * migrations Django applied before the one that failed.
     */
    @Test
    void aFailingDjangoMigrationIsExplainedWithTheEndOfItsLogInTheSummaryAndTheReport(@TempDir Path dir) throws Exception {
        Optional<Path> python = DjangoPython.find();
        Assumptions.assumeTrue(python.isPresent(), "no Python with Django and psycopg2: " + DjangoPython.INSTALL);
        Path example = dir.resolve("django");
        copy(Path.of("..", "examples", "django"), example);
        Files.writeString(example.resolve("orders/migrations/0003_duplicate_orders.py"), """
                from django.db import migrations


                class Migration(migrations.Migration):

                    dependencies = [("orders", "0002_seed_statuses")]

                    operations = [migrations.RunSQL("CREATE TABLE orders_order (id bigint)")]
                """);
        Path report = dir.resolve("report.json");

        int code = Mtd.execute("demo", "--example", example.toString(), "--report", report.toString());

        String text = console.out();
        assertThat(code).as(text + console.err()).isEqualTo(ExitCode.MIGRATION_FAILED);
        String summary = text.substring(text.indexOf("Summary: "));
        assertThat(summary).contains("Summary: orders migration failed in ",
                "  staging      failed",
                "    migration  failed in ", ": the migration exited with code 1 (BackoffLimitExceeded)",
                "applied before it failed: orders.0001_initial, orders.0002_seed_statuses",
                "lines of its log:",
                "| django.db.utils.ProgrammingError: relation \"orders_order\" already exists\n",
                "  production   not reached (nothing was changed)");
        assertThat(summary.split("BackoffLimitExceeded", -1)).as("the reason, once").hasSize(2);
        assertThat(summary).doesNotContain("see its log above", "failure      ");
        // the console says how the Pod ended after its last log line, not before it
        String log = text.substring(0, text.indexOf("Summary: "));
        assertThat(log.lastIndexOf("Failed: Error: the migration exited with code 1"))
                .isGreaterThan(log.lastIndexOf("ProgrammingError: relation"));

        RunReport written = ReportJson.read(Files.readString(report));
        MigrationReport staging = written.environments().get(0).migration();
        assertThat(staging.message()).isEqualTo("the migration exited with code 1");
        assertThat(staging.reason()).isEqualTo("BackoffLimitExceeded");
        assertThat(staging.applied()).containsExactly("orders.0001_initial", "orders.0002_seed_statuses");
        assertThat(staging.logTail()).hasSizeLessThanOrEqualTo(20)
                .endsWith("django.db.utils.ProgrammingError: relation \"orders_order\" already exists");
        assertThat(written.environments().get(1).outcome()).isEqualTo(StageOutcome.NOT_REACHED);
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.filter(f -> !f.toString().contains("__pycache__")).toList()) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target);
                }
            }
        }
    }

    @Test
    void theDjangoProjectIsComplete() throws Exception {
        Path example = Path.of("..", "examples", "django");
        assertThat(Files.readString(example.resolve("orders/migrations/0002_seed_statuses.py"))).contains("RunPython");
        assertThat(Files.readString(example.resolve("orders/migrations/0001_initial.py"))).contains("CreateModel");
        assertThat(Files.readString(example.resolve("mtd.yaml"))).contains("python3, manage.py, migrate");
    }
}
