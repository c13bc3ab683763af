package io.mtd.flyway;

import static org.assertj.core.api.Assertions.assertThat;

import io.mtd.report.FlywayReport;
import io.mtd.report.FlywayReport.AppliedMigration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Reading Flyway's JSON result out of a Pod log, in the shapes flyway-core 13 writes it. */
class FlywayOutputTest {

    private static final String SUCCESS = """
            {
              "timestamp" : "2026-11-22T02:44:31.593064089Z",
              "operation" : "migrate",
              "exception" : null,
              "licenseFailed" : false,
              "initialSchemaVersion" : "1",
              "targetSchemaVersion" : "2.1",
              "schemaName" : "public",
              "migrations" : [ {
                "category" : "Versioned",
                "version" : "2",
                "description" : "add email",
                "type" : "SQL",
                "filepath" : "/flyway/sql/part-1/location-0/customers/V2__add_email.sql",
                "executionTime" : 4
              }, {
                "category" : "Versioned",
                "version" : "2.1",
                "description" : "index {email}",
                "type" : "SQL",
                "filepath" : "/flyway/sql/part-1/location-0/V2.1__index_{email}.sql",
                "executionTime" : 7
              } ],
              "migrationsExecuted" : 2,
              "success" : true,
              "flywayVersion" : "13.12.0",
              "database" : "shop",
              "warnings" : [ ],
              "databaseType" : "PostgreSQL",
              "totalMigrationTime" : 11
            }
            """;

    @Test
    void findsTheResultAmongOtherLines() {
        String log = "Flyway OSS Edition 13.12.0 by Redgate\n"
                + "{not json} said a log line\n"
                + "WARNING: {\"error\": 1} mid-line is not a result\n"
                + SUCCESS
                + "pod terminated {exitCode: 0}\n";

        FlywayReport report = FlywayOutput.parse(log).orElseThrow();

        assertThat(report.schemaVersionBefore()).isEqualTo("1");
        assertThat(report.schemaVersionAfter()).isEqualTo("2.1");
        assertThat(report.applied()).containsExactly(
                new AppliedMigration("2", "add email", "customers/V2__add_email.sql", 4L),
                new AppliedMigration("2.1", "index {email}", "V2.1__index_{email}.sql", 7L));
        assertThat(report.failed()).isNull();
        assertThat(report.error()).isNull();
    }

    @Test
    void readsLogLinesAsTheWaiterCollectsThem() {
        List<String> lines = new java.util.ArrayList<>(List.of("starting"));
        lines.addAll(SUCCESS.lines().toList());

        assertThat(FlywayOutput.parse(lines)).get().extracting(FlywayReport::schemaVersionAfter).isEqualTo("2.1");
    }

    @Test
    void aLogWithoutAResultHasNoReport() {
        assertThat(FlywayOutput.parse("Killed\n{ truncated")).isEmpty();
        assertThat(FlywayOutput.parse("")).isEmpty();
        assertThat(FlywayOutput.parse((String) null)).isEmpty();
        assertThat(FlywayOutput.parse("{\"kind\": \"Status\"}\n")).isEmpty();
    }

    @Test
    void anErrorThatIsNotAMigrationFailureKeepsFlywaysMessage() {
        String log = """
                {
                  "error" : {
                    "errorCode" : "DB_CONNECTION",
                    "message" : "Unable to obtain connection from database (jdbc:postgresql://db:5432/shop) for user 'shop': Connection refused",
                    "cause" : null
                  }
                }
                """;

        FlywayReport report = FlywayOutput.parse(log).orElseThrow();

        assertThat(report.failed()).isNull();
        assertThat(report.applied()).isEmpty();
        assertThat(report.error()).startsWith("Unable to obtain connection");
    }

    @Test
    void takesTheMigrateStepOfSeveralCommands() {
        String log = "{\"individualResults\": [" + SUCCESS + ", {\"operation\": \"info\", \"schemaVersion\": \"2.1\"}]}\n";

        FlywayReport report = FlywayOutput.parse(log).orElseThrow();

        assertThat(report.applied()).hasSize(2);
    }

    @Test
    void scriptIsThePathWithinTheLocation() {
        assertThat(FlywayOutput.script("/flyway/sql/part-0/location-3/a/b/V1__x.sql")).isEqualTo("a/b/V1__x.sql");
        assertThat(FlywayOutput.script("/tmp/kubelet/pod-1/volumes/flyway-sql-0/location-0/V1__x.sql")).isEqualTo("V1__x.sql");
        assertThat(FlywayOutput.script("C:\\flyway\\sql\\V1__first.sql")).isEqualTo("V1__first.sql");
    }
}
