package io.mtd.lint;

import java.util.Arrays;
import java.util.Optional;

/**
 * PostgreSQL's table-level lock modes, weakest first (the manual's "Table-Level Locks"): which of them a statement waits
 * for decides whether the running version's queries queue behind it.
 */
public enum LockMode {
    ACCESS_SHARE("AccessShareLock", "ACCESS SHARE"),
    ROW_SHARE("RowShareLock", "ROW SHARE"),
    ROW_EXCLUSIVE("RowExclusiveLock", "ROW EXCLUSIVE"),
    SHARE_UPDATE_EXCLUSIVE("ShareUpdateExclusiveLock", "SHARE UPDATE EXCLUSIVE"),
    SHARE("ShareLock", "SHARE"),
    SHARE_ROW_EXCLUSIVE("ShareRowExclusiveLock", "SHARE ROW EXCLUSIVE"),
    EXCLUSIVE("ExclusiveLock", "EXCLUSIVE"),
    ACCESS_EXCLUSIVE("AccessExclusiveLock", "ACCESS EXCLUSIVE");

    private final String pgLocks;
    private final String sql;

    LockMode(String pgLocks, String sql) {
        this.pgLocks = pgLocks;
        this.sql = sql;
    }

    /** Whether it conflicts with the ROW EXCLUSIVE lock that INSERT, UPDATE and DELETE take. */
    public boolean blocksWrites() {
        return compareTo(SHARE) >= 0;
    }

    /** Whether it conflicts with the ACCESS SHARE lock that SELECT takes. */
    public boolean blocksReads() {
        return this == ACCESS_EXCLUSIVE;
    }

    /** The mode as {@code pg_locks.mode} names it, e.g. {@code ShareLock}. */
    public String pgLocks() {
        return pgLocks;
    }

    /** The mode as SQL and the manual write it, e.g. {@code SHARE ROW EXCLUSIVE}. */
    @Override
    public String toString() {
        return sql;
    }

    /** The mode {@code pg_locks.mode} names. */
    public static Optional<LockMode> ofPgLocks(String mode) {
        return Arrays.stream(values()).filter(m -> m.pgLocks.equals(mode)).findFirst();
    }

    /** The stronger of two modes (by the order of the manual's table, which is also the order of their conflicts). */
    static LockMode max(LockMode a, LockMode b) {
        return a == null ? b : b == null ? a : a.compareTo(b) >= 0 ? a : b;
    }
}
