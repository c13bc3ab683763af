package io.mtd.cli;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How mtd is started here, for the commands it prints for someone to type: {@code ./mtd} in a source checkout,
 * {@code mtd} where the distribution's {@code bin/mtd} is on the PATH, else that launcher's path.
 */
final class Launcher {

    private Launcher() {}

    /** The command that starts this mtd from the current directory, with this process's PATH. */
    static String command() {
        return codeSource().map(c -> command(c, Path.of("").toAbsolutePath(), System.getenv().getOrDefault("PATH", "")))
                .orElse("mtd");
    }

    /** The directory of the distribution this mtd runs from (its {@code bin/}, {@code lib/}, {@code examples/}), if it does. */
    static Optional<Path> installation() {
        return codeSource().flatMap(Launcher::installation);
    }

    /** The distribution's directory, {@code <home>} of {@code <home>/lib/mtd-cli-<version>.jar} beside {@code <home>/bin/mtd}. */
    static Optional<Path> installation(Path codeSource) {
        Path parent = codeSource.toAbsolutePath().normalize().getParent();
        if (parent != null && parent.getFileName() != null && parent.getFileName().toString().equals("lib")
                && parent.getParent() != null && Files.isRegularFile(parent.getParent().resolve("bin").resolve("mtd"))) {
            return Optional.of(parent.getParent());
        }
        return Optional.empty();
    }

    private static Optional<Path> codeSource() {
        try {
            return Optional.of(Path.of(Mtd.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
        } catch (URISyntaxException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * The command for the CLI loaded from {@code codeSource} (its jar, or its classes directory), typed in
     * {@code workingDirectory} with {@code path} as the PATH.
     */
    static String command(Path codeSource, Path workingDirectory, String path) {
        Path parent = codeSource.toAbsolutePath().normalize().getParent();
        if (parent == null) {
            return "mtd";
        }
        Optional<Path> home = installation(codeSource);
        if (home.isPresent()) {
            Path launcher = home.get().resolve("bin").resolve("mtd");
            return onPath(launcher, path) ? "mtd" : launcher.toString();
        }
        // a source checkout: <root>/cli/target/mtd-cli-<version>.jar (or .../classes), run by <root>/mtd
        if (parent.getFileName() != null && parent.getFileName().toString().equals("target") && parent.getParent() != null
                && parent.getParent().getParent() != null) {
            Path script = parent.getParent().getParent().resolve("mtd");
            if (Files.isRegularFile(script)) {
                Path cwd = workingDirectory.toAbsolutePath().normalize();
                return script.startsWith(cwd) ? "./" + cwd.relativize(script) : script.toString();
            }
        }
        return "mtd";
    }

    /** Whether {@code mtd}, looked up on {@code path} as a shell does, is {@code launcher} (a link to it counts). */
    private static boolean onPath(Path launcher, String path) {
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, "mtd");
            if (Files.isExecutable(candidate) && !Files.isDirectory(candidate)) {
                try {
                    return candidate.toRealPath().equals(launcher.toRealPath());
                } catch (IOException e) {
                    return false;
                }
            }
        }
        return false;
    }
}
