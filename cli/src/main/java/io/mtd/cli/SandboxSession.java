package io.mtd.cli;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mtd.kube.ClusterConnector;
import io.mtd.plan.Plan;
import io.mtd.sandbox.Sandbox;
import io.mtd.sandbox.SandboxImage;
import io.mtd.sandbox.SandboxKubelet;
import io.mtd.sandbox.flyway.FlywayCli;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The built-in sandbox cluster for {@code mtd run --sandbox} and {@code mtd demo}: the plan's image runs as local
 * processes in the workspace, with the PostgreSQL driver on the class path for Java migrations.
 */
final class SandboxSession implements AutoCloseable {

    private final Sandbox sandbox;
    private final KubernetesClient admin;

    private final Path workspace;

    private SandboxSession(Sandbox sandbox, Path workspace) {
        this.sandbox = sandbox;
        this.admin = sandbox.client();
        this.workspace = workspace;
    }

    static SandboxSession start(Plan plan, Path workspace) {
        SandboxSession s = new SandboxSession(Sandbox.start(), workspace);
        s.sandbox.kubelet().registerImage(SandboxKubelet.repositoryOf(plan.image()),
                new SandboxImage(workspace, List.of(), Map.of("CLASSPATH", postgresDriverJar())));
        FlywayCli.registerWith(s.sandbox.kubelet());
        return s;
    }

    Path workspace() {
        return workspace;
    }

    ClusterConnector clusters() {
        return env -> sandbox.client();
    }

    Sandbox sandbox() {
        return sandbox;
    }

    void secret(String namespace, String name, Map<String, String> values) {
        Map<String, String> data = new TreeMap<>();
        values.forEach((k, v) -> data.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
        admin.secrets().inNamespace(namespace).resource(new SecretBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withData(data).build()).create();
    }

    void deployment(String namespace, String name, String image, int replicas) {
        Map<String, String> labels = Map.of("app", name);
        admin.apps().deployments().inNamespace(namespace).resource(new DeploymentBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withNewSpec().withReplicas(replicas)
                .withNewSelector().withMatchLabels(labels).endSelector()
                .withNewTemplate().withNewMetadata().withLabels(labels).endMetadata()
                .withNewSpec().addNewContainer().withName("web").withImage(image).endContainer().endSpec()
                .endTemplate().endSpec().build()).create();
    }

    private static String postgresDriverJar() {
        try {
            return Path.of(org.postgresql.Driver.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        admin.close();
        sandbox.close();
    }
}
