package io.mtd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.mtd.plan.PlanLoader;
import io.mtd.sandbox.SandboxDatabase;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code mtd run --sandbox} and {@code mtd demo} give the sandbox before the run. */
class SandboxSessionTest {

    @TempDir
    Path dir;

    @Test
    void theDeploymentsRunThePreviousTagOfThePlansRepositoryWhetherItNamesATagOrADigest() {
        String digest = "sha256:" + "0123456789abcdef".repeat(4);
        try (SandboxSession session = SandboxSession.start(dir)) {
            session.provision(PlanLoader.parse("""
                    app: shop
                    image: registry.example.com:5000/shop@%s
                    migration: {command: ['true']}
                    environments: [{name: staging, namespace: shop-staging, deployments: [web]}]
                    """.formatted(digest)), null);
            session.provision(PlanLoader.parse("""
                    app: shop
                    image: registry.example.com:5000/shop:7
                    migration: {command: ['true']}
                    environments: [{name: production, namespace: shop-production, deployments: [web]}]
                    """), null);

            assertThat(image(session, "shop-staging")).isEqualTo("registry.example.com:5000/shop:previous");
            assertThat(image(session, "shop-production")).isEqualTo("registry.example.com:5000/shop:previous");
        }
    }

    @Test
    void eachFormOfTheDatabaseSecretReachesItsDatabase() throws Exception {
        try (SandboxDatabase db = SandboxDatabase.start()) {
            db.createDatabase("shop_forms");
            Map<String, String> values = SandboxSession.secretValues(db, "shop_forms");
            assertThat(values).containsKeys("DATABASE_URL", "DATABASE_USER", "DATABASE_PASSWORD", "FLYWAY_URL", "FLYWAY_USER",
                    "FLYWAY_PASSWORD", "POSTGRES_URL", "PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE");
            assertThat(values.get("POSTGRES_URL")).startsWith("postgresql://").endsWith("/shop_forms");
            // JDBC, as the shop example and Flyway read it
            try (Connection c = DriverManager.getConnection(values.get("DATABASE_URL"), values.get("DATABASE_USER"),
                    values.get("DATABASE_PASSWORD")); ResultSet rs = c.createStatement().executeQuery("select current_database()")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("shop_forms");
            }
            Assumptions.assumeTrue(Processes.installed("psql"), "psql is not installed (Debian postgresql-client):"
                    + " skipping the libpq forms; the JDBC form reached the database");
            // libpq's: the URL as dj-database-url, SQLAlchemy and psql read it, and the PG* variables psql reads unasked
            assertThat(psql(Map.of(), values.get("POSTGRES_URL"))).isEqualTo("shop_forms");
            Map<String, String> pg = new java.util.TreeMap<>(values);
            pg.keySet().removeIf(k -> !k.startsWith("PG"));
            assertThat(psql(pg)).isEqualTo("shop_forms");
        }
    }

    private static String psql(Map<String, String> env, String... url) throws Exception {
        List<String> command = new ArrayList<>(List.of("psql", "-XAtc", "select current_database()"));
        command.addAll(List.of(url));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("PG"));
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0).as(out).isTrue();
        return out;
    }

    private static String image(SandboxSession session, String namespace) {
        try (KubernetesClient client = session.sandbox().client()) {
            return client.apps().deployments().inNamespace(namespace).withName("web").get()
                    .getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
        }
    }
}
