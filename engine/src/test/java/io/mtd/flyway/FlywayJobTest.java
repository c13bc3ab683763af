package io.mtd.flyway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.mtd.plan.Flyway;
import io.mtd.plan.KubeNames;
import io.mtd.report.FlywayReport;
import io.mtd.report.FlywayReport.AppliedMigration;
import io.mtd.sandbox.flyway.FlywayCli;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Job parts FlywayJob produces, and that Flyway applies scripts shipped that way as the kubelet would mount them. */
class FlywayJobTest {

    private static final String JOB = "shop-staging-migrate-3f2a9c";
    private static TestDatabase db;

    @TempDir
    Path workspace;

    @BeforeAll
    static void startDatabase() {
        db = TestDatabase.start();
    }

    @AfterAll
    static void stopDatabase() throws Exception {
        db.close();
    }

    static Flyway workspaceFlyway(String... locations) {
        return new Flyway(List.of(locations), null, null, null, "shop-db", null, null, null, null, null);
    }

    private void write(String path, String content) throws IOException {
        Path file = workspace.resolve(path);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
    }

    @Test
    void shipsWorkspaceScriptsInAConfigMapMountedForTheFlywayImage() throws IOException {
        write("db/migration/V1__create_customer.sql", "create table customer (id int);");
        write("db/migration/archive/V2__add email.sql", "alter table customer add column email text;");
        write("db/migration/.gitkeep", "");
        Flyway flyway = new Flyway(List.of("db/migration"), "flyway/flyway:11-alpine", "workspace", null, "shop-db",
                "JDBC_URL", null, "DB_PASSWORD", List.of("shop", "audit"), true);

        FlywayJob job = FlywayJob.of(flyway, "registry.example.com/shop@sha256:abc", workspace, JOB);

        assertThat(job.image()).isEqualTo("flyway/flyway:11-alpine");
        assertThat(job.initContainers()).isEmpty();
        assertThat(job.configMaps()).hasSize(1);
        ConfigMap cm = job.configMaps().get(0);
        assertThat(KubeNames.isSubdomain(cm.getMetadata().getName())).isTrue();
        assertThat(cm.getMetadata().getName()).startsWith(JOB + "-sql-").endsWith("-0");
        assertThat(cm.getMetadata().getLabels()).containsEntry(FlywayJob.JOB_LABEL, JOB);
        assertThat(cm.getImmutable()).isTrue();
        assertThat(cm.getData().keySet()).allMatch(k -> k.matches("[-._a-zA-Z0-9]+"));
        assertThat(cm.getData().values()).containsExactlyInAnyOrder(
                "create table customer (id int);", "alter table customer add column email text;");

        Volume volume = job.volumes().get(0);
        assertThat(volume.getConfigMap().getName()).isEqualTo(cm.getMetadata().getName());
        assertThat(volume.getConfigMap().getItems()).extracting(KeyToPath::getPath)
                .containsExactlyInAnyOrder("location-0/V1__create_customer.sql", "location-0/archive/V2__add email.sql");
        VolumeMount mount = job.volumeMounts().get(0);
        assertThat(mount.getName()).isEqualTo(volume.getName());
        assertThat(mount.getMountPath()).isEqualTo("/flyway/sql/part-0");
        assertThat(mount.getReadOnly()).isTrue();

        assertThat(job.args()).containsExactly("migrate", "-outputType=json", "-locations=filesystem:/flyway/sql/part-0/location-0",
                "-failOnMissingLocations=true", "-validateMigrationNaming=true", "-schemas=shop,audit", "-baselineOnMigrate=true");
        Map<String, EnvVar> env = job.env().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
        assertThat(env.get("FLYWAY_URL").getValueFrom().getSecretKeyRef().getKey()).isEqualTo("JDBC_URL");
        assertThat(env.get("FLYWAY_USER").getValueFrom().getSecretKeyRef().getKey()).isEqualTo("FLYWAY_USER");
        assertThat(env.get("FLYWAY_PASSWORD").getValueFrom().getSecretKeyRef().getKey()).isEqualTo("DB_PASSWORD");
        assertThat(env.get("FLYWAY_PASSWORD").getValueFrom().getSecretKeyRef().getName()).isEqualTo("shop-db");
        assertThat(env.get("FLYWAY_PASSWORD").getValue()).isNull();

        Container container = job.container();
        assertThat(container.getCommand()).isEmpty();
        assertThat(container.getArgs()).isEqualTo(job.args());
        assertThat(container.getVolumeMounts()).isEqualTo(job.volumeMounts());
    }

    @Test
    void configMapNamesFollowTheScriptsContent() throws IOException {
        write("db/V1__a.sql", "select 1;");
        String before = FlywayJob.of(workspaceFlyway("db"), "app", workspace, JOB).configMaps().get(0).getMetadata().getName();
        String same = FlywayJob.of(workspaceFlyway("db"), "app", workspace, JOB).configMaps().get(0).getMetadata().getName();
        write("db/V1__a.sql", "select 2;");
        String changed = FlywayJob.of(workspaceFlyway("db"), "app", workspace, JOB).configMaps().get(0).getMetadata().getName();

        assertThat(same).isEqualTo(before);
        assertThat(changed).isNotEqualTo(before);
    }

    @Test
    void configMapsCanBeOwnedByTheJob() throws IOException {
        write("db/V1__a.sql", "select 1;");
        FlywayJob flywayJob = FlywayJob.of(workspaceFlyway("db"), "app", workspace, JOB);
        Job job = new JobBuilder().withNewMetadata().withName(JOB).withUid("0b7f-uid").endMetadata().build();

        List<ConfigMap> owned = flywayJob.configMapsOwnedBy(job);

        assertThat(owned).singleElement().satisfies(cm -> {
            assertThat(cm.getMetadata().getOwnerReferences()).singleElement().satisfies(ref -> {
                assertThat(ref.getKind()).isEqualTo("Job");
                assertThat(ref.getApiVersion()).isEqualTo("batch/v1");
                assertThat(ref.getName()).isEqualTo(JOB);
                assertThat(ref.getUid()).isEqualTo("0b7f-uid");
            });
            assertThat(cm.getData()).isEqualTo(flywayJob.configMaps().get(0).getData());
        });
        assertThat(flywayJob.configMaps().get(0).getMetadata().getOwnerReferences()).isEmpty();
    }

    @Test
    void twoHundredScriptsAreSplitOverSeveralConfigMapsAndAppliedInOrder() throws Exception {
        String padding = "-- " + "x".repeat(2000) + "\n";
        write("db/migration/V1__create_counter.sql", "create table counter (n int not null, at_version int not null);");
        for (int v = 2; v <= 200; v++) {
            // each migration checks it runs right after the one before
            write("db/migration/" + (v % 3 == 0 ? "more/" : "") + "V" + v + "__step_" + v + ".sql", padding
                    + "insert into counter (n, at_version) select " + v + ", " + v
                    + " where coalesce((select max(at_version) from counter), 1) = " + (v - 1) + ";");
        }
        int limit = 64 * 1024;

        FlywayJob job = FlywayJob.of(workspaceFlyway("db/migration"), "app", workspace, JOB, limit);

        assertThat(job.configMaps()).hasSizeGreaterThan(3);
        for (ConfigMap cm : job.configMaps()) {
            int bytes = Serialization.asJson(cm).getBytes(StandardCharsets.UTF_8).length;
            assertThat(bytes).as(cm.getMetadata().getName()).isLessThan(limit + 8 * 1024);
        }
        assertThat(job.configMaps().stream().map(cm -> cm.getMetadata().getName()).distinct()).hasSameSizeAs(job.configMaps());
        assertThat(job.volumes().stream().mapToInt(v -> v.getConfigMap().getItems().size()).sum()).isEqualTo(200);

        Path root = Files.createTempDirectory(workspace.getParent(), "kubelet");
        List<String> args = mount(job, root);
        String url = db.newDatabase();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit = FlywayCli.run(args, Map.of("FLYWAY_URL", url, "FLYWAY_USER", TestDatabase.USER, "FLYWAY_PASSWORD",
                TestDatabase.PASSWORD), new PrintStream(out, true, StandardCharsets.UTF_8));

        assertThat(exit).as(out.toString(StandardCharsets.UTF_8)).isZero();
        FlywayReport report = FlywayOutput.parse(out.toString(StandardCharsets.UTF_8)).orElseThrow();
        assertThat(report.applied()).extracting(AppliedMigration::version)
                .containsExactlyElementsOf(IntStream.rangeClosed(1, 200).mapToObj(Integer::toString).toList());
        assertThat(report.applied().get(2).script()).isEqualTo("more/V3__step_3.sql");
        assertThat(report.schemaVersionAfter()).isEqualTo("200");
        assertThat(db.query(url, "select max(n) || '/' || count(*) from counter")).containsExactly("200/199");
        assertThat(db.query(url, "select script from flyway_schema_history where version = '3'")).containsExactly("more/V3__step_3.sql");
        // the workspace, as the pre-flight reads it, matches what the Job applied from the mounted ConfigMaps
        Preflight after = FlywayPreflight.check(workspaceFlyway("db/migration"), workspace,
                java.util.Optional.of(new DatabaseAccess(url, TestDatabase.USER, TestDatabase.PASSWORD)));
        assertThat(after.errors()).isEmpty();
        assertThat(after.pending().orElseThrow()).isEmpty();
        assertThat(after.note()).isEqualTo("database at version 200, 0 pending migrations");
    }

    /**
     * Writes each ConfigMap volume's items under {@code root} as a kubelet mounts them, and returns the Flyway
     * container's args with the mount paths moved there.
     */
    private static List<String> mount(FlywayJob job, Path root) throws IOException {
        Map<String, ConfigMap> byName = job.configMaps().stream().collect(Collectors.toMap(cm -> cm.getMetadata().getName(), cm -> cm));
        for (VolumeMount mount : job.volumeMounts()) {
            Volume volume = job.volumes().stream().filter(v -> v.getName().equals(mount.getName())).findFirst().orElseThrow();
            ConfigMap cm = byName.get(volume.getConfigMap().getName());
            Path dir = root.resolve(mount.getMountPath().substring(1));
            for (KeyToPath item : volume.getConfigMap().getItems()) {
                Path file = dir.resolve(item.getPath());
                Files.createDirectories(file.getParent());
                if (cm.getData() != null && cm.getData().containsKey(item.getKey())) {
                    Files.writeString(file, cm.getData().get(item.getKey()));
                } else {
                    Files.write(file, Base64.getDecoder().decode(cm.getBinaryData().get(item.getKey())));
                }
            }
        }
        return job.args().stream().map(a -> a.replace("filesystem:/", "filesystem:" + root + "/")).toList();
    }

    @Test
    void aScriptTooBigForAConfigMapIsRefusedWithTheFix() throws IOException {
        write("db/V1__small.sql", "select 1;");
        write("db/V2__huge_seed.sql", "select 1;\n".repeat(2000));

        assertThatThrownBy(() -> FlywayJob.of(workspaceFlyway("db"), "app", workspace, JOB, 8 * 1024))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("V2__huge_seed.sql")
                .hasMessageContaining("source: image");
    }

    @Test
    void nonUtf8ScriptsGoAsBinaryData() throws IOException {
        Files.createDirectories(workspace.resolve("db"));
        Files.write(workspace.resolve("db/V1__latin1.sql"), new byte[] {'s', 'e', 'l', 'e', 'c', 't', ' ', '\'', (byte) 0xE9, '\''});

        ConfigMap cm = FlywayJob.of(workspaceFlyway("db"), "app", workspace, JOB).configMaps().get(0);

        assertThat(cm.getData()).isNull();
        assertThat(Base64.getDecoder().decode(cm.getBinaryData().values().iterator().next())).hasSize(10);
    }

    @Test
    void aMissingOrEmptyOrEscapingLocationIsAClearError() throws IOException {
        assertThatThrownBy(() -> FlywayJob.of(workspaceFlyway("db/migration"), "app", workspace, JOB))
                .hasMessageContaining("'db/migration' is not a directory in the workspace");
        Files.createDirectories(workspace.resolve("empty"));
        assertThatThrownBy(() -> FlywayJob.of(workspaceFlyway("empty"), "app", workspace, JOB))
                .hasMessageContaining("no migration scripts");
        assertThatThrownBy(() -> FlywayJob.of(workspaceFlyway("../elsewhere"), "app", workspace, JOB))
                .hasMessageContaining("leaves the workspace");
    }

    @Test
    void scriptsInTheApplicationImageAreCopiedOutByInitContainers() {
        Flyway flyway = new Flyway(List.of("core", "reports/"), null, "image", "/app/db/", "shop-db", null, null, null, null, null);

        FlywayJob job = FlywayJob.of(flyway, "registry.example.com/shop@sha256:abc", workspace, JOB);

        assertThat(job.image()).isEqualTo(Flyway.DEFAULT_IMAGE);
        assertThat(job.configMaps()).isEmpty();
        assertThat(job.volumes()).singleElement().satisfies(v -> assertThat(v.getEmptyDir()).isNotNull());
        assertThat(job.initContainers()).hasSize(2);
        Container first = job.initContainers().get(0);
        assertThat(first.getImage()).isEqualTo("registry.example.com/shop@sha256:abc");
        assertThat(first.getCommand()).containsExactly("cp", "-R", "/app/db/core/.", "/flyway/sql/image/location-0");
        assertThat(job.initContainers().get(1).getCommand()).containsExactly("cp", "-R", "/app/db/reports/.", "/flyway/sql/image/location-1");
        assertThat(first.getVolumeMounts()).singleElement().satisfies(m -> {
            assertThat(m.getMountPath()).isEqualTo("/flyway/sql/image");
            assertThat(m.getReadOnly()).isNull();
        });
        assertThat(job.volumeMounts()).singleElement().satisfies(m -> assertThat(m.getReadOnly()).isTrue());
        assertThat(job.args()).contains("-locations=filesystem:/flyway/sql/image/location-0,filesystem:/flyway/sql/image/location-1");
    }

    @Test
    void theWholeImagePathIsOneLocationWhenNoneAreGiven() {
        Flyway flyway = new Flyway(null, null, "image", "/app/db/migration", "shop-db", null, null, null, null, null);

        FlywayJob job = FlywayJob.of(flyway, "app:1", workspace, JOB);

        assertThat(job.initContainers()).singleElement()
                .satisfies(c -> assertThat(c.getCommand()).containsExactly("cp", "-R", "/app/db/migration/.", "/flyway/sql/image/location-0"));
    }
}
