package io.mtd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class MtdTest {

    @TempDir
    Path dir;

    @RegisterExtension
    final ConsoleCapture console = new ConsoleCapture();

    private Path plan(String yaml) throws Exception {
        Path p = dir.resolve("plan.yaml");
        Files.writeString(p, yaml);
        return p;
    }

    private static final String PLAN = """
            app: shop
            image: shop:1
            migration: {command: [sh, -c, 'echo migrating; SCRIPT']}
            environments:
              - {name: staging, namespace: staging}
              - {name: production, namespace: production, approval: true}
            """;

    @Test
    void planPrintsTheJobManifestsWithoutACluster() throws Exception {
        int code = Mtd.execute("plan", plan(PLAN.replace("SCRIPT", "true")).toString());
        assertThat(code).isZero();
        assertThat(console.out()).contains("kind: \"Job\"").contains("shop-staging-migrate-").contains("shop-production-migrate-")
                .contains("activeDeadlineSeconds").contains("(after approval)");
    }

    @Test
    void twoRendersOfOnePlanInTwoProcessesAreTheSame() throws Exception {
        Path plan = plan(PLAN.replace("SCRIPT", "true"));
        List<String> renders = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Process p = new ProcessBuilder(Processes.mtd("plan", plan.toString())).redirectErrorStream(true).start();
            renders.add(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            assertThat(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0).as(renders.get(i)).isTrue();
        }
        assertThat(renders.get(0)).contains("kind: \"Job\"").contains("(set by the run that creates the Job)")
                .isEqualTo(renders.get(1));
    }

    @Test
    void anInvalidPlanExitsWithTwoListingEveryError() throws Exception {
        Path p = plan("app: Shop\nmigration: {command: []}\nenvironments: []\n");
        assertThat(Mtd.execute("lint", p.toString())).isEqualTo(ExitCode.INVALID);
        assertThat(Mtd.execute("run", p.toString(), "--sandbox")).isEqualTo(ExitCode.INVALID);
        assertThat(console.err()).contains("app (line 1, column 6):").contains("image:").contains("migration.command (line 2").contains("environments (line 3");
    }

    @Test
    void unknownOptionsAreUsageErrors() {
        assertThat(Mtd.execute("run", "--no-such-option")).isEqualTo(ExitCode.INVALID);
    }

    @Test
    void aFailedMigrationExitsWithThreeAndPrintsItsLog() throws Exception {
        int code = Mtd.execute("run", plan(PLAN.replace("SCRIPT", "echo boom >&2; exit 4")).toString(), "--sandbox",
                "--report", dir.resolve("report.json").toString());
        assertThat(code).isEqualTo(ExitCode.MIGRATION_FAILED);
        assertThat(console.out()).contains("staging | boom").contains("production   not reached");
        assertThat(Files.readString(dir.resolve("report.json"))).contains("\"MIGRATION_FAILED\"").contains("\"NOT_REACHED\"");
    }

    @Test
    void approvedUpFrontItRunsBothEnvironments() throws Exception {
        int code = Mtd.execute("run", plan(PLAN.replace("SCRIPT", "true")).toString(), "--sandbox", "--approve", "production");
        assertThat(code).isZero();
        assertThat(console.out()).contains("staging | migrating").contains("production | migrating")
                .contains("==> production approval: approved up front by " + System.getProperty("user.name")
                        + " (--approve production): promoting shop:1 to production").doesNotContain("waiting up to");
    }

    @Test
    void aRolloutHookRunsOncePerEnvironmentWithItsTargetAndItsFailureStopsThePromotion() throws Exception {
        Path calls = dir.resolve("calls.txt");
        String hook = "echo \"$MTD_ENVIRONMENT $MTD_NAMESPACE $MTD_IMAGE $(test -f \"$KUBECONFIG\" && echo kubeconfig)\" >> " + calls;
        int code = Mtd.execute("run", plan(PLAN.replace("SCRIPT", "true")).toString(), "--sandbox", "--approve", "production",
                "--rollout-hook", hook);
        assertThat(code).isZero();
        assertThat(Files.readAllLines(calls)).containsExactly("staging staging shop:1 kubeconfig", "production production shop:1 kubeconfig");

        int failed = Mtd.execute("run", plan(PLAN.replace("SCRIPT", "true").replace("shop:1", "shop:2")).toString(), "--sandbox",
                "--approve", "production", "--rollout-hook", "echo deploying $MTD_ENVIRONMENT; exit 3");
        assertThat(failed).isEqualTo(ExitCode.ROLLOUT_FAILED);
        assertThat(console.out()).contains("deploying staging").doesNotContain("deploying production").contains("exit");
    }

    @Test
    void lintChecksAFlywayPlansScriptsOffline() throws Exception {
        Files.createDirectories(dir.resolve("db/migration"));
        Files.writeString(dir.resolve("db/migration/V1__create.sql"), "create table a (id int);");
        Files.writeString(dir.resolve("db/migration/V1__again.sql"), "create table b (id int);");
        Path p = plan("app: shop\nimage: shop:1\nmigration: {flyway: {locations: [db/migration], secret: shop-db}}\n"
                + "environments: [{name: staging}]\n");
        assertThat(Mtd.execute("lint", p.toString())).isEqualTo(ExitCode.INVALID);
        assertThat(console.err()).contains("Flyway scripts have problems").contains("V1");
    }
}
