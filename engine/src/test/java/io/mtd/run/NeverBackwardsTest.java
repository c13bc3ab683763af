package io.mtd.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.mtd.MigrateThenDeploy;
import io.mtd.RecordingListener;
import io.mtd.SandboxExtension;
import io.mtd.SandboxFixture;
import io.mtd.plan.Environment;
import io.mtd.plan.Lint;
import io.mtd.plan.Migration;
import io.mtd.plan.Plan;
import io.mtd.progress.StageOutcome;
import io.mtd.promotion.ApprovalGate;
import io.mtd.release.Release;
import io.mtd.release.ReleaseRecords;
import io.mtd.report.EnvironmentReport;
import io.mtd.report.RunOutcome;
import io.mtd.report.RunReport;
import io.mtd.rollout.RolloutCallback;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Never backwards: a run older than the one an environment is at stops there (superseded), whenever its approval is
 * answered and whichever run reaches the migration lock first; a rollback on purpose goes back and says so.
 */
@ExtendWith(SandboxExtension.class)
class NeverBackwardsTest {

    private static SandboxFixture cluster;

    /** An approval gate a test answers by hand, request by request. */
    private static final class Approvals implements ApprovalGate {
        record Asked(Request request, CompletableFuture<Decision> answer) {
            void approve() {
                answer.complete(Decision.approved("alice"));
            }
        }

        final BlockingQueue<Asked> asked = new LinkedBlockingQueue<>();
        final List<Request> all = new CopyOnWriteArrayList<>();

        @Override
        public CompletionStage<Decision> request(Request request) {
            CompletableFuture<Decision> answer = new CompletableFuture<>();
            all.add(request);
            asked.add(new Asked(request, answer));
            return answer;
        }

        Asked next(String environment) {
            try {
                Asked a = asked.poll(60, TimeUnit.SECONDS);
                assertThat(a).as("an approval of " + environment + " was asked").isNotNull();
                assertThat(a.request().environment()).isEqualTo(environment);
                return a;
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    private static final ApprovalGate APPROVE = r -> CompletableFuture.completedFuture(ApprovalGate.Decision.approved("bob"));

    /** Staging then production (approval), each rolling out Deployment web, namespaces "{prefix}-staging/-production". */
    private static Plan plan(String prefix, String image, Migration migration) {
        List<String> web = List.of("web");
        return new Plan("shop", image, null, migration, null, List.of(
                Environment.of("staging", prefix + "-staging", web),
                new Environment("production", null, null, null, null, prefix + "-production", web, null, true, null)));
    }

    /** Deployment web at shop:old in both of {@code prefix}'s environments. */
    private static void deploy(String prefix) {
        cluster.deployment(prefix + "-staging", "web", "shop:old");
        cluster.deployment(prefix + "-production", "web", "shop:old");
    }

    private static Migration echo() {
        return Migration.builder().command("sh", "-c", "echo migrated").timeout("2m").build();
    }

    private static CompletableFuture<RunReport> start(Plan plan, String run, ApprovalGate approvals, RolloutCallback rollout) {
        MigrateThenDeploy engine = cluster.builder(new RecordingListener(), run).approvals(approvals).rolloutCallback(rollout).build();
        return engine.start(plan).report().orTimeout(120, TimeUnit.SECONDS).whenComplete((r, e) -> engine.close());
    }

    private static Release record(String namespace, String environment) {
        ConfigMap cm = cluster.client.configMaps().inNamespace(namespace).withName(ReleaseRecords.name("shop", environment)).get();
        return cm == null || !cm.getData().containsKey("image") ? null : new Release(cm.getData().get("image"), cm.getData().get("run"), null,
                new io.mtd.release.RunOrder(Long.parseLong(cm.getData().get("order")), cm.getData().get("ordered-in")), null,
                Release.State.valueOf(cm.getData().get("state").toUpperCase().replace('-', '_')), cm.getData().containsKey("rollback"));
    }

    private static long productionJobs(String prefix) {
        return cluster.jobs(prefix + "-production").size();
    }

    @Test
    void anOlderRunApprovedAfterANewerOnePromotedStopsSupersededAndProductionStaysOnTheNewer() {
        deploy("ab");
        Approvals a = new Approvals();
        CompletableFuture<RunReport> runA = start(plan("ab", "shop:1", echo()), "run-a", a, null);
        Approvals.Asked askedA = a.next("production");
        assertThat(askedA.request().current()).isNull();
        assertThat(askedA.request().next()).isEqualTo("shop:1");
        RunReport b = start(plan("ab", "shop:2", echo()), "run-b", APPROVE, null).join();
        assertThat(b.outcome()).as(b.failure()).isEqualTo(RunOutcome.SUCCEEDED);
        assertThat(cluster.deployedImage("ab-production", "web")).isEqualTo("shop:2");
        long jobs = productionJobs("ab");

        askedA.approve();
        RunReport reportA = runA.join();

        assertThat(reportA.outcome()).isEqualTo(RunOutcome.SUPERSEDED);
        assertThat(reportA.failure()).contains("production: the approval came too late", "run run-b", "shop:2", "shop:1 is older");
        EnvironmentReport production = reportA.environments().get(1);
        assertThat(production.outcome()).isEqualTo(StageOutcome.SUPERSEDED);
        assertThat(production.release().supersededBy().run()).isEqualTo("run-b");
        assertThat(production.migration()).isNull();
        assertThat(cluster.deployedImage("ab-production", "web")).isEqualTo("shop:2");
        assertThat(productionJobs("ab")).as("run A migrated nothing in production").isEqualTo(jobs);
        assertThat(record("ab-production", "production").run()).isEqualTo("run-b");
        assertThat(record("ab-production", "production").state()).isEqualTo(Release.State.ROLLED_OUT);
    }

    @Test
    void approvedInTheOtherOrderBothPromoteAndTheNewerRunsStaleApprovalIsRefusedAndAskedAgain() {
        deploy("ba");
        Approvals a = new Approvals();
        Approvals b = new Approvals();
        CompletableFuture<RunReport> runA = start(plan("ba", "shop:1", echo()), "run-a", a, null);
        Approvals.Asked askedA = a.next("production");
        CompletableFuture<RunReport> runB = start(plan("ba", "shop:2", echo()), "run-b", b, null);
        Approvals.Asked askedB = b.next("production");
        // both were asked for the change from shop:old, with nothing recorded in production yet
        assertThat(askedB.request().current()).isNull();
        assertThat(askedB.request().deployed()).containsEntry("web", "shop:old");
        assertThat(askedB.request().now()).contains("web runs shop:old", "no release recorded yet");

        askedA.approve();
        assertThat(runA.join().outcome()).isEqualTo(RunOutcome.SUCCEEDED);
        assertThat(cluster.deployedImage("ba-production", "web")).isEqualTo("shop:1");
        askedB.approve(); // for the change from shop:old, but production runs shop:1 now

        Approvals.Asked again = b.next("production");
        assertThat(again.request().current().image()).isEqualTo("shop:1");
        assertThat(again.request().current().run()).isEqualTo("run-a");
        assertThat(again.request().deployed()).containsEntry("web", "shop:1");
        assertThat(runB).isNotDone();
        again.approve();

        RunReport reportB = runB.join();
        assertThat(reportB.outcome()).as(reportB.failure()).isEqualTo(RunOutcome.SUCCEEDED);
        assertThat(cluster.deployedImage("ba-production", "web")).isEqualTo("shop:2");
        assertThat(reportB.environments().get(1).release().before().image()).isEqualTo("shop:1");
        assertThat(record("ba-production", "production").run()).isEqualTo("run-b");
    }

    @Test
    void anOlderRunThatReachesAnEnvironmentANewerOnePassedStopsBeforeItsApprovalIsAsked() {
        CompletableFuture<Void> stagingRollout = new CompletableFuture<>();
        RolloutCallback slowStaging = t -> t.environment().equals("staging") ? stagingRollout : CompletableFuture.completedFuture(null);
        Approvals a = new Approvals();
        CompletableFuture<RunReport> runA = start(plan("early", "shop:1", echo()), "run-a", a, slowStaging);
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> record("early-staging", "staging") != null
                && record("early-staging", "staging").state() == Release.State.ROLLING_OUT);

        RunReport b = start(plan("early", "shop:2", echo()), "run-b", APPROVE, t -> CompletableFuture.completedFuture(null)).join();
        assertThat(b.outcome()).as(b.failure()).isEqualTo(RunOutcome.SUCCEEDED);
        stagingRollout.complete(null);
        RunReport reportA = runA.join();

        assertThat(reportA.outcome()).isEqualTo(RunOutcome.SUPERSEDED);
        assertThat(a.all).as("production's approval was never asked").isEmpty();
        assertThat(reportA.environments().get(1).approval()).isNull();
        assertThat(reportA.failure()).startsWith("production: superseded: run run-b");
        assertThat(cluster.jobs("early-production")).hasSize(1);
    }

    @Test
    void anOlderRunApprovedBeforeTheNewerOneMigratedStopsUnderTheMigrationLock() {
        // run B prints its SQL slowly under the lock, before it records itself: run A, approved meanwhile, waits for the
        // lock and only then sees that B passed
        Migration printing = Migration.builder().command("sh", "-c", "echo migrated").timeout("2m")
                .lint(new Lint(List.of("sh", "-c", "sleep 3; echo 'SELECT 1;'"), null)).build();
        deploy("lock");
        Approvals a = new Approvals();
        Approvals b = new Approvals();
        CompletableFuture<RunReport> runA = start(plan("lock", "shop:1", printing), "run-a", a, null);
        Approvals.Asked askedA = a.next("production");
        CompletableFuture<RunReport> runB = start(plan("lock", "shop:2", printing), "run-b", b, null);
        b.next("production").approve();
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> cluster.jobs("lock-production").stream()
                .anyMatch(j -> "shop:2".equals(j.getMetadata().getAnnotations().get("migrate-then-deploy.io/image"))));
        askedA.approve(); // the record still shows nothing newer: the approval stands, and A waits for B's lock

        RunReport reportA = runA.join();
        RunReport reportB = runB.join();

        assertThat(reportB.outcome()).as(reportB.failure()).isEqualTo(RunOutcome.SUCCEEDED);
        assertThat(reportA.outcome()).isEqualTo(RunOutcome.SUPERSEDED);
        assertThat(reportA.failure()).startsWith("production: right before its migration: superseded: run run-b");
        assertThat(reportA.environments().get(1).approval().outcome()).isEqualTo(StageOutcome.SUCCEEDED);
        // run A printed its SQL under the lock (that changes nothing), but created no migration Job
        assertThat(cluster.jobs("lock-production")).extracting(j -> j.getMetadata().getName())
                .doesNotContain(io.mtd.migration.MigrationJob.nameFor("shop", "production", "shop:1"))
                .contains(io.mtd.migration.MigrationJob.nameFor("shop", "production", "shop:2"));
        assertThat(cluster.deployedImage("lock-production", "web")).isEqualTo("shop:2");
    }

    @Test
    void aRollbackOnPurposeGoesBackSkipsTheMigrationAndIsRecordedAsOne() {
        deploy("back");
        RunReport b = start(plan("back", "shop:2", echo()), "run-b", APPROVE, null).join();
        assertThat(b.outcome()).as(b.failure()).isEqualTo(RunOutcome.SUCCEEDED);
        long jobs = productionJobs("back");
        RecordingListener events = new RecordingListener();

        RunReport r;
        try (MigrateThenDeploy engine = cluster.builder(events, "run-r").approvals(APPROVE).build()) {
            r = engine.start(plan("back", "shop:1", echo()).withRollback()).report().orTimeout(120, TimeUnit.SECONDS).join();
        }

        assertThat(r.outcome()).as(r.failure()).isEqualTo(RunOutcome.SUCCEEDED);
        assertThat(cluster.deployedImage("back-production", "web")).isEqualTo("shop:1");
        EnvironmentReport production = r.environments().get(1);
        assertThat(production.migration().outcome()).isEqualTo(StageOutcome.SKIPPED);
        assertThat(production.migration().message()).contains("rollback: the migration is skipped", "shop:2 left it");
        assertThat(production.release().rollback()).isTrue();
        assertThat(production.release().before().image()).isEqualTo("shop:2");
        assertThat(productionJobs("back")).as("nothing migrated").isEqualTo(jobs);
        assertThat(record("back-production", "production").rollback()).isTrue();
        assertThat(events.text()).contains("rolling production back on purpose (rollback: true) from shop:2");
        assertThat(r.lint()).isNull();
    }

    @Test
    void concurrentRunsNeverTakeAnEnvironmentBackwardsAndTheNewestEndsThere() throws Exception {
        Random random = new Random(2424);
        for (int round = 0; round < 2; round++) {
            String prefix = "soak" + round;
            deploy(prefix);
            List<Long> seen = new CopyOnWriteArrayList<>();
            Watch watch = cluster.client.configMaps().inNamespace(prefix + "-production")
                    .withName(ReleaseRecords.name("shop", "production")).watch(new Watcher<>() {
                        @Override
                        public void eventReceived(Action action, ConfigMap cm) {
                            if (cm.getData() != null && cm.getData().containsKey("order")) {
                                seen.add(Long.parseLong(cm.getData().get("order")));
                            }
                        }

                        @Override
                        public void onClose(WatcherException cause) {}
                    });
            try {
                int runs = 5;
                List<CompletableFuture<RunReport>> reports = new ArrayList<>();
                for (int i = 0; i < runs; i++) {
                    long delay = random.nextInt(1500);
                    ApprovalGate later = r -> CompletableFuture.supplyAsync(() -> ApprovalGate.Decision.approved("alice"),
                            CompletableFuture.delayedExecutor(delay, TimeUnit.MILLISECONDS));
                    reports.add(start(plan(prefix, "shop:" + (i + 1), echo()), prefix + "-run-" + i, later, null));
                    Thread.sleep(random.nextInt(300));
                }
                CompletableFuture.allOf(reports.toArray(CompletableFuture[]::new)).join();

                Map<String, String> counter = cluster.client.configMaps().inNamespace(prefix + "-staging")
                        .withName(ReleaseRecords.name("shop", "staging")).get().getData();
                Map<String, Long> orders = new com.fasterxml.jackson.databind.ObjectMapper().readValue(counter.get("runs.recent"),
                        new com.fasterxml.jackson.core.type.TypeReference<Map<String, Long>>() {});
                int newest = 0;
                for (int i = 0; i < runs; i++) {
                    RunReport r = reports.get(i).join();
                    assertThat(r.outcome()).as(r.failure()).isIn(RunOutcome.SUCCEEDED, RunOutcome.SUPERSEDED);
                    long mine = orders.get(prefix + "-run-" + i);
                    if (r.outcome() == RunOutcome.SUPERSEDED) {
                        Release by = r.environments().stream().filter(e -> e.outcome() == StageOutcome.SUPERSEDED).findFirst()
                                .orElseThrow().release().supersededBy();
                        assertThat(by.order().number()).as("passed by a newer run").isGreaterThan(mine);
                    }
                    if (mine > orders.get(prefix + "-run-" + newest)) {
                        newest = i;
                    }
                }
                assertThat(reports.get(newest).join().outcome()).isEqualTo(RunOutcome.SUCCEEDED);
                assertThat(cluster.deployedImage(prefix + "-production", "web")).isEqualTo("shop:" + (newest + 1));
                Release last = record(prefix + "-production", "production");
                assertThat(last.run()).isEqualTo(prefix + "-run-" + newest);
                assertThat(last.state()).isEqualTo(Release.State.ROLLED_OUT);
                Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !seen.isEmpty()
                        && seen.get(seen.size() - 1) == last.order().number());
                assertThat(seen).as("the record's order never went down").isSorted();
            } finally {
                watch.close();
            }
        }
    }
}
