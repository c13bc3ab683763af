package io.mtd.kube;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.mtd.plan.Environment;

/** Opens a client to an environment's cluster: from kubeconfig (CLI), Jenkins credentials (plugin) or the sandbox. */
@FunctionalInterface
public interface ClusterConnector {

    /** A client for {@code environment}'s cluster; the engine closes it when no run uses it any more. */
    KubernetesClient connect(Environment environment);

    /**
     * What identifies the cluster and credential {@link #connect} would use for {@code environment}: environments (and,
     * in a shared {@link ClusterPool}, runs) with equal keys share one client and its watches. The default keeps each
     * environment's own client; a connector that knows the credential's content may key by it instead.
     */
    default Object key(Environment environment) {
        return environment.name() + "|" + environment.kubeconfig() + "|" + environment.context() + "|"
                + environment.credentialsId() + "|" + environment.serverUrl();
    }
}
