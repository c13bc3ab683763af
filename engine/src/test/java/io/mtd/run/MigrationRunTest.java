package io.mtd.run;

import static io.mtd.SandboxFixture.plan;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.mtd.MigrateThenDeploy;
import io.mtd.RecordingListener;
import io.mtd.SandboxExtension;
import io.mtd.SandboxFixture;
import io.mtd.migration.MigrationJob;
import io.mtd.migration.SlotKey;
import io.mtd.plan.Migration;
import io.mtd.plan.Plan;
import io.mtd.progress.ProgressEvent;
import io.mtd.progress.StageOutcome;
import io.mtd.report.RunOutcome;
import io.mtd.report.RunReport;
import io.mtd.sandbox.Fault;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Whole runs of the migration stage against the sandbox cluster: each test uses its own image, so its own Jobs. */
@ExtendWith(SandboxExtension.class)
class MigrationRunTest {

    /** One sandbox cluster for the class's tests: {@link SandboxExtension} starts and closes it. */
    private static SandboxFixture cluster;

    private static RunReport run(Plan plan, RecordingListener listener, String runId) {
        try (MigrateThenDeploy engine = cluster.engine(listener, runId)) {
            return engine.start(plan).report().orTimeout(60, TimeUnit.SECONDS).join();
        }
    }

    /** The migration slot's Lease of the test plans in {@code ns} (they read no Secret: keyed by the app there). */
    private static String lease(String ns) {
        Plan p = plan("shop:any", "true", ns);
        return SlotKey.of(p, p.environments().get(0)).leaseName();
    }

    private static List<Job> jobs(String namespace) {
        return cluster.jobs(namespace);
    }

    @Test
    void migratesEachEnvironmentInOrderWithItsLogLive() {
        RecordingListener events = new RecordingListener();
        RunReport report = run(plan("shop:happy", "echo applying 0001_initial; echo applying 0002_orders; echo done",
                "happy-staging", "happy-production"), events, "run-1");

        assertThat(report.outcome()).isEqualTo(RunOutcome.SUCCEEDED);
        assertThat(report.environments()).extracting(e -> e.migration().outcome())
                .containsExactly(StageOutcome.SUCCEEDED, StageOutcome.SUCCEEDED);
        assertThat(events.logLines()).containsSubsequence("applying 0001_initial", "applying 0002_orders", "done",
                "applying 0001_initial", "applying 0002_orders", "done");
        // staging's migration finished before production's began
        int stagingDone = indexOf(events, e -> e instanceof ProgressEvent.StageFinished f && "happy-staging".equals(f.environment()));
        int productionStart = indexOf(events, e -> e instanceof ProgressEvent.StageStarted s && "happy-production".equals(s.environment()));
        assertThat(stagingDone).isLessThan(productionStart);
        assertThat(jobs("happy-staging")).hasSize(1);
        assertThat(report.environments().get(0).migration().exitCode()).isZero();
    }

    @Test
    void aFailingMigrationStopsThePromotionWithItsLogAndExitCode() {
        RecordingListener events = new RecordingListener();
        RunReport report = run(plan("shop:broken", "for i in $(seq 1 25); do echo step $i; done;"
                + " echo 'relation \"orders\" already exists' >&2; exit 3", "fail-staging", "fail-production"), events, "run-1");

        assertThat(report.outcome()).isEqualTo(RunOutcome.MIGRATION_FAILED);
        var staging = report.environments().get(0).migration();
        assertThat(staging.outcome()).isEqualTo(StageOutcome.FAILED);
        assertThat(staging.exitCode()).isEqualTo(3);
        assertThat(staging.reason()).isEqualTo("BackoffLimitExceeded");
        assertThat(staging.message()).as("what happened, in the user's terms").isEqualTo("the migration exited with code 3");
        assertThat(staging.logTail()).as("the failed attempt's last lines, for where no log is shown").hasSize(20)
                .startsWith("step 7").endsWith("relation \"orders\" already exists");
        assertThat(events.logLines()).contains("relation \"orders\" already exists");
        int lastLine = indexOf(events, e -> e instanceof ProgressEvent.LogLine l && l.line().contains("already exists"));
        int podEnded = indexOf(events, e -> e instanceof ProgressEvent.Note n && n.message().contains("Failed: Error: the migration exited"));
        assertThat(podEnded).as("the Pod's end is said after its log, not before it").isGreaterThan(lastLine);
        assertThat(report.environments().get(1).outcome()).isEqualTo(StageOutcome.NOT_REACHED);
        assertThat(jobs("fail-production")).isEmpty();
        assertThat(report.failure()).contains("fail-staging").contains("exited with code 3");
        assertThat(report.failure().split("BackoffLimitExceeded", -1)).as("the reason, once").hasSize(2);
    }

    @Test
    void imagePullBackOffFailsFastWithAHint() {
        cluster.sandbox.kubelet().injectFault("registry.example.com/typo", Fault.IMAGE_PULL_BACKOFF);
        RunReport report = run(plan("registry.example.com/typo:1", "true", "pull-staging"), new RecordingListener(), "run-1");
        var m = report.environments().get(0).migration();
        assertThat(m.outcome()).isEqualTo(StageOutcome.FAILED);
        assertThat(m.reason()).isIn("ImagePullBackOff", "ErrImagePull");
        assertThat(m.message()).contains("registry.example.com/typo:1").contains("imagePullSecrets");
        assertThat(report.outcome()).isEqualTo(RunOutcome.MIGRATION_FAILED);
    }

    @Test
    void missingSecretFailsFastNamingIt() {
        Migration m = Migration.builder().command("sh", "-c", "true").envFromSecret(List.of("no-such-secret"))
                .timeout("2m").build();
        RunReport report = run(plan("shop:nosecret", m, "secret-staging"), new RecordingListener(), "run-1");
        var mr = report.environments().get(0).migration();
        assertThat(mr.reason()).isEqualTo("CreateContainerConfigError");
        assertThat(mr.message()).contains("no-such-secret").contains("create the Secret");
    }

    @Test
    void anImageThatRunsAsRootIsRefusedUnderRunAsNonRootAndTheHintIsThePodsUserNotItsSecrets() {
        // like python:3.12: an image config without USER runs as root
        cluster.sandbox.kubelet().registerImage("registry.example.com/rooted",
                new io.mtd.sandbox.SandboxImage(null, List.of(), Map.of(), ""));
        RunReport report = run(plan("registry.example.com/rooted:1", "echo migrated", "root-staging"), new RecordingListener(), "run-1");
        var mr = report.environments().get(0).migration();
        assertThat(report.outcome()).isEqualTo(RunOutcome.MIGRATION_FAILED);
        assertThat(mr.reason()).isEqualTo("RunAsNonRoot");
        assertThat(mr.message()).contains("container has runAsNonRoot and image will run as root")
                .contains("migration.podSecurity: {runAsUser: 1000}").doesNotContain("Secret or ConfigMap")
                .contains("was deleted before its container started");
        assertThat(jobs("root-staging")).isEmpty();

        // the fix the hint gives
        Migration user = Migration.builder().command("sh", "-c", "echo migrated").timeout("2m")
                .podSecurity(new Migration.PodSecurity(null, 1000L, null, null, null, null, null)).build();
        RunReport fixed = run(plan("registry.example.com/rooted:1", user, "root-staging"), new RecordingListener(), "run-2");
        assertThat(fixed.outcome()).as(fixed.failure()).isEqualTo(RunOutcome.SUCCEEDED);
    }

    @Test
    void missingSecretKeyFailsFastNamingTheKey() {
        cluster.secret("key-staging", "shop-db", Map.of("url", "postgres://db"));
        Migration m = Migration.builder().command("sh", "-c", "true")
                .secretEnv(List.of(new Migration.SecretEnv("DB_PASSWORD", "shop-db", "password"))).timeout("2m").build();
        RunReport report = run(plan("shop:nokey", m, "key-staging"), new RecordingListener(), "run-1");
        var mr = report.environments().get(0).migration();
        assertThat(mr.reason()).isEqualTo("CreateContainerConfigError");
        assertThat(mr.message()).contains("password");
    }

    @Test
    void oomKilledIsReportedAsSuch() {
        cluster.sandbox.kubelet().injectFault("shop-oom", Fault.OOM_KILLED);
        RunReport report = run(plan("shop-oom:1", "sleep 5", "oom-staging"), new RecordingListener(), "run-1");
        var m = report.environments().get(0).migration();
        assertThat(m.outcome()).isEqualTo(StageOutcome.FAILED);
        assertThat(m.reason()).isEqualTo("OOMKilled");
        assertThat(m.message()).contains("migration.resources.memory");
        assertThat(m.exitCode()).isEqualTo(137);
    }

    @Test
    void unschedulablePastTheGracePeriodFails() {
        cluster.sandbox.kubelet().injectFault("shop-huge", Fault.UNSCHEDULABLE);
        RunReport report = run(plan("shop-huge:1", "true", "sched-staging"), new RecordingListener(), "run-1");
        var m = report.environments().get(0).migration();
        assertThat(m.reason()).isEqualTo("Unschedulable");
        assertThat(m.message()).contains("Insufficient memory");
    }

    @Test
    void evictionIsReportedAsSuch() {
        cluster.sandbox.kubelet().injectFault("shop-evicted", Fault.EVICTED);
        RunReport report = run(plan("shop-evicted:1", "sleep 5", "evict-staging"), new RecordingListener(), "run-1");
        var m = report.environments().get(0).migration();
        assertThat(m.outcome()).isEqualTo(StageOutcome.FAILED);
        assertThat(m.reason()).isEqualTo("Evicted");
        assertThat(m.message()).contains("low on resource");
    }

    @Test
    void deadlineExceededIsATimeout() {
        Migration m = Migration.builder().command("sh", "-c", "sleep 30").timeout("1s").build();
        RunReport report = run(plan("shop:slow", m, "deadline-staging"), new RecordingListener(), "run-1");
        assertThat(report.outcome()).isEqualTo(RunOutcome.TIMED_OUT);
        assertThat(report.environments().get(0).migration().reason()).isEqualTo("DeadlineExceeded");
    }

    @Test
    void reRunAfterSuccessSkipsTheMigrationWhenThePlanTrustsTheJobRecord() {
        Plan plan = plan("shop:rerun", Migration.builder().command("sh", "-c", "echo once").timeout("2m")
                .skipWhenSucceeded(true).build(), "rerun-staging");
        assertThat(run(plan, new RecordingListener(), "run-1").outcome()).isEqualTo(RunOutcome.SUCCEEDED);

        RecordingListener second = new RecordingListener();
        RunReport again = run(plan, second, "run-2");
        assertThat(again.outcome()).isEqualTo(RunOutcome.SUCCEEDED);
        assertThat(again.environments().get(0).migration().outcome()).isEqualTo(StageOutcome.SKIPPED);
        assertThat(again.environments().get(0).migration().message()).contains("run-1");
        assertThat(second.logLines()).isEmpty();
        assertThat(cluster.client.pods().inNamespace("rerun-staging").list().getItems()).hasSize(1);
    }

    @Test
    void reRunAfterFailureReportsItAndReplacesTheJobOnlyOnRetry() {
        Plan failing = plan("shop:retry", "exit 1", "retry-staging");
        assertThat(run(failing, new RecordingListener(), "run-1").outcome()).isEqualTo(RunOutcome.MIGRATION_FAILED);

        RunReport reported = run(plan("shop:retry", "echo fixed", "retry-staging"), new RecordingListener(), "run-2");
        assertThat(reported.outcome()).isEqualTo(RunOutcome.MIGRATION_FAILED);
        assertThat(reported.environments().get(0).migration().message()).contains("already failed").contains("retry");

        Migration retry = Migration.builder().command("sh", "-c", "echo fixed").timeout("2m").retry(true).build();
        RecordingListener events = new RecordingListener();
        RunReport retried = run(plan("shop:retry", retry, "retry-staging"), events, "run-3");
        assertThat(retried.outcome()).isEqualTo(RunOutcome.SUCCEEDED);
        assertThat(events.logLines()).containsExactly("fixed");
        assertThat(jobs("retry-staging")).hasSize(1);
    }

    @Test
    void reRunWhileRunningAttachesToTheSameJob() throws Exception {
        Plan plan = plan("shop:attach", "echo started; sleep 2; echo finished", "attach-staging");
        RecordingListener first = new RecordingListener();
        MigrateThenDeploy crashed = cluster.engine(first, "run-1");
        MigrateThenDeploy.Run run = crashed.start(plan);
        org.awaitility.Awaitility.await().atMost(20, TimeUnit.SECONDS).until(() -> first.logLines().contains("started"));
        run.cancel("controller restart");
        assertThat(run.report().get(10, TimeUnit.SECONDS).outcome()).isEqualTo(RunOutcome.CANCELLED);
        assertThat(run.report().get().environments().get(0).migration().message()).contains("left to finish");
        crashed.close();

        RecordingListener resumed = new RecordingListener();
        RunReport report = run(plan, resumed, "run-1");
        assertThat(report.outcome()).isEqualTo(RunOutcome.SUCCEEDED);
        assertThat(resumed.text()).contains("attaching to the running migration Job");
        assertThat(resumed.logLines()).contains("finished");
        assertThat(cluster.client.pods().inNamespace("attach-staging").list().getItems()).hasSize(1);
    }

    @Test
    void aCancelDeletesTheJobWhenThePlanSaysSo() throws Exception {
        Migration m = Migration.builder().command("sh", "-c", "echo started; sleep 30").timeout("2m")
                .onCancel("delete").build();
        RecordingListener events = new RecordingListener();
        try (MigrateThenDeploy engine = cluster.engine(events, "run-1")) {
            MigrateThenDeploy.Run run = engine.start(plan("shop:cancel-delete", m, "cancel-staging"));
            org.awaitility.Awaitility.await().atMost(20, TimeUnit.SECONDS).until(() -> events.logLines().contains("started"));
            run.cancel("aborted by the user");
            RunReport report = run.report().get(20, TimeUnit.SECONDS);
            assertThat(report.outcome()).isEqualTo(RunOutcome.CANCELLED);
            assertThat(report.environments().get(0).migration().message()).contains("aborted by the user").contains("was deleted");
        }
        org.awaitility.Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> jobs("cancel-staging").isEmpty());
    }

    @Test
    void twoPipelinesAtOnceRunOneJobAndTheOtherWaitsOnTheLock() {
        // the waiting pipeline trusts the Job record: it finds the migration done when its turn comes
        Plan plan = plan("shop:concurrent", Migration.builder().command("sh", "-c", "sleep 2; echo migrated").timeout("2m")
                .skipWhenSucceeded(true).build(), "lock-staging");
        RecordingListener a = new RecordingListener();
        RecordingListener b = new RecordingListener();
        try (MigrateThenDeploy ea = cluster.engine(a, "pipeline-a"); MigrateThenDeploy eb = cluster.engine(b, "pipeline-b")) {
            CompletableFuture<RunReport> ra = ea.start(plan).report();
            CompletableFuture<RunReport> rb = eb.start(plan).report();
            RunReport reportA = ra.orTimeout(60, TimeUnit.SECONDS).join();
            RunReport reportB = rb.orTimeout(60, TimeUnit.SECONDS).join();
            assertThat(reportA.outcome()).isEqualTo(RunOutcome.SUCCEEDED);
            assertThat(reportB.outcome()).isEqualTo(RunOutcome.SUCCEEDED);
            assertThat(List.of(reportA.environments().get(0).migration().outcome(), reportB.environments().get(0).migration().outcome()))
                    .containsExactlyInAnyOrder(StageOutcome.SUCCEEDED, StageOutcome.SKIPPED);
            String waiter = reportA.environments().get(0).migration().outcome() == StageOutcome.SKIPPED ? a.text() : b.text();
            assertThat(waiter).containsPattern("waiting for the migration lock .* held by pipeline-[ab]");
        }
        assertThat(jobs("lock-staging")).hasSize(1);
        assertThat(cluster.client.pods().inNamespace("lock-staging").list().getItems()).hasSize(1);
    }

    @Test
    void anExpiredLeaseIsTakenOverAndALiveOneMakesTheRunWait() {
        String lease = lease("lease-staging");
        ZonedDateTime longAgo = ZonedDateTime.now(ZoneOffset.UTC).minusMinutes(10);
        cluster.client.leases().inNamespace("lease-staging").resource(new LeaseBuilder()
                .withNewMetadata().withName(lease).withNamespace("lease-staging").endMetadata()
                .withNewSpec().withHolderIdentity("crashed-pipeline").withLeaseDurationSeconds(30)
                .withAcquireTime(longAgo).withRenewTime(longAgo).endSpec().build()).create();
        RecordingListener events = new RecordingListener();
        RunReport report = run(plan("shop:lease", "echo ok", "lease-staging"), events, "run-1");
        assertThat(report.outcome()).isEqualTo(RunOutcome.SUCCEEDED);
        assertThat(events.text()).contains("took over the migration lock from crashed-pipeline");

        ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
        cluster.client.leases().inNamespace("lease2-staging").resource(new LeaseBuilder()
                .withNewMetadata().withName(lease("lease2-staging")).withNamespace("lease2-staging").endMetadata()
                .withNewSpec().withHolderIdentity("live-pipeline").withLeaseDurationSeconds(3600)
                .withAcquireTime(now).withRenewTime(now).endSpec().build()).create();
        Migration m = Migration.builder().command("sh", "-c", "true").timeout("2m")
                .lock(new Migration.Lock(null, "2s")).build();
        RunReport blocked = run(plan("shop:lease", m, "lease2-staging"), new RecordingListener(), "run-2");
        assertThat(blocked.outcome()).isEqualTo(RunOutcome.TIMED_OUT);
        assertThat(blocked.environments().get(0).migration().reason()).isEqualTo("LockTimeout");
        assertThat(blocked.environments().get(0).migration().message()).contains("live-pipeline");
        assertThat(jobs("lease2-staging")).isEmpty();
    }

    @Test
    void aCanarySecretNeverAppearsInAnyOutput() throws Exception {
        String canary = "canary-s3cr3t-" + System.nanoTime();
        cluster.secret("mask-staging", "shop-db", Map.of("DATABASE_PASSWORD", canary));
        Migration m = Migration.builder()
                .command("sh", "-c", "echo connecting with $DATABASE_PASSWORD; echo \"pw=$DATABASE_PASSWORD\" >&2; exit 2")
                .envFromSecret(List.of("shop-db")).timeout("2m").build();
        RecordingListener events = new RecordingListener();
        RunReport report = run(plan("shop:mask", m, "mask-staging"), events, "run-1");

        assertThat(events.logLines()).contains("connecting with ****", "pw=****");
        String everything = events.text() + new com.fasterxml.jackson.databind.ObjectMapper()
                .registerModule(new com.fasterxml.jackson.datatype.jsr310.JavaTimeModule()).writeValueAsString(report);
        assertThat(everything).doesNotContain(canary);
    }

    @Test
    void aWatchDroppedMidWaitStillSeesTheCompletion() {
        RecordingListener events = new RecordingListener();
        try (MigrateThenDeploy engine = cluster.engine(events, "run-1")) {
            MigrateThenDeploy.Run run = engine.start(plan("shop:dropped", "echo begin; sleep 2; echo end", "drop-staging"));
            org.awaitility.Awaitility.await().atMost(20, TimeUnit.SECONDS).until(() -> events.logLines().contains("begin"));
            cluster.sandbox.dropWatches();
            RunReport report = run.report().orTimeout(60, TimeUnit.SECONDS).join();
            assertThat(report.outcome()).isEqualTo(RunOutcome.SUCCEEDED);
        }
    }

    private static int indexOf(RecordingListener l, java.util.function.Predicate<ProgressEvent> p) {
        for (int i = 0; i < l.events.size(); i++) {
            if (p.test(l.events.get(i))) {
                return i;
            }
        }
        return -1;
    }
}
