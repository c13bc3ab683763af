package io.mtd.lint;

/**
 * A table constraint as {@code ALTER TABLE ... ADD} defines it.
 *
 * @param name its name, or null when PostgreSQL chooses it
 * @param kind what it constrains
 * @param notValid {@code NOT VALID}: existing rows are not checked now
 * @param usingIndex {@code USING INDEX}: a prebuilt index becomes the constraint
 * @param references a foreign key's referenced table, or null
 * @param notNullColumn for {@code CHECK (column IS NOT NULL)}: the column, else null
 */
record TableConstraint(String name, Kind kind, boolean notValid, boolean usingIndex, String references, String notNullColumn) {

    /** The kinds of table constraints. */
    enum Kind { CHECK, FOREIGN_KEY, UNIQUE, PRIMARY_KEY, EXCLUDE }

    /** How findings name it. */
    String label() {
        String k = switch (kind) {
            case CHECK -> "CHECK";
            case FOREIGN_KEY -> "FOREIGN KEY";
            case UNIQUE -> "UNIQUE";
            case PRIMARY_KEY -> "PRIMARY KEY";
            case EXCLUDE -> "EXCLUDE";
        };
        return name == null ? k + " constraint" : k + " constraint " + name;
    }
}
