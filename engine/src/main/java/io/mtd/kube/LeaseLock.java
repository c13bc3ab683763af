package io.mtd.kube;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A lock held through a Kubernetes Lease (coordination.k8s.io/v1): taken with optimistic concurrency, renewed while
 * held, released at the end, and taken over from a holder that stopped renewing once its lease expired.
 *
 * <p>Waiting for it holds no thread: attempts are scheduled on a shared executor.
 */
public final class LeaseLock {

    private static final Duration RETRY = Duration.ofMillis(500);
    private static final Duration NOTE_EVERY = Duration.ofSeconds(15);

    private final KubernetesClient client;
    private final String namespace;
    private final String name;
    private final String holder;
    private final Duration leaseDuration;
    private final ScheduledExecutorService scheduler;
    private final Executor api;
    private final Clock clock;
    private final Map<String, String> labels;
    private volatile String tookOver;

    public LeaseLock(KubernetesClient client, String namespace, String name, String holder, Duration leaseDuration,
            Map<String, String> labels, ScheduledExecutorService scheduler, Executor api, Clock clock) {
        this.client = client;
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

    /**
     * Completes with the held lock once it is ours; {@code onWait} hears who holds it meanwhile (now and then, not on
     * every attempt). Fails with {@link LockTimeoutException} after {@code maxWait}.
     */
    public CompletableFuture<Held> acquire(Duration maxWait, Consumer<String> onWait) {
        CompletableFuture<Held> result = new CompletableFuture<>();
        Instant deadline = clock.instant().plus(maxWait);
        api.execute(() -> attempt(result, deadline, onWait, Instant.MIN));
        return result;
    }

    private void attempt(CompletableFuture<Held> result, Instant deadline, Consumer<String> onWait, Instant lastNote) {
        if (result.isDone()) {
            return;
        }
        try {
            String blocker = tryTake();
            if (blocker == null) {
                Held held = new Held();
                if (!result.complete(held)) {
                    held.release();
                }
                return;
            }
            Instant now = clock.instant();
            if (now.isAfter(deadline)) {
                result.completeExceptionally(new LockTimeoutException("gave up waiting for the migration lock '" + name
                        + "' in namespace " + namespace + ": it is held by " + blocker));
                return;
            }
            Instant noted = lastNote;
            if (Duration.between(lastNote, now).compareTo(NOTE_EVERY) >= 0 || lastNote.equals(Instant.MIN)) {
                onWait.accept("waiting for the migration lock '" + name + "', held by " + blocker);
                noted = now;
            }
            Instant n = noted;
            scheduler.schedule(() -> api.execute(() -> attempt(result, deadline, onWait, n)), RETRY.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            result.completeExceptionally(e);
        }
    }

    /** Takes the lease if free, expired or ours; otherwise returns a description of its holder. */
    private String tryTake() {
        Lease current = client.leases().inNamespace(namespace).withName(name).get();
        ZonedDateTime now = ZonedDateTime.ofInstant(clock.instant(), ZoneOffset.UTC);
        if (current == null) {
            Lease fresh = new LeaseBuilder()
                    .withNewMetadata().withName(name).withNamespace(namespace).withLabels(labels).endMetadata()
                    .withNewSpec()
                    .withHolderIdentity(holder)
                    .withLeaseDurationSeconds((int) Math.max(1, leaseDuration.toSeconds()))
                    .withAcquireTime(now)
                    .withRenewTime(now)
                    .withLeaseTransitions(0)
                    .endSpec()
                    .build();
            try {
                client.leases().inNamespace(namespace).resource(fresh).create();
                return null;
            } catch (KubernetesClientException e) {
                if (e.getCode() == 409) {
                    return currentHolder();
                }
                throw e;
            }
        }
        String currentHolder = current.getSpec().getHolderIdentity();
        boolean ours = holder.equals(currentHolder);
        boolean free = currentHolder == null || currentHolder.isEmpty();
        Instant expires = expiry(current);
        boolean expired = expires != null && clock.instant().isAfter(expires);
        if (!ours && !free && !expired) {
            return currentHolder + " (lease valid until " + expires + ")";
        }
        current.getSpec().setHolderIdentity(holder);
        current.getSpec().setLeaseDurationSeconds((int) Math.max(1, leaseDuration.toSeconds()));
        current.getSpec().setRenewTime(now);
        if (!ours) {
            current.getSpec().setAcquireTime(now);
            Integer transitions = current.getSpec().getLeaseTransitions();
            current.getSpec().setLeaseTransitions(transitions == null ? 1 : transitions + 1);
        }
        try {
            client.leases().inNamespace(namespace).resource(current).update();
            if (expired && !ours && !free) {
                tookOver = currentHolder;
            }
            return null;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 409) {
                return currentHolder();
            }
            throw e;
        }
    }

    /** Who holds the lease right after we lost a race for it. */
    private String currentHolder() {
        Lease now = client.leases().inNamespace(namespace).withName(name).get();
        String h = now == null || now.getSpec() == null ? null : now.getSpec().getHolderIdentity();
        return h == null ? "another run that took it just now" : h;
    }

    /** The holder whose expired lease the last acquisition took over, or null. */
    public String tookOverFrom() {
        return tookOver;
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

    /** The lock while held: renewed in the background until released. */
    public final class Held implements AutoCloseable {
        private final ScheduledFuture<?> renewal;
        private volatile boolean released;

        private Held() {
            long period = Math.max(200, leaseDuration.toMillis() / 3);
            // the timer only hands the renewal to the API pool: a thousand held locks must not stall the scheduler
            renewal = scheduler.scheduleAtFixedRate(() -> api.execute(this::renew), period, period, TimeUnit.MILLISECONDS);
        }

        private void renew() {
            if (released) {
                return;
            }
            try {
                client.leases().inNamespace(namespace).withName(name).edit(l -> {
                    if (holder.equals(l.getSpec().getHolderIdentity())) {
                        l.getSpec().setRenewTime(ZonedDateTime.ofInstant(clock.instant(), ZoneOffset.UTC));
                    }
                    return l;
                });
            } catch (RuntimeException e) {
                // A missed renewal is retried at the next period; the lease stays valid for leaseDuration.
            }
        }

        /** Gives the lock up, if it is still ours; a failure here only delays the next holder until the lease expires. */
        public void release() {
            if (released) {
                return;
            }
            released = true;
            renewal.cancel(false);
            try {
                Lease current = client.leases().inNamespace(namespace).withName(name).get();
                if (current != null && holder.equals(current.getSpec().getHolderIdentity())) {
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
