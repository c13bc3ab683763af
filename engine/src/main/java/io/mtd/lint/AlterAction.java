package io.mtd.lint;

import java.util.List;

/** One sub-command of an {@code ALTER TABLE}, and the lock it takes on the table. */
sealed interface AlterAction {

    /** The lock it takes on the table: ACCESS EXCLUSIVE, unless the manual gives it a weaker one. */
    default LockMode lock() {
        return LockMode.ACCESS_EXCLUSIVE;
    }

    /** {@code ADD [COLUMN]}. */
    record AddColumn(ColumnDef column) implements AlterAction {
        @Override
        public String references() {
            return column.references();
        }
    }

    /** {@code DROP [COLUMN] column}. */
    record DropColumn(String column) implements AlterAction {}

    /** {@code RENAME [COLUMN] from TO to}. */
    record RenameColumn(String from, String to) implements AlterAction {}

    /** {@code RENAME TO to}, or {@code SET SCHEMA to} ({@code schema}): the running version's name is gone. */
    record RenameTable(String to, boolean schema) implements AlterAction {}

    /** {@code ALTER [COLUMN] column [SET DATA] TYPE type}. */
    record SetType(String column, String type) implements AlterAction {}

    /** {@code ALTER [COLUMN] column SET NOT NULL}. */
    record SetNotNull(String column) implements AlterAction {}

    /** {@code ADD table_constraint}: foreign keys lock in SHARE ROW EXCLUSIVE mode, the others in ACCESS EXCLUSIVE mode. */
    record AddConstraint(TableConstraint constraint) implements AlterAction {
        @Override
        public LockMode lock() {
            return constraint.kind() == TableConstraint.Kind.FOREIGN_KEY ? LockMode.SHARE_ROW_EXCLUSIVE : LockMode.ACCESS_EXCLUSIVE;
        }

        @Override
        public String references() {
            return constraint.references();
        }
    }

    /** {@code VALIDATE CONSTRAINT name}: scans the table without blocking reads or writes. */
    record ValidateConstraint(String name) implements AlterAction {
        @Override
        public LockMode lock() {
            return LockMode.SHARE_UPDATE_EXCLUSIVE;
        }
    }

    /**
     * Any other sub-command PostgreSQL has ({@code SET DEFAULT}, {@code DROP CONSTRAINT}, {@code ALTER CONSTRAINT},
     * {@code ENABLE TRIGGER}, {@code OWNER TO}, ...), with the lock the manual gives it and whether it rewrites the table.
     */
    record Other(String what, LockMode lock, boolean rewrites) implements AlterAction {}

    /** A sub-command the lint does not know: reported as not checked, assumed to take ACCESS EXCLUSIVE. */
    record Unknown(String text) implements AlterAction {}

    /** The table a foreign key this sub-command adds references, or null. */
    default String references() {
        return null;
    }

    /** The strongest lock of {@code actions}. */
    static LockMode strongest(List<AlterAction> actions) {
        LockMode m = null;
        for (AlterAction a : actions) {
            m = LockMode.max(m, a.lock());
        }
        return m == null ? LockMode.ACCESS_EXCLUSIVE : m;
    }
}
