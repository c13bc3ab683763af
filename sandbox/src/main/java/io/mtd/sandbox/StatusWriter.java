package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.util.Map;

/**
 * Writes a whole status stanza through the /status subresource, the way Kubernetes controllers do, so that watches
 * and informers see a MODIFIED event and spec changes made meanwhile by users are kept.
 */
final class StatusWriter {

    private static final Map<String, String> PATHS = Map.of(
            "Pod", "/api/v1/namespaces/%s/pods/%s/status",
            "Job", "/apis/batch/v1/namespaces/%s/jobs/%s/status",
            "Deployment", "/apis/apps/v1/namespaces/%s/deployments/%s/status",
            "ReplicaSet", "/apis/apps/v1/namespaces/%s/replicasets/%s/status");

    private final KubernetesClient client;

    StatusWriter(KubernetesClient client) {
        this.client = client;
    }

    /**
     * Replaces the status of the named object with the status of {@code withStatus}; returns false when the object is
     * gone.
     */
    boolean put(HasMetadata withStatus) {
        String kind = withStatus.getKind();
        ObjectMeta meta = withStatus.getMetadata();
        String path = String.format(PATHS.get(kind), meta.getNamespace(), meta.getName());
        // Without a resourceVersion the mock server replaces the status without an optimistic-lock check.
        String resourceVersion = meta.getResourceVersion();
        meta.setResourceVersion(null);
        try {
            return client.raw(path, "PUT", withStatus) != null;
        } catch (KubernetesClientException e) {
            if (e.getCode() == 404) {
                return false;
            }
            throw e;
        } finally {
            meta.setResourceVersion(resourceVersion);
        }
    }
}
