package io.mtd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command mtd prints for starting itself: what works for how it was installed and where it is typed. */
class LauncherTest {

    @TempDir
    Path dir;

    private Path executable(Path file) throws Exception {
        Files.createDirectories(file.getParent());
        Files.writeString(file, "#!/bin/sh\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }

    @Test
    void aCheckoutIsStartedWithItsScriptRelativeToTheDirectoryItIsTypedIn() throws Exception {
        Path root = dir.resolve("repo");
        executable(root.resolve("mtd"));
        Path jar = Files.createDirectories(root.resolve("cli/target")).resolve("mtd-cli-0.1.0-SNAPSHOT.jar");
        Path classes = root.resolve("cli/target/classes");

        assertThat(Launcher.command(jar, root, "/usr/bin")).isEqualTo("./mtd");
        assertThat(Launcher.command(classes, root, "/usr/bin")).isEqualTo("./mtd");
        assertThat(Launcher.command(jar, dir, "/usr/bin")).isEqualTo("./repo/mtd");
        assertThat(Launcher.command(jar, root.resolve("examples"), "/usr/bin")).isEqualTo(root.resolve("mtd").toString());
    }

    @Test
    void aDistributionOnThePathIsMtdAndElseItsLaunchersPath() throws Exception {
        Path home = dir.resolve("opt/mtd-0.1.0");
        Path launcher = executable(home.resolve("bin/mtd"));
        Path jar = Files.createDirectories(home.resolve("lib")).resolve("mtd-cli-0.1.0.jar");
        Path bin = Files.createDirectories(dir.resolve("usr/local/bin"));

        assertThat(Launcher.command(jar, dir, bin.toString())).isEqualTo(launcher.toString());
        Files.createSymbolicLink(bin.resolve("mtd"), launcher);
        assertThat(Launcher.command(jar, dir, "/nonexistent:" + bin)).isEqualTo("mtd");
        // another mtd first on the PATH is not this one
        executable(dir.resolve("other/mtd"));
        assertThat(Launcher.command(jar, dir, dir.resolve("other") + ":" + bin)).isEqualTo(launcher.toString());
    }

    @Test
    void anythingElseIsMtd() {
        assertThat(Launcher.command(dir.resolve("app.jar"), dir, "")).isEqualTo("mtd");
    }

    @Test
    void onlyADistributionHasAnInstallationWithItsExamples() throws Exception {
        Path home = dir.resolve("opt/mtd-0.1.0");
        executable(home.resolve("bin/mtd"));
        Path repo = dir.resolve("repo");
        executable(repo.resolve("mtd"));

        assertThat(Launcher.installation(home.resolve("lib/mtd-cli-0.1.0.jar"))).contains(home);
        assertThat(Launcher.installation(repo.resolve("cli/target/mtd-cli-0.1.0-SNAPSHOT.jar"))).isEmpty();
        assertThat(Launcher.installation(dir.resolve("lib/app.jar"))).isEmpty();
    }
}
