package io.mtd.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** An archive of mtd unpacked as a user unpacks it (tar or unzip), and its {@code bin/mtd} run as a process. */
final class Installation {

    static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(2);

    private final Path home;

    private Installation(Path home) {
        this.home = home;
    }

    /** The archive a system property names, failing with the build that makes it when there is none. */
    static Path archive(String property, String buildCommand) {
        String path = System.getProperty(property);
        assertThat(path).as("system property %s (set by dist/pom.xml; run %s)", property, buildCommand).isNotBlank();
        Path archive = Path.of(path);
        assertThat(archive).as("the archive (run %s)", buildCommand).isRegularFile();
        return archive;
    }

    /** Unpacks {@code archive} (.tar.gz with tar, .zip with unzip) into {@code dir}: the one directory it holds is the installation. */
    static Installation unpack(Path archive, Path dir) throws IOException, InterruptedException {
        String name = archive.getFileName().toString();
        List<String> command = name.endsWith(".zip")
                ? List.of("unzip", "-q", archive.toString(), "-d", dir.toString())
                : List.of("tar", "-xzf", archive.toString(), "-C", dir.toString());
        ProcessRun.succeeding(command, dir, COMMAND_TIMEOUT);
        try (Stream<Path> top = Files.list(dir)) {
            List<Path> entries = top.toList();
            assertThat(entries).as("top-level entries of %s", name).hasSize(1);
            return new Installation(entries.get(0));
        }
    }

    Path home() {
        return home;
    }

    Path launcher() {
        return home.resolve("bin/mtd");
    }

    /** Runs {@code bin/mtd args} in {@code dir} with the environment changed by {@code env} (null removes a variable). */
    ProcessRun mtd(Path dir, Map<String, String> env, String... args) throws IOException, InterruptedException {
        return run(launcher(), dir, env, args);
    }

    /** Runs {@code executable args}, e.g. a link to the launcher. */
    static ProcessRun run(Path executable, Path dir, Map<String, String> env, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(executable.toString());
        command.addAll(List.of(args));
        return ProcessRun.of(command, dir, env, COMMAND_TIMEOUT);
    }

    /** Every regular file under the installation, as paths relative to it with '/' separators. */
    List<String> files() throws IOException {
        try (Stream<Path> all = Files.walk(home)) {
            return all.filter(Files::isRegularFile).map(p -> home.relativize(p).toString().replace('\\', '/')).sorted().toList();
        }
    }

    /**
     * A directory holding links to only the commands the launcher needs besides java, for a PATH on which there is no
     * java.
     */
    static Path pathWithoutJava(Path dir) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("path-without-java"));
        for (String tool : List.of("dirname", "readlink")) {
            Path target = onPath(tool).orElseThrow(() -> new AssertionError(tool + " is not on the PATH"));
            if (!Files.exists(bin.resolve(tool), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.createSymbolicLink(bin.resolve(tool), target);
            }
        }
        return bin;
    }

    static Optional<Path> onPath(String command) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                .filter(d -> !d.isEmpty())
                .map(d -> Path.of(d, command))
                .filter(Files::isExecutable)
                .findFirst();
    }
}
