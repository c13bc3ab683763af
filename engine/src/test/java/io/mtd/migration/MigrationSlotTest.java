package io.mtd.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.mtd.MigrateThenDeploy;
import io.mtd.RecordingListener;
import io.mtd.SandboxExtension;
import io.mtd.SandboxFixture;
import io.mtd.concurrent.Ticker;
import io.mtd.kube.Labels;
import io.mtd.plan.Environment;
import io.mtd.plan.Migration;
import io.mtd.plan.Plan;
import io.mtd.progress.StageOutcome;
import io.mtd.report.RunOutcome;
import io.mtd.report.RunReport;
import io.mtd.sandbox.Fault;
import io.mtd.progress.ProgressEvent;
import io.mtd.progress.ProgressListener;
import java.util.concurrent.atomic.AtomicReference;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * "Migrations never run twice at once" when a run stops waiting: cancelled, killed, timed out, its lock lost, or its
 * Pod never started. The sandbox kubelet counts the migration containers of each app and environment that ran at once.
 */
@ExtendWith(SandboxExtension.class)
class MigrationSlotTest {

    /** One sandbox cluster for the class's tests: {@link SandboxExtension} starts and closes it. */
    private static SandboxFixture cluster;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
    }

    @AfterAll
    static void stop() {
    }

    /** A migration that prints started-NAME, waits until {@code gate} exists, then prints done-NAME. */
    private static List<String> gated(String name, Path gate) {
        return List.of("sh", "-c", "echo started-" + name + "; while [ ! -f '" + gate + "' ]; do sleep 0.05; done; echo done-" + name);
    }

    private static Migration migration(List<String> command, String timeout, String leaseDuration, List<String> envFromSecret) {
        return Migration.builder().command(command).envFromSecret(envFromSecret).timeout(timeout)
                .lock(new Migration.Lock(leaseDuration, "2m")).build();
    }

    private static Plan plan(String image, Migration m, String ns, String... deployments) {
        return new Plan("shop", image, null, m, null, List.of(Environment.of(ns, ns, List.of(deployments))));
    }

    /** The slot's Lease of the test plans in {@code ns} (they read no Secret: keyed by the app in the namespace). */
    private static String leaseName(String ns) {
        return SlotKey.of(plan("any:1", migration(List.of("true"), "2m", "30s", null), ns), Environment.of(ns, ns, List.of()))
                .leaseName();
    }

    private static List<Job> jobs(String ns) {
        return cluster.jobs(ns);
    }

    private static int maxConcurrent(String ns) {
        return cluster.sandbox.kubelet().maxConcurrentMigrations("shop", ns);
    }

    private static void open(Path gate) {
        try {
            Files.createFile(gate);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aCancelledRunLeavesItsMigrationRunningAndTheNextRunWaitsForItSayingSo() throws Exception {
        String ns = "slot-cancel";
        Path gate = dir.resolve("gate");
        String jobA = MigrationJob.nameFor("shop", ns, "slot-a:" + ns);
        RecordingListener a = new RecordingListener();
        try (MigrateThenDeploy engine = cluster.engine(a, "run-a")) {
            MigrateThenDeploy.Run run = engine.start(plan("slot-a:" + ns, migration(gated("a", gate), "2m", "30s", null), ns));
            await().atMost(20, TimeUnit.SECONDS).until(() -> a.logLines().contains("started-a"));
            run.cancel("aborted by the user");
            RunReport report = run.report().get(20, TimeUnit.SECONDS);
            assertThat(report.outcome()).isEqualTo(RunOutcome.CANCELLED);
            assertThat(report.environments().get(0).migration().message())
                    .contains("the migration still runs").contains("the next run waits for it");
        }
        Job first = cluster.client.batch().v1().jobs().inNamespace(ns).withName(jobA).get();
        assertThat(first.getMetadata().getAnnotations()).containsEntry(Labels.ANNOTATION_LOCK_HOLDER, "run-a")
                .containsEntry(Labels.ANNOTATION_LOCK_TRANSITIONS, "0");

        RecordingListener b = new RecordingListener();
        try (MigrateThenDeploy engine = cluster.engine(b, "run-b")) {
            MigrateThenDeploy.Run run = engine.start(plan("slot-b:" + ns, migration(List.of("sh", "-c", "echo started-b; echo done-b"),
                    "2m", "30s", null), ns));
            await().atMost(20, TimeUnit.SECONDS).untilAsserted(() -> assertThat(b.text()).contains("waiting for the migration Job " + jobA
                    + " (image slot-a:" + ns + ", started by run run-a) to end"));
            assertThat(jobs(ns)).extracting(j -> j.getMetadata().getName()).containsExactly(jobA);
            open(gate);
            RunReport report = run.report().get(30, TimeUnit.SECONDS);
            assertThat(report.outcome()).isEqualTo(RunOutcome.SUCCEEDED);
            // the waiting run streamed the occupying Job's log, and ran its own only after it
            assertThat(b.logLines()).containsSubsequence("started-a", "done-a", "started-b", "done-b");
        }
        assertThat(maxConcurrent(ns)).isEqualTo(1);
        assertThat(cluster.sandbox.kubelet().migrationStarts("slot-a:" + ns)).isEqualTo(1);
        assertThat(cluster.sandbox.kubelet().migrationStarts("slot-b:" + ns)).isEqualTo(1);
    }

    @Test
    void aKilledRunsMigrationOutlivesItsLeaseAndStillKeepsTheNextRunWaiting() throws Exception {
        String ns = "slot-killed";
        Path gate = dir.resolve("gate");
        String jobA = MigrationJob.nameFor("shop", ns, "slot-a:" + ns);
        RecordingListener a = new RecordingListener();
        MigrateThenDeploy killed = cluster.engine(a, "run-a");
        killed.start(plan("slot-a:" + ns, migration(gated("a", gate), "2m", "1s", null), ns));
        await().atMost(20, TimeUnit.SECONDS).until(() -> a.logLines().contains("started-a"));
        // the process dies: its pools and connections go, nothing is released, nobody renews the lease
        killed.close();
        Lease lease = cluster.client.leases().inNamespace(ns).withName(leaseName(ns)).get();
        assertThat(lease.getSpec().getHolderIdentity()).isEqualTo("run-a");

        RecordingListener b = new RecordingListener();
        try (MigrateThenDeploy engine = cluster.engine(b, "run-b")) {
            MigrateThenDeploy.Run run = engine.start(plan("slot-b:" + ns, migration(List.of("sh", "-c", "echo started-b"),
                    "2m", "1s", null), ns));
            await().atMost(20, TimeUnit.SECONDS).untilAsserted(() -> assertThat(b.text()).contains("waiting for the migration Job " + jobA));
            // the lease of 1s expired long ago: only the Job still running keeps the environment
            assertThat(b.text()).contains("took over the migration lock from run-a");
            assertThat(jobs(ns)).hasSize(1);
            open(gate);
            assertThat(run.report().get(30, TimeUnit.SECONDS).outcome()).isEqualTo(RunOutcome.SUCCEEDED);
        }
        assertThat(maxConcurrent(ns)).isEqualTo(1);
        assertThat(cluster.sandbox.kubelet().migrationStarts("slot-b:" + ns)).isEqualTo(1);
    }

    @Test
    void aRunThatTimedOutLeavesItsMigrationRunningAndTheNextRunWaitsForIt() throws Exception {
        String ns = "slot-timeout";
        Path gate = dir.resolve("gate");
        String jobA = MigrationJob.nameFor("shop", ns, "slot-a:" + ns);
        RecordingListener a = new RecordingListener();
        RecordingListener b = new RecordingListener();
        try (MigrateThenDeploy ea = cluster.engine(a, "run-a"); MigrateThenDeploy eb = cluster.engine(b, "run-b")) {
            MigrateThenDeploy.Run runA = ea.start(plan("slot-a:" + ns, migration(gated("a", gate), "2s", "30s", null), ns));
            await().atMost(20, TimeUnit.SECONDS).until(() -> a.logLines().contains("started-a"));
            // the controller manager is down: nobody enforces the Job's deadline or reports its end
            cluster.sandbox.pauseJobController();
            try {
                RunReport timedOut = runA.report().get(30, TimeUnit.SECONDS);
                assertThat(timedOut.outcome()).isEqualTo(RunOutcome.TIMED_OUT);
                assertThat(timedOut.environments().get(0).migration().reason()).isEqualTo("WaitTimeout");
                assertThat(timedOut.environments().get(0).migration().message()).contains("the migration still runs");

                MigrateThenDeploy.Run runB = eb.start(plan("slot-b:" + ns, migration(List.of("sh", "-c", "echo started-b"),
                        "2m", "30s", null), ns));
                await().atMost(20, TimeUnit.SECONDS).untilAsserted(() -> assertThat(b.text()).contains("waiting for the migration Job " + jobA));
                assertThat(jobs(ns)).hasSize(1);
                cluster.sandbox.resumeJobController();
                open(gate);
                assertThat(runB.report().get(30, TimeUnit.SECONDS).outcome()).isEqualTo(RunOutcome.SUCCEEDED);
            } finally {
                cluster.sandbox.resumeJobController();
            }
        }
        assertThat(maxConcurrent(ns)).as(() -> a.text() + "\n----\n" + b.text()).isEqualTo(1);
        assertThat(cluster.sandbox.kubelet().migrationStarts("slot-b:" + ns)).isEqualTo(1);
    }

    @Test
    void anOccupyingJobWhoseContainerNeverStartedIsDeletedWithANoteInsteadOfWaitedOnForever() throws Exception {
        String ns = "slot-stuck-occupant";
        cluster.sandbox.kubelet().injectFault("stuck-occupant", Fault.IMAGE_PULL_BACKOFF);
        // a run of an earlier version (which created its Jobs running, without a start window) that died right after
        // creating its Job: no one will ever fail it fast
        Plan stuck = plan("stuck-occupant:1", migration(List.of("sh", "-c", "echo never"), "2m", "30s", null), ns);
        Job left = new MigrationJob(stuck, stuck.environments().get(0), stuck.image(),
                new io.mtd.promotion.RunIdentity("dead-run", null)).manifest();
        left.getSpec().setSuspend(null);
        left.getMetadata().getAnnotations().remove(Labels.ANNOTATION_START_WINDOW);
        cluster.client.batch().v1().jobs().inNamespace(ns).resource(left).create();

        RecordingListener b = new RecordingListener();
        try (MigrateThenDeploy engine = cluster.engine(b, "run-b")) {
            RunReport report = engine.start(plan("slot-b:" + ns, migration(List.of("sh", "-c", "echo migrated-b"), "2m", "30s",
                    null), ns)).report().get(60, TimeUnit.SECONDS);
            assertThat(report.outcome()).isEqualTo(RunOutcome.SUCCEEDED);
        }
        assertThat(b.text()).contains("waiting for the migration Job " + left.getMetadata().getName()
                + " (image stuck-occupant:1, started by run dead-run)").contains("deleting the migration Job "
                + left.getMetadata().getName()).contains("its container never started");
        assertThat(b.logLines()).contains("migrated-b");
        assertThat(jobs(ns)).extracting(j -> j.getMetadata().getName()).doesNotContain(left.getMetadata().getName());
        assertThat(cluster.sandbox.kubelet().migrationStarts("stuck-occupant:1")).isZero();
        cluster.sandbox.kubelet().clearFault("stuck-occupant");
    }

    enum NeverStarted { IMAGE_PULL, MISSING_SECRET, UNSCHEDULABLE }

    @ParameterizedTest
    @EnumSource(NeverStarted.class)
    void aMigrationWhosePodNeverStartedLeavesNothingBehindAndTheReRunSucceeds(NeverStarted reason) throws Exception {
        String ns = "slot-never-" + reason.name().toLowerCase().replace('_', '-');
        String repository = "never-" + reason.name().toLowerCase().replace('_', '-');
        String image = repository + ":1";
        List<String> secrets = null;
        switch (reason) {
            case IMAGE_PULL -> cluster.sandbox.kubelet().injectFault(repository, Fault.IMAGE_PULL_BACKOFF);
            case UNSCHEDULABLE -> cluster.sandbox.kubelet().injectFault(repository, Fault.UNSCHEDULABLE);
            case MISSING_SECRET -> secrets = List.of("shop-db");
        }
        Plan plan = plan(image, migration(List.of("sh", "-c", "echo migrated"), "2m", "30s", secrets), ns);
        RunReport failed;
        try (MigrateThenDeploy engine = cluster.engine(new RecordingListener(), "run-1")) {
            failed = engine.start(plan).report().get(60, TimeUnit.SECONDS);
        }
        assertThat(failed.outcome()).isEqualTo(RunOutcome.MIGRATION_FAILED);
        assertThat(failed.environments().get(0).migration().reason()).isIn("ImagePullBackOff", "ErrImagePull",
                "CreateContainerConfigError", "Unschedulable");
        // a missing Secret is found before the Job is created; what cannot be checked in advance, once its Pod reports it
        assertThat(failed.environments().get(0).migration().message()).contains(reason == NeverStarted.MISSING_SECRET
                ? "Found before any Job was created" : "was deleted before its container started").contains("nothing ran");
        // nothing is left that could start the migration later, once the image or Secret appears
        assertThat(jobs(ns)).isEmpty();
        assertThat(cluster.client.pods().inNamespace(ns).list().getItems()).isEmpty();

        switch (reason) {
            case IMAGE_PULL, UNSCHEDULABLE -> cluster.sandbox.kubelet().clearFault(repository);
            case MISSING_SECRET -> cluster.secret(ns, "shop-db", Map.of("DATABASE_URL", "postgres://db"));
        }
        RecordingListener events = new RecordingListener();
        try (MigrateThenDeploy engine = cluster.engine(events, "run-2")) {
            RunReport again = engine.start(plan).report().get(60, TimeUnit.SECONDS);
            assertThat(again.outcome()).isEqualTo(RunOutcome.SUCCEEDED);
            assertThat(again.environments().get(0).migration().outcome()).isEqualTo(StageOutcome.SUCCEEDED);
        }
        assertThat(events.logLines()).containsExactly("migrated");
        assertThat(cluster.sandbox.kubelet().migrationStarts(image)).isEqualTo(1);
        assertThat(maxConcurrent(ns)).isEqualTo(1);
    }

    @Test
    void failingLeaseRenewalsLoseTheLockAndNothingIsRolledOut() throws Exception {
        String ns = "slot-renewals";
        Path gate = dir.resolve("gate");
        cluster.deployment(ns, "web", "shop:old");
        RecordingListener a = new RecordingListener();
        try (MigrateThenDeploy engine = cluster.engine(a, "run-a")) {
            MigrateThenDeploy.Run run = engine.start(plan("slot-a:" + ns, migration(gated("a", gate), "2m", "2s", null), ns, "web"));
            await().atMost(20, TimeUnit.SECONDS).until(() -> a.logLines().contains("started-a"));
            cluster.sandbox.failRequests("PUT", "/apis/coordination.k8s.io/v1/namespaces/" + ns + "/leases/.*", 500);
            try {
                RunReport report = run.report().handle((r, e) -> r).completeOnTimeout(null, 30, TimeUnit.SECONDS).join();
                assertThat(report).as(a::text).isNotNull();
                assertThat(report.outcome()).isEqualTo(RunOutcome.LOCK_LOST);
                assertThat(report.environments().get(0).migration().reason()).isEqualTo("LockLost");
                assertThat(report.environments().get(0).migration().message()).contains("expired while this run held it")
                        .contains("renewals failed").contains("nothing is rolled out");
                assertThat(report.environments().get(0).rollout()).isNull();
            } finally {
                cluster.sandbox.clearRequestFaults();
                open(gate);
            }
        }
        assertThat(cluster.deployedImage(ns, "web")).isEqualTo("shop:old");
        assertThat(maxConcurrent(ns)).isEqualTo(1);
    }

    @Test
    void aLockTakenOverStopsTheRunNamingTheNewHolderAndNothingIsRolledOut() throws Exception {
        String ns = "slot-takeover";
        Path gate = dir.resolve("gate");
        cluster.deployment(ns, "web", "shop:old");
        RecordingListener a = new RecordingListener();
        try (MigrateThenDeploy engine = cluster.engine(a, "run-a")) {
            MigrateThenDeploy.Run run = engine.start(plan("slot-a:" + ns, migration(gated("a", gate), "2m", "30s", null), ns, "web"));
            await().atMost(20, TimeUnit.SECONDS).until(() -> a.logLines().contains("started-a"));
            cluster.client.leases().inNamespace(ns).withName(leaseName(ns)).edit(l -> {
                l.getSpec().setHolderIdentity("usurper-run");
                l.getSpec().setLeaseTransitions(l.getSpec().getLeaseTransitions() + 1);
                return l;
            });
            try {
                RunReport report = run.report().get(30, TimeUnit.SECONDS);
                assertThat(report.outcome()).isEqualTo(RunOutcome.LOCK_LOST);
                assertThat(report.failure()).contains("usurper-run");
                assertThat(report.environments().get(0).rollout()).isNull();
            } finally {
                open(gate);
            }
        }
        assertThat(cluster.deployedImage(ns, "web")).isEqualTo("shop:old");
    }

    @Test
    void aCancelThatComesWhileTheSlotIsCheckedCreatesNoJob() throws Exception {
        String ns = "slot-cancel-early";
        String image = "slot-early:" + ns;
        try (MigrateThenDeploy engine = cluster.engine(new RecordingListener(), "run-failing")) {
            Plan failing = plan(image, migration(List.of("sh", "-c", "exit 1"), "2m", "30s", null), ns);
            assertThat(engine.start(failing).report().get(60, TimeUnit.SECONDS).outcome()).isEqualTo(RunOutcome.MIGRATION_FAILED);
        }
        // the retry replaces the failed Job: the user cancels just as the slot was found free, before the create
        RecordingListener events = new RecordingListener();
        AtomicReference<MigrateThenDeploy.Run> run = new AtomicReference<>();
        ProgressListener cancelling = e -> {
            events.on(e);
            if (e instanceof ProgressEvent.Note n && n.message().startsWith("replacing the failed migration Job")) {
                run.get().cancel("aborted by the user");
            }
        };
        Migration retry = Migration.builder().command("sh", "-c", "echo ran").timeout("2m").retry(true)
                .lock(new Migration.Lock("30s", "2m")).build();
        try (MigrateThenDeploy engine = cluster.builder(events, "run-cancelled").listener(cancelling).build()) {
            run.set(engine.start(plan(image, retry, ns)));
            RunReport report = run.get().report().get(60, TimeUnit.SECONDS);

            assertThat(report.outcome()).as(events::text).isEqualTo(RunOutcome.CANCELLED);
        }
        assertThat(jobs(ns)).as("no Job created after the cancel").isEmpty();
        assertThat(cluster.sandbox.kubelet().migrationStarts(image)).as("only the failed first run's").isEqualTo(1);
    }

    @Test
    void aJobCreateTheApiServerFailsIsTriedAgainUnderTheLock() throws Exception {
        String ns = "slot-create-retry";
        RecordingListener events = new RecordingListener();
        cluster.sandbox.failRequests("POST", "/apis/batch/v1/namespaces/" + ns + "/jobs.*", 503);
        try (MigrateThenDeploy engine = cluster.engine(events, "run-retried")) {
            MigrateThenDeploy.Run run = engine.start(plan("slot-retried:" + ns, migration(List.of("sh", "-c", "echo ran"),
                    "2m", "30s", null), ns));
            await().atMost(20, TimeUnit.SECONDS).until(() -> events.text().contains("trying again"));
            cluster.sandbox.clearRequestFaults();

            RunReport report = run.report().get(60, TimeUnit.SECONDS);
            assertThat(report.outcome()).as(events::text).isEqualTo(RunOutcome.SUCCEEDED);
        } finally {
            cluster.sandbox.clearRequestFaults();
        }
        assertThat(events.text()).contains("the Kubernetes API answered 503");
        assertThat(jobs(ns)).hasSize(1);
        assertThat(maxConcurrent(ns)).isEqualTo(1);
    }

    @Test
    void aJobCreateThatKeepsFailingEndsTheRunAndNothingIsCreatedLater() throws Exception {
        String ns = "slot-create-fails";
        String image = "slot-fails:" + ns;
        RecordingListener events = new RecordingListener();
        cluster.sandbox.failRequests("POST", "/apis/batch/v1/namespaces/" + ns + "/jobs.*", 503);
        try (MigrateThenDeploy engine = cluster.engine(events, "run-refused")) {
            RunReport report = engine.start(plan(image, migration(List.of("sh", "-c", "echo ran"), "2m", "30s", null), ns))
                    .report().get(60, TimeUnit.SECONDS);

            assertThat(report.outcome()).as(events::text).isEqualTo(RunOutcome.INFRASTRUCTURE);
            assertThat(report.environments().get(0).migration().reason()).isEqualTo("KubernetesError");
            assertThat(report.environments().get(0).migration().message()).contains("503");
        } finally {
            cluster.sandbox.clearRequestFaults();
        }
        // a failed run leaves nothing behind that acts on its own: no request of it lands once the API answers again
        Thread.sleep(1500);
        assertThat(jobs(ns)).isEmpty();
        assertThat(cluster.sandbox.kubelet().migrationStarts(image)).isZero();
    }

    /** Two CI machines whose clocks disagree by 90 s, one way or the other (issue: the waiter took a live holder's lock). */
    enum Skew {
        WAITER_AHEAD(0, 90), HOLDER_BEHIND(-90, 0), HOLDER_AHEAD(90, -90);

        final Duration holder;
        final Duration waiter;

        Skew(int holderSeconds, int waiterSeconds) {
            this.holder = Duration.ofSeconds(holderSeconds);
            this.waiter = Duration.ofSeconds(waiterSeconds);
        }
    }

    private static Ticker shifted(Duration by) {
        long nanos = by.toNanos();
        return () -> System.nanoTime() + nanos;
    }

    @ParameterizedTest
    @EnumSource(Skew.class)
    void runsWhoseClocksDisagreeStillMigrateOneAtATimeAndTheHealthyHolderKeepsItsLock(Skew skew) throws Exception {
        String ns = "slot-clock-" + skew.name().toLowerCase().replace('_', '-');
        Path gate = dir.resolve("gate");
        RecordingListener a = new RecordingListener();
        RecordingListener b = new RecordingListener();
        // each run's machine: its wall clock off, and its monotonic clock started at another moment
        try (MigrateThenDeploy ea = cluster.builder(a, "run-a").clock(Clock.offset(Clock.systemUTC(), skew.holder))
                        .ticker(shifted(skew.holder)).build();
                MigrateThenDeploy eb = cluster.builder(b, "run-b").clock(Clock.offset(Clock.systemUTC(), skew.waiter))
                        .ticker(shifted(skew.waiter)).build()) {
            MigrateThenDeploy.Run runA = ea.start(plan("slot-a:" + ns, migration(gated("a", gate), "2m", "2s", null), ns));
            await().atMost(20, TimeUnit.SECONDS).until(() -> a.logLines().contains("started-a"));
            MigrateThenDeploy.Run runB = eb.start(plan("slot-b:" + ns, migration(List.of("sh", "-c", "echo started-b"), "2m", "2s",
                    null), ns));
            await().atMost(20, TimeUnit.SECONDS).untilAsserted(() -> assertThat(b.text()).contains("held by run-a"));

            Thread.sleep(3_000); // longer than the lease: a waiter that trusted the other machine's renewTime took over by now
            assertThat(b.text()).doesNotContain("took over");
            assertThat(jobs(ns)).hasSize(1);
            open(gate);

            RunReport first = runA.report().get(30, TimeUnit.SECONDS);
            assertThat(first.outcome()).as(a::text).isEqualTo(RunOutcome.SUCCEEDED);
            assertThat(runB.report().get(30, TimeUnit.SECONDS).outcome()).as(b::text).isEqualTo(RunOutcome.SUCCEEDED);
        }
        assertThat(a.logLines()).containsExactly("started-a", "done-a");
        assertThat(b.logLines()).containsExactly("started-b");
        assertThat(maxConcurrent(ns)).isEqualTo(1);
    }
}
