package io.mtd.sandbox;

import io.fabric8.mockwebserver.http.MockResponse;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * The sandbox's HTTP front, in the order an API server treats a request: injected request faults, authorization
 * ({@link RbacAuthorizer}), watches ({@link ApiWatches}), discovery ({@link Discovery}), Pod logs
 * ({@link PodLogEndpoint}), and every other request ({@link ApiRequests}, over fabric8's CRUD dispatcher).
 */
final class SandboxApiServer implements AutoCloseable {

    private final Vertx vertx = Vertx.vertx();
    private final AtomicLong requests = new AtomicLong();
    private final List<RequestFault> requestFaults = new CopyOnWriteArrayList<>();
    private final RbacAuthorizer rbac;
    private final ApiWatches watches;
    private final PodLogEndpoint logs;
    private final ApiRequests handler;
    private HttpServer server;

    SandboxApiServer(SandboxCrudDispatcher dispatcher, PodLogs logs) {
        this.rbac = new RbacAuthorizer(dispatcher);
        this.watches = new ApiWatches(dispatcher);
        this.logs = new PodLogEndpoint(logs, dispatcher, vertx);
        this.handler = new ApiRequests(dispatcher, rbac);
    }

    int start() {
        server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)
                .setHandle100ContinueAutomatically(true)
                .setWebSocketSubProtocols(List.of("v4.channel.k8s.io", "v3.channel.k8s.io", "v2.channel.k8s.io", "channel.k8s.io")));
        server.requestHandler(this::handle);
        return await(server.listen()).actualPort();
    }

    int watchesOpened() {
        return watches.opened();
    }

    /** Closes every open watch connection; a real API server ends watches at will (timeouts, restarts). */
    void dropWatches() {
        watches.dropAll();
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
                MockResponse failure = ApiResponses.status(fault.code(), "InternalError", "injected by the sandbox: "
                        + event.method() + " " + event.path());
                event.body().onSuccess(body -> ApiResponses.send(event, failure))
                        .onFailure(err -> ApiResponses.failed(event, err));
                return;
            }
        }
        RbacAuthorizer.Denial forbidden = rbac.deny(event.method().name(), event.uri(), event.getHeader("Authorization"),
                ApiWatches.isWatch(event));
        if (forbidden != null) {
            // a watch over WebSocket shows only the status line: put the API server's message there too
            event.response().setStatusCode(403).setStatusMessage(forbidden.message())
                    .putHeader("Content-Type", "application/json").end(forbidden.response().getBody().readUtf8());
            return;
        }
        if (watches.serve(event)) {
            return;
        }
        MockResponse discovery = Discovery.respond(event.method().name(), event.path());
        if (discovery != null) {
            ApiResponses.send(event, discovery);
            return;
        }
        String[] pod = PodLogEndpoint.pod(event.uri());
        if (pod != null && event.method() == HttpMethod.GET) {
            logs.serve(event, pod[0], pod[1]);
            return;
        }
        event.body().onSuccess(body -> {
            MockResponse response;
            try {
                response = handler.handle(ApiRequests.recorded(event, body));
            } catch (RuntimeException e) {
                ApiResponses.failed(event, e);
                return;
            }
            ApiResponses.send(event, response);
        }).onFailure(err -> ApiResponses.failed(event, err));
    }

    @Override
    public void close() {
        watches.dropAll();
        if (server != null) {
            await(server.close());
        }
        await(vertx.close());
        watches.close();
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
