package io.mtd.flyway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mtd.plan.Flyway;
import io.mtd.report.FlywayReport;
import io.mtd.report.FlywayReport.AppliedMigration;
import io.mtd.sandbox.Sandbox;
import io.mtd.sandbox.SandboxDatabase;
import io.mtd.sandbox.flyway.FlywayCli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * FlywayJob's parts in a Job run by the sandbox kubelet: ConfigMaps mounted, FLYWAY_* from the Secret, the Flyway image
 * standing in as {@link FlywayCli}, and the Pod log read back with {@link FlywayOutput}.
 */
class FlywaySandboxJobTest {

    private static final String NAMESPACE = "default";
    private static Sandbox sandbox;
    private static SandboxDatabase database;

    @TempDir
    Path workspace;

    @BeforeAll
    static void start() {
        sandbox = Sandbox.start();
        database = SandboxDatabase.start();
        FlywayCli.registerWith(sandbox.kubelet());
    }

    @AfterAll
    static void stop() {
        sandbox.close();
        database.close();
    }

    private void copy(String resource) throws IOException {
        Path target = workspace.resolve("db/migration");
        Files.createDirectories(target);
        try (var files = Files.list(FlywayCliTest.resource(resource))) {
            for (Path f : files.toList()) {
                Files.copy(f, target.resolve(f.getFileName()));
            }
        }
    }

    /** Runs the migration Job as the engine would lay it out; returns the Flyway container's log. */
    private String runJob(KubernetesClient client, String name, String db) {
        database.createDatabase(db);
        client.secrets().inNamespace(NAMESPACE).resource(new SecretBuilder().withNewMetadata().withName(name + "-db").endMetadata()
                .addToStringData("FLYWAY_URL", database.jdbcUrl(db))
                .addToStringData("FLYWAY_USER", database.user())
                .addToStringData("FLYWAY_PASSWORD", database.password())
                .build()).create();
        Flyway flyway = new Flyway(List.of("db/migration"), null, null, null, name + "-db", null, null, null, null, null);
        FlywayJob flywayJob = FlywayJob.of(flyway, "registry.example.com/shop@sha256:0123", workspace, name);

        flywayJob.configMaps().forEach(cm -> client.configMaps().inNamespace(NAMESPACE).resource(cm).create());
        Job job = client.batch().v1().jobs().inNamespace(NAMESPACE).resource(new JobBuilder()
                .withNewMetadata().withName(name).endMetadata()
                .withNewSpec().withBackoffLimit(0).withNewTemplate().withNewSpec().withRestartPolicy("Never")
                .withInitContainers(flywayJob.initContainers())
                .withContainers(flywayJob.container())
                .withVolumes(flywayJob.volumes())
                .endSpec().endTemplate().endSpec().build()).create();
        flywayJob.configMapsOwnedBy(job).forEach(cm -> client.configMaps().inNamespace(NAMESPACE).resource(cm).update());

        await().atMost(Duration.ofMinutes(2)).until(() -> finished(client.batch().v1().jobs().inNamespace(NAMESPACE).withName(name).get()));
        Pod pod = client.pods().inNamespace(NAMESPACE).withLabel("job-name", name).list().getItems().get(0);
        return client.pods().inNamespace(NAMESPACE).withName(pod.getMetadata().getName()).getLog();
    }

    private static boolean finished(Job job) {
        return job != null && job.getStatus() != null && job.getStatus().getConditions() != null
                && job.getStatus().getConditions().stream()
                        .anyMatch(c -> ("Complete".equals(c.getType()) || "Failed".equals(c.getType())) && "True".equals(c.getStatus()));
    }

    @Test
    void theJobMigratesAndItsLogGivesTheReport() throws IOException {
        copy("good");
        try (KubernetesClient client = sandbox.client()) {
            String log = runJob(client, "shop-migrate-good", "shop_good");

            FlywayReport report = FlywayOutput.parse(log).orElseThrow(() -> new AssertionError("no Flyway JSON in:\n" + log));
            assertThat(report.applied()).extracting(AppliedMigration::script)
                    .containsExactly("V1__create_customer.sql", "V2__add_email.sql", "V3__seed_customer.sql");
            assertThat(report.schemaVersionAfter()).isEqualTo("3");
            assertThat(log).doesNotContain(database.password() + "@");
            List<ConfigMap> scripts = client.configMaps().inNamespace(NAMESPACE).withLabel(FlywayJob.JOB_LABEL, "shop-migrate-good")
                    .list().getItems();
            assertThat(scripts).singleElement().satisfies(cm -> assertThat(cm.getMetadata().getOwnerReferences())
                    .singleElement().satisfies(ref -> assertThat(ref.getName()).isEqualTo("shop-migrate-good")));
        }
    }

    @Test
    void aFailedMigrationFailsTheJobAndItsLogNamesTheScript() throws IOException {
        copy("bad");
        try (KubernetesClient client = sandbox.client()) {
            String log = runJob(client, "shop-migrate-bad", "shop_bad");

            Job job = client.batch().v1().jobs().inNamespace(NAMESPACE).withName("shop-migrate-bad").get();
            assertThat(job.getStatus().getConditions()).anySatisfy(c -> assertThat(c.getType()).isEqualTo("Failed"));
            FlywayReport report = FlywayOutput.parse(log).orElseThrow(() -> new AssertionError("no Flyway JSON in:\n" + log));
            assertThat(report.failed().script()).isEqualTo("V3__broken.sql");
            assertThat(report.error()).contains("no_such_table");
        }
    }
}
