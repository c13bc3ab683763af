package io.mtd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The flagship demo, {@code mtd demo}: the shop's migrations are checked for expand/contract safety from the SQL its
 * {@code sqlCommand} prints, applied once per environment, approved by the demo itself, and the rerun applies nothing.
 */
class ShopDemoTest {

    @RegisterExtension
    final ConsoleCapture console = new ConsoleCapture();

    @Test
    void theDemoChecksTheShopsSqlMigratesEachEnvironmentOnceAndSaysItApprovesItself() {
        int code = Mtd.execute("demo", "--example", Path.of("..", "examples", "shop").toString());
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
    }
}
