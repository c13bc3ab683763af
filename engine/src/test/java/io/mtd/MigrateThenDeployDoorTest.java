package io.mtd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.mtd.command.PlanPreview;
import io.mtd.command.RbacManifest;
import io.mtd.lint.LintFailedException;
import io.mtd.lint.LintOutput;
import io.mtd.lint.LintReport;
import io.mtd.plan.Environment;
import io.mtd.plan.Flyway;
import io.mtd.plan.InvalidPlanException;
import io.mtd.plan.Lint;
import io.mtd.plan.Migration;
import io.mtd.plan.Plan;
import io.mtd.plan.PlanError;
import io.mtd.plan.PlanLoader;
import io.mtd.progress.SecretMasker;
import io.mtd.report.ReportJson;
import io.mtd.report.ReportSummary;
import io.mtd.report.RunOutcome;
import io.mtd.report.RunReport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine's one door: a plan is checked once, in one place, and every verb returns a typed result; everything that
 * leaves through it is masked with every secret value the engine knows. Each artefact is checked with a canary value.
 */
class MigrateThenDeployDoorTest {

    /** A credential the engine is given (as the Jenkins plugin gives a Secret-text credential's value). */
    private static final String CANARY = "canary-token-7f3a9c";
    /** A value of a Secret the migration references, learnt only while the run reads it. */
    private static final String SECRET_CANARY = "secret-canary-51d2e8";

    /** A secret value that is also a column name (SQL has no hyphens in names). */
    private static final String COLUMN_CANARY = "canary_column_7f3a9c";

    private static SandboxFixture cluster;

    @TempDir
    Path workspace;

    @BeforeAll
    static void start() {
        cluster = new SandboxFixture();
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    private static String base64(String value) {
        return Base64.getEncoder().withoutPadding().encodeToString(value.getBytes(StandardCharsets.UTF_8));
    }

    private static void assertNoCanary(String artefact, String text) {
        assertThat(text).as(artefact).doesNotContain(CANARY).doesNotContain(base64(CANARY)).doesNotContain(COLUMN_CANARY)
                .doesNotContain(SECRET_CANARY).doesNotContain(base64(SECRET_CANARY));
    }

    @Test
    void everyErrorOfAPlanIsReportedAtOnceAtItsLineByTheOneCheck() {
        InvalidPlanException e = catchThrowableOfType(InvalidPlanException.class, () -> MigrateThenDeploy.check(PlanLoader.read("""
                app: Shop_App
                image: shop:1
                migration: {command: [migrate], timeout: ten minutes}
                environments: [{name: staging}]
                """), workspace));
        assertThat(e.errors()).extracting(PlanError::path).containsExactlyInAnyOrder("app", "migration.timeout");
        assertThat(e.errors()).filteredOn(x -> x.path().equals("migration.timeout")).singleElement()
                .satisfies(x -> assertThat(x.line()).isEqualTo(3));
    }

    @Test
    void theLintSettingsAndTheFlywayScriptsAreCheckedInTheSameOneCheck() throws IOException {
        Files.createDirectories(workspace.resolve("db/migration"));
        Files.writeString(workspace.resolve("db/migration/V1__create.sql"), "create table a (id int);");
        Files.writeString(workspace.resolve("db/migration/V1__again.sql"), "create table b (id int);");
        Plan plan = new Plan("shop", "shop:1", null, Migration.builder()
                .flyway(new Flyway(List.of("db/migration"), null, null, null, "shop-db", null, null, null, null, null, null))
                .lint(new Lint(null, List.of(new Lint.Allow("no-such-rule", null, null)))).build(), null,
                List.of(Environment.of("staging", "staging", List.of())));

        // the scripts need a valid plan to be read: first the acknowledgements, then (once they are right) the scripts
        InvalidPlanException lint = catchThrowableOfType(InvalidPlanException.class,
                () -> MigrateThenDeploy.check(io.mtd.plan.PlanText.of(plan), workspace));
        assertThat(lint.errors()).extracting(PlanError::path)
                .containsExactlyInAnyOrder("migration.lint.allow[0].rule", "migration.lint.allow[0].reason");

        Plan acknowledged = new Plan("shop", "shop:1", null, plan.migration().toBuilder().lint(null).build(), null, plan.environments());
        InvalidPlanException scripts = catchThrowableOfType(InvalidPlanException.class,
                () -> MigrateThenDeploy.check(io.mtd.plan.PlanText.of(acknowledged), workspace));
        assertThat(scripts.errors()).extracting(PlanError::path).containsOnly("migration.flyway.locations");
        assertThat(scripts.getMessage()).contains("Flyway scripts have problems").contains("V1");

        // checked without a workspace (a Jenkins step, before its scripts are copied): the run checks them in its own
        CheckedPlan withoutScripts = MigrateThenDeploy.check(acknowledged);
        try (MigrateThenDeploy engine = MigrateThenDeploy.builder().workspace(workspace)
                .clusters(env -> { throw new IllegalStateException("no cluster in this test"); }).build()) {
            assertThatThrownBy(() -> engine.start(withoutScripts)).isInstanceOf(InvalidPlanException.class)
                    .hasMessageContaining("Flyway scripts have problems");
        }
    }

    @Test
    void aCheckedPlanKeptAsJsonIsCheckedAgainWhenRestored() {
        CheckedPlan checked = MigrateThenDeploy.check(SandboxFixture.plan("shop:1", "true", "staging"));
        assertThat(MigrateThenDeploy.restore(checked.toJson()).plan()).isEqualTo(checked.plan());
        assertThatThrownBy(() -> MigrateThenDeploy.restore(checked.toJson().replace("\"shop\"", "\"Shop_App\"")))
                .isInstanceOf(InvalidPlanException.class).hasMessageContaining("app");
        assertThatThrownBy(() -> MigrateThenDeploy.restore("{not json")).isInstanceOf(InvalidPlanException.class)
                .hasMessageContaining("the saved plan cannot be read");
    }

    @Test
    void aPlanKeptWherePeopleReadItCarriesNoCredentialAndReadsBack() {
        CheckedPlan checked = MigrateThenDeploy.check(SandboxFixture.plan("shop:1", Migration.builder()
                .command("sh", "-c", "echo migrating # token=" + CANARY).env(Map.of("TOKEN", CANARY)).timeout("2m").build(),
                "door-keep"));
        try (MigrateThenDeploy engine = MigrateThenDeploy.builder().secrets(List.of(CANARY))
                .clusters(env -> { throw new IllegalStateException("no cluster in this test"); }).build()) {
            String kept = engine.keepable(checked);

            assertNoCanary("the kept plan", kept);
            CheckedPlan back = MigrateThenDeploy.restore(kept);
            assertThat(back.plan().migration().command()).last().asString().endsWith("token=" + SecretMasker.MASK);
            assertThat(back.plan().migration().env()).containsEntry("TOKEN", SecretMasker.MASK);
            assertThat(back.plan().environments()).isEqualTo(checked.plan().environments());
        }
        try (MigrateThenDeploy engine = MigrateThenDeploy.builder()
                .clusters(env -> { throw new IllegalStateException("no cluster in this test"); }).build()) {
            assertThat(engine.keepable(checked)).as("nothing to mask: kept as it is").isEqualTo(checked.toJson());
        }
    }

    @Test
    void theRunsReportSummaryJsonSarifAndReturnedMapCarryNoSecretValue() {
        String ns = "door-report";
        cluster.secret(ns, "shop-db", Map.of("password", SECRET_CANARY));
        // the lint's "not checked" note quotes the command verbatim: the credential, a Secret's value and a base64 form
        Plan plan = SandboxFixture.plan("shop:1", Migration.builder()
                .command("sh", "-c", "echo migrating # token=" + CANARY + " password=" + SECRET_CANARY + " b64=" + base64(CANARY))
                .envFromSecret(List.of("shop-db")).timeout("2m").build(), ns);
        RecordingListener events = new RecordingListener();
        RunReport report;
        try (MigrateThenDeploy engine = cluster.builder(events, "door-report").secrets(List.of(CANARY)).build()) {
            report = engine.start(MigrateThenDeploy.check(plan)).report().orTimeout(90, TimeUnit.SECONDS).join();
        }
        assertThat(report.outcome()).as(String.valueOf(report.failure())).isEqualTo(RunOutcome.SUCCEEDED);
        assertThat(report.lint().notChecked()).as("the note is kept, masked").singleElement()
                .satisfies(n -> assertThat(n).contains("token=" + SecretMasker.MASK).contains("password=" + SecretMasker.MASK));
        assertNoCanary("report JSON (CLI --report, build.xml)", ReportJson.write(report));
        assertNoCanary("summary", ReportSummary.render(report));
        assertNoCanary("SARIF", LintOutput.sarif(report.lint()));
        assertNoCanary("returned map", ReportJson.toMap(report).toString());
        // the live log masks what the engine knows when it prints: the credential from the start; a Secret's values once
        // the run has read it (the gate's notes come before that), which is why the stored artefacts are masked at the end
        assertThat(events.text()).doesNotContain(CANARY).doesNotContain(base64(CANARY));
    }

    @Test
    void theReleaseGatesStopAndAPlansErrorsCarryNoSecretValue() throws IOException {
        Files.createDirectories(workspace.resolve("db/migration"));
        // a column the running version still reads, dropped: an error nobody acknowledged, naming the column
        Files.writeString(workspace.resolve("db/migration/V2__drop.sql"), "alter table shop drop column " + COLUMN_CANARY + ";");
        Plan plan = new Plan("shop", "shop:1", null, Migration.builder()
                .flyway(new Flyway(List.of("db/migration"), null, null, null, "shop-db", null, null, null, null, null, null))
                .build(), null, List.of(Environment.of("staging", "staging", List.of())));
        try (MigrateThenDeploy engine = MigrateThenDeploy.builder().workspace(workspace).secrets(List.of(CANARY, COLUMN_CANARY))
                .clusters(env -> { throw new IllegalStateException("no cluster in this test"); }).build()) {
            LintFailedException stopped = catchThrowableOfType(LintFailedException.class, () -> engine.start(plan));
            assertNoCanary("the gate's exception", stopped.getMessage());
            assertNoCanary("its report", LintOutput.json(stopped.report()) + LintOutput.sarif(stopped.report()));
            assertThat(stopped.report().blocking()).as("the finding is kept, masked").isNotEmpty();

            LintReport lint = engine.lint(MigrateThenDeploy.read(writePlan(plan), workspace), null);
            assertNoCanary("mtd lint's JSON and SARIF", LintOutput.json(lint) + LintOutput.sarif(lint) + LintOutput.summary(lint));

            InvalidPlanException unknown = catchThrowableOfType(InvalidPlanException.class,
                    () -> engine.startMigration(MigrateThenDeploy.check(plan), CANARY));
            assertNoCanary("a plan error quoting a value", unknown.getMessage() + unknown.errors());
        }
    }

    @Test
    void thePlanPreviewAndTheRbacManifestCarryNoSecretValue() throws IOException {
        Plan plan = SandboxFixture.plan("shop:1", Migration.builder().command("migrate", "--token=" + CANARY)
                .env(Map.of("API_TOKEN", CANARY)).build(), "staging");
        try (MigrateThenDeploy engine = MigrateThenDeploy.builder().workspace(workspace).secrets(List.of(CANARY)).build()) {
            CheckedPlan checked = MigrateThenDeploy.read(writePlan(plan), workspace);
            PlanPreview preview = engine.plan(checked, true);
            assertThat(preview.environments()).singleElement().satisfies(e -> assertThat(e.jobYaml()).contains(SecretMasker.MASK));
            assertNoCanary("mtd plan", preview.planYaml() + preview.environments());
            RbacManifest rbac = engine.rbac(checked, "deployer", null, true);
            assertThat(rbac.environments()).singleElement().satisfies(g -> assertThat(g.yaml()).contains("Role").contains("deployer"));
        }
    }

    @Test
    void anExceptionQuotingASecretLeavesMaskedAndWithoutItsCause() {
        SecretMasker masker = new SecretMasker();
        masker.add(CANARY);
        RuntimeException e = MigrateThenDeploy.masked(masker, new RuntimeException("wrapped",
                new IllegalArgumentException("bad token " + CANARY)));
        assertThat(e).isInstanceOf(IllegalStateException.class).hasNoCause();
        RuntimeException quoted = MigrateThenDeploy.masked(masker, new IllegalArgumentException("bad token " + base64(CANARY)));
        assertNoCanary("exception", quoted.getMessage());
        RuntimeException clean = new IllegalArgumentException("nothing secret");
        assertThat(MigrateThenDeploy.masked(masker, clean)).isSameAs(clean);
    }

    private Path writePlan(Plan plan) throws IOException {
        Path file = workspace.resolve("mtd.yaml");
        Files.writeString(file, PlanLoader.yaml().writeValueAsString(plan));
        return file;
    }
}
