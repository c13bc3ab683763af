package io.mtd.image;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Debian's docker-registry (the CNCF distribution registry) on 127.0.0.1, plain HTTP, storing under a temporary directory. */
final class LocalRegistry implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private final Process process;
    private final int port;

    private LocalRegistry(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    static Optional<Path> executable() {
        return ImageBuilders.onPath("docker-registry", System.getenv());
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    static LocalRegistry start(Path dir) throws IOException {
        int port = freePort();
        Path storage = Files.createDirectories(dir.resolve("storage"));
        Path config = dir.resolve("config.yml");
        Files.writeString(config, String.join("\n",
                "version: 0.1",
                "log:",
                "  level: warn",
                "storage:",
                "  filesystem:",
                "    rootdirectory: " + storage,
                "  delete:",
                "    enabled: true",
                "http:",
                "  addr: 127.0.0.1:" + port,
                ""));
        Process process = new ProcessBuilder(executable().orElseThrow().toString(), "serve", config.toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("registry.log").toFile())
                .start();
        LocalRegistry registry = new LocalRegistry(process, port);
        try {
            await("docker-registry to listen on 127.0.0.1:" + port).atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> registry.answers() || !process.isAlive());
        } catch (RuntimeException e) {
            registry.close();
            throw e;
        }
        if (!process.isAlive()) {
            throw new IllegalStateException("docker-registry exited at start; see " + dir.resolve("registry.log"));
        }
        return registry;
    }

    private boolean answers() {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://" + address() + "/v2/")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    String address() {
        return "127.0.0.1:" + port;
    }

    /** The registry's own answer for a tag or digest, asked without the engine's client: empty when it has no such manifest. */
    Optional<String> digestOf(String repository, String reference) throws Exception {
        HttpResponse<Void> response = HTTP.send(HttpRequest.newBuilder(
                        URI.create("http://" + address() + "/v2/" + repository + "/manifests/" + reference))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .header("Accept", "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json")
                .build(), HttpResponse.BodyHandlers.discarding());
        return response.statusCode() == 200 ? response.headers().firstValue("Docker-Content-Digest") : Optional.empty();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
