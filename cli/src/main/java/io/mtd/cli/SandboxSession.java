package io.mtd.cli;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mtd.kube.ClusterConnector;
import io.mtd.plan.Environment;
import io.mtd.plan.Plan;
import io.mtd.sandbox.SandboxDatabase;
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
        SandboxSession s = start(workspace);
        s.image(SandboxKubelet.repositoryOf(plan.image()), workspace);
        return s;
    }

    /** The sandbox with only Flyway's image known; {@link #image} registers the application's. */
    static SandboxSession start(Path workspace) {
        SandboxSession s = new SandboxSession(Sandbox.start(), workspace);
        FlywayCli.registerWith(s.sandbox.kubelet());
        return s;
    }

    /**
     * Runs the image {@code repository} (any tag or digest) as local processes in {@code directory}, with the PostgreSQL
     * driver on the class path for Java migrations.
     */
    void image(String repository, Path directory) {
        image(repository, directory, Map.of());
    }

    /** As {@link #image(String, Path)}, with more of the image's environment (e.g. a PATH with its Python first). */
    void image(String repository, Path directory, Map<String, String> env) {
        Map<String, String> all = new TreeMap<>(env);
        all.put("CLASSPATH", postgresDriverJar());
        sandbox.kubelet().registerImage(repository, new SandboxImage(directory.toAbsolutePath().normalize(), List.of(), all));
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

    /**
     * Gives the sandbox what {@code plan} expects to find in a real cluster, as the demo does: a database per
     * environment on {@code db} with the plan's Secret holding its URL and credentials, and each named Deployment
     * running the previous version; returns each environment's database name.
     */
    Map<String, String> provision(Plan plan, SandboxDatabase db) {
        Map<String, String> databases = new java.util.LinkedHashMap<>();
        for (Environment env : plan.environments()) {
            if (db != null) {
                String database = plan.app().replace('-', '_') + "_" + env.name().replace('-', '_');
                db.createDatabase(database);
                databases.put(env.name(), database);
                Map<String, String> values = secretValues(db, database);
                for (String name : secretNames(plan)) {
                    secret(env.namespaceOrDefault(), name, values);
                }
            }
            for (String deployment : env.deployments()) {
                deployment(env.namespaceOrDefault(), deployment, SandboxKubelet.repositoryOf(plan.image()) + ":previous", 2);
            }
            backupClaim(plan, env).ifPresent(claim -> claim(env.namespaceOrDefault(), claim));
        }
        return databases;
    }

    /** The PersistentVolumeClaim {@code env}'s backup Job writes to, if its backup names one. */
    static java.util.Optional<String> backupClaim(Plan plan, Environment env) {
        io.mtd.plan.DatabaseJob backup = env.backupOr(plan.migration());
        return backup == null || backup.volume() == null ? java.util.Optional.empty() : java.util.Optional.of(backup.volume().claim());
    }

    /** The files in {@code env}'s backup volume (the host directory the sandbox serves the claim from), oldest name first. */
    List<Path> backups(Plan plan, Environment env) {
        java.util.Optional<String> claim = backupClaim(plan, env);
        if (claim.isEmpty()) {
            return List.of();
        }
        Path dir = sandbox.claimDirectory(env.namespaceOrDefault(), claim.get());
        if (!java.nio.file.Files.isDirectory(dir)) {
            return List.of();
        }
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(dir)) {
            return files.filter(java.nio.file.Files::isRegularFile).sorted().toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot list the backup volume " + dir, e);
        }
    }

    /** A bound 1 GiB PersistentVolumeClaim {@code name}, as a cluster's storage class would provide. */
    void claim(String namespace, String name) {
        admin.persistentVolumeClaims().inNamespace(namespace).resource(new io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder()
                .withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .withNewSpec().withAccessModes("ReadWriteOnce").withNewResources()
                .addToRequests("storage", new io.fabric8.kubernetes.api.model.Quantity("1Gi")).endResources().endSpec()
                .build()).createOr(io.fabric8.kubernetes.client.dsl.NonDeletingOperation::update);
    }

    /** The Secrets the plan's migration reads (Flyway's, envFromSecret and secretEnv), and its compatibility check's. */
    static java.util.Set<String> secretNames(Plan plan) {
        java.util.Set<String> names = new java.util.LinkedHashSet<>(plan.migration().secretNames());
        if (plan.migration().hasCompatibility()) { // a check with a database user of its own: the same database
            names.addAll(plan.migration().compatibility().envFromSecret());
            plan.migration().compatibility().secretEnv().forEach(s -> names.add(s.secret()));
        }
        return names;
    }

    /** What a database Secret holds: the sandbox database's connection to {@code database} in the forms frameworks read. */
    static Map<String, String> secretValues(SandboxDatabase db, String database) {
        return db.secretValues(database);
    }

    /**
     * Whether {@code config} reaches a sandbox that {@code mtd sandbox} started: its kubeconfig's context and cluster are
     * both named {@code sandbox}, on this machine.
     */
    static boolean reachedBy(io.fabric8.kubernetes.client.Config config) {
        io.fabric8.kubernetes.api.model.NamedContext context = config.getCurrentContext();
        if (context == null || !"sandbox".equals(context.getName()) || context.getContext() == null
                || !"sandbox".equals(context.getContext().getCluster()) || config.getMasterUrl() == null) {
            return false;
        }
        String host = java.net.URI.create(config.getMasterUrl()).getHost();
        return "127.0.0.1".equals(host) || "localhost".equals(host) || "[::1]".equals(host);
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
