package io.mtd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Approvals are asked on the terminal whatever stdout is ({@code mtd run ... | tee log}), and refused at once, with
 * the fix, where there is no terminal (CI). Each runs mtd in its own JVM: under a pseudo-terminal made by util-linux's
 * {@code script}, and in a new session without one ({@code setsid}).
 */
class TerminalApprovalsTest {

    @TempDir
    Path dir;

    private Path plan() throws Exception {
        Path plan = dir.resolve("plan.yaml");
        Files.writeString(plan, """
                app: shop
                image: shop:1
                migration: {command: [sh, -c, 'echo migrating in $MTD_TEST_ENV']}
                environments:
                  - {name: staging, namespace: staging, approval: true}
                  - {name: production, namespace: production, approval: true}
                """);
        return plan;
    }

    @Test
    void withItsOutputPipedARunAsksOnTheTerminalAndFollowsEachAnswer() throws Exception {
        Assumptions.assumeTrue(Processes.installed("script"), "util-linux's script is not installed: it makes the pseudo-terminal");
        Path log = dir.resolve("run.log");
        // as typed in a terminal: mtd run ... | tee log (cat here), its exit code kept in the log
        String pipeline = "{ " + shell(Processes.mtd("run", plan().toString(), "--sandbox")) + "; echo \"mtd exited $?\"; }"
                + " 2>&1 | cat > " + shell(List.of(log.toString()));
        Process terminal = new ProcessBuilder("script", "-qfec", pipeline, "/dev/null").redirectErrorStream(true).start();
        ByteArrayOutputStream screen = new ByteArrayOutputStream();
        try (OutputStream keys = terminal.getOutputStream(); InputStream shown = terminal.getInputStream()) {
            waitFor(shown, screen, "Promote shop:1 to staging (namespace staging)? [y/N] ");
            keys.write("y\n".getBytes(StandardCharsets.UTF_8));
            keys.flush();
            int beforeProduction = screen.size();
            waitFor(shown, screen, "Promote shop:1 to production (namespace production)? [y/N] ");
            // the question comes after what the approver decides on: what staging did, what production will run
            assertThat(screen.toString(StandardCharsets.UTF_8).substring(beforeProduction)).contains("Before production:",
                    "  staging    succeeded: approval succeeded", "migration succeeded in ",
                    "  next       Job ", " in namespace production runs sh -c echo migrating in $MTD_TEST_ENV");
            keys.write("n\n".getBytes(StandardCharsets.UTF_8));
            keys.flush();
            assertThat(terminal.waitFor(120, TimeUnit.SECONDS)).as("the run ended").isTrue();
        } finally {
            terminal.destroyForcibly();
        }
        String output = Files.readString(log);
        assertThat(output).as(output).contains("mtd exited " + ExitCode.NOT_APPROVED)
                .contains("approved by " + System.getProperty("user.name") + " (terminal)")
                .contains("staging | migrating").doesNotContain("production | migrating")
                .contains("answered no").doesNotContain("no terminal to ask on");
        // the questions went to the terminal, not into the piped output
        assertThat(output).doesNotContain("[y/N]");
    }

    @Test
    void withoutATerminalAnApprovalIsRefusedAtOnceWithTheFix() throws Exception {
        Assumptions.assumeTrue(Processes.installed("setsid"), "util-linux's setsid is not installed: it starts mtd without a terminal");
        List<String> command = new java.util.ArrayList<>(List.of("setsid", "-w"));
        command.addAll(Processes.mtd("run", plan().toString(), "--sandbox"));
        Process mtd = new ProcessBuilder(command).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        String output = new String(mtd.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(mtd.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(mtd.exitValue()).as(output).isEqualTo(ExitCode.NOT_APPROVED);
        assertThat(output).contains("no terminal to ask on: pass --approve staging to approve it up front")
                .doesNotContain("staging | migrating");
    }

    /** Reads what the terminal shows into {@code screen} until it shows {@code text}. */
    private static void waitFor(InputStream shown, ByteArrayOutputStream screen, String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        int from = screen.size();
        byte[] buffer = new byte[4096];
        while (!screen.toString(StandardCharsets.UTF_8).substring(from).contains(text)) {
            assertThat(System.nanoTime()).as("the terminal showed '%s'; it showed: %s", text, screen).isLessThan(deadline);
            int n = shown.read(buffer);
            assertThat(n).as("the terminal closed before showing '%s'; it showed: %s", text, screen).isPositive();
            screen.write(buffer, 0, n);
        }
    }

    private static String shell(List<String> words) {
        return words.stream().map(w -> "'" + w.replace("'", "'\\''") + "'").collect(Collectors.joining(" "));
    }
}
