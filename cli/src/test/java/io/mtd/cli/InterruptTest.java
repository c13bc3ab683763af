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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mtd run} stopped by SIGTERM (as CI runners and Ctrl-C do) cancels the run and says what became of its migration. */
class InterruptTest {

    @TempDir
    Path dir;

    @Test
    void sigtermCancelsTheRunAndTheSummarySaysTheMigrationStillRunsAndTheNextRunWaits() throws Exception {
        Path plan = dir.resolve("plan.yaml");
        Files.writeString(plan, """
                app: shop
                image: shop:1
                migration: {command: [sh, -c, 'echo migrating; sleep 60']}
                environments:
                  - {name: staging, namespace: staging}
                """);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process mtd = new ProcessBuilder(java, "-cp", classpath, Mtd.class.getName(), "run", plan.toString(), "--sandbox")
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
            // SIGTERM; Process.destroy() would also close our end of its output, losing what it prints on the way out
            mtd.toHandle().destroy();
            assertThat(mtd.waitFor(60, TimeUnit.SECONDS)).isTrue();
            reader.join(10_000);
        } finally {
            mtd.destroyForcibly();
        }
        String output = String.join("\n", lines);
        assertThat(output).contains("Summary: shop cancelled").contains("interrupted (SIGINT/SIGTERM)")
                .contains("the migration still runs").contains("the next run waits for it");
    }
}
