package io.mtd.lint;

import java.util.ArrayList;
import java.util.List;

/**
 * What a statement does, as far as the rules need to know it: read from its tokens by {@link DdlReader} following
 * PostgreSQL's grammar for the forms that lock or change tables the running version uses.
 */
sealed interface Ddl {

    /** A lock a statement waits for on a relation (named by its last name part, as the rules track relations). */
    record RelationLock(String relation, LockMode mode) {}

    /** The locks the statement takes on relations, as the manual gives them (a test compares them with pg_locks). */
    default List<RelationLock> locks() {
        return List.of();
    }

    /** BEGIN or START TRANSACTION ({@code begins}), or COMMIT, END, ROLLBACK or ABORT. */
    record Transaction(boolean begins) implements Ddl {}

    /** {@code SET [LOCAL] name = value} or {@code RESET name} ({@code value} null). */
    record Setting(String name, String value, boolean local) implements Ddl {}

    /** {@code ALTER TABLE table action, ...}: every sub-command, in order. */
    record AlterTable(String table, List<AlterAction> actions) implements Ddl {
        @Override
        public List<RelationLock> locks() {
            List<RelationLock> out = new ArrayList<>();
            out.add(new RelationLock(table, AlterAction.strongest(actions)));
            actions.stream().map(AlterAction::references).filter(r -> r != null && !r.equals(table)).distinct()
                    .forEach(r -> out.add(new RelationLock(r, LockMode.SHARE_ROW_EXCLUSIVE)));
            return out;
        }
    }

    /** {@code CREATE [UNIQUE] INDEX [CONCURRENTLY] [name] ON table}; {@code name} is null when PostgreSQL chooses it. */
    record CreateIndex(String name, String table, boolean concurrently) implements Ddl {
        @Override
        public List<RelationLock> locks() {
            return List.of(new RelationLock(table, concurrently ? LockMode.SHARE_UPDATE_EXCLUSIVE : LockMode.SHARE));
        }
    }

    /** {@code DROP INDEX [CONCURRENTLY] name, ...}. */
    record DropIndex(List<String> names, boolean concurrently) implements Ddl {
        @Override
        public List<RelationLock> locks() {
            // on the index, and in the same mode on its table (which the statement does not name)
            return names.stream().map(n -> new RelationLock(n, concurrently ? LockMode.SHARE_UPDATE_EXCLUSIVE : LockMode.ACCESS_EXCLUSIVE))
                    .toList();
        }
    }

    /**
     * A new relation: a table (also {@code AS} a query or a partition), a view, a materialized view or a sequence.
     *
     * @param references tables its foreign keys reference (each locked in SHARE ROW EXCLUSIVE mode)
     * @param partitionOf the partitioned table it becomes a partition of (locked in ACCESS EXCLUSIVE mode), or null
     */
    record CreateRelation(String kind, String name, List<String> references, String partitionOf) implements Ddl {
        @Override
        public List<RelationLock> locks() {
            List<RelationLock> out = new ArrayList<>();
            references.stream().distinct().forEach(r -> out.add(new RelationLock(r, LockMode.SHARE_ROW_EXCLUSIVE)));
            if (partitionOf != null) {
                out.add(new RelationLock(partitionOf, LockMode.ACCESS_EXCLUSIVE));
            }
            return out;
        }
    }

    /** {@code DROP TABLE}, {@code DROP VIEW} or {@code DROP MATERIALIZED VIEW} of {@code names}. */
    record DropRelation(String kind, List<String> names) implements Ddl {
        @Override
        public List<RelationLock> locks() {
            return names.stream().map(n -> new RelationLock(n, LockMode.ACCESS_EXCLUSIVE)).toList();
        }
    }

    /** {@code CREATE FUNCTION name}, declared {@code volatile} or not (PostgreSQL's default is VOLATILE). */
    record CreateFunction(String name, boolean volatile_) implements Ddl {}

    /** {@code REINDEX [CONCURRENTLY]} of a table or index. */
    record Reindex(String kind, String name, boolean concurrently) implements Ddl {
        @Override
        public List<RelationLock> locks() {
            if (name == null || !(kind.equals("index") || kind.equals("table"))) {
                return List.of();
            }
            return List.of(new RelationLock(name, concurrently ? LockMode.SHARE_UPDATE_EXCLUSIVE
                    : kind.equals("index") ? LockMode.ACCESS_EXCLUSIVE : LockMode.SHARE));
        }
    }

    /**
     * Any other statement that locks a relation the running version may use: triggers, rules, TRUNCATE, LOCK, REFRESH
     * MATERIALIZED VIEW, ALTER INDEX, ALTER VIEW, ALTER SEQUENCE, CLUSTER, VACUUM FULL.
     *
     * @param rewrites whether it rewrites the relation's storage
     */
    record Locks(String what, String relation, LockMode mode, boolean rewrites) implements Ddl {
        @Override
        public List<RelationLock> locks() {
            return relation == null ? List.of() : List.of(new RelationLock(relation, mode));
        }
    }

    /** A {@code DO} block: the statements of its body that the lint can read, with their own lines. */
    record Block(List<PgStatement> statements) implements Ddl {}

    /** A statement no rule is about (data changes, types, functions, comments, grants, ...). */
    record Harmless(String what) implements Ddl {}

    /** A statement the lint cannot read, and why. */
    record Unreadable(String why) implements Ddl {}
}
