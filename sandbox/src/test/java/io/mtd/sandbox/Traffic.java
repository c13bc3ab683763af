package io.mtd.sandbox;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Requests at a fixed rate to a Service's address, each a GET of {@code /} on a new connection, counting every failure
 * (a connection error, a connection closed without a response, a status other than 200) and which Pods answered.
 */
final class Traffic implements AutoCloseable {

    private final InetSocketAddress target;
    private final ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor();
    private final ExecutorService requests = Executors.newCachedThreadPool();
    private final AtomicInteger sent = new AtomicInteger();
    private final List<String> failures = new CopyOnWriteArrayList<>();
    private final Set<String> answeredBy = ConcurrentHashMap.newKeySet();

    private Traffic(InetSocketAddress target) {
        this.target = target;
    }

    /** Starts sending {@code perSecond} requests a second to {@code target}. */
    static Traffic start(InetSocketAddress target, int perSecond) {
        Traffic traffic = new Traffic(target);
        traffic.clock.scheduleAtFixedRate(() -> traffic.requests.execute(traffic::send), 0, 1_000_000 / perSecond,
                TimeUnit.MICROSECONDS);
        return traffic;
    }

    private void send() {
        sent.incrementAndGet();
        try {
            String response = ServeScript.get(target.getPort(), "/");
            if (response.startsWith("200 ")) {
                answeredBy.add(response.substring(4, response.lastIndexOf(' ')));
            } else {
                failures.add(response);
            }
        } catch (IOException e) {
            failures.add(e.toString());
        }
    }

    int sent() {
        return sent.get();
    }

    List<String> failures() {
        return failures;
    }

    /** The Pods (by name) that answered so far. */
    Set<String> answeredBy() {
        return answeredBy;
    }

    /** Stops sending and waits for the requests in flight. */
    @Override
    public void close() throws InterruptedException {
        clock.shutdownNow();
        requests.shutdown();
        if (!requests.awaitTermination(20, TimeUnit.SECONDS)) {
            throw new IllegalStateException("requests still in flight after 20 s");
        }
    }
}
