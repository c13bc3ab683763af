package io.mtd.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtd.progress.StageOutcome;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReportTest {

    private static RunReport report() {
        MigrationReport migration = new MigrationReport("shop-staging-migrate-0123456789", StageOutcome.SUCCEEDED, null, null, 0, 1,
                Duration.ofMillis(3400), new FlywayReport(null, "3",
                        List.of(new FlywayReport.AppliedMigration("1", "create stock", "V1__create_stock.sql", 14L)), null, null));
        RolloutReport rollout = new RolloutReport("deployments", StageOutcome.SUCCEEDED, null, Duration.ofMillis(600),
                List.of(new RolloutReport.DeploymentReport("shop-web", StageOutcome.SUCCEEDED, null, 1L, 2L, false, false)));
        return new RunReport("shop", "run-1", new ImageReport("registry.example.com/shop:1.4.0",
                "registry.example.com/shop@sha256:" + "a".repeat(64), "sha256:" + "a".repeat(64), true, Duration.ofSeconds(12)),
                List.of(new EnvironmentReport("staging", "shop-staging", StageOutcome.SUCCEEDED, null, migration, rollout),
                        new EnvironmentReport("production", "shop", StageOutcome.DENIED,
                                new ApprovalReport(StageOutcome.DENIED, "bob", "not during the sale", Instant.parse("2026-11-22T10:00:00Z")),
                                null, null)),
                RunOutcome.DENIED, "production: not approved: not during the sale", Instant.parse("2026-11-22T09:59:00Z"),
                Duration.ofSeconds(75));
    }

    @Test
    void jsonRoundTripsWithIsoTimesAndDurations() {
        String json = ReportJson.write(report());
        assertThat(json).contains("\"outcome\" : \"DENIED\"").contains("\"duration\" : \"PT1M15S\"")
                .contains("\"started\" : \"2026-11-22T09:59:00Z\"").contains("\"revisionAfter\" : 2");
        assertThat(ReportJson.read(json)).isEqualTo(report());
    }

    @Test
    void asAMapForTheJenkinsStepsReturnValue() {
        Map<String, Object> map = ReportJson.toMap(report());
        assertThat(map).containsEntry("outcome", "DENIED").containsKey("environments");
        assertThat(((List<?>) map.get("environments"))).hasSize(2);
    }

    @Test
    void theSummarySaysWhatHappenedWhereAndWhy() {
        String summary = ReportSummary.render(report());
        assertThat(summary).contains("Summary: shop denied in 1m15s")
                .contains("registry.example.com/shop@sha256:").contains("(from registry.example.com/shop:1.4.0)").contains("built")
                .contains("staging      succeeded | migration succeeded in 3.4s, 1 applied (schema empty -> 3) | rollout succeeded shop-web rev 1->2")
                .contains("production   denied | approval denied by bob")
                .contains("failure      production: not approved: not during the sale");
    }
}
