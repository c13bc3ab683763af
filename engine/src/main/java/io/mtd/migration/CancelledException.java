package io.mtd.migration;

/** The run was cancelled while a Job under the lock was claimed, created or waited for. */
final class CancelledException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CancelledException(String message) {
        super(message);
    }
}
