package io.mtd.sandbox;

import io.fabric8.kubernetes.api.model.Container;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A container run as a local process, the sandbox's container runtime: what it starts ({@link Launch}), its merged
 * stdout and stderr read line by line, its exit code, and a kill that takes its descendants with it.
 */
final class ContainerProcess {

    /** The host variables a container process inherits, so that the host's tools and Java are found. */
    static final List<String> HOST_VARIABLES = List.of("PATH", "HOME", "JAVA_HOME");

    /** Why a container cannot be started; its message is the one the container status shows with StartError. */
    static final class StartError extends Exception {
        StartError(String message) {
            super(message);
        }
    }

    /**
     * What the runtime starts for a container.
     *
     * <p>The command is the container's {@code command} plus {@code args}; when {@code command} is empty it is the
     * image's entrypoint plus {@code args}. {@code $(VAR)} references to the container's environment are expanded as
     * Kubernetes does, and mount paths are rewritten to the volumes' host directories. The environment is the host's
     * {@link #HOST_VARIABLES}, then the image's env, then the container's. As in a container, a command without a
     * {@code /} is looked up on the container's PATH. The working directory is the container's {@code workingDir},
     * else the image's, else {@code podDir}/work.
     */
    record Launch(List<String> argv, Map<String, String> environment, Path workingDir) {

        /** Whether {@code container} has a command to run: its own {@code command}, or its image's entrypoint. */
        static boolean runnable(Container container, SandboxImage image) {
            return container.getCommand() != null && !container.getCommand().isEmpty()
                    || image != null && !image.entrypoint().isEmpty();
        }

        static Launch of(Container container, SandboxImage image, Map<String, String> env, Map<String, Path> mounts,
                Path podDir, Map<String, String> host) throws StartError {
            List<String> command = new ArrayList<>();
            if (container.getCommand() != null && !container.getCommand().isEmpty()) {
                command.addAll(container.getCommand());
            } else if (image != null) {
                command.addAll(image.entrypoint());
            }
            if (container.getArgs() != null) {
                command.addAll(container.getArgs());
            }
            if (command.isEmpty()) {
                throw new StartError("the container has no command and image \"" + container.getImage()
                        + "\" is not registered with the sandbox kubelet (SandboxKubelet.registerImage) to give its entrypoint");
            }
            Map<String, String> environment = new LinkedHashMap<>();
            for (String variable : HOST_VARIABLES) {
                if (host.get(variable) != null) {
                    environment.put(variable, host.get(variable));
                }
            }
            if (image != null) {
                environment.putAll(image.env());
            }
            env.forEach((k, v) -> environment.put(k, PodVolumes.rewrite(v, mounts)));
            List<String> argv = new ArrayList<>();
            command.forEach(c -> argv.add(PodVolumes.rewrite(ContainerEnvironment.expand(c, env), mounts)));
            // ProcessBuilder alone would search this JVM's PATH, not the container's (where an image may put its own first)
            String path = environment.get("PATH");
            if (!argv.get(0).contains("/") && path != null && !path.equals(host.get("PATH"))) {
                for (String dir : path.split(File.pathSeparator)) {
                    if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, argv.get(0)))) {
                        argv.set(0, Path.of(dir, argv.get(0)).toString());
                        break;
                    }
                }
            }
            Path workingDir;
            if (container.getWorkingDir() != null && !container.getWorkingDir().isEmpty()) {
                workingDir = Path.of(PodVolumes.rewrite(container.getWorkingDir(), mounts));
            } else if (image != null && image.workingDir() != null) {
                workingDir = image.workingDir();
            } else {
                workingDir = podDir.resolve("work");
            }
            return new Launch(List.copyOf(argv), Map.copyOf(environment), workingDir);
        }
    }

    private final Process process;

    private ContainerProcess(Process process) {
        this.process = process;
    }

    /** Starts {@code launch} (creating its working directory) with exactly its environment. */
    static ContainerProcess start(Launch launch, String containerName) throws StartError {
        ProcessBuilder builder = new ProcessBuilder(launch.argv()).redirectErrorStream(true);
        builder.environment().clear();
        builder.environment().putAll(launch.environment());
        try {
            Files.createDirectories(launch.workingDir());
            builder.directory(launch.workingDir().toFile());
            return new ContainerProcess(builder.start());
        } catch (IOException e) {
            throw new StartError("failed to start container \"" + containerName + "\": " + e.getMessage());
        }
    }

    /** Hands every line the process writes to {@code log} until it closes its output (it exited, or was killed). */
    void drain(Consumer<String> log) {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                log.accept(line);
            }
        } catch (IOException e) {
            // The process was killed while its output was read; its exit code tells the rest.
        }
    }

    /** Waits for the process to exit and returns its exit code. */
    int waitFor() throws InterruptedException {
        return process.waitFor();
    }

    /** Whether the process still runs. */
    boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for the process to exit, without being interruptible. */
    void awaitExitUninterruptibly() {
        process.onExit().join();
    }

    /** Kills the process and everything it started, at once (as the runtime's SIGKILL). */
    void kill() {
        if (process.isAlive()) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }

    /**
     * Asks the process to stop (SIGTERM to it alone, as a runtime signals a container's first process) and returns what
     * it had started by then, for {@link #killAll} to end: once the process exited, its orphans are no longer its
     * descendants.
     */
    List<ProcessHandle> terminate() {
        List<ProcessHandle> started = process.descendants().toList();
        if (process.isAlive()) {
            // through the handle: Process.destroy() also closes the pipes, and a server that logs while it drains would
            // die of a broken pipe, which no container runtime does to it
            process.toHandle().destroy();
        }
        return started;
    }

    /** Kills the process, everything it started now and {@code earlier} descendants still alive (the end of a container). */
    void killAll(List<ProcessHandle> earlier) {
        kill();
        earlier.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }

    /** Waits up to {@code millis} for the process to exit; returns whether it did. */
    boolean awaitExit(long millis) throws InterruptedException {
        return process.waitFor(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
    }
}
