package io.mtd.bench;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.mtd.MigrateThenDeploy;
import io.mtd.migration.MigrationStage;
import io.mtd.plan.Environment;
import io.mtd.plan.Migration;
import io.mtd.plan.Plan;
import io.mtd.progress.ProgressEvent;
import io.mtd.progress.ProgressListener;
import io.mtd.progress.Stage;
import io.mtd.promotion.RunIdentity;
import io.mtd.report.RunReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The migration lock: hand-over latency, from the holder's Job completing to the next run's Job created (the engine,
 * which waits on the Lease by watch, against a peer that polls the Lease every 500 ms as the engine did before), and
 * the API requests per second that N runs waiting on one lock make (the engine against N such pollers).
 */
final class LockHandover {

    private static final Duration POLL = Duration.ofMillis(500);
    private static final String NS = "handover";

    /** Latencies in ms, and requests per second while {@code waiters} runs wait. */
    record Result(Percentiles engine, Percentiles polling, int waiters, double engineRequestsPerSecond,
            double pollingRequestsPerSecond, double windowSeconds) {}

    private final Setup setup;
    private final Map<String, Long> added = new ConcurrentHashMap<>();
    private final Map<String, Long> completed = new ConcurrentHashMap<>();
    private final java.util.Random random = new java.util.Random(42);

    LockHandover(Setup setup) {
        this.setup = setup;
    }

    Result run(int samples, int waiters, Duration window) throws Exception {
        KubernetesClient client = setup.client();
        SharedIndexInformer<Job> jobs = client.batch().v1().jobs().inNamespace(NS).inform(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Job job) {
                added.putIfAbsent(job.getMetadata().getName(), System.nanoTime());
                onUpdate(job, job);
            }

            @Override
            public void onUpdate(Job oldJob, Job job) {
                if (job.getStatus() != null && job.getStatus().getConditions() != null && job.getStatus().getConditions()
                        .stream().anyMatch(c -> io.mtd.migration.JobConditionType.COMPLETE.value().equals(c.getType()) && "True".equals(c.getStatus()))) {
                    completed.putIfAbsent(job.getMetadata().getName(), System.nanoTime());
                }
            }

            @Override
            public void onDelete(Job job, boolean unknown) {}
        });
        try {
            List<Double> engine = new ArrayList<>();
            List<Double> polling = new ArrayList<>();
            for (int i = 0; i < samples; i++) {
                engine.add(handOver(i, false));
                polling.add(handOver(i, true));
            }
            double engineRate = waitingRate(waiters, window, false);
            double pollingRate = waitingRate(waiters, window, true);
            return new Result(Percentiles.of(engine), Percentiles.of(polling), waiters, engineRate, pollingRate,
                    window.toMillis() / 1000.0);
        } finally {
            jobs.close();
        }
    }

    private static MigrateThenDeploy engine(Setup setup, String id, ProgressListener listener) {
        return MigrateThenDeploy.builder().clusters(env -> setup.sandbox().client()).identity(new RunIdentity(id, null))
                .listener(listener).build();
    }

    private static Plan plan(String app, String image, String script) {
        return new Plan(app, image, null, Migration.builder().command("sh", "-c", script).timeout("5m")
                .lock(new Migration.Lock("30s", "5m")).build(), null,
                List.of(Environment.of(NS, NS, List.of())));
    }

    /** One hand-over: the engine holds the lock while its migration waits for a gate; the next run is the engine or the poller. */
    private double handOver(int i, boolean poller) throws Exception {
        String app = (poller ? "hp" : "he") + i;
        Path gate = setup.work().resolve("gate-" + app);
        Plan holderPlan = plan(app, "handover-a:" + app, "while [ ! -f '" + gate + "' ]; do sleep 0.01; done");
        String holderJob = io.mtd.migration.MigrationJob.nameFor(app, NS, holderPlan.image());
        CompletableFuture<Void> holderRunning = new CompletableFuture<>();
        CompletableFuture<Void> nextWaiting = new CompletableFuture<>();
        try (MigrateThenDeploy holder = engine(setup, "holder-" + app, e -> {
                    if (e instanceof ProgressEvent.Note n && n.message().contains(" Running")) {
                        holderRunning.complete(null);
                    }
                });
                MigrateThenDeploy next = engine(setup, "next-" + app, e -> {
                    if (e instanceof ProgressEvent.Note n && n.stage() == Stage.LOCK) {
                        nextWaiting.complete(null);
                    }
                })) {
            CompletableFuture<RunReport> first = holder.start(holderPlan).report();
            holderRunning.get(60, TimeUnit.SECONDS);
            String nextJob;
            CompletableFuture<?> second;
            Poller peer = null;
            if (poller) {
                peer = new Poller(setup.client(), MigrationStage.lockName(app, NS), "peer-" + app, app + "-peer-job");
                nextJob = peer.job;
                second = peer.start();
                peer.waiting.get(60, TimeUnit.SECONDS);
            } else {
                Plan nextPlan = plan(app, "handover-b:" + app, "true");
                nextJob = io.mtd.migration.MigrationJob.nameFor(app, NS, nextPlan.image());
                second = next.start(nextPlan).report();
                nextWaiting.get(60, TimeUnit.SECONDS);
            }
            // the holder's Job ends at a random moment, not just after the poller's last look
            Thread.sleep(random.nextInt((int) POLL.toMillis()));
            Files.createFile(gate);
            first.get(60, TimeUnit.SECONDS);
            second.get(60, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while ((!added.containsKey(nextJob) || !completed.containsKey(holderJob)) && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            if (peer != null) {
                peer.close();
            }
            return Percentiles.millisBetween(completed.get(holderJob), added.get(nextJob));
        }
    }

    /** Requests per second the API server receives while {@code n} runs wait on one lock held by someone else. */
    private double waitingRate(int n, Duration window, boolean poller) throws Exception {
        String app = poller ? "waitp" : "waite";
        String lease = MigrationStage.lockName(app, NS);
        ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
        setup.client().leases().inNamespace(NS).resource(new LeaseBuilder().withNewMetadata().withName(lease)
                .withNamespace(NS).endMetadata().withNewSpec().withHolderIdentity("bench-holder")
                .withLeaseDurationSeconds(3600).withAcquireTime(now).withRenewTime(now).endSpec().build()).create();
        if (poller) {
            ScheduledExecutorService pool = Executors.newScheduledThreadPool(8);
            try {
                for (int i = 0; i < n; i++) {
                    pool.scheduleAtFixedRate(() -> {
                        try {
                            setup.client().leases().inNamespace(NS).withName(lease).get();
                        } catch (KubernetesClientException e) {
                            // counted by the server all the same
                        }
                    }, i * POLL.toMillis() / n, POLL.toMillis(), TimeUnit.MILLISECONDS);
                }
                Thread.sleep(1_000);
                return rate(window);
            } finally {
                pool.shutdownNow();
            }
        }
        AtomicInteger waiting = new AtomicInteger();
        List<MigrateThenDeploy.Run> runs = new ArrayList<>();
        try (MigrateThenDeploy engine = engine(setup, "bench-waiter", e -> {
            if (e instanceof ProgressEvent.Note note && note.stage() == Stage.LOCK) {
                waiting.incrementAndGet();
            }
        })) {
            for (int i = 0; i < n; i++) {
                runs.add(engine.start(plan(app, "waiter:" + i, "true")));
            }
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
            while (waiting.get() < n && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            if (waiting.get() < n) {
                throw new IllegalStateException("only " + waiting.get() + " of " + n + " runs reached the lock");
            }
            double rate = rate(window);
            runs.forEach(r -> r.cancel("benchmark over"));
            for (MigrateThenDeploy.Run r : runs) {
                r.report().get(60, TimeUnit.SECONDS);
            }
            return rate;
        }
    }

    private double rate(Duration window) throws InterruptedException {
        long before = setup.sandbox().requestsServed();
        Thread.sleep(window.toMillis());
        long after = setup.sandbox().requestsServed();
        return (after - before) / (window.toMillis() / 1000.0);
    }

    /** The lock as the engine took it before: a GET of the Lease every 500 ms until it is free, then a PUT, then the Job. */
    private static final class Poller implements AutoCloseable {
        private final KubernetesClient client;
        private final String lease;
        private final String holder;
        final String job;
        final CompletableFuture<Void> waiting = new CompletableFuture<>();
        private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        private final CompletableFuture<Void> done = new CompletableFuture<>();
        private ScheduledFuture<?> task;

        Poller(KubernetesClient client, String lease, String holder, String job) {
            this.client = client;
            this.lease = lease;
            this.holder = holder;
            this.job = job;
        }

        CompletableFuture<Void> start() {
            task = timer.scheduleWithFixedDelay(this::attempt, 0, POLL.toMillis(), TimeUnit.MILLISECONDS);
            return done;
        }

        private void attempt() {
            if (done.isDone()) {
                return;
            }
            try {
                Lease current = client.leases().inNamespace(NS).withName(lease).get();
                String h = current == null ? null : current.getSpec().getHolderIdentity();
                if (h != null && !h.isEmpty()) {
                    waiting.complete(null);
                    return;
                }
                ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
                current.getSpec().setHolderIdentity(holder);
                current.getSpec().setRenewTime(now);
                client.leases().inNamespace(NS).resource(current).update();
                client.batch().v1().jobs().inNamespace(NS).resource(new io.fabric8.kubernetes.api.model.batch.v1.JobBuilder()
                        .withNewMetadata().withName(job).withNamespace(NS).endMetadata()
                        .withNewSpec().withSuspend(true).withNewTemplate().withNewSpec().withRestartPolicy("Never")
                        .addNewContainer().withName("migrate").withImage("peer").endContainer().endSpec().endTemplate()
                        .endSpec().build()).create();
                done.complete(null);
            } catch (KubernetesClientException e) {
                // lost a race: the next poll tells
            }
        }

        @Override
        public void close() {
            task.cancel(false);
            timer.shutdownNow();
        }
    }

    /** The Markdown rows for the README's Performance table. */
    static List<String[]> rows(Result r) {
        return List.of(
                new String[] {
                    "Lock hand-over: holder's Job complete to the next run's Job created, p50 / p99 of " + r.engine().count(),
                    ms(r.engine().p50()) + " / " + ms(r.engine().p99()),
                    "polling the Lease every 500 ms (the engine before): " + ms(r.polling().p50()) + " / " + ms(r.polling().p99()),
                    "engine " + Table.ratio(r.polling().p50(), r.engine().p50()) + " sooner (p50)",
                },
                new String[] {
                    "API requests per second while " + r.waiters() + " runs wait on one lock (" + r.windowSeconds() + " s window)",
                    String.format(Locale.ROOT, "%.1f", r.engineRequestsPerSecond()),
                    String.format(Locale.ROOT, "%d pollers at 500 ms: %.0f", r.waiters(), r.pollingRequestsPerSecond()),
                    r.engineRequestsPerSecond() < 1 ? "~0 against " + Math.round(r.pollingRequestsPerSecond())
                            : Table.ratio(r.pollingRequestsPerSecond(), r.engineRequestsPerSecond()) + " fewer",
                });
    }

    private static String ms(double millis) {
        return String.format(Locale.ROOT, "%.0f ms", millis);
    }
}
