package io.mtd.kube;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.RequestConfig;
import io.fabric8.kubernetes.client.RequestConfigBuilder;
import io.mtd.concurrent.Ticker;
import io.mtd.plan.Durations;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A lock held through a Kubernetes Lease (coordination.k8s.io/v1): taken with optimistic concurrency, renewed while
 * held, released at the end, and taken over from a holder that stopped renewing once its lease expired. The algorithm
 * over {@link LeaseRecord}, the lock's data, as fabric8's {@code LeaderElector} is over its {@code LeaseLock}.
 *
 * <p>No decision compares two machines' clocks, as in Kubernetes' own leader election: a waiter judges another's lease
 * by its own observation ({@link LeaseObservation}: a takeover needs one full lease without a change of the Lease seen
 * by the waiter), and a holder judges its own by its last successful renewal, measured from when it sent it; both on
 * this process's monotonic {@link Ticker}. The {@code renewTime} it writes (by its {@link Clock}) is for people.
 *
 * <p>Waiting for it holds no thread and makes no requests: the namespace's Lease informer says when the Lease
 * changed, and a timer when the holder's lease would run out unrenewed. A held lock is never lost silently: renewal
 * errors are retried within the lease, and {@link Held#lost()} completes when it expired while ours or another run took it.
 */
public final class LeaseLock {

    private static final Duration NOTE_EVERY = Duration.ofSeconds(15);
    private static final Duration ERROR_RETRY = Duration.ofSeconds(1);

    private final KubernetesClient client;
    /**
     * The same client without its own retries of failed requests, which back off for longer than a lease lasts, and
     * with requests that end within a third of the lease.
     */
    private final KubernetesClient renewals;
    private final LeaseWatch leases;
    private final String namespace;
    private final String name;
    private final String holder;
    /** The app whose run the holder is, written next to it on the Lease (null: none). */
    private final String holderApp;
    private final Duration leaseDuration;
    private final ScheduledExecutorService scheduler;
    private final Executor api;
    private final Clock clock;
    private final Ticker ticker;
    private final Map<String, String> labels;

    /** A lock whose holder writes no app next to its identity. */
    public LeaseLock(KubernetesClient client, LeaseWatch leases, String namespace, String name, String holder,
            Duration leaseDuration, Map<String, String> labels, ScheduledExecutorService scheduler, Executor api, Clock clock,
            Ticker ticker) {
        this(client, leases, namespace, name, holder, null, leaseDuration, labels, scheduler, api, clock, ticker);
    }

    /**
     * @param holderApp the app whose run {@code holder} is, written on the Lease with the holder so that waiters of other
     *     apps can name it (null: none)
     * @param leaseDuration how long the lock stays the holder's without a renewal (whole seconds, as the Lease keeps it)
     * @param clock what the Lease's acquire and renew times are written with, for people to read
     * @param ticker what every decision is measured with
     */
    public LeaseLock(KubernetesClient client, LeaseWatch leases, String namespace, String name, String holder,
            String holderApp, Duration leaseDuration, Map<String, String> labels, ScheduledExecutorService scheduler,
            Executor api, Clock clock, Ticker ticker) {
        this.client = client;
        this.holderApp = holderApp;
        // the holder counts on the duration it writes, never on more than the waiters read
        this.leaseDuration = Duration.ofSeconds(Math.max(1, leaseDuration.toSeconds()));
        this.renewals = withoutRetries(client, this.leaseDuration);
        this.leases = leases;
        this.namespace = namespace;
        this.name = name;
        this.holder = holder;
        this.labels = labels;
        this.scheduler = scheduler;
        this.api = api;
        this.clock = clock;
        this.ticker = ticker;
    }

    public String name() {
        return name;
    }

    private static KubernetesClient withoutRetries(KubernetesClient client, Duration leaseDuration) {
        var c = client.getConfiguration();
        RequestConfig config = new RequestConfigBuilder()
                .withRequestRetryBackoffLimit(0)
                .withRequestRetryBackoffInterval(c.getRequestRetryBackoffInterval())
                .withRequestTimeout((int) Math.max(500, Math.min(10_000, leaseDuration.toMillis() / 3)))
                .withWatchReconnectInterval(c.getWatchReconnectInterval())
                .withWatchReconnectLimit(c.getWatchReconnectLimit())
                .withUploadRequestTimeout(c.getUploadRequestTimeout())
                .withLoggingInterval(c.getLoggingInterval())
                .withScaleTimeout(c.getScaleTimeout())
                .build();
        return client.newClient(config).adapt(KubernetesClient.class);
    }

    /**
     * Completes with the held lock once it is ours; {@code onWait} hears who holds it meanwhile (when that changes, and
     * now and then). Fails with {@link LockTimeoutException} after {@code maxWait}; completing the returned future
     * (say exceptionally, on a cancel) stops the wait.
     */
    public CompletableFuture<Held> acquire(Duration maxWait, Consumer<String> onWait) {
        // attempts make requests: they run on the API pool, one at a time, whenever the Lease changed or a timer fired
        return WatchWait.on(leases.changes(name)).checkedOn(api, scheduler).within(maxWait).until(new Acquisition(onWait));
    }

    /**
     * One acquisition: takes the Lease once it is free, ours, or unchanged for a full lease as this acquisition saw it;
     * else says who holds it.
     */
    private final class Acquisition implements WatchWait.Condition<Held> {
        private final Consumer<String> onWait;
        private LeaseObservation seen;
        private String lastHolder;
        private long lastNote;
        private String blocker;
        private RuntimeException lastError;

        Acquisition(Consumer<String> onWait) {
            this.onWait = onWait;
        }

        @Override
        public WatchWait.Check<Held> check() {
            try {
                WatchWait.Check<Held> c = attempt();
                lastError = null;
                return c;
            } catch (RuntimeException e) {
                // an API error while waiting: try again shortly, until the deadline
                lastError = e;
                return WatchWait.Check.recheckIn(ERROR_RETRY);
            }
        }

        private WatchWait.Check<Held> attempt() {
            Lease current = leases.lease(name);
            LeaseRecord record = LeaseRecord.of(current);
            long now = ticker.nanos();
            boolean free = record == null || !record.held() || record.heldBy(holder);
            if (!free) {
                seen = LeaseObservation.next(seen, record, now);
                free = seen.expired(now, leaseDuration);
            }
            if (free) {
                Held held = take(current);
                if (held != null) {
                    return WatchWait.Check.done(held);
                }
                // lost a race: the informer brings the winner's Lease, and with it the next attempt
                LeaseRecord winner = LeaseRecord.of(leases.lease(name));
                String h = winner == null || !winner.held() ? "another run that took it just now" : winner.holder();
                if (!holder.equals(h)) { // our own earlier holding, being released: no one to wait for
                    blocker = winner == null || !winner.held() ? h : winner.describeHolder();
                    note(h, now);
                }
                return WatchWait.Check.notYet();
            }
            blocker = record.describeHolder() + " (no renewal seen here for " + Durations.format(seen.unchangedFor(now)) + " of its "
                    + Durations.format(seen.leaseDuration(leaseDuration)) + " lease)";
            note(record.holder(), now);
            // nobody tells when a holder stops renewing: look again the moment its lease would run out, as seen here
            return WatchWait.Check.recheckIn(seen.expiresIn(now, leaseDuration).plusMillis(20));
        }

        private void note(String who, long now) {
            if (lastHolder == null || !Objects.equals(who, lastHolder) || now - lastNote >= NOTE_EVERY.toNanos()) {
                onWait.accept("waiting for the migration lock '" + name + "', held by " + blocker);
                lastHolder = who;
                lastNote = now;
            }
        }

        @Override
        public Held timedOut() {
            throw new LockTimeoutException("gave up waiting for the migration lock '" + name + "' in namespace " + namespace
                    + ": " + (lastError != null ? ApiError.describe(lastError) : "it is held by " + blocker));
        }

        @Override
        public void abandoned(Held held) {
            held.release();
        }

        /** Creates or takes the Lease; null when another run changed it first. */
        private Held take(Lease current) {
            int seconds = (int) leaseDuration.toSeconds();
            Instant at = clock.instant();
            try {
                if (current == null) {
                    long sent = ticker.nanos();
                    Lease created = client.leases().inNamespace(namespace)
                            .resource(LeaseRecord.created(namespace, name, labels, holder, holderApp, seconds, at)).create();
                    return new Held(created, null, sent, null);
                }
                LeaseRecord before = LeaseRecord.of(current);
                Lease taken = LeaseRecord.taken(current, holder, holderApp, seconds, at);
                long sent = ticker.nanos();
                Lease updated = client.leases().inNamespace(namespace).resource(taken).update();
                boolean tookFromLive = before.held() && !before.heldBy(holder);
                return new Held(updated, before.resourceVersion(), sent, tookFromLive ? before.holder() : null);
            } catch (KubernetesClientException e) {
                if (e.getCode() == 409) {
                    return null;
                }
                throw e;
            }
        }
    }

    /** The lock while held: renewed in the background until released, and watched for its loss. */
    public final class Held implements AutoCloseable {
        private final CompletableFuture<LockLost> lost = new CompletableFuture<>();
        private final int transitions;
        private final String tookOverFrom;
        private final CompletableFuture<Void> watching;
        /** The informer's copy may still show the Lease as it was before this run took it: that is not a loss. */
        private final String versionBefore;
        private final Map<String, String> annotationsWhenTaken;
        /** The Lease as this holding last wrote it: a later write, even one under the same run id, is not ours to undo. */
        private volatile String written;
        /** When the last renewal that succeeded was sent, by the {@link Ticker}: the lease is ours for its duration from then. */
        private volatile long renewedAt;
        private volatile ScheduledFuture<?> renewal;
        private volatile ScheduledFuture<?> expiry;
        private volatile String lastError;
        private volatile boolean released;
        private final java.util.concurrent.atomic.AtomicBoolean renewing = new java.util.concurrent.atomic.AtomicBoolean();

        /** @param versionBefore the Lease's resourceVersion before this run wrote it, or null when it created it */
        private Held(Lease lease, String versionBefore, long sentAt, String tookOverFrom) {
            this.transitions = LeaseRecord.of(lease).transitions();
            this.annotationsWhenTaken = lease.getMetadata() == null || lease.getMetadata().getAnnotations() == null ? Map.of()
                    : Map.copyOf(lease.getMetadata().getAnnotations());
            this.versionBefore = versionBefore;
            this.written = lease.getMetadata() == null ? null : lease.getMetadata().getResourceVersion();
            this.tookOverFrom = tookOverFrom;
            renewed(sentAt);
            scheduleRenewal(period());
            // told when the Lease changes: another holder in the informer's copy is checked for certain at once
            watching = WatchWait.on(leases.changes(name)).checkedOn(api, scheduler).until(this::stillOurs);
        }

        /** The run holding the lock (this one). */
        public String holder() {
            return holder;
        }

        /** The Lease's name. */
        public String lease() {
            return name;
        }

        /** How long the lock stays ours without a renewal. */
        public Duration leaseDuration() {
            return leaseDuration;
        }

        /** The Lease's transition count when this run took it: with the holder, it names one holding of the lock. */
        public int transitions() {
            return transitions;
        }

        /** The holder whose expired lease this run took over, or null. */
        public String tookOverFrom() {
            return tookOverFrom;
        }

        /** Completes if the lock stops being ours before it is released. */
        public CompletableFuture<LockLost> lost() {
            return lost;
        }

        /**
         * Whether the lease is ours for at least {@code margin} more, by our last successful renewal: a run creates its
         * Job only then, so that a holder that stalled cannot create one after another run took the lock.
         */
        public boolean validFor(Duration margin) {
            return !lost.isDone() && !released && ticker.nanos() + margin.toNanos() < renewedAt + leaseDuration.toNanos();
        }

        /**
         * The environment's client for writes that must land while the lock is held: no retries of its own, and each
         * request ends within a third of the lease, so one started while {@link #validFor} a third of the lease cannot
         * land after the lease expired.
         */
        public KubernetesClient boundedClient() {
            return renewals;
        }

        private long period() {
            return Math.max(100, leaseDuration.toMillis() / 3);
        }

        private synchronized void scheduleRenewal(long delayMillis) {
            ScheduledFuture<?> previous = renewal;
            if (previous != null) {
                previous.cancel(false);
            }
            // the timer only hands the renewal to the API pool: a thousand held locks must not stall the scheduler
            renewal = scheduler.schedule(() -> api.execute(this::renew), delayMillis, TimeUnit.MILLISECONDS);
        }

        private void renewed(long sentAt) {
            renewedAt = sentAt;
            ScheduledFuture<?> old = expiry;
            if (old != null) {
                old.cancel(false);
            }
            long left = sentAt + leaseDuration.toNanos() - ticker.nanos();
            expiry = scheduler.schedule(this::expired, Math.max(0, left), TimeUnit.NANOSECONDS);
        }

        private void expired() {
            if (released || lost.isDone()) {
                return;
            }
            long left = renewedAt + leaseDuration.toNanos() - ticker.nanos();
            if (left > 0) {
                // renewed meanwhile: look again then
                expiry = scheduler.schedule(this::expired, left, TimeUnit.NANOSECONDS);
                return;
            }
            lose(null, "the lease expired while this run held it (its renewals failed"
                    + (lastError == null ? " or did not answer in time" : ": " + lastError)
                    + "), so another run may take it at any moment");
        }

        private WatchWait.Check<Void> stillOurs() {
            if (released || lost.isDone()) {
                return WatchWait.Check.done(null);
            }
            LeaseRecord seen = LeaseRecord.of(leases.lease(name));
            boolean beforeOurWrite = seen == null ? versionBefore == null : Objects.equals(seen.resourceVersion(), versionBefore);
            if (!beforeOurWrite && (seen == null || !seen.heldBy(holder))) {
                renew(); // the cache may lag our own writes: read the Lease itself before calling the lock lost
            }
            return lost.isDone() ? WatchWait.Check.done(null) : WatchWait.Check.notYet();
        }

        private void renew() {
            // one renewal at a time; a request the client still retries keeps the others out, not release()
            if (released || lost.isDone() || !renewing.compareAndSet(false, true)) {
                return;
            }
            long next;
            try {
                next = renewOnce(Map.of());
            } finally {
                renewing.set(false);
            }
            if (next >= 0 && !released && !lost.isDone()) {
                scheduleRenewal(next);
            }
        }

        /**
         * One renewal, with {@code annotations} written on the Lease; returns when to renew next (-1: never, the lock is
         * lost). The caller holds {@code renewing}.
         */
        private long renewOnce(Map<String, String> annotations) {
            try {
                Lease current = renewals.leases().inNamespace(namespace).withName(name).get();
                LeaseRecord record = LeaseRecord.of(current);
                if (record == null) {
                    lose(null, "its Lease was deleted");
                    return -1;
                }
                if (!record.heldBy(holder)) {
                    lose(record.holder(), !record.held() ? "its Lease was released by someone else"
                            : "another run took the Lease over (transition " + record.transitions() + ")");
                    return -1;
                }
                Lease renewal = LeaseRecord.renewed(current, clock.instant());
                if (!annotations.isEmpty()) {
                    renewal.getMetadata().setAnnotations(new java.util.LinkedHashMap<>(
                            renewal.getMetadata().getAnnotations() == null ? Map.of() : renewal.getMetadata().getAnnotations()));
                    renewal.getMetadata().getAnnotations().putAll(annotations);
                }
                long sent = ticker.nanos();
                Lease renewed = renewals.leases().inNamespace(namespace).resource(renewal).update();
                written = renewed.getMetadata() == null ? null : renewed.getMetadata().getResourceVersion();
                lastError = null;
                renewed(sent);
                return period();
            } catch (KubernetesClientException e) {
                // retried well within the lease: a few failed renewals must not lose the lock, a lost lock must be noticed
                lastError = e.getCode() > 0 ? "HTTP " + e.getCode() : String.valueOf(e.getMessage());
                return e.getCode() == 409 ? 10 : Math.max(50, period() / 4);
            } catch (RuntimeException e) {
                lastError = String.valueOf(e.getMessage());
                return Math.max(50, period() / 4);
            }
        }

        /**
         * Renews the lease now and writes {@code annotations} on it (say the Job this run is about to create, for runs
         * that wait in other namespaces); true once written while the lock is ours. Waits for a renewal in flight, at most
         * a third of the lease.
         */
        public boolean record(Map<String, String> annotations) {
            long until = System.nanoTime() + leaseDuration.toNanos() / 3;
            while (!renewing.compareAndSet(false, true)) {
                if (System.nanoTime() > until || released || lost.isDone()) {
                    return false;
                }
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            long next;
            try {
                if (released || lost.isDone()) {
                    return false;
                }
                next = renewOnce(annotations);
            } finally {
                renewing.set(false);
            }
            return next >= 0 && lastError == null && !lost.isDone();
        }

        /** The Lease's annotations as this run took it: what the run that held it before recorded there. */
        public Map<String, String> annotationsWhenTaken() {
            return annotationsWhenTaken;
        }

        private void lose(String newHolder, String why) {
            if (released) {
                return;
            }
            stopRenewing();
            lost.complete(new LockLost(name, newHolder, why));
        }

        private void stopRenewing() {
            if (watching != null) {
                watching.cancel(false);
            }
            ScheduledFuture<?> r = renewal;
            if (r != null) {
                r.cancel(false);
            }
            ScheduledFuture<?> x = expiry;
            if (x != null) {
                x.cancel(false);
            }
        }

        /**
         * Gives the lock up, if it is still ours as this holding last wrote it; a failure here only delays the next holder
         * until the lease expires.
         */
        public void release() {
            if (released) {
                return;
            }
            released = true;
            stopRenewing();
            if (lost.isDone()) {
                return;
            }
            // a renewal still in flight would leave the Lease newer than this holding knows: let it land first
            long until = System.nanoTime() + leaseDuration.toNanos();
            while (!renewing.compareAndSet(false, true)) {
                if (System.nanoTime() > until) {
                    return; // the lease expires by itself
                }
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            try {
                Lease current = client.leases().inNamespace(namespace).withName(name).get();
                LeaseRecord record = LeaseRecord.of(current);
                // the same run may hold it again already (its next Job's claim): only this holding's last write is undone
                if (record != null && record.heldBy(holder) && Objects.equals(record.resourceVersion(), written)) {
                    client.leases().inNamespace(namespace).resource(LeaseRecord.released(current)).update();
                }
            } catch (RuntimeException e) {
                // the lease expires by itself
            } finally {
                renewing.set(false);
            }
        }

        /** Releases the lock on the API pool; the returned future completes when it is done (or failed: it then expires). */
        public CompletableFuture<Void> releaseAsync() {
            return CompletableFuture.runAsync(this::release, api);
        }

        @Override
        public void close() {
            release();
        }
    }

    /** The lock was not free within the time allowed. */
    public static final class LockTimeoutException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public LockTimeoutException(String message) {
            super(message);
        }
    }
}
