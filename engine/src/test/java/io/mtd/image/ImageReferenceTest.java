package io.mtd.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ImageReferenceTest {

    private static final String DIGEST = "sha256:" + "ab".repeat(32);

    @Test
    void fillsInDockerHubDefaults() {
        ImageReference nginx = ImageReference.parse("nginx");

        assertThat(nginx).isEqualTo(new ImageReference("docker.io", "library/nginx", "latest", null));
        assertThat(nginx.apiHost()).isEqualTo("registry-1.docker.io");
        assertThat(ImageReference.parse("bitnami/redis:7.2").repository()).isEqualTo("bitnami/redis");
        assertThat(ImageReference.parse("index.docker.io/nginx:1.25").toString()).isEqualTo("docker.io/library/nginx:1.25");
    }

    @Test
    void keepsARegistryWithPortAndATag() {
        ImageReference ref = ImageReference.parse("127.0.0.1:5000/team/shop:1.4.0");

        assertThat(ref.registry()).isEqualTo("127.0.0.1:5000");
        assertThat(ref.repository()).isEqualTo("team/shop");
        assertThat(ref.tag()).isEqualTo("1.4.0");
        assertThat(ref.digest()).isNull();
        assertThat(ref.apiHost()).isEqualTo("127.0.0.1:5000");
        assertThat(ref.manifestReference()).isEqualTo("1.4.0");
        assertThat(ref.loopbackRegistry()).isTrue();
    }

    @Test
    void aFirstComponentWithoutDotOrPortIsPartOfTheRepository() {
        assertThat(ImageReference.parse("team/shop").registry()).isEqualTo("docker.io");
        assertThat(ImageReference.parse("localhost/shop").registry()).isEqualTo("localhost");
        assertThat(ImageReference.parse("localhost:5000/shop").registry()).isEqualTo("localhost:5000");
    }

    @Test
    void parsesDigestsWithAndWithoutTag() {
        ImageReference pinned = ImageReference.parse("registry.example.com/shop@" + DIGEST);
        assertThat(pinned.tag()).isNull();
        assertThat(pinned.digest()).isEqualTo(DIGEST);
        assertThat(pinned.toString()).isEqualTo("registry.example.com/shop@" + DIGEST);

        ImageReference both = ImageReference.parse("registry.example.com/shop:1.4@" + DIGEST);
        assertThat(both.tag()).isEqualTo("1.4");
        assertThat(both.manifestReference()).isEqualTo(DIGEST);
        assertThat(both.loopbackRegistry()).isFalse();
    }

    @Test
    void pinningDropsTheTag() {
        assertThat(ImageReference.parse("127.0.0.1:5000/shop:1.4").pinnedTo(DIGEST).toString())
                .isEqualTo("127.0.0.1:5000/shop@" + DIGEST);
        assertThat(ImageReference.parse("nginx:1.25").pinnedTo(DIGEST).toString())
                .isEqualTo("docker.io/library/nginx@" + DIGEST);
    }

    @Test
    void rejectsInvalidReferencesNamingThePart() {
        assertThatThrownBy(() -> ImageReference.parse("registry.example.com/Shop:1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'registry.example.com/Shop:1'")
                .hasMessageContaining("repository 'Shop' must be lower-case");
        assertThatThrownBy(() -> ImageReference.parse("shop:-bad"))
                .hasMessageContaining("tag '-bad'");
        assertThatThrownBy(() -> ImageReference.parse("shop@sha256:xyz"))
                .hasMessageContaining("digest 'sha256:xyz' must look like sha256:<64 hex digits>");
        assertThatThrownBy(() -> ImageReference.parse(" "))
                .hasMessageContaining("empty");
    }
}
