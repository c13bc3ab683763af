package io.mtd.bench;

import io.mtd.MigrateThenDeploy;
import io.mtd.plan.Environment;
import io.mtd.plan.Plan;
import io.mtd.report.RunReport;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Measure 3: what waiting on many migrations at once costs one engine in one JVM (live threads, heap after GC, watch
 * connections) and how fast it still notices each completion. The Jobs are created suspended, so the sandbox runs no
 * process for them; the benchmark writes each one's Complete condition.
 */
final class Scale {

    static final String NAMESPACE = "scale";

    /**
     * One size: the JVM's live threads and heap used after GC before the Jobs existed and while all of them are waited
     * on; the engine's watch connections and those the sandbox's API server accepted from this engine so far.
     */
    record Row(int waits, int threadsBefore, int threadsWaiting, long heapBeforeBytes, long heapWaitingBytes,
            int engineWatchConnections, int sandboxWatchesOpened, double millisUntilAllWaiting, Percentiles latency) {

        long heapPerWaitBytes() {
            return Math.max(0, heapWaitingBytes - heapBeforeBytes) / waits;
        }
    }

    private final Setup setup;

    Scale(Setup setup) {
        this.setup = setup;
    }

    /** Runs every size, in order, against one engine of its own. */
    List<Row> run(int... sizes) throws Exception {
        int watchesBefore = setup.sandbox().watchesOpened();
        List<Row> rows = new ArrayList<>();
        ExecutorService creators = Executors.newFixedThreadPool(4);
        try (MigrateThenDeploy engine = MigrateThenDeploy.builder()
                .clusters(env -> setup.sandbox().client())
                .listener(setup.events())
                .identity(MigrationJobs.IDENTITY)
                .build()) {
            for (int size : sizes) {
                rows.add(size(engine, size, watchesBefore, creators));
                setup.jobs().clear(NAMESPACE);
            }
        } finally {
            creators.shutdownNow();
        }
        return rows;
    }

    private Row size(MigrateThenDeploy engine, int n, int watchesBefore, ExecutorService creators) throws Exception {
        int threadsBefore = liveThreads();
        long heapBefore = heapAfterGc();
        Environment env = MigrationJobs.environment("bench", NAMESPACE);
        List<Plan> plans = new ArrayList<>();
        List<Future<String>> created = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            // one app each: runs of one app and environment would queue behind its migration lock
            Plan plan = MigrationJobs.plan("scale-" + n + "-" + i, "bench/app:1", "true", env);
            plans.add(plan);
            created.add(creators.submit(() -> setup.jobs().createSuspended(plan, env)));
        }
        List<String> names = new ArrayList<>();
        for (Future<String> f : created) {
            names.add(f.get(2, TimeUnit.MINUTES));
        }

        CountDownLatch waiting = new CountDownLatch(n);
        setup.events().route(event -> {
            if (EngineEvents.isAttach(event)) {
                waiting.countDown();
            }
        });
        long[] done = new long[n];
        List<CompletableFuture<RunReport>> reports = new ArrayList<>();
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            int index = i;
            reports.add(engine.start(plans.get(i)).report().whenComplete((r, e) -> done[index] = System.nanoTime()));
        }
        if (!waiting.await(3, TimeUnit.MINUTES)) {
            throw new IllegalStateException("only " + (n - waiting.getCount()) + " of " + n + " runs waited within 3 minutes");
        }
        double untilWaiting = Percentiles.millisBetween(start, System.nanoTime());
        Thread.sleep(100);
        int threadsWaiting = liveThreads();
        long heapWaiting = heapAfterGc();
        int engineWatches = engine.watchConnections();
        int sandboxWatches = setup.sandbox().watchesOpened() - watchesBefore;

        long[] written = new long[n];
        for (int i = 0; i < n; i++) {
            written[i] = System.nanoTime();
            setup.jobs().complete(NAMESPACE, names.get(i));
        }
        CompletableFuture.allOf(reports.toArray(CompletableFuture[]::new)).get(3, TimeUnit.MINUTES);
        List<Double> latency = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            RunReport r = reports.get(i).join();
            if (!r.succeeded()) {
                throw new IllegalStateException("run " + i + " of " + n + " ended " + r.outcome() + ": " + r.failure());
            }
            latency.add(Percentiles.millisBetween(written[i], done[i]));
        }
        return new Row(n, threadsBefore, threadsWaiting, heapBefore, heapWaiting, engineWatches, sandboxWatches,
                untilWaiting, Percentiles.of(latency));
    }

    static int liveThreads() {
        return ManagementFactory.getThreadMXBean().getThreadCount();
    }

    static long heapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
