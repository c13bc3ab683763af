package io.mtd.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import io.fabric8.mockwebserver.vertx.ServerWebSocketHandler;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.ServerWebSocket;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The sandbox's HTTP front: serves Pod logs itself (streaming them live with {@code follow=true}, which the mock web
 * server's fixed-body responses cannot do) and hands every other request to fabric8's CRUD dispatcher, keeping track
 * of watch connections so that they can be dropped.
 */
final class SandboxApiServer implements AutoCloseable {

    private static final Pattern JOBS_PATH = Pattern.compile("^/apis/batch/v1/namespaces/[^/]+/jobs/?(\\?.*)?$");
    private static final Pattern SECRETS_PATH = Pattern.compile("^/api/v1/namespaces/([^/]+)/secrets(/[^/?]+)?/?(\\?.*)?$");
    private static final Pattern LOG_PATH = Pattern.compile("^/api/v1/namespaces/([^/]+)/pods/([^/?]+)/log(\\?.*)?$");

    private static final ObjectMapper JSON = new ObjectMapper();
    private final Vertx vertx = Vertx.vertx();
    private final SandboxCrudDispatcher dispatcher;
    private final PodLogs logs;
    private final Set<ServerWebSocket> watches = ConcurrentHashMap.newKeySet();
    private final Set<HttpWatch> httpWatches = ConcurrentHashMap.newKeySet();
    private final AtomicInteger watchesOpened = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong requests = new java.util.concurrent.atomic.AtomicLong();
    private final List<RequestFault> requestFaults = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final ExecutorService closer = Executors.newCachedThreadPool(SandboxKubelet.daemon("sandbox-watch-close"));
    private HttpServer server;

    private final RbacAuthorizer rbac;

    SandboxApiServer(SandboxCrudDispatcher dispatcher, PodLogs logs) {
        this.dispatcher = dispatcher;
        this.rbac = new RbacAuthorizer(dispatcher);
        this.logs = logs;
    }

    int start() {
        server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)
                .setHandle100ContinueAutomatically(true)
                .setWebSocketSubProtocols(List.of("v4.channel.k8s.io", "v3.channel.k8s.io", "v2.channel.k8s.io", "channel.k8s.io")));
        server.requestHandler(this::handle);
        return await(server.listen()).actualPort();
    }

    int watchesOpened() {
        return watchesOpened.get();
    }

    void dropWatches() {
        for (ServerWebSocket watch : List.copyOf(watches)) {
            watches.remove(watch);
            if (watch.isClosed()) {
                continue;
            }
            // A real API server ends watches at will (timeouts, restarts); clients must re-watch.
            watch.close((short) 1000, "watch dropped by the sandbox");
        }
        for (HttpWatch watch : List.copyOf(httpWatches)) {
            watch.close(1000, "watch dropped by the sandbox");
        }
    }

    /** Answers requests of {@code method} whose path matches {@code path} with {@code code}, until cleared. */
    record RequestFault(String method, Pattern path, int code) {
        boolean matches(HttpServerRequest event) {
            return method.equalsIgnoreCase(event.method().name()) && path.matcher(event.path()).matches();
        }
    }

    void failRequests(RequestFault fault) {
        requestFaults.add(fault);
    }

    void clearRequestFaults() {
        requestFaults.clear();
    }

    long requests() {
        return requests.get();
    }

    /** Issues a bearer token for a service account whose requests are then held to its Roles. */
    String serviceAccountToken(String namespace, String name) {
        return rbac.token(namespace, name);
    }

    private void handle(HttpServerRequest event) {
        requests.incrementAndGet();
        for (RequestFault fault : requestFaults) {
            if (fault.matches(event)) {
                // read the request body first: answering before it is consumed would leave its bytes on a kept-alive
                // connection, where they would be taken for the next request
                MockResponse failure = status(fault.code(), "InternalError", "injected by the sandbox: " + event.method() + " "
                        + event.path());
                event.body().onSuccess(body -> send(event, failure)).onFailure(err -> failed(event, err));
                return;
            }
        }
        String upgrade = event.getHeader("Upgrade");
        RbacAuthorizer.Denial forbidden = rbac.deny(event.method().name(), event.uri(), event.getHeader("Authorization"),
                isWatch(event));
        if (forbidden != null) {
            // a watch over WebSocket shows only the status line: put the API server's message there too
            event.response().setStatusCode(403).setStatusMessage(forbidden.message())
                    .putHeader("Content-Type", "application/json").end(forbidden.response().getBody().readUtf8());
            return;
        }
        if (isWatch(event) && tooOld(event.getParam("resourceVersion"), event.uri())) {
            expire(event, upgrade != null && upgrade.toLowerCase(Locale.ROOT).contains("websocket"));
            return;
        }
        if (upgrade != null && upgrade.toLowerCase(Locale.ROOT).contains("websocket")) {
            RecordedRequest request = recorded(event, null);
            MockResponse response = dispatcher.dispatch(request);
            if (response.getWebSocketListener() != null) {
                MockResponse offloaded = new MockResponse().setResponseCode(response.code()).setHeaders(response.getHeaders())
                        .withWebSocketUpgrade(new OffLoopClose(response.getWebSocketListener()));
                event.toWebSocket().onSuccess(ws -> {
                    watches.add(ws);
                    watchesOpened.incrementAndGet();
                    new ServerWebSocketHandler(request, offloaded).handle(ws);
                }).onFailure(err -> failed(event, err));
                return;
            }
            send(event, response);
            return;
        }
        if (event.method() == io.vertx.core.http.HttpMethod.GET && isWatch(event)) {
            RecordedRequest request = recorded(event, null);
            MockResponse response = dispatcher.dispatch(request);
            if (response.getWebSocketListener() != null) {
                watchesOpened.incrementAndGet();
                new HttpWatch(event, request, response);
                return;
            }
            send(event, response);
            return;
        }
        MockResponse discovery = Discovery.respond(event.method().name(), event.path());
        if (discovery != null) {
            send(event, discovery);
            return;
        }
        Matcher log = LOG_PATH.matcher(event.uri());
        if (log.matches() && event.method() == io.vertx.core.http.HttpMethod.GET) {
            servePodLog(event, log.group(1), log.group(2), event.getParam("follow"), event.getParam("tailLines"));
            return;
        }
        event.body().onSuccess(body -> {
            MockResponse response;
            try {
                response = dispatch(recorded(event, body));
                if (event.method() == io.vertx.core.http.HttpMethod.GET && response.code() == 200) {
                    response = typedList(event.path(), response);
                }
            } catch (RuntimeException e) {
                failed(event, e);
                return;
            }
            send(event, response);
        }).onFailure(err -> failed(event, err));
    }

    private MockResponse dispatch(RecordedRequest request) {
        if (request.getPath().equals("/version") || request.getPath().startsWith("/version?")) {
            return json(200, "{\"major\":\"1\",\"minor\":\"31\",\"gitVersion\":\"v1.31.0-sandbox\",\"platform\":\"linux/amd64\"}");
        }
        if (request.method() == HttpMethod.POST && (request.getPath().startsWith("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews")
                || request.getPath().startsWith("/apis/authentication.k8s.io/v1/selfsubjectreviews"))) {
            return rbac.review(request);
        }
        if (request.method() == HttpMethod.POST && JOBS_PATH.matcher(request.getPath()).matches()) {
            request = withJobDefaults(request);
        }
        boolean secret = SECRETS_PATH.matcher(request.getPath()).matches();
        if (secret && (request.method() == HttpMethod.POST || request.method() == HttpMethod.PUT)) {
            request = withStringDataFolded(request);
        }
        String contentType = request.getHeader("Content-Type");
        if (request.method() == HttpMethod.PATCH && contentType != null
                && contentType.startsWith("application/strategic-merge-patch+json")) {
            return strategicMergePatch(request, secret);
        }
        MockResponse response = dispatcher.dispatch(request);
        return secret && request.method() == HttpMethod.PATCH ? foldStored(request, response) : response;
    }

    /**
     * A Secret as the API server stores it: {@code stringData} folded into {@code data} (base64), its value winning for
     * a key in both, and gone; readers (the kubelet, the engine) then see only {@code data}, as on a real cluster.
     */
    private static Secret folded(Secret secret) {
        Map<String, String> data = new LinkedHashMap<>(secret.getData() == null ? Map.of() : secret.getData());
        secret.getStringData().forEach((k, v) -> data.put(k, java.util.Base64.getEncoder().encodeToString(
                (v == null ? "" : v).getBytes(StandardCharsets.UTF_8))));
        secret.setData(data);
        secret.setStringData(null);
        return secret;
    }

    private static RecordedRequest withStringDataFolded(RecordedRequest request) {
        Secret secret;
        try {
            secret = Serialization.unmarshal(request.getUtf8Body(), Secret.class);
        } catch (RuntimeException e) {
            return request; // the CRUD mock answers an unreadable body itself
        }
        if (secret == null || secret.getStringData() == null) {
            return request;
        }
        return withBody(request, Serialization.asJson(folded(secret)).getBytes(StandardCharsets.UTF_8));
    }

    /** After a patch that left stringData on a stored Secret: folds it in with a replace, answering as the patch would. */
    private MockResponse foldStored(RecordedRequest request, MockResponse patched) {
        if (patched.code() / 100 != 2 || patched.getBody() == null) { // the CRUD mock answers a patch with 202
            return patched;
        }
        String body = patched.getBody().readUtf8();
        Secret secret = Serialization.unmarshal(body, Secret.class);
        if (secret == null || secret.getStringData() == null) {
            return patched.setBody(body);
        }
        folded(secret).getMetadata().setResourceVersion(null);
        return replace(request, Serialization.asJson(secret).getBytes(StandardCharsets.UTF_8));
    }

    /** The request with another body (and its length). */
    private static RecordedRequest withBody(RecordedRequest request, byte[] body) {
        return new RecordedRequest(request.getHttpVersion(), request.method(), request.getPath(), request.getHeaders()
                .newBuilder().removeAll("Content-Length").add("Content-Length", String.valueOf(body.length)).build(),
                new io.fabric8.mockwebserver.http.Buffer(body));
    }

    /** Replaces the resource the request names (its query dropped) with {@code json}, as a PUT would. */
    private MockResponse replace(RecordedRequest request, byte[] json) {
        String path = request.getPath().contains("?") ? request.getPath().substring(0, request.getPath().indexOf('?')) : request.getPath();
        return dispatcher.dispatch(new RecordedRequest(request.getHttpVersion(), HttpMethod.PUT, path,
                Headers.builder().add("Content-Type", "application/json").add("Content-Length", String.valueOf(json.length))
                        .build(), new io.fabric8.mockwebserver.http.Buffer(json)));
    }

    private static final String GENERIC_LIST = "{\"apiVersion\":\"v1\",\"kind\":\"List\",";

    /** Gives a collection response its real apiVersion and kind (ReplicaSetList...) instead of the mock's "List". */
    private static MockResponse typedList(String path, MockResponse response) {
        String[] kind = Discovery.listKind(path);
        if (kind == null || response.getBody() == null) {
            return response;
        }
        String body = response.getBody().readUtf8();
        if (!body.startsWith(GENERIC_LIST)) {
            return response.setBody(body);
        }
        return response.setBody("{\"apiVersion\":\"" + kind[0] + "\",\"kind\":\"" + kind[1] + "\","
                + body.substring(GENERIC_LIST.length()));
    }

    /**
     * Applies a strategic merge patch as a read, a merge and a replace, since the CRUD mock knows only the others; a
     * Secret's merged stringData is folded into data before the replace, as every write of a Secret is.
     */
    private MockResponse strategicMergePatch(RecordedRequest request, boolean secret) {
        MockResponse current = dispatcher.dispatch(new RecordedRequest(request.getHttpVersion(), HttpMethod.GET, request.getPath(),
                Headers.builder().build(), new io.fabric8.mockwebserver.http.Buffer()));
        if (current.code() != 200) {
            return current;
        }
        JsonNode merged;
        try {
            String resource = current.getBody().readUtf8();
            JsonNode target = JSON.readTree(resource);
            merged = StrategicMergePatch.apply(target, JSON.readTree(request.getUtf8Body()));
        } catch (IOException | RuntimeException e) {
            return status(422, "Invalid", "invalid strategic merge patch: " + e.getMessage());
        }
        if (merged.has("metadata") && merged.get("metadata").isObject()) {
            ((ObjectNode) merged.get("metadata")).remove("resourceVersion");
        }
        String json = merged.toString();
        if (secret && merged.hasNonNull("stringData")) {
            json = Serialization.asJson(folded(Serialization.unmarshal(json, Secret.class)));
        }
        return replace(request, json.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Defaults a new Job's selector and Pod template labels as the API server does (kubectl finds a Job's Pods through
     * its selector), on the job-name label because the uid the real selector uses is not known before creation.
     */
    private static RecordedRequest withJobDefaults(RecordedRequest request) {
        Job job;
        try {
            job = Serialization.unmarshal(request.getUtf8Body(), Job.class);
        } catch (RuntimeException e) {
            return request;
        }
        if (job == null || job.getMetadata() == null || job.getMetadata().getName() == null || job.getSpec() == null
                || job.getSpec().getTemplate() == null || job.getSpec().getSelector() != null) {
            return request;
        }
        String name = job.getMetadata().getName();
        job.getSpec().setSelector(new LabelSelectorBuilder().addToMatchLabels("batch.kubernetes.io/job-name", name).build());
        if (job.getSpec().getTemplate().getMetadata() == null) {
            job.getSpec().getTemplate().setMetadata(new ObjectMeta());
        }
        Map<String, String> labels = new LinkedHashMap<>();
        if (job.getSpec().getTemplate().getMetadata().getLabels() != null) {
            labels.putAll(job.getSpec().getTemplate().getMetadata().getLabels());
        }
        labels.put("job-name", name);
        labels.put("batch.kubernetes.io/job-name", name);
        job.getSpec().getTemplate().getMetadata().setLabels(labels);
        return withBody(request, Serialization.asJson(job).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Runs a watch listener's close callbacks on a worker: the CRUD mock's listener waits there for its sender thread,
     * and on the event loop that wait stalls every connection while many watches are dropped at once.
     */
    private final class OffLoopClose extends WebSocketListener {
        private final WebSocketListener delegate;

        OffLoopClose(WebSocketListener delegate) {
            this.delegate = delegate;
        }

        @Override
        public void onBeforeAccept(WebSocket webSocket, io.fabric8.mockwebserver.http.Response response) {
            delegate.onBeforeAccept(webSocket, response);
        }

        @Override
        public void onOpen(WebSocket webSocket, io.fabric8.mockwebserver.http.Response response) {
            delegate.onOpen(webSocket, response);
        }

        @Override
        public void onMessage(WebSocket webSocket, String text) {
            delegate.onMessage(webSocket, text);
        }

        @Override
        public void onMessage(WebSocket webSocket, byte[] bytes) {
            delegate.onMessage(webSocket, bytes);
        }

        @Override
        public void onClosing(WebSocket webSocket, int code, String reason) {
            closer.execute(() -> delegate.onClosing(webSocket, code, reason));
        }

        @Override
        public void onClosed(WebSocket webSocket, int code, String reason) {
            closer.execute(() -> delegate.onClosed(webSocket, code, reason));
        }

        @Override
        public void onFailure(WebSocket webSocket, Throwable t, io.fabric8.mockwebserver.http.Response response) {
            closer.execute(() -> delegate.onFailure(webSocket, t, response));
        }
    }

    /**
     * Whether a watch resumed from {@code resourceVersion} would miss a deletion (the mock replays current objects but
     * not deletions): then, as an API server whose history no longer reaches back, it answers 410 Gone and the client
     * relists (informers do so on their own) instead of keeping the deleted object.
     */
    private boolean tooOld(String resourceVersion, String watchPath) {
        if (resourceVersion == null || resourceVersion.isEmpty() || "0".equals(resourceVersion)) {
            return false;
        }
        try {
            return dispatcher.deletedSince(Long.parseLong(resourceVersion), watchPath);
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** Ends a watch the way the API server does when its resourceVersion is too old: one ERROR event with 410. */
    private void expire(HttpServerRequest event, boolean webSocket) {
        String gone = "{\"type\":\"ERROR\",\"object\":{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},"
                + "\"status\":\"Failure\",\"message\":" + jsonString("too old resource version: "
                + event.getParam("resourceVersion")) + ",\"reason\":\"Expired\",\"code\":410}}";
        if (webSocket) {
            event.toWebSocket().onSuccess(ws -> ws.writeTextMessage(gone).onComplete(v -> ws.close((short) 1000, "expired")))
                    .onFailure(err -> failed(event, err));
            return;
        }
        event.response().setStatusCode(200).putHeader("Content-Type", "application/json").setChunked(true);
        event.response().end(gone + "\n");
    }

    private static boolean isWatch(HttpServerRequest event) {
        return "true".equals(event.getParam("watch")) || "1".equals(event.getParam("watch"));
    }

    /**
     * A watch over plain HTTP (what kubectl uses): the CRUD dispatcher's watch listener writes its events into a
     * chunked response, one JSON event per line, instead of into a WebSocket.
     */
    private final class HttpWatch implements WebSocket {
        private final HttpServerRequest event;
        private final RecordedRequest request;
        private final WebSocketListener listener;
        private final AtomicBoolean closed = new AtomicBoolean();

        HttpWatch(HttpServerRequest event, RecordedRequest request, MockResponse response) {
            this.event = event;
            this.request = request;
            this.listener = response.getWebSocketListener();
            HttpServerResponse http = event.response();
            http.setStatusCode(200).putHeader("Content-Type", "application/json").setChunked(true);
            httpWatches.add(this);
            http.closeHandler(v -> close(1000, "client went away"));
            listener.onOpen(this, response);
        }

        @Override
        public RecordedRequest request() {
            return request;
        }

        @Override
        public boolean send(String text) {
            HttpServerResponse http = event.response();
            if (closed.get() || http.ended() || http.closed()) {
                return false;
            }
            http.write(text + "\n");
            return true;
        }

        @Override
        public boolean send(byte[] bytes) {
            return send(new String(bytes, StandardCharsets.UTF_8));
        }

        @Override
        public boolean close(int code, String reason) {
            if (!closed.compareAndSet(false, true)) {
                return false;
            }
            httpWatches.remove(this);
            HttpServerResponse http = event.response();
            if (!http.ended() && !http.closed()) {
                http.end();
            }
            // The listener waits for its sender to stop, which must not block the event loop.
            closer.execute(() -> listener.onClosed(this, code, reason));
            return true;
        }
    }

    private void servePodLog(HttpServerRequest event, String namespace, String pod, String follow, String tailLines) {
        HttpServerResponse response = event.response();
        if (!logs.exists(namespace, pod)) {
            send(event, noLogYet(namespace, pod));
            return;
        }
        response.setStatusCode(200).putHeader("Content-Type", "text/plain");
        int tail = -1;
        try {
            tail = tailLines == null ? -1 : Integer.parseInt(tailLines);
        } catch (NumberFormatException e) {
            // As the API server: an unparsable tailLines means the whole log.
        }
        if (!"true".equals(follow)) {
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
        io.vertx.core.Context context = vertx.getOrCreateContext();
        // As an API server copying a log file: whatever was written since the last write goes out as one chunk. One
        // write and flush per line made netty walk its outbound buffer per line for a reader a little behind, so
        // that such a reader fell further behind.
        PodLogs.Follower follower = new PodLogs.Follower() {
            private final StringBuilder pending = new StringBuilder();
            private boolean scheduled;
            private boolean ended;

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
        };
        response.closeHandler(v -> logs.unfollow(namespace, pod, follower));
        logs.follow(namespace, pod, tail, follower);
    }

    /** The API server's answer for the log of a Pod whose container never started, with the reason it waits. */
    private MockResponse noLogYet(String namespace, String pod) {
        MockResponse found = dispatcher.dispatch(new RecordedRequest("HTTP/1.1", HttpMethod.GET,
                "/api/v1/namespaces/" + namespace + "/pods/" + pod, Headers.builder().build(),
                new io.fabric8.mockwebserver.http.Buffer()));
        if (found.code() != 200) {
            return status(404, "NotFound", "pods \"" + pod + "\" not found");
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
        return status(400, "BadRequest", "container \"" + container + "\" in pod \"" + pod + "\" is waiting to start: "
                + reason);
    }

    private static MockResponse status(int code, String reason, String message) {
        return json(code, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                + "\"message\":" + jsonString(message) + ",\"reason\":\"" + reason + "\",\"code\":" + code + "}");
    }

    private static RecordedRequest recorded(HttpServerRequest event, io.vertx.core.buffer.Buffer body) {
        return new RecordedRequest(event.version().alpnName().toUpperCase(Locale.ROOT), HttpMethod.fromVertx(event.method()),
                event.uri(), Headers.builder().addAll(event.headers()).build(),
                new io.fabric8.mockwebserver.http.Buffer(body == null || body.length() == 0 ? null : body.getBytes()));
    }

    private static void send(HttpServerRequest event, MockResponse mock) {
        HttpServerResponse response = event.response();
        response.setStatusCode(mock.code());
        mock.getHeaders().toMultimap().forEach((k, v) -> response.headers().add(k, v));
        if (mock.getBody() != null && mock.getBody().size() > 0) {
            response.send(io.vertx.core.buffer.Buffer.buffer(mock.getBody().getBytes()));
        } else {
            response.end();
        }
    }

    private static void failed(HttpServerRequest event, Throwable err) {
        if (!event.response().headWritten()) {
            event.response().setStatusCode(500).end(String.valueOf(err.getMessage()));
        }
    }

    static MockResponse json(int code, String body) {
        return new MockResponse().setResponseCode(code).setHeader("Content-Type", "application/json").setBody(body);
    }

    static String jsonString(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }

    @Override
    public void close() {
        dropWatches();
        if (server != null) {
            await(server.close());
        }
        await(vertx.close());
        closer.shutdownNow();
    }

    private static <T> T await(Future<T> future) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the sandbox API server", e);
        } catch (Exception e) {
            throw new IllegalStateException("the sandbox API server failed: " + e.getMessage(), e);
        }
    }
}
