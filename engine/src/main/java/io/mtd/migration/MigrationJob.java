package io.mtd.migration;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvFromSourceBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.SeccompProfileBuilder;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.mtd.flyway.FlywayJob;
import io.mtd.kube.Labels;
import io.mtd.plan.DatabaseJob;
import io.mtd.plan.Flyway;
import io.mtd.plan.Environment;
import io.mtd.plan.KubeNames;
import io.mtd.plan.Migration;
import io.mtd.plan.Plan;
import io.mtd.promotion.RunIdentity;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * The one-off Kubernetes Job that runs an environment's migration from the exact application image.
 *
 * <p>Its name is a function of app, environment and image only, so a re-run of the same plan finds the Job it (or
 * another pipeline) created before, instead of creating a second one or tripping over "field is immutable".
 */
public final class MigrationJob {

    static final String CONTAINER = "migrate";
    private static final String KIND_VOLUME = "data";
    private static final int HASH_LENGTH = 10;

    private final Plan plan;
    private final JobKind kind;
    private final Environment environment;
    private final String image;
    private final RunIdentity identity;
    private final String name;
    private final FlywayJob flyway;
    /** A volume the kind mounts (a backup's destination), or null. */
    private final DatabaseJob.Volume volume;

    /**
     * The migration Job of {@code environment} for {@code image}; {@code workspace} is where a Flyway plan's scripts are,
     * read here, once.
     *
     * @throws IllegalArgumentException when a Flyway location is missing or empty, or a script too big for a ConfigMap
     */
    public static MigrationJob of(Plan plan, Environment environment, String image, RunIdentity identity, Path workspace) {
        return of(JobKind.MIGRATION, plan, environment, image, identity, workspace);
    }

    /**
     * The Job of that {@code kind} for {@code plan} (whose migration the kind derives its own from) in {@code environment}
     * for {@code image}; {@code workspace} is where a Flyway plan's scripts are, read here, once.
     *
     * @throws IllegalArgumentException when a Flyway location is missing or empty, or a script too big for a ConfigMap
     */
    public static MigrationJob of(JobKind kind, Plan plan, Environment environment, String image, RunIdentity identity,
            Path workspace) {
        Plan own = kind.plan(plan, environment);
        Flyway f = own.migration().flyway();
        return new MigrationJob(kind, own, environment, image, identity,
                f != null && f.shipsFromWorkspace() ? FlywayJob.Scripts.read(f, workspace) : null, kind.volume(plan, environment));
    }

    /**
     * The Job of a command migration, or a Flyway one with {@code source: image} (no workspace needed).
     *
     * @throws IllegalArgumentException for a Flyway plan whose scripts ship from the workspace: use {@link #of}
     */
    public MigrationJob(Plan plan, Environment environment, String image, RunIdentity identity) {
        this(JobKind.MIGRATION, plan, environment, image, identity, null, null);
    }

    private MigrationJob(JobKind kind, Plan plan, Environment environment, String image, RunIdentity identity,
            FlywayJob.Scripts shipped, DatabaseJob.Volume volume) {
        this.plan = plan;
        this.kind = kind;
        this.environment = environment;
        this.image = image;
        this.identity = identity;
        Flyway f = plan.migration().flyway();
        // one Job per kind and image, so a re-run finds it again (a printing of the SQL has its log read again); a
        // compatibility check tries this run's schema, so it is never found again and skipped as done
        String key = image + (shipped == null ? "" : "#" + shipped.hash()) + kind.nameKey()
                + (kind.everyRun() ? "#" + UUID.randomUUID() : "");
        this.name = KubeNames.hashedName(key, HASH_LENGTH, plan.app(), environment.name(), kind.jobWord());
        this.flyway = f == null ? null : FlywayJob.of(f, image, shipped, name);
        this.volume = volume;
    }

    /** What the Job is for. */
    public JobKind kind() {
        return kind;
    }

    /** The migration settings this Job runs with (the kind's, derived from the plan's). */
    public Migration migration() {
        return plan.migration();
    }

    /** The ConfigMaps to create before the Job (a Flyway plan's shipped scripts), or none. */
    public List<ConfigMap> configMaps() {
        return flyway == null ? List.of() : flyway.configMaps();
    }

    /** The same ConfigMaps, owned by the created {@code job} so that they are deleted with it. */
    public List<ConfigMap> configMapsOwnedBy(Job job) {
        return flyway == null ? List.of() : flyway.configMapsOwnedBy(job);
    }

    public boolean isFlyway() {
        return flyway != null;
    }

    /** {@code <app>-<env>-migrate-<hash of image>}: a DNS-1123 label of at most 63 characters. */
    public static String nameFor(String app, String environment, String image) {
        return KubeNames.hashedName(image, HASH_LENGTH, app, environment, "migrate");
    }

    public String name() {
        return name;
    }

    public String namespace() {
        return environment.namespaceOrDefault();
    }

    /** The labels on the Job and its Pods: how the engine's watches find them. */
    public Map<String, String> labels() {
        return labels(plan.app(), environment.name());
    }

    /**
     * The labels on every Job under the migration lock of {@code app} in {@code environment} (and on their Pods and the
     * lock's Lease), whatever its kind: one app and environment, one slot.
     */
    public static Map<String, String> labels(String app, String environment) {
        Map<String, String> labels = new TreeMap<>();
        labels.put(Labels.MANAGED_BY, Labels.MANAGER);
        labels.put(Labels.NAME, app);
        labels.put(Labels.INSTANCE, KubeNames.hashedName(app + "/" + environment, 6, app, environment));
        labels.put(Labels.COMPONENT, "migration");
        labels.put(Labels.ENVIRONMENT, environment);
        return labels;
    }

    /** The Job manifest. */
    public Job manifest() {
        Migration m = plan.migration();
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(Labels.ANNOTATION_APP, plan.app());
        annotations.put(Labels.ANNOTATION_ENVIRONMENT, environment.name());
        annotations.put(Labels.ANNOTATION_IMAGE, image);
        annotations.put(Labels.ANNOTATION_RUN, identity.id());
        if (identity.url() != null) {
            annotations.put(Labels.ANNOTATION_RUN_URL, identity.url());
        }
        if (kind.readsOutput()) {
            annotations.put(Labels.ANNOTATION_LOG, Labels.LOG_READ_BY_ENGINE); // whoever waits on it: not shown in a run's log
        }
        return new JobBuilder()
                .withNewMetadata()
                    .withName(name())
                    .withNamespace(namespace())
                    .withLabels(labels())
                    .withAnnotations(annotations)
                .endMetadata()
                .withNewSpec()
                    .withBackoffLimit(m.backoffLimitOrDefault())
                    .withActiveDeadlineSeconds(Math.max(1, m.timeoutOrDefault().toSeconds()))
                    .withTtlSecondsAfterFinished((int) Math.min(Integer.MAX_VALUE, m.ttlOrDefault().toSeconds()))
                    .withNewTemplate()
                        .withNewMetadata().withLabels(labels()).withAnnotations(annotations).endMetadata()
                        .withNewSpec()
                            .withRestartPolicy("Never")
                            .withServiceAccountName(m.serviceAccount())
                            .withSecurityContext(podSecurityContext(m.podSecurityOrDefaults()))
                            .withInitContainers(initContainers(m))
                            .withContainers(container(m))
                            .withVolumes(volumes())
                        .endSpec()
                    .endTemplate()
                .endSpec()
                .build();
    }

    private List<Volume> volumes() {
        List<Volume> volumes = new ArrayList<>(flyway == null ? List.of() : flyway.volumes());
        if (volume != null) {
            volumes.add(new VolumeBuilder().withName(KIND_VOLUME).withNewPersistentVolumeClaim(volume.claim(), false).build());
        }
        return volumes;
    }

    private List<VolumeMount> mounts() {
        return volume == null ? List.of() : List.of(new VolumeMountBuilder().withName(KIND_VOLUME).withMountPath(volume.mountPath()).build());
    }

    private Container container(Migration m) {
        if (flyway != null) {
            // Flyway's own image and entrypoint; named like every migration container so its log is found the same way
            Migration.PodSecurity ps = m.podSecurityOrDefaults();
            SecurityContext security = containerSecurityContext(ps);
            if (ps.runAsUser() == null && Boolean.TRUE.equals(ps.runAsNonRoot())) {
                security.setRunAsUser(FlywayJob.RUN_AS_USER); // the Flyway image runs as root otherwise
            }
            return new ContainerBuilder(flyway.container())
                    .withName(CONTAINER)
                    .addAllToEnv(env(m))
                    .withEnvFrom(envFrom(m))
                    .withResources(resources(m.resources()))
                    .withSecurityContext(security)
                    .build();
        }
        return new ContainerBuilder()
                .withName(CONTAINER)
                .withImage(image)
                .withCommand(m.command())
                .withEnv(env(m))
                .withEnvFrom(envFrom(m))
                .withVolumeMounts(mounts())
                .withResources(resources(m.resources()))
                .withSecurityContext(containerSecurityContext(m.podSecurityOrDefaults()))
                .build();
    }

    private List<Container> initContainers(Migration m) {
        if (flyway == null) {
            return List.of();
        }
        return flyway.initContainers().stream().map(c -> new ContainerBuilder(c)
                .withResources(resources(m.resources()))
                .withSecurityContext(containerSecurityContext(m.podSecurityOrDefaults()))
                .build()).toList();
    }

    private List<EnvVar> env(Migration m) {
        List<EnvVar> env = new ArrayList<>();
        Map<String, String> plain = new TreeMap<>(m.env());
        if (kind.phase() != null) {
            plain.put(JobKind.PHASE_VARIABLE, kind.phase()); // the container may ask which phase it runs in
        }
        plain.forEach((k, v) -> env.add(new EnvVarBuilder().withName(k).withValue(v).build()));
        for (Migration.SecretEnv s : m.secretEnv()) {
            env.add(new EnvVarBuilder().withName(s.name())
                    .withNewValueFrom().withNewSecretKeyRef(s.key(), s.secret(), false).endValueFrom()
                    .build());
        }
        return env;
    }

    private static List<EnvFromSource> envFrom(Migration m) {
        List<EnvFromSource> from = new ArrayList<>();
        for (String secret : m.envFromSecret()) {
            from.add(new EnvFromSourceBuilder().withNewSecretRef(secret, false).build());
        }
        for (String configMap : m.envFromConfigMap()) {
            from.add(new EnvFromSourceBuilder().withNewConfigMapRef(configMap, false).build());
        }
        return from;
    }

    private static ResourceRequirements resources(Migration.Resources r) {
        if (r == null) {
            return null;
        }
        Map<String, Quantity> requests = new TreeMap<>();
        Map<String, Quantity> limits = new TreeMap<>();
        if (r.cpu() != null) {
            requests.put("cpu", new Quantity(r.cpu()));
        }
        if (r.memory() != null) {
            requests.put("memory", new Quantity(r.memory()));
            // a migration killed half way for memory is the worst outcome: limit at the request unless told otherwise
            limits.put("memory", new Quantity(r.memoryLimit() != null ? r.memoryLimit() : r.memory()));
        } else if (r.memoryLimit() != null) {
            limits.put("memory", new Quantity(r.memoryLimit()));
        }
        if (r.cpuLimit() != null) {
            limits.put("cpu", new Quantity(r.cpuLimit()));
        }
        return new ResourceRequirementsBuilder().withRequests(requests).withLimits(limits).build();
    }

    private static PodSecurityContext podSecurityContext(Migration.PodSecurity s) {
        return new PodSecurityContextBuilder()
                .withRunAsNonRoot(s.runAsNonRoot())
                .withRunAsUser(s.runAsUser())
                .withRunAsGroup(s.runAsGroup())
                .withSeccompProfile(new SeccompProfileBuilder().withType(s.seccompProfile()).build())
                .build();
    }

    private static SecurityContext containerSecurityContext(Migration.PodSecurity s) {
        return new SecurityContextBuilder()
                .withAllowPrivilegeEscalation(s.allowPrivilegeEscalation())
                .withReadOnlyRootFilesystem(s.readOnlyRootFilesystem())
                .withCapabilities(Boolean.TRUE.equals(s.dropAllCapabilities())
                        ? new Capabilities(List.of(), List.of("ALL")) : null)
                .build();
    }
}
