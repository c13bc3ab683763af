package io.mtd.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RegistryClientTest {

    private static final String DIGEST = TokenRegistryServer.DIGEST;
    private static final String TOKEN = TokenRegistryServer.TOKEN;
    private static final RegistryCredentials CI = TokenRegistryServer.CI;
    private static final String MANIFEST = TokenRegistryServer.MANIFEST;

    private TokenRegistryServer server;
    private String registry;
    private List<String> seen;

    @BeforeEach
    void start() throws IOException {
        server = new TokenRegistryServer();
        registry = server.registry;
        seen = server.seen;
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private ImageReference ref(String repoAndTag) {
        return ImageReference.parse(registry + "/" + repoAndTag);
    }

    @Test
    void answersABearerChallengeWithATokenFetchedWithTheCredentials() {
        RegistryClient client = new RegistryClient(CredentialSource.of(registry, CI));

        assertThat(client.manifestDigest(ref("team/shop:1.0"), false)).isEqualTo(DIGEST);

        assertThat(seen).hasSize(3);
        assertThat(seen.get(0)).startsWith("HEAD /v2/team/shop/manifests/1.0 accept=")
                .contains("application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json",
                        "application/vnd.oci.image.index.v1+json");
        assertThat(seen.get(1)).startsWith("token service=test-registry&scope=");
        assertThat(seen.get(2)).startsWith("HEAD /v2/team/shop/manifests/1.0");
    }

    @Test
    void refusedCredentialsAreReportedWithoutThePassword() {
        RegistryClient client = new RegistryClient(CredentialSource.of(registry, new RegistryCredentials("ci", "wrong-pass-77")));

        assertThatThrownBy(() -> client.manifestDigest(ref("team/shop:1.0"), false))
                .isInstanceOf(RegistryException.class)
                .hasMessageContaining("Registry " + registry + "'s token service http://" + registry + "/token refused")
                .hasMessageContaining("user 'ci'")
                .hasMessageContaining("build.authFile")
                .hasMessageNotContaining("wrong-pass-77");
    }

    @Test
    void withoutCredentialsTheTokenServiceRefusesAnonymousAccess() {
        assertThatThrownBy(() -> new RegistryClient(CredentialSource.NONE).manifestDigest(ref("team/shop:1.0"), false))
                .isInstanceOf(RegistryException.class)
                .hasMessageContaining("refused anonymous access");
    }

    @Test
    void aMissingTagIsNamed() {
        RegistryClient client = new RegistryClient(CredentialSource.of(registry, CI));

        assertThatThrownBy(() -> client.manifestDigest(ref("team/shop:2.0"), false))
                .isInstanceOf(RegistryException.class)
                .hasMessageContaining("has no image " + registry + "/team/shop:2.0")
                .hasMessageContaining("manifest '2.0' not found in repository 'team/shop'")
                .hasMessageNotContaining(TOKEN);
    }

    @Test
    void answersABasicChallenge() {
        assertThat(new RegistryClient(CredentialSource.of(registry, CI)).manifestDigest(ref("basic/app:1"), false))
                .isEqualTo(DIGEST);
        assertThatThrownBy(() -> new RegistryClient(CredentialSource.NONE).manifestDigest(ref("basic/app:1"), false))
                .isInstanceOf(RegistryException.class)
                .hasMessageContaining("requires a user name and password");
        assertThatThrownBy(() -> new RegistryClient(CredentialSource.of(registry, new RegistryCredentials("ci", "nope-nope")))
                        .manifestDigest(ref("basic/app:1"), false))
                .hasMessageContaining("refused the credentials for user 'ci'")
                .hasMessageNotContaining("nope-nope");
    }

    @Test
    void withoutTheDigestHeaderTheDigestIsThatOfTheManifestBytes() throws Exception {
        String expected = "sha256:" + HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(MANIFEST.getBytes(StandardCharsets.UTF_8)));

        assertThat(new RegistryClient(CredentialSource.NONE).manifestDigest(ref("plain/app:1"), false)).isEqualTo(expected);
        assertThat(seen).containsExactly("HEAD plain", "GET plain");
    }

    @Test
    void aRegistryThatIsNotRunningIsReportedAsUnreachable() throws IOException {
        int port;
        try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        ImageReference absent = ImageReference.parse("127.0.0.1:" + port + "/team/shop:1.0");

        assertThatThrownBy(() -> new RegistryClient(CredentialSource.NONE).manifestDigest(absent, false))
                .isInstanceOf(RegistryException.class)
                .hasMessageContaining("Cannot reach registry 127.0.0.1:" + port)
                .hasMessageContaining("connection refused");
    }

    @Test
    void challengeParametersMayHoldCommasInQuotes() {
        assertThat(RegistryClient.challengeParams("realm=\"https://auth.example.com/token\",service=\"reg\","
                + "scope=\"repository:a/b:pull,push\",error=insufficient_scope"))
                .containsEntry("realm", "https://auth.example.com/token")
                .containsEntry("service", "reg")
                .containsEntry("scope", "repository:a/b:pull,push")
                .containsEntry("error", "insufficient_scope");
    }
}
