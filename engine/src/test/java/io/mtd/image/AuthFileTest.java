package io.mtd.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthFileTest {

    @TempDir
    Path dir;

    private Path file(String name, String json) throws Exception {
        Path f = dir.resolve(name);
        Files.createDirectories(f.getParent());
        Files.writeString(f, json);
        return f;
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsBase64AuthAndUserPasswordFieldsByHost() throws Exception {
        AuthFile auth = AuthFile.read(file("config.json", """
                {"auths": {
                  "registry.example.com": {"auth": "%s"},
                  "https://quay.io/v2/": {"username": "robot", "password": "pa:ss"},
                  "127.0.0.1:5000": {"auth": "%s"}
                }}""".formatted(b64("ci:s3cret:with:colons"), b64("local:pw"))));

        assertThat(auth.lookup("registry.example.com")).contains(new RegistryCredentials("ci", "s3cret:with:colons"));
        assertThat(auth.lookup("quay.io")).contains(new RegistryCredentials("robot", "pa:ss"));
        assertThat(auth.lookup("127.0.0.1:5000")).contains(new RegistryCredentials("local", "pw"));
        assertThat(auth.lookup("127.0.0.1:5001")).isEmpty();
        assertThat(auth.lookup("other.example.com")).isEmpty();
    }

    @Test
    void dockerHubsLegacyKeyServesDockerIo() throws Exception {
        AuthFile auth = AuthFile.read(file("config.json",
                "{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"" + b64("hubuser:hubpass") + "\"}}}"));

        assertThat(auth.lookup(ImageReference.parse("nginx").registry())).contains(new RegistryCredentials("hubuser", "hubpass"));
    }

    @Test
    void aBrokenEntryIsNamedWithoutShowingItsValue() throws Exception {
        AuthFile notBase64 = AuthFile.read(file("a.json", "{\"auths\":{\"r.example.com\":{\"auth\":\"%%%topsecret\"}}}"));
        assertThatThrownBy(() -> notBase64.lookup("r.example.com"))
                .isInstanceOf(RegistryException.class)
                .hasMessageContaining("'r.example.com'").hasMessageContaining("not valid base64")
                .hasMessageNotContaining("topsecret");

        AuthFile noColon = AuthFile.read(file("b.json", "{\"auths\":{\"r.example.com\":{\"auth\":\"" + b64("topsecret") + "\"}}}"));
        assertThatThrownBy(() -> noColon.lookup("r.example.com"))
                .hasMessageContaining("not base64 of user:password").hasMessageNotContaining("topsecret");

        Path notJson = file("c.json", "{\"auths\": topsecret");
        assertThatThrownBy(() -> AuthFile.read(notJson))
                .isInstanceOf(RegistryException.class)
                .hasMessageContaining(notJson.toString()).hasMessageContaining("not valid JSON")
                .hasMessageNotContaining("topsecret");
        assertThatThrownBy(() -> AuthFile.read(dir.resolve("missing.json"))).hasMessageContaining("does not exist");
    }

    @Test
    void machineDefaultsPreferRegistryAuthFileThenContainersThenDocker() throws Exception {
        Path home = dir.resolve("home");
        file("home/.docker/config.json", "{\"auths\":{\"a.example.com\":{\"auth\":\"" + b64("docker:1") + "\"},"
                + "\"b.example.com\":{\"auth\":\"" + b64("docker:2") + "\"},"
                + "\"c.example.com\":{\"auth\":\"" + b64("docker:3") + "\"}}}");
        file("run/containers/auth.json", "{\"auths\":{\"a.example.com\":{\"auth\":\"" + b64("containers:1") + "\"},"
                + "\"b.example.com\":{\"auth\":\"" + b64("containers:2") + "\"}}}");
        Path explicit = file("explicit.json", "{\"auths\":{\"a.example.com\":{\"auth\":\"" + b64("explicit:1") + "\"}}}");

        CredentialSource source = CredentialSource.machineDefaults(
                Map.of("REGISTRY_AUTH_FILE", explicit.toString(), "XDG_RUNTIME_DIR", dir.resolve("run").toString()), home);

        assertThat(source.lookup("a.example.com")).map(RegistryCredentials::username).contains("explicit");
        assertThat(source.lookup("b.example.com")).map(RegistryCredentials::username).contains("containers");
        assertThat(source.lookup("c.example.com")).map(RegistryCredentials::username).contains("docker");
        assertThat(source.lookup("d.example.com")).isEmpty();
        assertThat(CredentialSource.machineDefaults(Map.of(), dir.resolve("nohome")).lookup("a.example.com")).isEmpty();
    }

    @Test
    void callerCredentialsWinAndAWrittenFileReadsBack() throws Exception {
        RegistryCredentials given = new RegistryCredentials("jenkins", "tok3n-value");
        CredentialSource caller = CredentialSource.of("127.0.0.1:5000", given);
        CredentialSource files = r -> java.util.Optional.of(new RegistryCredentials("file", "x"));

        assertThat(caller.orElse(files).lookup("127.0.0.1:5000")).contains(given);
        assertThat(caller.orElse(files).lookup("elsewhere.example.com")).map(RegistryCredentials::username).contains("file");
        assertThat(given.toString()).doesNotContain("tok3n-value").contains("jenkins");

        Path written = dir.resolve("auth.json");
        AuthFile.write(written, "127.0.0.1:5000", given);
        assertThat(AuthFile.read(written).lookup("127.0.0.1:5000")).contains(given);
        assertThat(Files.getPosixFilePermissions(written)).hasSize(2);
    }
}
