package io.mtd.progress;

import java.util.List;

/** Receives a run's events; the CLI prints them, the Jenkins plugin writes them to the build log and page. */
@FunctionalInterface
public interface ProgressListener {

    ProgressListener NONE = event -> {};

    /** Called from engine threads, possibly several at once; implementations must be thread-safe and quick. */
    void on(ProgressEvent event);

    /**
     * Several lines of output of one source at once, in order; by default one {@link ProgressEvent.LogLine} each.
     * A listener that writes somewhere costly overrides it to write them in one go.
     */
    default void onLines(Stage stage, String environment, String source, List<String> lines) {
        for (String line : lines) {
            on(new ProgressEvent.LogLine(stage, environment, source, line));
        }
    }
}
