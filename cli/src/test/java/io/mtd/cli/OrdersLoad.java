package io.mtd.cli;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A seeded, bounded load on the Django example's {@code /orders/} through a sandbox Service: {@code perSecond} requests a
 * second at fixed times (an open model: a slow answer does not slow the load down), each a GET of the newest orders or
 * a POST of a new one as the seed decides, on a new connection each (gunicorn's sync workers close it after each
 * answer). A failure is any answer but 200/201, a connection error or no answer within {@value #TIMEOUT_SECONDS} s.
 * Stops by itself after {@code limit}, and counts a request that would exceed {@value #MAX_IN_FLIGHT} in flight as failed.
 */
public final class OrdersLoad implements AutoCloseable {

    public static final int TIMEOUT_SECONDS = 5;
    public static final int MAX_IN_FLIGHT = 64;
    private static final Pattern FIELDS = Pattern.compile("\"fields\": \\[([^\\]]*)\\]");

    /** One request: when it started (nanoTime), how long it took, and what went wrong (null: nothing). */
    public record Request(long startNanos, long latencyNanos, String method, String failure, String fields) {}

    /** What a load saw: every request in the order they started. */
    public record Summary(List<Request> requests) {
        public List<Request> failures() {
            return requests.stream().filter(r -> r.failure() != null).toList();
        }

        /** The requests that started from {@code fromNanos} (inclusive) to {@code toNanos} (exclusive), by nanoTime. */
        public Summary between(long fromNanos, long toNanos) {
            return new Summary(requests.stream().filter(r -> r.startNanos() >= fromNanos && r.startNanos() < toNanos).toList());
        }

        /** The versions of the model that answered, by the fields a response listed, in the order first seen. */
        public Set<String> fieldSets() {
            Set<String> seen = new LinkedHashSet<>();
            requests.stream().filter(r -> r.fields() != null).forEach(r -> seen.add(r.fields()));
            return seen;
        }

        /** The {@code percentile}th latency in milliseconds (nearest rank) of the requests that got an answer. */
        public double latencyMillis(double percentile) {
            List<Long> sorted = requests.stream().filter(r -> r.failure() == null).map(Request::latencyNanos).sorted().toList();
            if (sorted.isEmpty()) {
                return Double.NaN;
            }
            int rank = (int) Math.ceil(percentile / 100.0 * sorted.size());
            return sorted.get(Math.max(0, rank - 1)) / 1e6;
        }

        @Override
        public String toString() {
            return String.format("%d requests, %d failed, p50 %.1f ms, p99 %.1f ms", requests.size(), failures().size(),
                    latencyMillis(50), latencyMillis(99));
        }
    }

    private final URI orders;
    private final Random random;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(TIMEOUT_SECONDS)).build();
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "orders-load");
        t.setDaemon(true);
        return t;
    });
    private final ConcurrentLinkedQueue<Request> done = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<CompletableFuture<?>> pending = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger sent = new AtomicInteger();

    private OrdersLoad(InetSocketAddress service, long seed) {
        this.orders = URI.create("http://" + service.getHostString() + ":" + service.getPort() + "/orders/");
        this.random = new Random(seed);
    }

    /** Starts {@code perSecond} requests a second on {@code service}, for at most {@code limit}. */
    public static OrdersLoad start(InetSocketAddress service, int perSecond, long seed, Duration limit) {
        OrdersLoad load = new OrdersLoad(service, seed);
        long period = TimeUnit.SECONDS.toNanos(1) / perSecond;
        load.ticker.scheduleAtFixedRate(load::fire, 0, period, TimeUnit.NANOSECONDS);
        load.ticker.schedule(load.ticker::shutdown, limit.toMillis(), TimeUnit.MILLISECONDS);
        return load;
    }

    /** One GET of the newest orders, for a service that should answer now; null when it did, else what went wrong. */
    public static String probe(InetSocketAddress service) {
        try (OrdersLoad one = new OrdersLoad(service, 0)) {
            HttpResponse<String> answer = one.http.send(HttpRequest.newBuilder(one.orders).timeout(Duration.ofSeconds(TIMEOUT_SECONDS))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            return answer.statusCode() == 200 ? null : "HTTP " + answer.statusCode();
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            return e.toString();
        }
    }

    private void fire() {
        boolean post = random.nextInt(4) == 0; // one in four creates an order
        int n = sent.incrementAndGet();
        long start = System.nanoTime();
        String method = post ? "POST" : "GET";
        if (inFlight.incrementAndGet() > MAX_IN_FLIGHT) {
            inFlight.decrementAndGet();
            done.add(new Request(start, 0, method, "more than " + MAX_IN_FLIGHT + " requests in flight", null));
            return;
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(orders).timeout(Duration.ofSeconds(TIMEOUT_SECONDS));
        if (post) {
            request.header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"customer\": \"load-" + n + "\"}"));
        }
        pending.add(http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString()).handle((answer, error) -> {
            long latency = System.nanoTime() - start;
            inFlight.decrementAndGet();
            String failure = error != null ? error.toString()
                    : answer.statusCode() == 200 || answer.statusCode() == 201 ? null
                    : "HTTP " + answer.statusCode() + " " + answer.body().strip();
            String fields = null;
            if (answer != null) {
                Matcher m = FIELDS.matcher(answer.body());
                fields = m.find() ? m.group(1).replace("\"", "").replace(" ", "") : null;
            }
            done.add(new Request(start, latency, method, failure, fields));
            return null;
        }));
    }

    /** Stops sending, waits for the answers still due (each within its timeout), and sums up. */
    public Summary stop() {
        ticker.shutdownNow();
        try {
            ticker.awaitTermination(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(2L * TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // each request's own timeout should have ended it: what is still out is counted as failed below
        }
        List<Request> all = new ArrayList<>(done);
        for (int i = all.size(); i < sent.get(); i++) {
            all.add(new Request(Long.MAX_VALUE, 0, "?", "no answer when the load stopped", null));
        }
        all.sort(Comparator.comparingLong(Request::startNanos));
        return new Summary(List.copyOf(all));
    }

    @Override
    public void close() {
        ticker.shutdownNow();
    }
}
