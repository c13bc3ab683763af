package io.mtd.schema;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.mtd.kube.Labels;
import io.mtd.plan.DatabaseJob;
import io.mtd.plan.KubeNames;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Where each environment's schema is kept between releases: after a successful run, a labelled ConfigMap in the
 * environment's namespace holds the snapshots before and after that run's migration, gzip'd, with their fingerprints,
 * the image and the run. Nothing is kept outside the cluster.
 *
 * <p>One ConfigMap per app and environment: {@link #name} is the only place its key is made, so that keying it by what
 * is migrated (the database) instead changes one method.
 */
public final class SnapshotStore {

    /** The {@code app.kubernetes.io/component} of the ConfigMaps. */
    public static final String COMPONENT = "schema-snapshot";
    /** ConfigMaps hold at most 1 MiB, the labels and the other keys included; a snapshot that does not fit is not kept (the run says so). */
    private static final int MAX_BYTES = 900 * 1024;

    private static final String IMAGE = "image";
    private static final String RUN = "run";
    private static final String AT = "at";
    private static final String SOURCE = "source";
    private static final String BEFORE = "before";
    private static final String AFTER = "after";

    private SnapshotStore() {}

    /** The ConfigMap that keeps {@code app}'s schema in {@code environment}. */
    public static String name(String app, String environment) {
        String plain = app + "-" + environment + "-schema";
        return KubeNames.isLabel(plain) ? plain : KubeNames.hashedName(app + "/" + environment, 8, app, environment, "schema");
    }

    /**
     * What takes the snapshots of {@code snapshot} (the image and the command): two snapshots are compared only when both
     * were taken the same way, since another {@code pg_dump} may print the same schema otherwise.
     */
    public static String source(DatabaseJob snapshot) {
        return snapshot.imageOrDefault() + (snapshot.builtInCommand() ? " pg_dump --schema-only"
                : " command " + KubeNames.sha256Hex(String.join("\u0000", snapshot.command())).substring(0, SchemaSnapshot.SHORT));
    }

    /** The snapshots kept for {@code app} in {@code environment}, if a run kept some. */
    public static Optional<KeptSnapshot> read(KubernetesClient client, String namespace, String app, String environment) {
        ConfigMap cm = client.configMaps().inNamespace(namespace).withName(name(app, environment)).get();
        if (cm == null || cm.getData() == null || cm.getBinaryData() == null || !cm.getBinaryData().containsKey(AFTER + ".gz")) {
            return Optional.empty();
        }
        Map<String, String> data = cm.getData();
        Map<String, String> binary = cm.getBinaryData();
        return Optional.of(new KeptSnapshot(data.get(IMAGE), data.get(RUN), data.containsKey(AT) ? Instant.parse(data.get(AT)) : null,
                data.get(SOURCE), binary.containsKey(BEFORE + ".gz") ? snapshot(binary.get(BEFORE + ".gz")) : null,
                snapshot(binary.get(AFTER + ".gz"))));
    }

    /**
     * Keeps {@code kept} for {@code app} in {@code environment}, replacing what an earlier run kept. When the two
     * snapshots do not fit in a ConfigMap, only the one the run left is kept; when even that does not fit, nothing is,
     * and what an earlier run kept is deleted, so that the next run does not compare with a schema older than this one.
     *
     * @throws TooLarge when the schema the run left does not fit in a ConfigMap
     */
    public static Kept keep(KubernetesClient client, String namespace, String app, String environment, KeptSnapshot kept) {
        Map<String, String> data = new TreeMap<>();
        data.put(IMAGE, kept.image());
        data.put(RUN, kept.run());
        data.put(AT, kept.at().toString());
        data.put(SOURCE, kept.source());
        Map<String, String> binary = new TreeMap<>();
        String after = Base64.getEncoder().encodeToString(kept.after().compressed());
        if (after.length() > MAX_BYTES) {
            client.configMaps().inNamespace(namespace).withName(name(app, environment)).delete();
            throw new TooLarge("the schema takes " + after.length() / 1024 + " KiB compressed, more than the " + MAX_BYTES / 1024
                    + " KiB a ConfigMap holds (1 MiB), so it is not kept and the next run cannot say what changed since this"
                    + " release (an older one kept here was deleted): narrow migration.snapshot.command to the schemas the app"
                    + " migrates, e.g. [sh, -c, \"pg_dump --schema-only -n SCHEMA | gzip | base64\"]");
        }
        String before = kept.before() == null ? null : Base64.getEncoder().encodeToString(kept.before().compressed());
        boolean withBefore = before != null && before.length() + after.length() <= MAX_BYTES;
        if (withBefore) {
            data.put(BEFORE + ".fingerprint", kept.before().fingerprint());
            binary.put(BEFORE + ".gz", before);
        }
        data.put(AFTER + ".fingerprint", kept.after().fingerprint());
        binary.put(AFTER + ".gz", after);
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(Labels.MANAGED_BY, Labels.MANAGER);
        labels.put(Labels.NAME, app);
        labels.put(Labels.COMPONENT, COMPONENT);
        labels.put(Labels.ENVIRONMENT, environment);
        ConfigMap cm = new ConfigMapBuilder().withNewMetadata().withName(name(app, environment)).withNamespace(namespace)
                .withLabels(labels).addToAnnotations(Labels.ANNOTATION_RUN, kept.run()).addToAnnotations(Labels.ANNOTATION_IMAGE, kept.image())
                .endMetadata().withData(data).withBinaryData(binary).build();
        client.configMaps().inNamespace(namespace).resource(cm).createOr(NonDeletingOperation::update);
        return new Kept(cm.getMetadata().getName(), before != null && !withBefore);
    }

    /**
     * Where a run's schema was kept.
     *
     * @param configMap the ConfigMap's name
     * @param withoutBefore whether the schema before the migration was left out, both not fitting in a ConfigMap
     */
    public record Kept(String configMap, boolean withoutBefore) {}

    /** Thrown when the schema a run left is too large for a ConfigMap; its message names the fix. */
    public static final class TooLarge extends IllegalStateException {
        TooLarge(String message) {
            super(message);
        }
    }

    private static SchemaSnapshot snapshot(String base64) {
        return SchemaSnapshot.uncompressed(Base64.getDecoder().decode(base64));
    }

    /**
     * What a successful run kept of an environment's schema.
     *
     * @param image the image it migrated to
     * @param run the run's id
     * @param source what took the snapshots (image and command): snapshots of different sources are not compared
     * @param before the schema before the migration this image first ran there (null if unknown)
     * @param after the schema the run left
     */
    public record KeptSnapshot(String image, String run, Instant at, String source, SchemaSnapshot before, SchemaSnapshot after) {}
}
