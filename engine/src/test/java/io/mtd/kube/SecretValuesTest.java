package io.mtd.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SecretValuesTest {

    @Test
    void decodesDataAndLetsStringDataWinAsTheApiServerDoes() {
        var secret = new SecretBuilder()
                .withData(Map.of("url", "cG9zdGdyZXM6Ly9kYg==", "password", "aHVudGVyMg=="))
                .withStringData(Map.of("password", "hunter3", "user", "shop"))
                .build();
        assertThat(SecretValues.of(secret))
                .containsEntry("url", "postgres://db")
                .containsEntry("password", "hunter3") // stringData overwrites data on write, as the API server (and the sandbox's) folds it
                .containsEntry("user", "shop")
                .hasSize(3);
    }

    @Test
    void anEmptySecretHasNoValues() {
        assertThat(SecretValues.of(new SecretBuilder().build())).isEmpty();
    }
}
