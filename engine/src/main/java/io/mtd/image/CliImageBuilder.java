package io.mtd.image;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs one container tool's command line, streams its output line by line, and turns a failure into the step that failed. */
abstract class CliImageBuilder implements ImageBuilder {

    private static final Pattern ERROR_LINE =
            Pattern.compile("(?i)^(error\\b|.*level=(error|fatal)|failed to solve|.*\\berror:).*");
    private static final Pattern GO_STRUCT_DUMP = Pattern.compile(" &[\\w.]+\\{.*$");
    private static final int ERROR_HEAD = 120;
    private static final int ERROR_TAIL = 240;

    private final Path executable;
    private final Map<String, String> env;
    private final Pattern stepLine;

    /**
     * @param executable the tool's executable
     * @param env the environment the tool runs with
     * @param stepLine matches a line announcing a build step; group 1 is the step as it is reported
     */
    CliImageBuilder(Path executable, Map<String, String> env, Pattern stepLine) {
        this.executable = executable;
        this.env = Map.copyOf(env);
        this.stepLine = stepLine;
    }

    Path executable() {
        return executable;
    }

    Map<String, String> env() {
        return env;
    }

    /** The outcome of one successful command: its output, for tools that print what they did (a pushed digest). */
    record Output(List<String> lines) {}

    /** Runs the tool with {@code arguments}; a non-zero exit throws an {@link ImageBuildException} starting with {@code action}. */
    final Output run(List<String> arguments, Map<String, String> extraEnv, String action, Consumer<String> log) {
        List<String> command = new ArrayList<>();
        command.add(executable.toString());
        command.addAll(arguments);
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(env);
        pb.environment().putAll(extraEnv);
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new ImageBuildException(action + " failed: " + executable + " could not be started (" + e.getMessage()
                    + "); check that " + name() + " is installed and executable, or choose another build.builder");
        }
        closeQuietly(process);
        List<String> lines = new ArrayList<>();
        String step = null;
        String error = null;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                log.accept(line);
                lines.add(line);
                Matcher m = stepLine.matcher(line);
                if (m.matches()) {
                    step = m.group(1).strip();
                }
                if (ERROR_LINE.matcher(line).matches()) {
                    error = line.strip();
                }
            }
            int exit = process.waitFor();
            if (exit != 0) {
                throw failure(action, step, error, exit);
            }
        } catch (IOException e) {
            process.destroyForcibly();
            throw new ImageBuildException(action + " failed: reading " + name() + "'s output failed (" + e.getMessage() + ")", step);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new ImageBuildException(action + " was interrupted; " + name() + " was stopped", step);
        }
        return new Output(lines);
    }

    private ImageBuildException failure(String action, String step, String error, int exit) {
        StringBuilder message = new StringBuilder(action).append(" failed");
        if (step != null) {
            message.append(" at ").append(step);
        }
        message.append(" (").append(name()).append(" exited with ").append(exit).append(")");
        if (error != null) {
            message.append(": ").append(shortened(error));
        }
        return new ImageBuildException(message.toString(), step);
    }

    private static void closeQuietly(Process process) {
        try {
            // the tools never read standard input here; closing it keeps one from waiting on a prompt
            process.getOutputStream().close();
        } catch (IOException e) {
            // nothing was written, nothing is lost
        }
    }

    /** The error without Go struct dumps, and when long, its start and its end: the root cause closes a Go error chain. */
    static String shortened(String error) {
        String e = GO_STRUCT_DUMP.matcher(error).replaceFirst("");
        return e.length() <= ERROR_HEAD + ERROR_TAIL ? e : e.substring(0, ERROR_HEAD) + " ... " + e.substring(e.length() - ERROR_TAIL);
    }

    static void addBuildArgs(List<String> args, BuildRequest request) {
        request.args().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> {
                    args.add("--build-arg");
                    args.add(e.getKey() + "=" + e.getValue());
                });
        if (request.target() != null && !request.target().isBlank()) {
            args.add("--target");
            args.add(request.target());
        }
    }

    @Override
    public String toString() {
        return name() + " (" + executable + ")";
    }
}
