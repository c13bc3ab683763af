package io.mtd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.mtd.plan.PlanLoader;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code mtd run --sandbox} and {@code mtd demo} give the sandbox before the run. */
class SandboxSessionTest {

    @TempDir
    Path dir;

    @Test
    void theDeploymentsRunThePreviousTagOfThePlansRepositoryWhetherItNamesATagOrADigest() {
        String digest = "sha256:" + "0123456789abcdef".repeat(4);
        try (SandboxSession session = SandboxSession.start(dir)) {
            session.provision(PlanLoader.parse("""
                    app: shop
                    image: registry.example.com:5000/shop@%s
                    migration: {command: ['true']}
                    environments: [{name: staging, namespace: shop-staging, deployments: [web]}]
                    """.formatted(digest)), null);
            session.provision(PlanLoader.parse("""
                    app: shop
                    image: registry.example.com:5000/shop:7
                    migration: {command: ['true']}
                    environments: [{name: production, namespace: shop-production, deployments: [web]}]
                    """), null);

            assertThat(image(session, "shop-staging")).isEqualTo("registry.example.com:5000/shop:previous");
            assertThat(image(session, "shop-production")).isEqualTo("registry.example.com:5000/shop:previous");
        }
    }

    private static String image(SandboxSession session, String namespace) {
        try (KubernetesClient client = session.sandbox().client()) {
            return client.apps().deployments().inNamespace(namespace).withName("web").get()
                    .getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
        }
    }
}
