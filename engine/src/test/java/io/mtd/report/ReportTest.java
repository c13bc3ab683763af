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
                .contains("registry.example.com/shop@sha256:").contains("(from registry.example.com/shop:1.4.0)").contains("built in 12s")
                .contains("  staging      succeeded\n")
                .contains("    migration  succeeded in 3.4s: applied V1 create stock\n")
                .contains("Job shop-staging-migrate-0123456789\n")
                .contains("schema empty -> 3")
                .contains("    rollout    succeeded in 600ms: rolled out\n")
                .contains("shop-web revision 1 -> 2")
                .contains("  production   not approved\n")
                .contains("    approval   not approved: Rejected by bob at 2026-11-22 10:00:00 UTC")
                .contains("\"not during the sale\"")
                .as("the approval says why the run stopped: the run's failure is not said again")
                .doesNotContain("failure      ");
    }

    @Test
    void aFailedMigrationLeadsWithWhatHappenedSaysTheReasonOnceAndShowsTheEndOfItsLog() {
        MigrationReport failed = new MigrationReport("shop-staging-migrate-0123456789", StageOutcome.FAILED, "BackoffLimitExceeded",
                "the migration exited with code 1", 1, 1, Duration.ofMillis(2100), null, List.of(),
                List.of("Traceback (most recent call last):", "psycopg2.errors.DuplicateTable: relation \"orders\" already exists"));
        RunReport run = new RunReport("shop", "run-1", null, List.of(new EnvironmentReport("staging", "shop-staging",
                StageOutcome.FAILED, null, failed, null), EnvironmentReport.notReached("production", "shop")), RunOutcome.MIGRATION_FAILED,
                "staging: migration shop-staging-migrate-0123456789 failed: the migration exited with code 1 (BackoffLimitExceeded)",
                Instant.parse("2026-11-22T09:59:00Z"), Duration.ofSeconds(9));

        String summary = ReportSummary.render(run);

        assertThat(summary).contains("    migration  failed in 2.1s: the migration exited with code 1 (BackoffLimitExceeded)\n")
                .contains("Job shop-staging-migrate-0123456789, exit code 1")
                .contains("the last 2 lines of its log:")
                .contains("| psycopg2.errors.DuplicateTable: relation \"orders\" already exists")
                .contains("  production   not reached (nothing was changed)");
        assertThat(summary.split("BackoffLimitExceeded", -1)).as("the reason, once").hasSize(2);
        assertThat(ReportJson.read(ReportJson.write(run))).isEqualTo(run);
        assertThat(ReportJson.write(run)).contains("\"logTail\" : [ \"Traceback (most recent call last):\"");
    }

    @Test
    void aFailureOutsideEveryStageIsSaidOnce() {
        RunReport run = new RunReport("shop", "run-1", null, List.of(new EnvironmentReport("staging", "shop-staging",
                StageOutcome.FAILED, null, null, null)), RunOutcome.INFRASTRUCTURE, "staging: the account may not create jobs",
                Instant.parse("2026-11-22T09:59:00Z"), Duration.ofSeconds(1));

        assertThat(ReportSummary.render(run)).contains("  staging      failed\n")
                .contains("  failure      staging: the account may not create jobs\n");
    }

    @Test
    void anEnvironmentWhoseEveryStageWasAlreadyDoneReadsSkippedNotSucceeded() {
        MigrationReport skipped = new MigrationReport("shop-staging-migrate-0123456789", StageOutcome.SKIPPED, "AlreadySucceeded",
                "already migrated for this image (started by run-0)", 0, 0, Duration.ofMillis(40), null);
        RolloutReport unchanged = new RolloutReport("deployments", StageOutcome.SKIPPED, "every Deployment already runs the image",
                Duration.ofMillis(20), List.of(new RolloutReport.DeploymentReport("shop-web", StageOutcome.SKIPPED,
                        "already runs the image and is available", 2L, 2L, true, false)));
        EnvironmentReport again = new EnvironmentReport("staging", "shop-staging", StageOutcome.SUCCEEDED, null, skipped, unchanged);

        Timeline t = Timeline.of(again);

        assertThat(t.status()).isEqualTo(Status.ALREADY_APPLIED);
        assertThat(t.status().words()).isEqualTo("skipped (already applied)");
        assertThat(t.entries()).extracting(Timeline.Entry::summary)
                .containsExactly("already migrated for this image (started by run-0)", "every Deployment already runs the image");
        assertThat(t.entries().get(1).details()).as("its reason says the same: once").containsExactly("shop-web already ran the image");
        assertThat(Status.of(new EnvironmentReport("staging", "shop-staging", StageOutcome.SUCCEEDED, null,
                new MigrationReport("j", StageOutcome.SUCCEEDED, null, null, 0, 1, Duration.ZERO, null), unchanged)))
                .as("a migration that ran makes the environment's release a success, not a skip").isEqualTo(Status.SUCCEEDED);
    }

    @Test
    void anApprovalSaysWhoWhenAndHowLongItWaited() {
        ApprovalReport approved = new ApprovalReport(StageOutcome.SUCCEEDED, "alice", "ship it", Instant.parse("2026-11-22T10:00:00Z"),
                Duration.ofMinutes(4).plusSeconds(3));

        Timeline.Entry entry = Timeline.of(new EnvironmentReport("production", "shop", StageOutcome.SUCCEEDED, approved, null, null))
                .entries().get(0);

        assertThat(entry.summary()).isEqualTo("Approved by alice at 2026-11-22 10:00:00 UTC after waiting 4m3s");
        assertThat(entry.took()).isEqualTo("4m3s");
        assertThat(entry.details()).containsExactly("\"ship it\"");
    }

    @Test
    void aCommandMigrationsAppliedMigrationsAreListed() {
        MigrationReport m = new MigrationReport("shop-staging-migrate-0123456789", StageOutcome.SUCCEEDED, null, null, 0, 1,
                Duration.ofMillis(1700), null, List.of("orders.0001_initial", "orders.0002_seed_statuses"), List.of());

        Timeline.Entry entry = Timeline.of(new EnvironmentReport("staging", "s", StageOutcome.SUCCEEDED, null, m, null)).entries().get(0);

        assertThat(entry.summary()).isEqualTo("applied orders.0001_initial, orders.0002_seed_statuses");
        assertThat(entry.took()).isEqualTo("1.7s");
    }

    @Test
    void aLintCheckHasAVerdictTitleAndDetails() {
        io.mtd.lint.LintReport safe = new io.mtd.lint.LintReport(List.of(), List.of(), List.of(), List.of(), 1, 9,
                io.mtd.lint.LintReport.Rollback.SAFE, List.of());
        io.mtd.lint.LintReport unchecked = new io.mtd.lint.LintReport(List.of(), List.of(), List.of("migration 'migrate' was not checked"),
                List.of(), 0, 0, io.mtd.lint.LintReport.Rollback.UNKNOWN, List.of());

        assertThat(CheckReport.lint(safe)).isEqualTo(new CheckReport("lint", CheckReport.Verdict.PASSED, "Expand/contract check",
                List.of("9 statements in 1 script: 0 errors, 0 warnings, 0 acknowledged",
                        "code rollback safe: every change before the rollout is expand-only")));
        assertThat(CheckReport.lint(unchecked).verdict()).isEqualTo(CheckReport.Verdict.NOT_CHECKED);
        assertThat(CheckReport.lint(unchecked).details()).contains("not checked: migration 'migrate' was not checked");
    }
}
