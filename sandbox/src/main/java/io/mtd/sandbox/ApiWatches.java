package io.mtd.sandbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import io.fabric8.mockwebserver.vertx.ServerWebSocketHandler;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.ServerWebSocket;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The API server's watches, over WebSocket (fabric8's clients) and over chunked HTTP (kubectl), each a listener of the
 * CRUD dispatcher. They are tracked so that {@link #dropAll} can end them, as an API server does at will; a watch
 * resumed from a resourceVersion after which an object it would see was deleted ends at once with 410 Gone, since the
 * mock replays current objects but not deletions, and the client relists.
 */
final class ApiWatches implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final SandboxCrudDispatcher dispatcher;
    private final Set<ServerWebSocket> webSockets = ConcurrentHashMap.newKeySet();
    private final Set<HttpWatch> httpWatches = ConcurrentHashMap.newKeySet();
    private final AtomicInteger opened = new AtomicInteger();
    private final ExecutorService closer = Executors.newCachedThreadPool(SandboxKubelet.daemon("sandbox-watch-close"));

    ApiWatches(SandboxCrudDispatcher dispatcher) {
        this.dispatcher = dispatcher;
    }

    static boolean isWatch(HttpServerRequest event) {
        return "true".equals(event.getParam("watch")) || "1".equals(event.getParam("watch"));
    }

    private static boolean isWebSocket(HttpServerRequest event) {
        String upgrade = event.getHeader("Upgrade");
        return upgrade != null && upgrade.toLowerCase(Locale.ROOT).contains("websocket");
    }

    /** Answers {@code event} when it is a watch or a WebSocket upgrade; returns false, answering nothing, otherwise. */
    boolean serve(HttpServerRequest event) {
        boolean webSocket = isWebSocket(event);
        if (isWatch(event) && tooOld(event.getParam("resourceVersion"), event.uri())) {
            expire(event, webSocket);
            return true;
        }
        if (webSocket) {
            RecordedRequest request = ApiRequests.recorded(event, null);
            MockResponse response = dispatcher.dispatch(request);
            if (response.getWebSocketListener() != null) {
                MockResponse offloaded = new MockResponse().setResponseCode(response.code()).setHeaders(response.getHeaders())
                        .withWebSocketUpgrade(new OffLoopClose(response.getWebSocketListener()));
                event.toWebSocket().onSuccess(ws -> {
                    webSockets.add(ws);
                    opened.incrementAndGet();
                    new ServerWebSocketHandler(request, offloaded).handle(ws);
                }).onFailure(err -> ApiResponses.failed(event, err));
                return true;
            }
            ApiResponses.send(event, response);
            return true;
        }
        if (event.method() == HttpMethod.GET && isWatch(event)) {
            RecordedRequest request = ApiRequests.recorded(event, null);
            MockResponse response = dispatcher.dispatch(request);
            if (response.getWebSocketListener() != null) {
                opened.incrementAndGet();
                new HttpWatch(event, request, response);
                return true;
            }
            ApiResponses.send(event, response);
            return true;
        }
        return false;
    }

    /** How many watch connections were accepted so far. */
    int opened() {
        return opened.get();
    }

    /** Ends every open watch; clients must re-watch (informers do so on their own). */
    void dropAll() {
        for (ServerWebSocket watch : List.copyOf(webSockets)) {
            webSockets.remove(watch);
            if (watch.isClosed()) {
                continue;
            }
            watch.close((short) 1000, "watch dropped by the sandbox");
        }
        for (HttpWatch watch : List.copyOf(httpWatches)) {
            watch.close(1000, "watch dropped by the sandbox");
        }
    }

    @Override
    public void close() {
        dropAll();
        closer.shutdownNow();
    }

    /** Whether a watch resumed from {@code resourceVersion} would miss a deletion. */
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
                + "\"status\":\"Failure\",\"message\":" + ApiResponses.jsonString("too old resource version: "
                + event.getParam("resourceVersion")) + ",\"reason\":\"Expired\",\"code\":410}}";
        if (webSocket) {
            event.toWebSocket().onSuccess(ws -> ws.writeTextMessage(gone).onComplete(v -> ws.close((short) 1000, "expired")))
                    .onFailure(err -> ApiResponses.failed(event, err));
            return;
        }
        event.response().setStatusCode(200).putHeader("Content-Type", "application/json").setChunked(true);
        event.response().end(gone + "\n");
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
     * A watch over plain HTTP (what kubectl uses): the CRUD dispatcher's watch listener writes its events into a
     * chunked response, one JSON event per line, instead of into a WebSocket.
     */
    private final class HttpWatch implements WebSocket {
        private final HttpServerRequest event;
        private final RecordedRequest request;
        private final WebSocketListener listener;
        private final AtomicBoolean closed = new AtomicBoolean();
        /** The Table version kubectl asked for (get --watch), or null: each event's object is then a one-row Table. */
        private final String table;
        private boolean columnsSent;

        HttpWatch(HttpServerRequest event, RecordedRequest request, MockResponse response) {
            this.event = event;
            this.request = request;
            this.listener = response.getWebSocketListener();
            this.table = TableConvertor.requested(event.getHeader("Accept"));
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
            http.write((table == null ? text : asTable(text)) + "\n");
            return true;
        }

        /** A watch event whose object is a one-row Table, with the column definitions in the first event only. */
        private synchronized String asTable(String text) {
            try {
                ObjectNode watchEvent = (ObjectNode) JSON.readTree(text);
                String row = TableConvertor.table(watchEvent.path("object"), table,
                        ApiRequests.queryParameter(request.getPath(), "includeObject"), !columnsSent, Instant.now());
                if (row == null) {
                    return text;
                }
                columnsSent = true;
                watchEvent.set("object", JSON.readTree(row));
                return watchEvent.toString();
            } catch (IOException | ClassCastException e) {
                return text;
            }
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
}
