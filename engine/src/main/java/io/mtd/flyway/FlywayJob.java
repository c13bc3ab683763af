package io.mtd.flyway;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.mtd.plan.Flyway;
import io.mtd.plan.KubeNames;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Everything the migration Job needs to run Flyway: its container, the ConfigMaps that ship the workspace's scripts
 * (or the init containers that copy them out of the application image), and the volumes that bring them together.
 *
 * <p>Scripts end up at {@code /flyway/sql/<part>/location-<n>/<path in the location>}, so the path Flyway records
 * in its schema history is the same as when it runs over the workspace.
 */
public final class FlywayJob {

    public static final String CONTAINER_NAME = "flyway";
    /**
     * The user the Flyway container runs as unless {@code migration.podSecurity.runAsUser} names one: the official
     * {@code flyway/flyway} image (10 and 11) sets no USER, so it would run as root, which {@code runAsNonRoot} (the
     * migration's default) makes a kubelet refuse; its files are readable and executable by any user.
     */
    public static final long RUN_AS_USER = 10001;
    public static final String MOUNT_ROOT = "/flyway/sql";
    /** Each plan location gets its own directory, named this and its index. */
    public static final String LOCATION_DIR_PREFIX = "location-";
    /** Label on every ConfigMap of a Job's scripts, with the Job's name as its value. */
    public static final String JOB_LABEL = "migrate-then-deploy.io/flyway-job";
    public static final String SCRIPTS_HASH_ANNOTATION = "migrate-then-deploy.io/flyway-scripts-sha256";
    /**
     * The API server refuses a ConfigMap over 1 MiB (data, keys and metadata together); scripts are packed up to this
     * many bytes of keys, paths and data per ConfigMap, leaving room for metadata.
     */
    public static final int DEFAULT_CONFIGMAP_BYTES = 900 * 1024;

    private final Flyway flyway;
    private final List<String> args;
    private final List<EnvVar> env;
    private final List<ConfigMap> configMaps;
    private final List<Volume> volumes;
    private final List<VolumeMount> volumeMounts;
    private final List<Container> initContainers;
    private final String scriptsHash;

    private FlywayJob(Flyway flyway, List<String> args, List<EnvVar> env, List<ConfigMap> configMaps, List<Volume> volumes,
            List<VolumeMount> volumeMounts, List<Container> initContainers, String scriptsHash) {
        this.flyway = flyway;
        this.scriptsHash = scriptsHash;
        this.args = List.copyOf(args);
        this.env = List.copyOf(env);
        this.configMaps = List.copyOf(configMaps);
        this.volumes = List.copyOf(volumes);
        this.volumeMounts = List.copyOf(volumeMounts);
        this.initContainers = List.copyOf(initContainers);
    }

    /**
     * The Flyway parts of the Job {@code jobName}: for {@code source: workspace} the scripts under the plan's locations
     * in {@code workspace}, for {@code source: image} the scripts at {@code imagePath} in {@code applicationImage}.
     *
     * @throws IllegalArgumentException when a location is missing or empty, or a script is too big for a ConfigMap
     */
    public static FlywayJob of(Flyway flyway, String applicationImage, Path workspace, String jobName) {
        return of(flyway, applicationImage, workspace, jobName, DEFAULT_CONFIGMAP_BYTES);
    }

    static FlywayJob of(Flyway flyway, String applicationImage, Path workspace, String jobName, int configMapBytes) {
        return of(flyway, applicationImage, flyway.shipsFromWorkspace() ? Scripts.read(flyway, workspace) : null, jobName,
                configMapBytes);
    }

    /**
     * The same from scripts already read ({@code null} for {@code source: image}): no file I/O.
     *
     * @throws IllegalArgumentException when a script is too big for a ConfigMap
     */
    public static FlywayJob of(Flyway flyway, String applicationImage, Scripts shipped, String jobName) {
        return of(flyway, applicationImage, shipped, jobName, DEFAULT_CONFIGMAP_BYTES);
    }

    private static FlywayJob of(Flyway flyway, String applicationImage, Scripts shipped, String jobName, int configMapBytes) {
        List<String> locations = new ArrayList<>();
        List<ConfigMap> configMaps = new ArrayList<>();
        List<Volume> volumes = new ArrayList<>();
        List<VolumeMount> mounts = new ArrayList<>();
        List<Container> initContainers = new ArrayList<>();
        String hash = null;
        if (flyway.shipsFromWorkspace()) {
            if (shipped == null) {
                throw new IllegalArgumentException("migration.flyway: the scripts ship from the workspace, and none were read");
            }
            List<Script> scripts = shipped.all;
            List<List<Script>> parts = pack(scripts, configMapBytes);
            hash = shipped.hash;
            for (int i = 0; i < parts.size(); i++) {
                String volume = "flyway-sql-" + i;
                String dir = MOUNT_ROOT + "/part-" + i;
                ConfigMap cm = configMap(KubeNames.hashedName(hash, 10, jobName, "sql") + "-" + i, jobName, hash, parts.get(i));
                configMaps.add(cm);
                List<KeyToPath> items = parts.get(i).stream()
                        .map(s -> new KeyToPath(s.key(), null, s.mountedPath()))
                        .collect(Collectors.toList());
                volumes.add(new VolumeBuilder().withName(volume)
                        .withNewConfigMap().withName(cm.getMetadata().getName()).withItems(items).endConfigMap()
                        .build());
                mounts.add(new VolumeMountBuilder().withName(volume).withMountPath(dir).withReadOnly(true).build());
                parts.get(i).stream().map(Script::location).distinct().sorted()
                        .forEach(l -> locations.add("filesystem:" + dir + "/" + LOCATION_DIR_PREFIX + l));
            }
        } else {
            // the Flyway image cannot see into the application image: init containers from it copy the scripts out
            String volume = "flyway-sql-image";
            String dir = MOUNT_ROOT + "/image";
            volumes.add(new VolumeBuilder().withName(volume).withNewEmptyDir().endEmptyDir().build());
            VolumeMount mount = new VolumeMountBuilder().withName(volume).withMountPath(dir).build();
            List<String> sources = flyway.locations().isEmpty() ? List.of("") : flyway.locations();
            for (int l = 0; l < sources.size(); l++) {
                String from = sources.get(l).isEmpty() ? flyway.imagePath() : join(flyway.imagePath(), sources.get(l));
                String to = dir + "/" + LOCATION_DIR_PREFIX + l;
                initContainers.add(new ContainerBuilder()
                        .withName("flyway-scripts-" + l)
                        .withImage(applicationImage)
                        .withCommand("cp", "-R", from + "/.", to)
                        .withVolumeMounts(mount)
                        .build());
                locations.add("filesystem:" + to);
            }
            mounts.add(new VolumeMountBuilder().withName(volume).withMountPath(dir).withReadOnly(true).build());
        }
        return new FlywayJob(flyway, args(flyway, locations), env(flyway), configMaps, volumes, mounts, initContainers, hash);
    }

    /**
     * The content hash of the shipped scripts, or null for {@code source: image}: with scripts from the workspace the
     * image alone does not say what the migration does, so the Job's name must depend on them too.
     */
    public String scriptsHash() {
        return scriptsHash;
    }

    public String image() {
        return flyway.imageOrDefault();
    }

    /** The Flyway command line: migrate with JSON output over the mounted locations. */
    public List<String> args() {
        return args;
    }

    /** FLYWAY_URL, FLYWAY_USER and FLYWAY_PASSWORD from the plan's Secret, never as plain values. */
    public List<EnvVar> env() {
        return env;
    }

    /** The ConfigMaps holding the workspace's scripts, to create before the Job; none for {@code source: image}. */
    public List<ConfigMap> configMaps() {
        return configMaps;
    }

    /** The same ConfigMaps owned by {@code job} (which must have been created, so it has a uid), so they go with it. */
    public List<ConfigMap> configMapsOwnedBy(Job job) {
        OwnerReference owner = new OwnerReferenceBuilder()
                .withApiVersion("batch/v1")
                .withKind("Job")
                .withName(job.getMetadata().getName())
                .withUid(job.getMetadata().getUid())
                .build();
        return configMaps.stream()
                .map(cm -> new ConfigMapBuilder(cm).editMetadata().withOwnerReferences(owner).endMetadata().build())
                .collect(Collectors.toList());
    }

    public List<Volume> volumes() {
        return volumes;
    }

    public List<VolumeMount> volumeMounts() {
        return volumeMounts;
    }

    /** For {@code source: image}: one container per location copying the scripts out of the application image. */
    public List<Container> initContainers() {
        return initContainers;
    }

    /** The Flyway container: the Flyway image's own entrypoint with {@link #args()}, {@link #env()} and the mounts. */
    public Container container() {
        return new ContainerBuilder()
                .withName(CONTAINER_NAME)
                .withImage(image())
                .withArgs(args)
                .withEnv(env)
                .withVolumeMounts(volumeMounts)
                .build();
    }

    private static List<String> args(Flyway flyway, List<String> locations) {
        List<String> args = new ArrayList<>();
        args.add("migrate");
        args.add("-outputType=json");
        args.add("-locations=" + String.join(",", locations));
        // a missing location or a misnamed script would otherwise be skipped with a mere warning
        args.add("-failOnMissingLocations=true");
        args.add("-validateMigrationNaming=true");
        if (!flyway.schemas().isEmpty()) {
            args.add("-schemas=" + String.join(",", flyway.schemas()));
        }
        if (Boolean.TRUE.equals(flyway.baselineOnMigrate())) {
            args.add("-baselineOnMigrate=true");
        }
        if (flyway.table() != null && !flyway.table().isBlank()) {
            args.add("-table=" + flyway.table());
        }
        return args;
    }

    private static List<EnvVar> env(Flyway flyway) {
        return List.of(
                secretEnv("FLYWAY_URL", flyway.secret(), flyway.urlKeyOrDefault()),
                secretEnv("FLYWAY_USER", flyway.secret(), flyway.userKeyOrDefault()),
                secretEnv("FLYWAY_PASSWORD", flyway.secret(), flyway.passwordKeyOrDefault()),
                // Flyway 10+ reports usage to Redgate unless told not to; a migration Job has no business calling out
                new EnvVarBuilder().withName("REDGATE_DISABLE_TELEMETRY").withValue("true").build());
    }

    private static EnvVar secretEnv(String name, String secret, String key) {
        return new EnvVarBuilder().withName(name)
                .withNewValueFrom().withNewSecretKeyRef().withName(secret).withKey(key).endSecretKeyRef().endValueFrom()
                .build();
    }

    private static ConfigMap configMap(String name, String jobName, String hash, List<Script> part) {
        Map<String, String> data = new LinkedHashMap<>();
        Map<String, String> binaryData = new LinkedHashMap<>();
        for (Script s : part) {
            if (s.text() != null) {
                data.put(s.key(), s.text());
            } else {
                binaryData.put(s.key(), Base64.getEncoder().encodeToString(s.bytes()));
            }
        }
        return new ConfigMapBuilder()
                .withNewMetadata()
                .withName(name)
                .addToLabels("app.kubernetes.io/managed-by", "migrate-then-deploy")
                .addToLabels(JOB_LABEL, jobName)
                .addToAnnotations(SCRIPTS_HASH_ANNOTATION, hash)
                .endMetadata()
                .withData(data.isEmpty() ? null : data)
                .withBinaryData(binaryData.isEmpty() ? null : binaryData)
                .withImmutable(true)
                .build();
    }

    /** Every regular, non-hidden file under each location, in a stable order. */
    static List<Script> scripts(Flyway flyway, Path workspace) {
        List<Script> scripts = new ArrayList<>();
        for (int l = 0; l < flyway.locations().size(); l++) {
            String location = flyway.locations().get(l);
            Path dir = Flyway.locationDir(workspace, location);
            List<Path> files;
            try (Stream<Path> walk = Files.walk(dir)) {
                files = walk.filter(Files::isRegularFile)
                        .filter(p -> !dir.relativize(p).toString().startsWith(".") && !p.getFileName().toString().startsWith("."))
                        .sorted()
                        .collect(Collectors.toList());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list migration.flyway.locations[" + l + "] " + dir + ": " + e.getMessage(), e);
            }
            for (Path file : files) {
                String relative = dir.relativize(file).toString().replace('\\', '/');
                byte[] bytes;
                try {
                    bytes = Files.readAllBytes(file);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read migration script " + file + ": " + e.getMessage(), e);
                }
                scripts.add(new Script(l, relative, key(scripts.size(), relative), bytes, utf8(bytes)));
            }
        }
        if (scripts.isEmpty()) {
            throw new IllegalArgumentException("migration.flyway.locations " + flyway.locations() + ": no migration scripts in "
                    + workspace + "; give the directories that hold the V<version>__<description>.sql files");
        }
        return scripts;
    }

    /** Groups scripts into ConfigMaps of at most {@code limit} bytes, in order. */
    static List<List<Script>> pack(List<Script> scripts, int limit) {
        List<List<Script>> parts = new ArrayList<>();
        List<Script> current = new ArrayList<>();
        long size = 0;
        for (Script s : scripts) {
            long bytes = s.size();
            if (bytes > limit) {
                throw new IllegalArgumentException("migration script " + LOCATION_DIR_PREFIX + s.location() + "/" + s.path() + " is "
                        + s.bytes().length + " bytes, more than a ConfigMap holds (" + limit + " bytes): split it into smaller"
                        + " migrations, or ship the scripts in the application image with source: image");
            }
            if (!current.isEmpty() && size + bytes > limit) {
                parts.add(current);
                current = new ArrayList<>();
                size = 0;
            }
            current.add(s);
            size += bytes;
        }
        parts.add(current);
        return parts;
    }

    /** ConfigMap keys allow only [-._a-zA-Z0-9]: a running number keeps them unique, the file name keeps them readable. */
    private static String key(int index, String relativePath) {
        String name = relativePath.substring(relativePath.lastIndexOf('/') + 1).replaceAll("[^-._a-zA-Z0-9]", "_");
        String key = String.format("%05d-%s", index, name);
        return key.length() > 253 ? key.substring(0, 253) : key;
    }

    private static String utf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    private static String contentHash(List<Script> scripts) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (Script s : scripts) {
                digest.update((s.location() + "/" + s.path() + "\0").getBytes(StandardCharsets.UTF_8));
                digest.update(s.bytes());
                digest.update((byte) 0);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    private static String join(String dir, String sub) {
        return dir.replaceAll("/+$", "") + "/" + sub.replaceAll("^/+|/+$", "");
    }

    /** The scripts a {@code source: workspace} plan ships, read once, with their content hash. */
    public static final class Scripts {
        private final List<Script> all;
        private final String hash;

        private Scripts(List<Script> all) {
            this.all = List.copyOf(all);
            this.hash = contentHash(all);
        }

        /**
         * Reads every script under the plan's locations in {@code workspace}.
         *
         * @throws IllegalArgumentException when a location is missing, leaves the workspace or holds no scripts
         */
        public static Scripts read(Flyway flyway, Path workspace) {
            return new Scripts(scripts(flyway, workspace));
        }

        /** The content hash the Job's name and ConfigMaps depend on. */
        public String hash() {
            return hash;
        }
    }

    /**
     * One file to ship.
     *
     * @param location index of the plan location it is under
     * @param path its path within that location, with '/'
     * @param key its ConfigMap key
     * @param text its content when it is UTF-8 (stored as data), else null (stored as binaryData)
     */
    record Script(int location, String path, String key, byte[] bytes, String text) {
        String mountedPath() {
            return LOCATION_DIR_PREFIX + location + "/" + path;
        }

        /** What it adds to a ConfigMap: key, the item's path, and the data (base64 for binary). */
        long size() {
            long data = text != null ? bytes.length : 4L * ((bytes.length + 2) / 3);
            return key.length() * 2L + mountedPath().length() + data;
        }
    }
}
