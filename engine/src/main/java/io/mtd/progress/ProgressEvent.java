package io.mtd.progress;

import java.time.Duration;

/** Something that happened during a run, as the CLI prints it and the Jenkins plugin writes it to the build log. */
public sealed interface ProgressEvent {

    /** The environment it concerns, or null for run-wide events such as the image build. */
    String environment();

    Stage stage();

    /** A stage began. */
    record StageStarted(Stage stage, String environment, String detail) implements ProgressEvent {}

    /** Progress during a stage, e.g. "shop-web: 2/3 updated, 1 available" or who holds the lock. */
    record Note(Stage stage, String environment, String message) implements ProgressEvent {}

    /** One line of output of the migration Pod, the image build or a rollout hook. */
    record LogLine(Stage stage, String environment, String source, String line) implements ProgressEvent {}

    /** A stage ended, with how it ended and how long it took. */
    record StageFinished(Stage stage, String environment, StageOutcome outcome, Duration duration, String detail)
            implements ProgressEvent {}
}
