package io.mtd.progress;

/** Receives a run's events; the CLI prints them, the Jenkins plugin writes them to the build log and page. */
@FunctionalInterface
public interface ProgressListener {

    ProgressListener NONE = event -> {};

    /** Called from engine threads, possibly several at once; implementations must be thread-safe and quick. */
    void on(ProgressEvent event);
}
