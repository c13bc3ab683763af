package io.mtd.bench;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.mtd.migration.MigrationJob;
import io.mtd.plan.Environment;
import io.mtd.plan.Migration;
import io.mtd.plan.Plan;
import io.mtd.promotion.RunIdentity;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

/**
 * Plans and Jobs for the benchmark, and the cluster side of a Job's life where the benchmark plays the Job
 * controller: Jobs created suspended (so the sandbox never runs them) whose Complete condition the benchmark writes at
 * a moment it knows to the nanosecond.
 */
final class MigrationJobs {

    static final RunIdentity IDENTITY = new RunIdentity("bench", null);

    private final KubernetesClient client;

    MigrationJobs(KubernetesClient client) {
        this.client = client;
    }

    static Environment environment(String name, String namespace) {
        return Environment.of(name, namespace, List.of());
    }

    /** A plan whose migration runs {@code sh -c script} from {@code image}. */
    static Plan plan(String app, String image, String script, Environment... environments) {
        return plan(app, image, Migration.ofCommand(List.of("sh", "-c", script)), environments);
    }

    static Plan plan(String app, String image, Migration migration, Environment... environments) {
        return new Plan(app, image, null, migration, null, List.of(environments));
    }

    /** The Job the engine would create for {@code plan} in {@code env}. */
    static Job manifest(Plan plan, Environment env) {
        return new MigrationJob(plan, env, plan.image(), IDENTITY).manifest();
    }

    /** The manifest as kubectl would apply it (with {@code --validate=false}: the sandbox serves no OpenAPI schema), under another name and namespace so that the engine never sees it. */
    static String asKubectlYaml(Plan plan, Environment env, String name, String namespace) {
        Job job = manifest(plan, env);
        job.getMetadata().setName(name);
        job.getMetadata().setNamespace(namespace);
        job.getMetadata().getLabels().remove(io.mtd.kube.Labels.MANAGED_BY);
        job.getSpec().getTemplate().getMetadata().getLabels().remove(io.mtd.kube.Labels.MANAGED_BY);
        job.getMetadata().getLabels().put("bench-case", name);
        job.getSpec().getTemplate().getMetadata().getLabels().put("bench-case", name);
        return Serialization.asYaml(job);
    }

    /** Creates the engine's Job for {@code plan} suspended, so that the engine attaches to it and waits; returns its name. */
    String createSuspended(Plan plan, Environment env) {
        Job job = manifest(plan, env);
        job.getSpec().setSuspend(true);
        client.batch().v1().jobs().inNamespace(env.namespaceOrDefault()).resource(job).create();
        return job.getMetadata().getName();
    }

    /** Creates a plain suspended Job for kubectl to wait on. */
    void createSuspendedPlain(String namespace, String name) {
        client.batch().v1().jobs().inNamespace(namespace).resource(new JobBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withNewSpec().withSuspend(true).withBackoffLimit(0)
                .withNewTemplate().withNewSpec().withRestartPolicy("Never")
                .addNewContainer().withName("migrate").withImage("bench/app:1").withCommand("true").endContainer()
                .endSpec().endTemplate().endSpec().build()).create();
    }

    /** Writes the Job's Complete condition through the status subresource, as the Job controller does. */
    void complete(String namespace, String name) {
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        Job status = new JobBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withNewStatus().withStartTime(now).withCompletionTime(now).withSucceeded(1)
                .withConditions(condition("SuccessCriteriaMet", now), condition("Complete", now)).endStatus()
                .build();
        status.setKind("Job");
        status.setApiVersion("batch/v1");
        client.raw("/apis/batch/v1/namespaces/" + namespace + "/jobs/" + name + "/status", "PUT", status);
    }

    /** Deletes every Job and Lease in {@code namespace} (their Pods go with the Jobs). */
    void clear(String namespace) {
        client.batch().v1().jobs().inNamespace(namespace).delete();
        client.leases().inNamespace(namespace).delete();
    }

    private static JobCondition condition(String type, String now) {
        return new JobConditionBuilder().withType(type).withStatus("True").withReason("CompletionsReached")
                .withMessage("Reached expected number of succeeded pods").withLastProbeTime(now)
                .withLastTransitionTime(now).build();
    }

    static Map<String, String> podSelector(String jobName) {
        return Map.of(io.mtd.kube.Labels.BATCH_JOB_NAME, jobName);
    }
}
