package io.mtd.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The registry's side of the API v2, as far as digest resolution needs it, served by the JDK's HTTP server. */
class RegistryClientTest {

    private static final String DIGEST = "sha256:" + "c0ffee".repeat(10) + "abcd";
    private static final String TOKEN = "tok-Zq81-secret";
    private static final RegistryCredentials CI = new RegistryCredentials("ci", "s3cret-pass");

    private HttpServer server;
    private String registry;
    private final List<String> seen = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        registry = "127.0.0.1:" + server.getAddress().getPort();
        server.createContext("/token", this::token);
        server.createContext("/v2/team/shop/manifests/", this::bearerProtectedManifest);
        server.createContext("/v2/basic/app/manifests/", this::basicProtectedManifest);
        server.createContext("/v2/plain/app/manifests/", this::manifestWithoutDigestHeader);
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void token(HttpExchange ex) throws IOException {
        String query = ex.getRequestURI().getRawQuery();
        seen.add("token " + query);
        boolean rightUser = ("Basic " + CI.basicToken()).equals(ex.getRequestHeaders().getFirst("Authorization"));
        boolean rightScope = query.contains("service=test-registry") && query.contains("scope=repository%3Ateam%2Fshop%3Apull");
        if (!rightUser || !rightScope) {
            reply(ex, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}");
            return;
        }
        reply(ex, 200, "{\"token\":\"" + TOKEN + "\",\"expires_in\":300}");
    }

    private void bearerProtectedManifest(HttpExchange ex) throws IOException {
        seen.add(ex.getRequestMethod() + " " + ex.getRequestURI().getPath() + " accept=" + ex.getRequestHeaders().getFirst("Accept"));
        if (!("Bearer " + TOKEN).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
            ex.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"http://" + registry + "/token\","
                    + "service=\"test-registry\",scope=\"repository:team/shop:pull\"");
            reply(ex, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\"}]}");
            return;
        }
        if (!ex.getRequestURI().getPath().endsWith("/1.0")) {
            reply(ex, 404, "{\"errors\":[{\"code\":\"MANIFEST_UNKNOWN\"}]}");
            return;
        }
        ex.getResponseHeaders().add("Docker-Content-Digest", DIGEST);
        ex.getResponseHeaders().add("Content-Type", "application/vnd.oci.image.manifest.v1+json");
        reply(ex, 200, null);
    }

    private void basicProtectedManifest(HttpExchange ex) throws IOException {
        if (!("Basic " + CI.basicToken()).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
            ex.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"registry\"");
            reply(ex, 401, "");
            return;
        }
        ex.getResponseHeaders().add("Docker-Content-Digest", DIGEST);
        reply(ex, 200, null);
    }

    private static final String MANIFEST = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"}";

    private void manifestWithoutDigestHeader(HttpExchange ex) throws IOException {
        seen.add(ex.getRequestMethod() + " plain");
        reply(ex, 200, ex.getRequestMethod().equals("HEAD") ? null : MANIFEST);
    }

    private static void reply(HttpExchange ex, int status, String body) throws IOException {
        if (body == null) {
            ex.sendResponseHeaders(status, -1);
        } else {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
            if (bytes.length > 0) {
                ex.getResponseBody().write(bytes);
            }
        }
        ex.close();
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
