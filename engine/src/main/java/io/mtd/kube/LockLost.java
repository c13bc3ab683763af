package io.mtd.kube;

/**
 * The migration lock stopped being ours while a run held it: another run took the Lease over, or it expired because
 * its renewals failed.
 *
 * @param lease the Lease's name
 * @param holder who holds it now (a run id), or null when nobody took it yet
 * @param why what happened, for the report
 */
public record LockLost(String lease, String holder, String why) {

    /** One sentence for the report. */
    public String describe() {
        return "lost the migration lock '" + lease + "'" + (holder == null ? "" : " to " + holder) + ": " + why;
    }

    /** The exception a wait fails with when the lock is lost. */
    public static final class Exception extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public Exception(LockLost lost) {
            super(lost.describe());
        }
    }
}
