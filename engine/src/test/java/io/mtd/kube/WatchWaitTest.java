package io.mtd.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.mtd.concurrent.DaemonThreads;
import io.mtd.kube.WatchWait.Check;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The wait primitive on its own, over a hand-driven watch: what ends a wait (condition, failure, deadline, cancel),
 * that it never stays subscribed or keeps a timer once it ended, and that checks run one at a time, off the watch's
 * thread, a burst of changes costing one more check.
 */
class WatchWaitTest {

    /** A watch the test drives: {@link #change()} is an informer event, {@link #synced} its first listing. */
    private static final class FakeChanges implements Changes {
        final Set<Runnable> listeners = new CopyOnWriteArraySet<>();
        final CompletableFuture<Void> synced = new CompletableFuture<>();

        @Override
        public Subscription subscribe(Runnable onChange) {
            Runnable own = onChange::run;
            listeners.add(own);
            return () -> listeners.remove(own);
        }

        @Override
        public CompletableFuture<Void> synced() {
            return synced;
        }

        void change() {
            listeners.forEach(Runnable::run);
        }
    }

    private final FakeChanges changes = new FakeChanges();
    private ScheduledExecutorService timers;
    private ExecutorService checks;

    @BeforeEach
    void start() {
        var pool = new java.util.concurrent.ScheduledThreadPoolExecutor(1, DaemonThreads.factory("wait-test-timers"));
        pool.setRemoveOnCancelPolicy(true);
        timers = pool;
        checks = Executors.newFixedThreadPool(4, DaemonThreads.factory("wait-test-checks"));
    }

    @AfterEach
    void stop() {
        timers.shutdownNow();
        checks.shutdownNow();
    }

    private WatchWait.Builder waiting(Duration timeout) {
        return WatchWait.on(changes).checkedOn(checks, timers).within(timeout);
    }

    private int timersLeft() {
        return ((java.util.concurrent.ScheduledThreadPoolExecutor) timers).getQueue().size();
    }

    @Test
    void completesWhenAChangeMakesTheConditionHoldAndLeavesNothingBehind() throws Exception {
        AtomicBoolean ready = new AtomicBoolean();
        CompletableFuture<String> done = waiting(Duration.ofMinutes(5)).until(() -> ready.get() ? Check.done("ready") : Check.notYet());
        changes.synced.complete(null);
        changes.change();
        assertThatThrownBy(() -> done.get(200, TimeUnit.MILLISECONDS)).isInstanceOf(java.util.concurrent.TimeoutException.class);

        ready.set(true);
        changes.change();

        assertThat(done.get(5, TimeUnit.SECONDS)).isEqualTo("ready");
        await().atMost(Duration.ofSeconds(5)).until(() -> changes.listeners.isEmpty() && timersLeft() == 0);
    }

    @Test
    void nothingIsCheckedBeforeTheWatchListedOnce() throws Exception {
        AtomicInteger checked = new AtomicInteger();
        CompletableFuture<Boolean> done = waiting(null).until(() -> {
            checked.incrementAndGet();
            return Check.done(true);
        });
        changes.change();
        Thread.sleep(200);
        assertThat(checked).as("the store is incomplete before the first listing").hasValue(0);

        changes.synced.complete(null);

        assertThat(done.get(5, TimeUnit.SECONDS)).isTrue();
        assertThat(checked).hasValue(1);
    }

    @Test
    void aFailedCheckFailsTheWaitAndAnExceptionIsAFailureToo() {
        changes.synced.complete(null);
        CompletableFuture<String> failed = waiting(null).until(() -> Check.failed(new IllegalStateException("deleted")));
        CompletableFuture<String> thrown = waiting(null).until(() -> {
            throw new IllegalArgumentException("unreadable");
        });

        assertThatThrownBy(() -> failed.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(IllegalStateException.class).hasMessageContaining("deleted");
        assertThatThrownBy(() -> thrown.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(IllegalArgumentException.class);
        await().atMost(Duration.ofSeconds(5)).until(changes.listeners::isEmpty);
    }

    @Test
    void theDeadlineChecksOnceMoreThenEndsWithTheConditionsTimeoutResult() throws Exception {
        changes.synced.complete(null);
        List<String> seen = new CopyOnWriteArrayList<>();
        CompletableFuture<String> done = waiting(Duration.ofMillis(300)).until(new WatchWait.Condition<>() {
            @Override
            public Check<String> check() {
                seen.add("check");
                return Check.notYet();
            }

            @Override
            public String timedOut() {
                seen.add("timed out");
                return "gave up";
            }
        });

        assertThat(done.get(5, TimeUnit.SECONDS)).isEqualTo("gave up");
        assertThat(seen).containsExactly("check", "check", "timed out");
        assertThat(changes.listeners).isEmpty();
    }

    @Test
    void aConditionThatHoldsAtTheDeadlineWins() throws Exception {
        changes.synced.complete(null);
        AtomicInteger checks = new AtomicInteger();
        CompletableFuture<String> done = waiting(Duration.ofMillis(200))
                .until(() -> checks.incrementAndGet() == 2 ? Check.done("just in time") : Check.notYet());

        assertThat(done.get(5, TimeUnit.SECONDS)).isEqualTo("just in time");
    }

    @Test
    void withoutATimeoutResultTheDeadlineFailsTheWait() {
        changes.synced.complete(null);
        CompletableFuture<Object> done = waiting(Duration.ofMillis(100)).until(Check::notYet);

        assertThatThrownBy(() -> done.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(WatchWait.TimedOut.class);
    }

    @Test
    void completingTheFutureFromOutsideIsACancelThatUnsubscribesAndStopsTheTimers() throws Exception {
        changes.synced.complete(null);
        AtomicInteger checks = new AtomicInteger();
        CompletableFuture<String> done = waiting(Duration.ofMinutes(5)).until(() -> {
            checks.incrementAndGet();
            return Check.recheckIn(Duration.ofMinutes(1));
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> checks.get() == 1);

        done.completeExceptionally(new IllegalStateException("cancelled by the user"));

        assertThat(changes.listeners).isEmpty();
        assertThat(timersLeft()).as("neither the deadline nor the recheck stays scheduled").isZero();
        changes.change();
        Thread.sleep(100);
        assertThat(checks).as("no check after the cancel").hasValue(1);
    }

    @Test
    void aResultFoundAfterTheCancelIsHandedBack() throws Exception {
        changes.synced.complete(null);
        CountDownLatch checking = new CountDownLatch(1);
        CountDownLatch cancelled = new CountDownLatch(1);
        CompletableFuture<String> abandoned = new CompletableFuture<>();
        CompletableFuture<String> done = waiting(null).until(new WatchWait.Condition<>() {
            @Override
            public Check<String> check() {
                checking.countDown();
                try {
                    cancelled.await(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return Check.done("the lock");
            }

            @Override
            public void abandoned(String result) {
                abandoned.complete(result);
            }
        });
        checking.await(5, TimeUnit.SECONDS);
        done.cancel(false);
        cancelled.countDown();

        assertThat(abandoned.get(5, TimeUnit.SECONDS)).isEqualTo("the lock");
    }

    @Test
    void checksRunOneAtATimeOffTheWatchsThreadAndABurstCostsOneMoreCheck() throws Exception {
        changes.synced.complete(null);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger overlapping = new AtomicInteger();
        AtomicInteger checks = new AtomicInteger();
        Set<String> threads = new CopyOnWriteArraySet<>();
        CountDownLatch firstStarted = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Object> done = waiting(null).until(() -> {
            if (running.incrementAndGet() > 1) {
                overlapping.incrementAndGet();
            }
            threads.add(Thread.currentThread().getName());
            int n = checks.incrementAndGet();
            if (n == 2) {
                firstStarted.countDown();
                try {
                    release.await(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            running.decrementAndGet();
            return Check.notYet();
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> checks.get() == 1);
        changes.change();
        firstStarted.await(5, TimeUnit.SECONDS);

        for (int i = 0; i < 500; i++) { // a relist: hundreds of events while one check runs
            changes.change();
        }
        release.countDown();

        await().atMost(Duration.ofSeconds(5)).until(() -> checks.get() == 3);
        Thread.sleep(200);
        assertThat(checks).as("the burst during a check costs one more").hasValue(3);
        assertThat(overlapping).hasValue(0);
        assertThat(threads).allSatisfy(t -> assertThat(t).startsWith("wait-test-checks"));
        done.cancel(false);
    }

    @Test
    void aRecheckComesWithoutAnyChangeAndTheSoonerOfTwoWins() throws Exception {
        changes.synced.complete(null);
        List<Long> at = new CopyOnWriteArrayList<>();
        long start = System.nanoTime();
        CompletableFuture<String> done = waiting(Duration.ofSeconds(30)).until(() -> {
            at.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            if (at.size() == 1) {
                return Check.recheckIn(Duration.ofMinutes(10));
            }
            if (at.size() == 2) {
                return Check.recheckIn(Duration.ofMillis(100));
            }
            return Check.done("rechecked");
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> at.size() == 1);
        changes.change(); // the second check asks for a recheck sooner than the first's

        assertThat(done.get(5, TimeUnit.SECONDS)).isEqualTo("rechecked");
        assertThat(at.get(2) - at.get(1)).isGreaterThanOrEqualTo(90);
    }

    @Test
    void aWaitWhoseExecutorWasShutDownEndsAndUnsubscribes() {
        changes.synced.complete(null);
        ExecutorService gone = Executors.newSingleThreadExecutor();
        gone.shutdown();
        CompletableFuture<Object> done = WatchWait.on(changes).checkedOn(gone, timers).until(Check::notYet);

        assertThatThrownBy(() -> done.get(5, TimeUnit.SECONDS))
                .hasCauseInstanceOf(java.util.concurrent.RejectedExecutionException.class);
        assertThat(changes.listeners).isEmpty();
    }
}
