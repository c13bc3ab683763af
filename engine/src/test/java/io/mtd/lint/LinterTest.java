package io.mtd.lint;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtd.plan.Lint;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class LinterTest {

    private static final String TIMEOUT = "SET lock_timeout = '5s';\n";

    static LintReport lint(String sql) {
        return lint(sql, Phase.PRE_ROLLOUT, true);
    }

    static LintReport lint(String sql, Phase phase, boolean transactional) {
        return new Linter(List.of()).lint(List.of(new SqlSource("db/migration/V7__change.sql", sql, phase, transactional)), List.of());
    }

    static List<String> rules(LintReport r) {
        return r.findings().stream().map(Finding::rule).toList();
    }

    /** Per rule: a realistic migration that breaks it, and the safe way to do the same thing. */
    static Stream<Arguments> rules() {
        return Stream.of(
                Arguments.of("ban-drop-column", TIMEOUT + "ALTER TABLE customer DROP COLUMN fax;",
                        TIMEOUT + "ALTER TABLE customer ADD COLUMN phone text;"),
                Arguments.of("ban-drop-table", "DROP TABLE legacy_invoice;",
                        "CREATE TABLE invoice_draft (id bigint PRIMARY KEY);\nDROP TABLE invoice_draft;"),
                Arguments.of("renaming-column", TIMEOUT + "ALTER TABLE customer RENAME COLUMN email TO email_address;",
                        TIMEOUT + "ALTER TABLE customer ADD COLUMN email_address text;"),
                Arguments.of("renaming-table", TIMEOUT + "ALTER TABLE customer RENAME TO client;",
                        "CREATE TABLE client (id bigint PRIMARY KEY, name text);"),
                Arguments.of("changing-column-type", TIMEOUT + "ALTER TABLE orders ALTER COLUMN total TYPE numeric(12,2);",
                        TIMEOUT + "ALTER TABLE orders ADD COLUMN total_exact numeric(12,2);"),
                Arguments.of("changing-column-type", TIMEOUT + "ALTER TABLE orders ALTER COLUMN total SET DATA TYPE bigint;",
                        TIMEOUT + "ALTER TABLE orders ALTER COLUMN total DROP NOT NULL;"),
                Arguments.of("adding-required-field", TIMEOUT + "ALTER TABLE customer ADD COLUMN country text NOT NULL;",
                        TIMEOUT + "ALTER TABLE customer ADD COLUMN country text NOT NULL DEFAULT 'NL';"),
                Arguments.of("adding-not-nullable-field", TIMEOUT + "ALTER TABLE customer ALTER COLUMN email SET NOT NULL;",
                        TIMEOUT + "ALTER TABLE customer ADD CONSTRAINT email_not_null CHECK (email IS NOT NULL) NOT VALID;\n"
                                + "ALTER TABLE customer VALIDATE CONSTRAINT email_not_null;"),
                Arguments.of("adding-field-with-default", TIMEOUT + "ALTER TABLE customer ADD COLUMN token uuid DEFAULT gen_random_uuid();",
                        TIMEOUT + "ALTER TABLE customer ADD COLUMN created timestamptz DEFAULT now();"),
                Arguments.of("require-concurrent-index-creation", "CREATE INDEX customer_email_idx ON customer (email);",
                        "CREATE INDEX CONCURRENTLY customer_email_idx ON customer (email);"),
                Arguments.of("require-concurrent-index-creation", "CREATE INDEX customer_email_idx ON customer (email);",
                        "CREATE TABLE newsletter (id bigint, email text);\nCREATE INDEX newsletter_email_idx ON newsletter (email);"),
                Arguments.of("require-concurrent-index-deletion", "DROP INDEX customer_email_idx;",
                        "DROP INDEX CONCURRENTLY IF EXISTS customer_email_idx;"),
                Arguments.of("ban-concurrent-index-creation-in-transaction",
                        TIMEOUT + "ALTER TABLE customer ADD COLUMN phone text;\nCREATE INDEX CONCURRENTLY customer_phone_idx ON customer (phone);",
                        "CREATE INDEX CONCURRENTLY customer_phone_idx ON customer (phone);"),
                Arguments.of("adding-foreign-key-constraint",
                        TIMEOUT + "ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customer (id);",
                        TIMEOUT + "ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customer (id) NOT VALID;"),
                Arguments.of("constraint-missing-not-valid", TIMEOUT + "ALTER TABLE orders ADD CONSTRAINT positive_total CHECK (total > 0);",
                        TIMEOUT + "ALTER TABLE orders ADD CONSTRAINT positive_total CHECK (total > 0) NOT VALID;"),
                Arguments.of("disallowed-unique-constraint", TIMEOUT + "ALTER TABLE customer ADD CONSTRAINT customer_email_key UNIQUE (email);",
                        TIMEOUT + "ALTER TABLE customer ADD CONSTRAINT customer_email_key UNIQUE USING INDEX customer_email_idx;"),
                Arguments.of("adding-serial-primary-key-field", TIMEOUT + "ALTER TABLE audit_log ADD COLUMN id bigserial PRIMARY KEY;",
                        TIMEOUT + "ALTER TABLE audit_log ADD CONSTRAINT audit_log_pkey PRIMARY KEY USING INDEX audit_log_id_idx;"),
                Arguments.of("adding-serial-primary-key-field", TIMEOUT + "ALTER TABLE audit_log ADD PRIMARY KEY (id);",
                        "CREATE TABLE audit (id bigint);\nALTER TABLE audit ADD PRIMARY KEY (id);"),
                Arguments.of("require-lock-timeout", "ALTER TABLE customer ADD COLUMN phone text;",
                        "SET LOCAL lock_timeout TO '3s';\nALTER TABLE customer ADD COLUMN phone text;"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rules")
    void eachRuleFlagsTheUnsafeMigrationAndPassesTheSafeOne(String rule, String unsafe, String safe) {
        LintReport bad = lint(unsafe);
        assertThat(rules(bad)).contains(rule);
        Finding f = bad.findings().stream().filter(x -> x.rule().equals(rule)).findFirst().orElseThrow();
        assertThat(f.line()).isPositive();
        assertThat(f.why()).isNotBlank();
        assertThat(f.recipe()).isNotBlank();
        assertThat(f.source()).isEqualTo("db/migration/V7__change.sql");

        LintReport good = lint(safe);
        assertThat(rules(good)).doesNotContain(rule);
        assertThat(good.findings()).noneMatch(x -> x.rule().equals("not-checked"));
    }

    @Test
    void findingsCarryTheLineOfTheirStatement() {
        LintReport r = lint("SET lock_timeout = '5s';\n\n-- drop what v1.3 stopped reading\nALTER TABLE customer\n  DROP COLUMN fax;\n");
        assertThat(r.findings()).singleElement().satisfies(f -> {
            assertThat(f.rule()).isEqualTo("ban-drop-column");
            assertThat(f.line()).isEqualTo(4);
            assertThat(f.severity()).isEqualTo(Severity.ERROR);
            assertThat(f.message()).contains("customer.fax").contains("post-rollout");
        });
        assertThat(r.passed()).isFalse();
        assertThat(r.rollback()).isEqualTo(LintReport.Rollback.UNSAFE);
    }

    @Test
    void anAcknowledgementOnTheStatementLetsItPassAndIsKept() {
        LintReport r = lint(TIMEOUT + "-- mtd:allow ban-drop-column: the v1.3 release stopped reading it\nALTER TABLE customer DROP COLUMN fax;\n"
                + "ALTER TABLE customer DROP COLUMN telex; -- mtd:allow ban-drop-column: never read since v0.9\n");
        assertThat(r.passed()).isTrue();
        assertThat(r.acknowledgements()).extracting(Allowance::reason)
                .containsExactly("the v1.3 release stopped reading it", "never read since v0.9");
        assertThat(r.acknowledgements().get(0).where()).isEqualTo("db/migration/V7__change.sql:2");
        assertThat(r.findings()).allSatisfy(f -> assertThat(f.acknowledged()).isNotNull());
        // acknowledged or not, the previous version cannot run against it
        assertThat(r.rollback()).isEqualTo(LintReport.Rollback.UNSAFE);
    }

    @Test
    void anAcknowledgementOfAnotherRuleOrWithoutReasonLetsNothingPass() {
        LintReport r = lint(TIMEOUT + "-- mtd:allow renaming-column: not this one\n-- mtd:allow ban-drop-column\n"
                + "-- mtd:allow ban-drop-colum: a typo\nALTER TABLE customer DROP COLUMN fax;\n");
        assertThat(r.passed()).isFalse();
        assertThat(r.problems()).hasSize(2);
        assertThat(r.problems().get(0)).contains("V7__change.sql:3").contains("reason is required");
        assertThat(r.problems().get(1)).contains("V7__change.sql:4").contains("names no rule 'ban-drop-colum'");
    }

    @Test
    void aPlanEntryAcknowledgesARuleForOneScript() {
        Linter linter = new Linter(List.of(new Lint.Allow("require-concurrent-index-creation", "V7__change.sql", "the table has 40 rows")));
        LintReport r = linter.lint(List.of(
                new SqlSource("db/migration/V7__change.sql", "CREATE INDEX a_idx ON tiny (a);", Phase.PRE_ROLLOUT, true),
                new SqlSource("db/migration/V8__more.sql", "CREATE INDEX b_idx ON orders (b);", Phase.PRE_ROLLOUT, true)), List.of());
        assertThat(r.findings()).filteredOn(f -> f.rule().equals("require-concurrent-index-creation")).extracting(Finding::source, f -> f.acknowledged() != null)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("db/migration/V7__change.sql", true),
                        org.assertj.core.groups.Tuple.tuple("db/migration/V8__more.sql", false));
        assertThat(r.acknowledgements()).singleElement().satisfies(a -> {
            assertThat(a.where()).isEqualTo("plan (V7__change.sql)");
            assertThat(a.reason()).isEqualTo("the table has 40 rows");
        });
    }

    @Test
    void aStatementTheLintCannotReadIsNotCheckedWithItsLine() {
        LintReport r = lint(TIMEOUT + "ALTER TABLE customer ADD COLUMN phone text;\nALTER TABLE orders ADD COLUMN x int, FROBNICATE orders;\n"
                + "\\connect other\n");
        assertThat(r.findings()).extracting(Finding::rule, Finding::line, Finding::severity).containsExactly(
                org.assertj.core.groups.Tuple.tuple("not-checked", 3, Severity.WARNING),
                org.assertj.core.groups.Tuple.tuple("not-checked", 4, Severity.WARNING));
        assertThat(r.findings().get(0).message()).contains("FROBNICATE orders");
        assertThat(r.rollback()).isEqualTo(LintReport.Rollback.UNKNOWN);
    }

    @Test
    void djangoForeignKeysAreReadDespiteTheirDeferrability() {
        // what Django's sqlmigrate prints for a ForeignKey: the constraint is DEFERRABLE INITIALLY DEFERRED
        String django = "ALTER TABLE \"orders_order\" ADD CONSTRAINT \"orders_order_status_id_1a2b_fk_orders_orderstatus_id\""
                + " FOREIGN KEY (\"status_id\") REFERENCES \"orders_orderstatus\" (\"id\") DEFERRABLE INITIALLY DEFERRED;";
        assertThat(rules(lint(TIMEOUT + django))).containsExactly("adding-foreign-key-constraint");
        assertThat(lint(TIMEOUT + django).notChecked()).isEmpty();
        assertThat(rules(lint(TIMEOUT + django.replace(" DEFERRABLE INITIALLY DEFERRED;", " NOT DEFERRABLE INITIALLY IMMEDIATE NOT VALID;"))))
                .isEmpty();
        // on a table the same release creates, the foreign key checks no rows; it still locks the table it references
        assertThat(rules(lint("CREATE TABLE \"orders_order\" (\"id\" bigint PRIMARY KEY, \"status_id\" bigint);\n" + django)))
                .containsExactly("require-lock-timeout");
    }

    @Test
    void contractChangesAreAllowedAfterTheRollout() {
        LintReport r = lint(TIMEOUT + "ALTER TABLE customer DROP COLUMN fax;\nDROP TABLE legacy_invoice;", Phase.POST_ROLLOUT, true);
        assertThat(r.passed()).isTrue();
        assertThat(r.findings()).extracting(Finding::severity).containsOnly(Severity.INFO);
        assertThat(r.findings()).allSatisfy(f -> assertThat(f.message()).contains("allowed after the rollout"));
        assertThat(r.rollback()).isEqualTo(LintReport.Rollback.SAFE);
    }

    @Test
    void lockingRulesStillApplyAfterTheRollout() {
        LintReport r = lint(TIMEOUT + "ALTER TABLE customer RENAME COLUMN email TO mail;\nCREATE INDEX i ON customer (mail);", Phase.POST_ROLLOUT, true);
        assertThat(rules(r)).containsExactly("renaming-column", "require-concurrent-index-creation");
        assertThat(r.passed()).isFalse();
    }

    @Test
    void concurrentlyAfterBeginIsFlaggedInCommandOutput() {
        String django = "BEGIN;\n--\n-- Add index on email\n--\nCREATE INDEX CONCURRENTLY \"shop_customer_email_idx\" ON \"shop_customer\" (\"email\");\nCOMMIT;\n";
        assertThat(rules(lint(django, Phase.PRE_ROLLOUT, false))).containsExactly("ban-concurrent-index-creation-in-transaction");
        String nonAtomic = "--\n-- Add index on email\n--\nCREATE INDEX CONCURRENTLY \"shop_customer_email_idx\" ON \"shop_customer\" (\"email\");\n";
        assertThat(rules(lint(nonAtomic, Phase.PRE_ROLLOUT, false))).isEmpty();
    }

    @Test
    void expandOnlyMigrationsLeaveRollbackSafe() {
        LintReport r = lint(TIMEOUT + "CREATE TABLE address (id bigserial PRIMARY KEY, customer_id bigint NOT NULL, street text NOT NULL);\n"
                + "ALTER TABLE customer ADD COLUMN phone text;\nCREATE INDEX CONCURRENTLY customer_phone_idx ON customer (phone);\n",
                Phase.PRE_ROLLOUT, false);
        assertThat(r.findings()).isEmpty();
        assertThat(r.rollback()).isEqualTo(LintReport.Rollback.SAFE);
        assertThat(r.statements()).isEqualTo(4);
    }

    @Test
    void semicolonsInStringsAndFunctionBodiesDoNotSplitStatements() {
        List<SqlStatement> s = SqlLexer.split("INSERT INTO note (body) VALUES ('a; b');\n"
                + "CREATE FUNCTION touch() RETURNS trigger AS $$ BEGIN NEW.updated := now(); RETURN NEW; END $$ LANGUAGE plpgsql;\n"
                + "/* block ; /* nested ; */ */ SELECT 1;", "x.sql");
        assertThat(s).extracting(SqlStatement::line).containsExactly(1, 2, 3);
        assertThat(s.get(1).tokens().get(0).text()).isEqualTo("CREATE");
    }
}
