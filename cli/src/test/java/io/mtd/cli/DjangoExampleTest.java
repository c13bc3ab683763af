package io.mtd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

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
                "already migrated for this image", "approved by the demo itself");
        // the SQL Django's sqlmigrate printed was read whole (foreign keys included) and is expand-only
        assertThat(text).contains("code rollback safe").doesNotContain("not-checked");
        // the version serving tried every model against the new schema before each rollout; on the rerun it is the release
        assertThat(text.lines().filter(l -> l.contains("| compatible: 2 model(s) read, inserted and updated; nothing was kept"))).hasSize(2);
        assertThat(text).contains("compatibility: skipped: the Deployments already run the new image registry.example.com/orders:1.0.0");
    }

    @Test
    void theDjangoProjectIsComplete() throws Exception {
        Path example = Path.of("..", "examples", "django");
        assertThat(Files.readString(example.resolve("orders/migrations/0002_seed_statuses.py"))).contains("RunPython");
        assertThat(Files.readString(example.resolve("orders/migrations/0001_initial.py"))).contains("CreateModel");
        assertThat(Files.readString(example.resolve("mtd.yaml"))).contains("python3, manage.py, migrate");
    }
}
