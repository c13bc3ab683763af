package io.mtd.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.mtd.sandbox.PostgresImage;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code mtd demo --drift}: production changed by hand before the release stops it before production's migration. */
class DriftDemoTest {

    @RegisterExtension
    final ConsoleCapture console = new ConsoleCapture();

    @Test
    void aTableAddedByHandInProductionStopsTheShopsReleaseBeforeProductionsMigrationAndTheDemoExitsTwelve() {
        assumeTrue(PostgresImage.clientBinaries().isPresent(), "pg_dump and psql are not installed (Debian: postgresql-client)");

        int code = Mtd.execute("demo", "--example", Path.of("..", "examples", "shop").toString(), "--drift");
        String text = console.out();

        assertThat(code).as(text + console.err()).isEqualTo(ExitCode.DRIFTED);
        assertThat(text).contains("Changed production's database shop_production by hand: " + DemoCommand.HAND_MADE,
                "production has drifted from the schema staging was tested on",
                "+ table public.hotfix_audit", "Summary: shop drifted",
                "The drift check stopped the release before production's migration");
        assertThat(text.substring(text.indexOf("Summary"))).contains("production").doesNotContain("production   succeeded");
        assertThat(text).containsPattern("Database shop_staging: \\S")
                .contains("Database shop_production: (no migrations table: not migrated)");
        // the Secrets' values are masked, but the database role is not the client image's name: the image reads as written
        assertThat(text).contains("from postgres:18").doesNotContain("****:18");
    }

    @Test
    void driftAndIncompatibleAreOneAtATime() {
        int code = Mtd.execute("demo", "--example", Path.of("..", "examples", "shop").toString(), "--drift", "--incompatible");

        assertThat(code).isEqualTo(ExitCode.INVALID);
        assertThat(console.err()).contains("give one of them");
        assertThat(console.out()).doesNotContain("Starting the sandbox");
    }
}
