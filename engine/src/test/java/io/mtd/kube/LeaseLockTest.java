package io.mtd.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mtd.concurrent.DaemonThreads;
import io.mtd.sandbox.Sandbox;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The migration lock on its own, against the sandbox's API server: take, renew, release, take over, lose. */
class LeaseLockTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String LOCK = "shop-staging-migration-lock";
    private static final AtomicInteger NAMESPACES = new AtomicInteger();

    private static Sandbox sandbox;
    private static ScheduledExecutorService scheduler;
    private static ExecutorService api;

    private KubernetesClient client;
    private LeaseWatch leases;
    private String namespace;
    private final List<LeaseLock.Held> held = new ArrayList<>();

    @BeforeAll
    static void start() {
        sandbox = Sandbox.start();
        scheduler = Executors.newScheduledThreadPool(2, DaemonThreads.factory("lease-test"));
        api = Executors.newFixedThreadPool(4, DaemonThreads.factory("lease-test-api"));
    }

    @AfterAll
    static void stop() {
        api.shutdownNow();
        scheduler.shutdownNow();
        sandbox.close();
    }

    @BeforeEach
    void connect() throws Exception {
        client = sandbox.client();
        namespace = "lease-" + NAMESPACES.incrementAndGet();
        leases = new LeaseWatch(client, namespace);
        leases.synced().get(30, TimeUnit.SECONDS);
    }

    @AfterEach
    void disconnect() {
        held.forEach(LeaseLock.Held::release);
        leases.close();
        client.close();
    }

    private LeaseLock lock(String holder, Duration leaseDuration) {
        return lock(holder, leaseDuration, Duration.ZERO, scheduler, api);
    }

    /** A lock whose run's clock (and monotonic ticker) are {@code shift} off this machine's, on executors of its own. */
    private LeaseLock lock(String holder, Duration leaseDuration, Duration shift, ScheduledExecutorService timers,
            ExecutorService pool) {
        long nanos = shift.toNanos();
        return new LeaseLock(client, leases, namespace, LOCK, holder, leaseDuration, Map.of(Labels.MANAGED_BY, Labels.MANAGER),
                timers, pool, Clock.offset(Clock.systemUTC(), shift), () -> System.nanoTime() + nanos);
    }

    /** Writes the Lease by hand, as a run on another machine would: its renewTime by that machine's clock. */
    private void writeLease(String holder, int seconds, ZonedDateTime renewed, int transitions) {
        Lease existing = lease();
        Lease lease = new LeaseBuilder()
                .withNewMetadata().withName(LOCK).withNamespace(namespace).endMetadata()
                .withNewSpec().withHolderIdentity(holder).withLeaseDurationSeconds(seconds).withAcquireTime(renewed)
                .withRenewTime(renewed).withLeaseTransitions(transitions).endSpec().build();
        if (existing == null) {
            client.leases().inNamespace(namespace).resource(lease).create();
        } else {
            client.leases().inNamespace(namespace).withName(LOCK).edit(l -> new LeaseBuilder(l).editSpec()
                    .withHolderIdentity(holder).withRenewTime(renewed).endSpec().build());
        }
    }

    private LeaseLock.Held acquire(LeaseLock lock, Duration maxWait) throws Exception {
        LeaseLock.Held h = lock.acquire(maxWait, note -> { }).get(WAIT.toSeconds(), TimeUnit.SECONDS);
        held.add(h);
        return h;
    }

    private Lease lease() {
        return client.leases().inNamespace(namespace).withName(LOCK).get();
    }

    @Test
    void aFreeLockIsTakenWithAFreshLease() throws Exception {
        LeaseLock.Held h = acquire(lock("run-a", Duration.ofSeconds(10)), Duration.ofSeconds(5));

        Lease lease = lease();
        assertThat(lease.getSpec().getHolderIdentity()).isEqualTo("run-a");
        assertThat(lease.getSpec().getLeaseDurationSeconds()).isEqualTo(10);
        assertThat(lease.getMetadata().getLabels()).containsEntry(Labels.MANAGED_BY, Labels.MANAGER);
        assertThat(h.transitions()).isZero();
        assertThat(h.tookOverFrom()).isNull();
        assertThat(h.validFor(Duration.ofSeconds(1))).isTrue();
    }

    @Test
    void aHeldLockIsRenewedAndStaysOursPastItsLeaseDuration() throws Exception {
        LeaseLock.Held h = acquire(lock("run-a", Duration.ofSeconds(2)), Duration.ofSeconds(5));
        ZonedDateTime first = lease().getSpec().getRenewTime();

        await().atMost(WAIT).until(() -> lease().getSpec().getRenewTime().isAfter(first.plusSeconds(2)));
        assertThat(lease().getSpec().getHolderIdentity()).isEqualTo("run-a");
        assertThat(h.lost()).isNotDone();
        assertThat(h.validFor(Duration.ZERO)).isTrue();
    }

    @Test
    void aReleasedLockIsFreeForTheNextRunAtOnce() throws Exception {
        LeaseLock.Held a = acquire(lock("run-a", Duration.ofSeconds(30)), Duration.ofSeconds(5));
        a.release();
        assertThat(lease().getSpec().getHolderIdentity()).isNull();
        assertThat(a.validFor(Duration.ZERO)).isFalse();

        Instant asked = Instant.now();
        LeaseLock.Held b = acquire(lock("run-b", Duration.ofSeconds(30)), Duration.ofSeconds(20));
        assertThat(Duration.between(asked, Instant.now())).as("not the lease's 30s").isLessThan(Duration.ofSeconds(15));
        assertThat(b.tookOverFrom()).as("a released lock is not a takeover").isNull();
        assertThat(lease().getSpec().getHolderIdentity()).isEqualTo("run-b");
        assertThat(a.lost()).as("a released lock is not lost").isNotDone();
    }

    @Test
    void releasingAnEarlierHoldingLeavesTheSameRunsLaterHoldingAlone() throws Exception {
        LeaseLock.Held printing = acquire(lock("run-a", Duration.ofSeconds(30)), Duration.ofSeconds(5));
        // the same run's next Job claims the lock before the first claim's release has landed
        LeaseLock.Held migrating = acquire(lock("run-a", Duration.ofSeconds(30)), Duration.ofSeconds(5));

        printing.release();

        assertThat(lease().getSpec().getHolderIdentity()).isEqualTo("run-a");
        Thread.sleep(300);
        assertThat(migrating.lost()).as("the later holding is not released by the earlier one's release").isNotDone();
        assertThat(migrating.validFor(Duration.ofSeconds(1))).isTrue();
        migrating.release();
        assertThat(lease().getSpec().getHolderIdentity()).isNull();
    }

    @Test
    void aHolderThatStoppedRenewingIsTakenOverOnceItsLeaseExpired() throws Exception {
        ZonedDateTime longAgo = ZonedDateTime.now(ZoneOffset.UTC).minusMinutes(5);
        writeLease("dead-run", 2, longAgo, 2);

        long asked = System.nanoTime();
        LeaseLock.Held h = acquire(lock("run-b", Duration.ofSeconds(10)), Duration.ofSeconds(10));

        assertThat(h.tookOverFrom()).isEqualTo("dead-run");
        assertThat(h.transitions()).isEqualTo(3);
        assertThat(lease().getSpec().getHolderIdentity()).isEqualTo("run-b");
        // its renewTime says five minutes ago, by a clock that is not this machine's: the waiter's own observation counts
        assertThat(Duration.ofNanos(System.nanoTime() - asked)).as("one full lease of no change seen by the waiter")
                .isGreaterThanOrEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void aWaiterWatchingALeaseRenewedLongAgoByALiveHolderDoesNotTakeItOverBeforeOneFullLeaseOfItsOwnObservation()
            throws Exception {
        // a live holder whose clock is ten minutes behind: every renewTime it writes is "long ago" by this machine's clock
        ZonedDateTime behind = ZonedDateTime.now(ZoneOffset.UTC).minusMinutes(10);
        writeLease("live-run", 3, behind, 0);
        await().atMost(WAIT).until(() -> leases.lease(LOCK) != null); // the waiter starts watching a Lease it sees
        AtomicInteger renewals = new AtomicInteger();
        var holder = Executors.newSingleThreadScheduledExecutor(DaemonThreads.factory("live-holder"));
        try {
            holder.scheduleAtFixedRate(() -> writeLease("live-run", 3, behind.plusSeconds(renewals.incrementAndGet()), 0),
                    1, 1, TimeUnit.SECONDS);
            List<String> notes = new ArrayList<>();

            var waiting = lock("run-b", Duration.ofSeconds(3)).acquire(Duration.ofSeconds(5), notes::add);

            assertThatThrownBy(() -> waiting.get(WAIT.toSeconds(), TimeUnit.SECONDS))
                    .hasCauseInstanceOf(LeaseLock.LockTimeoutException.class).hasMessageContaining("live-run");
            assertThat(lease().getSpec().getHolderIdentity()).isEqualTo("live-run");
            assertThat(notes).anySatisfy(n -> assertThat(n).contains("held by live-run (no renewal seen here for"));
        } finally {
            holder.shutdownNow();
        }

        // the holder died: its Lease is taken over, one full lease after the waiter last saw it change
        long asked = System.nanoTime();
        LeaseLock.Held h = acquire(lock("run-b", Duration.ofSeconds(3)), Duration.ofSeconds(20));
        assertThat(h.tookOverFrom()).isEqualTo("live-run");
        assertThat(Duration.ofNanos(System.nanoTime() - asked)).isGreaterThanOrEqualTo(Duration.ofSeconds(3));
    }

    /** The holder's and the waiter's clocks (and monotonic tickers), off this machine's by these amounts. */
    static Stream<Arguments> clocksThatDisagree() {
        Duration ahead = Duration.ofSeconds(90);
        Duration behind = Duration.ofSeconds(-90);
        return Stream.of(Arguments.of(Duration.ZERO, ahead), Arguments.of(behind, Duration.ZERO), Arguments.of(ahead, behind),
                Arguments.of(behind, ahead));
    }

    @ParameterizedTest(name = "holder {0}, waiter {1}")
    @MethodSource("clocksThatDisagree")
    void clocksThatDisagreeNeitherLetAWaiterTakeALiveHoldersLockNorKeepItFromADeadOnes(Duration holderShift,
            Duration waiterShift) throws Exception {
        ScheduledExecutorService holderTimers = Executors.newScheduledThreadPool(1, DaemonThreads.factory("holder"));
        ExecutorService holderPool = Executors.newFixedThreadPool(2, DaemonThreads.factory("holder-api"));
        try {
            LeaseLock.Held a = lock("run-a", Duration.ofSeconds(2), holderShift, holderTimers, holderPool)
                    .acquire(Duration.ofSeconds(5), note -> { }).get(WAIT.toSeconds(), TimeUnit.SECONDS);

            var waiting = lock("run-b", Duration.ofSeconds(2), waiterShift, scheduler, api).acquire(Duration.ofSeconds(3), n -> { });

            assertThatThrownBy(() -> waiting.get(WAIT.toSeconds(), TimeUnit.SECONDS))
                    .hasCauseInstanceOf(LeaseLock.LockTimeoutException.class);
            assertThat(a.lost()).as("a healthy holder keeps its lock, whatever the clocks say").isNotDone();
            assertThat(a.validFor(Duration.ofMillis(500))).isTrue();
            assertThat(lease().getSpec().getHolderIdentity()).isEqualTo("run-a");

            // the holder's process dies: nothing renews its lease any more
            holderTimers.shutdownNow();
            holderPool.shutdownNow();
            long asked = System.nanoTime();
            LeaseLock.Held b = acquire(lock("run-b", Duration.ofSeconds(2), waiterShift, scheduler, api), Duration.ofSeconds(20));

            assertThat(b.tookOverFrom()).isEqualTo("run-a");
            assertThat(Duration.ofNanos(System.nanoTime() - asked)).isLessThan(Duration.ofSeconds(10));
        } finally {
            holderTimers.shutdownNow();
            holderPool.shutdownNow();
        }
    }

    @Test
    void aLiveHolderIsWaitedForUntilTheWaitRunsOut() throws Exception {
        acquire(lock("run-a", Duration.ofSeconds(30)), Duration.ofSeconds(5));
        List<String> notes = new ArrayList<>();

        var waiting = lock("run-b", Duration.ofSeconds(30)).acquire(Duration.ofMillis(1500), notes::add);

        assertThatThrownBy(() -> waiting.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(LeaseLock.LockTimeoutException.class).hasMessageContaining("run-a");
        assertThat(notes).anySatisfy(n -> assertThat(n).contains("held by run-a"));
        assertThat(lease().getSpec().getHolderIdentity()).isEqualTo("run-a");
    }

    /**
     * The holder's app goes on the Lease with the holder, so that a waiter names it; given back, the Lease names no app,
     * and a holder that writes none is never described with the app of the one before it.
     */
    @Test
    void theHoldersAppIsWrittenWithItAndNamedToWaitersAndGoesWithIt() throws Exception {
        LeaseLock shop = new LeaseLock(client, leases, namespace, LOCK, "run-a", "shop", Duration.ofSeconds(30),
                Map.of(Labels.MANAGED_BY, Labels.MANAGER), scheduler, api, Clock.systemUTC(), System::nanoTime);
        LeaseLock.Held a = acquire(shop, Duration.ofSeconds(5));
        assertThat(lease().getMetadata().getAnnotations()).containsEntry(Labels.ANNOTATION_HOLDER_APP, "shop");
        assertThat(LeaseRecord.of(lease()).describeHolder()).isEqualTo("run-a of app shop");
        List<String> notes = new ArrayList<>();

        var waiting = lock("run-b", Duration.ofSeconds(30)).acquire(Duration.ofMillis(1500), notes::add);

        assertThatThrownBy(() -> waiting.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(LeaseLock.LockTimeoutException.class).hasMessageContaining("held by run-a of app shop (");
        assertThat(notes).anySatisfy(n -> assertThat(n).contains("held by run-a of app shop (no renewal seen here for"));
        a.release();
        assertThat(lease().getMetadata().getAnnotations()).doesNotContainKey(Labels.ANNOTATION_HOLDER_APP);
        acquire(lock("run-b", Duration.ofSeconds(30)), Duration.ofSeconds(5));
        assertThat(lease().getMetadata().getAnnotations()).doesNotContainKey(Labels.ANNOTATION_HOLDER_APP);
        assertThat(LeaseRecord.of(lease()).describeHolder()).isEqualTo("run-b");
    }

    @Test
    void aLockAnotherHolderTookIsReportedLostWithItsNewHolder() throws Exception {
        LeaseLock.Held a = acquire(lock("run-a", Duration.ofSeconds(3)), Duration.ofSeconds(5));

        client.leases().inNamespace(namespace).withName(LOCK).edit(l -> new LeaseBuilder(l).editSpec()
                .withHolderIdentity("run-b").withLeaseTransitions(1).endSpec().build());

        LockLost lost = a.lost().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(lost.holder()).isEqualTo("run-b");
        assertThat(lost.describe()).contains(LOCK).contains("run-b");
        assertThat(a.validFor(Duration.ZERO)).isFalse();
        a.release();
        assertThat(lease().getSpec().getHolderIdentity()).as("releasing a lost lock leaves the new holder's alone")
                .isEqualTo("run-b");
    }

    @Test
    void anAcquisitionLeavesNoListenerOnTheSharedWatchOnceItEnds() throws Exception {
        LeaseLock.Held a = acquire(lock("run-a", Duration.ofSeconds(30)), Duration.ofSeconds(5));
        var waiting = lock("run-b", Duration.ofSeconds(30)).acquire(Duration.ofMillis(500), note -> { });
        assertThatThrownBy(() -> waiting.get(WAIT.toSeconds(), TimeUnit.SECONDS))
                .hasCauseInstanceOf(LeaseLock.LockTimeoutException.class);

        a.release();

        // a Jenkins controller's watch lives for months: each ended wait must leave nothing subscribed to it
        await().atMost(Duration.ofSeconds(5)).until(() -> leases.waiting(LOCK) == 0);
    }

    @Test
    void aLeaseThatCannotBeWrittenEndsTheWaitAtItsDeadline() throws Exception {
        sandbox.failRequests("POST", "/apis/coordination.k8s.io/v1/namespaces/" + namespace + "/leases.*", 503);
        try {
            Instant asked = Instant.now();
            var waiting = lock("run-a", Duration.ofSeconds(30)).acquire(Duration.ofMillis(1500), note -> { });

            assertThatThrownBy(() -> waiting.get(WAIT.toSeconds(), TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(LeaseLock.LockTimeoutException.class)
                    .hasMessageContaining("gave up waiting for the migration lock '" + LOCK + "'")
                    .hasMessageContaining("503");
            assertThat(Duration.between(asked, Instant.now())).as("the wait's 1.5s, not endless retries").isLessThan(WAIT);
        } finally {
            sandbox.clearRequestFaults();
        }
    }
}
