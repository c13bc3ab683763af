package io.mtd.dist;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** One finished process: its exit code and what it wrote, each stream read in full. */
record ProcessRun(List<String> command, int exitCode, String stdout, String stderr) {

    /**
     * Runs {@code command} in {@code dir} with the environment changed by {@code env} (a null value removes the
     * variable), and fails when it runs longer than {@code timeout}.
     */
    static ProcessRun of(List<String> command, Path dir, Map<String, String> env, Duration timeout)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile("mtd-dist-", ".out");
        Path err = Files.createTempFile("mtd-dist-", ".err");
        try {
            ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            env.forEach((name, value) -> {
                if (value == null) {
                    builder.environment().remove(name);
                } else {
                    builder.environment().put(name, value);
                }
            });
            Process process = builder.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly().waitFor();
                throw new AssertionError(command + " ran longer than " + timeout + "; its output: "
                        + Files.readString(out, StandardCharsets.UTF_8) + Files.readString(err, StandardCharsets.UTF_8));
            }
            return new ProcessRun(command, process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Runs {@code command} and fails, with its output, unless it exits 0. */
    static ProcessRun succeeding(List<String> command, Path dir, Duration timeout) throws IOException, InterruptedException {
        ProcessRun run = of(command, dir, Map.of(), timeout);
        if (run.exitCode() != 0) {
            throw new AssertionError(run.describe());
        }
        return run;
    }

    /** The command, its exit code and its output, for assertion messages. */
    String describe() {
        return String.join(" ", command) + " exited " + exitCode + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
    }
}
