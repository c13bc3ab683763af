package io.mtd.kube;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.RequestConfig;
import io.fabric8.kubernetes.client.RequestConfigBuilder;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A lock held through a Kubernetes Lease (coordination.k8s.io/v1): taken with optimistic concurrency, renewed while
 * held, released at the end, and taken over from a holder that stopped renewing once its lease expired.
 *
 * <p>Waiting for it holds no thread and makes no requests: the namespace's Lease informer says when the Lease
 * changed, and a timer when the holder's lease would expire. A held lock is never lost silently: renewal errors are
 * retried within the lease, and {@link Held#lost()} completes when it expired while ours or another run took it.
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
    private final Duration leaseDuration;
    private final ScheduledExecutorService scheduler;
    private final Executor api;
    private final Clock clock;
    private final Map<String, String> labels;

    public LeaseLock(KubernetesClient client, LeaseWatch leases, String namespace, String name, String holder,
            Duration leaseDuration, Map<String, String> labels, ScheduledExecutorService scheduler, Executor api, Clock clock) {
        this.client = client;
        this.renewals = withoutRetries(client, leaseDuration);
        this.leases = leases;
        this.namespace = namespace;
        this.name = name;
        this.holder = holder;
        this.leaseDuration = leaseDuration;
        this.labels = labels;
        this.scheduler = scheduler;
        this.api = api;
        this.clock = clock;
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
        Attempts attempts = new Attempts(clock.instant().plus(maxWait), onWait);
        Runnable onChange = attempts::trigger; // one instance: unsubscribe removes by identity
        leases.subscribe(name, onChange);
        attempts.result.whenComplete((h, e) -> {
            leases.unsubscribe(name, onChange);
            attempts.cancelTimer();
        });
        attempts.timeout = scheduler.schedule(attempts::trigger, maxWait.toMillis() + 1, TimeUnit.MILLISECONDS);
        leases.synced().whenComplete((v, e) -> attempts.trigger());
        return attempts.result;
    }

    /** One acquisition: attempts run one at a time on the API pool, whenever the Lease changed or a timer fired. */
    private final class Attempts {
        final CompletableFuture<Held> result = new CompletableFuture<>();
        final Instant deadline;
        final Consumer<String> onWait;
        final AtomicInteger pending = new AtomicInteger();
        volatile ScheduledFuture<?> timer;
        volatile ScheduledFuture<?> timeout;
        String lastHolder;
        Instant lastNote = Instant.MIN;
        String tookOver;

        Attempts(Instant deadline, Consumer<String> onWait) {
            this.deadline = deadline;
            this.onWait = onWait;
        }

        void trigger() {
            if (!result.isDone() && pending.getAndIncrement() == 0) {
                api.execute(this::drain);
            }
        }

        private void drain() {
            int missed = 1;
            while (true) {
                try {
                    attempt();
                } catch (RuntimeException e) {
                    // an API error while waiting: try again shortly, until the deadline
                    if (clock.instant().isBefore(deadline)) {
                        later(ERROR_RETRY);
                    } else {
                        result.completeExceptionally(new LockTimeoutException("gave up waiting for the migration lock '"
                                + name + "' in namespace " + namespace + ": "
                                + ApiError.describe(e)));
                    }
                }
                missed = pending.addAndGet(-missed);
                if (missed == 0) {
                    return;
                }
            }
        }

        void cancelTimer() {
            ScheduledFuture<?> t = timer;
            if (t != null) {
                t.cancel(false);
            }
            t = timeout;
            if (t != null) {
                t.cancel(false);
            }
        }

        private void later(Duration delay) {
            ScheduledFuture<?> t = timer;
            if (t != null) {
                t.cancel(false);
            }
            timer = scheduler.schedule(this::trigger, Math.max(1, delay.toMillis()), TimeUnit.MILLISECONDS);
        }

        private void attempt() {
            if (result.isDone()) {
                return;
            }
            Lease current = leases.lease(name);
            Instant now = clock.instant();
            String blocker = current == null ? null : blocker(current, now);
            if (blocker == null) {
                Held held = take(current, now);
                if (held != null) {
                    if (!result.complete(held)) {
                        held.release();
                    }
                    return;
                }
                // lost a race: the informer brings the winner's Lease, and with it the next attempt
                blocker = holderOf(leases.lease(name));
            }
            if (!now.isBefore(deadline)) {
                result.completeExceptionally(new LockTimeoutException("gave up waiting for the migration lock '" + name
                        + "' in namespace " + namespace + ": it is held by " + blocker));
                return;
            }
            if (!Objects.equals(blocker, lastHolder) || Duration.between(lastNote, now).compareTo(NOTE_EVERY) >= 0) {
                onWait.accept("waiting for the migration lock '" + name + "', held by " + blocker);
                lastHolder = blocker;
                lastNote = now;
            }
            Instant expires = current == null ? null : expiry(current);
            if (expires != null && expires.isAfter(now)) {
                // nobody tells when a holder stops renewing: look again the moment its lease would expire
                later(Duration.between(now, expires).plusMillis(20));
            }
        }

        /** Who blocks us in {@code lease}, or null when it is free, expired or ours. */
        private String blocker(Lease lease, Instant now) {
            String h = lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
            if (h == null || h.isEmpty() || holder.equals(h)) {
                return null;
            }
            Instant expires = expiry(lease);
            if (expires != null && now.isAfter(expires)) {
                return null;
            }
            return h + " (lease valid until " + expires + ")";
        }

        /** Creates or takes the Lease; null when another run changed it first. */
        private Held take(Lease current, Instant now) {
            ZonedDateTime at = ZonedDateTime.ofInstant(now, ZoneOffset.UTC);
            int seconds = (int) Math.max(1, leaseDuration.toSeconds());
            try {
                if (current == null) {
                    Lease created = client.leases().inNamespace(namespace).resource(new LeaseBuilder()
                            .withNewMetadata().withName(name).withNamespace(namespace).withLabels(labels).endMetadata()
                            .withNewSpec().withHolderIdentity(holder).withLeaseDurationSeconds(seconds)
                            .withAcquireTime(at).withRenewTime(at).withLeaseTransitions(0).endSpec()
                            .build()).create();
                    return new Held(created, now, null);
                }
                Lease next = new LeaseBuilder(current).build();
                String previous = next.getSpec().getHolderIdentity();
                boolean ours = holder.equals(previous);
                next.getSpec().setHolderIdentity(holder);
                next.getSpec().setLeaseDurationSeconds(seconds);
                next.getSpec().setRenewTime(at);
                if (!ours) {
                    next.getSpec().setAcquireTime(at);
                    Integer transitions = next.getSpec().getLeaseTransitions();
                    next.getSpec().setLeaseTransitions(transitions == null ? 1 : transitions + 1);
                }
                // the informer's copy carries its resourceVersion: a Lease changed since is refused with 409
                Lease updated = client.leases().inNamespace(namespace).resource(next).update();
                boolean tookFromLive = previous != null && !previous.isEmpty() && !ours;
                return new Held(updated, now, tookFromLive ? previous : null);
            } catch (KubernetesClientException e) {
                if (e.getCode() == 409) {
                    return null;
                }
                throw e;
            }
        }
    }

    private static String holderOf(Lease lease) {
        String h = lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
        return h == null || h.isEmpty() ? "another run that took it just now" : h;
    }

    private static Instant expiry(Lease lease) {
        ZonedDateTime renewed = lease.getSpec().getRenewTime() != null ? lease.getSpec().getRenewTime()
                : lease.getSpec().getAcquireTime();
        Integer seconds = lease.getSpec().getLeaseDurationSeconds();
        if (renewed == null || seconds == null) {
            return null;
        }
        return renewed.toInstant().plusSeconds(seconds);
    }

    /** The lock while held: renewed in the background until released, and watched for its loss. */
    public final class Held implements AutoCloseable {
        private final CompletableFuture<LockLost> lost = new CompletableFuture<>();
        private final int transitions;
        private final String tookOverFrom;
        private final Runnable onLeaseChange = this::checkSoon;
        private volatile Instant renewedAt;
        private volatile ScheduledFuture<?> renewal;
        private volatile ScheduledFuture<?> expiry;
        private volatile String lastError;
        private volatile boolean released;
        /** The Lease's resourceVersion as this hold last wrote it: a later write is another hold's, maybe the same run's. */
        private volatile String written;
        private final java.util.concurrent.atomic.AtomicBoolean renewing = new java.util.concurrent.atomic.AtomicBoolean();

        private Held(Lease lease, Instant at, String tookOverFrom) {
            this.written = lease.getMetadata() == null ? null : lease.getMetadata().getResourceVersion();
            Integer t = lease.getSpec() == null ? null : lease.getSpec().getLeaseTransitions();
            this.transitions = t == null ? 0 : t;
            this.tookOverFrom = tookOverFrom;
            renewed(at);
            scheduleRenewal(period());
            leases.subscribe(name, onLeaseChange);
        }

        /** The run holding the lock (this one). */
        public String holder() {
            return holder;
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
            return !lost.isDone() && !released && clock.instant().plus(margin).isBefore(renewedAt.plus(leaseDuration));
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

        private void renewed(Instant at) {
            renewedAt = at;
            ScheduledFuture<?> old = expiry;
            if (old != null) {
                old.cancel(false);
            }
            long left = Duration.between(clock.instant(), at.plus(leaseDuration)).toMillis();
            expiry = scheduler.schedule(this::expired, Math.max(0, left), TimeUnit.MILLISECONDS);
        }

        private void expired() {
            if (released || lost.isDone()) {
                return;
            }
            Instant until = renewedAt.plus(leaseDuration);
            if (clock.instant().isBefore(until)) {
                // renewed meanwhile, or the timer ran ahead of the wall clock: look again then
                expiry = scheduler.schedule(this::expired, Math.max(1, Duration.between(clock.instant(), until).toMillis() + 1),
                        TimeUnit.MILLISECONDS);
                return;
            }
            lose(null, "the lease expired while this run held it (its renewals failed"
                    + (lastError == null ? " or did not answer in time" : ": " + lastError)
                    + "), so another run may take it at any moment");
        }

        private void checkSoon() {
            // the informer says the Lease changed: read it for certain (the cache may lag our own writes)
            if (!released && !lost.isDone()) {
                Lease seen = leases.lease(name);
                String h = seen == null || seen.getSpec() == null ? null : seen.getSpec().getHolderIdentity();
                if (!holder.equals(h)) {
                    api.execute(this::renew);
                }
            }
        }

        private void renew() {
            // one renewal at a time; a request the client still retries keeps the others out, not release()
            if (released || lost.isDone() || !renewing.compareAndSet(false, true)) {
                return;
            }
            long next = -1;
            try {
                Lease current = renewals.leases().inNamespace(namespace).withName(name).get();
                String h = current == null || current.getSpec() == null ? null : current.getSpec().getHolderIdentity();
                if (current == null) {
                    lose(null, "its Lease was deleted");
                    return;
                }
                if (!holder.equals(h)) {
                    lose(h == null || h.isEmpty() ? null : h, h == null || h.isEmpty() ? "its Lease was released by someone else"
                            : "another run took the Lease over (transition " + current.getSpec().getLeaseTransitions() + ")");
                    return;
                }
                Instant now = clock.instant();
                current.getSpec().setRenewTime(ZonedDateTime.ofInstant(now, ZoneOffset.UTC));
                Lease updated = renewals.leases().inNamespace(namespace).resource(current).update();
                written = updated.getMetadata() == null ? null : updated.getMetadata().getResourceVersion();
                lastError = null;
                renewed(now);
                next = period();
            } catch (KubernetesClientException e) {
                // retried well within the lease: a few failed renewals must not lose the lock, a lost lock must be noticed
                lastError = e.getCode() > 0 ? "HTTP " + e.getCode() : String.valueOf(e.getMessage());
                next = e.getCode() == 409 ? 10 : Math.max(50, period() / 4);
            } catch (RuntimeException e) {
                lastError = String.valueOf(e.getMessage());
                next = Math.max(50, period() / 4);
            } finally {
                renewing.set(false);
            }
            if (next >= 0 && !released && !lost.isDone()) {
                scheduleRenewal(next);
            }
        }

        private void lose(String newHolder, String why) {
            if (released) {
                return;
            }
            stopRenewing();
            lost.complete(new LockLost(name, newHolder, why));
        }

        private void stopRenewing() {
            leases.unsubscribe(name, onLeaseChange);
            ScheduledFuture<?> r = renewal;
            if (r != null) {
                r.cancel(false);
            }
            ScheduledFuture<?> x = expiry;
            if (x != null) {
                x.cancel(false);
            }
        }

        /** Gives the lock up, if it is still ours; a failure here only delays the next holder until the lease expires. */
        public void release() {
            if (released) {
                return;
            }
            released = true;
            stopRenewing();
            if (lost.isDone()) {
                return;
            }
            try {
                Lease current = client.leases().inNamespace(namespace).withName(name).get();
                // only this hold's own last write is released: the same run may hold the lock again by now
                if (current != null && holder.equals(current.getSpec().getHolderIdentity())
                        && Objects.equals(written, current.getMetadata().getResourceVersion())) {
                    current.getSpec().setHolderIdentity(null);
                    current.getSpec().setRenewTime(null);
                    client.leases().inNamespace(namespace).resource(current).update();
                }
            } catch (RuntimeException e) {
                // the lease expires by itself
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
