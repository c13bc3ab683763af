package io.mtd.kube;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.mtd.plan.Environment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Kubernetes clients and namespace watches shared by every engine given the same pool: one client per cluster and
 * credential ({@link ClusterConnector#key}), one {@link NamespaceWatch} and one {@link DeploymentWatch} per namespace of
 * it. A client and its watches are
 * closed when the last {@link Share} that used them is closed, so a long-lived process (a Jenkins controller) keeps
 * connections only to the clusters runs are using.
 */
public final class ClusterPool implements AutoCloseable {

    private final Map<Object, Shared> shared = new HashMap<>();
    private final DeploymentWatches deploymentWatches = new DeploymentWatches();
    private boolean closed;

    /** One cluster and credential: its client, its watches and how many shares use them. */
    private static final class Shared {
        final KubernetesClient client;
        final Map<String, NamespaceWatch> watches = new HashMap<>();
        int shares;

        Shared(KubernetesClient client) {
            this.client = client;
        }

        void close() {
            watches.values().forEach(NamespaceWatch::close);
            watches.clear();
            client.close();
        }
    }

    /** A handle for one user of the pool (one engine, one run); what it used stays open until it is closed. */
    public Share share() {
        return new Share();
    }

    /** Clients open now (for tests and the scale benchmark). */
    public synchronized int clients() {
        return shared.size();
    }

    /** Namespace watches open now. */
    public synchronized int watches() {
        return shared.values().stream().mapToInt(s -> s.watches.size()).sum();
    }

    /** Watch connections open now. */
    public synchronized int watchConnections() {
        return shared.values().stream().flatMap(s -> s.watches.values().stream())
                .mapToInt(NamespaceWatch::watchConnections).sum() + deploymentWatches.watchConnections();
    }

    /** The rollouts' watches, shared like the namespace watches and closed with the client they watch through. */
    public DeploymentWatches deploymentWatches() {
        return deploymentWatches;
    }

    /** Closes every client and watch, shared or not. */
    @Override
    public void close() {
        List<Shared> all;
        synchronized (this) {
            closed = true;
            all = new ArrayList<>(shared.values());
            shared.clear();
        }
        deploymentWatches.close();
        all.forEach(Shared::close);
    }

    /** What one user of the pool holds: the clients (and their watches) it asked for, released together. */
    public final class Share implements AutoCloseable {
        private final Set<Object> held = new HashSet<>();
        private boolean released;

        private Share() {}

        /** The shared client for {@code environment}'s cluster and credential, connecting with {@code connector} if none is open. */
        public KubernetesClient client(ClusterConnector connector, Environment environment) {
            Object key = Objects.requireNonNull(connector.key(environment), "cluster key");
            synchronized (ClusterPool.this) {
                if (closed || released) {
                    throw new IllegalStateException("the engine was closed");
                }
                Shared s = shared.get(key);
                if (s == null) {
                    // connecting builds a client without I/O; holding the lock keeps one client per key
                    s = new Shared(connector.connect(environment));
                    shared.put(key, s);
                }
                if (held.add(key)) {
                    s.shares++;
                }
                return s.client;
            }
        }

        /** The shared watch of {@code namespace} through {@code client}, a client this share got from the pool. */
        public NamespaceWatch watch(KubernetesClient client, String namespace) {
            synchronized (ClusterPool.this) {
                for (Object key : held) {
                    Shared s = shared.get(key);
                    if (s != null && s.client == client) {
                        return s.watches.computeIfAbsent(namespace, ns -> new NamespaceWatch(client, ns));
                    }
                }
            }
            throw new IllegalArgumentException("the client was not taken from this pool");
        }

        /** Gives back every client this share used; those no other share uses are closed with their watches. */
        @Override
        public void close() {
            List<Shared> unused = new ArrayList<>();
            synchronized (ClusterPool.this) {
                if (released) {
                    return;
                }
                released = true;
                for (Object key : held) {
                    Shared s = shared.get(key);
                    if (s != null && --s.shares == 0) {
                        shared.remove(key);
                        unused.add(s);
                    }
                }
                held.clear();
            }
            unused.forEach(s -> {
                deploymentWatches.close(s.client);
                s.close();
            });
        }
    }
}
