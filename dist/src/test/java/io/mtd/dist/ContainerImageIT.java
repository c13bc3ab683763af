package io.mtd.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI's container image (-Pruntime,image): built from dist/Containerfile with buildah on the Linux x64 archive,
 * pushed to a registry on loopback, removed locally, pulled back from the registry and run there with buildah run.
 */
class ContainerImageIT {

    private static final String BUILD = "./mvnw -B -Pruntime,image -pl dist -am verify";
    private static final Duration SLOW = Duration.ofMinutes(15);

    @TempDir
    static Path dir;

    private static Path buildah;
    private static LoopbackRegistry registry;
    private static final List<String> IMAGES = new ArrayList<>();
    private static String container;
    private static Throwable setupFailure;

    /** Checked before each test, not once for the class, so that every skipped test is reported with the reason. */
    @BeforeEach
    void requireTheImageBuild() throws Exception {
        assumeTrue(System.getProperty("mtd.image") != null, "the image is built and tested with -Pruntime,image only: " + BUILD);
        assumeTrue(Installation.onPath("buildah").isPresent(),
                "buildah is not installed (apt-get install buildah): skipping the container image test");
        assumeTrue(Installation.onPath("docker-registry").isPresent(),
                "docker-registry is not installed (apt-get install docker-registry): skipping the container image test");
        if (System.getProperty("mtd.image.base", "").isBlank()) {
            assumeTrue(Installation.onPath("debootstrap").isPresent() || Files.isExecutable(Path.of("/usr/sbin/debootstrap")),
                    "no -Dimage.base given and debootstrap is not installed (apt-get install debootstrap) to build one");
            assumeTrue("root".equals(System.getProperty("user.name")),
                    "no -Dimage.base given, and building one with debootstrap needs root");
        }
        synchronized (ContainerImageIT.class) {
            if (setupFailure != null) {
                throw new AssertionError("building, pushing or pulling the image failed (see the first test)", setupFailure);
            }
            if (container == null) {
                try {
                    buildPushAndPull();
                } catch (Exception | AssertionError e) {
                    setupFailure = e;
                    throw e;
                }
            }
        }
    }

    private static void buildPushAndPull() throws Exception {
        buildah = Installation.onPath("buildah").orElseThrow();
        Path archive = Installation.archive("mtd.runtimeDistribution", BUILD);

        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String base = System.getProperty("mtd.image.base", "");
        if (base.isBlank()) {
            base = debianBase("localhost/mtd-it-base:" + suffix);
        }
        Installation context = Installation.unpack(archive, Files.createDirectories(dir.resolve("context")));
        String local = "localhost/mtd-it:" + suffix;
        buildah("bud", "--isolation", "chroot", "-f", System.getProperty("mtd.containerfile"), "--build-arg", "BASE=" + base,
                "-t", local, context.home().toString());
        IMAGES.add(local);
        System.out.println("image " + local + ": " + buildah("images", "--format", "{{.Size}}", local).stdout().strip()
                + " in local storage");

        registry = LoopbackRegistry.start(Installation.onPath("docker-registry").orElseThrow(),
                Files.createDirectories(dir.resolve("registry")));
        String pushed = registry.address() + "/mtd:" + System.getProperty("mtd.version");
        buildah("push", "--tls-verify=false", local, "docker://" + pushed);
        System.out.println("image " + pushed + ": " + compressedSize(pushed) + " bytes compressed in the registry");
        buildah("rmi", local);
        IMAGES.remove(local);

        container = buildah("from", "--tls-verify=false", "--pull-always", "docker://" + pushed).stdout().strip();
        IMAGES.add(pushed);
    }

    /** Builds a Debian base with dist/src/container/debian-base, where no base is given with -Dimage.base. */
    private static String debianBase(String tag) throws Exception {
        Map<String, String> env = Map.of("PATH", System.getenv("PATH") + ":/usr/sbin:/sbin");
        ProcessRun run = ProcessRun.of(List.of(System.getProperty("mtd.debianBase"), tag), dir, env, SLOW);
        assertThat(run.exitCode()).as(run.describe()).isZero();
        IMAGES.add(tag);
        return tag;
    }

    private static ProcessRun buildah(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(buildah.toString()));
        command.addAll(List.of(args));
        return ProcessRun.succeeding(command, dir, SLOW);
    }

    /** What a pull transfers: the config and layer blobs the registry's manifest names. */
    private static long compressedSize(String reference) throws Exception {
        int slash = reference.indexOf('/');
        int colon = reference.lastIndexOf(':');
        URI manifest = URI.create("http://" + reference.substring(0, slash) + "/v2/" + reference.substring(slash + 1, colon)
                + "/manifests/" + reference.substring(colon + 1));
        String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(manifest)
                .header("Accept", "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json")
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        return Pattern.compile("\"size\"\\s*:\\s*(\\d+)").matcher(body).results().mapToLong(m -> Long.parseLong(m.group(1))).sum();
    }

    @AfterAll
    static void removeWhatThisTestMade() throws Exception {
        if (buildah != null && container != null) {
            ProcessRun.of(List.of(buildah.toString(), "rm", container), dir, Map.of(), SLOW);
        }
        for (String image : IMAGES) {
            ProcessRun.of(List.of(buildah.toString(), "rmi", image), dir, Map.of(), SLOW);
        }
        if (registry != null) {
            registry.close();
        }
    }

    private static ProcessRun inContainer(String... command) throws Exception {
        List<String> run = new ArrayList<>(List.of(buildah.toString(), "run", "--isolation", "chroot", container, "--"));
        run.addAll(List.of(command));
        return ProcessRun.of(run, dir, Map.of(), SLOW);
    }

    @Test
    void thePulledImageRunsMtdVersion() throws Exception {
        ProcessRun run = inContainer("mtd", "--version");

        assertThat(run.exitCode()).as(run.describe()).isZero();
        assertThat(run.stdout()).startsWith("mtd " + System.getProperty("mtd.version") + " (");
    }

    @Test
    void itRunsAsUid1000WithAHomeNotAsRoot() throws Exception {
        ProcessRun run = inContainer("sh", "-c", "id -u; echo \"$HOME\"; touch \"$HOME/written\"");

        assertThat(run.exitCode()).as(run.describe()).isZero();
        assertThat(run.stdout()).isEqualTo("1000\n/home/mtd\n");
    }

    @Test
    void theFlywayDemoRunsInTheImage() throws Exception {
        ProcessRun run = inContainer("mtd", "demo", "--example", "/opt/mtd/examples/inventory");

        assertThat(run.exitCode()).as(run.describe()).isZero();
        assertThat(run.stdout()).contains("Summary: inventory succeeded");
    }
}
