package io.mtd.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.mtd.flyway.FlywayPreflight;
import io.mtd.flyway.Preflight;
import io.mtd.kube.ClusterProbe;
import io.mtd.kube.KubeconfigClusters;
import io.mtd.migration.MigrationJob;
import io.mtd.plan.Flyway;
import io.mtd.plan.Environment;
import io.mtd.plan.Plan;
import io.mtd.plan.PlanLoader;
import io.mtd.promotion.RunIdentity;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Mixin;

/** {@code mtd plan PLAN}: the resolved plan and the Job manifests it would create, with no cluster. */
@Command(name = "plan", mixinStandardHelpOptions = true,
        description = "Validate a plan and print it resolved, with the migration Job manifest of each environment."
                + " Needs no cluster.",
        footer = ExitCode.HELP)
final class PlanCommand implements Callable<Integer> {

    @Mixin
    PlanFile planFile;

    @Option(names = "--offline", description = "Do not ask any cluster or database (Flyway: pending migrations unknown).")
    boolean offline;

    @Override
    public Integer call() throws JsonProcessingException {
        Plan plan = planFile.load();
        if (plan == null) {
            return ExitCode.INVALID;
        }
        Path dir = planFile.workspace();
        Flyway flyway = plan.migration().flyway();
        System.out.println("# Plan " + planFile.file + " (valid)");
        System.out.print(PlanLoader.yaml().writeValueAsString(plan));
        KubernetesSerialization yaml = new KubernetesSerialization();
        RunIdentity identity = RunIdentity.local();
        for (Environment env : plan.environments()) {
            MigrationJob job;
            try {
                job = MigrationJob.of(plan, env, plan.image(), identity, dir);
            } catch (IllegalArgumentException e) {
                System.err.println(planFile.file + ": " + e.getMessage());
                return ExitCode.INVALID;
            }
            System.out.println("---");
            System.out.println("# " + env.name() + ": migration Job " + job.name() + " in namespace " + job.namespace()
                    + (env.requiresApproval() ? " (after approval)" : "")
                    + (env.deployments().isEmpty() ? "" : "; then rolls out " + String.join(", ", env.deployments())));
            if (flyway != null) {
                System.out.println("# " + env.name() + ": " + pending(flyway, dir, env));
            }
            for (var cm : job.configMaps()) {
                System.out.println("# ConfigMap " + cm.getMetadata().getName() + " (" + cm.getData().size() + " scripts), created before the Job");
            }
            System.out.print(yaml.asYaml(job.manifest()).replaceFirst("^---\\n", ""));
        }
        return ExitCode.OK;
    }

    /** The Flyway migrations pending in {@code env}, where its cluster and database can be reached from here. */
    private String pending(Flyway flyway, Path dir, Environment env) {
        if (offline) {
            return "pending migrations unknown (--offline)";
        }
        Optional<ClusterProbe.Unreachable> unreachable = unreachable(env);
        if (unreachable.isPresent()) {
            return "pending migrations unknown: " + unreachable.get().cause() + " (the scripts were checked offline)";
        }
        Config config = KubeconfigClusters.config(env);
        // plan must stay quick where the cluster is out of reach: no retries, short timeouts
        config.setConnectionTimeout(3000);
        config.setRequestTimeout(5000);
        config.setRequestRetryBackoffLimit(0);
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
            Preflight p = FlywayPreflight.check(flyway, dir, client, env.namespaceOrDefault());
            if (!p.ok()) {
                return "pre-flight problems: " + String.join("; ", p.errors());
            }
            return p.pending().map(list -> list.isEmpty() ? "no pending migrations"
                    : list.size() + " pending migration(s): " + list.stream().map(m -> "V" + m.version() + " " + m.description())
                            .collect(Collectors.joining(", ")))
                    .orElse(p.note().startsWith("pending migrations unknown") ? p.note() : "pending migrations unknown: " + p.note());
        } catch (RuntimeException e) {
            return "pending migrations unknown: cannot reach the cluster (" + ClusterProbe.where(env) + ")";
        }
    }

    /** Each environment's cluster checked once (several environments often share one), quickly. */
    private Optional<ClusterProbe.Unreachable> unreachable(Environment env) {
        return probed.computeIfAbsent(ClusterProbe.where(env), k -> ClusterProbe.kubeconfig(
                new Plan("probe", "probe", null, null, null, List.of(env)), 3, TimeUnit.SECONDS).stream().findFirst());
    }

    private final Map<String, Optional<ClusterProbe.Unreachable>> probed = new HashMap<>();
}
