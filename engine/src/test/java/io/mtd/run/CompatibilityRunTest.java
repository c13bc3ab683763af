package io.mtd.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.mtd.MigrateThenDeploy;
import io.mtd.RecordingListener;
import io.mtd.SandboxExtension;
import io.mtd.SandboxFixture;
import io.mtd.kube.Labels;
import io.mtd.migration.JobKind;
import io.mtd.plan.Compatibility;
import io.mtd.plan.Environment;
import io.mtd.plan.Migration;
import io.mtd.plan.Plan;
import io.mtd.plan.PostRollout;
import io.mtd.progress.Stage;
import io.mtd.progress.StageOutcome;
import io.mtd.promotion.ApprovalGate;
import io.mtd.report.CompatibilityReport;
import io.mtd.report.EnvironmentReport;
import io.mtd.report.ReportSummary;
import io.mtd.report.RunOutcome;
import io.mtd.report.RunReport;
import io.mtd.sandbox.Fault;
import io.mtd.sandbox.SandboxImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The compatibility check in whole runs: after each environment's migration and before its rollout, a Job from each image
 * its Deployments run now, under the migration's claim of the slot; after the post-rollout migration, one from the new
 * image. Each image is a directory of its own whose environment says its version ({@code VERSION}), so the check can
 * tell which version it runs as.
 */
@ExtendWith(SandboxExtension.class)
class CompatibilityRunTest {

    /** One sandbox cluster for the class's tests: {@link SandboxExtension} starts and closes it. */
    private static SandboxFixture cluster;

    private static final ApprovalGate APPROVE = r -> CompletableFuture.completedFuture(ApprovalGate.Decision.approved("alice"));

    @TempDir
    Path dir;

    /** Registers {@code repository:version} as its own image, whose containers see VERSION=version. */
    private void image(String repository, String version) throws IOException {
        Path image = Files.createDirectories(dir.resolve(repository + "-" + version));
        cluster.sandbox.kubelet().registerImage(repository + ":" + version, new SandboxImage(image, List.of(), Map.of("VERSION", version)));
    }

    /** A plan of {@code image} whose migration runs {@code migrate} and whose compatibility check runs {@code check}. */
    private static Plan plan(String image, String migrate, String check, PostRollout post, Environment... environments) {
        Migration m = Migration.builder().command("sh", "-c", migrate).timeout("2m").lock(new Migration.Lock("2s", "1m"))
                .postRollout(post).compatibility(new Compatibility(List.of("sh", "-c", check), "1m", Map.of("CHECKED_BY", "mtd")))
                .build();
        return new Plan("shop", image, null, m, null, List.of(environments));
    }

    private static RunReport run(Plan plan, RecordingListener events, String runId) {
        try (MigrateThenDeploy engine = cluster.builder(events, runId).approvals(APPROVE).build()) {
            return engine.start(plan).report().orTimeout(90, TimeUnit.SECONDS).join();
        }
    }

    private static Job job(String namespace, String name) {
        return cluster.client.batch().v1().jobs().inNamespace(namespace).withName(name).get();
    }

    private static String only(CompatibilityReport c) {
        assertThat(c.versions()).hasSize(1);
        return c.versions().get(0).job().job();
    }

    /**
     * Staging in namespace {@code ns}, its Deployment on {@code ns:1}, and a plan of {@code ns:2} whose check prints
     * started-check-VERSION and waits until {@code gate} exists.
     */
    private Plan gatedCheck(String ns, Path gate) throws IOException {
        image(ns, "1");
        image(ns, "2");
        cluster.deployment(ns, "web", ns + ":1");
        return plan(ns + ":2", "echo migrated", "echo started-check-$VERSION; while [ ! -f '" + gate + "' ]; do sleep 0.05; done;"
                + " echo checked-$VERSION", null, Environment.of("staging", ns, List.of("web")));
    }

    @Test
    void theRunningVersionFailingAgainstTheNewSchemaStopsStagingBeforeItsRolloutWithProductionUntouched() throws IOException {
        image("compat-a", "1");
        image("compat-a", "2");
        cluster.deployment("compat-a-staging", "web", "compat-a:1");
        cluster.deployment("compat-a-production", "web", "compat-a:1");
        RecordingListener events = new RecordingListener();
        Plan plan = plan("compat-a:2", "echo renamed customer to customer_name",
                "echo \"version $VERSION ($CHECKED_BY, $MTD_MIGRATION_PHASE)\"; [ \"$VERSION\" = 2 ] || { echo 'column customer does not exist'; exit 1; }",
                null, Environment.of("staging", "compat-a-staging", List.of("web")),
                Environment.of("production", "compat-a-production", List.of("web")));

        RunReport report = run(plan, events, "compat-a-run");

        assertThat(report.outcome()).as(report.failure()).isEqualTo(RunOutcome.INCOMPATIBLE);
        EnvironmentReport staging = report.environments().get(0);
        assertThat(staging.outcome()).isEqualTo(StageOutcome.FAILED);
        assertThat(staging.migration().outcome()).isEqualTo(StageOutcome.SUCCEEDED); // not undone
        assertThat(staging.rollout()).isNull();
        CompatibilityReport c = staging.compatibility();
        assertThat(c.outcome()).isEqualTo(StageOutcome.FAILED);
        assertThat(c.release()).isEqualTo("compat-a:2");
        assertThat(c.message()).startsWith("the running version compat-a:1 fails against the schema of release compat-a:2")
                .contains("column customer does not exist");
        CompatibilityReport.VersionCheck v = c.versions().get(0);
        assertThat(v.image()).isEqualTo("compat-a:1");
        assertThat(v.deployments()).containsExactly("web");
        assertThat(v.job().exitCode()).isEqualTo(1);
        assertThat(v.log()).contains("version 1 (mtd, compatibility)", "column customer does not exist");
        assertThat(report.failure()).startsWith("staging: compatibility check: the running version compat-a:1 fails")
                .contains("Nothing was rolled out here", "the migration is not undone", "Roll forward", "restore");
        assertThat(ReportSummary.render(report)).contains("    compatibility failed in ", ": compat-a:1 is incompatible\n");

        // the check ran from the running image, with the migration's settings, under the migration's holding of the lock
        Job check = job("compat-a-staging", v.job().job());
        assertThat(check.getSpec().getTemplate().getSpec().getContainers().get(0).getImage()).isEqualTo("compat-a:1");
        assertThat(check.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()).extracting(EnvVar::getName)
                .contains(JobKind.PHASE_VARIABLE, "CHECKED_BY");
        assertThat(check.getSpec().getActiveDeadlineSeconds()).isEqualTo(60L);
        Job migration = job("compat-a-staging", staging.migration().job());
        assertThat(check.getMetadata().getAnnotations()).containsEntry(Labels.ANNOTATION_LOCK_HOLDER, "compat-a-run")
                .containsEntry(Labels.ANNOTATION_LOCK_TRANSITIONS, migration.getMetadata().getAnnotations()
                        .get(Labels.ANNOTATION_LOCK_TRANSITIONS));
        assertThat(events.stages()).containsSubsequence("finished MIGRATION staging SUCCEEDED", "started COMPATIBILITY staging",
                "finished COMPATIBILITY staging FAILED").doesNotContain("started ROLLOUT staging", "started MIGRATION production");

        // nothing was rolled out anywhere, and production was not touched at all
        assertThat(cluster.deployedImage("compat-a-staging", "web")).isEqualTo("compat-a:1");
        assertThat(cluster.deployedImage("compat-a-production", "web")).isEqualTo("compat-a:1");
        assertThat(cluster.jobs("compat-a-production")).isEmpty();
        assertThat(report.environments().get(1).outcome()).isEqualTo(StageOutcome.NOT_REACHED);
    }

    @Test
    void eachDistinctRunningImageIsTriedOnceAndACompatibleReleaseRollsOutEverywhere() throws IOException {
        image("compat-b", "1");
        image("compat-b", "1w");
        image("compat-b", "2");
        cluster.deployment("compat-b-staging", "web", "compat-b:1");
        cluster.deployment("compat-b-staging", "api", "compat-b:1");
        cluster.deployment("compat-b-staging", "worker", "compat-b:1w");
        cluster.deployment("compat-b-production", "web", "compat-b:2"); // already on the release: nothing older serves
        RecordingListener events = new RecordingListener();
        Plan plan = plan("compat-b:2", "echo add nullable column", "echo \"version $VERSION works\"", null,
                Environment.of("staging", "compat-b-staging", List.of("web", "api", "worker")),
                Environment.of("production", "compat-b-production", List.of("web")));

        RunReport report = run(plan, events, "compat-b-run");

        assertThat(report.outcome()).as(report.failure()).isEqualTo(RunOutcome.SUCCEEDED);
        CompatibilityReport staging = report.environments().get(0).compatibility();
        assertThat(staging.outcome()).isEqualTo(StageOutcome.SUCCEEDED);
        assertThat(staging.versions()).extracting(CompatibilityReport.VersionCheck::image).containsExactly("compat-b:1", "compat-b:1w");
        assertThat(staging.versions().get(0).deployments()).containsExactly("web", "api");
        assertThat(staging.versions()).allSatisfy(v -> assertThat(v.job().outcome()).isEqualTo(StageOutcome.SUCCEEDED));
        assertThat(events.logLines()).contains("version 1 works", "version 1w works");
        CompatibilityReport production = report.environments().get(1).compatibility();
        assertThat(production.outcome()).isEqualTo(StageOutcome.SKIPPED);
        assertThat(production.message()).contains("already run the new image compat-b:2");
        assertThat(cluster.jobs("compat-b-production")).hasSize(1); // the migration only
        for (String d : List.of("web", "api", "worker")) {
            assertThat(cluster.deployedImage("compat-b-staging", d)).isEqualTo("compat-b:2");
        }
        assertThat(ReportSummary.render(report)).contains("    compatibility succeeded in ", ": 2 versions tried against the schema of compat-b:2\n",
                "    compatibility skipped: the Deployments already run the new image compat-b:2");
        assertThat(events.stages()).containsSubsequence("finished COMPATIBILITY staging SUCCEEDED", "finished COMPATIBILITY staging SUCCEEDED",
                "started ROLLOUT staging");
    }

    @Test
    void aFirstReleaseAndAnEnvironmentWithoutDeploymentsSkipTheCheckSayingWhy() {
        RecordingListener events = new RecordingListener();
        Plan plan = plan("compat-first:1", "echo create tables", "echo never; exit 1", null,
                Environment.of("staging", "compat-first", List.of("not-yet-created")),
                Environment.of("elsewhere", "compat-first-hook", List.of()));
        RunReport report;
        try (MigrateThenDeploy engine = cluster.builder(events, "compat-first").approvals(APPROVE).build()) {
            report = engine.startMigration(plan, "staging").report().orTimeout(90, TimeUnit.SECONDS).join();
        }
        assertThat(report.outcome()).as(report.failure()).isEqualTo(RunOutcome.SUCCEEDED);
        assertThat(report.environments().get(0).compatibility().outcome()).isEqualTo(StageOutcome.SKIPPED);
        assertThat(report.environments().get(0).compatibility().message()).contains("no Deployment of the environment exists yet");
        assertThat(events.text()).contains("COMPATIBILITY", "skipped: no Deployment of the environment exists yet (a first release)");

        RecordingListener other = new RecordingListener();
        try (MigrateThenDeploy engine = cluster.builder(other, "compat-first").approvals(APPROVE).build()) {
            report = engine.startMigration(plan, "elsewhere").report().orTimeout(90, TimeUnit.SECONDS).join();
        }
        assertThat(report.environments().get(0).compatibility().message()).contains("names no Deployments");
        assertThat(cluster.jobs("compat-first")).hasSize(1);
        assertThat(cluster.jobs("compat-first-hook")).hasSize(1);
    }

    @Test
    void afterThePostRolloutMigrationTheNewVersionIsTriedAndItsFailureStopsBeforeTheNextEnvironment() throws IOException {
        image("compat-c", "1");
        image("compat-c", "2");
        cluster.deployment("compat-c-staging", "web", "compat-c:1");
        cluster.deployment("compat-c-production", "web", "compat-c:1");
        Path dropped = dir.resolve("dropped");
        RecordingListener events = new RecordingListener();
        Plan plan = plan("compat-c:2", "echo expand",
                "echo \"version $VERSION\"; [ ! -f '" + dropped + "' ] || { echo 'column note does not exist'; exit 1; }",
                new PostRollout(null, List.of("sh", "-c", "echo dropping note; touch '" + dropped + "'"), null, null),
                Environment.of("staging", "compat-c-staging", List.of("web")),
                Environment.of("production", "compat-c-production", List.of("web")));

        RunReport report = run(plan, events, "compat-c-run");

        assertThat(report.outcome()).as(report.failure()).isEqualTo(RunOutcome.INCOMPATIBLE);
        EnvironmentReport staging = report.environments().get(0);
        assertThat(staging.compatibility().outcome()).isEqualTo(StageOutcome.SUCCEEDED); // the old version, before the contract
        assertThat(staging.rollout().outcome()).isEqualTo(StageOutcome.SUCCEEDED);
        assertThat(staging.postRollout().outcome()).isEqualTo(StageOutcome.SUCCEEDED);
        CompatibilityReport after = staging.postRolloutCompatibility();
        assertThat(after.outcome()).isEqualTo(StageOutcome.FAILED);
        assertThat(after.versions()).singleElement().satisfies(v -> {
            assertThat(v.image()).isEqualTo("compat-c:2");
            assertThat(v.log()).contains("version 2", "column note does not exist");
        });
        assertThat(after.message()).startsWith("the running version compat-c:2 fails against the schema of release compat-c:2"
                + " after its post-rollout migration");
        assertThat(report.failure()).contains("compatibility check after the post-rollout migration", "is rolled out and keeps serving",
                "the post-rollout migration is not undone");
        assertThat(staging.outcome()).isEqualTo(StageOutcome.SUCCEEDED); // rolled out: the run says what failed
        assertThat(cluster.deployedImage("compat-c-staging", "web")).isEqualTo("compat-c:2");
        assertThat(cluster.deployedImage("compat-c-production", "web")).isEqualTo("compat-c:1");
        assertThat(cluster.jobs("compat-c-production")).isEmpty();
        assertThat(ReportSummary.render(report)).contains("    post-rollout compatibility failed in ", ": compat-c:2 is incompatible\n");
        // the contract migration and the new version's check ran under one holding of the lock
        Job post = job("compat-c-staging", staging.postRollout().job());
        Job check = job("compat-c-staging", only(after));
        assertThat(check.getMetadata().getAnnotations().get(Labels.ANNOTATION_LOCK_TRANSITIONS))
                .isEqualTo(post.getMetadata().getAnnotations().get(Labels.ANNOTATION_LOCK_TRANSITIONS));
    }

    @Test
    void noOtherRunsMigrationComesBetweenAMigrationAndItsCheck() throws Exception {
        image("compat-d", "1");
        image("compat-d", "2");
        image("compat-d", "3");
        String ns = "compat-d";
        cluster.deployment(ns, "web", "compat-d:1");
        Path gate = dir.resolve("gate");
        Path other = dir.resolve("other-migrated");
        RecordingListener a = new RecordingListener();
        RecordingListener b = new RecordingListener();
        try (MigrateThenDeploy ea = cluster.builder(a, "run-a").approvals(APPROVE).build();
                MigrateThenDeploy eb = cluster.builder(b, "run-b").approvals(APPROVE).build()) {
            MigrateThenDeploy.Run runA = ea.start(plan("compat-d:2",
                    "echo started-a; while [ ! -f '" + gate + "' ]; do sleep 0.05; done; echo done-a",
                    "[ ! -f '" + other + "' ] || { echo 'another migration ran before this check'; exit 1; }", null,
                    Environment.of("staging", ns, List.of("web"))));
            await().atMost(20, TimeUnit.SECONDS).until(() -> a.logLines().contains("started-a"));
            MigrateThenDeploy.Run runB = eb.start(plan("compat-d:3", "touch '" + other + "'; echo migrated-b", "true", null,
                    Environment.of("staging", ns, List.of("web"))));
            await().atMost(20, TimeUnit.SECONDS).untilAsserted(() -> assertThat(b.text()).contains("waiting for"));
            Files.createFile(gate);
            RunReport reportA = runA.report().get(60, TimeUnit.SECONDS);
            RunReport reportB = runB.report().get(60, TimeUnit.SECONDS);
            assertThat(reportA.outcome()).as(reportA.failure()).isEqualTo(RunOutcome.SUCCEEDED);
            assertThat(reportA.environments().get(0).compatibility().outcome()).isEqualTo(StageOutcome.SUCCEEDED);
            assertThat(reportB.outcome()).as(reportB.failure()).isEqualTo(RunOutcome.SUCCEEDED);
        }
        assertThat(cluster.sandbox.kubelet().maxConcurrentMigrations("shop", "staging")).isEqualTo(1);
    }

    @Test
    void aCancelDuringTheCheckDeletesItsJobRollsNothingOutAndFreesTheSlot() throws Exception {
        String ns = "compat-e";
        Path gate = dir.resolve("gate");
        Plan plan = gatedCheck(ns, gate);
        RecordingListener a = new RecordingListener();
        String checkJob;
        try (MigrateThenDeploy engine = cluster.builder(a, "run-cancelled").approvals(APPROVE).build()) {
            MigrateThenDeploy.Run run = engine.start(plan);
            await().atMost(30, TimeUnit.SECONDS).until(() -> a.logLines().contains("started-check-1"));
            run.cancel("aborted by the user");
            RunReport report = run.report().get(30, TimeUnit.SECONDS);
            assertThat(report.outcome()).isEqualTo(RunOutcome.CANCELLED);
            CompatibilityReport c = report.environments().get(0).compatibility();
            assertThat(c.outcome()).isEqualTo(StageOutcome.CANCELLED);
            assertThat(c.versions().get(0).job().message()).contains("was deleted");
            assertThat(report.environments().get(0).rollout()).isNull();
            checkJob = only(c);
        }
        // the check's Job is gone (only the finished migration's is left), nothing was rolled out
        await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> assertThat(job(ns, checkJob)).isNull());
        assertThat(cluster.jobs(ns)).hasSize(1);
        assertThat(cluster.deployedImage(ns, "web")).isEqualTo(ns + ":1");

        // the slot is free: the next run neither waits for a Job nor for the lock's expiry
        Files.createFile(gate);
        RecordingListener b = new RecordingListener();
        RunReport again = run(plan, b, "run-after-cancel");
        assertThat(again.outcome()).as(again.failure()).isEqualTo(RunOutcome.SUCCEEDED);
        assertThat(b.text()).doesNotContain("waiting for the migration Job", "took over the migration lock");
        // a command migration runs again (only the database, not the earlier Job's record, says it is done)
        assertThat(again.environments().get(0).migration().outcome()).isEqualTo(StageOutcome.SUCCEEDED);
        assertThat(cluster.deployedImage(ns, "web")).isEqualTo(ns + ":2");
    }

    @Test
    void aKilledRunsCheckEndsOnItsOwnRollsNothingOutAndTheNextRunWaitsForIt() throws Exception {
        String ns = "compat-k";
        Path gate = dir.resolve("gate");
        Plan plan = gatedCheck(ns, gate);
        RecordingListener a = new RecordingListener();
        MigrateThenDeploy killed = cluster.builder(a, "run-killed").approvals(APPROVE).build();
        killed.start(plan);
        await().atMost(30, TimeUnit.SECONDS).until(() -> a.logLines().contains("started-check-1"));
        // the process dies: nothing is cancelled or released, nobody renews the lease
        killed.close();
        List<String> left = cluster.jobs(ns).stream().map(j -> j.getMetadata().getName()).toList();
        assertThat(left).hasSize(2); // the migration's and the running check's

        RecordingListener b = new RecordingListener();
        try (MigrateThenDeploy engine = cluster.builder(b, "run-next").approvals(APPROVE).build()) {
            MigrateThenDeploy.Run run = engine.start(plan);
            await().atMost(20, TimeUnit.SECONDS).untilAsserted(() -> assertThat(b.text()).contains("waiting for the migration Job"));
            assertThat(cluster.deployedImage(ns, "web")).isEqualTo(ns + ":1");
            Files.createFile(gate);
            RunReport report = run.report().get(60, TimeUnit.SECONDS);
            assertThat(report.outcome()).as(report.failure()).isEqualTo(RunOutcome.SUCCEEDED);
            // the waiting run saw the killed run's check end, then ran its own
            assertThat(b.logLines()).containsSubsequence("checked-1", "started-check-1", "checked-1");
        }
        assertThat(cluster.sandbox.kubelet().maxConcurrentMigrations("shop", "staging")).isEqualTo(1);
        assertThat(cluster.jobs(ns)).filteredOn(j -> left.contains(j.getMetadata().getName()))
                .allSatisfy(j -> assertThat(j.getStatus().getSucceeded()).isEqualTo(1));
        assertThat(cluster.deployedImage(ns, "web")).isEqualTo(ns + ":2");
    }

    @Test
    void aCheckWhoseImageCannotBePulledIsDeletedBeforeItStartsAndNothingRollsOut() {
        String ns = "compat-f";
        cluster.deployment(ns, "web", "compat-gone:1");
        // the running version's image is gone from the registry since its Pods started
        cluster.sandbox.kubelet().injectFault("compat-gone", Fault.IMAGE_PULL_BACKOFF);
        RunReport report = run(plan("compat-f:2", "echo migrated", "echo checked", null,
                Environment.of("staging", ns, List.of("web"))), new RecordingListener(), "compat-f-run");

        assertThat(report.outcome()).as(report.failure()).isEqualTo(RunOutcome.INFRASTRUCTURE);
        CompatibilityReport c = report.environments().get(0).compatibility();
        assertThat(c.outcome()).isEqualTo(StageOutcome.FAILED);
        assertThat(c.message()).contains("the check of the running version compat-gone:1").contains("did not complete");
        assertThat(c.versions().get(0).job().message()).contains("deleted before its container started");
        assertThat(cluster.jobs(ns)).hasSize(1); // the migration's; the check's was deleted
        assertThat(cluster.deployedImage(ns, "web")).isEqualTo("compat-gone:1");
        assertThat(report.failure()).contains("run again once the check can run");
    }

    @Test
    void aCheckThatOutlivesItsTimeoutIsATimeoutNotAVerdictAndNothingRollsOut() throws IOException {
        image("compat-t", "1");
        String ns = "compat-t";
        cluster.deployment(ns, "web", "compat-t:1");
        Migration m = Migration.builder().command("sh", "-c", "echo migrated").timeout("2m")
                .compatibility(new Compatibility(List.of("sh", "-c", "echo checking; sleep 60"), "1s", null)).build();
        RunReport report = run(new Plan("shop", "compat-t:2", null, m, null, List.of(Environment.of("staging", ns, List.of("web")))),
                new RecordingListener(), "compat-t-run");

        assertThat(report.outcome()).as(report.failure()).isEqualTo(RunOutcome.TIMED_OUT);
        CompatibilityReport c = report.environments().get(0).compatibility();
        assertThat(c.outcome()).isEqualTo(StageOutcome.TIMED_OUT);
        assertThat(c.message()).contains("did not complete").doesNotContain("fails against");
        assertThat(report.failure()).contains("run again once the check can run");
        assertThat(cluster.deployedImage(ns, "web")).isEqualTo("compat-t:1");
    }
}
