package io.mtd.cli;

import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How mtd is started here, for the commands it prints for someone to type: {@code ./mtd} in a source checkout,
 * {@code mtd} where the distribution's {@code bin/mtd} is on the PATH, else that launcher's path.
 */
final class Launcher {

    private Launcher() {}

    /** The command that starts this mtd from the current directory, with this process's PATH. */
    static String command() {
        Path codeSource;
        try {
            codeSource = Path.of(Mtd.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException | RuntimeException e) {
            return "mtd";
        }
        return command(codeSource, Path.of("").toAbsolutePath(), System.getenv().getOrDefault("PATH", ""));
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
        // the distribution: <home>/lib/mtd-cli-<version>.jar beside <home>/bin/mtd
        if (parent.getFileName() != null && parent.getFileName().toString().equals("lib") && parent.getParent() != null) {
            Path launcher = parent.getParent().resolve("bin").resolve("mtd");
            if (Files.isRegularFile(launcher)) {
                return onPath(launcher, path) ? "mtd" : launcher.toString();
            }
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
