package io.mtd.lint;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The statement shapes that slipped through when the lint was measured on 654 real migration scripts of three
 * open-source projects beside squawk (issue 19): each is read, and judged as a person reviewing it would.
 */
class RealWorldShapesTest {

    private static final String TIMEOUT = "SET lock_timeout = '5s';\n";

    private static LintReport lint(String sql) {
        return LinterTest.lint(sql);
    }

    private static List<String> rules(String sql) {
        return LinterTest.rules(lint(sql));
    }

    /** SQL, and the rules it must raise (exactly, in order), with a lock_timeout in force. */
    static Stream<Arguments> shapes() {
        return Stream.of(
                Arguments.of("ALTER TABLE orders ADD COLUMN customer_id int REFERENCES customers (id);",
                        List.of("adding-foreign-key-constraint")),
                Arguments.of("ALTER TABLE orders ADD COLUMN customer_id int REFERENCES customers (id) ON DELETE CASCADE;",
                        List.of("adding-foreign-key-constraint")),
                Arguments.of("ALTER TABLE orders ADD COLUMN customer_id int UNIQUE REFERENCES customers (id);",
                        List.of("disallowed-unique-constraint", "adding-foreign-key-constraint")),
                Arguments.of("ALTER TABLE comment DROP COLUMN read;", List.of("ban-drop-column")),
                Arguments.of("ALTER TABLE builds RENAME COLUMN engine TO schema;", List.of("renaming-column")),
                Arguments.of("ALTER TABLE modlog ADD CHECK (kind <> '');", List.of("constraint-missing-not-valid")),
                Arguments.of("CREATE INDEX i ON community (lower(name::text));", List.of("require-concurrent-index-creation")),
                Arguments.of("CREATE UNIQUE INDEX i ON activity ((data ->> 'id'));", List.of("require-concurrent-index-creation")),
                Arguments.of("ALTER TABLE post ALTER CONSTRAINT post_creator_fk NOT DEFERRABLE;", List.of()),
                Arguments.of("ALTER TABLE orders ADD COLUMN token text NOT NULL DEFAULT make_token();",
                        List.of("adding-field-with-default")),
                Arguments.of("CREATE FUNCTION make_token() RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT 'x' $$;\n"
                        + "ALTER TABLE orders ADD COLUMN token text NOT NULL DEFAULT make_token();", List.of()),
                Arguments.of("ALTER TABLE mod_ban ALTER COLUMN instance_id SET NOT NULL, ALTER CONSTRAINT c NOT DEFERRABLE;",
                        List.of("adding-not-nullable-field")),
                Arguments.of("ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (customer_id) REFERENCES customers NOT VALID,"
                        + " ADD CONSTRAINT positive CHECK (total > 0);", List.of("constraint-missing-not-valid")),
                Arguments.of("ALTER TABLE orders ADD COLUMN seq bigint NOT NULL GENERATED ALWAYS AS IDENTITY;",
                        List.of("adding-field-with-default")),
                Arguments.of("ALTER TABLE orders ADD COLUMN double_total numeric GENERATED ALWAYS AS (total * 2) STORED;",
                        List.of("adding-field-with-default")),
                Arguments.of("CREATE MATERIALIZED VIEW mv AS SELECT id FROM orders;\nCREATE INDEX mv_idx ON mv (id);", List.of()),
                Arguments.of("CREATE TABLE archived AS SELECT * FROM orders;\nCREATE INDEX archived_idx ON archived (id);", List.of()),
                Arguments.of("\uFEFFALTER TABLE customer DROP COLUMN fax;", List.of("ban-drop-column")),
                Arguments.of("ALTER INDEX orders_idx RENAME TO orders_created_idx;\nALTER TRIGGER t ON orders RENAME TO t2;\n"
                        + "ALTER FUNCTION f(int) RENAME TO g;", List.of()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void eachShapeIsReadAndJudged(String sql, List<String> expected) {
        String script = sql.startsWith("\uFEFF") ? "\uFEFF" + TIMEOUT + sql.substring(1) : TIMEOUT + sql;
        LintReport r = lint(script);
        assertThat(LinterTest.rules(r)).as(LintOutput.summary(r)).containsExactlyElementsOf(expected);
        assertThat(r.notChecked()).isEmpty();
    }

    @Test
    void renamesOfIndexesTriggersAndFunctionsAreReadForTheLocksTheyTake() {
        // ALTER TRIGGER locks its table in ACCESS EXCLUSIVE mode (LockModesTest shows it on a server); the others lock no table
        assertThat(rules("ALTER TRIGGER t ON orders RENAME TO t2;")).containsExactly("require-lock-timeout");
        assertThat(rules("ALTER INDEX orders_idx RENAME TO orders_created_idx;\nALTER FUNCTION f(int) RENAME TO g;")).isEmpty();
    }

    @Test
    void aBomBeforeTheFirstStatementDoesNotHideIt() {
        assertThat(rules("\uFEFFALTER TABLE customer DROP COLUMN fax;")).contains("ban-drop-column");
    }

    @Test
    void anUnnamedIndexIsNamedByItsTable() {
        LintReport r = lint("CREATE INDEX ON orders (created);");
        assertThat(r.findings()).filteredOn(f -> f.rule().equals("require-concurrent-index-creation")).singleElement()
                .satisfies(f -> assertThat(f.message()).doesNotContain("null").contains("orders"));
    }

    @Test
    void theNotNullRecipeIsNotFlaggedOnceTheCheckIsValidated() {
        // the recipe the fix text gives, across two scripts as Flyway runs them: each in its own transaction
        Linter linter = new Linter(List.of());
        LintReport r = linter.lint(List.of(
                new SqlSource("db/migration/V7__check.sql", TIMEOUT
                        + "ALTER TABLE customer ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;", Phase.PRE_ROLLOUT, true),
                new SqlSource("db/migration/V8__validate.sql", TIMEOUT + "ALTER TABLE customer VALIDATE CONSTRAINT email_nn;\n"
                        + "ALTER TABLE customer ALTER COLUMN email SET NOT NULL;\nALTER TABLE customer DROP CONSTRAINT email_nn;",
                        Phase.PRE_ROLLOUT, true)), List.of());
        assertThat(LinterTest.rules(r)).as(LintOutput.summary(r)).isEmpty();
    }

    @Test
    void validatingInTheTransactionThatAddedTheConstraintIsFlagged() {
        // Flyway runs a script in one transaction: the ADD's lock is still held while VALIDATE scans the table
        assertThat(rules(TIMEOUT + "ALTER TABLE orders ADD CONSTRAINT positive CHECK (total > 0) NOT VALID;\n"
                + "ALTER TABLE orders VALIDATE CONSTRAINT positive;")).containsExactly("constraint-missing-not-valid");
    }

    @Test
    void oneLockTimeoutFindingPerScriptUnderSquawksName() {
        LintReport r = lint("ALTER TABLE a ADD COLUMN x int;\nALTER TABLE b ADD COLUMN y int;\nCOMMENT ON TABLE a IS 'x';");
        assertThat(r.findings()).singleElement().satisfies(f -> {
            assertThat(f.rule()).isEqualTo("require-lock-timeout");
            assertThat(f.line()).isEqualTo(1);
            assertThat(f.message()).contains("ALTER TABLE a").contains("and 1 later statement");
        });
    }

    @Test
    void onlyStatementsThatWaitForAStrongLockOnAnExistingTableNeedALockTimeout() {
        assertThat(rules("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\nCREATE TYPE mood AS ENUM ('a');\n"
                + "CREATE VIEW v AS SELECT 1;\nCREATE SCHEMA s;\nCREATE EXTENSION IF NOT EXISTS pgcrypto;\nALTER TYPE mood ADD VALUE 'b';\n"
                + "CREATE TABLE t (id int PRIMARY KEY);\nCREATE INDEX t_idx ON t (id);\nALTER TABLE t ADD COLUMN x int;")).isEmpty();
        assertThat(rules("CREATE INDEX i ON orders (x);")).contains("require-lock-timeout");
        assertThat(rules("DROP TABLE legacy;")).contains("require-lock-timeout");
        assertThat(rules("DROP INDEX CONCURRENTLY i;")).doesNotContain("require-lock-timeout");
        assertThat(rules("CREATE TABLE line (id int, order_id int REFERENCES orders (id));")).containsExactly("require-lock-timeout");
        assertThat(rules("CREATE TABLE a (id int PRIMARY KEY);\nCREATE TABLE b (a_id int REFERENCES a (id));")).isEmpty();
    }

    @Test
    void theOldRuleIdStillAcknowledgesTheLockTimeoutFinding() {
        LintReport inline = lint("-- mtd:allow require-timeout-settings: the table has 40 rows\nALTER TABLE tiny ADD COLUMN x int;");
        assertThat(inline.problems()).isEmpty();
        assertThat(inline.findings()).singleElement().satisfies(f -> {
            assertThat(f.rule()).isEqualTo("require-lock-timeout");
            assertThat(f.acknowledged()).isNotNull();
        });
        LintReport plan = new Linter(List.of(new io.mtd.plan.Lint.Allow("require-timeout-settings", null, "40 rows")))
                .lint(List.of(new SqlSource("V1__x.sql", "ALTER TABLE tiny ADD COLUMN x int;", Phase.PRE_ROLLOUT, true)), List.of());
        assertThat(plan.findings()).singleElement().satisfies(f -> assertThat(f.acknowledged()).isNotNull());
    }
}
