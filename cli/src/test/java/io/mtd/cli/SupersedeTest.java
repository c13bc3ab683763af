package io.mtd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.mtd.CheckedPlan;
import io.mtd.MigrateThenDeploy;
import io.mtd.plan.Environment;
import io.mtd.plan.Migration;
import io.mtd.plan.Plan;
import io.mtd.promotion.RunIdentity;
import io.mtd.report.RunOutcome;
import io.mtd.report.RunReport;
import io.mtd.sandbox.Sandbox;
import java.io.IOException;
import java.io.PipedReader;
import java.io.PipedWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The A/B scenario on the CLI: run A (shop:1) waits on its terminal for production's approval while run B (shop:2)
 * promotes production; whichever answer comes when, production never goes back to shop:1, and the terminal shows what
 * production runs now and what it runs after the answer.
 */
class SupersedeTest {

    @RegisterExtension
    final ConsoleCapture console = new ConsoleCapture();

    private static Sandbox sandbox;

    @BeforeAll
    static void start() {
        sandbox = Sandbox.start();
    }

    @AfterAll
    static void stop() {
        sandbox.close();
    }

    /** A terminal a test types on, showing what mtd asked. */
    private static final class TypedTerminal {
        final PipedWriter keys = new PipedWriter();
        final StringWriter screen = new StringWriter();
        final Terminal terminal;

        TypedTerminal() throws IOException {
            terminal = new Terminal(new PipedReader(keys), new PrintWriter(screen, true));
        }

        /** Waits for the {@code n}th question (from 1), then answers it. */
        String answer(int n, String line) throws IOException {
            await(() -> questions() >= n);
            String shown = screen.toString();
            keys.write(line + "\n");
            keys.flush();
            return shown;
        }

        int questions() {
            return screen.toString().split("\\? \\[y/N\\] ", -1).length - 1;
        }
    }

    /** Waits, at most a minute, until {@code condition} holds. */
    private static void await(java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited a minute").isLessThan(deadline);
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }

    private static void deployment(String namespace) {
        Map<String, String> labels = Map.of("app", "web");
        sandbox.client().apps().deployments().inNamespace(namespace).resource(new DeploymentBuilder()
                .withNewMetadata().withName("web").withNamespace(namespace).endMetadata()
                .withNewSpec().withReplicas(1).withNewSelector().withMatchLabels(labels).endSelector()
                .withNewTemplate().withNewMetadata().withLabels(labels).endMetadata()
                .withNewSpec().addNewContainer().withName("web").withImage("shop:old").endContainer().endSpec()
                .endTemplate().endSpec().build()).create();
    }

    private static String deployed(String namespace) {
        return sandbox.client().apps().deployments().inNamespace(namespace).withName("web").get()
                .getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
    }

    private static CheckedPlan plan(String prefix, String image) {
        return MigrateThenDeploy.check(new Plan("shop", image, null, Migration.builder().command("sh", "-c", "echo migrated").build(),
                null, List.of(Environment.of("staging", prefix + "-staging", List.of("web")),
                        new Environment("production", null, null, null, null, prefix + "-production", List.of("web"), null, true,
                                null))));
    }

    /** {@code mtd run} as RunCommand runs it, asking on {@code terminal} unless production is approved up front. */
    private static CompletableFuture<RunReport> run(CheckedPlan plan, String id, Optional<TypedTerminal> terminal) {
        MigrateThenDeploy.Builder builder = MigrateThenDeploy.builder()
                .clusters(env -> sandbox.client())
                .listener(new ConsoleProgress(System.out))
                .identity(new RunIdentity(id, null))
                .approvals(new TerminalApprovals(terminal.isPresent() ? Set.of() : Set.of("production"),
                        () -> terminal.map(t -> t.terminal), null));
        return CompletableFuture.supplyAsync(() -> RunCommand.run(builder, plan, null)).orTimeout(120, TimeUnit.SECONDS);
    }

    @Test
    void runAAnsweredAfterRunBPromotedProductionStopsSupersededWithExitTenAndProductionStaysOnB() throws Exception {
        deployment("ab-staging");
        deployment("ab-production");
        TypedTerminal a = new TypedTerminal();
        CompletableFuture<RunReport> runA = run(plan("ab", "shop:1"), "run-a", Optional.of(a));
        await(() -> a.questions() == 1);

        RunReport b = run(plan("ab", "shop:2"), "run-b", Optional.empty()).join();
        assertThat(ExitCode.of(b.outcome())).as(b.failure()).isZero();
        String asked = a.answer(1, "y");
        RunReport reportA = runA.join();

        assertThat(asked).contains("production now runs:       web runs shop:old; no release recorded yet",
                "production after approval: shop:1", "Promote shop:1 to production (namespace ab-production)? [y/N] ");
        assertThat(reportA.outcome()).isEqualTo(RunOutcome.SUPERSEDED);
        assertThat(ExitCode.of(reportA.outcome())).isEqualTo(ExitCode.SUPERSEDED).isEqualTo(10);
        assertThat(reportA.failure()).contains("run run-b", "took production to shop:2", "shop:1 is older", "--rollback");
        assertThat(deployed("ab-production")).isEqualTo("shop:2");
        assertThat(console.out()).contains("Summary: shop superseded", "production   superseded");
    }

    @Test
    void runAAnsweredFirstPromotesThenRunBsStaleAnswerIsAskedAgainShowingAAndBPromotes() throws Exception {
        deployment("ba-staging");
        deployment("ba-production");
        TypedTerminal a = new TypedTerminal();
        TypedTerminal b = new TypedTerminal();
        CompletableFuture<RunReport> runA = run(plan("ba", "shop:1"), "run-a", Optional.of(a));
        await(() -> a.questions() == 1);
        CompletableFuture<RunReport> runB = run(plan("ba", "shop:2"), "run-b", Optional.of(b));
        await(() -> b.questions() == 1);

        a.answer(1, "y");
        assertThat(ExitCode.of(runA.join().outcome())).isZero();
        assertThat(deployed("ba-production")).isEqualTo("shop:1");
        b.answer(1, "y"); // asked when production ran shop:old
        String again = b.answer(2, "y");
        RunReport reportB = runB.join();

        assertThat(again.substring(again.indexOf("Promote shop:2"))).contains("web runs shop:1; released: shop:1 (run run-a");
        assertThat(ExitCode.of(reportB.outcome())).as(reportB.failure()).isZero();
        assertThat(deployed("ba-production")).isEqualTo("shop:2");
        assertThat(console.out()).contains("the approval was for the change from no recorded release, so it is refused and asked again");
    }

    @Test
    void rollbackOnTheCommandLineSkipsTheMigrationAndSaysSo(@TempDir Path dir) throws Exception {
        Path plan = dir.resolve("plan.yaml");
        Files.writeString(plan, """
                app: shop
                image: shop:1
                migration: {command: [sh, -c, 'echo migrating']}
                environments:
                  - {name: staging, namespace: staging}
                """);

        assertThat(Mtd.execute("run", plan.toString(), "--sandbox", "--rollback")).isZero();

        assertThat(console.out()).contains("rollback: the migration is skipped").doesNotContain("migrating");
    }
}
