package io.mtd.kube;

import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The rollouts' {@link DeploymentWatch}es: one per namespace of each client, started when a rollout there is first
 * waited on, shared by every later one, and closed with their client (see {@link ClusterPool}).
 */
public final class DeploymentWatches implements AutoCloseable {

    /** One namespace of one client: fabric8 clients compare by identity, which is what is meant here. */
    private record Key(KubernetesClient client, String namespace) {}

    private final Map<Key, DeploymentWatch> watches = new ConcurrentHashMap<>();

    /** The namespace's watch; a new one when the last one failed (say, watching was forbidden then). */
    public DeploymentWatch of(KubernetesClient client, String namespace) {
        return watches.compute(new Key(client, namespace), (k, watch) -> {
            if (watch != null && watch.usable()) {
                return watch;
            }
            if (watch != null) {
                watch.close();
            }
            return new DeploymentWatch(client, namespace);
        });
    }

    /** Open watch connections, for the scale benchmark. */
    public int watchConnections() {
        return watches.values().stream().mapToInt(DeploymentWatch::watchConnections).sum();
    }

    /** Closes the watches made through {@code client}, which is about to be closed. */
    public void close(KubernetesClient client) {
        watches.entrySet().removeIf(e -> {
            if (e.getKey().client() != client) {
                return false;
            }
            e.getValue().close();
            return true;
        });
    }

    @Override
    public void close() {
        watches.values().forEach(DeploymentWatch::close);
        watches.clear();
    }
}
