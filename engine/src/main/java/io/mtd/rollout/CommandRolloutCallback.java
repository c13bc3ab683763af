package io.mtd.rollout;

import io.mtd.concurrent.DaemonThreads;
import io.mtd.progress.ProgressEvent;
import io.mtd.progress.ProgressListener;
import io.mtd.progress.Stage;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The CLI's rollout hook: runs a shell command ({@code sh -c}) with the target in {@code MTD_ENVIRONMENT},
 * {@code MTD_NAMESPACE}, {@code MTD_IMAGE} and {@code KUBECONFIG}, streaming its output line by line.
 */
public final class CommandRolloutCallback implements RolloutCallback {

    /** {@link ProgressEvent.LogLine#source()} of the hook's output. */
    public static final String SOURCE = "hook";

    private final String command;
    private final Path workingDirectory;
    private final ProgressListener listener;

    /** @param workingDirectory where the command runs, or null for the current directory */
    public CommandRolloutCallback(String command, Path workingDirectory, ProgressListener listener) {
        if (command == null || command.isBlank()) {
            throw new IllegalArgumentException("the rollout hook command is empty; give the shell command that rolls out");
        }
        this.command = command;
        this.workingDirectory = workingDirectory;
        this.listener = listener == null ? ProgressListener.NONE : listener;
    }

    @Override
    public CompletionStage<Void> rollout(Target target) {
        ProcessBuilder builder = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true);
        if (workingDirectory != null) {
            builder.directory(workingDirectory.toFile());
        }
        Map<String, String> environment = builder.environment();
        environment.put("MTD_ENVIRONMENT", target.environment());
        environment.put("MTD_NAMESPACE", target.namespace());
        environment.put("MTD_IMAGE", target.image());
        environment.put("KUBECONFIG", target.kubeconfig().toString());
        Process process;
        try {
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("could not start the rollout hook with sh: " + e.getMessage(), e);
        }
        CompletableFuture<Void> result = new CompletableFuture<>();
        CompletableFuture<Void> output = new CompletableFuture<>();
        // the one thread a hook costs: reading a process's output blocks
        DaemonThreads.start("mtd-rollout-hook-" + target.environment(), () -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    listener.on(new ProgressEvent.LogLine(Stage.ROLLOUT, target.environment(), SOURCE, line));
                }
                output.complete(null);
            } catch (IOException e) {
                output.complete(null); // the process was destroyed; its exit code tells what happened
            }
        });
        process.onExit().thenCombine(output, (p, v) -> p.exitValue()).whenComplete((code, e) -> {
            if (e != null) {
                result.completeExceptionally(e);
            } else if (code != 0) {
                result.completeExceptionally(new RolloutFailedException("the rollout hook exited with code " + code
                        + " for environment " + target.environment() + "; its output is above"));
            } else {
                result.complete(null);
            }
        });
        result.whenComplete((v, e) -> {
            if (process.isAlive()) {
                process.descendants().forEach(ProcessHandle::destroy);
                process.destroy();
            }
        });
        return result;
    }
}
