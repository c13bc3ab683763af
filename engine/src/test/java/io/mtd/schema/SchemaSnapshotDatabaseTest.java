package io.mtd.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mtd.plan.DatabaseJob;
import io.mtd.sandbox.PostgresImage;
import io.mtd.sandbox.SandboxDatabase;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Snapshots of real databases by the real {@code pg_dump} (Debian's client, against the embedded server), read as a
 * snapshot Job's log is: two databases built the same way compare equal whatever the order, owners and comments; each
 * kind of drift the issue names shows as the object added, missing or changed.
 */
class SchemaSnapshotDatabaseTest {

    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static SandboxDatabase db;
    private static Path bin;

    /** The shop's schema as its migrations leave it. */
    private static final String SHOP = """
            CREATE TYPE status AS ENUM ('new', 'paid', 'shipped');
            CREATE TABLE customer (id serial PRIMARY KEY, name text NOT NULL, email varchar(200), fax text);
            CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                customer_id int NOT NULL REFERENCES customer(id), status status NOT NULL DEFAULT 'new',
                total numeric(10,2) CHECK (total >= 0));
            CREATE INDEX orders_customer ON orders (customer_id);
            CREATE VIEW open_orders AS SELECT id, customer_id FROM orders WHERE status <> 'shipped';
            CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
            CREATE TRIGGER orders_touch BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION touch();
            """;

    @BeforeAll
    static void start() {
        assumeTrue(PostgresImage.clientBinaries().isPresent(), "pg_dump is not installed (Debian: postgresql-client)");
        bin = PostgresImage.clientBinaries().get();
        db = SandboxDatabase.start();
    }

    @AfterAll
    static void stop() {
        if (db != null) {
            db.close();
        }
    }

    private static String database(String... sql) throws SQLException {
        String name = "schema_" + DATABASES.incrementAndGet();
        db.createDatabase(name);
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(name), db.user(), db.password()); Statement s = c.createStatement()) {
            for (String part : sql) {
                s.execute(part);
            }
        }
        return name;
    }

    /** What the built-in snapshot command prints for {@code database}, as a Job's log holds it, and its exit code. */
    private static Run snapshotJob(String database, Map<String, String> extraEnv) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(new DatabaseJob(null, null, null, null, null, null, null).snapshotCommand())
                .redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.putAll(db.secretValues(database));
        env.putAll(extraEnv);
        env.put("PATH", bin + ":" + System.getenv("PATH"));
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(List.of(out.split("\n")), p.exitValue());
    }

    private record Run(List<String> log, int exitCode) {}

    private static SchemaSnapshot snapshot(String database) throws Exception {
        Run run = snapshotJob(database, Map.of());
        assertThat(run.exitCode()).as(String.join("\n", run.log())).isZero();
        return SnapshotOutput.read(run.log());
    }

    @Test
    void twoDatabasesMigratedAlikeCompareEqualWhateverTheirOrderOwnersAndComments() throws Exception {
        String staging = database(SHOP);
        // the same objects created in another order, owned by another role, with comments
        String production = database(
                "CREATE ROLE shop_owner_" + DATABASES.get(),
                "CREATE TABLE customer (id serial PRIMARY KEY, name text NOT NULL, email varchar(200), fax text)",
                "COMMENT ON TABLE customer IS 'the people who buy'",
                "CREATE TYPE status AS ENUM ('new', 'paid', 'shipped')",
                "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
                "CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
                        + " customer_id int NOT NULL REFERENCES customer(id), status status NOT NULL DEFAULT 'new',"
                        + " total numeric(10,2) CHECK (total >= 0))",
                "CREATE TRIGGER orders_touch BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION touch()",
                "CREATE VIEW open_orders AS SELECT id, customer_id FROM orders WHERE status <> 'shipped'",
                "CREATE INDEX orders_customer ON orders (customer_id)",
                "COMMENT ON COLUMN orders.total IS 'in euros'",
                "ALTER TABLE orders OWNER TO shop_owner_" + DATABASES.get());

        SchemaSnapshot s = snapshot(staging);
        SchemaSnapshot p = snapshot(production);

        assertThat(SchemaDiff.between(s, p).lines()).isEmpty();
        assertThat(p.fingerprint()).isEqualTo(s.fingerprint());
        assertThat(s.lines()).contains(
                "table public.customer\t",
                "column public.customer.id\tinteger DEFAULT nextval('public.customer_id_seq'::regclass) NOT NULL",
                "column public.orders.status\tpublic.status DEFAULT 'new'::public.status NOT NULL",
                "index public.orders.orders_customer\tUSING btree(customer_id)",
                "trigger public.orders.orders_touch\tBEFORE UPDATE ON public.orders FOR EACH ROW EXECUTE FUNCTION public.touch()")
                .anyMatch(l -> l.startsWith("type public.status\tAS ENUM"))
                .anyMatch(l -> l.startsWith("constraint public.orders.orders_customer_id_fkey\tFOREIGN KEY"))
                .anyMatch(l -> l.startsWith("function public.touch()\tRETURNS trigger LANGUAGE plpgsql AS $body:"))
                .noneMatch(l -> l.contains("OWNER") || l.contains("COMMENT") || l.contains("restrict") || l.startsWith("statement SET"));
    }

    @Test
    void anIndexAddedByHandIsAnObjectAdded() throws Exception {
        SchemaSnapshot staging = snapshot(database(SHOP));
        SchemaSnapshot production = snapshot(database(SHOP, "CREATE INDEX customer_email_hotfix ON customer (lower(email))"));

        SchemaDiff diff = SchemaDiff.between(staging, production);
        assertThat(diff.lines()).containsExactly("+ index public.customer.customer_email_hotfix: USING btree(lower((email)::text))");
        assertThat(diff.counts()).isEqualTo("1 added, 0 missing, 0 changed");
    }

    @Test
    void aDroppedColumnIsAnObjectMissing() throws Exception {
        SchemaSnapshot staging = snapshot(database(SHOP));
        SchemaSnapshot production = snapshot(database(SHOP, "ALTER TABLE customer DROP COLUMN fax"));

        assertThat(SchemaDiff.between(staging, production).lines()).containsExactly("- column public.customer.fax: text");
    }

    @Test
    void aMigrationAppliedOutOfBandShowsEverythingItCreatedWithItsTableFolded() throws Exception {
        SchemaSnapshot staging = snapshot(database(SHOP));
        SchemaSnapshot production = snapshot(database(SHOP,
                "CREATE TABLE coupon (code text PRIMARY KEY, percent int NOT NULL CHECK (percent BETWEEN 1 AND 90))",
                "ALTER TABLE orders ADD COLUMN coupon_code text REFERENCES coupon(code)"));

        SchemaDiff diff = SchemaDiff.between(staging, production);
        assertThat(diff.added()).contains("table public.coupon", "column public.orders.coupon_code: text")
                .anyMatch(a -> a.startsWith("constraint public.orders.orders_coupon_code_fkey: FOREIGN KEY"));
        assertThat(diff.missing()).isEmpty();
        assertThat(diff.excerpt(40)).contains("+ table public.coupon (with 2 columns, 2 constraints)")
                .noneMatch(l -> l.startsWith("+ column public.coupon."));
    }

    @Test
    void aChangedDefaultIsAnObjectChanged() throws Exception {
        SchemaSnapshot staging = snapshot(database(SHOP));
        SchemaSnapshot production = snapshot(database(SHOP, "ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'paid'"));

        assertThat(SchemaDiff.between(staging, production).lines()).containsExactly(
                "~ column public.orders.status: public.status DEFAULT 'new'::public.status NOT NULL"
                        + " -> public.status DEFAULT 'paid'::public.status NOT NULL");
    }

    @Test
    void anExtraEnumValueIsTheTypeChanged() throws Exception {
        SchemaSnapshot staging = snapshot(database(SHOP));
        SchemaSnapshot production = snapshot(database(SHOP, "ALTER TYPE status ADD VALUE 'refunded'"));

        SchemaDiff diff = SchemaDiff.between(staging, production);
        assertThat(diff.changed()).singleElement().asString().startsWith("type public.status: ")
                .endsWith("'shipped', 'refunded')");
        assertThat(diff.added()).isEmpty();
    }

    @Test
    void theSnapshotJobFailsWithPgDumpsOwnWordsWhenTheDatabaseCannotBeReached() throws Exception {
        Run run = snapshotJob(database(SHOP), Map.of("PGPORT", "1"));

        assertThat(run.exitCode()).isNotZero();
        assertThat(SnapshotOutput.messages(run.log(), 5)).anyMatch(l -> l.contains("pg_dump: error"));
    }

    @Test
    void aCutCompressedDumpIsRefusedNotReadAsASmallerSchema() throws Exception {
        Run run = snapshotJob(database(SHOP), Map.of());
        List<String> cut = run.log().subList(0, run.log().size() - 1);

        assertThatThrownBy(() -> SnapshotOutput.read(cut)).isInstanceOf(SnapshotOutput.Unreadable.class)
                .hasMessageContaining("cut or corrupt");
    }
}
