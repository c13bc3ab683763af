package io.mtd.sandbox;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class ApiWatchesTest {

    private SandboxApiServer server;
    private String base;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() {
        server = new SandboxApiServer(new SandboxCrudDispatcher(), new PodLogs());
        base = "http://127.0.0.1:" + server.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> createConfigMap(String name) throws Exception {
        return send("POST", "/api/v1/namespaces/shop/configmaps", "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
                + "\"metadata\":{\"name\":\"" + name + "\",\"namespace\":\"shop\"}}");
    }

    /** A watch's events; its headers arrive with its first event (the response is chunked), so the caller waits for them. */
    private CompletableFuture<HttpResponse<InputStream>> watch(String query) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create(base + "/api/v1/namespaces/shop/configmaps?watch=true" + query))
                .build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    private static BufferedReader events(CompletableFuture<HttpResponse<InputStream>> watch) throws Exception {
        HttpResponse<InputStream> response = watch.get(20, TimeUnit.SECONDS);
        assertThat(response.statusCode()).isEqualTo(200);
        return new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
    }

    @Test
    void aWatchOverHttpStreamsOneEventPerLineUntilItIsDropped() throws Exception {
        var watch = watch("");
        await().atMost(Duration.ofSeconds(10)).until(() -> server.watchesOpened() == 1);
        createConfigMap("first");
        try (BufferedReader events = events(watch)) {
            assertThat(events.readLine()).contains("\"type\":\"ADDED\"").contains("\"name\":\"first\"");

            server.dropWatches();

            assertThat(events.readLine()).isNull();
        }
    }

    @Test
    void aWatchResumedFromBeforeADeletionEndsWithGone() throws Exception {
        String version = createConfigMap("doomed").body().replaceAll(".*\"resourceVersion\":\"(\\d+)\".*", "$1");
        send("DELETE", "/api/v1/namespaces/shop/configmaps/doomed", null);

        try (BufferedReader events = events(watch("&resourceVersion=" + version))) {
            String event = events.readLine();
            assertThat(event).contains("\"type\":\"ERROR\"").contains("\"code\":410").contains("too old resource version: " + version);
            assertThat(events.readLine()).isNull();
        }
    }

    @Test
    void aWatchResumedWhenNothingWasDeletedReplaysTheObjects() throws Exception {
        String version = createConfigMap("kept").body().replaceAll(".*\"resourceVersion\":\"(\\d+)\".*", "$1");

        try (BufferedReader events = events(watch("&resourceVersion=" + version))) {
            assertThat(events.readLine()).contains("\"name\":\"kept\"");
        }
    }
}
