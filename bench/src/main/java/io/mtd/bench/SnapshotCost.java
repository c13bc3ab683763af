package io.mtd.bench;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.mtd.CheckedPlan;
import io.mtd.MigrateThenDeploy;
import io.mtd.command.DriftCheck;
import io.mtd.plan.DatabaseJob;
import io.mtd.plan.Migration;
import io.mtd.plan.Plan;
import io.mtd.sandbox.PostgresImage;
import io.mtd.sandbox.SandboxDatabase;
import io.mtd.schema.SchemaSnapshot;
import io.mtd.schema.SnapshotOutput;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;

/**
 * The cost of a schema snapshot on a large schema: the engine's snapshot end to end (a Job under the environment's lock
 * in the sandbox, the real {@code pg_dump} from the {@code postgres} image, its output read to a fingerprint) beside a
 * bare {@code pg_dump --schema-only} of the same database run by the harness; the bytes at each step; the in-process
 * reading of the Job's output (decompressing and normalizing) beside the dump itself.
 */
final class SnapshotCost {

    /** One schema size's numbers. */
    record Row(int tables, int objects, Percentiles engine, Percentiles pgDump, Percentiles normalizing, long dumpBytes,
            long normalizedBytes, long keptBytes, String fingerprint) {}

    /** What was measured, or why nothing was (no client binaries). */
    record Result(List<Row> rows, String skipped) {}

    private static final String NAMESPACE = "bench-snapshot";

    private final Setup setup;

    SnapshotCost(Setup setup) {
        this.setup = setup;
    }

    Result run(int[] sizes, int repeat) {
        Optional<Path> bin = PostgresImage.clientBinaries();
        if (bin.isEmpty()) {
            return new Result(List.of(), "pg_dump is not installed (Debian: postgresql-client)");
        }
        List<Row> rows = new ArrayList<>();
        try (SandboxDatabase db = SandboxDatabase.start()) {
            setup.client().namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata()
                    .withName(NAMESPACE).endMetadata().build()).createOr(io.fabric8.kubernetes.client.dsl.NonDeletingOperation::update);
            for (int tables : sizes) {
                rows.add(measure(db, bin.get(), tables, repeat));
            }
        }
        return new Result(rows, null);
    }

    private Row measure(SandboxDatabase db, Path bin, int tables, int repeat) {
        String database = "bench_schema_" + tables;
        db.createDatabase(database);
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(database), db.user(), db.password());
                Statement s = c.createStatement()) {
            s.execute(schema(tables));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create the " + tables + "-table schema: " + e.getMessage(), e);
        }
        String secret = "db-" + tables;
        setup.client().secrets().inNamespace(NAMESPACE).resource(new SecretBuilder().withNewMetadata().withName(secret)
                .withNamespace(NAMESPACE).endMetadata().withStringData(db.secretValues(database)).build())
                .createOr(io.fabric8.kubernetes.client.dsl.NonDeletingOperation::update);
        Plan plan = MigrationJobs.plan("snapshot-" + tables, "bench/app:1",
                Migration.builder().command("true").envFromSecret(List.of(secret))
                        .snapshot(new DatabaseJob(null, null, null, null, "10m", null, null)).build(),
                MigrationJobs.environment("production", NAMESPACE));
        CheckedPlan checked = MigrateThenDeploy.check(plan);

        List<Double> engine = new ArrayList<>();
        List<Double> pgDump = new ArrayList<>();
        List<Double> normalizing = new ArrayList<>();
        String fingerprint = null;
        byte[] dump = null;
        SchemaSnapshot normalized = null;
        for (int i = 0; i < repeat; i++) {
            // alternated, so that neither side always runs on a warmer server
            long t0 = System.nanoTime();
            DriftCheck check = setup.engine().drift(checked);
            engine.add(Percentiles.millisBetween(t0, System.nanoTime()));
            DriftCheck.EnvironmentDrift answer = check.environments().get(0);
            if (answer.fingerprint() == null) {
                throw new IllegalStateException("the engine's snapshot of " + tables + " tables failed: " + answer.problem());
            }
            fingerprint = answer.fingerprint();

            t0 = System.nanoTime();
            dump = pgDump(bin, db, database);
            pgDump.add(Percentiles.millisBetween(t0, System.nanoTime()));

            // what the engine does with the Job's log once it ended: the built-in command's output, read to a snapshot
            List<String> log = jobLog(dump);
            t0 = System.nanoTime();
            normalized = SnapshotOutput.read(log);
            normalizing.add(Percentiles.millisBetween(t0, System.nanoTime()));
        }
        if (!normalized.shortFingerprint().equals(fingerprint)) {
            throw new IllegalStateException("the harness's pg_dump read to " + normalized.shortFingerprint()
                    + ", the engine's snapshot Job to " + fingerprint + ": not the same schema");
        }
        long normalizedBytes = String.join("\n", normalized.lines()).getBytes(StandardCharsets.UTF_8).length;
        // a run keeps the schema before and after its migration, each gzip'd and base64'd into the ConfigMap's binaryData
        long keptBytes = 2L * Base64.getEncoder().encodeToString(normalized.compressed()).length();
        return new Row(tables, normalized.objects(), Percentiles.of(engine), Percentiles.of(pgDump), Percentiles.of(normalizing),
                dump.length, normalizedBytes, keptBytes, fingerprint);
    }

    /** The bare peer: the same {@code pg_dump} flags as the built-in snapshot command, output read whole. */
    private static byte[] pgDump(Path bin, SandboxDatabase db, String database) {
        ProcessBuilder pb = new ProcessBuilder(bin.resolve("pg_dump").toString(), "--schema-only", "--no-owner",
                "--no-privileges", "--no-comments").redirectError(ProcessBuilder.Redirect.INHERIT);
        Map<String, String> env = pb.environment();
        db.secretValues(database).entrySet().stream().filter(e -> e.getKey().startsWith("PG"))
                .forEach(e -> env.put(e.getKey(), e.getValue()));
        try {
            Process p = pb.start();
            byte[] out = p.getInputStream().readAllBytes();
            if (p.waitFor() != 0) {
                throw new IllegalStateException("pg_dump exited " + p.exitValue());
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** The log the built-in snapshot command writes for {@code dump}: its marker, then gzip and base64 (76 a line). */
    private static List<String> jobLog(byte[] dump) {
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(dump);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> log = new ArrayList<>();
        log.add(DatabaseJob.COMPRESSED_MARKER);
        log.addAll(List.of(Base64.getMimeEncoder().encodeToString(gz.toByteArray()).split("\r\n")));
        return log;
    }

    /**
     * A schema of {@code tables} tables as an application grows one: columns of several types with defaults and
     * nullability, a primary key, a unique key, a check, foreign keys to earlier tables, two indexes each; three enums,
     * a view per 50 tables, a few functions and triggers.
     */
    static String schema(int tables) {
        StringBuilder sql = new StringBuilder();
        sql.append("CREATE TYPE order_status AS ENUM ('new', 'paid', 'shipped', 'cancelled');\n");
        sql.append("CREATE TYPE priority AS ENUM ('low', 'normal', 'high');\n");
        sql.append("CREATE TYPE currency AS ENUM ('EUR', 'USD', 'GBP', 'CHF');\n");
        sql.append("CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.updated_at = now(); RETURN NEW; END $$;\n");
        sql.append("CREATE FUNCTION cents(amount numeric) RETURNS bigint LANGUAGE sql IMMUTABLE AS $$ SELECT (amount * 100)::bigint $$;\n");
        sql.append("CREATE FUNCTION slug(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT lower(regexp_replace(t, '[^a-z0-9]+', '-', 'gi')) $$;\n");
        for (int i = 1; i <= tables; i++) {
            String t = table(i);
            sql.append("CREATE TABLE ").append(t).append(" (\n")
                    .append("  id bigserial PRIMARY KEY,\n")
                    .append("  code varchar(32) NOT NULL UNIQUE,\n")
                    .append("  name text NOT NULL DEFAULT '',\n")
                    .append("  amount numeric(12,2) NOT NULL DEFAULT 0 CHECK (amount >= 0),\n")
                    .append("  quantity integer DEFAULT 1,\n")
                    .append("  status order_status NOT NULL DEFAULT 'new',\n")
                    .append("  priority priority,\n")
                    .append("  currency currency NOT NULL DEFAULT 'EUR',\n")
                    .append("  active boolean NOT NULL DEFAULT true,\n")
                    .append("  attributes jsonb NOT NULL DEFAULT '{}'::jsonb,\n")
                    .append("  external_id uuid,\n")
                    .append("  created_at timestamptz NOT NULL DEFAULT now(),\n")
                    .append("  updated_at timestamptz");
            if (i > 1) {
                sql.append(",\n  parent_id bigint REFERENCES ").append(table(i - 1)).append("(id) ON DELETE CASCADE");
            }
            if (i > 10) {
                sql.append(",\n  owner_id bigint REFERENCES ").append(table(i / 10)).append("(id)");
            }
            sql.append("\n);\n");
            sql.append("CREATE INDEX ").append(t).append("_created ON ").append(t).append(" (created_at DESC);\n");
            sql.append("CREATE INDEX ").append(t).append("_active_status ON ").append(t).append(" (status) WHERE active;\n");
            if (i % 25 == 0) {
                sql.append("CREATE TRIGGER ").append(t).append("_touch BEFORE UPDATE ON ").append(t)
                        .append(" FOR EACH ROW EXECUTE FUNCTION touch();\n");
            }
            if (i % 50 == 0) {
                sql.append("CREATE VIEW ").append(t).append("_open AS SELECT id, code, slug(name) AS slug, cents(amount) AS cents FROM ")
                        .append(t).append(" WHERE status IN ('new', 'paid');\n");
            }
        }
        return sql.toString();
    }

    private static String table(int i) {
        return String.format(java.util.Locale.ROOT, "t%05d", i);
    }

    /** Sizes given as {@code 500,5000}. */
    static int[] sizes(String value) {
        return java.util.Arrays.stream(value.split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
    }
}
