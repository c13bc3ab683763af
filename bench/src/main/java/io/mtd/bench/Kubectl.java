package io.mtd.bench;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** The real kubectl, pointed at the sandbox's kubeconfig; absent when it is not installed. */
final class Kubectl {

    /** What the kubectl columns say on a machine without kubectl. */
    static final String ABSENT = "kubectl not installed";

    private final Path binary;
    private final Path kubeconfig;

    private Kubectl(Path binary, Path kubeconfig) {
        this.binary = binary;
        this.kubeconfig = kubeconfig;
    }

    /** kubectl from KUBECTL (a path, or {@code none} to leave it out) or else the PATH, if installed. */
    static Optional<Kubectl> find(Path kubeconfig) {
        String chosen = System.getenv("KUBECTL");
        if (chosen != null && !chosen.isBlank()) {
            Path p = Path.of(chosen);
            return Files.isExecutable(p) ? Optional.of(new Kubectl(p, kubeconfig)) : Optional.empty();
        }
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path p = Path.of(dir, "kubectl");
            if (Files.isExecutable(p)) {
                return Optional.of(new Kubectl(p, kubeconfig));
            }
        }
        return Optional.empty();
    }

    Path binary() {
        return binary;
    }

    Path kubeconfig() {
        return kubeconfig;
    }

    /** Starts {@code kubectl args...} with its output merged, not waiting for it. */
    Process start(String... args) {
        List<String> command = new ArrayList<>(List.of(binary.toString(), "--kubeconfig", kubeconfig.toString()));
        command.addAll(List.of(args));
        try {
            return new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + binary, e);
        }
    }

    /** The exit code and output of one finished kubectl invocation. */
    record Result(int exitCode, String output) {}

    /** Runs {@code kubectl args...} to its end (at most 2 minutes). */
    Result run(String... args) {
        Process p = start(args);
        try {
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(2, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException("kubectl " + String.join(" ", args) + " did not finish in 2 minutes");
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IllegalStateException("interrupted while kubectl ran", e);
        }
    }
}
