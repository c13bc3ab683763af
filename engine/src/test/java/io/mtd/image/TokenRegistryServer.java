package io.mtd.image;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The registry's side of the API v2, as far as digest resolution needs it, served by the JDK's HTTP server: a
 * Bearer-protected {@code team/shop} (tag 1.0), a Basic-protected {@code basic/app} and a {@code plain/app} whose
 * HEAD answers lack the digest header.
 */
final class TokenRegistryServer implements AutoCloseable {

    static final String DIGEST = "sha256:" + "c0ffee".repeat(10) + "abcd";
    static final String TOKEN = "tok-Zq81-secret";
    static final RegistryCredentials CI = new RegistryCredentials("ci", "s3cret-pass");
    static final String MANIFEST = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"}";

    private final HttpServer server;
    final String registry;
    final List<String> seen = new CopyOnWriteArrayList<>();

    TokenRegistryServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        registry = "127.0.0.1:" + server.getAddress().getPort();
        server.createContext("/token", this::token);
        server.createContext("/v2/team/shop/manifests/", this::bearerProtectedManifest);
        server.createContext("/v2/basic/app/manifests/", this::basicProtectedManifest);
        server.createContext("/v2/plain/app/manifests/", this::manifestWithoutDigestHeader);
        server.start();
    }

    @Override
    public void close() {
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
}
