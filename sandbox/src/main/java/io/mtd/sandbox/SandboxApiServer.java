package io.mtd.sandbox;

import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.vertx.ServerWebSocketHandler;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.ServerWebSocket;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The sandbox's HTTP front: serves Pod logs itself (streaming them live with {@code follow=true}, which the mock web
 * server's fixed-body responses cannot do) and hands every other request to fabric8's CRUD dispatcher, keeping track
 * of watch connections so that they can be dropped.
 */
final class SandboxApiServer implements AutoCloseable {

  private static final Pattern LOG_PATH = Pattern.compile("^/api/v1/namespaces/([^/]+)/pods/([^/?]+)/log(\\?.*)?$");

  private final Vertx vertx = Vertx.vertx();
  private final KubernetesCrudDispatcher dispatcher;
  private final PodLogs logs;
  private final Set<ServerWebSocket> watches = ConcurrentHashMap.newKeySet();
  private final AtomicInteger watchesOpened = new AtomicInteger();
  private HttpServer server;

  SandboxApiServer(KubernetesCrudDispatcher dispatcher, PodLogs logs) {
    this.dispatcher = dispatcher;
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
  }

  private void handle(HttpServerRequest event) {
    String upgrade = event.getHeader("Upgrade");
    if (upgrade != null && upgrade.toLowerCase(Locale.ROOT).contains("websocket")) {
      RecordedRequest request = recorded(event, null);
      MockResponse response = dispatcher.dispatch(request);
      if (response.getWebSocketListener() != null) {
        event.toWebSocket().onSuccess(ws -> {
          watches.add(ws);
          watchesOpened.incrementAndGet();
          new ServerWebSocketHandler(request, response).handle(ws);
        }).onFailure(err -> failed(event, err));
        return;
      }
      send(event, response);
      return;
    }
    Matcher log = LOG_PATH.matcher(event.uri());
    if (log.matches() && event.method() == io.vertx.core.http.HttpMethod.GET) {
      servePodLog(event, log.group(1), log.group(2), event.getParam("follow"));
      return;
    }
    event.body().onSuccess(body -> {
      MockResponse response;
      try {
        response = dispatch(recorded(event, body));
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
    return dispatcher.dispatch(request);
  }

  private void servePodLog(HttpServerRequest event, String namespace, String pod, String follow) {
    HttpServerResponse response = event.response();
    if (!logs.exists(namespace, pod)) {
      String message = "container in pod \"" + pod + "\" is waiting to start: ContainerCreating";
      send(event, json(400, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":"
          + jsonString(message) + ",\"reason\":\"BadRequest\",\"code\":400}"));
      return;
    }
    response.setStatusCode(200).putHeader("Content-Type", "text/plain");
    if (!"true".equals(follow)) {
      List<String> lines = logs.lines(namespace, pod);
      StringBuilder body = new StringBuilder();
      lines.forEach(l -> body.append(l).append('\n'));
      response.end(body.toString());
      return;
    }
    response.setChunked(true);
    PodLogs.Follower follower = new PodLogs.Follower() {
      @Override
      public void line(String line) {
        if (!response.ended() && !response.closed()) {
          response.write(line + "\n", StandardCharsets.UTF_8.name());
        }
      }

      @Override
      public void end() {
        if (!response.ended() && !response.closed()) {
          response.end();
        }
      }
    };
    response.closeHandler(v -> logs.unfollow(namespace, pod, follower));
    logs.follow(namespace, pod, follower);
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
