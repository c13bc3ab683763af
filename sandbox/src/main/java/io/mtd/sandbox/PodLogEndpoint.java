package io.mtd.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code GET .../pods/NAME/log}: a Pod's log as the API server serves it, whole or its last {@code tailLines}, and with
 * {@code follow=true} streamed live until the container ends (which the mock web server's fixed-body responses cannot
 * do). A Pod whose container never started answers 400 with the reason it waits; an unknown Pod 404.
 */
final class PodLogEndpoint {

    private static final Pattern LOG_PATH = Pattern.compile("^/api/v1/namespaces/([^/]+)/pods/([^/?]+)/log(\\?.*)?$");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final PodLogs logs;
    private final SandboxCrudDispatcher dispatcher;
    private final Vertx vertx;

    PodLogEndpoint(PodLogs logs, SandboxCrudDispatcher dispatcher, Vertx vertx) {
        this.logs = logs;
        this.dispatcher = dispatcher;
        this.vertx = vertx;
    }

    /** The namespace and name of the Pod whose log {@code uri} asks for, or null when it is no log request. */
    static String[] pod(String uri) {
        Matcher log = LOG_PATH.matcher(uri);
        return log.matches() ? new String[] {log.group(1), log.group(2)} : null;
    }

    /** Answers {@code event}, a GET of the log of {@code namespace/pod}. */
    void serve(HttpServerRequest event, String namespace, String pod) {
        if (!logs.exists(namespace, pod)) {
            ApiResponses.send(event, noLogYet(namespace, pod));
            return;
        }
        String tailLines = event.getParam("tailLines");
        HttpServerResponse response = event.response();
        response.setStatusCode(200).putHeader("Content-Type", "text/plain");
        int tail = -1;
        try {
            tail = tailLines == null ? -1 : Integer.parseInt(tailLines);
        } catch (NumberFormatException e) {
            // As the API server: an unparsable tailLines means the whole log.
        }
        if (!"true".equals(event.getParam("follow"))) {
            List<String> lines = logs.lines(namespace, pod);
            if (tail >= 0 && lines.size() > tail) {
                lines = lines.subList(lines.size() - tail, lines.size());
            }
            StringBuilder body = new StringBuilder();
            lines.forEach(l -> body.append(l).append('\n'));
            response.end(body.toString());
            return;
        }
        response.setChunked(true);
        Chunks follower = new Chunks(response, vertx.getOrCreateContext());
        response.closeHandler(v -> logs.unfollow(namespace, pod, follower));
        logs.follow(namespace, pod, tail, follower);
    }

    /**
     * A live log's follower, as an API server copying a log file: whatever was written since the last write goes out as
     * one chunk. One write and flush per line made netty walk its outbound buffer per line for a reader a little behind,
     * so that such a reader fell further behind.
     */
    private static final class Chunks implements PodLogs.Follower {
        private final HttpServerResponse response;
        private final Context context;
        private final StringBuilder pending = new StringBuilder();
        private boolean scheduled;
        private boolean ended;

        Chunks(HttpServerResponse response, Context context) {
            this.response = response;
            this.context = context;
        }

        @Override
        public void line(String line) {
            synchronized (this) {
                pending.append(line).append('\n');
                if (scheduled) {
                    return;
                }
                scheduled = true;
            }
            context.runOnContext(v -> flush());
        }

        @Override
        public void end() {
            synchronized (this) {
                ended = true;
                if (scheduled) {
                    return;
                }
                scheduled = true;
            }
            context.runOnContext(v -> flush());
        }

        private void flush() {
            String chunk;
            boolean end;
            synchronized (this) {
                chunk = pending.toString();
                pending.setLength(0);
                scheduled = false;
                end = ended;
            }
            if (!response.ended() && !response.closed()) {
                if (!chunk.isEmpty()) {
                    response.write(chunk, StandardCharsets.UTF_8.name());
                }
                if (end) {
                    response.end();
                }
            }
        }
    }

    /** The API server's answer for the log of a Pod whose container never started, with the reason it waits. */
    private MockResponse noLogYet(String namespace, String pod) {
        MockResponse found = dispatcher.dispatch(new RecordedRequest("HTTP/1.1", HttpMethod.GET,
                "/api/v1/namespaces/" + namespace + "/pods/" + pod, Headers.builder().build(), new Buffer()));
        if (found.code() != 200) {
            return ApiResponses.status(404, "NotFound", "pods \"" + pod + "\" not found");
        }
        String container = "";
        String reason = "ContainerCreating";
        try {
            JsonNode podJson = JSON.readTree(found.getBody().readUtf8());
            container = podJson.path("spec").path("containers").path(0).path("name").asText("");
            String waiting = podJson.path("status").path("containerStatuses").path(0).path("state").path("waiting")
                    .path("reason").asText("");
            if (!waiting.isEmpty()) {
                reason = waiting;
            }
        } catch (IOException e) {
            // Keep the generic reason.
        }
        return ApiResponses.status(400, "BadRequest", "container \"" + container + "\" in pod \"" + pod
                + "\" is waiting to start: " + reason);
    }
}
