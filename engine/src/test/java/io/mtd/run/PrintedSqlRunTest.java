package io.mtd.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtd.MigrateThenDeploy;
import io.mtd.RecordingListener;
import io.mtd.SandboxExtension;
import io.mtd.SandboxFixture;
import io.mtd.lint.Finding;
import io.mtd.migration.MigrationJob;
import io.mtd.plan.Environment;
import io.mtd.plan.Lint;
import io.mtd.plan.Migration;
import io.mtd.plan.Plan;
import io.mtd.progress.StageOutcome;
import io.mtd.report.RunOutcome;
import io.mtd.report.RunReport;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A command migration (Django) whose SQL is printed by a short Job from the same image (here: what {@code manage.py
 * sqlmigrate} prints) and checked before the migration Job runs.
 */
@ExtendWith(SandboxExtension.class)
class PrintedSqlRunTest {

    /** One sandbox cluster for the class's tests: {@link SandboxExtension} starts and closes it. */
    private static SandboxFixture cluster;

    /** Django's sqlmigrate output for a migration that removes a field. */
    private static final String DROP_FAX = """
            BEGIN;
            --
            -- Remove field fax from customer
            --
            ALTER TABLE "shop_customer" DROP COLUMN "fax" CASCADE;
            COMMIT;
            """;

    /** Django's sqlmigrate output for a migration that adds a nullable field and an index. */
    private static final String ADD_PHONE = """
            BEGIN;
            SET lock_timeout = '5s';
            --
            -- Add field phone to customer
            --
            ALTER TABLE "shop_customer" ADD COLUMN "phone" varchar(20) NULL;
            COMMIT;
            """;

    private static Plan plan(String namespace, String printed) {
        String print = "cat <<'SQL'\n" + printed + "SQL\n";
        // the re-runs here are about the printing: the migration itself is skipped on its Job's record
        Migration m = Migration.builder().command("sh", "-c", "echo migrating").timeout("2m").skipWhenSucceeded(true)
                .lint(new Lint(List.of("sh", "-c", print), null)).build();
        return new Plan("shop", "shop:1", null, m, null, List.of(Environment.of("staging", namespace, List.of())));
    }

    private static RunReport run(Plan plan, RecordingListener events) {
        try (MigrateThenDeploy engine = cluster.engine(events, "printed-" + plan.environments().get(0).namespace())) {
            return engine.start(plan).report().orTimeout(90, TimeUnit.SECONDS).join();
        }
    }

    private static List<String> jobs(String namespace) {
        return cluster.jobs(namespace).stream().map(j -> j.getMetadata().getName()).toList();
    }

    @Test
    void anUnsafeChangeInThePrintedSqlStopsTheRunBeforeTheMigrationJob() {
        RecordingListener events = new RecordingListener();
        RunReport report = run(plan("printed-unsafe", DROP_FAX), events);

        assertThat(report.outcome()).isEqualTo(RunOutcome.VETOED);
        assertThat(report.failure()).contains("ban-drop-column").contains("migration.lint.sqlCommand output:5")
                .contains("nothing was migrated");
        assertThat(report.environments().get(0).migration()).isNull();
        assertThat(jobs("printed-unsafe")).singleElement().asString().contains("migrate"); // the printing Job only
        assertThat(events.text()).doesNotContain("line=migrating"); // the migration command never ran
        assertThat(report.lint().findings()).extracting(Finding::rule).contains("ban-drop-column");
    }

    @Test
    void aSafePrintedMigrationIsCheckedThenRuns() {
        RunReport report = run(plan("printed-safe", ADD_PHONE), new RecordingListener());

        assertThat(report.outcome()).as(String.valueOf(report.failure())).isEqualTo(RunOutcome.SUCCEEDED);
        assertThat(report.environments().get(0).migration().outcome()).isEqualTo(StageOutcome.SUCCEEDED);
        assertThat(report.lint().statements()).isEqualTo(4);
        assertThat(report.lint().findings()).isEmpty();
        assertThat(report.lint().notChecked()).isEmpty();
        assertThat(jobs("printed-safe")).hasSize(2);
    }

    @Test
    void thePrintedSqlAndTheMigrationRunUnderOneHoldingOfTheLockSoNoOtherRunComesBetween() throws Exception {
        String ns = "printed-one-claim";
        Migration slowPrint = Migration.builder().command("sh", "-c", "echo migrating-a").timeout("2m")
                .lint(new Lint(List.of("sh", "-c", "sleep 1; cat <<'SQL'\n" + ADD_PHONE + "SQL\n"), null)).build();
        Plan a = new Plan("shop", "shop:a", null, slowPrint, null, List.of(Environment.of("staging", ns, List.of())));
        Plan b = new Plan("shop", "shop:b", null, Migration.builder().command("sh", "-c", "echo migrating-b").timeout("2m").build(),
                null, List.of(Environment.of("staging", ns, List.of())));
        String aMigration = MigrationJob.nameFor("shop", "staging", "shop:a");
        java.util.concurrent.atomic.AtomicReference<Boolean> aMigratedFirst = new java.util.concurrent.atomic.AtomicReference<>();
        RecordingListener bEvents = new RecordingListener();
        io.mtd.progress.ProgressListener b2 = e -> {
            bEvents.on(e);
            if (e instanceof io.mtd.progress.ProgressEvent.Note n && n.message().startsWith("created Job")) {
                aMigratedFirst.compareAndSet(null, cluster.client.batch().v1().jobs().inNamespace(ns).withName(aMigration).get() != null);
            }
        };
        try (MigrateThenDeploy ea = cluster.engine(new RecordingListener(), "printed-a");
                MigrateThenDeploy eb = cluster.builder(bEvents, "printed-b").listener(b2).build()) {
            MigrateThenDeploy.Run runA = ea.start(a);
            org.awaitility.Awaitility.await().atMost(30, TimeUnit.SECONDS).until(() -> !jobs(ns).isEmpty()); // A prints
            MigrateThenDeploy.Run runB = eb.start(b);

            assertThat(runA.report().get(90, TimeUnit.SECONDS).outcome()).isEqualTo(RunOutcome.SUCCEEDED);
            assertThat(runB.report().get(90, TimeUnit.SECONDS).outcome()).isEqualTo(RunOutcome.SUCCEEDED);
        }
        assertThat(bEvents.text()).contains("held by printed-a");
        assertThat(aMigratedFirst.get()).as("the other run's Job came after both of A's, not between them").isTrue();
        assertThat(jobs(ns)).hasSize(3);
    }

    @Test
    void thePrintingIsAnnouncedAsTheCheckItIsAndAReRunReadsItsLogAgainInsteadOfPrintingAnew() {
        RecordingListener first = new RecordingListener();
        RunReport report = run(plan("printed-again", ADD_PHONE), first);
        assertThat(report.outcome()).as(String.valueOf(report.failure())).isEqualTo(RunOutcome.SUCCEEDED);
        assertThat(first.stages()).containsSubsequence("started LINT staging", "finished LINT staging SUCCEEDED",
                "started MIGRATION staging", "finished MIGRATION staging SUCCEEDED");
        assertThat(first.stages()).filteredOn(s -> s.startsWith("started MIGRATION")).hasSize(1);
        assertThat(first.started(io.mtd.progress.Stage.LINT).detail()).startsWith("printing the SQL of the migrations not applied yet: Job ");
        assertThat(first.finished(io.mtd.progress.Stage.LINT).detail()).startsWith("printed ").contains(" line(s) in ");
        // one run, one holding of the lock for both Jobs: it never waits for itself
        assertThat(first.text()).doesNotContain("waiting for the migration lock");

        RecordingListener again = new RecordingListener();
        RunReport second = run(plan("printed-again", ADD_PHONE), again);

        assertThat(second.outcome()).as(String.valueOf(second.failure())).isEqualTo(RunOutcome.SUCCEEDED);
        assertThat(jobs("printed-again")).as("no new printing Job").hasSize(2);
        assertThat(again.finished(io.mtd.progress.Stage.LINT).outcome()).isEqualTo(StageOutcome.SKIPPED);
        assertThat(again.finished(io.mtd.progress.Stage.LINT).detail()).contains("printed before for this image by Job")
                .contains("its log is read again");
        assertThat(again.logLines()).anySatisfy(l -> assertThat(l).contains("ADD COLUMN \"phone\""));
        assertThat(second.lint().statements()).as("the same SQL checked again").isEqualTo(report.lint().statements());
        assertThat(second.environments().get(0).migration().outcome()).isEqualTo(StageOutcome.SKIPPED);
    }

    @Test
    void aPrintingWhoseLogIsGoneIsRunAgain() {
        assertThat(run(plan("printed-gone", ADD_PHONE), new RecordingListener()).outcome()).isEqualTo(RunOutcome.SUCCEEDED);
        String printing = jobs("printed-gone").stream().filter(n -> !n.equals(MigrationJob.nameFor("shop", "staging", "shop:1")))
                .findFirst().orElseThrow();
        cluster.client.pods().inNamespace("printed-gone").withLabel("job-name", printing).delete();
        org.awaitility.Awaitility.await().atMost(20, TimeUnit.SECONDS)
                .until(() -> cluster.client.pods().inNamespace("printed-gone").withLabel("job-name", printing).list().getItems().isEmpty());

        RecordingListener events = new RecordingListener();
        RunReport again = run(plan("printed-gone", ADD_PHONE), events);

        assertThat(again.outcome()).as(String.valueOf(again.failure())).isEqualTo(RunOutcome.SUCCEEDED);
        assertThat(events.text()).contains("its Pod's log is gone: printing it again");
        assertThat(again.lint().statements()).isEqualTo(4);
        assertThat(jobs("printed-gone")).contains(printing).hasSize(2);
    }
}
