package io.mtd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code mtd run} stopped by Ctrl-C (SIGINT) or SIGTERM (as CI runners send) cancels the run, says what became of its
 * migration, writes its report, and exits with 128 + the signal's number, as the exit code table says.
 */
class InterruptTest {

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} exits with {2}")
    @CsvSource({"SIGINT, 2, 130", "SIGTERM, 15, 143"})
    void aSignalCancelsTheRunPrintsTheSummaryWritesTheReportAndExitsWith128PlusItsNumber(String signal, int number,
            int exitCode) throws Exception {
        // a JVM started with a signal ignored (a background job of a non-interactive shell ignores SIGINT) never sees it
        Assumptions.assumeFalse(ignoredByThisProcess(number), signal + " is ignored by this test's process, and so by the"
                + " mtd it starts: run the test from a shell that does not ignore it");
        Path plan = dir.resolve("plan.yaml");
        Path report = dir.resolve("report.json");
        Files.writeString(plan, """
                app: shop
                image: shop:1
                migration: {command: [sh, -c, 'echo migrating; sleep 60']}
                environments:
                  - {name: staging, namespace: staging}
                """);
        Process mtd = new ProcessBuilder(Processes.mtd("run", plan.toString(), "--sandbox", "--report", report.toString()))
                .redirectErrorStream(true).start();
        List<String> lines = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> migrating = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader out = new BufferedReader(new InputStreamReader(mtd.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = out.readLine()) != null) {
                    lines.add(line);
                    if (line.contains("staging | migrating")) {
                        migrating.complete(null);
                    }
                }
            } catch (java.io.IOException e) {
                // the process ended
            }
        });
        reader.start();
        try {
            migrating.get(90, TimeUnit.SECONDS);
            // kill(1), not Process.destroy(): destroy would also close our end of its output, losing what it prints on the way out
            Process kill = new ProcessBuilder("kill", "-" + signal.substring(3), String.valueOf(mtd.pid())).inheritIO().start();
            assertThat(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0).as("kill -%s sent", signal).isTrue();
            assertThat(mtd.waitFor(60, TimeUnit.SECONDS)).as("mtd ended after %s", signal).isTrue();
            reader.join(10_000);
        } finally {
            mtd.destroyForcibly();
        }
        String output = String.join("\n", lines);
        assertThat(mtd.exitValue()).as(output).isEqualTo(exitCode);
        assertThat(output).contains("Summary: shop cancelled").contains("interrupted (SIGINT/SIGTERM)")
                .contains("the migration still runs").contains("the next run waits for it");
        assertThat(Files.readString(report)).contains("\"outcome\" : \"CANCELLED\"");
    }

    /** Whether this process ignores the signal {@code number} (Linux: the SigIgn mask of /proc/self/status). */
    private static boolean ignoredByThisProcess(int number) throws Exception {
        Path status = Path.of("/proc/self/status");
        if (!Files.isReadable(status)) {
            return false;
        }
        for (String line : Files.readAllLines(status)) {
            if (line.startsWith("SigIgn:")) {
                return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & (1L << (number - 1))) != 0;
            }
        }
        return false;
    }
}
