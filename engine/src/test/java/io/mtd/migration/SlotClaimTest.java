package io.mtd.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.mtd.RecordingListener;
import io.mtd.SandboxExtension;
import io.mtd.SandboxFixture;
import io.mtd.concurrent.DaemonThreads;
import io.mtd.kube.NamespaceWatch;
import io.mtd.plan.Environment;
import io.mtd.plan.Lint;
import io.mtd.plan.Migration;
import io.mtd.plan.Plan;
import io.mtd.progress.SecretMasker;
import io.mtd.progress.StageOutcome;
import io.mtd.promotion.RunIdentity;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A claimed slot runs several Jobs one after another under one holding of the lock, and is given back once: what the
 * printed SQL and the migration need today, and a schema snapshot, a backup and the migration need later.
 */
@ExtendWith(SandboxExtension.class)
class SlotClaimTest {

    /** One sandbox cluster for the class's tests: {@link SandboxExtension} starts and closes it. */
    private static SandboxFixture cluster;
    private static ScheduledExecutorService scheduler;
    private static ExecutorService api;
    private static MigrationStage stage;

    @BeforeAll
    static void start() {
        scheduler = Executors.newScheduledThreadPool(2, DaemonThreads.factory("claim-test"));
        api = Executors.newFixedThreadPool(4, DaemonThreads.factory("claim-test-api"));
        stage = new MigrationStage(scheduler, api, Clock.systemUTC(), Duration.ofSeconds(1));
    }

    @AfterAll
    static void stop() {
        stage.awaitReleases(Duration.ofSeconds(5));
        api.shutdownNow();
        scheduler.shutdownNow();
    }

    private static MigrationStage.Target target(String ns, String image, String run, RecordingListener events,
            CompletableFuture<String> cancelled) {
        Migration m = Migration.builder().command("sh", "-c", "echo migrating " + image + "; sleep 0.3; echo migrated")
                .timeout("2m").lint(new Lint(List.of("sh", "-c", "echo 'SELECT 1;'"), null))
                .lock(new Migration.Lock("30s", "2m")).build();
        Plan plan = new Plan("shop", image, null, m, null, List.of(Environment.of(ns, ns, List.of())));
        NamespaceWatch watch = new NamespaceWatch(cluster.client, ns);
        return new MigrationStage.Target(plan, plan.environments().get(0), image, new RunIdentity(run, null), cluster.client,
                watch, events, new SecretMasker(), cancelled, Path.of("."));
    }

    /** The Jobs in {@code ns}, each as its run and command. */
    private static List<String> jobs(String ns) {
        return cluster.jobs(ns).stream()
                .map(j -> j.getMetadata().getAnnotations().get("migrate-then-deploy.io/run-id") + " "
                        + j.getSpec().getTemplate().getSpec().getContainers().get(0).getCommand().get(2))
                .sorted().toList();
    }

    @Test
    void jobsRunUnderOneClaimOneAfterAnotherAndASecondRunWaitsUntilItIsGivenBack() throws Exception {
        String ns = "claim-several";
        RecordingListener a = new RecordingListener();
        MigrationStage.Target first = target(ns, "claim-a:1", "run-a", a, new CompletableFuture<>());
        CompletableFuture<SlotClaim> claim = stage.claim(first);

        MigrationStage.Outcome printed = stage.run(stage.prepare(first, JobKind.PRINT_SQL), claim).get(60, TimeUnit.SECONDS);
        assertThat(printed.report().outcome()).isEqualTo(StageOutcome.SUCCEEDED);
        assertThat(printed.log()).containsExactly("SELECT 1;");

        // another run asks for the slot while the first one holds it between its two Jobs
        RecordingListener b = new RecordingListener();
        CompletableFuture<MigrationStage.Outcome> second = stage.run(stage.prepare(target(ns, "claim-b:1", "run-b", b,
                new CompletableFuture<>())));
        await().atMost(20, TimeUnit.SECONDS).untilAsserted(() -> assertThat(b.text()).contains("held by run-a"));

        MigrationStage.Outcome migrated = stage.run(stage.prepare(first), claim).get(60, TimeUnit.SECONDS);
        assertThat(migrated.report().outcome()).isEqualTo(StageOutcome.SUCCEEDED);
        Thread.sleep(300);
        assertThat(second).as("the second run waits until the claim is given back").isNotDone();
        Lease lease = cluster.client.leases().inNamespace(ns).withName(SlotKey.of(first.plan(), first.environment()).leaseName()).get();
        assertThat(lease.getSpec().getHolderIdentity()).isEqualTo("run-a");
        assertThat(lease.getSpec().getLeaseTransitions()).as("taken once, never given up in between").isZero();
        assertThat(jobs(ns)).as("nothing of the second run's came between").containsExactly("run-a echo 'SELECT 1;'",
                "run-a echo migrating claim-a:1; sleep 0.3; echo migrated");

        claim.join().release();
        claim.join().release(); // given back once: a second release does nothing

        assertThat(second.get(60, TimeUnit.SECONDS).report().outcome()).isEqualTo(StageOutcome.SUCCEEDED);
        assertThat(jobs(ns)).hasSize(3).contains("run-b echo migrating claim-b:1; sleep 0.3; echo migrated");
        assertThat(cluster.sandbox.kubelet().maxConcurrentMigrations("shop", ns)).isEqualTo(1);
    }

    @Test
    void aJobUnderAReleasedClaimIsRefusedAndNothingIsCreated() throws Exception {
        String ns = "claim-released";
        MigrationStage.Target t = target(ns, "claim-r:1", "run-r", new RecordingListener(), new CompletableFuture<>());
        CompletableFuture<SlotClaim> claim = stage.claim(t);
        claim.get(30, TimeUnit.SECONDS).release();

        MigrationStage.Outcome refused = stage.run(stage.prepare(t), claim).get(30, TimeUnit.SECONDS);

        assertThat(refused.report().outcome()).isEqualTo(StageOutcome.FAILED);
        assertThat(refused.report().message()).contains("released before Job");
        assertThat(cluster.jobs(ns)).isEmpty();
    }

    @Test
    void aCancelWhileTheClaimWaitsForTheLockEndsTheFirstJobAsCancelled() throws Exception {
        String ns = "claim-cancel";
        MigrationStage.Target holder = target(ns, "claim-h:1", "run-h", new RecordingListener(), new CompletableFuture<>());
        CompletableFuture<SlotClaim> held = stage.claim(holder);
        held.get(30, TimeUnit.SECONDS);

        RecordingListener events = new RecordingListener();
        CompletableFuture<String> cancel = new CompletableFuture<>();
        MigrationStage.Target waiting = target(ns, "claim-w:1", "run-w", events, cancel);
        CompletableFuture<SlotClaim> claim = stage.claim(waiting);
        await().atMost(20, TimeUnit.SECONDS).untilAsserted(() -> assertThat(events.text()).contains("held by run-h"));
        cancel.complete("aborted by the user");

        MigrationStage.Outcome outcome = stage.run(stage.prepare(waiting, JobKind.PRINT_SQL), claim).get(30, TimeUnit.SECONDS);
        assertThat(outcome.report().outcome()).isEqualTo(StageOutcome.CANCELLED);
        held.join().release();
        assertThat(cluster.jobs(ns)).isEmpty();
    }
}
