package io.mtd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtd.progress.ProgressEvent;
import io.mtd.progress.Stage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** What a new user meets first: each mistake is one clear line with the fix and the right exit code, and no trace. */
class NewUserErrorsTest {

    @TempDir
    Path dir;

    @RegisterExtension
    final ConsoleCapture console = new ConsoleCapture();

    private Path file(String name, String text) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    @Test
    void unreachableClustersFailBeforeTheImageStageNamingEachEnvironmentItsKubeconfigAndTheFix() throws Exception {
        Path kubeconfig = file("kubeconfig", """
                apiVersion: v1
                kind: Config
                clusters:
                - {name: a, cluster: {server: "https://cluster.invalid:6443"}}
                users:
                - {name: u, user: {token: x}}
                contexts:
                - {name: staging, context: {cluster: a, user: u}}
                current-context: staging
                """);
        // build: would try an image builder first; the cluster check comes before it
        Path plan = file("plan.yaml", """
                app: shop
                image: registry.example.com/shop:1
                build: {context: .}
                migration: {command: [m]}
                environments:
                  - {name: staging, kubeconfig: KC, context: staging}
                  - {name: qa, kubeconfig: KC, context: qa}
                  - {name: production, kubeconfig: /no/such/kubeconfig}
                """.replace("KC", kubeconfig.toString()));
        long started = System.nanoTime();
        assertThat(Mtd.execute("run", plan.toString())).isEqualTo(ExitCode.INFRASTRUCTURE);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
        List<String> lines = console.err().lines().toList();
        assertThat(lines).hasSize(3);
        assertThat(lines.get(0)).contains("environment 'staging'", "cluster.invalid", "context staging", kubeconfig.toString(),
                "--sandbox");
        assertThat(lines.get(1)).contains("environment 'qa'", "context 'qa' is not in", "its contexts: staging");
        assertThat(lines.get(2)).contains("environment 'production'", "/no/such/kubeconfig", "does not exist");
        assertThat(console.err()).doesNotContain("Exception", "\tat ", "null");
        assertThat(console.out()).doesNotContain("image");
    }

    @Test
    void approvingAnEnvironmentThePlanDoesNotHaveIsRejectedUpFrontListingTheNames() throws Exception {
        Path plan = file("plan.yaml", "app: shop\nimage: shop:1\nmigration: {command: [m]}\n"
                + "environments: [{name: staging}, {name: production}]\n");
        assertThat(Mtd.execute("run", plan.toString(), "--approve", "prod")).isEqualTo(ExitCode.INVALID);
        assertThat(console.err().trim()).contains("--approve prod", "no environment 'prod'", "staging, production")
                .doesNotContain("\n");
    }

    @Test
    void aDirectoryAsThePlanIsInvalidInputNotABug() {
        assertThat(Mtd.execute("lint", dir.toString())).isEqualTo(ExitCode.INVALID);
        assertThat(console.err()).contains("is a directory").doesNotContain("bug");
    }

    @Test
    void theSandboxProvidesThePlansSecretsAndDeploymentsAsTheDemoDoes() throws Exception {
        Path plan = file("plan.yaml", """
                app: shop
                image: shop:1
                migration:
                  command: [sh, -c, 'test -n "$DATABASE_URL" && echo database reachable']
                  envFromSecret: shop-db
                environments:
                  - {name: staging, namespace: shop-staging, deployments: [shop-web]}
                """);
        assertThat(Mtd.execute("run", plan.toString(), "--sandbox")).isEqualTo(ExitCode.OK);
        assertThat(console.out()).contains("staging | database reachable").contains("shop-web: rolled out")
                .doesNotContain("null");
    }

    @Test
    void flywaysJsonResultIsShownAsTheMigrationsItApplied() {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        ConsoleProgress console = new ConsoleProgress(new PrintStream(printed, true, StandardCharsets.UTF_8));
        String json = """
                {
                  "operation" : "migrate",
                  "initialSchemaVersion" : null,
                  "targetSchemaVersion" : "2",
                  "migrations" : [ {
                    "category" : "Versioned", "version" : "1", "description" : "create stock", "type" : "SQL",
                    "filepath" : "/tmp/mtd-sandbox-1/pods/x/volumes/flyway-sql-0/location-0/V1__create_stock.sql", "executionTime" : 83
                  }, {
                    "category" : "Versioned", "version" : "2", "description" : "add warehouse", "type" : "SQL",
                    "filepath" : "/tmp/mtd-sandbox-1/pods/x/volumes/flyway-sql-0/location-0/V2__add_warehouse.sql", "executionTime" : 7
                  } ],
                  "migrationsExecuted" : 2,
                  "success" : true
                }
                """;
        console.on(new ProgressEvent.LogLine(Stage.MIGRATION, "staging", "pod", "before"));
        json.lines().forEach(l -> console.on(new ProgressEvent.LogLine(Stage.MIGRATION, "staging", "pod", l)));
        String text = printed.toString();
        assertThat(text).contains("staging | before", "schema empty -> 2, 2 migration(s) applied",
                "Applied V1 create stock in 83 ms", "Applied V2 add warehouse in 7 ms");
        assertThat(text).doesNotContain("filepath", "/tmp/mtd-sandbox", "{");
    }

    @Test
    void planOnAFlywayPlanWithoutAClusterSaysSoOncePerEnvironmentWithoutHttpCodes() throws Exception {
        Path migrations = Files.createDirectories(dir.resolve("db/migration"));
        Files.writeString(migrations.resolve("V1__create.sql"), "create table t (id int);\n");
        Path plan = file("plan.yaml", """
                app: inventory
                image: inventory:1
                migration: {flyway: {locations: [db/migration], secret: inventory-db}}
                environments:
                  - {name: staging, kubeconfig: /no/such/kubeconfig}
                """);
        assertThat(Mtd.execute("plan", plan.toString())).isZero();
        List<String> pending = console.out().lines().filter(l -> l.contains("pending migrations")).toList();
        assertThat(pending).singleElement().satisfies(l -> assertThat(l)
                .contains("/no/such/kubeconfig").doesNotContain("HTTP", "-1")
                .satisfies(x -> assertThat(x.indexOf("pending migrations unknown")).isEqualTo(x.lastIndexOf("pending migrations unknown"))));
    }
    @Test
    void planDriftOnAPlanWithoutSnapshotsOrOfflineIsOneLineWithTheFixBeforeThePlanIsPrinted() throws Exception {
        Path plan = file("plan.yaml", "app: shop\nimage: shop:1\nmigration: {command: [m], envFromSecret: shop-db}\n"
                + "environments: [{name: staging, kubeconfig: /no/such/kubeconfig}]\n");
        assertThat(Mtd.execute("plan", plan.toString(), "--drift")).isEqualTo(ExitCode.INVALID);
        assertThat(console.err().trim()).contains("migration.snapshot", "add migration.snapshot").doesNotContain("\n", "Exception");
        assertThat(console.out()).isEmpty();

        Path snapshots = file("snapshots.yaml", "app: shop\nimage: shop:1\nmigration: {command: [m], envFromSecret: shop-db,"
                + " snapshot: {}}\nenvironments: [{name: staging, kubeconfig: /no/such/kubeconfig}]\n");
        assertThat(Mtd.execute("plan", snapshots.toString(), "--drift", "--offline")).isEqualTo(ExitCode.INVALID);
        assertThat(console.err()).contains("leave out --offline");
        assertThat(console.out()).isEmpty();
    }
}
