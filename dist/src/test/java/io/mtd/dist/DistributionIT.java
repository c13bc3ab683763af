package io.mtd.dist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The portable archive as a user gets it: unpacked with tar (and unzip), {@code bin/mtd} run with the real java. */
class DistributionIT {

    private static final String BUILD = "./mvnw -B -pl dist -am verify";

    @TempDir
    static Path unpacked;

    private static Installation installation;

    @TempDir
    Path work;

    @BeforeAll
    static void unpackTheTarball() throws Exception {
        installation = Installation.unpack(Installation.archive("mtd.distribution", BUILD), unpacked);
    }

    @Test
    void versionNamesTheReleaseAndTheCommitItWasBuiltFrom() throws Exception {
        ProcessRun run = installation.mtd(work, Map.of(), "--version");

        assertThat(run.exitCode()).as(run.describe()).isZero();
        String version = System.getProperty("mtd.version");
        Matcher line = Pattern.compile("mtd (\\S+) \\((?:commit ([0-9a-f]{7,40})|unknown commit)(, with uncommitted changes)?\\)\\n")
                .matcher(run.stdout());
        assertThat(line.matches()).as("the version line: %s", run.stdout()).isTrue();
        assertThat(line.group(1)).isEqualTo(version);
        ProcessRun head = ProcessRun.of(List.of("git", "rev-parse", "HEAD"), Path.of(System.getProperty("mtd.source")),
                Map.of(), Duration.ofSeconds(30));
        if (head.exitCode() == 0) {
            assertThat(line.group(2)).as("the commit of the checkout the archive was built from").isNotNull();
            assertThat(head.stdout().strip()).startsWith(line.group(2));
        } else {
            // a source tarball without .git: the build records no commit, and says so
            assertThat(run.stdout()).contains("(unknown commit)");
        }
    }

    @Test
    void plansAnExampleFromAnotherDirectory() throws Exception {
        Path plan = installation.home().resolve("examples/shop/mtd.yaml");

        ProcessRun run = installation.mtd(work, Map.of(), "plan", plan.toString());

        assertThat(run.exitCode()).as(run.describe()).isZero();
        assertThat(run.stdout()).contains("(valid)").contains("app: shop").containsPattern("kind: \"?Job\"?\n");
    }

    @Test
    void aMissingPlanIsOneUsageErrorWithoutAStackTrace() throws Exception {
        ProcessRun run = installation.mtd(work, Map.of(), "plan", "no-such-plan.yaml");

        assertThat(run.exitCode()).as(run.describe()).isEqualTo(2);
        assertThat(run.stdout() + run.stderr()).contains("no-such-plan.yaml does not exist").doesNotContain("\tat ");
    }

    @Test
    void aLinkOnThePathFindsItsInstallation() throws Exception {
        Path bin = Files.createDirectories(work.resolve("usr/local/bin"));
        Files.createSymbolicLink(bin.resolve("mtd"), installation.launcher());
        Path relative = Files.createDirectories(work.resolve("tools"));
        Files.createSymbolicLink(relative.resolve("mtd"), relative.relativize(bin.resolve("mtd")));

        ProcessRun absolute = Installation.run(bin.resolve("mtd"), work, Map.of(), "--version");
        ProcessRun chained = ProcessRun.of(List.of("sh", "-c", "mtd --version"), work,
                Map.of("PATH", relative + ":" + System.getenv("PATH")), Installation.COMMAND_TIMEOUT);

        assertThat(absolute.exitCode()).as(absolute.describe()).isZero();
        assertThat(chained.exitCode()).as(chained.describe()).isZero();
        assertThat(chained.stdout()).isEqualTo(absolute.stdout()).startsWith("mtd " + System.getProperty("mtd.version"));
    }

    @Test
    void aJavaHomeWithoutJavaIsRefusedWithExitCode127() throws Exception {
        Path empty = Files.createDirectories(work.resolve("not-a-jdk"));

        ProcessRun run = installation.mtd(work, Map.of("JAVA_HOME", empty.toString()), "--version");

        assertThat(run.exitCode()).as(run.describe()).isEqualTo(127);
        assertThat(run.stderr().strip()).isEqualTo("mtd: JAVA_HOME (" + empty + ") has no bin/java: point it at a Java 17"
                + " or newer, or unset it to use the java on the PATH");
    }

    @Test
    void noJavaAnywhereIsRefusedWithExitCode127() throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("JAVA_HOME", null);
        env.put("PATH", Installation.pathWithoutJava(work).toString());

        ProcessRun run = installation.mtd(work, env, "--version");

        assertThat(run.exitCode()).as(run.describe()).isEqualTo(127);
        assertThat(run.stderr()).startsWith("mtd: no java on the PATH: install a Java 17 or newer runtime");
    }

    @Test
    void theZipUnpacksToTheSameInstallation() throws Exception {
        assumeTrue(Installation.onPath("unzip").isPresent(), "unzip is not installed (apt-get install unzip): skipping the .zip check");
        Path zip = Path.of(System.getProperty("mtd.distribution").replaceFirst("\\.tar\\.gz$", ".zip"));

        Installation fromZip = Installation.unpack(zip, Files.createDirectories(work.resolve("zip")));
        ProcessRun run = fromZip.mtd(work, Map.of(), "--version");

        assertThat(fromZip.home().getFileName()).isEqualTo(installation.home().getFileName());
        assertThat(fromZip.files()).isEqualTo(installation.files());
        assertThat(run.exitCode()).as(run.describe()).isZero();
    }

    @Test
    void everyBundledLibraryIsListedWithItsLicenceAndItsNoticesAreKept() throws Exception {
        Set<String> bundled;
        try (Stream<Path> jars = Files.list(installation.home().resolve("lib"))) {
            bundled = jars.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith("mtd-")).collect(Collectors.toSet());
        }
        String thirdParty = Files.readString(installation.home().resolve("THIRD-PARTY.txt"), StandardCharsets.UTF_8);
        // lines such as: * Jackson-core (com.fasterxml.jackson.core:jackson-core:2.21.2 - https://...)
        Set<String> listed = Pattern.compile("\\* .* \\([^:()\\s]+:([^:()\\s]+):([^:()\\s]+) - ").matcher(thirdParty).results()
                .map(m -> m.group(1) + "-" + m.group(2) + ".jar")
                .collect(Collectors.toSet());
        Set<String> noticeDirs;
        try (Stream<Path> dirs = Files.list(installation.home().resolve("licenses"))) {
            noticeDirs = dirs.map(p -> p.getFileName() + ".jar").collect(Collectors.toSet());
        }

        assertThat(bundled).isNotEmpty();
        assertThat(listed).as("libraries in THIRD-PARTY.txt").isEqualTo(bundled);
        assertThat(bundled).as("libraries in lib/").containsAll(noticeDirs);
        assertThat(installation.files()).as("NOTICE files kept from the libraries' jars")
                .anySatisfy(f -> assertThat(f).matches("licenses/[^/]+/NOTICE.*"));
    }
}
