package io.mtd.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtd.MigrateThenDeploy;
import io.mtd.RecordingListener;
import io.mtd.SandboxExtension;
import io.mtd.SandboxFixture;
import io.mtd.image.ImageResolver;
import io.mtd.image.ImageStage;
import io.mtd.plan.Environment;
import io.mtd.plan.Flyway;
import io.mtd.plan.Migration;
import io.mtd.plan.Plan;
import io.mtd.plan.Rollout;
import io.mtd.progress.Stage;
import io.mtd.progress.StageOutcome;
import io.mtd.promotion.ApprovalGate;
import io.mtd.report.ImageReport;
import io.mtd.report.RunOutcome;
import io.mtd.report.RunReport;
import io.mtd.rollout.RolloutCallback;
import io.mtd.sandbox.Fault;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Staging then production: each environment's rollout gated behind its migration, the next behind both. */
@ExtendWith(SandboxExtension.class)
class PromotionTest {

    /** One sandbox cluster for the class's tests: {@link SandboxExtension} starts and closes it. */
    private static SandboxFixture cluster;

    /** Two environments "{prefix}-staging" and "{prefix}-production" (approval on production), each with Deployment web. */
    private static Plan plan(String prefix, String image, String script, Rollout rollout) {
        cluster.deployment(prefix + "-staging", "web", "shop:old");
        cluster.deployment(prefix + "-production", "web", "shop:old");
        return new Plan("shop", image, null, Migration.ofCommand(List.of("sh", "-c", script)), rollout, List.of(
                Environment.of("staging", prefix + "-staging", List.of("web")),
                new Environment("production", null, null, null, null, prefix + "-production", List.of("web"), null, true, null)));
    }

    private static RunReport run(Plan plan, ApprovalGate approvals, RolloutCallback callback, RecordingListener events) {
        return run(plan, cluster.builder(events, "promotion-test").approvals(approvals).rolloutCallback(callback));
    }

    private static RunReport run(Plan plan, MigrateThenDeploy.Builder builder) {
        try (MigrateThenDeploy engine = builder.build()) {
            return engine.start(plan).report().orTimeout(90, TimeUnit.SECONDS).join();
        }
    }

    private static final ApprovalGate APPROVE = r -> CompletableFuture.completedFuture(ApprovalGate.Decision.approved("alice"));

    private static int jobs(String namespace) {
        return cluster.jobs(namespace).size();
    }

    private static long generation(String namespace) {
        return cluster.client.apps().deployments().inNamespace(namespace).withName("web").get().getMetadata().getGeneration();
    }

    @Test
    void twoEnvironmentsSucceedInOrderAndAReRunChangesNothing() {
        Plan plan = SandboxFixture.trustingJobRecord(plan("ok", "shop:2", "echo migrated", null));
        RecordingListener events = new RecordingListener();
        RunReport report = run(plan, APPROVE, null, events);

        assertThat(report.outcome()).as(String.valueOf(report.failure())).isEqualTo(RunOutcome.SUCCEEDED);
        assertThat(cluster.deployedImage("ok-staging", "web")).isEqualTo("shop:2");
        assertThat(cluster.deployedImage("ok-production", "web")).isEqualTo("shop:2");
        var staging = report.environments().get(0);
        assertThat(staging.rollout().outcome()).isEqualTo(StageOutcome.SUCCEEDED);
        assertThat(staging.rollout().deployments().get(0).revisionBefore()).isEqualTo(1L);
        assertThat(staging.rollout().deployments().get(0).revisionAfter()).isEqualTo(2L);
        assertThat(report.environments().get(1).approval().by()).isEqualTo("alice");
        String log = events.text();
        assertThat(log.indexOf("StageFinished[stage=ROLLOUT, environment=staging"))
                .isLessThan(log.indexOf("StageStarted[stage=APPROVAL, environment=production"));

        long stagingGeneration = generation("ok-staging");
        long productionGeneration = generation("ok-production");
        RunReport again = run(plan, APPROVE, null, new RecordingListener());
        assertThat(again.outcome()).isEqualTo(RunOutcome.SUCCEEDED);
        assertThat(again.environments()).allSatisfy(e -> {
            assertThat(e.migration().outcome()).isEqualTo(StageOutcome.SKIPPED);
            assertThat(e.rollout().deployments()).allSatisfy(d -> assertThat(d.unchanged()).isTrue());
        });
        assertThat(generation("ok-staging")).isEqualTo(stagingGeneration);
        assertThat(generation("ok-production")).isEqualTo(productionGeneration);
        assertThat(jobs("ok-staging")).isOne();
    }

    @Test
    void aFailedStagingMigrationRollsOutNothingAndLeavesProductionUntouched() {
        RunReport report = run(plan("mfail", "shop:2", "exit 1", null), APPROVE, null, new RecordingListener());

        assertThat(report.outcome()).isEqualTo(RunOutcome.MIGRATION_FAILED);
        assertThat(report.environments().get(0).rollout()).isNull();
        assertThat(cluster.deployedImage("mfail-staging", "web")).isEqualTo("shop:old");
        assertThat(cluster.deployedImage("mfail-production", "web")).isEqualTo("shop:old");
        assertThat(jobs("mfail-production")).isZero();
        assertThat(report.environments().get(1).outcome()).isEqualTo(StageOutcome.NOT_REACHED);
    }

    @Test
    void aFailedStagingRolloutIsUndoneAndProductionIsNotTouched() {
        cluster.sandbox.kubelet().injectFault("shop-crashing", Fault.CRASH_LOOP);
        RunReport report = run(plan("rfail", "shop-crashing:2", "echo migrated", null), APPROVE, null, new RecordingListener());

        assertThat(report.outcome()).isEqualTo(RunOutcome.ROLLOUT_FAILED);
        var rollout = report.environments().get(0).rollout();
        assertThat(rollout.outcome()).isEqualTo(StageOutcome.FAILED);
        assertThat(rollout.reason()).contains("CrashLoopBackOff");
        assertThat(rollout.deployments().get(0).undone()).isTrue();
        assertThat(cluster.deployedImage("rfail-staging", "web")).isEqualTo("shop:old");
        assertThat(jobs("rfail-production")).isZero();
        assertThat(cluster.deployedImage("rfail-production", "web")).isEqualTo("shop:old");
        assertThat(report.failure()).contains("staging: rollout failed");
    }

    @Test
    void aDeploymentMisspelledInProductionStopsTheRunBeforeProductionMigratesNamingItAndTheFix() {
        Plan plan = plan("typo", "shop:2", "echo migrated", null);
        Environment production = plan.environments().get(1);
        Plan typo = new Plan(plan.app(), plan.image(), null, plan.migration(), null, List.of(plan.environments().get(0),
                new Environment("production", null, null, null, null, production.namespace(), List.of("wbe"), null, true, null)));
        List<ApprovalGate.Request> asked = new CopyOnWriteArrayList<>();
        ApprovalGate approve = r -> {
            asked.add(r);
            return APPROVE.request(r);
        };

        RunReport report = run(typo, approve, null, new RecordingListener());

        assertThat(report.outcome()).isEqualTo(RunOutcome.INVALID_PLAN);
        assertThat(report.failure()).isEqualTo("production: Deployment wbe not found in namespace typo-production: check"
                + " environments[production].deployments and its namespace (mtd rolls out existing Deployments, it does not"
                + " create them); nothing was migrated in production");
        assertThat(jobs("typo-production")).as("nothing migrated before the typo was found").isZero();
        assertThat(asked).as("nobody was asked to approve a run that cannot roll out").isEmpty();
        assertThat(cluster.deployedImage("typo-staging", "web")).isEqualTo("shop:2");
    }

    @Test
    void aContainerTheDeploymentDoesNotHaveStopsTheRunBeforeAnythingMigrates() {
        Plan plan = plan("nocontainer", "shop:2", "echo migrated", null);
        Environment staging = plan.environments().get(0);
        Plan wrong = new Plan(plan.app(), plan.image(), null, plan.migration(), null, List.of(
                new Environment("staging", null, null, null, null, staging.namespace(), List.of("web"), "app", null, null),
                plan.environments().get(1)));

        RunReport report = run(wrong, APPROVE, null, new RecordingListener());

        assertThat(report.outcome()).isEqualTo(RunOutcome.INVALID_PLAN);
        assertThat(report.failure()).startsWith("staging: Deployment web in namespace nocontainer-staging has no container named app"
                + " (its containers: web): set environments[staging].container to one of them");
        assertThat(jobs("nocontainer-staging")).isZero();
        assertThat(report.environments().get(1).outcome()).isEqualTo(StageOutcome.NOT_REACHED);
    }

    @Test
    void aDeniedApprovalLeavesProductionUntouched() {
        ApprovalGate deny = r -> CompletableFuture.completedFuture(ApprovalGate.Decision.denied("bob", "not during the sale"));
        RunReport report = run(plan("deny", "shop:2", "echo migrated", null), deny, null, new RecordingListener());

        assertThat(report.outcome()).isEqualTo(RunOutcome.DENIED);
        assertThat(report.environments().get(0).outcome()).isEqualTo(StageOutcome.SUCCEEDED);
        var production = report.environments().get(1);
        assertThat(production.approval().outcome()).isEqualTo(StageOutcome.DENIED);
        assertThat(production.approval().by()).isEqualTo("bob");
        assertThat(production.migration()).isNull();
        assertThat(jobs("deny-production")).isZero();
        assertThat(cluster.deployedImage("deny-production", "web")).isEqualTo("shop:old");
        assertThat(report.failure()).contains("not during the sale");
    }

    @Test
    void anApprovalNotGivenInTimeStopsThePromotion() {
        ApprovalGate never = r -> new CompletableFuture<>();
        RunReport report = run(plan("late", "shop:2", "true", new Rollout(null, null, null, "1s")), never, null,
                new RecordingListener());
        assertThat(report.outcome()).isEqualTo(RunOutcome.DENIED);
        assertThat(report.environments().get(1).approval().outcome()).isEqualTo(StageOutcome.TIMED_OUT);
        assertThat(jobs("late-production")).isZero();
    }

    @Test
    void theCallersRolloutIsCalledOncePerEnvironmentInOrderAndItsFailureStopsThePromotion() throws Exception {
        List<String> calls = new CopyOnWriteArrayList<>();
        RolloutCallback record = t -> {
            calls.add(t.environment() + " " + t.namespace() + " " + t.image() + " " + Files.exists(t.kubeconfig()));
            return CompletableFuture.completedFuture(null);
        };
        RunReport ok = run(plan("cb", "shop:2", "true", null), APPROVE, record, new RecordingListener());
        assertThat(ok.outcome()).isEqualTo(RunOutcome.SUCCEEDED);
        assertThat(calls).containsExactly("staging cb-staging shop:2 true", "production cb-production shop:2 true");
        assertThat(cluster.deployedImage("cb-staging", "web")).isEqualTo("shop:old"); // the caller rolls out, not the engine

        List<String> failing = new CopyOnWriteArrayList<>();
        RolloutCallback fail = t -> {
            failing.add(t.environment());
            return CompletableFuture.failedFuture(new IllegalStateException("helm upgrade failed: timed out waiting for the condition"));
        };
        RunReport failed = run(plan("cbfail", "shop:2", "true", null), APPROVE, fail, new RecordingListener());
        assertThat(failed.outcome()).isEqualTo(RunOutcome.ROLLOUT_FAILED);
        assertThat(failing).containsExactly("staging");
        assertThat(failed.environments().get(0).rollout().reason()).contains("helm upgrade failed");
        assertThat(jobs("cbfail-production")).isZero();
    }

    @Test
    void theCallersRolloutGetsThePlansRolloutTimeout() {
        CompletableFuture<Void> never = new CompletableFuture<>();
        RunReport report = run(plan("cbslow", "shop:2", "true", new Rollout("1s", null, null, null)), APPROVE, t -> never,
                new RecordingListener());
        assertThat(report.outcome()).isEqualTo(RunOutcome.TIMED_OUT);
        assertThat(report.environments().get(0).rollout().outcome()).isEqualTo(StageOutcome.TIMED_OUT);
        assertThat(report.environments().get(0).rollout().reason()).contains("rollout.timeout");
        assertThat(never).isCancelled();
        assertThat(jobs("cbslow-production")).isZero();
    }

    private static RunReport run(Plan plan, ImageResolver images, ApprovalGate approvals, Path workspace, RecordingListener events) {
        return run(plan, cluster.builder(events, "promotion-test").images(images).approvals(approvals).workspace(workspace));
    }

    @Test
    void thePipelineStartsAndFinishesEveryStageOnceInOrder(@TempDir Path workspace) {
        String digest = "sha256:" + "a".repeat(64);
        ImageResolver pinning = (p, l) -> CompletableFuture.completedFuture(new ImageReport(p.image(), "shop@" + digest, digest, false, null));
        RecordingListener events = new RecordingListener();

        RunReport report = run(plan("stages", "shop:2", "echo migrated", null), pinning, APPROVE, workspace, events);

        assertThat(report.outcome()).as(String.valueOf(report.failure())).isEqualTo(RunOutcome.SUCCEEDED);
        assertThat(events.stages()).containsExactly(
                "started IMAGE -", "finished IMAGE - SUCCEEDED",
                "started MIGRATION staging", "finished MIGRATION staging SUCCEEDED",
                "started ROLLOUT staging", "finished ROLLOUT staging SUCCEEDED",
                "started APPROVAL production", "finished APPROVAL production SUCCEEDED",
                "started MIGRATION production", "finished MIGRATION production SUCCEEDED",
                "started ROLLOUT production", "finished ROLLOUT production SUCCEEDED");
        assertThat(events.started(Stage.IMAGE).detail()).isEqualTo("Resolving the digest of shop:2");
        assertThat(events.finished(Stage.IMAGE).detail()).isEqualTo("Pinned shop@" + digest);
        assertThat(events.started(Stage.MIGRATION).detail())
                .isEqualTo("Job " + report.environments().get(0).migration().job() + " in namespace stages-staging from shop@" + digest);
        assertThat(events.finished(Stage.MIGRATION).detail()).startsWith("migrated in ");
        assertThat(events.finished(Stage.APPROVAL).detail()).isEqualTo("approved by alice");
        assertThat(events.finished(Stage.ROLLOUT).detail()).isEqualTo("rolled out");
    }

    @Test
    void anImageLeftAsWrittenIsASkippedImageStage(@TempDir Path workspace) {
        RecordingListener events = new RecordingListener();

        RunReport report = run(plan("written", "shop:2", "true", null), ImageResolver.AS_WRITTEN, APPROVE, workspace, events);

        assertThat(report.outcome()).isEqualTo(RunOutcome.SUCCEEDED);
        assertThat(events.stages()).startsWith("started IMAGE -", "finished IMAGE - SKIPPED", "started MIGRATION staging");
        assertThat(events.started(Stage.IMAGE).detail()).isEqualTo("Using shop:2 as written, without pinning it by digest");
        assertThat(events.finished(Stage.IMAGE).detail()).contains("not pinned by digest");
    }

    @Test
    void anImageThatCannotBePinnedIsAStartedAndFailedStageAndNothingElseStarts(@TempDir Path workspace) throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        String absent = "127.0.0.1:" + port;
        RecordingListener events = new RecordingListener();

        RunReport report = run(plan("noimage", absent + "/team/shop:1.0", "true", null), new ImageStage(workspace), APPROVE,
                workspace, events);

        assertThat(report.outcome()).isEqualTo(RunOutcome.IMAGE_FAILED);
        assertThat(events.stages()).containsExactly("started IMAGE -", "finished IMAGE - FAILED");
        assertThat(events.finished(Stage.IMAGE).detail()).contains("Cannot reach registry " + absent).contains("connection refused");
        assertThat(jobs("noimage-staging")).isZero();
    }

    @Test
    void aFailingApprovalGateFinishesTheApprovalStageItStarted(@TempDir Path workspace) {
        ApprovalGate down = r -> CompletableFuture.failedFuture(new IllegalStateException("the approval service is down"));
        RecordingListener events = new RecordingListener();

        RunReport report = run(plan("gatedown", "shop:2", "true", null), ImageResolver.AS_WRITTEN, down, workspace, events);

        assertThat(report.outcome()).isEqualTo(RunOutcome.INFRASTRUCTURE);
        assertThat(events.stages()).endsWith("started APPROVAL production", "finished APPROVAL production FAILED");
        assertThat(events.finished(Stage.APPROVAL).detail()).isEqualTo("the approval service is down");
        assertThat(jobs("gatedown-production")).isZero();
    }

    @Test
    void aMigrationRefusedBeforeItsJobStartsAndFinishesOnceWithNothingCreated(@TempDir Path workspace) throws Exception {
        Files.createDirectories(workspace.resolve("db/migration"));
        Files.writeString(workspace.resolve("db/migration/V1__init.sql"), "create table orders (id int);\n");
        cluster.deployment("refused-staging", "web", "shop:old");
        Migration flyway = Migration.builder()
                .flyway(new Flyway(List.of("db/migration"), null, null, null, "no-such-secret", null, null, null, null, null, null))
                .build();
        Plan plan = new Plan("shop", "shop:2", null, flyway, null, List.of(Environment.of("staging", "refused-staging", List.of("web"))));
        RecordingListener events = new RecordingListener();

        RunReport report = run(plan, ImageResolver.AS_WRITTEN, APPROVE, workspace, events);

        assertThat(report.outcome()).isEqualTo(RunOutcome.MIGRATION_FAILED);
        assertThat(report.environments().get(0).migration().reason()).isEqualTo("PreflightFailed");
        assertThat(events.stages()).containsExactly("started IMAGE -", "finished IMAGE - SKIPPED",
                "started MIGRATION staging", "finished MIGRATION staging FAILED");
        assertThat(events.started(Stage.MIGRATION).detail()).isEqualTo("migration from shop:2 in namespace refused-staging");
        assertThat(events.finished(Stage.MIGRATION).detail()).as("what happened first, the reason once after it")
                .startsWith("the Flyway pre-flight found problems").contains("no-such-secret").endsWith(" (PreflightFailed)");
        assertThat(jobs("refused-staging")).isZero();
        assertThat(cluster.deployedImage("refused-staging", "web")).isEqualTo("shop:old");
    }

    @Test
    void aCallersRolloutThatEndedLeavesNoTimeoutBehindOnTheScheduler(@TempDir Path workspace) {
        ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(2);
        scheduler.setRemoveOnCancelPolicy(true);
        try {
            RunReport report = run(plan("cbtimer", "shop:2", "true", null), cluster.builder(new RecordingListener(), "promotion-test")
                    .approvals(APPROVE).rolloutCallback(t -> CompletableFuture.completedFuture(null)).scheduler(scheduler));

            assertThat(report.outcome()).isEqualTo(RunOutcome.SUCCEEDED);
            // the rollout timeout (10 minutes by default) of each environment's finished rollout is gone with it
            assertThat(scheduler.getQueue()).noneMatch(task -> ((ScheduledFuture<?>) task).getDelay(TimeUnit.MINUTES) >= 5);
        } finally {
            scheduler.shutdownNow();
        }
    }
}
