package io.mtd.flyway;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.mtd.plan.Flyway;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pre-flight of a Flyway migration: offline over the workspace, and against a real PostgreSQL's schema history. */
@EnableKubernetesMockClient(crud = true)
class FlywayPreflightTest {

    private static final String PASSWORD_IN_URL = "s3cret-in-url";
    private static TestDatabase db;
    KubernetesClient client;

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

    private static Flyway flyway(String location) {
        return new Flyway(List.of(location), null, null, null, "shop-db", null, null, null, null, null);
    }

    private static DatabaseAccess access(String url) {
        return new DatabaseAccess(url, TestDatabase.USER, TestDatabase.PASSWORD);
    }

    private Path copy(String resource) throws IOException {
        Path target = workspace.resolve("db/migration");
        Files.createDirectories(target);
        try (var files = Files.list(FlywayCliTest.resource(resource))) {
            for (Path f : files.toList()) {
                Files.copy(f, target.resolve(f.getFileName()));
            }
        }
        return target;
    }

    private static void migrate(String url, Path dir, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("migrate", "-outputType=json", "-locations=filesystem:" + dir));
        args.addAll(List.of(more));
        assertThat(FlywayCliTest.run(url, args.toArray(String[]::new)).exitCode()).isZero();
    }

    @Test
    void misnamedScriptsAreCaughtOffline() throws IOException {
        copy("naming");

        Preflight result = FlywayPreflight.check(flyway("db/migration"), workspace, Optional.empty());

        assertThat(result.ok()).isFalse();
        assertThat(result.errors()).singleElement().asString()
                .contains("migration/V2_add_email.sql").contains("V<version>__<description>.sql");
        assertThat(result.pending()).isEmpty();
    }

    @Test
    void duplicateVersionsAreCaughtOffline() throws IOException {
        copy("duplicate");

        Preflight result = FlywayPreflight.check(flyway("db/migration"), workspace, Optional.empty());

        assertThat(result.errors()).singleElement().asString()
                .containsPattern("version 2(\\.0)? is given by more than one script").contains("V2__add_email.sql").contains("V2.0__add_phone.sql");
    }

    @Test
    void duplicateRepeatablesAndMissingLocationsAreCaughtOffline() throws IOException {
        Files.createDirectories(workspace.resolve("a"));
        Files.createDirectories(workspace.resolve("b"));
        Files.writeString(workspace.resolve("a/R__views.sql"), "select 1;");
        Files.writeString(workspace.resolve("b/R__views.sql"), "select 2;");
        Flyway flyway = new Flyway(List.of("a", "b", "c"), null, null, null, "shop-db", null, null, null, null, null);

        Preflight result = FlywayPreflight.check(flyway, workspace, Optional.empty());

        assertThat(result.errors()).hasSize(2);
        assertThat(result.errors()).anySatisfy(e -> assertThat(e).contains("'c' is not a directory"));
        assertThat(result.errors()).anySatisfy(e -> assertThat(e).contains("repeatable migration 'views'").contains("a/R__views.sql"));
    }

    @Test
    void aGoodWorkspaceWithoutDatabaseAccessPassesWithPendingUnknown() throws IOException {
        copy("good");

        Preflight result = FlywayPreflight.check(flyway("db/migration"), workspace, Optional.empty());

        assertThat(result.ok()).isTrue();
        assertThat(result.pending()).isEmpty();
        assertThat(result.note()).startsWith("pending migrations unknown");
    }

    @Test
    void listsThePendingMigrationsOfAReachableDatabase() throws Exception {
        Path dir = copy("good");
        String url = db.newDatabase();
        migrate(url, dir, "-target=1");

        Preflight result = FlywayPreflight.check(flyway("db/migration"), workspace, Optional.of(access(url)));

        assertThat(result.errors()).isEmpty();
        assertThat(result.pending().orElseThrow()).containsExactly(
                new PendingMigration("2", "add email", "V2__add_email.sql"),
                new PendingMigration("3", "seed customer", "V3__seed_customer.sql"));
        assertThat(result.note()).isEqualTo("database at version 1, 2 pending migrations");
    }

    /**
     * Inside Jenkins pgjdbc sits in the plugin's class loader, where {@link java.sql.DriverManager} does not look: with
     * the driver unknown to DriverManager, the pre-flight still reaches the database through its own class loader.
     */
    @Test
    void reachesTheDatabaseWithoutTheDriverRegisteredInDriverManager() throws Exception {
        Path dir = copy("good");
        String url = db.newDatabase();
        migrate(url, dir, "-target=1");
        java.sql.Driver registered = java.sql.DriverManager.getDriver(url);
        java.sql.DriverManager.deregisterDriver(registered);
        try {
            assertThat(java.util.Collections.list(java.sql.DriverManager.getDrivers()))
                    .noneMatch(d -> d.getClass() == registered.getClass());

            Preflight result = FlywayPreflight.check(flyway("db/migration"), workspace, Optional.of(access(url)));

            assertThat(result.errors()).isEmpty();
            assertThat(result.note()).isEqualTo("database at version 1, 2 pending migrations");
        } finally {
            java.sql.DriverManager.registerDriver(registered);
        }
    }

    @Test
    void aUrlNoDriverAcceptsLeavesPendingUnknownAndSaysSo() throws IOException {
        copy("good");
        DatabaseAccess unknown = new DatabaseAccess("jdbc:nosuchdb://db.example:5432/shop?password=" + PASSWORD_IN_URL, "shop", "pw");

        Preflight result = FlywayPreflight.check(flyway("db/migration"), workspace, Optional.of(unknown));

        assertThat(result.ok()).isTrue();
        assertThat(result.pending()).isEmpty();
        assertThat(result.note()).startsWith("pending migrations unknown: no JDBC driver here accepts the database URL in Secret 'shop-db'")
                .contains("jdbc:nosuchdb:").doesNotContain(PASSWORD_IN_URL);
    }

    @Test
    void anEmptyDatabaseHasEverythingPending() throws Exception {
        copy("good");
        String url = db.newDatabase();

        Preflight result = FlywayPreflight.check(flyway("db/migration"), workspace, Optional.of(access(url)));

        assertThat(result.errors()).isEmpty();
        assertThat(result.pending().orElseThrow()).hasSize(3);
        assertThat(result.note()).startsWith("database empty");
    }

    @Test
    void aScriptChangedAfterItWasAppliedIsAChecksumError() throws Exception {
        Path dir = copy("good");
        String url = db.newDatabase();
        migrate(url, dir);
        Files.writeString(dir.resolve("V2__add_email.sql"), "alter table customer add column email varchar(200);");

        Preflight result = FlywayPreflight.check(flyway("db/migration"), workspace, Optional.of(access(url)));

        assertThat(result.errors()).singleElement().asString()
                .contains("V2__add_email.sql (version 2)")
                .contains("changed after it was applied")
                .contains("new migration");
        assertThat(result.pending().orElseThrow()).isEmpty();
    }

    @Test
    void anUnreachableDatabaseLeavesPendingUnknownWithoutError() throws IOException {
        copy("good");
        DatabaseAccess unreachable = new DatabaseAccess("jdbc:postgresql://127.0.0.1:1/shop?password=" + PASSWORD_IN_URL, "shop", "pw-secret");

        Preflight result = FlywayPreflight.check(flyway("db/migration"), workspace, Optional.of(unreachable));

        assertThat(result.ok()).isTrue();
        assertThat(result.pending()).isEmpty();
        assertThat(result.note()).startsWith("pending migrations unknown: the database is not reachable from here")
                .doesNotContain(PASSWORD_IN_URL).doesNotContain("pw-secret");
        assertThat(unreachable.toString()).doesNotContain(PASSWORD_IN_URL).doesNotContain("pw-secret");
    }

    @Test
    void refusedCredentialsLeavePendingUnknownAndSayWhy() throws Exception {
        copy("good");
        String url = db.newDatabase();
        // the embedded server trusts every local login, so a user that does not exist is what it refuses
        String withoutUserParameter = url.substring(0, url.indexOf('?'));
        DatabaseAccess wrong = new DatabaseAccess(withoutUserParameter, "nobody", "not-the-password");

        Preflight result = FlywayPreflight.check(flyway("db/migration"), workspace, Optional.of(wrong));

        assertThat(result.ok()).isTrue();
        assertThat(result.pending()).isEmpty();
        assertThat(result.note()).startsWith("pending migrations unknown: the database refused the user and password in Secret 'shop-db'")
                .doesNotContain("not-the-password");
    }

    @Test
    void readsTheDatabaseAccessFromTheEnvironmentsSecret() throws Exception {
        copy("good");
        String url = db.newDatabase();
        client.secrets().inNamespace("shop-staging").resource(new SecretBuilder()
                .withNewMetadata().withName("shop-db").endMetadata()
                .addToStringData("JDBC_URL", url)
                .addToStringData("FLYWAY_USER", TestDatabase.USER)
                .addToStringData("FLYWAY_PASSWORD", TestDatabase.PASSWORD)
                .build()).create();
        Flyway flyway = new Flyway(List.of("db/migration"), null, null, null, "shop-db", "JDBC_URL", null, null, null, null);

        Preflight result = FlywayPreflight.check(flyway, workspace, client, "shop-staging");

        assertThat(result.errors()).isEmpty();
        assertThat(result.pending().orElseThrow()).hasSize(3);
    }

    @Test
    void aMissingSecretOrKeyIsAnErrorNamingIt() throws Exception {
        copy("good");
        client.secrets().inNamespace("shop").resource(new SecretBuilder()
                .withNewMetadata().withName("shop-db").endMetadata()
                .addToData("FLYWAY_URL", java.util.Base64.getEncoder().encodeToString("jdbc:postgresql://db/shop".getBytes()))
                .build()).create();

        Preflight missingSecret = FlywayPreflight.check(flyway("db/migration"), workspace, client, "shop-staging");
        Preflight missingKeys = FlywayPreflight.check(flyway("db/migration"), workspace, client, "shop");

        assertThat(missingSecret.errors()).singleElement().asString()
                .contains("Secret 'shop-db' does not exist in namespace 'shop-staging'");
        assertThat(missingKeys.errors()).singleElement().asString()
                .contains("has no key FLYWAY_USER, FLYWAY_PASSWORD");
        assertThat(missingKeys.pending()).isEmpty();
    }

    @Test
    void scriptsInTheImageAreLeftToTheJob() {
        Flyway flyway = new Flyway(null, null, "image", "/app/db", "shop-db", null, null, null, null, null);

        Preflight result = FlywayPreflight.check(flyway, workspace, client, "shop");

        assertThat(result.ok()).isTrue();
        assertThat(result.note()).contains("application image");
    }
}
