package io.mtd.kube;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Map;
import java.util.TreeMap;

/**
 * The migration lock's record in its Lease (coordination.k8s.io/v1), and the Leases that take, renew and release it:
 * the lock's data, as fabric8's {@code LeaseLock} and {@code LeaderElectionRecord} are the data of its
 * {@code LeaderElector}. {@link LeaseLock} is the algorithm over it.
 *
 * @param holder who holds the lock (a run id), or null when nobody does
 * @param holderApp the app of the run that holds it, as its lock wrote it next to the holder; null when nobody holds it
 *     or the holder wrote none (a Lease written by hand, or by an engine before the slot was shared by apps)
 * @param leaseDurationSeconds how long a holder that stops renewing keeps it, as the holder wrote it (may be null)
 * @param renewTime when the holder last renewed, by the holder's clock (for people: the engine never compares it)
 * @param transitions how many times the lock changed hands
 * @param resourceVersion the API server's version of the Lease: any write changes it
 */
public record LeaseRecord(String holder, String holderApp, Integer leaseDurationSeconds, ZonedDateTime acquireTime, ZonedDateTime renewTime,
        int transitions, String resourceVersion) {

    /** A record without the holder's app. */
    public LeaseRecord(String holder, Integer leaseDurationSeconds, ZonedDateTime acquireTime, ZonedDateTime renewTime,
            int transitions, String resourceVersion) {
        this(holder, null, leaseDurationSeconds, acquireTime, renewTime, transitions, resourceVersion);
    }

    /** The record {@code lease} holds, or null for no Lease. */
    public static LeaseRecord of(Lease lease) {
        if (lease == null) {
            return null;
        }
        var spec = lease.getSpec();
        String holder = spec == null ? null : spec.getHolderIdentity();
        boolean held = holder != null && !holder.isEmpty();
        Map<String, String> annotations = lease.getMetadata() == null ? null : lease.getMetadata().getAnnotations();
        String app = held && annotations != null ? annotations.get(Labels.ANNOTATION_HOLDER_APP) : null;
        return new LeaseRecord(held ? holder : null, app == null || app.isEmpty() ? null : app,
                spec == null ? null : spec.getLeaseDurationSeconds(),
                spec == null ? null : spec.getAcquireTime(),
                spec == null ? null : spec.getRenewTime(),
                spec == null || spec.getLeaseTransitions() == null ? 0 : spec.getLeaseTransitions(),
                lease.getMetadata() == null ? null : lease.getMetadata().getResourceVersion());
    }

    /** Whether someone holds the lock (expired or not). */
    public boolean held() {
        return holder != null;
    }

    /** Who holds it, for people: the run, and its app where the holder wrote it ("run-7 of app shop"). */
    public String describeHolder() {
        return holderApp == null ? holder : holder + " of app " + holderApp;
    }

    /** Whether {@code id} holds it. */
    public boolean heldBy(String id) {
        return holder != null && holder.equals(id);
    }

    /** A new Lease held by {@code holder} (a run of {@code app}, may be null) since {@code now}. */
    static Lease created(String namespace, String name, Map<String, String> labels, String holder, String app, int seconds,
            Instant now) {
        ZonedDateTime at = ZonedDateTime.ofInstant(now, ZoneOffset.UTC);
        return new LeaseBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).withLabels(labels)
                .withAnnotations(app == null ? Map.of() : Map.of(Labels.ANNOTATION_HOLDER_APP, app)).endMetadata()
                .withNewSpec().withHolderIdentity(holder).withLeaseDurationSeconds(seconds)
                .withAcquireTime(at).withRenewTime(at).withLeaseTransitions(0).endSpec()
                .build();
    }

    /**
     * {@code current} taken by {@code holder} at {@code now}: a transition when someone else held it. It keeps
     * {@code current}'s resourceVersion, so the API server refuses it (409) when the Lease changed since.
     */
    static Lease taken(Lease current, String holder, String app, int seconds, Instant now) {
        Lease next = new LeaseBuilder(current).build();
        ZonedDateTime at = ZonedDateTime.ofInstant(now, ZoneOffset.UTC);
        boolean ours = holder.equals(next.getSpec().getHolderIdentity());
        next.getSpec().setHolderIdentity(holder);
        holderApp(next, app);
        next.getSpec().setLeaseDurationSeconds(seconds);
        next.getSpec().setRenewTime(at);
        if (!ours) {
            next.getSpec().setAcquireTime(at);
            Integer transitions = next.getSpec().getLeaseTransitions();
            next.getSpec().setLeaseTransitions(transitions == null ? 1 : transitions + 1);
        }
        return next;
    }

    /** {@code current} renewed at {@code now}. */
    static Lease renewed(Lease current, Instant now) {
        Lease next = new LeaseBuilder(current).build();
        next.getSpec().setRenewTime(ZonedDateTime.ofInstant(now, ZoneOffset.UTC));
        return next;
    }

    /** {@code current} given up: no holder, so the next run takes it at once. */
    static Lease released(Lease current) {
        Lease next = new LeaseBuilder(current).build();
        next.getSpec().setHolderIdentity(null);
        next.getSpec().setRenewTime(null);
        holderApp(next, null);
        return next;
    }

    /** Writes the holder's app next to its identity: none for a holder that has none, never the previous holder's. */
    private static void holderApp(Lease lease, String app) {
        Map<String, String> annotations = new TreeMap<>(lease.getMetadata().getAnnotations() == null ? Map.of()
                : lease.getMetadata().getAnnotations());
        if (app == null) {
            annotations.remove(Labels.ANNOTATION_HOLDER_APP);
        } else {
            annotations.put(Labels.ANNOTATION_HOLDER_APP, app);
        }
        lease.getMetadata().setAnnotations(annotations);
    }
}
