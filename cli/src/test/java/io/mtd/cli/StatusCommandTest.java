package io.mtd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code mtd status PLAN}: after a run, what each environment runs and its last migration, read from its cluster. */
class StatusCommandTest {

    @RegisterExtension
    final ConsoleCapture console = new ConsoleCapture();

    @TempDir
    Path dir;

    @Test
    void afterARunItShowsWhatRunsTheLastMigrationAndAFreeLock() throws Exception {
        Path app = Files.createDirectories(dir.resolve("app"));
        SandboxCommand command = new SandboxCommand();
        command.kubeconfig = dir.resolve("sandbox.kubeconfig");
        command.images = Map.of("registry.example.com/shop", app);
        try (SandboxCommand.Running sandbox = command.start(null, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))) {
            Path plan = dir.resolve("mtd.yaml");
            Files.writeString(plan, """
                    app: shop
                    image: registry.example.com/shop:7
                    migration:
                      command: [sh, -c, 'echo "  Applying shop.0001_initial... OK"']
                    environments:
                      - {name: staging, namespace: shop-staging, kubeconfig: KUBECONFIG}
                    """.replace("KUBECONFIG", sandbox.kubeconfig().toString()));
            assertThat(Mtd.execute("run", plan.toString(), "--no-pin", "--approve", "all")).as(console.out() + console.err()).isZero();
            assertThat(console.out()).contains("    migration  succeeded in ", ": applied shop.0001_initial");
            int printed = console.out().length();

            int code = Mtd.execute("status", plan.toString());

            String status = console.out().substring(printed);
            assertThat(code).as(status + console.err()).isZero();
            assertThat(status).contains("Status of shop", "  staging      namespace shop-staging",
                    "    migration  Job shop-staging-migrate-", " succeeded at ", "image registry.example.com/shop:7",
                    "    lock       free");

            // one environment out of reach: the others are still shown, it says why, and the exit code says so
            Path wider = dir.resolve("wider.yaml");
            Files.writeString(wider, Files.readString(plan) + "  - {name: production, namespace: shop-production, kubeconfig: "
                    + dir.resolve("no-such.kubeconfig") + "}\n");
            int shown = console.out().length();
            int errors = console.err().length();

            code = Mtd.execute("status", wider.toString());

            String partial = console.out().substring(shown);
            assertThat(code).as(partial + console.err()).isEqualTo(ExitCode.INFRASTRUCTURE);
            assertThat(partial).contains("    migration  Job shop-staging-migrate-", "  production   namespace shop-production",
                    "    cannot be read: no cluster configured (its kubeconfig ");
            assertThat(console.err().substring(errors).strip()).isEqualTo("mtd status: environment 'production' could not be read (see why above)");
        }
    }

    @Test
    void aClusterThatCannotBeReachedExitsSixWithOneLineSayingWhyAndTheFix() throws Exception {
        Path plan = dir.resolve("mtd.yaml");
        Files.writeString(plan, """
                app: shop
                image: registry.example.com/shop:7
                migration: {command: [migrate]}
                environments:
                  - {name: staging, namespace: shop-staging, kubeconfig: MISSING}
                """.replace("MISSING", dir.resolve("no-such.kubeconfig").toString()));

        int code = Mtd.execute("status", plan.toString());

        assertThat(code).isEqualTo(ExitCode.INFRASTRUCTURE);
        // one line, naming the environment, the cause and the fix; nothing else, no stack trace
        assertThat(console.err().strip()).hasLineCount(1)
                .startsWith("mtd status: environment 'staging': no cluster configured (its kubeconfig ")
                .contains("fix the path").doesNotContain("Exception", "\tat ");
        assertThat(console.out()).isEmpty();
    }
}
