package io.mtd.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.mtd.sandbox.PostgresImage;
import io.mtd.sandbox.SandboxDatabase;
import io.mtd.schema.SnapshotOutput;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The flagship demo, {@code mtd demo}: the shop's migrations are checked for expand/contract safety from the SQL its
 * {@code sqlCommand} prints, each environment's database is backed up with {@code pg_dump} into the plan's volume right
 * before its migration, the migrations are applied once per environment, approved by the demo itself, and the rerun
 * applies nothing. Each backup restores to the schema the environment had before that migration.
 */
class ShopDemoTest {

    @RegisterExtension
    final ConsoleCapture console = new ConsoleCapture();

    @TempDir
    Path dir;

    @Test
    void theDemoChecksTheShopsSqlBacksUpAndMigratesEachEnvironmentOnceAndSaysItApprovesItself() throws Exception {
        assumeTrue(PostgresImage.clientBinaries().isPresent(), "pg_dump and pg_restore are not installed (Debian: postgresql-client)");
        Path report = dir.resolve("report.json");
        Path backups = dir.resolve("backups");
        int code = Mtd.execute("demo", "--example", Path.of("..", "examples", "shop").toString(), "--report", report.toString(),
                "--backups", backups.toString());
        String text = console.out();
        assertThat(code).as(text + console.err()).isZero();
        // the SQL the shop's sqlmigrate printed was read and checked before each environment's migration
        assertThat(text).contains("staging lint: Expand/contract check: 1 script, 9 statements: 0 errors",
                "production lint: Expand/contract check: 1 script, 9 statements: 0 errors",
                "code rollback safe: every migration before the rollout is expand-only")
                .doesNotContain("code rollback unknown");
        assertThat(text.lines().filter(l -> l.contains("Applying shop.0003_order_status... OK"))).hasSize(2);
        assertThat(text).contains("production approval: approved up front by the demo itself")
                .doesNotContain("waiting up to");
        assertThat(text).contains("Database shop_staging: 0001_initial, 0002_orders, 0003_order_status",
                "Database shop_production: 0001_initial, 0002_orders, 0003_order_status",
                "already migrated for this image");
        assertThat(text).contains("Backups in staging's volume shop-backups: ", "Backups in production's volume shop-backups: ");

        // each environment: the first run's backup is its schema before the release's migration, and the rerun's (its
        // migration command runs again, so it is backed up again) the schema the first run left
        JsonNode first = new ObjectMapper().readTree(report.toFile());
        try (SandboxDatabase scratch = SandboxDatabase.start()) {
            int restored = 0;
            for (JsonNode env : first.get("environments")) {
                String name = env.get("name").asText();
                List<Path> files = files(backups.resolve(name));
                assertThat(files).as(name + "'s backups, after:\n" + text).hasSize(2);
                JsonNode schema = env.get("schema");
                assertThat(env.get("backup").get("outcome").asText()).isEqualTo("SUCCEEDED");
                assertThat(restoredFingerprint(scratch, "restored_" + restored++, files.get(0)))
                        .as(name + ": the first backup restores to the schema before the migration")
                        .isEqualTo(schema.get("before").get("fingerprint").asText());
                assertThat(restoredFingerprint(scratch, "restored_" + restored++, files.get(1)))
                        .as(name + ": the rerun's backup restores to the schema the first run left")
                        .isEqualTo(schema.get("after").get("fingerprint").asText())
                        .isNotEqualTo(schema.get("before").get("fingerprint").asText());
            }
            assertThat(restored).isEqualTo(4);
        }
    }

    private static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.sorted().toList();
        }
    }

    /** Restores {@code backup} with pg_restore into a new database and reads its schema as the snapshot Jobs do. */
    private static String restoredFingerprint(SandboxDatabase db, String database, Path backup) throws Exception {
        db.createDatabase(database);
        Path bin = PostgresImage.clientBinaries().orElseThrow();
        run(db, database, bin.resolve("pg_restore").toString(), "--no-owner", "--exit-on-error", "-d", database, backup.toString());
        List<String> dump = run(db, database, bin.resolve("pg_dump").toString(), "--schema-only", "--no-owner", "--no-privileges",
                "--no-comments");
        return SnapshotOutput.read(dump).fingerprint();
    }

    private static List<String> run(SandboxDatabase db, String database, String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        db.secretValues(database).forEach((k, v) -> {
            if (k.startsWith("PG")) {
                env.put(k, v);
            }
        });
        Process p = pb.start();
        List<String> out = new ArrayList<>(List.of(new String(p.getInputStream().readAllBytes()).split("\n")));
        assertThat(p.waitFor()).as(String.join(" ", command) + ": " + String.join("\n", out)).isZero();
        return out;
    }
}
