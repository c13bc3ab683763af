package io.mtd.bench;

import io.fabric8.kubernetes.api.model.Pod;
import io.mtd.MigrateThenDeploy;
import io.mtd.migration.MigrationJob;
import io.mtd.plan.Environment;
import io.mtd.plan.Plan;
import io.mtd.progress.ProgressEvent;
import io.mtd.report.RunReport;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Measure 4: a chatty migration Pod ({@code seq 1 N}) followed at once by the engine (into its listener) and by
 * {@code kubectl logs -f}: lines per second from the first line to the last, and lines lost (every number must
 * arrive).
 */
final class LogStreaming {

    static final String NAMESPACE = "logs";

    /**
     * One follower's count: lines received, distinct numbers missing, the first missing number (0 when none: when
     * only a tail is missing, the follower was cut off), first-to-last seconds.
     */
    record Follower(long received, long lost, long firstLost, double seconds) {
        double linesPerSecond() {
            return seconds <= 0 ? 0 : received / seconds;
        }
    }

    /**
     * The engine, {@code kubectl logs -f} (null without kubectl), and for reference the fabric8 client's own
     * {@code watchLog}, all three following the same Pod at once.
     */
    record Result(int lines, Follower engine, Follower kubectl, Follower fabric8) {}

    private final Setup setup;

    LogStreaming(Setup setup) {
        this.setup = setup;
    }

    Result run(int lines) throws Exception {
        Environment env = MigrationJobs.environment("bench", NAMESPACE);
        // the pause lets kubectl attach before the first line, so both follow the log live
        Plan plan = MigrationJobs.plan("logs", "bench/app:1", "sleep 2; seq 1 " + lines, env);
        Counter engine = new Counter(lines);
        setup.events().route(event -> {
            if (event instanceof ProgressEvent.LogLine log) {
                engine.line(log.line());
            }
        });
        MigrateThenDeploy.Run run = setup.engine().start(plan);
        CompletableFuture<Follower> kubectl = setup.kubectl().isPresent()
                ? CompletableFuture.supplyAsync(() -> followWithKubectl(plan, env, lines))
                : CompletableFuture.completedFuture(null);
        CompletableFuture<Follower> fabric8 = CompletableFuture.supplyAsync(() -> followWithFabric8(plan, env, lines));
        RunReport report = run.report().get(2, TimeUnit.MINUTES);
        if (!report.succeeded()) {
            throw new IllegalStateException("the chatty migration ended " + report.outcome() + ": " + report.failure());
        }
        Follower k = kubectl.get(2, TimeUnit.MINUTES);
        Follower f = fabric8.get(2, TimeUnit.MINUTES);
        setup.events().route(e -> { });
        setup.jobs().clear(NAMESPACE);
        return new Result(lines, engine.result(), k, f);
    }

    private Follower followWithKubectl(Plan plan, Environment env, int lines) {
        String job = MigrationJob.nameFor(plan.app(), env.name(), plan.image());
        String pod = runningPod(job);
        Process p = setup.kubectl().orElseThrow().start("logs", "-f", "-n", NAMESPACE, pod, "-c", "migrate");
        Counter counter = new Counter(lines);
        try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                counter.line(line);
            }
            p.waitFor(1, TimeUnit.MINUTES);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return counter.result();
    }

    private Follower followWithFabric8(Plan plan, Environment env, int lines) {
        String pod = runningPod(MigrationJob.nameFor(plan.app(), env.name(), plan.image()));
        Counter counter = new Counter(lines);
        java.io.ByteArrayOutputStream current = new java.io.ByteArrayOutputStream();
        java.io.OutputStream out = new java.io.OutputStream() {
            @Override
            public void write(int b) {
                if (b == '\n') {
                    counter.line(current.toString(StandardCharsets.UTF_8));
                    current.reset();
                } else {
                    current.write(b);
                }
            }
        };
        try (io.fabric8.kubernetes.client.dsl.LogWatch watch = setup.client().pods().inNamespace(NAMESPACE).withName(pod)
                .inContainer("migrate").withReadyWaitTimeout(0).watchLog(out)) {
            watch.onClose().toCompletableFuture().get(2, TimeUnit.MINUTES);
        } catch (Exception e) {
            throw new IllegalStateException("the fabric8 log watch on Pod " + pod + " failed: " + e.getMessage(), e);
        }
        return counter.result();
    }

    private String runningPod(String job) {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < until) {
            List<Pod> pods = setup.client().pods().inNamespace(NAMESPACE).withLabels(MigrationJobs.podSelector(job)).list().getItems();
            for (Pod p : pods) {
                if (p.getStatus() != null && "Running".equals(p.getStatus().getPhase())) {
                    return p.getMetadata().getName();
                }
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("the migration Pod of Job " + job + " was not Running within 30s");
    }

    /** Counts lines and which of the numbers 1..N arrived. */
    static final class Counter {
        private final int expected;
        private final BitSet seen;
        private long received;
        private long first;
        private long last;

        Counter(int expected) {
            this.expected = expected;
            this.seen = new BitSet(expected + 1);
        }

        synchronized void line(String line) {
            long now = System.nanoTime();
            if (received == 0) {
                first = now;
            }
            last = now;
            received++;
            try {
                int n = Integer.parseInt(line.trim());
                if (n >= 1 && n <= expected) {
                    seen.set(n);
                }
            } catch (NumberFormatException e) {
                // not one of the numbers: it counts as received, not as a number that arrived
            }
        }

        synchronized Follower result() {
            int firstLost = seen.nextClearBit(1);
            return new Follower(received, expected - seen.cardinality(), firstLost > expected ? 0 : firstLost,
                    (last - first) / 1e9);
        }
    }
}
