package io.jenkins.plugins.mtd;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;

import hudson.model.Result;
import io.mtd.report.RunOutcome;
import io.mtd.report.RunReport;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every outcome ends the build with a result and says what it leaves behind (no Jenkins needed). */
class OutcomesTest {

    @Test
    void aFailedContractMigrationFailsTheBuildAndSaysHowToFinishIt() {
        RunReport report = new RunReport("shop", "r1", null, List.of(), RunOutcome.POST_ROLLOUT_FAILED,
                "staging: post-rollout migration shop-staging-post-1 failed: Error: exit code 1. The new version"
                + " registry.example.com/shop@sha256:ab is rolled out and keeps serving; the contract change did not complete:"
                + " fix it and run again", Instant.now(), Duration.ofSeconds(3));

        assertThat(Outcomes.result(report.outcome()), is(Result.FAILURE));
        assertThat(Outcomes.failure(report), allOf(startsWith("POST_ROLLOUT_FAILED: staging: post-rollout migration"),
                containsString("rolled out and keeps serving"), containsString("\nRun the build again once the contract migration is fixed")));
    }

    @Test
    void anIncompatibleReleaseFailsTheBuildAndSaysTheMigrationIsNotUndone() {
        RunReport report = new RunReport("shop", "r1", null, List.of(), RunOutcome.INCOMPATIBLE,
                "staging: compatibility check: the running version registry.example.com/shop:1.3 fails against the schema of"
                + " release registry.example.com/shop:1.4 (Job shop-staging-migrate-1: column shop_order.customer does not exist)",
                Instant.now(), Duration.ofSeconds(3));

        assertThat(Outcomes.result(report.outcome()), is(Result.FAILURE));
        assertThat(Outcomes.failure(report), allOf(startsWith("INCOMPATIBLE: staging: compatibility check: the running version"),
                containsString("\nA version serving fails against the migrated schema"), containsString("The migration is not undone")));
    }

    @Test
    void aDriftFailsTheBuildAndSaysWhatWasLeftAndHowToAcceptIt() {
        RunReport report = new RunReport("shop", "r1", null, List.of(), RunOutcome.DRIFTED,
                "production: production has drifted from the schema staging was tested on (fingerprint 3f2a9c1b0d4e)",
                Instant.now(), Duration.ofSeconds(3));

        assertThat(Outcomes.result(report.outcome()), is(Result.FAILURE));
        assertThat(Outcomes.failure(report), allOf(startsWith("DRIFTED: production: production has drifted"),
                containsString("\nThat environment's schema was not the one"), containsString("nothing was migrated there"),
                containsString("accept the difference in the approval form")));
    }

    @Test
    void onlySuccessSucceedsAndACancelledRunIsAborted() {
        for (RunOutcome o : RunOutcome.values()) {
            Result expected = o == RunOutcome.SUCCEEDED ? Result.SUCCESS : o == RunOutcome.CANCELLED ? Result.ABORTED
                    : o == RunOutcome.SUPERSEDED ? Result.NOT_BUILT : Result.FAILURE;
            assertThat(o.name(), Outcomes.result(o), is(expected));
            assertThat(o.name(), Outcomes.consequence(o).isEmpty(), is(o == RunOutcome.SUCCEEDED));
        }
    }

    @Test
    void aFailureWithoutAMessageIsNotPrefixedWithABlankLine() {
        RunReport report = new RunReport("shop", "r1", null, List.of(), RunOutcome.IMAGE_FAILED, null, Instant.now(), Duration.ZERO);

        assertThat(Outcomes.failure(report), allOf(startsWith("IMAGE_FAILED: No environment was touched"), not(containsString("\n"))));
    }
}
