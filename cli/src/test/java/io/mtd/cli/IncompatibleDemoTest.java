package io.mtd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code mtd demo --incompatible}: the example's release, then its incompatible next release, which the compatibility
 * check stops on staging before its rollout. With the Flyway example and its plain JDBC check (the Django example's
 * incompatible release is tried by {@link DjangoCompatibilityTest}).
 */
class IncompatibleDemoTest {

    @RegisterExtension
    final ConsoleCapture console = new ConsoleCapture();

    @Test
    void theCatalogsNextReleaseIsStoppedOnStagingByTheRunningVersionsJdbcCheckAndTheDemoExitsEleven() {
        int code = Mtd.execute("demo", "--example", Path.of("..", "examples", "catalog").toString(), "--incompatible");
        String text = console.out();

        assertThat(code).as(text + console.err()).isEqualTo(ExitCode.INCOMPATIBLE);
        // the release itself: the version serving (the sandbox's previous) checked in each environment, then rolled out
        assertThat(text).contains("Summary: catalog succeeded", "staging | compatible: 5 statement(s) ran and were rolled back",
                "production compatibility: succeeded");
        // the next release: its migration applied on staging, then 3.0.0's own check fails against that schema
        assertThat(text).contains("Releasing registry.example.com/catalog:3.1.0",
                "staging compatibility: the running version registry.example.com/catalog:3.0.0 (catalog-api) against the schema"
                        + " of release registry.example.com/catalog:3.1.0",
                "staging | failed: insert into product (sku, name, price_cents) values",
                "violates check constraint \"product_category_required\"",
                "Summary: catalog incompatible",
                "compatibility failed (registry.example.com/catalog:3.0.0 is incompatible)",
                "production   not reached (nothing was changed)");
        assertThat(text.substring(text.indexOf("Releasing"))).doesNotContain("staging rollout", "production migration");
        assertThat(text).contains("Database catalog_staging: 1 create product, 2 add category, 3 require category",
                "Database catalog_production: 1 create product, 2 add category\n\nThe compatibility check stopped");
    }

    @Test
    void anExampleWithoutAnIncompatibleReleaseIsToldWhichHaveOne() {
        int code = Mtd.execute("demo", "--example", Path.of("..", "examples", "shop").toString(), "--incompatible");

        assertThat(code).isEqualTo(ExitCode.INVALID);
        assertThat(console.err()).contains("has no incompatible next release", "--example examples/django");
        assertThat(console.out()).doesNotContain("Starting the sandbox");
    }

    @Test
    void theNextReleaseIsTheNextMinorVersionWhereTheTagIsOne() {
        assertThat(NextRelease.nextImage("registry.example.com/orders:1.0.0")).isEqualTo("registry.example.com/orders:1.1.0");
        assertThat(NextRelease.nextImage("registry.example.com:5000/orders:2.9.3@sha256:ab")).isEqualTo("registry.example.com:5000/orders:2.10.0");
        assertThat(NextRelease.nextImage("registry.example.com:5000/orders:latest")).isEqualTo("registry.example.com:5000/orders:latest-next");
        assertThat(NextRelease.nextImage("registry.example.com:5000/orders")).isEqualTo("registry.example.com:5000/orders:next");
    }
}
