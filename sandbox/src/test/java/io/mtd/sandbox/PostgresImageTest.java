package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.EnvFromSourceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Jobs from the postgres image run the real client binaries against the sandbox's PostgreSQL. */
class PostgresImageTest {

    private static SandboxDatabase db;
    private static Sandbox sandbox;
    private static KubernetesClient client;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(PostgresImage.clientBinaries().isPresent(), "no PostgreSQL client (pg_dump) is installed: skipping the "
                + "postgres image tests (Debian: apt-get install postgresql-client, as .ci/run does)");
        db = SandboxDatabase.start();
        db.createDatabase("shop_staging");
        try (Connection c = DriverManager.getConnection(db.jdbcUrl("shop_staging"), db.user(), db.password());
                Statement s = c.createStatement()) {
            s.execute("create table orders (id bigint primary key, note text not null default '')");
            s.execute("create index orders_note on orders (note)");
            s.execute("insert into orders values (1, 'a row that a schema dump leaves out')");
        }
        sandbox = Sandbox.start();
        client = sandbox.client();
        client.secrets().resource(new SecretBuilder().withNewMetadata().withName("shop-db").endMetadata()
                .withStringData(db.secretValues("shop_staging")).build()).create();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
            sandbox.close();
        }
        if (db != null) {
            db.close();
        }
    }

    private static Job job(String name, String image, List<String> command, Long runAsUser) {
        return new JobBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec().withBackoffLimit(0)
                .withNewTemplate().withNewSpec().withRestartPolicy("Never")
                .withSecurityContext(new PodSecurityContextBuilder().withRunAsNonRoot(true).withRunAsUser(runAsUser).build())
                .addNewContainer().withName("snapshot").withImage(image).withCommand(command)
                .withEnvFrom(new EnvFromSourceBuilder().withNewSecretRef().withName("shop-db").endSecretRef().build())
                .endContainer().endSpec().endTemplate().endSpec().build();
    }

    private static String logOfCompleted(String name) {
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            Job job = client.batch().v1().jobs().withName(name).get();
            return SandboxJobTest.condition(job, "Complete") != null || SandboxJobTest.condition(job, "Failed") != null;
        });
        Pod pod = client.pods().withLabel("job-name", name).list().getItems().get(0);
        String log = client.pods().withName(pod.getMetadata().getName()).getLog();
        assertThat(SandboxJobTest.condition(client.batch().v1().jobs().withName(name).get(), "Complete")).as(log).isNotNull();
        return log;
    }

    @Test
    void pgDumpSchemaOnlyPrintsTheSchemaInThePodLog() {
        client.batch().v1().jobs().resource(job("snapshot", "postgres:16", List.of("pg_dump", "--schema-only"), 999L)).create();

        String log = logOfCompleted("snapshot");

        assertThat(log).contains("PostgreSQL database dump").contains("CREATE TABLE public.orders (")
                .contains("note text DEFAULT ''::text NOT NULL").contains("CREATE INDEX orders_note ON public.orders")
                .doesNotContain("a row that a schema dump leaves out");
    }

    @Test
    void psqlAndShRunFromTheLongImageNameWithTheUrlOfTheSecret() {
        client.batch().v1().jobs().resource(job("query", "docker.io/library/postgres:17@sha256:" + "ab".repeat(32),
                List.of("sh", "-c", "psql \"$POSTGRES_URL\" -At -c 'select current_database(), count(*) from orders' "
                        + "&& pg_restore --version"), 999L)).create();

        String log = logOfCompleted("query");

        assertThat(log).contains("shop_staging|1").contains("pg_restore (PostgreSQL)");
    }

    @Test
    void theImageRunsAsRootSoRunAsNonRootWithoutARunAsUserIsRefused() {
        client.batch().v1().jobs().resource(job("as-root", "postgres:16", List.of("pg_dump", "--schema-only"), null)).create();

        await().atMost(Duration.ofSeconds(10)).until(() -> {
            List<Pod> pods = client.pods().withLabel("job-name", "as-root").list().getItems();
            return !pods.isEmpty() && pods.get(0).getStatus() != null && pods.get(0).getStatus().getContainerStatuses() != null
                    && !pods.get(0).getStatus().getContainerStatuses().isEmpty()
                    && pods.get(0).getStatus().getContainerStatuses().get(0).getState().getWaiting() != null
                    && "CreateContainerConfigError".equals(pods.get(0).getStatus().getContainerStatuses().get(0).getState()
                    .getWaiting().getReason());
        });
        ContainerStatus status = client.pods().withLabel("job-name", "as-root").list().getItems().get(0).getStatus()
                .getContainerStatuses().get(0);
        assertThat(status.getState().getWaiting().getMessage()).startsWith("container has runAsNonRoot and image will run as root");
    }

    @Test
    void theClientDumpsTheEmbeddedServersVersion() {
        assertThat(PostgresImage.clientMajorVersion()).hasValueSatisfying(client ->
                assertThat(client).as("pg_dump refuses a server newer than itself").isGreaterThanOrEqualTo(db.serverMajorVersion()));
        assertThat(sandbox.kubelet().image("postgres:16").env().get("PATH"))
                .startsWith(PostgresImage.clientBinaries().orElseThrow().toString());
    }
}
