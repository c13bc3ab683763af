package io.mtd.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.mtd.plan.Environment;
import io.mtd.sandbox.Sandbox;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KubeconfigClustersTest {

    @TempDir
    Path dir;

    private static Environment env(String kubeconfig, String context) {
        return new Environment("staging", context, kubeconfig, null, null, "shop-staging", List.of(), null, null, null);
    }

    @Test
    void reachesTheClusterOfTheEnvironmentsKubeconfigAndContext() {
        try (Sandbox sandbox = Sandbox.start()) {
            Path kubeconfig = sandbox.writeKubeconfig(dir.resolve("config"));
            try (KubernetesClient client = new KubeconfigClusters().connect(env(kubeconfig.toString(), "sandbox"))) {
                assertThat(client.getMasterUrl().toString()).isEqualTo(sandbox.config().getMasterUrl());
                assertThat(client.namespaces().list().getItems()).isNotNull();
            }
        }
    }

    @Test
    void aMissingKubeconfigNamesTheEnvironmentAndTheFile() {
        assertThatThrownBy(() -> KubeconfigClusters.config(env(dir.resolve("nope").toString(), null)))
                .hasMessageContaining("environment 'staging'").hasMessageContaining("nope");
    }
}
