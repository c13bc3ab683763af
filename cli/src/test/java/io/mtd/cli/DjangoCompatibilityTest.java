package io.mtd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtd.plan.PostRollout;
import io.mtd.progress.StageOutcome;
import io.mtd.report.CompatibilityReport;
import io.mtd.report.EnvironmentReport;
import io.mtd.report.RunOutcome;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The compatibility check with the real Django example: release 1.0.0 serves in staging and production, then a release
 * 1.1.0 whose migration the running 1.0.0 cannot survive stops on staging before its rollout, with production's
 * Deployment and database untouched; a safe one rolls out everywhere; and a contract migration that drops a column the
 * new code still reads is caught after staging's post-rollout migration, before production. What catches them is
 * 1.0.0's own {@code manage.py check_compatibility} (the expand/contract lint is left out of these plans). Runs where
 * Python 3 with Django and psycopg2 is installed (.ci/run installs them) and is skipped, saying why, elsewhere.
 */
class DjangoCompatibilityTest {

    private static final Path RELEASES = Path.of("src", "test", "resources", "django-releases");
    private static final String FIRST = DjangoReleases.REPOSITORY + ":" + DjangoReleases.FIRST;

    @TempDir
    static Path versions;

    private static DjangoReleases releases;

    @BeforeAll
    static void start() {
        releases = DjangoReleases.startOrSkip(versions, "the Django compatibility tests");
    }

    @AfterAll
    static void stop() {
        if (releases != null) {
            releases.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        // release (an overlay of examples/django),  what the running 1.0.0 trips over in its check's log
        "rename,                                      column orders_order.customer does not exist",
        "not-null,                                    null value in column \"priority\"",
        "check,                                       violates check constraint \"order_has_status\""})
    void aReleaseTheRunningVersionCannotSurviveStopsOnStagingBeforeItsRolloutWithProductionUntouched(String release,
            String symptom) {
        // the not-null release is the demo's own (mtd demo --example examples/django --incompatible)
        Path overlay = release.equals("not-null") ? DjangoReleases.EXAMPLE.resolve("incompatible") : RELEASES.resolve(release);
        String image = releases.version("1.1.0-" + release, overlay);
        DjangoReleases.Site site = releases.site("compat-" + release);
        List<String> productionSchema = releases.columns(site, "production", "orders_order");
        int productionJobs = releases.jobs(site, "production");

        DjangoReleases.Released run = releases.release(site, image, DjangoReleases::withoutLint);

        assertThat(run.report().outcome()).as(run.log()).isEqualTo(RunOutcome.INCOMPATIBLE);
        EnvironmentReport staging = run.report().environments().get(0);
        assertThat(staging.migration().outcome()).isEqualTo(StageOutcome.SUCCEEDED);
        CompatibilityReport check = staging.compatibility();
        assertThat(check.outcome()).isEqualTo(StageOutcome.FAILED);
        assertThat(check.versions()).singleElement().satisfies(v -> {
            assertThat(v.image()).isEqualTo(FIRST);
            assertThat(String.join("\n", v.log())).contains("orders.Order").contains(symptom);
        });
        assertThat(check.message()).startsWith("the running version " + FIRST + " fails against the schema of release " + image)
                .contains(symptom);
        assertThat(run.log()).contains("staging compatibility: the running version " + FIRST + " (orders-web) against the"
                + " schema of release " + image).doesNotContain("staging rollout");
        // staging keeps serving 1.0.0 on the migrated schema (not undone); production is not touched at all
        assertThat(releases.deployed(site, "staging")).isEqualTo(FIRST);
        assertThat(releases.applied(site, "staging")).hasSize(3);
        assertThat(releases.deployed(site, "production")).isEqualTo(FIRST);
        assertThat(releases.applied(site, "production")).containsExactly("orders.0001_initial", "orders.0002_seed_statuses");
        assertThat(releases.columns(site, "production", "orders_order")).isEqualTo(productionSchema);
        assertThat(releases.jobs(site, "production")).isEqualTo(productionJobs);
        assertThat(run.report().environments().get(1).outcome()).isEqualTo(StageOutcome.NOT_REACHED);
    }

    @Test
    void aReleaseTheRunningVersionSurvivesRollsOutEverywhere() {
        String image = releases.version("1.1.0-safe", RELEASES.resolve("safe"));
        DjangoReleases.Site site = releases.site("compat-safe");

        DjangoReleases.Released run = releases.release(site, image, DjangoReleases::withoutLint);

        assertThat(run.report().outcome()).as(run.log()).isEqualTo(RunOutcome.SUCCEEDED);
        for (EnvironmentReport env : run.report().environments()) {
            assertThat(env.compatibility().outcome()).isEqualTo(StageOutcome.SUCCEEDED);
            assertThat(env.compatibility().versions()).extracting(CompatibilityReport.VersionCheck::image).containsExactly(FIRST);
            assertThat(releases.deployed(site, env.name())).isEqualTo(image);
            assertThat(releases.columns(site, env.name(), "orders_order")).contains("note");
        }
        // the check read, inserted and updated every model, and kept nothing
        assertThat(run.log()).contains("orders.Order: insert ok", "orders.OrderStatus: update ok", "compatible: 2 model(s)");
        for (EnvironmentReport env : run.report().environments()) {
            assertThat(releases.rows(site, env.name(), "orders_order")).isZero();
            assertThat(releases.rows(site, env.name(), "orders_orderstatus")).isEqualTo(3);
        }
    }

    @Test
    void aContractMigrationThatDropsAColumnTheNewCodeStillReadsIsCaughtBeforeProduction() {
        String image = releases.version("1.1.0-contract", RELEASES.resolve("contract"));
        DjangoReleases.Site site = releases.site("compat-contract");

        DjangoReleases.Released run = releases.release(site, image, m -> DjangoReleases.withoutLint(m)
                .command(List.of("python3", "manage.py", "migrate", "orders", "0003", "--noinput"))
                .postRollout(new PostRollout(null, List.of("python3", "manage.py", "migrate", "--noinput"), null, null)));

        assertThat(run.report().outcome()).as(run.log()).isEqualTo(RunOutcome.INCOMPATIBLE);
        EnvironmentReport staging = run.report().environments().get(0);
        assertThat(staging.compatibility().outcome()).isEqualTo(StageOutcome.SUCCEEDED); // 1.0.0 survives the expand
        assertThat(staging.rollout().outcome()).isEqualTo(StageOutcome.SUCCEEDED);
        assertThat(staging.postRollout().outcome()).isEqualTo(StageOutcome.SUCCEEDED);
        CompatibilityReport after = staging.postRolloutCompatibility();
        assertThat(after.outcome()).isEqualTo(StageOutcome.FAILED);
        assertThat(after.versions()).singleElement().satisfies(v -> {
            assertThat(v.image()).isEqualTo(image);
            assertThat(String.join("\n", v.log())).contains("column orders_order.customer does not exist");
        });
        assertThat(run.report().failure()).contains("after the post-rollout migration", image + " is rolled out and keeps serving");
        assertThat(releases.deployed(site, "staging")).isEqualTo(image);
        assertThat(releases.columns(site, "staging", "orders_order")).doesNotContain("customer");
        assertThat(releases.deployed(site, "production")).isEqualTo(FIRST);
        assertThat(releases.applied(site, "production")).containsExactly("orders.0001_initial", "orders.0002_seed_statuses");
        assertThat(releases.columns(site, "production", "orders_order")).contains("customer");
    }
}
