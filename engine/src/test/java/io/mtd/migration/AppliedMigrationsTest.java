package io.mtd.migration;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The migrations a command applied, read from the lines each tool prints as it applies them. */
class AppliedMigrationsTest {

    @Test
    void djangosAppliedMigrationsAreReadAndOneThatFailedIsNot() {
        List<String> log = List.of(
                "Operations to perform:",
                "  Apply all migrations: orders",
                "Running migrations:",
                "  Applying orders.0001_initial... OK",
                "  Applying orders.0002_seed_statuses... OK (0.012s)",
                "  Applying contenttypes.0001_initial... FAKED",
                "  Applying orders.0003_duplicate...Traceback (most recent call last):",
                "psycopg2.errors.DuplicateTable: relation \"orders_order\" already exists");

        assertThat(AppliedMigrations.in(log)).containsExactly("orders.0001_initial", "orders.0002_seed_statuses",
                "contenttypes.0001_initial (faked)");
    }

    @Test
    void railsAlembicAndPrismaLinesAreRead() {
        assertThat(AppliedMigrations.in(List.of(
                "== 20240101120000 CreateUsers: migrating =====================================",
                "-- create_table(:users)",
                "== 20240101120000 CreateUsers: migrated (0.0021s) ============================"))).containsExactly("20240101120000 CreateUsers");
        assertThat(AppliedMigrations.in(List.of(
                "INFO  [alembic.runtime.migration] Context impl PostgresqlImpl.",
                "INFO  [alembic.runtime.migration] Running upgrade  -> 1975ea83b712, create account table",
                "INFO  [alembic.runtime.migration] Running upgrade 1975ea83b712 -> ae1027a6acf"))).containsExactly(
                        "1975ea83b712 create account table", "ae1027a6acf");
        assertThat(AppliedMigrations.in(List.of("Applying migration `20240101120000_init`", "All migrations have been successfully applied.")))
                .containsExactly("20240101120000_init");
    }

    @Test
    void anotherToolsOutputListsNothingRatherThanAGuess() {
        assertThat(AppliedMigrations.in(List.of("migrating...", "applied 3 changes", "Applying everything"))).isEmpty();
    }
}
