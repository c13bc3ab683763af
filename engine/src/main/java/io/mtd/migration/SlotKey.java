package io.mtd.migration;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.mtd.kube.Labels;
import io.mtd.plan.Environment;
import io.mtd.plan.Flyway;
import io.mtd.plan.KubeNames;
import io.mtd.plan.Migration;
import io.mtd.plan.Plan;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a migration slot is keyed by: what is migrated, not the app that migrates it. Every plan whose migration has the
 * same key shares one Lease and one set of occupying Jobs, so that two apps (a web service and its worker, a renamed
 * app, two pipelines) that migrate one database never migrate it twice at once.
 *
 * <p>The key is {@code migration.lock.key} where the plan names it; otherwise the migration's connection source in its
 * namespace: for Flyway the Secret its URL comes from and its schema history table; for a command the Secrets it reads
 * its environment from (the ConfigMaps when it reads no Secret: a database connection needs a password, which lives in
 * a Secret); when it reads neither, nothing says what it migrates and the app is the key.
 *
 * @param value the key: equal values, one slot
 * @param leaseNamespace where the slot's Lease lives ({@code migration.lock.namespace}, else the environment's)
 * @param origin how the key was found, in words, for the run's log and {@code mtd plan}
 * @param secrets the Secrets the migration reads (to notice two keys over what is evidently one database)
 */
public record SlotKey(String value, String leaseNamespace, String origin, Set<String> secrets) {

    private static final int HASH_LENGTH = 10;

    public SlotKey {
        secrets = Set.copyOf(secrets);
    }

    /**
     * The key of {@code plan}'s migration in {@code env}: the same for every kind of Job of the plan there (the printed
     * SQL, the migration, its post-rollout phase migrate one database).
     */
    public static SlotKey of(Plan plan, Environment env) {
        Migration m = plan.migration();
        String ns = env.namespaceOrDefault();
        Migration.Lock lock = m.lockOrDefaults();
        String leaseNs = lock.namespace() == null || lock.namespace().isBlank() ? ns : lock.namespace();
        Set<String> secrets = secretsOf(m);
        if (lock.key() != null && !lock.key().isBlank()) {
            return new SlotKey(lock.key(), leaseNs, "named by migration.lock.key", secrets);
        }
        Flyway f = m.flyway();
        if (f != null) {
            String table = f.table() == null || f.table().isBlank() ? "flyway_schema_history" : f.table();
            return new SlotKey(ns + "/secret/" + f.secret() + "#" + table, leaseNs, "derived from the Secret " + f.secret()
                    + " Flyway reads its URL from and its history table " + table + " in namespace " + ns, secrets);
        }
        Set<String> sources = commandSources(secrets, new TreeSet<>(m.envFromConfigMap()));
        if (sources.isEmpty()) {
            return new SlotKey(ns + "/app/" + plan.app(), leaseNs, "derived from the app " + plan.app() + " in namespace " + ns
                    + ": the migration reads no Secret or ConfigMap, so nothing says what it migrates (name it with"
                    + " migration.lock.key to share the slot with other apps)", secrets);
        }
        return new SlotKey(ns + "/" + String.join("+", sources), leaseNs, "derived from the " + String.join(", ", sources)
                + " the migration reads its connection from in namespace " + ns, secrets);
    }

    /**
     * The key of a Job an earlier version of mtd created (without the slot's label), as this version would derive it from
     * the Job's Pod: a command migration's Secrets (or ConfigMaps), else its app. Empty for a Job this version created.
     */
    static Optional<String> legacyValue(ObjectMeta meta, PodSpec pod) {
        Map<String, String> labels = meta.getLabels() == null ? Map.of() : meta.getLabels();
        if (labels.containsKey(Labels.SLOT)) {
            return Optional.empty();
        }
        Set<String> secrets = new TreeSet<>();
        Set<String> configMaps = new TreeSet<>();
        references(pod, secrets, configMaps);
        Set<String> sources = commandSources(secrets, configMaps);
        String ns = meta.getNamespace();
        return Optional.of(sources.isEmpty() ? ns + "/app/" + labels.getOrDefault(Labels.NAME, "")
                : ns + "/" + String.join("+", sources));
    }

    /** The Secrets a Job's Pod reads its environment from (envFrom and single keys), by name. */
    static Set<String> secretsOf(PodSpec pod) {
        Set<String> secrets = new TreeSet<>();
        references(pod, secrets, new TreeSet<>());
        return secrets;
    }

    private static void references(PodSpec pod, Set<String> secrets, Set<String> configMaps) {
        if (pod == null || pod.getContainers() == null) {
            return;
        }
        for (Container c : pod.getContainers()) {
            for (EnvFromSource from : c.getEnvFrom() == null ? java.util.List.<EnvFromSource>of() : c.getEnvFrom()) {
                if (from.getSecretRef() != null) {
                    secrets.add(from.getSecretRef().getName());
                }
                if (from.getConfigMapRef() != null) {
                    configMaps.add(from.getConfigMapRef().getName());
                }
            }
            for (EnvVar v : c.getEnv() == null ? java.util.List.<EnvVar>of() : c.getEnv()) {
                if (v.getValueFrom() != null && v.getValueFrom().getSecretKeyRef() != null) {
                    secrets.add(v.getValueFrom().getSecretKeyRef().getName());
                }
                if (v.getValueFrom() != null && v.getValueFrom().getConfigMapKeyRef() != null) {
                    configMaps.add(v.getValueFrom().getConfigMapKeyRef().getName());
                }
            }
        }
    }

    private static Set<String> secretsOf(Migration m) {
        return new TreeSet<>(m.secretNames());
    }

    private static Set<String> commandSources(Set<String> secrets, Set<String> configMaps) {
        Set<String> sources = new TreeSet<>();
        if (!secrets.isEmpty()) {
            secrets.forEach(s -> sources.add("secret/" + s));
        } else {
            configMaps.forEach(c -> sources.add("configmap/" + c));
        }
        return sources;
    }

    /** The slot's label value (and Lease name): a readable part and a hash of the whole key, at most 63 characters. */
    public String label() {
        String readable = value.contains("/") ? value.substring(value.lastIndexOf('/') + 1) : value;
        readable = KubeNames.suggestLabel(readable.replaceAll("#.*", ""));
        return KubeNames.hashedName(value, HASH_LENGTH, readable, "slot");
    }

    /** The name of the slot's Lease (in {@link #leaseNamespace}). */
    public String leaseName() {
        return label();
    }

    /** Whether a Job (or Pod) with this metadata belongs to this slot: by its label, or an earlier version's by its spec. */
    boolean keys(ObjectMeta meta, PodSpec pod) {
        Map<String, String> labels = meta.getLabels() == null ? Map.of() : meta.getLabels();
        String label = labels.get(Labels.SLOT);
        if (label != null) {
            return label.equals(label());
        }
        return legacyValue(meta, pod).map(value::equals).orElse(false);
    }

    /** The key as the run's log and {@code mtd plan} print it: the key, how it was found and where its Lease is. */
    public String describe() {
        return "'" + value + "' (" + origin + "); its Lease " + leaseName() + " in namespace " + leaseNamespace;
    }
}
