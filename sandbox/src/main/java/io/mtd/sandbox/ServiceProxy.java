package io.mtd.sandbox;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.NetSocket;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One port of a Service, proxied at the connection level as kube-proxy does: a listener on a port of 127.0.0.1 of its
 * own, for as long as the Service exists, that hands each new connection to the next of the Service's ready endpoints
 * (round robin) and then copies bytes both ways until either side closes. A connection keeps its endpoint when the
 * endpoints change, as kube-proxy's conntrack entries do, so a terminating Pod finishes what it was sent. With no ready
 * endpoint, or one that refuses, the connection is closed at once: the client sees a connection error.
 */
final class ServiceProxy implements AutoCloseable {

    /** A ready endpoint: where to connect, and the Pod behind it. */
    record Backend(String host, int port, String pod, String podUid) {
    }

    private final String service;
    private final NetServer server;
    private final NetClient client;
    private volatile List<Backend> backends = List.of();
    private final AtomicInteger next = new AtomicInteger();
    private final Map<String, AtomicLong> connectionsPerPod = new ConcurrentHashMap<>();
    private final AtomicLong dropped = new AtomicLong();

    private ServiceProxy(String service, NetServer server, NetClient client) {
        this.service = service;
        this.server = server;
        this.client = client;
    }

    /** Starts proxying {@code service}'s port on a free port of 127.0.0.1. */
    static ServiceProxy open(Vertx vertx, NetClient client, String service) {
        NetServer server = vertx.createNetServer(new NetServerOptions().setHost("127.0.0.1").setPort(0).setTcpNoDelay(true));
        ServiceProxy proxy = new ServiceProxy(service, server, client);
        server.connectHandler(proxy::accept);
        await(server.listen(), "listen for Service " + service);
        return proxy;
    }

    /** Where clients connect. */
    InetSocketAddress address() {
        return new InetSocketAddress("127.0.0.1", server.actualPort());
    }

    /** The ready endpoints new connections go to from now on. */
    void route(List<Backend> ready) {
        backends = List.copyOf(ready);
    }

    /** How many connections were handed to each Pod (by name) so far. */
    Map<String, Long> connectionsPerPod() {
        Map<String, Long> counts = new java.util.TreeMap<>();
        connectionsPerPod.forEach((pod, n) -> counts.put(pod, n.get()));
        return counts;
    }

    /** How many connections were closed at once: no ready endpoint, or the endpoint refused. */
    long dropped() {
        return dropped.get();
    }

    private void accept(NetSocket socket) {
        socket.pause();
        List<Backend> now = backends;
        if (now.isEmpty()) {
            dropped.incrementAndGet();
            socket.close();
            return;
        }
        Backend backend = now.get(Math.floorMod(next.getAndIncrement(), now.size()));
        connectionsPerPod.computeIfAbsent(backend.pod(), pod -> new AtomicLong()).incrementAndGet();
        client.connect(backend.port(), backend.host()).onComplete(connected -> {
            if (connected.failed()) {
                dropped.incrementAndGet();
                socket.close();
                return;
            }
            NetSocket upstream = connected.result();
            socket.pipeTo(upstream);
            upstream.pipeTo(socket);
        });
    }

    @Override
    public void close() {
        await(server.close(), "stop proxying Service " + service);
    }

    private static <T> T await(Future<T> future, String what) {
        try {
            return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + what, e);
        } catch (Exception e) {
            throw new IllegalStateException("the sandbox could not " + what + ": " + e.getMessage(), e);
        }
    }
}
