package io.mtd.bench;

import io.mtd.MigrateThenDeploy;
import io.mtd.concurrent.DaemonThreads;
import io.mtd.plan.Environment;
import io.mtd.plan.Plan;
import io.mtd.report.RunReport;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
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
     * on; the engine's watch connections and those the sandbox's API server accepted from this engine so far; the
     * engine's scheduler backlog (tasks past due) and the sandbox's GET latency while all of them wait.
     */
    record Row(int waits, int threadsBefore, int threadsWaiting, long heapBeforeBytes, long heapWaitingBytes,
            int engineWatchConnections, int sandboxWatchesOpened, double millisUntilAllWaiting, Percentiles latency,
            java.util.Map<String, Integer> threadsAdded, int engineBacklog, double apiGetMillis) {

        long heapPerWaitBytes() {
            return Math.max(0, heapWaitingBytes - heapBeforeBytes) / waits;
        }
    }

    private final Setup setup;
    private java.util.concurrent.ScheduledThreadPoolExecutor scheduler;

    Scale(Setup setup) {
        this.setup = setup;
    }

    /**
     * Runs every size, in order, against one engine of its own whose scheduler has {@code engineThreads} threads (the
     * engine's default is 2): the benchmark owns the scheduler only to count its backlog.
     */
    List<Row> run(int engineThreads, int... sizes) throws Exception {
        int watchesBefore = setup.sandbox().watchesOpened();
        List<Row> rows = new ArrayList<>();
        ExecutorService creators = creators("bench-job-creator");
        java.util.concurrent.ScheduledThreadPoolExecutor scheduler = engineScheduler(engineThreads);
        this.scheduler = scheduler;
        try (MigrateThenDeploy engine = MigrateThenDeploy.builder()
                .scheduler(scheduler)
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
            scheduler.shutdownNow();
        }
        return rows;
    }

    private Row size(MigrateThenDeploy engine, int n, int watchesBefore, ExecutorService creators) throws Exception {
        java.util.Map<String, Integer> namesBefore = threadNames();
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
        java.util.Map<String, Integer> added = threadsAdded(namesBefore);
        long heapWaiting = heapAfterGc();
        int engineWatches = engine.watchConnections();
        int sandboxWatches = setup.sandbox().watchesOpened() - watchesBefore;

        int overdue = overdueTasks(scheduler);
        double apiMillis = apiGetMillis(names.get(0));
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
                untilWaiting, Percentiles.of(latency), added, overdue, apiMillis);
    }

    /** Live threads by name with digits dropped (pools number their threads), to say where added threads come from. */
    static java.util.Map<String, Integer> threadNames() {
        java.util.Map<String, Integer> names = new java.util.TreeMap<>();
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            names.merge(t.getName().replaceAll("[0-9]+", "#"), 1, Integer::sum);
        }
        return names;
    }

    /** Threads by name that are live now and were not in {@code before} (a count that fell is negative). */
    static java.util.Map<String, Integer> threadsAdded(java.util.Map<String, Integer> before) {
        java.util.Map<String, Integer> added = threadNames();
        before.forEach((k, v) -> added.merge(k, -v, Integer::sum));
        added.values().removeIf(v -> v == 0);
        return added;
    }

    /**
     * The harness's own four creators of resources, started at once: they exist before the first count, so that only
     * the engine's threads are counted.
     */
    static ExecutorService creators(String threadName) {
        java.util.concurrent.ThreadPoolExecutor creators = new java.util.concurrent.ThreadPoolExecutor(4, 4, 1, TimeUnit.HOURS,
                new java.util.concurrent.LinkedBlockingQueue<>(), r -> new Thread(r, threadName));
        creators.prestartAllCoreThreads();
        return creators;
    }

    /** A scheduler like the engine's own, which the benchmark owns to count its backlog. */
    static java.util.concurrent.ScheduledThreadPoolExecutor engineScheduler(int threads) {
        return new java.util.concurrent.ScheduledThreadPoolExecutor(threads, DaemonThreads.factory("mtd-engine"));
    }

    /** Tasks in the engine's scheduler that should have run already: its backlog. */
    static int overdueTasks(java.util.concurrent.ScheduledThreadPoolExecutor scheduler) {
        int overdue = 0;
        for (Runnable r : scheduler.getQueue()) {
            if (r instanceof java.util.concurrent.Delayed d && d.getDelay(TimeUnit.MILLISECONDS) <= 0) {
                overdue++;
            }
        }
        return overdue + scheduler.getActiveCount();
    }

    /** Median milliseconds of a GET of one Job from the harness: how busy the sandbox's API server is. */
    private double apiGetMillis(String job) {
        List<Double> samples = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            long start = System.nanoTime();
            setup.client().batch().v1().jobs().inNamespace(NAMESPACE).withName(job).get();
            samples.add(Percentiles.millisBetween(start, System.nanoTime()));
        }
        return Percentiles.of(samples).p50();
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
