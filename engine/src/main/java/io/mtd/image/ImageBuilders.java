package io.mtd.image;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Chooses the {@link ImageBuilder} a plan names, or for {@code auto} the first of buildah, podman, docker on the PATH. */
public final class ImageBuilders {

    /** The tools in the order {@code auto} tries them: daemonless first, since CI agents rarely have a docker daemon. */
    public static final List<String> KNOWN = List.of("buildah", "podman", "docker");

    private ImageBuilders() {}

    /**
     * The builder for {@code build.builder}, looked up on {@code env}'s PATH; it runs with {@code env}.
     *
     * @throws ImageBuildException when the name is unknown or the tool is not installed, saying what is
     */
    public static ImageBuilder select(String builder, Map<String, String> env) {
        String name = builder == null || builder.isBlank() ? "auto" : builder.strip().toLowerCase(java.util.Locale.ROOT);
        if (name.equals("auto")) {
            for (String candidate : KNOWN) {
                Optional<Path> found = onPath(candidate, env);
                if (found.isPresent()) {
                    return create(candidate, found.get(), env);
                }
            }
            throw new ImageBuildException("build.builder is auto but none of " + String.join(", ", KNOWN)
                    + " is on the PATH (" + env.getOrDefault("PATH", "") + "); install one (e.g. apt-get install buildah)"
                    + " or use a prebuilt image by leaving build out of the plan");
        }
        if (!KNOWN.contains(name)) {
            throw new ImageBuildException("build.builder '" + builder + "' is not supported; use auto, "
                    + String.join(", ", KNOWN));
        }
        Path executable = onPath(name, env).orElseThrow(() -> {
            List<String> installed = new ArrayList<>();
            KNOWN.forEach(k -> onPath(k, env).ifPresent(p -> installed.add(k)));
            return new ImageBuildException("build.builder is " + name + " but no '" + name + "' executable is on the PATH ("
                    + env.getOrDefault("PATH", "") + "); install it or set build.builder to "
                    + (installed.isEmpty() ? "a tool that is installed" : "one that is: " + String.join(", ", installed)));
        });
        return create(name, executable, env);
    }

    private static ImageBuilder create(String name, Path executable, Map<String, String> env) {
        switch (name) {
            case "buildah":
                return new BuildahBuilder(executable, env);
            case "podman":
                return new PodmanBuilder(executable, env);
            default:
                return new DockerBuilder(executable, env);
        }
    }

    static Optional<Path> onPath(String executable, Map<String, String> env) {
        String path = env.getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isBlank()) {
                continue;
            }
            Path candidate = Path.of(dir, executable);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
