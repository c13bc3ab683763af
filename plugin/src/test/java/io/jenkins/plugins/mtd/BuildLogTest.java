package io.jenkins.plugins.mtd;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;

import io.mtd.plan.PlanError;
import io.mtd.progress.ProgressEvent;
import io.mtd.progress.Stage;
import io.mtd.progress.StageOutcome;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How progress reads in the build log, and which validator errors a form field shows. */
class BuildLogTest {

    @Test
    void eventsReadAsBannersLogLinesAndNotes() {
        assertThat(BuildLog.format(new ProgressEvent.StageStarted(Stage.MIGRATION, "staging", "Job shop-migrate-1a2b")),
                is("[migrateThenDeploy] === staging migration started: Job shop-migrate-1a2b"));
        assertThat(BuildLog.format(new ProgressEvent.LogLine(Stage.MIGRATION, "staging", "migrate", "Applying 0002")),
                is("[staging/migrate] Applying 0002"));
        assertThat(BuildLog.format(new ProgressEvent.Note(Stage.LOCK, "production", "held by shop-deploy#41")),
                is("[migrateThenDeploy] production lock: held by shop-deploy#41"));
        assertThat(BuildLog.format(new ProgressEvent.StageFinished(Stage.IMAGE, null, StageOutcome.FAILED,
                Duration.ofSeconds(65), "push denied")), is("[migrateThenDeploy] === image FAILED in 1 min 5 sec: push denied"));
    }

    @Test
    void aFieldShowsOnlyItsOwnErrors() {
        List<PlanError> errors = List.of(new PlanError("app", "missing"),
                new PlanError("environments[0].namespace", "bad namespace"),
                new PlanError("environments[0].deployments[1]", "bad deployment"),
                new PlanError("migration.timeout", "bad timeout"));
        assertThat(FieldChecks.messagesFor(errors, "namespace"), contains("bad namespace"));
        assertThat(FieldChecks.messagesFor(errors, "deployments"), contains("bad deployment"));
        assertThat(FieldChecks.messagesFor(errors, "migration.timeout"), contains("bad timeout"));
        assertThat(FieldChecks.messagesFor(errors, "image"), is(empty()));
    }
}
