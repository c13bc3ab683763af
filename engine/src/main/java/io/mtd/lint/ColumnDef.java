package io.mtd.lint;

import java.util.List;

/**
 * A column as {@code ADD COLUMN} defines it: what decides whether existing rows must be rewritten and whether the running
 * version's INSERTs still work.
 *
 * @param name the column
 * @param type its type as written, lower case
 * @param notNull {@code NOT NULL}
 * @param defaultExpression the {@code DEFAULT} expression's tokens; empty without one
 * @param generated how PostgreSQL fills the column for existing rows, when it does
 * @param references the table a {@code REFERENCES} constraint names, or null
 * @param unique {@code UNIQUE}
 * @param primaryKey {@code PRIMARY KEY}
 * @param check a {@code CHECK} constraint
 */
record ColumnDef(String name, String type, boolean notNull, List<SqlToken> defaultExpression, Generated generated,
        String references, boolean unique, boolean primaryKey, boolean check) {

    /** How the column's values are generated. */
    enum Generated { NONE, STORED, VIRTUAL, IDENTITY }

    ColumnDef {
        defaultExpression = List.copyOf(defaultExpression);
    }

    /** Whether the type is one of the serial pseudo-types (an integer with a sequence's {@code nextval} as default). */
    boolean serial() {
        return switch (type) {
            case "serial", "bigserial", "smallserial", "serial2", "serial4", "serial8" -> true;
            default -> false;
        };
    }
}
