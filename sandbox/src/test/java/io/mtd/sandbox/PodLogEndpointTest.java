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

import static org.assertj.core.api.Assertions.assertThat;

class PodLogEndpointTest {

    private final PodLogs logs = new PodLogs();
    private SandboxApiServer server;
    private String base;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() {
        server = new SandboxApiServer(new SandboxCrudDispatcher(), logs);
        base = "http://127.0.0.1:" + server.start();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private void pod(String name, String waitingReason) throws Exception {
        String status = waitingReason == null ? "" : ",\"status\":{\"containerStatuses\":[{\"name\":\"migrate\",\"state\":"
                + "{\"waiting\":{\"reason\":\"" + waitingReason + "\"}}}]}";
        http.send(HttpRequest.newBuilder(URI.create(base + "/api/v1/namespaces/shop/pods"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\""
                        + name + "\",\"namespace\":\"shop\"},\"spec\":{\"containers\":[{\"name\":\"migrate\",\"image\":\"x/y:1\"}]}"
                        + status + "}")).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aLogIsServedWholeOrItsLastLines() throws Exception {
        logs.open("shop", "m-1");
        logs.append("shop", "m-1", "one");
        logs.append("shop", "m-1", "two");
        logs.append("shop", "m-1", "three");

        HttpResponse<String> whole = get("/api/v1/namespaces/shop/pods/m-1/log");
        assertThat(whole.statusCode()).isEqualTo(200);
        assertThat(whole.headers().firstValue("Content-Type")).hasValue("text/plain");
        assertThat(whole.body()).isEqualTo("one\ntwo\nthree\n");
        assertThat(get("/api/v1/namespaces/shop/pods/m-1/log?tailLines=2").body()).isEqualTo("two\nthree\n");
        assertThat(get("/api/v1/namespaces/shop/pods/m-1/log?tailLines=0").body()).isEmpty();
        assertThat(get("/api/v1/namespaces/shop/pods/m-1/log?tailLines=many").body()).isEqualTo("one\ntwo\nthree\n");
    }

    @Test
    void aFollowedLogStreamsNewLinesUntilTheContainerEnds() throws Exception {
        logs.open("shop", "m-2");
        logs.append("shop", "m-2", "before");
        HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(
                URI.create(base + "/api/v1/namespaces/shop/pods/m-2/log?follow=true&tailLines=1")).build(),
                HttpResponse.BodyHandlers.ofInputStream());

        try (BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            assertThat(lines.readLine()).isEqualTo("before");
            logs.append("shop", "m-2", "while");
            assertThat(lines.readLine()).isEqualTo("while");
            logs.end("shop", "m-2");
            assertThat(lines.readLine()).isNull();
        }
    }

    @Test
    void theLogOfAPodWhoseContainerNeverStartedSaysWhyItWaits() throws Exception {
        pod("waiting", "CreateContainerConfigError");
        pod("new", null);

        HttpResponse<String> waiting = get("/api/v1/namespaces/shop/pods/waiting/log");
        assertThat(waiting.statusCode()).isEqualTo(400);
        assertThat(waiting.body()).contains("\"reason\":\"BadRequest\"")
                .contains("container \\\"migrate\\\" in pod \\\"waiting\\\" is waiting to start: CreateContainerConfigError");
        assertThat(get("/api/v1/namespaces/shop/pods/new/log").body()).contains("is waiting to start: ContainerCreating");
    }

    @Test
    void theLogOfAnUnknownPodIsNotFound() throws Exception {
        HttpResponse<String> missing = get("/api/v1/namespaces/shop/pods/nobody/log");

        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.body()).contains("pods \\\"nobody\\\" not found");
    }
}
