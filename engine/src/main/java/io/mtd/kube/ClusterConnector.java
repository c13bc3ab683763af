package io.mtd.kube;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.mtd.plan.Environment;

/** Opens a client to an environment's cluster: from kubeconfig (CLI), Jenkins credentials (plugin) or the sandbox. */
@FunctionalInterface
public interface ClusterConnector {

    /** A client for {@code environment}'s cluster; the engine closes it when the run ends. */
    KubernetesClient connect(Environment environment);
}
