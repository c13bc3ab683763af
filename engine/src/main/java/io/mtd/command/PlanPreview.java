package io.mtd.command;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.mtd.flyway.FlywayPreflight;
import io.mtd.flyway.Preflight;
import io.mtd.kube.ClusterProbe;
import io.mtd.kube.KubeconfigClusters;
import io.mtd.migration.MigrationJob;
import io.mtd.plan.Environment;
import io.mtd.plan.Flyway;
import io.mtd.plan.InvalidPlanException;
import io.mtd.plan.Plan;
import io.mtd.plan.PlanError;
import io.mtd.plan.PlanLoader;
import io.mtd.promotion.RunIdentity;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * What a plan would do, without doing it ({@code mtd plan}): the plan resolved, and per environment the migration Job
 * it would create, with its manifest and ConfigMaps, and for Flyway the migrations pending there where its cluster and
 * database can be reached from here.
 *
 * @param planYaml the plan as YAML, in the shape it is read
 */
public record PlanPreview(Plan plan, String planYaml, List<EnvironmentPreview> environments) {

    /** The run id in a previewed Job's annotations: each run records its own there (who started it, and where). */
    public static final String PREVIEW_RUN_ID = "(set by the run that creates the Job)";

    public PlanPreview {
        environments = List.copyOf(environments);
    }

    /**
     * One environment's migration.
     *
     * @param job the migration Job's name
     * @param pending for a Flyway plan, the migrations pending there or why they are unknown; null for a command
     * @param jobYaml the Job's manifest as YAML
     * @param slot the migration slot the Job runs under: its key, how it was found, and where its Lease is
     */
    public record EnvironmentPreview(String name, String namespace, String job, boolean approval, List<String> deployments,
            String pending, List<ScriptsConfigMap> configMaps, String jobYaml, String slot) {

        public EnvironmentPreview {
            deployments = List.copyOf(deployments);
            configMaps = List.copyOf(configMaps);
        }
    }

    /** A ConfigMap that ships a Flyway plan's scripts, created before the Job. */
    public record ScriptsConfigMap(String name, int scripts) {}

    /**
     * Previews {@code plan} (already checked) with the scripts in {@code workspace}; with {@code offline}, no cluster or
     * database is asked.
     *
     * @throws InvalidPlanException when a Job cannot be built from the plan (a Flyway location missing, a script too big)
     */
    public static PlanPreview of(Plan plan, Path workspace, boolean offline) {
        KubernetesSerialization yaml = new KubernetesSerialization();
        // not this process's identity: two renders of one plan must diff clean
        RunIdentity identity = new RunIdentity(PREVIEW_RUN_ID, null);
        Pending pending = new Pending(workspace, offline);
        List<EnvironmentPreview> environments = new ArrayList<>();
        for (Environment env : plan.environments()) {
            MigrationJob job;
            try {
                job = MigrationJob.of(plan, env, plan.image(), identity, workspace);
            } catch (IllegalArgumentException e) {
                throw new InvalidPlanException(List.of(new PlanError("migration", e.getMessage())));
            }
            Flyway flyway = plan.migration().flyway();
            environments.add(new EnvironmentPreview(env.name(), job.namespace(), job.name(), env.requiresApproval(),
                    env.deployments(), flyway == null ? null : pending.in(flyway, env),
                    job.configMaps().stream().map(cm -> new ScriptsConfigMap(cm.getMetadata().getName(), cm.getData().size())).toList(),
                    yaml.asYaml(job.manifest()).replaceFirst("^---\\n", ""), job.slot().describe()));
        }
        try {
            return new PlanPreview(plan, PlanLoader.yaml().writeValueAsString(plan), environments);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The Flyway migrations pending per environment, each cluster probed once (several environments often share one). */
    private static final class Pending {
        private final Path workspace;
        private final boolean offline;
        private final Map<String, Optional<ClusterProbe.Unreachable>> probed = new HashMap<>();

        Pending(Path workspace, boolean offline) {
            this.workspace = workspace;
            this.offline = offline;
        }

        String in(Flyway flyway, Environment env) {
            if (offline) {
                return "pending migrations unknown (--offline)";
            }
            Optional<ClusterProbe.Unreachable> unreachable = probed.computeIfAbsent(ClusterProbe.where(env), k -> ClusterProbe.kubeconfig(
                    new Plan("probe", "probe", null, null, null, List.of(env)), 3, TimeUnit.SECONDS).stream().findFirst());
            if (unreachable.isPresent()) {
                return "pending migrations unknown: " + unreachable.get().cause() + " (the scripts were checked offline)";
            }
            Config config = KubeconfigClusters.config(env);
            // a preview must stay quick where the cluster is out of reach: no retries, short timeouts
            config.setConnectionTimeout(3000);
            config.setRequestTimeout(5000);
            config.setRequestRetryBackoffLimit(0);
            try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
                Preflight p = FlywayPreflight.check(flyway, workspace, client, env.namespaceOrDefault());
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
    }
}
