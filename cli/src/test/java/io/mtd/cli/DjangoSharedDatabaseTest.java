package io.mtd.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.mtd.plan.Plan;
import io.mtd.progress.ProgressListener;
import io.mtd.report.RunOutcome;
import io.mtd.report.RunReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 27 with the real Django example: a web service ({@code app: shop}) and a worker ({@code app: shop-worker}) in one
 * namespace, with the same migration command and the same database Secret, migrate one PostgreSQL database. Django takes
 * no lock of its own, so only the shared slot keeps its migrations (the data migration 0002_seed_statuses among them)
 * from being applied twice: at the same moment, one after the other, and with one run cancelled while it waits. Each
 * test asserts on the database itself. Skipped, saying why, where Python with Django and psycopg2 is missing.
 */
class DjangoSharedDatabaseTest {

    @TempDir
    static Path versions;

    @TempDir
    Path dir;

    private static DjangoReleases releases;

    @BeforeAll
    static void start() {
        releases = DjangoReleases.startOrSkip(versions, "the Django shared-database test");
    }

    @AfterAll
    static void stop() {
        if (releases != null) {
            releases.close();
        }
    }

    @Test
    void twoAppsStartedAtTheSameMomentApplyDjangosMigrationsOnce() {
        String ns = "shared-at-once";
        String database = releases.freshDatabase(ns);
        try (DjangoReleases.Started web = releases.start(releases.plan("shop", ns, UnaryOperator.identity()), "run-web", ProgressListener.NONE);
                DjangoReleases.Started worker = releases.start(releases.plan("shop-worker", ns, UnaryOperator.identity()),
                        "run-worker", ProgressListener.NONE)) {
            assertSucceeded(web);
            assertSucceeded(worker);
            // one applied everything, the other found nothing left to apply: which one is the race's to decide
            assertThat(List.of(web.log(), worker.log())).filteredOn(l -> l.contains("Applying orders.0002_seed_statuses... OK"))
                    .hasSize(1);
            assertThat(List.of(web.log(), worker.log())).filteredOn(l -> l.contains("No migrations to apply.")).hasSize(1);
        }
        assertAppliedOnce(database);
        assertThat(releases.maxConcurrentMigrationsIn(ns)).isEqualTo(1);
    }

    @Test
    void twoAppsOneAfterTheOtherApplyDjangosMigrationsOnce() {
        String ns = "shared-in-turn";
        String database = releases.freshDatabase(ns);
        try (DjangoReleases.Started web = releases.start(releases.plan("shop", ns, UnaryOperator.identity()), "run-web", ProgressListener.NONE)) {
            assertSucceeded(web);
            assertThat(web.log()).contains("Applying orders.0002_seed_statuses... OK");
        }
        try (DjangoReleases.Started worker = releases.start(releases.plan("shop-worker", ns, UnaryOperator.identity()), "run-worker",
                ProgressListener.NONE)) {
            assertSucceeded(worker);
            assertThat(worker.log()).contains("No migrations to apply.").doesNotContain("Applying orders.");
        }
        assertAppliedOnce(database);
    }

    @Test
    void aRunCancelledWhileTheOtherAppHoldsTheSlotAppliesNothingAndTheOtherAppliesOnce() throws Exception {
        String ns = "shared-cancelled";
        String database = releases.freshDatabase(ns);
        Path gate = dir.resolve("gate");
        // the web's migration holds the slot until the test opens the gate, so that the worker's run is seen waiting
        UnaryOperator<io.mtd.plan.Migration.Builder> gated = m -> m.command(List.of("sh", "-c",
                "while [ ! -f '" + gate + "' ]; do sleep 0.05; done; exec python3 manage.py migrate --noinput"));
        try (DjangoReleases.Started web = releases.start(releases.plan("shop", ns, gated), "run-web", ProgressListener.NONE)) {
            await().atMost(60, TimeUnit.SECONDS).until(() -> releases.jobs(ns) == 1);
            try (DjangoReleases.Started worker = releases.start(releases.plan("shop-worker", ns, UnaryOperator.identity()),
                    "run-worker", ProgressListener.NONE)) {
                await().atMost(60, TimeUnit.SECONDS).untilAsserted(() -> assertThat(worker.log())
                        .contains("waiting for the migration lock", "held by run-web of app shop"));
                worker.run().cancel("cancelled by the test");
                RunReport cancelled = worker.run().report().get(60, TimeUnit.SECONDS);
                assertThat(cancelled.outcome()).as(worker.log()).isNotEqualTo(RunOutcome.SUCCEEDED);
                assertThat(worker.log()).doesNotContain("Applying orders.", "No migrations to apply.");
            }
            assertThat(releases.jobs(ns)).as("the cancelled run created no Job").isEqualTo(1);
            Files.createFile(gate);
            assertSucceeded(web);
            assertThat(web.log()).contains("Applying orders.0002_seed_statuses... OK");
        }
        assertAppliedOnce(database);
        assertThat(releases.maxConcurrentMigrationsIn(ns)).isEqualTo(1);
    }

    private static void assertSucceeded(DjangoReleases.Started started) {
        RunReport report = started.run().report().orTimeout(3, TimeUnit.MINUTES).join();
        assertThat(report.outcome()).as(started.log()).isEqualTo(RunOutcome.SUCCEEDED);
    }

    /** One row per migration in django_migrations, and the statuses 0002_seed_statuses inserts, once each. */
    private static void assertAppliedOnce(String database) {
        assertThat(releases.query(database, "select app || '.' || name from django_migrations order by id"))
                .containsExactly("orders.0001_initial", "orders.0002_seed_statuses");
        assertThat(releases.query(database, "select code from orders_orderstatus order by id")).containsExactly("new", "paid", "shipped");
    }
}
