package io.mtd.sandbox;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SandboxImageTest {

    @TempDir
    Path dir;

    private String userIn(String json) throws Exception {
        Files.writeString(dir.resolve(SandboxImage.CONFIG_FILE), json);
        return SandboxImage.configuredUser(dir);
    }

    @Test
    void theUserComesFromTheImageConfigInTheDirectory() throws Exception {
        assertThat(SandboxImage.configuredUser(dir)).isNull();
        assertThat(userIn("{\"config\": {\"User\": \"10001\"}}")).isEqualTo("10001");
        assertThat(userIn("{\"config\": {\"User\": \"app:app\"}}")).isEqualTo("app:app");
        assertThat(userIn("{\"config\": {}}")).isEmpty();
        assertThat(userIn("{\"config\": {\"User\": null}}")).isEmpty();
    }

    @Test
    void aConfigOfAnotherShapeIsAClearError() {
        assertThatThrownBy(() -> userIn("{\"config\": {\"User\": \"1\"")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(SandboxImage.CONFIG_FILE).hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> userIn("{\"User\": \"10001\"}")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("{\"config\": {\"User\": \"10001\"}}");
        assertThatThrownBy(() -> userIn("{\"config\": {\"User\": \"1\", \"Env\": []}}")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("remove config.Env");
        assertThatThrownBy(() -> userIn("{\"config\": {\"User\": 10001}}")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("config.User must be a string");
    }

    @Test
    void anImageRegisteredFromADirectoryTakesItsUserUnlessTheRegistrationNamesOne() throws Exception {
        Files.writeString(dir.resolve(SandboxImage.CONFIG_FILE), "{\"config\": {\"User\": \"10001\"}}");
        try (Sandbox sandbox = Sandbox.start()) {
            sandbox.kubelet().registerImage("registry.example.com/from-dir", new SandboxImage(dir, List.of(), Map.of()));
            sandbox.kubelet().registerImage("registry.example.com/named", new SandboxImage(dir, List.of(), Map.of(), "0"));

            assertThat(sandbox.kubelet().image("registry.example.com/from-dir:1").user()).isEqualTo("10001");
            assertThat(sandbox.kubelet().image("registry.example.com/named@sha256:abc").user()).isEqualTo("0");
            assertThat(sandbox.kubelet().image("registry.example.com/unknown:1")).isNull();

            // a tag registered on its own runs from its own directory; the repository's other tags from the repository's
            Path older = Files.createDirectories(dir.resolve("older"));
            sandbox.kubelet().registerImage("registry.example.com/from-dir:0.9", new SandboxImage(older, List.of(), Map.of()));
            assertThat(sandbox.kubelet().image("registry.example.com/from-dir:0.9").workingDir()).isEqualTo(older);
            assertThat(sandbox.kubelet().image("registry.example.com/from-dir:0.9@sha256:abc").workingDir()).isEqualTo(older);
            assertThat(sandbox.kubelet().image("registry.example.com/from-dir:1.0").workingDir()).isEqualTo(dir);
            assertThat(sandbox.kubelet().image("registry.example.com/from-dir@sha256:abc").workingDir()).isEqualTo(dir);
        }
    }

    @Test
    void theExampleImagesRunAsANumericNonRootUser() {
        for (String example : List.of("shop", "inventory", "django")) {
            String user = SandboxImage.configuredUser(Path.of("..", "examples", example));
            assertThat(user).as(example).isNotNull().matches("[0-9]+(:[0-9]+)?");
            assertThat(Long.parseLong(user.split(":")[0])).as(example).isPositive();
        }
    }
}
