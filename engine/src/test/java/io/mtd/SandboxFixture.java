package io.mtd;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mtd.plan.Environment;
import io.mtd.plan.Migration;
import io.mtd.plan.Plan;
import io.mtd.promotion.RunIdentity;
import io.mtd.sandbox.Sandbox;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** A sandbox cluster and engines connected to it, for tests of whole runs. */
public final class SandboxFixture implements AutoCloseable {

    public final Sandbox sandbox = Sandbox.start();
    public final KubernetesClient client = sandbox.client();

    /** An engine reaching every environment through the sandbox. */
    public MigrateThenDeploy engine(RecordingListener listener, String runId) {
        return builder(listener, runId).build();
    }

    /** The builder of {@link #engine}, for a test that adds settings of its own. */
    public MigrateThenDeploy.Builder builder(RecordingListener listener, String runId) {
        return MigrateThenDeploy.builder()
                .clusters(env -> sandbox.client())
                .listener(listener)
                .identity(new RunIdentity(runId, null))
                .unschedulableGrace(Duration.ofSeconds(1));
    }

    /** The Jobs in {@code namespace} now. */
    public List<Job> jobs(String namespace) {
        return client.batch().v1().jobs().inNamespace(namespace).list().getItems();
    }

    /** A plan whose migration runs {@code sh -c script} from {@code image} in the given environments (namespace = name). */
    public static Plan plan(String image, String script, String... environments) {
        return plan(image, Migration.builder().command("sh", "-c", script).timeout("2m").build(), environments);
    }

    public static Plan plan(String image, Migration migration, String... environments) {
        return new Plan("shop", image, null, migration, null,
                java.util.Arrays.stream(environments).map(e -> Environment.of(e, e, List.of())).toList());
    }

    /**
     * {@code plan} with {@code migration.skipWhenSucceeded: true}: a re-run skips a migration whose Job succeeded for the
     * image on the strength of that Job's record (the tests of re-runs that attach or skip rather than run again).
     */
    public static Plan trustingJobRecord(Plan plan) {
        return new Plan(plan.app(), plan.image(), plan.build(), plan.migration().toBuilder().skipWhenSucceeded(true).build(),
                plan.rollout(), plan.environments());
    }

    public void secret(String namespace, String name, Map<String, String> data) {
        client.secrets().inNamespace(namespace).resource(new SecretBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withData(data.entrySet().stream().collect(java.util.stream.Collectors.toMap(Map.Entry::getKey,
                        e -> java.util.Base64.getEncoder().encodeToString(e.getValue().getBytes(java.nio.charset.StandardCharsets.UTF_8)))))
                .build()).create();
    }

    /** A Deployment {@code name} with one container "web" running {@code image}, rolled out and available. */
    public void deployment(String namespace, String name, String image) {
        Map<String, String> labels = Map.of("app", name);
        client.apps().deployments().inNamespace(namespace).resource(new io.fabric8.kubernetes.api.model.apps.DeploymentBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withNewSpec().withReplicas(2).withProgressDeadlineSeconds(600)
                .withNewSelector().withMatchLabels(labels).endSelector()
                .withNewTemplate().withNewMetadata().withLabels(labels).endMetadata()
                .withNewSpec().addNewContainer().withName("web").withImage(image).endContainer().endSpec()
                .endTemplate().endSpec().build()).create();
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() -> {
            var d = client.apps().deployments().inNamespace(namespace).withName(name).get();
            return d.getStatus() != null && Integer.valueOf(2).equals(d.getStatus().getAvailableReplicas())
                    && Integer.valueOf(2).equals(d.getStatus().getUpdatedReplicas());
        });
    }

    /** The image the Deployment's container "web" runs now. */
    public String deployedImage(String namespace, String name) {
        return client.apps().deployments().inNamespace(namespace).withName(name).get()
                .getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
    }

    @Override
    public void close() {
        client.close();
        sandbox.close();
    }
}
