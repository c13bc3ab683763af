package io.mtd.kube;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.mtd.plan.Environment;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reaches each environment's cluster through kubeconfig: its own file or KUBECONFIG, and its context or the current one. */
public final class KubeconfigClusters implements ClusterConnector {

    @Override
    public KubernetesClient connect(Environment environment) {
        return new KubernetesClientBuilder().withConfig(config(environment)).build();
    }

    /** The client configuration for {@code environment}, failing with the environment's name if its context is unknown. */
    public static Config config(Environment environment) {
        if (environment.kubeconfig() != null) {
            Path file = Path.of(environment.kubeconfig());
            if (!Files.isReadable(file)) {
                throw new IllegalArgumentException("environment '" + environment.name() + "': kubeconfig "
                        + file + " does not exist or cannot be read");
            }
            return Config.fromKubeconfig(environment.context(), file.toFile());
        }
        return Config.autoConfigure(environment.context());
    }
}
