package io.mtd.image;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Builds with the docker CLI and whatever daemon it talks to.
 *
 * <p>The daemon, not the CLI, decides whether a registry may be plain HTTP (its {@code insecure-registries}, where
 * 127.0.0.1 and localhost are allowed by default), so {@code build.tlsVerify} cannot be passed on.
 */
final class DockerBuilder extends CliImageBuilder {

    /** BuildKit's plain progress ({@code #6 [2/3] RUN make}) and the classic builder's ({@code Step 2/3 : RUN make}). */
    static final Pattern STEP = Pattern.compile("^(?:#\\d+ )?(\\[[\\w.-]* ?\\d+/\\d+\\] .*|Step \\d+/\\d+ : .*)$");
    private static final Pattern PUSHED_DIGEST = Pattern.compile(".*digest: (sha256:[0-9a-f]{64}) size: \\d+.*");

    DockerBuilder(Path executable, Map<String, String> env) {
        super(executable, env, STEP);
    }

    @Override
    public String name() {
        return "docker";
    }

    @Override
    public void build(BuildRequest request, Consumer<String> log) {
        List<String> args = new ArrayList<>();
        args.add("build");
        args.add("-f");
        args.add(request.dockerfile().toString());
        args.add("-t");
        args.add(request.image().toString());
        addBuildArgs(args, request);
        args.add(request.context().toString());
        // plain progress gives one line per event, where the default redraws a terminal
        run(args, Map.of("BUILDKIT_PROGRESS", "plain"), "Building " + request.image() + " with docker", log);
    }

    @Override
    public Optional<String> push(BuildRequest request, Consumer<String> log) {
        Path configDir = null;
        try {
            List<String> args = new ArrayList<>();
            if (request.authFile() != null) {
                // docker reads credentials only from <config dir>/config.json
                configDir = Files.createTempDirectory("mtd-docker-config-");
                Files.copy(request.authFile(), configDir.resolve("config.json"));
                args.add("--config");
                args.add(configDir.toString());
            }
            args.add("push");
            args.add(request.image().toString());
            if (!request.tlsVerify()) {
                log.accept("docker: build.tlsVerify false cannot be passed to docker; its daemon's insecure-registries decide");
            }
            Output output = run(args, Map.of(), "Pushing " + request.image() + " with docker", log);
            for (String line : output.lines()) {
                Matcher m = PUSHED_DIGEST.matcher(line);
                if (m.matches()) {
                    return Optional.of(m.group(1));
                }
            }
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot prepare docker's credentials for the push", e);
        } finally {
            deleteTree(configDir);
        }
    }

    private static void deleteTree(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // the directory is under the temporary directory and owner-only; the OS cleans it up
        }
    }
}
