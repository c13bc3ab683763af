package io.mtd.bench;

import io.mtd.MigrateThenDeploy;
import io.mtd.plan.Environment;
import io.mtd.plan.Plan;
import io.mtd.report.RunReport;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Measure 1: from the moment a Job's Complete condition is written to the moment the waiter returns, for the engine
 * (the run's report completes) and for {@code kubectl wait --for=condition=complete}, on the same sandbox, interleaved.
 */
final class CompletionLatency {

    static final String NAMESPACE = "latency";
    private static final int WARMUP = 3;
    /**
     * Both waiters sit this long in their wait before the condition is written: a freshly started kubectl is still
     * busy for tens of milliseconds after its watch opens, and a wait in a pipeline has long settled.
     */
    static final long SETTLE_MILLIS = 300;

    /**
     * Both waiters' latencies in milliseconds (kubectl's is null without kubectl), and what one waiting
     * {@code kubectl wait} process holds: resident memory and OS threads, read from /proc while it waits; how long the
     * status write itself takes.
     */
    record Result(int jobs, Percentiles engine, Percentiles kubectl, Long kubectlRssBytes, Integer kubectlThreads,
            Percentiles statusWrite) {}

    private final Setup setup;

    CompletionLatency(Setup setup) {
        this.setup = setup;
    }

    Result run(int jobs) throws Exception {
        List<Double> engine = new ArrayList<>();
        List<Double> kubectl = new ArrayList<>();
        List<Double> writes = new ArrayList<>();
        long rss = 0;
        int threads = 0;
        for (int i = 0; i < WARMUP + jobs; i++) {
            double e = engineOnce(i, writes);
            long[] held = new long[2];
            Double k = setup.kubectl().isPresent() ? kubectlOnce(i, held) : null;
            rss = Math.max(rss, held[0]);
            threads = Math.max(threads, (int) held[1]);
            if (i >= WARMUP) {
                engine.add(e);
                if (k != null) {
                    kubectl.add(k);
                }
            }
        }
        return new Result(jobs, Percentiles.of(engine), kubectl.isEmpty() ? null : Percentiles.of(kubectl),
                rss == 0 ? null : rss, threads == 0 ? null : threads, Percentiles.of(writes.subList(WARMUP, writes.size())));
    }

    /** Latency of one engine wait, measured by {@link #timeCompletion}. */
    private double engineOnce(int i, List<Double> writes) throws Exception {
        Environment env = MigrationJobs.environment("bench", NAMESPACE);
        Plan plan = MigrationJobs.plan("latency", "bench/app:" + i, "true", env);
        return timeCompletion(setup, setup.engine(), plan, env, writes);
    }

    /**
     * Creates the plan's Job suspended, lets the engine attach to it, writes its Complete condition and returns the
     * milliseconds from just before that write to the run's report completing; adds the write's own duration to
     * {@code writes}.
     */
    static double timeCompletion(Setup setup, MigrateThenDeploy engine, Plan plan, Environment env, List<Double> writes)
            throws Exception {
        String name = setup.jobs().createSuspended(plan, env);
        CountDownLatch attached = new CountDownLatch(1);
        setup.events().route(event -> {
            if (EngineEvents.isAttach(event)) {
                attached.countDown();
            }
        });
        MigrateThenDeploy.Run run = engine.start(plan);
        if (!attached.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the engine did not attach to Job " + name + " within 30s: "
                    + run.report().getNow(null));
        }
        long[] done = new long[1];
        CompletableFuture<RunReport> timed = run.report().whenComplete((r, e) -> done[0] = System.nanoTime());
        Thread.sleep(SETTLE_MILLIS);
        long written = System.nanoTime();
        setup.jobs().complete(env.namespaceOrDefault(), name);
        writes.add(Percentiles.millisBetween(written, System.nanoTime()));
        RunReport report = timed.get(30, TimeUnit.SECONDS);
        if (!report.succeeded()) {
            throw new IllegalStateException("the engine reported " + report.outcome() + " for Job " + name + ": " + report.failure());
        }
        return Percentiles.millisBetween(written, done[0]);
    }

    /** Latency of one {@code kubectl wait}: its watch is open (the sandbox counted it) before the condition is written. */
    private double kubectlOnce(int i, long[] held) throws Exception {
        Kubectl kubectl = setup.kubectl().orElseThrow();
        String name = "kubectl-wait-" + i;
        setup.jobs().createSuspendedPlain(NAMESPACE, name);
        int before = setup.sandbox().watchesOpened();
        Process wait = kubectl.start("wait", "--for=condition=complete", "job/" + name, "-n", NAMESPACE, "--timeout=60s");
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (setup.sandbox().watchesOpened() <= before) {
            if (!wait.isAlive() || System.nanoTime() > until) {
                throw new IllegalStateException("kubectl wait never opened its watch on job/" + name + ": "
                        + new String(wait.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
            }
            Thread.sleep(2);
        }
        Thread.sleep(SETTLE_MILLIS);
        readProcStatus(wait.pid(), held);
        long written = System.nanoTime();
        setup.jobs().complete(NAMESPACE, name);
        if (!wait.waitFor(30, TimeUnit.SECONDS)) {
            wait.destroyForcibly();
            throw new IllegalStateException("kubectl wait did not see job/" + name + " complete within 30s");
        }
        long done = System.nanoTime();
        String out = new String(wait.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (wait.exitValue() != 0 || !out.contains("condition met")) {
            throw new IllegalStateException("kubectl wait on job/" + name + " exited " + wait.exitValue() + ": " + out);
        }
        return Percentiles.millisBetween(written, done);
    }

    /** VmRSS (bytes) and Threads of a Linux process into {@code held}; leaves them 0 where /proc is not there. */
    static void readProcStatus(long pid, long[] held) {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc", Long.toString(pid), "status"))) {
                String[] words = line.trim().split("\\s+");
                if (line.startsWith("VmRSS:")) {
                    held[0] = Long.parseLong(words[1]) * 1024;
                } else if (line.startsWith("Threads:")) {
                    held[1] = Long.parseLong(words[1]);
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux, or the process ended: nothing to report
        }
    }
}
