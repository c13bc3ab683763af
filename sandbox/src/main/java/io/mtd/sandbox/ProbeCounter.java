package io.mtd.sandbox;

/**
 * A probe's result from its attempts, as the kubelet's probe worker keeps it: the result changes only after
 * {@code successThreshold} successes or {@code failureThreshold} failures in a row. A readiness probe starts failed, a
 * liveness probe passed, a startup probe failed (not yet started).
 */
final class ProbeCounter {

    private final int successThreshold;
    private final int failureThreshold;
    private boolean result;
    private Boolean last;
    private int run;

    ProbeCounter(boolean initial, Integer successThreshold, Integer failureThreshold) {
        this.result = initial;
        this.successThreshold = successThreshold == null || successThreshold < 1 ? 1 : successThreshold;
        this.failureThreshold = failureThreshold == null || failureThreshold < 1 ? 3 : failureThreshold;
    }

    /** Counts one attempt and returns the probe's result after it. */
    boolean record(boolean success) {
        if (last != null && last == success) {
            run++;
        } else {
            last = success;
            run = 1;
        }
        if (success && run >= successThreshold) {
            result = true;
        } else if (!success && run >= failureThreshold) {
            result = false;
        }
        return result;
    }

    boolean result() {
        return result;
    }

    /** Whether the last attempt completed a run that decides the result (a startup probe's result is unknown until then). */
    boolean decided() {
        return last != null && run >= (last ? successThreshold : failureThreshold);
    }

    /** Starts counting afresh, as after a liveness failure, keeping the result. */
    void reset() {
        last = null;
        run = 0;
    }
}
